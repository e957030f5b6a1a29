/* mkbig.c: writes DIR/report.h5 with N attempts (default 100,000), so the
 * HTML report test can load a page as large as a big run makes without
 * running that many tasks. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/report.h"

#define NWORKERS 32
#define SLOTS 4

int main (int argc, char **argv)
{
    char path[4096];
    mb_error_t err = { "" };
    report_t r;
    report_task_t *tasks = NULL;
    report_attempt_t *att = NULL;
    report_worker_t workers[NWORKERS];
    char (*ids)[24] = NULL;   /* "t-" and up to 20 digits */
    char nodes[NWORKERS][16];
    size_t natt = 100000, ntasks, retried;
    int rc = 1;

    if (argc < 2 || argc > 3) {
        fprintf (stderr, "Usage: mkbig DIR [ATTEMPTS]\n");
        return 2;
    }
    if (argc == 3 && (natt = strtoul (argv[2], NULL, 10)) < 20) {
        fprintf (stderr, "mkbig: ATTEMPTS must be at least 20\n");
        return 2;
    }
    /* One task in twenty fails once and succeeds on its retry, so the
     * page has two colours and tasks with several attempts. */
    retried = natt / 20;
    ntasks = natt - retried;
    tasks = calloc (ntasks, sizeof (*tasks));
    att = calloc (natt, sizeof (*att));
    ids = calloc (ntasks, sizeof (*ids));
    if (!tasks || !att || !ids) {
        perror ("mkbig");
        goto out;
    }
    memset (workers, 0, sizeof (workers));
    for (int w = 0; w < NWORKERS; w++) {
        snprintf (nodes[w], sizeof (nodes[w]), "node-%02d", w / 4);
        workers[w].rank = w + 1;
        workers[w].node = nodes[w];
        workers[w].slots = SLOTS;
        workers[w].cpus = "0-3";
    }

    /* Attempts run back to back on each slot (one second each), so no two
     * overlap on a slot and the page needs exactly NWORKERS * SLOTS lanes. */
    const double t0 = 1764197100.0;
    const size_t lanes = NWORKERS * SLOTS;
    size_t k = 0;
    for (size_t t = 0; t < ntasks; t++) {
        int n = t < retried ? 2 : 1;
        snprintf (ids[t], sizeof (ids[t]), "t-%zu", t);
        for (int a = 0; a < n; a++, k++) {
            size_t lane = k % lanes;
            int w = (int)(lane / SLOTS);
            att[k].task = (uint32_t)t;
            att[k].attempt = a;
            att[k].worker = w + 1;
            att[k].node = nodes[w];
            att[k].start_time = t0 + (double)(k / lanes);
            att[k].end_time = att[k].start_time + 0.9;
            att[k].exit_code = a + 1 < n ? 1 : 0;
            att[k].outcome = a + 1 < n ? "failed" : "succeeded";
            att[k].reason = a + 1 < n ? "exit 1" : NULL;
            workers[w].tasks_run++;
            workers[w].busy_seconds += 0.9;
        }
        report_attempt_t *last = &att[k - 1];
        tasks[t] = (report_task_t){
            .id = ids[t], .state = "succeeded", .attempts = n, .worker = last->worker,
            .node = last->node, .slots = 1, .cpus = "0",
            .ready_time = t0, .start_time = last->start_time, .end_time = last->end_time,
            .wall_seconds = 0.9,
        };
    }

    memset (&r, 0, sizeof (r));
    r.job_id = "big";
    r.version = PACKAGE_VERSION;
    r.started = t0;
    r.finished = t0 + (double)(natt / lanes) + 1;
    r.status = "succeeded";
    r.workers = NWORKERS;
    r.nodes = NWORKERS / 4;
    r.slots = NWORKERS * SLOTS;
    r.counts[3] = ntasks;
    r.config = "id = \"big\";\n";
    r.ntasks = ntasks;
    r.tasks = tasks;
    r.nattempts = natt;
    r.attempts = att;
    r.nworkers = NWORKERS;
    r.workers_rows = workers;
    snprintf (path, sizeof (path), "%s/report.h5", argv[1]);
    if (report_write (path, &r, &err) < 0) {
        fprintf (stderr, "mkbig: %s\n", err.text);
        goto out;
    }
    rc = 0;
out:
    free (tasks);
    free (att);
    free (ids);
    return rc;
}
