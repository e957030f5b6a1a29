/* report_params.c: reads /parameters/<sweep> of an HDF5 report back into
 * report_sweep_t rows, in the order the writer created them. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/report_h5.h"

/* Everything one read allocates, freed together by rh5_params_free. */
struct rh5_params {
    report_sweep_t *sweeps;
    size_t nsweeps;
    void **mem;
    size_t nmem, capmem;
};

static void *keep (rh5_params_t *p, void *x)
{
    if (!x)
        return NULL;
    if (p->nmem == p->capmem) {
        size_t c = p->capmem ? p->capmem * 2 : 32;
        void **m = realloc (p->mem, c * sizeof (*m));
        if (!m) {
            free (x);
            return NULL;
        }
        p->mem = m;
        p->capmem = c;
    }
    p->mem[p->nmem++] = x;
    return x;
}

/* The names of a group's links, in creation order when the group tracks
 * it (reports written since it does), else by name. */
typedef struct {
    rh5_params_t *p;
    char **names;
    size_t n, cap;
    int oom;
} names_t;

static herr_t name_cb (hid_t g, const char *name, const H5L_info_t *info, void *arg)
{
    names_t *N = arg;
    (void)g;
    (void)info;
    if (N->n == N->cap) {
        size_t c = N->cap ? N->cap * 2 : 8;
        char **v = realloc (N->names, c * sizeof (*v));
        if (!v) {
            N->oom = 1;
            return -1;
        }
        N->names = v;
        N->cap = c;
    }
    if (!(N->names[N->n] = keep (N->p, strdup (name)))) {
        N->oom = 1;
        return -1;
    }
    N->n++;
    return 0;
}

static int list_names (hid_t g, names_t *N)
{
    hsize_t idx = 0;
    if (H5Literate (g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, name_cb, N) >= 0)
        return 0;
    if (N->oom)
        return -1;
    H5Eclear2 (H5E_DEFAULT);
    N->n = 0;
    idx = 0;
    return H5Literate (g, H5_INDEX_NAME, H5_ITER_INC, &idx, name_cb, N) < 0 ? -1 : 0;
}

/* One parameter dataset as strings: float64 values printed as %.15g (350.5,
 * 0.001, 3), strings as they are.  n must be its length. */
