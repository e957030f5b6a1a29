/* service_int.h: the service's own header, shared by its files and
 * read by nothing outside runtime/service/:
 *   service.c          the loop: dispatch, results, drain, the run's end
 *   service_workers.c  workers and nodes: hello, messages in and out,
 *                      heartbeats, lost workers, node preparation/release
 *   service_records.c  the state directory, the journal, resume
 *   service_report.c   the HDF5 report
 *   service_out.c      what it prints: start line, progress, summary
 *   service_mi.c       multi-instance tasks (a part with its own state)
 *   service_exit.c     exit conditions: what an attempt's end means
 *   service_tasks.c    the job's tasks: the job file's, then each batch
 *                      `mpibatch add` brought (parts), by global index
 *   service_pool.c     the pool directory the service answers requests in
 *   service_job.c      the jobs: what belongs to one job (svc_job_t)
 *   service_alloc.c    the allocations the pool asks Slurm for (runtime/alloc) */
#ifndef MB_SERVICE_INT_H
#define MB_SERVICE_INT_H

#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "io/jobfile.h"
#include "io/journal.h"
#include "io/pooldir.h"
#include "runtime/launcher/launch.h"
#include "runtime/node/proto.h"
#include "runtime/node/worker.h"
#include "runtime/rank/comm.h"
#include "runtime/service/service.h"
#include "scheduler/sched.h"

/* What resume learnt of a task beyond enum sched_state: it succeeded in an
 * earlier run but its definition changed since. */
enum { PREV_UNKNOWN = 0, PREV_CHANGED = 100 };

/* One attempt as the service keeps it (for the report). */
typedef struct {
    uint32_t task;
    int attempt;
    int worker;
    const char *node;      /* interned */
    int slots;
    int outcome;
    int exit_code;
    int signal;
    int timed_out;
    int log_cut;
    double start_time, end_time;
    double user_seconds, system_seconds;
    int64_t max_rss_kib, bytes_in, bytes_out;
    const char *reason;    /* interned */
    const char *cpus;      /* interned */
    const char *rule;      /* interned: the exit condition that decided, NULL: none */
    int decision;          /* enum journal_decision */
} attempt_t;

enum { NODE_NEW = 0, NODE_PREPARING, NODE_READY, NODE_FAILED };

typedef struct {
    char *name;
    int leader;          /* lowest worker rank on the node */
    int state;           /* NODE_* */
    int prep_attempts;
    int released;        /* 0 not yet, 1 running, 2 done */
} node_t;

typedef struct {
    int rank;             /* for messages and records */
    comm_ep_t *ep;        /* how to reach it (NULL: rank 0's own worker) */
    int node;
    int slots;
    int gpus;
    char *cpus;
    int64_t memory;
    int alive;
    int tasks_run;
    double busy_seconds;
    buf_t batch;          /* ASSIGN batch being filled */
    uint32_t nbatch;
    double last_heard;    /* monotonic seconds of its last message */
    double last_sent;
    int joined;           /* joined from another mpirun (service_join.c) */
    int leaving;          /* a joined worker said it leaves (service_join.c awaits its results) */
} wstate_t;

struct svc_mi;
struct pooldir;
struct svc_join;
struct svc_done;

/* An attempt placed on worker wn that waits for its job's preparation
 * on the worker's node (service_prep.c). */
typedef struct {
    uint32_t task;
    int attempt;
    int wn;
} svc_held_t;

/* One job of the service (a run has one; a pool one per submission):
 * its job file and settings, its records (journal, logs spool, report
 * in its own state directory, as a run's) and what was asked of it.  Its
 * tasks have LOCAL indices 0..ntasks-1 in its journal and report; the
 * service's per-task arrays and the scheduler use GLOBAL indices. */
