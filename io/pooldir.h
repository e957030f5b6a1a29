/* pooldir.h: a pool's directory: the filesystem transport of pool
 * requests (spec/pools.md), both the pool's side and the client's.
 *
 * Layout of POOLDIR (created 0700; refused when it is a symlink, owned by
 * another user, or writable by group or others):
 *
 *   pool.lock     held by the running pool with a write lock (open file
 *                 description lock, fcntl) for its whole life; a client
 *                 asks with F_GETLK whether a pool runs
 *   join.lock     held by the rank 0 of a group of workers while it
 *                 connects (pooldir_join_lock): one group joins at a time
 *   pool.info     "host H\npid P\nstarted T\n"; its mtime is refreshed
 *                 every few seconds: when the pool was last seen
 *   requests/     a client writes requests/.tmp.<host>.<pid>.<n>, fsyncs
 *                 it and renames it to requests/<time>-<host>-<pid>-<n>.req
 *   answers/      the pool answers the same way: answers/<name>.ans for
 *                 requests/<name>.req (written to answers/.tmp.* first)
 *   refused/      requests refused unread (another owner, a symlink, not
 *                 a regular file), moved aside as evidence
 *   accepted.jnl  every accepted request, whole, with its answer, in
 *                 acceptance order: framed records (u32 length, u32
 *                 crc32c, payload), fdatasync'ed before the answer is
 *                 written; a torn tail is cut at open as io/journal.c does.
 *                 `--resume` replays it; a request still in requests/ whose
 *                 name is recorded (the pool died between the record and
 *                 the unlink) is answered again from the record, not run
 *                 twice.
 *
 * Request format (a text header, then counted bytes; all the header's
 * values escaped: \\ for a backslash, \n for a newline, \r for a CR):
 *
 *   mpibatch-request 1
 *   op submit|add|close|cancel|priority|shutdown|alloc-add|alloc-remove
 *   job ID                 add, close, cancel, priority
 *   file PATH              submit, add: the file's absolute path (its
 *                          directory for relative paths; FILE of messages)
 *   set KEY=VALUE          submit, repeatable
 *   priority N             submit (optional), priority (required)
 *   open 1 | wait 1        submit
 *   lines 1                add: the body is one command per line
 *   prefix P               add --lines: ids P<line>
 *   first_line N           add --lines: number of the body's first line
 *   task ID|PATTERN        cancel, repeatable (none: the whole job)
 *   drain 1                shutdown
 *   backend slurm          alloc-add (required)
 *   time_limit S           alloc-add: seconds (optional)
 *   nodes N                alloc-add: nodes per allocation (optional)
 *   max_allocations N      alloc-add (optional)
 *   idle_timeout S         alloc-add: seconds (optional)
 *   arg A                  alloc-add: an sbatch argument, repeatable
 *   queue N                alloc-remove: the queue's id (required)
 *   map LINE FLINE PATH    submit: body lines from LINE on come from PATH
 *                          at FLINE (the client inlines @include files)
 *   user NAME, host H, pid P, time T     who sent it (for the log only)
 *   attach N PATH          then N bytes and a newline: a data file
 *                          (command_file, table) read from memory
 *   body N                 then N bytes and a newline: the job file's text
 *                          (submit) or the fragment / lines (add)
 *   end
 *
 * Answer format: "mpibatch-answer 1", "status accepted|refused",
 * "job ID", "count N", "prefix P", "text T" (escaped), "end". */
#ifndef MB_POOLDIR_H
#define MB_POOLDIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/err.h"
#include "io/jobfile.h"

/* Limits: a request is read whole, at most 64 MiB (a job file's limit);
 * a header value at most 1 MiB (a job-file string's). */
#define POOL_REQ_MAX (64L << 20)
#define POOL_REQ_STRING_MAX (1L << 20)

enum pool_op {
    POOL_OP_SUBMIT = 1,
    POOL_OP_ADD,
    POOL_OP_CLOSE,
    POOL_OP_CANCEL,
    POOL_OP_PRIORITY,
    POOL_OP_SHUTDOWN,
    POOL_OP_ALLOC_ADD,        /* runtime/alloc: a queue of Slurm allocations */
    POOL_OP_ALLOC_REMOVE,
    POOL_OP_LAST = POOL_OP_ALLOC_REMOVE,
};

/* One request, decoded.  Every pointer is owned by the request and valid
 * until pool_req_destroy().  Fields an op does not use are 0 / NULL. */
