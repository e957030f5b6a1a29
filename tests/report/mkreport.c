/* mkreport.c: writes a small known report (or an empty one with --empty)
 * to DIR/report.h5, for the shell tests of the report's layout and of
 * `mpibatch report`. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "io/report.h"

static const report_task_t tasks[4] = {
    { "prep", "succeeded", 1, 0, 0, 0, 1, "node-a", 1, "0", 1764197100.5,
      1764197101.0, 1764197111.5, 10.5, 9.25, 0.5, 20480, 1024, 2048, NULL },
    { "sim-1", "failed", 2, 3, 0, 0, 2, "node-b", 2, "2,3", 1764197112.0,
      1764197113.0, 1764197153.0, 40.0, 70.5, 1.5, 409600, 4096, 0,
      "exit 3, \"bad input\"" },
    { "sim-2", "succeeded", 1, 0, 0, 0, 1, "node-a", 1, "1", 1764197112.0,
      1764197112.5, 1764197132.5, 20.0, 19.0, 0.25, 10240, 4096, 100, NULL },
    { "post", "skipped", 0, 0, 0, 0, -1, NULL, 1, NULL, 0, 0, 0, 0, 0, 0, 0, 0,
      0, "dependency sim-1 failed" },
};

static const report_attempt_t attempts[4] = {
    { 0, 1, 1, "node-a", 1764197101.0, 1764197111.5, 0, 0, "succeeded", NULL, 1, "0" },
    { 1, 1, 2, "node-b", 1764197113.0, 1764197120.0, 0, 0, "timed_out", "time limit 7s", 2,
      "2,3" },
    { 1, 2, 2, "node-b", 1764197121.0, 1764197153.0, 3, 0, "failed", "exit 3", 2, "2,3" },
    { 2, 1, 1, "node-a", 1764197112.5, 1764197132.5, 0, 0, "succeeded", NULL, 1, "1" },
};

static const report_worker_t workers[2] = {
    { 1, "node-a", 2, "0-1", 2, 30.5 },
    { 2, "node-b", 2, "2-3", 2, 39.0 },
};

static const uint32_t rows[2] = { 1, 2 };
static const char *pnames[2] = { "temperature", "mesh" };
static const char *temps[2] = { "300", "350.5" };
static const char *meshes[2] = { "fine", "coarse" };
static const char **values[2] = { temps, meshes };
static const report_sweep_t sweeps[1] = { { "sim", 2, rows, 2, pnames, values } };

static const report_log_t logs[1] = { { 0, 1, 1, "prepared\n", 9 } };

int main (int argc, char **argv)
{
    char path[4096];
    mb_error_t err;
    report_t r;
    int empty = argc == 3 && !strcmp (argv[2], "--empty");

    if (argc < 2 || (argc == 3 && !empty) || argc > 3) {
        fprintf (stderr, "Usage: mkreport DIR [--empty]\n");
        return 2;
    }
    snprintf (path, sizeof (path), "%s/report.h5", argv[1]);
    memset (&r, 0, sizeof (r));
    r.job_id = "demo";
    r.version = PACKAGE_VERSION;
    r.started = 1764197100;
    r.status = empty ? "interrupted" : "failed";
    r.config = "job_id = \"demo\";\n";
    if (!empty) {
        r.finished = 1764197160;
        r.workers = 2;
        r.nodes = 2;
        r.slots = 4;
        r.counts[3] = 2;
        r.counts[4] = 1;
        r.counts[5] = 1;
        r.ntasks = 4;
        r.tasks = tasks;
        r.nattempts = 4;
        r.attempts = attempts;
        r.nworkers = 2;
        r.workers_rows = workers;
        r.nsweeps = 1;
        r.sweeps = sweeps;
        r.nlogs = 1;
        r.logs = logs;
    }
    if (report_write (path, &r, &err) < 0) {
        fprintf (stderr, "mkreport: %s\n", err.text);
        return 1;
    }
    return 0;
}
