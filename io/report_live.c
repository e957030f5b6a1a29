/* report_live.c: the report of a run that has not ended yet: report.h5
 * when the run has written one, completed from the journal with what
 * happened since, and the attempts still running. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/clock.h"
#include "io/jobfile.h"
#include "io/journal.h"
#include "common/names.h"
#include "io/report.h"
#include "io/report_int.h"

static const char *outcome_names[6] = {
    "succeeded", "failed", "timed_out", "interrupted", "input_error", "output_error",
};

/* Strings copied out of journal records (valid only in the callback). */
typedef struct strblk {
    struct strblk *next;
    char s[];
} strblk_t;

struct report_live {
    report_file_t *rf;        /* report.h5, or NULL */
    report_t r;
    report_task_t *tasks;
    report_attempt_t *att;
    size_t natt, capatt;
    report_worker_t *workers;
    int live;
    strblk_t *strs;
    size_t *by_id;            /* task rows sorted by id, for the journal's ids */
    /* From the journal. */
    int started_run, ended;
    double run_started, last_time;
    const char *job_id, *version;
    int workers_n, nodes, slots;
    uint64_t ntasks;
    int oom;
};

static const char *keep (report_live_t *l, const char *s)
{
    size_t n = strlen (s ? s : "") + 1;
    strblk_t *b = malloc (sizeof (*b) + n);
    if (!b) {
        l->oom = 1;
        return "";
    }
    memcpy (b->s, s ? s : "", n);
    b->next = l->strs;
    l->strs = b;
    return b->s;
}

/* First pass: is the last run of the journal still going? */
static int scan_cb (const journal_rec_t *j, void *arg)
{
    report_live_t *l = arg;
    if (j->time > l->last_time)
        l->last_time = j->time;
    if (j->type == JREC_RUN_START) {
        l->started_run = 1;
        l->ended = 0;
        if (!l->run_started)
            l->run_started = j->time;
        l->job_id = keep (l, j->job_id);
        l->version = keep (l, j->version);
        l->workers_n = j->workers;
        l->nodes = j->nodes;
        l->slots = j->slots;
        l->ntasks = j->ntasks;
    }
    else if (j->type == JREC_RUN_END)
        l->ended = 1;
    else if (j->type == JREC_ADD && j->task_index + j->ntasks > l->ntasks)
        l->ntasks = j->task_index + j->ntasks;   /* tasks added while it ran */
    return 0;
}

static const report_t *sort_r;

static int by_id (const void *a, const void *b)
{
    return strcmp (sort_r->tasks[*(const size_t *)a].id, sort_r->tasks[*(const size_t *)b].id);
}

/* The row of the task a record names: by id, else by its index. */
static long row_of (report_live_t *l, const journal_rec_t *j)
{
    if (j->task && l->by_id) {
        size_t lo = 0, hi = l->r.ntasks;
        while (lo < hi) {
            size_t m = (lo + hi) / 2;
            int c = strcmp (l->tasks[l->by_id[m]].id, j->task);
            if (c == 0)
                return (long)l->by_id[m];
            if (c < 0)
                lo = m + 1;
            else
                hi = m;
        }
    }
    return j->task_index < l->r.ntasks ? (long)j->task_index : -1;
}

static report_attempt_t *find_attempt (report_live_t *l, uint32_t task, int attempt)
{
    /* Recent attempts are at the end: search backwards. */
    for (size_t k = l->natt; k-- > 0;)
        if (l->att[k].task == task && l->att[k].attempt == attempt)
            return &l->att[k];
    return NULL;
}

static report_attempt_t *add_attempt (report_live_t *l)
{
    if (l->natt == l->capatt) {
        size_t c = l->capatt ? l->capatt * 2 : 1024;
        report_attempt_t *a = realloc (l->att, c * sizeof (*a));
        if (!a) {
            l->oom = 1;
            return NULL;
        }
        l->att = a;
        l->capatt = c;
    }
    memset (&l->att[l->natt], 0, sizeof (*l->att));
    return &l->att[l->natt++];
}

static report_worker_t *find_worker (report_live_t *l, int rank)
{
    for (size_t k = 0; k < l->r.nworkers; k++)
        if (l->workers[k].rank == rank)
            return &l->workers[k];
    return NULL;
}

