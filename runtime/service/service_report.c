/* service_report.c: the run's HDF5 report, built from what the service
 * keeps in memory: one row per task, attempt and worker, and the sweep
 * parameters beside the task rows. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/names.h"
#include "io/logspool.h"
#include "io/report.h"
#include "runtime/service/service_int.h"

/* Ids and parameter values are copied into an arena of 1 MiB blocks:
 * pointers stay valid as it grows, a large run makes few allocations, and
 * memory follows the strings' real lengths. */
typedef struct arena_block {
    struct arena_block *next;
    size_t len, cap;
    char mem[];
} arena_block_t;

typedef struct {
    arena_block_t *head;
} arena_t;

static const char *arena_put (arena_t *a, const char *s)
{
    size_t n = strlen (s) + 1;
    arena_block_t *b = a->head;
    if (!b || b->len + n > b->cap) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        if (!(b = malloc (sizeof (*b) + cap)))
            return NULL;
        b->next = a->head;
        b->len = 0;
        b->cap = cap;
        a->head = b;
    }
    char *p = b->mem + b->len;
    memcpy (p, s, n);
    b->len += n;
    return p;
}

static void arena_free (arena_t *a)
{
    while (a->head) {
        arena_block_t *b = a->head;
        a->head = b->next;
        free (b);
    }
}

static void free_sweeps (report_sweep_t *sw, int ns)
{
    for (int s = 0; sw && s < ns; s++) {
        for (int p = 0; p < sw[s].nparams; p++)
            free ((void *)sw[s].values[p]);
        free ((void *)sw[s].param_names);
        free ((void *)sw[s].values);
        free ((void *)sw[s].rows);
    }
    free (sw);
}

/* /parameters/<sweep>: the rows of each sweep's tasks and their values
 * (strings copied into vals).  0 or -1 (ENOMEM). */
static int build_sweeps (service_t *svc, svc_job_t *J, report_t *r,
                         report_sweep_t **sweeps_out, arena_t *vals)
{
    int ns = J->job->nsweeps;
    *sweeps_out = NULL;
    if (ns <= 0)
        return 0;
    report_sweep_t *sw = calloc ((size_t)ns, sizeof (*sw));
    size_t *cap = calloc ((size_t)ns, sizeof (size_t));
    jobfile_task_t t = { 0 };
    if (!sw || !cap)
        goto error;
    /* The job file's sweeps: a batch added while the job ran numbers its
     * own sweeps, which are not these (its tasks are in /tasks only). */
    size_t n0 = jobfile_ntasks (J->jf);
    for (size_t i = 0; i < n0; i++) {
        if (svc_task_get (svc, svc_job_global (J, i), &t) < 0 || t.sweep < 0 || t.sweep >= ns)
            continue;
        report_sweep_t *s = &sw[t.sweep];
        if (s->ntasks == 0 && !s->rows) {
            s->name = J->job->sweep_names[t.sweep];
            s->nparams = t.nparams;
            s->param_names = calloc ((size_t)t.nparams + 1, sizeof (char *));
            s->values = calloc ((size_t)t.nparams + 1, sizeof (char **));
            if (!s->param_names || !s->values)
                goto error;
            for (int p = 0; p < t.nparams; p++)
                if (!(s->param_names[p] = arena_put (vals, t.param_names[p])))
                    goto error;
        }
        if (s->ntasks == cap[t.sweep]) {
            size_t c = cap[t.sweep] ? cap[t.sweep] * 2 : 256;
            uint32_t *rows = realloc ((void *)s->rows, c * sizeof (uint32_t));
            if (!rows)
                goto error;
            s->rows = rows;
            for (int p = 0; p < s->nparams; p++) {
                const char **v = realloc (s->values[p], c * sizeof (char *));
                if (!v)
                    goto error;
                s->values[p] = v;
            }
            cap[t.sweep] = c;
        }
        ((uint32_t *)s->rows)[s->ntasks] = (uint32_t)i;
        for (int p = 0; p < s->nparams && p < t.nparams; p++)
            if (!(s->values[p][s->ntasks] = arena_put (vals, t.param_values[p])))
                goto error;
        s->ntasks++;
    }
    jobfile_task_clear (&t);
    free (cap);
    *sweeps_out = sw;
    r->sweeps = sw;
    r->nsweeps = (size_t)ns;
    return 0;
error:
    jobfile_task_clear (&t);
    free (cap);
    free_sweeps (sw, ns);
    return -1;
}

