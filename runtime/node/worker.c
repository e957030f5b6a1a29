/* worker.c: starting attempts on a worker's slots: cores, environment,
 * directories, and the results that go back to the service. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "io/stage.h"
#include "runtime/node/env.h"
#include "runtime/node/worker.h"
#include "scheduler/sched.h"

extern char **environ;

typedef struct {
    int used;
    uint64_t tag;
    uint32_t task;
    int attempt;
    int kind;
    int nslots;
    int *slots;
    char *cpus;
    char *spool;        /* logs = "report": node-local path prefix of the logs */
    int64_t max_log;    /* its job's max_log_size */
    int ngpus;
    int *gpus;          /* positions in the share's GPU list */
} running_t;

/* A job the service told this worker of (TAG_JOB), beside the boot one. */
typedef struct {
    uint32_t num;
    jobinfo_t ji;
    char *job_dir;      /* <node_dir>/<job> */
} wjob_t;

struct worker {
    launcher_t *l;
    const jobinfo_t *ji;   /* job 0: the boot jobinfo (a run's job) */
    wjob_t *jobs;          /* jobs 1.. (a pool's), in the order told */
    int njobs;
    const topo_share_t *share;
    int fake;
    int rank;
    char *node;
    char *node_dir;     /* <node_root>/<node> */
    char *shared_dir;   /* <node_dir>/shared */
    char *job_dir;      /* <node_dir>/<job> */
    envb_t *env;
    uint8_t *busy;
    uint8_t *gpu_busy;
    int *cpus;
    int nfree;          /* slots not busy */
    running_t *run;
    int nrun_cap;
    int nrunning;
    /* Tasks the service sent ahead of a free slot (sched_set_ahead), in
     * the order they came; started as running attempts free their slots. */
    assign_t *queue;
    int nqueue;
    int queue_cap;
    buf_t pending;      /* results made without the launcher (errors) */
    int npending;
    launch_result_t rbuf[64];
};

static char *joinpath (const char *a, const char *b)
{
    char *s = NULL;
    if (asprintf (&s, "%s/%s", a, b) < 0)
        return NULL;
    return s;
}

/* snprintf for paths: -1 (ENAMETOOLONG) when the path did not fit, so a
 * cut path never names another directory. */
