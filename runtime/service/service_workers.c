/* service_workers.c: the service's workers and nodes: their introduction,
 * messages to and from them (through comm, never waiting on a slow one),
 * heartbeats and lost workers, and job preparation and release per node. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "runtime/rank/rank.h"
#include "runtime/service/service_int.h"

static int find_node (service_t *svc, const char *name)
{
    for (int i = 0; i < svc->nnodes; i++)
        if (!strcmp (svc->nodes[i].name, name))
            return i;
    return -1;
}

int svc_add_worker (service_t *svc, int rank, comm_ep_t *ep, const hello_t *h)
{
    int wn = svc->nworkers;
    wstate_t *w = &svc->w[wn];
    memset (w, 0, sizeof (*w));
    w->rank = rank;
    w->ep = ep;
    /* A message from ep finds its worker without a search. */
    if (ep)
        comm_ep_set_data (ep, w);
    w->slots = h->slots;
    w->gpus = h->gpus;
    w->memory = h->memory;
    w->cpus = strdup (h->cpus);
    int nd = find_node (svc, h->node);
    if (nd < 0) {
        nd = svc->nnodes++;
        svc->nodes[nd].name = strdup (h->node);
        svc->nodes[nd].leader = wn;
        svc->nodes[nd].state = svc_node_job (svc) && svc_node_job (svc)->job->prep
                                   ? NODE_NEW : NODE_READY;
    }
    w->node = nd;
    w->alive = 1;
    w->last_heard = w->last_sent = mb_clock_mono ();
    svc->rank2w[rank] = wn;
    svc->nworkers++;
    svc->total_slots += h->slots;
    return wn;
}

/* Deliver a packed batch to worker wn: posted to its endpoint (comm takes
 * the bytes and b is left empty), or straight to the local worker when
 * rank 0 runs tasks itself.  A worker that has not taken what it was sent
 * before, beyond the cap, is lost. */
static void deliver (service_t *svc, int wn, int tag, buf_t *b)
{
    wstate_t *w = &svc->w[wn];
    if (w->rank == 0 && svc->local) {
        if (tag == TAG_ASSIGN)
            worker_assign (svc->local, b->data, b->len);
        else if (tag == TAG_JOB) {
            mb_error_t err = { "" };
            if (worker_job (svc->local, b->data, b->len, &err) < 0)
                fprintf (stderr, "mpibatch: rank 0's worker: %s\n", err.text);
        }
        else if (tag == TAG_CTRL) {
            unpack_t u;
            unpack_init (&u, b->data, b->len);
            unpack_u32 (&u);
            int op = unpack_i32 (&u);
            if (op == CTRL_INTERRUPT)
                worker_interrupt_all (svc->local);
            else if (op == CTRL_UNQUEUE)
                worker_unqueue (svc->local, (uint32_t)unpack_i32 (&u));
            else if (op == CTRL_CANCEL)
                worker_cancel (svc->local, (uint32_t)unpack_i32 (&u));
        }
        return;
    }
    if (!w->alive)
        return;
    if (comm_post (w->ep, tag, b, 1) < 0) {
        char why[512];
        snprintf (why, sizeof (why), "cannot send to it: %s", comm_error ());
        svc_lose_worker (svc, wn, why);
        return;
    }
    w->last_sent = mb_clock_mono ();
}

void svc_send_ctrl (service_t *svc, int wn, int op, int arg)
{
    buf_t b = { 0 };
    buf_pack_u32 (&b, PROTO_VERSION);
    buf_pack_i32 (&b, op);
    buf_pack_i32 (&b, arg);
    deliver (svc, wn, TAG_CTRL, &b);
    buf_free (&b);
}

void svc_flush_batches (service_t *svc)
{
    int any = 0;
    for (int i = 0; i < svc->nworkers; i++)
        any |= svc->w[i].nbatch > 0;
    if (!any)
        return;
    /* Records reach the journal before anyone hears of the attempts. */
    for (int k = 0; k < svc->njobs; k++)
        if (svc->jobs[k]->j && !svc->jobs[k]->ended)
            journal_flush (svc->jobs[k]->j, 0);
    for (int i = 0; i < svc->nworkers; i++) {
        wstate_t *w = &svc->w[i];
        if (!w->nbatch)
            continue;
        proto_batch_end (&w->batch, w->nbatch);
        deliver (svc, i, TAG_ASSIGN, &w->batch);
        w->nbatch = 0;
        buf_reset (&w->batch);
    }
}

