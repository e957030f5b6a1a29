/* jobfile.c: load a job file: parse with libconfig, apply --set, read the job's keys, build the tasks. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/jobfile_int.h"

static const char *const job_keys[] = {
    "id", "description", "storage", "state", "node_root", "environment",
    "env_compat", "max_wall_clock", "max_task_retries", "on_task_failure",
    "gpus_per_worker", "slots_per_worker", "binding", "fill", "logs",
    "max_log_size", "retention", "job_preparation", "job_release", "tasks",
    "sweeps", "command_file", "priority", "open", "max_parallel_tasks", "exit_conditions",
    NULL
};
/* A fragment added to a job (jobfile_load_fragment) holds only these. */
static const char *const fragment_keys[] = { "tasks", "sweeps", "command_file", NULL };
/* Job keys --set may override, and those that are always strings. */
static const char *const set_string_keys[] = {
    "id", "description", "storage", "state", "node_root", "env_compat",
    "on_task_failure", "binding", "fill", "logs", "retention", "command_file", NULL
};
static const char *const set_group_keys[] = {
    "environment", "job_preparation", "job_release", "tasks", "sweeps", "exit_conditions", NULL
};
static const char *const env_compat_names[] = { "none", "azure", NULL };
static const char *const on_task_failure_names[] = { "continue", "stop", NULL };
static const char *const binding_names[] = { "core", "pu", "none", NULL };
static const char *const fill_names[] = { "spread", "pack", NULL };
static const char *const logs_names[] = { "storage", "report", NULL };
static const char *const retention_names[] = { "none", "failed", "all", NULL };

static int in_list (const char *const *list, const char *s)
{
    for (int k = 0; list[k]; k++) {
        if (!strcmp (list[k], s))
            return 1;
    }
    return 0;
}

void jobfile_destroy (jobfile_t *jf)
{
    if (!jf)
        return;
    int saved = errno;
    for (int s = 0; s < jf->nspecs; s++)
        jf_spec_destroy (jf->specs[s]);
    free (jf->specs);
    free (jf->tasks);
    free (jf->htab);
    free (jf->doff);
    free (jf->deps);
    for (int v = 0; v < jf->nset; v++) {
        free (jf->set_names[v]);
        free (jf->set_values[v]);
    }
    free (jf->set_names);
    free (jf->set_values);
    jobfile_job_t *j = &jf->job;
    free (j->id);
    free (j->description);
    free (j->file);
    free (j->dir);
    free (j->storage);
    free (j->state);
    free (j->node_root);
    jf_env_free (&j->env);
    jf_prep_destroy (j->prep);
    jf_prep_destroy (j->release);
    for (int k = 0; k < j->nsweeps; k++)
        free (j->sweep_names[k]);
    free (j->sweep_names);
    for (int k = 0; k < jf->ndata; k++)
        free (jf->data_files[k]);
    free (jf->data_files);
    jf_exit_free (&jf->job_exit);
    free (jf->config_text);
    if (jf->cfg_init)
        config_destroy (&jf->cfg);
    free (jf);
    errno = saved;
}

/* Absolute form of path (relative to base when not absolute), resolved
 * with realpath when it exists so the state directory has one name. */
static char *abs_path (const char *base, const char *path)
{
    char *joined = jf_path_join (base, path);
    char *real;
    if (!joined)
        return NULL;
    if ((real = realpath (joined, NULL))) {
        free (joined);
        return real;
    }
    return joined;
}

static char *cwd_path (const char *path)
{
    char cwd[PATH_MAX];
    if (path[0] == '/' || !getcwd (cwd, sizeof (cwd)))
        return abs_path ("/", path);
    return abs_path (cwd, path);
}

/* --set KEY=VALUE: a job key is replaced in the tree (so validation and
 * the config text see it); any other name becomes a template variable. */