typedef struct svc_job {
    int num;               /* on the wire: 0 under run, 1.. in a pool */
    int sj;                /* the scheduler's job index */
    jobfile_t *jf;         /* the job file (the job's part 0) */
    const jobfile_job_t *job;  /* its settings (in jf) */
    journal_t *j;
    int spool_fd;          /* logs = "report": <state>/logs.spool, else -1 */
    size_t ntasks;         /* its tasks so far */
    uint32_t *gidx;        /* local -> global index (NULL: the same, a run's job) */
    size_t gidx_cap;
    int nadds;             /* batches added (names --lines ids: add<N>-line-) */
    int open;              /* open = true or submit --open: takes `add` until closed */
    int closed;            /* `close` (or shutdown): an open job ends when its tasks have */
    int cancelled;         /* the whole job was cancelled */
    int priority;          /* as `priority` last set it */
    int stop_on_failure;   /* on_task_failure = stop (or an exit condition) stopped it */
    int terminated;        /* a rule with job = "terminate" ended the job */
    int wait_said;         /* "tasks wait for a larger worker to join" said once */
    char *terminated_by;   /* "task ID, RULE" */
    int drained;           /* a pool's job past its max_wall_clock: interrupted */
    int ended;             /* its end is recorded (journal, report) */
    int status;            /* its exit code as a run's (0, 1, 3, 4) once ended */
    const char *end_state; /* succeeded, failed, ... once ended (static) */
    double submitted, finished;
    double started;        /* its first attempt's start (0: none yet; resume: the journal's) */
    char **cancel_pats;    /* resume: the CANCEL records' ids and patterns */
    int ncancel_pats;
    uint8_t *node_state;   /* per node: NODE_* of this job's preparation (NULL: none) */
    uint8_t *node_released;/* per node: 0, 1 running, 2 done */
    int *node_prep_attempts;
    int nodes_cap;
    uint8_t *node_used;    /* per node: the job placed a task there (its release runs there) */
    svc_held_t *held;      /* attempts waiting for this job's preparation (pool) */
    int nheld, held_cap;
    struct svc_held_mi *held_mi;   /* multi-instance ones, waiting for every node's */
    int nheld_mi, held_mi_cap;
    int release_sent, releases_pending;
    double release_started;
    uint8_t *told;         /* per worker: it has the job's JOB message (pool jobs) */
    int told_cap;
} svc_job_t;
struct svc_alloc;