/* Second pass: what the journal adds to the report. */
static int merge_cb (const journal_rec_t *j, void *arg)
{
    report_live_t *l = arg;
    long row;
    report_attempt_t *a;

    if (j->type == JREC_WORKER) {
        if (find_worker (l, j->worker))
            return 0;
        report_worker_t *w = realloc (l->workers, (l->r.nworkers + 1) * sizeof (*w));
        if (!w) {
            l->oom = 1;
            return -1;
        }
        l->workers = w;
        w = &l->workers[l->r.nworkers++];
        memset (w, 0, sizeof (*w));
        w->rank = j->worker;
        w->node = keep (l, j->node);
        w->slots = j->slots;
        w->cpus = keep (l, j->cpus);
        return 0;
    }
    if (j->type != JREC_ATTEMPT_START && j->type != JREC_ATTEMPT_END
        && j->type != JREC_TASK_END)
        return 0;
    if ((row = row_of (l, j)) < 0)
        return 0;
    report_task_t *t = &l->tasks[row];
    /* A task added while the job ran has no row of the job file: its
     * records name it. */
    if (j->task && t->id[0] == '#')
        t->id = keep (l, j->task);
    if (j->type == JREC_TASK_END) {
        t->state = mb_state_name (j->state);
        if (j->reason && *j->reason)
            t->reason = keep (l, j->reason);
        return 0;
    }
    if (!(a = find_attempt (l, (uint32_t)row, j->attempt))) {
        if (!(a = add_attempt (l)))
            return -1;
        a->task = (uint32_t)row;
        a->attempt = j->attempt;
        a->outcome = "running";
        a->reason = "";
        a->exit_code = -1;
        t->attempts++;
    }
    else if (j->type == JREC_ATTEMPT_START)
        return 0;    /* the report has it already */
    a->worker = j->worker;
    a->node = keep (l, j->node);
    /* Start records may carry no slots (0): the task's then. */
    a->slots = j->slots > 0 ? j->slots : t->slots;
    a->cpus = keep (l, j->cpus);
    a->start_time = j->start_time;
    t->worker = j->worker;
    t->node = a->node;
    t->cpus = a->cpus;
    t->start_time = j->start_time;
    if (j->type == JREC_ATTEMPT_START) {
        t->state = "running";
        t->end_time = 0;
        t->wall_seconds = 0;
        return 0;
    }
    a->end_time = j->end_time;
    a->exit_code = j->exit_code;
    a->signal = j->signal;
    a->outcome = j->outcome >= 0 && j->outcome < 6 ? outcome_names[j->outcome] : "failed";
    a->reason = keep (l, j->reason);
    t->end_time = j->end_time;
    t->wall_seconds = j->end_time - j->start_time;
    t->exit_code = j->exit_code;
    t->signal = j->signal;
    t->timed_out = j->timed_out;
    t->user_seconds = j->user_seconds;
    t->system_seconds = j->system_seconds;
    t->max_rss_kib = j->max_rss_kib;
    t->reason = a->reason;
    /* Until its task-end record: waiting for a retry. */
    if (!strcmp (t->state, "running"))
        t->state = "ready";
    return 0;
}

/* Tasks run and busy time of the workers the report did not have yet
 * (rows from nbase on), from their attempts as the service counts them
 * (slot-seconds); an attempt still running counts up to as_of. */
static void busy_from_journal (report_live_t *l, size_t nbase)
{
    for (size_t k = 0; k < l->natt; k++) {
        const report_attempt_t *a = &l->att[k];
        report_worker_t *w = find_worker (l, a->worker);
        double end = a->end_time;
        if (!w || w < l->workers + nbase || !(a->start_time > 0))
            continue;
        if (!strcmp (a->outcome, "running"))
            end = l->r.as_of;
        else
            w->tasks_run++;
        if (end > a->start_time)
            w->busy_seconds += (end - a->start_time) * (double)(a->slots > 1 ? a->slots : 1);
    }
}

