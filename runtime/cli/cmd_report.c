/* cmd_report.c: mpibatch report: summarises a run from <state>/report.h5
 * as text, JSON, CSV (the /tasks table) or a self-contained HTML page. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "io/report.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_common.h"

static void usage (FILE *f)
{
    fprintf (f,
             "Usage: mpibatch report JOBFILE|STATEDIR [OPTIONS]\n"
             "\n"
             "Summarise a run from its HDF5 report (<state>/report.h5): totals,\n"
             "failures by reason, each sweep's outcomes per parameter value,\n"
             "per-worker utilisation, slowest tasks.  While the run goes on, what\n"
             "the report does not have yet is read from the journal, and running\n"
             "tasks are shown as such.\n"
             "\n"
             "Options:\n"
             "  --format FMT   text (default), json, csv (the /tasks table) or html\n"
             "  -o FILE        write to FILE instead of standard output\n"
             "  --refresh SEC  (html) the page reloads itself every SEC seconds\n"
             "  --state DIR    the state directory of a JOBFILE (default: from the job)\n"
             "  --set K=V      override a job-file setting when resolving JOBFILE\n"
             "  -h, --help     show this help\n");
}

/* The value of an option given as "--opt VALUE" or "--opt=VALUE"; NULL
 * when argv[*i] is not that option.  Sets *missing when the value is. */
static const char *optval (int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen (name);
    if (strncmp (argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int cmd_report (int argc, char **argv)
{
    const char *arg = NULL, *format = "text", *out = NULL, *state = NULL;
    report_html_opts_t hopts = { 0, 0, 0 };
    jobfile_t *jf = NULL;
    report_live_t *live = NULL;
    const char **set = NULL;
    int nset = 0;
    char *dir = NULL;
    mb_error_t err = { "" };
    FILE *f = stdout;
    int rc = 2, prc;

    /* At most one --set per argument. */
    if (!(set = calloc ((size_t)argc, sizeof (*set)))) {
        perror ("mpibatch report");
        return 3;
    }
    for (int i = 1; i < argc; i++) {
        const char *v;
        int missing = 0;
        if (!strcmp (argv[i], "-h") || !strcmp (argv[i], "--help")) {
            usage (stdout);
            rc = 0;
            goto out;
        }
        if ((v = optval (argc, argv, &i, "--format", &missing)))
            format = v;
        else if ((v = optval (argc, argv, &i, "-o", &missing))
                 || (v = optval (argc, argv, &i, "--output", &missing)))
            out = v;
        else if ((v = optval (argc, argv, &i, "--state", &missing)))
            state = v;
        else if ((v = optval (argc, argv, &i, "--refresh", &missing))) {
            char *end;
            long n = strtol (v, &end, 10);
            if (*end || n < 1 || n > 86400) {
                fprintf (stderr, "mpibatch report: --refresh wants whole seconds from 1 to "
                                 "86400, not '%s'\n", v);
                goto out;
            }
            hopts.refresh = (int)n;
        }
        else if ((v = optval (argc, argv, &i, "--set", &missing))) {
            if (!strchr (v, '=')) {
                fprintf (stderr, "mpibatch report: --set wants KEY=VALUE, not '%s'\n", v);
                goto out;
            }
            set[nset++] = v;
        }
        else if (missing) {
            fprintf (stderr, "mpibatch report: %s needs a value\n", argv[i]);
            goto out;
        }
        else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf (stderr, "mpibatch report: unknown option '%s' (see mpibatch report --help)\n",
                     argv[i]);
            goto out;
        }
        else if (arg) {
            fprintf (stderr, "mpibatch report: one JOBFILE or STATEDIR, not '%s' too\n",
                     argv[i]);
            goto out;
        }
        else
            arg = argv[i];
    }
    if (!arg) {
        fprintf (stderr, "mpibatch report: which run? give a JOBFILE or a STATEDIR\n");
        usage (stderr);
        goto out;
    }
    if (strcmp (format, "text") && strcmp (format, "json") && strcmp (format, "csv")
        && strcmp (format, "html")) {
        fprintf (stderr, "mpibatch report: unknown --format '%s' (text, json, csv, html)\n",
                 format);
        goto out;
    }
    if (hopts.refresh && strcmp (format, "html")) {
        fprintf (stderr, "mpibatch report: --refresh is for --format html\n");
        goto out;
    }

    /* A state directory is taken as it is (or --state instead); a job
     * file, with --set applied, names one. */
    if (!(dir = cmd_state_dir_opts (arg, state, set, nset, &jf)))
        goto out;    /* cmd_state_dir_opts printed why */
    /* The report, completed from the journal while the run goes on. */
    /* The journal tells whether the run ended; the lock, whether a run
     * that did not end is still there or died. */
    if (!(live = report_live_open (dir, jf, cmd_run_live (dir, NULL, 0), &err))) {
        fprintf (stderr, "mpibatch report: %s\n", err.text);
        rc = errno == ENOMEM ? 3 : 2;
        goto out;
    }
    hopts.live = report_live_running (live);
    /* The page's "now" is the moment the journal was read. */
    hopts.now = report_live_data (live)->as_of > 0 ? report_live_data (live)->as_of
                                                   : (double)time (NULL);
    if (out && !(f = fopen (out, "w"))) {
        fprintf (stderr, "mpibatch report: %s: %s\n", out, strerror (errno));
        f = stdout;
        goto out;
    }
    if (!strcmp (format, "json"))
        prc = report_print_json (f, report_live_data (live));
    else if (!strcmp (format, "html"))
        prc = report_print_html_opts (f, report_live_data (live), &hopts);
    else if (!strcmp (format, "csv"))
        prc = report_print_csv (f, report_live_data (live));
    else
        prc = report_print_text (f, report_live_data (live));
    if (fflush (f) != 0 || prc < 0) {
        fprintf (stderr, "mpibatch report: writing %s: %s\n", out ? out : "the output",
                 strerror (errno));
        rc = 3;
        goto out;
    }
    rc = 0;
out:
    if (f != stdout && fclose (f) != 0 && rc == 0) {
        fprintf (stderr, "mpibatch report: %s: %s\n", out, strerror (errno));
        rc = 3;
    }
    report_live_close (live);
    jobfile_destroy (jf);
    free (dir);
    free (set);
    return rc;
}
