/* report.c: writes the HDF5 report (spec/records.md) atomically: into
 * path.tmp.<pid>, flushed to disk, then renamed over path. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/names.h"
#include "io/report.h"
#include "io/report_h5.h"

/* Above this the job file goes into a dataset: an attribute lives in its
 * object header, which HDF5 caps at 64 KiB. */
#define CONFIG_ATTR_MAX (60 * 1024)

/* HDF5 writes a NULL char * as an empty string only by accident of the
 * version; write "" explicitly. */
static char *nz (const char *s)
{
    return (char *)(s ? s : "");
}

/* ISO 8601 with milliseconds: whole seconds would make a short run's wall
 * time (and so its workers' utilisation) off by up to a second. */
static void iso8601 (double t, char *out, size_t size)
{
    time_t s = (time_t)t;
    struct tm tm;
    int ms = (int)((t - (double)s) * 1000.0);
    size_t n;
    if (t <= 0 || !gmtime_r (&s, &tm) || !(n = strftime (out, size, "%Y-%m-%dT%H:%M:%S", &tm))
        || snprintf (out + n, size - n, ".%03dZ", ms < 0 ? 0 : ms > 999 ? 999 : ms)
               >= (int)(size - n))
        out[0] = '\0';
}

static int attr_write (hid_t loc, const char *name, hid_t type, const void *v,
                       mb_error_t *err)
{
    hid_t sp = -1, a = -1;
    if ((sp = H5Screate (H5S_SCALAR)) < 0
        || (a = H5Acreate2 (loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT)) < 0
        || H5Awrite (a, type, v) < 0)
        goto error;
    H5Aclose (a);
    H5Sclose (sp);
    return 0;
error:
    rh5_fail (err, "attribute %s", name);
    if (a >= 0)
        H5Aclose (a);
    if (sp >= 0)
        H5Sclose (sp);
    return -1;
}

static int attr_str (hid_t loc, const char *name, const char *s, mb_error_t *err)
{
    hid_t t = rh5_str_type ();
    const char *v = nz (s);
    int rc;
    if (t < 0)
        return rh5_fail (err, "attribute %s", name);
    rc = attr_write (loc, name, t, &v, err);
    H5Tclose (t);
    return rc;
}

static int attr_i32 (hid_t loc, const char *name, int v, mb_error_t *err)
{
    int32_t x = v;
    return attr_write (loc, name, H5T_NATIVE_INT32, &x, err);
}

static int attr_i64 (hid_t loc, const char *name, int64_t v, mb_error_t *err)
{
    return attr_write (loc, name, H5T_NATIVE_INT64, &v, err);
}

static int write_root (hid_t f, const report_t *r, mb_error_t *err)
{
    char started[32], finished[32];
    iso8601 (r->started, started, sizeof (started));
    iso8601 (r->finished, finished, sizeof (finished));
    if (attr_str (f, "job_id", r->job_id, err) < 0
        || attr_str (f, "mpibatch_version", r->version, err) < 0
        || attr_str (f, "started", started, err) < 0
        || attr_str (f, "finished", finished, err) < 0
        || attr_str (f, "status", r->status, err) < 0
        || attr_i32 (f, "workers", r->workers, err) < 0
        || attr_i32 (f, "nodes", r->nodes, err) < 0
        || attr_i32 (f, "slots", r->slots, err) < 0
        || attr_i64 (f, "tasks", (int64_t)r->ntasks, err) < 0
        || attr_i64 (f, "requeues", (int64_t)r->requeues, err) < 0
        || (r->terminated_by && attr_str (f, "terminated_by", r->terminated_by, err) < 0))
        return -1;
    for (int i = 0; i < MB_NSTATES; i++)
        if (attr_i64 (f, mb_state_name (i), (int64_t)r->counts[i], err) < 0)
            return -1;
    return 0;
}

/* calloc for n rows that also works for n == 0 (a valid empty table). */
static void *rows_alloc (size_t n, size_t size, mb_error_t *err, const char *what)
{
    void *p = calloc (n ? n : 1, size);
    if (!p)
        errprintf (err, "%s: out of memory for %zu rows", what, n);
    return p;
}

/* Datasets are written this many elements at a time, so that the rows of a
 * table of a million tasks never need to be in memory at once. */
#define ROW_BLOCK 16384

typedef void (*fill_fn) (const report_t *r, size_t first, size_t count, void *rows);

/* One dataset of n elements of memory type mt (the file type is mt packed:
 * no alignment holes), written ROW_BLOCK elements at a time into hyperslabs
 * of the file space: from data, or, when fill is given, from rows that
 * fill(r, ...) builds one block at a time. */
