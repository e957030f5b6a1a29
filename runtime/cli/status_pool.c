/* status_pool.c: mpibatch status POOLDIR: the pool, its workers and one line per job, from POOLDIR/status.json. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "io/pooldir.h"
#include "io/poolstatus.h"
#include "runtime/alloc/alloc.h"
#include "runtime/cli/cli_common.h"
#include "runtime/cli/status_pool.h"

/* A time for the job table: "-" when there is none. */
static const char *when (double t, char *buf, size_t len)
{
    if (!isfinite (t) || t <= 0)
        return "-";
    return fmt_time (t, buf, len);
}

static void print_pool (FILE *f, const poolstatus_t *st, int running, const char *why)
{
    char b1[64], b2[64], d[64];
    double now = mb_clock_real ();
    fprintf (f, "pool %s on %s (pid %ld): %s", st->pool, st->host ? st->host : "?", st->pid,
             st->state);
    if (isfinite (st->started))
        fprintf (f, "; started %s", fmt_time (st->started, b1, sizeof (b1)));
    fprintf (f, "; updated %s (%s ago)\n", fmt_time (st->updated, b2, sizeof (b2)),
             fmt_duration (now - st->updated, d, sizeof (d)));
    if (!running)
        fprintf (f, "%s\n", why);

    int slots = 0, busy = 0, alive = 0;
    for (size_t i = 0; i < st->nworkers; i++)
        if (st->workers[i].alive) {
            alive++;
            slots += st->workers[i].slots;
            busy += st->workers[i].busy;
        }
    fprintf (f, "workers: %d alive of %zu, %d slots, %d busy\n", alive, st->nworkers, slots,
             busy);
    for (size_t i = 0; i < st->nworkers; i++) {
        const poolstatus_worker_t *w = &st->workers[i];
        fprintf (f, "  worker %-4d node %-16s slots %-4d busy %d%s%s\n", w->worker,
                 w->node ? w->node : "?", w->slots, w->busy, w->joined ? ", joined" : "",
                 w->alive ? "" : ", gone");
    }

    fprintf (f, "jobs: %zu\n", st->njobs);
    if (!st->njobs)
        return;
    fprintf (f, "  %-20s %-11s %5s %7s %7s %7s %9s %7s %7s %9s  %-19s  %-19s  %s\n", "JOB",
             "STATE", "PRIO", "PENDING", "READY", "RUNNING", "SUCCEEDED", "FAILED", "SKIPPED",
             "CANCELLED", "SUBMITTED", "STARTED", "ENDED");
    for (size_t i = 0; i < st->njobs; i++) {
        const poolstatus_job_t *j = &st->jobs[i];
        char t1[64], t2[64], t3[64], state[40];
        snprintf (state, sizeof (state), "%s%s", j->state,
                  j->open && !strcmp (j->state, "active") ? ",open" : "");
        fprintf (f, "  %-20s %-11s %5d", j->id, state, j->priority);
        for (int k = 0; k < PS_NCOUNTS; k++)
            fprintf (f, " %*llu", k == PS_SUCCEEDED || k == PS_CANCELLED ? 9 : 7,
                     (unsigned long long)j->counts[k]);
        fprintf (f, "  %-19s  %-19s  %s\n", when (j->submitted, t1, sizeof (t1)),
                 when (j->started, t2, sizeof (t2)), when (j->ended, t3, sizeof (t3)));
    }
}

int status_pool_show (const char *pooldir, int json, int *live)
{
    char why[700];
    poolstatus_t st;
    buf_t raw = { 0 };
    mb_error_t err = { { 0 } };
    int running = pooldir_probe (pooldir, why, sizeof (why));

    *live = 0;
    if (running < 0) {
        fprintf (stderr, "mpibatch status: %s: %s\n", pooldir, strerror (errno));
        return 2;
    }
    if (poolstatus_load (pooldir, &st, json ? &raw : NULL, &err) < 0) {
        if (errno == ENOENT)
            fprintf (stderr, "mpibatch status: %s: the pool has written no status.json%s%s\n",
                     pooldir, running ? " yet" : "; ", running ? "" : why);
        else
            fprintf (stderr, "mpibatch status: %s\n", err.text);
        buf_free (&raw);
        return 2;
    }
    /* A pool that died without writing "ended" ends the watching too. */
    *live = running == 1 && strcmp (st.state, "ended") != 0;
    if (json)
        fwrite (raw.data, 1, raw.len, stdout);
    else {
        print_pool (stdout, &st, running == 1, why);
        /* The allocations the pool asked Slurm for, from its own records
         * (POOLDIR/alloc.jnl): only when a queue was ever added. */
        alloc_t *a = alloc_load (pooldir, &err);
        if (a) {
            printf ("allocations:\n");
            alloc_list_text (a, stdout);
            alloc_destroy (a);
        }
    }
    fflush (stdout);
    poolstatus_free (&st);
    buf_free (&raw);
    return 0;
}