/* logs = "report": the spool's entries become /logs rows. */
typedef struct {
    service_t *svc;
    svc_job_t *J;
    report_log_t *logs;
    size_t n, cap;
    buf_t text;           /* all texts, NUL-separated; offsets fixed up later */
    size_t *off;
} logs_t;

static int log_cb (const char *task, int attempt, int stream, const char *data, size_t len,
                   void *arg)
{
    logs_t *L = arg;
    long g = svc_task_find (L->svc, L->J, task);
    if (g < 0)
        return 0;
    size_t row;
    svc_task_job (L->svc, (size_t)g, &row);
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 256;
        report_log_t *l = realloc (L->logs, cap * sizeof (*l));
        size_t *o = realloc (L->off, cap * sizeof (*o));
        if (l)
            L->logs = l;
        if (o)
            L->off = o;
        if (!l || !o)
            return -1;
        L->cap = cap;
    }
    report_log_t *x = &L->logs[L->n];
    x->task = (uint32_t)row;
    x->attempt = attempt;
    x->stream = stream;
    x->len = len;
    L->off[L->n++] = L->text.len;
    buf_add (&L->text, data, len);
    buf_add (&L->text, "", 1);
    return 0;
}

static void load_logs (service_t *svc, svc_job_t *J, report_t *r, logs_t *L)
{
    char path[4200];
    memset (L, 0, sizeof (*L));
    L->svc = svc;
    L->J = J;
    if (J->job->logs != JOB_LOGS_REPORT)
        return;
    snprintf (path, sizeof (path), "%s/logs.spool", J->job->state);
    if (logspool_read (path, log_cb, L) < 0 || !L->text.data)
        return;
    for (size_t i = 0; i < L->n; i++)
        L->logs[i].text = L->text.data + L->off[i];
    r->logs = L->logs;
    r->nlogs = L->n;
}

