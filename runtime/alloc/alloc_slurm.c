/* alloc_slurm.c: the Slurm side of automatic allocation: the job script, sbatch, squeue and scancel, and reading their answers. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/alloc/alloc_int.h"

int alloc_shell_quote (buf_t *b, const char *s)
{
    int plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = isalnum ((unsigned char)*p) || strchr ("/._-+=:,@%", *p);
    if (plain)
        return buf_adds (b, s);
    int rc = buf_add (b, "'", 1);
    for (; *s && rc == 0; s++)
        rc = *s == '\'' ? buf_adds (b, "'\\''") : buf_add (b, s, 1);
    return rc | buf_add (b, "'", 1);
}

/* ------------------------------------------------------------------ */
/* Reading answers                                                     */

int alloc_slurm_state (const char *w)
{
    static const struct { const char *word; int state; } map[] = {
        { "PENDING", ALLOC_PENDING }, { "CONFIGURING", ALLOC_PENDING },
        { "REQUEUED", ALLOC_PENDING }, { "REQUEUE_FED", ALLOC_PENDING },
        { "REQUEUE_HOLD", ALLOC_PENDING }, { "RESV_DEL_HOLD", ALLOC_PENDING },
        { "SUSPENDED", ALLOC_PENDING }, { "STOPPED", ALLOC_PENDING },
        { "RUNNING", ALLOC_RUNNING }, { "COMPLETING", ALLOC_RUNNING },
        { "RESIZING", ALLOC_RUNNING }, { "SIGNALING", ALLOC_RUNNING },
        { "STAGE_OUT", ALLOC_RUNNING },
        { "COMPLETED", ALLOC_ENDED }, { "CANCELLED", ALLOC_ENDED }, { "FAILED", ALLOC_ENDED },
        { "TIMEOUT", ALLOC_ENDED }, { "NODE_FAIL", ALLOC_ENDED }, { "PREEMPTED", ALLOC_ENDED },
        { "BOOT_FAIL", ALLOC_ENDED }, { "DEADLINE", ALLOC_ENDED },
        { "OUT_OF_MEMORY", ALLOC_ENDED }, { "SPECIAL_EXIT", ALLOC_ENDED },
        { "REVOKED", ALLOC_ENDED },
    };
    for (size_t k = 0; k < sizeof (map) / sizeof (map[0]); k++)
        if (!strcmp (w, map[k].word))
            return map[k].state;
    return -1;
}

int alloc_parse_sbatch (const char *text, char *buf, size_t len)
{
    /* `sbatch --parsable`: "ID" or "ID;CLUSTER", maybe after warnings
     * on lines of their own: the last line that is one. */
    const char *p = text, *found = NULL;
    size_t flen = 0;
    while (*p) {
        const char *nl = strchr (p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen (p);
        size_t k = 0;
        while (k < n && isdigit ((unsigned char)p[k]))
            k++;
        if (k > 0 && k < 20 && (k == n || p[k] == ';' || p[k] == '\r')) {
            found = p;
            flen = k;
        }
        p += n + (nl ? 1 : 0);
    }
    if (!found || flen >= len)
        return -1;
    memcpy (buf, found, flen);
    buf[flen] = '\0';
    return 0;
}

int alloc_parse_squeue (const char *text, size_t len, const char *prefix, alloc_squeue_f cb,
                        void *arg)
{
    size_t pos = 0, plen = strlen (prefix);
    int skipped = 0;
    while (pos < len) {
        const char *ln = text + pos;
        const char *nl = memchr (ln, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - ln) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n == 0)
            continue;
        /* "ID|STATE|NAME": ID digits, STATE upper-case, NAME the rest. */
        char line[512], id[32], state[32];
        if (n >= sizeof (line) || memchr (ln, '\0', n)) {
            skipped++;
            continue;
        }
        memcpy (line, ln, n);
        line[n] = '\0';
        char *b1 = strchr (line, '|'), *b2 = b1 ? strchr (b1 + 1, '|') : NULL;
        if (!b1 || !b2 || b1 == line || (size_t)(b1 - line) >= sizeof (id)
            || (size_t)(b2 - b1 - 1) >= sizeof (state)) {
            skipped++;
            continue;
        }
        memcpy (id, line, (size_t)(b1 - line));
        id[b1 - line] = '\0';
        memcpy (state, b1 + 1, (size_t)(b2 - b1 - 1));
        state[b2 - b1 - 1] = '\0';
        const char *name = b2 + 1;
        int ok = 1;
        for (const char *c = id; *c && ok; c++)
            ok = isdigit ((unsigned char)*c);
        int st = alloc_slurm_state (state);
        if (!ok || st < 0) {
            skipped++;
            continue;
        }
        if (strncmp (name, prefix, plen))
            continue;   /* another job of this user */
        cb (arg, id, st, name);
    }
    return skipped;
}

