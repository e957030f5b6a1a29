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
/* comm_init for a process that accepts joining workers: MPI with
 * MPI_THREAD_MULTIPLE, so an accept thread can wait in MPI_Comm_accept
 * while the service goes on.  Only the service of a pool (or of a run
 * that accepts workers) uses it; every other rank keeps plain MPI_Init.
 * 0 or -1 (also when MPI cannot give THREAD_MULTIPLE). */
int comm_init_threaded (int *rank, int *size);
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
/* Ring doorbell peer `id` (doorbell_peer) after each message to ep, a
 * peer of another communicator (a joined group; world peers are rung by
 * their rank). */
void comm_ep_set_bell (comm_ep_t *ep, int id);
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

/* ---- Workers that join: MPI dynamic processes ----
 *
 * A running service opens an MPI port and publishes its name in a file
 * (comm_join_open); other mpiruns connect to it (comm_join_connect).  Each
 * connected job is a group: an intercommunicator whose remote ranks are
 * endpoints like the ranks started together, so the code that talks to
 * workers does not change.  With Open MPI 4.x every mpirun involved must
 * name the same running ompi-server (`mpirun --ompi-server file:URIFILE`);
 * its ranks then see OMPI_MCA_pmix_server_uri. */
typedef struct comm_group comm_group_t;

/* Whether this process can take part in joining: 1, or 0 with why[] (how
 * to start an ompi-server and name it). */
int comm_join_possible (char *why, size_t len);
/* The ompi-server URI this process's mpirun named (the value after
 * "file:" when it is a file), or NULL. */
const char *comm_join_server_uri (void);

/* Open a port, write its name to `portfile` (a temporary name, then
 * rename) and start the accept thread.  Needs comm_init_threaded.  0 or
 * -1. */
int comm_join_open (const char *portfile);
/* Accepts that failed since the last call (a group that died while it
 * connected, a broken port), with the last one's error in comm_error();
 * *stopped: accepting stopped after repeated failures.  0 when none. */
int comm_join_failures (int *stopped);
/* The next group that connected since, or NULL.  Its endpoints are not
 * looked at by comm_recv(NULL, ...) until comm_group_admit.  The group is
 * comm's, valid until comm_group_drop/comm_group_leave or comm_finalize. */
comm_group_t *comm_join_take (void);
/* Stop accepting: the port is closed and the port file removed.  The
 * accept thread stays in MPI_Comm_accept (nothing in Open MPI 4.1 wakes
 * it) and ends with the process.  Groups already taken stay.  0 or -1. */
int comm_join_close (void);

/* A joining job: connect every rank of MPI_COMM_WORLD (collective) to the
 * port named in `portfile`, waiting up to `timeout` seconds for the file
 * to appear.  root_ok (rank 0's value counts): rank 0 holds the group's
 * turn to connect; 0 makes every rank return -1 (ECANCELED) without
 * connecting.  *svc: the service's endpoint (remote rank 0).  0 or -1. */
int comm_join_connect (const char *portfile, double timeout, int root_ok, comm_ep_t **svc);

int comm_group_size (const comm_group_t *g);
/* Endpoint of remote rank i of the group (comm's; NULL if out of range). */
comm_ep_t *comm_group_ep (comm_group_t *g, int i);
/* The group of an endpoint, NULL for the ranks started together. */
comm_group_t *comm_ep_group (const comm_ep_t *ep);
/* From now on comm_recv(NULL, ...) receives from the group too. */
void comm_group_admit (comm_group_t *g);
/* A group that left cleanly: MPI_Comm_disconnect (its side disconnects
 * too).  A group that died: comm_group_drop frees the communicator
 * locally and forgets its endpoints (posts to them are kept until
 * comm_finalize); it calls nothing that waits for the dead peers. */
int comm_group_leave (comm_group_t *g);
void comm_group_drop (comm_group_t *g);
/* The joiner's side, after the service said goodbye: disconnect from
 * the service (svc: comm_join_connect's endpoint).  0 or -1. */
int comm_join_disconnect (comm_ep_t *svc);

#endif
