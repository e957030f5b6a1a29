/* attempt.h: private to the launcher (launch_loop.c, attempt.c, spare.c):
 * one task attempt and the steps the launcher takes it through.
 *
 * The launcher runs every attempt itself: it makes the task directory,
 * starts `/bin/sh -c COMMAND`, reaps it, enforces its limits and cleans up,
 * with no process of its own per attempt.  Only work that may block for
 * long (staging inputs or outputs, emptying an old task directory, copying
 * a large log to another filesystem, removing a tree the task left) runs
 * in a helper child forked for it, so that one large copy never delays the
 * starts, timeouts and results of the other attempts. */
#ifndef MB_ATTEMPT_H
#define MB_ATTEMPT_H

#include <limits.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "runtime/launcher/launch.h"

enum att_phase {
    ATT_STAGING = 0,   /* a helper empties the directory and stages inputs */
    ATT_RUNNING,       /* the task runs */
    ATT_FINISHING,     /* a helper publishes outputs, keeps logs, cleans up */
};

/* A finished attempt's directory, kept to be the next attempt's (spare.c):
 * moving a directory into place is one rename, where making one with its
 * wd/ and two log files and removing them afterwards are eight inode
 * operations, the most expensive system calls of a short task. */
typedef struct spare {
    struct spare *next;
    char path[PATH_MAX];       /* <parent>/.spare-<launcher pid>-<n> */
    int dir_fd, wd_fd;         /* open on the directory and on its wd/ */
    int log_fd[2];             /* its empty stdout.txt and stderr.txt */
    ino_t ino[3];              /* of stdout.txt, stderr.txt and wd/ */
    mode_t mode[2];            /* of the directory and wd/, as made */
} spare_t;

typedef struct spares spares_t;

typedef struct {
    uint64_t tag;
    int phase;                 /* enum att_phase */
    char *payload;             /* the SUBMIT payload; r's strings point into it */
    void *mem;                 /* r's arrays */
    launch_req_t r;
    launch_result_t res;
    char dir[PATH_MAX];        /* the task directory */
    char wd[PATH_MAX];
    char log_path[2][PATH_MAX];    /* dir/stdout.txt, dir/stderr.txt */
    int log_fd[2];
    int64_t log_size[2];       /* as of the last check, -1 unknown */
    ino_t log_ino[2];
    int log_gone[2];           /* the log left the task directory */
    spare_t *spare;            /* the recycled directory it runs in, or NULL */
    int ran;                   /* the task process was started */
    pid_t pid;                 /* the task (its process group too), 0 none */
    pid_t helper;              /* a helper child at work for it, 0 none */
    int helper_reaped;
    int helper_status;
    int has_msg;               /* the helper reported */
    int interrupted;           /* drained by the rank */
    int must_empty;            /* an old directory is in the way */
    double wall_at, kill_at, log_at;   /* mb_clock_mono() seconds; INFINITY: none */
} att_t;

/* The parent directory of path into out (PATH_MAX bytes): where spares
 * live beside task directories, and where logs go. */
void att_parent (const char *path, char *out);

/* A new attempt from a SUBMIT payload, which is copied.  NULL when out of
 * memory.  An undecodable request gives an attempt that is already over
 * (its reason says why). */
att_t *att_create (const char *payload, size_t n);

/* Free an attempt; closes its logs, drops its spare.  Accepts NULL. */
void att_destroy (att_t *a);

/* Make the task directory, or move a spare from `pool` into its place.
 * 0: ready to start, unless an old directory is in the way (must_empty is
 * then set: att_stage_in empties it, in a helper); -1: the attempt is
 * over, with the reason set. */
int att_prepare (att_t *a, spares_t *pool);

/* Empty the task directory if must_empty, then stage the inputs (in a
 * helper unless att_inputs_cheap).  0, or -1 with the outcome and reason
 * set. */
int att_stage_in (att_t *a);

/* 1 when staging the inputs takes a few system calls and no bulk copy, so
 * the launcher may do it itself: symbolic links, hard links on the same
 * filesystem, copies of small files (no globs, no directory trees). */
int att_inputs_cheap (const att_t *a);

/* Open the logs (unless a spare brought them), bind and start the task.
 * 0, or -1 with the reason set (the attempt then goes to its clean-up). */
int att_start (att_t *a, int devnull);

/* The task ended with wait status `status` and usage `ru`: kill what it
 * left in its group, read the logs' sizes, set the outcome. */
void att_ended (att_t *a, int status, const struct rusage *ru);

/* The outcome of an attempt that ends without its task having run to the
 * end of its own (interrupted before the start). */
void att_set_interrupted (att_t *a);

/* Act on the timers that are due at `now` (the wall clock limit, the kill
 * after the grace period, the log cap).  Returns when the next is due. */
double att_tick (att_t *a, double now);

/* Interrupt (drain): SIGTERM to the task's group, SIGKILL after the grace
 * period; the outcome is LAUNCH_INTERRUPTED. */
void att_interrupt (att_t *a);

/* The cheap part of the clean-up, done by the launcher itself: 0 when the
 * attempt is complete (its directory recycled into `pool` when clean), -1
 * when what is left (outputs, a large log to copy, a tree to remove) may
 * block and belongs to a helper running att_finish_rest. */
int att_finish_inline (att_t *a, spares_t *pool);

/* The whole rest of the clean-up, blocking (in a helper). */
void att_finish_rest (att_t *a);

/* Add formatted text to the reason. */
void att_reason (att_t *a, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Set the end time: a->res is the result. */
void att_close (att_t *a);

/* Write a result record on the helpers' pipe (one write, atomic). */
void att_report (int fd, const launch_result_t *res);

/* ---- spare.c: recycled task directories ------------------------------ */

/* The spares of one launcher.  Only directories with one parent (the job's
 * tasks/ directory on this node) are kept. */
spares_t *spares_create (void);

/* Remove every spare directory and free the pool; accepts NULL. */
void spares_destroy (spares_t *s);

/* A spare directory under `parent`, or NULL.  The caller owns it until it
 * gives it back (spares_put) or drops it (spare_drop). */
spare_t *spares_take (spares_t *s, const char *parent);

/* Give a spare back, still at its spare path.  A full pool removes it. */
void spares_put (spares_t *s, spare_t *sp);

/* Forget a spare: close its descriptors and free it; the directory stays
 * where it is.  Accepts NULL. */
void spare_drop (spare_t *sp);

/* After an attempt that leaves nothing behind: turn its task directory into
 * a spare (moved to a spare name, with fresh logs for those that left).
 * 0, or -1 when the directory is not exactly what a fresh one would be (an
 * empty wd/, the logs that stayed, nothing else) or cannot be moved: the
 * caller removes it.  Either way the attempt's logs are closed. */
int spares_recycle (spares_t *s, att_t *a);

#endif
