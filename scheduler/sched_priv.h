/* sched_priv.h: the scheduler's internal state, shared by sched.c (task
 * states and the ready queue), sched_add.c (creation, classes, adding
 * tasks), sched_job.c (jobs, cancel) and sched_place.c (workers and
 * placement).  Not part of the module's interface: only these files
 * include it. */
#ifndef MB_SCHED_PRIV_H
#define MB_SCHED_PRIV_H

#include <stdint.h>

#include "scheduler/sched.h"

#define SCHED_NONE UINT32_MAX

/* A distinct requirement tuple of one job.  Tasks with equal tuples share
 * a class, so a million identical tasks cost one entry here, and tasks of
 * one class are interchangeable for placement: only the head of each
 * class's ready heap ever needs to be looked at.  The job is part of the
 * tuple, so a class's heap holds one job's tasks and the class queue can
 * order jobs before tasks. */
struct sched_class {
    uint32_t job;
    int slots;
    int gpus;
    int instances;
    int max_retries;
    int max_requeues;
    int64_t memory;
    int on_failure;
    double time_request; /* <= 0: none */
    int64_t rank;        /* the job's place: (1000 - job priority) << 32 | job; lower first */
    uint32_t *heap;      /* ready heap, heap[0 .. len) */
    uint32_t len;
    uint32_t cap;        /* heap capacity: the class's tasks (each is in it at most once) */
    uint32_t ntasks;     /* tasks of this class */
    uint32_t qpos;       /* position in the class queue, SCHED_NONE if not queued */
};

/* A job: a group of tasks with a priority, a cap on running tasks, and a
 * hold.  Its classes are in the class queue only while it may start tasks
 * (inq), so a held or capped job costs sched_next nothing. */
struct sched_job {
    int priority;        /* -1000 .. 1000 */
    int max_running;     /* <= 0: unlimited */
    int held;            /* sched_job_hold */
    int stopped;         /* sched_job_skip_remaining */
    int inq;             /* its classes with ready tasks are in the queue */
    uint32_t nexcl;      /* workers that exclude it (sched_job_exclude_worker) */
    size_t counts[6];
    uint32_t *classes;   /* its classes, in creation order */
    uint32_t nclasses;
    uint32_t ccap;
    uint32_t (*ranges)[2];   /* its tasks: { first, count } runs of indices */
    size_t nranges;
    size_t rcap;
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
    int mark;            /* scratch of placement: already chosen (or not allowed) */
    uint32_t *parts;     /* parts running here (capacity: slots + 1) */
    uint32_t nparts;
};

/* What placement looks at only when set (sched_t's nends, a job's nexcl),
 * kept apart from struct sched_worker (same index, in wcold[]) so that
 * the loops over workers read no more memory than without it. */
struct sched_wcold {
    double end;          /* sched_worker_set_end: < 0 none, else in the sched_set_now clock */
    uint32_t *excl;      /* jobs that never run here, ascending (sched_job_exclude_worker) */
    uint32_t nexcl;
    uint32_t xcap;
};

struct sched {
    size_t n;
    size_t cap;          /* capacity of the per-task arrays */
    int fill;
    int started;
    int held;
    int stopped;         /* sched_skip_remaining was called */
    int ahead;           /* sched_set_ahead: a task may wait ahead on a full worker */
    double time_left;    /* < 0: unlimited; tasks asking more are held back */
    double now;          /* sched_set_now: the clock of the workers' ends */
    uint32_t nends;      /* workers with an end: 0 keeps placement free of time checks */
    double maxend;       /* while nends > 0: the latest end of an enabled worker, INFINITY
                          * if one has none, -INFINITY if none is enabled */

    /* Per task, compact. */
    uint8_t *state;
    uint16_t *attempts;
    uint16_t *requeues;  /* SCHED_REQUEUE_RULE used */
    int8_t *depmode;     /* -1, or what a failure does to dependents (sched_set_dependents) */
    uint32_t *aux;       /* PENDING: prerequisites not final yet; RUNNING: first part */
    uint32_t *cls;       /* class index */
    int32_t *prio;
    uint32_t *dfirst;    /* first edge to a dependent, SCHED_NONE if none */
    uint32_t *dlast;     /* last one, so dependents stay in the order added */

    /* Dependents: edge e leads to task eto[e]; enext[e] is the next edge of
     * the same prerequisite.  Appendable, unlike the graph's CSR. */
    uint32_t *eto;
    uint32_t *enext;
    size_t nedges;
    size_t ecap;

    struct sched_class *classes;
    uint32_t nclasses;
    uint32_t ccap;       /* capacity of classes, queue and walk */
    uint32_t *table;     /* open-addressing class table (tcap entries, half full at most) */
    size_t tcap;
    uint32_t *queue;     /* queued classes, a heap by job rank then head */
    uint32_t qlen;
    uint32_t *walk;      /* scratch heap for visiting the queue in order */

    struct sched_job *jobs;
    uint32_t njobs;
    uint32_t jcap;

    uint32_t *events;    /* tasks that became SKIPPED, in order (each once: n at most) */
    size_t ev_head;
    size_t ev_len;

    size_t counts[6];

    struct sched_worker *workers;   /* in the order added; indices are stable */
    struct sched_wcold *wcold;      /* the same workers' rarely read parts */
    uint32_t nworkers;
    uint32_t *byid;      /* worker indices sorted by id */
    struct sched_part *parts;
    uint32_t partcap;
    uint32_t partfree;   /* free list through next */
    uint32_t partspare;  /* free entries left by removed workers, for the next added */
};

/* sched.c */
int sched_better (const sched_t *s, uint32_t a, uint32_t b);
/* Class c1 goes before class c2 (both with a ready head). */
int sched_queue_better (const sched_t *s, uint32_t c1, uint32_t c2);
uint32_t sched_class_head (const sched_t *s, uint32_t c);
/* Take the head task off class c's heap (keeping the queue in order). */
void sched_class_pop (sched_t *s, uint32_t c);
void sched_set_state (sched_t *s, uint32_t task, enum sched_state st);
void sched_make_ready (sched_t *s, uint32_t t);
/* Mark a task SKIPPED and report it (sched_next_event). */
void sched_skip (sched_t *s, uint32_t t);
/* Task f became final: release or skip its PENDING dependents. */
void sched_propagate (sched_t *s, uint32_t f);
/* Put class c in the queue / take it out. */
void sched_queue_insert (sched_t *s, uint32_t c);
void sched_queue_remove (sched_t *s, uint32_t c);
/* Rebuild the queue's heap order after ranks changed. */
void sched_queue_heapify (sched_t *s);

static inline struct sched_job *sched_job_of (const sched_t *s, uint32_t task)
{
    return &s->jobs[s->classes[s->cls[task]].job];
}

/* sched_job.c */
/* Put job j's classes in the queue or take them out, as its hold, stop
 * and cap allow now. */
void sched_job_update (sched_t *s, uint32_t j);
void sched_jobs_destroy (sched_t *s);

/* sched_add.c */
void sched_tasks_destroy (sched_t *s);

/* sched_place.c */
/* Give back the resources of a RUNNING task and forget its parts. */
void sched_release (sched_t *s, uint32_t task);
void sched_workers_destroy (sched_t *s);

#endif
