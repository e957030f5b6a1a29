/* jobfile_spec.c: read task entries, sweeps, command_file and preparation/release groups. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "io/jobfile_int.h"

static const char *const task_keys[] = {
    "id", "command", "slots", "gpus", "memory", "time_request", "priority",
    "depends_on", "on_failure", "max_retries", "max_wall_clock", "environment",
    "inputs", "outputs", "instances", "coordination_command", "exit_conditions",
    "max_requeues", NULL
};
static const char *const sweep_keys[] = {
    "id", "command", "slots", "gpus", "memory", "time_request", "priority",
    "depends_on", "on_failure", "max_retries", "max_wall_clock", "environment",
    "inputs", "outputs", "instances", "coordination_command", "exit_conditions",
    "max_requeues", "parameters", "mode", "name", NULL
};
static const char *const input_keys[] = { "source", "path", "method", "mode", NULL };
static const char *const output_keys[] = { "pattern", "destination", "when", NULL };
static const char *const range_keys[] = { "from", "to", "step", NULL };
static const char *const prep_keys[] = {
    "command", "environment", "inputs", "max_wall_clock", "max_retries",
    "wait_for_success", NULL
};
static const char *const release_keys[] = {
    "command", "environment", "max_wall_clock", NULL
};
static const char *const on_failure_names[] = { "block", "satisfy", NULL };
static const char *const method_names[] = { "copy", "link", "symlink", NULL };
static const char *const when_names[] = { "success", "failure", "completion", NULL };
static const char *const mode_names[] = { "product", "zip", NULL };

void jf_env_free (jobfile_env_t *env)
{
    for (int k = 0; k < env->n; k++) {
        free (env->names[k]);
        free (env->values[k]);
    }
    free (env->names);
    free (env->values);
    memset (env, 0, sizeof (*env));
}

void jf_spec_destroy (struct spec *sp)
{
    if (!sp)
        return;
    int saved = errno;
    tmpl_destroy (sp->id);
    tmpl_destroy (sp->command);
    tmpl_destroy (sp->coord);
    for (int k = 0; k < sp->nenv; k++) {
        free (sp->env_names[k]);
        tmpl_destroy (sp->env_vals[k]);
    }
    free (sp->env_names);
    free (sp->env_vals);
    for (int k = 0; k < sp->ninputs; k++) {
        tmpl_destroy (sp->inputs[k].source);
        tmpl_destroy (sp->inputs[k].path);
    }
    free (sp->inputs);
    for (int k = 0; k < sp->noutputs; k++) {
        tmpl_destroy (sp->outputs[k].pattern);
        tmpl_destroy (sp->outputs[k].dest);
    }
    free (sp->outputs);
    for (int k = 0; k < sp->ndeps; k++)
        tmpl_destroy (sp->deps[k]);
    free (sp->deps);
    free (sp->dep_lines);
    free (sp->dimn);
    jf_exit_free (&sp->exit);
    for (int v = 0; v < sp->nparams; v++) {
        if (sp->vs[v].strs) {
            for (size_t i = 0; i < sp->vs[v].nstrs; i++)
                free (sp->vs[v].strs[i]);
            free (sp->vs[v].strs);
        }
    }
    free (sp->vs);
    for (int v = 0; v < sp->nvars; v++)
        free (sp->vars[v]);
    free (sp->vars);
    for (size_t i = 0; sp->cmds && i < sp->count; i++)
        free (sp->cmds[i]);
    free (sp->cmds);
    free (sp->lineno);
    free (sp->id_prefix);
    if (sp->kind == SPEC_CMDFILE)
        free ((char *)sp->file);   /* the command file's path is ours */
    free (sp);
    errno = saved;
}

static int add_spec (jobfile_t *jf, struct spec *sp)
{
    struct spec **p = realloc (jf->specs, (jf->nspecs + 1) * sizeof (*p));
    if (!p)
        return -1;
    jf->specs = p;
    jf->specs[jf->nspecs++] = sp;
    return 0;
}

/* Make the template of string setting s: a real template inside a sweep
 * (sp->nvars > 0 or sp->kind == SPEC_SWEEP), literal text elsewhere. */
