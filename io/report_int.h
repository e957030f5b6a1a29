/* report_int.h: what the report printers share (private to io/report*.c). */
#ifndef MB_REPORT_INT_H
#define MB_REPORT_INT_H

#include <stddef.h>

#include "io/report.h"

#define REPORT_MAX_FAILURES 20
#define REPORT_MAX_SLOWEST 10

/* Wall time of the run (finished - started), 0 when either is unknown. */
double report_wall (const report_t *r);
/* A worker's busy time over its capacity (slots x wall), 0..1. */
double report_utilisation (const report_t *r, const report_worker_t *w);
/* Is the task failed or skipped (shown among the failures)? */
int report_is_failure (const report_task_t *t);
/* Rows of the (at most REPORT_MAX_SLOWEST) tasks with the longest wall
 * time, slowest first, into idx; returns how many. */
size_t report_slowest (const report_t *r, size_t *idx);
/* "YYYY-MM-DDTHH:MM:SSZ", or "-" for 0. */
void report_iso8601 (double t, char *out, size_t size);

#endif
