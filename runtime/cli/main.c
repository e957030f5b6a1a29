/* main.c: the mpibatch command line: a table of subcommands. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "runtime/cli/cli.h"

static const struct {
    const char *name;
    int (*fn) (int argc, char **argv);
    const char *summary;
} commands[] = {
    { "run", cmd_run, "run a job under mpirun (or alone on this node)" },
    { "pool", cmd_pool_serve, "run a pool that takes jobs and tasks while it runs" },
    { "validate", cmd_validate, "check a job file and print its expanded tasks" },
    { "status", cmd_status, "show the state of a run from its journal" },
    { "report", cmd_report, "summarise a run from its HDF5 report" },
    { "logs", cmd_logs, "print a task's stdout or stderr" },
    { "topology", cmd_topology, "show this node's hardware and worker sizing" },
    { "submit", cmd_submit, "hand a job to a running pool" },
    { "add", cmd_add, "add tasks to an open job of a pool" },
    { "close", cmd_close, "close a pool's job: it ends when its tasks have" },
    { "cancel", cmd_cancel, "cancel a pool's job or some of its tasks" },
    { "priority", cmd_priority, "change the priority of a pool's job" },
    { "shutdown", cmd_shutdown, "stop a pool when its jobs have ended, or now" },
    { "alloc", cmd_alloc, "let a pool submit Slurm jobs of workers (add, list, remove)" },
    { "worker", cmd_worker, "join a running pool's workers from another mpirun" },
};

static void usage (FILE *f)
{
    fprintf (f, "Usage: mpibatch COMMAND [OPTIONS] [ARGS]\n"
                "       mpibatch help COMMAND | --help | --version\n\n"
                "Commands:\n");
    for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
        fprintf (f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf (f, "\nmpibatch COMMAND --help shows a command's options; "
                "man mpibatch and mpibatch-jobfile(5) have the details.\n");
}

static int find (const char *name)
{
    for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
        if (!strcmp (commands[i].name, name))
            return (int)i;
    return -1;
}

int main (int argc, char **argv)
{
    if (argc < 2) {
        usage (stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp (cmd, "--help") || !strcmp (cmd, "-h")) {
        usage (stdout);
        return 0;
    }
    if (!strcmp (cmd, "--version") || !strcmp (cmd, "-V")) {
        printf ("mpibatch %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (!strcmp (cmd, "help")) {
        if (argc < 3) {
            usage (stdout);
            return 0;
        }
        int i = find (argv[2]);
        if (i < 0) {
            fprintf (stderr, "mpibatch: unknown command '%s' (try mpibatch --help)\n", argv[2]);
            return 2;
        }
        char *hargv[] = { argv[2], "--help", NULL };
        return commands[i].fn (2, hargv);
    }
    int i = find (cmd);
    if (i < 0) {
        fprintf (stderr, "mpibatch: unknown command '%s' (try mpibatch --help)\n", cmd);
        return 2;
    }
    return commands[i].fn (argc - 1, argv + 1);
}
