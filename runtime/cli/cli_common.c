/* cli_common.c: state directory resolution, run liveness and journal replay for status and logs. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/names.h"
#include "io/jobfile.h"
#include "io/journal.h"
#include "io/pooldir.h"
#include "io/poolstatus.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_common.h"

/* ------------------------------------------------------------------ */
/* JOBFILE|STATEDIR                                                    */

char *cmd_state_dir_opts (const char *arg, const char *state_opt,
                          const char **set, int nset, jobfile_t **jfp)
{
    struct stat st;
    if (jfp)
        *jfp = NULL;
    if (stat (arg, &st) < 0) {
        fprintf (stderr, "mpibatch: %s: %s\n", arg, strerror (errno));
        return NULL;
    }
    if (S_ISDIR (st.st_mode)) {
        char *s = strdup (state_opt ? state_opt : arg);
        if (!s)
            fprintf (stderr, "mpibatch: %s\n", strerror (errno));
        return s;
    }
    errlist_t *errs = errlist_create (20);
    if (!errs) {
        fprintf (stderr, "mpibatch: %s\n", strerror (errno));
        return NULL;
    }
    jobfile_opts_t opts = {
        .set = set, .nset = nset, .state = state_opt, .no_storage_check = 1,
    };
    jobfile_t *jf = jobfile_load (arg, &opts, errs);
    if (!jf) {
        errlist_print (errs, stderr, arg, errno);
        errlist_destroy (errs);
        return NULL;
    }
    errlist_destroy (errs);
    char *s = strdup (jobfile_job (jf)->state);
    if (!s)
        fprintf (stderr, "mpibatch: %s\n", strerror (errno));
    if (s && jfp)
        *jfp = jf;
    else
        jobfile_destroy (jf);
    return s;
}

/* ------------------------------------------------------------------ */
/* POOLDIR JOB                                                         */

int cmd_is_pooldir (const char *path)
{
    char p[4096];
    struct stat st;
    snprintf (p, sizeof (p), "%s/pool.info", path);
    return stat (path, &st) == 0 && S_ISDIR (st.st_mode) && stat (p, &st) == 0;
}

/* accepted.jnl: the last submit of the job (a later one would be a pool
 * started anew with --restart, which the lookup should find). */
struct find_job {
    const char *job;
    char *state;
    char why[600];
};

static int find_submit (void *arg, const pool_req_t *req)
{
    struct find_job *fj = arg;
    if (req->op != POOL_OP_SUBMIT)
        return 0;
    errlist_t *errs = errlist_create (1);
    if (!errs)
        return -1;
    jobfile_t *jf = pool_req_job (req, errs);
    if (!jf) {
        /* Only worth telling if it was the job asked for. */
        if (req->body && strstr (req->body, fj->job))
            snprintf (fj->why, sizeof (fj->why), " (a submit in accepted.jnl does not load: %s)",
                      errlist_kept (errs) ? errlist_get (errs, 0) : strerror (errno));
        errlist_destroy (errs);
        return errno == ENOMEM ? -1 : 0;
    }
    errlist_destroy (errs);
    if (!strcmp (jobfile_job (jf)->id, fj->job)) {
        char *s = strdup (jobfile_job (jf)->state);
        if (!s) {
            jobfile_destroy (jf);
            return -1;
        }
        free (fj->state);
        fj->state = s;
        fj->why[0] = '\0';
    }
    jobfile_destroy (jf);
    return 0;
}

char *cmd_pool_job_dir (const char *cmd, const char *pooldir, const char *job)
{
    poolstatus_t st;
    mb_error_t err = { { 0 } };
    char *dir = NULL;
    int have_status = 0;

    if (poolstatus_load (pooldir, &st, NULL, &err) == 0) {
        const poolstatus_job_t *j = poolstatus_find (&st, job);
        have_status = 1;
        if (j && !(dir = strdup (j->state_dir)))
            fprintf (stderr, "mpibatch %s: %s\n", cmd, strerror (errno));
        poolstatus_free (&st);
        if (j)
            return dir;
    }
    else if (errno != ENOENT) {
        fprintf (stderr, "mpibatch %s: %s\n", cmd, err.text);
        return NULL;
    }
    /* Not (yet) in status.json: the record of accepted requests. */
    struct find_job fj = { .job = job };
    err.text[0] = '\0';
    int rc = pooldir_read_accepted (pooldir, find_submit, &fj, &err);
    if (rc < 0 && !(errno == ENOENT && have_status)) {
        if (errno == ENOENT)
            fprintf (stderr, "mpibatch %s: no job '%s' in pool %s (neither status.json nor "
                             "accepted.jnl there)\n", cmd, job, pooldir);
        else
            fprintf (stderr, "mpibatch %s: %s\n", cmd, err.text[0] ? err.text : strerror (errno));
        free (fj.state);
        return NULL;
    }
    if (!fj.state)
        fprintf (stderr, "mpibatch %s: no job '%s' in pool %s%s\n", cmd, job, pooldir, fj.why);
    return fj.state;
}

