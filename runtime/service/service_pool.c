/* service_pool.c: the pool directory the service answers requests in
 * (spec/pools.md): under `mpibatch run` it is <state>/pool and serves the
 * run's one job (add, close, priority, shutdown).  Every accepted request
 * is in the job's journal (ADD with the batch's whole definition) and
 * flushed to disk before the requester hears of it. */
#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/names.h"
#include "io/poolstatus.h"
#include "io/stage.h"
#include "runtime/service/service_int.h"

/* How often the loop looks at the pool directory at most; pooldir_next
 * itself reads the directory once a second unless inotify says more. */
#define SERVE_EVERY 0.02

static void pool_log (void *arg, const char *msg)
{
    service_t *svc = arg;
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: pool: %s\n", svc_bar_nl (svc), msg);
}

int svc_job_open (const service_t *svc, const svc_job_t *J)
{
    /* A pool's job that stopped (on_task_failure, an exit condition)
     * takes nothing more and ends once its running tasks have. */
    return J->open && !J->closed && !svc->shutdown && !J->ended
           && !(svc->pool_mode && J->stop_on_failure);
}

int svc_pool_open (service_t *svc)
{
    mb_error_t err = { "" };
    char real[PATH_MAX], path[PATH_MAX + 16];
    const char *state = svc->jobs[0]->job->state;
    if (!realpath (state, real)) {
        fprintf (stderr, "mpibatch: %s: %s\n", state, strerror (errno));
        return 3;
    }
    snprintf (path, sizeof (path), "%s/pool", real);
    if (!(svc->pool_dir = strdup (path))) {
        fprintf (stderr, "mpibatch: out of memory\n");
        return 3;
    }
    /* The state directory's lock (the journal's) already keeps a second
     * run away; a run that is not resumed starts a fresh pool directory. */
    int resume = svc->opts->resume == RESUME_OK || svc->opts->resume == RESUME_FAILED;
    svc->pd = pooldir_open (path, resume ? POOLDIR_RESUME : POOLDIR_RESTART, pool_log, svc,
                            &err);
    if (!svc->pd) {
        int bad = errno == EPERM || errno == EBUSY || errno == EEXIST;
        fprintf (stderr, "mpibatch: %s\n", err.text);
        return bad ? 2 : 3;
    }
    svc_pool_status_starting (svc);
    return 0;
}

void svc_pool_close (service_t *svc)
{
    pooldir_close (svc->pd);
    svc->pd = NULL;
}

/* Record r in the job's journal and put it on disk: before the answer. */
static int record (svc_job_t *J, journal_rec_t *r)
{
    r->time = mb_clock_real ();
    if (journal_append (J->j, r) < 0 || journal_flush (J->j, 1) < 0)
        return -1;
    return 0;
}

/* The job a request names: in a pool any of its jobs (ended ones too, for
 * the answer's sake), under run only the run's. */
static svc_job_t *job_of (const service_t *svc, const pool_req_t *r, char *reason, size_t len)
{
    svc_job_t *J = svc_job_find (svc, r->job);
    if (J && (svc->pool_mode || J == svc->jobs[0]))
        return J;
    if (svc->pool_mode)
        snprintf (reason, len, "no job '%s' in the pool", r->job ? r->job : "");
    else
        snprintf (reason, len, "no job '%s' in the pool (this is the run of job '%s')",
                  r->job ? r->job : "", svc->jobs[0]->job->id);
    return NULL;
}

/* The scheduler's requirements of tasks 0..n-1 of jf.  NULL: ENOMEM. */
sched_task_t *svc_sched_reqs (const jobfile_t *jf)
{
    size_t n = jobfile_ntasks (jf);
    sched_task_t *reqs = calloc (n + 1, sizeof (*reqs));
    if (!reqs)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        jobfile_reqs_t q;
        jobfile_task_reqs (jf, i, &q);
        reqs[i] = (sched_task_t){ q.slots, q.gpus, q.memory, q.priority, q.max_retries,
                                  q.max_requeues, q.on_failure, q.instances,
                                  q.time_request > 0 ? q.time_request : 0 };
    }
    return reqs;
}

