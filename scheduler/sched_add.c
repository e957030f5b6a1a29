/* sched_add.c: creating the scheduler, requirement classes, and adding tasks (with their prerequisites) to a job at any time. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "scheduler/sched.h"
#include "scheduler/sched_priv.h"

/* ------------------------------------------------------------------ */
/* Requirement classes                                                 */

static int class_equal (const struct sched_class *k, uint32_t job, const sched_task_t *t)
{
    return k->job == job && k->slots == t->slots && k->gpus == t->gpus
        && k->memory == t->memory && k->instances == t->instances
        && k->max_retries == t->max_retries && k->max_requeues == t->max_requeues
        && k->on_failure == t->on_failure && k->time_request == t->time_request;
}

static uint64_t class_hash (uint32_t job, int slots, int gpus, int64_t memory, int instances,
                            int max_retries, int max_requeues, int on_failure,
                            double time_request)
{
    /* Hash the fields, not the struct: padding bytes are undefined. */
    int64_t v[9] = { slots, gpus, memory, instances, max_retries, max_requeues, on_failure,
                     (int64_t)(time_request * 1000.0), job };
    return hash_fnv1a64 (v, sizeof (v));
}

static uint64_t task_hash (uint32_t job, const sched_task_t *t)
{
    return class_hash (job, t->slots, t->gpus, t->memory, t->instances, t->max_retries,
                       t->max_requeues, t->on_failure, t->time_request);
}

static int task_valid (const sched_task_t *t)
{
    return t->slots >= 1 && t->gpus >= 0 && t->memory >= 0 && t->instances >= 1
        && (int64_t)t->instances * t->slots <= INT32_MAX && t->max_retries >= -1
        && t->max_requeues >= 0 && (t->on_failure == 0 || t->on_failure == 1);
}

/* Double the class table (it stays at most half full, so probes stay
 * short). */
static int table_grow (sched_t *s)
{
    size_t ncap = s->tcap ? 2 * s->tcap : 64;
    uint32_t *nt = malloc (ncap * sizeof (*nt));
    if (!nt)
        return -1;
    memset (nt, 0xff, ncap * sizeof (*nt));
    for (uint32_t c = 0; c < s->nclasses; c++) {
        const struct sched_class *k = &s->classes[c];
        size_t h = class_hash (k->job, k->slots, k->gpus, k->memory, k->instances,
                               k->max_retries, k->max_requeues, k->on_failure,
                               k->time_request)
                   & (ncap - 1);
        while (nt[h] != SCHED_NONE)
            h = (h + 1) & (ncap - 1);
        nt[h] = c;
    }
    free (s->table);
    s->table = nt;
    s->tcap = ncap;
    return 0;
}

/* The class of task t of job j, created (empty, not queued) if new.
 * Returns its index, or SCHED_NONE on ENOMEM.  A class created by a call
 * that fails later stays, empty: that is harmless. */
static uint32_t class_get (sched_t *s, uint32_t job, const sched_task_t *t)
{
    if (2 * ((size_t)s->nclasses + 1) > s->tcap && table_grow (s) < 0)
        return SCHED_NONE;
    size_t h = task_hash (job, t) & (s->tcap - 1);
    while (s->table[h] != SCHED_NONE && !class_equal (&s->classes[s->table[h]], job, t))
        h = (h + 1) & (s->tcap - 1);
    if (s->table[h] != SCHED_NONE)
        return s->table[h];

    struct sched_job *jb = &s->jobs[job];
    if (s->nclasses == s->ccap) {
        uint32_t ncap = s->ccap ? 2 * s->ccap : 16;
        struct sched_class *k = realloc (s->classes, ncap * sizeof (*k));
        if (!k)
            return SCHED_NONE;
        s->classes = k;
        uint32_t *q = realloc (s->queue, ncap * sizeof (*q));
        if (!q)
            return SCHED_NONE;
        s->queue = q;
        uint32_t *w = realloc (s->walk, ncap * sizeof (*w));
        if (!w)
            return SCHED_NONE;
        s->walk = w;
        s->ccap = ncap;
    }
    if (jb->nclasses == jb->ccap) {
        uint32_t ncap = jb->ccap ? 2 * jb->ccap : 4;
        uint32_t *l = realloc (jb->classes, ncap * sizeof (*l));
        if (!l)
            return SCHED_NONE;
        jb->classes = l;
        jb->ccap = ncap;
    }
    uint32_t c = s->nclasses++;
    struct sched_class *k = &s->classes[c];
    memset (k, 0, sizeof (*k));
    k->job = job;
    k->slots = t->slots;
    k->gpus = t->gpus;
    k->memory = t->memory;
    k->instances = t->instances;
    k->max_retries = t->max_retries;
    k->max_requeues = t->max_requeues;
    k->on_failure = t->on_failure;
    k->time_request = t->time_request;
    k->rank = ((int64_t)(1000 - jb->priority) << 32) | job;
    k->qpos = SCHED_NONE;
    jb->classes[jb->nclasses++] = c;
    s->table[h] = c;
    return c;
}

