/* service_records.c: the service's records: the state directory, the
 * journal (written before anything is acknowledged, replayed on resume)
 * and the attempts kept for the report. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/names.h"
#include "io/logspool.h"
#include "io/report.h"
#include "io/stage.h"
#include "runtime/service/service_int.h"

const char *svc_decision_name (int d)
{
    static const char *names[] = {
        "", "succeeded", "retried", "requeued", "failed", "run again", "terminated",
    };
    return d >= 0 && d <= JDEC_TERMINATED ? names[d] : "";
}

const char *svc_intern (service_t *svc, const char *s)
{
    if (!s)
        s = "";
    if (2 * (svc->nistr + 1) > svc->istr_cap) {
        size_t cap = svc->istr_cap ? svc->istr_cap * 2 : 64;
        char **t = calloc (cap, sizeof (char *));
        if (!t)
            return NULL;
        for (size_t i = 0; i < svc->istr_cap; i++) {
            if (!svc->istr[i])
                continue;
            size_t h = hash_fnv1a64 (svc->istr[i], strlen (svc->istr[i])) & (cap - 1);
            while (t[h])
                h = (h + 1) & (cap - 1);
            t[h] = svc->istr[i];
        }
        free (svc->istr);
        svc->istr = t;
        svc->istr_cap = cap;
    }
    size_t h = hash_fnv1a64 (s, strlen (s)) & (svc->istr_cap - 1);
    while (svc->istr[h]) {
        if (!strcmp (svc->istr[h], s))
            return svc->istr[h];
        h = (h + 1) & (svc->istr_cap - 1);
    }
    if (!(svc->istr[h] = strdup (s)))
        return NULL;
    svc->nistr++;
    return svc->istr[h];
}

static attempt_t *new_attempt (service_t *svc)
{
    if (svc->natt == svc->att_cap) {
        size_t cap = svc->att_cap ? svc->att_cap * 2 : 1024;
        attempt_t *a = realloc (svc->att, cap * sizeof (*a));
        if (!a)
            return NULL;
        svc->att = a;
        svc->att_cap = cap;
    }
    attempt_t *a = &svc->att[svc->natt++];
    memset (a, 0, sizeof (*a));
    return a;
}

static void remember_why (service_t *svc, uint32_t task, const char *reason)
{
    if (svc->nwhy == svc->why_cap) {
        size_t cap = svc->why_cap ? svc->why_cap * 2 : 64;
        uint32_t *t = realloc (svc->why_task, cap * sizeof (*t));
        if (!t)
            return;
        svc->why_task = t;
        char **w = realloc (svc->why, cap * sizeof (*w));
        if (!w)
            return;
        svc->why = w;
        svc->why_cap = cap;
    }
    svc->why_task[svc->nwhy] = task;
    svc->why[svc->nwhy++] = strdup (reason ? reason : "");
}

/* ---------------------------------------------------------------- */
/* Resume: replay the journal of earlier runs.                       */

typedef struct {
    service_t *svc;
    svc_job_t *J;
    int32_t *open_attempt;   /* attempt started and not ended, or -1 */
    double *open_start;
    int *open_worker;
} replay_t;

