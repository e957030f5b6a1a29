/* jobfile_int.h: the loader's private structures, shared by io/jobfile*.c only. */
#ifndef MB_JOBFILE_INT_H
#define MB_JOBFILE_INT_H

#include <libconfig.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "io/jobfile.h"
#include "io/template.h"

/* Where a task comes from. */
enum { SPEC_TASK = 0, SPEC_SWEEP = 1, SPEC_CMDFILE = 2 };

/* Parameters beyond this many variables are refused: values are kept on
 * the stack while a task is expanded. */
#define JF_MAXVARS 128

/* Where one template variable of a sweep takes its values. */
enum { VS_STRINGS = 0, VS_INT_RANGE = 1, VS_DBL_RANGE = 2 };
struct vsrc {
    int dim;          /* the dimension it belongs to */
    int kind;
    char **strs;      /* VS_STRINGS: one per value of the dimension */
    size_t nstrs;
    int64_t ifrom, istep;
    double dfrom, dstep;
};

struct inspec {
    tmpl_t *source;
    tmpl_t *path;     /* NULL: default */
    int method;
    int mode;
    const char *file;
    int line;
};

struct outspec {
    tmpl_t *pattern;
    tmpl_t *dest;     /* NULL: default */
    int when;
    const char *file;
    int line;
};

/* One task entry, one sweep, or one command_file. */
struct spec {
    int kind;
    const char *file;
    int line;
    int id_line;
    tmpl_t *id;
    tmpl_t *command;
    tmpl_t *coord;
    int nenv;
    char **env_names;
    tmpl_t **env_vals;
    int ninputs;
    struct inspec *inputs;
    int noutputs;
    struct outspec *outputs;
    int ndeps;
    tmpl_t **deps;
    int *dep_lines;
    jobfile_reqs_t reqs;       /* max_retries -2: the job's default */
    int retries_set;
    jobfile_exit_t exit;       /* its own exit_conditions (exit_set) */
    int exit_set;
    /* sweeps */
    int sweep;                 /* sweep number */
    size_t count;              /* tasks made by this spec */
    int zip;
    int ndims;
    size_t *dimn;
    int nparams;               /* variables 0..nparams-1 are parameters */
    int nvars;                 /* + job, task, index, --set variables */
    char **vars;               /* all variable names */
    struct vsrc *vs;           /* nparams entries */
    /* command_file */
    uint32_t *lineno;
    char **cmds;
    char *id_prefix;           /* ids <id_prefix><line>; NULL: "line-" */
};

/* A task: which spec, and its index inside it. */
struct trec {
    uint32_t spec;
    uint32_t k;
};

struct hent {
    uint64_t h;
    uint32_t idx;     /* UINT32_MAX: empty */
};

struct jobfile {
    config_t cfg;
    int cfg_init;
    jobfile_job_t job;
    char *config_text;
    const jobfile_opts_t *opts;    /* during load only */
    errlist_t *errs;               /* during load only */
    int nset;                      /* --set variables (not job keys) */
    char **set_names;
    char **set_values;
    int nspecs;
    struct spec **specs;
    size_t ntasks;
    struct trec *tasks;
    size_t hcap;
    struct hent *htab;
    uint32_t *doff;
    uint32_t *deps;
    size_t nedges;
    size_t ninputs;
    int storage_bad;               /* no input source checks then */
    int fragment;                  /* depends_on may name tasks outside */
    int ndata;                     /* data files read (jobfile_data_file) */
    char **data_files;
    jobfile_exit_t job_exit;       /* the job's exit_conditions */
};

/* jobfile_util.c: errors, typed readers, key checks. */
int jf_err (jobfile_t *jf, const config_setting_t *s, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int jf_errl (jobfile_t *jf, const char *file, int line, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
const char *jf_file (const jobfile_t *jf, const config_setting_t *s);
int jf_line (const config_setting_t *s);
int jf_full (const jobfile_t *jf);
/* Report keys of group g not in the NULL-terminated list known. */
void jf_check_keys (jobfile_t *jf, const config_setting_t *g, const char *const *known);
/* Typed readers of member `name` of group g: 1 when present and good, 0
 * when absent (out untouched), -1 after reporting an error. */
int jf_get_int (jobfile_t *jf, const config_setting_t *g, const char *name, int min, int *out);
int jf_get_str (jobfile_t *jf, const config_setting_t *g, const char *name, const char **out);
int jf_get_bool (jobfile_t *jf, const config_setting_t *g, const char *name, int *out);
int jf_get_enum (jobfile_t *jf, const config_setting_t *g, const char *name,
                 const char *const *names, int *out);
int jf_get_duration (jobfile_t *jf, const config_setting_t *g, const char *name, double *out);
int jf_get_size (jobfile_t *jf, const config_setting_t *g, const char *name, int64_t *out);
int jf_is_identifier (const char *s);
/* Open a data file (command_file, table) for reading: the in-memory copy
 * from opts->files when there is one, else the file; the path is recorded
 * for jobfile_data_file().  NULL with errno on failure. */
FILE *jf_open_data (jobfile_t *jf, const char *path);
char *jf_path_join (const char *dir, const char *path);

/* jobfile_spec.c: task entries, sweeps, command_file, prep/release. */
int jf_parse_tasks (jobfile_t *jf, const config_setting_t *list);
int jf_parse_sweeps (jobfile_t *jf, const config_setting_t *list);
int jf_parse_cmdfile (jobfile_t *jf, const config_setting_t *s);
/* One command per line from fp (named file for messages, line numbers
 * from first_line), ids <prefix><line> (prefix NULL: "line-"). */
int jf_cmdfile_stream (jobfile_t *jf, FILE *fp, char *file, int line,
                       const char *prefix, unsigned first_line);
jobfile_prep_t *jf_parse_prep (jobfile_t *jf, const config_setting_t *g, int release);
void jf_prep_destroy (jobfile_prep_t *p);
void jf_spec_destroy (struct spec *sp);
void jf_env_free (jobfile_env_t *env);
int jf_parse_env (jobfile_t *jf, const config_setting_t *g, jobfile_env_t *env);

/* jobfile_exit.c: exit_conditions lists.  Parse list s into *out,
 * reporting every mistake; 0, or -1 when it has errors (out then holds
 * what was good and must still be freed). */
int jf_parse_exit (jobfile_t *jf, const config_setting_t *s, jobfile_exit_t *out);
void jf_exit_free (jobfile_exit_t *e);

/* jobfile_check.c: enumerate tasks, ids, dependencies, checks. */
int jf_build (jobfile_t *jf);
/* Check that an input source exists under storage ("FILE:LINE" error). */
int jf_check_source (jobfile_t *jf, const char *file, int line, const char *src);
int jf_check_rel (jobfile_t *jf, const char *file, int line, const char *what, const char *s);
/* Values of spec sp's variables for its k-th task (task id not set yet):
 * vals has sp->nvars entries, num is scratch of JF_MAXVARS*32 bytes. */
void jf_values (const jobfile_t *jf, const struct spec *sp, size_t k,
                const char **vals, char (*num)[32]);
/* Append task i's id to out.  0 or -1. */
int jf_expand_id (const jobfile_t *jf, size_t i, buf_t *out);
/* Expand t with the task's values into a malloc'd string (NULL: ENOMEM). */
char *jf_expand (const tmpl_t *t, const char *const *vals);

#endif