static tmpl_t *mk_tmpl (jobfile_t *jf, struct spec *sp, const config_setting_t *s,
                        const char *what, int is_id, int *bad)
{
    if (config_setting_type (s) != CONFIG_TYPE_STRING) {
        jf_err (jf, s, "%s must be a string", what);
        *bad = 1;
        return NULL;
    }
    const char *str = config_setting_get_string (s);
    tmpl_t *t;
    char *unknown = NULL;
    if (sp->kind != SPEC_SWEEP)
        t = tmpl_literal (str);
    else {
        /* The id cannot use ${task}: the task's id is what it defines. */
        int task_var = sp->nparams + 1;
        t = tmpl_parse (str, (const char *const *)sp->vars, sp->nvars, &unknown);
        if (t && is_id && tmpl_uses (t, task_var)) {
            tmpl_destroy (t);
            t = NULL;
            errno = EINVAL;
            unknown = strdup ("task");
        }
    }
    if (!t) {
        if (errno == EINVAL)
            jf_err (jf, s, "unknown template variable '${%s}' in %s",
                    unknown ? unknown : "?", what);
        else
            jf_err (jf, s, "%s: %s", what, strerror (errno));
        free (unknown);
        *bad = 1;
    }
    return t;
}

static tmpl_t *mk_member (jobfile_t *jf, struct spec *sp, const config_setting_t *g,
                          const char *name, int required, int is_id, int *bad)
{
    config_setting_t *s = config_setting_get_member (g, name);
    if (!s) {
        if (required) {
            jf_err (jf, g, "missing required key '%s'", name);
            *bad = 1;
        }
        return NULL;
    }
    return mk_tmpl (jf, sp, s, name, is_id, bad);
}

static int parse_mode (jobfile_t *jf, const config_setting_t *g, int *out)
{
    config_setting_t *s = config_setting_get_member (g, "mode");
    if (!s)
        return 0;
    const char *v = config_setting_type (s) == CONFIG_TYPE_STRING
                    ? config_setting_get_string (s) : NULL;
    char *end = NULL;
    long m = v && *v ? strtol (v, &end, 8) : -1;
    if (config_setting_type (s) == CONFIG_TYPE_INT)
        m = config_setting_get_int (s);
    else if (!end || *end)
        m = -1;
    if (m < 0 || m > 07777)
        return jf_err (jf, s, "mode must be an octal string such as \"0644\"");
    *out = (int)m;
    return 1;
}

