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
#include "runtime/cli/cli_opts.h"

static const char usage_text[] =
    "Usage: mpibatch report JOBFILE|STATEDIR [OPTIONS]\n"
    "       mpibatch report POOLDIR JOB [OPTIONS]\n"
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
    "  -h, --help     show this help\n";

int cmd_report (int argc, char **argv)
{
    const char *arg = NULL, *extra = NULL, *job = NULL, *format = "text", *out = NULL, *state = NULL;
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
    enum { OPT_FORMAT = 256, OPT_STATE, OPT_SET, OPT_REFRESH };
    static const struct option longopts[] = {
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, 'o' },    /* -o's long name, kept undocumented */
        { "state", required_argument, NULL, OPT_STATE },
        { "set", required_argument, NULL, OPT_SET },
        { "refresh", required_argument, NULL, OPT_REFRESH },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cli_opts_t p;
    int c, nargs = 0;
    cli_opts_init (&p, "report", usage_text, "ho:", longopts, argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case CLI_HELP:
            rc = 0;
            goto out;
        case OPT_FORMAT:
            format = p.arg;
            break;
        case 'o':
            out = p.arg;
            break;
        case OPT_STATE:
            state = p.arg;
            break;
        case OPT_REFRESH: {
            char *end;
            long n = strtol (p.arg, &end, 10);
            if (*end || n < 1 || n > 86400) {
                cli_error (&p, "--refresh wants whole seconds from 1 to 86400, not '%s'", p.arg);
                goto out;
            }
            hopts.refresh = (int)n;
            break;
        }
        case OPT_SET:
            if (!strchr (p.arg, '=')) {
                cli_error (&p, "--set wants KEY=VALUE, not '%s'", p.arg);
                goto out;
            }
            set[nset++] = p.arg;
            break;
        case CLI_ARG:
            /* Counted, not refused here: --help later on still wins. */
            if (nargs++ == 0)
                arg = p.arg;
            else if (nargs == 2)
                job = p.arg;
            else if (nargs == 3)
                extra = p.arg;
            break;
        default:
            goto out;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (job && !(arg && cmd_is_pooldir (arg))) {
        /* The second word is a JOB only after a pool directory. */
        extra = job;
        job = NULL;
    }
    if (job && (state || nset)) {
        cli_error (&p, "--state and --set are for a JOBFILE, not a pool directory");
        goto out;
    }
    if (!job && !extra && arg && cmd_is_pooldir (arg)) {
        cli_usage_error (&p, "which job of the pool? give POOLDIR JOB");
        goto out;
    }
    if (extra) {
        cli_usage_error (&p, "one JOBFILE or STATEDIR, not '%s' too", extra);
        goto out;
    }
    if (!arg) {
        cli_usage_error (&p, "which run? give a JOBFILE or a STATEDIR");
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
    if (!(dir = job ? cmd_pool_job_dir ("report", arg, job)
                    : cmd_state_dir_opts (arg, state, set, nset, &jf)))
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
