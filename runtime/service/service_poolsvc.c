/* service_poolsvc.c: `mpibatch pool POOLDIR`: the service with no fixed
 * job: jobs come by `submit`, each with its own records exactly as a run
 * has them, and end on their own; the pool ends on shutdown, the
 * deadline or its idle timeout. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/names.h"
#include "io/stage.h"
#include "runtime/service/service_int.h"

static void pool_say (service_t *svc, const char *fmt, const char *a, const char *b)
{
    if (svc->opts->verbose < 0)
        return;
    fprintf (stderr, "%smpibatch: ", svc_bar_nl (svc));
    fprintf (stderr, fmt, a, b);
    fputc ('\n', stderr);
}

static void pool_log (void *arg, const char *msg)
{
    pool_say (arg, "pool: %s%s", msg, "");
}

/* One setting of the pool's own job file: a number as it is, anything
 * else as a string (quotes and backslashes escaped).  NULL: none. */
static void put_setting (buf_t *b, const char *key, const char *value)
{
    if (!value)
        return;
    if (*value && strspn (value, "0123456789") == strlen (value)) {
        buf_printf (b, "%s = %s;\n", key, value);
        return;
    }
    buf_printf (b, "%s = \"", key);
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_add (b, "\\", 1);
        buf_add (b, p, 1);
    }
    buf_adds (b, "\";\n");
}

int service_open_pool (service_t *svc)
{
    run_opts_t *o = svc->opts;
    char real[PATH_MAX];
    mb_error_t err = { "" };
    /* Its parents as usual, POOLDIR itself the owner's only; one that
     * exists keeps its mode (pooldir_open refuses one others may write). */
    char parent[PATH_MAX];
    snprintf (parent, sizeof (parent), "%s", o->pool_dir);
    char *slash = strrchr (parent, '/');
    while (slash && slash > parent && slash[1] == '\0') {   /* trailing slashes */
        *slash = '\0';
        slash = strrchr (parent, '/');
    }
    if (slash && slash > parent) {
        *slash = '\0';
        if (stage_mkdirs (parent) < 0) {
            fprintf (stderr, "mpibatch: cannot create %s: %s\n", parent, strerror (errno));
            return 3;
        }
    }
    if (mkdir (o->pool_dir, 0700) < 0 && errno != EEXIST) {
        fprintf (stderr, "mpibatch: cannot create %s: %s\n", o->pool_dir, strerror (errno));
        return 3;
    }
    if (!realpath (o->pool_dir, real)) {
        fprintf (stderr, "mpibatch: %s: %s\n", o->pool_dir, strerror (errno));
        return 3;
    }
    /* The pool's settings as a job file of its own: the job file's
     * defaults, the sizing options, storage POOLDIR. */
    buf_t text = { 0 };
    char name[PATH_MAX + 16];
    put_setting (&text, "id", o->pool_id);
    put_setting (&text, "storage", real);
    put_setting (&text, "slots_per_worker", o->slots_per_worker);
    put_setting (&text, "gpus_per_worker", o->gpus_per_worker);
    put_setting (&text, "fill", o->fill == JOB_FILL_PACK ? "pack" : "spread");
    buf_adds (&text, "tasks = ();\n");
    snprintf (name, sizeof (name), "%s/pool.cfg", real);
    errlist_t *errs = errlist_create (10);
    jobfile_opts_t jo = { .no_storage_check = 1 };
    svc->pool_jf = errs && text.data ? jobfile_load_text (name, text.data, text.len, &jo, errs)
                                     : NULL;
    buf_free (&text);
    if (!svc->pool_jf) {
        /* Only the options can be wrong here. */
        for (int k = 0; errs && k < errlist_kept (errs); k++)
            fprintf (stderr, "mpibatch: pool options: %s\n", errlist_get (errs, k));
        if (!errs || !errlist_kept (errs))
            fprintf (stderr, "mpibatch: out of memory\n");
        errlist_destroy (errs);
        return 2;
    }
    errlist_destroy (errs);
    /* The per-task arrays grow with the jobs (svc_parts_append): their
     * spare entry now. */
    if (!(svc->ready_time = calloc (1, sizeof (double)))
        || !(svc->last_started = calloc (1, sizeof (uint16_t)))
        || !(svc->last_attempt = malloc (sizeof (int32_t)))) {
        fprintf (stderr, "mpibatch: out of memory\n");
        return 3;
    }
    svc->last_attempt[0] = -1;
    if (!(svc->pool_dir = strdup (real))) {
        fprintf (stderr, "mpibatch: out of memory\n");
        return 3;
    }
    int resume = o->resume == RESUME_OK || o->resume == RESUME_FAILED;
    svc->pd = pooldir_open (real, resume ? POOLDIR_RESUME : 0, pool_log, svc, &err);
    if (!svc->pd) {
        int bad = errno == EPERM || errno == EBUSY || errno == EEXIST || errno == EACCES;
        if (errno == EEXIST)
            fprintf (stderr, "mpibatch: %s (`mpibatch pool %s --resume`), or start a new pool in "
                     "another directory\n", err.text, o->pool_dir);
        else
            fprintf (stderr, "mpibatch: %s\n", err.text);
        return bad ? 2 : 3;
    }
    svc_pool_status_starting (svc);
    const char *end = getenv ("SLURM_JOB_END_TIME");
    double until = o->deadline;
    if (!until && end && atof (end) > 0)
        until = atof (end);
    svc->deadline = until > 0 ? until - svc_deadline_margin () : 0;
    svc->tty = isatty (2);
    return 0;
}

