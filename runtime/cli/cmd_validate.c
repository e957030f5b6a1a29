/* cmd_validate.c: mpibatch validate: load a job file, print a summary, its tasks or JSON, or its errors. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "io/jobfile.h"
#include "common/json.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_opts.h"

static const char usage_text[] =
    "Usage: mpibatch validate JOBFILE [--list] [--json] [--set KEY=VALUE]... [--state DIR]\n"
    "Check a job file without running it: syntax, keys, ids, sweeps,\n"
    "dependencies and input sources.\n"
    "  --list            print one line per task: ID<TAB>COMMAND\n"
    "  --json            print the expanded job as JSON\n"
    "  --set KEY=VALUE   override a job key, or define a template variable\n"
    "  --state DIR       the state directory (default: from the job file)\n"
    "  --help            print this help\n"
    "Exit status: 0 valid, 2 invalid.\n";

/* Commands may hold newlines; a listing keeps one task per line. */
static void put_oneline (const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\n')
            fputs ("\\n", stdout);
        else
            putchar (*s);
    }
}

static void put_duration (double v)
{
    if (v < 0)
        fputs ("null", stdout);
    else
        printf ("%.17g", v);
}

static int print_json (const jobfile_t *jf)
{
    const jobfile_job_t *job = jobfile_job (jf);
    const uint32_t *off, *deps;
    jobfile_task_t t = { 0 };
    size_t n = jobfile_ntasks (jf);
    char idbuf[80];

    jobfile_deps (jf, &off, &deps);
    fputs ("{\"id\":", stdout);
    json_put_string (stdout, job->id);
    fputs (",\"storage\":", stdout);
    json_put_string (stdout, job->storage);
    fputs (",\"state\":", stdout);
    json_put_string (stdout, job->state);
    fputs (",\"tasks\":[", stdout);
    /* One task at a time: a million-task sweep is never held in memory. */
    for (size_t i = 0; i < n; i++) {
        if (jobfile_task_get (jf, i, &t) < 0) {
            jobfile_task_clear (&t);
            return -1;
        }
        fputs (i ? ",\n{\"id\":" : "\n{\"id\":", stdout);
        json_put_string (stdout, t.id);
        fputs (",\"command\":", stdout);
        json_put_string (stdout, t.command);
        printf (",\"slots\":%d,\"gpus\":%d,\"memory\":%" PRId64 ",\"priority\":%d,"
                "\"max_retries\":%d,\"max_wall_clock\":",
                t.slots, t.gpus, t.memory, t.priority, t.max_retries);
        put_duration (t.max_wall_clock);
        fputs (",\"depends_on\":[", stdout);
        for (uint32_t k = off[i]; k < off[i + 1]; k++) {
            if (k > off[i])
                putchar (',');
            json_put_string (stdout, jobfile_task_id (jf, deps[k], idbuf, sizeof (idbuf)));
        }
        fputs ("],\"inputs\":[", stdout);
        for (int k = 0; k < t.ninputs; k++) {
            static const char *const methods[] = { "copy", "link", "symlink" };
            fputs (k ? ",{\"source\":" : "{\"source\":", stdout);
            json_put_string (stdout, t.inputs[k].source);
            fputs (",\"path\":", stdout);
            json_put_string (stdout, t.inputs[k].path);
            printf (",\"method\":\"%s\",\"mode\":", methods[t.inputs[k].method]);
            if (t.inputs[k].mode < 0)
                fputs ("null}", stdout);
            else
                printf ("\"%04o\"}", (unsigned)t.inputs[k].mode);
        }
        fputs ("],\"outputs\":[", stdout);
        for (int k = 0; k < t.noutputs; k++) {
            static const char *const whens[] = { "success", "failure", "completion" };
            fputs (k ? ",{\"pattern\":" : "{\"pattern\":", stdout);
            json_put_string (stdout, t.outputs[k].pattern);
            fputs (",\"destination\":", stdout);
            json_put_string (stdout, t.outputs[k].destination);
            printf (",\"when\":\"%s\"}", whens[t.outputs[k].when]);
        }
        fputs ("],\"environment\":{", stdout);
        for (int k = 0; k < t.env.n; k++) {
            if (k)
                putchar (',');
            json_put_string (stdout, t.env.names[k]);
            putchar (':');
            json_put_string (stdout, t.env.values[k]);
        }
        fputs ("},\"sweep\":", stdout);
        json_put_string (stdout, t.sweep >= 0 ? job->sweep_names[t.sweep] : NULL);
        if (t.sweep >= 0)
            printf (",\"index\":%zu", t.sweep_index);
        else
            fputs (",\"index\":null", stdout);
        fputs (",\"parameters\":{", stdout);
        for (int k = 0; k < t.nparams; k++) {
            if (k)
                putchar (',');
            json_put_string (stdout, t.param_names[k]);
            putchar (':');
            json_put_string (stdout, t.param_values[k]);
        }
        fputs ("}}", stdout);
    }
    fputs ("\n]}\n", stdout);
    jobfile_task_clear (&t);
    return 0;
}

