/* sched.h: the scheduler's pure decisions over the task graph: task states,
 * the ready queue, placement on workers, retries, and which cores of a
 * worker a task gets.  No MPI, no I/O: everything here runs in
 * microseconds and is unit-tested without processes. */
#ifndef MB_SCHED_H
#define MB_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "common/graph.h"
#include "io/jobfile.h"   /* the exit_conditions rules (types only) */

/* ------------------------------------------------------------------ */
/* Task states and placement                                           */

enum sched_state {
    SCHED_PENDING = 0,   /* waiting for prerequisites */
    SCHED_READY,
    SCHED_RUNNING,
    SCHED_SUCCEEDED,
    SCHED_FAILED,
    SCHED_SKIPPED,
};

/* How an attempt ended, as far as the scheduler cares. */
enum sched_outcome {
    SCHED_OK = 0,          /* exit 0: the task succeeded */
    SCHED_FAIL,            /* non-zero exit, signal, timeout: retry if left */
    SCHED_FAIL_FINAL,      /* fail without retry (input staging error) */
    SCHED_REQUEUE,         /* interrupted or worker lost: ready again, no retry used */
    SCHED_REQUEUE_RULE,    /* action = "requeue": ready again, no retry used, at most
                            * max_requeues times; then FAILED */
};

/* Per-task numbers the scheduler needs (copied at creation). */
typedef struct {
    int slots;           /* >= 1 */
    int gpus;
    int64_t memory;      /* bytes, 0 = none */
    int priority;        /* higher first; ties in task index order */
    int max_retries;     /* -1 unlimited */
    int max_requeues;    /* SCHED_REQUEUE_RULE at most this often */
    int on_failure;      /* 0 = block dependents, 1 = satisfy them */
    int instances;       /* >= 1; > 1 places over several workers */
    double time_request; /* seconds one attempt needs, <= 0: none */
} sched_task_t;

typedef struct sched sched_t;

enum { SCHED_FILL_SPREAD = 0, SCHED_FILL_PACK = 1 };

/* Create a scheduler.  With a graph g: job 0 (priority 0) is made and
 * holds the graph's tasks (indices 0 .. graph_size(g)-1) with the
 * requirements in `tasks` (that many entries); g and tasks are only read
 * during the call (the scheduler keeps its own copy of the dependencies).
 * The graph's cycles are not checked here (graph_find_cycle).  With
 * g NULL (tasks ignored): an empty scheduler with no job, for a pool that
 * adds jobs and tasks as they come.  Every task starts PENDING.  Returns
 * NULL with errno set (EINVAL: bad fill or task requirements; ENOMEM). */
sched_t *sched_create (const graph_t *g, const sched_task_t *tasks, int fill);
/* Frees everything the scheduler holds; accepts NULL. */
void sched_destroy (sched_t *s);

/* ------------------------------------------------------------------ */
/* Jobs (a pool serves many at once)                                   */

/* Every task belongs to one job.  Order of starts: among READY tasks that
 * fit, those of the job with the highest priority first, then of the job
 * added first, then by the task's own priority, then by task index.  A
 * job's settings apply to its own tasks only; sched_hold and
 * sched_skip_remaining still act on the whole scheduler. */

/* Add a job with priority -1000..1000 (higher first).  Returns its index
 * (0, 1, 2... in the order added), or -1 (EINVAL, ENOMEM).  Jobs are never
 * removed: an index stays valid for the scheduler's life. */
int sched_job_add (sched_t *s, int priority);
/* Change a job's priority (-1000..1000) at any time; the next sched_next
 * uses it.  O(classes queued).  0, or -1 (EINVAL: bad job or priority). */
int sched_job_set_priority (sched_t *s, int job, int priority);
/* max_parallel_tasks: at most max of the job's tasks RUNNING at once (a
 * multi-instance task counts once); max <= 0: unlimited (the default).
 * Lowering it below the running count stops nothing: no new task of the
 * job starts until fewer run.  0, or -1 (EINVAL: bad job). */
int sched_job_set_max_running (sched_t *s, int job, int max);
/* Start nothing more of the job (on_task_failure = stop, an exit
 * condition's job action, cancel of the job).  Its READY tasks stay READY
 * and its RUNNING ones stay accounted until their sched_attempt_end; they
 * may still be retried into READY, but none starts.  Other jobs go on.
 * A held job's tasks are not reported by sched_unplaceable nor counted by
 * sched_held_back.  There is no un-hold.  0, or -1 (EINVAL: bad job). */
