/* poolstatus.h: POOLDIR/status.json, the pool's own summary of itself
 * (its workers and jobs), written by the pool and read by
 * `mpibatch status POOLDIR` and the bash completion.
 *
 * Format (one JSON object; times are UNIX seconds, null when not yet):
 *
 *   {"pool": ID, "host": H, "pid": P, "started": T, "updated": T,
 *    "state": "starting|running|shutting_down|draining|ended",
 *    "workers": [{"worker": N, "node": "n", "slots": S, "busy": B,
 *                 "joined": false, "alive": true}],
 *    "jobs": [{"id": "j", "state": "active", "priority": 0, "open": true,
 *              "state_dir": "/abs/dir",
 *              "counts": {"pending": 0, "ready": 0, "running": 0,
 *                         "succeeded": 0, "failed": 0, "skipped": 0,
 *                         "cancelled": 0},
 *              "submitted": T, "started": T|null, "ended": T|null}],
 *    "allocations": [...]}      (only when the pool has an allocator)
 *
 * The pool writes it whole to a temporary file and renames it over the
 * old one, so a reader sees either the old or the new file, never a
 * mixture.  A reader accepts keys it does not know (a newer pool). */
#ifndef MB_POOLSTATUS_H
#define MB_POOLSTATUS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

/* The largest status.json a reader takes (a pool of 100,000 jobs fits). */
#define POOLSTATUS_MAX (64L << 20)

/* Task counts of a job, in this order in "counts". */
enum {
    PS_PENDING = 0, PS_READY, PS_RUNNING, PS_SUCCEEDED, PS_FAILED, PS_SKIPPED,
    PS_CANCELLED, PS_NCOUNTS,
};
/* "pending", "ready", ... ; NULL outside 0..PS_NCOUNTS-1. */
const char *poolstatus_count_name (int k);

typedef struct {
    int worker;          /* the worker's number (its rank, or beyond for joined ones) */
    char *node;          /* its node's name */
    int slots, busy;
    int joined;          /* came with `mpibatch worker` */
    int alive;           /* 0: gone (left, or died) */
} poolstatus_worker_t;

typedef struct {
    char *id;
    char *state;         /* active, succeeded, failed, terminated, cancelled, interrupted */
    int priority;        /* -1000..1000 */
    int open;
    char *state_dir;     /* absolute */
    uint64_t counts[PS_NCOUNTS];
    double submitted;
    double started, ended;   /* NAN: null (not yet) */
} poolstatus_job_t;

/* The whole file.  The writer reads it and frees nothing: the pool may
 * point the strings and arrays at its own memory.  poolstatus_parse()
 * fills it with malloc'd memory that poolstatus_free() releases. */
typedef struct {
    char *pool;          /* the pool's id */
    char *host;
    long pid;
    double started, updated;
    char *state;         /* starting, running, shutting_down, draining, ended */
    size_t nworkers;
    poolstatus_worker_t *workers;
    size_t njobs;
    poolstatus_job_t *jobs;
    /* Written only: a JSON array written as is under "allocations" (the
     * pool's automatic allocations, runtime/alloc's alloc_status_json);
     * NULL leaves the key out.  The parser skips it as any key it does
     * not know (`mpibatch status` reads the allocations from alloc.jnl). */
    const char *allocations;
} poolstatus_t;

/* Write st as dir/status.json: to dir/.status.json.<pid>.tmp first, then
 * renamed over status.json (atomic for readers; not fsync'ed: the file
 * is a summary the pool rewrites, not a record).  Strings are written
 * escaped; NAN times as null.  0, or -1 with errno and err (nothing is
 * left behind). */
int poolstatus_write (const char *dir, const poolstatus_t *st, mb_error_t *err);

/* Parse a status file's bytes (name is used in messages, "NAME:LINE:
 * what"): valid JSON, the keys above with their types ("pool", "state",
 * "updated", "workers", "jobs" and each job's "id", "state" and
 * "state_dir" required; others default to 0 / NAN / false).  Any bytes
 * are safe: a torn or hostile file gets a message, never a crash.
 * 0 with *st filled (caller poolstatus_free()s it), or -1 with err
 * (errno EINVAL, or ENOMEM) and *st left empty. */
int poolstatus_parse (const char *name, const char *data, size_t len, poolstatus_t *st,
                      mb_error_t *err);

/* Read and parse dir/status.json.  When raw is not NULL the file's bytes
 * are appended there (for `status --json`, which prints them as they
 * are).  0, or -1 with err (errno ENOENT: there is no status.json). */
int poolstatus_load (const char *dir, poolstatus_t *st, buf_t *raw, mb_error_t *err);

/* The job with this id, or NULL.  Valid while st is. */
const poolstatus_job_t *poolstatus_find (const poolstatus_t *st, const char *id);

/* Free what poolstatus_parse() allocated and zero *st.  NULL ok. */
void poolstatus_free (poolstatus_t *st);

#endif
