/* proto.h: the messages between rank 0 (the service) and the workers.
 * Every message is a packed buffer (common/buf.h) that starts with the
 * protocol version; assignments and results are batched, a count then the
 * items, so many tasks travel in one message when there are many. */
#ifndef MB_PROTO_H
#define MB_PROTO_H

#include <stdint.h>

#include "common/buf.h"
#include "io/jobfile.h"
#include "runtime/launcher/launch.h"

/* 2: strings carry their NUL (buf_pack_str, the one string packing).
 * 3: every ASSIGN item names its job (TAG_JOB).
 * 4: CTRL_UNQUEUE names the job whose waiting attempts go (was: all). */
#define PROTO_VERSION 4

enum proto_tag {
    TAG_HELLO = 101,    /* worker -> 0: who I am and what I have */
    TAG_ASSIGN = 102,   /* 0 -> worker: attempts to start */
    TAG_RESULT = 103,   /* worker -> 0: attempts that ended */
    TAG_CTRL = 104,     /* 0 -> worker: interrupt, prep, release, shutdown */
    TAG_HEARTBEAT = 105,/* both ways: still alive (sent when nothing else was) */
    /* workers that join a running service (runtime/rank/join.c) */
    TAG_JOBINFO = 106,  /* 0 -> joined rank: the packed jobinfo_t */
    TAG_JOIN = 107,     /* joined rank -> 0: u32 version, f64 end (0: none), then a HELLO */
    TAG_LEAVE = 108,    /* joined rank -> 0: u32 version, i32 idle, str why */
    /* a pool's jobs (the boot jobinfo is job 0: a run's job, a pool's sizing) */
    TAG_JOB = 109,      /* 0 -> worker: u32 version, u32 job number, a packed jobinfo_t */
};

/* Seconds between heartbeats, and silence after which a peer is taken
 * for lost (MPIBATCH_HEARTBEAT / MPIBATCH_HEARTBEAT_TIMEOUT override). */
double proto_heartbeat_interval (void);
double proto_heartbeat_timeout (void);

enum proto_ctrl {
    CTRL_INTERRUPT = 1, /* drain: interrupt every running attempt */
    CTRL_SHUTDOWN = 2,  /* the run is over: stop the launcher and exit */
    CTRL_UNQUEUE = 3,   /* on_task_failure = stop: withdraw job arg's attempts not started */
    CTRL_CANCEL = 4,    /* `mpibatch cancel`: interrupt or withdraw the attempts of task arg */
};

/* What a worker needs of the job, sent once to every worker. */
typedef struct {
    char *job_id;
    char *storage;
    char *pool_dir;            /* MPIBATCH_POOL_DIR of the tasks, or NULL */
    char *state;
    char *node_root;
    int env_compat;
    int binding;
    int logs;
    int retention;
    int slots_kind;
    int slots_per_worker;
    int gpus_per_worker;       /* -1 auto */
    int64_t max_log_size;
    double kill_grace;
    int nworkers;
    jobfile_env_t env;
    int has_prep;
    int has_release;
    char *prep_command;
    jobfile_env_t prep_env;
    int prep_ninputs;
    jobfile_input_t *prep_inputs;
    double prep_max_wall_clock;
    char *release_command;
    jobfile_env_t release_env;
    double release_max_wall_clock;
} jobinfo_t;

/* What the workers need of job; pool_dir (may be NULL) is the directory
 * tasks send their requests to. */
int jobinfo_pack (const jobfile_job_t *job, const char *pool_dir, int nworkers,
                  double kill_grace, buf_t *b);
/* Fills ji with malloc'd copies; 0 or -1 (malformed). */
int jobinfo_unpack (const void *p, size_t n, jobinfo_t *ji);
void jobinfo_free (jobinfo_t *ji);

/* A JOB message: job number num (>= 1) and what the workers need of job
 * (as jobinfo_pack).  0 or -1 (ENOMEM). */
int job_msg_pack (uint32_t num, const jobfile_job_t *job, const char *pool_dir, int nworkers,
                  double kill_grace, buf_t *b);
/* Read a JOB message: *num and ji (malloc'd copies: jobinfo_free it
 * whatever the result).  0 or -1 (malformed or another version). */
int job_msg_unpack (const void *p, size_t n, uint32_t *num, jobinfo_t *ji);

/* A worker's introduction. */
typedef struct {
    int rank;
    char node[256];
    int slots;
    int ncores;
    int npus;
    int64_t memory;
    int gpus;
    char cpus[1024];
    char error[512];   /* non-empty: the worker could not size itself */
} hello_t;

int hello_pack (const hello_t *h, buf_t *b);
int hello_unpack (const void *p, size_t n, hello_t *h);

/* One attempt to start.  kind is enum launch_kind. */
typedef struct {
    uint64_t tag;
    uint32_t job;              /* 0: the boot jobinfo's; else a TAG_JOB's number */
    uint32_t task;
    int attempt;
    int kind;
    char *id;
    char *command;
    int slots;
    int gpus;
    int64_t memory;
    double max_wall_clock;
    jobfile_env_t env;
    int ninputs;
    jobfile_input_t *inputs;
    int noutputs;
    jobfile_output_t *outputs;
    int64_t sweep_index;       /* -1: not from a sweep */
    int nparams;
    char **param_names;
    char **param_values;
    /* multi-instance tasks (NULL host_list otherwise) */
    char *host_list;           /* "host:slots,host:slots", the primary's host first */
    int instances;
    int is_primary;            /* this node runs the application command */
    int part_slots;            /* slots of this worker's part */
    int has_succeed;           /* exit conditions turn some failures into successes: */
    uint8_t succeed[JOBFILE_SUCCEED_MAP];   /* which (jobfile_exit_t) */
} assign_t;

/* What a multi-instance attempt adds to an assignment. */
typedef struct {
    const char *host_list;
    int instances;
    int is_primary;
    int part_slots;
} assign_mi_t;

/* Append one attempt of task t of job `job` (0: the boot jobinfo's) to
 * an ASSIGN batch (the batch header is written by proto_batch_begin and
 * its count fixed by proto_batch_end). */
int assign_pack (const jobfile_task_t *t, uint32_t job, uint64_t tag, int attempt, int kind,
                 const assign_mi_t *mi, buf_t *b);
int assign_unpack (unpack_t *u, assign_t *a);
void assign_free (assign_t *a);

/* A finished attempt: the launcher's result plus where it ran. */
typedef struct {
    uint32_t task;
    int attempt;
    int kind;
    launch_result_t r;
    char cpus[1024];
    /* logs = "report": the attempt's stdout and stderr travel with the
     * result (borrowed pointers when packing, into the message when
     * unpacked; NULL when absent). */
    const char *out;
    uint32_t out_len;
    const char *err;
    uint32_t err_len;
} result_t;

int result_pack (const result_t *res, buf_t *b);
int result_unpack (unpack_t *u, result_t *res);

/* Batches: version, kind of item, count, items. */
void proto_batch_begin (buf_t *b);
void proto_batch_end (buf_t *b, uint32_t count);
/* Start reading a batch; returns the item count or -1 (bad version). */
int proto_batch_read (unpack_t *u, const void *p, size_t n);

#endif
