/* service_alloc.c: the pool's automatic allocations (spec/pools.md
 * "Automatic allocation"): the service opens the allocator of its pool
 * directory when workers may join, serves alloc-add/alloc-remove through
 * it, hands it what waits for a slot (the scheduler counts it), puts its
 * queues in status.json, and cancels the pending allocations when the
 * pool ends.  The decisions, the records and the Slurm commands are
 * runtime/alloc's; the rendezvous server's contact file too. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "runtime/alloc/alloc.h"
#include "runtime/service/service_int.h"

/* The backlog is counted at most this often (s): the allocator decides
 * nothing more often (alloc.h), and a busy loop must not pay for it. */
#define LOOK_EVERY 0.1

struct svc_alloc {
    alloc_t *a;
    double next;             /* mono: the next look */
    int broken;              /* alloc.jnl cannot be written: submit nothing more */
    int nfail;               /* sbatch failures already said */
    alloc_counts_t said;     /* the counts last said */
    char warned[256];        /* the warning last said */
    char *json;              /* the last alloc_status_json text (svc_alloc_json) */
};

/* MPIBATCH_ALLOC_POLL: seconds between two squeue (default the
 * allocator's); for tests and small clusters. */
static double poll_interval (void)
{
    const char *v = getenv ("MPIBATCH_ALLOC_POLL");
    char *end;
    double d = v && *v ? strtod (v, &end) : 0;
    return v && *v && !*end && d >= 0.1 && d <= 3600 ? d : 0;
}

int svc_alloc_open (service_t *svc)
{
    mb_error_t err = { "" };
    if (!svc->pool_dir)
        return 0;
    /* The rendezvous server this pool's mpirun names: its contact goes to
     * POOLDIR/ompi-server.uri, where worker jobs (and people) find it. */
    int server = alloc_ompi_server (svc->pool_dir, &err);
    if (server < 0) {
        fprintf (stderr, "%smpibatch: %s\n", svc_bar_nl (svc), err.text);
        server = 0;
    }
    if (!svc->join)
        return 0;   /* no worker can join: alloc requests are refused */
    struct svc_alloc *sa = calloc (1, sizeof (*sa));
    if (!sa) {
        fprintf (stderr, "mpibatch: out of memory\n");
        return -1;
    }
    int resume = svc->opts->resume == RESUME_OK || svc->opts->resume == RESUME_FAILED;
    if (!(sa->a = alloc_create (svc->pool_dir, NULL, resume ? ALLOC_RESUME : 0, &err))) {
        fprintf (stderr, "mpibatch: %s\n", err.text);
        free (sa);
        return -1;
    }
    /* A Slurm command blocks this loop: it must end well before the
     * workers' silence counts as their loss (MPIBATCH_HEARTBEAT_TIMEOUT). */
    double limit = svc->hb_timeout / 2 < ALLOC_CMD_TIMEOUT ? svc->hb_timeout / 2
                                                           : ALLOC_CMD_TIMEOUT;
    alloc_set_timing (sa->a, poll_interval (), limit < 5 ? 5 : limit);
    svc->alloc = sa;
    alloc_counts (sa->a, 0, &sa->said);
    alloc_last_failure (sa->a, &sa->nfail);
    if (svc->opts->verbose >= 0) {
        /* The workers run this very program (as the allocator's job
         * scripts do): its absolute path, whatever PATH holds there. */
        char self[PATH_MAX];
        ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
        self[n > 0 ? n : 0] = '\0';
        buf_t cmd = { 0 };
        if (alloc_worker_command (svc->pool_dir, n > 0 ? self : NULL, server, 0, &cmd) == 0)
            fprintf (stderr, "%smpibatch: workers join with: %s\n", svc_bar_nl (svc), cmd.data);
        buf_free (&cmd);
        const alloc_counts_t *c = &sa->said;
        if (c->pending + c->running + c->submitting > 0)
            fprintf (stderr, "%smpibatch: allocations resumed: %d pending, %d running (their "
                     "states are asked of Slurm now)\n", svc_bar_nl (svc),
                     c->pending + c->submitting, c->running);
    }
    return 0;
}

int svc_alloc_serve (service_t *svc, const pool_req_t *r, pool_answer_t *ans, char *reason,
                     size_t rlen)
{
    struct svc_alloc *sa = svc->alloc;
    mb_error_t err = { "" };
    if (!sa) {
        snprintf (reason, rlen, "no worker can join this pool, so it allocates none: start it "
                  "with --accept-workers under an mpirun that names an ompi-server");
        return -1;
    }
    if (r->op == POOL_OP_ALLOC_ADD && (svc->shutdown || svc->draining || sa->broken)) {
        snprintf (reason, rlen, "%s", sa->broken ? "the pool's allocation records cannot be "
                  "written: it allocates nothing more" : "the pool is shutting down");
        return -1;
    }
    if (alloc_serve (sa->a, r, ans, &err) < 0) {
        snprintf (reason, rlen, "%s", err.text);
        return -1;
    }
    sa->next = 0;          /* look at the backlog at the next pass */
    svc->status_sig = 0;   /* status.json shows the queue */
    if (svc->opts->verbose >= 0 && ans->text)
        fprintf (stderr, "%smpibatch: %s\n", svc_bar_nl (svc), ans->text);
    return 0;
}

