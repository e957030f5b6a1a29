/* rank.h: the parts of `mpibatch run` shared by rank 0 and the workers:
 * the bootstrap, signals, waiting without spinning, the worker rank's
 * loop.  MPI itself is behind comm.h. */
#ifndef MB_RANK_H
#define MB_RANK_H

#include <signal.h>

#include "runtime/launcher/launch.h"
#include "runtime/node/proto.h"
#include "runtime/node/topo.h"
#include "runtime/node/worker.h"
#include "runtime/rank/comm.h"
#include "runtime/rank/doorbell.h"
#include "runtime/service/service.h"

/* Signals seen so far (set by the handlers). */
extern volatile sig_atomic_t run_sigint, run_sigterm, run_sigusr1;

/* Install the handlers; a byte is written to a self-pipe so a wait wakes
 * up.  Returns the pipe's read end, or -1. */
int run_signals_install (void);
int run_signal_fd (void);
void run_signal_drain_pipe (void);

/* Sleep until fd or fd2 (either may be -1) or the signal pipe is
 * readable, or `usec` microseconds pass.  Returns 1 if something is
 * readable. */
int run_wait (int fd, int fd2, long usec);

/* Pacing of a loop that probes MPI between sleeps.  A doorbell says a
 * message was sent, but it may still be in flight: look again soon (from
 * 50 us, doubling, for a few ms).  After work, look once more soon (a
 * second message may follow).  Otherwise sleep until a doorbell or fd
 * wakes the rank, at most `cap` us (the fallback when UDP is filtered):
 * a busy rank must not spin on the cores its tasks run on. */
typedef struct {
    long backoff;      /* the last sleep, us */
    int quick;         /* quick looks left */
    double idle_from;  /* when the loop last did nothing after work, 0: busy */
} run_pace_t;

/* After a pass of the loop that did (`active`) or did not do any work:
 * sleep as the pace says, woken by fd or the doorbell (drained here).  A
 * loop idle for more than a second sleeps up to 100 ms (or `cap` if
 * longer) between looks: an idle run costs next to no CPU. */
void run_pace (run_pace_t *p, int active, int fd, long cap);

/* The doorbell of this rank (NULL when UDP is not available). */
extern doorbell_t *run_doorbell;

/* Which rank this process will be, known before the run starts (0 when
 * no launcher says), so that only rank 0 prints option errors. */
int rank_early (void);

/* Run the job of `o` as this rank (boot.c): start the launcher and MPI,
 * load the job on rank 0 and share it, size this rank's share of its node,
 * and hand over to the service (rank 0) or the worker loop.  Returns the
 * exit code. */
int rank_run (run_opts_t *o);

/* A worker that joined a running service (`mpibatch worker`): how it
 * reaches the service and when it leaves. */
typedef struct {
    comm_ep_t *svc;        /* the service, through the intercommunicator */
    double end;            /* absolute UNIX time it leaves at (0: none) */
    double idle_timeout;   /* leave after this many seconds with no attempt (0: never) */
} worker_join_t;

/* A worker rank; join: NULL for a rank started with the service, else
 * how a joined one reaches it and leaves.  Returns the exit code (a
 * joined rank: 4 when it left with work, 0 when it left idle or the
 * service ended, 3 when the service was lost). */
int worker_main (int rank, launcher_t *l, const jobinfo_t *ji,
                 const topo_share_t *share, int fake, const char *node,
                 const char *sizing_error, const worker_join_t *join);

/* Size this rank's share of its node (the k-th of m workers there) as the
 * job says, from hwloc.  *topo (free with topo_destroy) and *share are
 * filled; a failure to size is put in sizing[] (the worker reports it in
 * its HELLO). */
void rank_size_share (const jobinfo_t *ji, int k, int m, topo_t **topo, topo_share_t *share,
                      int *fake, char *sizing, size_t len);

/* Options of `mpibatch worker POOLDIR`. */
typedef struct {
    const char *pooldir;
    double deadline;       /* absolute UNIX time, 0 none */
    double idle_timeout;   /* seconds, 0 never */
    double connect_timeout;/* seconds to wait for the pool's port file */
    int verbose;
} join_opts_t;

/* Run this rank as a worker joining the pool in o->pooldir (join.c).
 * Returns the exit code. */
int rank_join (const join_opts_t *o);

#endif
