/* service.c: rank 0, the batch service: it hands ready tasks to workers
 * with free slots, takes their results, runs job preparation and release
 * once per node, drains on signals and deadlines, and ends the run. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "io/logspool.h"
#include "runtime/rank/rank.h"

/* Tasks go ahead of a full worker's next free slot (sched_set_ahead) while
 * the recent attempts took less than this many seconds on average. */
#define AHEAD_BELOW 0.5

static double mono (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double svc_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Tags name an attempt: task, attempt and kind, so a result finds its way
 * back even after the worker restarted nothing. */
uint64_t svc_make_tag (uint32_t task, int attempt, int kind)
{
    return ((uint64_t)task << 32) | ((uint64_t)(attempt & 0xffffff) << 8) | (uint64_t)kind;
}

static int find_node (service_t *svc, const char *name)
{
    for (int i = 0; i < svc->nnodes; i++)
        if (!strcmp (svc->nodes[i].name, name))
            return i;
    return -1;
}

/* Register a worker from its HELLO. */
static int add_worker (service_t *svc, int rank, const hello_t *h)
{
    int wn = svc->nworkers;
    wstate_t *w = &svc->w[wn];
    memset (w, 0, sizeof (*w));
    w->rank = rank;
    w->slots = h->slots;
    w->gpus = h->gpus;
    w->memory = h->memory;
    w->cpus = strdup (h->cpus);
    int nd = find_node (svc, h->node);
    if (nd < 0) {
        nd = svc->nnodes++;
        svc->nodes[nd].name = strdup (h->node);
        svc->nodes[nd].leader = wn;
        svc->nodes[nd].state = svc->job->prep ? NODE_NEW : NODE_READY;
    }
    w->node = nd;
    w->alive = 1;
    w->last_heard = w->last_sent = mono ();
    svc->rank2w[rank] = wn;
    svc->nworkers++;
    svc->total_slots += h->slots;
    return wn;
}

/* Deliver a packed batch to worker wn: through MPI, or straight to the
 * local worker when rank 0 runs tasks itself. */
static void deliver (service_t *svc, int wn, int tag, buf_t *b)
{
    wstate_t *w = &svc->w[wn];
    if (w->rank == 0 && svc->local) {
        if (tag == TAG_ASSIGN)
            worker_assign (svc->local, b->data, b->len);
        else if (tag == TAG_CTRL) {
            unpack_t u;
            unpack_init (&u, b->data, b->len);
            unpack_u32 (&u);
            int op = unpack_i32 (&u);
            if (op == CTRL_INTERRUPT)
                worker_interrupt_all (svc->local);
            else if (op == CTRL_UNQUEUE)
                worker_unqueue (svc->local);
        }
        return;
    }
    if (!w->alive)
        return;
    run_send (b->data, b->len, w->rank, tag);
    w->last_sent = mono ();
}

static void send_ctrl (service_t *svc, int wn, int op, int arg)
{
    buf_t b = { 0 };
    buf_pack_u32 (&b, PROTO_VERSION);
    buf_pack_i32 (&b, op);
    buf_pack_i32 (&b, arg);
    deliver (svc, wn, TAG_CTRL, &b);
    buf_free (&b);
}

static void flush_batches (service_t *svc)
{
    int any = 0;
    for (int i = 0; i < svc->nworkers; i++)
        any |= svc->w[i].nbatch > 0;
    if (!any)
        return;
    /* Records reach the journal before anyone hears of the attempts. */
    journal_flush (svc->j, 0);
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

void svc_queue_assign (service_t *svc, int wn, const jobfile_task_t *t, uint64_t tag,
                       int attempt, int kind, const assign_mi_t *mi)
{
    wstate_t *w = &svc->w[wn];
    if (!w->nbatch)
        proto_batch_begin (&w->batch);
    assign_pack (t, tag, attempt, kind, mi, &w->batch);
    w->nbatch++;
}

/* Job preparation and release are sent as pseudo-tasks to the node's
 * leader worker. */
static void send_node_task (service_t *svc, int nd, int kind)
{
    const jobfile_prep_t *p = kind == LAUNCH_PREP ? svc->job->prep : svc->job->release;
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
    svc_queue_assign (svc, n->leader, &t, svc_make_tag ((uint32_t)nd, attempt, kind), attempt, kind,
                  NULL);
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
static void maybe_prepare (service_t *svc)
{
    if (!svc->job->prep || svc->draining)
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
        send_node_task (svc, nd, LAUNCH_PREP);
        for (int i = 0; i < svc->nworkers; i++)
            if (svc->w[i].node == nd)
                have += (size_t)svc->w[i].slots;
    }
}

static void dispatch (service_t *svc)
{
    if (svc->draining || svc->stop_on_failure)
        return;
    maybe_prepare (svc);
    sched_assign_t a;
    jobfile_task_t t = { 0 };
    double now = svc_now ();
    /* A task ahead of a full worker's next free slot hides the round trip
     * to here between two tasks, which short tasks notice; behind a long
     * task it would wait while another worker may be idle. */
    sched_set_ahead (svc->s, svc->recent_n >= 4 && svc->recent_secs < AHEAD_BELOW);
    while (sched_next (svc->s, &a) == 1) {
        int wn = a.parts[0].worker;
        /* Attempt numbers continue across resumed runs, so a later run
         * never overwrites an earlier attempt's logs. */
        int attempt = a.attempt;
        if (svc->attempt_base) {
            if (attempt < svc->attempt_base[a.task])
                attempt = svc->attempt_base[a.task];
            svc->attempt_base[a.task] = (uint16_t)(attempt + 1);
        }
        if (jobfile_task_get (svc->jf, a.task, &t) < 0) {
            fprintf (stderr, "mpibatch: cannot expand task %u: %s\n", a.task, strerror (errno));
            continue;
        }
        if (a.nparts > 1 || t.instances > 1) {
            mi_start (svc, &a, &t, attempt, now);
            continue;
        }
        svc_queue_assign (svc, wn, &t, svc_make_tag (a.task, attempt, LAUNCH_TASK), attempt, LAUNCH_TASK,
                      NULL);
        if (svc->last_started)
            svc->last_started[a.task] = (uint16_t)attempt;
        svc_attempt_start (svc, a.task, attempt, wn, now);
        svc->running++;
        if (svc->w[wn].batch.len > (1u << 20))
            flush_batches (svc);
    }
    jobfile_task_clear (&t);
}

static void report_skips (service_t *svc)
{
    uint32_t t;
    while (sched_next_event (svc->s, &t))
        svc_task_end (svc, t, SCHED_SKIPPED,
                      svc->stop_on_failure ? "not started: the run stopped after a failure"
                                           : "a dependency failed");
}

static void on_node_result (service_t *svc, const result_t *res, int wn)
{
    int nd = (int)res->task;
    if (nd < 0 || nd >= svc->nnodes)
        return;
    node_t *n = &svc->nodes[nd];
    const jobfile_prep_t *p = res->kind == LAUNCH_PREP ? svc->job->prep : svc->job->release;
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_PREP;
    r.time = svc_now ();
    r.node = n->name;
    r.worker = svc->w[wn].rank;
    r.attempt = res->kind == LAUNCH_PREP ? 0 : 1;
    r.outcome = res->r.outcome;
    r.exit_code = res->r.exit_code;
    r.signal = res->r.signal;
    r.reason = res->r.reason;
    r.start_time = res->r.start_time;
    r.end_time = res->r.end_time;
    journal_append (svc->j, &r);
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
        send_node_task (svc, nd, LAUNCH_PREP);
        return;
    }
    n->state = NODE_FAILED;
    if (svc->opts->verbose >= 0 && res->r.outcome != LAUNCH_INTERRUPTED)
        fprintf (stderr, "mpibatch: job preparation failed on %s (%s): the node takes no tasks\n",
                 n->name, res->r.reason);
}

void svc_on_result (service_t *svc, const result_t *res, int wn)
{
    svc->running--;
    if (res->kind == LAUNCH_COORD) {
        mi_coord_result (svc, res, wn);
        return;
    }
    if (res->kind != LAUNCH_TASK) {
        on_node_result (svc, res, wn);
        return;
    }
    if (svc->mi)
        mi_forget (svc, res->task);
    /* The exit conditions decide (retry, requeue, fail, succeed) and the
     * attempt is recorded with the rule that did. */
    sched_verdict_t v;
    int st;
    attempt_t *a = svc_exit_attempt_end (svc, res, wn, &v, &st);
    if (svc->spool_fd >= 0 && (res->out || res->err)) {
        char id[80];
        jobfile_task_id (svc->jf, res->task, id, sizeof (id));
        if ((res->out && logspool_append (svc->spool_fd, id, res->attempt, 1, res->out,
                                          res->out_len) < 0)
            || (res->err && logspool_append (svc->spool_fd, id, res->attempt, 2, res->err,
                                             res->err_len) < 0))
            fprintf (stderr, "mpibatch: cannot keep the logs of %s: %s\n", id, strerror (errno));
    }
    wstate_t *w = &svc->w[wn];
    w->tasks_run++;
    if (a) {
        double d = a->end_time - a->start_time;
        w->busy_seconds += d * (double)a->slots;
        /* The mean of the last ~8 attempts, for sched_set_ahead. */
        if (svc->recent_n < 8)
            svc->recent_n++;
        svc->recent_secs += (d - svc->recent_secs) / svc->recent_n;
    }
    if (v.job == EXIT_JOB_TERMINATE && !svc->draining) {
        /* Its running siblings are interrupted at once; their attempts
         * come back interrupted and the rest of the job is skipped. */
        if (svc->opts->verbose >= 0)
            fprintf (stderr, "%smpibatch: job terminated by %s: interrupting its running "
                             "tasks\n", svc_bar_nl (svc), svc->terminated_by);
        svc->stop_on_failure = 1;
        sched_hold (svc->s);
        for (int i = 0; i < svc->nworkers; i++)
            if (svc->w[i].alive)
                send_ctrl (svc, i, CTRL_INTERRUPT, 0);
    }
    if (((st == SCHED_FAILED && svc->job->on_task_failure == JOB_ON_FAILURE_STOP)
         || v.job == EXIT_JOB_STOP) && !svc->stop_on_failure) {
        svc->stop_on_failure = 1;
        sched_hold (svc->s);
        /* Tasks sent ahead and not started yet come back, to be skipped. */
        for (int i = 0; i < svc->nworkers; i++)
            if (svc->w[i].alive)
                send_ctrl (svc, i, CTRL_UNQUEUE, 0);
        if (svc->opts->verbose >= 0)
            fprintf (stderr, "mpibatch: %s: starting no more tasks\n",
                     v.job == EXIT_JOB_STOP ? "an exit condition stops the job"
                                            : "task failed and on_task_failure = \"stop\"");
    }
    if (svc->opts->verbose > 0) {
        char id[80];
        jobfile_task_id (svc->jf, res->task, id, sizeof (id));
        fprintf (stderr, "mpibatch: %s attempt %d on rank %d: %s%s%s\n", id, res->attempt,
                 w->rank, svc_outcome_name (res->r.outcome), res->r.reason[0] ? ": " : "",
                 res->r.reason);
    }
    report_skips (svc);
}

static void handle_results (service_t *svc, const void *p, size_t n, int wn)
{
    unpack_t u;
    int count = proto_batch_read (&u, p, n);
    for (int i = 0; i < count; i++) {
        result_t res;
        if (result_unpack (&u, &res) < 0)
            break;
        svc_on_result (svc, &res, wn);
    }
}

static void start_drain (service_t *svc, const char *why)
{
    if (svc->draining)
        return;
    svc->draining = 1;
    svc->drain_reason = why;
    sched_hold (svc->s);
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: %s: draining (running tasks are interrupted and will run "
                         "again on --resume)\n", svc_bar_nl (svc), why);
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].alive)
            send_ctrl (svc, i, CTRL_INTERRUPT, 0);
}

