/* comm.h: the one door to MPI.  Nothing else in mpibatch includes mpi.h.
 *
 * Every MPI return code is checked here and converted once: a failed call
 * returns -1 with errno set, and comm_error() holds the message (MPI's own
 * text, prefixed with the call).  Peers are named by endpoints, not by
 * bare ranks, so a peer reached through another communicator later is one
 * more endpoint to the caller.
 *
 * The service's sends never block: comm_post() starts a non-blocking send
 * and keeps the message until the peer took it; comm_progress() (called
 * from the service's loop) completes what has been taken.  What one
 * endpoint has not taken yet is bounded by MPIBATCH_SEND_CAP bytes
 * (default 256 MiB): above it, comm_post() fails with ENOBUFS and the
 * caller treats the peer as lost.  Messages are bytes; sizes must fit an
 * int. */
#ifndef MB_COMM_H
#define MB_COMM_H

#include <stddef.h>

#include "common/buf.h"
#include "runtime/rank/doorbell.h"

typedef struct comm_ep comm_ep_t;

/* The message of the last failed comm call (a static string, valid until
 * the next failed call). */
const char *comm_error (void);

/* Start MPI (errors are returned, not fatal) and learn this rank and the
 * number of ranks.  A process started by no launcher runs as an isolated
 * singleton.  0 or -1. */
int comm_init (int *rank, int *size);
/* Finish MPI.  Endpoints and messages still held are freed.  0 or -1. */
int comm_finalize (void);
/* End every rank of the run with `code`.  Does not return. */
void comm_abort (int code) __attribute__ ((noreturn));

/* The doorbell rung after each message (and before a large one).  NULL:
 * ring nothing. */
void comm_set_doorbell (doorbell_t *d);

/* Which rank this process will be, from the launcher's variables, before
 * comm_init (0 when unknown); and whether any launcher started it. */
int comm_early_rank (void);
int comm_launched (void);

/* Collectives over every rank, in bytes (the bootstrap).  0 or -1. */
int comm_bcast (void *p, size_t n, int root);
int comm_allgather (const void *in, size_t n, void *out);
/* The ranks sharing this node's memory, in rank order: a malloc'd array
 * of *n ranks (caller frees).  0 or -1. */
int comm_node_ranks (int **ranks, int *n);

/* The endpoint of rank `rank` of the ranks started together.  Owned by
 * comm, valid until comm_finalize.  NULL (EINVAL, ENOMEM) if out of
 * range. */
comm_ep_t *comm_world_ep (int rank);
/* The peer's rank in its communicator (for messages and the doorbell). */
int comm_ep_rank (const comm_ep_t *ep);
/* A pointer the caller attaches to an endpoint (comm never reads it). */
void comm_ep_set_data (comm_ep_t *ep, void *data);
void *comm_ep_data (const comm_ep_t *ep);

/* Send b's bytes to ep without waiting.  comm takes the bytes (b is left
 * empty for reuse, maybe with the buffer of a message sent before) and
 * frees them once sent or at comm_finalize.
 * `ring`: ring the peer's doorbell after the send (and before it too for
 * a message above the eager size, which waits for the peer to look).
 * 0 or -1: ENOBUFS when ep's unsent messages would pass the cap, EPIPE
 * when ep was lost, else an MPI failure; the message is dropped then. */
int comm_post (comm_ep_t *ep, int tag, buf_t *b, int ring);
/* The same with a copy of n bytes at p. */
int comm_post_copy (comm_ep_t *ep, int tag, const void *p, size_t n, int ring);
/* Complete the sends peers have taken.  Returns the number of messages
 * still unsent to endpoints not lost, or -1. */
int comm_progress (void);
/* Bytes posted to ep and not sent yet. */
size_t comm_ep_pending (const comm_ep_t *ep);
/* Give up on ep: what it was sent is no longer waited for and nothing
 * more is sent to it (a send that MPI may still read is kept until
 * comm_finalize). */
void comm_ep_lose (comm_ep_t *ep);
/* Progress until every endpoint not lost has taken its messages or
 * `seconds` passed.  Returns the messages still unsent, or -1. */
int comm_flush (double seconds);
/* The cap of unsent bytes per endpoint (MPIBATCH_SEND_CAP). */
size_t comm_send_cap (void);

/* A blocking send of n bytes (a worker to the service), with the doorbell
 * rung as comm_post does when `ring`.  0 or -1. */
int comm_send (comm_ep_t *ep, int tag, const void *p, size_t n, int ring);

/* A received message: who sent it, its tag and length (bytes in the
 * caller's buffer). */
typedef struct {
    comm_ep_t *from;
    int tag;
    size_t len;
} comm_msg_t;

/* Receive one message from `from` (NULL: any peer) with `tag` (-1: any)
 * into `into` (reset, then filled; its bytes stay the caller's).  `wait`:
 * block until one comes, else return at once.  Returns 1 with *m filled,
 * 0 when nothing is there (not waiting), -1 on failure. */
int comm_recv (comm_ep_t *from, int tag, buf_t *into, comm_msg_t *m, int wait);

#endif
