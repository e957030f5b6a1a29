/* cmd_status.c: mpibatch status: the state of a run, live or finished, from its journal. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/json.h"
#include "io/jobfile.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_opts.h"
#include "runtime/cli/status_pool.h"

/* How many running and failed tasks the text output lists. */
#define LIST_MAX 20

static const char *usage_text =
    "Usage: mpibatch status JOBFILE|STATEDIR [OPTIONS]\n"
    "       mpibatch status POOLDIR [JOB] [OPTIONS]\n"
    "Show the state of a run (live or finished) from its journal.  With a\n"
    "pool directory: the pool, its workers and its jobs (from status.json),\n"
    "or with JOB that job's state as for a run.\n\n"
    "  --json              print one JSON object (POOLDIR: its status.json)\n"
    "  --tasks STATE       print the ids of the tasks in STATE, one per line:\n"
    "                      running, succeeded, failed, skipped, interrupted,\n"
    "                      cancelled, retrying, waiting (or pending, ready: the same;\n"
    "                      waiting needs the JOBFILE)\n"
    "  --watch [SECONDS]   redraw every SECONDS (default 2) until the run (or\n"
    "                      the pool) ends\n"
    "  --state DIR         the run's state directory (with a JOBFILE)\n"
    "  --set KEY=VALUE     job-file override, as for run (repeatable)\n"
    "  -h, --help          show this help\n";

struct opts {
    const char *arg;
    const char *job;    /* POOLDIR JOB */
    int json;
    const char *tasks;
    double watch;       /* 0 = no watching */
    const char *state;
    const char **set;
    int nset;
};

static size_t waiting_count (const run_view_t *v)
{
    size_t seen = v->ntask - v->counts[RT_RETRY];
    return v->ntasks > seen ? (size_t)(v->ntasks - seen) : 0;
}

static double elapsed (const run_view_t *v, double t)
{
    if (v->ended)
        return v->end_time - v->started;
    if (v->live)
        return t - v->started;
    return v->last_time - v->started;
}

/* Running tasks, oldest first. */
static int by_start (const void *a, const void *b)
{
    const run_task_t *x = *(run_task_t *const *)a, *y = *(run_task_t *const *)b;
    return (x->start_time > y->start_time) - (x->start_time < y->start_time);
}

static run_task_t **running_tasks (const run_view_t *v, size_t *n)
{
    run_task_t **r = malloc ((v->counts[RT_RUNNING] + 1) * sizeof (*r));
    *n = 0;
    if (!r)
        return NULL;
    for (size_t i = 0; i < v->ntask; i++)
        if (v->tasks[i].state == RT_RUNNING)
            r[(*n)++] = &v->tasks[i];
    qsort (r, *n, sizeof (*r), by_start);
    return r;
}

