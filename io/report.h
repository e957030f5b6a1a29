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

/* One row of /attempts.  outcome is the journal_outcome name. */
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
    const char *status;          /* succeeded / failed / interrupted / terminated */
    const char *terminated_by;   /* with terminated: "task ID, RULE"; else NULL */
    int workers, nodes, slots;
    size_t counts[6];            /* pending ready running succeeded failed skipped */
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
 * report_t it exposes (with tasks, attempts and workers filled; sweeps and
 * logs left empty) is valid until report_close(). */
typedef struct report_file report_file_t;
report_file_t *report_open (const char *path, mb_error_t *err);
const report_t *report_data (const report_file_t *rf);
void report_close (report_file_t *rf);

/* Print a report as text / json / csv (the /tasks table) to the stream. */
#include <stdio.h>
int report_print_text (FILE *f, const report_t *r);
int report_print_json (FILE *f, const report_t *r);
int report_print_csv (FILE *f, const report_t *r);
/* Print one self-contained HTML page (no network fetches): the summary, a
 * timeline on a <canvas> (one lane per worker slot, one bar per attempt
 * coloured by outcome; hovering shows the task, times and exit), the
 * failures and the slowest tasks.  Uses the tasks, attempts and workers of
 * r.  Returns 0, or -1 with errno set when the stream failed. */
int report_print_html (FILE *f, const report_t *r);

#endif
