/* service.c: rank 0, the batch service's loop: it hands ready tasks to
 * workers with free slots, takes their results, drains on signals and
 * deadlines, and ends the run.  Its other parts: see service_int.h. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/names.h"
#include "io/logspool.h"
#include "runtime/rank/rank.h"
#include "runtime/service/service_int.h"

/* Tasks go ahead of a full worker's next free slot (sched_set_ahead) while
 * the recent attempts took less than this many seconds on average. */
#define AHEAD_BELOW 0.5

/* Tags name an attempt: task, attempt and kind, so a result finds its way
 * back even after the worker restarted nothing. */
uint64_t svc_make_tag (uint32_t task, int attempt, int kind)
{
    return ((uint64_t)task << 32) | ((uint64_t)(attempt & 0xffffff) << 8) | (uint64_t)kind;
}

static void dispatch (service_t *svc)
{
    /* A run stops starting tasks when its job stops; a pool holds that
     * job only (sched_job_hold). */
    if (svc->draining || (!svc->pool_mode && svc->jobs[0]->stop_on_failure))
        return;
    svc_maybe_prepare (svc);
    sched_assign_t a;
    jobfile_task_t t = { 0 };
    double now = mb_clock_real ();
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
        if (svc_task_get (svc, a.task, &t) < 0) {
            fprintf (stderr, "mpibatch: cannot expand task %u: %s\n", a.task, strerror (errno));
            continue;
        }
        size_t local;
        svc_job_t *J = svc_task_job (svc, a.task, &local);
        if (a.nparts > 1 || t.instances > 1) {
            if (!(svc->pool_mode && (J->job->prep || J->job->release)
                  && svc_prep_gate_mi (svc, J, &a, attempt)))
                svc_mi_start (svc, &a, &t, attempt, now);
            continue;
        }
        /* A pool's job is prepared on a node before its first task
         * there. */
        if (svc->pool_mode && (J->job->prep || J->job->release)
            && svc_prep_gate (svc, J, a.task, attempt, wn))
            continue;
        svc_start_attempt (svc, J, &t, a.task, attempt, wn, now);
        if (svc->w[wn].batch.len > (1u << 20))
            svc_flush_batches (svc);
    }
    jobfile_task_clear (&t);
}

void svc_start_attempt (service_t *svc, svc_job_t *J, const jobfile_task_t *t, uint32_t task,
                        int attempt, int wn, double now)
{
    svc_queue_assign (svc, wn, J, t, svc_make_tag (task, attempt, LAUNCH_TASK), attempt,
                      LAUNCH_TASK, NULL);
    if (svc->last_started)
        svc->last_started[task] = (uint16_t)attempt;
    svc_attempt_start (svc, task, attempt, wn, now);
    svc->running++;
}

void svc_report_skips (service_t *svc)
{
    uint32_t t;
    size_t l;
    while (sched_next_event (svc->s, &t))
        svc_task_end (svc, t, SCHED_SKIPPED,
                      svc_task_job (svc, t, &l)->stop_on_failure
                          ? "not started: the run stopped after a failure"
                          : "a dependency failed");
}