static void print_text (FILE *f, const run_view_t *v, const char *statedir,
                        const char *who)
{
    double t = mb_clock_real ();
    char tbuf[64], dbuf[64];

    fprintf (f, "job %s: ", v->job_id ? v->job_id : "?");
    if (v->ended)
        fprintf (f, "finished, %s", run_status_name (v->end_status));
    else if (v->live)
        fprintf (f, "running (%s)", who && *who ? who : "live");
    else
        fprintf (f, "stopped without finishing (interrupted; --resume continues it)");
    fprintf (f, "; started %s, elapsed %s", fmt_time (v->started, tbuf, sizeof (tbuf)),
             fmt_duration (elapsed (v, t), dbuf, sizeof (dbuf)));
    if (v->runs > 1)
        fprintf (f, " (run %d: resumed)", v->runs);
    fprintf (f, "\n");
    if (v->terminated_by)
        fprintf (f, "terminated by %s\n", v->terminated_by);
    fprintf (f, "state directory: %s\n", statedir);
    fprintf (f, "tasks: %llu total, %zu waiting", (unsigned long long)v->ntasks,
             waiting_count (v));
    if (v->counts[RT_RETRY])
        fprintf (f, " (%zu to retry)", v->counts[RT_RETRY]);
    fprintf (f, ", %zu running, %zu succeeded, %zu failed, %zu skipped",
             v->counts[RT_RUNNING], v->counts[RT_SUCCEEDED],
             v->counts[RT_FAILED], v->counts[RT_SKIPPED]);
    if (v->counts[RT_INTERRUPTED])
        fprintf (f, ", %zu interrupted", v->counts[RT_INTERRUPTED]);
    if (v->counts[RT_CANCELLED])
        fprintf (f, ", %zu cancelled", v->counts[RT_CANCELLED]);
    fprintf (f, "\n");

    size_t nrun;
    run_task_t **run = running_tasks (v, &nrun);
    if (run && nrun) {
        fprintf (f, "running:\n");
        for (size_t i = 0; i < nrun && i < LIST_MAX; i++)
            fprintf (f, "  %-24s attempt %d  worker %d  node %s  %s\n", run[i]->id,
                     run[i]->attempt, run[i]->worker,
                     run[i]->node ? run[i]->node : "?",
                     fmt_duration (t - run[i]->start_time, dbuf, sizeof (dbuf)));
        if (nrun > LIST_MAX)
            fprintf (f, "  ... and %zu more\n", nrun - LIST_MAX);
    }
    free (run);

    if (v->counts[RT_FAILED]) {
        size_t k = 0;
        fprintf (f, "failed:\n");
        for (size_t i = 0; i < v->ntask && k < LIST_MAX; i++) {
            const run_task_t *tk = &v->tasks[i];
            if (tk->state != RT_FAILED)
                continue;
            fprintf (f, "  %-24s %s\n", tk->id, tk->reason ? tk->reason : "failed");
            if (tk->rule)
                fprintf (f, "  %-24s rule %s\n", "", tk->rule);
            k++;
        }
        if (v->counts[RT_FAILED] > LIST_MAX)
            fprintf (f, "  ... and %zu more\n", v->counts[RT_FAILED] - LIST_MAX);
    }
}

static void print_json (FILE *f, const run_view_t *v, const char *statedir,
                        const char *who)
{
    double t = mb_clock_real ();
    fputs ("{\"job_id\":", f);
    json_put_string (f, v->job_id);
    fputs (",\"state_dir\":", f);
    json_put_string (f, statedir);
    fprintf (f, ",\"live\":%s,\"lock_holder\":", v->live ? "true" : "false");
    json_put_string (f, v->live && who && *who ? who : NULL);
    fputs (",\"status\":", f);
    json_put_string (f, v->ended ? run_status_name (v->end_status)
                        : v->live ? "running" : "interrupted");
    fprintf (f, ",\"runs\":%d,\"started\":", v->runs);
    json_put_number (f, "%.17g", v->started);
    fputs (",\"finished\":", f);
    if (v->ended)
        json_put_number (f, "%.17g", v->end_time);
    else
        fputs ("null", f);
    fputs (",\"elapsed\":", f);
    json_put_number (f, "%.17g", elapsed (v, t));
    fprintf (f, ",\"workers\":%d,\"nodes\":%d,\"slots\":%d", v->workers, v->nodes, v->slots);
    fputs (",\"terminated_by\":", f);
    json_put_string (f, v->terminated_by);
    fprintf (f, ",\"counts\":{\"total\":%llu,\"waiting\":%zu,\"retrying\":%zu,"
                "\"running\":%zu,\"succeeded\":%zu,\"failed\":%zu,\"skipped\":%zu,"
                "\"interrupted\":%zu,\"cancelled\":%zu}",
             (unsigned long long)v->ntasks, waiting_count (v), v->counts[RT_RETRY],
             v->counts[RT_RUNNING], v->counts[RT_SUCCEEDED], v->counts[RT_FAILED],
             v->counts[RT_SKIPPED], v->counts[RT_INTERRUPTED], v->counts[RT_CANCELLED]);

    size_t nrun;
    run_task_t **run = running_tasks (v, &nrun);
    fputs (",\"running\":[", f);
    for (size_t i = 0; run && i < nrun; i++) {
        fputs (i ? ",{\"id\":" : "{\"id\":", f);
        json_put_string (f, run[i]->id);
        fprintf (f, ",\"attempt\":%d,\"worker\":%d,\"node\":", run[i]->attempt, run[i]->worker);
        json_put_string (f, run[i]->node);
        fputs (",\"start_time\":", f);
        json_put_number (f, "%.17g", run[i]->start_time);
        fputs (",\"elapsed\":", f);
        json_put_number (f, "%.17g", t - run[i]->start_time);
        fputs ("}", f);
    }
    free (run);
    fputs ("],\"failed\":[", f);
    int first = 1;
    for (size_t i = 0; i < v->ntask; i++) {
        const run_task_t *tk = &v->tasks[i];
        if (tk->state != RT_FAILED)
            continue;
        fputs (first ? "{\"id\":" : ",{\"id\":", f);
        first = 0;
        json_put_string (f, tk->id);
        fprintf (f, ",\"attempts\":%d,\"requeues\":%d,\"reason\":", tk->attempts,
                 tk->requeues);
        json_put_string (f, tk->reason);
        fputs (",\"rule\":", f);
        json_put_string (f, tk->rule);
        fputs ("}", f);
    }
    fputs ("]}\n", f);
}

