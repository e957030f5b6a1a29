/* alloc.h: automatic allocation (spec/pools.md "Automatic allocation"):
 * the pool submits Slurm jobs of joining workers while ready tasks wait
 * with no free slot, tracks them, and records every decision so that
 * `--resume` neither forgets nor duplicates an allocation.
 *
 * No MPI.  The decisions are pure (alloc_plan); the Slurm commands
 * (sbatch, squeue, scancel) are found on PATH, run without a shell with
 * their output captured and a time limit (alloc_run.c); the records are
 * POOLDIR/alloc.jnl (framed, checksummed, fsync'ed; alloc_jnl.c).
 *
 * Files in POOLDIR:
 *   alloc.jnl               the allocator's journal (its own authority on
 *                           resume: alloc-add/alloc-remove requests that
 *                           accepted.jnl also holds are NOT replayed)
 *   alloc/status            a text snapshot for `mpibatch alloc list`,
 *                           rewritten (tmp + rename) when something changed
 *   alloc/Q/N.sbatch        the job script of allocation N of queue Q
 *   alloc/Q/N.out           its output (Slurm's --output)
 *   ompi-server.uri         the rendezvous server's contact (alloc_ompi)
 *
 * The decision rule, per queue and tick (alloc_plan):
 *   - nothing while the queue is removed, the pool shuts down, or the
 *     queue backs off after a failed sbatch (5 s, doubling per failure,
 *     at most 300 s; reset by a success);
 *   - nothing when pending + running allocations of the queue reach its
 *     max_allocations;
 *   - nothing when every task that waits needs more time than the
 *     queue's allocations last (min_time_request > time_limit): their
 *     workers could take none of them;
 *   - submit one when tasks wait with no free slot and they outnumber
 *     what the allocations still pending (of all queues, those submitted
 *     earlier in this tick included) are expected to take:
 *         waiting > pending_all * nodes * slots_per_node
 *     (slots_per_node from the backlog, else ALLOC_GUESS_SLOTS), i.e. with
 *     nothing pending, one task waiting is enough; with one pending, only
 *     a backlog larger than it will absorb asks for another;
 *   - a pending allocation is cancelled when nothing has waited for the
 *     queue's idle_timeout (its workers would only join to leave);
 *   - running allocations are never cancelled: their workers leave on
 *     their own after idle_timeout without work.
 * At most one submission per queue per tick.
 *
 * The one window: a submission is journaled twice, an intent (queue,
 * sequence number, job name) fsync'ed BEFORE sbatch runs, and the job id
 * fsync'ed right after sbatch answers.  A crash between sbatch and the
 * second record leaves an intent without a job id: on resume squeue is
 * asked for the user's jobs and the job name (mbw-<pool token>-<queue>-
 * <seq>) finds the job; if squeue shows none, the allocation is recorded
 * ended (never submitted, or already gone) and the backlog decides anew.
 * Jobs carrying this pool's token that the journal does not know at all
 * (not possible through this code; a journal restored from a backup) are
 * adopted the same way. */
#ifndef MB_ALLOC_H
#define MB_ALLOC_H

#include <stddef.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/err.h"
#include "io/pooldir.h"

typedef struct alloc alloc_t;

enum alloc_state {
    ALLOC_SUBMITTING = 0,   /* intent journaled, no job id yet */
    ALLOC_PENDING,
    ALLOC_RUNNING,
    ALLOC_ENDED,
};

/* What a queue asks Slurm for.  Strings are copied by alloc_queue_add. */
typedef struct {
    double time_limit;        /* seconds; 0 = the partition's default */
    int nodes;                /* nodes per allocation (>= 1) */
    int max_allocations;      /* pending + running at most (>= 1) */
    double idle_timeout;      /* seconds: workers leave after this idle */
    int nargs;
    const char *const *args;  /* extra sbatch arguments, in order */
} alloc_params_t;

#define ALLOC_DEFAULT_MAX 4
#define ALLOC_DEFAULT_IDLE 300.0
#define ALLOC_GUESS_SLOTS 16
#define ALLOC_BACKOFF_MIN 5.0
#define ALLOC_BACKOFF_MAX 300.0
#define ALLOC_POLL_INTERVAL 5.0
#define ALLOC_CMD_TIMEOUT 30.0

/* The pool's backlog, handed to every tick. */
typedef struct {
    int waiting;              /* ready tasks that wait with no free slot */
    double max_time_request;  /* the largest time_request among them (s), 0 none */
    int slots_per_node;       /* slots a joined node is expected to bring; 0 unknown */
    double min_time_request;  /* the smallest (s); 0 when one of them has none */
} alloc_backlog_t;

enum { ALLOC_RESUME = 1 };

