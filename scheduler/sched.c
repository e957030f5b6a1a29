/* sched.c: task states, the ready queue, retries, and the release or skipping of dependents. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "scheduler/sched.h"
#include "scheduler/sched_priv.h"

/* ------------------------------------------------------------------ */
/* Requirement classes                                                 */

static int class_equal (const struct sched_class *k, const sched_task_t *t)
{
    return k->slots == t->slots && k->gpus == t->gpus && k->memory == t->memory
        && k->instances == t->instances && k->max_retries == t->max_retries
        && k->max_requeues == t->max_requeues && k->on_failure == t->on_failure
        && k->time_request == t->time_request;
}

static uint64_t class_hash (const sched_task_t *t)
{
    /* Hash the fields, not the struct: padding bytes are undefined. */
    int64_t v[8] = { t->slots, t->gpus, t->memory, t->instances, t->max_retries,
                     t->max_requeues, t->on_failure, (int64_t)(t->time_request * 1000.0) };
    return hash_fnv1a64 (v, sizeof (v));
}

static int task_valid (const sched_task_t *t)
{
    return t->slots >= 1 && t->gpus >= 0 && t->memory >= 0 && t->instances >= 1
        && (int64_t)t->instances * t->slots <= INT32_MAX && t->max_retries >= -1
        && t->max_requeues >= 0 && (t->on_failure == 0 || t->on_failure == 1);
}

/* Map every task to a class, deduplicating tuples with an open-addressing
 * table that grows as classes appear.  Fills s->cls, s->classes. */
static int build_classes (sched_t *s, const sched_task_t *tasks)
{
    size_t tcap = 64;
    uint32_t *table = NULL;
    size_t ccap = 16;

    if (!(table = malloc (tcap * sizeof (*table))))
        goto error;
    memset (table, 0xff, tcap * sizeof (*table));
    if (!(s->classes = malloc (ccap * sizeof (*s->classes))))
        goto error;
    for (size_t i = 0; i < s->n; i++) {
        const sched_task_t *t = &tasks[i];
        if (!task_valid (t)) {
            errno = EINVAL;
            goto error;
        }
        size_t h = class_hash (t) & (tcap - 1);
        while (table[h] != SCHED_NONE && !class_equal (&s->classes[table[h]], t))
            h = (h + 1) & (tcap - 1);
        if (table[h] == SCHED_NONE) {
            if (s->nclasses == ccap) {
                struct sched_class *p = realloc (s->classes, 2 * ccap * sizeof (*p));
                if (!p)
                    goto error;
                s->classes = p;
                ccap *= 2;
            }
            struct sched_class *k = &s->classes[s->nclasses];
            memset (k, 0, sizeof (*k));
            k->slots = t->slots;
            k->gpus = t->gpus;
            k->memory = t->memory;
            k->instances = t->instances;
            k->max_retries = t->max_retries;
            k->max_requeues = t->max_requeues;
            k->on_failure = t->on_failure;
            k->time_request = t->time_request;
            k->qpos = SCHED_NONE;
            table[h] = s->nclasses++;
            /* Keep the table at most half full so probes stay short. */
            if (2 * (size_t)s->nclasses > tcap) {
                size_t ncap = tcap * 2;
                uint32_t *nt = malloc (ncap * sizeof (*nt));
                if (!nt)
                    goto error;
                memset (nt, 0xff, ncap * sizeof (*nt));
                for (uint32_t c = 0; c < s->nclasses; c++) {
                    const struct sched_class *kc = &s->classes[c];
                    sched_task_t tt = { .slots = kc->slots, .gpus = kc->gpus,
                                        .memory = kc->memory,
                                        .instances = kc->instances,
                                        .max_retries = kc->max_retries,
                                        .max_requeues = kc->max_requeues,
                                        .on_failure = kc->on_failure,
                                        .time_request = kc->time_request };
                    size_t hh = class_hash (&tt) & (ncap - 1);
                    while (nt[hh] != SCHED_NONE)
                        hh = (hh + 1) & (ncap - 1);
                    nt[hh] = c;
                }
                free (table);
                table = nt;
                tcap = ncap;
                /* Find this task's class again in the new table. */
                size_t hh = class_hash (t) & (tcap - 1);
                while (!class_equal (&s->classes[table[hh]], t))
                    hh = (hh + 1) & (tcap - 1);
                h = hh;
            }
        }
        s->cls[i] = table[h];
        s->classes[table[h]].len++;
    }
    /* Lay the classes' heaps out in one array: class c may hold all of its
     * tasks at once, so a push never allocates. */
    uint32_t off = 0;
    for (uint32_t c = 0; c < s->nclasses; c++) {
        s->classes[c].off = off;
        off += s->classes[c].len;
        s->classes[c].len = 0;
    }
    free (table);
    return 0;
error:
    free (table);
    return -1;
}