static int write_blocks (hid_t loc, const char *name, hid_t mt, size_t n, const void *data,
                         fill_fn fill, const report_t *r, mb_error_t *err)
{
    hsize_t dims[1] = { n };
    hid_t ft = -1, sp = -1, d = -1, ms = -1;
    size_t elsize = H5Tget_size (mt), bs = n < ROW_BLOCK ? n : ROW_BLOCK;
    void *block = NULL;
    if (fill && !(block = rows_alloc (bs, elsize, err, name)))
        return -1;
    if (elsize == 0 || (ft = H5Tcopy (mt)) < 0
        || (H5Tget_class (ft) == H5T_COMPOUND && H5Tpack (ft) < 0)
        || (sp = H5Screate_simple (1, dims, NULL)) < 0
        || (d = H5Dcreate2 (loc, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto error;
    for (size_t first = 0; first < n; first += bs) {
        hsize_t start[1] = { first }, count[1] = { n - first < bs ? n - first : bs };
        const void *buf = block;
        if (fill)
            fill (r, first, (size_t)count[0], block);
        else
            buf = (const char *)data + first * elsize;
        if (H5Sselect_hyperslab (sp, H5S_SELECT_SET, start, NULL, count, NULL) < 0
            || (ms = H5Screate_simple (1, count, NULL)) < 0
            || H5Dwrite (d, mt, ms, sp, H5P_DEFAULT, buf) < 0)
            goto error;
        H5Sclose (ms);
        ms = -1;
    }
    H5Dclose (d);
    H5Sclose (sp);
    H5Tclose (ft);
    free (block);
    return 0;
error:
    rh5_fail (err, "dataset %s", name);
    if (ms >= 0)
        H5Sclose (ms);
    if (d >= 0)
        H5Dclose (d);
    if (sp >= 0)
        H5Sclose (sp);
    if (ft >= 0)
        H5Tclose (ft);
    free (block);
    return -1;
}

static int write_dataset (hid_t loc, const char *name, hid_t mt, size_t n,
                          const void *data, mb_error_t *err)
{
    return write_blocks (loc, name, mt, n, data, NULL, NULL, err);
}

/* A table of rows of `kind`: from rows, or built by fill (rows NULL). */
static int write_table (hid_t loc, const char *name, int kind, size_t n, const void *rows,
                        fill_fn fill, const report_t *r, mb_error_t *err)
{
    hid_t mt = rh5_row_type (kind);
    int rc;
    if (mt < 0)
        return rh5_fail (err, "dataset %s: row type", name);
    rc = write_blocks (loc, name, mt, n, rows, fill, r, err);
    H5Tclose (mt);
    return rc;
}

static void fill_tasks (const report_t *r, size_t first, size_t count, void *out)
{
    rh5_task_t *rows = out;
    for (size_t k = 0; k < count; k++) {
        const report_task_t *t = &r->tasks[first + k];
        rh5_task_t *o = &rows[k];
        o->id = nz (t->id);
        o->state = nz (t->state);
        o->attempts = t->attempts;
        o->exit_code = t->exit_code;
        o->signal = t->signal;
        o->timed_out = t->timed_out ? 1 : 0;
        o->worker = t->worker;
        o->node = nz (t->node);
        o->slots = t->slots;
        o->cpus = nz (t->cpus);
        o->ready_time = t->ready_time;
        o->start_time = t->start_time;
        o->end_time = t->end_time;
        o->wall_seconds = t->wall_seconds;
        o->user_seconds = t->user_seconds;
        o->system_seconds = t->system_seconds;
        o->max_rss_kib = t->max_rss_kib;
        o->bytes_in = t->bytes_in;
        o->bytes_out = t->bytes_out;
        o->reason = nz (t->reason);
    }
}

static int write_tasks (hid_t f, const report_t *r, mb_error_t *err)
{
    return write_table (f, "tasks", RH5_TASK, r->ntasks, NULL, fill_tasks, r, err);
}

static void fill_attempts (const report_t *r, size_t first, size_t count, void *out)
{
    rh5_attempt_t *rows = out;
    for (size_t k = 0; k < count; k++) {
        const report_attempt_t *a = &r->attempts[first + k];
        rh5_attempt_t *o = &rows[k];
        o->task = a->task;
        o->attempt = a->attempt;
        o->worker = a->worker;
        o->node = nz (a->node);
        o->start_time = a->start_time;
        o->end_time = a->end_time;
        o->exit_code = a->exit_code;
        o->signal = a->signal;
        o->outcome = nz (a->outcome);
        o->reason = nz (a->reason);
        o->slots = a->slots;
        o->cpus = nz (a->cpus);
        o->rule = nz (a->rule);
        o->decision = nz (a->decision);
    }
}

static int write_attempts (hid_t f, const report_t *r, mb_error_t *err)
{
    return write_table (f, "attempts", RH5_ATTEMPT, r->nattempts, NULL, fill_attempts, r,
                        err);
}

static int write_workers (hid_t f, const report_t *r, mb_error_t *err)
{
    rh5_worker_t *rows = rows_alloc (r->nworkers, sizeof (*rows), err, "/workers");
    int rc;
    if (!rows)
        return -1;
    for (size_t i = 0; i < r->nworkers; i++) {
        const report_worker_t *w = &r->workers_rows[i];
        rows[i].rank = w->rank;
        rows[i].node = nz (w->node);
        rows[i].slots = w->slots;
        rows[i].cpus = nz (w->cpus);
        rows[i].tasks_run = w->tasks_run;
        rows[i].busy_seconds = w->busy_seconds;
    }
    rc = write_table (f, "workers", RH5_WORKER, r->nworkers, rows, NULL, NULL, err);
    free (rows);
    return rc;
}

/* A parameter is numeric when every value is a complete number to strtod
 * (so "1e-3" is, "3 cores" and "" are not). */
static int all_numeric (const char **v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char *end;
        if (!v[k] || !v[k][0])
            return 0;
        errno = 0;
        (void)strtod (v[k], &end);
        if (*end != '\0')
            return 0;
    }
    return 1;
}

static int write_param (hid_t g, const char *name, const char **v, size_t n,
                        mb_error_t *err)
{
    int rc;
    if (all_numeric (v, n)) {
        double *x = rows_alloc (n, sizeof (*x), err, name);
        if (!x)
            return -1;
        for (size_t k = 0; k < n; k++)
            x[k] = strtod (v[k], NULL);
        rc = write_dataset (g, name, H5T_NATIVE_DOUBLE, n, x, err);
        free (x);
    }
    else {
        char **s = rows_alloc (n, sizeof (*s), err, name);
        hid_t t = rh5_str_type ();
        if (!s || t < 0) {
            free (s);
            if (t >= 0)
                H5Tclose (t);
            return s ? rh5_fail (err, "dataset %s", name) : -1;
        }
        for (size_t k = 0; k < n; k++)
            s[k] = nz (v[k]);
        rc = write_dataset (g, name, t, n, s, err);
        H5Tclose (t);
        free (s);
    }
    return rc;
}

/* A group that remembers the order its members were made in, so a reader
 * lists a sweep's parameters (and the sweeps) in the job file's order. */
static hid_t group_ordered (hid_t parent, const char *name)
{
    hid_t pl = H5Pcreate (H5P_GROUP_CREATE), g;
    if (pl < 0)
        return -1;
    if (H5Pset_link_creation_order (pl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
        H5Pclose (pl);
        return -1;
    }
    g = H5Gcreate2 (parent, name, H5P_DEFAULT, pl, H5P_DEFAULT);
    H5Pclose (pl);
    return g;
}

static int write_sweep (hid_t parent, const report_sweep_t *sw, mb_error_t *err)
{
    hid_t g = group_ordered (parent, nz (sw->name));
    if (g < 0)
        return rh5_fail (err, "group /parameters/%s", nz (sw->name));
    if (write_dataset (g, "task", H5T_NATIVE_UINT32, sw->ntasks, sw->rows, err) < 0)
        goto error;
    for (int p = 0; p < sw->nparams; p++) {
        if (write_param (g, nz (sw->param_names[p]), sw->values[p], sw->ntasks, err) < 0)
            goto error;
    }
    H5Gclose (g);
    return 0;
error:
    H5Gclose (g);
    return -1;
}

static int write_parameters (hid_t f, const report_t *r, mb_error_t *err)
{
    hid_t g;
    if (r->nsweeps == 0)
        return 0;
    if ((g = group_ordered (f, "parameters")) < 0)
        return rh5_fail (err, "group /parameters");
    for (size_t i = 0; i < r->nsweeps; i++) {
        if (write_sweep (g, &r->sweeps[i], err) < 0) {
            H5Gclose (g);
            return -1;
        }
    }
    H5Gclose (g);
    return 0;
}

/* Log texts come with a length and need not be NUL-terminated: copy them
 * all into one block, each followed by a NUL. */
static int write_logs (hid_t f, const report_t *r, mb_error_t *err)
{
    rh5_log_t *rows = NULL;
    char *text = NULL, *p;
    size_t total = 0;
    int rc = -1;

    if (r->nlogs == 0)
        return 0;
    for (size_t i = 0; i < r->nlogs; i++)
        total += (r->logs[i].text ? r->logs[i].len : 0) + 1;
    if (!(rows = rows_alloc (r->nlogs, sizeof (*rows), err, "/logs"))
        || !(text = rows_alloc (total, 1, err, "/logs")))
        goto out;
    p = text;
    for (size_t i = 0; i < r->nlogs; i++) {
        const report_log_t *l = &r->logs[i];
        size_t len = l->text ? l->len : 0;
        rows[i].task = l->task;
        rows[i].attempt = l->attempt;
        rows[i].stream = l->stream == 2 ? "stderr" : "stdout";
        rows[i].text = p;
        if (len)
            memcpy (p, l->text, len);
        p[len] = '\0';
        p += len + 1;
    }
    rc = write_table (f, "logs", RH5_LOG, r->nlogs, rows, NULL, NULL, err);
out:
    free (text);
    free (rows);
    return rc;
}

static int write_job (hid_t f, const report_t *r, mb_error_t *err)
{
    const char *config = nz (r->config);
    hid_t g = H5Gcreate2 (f, "job", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc;
    if (g < 0)
        return rh5_fail (err, "group /job");
    if (strlen (config) <= CONFIG_ATTR_MAX)
        rc = attr_str (g, "config", config, err);
    else {
        hid_t t = rh5_str_type (), sp = -1, d = -1;
        rc = -1;
        if (t >= 0 && (sp = H5Screate (H5S_SCALAR)) >= 0
            && (d = H5Dcreate2 (g, "config", t, sp, H5P_DEFAULT, H5P_DEFAULT,
                                H5P_DEFAULT)) >= 0
            && H5Dwrite (d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &config) >= 0)
            rc = 0;
        else
            rh5_fail (err, "dataset /job/config");
        if (d >= 0)
            H5Dclose (d);
        if (sp >= 0)
            H5Sclose (sp);
        if (t >= 0)
            H5Tclose (t);
    }
    H5Gclose (g);
    return rc;
}

/* The rename makes the report visible; syncing the data first means a
 * crash right after never leaves a truncated report under the real name. */
static int sync_path (const char *path, int flags)
{
    int fd = open (path, flags);
    if (fd < 0)
        return -1;
    if (fsync (fd) < 0 && errno != EINVAL) {
        int saved = errno;
        close (fd);
        errno = saved;
        return -1;
    }
    return close (fd);
}

static void sync_dir_of (const char *path)
{
    char *dir = strdup (path);
    char *slash;
    if (!dir)
        return;
    slash = strrchr (dir, '/');
    if (!slash)
        strcpy (dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    /* Best effort: the report is complete either way. */
    (void)sync_path (dir, O_RDONLY | O_DIRECTORY);
    free (dir);
}

int report_write (const char *path, const report_t *r, mb_error_t *err)
{
    rh5_quiet_t quiet;
    char *tmp = NULL;
    hid_t f = -1;
    int rc = -1;

    if (!path || !r) {
        errno = EINVAL;
        return errprintf (err, "report_write: no path or no report");
    }
    if (asprintf (&tmp, "%s.tmp.%ld", path, (long)getpid ()) < 0) {
        tmp = NULL;
        return errprintf (err, "%s: out of memory", path);
    }
    rh5_quiet (&quiet);
    if ((f = H5Fcreate (tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        rh5_fail (err, "%s: cannot create the report", tmp);
        goto error;
    }
    if (write_root (f, r, err) < 0
        || write_tasks (f, r, err) < 0
        || write_attempts (f, r, err) < 0
        || write_workers (f, r, err) < 0
        || write_parameters (f, r, err) < 0
        || write_logs (f, r, err) < 0
        || write_job (f, r, err) < 0)
        goto error;
    if (H5Fclose (f) < 0) {
        f = -1;
        rh5_fail (err, "%s: cannot close the report", tmp);
        goto error;
    }
    f = -1;
    if (sync_path (tmp, O_RDONLY) < 0) {
        errprintf (err, "%s: fsync: %s", tmp, strerror (errno));
        goto error;
    }
    if (rename (tmp, path) < 0) {
        errprintf (err, "rename %s to %s: %s", tmp, path, strerror (errno));
        goto error;
    }
    sync_dir_of (path);
    rc = 0;
error:
    if (rc < 0) {
        int saved = errno;
        if (f >= 0)
            H5Fclose (f);
        unlink (tmp);
        errno = saved;
    }
    rh5_unquiet (&quiet);
    free (tmp);
    return rc;
}