/* Tell worker wn of job J (a pool's) before its first attempt there:
 * what the worker needs of the job, in a JOB message.  0, or -1 (ENOMEM:
 * the attempt goes out naming the job anyway and comes back interrupted). */
static int tell_job (service_t *svc, int wn, svc_job_t *J)
{
    if (wn < J->told_cap && J->told[wn])
        return 0;
    if (wn >= J->told_cap) {
        int cap = wn + 16 > 2 * J->told_cap ? wn + 16 : 2 * J->told_cap;
        uint8_t *t = realloc (J->told, (size_t)cap);
        if (!t)
            return -1;
        memset (t + J->told_cap, 0, (size_t)(cap - J->told_cap));
        J->told = t;
        J->told_cap = cap;
    }
    buf_t b = { 0 };
    if (job_msg_pack ((uint32_t)J->num, J->job, svc->pool_dir, svc->nworkers, 10.0, &b) < 0) {
        buf_free (&b);
        return -1;
    }
    deliver (svc, wn, TAG_JOB, &b);
    buf_free (&b);
    J->told[wn] = 1;
    return 0;
}

void svc_queue_assign (service_t *svc, int wn, svc_job_t *J, const jobfile_task_t *t,
                       uint64_t tag, int attempt, int kind, const assign_mi_t *mi)
{
    wstate_t *w = &svc->w[wn];
    /* Under run the one job is the boot jobinfo's (0): nothing to tell. */
    if (J && J->num)
        tell_job (svc, wn, J);
    if (!w->nbatch)
        proto_batch_begin (&w->batch);
    assign_pack (t, J ? (uint32_t)J->num : 0, tag, attempt, kind, mi, &w->batch);
    w->nbatch++;
}

/* Job preparation and release are sent as pseudo-tasks to the node's
 * leader worker. */
void svc_send_node_task (service_t *svc, int nd, int kind)
{
    const jobfile_job_t *job = svc_node_job (svc)->job;
    const jobfile_prep_t *p = kind == LAUNCH_PREP ? job->prep : job->release;
    node_t *n = &svc->nodes[nd];
    jobfile_task_t t;
    memset (&t, 0, sizeof (t));
    t.index = (size_t)nd;
    t.id = kind == LAUNCH_PREP ? "job_preparation" : "job_release";
    t.command = p->command;
    t.slots = 0;
    t.max_wall_clock = p->max_wall_clock;
    t.env = p->env;
    t.inputs = p->inputs;
    t.ninputs = kind == LAUNCH_PREP ? p->ninputs : 0;
    t.sweep = -1;
    int attempt = kind == LAUNCH_PREP ? n->prep_attempts++ : 0;
    svc_queue_assign (svc, n->leader, svc_node_job (svc), &t,
                      svc_make_tag ((uint32_t)nd, attempt, kind), attempt, kind, NULL);
    if (kind == LAUNCH_PREP) {
        n->state = NODE_PREPARING;
        svc->preps_running++;
    }
    else
        n->released = 1;
    svc->running++;
}

static void enable_node (service_t *svc, int nd, int on)
{
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].node == nd && svc->w[i].alive)
            sched_worker_enable (svc->s, i, on);
}

/* Start preparation on more nodes while ready tasks outnumber the slots
 * of nodes that are prepared or preparing: a node that would get no task
 * is never prepared. */
void svc_maybe_prepare (service_t *svc)
{
    if (!svc_node_job (svc) || !svc_node_job (svc)->job->prep || svc->draining)
        return;
    size_t counts[6];
    sched_counts (svc->s, counts);
    size_t want = counts[SCHED_READY] + counts[SCHED_RUNNING];
    size_t have = 0;
    for (int i = 0; i < svc->nworkers; i++) {
        int st = svc->nodes[svc->w[i].node].state;
        if (st == NODE_PREPARING || st == NODE_READY)
            have += (size_t)svc->w[i].slots;
    }
    for (int nd = 0; nd < svc->nnodes && want > have; nd++) {
        if (svc->nodes[nd].state != NODE_NEW)
            continue;
        svc_send_node_task (svc, nd, LAUNCH_PREP);
        for (int i = 0; i < svc->nworkers; i++)
            if (svc->w[i].node == nd)
                have += (size_t)svc->w[i].slots;
    }
}