struct service {
    run_opts_t *opts;
    /* The jobs, in the order they came (a run: the one of its job file). */
    svc_job_t **jobs;
    int njobs, jobs_cap;
    int pool_mode;         /* `mpibatch pool`: jobs come and go; else a run of jobs[0] */
    jobfile_t *pool_jf;    /* a pool's own settings (worker sizing), as a job file */
    double idle_since;     /* a pool: real time since which no job is active, 0 some is */
    svc_job_t *pending;    /* a pool: the job of the submit being answered */
    int rank0_works;       /* singleton: rank 0 runs the tasks itself */
    worker_t *local;       /* the local worker in singleton mode */
    graph_t *g;
    sched_t *s;
    sched_task_t *task_reqs; /* until the scheduler is created */
    /* resume: what the journal said of each task */
    uint8_t *prev_state;   /* PREV_UNKNOWN, PREV_CHANGED or the SCHED_* final state seen */
    size_t ntasks;
    int nworkers;
    wstate_t *w;           /* indexed by worker number 0..nworkers-1 */
    int *rank2w;           /* rank -> worker number, -1 (ranks started together) */
    int nranks;
    int nnodes;
    node_t *nodes;
    int total_slots;
    /* per task */
    double *ready_time;
    int32_t *last_attempt; /* index in attempts, -1 */
    uint16_t *attempt_base;/* next attempt number after earlier runs (resume), or NULL */
    uint16_t *prev_counted;/* attempts of earlier runs that used a retry */
    uint16_t *last_started;/* attempt number of each task's latest start */
    attempt_t *att;
    size_t natt, att_cap;
    /* run */
    double started;
    double finished;
    double deadline;       /* absolute, 0 none */
    int draining;          /* 1: starting nothing new, interrupting */
    int fatal;             /* the run cannot go on (no worker, no node prepared): exit 3 */
    const char *drain_reason;
    int status;            /* final exit code */
    int running;           /* attempts in flight */
    double recent_secs;    /* moving average of the tasks' attempt times */
    int recent_n;          /* attempts in it (capped) */
    int preps_running;
    double last_fsync, last_progress, last_report;
    int tty;
    size_t changed;        /* tasks changed since they succeeded (resume) */
    size_t resumed_done;   /* tasks final from earlier runs */
    size_t requeues;       /* attempts requeued because their worker was lost */
    int lost;              /* workers lost */
    int stuck;             /* a rank did not take its shutdown */
    int unsent;            /* messages posted that workers have not taken */
    size_t held_reported;  /* tasks held back by time_request, last said */
    double hb, hb_timeout, last_hb_check;
    struct svc_mi *mi;     /* multi-instance attempts in flight (service_mi.c) */
    struct svc_join *join; /* workers that join (service_join.c), NULL: none accepted */
    struct svc_alloc *alloc; /* automatic allocation (service_alloc.c), NULL: none */
    /* strings many attempts share (node names, CPU lists), kept once */
    char **istr;
    size_t nistr, istr_cap;
    /* exit conditions (service_exit.c) */
    uint16_t *prev_requeues; /* resume: requeues by rule used in earlier runs */
    int8_t *prev_deps;     /* resume: 0, or a failed task's dependents by rule + 1 */
    /* The job's tasks: parts[0] is the job file (jf), parts[1..] the
     * batches added while it runs; part p holds the global indices
     * part_first[p] .. part_first[p+1]-1 (part_first has nparts+1 entries). */
    jobfile_t **parts;
    uint32_t *part_first;
    svc_job_t **part_job;  /* the job of each part */
    uint32_t *part_local;  /* the job's local index of the part's first task */
    int nparts, parts_cap;
    /* The pool directory (<state>/pool under run) and what it was told. */
    struct pooldir *pd;
    char *pool_dir;        /* absolute */
    double pool_next;      /* monotonic time of the next look */
    int shutdown;          /* `shutdown` accepted: no more submissions or additions */
    uint8_t *cancelled;    /* per task: `mpibatch cancel` named it (NULL: none yet) */
    size_t ncancelled;
    double status_time;    /* real time status.json was last written */
    uint64_t status_sig;   /* what it said, in short */
    struct svc_done *done; /* resume: the ADD records' requests (service_pool.c) */
    int ndone;
    uint32_t *xoff, *xdeps;/* resume: prerequisites of the tasks added in earlier runs
                            * (CSR over tasks part_first[1].., global indices), until
                            * the graph is made */
    size_t xn;
    /* reasons of tasks that ended without an attempt (skipped, oversized) */
    uint32_t *why_task;
    char **why;
    size_t nwhy, why_cap;
};

/* service_prep.c: a pool's preparation per job and node, release at a
 * job's end.
 *   svc_prep_gate     an attempt of J placed on worker wn: 1 when it waits
 *                     for J's preparation on wn's node (started there if
 *                     not yet; the attempt starts when it succeeds, goes
 *                     back to the scheduler if it fails for good, and the
 *                     node's workers are excluded for J), 0 to start now
 *   svc_prep_result   a preparation's or release's result (pool)
 *   svc_prep_drop_held  drain: the waiting attempts go back
 *   svc_prep_release  J has ended: release on the nodes it ran on; 1 once
 *                     they are done (or timed out), 0 while they run */
