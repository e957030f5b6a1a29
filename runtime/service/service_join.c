/* service_join.c: workers that join the service from another mpirun
 * (`mpibatch worker POOLDIR`): their groups are accepted by comm's thread,
 * sent the job's worker settings, and become workers on their HELLO;
 * they leave on their own word (requeued without a retry, release run on
 * their node) or are lost by heartbeats, and the service goes on. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "runtime/rank/rank.h"
#include "runtime/service/service_int.h"

/* A group accepted and not yet fully introduced. */
typedef struct {
    comm_group_t *g;
    int *wn;             /* worker number of each remote rank, -1: no HELLO yet, -2: unusable */
    double since;        /* monotonic */
} pending_t;

struct svc_join {
    char *pooldir;
    pending_t *pend;
    int npend;
    comm_group_t **groups;   /* admitted, not freed */
    int ngroups;
    int next_rank;           /* numbers of joined workers follow the run's ranks */
    int any_end;             /* some joined worker has an end: tell the scheduler the time */
    buf_t msg;
    buf_t info;              /* the packed jobinfo every joined rank gets */
};

#define LOST_CHUNK 4096

char *svc_join_command (char *buf, size_t len, const char *urifile, const char *pooldir)
{
    snprintf (buf, len, "mpirun --ompi-server file:%s mpibatch worker %s", urifile, pooldir);
    return buf;
}

int svc_join_start (service_t *svc, const char *pooldir)
{
    char why[400], port[4200];
    if (!comm_join_possible (why, sizeof (why))) {
        fprintf (stderr, "mpibatch: --accept-workers: %s\n", why);
        return -1;
    }
    if (mkdir (pooldir, 0700) < 0 && errno != EEXIST) {
        fprintf (stderr, "mpibatch: cannot create %s: %s\n", pooldir, strerror (errno));
        return -1;
    }
    struct svc_join *j = calloc (1, sizeof (*j));
    if (!j || !(j->pooldir = strdup (pooldir))
        || service_jobinfo (svc, svc->nworkers, &j->info) < 0) {
        fprintf (stderr, "mpibatch: out of memory\n");
        goto error;
    }
    snprintf (port, sizeof (port), "%s/join.port", pooldir);
    if (comm_join_open (port) < 0) {
        fprintf (stderr, "mpibatch: cannot accept workers: %s\n", comm_error ());
        goto error;
    }
    j->next_rank = svc->nranks;
    svc->join = j;
    if (svc->opts->verbose >= 0) {
        char cmd[8400];
        fprintf (stderr, "%smpibatch: workers may join: %s\n", svc_bar_nl (svc),
                 svc_join_command (cmd, sizeof (cmd), comm_join_server_uri (), pooldir));
    }
    return 0;
error:
    if (j) {
        free (j->pooldir);
        buf_free (&j->info);
        free (j);
    }
    return -1;
}

/* Room for n more workers, nodes and ranks; the endpoints learn their
 * worker's new address.  0 or -1. */
static int grow (service_t *svc, int n)
{
    struct svc_join *j = svc->join;
    wstate_t *w = realloc (svc->w, (size_t)(svc->nworkers + n) * sizeof (*w));
    if (w)
        svc->w = w;
    node_t *nd = realloc (svc->nodes, (size_t)(svc->nnodes + n) * sizeof (*nd));
    if (nd)
        svc->nodes = nd;
    int *r2w = realloc (svc->rank2w, (size_t)(j->next_rank + n) * sizeof (int));
    if (r2w)
        svc->rank2w = r2w;
    if (!w || !nd || !r2w)
        return -1;
    memset (svc->nodes + svc->nnodes, 0, (size_t)n * sizeof (*nd));
    for (int i = j->next_rank; i < j->next_rank + n; i++)
        svc->rank2w[i] = -1;
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].ep)
            comm_ep_set_data (svc->w[i].ep, &svc->w[i]);
    return 0;
}

/* A HELLO of a joined rank: it becomes a worker, known to the scheduler
 * and the journal.  Returns its number, -2 when it cannot work. */
