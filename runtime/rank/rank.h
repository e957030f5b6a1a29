/* run.h: the parts of `mpibatch run` shared by rank 0 and the workers:
 * signals, waiting without spinning, and the two main loops. */
#ifndef MB_RUN_H
#define MB_RUN_H

#include <signal.h>

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

/* MPI_Send of n bytes to rank `dest`, with the doorbell rung after it and,
 * for a message above the eager size, before it too: such a send waits
 * until the receiver looks at MPI, which the early ring makes it do. */
void run_send (const void *p, size_t n, int dest, int tag);

/* The doorbell of this rank (NULL when UDP is not available). */
extern doorbell_t *run_doorbell;

/* The service on rank 0.  Returns the exit code. */
int service_main (service_t *svc, int nranks, launcher_t *l, const jobinfo_t *ji,
                  const topo_share_t *share, int fake, const char *node);

/* A worker rank.  Returns the exit code. */
int worker_main (int rank, launcher_t *l, const jobinfo_t *ji,
                 const topo_share_t *share, int fake, const char *node,
                 const char *sizing_error);

#endif