/* inputs, outputs, environment and depends_on of a task or sweep. */
static void parse_lists (jobfile_t *jf, struct spec *sp, const config_setting_t *g, int *bad)
{
    config_setting_t *s;

    if ((s = config_setting_get_member (g, "environment"))) {
        if (!config_setting_is_group (s)) {
            jf_err (jf, s, "environment must be a group of NAME = \"value\"");
            *bad = 1;
        }
        else {
            int n = config_setting_length (s);
            sp->env_names = calloc (n + 1, sizeof (char *));
            sp->env_vals = calloc (n + 1, sizeof (tmpl_t *));
            if (!sp->env_names || !sp->env_vals) {
                *bad = 1;
                return;
            }
            for (int k = 0; k < n; k++) {
                config_setting_t *e = config_setting_get_elem (s, k);
                tmpl_t *t = mk_tmpl (jf, sp, e, config_setting_name (e), 0, bad);
                if (t) {
                    sp->env_names[sp->nenv] = strdup (config_setting_name (e));
                    sp->env_vals[sp->nenv++] = t;
                }
            }
        }
    }
    if ((s = config_setting_get_member (g, "inputs"))) {
        if (!config_setting_is_list (s) && !config_setting_is_array (s)) {
            jf_err (jf, s, "inputs must be a list of groups ( { source = ...; }, ... )");
            *bad = 1;
        }
        else {
            int n = config_setting_length (s);
            if (!(sp->inputs = calloc (n + 1, sizeof (*sp->inputs)))) {
                *bad = 1;
                return;
            }
            for (int k = 0; k < n; k++) {
                config_setting_t *e = config_setting_get_elem (s, k);
                if (!config_setting_is_group (e)) {
                    jf_err (jf, e, "each input must be a group { source = ...; }");
                    *bad = 1;
                    continue;
                }
                jf_check_keys (jf, e, input_keys);
                struct inspec *in = &sp->inputs[sp->ninputs++];
                in->file = jf_file (jf, e);
                in->line = jf_line (e);
                in->mode = -1;
                in->source = mk_member (jf, sp, e, "source", 1, 0, bad);
                in->path = mk_member (jf, sp, e, "path", 0, 0, bad);
                if (jf_get_enum (jf, e, "method", method_names, &in->method) < 0)
                    *bad = 1;
                if (parse_mode (jf, e, &in->mode) < 0)
                    *bad = 1;
            }
        }
    }
    if ((s = config_setting_get_member (g, "outputs"))) {
        if (!config_setting_is_list (s) && !config_setting_is_array (s)) {
            jf_err (jf, s, "outputs must be a list of groups ( { pattern = ...; }, ... )");
            *bad = 1;
        }
        else {
            int n = config_setting_length (s);
            if (!(sp->outputs = calloc (n + 1, sizeof (*sp->outputs)))) {
                *bad = 1;
                return;
            }
            for (int k = 0; k < n; k++) {
                config_setting_t *e = config_setting_get_elem (s, k);
                if (!config_setting_is_group (e)) {
                    jf_err (jf, e, "each output must be a group { pattern = ...; }");
                    *bad = 1;
                    continue;
                }
                jf_check_keys (jf, e, output_keys);
                struct outspec *out = &sp->outputs[sp->noutputs++];
                out->file = jf_file (jf, e);
                out->line = jf_line (e);
                out->when = OUTPUT_COMPLETION;
                out->pattern = mk_member (jf, sp, e, "pattern", 1, 0, bad);
                out->dest = mk_member (jf, sp, e, "destination", 0, 0, bad);
                if (jf_get_enum (jf, e, "when", when_names, &out->when) < 0)
                    *bad = 1;
            }
        }
    }
    if ((s = config_setting_get_member (g, "depends_on"))) {
        int n = 1;
        int single = config_setting_type (s) == CONFIG_TYPE_STRING;
        if (!single && !config_setting_is_list (s) && !config_setting_is_array (s)) {
            jf_err (jf, s, "depends_on must be a list of task ids or patterns");
            *bad = 1;
            return;
        }
        if (!single)
            n = config_setting_length (s);
        sp->deps = calloc (n + 1, sizeof (tmpl_t *));
        sp->dep_lines = calloc (n + 1, sizeof (int));
        if (!sp->deps || !sp->dep_lines) {
            *bad = 1;
            return;
        }
        for (int k = 0; k < n; k++) {
            config_setting_t *e = single ? s : config_setting_get_elem (s, k);
            tmpl_t *t = mk_tmpl (jf, sp, e, "depends_on entry", 0, bad);
            if (t) {
                sp->dep_lines[sp->ndeps] = jf_line (e) > 0 ? jf_line (e) : jf_line (s);
                sp->deps[sp->ndeps++] = t;
            }
        }
    }
}

/* The keys shared by tasks and sweeps. */
static void parse_task_keys (jobfile_t *jf, struct spec *sp, const config_setting_t *g, int *bad)
{
    jobfile_reqs_t *r = &sp->reqs;
    config_setting_t *s;

    r->slots = 1;
    r->gpus = 0;
    r->memory = 0;
    r->priority = 0;
    r->max_retries = -2;
    r->on_failure = TASK_BLOCK;
    r->instances = 1;
    r->time_request = JOB_UNLIMITED;
    r->max_wall_clock = JOB_UNLIMITED;
    r->max_requeues = JOB_DEFAULT_MAX_REQUEUES;
    sp->file = jf_file (jf, g);
    sp->line = jf_line (g);
    sp->id_line = sp->line;
    if ((s = config_setting_get_member (g, "id")))
        sp->id_line = jf_line (s);
    sp->id = mk_member (jf, sp, g, "id", 1, 1, bad);
    /* A literal id is checked once here; templated ones per task. */
    if (sp->id && !tmpl_has_vars (sp->id)) {
        const char *why = jobfile_id_problem (tmpl_text (sp->id));
        if (why) {
            jf_errl (jf, sp->file, sp->id_line, "invalid id '%s': %s", tmpl_text (sp->id), why);
            *bad = 1;
        }
    }
    sp->command = mk_member (jf, sp, g, "command", 1, 0, bad);
    sp->coord = mk_member (jf, sp, g, "coordination_command", 0, 0, bad);
    /* Every key is read, so that all their mistakes are reported. */
    int rcs[] = {
        jf_get_int (jf, g, "slots", 1, &r->slots),
        jf_get_int (jf, g, "gpus", 0, &r->gpus),
        jf_get_size (jf, g, "memory", &r->memory),
        jf_get_duration (jf, g, "time_request", &r->time_request),
        jf_get_int (jf, g, "priority", INT32_MIN, &r->priority),
        jf_get_enum (jf, g, "on_failure", on_failure_names, &r->on_failure),
        jf_get_duration (jf, g, "max_wall_clock", &r->max_wall_clock),
        jf_get_int (jf, g, "instances", 1, &r->instances),
        jf_get_int (jf, g, "max_requeues", 0, &r->max_requeues),
    };
    for (size_t k = 0; k < sizeof (rcs) / sizeof (rcs[0]); k++) {
        if (rcs[k] < 0)
            *bad = 1;
    }
    int rc = jf_get_int (jf, g, "max_retries", -1, &r->max_retries);
    if (rc < 0)
        *bad = 1;
    sp->retries_set = rc > 0;
    /* The rules are data: never templates, the same for every task of a
     * sweep, so they are read once here. */
    if ((s = config_setting_get_member (g, "exit_conditions"))) {
        sp->exit_set = 1;
        if (jf_parse_exit (jf, s, &sp->exit) < 0)
            *bad = 1;
    }
    parse_lists (jf, sp, g, bad);
}