/* A second SIGINT: stop at once.  The journal is flushed first, so it
 * stays consistent; the launchers kill the tasks when their ranks go. */
static void stop_now (service_t *svc)
{
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_RUN_END;
    r.time = svc_now ();
    r.status = 2;
    journal_append (svc->j, &r);
    journal_close (svc->j);
    svc->j = NULL;
    fprintf (stderr, "\nmpibatch: second interrupt: stopping now (resume with --resume)\n");
    if (svc->local)
        worker_interrupt_all (svc->local);
    if (svc->nranks > 1)
        MPI_Abort (MPI_COMM_WORLD, 4);
    exit (4);
}

static void check_signals_and_time (service_t *svc, double now)
{
    if (run_sigint >= 2)
        stop_now (svc);
    if (run_sigint || run_sigterm || run_sigusr1) {
        run_signal_drain_pipe ();
        start_drain (svc, run_sigint ? "interrupted (SIGINT)" : run_sigterm
                                                                   ? "terminated (SIGTERM)"
                                                                   : "drain requested (SIGUSR1)");
    }
    if (svc->deadline > 0 && now >= svc->deadline)
        start_drain (svc, "deadline reached");
}

/* Receive whatever the workers sent.  Returns 1 if anything came. */
static int poll_messages (service_t *svc, buf_t *msg)
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
    if (svc->nranks <= 1)
        return got;
    for (int k = 0; k < 256; k++) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe (MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag)
            break;
        int len;
        MPI_Get_count (&st, MPI_BYTE, &len);
        buf_reset (msg);
        buf_reserve (msg, (size_t)len);
        MPI_Recv (msg->data, len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                  MPI_STATUS_IGNORE);
        got = 1;
        int wn = st.MPI_SOURCE < svc->nranks ? svc->rank2w[st.MPI_SOURCE] : -1;
        if (wn < 0 || !svc->w[wn].alive)
            continue;
        svc->w[wn].last_heard = mono ();
        if (st.MPI_TAG == TAG_RESULT)
            handle_results (svc, msg->data, (size_t)len, wn);
        else if (st.MPI_TAG == TAG_CTRL) {
            /* A worker got a signal: SIGUSR1 (or TERM/INT) means drain. */
            if (!svc->draining)
                start_drain (svc, "drain requested through a worker (signal)");
        }
    }
    return got;
}