void svc_on_result (service_t *svc, const result_t *res, int wn)
{
    svc->running--;
    if (res->kind == LAUNCH_COORD) {
        svc_mi_coord_result (svc, res, wn);
        return;
    }
    if (res->kind != LAUNCH_TASK) {
        svc_on_node_result (svc, res, wn);
        return;
    }
    result_t fixed;
    res = svc_mi_result (svc, res, &fixed);
    svc_mi_forget (svc, res->task);
    /* The exit conditions decide (retry, requeue, fail, succeed) and the
     * attempt is recorded with the rule that did. */
    sched_verdict_t v;
    int st;
    size_t local;
    svc_job_t *J = svc_task_job (svc, res->task, &local);
    attempt_t *a = svc_exit_attempt_end (svc, res, wn, &v, &st);
    if (J->spool_fd >= 0 && (res->out || res->err)) {
        char id[80];
        svc_task_id (svc, res->task, id, sizeof (id));
        if ((res->out && logspool_append (J->spool_fd, id, res->attempt, 1, res->out,
                                          res->out_len) < 0)
            || (res->err && logspool_append (J->spool_fd, id, res->attempt, 2, res->err,
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
            fprintf (stderr, "%smpibatch: job %s terminated by %s: interrupting its running "
                             "tasks\n", svc_bar_nl (svc), J->job->id, J->terminated_by);
        J->stop_on_failure = 1;
        if (!svc->pool_mode) {
            sched_hold (svc->s);
            for (int i = 0; i < svc->nworkers; i++)
                if (svc->w[i].alive)
                    svc_send_ctrl (svc, i, CTRL_INTERRUPT, 0);
        }
        else {
            sched_job_hold (svc->s, J->sj);
            svc_job_interrupt (svc, J);
        }
    }
    if (((st == SCHED_FAILED && J->job->on_task_failure == JOB_ON_FAILURE_STOP)
         || v.job == EXIT_JOB_STOP) && !J->stop_on_failure) {
        J->stop_on_failure = 1;
        if (!svc->pool_mode)
            sched_hold (svc->s);
        else
            sched_job_hold (svc->s, J->sj);
        /* This job's tasks sent ahead and not started yet come back, to be
         * skipped; other jobs' stay queued on the workers. */
        for (int i = 0; i < svc->nworkers; i++)
            if (svc->w[i].alive)
                svc_send_ctrl (svc, i, CTRL_UNQUEUE, J->num);
        if (svc->opts->verbose >= 0)
            fprintf (stderr, "%smpibatch: %s%s%s: starting no more tasks\n", svc_bar_nl (svc),
                     svc->pool_mode ? "job " : "", svc->pool_mode ? J->job->id : "",
                     v.job == EXIT_JOB_STOP ? (svc->pool_mode ? ": an exit condition stops it"
                                                              : "an exit condition stops the job")
                     : (svc->pool_mode ? ": task failed and on_task_failure = \"stop\""
                                       : "task failed and on_task_failure = \"stop\""));
    }
    if (svc->opts->verbose > 0) {
        char id[80];
        svc_task_id (svc, res->task, id, sizeof (id));
        fprintf (stderr, "mpibatch: %s attempt %d on rank %d: %s%s%s\n", id, res->attempt,
                 w->rank, mb_outcome_name (res->r.outcome), res->r.reason[0] ? ": " : "",
                 res->r.reason);
    }
    svc_report_skips (svc);
}

void svc_start_drain (service_t *svc, const char *why)
{
    if (svc->draining)
        return;
    svc->draining = 1;
    svc->drain_reason = why;
    sched_hold (svc->s);
    if (svc->pool_mode)
        svc_prep_drop_held (svc);
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: %s: draining (running tasks are interrupted and will run "
                         "again on --resume)\n", svc_bar_nl (svc), why);
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].alive)
            svc_send_ctrl (svc, i, CTRL_INTERRUPT, 0);
}

/* A second SIGINT: stop at once.  The journal is flushed first, so it
 * stays consistent; the launchers kill the tasks when their ranks go. */
void svc_stop_now (service_t *svc)
{
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_RUN_END;
    r.time = mb_clock_real ();
    r.status = 2;
    for (int k = 0; k < svc->njobs; k++) {
        svc_job_t *J = svc->jobs[k];
        if (!J->j || J->ended)
            continue;
        journal_append (J->j, &r);
        journal_close (J->j);
        J->j = NULL;
    }
    fprintf (stderr, "\nmpibatch: second interrupt: stopping now (resume with --resume)\n");
    if (svc->local)
        worker_interrupt_all (svc->local);
    if (svc->nranks > 1)
        comm_abort (4);
    exit (4);
}

static void check_signals_and_time (service_t *svc, double now)
{
    if (run_sigint >= 2)
        svc_stop_now (svc);
    if (run_sigint || run_sigterm || run_sigusr1) {
        run_signal_drain_pipe ();
        svc_start_drain (svc, run_sigint ? "interrupted (SIGINT)" : run_sigterm
                                                                   ? "terminated (SIGTERM)"
                                                                   : "drain requested (SIGUSR1)");
    }
    if (svc->deadline > 0 && now >= svc->deadline)
        svc_start_drain (svc, "deadline reached");
}

int svc_may_join (const service_t *svc)
{
    return svc->opts->accept_workers && !(svc->shutdown && svc->running == 0);
}

/* Why task i fits no current worker, in reason (empty when it fits one). */
static void oversize_reason (service_t *svc, size_t i, char *reason, size_t len)
{
    int maxslots = 0, maxgpus = 0;
    int64_t maxmem = 0;
    int unknown_mem = 0;
    for (int k = 0; k < svc->nworkers; k++) {
        if (!svc->w[k].alive && svc->w[k].joined)
            continue;   /* a joined worker that left holds nothing any more */
        if (svc->w[k].slots > maxslots)
            maxslots = svc->w[k].slots;
        if (svc->w[k].gpus > maxgpus)
            maxgpus = svc->w[k].gpus;
        if (svc->w[k].memory > maxmem)
            maxmem = svc->w[k].memory;
        unknown_mem |= svc->w[k].memory == 0;
    }
    jobfile_reqs_t r;
    svc_task_reqs (svc, i, &r);
    int need = r.instances > 1 ? r.slots * r.instances : r.slots;
    int cap = r.instances > 1 ? svc->total_slots : maxslots;
    reason[0] = '\0';
    if (need > cap)
        snprintf (reason, len, "needs %d slots but %s has %d", need,
                  r.instances > 1 ? (svc->pool_mode ? "the pool" : "the run")
                                  : "the largest worker", cap);
    else if (r.gpus > maxgpus)
        snprintf (reason, len, "needs %d GPU%s but the largest worker has %d", r.gpus,
                  r.gpus == 1 ? "" : "s", maxgpus);
    else if (r.memory > maxmem && !unknown_mem)
        snprintf (reason, len, "needs %.1f GiB of memory but the largest worker's share is "
                  "%.1f GiB", (double)r.memory / 1073741824.0, (double)maxmem / 1073741824.0);
}

/* Said once per job: its task i waits for a worker that can hold it. */
static void say_waits (service_t *svc, size_t i, const char *reason)
{
    size_t l;
    svc_job_t *J = svc_task_job (svc, (uint32_t)i, &l);
    if (!J || J->wait_said)
        return;
    J->wait_said = 1;
    char id[256];
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: job %s: task %s %s: it waits for a worker that can "
                         "hold it to join (it fails if none has when the %s shuts down)\n",
                 svc_bar_nl (svc), J->job->id, svc_task_id (svc, i, id, sizeof (id)),
                 reason[0] ? reason : "fits no worker there is",
                 svc->pool_mode ? "pool" : "run");
}

