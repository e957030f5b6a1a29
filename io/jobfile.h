/* jobfile.h: the job file loader and the job model (spec/jobfile.md).
 *
 * A loaded job keeps sweeps compact: one record per task (which spec it
 * comes from and its index inside it); ids, commands and every other
 * templated string are expanded on demand by jobfile_task_get(). */
#ifndef MB_JOBFILE_H
#define MB_JOBFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct jobfile jobfile_t;

enum { JOB_ENV_NONE = 0, JOB_ENV_AZURE = 1 };
enum { JOB_ON_FAILURE_CONTINUE = 0, JOB_ON_FAILURE_STOP = 1 };
enum { JOB_SLOTS_CORES = 0, JOB_SLOTS_PUS = 1, JOB_SLOTS_NUMBER = 2 };
enum { JOB_BIND_CORE = 0, JOB_BIND_PU = 1, JOB_BIND_NONE = 2 };
enum { JOB_FILL_SPREAD = 0, JOB_FILL_PACK = 1 };
enum { JOB_LOGS_STORAGE = 0, JOB_LOGS_REPORT = 1 };
enum { JOB_RETAIN_NONE = 0, JOB_RETAIN_FAILED = 1, JOB_RETAIN_ALL = 2 };
enum { TASK_BLOCK = 0, TASK_SATISFY = 1 };                  /* on_failure */
enum { INPUT_COPY = 0, INPUT_LINK = 1, INPUT_SYMLINK = 2 }; /* method */
enum { OUTPUT_SUCCESS = 0, OUTPUT_FAILURE = 1, OUTPUT_COMPLETION = 2 };

/* exit_conditions (spec/jobfile.md): what a rule matches, what it does. */
enum { EXIT_ON_CODES = 0, EXIT_ON_INPUT_ERROR, EXIT_ON_OUTPUT_ERROR, EXIT_ON_TIMEOUT,
       EXIT_ON_SIGNAL, EXIT_ON_DEFAULT };
enum { EXIT_RETRY = 0, EXIT_FAIL = 1, EXIT_SUCCEED = 2, EXIT_REQUEUE = 3 };
enum { EXIT_JOB_NONE = 0, EXIT_JOB_STOP = 1, EXIT_JOB_TERMINATE = 2 };
/* Bytes of a succeed map: exit codes 0-255, signal, timeout. */
#define JOBFILE_SUCCEED_MAP 33
/* max_requeues when not given */
#define JOB_DEFAULT_MAX_REQUEUES 10

/* One rule as written.  A rule with codes = [ a, b, ... ] is one rule
 * matching several ranges: ranges[k][0..1] are inclusive bounds. */
typedef struct {
    int on;              /* EXIT_ON_*; EXIT_ON_CODES: the ranges below */
    int nranges;
    uint8_t (*ranges)[2];
    int action;          /* EXIT_* */
    int dependents;      /* -1: the task's on_failure; else TASK_BLOCK / TASK_SATISFY */
    int job;             /* EXIT_JOB_* */
    int line;            /* where the rule is written */
} jobfile_exit_rule_t;

/* A list of rules: the job's (the default of every task) or one task's. */
typedef struct {
    int n;
    jobfile_exit_rule_t *rules;
    const char *file;    /* where the list is written */
    /* Which ends a "succeed" rule turns into a success, for the launcher
     * (it publishes when = "success" outputs then): bit c for exit code c,
     * bit 256 killed by a signal, bit 257 timed out. */
    uint8_t succeed[JOBFILE_SUCCEED_MAP];
    int any_succeed;
} jobfile_exit_t;

/* The first rule of e that matches an end: on = EXIT_ON_CODES with the
 * exit code, or another EXIT_ON_* word (not DEFAULT); "default" matches
 * what no other rule does.  Returns its index, or -1. */