int svc_prep_gate (service_t *svc, svc_job_t *J, uint32_t task, int attempt, int wn);
/* The same for a multi-instance placement (every node of its parts). */
int svc_prep_gate_mi (service_t *svc, svc_job_t *J, const sched_assign_t *a, int attempt);
void svc_prep_result (service_t *svc, const result_t *res, int wn);
void svc_prep_drop_held (service_t *svc);
int svc_prep_release (service_t *svc, svc_job_t *J, double now);
/* In a pool, node nd's last worker wn leaves (a joined one): the release
 * of every job whose tasks (and so preparation) ran there is sent to wn,
 * once.  1 while one of them still runs there, 0 when all have ended. */
int svc_prep_release_leaving (service_t *svc, int nd, int wn);
/* Node nd has no worker left: the jobs forget its preparation and
 * release, so a worker joining there later prepares it anew. */
void svc_prep_node_gone (service_t *svc, int nd);
/* In a pool, node nd's last worker was lost (heartbeats, kill -9): the
 * preparations and releases that ran there will not report; they are
 * counted out, the attempts held for them dropped (svc_lose_worker has
 * requeued them), and the node forgotten as by svc_prep_node_gone. */
void svc_prep_node_lost (service_t *svc, int nd);

/* service.c */
/* Start attempt `attempt` of task (of job J, expanded in t) on worker wn:
 * assignment, journal record, counters. */
void svc_start_attempt (service_t *svc, svc_job_t *J, const jobfile_task_t *t, uint32_t task,
                        int attempt, int wn, double now);
/* Fail the tasks first..first+n-1 that no worker could ever hold; when
 * workers may join (svc_may_join) they wait instead (said once per job). */
void svc_fail_oversized (service_t *svc, size_t first, size_t n);
/* 1 when a task too big for every worker waits for one to join: workers
 * are accepted (--accept-workers, --serve-only) and the pool or run is not
 * ending on `shutdown` with nothing running; 0 when it fails at once. */
int svc_may_join (const service_t *svc);
/* The ready tasks no worker can hold (sched_unplaceable): failed with the
 * reason, or, while svc_may_join, left waiting (said once per job).
 * 1 when some failed. */
int svc_unplaceable (service_t *svc);
/* Interrupt job J's running attempts (a pool's job terminated). */
void svc_job_interrupt (service_t *svc, svc_job_t *J);
/* Record job J's end (journal RUN_END, report.h5) once; returns its
 * exit code as a run's (J->status), J->end_state its state name. */
int svc_job_end (service_t *svc, svc_job_t *J);
/* Tags name an attempt: task, attempt and kind. */
uint64_t svc_make_tag (uint32_t task, int attempt, int kind);
/* An attempt (or preparation/release, multi-instance part) ended on
 * worker wn: record it and tell the scheduler. */
void svc_on_result (service_t *svc, const result_t *res, int wn);
/* Start nothing new and interrupt what runs; `why` must stay valid. */
void svc_start_drain (service_t *svc, const char *why);
/* A second interrupt: flush the journal and end every rank now. */
void svc_stop_now (service_t *svc) __attribute__ ((noreturn));

/* service_workers.c */
/* Learn the workers: rank 0's own one (one rank) or each rank's HELLO, in
 * rank order.  0 or -1 (printed).  msg is a scratch buffer. */
int svc_workers_hello (service_t *svc, launcher_t *l, const jobinfo_t *ji,
                       const topo_share_t *share, int fake, const char *node, buf_t *msg);
/* Add an attempt of t (of job J; NULL: the boot job) to worker wn's next
 * ASSIGN batch; a pool's job is told to the worker first (TAG_JOB). */
void svc_queue_assign (service_t *svc, int wn, svc_job_t *J, const jobfile_task_t *t,
                       uint64_t tag, int attempt, int kind, const assign_mi_t *mi);
/* Send every worker its batch (the journal is flushed first). */
void svc_flush_batches (service_t *svc);
void svc_send_ctrl (service_t *svc, int wn, int op, int arg);
/* Start job preparation on more nodes while ready tasks need them. */
void svc_maybe_prepare (service_t *svc);
void svc_on_node_result (service_t *svc, const result_t *res, int wn);
/* Take what the workers sent (msg: scratch buffer) and complete sends.
 * Returns 1 if anything came. */
