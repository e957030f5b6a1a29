/* join.c: a rank of `mpibatch worker POOLDIR`: it connects its mpirun's
 * ranks to a running pool, gets the job's worker settings from the
 * service, sizes its share of its node and runs the worker loop with the
 * service reached through the intercommunicator. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "io/pooldir.h"
#include "runtime/rank/comm.h"
#include "runtime/rank/rank.h"

/* This rank's place among the ranks of its node (all of them are
 * workers: the service is elsewhere). */
static int node_place (int rank, int *k, int *m)
{
    int *ranks, n;
    if (comm_node_ranks (&ranks, &n) < 0)
        return -1;
    *k = 0;
    for (int i = 0; i < n; i++)
        if (ranks[i] == rank)
            *k = i;
    *m = n;
    free (ranks);
    return 0;
}

/* The job's worker settings, sent by the service once its loop has taken
 * the connection; given up after `wait` seconds (a loaded pool took
 * longer than a short heartbeat timeout, 3 s in tests). */
static int get_jobinfo (comm_ep_t *svc, jobinfo_t *ji, double wait)
{
    buf_t msg = { 0 };
    comm_msg_t m;
    double end = mb_clock_mono () + wait;
    int rc;
    while ((rc = comm_recv (svc, TAG_JOBINFO, &msg, &m, 0)) == 0 && mb_clock_mono () < end)
        run_wait (-1, -1, 20000);
    if (rc == 1 && jobinfo_unpack (msg.data, m.len, ji) < 0) {
        errno = EPROTO;
        rc = -1;
    }
    buf_free (&msg);
    return rc == 1 ? 0 : -1;
}

/* When this rank leaves: --deadline or Slurm's end, a margin before it
 * (MPIBATCH_DEADLINE_MARGIN, as the service drains), 0: never. */
static double leave_time (const join_opts_t *o)
{
    const char *e = getenv ("SLURM_JOB_END_TIME");
    double until = o->deadline;
    if (e && atof (e) > 0 && (!until || atof (e) < until))
        until = atof (e);
    if (until <= 0)
        return 0;
    const char *mv = getenv ("MPIBATCH_DEADLINE_MARGIN");
    char *end = NULL;
    double margin = mv && *mv ? strtod (mv, &end) : -1;
    if (!(mv && *mv && end && !*end && margin >= 0))
        margin = 15.0;
    return until - margin;
}

/* Ring the service's doorbell (POOLDIR/join.bell, "HOST PORT") after
 * each message to it; without the file the service is only polled. */
static void ring_service (const char *pooldir, comm_ep_t *svc)
{
    char path[4096], host[256];
    int port = 0;
    snprintf (path, sizeof (path), "%s/join.bell", pooldir);
    FILE *f = fopen (path, "r");
    if (!f)
        return;
    if (fscanf (f, "%255s %d", host, &port) == 2 && doorbell_peer (run_doorbell, 0, host, port) == 0)
        comm_ep_set_bell (svc, 0);
    fclose (f);
}

int rank_join (const join_opts_t *o)
{
    mb_error_t err = { "" };
    char portfile[4096], why[400];
    int early = comm_early_rank ();
    if (!comm_join_possible (why, sizeof (why))) {
        if (early == 0)
            fprintf (stderr, "mpibatch worker: %s\n", why);
        return 2;
    }
    snprintf (portfile, sizeof (portfile), "%s/join.port", o->pooldir);
    /* The launcher is forked before MPI starts, as for run.  It ignores the
     * SIGTERM mpirun sends to the rank's process group: this rank leaves
     * with its tasks requeued, then stops the launcher (exit 4). */
    launcher_t *l = launcher_start_flags (&err, LAUNCHER_KEEP_TERM);
    if (!l) {
        fprintf (stderr, "mpibatch worker: cannot start the launcher: %s\n", err.text);
        return 3;
    }
    int rank = 0, size = 1, rc = 3;
    if (comm_init (&rank, &size) < 0) {
        fprintf (stderr, "mpibatch worker: cannot start MPI: %s\n", comm_error ());
        launcher_stop (l);
        return 3;
    }
    run_signals_install ();
    run_doorbell = doorbell_open ();
    comm_set_doorbell (run_doorbell);
    comm_ep_t *svc = NULL;
    jobinfo_t ji;
    memset (&ji, 0, sizeof (ji));
    /* One group connects at a time (see pooldir_join_lock). */
    int turn = -1;
    if (rank == 0 && (turn = pooldir_join_lock (o->pooldir, o->connect_timeout, &err)) < 0)
        fprintf (stderr, "mpibatch worker: cannot join the pool in %s: %s\n", o->pooldir,
                 err.text);
    int joined = comm_join_connect (portfile, o->connect_timeout, turn >= 0, &svc);
    pooldir_join_unlock (turn);
    if (joined < 0) {
        if (rank == 0 && turn >= 0)
            fprintf (stderr, "mpibatch worker: cannot join the pool in %s: %s\n", o->pooldir,
                     comm_error ());
        goto out;
    }
    ring_service (o->pooldir, svc);
    double hbt = proto_heartbeat_timeout ();
    if (get_jobinfo (svc, &ji, o->connect_timeout > hbt ? o->connect_timeout : hbt) < 0) {
        fprintf (stderr, "mpibatch worker: rank %d: the pool sent no job information: %s\n",
                 rank, errno == EPROTO ? "malformed" : comm_error ());
        goto lost;
    }
    int k = 0, m = 1;
    if (node_place (rank, &k, &m) < 0) {
        fprintf (stderr, "mpibatch worker: rank %d: cannot find the ranks of this node: %s\n",
                 rank, comm_error ());
        goto lost;
    }
    char node[256] = "localhost";
    gethostname (node, sizeof (node) - 1);
    topo_share_t share;
    memset (&share, 0, sizeof (share));
    topo_t *topo = NULL;
    int fake = 0;
    char sizing[512] = "";
    rank_size_share (&ji, k, m, &topo, &share, &fake, sizing, sizeof (sizing));
    worker_join_t j = { svc, leave_time (o), o->idle_timeout };
    if (o->verbose > 0)
        fprintf (stderr, "mpibatch worker: rank %d on %s joined the pool in %s\n", rank, node,
                 o->pooldir);
    rc = worker_main (rank, l, &ji, &share, fake, node, sizing, &j);
    topo_share_free (&share);
    topo_destroy (topo);
    if (rc == 3)
        goto lost;
    if (comm_join_disconnect (svc) < 0)
        fprintf (stderr, "mpibatch worker: rank %d: %s\n", rank, comm_error ());
out:
    jobinfo_free (&ji);
    comm_set_doorbell (NULL);
    doorbell_close (run_doorbell);
    run_doorbell = NULL;
    if (comm_finalize () < 0 && rc != 3)
        fprintf (stderr, "mpibatch worker: rank %d: %s\n", rank, comm_error ());
    launcher_stop (l);
    return rc;
lost:
    /* Connected, and the service is gone or unusable: MPI_Finalize could
     * wait for it, so this rank leaves without it (the launcher kills its
     * tasks). */
    fflush (NULL);
    launcher_stop (l);
    _exit (3);
}