static int replay_cb (const journal_rec_t *r, void *arg)
{
    replay_t *rp = arg;
    service_t *svc = rp->svc;
    if (r->type != JREC_ATTEMPT_START && r->type != JREC_ATTEMPT_END && r->type != JREC_TASK_END)
        return 0;
    long i = r->task ? svc_task_find (svc, rp->J, r->task) : -1;
    if (i < 0)
        return 0;   /* a task no longer in the job file */
    if (r->type == JREC_ATTEMPT_START) {
        /* The job started at its first attempt, in whichever run. */
        if (r->start_time > 0 && (!rp->J->started || r->start_time < rp->J->started))
            rp->J->started = r->start_time;
        rp->open_attempt[i] = r->attempt;
        rp->open_start[i] = r->start_time;
        rp->open_worker[i] = r->worker;
        return 0;
    }
    if (r->type == JREC_ATTEMPT_END) {
        rp->open_attempt[i] = -1;
        attempt_t *a = new_attempt (svc);
        if (!a)
            return -1;
        a->task = (uint32_t)i;
        a->attempt = r->attempt;
        a->worker = r->worker;
        a->node = svc_intern (svc, r->node);
        a->outcome = r->outcome;
        a->exit_code = r->exit_code;
        a->signal = r->signal;
        a->timed_out = r->timed_out;
        a->log_cut = r->log_cut;
        a->start_time = r->start_time;
        a->end_time = r->end_time;
        a->user_seconds = r->user_seconds;
        a->system_seconds = r->system_seconds;
        a->max_rss_kib = r->max_rss_kib;
        a->bytes_in = r->bytes_in;
        a->bytes_out = r->bytes_out;
        a->reason = svc_intern (svc, r->reason);
        a->cpus = svc_intern (svc, r->cpus);
        a->rule = r->rule ? svc_intern (svc, r->rule) : NULL;
        a->decision = r->decision;
        svc->last_attempt[i] = (int32_t)(svc->natt - 1);
        /* A requeue by rule used no retry, but counts against
         * max_requeues in this run too. */
        if (r->decision == JDEC_REQUEUED) {
            if (svc->prev_requeues[i] < 65535)
                svc->prev_requeues[i]++;
        }
        else if (r->outcome != JOUT_INTERRUPTED && svc->prev_counted[i] < 65535)
            svc->prev_counted[i]++;
        if (r->attempt + 1 > svc->attempt_base[i])
            svc->attempt_base[i] = (uint16_t)(r->attempt + 1);
        return 0;
    }
    /* TASK_END */
    int st = r->state;
    if (st == SCHED_SUCCEEDED && r->task_digest != svc_task_digest (svc, (size_t)i))
        st = PREV_CHANGED;
    svc->prev_state[i] = (uint8_t)st;
    svc->prev_deps[i] = (int8_t)(r->dependents > 0 && r->dependents <= 2 ? r->dependents : 0);
    /* A terminated job stays terminated, unless --resume-failed runs its
     * failed and skipped tasks again. */
    if (r->job_action == EXIT_JOB_TERMINATE && svc->opts->resume == RESUME_OK) {
        svc_job_t *J = rp->J;
        J->terminated = 1;
        free (J->terminated_by);
        if (asprintf (&J->terminated_by, "task %s, %s", r->task,
                      r->rule ? r->rule : "exit_conditions") < 0)
            J->terminated_by = NULL;
    }
    return 0;
}

/* Replay job J's journal into the per-task arrays (global indices; made
 * now for every task when they do not exist yet). */