int svc_poll_messages (service_t *svc, buf_t *msg);
/* Worker wn is lost (`why` says how, e.g. "silent for 30 s"): its running
 * attempts are requeued without using a retry. */
void svc_lose_worker (service_t *svc, int wn, const char *why);
/* Requeue, without using a retry, the attempts worker wn still holds:
 * they end interrupted for `reason` (a lost or leaving worker). */
void svc_requeue_worker (service_t *svc, int wn, const char *reason);
/* Send heartbeats due and lose workers silent too long. */
void svc_check_heartbeats (service_t *svc);
int svc_alive_workers (service_t *svc);
/* Run job release on every node that needs it and wait for them. */
void svc_release_nodes (service_t *svc, buf_t *msg);
/* The longest sleep of the loop (us), given `cap`: short while messages
 * wait for a worker to take them. */
long svc_pace_cap (const service_t *svc, long cap);
/* Tell every rank the run is over (exit code rc) and wait, at most a
 * heartbeat timeout, for them to take it. */
void svc_workers_shutdown (service_t *svc, int rc);
void svc_workers_free (service_t *svc);

/* Register a worker from its HELLO (ep NULL: rank 0's own worker).  The
 * arrays must have room (service_join.c grows them).  Returns its number. */
int svc_add_worker (service_t *svc, int rank, comm_ep_t *ep, const hello_t *h);
/* Queue job preparation (LAUNCH_PREP) or release on node nd's leader. */
void svc_send_node_task (service_t *svc, int nd, int kind);

/* service_join.c: workers that join from another mpirun (`mpibatch
 * worker POOLDIR`), through MPI_Comm_accept in comm's accept thread.
 * The hooks the service calls:
 *   svc_join_start  once the scheduler started: open the port, publish
 *                   POOLDIR/join.port, start accepting (-1: printed)
 *   svc_join_poll   once per pass of the loop: new groups get the job's
 *                   worker settings, their HELLOs make them workers (with
 *                   their ends for the scheduler), leaving workers are
 *                   let go once their node's release ended, groups with
 *                   no worker left are freed
 *   svc_join_leave  a TAG_LEAVE from worker wn (svc_poll_messages): its
 *                   attempts are interrupted and awaited, bounded
 *   svc_join_stop   before svc_workers_shutdown: joined workers get their
 *                   SHUTDOWN, the accept thread ends, groups are freed;
 *                   svc->join is freed
 * A joined worker lost (heartbeats) is not counted in svc->lost: its
 * mpirun is not ours, so the run need not end every rank for it. */
int svc_join_start (service_t *svc, const char *pooldir);
void svc_join_poll (service_t *svc);
void svc_join_leave (service_t *svc, int wn, const void *msg, size_t len);
/* A result from worker wn, which said it leaves: 1 when it is stale (the
 * wait for it ran out and its task was requeued); else 0, an interrupted
 * task's reason made the leave's. */
int svc_join_result (service_t *svc, int wn, result_t *res);
void svc_join_stop (service_t *svc);

/* service_alloc.c: automatic allocation (runtime/alloc) in the service.
 * The hooks the service calls:
 *   svc_alloc_open   once, after svc_join_start: the rendezvous server's
 *                    contact into POOLDIR/ompi-server.uri; when workers
 *                    may join (svc->join), the allocator (its alloc.jnl
 *                    resumed with --resume) and the worker command printed.
 *                    0, or -1 (printed: the service cannot go on)
 *   svc_alloc_serve  alloc-add / alloc-remove requests (service_pool.c):
 *                    0 accepted (ans filled; its strings stay valid until
 *                    the next call), -1 refused (reason)
 *   svc_alloc_poll   once per pass, after dispatch (what still waits for
 *                    a slot then has none): the backlog to the allocator
 *                    at most every 0.1 s; may run squeue/sbatch/scancel
 *                    (each at most half the heartbeat timeout, 30 s at most).  1 when the
 *                    allocations changed (status.json is rewritten)
 *   svc_alloc_json   the allocations for status.json (NULL: no allocator);
 *                    valid until the next call or svc_alloc_free
 *   svc_alloc_stop   the pool ends: pending allocations are cancelled,
 *                    running ones let go (their workers get the goodbye)
 *   svc_alloc_free   service_destroy: everything freed. */