/* An RT_* state by its name, or RT_NSTATES for "waiting"; -1 when unknown. */
static int state_by_name (const char *name)
{
    /* The spec's names for tasks that have not started: both are
     * "waiting" here (the journal cannot tell them apart). */
    if (!strcmp (name, "pending") || !strcmp (name, "ready") || !strcmp (name, "waiting"))
        return RT_NSTATES;
    for (int i = 0; i < RT_NSTATES; i++)
        if (!strcmp (run_state_name (i), name))
            return i;
    return -1;
}

static int list_tasks (const run_view_t *v, jobfile_t *jf, int state)
{
    if (state == RT_NSTATES) {
        /* Waiting: never started in any run, or ready for another try. */
        char id[128];
        run_view_t *vv = (run_view_t *)v;
        for (size_t i = 0; i < jobfile_ntasks (jf); i++) {
            jobfile_task_id (jf, i, id, sizeof (id));
            run_task_t *t = run_view_find (vv, id);
            if (!t || t->state == RT_RETRY)
                printf ("%s\n", id);
        }
        return 0;
    }
    for (size_t i = 0; i < v->ntask; i++)
        if (v->tasks[i].state == state)
            printf ("%s\n", v->tasks[i].id);
    return 0;
}

/* Read the options into o: 0 to go on, 1 after --help, 2 on a usage error. */
static int parse_args (int argc, char **argv, struct opts *o)
{
    enum { OPT_JSON = 256, OPT_TASKS, OPT_WATCH, OPT_STATE, OPT_SET };
    static const struct option longopts[] = {
        { "json", no_argument, NULL, OPT_JSON },
        { "tasks", required_argument, NULL, OPT_TASKS },
        { "watch", optional_argument, NULL, OPT_WATCH },
        { "state", required_argument, NULL, OPT_STATE },
        { "set", required_argument, NULL, OPT_SET },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cli_opts_t p;
    const char *extra = NULL, *extra2 = NULL;
    int c;
    cli_opts_init (&p, "status", usage_text, "h", longopts, argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case CLI_HELP:
            return 1;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_TASKS:
            o->tasks = p.arg;
            break;
        case OPT_STATE:
            o->state = p.arg;
            break;
        case OPT_SET:
            o->set[o->nset++] = p.arg;
            break;
        case OPT_WATCH: {
            /* The interval is optional: --watch=S, or the next word if
             * it is a number ("--watch 2"; "--watch DIR" is no interval). */
            const char *v = p.arg ? p.arg : cli_peek (&p);
            char *end;
            double s = v ? strtod (v, &end) : 0;
            o->watch = 2;
            if (v && (p.arg || (end != v && *end == '\0'))) {
                if (end == v || *end != '\0' || !(s > 0) || s > 86400)
                    return cli_error (&p, "--watch: bad interval '%s'", v);
                o->watch = s;
                if (!p.arg)
                    cli_skip (&p);
            }
            break;
        }
        case CLI_ARG:
            /* Refused after the options: --help later on still wins. */
            if (!o->arg)
                o->arg = p.arg;
            else if (!extra)
                extra = p.arg;
            else if (!extra2)
                extra2 = p.arg;
            break;
        default:
            return 2;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (!o->arg)
        return cli_usage_error (&p, "JOBFILE or STATEDIR needed");
    if (extra && cmd_is_pooldir (o->arg)) {
        /* POOLDIR JOB: the second word is the job. */
        o->job = extra;
        extra = extra2;
    }
    if (extra)
        return cli_usage_error (&p, "unexpected argument '%s'", extra);
    if (cmd_is_pooldir (o->arg) && (o->state || o->nset))
        return cli_error (&p, "--state and --set are for a JOBFILE, not a pool directory");
    if (cmd_is_pooldir (o->arg) && !o->job && o->tasks)
        return cli_error (&p, "--tasks needs a JOB of the pool: status POOLDIR JOB --tasks STATE");
    if (o->tasks && state_by_name (o->tasks) < 0)
        return cli_error (&p, "--tasks: unknown state '%s' (running, succeeded, failed, "
                              "skipped, interrupted, cancelled, retrying, waiting)", o->tasks);
    return 0;
}

/* One look at the run: 0 printed, 2 bad input; *live says whether to
 * keep watching. */
static int show (const struct opts *o, const char *statedir, jobfile_t *jf, int *live)
{
    char who[256] = "";
    run_view_t v;
    mb_error_t err;

    memset (&v, 0, sizeof (v));
    *live = cmd_run_live (statedir, who, sizeof (who));
    if (*live < 0) {
        fprintf (stderr, "mpibatch status: %s/lock: %s\n", statedir, strerror (errno));
        return 2;
    }
    if (run_view_load (&v, statedir, *live, &err) < 0) {
        if (errno == ENOENT)
            fprintf (stderr, "mpibatch status: no run recorded in %s\n", statedir);
        else
            fprintf (stderr, "mpibatch status: %s\n", err.text);
        run_view_free (&v);
        return 2;
    }
    if (v.runs == 0 && !*live) {
        fprintf (stderr, "mpibatch status: no run recorded in %s\n", statedir);
        run_view_free (&v);
        return 2;
    }
    if (v.ended)
        *live = 0;
    if (o->tasks)
        list_tasks (&v, jf, state_by_name (o->tasks));
    else if (o->json)
        print_json (stdout, &v, statedir, who);
    else
        print_text (stdout, &v, statedir, who);
    fflush (stdout);
    run_view_free (&v);
    return 0;
}

int cmd_status (int argc, char **argv)
{
    struct opts o;
    jobfile_t *jf = NULL;
    int rc = 2;

    memset (&o, 0, sizeof (o));
    if (!(o.set = calloc ((size_t)argc + 1, sizeof (*o.set)))) {
        perror ("mpibatch status");
        return 3;
    }
    int prc = parse_args (argc, argv, &o);
    if (prc != 0) {
        free (o.set);
        return prc == 1 ? 0 : 2;
    }
    int tty = isatty (STDOUT_FILENO);
    char *statedir = NULL;
    if (cmd_is_pooldir (o.arg) && !o.job) {
        /* The pool itself, from its status.json. */
        for (;;) {
            int live;
            if (o.watch && tty && !o.json)
                fputs ("\033[H\033[2J", stdout);
            if ((rc = status_pool_show (o.arg, o.json, &live)) != 0 || !o.watch || !live)
                break;
            if (!tty && !o.json)
                putchar ('\n');
            struct timespec ts = { (time_t)o.watch, (long)((o.watch - floor (o.watch)) * 1e9) };
            nanosleep (&ts, NULL);
        }
        goto out;
    }
    if (o.job)
        statedir = cmd_pool_job_dir ("status", o.arg, o.job);
    else
        statedir = cmd_state_dir_opts (o.arg, o.state, o.set, o.nset, &jf);
    if (!statedir)
        goto out;
    if (o.tasks && state_by_name (o.tasks) == RT_NSTATES && !jf) {
        fprintf (stderr, "mpibatch status: --tasks waiting needs the JOBFILE: the state "
                         "directory does not list tasks that never started\n");
        goto out;
    }
    for (;;) {
        int live;
        if (o.watch && tty && !o.json && !o.tasks)
            fputs ("\033[H\033[2J", stdout);
        if ((rc = show (&o, statedir, jf, &live)) != 0 || !o.watch || !live)
            break;
        if (!tty && !o.json && !o.tasks)
            putchar ('\n');
        struct timespec ts = { (time_t)o.watch, (long)((o.watch - floor (o.watch)) * 1e9) };
        nanosleep (&ts, NULL);
    }
out:
    jobfile_destroy (jf);
    free (statedir);
    free (o.set);
    return rc;
}