static int apply_set (jobfile_t *jf, const char *arg)
{
    config_setting_t *root = config_root_setting (&jf->cfg);
    const char *eq = strchr (arg, '=');
    if (!eq || eq == arg)
        return errlist_add (jf->errs, NULL, 0, "--set: expected KEY=VALUE (got '%s')", arg);
    char *key = strndup (arg, eq - arg);
    const char *val = eq + 1;
    if (!key)
        return -1;
    if (in_list (set_group_keys, key)) {
        errlist_add (jf->errs, NULL, 0, "--set: %s is a group or list and cannot be set", key);
        free (key);
        return 0;
    }
    if (in_list (job_keys, key)) {
        char *end;
        config_setting_t *s;
        config_setting_remove (root, key);
        long long iv = strtoll (val, &end, 10);
        if (!in_list (set_string_keys, key) && *val && !*end) {
            if ((s = config_setting_add (root, key, CONFIG_TYPE_INT64)))
                config_setting_set_int64 (s, iv);
        }
        else if (!in_list (set_string_keys, key) && *val
                 && (strtod (val, &end), !*end)) {
            if ((s = config_setting_add (root, key, CONFIG_TYPE_FLOAT)))
                config_setting_set_float (s, strtod (val, NULL));
        }
        else if (!in_list (set_string_keys, key)
                 && (!strcmp (val, "true") || !strcmp (val, "false"))) {
            if ((s = config_setting_add (root, key, CONFIG_TYPE_BOOL)))
                config_setting_set_bool (s, !strcmp (val, "true"));
        }
        else if ((s = config_setting_add (root, key, CONFIG_TYPE_STRING)))
            config_setting_set_string (s, val);
        free (key);
        return s ? 0 : -1;
    }
    if (!jf_is_identifier (key)) {
        errlist_add (jf->errs, NULL, 0, "--set: '%s' is not a job key nor a variable name", key);
        free (key);
        return 0;
    }
    char **n = realloc (jf->set_names, (jf->nset + 1) * sizeof (char *));
    if (n)
        jf->set_names = n;
    char **v = realloc (jf->set_values, (jf->nset + 1) * sizeof (char *));
    if (v)
        jf->set_values = v;
    if (!n || !v) {
        free (key);
        return -1;
    }
    /* A later --set of the same variable wins. */
    for (int k = 0; k < jf->nset; k++) {
        if (!strcmp (jf->set_names[k], key)) {
            free (key);
            free (jf->set_values[k]);
            return (jf->set_values[k] = strdup (val)) ? 0 : -1;
        }
    }
    jf->set_names[jf->nset] = key;
    if (!(jf->set_values[jf->nset] = strdup (val)))
        return -1;
    jf->nset++;
    return 0;
}

