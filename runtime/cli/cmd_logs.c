/* cmd_logs.c: mpibatch logs: print a task attempt's stdout or stderr kept in the state directory. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "io/logspool.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_opts.h"

static const char *usage_text =
    "Usage: mpibatch logs JOBFILE|STATEDIR TASK [OPTIONS]\n"
    "       mpibatch logs POOLDIR JOB TASK [OPTIONS]\n"
    "Print a task's stdout (or stderr) for its last attempt.\n\n"
    "  --stderr            print stderr instead of stdout\n"
    "  --attempt N         that attempt instead of the last one\n"
    "  --state DIR         the run's state directory (with a JOBFILE)\n"
    "  --set KEY=VALUE     job-file override, as for run (repeatable)\n"
    "  -h, --help          show this help\n";

static int exists (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0;
}

/* The highest attempt with a log file in dir, or -1. */
static long last_attempt_in (const char *dir)
{
    DIR *d = opendir (dir);
    long best = -1;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir (d))) {
        char *end;
        errno = 0;
        long n = strtol (e->d_name, &end, 10);
        if (end == e->d_name || errno || n < 0)
            continue;
        if ((!strcmp (end, ".stdout") || !strcmp (end, ".stderr")) && n > best)
            best = n;
    }
    closedir (d);
    return best;
}