/* Tasks that need more slots than any worker has can never start: fail
 * them now, with the reason, instead of waiting forever -- unless workers
 * may join, when they wait for one as HyperQueue's and Azure Batch's
 * tasks wait for a worker or node that fits. */
void svc_fail_oversized (service_t *svc, size_t first, size_t n)
{
    /* A pool with no worker yet (--serve-only) waits for some. */
    if (svc->pool_mode && svc_alive_workers (svc) == 0)
        return;
    int wait = svc_may_join (svc);
    char reason[200];
    for (size_t i = first; i < first + n && i < svc->ntasks; i++) {
        if (sched_state (svc->s, (uint32_t)i) >= SCHED_SUCCEEDED)
            continue;
        oversize_reason (svc, i, reason, sizeof (reason));
        if (!reason[0])
            continue;
        if (wait) {
            say_waits (svc, i, reason);
            continue;
        }
        /* Before the start a preset; after it (a pool's new tasks), a
         * failure of a waiting task. */
        if (sched_state (svc->s, (uint32_t)i) == SCHED_READY)
            sched_fail_ready (svc->s, (uint32_t)i);
        else if (svc->pool_mode)
            continue;   /* PENDING: sched_unplaceable finds it once ready */
        else
            sched_preset (svc->s, (uint32_t)i, SCHED_FAILED, 0);
        svc_task_end (svc, (uint32_t)i, SCHED_FAILED, reason);
    }
}

int svc_unplaceable (service_t *svc)
{
    uint32_t ut;
    int failed = 0;
    char reason[240];
    while (sched_unplaceable (svc->s, &ut) == 1) {
        size_t l;
        svc_job_t *J = svc_task_job (svc, ut, &l);
        int nowhere = svc->pool_mode && J && sched_job_workers (svc->s, J->sj) == 0;
        if (nowhere)
            snprintf (reason, sizeof (reason), "its job's preparation failed on every node "
                                               "it could use");
        else
            oversize_reason (svc, ut, reason, sizeof (reason));
        if (svc_may_join (svc)) {
            say_waits (svc, ut, reason);
            break;
        }
        if (sched_fail_ready (svc->s, ut) < 0)
            break;
        if (!reason[0])
            snprintf (reason, sizeof (reason), "needs more slots, GPUs or memory than any "
                                               "worker has");
        else if (svc->opts->accept_workers && !nowhere) {
            size_t o = strlen (reason);
            snprintf (reason + o, sizeof (reason) - o, ", and none that could joined");
        }
        svc_task_end (svc, ut, SCHED_FAILED, reason);
        svc_report_skips (svc);
        failed = 1;
    }
    return failed;
}