int svc_write_report (service_t *svc, svc_job_t *J, const char *status, mb_error_t *err)
{
    logs_t L;
    size_t n = J->ntasks;
    report_t r;
    memset (&r, 0, sizeof (r));
    report_task_t *tasks = calloc (n + 1, sizeof (*tasks));
    report_attempt_t *atts = calloc (svc->natt + 1, sizeof (*atts));
    report_worker_t *ws = calloc ((size_t)svc->nworkers + 1, sizeof (*ws));
    uint16_t *count = calloc (n + 1, sizeof (uint16_t));
    const char **why = calloc (n + 1, sizeof (char *));
    arena_t ids = { NULL };
    report_sweep_t *sw = NULL;
    size_t natts = 0;
    int rc = -1;
    if (!tasks || !atts || !ws || !count || !why) {
        errprintf (err, "out of memory");
        goto out;
    }
    /* The job's rows are its local indices; a run's job has them equal
     * to the global ones and holds every attempt. */
    for (size_t i = 0; i < svc->natt; i++) {
        size_t l;
        if (svc->att[i].task < svc->ntasks
            && svc_task_job (svc, svc->att[i].task, &l) == J && l < n)
            count[l]++;
    }
    for (size_t i = 0; i < svc->nwhy; i++) {
        size_t l;
        if (svc->why_task[i] < svc->ntasks
            && svc_task_job (svc, svc->why_task[i], &l) == J && l < n)
            why[l] = svc->why[i];
    }
    char id[80];
    for (size_t i = 0; i < n; i++) {
        report_task_t *t = &tasks[i];
        size_t g = svc_job_global (J, i);
        svc_task_id (svc, g, id, sizeof (id));
        if (!(t->id = arena_put (&ids, id))) {
            errprintf (err, "out of memory");
            goto out;
        }
        int st = svc->s ? (int)sched_state (svc->s, (uint32_t)g) : SCHED_PENDING;
        if (st == SCHED_FAILED && svc->cancelled && svc->cancelled[g])
            st = MB_STATE_CANCELLED;
        t->state = mb_state_name (st);
        t->attempts = count[i];
        t->exit_code = -1;
        t->worker = -1;
        t->node = "";
        t->cpus = "";
        t->reason = why[i] ? why[i] : "";
        t->ready_time = svc->ready_time[g];
        jobfile_reqs_t rq;
        svc_task_reqs (svc, g, &rq);
        t->slots = rq.slots;
        int32_t la = svc->last_attempt[g];
        if (la >= 0) {
            const attempt_t *a = &svc->att[la];
            t->exit_code = a->exit_code;
            t->signal = a->signal;
            t->timed_out = a->timed_out;
            t->worker = a->worker;
            t->node = a->node ? a->node : "";
            t->cpus = a->cpus ? a->cpus : "";
            t->start_time = a->start_time;
            t->end_time = a->end_time;
            t->wall_seconds = a->end_time - a->start_time;
            t->user_seconds = a->user_seconds;
            t->system_seconds = a->system_seconds;
            t->max_rss_kib = a->max_rss_kib;
            t->bytes_in = a->bytes_in;
            t->bytes_out = a->bytes_out;
            if (!why[i] || st != SCHED_SKIPPED)
                t->reason = a->reason ? a->reason : "";
        }
        else if (st == SCHED_SKIPPED && !why[i])
            t->reason = "a dependency failed";
    }
    for (size_t i = 0; i < svc->natt; i++) {
        const attempt_t *a = &svc->att[i];
        size_t l;
        if (a->task >= svc->ntasks || svc_task_job (svc, a->task, &l) != J)
            continue;
        report_attempt_t *x = &atts[natts++];
        x->task = (uint32_t)l;
        x->attempt = a->attempt;
        x->worker = a->worker;
        x->node = a->node ? a->node : "";
        x->start_time = a->start_time;
        x->end_time = a->end_time;
        x->exit_code = a->exit_code;
        x->signal = a->signal;
        x->outcome = mb_outcome_name (a->outcome);
        x->reason = a->reason ? a->reason : "";
        x->slots = a->slots;
        x->cpus = a->cpus ? a->cpus : "";
        x->rule = a->rule ? a->rule : "";
        x->decision = svc_decision_name (a->decision);
    }
    for (int i = 0; i < svc->nworkers; i++) {
        ws[i].rank = svc->w[i].rank;
        ws[i].node = svc->nodes[svc->w[i].node].name;
        ws[i].slots = svc->w[i].slots;
        ws[i].cpus = svc->w[i].cpus ? svc->w[i].cpus : "";
        ws[i].tasks_run = svc->w[i].tasks_run;
        ws[i].busy_seconds = svc->w[i].busy_seconds;
    }
    r.job_id = J->job->id;
    r.version = PACKAGE_VERSION;
    r.started = J->started ? J->started : svc->started;
    r.finished = J->finished ? J->finished : mb_clock_real ();
    r.status = status;
    r.terminated_by = J->terminated ? J->terminated_by : NULL;
    r.workers = svc->nworkers;
    r.nodes = svc->nnodes;
    r.slots = svc->total_slots;
    if (svc->s && svc->pool_mode)
        sched_job_counts (svc->s, J->sj, r.counts);
    else if (svc->s)
        sched_counts (svc->s, r.counts);
    /* The scheduler counts cancelled tasks among the failed. */
    for (size_t i = 0; svc->cancelled && i < n; i++) {
        size_t g = svc_job_global (J, i);
        if (svc->cancelled[g] && svc->s && sched_state (svc->s, (uint32_t)g) == SCHED_FAILED) {
            r.counts[SCHED_FAILED]--;
            r.counts[MB_STATE_CANCELLED]++;
        }
    }
    r.requeues = svc->requeues;
    r.config = jobfile_config_text (J->jf);
    r.ntasks = n;
    r.tasks = tasks;
    r.nattempts = natts;
    r.attempts = atts;
    r.nworkers = (size_t)svc->nworkers;
    r.workers_rows = ws;
    if (build_sweeps (svc, J, &r, &sw, &ids) < 0) {
        errprintf (err, "out of memory");
        goto out;
    }
    load_logs (svc, J, &r, &L);
    char path[4200];
    snprintf (path, sizeof (path), "%s/report.h5", J->job->state);
    rc = report_write (path, &r, err);
    free (L.logs);
    free (L.off);
    buf_free (&L.text);
out:
    free_sweeps (sw, J->job->nsweeps);
    free (tasks);
    free (atts);
    free (ws);
    free (count);
    free (why);
    arena_free (&ids);
    return rc;
}
