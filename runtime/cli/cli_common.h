/* cli_common.h: what the journal-reading commands (status, logs) share:
 * resolving JOBFILE|STATEDIR, knowing whether a run is live, and the
 * replay of a journal into the latest state of every task. */
#ifndef MB_CMD_COMMON_H
#define MB_CMD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "io/jobfile.h"

/* Resolve a JOBFILE|STATEDIR argument (status, report, logs) to a state
 * directory: a directory is taken as it is; a file is loaded as a job file
 * (with --set values and --state applied), with no_storage_check; its
 * errors are printed on stderr as FILE:LINE lines.  If jfp is not NULL
 * and arg was a job file, the loaded job is handed back there (caller
 * destroys it), else *jfp is NULL.  Returns a malloc'd path or NULL. */
char *cmd_state_dir_opts (const char *arg, const char *state_opt,
                          const char **set, int nset, jobfile_t **jfp);

/* Is path a pool directory (it holds pool.info)?  1 or 0. */
int cmd_is_pooldir (const char *path);

/* The state directory of job JOB of the pool in POOLDIR: from
 * POOLDIR/status.json, else (a job accepted since the pool last wrote it,
 * or no status.json) from POOLDIR/accepted.jnl, whose submit request
 * holds the job file.  On failure prints "mpibatch CMD: why" on stderr
 * (a torn status.json, "no job 'x' in pool POOLDIR") and returns NULL.
 * Returns a malloc'd path. */
char *cmd_pool_job_dir (const char *cmd, const char *pooldir, const char *job);

/* Is a run holding <statedir>/lock?  1 yes (then `who`, if not NULL,
 * gets the holder's "pid@host"), 0 no, -1 with errno on error. */
int cmd_run_live (const char *statedir, char *who, size_t wholen);

/* The state of one task as the journal last described it. */
enum {
    RT_RUNNING = 0,      /* an attempt started and has not ended */
    RT_RETRY,            /* an attempt ended, the task is not final: ready again */
    RT_SUCCEEDED,
    RT_FAILED,
    RT_SKIPPED,
    RT_INTERRUPTED,      /* running (or stopped) when a run that is no longer live ended */
    RT_CANCELLED,        /* ended by `mpibatch cancel` */
    RT_NSTATES,
};

typedef struct {
    char *id;
    int state;           /* RT_* */
    uint32_t index;
    int attempt;         /* the latest attempt number seen */
    int attempts;        /* attempts started over all runs */
    int worker;
    char *node;
    double start_time, end_time;
    int outcome;         /* of the latest ended attempt, -1 if none */
    int log_cut;
    char *reason;        /* latest failure reason, or NULL */
    char *rule;          /* exit condition that decided the latest attempt, or NULL */
    int requeues;        /* attempts requeued by an exit condition */
} run_task_t;

typedef struct {
    char *job_id;
    char *version;
    int runs;                /* RUN_START records */
    double first_started;    /* time of the first RUN_START */
    double started;          /* time of the latest RUN_START */
    double last_time;        /* time of the last record */
    int ended;               /* a RUN_END follows the latest RUN_START */
    int end_status;          /* its status */
    char *terminated_by;     /* "task ID, RULE" when an exit condition terminated the job */
    double end_time;
    int workers, nodes, slots;
    uint64_t ntasks;         /* of the latest run */
    int live;                /* a run holds the lock (given to the loader) */
    run_task_t *tasks;       /* in the order first seen */
    size_t ntask;
    size_t counts[RT_NSTATES];
    /* private */
    size_t cap_;
    size_t *hash_;           /* task index + 1, 0 = empty slot */
    size_t hcap_;
} run_view_t;

/* Replay <statedir>/journal into v (zero-initialise v first).  live says
 * whether a run holds the lock: if not, running tasks are shown as
 * interrupted.  Returns 0, or -1 with err (ENOENT when there is no
 * journal). */
int run_view_load (run_view_t *v, const char *statedir, int live, mb_error_t *err);
void run_view_free (run_view_t *v);

/* The task with this id (exact match first, then ignoring case), or NULL. */
run_task_t *run_view_find (run_view_t *v, const char *id);

/* Name of an RT_* state ("running", "retrying", ...): the one table of
 * these names, which status --tasks also parses with; "unknown" outside. */
const char *run_state_name (int state);
/* Name of a run's end status ("succeeded", "failed", ...). */
const char *run_status_name (int status);

/* Format a duration as "1h02m03s", "4m05s" or "12s" into buf. */
const char *fmt_duration (double seconds, char *buf, size_t len);
/* Format a UNIX time as local "YYYY-MM-DD HH:MM:SS" into buf. */
const char *fmt_time (double t, char *buf, size_t len);

#endif