/* Does the job set what sizes the pool's workers? */
static int sets_sizing (const jobfile_job_t *j)
{
    return j->slots_kind != JOB_SLOTS_CORES || j->gpus_per_worker != -1
           || j->fill != JOB_FILL_SPREAD;
}

/* Make job J of jf (its file named `file`), open its records and give its
 * tasks to the scheduler.  resume: RESUME_* for its records.  0, or -1
 * with the reason (nothing of the job is left then). */
static svc_job_t *job_create (service_t *svc, jobfile_t *jf, int resume, int priority,
                              int open, const char *file, char *reason, size_t rlen)
{
    const jobfile_job_t *job = jobfile_job (jf);
    for (int k = 0; k < svc->njobs; k++) {
        const svc_job_t *o = svc->jobs[k];
        if (!strcmp (o->job->id, job->id)) {
            snprintf (reason, rlen, "a job '%s' is already in the pool", job->id);
            jobfile_destroy (jf);
            return NULL;
        }
        if (!strcmp (o->job->state, job->state)) {
            snprintf (reason, rlen, "the state directory %s is job '%s''s in this pool",
                      job->state, o->job->id);
            jobfile_destroy (jf);
            return NULL;
        }
    }
    /* Its preparation's and release's attempts carry job << 16 | node
     * (service_prep.c): a number beyond 16 bits would be another job's. */
    if ((job->prep || job->release) && svc->njobs + 1 > 0xffff) {
        snprintf (reason, rlen, "the pool holds %d jobs: one with a job_preparation or "
                  "job_release can no longer be numbered (65535 at most)", svc->njobs);
        jobfile_destroy (jf);
        return NULL;
    }
    svc_job_t *J = svc_job_new (svc, jf, svc->njobs + 1, 1);
    if (!J) {
        snprintf (reason, rlen, "out of memory");
        jobfile_destroy (jf);
        return NULL;
    }
    J->priority = priority;
    J->open = open;
    J->submitted = mb_clock_real ();   /* started: at its first attempt's start */
    if (svc_job_nodes (svc, J) < 0
        || svc_job_records_open (svc, J, resume, file, reason, rlen) != 0) {
        if (!reason[0])
            snprintf (reason, rlen, "out of memory");
        goto undo;
    }
    return J;
undo:
    svc->njobs--;
    svc_job_free (J);
    return NULL;
}

/* Give job J's first part (its job file) to the scheduler: the job, then
 * its tasks with their prerequisites as global indices. */