/* Open the allocator of the pool in pooldir (created by the pool's
 * pooldir_open: it exists and is the pool's).  With ALLOC_RESUME the
 * journal POOLDIR/alloc.jnl is replayed (a torn tail cut) and allocations
 * whose job id a crash lost are looked up by name in squeue (see above);
 * without it an existing journal is started anew (renamed alloc.jnl.old).
 * mpibatch is the absolute path of the program the workers run (NULL: this
 * process's own executable).  Returns the allocator (alloc_destroy) or
 * NULL with errno and err. */
alloc_t *alloc_create (const char *pooldir, const char *mpibatch, int flags, mb_error_t *err);
/* Load POOLDIR/alloc.jnl read-only (no lock, nothing written, no Slurm
 * command: a pool may be running), for `mpibatch alloc list`: only
 * alloc_status_json, alloc_counts and alloc_destroy make sense on it.
 * NULL with errno (ENOENT: no queue was ever added) and err. */
alloc_t *alloc_load (const char *pooldir, mb_error_t *err);
/* "submitting", "pending", "running", "ended". */
const char *alloc_state_name (int state);

/* Close the journal and free everything (no Slurm command runs: call
 * alloc_shutdown first).  NULL ok. */
void alloc_destroy (alloc_t *a);

/* Add a queue (journaled and fsync'ed).  Its id (1, 2, ...: never reused)
 * goes to *id.  0, or -1 with err (EINVAL: bad parameters, with the
 * reason; EIO: not recorded). */
int alloc_queue_add (alloc_t *a, const alloc_params_t *p, int *id, mb_error_t *err);
/* Remove a queue: no new submissions; its pending allocations are
 * cancelled (scancel), running ones go on until their workers leave.
 * 0, or -1 with err (ENOENT no such queue). */
int alloc_queue_remove (alloc_t *a, int id, mb_error_t *err);

/* Serve an alloc-add / alloc-remove request of the pool directory: the
 * service calls this for POOL_OP_ALLOC_ADD and POOL_OP_ALLOC_REMOVE and
 * then pooldir_accept()s with *ans (count = the queue id, text a message;
 * strings stay valid until the next call) or pooldir_refuse()s with
 * err->text.  The queue is recorded in alloc.jnl before this returns 0.
 * 0 accept, -1 refuse. */
int alloc_serve (alloc_t *a, const pool_req_t *req, pool_answer_t *ans, mb_error_t *err);

/* One pass of the allocator, called once per service loop pass (cheap
 * when there is nothing to do: no syscall unless a poll or a submission
 * is due; it looks at the backlog at most every 0.1 s and returns at once
 * in between).  now is mb_clock_mono().  May run squeue (at most every
 * ALLOC_POLL_INTERVAL s while allocations are not ended), sbatch (at most
 * one per queue), scancel; each blocks up to ALLOC_CMD_TIMEOUT s.
 * Returns the number of state changes (>0 when status output is worth
 * rewriting), or -1 with err on a failure to record (the journal: the
 * pool should stop submitting; the allocator already has). */
int alloc_tick (alloc_t *a, double now, const alloc_backlog_t *b, mb_error_t *err);

/* Milliseconds until alloc_tick has something to do on its own (a poll
 * or the end of a backoff); -1 when nothing (no queue). */
int alloc_timeout_ms (const alloc_t *a, double now);

/* Change how often squeue is asked (default ALLOC_POLL_INTERVAL) and how
 * long a Slurm command may take (default ALLOC_CMD_TIMEOUT), in seconds;
 * a value <= 0 keeps the current one.  For tests and small clusters. */
void alloc_set_timing (alloc_t *a, double poll_interval, double cmd_timeout);

/* The pool ends: no more submissions; scancel every pending allocation
 * (and the running ones too with cancel_running) and record them ended.
 * 0, or -1 with err when a scancel failed (the rest are still tried). */
int alloc_shutdown (alloc_t *a, int cancel_running, mb_error_t *err);

/* The allocations for status.json: appends a JSON array
 * [{"queue":1,"backend":"slurm","nodes":1,"time_limit":3600,
 *   "max_allocations":4,"removed":false,"backoff_until":null,
 *   "last_error":null,"allocations":[{"seq":1,"job_id":"123",
 *   "state":"running","submitted":T,"started":T|null,"ended":T|null}]}]
 * (times are UNIX times) to f.  0, or -1 when f has an error. */
int alloc_status_json (const alloc_t *a, FILE *f);

/* The queues and allocations as text for a person (`alloc list`), to f.
 * 0, or -1 when f has an error. */
int alloc_list_text (const alloc_t *a, FILE *f);

/* A warning for a person (e.g. tasks need more time than the queue's
 * allocations last), or NULL; valid until the next tick. */
