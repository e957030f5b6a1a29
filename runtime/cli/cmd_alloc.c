/* cmd_alloc.c: `mpibatch alloc add|list|remove POOLDIR ...`: the pool's queues of automatic Slurm allocations. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/jobfile.h"
#include "io/pooldir.h"
#include "runtime/alloc/alloc.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_opts.h"

static const char usage_all[] =
    "Usage: mpibatch alloc add POOLDIR slurm [OPTIONS] [-- SBATCH_ARGS...]\n"
    "       mpibatch alloc list POOLDIR [--json]\n"
    "       mpibatch alloc remove POOLDIR QUEUE [--timeout SECONDS]\n"
    "The pool submits Slurm jobs of workers that join it (mpibatch worker)\n"
    "while ready tasks wait with no free slot, up to --max-allocations at once,\n"
    "and stops when nothing waits; idle workers leave after --idle-timeout.\n"
    "Pending allocations are cancelled when the pool ends or the queue is removed.\n"
    "Options of add:\n"
    "  --time-limit DUR        each allocation's time limit (e.g. 1h, 90m; Slurm\n"
    "                          rounds up to minutes; default: the partition's)\n"
    "  --nodes N               nodes per allocation (default 1)\n"
    "  --max-allocations N     pending + running allocations at most (default 4)\n"
    "  --idle-timeout DUR      workers leave after this long without work (default 5m)\n"
    "  -- SBATCH_ARGS...       more sbatch options (--partition=..., --account=...)\n"
    "  --timeout SECONDS       wait this long for the pool's answer (default 30)\n"
    "  -h, --help              print this help\n"
    "Exit status: 0 done, 2 bad input or refused by the pool (with the reason),\n"
    "3 no pool is running in POOLDIR, or no answer in time.\n";

enum { OPT_TIME = 256, OPT_NODES, OPT_MAX, OPT_IDLE, OPT_TIMEOUT, OPT_JSON };

static int parse_dur (const cli_opts_t *p, const char *what, double *out)
{
    double v = jobfile_parse_duration (p->arg);
    if (!(v >= 1) || v > 366.0 * 86400)
        return cli_error (p, "%s: expected a duration from 1s to 366d (got '%s')", what, p->arg);
    *out = v;
    return 0;
}

static int parse_int (const cli_opts_t *p, const char *what, const char *s, int max, int *out)
{
    char *end;
    long v = strtol (s, &end, 10);
    if (!*s || *end || v < 1 || v > max)
        return cli_error (p, "%s: expected a number from 1 to %d (got '%s')", what, max, s);
    *out = (int)v;
    return 0;
}

static int do_list (const char *dir, int json)
{
    mb_error_t err = { { 0 } };
    if (!cmd_is_pooldir (dir)) {
        fprintf (stderr, "mpibatch alloc: %s is not a pool directory (no pool.info)\n", dir);
        return 2;
    }
    alloc_t *a = alloc_load (dir, &err);
    if (!a) {
        if (errno == ENOENT) {
            if (json)
                printf ("[]\n");
            else
                printf ("no allocation queue\n");
            return 0;
        }
        fprintf (stderr, "mpibatch alloc: %s\n", err.text);
        return 3;
    }
    int rc = json ? alloc_status_json (a, stdout) : alloc_list_text (a, stdout);
    if (json)
        putchar ('\n');
    alloc_destroy (a);
    return rc < 0 ? 3 : 0;
}

int cmd_alloc (int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "time-limit", required_argument, NULL, OPT_TIME },
        { "nodes", required_argument, NULL, OPT_NODES },
        { "max-allocations", required_argument, NULL, OPT_MAX },
        { "idle-timeout", required_argument, NULL, OPT_IDLE },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "json", no_argument, NULL, OPT_JSON },
        { NULL, 0, NULL, 0 },
    };
    cli_opts_t p;
    int c, rc = 2, nargs = 0, json = 0, dashdash = 0;
    double timeout = 30;
    pool_req_t *req = pool_req_create (POOL_OP_ALLOC_ADD);
    const char **args = calloc ((size_t)argc + 1, sizeof (*args));
    pool_answer_t ans = { 0 };
    int seen_add_opt = 0;

    if (!req || !args) {
        perror ("alloc");
        rc = 3;
        goto out;
    }
    /* Arguments after "--" are sbatch's: find where they start, so the
     * options reader sees only ours. */
    int our_argc = argc;
    for (int k = 1; k < argc; k++)
        if (!strcmp (argv[k], "--")) {
            our_argc = k;
            dashdash = 1;
            break;
        }
    cli_opts_init (&p, "alloc", usage_all, "h", longopts, our_argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case CLI_HELP:
            rc = 0;
            goto out;
        case OPT_TIME:
            seen_add_opt = 1;
            if (parse_dur (&p, "--time-limit", &req->time_limit))
                goto out;
            if (req->time_limit < 60) {
                cli_error (&p, "--time-limit: at least 1 minute (Slurm counts minutes)");
                goto out;
            }
            break;
        case OPT_IDLE:
            seen_add_opt = 1;
            if (parse_dur (&p, "--idle-timeout", &req->idle_timeout))
                goto out;
            break;
        case OPT_NODES:
            seen_add_opt = 1;
            if (parse_int (&p, "--nodes", p.arg, 100000, &req->nodes))
                goto out;
            break;
        case OPT_MAX:
            seen_add_opt = 1;
            if (parse_int (&p, "--max-allocations", p.arg, 10000, &req->max_allocations))
                goto out;
            break;
        case OPT_TIMEOUT: {
            char *end;
            timeout = strtod (p.arg, &end);
            if (end == p.arg || *end || !(timeout > 0) || timeout > 1e6) {
                cli_error (&p, "--timeout: expected seconds > 0 (got '%s')", p.arg);
                goto out;
            }
            break;
        }
        case OPT_JSON:
            json = 1;
            break;
        case CLI_ARG:
            args[nargs++] = p.arg;
            break;
        default:
            goto out;
        }
    }
    if (nargs < 1) {
        cli_usage_error (&p, "add, list or remove needed");
        goto out;
    }
    const char *sub = args[0];
    if (!strcmp (sub, "list")) {
        if (nargs != 2 || dashdash || seen_add_opt) {
            cli_usage_error (&p, nargs < 2 ? "POOLDIR needed" : "list takes POOLDIR and --json only");
            goto out;
        }
        rc = do_list (args[1], json);
        goto out;
    }
    if (json) {
        cli_error (&p, "--json goes with list only");
        goto out;
    }
    if (!strcmp (sub, "add")) {
        if (nargs < 3) {
            cli_usage_error (&p, "POOLDIR and the backend (slurm) needed");
            goto out;
        }
        if (nargs > 3) {
            cli_usage_error (&p, "unexpected argument '%s' (sbatch's options go after \"--\")",
                             args[3]);
            goto out;
        }
        if (strcmp (args[2], "slurm")) {
            cli_error (&p, "unknown backend '%s' (only slurm is known)", args[2]);
            goto out;
        }
        if (!(req->backend = strdup ("slurm")))
            goto nomem;
        for (int k = our_argc + 1; k < argc; k++) {
            if (argv[k][0] != '-' || strlen (argv[k]) > 4096) {
                cli_error (&p, "sbatch argument '%s': options only (--name=value), the pool "
                           "writes the job script", argv[k]);
                goto out;
            }
            if (pool_req_add_arg (req, argv[k]) < 0)
                goto nomem;
        }
        if (req->nargs > 256) {
            cli_error (&p, "at most 256 sbatch arguments");
            goto out;
        }
        rc = cmd_pool_request ("alloc", args[1], req, timeout, &ans);
        if (rc == 0)
            printf ("%s\n", ans.text ? ans.text : "allocation queue added");
        goto out;
    }
    if (!strcmp (sub, "remove")) {
        if (nargs != 3 || dashdash || seen_add_opt) {
            cli_usage_error (&p, nargs < 3 ? "POOLDIR and QUEUE needed"
                             : "remove takes POOLDIR, QUEUE and --timeout only");
            goto out;
        }
        req->op = POOL_OP_ALLOC_REMOVE;
        if (parse_int (&p, "QUEUE", args[2], 100000, &req->queue))
            goto out;
        rc = cmd_pool_request ("alloc", args[1], req, timeout, &ans);
        if (rc == 0)
            printf ("%s\n", ans.text ? ans.text : "allocation queue removed");
        goto out;
    }
    cli_usage_error (&p, "unknown alloc command '%s' (add, list or remove)", sub);
    goto out;
nomem:
    perror ("alloc");
    rc = 3;
out:
    pool_answer_free (&ans);
    pool_req_destroy (req);
    free (args);
    return rc;
}