typedef struct {
    int op;                   /* enum pool_op */
    char *name;               /* file name, "<...>.req" (server side) */
    uint64_t seq;             /* 1, 2, ... in acceptance order; 0 = not accepted */
    double accepted_time;     /* UNIX time of acceptance (replay), else 0 */
    char *job;                /* add, close, cancel, priority: the job id */
    char *file;               /* submit, add: the original absolute path */
    int nset;
    char **set;               /* submit: --set KEY=VALUE */
    int has_priority;
    int priority;             /* -1000..1000 */
    int open;                 /* submit --open */
    int wait;                 /* submit --wait (the client waits; informational) */
    int lines;                /* add --lines */
    char *prefix;             /* add: ids <prefix><line>; NULL: the pool's choice */
    unsigned first_line;      /* add --lines: line number of the body's first line */
    int ntasks;
    char **tasks;             /* cancel: task ids or patterns; none = the job */
    int drain;                /* shutdown --drain */
    char *backend;            /* alloc-add: "slurm" */
    double time_limit;        /* alloc-add: seconds, 0 = not given */
    int nodes;                /* alloc-add: 0 = not given */
    int max_allocations;      /* alloc-add: 0 = not given */
    double idle_timeout;      /* alloc-add: seconds, 0 = not given */
    int nargs;
    char **args;              /* alloc-add: sbatch arguments */
    int queue;                /* alloc-remove: the queue id (>= 1) */
    char *user, *host;        /* sender, for the log */
    long pid;
    double time;              /* when the client wrote it */
    char *body;               /* NUL-terminated copy; body_len bytes */
    size_t body_len;
    int nfiles;
    jobfile_mem_t *files;     /* attachments (path/data owned by the request) */
    int nmap;                 /* submit: line map of inlined @include files */
    struct pool_map { unsigned line; char *path; unsigned fline; } *map;
} pool_req_t;

pool_req_t *pool_req_create (int op);
void pool_req_destroy (pool_req_t *r);

/* Append a value to a repeatable field (set, tasks, args), or an attachment /
 * a map entry (all copied).  0 or -1 (ENOMEM). */
int pool_req_add_set (pool_req_t *r, const char *kv);
int pool_req_add_task (pool_req_t *r, const char *id);
int pool_req_add_arg (pool_req_t *r, const char *arg);
int pool_req_attach (pool_req_t *r, const char *path, const char *data, size_t len);
int pool_req_add_map (pool_req_t *r, unsigned line, const char *path, unsigned fline);
/* Set the body (copied).  0 or -1. */
int pool_req_set_body (pool_req_t *r, const char *data, size_t len);

/* Encode r into out (appended).  0 or -1 (ENOMEM; EINVAL when a value is
 * over the limits). */
int pool_req_encode (const pool_req_t *r, buf_t *out);

/* Decode a request's bytes.  `name` is the file's name, used for
 * messages ("NAME:LINE: ...") and kept in ->name.  Returns the request or
 * NULL with the reasons in errs (errno EINVAL) or errno ENOMEM.  Never
 * reads past len; any bytes are safe. */
pool_req_t *pool_req_decode (const char *name, const char *data, size_t len, errlist_t *errs);

/* Submit: load the request's job file from its body, with its --set
 * values and attachments, the loader's limits and checks; errors name the
 * original files and lines (through the map).  Returns the job (caller
 * destroys) or NULL with errs / errno as jobfile_load(). */
jobfile_t *pool_req_job (const pool_req_t *r, errlist_t *errs);

/* Add: load the request's new tasks against job (the job's settings and
 * template variables): a fragment, or lines with ids <prefix><line>
 * (r->prefix, else default_prefix, e.g. "add3-line-").  Dependencies on
 * the job's earlier tasks are left to the caller (jobfile_load_fragment).
 * Returns the tasks (caller destroys) or NULL with errs / errno. */
jobfile_t *pool_req_tasks (const pool_req_t *r, const jobfile_t *job,
                           const char *default_prefix, errlist_t *errs);

const char *pool_op_name (int op);

/* An answer. */
enum { POOL_ACCEPTED = 0, POOL_REFUSED = 1 };
typedef struct {
    int status;          /* POOL_ACCEPTED / POOL_REFUSED */
    const char *job;     /* the job id (submit: the new job's), or NULL */
    int64_t count;       /* e.g. tasks added; -1 = none */
    const char *prefix;  /* add: the id prefix used, or NULL */
    const char *text;    /* a message, or the reasons (lines), or NULL */
} pool_answer_t;

/* ------------------------------------------------------------------ */
/* The pool's side                                                     */

typedef struct pooldir pooldir_t;

enum {
    POOLDIR_RESUME = 1,    /* keep accepted.jnl and replay it */
    POOLDIR_RESTART = 2,   /* discard accepted.jnl */
};

/* Log lines for a person (refused requests and why); arg as given. */
typedef void (*pooldir_log_f) (void *arg, const char *msg);

/* Open POOLDIR as its pool: create it 0700 (and requests/, answers/,
 * refused/) if needed, check its owner and mode, take pool.lock (a second
 * pool is refused: EBUSY, with the holder in err), write pool.info, open
 * accepted.jnl (cut a torn tail).  Without POOLDIR_RESUME a journal with
 * records is refused (EEXIST) unless POOLDIR_RESTART.  log may be NULL.
 * Returns the pool directory or NULL with errno and err. */
pooldir_t *pooldir_open (const char *dir, int flags, pooldir_log_f log, void *log_arg,
                         mb_error_t *err);
/* Release the lock and close (pool.info stays: "last seen").  NULL ok. */
void pooldir_close (pooldir_t *pd);