/* Add: 0 accepted (ans filled), -1 refused (reason). */
static int do_add (service_t *svc, pool_req_t *r, pool_answer_t *ans, char *prefix,
                   char *reason, size_t rlen)
{
    svc_job_t *J = job_of (svc, r, reason, rlen);
    if (!J)
        return -1;
    if (svc->shutdown) {
        snprintf (reason, rlen, "the pool is shutting down: no tasks can be added");
        return -1;
    }
    if (svc->draining || J->stop_on_failure) {
        snprintf (reason, rlen, "job '%s' is stopping: no tasks can be added", J->job->id);
        return -1;
    }
    if (!svc_job_open (svc, J)) {
        snprintf (reason, rlen, "job '%s' is %s: tasks can be added to an open job only",
                  J->job->id, J->ended ? "over" : J->closed ? "closed" : "not open");
        return -1;
    }
    snprintf (prefix, 64, "add%d-line-", J->nadds + 1);
    jobfile_t *part;
    uint32_t *off, *deps;
    if (svc_part_load (svc, J, r, prefix, &part, &off, &deps, reason, rlen) < 0)
        return -1;
    size_t n = jobfile_ntasks (part);
    uint32_t first = (uint32_t)svc->ntasks;
    sched_task_t *reqs = svc_sched_reqs (part);
    buf_t enc = { 0 };
    int rc = -1;
    if (!reqs || pool_req_encode (r, &enc) < 0) {
        snprintf (reason, rlen, "out of memory");
        goto out;
    }
    /* The journal's record limit (16 MiB), less room for the rest. */
    if (enc.len > (15u << 20)) {
        snprintf (reason, rlen, "the batch is too large to record (%zu bytes, at most 15 MiB): "
                  "send it in smaller parts", enc.len);
        goto out;
    }
    journal_rec_t jr;
    memset (&jr, 0, sizeof (jr));
    jr.type = JREC_ADD;
    jr.task_index = (uint32_t)J->ntasks;   /* the job's own numbering */
    jr.ntasks = n;
    jr.text = prefix;
    jr.data = enc.data;
    jr.data_len = (uint32_t)enc.len;
    jr.req_name = r->name;
    if (record (J, &jr) < 0) {
        snprintf (reason, rlen, "cannot record the tasks in the journal: %s", strerror (errno));
        goto out;
    }
    /* Recorded: from here on the batch is the job's (a resume loads it). */
    if (svc_parts_append (svc, J, part) < 0) {
        snprintf (reason, rlen, "out of memory");
        goto out;
    }
    part = NULL;
    J->nadds++;
    if (sched_add_tasks (svc->s, J->sj, n, reqs, off, deps, NULL) < 0) {
        fprintf (stderr, "mpibatch: cannot schedule the %zu tasks added: %s\n", n,
                 strerror (errno));
        snprintf (reason, rlen, "cannot schedule the tasks: %s", strerror (errno));
        goto out;
    }
    if (svc->pool_mode)
        svc_fail_oversized (svc, first, n);
    ans->job = J->job->id;
    ans->count = (int64_t)n;
    ans->prefix = r->lines ? (r->prefix ? r->prefix : prefix) : NULL;
    if (svc->opts->verbose > 0)
        fprintf (stderr, "%smpibatch: %zu task%s added to job %s\n", svc_bar_nl (svc), n,
                 n == 1 ? "" : "s", J->job->id);
    rc = 0;
out:
    jobfile_destroy (part);
    free (off);
    free (deps);
    free (reqs);
    buf_free (&enc);
    return rc;
}

static int is_pattern (const char *s) { return strpbrk (s, "*?[") != NULL; }

/* The most task patterns one cancel request may hold. */
#define CANCEL_MAX_PATTERNS 100

/* Cancel task g (not final): a waiting one ends cancelled now; a running
 * one is interrupted on its workers and ends cancelled when its result
 * comes (service_exit.c).  Returns 1 if it was not cancelled before. */
static int cancel_task (service_t *svc, uint32_t g)
{
    if (svc->cancelled[g] || sched_state (svc->s, g) >= SCHED_SUCCEEDED)
        return 0;
    svc->cancelled[g] = 1;
    svc->ncancelled++;
    if (sched_cancel (svc->s, g) == 1)
        svc_task_end (svc, g, MB_STATE_CANCELLED, "cancelled");
    else
        for (int i = 0; i < svc->nworkers; i++)
            if (svc->w[i].alive)
                svc_send_ctrl (svc, i, CTRL_CANCEL, (int)g);
    return 1;
}

static int ensure_cancelled (service_t *svc)
{
    if (!svc->cancelled && !(svc->cancelled = calloc (svc->ntasks + 1, 1)))
        return -1;
    return 0;
}

