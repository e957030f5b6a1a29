/* sched_job.c: jobs (priority, max_parallel_tasks, hold, stop, counts) and the cancelling of waiting tasks. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/sched.h"
#include "scheduler/sched_priv.h"

static struct sched_job *job_get (const sched_t *s, int job)
{
    if (!s || job < 0 || (uint32_t)job >= s->njobs) {
        errno = EINVAL;
        return NULL;
    }
    return &s->jobs[job];
}

int sched_job_add (sched_t *s, int priority)
{
    if (!s || priority < -1000 || priority > 1000 || s->njobs >= INT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (s->njobs == s->jcap) {
        uint32_t ncap = s->jcap ? 2 * s->jcap : 4;
        struct sched_job *j = realloc (s->jobs, ncap * sizeof (*j));
        if (!j)
            return -1;
        s->jobs = j;
        s->jcap = ncap;
    }
    struct sched_job *j = &s->jobs[s->njobs];
    memset (j, 0, sizeof (*j));
    j->priority = priority;
    j->inq = 1;
    return (int)s->njobs++;
}

void sched_jobs_destroy (sched_t *s)
{
    for (uint32_t i = 0; i < s->njobs; i++) {
        free (s->jobs[i].classes);
        free (s->jobs[i].ranges);
    }
    free (s->jobs);
}

void sched_job_update (sched_t *s, uint32_t j)
{
    struct sched_job *jb = &s->jobs[j];
    int in = !jb->held && !jb->stopped
             && (jb->max_running <= 0 || jb->counts[SCHED_RUNNING] < (size_t)jb->max_running);
    if (in == jb->inq)
        return;
    jb->inq = in;
    for (uint32_t i = 0; i < jb->nclasses; i++) {
        uint32_t c = jb->classes[i];
        struct sched_class *k = &s->classes[c];
        if (in && k->len > 0 && k->qpos == SCHED_NONE)
            sched_queue_insert (s, c);
        else if (!in && k->qpos != SCHED_NONE)
            sched_queue_remove (s, c);
    }
}

int sched_job_set_priority (sched_t *s, int job, int priority)
{
    struct sched_job *jb = job_get (s, job);
    if (!jb || priority < -1000 || priority > 1000) {
        errno = EINVAL;
        return -1;
    }
    if (jb->priority == priority)
        return 0;
    jb->priority = priority;
    for (uint32_t i = 0; i < jb->nclasses; i++)
        s->classes[jb->classes[i]].rank = ((int64_t)(1000 - priority) << 32) | (uint32_t)job;
    /* O(queued classes): a rare call, and the hot path keeps one rank
     * compare instead of looking the job up. */
    sched_queue_heapify (s);
    return 0;
}

int sched_job_set_max_running (sched_t *s, int job, int max)
{
    struct sched_job *jb = job_get (s, job);
    if (!jb)
        return -1;
    jb->max_running = max > 0 ? max : 0;
    sched_job_update (s, (uint32_t)job);
    return 0;
}

int sched_job_hold (sched_t *s, int job)
{
    struct sched_job *jb = job_get (s, job);
    if (!jb)
        return -1;
    jb->held = 1;
    sched_job_update (s, (uint32_t)job);
    return 0;
}

int sched_job_skip_remaining (sched_t *s, int job)
{
    struct sched_job *jb = job_get (s, job);
    if (!jb)
        return -1;
    jb->stopped = 1;
    sched_job_update (s, (uint32_t)job);
    /* Its heaps empty at once (the READY tasks in them become SKIPPED). */
    for (uint32_t i = 0; i < jb->nclasses; i++)
        s->classes[jb->classes[i]].len = 0;
    for (size_t r = 0; r < jb->nranges; r++) {
        uint32_t end = jb->ranges[r][0] + jb->ranges[r][1];
        for (uint32_t t = jb->ranges[r][0]; t < end; t++) {
            if (s->state[t] != SCHED_PENDING && s->state[t] != SCHED_READY)
                continue;
            sched_skip (s, t);
            /* Dependents in other jobs: blocked or released by this skip.
             * Before sched_start, mark it for sched_start to do that. */
            if (s->started)
                sched_propagate (s, t);
            else
                s->aux[t] = SCHED_NONE;
        }
    }
    return 0;
}

int sched_job_counts (const sched_t *s, int job, size_t counts[6])
{
    const struct sched_job *jb = job_get (s, job);
    if (!jb)
        return -1;
    memcpy (counts, jb->counts, sizeof (jb->counts));
    return 0;
}

int sched_job_finished (const sched_t *s, int job)
{
    const struct sched_job *jb = job_get (s, job);
    if (!jb)
        return -1;
    return jb->counts[SCHED_PENDING] + jb->counts[SCHED_READY] + jb->counts[SCHED_RUNNING] == 0;
}

int sched_task_job (const sched_t *s, uint32_t task)
{
    if (!s || task >= s->n) {
        errno = EINVAL;
        return -1;
    }
    return (int)s->classes[s->cls[task]].job;
}

int sched_cancel (sched_t *s, uint32_t task)
{
    if (!s || task >= s->n) {
        errno = EINVAL;
        return -1;
    }
    unsigned st = s->state[task];
    if (st == SCHED_READY) {
        sched_fail_ready (s, task);
        return 1;
    }
    if (st != SCHED_PENDING)
        return 0;
    sched_set_state (s, task, SCHED_FAILED);
    /* Before sched_start, a final task is sched_start's to propagate, as
     * a preset one is. */
    if (s->started)
        sched_propagate (s, task);
    return 1;
}
