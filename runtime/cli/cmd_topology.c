/* cmd_topology.c: mpibatch topology: what hwloc sees on this node and how
 * workers started here would be sized and bound. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_opts.h"
#include "runtime/node/topo.h"

static const char usage_text[] =
    "Usage: mpibatch topology [--workers N] [--slots cores|pus|N] [--json]\n"
    "Show what hwloc sees on this node (packages, NUMA nodes, cores, PUs,\n"
    "memory) and how N workers started here would share it (default 1).\n"
    "MPIBATCH_TOPOLOGY (a synthetic description or an XML file) fakes a machine.\n\n"
    "  --workers N   size N workers on this node (as mpirun would start them)\n"
    "  --slots KIND  slots_per_worker: cores (default), pus, or a number\n"
    "  --json        print JSON\n"
    "  -h, --help    show this help\n";

int cmd_topology (int argc, char **argv)
{
    static const struct option longopts[] = {
        { "workers", required_argument, NULL, 'w' },
        { "slots", required_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int workers = 1, json = 0, kind = TOPO_SLOTS_CORES, nslots = 0;
    const char *first_arg = NULL;
    int c, nargs = 0;
    cli_opts_t p;
    cli_opts_init (&p, "topology", usage_text, "h", longopts, argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case 'w':
            workers = atoi (p.arg);
            if (workers < 1)
                return cli_error (&p, "--workers must be a positive number");
            break;
        case 's':
            if (!strcmp (p.arg, "cores"))
                kind = TOPO_SLOTS_CORES;
            else if (!strcmp (p.arg, "pus"))
                kind = TOPO_SLOTS_PUS;
            else if ((nslots = atoi (p.arg)) > 0)
                kind = TOPO_SLOTS_NUMBER;
            else
                return cli_error (&p, "--slots must be cores, pus or a number");
            break;
        case 'j': json = 1; break;
        case CLI_HELP: return 0;
        case CLI_ARG:
            /* Refused after the options: --help later on still wins. */
            if (nargs++ == 0)
                first_arg = p.arg;
            break;
        default: return 2;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (nargs)
        return cli_usage_error (&p, "unexpected argument '%s'", first_arg);
    mb_error_t err = { "" };
    topo_t *t = topo_load (&err);
    if (!t) {
        fprintf (stderr, "mpibatch topology: %s\n", err.text);
        return 3;
    }
    if (json) {
        printf ("{\"packages\":%d,\"numa_nodes\":%d,\"cores\":%d,\"pus\":%d,\"memory\":%lld,"
                "\"simulated\":%s,\"workers\":[",
                topo_npackages (t), topo_nnuma (t), topo_ncores (t), topo_npus (t),
                (long long)topo_memory (t), topo_is_fake (t) ? "true" : "false");
    }
    else {
        printf ("node: %s\n", topo_summary (t));
        if (topo_is_fake (t))
            printf ("(simulated topology: tasks would not be bound)\n");
        printf ("%d worker%s on this node:\n", workers, workers == 1 ? "" : "s");
    }
    int rc = 0;
    for (int k = 0; k < workers; k++) {
        topo_share_t s;
        if (topo_share (t, k, workers, kind, nslots, TOPO_BIND_CORE, &s, &err) < 0) {
            fprintf (stderr, "mpibatch topology: %s\n", err.text);
            rc = 2;
            break;
        }
        if (json) {
            printf ("%s{\"worker\":%d,\"slots\":%d,\"cores\":%d,\"pus\":%d,\"cpus\":", k ? "," : "",
                    k, s.nslots, s.ncores, s.npus);
            json_put_string (stdout, s.cpus);
            printf (",\"memory\":%lld,\"slot_cpus\":[", (long long)s.memory);
            for (int i = 0; i < s.nslots; i++) {
                char *l = topo_list_format (s.pus + s.pu_off[i], s.pu_off[i + 1] - s.pu_off[i]);
                printf ("%s", i ? "," : "");
                json_put_string (stdout, l ? l : "");
                free (l);
            }
            printf ("]}");
        }
        else {
            printf ("  worker %d: %d slot%s on %d core%s (%d PUs), cpus %s, memory %.1f GiB\n", k,
                    s.nslots, s.nslots == 1 ? "" : "s", s.ncores, s.ncores == 1 ? "" : "s", s.npus,
                    s.cpus, (double)s.memory / (1024.0 * 1024 * 1024));
            for (int i = 0; i < s.nslots; i++) {
                char *l = topo_list_format (s.pus + s.pu_off[i], s.pu_off[i + 1] - s.pu_off[i]);
                printf ("    slot %d: cpus %s (package %d, NUMA %d)\n", i, l ? l : "", s.pkg[i],
                        s.numa[i]);
                free (l);
            }
        }
        topo_share_free (&s);
    }
    if (json)
        printf ("]}\n");
    topo_destroy (t);
    return rc;
}
