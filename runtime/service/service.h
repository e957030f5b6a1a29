/* service.h: rank 0, the batch service: internal interface shared by the
 * service's files (service.c: the loop; service_records.c: journal,
 * resume and report; service_out.c: what it prints). */
#ifndef MB_SERVICE_H
#define MB_SERVICE_H

#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "io/jobfile.h"
#include "io/journal.h"
#include "runtime/launcher/launch.h"
#include "runtime/node/proto.h"
#include "runtime/node/worker.h"
#include "scheduler/sched.h"

enum { RESUME_NONE = 0, RESUME_OK = 1, RESUME_FAILED = 2, RESUME_RESTART = 3 };
enum { PROGRESS_AUTO = 0, PROGRESS_BAR, PROGRESS_LINES, PROGRESS_NONE };

/* Options of `mpibatch run`. */
typedef struct {
    const char *jobfile;
    const char **set;
    int nset;
    const char *state;
    int resume;             /* RESUME_* */
    int dry_run;
    int progress;           /* PROGRESS_* */
    double progress_interval;
    double deadline;        /* absolute UNIX time, 0 = none */
    int verbose;            /* -1 quiet, 0 normal, 1 verbose */
} run_opts_t;

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
    int rank;
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
} wstate_t;

/* A multi-instance attempt in flight (service_mi.c). */
typedef struct {
    int used;
    uint32_t task;
    int attempt;
    int instances;
    int nparts;
    int part_worker[64];
    int part_slots[64];
    char *host_list;
    int coord_pending;
    int failed;
    int outcome;
    char reason[256];
} mi_t;

typedef struct {
    run_opts_t *opts;
    jobfile_t *jf;
    const jobfile_job_t *job;
    int rank0_works;       /* singleton: rank 0 runs the tasks itself */
    worker_t *local;       /* the local worker in singleton mode */
    sched_graph_t *g;
    sched_t *s;
    sched_task_t *task_reqs; /* until the scheduler is created */
    journal_t *j;
    int spool_fd;          /* logs = "report": <state>/logs.spool, else -1 */
    /* resume: what the journal said of each task */
    uint8_t *prev_state;   /* 0 unknown, else SCHED_* final state seen */
    size_t ntasks;
    int nworkers;
    wstate_t *w;           /* indexed by worker number 0..nworkers-1 */
    int *rank2w;           /* MPI rank -> worker number, -1 */
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
    int stop_on_failure;   /* on_task_failure = stop triggered */
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
    size_t held_reported;  /* tasks held back by time_request, last said */
    double hb, hb_timeout, last_hb_check;
    mi_t *mi;
    int nmi;
    /* strings many attempts share (node names, CPU lists), kept once */
    char **istr;
    size_t nistr, istr_cap;
    /* exit conditions (service_exit.c) */
    uint16_t *prev_requeues; /* resume: requeues by rule used in earlier runs */
    int8_t *prev_deps;     /* resume: 0, or a failed task's dependents by rule + 1 */
    int terminated;        /* a rule with job = "terminate" ended the job */
    char *terminated_by;   /* "task ID, RULE" */
    /* reasons of tasks that ended without an attempt (skipped, oversized) */
    uint32_t *why_task;
    char **why;
    size_t nwhy, why_cap;
} service_t;

/* service_records.c */
/* The one copy of s kept by the service (NULL on ENOMEM); valid until
 * svc_destroy. */
const char *svc_intern (service_t *svc, const char *s);
int svc_open_state (service_t *svc, mb_error_t *err);
/* Free everything the service holds (accepts a zeroed service). */
void svc_destroy (service_t *svc);
int svc_journal_run_start (service_t *svc);
int svc_attempt_start (service_t *svc, uint32_t task, int attempt, int wnum, double now);
attempt_t *svc_attempt_end (service_t *svc, const result_t *res, int wnum);
void svc_task_end (service_t *svc, uint32_t task, int state, const char *reason);
int svc_write_report (service_t *svc, const char *status, mb_error_t *err);
const char *svc_outcome_name (int outcome);
const char *svc_state_name (int state);
/* What followed an attempt (enum journal_decision) as the report says it. */
const char *svc_decision_name (int decision);

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

/* service_out.c */
void svc_print_start (service_t *svc);
void svc_progress (service_t *svc, double now, int force);
void svc_print_summary (service_t *svc);
const char *svc_bar_nl (service_t *svc);

double svc_now (void);

/* service.c, for service_mi.c */
uint64_t svc_make_tag (uint32_t task, int attempt, int kind);
void svc_queue_assign (service_t *svc, int wn, const jobfile_task_t *t, uint64_t tag,
                       int attempt, int kind, const assign_mi_t *mi);
void svc_on_result (service_t *svc, const result_t *res, int wn);

/* service_mi.c */
void mi_start (service_t *svc, const sched_assign_t *a, const jobfile_task_t *t, int attempt,
               double now);
void mi_coord_result (service_t *svc, const result_t *res, int wn);
void mi_forget (service_t *svc, uint32_t task);
void mi_free_all (service_t *svc);

#endif
