/* alloc_pool.c: a pool loop reduced to what the allocator needs, for the tests of `mpibatch alloc` and of real Slurm: it calls runtime/alloc exactly as the service is to (create, serve, tick each pass, shutdown). */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "io/pooldir.h"
#include "runtime/alloc/alloc.h"

static void log_line (void *arg, const char *msg)
{
    (void)arg;
    printf ("log %s\n", msg);
}

/* The backlog the test wants the pool to have: "WAITING [MAX_TIME_REQUEST]"
 * in a file (a real pool counts its ready tasks with no free slot). */
static void read_backlog (const char *path, alloc_backlog_t *b)
{
    memset (b, 0, sizeof (*b));
    FILE *f = path ? fopen (path, "r") : NULL;
    if (!f)
        return;
    if (fscanf (f, "%d %lf", &b->waiting, &b->max_time_request) < 1)
        b->waiting = 0;
    fclose (f);
    b->slots_per_node = 1;
}

int main (int argc, char **argv)
{
    const char *dir = NULL, *backlog = NULL, *mpibatch = NULL;
    int flags = 0, cancel_running = 0;
    double poll_s = 0;
    mb_error_t err = { { 0 } };

    for (int k = 1; k < argc; k++) {
        if (!strcmp (argv[k], "--resume"))
            flags = 1;
        else if (!strcmp (argv[k], "--backlog") && k + 1 < argc)
            backlog = argv[++k];
        else if (!strcmp (argv[k], "--mpibatch") && k + 1 < argc)
            mpibatch = argv[++k];
        else if (!strcmp (argv[k], "--poll") && k + 1 < argc)
            poll_s = strtod (argv[++k], NULL);
        else if (!strcmp (argv[k], "--cancel-running"))
            cancel_running = 1;
        else
            dir = argv[k];
    }
    if (!dir) {
        fprintf (stderr, "usage: alloc_pool POOLDIR [--resume] [--backlog FILE] [--mpibatch PATH] "
                 "[--poll S] [--cancel-running]\n");
        return 2;
    }
    setvbuf (stdout, NULL, _IOLBF, 0);
    pooldir_t *pd = pooldir_open (dir, flags ? POOLDIR_RESUME : POOLDIR_RESTART, log_line, NULL, &err);
    if (!pd) {
        fprintf (stderr, "alloc_pool: %s\n", err.text);
        return 3;
    }
    pooldir_set_interval (pd, 0.2);
    /* 1. At the pool's start: the rendezvous server's contact, the
     * command a worker job needs, and the allocator (resumed with the pool). */
    int server = alloc_ompi_server (dir, &err);
    if (server < 0) {
        fprintf (stderr, "alloc_pool: %s\n", err.text);
        return 3;
    }
    buf_t cmd = { 0 };
    alloc_worker_command (dir, mpibatch, server, 0, &cmd);
    printf ("workers join with: %s\n", cmd.data);
    buf_free (&cmd);
    alloc_t *a = alloc_create (dir, mpibatch, flags ? ALLOC_RESUME : 0, &err);
    if (!a) {
        fprintf (stderr, "alloc_pool: %s\n", err.text);
        pooldir_close (pd);
        return 3;
    }
    if (poll_s > 0)
        alloc_set_timing (a, poll_s, 0);
    printf ("ready\n");
    int stop = 0, rc = 0;
    while (!stop) {
        pool_req_t *r = NULL;
        int n = pooldir_next (pd, &r, &err);
        if (n < 0) {
            fprintf (stderr, "alloc_pool: %s\n", err.text);
            rc = 3;
            break;
        }
        if (n == 1) {
            /* 2. Requests: alloc-add / alloc-remove go to alloc_serve. */
            pool_answer_t ans = { 0 };
            if (r->op == POOL_OP_ALLOC_ADD || r->op == POOL_OP_ALLOC_REMOVE) {
                if (alloc_serve (a, r, &ans, &err) == 0) {
                    pooldir_accept (pd, r, &ans, &err);
                    printf ("accepted %s %lld\n", pool_op_name (r->op), (long long)ans.count);
                }
                else {
                    printf ("refused %s %s\n", pool_op_name (r->op), err.text);
                    pooldir_refuse (pd, r, err.text, &err);
                }
            }
            else if (r->op == POOL_OP_SHUTDOWN) {
                ans.text = "the pool stops";
                pooldir_accept (pd, r, &ans, &err);
                stop = 1;
            }
            else
                pooldir_refuse (pd, r, "this test pool serves allocation requests only", &err);
            pool_req_destroy (r);
            continue;
        }
        /* 3. Once per loop pass: the backlog to the allocator. */
        alloc_backlog_t b;
        read_backlog (backlog, &b);
        int ch = alloc_tick (a, mb_clock_mono (), &b, &err);
        if (ch < 0) {
            fprintf (stderr, "alloc_pool: %s\n", err.text);
            rc = 3;
            break;
        }
        if (ch > 0) {
            alloc_counts_t c;
            alloc_counts (a, 0, &c);
            printf ("tick pending=%d running=%d ended=%d submissions=%d failures=%d\n", c.pending,
                    c.running, c.ended, c.submissions, c.failures);
            printf ("status ");
            alloc_status_json (a, stdout);
            printf ("\n");
        }
        if (alloc_warning (a))
            printf ("warning %s\n", alloc_warning (a));
        int t = pooldir_timeout_ms (pd), ta = alloc_timeout_ms (a, mb_clock_mono ());
        if (ta >= 0 && ta < t)
            t = ta;
        if (backlog && t > 200)
            t = 200;
        struct pollfd pfd = { .fd = pooldir_fd (pd), .events = POLLIN };
        poll (&pfd, pfd.fd >= 0 ? 1 : 0, t);
    }
    /* 4. At the end: pending allocations cancelled. */
    if (alloc_shutdown (a, cancel_running, &err) < 0) {
        fprintf (stderr, "alloc_pool: %s\n", err.text);
        rc = 3;
    }
    alloc_counts_t c;
    alloc_counts (a, 0, &c);
    printf ("stopped pending=%d running=%d ended=%d submissions=%d\n", c.pending, c.running,
            c.ended, c.submissions);
    alloc_destroy (a);
    pooldir_close (pd);
    return rc;
}
