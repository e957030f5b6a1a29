/* cmd_run.c: mpibatch run: options, MPI start-up, worker sizing, and the
 * hand-over to the service (rank 0) or the worker loop (other ranks). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "common/clock.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_opts.h"
#include "runtime/rank/rank.h"
#include "runtime/node/topo.h"

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
    "  -q, --quiet           less service output\n"
    "  -v, --verbose         more service output\n"
    "  -h, --help            show this help\n\n"
    "Exit codes: 0 all succeeded, 1 some failed or skipped, 2 invalid input,\n"
    "3 runtime failure, 4 interrupted (resume with --resume).\n";

/* Which rank this process will be, known before MPI_Init from the
 * launcher's variables, so that only rank 0 prints option errors. */
static int early_rank (void)
{
    const char *v = getenv ("OMPI_COMM_WORLD_RANK");
    if (!v)
        v = getenv ("PMIX_RANK");
    if (!v)
        v = getenv ("PMI_RANK");
    return v ? atoi (v) : 0;
}

/* Started by no launcher at all (mpirun, srun, hydra): a singleton. */
static int standalone (void)
{
    return !getenv ("OMPI_COMM_WORLD_SIZE") && !getenv ("PMIX_RANK") && !getenv ("PMI_RANK")
        && !getenv ("PMI_SIZE");
}

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
           OPT_DRY, OPT_PROGRESS, OPT_INTERVAL, OPT_DEADLINE };
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

/* Every rank learns its node's workers: ranks on the same node (shared
 * memory domain), rank 0 excluded.  Sets *k and *m; k = -1 for rank 0. */
static int node_split (int rank, int *k, int *m)
{
    MPI_Comm node;
    int nsize, *ranks = NULL;
    if (MPI_Comm_split_type (MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node)
        != MPI_SUCCESS)
        return -1;
    MPI_Comm_size (node, &nsize);
    if (!(ranks = calloc ((size_t)nsize, sizeof (int)))) {
        MPI_Comm_free (&node);
        return -1;
    }
    MPI_Allgather (&rank, 1, MPI_INT, ranks, 1, MPI_INT, node);
    *k = -1;
    *m = 0;
    for (int i = 0; i < nsize; i++) {
        if (ranks[i] == 0)
            continue;
        if (ranks[i] == rank)
            *k = *m;
        (*m)++;
    }
    free (ranks);
    MPI_Comm_free (&node);
    return 0;
}