int sched_job_hold (sched_t *s, int job);
/* Mark every PENDING/READY task of the job SKIPPED (each reported by
 * sched_next_event; their dependents in other jobs are blocked or
 * released as after a skip), hold the job, and from now on treat it as
 * sched_skip_remaining treats everything: a RUNNING task of it ends
 * FAILED on SCHED_FAIL (no retry) and SKIPPED on SCHED_REQUEUE, and
 * sched_add_tasks refuses it.  Other jobs go on.  0, or -1 (EINVAL). */
int sched_job_skip_remaining (sched_t *s, int job);
/* The job's counts by state, indexed by enum sched_state (6 entries).
 * 0, or -1 (EINVAL: bad job). */
int sched_job_counts (const sched_t *s, int job, size_t counts[6]);
/* 1 when none of the job's tasks is PENDING, READY or RUNNING (also for a
 * job with no tasks yet: a pool keeps an open job alive itself), 0 when
 * some is, -1 (EINVAL) for a bad job. */
int sched_job_finished (const sched_t *s, int job);
/* The job of a task, or -1 (EINVAL: bad task). */
int sched_task_job (const sched_t *s, uint32_t task);

/* Append n tasks to a job, before or after sched_start.  They get the
 * global indices *first .. *first+n-1 (first may be NULL), following every
 * task already added, of any job; reqs (n entries) as for sched_create.
 * Prerequisites in CSR form: new task i depends on deps[off[i]] ..
 * deps[off[i+1]-1] (off has n+1 entries, off[0] == 0; off NULL: no
 * prerequisites), each a global index of a task already in the scheduler
 * (any job, any state) or of this batch.  A prerequisite that is still
 * PENDING, READY or RUNNING is waited for; one already final counts at
 * once: SUCCEEDED satisfies, FAILED/SKIPPED satisfy or block according to
 * its on_failure.  After sched_start the new tasks are settled at once: a
 * task blocked by a failed prerequisite becomes SKIPPED (reported by
 * sched_next_event, as are its new dependents), a task with nothing to
 * wait for becomes READY.  Arrays are only read during the call.
 * Atomic: 0, or -1 with nothing added (EINVAL: bad job, a job after
 * sched_job_skip_remaining or a scheduler after sched_skip_remaining, bad
 * requirements, a prerequisite index out of range, a cycle among the
 * batch's tasks; ENOMEM).  Amortised O(n + prerequisites). */
int sched_add_tasks (sched_t *s, int job, size_t n, const sched_task_t *reqs,
                     const uint32_t *off, const uint32_t *deps, uint32_t *first);

/* Cancel a task.  A PENDING or READY task ends at once as FAILED, without
 * an attempt and without retry; its dependents are blocked (SKIPPED,
 * reported by sched_next_event) or released according to its on_failure,
 * as after a failure.  Returns 1 then: the caller records the task as
 * cancelled (sched_next_event does not report it, so it is told apart
 * from the skips it causes).  A RUNNING task is left alone and 0 returned:
 * the caller interrupts it and, when its result comes, calls
 * sched_attempt_end with SCHED_FAIL_FINAL (no retry).  A final task: 0,
 * nothing changes.  -1 (EINVAL) for a bad task.  Before sched_start a
 * cancelled task is a FAILED one, as sched_preset makes it.  To cancel a
 * job: sched_job_hold it, sched_cancel its waiting tasks, interrupt its
 * running ones. */
int sched_cancel (sched_t *s, uint32_t task);

/* Workers.  Ids are the caller's (e.g. MPI ranks), 0 <= id < 1<<20.
 * node groups workers of one host.  Workers may be added at any time,
 * before or after sched_start (workers joining a running pool): the next
 * sched_next places on them.  The call allocates (sched_next and
 * sched_attempt_end never do); a failed call changes nothing.  0 or -1
 * (EEXIST: id in use, EINVAL, ENOMEM). */
int sched_worker_add (sched_t *s, int id, int node, int slots, int gpus, int64_t memory);
/* An enabled worker receives tasks; a disabled one (job preparation still
 * running or failed, worker lost) does not.  Workers start enabled.  Tasks
 * already running on a disabled worker stay accounted until their
 * sched_attempt_end.  0, or -1 (ENOENT: unknown id). */
int sched_worker_enable (sched_t *s, int id, int enabled);
/* Forget a worker (it left the pool): its id may be added again later.
 * Only a worker with nothing RUNNING on it: disable it, end its tasks
 * (sched_worker_tasks, sched_attempt_end with SCHED_REQUEUE), then remove
 * it.  0, or -1 (ENOENT: unknown id; EBUSY: tasks still run there). */
int sched_worker_remove (sched_t *s, int id);