int jf_parse_tasks (jobfile_t *jf, const config_setting_t *list)
{
    if (!config_setting_is_list (list))
        return jf_err (jf, list, "tasks must be a list of groups ( { id = ...; }, ... )");
    int n = config_setting_length (list);
    for (int i = 0; i < n && !jf_full (jf); i++) {
        config_setting_t *g = config_setting_get_elem (list, i);
        if (!config_setting_is_group (g)) {
            jf_err (jf, g, "each task must be a group { id = ...; command = ...; }");
            continue;
        }
        struct spec *sp = calloc (1, sizeof (*sp));
        int bad = 0;
        if (!sp)
            return -1;
        sp->kind = SPEC_TASK;
        sp->sweep = -1;
        sp->count = 1;
        jf_check_keys (jf, g, task_keys);
        parse_task_keys (jf, sp, g, &bad);
        /* A task with other mistakes still takes part in the id and
         * dependency checks (the load fails anyway); one without an id
         * cannot. */
        if (!sp->id || add_spec (jf, sp) < 0)
            jf_spec_destroy (sp);
    }
    return 0;
}

static int add_var (struct spec *sp, const char *name)
{
    char **p = realloc (sp->vars, (sp->nvars + 1) * sizeof (char *));
    if (!p)
        return -1;
    sp->vars = p;
    if (!(p[sp->nvars] = strdup (name)))
        return -1;
    sp->nvars++;
    return 0;
}

static int add_dim (struct spec *sp, size_t n)
{
    size_t *p = realloc (sp->dimn, (sp->ndims + 1) * sizeof (size_t));
    if (!p)
        return -1;
    sp->dimn = p;
    p[sp->ndims++] = n;
    return 0;
}

static struct vsrc *add_param (jobfile_t *jf, struct spec *sp, const config_setting_t *s,
                               const char *name)
{
    if (!jf_is_identifier (name)) {
        jf_err (jf, s, "parameter name '%s' must be an identifier", name);
        return NULL;
    }
    if (!strcmp (name, "job") || !strcmp (name, "task") || !strcmp (name, "index")) {
        jf_err (jf, s, "parameter name '%s' must not be job, task or index", name);
        return NULL;
    }
    for (int v = 0; v < sp->nparams; v++) {
        if (!strcmp (sp->vars[v], name)) {
            jf_err (jf, s, "parameter '%s' is defined twice", name);
            return NULL;
        }
    }
    struct vsrc *p = realloc (sp->vs, (sp->nparams + 1) * sizeof (*p));
    if (!p)
        return NULL;
    sp->vs = p;
    if (add_var (sp, name) < 0)
        return NULL;
    memset (&p[sp->nparams], 0, sizeof (*p));
    p[sp->nparams].dim = sp->ndims;
    return &p[sp->nparams++];
}