static int add_joined (service_t *svc, comm_ep_t *ep, const void *p, size_t n)
{
    struct svc_join *j = svc->join;
    unpack_t u;
    unpack_init (&u, p, n);
    if (n < 12 || unpack_u32 (&u) != PROTO_VERSION)
        return -2;
    double end = unpack_dbl (&u);
    hello_t h;
    if (hello_unpack ((const char *)p + 12, n - 12, &h) < 0 || h.error[0]) {
        fprintf (stderr, "%smpibatch: a joining worker is not usable: %s\n", svc_bar_nl (svc),
                 h.error[0] ? h.error : "malformed introduction");
        return -2;
    }
    if (grow (svc, 1) < 0) {
        fprintf (stderr, "%smpibatch: out of memory for a joining worker\n", svc_bar_nl (svc));
        return -2;
    }
    int rank = j->next_rank++;
    int wn = svc_add_worker (svc, rank, ep, &h);
    wstate_t *w = &svc->w[wn];
    w->joined = 1;
    sched_worker_add (svc->s, wn, w->node, w->slots, w->gpus, w->memory);
    if (svc->nodes[w->node].state != NODE_READY)
        sched_worker_enable (svc->s, wn, 0);
    if (end > 0) {
        sched_worker_set_end (svc->s, wn, end);
        j->any_end = 1;
    }
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = JREC_WORKER;
    r.time = mb_clock_real ();
    r.worker = rank;
    r.node = svc->nodes[w->node].name;
    r.slots = w->slots;
    r.cpus = w->cpus;
    for (int k = 0; k < svc->njobs; k++)   /* every job running sees the worker */
        if (svc->jobs[k]->j && !svc->jobs[k]->ended)
            journal_append (svc->jobs[k]->j, &r);
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: worker rank %d joined on %s (%d slot%s)\n",
                 svc_bar_nl (svc), rank, h.node, w->slots, w->slots == 1 ? "" : "s");
    return wn;
}

/* A group whose ranks are all workers no more is freed locally (a dead
 * group must not be waited for; a departed one disconnects on its side). */
static void free_done_groups (service_t *svc)
{
    struct svc_join *j = svc->join;
    for (int k = 0; k < j->ngroups; k++) {
        comm_group_t *g = j->groups[k];
        int alive = 0;
        for (int i = 0; i < svc->nworkers && !alive; i++)
            alive = svc->w[i].alive && svc->w[i].joined && comm_ep_group (svc->w[i].ep) == g;
        if (alive)
            continue;
        comm_group_drop (g);
        j->groups[k--] = j->groups[--j->ngroups];
    }
}

static void drop_pending (service_t *svc, int k, const char *why)
{
    struct svc_join *j = svc->join;
    pending_t *p = &j->pend[k];
    for (int i = 0; i < comm_group_size (p->g); i++)
        if (p->wn[i] >= 0)
            svc_lose_worker (svc, p->wn[i], why);
    comm_group_drop (p->g);
    free (p->wn);
    j->pend[k] = j->pend[--j->npend];
}

void svc_join_poll (service_t *svc)
{
    struct svc_join *j = svc->join;
    if (!j)
        return;
    double mono = mb_clock_mono ();
    comm_group_t *g;
    while ((g = comm_join_take ())) {
        int n = comm_group_size (g);
        pending_t *p = realloc (j->pend, (size_t)(j->npend + 1) * sizeof (*p));
        int *wn = calloc ((size_t)n, sizeof (int));
        if (!p || !wn) {
            free (wn);
            if (p)
                j->pend = p;
            comm_group_drop (g);
            continue;
        }
        j->pend = p;
        for (int i = 0; i < n; i++) {
            wn[i] = -1;
            if (comm_post_copy (comm_group_ep (g, i), TAG_JOBINFO, j->info.data, j->info.len,
                                0) < 0)
                wn[i] = -2;
        }
        j->pend[j->npend++] = (pending_t){ g, wn, mono };
    }
    /* HELLOs of the groups not admitted yet: only those are read here,
     * so svc_poll_messages never sees a stranger. */
    for (int k = 0; k < j->npend; k++) {
        pending_t *p = &j->pend[k];
        int n = comm_group_size (p->g), waiting = 0;
        for (int i = 0; i < n; i++) {
            if (p->wn[i] != -1)
                continue;
            comm_msg_t m;
            int rc = comm_recv (comm_group_ep (p->g, i), TAG_JOIN, &j->msg, &m, 0);
            if (rc == 1)
                p->wn[i] = add_joined (svc, m.from, j->msg.data, m.len);
            else
                waiting = 1;
        }
        if (!waiting) {
            comm_group_admit (p->g);
            comm_group_t **gs = realloc (j->groups, (size_t)(j->ngroups + 1) * sizeof (*gs));
            if (gs) {
                j->groups = gs;
                j->groups[j->ngroups++] = p->g;
                free (p->wn);
                j->pend[k--] = j->pend[--j->npend];
            }
        }
        else if (mono - p->since > svc->hb_timeout)
            drop_pending (svc, k--, "no introduction from its group");
    }
    /* Leaving workers go once their node's release (if any) ended. */
    for (int i = 0; i < svc->nworkers; i++) {
        wstate_t *w = &svc->w[i];
        if (!w->joined || !w->leaving || !w->alive || svc->nodes[w->node].released == 1)
            continue;
        svc_send_ctrl (svc, i, CTRL_SHUTDOWN, 0);
        w->alive = 0;
        sched_worker_remove (svc->s, i);
        if (svc->opts->verbose >= 0)
            fprintf (stderr, "%smpibatch: worker rank %d on %s left\n", svc_bar_nl (svc),
                     w->rank, svc->nodes[w->node].name);
    }
    free_done_groups (svc);
    if (j->any_end)
        sched_set_now (svc->s, mb_clock_real ());
}

