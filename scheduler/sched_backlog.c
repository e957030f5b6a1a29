/* sched_backlog.c: what waits for a slot, counted for the pool's automatic allocation. */
#include <config.h>

#include <string.h>

#include "scheduler/sched_priv.h"

void sched_backlog (const sched_t *s, sched_backlog_t *b)
{
    memset (b, 0, sizeof (*b));
    if (!s || !s->started || s->held)
        return;
    /* The queue holds exactly the classes with READY tasks whose job may
     * start tasks now (not held, not stopped, under its cap). */
    for (uint32_t i = 0; i < s->qlen; i++) {
        const struct sched_class *k = &s->classes[s->queue[i]];
        if (k->len == 0)
            continue;
        /* Beyond the pool's own deadline: no allocation brings more time. */
        if (s->time_left >= 0 && k->time_request > 0 && k->time_request > s->time_left)
            continue;
        b->tasks += k->len;
        b->slots += (size_t)k->len * (size_t)k->slots * (size_t)k->instances;
        if (k->slots > b->max_slots)
            b->max_slots = k->slots;
        if (k->time_request > b->max_time_request)
            b->max_time_request = k->time_request;
        double t = k->time_request > 0 ? k->time_request : 0;
        if (b->tasks == k->len || t < b->min_time_request)
            b->min_time_request = t;
    }
}
