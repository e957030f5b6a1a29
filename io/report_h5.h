/* report_h5.h: what the report writer and reader share (private to io/report*.c):
 * the in-memory row layouts of the compound datasets and HDF5 error capture. */
#ifndef MB_REPORT_H5_H
#define MB_REPORT_H5_H

#include <stdint.h>

#include <hdf5.h>

#include "common/err.h"

/* Rows as HDF5 reads and writes them: strings are variable-length C
 * strings (never NULL when written), integers have fixed widths. */
typedef struct {
    char *id;
    char *state;
    int32_t attempts;
    int32_t exit_code;
    int32_t signal;
    int8_t timed_out;
    int32_t worker;
    char *node;
    int32_t slots;
    char *cpus;
    double ready_time, start_time, end_time;
    double wall_seconds, user_seconds, system_seconds;
    int64_t max_rss_kib, bytes_in, bytes_out;
    char *reason;
} rh5_task_t;

typedef struct {
    uint32_t task;
    int32_t attempt;
    int32_t worker;
    char *node;
    double start_time, end_time;
    int32_t exit_code;
    int32_t signal;
    char *outcome;
    char *reason;
    int32_t slots;
    char *cpus;
    char *rule;
    char *decision;
} rh5_attempt_t;

typedef struct {
    int32_t rank;
    char *node;
    int32_t slots;
    char *cpus;
    int32_t tasks_run;
    double busy_seconds;
} rh5_worker_t;

typedef struct {
    uint32_t task;
    int32_t attempt;
    char *stream;
    char *text;
} rh5_log_t;

/* Which compound type to build. */
/* RH5_ATTEMPT_V1: /attempts as written by 0.1, before slots, cpus, rule and
 * decision (the same struct, those four members left zero). */
enum { RH5_TASK, RH5_ATTEMPT, RH5_WORKER, RH5_LOG, RH5_ATTEMPT_V1 };

/* Mute HDF5's own printing of its error stack for the duration of a call
 * (state saved in *saved) and put it back afterwards. */
typedef struct {
    H5E_auto2_t func;
    void *data;
} rh5_quiet_t;
void rh5_quiet (rh5_quiet_t *saved);
void rh5_unquiet (const rh5_quiet_t *saved);

/* Convert a failed HDF5 call: fill err with "what: <HDF5's innermost
 * message>", set errno (EIO unless HDF5 left a system errno) and return -1. */
int rh5_fail (mb_error_t *err, const char *what, ...)
    __attribute__ ((format (printf, 2, 3)));

/* The variable-length string type (caller closes), and the memory
 * compound type of a row kind (caller closes).  Negative on failure. */
hid_t rh5_str_type (void);
hid_t rh5_row_type (int kind);

/* /parameters/<sweep> of an open report, read into sweeps whose memory
 * the returned object owns (an empty list when the report has none).
 * NULL with err on failure.  rh5_params_sweeps: the sweeps and their
 * number, valid until rh5_params_free (which accepts NULL). */
#include "io/report.h"
typedef struct rh5_params rh5_params_t;
rh5_params_t *rh5_params_read (hid_t f, mb_error_t *err);
const report_sweep_t *rh5_params_sweeps (const rh5_params_t *p, size_t *n);
void rh5_params_free (rh5_params_t *p);

#endif