/* Cancel: the job (no task named) or the tasks named (ids, patterns). */
static int do_cancel (service_t *svc, pool_req_t *r, pool_answer_t *ans, char *reason,
                      size_t rlen)
{
    svc_job_t *J = job_of (svc, r, reason, rlen);
    if (!J)
        return -1;
    if (J->ended) {
        snprintf (reason, rlen, "job '%s' is over (%s)", J->job->id, J->end_state);
        return -1;
    }
    int npat = 0;
    for (int k = 0; k < r->ntasks; k++) {
        if (is_pattern (r->tasks[k]))
            npat++;
        else if (svc_task_find (svc, J, r->tasks[k]) < 0) {
            snprintf (reason, rlen, "no task '%s' in job '%s'", r->tasks[k], J->job->id);
            return -1;
        }
    }
    /* Each pattern is matched against every task of the job, within one
     * pass of the loop: their number is bounded. */
    if (npat > CANCEL_MAX_PATTERNS) {
        snprintf (reason, rlen, "%d patterns: at most %d in one cancel (send more requests)",
                  npat, CANCEL_MAX_PATTERNS);
        return -1;
    }
    if (ensure_cancelled (svc) < 0) {
        snprintf (reason, rlen, "out of memory");
        return -1;
    }
    journal_rec_t jr;
    for (int k = 0; k < (r->ntasks ? r->ntasks : 1); k++) {
        memset (&jr, 0, sizeof (jr));
        jr.type = JREC_CANCEL;
        jr.time = mb_clock_real ();
        jr.text = r->ntasks ? r->tasks[k] : NULL;
        journal_append (J->j, &jr);
    }
    if (journal_flush (J->j, 1) < 0) {
        snprintf (reason, rlen, "cannot record the request in the journal: %s",
                  strerror (errno));
        return -1;
    }
    int64_t count = 0;
    if (!r->ntasks) {
        /* The whole job: nothing more is added or starts. */
        J->cancelled = 1;
        J->closed = 1;
        if (svc->pool_mode)
            sched_job_hold (svc->s, J->sj);
        for (size_t l = 0; l < J->ntasks; l++)
            count += cancel_task (svc, svc_job_global (J, l));
    }
    else {
        /* Ids by their index (each was looked up once per request, not
         * compared with every task: 5,000 ids against 20,000 tasks held
         * the pool 19 s); only the patterns go over the job's tasks. */
        for (int k = 0; k < r->ntasks; k++) {
            long g = is_pattern (r->tasks[k]) ? -1 : svc_task_find (svc, J, r->tasks[k]);
            if (g >= 0)
                count += cancel_task (svc, (uint32_t)g);
        }
        for (size_t l = 0; npat && l < J->ntasks; l++) {
            uint32_t g = svc_job_global (J, l);
            char id[80];
            svc_task_id (svc, g, id, sizeof (id));
            for (int k = 0; k < r->ntasks; k++)
                if (is_pattern (r->tasks[k]) && fnmatch (r->tasks[k], id, FNM_CASEFOLD) == 0) {
                    count += cancel_task (svc, g);
                    break;
                }
        }
    }
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: cancel: %lld task%s of job %s cancelled\n",
                 svc_bar_nl (svc), (long long)count, count == 1 ? "" : "s", J->job->id);
    /* The answer is written before the next request is read. */
    static char text[128];
    snprintf (text, sizeof (text), "%lld task%s cancelled", (long long)count,
              count == 1 ? "" : "s");
    ans->job = J->job->id;
    ans->count = count;
    ans->text = text;
    return 0;
}