/* Inline, so the scheduler's policy uses it without linking the loader. */
static inline int jobfile_exit_match (const jobfile_exit_t *e, int on, int exit_code)
{
    if (!e || e->n == 0 || on < EXIT_ON_CODES || on >= EXIT_ON_DEFAULT)
        return -1;
    int dflt = -1;
    for (int k = 0; k < e->n; k++) {
        const jobfile_exit_rule_t *r = &e->rules[k];
        if (r->on == EXIT_ON_DEFAULT) {
            if (dflt < 0)
                dflt = k;
            continue;
        }
        if (r->on != on)
            continue;
        if (on != EXIT_ON_CODES)
            return k;
        for (int q = 0; q < r->nranges; q++)
            if (exit_code >= r->ranges[q][0] && exit_code <= r->ranges[q][1])
                return k;
    }
    /* "default" is what no other rule matched, wherever it is written. */
    return dflt;
}

/* Fill e->succeed and e->any_succeed from its rules. */
void jobfile_exit_succeed_map (jobfile_exit_t *e);
/* 1 when the map m (JOBFILE_SUCCEED_MAP bytes) makes end c a success. */
static inline int jobfile_succeed_bit (const uint8_t *m, int c)
{
    return c >= 0 && c < 8 * JOBFILE_SUCCEED_MAP && (m[c / 8] >> (c % 8)) & 1;
}
/* The words of on, action and job, indexed by EXIT_ON_*, EXIT_*, EXIT_JOB_*;
 * NULL-terminated. */
extern const char *const jobfile_exit_on_names[];
extern const char *const jobfile_exit_action_names[];
extern const char *const jobfile_exit_job_names[];

/* Unlimited durations are negative. */
#define JOB_UNLIMITED (-1.0)

typedef struct {
    int n;
    char **names;
    char **values;
} jobfile_env_t;

typedef struct {
    char *source;   /* relative to storage (may be a glob) */
    char *path;     /* relative to the working directory; NULL = default */
    int method;     /* INPUT_* */
    int mode;       /* octal mode, -1 = keep */
} jobfile_input_t;

typedef struct {
    char *pattern;      /* relative to the working directory */
    char *destination;  /* relative to storage; NULL = <state>/outputs/<id>/ */
    int when;           /* OUTPUT_* */
} jobfile_output_t;

/* job_preparation / job_release */
typedef struct {
    char *command;
    jobfile_env_t env;
    int ninputs;
    jobfile_input_t *inputs;
    double max_wall_clock;  /* seconds; release defaults to 900 */
    int max_retries;
    int wait_for_success;   /* preparation only; default 1 */
} jobfile_prep_t;

/* Job-level settings, every default filled in.  Paths are absolute. */
typedef struct {
    char *id;
    char *description;
    char *file;          /* the job file's path as given */
    char *dir;           /* absolute directory of the job file */
    char *storage;       /* absolute */
    char *state;         /* absolute; --state overrides */
    char *node_root;     /* absolute */
    jobfile_env_t env;
    int env_compat;          /* JOB_ENV_* */
    double max_wall_clock;   /* seconds or JOB_UNLIMITED */
    int max_task_retries;    /* -1 = unlimited */
    int on_task_failure;     /* JOB_ON_FAILURE_* */
    int gpus_per_worker;     /* -1 = auto */
    int slots_kind;          /* JOB_SLOTS_* */
    int slots_per_worker;    /* with JOB_SLOTS_NUMBER */
    int binding;             /* JOB_BIND_* */
    int fill;                /* JOB_FILL_* */
    int logs;                /* JOB_LOGS_* */
    int64_t max_log_size;    /* bytes, default 1 GiB */
    int retention;           /* JOB_RETAIN_* */
    jobfile_prep_t *prep;    /* NULL when absent */
    jobfile_prep_t *release; /* NULL when absent */
    int nsweeps;
    char **sweep_names;      /* name of each sweep (report /parameters/<name>) */
    int priority;            /* in a pool, -1000..1000, default 0 */
    int open;                /* stays active for `add` until closed */
    int max_parallel_tasks;  /* 0 = unlimited */
} jobfile_job_t;

/* One task, fully expanded.  Filled by jobfile_task_get(); every pointer
 * stays valid until the next jobfile_task_get() into the same struct or
 * jobfile_task_clear().  Zero-initialise before first use. */