static int pathf (char *dst, size_t len, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
static int pathf (char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (dst, len, fmt, ap);
    va_end (ap);
    if (n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* The longest path the worker builds under its job directory without a
 * task id in it: <job dir>/prep/wd (build_env's buffers hold 4096). */
#define JOB_DIR_ROOM (4096 - sizeof ("/prep/wd"))

worker_t *worker_create (launcher_t *l, const jobinfo_t *ji, const topo_share_t *share,
                         int fake, int rank, const char *node, mb_error_t *err)
{
    worker_t *w = calloc (1, sizeof (*w));
    if (!w) {
        errprintf (err, "out of memory");
        return NULL;
    }
    w->l = l;
    w->ji = ji;
    w->share = share;
    w->fake = fake;
    w->rank = rank;
    w->nrun_cap = share->nslots + 8;
    w->nfree = share->nslots;
    if (!(w->node = strdup (node))
        || !(w->node_dir = joinpath (ji->node_root, node))
        || !(w->shared_dir = joinpath (w->node_dir, "shared"))
        || !(w->job_dir = joinpath (w->node_dir, ji->job_id))
        || !(w->env = envb_create (environ))
        || !(w->busy = calloc ((size_t)share->nslots + 1, 1))
        || !(w->gpu_busy = calloc ((size_t)share->ngpus + 1, 1))
        || !(w->cpus = calloc ((size_t)share->pu_off[share->nslots] + (size_t)share->nnode_pus + 1,
                               sizeof (int)))
        || !(w->run = calloc ((size_t)w->nrun_cap, sizeof (running_t)))) {
        errprintf (err, "out of memory");
        goto error;
    }
    if (strlen (w->job_dir) >= JOB_DIR_ROOM) {
        errprintf (err, "node_root is too deep: the job directory %.60s... is %zu bytes long, "
                   "longer than the %zu that leave room for the task directories",
                   w->job_dir, strlen (w->job_dir), JOB_DIR_ROOM - 1);
        goto error;
    }
    if (stage_mkdirs (w->shared_dir) < 0) {
        errprintf (err, "cannot create %s: %s", w->shared_dir, strerror (errno));
        goto error;
    }
    return w;
error:
    worker_destroy (w);
    return NULL;
}

void worker_destroy (worker_t *w)
{
    if (!w)
        return;
    int saved = errno;
    for (int i = 0; i < w->nrun_cap && w->run; i++) {
        free (w->run[i].slots);
        free (w->run[i].cpus);
        free (w->run[i].spool);
        free (w->run[i].gpus);
    }
    free (w->run);
    for (int i = 0; i < w->nqueue; i++)
        assign_free (&w->queue[i]);
    free (w->queue);
    free (w->busy);
    free (w->gpu_busy);
    free (w->cpus);
    envb_destroy (w->env);
    free (w->node);
    free (w->node_dir);
    free (w->shared_dir);
    free (w->job_dir);
    for (int i = 0; i < w->njobs; i++) {
        jobinfo_free (&w->jobs[i].ji);
        free (w->jobs[i].job_dir);
    }
    free (w->jobs);
    buf_free (&w->pending);
    free (w);
    errno = saved;
}

int worker_fd (const worker_t *w) { return launcher_fd (w->l); }

static int cmp_int (const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Whether two PUs sit in the same NUMA node (or package) of the share. */
static int gpu_same_group (const topo_share_t *s, int pu_a, int pu_b)
{
    int ga = -1, gb = -1;
    for (int i = 0; i < s->nslots; i++)
        for (int k = s->pu_off[i]; k < s->pu_off[i + 1]; k++) {
            if (s->pus[k] == pu_a)
                ga = s->numa[i];
            if (s->pus[k] == pu_b)
                gb = s->numa[i];
        }
    return ga >= 0 && ga == gb;
}

/* Choose the slots and PUs of an attempt; returns the number of PUs in
 * w->cpus, or -1 when the slots are not free. */
static int choose (worker_t *w, int nslots, int *chosen)
{
    const topo_share_t *s = w->share;
    if (nslots <= 0)
        return 0;
    if (sched_pick_slots (s->nslots, s->numa, s->pkg, w->busy, nslots, chosen) < 0)
        return -1;
    int n = 0;
    for (int i = 0; i < nslots; i++)
        for (int k = s->pu_off[chosen[i]]; k < s->pu_off[chosen[i] + 1]; k++)
            w->cpus[n++] = s->pus[k];
    qsort (w->cpus, (size_t)n, sizeof (int), cmp_int);
    int m = 0;   /* slots may share a core when there are more slots than cores */
    for (int i = 0; i < n; i++)
        if (m == 0 || w->cpus[m - 1] != w->cpus[i])
            w->cpus[m++] = w->cpus[i];
    return m;
}

/* Pick n free GPUs, those next to the task's CPUs (w->cpus[0..ncpus))
 * first.  Fills out with positions in the share; 0 or -1. */
static int choose_gpus (worker_t *w, int n, int ncpus, int *out)
{
    const topo_share_t *s = w->share;
    int k = 0;
    for (int pass = 0; pass < 2 && k < n; pass++)
        for (int g = 0; g < s->ngpus && k < n; g++) {
            if (w->gpu_busy[g])
                continue;
            int near = 0;
            for (int c = 0; c < ncpus && !near; c++)
                near = w->cpus[c] == s->gpu_pu[g];
            /* Locality is known per package or NUMA node, not per PU:
             * a GPU is near when its first local PU is in the same block
             * of the share as the task's first CPU. */
            if (!near && ncpus > 0 && s->gpu_pu[g] >= 0)
                near = gpu_same_group (s, s->gpu_pu[g], w->cpus[0]);
            if (pass == 0 && !near)
                continue;
            int dup = 0;
            for (int i = 0; i < k; i++)
                dup |= out[i] == g;
            if (!dup)
                out[k++] = g;
        }
    return k == n ? 0 : -1;
}

static int set_env_list (envb_t *e, const jobfile_env_t *l)
{
    for (int i = 0; i < l->n; i++)
        if (envb_set (e, l->names[i], l->values[i]) < 0)
            return -1;
    return 0;
}

/* MPIBATCH_PARAM_<NAME>: upper case, non-alphanumerics as '_'. */
static int set_param (envb_t *e, const char *name, const char *value)
{
    char var[160] = "MPIBATCH_PARAM_";
    size_t n = strlen (var);
    for (const char *p = name; *p && n < sizeof (var) - 1; p++) {
        char c = *p;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            c = '_';
        var[n++] = c;
    }
    var[n] = '\0';
    return envb_set (e, var, value);
}

static int env_in (const jobfile_env_t *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp (l->names[i], name))
            return 1;
    return 0;
}

/* The variables that tell a task where it runs (spec/tasks.md), under our
 * names and, with env_compat = "azure", under Azure Batch's as well.  A
 * NULL name: that convention has no such variable. */
enum task_var {
    TV_JOB_ID, TV_POOL_ID, TV_TASK_ID, TV_TASK_ATTEMPT, TV_TASK_SLOTS, TV_TASK_CPUS,
    TV_NODE_ID, TV_WORKER_RANK, TV_NUM_WORKERS, TV_STORAGE_DIR, TV_POOL_DIR,
    TV_NODE_ROOT_DIR, TV_NODE_SHARED_DIR, TV_TASK_DIR, TV_TASK_WORKING_DIR,
    TV_JOB_PREP_DIR, TV_JOB_PREP_WORKING_DIR, TV_SWEEP_INDEX,
    /* Multi-instance tasks only. */
    TV_HOST_LIST, TV_NODE_LIST, TV_HOSTFILE, TV_NUM_INSTANCES, TV_IS_PRIMARY,
    TV_TASK_SHARED_DIR,
    TV_COUNT
};

static const struct {
    const char *mb, *az;
} task_vars[TV_COUNT] = {
    [TV_JOB_ID] = { "MPIBATCH_JOB_ID", "AZ_BATCH_JOB_ID" },
    [TV_POOL_ID] = { NULL, "AZ_BATCH_POOL_ID" },
    [TV_TASK_ID] = { "MPIBATCH_TASK_ID", "AZ_BATCH_TASK_ID" },
    [TV_TASK_ATTEMPT] = { "MPIBATCH_TASK_ATTEMPT", NULL },
    [TV_TASK_SLOTS] = { "MPIBATCH_TASK_SLOTS", NULL },
    [TV_TASK_CPUS] = { "MPIBATCH_TASK_CPUS", NULL },
    [TV_NODE_ID] = { "MPIBATCH_NODE_ID", "AZ_BATCH_NODE_ID" },
    [TV_WORKER_RANK] = { "MPIBATCH_WORKER_RANK", NULL },
    [TV_NUM_WORKERS] = { "MPIBATCH_NUM_WORKERS", NULL },
    [TV_STORAGE_DIR] = { "MPIBATCH_STORAGE_DIR", NULL },
    [TV_POOL_DIR] = { "MPIBATCH_POOL_DIR", NULL },
    [TV_NODE_ROOT_DIR] = { "MPIBATCH_NODE_ROOT_DIR", "AZ_BATCH_NODE_ROOT_DIR" },
    [TV_NODE_SHARED_DIR] = { "MPIBATCH_NODE_SHARED_DIR", "AZ_BATCH_NODE_SHARED_DIR" },
    [TV_TASK_DIR] = { "MPIBATCH_TASK_DIR", "AZ_BATCH_TASK_DIR" },
    [TV_TASK_WORKING_DIR] = { "MPIBATCH_TASK_WORKING_DIR", "AZ_BATCH_TASK_WORKING_DIR" },
    [TV_JOB_PREP_DIR] = { "MPIBATCH_JOB_PREP_DIR", "AZ_BATCH_JOB_PREP_DIR" },
    [TV_JOB_PREP_WORKING_DIR] = { "MPIBATCH_JOB_PREP_WORKING_DIR",
                                  "AZ_BATCH_JOB_PREP_WORKING_DIR" },
    [TV_SWEEP_INDEX] = { "MPIBATCH_SWEEP_INDEX", NULL },
    [TV_HOST_LIST] = { "MPIBATCH_HOST_LIST", "AZ_BATCH_HOST_LIST" },
    [TV_NODE_LIST] = { NULL, "AZ_BATCH_NODE_LIST" },
    [TV_HOSTFILE] = { "MPIBATCH_HOSTFILE", NULL },
    [TV_NUM_INSTANCES] = { "MPIBATCH_NUM_INSTANCES", NULL },
    [TV_IS_PRIMARY] = { "MPIBATCH_IS_PRIMARY", "AZ_BATCH_IS_CURRENT_NODE_MASTER" },
    [TV_TASK_SHARED_DIR] = { "MPIBATCH_TASK_SHARED_DIR", "AZ_BATCH_TASK_SHARED_DIR" },
};

/* A task's values for task_vars: val[i] under both names, unless az[i]
 * gives Azure's spelling of it.  NULL: the variable is not set. */
typedef struct {
    const char *val[TV_COUNT];
    const char *az[TV_COUNT];
    char num[TV_COUNT][24];
} task_vals_t;

static void val_int (task_vals_t *v, enum task_var i, long long n)
{
    snprintf (v->num[i], sizeof (v->num[i]), "%lld", n);
    v->val[i] = v->num[i];
}

/* Set every variable of task_vars that has a value, our names first and
 * then (azure) Azure's.  0, or -1 with errno from envb_set. */
static int set_task_vars (envb_t *e, const task_vals_t *v, int azure)
{
    for (int conv = 0; conv < (azure ? 2 : 1); conv++)
        for (int i = 0; i < TV_COUNT; i++) {
            const char *name = conv ? task_vars[i].az : task_vars[i].mb;
            const char *val = conv && v->az[i] ? v->az[i] : v->val[i];
            if (name && val && envb_set (e, name, val) < 0)
                return -1;
        }
    return 0;
}

/* A multi-instance task's values: the hosts (Azure's comma- and
 * semicolon-separated lists into hosts and nodes), the hostfile and the
 * directory its parts on this node share, under mi_dir. */
static int mi_vals (const assign_t *a, const char *mi_dir, task_vals_t *v,
                    buf_t *hosts, buf_t *nodes, char *hostfile, char *shared, size_t len)
{
    snprintf (hostfile, len, "%s/hostfile", mi_dir);
    snprintf (shared, len, "%s/shared", mi_dir);
    char *list = strdup (a->host_list), *save = NULL;
    if (!list)
        return -1;
    for (char *h = strtok_r (list, ",", &save); h; h = strtok_r (NULL, ",", &save)) {
        char *colon = strrchr (h, ':');
        if (colon)
            *colon = '\0';
        if (buf_printf (hosts, "%s%s", hosts->len ? "," : "", h) < 0
            || buf_printf (nodes, "%s%s", nodes->len ? ";" : "", h) < 0) {
            free (list);
            return -1;
        }
    }
    free (list);
    v->val[TV_HOST_LIST] = a->host_list;
    v->az[TV_HOST_LIST] = hosts->data ? hosts->data : "";
    v->az[TV_NODE_LIST] = nodes->data ? nodes->data : "";
    v->val[TV_HOSTFILE] = hostfile;
    val_int (v, TV_NUM_INSTANCES, a->instances);
    v->val[TV_IS_PRIMARY] = a->is_primary ? "1" : "0";
    v->az[TV_IS_PRIMARY] = a->is_primary ? "true" : "false";
    v->val[TV_TASK_SHARED_DIR] = shared;
    return 0;
}

/* The task's environment in w->env: the job's and the task's variables,
 * OMP_NUM_THREADS, task_vars, the GPU lists and the sweep parameters.
 * mi_dir is the multi-instance directory, or NULL.  0, or -1 with errno
 * (ENOMEM; EINVAL for a name envb_set refuses): then the attempt must
 * not start with a part of its environment missing. */
static int build_env (worker_t *w, const jobinfo_t *ji, const char *job_dir, const assign_t *a,
                      const char *task_dir, const char *wd, const char *cpus,
                      const char *gpus, const char *mi_dir)
{
    envb_t *e = w->env;
    task_vals_t v;
    char prep[4096], prepwd[4096], hostfile[4300], shared[4300];
    buf_t hosts = { 0 }, nodes = { 0 };
    int rc = -1;

    memset (&v.val, 0, sizeof (v.val));
    memset (&v.az, 0, sizeof (v.az));
    v.val[TV_JOB_ID] = v.val[TV_POOL_ID] = ji->job_id;
    v.val[TV_TASK_ID] = a->id;
    val_int (&v, TV_TASK_ATTEMPT, a->attempt);
    val_int (&v, TV_TASK_SLOTS, a->slots);
    v.val[TV_TASK_CPUS] = cpus;
    v.val[TV_NODE_ID] = w->node;
    val_int (&v, TV_WORKER_RANK, w->rank);
    val_int (&v, TV_NUM_WORKERS, ji->nworkers);
    v.val[TV_STORAGE_DIR] = ji->storage;
    v.val[TV_POOL_DIR] = ji->pool_dir;
    v.val[TV_NODE_ROOT_DIR] = w->node_dir;
    v.val[TV_NODE_SHARED_DIR] = w->shared_dir;
    v.val[TV_TASK_DIR] = task_dir;
    v.val[TV_TASK_WORKING_DIR] = wd;
    if (ji->has_prep) {
        snprintf (prep, sizeof (prep), "%s/prep", job_dir);
        snprintf (prepwd, sizeof (prepwd), "%s/prep/wd", job_dir);
        v.val[TV_JOB_PREP_DIR] = prep;
        v.val[TV_JOB_PREP_WORKING_DIR] = prepwd;
    }
    if (a->sweep_index >= 0)
        val_int (&v, TV_SWEEP_INDEX, a->sweep_index);
    if (mi_dir && mi_vals (a, mi_dir, &v, &hosts, &nodes, hostfile, shared,
                           sizeof (hostfile)) < 0)
        goto out;

    envb_reset (e);
    if (set_env_list (e, &ji->env) < 0 || set_env_list (e, &a->env) < 0)
        goto out;
    if (!env_in (&ji->env, "OMP_NUM_THREADS") && !env_in (&a->env, "OMP_NUM_THREADS")) {
        char n[24];
        snprintf (n, sizeof (n), "%d", a->slots > 0 ? a->slots : 1);
        if (envb_set (e, "OMP_NUM_THREADS", n) < 0)
            goto out;
    }
    if (set_task_vars (e, &v, ji->env_compat == JOB_ENV_AZURE) < 0)
        goto out;
    /* A task sees only its GPUs; without any, the variables are unset. */
    static const char *vis[] = { "MPIBATCH_TASK_GPUS", "CUDA_VISIBLE_DEVICES",
                                 "ROCR_VISIBLE_DEVICES", "ZE_AFFINITY_MASK" };
    for (size_t i = 0; i < sizeof (vis) / sizeof (vis[0]); i++)
        if (envb_set (e, vis[i], gpus && *gpus ? gpus : NULL) < 0)
            goto out;
    for (int i = 0; a->sweep_index >= 0 && i < a->nparams; i++)
        if (set_param (e, a->param_names[i], a->param_values[i]) < 0)
            goto out;
    rc = 0;
out:
    buf_free (&hosts);
    buf_free (&nodes);
    return rc;
}

static void release_parts (worker_t *w, running_t *r)
{
    for (int i = 0; i < r->nslots; i++)
        w->busy[r->slots[i]] = 0;
    w->nfree += r->nslots;
    for (int i = 0; i < r->ngpus; i++)
        w->gpu_busy[r->gpus[i]] = 0;
    r->nslots = r->ngpus = 0;
}

/* Multi-instance: <job dir>/mi/<task>/ holds the Open MPI hostfile and a
 * directory shared by the coordination and application commands on this
 * node.  dir receives its path. */
static int write_hostfile (const char *job_dir, const assign_t *a, char *dir, size_t len)
{
    char path[4300], shared[4300];
    if (pathf (dir, len, "%s/mi/%s", job_dir, a->id) < 0
        || pathf (shared, sizeof (shared), "%s/shared", dir) < 0
        || pathf (path, sizeof (path), "%s/hostfile", dir) < 0)
        return -1;
    if (stage_mkdirs (shared) < 0)
        return -1;
    FILE *f = fopen (path, "w");
    if (!f)
        return -1;
    /* "host:slots,host:slots" becomes Open MPI's "host slots=N" lines. */
    char *list = strdup (a->host_list), *save = NULL;
    for (char *h = list ? strtok_r (list, ",", &save) : NULL; h; h = strtok_r (NULL, ",", &save)) {
        char *colon = strrchr (h, ':');
        if (colon)
            *colon = '\0';
        fprintf (f, "%s slots=%s\n", h, colon ? colon + 1 : "1");
    }
    free (list);
    return fclose (f) == 0 ? 0 : -1;
}

/* A result for an attempt that never reached the launcher. */
static void fail_now (worker_t *w, const assign_t *a, int outcome, const char *reason)
{
    result_t res;
    memset (&res, 0, sizeof (res));
    res.task = a->task;
    res.attempt = a->attempt;
    res.kind = a->kind;
    res.r.tag = a->tag;
    res.r.outcome = outcome;
    res.r.exit_code = -1;
    res.r.start_time = res.r.end_time = mb_clock_real ();
    snprintf (res.r.reason, sizeof (res.r.reason), "%s", reason);
    result_pack (&res, &w->pending);
    w->npending++;
}

static running_t *slot_entry (worker_t *w)
{
    for (int i = 0; i < w->nrun_cap; i++)
        if (!w->run[i].used)
            return &w->run[i];
    running_t *r = realloc (w->run, (size_t)w->nrun_cap * 2 * sizeof (running_t));
    if (!r)
        return NULL;
    memset (r + w->nrun_cap, 0, (size_t)w->nrun_cap * sizeof (running_t));
    w->run = r;
    w->nrun_cap *= 2;
    return &w->run[w->nrun_cap / 2];
}

/* The slots an attempt holds: the primary of a multi-instance task holds
 * its own part's slots; a coordination command runs beside the parts,
 * unbound. */
static int attempt_slots (const assign_t *a)
{
    return a->kind != LAUNCH_TASK ? 0 : a->host_list ? a->part_slots : a->slots;
}

static const wjob_t *find_job (const worker_t *w, uint32_t num)
{
    for (int i = 0; i < w->njobs; i++)
        if (w->jobs[i].num == num)
            return &w->jobs[i];
    return NULL;
}

int worker_job (worker_t *w, const void *msg, size_t len, mb_error_t *err)
{
    wjob_t j;
    memset (&j, 0, sizeof (j));
    if (job_msg_unpack (msg, len, &j.num, &j.ji) < 0 || j.num == 0 || !j.ji.job_id
        || !j.ji.node_root || !j.ji.state || !j.ji.storage) {
        jobinfo_free (&j.ji);
        errprintf (err, "a malformed job message");
        errno = EINVAL;
        return -1;
    }
    char *nd = joinpath (j.ji.node_root, w->node);
    j.job_dir = nd ? joinpath (nd, j.ji.job_id) : NULL;
    free (nd);
    if (!j.job_dir) {
        jobinfo_free (&j.ji);
        errprintf (err, "out of memory");
        return -1;
    }
    if (strlen (j.job_dir) >= JOB_DIR_ROOM) {
        errprintf (err, "job %s: node_root is too deep: its job directory is %zu bytes long",
                   j.ji.job_id, strlen (j.job_dir));
        jobinfo_free (&j.ji);
        free (j.job_dir);
        errno = ENAMETOOLONG;
        return -1;
    }
    /* A job told again (a resumed pool numbers jobs afresh) replaces the
     * earlier one; attempts running keep what they started with. */
    for (int i = 0; i < w->njobs; i++)
        if (w->jobs[i].num == j.num) {
            jobinfo_free (&w->jobs[i].ji);
            free (w->jobs[i].job_dir);
            w->jobs[i] = j;
            return 0;
        }
    wjob_t *v = realloc (w->jobs, (size_t)(w->njobs + 1) * sizeof (*v));
    if (!v) {
        jobinfo_free (&j.ji);
        free (j.job_dir);
        errprintf (err, "out of memory");
        return -1;
    }
    w->jobs = v;
    w->jobs[w->njobs++] = j;
    return 0;
}

int worker_njobs (const worker_t *w) { return w->njobs; }

/* Whether an attempt may wait for a slot here: what the service sends
 * ahead (one-instance tasks without GPUs). */
static int queueable (const assign_t *a)
{
    return a->kind == LAUNCH_TASK && !a->host_list && a->gpus == 0 && a->slots >= 1;
}

/* Start an attempt.  Returns 0 when it started or its result is pending,
 * 1 when it must wait for slots (queueable only; nothing was done), -1
 * when the launcher is gone. */
static int start_one (worker_t *w, const assign_t *a)
{
    const jobinfo_t *ji = w->ji;
    const char *job_dir = w->job_dir;
    char task_dir[4096], wd[4200], dest[4200], lout[4200], lerr[4200];
    if (a->job != 0) {
        const wjob_t *j = find_job (w, a->job);
        if (!j) {
            /* The service sends a job before its first task: a worker
             * that missed it gives the attempt back (no retry used). */
            fail_now (w, a, LAUNCH_INTERRUPTED, "the worker was not told of the task's job");
            return 0;
        }
        ji = &j->ji;
        job_dir = j->job_dir;
    }
    int nslots = attempt_slots (a);
    if (nslots > w->nfree && queueable (a) && nslots <= w->share->nslots)
        return 1;
    running_t *r = slot_entry (w);
    if (!r) {
        fail_now (w, a, LAUNCH_INTERRUPTED, "out of memory on the worker");
        return 0;
    }
    free (r->slots);
    free (r->cpus);
    free (r->spool);
    free (r->gpus);
    r->slots = NULL;
    r->cpus = NULL;
    r->spool = NULL;
    r->gpus = NULL;
    r->ngpus = 0;
    if (nslots > 0 && !(r->slots = calloc ((size_t)nslots, sizeof (int)))) {
        fail_now (w, a, LAUNCH_INTERRUPTED, "out of memory on the worker");
        return 0;
    }
    int ncpus = choose (w, nslots, r->slots);
    if (ncpus < 0) {
        /* The service counts slots, so this is a disagreement between the
         * two: requeue rather than fail the task. */
        fail_now (w, a, LAUNCH_INTERRUPTED, "worker had no free slots");
        return 0;
    }
    int ngpus = a->kind == LAUNCH_TASK ? a->gpus : 0;
    if (ngpus > 0) {
        if (!(r->gpus = calloc ((size_t)ngpus, sizeof (int)))
            || choose_gpus (w, ngpus, ncpus, r->gpus) < 0) {
            fail_now (w, a, LAUNCH_INTERRUPTED, "worker had no free GPUs");
            return 0;
        }
        r->ngpus = ngpus;
        for (int i = 0; i < ngpus; i++)
            w->gpu_busy[r->gpus[i]] = 1;
    }
    for (int i = 0; i < nslots; i++)
        w->busy[r->slots[i]] = 1;
    w->nfree -= nslots;
    /* From here on a start that fails frees them again (release_parts). */
    r->nslots = nslots;
    r->cpus = topo_list_plain (w->cpus, ncpus);

    /* A path cut short would name another directory: such an attempt
     * fails before anything is made. */
    int cut = 0;
    if (a->kind == LAUNCH_PREP)
        cut |= pathf (task_dir, sizeof (task_dir), "%s/prep", job_dir);
    else if (a->kind == LAUNCH_RELEASE)
        cut |= pathf (task_dir, sizeof (task_dir), "%s/release", job_dir);
    else if (a->kind == LAUNCH_COORD)
        cut |= pathf (task_dir, sizeof (task_dir), "%s/coord/%s", job_dir, a->id);
    else
        cut |= pathf (task_dir, sizeof (task_dir), "%s/tasks/%s", job_dir, a->id);
    cut |= pathf (wd, sizeof (wd), "%s/wd", task_dir);
    cut |= pathf (dest, sizeof (dest), "%s/outputs/%s/", ji->state, a->id);
    if (a->kind == LAUNCH_TASK && ji->logs == JOB_LOGS_STORAGE) {
        cut |= pathf (lout, sizeof (lout), "%s/logs/%s/%d.stdout", ji->state, a->id, a->attempt);
        cut |= pathf (lerr, sizeof (lerr), "%s/logs/%s/%d.stderr", ji->state, a->id, a->attempt);
    }
    else if (a->kind == LAUNCH_TASK && ji->logs == JOB_LOGS_REPORT) {
        /* Kept on the node until the result carries them to rank 0. */
        cut |= pathf (lout, sizeof (lout), "%s/spool/%s.%d.stdout", job_dir, a->id, a->attempt);
        cut |= pathf (lerr, sizeof (lerr), "%s/spool/%s.%d.stderr", job_dir, a->id, a->attempt);
    }
    if (cut) {
        release_parts (w, r);
        fail_now (w, a, LAUNCH_FAILED,
                  "a path of the attempt is too long (node_root or state too deep)");
        return 0;
    }
    char mi_dir[4200] = "";
    if (a->host_list && write_hostfile (job_dir, a, mi_dir, sizeof (mi_dir)) < 0) {
        int e = errno;
        release_parts (w, r);
        fail_now (w, a, LAUNCH_FAILED, e == ENAMETOOLONG
                  ? "the hostfile path of a multi-instance task is too long"
                  : "cannot write the hostfile of a multi-instance task");
        return 0;
    }
    int bound = ji->binding != JOB_BIND_NONE && a->kind == LAUNCH_TASK;
    char gpus[256] = "";
    for (int i = 0, n = 0; i < r->ngpus; i++)
        n += snprintf (gpus + n, sizeof (gpus) - (size_t)n, "%s%d", i ? "," : "",
                       w->share->gpu_index[r->gpus[i]]);
    if (build_env (w, ji, job_dir, a, task_dir, wd, bound ? r->cpus : "", gpus,
                   a->host_list ? mi_dir : NULL) < 0) {
        /* Out of memory: requeue without using a retry, as above. */
        int saved = errno;
        char why[256];
        snprintf (why, sizeof (why), "cannot set the task's environment: %s",
                  strerror (saved));
        int outcome = saved == ENOMEM ? LAUNCH_INTERRUPTED : LAUNCH_FAILED;
        release_parts (w, r);
        fail_now (w, a, outcome, why);
        return 0;
    }

    launch_req_t req;
    memset (&req, 0, sizeof (req));
    req.tag = a->tag;
    req.kind = a->kind;
    req.command = a->command;
    req.task_dir = task_dir;
    req.envp = envb_envp (w->env);
    /* A simulated topology names CPUs this machine may not have: bind
     * nothing.  An unbound task gets every allowed PU of the node, which
     * undoes a per-rank binding that mpirun may have given the worker. */
    if (!w->fake) {
        if (bound) {
            req.cpus = w->cpus;
            req.ncpus = ncpus;
        }
        else {
            req.cpus = w->share->node_pus;
            req.ncpus = w->share->nnode_pus;
        }
    }
    req.max_wall_clock = a->max_wall_clock;
    req.kill_grace = ji->kill_grace;
    req.memory = a->memory;
    req.max_log_size = ji->max_log_size;
    req.storage = ji->storage;
    req.inputs = a->inputs;
    req.ninputs = a->ninputs;
    req.outputs = a->outputs;
    req.noutputs = a->noutputs;
    req.default_dest = dest;
    req.retention = a->kind == LAUNCH_TASK ? ji->retention : JOB_RETAIN_ALL;
    req.succeed = a->kind == LAUNCH_TASK && a->has_succeed ? a->succeed : NULL;
    if (a->kind == LAUNCH_TASK && ji->logs == JOB_LOGS_STORAGE) {
        req.log_stdout = lout;
        req.log_stderr = lerr;
    }
    else if (a->kind == LAUNCH_TASK && ji->logs == JOB_LOGS_REPORT) {
        req.log_stdout = lout;
        req.log_stderr = lerr;
        if (asprintf (&r->spool, "%s/spool/%s.%d", job_dir, a->id, a->attempt) < 0)
            r->spool = NULL;
    }
    if (!req.envp || launcher_submit (w->l, &req) < 0) {
        release_parts (w, r);
        fail_now (w, a, LAUNCH_INTERRUPTED, "the worker's launcher is gone");
        return -1;
    }
    r->used = 1;
    r->tag = a->tag;
    r->task = a->task;
    r->attempt = a->attempt;
    r->kind = a->kind;
    r->max_log = ji->max_log_size;
    w->nrunning++;
    return 0;
}

/* Keep an attempt (taking over its memory) until slots free; 0 or -1. */
static int enqueue (worker_t *w, assign_t *a)
{
    if (w->nqueue == w->queue_cap) {
        int cap = w->queue_cap ? 2 * w->queue_cap : 4;
        assign_t *q = realloc (w->queue, (size_t)cap * sizeof (*q));
        if (!q)
            return -1;
        w->queue = q;
        w->queue_cap = cap;
    }
    w->queue[w->nqueue++] = *a;
    memset (a, 0, sizeof (*a));
    return 0;
}

/* Start waiting attempts, first come first, while their slots are free. */
static void start_queued (worker_t *w)
{
    int done = 0;
    while (done < w->nqueue && start_one (w, &w->queue[done]) != 1) {
        assign_free (&w->queue[done]);
        done++;
    }
    if (done > 0) {
        memmove (w->queue, w->queue + done, (size_t)(w->nqueue - done) * sizeof (*w->queue));
        w->nqueue -= done;
    }
}

int worker_assign (worker_t *w, const void *msg, size_t len)
{
    unpack_t u;
    int n = proto_batch_read (&u, msg, len);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        assign_t a;
        if (assign_unpack (&u, &a) < 0) {
            assign_free (&a);
            return -1;
        }
        /* Behind attempts that wait already, in order; an attempt that
         * holds no slots never waits. */
        int rc = w->nqueue > 0 && queueable (&a) ? 1 : start_one (w, &a);
        if (rc == 1 && enqueue (w, &a) < 0)
            fail_now (w, &a, LAUNCH_INTERRUPTED, "out of memory on the worker");
        assign_free (&a);
    }
    return 0;
}

/* Withdraw the waiting attempts of one job (all with all != 0); the
 * others keep their order. */
static void withdraw (worker_t *w, int all, uint32_t job)
{
    int k = 0;
    for (int i = 0; i < w->nqueue; i++) {
        if (all || w->queue[i].job == job) {
            fail_now (w, &w->queue[i], LAUNCH_INTERRUPTED, "withdrawn before it started");
            assign_free (&w->queue[i]);
        }
        else
            w->queue[k++] = w->queue[i];
    }
    w->nqueue = k;
}

void worker_unqueue (worker_t *w, uint32_t job)
{
    withdraw (w, 0, job);
}

void worker_interrupt_all (worker_t *w)
{
    withdraw (w, 1, 0);
    for (int i = 0; i < w->nrun_cap; i++)
        if (w->run[i].used)
            launcher_interrupt (w->l, w->run[i].tag);
}

/* A task's attempt (or its coordination command), not a node's
 * preparation or release: those number their node (and a pool's job), so
 * their index may equal any task's. */
static int is_task_kind (int kind)
{
    return kind == LAUNCH_TASK || kind == LAUNCH_COORD;
}

void worker_cancel (worker_t *w, uint32_t task)
{
    int k = 0;
    for (int i = 0; i < w->nqueue; i++) {
        if (w->queue[i].task == task && is_task_kind (w->queue[i].kind)) {
            fail_now (w, &w->queue[i], LAUNCH_INTERRUPTED, "cancelled before it started");
            assign_free (&w->queue[i]);
        }
        else
            w->queue[k++] = w->queue[i];
    }
    w->nqueue = k;
    for (int i = 0; i < w->nrun_cap; i++)
        if (w->run[i].used && (uint32_t)(w->run[i].tag >> 32) == task
            && is_task_kind (w->run[i].kind))
            launcher_interrupt (w->l, w->run[i].tag);
}

/* Read (at most cap bytes of) a spooled log into b and remove the file. */
static void read_spool (const char *prefix, const char *stream, buf_t *b, int64_t cap)
{
    char path[4200];
    snprintf (path, sizeof (path), "%s.%s", prefix, stream);
    FILE *f = fopen (path, "r");
    if (!f)
        return;
    char tmp[65536];
    size_t n;
    while ((n = fread (tmp, 1, sizeof (tmp), f)) > 0) {
        if (cap >= 0 && (int64_t)(b->len + n) > cap)
            n = (size_t)(cap - (int64_t)b->len);
        buf_add (b, tmp, n);
        if (cap >= 0 && (int64_t)b->len >= cap)
            break;
    }
    fclose (f);
    unlink (path);
}

int worker_collect (worker_t *w, buf_t *out)
{
    int count = 0, gone = 0;
    for (;;) {
        int n = launcher_read (w->l, w->rbuf, 64);
        if (n < 0) {
            gone = 1;
            break;
        }
        if (n == 0)
            break;
        for (int i = 0; i < n; i++) {
            running_t *r = NULL;
            for (int k = 0; k < w->nrun_cap; k++)
                if (w->run[k].used && w->run[k].tag == w->rbuf[i].tag) {
                    r = &w->run[k];
                    break;
                }
            if (!r)
                continue;
            result_t res;
            memset (&res, 0, sizeof (res));
            res.task = r->task;
            res.attempt = r->attempt;
            res.kind = r->kind;
            res.r = w->rbuf[i];
            snprintf (res.cpus, sizeof (res.cpus), "%s", r->cpus ? r->cpus : "");
            buf_t lo = { 0 }, le = { 0 };
            if (r->spool) {
                read_spool (r->spool, "stdout", &lo, r->max_log);
                read_spool (r->spool, "stderr", &le, r->max_log);
                res.out = lo.data ? lo.data : "";
                res.out_len = (uint32_t)lo.len;
                res.err = le.data ? le.data : "";
                res.err_len = (uint32_t)le.len;
            }
            result_pack (&res, out);
            buf_free (&lo);
            buf_free (&le);
            release_parts (w, r);
            r->used = 0;
            w->nrunning--;
            count++;
        }
        /* Waiting attempts start before the service hears of the end. */
        start_queued (w);
    }
    if (w->npending) {
        /* The pending buffer holds packed items only (no header). */
        buf_add (out, w->pending.data, w->pending.len);
        count += w->npending;
        w->npending = 0;
        buf_reset (&w->pending);
    }
    return gone && count == 0 ? -1 : count;
}