static const char **read_values (rh5_params_t *p, hid_t g, const char *name, size_t n)
{
    hid_t d = -1, ft = -1, mt = -1;
    const char **out = NULL;
    if ((d = H5Dopen2 (g, name, H5P_DEFAULT)) < 0 || (ft = H5Dget_type (d)) < 0)
        goto out;
    if (!(out = keep (p, calloc (n ? n : 1, sizeof (*out)))))
        goto out;
    if (H5Tget_class (ft) == H5T_STRING) {
        char **v = calloc (n ? n : 1, sizeof (*v));
        hsize_t dims[1] = { n };
        hid_t sp;
        size_t total = 0;
        char *pool;
        if (!v || (mt = rh5_str_type ()) < 0
            || (n && H5Dread (d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)) {
            free (v);
            out = NULL;
            goto out;
        }
        for (size_t k = 0; k < n; k++)
            total += (v[k] ? strlen (v[k]) : 0) + 1;
        if ((pool = keep (p, malloc (total ? total : 1)))) {
            for (size_t k = 0; k < n; k++) {
                size_t l = v[k] ? strlen (v[k]) : 0;
                memcpy (pool, v[k] ? v[k] : "", l + 1);
                out[k] = pool;
                pool += l + 1;
            }
        }
        else
            out = NULL;
        if (n && (sp = H5Screate_simple (1, dims, NULL)) >= 0) {
            H5Dvlen_reclaim (mt, sp, H5P_DEFAULT, v);
            H5Sclose (sp);
        }
        free (v);
    }
    else {
        double *x = malloc ((n ? n : 1) * sizeof (*x));
        char *pool = keep (p, malloc ((n ? n : 1) * 24));
        if (!x || !pool || (n && H5Dread (d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                          H5P_DEFAULT, x) < 0)) {
            free (x);
            out = NULL;
            goto out;
        }
        for (size_t k = 0; k < n; k++) {
            snprintf (pool + 24 * k, 24, "%.15g", x[k]);
            out[k] = pool + 24 * k;
        }
        free (x);
    }
out:
    if (mt >= 0)
        H5Tclose (mt);
    if (ft >= 0)
        H5Tclose (ft);
    if (d >= 0)
        H5Dclose (d);
    return out;
}

static int read_sweep (rh5_params_t *p, hid_t parent, const char *name, report_sweep_t *sw,
                       mb_error_t *err)
{
    names_t N = { p, NULL, 0, 0, 0 };
    hid_t g = -1, d = -1, sp = -1;
    hssize_t n;
    uint32_t *rows = NULL;
    int rc = -1;

    sw->name = name;
    if ((g = H5Gopen2 (parent, name, H5P_DEFAULT)) < 0
        || (d = H5Dopen2 (g, "task", H5P_DEFAULT)) < 0
        || (sp = H5Dget_space (d)) < 0
        || (n = H5Sget_simple_extent_npoints (sp)) < 0
        || !(rows = keep (p, calloc (n ? (size_t)n : 1, sizeof (*rows))))
        || (n && H5Dread (d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
        || list_names (g, &N) < 0) {
        rh5_fail (err, "/parameters/%s", name);
        goto out;
    }
    sw->ntasks = (size_t)n;
    sw->rows = rows;
    const char **pn = keep (p, calloc (N.n + 1, sizeof (*pn)));
    const char ***vals = keep (p, calloc (N.n + 1, sizeof (*vals)));
    if (!pn || !vals) {
        errno = ENOMEM;
        errprintf (err, "/parameters/%s: out of memory", name);
        goto out;
    }
    sw->param_names = pn;
    sw->values = vals;
    for (size_t i = 0; i < N.n; i++) {
        if (!strcmp (N.names[i], "task"))
            continue;
        if (!(vals[sw->nparams] = read_values (p, g, N.names[i], sw->ntasks))) {
            rh5_fail (err, "/parameters/%s/%s", name, N.names[i]);
            goto out;
        }
        pn[sw->nparams++] = N.names[i];
    }
    rc = 0;
out:
    free (N.names);
    if (sp >= 0)
        H5Sclose (sp);
    if (d >= 0)
        H5Dclose (d);
    if (g >= 0)
        H5Gclose (g);
    return rc;
}

rh5_params_t *rh5_params_read (hid_t f, mb_error_t *err)
{
    rh5_params_t *p = calloc (1, sizeof (*p));
    names_t N = { p, NULL, 0, 0, 0 };
    hid_t g = -1;

    if (!p) {
        errno = ENOMEM;
        errprintf (err, "/parameters: out of memory");
        return NULL;
    }
    if (H5Lexists (f, "parameters", H5P_DEFAULT) <= 0)
        return p;
    if ((g = H5Gopen2 (f, "parameters", H5P_DEFAULT)) < 0 || list_names (g, &N) < 0) {
        rh5_fail (err, "group /parameters");
        goto error;
    }
    if (!(p->sweeps = keep (p, calloc (N.n + 1, sizeof (*p->sweeps))))) {
        errno = ENOMEM;
        errprintf (err, "/parameters: out of memory");
        goto error;
    }
    for (size_t i = 0; i < N.n; i++)
        if (read_sweep (p, g, N.names[i], &p->sweeps[p->nsweeps++], err) < 0)
            goto error;
    free (N.names);
    H5Gclose (g);
    return p;
error:
    free (N.names);
    if (g >= 0)
        H5Gclose (g);
    rh5_params_free (p);
    return NULL;
}

const report_sweep_t *rh5_params_sweeps (const rh5_params_t *p, size_t *n)
{
    *n = p ? p->nsweeps : 0;
    return p ? p->sweeps : NULL;
}

void rh5_params_free (rh5_params_t *p)
{
    if (p) {
        int saved = errno;
        for (size_t i = 0; i < p->nmem; i++)
            free (p->mem[i]);
        free (p->mem);
        free (p);
        errno = saved;
    }
}