void svc_join_leave (service_t *svc, int wn, const void *msg, size_t len)
{
    wstate_t *w = &svc->w[wn];
    if (!w->joined || w->leaving || !w->alive)
        return;
    unpack_t u;
    unpack_init (&u, msg, len);
    unpack_u32 (&u);
    int idle = unpack_i32 (&u);
    const char *why = unpack_str (&u);
    w->leaving = 1;
    sched_worker_enable (svc->s, wn, 0);
    char reason[sizeof (((launch_result_t *)0)->reason)];
    snprintf (reason, sizeof (reason), "worker rank %d on %s left (%s)", w->rank,
              svc->nodes[w->node].name, why ? why : "no reason given");
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: %s%s\n", svc_bar_nl (svc), reason,
                 idle ? "" : ": requeueing its tasks");
    /* As for a lost worker (svc_lose_worker): its running attempts end
     * interrupted and go back to the ready queue without using a retry;
     * their results, when the worker sends them, are ignored. */
    uint32_t tasks[LOST_CHUNK];
    size_t n;
    double now = mb_clock_real ();
    while ((n = sched_worker_tasks (svc->s, wn, tasks, LOST_CHUNK)) > 0) {
        if (n > LOST_CHUNK)
            n = LOST_CHUNK;
        for (size_t i = 0; i < n; i++) {
            result_t res;
            memset (&res, 0, sizeof (res));
            res.task = tasks[i];
            res.kind = LAUNCH_TASK;
            res.attempt = svc->last_started ? svc->last_started[tasks[i]] : 0;
            res.r.outcome = LAUNCH_INTERRUPTED;
            res.r.exit_code = -1;
            res.r.start_time = now;
            res.r.end_time = now;
            snprintf (res.r.reason, sizeof (res.r.reason), "%s", reason);
            svc_attempt_end (svc, &res, wn);
            sched_attempt_end (svc->s, tasks[i], SCHED_REQUEUE);
            svc->running--;
            svc->requeues++;
        }
    }
    svc_send_ctrl (svc, wn, CTRL_INTERRUPT, 0);
    /* Release on its node when it was prepared there and no other worker
     * stays on the node. */
    int nd = w->node;
    node_t *node = &svc->nodes[nd];
    int others = 0;
    for (int i = 0; i < svc->nworkers; i++)
        others |= i != wn && svc->w[i].alive && !svc->w[i].leaving && svc->w[i].node == nd;
    if (svc_node_job (svc) && svc_node_job (svc)->job->release && !others && !node->released
        && (node->state == NODE_READY || node->state == NODE_FAILED || node->prep_attempts > 0)) {
        node->leader = wn;
        svc_send_node_task (svc, nd, LAUNCH_RELEASE);
    }
}

void svc_join_stop (service_t *svc)
{
    struct svc_join *j = svc->join;
    if (!j)
        return;
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].joined && svc->w[i].alive)
            svc_send_ctrl (svc, i, CTRL_SHUTDOWN, svc->status);
    /* A joined worker that does not take its goodbye is left behind: its
     * mpirun is not ours. */
    comm_flush (5.0);
    for (int i = 0; i < svc->nworkers; i++)
        if (svc->w[i].joined && svc->w[i].alive) {
            svc->w[i].alive = 0;
            comm_ep_lose (svc->w[i].ep);
        }
    while (j->npend > 0)
        drop_pending (svc, 0, "the run ends");
    free_done_groups (svc);
    if (comm_join_close () < 0)
        fprintf (stderr, "mpibatch: %s\n", comm_error ());
    free (j->pooldir);
    free (j->pend);
    free (j->groups);
    buf_free (&j->msg);
    buf_free (&j->info);
    free (j);
    svc->join = NULL;
}