void svc_pool_resume_cancels (service_t *svc, svc_job_t *J)
{
    if (!J->cancelled && !J->ncancel_pats)
        return;
    if (svc->opts->resume == RESUME_FAILED || ensure_cancelled (svc) < 0)
        return;   /* --resume-failed runs cancelled tasks again */
    /* The ids cancelled, by their index (as do_cancel finds them); the
     * patterns matched against each task's id, made once. */
    uint8_t *named = calloc (svc->ntasks + 1, 1);
    int npat = 0;
    for (int k = 0; k < J->ncancel_pats; k++) {
        if (is_pattern (J->cancel_pats[k]) || !named) {
            npat++;   /* out of memory: ids are compared with each task's */
            continue;
        }
        long g = svc_task_find (svc, J, J->cancel_pats[k]);
        if (g >= 0)
            named[g] = 1;
    }
    for (size_t l = 0; l < J->ntasks; l++) {
        uint32_t g = svc_job_global (J, l);
        int hit = J->cancelled || (named && named[g]);
        char id[80];
        if (!hit && npat)
            svc_task_id (svc, g, id, sizeof (id));
        for (int k = 0; !hit && npat && k < J->ncancel_pats; k++)
            hit = is_pattern (J->cancel_pats[k])
                      ? fnmatch (J->cancel_pats[k], id, FNM_CASEFOLD) == 0
                      : !named && !strcasecmp (J->cancel_pats[k], id);
        int prev = svc->prev_state ? svc->prev_state[g] : PREV_UNKNOWN;
        if (!hit || prev == SCHED_SUCCEEDED || prev == SCHED_SKIPPED
            || (prev == SCHED_FAILED && !svc->cancelled[g]))
            continue;
        svc->cancelled[g] = 1;
        svc->ncancelled++;
        if (prev == MB_STATE_CANCELLED)
            continue;   /* preset already, as a failure */
        /* Cancelled while it ran when the last run died: it ends now. */
        sched_preset (svc->s, g, SCHED_FAILED, 0);
        svc_task_end (svc, g, MB_STATE_CANCELLED, "cancelled");
    }
    free (named);
}

/* Act on one request: 0 accepted (ans filled), -1 refused (reason). */
static int handle (service_t *svc, pool_req_t *r, pool_answer_t *ans, char *prefix,
                   char *reason, size_t rlen)
{
    journal_rec_t jr;
    memset (&jr, 0, sizeof (jr));
    ans->count = -1;
    svc_job_t *J = NULL;
    switch (r->op) {
    case POOL_OP_SUBMIT:
        if (svc->pool_mode)
            return svc_pool_submit (svc, r, ans, reason, rlen);
        snprintf (reason, rlen, "this is the run of job '%s', not a pool: submit to a pool "
                  "started with `mpibatch pool POOLDIR`", svc->jobs[0]->job->id);
        return -1;
    case POOL_OP_ADD:
        return do_add (svc, r, ans, prefix, reason, rlen);
    case POOL_OP_CLOSE:
        if (!(J = job_of (svc, r, reason, rlen)))
            return -1;
        jr.type = JREC_CLOSE;
        break;
    case POOL_OP_PRIORITY:
        if (!(J = job_of (svc, r, reason, rlen)))
            return -1;
        jr.type = JREC_PRIORITY;
        jr.status = r->priority;
        break;
    case POOL_OP_CANCEL:
        return do_cancel (svc, r, ans, reason, rlen);
    case POOL_OP_ALLOC_ADD:
    case POOL_OP_ALLOC_REMOVE:
        return svc_alloc_serve (svc, r, ans, reason, rlen);
    case POOL_OP_SHUTDOWN:
        if (svc->pool_mode)
            ans->text = r->drain ? "the pool drains and stops (resume with --resume)"
                                 : "the pool takes no more jobs or tasks and ends when its "
                                   "jobs have";
        else
            ans->text = r->drain ? "the run drains and stops (resume with --resume)"
                                 : "the run takes no more tasks and ends when its tasks have";
        return 0;
    default:
        snprintf (reason, rlen, "unknown request");
        return -1;
    }
    if (J->ended) {
        snprintf (reason, rlen, "job '%s' is over (%s)", J->job->id, J->end_state);
        return -1;
    }
    if (record (J, &jr) < 0) {
        snprintf (reason, rlen, "cannot record the request in the journal: %s",
                  strerror (errno));
        return -1;
    }
    if (r->op == POOL_OP_CLOSE)
        J->closed = 1;
    else {
        sched_job_set_priority (svc->s, svc->pool_mode ? J->sj : 0, r->priority);
        J->priority = r->priority;
    }
    ans->job = J->job->id;
    return 0;
}

/* Batches the journal holds, by request file name, with their answer. */
struct svc_done {
    svc_job_t *J;
    char *name;
    char *prefix;     /* the ids' prefix of a --lines batch, or NULL */
    int64_t count;
};