/* Interrupt job J's running attempts (its termination in a pool, where
 * the other jobs' go on): CANCEL of each to the worker that runs it. */
void svc_job_interrupt (service_t *svc, svc_job_t *J)
{
    uint32_t stack[256];
    size_t l;
    for (int i = 0; i < svc->nworkers; i++) {
        if (!svc->w[i].alive)
            continue;
        /* Every one: a worker of more than 256 slots holds more (those
         * beyond ran on to their end, and the job with them). */
        uint32_t *buf = stack;
        size_t n = sched_worker_tasks (svc->s, i, stack, 256);
        if (n > 256 && (buf = malloc (n * sizeof (*buf))))
            n = sched_worker_tasks (svc->s, i, buf, n);
        else if (n > 256) {
            buf = stack;   /* out of memory: the first 256 */
            n = 256;
        }
        for (size_t k = 0; k < n; k++)
            if (svc_task_job (svc, buf[k], &l) == J)
                svc_send_ctrl (svc, i, CTRL_CANCEL, (int)buf[k]);
        if (buf != stack)
            free (buf);
    }
}

/* The state a job ends in and its exit code as a run's. */
static const char *end_state (service_t *svc, svc_job_t *J, int *rc)
{
    size_t counts[6];
    if (svc->pool_mode)
        sched_job_counts (svc->s, J->sj, counts);
    else
        sched_counts (svc->s, counts);
    if (svc->fatal) {
        *rc = 3;
        return "interrupted";
    }
    if (J->terminated) {
        *rc = 1;
        return "terminated";
    }
    if (svc->draining || J->drained) {
        *rc = 4;
        return "interrupted";
    }
    if (J->cancelled) {
        *rc = 1;
        return "cancelled";
    }
    if (counts[SCHED_FAILED] || counts[SCHED_SKIPPED]) {
        *rc = 1;
        return "failed";
    }
    *rc = 0;
    return "succeeded";
}

int svc_job_end (service_t *svc, svc_job_t *J)
{
    mb_error_t err = { "" };
    int rc;
    if (J->ended)
        return J->status;
    J->finished = mb_clock_real ();
    const char *status = end_state (svc, J, &rc);
    J->status = rc;
    J->end_state = status;
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_RUN_END;
    r.time = J->finished;
    r.status = J->terminated && rc == 1 ? 4 : rc == 0 ? 0 : rc == 1 ? 1 : rc == 4 ? 2 : 3;
    journal_append (J->j, &r);
    if (journal_flush (J->j, 1) < 0) {
        fprintf (stderr, "mpibatch: cannot write the journal of job %s: %s\n", J->job->id,
                 strerror (errno));
        rc = 3;
    }
    if (svc_write_report (svc, J, status, &err) < 0)
        fprintf (stderr, "mpibatch: cannot write the report of job %s: %s\n", J->job->id,
                 err.text);
    J->ended = 1;
    return rc;
}

/* A run's end (its one job) and the loop's conditions to get there:
 * 1 when the loop must stop. */
static int run_done (service_t *svc, size_t held)
{
    svc_job_t *J = svc->jobs[0];
    if (svc->running)
        return 0;
    /* An open job waits for tasks until it is closed. */
    if ((sched_finished (svc->s) && !svc_job_open (svc, J)) || svc->draining)
        return 1;
    if (sched_finished (svc->s) && !J->stop_on_failure)
        return 0;
    if (held > 0 && !J->stop_on_failure) {
        /* Nothing runs and what is left cannot finish in time: end now
         * rather than idle until the deadline. */
        svc->draining = 1;
        svc->drain_reason = "the tasks left cannot finish before the deadline";
        return 1;
    }
    if (J->stop_on_failure) {
        sched_skip_remaining (svc->s);
        svc_report_skips (svc);
        return 1;
    }
    return -1;   /* look for unplaceable tasks */
}

