/* sched_place.c: workers (their ends and per-job exclusions), and the placement of ready tasks on them (fill policy, reservations, multi-instance). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/sched.h"
#include "scheduler/sched_priv.h"

#define MAX_PARTS 64

/* ------------------------------------------------------------------ */
/* Workers                                                             */

static struct sched_worker *worker_find (const sched_t *s, int id)
{
    uint32_t lo = 0, hi = s->nworkers;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct sched_worker *w = &s->workers[s->byid[mid]];
        if (w->id == id)
            return w;
        if (w->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The latest end of an enabled worker (INFINITY when one has none), so
 * that sched_next passes over a task no worker has the time for as
 * cheaply as over one held back by the global time left.  Recomputed
 * only when a worker's end, state or presence changes. */
static void ends_update (sched_t *s)
{
    double m = -INFINITY;
    if (s->nends == 0)
        m = INFINITY;
    for (uint32_t i = 0; i < s->nworkers && m < INFINITY; i++) {
        double e = s->wcold[i].end;
        if (s->workers[i].enabled && (e < 0 || e > m))
            m = e < 0 ? INFINITY : e;
    }
    s->maxend = m;
}

int sched_worker_add (sched_t *s, int id, int node, int slots, int gpus, int64_t memory)
{
    uint32_t *list = NULL;

    if (!s || id < 0 || id >= (1 << 20) || slots < 1 || gpus < 0 || memory < 0
        || (uint64_t)s->partcap + (uint64_t)slots + 1 >= SCHED_NONE) {
        errno = EINVAL;
        return -1;
    }
    if (worker_find (s, id)) {
        errno = EEXIST;
        return -1;
    }
    /* Allocate everything first: a failed call changes nothing (arrays
     * that grew but are not used yet are harmless).  Every running part
     * holds at least one slot, and a worker holds at most one task beyond
     * its slots (sched_set_ahead): slots + 1 parts, here and in the pool. */
    if (!(list = malloc (((size_t)slots + 1) * sizeof (*list))))
        goto error;
    struct sched_worker *ws = realloc (s->workers, (s->nworkers + 1) * sizeof (*ws));
    if (!ws)
        goto error;
    s->workers = ws;
    struct sched_wcold *wc = realloc (s->wcold, (s->nworkers + 1) * sizeof (*wc));
    if (!wc)
        goto error;
    s->wcold = wc;
    uint32_t *byid = realloc (s->byid, (s->nworkers + 1) * sizeof (*byid));
    if (!byid)
        goto error;
    s->byid = byid;
    /* Entries a removed worker left in the pool serve first, so workers
     * that come and go do not grow it for ever. */
    if (s->partspare >= (uint32_t)slots + 1)
        s->partspare -= (uint32_t)slots + 1;
    else {
        uint32_t ncap = s->partcap + (uint32_t)slots + 1;
        struct sched_part *parts = realloc (s->parts, ncap * sizeof (*parts));
        if (!parts)
            goto error;
        s->parts = parts;
        for (uint32_t p = ncap; p-- > s->partcap;) {
            s->parts[p].next = s->partfree;
            s->partfree = p;
        }
        s->partcap = ncap;
    }

    uint32_t wi = s->nworkers++;
    struct sched_worker *w = &s->workers[wi];
    memset (w, 0, sizeof (*w));
    w->id = id;
    w->node = node;
    w->slots = w->free_slots = slots;
    w->gpus = w->free_gpus = gpus;
    w->memory = w->free_memory = memory;
    w->enabled = 1;
    w->parts = list;
    memset (&s->wcold[wi], 0, sizeof (s->wcold[wi]));
    s->wcold[wi].end = -1;
    uint32_t i = wi;
    while (i > 0 && s->workers[s->byid[i - 1]].id > id) {
        s->byid[i] = s->byid[i - 1];
        i--;
    }
    s->byid[i] = wi;
    ends_update (s);
    return 0;
error:
    free (list);
    return -1;
}

int sched_worker_enable (sched_t *s, int id, int enabled)
{
    struct sched_worker *w = s ? worker_find (s, id) : NULL;
    if (!w) {
        errno = ENOENT;
        return -1;
    }
    w->enabled = enabled ? 1 : 0;
    if (s->nends > 0)
        ends_update (s);
    return 0;
}

int sched_worker_set_end (sched_t *s, int id, double end)
{
    struct sched_worker *w = s ? worker_find (s, id) : NULL;
    if (!w) {
        errno = ENOENT;
        return -1;
    }
    if (isnan (end)) {
        errno = EINVAL;
        return -1;
    }
    struct sched_wcold *wc = &s->wcold[w - s->workers];
    int had = wc->end >= 0, has = end >= 0;
    s->nends = s->nends + (uint32_t)has - (uint32_t)had;
    wc->end = has ? end : -1;
    ends_update (s);
    return 0;
}

void sched_set_now (sched_t *s, double now)
{
    if (s)
        s->now = now;
}

/* Where job j is (or would go) in worker w's list of excluded jobs. */
static uint32_t excl_pos (const struct sched_wcold *w, uint32_t j)
{
    uint32_t lo = 0, hi = w->nexcl;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (w->excl[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int excludes (const struct sched_wcold *w, uint32_t j)
{
    uint32_t i = excl_pos (w, j);
    return i < w->nexcl && w->excl[i] == j;
}

int sched_job_exclude_worker (sched_t *s, int job, int id, int excluded)
{
    if (!s || job < 0 || (uint32_t)job >= s->njobs) {
        errno = EINVAL;
        return -1;
    }
    struct sched_worker *x = worker_find (s, id);
    if (!x) {
        errno = ENOENT;
        return -1;
    }
    struct sched_wcold *w = &s->wcold[x - s->workers];
    uint32_t j = (uint32_t)job, i = excl_pos (w, j);
    int has = i < w->nexcl && w->excl[i] == j;
    if (!excluded == !has)
        return 0;
    if (has) {
        memmove (&w->excl[i], &w->excl[i + 1], (w->nexcl - i - 1) * sizeof (*w->excl));
        w->nexcl--;
        s->jobs[j].nexcl--;
        return 0;
    }
    if (w->nexcl == w->xcap) {
        uint32_t ncap = w->xcap ? 2 * w->xcap : 4;
        uint32_t *l = realloc (w->excl, ncap * sizeof (*l));
        if (!l)
            return -1;
        w->excl = l;
        w->xcap = ncap;
    }
    memmove (&w->excl[i + 1], &w->excl[i], (w->nexcl - i) * sizeof (*w->excl));
    w->excl[i] = j;
    w->nexcl++;
    s->jobs[j].nexcl++;
    return 0;
}

int sched_job_workers (const sched_t *s, int job)
{
    if (!s || job < 0 || (uint32_t)job >= s->njobs) {
        errno = EINVAL;
        return -1;
    }
    int n = 0;
    for (uint32_t i = 0; i < s->nworkers; i++) {
        const struct sched_worker *x = &s->workers[i];
        n += x->enabled && !(s->jobs[job].nexcl > 0 && excludes (&s->wcold[i], (uint32_t)job));
    }
    return n;
}

int sched_worker_remove (sched_t *s, int id)
{
    struct sched_worker *w = s ? worker_find (s, id) : NULL;
    if (!w) {
        errno = ENOENT;
        return -1;
    }
    if (w->nparts > 0) {
        errno = EBUSY;
        return -1;
    }
    /* Parts name workers by index: move the last worker into the hole and
     * renumber its parts.  The removed worker's part entries stay in the
     * pool, spare for the next worker added. */
    uint32_t wi = (uint32_t)(w - s->workers), last = s->nworkers - 1;
    s->partspare += (uint32_t)w->slots + 1;
    free (w->parts);
    /* Its exclusions and end go with it: the id may come back as another
     * node. */
    struct sched_wcold *wc = &s->wcold[wi];
    for (uint32_t i = 0; i < wc->nexcl; i++)
        s->jobs[wc->excl[i]].nexcl--;
    free (wc->excl);
    if (wc->end >= 0)
        s->nends--;
    if (wi != last) {
        s->workers[wi] = s->workers[last];
        s->wcold[wi] = s->wcold[last];
        for (uint32_t i = 0; i < s->workers[wi].nparts; i++)
            s->parts[s->workers[wi].parts[i]].worker = wi;
    }
    s->nworkers--;
    uint32_t o = 0;
    for (uint32_t i = 0; i < s->nworkers + 1; i++) {
        uint32_t x = s->byid[i];
        if (x == wi)
            continue;
        s->byid[o++] = x == last ? wi : x;
    }
    ends_update (s);
    return 0;
}

void sched_workers_destroy (sched_t *s)
{
    for (uint32_t i = 0; i < s->nworkers; i++) {
        free (s->workers[i].parts);
        free (s->wcold[i].excl);
    }
    free (s->workers);
    free (s->wcold);
    free (s->byid);
    free (s->parts);
}

size_t sched_worker_tasks (const sched_t *s, int id, uint32_t *out, size_t max)
{
    const struct sched_worker *w = s ? worker_find (s, id) : NULL;
    if (!w)
        return 0;
    for (uint32_t i = 0; i < w->nparts && i < max; i++)
        out[i] = s->parts[w->parts[i]].task;
    return w->nparts;
}

/* ------------------------------------------------------------------ */
/* Fitting                                                             */

/* How many instances of class k the worker holds now (idle = 0) or when
 * nothing runs on it (idle = 1). */
static int64_t capacity (const struct sched_worker *w, const struct sched_class *k, int idle)
{
    int64_t n = (idle ? w->slots : w->free_slots) / k->slots;
    if (k->gpus > 0) {
        int64_t g = (idle ? w->gpus : w->free_gpus) / k->gpus;
        if (g < n)
            n = g;
    }
    /* Unknown worker memory (0) constrains nothing. */
    if (k->memory > 0 && w->memory > 0) {
        int64_t m = (idle ? w->memory : w->free_memory) / k->memory;
        if (m < n)
            n = m;
    }
    return n;
}

/* What a worker must pass for class k beyond its resources: its job not
 * excluded there, and (with timed) the time left there.  Worked out once
 * per class and call, so that with no exclusion and no end the workers
 * cost nothing more. */
struct gate {
    int excl;            /* k's job is excluded from some worker */
    int timed;           /* some worker has an end and k asks for time */
};

static struct gate gate_of (const sched_t *s, const struct sched_class *k, int timed)
{
    struct gate g = { s->jobs[k->job].nexcl > 0, timed && s->nends > 0 && k->time_request > 0 };
    return g;
}

/* The time left on a worker with an end is end - now; time_left (global)
 * is checked once per class, by held_back. */
static int gate_pass (const sched_t *s, struct gate g, const struct sched_worker *x,
                      const struct sched_class *k)
{
    const struct sched_wcold *c = &s->wcold[x - s->workers];
    if (g.excl && excludes (c, k->job))
        return 0;
    if (g.timed && c->end >= 0 && k->time_request > c->end - s->now)
        return 0;
    return 1;
}

/* Choose up to MAX_PARTS workers for the instances of class k, most
 * instances first (counting at most what is still needed, so any worker
 * able to take the rest is as good as another), then most slots (free, or
 * total when idle), then lowest id.  Workers reserved by a task ahead are
 * left out when skip_reserved, workers k's job is excluded from always,
 * and (with timed) workers without k's time_request left.  Fills w[] and
 * take[] and *np; returns the instances covered (at most k->instances). */
static int64_t choose (sched_t *s, const struct sched_class *k, int idle, int skip_reserved,
                       int timed, uint32_t *w, int *take, int *np)
{
    struct gate g = gate_of (s, k, timed);
    int gated = g.excl || g.timed;
    int64_t rem = k->instances;
    int n = 0;
    /* Workers that may not take k are marked as if already chosen, so the
     * loop below is the same with or without exclusions and ends. */
    if (gated)
        for (uint32_t i = 0; i < s->nworkers; i++)
            s->workers[i].mark = !gate_pass (s, g, &s->workers[i], k);
    while (n < MAX_PARTS && rem > 0) {
        uint32_t best = SCHED_NONE;
        int64_t bcap = 0;
        int bslots = 0;
        for (uint32_t i = 0; i < s->nworkers; i++) {
            uint32_t wi = s->byid[i];
            struct sched_worker *x = &s->workers[wi];
            if (!x->enabled || x->mark || (skip_reserved && x->reserved))
                continue;
            int64_t c = capacity (x, k, idle);
            if (c > rem)
                c = rem;
            int sl = idle ? x->slots : x->free_slots;
            if (c > bcap || (c == bcap && c > 0 && sl > bslots)) {
                best = wi;
                bcap = c;
                bslots = sl;
            }
        }
        if (best == SCHED_NONE)
            break;
        s->workers[best].mark = 1;
        w[n] = best;
        take[n] = (int)bcap;
        rem -= bcap;
        n++;
    }
    if (gated)
        for (uint32_t i = 0; i < s->nworkers; i++)
            s->workers[i].mark = 0;
    else
        for (int i = 0; i < n; i++)
            s->workers[w[i]].mark = 0;
    *np = n;
    return k->instances - rem;
}

/* Where class k goes now, by the fill policy, avoiding reserved workers.
 * Returns the number of parts, 0 if it does not fit now. */
static int place (sched_t *s, const struct sched_class *k, uint32_t *w, int *take)
{
    int np;
    if (k->instances == 1 && s->fill == SCHED_FILL_PACK) {
        struct gate g = gate_of (s, k, 1);
        int gated = g.excl || g.timed;
        for (uint32_t i = 0; i < s->nworkers; i++) {
            uint32_t wi = s->byid[i];
            struct sched_worker *x = &s->workers[wi];
            if (x->enabled && !x->reserved && capacity (x, k, 0) >= 1
                && (!gated || gate_pass (s, g, x, k))) {
                w[0] = wi;
                take[0] = 1;
                return 1;
            }
        }
        return 0;
    }
    /* Spread for one instance is "most free slots, then lowest id", which
     * is what choose() prefers among workers that fit. */
    if (choose (s, k, 0, 1, 1, w, take, &np) < k->instances)
        return 0;
    return np;
}

/* Class k's head does not fit now: hold back the workers it will need
 * (the largest first) so that smaller tasks do not keep them busy for
 * ever.  Nothing is reserved when the unreserved workers could not hold
 * it even idle: then it waits behind the tasks holding the others.  Only
 * workers that may take it count (its job not excluded, its time left):
 * a worker is never kept idle for a task that cannot start there. */
static void reserve (sched_t *s, const struct sched_class *k)
{
    uint32_t w[MAX_PARTS];
    int take[MAX_PARTS];
    int np;
    if (choose (s, k, 1, 1, 1, w, take, &np) < k->instances)
        return;
    for (int i = 0; i < np; i++)
        s->workers[w[i]].reserved = 1;
}

/* True while some enabled, unreserved worker has a free slot: otherwise
 * nothing more can be placed in this call. */
static int any_room (const sched_t *s)
{
    for (uint32_t i = 0; i < s->nworkers; i++) {
        const struct sched_worker *x = &s->workers[i];
        if (x->enabled && !x->reserved && x->free_slots > 0)
            return 1;
    }
    return 0;
}

/* The scratch heap `walk` visits the class queue in priority order without
 * changing it: pop the best position, push its two children. */
static int walk_better (const sched_t *s, uint32_t p1, uint32_t p2)
{
    return sched_queue_better (s, s->queue[p1], s->queue[p2]);
}

static void walk_push (sched_t *s, uint32_t *len, uint32_t pos)
{
    uint32_t i = (*len)++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!walk_better (s, pos, s->walk[p]))
            break;
        s->walk[i] = s->walk[p];
        i = p;
    }
    s->walk[i] = pos;
}

static uint32_t walk_pop (sched_t *s, uint32_t *len)
{
    uint32_t top = s->walk[0];
    uint32_t last = s->walk[--(*len)];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= *len)
            break;
        if (l + 1 < *len && walk_better (s, s->walk[l + 1], s->walk[l]))
            l++;
        if (!walk_better (s, s->walk[l], last))
            break;
        s->walk[i] = s->walk[l];
        i = l;
    }
    if (*len > 0)
        s->walk[i] = last;
    return top;
}

/* The next class of the queue in priority order (the walk must not be
 * empty); its children in the queue's heap join the walk. */
static uint32_t walk_next (sched_t *s, uint32_t *len)
{
    uint32_t pos = walk_pop (s, len);
    if (2 * pos + 1 < s->qlen)
        walk_push (s, len, 2 * pos + 1);
    if (2 * pos + 2 < s->qlen)
        walk_push (s, len, 2 * pos + 2);
    return s->queue[pos];
}

/* Commit: the head of class c runs on the chosen workers. */
static void assign (sched_t *s, uint32_t c, const uint32_t *w, const int *take, int np,
                    sched_assign_t *a)
{
    const struct sched_class *k = &s->classes[c];
    uint32_t t = sched_class_head (s, c);
    sched_class_pop (s, c);
    sched_set_state (s, t, SCHED_RUNNING);
    a->task = t;
    /* Requeues by rule use no retry but are attempts of their own. */
    a->attempt = s->attempts[t] + s->requeues[t];
    a->nparts = np;
    if (s->attempts[t] < UINT16_MAX)
        s->attempts[t]++;
    uint32_t first = SCHED_NONE;
    for (int i = np; i-- > 0;) {
        struct sched_worker *x = &s->workers[w[i]];
        uint32_t p = s->partfree;
        struct sched_part *pt = &s->parts[p];
        s->partfree = pt->next;
        pt->task = t;
        pt->worker = w[i];
        pt->next = first;
        pt->slots = take[i] * k->slots;
        pt->gpus = take[i] * k->gpus;
        pt->memory = x->memory > 0 ? take[i] * k->memory : 0;
        pt->wpos = x->nparts;
        x->parts[x->nparts++] = p;
        x->free_slots -= pt->slots;
        x->free_gpus -= pt->gpus;
        x->free_memory -= pt->memory;
        first = p;
        a->parts[i].worker = x->id;
        a->parts[i].slots = pt->slots;
        a->parts[i].gpus = pt->gpus;
    }
    s->aux[t] = first;
}

/* Class k asks more time than the global time left. */
static int held_back (const sched_t *s, const struct sched_class *k)
{
    return s->time_left >= 0 && k->time_request > 0 && k->time_request > s->time_left;
}

/* Class k cannot start anywhere now for want of time: held back
 * globally, or no enabled worker has its time_request left (O(1): the
 * workers' latest end is kept up to date).  sched_next passes over such
 * a class without placing or reserving. */
static int no_time (const sched_t *s, const struct sched_class *k)
{
    if (held_back (s, k))
        return 1;
    return s->nends > 0 && k->time_request > 0 && k->time_request > s->maxend - s->now;
}

void sched_set_time_left (sched_t *s, double seconds)
{
    if (s)
        s->time_left = seconds;
}

size_t sched_held_back (const sched_t *s)
{
    uint32_t w[MAX_PARTS];
    int take[MAX_PARTS];
    int np;
    size_t n = 0;
    for (uint32_t i = 0; s && i < s->qlen; i++) {
        const struct sched_class *k = &s->classes[s->queue[i]];
        if (held_back (s, k)) {
            n += k->len;
            continue;
        }
        if (s->nends == 0 || k->time_request <= 0)
            continue;
        /* Per-worker ends: held back when the workers with the time could
         * not hold it even idle while the workers its job may use could
         * (else it is sched_unplaceable's).  choose() only uses the
         * scratch marks, which it clears again. */
        if (!no_time (s, k) && choose ((sched_t *)s, k, 1, 0, 1, w, take, &np) >= k->instances)
            continue;
        if (choose ((sched_t *)s, k, 1, 0, 0, w, take, &np) >= k->instances)
            n += k->len;
    }
    return n;
}

void sched_set_ahead (sched_t *s, int on)
{
    if (s)
        s->ahead = on ? 1 : 0;
}

/* A worker that may take class k ahead of its running tasks: enabled, not
 * reserved, nothing ahead on it yet, big enough for k when idle, and with
 * k's memory free now: a worker counts its slots, not memory, so only
 * slots may be waited for. */
static int ahead_ok (const sched_t *s, struct gate g, const struct sched_worker *x,
                     const struct sched_class *k)
{
    return x->enabled && !x->reserved && x->free_slots >= 0
        && (k->memory == 0 || x->memory == 0 || x->free_memory >= k->memory)
        && capacity (x, k, 1) >= 1 && gate_pass (s, g, x, k);
}

/* The second pass of sched_next (see sched_set_ahead): nothing fits now,
 * so the first eligible class in priority order goes ahead on the worker
 * with most free slots (spread) or the lowest id (pack).  Classes that
 * cannot go ahead reserve their workers as in the first pass, so a big
 * task is not passed for ever.  Returns 1 when *a was filled. */
static int next_ahead (sched_t *s, sched_assign_t *a)
{
    uint32_t nw = 0;
    int any = 0;
    for (uint32_t i = 0; i < s->nworkers && !any; i++) {
        const struct sched_worker *x = &s->workers[i];
        any = x->enabled && !x->reserved && x->free_slots >= 0;
    }
    if (!any)
        return 0;
    walk_push (s, &nw, 0);
    for (int visited = 0; nw > 0 && visited < 16; visited++) {
        uint32_t c = walk_next (s, &nw);
        const struct sched_class *k = &s->classes[c];
        if (no_time (s, k))
            continue;
        struct gate g = gate_of (s, k, 1);
        uint32_t best = SCHED_NONE;
        if (k->instances == 1 && k->gpus == 0)
            for (uint32_t i = 0; i < s->nworkers; i++) {
                uint32_t wi = s->byid[i];
                const struct sched_worker *x = &s->workers[wi];
                if (!ahead_ok (s, g, x, k))
                    continue;
                if (best == SCHED_NONE
                    || (s->fill == SCHED_FILL_SPREAD && x->free_slots > s->workers[best].free_slots))
                    best = wi;
                if (s->fill == SCHED_FILL_PACK)
                    break;
            }
        if (best != SCHED_NONE) {
            int one = 1;
            assign (s, c, &best, &one, 1, a);
            return 1;
        }
        reserve (s, k);
    }
    return 0;
}

int sched_next (sched_t *s, sched_assign_t *a)
{
    uint32_t w[MAX_PARTS];
    int take[MAX_PARTS];
    uint32_t nw = 0;

    if (!s || !a || !s->started || s->held || s->qlen == 0)
        return 0;
    for (uint32_t i = 0; i < s->nworkers; i++)
        s->workers[i].reserved = 0;
    /* Reservations are worked out afresh on each call from the tasks in
     * priority order, which gives the same answer as keeping them, without
     * state to undo when a worker is lost or a task fails. */
    walk_push (s, &nw, 0);
    while (nw > 0 && any_room (s)) {
        uint32_t c = walk_next (s, &nw);
        const struct sched_class *k = &s->classes[c];
        /* Held back for a later allocation (or a worker with more time):
         * neither placed nor reserved for, so the tasks behind it go
         * ahead. */
        if (no_time (s, k))
            continue;
        int np = place (s, k, w, take);
        if (np > 0) {
            assign (s, c, w, take, np, a);
            return 1;
        }
        reserve (s, k);
    }
    return s->ahead ? next_ahead (s, a) : 0;
}

void sched_release (sched_t *s, uint32_t task)
{
    uint32_t p = s->aux[task];
    while (p != SCHED_NONE) {
        struct sched_part *pt = &s->parts[p];
        struct sched_worker *x = &s->workers[pt->worker];
        x->free_slots += pt->slots;
        x->free_gpus += pt->gpus;
        x->free_memory += pt->memory;
        /* Swap-remove from the worker's list. */
        uint32_t last = x->parts[--x->nparts];
        x->parts[pt->wpos] = last;
        s->parts[last].wpos = pt->wpos;
        uint32_t next = pt->next;
        pt->next = s->partfree;
        s->partfree = p;
        p = next;
    }
    s->aux[task] = 0;
}

int sched_unplaceable (const sched_t *s, uint32_t *task)
{
    uint32_t w[MAX_PARTS];
    int take[MAX_PARTS];
    int np;
    uint32_t best = SCHED_NONE;

    if (!s)
        return 0;
    /* Only class heads matter: a class's tasks all fit alike, and its head
     * is its best task.  choose() only uses the scratch marks, which it
     * clears again, so the scheduler is unchanged. */
    for (uint32_t i = 0; i < s->qlen; i++) {
        uint32_t c = s->queue[i];
        const struct sched_class *k = &s->classes[c];
        if (best != SCHED_NONE && !sched_queue_better (s, c, best))
            continue;
        if (choose ((sched_t *)s, k, 1, 0, 0, w, take, &np) < k->instances)
            best = c;
    }
    if (best == SCHED_NONE)
        return 0;
    *task = sched_class_head (s, best);
    return 1;
}
