/* sched_priv.h: the scheduler's internal state, shared by sched.c (task
 * states and the ready queue) and sched_place.c (workers and placement).
 * Not part of the module's interface: only these two files include it. */
#ifndef MB_SCHED_PRIV_H
#define MB_SCHED_PRIV_H

#include <stdint.h>

#include "scheduler/sched.h"

#define SCHED_NONE UINT32_MAX

/* A distinct requirement tuple.  Tasks with equal tuples share a class, so
 * a million identical tasks cost one entry here, and tasks of one class
 * are interchangeable for placement: only the head of each class's ready
 * heap ever needs to be looked at. */
struct sched_class {
    int slots;
    int gpus;
    int instances;
    int max_retries;
    int max_requeues;
    int64_t memory;
    int on_failure;
    double time_request; /* <= 0: none */
    uint32_t off;        /* this class's ready heap is heapmem[off .. off+len) */
    uint32_t len;
    uint32_t qpos;       /* position in the class queue, SCHED_NONE if empty */
};

/* The part of a running task placed on one worker.  Parts live in one pool
 * of slots + 1 entries per worker (every part holds at least one slot, and
 * at most one task waits ahead on a worker), so placing never allocates. */
struct sched_part {
    uint32_t task;
    uint32_t worker;     /* index into workers[] */
    uint32_t next;       /* next part of the same task, or the free list */
    uint32_t wpos;       /* position in the worker's list of parts */
    int slots;
    int gpus;
    int64_t memory;      /* charged memory (0 on a worker of unknown memory) */
};

struct sched_worker {
    int id;
    int node;
    int slots;
    int gpus;
    int64_t memory;      /* 0 = unknown, unconstrained */
    int free_slots;      /* below 0 while a task waits ahead (sched_set_ahead) */
    int free_gpus;
    int64_t free_memory; /* never below 0: a task goes ahead only with its memory free */
    int enabled;
    int reserved;        /* scratch of sched_next: held for a waiting task */
    int mark;            /* scratch of placement: already chosen */
    uint32_t *parts;     /* parts running here (capacity: slots + 1) */
    uint32_t nparts;
};

struct sched {
    const sched_graph_t *g;
    size_t n;
    int fill;
    int started;
    int held;
    int stopped;         /* sched_skip_remaining was called */
    int ahead;           /* sched_set_ahead: a task may wait ahead on a full worker */
    double time_left;    /* < 0: unlimited; tasks asking more are held back */

    /* Per task, compact. */
    uint8_t *state;
    uint16_t *attempts;
    uint16_t *requeues;  /* SCHED_REQUEUE_RULE used */
    int8_t *depmode;     /* -1, or what a failure does to dependents (sched_set_dependents) */
    uint32_t *aux;       /* PENDING: prerequisites not final yet; RUNNING: first part */
    uint32_t *cls;       /* class index */
    int32_t *prio;

    struct sched_class *classes;
    uint32_t nclasses;
    uint32_t *heapmem;   /* all classes' ready heaps, n entries in all */
    uint32_t *queue;     /* classes with ready tasks, a heap ordered by their heads */
    uint32_t qlen;
    uint32_t *walk;      /* scratch heap for visiting the queue in order */

    uint32_t *events;    /* tasks that became SKIPPED, in order (each once: n at most) */
    size_t ev_head;
    size_t ev_len;

    size_t counts[6];

    struct sched_worker *workers;   /* in the order added; indices are stable */
    uint32_t nworkers;
    uint32_t *byid;      /* worker indices sorted by id */
    struct sched_part *parts;
    uint32_t partcap;
    uint32_t partfree;   /* free list through next */
};

/* sched.c */
int sched_better (const sched_t *s, uint32_t a, uint32_t b);
uint32_t sched_class_head (const sched_t *s, uint32_t c);
/* Take the head task off class c's heap (keeping the queue in order). */
void sched_class_pop (sched_t *s, uint32_t c);
void sched_set_state (sched_t *s, uint32_t task, enum sched_state st);

/* sched_place.c */
/* Give back the resources of a RUNNING task and forget its parts. */
void sched_release (sched_t *s, uint32_t task);
void sched_workers_destroy (sched_t *s);

#endif
