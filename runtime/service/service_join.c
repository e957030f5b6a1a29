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
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "runtime/alloc/alloc.h"
#include "runtime/rank/rank.h"
#include "runtime/service/service_int.h"

/* A joined worker that said it leaves: its interrupted attempts are
 * awaited until `until` (their results count, a success as a success);
 * what is still held then is requeued and its late results are stale. */
typedef struct {
    int wn;
    double until;        /* monotonic */
    int stale;           /* gave up waiting: its task results are ignored */
    char reason[200];
} leave_t;

/* How long a leaving worker's attempts take to end once interrupted: the
 * kill grace the workers are sent (service_jobinfo), then a heartbeat
 * timeout for the result to travel. */
#define LEAVE_KILL_GRACE 10.0

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
    leave_t *leaves;         /* workers leaving, not let go yet */
    int nleaves;
    buf_t msg;
    buf_t info;              /* the packed jobinfo every joined rank gets */
};

/* POOLDIR/join.bell: "HOST PORT", where the service's doorbell listens,
 * for the joiners to ring it after their messages (written whole: tmp +
 * rename).  0 (nothing to write without a doorbell) or -1. */
static int write_bell (const char *pooldir)
{
    if (!run_doorbell)
        return 0;
    char host[256] = "", tmp[PATH_MAX], path[PATH_MAX];
    gethostname (host, sizeof (host) - 1);
    if (snprintf (tmp, sizeof (tmp), "%s/.join.bell.tmp", pooldir) >= (int)sizeof (tmp)
        || snprintf (path, sizeof (path), "%s/join.bell", pooldir) >= (int)sizeof (path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen (tmp, "w");
    if (!f)
        return -1;
    int bad = fprintf (f, "%s %d\n", host, doorbell_port (run_doorbell)) < 0;
    if (fclose (f) != 0 || bad || rename (tmp, path) < 0) {
        int e = errno;
        unlink (tmp);
        errno = e;
        return -1;
    }
    return 0;
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
    if (write_bell (pooldir) < 0)
        fprintf (stderr, "mpibatch: cannot write %s/join.bell (joined workers will poll): %s\n",
                 pooldir, strerror (errno));
    j->next_rank = svc->nranks;
    svc->join = j;
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
    if (n < 16 || unpack_u32 (&u) != PROTO_VERSION)
        return -2;
    double end = unpack_dbl (&u);
    int bell = unpack_i32 (&u);
    hello_t h;
    if (hello_unpack ((const char *)p + 16, n - 16, &h) < 0 || h.error[0]) {
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
    /* Its doorbell (by its rank here, after the run's own): without it the
     * worker only polls, up to 20 ms between looks. */
    if (bell > 0 && doorbell_peer (run_doorbell, rank, h.node, bell) == 0)
        comm_ep_set_bell (ep, rank);
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
    if (svc->opts->verbose >= 0) {
        /* Its end, which placement heeds (walltime-aware starts). */
        char until[48] = "";
        /* A joiner's word: only a time a time_t holds is converted. */
        time_t t = end > 0 && end < 4e12 ? (time_t)end : 0;
        struct tm tm;
        if (t > 0 && localtime_r (&t, &tm))
            strftime (until, sizeof (until), ", until %Y-%m-%d %H:%M:%S", &tm);
        fprintf (stderr, "%smpibatch: worker rank %d joined on %s (%d slot%s%s)\n",
                 svc_bar_nl (svc), rank, h.node, w->slots, w->slots == 1 ? "" : "s", until);
    }
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

/* One step of a leaving worker: wait for its attempts (bounded), then run
 * release on its node if it was prepared there and no other worker stays
 * there (once the others leaving it have no attempts left), then let it
 * go.  1 when it is gone. */
static int leave_step (service_t *svc, leave_t *lv, double mono)
{
    int wn = lv->wn;
    wstate_t *w = &svc->w[wn];
    if (!w->alive)
        return 1;   /* lost meanwhile: svc_lose_worker requeued what it held */
    if (sched_worker_tasks (svc->s, wn, NULL, 0) > 0) {
        if (mono < lv->until)
            return 0;
        char reason[sizeof (lv->reason) + 64];
        snprintf (reason, sizeof (reason), "%s, its results not in after %.0f s", lv->reason,
                  LEAVE_KILL_GRACE + svc->hb_timeout);
        svc_requeue_worker (svc, wn, reason);
        lv->stale = 1;
        /* What it still holds are parts of multi-instance attempts that
         * end with their primary, interrupted elsewhere: wait for it. */
        if (sched_worker_tasks (svc->s, wn, NULL, 0) > 0)
            return 0;
    }
    int nd = w->node;
    node_t *node = &svc->nodes[nd];
    int stays = 0, busy = 0;
    for (int i = 0; i < svc->nworkers; i++) {
        const wstate_t *o = &svc->w[i];
        if (i == wn || !o->alive || o->node != nd)
            continue;
        stays |= !o->leaving;
        busy |= o->leaving && sched_worker_tasks (svc->s, i, NULL, 0) > 0;
    }
    if (svc->pool_mode && !stays) {
        /* Every job prepared there gets its release there, on the way
         * out, once the node's last attempts ended. */
        if (busy || svc_prep_release_leaving (svc, nd, wn))
            return 0;
        svc_prep_node_gone (svc, nd);
    }
    if (svc_node_job (svc) && svc_node_job (svc)->job->release && !node->released && !stays
        && (node->state == NODE_READY || node->state == NODE_FAILED || node->prep_attempts > 0)) {
        if (busy)
            return 0;   /* release once the node's last attempts ended */
        node->leader = wn;
        svc_send_node_task (svc, nd, LAUNCH_RELEASE);
        return 0;
    }
    if (node->released == 1)
        return 0;
    svc_send_ctrl (svc, wn, CTRL_SHUTDOWN, 0);
    w->alive = 0;
    sched_worker_remove (svc->s, wn);
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: worker rank %d on %s left\n", svc_bar_nl (svc), w->rank,
                 svc->nodes[w->node].name);
    return 1;
}

void svc_join_poll (service_t *svc)
{
    struct svc_join *j = svc->join;
    if (!j)
        return;
    double mono = mb_clock_mono ();
    int stopped, failed = comm_join_failures (&stopped);
    if (failed > 0)
        fprintf (stderr, "%smpibatch: %d worker group%s failed to join: %s%s\n",
                 svc_bar_nl (svc), failed, failed == 1 ? "" : "s", comm_error (),
                 stopped ? "; no more workers can join this pool" : "");
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
    /* Leaving workers go once their attempts ended (or the wait for them
     * did) and their node's release (if any) ended. */
    for (int k = 0; k < j->nleaves; k++)
        if (leave_step (svc, &j->leaves[k], mono))
            j->leaves[k--] = j->leaves[--j->nleaves];
    free_done_groups (svc);
    if (j->any_end)
        sched_set_now (svc->s, mb_clock_real ());
}

void svc_join_leave (service_t *svc, int wn, const void *msg, size_t len)
{
    struct svc_join *j = svc->join;
    wstate_t *w = &svc->w[wn];
    if (!j || !w->joined || w->leaving || !w->alive)
        return;
    leave_t *lv = realloc (j->leaves, (size_t)(j->nleaves + 1) * sizeof (*lv));
    if (!lv)
        return;   /* taken again on its next word (heartbeats lose it otherwise) */
    j->leaves = lv;
    unpack_t u;
    unpack_init (&u, msg, len);
    unpack_u32 (&u);
    int idle = unpack_i32 (&u);
    const char *why = unpack_str (&u);
    w->leaving = 1;
    sched_worker_enable (svc->s, wn, 0);
    lv = &j->leaves[j->nleaves++];
    memset (lv, 0, sizeof (*lv));
    lv->wn = wn;
    lv->until = mb_clock_mono () + LEAVE_KILL_GRACE + svc->hb_timeout;
    snprintf (lv->reason, sizeof (lv->reason), "worker rank %d on %s left (%s)", w->rank,
              svc->nodes[w->node].name, why ? why : "no reason given");
    if (svc->opts->verbose >= 0)
        fprintf (stderr, "%smpibatch: %s%s\n", svc_bar_nl (svc), lv->reason,
                 idle ? "" : ": requeueing its tasks");
    /* Its running attempts are interrupted; their results are awaited
     * (svc_join_result): one that ended interrupted goes back to the
     * ready queue without using a retry, one that succeeded just before
     * counts.  Requeueing them at once would run such a task twice.  An
     * ASSIGN that crossed the leave reaches the worker before this
     * interrupt and is given back the same way. */
    svc_send_ctrl (svc, wn, CTRL_INTERRUPT, 0);
    /* A part of a multi-instance task whose primary runs elsewhere runs
     * nothing here: the primary is interrupted, and its result ends the
     * attempt (and frees this part). */
    size_t n = sched_worker_tasks (svc->s, wn, NULL, 0);
    uint32_t *t = n ? malloc (n * sizeof (*t)) : NULL;
    if (t) {
        n = sched_worker_tasks (svc->s, wn, t, n);
        for (size_t i = 0; i < n; i++)
            svc_mi_part_leaving (svc, t[i], wn, lv->reason);
        free (t);
    }
}

int svc_join_result (service_t *svc, int wn, result_t *res)
{
    struct svc_join *j = svc->join;
    for (int k = 0; j && k < j->nleaves; k++) {
        leave_t *lv = &j->leaves[k];
        if (lv->wn != wn)
            continue;
        if (lv->stale)
            return res->kind == LAUNCH_TASK;
        if (res->kind == LAUNCH_TASK && res->r.outcome == LAUNCH_INTERRUPTED)
            snprintf (res->r.reason, sizeof (res->r.reason), "%s", lv->reason);
        return 0;
    }
    /* Let go already: nothing of it is awaited. */
    return res->kind == LAUNCH_TASK;
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
    free (j->leaves);
    free (j->groups);
    buf_free (&j->msg);
    buf_free (&j->info);
    free (j);
    svc->join = NULL;
}