/* Per-worker walltime (workers of allocations that end at different
 * times).  A worker's end is an absolute time in the caller's clock; the
 * caller tells the scheduler the time once per pass with sched_set_now,
 * so nothing is called per worker as time goes by.  The time left on a
 * worker is end - now, and also at most the global sched_set_time_left
 * when that is set; a worker without an end has only the global limit.
 * A task whose time_request exceeds the time left on a worker does not
 * start there (each part of a multi-instance task needs it on its own
 * worker); other workers may take it, and one that fits no worker now
 * stays READY (see sched_held_back).  A task is checked when it starts,
 * ahead or not: one that started in time is never stopped here.
 * end < 0 removes the worker's end (the default: no end).  Set it right
 * after sched_worker_add, before the next sched_next.  Cheap (O(workers)
 * to keep the latest end); the end goes with the worker when it is
 * removed.  0, or -1 (ENOENT: unknown id; EINVAL: end is NaN). */
int sched_worker_set_end (sched_t *s, int id, double end);
/* The current time, in the clock of the workers' ends; sched_next and
 * sched_held_back use the last value given (0 before the first call).
 * Call it once per pass before sched_next, as for sched_set_time_left.
 * O(1). */
void sched_set_now (sched_t *s, double now);

/* Per-job exclusion: with excluded != 0, no task of the job starts on
 * worker id (its preparation failed on that node); other jobs still use
 * the worker.  excluded == 0 lifts it.  Tasks of the job already running
 * there are left alone.  Placement, reservation and tasks ahead skip the
 * worker for the job's tasks; a READY task of the job that fits none of
 * the enabled workers left to it, even idle, is reported by
 * sched_unplaceable, so a job excluded from every enabled worker has all
 * its READY tasks reported there (sched_job_workers tells that reason
 * apart from a task too big for every worker).  An exclusion ends when
 * the worker is removed (its id may come back as another node).
 * Allocates (sched_next never does); a failed call changes nothing.
 * 0, or -1 (EINVAL: bad job; ENOENT: unknown worker id; ENOMEM). */
int sched_job_exclude_worker (sched_t *s, int job, int id, int excluded);
/* How many enabled workers the job's tasks may use (enabled ones not
 * excluded by sched_job_exclude_worker): 0 means none of its tasks can
 * start until a worker joins or is enabled.  O(workers), or -1 (EINVAL:
 * bad job). */
int sched_job_workers (const sched_t *s, int job);

/* Before sched_start(): record a task's final state from an earlier run
 * (resume).  SUCCEEDED satisfies its dependents; FAILED/SKIPPED block or
 * satisfy them according to on_failure. `attempts` is how many attempts
 * were already used (so retries continue counting).  state PENDING (or
 * READY) records only the attempts of a task that is not final yet.
 * 0, or -1 (EINVAL: after sched_start, bad task, state or attempts). */
int sched_preset (sched_t *s, uint32_t task, enum sched_state state, int attempts);

/* Before sched_start(): requeues by rule already used in earlier runs
 * (resume), so max_requeues keeps counting.  0, or -1 (EINVAL). */
int sched_preset_requeues (sched_t *s, uint32_t task, int requeues);

/* What task's failure does to its dependents, replacing its on_failure:
 * -1 (its on_failure), 0 (block) or 1 (satisfy).  Used when the task ends
 * FAILED (exit conditions' `dependents`); callable before sched_start for
 * a preset.  0, or -1 (EINVAL). */
int sched_set_dependents (sched_t *s, uint32_t task, int mode);

/* Compute the initial ready set.  Tasks whose blocking prerequisite
 * already failed become SKIPPED (reported by sched_next_event). */
int sched_start (sched_t *s);

/* A placement decision.  For a one-instance task nparts == 1. */
typedef struct {
    uint32_t task;
    int attempt;          /* 0 for the first attempt; retries and requeues by rule count up */
    int nparts;
    struct { int worker; int slots; int gpus; } parts[64];
} sched_assign_t;

/* Pop the next placement: the ready task first in the order of jobs and
 * tasks (see Jobs: job priority, job index, task priority, task index)
 * that fits a worker now, of a job neither held nor at its
 * max_parallel_tasks, placed by the fill policy (spread: the
 * worker with most free slots; pack: the lowest id with room).  Only
 * workers that may take the task count: enabled, not excluded for its
 * job (sched_job_exclude_worker), with its time_request left
 * (sched_set_time_left, sched_worker_set_end).  A task too
 * big for any such worker's free slots now holds back smaller tasks from
 * the workers it waits for, so it is not starved; a task for which no
 * worker has the time holds back nothing.  The task becomes RUNNING and
 * the worker's resources are reserved.  Returns 1 when *a was filled, 0
 * when nothing can be placed now.  Never allocates.  With no worker end
 * and no exclusion set, costs what it did without them. */
