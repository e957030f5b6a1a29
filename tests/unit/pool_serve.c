/* pool_serve.c: a test pool: the real server side of io/pooldir, keeping jobs and tasks in memory, for tests/cli/pool_client.sh.
 *
 *   pool_serve POOLDIR [--resume] [--restart] [--interval SECONDS]
 *
 * It accepts submit (a job file loaded from the request), add (tasks
 * loaded against the job; ids unique in the job; every dependency must
 * name a task of the job), close, cancel, priority and shutdown, and
 * refuses what a pool refuses (unknown or closed job, a job id already in
 * the pool, a task id already in the job, a dependency on nothing), with
 * the reason.  One line per event on stdout ("accepted SEQ OP JOB COUNT",
 * "refused OP REASON", "replayed SEQ OP JOB"), the pooldir log on stderr.
 * It does not run tasks: the service does that. */
#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/jobfile.h"
#include "io/pooldir.h"

#define MAXJOBS 256
#define MAXPARTS 4096

struct job {
    char *id;
    int open, closed, priority, nadds;
    jobfile_t *parts[MAXPARTS];   /* the submitted job, then each add */
    int nparts;
};

static struct job jobs[MAXJOBS];
static int njobs;

static void log_line (void *arg, const char *msg)
{
    (void)arg;
    fprintf (stderr, "pool_serve: %s\n", msg);
}

static struct job *find_job (const char *id)
{
    for (int k = 0; k < njobs; k++)
        if (!strcmp (jobs[k].id, id))
            return &jobs[k];
    return NULL;
}

/* Does any task of the job match id (exact, ignoring case) or pattern? */
static int job_has (const struct job *j, const char *text)
{
    int pat = strpbrk (text, "*?[") != NULL;
    char buf[80];
    for (int p = 0; p < j->nparts; p++) {
        if (!pat) {
            if (jobfile_task_find (j->parts[p], text) >= 0)
                return 1;
            continue;
        }
        size_t n = jobfile_ntasks (j->parts[p]);
        for (size_t i = 0; i < n; i++)
            if (fnmatch (text, jobfile_task_id (j->parts[p], i, buf, sizeof (buf)),
                         FNM_CASEFOLD) == 0)
                return 1;
    }
    return 0;
}

static void errs_text (errlist_t *errs, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (int k = 0; k < errlist_kept (errs) && o + 2 < len; k++)
        o += (size_t)snprintf (out + o, len - o, "%s%s", k ? "\n" : "", errlist_get (errs, k));
}

/* Act on a request: 0 accepted (ans filled), else refused (reason). */
static int handle (const pool_req_t *r, pool_answer_t *ans, char *reason, size_t rlen,
                   char *prefix, int replay)
{
    errlist_t *errs = errlist_create (20);
    struct job *j = r->job ? find_job (r->job) : NULL;
    int rc = -1;
    ans->count = -1;
    switch (r->op) {
    case POOL_OP_SUBMIT: {
        jobfile_t *jf = pool_req_job (r, errs);
        if (!jf) {
            errs_text (errs, reason, rlen);
            break;
        }
        const char *id = jobfile_job (jf)->id;
        if (find_job (id) || njobs == MAXJOBS) {
            snprintf (reason, rlen, "job '%s' is already in the pool", id);
            jobfile_destroy (jf);
            break;
        }
        j = &jobs[njobs++];
        memset (j, 0, sizeof (*j));
        j->id = strdup (id);
        j->open = r->open || jobfile_job (jf)->open;
        j->priority = r->has_priority ? r->priority : jobfile_job (jf)->priority;
        j->parts[j->nparts++] = jf;
        ans->job = j->id;
        ans->count = (int64_t)jobfile_ntasks (jf);
        rc = 0;
        break;
    }
    case POOL_OP_ADD: {
        if (!j) {
            snprintf (reason, rlen, "no job '%s' in the pool", r->job);
            break;
        }
        if (!j->open || j->closed) {
            snprintf (reason, rlen, "job '%s' is %s: tasks can be added to an open job only",
                      r->job, j->closed ? "closed" : "not open");
            break;
        }
        snprintf (prefix, 64, "add%d-line-", j->nadds + 1);
        jobfile_t *t = pool_req_tasks (r, j->parts[0], prefix, errs);
        if (!t) {
            errs_text (errs, reason, rlen);
            break;
        }
        jobfile_task_t task = { 0 };
        char id[80];
        size_t n = jobfile_ntasks (t);
        for (size_t i = 0; i < n && rc == -1 && !reason[0]; i++) {
            jobfile_task_id (t, i, id, sizeof (id));
            for (int p = 0; p < j->nparts; p++)
                if (jobfile_task_find (j->parts[p], id) >= 0)
                    snprintf (reason, rlen, "task '%s' is already in job '%s'", id, j->id);
            if (reason[0] || jobfile_task_get (t, i, &task) < 0)
                break;
            for (int d = 0; d < task.ndepends && !reason[0]; d++) {
                const char *dep = task.depends_on[d];
                int inside = strpbrk (dep, "*?[") ? 0 : jobfile_task_find (t, dep) >= 0;
                if (!inside && !job_has (j, dep) && !(strpbrk (dep, "*?[")))
                    snprintf (reason, rlen, "%s:%d: task '%s' depends on '%s': no such task "
                              "in job '%s'", task.file, task.line, id, dep, j->id);
            }
        }
        jobfile_task_clear (&task);
        if (reason[0] || j->nparts == MAXPARTS) {
            if (!reason[0])
                snprintf (reason, rlen, "too many batches");
            jobfile_destroy (t);
            break;
        }
        j->parts[j->nparts++] = t;
        j->nadds++;
        ans->job = j->id;
        ans->count = (int64_t)n;
        ans->prefix = r->lines ? (r->prefix ? r->prefix : prefix) : NULL;
        rc = 0;
        break;
    }
    case POOL_OP_CLOSE:
    case POOL_OP_CANCEL:
    case POOL_OP_PRIORITY:
        if (!j) {
            snprintf (reason, rlen, "no job '%s' in the pool", r->job);
            break;
        }
        if (r->op == POOL_OP_CLOSE)
            j->closed = 1;
        if (r->op == POOL_OP_PRIORITY)
            j->priority = r->priority;
        if (r->op == POOL_OP_CANCEL) {
            int64_t c = 0;
            for (int k = 0; k < r->ntasks; k++)
                c += job_has (j, r->tasks[k]);
            ans->count = r->ntasks ? c : -1;
        }
        ans->job = j->id;
        rc = 0;
        break;
    case POOL_OP_SHUTDOWN:
        ans->text = r->drain ? "the pool drains and stops" : "the pool stops taking submissions";
        rc = 0;
        break;
    }
    (void)replay;
    errlist_destroy (errs);
    return rc;
}