/* ------------------------------------------------------------------ */
/* Growth                                                              */

static int grow (void **p, size_t cap, size_t size)
{
    void *np = realloc (*p, cap * size);
    if (!np)
        return -1;
    *p = np;
    return 0;
}

/* Room for n tasks in every per-task array.  Arrays that grew before a
 * failure keep their contents: harmless. */
static int tasks_reserve (sched_t *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 16;
    while (cap < n)
        cap *= 2;
    if (grow ((void **)&s->state, cap, sizeof (*s->state)) < 0
        || grow ((void **)&s->attempts, cap, sizeof (*s->attempts)) < 0
        || grow ((void **)&s->requeues, cap, sizeof (*s->requeues)) < 0
        || grow ((void **)&s->depmode, cap, sizeof (*s->depmode)) < 0
        || grow ((void **)&s->aux, cap, sizeof (*s->aux)) < 0
        || grow ((void **)&s->cls, cap, sizeof (*s->cls)) < 0
        || grow ((void **)&s->prio, cap, sizeof (*s->prio)) < 0
        || grow ((void **)&s->dfirst, cap, sizeof (*s->dfirst)) < 0
        || grow ((void **)&s->dlast, cap, sizeof (*s->dlast)) < 0
        || grow ((void **)&s->events, cap, sizeof (*s->events)) < 0)
        return -1;
    s->cap = cap;
    return 0;
}

static int edges_reserve (sched_t *s, size_t n)
{
    if (n <= s->ecap)
        return 0;
    size_t cap = s->ecap ? s->ecap : 16;
    while (cap < n)
        cap *= 2;
    if (grow ((void **)&s->eto, cap, sizeof (*s->eto)) < 0
        || grow ((void **)&s->enext, cap, sizeof (*s->enext)) < 0)
        return -1;
    s->ecap = cap;
    return 0;
}