static int print_list (const jobfile_t *jf)
{
    jobfile_task_t t = { 0 };
    size_t n = jobfile_ntasks (jf);
    for (size_t i = 0; i < n; i++) {
        if (jobfile_task_get (jf, i, &t) < 0) {
            jobfile_task_clear (&t);
            return -1;
        }
        fputs (t.id, stdout);
        putchar ('\t');
        put_oneline (t.command);
        putchar ('\n');
    }
    jobfile_task_clear (&t);
    return 0;
}

int cmd_validate (int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "list", no_argument, NULL, 'l' },
        { "json", no_argument, NULL, 'j' },
        { "set", required_argument, NULL, 's' },
        { "state", required_argument, NULL, 'S' },
        { NULL, 0, NULL, 0 },
    };
    jobfile_opts_t opts = { 0 };
    const char **set = calloc (argc + 1, sizeof (char *));
    int list = 0, json = 0, c, rc = 2, nargs = 0;
    const char *jobfile = NULL;
    errlist_t *errs = NULL;
    jobfile_t *jf = NULL;

    if (!set) {
        perror ("mpibatch validate");
        return 3;
    }
    opts.set = set;
    cli_opts_t p;
    cli_opts_init (&p, "validate", usage_text, "h", longopts, argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case CLI_HELP:
            rc = 0;
            goto out;
        case 'l':
            list = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 's':
            set[opts.nset++] = p.arg;
            break;
        case 'S':
            opts.state = p.arg;
            break;
        case CLI_ARG:
            /* Counted, not refused here: --help later on still wins. */
            if (nargs++ == 0)
                jobfile = p.arg;
            break;
        default:
            goto out;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (nargs != 1) {
        cli_usage_error (&p, "%s", nargs ? "too many arguments" : "missing JOBFILE");
        goto out;
    }
    if (list && json) {
        fprintf (stderr, "mpibatch validate: --list and --json exclude each other\n");
        goto out;
    }
    if (!(errs = errlist_create (50))) {
        perror ("mpibatch validate");
        rc = 3;
        goto out;
    }
    jf = jobfile_load (jobfile, &opts, errs);
    if (!jf) {
        /* No message: the system failed us (3), not the job file (2). */
        if (errlist_count (errs) == 0)
            rc = 3;
        errlist_print (errs, stderr, jobfile, errno);
        goto out;
    }
    if (list)
        rc = print_list (jf) < 0 ? 3 : 0;
    else if (json)
        rc = print_json (jf) < 0 ? 3 : 0;
    else {
        jobfile_stats_t st;
        jobfile_stats (jf, &st);
        printf ("%s: valid: %zu task%s (%zu from sweeps), %zu sweep%s, %zu dependency edge%s, "
                "%zu input%s\n", jobfile_job (jf)->id,
                st.tasks, st.tasks == 1 ? "" : "s", st.from_sweeps,
                st.sweeps, st.sweeps == 1 ? "" : "s",
                st.edges, st.edges == 1 ? "" : "s",
                st.inputs, st.inputs == 1 ? "" : "s");
        rc = 0;
    }
    if (rc == 3)
        perror ("mpibatch validate");
    if (fflush (stdout) != 0)
        rc = 3;
out:
    jobfile_destroy (jf);
    errlist_destroy (errs);
    free (set);
    return rc;
}