static int read_job_keys (jobfile_t *jf, const config_setting_t *root)
{
    jobfile_job_t *j = &jf->job;
    config_setting_t *s;
    const char *str;

    jf_check_keys (jf, root, job_keys);
    str = NULL;
    if (jf_get_str (jf, root, "id", &str) == 0)
        jf_err (jf, root, "missing required key 'id'");
    if (str) {
        const char *why = jobfile_id_problem (str);
        if (why)
            jf_err (jf, config_setting_get_member (root, "id"), "invalid id '%s': %s", str, why);
    }
    if (!(j->id = strdup (str ? str : "")))
        return -1;
    str = "";
    jf_get_str (jf, root, "description", &str);
    if (!(j->description = strdup (str)))
        return -1;

    /* storage: relative to the job file's directory; it must exist. */
    str = ".";
    jf_get_str (jf, root, "storage", &str);
    if (!(j->storage = abs_path (j->dir, str)))
        return -1;
    struct stat st;
    if (stat (j->storage, &st) < 0 || !S_ISDIR (st.st_mode)) {
        jf_err (jf, config_setting_get_member (root, "storage"),
                "storage directory not found: %s", j->storage);
        /* Every input would be "not found": say it once, here. */
        jf->storage_bad = 1;
    }
    str = NULL;
    jf_get_str (jf, root, "state", &str);
    if (jf->opts->state)
        j->state = cwd_path (jf->opts->state);
    else if (str)
        j->state = abs_path (j->dir, str);
    else if (asprintf (&j->state, "%s/jobs/%s", j->storage, j->id) < 0)
        j->state = NULL;
    if (!j->state)
        return -1;
    str = NULL;
    jf_get_str (jf, root, "node_root", &str);
    if (str)
        j->node_root = abs_path (j->dir, str);
    else {
        const char *tmp = getenv ("TMPDIR");
        if (!tmp || !*tmp)
            tmp = "/tmp";
        j->node_root = jf_path_join (tmp, "mpibatch");
    }
    if (!j->node_root)
        return -1;

    if ((s = config_setting_get_member (root, "environment")))
        jf_parse_env (jf, s, &j->env);
    j->env_compat = JOB_ENV_NONE;
    jf_get_enum (jf, root, "env_compat", env_compat_names, &j->env_compat);
    j->max_wall_clock = JOB_UNLIMITED;
    jf_get_duration (jf, root, "max_wall_clock", &j->max_wall_clock);
    j->max_task_retries = 0;
    jf_get_int (jf, root, "max_task_retries", -1, &j->max_task_retries);
    j->on_task_failure = JOB_ON_FAILURE_CONTINUE;
    jf_get_enum (jf, root, "on_task_failure", on_task_failure_names, &j->on_task_failure);
    if ((s = config_setting_get_member (root, "exit_conditions")))
        jf_parse_exit (jf, s, &jf->job_exit);
    j->gpus_per_worker = -1;
    if ((s = config_setting_get_member (root, "gpus_per_worker"))
        && !(config_setting_type (s) == CONFIG_TYPE_STRING
             && !strcmp (config_setting_get_string (s), "auto")))
        jf_get_int (jf, root, "gpus_per_worker", 0, &j->gpus_per_worker);
    j->slots_kind = JOB_SLOTS_CORES;
    if ((s = config_setting_get_member (root, "slots_per_worker"))) {
        if (config_setting_type (s) == CONFIG_TYPE_STRING) {
            static const char *const kinds[] = { "cores", "pus", NULL };
            jf_get_enum (jf, root, "slots_per_worker", kinds, &j->slots_kind);
        }
        else if (jf_get_int (jf, root, "slots_per_worker", 1, &j->slots_per_worker) > 0)
            j->slots_kind = JOB_SLOTS_NUMBER;
    }
    j->binding = JOB_BIND_CORE;
    jf_get_enum (jf, root, "binding", binding_names, &j->binding);
    j->fill = JOB_FILL_SPREAD;
    jf_get_enum (jf, root, "fill", fill_names, &j->fill);
    j->logs = JOB_LOGS_STORAGE;
    jf_get_enum (jf, root, "logs", logs_names, &j->logs);
    j->max_log_size = (int64_t)1 << 30;
    jf_get_size (jf, root, "max_log_size", &j->max_log_size);
    j->retention = JOB_RETAIN_FAILED;
    jf_get_enum (jf, root, "retention", retention_names, &j->retention);
    if (jf_get_int (jf, root, "priority", -1000, &j->priority) > 0 && j->priority > 1000)
        jf_err (jf, config_setting_get_member (root, "priority"),
                "priority must be between -1000 and 1000 (got %d)", j->priority);
    jf_get_bool (jf, root, "open", &j->open);
    jf_get_int (jf, root, "max_parallel_tasks", 1, &j->max_parallel_tasks);
    if ((s = config_setting_get_member (root, "job_preparation")))
        j->prep = jf_parse_prep (jf, s, 0);
    if ((s = config_setting_get_member (root, "job_release")))
        j->release = jf_parse_prep (jf, s, 1);
    return 0;
}

/* Tasks in file order: the root's settings as written, wherever tasks,
 * sweeps and command_file appear. */