static int copy_out (int fd)
{
    char buf[65536];
    ssize_t n;
    while ((n = read (fd, buf, sizeof (buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (fwrite (buf, 1, (size_t)n, stdout) != (size_t)n)
            return -1;
    }
    return fflush (stdout) == 0 ? 0 : -1;
}

/* The last matching entry of the spool wins (the latest attempt, or the
 * asked one). */
typedef struct {
    const char *id;
    long attempt;
    int stream;
    int found;
    long best;
    buf_t text;
} spool_find_t;

static int spool_cb (const char *task, int attempt, int stream, const char *data, size_t len,
                     void *arg)
{
    spool_find_t *sf = arg;
    if (strcasecmp (task, sf->id) || stream != sf->stream)
        return 0;
    if (sf->attempt >= 0 ? attempt != sf->attempt : attempt < sf->best)
        return 0;
    sf->best = attempt;
    sf->found = 1;
    buf_reset (&sf->text);
    buf_add (&sf->text, data, len);
    return 0;
}

int cmd_logs (int argc, char **argv)
{
    const char *arg = NULL, *task = NULL, *state = NULL;
    const char **set = calloc ((size_t)argc + 1, sizeof (*set));
    int nset = 0, use_stderr = 0, rc = 2;
    long attempt = -1;
    char *statedir = NULL;
    run_view_t v;
    memset (&v, 0, sizeof (v));

    if (!set) {
        perror ("mpibatch logs");
        return 3;
    }
    enum { OPT_STDERR = 256, OPT_ATTEMPT, OPT_STATE, OPT_SET };
    static const struct option longopts[] = {
        { "stderr", no_argument, NULL, OPT_STDERR },
        { "attempt", required_argument, NULL, OPT_ATTEMPT },
        { "state", required_argument, NULL, OPT_STATE },
        { "set", required_argument, NULL, OPT_SET },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cli_opts_t p;
    const char *extra = NULL, *extra2 = NULL, *job = NULL;
    int c;
    cli_opts_init (&p, "logs", usage_text, "h", longopts, argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case CLI_HELP:
            rc = 0;
            goto out;
        case OPT_STDERR:
            use_stderr = 1;
            break;
        case OPT_ATTEMPT: {
            char *end;
            errno = 0;
            attempt = strtol (p.arg, &end, 10);
            if (errno || end == p.arg || *end || attempt < 0 || attempt > INT_MAX) {
                cli_error (&p, "--attempt: not an attempt number: '%s'", p.arg);
                goto out;
            }
            break;
        }
        case OPT_STATE:
            state = p.arg;
            break;
        case OPT_SET:
            set[nset++] = p.arg;
            break;
        case CLI_ARG:
            /* Refused after the options: --help later on still wins. */
            if (!arg)
                arg = p.arg;
            else if (!task)
                task = p.arg;
            else if (!extra)
                extra = p.arg;
            else if (!extra2)
                extra2 = p.arg;
            break;
        default:
            goto out;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (arg && task && cmd_is_pooldir (arg)) {
        /* POOLDIR JOB TASK */
        job = task;
        task = extra;
        extra = extra2;
        if (!task) {
            cli_usage_error (&p, "POOLDIR, JOB and TASK needed");
            goto out;
        }
        if (state || nset) {
            cli_error (&p, "--state and --set are for a JOBFILE, not a pool directory");
            goto out;
        }
    }
    if (extra) {
        cli_usage_error (&p, "unexpected argument '%s'", extra);
        goto out;
    }
    if (!arg || !task) {
        cli_usage_error (&p, "JOBFILE|STATEDIR and TASK needed");
        goto out;
    }
    /* A task id never holds a slash or starts with a dot; refusing them
     * keeps the path below inside the state directory. */
    if (!*task || task[0] == '.' || strchr (task, '/')) {
        fprintf (stderr, "mpibatch logs: '%s' is not a task id\n", task);
        goto out;
    }
    if (!(statedir = job ? cmd_pool_job_dir ("logs", arg, job)
                         : cmd_state_dir_opts (arg, state, set, nset, NULL)))
        goto out;

    /* The journal knows the task's real id (case) and its last attempt;
     * without one, the log files alone have to do. */
    mb_error_t err;
    const char *id = task;
    int log_cut = 0;
    run_task_t *t = NULL;
    int live = cmd_run_live (statedir, NULL, 0);
    if (run_view_load (&v, statedir, live > 0, &err) == 0 && (t = run_view_find (&v, task))) {
        id = t->id;
        if (attempt < 0) {
            attempt = t->attempt;
            log_cut = t->log_cut;
        }
    }
    else if (errno != ENOENT && !exists (statedir)) {
        fprintf (stderr, "mpibatch logs: %s: %s\n", statedir, strerror (errno));
        goto out;
    }

    char dir[PATH_MAX], path[PATH_MAX + 64], report[PATH_MAX];
    snprintf (path, sizeof (path), "%s/logs.spool", statedir);
    if (exists (path)) {
        /* logs = "report": the logs are in the run's spool. */
        spool_find_t sf = { id, attempt, use_stderr ? 2 : 1, 0, -1, { 0 } };
        if (logspool_read (path, spool_cb, &sf) < 0) {
            fprintf (stderr, "mpibatch logs: %s: %s\n", path, strerror (errno));
            goto out;
        }
        if (!sf.found) {
            fprintf (stderr, "mpibatch logs: no %s log of task '%s'%s in %s\n",
                     use_stderr ? "stderr" : "stdout", id, attempt >= 0 ? " at that attempt" : "",
                     path);
            buf_free (&sf.text);
            goto out;
        }
        fwrite (sf.text.data ? sf.text.data : "", 1, sf.text.len, stdout);
        buf_free (&sf.text);
        if (log_cut & (use_stderr ? 2 : 1))
            fprintf (stderr, "mpibatch logs: this log was cut at the job's max_log_size\n");
        rc = 0;
        goto out;
    }
    snprintf (dir, sizeof (dir), "%s/logs/%s", statedir, id);
    snprintf (report, sizeof (report), "%s/report.h5", statedir);
    if (!t && !exists (dir)) {
        if (exists (report) && v.ntask == 0)
            fprintf (stderr, "mpibatch logs: logs of this run are in report.h5 "
                             "(logs = \"report\"): use mpibatch report\n");
        else
            fprintf (stderr, "mpibatch logs: unknown task '%s' in %s\n", task, statedir);
        goto out;
    }
    if (attempt < 0 && (attempt = last_attempt_in (dir)) < 0) {
        fprintf (stderr, "mpibatch logs: no logs of task '%s' in %s\n", id, dir);
        goto out;
    }
    snprintf (path, sizeof (path), "%s/%ld.%s", dir, attempt, use_stderr ? "stderr" : "stdout");
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && t && attempt <= t->attempt) {
            /* The attempt is recorded: its log was empty, so none was kept. */
            rc = 0;
        }
        else if (errno == ENOENT && !exists (dir) && exists (report))
            fprintf (stderr, "mpibatch logs: logs of this run are in report.h5 "
                             "(logs = \"report\"): use mpibatch report\n");
        else if (errno == ENOENT)
            fprintf (stderr, "mpibatch logs: no %s log of task '%s' attempt %ld (%s)\n",
                     use_stderr ? "stderr" : "stdout", id, attempt, path);
        else
            fprintf (stderr, "mpibatch logs: %s: %s\n", path, strerror (errno));
        goto out;
    }
    if (copy_out (fd) < 0) {
        fprintf (stderr, "mpibatch logs: %s: %s\n", path, strerror (errno));
        close (fd);
        rc = 3;
        goto out;
    }
    close (fd);
    if (log_cut & (use_stderr ? 2 : 1))
        fprintf (stderr, "mpibatch logs: this log was cut at the job's max_log_size\n");
    rc = 0;
out:
    run_view_free (&v);
    free (statedir);
    free (set);
    return rc;
}