int svc_pool_remember (service_t *svc, svc_job_t *J, const char *name, const pool_req_t *r,
                       const char *prefix, int64_t count)
{
    struct svc_done *v = realloc (svc->done, (size_t)(svc->ndone + 1) * sizeof (*v));
    if (!v)
        return -1;
    svc->done = v;
    struct svc_done *d = &v[svc->ndone];
    d->J = J;
    d->name = strdup (name);
    d->prefix = r->lines ? strdup (r->prefix ? r->prefix : prefix ? prefix : "") : NULL;
    d->count = count;
    if (!d->name || (r->lines && !d->prefix)) {
        free (d->name);
        free (d->prefix);
        return -1;
    }
    svc->ndone++;
    return 0;
}

void svc_pool_forget (service_t *svc)
{
    for (int k = 0; k < svc->ndone; k++) {
        free (svc->done[k].name);
        free (svc->done[k].prefix);
    }
    free (svc->done);
    svc->done = NULL;
    svc->ndone = 0;
}

/* A request the journal already holds: its answer, again.  1 if it was
 * one (and was answered), 0 if not. */
static int answer_again (service_t *svc, pool_req_t *r)
{
    for (int k = 0; k < svc->ndone; k++) {
        if (strcmp (svc->done[k].name, r->name))
            continue;
        pool_answer_t ans = { 0 };
        mb_error_t err = { "" };
        ans.job = svc->done[k].J->job->id;
        ans.count = svc->done[k].count;
        ans.prefix = svc->done[k].prefix;
        if (pooldir_accept (svc->pd, r, &ans, &err) < 0)
            pool_log (svc, err.text);
        pool_log (svc, "a request recorded before the run stopped: answered again");
        return 1;
    }
    return 0;
}

int svc_pool_serve (service_t *svc, double now)
{
    if (!svc->pd || now < svc->pool_next)
        return 0;
    svc->pool_next = now + SERVE_EVERY;
    int any = 0;
    for (int k = 0; k < 64; k++) {
        mb_error_t err = { "" };
        pool_req_t *r = NULL;
        int rc = pooldir_next (svc->pd, &r, &err);
        if (rc < 0) {
            pool_log (svc, err.text);
            break;
        }
        if (rc == 0)
            break;
        any = 1;
        if (svc->ndone && answer_again (svc, r)) {
            pool_req_destroy (r);
            continue;
        }
        pool_answer_t ans = { 0 };
        char reason[4096] = "", prefix[64] = "";
        if (handle (svc, r, &ans, prefix, reason, sizeof (reason)) == 0) {
            int acc = pooldir_accept (svc->pd, r, &ans, &err);
            if (acc < 0)
                /* What the job's journal holds stays the job's: a resume
                 * finds it there. */
                pool_log (svc, err.text);
            if (r->op == POOL_OP_SUBMIT)
                svc_pool_submitted (svc, acc == 0);
            else if (acc == 0 && r->op == POOL_OP_SHUTDOWN) {
                svc->shutdown = 1;
                if (r->drain)
                    svc_start_drain (svc, "shutdown --drain");
            }
        }
        else if (pooldir_refuse (svc->pd, r, reason, &err) < 0)
            pool_log (svc, err.text);
        pool_req_destroy (r);
    }
    return any;
}

/* ---------------------------------------------------------------- */
/* POOLDIR/status.json: the pool's summary, for `mpibatch status POOLDIR`. */

/* Job J's counts for status.json, cancelled told apart. */
static void job_counts (service_t *svc, svc_job_t *J, uint64_t counts[PS_NCOUNTS])
{
    size_t c[6];
    if (svc->pool_mode)
        sched_job_counts (svc->s, J->sj, c);
    else
        sched_counts (svc->s, c);
    uint64_t v[PS_NCOUNTS] = { c[SCHED_PENDING], c[SCHED_READY], c[SCHED_RUNNING],
                               c[SCHED_SUCCEEDED], c[SCHED_FAILED], c[SCHED_SKIPPED], 0 };
    for (size_t l = 0; svc->cancelled && l < J->ntasks; l++) {
        uint32_t g = svc_job_global (J, l);
        if (svc->cancelled[g] && sched_state (svc->s, g) == SCHED_FAILED) {
            v[PS_FAILED]--;
            v[PS_CANCELLED]++;
        }
    }
    memcpy (counts, v, sizeof (v));
}

/* POOLDIR/status.json: st's workers, jobs and allocations, with this
 * pool's name, host and pid (under run, the pool is its job's). */