static int read_tasks (jobfile_t *jf, const config_setting_t *root)
{
    int n = config_setting_length (root);
    for (int i = 0; i < n && !jf_full (jf); i++) {
        config_setting_t *s = config_setting_get_elem (root, i);
        const char *name = config_setting_name (s);
        int rc = 0;
        if (!strcmp (name, "tasks"))
            rc = jf_parse_tasks (jf, s);
        else if (!strcmp (name, "sweeps"))
            rc = jf_parse_sweeps (jf, s);
        else if (!strcmp (name, "command_file"))
            rc = jf_parse_cmdfile (jf, s);
        if (rc < 0 && errno == ENOMEM)
            return -1;
    }
    return 0;
}

static int config_text (jobfile_t *jf)
{
    size_t len;
    FILE *f = open_memstream (&jf->config_text, &len);
    if (!f)
        return -1;
    config_write (&jf->cfg, f);
    return fclose (f) == 0 ? 0 : -1;
}

/* Limits checked before libconfig sees a file: libconfig 1.5 calls
 * exit() when an @include names a directory, and its scanner takes time
 * quadratic in the length of one string (a long line of many short
 * strings is fine). */
#define JOBFILE_MAX_BYTES (64L << 20)
#define JOBFILE_MAX_LINE (1L << 20)   /* longest string literal */

/* The longest string literal on a line ("..." with \" escapes; a '#'
 * outside a string starts a comment). */
static size_t longest_string (const char *p)
{
    size_t best = 0;
    while (*p) {
        if (*p == '#')
            break;
        if (*p++ != '"')
            continue;
        size_t len = 0;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1])
                p++;
            p++;
            len++;
        }
        if (len > best)
            best = len;
        if (*p)
            p++;
    }
    return best;
}

/* The name of an @include as libconfig decodes it (\\n \\r \\t \\f \\\\ \\"
 * and \\xHH), from just after the opening quote.  Returns the position
 * after the closing quote, or NULL when the line ends first. */
static const char *include_name (const char *p, char *name, size_t len)
{
    size_t n = 0;
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\' && *p) {
            char e = *p++;
            if (e == 'n') c = '\n';
            else if (e == 'r') c = '\r';
            else if (e == 't') c = '\t';
            else if (e == 'f') c = '\f';
            else if (e == 'x' && isxdigit ((unsigned char)p[0]) && isxdigit ((unsigned char)p[1])) {
                char hex[3] = { p[0], p[1], 0 };
                c = (char)strtol (hex, NULL, 16);
                p += 2;
            }
            else
                c = e;
        }
        if (c == '\0')
            c = '?';   /* would end the name inside libconfig: never a real file */
        if (n + 1 < len)
            name[n++] = c;
    }
    name[n] = '\0';
    return *p == '"' ? p + 1 : NULL;
}

static int precheck (jobfile_t *jf, const char *path, int depth);

/* Check the text of a job file (from fp, named `name`) and the files it
 * includes before parsing.  0, or -1 with errors added. */
static int precheck_stream (jobfile_t *jf, const char *path, FILE *f, int depth)
{
    int rc = 0, line = 0;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline (&buf, &cap, f)) >= 0) {
        line++;
        /* libconfig reads a NUL as the end of the text (and of an include
         * name: it would then include the directory and exit). */
        if (memchr (buf, '\0', (size_t)n)) {
            rc = errlist_add (jf->errs, path, line, "NUL byte in the job file (not a text file?)");
            break;
        }
        if (n > JOBFILE_MAX_LINE && longest_string (buf) > JOBFILE_MAX_LINE) {
            rc = errlist_add (jf->errs, path, line, "string longer than %ld KiB (keep large "
                              "data in files under storage, not in the job file)",
                              JOBFILE_MAX_LINE >> 10);
            break;
        }
        /* Every @include on the line, wherever it stands (libconfig's
         * scanner takes it anywhere). */
        for (const char *p = buf; (p = strstr (p, "@include")); ) {
            p += 8;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p != '"')
                continue;   /* libconfig reports the syntax */
            char name[PATH_MAX], full[PATH_MAX + 8];
            p = include_name (p + 1, name, sizeof (name));
            if (!p)
                break;
            if (name[0] == '/')
                snprintf (full, sizeof (full), "%s", name);
            else
                snprintf (full, sizeof (full), "%s/%s", jf->job.dir, name);
            struct stat ib;
            if (!name[0] || (stat (full, &ib) == 0 && !S_ISREG (ib.st_mode))) {
                rc = errlist_add (jf->errs, path, line, "@include \"%s\": not a regular file",
                                  name);
                continue;
            }
            /* libconfig stops a loop of includes at its own depth limit. */
            if (depth < 10 && precheck (jf, full, depth + 1) < 0)
                rc = -1;
        }
    }
    free (buf);
    return rc;
}

