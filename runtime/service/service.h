/* service.h: rank 0, the batch service, as the rank bootstrap and the
 * command line see it.  The service itself is opaque; its parts live in
 * runtime/service/ (service_int.h lists them). */
#ifndef MB_SERVICE_H
#define MB_SERVICE_H

#include "common/buf.h"
#include "common/err.h"
#include "runtime/launcher/launch.h"
#include "runtime/node/proto.h"
#include "runtime/node/topo.h"

enum { RESUME_NONE = 0, RESUME_OK = 1, RESUME_FAILED = 2, RESUME_RESTART = 3 };
enum { PROGRESS_AUTO = 0, PROGRESS_BAR, PROGRESS_LINES, PROGRESS_NONE };

/* Options of `mpibatch run`. */
typedef struct {
    const char *jobfile;
    const char **set;
    int nset;
    const char *state;
    int resume;             /* RESUME_* */
    int dry_run;
    int progress;           /* PROGRESS_* */
    double progress_interval;
    double deadline;        /* absolute UNIX time, 0 = none */
    int verbose;            /* -1 quiet, 0 normal, 1 verbose */
    int accept_workers;     /* --accept-workers: workers may join (service_join.c) */
    /* `mpibatch pool POOLDIR` (pool_dir NULL: a run of the job file) */
    const char *pool_dir;
    const char *pool_id;
    double idle_timeout;    /* seconds with no active job before the pool ends, 0 never */
    int serve_only;         /* rank 0 runs no task (only joined workers do) */
    const char *slots_per_worker;  /* "cores", "pus" or a number (NULL: the default) */
    const char *gpus_per_worker;   /* "auto" or a number (NULL: the default) */
    int fill;               /* JOB_FILL_* */
} run_opts_t;

typedef struct service service_t;

/* A service for the run `opts` describes (opts must outlive it).  NULL
 * (ENOMEM) on failure; free with service_destroy. */
service_t *service_create (run_opts_t *opts);
/* Free everything the service holds.  Accepts NULL; preserves errno. */
void service_destroy (service_t *svc);

/* Load the job file and open the state directory (replaying the journal
 * on resume).  Returns 0 to go on, else the exit code (2 bad input, 3
 * runtime failure) after printing why on stderr. */
int service_open_state (service_t *svc, mb_error_t *err);
/* `mpibatch pool`: make the pool's settings and open POOLDIR (its lock;
 * on --resume its accepted.jnl is read later).  0, or the exit code (2
 * bad input, 3 runtime failure) after printing why. */
int service_open_pool (service_t *svc);
/* Pack what the workers need of the job (for `nworkers` workers) into b.
 * 0 or -1 (ENOMEM).  After service_open_state returned 0. */
int service_jobinfo (service_t *svc, int nworkers, buf_t *b);

/* Run the service on rank 0 of `nranks` ranks (1: rank 0 runs the tasks
 * itself through launcher l with this node's share).  Returns the exit
 * code of the run. */
int service_main (service_t *svc, int nranks, launcher_t *l, const jobinfo_t *ji,
                  const topo_share_t *share, int fake, const char *node);

/* Workers lost during the run (such a rank never finishes MPI: the run
 * must be ended for every rank).  0 for NULL. */
int service_lost_workers (const service_t *svc);

#endif
