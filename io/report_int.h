/* report_int.h: what the report printers share (private to io/report*.c). */
#ifndef MB_REPORT_INT_H
#define MB_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "io/report.h"

#define REPORT_MAX_FAILURES 20
#define REPORT_MAX_SLOWEST 10

/* Wall time of the run: finished - started, or as_of - started for a
 * report without a run-end record (the time so far); 0 when unknown. */
double report_wall (const report_t *r);
/* Is r a live report of a run that goes on (status "running", as_of)? */
int report_is_running (const report_t *r);
/* A worker's busy time over its capacity (slots x wall), 0..1. */
double report_utilisation (const report_t *r, const report_worker_t *w);
/* Is the task failed or skipped (shown among the failures)? */
int report_is_failure (const report_task_t *t);
/* Rows of the (at most REPORT_MAX_SLOWEST) tasks with the longest wall
 * time, slowest first, into idx; returns how many. */
size_t report_slowest (const report_t *r, size_t *idx);
/* "YYYY-MM-DDTHH:MM:SSZ", or "-" for 0. */
void report_iso8601 (double t, char *out, size_t size);

/* Is s a whole number to strtod ("1e-3" is, "", "3 cores" are not)? */
int report_numeric (const char *s);

/* Failed and skipped tasks grouped by their reason: the reason (pointing
 * into r; "(no reason recorded)" for none), how many, the first task row. */
typedef struct {
    const char *reason;
    size_t count;
    size_t first;
} report_reason_t;
/* The groups, most frequent first, in *out (malloc'd, caller frees).
 * Returns how many, or -1 with errno ENOMEM. */
long report_reasons (const report_t *r, report_reason_t **out);

/* The distinct values of parameter p of sweep sw (numeric order when all
 * are numbers, then *numeric = 1; else text order) in *vals, and for each
 * task k of the sweep the position of its value in (*idx)[k].  Both
 * malloc'd, caller frees; the strings point into sw.  Returns how many
 * values, or -1 with errno ENOMEM.  Not thread-safe. */
long report_value_index (const report_sweep_t *sw, int p, const char ***vals,
                         uint32_t **idx, int *numeric);

/* One distinct value of a sweep parameter: its tasks counted by state
 * (mb_state_by_name), and the summed wall time of those that ran. */
typedef struct {
    const char *value;
    size_t n[7];   /* by state: MB_NSTATES */
    double wall_sum;
    size_t nwall;
} report_value_t;
/* The distinct values of parameter p of sweep sw, in numeric order when
 * all are numbers, else in text order, in *out (malloc'd, caller frees;
 * values point into sw).  Returns how many, or -1 with errno ENOMEM.
 * Not thread-safe (qsort without a context). */
long report_value_counts (const report_t *r, const report_sweep_t *sw, int p,
                          report_value_t **out);

#endif
