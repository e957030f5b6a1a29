/* boot.c: the start and end of a rank of `mpibatch run`: the launcher, MPI,
 * the job shared by rank 0, doorbells, this rank's share of its node, then
 * the service (rank 0) or the worker loop. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/rank/comm.h"
#include "runtime/rank/rank.h"

int rank_early (void) { return comm_early_rank (); }

/* Every rank learns its node's workers: ranks on the same node (shared
 * memory domain), rank 0 excluded.  Sets *k (this rank's place among
 * them, -1 for rank 0) and *m (how many). */
static int node_split (int rank, int *k, int *m)
{
    int *ranks, n;
    if (comm_node_ranks (&ranks, &n) < 0)
        return -1;
    *k = -1;
    *m = 0;
    for (int i = 0; i < n; i++) {
        if (ranks[i] == 0)
            continue;
        if (ranks[i] == rank)
            *k = *m;
        (*m)++;
    }
    free (ranks);
    return 0;
}

/* A failure of MPI during the bootstrap: nothing sensible is left to do
 * but end every rank. */
static void boot_fail (int rank, const char *what)
{
    fprintf (stderr, "mpibatch: rank %d: %s: %s\n", rank, what, comm_error ());
    comm_abort (3);
}

/* Doorbells: every rank learns where the others listen.  Rank 0 rings
 * the workers and each worker rank 0, so only those are kept. */
static void share_doorbells (int rank, int size)
{
    struct { char host[256]; int port; } me, *all = NULL;
    memset (&me, 0, sizeof (me));
    gethostname (me.host, sizeof (me.host) - 1);
    me.port = doorbell_port (run_doorbell);
    if (size <= 1)
        return;
    if (!(all = calloc ((size_t)size, sizeof (*all)))) {
        errno = ENOMEM;
        boot_fail (rank, "out of memory");
    }
    if (comm_allgather (&me, sizeof (me), all) < 0)
        boot_fail (rank, "cannot share the doorbells");
    for (int r = 0; r < size; r++)
        if (r != rank && (rank == 0 || r == 0))
            doorbell_peer (run_doorbell, r, all[r].host, all[r].port);
    free (all);
}

void rank_size_share (const jobinfo_t *ji, int k, int m, topo_t **topo, topo_share_t *share,
                      int *fake, char *sizing, size_t len)
{
    mb_error_t terr = { "" };
    if (!(*topo = topo_load (&terr))
        || topo_share (*topo, k, m, ji->slots_kind, ji->slots_per_worker, ji->binding, share,
                       &terr) < 0
        || topo_share_gpus (*topo, k, m, ji->gpus_per_worker, share, &terr) < 0)
        snprintf (sizing, len, "%s", terr.text);
    if (*topo)
        *fake = topo_is_fake (*topo);
}

int rank_run (run_opts_t *o)
{
    /* The launcher must be forked before MPI starts: forking an MPI
     * process is fragile on RDMA networks. */
    mb_error_t err = { "" };
    launcher_t *l = launcher_start (&err);
    if (!l) {
        fprintf (stderr, "mpibatch: cannot start the launcher: %s\n", err.text);
        return 3;
    }
    int rank = 0, size = 1;
    /* Only a service that accepts joining workers needs an accept
     * thread, so only its MPI runs with MPI_THREAD_MULTIPLE. */
    int threaded = o->accept_workers && comm_early_rank () == 0;
    if ((threaded ? comm_init_threaded (&rank, &size) : comm_init (&rank, &size)) < 0) {
        fprintf (stderr, "mpibatch: cannot start MPI: %s\n", comm_error ());
        launcher_stop (l);
        return 3;
    }
    run_signals_install ();

    /* Rank 0 loads the job and opens the state directory; everyone learns
     * whether to go on, and then what the workers need of the job. */
    service_t *svc = NULL;
    int go = 0, rc;
    buf_t info = { 0 };
    if (rank == 0) {
        if (!(svc = service_create (o))) {
            fprintf (stderr, "mpibatch: out of memory\n");
            go = 3;
        }
        else if ((go = o->pool_dir ? service_open_pool (svc) : service_open_state (svc, &err))
                     == 0
                 && service_jobinfo (svc, size > 1 ? size - 1 : 1, &info) < 0) {
            fprintf (stderr, "mpibatch: out of memory\n");
            go = 3;
        }
    }
    if (comm_bcast (&go, sizeof (go), 0) < 0)
        boot_fail (rank, "cannot share the job");
    if (go != 0) {
        service_destroy (svc);
        buf_free (&info);
        if (comm_finalize () < 0)
            fprintf (stderr, "mpibatch: rank %d: %s\n", rank, comm_error ());
        launcher_stop (l);
        return go;
    }
    unsigned long len = info.len;
    if (comm_bcast (&len, sizeof (len), 0) < 0)
        boot_fail (rank, "cannot share the job");
    if (rank != 0) {
        if (buf_reserve (&info, len) < 0)
            boot_fail (rank, "out of memory for the job");
        info.len = len;
    }
    if (comm_bcast (info.data, len, 0) < 0)
        boot_fail (rank, "cannot share the job");
    jobinfo_t ji;
    if (jobinfo_unpack (info.data, info.len, &ji) < 0) {
        fprintf (stderr, "mpibatch: rank %d: malformed job information\n", rank);
        comm_abort (3);
    }
    buf_free (&info);

    run_doorbell = doorbell_open ();
    comm_set_doorbell (run_doorbell);
    share_doorbells (rank, size);

    /* Size this rank's share of its node. */
    int k = -1, m = 0;
    if (node_split (rank, &k, &m) < 0)
        boot_fail (rank, "cannot find the ranks of this node");
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
    if (k >= 0)
        rank_size_share (&ji, k, m, &topo, &share, &fake, sizing, sizeof (sizing));
    if (rank == 0)
        rc = service_main (svc, size, l, &ji, &share, fake, node);
    else
        rc = worker_main (rank, l, &ji, &share, fake, node, sizing, NULL);

    /* A lost rank never reaches MPI_Finalize, and the others would wait
     * for it there forever: with everything written, rank 0 ends the run
     * for every rank, and a worker that lost the service leaves at once. */
    if ((rank == 0 && service_lost_workers (svc) > 0) || (rank != 0 && rc == 3)) {
        fflush (NULL);
        launcher_stop (l);
        if (rank == 0) {
            service_destroy (svc);
            comm_abort (rc);
        }
        _exit (rc);
    }

    service_destroy (svc);
    topo_share_free (&share);
    topo_destroy (topo);
    jobinfo_free (&ji);
    if (comm_finalize () < 0 && rc == 0) {
        fprintf (stderr, "mpibatch: rank %d: %s\n", rank, comm_error ());
        rc = 3;
    }
    comm_set_doorbell (NULL);
    doorbell_close (run_doorbell);
    run_doorbell = NULL;
    launcher_stop (l);
    return rc;
}