int svc_alloc_open (service_t *svc);
int svc_alloc_serve (service_t *svc, const pool_req_t *r, pool_answer_t *ans, char *reason,
                     size_t rlen);
int svc_alloc_poll (service_t *svc, double mono);
const char *svc_alloc_json (service_t *svc);
void svc_alloc_stop (service_t *svc);
void svc_alloc_free (service_t *svc);

/* service_records.c */
/* The one copy of s kept by the service (NULL on ENOMEM); valid until
 * service_destroy. */
const char *svc_intern (service_t *svc, const char *s);
/* Job J's RUN_START (and the workers, the presets of resume) in its journal. */
int svc_journal_run_start (service_t *svc, svc_job_t *J);
int svc_attempt_start (service_t *svc, uint32_t task, int attempt, int wnum, double now);
attempt_t *svc_attempt_end (service_t *svc, const result_t *res, int wnum);
void svc_task_end (service_t *svc, uint32_t task, int state, const char *reason);
/* What followed an attempt (enum journal_decision) as the report says it. */
const char *svc_decision_name (int decision);
/* Free the attempts, interned strings and reasons. */
void svc_records_free (service_t *svc);

/* service_exit.c: exit conditions.  Decide what a task attempt's end
 * means (the scheduler's policy), apply it to the scheduler, and record the
 * attempt (and the task's end when it is final) with the deciding rule.
 * *v says what was decided (v->job: stop or terminate the job, which the
 * caller carries out).  Returns the attempt kept for the report (NULL on
 * ENOMEM) and the task's new state in *state. */
attempt_t *svc_exit_attempt_end (service_t *svc, const result_t *res, int wn,
                                 sched_verdict_t *v, int *state);
/* Record an attempt's end with its rule, decision and (if not NULL) a
 * reason replacing the launcher's. */
attempt_t *svc_attempt_end_rule (service_t *svc, const result_t *res, int wnum,
                                 const char *rule, int decision, const char *reason);
/* Record a task's end with what its rule says of dependents and the job. */
void svc_task_end_rule (service_t *svc, uint32_t task, int state, const char *reason,
                        const char *rule, int dependents, int job_action);
/* Deadlines: seconds before a deadline at which the drain starts
 * (MPIBATCH_DEADLINE_MARGIN, default 15). */
double svc_deadline_margin (void);

/* service_job.c: the jobs. */
/* A new job of the service for job file jf (the job takes it), numbered
 * `num` on the wire, appended to svc->jobs.  With `mapped` its tasks get
 * a local -> global table (a pool's; a run's job has local == global).
 * NULL (ENOMEM, jf not taken) on failure. */
svc_job_t *svc_job_new (service_t *svc, jobfile_t *jf, int num, int mapped);
/* Free a job and what it holds (journal closed, spool closed).  NULL ok. */
void svc_job_free (svc_job_t *J);
/* The job with this id (exact), or NULL. */
svc_job_t *svc_job_find (const service_t *svc, const char *id);
/* The global index of job J's local task l. */
static inline uint32_t svc_job_global (const svc_job_t *J, size_t l)
{
    return J->gidx ? J->gidx[l] : (uint32_t)l;
}
/* The job's per-node preparation arrays hold svc->nnodes entries.  0 or
 * -1 (ENOMEM). */
int svc_job_nodes (service_t *svc, svc_job_t *J);

