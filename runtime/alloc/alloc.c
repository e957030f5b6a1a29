/* alloc.c: automatic allocation: the queues, the decision rule of each tick, and carrying it out. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/json.h"
#include "runtime/alloc/alloc.h"
#include "runtime/alloc/alloc_int.h"

static const char *const state_names[] = { "submitting", "pending", "running", "ended" };

double alloc_backoff (int failures)
{
    if (failures <= 0)
        return 0;
    double d = ALLOC_BACKOFF_MIN;
    for (int k = 1; k < failures && d < ALLOC_BACKOFF_MAX; k++)
        d *= 2;
    return d < ALLOC_BACKOFF_MAX ? d : ALLOC_BACKOFF_MAX;
}

/* ------------------------------------------------------------------ */
/* The model                                                           */

struct queue *alloc_queue_find (const struct alloc *a, int id)
{
    for (int k = 0; k < a->nq; k++)
        if (a->q[k].id == id)
            return &a->q[k];
    return NULL;
}

struct queue *alloc_queue_new (struct alloc *a, int id)
{
    struct queue *q = realloc (a->q, (size_t)(a->nq + 1) * sizeof (*q));
    if (!q)
        return NULL;
    a->q = q;
    q = &a->q[a->nq++];
    memset (q, 0, sizeof (*q));
    q->id = id;
    q->next_seq = 1;
    q->nodes = 1;
    q->max_allocations = ALLOC_DEFAULT_MAX;
    q->idle_timeout = ALLOC_DEFAULT_IDLE;
    if (id >= a->next_queue)
        a->next_queue = id + 1;
    return q;
}

struct allocation *alloc_al_find (const struct queue *q, int seq)
{
    for (int k = 0; k < q->nal; k++)
        if (q->al[k].seq == seq)
            return &q->al[k];
    return NULL;
}

struct allocation *alloc_al_new (struct queue *q, int seq)
{
    if (q->nal == q->cap) {
        int cap = q->cap ? q->cap * 2 : 8;
        struct allocation *n = realloc (q->al, (size_t)cap * sizeof (*n));
        if (!n)
            return NULL;
        q->al = n;
        q->cap = cap;
    }
    struct allocation *al = &q->al[q->nal++];
    memset (al, 0, sizeof (*al));
    al->seq = seq;
    if (seq >= q->next_seq)
        q->next_seq = seq + 1;
    return al;
}

static void free_queue (struct queue *q)
{
    for (int k = 0; k < q->nargs; k++)
        free (q->args[k]);
    free (q->args);
    free (q->al);
}

void alloc_destroy (alloc_t *a)
{
    if (!a)
        return;
    int saved = errno;
    if (a->jfd >= 0)
        close (a->jfd);
    for (int k = 0; k < a->nq; k++)
        free_queue (&a->q[k]);
    free (a->q);
    free (a->dir);
    free (a->mpibatch);
    free (a->mpirun);
    free (a);
    errno = saved;
}

static alloc_t *alloc_new (const char *pooldir)
{
    alloc_t *a = calloc (1, sizeof (*a));
    if (!a)
        return NULL;
    a->jfd = -1;
    a->next_queue = 1;
    a->poll_interval = ALLOC_POLL_INTERVAL;
    a->cmd_timeout = ALLOC_CMD_TIMEOUT;
    if (!(a->dir = strdup (pooldir))) {
        free (a);
        return NULL;
    }
    struct passwd *pw = getpwuid (geteuid ());
    snprintf (a->user, sizeof (a->user), "%s", pw ? pw->pw_name : "");
    return a;
}

alloc_t *alloc_create (const char *pooldir, const char *mpibatch, int flags, mb_error_t *err)
{
    alloc_t *a = alloc_new (pooldir);
    if (!a) {
        errprintf (err, "allocator: out of memory");
        return NULL;
    }
    if (mpibatch)
        a->mpibatch = strdup (mpibatch);
    else {
        char self[PATH_MAX];
        ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
        a->mpibatch = strdup (n > 0 ? (self[n] = '\0', self) : "mpibatch");
    }
    a->mpirun = alloc_which ("mpirun");
    if (!a->mpirun)
        a->mpirun = strdup ("mpirun");
    if (!a->mpibatch || !a->mpirun) {
        errprintf (err, "allocator: out of memory");
        goto error;
    }
    if (alloc_jnl_open (a, flags & ALLOC_RESUME, 0, err) < 0)
        goto error;
    /* Resume: states may have changed while no pool watched, and an
     * intent may lack its job id: ask squeue at the first tick. */
    a->need_poll = 1;
    a->stale = 1;
    return a;
error:
    alloc_destroy (a);
    return NULL;
}

