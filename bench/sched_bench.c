/* sched_bench.c: time sched_next + sched_attempt_end on the hot path (one-slot tasks, steady state). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "scheduler/sched.h"

/* Only calls that existed before jobs, so the same file measures an older
 * scheduler too: build it against that commit's scheduler/ sources. */

static double now (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* n independent one-slot tasks on `workers` one-slot workers: fill every
 * slot, then end the oldest attempt and place the next task, as the
 * service does when a result arrives.  Returns seconds, or -1. */
static double run (size_t n, int workers)
{
    uint32_t *off = calloc (n + 1, sizeof (*off));
    uint32_t dummy = 0;
    sched_task_t *t = calloc (n, sizeof (*t));
    uint32_t *ring = calloc ((size_t)workers, sizeof (*ring));
    double secs = -1;
    if (!off || !t || !ring)
        goto out;
    for (size_t i = 0; i < n; i++) {
        t[i].slots = 1;
        t[i].instances = 1;
        t[i].priority = (int)(i % 3);
    }
    graph_t *g = graph_create (n, off, &dummy);
    sched_t *s = g ? sched_create (g, t, SCHED_FILL_SPREAD) : NULL;
    if (!s)
        goto out_g;
    for (int w = 0; w < workers; w++)
        if (sched_worker_add (s, w + 1, w / 16, 1, 0, 0) < 0)
            goto out_s;
    if (sched_start (s) < 0)
        goto out_s;
    sched_assign_t a;
    size_t head = 0, len = 0, done = 0;
    double t0 = now ();
    while (len < (size_t)workers && sched_next (s, &a) == 1)
        ring[(head + len++) % workers] = a.task;
    while (len > 0) {
        sched_attempt_end (s, ring[head], SCHED_OK);
        head = (head + 1) % workers;
        len--;
        done++;
        if (sched_next (s, &a) == 1)
            ring[(head + len++) % workers] = a.task;
    }
    secs = now () - t0;
    if (done != n || !sched_finished (s))
        secs = -1;
out_s:
    sched_destroy (s);
out_g:
    graph_destroy (g);
out:
    free (off);
    free (t);
    free (ring);
    return secs;
}

int main (int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul (argv[1], NULL, 10) : 200000;
    int reps = argc > 2 ? atoi (argv[2]) : 7;
    const int sizes[2] = { 2, 128 };
    for (int k = 0; k < 2; k++) {
        double best = 1e30, sum = 0;
        for (int r = 0; r < reps; r++) {
            double x = run (n, sizes[k]);
            if (x < 0) {
                fprintf (stderr, "sched_bench: run failed\n");
                return 1;
            }
            sum += x;
            if (x < best)
                best = x;
        }
        printf ("%zu tasks, %3d workers: best %.1f ns, mean %.1f ns per next+attempt_end\n",
                n, sizes[k], best * 1e9 / n, sum / reps * 1e9 / n);
    }
    return 0;
}