static int too_large (jobfile_t *jf, const char *path, long long size)
{
    return errlist_add (jf->errs, path, 0, "job file too large (%lld MiB; the limit is %ld "
                        "MiB: keep large data in files under storage)",
                        size >> 20, JOBFILE_MAX_BYTES >> 20);
}

/* Check a job file and the files it includes (recursively, as deep as
 * libconfig allows) before parsing.  0, or -1 with errors added. */
static int precheck (jobfile_t *jf, const char *path, int depth)
{
    struct stat sb;
    if (stat (path, &sb) < 0)
        return depth ? 0 : errlist_add (jf->errs, path, 0, "cannot read job file: %s",
                                        strerror (errno));
    if (!S_ISREG (sb.st_mode))
        return errlist_add (jf->errs, path, 0, "not a regular file");
    if (sb.st_size > JOBFILE_MAX_BYTES)
        return too_large (jf, path, (long long)sb.st_size);
    FILE *f = fopen (path, "r");
    if (!f)
        return errlist_add (jf->errs, path, 0, "cannot read job file: %s", strerror (errno));
    int rc = precheck_stream (jf, path, f, depth);
    fclose (f);
    return rc;
}

/* The same checks for a job file given in memory. */
static int precheck_text (jobfile_t *jf, const char *name, const char *text, size_t len)
{
    if (len > (size_t)JOBFILE_MAX_BYTES)
        return too_large (jf, name, (long long)len);
    if (len == 0)
        return 0;
    FILE *f = fmemopen ((void *)text, len, "r");
    if (!f)
        return -1;
    int rc = precheck_stream (jf, name, f, 0);
    fclose (f);
    return rc;
}

/* A new loader for `name`: its file and absolute directory set. */
static jobfile_t *jf_new (const char *name, const jobfile_opts_t *o, errlist_t *errs)
{
    jobfile_t *jf = calloc (1, sizeof (*jf));
    if (!jf)
        return NULL;
    jf->opts = o;
    jf->errs = errs;
    char *dirc = strdup (name);
    if (!(jf->job.file = strdup (name)) || !dirc) {
        free (dirc);
        jobfile_destroy (jf);
        return NULL;
    }
    char *slash = strrchr (dirc, '/');
    if (slash)
        *(slash == dirc ? slash + 1 : slash) = '\0';
    jf->job.dir = cwd_path (slash ? dirc : ".");
    free (dirc);
    if (!jf->job.dir) {
        jobfile_destroy (jf);
        return NULL;
    }
    return jf;
}

/* Read text (len bytes; NULL: the file path) into jf->cfg, which is
 * initialised.  0; -1 with errno: EINVAL with the parse error added to
 * errs at its FILE:LINE, or ENOMEM. */