int sched_next (sched_t *s, sched_assign_t *a);

/* The READY task first in order (see sched_next) that fits no
 * enabled worker its job may use (sched_job_exclude_worker) even when
 * the worker is idle (too many slots, gpus or memory, instances that
 * would need more than 64 workers, or its job excluded from every
 * enabled worker; time is not looked at: see sched_held_back); 1 and
 * *task set, or 0 when there is none.  sched_next leaves such a task READY and
 * places the others around it, so the runtime asks this when sched_next
 * returns 0 with tasks READY and nothing RUNNING (or at any time) and
 * fails the task with sched_fail_ready.  Note that with no enabled worker
 * every READY task is unplaceable.  Tasks of a job that is held or at
 * its max_parallel_tasks are not looked at (they are not waiting for a
 * worker).  O(classes x workers), where classes is the number of
 * distinct (job, requirement tuple) pairs. */
int sched_unplaceable (const sched_t *s, uint32_t *task);

/* Fail a READY task without running it (e.g. unplaceable): it becomes
 * FAILED and its dependents are released or skipped as after a failed
 * attempt.  0, or -1 (EINVAL: not READY). */
int sched_fail_ready (sched_t *s, uint32_t task);

/* Walltime-aware starts: tasks whose time_request exceeds `seconds` are
 * not started on any worker (they stay READY, for a later allocation);
 * seconds < 0 lifts the limit.  Call before sched_next whenever the time
 * left changes.  Per-worker ends (sched_worker_set_end) narrow it for
 * each worker. */
void sched_set_time_left (sched_t *s, double seconds);
/* READY tasks held back for want of time (of queued jobs: not held, not
 * at max_parallel_tasks): a task counts when its time_request exceeds
 * the global time left (sched_set_time_left), whatever the workers; or,
 * with worker ends set, when the enabled workers its job may use could
 * hold it idle but those with its time_request left could not (so
 * "held back: the time_request exceeds the time left on every worker";
 * a task no worker could hold is sched_unplaceable's instead).  Such a
 * task stays READY and starts when a worker with the time joins, or the
 * ends move.  O(queued classes) without worker ends, O(queued classes x
 * workers) with them. */
size_t sched_held_back (const sched_t *s);

/* What waits for a slot, for the pool's automatic allocation: the READY
 * tasks sched_next would place if a worker with room (and the time) came,
 * i.e. those of jobs neither held nor at their max_parallel_tasks, and
 * not held back by the global time left (sched_set_time_left: a new
 * worker gets no more time than that).  Tasks held back by the workers'
 * own ends count: a worker that lasts longer would take them.  Call it
 * after sched_next returned 0 to count what waits with no free slot.
 * Nothing while the scheduler is held (sched_hold) or not started.
 * O(queued classes); never allocates. */
typedef struct {
    size_t tasks;            /* READY tasks that wait */
    size_t slots;            /* the slots they need together (slots x instances each) */
    int max_slots;           /* the most slots one of them needs on one worker */
    double max_time_request; /* the largest time_request among them (s), 0: none */
    double min_time_request; /* the smallest (s), 0 when one of them has none */
} sched_backlog_t;
void sched_backlog (const sched_t *s, sched_backlog_t *b);

/* Tasks ahead.  With on != 0, when sched_next finds no worker with room
 * now, it may place one single-instance task without GPUs on a worker
 * whose slots are all taken, for the worker to start the moment a slot
 * frees instead of waiting for the next decision: a worker takes a task
 * ahead only while its free slots are not below zero, the task's memory
 * is free now and the task fits it when idle, so at most one task waits
 * on a worker at a time, and the worker's free slots go below zero until
 * the attempts before it end (sched_attempt_end needs nothing else).
 * Workers reserved for a bigger task ahead in the queue take nothing
 * ahead; a task goes ahead only on a worker that may take it (its job not
 * excluded, its time_request left now).  At most 16 classes are looked at for it per call.  Off by
 * default. */
void sched_set_ahead (sched_t *s, int on);

/* Stop placing new tasks of every job (drain; on_task_failure = stop in
 * a single-job run; per job: sched_job_hold). */
void sched_hold (sched_t *s);

