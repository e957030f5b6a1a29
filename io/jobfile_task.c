/* jobfile_task.c: expand one task of a loaded job on demand, and the per-task queries. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/jobfile_int.h"

/* What a jobfile_task_t owns between calls. */
struct tpriv {
    char **strs;        /* every expanded string */
    size_t nstrs, cap;
    char num[JF_MAXVARS][32];
    const char *vals[JF_MAXVARS];
};

static void priv_reset (jobfile_task_t *t)
{
    struct tpriv *p = t->priv_;
    if (p) {
        for (size_t k = 0; k < p->nstrs; k++)
            free (p->strs[k]);
        p->nstrs = 0;
    }
    free (t->env.names);
    free (t->env.values);
    free (t->inputs);
    free (t->outputs);
    free ((void *)t->depends_on);
    free ((void *)t->param_names);
    free ((void *)t->param_values);
    void *keep = t->priv_;
    memset (t, 0, sizeof (*t));
    t->priv_ = keep;
}

void jobfile_task_clear (jobfile_task_t *t)
{
    if (!t)
        return;
    int saved = errno;
    priv_reset (t);
    struct tpriv *p = t->priv_;
    if (p)
        free (p->strs);
    free (p);
    t->priv_ = NULL;
    errno = saved;
}

static const char *keep (struct tpriv *p, char *s)
{
    if (!s)
        return NULL;
    if (p->nstrs == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **n = realloc (p->strs, cap * sizeof (char *));
        if (!n) {
            free (s);
            return NULL;
        }
        p->strs = n;
        p->cap = cap;
    }
    p->strs[p->nstrs++] = s;
    return s;
}

/* Expand t, or NULL for an absent template; *bad is set on ENOMEM. */
static const char *ex (struct tpriv *p, const tmpl_t *t, int *bad)
{
    if (!t)
        return NULL;
    const char *s = keep (p, jf_expand (t, p->vals));
    if (!s)
        *bad = 1;
    return s;
}

void jobfile_task_reqs (const jobfile_t *jf, size_t i, jobfile_reqs_t *r)
{
    const struct spec *sp = jf->specs[jf->tasks[i].spec];
    *r = sp->reqs;
    if (r->max_retries == -2)
        r->max_retries = jf->job.max_task_retries;
    r->exit = sp->exit_set ? &sp->exit : &jf->job_exit;
}