/* A read-only load for `mpibatch alloc list` (alloc_list.c). */
alloc_t *alloc_load (const char *pooldir, mb_error_t *err)
{
    alloc_t *a = alloc_new (pooldir);
    if (!a) {
        errprintf (err, "allocator: out of memory");
        return NULL;
    }
    if (alloc_jnl_open (a, 1, 1, err) < 0) {
        alloc_destroy (a);
        return NULL;
    }
    return a;
}

/* ------------------------------------------------------------------ */
/* Queues                                                              */

static int check_params (const alloc_params_t *p, mb_error_t *err)
{
    if (!(p->time_limit >= 0) || p->time_limit > 366.0 * 86400)
        return errprintf (err, "--time-limit must be from 1 minute to 366 days");
    if (p->time_limit > 0 && p->time_limit < 60)
        return errprintf (err, "--time-limit must be at least 1 minute (Slurm counts minutes)");
    if (p->nodes < 1 || p->nodes > 100000)
        return errprintf (err, "--nodes must be from 1 to 100000 (got %d)", p->nodes);
    if (p->max_allocations < 1 || p->max_allocations > 10000)
        return errprintf (err, "--max-allocations must be from 1 to 10000 (got %d)",
                          p->max_allocations);
    if (!(p->idle_timeout >= 1) || p->idle_timeout > 366.0 * 86400)
        return errprintf (err, "--idle-timeout must be from 1 s to 366 days");
    if (p->nargs < 0 || p->nargs > 256)
        return errprintf (err, "at most 256 sbatch arguments");
    for (int k = 0; k < p->nargs; k++) {
        if (!p->args[k] || strlen (p->args[k]) > 4096)
            return errprintf (err, "sbatch argument %d is missing or too long", k + 1);
        if (p->args[k][0] != '-')
            return errprintf (err, "sbatch argument '%s' is not an option (the pool writes the "
                              "job script itself)", p->args[k]);
        static const char *const ours[] = { "--job-name", "-J", "--parsable", "--wrap", NULL };
        for (int i = 0; ours[i]; i++) {
            size_t n = strlen (ours[i]);
            if (!strncmp (p->args[k], ours[i], n) && (p->args[k][n] == '\0' || p->args[k][n] == '='
                                                       || ours[i][1] != '-'))
                return errprintf (err, "sbatch argument '%s': the pool sets %s itself",
                                  p->args[k], ours[i]);
        }
    }
    errno = 0;
    return 0;
}

int alloc_queue_add (alloc_t *a, const alloc_params_t *p, int *id, mb_error_t *err)
{
    if (a->jfd < 0 || a->shutting) {
        errno = EINVAL;
        return errprintf (err, a->shutting ? "the pool is shutting down" : "read-only");
    }
    if (check_params (p, err) < 0) {
        errno = EINVAL;
        return -1;
    }
    int nq = a->nq;
    struct queue *q = alloc_queue_new (a, a->next_queue);
    if (!q)
        return errprintf (err, "allocator: out of memory");
    q->time_limit = p->time_limit;
    q->nodes = p->nodes;
    q->max_allocations = p->max_allocations;
    q->idle_timeout = p->idle_timeout;
    if (p->nargs && !(q->args = calloc ((size_t)p->nargs, sizeof (char *))))
        goto nomem;
    for (; q->nargs < p->nargs; q->nargs++)
        if (!(q->args[q->nargs] = strdup (p->args[q->nargs])))
            goto nomem;
    if (alloc_jnl_queue (a, q, err) < 0)
        goto undo;
    *id = q->id;
    return 0;
nomem:
    errprintf (err, "allocator: out of memory");
undo:
    free_queue (q);
    a->nq = nq;
    errno = EIO;
    return -1;
}

