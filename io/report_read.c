/* report_read.c: reads an HDF5 report back (root attributes, /tasks,
 * /attempts, /workers, /parameters, /job config) for `mpibatch report`. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/names.h"
#include "io/report.h"
#include "io/report_h5.h"

/* Every string of the report is copied out of HDF5's vlen memory into a
 * few blocks owned here, so the file is closed when report_open returns
 * and nothing of HDF5 is held until report_close. */
#define MAX_BLOCKS 16

struct report_file {
    report_t r;
    report_task_t *tasks;
    report_attempt_t *attempts;
    report_worker_t *workers;
    rh5_params_t *params;
    void *blocks[MAX_BLOCKS];
    int nblocks;
};

/* A block of string storage filled front to back; its size is computed
 * before the copies, so it never moves. */
typedef struct {
    char *p;
} pool_t;

static size_t slen (const char *s)
{
    return (s ? strlen (s) : 0) + 1;
}

static const char *pool_put (pool_t *pool, const char *s)
{
    size_t n = slen (s);
    char *out = pool->p;
    memcpy (out, s ? s : "", n);
    pool->p += n;
    return out;
}

static int pool_init (report_file_t *rf, pool_t *pool, size_t size, mb_error_t *err)
{
    if (rf->nblocks == MAX_BLOCKS) {
        errno = ENOMEM;
        return errprintf (err, "report: too many string blocks");
    }
    if (!(pool->p = malloc (size ? size : 1))) {
        errno = ENOMEM;
        return errprintf (err, "report: out of memory");
    }
    rf->blocks[rf->nblocks++] = pool->p;
    return 0;
}

static int read_attr_str (hid_t loc, const char *name, char **out, mb_error_t *err)
{
    hid_t a = -1, ft = -1, mt = -1;
    char *s = NULL;

    if ((a = H5Aopen (loc, name, H5P_DEFAULT)) < 0
        || (ft = H5Aget_type (a)) < 0
        || H5Tget_class (ft) != H5T_STRING)
        goto error;
    if (H5Tis_variable_str (ft) > 0) {
        char *v = NULL;
        if ((mt = rh5_str_type ()) < 0 || H5Aread (a, mt, &v) < 0)
            goto error;
        s = strdup (v ? v : "");
        H5free_memory (v);
    }
    else {
        size_t size = H5Tget_size (ft);
        if ((mt = H5Tcopy (H5T_C_S1)) < 0 || H5Tset_size (mt, size + 1) < 0
            || !(s = calloc (1, size + 1)))
            goto error;
        if (H5Aread (a, mt, s) < 0) {
            free (s);
            goto error;
        }
    }
    if (!s) {
        errno = ENOMEM;
        errprintf (err, "attribute %s: out of memory", name);
        goto out;
    }
    H5Tclose (mt);
    H5Tclose (ft);
    H5Aclose (a);
    *out = s;
    return 0;
error:
    rh5_fail (err, "attribute %s", name);
out:
    if (mt >= 0)
        H5Tclose (mt);
    if (ft >= 0)
        H5Tclose (ft);
    if (a >= 0)
        H5Aclose (a);
    return -1;
}

static int read_attr_i64 (hid_t loc, const char *name, int64_t *v, mb_error_t *err)
{
    hid_t a = H5Aopen (loc, name, H5P_DEFAULT);
    if (a < 0)
        return rh5_fail (err, "attribute %s", name);
    if (H5Aread (a, H5T_NATIVE_INT64, v) < 0) {
        H5Aclose (a);
        return rh5_fail (err, "attribute %s", name);
    }
    H5Aclose (a);
    return 0;
}

static double parse_iso (const char *s)
{
    struct tm tm;
    memset (&tm, 0, sizeof (tm));
    const char *rest;
    if (!s || !*s || !(rest = strptime (s, "%Y-%m-%dT%H:%M:%S", &tm)))
        return 0;
    /* Fractions of a second are optional (reports before 0.2 had none). */
    double frac = 0;
    if (*rest == '.') {
        char *end;
        frac = strtod (rest, &end);
        rest = end;
    }
    if (strcmp (rest, "Z"))
        return 0;
    return (double)timegm (&tm) + frac;
}