int jobfile_task_get (const jobfile_t *jf, size_t i, jobfile_task_t *t)
{
    if (!jf || !t || i >= jf->ntasks) {
        errno = EINVAL;
        return -1;
    }
    priv_reset (t);
    if (!t->priv_ && !(t->priv_ = calloc (1, sizeof (struct tpriv))))
        return -1;
    struct tpriv *p = t->priv_;
    const struct trec *r = &jf->tasks[i];
    const struct spec *sp = jf->specs[r->spec];
    jobfile_reqs_t q;
    int bad = 0;

    jobfile_task_reqs (jf, i, &q);
    t->index = i;
    t->slots = q.slots;
    t->gpus = q.gpus;
    t->memory = q.memory;
    t->time_request = q.time_request;
    t->priority = q.priority;
    t->on_failure = q.on_failure;
    t->max_retries = q.max_retries;
    t->max_requeues = q.max_requeues;
    t->exit = q.exit;
    t->max_wall_clock = q.max_wall_clock;
    t->instances = q.instances;
    t->sweep = sp->sweep;
    t->file = sp->file;
    t->line = sp->kind == SPEC_CMDFILE ? (int)sp->lineno[r->k] : sp->id_line;
    if (sp->kind == SPEC_CMDFILE) {
        char *id = NULL;
        if (asprintf (&id, "%s%u", sp->id_prefix ? sp->id_prefix : "line-",
                      (unsigned)sp->lineno[r->k]) < 0)
            return -1;
        t->id = keep (p, id);
        t->command = keep (p, strdup (sp->cmds[r->k]));
        return t->id && t->command ? 0 : -1;
    }
    if (sp->kind == SPEC_SWEEP) {
        jf_values (jf, sp, r->k, p->vals, p->num);
        t->sweep_index = r->k;
        t->nparams = sp->nparams;
        t->param_names = calloc (sp->nparams + 1, sizeof (char *));
        t->param_values = calloc (sp->nparams + 1, sizeof (char *));
        if (!t->param_names || !t->param_values)
            return -1;
        for (int v = 0; v < sp->nparams; v++) {
            t->param_names[v] = sp->vars[v];
            t->param_values[v] = keep (p, strdup (p->vals[v]));
            if (!t->param_values[v])
                bad = 1;
        }
    }
    t->id = ex (p, sp->id, &bad);
    p->vals[sp->nparams + 1] = t->id;   /* ${task} */
    t->command = ex (p, sp->command, &bad);
    t->coordination_command = ex (p, sp->coord, &bad);
    t->env.n = sp->nenv;
    t->env.names = calloc (sp->nenv + 1, sizeof (char *));
    t->env.values = calloc (sp->nenv + 1, sizeof (char *));
    t->inputs = calloc (sp->ninputs + 1, sizeof (*t->inputs));
    t->outputs = calloc (sp->noutputs + 1, sizeof (*t->outputs));
    t->depends_on = calloc (sp->ndeps + 1, sizeof (char *));
    if (!t->env.names || !t->env.values || !t->inputs || !t->outputs || !t->depends_on)
        return -1;
    for (int k = 0; k < sp->nenv; k++) {
        t->env.names[k] = sp->env_names[k];
        t->env.values[k] = (char *)ex (p, sp->env_vals[k], &bad);
    }
    t->ninputs = sp->ninputs;
    for (int k = 0; k < sp->ninputs; k++) {
        t->inputs[k].source = (char *)ex (p, sp->inputs[k].source, &bad);
        t->inputs[k].path = (char *)ex (p, sp->inputs[k].path, &bad);
        t->inputs[k].method = sp->inputs[k].method;
        t->inputs[k].mode = sp->inputs[k].mode;
    }
    t->noutputs = sp->noutputs;
    for (int k = 0; k < sp->noutputs; k++) {
        t->outputs[k].pattern = (char *)ex (p, sp->outputs[k].pattern, &bad);
        t->outputs[k].destination = (char *)ex (p, sp->outputs[k].dest, &bad);
        t->outputs[k].when = sp->outputs[k].when;
    }
    t->ndepends = sp->ndeps;
    for (int k = 0; k < sp->ndeps; k++)
        t->depends_on[k] = ex (p, sp->deps[k], &bad);
    if (bad) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

const char *jobfile_task_id (const jobfile_t *jf, size_t i, char *buf, size_t len)
{
    buf_t b = { 0 };
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (jf && i < jf->ntasks && jf_expand_id (jf, i, &b) == 0 && b.data)
        snprintf (buf, len, "%s", b.data);
    buf_free (&b);
    return buf;
}

void jobfile_deps (const jobfile_t *jf, const uint32_t **off, const uint32_t **deps)
{
    *off = jf->doff;
    *deps = jf->deps;
}

/* Fields are NUL-separated so ("ab","c") and ("a","bc") differ. */
static void put (buf_t *b, const char *s)
{
    if (s)
        buf_adds (b, s);
    buf_add (b, "", 1);
}

uint64_t jobfile_task_digest (const jobfile_t *jf, size_t i)
{
    jobfile_task_t t = { 0 };
    buf_t b = { 0 };
    uint64_t h = 0;
    if (jobfile_task_get (jf, i, &t) < 0)
        goto out;
    put (&b, t.command);
    for (int k = 0; k < t.env.n; k++) {
        buf_printf (&b, "%s=", t.env.names[k]);
        put (&b, t.env.values[k]);
    }
    for (int k = 0; k < t.ninputs; k++) {
        put (&b, t.inputs[k].source);
        put (&b, t.inputs[k].path);
        buf_printf (&b, "%d/%d", t.inputs[k].method, t.inputs[k].mode);
        put (&b, NULL);
    }
    for (int k = 0; k < t.noutputs; k++) {
        put (&b, t.outputs[k].pattern);
        put (&b, t.outputs[k].destination);
        buf_printf (&b, "%d", t.outputs[k].when);
        put (&b, NULL);
    }
    h = hash_digest64 (b.data ? b.data : "", b.len);
out:
    buf_free (&b);
    jobfile_task_clear (&t);
    return h;
}

void jobfile_stats (const jobfile_t *jf, jobfile_stats_t *st)
{
    memset (st, 0, sizeof (*st));
    if (!jf)
        return;
    st->tasks = jf->ntasks;
    st->sweeps = (size_t)jf->job.nsweeps;
    st->edges = jf->nedges;
    st->inputs = jf->ninputs;
    for (int s = 0; s < jf->nspecs; s++)
        if (jf->specs[s]->kind == SPEC_SWEEP)
            st->from_sweeps += jf->specs[s]->count;
}
