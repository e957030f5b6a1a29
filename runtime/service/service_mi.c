/* service_mi.c: multi-instance tasks (Azure's multiInstanceSettings): a
 * task placed over several workers, possibly on several nodes, runs its
 * coordination command once on every node involved, then its application
 * command on the primary with the host list.  The slots of every part stay
 * reserved until the primary's command ends. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "runtime/service/service_int.h"

/* A multi-instance attempt in flight. */
typedef struct {
    int used;
    uint32_t task;
    int attempt;
    int instances;
    int nparts;
    int part_worker[64];
    int part_slots[64];
    char *host_list;
    int coord_pending;
    uint64_t coord_parts;   /* parts that run a coordination command (one per node) */
    uint64_t coord_ended;   /* ... whose command ended (or whose worker is lost) */
    int primary_sent;
    int failed;
    int lost;               /* a part's worker is lost or left: the attempt is interrupted */
    int outcome;
    char reason[256];
} mi_t;

/* The part's state: the attempts in flight (slots reused once free). */
struct svc_mi {
    mi_t *v;
    int n;
};

struct svc_mi *svc_mi_create (void)
{
    return calloc (1, sizeof (struct svc_mi));
}

static mi_t *mi_find (service_t *svc, uint32_t task)
{
    struct svc_mi *x = svc->mi;
    for (int i = 0; i < x->n; i++)
        if (x->v[i].used && x->v[i].task == task)
            return &x->v[i];
    return NULL;
}

static mi_t *mi_new (service_t *svc)
{
    struct svc_mi *x = svc->mi;
    for (int i = 0; i < x->n; i++)
        if (!x->v[i].used)
            return &x->v[i];
    mi_t *m = realloc (x->v, (size_t)(x->n + 1) * sizeof (*m));
    if (!m)
        return NULL;
    x->v = m;
    memset (&x->v[x->n], 0, sizeof (mi_t));
    return &x->v[x->n++];
}

static void mi_free (mi_t *m)
{
    free (m->host_list);
    memset (m, 0, sizeof (*m));
}

/* The primary's node first, then the others in placement order; slots of
 * parts on one node add up. */
static char *host_list (service_t *svc, const sched_assign_t *a)
{
    buf_t b = { 0 };
    int done[64] = { 0 };
    for (int i = 0; i < a->nparts; i++) {
        if (done[i])
            continue;
        int nd = svc->w[a->parts[i].worker].node;
        int slots = 0;
        for (int k = i; k < a->nparts; k++)
            if (svc->w[a->parts[k].worker].node == nd) {
                slots += a->parts[k].slots;
                done[k] = 1;
            }
        buf_printf (&b, "%s%s:%d", b.len ? "," : "", svc->nodes[nd].name, slots);
    }
    return b.data ? b.data : strdup ("");
}

static void send_primary (service_t *svc, mi_t *m)
{
    jobfile_task_t t = { 0 };
    if (svc_task_get (svc, m->task, &t) < 0)
        return;
    assign_mi_t x = { m->host_list, m->instances, 1, m->part_slots[0] };
    size_t l;
    svc_queue_assign (svc, m->part_worker[0], svc_task_job (svc, m->task, &l), &t,
                      svc_make_tag (m->task, m->attempt, LAUNCH_TASK),
                      m->attempt, LAUNCH_TASK, &x);
    svc->running++;
    m->primary_sent = 1;
    jobfile_task_clear (&t);
}

void svc_mi_start (service_t *svc, const sched_assign_t *a, const jobfile_task_t *t, int attempt,
               double now)
{
    mi_t *m = mi_new (svc);
    if (!m) {
        fprintf (stderr, "mpibatch: out of memory starting %s\n", t->id);
        sched_attempt_end (svc->s, a->task, SCHED_REQUEUE);
        return;
    }
    m->used = 1;
    m->task = a->task;
    m->attempt = attempt;
    m->instances = t->instances;
    m->nparts = a->nparts;
    for (int i = 0; i < a->nparts; i++) {
        m->part_worker[i] = a->parts[i].worker;
        m->part_slots[i] = a->parts[i].slots;
    }
    m->host_list = host_list (svc, a);
    svc_attempt_start (svc, a->task, attempt, a->parts[0].worker, now);
    if (!t->coordination_command) {
        send_primary (svc, m);
        return;
    }
    /* One coordination command per node involved, on its first part. */
    jobfile_task_t c = *t;
    c.command = t->coordination_command;
    int primary_node = svc->w[a->parts[0].worker].node;
    for (int i = 0; i < a->nparts; i++) {
        int nd = svc->w[a->parts[i].worker].node, seen = 0;
        for (int k = 0; k < i; k++)
            seen |= svc->w[a->parts[k].worker].node == nd;
        if (seen)
            continue;
        assign_mi_t x = { m->host_list, m->instances, nd == primary_node, a->parts[i].slots };
        size_t l;
        svc_queue_assign (svc, a->parts[i].worker, svc_task_job (svc, a->task, &l), &c,
                          svc_make_tag (a->task, attempt, LAUNCH_COORD), attempt, LAUNCH_COORD,
                          &x);
        svc->running++;
        m->coord_pending++;
        m->coord_parts |= (uint64_t)1 << i;
    }
}

/* The coordination commands have all ended (or their workers are gone):
 * the primary starts, or the attempt ends with the first failure's
 * reason. */