int service_main (service_t *svc, int nranks, launcher_t *l, const jobinfo_t *ji,
                  const topo_share_t *share, int fake, const char *node)
{
    mb_error_t err = { "" };
    buf_t msg = { 0 };
    svc->nranks = nranks;
    svc->rank0_works = nranks == 1 && !svc->opts->serve_only;
    svc->hb = proto_heartbeat_interval ();
    svc->hb_timeout = proto_heartbeat_timeout ();
    int rc = 3;
    /* Workers introduce themselves. */
    if (svc_workers_hello (svc, l, ji, share, fake, node, &msg) < 0)
        goto shutdown;
    if (svc->nworkers == 0 && !svc->opts->serve_only) {
        fprintf (stderr, "mpibatch: no usable worker: nothing can run\n");
        goto shutdown;
    }
    if (svc->pool_mode)
        svc->s = sched_create (NULL, NULL, svc->opts->fill == JOB_FILL_PACK ? SCHED_FILL_PACK
                                                                            : SCHED_FILL_SPREAD);
    else
        svc->s = sched_create (svc->g, svc->task_reqs, svc->jobs[0]->job->fill == JOB_FILL_PACK
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
    svc->started = mb_clock_real ();
    if (!svc->pool_mode) {
        svc_job_t *J = svc->jobs[0];
        J->sj = 0;
        J->submitted = svc->started;   /* started: at its first attempt's start */
        if (svc_journal_run_start (svc, J) < 0) {
            fprintf (stderr, "mpibatch: cannot write the journal: %s\n", strerror (errno));
            goto shutdown;
        }
        svc_fail_oversized (svc, 0, svc->ntasks);
    }
    if (svc->pool_mode && svc_pool_start (svc) < 0)
        goto shutdown;
    sched_start (svc->s);
    if (!svc->pool_mode && svc->jobs[0]->terminated) {
        /* --resume of a terminated job: nothing more runs. */
        sched_hold (svc->s);
        sched_skip_remaining (svc->s);
        svc->jobs[0]->stop_on_failure = 1;
    }
    svc_report_skips (svc);
    svc->last_fsync = svc->last_progress = svc->last_report = svc->started;
    if (!svc->pool_mode && svc->jobs[0]->job->max_wall_clock > 0) {
        double d = svc->started + svc->jobs[0]->job->max_wall_clock;
        if (!svc->deadline || d < svc->deadline)
            svc->deadline = d;
    }
    svc_print_start (svc);
    if (svc->opts->accept_workers) {
        if (svc_join_start (svc, svc->pool_dir) < 0)
            goto shutdown;
    }
    if (svc_alloc_open (svc) < 0)
        goto shutdown;

    run_pace_t pace = { 0, 1, 0 };
    for (;;) {
        double now = mb_clock_real ();
        check_signals_and_time (svc, now);
        svc_check_heartbeats (svc);
        svc_join_poll (svc);
        if (svc->fatal)
            break;
        if (svc_alive_workers (svc) == 0 && !(svc->pool_mode && svc->opts->serve_only)) {
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
        svc_flush_batches (svc);
        size_t held = svc->deadline > 0 ? sched_held_back (svc->s) : 0;
        if (held > svc->held_reported && svc->opts->verbose >= 0) {
            fprintf (stderr, "%smpibatch: %zu task%s held back: %s time_request exceeds the "
                             "%.0f s left before the deadline (they run on --resume)\n",
                     svc_bar_nl (svc), held, held == 1 ? "" : "s", held == 1 ? "its" : "their",
                     svc->deadline - now);
            svc->held_reported = held;
        }
        svc_alloc_poll (svc, mb_clock_mono ());
        /* Requests in the pool directory (add, close, ...). */
        int served = svc_pool_serve (svc, mb_clock_mono ());
        if (served) {
            svc_report_skips (svc);
            continue;
        }
        if (svc->pool_mode) {
            if (svc_pool_jobs (svc, now, held))
                break;
            goto idle;
        }
        int done = run_done (svc, held);
        if (done > 0)
            break;
        if (done < 0) {
            /* Ready tasks that no worker could ever hold (gpus, memory,
             * slots): fail them with the reason instead of waiting. */
            if (svc_unplaceable (svc))
                continue;
            if (svc_may_join (svc))
                goto idle;   /* what is left waits for workers that may join */
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
    idle:
        if (now - svc->last_fsync >= 1.0) {
            for (int k = 0; k < svc->njobs; k++)
                if (!svc->jobs[k]->ended)
                    journal_flush (svc->jobs[k]->j, 1);
            svc->last_fsync = now;
        }
        if (now - svc->last_report >= 300.0) {
            for (int k = 0; k < svc->njobs; k++)
                if (!svc->jobs[k]->ended)
                    svc_write_report (svc, svc->jobs[k], "running", &err);
            svc->last_report = now;
        }
        svc_progress (svc, now, 0);
        svc_pool_status (svc, now, NULL);
        /* With remote workers messages must be looked for every 20 ms at
         * least.
         * Alone, the launcher's descriptor wakes us: sleep longer. */
        /* Under mpirun the pool directory's inotify descriptor wakes us
         * for a request at once. */
        /* A pool alone with nothing running waits on its directory, so a
         * submission wakes it at once. */
        int fd = svc->pd ? pooldir_fd (svc->pd) : -1;
        if (svc->local && !(svc->pool_mode && svc->running == 0))
            fd = worker_fd (svc->local);
        run_pace (&pace, svc_poll_messages (svc, &msg), fd,
                  svc_pace_cap (svc, nranks > 1 || svc->join ? 20000 : 250000));
    }
    svc_alloc_stop (svc);
    svc_release_nodes (svc, &msg);
    svc->finished = mb_clock_real ();
    if (svc->pool_mode)
        rc = svc_pool_end (svc);
    else {
        svc_job_t *J = svc->jobs[0];
        rc = svc_job_end (svc, J);
        svc->status = rc;
        svc_progress (svc, svc->finished, 1);
        svc_print_summary (svc, J);
        svc_pool_status (svc, svc->finished, J->end_state);
        svc_pool_close (svc);
    }
shutdown:
    svc_join_stop (svc);
    svc_workers_shutdown (svc, rc);
    for (int k = 0; k < svc->njobs; k++) {
        svc_job_t *J = svc->jobs[k];
        journal_close (J->j);
        J->j = NULL;
        if (J->spool_fd >= 0)
            close (J->spool_fd);
        J->spool_fd = -1;
    }
    worker_destroy (svc->local);
    svc->local = NULL;
    buf_free (&msg);
    return rc;
}

service_t *service_create (run_opts_t *opts)
{
    service_t *svc = calloc (1, sizeof (*svc));
    if (!svc)
        return NULL;
    svc->opts = opts;
    svc->pool_mode = opts->pool_dir != NULL;
    if (!(svc->mi = svc_mi_create ())) {
        service_destroy (svc);
        return NULL;
    }
    return svc;
}

void service_destroy (service_t *svc)
{
    if (!svc)
        return;
    int saved = errno;
    svc_mi_destroy (svc->mi);
    svc_alloc_free (svc);
    svc_pool_close (svc);
    free (svc->pool_dir);
    free (svc->xoff);
    free (svc->xdeps);
    free (svc->cancelled);
    svc_pool_forget (svc);
    svc_parts_free (svc);
    for (int k = 0; k < svc->njobs; k++)
        svc_job_free (svc->jobs[k]);
    free (svc->jobs);
    jobfile_destroy (svc->pool_jf);
    svc_records_free (svc);
    svc_workers_free (svc);
    free (svc->ready_time);
    free (svc->last_attempt);
    free (svc->attempt_base);
    free (svc->prev_counted);
    free (svc->prev_requeues);
    free (svc->prev_deps);
    free (svc->prev_state);
    free (svc->last_started);
    free (svc->task_reqs);
    sched_destroy (svc->s);
    graph_destroy (svc->g);
    worker_destroy (svc->local);
    free (svc);
    errno = saved;
}

int service_jobinfo (service_t *svc, int nworkers, buf_t *b)
{
    /* A pool's workers get the pool's sizing (job 0); each job's own
     * settings follow in a JOB message. */
    const jobfile_job_t *job = svc->pool_mode ? jobfile_job (svc->pool_jf) : svc->jobs[0]->job;
    return jobinfo_pack (job, svc->pool_dir, nworkers, 10.0, b);
}

int service_lost_workers (const service_t *svc)
{
    return svc ? svc->lost + svc->stuck : 0;
}