static int param_table (jobfile_t *jf, struct spec *sp, const config_setting_t *s)
{
    const char *rel = config_setting_get_string (s);
    char *path = jf_path_join (jf->job.dir, rel);
    int badline = 0;
    FILE *fp = path ? jf_open_data (jf, path) : NULL;
    csv_t *c = fp ? csv_read_stream (fp, &badline) : NULL;
    int rc = -1;

    if (fp) {
        int saved = errno;
        fclose (fp);
        errno = saved;
    }

    if (!c) {
        if (badline)
            jf_err (jf, s, "cannot read table '%s': unterminated quote at line %d", rel, badline);
        else
            jf_err (jf, s, "cannot read table '%s': %s", rel, strerror (errno));
        goto out;
    }
    if (c->nrows < 2) {
        jf_err (jf, s, "table '%s' has no values (a header row and at least one row are needed)", rel);
        goto out;
    }
    int nc = c->ncols[0];
    for (size_t r = 1; r < c->nrows; r++) {
        if (c->ncols[r] != nc) {
            jf_err (jf, s, "cannot read table '%s': row %zu has %d fields, the header %d",
                    rel, r + 1, c->ncols[r], nc);
            goto out;
        }
    }
    size_t n = c->nrows - 1;
    for (int k = 0; k < nc; k++) {
        struct vsrc *vs = add_param (jf, sp, s, c->fields[0][k]);
        if (!vs)
            goto out;
        vs->kind = VS_STRINGS;
        if (!(vs->strs = calloc (n, sizeof (char *))))
            goto out;
        vs->nstrs = n;
        for (size_t r = 0; r < n; r++) {
            vs->strs[r] = c->fields[r + 1][k];
            c->fields[r + 1][k] = strdup ("");
        }
    }
    rc = add_dim (sp, n);
out:
    csv_destroy (c);
    free (path);
    return rc;
}

static int num_of (const config_setting_t *s, double *d, long long *i)
{
    int t = config_setting_type (s);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        *i = config_setting_get_int64 (s);
        *d = (double)*i;
        return 1;
    }
    if (t == CONFIG_TYPE_FLOAT) {
        *d = config_setting_get_float (s);
        return 2;
    }
    return 0;
}

static int param_range (jobfile_t *jf, struct spec *sp, const config_setting_t *s,
                        const char *name)
{
    config_setting_t *f = config_setting_get_member (s, "from");
    config_setting_t *t = config_setting_get_member (s, "to");
    config_setting_t *st = config_setting_get_member (s, "step");
    double df, dt, ds = 1;
    long long lf = 0, lt = 0, ls = 1;
    int kf, kt, ks = 1;

    jf_check_keys (jf, s, range_keys);
    if (!f)
        return jf_err (jf, s, "missing required key 'from'");
    if (!t)
        return jf_err (jf, s, "missing required key 'to'");
    if (!(kf = num_of (f, &df, &lf)))
        return jf_err (jf, f, "from must be a number");
    if (!(kt = num_of (t, &dt, &lt)))
        return jf_err (jf, t, "to must be a number");
    if (st && !(ks = num_of (st, &ds, &ls)))
        return jf_err (jf, st, "step must be a number");
    if (ds == 0)
        return jf_err (jf, st, "step must not be 0");
    if ((dt - df) * ds < 0)
        return jf_err (jf, st ? st : s, "step %s goes away from 'to' (from %g to %g)",
                       ds < 0 ? "is negative and" : "is positive and", df, dt);
    struct vsrc *vs = add_param (jf, sp, s, name);
    if (!vs)
        return -1;
    size_t n;
    /* Integer when all three are integers, else float with a tolerance
     * so that 0 to 1 by 0.1 includes 1. */
    if (kf == 1 && kt == 1 && ks == 1) {
        vs->kind = VS_INT_RANGE;
        vs->ifrom = lf;
        vs->istep = ls;
        n = (size_t)((lt - lf) / ls) + 1;
    }
    else {
        vs->kind = VS_DBL_RANGE;
        vs->dfrom = df;
        vs->dstep = ds;
        double c = floor ((dt - df) / ds + 1e-9) + 1;
        if (c > 4e9)
            return jf_err (jf, s, "parameter '%s' has too many values", name);
        n = (size_t)c;
    }
    if (n > UINT32_MAX - 1)
        return jf_err (jf, s, "parameter '%s' has too many values", name);
    return add_dim (sp, n);
}