const char *alloc_warning (const alloc_t *a);
/* The latest sbatch failure, for a person: "queue Q: REASON", or NULL
 * when none happened since alloc_create.  *count (if not NULL) is how
 * many failures there were in all, so a caller can tell a new one from
 * the one it already reported.  Valid until the next tick. */
const char *alloc_last_failure (const alloc_t *a, int *count);

/* ------------------------------------------------------------------ */
/* The pure part, for tests: what a tick would do, without doing it.   */

typedef struct {
    int kind;        /* ALLOC_ACT_SUBMIT (queue) or ALLOC_ACT_CANCEL (queue, seq) */
    int queue;
    int seq;
} alloc_action_t;
enum { ALLOC_ACT_SUBMIT = 1, ALLOC_ACT_CANCEL };

/* Fill acts (at most max) with what the rule above decides now.  Returns
 * the count.  Changes nothing but the "last time something waited" clock
 * of the queues. */
int alloc_plan (alloc_t *a, double now, const alloc_backlog_t *b, alloc_action_t *acts, int max);

/* Record what the commands said (also used by alloc_tick): a submission
 * of queue q accepted with job_id (returns its seq, or -1), refused with
 * a reason (backoff starts); a state seen for job_id (ALLOC_PENDING,
 * RUNNING or ENDED; unknown ids ignored).  Return -1 with err when the
 * journal could not be written. */
int alloc_record_submit (alloc_t *a, int q, const char *job_id, double now, mb_error_t *err);
int alloc_record_failure (alloc_t *a, int q, const char *reason, double now);
int alloc_record_state (alloc_t *a, const char *job_id, int state, mb_error_t *err);

/* Counts, for tests and status. */
typedef struct {
    int queues;
    int pending, running, ended, submitting;
    int submissions, failures, polls;
} alloc_counts_t;
void alloc_counts (const alloc_t *a, int q, alloc_counts_t *c);   /* q = 0: all queues */

/* The job name of allocation seq of queue q: "mbw-<token>-<q>-<seq>". */
void alloc_job_name (const alloc_t *a, int q, int seq, char *buf, size_t len);
/* The path of its job script (written at submission). */
void alloc_script_path (const alloc_t *a, int q, int seq, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* squeue's answer (alloc_slurm.c), exposed for its unit test.         */

/* Parse `squeue -h -o "%i|%T|%j"` output: for each well-formed line whose
 * name starts with prefix, cb (id, state, name).  Malformed lines are
 * skipped and counted.  Returns the number of skipped lines. */
typedef void (*alloc_squeue_f) (void *arg, const char *id, int state, const char *name);
int alloc_parse_squeue (const char *text, size_t len, const char *prefix, alloc_squeue_f cb,
                        void *arg);
/* A Slurm state word to enum alloc_state; -1 for a word we don't know. */
int alloc_slurm_state (const char *word);
/* A job id from `sbatch --parsable` output ("123" or "123;cluster"):
 * copied to buf; 0, or -1 when the output holds no job id. */
int alloc_parse_sbatch (const char *text, char *buf, size_t len);

/* Is the environment entry "NAME=VALUE" handed on to the Slurm commands
 * (alloc_run.c)?  Not what mpirun told this rank about its own MPI job
 * (PMIX_*, OMPI_COMM_WORLD_*, OMPI_MCA_orte_*, ...: the worker job's
 * mpirun would take itself for part of the pool's job), nor the pool's
 * own Slurm job's SLURM_* (SLURM_CONF is kept).  1 keep, 0 drop. */
int alloc_env_keep (const char *entry);

/* ------------------------------------------------------------------ */
/* ompi-server (alloc_ompi.c)                                         */

/* At the pool's start: when this process was started by an mpirun that
 * names a rendezvous server (OMPI_MCA_pmix_server_uri = "file:PATH" or
 * the URI itself), make POOLDIR/ompi-server.uri hold its contact (a copy,
 * written tmp + rename; not rewritten when it already names PATH itself).
 * Returns 1 when the file is there, 0 when this MPI needs none or none
 * was named (then nothing more is asked of the user), -1 with err. */
int alloc_ompi_server (const char *pooldir, mb_error_t *err);

/* The command a worker job runs, for the pool to print: "mpirun
 * --ompi-server file:POOLDIR/ompi-server.uri -n N MPIBATCH worker POOLDIR"
 * (no --ompi-server part when has_server is 0; N as given, or no -n when
 * n <= 0).  Shell-quoted where needed.  0 or -1 (ENOMEM). */
int alloc_worker_command (const char *pooldir, const char *mpibatch, int has_server, int n,
                          buf_t *out);

#endif