/* The root attributes.  Strings go to one block. */
static int read_root (report_file_t *rf, hid_t f, mb_error_t *err)
{
    static const char *snames[5] = {
        "job_id", "mpibatch_version", "started", "finished", "status",
    };
    char *s[6] = { NULL };
    int64_t v;
    size_t total = 0;
    pool_t pool;
    int rc = -1;

    for (int i = 0; i < 5; i++)
        if (read_attr_str (f, snames[i], &s[i], err) < 0)
            goto out;
    /* Only a terminated run has it. */
    if (H5Aexists (f, "terminated_by") > 0
        && read_attr_str (f, "terminated_by", &s[5], err) < 0)
        goto out;
    for (int i = 0; i < 6; i++)
        total += slen (s[i]);
    if (pool_init (rf, &pool, total, err) < 0)
        goto out;
    rf->r.job_id = pool_put (&pool, s[0]);
    rf->r.version = pool_put (&pool, s[1]);
    rf->r.started = parse_iso (s[2]);
    rf->r.finished = parse_iso (s[3]);
    rf->r.status = pool_put (&pool, s[4]);
    rf->r.terminated_by = s[5] ? pool_put (&pool, s[5]) : NULL;
    if (read_attr_i64 (f, "workers", &v, err) < 0)
        goto out;
    rf->r.workers = (int)v;
    if (read_attr_i64 (f, "nodes", &v, err) < 0)
        goto out;
    rf->r.nodes = (int)v;
    if (read_attr_i64 (f, "slots", &v, err) < 0)
        goto out;
    rf->r.slots = (int)v;
    for (int i = 0; i < MB_NSTATES; i++) {
        /* Reports written before "cancelled" existed lack its count. */
        v = 0;
        if (i == MB_STATE_CANCELLED && H5Aexists (f, mb_state_name (i)) <= 0)
            ;
        else if (read_attr_i64 (f, mb_state_name (i), &v, err) < 0)
            goto out;
        rf->r.counts[i] = (size_t)v;
    }
    rc = 0;
out:
    for (int i = 0; i < 6; i++)
        free (s[i]);
    return rc;
}

/* /job config: an attribute, or a dataset when it was too large for one.
 * A report without it is still readable. */