static int job_schedule (service_t *svc, svc_job_t *J, char *reason, size_t rlen)
{
    jobfile_t *jf = J->jf;
    size_t n = jobfile_ntasks (jf);
    uint32_t first = (uint32_t)svc->ntasks;
    const uint32_t *off, *deps;
    jobfile_deps (jf, &off, &deps);
    sched_task_t *reqs = svc_sched_reqs (jf);
    uint32_t *gdeps = calloc ((size_t)off[n] + 1, sizeof (*gdeps));
    int rc = -1;
    if (!reqs || !gdeps) {
        snprintf (reason, rlen, "out of memory");
        goto out;
    }
    for (uint32_t k = 0; k < off[n]; k++)
        gdeps[k] = first + deps[k];
    if ((J->sj = sched_job_add (svc->s, J->priority)) < 0) {
        snprintf (reason, rlen, "cannot add the job to the scheduler: %s", strerror (errno));
        goto out;
    }
    if (J->job->max_parallel_tasks > 0)
        sched_job_set_max_running (svc->s, J->sj, J->job->max_parallel_tasks);
    if (svc_parts_append (svc, J, jf) < 0) {
        snprintf (reason, rlen, "out of memory");
        goto out;
    }
    if (sched_add_tasks (svc->s, J->sj, n, reqs, off, gdeps, NULL) < 0) {
        snprintf (reason, rlen, "cannot schedule the tasks: %s", strerror (errno));
        goto out;
    }
    rc = 0;
out:
    free (reqs);
    free (gdeps);
    return rc;
}

int svc_pool_submit (service_t *svc, pool_req_t *r, pool_answer_t *ans, char *reason,
                     size_t rlen)
{
    if (svc->shutdown || svc->draining) {
        snprintf (reason, rlen, "the pool is shutting down: it takes no more jobs");
        return -1;
    }
    errlist_t *errs = errlist_create (20);
    jobfile_t *jf = errs ? pool_req_job (r, errs) : NULL;
    if (!jf) {
        size_t o = 0;
        reason[0] = '\0';
        for (int k = 0; errs && k < errlist_kept (errs) && o + 2 < rlen; k++)
            o += (size_t)snprintf (reason + o, rlen - o, "%s%s", k ? "\n" : "",
                                   errlist_get (errs, k));
        if (!reason[0])
            snprintf (reason, rlen, "cannot load the job: %s", strerror (errno));
        errlist_destroy (errs);
        return -1;
    }
    errlist_destroy (errs);
    const jobfile_job_t *job = jobfile_job (jf);
    int prio = r->has_priority ? r->priority : job->priority;
    int sizing = sets_sizing (job);
    reason[0] = '\0';
    /* Its state directory is taken (the journal's lock) now; the job is
     * made once accepted.jnl holds the request (svc_pool_submitted). */
    svc_job_t *J = job_create (svc, jf, RESUME_NONE, prio, job->open || r->open,
                               r->file ? r->file : job->id, reason, rlen);
    if (!J)
        return -1;
    svc->pending = J;
    ans->job = J->job->id;
    ans->count = (int64_t)jobfile_ntasks (J->jf);
    if (sizing)
        ans->text = "slots_per_worker, gpus_per_worker and fill size the pool's workers: the "
                    "pool's own are used, not the job's";
    return 0;
}

void svc_pool_submitted (service_t *svc, int accepted)
{
    svc_job_t *J = svc->pending;
    char reason[512] = "";
    svc->pending = NULL;
    if (!J)
        return;
    if (!accepted) {
        /* Not recorded, so not the pool's: it was the last one made. */
        svc->njobs--;
        svc_job_free (J);
        return;
    }
    if (job_schedule (svc, J, reason, sizeof (reason)) < 0
        || svc_journal_run_start (svc, J) < 0) {
        fprintf (stderr, "mpibatch: job %s: %s\n", J->job->id,
                 reason[0] ? reason : strerror (errno));
        svc->fatal = 1;   /* accepted and not kept: the pool stops, resumable */
        return;
    }
    svc_fail_oversized (svc, svc_job_global (J, 0), J->ntasks);
    svc_report_skips (svc);
    svc->idle_since = 0;
    if (svc->opts->verbose >= 0) {
        char what[64];
        snprintf (what, sizeof (what), "%zu task%s", J->ntasks, J->ntasks == 1 ? "" : "s");
        pool_say (svc, "job %s submitted: %s", J->job->id, what);
    }
}

/* --resume: one accepted request of the earlier pool.  Submissions make
 * their job again: its job file from the request, its added tasks and
 * what was asked of it from its own journal, its tasks' states as `run
 * --resume` finds them.  A shutdown (not --drain) holds again: the
 * resumed pool takes nothing new and ends when its jobs have; a drain
 * stopped the pool for --resume to continue, so it is not done again.
 * Before the scheduler starts. */
