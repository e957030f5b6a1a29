/* mkbig.c: writes DIR/report.h5 with N attempts (default 100,000) of
 * 2-slot tasks and a 3-parameter sweep over them, so the HTML report test
 * and bench/ can load a page as large as a big run makes without running
 * that many tasks. */
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

    /* Every attempt holds 2 slots; attempts run back to back on each pair
     * of slots (one second each), so none overlap and the page needs
     * exactly NWORKERS * SLOTS lanes. */
    const double t0 = 1764197100.0;
    const size_t lanes = NWORKERS * SLOTS / 2;
    size_t k = 0;
    for (size_t t = 0; t < ntasks; t++) {
        int n = t < retried ? 2 : 1;
        snprintf (ids[t], sizeof (ids[t]), "t-%zu", t);
        for (int a = 0; a < n; a++, k++) {
            size_t lane = k % lanes;
            int w = (int)(lane / (SLOTS / 2));
            att[k].task = (uint32_t)t;
            att[k].attempt = a;
            att[k].worker = w + 1;
            att[k].node = nodes[w];
            att[k].start_time = t0 + (double)(k / lanes);
            att[k].end_time = att[k].start_time + 0.9;
            att[k].exit_code = a + 1 < n ? 1 : 0;
            att[k].outcome = a + 1 < n ? "failed" : "succeeded";
            att[k].reason = a + 1 < n ? "exit 1" : NULL;
            att[k].slots = 2;
            att[k].cpus = lane % 2 ? "2,3" : "0,1";
            workers[w].tasks_run++;
            workers[w].busy_seconds += 0.9;
        }
        report_attempt_t *last = &att[k - 1];
        tasks[t] = (report_task_t){
            .id = ids[t], .state = "succeeded", .attempts = n, .worker = last->worker,
            .node = last->node, .slots = 2, .cpus = last->cpus,
            .ready_time = t0, .start_time = last->start_time, .end_time = last->end_time,
            .wall_seconds = 0.9,
        };
    }

    /* One sweep over every task: a (50 values) x b (40) x seed. */
    uint32_t *rows = calloc (ntasks, sizeof (*rows));
    char (*pv)[3][24] = calloc (ntasks, sizeof (*pv));
    const char **vals[3] = { calloc (ntasks, sizeof (char *)), calloc (ntasks, sizeof (char *)),
                             calloc (ntasks, sizeof (char *)) };
    static const char *pnames[3] = { "a", "b", "seed" };
    report_sweep_t sweep = { "sim", ntasks, rows, 3, pnames, vals };
    if (!rows || !pv || !vals[0] || !vals[1] || !vals[2]) {
        perror ("mkbig");
        goto out2;
    }
    for (size_t t = 0; t < ntasks; t++) {
        rows[t] = (uint32_t)t;
        snprintf (pv[t][0], 24, "%zu", t % 50);
        snprintf (pv[t][1], 24, "%.2f", 0.25 * (double)((t / 50) % 40));
        snprintf (pv[t][2], 24, "%zu", t / 2000);
        for (int p = 0; p < 3; p++)
            vals[p][t] = pv[t][p];
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
    r.nsweeps = 1;
    r.sweeps = &sweep;
    snprintf (path, sizeof (path), "%s/report.h5", argv[1]);
    if (report_write (path, &r, &err) < 0) {
        fprintf (stderr, "mkbig: %s\n", err.text);
        goto out2;
    }
    rc = 0;
out2:
    free (rows);
    free (pv);
    for (int p = 0; p < 3; p++)
        free ((void *)vals[p]);
out:
    free (tasks);
    free (att);
    free (ids);
    return rc;
}