static int param_list (jobfile_t *jf, struct spec *sp, const config_setting_t *s,
                       const char *name)
{
    int n = config_setting_length (s);
    if (n == 0)
        return jf_err (jf, s, "parameter '%s' has no values", name);
    for (int k = 0; k < n; k++) {
        config_setting_t *e = config_setting_get_elem (s, k);
        int t = config_setting_type (e);
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 && t != CONFIG_TYPE_FLOAT
            && t != CONFIG_TYPE_STRING)
            return jf_err (jf, e, "parameter '%s' must be a list of numbers or strings", name);
    }
    struct vsrc *vs = add_param (jf, sp, s, name);
    if (!vs)
        return -1;
    vs->kind = VS_STRINGS;
    if (!(vs->strs = calloc (n, sizeof (char *))))
        return -1;
    vs->nstrs = n;
    /* The dimension is registered first so destroy knows how many to free. */
    if (add_dim (sp, n) < 0)
        return -1;
    for (int k = 0; k < n; k++) {
        config_setting_t *e = config_setting_get_elem (s, k);
        char num[40];
        const char *v = num;
        switch (config_setting_type (e)) {
        case CONFIG_TYPE_FLOAT:
            tmpl_format_double (config_setting_get_float (e), num, sizeof (num));
            break;
        case CONFIG_TYPE_STRING:
            v = config_setting_get_string (e);
            break;
        default:
            snprintf (num, sizeof (num), "%lld", (long long)config_setting_get_int64 (e));
        }
        if (!(vs->strs[k] = strdup (v)))
            return -1;
    }
    return 0;
}

static int parse_params (jobfile_t *jf, struct spec *sp, const config_setting_t *g)
{
    config_setting_t *ps = config_setting_get_member (g, "parameters");
    int bad = 0;
    if (!ps)
        return jf_err (jf, g, "missing required key 'parameters'");
    if (!config_setting_is_group (ps))
        return jf_err (jf, ps, "parameters must be a group { NAME = [ ... ]; ... }");
    int n = config_setting_length (ps);
    if (n == 0)
        return jf_err (jf, ps, "parameters has no values");
    for (int k = 0; k < n; k++) {
        config_setting_t *s = config_setting_get_elem (ps, k);
        const char *name = config_setting_name (s);
        int rc;
        if (!strcmp (name, "table") && config_setting_type (s) == CONFIG_TYPE_STRING)
            rc = param_table (jf, sp, s);
        else if (config_setting_is_group (s))
            rc = param_range (jf, sp, s, name);
        else if (config_setting_is_aggregate (s))
            rc = param_list (jf, sp, s, name);
        else
            rc = jf_err (jf, s, "parameter '%s' must be a list, a range group "
                         "{ from; to; step; } or table = \"FILE.csv\"", name);
        if (rc < 0)
            bad = 1;
    }
    if (bad)
        return -1;
    if (sp->nparams + 3 + jf->nset > JF_MAXVARS)
        return jf_err (jf, ps, "too many parameters (at most %d)", JF_MAXVARS - 3 - jf->nset);
    int zip = 0;
    if (jf_get_enum (jf, g, "mode", mode_names, &zip) < 0)
        return -1;
    sp->zip = zip;
    if (zip) {
        for (int d = 1; d < sp->ndims; d++) {
            if (sp->dimn[d] != sp->dimn[0]) {
                char lens[256] = "";
                for (int e = 0; e < sp->ndims; e++)
                    snprintf (lens + strlen (lens), sizeof (lens) - strlen (lens),
                              "%s%zu", e ? ", " : "", sp->dimn[e]);
                return jf_err (jf, config_setting_get_member (g, "mode"),
                               "mode \"zip\" needs parameters of equal length, got %s", lens);
            }
        }
        sp->count = sp->dimn[0];
    }
    else {
        double c = 1;
        sp->count = 1;
        for (int d = 0; d < sp->ndims; d++) {
            c *= (double)sp->dimn[d];
            sp->count *= sp->dimn[d];
        }
        if (c > UINT32_MAX - 1)
            return jf_err (jf, ps, "the sweep makes too many tasks (%.0f)", c);
    }
    return 0;
}