static void coord_over (service_t *svc, mi_t *m, double start, double end)
{
    if (!m->failed && !svc->draining) {
        send_primary (svc, m);
        return;
    }
    /* The attempt ends here, as if the primary had failed. */
    result_t r;
    memset (&r, 0, sizeof (r));
    r.task = m->task;
    r.attempt = m->attempt;
    r.kind = LAUNCH_TASK;
    r.r.outcome = m->failed ? m->outcome : LAUNCH_INTERRUPTED;
    r.r.exit_code = -1;
    r.r.start_time = start;
    r.r.end_time = end;
    snprintf (r.r.reason, sizeof (r.r.reason), "%s", m->failed ? m->reason : "interrupted");
    int primary = m->part_worker[0];
    mi_free (m);
    svc->running++;   /* svc_on_result counts this result as one that was awaited */
    svc_on_result (svc, &r, primary);
}

/* A coordination command ended: the attempt goes on when the last one
 * has. */
void svc_mi_coord_result (service_t *svc, const result_t *res, int wn)
{
    mi_t *m = mi_find (svc, res->task);
    if (!m || m->attempt != res->attempt)
        return;
    for (int i = 0; i < m->nparts; i++)
        if (m->part_worker[i] == wn && (m->coord_parts >> i & 1) && !(m->coord_ended >> i & 1)) {
            m->coord_ended |= (uint64_t)1 << i;
            break;
        }
    m->coord_pending--;
    if (res->r.outcome != LAUNCH_SUCCEEDED && !m->failed) {
        m->failed = 1;
        m->outcome = res->r.outcome == LAUNCH_INTERRUPTED ? LAUNCH_INTERRUPTED : LAUNCH_FAILED;
        snprintf (m->reason, sizeof (m->reason), "coordination command failed on %.60s: %.150s",
                  svc->nodes[svc->w[wn].node].name, res->r.reason);
    }
    if (m->coord_pending > 0)
        return;
    coord_over (svc, m, res->r.start_time, res->r.end_time);
}

/* A part's worker is gone or going: the attempt is interrupted, and what
 * still runs of it elsewhere (the primary's command, other nodes'
 * coordination commands) is interrupted too; the attempt ends when it has
 * ended, so two attempts of one task never run at once. */
static void mark_lost (service_t *svc, mi_t *m, int wn, const char *reason)
{
    if (m->lost)
        return;
    m->lost = 1;
    m->failed = 1;
    m->outcome = LAUNCH_INTERRUPTED;
    snprintf (m->reason, sizeof (m->reason), "%s", reason);
    for (int i = 0; i < m->nparts; i++) {
        int pw = m->part_worker[i], seen = pw == wn;
        for (int k = 0; k < i; k++)
            seen |= m->part_worker[k] == pw;
        if (!seen && svc->w[pw].alive && !svc->w[pw].leaving)
            svc_send_ctrl (svc, pw, CTRL_CANCEL, (int)m->task);
    }
}

void svc_mi_part_leaving (service_t *svc, uint32_t task, int wn, const char *reason)
{
    mi_t *m = mi_find (svc, task);
    if (m && m->primary_sent && m->part_worker[0] != wn)
        mark_lost (svc, m, wn, reason);
}

int svc_mi_part_lost (service_t *svc, uint32_t task, int wn, const char *reason)
{
    mi_t *m = mi_find (svc, task);
    if (!m)
        return 0;
    if (m->primary_sent && m->part_worker[0] == wn) {
        /* The primary itself is gone with its worker: the other parts
         * only hold slots, freed when the caller requeues the task. */
        mi_free (m);
        return 0;
    }
    mark_lost (svc, m, wn, reason);
    if (m->primary_sent)
        return 1;   /* ends with the primary's result (svc_mi_result) */
    /* Coordination: the lost worker's commands will not report. */
    for (int i = 0; i < m->nparts; i++)
        if (m->part_worker[i] == wn && (m->coord_parts >> i & 1) && !(m->coord_ended >> i & 1)) {
            m->coord_ended |= (uint64_t)1 << i;
            m->coord_pending--;
            svc->running--;
        }
    if (m->coord_pending <= 0) {
        double now = mb_clock_real ();
        coord_over (svc, m, now, now);
    }
    return 1;
}

const result_t *svc_mi_result (service_t *svc, const result_t *res, result_t *fixed)
{
    mi_t *m = mi_find (svc, res->task);
    if (!m || !m->lost || m->attempt != res->attempt || res->r.outcome == LAUNCH_SUCCEEDED)
        return res;
    *fixed = *res;
    fixed->r.outcome = LAUNCH_INTERRUPTED;
    fixed->r.exit_code = -1;
    snprintf (fixed->r.reason, sizeof (fixed->r.reason), "%s", m->reason);
    return fixed;
}

/* The primary's command ended: forget the attempt's state. */
void svc_mi_forget (service_t *svc, uint32_t task)
{
    mi_t *m = mi_find (svc, task);
    if (m)
        mi_free (m);
}

void svc_mi_destroy (struct svc_mi *x)
{
    if (!x)
        return;
    int saved = errno;
    for (int i = 0; i < x->n; i++)
        if (x->v[i].used)
            mi_free (&x->v[i]);
    free (x->v);
    free (x);
    errno = saved;
}