int svc_job_replay (service_t *svc, svc_job_t *J, const char *path, mb_error_t *err)
{
    replay_t rp = { svc, J, NULL, NULL, NULL };
    size_t n = svc->ntasks;
    int rc = -1;
    if ((!svc->prev_state && !(svc->prev_state = calloc (n + 1, 1)))
        || (!svc->attempt_base && !(svc->attempt_base = calloc (n + 1, sizeof (uint16_t))))
        || (!svc->prev_counted && !(svc->prev_counted = calloc (n + 1, sizeof (uint16_t))))
        || (!svc->prev_requeues && !(svc->prev_requeues = calloc (n + 1, sizeof (uint16_t))))
        || (!svc->prev_deps && !(svc->prev_deps = calloc (n + 1, 1)))
        || !(rp.open_attempt = malloc ((n + 1) * sizeof (int32_t)))
        || !(rp.open_start = calloc (n + 1, sizeof (double)))
        || !(rp.open_worker = calloc (n + 1, sizeof (int)))) {
        errprintf (err, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        rp.open_attempt[i] = -1;
    if (journal_read (path, replay_cb, &rp, NULL, err) < 0 && errno != ENOENT)
        goto out;
    /* Attempts that were running when the last run died are recorded as
     * interrupted; they run again. */
    double now = mb_clock_real ();
    char id[80];
    for (size_t l = 0; l < J->ntasks; l++) {
        size_t i = svc_job_global (J, l);
        if (rp.open_attempt[i] < 0)
            continue;
        attempt_t *a = new_attempt (svc);
        if (!a)
            goto out;
        a->task = (uint32_t)i;
        a->attempt = rp.open_attempt[i];
        a->worker = rp.open_worker[i];
        a->node = svc_intern (svc, "");
        a->outcome = JOUT_INTERRUPTED;
        a->exit_code = -1;
        a->start_time = rp.open_start[i];
        a->end_time = now;
        a->reason = svc_intern (svc, "interrupted: the run ended while it was running");
        a->cpus = svc_intern (svc, "");
        svc->last_attempt[i] = (int32_t)(svc->natt - 1);
        /* Its number is used: the re-run gets the next one, so its logs
         * do not overwrite these. */
        if (a->attempt + 1 > svc->attempt_base[i])
            svc->attempt_base[i] = (uint16_t)(a->attempt + 1);
        journal_rec_t r;
        memset (&r, 0, sizeof (r));
        r.type = JREC_ATTEMPT_END;
        r.time = now;
        r.task = svc_task_id (svc, i, id, sizeof (id));
        r.task_index = (uint32_t)l;
        r.attempt = a->attempt;
        r.worker = a->worker;
        r.node = "";
        r.cpus = "";
        r.outcome = JOUT_INTERRUPTED;
        r.exit_code = -1;
        r.start_time = a->start_time;
        r.end_time = now;
        r.reason = a->reason;
        journal_append (J->j, &r);
    }
    rc = 0;
out:
    free (rp.open_attempt);
    free (rp.open_start);
    free (rp.open_worker);
    return rc;
}

/* ---------------------------------------------------------------- */

static int write_file (const char *path, const char *text)
{
    char tmp[4300];
    snprintf (tmp, sizeof (tmp), "%.4200s.tmp.%d", path, (int)getpid ());
    FILE *f = fopen (tmp, "w");
    if (!f)
        return -1;
    fputs (text, f);
    if (fclose (f) != 0 || rename (tmp, path) < 0) {
        unlink (tmp);
        return -1;
    }
    return 0;
}

/* The graph, the scheduler's requirements and the per-task arrays of
 * every task known at the start (the job file's and those added in
 * earlier runs).  0 or -1 (ENOMEM). */
static int build_tasks (service_t *svc)
{
    const uint32_t *off0, *deps0;
    jobfile_t *jf = svc->jobs[0]->jf;
    jobfile_deps (jf, &off0, &deps0);
    size_t n0 = jobfile_ntasks (jf), n = svc->ntasks;
    uint32_t *off = (uint32_t *)off0, *deps = (uint32_t *)deps0;
    int rc = -1;
    if (svc->xn) {
        /* Join the job file's edges and the added tasks' (already global). */
        size_t nd0 = off0[n0], ndx = svc->xoff[svc->xn];
        off = malloc ((n + 1) * sizeof (*off));
        deps = malloc ((nd0 + ndx + 1) * sizeof (*deps));
        if (!off || !deps)
            goto out;
        memcpy (off, off0, (n0 + 1) * sizeof (*off));
        for (size_t i = 1; i <= svc->xn; i++)
            off[n0 + i] = (uint32_t)nd0 + svc->xoff[i];
        /* Either side may have no edges (and then a NULL array). */
        if (nd0)
            memcpy (deps, deps0, nd0 * sizeof (*deps));
        if (ndx)
            memcpy (deps + nd0, svc->xdeps, ndx * sizeof (*deps));
    }
    if (!(svc->g = graph_create (n, off, deps))
        || !(svc->task_reqs = calloc (n + 1, sizeof (sched_task_t)))
        || !(svc->ready_time = calloc (n + 1, sizeof (double)))
        || !(svc->last_started = calloc (n + 1, sizeof (uint16_t)))
        || !(svc->last_attempt = malloc ((n + 1) * sizeof (int32_t))))
        goto out;
    for (size_t i = 0; i < n; i++) {
        jobfile_reqs_t r;
        svc_task_reqs (svc, i, &r);
        sched_task_t *t = &svc->task_reqs[i];
        t->slots = r.slots;
        t->gpus = r.gpus;
        t->memory = r.memory;
        t->priority = r.priority;
        t->max_retries = r.max_retries;
        t->max_requeues = r.max_requeues;
        t->on_failure = r.on_failure;
        t->instances = r.instances;
        t->time_request = r.time_request > 0 ? r.time_request : 0;
        svc->last_attempt[i] = -1;
    }
    rc = 0;
out:
    if (off != off0)
        free (off);
    if (deps != deps0)
        free (deps);
    free (svc->xoff);
    free (svc->xdeps);
    svc->xoff = svc->xdeps = NULL;
    svc->xn = 0;
    return rc;
}

int svc_job_records_open (service_t *svc, svc_job_t *J, int resume, const char *file,
                          char *why, size_t wlen)
{
    char path[4200];
    mb_error_t e = { "" };
    mb_error_t *err = &e;
    (void)svc;
    const char *state = J->job->state;
    snprintf (path, sizeof (path), "%s/journal", state);
    struct stat sb;
    if (stat (path, &sb) == 0 && sb.st_size > 8 && resume == RESUME_NONE) {
        snprintf (why, wlen, "%s: the state directory %s already holds a run of job '%s': use "
                         "--resume to continue it, --resume-failed to also run failed tasks "
                         "again, or --restart to discard it",
                 file, state, J->job->id);
        return 2;
    }
    if (stage_mkdirs (state) < 0) {
        snprintf (why, wlen, "%s: cannot create the state directory %s: %s", file, state,
                 strerror (errno));
        return 3;
    }
    J->j = journal_open (state, resume == RESUME_RESTART, err);
    if (!J->j) {
        int busy = errno == EWOULDBLOCK || errno == EAGAIN;
        snprintf (why, wlen, "%s: %s", file, err->text);
        return busy ? 2 : 3;
    }
    if (resume == RESUME_RESTART) {
        snprintf (path, sizeof (path), "%s/logs", state);
        stage_remove_tree (path);
        snprintf (path, sizeof (path), "%s/report.h5", state);
        unlink (path);
        snprintf (path, sizeof (path), "%s/logs.spool", state);
        unlink (path);
    }
    J->spool_fd = -1;
    if (J->job->logs == JOB_LOGS_REPORT) {
        snprintf (path, sizeof (path), "%s/logs.spool", state);
        J->spool_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (J->spool_fd < 0) {
            snprintf (why, wlen, "%s: cannot open %s: %s", file, path, strerror (errno));
            return 3;
        }
    }
    snprintf (path, sizeof (path), "%s/job.cfg", state);
    write_file (path, jobfile_config_text (J->jf));
    return 0;
}

int service_open_state (service_t *svc, mb_error_t *err)
{
    run_opts_t *o = svc->opts;
    errlist_t *errs = errlist_create (50);
    jobfile_opts_t jo = { .set = o->set, .nset = o->nset, .state = o->state };
    jobfile_t *jf = jobfile_load (o->jobfile, &jo, errs);
    if (!jf) {
        errlist_print (errs, stderr, o->jobfile, errno);
        errlist_destroy (errs);
        return 2;
    }
    errlist_destroy (errs);
    svc_job_t *J = svc_job_new (svc, jf, 0, 0);
    if (!J) {
        jobfile_destroy (jf);
        fprintf (stderr, "mpibatch: out of memory\n");
        return 3;
    }
    if (svc_parts_init (svc) < 0) {
        fprintf (stderr, "mpibatch: out of memory\n");
        return 3;
    }
    svc->ntasks = J->ntasks;
    char why[4600];
    int rc = svc_job_records_open (svc, J, o->resume, o->jobfile, why, sizeof (why));
    if (rc != 0) {
        fprintf (stderr, "%s\n", why);
        return rc;
    }
    char path[4200];
    const char *state = J->job->state;
    /* The tasks: the job file's, then those added in earlier runs (the
     * journal's ADD records), so resume finds every task by its id. */
    if (o->resume == RESUME_OK || o->resume == RESUME_FAILED) {
        snprintf (path, sizeof (path), "%s/journal", state);
        if (svc_pool_replay (svc, J, path) < 0)
            return 3;
    }
    if (build_tasks (svc) < 0) {
        fprintf (stderr, "mpibatch: out of memory for %zu tasks\n", svc->ntasks);
        return 3;
    }
    if (o->resume == RESUME_OK || o->resume == RESUME_FAILED) {
        snprintf (path, sizeof (path), "%s/journal", state);
        if (svc_job_replay (svc, J, path, err) < 0) {
            fprintf (stderr, "%s: cannot read the journal: %s\n", path, err->text);
            return 3;
        }
    }
    int prc = svc_pool_open (svc);
    if (prc != 0)
        return prc;

    /* The drain starts a margin before the deadline, --deadline or
     * Slurm's end alike: interrupted tasks get their SIGTERM, the report is
     * written and mpirun has returned (its kill sequence after a non-zero
     * exit takes 2 s or more) by the time itself.  The walltime-aware
     * starts count to the same moment. */
    const char *end = getenv ("SLURM_JOB_END_TIME");
    double until = o->deadline;
    if (!until && end && atof (end) > 0)
        until = atof (end);
    svc->deadline = until > 0 ? until - svc_deadline_margin () : 0;
    svc->tty = isatty (2);
    return 0;
}

double svc_deadline_margin (void)
{
    const char *m = getenv ("MPIBATCH_DEADLINE_MARGIN");
    char *end = NULL;
    double v = m && *m ? strtod (m, &end) : -1;
    return m && *m && end && !*end && v >= 0 ? v : 15.0;
}

int svc_journal_run_start (service_t *svc, svc_job_t *J)
{
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_RUN_START;
    r.time = mb_clock_real ();
    r.job_id = J->job->id;
    const char *cfg = jobfile_config_text (J->jf);
    r.job_digest = hash_digest64 (cfg, strlen (cfg));
    r.workers = svc->nworkers;
    r.nodes = svc->nnodes;
    r.slots = svc->total_slots;
    r.ntasks = J->ntasks;
    r.version = PACKAGE_VERSION;
    r.text = J->job->file;
    journal_append (J->j, &r);
    for (int i = 0; i < svc->nworkers; i++) {
        memset (&r, 0, sizeof (r));
        r.type = JREC_WORKER;
        r.time = mb_clock_real ();
        r.worker = svc->w[i].rank;
        r.node = svc->nodes[svc->w[i].node].name;
        r.slots = svc->w[i].slots;
        r.cpus = svc->w[i].cpus;
        journal_append (J->j, &r);
    }
    /* Tasks that ended in earlier runs keep their state. */
    if (svc->prev_state) {
        int again = svc->opts->resume == RESUME_FAILED;
        char id[80];
        for (size_t l = 0; l < J->ntasks; l++) {
            size_t i = svc_job_global (J, l);
            int st = svc->prev_state[i];
            /* A cancelled task stays cancelled (a failure to the
             * scheduler), unless --resume-failed. */
            if (st == MB_STATE_CANCELLED)
                st = SCHED_FAILED;
            if (st == PREV_CHANGED) {
                if (svc->opts->verbose >= 0)
                    fprintf (stderr, "mpibatch: changed since it succeeded: %s%s\n",
                             svc_task_id (svc, i, id, sizeof (id)),
                             again ? " (running it again)" : " (not run again)");
                svc->changed++;
                st = again ? PREV_UNKNOWN : SCHED_SUCCEEDED;
            }
            if (st == SCHED_SUCCEEDED
                || (!again && (st == SCHED_FAILED || st == SCHED_SKIPPED))) {
                sched_preset (svc->s, (uint32_t)i, (enum sched_state)st, 0);
                /* A rule's dependents still apply to the failure. */
                if (st == SCHED_FAILED && svc->prev_deps[i])
                    sched_set_dependents (svc->s, (uint32_t)i, svc->prev_deps[i] - 1);
                svc->resumed_done++;
            }
            else if (st == PREV_UNKNOWN) {
                /* A task between retries keeps the retries and requeues it
                 * used (a failed task run again by --resume-failed starts
                 * afresh). */
                if (svc->prev_counted[i])
                    sched_preset (svc->s, (uint32_t)i, SCHED_PENDING, svc->prev_counted[i]);
                if (svc->prev_requeues[i])
                    sched_preset_requeues (svc->s, (uint32_t)i, svc->prev_requeues[i]);
            }
        }
    }
    if (svc->prev_state)
        svc_pool_resume_cancels (svc, J);
    return journal_flush (J->j, 1);
}

int svc_attempt_start (service_t *svc, uint32_t task, int attempt, int wnum, double now)
{
    char id[80];
    size_t local;
    svc_job_t *J = svc_task_job (svc, task, &local);
    const wstate_t *w = &svc->w[wnum];
    /* A task became ready when its last prerequisite ended (or its job
     * was submitted). */
    double ready = J->submitted > svc->started ? J->submitted : svc->started;
    if (!J->started)
        J->started = now;
    uint32_t np;
    const uint32_t *pre = graph_prereqs (svc->g, task, &np);
    for (uint32_t k = 0; k < np; k++) {
        int32_t la = svc->last_attempt[pre[k]];
        if (la >= 0 && svc->att[la].end_time > ready)
            ready = svc->att[la].end_time;
    }
    svc->ready_time[task] = ready;
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_ATTEMPT_START;
    r.time = now;
    r.task = svc_task_id (svc, task, id, sizeof (id));
    r.task_index = (uint32_t)local;
    r.attempt = attempt;
    r.worker = w->rank;
    r.node = svc->nodes[w->node].name;
    /* The task's slots as its end record has them (task_reqs is gone once
     * the scheduler exists). */
    jobfile_reqs_t rq;
    svc_task_reqs (svc, task, &rq);
    r.slots = rq.slots;
    r.ready_time = ready;
    r.start_time = now;
    return J->j ? journal_append (J->j, &r) : 0;
}

attempt_t *svc_attempt_end (service_t *svc, const result_t *res, int wnum)
{
    return svc_attempt_end_rule (svc, res, wnum, NULL, 0, NULL);
}

attempt_t *svc_attempt_end_rule (service_t *svc, const result_t *res, int wnum,
                                 const char *rule, int decision, const char *reason)
{
    char id[80];
    size_t local;
    svc_job_t *J = svc_task_job (svc, res->task, &local);
    const wstate_t *w = &svc->w[wnum];
    const launch_result_t *l = &res->r;
    jobfile_reqs_t rq;
    svc_task_reqs (svc, res->task, &rq);
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_ATTEMPT_END;
    r.time = mb_clock_real ();
    r.task = svc_task_id (svc, res->task, id, sizeof (id));
    r.task_index = (uint32_t)local;
    r.attempt = res->attempt;
    r.worker = w->rank;
    r.node = svc->nodes[w->node].name;
    r.cpus = res->cpus;
    r.slots = rq.slots;
    r.outcome = l->outcome;
    r.exit_code = l->exit_code;
    r.signal = l->signal;
    r.timed_out = l->timed_out;
    r.start_time = l->start_time;
    r.end_time = l->end_time;
    r.user_seconds = l->user_seconds;
    r.system_seconds = l->system_seconds;
    r.max_rss_kib = l->max_rss_kib;
    r.bytes_in = l->bytes_in;
    r.bytes_out = l->bytes_out;
    r.reason = reason ? reason : l->reason;
    r.log_cut = l->log_cut;
    r.rule = rule;
    r.decision = decision;
    if (J->j)   /* NULL once a pool's job has ended */
        journal_append (J->j, &r);

    attempt_t *a = new_attempt (svc);
    if (!a)
        return NULL;
    a->task = res->task;
    a->attempt = res->attempt;
    a->worker = w->rank;
    a->node = svc_intern (svc, svc->nodes[w->node].name);
    a->slots = rq.slots;
    a->outcome = l->outcome;
    a->exit_code = l->exit_code;
    a->signal = l->signal;
    a->timed_out = l->timed_out;
    a->log_cut = l->log_cut;
    a->start_time = l->start_time;
    a->end_time = l->end_time;
    a->user_seconds = l->user_seconds;
    a->system_seconds = l->system_seconds;
    a->max_rss_kib = l->max_rss_kib;
    a->bytes_in = l->bytes_in;
    a->bytes_out = l->bytes_out;
    a->reason = r.reason[0] ? svc_intern (svc, r.reason) : NULL;
    a->cpus = svc_intern (svc, res->cpus);
    a->rule = rule ? svc_intern (svc, rule) : NULL;
    a->decision = decision;
    svc->last_attempt[res->task] = (int32_t)(svc->natt - 1);
    return a;
}

void svc_task_end (service_t *svc, uint32_t task, int state, const char *reason)
{
    svc_task_end_rule (svc, task, state, reason, NULL, 0, 0);
}

void svc_task_end_rule (service_t *svc, uint32_t task, int state, const char *reason,
                        const char *rule, int dependents, int job_action)
{
    char id[80];
    size_t local;
    svc_job_t *J = svc_task_job (svc, task, &local);
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_TASK_END;
    r.time = mb_clock_real ();
    r.task = svc_task_id (svc, task, id, sizeof (id));
    r.task_index = (uint32_t)local;
    r.state = state;
    r.reason = reason;
    r.rule = rule;
    r.dependents = dependents;
    r.job_action = job_action;
    if (state == SCHED_SUCCEEDED)
        r.task_digest = svc_task_digest (svc, task);
    if (J->j)
        journal_append (J->j, &r);
    if (state != SCHED_SUCCEEDED && svc->last_attempt[task] < 0)
        remember_why (svc, task, reason);
}

void svc_records_free (service_t *svc)
{
    free (svc->att);
    for (size_t i = 0; i < svc->istr_cap; i++)
        free (svc->istr[i]);
    free (svc->istr);
    for (size_t i = 0; i < svc->nwhy; i++)
        free (svc->why[i]);
    free (svc->why);
    free (svc->why_task);
    svc->att = NULL;
    svc->istr = NULL;
    svc->why = NULL;
    svc->why_task = NULL;
    svc->natt = svc->att_cap = svc->nistr = svc->istr_cap = svc->nwhy = svc->why_cap = 0;
}