/* The job whose preparation and release the nodes' state (node_t) is
 * about: a run's one job; NULL in a pool, whose jobs keep their own. */
static inline svc_job_t *svc_node_job (const service_t *svc)
{
    return svc->pool_mode || svc->njobs < 1 ? NULL : svc->jobs[0];
}

/* service_tasks.c: tasks by global index, whatever part holds them. */
/* The job of global task g, and g's local index in it (*local). */
svc_job_t *svc_task_job (const service_t *svc, size_t g, size_t *local);
int svc_task_get (service_t *svc, size_t g, jobfile_task_t *t);
const char *svc_task_id (service_t *svc, size_t g, char *buf, size_t len);
void svc_task_reqs (service_t *svc, size_t g, jobfile_reqs_t *r);
uint64_t svc_task_digest (service_t *svc, size_t g);
/* The global index of the task of job J with this id (ignoring case), or -1. */
long svc_task_find (service_t *svc, const svc_job_t *J, const char *id);
/* Make the run's job file (jobs[0]) part 0.  0 or -1 (ENOMEM). */
int svc_parts_init (service_t *svc);
/* Load the tasks an ADD request brings (r: as the pool received it;
 * prefix: the default id prefix for --lines) against the job's tasks so
 * far: a new id already in the job, or a dependency that names no task
 * (ids and patterns are matched against the tasks already in the job and
 * the batch), refuses it.  On success *part is the batch (caller owns it
 * until svc_parts_append) and *off / *deps the prerequisites in CSR form
 * with global indices, the batch numbered from svc->ntasks (malloc'd:
 * caller frees).  -1 with the reasons in `reason` otherwise. */
int svc_part_load (service_t *svc, svc_job_t *J, const pool_req_t *r, const char *prefix,
                   jobfile_t **part, uint32_t **off, uint32_t **deps, char *reason,
                   size_t rlen);
/* Take part (from svc_part_load, or a submitted job's file) as job J's
 * tasks J->ntasks.. with global indices svc->ntasks.., and grow every
 * per-task array.  0 or -1 (ENOMEM: nothing changed; part not taken). */
int svc_parts_append (service_t *svc, svc_job_t *J, jobfile_t *part);
void svc_parts_free (service_t *svc);

/* service_poolsvc.c: `mpibatch pool`: jobs submitted while it runs. */
/* Before the scheduler starts: on --resume, make every job accepted.jnl
 * holds again, with its tasks and their states.  0 or -1 (printed). */
int svc_pool_start (service_t *svc);
/* A submit request: 0 to accept (ans filled; the job holds its state
 * directory and waits in svc->pending), -1 refused (reason). */
int svc_pool_submit (service_t *svc, pool_req_t *r, pool_answer_t *ans, char *reason,
                     size_t rlen);
/* After the answer to a submit: accepted (in accepted.jnl), the pending
 * job gets its tasks scheduled and its RUN_START; not, it is dropped. */
void svc_pool_submitted (service_t *svc, int accepted);
/* Resume: replay job J's journal into the per-task arrays (attempts,
 * final states), as `run --resume` does.  0 or -1 (err). */
int svc_job_replay (service_t *svc, svc_job_t *J, const char *path, mb_error_t *err);
/* Once a pass: end the jobs that are over (records, report, release),
 * fail what can never be placed; 1 when the pool itself must stop. */
int svc_pool_jobs (service_t *svc, double now, size_t held);
/* The pool's end: every job still active ends (interrupted); returns the
 * exit code (0, 3 or 4). */
int svc_pool_end (service_t *svc);
/* Job J's records in its state directory: the journal (a recorded run
 * refused unless resumed), a restart's cleanup, the logs spool and
 * job.cfg.  `file` names the job file in messages.  0, or the exit code
 * (2 bad input, 3 runtime failure) with the reason in why. */
