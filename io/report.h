/* report.h: the HDF5 report (spec/records.md, "The HDF5 report"), written
 * atomically (temporary file + rename), and read back for `mpibatch
 * report`. */
#ifndef MB_REPORT_H
#define MB_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* One row of /tasks.  state is the sched_state name ("succeeded", ...). */
typedef struct {
    const char *id;
    const char *state;
    int attempts;
    int exit_code;
    int signal;
    int timed_out;
    int worker;
    const char *node;
    int slots;
    const char *cpus;
    double ready_time, start_time, end_time;  /* UNIX seconds, 0 = never */
    double wall_seconds, user_seconds, system_seconds;
    int64_t max_rss_kib;
    int64_t bytes_in, bytes_out;
    const char *reason;
} report_task_t;

/* One row of /attempts.  outcome is the journal_outcome name ("running"
 * for an attempt that has not ended, in a live report only).  slots and
 * cpus are what the attempt held (0 and "" in reports written before
 * /attempts had them). */
typedef struct {
    uint32_t task;       /* row in /tasks */
    int attempt;
    int worker;
    const char *node;
    double start_time, end_time;
    int exit_code;
    int signal;
    const char *outcome;
    const char *reason;
    int slots;
    const char *cpus;
    const char *rule;    /* the exit condition that decided ("" none), e.g.
                          * "job.cfg:14: code 75: requeue" */
    const char *decision;/* what followed: "succeeded", "retried", "requeued",
                          * "failed", "run again", "terminated", or "" */
} report_attempt_t;

/* One row of /workers. */
typedef struct {
    int rank;
    const char *node;
    int slots;
    const char *cpus;
    int tasks_run;
    double busy_seconds;
} report_worker_t;

/* /parameters/<name>: for the tasks of one sweep, their row in /tasks and
 * one value per parameter (values[p][k] for task rows[k]).  Values that
 * all parse as numbers are stored as float64, others as strings. */
typedef struct {
    const char *name;
    size_t ntasks;
    const uint32_t *rows;
    int nparams;
    const char **param_names;
    const char ***values;
} report_sweep_t;

/* /logs with logs = "report": one entry per attempt and stream. */
typedef struct {
    uint32_t task;       /* row in /tasks */
    int attempt;
    int stream;          /* 1 stdout, 2 stderr */
    const char *text;
    size_t len;
} report_log_t;

typedef struct {
    const char *job_id;
    const char *version;
    double started, finished;    /* UNIX seconds; written as ISO 8601 */
    /* A report completed from the journal, with no run-end record (not
     * written to report.h5): the time it tells of, UNIX seconds: when the
     * journal was read while the run goes on, the journal's last record
     * when the run died.  0 otherwise. */
    double as_of;
    const char *status;          /* succeeded / failed / interrupted / terminated; "running"
                                  * in a live report */
    const char *terminated_by;   /* with terminated: "task ID, RULE"; else NULL */
    int workers, nodes, slots;
    size_t counts[7];            /* pending ready running succeeded failed skipped cancelled
                                  * (MB_NSTATES, common/names.h) */
    size_t requeues;             /* attempts requeued because their worker was lost */
    const char *config;          /* the job file as run: /job attribute config */
    size_t ntasks;
    const report_task_t *tasks;
    size_t nattempts;
    const report_attempt_t *attempts;
    size_t nworkers;
    const report_worker_t *workers_rows;
    size_t nsweeps;
    const report_sweep_t *sweeps;
    size_t nlogs;
    const report_log_t *logs;
} report_t;

/* Write the report to path atomically (path.tmp.<pid>, then rename).
 * Returns 0 or -1 with err. */
int report_write (const char *path, const report_t *r, mb_error_t *err);

/* A report read back from a file, for `mpibatch report`.  Opaque; the
 * report_t it exposes (with tasks, attempts, workers and sweeps filled;
 * logs left empty; parameter values as text, numbers printed as %.15g) is
 * valid until report_close(). */
typedef struct report_file report_file_t;
report_file_t *report_open (const char *path, mb_error_t *err);
const report_t *report_data (const report_file_t *rf);
void report_close (report_file_t *rf);

/* The report of a run, running or not, from its state directory: when the
 * journal says the run has ended, report.h5 as it is; while it runs (or
 * when it died without an end record), report.h5 if there is one yet,
 * completed from the journal: attempts ended since, attempts still running
 * (outcome "running", end_time 0; their task's state "running"), task
 * states and new workers.  With no report.h5 yet, task ids and sweep
 * parameters come from jf when given (may be NULL).  Returns NULL with err
 * (ENOENT: neither a report nor a journal).  Valid until
 * report_live_close(), which accepts NULL. */
struct jobfile;
typedef struct report_live report_live_t;
report_live_t *report_live_open (const char *statedir, const struct jobfile *jf,
                                 int lock_held, mb_error_t *err);
const report_t *report_live_data (const report_live_t *l);
/* lock_held: whether a run held the state directory's lock just before
 * (1), did not (0), or unknown (-1).  A run the journal has not seen end is
 * running unless lock_held is 0: then it died (status "interrupted", as_of
 * its last record).
 *
 * 1 when the run had not ended when the journal was read. */
int report_live_running (const report_live_t *l);
void report_live_close (report_live_t *l);

/* Print a report as text / json / csv (the /tasks table) to the stream. */
#include <stdio.h>
int report_print_text (FILE *f, const report_t *r);
int report_print_json (FILE *f, const report_t *r);
int report_print_csv (FILE *f, const report_t *r);
/* Print one self-contained HTML page (no network fetches): the summary;
 * utilisation over time and a timeline on <canvas> (one lane per worker
 * slot grouped by node and worker, an attempt drawn on every slot it held,
 * coloured by outcome; hover or keyboard focus shows the attempt and its
 * parameters; zoom and pan); each sweep's parameter space (outcome and
 * wall time against one parameter, or grids over two chosen ones); the
 * failures grouped by reason with links into the grids; the failed tasks,
 * workers and slowest tasks (tables only when they have rows).  Returns 0,
 * or -1 with errno set when the stream failed or memory ran out. */
int report_print_html (FILE *f, const report_t *r);
/* The same with options: live (the run has not ended: the page says so,
 * the timeline runs up to now and running attempts, outcome "running",
 * are drawn up to it), now (UNIX seconds), refresh (seconds > 0: the page
 * reloads itself that often).  o may be NULL. */
typedef struct {
    int live;
    double now;
    int refresh;
} report_html_opts_t;
int report_print_html_opts (FILE *f, const report_t *r, const report_html_opts_t *o);

#endif