int alloc_queue_remove (alloc_t *a, int id, mb_error_t *err)
{
    struct queue *q = alloc_queue_find (a, id);
    if (!q || q->removed) {
        errno = ENOENT;
        return errprintf (err, "no allocation queue %d in this pool", id);
    }
    if (alloc_jnl_put (a, 1, err, "remove %d", id) < 0)
        return -1;
    q->removed = 1;
    int rc = 0;
    for (int k = 0; k < q->nal; k++) {
        struct allocation *al = &q->al[k];
        if (al->state != ALLOC_PENDING)
            continue;
        if (alloc_slurm_cancel (a, al->job_id, err) < 0
            || alloc_record_state (a, al->job_id, ALLOC_ENDED, err) < 0)
            rc = -1;
    }
    return rc;
}

int alloc_serve (alloc_t *a, const pool_req_t *req, pool_answer_t *ans, mb_error_t *err)
{
    static char text[256];
    memset (ans, 0, sizeof (*ans));
    ans->status = POOL_ACCEPTED;
    ans->count = -1;
    if (req->op == POOL_OP_ALLOC_ADD) {
        if (!req->backend || strcmp (req->backend, "slurm"))
            return errprintf (err, "unknown allocation backend '%s' (only slurm is known)",
                              req->backend ? req->backend : "");
        alloc_params_t p = {
            .time_limit = req->time_limit,
            .nodes = req->nodes ? req->nodes : 1,
            .max_allocations = req->max_allocations ? req->max_allocations : ALLOC_DEFAULT_MAX,
            .idle_timeout = req->idle_timeout > 0 ? req->idle_timeout : ALLOC_DEFAULT_IDLE,
            .nargs = req->nargs,
            .args = (const char *const *)req->args,
        };
        int id;
        if (alloc_queue_add (a, &p, &id, err) < 0)
            return -1;
        snprintf (text, sizeof (text), "allocation queue %d added", id);
        ans->count = id;
        ans->text = text;
        return 0;
    }
    if (req->op == POOL_OP_ALLOC_REMOVE) {
        struct queue *q = alloc_queue_find (a, req->queue);
        if (!q || q->removed)
            return errprintf (err, "no allocation queue %d in this pool", req->queue);
        mb_error_t e2 = { { 0 } };
        if (alloc_queue_remove (a, req->queue, &e2) < 0 && !q->removed)
            return errprintf (err, "%s", e2.text);
        if (e2.text[0])   /* removed, but a pending allocation resisted scancel */
            snprintf (text, sizeof (text), "allocation queue %d removed; %.180s", req->queue,
                      e2.text);
        else
            snprintf (text, sizeof (text), "allocation queue %d removed", req->queue);
        ans->count = req->queue;
        ans->text = text;
        return 0;
    }
    return errprintf (err, "not an allocation request");
}

/* ------------------------------------------------------------------ */
/* Decisions                                                           */

void alloc_counts (const alloc_t *a, int qid, alloc_counts_t *c)
{
    memset (c, 0, sizeof (*c));
    c->polls = a->polls;
    for (int k = 0; k < a->nq; k++) {
        const struct queue *q = &a->q[k];
        if (qid && q->id != qid)
            continue;
        c->queues += !q->removed;
        c->submissions += q->submissions;
        c->failures += q->nfail;
        for (int i = 0; i < q->nal; i++) {
            int s = q->al[i].state;
            c->submitting += s == ALLOC_SUBMITTING;
            c->pending += s == ALLOC_PENDING;
            c->running += s == ALLOC_RUNNING;
            c->ended += s == ALLOC_ENDED;
        }
    }
}