static int resume_cb (void *arg, const pool_req_t *r)
{
    service_t *svc = arg;
    char reason[4096] = "", path[4200];
    if (r->op == POOL_OP_SHUTDOWN && !r->drain)
        svc->shutdown = 1;
    if (r->op != POOL_OP_SUBMIT)
        return 0;   /* the jobs' journals hold the rest */
    errlist_t *errs = errlist_create (20);
    jobfile_t *jf = errs ? pool_req_job (r, errs) : NULL;
    if (!jf) {
        fprintf (stderr, "mpibatch: pool --resume: job %s cannot be loaded again: %s\n",
                 r->job ? r->job : "?", errs && errlist_kept (errs) ? errlist_get (errs, 0)
                                                                    : strerror (errno));
        errlist_destroy (errs);
        return 0;
    }
    errlist_destroy (errs);
    const jobfile_job_t *job = jobfile_job (jf);
    int prio = r->has_priority ? r->priority : job->priority;
    svc_job_t *J = job_create (svc, jf, RESUME_OK, prio, job->open || r->open,
                               r->file ? r->file : job->id, reason, sizeof (reason));
    if (!J) {
        fprintf (stderr, "mpibatch: pool --resume: %s\n", reason);
        return 0;
    }
    snprintf (path, sizeof (path), "%s/journal", J->job->state);
    uint32_t g0 = (uint32_t)svc->ntasks;
    size_t n0 = jobfile_ntasks (jf);
    const uint32_t *off0, *deps0;
    jobfile_deps (jf, &off0, &deps0);
    if (svc_parts_append (svc, J, jf) < 0 || svc_pool_replay (svc, J, path) < 0)
        return -1;
    /* Every task of the job: the job file's (prerequisites made global)
     * and the added ones (svc_pool_replay made theirs global). */
    size_t n = J->ntasks, nd0 = off0[n0], ndx = svc->xn ? svc->xoff[svc->xn] : 0;
    sched_task_t *reqs = calloc (n + 1, sizeof (*reqs));
    uint32_t *off = calloc (n + 1, sizeof (*off));
    uint32_t *deps = calloc (nd0 + ndx + 1, sizeof (*deps));
    int rc = -1;
    if (!reqs || !off || !deps)
        goto out;
    for (size_t i = 0; i < n; i++) {
        jobfile_reqs_t q;
        svc_task_reqs (svc, g0 + i, &q);
        reqs[i] = (sched_task_t){ q.slots, q.gpus, q.memory, q.priority, q.max_retries,
                                  q.max_requeues, q.on_failure, q.instances,
                                  q.time_request > 0 ? q.time_request : 0 };
    }
    for (size_t i = 0; i <= n0; i++)
        off[i] = off0[i];
    for (uint32_t k = 0; k < nd0; k++)
        deps[k] = g0 + deps0[k];
    for (size_t i = 1; i <= svc->xn && n0 + i <= n; i++)
        off[n0 + i] = (uint32_t)nd0 + svc->xoff[i];
    if (ndx)
        memcpy (deps + nd0, svc->xdeps, ndx * sizeof (*deps));
    if ((J->sj = sched_job_add (svc->s, J->priority)) < 0
        || (J->job->max_parallel_tasks > 0
            && sched_job_set_max_running (svc->s, J->sj, J->job->max_parallel_tasks) < 0)
        || sched_add_tasks (svc->s, J->sj, n, reqs, off, deps, NULL) < 0)
        goto out;
    mb_error_t err = { "" };
    if (svc_job_replay (svc, J, path, &err) < 0) {
        fprintf (stderr, "mpibatch: %s: %s\n", path, err.text);
        goto out;
    }
    if (svc_journal_run_start (svc, J) < 0)
        goto out;
    if (J->terminated) {
        /* A terminated job stays so: nothing more of it runs. */
        sched_job_skip_remaining (svc->s, J->sj);
        J->stop_on_failure = 1;
    }
    rc = 0;
out:
    if (rc < 0)
        fprintf (stderr, "mpibatch: pool --resume: job %s: %s\n", J->job->id, strerror (errno));
    free (svc->xoff);
    free (svc->xdeps);
    svc->xoff = svc->xdeps = NULL;
    svc->xn = 0;
    free (reqs);
    free (off);
    free (deps);
    return rc;
}

