/* service_prep.c: a pool's job preparation and release, per job and node:
 * a job's preparation runs on a node before that job's first task there
 * (the task's placement waits for it, its slots kept), and its release
 * runs when the job ends on every node where the job ran.  A run keeps
 * its one job's in node_t (service_workers.c). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "runtime/service/service_int.h"

/* Prep and release tags carry the job's number and the node. */
#define PREP_TASK(J, nd) (((uint32_t)(J)->num << 16) | (uint32_t)(nd))

static void send_node_task (service_t *svc, svc_job_t *J, int nd, int wn, int kind)
{
    const jobfile_prep_t *p = kind == LAUNCH_PREP ? J->job->prep : J->job->release;
    jobfile_task_t t;
    memset (&t, 0, sizeof (t));
    t.index = PREP_TASK (J, nd);
    t.id = kind == LAUNCH_PREP ? "job_preparation" : "job_release";
    t.command = p->command;
    t.max_wall_clock = p->max_wall_clock;
    t.env = p->env;
    t.inputs = p->inputs;
    t.ninputs = kind == LAUNCH_PREP ? p->ninputs : 0;
    t.sweep = -1;
    int attempt = kind == LAUNCH_PREP ? J->node_prep_attempts[nd]++ : 0;
    svc_queue_assign (svc, wn, J, &t, svc_make_tag ((uint32_t)t.index, attempt, kind), attempt,
                      kind, NULL);
    if (kind == LAUNCH_PREP)
        J->node_state[nd] = NODE_PREPARING;
    else
        J->node_released[nd] = 1;
    svc->running++;
}

int svc_prep_gate (service_t *svc, svc_job_t *J, uint32_t task, int attempt, int wn)
{
    int nd = svc->w[wn].node;
    if (svc_job_nodes (svc, J) < 0)
        return 0;   /* out of memory: the task runs unprepared rather than never */
    J->node_used[nd] = 1;
    if (!J->job->prep || J->node_state[nd] == NODE_READY)
        return 0;
    if (J->node_state[nd] == NODE_FAILED) {
        /* Placed before the exclusion took hold: back it goes. */
        sched_attempt_end (svc->s, task, SCHED_REQUEUE);
        return 1;
    }
    if (J->nheld == J->held_cap) {
        int cap = J->held_cap ? 2 * J->held_cap : 16;
        svc_held_t *h = realloc (J->held, (size_t)cap * sizeof (*h));
        if (!h) {
            sched_attempt_end (svc->s, task, SCHED_REQUEUE);
            return 1;
        }
        J->held = h;
        J->held_cap = cap;
    }
    J->held[J->nheld++] = (svc_held_t){ task, attempt, wn };
    svc->running++;   /* in flight, as far as the loop's end is concerned */
    if (J->node_state[nd] == NODE_NEW)
        send_node_task (svc, J, nd, wn, LAUNCH_PREP);
    return 1;
}

/* A multi-instance placement waiting for its job's preparation on the
 * nodes of its parts. */
struct svc_held_mi {
    sched_assign_t a;
    int attempt;
};

/* 1 when every node of placement a is READY for J, -1 when one FAILED,
 * 0 while some prepare (or are new: their preparation starts now). */
static int mi_nodes (service_t *svc, svc_job_t *J, const sched_assign_t *a, int start)
{
    int ready = 1;
    for (int i = 0; i < a->nparts; i++) {
        int wn = a->parts[i].worker, nd = svc->w[wn].node;
        J->node_used[nd] = 1;
        if (J->node_state[nd] == NODE_FAILED || !svc->w[wn].alive)
            return -1;
        if (J->node_state[nd] == NODE_READY)
            continue;
        ready = 0;
        if (start && J->node_state[nd] == NODE_NEW)
            send_node_task (svc, J, nd, wn, LAUNCH_PREP);
    }
    return ready;
}

int svc_prep_gate_mi (service_t *svc, svc_job_t *J, const sched_assign_t *a, int attempt)
{
    if (svc_job_nodes (svc, J) < 0)
        return 0;
    int r = mi_nodes (svc, J, a, 1);
    if (r > 0)
        return 0;
    if (r < 0 || J->nheld_mi == J->held_mi_cap) {
        int cap = J->held_mi_cap ? 2 * J->held_mi_cap : 4;
        struct svc_held_mi *h = r < 0 ? NULL
                                      : realloc (J->held_mi, (size_t)cap * sizeof (*h));
        if (!h) {
            sched_attempt_end (svc->s, a->task, SCHED_REQUEUE);
            return 1;
        }
        J->held_mi = h;
        J->held_mi_cap = cap;
    }
    J->held_mi[J->nheld_mi].a = *a;
    J->held_mi[J->nheld_mi].attempt = attempt;
    J->nheld_mi++;
    svc->running++;
    return 1;
}