/* The task rows: the report's, else the job file's, else numbered. */
static int make_tasks (report_live_t *l, const report_t *base, const jobfile_t *jf)
{
    size_t n = base ? base->ntasks : 0;
    if (jf && jobfile_ntasks (jf) > n)
        n = jobfile_ntasks (jf);
    if (l->ntasks > n)
        n = (size_t)l->ntasks;
    if (!(l->tasks = calloc (n ? n : 1, sizeof (*l->tasks))))
        return -1;
    for (size_t i = 0; i < n; i++) {
        report_task_t *t = &l->tasks[i];
        if (base && i < base->ntasks) {
            *t = base->tasks[i];
            continue;
        }
        char id[96];
        if (jf && i < jobfile_ntasks (jf)) {
            jobfile_reqs_t rq;
            jobfile_task_id (jf, i, id, sizeof (id));
            jobfile_task_reqs (jf, i, &rq);
            t->slots = rq.slots;
        }
        else
            snprintf (id, sizeof (id), "#%zu", i);
        t->id = keep (l, id);
        t->state = "pending";
        t->worker = -1;
        t->exit_code = -1;
        t->node = t->cpus = t->reason = "";
    }
    l->r.ntasks = n;
    l->r.tasks = l->tasks;
    return 0;
}

/* Sweeps from the job file, when there is no report.h5 to give them. */
static report_sweep_t *jf_sweeps (report_live_t *l, const jobfile_t *jf, size_t *ns_out)
{
    const jobfile_job_t *job = jobfile_job (jf);
    int ns = job->nsweeps;
    report_sweep_t *sw;
    jobfile_task_t t = { 0 };
    size_t n = jobfile_ntasks (jf);

    *ns_out = 0;
    if (ns <= 0 || !(sw = calloc ((size_t)ns, sizeof (*sw))))
        return NULL;
    for (int s = 0; s < ns; s++) {
        sw[s].name = keep (l, job->sweep_names[s]);
        sw[s].rows = calloc (n ? n : 1, sizeof (uint32_t));
    }
    for (size_t i = 0; i < n; i++) {
        if (jobfile_task_get (jf, i, &t) < 0 || t.sweep < 0 || t.sweep >= ns)
            continue;
        report_sweep_t *s = &sw[t.sweep];
        if (!s->rows)
            continue;
        if (!s->values) {
            s->nparams = t.nparams;
            s->param_names = calloc ((size_t)t.nparams + 1, sizeof (char *));
            s->values = calloc ((size_t)t.nparams + 1, sizeof (char **));
            for (int p = 0; s->values && s->param_names && p < t.nparams; p++) {
                s->param_names[p] = keep (l, t.param_names[p]);
                s->values[p] = calloc (n, sizeof (char *));
            }
        }
        ((uint32_t *)s->rows)[s->ntasks] = (uint32_t)i;
        for (int p = 0; p < s->nparams && p < t.nparams; p++)
            if (s->values && s->values[p])
                s->values[p][s->ntasks] = keep (l, t.param_values[p]);
        s->ntasks++;
    }
    jobfile_task_clear (&t);
    /* A sweep whose arrays could not be had is left out, not half shown. */
    for (int s = 0; s < ns; s++) {
        int ok = sw[s].rows && sw[s].values && sw[s].param_names;
        for (int p = 0; ok && p < sw[s].nparams; p++)
            ok = sw[s].values[p] != NULL;
        if (!ok)
            sw[s].ntasks = 0;
    }
    *ns_out = (size_t)ns;
    return sw;
}

static void free_sweeps (report_sweep_t *sw, size_t ns)
{
    for (size_t s = 0; sw && s < ns; s++) {
        for (int p = 0; sw[s].values && p < sw[s].nparams; p++)
            free ((void *)sw[s].values[p]);
        free ((void *)sw[s].values);
        free ((void *)sw[s].param_names);
        free ((void *)sw[s].rows);
    }
    free (sw);
}

