/* cmd_pool_serve.c: mpibatch pool POOLDIR: the options of the pool service
 * and the hand-over to the rank bootstrap (the same service as a run's). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "io/jobfile.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_opts.h"
#include "runtime/rank/rank.h"

static const char usage_text[] =
    "Usage: mpibatch pool [OPTIONS] POOLDIR\n"
    "Run a pool: a batch service that takes jobs (mpibatch submit) and tasks\n"
    "(mpibatch add) while it runs.  Under mpirun -n N, rank 0 serves and ranks\n"
    "1..N-1 are its workers; alone, it runs the tasks on this node.  POOLDIR is\n"
    "created (mode 0700) if needed; one pool per POOLDIR.\n\n"
    "  --id ID               the pool's id (default: POOLDIR's base name)\n"
    "  --idle-timeout DUR    end after DUR with no active job (default: never)\n"
    "  --deadline TIME       drain so the pool ends before TIME (seconds from now,\n"
    "                        or an absolute UNIX time); Slurm's end counts too\n"
    "  --resume              continue the pool recorded in POOLDIR and its jobs\n"
    "  --serve-only          alone (-n 1): run no task here, only on workers that join\n"
    "  --accept-workers      let workers join (mpibatch worker POOLDIR) under an\n"
    "                        mpirun that names an ompi-server (implied by --serve-only)\n"
    "  --slots-per-worker N  cores, pus or a number (default cores)\n"
    "  --gpus-per-worker N   auto or a number (default auto)\n"
    "  --fill MODE           spread or pack (default spread)\n"
    "  --progress MODE       auto, bar, lines or none (default auto)\n"
    "  -q, --quiet           less service output\n"
    "  -v, --verbose         more service output\n"
    "  -h, --help            show this help\n\n"
    "It runs until `mpibatch shutdown POOLDIR` (exit 0 once its jobs have ended;\n"
    "--drain: 4), the deadline (4) or the idle timeout (0).  Exit codes: 2 invalid\n"
    "input or POOLDIR in use, 3 runtime failure, 4 interrupted (resume with --resume).\n";

static int is_count (const char *s, int zero_ok)
{
    char *end;
    errno = 0;
    long v = strtol (s, &end, 10);
    return !errno && end != s && !*end && v >= (zero_ok ? 0 : 1) && v <= 100000;
}

static int parse_args (int argc, char **argv, run_opts_t *o, char **id_buf, int quiet_errors)
{
    enum { OPT_ID = 256, OPT_IDLE, OPT_DEADLINE, OPT_RESUME, OPT_SERVE_ONLY, OPT_ACCEPT,
           OPT_SLOTS, OPT_GPUS, OPT_FILL, OPT_PROGRESS };
    static const struct option longopts[] = {
        { "id", required_argument, NULL, OPT_ID },
        { "idle-timeout", required_argument, NULL, OPT_IDLE },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { "resume", no_argument, NULL, OPT_RESUME },
        { "serve-only", no_argument, NULL, OPT_SERVE_ONLY },
        { "accept-workers", no_argument, NULL, OPT_ACCEPT },
        { "slots-per-worker", required_argument, NULL, OPT_SLOTS },
        { "gpus-per-worker", required_argument, NULL, OPT_GPUS },
        { "fill", required_argument, NULL, OPT_FILL },
        { "progress", required_argument, NULL, OPT_PROGRESS },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset (o, 0, sizeof (*o));
    o->progress_interval = 30;
    o->fill = JOB_FILL_SPREAD;
    /* A pool prints no progress unless asked: it has no end to count to. */
    o->progress = PROGRESS_NONE;
    cli_opts_t p;
    cli_opts_init (&p, "pool", usage_text, "qvh", longopts, argc, argv);
    p.quiet = quiet_errors;
    int c, nargs = 0;
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case OPT_ID: {
            const char *why = jobfile_id_problem (p.arg);
            if (why)
                return cli_error (&p, "--id '%s': %s", p.arg, why);
            o->pool_id = p.arg;
            break;
        }
        case OPT_IDLE:
            if ((o->idle_timeout = jobfile_parse_duration (p.arg)) <= 0)
                return cli_error (&p, "--idle-timeout must be a positive duration such as 90, "
                                      "\"15m\" or \"1h\" (not '%s')", p.arg);
            break;
        case OPT_DEADLINE: {
            char *end;
            errno = 0;
            double v = strtod (p.arg, &end);
            if (errno || end == p.arg || *end || v < 0)
                return cli_error (&p, "--deadline must be seconds from now or a UNIX time "
                                      "(not '%s')", p.arg);
            /* Small numbers are seconds from now, large ones UNIX times. */
            o->deadline = v < 1e9 ? mb_clock_real () + v : v;
            break;
        }
        case OPT_RESUME: o->resume = RESUME_OK; break;
        case OPT_SERVE_ONLY: o->serve_only = o->accept_workers = 1; break;
        case OPT_ACCEPT: o->accept_workers = 1; break;
        case OPT_SLOTS:
            if (strcmp (p.arg, "cores") && strcmp (p.arg, "pus") && !is_count (p.arg, 0))
                return cli_error (&p, "--slots-per-worker must be cores, pus or a positive "
                                      "number (not '%s')", p.arg);
            o->slots_per_worker = p.arg;
            break;
        case OPT_GPUS:
            if (strcmp (p.arg, "auto") && !is_count (p.arg, 1))
                return cli_error (&p, "--gpus-per-worker must be auto or a number (not '%s')",
                                  p.arg);
            o->gpus_per_worker = p.arg;
            break;
        case OPT_FILL:
            if (!strcmp (p.arg, "spread")) o->fill = JOB_FILL_SPREAD;
            else if (!strcmp (p.arg, "pack")) o->fill = JOB_FILL_PACK;
            else
                return cli_error (&p, "--fill must be spread or pack (not '%s')", p.arg);
            break;
        case OPT_PROGRESS:
            if (!strcmp (p.arg, "auto")) o->progress = PROGRESS_AUTO;
            else if (!strcmp (p.arg, "bar")) o->progress = PROGRESS_BAR;
            else if (!strcmp (p.arg, "lines")) o->progress = PROGRESS_LINES;
            else if (!strcmp (p.arg, "none")) o->progress = PROGRESS_NONE;
            else
                return cli_error (&p, "--progress must be one of auto, bar, lines, none "
                                      "(not '%s')", p.arg);
            break;
        case 'q': o->verbose = -1; break;
        case 'v': o->verbose = 1; break;
        case CLI_HELP: return 0;
        case CLI_ARG:
            if (nargs++ == 0)
                o->pool_dir = p.arg;
            break;
        default:
            return 2;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (nargs != 1)
        return cli_usage_error (&p, "expected one POOLDIR");
    if (!o->pool_dir[0])
        return cli_usage_error (&p, "POOLDIR is empty");
    if (!o->pool_id) {
        /* The base name, without trailing slashes. */
        size_t n = strlen (o->pool_dir);
        while (n > 1 && o->pool_dir[n - 1] == '/')
            n--;
        size_t b = n;
        while (b > 0 && o->pool_dir[b - 1] != '/')
            b--;
        if (!(*id_buf = strndup (o->pool_dir + b, n - b)))
            return 3;
        const char *why = jobfile_id_problem (*id_buf);
        if (why)
            return cli_error (&p, "the pool's id would be '%s' (POOLDIR's base name): %s; "
                                  "give one with --id", *id_buf, why);
        o->pool_id = *id_buf;
    }
    /* The run's job-file name is used in messages only. */
    o->jobfile = o->pool_dir;
    return -1;
}

int cmd_pool_serve (int argc, char **argv)
{
    run_opts_t o;
    char *id = NULL;
    int rc = parse_args (argc, argv, &o, &id, rank_early () != 0);
    if (rc < 0)
        rc = rank_run (&o);
    free (id);
    return rc;
}
