/* cmd_run.c: mpibatch run: options, --dry-run, and the hand-over to the
 * rank bootstrap (runtime/rank/boot.c). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_opts.h"
#include "runtime/rank/rank.h"

static const char usage_text[] =
    "Usage: mpibatch run [OPTIONS] JOBFILE\n"
    "Run a job: under mpirun -n N, rank 0 is the service and ranks 1..N-1 the\n"
    "workers; started alone (or with -n 1), it runs the tasks on this node.\n\n"
    "  --resume              continue the recorded run; succeeded tasks are not run again\n"
    "  --resume-failed       like --resume, and run failed or skipped tasks again\n"
    "  --restart             discard the recorded state and start from scratch\n"
    "  --state DIR           state directory (default <storage>/jobs/<job id>)\n"
    "  --set KEY=VALUE       override a job setting or define a template variable\n"
    "  --dry-run             print the tasks and what they need; run nothing\n"
    "  --progress MODE       auto, bar, lines or none (default auto)\n"
    "  --progress-interval S seconds between progress lines (default 30)\n"
    "  --deadline TIME       drain so the run ends before TIME (seconds from now,\n"
    "                        or an absolute UNIX time)\n"
    "  --accept-workers      let workers join (mpibatch worker <state>/pool) under an\n"
    "                        mpirun that names an ompi-server (--ompi-server file:URI)\n"
    "  -q, --quiet           less service output\n"
    "  -v, --verbose         more service output\n"
    "  -h, --help            show this help\n\n"
    "Exit codes: 0 all succeeded, 1 some failed or skipped, 2 invalid input,\n"
    "3 runtime failure, 4 interrupted (resume with --resume).\n";

static int parse_deadline (const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod (s, &end);
    if (errno || end == s || *end || v < 0)
        return -1;
    /* Small numbers are seconds from now, large ones UNIX times. */
    *out = v < 1e9 ? mb_clock_real () + v : v;
    return 0;
}

static int parse_args (int argc, char **argv, run_opts_t *o, int quiet_errors)
{
    enum { OPT_RESUME = 256, OPT_RESUME_FAILED, OPT_RESTART, OPT_STATE, OPT_SET,
           OPT_DRY, OPT_PROGRESS, OPT_INTERVAL, OPT_DEADLINE, OPT_ACCEPT };
    static const struct option longopts[] = {
        { "resume", no_argument, NULL, OPT_RESUME },
        { "resume-failed", no_argument, NULL, OPT_RESUME_FAILED },
        { "restart", no_argument, NULL, OPT_RESTART },
        { "state", required_argument, NULL, OPT_STATE },
        { "set", required_argument, NULL, OPT_SET },
        { "dry-run", no_argument, NULL, OPT_DRY },
        { "progress", required_argument, NULL, OPT_PROGRESS },
        { "progress-interval", required_argument, NULL, OPT_INTERVAL },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { "accept-workers", no_argument, NULL, OPT_ACCEPT },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset (o, 0, sizeof (*o));
    o->progress_interval = 30;
    o->set = calloc ((size_t)argc + 1, sizeof (char *));
    if (!o->set)
        return 3;
    cli_opts_t p;
    cli_opts_init (&p, "run", usage_text, "qvh", longopts, argc, argv);
    p.quiet = quiet_errors;
    int c, nargs = 0;
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case OPT_RESUME:
        case OPT_RESUME_FAILED:
        case OPT_RESTART: {
            int r = c == OPT_RESUME ? RESUME_OK : c == OPT_RESUME_FAILED ? RESUME_FAILED
                                                                          : RESUME_RESTART;
            if (o->resume && o->resume != r)
                return cli_error (&p, "--resume, --resume-failed and --restart exclude "
                                      "each other");
            o->resume = r;
            break;
        }
        case OPT_STATE: o->state = p.arg; break;
        case OPT_SET:
            if (!strchr (p.arg, '='))
                return cli_error (&p, "--set %s: expected KEY=VALUE", p.arg);
            o->set[o->nset++] = p.arg;
            break;
        case OPT_DRY: o->dry_run = 1; break;
        case OPT_PROGRESS:
            if (!strcmp (p.arg, "auto")) o->progress = PROGRESS_AUTO;
            else if (!strcmp (p.arg, "bar")) o->progress = PROGRESS_BAR;
            else if (!strcmp (p.arg, "lines")) o->progress = PROGRESS_LINES;
            else if (!strcmp (p.arg, "none")) o->progress = PROGRESS_NONE;
            else
                return cli_error (&p, "--progress must be one of auto, bar, lines, none "
                                      "(not '%s')", p.arg);
            break;
        case OPT_INTERVAL: {
            char *end;
            o->progress_interval = strtod (p.arg, &end);
            if (*end || end == p.arg || o->progress_interval <= 0)
                return cli_error (&p, "--progress-interval must be a positive number of "
                                      "seconds");
            break;
        }
        case OPT_DEADLINE:
            if (parse_deadline (p.arg, &o->deadline) < 0)
                return cli_error (&p, "--deadline must be seconds from now or a UNIX time "
                                      "(not '%s')", p.arg);
            break;
        case OPT_ACCEPT: o->accept_workers = 1; break;
        case 'q': o->verbose = -1; break;
        case 'v': o->verbose = 1; break;
        case CLI_HELP: return 0;
        case CLI_ARG:
            /* Counted, not refused here: --help later on still wins. */
            if (nargs++ == 0)
                o->jobfile = p.arg;
            break;
        default:
            return 2;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (nargs != 1)
        return cli_usage_error (&p, "expected one JOBFILE");
    return -1;
}

/* --dry-run: the tasks and what they need, without MPI. */
static int dry_run (run_opts_t *o)
{
    errlist_t *errs = errlist_create (50);
    jobfile_opts_t jo = { .set = o->set, .nset = o->nset, .state = o->state };
    jobfile_t *jf = jobfile_load (o->jobfile, &jo, errs);
    if (!jf) {
        errlist_print (errs, stderr, o->jobfile, errno);
        errlist_destroy (errs);
        return 2;
    }
    errlist_destroy (errs);
    const uint32_t *off, *deps;
    jobfile_deps (jf, &off, &deps);
    jobfile_task_t t = { 0 };
    printf ("# id\tslots\tgpus\tmemory\tpriority\tdepends\tcommand\n");
    for (size_t i = 0; i < jobfile_ntasks (jf); i++) {
        if (jobfile_task_get (jf, i, &t) < 0)
            continue;
        printf ("%s\t%d\t%d\t%lld\t%d\t%u\t%s\n", t.id, t.slots, t.gpus,
                (long long)t.memory, t.priority, off[i + 1] - off[i], t.command);
    }
    jobfile_task_clear (&t);
    jobfile_destroy (jf);
    return 0;
}

int cmd_run (int argc, char **argv)
{
    run_opts_t o;
    int rc = parse_args (argc, argv, &o, rank_early () != 0);
    if (rc >= 0) {
        free (o.set);
        return rc;
    }
    if (o.dry_run) {
        rc = dry_run (&o);
        free (o.set);
        return rc;
    }

    rc = rank_run (&o);
    free (o.set);
    return rc;
}