typedef struct {
    size_t index;            /* position in file order, 0-based */
    const char *id;
    const char *command;
    int slots;
    int gpus;
    int64_t memory;          /* bytes, 0 = none */
    double time_request;     /* seconds, JOB_UNLIMITED = none */
    int priority;
    int on_failure;          /* TASK_BLOCK / TASK_SATISFY */
    int max_retries;         /* -1 = unlimited (job default applied) */
    int max_requeues;        /* action = "requeue" runs again at most this often */
    const jobfile_exit_t *exit; /* exit_conditions in effect (n == 0: none); job's lifetime */
    double max_wall_clock;   /* per attempt, JOB_UNLIMITED = none */
    int instances;           /* 1 unless multi-instance */
    const char *coordination_command; /* NULL when absent */
    jobfile_env_t env;       /* the task's own environment (job's not merged) */
    int ninputs;
    jobfile_input_t *inputs;
    int noutputs;
    jobfile_output_t *outputs;
    int ndepends;
    const char **depends_on; /* as written (expanded), ids or patterns */
    int sweep;               /* sweep number, -1 when not from a sweep */
    size_t sweep_index;      /* ${index} */
    int nparams;             /* sweep parameters: names and values */
    const char **param_names;
    const char **param_values;
    const char *file;        /* where the task (or its sweep) is defined */
    int line;
    /* private: storage reused across calls */
    void *priv_;
} jobfile_task_t;

/* A file supplied in memory: when the loader would read the data file at
 * `path` (a command_file or a sweep's table, resolved against the job
 * file's directory exactly as jobfile_data_file() names it), it reads
 * these bytes instead.  A pool's request carries its files this way. */
typedef struct {
    const char *path;
    const char *data;
    size_t len;
} jobfile_mem_t;

typedef struct {
    const char **set;   /* --set KEY=VALUE strings */
    int nset;
    const char *state;  /* --state DIR, or NULL */
    int no_storage_check; /* skip the input-source existence check */
    const jobfile_mem_t *files;  /* data files supplied in memory */
    int nfiles;
    /* Fragments (jobfile_load_fragment) only: */
    int lines;              /* the text is one command per line, not job-file syntax */
    const char *id_prefix;  /* with lines: ids are <id_prefix><line> (default "line-") */
    unsigned first_line;    /* with lines: number of the text's first line (0 = 1) */
} jobfile_opts_t;

/* Load and validate a job file.  Every mistake found (up to the list's
 * cap) is added to `errs` as "FILE:LINE: message".  Returns the job, or
 * NULL when there was at least one error (errs says why; errno is EINVAL
 * for bad input, other values for system failures). */
jobfile_t *jobfile_load (const char *path, const jobfile_opts_t *opts,
                         errlist_t *errs);
void jobfile_destroy (jobfile_t *jf);

/* Load a job file from memory: `text` (len bytes, need not be
 * NUL-terminated) is read as the job file `name` would be, with the same
 * limits and checks; `name` gives the directory for relative paths and the
 * FILE of FILE:LINE messages.  An @include is read from disk relative to
 * name's directory, as for a file.  Returns as jobfile_load(). */
jobfile_t *jobfile_load_text (const char *name, const char *text, size_t len,
                              const jobfile_opts_t *opts, errlist_t *errs);

/* Load tasks to add to a job: a fragment holding only `tasks`, `sweeps`
 * and `command_file` (job-file syntax), or, with opts->lines, one command
 * per line (blank and '#' lines skipped; ids <id_prefix><N>, N the line
 * number counted from opts->first_line).  Templates, sweeps and checks are
 * the job file's; the job-level settings (id, storage, defaults, --set
 * variables) are base's (base NULL: the defaults, storage = name's
 * directory: for checking syntax before sending).  A depends_on entry that
 * names no task of the fragment is not an error here: the caller resolves
 * every entry (jobfile_task_get's depends_on) against the job's earlier
 * tasks too, and jobfile_deps() holds the edges inside the fragment only.
 * opts->set is ignored.  Returns a jobfile_t of the new tasks (destroy
 * it), or NULL as jobfile_load(). */
jobfile_t *jobfile_load_fragment (const jobfile_t *base, const char *name,
                                  const char *text, size_t len,
                                  const jobfile_opts_t *opts, errlist_t *errs);