static void write_status (service_t *svc, poolstatus_t *st, const char *state, double started,
                          double now)
{
    char host[256] = "";
    gethostname (host, sizeof (host) - 1);
    st->pool = (char *)(svc->pool_mode ? svc->opts->pool_id : svc->jobs[0]->job->id);
    st->host = host;
    st->pid = (long)getpid ();
    st->started = started;
    st->updated = now;
    st->state = (char *)state;
    mb_error_t err = { "" };
    if (poolstatus_write (svc->pool_dir, st, &err) < 0)
        pool_log (svc, err.text);
    st->host = NULL;   /* this frame's */
}

void svc_pool_status (service_t *svc, double now, const char *ended)
{
    if (!svc->pd || !svc->s)
        return;
    /* At most once a second: nothing is counted in between. */
    if (!ended && now - svc->status_time < 1.0)
        return;
    const char *state = ended ? "ended" : svc->draining ? "draining"
                      : svc->shutdown ? "shutting_down" : "running";
    int nj = svc->njobs;
    poolstatus_job_t *jobs = calloc ((size_t)nj + 1, sizeof (*jobs));
    if (!jobs)
        return;
    /* Rewritten at most once a second, and only when something changed. */
    uint64_t sig = (uint64_t)(state[0] + state[1]) * 104729u + (uint64_t)nj;
    for (int k = 0; k < nj; k++) {
        svc_job_t *J = svc->jobs[k];
        poolstatus_job_t *x = &jobs[k];
        job_counts (svc, J, x->counts);
        x->id = (char *)J->job->id;
        x->state = (char *)(J->ended ? J->end_state : !svc->pool_mode && ended ? ended
                                                                             : "active");
        x->priority = J->priority;
        x->open = svc_job_open (svc, J);
        x->state_dir = J->job->state;
        x->submitted = J->submitted;
        x->started = J->started ? J->started : NAN;
        x->ended = J->ended ? J->finished : !svc->pool_mode && ended ? now : NAN;
        sig = sig * 1000003u + (uint64_t)J->priority * 7u + (uint64_t)x->open * 7919u
              + (uint64_t)J->ended * 31337u;
        for (int c = 0; c < PS_NCOUNTS; c++)
            sig = sig * 31 + x->counts[c];
    }
    sig = sig * 31 + (uint64_t)svc->nworkers * 65537u + (uint64_t)svc_alive_workers (svc);
    if (!ended && (now - svc->status_time < 1.0 || sig == svc->status_sig)) {
        free (jobs);
        return;
    }
    svc->status_time = now;
    svc->status_sig = sig;

    poolstatus_worker_t *ws = calloc ((size_t)svc->nworkers + 1, sizeof (*ws));
    if (!ws) {
        free (jobs);
        return;
    }
    for (int i = 0; i < svc->nworkers; i++) {
        ws[i].worker = svc->w[i].rank;
        ws[i].node = svc->nodes[svc->w[i].node].name;
        ws[i].slots = svc->w[i].slots;
        ws[i].busy = (int)sched_worker_tasks (svc->s, i, NULL, 0);
        ws[i].alive = svc->w[i].alive;
        ws[i].joined = svc->w[i].joined;
    }
    poolstatus_t st;
    memset (&st, 0, sizeof (st));
    st.nworkers = (size_t)svc->nworkers;
    st.workers = ws;
    st.njobs = (size_t)nj;
    st.jobs = jobs;
    st.allocations = svc_alloc_json (svc);
    write_status (svc, &st, state, svc->started, now);
    free (ws);
    free (jobs);
}

/* The pool holds POOLDIR's lock: until it has restored its jobs and heard
 * from its workers, its status says "starting" (with neither), not what
 * an earlier pool in the directory last wrote ("ended", a job
 * "interrupted" that --resume is about to continue).  A new directory
 * gets its first status.json from the running pool, as before: scripts
 * take that file for "the pool is up". */
void svc_pool_status_starting (service_t *svc)
{
    char path[PATH_MAX + 16];
    snprintf (path, sizeof (path), "%s/status.json", svc->pool_dir);
    if (access (path, F_OK) != 0)
        return;
    poolstatus_t st;
    memset (&st, 0, sizeof (st));
    write_status (svc, &st, "starting", NAN, mb_clock_real ());
}

/* ---------------------------------------------------------------- */
/* Resume: the requests the journal holds.                            */