void svc_on_node_result (service_t *svc, const result_t *res, int wn)
{
    if (svc->pool_mode) {
        svc_prep_result (svc, res, wn);
        return;
    }
    int nd = (int)res->task;
    if (nd < 0 || nd >= svc->nnodes)
        return;
    node_t *n = &svc->nodes[nd];
    svc_job_t *J = svc_node_job (svc);
    if (!J)
        return;
    const jobfile_prep_t *p = res->kind == LAUNCH_PREP ? J->job->prep : J->job->release;
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_PREP;
    r.time = mb_clock_real ();
    r.node = n->name;
    r.worker = svc->w[wn].rank;
    r.attempt = res->kind == LAUNCH_PREP ? 0 : 1;
    r.outcome = res->r.outcome;
    r.exit_code = res->r.exit_code;
    r.signal = res->r.signal;
    r.reason = res->r.reason;
    r.start_time = res->r.start_time;
    r.end_time = res->r.end_time;
    journal_append (J->j, &r);
    if (res->kind == LAUNCH_RELEASE) {
        n->released = 2;
        if (res->r.outcome != LAUNCH_SUCCEEDED && svc->opts->verbose >= 0)
            fprintf (stderr, "mpibatch: job release failed on %s: %s\n", n->name, res->r.reason);
        return;
    }
    svc->preps_running--;
    if (res->r.outcome == LAUNCH_SUCCEEDED || !p->wait_for_success) {
        n->state = NODE_READY;
        enable_node (svc, nd, 1);
        return;
    }
    if (res->r.outcome != LAUNCH_INTERRUPTED
        && (p->max_retries < 0 || n->prep_attempts <= p->max_retries) && !svc->draining) {
        svc_send_node_task (svc, nd, LAUNCH_PREP);
        return;
    }
    n->state = NODE_FAILED;
    if (svc->opts->verbose >= 0 && res->r.outcome != LAUNCH_INTERRUPTED)
        fprintf (stderr, "mpibatch: job preparation failed on %s (%s): the node takes no tasks\n",
                 n->name, res->r.reason);
}

static void handle_results (service_t *svc, const void *p, size_t n, int wn)
{
    unpack_t u;
    int count = proto_batch_read (&u, p, n);
    for (int i = 0; i < count; i++) {
        result_t res;
        if (result_unpack (&u, &res) < 0)
            break;
        if (svc->w[wn].leaving && svc_join_result (svc, wn, &res))
            continue;   /* stale: requeued when its leave timed out (service_join.c) */
        svc_on_result (svc, &res, wn);
    }
}