report_live_t *report_live_open (const char *statedir, const jobfile_t *jf, int lock_held,
                                 mb_error_t *err)
{
    report_live_t *l = calloc (1, sizeof (*l));
    char *rpath = NULL, *jpath = NULL;
    const report_t *base = NULL;
    struct stat st;
    int have_journal;
    size_t nbase;

    if (!l || asprintf (&rpath, "%s/report.h5", statedir) < 0
        || asprintf (&jpath, "%s/journal", statedir) < 0) {
        errno = ENOMEM;
        errprintf (err, "%s: out of memory", statedir);
        goto error;
    }
    have_journal = stat (jpath, &st) == 0;
    if (stat (rpath, &st) == 0) {
        if (!(l->rf = report_open (rpath, err)))
            goto error;
        base = report_data (l->rf);
    }
    else if (!have_journal) {
        errno = ENOENT;
        errprintf (err, "no report in %s (the run has not ended or wrote none)", statedir);
        goto error;
    }
    if (have_journal && journal_read (jpath, scan_cb, l, NULL, err) < 0)
        goto error;
    l->live = have_journal && l->started_run && !l->ended && lock_held != 0;
    if (base && (l->ended || !l->started_run)) {
        l->r = *base;    /* the run has ended: the report has it all */
        goto out;
    }
    if (base)
        l->r = *base;
    else {
        l->r.job_id = l->job_id;
        l->r.version = l->version;
        l->r.started = l->run_started;
        l->r.workers = l->workers_n;
        l->r.nodes = l->nodes;
        l->r.slots = l->slots;
        l->r.config = jf ? jobfile_config_text (jf) : NULL;
        if (jf)
            l->r.sweeps = jf_sweeps (l, jf, &l->r.nsweeps);
    }
    l->r.status = l->live ? "running" : "interrupted";
    l->r.finished = 0;
    if (make_tasks (l, base, jf) < 0)
        goto oom;
    if (!(l->by_id = malloc ((l->r.ntasks ? l->r.ntasks : 1) * sizeof (size_t))))
        goto oom;
    for (size_t i = 0; i < l->r.ntasks; i++)
        l->by_id[i] = i;
    sort_r = &l->r;
    qsort (l->by_id, l->r.ntasks, sizeof (size_t), by_id);
    if (base && base->nattempts) {
        if (!(l->att = malloc (base->nattempts * sizeof (*l->att))))
            goto oom;
        memcpy (l->att, base->attempts, base->nattempts * sizeof (*l->att));
        l->natt = l->capatt = base->nattempts;
    }
    if (base && base->nworkers) {
        if (!(l->workers = malloc (base->nworkers * sizeof (*l->workers))))
            goto oom;
        memcpy (l->workers, base->workers_rows, base->nworkers * sizeof (*l->workers));
    }
    l->r.nworkers = nbase = base ? base->nworkers : 0;
    if (journal_read (jpath, merge_cb, l, NULL, err) < 0 || l->oom)
        goto oom;
    l->r.attempts = l->att;
    l->r.nattempts = l->natt;
    l->r.workers_rows = l->workers;
    memset (l->r.counts, 0, sizeof (l->r.counts));
    for (size_t i = 0; i < l->r.ntasks; i++) {
        int s = mb_state_by_name (l->tasks[i].state);
        if (s >= 0)
            l->r.counts[s]++;
    }
    /* The time the report tells of: now while the run goes on, else the
     * journal's last record (the run died without its end record). */
    if (l->live) {
        l->r.as_of = mb_clock_real ();
    }
    else
        l->r.as_of = l->last_time;
    busy_from_journal (l, nbase);
    if (!l->r.nodes || !l->r.workers) {
        l->r.workers = (int)l->r.nworkers;
        l->r.nodes = l->r.nworkers ? 1 : 0;
    }
out:
    free (rpath);
    free (jpath);
    return l;
oom:
    if (l->oom || errno == ENOMEM) {
        errno = ENOMEM;
        errprintf (err, "%s: out of memory", statedir);
    }
error:
    free (rpath);
    free (jpath);
    report_live_close (l);
    return NULL;
}

const report_t *report_live_data (const report_live_t *l)
{
    return l ? &l->r : NULL;
}

int report_live_running (const report_live_t *l)
{
    return l ? l->live : 0;
}

void report_live_close (report_live_t *l)
{
    if (!l)
        return;
    int saved = errno;
    if (!l->rf)
        free_sweeps ((report_sweep_t *)l->r.sweeps, l->r.nsweeps);
    report_close (l->rf);
    free (l->tasks);
    free (l->att);
    free (l->workers);
    free (l->by_id);
    while (l->strs) {
        strblk_t *b = l->strs;
        l->strs = b->next;
        free (b);
    }
    free (l);
    errno = saved;
}
