/* report_h5.c: HDF5 helpers shared by the report writer and reader: error
 * capture and the compound row types. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "io/report_h5.h"

void rh5_quiet (rh5_quiet_t *saved)
{
    saved->func = NULL;
    saved->data = NULL;
    H5Eget_auto2 (H5E_DEFAULT, &saved->func, &saved->data);
    H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

void rh5_unquiet (const rh5_quiet_t *saved)
{
    H5Eset_auto2 (H5E_DEFAULT, saved->func, saved->data);
}

/* Keep the description of the innermost error: it names the real cause
 * (a missing directory, a name clash) where the outer ones only repeat
 * which API call failed. */
static herr_t first_desc (unsigned n, const H5E_error2_t *e, void *data)
{
    char *out = data;
    if (n == 0 && e->desc)
        snprintf (out, 512, "%s", e->desc);
    return 0;
}

int rh5_fail (mb_error_t *err, const char *what, ...)
{
    char head[512];
    char desc[512] = "";
    va_list ap;

    va_start (ap, what);
    vsnprintf (head, sizeof (head), what, ap);
    va_end (ap);
    H5Ewalk2 (H5E_DEFAULT, H5E_WALK_UPWARD, first_desc, desc);
    H5Eclear2 (H5E_DEFAULT);
    errno = EIO;
    if (desc[0])
        return errprintf (err, "%s: %s", head, desc);
    return errprintf (err, "%s", head);
}

hid_t rh5_str_type (void)
{
    hid_t t = H5Tcopy (H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size (t, H5T_VARIABLE) < 0 || H5Tset_cset (t, H5T_CSET_UTF8) < 0) {
        H5Tclose (t);
        return -1;
    }
    return t;
}

struct member {
    const char *name;
    size_t offset;
    int kind;           /* 's' string, else an HDF5 native type below */
    hid_t type;
};

#define M(s, f, t) { #f, HOFFSET (s, f), 0, t }
#define S(s, f) { #f, HOFFSET (s, f), 's', 0 }

static hid_t build (size_t size, const struct member *m, size_t n)
{
    hid_t str = rh5_str_type ();
    hid_t t = -1;
    if (str < 0)
        return -1;
    if ((t = H5Tcreate (H5T_COMPOUND, size)) < 0)
        goto error;
    for (size_t i = 0; i < n; i++)
        if (H5Tinsert (t, m[i].name, m[i].offset,
                       m[i].kind == 's' ? str : m[i].type) < 0)
            goto error;
    H5Tclose (str);
    return t;
error:
    if (t >= 0)
        H5Tclose (t);
    H5Tclose (str);
    return -1;
}

hid_t rh5_row_type (int kind)
{
    /* The member names are the column names of spec/records.md. */
    switch (kind) {
    case RH5_TASK: {
        const struct member m[] = {
            S (rh5_task_t, id), S (rh5_task_t, state),
            M (rh5_task_t, attempts, H5T_NATIVE_INT32),
            M (rh5_task_t, exit_code, H5T_NATIVE_INT32),
            M (rh5_task_t, signal, H5T_NATIVE_INT32),
            M (rh5_task_t, timed_out, H5T_NATIVE_INT8),
            M (rh5_task_t, worker, H5T_NATIVE_INT32),
            S (rh5_task_t, node),
            M (rh5_task_t, slots, H5T_NATIVE_INT32),
            S (rh5_task_t, cpus),
            M (rh5_task_t, ready_time, H5T_NATIVE_DOUBLE),
            M (rh5_task_t, start_time, H5T_NATIVE_DOUBLE),
            M (rh5_task_t, end_time, H5T_NATIVE_DOUBLE),
            M (rh5_task_t, wall_seconds, H5T_NATIVE_DOUBLE),
            M (rh5_task_t, user_seconds, H5T_NATIVE_DOUBLE),
            M (rh5_task_t, system_seconds, H5T_NATIVE_DOUBLE),
            M (rh5_task_t, max_rss_kib, H5T_NATIVE_INT64),
            M (rh5_task_t, bytes_in, H5T_NATIVE_INT64),
            M (rh5_task_t, bytes_out, H5T_NATIVE_INT64),
            S (rh5_task_t, reason),
        };
        return build (sizeof (rh5_task_t), m, sizeof (m) / sizeof (m[0]));
    }
    case RH5_ATTEMPT:
    case RH5_ATTEMPT_V1: {
        const struct member m[] = {
            M (rh5_attempt_t, task, H5T_NATIVE_UINT32),
            M (rh5_attempt_t, attempt, H5T_NATIVE_INT32),
            M (rh5_attempt_t, worker, H5T_NATIVE_INT32),
            S (rh5_attempt_t, node),
            M (rh5_attempt_t, start_time, H5T_NATIVE_DOUBLE),
            M (rh5_attempt_t, end_time, H5T_NATIVE_DOUBLE),
            M (rh5_attempt_t, exit_code, H5T_NATIVE_INT32),
            M (rh5_attempt_t, signal, H5T_NATIVE_INT32),
            S (rh5_attempt_t, outcome),
            S (rh5_attempt_t, reason),
            M (rh5_attempt_t, slots, H5T_NATIVE_INT32),
            S (rh5_attempt_t, cpus),
            S (rh5_attempt_t, rule),
            S (rh5_attempt_t, decision),
        };
        size_t n = sizeof (m) / sizeof (m[0]) - (kind == RH5_ATTEMPT_V1 ? 4 : 0);
        return build (sizeof (rh5_attempt_t), m, n);
    }
    case RH5_WORKER: {
        const struct member m[] = {
            M (rh5_worker_t, rank, H5T_NATIVE_INT32),
            S (rh5_worker_t, node),
            M (rh5_worker_t, slots, H5T_NATIVE_INT32),
            S (rh5_worker_t, cpus),
            M (rh5_worker_t, tasks_run, H5T_NATIVE_INT32),
            M (rh5_worker_t, busy_seconds, H5T_NATIVE_DOUBLE),
        };
        return build (sizeof (rh5_worker_t), m, sizeof (m) / sizeof (m[0]));
    }
    case RH5_LOG: {
        const struct member m[] = {
            M (rh5_log_t, task, H5T_NATIVE_UINT32),
            M (rh5_log_t, attempt, H5T_NATIVE_INT32),
            S (rh5_log_t, stream),
            S (rh5_log_t, text),
        };
        return build (sizeof (rh5_log_t), m, sizeof (m) / sizeof (m[0]));
    }
    }
    return -1;
}