/* Receive whatever the workers sent.  Returns 1 if anything came. */
int svc_poll_messages (service_t *svc, buf_t *msg)
{
    int got = 0;
    if (svc->local) {
        buf_t out = { 0 };
        proto_batch_begin (&out);
        int n = worker_collect (svc->local, &out);
        if (n > 0) {
            proto_batch_end (&out, (uint32_t)n);
            handle_results (svc, out.data, out.len, svc->rank2w[0]);
            got = 1;
        }
        else if (n < 0 && !svc->fatal) {
            /* The process that starts tasks is gone: nothing can run. */
            fprintf (stderr, "mpibatch: the task launcher died: stopping (the journal is "
                             "consistent: --resume continues)\n");
            svc->fatal = 1;
            svc->drain_reason = "the task launcher died";
        }
        buf_free (&out);
    }
    if (svc->nranks <= 1 && !svc->join)
        return got;
    for (int k = 0; k < 256; k++) {
        comm_msg_t m;
        int rc = comm_recv (NULL, -1, msg, &m, 0);
        if (rc < 0) {
            /* The service cannot hear its workers any more: end the run
             * with its records consistent. */
            fprintf (stderr, "%smpibatch: cannot receive from the workers: %s: stopping (the "
                             "journal is consistent: --resume continues)\n", svc_bar_nl (svc),
                     comm_error ());
            svc->fatal = 1;
            svc->drain_reason = "cannot receive from the workers";
            break;
        }
        if (rc == 0)
            break;
        got = 1;
        wstate_t *w = comm_ep_data (m.from);
        if (!w || !w->alive)
            continue;
        int wn = (int)(w - svc->w);
        w->last_heard = mb_clock_mono ();
        if (m.tag == TAG_RESULT)
            handle_results (svc, msg->data, m.len, wn);
        else if (m.tag == TAG_LEAVE)
            svc_join_leave (svc, wn, msg->data, m.len);
        else if (m.tag == TAG_CTRL) {
            /* A worker got a signal: SIGUSR1 (or TERM/INT) means drain. */
            if (!svc->draining)
                svc_start_drain (svc, "drain requested through a worker (signal)");
        }
    }
    /* Complete the sends the workers took (their buffers are freed). */
    if ((svc->unsent = comm_progress ()) < 0 && !svc->fatal) {
        fprintf (stderr, "%smpibatch: cannot send to the workers: %s: stopping (the journal "
                         "is consistent: --resume continues)\n", svc_bar_nl (svc),
                 comm_error ());
        svc->fatal = 1;
        svc->drain_reason = "cannot send to the workers";
    }
    return got;
}

/* Tasks requeued per call of sched_worker_tasks when a worker is lost. */
#define LOST_CHUNK 4096

void svc_requeue_worker (service_t *svc, int wn, const char *reason)
{
    uint32_t tasks[LOST_CHUNK];
    size_t n;
    double now = mb_clock_real ();
    /* sched_worker_tasks returns how many the worker holds, which may be
     * more than it copied; each pass requeues those copied, which leaves
     * the worker, except the parts of multi-instance attempts that go on
     * elsewhere until their primary has ended (svc_mi_part_lost): they
     * stay, and the passes end when a pass finds nothing else. */
    while (svc->s && (n = sched_worker_tasks (svc->s, wn, tasks, LOST_CHUNK)) > 0) {
        if (n > LOST_CHUNK)
            n = LOST_CHUNK;
        size_t done = 0;
        for (size_t i = 0; i < n; i++) {
            if (svc_mi_part_lost (svc, tasks[i], wn, reason))
                continue;
            done++;
            result_t res;
            memset (&res, 0, sizeof (res));
            res.task = tasks[i];
            res.kind = LAUNCH_TASK;
            res.attempt = svc->last_started ? svc->last_started[tasks[i]] : 0;
            res.r.outcome = LAUNCH_INTERRUPTED;
            res.r.exit_code = -1;
            res.r.start_time = now;
            res.r.end_time = now;
            snprintf (res.r.reason, sizeof (res.r.reason), "%s", reason);
            svc_attempt_end (svc, &res, wn);
            sched_attempt_end (svc->s, tasks[i], SCHED_REQUEUE);
            svc->running--;
            svc->requeues++;
        }
        if (!done)
            break;
    }
}

/* A worker that fell silent, or did not take what it was sent, is lost
 * (Azure's node failure): its running attempts go back to the ready queue
 * without using a retry, and it gets nothing more.  Open MPI 4.1 has no
 * ULFM, so silence is the only sign of a dead rank. */