int cmd_run_live (const char *statedir, char *who, size_t wholen)
{
    char path[4096];
    if (who && wholen)
        who[0] = '\0';
    snprintf (path, sizeof (path), "%s/lock", statedir);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    /* A shared lock we can take means no run holds the exclusive one; we
     * drop it at once so a starting run is not kept out (journal_open
     * also retries for a moment). */
    int live = 0;
    if (flock (fd, LOCK_SH | LOCK_NB) == 0)
        flock (fd, LOCK_UN);
    else if (errno == EWOULDBLOCK) {
        live = 1;
        if (who && wholen) {
            ssize_t n = pread (fd, who, wholen - 1, 0);
            who[n > 0 ? n : 0] = '\0';
            who[strcspn (who, "\n")] = '\0';
        }
    }
    else {
        int saved = errno;
        close (fd);
        errno = saved;
        return -1;
    }
    close (fd);
    return live;
}

/* ------------------------------------------------------------------ */
/* Journal replay                                                      */

static int set_str (char **dst, const char *s)
{
    if (!s)
        return 0;
    if (*dst && !strcmp (*dst, s))
        return 0;
    char *c = strdup (s);
    if (!c)
        return -1;
    free (*dst);
    *dst = c;
    return 0;
}

static int rehash (run_view_t *v, size_t hcap)
{
    size_t *h = calloc (hcap, sizeof (*h));
    if (!h)
        return -1;
    for (size_t i = 0; i < v->ntask; i++) {
        size_t k = hash_fnv1a64 (v->tasks[i].id, strlen (v->tasks[i].id)) & (hcap - 1);
        while (h[k])
            k = (k + 1) & (hcap - 1);
        h[k] = i + 1;
    }
    free (v->hash_);
    v->hash_ = h;
    v->hcap_ = hcap;
    return 0;
}

static run_task_t *lookup (run_view_t *v, const char *id)
{
    if (!v->hcap_)
        return NULL;
    size_t k = hash_fnv1a64 (id, strlen (id)) & (v->hcap_ - 1);
    while (v->hash_[k]) {
        run_task_t *t = &v->tasks[v->hash_[k] - 1];
        if (!strcmp (t->id, id))
            return t;
        k = (k + 1) & (v->hcap_ - 1);
    }
    return NULL;
}

static run_task_t *get_task (run_view_t *v, const char *id)
{
    run_task_t *t = lookup (v, id);
    if (t)
        return t;
    if (v->ntask == v->cap_) {
        size_t cap = v->cap_ ? v->cap_ * 2 : 256;
        run_task_t *p = realloc (v->tasks, cap * sizeof (*p));
        if (!p)
            return NULL;
        v->tasks = p;
        v->cap_ = cap;
    }
    /* Keep the table at most half full. */
    if ((v->ntask + 1) * 2 > v->hcap_ && rehash (v, v->hcap_ ? v->hcap_ * 2 : 512) < 0)
        return NULL;
    t = &v->tasks[v->ntask];
    memset (t, 0, sizeof (*t));
    if (!(t->id = strdup (id)))
        return NULL;
    t->outcome = -1;
    t->worker = -1;
    size_t k = hash_fnv1a64 (id, strlen (id)) & (v->hcap_ - 1);
    while (v->hash_[k])
        k = (k + 1) & (v->hcap_ - 1);
    v->hash_[k] = ++v->ntask;
    return t;
}

/* A run that stopped (a new RUN_START, or a RUN_END) leaves its running
 * attempts behind: they were interrupted. */
static void interrupt_running (run_view_t *v)
{
    for (size_t i = 0; i < v->ntask; i++)
        if (v->tasks[i].state == RT_RUNNING)
            v->tasks[i].state = RT_INTERRUPTED;
}

