/* sched.h: the scheduler's pure decisions: the task graph, task states,
 * the ready queue, placement on workers, retries, and which cores of a
 * worker a task gets.  No MPI, no I/O: everything here runs in
 * microseconds and is unit-tested without processes. */
#ifndef MB_SCHED_H
#define MB_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "io/jobfile.h"   /* the exit_conditions rules (types only) */

/* ------------------------------------------------------------------ */
/* The task graph                                                      */

typedef struct sched_graph sched_graph_t;

/* Build the graph of n tasks from prerequisite lists in CSR form: task i
 * depends on deps[off[i]] .. deps[off[i+1]-1] (off has n+1 entries).
 * The arrays are copied.  Returns NULL with errno set (ENOMEM, EINVAL for
 * an index out of range). */
sched_graph_t *sched_graph_create (size_t n, const uint32_t *off, const uint32_t *deps);
void sched_graph_destroy (sched_graph_t *g);

size_t sched_graph_size (const sched_graph_t *g);
size_t sched_graph_edges (const sched_graph_t *g);
/* Number of prerequisites of task i. */
uint32_t sched_graph_indegree (const sched_graph_t *g, uint32_t i);
/* Tasks that depend on task i; *count is set.  Valid for the graph's life. */
const uint32_t *sched_graph_dependents (const sched_graph_t *g, uint32_t i, uint32_t *count);
/* Prerequisites of task i; *count is set. */
const uint32_t *sched_graph_prereqs (const sched_graph_t *g, uint32_t i, uint32_t *count);

/* Look for dependency cycles.  Returns 0 when the graph is acyclic, 1 when
 * a cycle exists (then *cycle is a malloc'd list of the task indices on one
 * cycle, in dependency order, caller frees, and *len its length), -1 on
 * ENOMEM. */
int sched_graph_find_cycle (const sched_graph_t *g, uint32_t **cycle, size_t *len);

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

/* Create a scheduler over the graph g (borrowed: it must outlive the
 * scheduler) with the requirements of each task (an array of
 * sched_graph_size(g) entries, copied).  Every task starts PENDING.
 * Returns NULL with errno set. */
sched_t *sched_create (const sched_graph_t *g, const sched_task_t *tasks, int fill);
void sched_destroy (sched_t *s);

/* Workers.  Ids are the caller's (e.g. MPI ranks), 0 <= id < 1<<20.
 * node groups workers of one host.  0 or -1 (EEXIST, EINVAL, ENOMEM). */
int sched_worker_add (sched_t *s, int id, int node, int slots, int gpus, int64_t memory);
/* An enabled worker receives tasks; a disabled one (job preparation still
 * running or failed, worker lost) does not.  Workers start enabled.  Tasks
 * already running on a disabled worker stay accounted until their
 * sched_attempt_end.  0, or -1 (ENOENT: unknown id). */
int sched_worker_enable (sched_t *s, int id, int enabled);

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

/* Pop the next placement: the ready task of highest priority (then lowest
 * index) that fits a worker now, placed by the fill policy (spread: the
 * worker with most free slots; pack: the lowest id with room).  A task too
 * big for any worker's free slots now holds back smaller tasks from the
 * worker it waits for, so it is not starved.  The task becomes RUNNING and
 * the worker's resources are reserved.  Returns 1 when *a was filled, 0
 * when nothing can be placed now. */
int sched_next (sched_t *s, sched_assign_t *a);

/* The READY task of highest priority (then lowest index) that fits no
 * enabled worker even when the worker is idle (too many slots, gpus or
 * memory, or instances that would need more than 64 workers); 1 and *task
 * set, or 0 when there is none.  sched_next leaves such a task READY and
 * places the others around it, so the runtime asks this when sched_next
 * returns 0 with tasks READY and nothing RUNNING (or at any time) and
 * fails the task with sched_fail_ready.  Note that with no enabled worker
 * every READY task is unplaceable.  O(classes x workers), where classes
 * is the number of distinct requirement tuples. */
int sched_unplaceable (const sched_t *s, uint32_t *task);

/* Fail a READY task without running it (e.g. unplaceable): it becomes
 * FAILED and its dependents are released or skipped as after a failed
 * attempt.  0, or -1 (EINVAL: not READY). */
int sched_fail_ready (sched_t *s, uint32_t task);

/* Walltime-aware starts: tasks whose time_request exceeds `seconds` are
 * not started (they stay READY, for a later allocation); seconds < 0
 * lifts the limit.  Call before sched_next whenever the time left changes. */
void sched_set_time_left (sched_t *s, double seconds);
/* READY tasks held back by the time limit. */
size_t sched_held_back (const sched_t *s);

/* Tasks ahead.  With on != 0, when sched_next finds no worker with room
 * now, it may place one single-instance task without GPUs on a worker
 * whose slots are all taken, for the worker to start the moment a slot
 * frees instead of waiting for the next decision: a worker takes a task
 * ahead only while its free slots are not below zero, the task's memory
 * is free now and the task fits it when idle, so at most one task waits
 * on a worker at a time, and the worker's free slots go below zero until
 * the attempts before it end (sched_attempt_end needs nothing else).
 * Workers reserved for a bigger task ahead in the queue take nothing
 * ahead.  At most 16 classes are looked at for it per call.  Off by
 * default. */
void sched_set_ahead (sched_t *s, int on);

/* Stop placing new tasks (drain, on_task_failure = stop). */
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
 * journal.  Returns 1 and sets *task, or 0 when there are none. */
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