int svc_pool_start (service_t *svc)
{
    if (svc->opts->resume == RESUME_NONE)
        return 0;
    mb_error_t err = { "" };
    int rc = pooldir_replay (svc->pd, resume_cb, svc, &err);
    if (rc < 0)
        fprintf (stderr, "mpibatch: pool --resume: %s\n", err.text);
    else if (rc)
        fprintf (stderr, "mpibatch: pool --resume: cannot restore the jobs\n");
    else if (svc->opts->verbose >= 0) {
        char n[32];
        snprintf (n, sizeof (n), "%d job%s", svc->njobs, svc->njobs == 1 ? "" : "s");
        pool_say (svc, "resuming: %s restored%s", n,
                  svc->shutdown ? "; shutdown was accepted before: the pool takes nothing new "
                                  "and ends when its jobs have" : "");
    }
    return rc ? -1 : 0;
}

/* Job J is over: its records and report, its summary. */
static void job_over (service_t *svc, svc_job_t *J)
{
    svc_job_end (svc, J);
    if (svc->opts->verbose >= 0 || J->status != 0)
        svc_print_summary (svc, J);
    /* Its state directory is free again (its lock goes with the
     * journal): `submit --wait` and `status` see the run ended. */
    journal_close (J->j);
    J->j = NULL;
    if (J->spool_fd >= 0)
        close (J->spool_fd);
    J->spool_fd = -1;
}

int svc_pool_jobs (service_t *svc, double now, size_t held)
{
    (void)held;
    int active = 0;
    for (int k = 0; k < svc->njobs; k++) {
        svc_job_t *J = svc->jobs[k];
        if (J->ended)
            continue;
        if (svc->draining) {
            active++;
            continue;   /* they end interrupted with the pool */
        }
        size_t c[6];
        sched_job_counts (svc->s, J->sj, c);
        /* max_wall_clock: the job alone drains, as a run would: its
         * running tasks are interrupted, it ends "interrupted", and a
         * `pool --resume` runs what is left of it. */
        if (!J->drained && J->job->max_wall_clock > 0 && now - J->submitted >= J->job->max_wall_clock) {
            J->drained = 1;
            sched_job_hold (svc->s, J->sj);
            svc_job_interrupt (svc, J);
            pool_say (svc, "job %s: max_wall_clock reached: interrupting its tasks%s", J->job->id,
                      "");
        }
        if (J->drained) {
            if (c[SCHED_RUNNING] == 0)
                job_over (svc, J);
            else
                active++;
            continue;
        }
        if (J->stop_on_failure && c[SCHED_RUNNING] == 0) {
            /* Stopped (on_task_failure, an exit condition): what did not
             * start is skipped and the job ends. */
            sched_job_skip_remaining (svc->s, J->sj);
            svc_report_skips (svc);
        }
        if (sched_job_finished (svc->s, J->sj) == 1 && !svc_job_open (svc, J)) {
            /* Its release runs first, on every node it ran on. */
            if (svc_prep_release (svc, J, now))
                job_over (svc, J);
            else
                active++;
            continue;
        }
        active++;
    }
    /* Ready tasks no worker could ever hold fail with the reason (or wait
     * for one that may join). */
    if (svc->nworkers > 0)
        svc_unplaceable (svc);
    if (svc->draining)
        return svc->running == 0;
    if (active) {
        svc->idle_since = 0;
        return 0;
    }
    if (svc->shutdown)
        return 1;
    if (!svc->idle_since)
        svc->idle_since = now;
    if (svc->opts->idle_timeout > 0 && now - svc->idle_since >= svc->opts->idle_timeout) {
        if (svc->opts->verbose >= 0) {
            char d[32];
            snprintf (d, sizeof (d), "%.0f s", svc->opts->idle_timeout);
            pool_say (svc, "no active job for %s: the pool ends (--idle-timeout)%s", d, "");
        }
        return 1;
    }
    return 0;
}

int svc_pool_end (service_t *svc)
{
    int rc = svc->fatal ? 3 : svc->draining ? 4 : 0;
    for (int k = 0; k < svc->njobs; k++)
        if (!svc->jobs[k]->ended)
            job_over (svc, svc->jobs[k]);
    svc_pool_status (svc, svc->finished, "ended");
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: pool %s ended%s%s (%d job%s)\n", svc_bar_nl (svc),
                 svc->opts->pool_id, svc->drain_reason ? ": " : "",
                 svc->drain_reason ? svc->drain_reason : "", svc->njobs,
                 svc->njobs == 1 ? "" : "s");
    if (rc == 4 && svc->opts->verbose >= 0)
        fprintf (stderr, "mpibatch: continue with: mpibatch pool %s --resume\n",
                 svc->opts->pool_dir);
    svc_pool_close (svc);
    return rc;
}