int svc_job_records_open (service_t *svc, svc_job_t *J, int resume, const char *file,
                          char *why, size_t wlen);
/* The scheduler's requirements of every task of jf (malloc'd), NULL: ENOMEM. */
sched_task_t *svc_sched_reqs (const jobfile_t *jf);

/* service_pool.c */
/* Open <state>/pool for the run (after the journal).  0, or the exit
 * code after printing why. */
int svc_pool_open (service_t *svc);
/* Act on the requests that wait, at most every 20 ms (a readdir a second
 * when inotify gives nothing).  Returns 1 if any came. */
int svc_pool_serve (service_t *svc, double now);
/* Is the job still taking tasks (open, neither closed nor shut down)? */
int svc_job_open (const service_t *svc, const svc_job_t *J);
void svc_pool_close (service_t *svc);
/* Write POOLDIR/status.json (the workers, the job, its counts): at most
 * once a second when something changed, or now with `ended` (the job's
 * final state: succeeded, failed, ...). */
void svc_pool_status (service_t *svc, double now, const char *ended);
void svc_pool_status_starting (service_t *svc);
/* Replay the journal's ADD/CLOSE/PRIORITY records (resume), before the
 * scheduler exists.  0 or -1 (printed). */
int svc_pool_replay (service_t *svc, svc_job_t *J, const char *journal_path);
/* Resume: remember that request `name` (r) was recorded as an ADD of
 * count tasks (ids prefix for --lines), so that if it still waits in the
 * pool directory it is answered again instead of acted on.  0 or -1. */
int svc_pool_remember (service_t *svc, svc_job_t *J, const char *name, const pool_req_t *r,
                       const char *prefix, int64_t count);
void svc_pool_forget (service_t *svc);
/* Resume: tasks the journal's CANCEL records name that had not ended
 * end cancelled now (unless --resume-failed).  After the presets. */
void svc_pool_resume_cancels (service_t *svc, svc_job_t *J);
/* Journal the tasks that became SKIPPED (sched_next_event). */
void svc_report_skips (service_t *svc);

/* service_report.c */
/* Job J's report.h5 in its state directory (its tasks by local index). */
int svc_write_report (service_t *svc, svc_job_t *J, const char *status, mb_error_t *err);

/* service_out.c */
void svc_print_start (service_t *svc);
void svc_progress (service_t *svc, double now, int force);
void svc_print_summary (service_t *svc, svc_job_t *J);
const char *svc_bar_nl (service_t *svc);

/* service_mi.c: the multi-instance part.  create: NULL on ENOMEM;
 * destroy accepts NULL. */
struct svc_mi *svc_mi_create (void);
void svc_mi_destroy (struct svc_mi *mi);
void svc_mi_start (service_t *svc, const sched_assign_t *a, const jobfile_task_t *t,
                   int attempt, double now);
void svc_mi_coord_result (service_t *svc, const result_t *res, int wn);
/* The primary's command ended: forget the attempt's state. */
void svc_mi_forget (service_t *svc, uint32_t task);
/* Worker wn, holding a part of task's attempt, is lost or left: 1 when
 * the attempt is a multi-instance one that goes on elsewhere (its other
 * parts are interrupted and it ends, interrupted, when they have: the
 * caller must not requeue it now), 0 when the caller requeues it. */
int svc_mi_part_lost (service_t *svc, uint32_t task, int wn, const char *reason);
/* Worker wn said it leaves: a multi-instance attempt whose primary's
 * command runs on another worker is interrupted there now (the leaver's
 * own attempts are interrupted by the leave and awaited). */
void svc_mi_part_leaving (service_t *svc, uint32_t task, int wn, const char *reason);
/* The primary's result as it counts: a primary interrupted because a part
 * was lost ends "interrupted" with that reason (requeued without a retry),
 * whatever its command made of the signal.  Returns res or *fixed. */
const result_t *svc_mi_result (service_t *svc, const result_t *res, result_t *fixed);

#endif