/* The slots a node of this pool brings: the most a node has now (a
 * joined node is sized by hwloc the same way). */
static int slots_per_node (const service_t *svc)
{
    int best = 0;
    for (int nd = 0; nd < svc->nnodes; nd++) {
        int n = 0;
        for (int i = 0; i < svc->nworkers; i++)
            if (svc->w[i].alive && svc->w[i].node == nd)
                n += svc->w[i].slots;
        if (n > best)
            best = n;
    }
    return best;
}

/* Say what changed, in a line or two. */
static void tell (service_t *svc, struct svc_alloc *sa)
{
    alloc_counts_t c;
    alloc_counts (sa->a, 0, &c);
    int nfail = 0;
    const char *fail = alloc_last_failure (sa->a, &nfail);
    if (nfail > sa->nfail && fail)
        fprintf (stderr, "%smpibatch: allocation refused by Slurm (%s): trying again later\n",
                 svc_bar_nl (svc), fail);
    sa->nfail = nfail;
    if (c.pending + c.submitting != sa->said.pending + sa->said.submitting
        || c.running != sa->said.running || c.ended != sa->said.ended)
        fprintf (stderr, "%smpibatch: allocations: %d pending, %d running, %d ended\n",
                 svc_bar_nl (svc), c.pending + c.submitting, c.running, c.ended);
    sa->said = c;
    const char *w = alloc_warning (sa->a);
    if (w && strcmp (w, sa->warned))
        fprintf (stderr, "%smpibatch: allocations: %s\n", svc_bar_nl (svc), w);
    snprintf (sa->warned, sizeof (sa->warned), "%s", w ? w : "");
}

int svc_alloc_poll (service_t *svc, double mono)
{
    struct svc_alloc *sa = svc->alloc;
    if (!sa || sa->broken || mono < sa->next)
        return 0;
    sa->next = mono + LOOK_EVERY;
    /* Nothing to decide or watch before the first alloc-add. */
    alloc_counts_t c;
    alloc_counts (sa->a, 0, &c);
    if (c.queues == 0 && c.pending + c.running + c.submitting == 0)
        return 0;
    /* What waits for a slot after this pass's placements, in slots (the
     * allocator compares it with what pending allocations will bring).
     * Nothing waits for a new worker while the pool drains or stops. */
    alloc_backlog_t b = { 0, 0, 0, 0 };
    if (!svc->draining) {   /* a stopped job is held: sched_backlog leaves it out */
        sched_backlog_t sb;
        sched_backlog (svc->s, &sb);
        b.waiting = sb.slots > INT_MAX ? INT_MAX : (int)sb.slots;
        b.max_time_request = sb.max_time_request;
        b.min_time_request = sb.min_time_request;
        b.slots_per_node = slots_per_node (svc);
    }
    mb_error_t err = { "" };
    int ch = alloc_tick (sa->a, mono, &b, &err);
    if (ch < 0) {
        fprintf (stderr, "%smpibatch: automatic allocation stops: %s\n", svc_bar_nl (svc),
                 err.text);
        sa->broken = 1;
        svc->status_sig = 0;
        return 1;
    }
    if (svc->opts->verbose >= 0)
        tell (svc, sa);
    if (ch > 0)
        svc->status_sig = 0;
    return ch > 0;
}

const char *svc_alloc_json (service_t *svc)
{
    struct svc_alloc *sa = svc->alloc;
    if (!sa)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&text, &len);
    if (!f)
        return sa->json;
    int bad = alloc_status_json (sa->a, f) < 0;
    if (fclose (f) != 0 || bad) {
        free (text);
        return sa->json;   /* the last good one */
    }
    free (sa->json);
    sa->json = text;
    return sa->json;
}

void svc_alloc_stop (service_t *svc)
{
    struct svc_alloc *sa = svc->alloc;
    if (!sa)
        return;
    mb_error_t err = { "" };
    alloc_counts_t before, after;
    alloc_counts (sa->a, 0, &before);
    /* Running allocations are let go: their workers get the pool's
     * goodbye (svc_join_stop) and their jobs end. */
    if (alloc_shutdown (sa->a, 0, &err) < 0)
        fprintf (stderr, "%smpibatch: %s (see squeue)\n", svc_bar_nl (svc), err.text);
    alloc_counts (sa->a, 0, &after);
    int cancelled = before.pending - after.pending;
    if (svc->opts->verbose >= 0 && (cancelled > 0 || after.running > 0))
        fprintf (stderr, "%smpibatch: allocations: %d pending cancelled, %d running let go\n",
                 svc_bar_nl (svc), cancelled, after.running);
    svc->status_sig = 0;
}

void svc_alloc_free (service_t *svc)
{
    struct svc_alloc *sa = svc->alloc;
    if (!sa)
        return;
    alloc_destroy (sa->a);
    free (sa->json);
    free (sa);
    svc->alloc = NULL;
}