/* ------------------------------------------------------------------ */
/* The ready queue: one heap per class, and a heap of classes by head   */

int sched_better (const sched_t *s, uint32_t a, uint32_t b)
{
    if (s->prio[a] != s->prio[b])
        return s->prio[a] > s->prio[b];
    return a < b;
}

uint32_t sched_class_head (const sched_t *s, uint32_t c)
{
    return s->heapmem[s->classes[c].off];
}

static void heap_up (const sched_t *s, uint32_t *h, uint32_t i)
{
    uint32_t t = h[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!sched_better (s, t, h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = t;
}

static void heap_down (const sched_t *s, uint32_t *h, uint32_t len, uint32_t i)
{
    uint32_t t = h[i];
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= len)
            break;
        if (l + 1 < len && sched_better (s, h[l + 1], h[l]))
            l++;
        if (!sched_better (s, h[l], t))
            break;
        h[i] = h[l];
        i = l;
    }
    h[i] = t;
}

static int queue_better (const sched_t *s, uint32_t c1, uint32_t c2)
{
    return sched_better (s, sched_class_head (s, c1), sched_class_head (s, c2));
}

static void queue_set (sched_t *s, uint32_t pos, uint32_t c)
{
    s->queue[pos] = c;
    s->classes[c].qpos = pos;
}

static void queue_up (sched_t *s, uint32_t i)
{
    uint32_t c = s->queue[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!queue_better (s, c, s->queue[p]))
            break;
        queue_set (s, i, s->queue[p]);
        i = p;
    }
    queue_set (s, i, c);
}

static void queue_down (sched_t *s, uint32_t i)
{
    uint32_t c = s->queue[i];
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= s->qlen)
            break;
        if (l + 1 < s->qlen && queue_better (s, s->queue[l + 1], s->queue[l]))
            l++;
        if (!queue_better (s, s->queue[l], c))
            break;
        queue_set (s, i, s->queue[l]);
        i = l;
    }
    queue_set (s, i, c);
}

static void queue_remove (sched_t *s, uint32_t c)
{
    uint32_t i = s->classes[c].qpos;
    s->classes[c].qpos = SCHED_NONE;
    if (--s->qlen == i)
        return;
    queue_set (s, i, s->queue[s->qlen]);
    queue_up (s, i);
    queue_down (s, s->classes[s->queue[i]].qpos);
}

static void ready_push (sched_t *s, uint32_t t)
{
    uint32_t c = s->cls[t];
    struct sched_class *k = &s->classes[c];
    uint32_t *h = s->heapmem + k->off;
    h[k->len++] = t;
    heap_up (s, h, k->len - 1);
    if (k->qpos == SCHED_NONE) {
        queue_set (s, s->qlen++, c);
        queue_up (s, s->qlen - 1);
    }
    else if (h[0] == t)
        queue_up (s, k->qpos);
}

/* Pop class c's head, then drop heads that are no longer READY (a READY
 * task failed by sched_fail_ready stays in its heap until it surfaces), so
 * every class in the queue has a READY head. */
void sched_class_pop (sched_t *s, uint32_t c)
{
    struct sched_class *k = &s->classes[c];
    uint32_t *h = s->heapmem + k->off;
    do {
        h[0] = h[--k->len];
        if (k->len > 0)
            heap_down (s, h, k->len, 0);
    } while (k->len > 0 && s->state[h[0]] != SCHED_READY);
    if (k->len == 0)
        queue_remove (s, c);
    else
        queue_down (s, k->qpos);
}

/* ------------------------------------------------------------------ */
/* States and dependents                                               */

void sched_set_state (sched_t *s, uint32_t task, enum sched_state st)
{
    s->counts[s->state[task]]--;
    s->counts[st]++;
    s->state[task] = st;
}

static void make_ready (sched_t *s, uint32_t t)
{
    sched_set_state (s, t, SCHED_READY);
    ready_push (s, t);
}

static void skip (sched_t *s, uint32_t t)
{
    sched_set_state (s, t, SCHED_SKIPPED);
    s->aux[t] = 0;      /* not SCHED_NONE: see sched_start */
    s->events[s->ev_len++] = t;
}

/* Task f became final: release or skip its PENDING dependents.  Skips are
 * transitive; the events array doubles as the work queue (the tasks
 * skipped by this call are exactly the ones appended after `i`), so there
 * is no recursion and no allocation. */