void svc_lose_worker (service_t *svc, int wn, const char *why)
{
    wstate_t *w = &svc->w[wn];
    if (!w->alive)
        return;
    w->alive = 0;
    if (!w->joined)
        svc->lost++;
    comm_ep_lose (w->ep);
    if (svc->s)
        sched_worker_enable (svc->s, wn, 0);
    char reason[sizeof (((launch_result_t *)0)->reason)];
    snprintf (reason, sizeof (reason), "worker rank %d on %s lost (%s)", w->rank,
              svc->nodes[w->node].name, why);
    fprintf (stderr, "%smpibatch: %s: requeueing its tasks\n", svc_bar_nl (svc), reason);
    svc_requeue_worker (svc, wn, reason);
    /* A pool's job preparations and releases on a node left without a
     * worker will not report either. */
    if (svc->pool_mode && svc->s) {
        int left = 0;
        for (int i = 0; i < svc->nworkers; i++)
            left |= svc->w[i].alive && svc->w[i].node == w->node;
        if (!left)
            svc_prep_node_lost (svc, w->node);
    }
    /* Job preparation or release running there will not report either. */
    for (int nd = 0; nd < svc->nnodes; nd++)
        if (svc->nodes[nd].leader == wn) {
            if (svc->nodes[nd].state == NODE_PREPARING) {
                svc->nodes[nd].state = NODE_FAILED;
                svc->preps_running--;
                svc->running--;
            }
            if (svc->nodes[nd].released == 1) {
                svc->nodes[nd].released = 2;
                svc->running--;
            }
        }
}

void svc_check_heartbeats (service_t *svc)
{
    if (svc->nranks <= 1 && !svc->join)
        return;
    double now = mb_clock_mono ();
    if (now - svc->last_hb_check < 0.5)
        return;
    svc->last_hb_check = now;
    for (int i = 0; i < svc->nworkers; i++) {
        wstate_t *w = &svc->w[i];
        if (!w->alive || w->rank == 0)
            continue;
        if (now - w->last_heard > svc->hb_timeout) {
            char why[64];
            snprintf (why, sizeof (why), "silent for %.0f s", now - w->last_heard);
            svc_lose_worker (svc, i, why);
        }
        else if (now - w->last_sent >= svc->hb) {
            int zero = 0;
            if (comm_post_copy (w->ep, TAG_HEARTBEAT, &zero, sizeof (zero), 0) < 0) {
                char why[512];
                snprintf (why, sizeof (why), "cannot send to it: %s", comm_error ());
                svc_lose_worker (svc, i, why);
                continue;
            }
            w->last_sent = now;
        }
    }
}

int svc_alive_workers (service_t *svc)
{
    int n = 0;
    for (int i = 0; i < svc->nworkers; i++)
        n += svc->w[i].alive;
    return n;
}

void svc_release_nodes (service_t *svc, buf_t *msg)
{
    int any = 0;
    if (svc->pool_mode) {
        /* A pool that stops (drain, deadline) with jobs not ended: their
         * release runs now, as a run's does at its end. */
        double now = mb_clock_real ();
        for (int k = 0; k < svc->njobs; k++)
            if (!svc->jobs[k]->ended && svc->jobs[k]->job->release
                && !svc_prep_release (svc, svc->jobs[k], now))
                any = 1;
    }
    else if (!svc_node_job (svc) || !svc_node_job (svc)->job->release)
        return;
    for (int nd = 0; !svc->pool_mode && nd < svc->nnodes; nd++)
        if ((svc->nodes[nd].state == NODE_READY || svc->nodes[nd].state == NODE_FAILED
             || svc->nodes[nd].prep_attempts > 0)
            && svc->w[svc->nodes[nd].leader].alive) {
            svc_send_node_task (svc, nd, LAUNCH_RELEASE);
            any = 1;
        }
    if (!any)
        return;
    svc_flush_batches (svc);
    run_pace_t pace = { 0, 1, 0 };
    while (svc->running > 0) {
        if (run_sigint >= 2)
            svc_stop_now (svc);
        svc_check_heartbeats (svc);
        run_pace (&pace, svc_poll_messages (svc, msg), svc->local ? worker_fd (svc->local) : -1,
                  svc_pace_cap (svc, 20000));
    }
}

long svc_pace_cap (const service_t *svc, long cap)
{
    /* A message a worker has not taken yet may need this rank to move it
     * along (a large one goes in pieces): look again soon. */
    return svc->unsent > 0 && cap > 1000 ? 1000 : cap;
}

