/* service_tasks.c: the job's tasks by global index: the job file's
 * (part 0), then every batch `mpibatch add` brought while the job runs. */
#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/service/service_int.h"

/* The part number holding global index g.  A run without additions has
 * one part: no search on the hot path. */
static int part_no (const service_t *svc, size_t g)
{
    if (svc->nparts <= 1)
        return 0;
    int lo = 0, hi = svc->nparts - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (svc->part_first[mid] <= g)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The part holding global index g, and g's index inside it. */
static const jobfile_t *part_of (const service_t *svc, size_t g, size_t *local)
{
    int p = part_no (svc, g);
    *local = g - svc->part_first[p];
    return svc->parts[p];
}

svc_job_t *svc_task_job (const service_t *svc, size_t g, size_t *local)
{
    if (svc->nparts <= 1) {
        *local = g;
        return svc->jobs[0];
    }
    int p = part_no (svc, g);
    *local = svc->part_local[p] + (g - svc->part_first[p]);
    return svc->part_job[p];
}

int svc_task_get (service_t *svc, size_t g, jobfile_task_t *t)
{
    size_t i;
    const jobfile_t *jf = part_of (svc, g, &i);
    if (jobfile_task_get (jf, i, t) < 0)
        return -1;
    /* The index inside its part is not the job's: the wire numbers tasks
     * globally (the journal and the report by their job's index). */
    t->index = g;
    return 0;
}

const char *svc_task_id (service_t *svc, size_t g, char *buf, size_t len)
{
    size_t i;
    const jobfile_t *jf = part_of (svc, g, &i);
    return jobfile_task_id (jf, i, buf, len);
}

void svc_task_reqs (service_t *svc, size_t g, jobfile_reqs_t *r)
{
    size_t i;
    const jobfile_t *jf = part_of (svc, g, &i);
    jobfile_task_reqs (jf, i, r);
}

uint64_t svc_task_digest (service_t *svc, size_t g)
{
    size_t i;
    const jobfile_t *jf = part_of (svc, g, &i);
    return jobfile_task_digest (jf, i);
}

long svc_task_find (service_t *svc, const svc_job_t *J, const char *id)
{
    if (svc->nparts <= 1)
        return svc->nparts && svc->part_job[0] == J ? jobfile_task_find (J->jf, id) : -1;
    for (int p = 0; p < svc->nparts; p++) {
        if (svc->part_job[p] != J)
            continue;
        long i = jobfile_task_find (svc->parts[p], id);
        if (i >= 0)
            return (long)svc->part_first[p] + i;
    }
    return -1;
}

static int parts_alloc (service_t *svc)
{
    svc->parts_cap = 4;
    if (!(svc->parts = calloc ((size_t)svc->parts_cap, sizeof (*svc->parts)))
        || !(svc->part_first = calloc ((size_t)svc->parts_cap + 1, sizeof (uint32_t)))
        || !(svc->part_job = calloc ((size_t)svc->parts_cap, sizeof (*svc->part_job)))
        || !(svc->part_local = calloc ((size_t)svc->parts_cap, sizeof (uint32_t))))
        return -1;
    return 0;
}

int svc_parts_init (service_t *svc)
{
    svc_job_t *J = svc->jobs[0];
    if (parts_alloc (svc) < 0)
        return -1;
    svc->parts[0] = J->jf;
    svc->part_job[0] = J;
    svc->part_local[0] = 0;
    svc->nparts = 1;
    svc->part_first[0] = 0;
    svc->part_first[1] = (uint32_t)jobfile_ntasks (J->jf);
    J->ntasks = jobfile_ntasks (J->jf);
    return 0;
}

void svc_parts_free (service_t *svc)
{
    /* A job's own job file is its part and is freed with the job. */
    for (int p = 0; p < svc->nparts; p++)
        if (svc->parts[p] != svc->part_job[p]->jf)
            jobfile_destroy (svc->parts[p]);
    free (svc->parts);
    free (svc->part_first);
    free (svc->part_job);
    free (svc->part_local);
    svc->parts = NULL;
    svc->part_first = NULL;
    svc->part_job = NULL;
    svc->part_local = NULL;
    svc->nparts = 0;
}

static int is_pattern (const char *s) { return strpbrk (s, "*?[") != NULL; }

static int push (uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        uint32_t *t = realloc (*v, c * sizeof (*t));
        if (!t)
            return -1;
        *v = t;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return 0;
}

/* Append the global indices of the job's tasks (those before the batch)
 * that `dep` (an id or a pattern) names to *v.  Returns how many matched,
 * -1 on ENOMEM. */
static long match_earlier (service_t *svc, const svc_job_t *J, const char *dep, uint32_t **v,
                           size_t *n, size_t *cap)
{
    if (!is_pattern (dep)) {
        long k = svc_task_find (svc, J, dep);
        if (k < 0)
            return 0;
        return push (v, n, cap, (uint32_t)k) < 0 ? -1 : 1;
    }
    long found = 0;
    char id[80];
    for (size_t l = 0; l < J->ntasks; l++) {
        size_t g = svc_job_global (J, l);
        if (fnmatch (dep, svc_task_id (svc, g, id, sizeof (id)), FNM_CASEFOLD) != 0)
            continue;
        if (push (v, n, cap, (uint32_t)g) < 0)
            return -1;
        found++;
    }
    return found;
}

int svc_part_load (service_t *svc, svc_job_t *J, const pool_req_t *r, const char *prefix,
                   jobfile_t **part, uint32_t **offp, uint32_t **depsp, char *reason,
                   size_t rlen)
{
    errlist_t *errs = errlist_create (20);
    jobfile_t *t = errs ? pool_req_tasks (r, J->jf, prefix, errs) : NULL;
    uint32_t *off = NULL, *deps = NULL;
    size_t nd = 0, cap = 0;
    jobfile_task_t task = { 0 };
    reason[0] = '\0';
    if (!t) {
        size_t o = 0;
        for (int k = 0; errs && k < errlist_kept (errs) && o + 2 < rlen; k++)
            o += (size_t)snprintf (reason + o, rlen - o, "%s%s", k ? "\n" : "",
                                   errlist_get (errs, k));
        if (!reason[0])
            snprintf (reason, rlen, "cannot load the tasks: %s", strerror (errno));
        goto error;
    }
    size_t n = jobfile_ntasks (t);
    const uint32_t *ioff, *ideps;
    jobfile_deps (t, &ioff, &ideps);
    if (!(off = calloc (n + 1, sizeof (*off)))) {
        snprintf (reason, rlen, "out of memory");
        goto error;
    }
    uint32_t base = (uint32_t)svc->ntasks;
    char id[80];
    for (size_t i = 0; i < n; i++) {
        jobfile_task_id (t, i, id, sizeof (id));
        if (svc_task_find (svc, J, id) >= 0) {
            snprintf (reason, rlen, "task '%s' is already in job '%s'", id, J->job->id);
            goto error;
        }
        if (jobfile_task_get (t, i, &task) < 0) {
            snprintf (reason, rlen, "out of memory");
            goto error;
        }
        /* Inside the batch: the loader's edges. */
        for (uint32_t k = ioff[i]; k < ioff[i + 1]; k++)
            if (push (&deps, &nd, &cap, base + ideps[k]) < 0) {
                snprintf (reason, rlen, "out of memory");
                goto error;
            }
        /* Outside: the job's earlier tasks, matched now. */
        for (int d = 0; d < task.ndepends; d++) {
            const char *dep = task.depends_on[d];
            int inside = !is_pattern (dep) && jobfile_task_find (t, dep) >= 0;
            if (inside)
                continue;
            long m = match_earlier (svc, J, dep, &deps, &nd, &cap);
            if (m < 0) {
                snprintf (reason, rlen, "out of memory");
                goto error;
            }
            if (m == 0 && !is_pattern (dep)) {
                snprintf (reason, rlen, "%s:%d: task '%s' depends on '%s': no such task in "
                          "job '%s'", task.file, task.line, id, dep, J->job->id);
                goto error;
            }
        }
        off[i + 1] = (uint32_t)nd;
    }
    jobfile_task_clear (&task);
    errlist_destroy (errs);
    *part = t;
    *offp = off;
    *depsp = deps;
    return 0;
error:
    jobfile_task_clear (&task);
    errlist_destroy (errs);
    jobfile_destroy (t);
    free (off);
    free (deps);
    return -1;
}

/* Grow a per-task array of `size`-byte items from n to m entries (+1, as
 * they are allocated), filling the new ones with byte `fill`. */
static int grow (void *pp, size_t size, size_t n, size_t m, int fill)
{
    void **p = pp;
    if (!*p)
        return 0;
    char *q = realloc (*p, (m + 1) * size);
    if (!q)
        return -1;
    memset (q + (n + 1) * size, fill, (m - n) * size);
    *p = q;
    return 0;
}

int svc_parts_append (service_t *svc, svc_job_t *J, jobfile_t *part)
{
    size_t n = svc->ntasks, k = jobfile_ntasks (part), m = n + k;
    if (!svc->parts && parts_alloc (svc) < 0)
        return -1;
    if (svc->nparts == svc->parts_cap) {
        int c = svc->parts_cap * 2;
        jobfile_t **p = realloc (svc->parts, (size_t)c * sizeof (*p));
        if (!p)
            return -1;
        svc->parts = p;
        uint32_t *f = realloc (svc->part_first, ((size_t)c + 1) * sizeof (*f));
        if (!f)
            return -1;
        svc->part_first = f;
        svc_job_t **pj = realloc (svc->part_job, (size_t)c * sizeof (*pj));
        if (!pj)
            return -1;
        svc->part_job = pj;
        uint32_t *pl = realloc (svc->part_local, (size_t)c * sizeof (*pl));
        if (!pl)
            return -1;
        svc->part_local = pl;
        svc->parts_cap = c;
    }
    if (J->gidx && J->ntasks + k > J->gidx_cap) {
        size_t c = (J->ntasks + k) * 2;
        uint32_t *gi = realloc (J->gidx, c * sizeof (*gi));
        if (!gi)
            return -1;
        J->gidx = gi;
        J->gidx_cap = c;
    }
    /* The arrays keep their n+1 entries' contents; the last old entry
     * (the spare) is left as it was and the new ones start after it. */
    if (grow (&svc->ready_time, sizeof (double), n, m, 0) < 0
        || grow (&svc->last_attempt, sizeof (int32_t), n, m, 0xff) < 0
        || grow (&svc->last_started, sizeof (uint16_t), n, m, 0) < 0
        || grow (&svc->attempt_base, sizeof (uint16_t), n, m, 0) < 0
        || grow (&svc->prev_counted, sizeof (uint16_t), n, m, 0) < 0
        || grow (&svc->prev_requeues, sizeof (uint16_t), n, m, 0) < 0
        || grow (&svc->prev_deps, 1, n, m, 0) < 0
        || grow (&svc->prev_state, 1, n, m, 0) < 0
        || grow (&svc->cancelled, 1, n, m, 0) < 0)
        return -1;
    /* The old spare entry becomes task n's. */
    if (svc->ready_time)
        svc->ready_time[n] = 0;
    if (svc->last_attempt)
        svc->last_attempt[n] = -1;
    if (svc->last_started)
        svc->last_started[n] = 0;
    if (svc->attempt_base)
        svc->attempt_base[n] = 0;
    if (svc->prev_counted)
        svc->prev_counted[n] = 0;
    if (svc->prev_requeues)
        svc->prev_requeues[n] = 0;
    if (svc->prev_deps)
        svc->prev_deps[n] = 0;
    if (svc->prev_state)
        svc->prev_state[n] = 0;
    if (svc->cancelled)
        svc->cancelled[n] = 0;
    if (J->gidx)
        for (size_t i = 0; i < k; i++)
            J->gidx[J->ntasks + i] = (uint32_t)(n + i);
    svc->parts[svc->nparts] = part;
    svc->part_job[svc->nparts] = J;
    svc->part_local[svc->nparts] = (uint32_t)J->ntasks;
    svc->nparts++;
    svc->part_first[svc->nparts] = (uint32_t)m;
    svc->part_first[0] = 0;
    svc->ntasks = m;
    J->ntasks += k;
    return 0;
}