/* A worker that fell silent is lost (Azure's node failure): its running
 * attempts go back to the ready queue without using a retry, and it gets
 * nothing more.  Open MPI 4.1 has no ULFM, so silence is the only sign. */
static void lose_worker (service_t *svc, int wn, double silent)
{
    wstate_t *w = &svc->w[wn];
    w->alive = 0;
    svc->lost++;
    sched_worker_enable (svc->s, wn, 0);
    char reason[256];
    snprintf (reason, sizeof (reason), "worker rank %d on %s lost (silent for %.0f s)", w->rank,
              svc->nodes[w->node].name, silent);
    fprintf (stderr, "%smpibatch: %s: requeueing its tasks\n", svc_bar_nl (svc), reason);
    uint32_t tasks[4096];
    size_t n;
    double now = svc_now ();
    while ((n = sched_worker_tasks (svc->s, wn, tasks, 4096)) > 0) {
        for (size_t i = 0; i < n; i++) {
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

static void check_heartbeats (service_t *svc)
{
    if (svc->nranks <= 1)
        return;
    double now = mono ();
    if (now - svc->last_hb_check < 0.5)
        return;
    svc->last_hb_check = now;
    for (int i = 0; i < svc->nworkers; i++) {
        wstate_t *w = &svc->w[i];
        if (!w->alive || w->rank == 0)
            continue;
        if (now - w->last_heard > svc->hb_timeout)
            lose_worker (svc, i, now - w->last_heard);
        else if (now - w->last_sent >= svc->hb) {
            int zero = 0;
            MPI_Send (&zero, (int)sizeof (zero), MPI_BYTE, w->rank, TAG_HEARTBEAT, MPI_COMM_WORLD);
            w->last_sent = now;
        }
    }
}

static int alive_workers (service_t *svc)
{
    int n = 0;
    for (int i = 0; i < svc->nworkers; i++)
        n += svc->w[i].alive;
    return n;
}

static void release_nodes (service_t *svc, buf_t *msg)
{
    if (!svc->job->release)
        return;
    int any = 0;
    for (int nd = 0; nd < svc->nnodes; nd++)
        if ((svc->nodes[nd].state == NODE_READY || svc->nodes[nd].state == NODE_FAILED
             || svc->nodes[nd].prep_attempts > 0)
            && svc->w[svc->nodes[nd].leader].alive) {
            send_node_task (svc, nd, LAUNCH_RELEASE);
            any = 1;
        }
    if (!any)
        return;
    flush_batches (svc);
    run_pace_t pace = { 0, 1, 0 };
    while (svc->running > 0) {
        if (run_sigint >= 2)
            stop_now (svc);
        check_heartbeats (svc);
        run_pace (&pace, poll_messages (svc, msg), svc->local ? worker_fd (svc->local) : -1,
                  20000);
    }
}

/* Tasks that need more slots than any worker has can never start: fail
 * them now, with the reason, instead of waiting forever. */
static void fail_oversized (service_t *svc)
{
    int maxslots = 0, maxgpus = 0;
    int64_t maxmem = 0;
    int unknown_mem = 0;
    for (int i = 0; i < svc->nworkers; i++) {
        if (svc->w[i].slots > maxslots)
            maxslots = svc->w[i].slots;
        if (svc->w[i].gpus > maxgpus)
            maxgpus = svc->w[i].gpus;
        if (svc->w[i].memory > maxmem)
            maxmem = svc->w[i].memory;
        unknown_mem |= svc->w[i].memory == 0;
    }
    char reason[200];
    for (size_t i = 0; i < svc->ntasks; i++) {
        if (sched_state (svc->s, (uint32_t)i) >= SCHED_SUCCEEDED)
            continue;
        jobfile_reqs_t r;
        jobfile_task_reqs (svc->jf, i, &r);
        int need = r.instances > 1 ? r.slots * r.instances : r.slots;
        int cap = r.instances > 1 ? svc->total_slots : maxslots;
        reason[0] = '\0';
        if (need > cap)
            snprintf (reason, sizeof (reason), "needs %d slots but %s has %d", need,
                      r.instances > 1 ? "the run" : "the largest worker", cap);
        else if (r.gpus > maxgpus)
            snprintf (reason, sizeof (reason), "needs %d GPU%s but the largest worker has %d",
                      r.gpus, r.gpus == 1 ? "" : "s", maxgpus);
        else if (r.memory > maxmem && !unknown_mem)
            snprintf (reason, sizeof (reason), "needs %.1f GiB of memory but the largest "
                      "worker's share is %.1f GiB", (double)r.memory / 1073741824.0,
                      (double)maxmem / 1073741824.0);
        if (reason[0]) {
            sched_preset (svc->s, (uint32_t)i, SCHED_FAILED, 0);
            svc_task_end (svc, (uint32_t)i, SCHED_FAILED, reason);
        }
    }
}

int service_main (service_t *svc, int nranks, launcher_t *l, const jobinfo_t *ji,
                  const topo_share_t *share, int fake, const char *node)
{
    mb_error_t err = { "" };
    buf_t msg = { 0 };
    svc->nranks = nranks;
    svc->rank0_works = nranks == 1;
    svc->hb = proto_heartbeat_interval ();
    svc->hb_timeout = proto_heartbeat_timeout ();
    int nw = nranks > 1 ? nranks - 1 : 1;
    svc->w = calloc ((size_t)nw, sizeof (wstate_t));
    svc->rank2w = calloc ((size_t)nranks, sizeof (int));
    svc->nodes = calloc ((size_t)nw, sizeof (node_t));
    if (!svc->w || !svc->rank2w || !svc->nodes) {
        fprintf (stderr, "mpibatch: out of memory\n");
        return 3;
    }
    for (int i = 0; i < nranks; i++)
        svc->rank2w[i] = -1;

    /* Workers introduce themselves. */
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
            add_worker (svc, 0, &h);
        }
        else {
            fprintf (stderr, "mpibatch: cannot size a worker on this node: %s\n",
                     err.text[0] ? err.text : "no usable cores");
        }
    }
    else {
        /* In rank order: worker numbers follow ranks, so fill = "pack"
         * fills the lowest rank first, as documented. */
        for (int i = 1; i < nranks; i++) {
            MPI_Status st;
            int len;
            MPI_Probe (i, TAG_HELLO, MPI_COMM_WORLD, &st);
            MPI_Get_count (&st, MPI_BYTE, &len);
            buf_reset (&msg);
            buf_reserve (&msg, (size_t)len);
            MPI_Recv (msg.data, len, MPI_BYTE, st.MPI_SOURCE, TAG_HELLO, MPI_COMM_WORLD,
                      MPI_STATUS_IGNORE);
            hello_t h;
            if (hello_unpack (msg.data, (size_t)len, &h) < 0 || h.error[0]) {
                fprintf (stderr, "mpibatch: worker rank %d is not usable: %s\n", st.MPI_SOURCE,
                         h.error[0] ? h.error : "malformed introduction");
                continue;
            }
            add_worker (svc, st.MPI_SOURCE, &h);
        }
    }
    int rc = 3;
    if (svc->nworkers == 0) {
        fprintf (stderr, "mpibatch: no usable worker: nothing can run\n");
        goto shutdown;
    }
    svc->s = sched_create (svc->g, svc->task_reqs, svc->job->fill == JOB_FILL_PACK
                                                        ? SCHED_FILL_PACK : SCHED_FILL_SPREAD);
    free (svc->task_reqs);
    svc->task_reqs = NULL;
    if (!svc->s) {
        fprintf (stderr, "mpibatch: cannot create the scheduler: %s\n", strerror (errno));
        goto shutdown;
    }
    for (int i = 0; i < svc->nworkers; i++) {
        sched_worker_add (svc->s, i, svc->w[i].node, svc->w[i].slots, svc->w[i].gpus,
                          svc->w[i].memory);
        if (svc->nodes[svc->w[i].node].state != NODE_READY)
            sched_worker_enable (svc->s, i, 0);
    }
    if (svc_journal_run_start (svc) < 0) {
        fprintf (stderr, "mpibatch: cannot write the journal: %s\n", strerror (errno));
        goto shutdown;
    }
    fail_oversized (svc);
    sched_start (svc->s);
    if (svc->terminated) {
        /* --resume of a terminated job: nothing more runs. */
        sched_hold (svc->s);
        sched_skip_remaining (svc->s);
        svc->stop_on_failure = 1;
    }
    report_skips (svc);
    svc->started = svc_now ();
    svc->last_fsync = svc->last_progress = svc->last_report = svc->started;
    if (svc->job->max_wall_clock > 0) {
        double d = svc->started + svc->job->max_wall_clock;
        if (!svc->deadline || d < svc->deadline)
            svc->deadline = d;
    }
    svc_print_start (svc);

    run_pace_t pace = { 0, 1, 0 };
    for (;;) {
        double now = svc_now ();
        check_signals_and_time (svc, now);
        check_heartbeats (svc);
        if (svc->fatal)
            break;
        if (alive_workers (svc) == 0) {
            fprintf (stderr, "mpibatch: every worker is lost: stopping (the journal is "
                             "consistent: --resume continues)\n");
            svc->drain_reason = "every worker lost";
            svc->fatal = 1;
            break;
        }
        /* Walltime-aware starts: what cannot finish before the deadline
         * waits for the next allocation. */
        sched_set_time_left (svc->s, svc->deadline > 0 ? svc->deadline - now : -1);
        dispatch (svc);
        flush_batches (svc);
        size_t held = svc->deadline > 0 ? sched_held_back (svc->s) : 0;
        if (held > svc->held_reported && svc->opts->verbose >= 0) {
            fprintf (stderr, "%smpibatch: %zu task%s held back: %s time_request exceeds the "
                             "%.0f s left before the deadline (they run on --resume)\n",
                     svc_bar_nl (svc), held, held == 1 ? "" : "s", held == 1 ? "its" : "their",
                     svc->deadline - now);
            svc->held_reported = held;
        }
        if (svc->running == 0) {
            if (sched_finished (svc->s) || svc->draining)
                break;
            if (held > 0 && !svc->stop_on_failure) {
                /* Nothing runs and what is left cannot finish in time:
                 * end now rather than idle until the deadline. */
                svc->draining = 1;
                svc->drain_reason = "the tasks left cannot finish before the deadline";
                break;
            }
            if (svc->stop_on_failure) {
                sched_skip_remaining (svc->s);
                report_skips (svc);
                break;
            }
            /* Ready tasks that no worker could ever hold (gpus, memory,
             * slots): fail them with the reason instead of waiting. */
            uint32_t ut;
            int failed_some = 0;
            while (sched_unplaceable (svc->s, &ut) == 1 && sched_fail_ready (svc->s, ut) == 0) {
                svc_task_end (svc, ut, SCHED_FAILED,
                              "needs more slots, GPUs or memory than any worker has");
                report_skips (svc);
                failed_some = 1;
            }
            if (failed_some)
                continue;
            /* Nothing runs, nothing can start: every node that could take
             * the remaining tasks failed its preparation. */
            int usable = 0;
            for (int nd = 0; nd < svc->nnodes; nd++)
                usable |= svc->nodes[nd].state != NODE_FAILED;
            if (!usable) {
                fprintf (stderr, "mpibatch: job preparation failed on every node: "
                                 "no task can run (fix it and use --resume)\n");
                svc->drain_reason = "job preparation failed everywhere";
                svc->fatal = 1;
                break;
            }
        }
        if (now - svc->last_fsync >= 1.0) {
            journal_flush (svc->j, 1);
            svc->last_fsync = now;
        }
        if (now - svc->last_report >= 300.0) {
            svc_write_report (svc, "running", &err);
            svc->last_report = now;
        }
        svc_progress (svc, now, 0);
        /* With remote workers MPI must be probed every 20 ms at least.
         * Alone, the launcher's descriptor wakes us: sleep longer. */
        run_pace (&pace, poll_messages (svc, &msg), svc->local ? worker_fd (svc->local) : -1,
                  nranks > 1 ? 20000 : 250000);
    }
    release_nodes (svc, &msg);
    svc->finished = svc_now ();
    {
        size_t counts[6];
        sched_counts (svc->s, counts);
        const char *status;
        if (svc->fatal) {
            status = "interrupted";
            rc = 3;
        }
        else if (svc->terminated) {
            status = "terminated";
            rc = 1;
        }
        else if (svc->draining) {
            status = "interrupted";
            rc = 4;
        }
        else if (counts[SCHED_FAILED] || counts[SCHED_SKIPPED]) {
            status = "failed";
            rc = 1;
        }
        else {
            status = "succeeded";
            rc = 0;
        }
        svc->status = rc;
        journal_rec_t r;
        memset (&r, 0, sizeof (r));
        r.type = JREC_RUN_END;
        r.time = svc->finished;
        r.status = svc->terminated && rc == 1 ? 4 : rc == 0 ? 0 : rc == 1 ? 1 : rc == 4 ? 2 : 3;
        journal_append (svc->j, &r);
        if (journal_flush (svc->j, 1) < 0) {
            fprintf (stderr, "mpibatch: cannot write the journal: %s\n", strerror (errno));
            rc = 3;
        }
        if (svc_write_report (svc, status, &err) < 0)
            fprintf (stderr, "mpibatch: cannot write the report: %s\n", err.text);
        svc_progress (svc, svc->finished, 1);
        svc_print_summary (svc);
    }
shutdown:
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].rank != 0)
            send_ctrl (svc, i, CTRL_SHUTDOWN, rc);
    /* Ranks that never became workers still wait for their shutdown. */
    for (int r = 1; r < nranks; r++)
        if (svc->rank2w[r] < 0) {
            buf_t b = { 0 };
            buf_pack_u32 (&b, PROTO_VERSION);
            buf_pack_i32 (&b, CTRL_SHUTDOWN);
            buf_pack_i32 (&b, rc);
            MPI_Send (b.data, (int)b.len, MPI_BYTE, r, TAG_CTRL, MPI_COMM_WORLD);
            doorbell_ring (run_doorbell, r);
            buf_free (&b);
        }
    journal_close (svc->j);
    svc->j = NULL;
    if (svc->spool_fd >= 0)
        close (svc->spool_fd);
    mi_free_all (svc);
    worker_destroy (svc->local);
    buf_free (&msg);
    return rc;
}
