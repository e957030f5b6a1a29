/* proto.c: packing and unpacking of the messages between ranks. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/node/proto.h"

static void pack_env (buf_t *b, const jobfile_env_t *e)
{
    buf_pack_u32 (b, (uint32_t)e->n);
    for (int i = 0; i < e->n; i++) {
        buf_pack_str (b, e->names[i]);
        buf_pack_str (b, e->values[i]);
    }
}

static int unpack_env (unpack_t *u, jobfile_env_t *e)
{
    uint32_t n = unpack_u32 (u);
    if (u->err || n > u->left)
        return -1;
    e->n = (int)n;
    e->names = calloc (n + 1, sizeof (char *));
    e->values = calloc (n + 1, sizeof (char *));
    if (!e->names || !e->values) {
        /* free_env reads both arrays for n entries: none, then */
        e->n = 0;
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        e->names[i] = unpack_strdup (u);
        e->values[i] = unpack_strdup (u);
    }
    return u->err ? -1 : 0;
}

static void free_env (jobfile_env_t *e)
{
    for (int i = 0; e->names && i < e->n; i++) {
        free (e->names[i]);
        free (e->values[i]);
    }
    free (e->names);
    free (e->values);
    memset (e, 0, sizeof (*e));
}

static void pack_inputs (buf_t *b, const jobfile_input_t *in, int n)
{
    buf_pack_u32 (b, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        buf_pack_str (b, in[i].source);
        buf_pack_str (b, in[i].path);
        buf_pack_i32 (b, in[i].method);
        buf_pack_i32 (b, in[i].mode);
    }
}

static int unpack_inputs (unpack_t *u, jobfile_input_t **inp, int *np)
{
    uint32_t n = unpack_u32 (u);
    if (u->err || n > u->left)
        return -1;
    jobfile_input_t *in = calloc (n + 1, sizeof (*in));
    if (!in)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        in[i].source = unpack_strdup (u);
        in[i].path = unpack_strdup (u);
        in[i].method = unpack_i32 (u);
        in[i].mode = unpack_i32 (u);
    }
    *inp = in;
    *np = (int)n;
    return u->err ? -1 : 0;
}

static void free_inputs (jobfile_input_t *in, int n)
{
    for (int i = 0; in && i < n; i++) {
        free (in[i].source);
        free (in[i].path);
    }
    free (in);
}

int jobinfo_pack (const jobfile_job_t *job, const char *pool_dir, int nworkers,
                  double kill_grace, buf_t *b)
{
    buf_pack_u32 (b, PROTO_VERSION);
    buf_pack_str (b, job->id);
    buf_pack_str (b, job->storage);
    buf_pack_str (b, pool_dir);
    buf_pack_str (b, job->state);
    buf_pack_str (b, job->node_root);
    buf_pack_i32 (b, job->env_compat);
    buf_pack_i32 (b, job->binding);
    buf_pack_i32 (b, job->logs);
    buf_pack_i32 (b, job->retention);
    buf_pack_i32 (b, job->slots_kind);
    buf_pack_i32 (b, job->slots_per_worker);
    buf_pack_i32 (b, job->gpus_per_worker);
    buf_pack_i64 (b, job->max_log_size);
    buf_pack_dbl (b, kill_grace);
    buf_pack_i32 (b, nworkers);
    pack_env (b, &job->env);
    buf_pack_i32 (b, job->prep != NULL);
    buf_pack_i32 (b, job->release != NULL);
    if (job->prep) {
        buf_pack_str (b, job->prep->command);
        pack_env (b, &job->prep->env);
        pack_inputs (b, job->prep->inputs, job->prep->ninputs);
        buf_pack_dbl (b, job->prep->max_wall_clock);
    }
    if (job->release) {
        buf_pack_str (b, job->release->command);
        pack_env (b, &job->release->env);
        buf_pack_dbl (b, job->release->max_wall_clock);
    }
    return b->data ? 0 : -1;
}

int job_msg_pack (uint32_t num, const jobfile_job_t *job, const char *pool_dir, int nworkers,
                  double kill_grace, buf_t *b)
{
    if (buf_pack_u32 (b, PROTO_VERSION) < 0 || buf_pack_u32 (b, num) < 0)
        return -1;
    return jobinfo_pack (job, pool_dir, nworkers, kill_grace, b);
}