/* Held multi-instance placements of J whose nodes are all prepared start;
 * those with a node that failed (or a worker lost) go back. */
static void release_held_mi (service_t *svc, svc_job_t *J)
{
    double now = mb_clock_real ();
    jobfile_task_t t = { 0 };
    int k = 0;
    for (int i = 0; i < J->nheld_mi; i++) {
        struct svc_held_mi h = J->held_mi[i];
        int r = svc->draining ? -1 : mi_nodes (svc, J, &h.a, 0);
        if (r == 0) {
            J->held_mi[k++] = h;
            continue;
        }
        svc->running--;
        if (sched_state (svc->s, h.a.task) != SCHED_RUNNING)
            continue;
        if (r > 0 && svc_task_get (svc, h.a.task, &t) == 0) {
            svc_mi_start (svc, &h.a, &t, h.attempt, now);
            continue;
        }
        sched_attempt_end (svc->s, h.a.task, SCHED_REQUEUE);
    }
    J->nheld_mi = k;
    jobfile_task_clear (&t);
}

/* The held attempts of job J on node nd: started (ok) or given back. */
static void release_held (service_t *svc, svc_job_t *J, int nd, int ok)
{
    double now = mb_clock_real ();
    jobfile_task_t t = { 0 };
    int k = 0;
    for (int i = 0; i < J->nheld; i++) {
        svc_held_t h = J->held[i];
        if (svc->w[h.wn].node != nd) {
            J->held[k++] = h;
            continue;
        }
        svc->running--;
        /* A worker lost meanwhile had its tasks requeued already. */
        if (!svc->w[h.wn].alive || sched_state (svc->s, h.task) != SCHED_RUNNING)
            continue;
        if (ok && !svc->draining && svc_task_get (svc, h.task, &t) == 0) {
            svc_start_attempt (svc, J, &t, h.task, h.attempt, h.wn, now);
            continue;
        }
        sched_attempt_end (svc->s, h.task, SCHED_REQUEUE);
    }
    J->nheld = k;
    jobfile_task_clear (&t);
}

void svc_prep_drop_held (service_t *svc)
{
    for (int j = 0; j < svc->njobs; j++) {
        svc_job_t *J = svc->jobs[j];
        for (int i = 0; i < J->nheld; i++) {
            svc->running--;
            if (sched_state (svc->s, J->held[i].task) == SCHED_RUNNING)
                sched_attempt_end (svc->s, J->held[i].task, SCHED_REQUEUE);
        }
        J->nheld = 0;
        for (int i = 0; i < J->nheld_mi; i++) {
            svc->running--;
            if (sched_state (svc->s, J->held_mi[i].a.task) == SCHED_RUNNING)
                sched_attempt_end (svc->s, J->held_mi[i].a.task, SCHED_REQUEUE);
        }
        J->nheld_mi = 0;
    }
}