/* The turn of a group of workers joining the pool: Open MPI 4.1 pairs a
 * connect with an accept through the ompi-server by keys named after the
 * port, so two groups connecting to one port at once can take each
 * other's keys and neither joins.  Rank 0 of a joining group holds a
 * write lock on POOLDIR/join.lock while it connects (the kernel drops it
 * if the process dies).  Waits up to `timeout` seconds; the descriptor
 * holding the lock, or -1 (errno ETIMEDOUT when another group held it
 * all along) with err. */
int pooldir_join_lock (const char *dir, double timeout, mb_error_t *err);
void pooldir_join_unlock (int fd);

/* The accepted requests of earlier pools (POOLDIR_RESUME), in order: cb
 * is called with each (decoded; seq and accepted_time set; valid during
 * the call only); a non-zero return stops and is returned.  A record that
 * does not decode is skipped and logged.  0, cb's value, or -1 (err). */
typedef int (*pooldir_replay_f) (void *arg, const pool_req_t *req);
int pooldir_replay (pooldir_t *pd, pooldir_replay_f cb, void *arg, mb_error_t *err);

/* A descriptor to poll for reading (inotify on requests/), or -1 when the
 * filesystem gives none; and the milliseconds until pooldir_next() wants
 * to look again anyway (the 1 s polling that finds requests written from
 * other nodes, and the pool.info heartbeat).  Poll with both.  No inotify
 * either when the environment has MPIBATCH_POOL_INOTIFY=0 at pooldir_open. */
int pooldir_fd (const pooldir_t *pd);
int pooldir_timeout_ms (pooldir_t *pd);
/* Change the polling interval (default 1.0 s). */
void pooldir_set_interval (pooldir_t *pd, double seconds);

/* The next request to act on.  Scans requests/ when the inotify
 * descriptor has events or the interval has passed (one readdir; nothing
 * else while idle), refreshes pool.info's mtime every 5 s.  Files that are
 * not regular, are symlinks or belong to another user are moved to
 * refused/ unread and logged; requests that do not decode are answered
 * refused (with their FILE:LINE reasons) and removed.  Returns 1 with
 * *req (caller must pooldir_accept() or pooldir_refuse() it, then
 * pool_req_destroy() it), 0 when nothing waits, -1 on a system error (err). */
int pooldir_next (pooldir_t *pd, pool_req_t **req, mb_error_t *err);

/* Accept req: record it (request and answer) in accepted.jnl and
 * fdatasync, then write the answer (status forced to POOL_ACCEPTED) and
 * remove the request file.  Sets req->seq.  0, or -1 (err) when it could
 * not be recorded: then it is not accepted (refuse it). */
int pooldir_accept (pooldir_t *pd, pool_req_t *req, const pool_answer_t *ans, mb_error_t *err);

/* Refuse req: answer it (status forced to POOL_REFUSED, text the reason)
 * and remove the request file.  0 or -1 (err). */
int pooldir_refuse (pooldir_t *pd, pool_req_t *req, const char *reason, mb_error_t *err);

/* Counters, for tests and the service's status. */
typedef struct {
    uint64_t scans;          /* readdir passes */
    uint64_t accepted, refused, refused_unread;
} pooldir_stats_t;
void pooldir_stats (const pooldir_t *pd, pooldir_stats_t *st);

/* ------------------------------------------------------------------ */
/* The client's side                                                   */

/* Is a pool running in dir?  1 yes, 0 no (then `why` says so and when
 * the pool was last seen, from pool.info), -1 on error (errno). */
int pooldir_probe (const char *dir, char *why, size_t len);

/* Read dir/accepted.jnl as pooldir_replay() does, without taking the
 * pool's lock or writing anything (a pool may be running): cb with each
 * accepted request in order; a torn tail ends the walk.  0, cb's value,
 * or -1 (err; errno ENOENT when there is no record). */
int pooldir_read_accepted (const char *dir, pooldir_replay_f cb, void *arg, mb_error_t *err);

/* Write a request into dir/requests (temporary name, fsync, rename).
 * The file's name (".req" included) goes to name (at least 256 bytes).
 * 0 or -1 (err). */
int pooldir_send (const char *dir, const pool_req_t *req, char *name, size_t len,
                  mb_error_t *err);

/* Wait up to timeout seconds for the answer to request `name` (inotify
 * where it works, else polling every 50 ms), checking every second that
 * the pool still runs.  Returns 0 with *ans filled (strings malloc'd: free
 * with pool_answer_free), or -1 with errno ETIMEDOUT (no answer in time),
 * ESRCH (no pool runs any more) or another error, and err.  On timeout or
 * ESRCH the request file is withdrawn if the pool has not taken it. */
int pooldir_wait (const char *dir, const char *name, double timeout, pool_answer_t *ans,
                  mb_error_t *err);
void pool_answer_free (pool_answer_t *ans);

/* Decode an answer file's bytes (for pooldir_wait and tests).  0 or -1. */
int pool_answer_decode (const char *data, size_t len, pool_answer_t *ans);

#endif