int alloc_plan (alloc_t *a, double now, const alloc_backlog_t *b, alloc_action_t *acts, int max)
{
    int n = 0, pending_all = 0;
    alloc_counts_t all;
    alloc_counts (a, 0, &all);
    pending_all = all.pending + all.submitting;
    int per = b->slots_per_node > 0 ? b->slots_per_node : ALLOC_GUESS_SLOTS;
    a->warning[0] = '\0';
    for (int k = 0; k < a->nq && n < max; k++) {
        struct queue *q = &a->q[k];
        if (b->waiting > 0 || q->last_waiting == 0)
            q->last_waiting = now;
        if (q->removed || a->shutting)
            continue;
        alloc_counts_t c;
        alloc_counts (a, q->id, &c);
        /* Nothing waited for idle_timeout: a pending allocation would
         * only bring workers that leave again. */
        if (b->waiting <= 0 && now - q->last_waiting >= q->idle_timeout) {
            for (int i = 0; i < q->nal && n < max; i++)
                if (q->al[i].state == ALLOC_PENDING)
                    acts[n++] = (alloc_action_t){ ALLOC_ACT_CANCEL, q->id, q->al[i].seq };
            continue;
        }
        if (b->waiting <= 0 || now < q->backoff_until)
            continue;
        if (c.pending + c.running + c.submitting >= q->max_allocations)
            continue;
        double capacity = (double)pending_all * q->nodes * per;
        if ((double)b->waiting <= capacity)
            continue;
        if (q->time_limit > 0 && b->min_time_request > q->time_limit) {
            snprintf (a->warning, sizeof (a->warning),
                      "the tasks that wait need at least %.0f s but allocations of queue %d "
                      "last %.0f s: none is submitted for them", b->min_time_request, q->id,
                      q->time_limit);
            continue;
        }
        if (q->time_limit > 0 && b->max_time_request > q->time_limit)
            snprintf (a->warning, sizeof (a->warning),
                      "tasks wait that need up to %.0f s but allocations of queue %d last "
                      "%.0f s: they will not start there", b->max_time_request, q->id,
                      q->time_limit);
        acts[n++] = (alloc_action_t){ ALLOC_ACT_SUBMIT, q->id, 0 };
        pending_all++;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* What the commands said                                              */

static struct allocation *find_job (const alloc_t *a, const char *job_id, struct queue **qp)
{
    for (int k = 0; k < a->nq; k++)
        for (int i = 0; i < a->q[k].nal; i++)
            if (a->q[k].al[i].job_id[0] && !strcmp (a->q[k].al[i].job_id, job_id)) {
                if (qp)
                    *qp = &a->q[k];
                return &a->q[k].al[i];
            }
    return NULL;
}

int alloc_record_submit_al (alloc_t *a, struct queue *q, struct allocation *al,
                            const char *job_id, mb_error_t *err)
{
    if (!job_id[0] || strlen (job_id) >= sizeof (al->job_id)) {
        errno = EINVAL;
        return errprintf (err, "bad job id '%.40s'", job_id);
    }
    if (alloc_jnl_put (a, 1, err, "submit %d %d %s", q->id, al->seq, job_id) < 0)
        return -1;
    snprintf (al->job_id, sizeof (al->job_id), "%s", job_id);
    al->state = ALLOC_PENDING;
    q->failures = 0;
    q->backoff_until = 0;
    q->last_error[0] = '\0';
    q->submissions++;
    return al->seq;
}

int alloc_record_submit (alloc_t *a, int qid, const char *job_id, double now, mb_error_t *err)
{
    (void)now;
    struct queue *q = alloc_queue_find (a, qid);
    if (!q) {
        errno = EINVAL;
        return errprintf (err, "no queue %d", qid);
    }
    struct allocation *al = NULL;
    for (int i = 0; i < q->nal && !al; i++)
        if (q->al[i].state == ALLOC_SUBMITTING)
            al = &q->al[i];
    if (!al) {
        double t = mb_clock_real ();
        if (alloc_jnl_put (a, 1, err, "intent %d %d %.3f", q->id, q->next_seq, t) < 0)
            return -1;
        if (!(al = alloc_al_new (q, q->next_seq)))
            return errprintf (err, "allocator: out of memory");
        al->state = ALLOC_SUBMITTING;
        al->submitted = t;
    }
    return alloc_record_submit_al (a, q, al, job_id, err);
}

int alloc_record_failure (alloc_t *a, int qid, const char *reason, double now)
{
    struct queue *q = alloc_queue_find (a, qid);
    if (!q)
        return -1;
    q->failures++;
    q->nfail++;
    q->backoff_until = now + alloc_backoff (q->failures);
    snprintf (q->last_error, sizeof (q->last_error), "%s", reason);
    snprintf (a->failure, sizeof (a->failure), "queue %d: %s", q->id, q->last_error);
    a->nfailures++;
    /* Kept for `alloc list` and status; not synced: a lost failure
     * record only shortens the next backoff. */
    alloc_jnl_put (a, 0, NULL, "fail %d %d %.3f %s", q->id, q->failures, mb_clock_real (),
                   q->last_error);
    return 0;
}

int alloc_record_state (alloc_t *a, const char *job_id, int state, mb_error_t *err)
{
    struct queue *q;
    struct allocation *al = find_job (a, job_id, &q);
    if (!al || al->state == state || al->state == ALLOC_ENDED)
        return 0;
    if (state != ALLOC_PENDING && state != ALLOC_RUNNING && state != ALLOC_ENDED)
        return 0;
    /* A job seen running then pending again (requeued) stays running for
     * our counts: its workers may be back soon. */
    if (state == ALLOC_PENDING && al->state == ALLOC_RUNNING)
        return 0;
    double t = mb_clock_real ();
    if (alloc_jnl_put (a, state == ALLOC_ENDED, err, "state %d %d %s %.3f", q->id, al->seq,
                       state_names[state], t) < 0)
        return -1;
    al->state = state;
    if (state == ALLOC_RUNNING)
        al->started = t;
    if (state == ALLOC_ENDED)
        al->ended = t;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Ticks                                                               */

static int has_live (const alloc_t *a)
{
    for (int k = 0; k < a->nq; k++)
        for (int i = 0; i < a->q[k].nal; i++)
            if (a->q[k].al[i].state != ALLOC_ENDED)
                return 1;
    return 0;
}

static int submit (alloc_t *a, struct queue *q, double now, mb_error_t *err)
{
    int seq = q->next_seq;
    if (alloc_write_script (a, q, seq, err) < 0) {
        alloc_record_failure (a, q->id, err->text, now);
        return 0;
    }
    /* The intent first (synced): a crash after sbatch is then found by
     * its job name at resume. */
    double t = mb_clock_real ();
    if (alloc_jnl_put (a, 1, err, "intent %d %d %.3f", q->id, seq, t) < 0)
        return -1;
    struct allocation *al = alloc_al_new (q, seq);
    if (!al)
        return errprintf (err, "allocator: out of memory");
    al->state = ALLOC_SUBMITTING;
    al->submitted = t;
    char job_id[32];
    mb_error_t why = { { 0 } };
    if (alloc_slurm_submit (a, q, al, job_id, sizeof (job_id), &why) < 0) {
        /* sbatch said no (or timed out: then it may have submitted after
         * all; the next poll finds it by name). */
        if (errno != ETIMEDOUT) {
            double te = mb_clock_real ();
            if (alloc_jnl_put (a, 1, err, "state %d %d ended %.3f", q->id, seq, te) < 0)
                return -1;
            al->state = ALLOC_ENDED;
            al->ended = te;
        }
        else
            a->need_poll = 1;
        alloc_record_failure (a, q->id, why.text, now);
        return 1;
    }
    if (alloc_record_submit_al (a, q, al, job_id, err) < 0)
        return -1;
    return 1;
}

int alloc_tick (alloc_t *a, double now, const alloc_backlog_t *b, mb_error_t *err)
{
    int changes = 0;
    if (a->jfd < 0 || a->shutting || a->nq == 0)
        return 0;
    /* A busy service passes its loop thousands of times a second; the
     * allocator has nothing to decide more often than this. */
    if (now < a->next_pass && !a->need_poll)
        return 0;
    a->next_pass = now + ALLOC_PASS_INTERVAL;
    if ((a->need_poll || now >= a->next_poll) && has_live (a)) {
        mb_error_t why = { { 0 } };
        int ch = 0;
        /* Failing or not, squeue runs again only at the next interval:
         * a broken Slurm gets no storm of commands either. */
        a->next_poll = now + a->poll_interval;
        a->need_poll = 0;
        if (alloc_slurm_poll (a, now, &ch, &why) == 0)
            a->stale = 0;
        else if (errno == EIO)
            return errprintf (err, "%s", why.text);
        else {
            a->stale = 1;
            snprintf (a->warning, sizeof (a->warning), "%.250s", why.text);
        }
        changes += ch;
    }
    if (a->stale && has_live (a))
        return changes;   /* states unknown (squeue failed): decide nothing */
    alloc_action_t acts[64];
    int n = alloc_plan (a, now, b, acts, 64);
    for (int k = 0; k < n; k++) {
        struct queue *q = alloc_queue_find (a, acts[k].queue);
        if (acts[k].kind == ALLOC_ACT_SUBMIT) {
            int rc = submit (a, q, now, err);
            if (rc < 0)
                return -1;
            changes += rc;
        }
        else {
            struct allocation *al = alloc_al_find (q, acts[k].seq);
            mb_error_t why = { { 0 } };
            if (alloc_slurm_cancel (a, al->job_id, &why) == 0) {
                if (alloc_record_state (a, al->job_id, ALLOC_ENDED, err) < 0)
                    return -1;
                changes++;
            }
            else
                snprintf (a->warning, sizeof (a->warning), "%.250s", why.text);
        }
    }
    return changes;
}

int alloc_timeout_ms (const alloc_t *a, double now)
{
    if (a->nq == 0 || a->shutting)
        return -1;
    double t = -1;
    if (has_live (a))
        t = a->need_poll ? 0 : a->next_poll - now;
    for (int k = 0; k < a->nq; k++)
        if (!a->q[k].removed && a->q[k].backoff_until > now
            && (t < 0 || a->q[k].backoff_until - now < t))
            t = a->q[k].backoff_until - now;
    if (t < 0)
        return -1;
    return (int)ceil (t * 1000);
}

int alloc_shutdown (alloc_t *a, int cancel_running, mb_error_t *err)
{
    int rc = 0;
    if (a->jfd < 0)
        return 0;
    a->shutting = 1;
    for (int k = 0; k < a->nq; k++)
        for (int i = 0; i < a->q[k].nal; i++) {
            struct allocation *al = &a->q[k].al[i];
            if (!(al->state == ALLOC_PENDING || (cancel_running && al->state == ALLOC_RUNNING)))
                continue;
            mb_error_t why = { { 0 } };
            if (alloc_slurm_cancel (a, al->job_id, &why) < 0) {
                errprintf (err, "%s", why.text);
                rc = -1;
                continue;
            }
            if (alloc_record_state (a, al->job_id, ALLOC_ENDED, &why) < 0) {
                errprintf (err, "%s", why.text);
                rc = -1;
            }
        }
    return rc;
}

void alloc_set_timing (alloc_t *a, double poll_interval, double cmd_timeout)
{
    if (poll_interval > 0)
        a->poll_interval = poll_interval;
    if (cmd_timeout > 0)
        a->cmd_timeout = cmd_timeout;
}

const char *alloc_warning (const alloc_t *a)
{
    return a->warning[0] ? a->warning : NULL;
}

const char *alloc_last_failure (const alloc_t *a, int *count)
{
    if (count)
        *count = a->nfailures;
    return a->nfailures ? a->failure : NULL;
}

void alloc_job_name (const alloc_t *a, int q, int seq, char *buf, size_t len)
{
    snprintf (buf, len, "mbw-%s-%d-%d", a->token, q, seq);
}

void alloc_script_path (const alloc_t *a, int q, int seq, char *buf, size_t len)
{
    snprintf (buf, len, "%s/alloc/%d/%d.sbatch", a->dir, q, seq);
}

/* ------------------------------------------------------------------ */
/* Status                                                              */

static void put_time (FILE *f, double t)
{
    if (t > 0)
        fprintf (f, "%.3f", t);
    else
        fputs ("null", f);
}

int alloc_status_json (const alloc_t *a, FILE *f)
{
    double mono = mb_clock_mono (), real = mb_clock_real ();
    fputc ('[', f);
    for (int k = 0; k < a->nq; k++) {
        const struct queue *q = &a->q[k];
        fprintf (f, "%s{\"queue\":%d,\"backend\":\"slurm\",\"nodes\":%d,\"time_limit\":%.0f,"
                 "\"max_allocations\":%d,\"idle_timeout\":%.0f,\"removed\":%s,\"backoff_until\":",
                 k ? "," : "", q->id, q->nodes, q->time_limit, q->max_allocations,
                 q->idle_timeout, q->removed ? "true" : "false");
        put_time (f, q->backoff_until > mono ? real + (q->backoff_until - mono) : 0);
        fputs (",\"last_error\":", f);
        json_put_string (f, q->last_error[0] ? q->last_error : NULL);
        fputs (",\"sbatch_args\":[", f);
        for (int i = 0; i < q->nargs; i++) {
            if (i)
                fputc (',', f);
            json_put_string (f, q->args[i]);
        }
        fputs ("],\"allocations\":[", f);
        for (int i = 0; i < q->nal; i++) {
            const struct allocation *al = &q->al[i];
            fprintf (f, "%s{\"seq\":%d,\"job_id\":", i ? "," : "", al->seq);
            json_put_string (f, al->job_id[0] ? al->job_id : NULL);
            fprintf (f, ",\"state\":\"%s\",\"submitted\":", state_names[al->state]);
            put_time (f, al->submitted);
            fputs (",\"started\":", f);
            put_time (f, al->started);
            fputs (",\"ended\":", f);
            put_time (f, al->ended);
            fputc ('}', f);
        }
        fputs ("]}", f);
    }
    fputc (']', f);
    return ferror (f) ? -1 : 0;
}

const char *alloc_state_name (int state)
{
    return state >= 0 && state <= ALLOC_ENDED ? state_names[state] : "?";
}

static void put_when (FILE *f, double t)
{
    char buf[32] = "-";
    if (t > 0) {
        time_t s = (time_t)t;
        struct tm tm;
        if (localtime_r (&s, &tm))
            strftime (buf, sizeof (buf), "%Y-%m-%d %H:%M:%S", &tm);
    }
    fprintf (f, "  %-19s", buf);
}

int alloc_list_text (const alloc_t *a, FILE *f)
{
    double mono = mb_clock_mono ();
    if (a->nq == 0)
        fprintf (f, "no allocation queue\n");
    for (int k = 0; k < a->nq; k++) {
        const struct queue *q = &a->q[k];
        fprintf (f, "queue %d: slurm, %d node%s, ", q->id, q->nodes, q->nodes == 1 ? "" : "s");
        if (q->time_limit > 0)
            fprintf (f, "time limit %.0f min, ", ceil (q->time_limit / 60));
        else
            fprintf (f, "the partition's time limit, ");
        fprintf (f, "at most %d allocation%s, workers leave after %.0f s idle%s\n",
                 q->max_allocations, q->max_allocations == 1 ? "" : "s", q->idle_timeout,
                 q->removed ? " (removed)" : "");
        if (q->nargs) {
            fprintf (f, "  sbatch");
            for (int i = 0; i < q->nargs; i++)
                fprintf (f, " %s", q->args[i]);
            fputc ('\n', f);
        }
        if (q->last_error[0])
            fprintf (f, "  last sbatch failure (%d in a row): %s%s\n", q->failures, q->last_error,
                     q->backoff_until > mono ? "; backing off" : "");
        if (q->nal == 0) {
            fprintf (f, "  no allocation yet\n");
            continue;
        }
        fprintf (f, "  %-5s %-12s %-10s  %-19s  %-19s  %-19s\n", "ALLOC", "JOB ID", "STATE",
                 "SUBMITTED", "STARTED", "ENDED");
        for (int i = 0; i < q->nal; i++) {
            const struct allocation *al = &q->al[i];
            fprintf (f, "  %-5d %-12s %-10s", al->seq, al->job_id[0] ? al->job_id : "-",
                     state_names[al->state]);
            put_when (f, al->submitted);
            put_when (f, al->started);
            put_when (f, al->ended);
            fputc ('\n', f);
        }
    }
    return ferror (f) ? -1 : 0;
}