int job_msg_unpack (const void *p, size_t n, uint32_t *num, jobinfo_t *ji)
{
    unpack_t u;
    memset (ji, 0, sizeof (*ji));
    unpack_init (&u, p, n);
    uint32_t v = unpack_u32 (&u);
    *num = unpack_u32 (&u);
    if (u.err || v != PROTO_VERSION)
        return -1;
    return jobinfo_unpack (u.p, u.left, ji);
}

int jobinfo_unpack (const void *p, size_t n, jobinfo_t *ji)
{
    unpack_t u;
    memset (ji, 0, sizeof (*ji));
    unpack_init (&u, p, n);
    if (unpack_u32 (&u) != PROTO_VERSION)
        return -1;
    ji->job_id = unpack_strdup (&u);
    ji->storage = unpack_strdup (&u);
    ji->pool_dir = unpack_strdup (&u);
    ji->state = unpack_strdup (&u);
    ji->node_root = unpack_strdup (&u);
    ji->env_compat = unpack_i32 (&u);
    ji->binding = unpack_i32 (&u);
    ji->logs = unpack_i32 (&u);
    ji->retention = unpack_i32 (&u);
    ji->slots_kind = unpack_i32 (&u);
    ji->slots_per_worker = unpack_i32 (&u);
    ji->gpus_per_worker = unpack_i32 (&u);
    ji->max_log_size = unpack_i64 (&u);
    ji->kill_grace = unpack_dbl (&u);
    ji->nworkers = unpack_i32 (&u);
    if (unpack_env (&u, &ji->env) < 0)
        return -1;
    ji->has_prep = unpack_i32 (&u);
    ji->has_release = unpack_i32 (&u);
    if (ji->has_prep) {
        ji->prep_command = unpack_strdup (&u);
        if (unpack_env (&u, &ji->prep_env) < 0
            || unpack_inputs (&u, &ji->prep_inputs, &ji->prep_ninputs) < 0)
            return -1;
        ji->prep_max_wall_clock = unpack_dbl (&u);
    }
    if (ji->has_release) {
        ji->release_command = unpack_strdup (&u);
        if (unpack_env (&u, &ji->release_env) < 0)
            return -1;
        ji->release_max_wall_clock = unpack_dbl (&u);
    }
    return u.err ? -1 : 0;
}

void jobinfo_free (jobinfo_t *ji)
{
    if (!ji)
        return;
    free (ji->job_id);
    free (ji->storage);
    free (ji->pool_dir);
    free (ji->state);
    free (ji->node_root);
    free_env (&ji->env);
    free (ji->prep_command);
    free_env (&ji->prep_env);
    free_inputs (ji->prep_inputs, ji->prep_ninputs);
    free (ji->release_command);
    free_env (&ji->release_env);
    memset (ji, 0, sizeof (*ji));
}

int hello_pack (const hello_t *h, buf_t *b)
{
    buf_pack_u32 (b, PROTO_VERSION);
    buf_pack_i32 (b, h->rank);
    buf_pack_str (b, h->node);
    buf_pack_i32 (b, h->slots);
    buf_pack_i32 (b, h->ncores);
    buf_pack_i32 (b, h->npus);
    buf_pack_i64 (b, h->memory);
    buf_pack_i32 (b, h->gpus);
    buf_pack_str (b, h->cpus);
    buf_pack_str (b, h->error);
    return b->data ? 0 : -1;
}

static void copy_bytes (unpack_t *u, char *dst, size_t cap)
{
    uint32_t len;
    const char *s = unpack_bytes (u, &len);
    if (!s)
        len = 0;
    if (len >= cap)
        len = (uint32_t)cap - 1;
    if (len)
        memcpy (dst, s, len);
    dst[len] = '\0';
}

int hello_unpack (const void *p, size_t n, hello_t *h)
{
    unpack_t u;
    memset (h, 0, sizeof (*h));
    unpack_init (&u, p, n);
    if (unpack_u32 (&u) != PROTO_VERSION)
        return -1;
    h->rank = unpack_i32 (&u);
    copy_bytes (&u, h->node, sizeof (h->node));
    h->slots = unpack_i32 (&u);
    h->ncores = unpack_i32 (&u);
    h->npus = unpack_i32 (&u);
    h->memory = unpack_i64 (&u);
    h->gpus = unpack_i32 (&u);
    copy_bytes (&u, h->cpus, sizeof (h->cpus));
    copy_bytes (&u, h->error, sizeof (h->error));
    return u.err ? -1 : 0;
}