static void propagate (sched_t *s, uint32_t f)
{
    size_t i = s->ev_len;
    uint32_t cur = f;
    for (;;) {
        int releases = s->state[cur] == SCHED_SUCCEEDED
                       || (s->depmode[cur] >= 0 ? s->depmode[cur]
                                                : s->classes[s->cls[cur]].on_failure);
        uint32_t nd;
        const uint32_t *d = sched_graph_dependents (s->g, cur, &nd);
        for (uint32_t j = 0; j < nd; j++) {
            uint32_t t = d[j];
            if (s->state[t] != SCHED_PENDING)
                continue;
            if (!releases)
                skip (s, t);
            else if (--s->aux[t] == 0 && s->started)
                make_ready (s, t);
        }
        if (i == s->ev_len)
            break;
        cur = s->events[i++];
    }
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */

sched_t *sched_create (const sched_graph_t *g, const sched_task_t *tasks, int fill)
{
    sched_t *s = NULL;
    size_t n;

    if (!g || (fill != SCHED_FILL_SPREAD && fill != SCHED_FILL_PACK)) {
        errno = EINVAL;
        return NULL;
    }
    n = sched_graph_size (g);
    if (n >= SCHED_NONE || (n > 0 && !tasks)) {
        errno = EINVAL;
        return NULL;
    }
    if (!(s = calloc (1, sizeof (*s))))
        return NULL;
    s->g = g;
    s->n = n;
    s->fill = fill;
    s->time_left = -1;
    size_t m = n ? n : 1;
    if (!(s->state = calloc (m, sizeof (*s->state)))
        || !(s->attempts = calloc (m, sizeof (*s->attempts)))
        || !(s->requeues = calloc (m, sizeof (*s->requeues)))
        || !(s->depmode = malloc (m * sizeof (*s->depmode)))
        || !(s->aux = calloc (m, sizeof (*s->aux)))
        || !(s->cls = malloc (m * sizeof (*s->cls)))
        || !(s->prio = malloc (m * sizeof (*s->prio)))
        || !(s->heapmem = malloc (m * sizeof (*s->heapmem)))
        || !(s->events = malloc (m * sizeof (*s->events))))
        goto error;
    memset (s->depmode, -1, m * sizeof (*s->depmode));
    for (size_t i = 0; i < n; i++)
        s->prio[i] = tasks[i].priority;
    if (build_classes (s, tasks) < 0)
        goto error;
    size_t c = s->nclasses ? s->nclasses : 1;
    if (!(s->queue = malloc (c * sizeof (*s->queue)))
        || !(s->walk = malloc (c * sizeof (*s->walk))))
        goto error;
    s->counts[SCHED_PENDING] = n;
    s->partfree = SCHED_NONE;
    return s;
error:
    sched_destroy (s);
    return NULL;
}

void sched_destroy (sched_t *s)
{
    if (s) {
        int saved = errno;
        sched_workers_destroy (s);
        free (s->state);
        free (s->attempts);
        free (s->requeues);
        free (s->depmode);
        free (s->aux);
        free (s->cls);
        free (s->prio);
        free (s->classes);
        free (s->heapmem);
        free (s->queue);
        free (s->walk);
        free (s->events);
        free (s);
        errno = saved;
    }
}

/* ------------------------------------------------------------------ */
/* Resume and start                                                    */

int sched_preset (sched_t *s, uint32_t task, enum sched_state state, int attempts)
{
    if (!s || s->started || task >= s->n || attempts < 0 || attempts > UINT16_MAX
        || state == SCHED_RUNNING || state > SCHED_SKIPPED) {
        errno = EINVAL;
        return -1;
    }
    /* A task that was ready or interrupted earlier is simply not final:
     * sched_start works out whether it is ready now. */
    if (state == SCHED_READY)
        state = SCHED_PENDING;
    sched_set_state (s, task, state);
    s->attempts[task] = (uint16_t)attempts;
    return 0;
}

int sched_preset_requeues (sched_t *s, uint32_t task, int requeues)
{
    if (!s || s->started || task >= s->n || requeues < 0 || requeues > UINT16_MAX) {
        errno = EINVAL;
        return -1;
    }
    s->requeues[task] = (uint16_t)requeues;
    return 0;
}

int sched_set_dependents (sched_t *s, uint32_t task, int mode)
{
    if (!s || task >= s->n || mode < -1 || mode > 1) {
        errno = EINVAL;
        return -1;
    }
    s->depmode[task] = (int8_t)mode;
    return 0;
}

int sched_start (sched_t *s)
{
    if (!s || s->started) {
        errno = EINVAL;
        return -1;
    }
    /* Final tasks are the presets; mark them, because tasks skipped below
     * become final too and their dependents are handled by the same
     * propagate call that skipped them. */
    for (uint32_t i = 0; i < s->n; i++)
        s->aux[i] = s->state[i] == SCHED_PENDING ? sched_graph_indegree (s->g, i)
                                                 : SCHED_NONE;
    /* Apply the preset final states first (started is still 0, so a
     * released task is not queued twice), then queue everything ready. */
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->state[i] >= SCHED_SUCCEEDED && s->aux[i] == SCHED_NONE)
            propagate (s, i);
    }
    s->started = 1;
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->state[i] == SCHED_PENDING && s->aux[i] == 0)
            make_ready (s, i);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Attempts                                                            */