int jf_parse_sweeps (jobfile_t *jf, const config_setting_t *list)
{
    if (!config_setting_is_list (list))
        return jf_err (jf, list, "sweeps must be a list of groups ( { id = ...; parameters = ...; }, ... )");
    int n = config_setting_length (list);
    for (int i = 0; i < n && !jf_full (jf); i++) {
        config_setting_t *g = config_setting_get_elem (list, i);
        if (!config_setting_is_group (g)) {
            jf_err (jf, g, "each sweep must be a group { id = ...; parameters = ...; }");
            continue;
        }
        struct spec *sp = calloc (1, sizeof (*sp));
        int bad = 0;
        if (!sp)
            return -1;
        sp->kind = SPEC_SWEEP;
        sp->sweep = jf->job.nsweeps;
        jf_check_keys (jf, g, sweep_keys);
        if (parse_params (jf, sp, g) < 0
            || add_var (sp, "job") < 0 || add_var (sp, "task") < 0 || add_var (sp, "index") < 0) {
            jf_spec_destroy (sp);
            continue;
        }
        for (int v = 0; v < jf->nset; v++) {
            if (add_var (sp, jf->set_names[v]) < 0)
                bad = 1;
        }
        parse_task_keys (jf, sp, g, &bad);
        /* The sweep's name: given, or the id template's fixed prefix. */
        const char *name = NULL;
        char *dflt = NULL;
        if (jf_get_str (jf, g, "name", &name) < 0)
            bad = 1;
        if (!name && sp->id) {
            config_setting_t *ids = config_setting_get_member (g, "id");
            const char *idt = config_setting_get_string (ids);
            const char *cut = strstr (idt, "${");
            size_t len = cut ? (size_t)(cut - idt) : strlen (idt);
            while (len > 0 && (idt[len - 1] == '-' || idt[len - 1] == '_'))
                len--;
            if (len > 0)
                dflt = strndup (idt, len);
            else if (asprintf (&dflt, "sweep-%d", jf->job.nsweeps + 1) < 0)
                dflt = NULL;
            name = dflt;
        }
        char **names = realloc (jf->job.sweep_names, (jf->job.nsweeps + 1) * sizeof (char *));
        if (names) {
            jf->job.sweep_names = names;
            names[jf->job.nsweeps++] = strdup (name ? name : "");
        }
        free (dflt);
        if (!sp->id || add_spec (jf, sp) < 0)
            jf_spec_destroy (sp);
    }
    return 0;
}

int jf_parse_cmdfile (jobfile_t *jf, const config_setting_t *s)
{
    if (config_setting_type (s) != CONFIG_TYPE_STRING)
        return jf_err (jf, s, "command_file must be a string");
    const char *rel = config_setting_get_string (s);
    char *path = jf_path_join (jf->job.dir, rel);
    FILE *fp = path ? jf_open_data (jf, path) : NULL;

    if (!fp) {
        jf_err (jf, s, "cannot read command_file '%s': %s", rel, strerror (errno));
        free (path);
        return -1;
    }
    int rc = jf_cmdfile_stream (jf, fp, path, jf_line (s), NULL, 1);
    if (rc < 0 && errno != ENOMEM)
        jf_err (jf, s, "cannot read command_file '%s': %s", rel, strerror (errno));
    fclose (fp);
    return rc;
}

int jf_cmdfile_stream (jobfile_t *jf, FILE *fp, char *file, int line,
                       const char *prefix, unsigned first_line)
{
    struct spec *sp = NULL;
    char *buf = NULL;
    size_t cap = 0, acap = 0;
    ssize_t len;
    uint32_t lineno = first_line ? first_line - 1 : 0;

    if (!(sp = calloc (1, sizeof (*sp))))
        goto error;
    sp->kind = SPEC_CMDFILE;
    sp->sweep = -1;
    /* Errors about these tasks name the command file. */
    sp->file = file;
    file = NULL;
    sp->line = line;
    if (prefix && !(sp->id_prefix = strdup (prefix)))
        goto error;
    while ((len = getline (&buf, &cap, fp)) >= 0) {
        lineno++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        const char *p = buf;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        if (sp->count == acap) {
            acap = acap ? acap * 2 : 64;
            char **c = realloc (sp->cmds, acap * sizeof (char *));
            if (!c)
                goto error;
            sp->cmds = c;
            uint32_t *l = realloc (sp->lineno, acap * sizeof (uint32_t));
            if (!l)
                goto error;
            sp->lineno = l;
        }
        if (!(sp->cmds[sp->count] = strdup (buf)))
            goto error;
        sp->lineno[sp->count++] = lineno;
    }
    if (ferror (fp)) {
        if (!errno)
            errno = EIO;
        goto error;
    }
    free (buf);
    buf = NULL;
    sp->reqs = (jobfile_reqs_t){ .slots = 1, .max_retries = -2, .instances = 1,
                                 .max_requeues = JOB_DEFAULT_MAX_REQUEUES,
                                 .time_request = JOB_UNLIMITED,
                                 .max_wall_clock = JOB_UNLIMITED };
    if (add_spec (jf, sp) < 0)
        goto error;
    return 0;
error:
    free (buf);
    jf_spec_destroy (sp);
    free (file);
    return -1;
}

