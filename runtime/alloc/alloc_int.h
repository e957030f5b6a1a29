/* alloc_int.h: the allocator's parts, shared by its files only. */
#ifndef MB_ALLOC_INT_H
#define MB_ALLOC_INT_H

#include "common/buf.h"
#include "common/err.h"
#include "runtime/alloc/alloc.h"

/* alloc_tick looks at the backlog at most this often (s). */
#define ALLOC_PASS_INTERVAL 0.1

struct allocation {
    int seq;
    char job_id[32];          /* "" while ALLOC_SUBMITTING */
    int state;                /* enum alloc_state */
    double submitted, started, ended;   /* UNIX times, 0 = not yet */
    int seen;                 /* the poll that last listed it */
};

struct queue {
    int id;
    int removed;
    double time_limit, idle_timeout;
    int nodes, max_allocations;
    int nargs;
    char **args;
    struct allocation *al;
    int nal, cap;
    int next_seq;
    int failures;             /* sbatch failures in a row */
    double backoff_until;     /* mb_clock_mono */
    char last_error[256];
    double last_waiting;      /* mono: when tasks last waited (0 never) */
    int submissions, nfail;
};

struct alloc {
    char *dir;
    char *mpibatch;           /* the program the workers run */
    char *mpirun;             /* absolute when found on PATH, else "mpirun" */
    char token[17];           /* the pool's token in job names */
    char user[64];
    int jfd;                  /* alloc.jnl, -1 read-only */
    struct queue *q;
    int nq;
    int next_queue;
    int shutting;
    int need_poll;            /* a poll is due at once (resume, sbatch timed out) */
    int stale;                /* states unknown: the last poll failed (or none yet
                               * after a resume): submit nothing */
    double next_poll;
    double next_pass;         /* alloc_tick does nothing before (mono) */
    double poll_interval, cmd_timeout;
    int polls;
    char warning[256];
    char failure[300];        /* the latest sbatch failure (alloc_last_failure) */
    int nfailures;            /* failures since alloc_create */
};

/* alloc_jnl.c: the records.  Each returns 0 or -1 (err); sync: fdatasync
 * before returning. */
int alloc_jnl_open (struct alloc *a, int resume, int readonly, mb_error_t *err);
int alloc_jnl_put (struct alloc *a, int sync, mb_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
int alloc_jnl_queue (struct alloc *a, const struct queue *q, mb_error_t *err);

/* alloc.c: the model, used by the journal's replay. */
struct queue *alloc_queue_new (struct alloc *a, int id);
struct queue *alloc_queue_find (const struct alloc *a, int id);
struct allocation *alloc_al_new (struct queue *q, int seq);
struct allocation *alloc_al_find (const struct queue *q, int seq);
double alloc_backoff (int failures);
/* A submission of al accepted as job_id: journaled (synced), then PENDING. */
int alloc_record_submit_al (struct alloc *a, struct queue *q, struct allocation *al,
                            const char *job_id, mb_error_t *err);

/* alloc_run.c: run argv (argv[0] found on PATH) without a shell, stdin
 * /dev/null, stdout and stderr captured (each up to 64 KiB), killed with
 * its process group after timeout seconds.  *status is the wait status.
 * 0, or -1 with err (not found, not started, timed out: errno ETIMEDOUT). */
int alloc_run (char *const argv[], double timeout, buf_t *out, buf_t *errout, int *status,
               mb_error_t *err);
/* The absolute path of prog on PATH, malloc'd, or NULL. */
char *alloc_which (const char *prog);

/* alloc_slurm.c: the Slurm commands. */
int alloc_slurm_submit (struct alloc *a, struct queue *q, struct allocation *al, char *job_id,
                        size_t len, mb_error_t *err);
int alloc_slurm_poll (struct alloc *a, double now, int *changes, mb_error_t *err);
int alloc_slurm_cancel (struct alloc *a, const char *job_id, mb_error_t *err);
int alloc_write_script (const struct alloc *a, const struct queue *q, int seq, mb_error_t *err);
/* Append s to b, single-quoted for the shell when it needs quoting. */
int alloc_shell_quote (buf_t *b, const char *s);

#endif