static int cfg_read (jobfile_t *jf, const char *path, const char *text, size_t len,
                     errlist_t *errs)
{
    int ok;
    if (text) {
        /* libconfig wants a C string. */
        char *copy = malloc (len + 1);
        if (!copy)
            return -1;
        memcpy (copy, text, len);
        copy[len] = '\0';
        ok = config_read_string (&jf->cfg, copy);
        free (copy);
    }
    else
        ok = config_read_file (&jf->cfg, path);
    if (ok != CONFIG_TRUE) {
        const char *ef = config_error_file (&jf->cfg);
        errlist_add (errs, ef ? ef : path, config_error_line (&jf->cfg), "%s",
                     config_error_text (&jf->cfg));
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/* A failed load: jf destroyed, NULL with errno e. */
static jobfile_t *load_fail (jobfile_t *jf, int e)
{
    jobfile_destroy (jf);
    errno = e;
    return NULL;
}

/* The end of a load, whole or fragment: build the task graph (and keep
 * the config's text when keep_text), then jf, or NULL with jf destroyed
 * and errno EINVAL when errs holds more than before, else the system's. */
static jobfile_t *load_end (jobfile_t *jf, int before, int keep_text)
{
    if (!jf_full (jf) && jf_build (jf) < 0)
        return load_fail (jf, errno ? errno : ENOMEM);
    if (errlist_count (jf->errs) > before)
        return load_fail (jf, EINVAL);
    if (keep_text && config_text (jf) < 0)
        return load_fail (jf, ENOMEM);
    jf->opts = NULL;
    jf->errs = NULL;
    return jf;
}

/* Parse, apply --set, read the job and its tasks, check; text NULL: read
 * the file.  Returns jf (loaded) or NULL (jf destroyed, errno set). */
static jobfile_t *load (jobfile_t *jf, const char *text, size_t len)
{
    const jobfile_opts_t *o = jf->opts;
    const char *path = jf->job.file;
    errlist_t *errs = jf->errs;
    int before = errlist_count (errs);

    config_init (&jf->cfg);
    jf->cfg_init = 1;
    /* @include "x.cfg" is relative to the job file, not to the cwd. */
    config_set_include_dir (&jf->cfg, jf->job.dir);
    if (cfg_read (jf, path, text, len, errs) < 0) {
        if (errno == ENOMEM)
            goto nomem;
        goto invalid;
    }
    for (int k = 0; k < o->nset; k++) {
        if (apply_set (jf, o->set[k]) < 0 && errno == ENOMEM)
            goto nomem;
    }
    config_setting_t *root = config_root_setting (&jf->cfg);
    if (read_job_keys (jf, root) < 0)
        goto nomem;
    if (read_tasks (jf, root) < 0)
        goto nomem;
    return load_end (jf, before, 1);
invalid:
    return load_fail (jf, EINVAL);
nomem:
    return load_fail (jf, ENOMEM);
}

jobfile_t *jobfile_load (const char *path, const jobfile_opts_t *opts, errlist_t *errs)
{
    static const jobfile_opts_t none;
    jobfile_t *jf = jf_new (path, opts ? opts : &none, errs);
    if (!jf)
        return NULL;
    FILE *probe = fopen (path, "r");
    if (!probe) {
        errlist_add (errs, path, 0, "cannot read job file: %s", strerror (errno));
        goto invalid;
    }
    fclose (probe);
    if (precheck (jf, path, 0) < 0)
        goto invalid;
    return load (jf, NULL, 0);
invalid:
    jobfile_destroy (jf);
    errno = EINVAL;
    return NULL;
}

jobfile_t *jobfile_load_text (const char *name, const char *text, size_t len,
                              const jobfile_opts_t *opts, errlist_t *errs)
{
    static const jobfile_opts_t none;
    jobfile_t *jf = jf_new (name, opts ? opts : &none, errs);
    if (!jf)
        return NULL;
    if (precheck_text (jf, name, text, len) < 0) {
        int saved = errlist_count (errs) ? EINVAL : errno;
        jobfile_destroy (jf);
        errno = saved;
        return NULL;
    }
    return load (jf, text, len);
}

/* A fragment's job-level settings: base's, or the defaults. */
static int fragment_job (jobfile_t *jf, const jobfile_t *base)
{
    jobfile_job_t *j = &jf->job;
    const jobfile_job_t *b = base ? &base->job : NULL;
    j->id = strdup (b ? b->id : "job");
    j->description = strdup ("");
    j->storage = strdup (b ? b->storage : j->dir);
    j->state = b ? strdup (b->state) : jf_path_join (j->dir, "jobs/job");
    j->node_root = strdup (b ? b->node_root : "/tmp/mpibatch");
    if (!j->id || !j->description || !j->storage || !j->state || !j->node_root)
        return -1;
    j->max_wall_clock = JOB_UNLIMITED;
    j->max_log_size = (int64_t)1 << 30;
    j->gpus_per_worker = -1;
    j->retention = JOB_RETAIN_FAILED;
    if (b) {
        j->max_task_retries = b->max_task_retries;
        j->slots_kind = b->slots_kind;
        j->slots_per_worker = b->slots_per_worker;
        j->gpus_per_worker = b->gpus_per_worker;
        jf->storage_bad = base->storage_bad;
        /* The job's --set variables are the fragment's template variables. */
        if (base->nset) {
            jf->set_names = calloc (base->nset, sizeof (char *));
            jf->set_values = calloc (base->nset, sizeof (char *));
            if (!jf->set_names || !jf->set_values)
                return -1;
            for (; jf->nset < base->nset; jf->nset++) {
                jf->set_names[jf->nset] = strdup (base->set_names[jf->nset]);
                jf->set_values[jf->nset] = strdup (base->set_values[jf->nset]);
                if (!jf->set_names[jf->nset] || !jf->set_values[jf->nset]) {
                    jf->nset++;
                    return -1;
                }
            }
        }
    }
    return 0;
}

jobfile_t *jobfile_load_fragment (const jobfile_t *base, const char *name,
                                  const char *text, size_t len,
                                  const jobfile_opts_t *opts, errlist_t *errs)
{
    jobfile_opts_t o = { 0 };
    if (opts)
        o = *opts;
    o.set = NULL;
    o.nset = 0;
    o.state = NULL;
    if (!base)
        o.no_storage_check = 1;
    jobfile_t *jf = jf_new (name, &o, errs);
    int before = errlist_count (errs);
    if (!jf)
        return NULL;
    jf->fragment = 1;
    if (fragment_job (jf, base) < 0)
        goto nomem;
    if (o.lines) {
        if (len > (size_t)JOBFILE_MAX_BYTES) {
            too_large (jf, name, (long long)len);
            goto invalid;
        }
        char *file = strdup (name);
        FILE *fp = len ? fmemopen ((void *)text, len, "r") : fopen ("/dev/null", "r");
        if (!file || !fp) {
            free (file);
            if (fp)
                fclose (fp);
            goto nomem;
        }
        int rc = jf_cmdfile_stream (jf, fp, file, 0, o.id_prefix, o.first_line ? o.first_line : 1);
        fclose (fp);
        if (rc < 0)
            goto nomem;
    }
    else {
        if (precheck_text (jf, name, text, len) < 0)
            goto invalid;
        config_init (&jf->cfg);
        jf->cfg_init = 1;
        config_set_include_dir (&jf->cfg, jf->job.dir);
        if (cfg_read (jf, name, text, len, errs) < 0) {
            if (errno == ENOMEM)
                goto nomem;
            goto invalid;
        }
        config_setting_t *root = config_root_setting (&jf->cfg);
        jf_check_keys (jf, root, fragment_keys);
        if (read_tasks (jf, root) < 0)
            goto nomem;
    }
    return load_end (jf, before, 0);
invalid:
    return load_fail (jf, EINVAL);
nomem:
    return load_fail (jf, ENOMEM);
}

int jobfile_ndata_files (const jobfile_t *jf)
{
    return jf ? jf->ndata : 0;
}

const char *jobfile_data_file (const jobfile_t *jf, int i)
{
    return jf && i >= 0 && i < jf->ndata ? jf->data_files[i] : NULL;
}

const jobfile_job_t *jobfile_job (const jobfile_t *jf)
{
    return &jf->job;
}

const char *jobfile_config_text (const jobfile_t *jf)
{
    return jf->config_text ? jf->config_text : "";
}

size_t jobfile_ntasks (const jobfile_t *jf)
{
    return jf ? jf->ntasks : 0;
}