int cmd_run (int argc, char **argv)
{
    run_opts_t o;
    int rc = parse_args (argc, argv, &o, early_rank () != 0);
    if (rc >= 0) {
        free (o.set);
        return rc;
    }
    if (o.dry_run) {
        rc = dry_run (&o);
        free (o.set);
        return rc;
    }

    /* The launcher must be forked before MPI_Init: forking an MPI process
     * is fragile on RDMA networks. */
    mb_error_t err = { "" };
    launcher_t *l = launcher_start (&err);
    if (!l) {
        fprintf (stderr, "mpibatch: cannot start the launcher: %s\n", err.text);
        free (o.set);
        return 3;
    }
    /* A singleton needs no supporting daemon (it spawns no processes and
     * connects to none): without one MPI_Init takes a third of the time
     * and no orted sits beside the run.  Not passed on to tasks. */
    int isolated = standalone () && !getenv ("OMPI_MCA_ess_singleton_isolated");
    if (isolated)
        setenv ("OMPI_MCA_ess_singleton_isolated", "1", 0);
    MPI_Init (NULL, NULL);
    if (isolated)
        unsetenv ("OMPI_MCA_ess_singleton_isolated");
    MPI_Comm_set_errhandler (MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rank, size;
    MPI_Comm_rank (MPI_COMM_WORLD, &rank);
    MPI_Comm_size (MPI_COMM_WORLD, &size);
    run_signals_install ();

    /* Rank 0 loads the job and opens the state directory; everyone learns
     * whether to go on, and then what the workers need of the job. */
    service_t svc;
    memset (&svc, 0, sizeof (svc));
    svc.opts = &o;
    int go = 0;
    buf_t info = { 0 };
    if (rank == 0) {
        go = svc_open_state (&svc, &err);
        if (go == 0)
            jobinfo_pack (svc.job, size > 1 ? size - 1 : 1, 10.0, &info);
    }
    MPI_Bcast (&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (go != 0) {
        svc_destroy (&svc);
        buf_free (&info);
        doorbell_close (run_doorbell);
        run_doorbell = NULL;
        MPI_Finalize ();
        launcher_stop (l);
        free (o.set);
        return go;
    }
    unsigned long len = info.len;
    MPI_Bcast (&len, 1, MPI_UNSIGNED_LONG, 0, MPI_COMM_WORLD);
    if (rank != 0 && buf_reserve (&info, len) == 0)
        info.len = len;
    MPI_Bcast (info.data, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD);
    jobinfo_t ji;
    if (jobinfo_unpack (info.data, info.len, &ji) < 0) {
        fprintf (stderr, "mpibatch: rank %d: malformed job information\n", rank);
        MPI_Abort (MPI_COMM_WORLD, 3);
    }
    buf_free (&info);

    /* Doorbells: every rank learns where the others listen. */
    run_doorbell = doorbell_open ();
    {
        struct { char host[256]; int port; } me, *all = NULL;
        memset (&me, 0, sizeof (me));
        gethostname (me.host, sizeof (me.host) - 1);
        me.port = doorbell_port (run_doorbell);
        if (size > 1 && (all = calloc ((size_t)size, sizeof (*all)))) {
            MPI_Allgather (&me, (int)sizeof (me), MPI_BYTE, all, (int)sizeof (me), MPI_BYTE,
                           MPI_COMM_WORLD);
            for (int r = 0; r < size; r++)
                if (r != rank && (rank == 0 || r == 0))
                    doorbell_peer (run_doorbell, r, all[r].host, all[r].port);
        }
        free (all);
    }

    /* Size this rank's share of its node. */
    int k = -1, m = 0;
    if (node_split (rank, &k, &m) < 0) {
        fprintf (stderr, "mpibatch: rank %d: cannot find the ranks of this node\n", rank);
        MPI_Abort (MPI_COMM_WORLD, 3);
    }
    if (size == 1) {
        k = 0;
        m = 1;
    }
    char node[256] = "localhost";
    gethostname (node, sizeof (node) - 1);
    topo_share_t share;
    memset (&share, 0, sizeof (share));
    char sizing[512] = "";
    topo_t *topo = NULL;
    int fake = 0;
    if (k >= 0) {
        mb_error_t terr = { "" };
        if (!(topo = topo_load (&terr))
            || topo_share (topo, k, m, ji.slots_kind, ji.slots_per_worker,
                           ji.binding, &share, &terr) < 0
            || topo_share_gpus (topo, k, m, ji.gpus_per_worker, &share, &terr) < 0)
            snprintf (sizing, sizeof (sizing), "%s", terr.text);
        if (topo)
            fake = topo_is_fake (topo);
    }
    if (rank == 0)
        rc = service_main (&svc, size, l, &ji, &share, fake, node);
    else
        rc = worker_main (rank, l, &ji, &share, fake, node, sizing);

    /* A lost rank never reaches MPI_Finalize, and the others would wait
     * for it there forever: with everything written, leave through
     * MPI_Abort (rank 0) or at once (a worker that lost the service). */
    if ((rank == 0 && svc.lost > 0) || (rank != 0 && rc == 3)) {
        fflush (NULL);
        launcher_stop (l);
        if (rank == 0) {
            svc_destroy (&svc);
            MPI_Abort (MPI_COMM_WORLD, rc);
        }
        _exit (rc);
    }

    svc_destroy (&svc);
    topo_share_free (&share);
    topo_destroy (topo);
    jobinfo_free (&ji);
    doorbell_close (run_doorbell);
    run_doorbell = NULL;
    MPI_Finalize ();
    launcher_stop (l);
    free (o.set);
    return rc;
}