int jf_parse_env (jobfile_t *jf, const config_setting_t *g, jobfile_env_t *env)
{
    if (!config_setting_is_group (g))
        return jf_err (jf, g, "environment must be a group of NAME = \"value\"");
    int n = config_setting_length (g);
    if (!(env->names = calloc (n + 1, sizeof (char *)))
        || !(env->values = calloc (n + 1, sizeof (char *))))
        return -1;
    for (int k = 0; k < n; k++) {
        config_setting_t *e = config_setting_get_elem (g, k);
        if (config_setting_type (e) != CONFIG_TYPE_STRING) {
            jf_err (jf, e, "%s must be a string", config_setting_name (e));
            continue;
        }
        env->names[env->n] = strdup (config_setting_name (e));
        env->values[env->n] = strdup (config_setting_get_string (e));
        env->n++;
    }
    return 0;
}

void jf_prep_destroy (jobfile_prep_t *p)
{
    if (!p)
        return;
    free (p->command);
    jf_env_free (&p->env);
    for (int k = 0; k < p->ninputs; k++) {
        free (p->inputs[k].source);
        free (p->inputs[k].path);
    }
    free (p->inputs);
    free (p);
}

jobfile_prep_t *jf_parse_prep (jobfile_t *jf, const config_setting_t *g, int release)
{
    const char *what = release ? "job_release" : "job_preparation";
    if (!config_setting_is_group (g)) {
        jf_err (jf, g, "%s must be a group { command = ...; }", what);
        return NULL;
    }
    jobfile_prep_t *p = calloc (1, sizeof (*p));
    const char *cmd = NULL;
    config_setting_t *s;
    if (!p)
        return NULL;
    jf_check_keys (jf, g, release ? release_keys : prep_keys);
    p->max_wall_clock = release ? 900 : JOB_UNLIMITED;
    p->max_retries = 0;
    p->wait_for_success = 1;
    if (jf_get_str (jf, g, "command", &cmd) == 0)
        jf_err (jf, g, "missing required key 'command'");
    if (cmd)
        p->command = strdup (cmd);
    jf_get_duration (jf, g, "max_wall_clock", &p->max_wall_clock);
    if (!release) {
        jf_get_int (jf, g, "max_retries", -1, &p->max_retries);
        jf_get_bool (jf, g, "wait_for_success", &p->wait_for_success);
    }
    if ((s = config_setting_get_member (g, "environment")))
        jf_parse_env (jf, s, &p->env);
    if (!release && (s = config_setting_get_member (g, "inputs"))) {
        if (!config_setting_is_list (s) && !config_setting_is_array (s))
            jf_err (jf, s, "inputs must be a list of groups ( { source = ...; }, ... )");
        else {
            int n = config_setting_length (s);
            p->inputs = calloc (n + 1, sizeof (*p->inputs));
            for (int k = 0; p->inputs && k < n; k++) {
                config_setting_t *e = config_setting_get_elem (s, k);
                if (!config_setting_is_group (e)) {
                    jf_err (jf, e, "each input must be a group { source = ...; }");
                    continue;
                }
                jf_check_keys (jf, e, input_keys);
                jobfile_input_t *in = &p->inputs[p->ninputs++];
                const char *src = NULL, *path = NULL;
                in->mode = -1;
                if (jf_get_str (jf, e, "source", &src) == 0)
                    jf_err (jf, e, "missing required key 'source'");
                jf_get_str (jf, e, "path", &path);
                jf_get_enum (jf, e, "method", method_names, &in->method);
                parse_mode (jf, e, &in->mode);
                in->source = src ? strdup (src) : NULL;
                in->path = path ? strdup (path) : NULL;
                if (src)
                    jf_check_source (jf, jf_file (jf, e), jf_line (e), src);
                if (path)
                    jf_check_rel (jf, jf_file (jf, e), jf_line (e), "input path", path);
            }
        }
    }
    return p;
}