/* The data files (command_file, sweep tables) the loader read, as absolute
 * paths, in the order read; i < n.  Valid for the job's lifetime.  A
 * client sends them with the job file so the pool keeps the whole job. */
int jobfile_ndata_files (const jobfile_t *jf);
const char *jobfile_data_file (const jobfile_t *jf, int i);

/* Job-level settings; valid for the job's lifetime. */
const jobfile_job_t *jobfile_job (const jobfile_t *jf);

/* The job file as run (after includes and --set), as libconfig text;
 * valid for the job's lifetime. */
const char *jobfile_config_text (const jobfile_t *jf);

size_t jobfile_ntasks (const jobfile_t *jf);

/* Expand task i (0 <= i < ntasks) into *t.  0 or -1 (ENOMEM, EINVAL). */
int jobfile_task_get (const jobfile_t *jf, size_t i, jobfile_task_t *t);
void jobfile_task_clear (jobfile_task_t *t);

/* Write task i's id into buf (NUL-terminated, at most 65 bytes needed).
 * Returns buf. */
const char *jobfile_task_id (const jobfile_t *jf, size_t i, char *buf, size_t len);

/* Find a task by id (ignoring case).  Returns its index or -1. */
long jobfile_task_find (const jobfile_t *jf, const char *id);

/* The dependency edges, resolved to task indices, as CSR: the
 * prerequisites of task i are deps[off[i]] .. deps[off[i+1]-1].  Valid for
 * the job's lifetime. */
void jobfile_deps (const jobfile_t *jf, const uint32_t **off, const uint32_t **deps);

/* A digest of what defines task i's work (command, environment, inputs,
 * outputs), so resume can tell a task that changed since it succeeded. */
uint64_t jobfile_task_digest (const jobfile_t *jf, size_t i);

/* The numeric requirements of task i, read without expanding any string
 * (cheap enough to call for every task of a million-task sweep). */
typedef struct {
    int slots;
    int gpus;
    int64_t memory;          /* bytes, 0 = none */
    int priority;
    int max_retries;         /* -1 = unlimited, job default applied */
    int on_failure;          /* TASK_BLOCK / TASK_SATISFY */
    int instances;
    double time_request;     /* JOB_UNLIMITED = none */
    double max_wall_clock;   /* JOB_UNLIMITED = none */
    int max_requeues;        /* JOB_DEFAULT_MAX_REQUEUES unless given */
    const jobfile_exit_t *exit; /* the rules in effect (the task's, else the
                                 * job's; n == 0: none); job's lifetime */
} jobfile_reqs_t;
void jobfile_task_reqs (const jobfile_t *jf, size_t i, jobfile_reqs_t *r);

/* Describe rule k of list e for people and records, e.g.
 * "job.cfg:14: codes 75: requeue" (at most len bytes, NUL-terminated).
 * Returns buf. */
const char *jobfile_exit_rule_text (const jobfile_exit_t *e, int k, char *buf, size_t len);

/* Names of the rule words, for messages: "retry", "input_error", "stop"... */
const char *jobfile_exit_action_name (int action);
const char *jobfile_exit_on_name (int on);
const char *jobfile_exit_job_name (int job);

/* Counts for the validate summary. */
typedef struct {
    size_t tasks;
    size_t from_sweeps;  /* tasks that come from sweeps */
    size_t sweeps;
    size_t edges;
    size_t inputs;     /* input entries over all tasks */
} jobfile_stats_t;
void jobfile_stats (const jobfile_t *jf, jobfile_stats_t *st);

/* Parse a duration ("90", 90, "90s", "15m", "2h", "1d", "1h30m").  Returns
 * seconds, or -1 on a malformed string. */
double jobfile_parse_duration (const char *s);

/* Parse a size ("4G", "512M", "100k", "1024", case-insensitive, optional
 * trailing B/iB; powers of 1024).  Returns bytes or -1. */
int64_t jobfile_parse_size (const char *s);

/* Check an id against the rules ([A-Za-z0-9_.-], 1-64, no leading '.').
 * Returns NULL when valid, else a reason. */
const char *jobfile_id_problem (const char *id);

#endif
