/* mkjournal.c: write a small known journal for the status/logs tests (and optionally hold its lock). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/journal.h"

/* Usage: mkjournal DIR [hold|end]
 * Describes a 10-task run "demo" on 2 workers: a-0 succeeded, a-1 failed
 * after two attempts, a-2 skipped, a-3 running, a-4 waiting for a retry,
 * the other five never started.  "end" adds a RUN_END (failed); "hold"
 * keeps the lock (a live run) until DIR/stop appears, after creating
 * DIR/ready. */
static journal_t *j;
static double t0;

static void add (journal_rec_t r)
{
    /* The run started 65 s ago; everything else happened since. */
    if (r.time == 0)
        r.time = t0 + 65;
    if (journal_append (j, &r) < 0) {
        perror ("mkjournal: append");
        exit (1);
    }
}

static void start (const char *task, unsigned idx, int attempt, int worker)
{
    add ((journal_rec_t){ .type = JREC_ATTEMPT_START, .task = task, .task_index = idx,
                          .attempt = attempt, .worker = worker, .node = "n1",
                          .slots = 1, .cpus = "0", .ready_time = t0, .start_time = t0 });
}

static void end (const char *task, unsigned idx, int attempt, int outcome, int code,
                 const char *reason)
{
    add ((journal_rec_t){ .type = JREC_ATTEMPT_END, .task = task, .task_index = idx,
                          .attempt = attempt, .worker = 1, .node = "n1", .outcome = outcome,
                          .exit_code = code, .start_time = t0, .end_time = t0 + 1,
                          .reason = reason });
}

static void task_end (const char *task, unsigned idx, int state, const char *reason)
{
    add ((journal_rec_t){ .type = JREC_TASK_END, .task = task, .task_index = idx,
                          .state = state, .reason = reason });
}

int main (int argc, char **argv)
{
    mb_error_t err;
    if (argc < 2) {
        fprintf (stderr, "usage: mkjournal DIR [hold|end]\n");
        return 2;
    }
    const char *mode = argc > 2 ? argv[2] : "";
    t0 = (double)time (NULL) - 65;
    if (!(j = journal_open (argv[1], 1, &err))) {
        fprintf (stderr, "mkjournal: %s\n", err.text);
        return 1;
    }
    add ((journal_rec_t){ .type = JREC_RUN_START, .time = t0, .job_id = "demo", .workers = 2,
                          .nodes = 1, .slots = 2, .ntasks = 10, .version = "test" });
    add ((journal_rec_t){ .type = JREC_WORKER, .worker = 1, .node = "n1", .slots = 1, .cpus = "0" });
    add ((journal_rec_t){ .type = JREC_WORKER, .worker = 2, .node = "n1", .slots = 1, .cpus = "1" });
    start ("a-0", 0, 1, 1);
    end ("a-0", 0, 1, JOUT_SUCCEEDED, 0, NULL);
    task_end ("a-0", 0, 3, NULL);
    start ("a-1", 1, 1, 1);
    end ("a-1", 1, 1, JOUT_FAILED, 3, "exit 3");
    start ("a-1", 1, 2, 1);
    end ("a-1", 1, 2, JOUT_FAILED, 3, "exit 3 \"again\"");
    task_end ("a-1", 1, 4, "exit 3 \"again\"");
    task_end ("a-2", 2, 5, "prerequisite a-1 failed");
    start ("a-3", 3, 1, 2);
    start ("a-4", 4, 1, 1);
    end ("a-4", 4, 1, JOUT_FAILED, -1, "killed by SIGSEGV");
    if (!strcmp (mode, "end"))
        add ((journal_rec_t){ .type = JREC_RUN_END, .status = 1 });
    if (journal_flush (j, 1) < 0) {
        perror ("mkjournal: flush");
        return 1;
    }
    if (!strcmp (mode, "hold")) {
        char ready[4096], stop[4096];
        struct stat st;
        snprintf (ready, sizeof (ready), "%s/ready", argv[1]);
        snprintf (stop, sizeof (stop), "%s/stop", argv[1]);
        FILE *f = fopen (ready, "w");
        if (f)
            fclose (f);
        /* At most a minute, so a failed test cannot leave it behind. */
        for (int i = 0; i < 1200 && stat (stop, &st) < 0; i++)
            usleep (50000);
    }
    journal_close (j);
    return 0;
}