int svc_workers_hello (service_t *svc, launcher_t *l, const jobinfo_t *ji,
                       const topo_share_t *share, int fake, const char *node, buf_t *msg)
{
    int nranks = svc->nranks;
    int nw = nranks > 1 ? nranks - 1 : 1;
    mb_error_t err = { "" };
    svc->w = calloc ((size_t)nw, sizeof (wstate_t));
    svc->rank2w = calloc ((size_t)nranks, sizeof (int));
    svc->nodes = calloc ((size_t)nw, sizeof (node_t));
    if (!svc->w || !svc->rank2w || !svc->nodes) {
        fprintf (stderr, "mpibatch: out of memory\n");
        return -1;
    }
    for (int i = 0; i < nranks; i++)
        svc->rank2w[i] = -1;
    if (svc->rank0_works) {
        hello_t h;
        memset (&h, 0, sizeof (h));
        snprintf (h.node, sizeof (h.node), "%s", node);
        if (share->nslots > 0
            && (svc->local = worker_create (l, ji, share, fake, 0, node, &err))) {
            h.slots = share->nslots;
            h.memory = share->memory;
            h.gpus = share->ngpus;
            snprintf (h.cpus, sizeof (h.cpus), "%s", share->cpus ? share->cpus : "");
            svc_add_worker (svc, 0, NULL, &h);
        }
        else {
            fprintf (stderr, "mpibatch: cannot size a worker on this node: %s\n",
                     err.text[0] ? err.text : "no usable cores");
        }
        return 0;
    }
    /* In rank order: worker numbers follow ranks, so fill = "pack" fills
     * the lowest rank first, as documented. */
    for (int i = 1; i < nranks; i++) {
        comm_ep_t *ep = comm_world_ep (i);
        comm_msg_t m;
        if (!ep || comm_recv (ep, TAG_HELLO, msg, &m, 1) < 0) {
            fprintf (stderr, "mpibatch: cannot hear from rank %d: %s\n", i, comm_error ());
            return -1;
        }
        hello_t h;
        if (hello_unpack (msg->data, m.len, &h) < 0 || h.error[0]) {
            fprintf (stderr, "mpibatch: worker rank %d is not usable: %s\n", i,
                     h.error[0] ? h.error : "malformed introduction");
            continue;
        }
        svc_add_worker (svc, i, ep, &h);
    }
    return 0;
}

void svc_workers_shutdown (service_t *svc, int rc)
{
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].rank != 0)
            svc_send_ctrl (svc, i, CTRL_SHUTDOWN, rc);
    /* Ranks that never became workers still wait for their shutdown. */
    for (int r = 1; svc->rank2w && r < svc->nranks; r++)
        if (svc->rank2w[r] < 0) {
            buf_t b = { 0 };
            buf_pack_u32 (&b, PROTO_VERSION);
            buf_pack_i32 (&b, CTRL_SHUTDOWN);
            buf_pack_i32 (&b, rc);
            if (comm_post (comm_world_ep (r), TAG_CTRL, &b, 1) < 0)
                fprintf (stderr, "mpibatch: cannot stop rank %d: %s\n", r, comm_error ());
            buf_free (&b);
        }
    /* Every rank must have its shutdown before the run ends; one that
     * does not take it within a heartbeat timeout is lost. */
    if (comm_flush (svc->hb_timeout > 0 ? svc->hb_timeout : 30) != 0) {
        /* Even a rank that was never a worker: the run cannot end
         * together then. */
        svc->stuck = 1;
        for (int i = 0; i < svc->nworkers; i++) {
            wstate_t *w = &svc->w[i];
            if (w->alive && w->ep && comm_ep_pending (w->ep) > 0) {
                fprintf (stderr, "mpibatch: worker rank %d did not take its shutdown within "
                                 "%.0f s: ending the run without it\n", w->rank, svc->hb_timeout);
                w->alive = 0;
                comm_ep_lose (w->ep);
                svc->lost++;
            }
        }
    }
}

void svc_workers_free (service_t *svc)
{
    for (int i = 0; svc->w && i < svc->nworkers; i++) {
        free (svc->w[i].cpus);
        buf_free (&svc->w[i].batch);
    }
    free (svc->w);
    for (int i = 0; svc->nodes && i < svc->nnodes; i++)
        free (svc->nodes[i].name);
    free (svc->nodes);
    free (svc->rank2w);
    svc->w = NULL;
    svc->nodes = NULL;
    svc->rank2w = NULL;
}
