/* cmd_worker.c: mpibatch worker POOLDIR: ranks of another mpirun join a
 * running pool as workers (runtime/rank/join.c does the work). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "io/jobfile.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_opts.h"
#include "runtime/rank/rank.h"

static const char usage_text[] =
    "Usage: mpirun --ompi-server file:URIFILE ... mpibatch worker [OPTIONS] POOLDIR\n"
    "Join the running pool in POOLDIR: every rank of this mpirun becomes a worker,\n"
    "sized by hwloc on its node, and takes tasks of every job of the pool.  The\n"
    "pool's mpirun must name the same ompi-server; mpibatch run --accept-workers\n"
    "prints the line.\n\n"
    "  --idle-timeout DUR    leave after DUR without work (e.g. 90, 15m, 1h)\n"
    "  --deadline TIME       leave before TIME (seconds from now, or a UNIX time);\n"
    "                        Slurm's end (SLURM_JOB_END_TIME) counts too\n"
    "  --connect-timeout DUR wait this long for the pool's port, then for its\n"
    "                        first answer (default 60)\n"
    "  -q, --quiet           less output\n"
    "  -v, --verbose         more output\n"
    "  -h, --help            show this help\n\n"
    "SIGTERM or SIGUSR1 make the workers leave: their running tasks are requeued\n"
    "by the pool without using a retry.\n"
    "Exit codes: 0 left idle (or the pool ended), 2 invalid input, 3 runtime\n"
    "failure (the pool lost), 4 left with tasks interrupted.\n";

static int parse_args (int argc, char **argv, join_opts_t *o, int quiet_errors)
{
    enum { OPT_IDLE = 256, OPT_DEADLINE, OPT_CONNECT };
    static const struct option longopts[] = {
        { "idle-timeout", required_argument, NULL, OPT_IDLE },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { "connect-timeout", required_argument, NULL, OPT_CONNECT },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset (o, 0, sizeof (*o));
    o->connect_timeout = 60;
    cli_opts_t p;
    cli_opts_init (&p, "worker", usage_text, "qvh", longopts, argc, argv);
    p.quiet = quiet_errors;
    int c, nargs = 0;
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case OPT_IDLE:
            if ((o->idle_timeout = jobfile_parse_duration (p.arg)) <= 0)
                return cli_error (&p, "--idle-timeout must be a positive duration such as 90, "
                                      "15m or 1h (not '%s')", p.arg);
            break;
        case OPT_CONNECT:
            if ((o->connect_timeout = jobfile_parse_duration (p.arg)) <= 0)
                return cli_error (&p, "--connect-timeout must be a positive duration (not "
                                      "'%s')", p.arg);
            break;
        case OPT_DEADLINE: {
            char *end;
            errno = 0;
            double v = strtod (p.arg, &end);
            if (errno || end == p.arg || *end || v <= 0)
                return cli_error (&p, "--deadline must be seconds from now or a UNIX time "
                                      "(not '%s')", p.arg);
            o->deadline = v < 1e9 ? mb_clock_real () + v : v;
            break;
        }
        case 'q': o->verbose = -1; break;
        case 'v': o->verbose = 1; break;
        case CLI_HELP: return 0;
        case CLI_ARG:
            if (nargs++ == 0)
                o->pooldir = p.arg;
            break;
        default:
            return 2;
        }
    }
    if (nargs != 1)
        return cli_usage_error (&p, "expected one POOLDIR");
    struct stat st;
    if (stat (o->pooldir, &st) < 0 || !S_ISDIR (st.st_mode))
        return cli_error (&p, "%s: not a pool directory (%s)", o->pooldir,
                          errno ? strerror (errno) : "not a directory");
    return -1;
}

int cmd_worker (int argc, char **argv)
{
    join_opts_t o;
    int rc = parse_args (argc, argv, &o, rank_early () != 0);
    if (rc >= 0)
        return rc;
    return rank_join (&o);
}