static int heap_reserve (struct sched_class *k, size_t n)
{
    if (n <= k->cap)
        return 0;
    size_t cap = k->cap ? 2 * (size_t)k->cap : 4;
    if (cap < n)
        cap = n;
    if (cap >= SCHED_NONE || grow ((void **)&k->heap, cap, sizeof (*k->heap)) < 0)
        return -1;
    k->cap = (uint32_t)cap;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Cycles inside a batch                                               */

/* Prerequisites of new task i (batch-relative), from the graph or CSR. */
struct batch {
    size_t first;
    size_t n;
    const graph_t *g;
    const uint32_t *off;
    const uint32_t *deps;
};

static const uint32_t *prereqs (const struct batch *b, size_t i, uint32_t *np)
{
    if (b->g)
        return graph_prereqs (b->g, (uint32_t)i, np);
    if (!b->off) {
        *np = 0;
        return NULL;
    }
    *np = b->off[i + 1] - b->off[i];
    return b->deps + b->off[i];
}

/* Depth-first search over the edges between tasks of the batch (the only
 * place a cycle can be: tasks already in the scheduler never depend on new
 * ones).  0 acyclic, 1 cycle, -1 ENOMEM. */
static int batch_cycle (const struct batch *b)
{
    uint8_t *color = calloc (b->n, 1);          /* 0 new, 1 on the path, 2 done */
    size_t (*stack)[2] = malloc (b->n * sizeof (*stack));
    int rc = -1;
    if (!color || !stack)
        goto out;
    rc = 0;
    for (size_t r = 0; r < b->n && !rc; r++) {
        if (color[r])
            continue;
        size_t sp = 0;
        stack[sp][0] = r;
        stack[sp++][1] = 0;
        color[r] = 1;
        while (sp > 0 && !rc) {
            size_t v = stack[sp - 1][0];
            uint32_t np;
            const uint32_t *p = prereqs (b, v, &np);
            if (stack[sp - 1][1] == np) {
                color[v] = 2;
                sp--;
                continue;
            }
            uint32_t d = p[stack[sp - 1][1]++];
            if (d < b->first)
                continue;
            size_t u = d - b->first;
            if (color[u] == 1)
                rc = 1;
            else if (color[u] == 0) {
                color[u] = 1;
                stack[sp][0] = u;
                stack[sp++][1] = 0;
            }
        }
    }
out:
    free (color);
    free (stack);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Adding tasks                                                        */

/* Validate, reserve, then commit: a failed call changes nothing visible. */
static int add_batch (sched_t *s, uint32_t job, const sched_task_t *reqs,
                      const struct batch *b)
{
    size_t n = b->n, first = s->n, nedges = 0;
    uint32_t *need = NULL;

    if (job >= s->njobs || s->stopped || s->jobs[job].stopped
        || first + n >= SCHED_NONE || (n > 0 && !reqs)) {
        errno = EINVAL;
        return -1;
    }
    if (b->off && b->off[0] != 0 && !b->g) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t np;
        const uint32_t *p;
        if (!task_valid (&reqs[i]) || (!b->g && b->off && b->off[i + 1] < b->off[i])) {
            errno = EINVAL;
            return -1;
        }
        p = prereqs (b, i, &np);
        for (uint32_t k = 0; k < np; k++)
            if (p[k] >= first + n) {
                errno = EINVAL;
                return -1;
            }
        nedges += np;
    }
    if (s->nedges + nedges >= SCHED_NONE) {
        errno = EINVAL;
        return -1;
    }
    /* A graph's cycles are the caller's to find (graph_find_cycle);
     * a batch is checked here. */
    if (!b->g && n > 0) {
        int rc = batch_cycle (b);
        if (rc != 0) {
            if (rc > 0)
                errno = EINVAL;
            return -1;
        }
    }
    struct sched_job *jb = &s->jobs[job];
    if (tasks_reserve (s, first + n) < 0 || edges_reserve (s, s->nedges + nedges) < 0)
        return -1;
    if (jb->nranges == jb->rcap) {
        size_t ncap = jb->rcap ? 2 * jb->rcap : 4;
        if (grow ((void **)&jb->ranges, ncap, sizeof (*jb->ranges)) < 0)
            return -1;
        jb->rcap = ncap;
    }
    /* Classes first (the new tasks' slots of cls are not visible yet),
     * then room in each class's heap for all its tasks. */
    for (size_t i = 0; i < n; i++) {
        uint32_t c = class_get (s, job, &reqs[i]);
        if (c == SCHED_NONE)
            return -1;
        s->cls[first + i] = c;
    }
    if (n > 0 && !(need = calloc (s->nclasses, sizeof (*need))))
        return -1;
    for (size_t i = 0; i < n; i++)
        need[s->cls[first + i]]++;
    for (uint32_t c = 0; n > 0 && c < s->nclasses; c++) {
        if (need[c] && heap_reserve (&s->classes[c], (size_t)s->classes[c].ntasks + need[c]) < 0) {
            free (need);
            return -1;
        }
    }

    /* Commit. */
    for (uint32_t c = 0; n > 0 && c < s->nclasses; c++)
        s->classes[c].ntasks += need[c];
    free (need);
    for (size_t i = 0; i < n; i++) {
        size_t t = first + i;
        s->state[t] = SCHED_PENDING;
        s->attempts[t] = 0;
        s->requeues[t] = 0;
        s->depmode[t] = -1;
        s->aux[t] = 0;
        s->prio[t] = reqs[i].priority;
        s->dfirst[t] = s->dlast[t] = SCHED_NONE;
    }
    s->n = first + n;
    s->counts[SCHED_PENDING] += n;
    jb->counts[SCHED_PENDING] += n;
    if (jb->nranges > 0 && jb->ranges[jb->nranges - 1][0] + jb->ranges[jb->nranges - 1][1] == first)
        jb->ranges[jb->nranges - 1][1] += (uint32_t)n;
    else if (n > 0) {
        jb->ranges[jb->nranges][0] = (uint32_t)first;
        jb->ranges[jb->nranges++][1] = (uint32_t)n;
    }
    /* Dependents in the order added: each prerequisite's list stays sorted
     * by dependent index, as the graph's is. */
    for (size_t i = 0; i < n; i++) {
        uint32_t np;
        const uint32_t *p = prereqs (b, i, &np);
        for (uint32_t k = 0; k < np; k++) {
            uint32_t e = (uint32_t)s->nedges++;
            s->eto[e] = (uint32_t)(first + i);
            s->enext[e] = SCHED_NONE;
            if (s->dlast[p[k]] == SCHED_NONE)
                s->dfirst[p[k]] = e;
            else
                s->enext[s->dlast[p[k]]] = e;
            s->dlast[p[k]] = e;
        }
    }
    if (!s->started)
        return 0;       /* sched_start works out who is ready */

    /* Running already: in index order, count the prerequisites not final
     * yet; a final one satisfies the task or blocks it as after its end.
     * A task skipped or released by an earlier one of the batch is
     * settled already; a release that reached a task before its count
     * (aux still 0) is overwritten by the count, which sees that
     * prerequisite final. */
    for (size_t i = 0; i < n; i++) {
        uint32_t t = (uint32_t)(first + i), np;
        if (s->state[t] != SCHED_PENDING)
            continue;
        const uint32_t *p = prereqs (b, i, &np);
        int blocked = 0;
        s->aux[t] = 0;
        for (uint32_t k = 0; k < np; k++) {
            unsigned st = s->state[p[k]];
            if (st < SCHED_SUCCEEDED)
                s->aux[t]++;
            else if (st != SCHED_SUCCEEDED && !s->classes[s->cls[p[k]]].on_failure)
                blocked = 1;
        }
        if (blocked) {
            sched_skip (s, t);
            sched_propagate (s, t);
        }
        else if (s->aux[t] == 0)
            sched_make_ready (s, t);
    }
    return 0;
}

int sched_add_tasks (sched_t *s, int job, size_t n, const sched_task_t *reqs,
                     const uint32_t *off, const uint32_t *deps, uint32_t *first)
{
    if (!s || job < 0 || (off && off[n] > off[0] && !deps)) {
        errno = EINVAL;
        return -1;
    }
    struct batch b = { .first = s->n, .n = n, .off = off, .deps = deps };
    uint32_t f = (uint32_t)s->n;
    if (add_batch (s, (uint32_t)job, reqs, &b) < 0)
        return -1;
    if (first)
        *first = f;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */

sched_t *sched_create (const graph_t *g, const sched_task_t *tasks, int fill)
{
    sched_t *s = NULL;

    if (fill != SCHED_FILL_SPREAD && fill != SCHED_FILL_PACK) {
        errno = EINVAL;
        return NULL;
    }
    if (!(s = calloc (1, sizeof (*s))))
        return NULL;
    s->fill = fill;
    s->time_left = -1;
    s->partfree = SCHED_NONE;
    /* Empty arrays still point somewhere, so nothing checks for NULL. */
    if (tasks_reserve (s, 1) < 0 || edges_reserve (s, 1) < 0 || table_grow (s) < 0)
        goto error;
    if (g) {
        struct batch b = { .first = 0, .n = graph_size (g), .g = g };
        if (sched_job_add (s, 0) < 0 || add_batch (s, 0, tasks, &b) < 0)
            goto error;
    }
    return s;
error:
    sched_destroy (s);
    return NULL;
}

void sched_tasks_destroy (sched_t *s)
{
    free (s->state);
    free (s->attempts);
    free (s->requeues);
    free (s->depmode);
    free (s->aux);
    free (s->cls);
    free (s->prio);
    free (s->dfirst);
    free (s->dlast);
    free (s->events);
    free (s->eto);
    free (s->enext);
    for (uint32_t c = 0; c < s->nclasses; c++)
        free (s->classes[c].heap);
    free (s->classes);
    free (s->table);
    free (s->queue);
    free (s->walk);
}

void sched_destroy (sched_t *s)
{
    if (s) {
        int saved = errno;
        sched_workers_destroy (s);
        sched_tasks_destroy (s);
        sched_jobs_destroy (s);
        free (s);
        errno = saved;
    }
}