enum sched_state sched_attempt_end (sched_t *s, uint32_t task, enum sched_outcome o)
{
    if (!s || task >= s->n) {
        errno = EINVAL;
        return SCHED_PENDING;
    }
    if (s->state[task] != SCHED_RUNNING) {
        errno = EINVAL;
        return s->state[task];
    }
    const struct sched_class *k = &s->classes[s->cls[task]];
    sched_release (s, task);
    switch (o) {
    case SCHED_OK:
        sched_set_state (s, task, SCHED_SUCCEEDED);
        break;
    case SCHED_REQUEUE:
        if (s->attempts[task] > 0)
            s->attempts[task]--;
        if (!s->stopped) {
            make_ready (s, task);
            return SCHED_READY;
        }
        /* The run is over: it will never start again. */
        skip (s, task);
        break;
    case SCHED_REQUEUE_RULE:
        if (s->attempts[task] > 0)
            s->attempts[task]--;
        if (s->stopped) {
            skip (s, task);     /* the run is over, as for SCHED_REQUEUE */
            break;
        }
        if (s->requeues[task] < k->max_requeues) {
            s->requeues[task]++;
            make_ready (s, task);
            return SCHED_READY;
        }
        sched_set_state (s, task, SCHED_FAILED);
        break;
    case SCHED_FAIL:
        if (!s->stopped && (k->max_retries == -1
                            || s->attempts[task] - 1 < k->max_retries)) {
            make_ready (s, task);
            return SCHED_READY;
        }
        sched_set_state (s, task, SCHED_FAILED);
        break;
    case SCHED_FAIL_FINAL:
    default:
        sched_set_state (s, task, SCHED_FAILED);
        break;
    }
    propagate (s, task);
    return s->state[task];
}

int sched_fail_ready (sched_t *s, uint32_t task)
{
    if (!s || task >= s->n || s->state[task] != SCHED_READY) {
        errno = EINVAL;
        return -1;
    }
    uint32_t c = s->cls[task];
    sched_set_state (s, task, SCHED_FAILED);
    /* Not at the head: it stays in the heap and is dropped when it
     * surfaces (sched_class_pop skips tasks that are no longer READY). */
    if (sched_class_head (s, c) == task)
        sched_class_pop (s, c);
    propagate (s, task);
    return 0;
}

void sched_hold (sched_t *s)
{
    if (s)
        s->held = 1;
}

void sched_skip_remaining (sched_t *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->state[i] == SCHED_PENDING || s->state[i] == SCHED_READY)
            skip (s, i);
    }
    for (uint32_t c = 0; c < s->nclasses; c++) {
        s->classes[c].len = 0;
        s->classes[c].qpos = SCHED_NONE;
    }
    s->qlen = 0;
    s->stopped = 1;
}

int sched_next_event (sched_t *s, uint32_t *task)
{
    if (!s || s->ev_head == s->ev_len)
        return 0;
    *task = s->events[s->ev_head++];
    return 1;
}

enum sched_state sched_state (const sched_t *s, uint32_t task)
{
    if (!s || task >= s->n) {
        errno = EINVAL;
        return SCHED_PENDING;
    }
    return s->state[task];
}

int sched_requeues (const sched_t *s, uint32_t task)
{
    if (!s || task >= s->n) {
        errno = EINVAL;
        return -1;
    }
    return s->requeues[task];
}

int sched_attempts (const sched_t *s, uint32_t task)
{
    if (!s || task >= s->n) {
        errno = EINVAL;
        return -1;
    }
    return s->attempts[task];
}

void sched_counts (const sched_t *s, size_t counts[6])
{
    for (int i = 0; i < 6; i++)
        counts[i] = s ? s->counts[i] : 0;
}

int sched_finished (const sched_t *s)
{
    return s && s->counts[SCHED_PENDING] + s->counts[SCHED_READY]
                + s->counts[SCHED_RUNNING] == 0;
}