/* ------------------------------------------------------------------ */
/* The job script                                                      */

int alloc_write_script (const struct alloc *a, const struct queue *q, int seq, mb_error_t *err)
{
    char path[4200], tmp[4300], uri[4200], name[80];
    snprintf (path, sizeof (path), "%s/alloc", a->dir);
    if (mkdir (path, 0700) < 0 && errno != EEXIST)
        return errprintf (err, "%s: %s", path, strerror (errno));
    snprintf (path, sizeof (path), "%s/alloc/%d", a->dir, q->id);
    if (mkdir (path, 0700) < 0 && errno != EEXIST)
        return errprintf (err, "%s: %s", path, strerror (errno));
    alloc_script_path (a, q->id, seq, path, sizeof (path));
    snprintf (uri, sizeof (uri), "%s/ompi-server.uri", a->dir);
    alloc_job_name (a, q->id, seq, name, sizeof (name));
    int server = access (uri, R_OK) == 0;

    buf_t b = { 0 };
    int rc = buf_printf (&b, "#!/bin/bash\n"
                         "# %s: allocation %d of queue %d of the mpibatch pool in\n# ",
                         name, seq, q->id);
    rc |= alloc_shell_quote (&b, a->dir);
    rc |= buf_printf (&b, "\n# Written by the pool; sbatch gets its options on the command "
                      "line.\n# Its workers join the pool and leave after %.0f s without work,\n"
                      "# when this allocation ends, or on SIGTERM / SIGUSR1.\n", q->idle_timeout);
    /* Older Slurm does not export the end time: ask slurmctld (the
     * workers drain before it). */
    rc |= buf_adds (&b, "if [ -z \"${SLURM_JOB_END_TIME:-}\" ] && [ -n \"${SLURM_JOB_ID:-}\" ]; then\n"
                    "    end=$(squeue -h -j \"$SLURM_JOB_ID\" -o %e 2>/dev/null)\n"
                    "    end=$(date -d \"$end\" +%s 2>/dev/null) && export SLURM_JOB_END_TIME=$end\n"
                    "fi\n");
    /* Failing that, the time limit from now: the workers must know an end
     * for the pool to place by it (the job started a moment ago). */
    if (q->time_limit > 0)
        rc |= buf_printf (&b, "if [ -z \"${SLURM_JOB_END_TIME:-}\" ]; then\n"
                          "    export SLURM_JOB_END_TIME=$(($(date +%%s) + %.0f))\n"
                          "fi\n", ceil (q->time_limit / 60) * 60);
    rc |= alloc_shell_quote (&b, a->mpirun);
    if (server) {
        char opt[4300];
        snprintf (opt, sizeof (opt), "file:%s", uri);
        rc |= buf_adds (&b, " --ompi-server ");
        rc |= alloc_shell_quote (&b, opt);
    }
    rc |= buf_adds (&b, " ");
    rc |= alloc_shell_quote (&b, a->mpibatch);
    rc |= buf_adds (&b, " worker ");
    rc |= alloc_shell_quote (&b, a->dir);
    rc |= buf_printf (&b, " --idle-timeout %.0f &\n", q->idle_timeout);
    /* bash runs a trap only between commands: wait on the background
     * mpirun and hand it the signal that asks the workers to leave. */
    rc |= buf_adds (&b, "pid=$!\n"
                    "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM\n"
                    "trap 'kill -USR1 \"$pid\" 2>/dev/null' USR1\n"
                    "while :; do\n"
                    "    wait \"$pid\"\n"
                    "    rc=$?\n"
                    "    [ \"$rc\" -gt 128 ] && kill -0 \"$pid\" 2>/dev/null && continue\n"
                    "    break\n"
                    "done\n"
                    "exit \"$rc\"\n");
    if (rc) {
        buf_free (&b);
        return errprintf (err, "allocator: out of memory");
    }
    snprintf (tmp, sizeof (tmp), "%s.tmp", path);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    ssize_t want = (ssize_t)b.len, w = fd >= 0 ? write (fd, b.data, b.len) : -1;
    int saved = errno;
    buf_free (&b);
    if (fd < 0 || w != want || close (fd) < 0 || rename (tmp, path) < 0) {
        if (fd >= 0 && w != want)
            close (fd);
        errno = saved ? saved : EIO;
        unlink (tmp);
        return errprintf (err, "%s: cannot write the job script: %s", path, strerror (errno));
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The commands                                                        */

/* The first non-empty line of a command's stderr (or its exit status),
 * for a person: why sbatch or scancel said no. */
static void reason (const char *cmd, const buf_t *e, int st, mb_error_t *err)
{
    const char *p = e->data ? e->data : "";
    while (*p == '\n' || *p == ' ')
        p++;
    size_t n = strcspn (p, "\n"), c = strlen (cmd);
    /* Slurm's own messages start with the command's name already. */
    int named = n > c && !strncmp (p, cmd, c) && p[c] == ':';
    if (n)
        errprintf (err, "%s%s%.*s", named ? "" : cmd, named ? "" : ": ",
                   (int)(n > 300 ? 300 : n), p);
    else if (WIFEXITED (st))
        errprintf (err, "%s: exited with %d", cmd, WEXITSTATUS (st));
    else
        errprintf (err, "%s: killed by signal %d", cmd, WIFSIGNALED (st) ? WTERMSIG (st) : 0);
}

int alloc_slurm_submit (struct alloc *a, struct queue *q, struct allocation *al, char *job_id,
                        size_t len, mb_error_t *err)
{
    char name[80], script[4200], out[4300], jn[100], nodes[40], tl[40];
    alloc_job_name (a, q->id, al->seq, name, sizeof (name));
    alloc_script_path (a, q->id, al->seq, script, sizeof (script));
    snprintf (out, sizeof (out), "--output=%s/alloc/%d/%d.out", a->dir, q->id, al->seq);
    snprintf (jn, sizeof (jn), "--job-name=%s", name);
    snprintf (nodes, sizeof (nodes), "--nodes=%d", q->nodes);
    snprintf (tl, sizeof (tl), "--time=%.0f", ceil (q->time_limit / 60));
    /* The user's arguments come after --output (theirs wins) and before
     * what the queue itself defines (ours wins: the name is how the pool
     * finds its jobs). */
    char **argv = calloc ((size_t)q->nargs + 8, sizeof (char *));
    if (!argv)
        return errprintf (err, "allocator: out of memory");
    int n = 0;
    argv[n++] = "sbatch";
    argv[n++] = "--parsable";
    argv[n++] = out;
    for (int k = 0; k < q->nargs; k++)
        argv[n++] = q->args[k];
    argv[n++] = jn;
    argv[n++] = nodes;
    if (q->time_limit > 0)
        argv[n++] = tl;
    argv[n++] = script;
    argv[n] = NULL;
    buf_t o = { 0 }, e = { 0 };
    int st = 0, rc = alloc_run (argv, a->cmd_timeout, &o, &e, &st, err);
    free (argv);
    if (rc == 0) {
        if (!WIFEXITED (st) || WEXITSTATUS (st) != 0) {
            reason ("sbatch", &e, st, err);
            errno = EAGAIN;
            rc = -1;
        }
        else if (alloc_parse_sbatch (o.data ? o.data : "", job_id, len) < 0) {
            errprintf (err, "sbatch: no job id in its answer '%.100s'", o.data ? o.data : "");
            /* It said yes but we cannot tell to what: the poll finds the
             * job by its name. */
            errno = ETIMEDOUT;
            rc = -1;
        }
    }
    buf_free (&o);
    buf_free (&e);
    return rc;
}

struct poll_ctx {
    struct alloc *a;
    int changes;
    mb_error_t *err;
    int failed;
};

static void on_job (void *arg, const char *id, int state, const char *name)
{
    struct poll_ctx *c = arg;
    struct alloc *a = c->a;
    int qid, seq, off = 0;
    char fmt[64];
    snprintf (fmt, sizeof (fmt), "mbw-%s-%%d-%%d%%n", a->token);
    if (sscanf (name, fmt, &qid, &seq, &off) != 2 || name[off] != '\0' || seq < 1)
        return;
    struct queue *q = alloc_queue_find (a, qid);
    if (!q)
        return;
    struct allocation *al = alloc_al_find (q, seq);
    if (!al) {
        /* A job of this pool the journal does not know: adopt it. */
        if (alloc_jnl_put (a, 1, c->err, "intent %d %d 0", q->id, seq) < 0
            || !(al = alloc_al_new (q, seq))) {
            c->failed = 1;
            return;
        }
        al->state = ALLOC_SUBMITTING;
    }
    if (al->state == ALLOC_SUBMITTING) {
        /* The crash window: sbatch answered, its record did not follow. */
        if (alloc_record_submit_al (a, q, al, id, c->err) < 0) {
            c->failed = 1;
            return;
        }
        c->changes++;
    }
    if (strcmp (al->job_id, id))
        return;   /* not the job we submitted under that name */
    al->seen = a->polls;
    int r = alloc_record_state (a, id, state, c->err);
    if (r < 0)
        c->failed = 1;
    c->changes += r > 0;
}

int alloc_slurm_poll (struct alloc *a, double now, int *changes, mb_error_t *err)
{
    (void)now;
    char *argv[] = { "squeue", "-h", "-o", "%i|%T|%j", "-u", a->user, NULL };
    buf_t o = { 0 }, e = { 0 };
    int st = 0;
    *changes = 0;
    a->polls++;
    if (alloc_run (argv, a->cmd_timeout, &o, &e, &st, err) < 0) {
        buf_free (&o);
        buf_free (&e);
        errno = EAGAIN;
        return -1;
    }
    if (!WIFEXITED (st) || WEXITSTATUS (st) != 0) {
        reason ("squeue", &e, st, err);
        buf_free (&o);
        buf_free (&e);
        errno = EAGAIN;
        return -1;
    }
    char prefix[40];
    snprintf (prefix, sizeof (prefix), "mbw-%s-", a->token);
    struct poll_ctx c = { .a = a, .err = err };
    alloc_parse_squeue (o.data ? o.data : "", o.len, prefix, on_job, &c);
    buf_free (&o);
    buf_free (&e);
    if (c.failed) {
        errno = EIO;
        return -1;
    }
    /* squeue answered: a job it does not list has ended (or, for an
     * intent, was never submitted). */
    for (int k = 0; k < a->nq; k++) {
        struct queue *q = &a->q[k];
        for (int i = 0; i < q->nal; i++) {
            struct allocation *al = &q->al[i];
            if (al->state == ALLOC_ENDED || al->seen == a->polls)
                continue;
            if (al->state == ALLOC_SUBMITTING) {
                if (alloc_jnl_put (a, 1, err, "state %d %d ended 0", q->id, al->seq) < 0) {
                    errno = EIO;
                    return -1;
                }
                al->state = ALLOC_ENDED;
                c.changes++;
                continue;
            }
            int r = alloc_record_state (a, al->job_id, ALLOC_ENDED, err);
            if (r < 0) {
                errno = EIO;
                return -1;
            }
            c.changes += r > 0;
        }
    }
    *changes = c.changes;
    return 0;
}

int alloc_slurm_cancel (struct alloc *a, const char *job_id, mb_error_t *err)
{
    (void)a;
    char id[40];
    snprintf (id, sizeof (id), "%s", job_id);
    char *argv[] = { "scancel", id, NULL };
    buf_t o = { 0 }, e = { 0 };
    int st = 0, rc = alloc_run (argv, a->cmd_timeout, &o, &e, &st, err);
    if (rc == 0 && (!WIFEXITED (st) || WEXITSTATUS (st) != 0)) {
        reason ("scancel", &e, st, err);
        errno = EAGAIN;
        rc = -1;
    }
    buf_free (&o);
    buf_free (&e);
    return rc;
}