static int read_config (report_file_t *rf, hid_t f, mb_error_t *err)
{
    char *s = NULL;
    pool_t pool;
    hid_t g;

    if (H5Lexists (f, "job", H5P_DEFAULT) <= 0)
        return 0;
    if ((g = H5Gopen2 (f, "job", H5P_DEFAULT)) < 0)
        return rh5_fail (err, "group /job");
    if (H5Aexists (g, "config") > 0) {
        if (read_attr_str (g, "config", &s, err) < 0)
            goto error;
    }
    else if (H5Lexists (g, "config", H5P_DEFAULT) > 0) {
        hid_t d = -1, t = -1;
        char *v = NULL;
        if ((d = H5Dopen2 (g, "config", H5P_DEFAULT)) < 0
            || (t = rh5_str_type ()) < 0
            || H5Dread (d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0) {
            rh5_fail (err, "dataset /job/config");
            if (t >= 0)
                H5Tclose (t);
            if (d >= 0)
                H5Dclose (d);
            goto error;
        }
        s = strdup (v ? v : "");
        H5free_memory (v);
        H5Tclose (t);
        H5Dclose (d);
        if (!s) {
            errno = ENOMEM;
            errprintf (err, "/job/config: out of memory");
            goto error;
        }
    }
    H5Gclose (g);
    if (!s)
        return 0;
    if (pool_init (rf, &pool, slen (s), err) < 0) {
        free (s);
        return -1;
    }
    rf->r.config = pool_put (&pool, s);
    free (s);
    return 0;
error:
    H5Gclose (g);
    return -1;
}

/* The row kind to read dataset d with: /attempts of an older report has
 * no slots and cpus, and HDF5 will not convert to members it lacks. */
static int file_kind (hid_t d, int kind)
{
    hid_t ft;
    int has;
    if (kind != RH5_ATTEMPT)
        return kind;
    if ((ft = H5Dget_type (d)) < 0)
        return -1;
    has = H5Tget_member_index (ft, "slots") >= 0;
    H5Tclose (ft);
    return has ? RH5_ATTEMPT : RH5_ATTEMPT_V1;
}

/* Read a whole compound dataset into a calloc'd array of rows of the given
 * kind.  The vlen strings in it belong to HDF5: release with
 * reclaim_rows().  A missing dataset is an error. */
static void *read_rows (hid_t f, const char *name, int kind, size_t size,
                        size_t *n, int *kind_read, mb_error_t *err)
{
    hid_t d = -1, sp = -1, mt = -1;
    hssize_t npoints;
    void *rows = NULL;

    if ((d = H5Dopen2 (f, name, H5P_DEFAULT)) < 0
        || (sp = H5Dget_space (d)) < 0
        || (npoints = H5Sget_simple_extent_npoints (sp)) < 0
        || (kind = file_kind (d, kind)) < 0
        || (mt = rh5_row_type (kind)) < 0) {
        rh5_fail (err, "dataset /%s", name);
        goto out;
    }
    if (!(rows = calloc (npoints ? (size_t)npoints : 1, size))) {
        errno = ENOMEM;
        errprintf (err, "dataset /%s: out of memory", name);
        goto out;
    }
    if (npoints > 0 && H5Dread (d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) {
        rh5_fail (err, "dataset /%s", name);
        free (rows);
        rows = NULL;
        goto out;
    }
    *n = (size_t)npoints;
    if (kind_read)
        *kind_read = kind;
out:
    if (mt >= 0)
        H5Tclose (mt);
    if (sp >= 0)
        H5Sclose (sp);
    if (d >= 0)
        H5Dclose (d);
    return rows;
}

static void reclaim_rows (int kind, size_t n, void *rows)
{
    hsize_t dims[1] = { n };
    hid_t mt, sp;
    if (!rows)
        return;
    if (n > 0 && (mt = rh5_row_type (kind)) >= 0) {
        if ((sp = H5Screate_simple (1, dims, NULL)) >= 0) {
            H5Dvlen_reclaim (mt, sp, H5P_DEFAULT, rows);
            H5Sclose (sp);
        }
        H5Tclose (mt);
    }
    free (rows);
}

static int read_tasks (report_file_t *rf, hid_t f, mb_error_t *err)
{
    size_t n = 0, total = 0;
    rh5_task_t *rows = read_rows (f, "tasks", RH5_TASK, sizeof (*rows), &n, NULL, err);
    pool_t pool;
    int rc = -1;

    if (!rows)
        return -1;
    for (size_t i = 0; i < n; i++)
        total += slen (rows[i].id) + slen (rows[i].state) + slen (rows[i].node)
                 + slen (rows[i].cpus) + slen (rows[i].reason);
    if (pool_init (rf, &pool, total, err) < 0)
        goto out;
    if (!(rf->tasks = calloc (n ? n : 1, sizeof (*rf->tasks)))) {
        errno = ENOMEM;
        errprintf (err, "dataset /tasks: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rh5_task_t *s = &rows[i];
        report_task_t *t = &rf->tasks[i];
        t->id = pool_put (&pool, s->id);
        t->state = pool_put (&pool, s->state);
        t->attempts = s->attempts;
        t->exit_code = s->exit_code;
        t->signal = s->signal;
        t->timed_out = s->timed_out;
        t->worker = s->worker;
        t->node = pool_put (&pool, s->node);
        t->slots = s->slots;
        t->cpus = pool_put (&pool, s->cpus);
        t->ready_time = s->ready_time;
        t->start_time = s->start_time;
        t->end_time = s->end_time;
        t->wall_seconds = s->wall_seconds;
        t->user_seconds = s->user_seconds;
        t->system_seconds = s->system_seconds;
        t->max_rss_kib = s->max_rss_kib;
        t->bytes_in = s->bytes_in;
        t->bytes_out = s->bytes_out;
        t->reason = pool_put (&pool, s->reason);
    }
    rf->r.ntasks = n;
    rf->r.tasks = rf->tasks;
    rc = 0;
out:
    reclaim_rows (RH5_TASK, n, rows);
    return rc;
}

static int read_attempts (report_file_t *rf, hid_t f, mb_error_t *err)
{
    size_t n = 0, total = 0;
    int kind = RH5_ATTEMPT;
    rh5_attempt_t *rows = read_rows (f, "attempts", RH5_ATTEMPT, sizeof (*rows), &n, &kind,
                                     err);
    pool_t pool;
    int rc = -1;

    if (!rows)
        return -1;
    for (size_t i = 0; i < n; i++)
        total += slen (rows[i].node) + slen (rows[i].outcome) + slen (rows[i].reason)
                 + slen (rows[i].cpus)
                 + slen (rows[i].rule) + slen (rows[i].decision);
    if (pool_init (rf, &pool, total, err) < 0)
        goto out;
    if (!(rf->attempts = calloc (n ? n : 1, sizeof (*rf->attempts)))) {
        errno = ENOMEM;
        errprintf (err, "dataset /attempts: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rh5_attempt_t *s = &rows[i];
        report_attempt_t *a = &rf->attempts[i];
        a->task = s->task;
        a->attempt = s->attempt;
        a->worker = s->worker;
        a->node = pool_put (&pool, s->node);
        a->start_time = s->start_time;
        a->end_time = s->end_time;
        a->exit_code = s->exit_code;
        a->signal = s->signal;
        a->outcome = pool_put (&pool, s->outcome);
        a->reason = pool_put (&pool, s->reason);
        a->slots = s->slots;
        a->cpus = pool_put (&pool, s->cpus);
        a->rule = pool_put (&pool, s->rule);
        a->decision = pool_put (&pool, s->decision);
    }
    rf->r.nattempts = n;
    rf->r.attempts = rf->attempts;
    rc = 0;
out:
    reclaim_rows (kind, n, rows);
    return rc;
}

static int read_workers (report_file_t *rf, hid_t f, mb_error_t *err)
{
    size_t n = 0, total = 0;
    rh5_worker_t *rows = read_rows (f, "workers", RH5_WORKER, sizeof (*rows), &n, NULL, err);
    pool_t pool;
    int rc = -1;

    if (!rows)
        return -1;
    for (size_t i = 0; i < n; i++)
        total += slen (rows[i].node) + slen (rows[i].cpus);
    if (pool_init (rf, &pool, total, err) < 0)
        goto out;
    if (!(rf->workers = calloc (n ? n : 1, sizeof (*rf->workers)))) {
        errno = ENOMEM;
        errprintf (err, "dataset /workers: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rf->workers[i].rank = rows[i].rank;
        rf->workers[i].node = pool_put (&pool, rows[i].node);
        rf->workers[i].slots = rows[i].slots;
        rf->workers[i].cpus = pool_put (&pool, rows[i].cpus);
        rf->workers[i].tasks_run = rows[i].tasks_run;
        rf->workers[i].busy_seconds = rows[i].busy_seconds;
    }
    rf->r.nworkers = n;
    rf->r.workers_rows = rf->workers;
    rc = 0;
out:
    reclaim_rows (RH5_WORKER, n, rows);
    return rc;
}

report_file_t *report_open (const char *path, mb_error_t *err)
{
    rh5_quiet_t quiet;
    report_file_t *rf;
    hid_t f = -1;

    if (!(rf = calloc (1, sizeof (*rf)))) {
        errprintf (err, "%s: out of memory", path);
        return NULL;
    }
    rh5_quiet (&quiet);
    if ((f = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        rh5_fail (err, "%s: cannot open the report", path);
        goto error;
    }
    if (read_root (rf, f, err) < 0
        || read_config (rf, f, err) < 0
        || read_tasks (rf, f, err) < 0
        || read_attempts (rf, f, err) < 0
        || read_workers (rf, f, err) < 0
        || !(rf->params = rh5_params_read (f, err))) {
        /* Name the file in front of what went wrong inside it. */
        if (err) {
            mb_error_t inner = *err;
            errprintf (err, "%s: %s", path, inner.text);
        }
        goto error;
    }
    rf->r.sweeps = rh5_params_sweeps (rf->params, &rf->r.nsweeps);
    if (H5Fclose (f) < 0) {
        f = -1;
        rh5_fail (err, "%s: cannot close the report", path);
        goto error;
    }
    rh5_unquiet (&quiet);
    return rf;
error:
    if (f >= 0)
        H5Fclose (f);
    rh5_unquiet (&quiet);
    report_close (rf);
    return NULL;
}

const report_t *report_data (const report_file_t *rf)
{
    return rf ? &rf->r : NULL;
}

void report_close (report_file_t *rf)
{
    if (rf) {
        int saved = errno;
        for (int i = 0; i < rf->nblocks; i++)
            free (rf->blocks[i]);
        free (rf->tasks);
        free (rf->attempts);
        free (rf->workers);
        rh5_params_free (rf->params);
        free (rf);
        errno = saved;
    }
}