static int replay_cb (void *arg, const pool_req_t *r)
{
    pool_answer_t ans = { 0 };
    char reason[4096] = "", prefix[64];
    (void)arg;
    if (handle (r, &ans, reason, sizeof (reason), prefix, 1) < 0)
        printf ("replay-failed %llu %s %s\n", (unsigned long long)r->seq, pool_op_name (r->op),
                reason);
    else
        printf ("replayed %llu %s %s %lld\n", (unsigned long long)r->seq, pool_op_name (r->op),
                ans.job ? ans.job : "-", (long long)ans.count);
    fflush (stdout);
    return 0;
}

int main (int argc, char **argv)
{
    int flags = 0;
    double interval = 1.0;
    const char *dir = NULL;
    mb_error_t err = { { 0 } };

    for (int k = 1; k < argc; k++) {
        if (!strcmp (argv[k], "--resume"))
            flags |= POOLDIR_RESUME;
        else if (!strcmp (argv[k], "--restart"))
            flags |= POOLDIR_RESTART;
        else if (!strcmp (argv[k], "--interval") && k + 1 < argc)
            interval = strtod (argv[++k], NULL);
        else
            dir = argv[k];
    }
    if (!dir) {
        fprintf (stderr, "usage: pool_serve POOLDIR [--resume] [--restart] [--interval S]\n");
        return 2;
    }
    setvbuf (stdout, NULL, _IOLBF, 0);
    pooldir_t *pd = pooldir_open (dir, flags, log_line, NULL, &err);
    if (!pd) {
        fprintf (stderr, "pool_serve: %s\n", err.text);
        return errno == EBUSY || errno == EEXIST || errno == EPERM ? 2 : 3;
    }
    pooldir_set_interval (pd, interval);
    if ((flags & POOLDIR_RESUME) && pooldir_replay (pd, replay_cb, NULL, &err) < 0) {
        fprintf (stderr, "pool_serve: %s\n", err.text);
        pooldir_close (pd);
        return 3;
    }
    printf ("ready inotify=%s\n", pooldir_fd (pd) >= 0 ? "yes" : "no");
    int stop = 0;
    while (!stop) {
        pool_req_t *r = NULL;
        int rc = pooldir_next (pd, &r, &err);
        if (rc < 0) {
            fprintf (stderr, "pool_serve: %s\n", err.text);
            break;
        }
        if (rc == 0) {
            struct pollfd pfd = { .fd = pooldir_fd (pd), .events = POLLIN };
            poll (&pfd, pfd.fd >= 0 ? 1 : 0, pooldir_timeout_ms (pd));
            continue;
        }
        pool_answer_t ans = { 0 };
        char reason[4096] = "", prefix[64] = "";
        if (handle (r, &ans, reason, sizeof (reason), prefix, 0) == 0) {
            if (pooldir_accept (pd, r, &ans, &err) < 0) {
                fprintf (stderr, "pool_serve: %s\n", err.text);
                pooldir_refuse (pd, r, err.text, &err);
            }
            else {
                printf ("accepted %llu %s %s %lld\n", (unsigned long long)r->seq,
                        pool_op_name (r->op), ans.job ? ans.job : "-", (long long)ans.count);
                stop = r->op == POOL_OP_SHUTDOWN;
            }
        }
        else {
            for (char *p = reason; *p; p++)
                if (*p == '\n')
                    *p = '|';
            printf ("refused %s %s\n", pool_op_name (r->op), reason);
            for (char *p = reason; *p; p++)
                if (*p == '|')
                    *p = '\n';
            pooldir_refuse (pd, r, reason, &err);
        }
        pool_req_destroy (r);
    }
    pooldir_stats_t st;
    pooldir_stats (pd, &st);
    printf ("stopped scans=%llu accepted=%llu refused=%llu refused_unread=%llu\n",
            (unsigned long long)st.scans, (unsigned long long)st.accepted,
            (unsigned long long)st.refused, (unsigned long long)st.refused_unread);
    pooldir_close (pd);
    for (int k = 0; k < njobs; k++) {
        for (int p = 0; p < jobs[k].nparts; p++)
            jobfile_destroy (jobs[k].parts[p]);
        free (jobs[k].id);
    }
    return 0;
}