/* An attempt of a RUNNING task ended; its resources are released.  The
 * task becomes READY again (retry or requeue) or final; dependents are
 * released or skipped.  Returns the task's new state.  After
 * sched_skip_remaining nothing becomes READY again: SCHED_FAIL ends
 * FAILED and SCHED_REQUEUE ends SKIPPED (reported by sched_next_event).
 * A task that is not RUNNING is left alone: errno = EINVAL and its
 * current state is returned. */
enum sched_state sched_attempt_end (sched_t *s, uint32_t task, enum sched_outcome o);

/* Mark every PENDING/READY task SKIPPED (on_task_failure = stop, at the
 * end of the run).  Each is reported by sched_next_event. */
void sched_skip_remaining (sched_t *s);

/* Tasks that became final without running (SKIPPED), in order, for the
 * journal: by a blocking prerequisite, sched_skip_remaining,
 * sched_job_skip_remaining or sched_add_tasks.  Each task once.  Returns
 * 1 and sets *task, or 0 when there are none. */
int sched_next_event (sched_t *s, uint32_t *task);

enum sched_state sched_state (const sched_t *s, uint32_t task);
int sched_attempts (const sched_t *s, uint32_t task);   /* attempts started */
int sched_requeues (const sched_t *s, uint32_t task);   /* SCHED_REQUEUE_RULE used */

/* Counts by state, indexed by enum sched_state (6 entries). */
void sched_counts (const sched_t *s, size_t counts[6]);
/* True when no task is PENDING, READY or RUNNING. */
int sched_finished (const sched_t *s);
/* Tasks RUNNING on worker id, for requeueing when it is lost. Returns the
 * count and fills up to max entries of out. */
size_t sched_worker_tasks (const sched_t *s, int id, uint32_t *out, size_t max);

/* ------------------------------------------------------------------ */
/* Exit conditions: what an attempt's end means (the retry policy)     */

/* How an attempt ended, as the exit conditions see it. */
enum sched_end {
    SCHED_END_EXIT = 0,       /* exited with a code (0 always succeeds) */
    SCHED_END_SIGNAL,         /* killed by a signal */
    SCHED_END_TIMEOUT,        /* max_wall_clock expired */
    SCHED_END_INPUT_ERROR,    /* staging in failed: the command never ran */
    SCHED_END_OUTPUT_ERROR,   /* publishing outputs failed */
    SCHED_END_INTERRUPTED,    /* drain, lost worker, job terminated: not the task's doing */
};

/* The rule of ex (NULL or empty: none) that decides an attempt that ended
 * as `end` with exit_code: the first that matches, or -1 (exit 0, an
 * interruption, nothing matches).  Codes rules match SCHED_END_EXIT only;
 * on = "default" matches any failure no earlier rule matched. */
int sched_exit_match (const jobfile_exit_t *ex, int end, int exit_code);

/* A decision on an attempt's end. */
typedef struct {
    enum sched_outcome outcome; /* for sched_attempt_end */
    int rule;            /* index of the deciding rule in ex, -1: none (the defaults) */
    int action;          /* EXIT_* asked for: the rule's, else EXIT_SUCCEED for
                          * exit 0, EXIT_FAIL for an input error, EXIT_RETRY */
    int dependents;      /* -1, or replaces on_failure if the task ends FAILED */
    int job;             /* EXIT_JOB_*: stop or terminate the job */
    int exhausted;       /* set by sched_attempt_decide: the retries or requeues
                          * asked for were used up, so the task FAILED */
} sched_verdict_t;

/* Pure: what an attempt's end means under ex.  A rule that stops or
 * terminates the job makes a retry or requeue final (nothing more of the
 * job starts).  Interruptions requeue without a rule. */
void sched_exit_decide (const jobfile_exit_t *ex, int end, int exit_code, sched_verdict_t *v);

/* sched_exit_decide, then sched_set_dependents and sched_attempt_end for
 * a RUNNING task.  Fills *v (exhausted included); returns the task's new
 * state (as sched_attempt_end). */
enum sched_state sched_attempt_decide (sched_t *s, uint32_t task, const jobfile_exit_t *ex,
                                       int end, int exit_code, sched_verdict_t *v);

/* ------------------------------------------------------------------ */
/* Which cores of a worker a task gets                                 */

/* A worker's slots in topology order; numa[i] and pkg[i] are the locality
 * groups of slot i.  Pick k free slots (busy[i] == 0) close together:
 * inside one NUMA node if they fit there, else one package, else the
 * fewest groups; contiguous runs are preferred.  Writes the chosen slot
 * numbers to out (ascending) and returns 0, or -1 when fewer than k are
 * free.  Does not change busy. */
int sched_pick_slots (int nslots, const int *numa, const int *pkg,
                      const uint8_t *busy, int k, int *out);

#endif