int assign_pack (const jobfile_task_t *t, uint32_t job, uint64_t tag, int attempt, int kind,
                 const assign_mi_t *mi, buf_t *b)
{
    buf_pack_u64 (b, tag);
    buf_pack_u32 (b, job);
    buf_pack_u32 (b, (uint32_t)t->index);
    buf_pack_i32 (b, attempt);
    buf_pack_i32 (b, kind);
    buf_pack_str (b, t->id);
    buf_pack_str (b, t->command);
    buf_pack_i32 (b, t->slots);
    buf_pack_i32 (b, t->gpus);
    buf_pack_i64 (b, t->memory);
    buf_pack_dbl (b, t->max_wall_clock);
    pack_env (b, &t->env);
    pack_inputs (b, t->inputs, t->ninputs);
    buf_pack_u32 (b, (uint32_t)t->noutputs);
    for (int i = 0; i < t->noutputs; i++) {
        buf_pack_str (b, t->outputs[i].pattern);
        buf_pack_str (b, t->outputs[i].destination);
        buf_pack_i32 (b, t->outputs[i].when);
    }
    buf_pack_i64 (b, t->sweep >= 0 ? (int64_t)t->sweep_index : -1);
    buf_pack_u32 (b, (uint32_t)t->nparams);
    for (int i = 0; i < t->nparams; i++) {
        buf_pack_str (b, t->param_names[i]);
        buf_pack_str (b, t->param_values[i]);
    }
    buf_pack_str (b, mi ? mi->host_list : NULL);
    buf_pack_i32 (b, mi ? mi->instances : 1);
    buf_pack_i32 (b, mi ? mi->is_primary : 1);
    buf_pack_i32 (b, mi ? mi->part_slots : t->slots);
    int map = t->exit && t->exit->any_succeed;
    buf_pack_bytes (b, map ? t->exit->succeed : NULL, map ? JOBFILE_SUCCEED_MAP : 0);
    return b->data ? 0 : -1;
}

int assign_unpack (unpack_t *u, assign_t *a)
{
    memset (a, 0, sizeof (*a));
    a->tag = unpack_u64 (u);
    a->job = unpack_u32 (u);
    a->task = unpack_u32 (u);
    a->attempt = unpack_i32 (u);
    a->kind = unpack_i32 (u);
    a->id = unpack_strdup (u);
    a->command = unpack_strdup (u);
    a->slots = unpack_i32 (u);
    a->gpus = unpack_i32 (u);
    a->memory = unpack_i64 (u);
    a->max_wall_clock = unpack_dbl (u);
    if (unpack_env (u, &a->env) < 0
        || unpack_inputs (u, &a->inputs, &a->ninputs) < 0)
        return -1;
    uint32_t n = unpack_u32 (u);
    if (u->err || n > u->left)
        return -1;
    a->outputs = calloc (n + 1, sizeof (jobfile_output_t));
    if (!a->outputs)
        return -1;
    a->noutputs = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        a->outputs[i].pattern = unpack_strdup (u);
        a->outputs[i].destination = unpack_strdup (u);
        a->outputs[i].when = unpack_i32 (u);
    }
    a->sweep_index = unpack_i64 (u);
    n = unpack_u32 (u);
    if (u->err || n > u->left)
        return -1;
    a->param_names = calloc (n + 1, sizeof (char *));
    a->param_values = calloc (n + 1, sizeof (char *));
    if (!a->param_names || !a->param_values)
        return -1;
    a->nparams = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        a->param_names[i] = unpack_strdup (u);
        a->param_values[i] = unpack_strdup (u);
    }
    a->host_list = unpack_strdup (u);
    a->instances = unpack_i32 (u);
    a->is_primary = unpack_i32 (u);
    a->part_slots = unpack_i32 (u);
    uint32_t nmap = 0;
    const char *map = unpack_bytes (u, &nmap);
    if (nmap == JOBFILE_SUCCEED_MAP) {
        memcpy (a->succeed, map, nmap);
        a->has_succeed = 1;
    }
    else if (nmap != 0)
        return -1;
    return u->err || !a->id || !a->command ? -1 : 0;
}