static int replay_cb (const journal_rec_t *r, void *arg)
{
    run_view_t *v = arg;
    run_task_t *t = NULL;

    if (r->time > v->last_time)
        v->last_time = r->time;
    if (r->task && !(t = get_task (v, r->task)))
        return 1;
    switch (r->type) {
    case JREC_RUN_START:
        if (v->runs++ == 0)
            v->first_started = r->time;
        else
            interrupt_running (v);
        v->started = r->time;
        v->ended = 0;
        v->workers = r->workers;
        v->nodes = r->nodes;
        v->slots = r->slots;
        v->ntasks = r->ntasks;
        if (set_str (&v->job_id, r->job_id) < 0 || set_str (&v->version, r->version) < 0)
            return 1;
        break;
    case JREC_ADD:
        /* Tasks added while the job ran (mpibatch add). */
        if (r->task_index + r->ntasks > v->ntasks)
            v->ntasks = r->task_index + r->ntasks;
        break;
    case JREC_RUN_END:
        interrupt_running (v);
        v->ended = 1;
        v->end_status = r->status;
        v->end_time = r->time;
        break;
    case JREC_ATTEMPT_START:
        if (!t)
            break;
        t->state = RT_RUNNING;
        t->index = r->task_index;
        t->attempt = r->attempt;
        t->attempts++;
        t->worker = r->worker;
        t->start_time = r->start_time;
        t->end_time = 0;
        if (set_str (&t->node, r->node) < 0)
            return 1;
        break;
    case JREC_ATTEMPT_END:
        if (!t)
            break;
        t->attempt = r->attempt;
        t->outcome = r->outcome;
        t->end_time = r->end_time;
        t->log_cut = r->log_cut;
        if (r->start_time > 0)
            t->start_time = r->start_time;
        /* The task is ready again unless a TASK_END follows. */
        if (t->state == RT_RUNNING || t->state == RT_INTERRUPTED)
            t->state = RT_RETRY;
        if (!r->rule) {
            free (t->rule);
            t->rule = NULL;
        }
        else if (set_str (&t->rule, r->rule) < 0)
            return 1;
        t->requeues += r->decision == JDEC_REQUEUED;
        if (r->reason && *r->reason && set_str (&t->reason, r->reason) < 0)
            return 1;
        break;
    case JREC_TASK_END:
        if (!t)
            break;
        t->index = r->task_index;
        t->state = r->state == 3 ? RT_SUCCEEDED
                 : r->state == 5 ? RT_SKIPPED
                 : r->state == MB_STATE_CANCELLED ? RT_CANCELLED : RT_FAILED;
        if (r->job_action == EXIT_JOB_TERMINATE) {
            char buf[600];
            snprintf (buf, sizeof (buf), "task %s, %s", t->id, r->rule ? r->rule : "?");
            if (set_str (&v->terminated_by, buf) < 0)
                return 1;
        }
        if (r->reason && *r->reason && set_str (&t->reason, r->reason) < 0)
            return 1;
        break;
    default:
        break;
    }
    return 0;
}

int run_view_load (run_view_t *v, const char *statedir, int live, mb_error_t *err)
{
    char path[4096];
    snprintf (path, sizeof (path), "%s/journal", statedir);
    v->live = live;
    v->end_status = -1;
    int rc = journal_read (path, replay_cb, v, NULL, err);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        errno = ENOMEM;
        return errprintf (err, "%s: %s", path, strerror (errno));
    }
    for (size_t i = 0; i < v->ntask; i++) {
        run_task_t *t = &v->tasks[i];
        /* Nothing will end what a dead run left running or had stopped. */
        if (!live && (t->state == RT_RUNNING
                      || (t->state == RT_RETRY && t->outcome == JOUT_INTERRUPTED)))
            t->state = RT_INTERRUPTED;
        v->counts[t->state]++;
    }
    return 0;
}

void run_view_free (run_view_t *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->ntask; i++) {
        free (v->tasks[i].id);
        free (v->tasks[i].node);
        free (v->tasks[i].reason);
        free (v->tasks[i].rule);
    }
    free (v->terminated_by);
    free (v->tasks);
    free (v->hash_);
    free (v->job_id);
    free (v->version);
    memset (v, 0, sizeof (*v));
}

run_task_t *run_view_find (run_view_t *v, const char *id)
{
    run_task_t *t = lookup (v, id);
    if (t)
        return t;
    for (size_t i = 0; i < v->ntask; i++)
        if (!strcasecmp (v->tasks[i].id, id))
            return &v->tasks[i];
    return NULL;
}

const char *run_state_name (int state)
{
    static const char *names[] = {
        "running", "retrying", "succeeded", "failed", "skipped", "interrupted", "cancelled",
    };
    return state >= 0 && state < RT_NSTATES ? names[state] : "unknown";
}

const char *run_status_name (int status)
{
    switch (status) {
    case 0: return "succeeded";
    case 1: return "failed";
    case 2: return "interrupted";
    case 3: return "runtime error";
    case 4: return "terminated";
    default: return "unknown";
    }
}

const char *fmt_duration (double seconds, char *buf, size_t len)
{
    long s = seconds > 0 ? (long)(seconds + 0.5) : 0;
    if (s >= 86400)
        snprintf (buf, len, "%ldd%02ldh%02ldm", s / 86400, s % 86400 / 3600, s % 3600 / 60);
    else if (s >= 3600)
        snprintf (buf, len, "%ldh%02ldm%02lds", s / 3600, s % 3600 / 60, s % 60);
    else if (s >= 60)
        snprintf (buf, len, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf (buf, len, "%lds", s);
    return buf;
}

const char *fmt_time (double t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !localtime_r (&tt, &tm) || !strftime (buf, len, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf (buf, len, "-");
    return buf;
}
