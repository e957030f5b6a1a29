/* sched.c: task states, the ready queue, retries, and the release or skipping of dependents. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/names.h"
#include "scheduler/sched.h"
#include "scheduler/sched_priv.h"

/* The journal and the report spell states with common/names.c's table. */
/* common/names.c names each enum sched_state, then the runtime's own
 * "cancelled" (a cancelled task is FAILED here). */
_Static_assert (SCHED_SKIPPED + 1 == MB_STATE_CANCELLED && MB_STATE_CANCELLED + 1 == MB_NSTATES,
                "common/names.c names each enum sched_state");

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
    return s->classes[c].heap[0];
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

/* Jobs first (priority, then the order added; one compare of the rank),
 * then the heads' own priority and index. */
int sched_queue_better (const sched_t *s, uint32_t c1, uint32_t c2)
{
    const struct sched_class *a = &s->classes[c1], *b = &s->classes[c2];
    if (a->rank != b->rank)
        return a->rank < b->rank;
    return sched_better (s, a->heap[0], b->heap[0]);
}

#define queue_better sched_queue_better

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

void sched_queue_insert (sched_t *s, uint32_t c)
{
    queue_set (s, s->qlen++, c);
    queue_up (s, s->qlen - 1);
}

void sched_queue_heapify (sched_t *s)
{
    for (uint32_t i = s->qlen / 2; i-- > 0;)
        queue_down (s, i);
}

void sched_queue_remove (sched_t *s, uint32_t c)
{
    uint32_t i = s->classes[c].qpos;
    s->classes[c].qpos = SCHED_NONE;
    if (--s->qlen == i)
        return;
    queue_set (s, i, s->queue[s->qlen]);
    queue_up (s, i);
    queue_down (s, s->classes[s->queue[i]].qpos);
}

/* Push a READY task on its class's heap (never allocates: the heap holds
 * every task of its class), and queue the class if its job may start
 * tasks now. */
static void ready_push (sched_t *s, uint32_t t)
{
    uint32_t c = s->cls[t];
    struct sched_class *k = &s->classes[c];
    uint32_t *h = k->heap;
    h[k->len++] = t;
    heap_up (s, h, k->len - 1);
    if (k->qpos == SCHED_NONE) {
        if (s->jobs[k->job].inq)
            sched_queue_insert (s, c);
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
    uint32_t *h = k->heap;
    do {
        h[0] = h[--k->len];
        if (k->len > 0)
            heap_down (s, h, k->len, 0);
    } while (k->len > 0 && s->state[h[0]] != SCHED_READY);
    /* A class of a held or capped job is not queued. */
    if (k->qpos == SCHED_NONE)
        return;
    if (k->len == 0)
        sched_queue_remove (s, c);
    else
        queue_down (s, k->qpos);
}

/* ------------------------------------------------------------------ */
/* States and dependents                                               */

void sched_set_state (sched_t *s, uint32_t task, enum sched_state st)
{
    uint32_t j = s->classes[s->cls[task]].job;
    struct sched_job *jb = &s->jobs[j];
    unsigned old = s->state[task];
    s->counts[old]--;
    s->counts[st]++;
    jb->counts[old]--;
    jb->counts[st]++;
    s->state[task] = st;
    /* max_parallel_tasks: the job leaves the queue at its cap and comes
     * back below it. */
    if (jb->max_running > 0 && (old == SCHED_RUNNING || st == SCHED_RUNNING))
        sched_job_update (s, j);
}

void sched_make_ready (sched_t *s, uint32_t t)
{
    sched_set_state (s, t, SCHED_READY);
    ready_push (s, t);
}

#define make_ready sched_make_ready

void sched_skip (sched_t *s, uint32_t t)
{
    sched_set_state (s, t, SCHED_SKIPPED);
    s->aux[t] = 0;      /* not SCHED_NONE: see sched_start */
    s->events[s->ev_len++] = t;
}

#define skip sched_skip

/* Task f became final: release or skip its PENDING dependents.  Skips are
 * transitive; the events array doubles as the work queue (the tasks
 * skipped by this call are exactly the ones appended after `i`), so there
 * is no recursion and no allocation. */
void sched_propagate (sched_t *s, uint32_t f)
{
    size_t i = s->ev_len;
    uint32_t cur = f;
    for (;;) {
        int releases = s->state[cur] == SCHED_SUCCEEDED
                       || (s->depmode[cur] >= 0 ? s->depmode[cur]
                                                : s->classes[s->cls[cur]].on_failure);
        for (uint32_t e = s->dfirst[cur]; e != SCHED_NONE; e = s->enext[e]) {
            uint32_t t = s->eto[e];
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

#define propagate sched_propagate

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
        s->aux[i] = s->state[i] == SCHED_PENDING ? 0 : SCHED_NONE;
    for (uint32_t i = 0; i < s->n; i++)
        for (uint32_t e = s->dfirst[i]; e != SCHED_NONE; e = s->enext[e])
            if (s->state[s->eto[e]] == SCHED_PENDING)
                s->aux[s->eto[e]]++;
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
    int stopped = s->stopped || s->jobs[k->job].stopped;
    sched_release (s, task);
    switch (o) {
    case SCHED_OK:
        sched_set_state (s, task, SCHED_SUCCEEDED);
        break;
    case SCHED_REQUEUE:
        if (s->attempts[task] > 0)
            s->attempts[task]--;
        if (!stopped) {
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
        if (!stopped && (k->max_retries == -1
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
