/* worker.c: starting attempts on a worker's slots: cores, environment,
 * directories, and the results that go back to the service. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    int ngpus;
    int *gpus;          /* positions in the share's GPU list */
} running_t;

struct worker {
    launcher_t *l;
    const jobinfo_t *ji;
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

static void setenv_int (envb_t *e, const char *name, long long v)
{
    char s[32];
    snprintf (s, sizeof (s), "%lld", v);
    envb_set (e, name, s);
}

static void set_env_list (envb_t *e, const jobfile_env_t *l)
{
    for (int i = 0; i < l->n; i++)
        envb_set (e, l->names[i], l->values[i]);
}

/* MPIBATCH_PARAM_<NAME>: upper case, non-alphanumerics as '_'. */
static void set_param (envb_t *e, const char *name, const char *value)
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
    envb_set (e, var, value);
}

static int env_in (const jobfile_env_t *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp (l->names[i], name))
            return 1;
    return 0;
}

static void build_env (worker_t *w, const assign_t *a, const char *task_dir,
                       const char *wd, const char *cpus, const char *gpus)
{
    const jobinfo_t *ji = w->ji;
    envb_t *e = w->env;
    int azure = ji->env_compat == JOB_ENV_AZURE;
    envb_reset (e);
    set_env_list (e, &ji->env);
    set_env_list (e, &a->env);
    if (!env_in (&ji->env, "OMP_NUM_THREADS") && !env_in (&a->env, "OMP_NUM_THREADS"))
        setenv_int (e, "OMP_NUM_THREADS", a->slots > 0 ? a->slots : 1);
    envb_set (e, "MPIBATCH_JOB_ID", ji->job_id);
    envb_set (e, "MPIBATCH_TASK_ID", a->id);
    setenv_int (e, "MPIBATCH_TASK_ATTEMPT", a->attempt);
    setenv_int (e, "MPIBATCH_TASK_SLOTS", a->slots);
    envb_set (e, "MPIBATCH_TASK_CPUS", cpus);
    /* A task sees only its GPUs; without any, the variables are unset. */
    static const char *vis[] = { "MPIBATCH_TASK_GPUS", "CUDA_VISIBLE_DEVICES",
                                 "ROCR_VISIBLE_DEVICES", "ZE_AFFINITY_MASK" };
    for (size_t i = 0; i < sizeof (vis) / sizeof (vis[0]); i++)
        envb_set (e, vis[i], gpus && *gpus ? gpus : NULL);
    envb_set (e, "MPIBATCH_NODE_ID", w->node);
    setenv_int (e, "MPIBATCH_WORKER_RANK", w->rank);
    setenv_int (e, "MPIBATCH_NUM_WORKERS", ji->nworkers);
    envb_set (e, "MPIBATCH_STORAGE_DIR", ji->storage);
    envb_set (e, "MPIBATCH_NODE_ROOT_DIR", w->node_dir);
    envb_set (e, "MPIBATCH_NODE_SHARED_DIR", w->shared_dir);
    envb_set (e, "MPIBATCH_TASK_DIR", task_dir);
    envb_set (e, "MPIBATCH_TASK_WORKING_DIR", wd);
    char prep[4096] = "", prepwd[4096] = "";
    if (ji->has_prep) {
        snprintf (prep, sizeof (prep), "%s/prep", w->job_dir);
        snprintf (prepwd, sizeof (prepwd), "%s/prep/wd", w->job_dir);
        envb_set (e, "MPIBATCH_JOB_PREP_DIR", prep);
        envb_set (e, "MPIBATCH_JOB_PREP_WORKING_DIR", prepwd);
    }
    if (a->sweep_index >= 0) {
        setenv_int (e, "MPIBATCH_SWEEP_INDEX", a->sweep_index);
        for (int i = 0; i < a->nparams; i++)
            set_param (e, a->param_names[i], a->param_values[i]);
    }
    if (azure) {
        envb_set (e, "AZ_BATCH_JOB_ID", ji->job_id);
        envb_set (e, "AZ_BATCH_POOL_ID", ji->job_id);
        envb_set (e, "AZ_BATCH_TASK_ID", a->id);
        envb_set (e, "AZ_BATCH_NODE_ID", w->node);
        envb_set (e, "AZ_BATCH_NODE_ROOT_DIR", w->node_dir);
        envb_set (e, "AZ_BATCH_NODE_SHARED_DIR", w->shared_dir);
        envb_set (e, "AZ_BATCH_TASK_DIR", task_dir);
        envb_set (e, "AZ_BATCH_TASK_WORKING_DIR", wd);
        if (ji->has_prep) {
            envb_set (e, "AZ_BATCH_JOB_PREP_DIR", prep);
            envb_set (e, "AZ_BATCH_JOB_PREP_WORKING_DIR", prepwd);
        }
    }
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
static int write_hostfile (worker_t *w, const assign_t *a, char *dir, size_t len)
{
    char path[4300], shared[4300];
    snprintf (dir, len, "%s/mi/%s", w->job_dir, a->id);
    snprintf (shared, sizeof (shared), "%s/shared", dir);
    if (stage_mkdirs (shared) < 0)
        return -1;
    snprintf (path, sizeof (path), "%s/hostfile", dir);
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

static void set_mi_env (worker_t *w, const assign_t *a, const char *mi_dir)
{
    envb_t *e = w->env;
    char path[4300];
    snprintf (path, sizeof (path), "%s/hostfile", mi_dir);
    envb_set (e, "MPIBATCH_HOST_LIST", a->host_list);
    envb_set (e, "MPIBATCH_HOSTFILE", path);
    setenv_int (e, "MPIBATCH_NUM_INSTANCES", a->instances);
    envb_set (e, "MPIBATCH_IS_PRIMARY", a->is_primary ? "1" : "0");
    snprintf (path, sizeof (path), "%s/shared", mi_dir);
    envb_set (e, "MPIBATCH_TASK_SHARED_DIR", path);
    if (w->ji->env_compat != JOB_ENV_AZURE)
        return;
    /* Azure's names: hosts comma-separated, and semicolon-separated. */
    buf_t hosts = { 0 }, nodes = { 0 };
    char *list = strdup (a->host_list), *save = NULL;
    for (char *h = list ? strtok_r (list, ",", &save) : NULL; h; h = strtok_r (NULL, ",", &save)) {
        char *colon = strrchr (h, ':');
        if (colon)
            *colon = '\0';
        buf_printf (&hosts, "%s%s", hosts.len ? "," : "", h);
        buf_printf (&nodes, "%s%s", nodes.len ? ";" : "", h);
    }
    free (list);
    envb_set (e, "AZ_BATCH_HOST_LIST", hosts.data ? hosts.data : "");
    envb_set (e, "AZ_BATCH_NODE_LIST", nodes.data ? nodes.data : "");
    envb_set (e, "AZ_BATCH_IS_CURRENT_NODE_MASTER", a->is_primary ? "true" : "false");
    envb_set (e, "AZ_BATCH_TASK_SHARED_DIR", path);
    buf_free (&hosts);
    buf_free (&nodes);
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
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    res.r.start_time = res.r.end_time = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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
    char task_dir[4096], wd[4200], dest[4200], lout[4200], lerr[4200];
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

    if (a->kind == LAUNCH_PREP)
        snprintf (task_dir, sizeof (task_dir), "%s/prep", w->job_dir);
    else if (a->kind == LAUNCH_RELEASE)
        snprintf (task_dir, sizeof (task_dir), "%s/release", w->job_dir);
    else if (a->kind == LAUNCH_COORD)
        snprintf (task_dir, sizeof (task_dir), "%s/coord/%s", w->job_dir, a->id);
    else
        snprintf (task_dir, sizeof (task_dir), "%s/tasks/%s", w->job_dir, a->id);
    char mi_dir[4200] = "";
    if (a->host_list && write_hostfile (w, a, mi_dir, sizeof (mi_dir)) < 0) {
        release_parts (w, r);
        fail_now (w, a, LAUNCH_FAILED, "cannot write the hostfile of a multi-instance task");
        return 0;
    }
    snprintf (wd, sizeof (wd), "%s/wd", task_dir);
    snprintf (dest, sizeof (dest), "%s/outputs/%s/", ji->state, a->id);
    int bound = ji->binding != JOB_BIND_NONE && a->kind == LAUNCH_TASK;
    char gpus[256] = "";
    for (int i = 0, n = 0; i < r->ngpus; i++)
        n += snprintf (gpus + n, sizeof (gpus) - (size_t)n, "%s%d", i ? "," : "",
                       w->share->gpu_index[r->gpus[i]]);
    build_env (w, a, task_dir, wd, bound ? r->cpus : "", gpus);
    if (a->host_list)
        set_mi_env (w, a, mi_dir);

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
        snprintf (lout, sizeof (lout), "%s/logs/%s/%d.stdout", ji->state, a->id, a->attempt);
        snprintf (lerr, sizeof (lerr), "%s/logs/%s/%d.stderr", ji->state, a->id, a->attempt);
        req.log_stdout = lout;
        req.log_stderr = lerr;
    }
    else if (a->kind == LAUNCH_TASK && ji->logs == JOB_LOGS_REPORT) {
        /* Kept on the node until the result carries them to rank 0. */
        snprintf (lout, sizeof (lout), "%s/spool/%s.%d.stdout", w->job_dir, a->id, a->attempt);
        snprintf (lerr, sizeof (lerr), "%s/spool/%s.%d.stderr", w->job_dir, a->id, a->attempt);
        req.log_stdout = lout;
        req.log_stderr = lerr;
        if (asprintf (&r->spool, "%s/spool/%s.%d", w->job_dir, a->id, a->attempt) < 0)
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

void worker_unqueue (worker_t *w)
{
    for (int i = 0; i < w->nqueue; i++) {
        fail_now (w, &w->queue[i], LAUNCH_INTERRUPTED, "withdrawn before it started");
        assign_free (&w->queue[i]);
    }
    w->nqueue = 0;
}

void worker_interrupt_all (worker_t *w)
{
    worker_unqueue (w);
    for (int i = 0; i < w->nrun_cap; i++)
        if (w->run[i].used)
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
                read_spool (r->spool, "stdout", &lo, w->ji->max_log_size);
                read_spool (r->spool, "stderr", &le, w->ji->max_log_size);
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