void assign_free (assign_t *a)
{
    if (!a)
        return;
    free (a->id);
    free (a->command);
    free_env (&a->env);
    free_inputs (a->inputs, a->ninputs);
    for (int i = 0; a->outputs && i < a->noutputs; i++) {
        free (a->outputs[i].pattern);
        free (a->outputs[i].destination);
    }
    free (a->outputs);
    for (int i = 0; a->param_names && i < a->nparams; i++) {
        free (a->param_names[i]);
        free (a->param_values[i]);
    }
    free (a->param_names);
    free (a->param_values);
    free (a->host_list);
    memset (a, 0, sizeof (*a));
}

int result_pack (const result_t *res, buf_t *b)
{
    const launch_result_t *r = &res->r;
    buf_pack_u32 (b, res->task);
    buf_pack_i32 (b, res->attempt);
    buf_pack_i32 (b, res->kind);
    buf_pack_u64 (b, r->tag);
    buf_pack_i32 (b, r->outcome);
    buf_pack_i32 (b, r->exit_code);
    buf_pack_i32 (b, r->signal);
    buf_pack_i32 (b, r->timed_out);
    buf_pack_dbl (b, r->start_time);
    buf_pack_dbl (b, r->end_time);
    buf_pack_dbl (b, r->user_seconds);
    buf_pack_dbl (b, r->system_seconds);
    buf_pack_i64 (b, r->max_rss_kib);
    buf_pack_i64 (b, r->bytes_in);
    buf_pack_i64 (b, r->bytes_out);
    buf_pack_i32 (b, r->log_cut);
    buf_pack_str (b, r->reason);
    buf_pack_str (b, res->cpus);
    if (res->out)
        buf_pack_bytes (b, res->out, res->out_len);
    else
        buf_pack_str (b, NULL);
    if (res->err)
        buf_pack_bytes (b, res->err, res->err_len);
    else
        buf_pack_str (b, NULL);
    return b->data ? 0 : -1;
}

int result_unpack (unpack_t *u, result_t *res)
{
    launch_result_t *r = &res->r;
    memset (res, 0, sizeof (*res));
    res->task = unpack_u32 (u);
    res->attempt = unpack_i32 (u);
    res->kind = unpack_i32 (u);
    r->tag = unpack_u64 (u);
    r->outcome = unpack_i32 (u);
    r->exit_code = unpack_i32 (u);
    r->signal = unpack_i32 (u);
    r->timed_out = unpack_i32 (u);
    r->start_time = unpack_dbl (u);
    r->end_time = unpack_dbl (u);
    r->user_seconds = unpack_dbl (u);
    r->system_seconds = unpack_dbl (u);
    r->max_rss_kib = unpack_i64 (u);
    r->bytes_in = unpack_i64 (u);
    r->bytes_out = unpack_i64 (u);
    r->log_cut = unpack_i32 (u);
    copy_bytes (u, r->reason, sizeof (r->reason));
    copy_bytes (u, res->cpus, sizeof (res->cpus));
    res->out = unpack_bytes (u, &res->out_len);
    res->err = unpack_bytes (u, &res->err_len);
    return u->err ? -1 : 0;
}

void proto_batch_begin (buf_t *b)
{
    buf_reset (b);
    buf_pack_u32 (b, PROTO_VERSION);
    buf_pack_u32 (b, 0);
}

void proto_batch_end (buf_t *b, uint32_t count)
{
    if (b->len >= 8)
        memcpy (b->data + 4, &count, 4);
}

int proto_batch_read (unpack_t *u, const void *p, size_t n)
{
    unpack_init (u, p, n);
    if (unpack_u32 (u) != PROTO_VERSION)
        return -1;
    uint32_t count = unpack_u32 (u);
    if (u->err || count > INT_MAX)
        return -1;
    return (int)count;
}

static double env_seconds (const char *name, double dflt)
{
    const char *v = getenv (name);
    double d = v ? atof (v) : 0;
    return d > 0 ? d : dflt;
}

double proto_heartbeat_interval (void)
{
    return env_seconds ("MPIBATCH_HEARTBEAT", 5.0);
}

double proto_heartbeat_timeout (void)
{
    double hb = proto_heartbeat_interval ();
    return env_seconds ("MPIBATCH_HEARTBEAT_TIMEOUT", hb * 6 > 30 ? hb * 6 : 30);
}