typedef struct {
    service_t *svc;
    svc_job_t *J;
    int failed;
    uint32_t *xoff, *xdeps;   /* prerequisites of the added tasks (CSR, global) */
    size_t xn, xnd, xcap;
} preplay_t;

static int preplay_cb (const journal_rec_t *jr, void *arg)
{
    preplay_t *p = arg;
    service_t *svc = p->svc;
    svc_job_t *J = p->J;
    if (jr->type == JREC_CLOSE) {
        J->closed = 1;
        return 0;
    }
    if (jr->type == JREC_PRIORITY) {
        J->priority = jr->status;
        return 0;
    }
    if (jr->type == JREC_CANCEL) {
        if (!jr->text) {
            J->cancelled = 1;
            J->closed = 1;
            return 0;
        }
        char **v = realloc (J->cancel_pats, (size_t)(J->ncancel_pats + 1) * sizeof (*v));
        if (!v || !(v[J->ncancel_pats] = strdup (jr->text))) {
            if (v)
                J->cancel_pats = v;
            p->failed = 1;
            return -1;
        }
        J->cancel_pats = v;
        J->ncancel_pats++;
        return 0;
    }
    if (jr->type != JREC_ADD)
        return 0;
    /* Batches are numbered in order: one whose tasks the journal places
     * elsewhere than the next index was not written by this job. */
    if (jr->task_index != J->ntasks) {
        fprintf (stderr, "mpibatch: journal: added tasks at %u, expected %zu: ignored\n",
                 jr->task_index, J->ntasks);
        return 0;
    }
    errlist_t *errs = errlist_create (10);
    pool_req_t *r = errs ? pool_req_decode ("journal", jr->data, jr->data_len, errs) : NULL;
    errlist_destroy (errs);
    char reason[4096];
    jobfile_t *part;
    uint32_t *off, *deps;
    if (!r || svc_part_load (svc, J, r, jr->text ? jr->text : "add-line-", &part, &off, &deps,
                             reason, sizeof (reason)) < 0) {
        fprintf (stderr, "mpibatch: journal: the tasks added at %u cannot be loaded again%s%s\n",
                 jr->task_index, r ? ": " : "", r ? reason : "");
        pool_req_destroy (r);
        p->failed = 1;
        return -1;
    }
    size_t n = jobfile_ntasks (part);
    /* Its request may still wait in the pool directory (the run died
     * between this record and the answer): it is answered again, not
     * acted on twice. */
    if (jr->req_name && svc_pool_remember (svc, J, jr->req_name, r, jr->text, (int64_t)n) < 0) {
        pool_req_destroy (r);
        goto oom;
    }
    pool_req_destroy (r);
    if (p->xnd + off[n] > p->xcap) {
        size_t c = (p->xnd + off[n]) * 2 + 64;
        uint32_t *d = realloc (p->xdeps, c * sizeof (*d));
        if (!d)
            goto oom;
        p->xdeps = d;
        p->xcap = c;
    }
    uint32_t *o = realloc (p->xoff, (p->xn + n + 1) * sizeof (*o));
    if (!o)
        goto oom;
    p->xoff = o;
    p->xoff[0] = 0;
    for (size_t i = 0; i < n; i++)
        p->xoff[p->xn + i + 1] = (uint32_t)p->xnd + off[i + 1];
    if (off[n])   /* no edges yet: xdeps may still be NULL */
        memcpy (p->xdeps + p->xnd, deps, off[n] * sizeof (uint32_t));
    if (svc_parts_append (svc, J, part) < 0)
        goto oom;
    J->nadds++;
    p->xn += n;
    p->xnd += off[n];
    free (off);
    free (deps);
    return 0;
oom:
    fprintf (stderr, "mpibatch: out of memory\n");
    jobfile_destroy (part);
    free (off);
    free (deps);
    p->failed = 1;
    return -1;
}

int svc_pool_replay (service_t *svc, svc_job_t *J, const char *journal_path)
{
    preplay_t p = { svc, J, 0, NULL, NULL, 0, 0, 0 };
    mb_error_t err = { "" };
    if (journal_read (journal_path, preplay_cb, &p, NULL, &err) < 0 && errno != ENOENT) {
        fprintf (stderr, "%s: %s\n", journal_path, err.text);
        p.failed = 1;
    }
    svc->xoff = p.xoff;
    svc->xdeps = p.xdeps;
    svc->xn = p.xn;
    return p.failed ? -1 : 0;
}