void svc_prep_result (service_t *svc, const result_t *res, int wn)
{
    int num = (int)(res->task >> 16), nd = (int)(res->task & 0xffff);
    if (num < 1 || num > svc->njobs || nd >= svc->nnodes)
        return;
    svc_job_t *J = svc->jobs[num - 1];
    if (svc_job_nodes (svc, J) < 0)
        return;
    const jobfile_prep_t *p = res->kind == LAUNCH_PREP ? J->job->prep : J->job->release;
    if (!p)
        return;
    if (J->j) {
        journal_rec_t r;
        memset (&r, 0, sizeof (r));
        r.type = JREC_PREP;
        r.time = mb_clock_real ();
        r.node = svc->nodes[nd].name;
        r.worker = svc->w[wn].rank;
        r.attempt = res->kind == LAUNCH_PREP ? 0 : 1;
        r.outcome = res->r.outcome;
        r.exit_code = res->r.exit_code;
        r.signal = res->r.signal;
        r.reason = res->r.reason;
        r.start_time = res->r.start_time;
        r.end_time = res->r.end_time;
        journal_append (J->j, &r);
    }
    if (res->kind == LAUNCH_RELEASE) {
        J->node_released[nd] = 2;
        if (J->releases_pending > 0)
            J->releases_pending--;
        if (res->r.outcome != LAUNCH_SUCCEEDED && svc->opts->verbose >= 0)
            fprintf (stderr, "%smpibatch: job %s: release failed on %s: %s\n",
                     svc_bar_nl (svc), J->job->id, svc->nodes[nd].name, res->r.reason);
        return;
    }
    if (res->r.outcome == LAUNCH_SUCCEEDED || !p->wait_for_success) {
        J->node_state[nd] = NODE_READY;
        release_held (svc, J, nd, 1);
        release_held_mi (svc, J);
        return;
    }
    if (res->r.outcome != LAUNCH_INTERRUPTED && !svc->draining && svc->w[wn].alive
        && (p->max_retries < 0 || J->node_prep_attempts[nd] <= p->max_retries)) {
        send_node_task (svc, J, nd, wn, LAUNCH_PREP);
        return;
    }
    /* Failed for good: this job's tasks go elsewhere; other jobs keep
     * the node. */
    J->node_state[nd] = NODE_FAILED;
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].node == nd && svc->w[i].alive)
            sched_job_exclude_worker (svc->s, J->sj, i, 1);
    release_held (svc, J, nd, 0);
    release_held_mi (svc, J);
    if (svc->opts->verbose >= 0 && res->r.outcome != LAUNCH_INTERRUPTED)
        fprintf (stderr, "%smpibatch: job %s: preparation failed on %s (%s): the node takes "
                         "none of its tasks\n", svc_bar_nl (svc), J->job->id,
                 svc->nodes[nd].name, res->r.reason);
}

int svc_prep_release (service_t *svc, svc_job_t *J, double now)
{
    if (!J->job->release || !J->node_used)
        return 1;
    if (!J->release_sent) {
        J->release_sent = 1;
        J->release_started = now;
        for (int nd = 0; nd < svc->nnodes && nd < J->nodes_cap; nd++) {
            if (!J->node_used[nd] || J->node_released[nd])
                continue;
            /* On a live worker of the node. */
            int wn = -1;
            for (int i = 0; i < svc->nworkers && wn < 0; i++)
                if (svc->w[i].node == nd && svc->w[i].alive && !svc->w[i].leaving)
                    wn = i;
            if (wn < 0)
                continue;
            send_node_task (svc, J, nd, wn, LAUNCH_RELEASE);
            J->releases_pending++;
        }
    }
    /* Bounded: the release's own time limit, and a margin. */
    double limit = J->job->release->max_wall_clock > 0 ? J->job->release->max_wall_clock : 900;
    return J->releases_pending == 0 || now - J->release_started > limit + 30;
}

int svc_prep_release_leaving (service_t *svc, int nd, int wn)
{
    int running = 0;
    for (int k = 0; k < svc->njobs; k++) {
        svc_job_t *J = svc->jobs[k];
        if (!J->job->release || !J->node_used || nd >= J->nodes_cap || !J->node_used[nd])
            continue;
        if (J->node_released[nd] == 0) {
            /* Counted like the job's end-release: a job ending meanwhile
             * waits for it too. */
            send_node_task (svc, J, nd, wn, LAUNCH_RELEASE);
            J->releases_pending++;
        }
        running |= J->node_released[nd] == 1;
    }
    return running;
}

void svc_prep_node_gone (service_t *svc, int nd)
{
    for (int k = 0; k < svc->njobs; k++) {
        svc_job_t *J = svc->jobs[k];
        if (!J->node_state || nd >= J->nodes_cap || J->node_released[nd] == 1)
            continue;
        J->node_state[nd] = J->job->prep ? NODE_NEW : NODE_READY;
        J->node_released[nd] = 0;
        J->node_prep_attempts[nd] = 0;
        J->node_used[nd] = 0;
    }
}

void svc_prep_node_lost (service_t *svc, int nd)
{
    for (int k = 0; k < svc->njobs; k++) {
        svc_job_t *J = svc->jobs[k];
        if (!J->node_state || nd >= J->nodes_cap)
            continue;
        /* Its held attempts were requeued with the lost workers' tasks
         * (svc_lose_worker counted them out): drop them. */
        int n = 0;
        for (int i = 0; i < J->nheld; i++)
            if (svc->w[J->held[i].wn].node != nd)
                J->held[n++] = J->held[i];
        J->nheld = n;
        if (J->node_state[nd] == NODE_PREPARING)
            svc->running--;   /* its result will never come */
        if (J->node_released[nd] == 1) {
            svc->running--;
            if (J->releases_pending > 0)
                J->releases_pending--;
            J->node_released[nd] = 2;
        }
    }
    svc_prep_node_gone (svc, nd);
}
