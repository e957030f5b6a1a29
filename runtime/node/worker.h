/* worker.h: a worker's share of its node and the attempts it runs.  No
 * MPI here: a worker rank drives it from MPI messages, and rank 0 drives a
 * local one directly when it runs alone (singleton mode). */
#ifndef MB_WORKER_H
#define MB_WORKER_H

#include "common/buf.h"
#include "common/err.h"
#include "runtime/launcher/launch.h"
#include "runtime/node/proto.h"
#include "runtime/node/topo.h"

typedef struct worker worker_t;

/* Create a worker of MPI rank `rank` on node `node` with its share of the
 * node.  The launcher, jobinfo and share are borrowed and must outlive the
 * worker.  fake != 0: the topology is simulated, so nothing is bound.
 * Makes the node's directories.  NULL with err on failure. */
worker_t *worker_create (launcher_t *l, const jobinfo_t *ji, const topo_share_t *share,
                         int fake, int rank, const char *node, mb_error_t *err);
void worker_destroy (worker_t *w);

/* Start the attempts of an ASSIGN batch.  Attempts that cannot be started
 * at all produce an immediate result (read by worker_collect).  A
 * one-instance task without GPUs that finds too few free slots waits, in
 * the order it came, and starts as soon as finished attempts free them
 * (in worker_collect, before the service hears of the end): the service
 * sends one such task ahead of a full worker's next free slot.  0 or -1
 * (malformed batch). */
int worker_assign (worker_t *w, const void *msg, size_t len);

/* A JOB message (TAG_JOB): keep the job's information for its attempts
 * (ASSIGN items that name it); a job number told again replaces the
 * earlier one.  0, or -1 with err (malformed, ENOMEM, a node_root too
 * deep): attempts of a job the worker does not know are given back
 * interrupted. */
int worker_job (worker_t *w, const void *msg, size_t len, mb_error_t *err);
/* How many jobs the worker was told of (besides the boot one). */
int worker_njobs (const worker_t *w);

/* Answer every waiting attempt of job (its number in ASSIGN, 0 for a
 * run's) as interrupted, without starting it (on_task_failure = stop);
 * other jobs' waiting attempts stay, in their order.  Results are read by
 * worker_collect. */
void worker_unqueue (worker_t *w, uint32_t job);

/* Withdraw the waiting attempts and interrupt every running one (drain). */
void worker_interrupt_all (worker_t *w);
/* `mpibatch cancel`: withdraw the attempts of task (the service's index)
 * not started yet, and interrupt those running (SIGTERM, then SIGKILL
 * after the grace period).  Their results come back interrupted.  A
 * node's preparation or release is never one of them, whatever its index. */
void worker_cancel (worker_t *w, uint32_t task);

/* Append the results of finished attempts to `out` as result items and
 * return how many were added (0 when none), or -1 when the launcher died. */
int worker_collect (worker_t *w, buf_t *out);

/* The launcher's descriptor, to poll for finished attempts. */
int worker_fd (const worker_t *w);

#endif
