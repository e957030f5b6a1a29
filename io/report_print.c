/* report_print.c: prints a report as a text summary, a JSON summary or the
 * /tasks table as CSV (mpibatch report --format). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/names.h"
#include "io/report.h"
#include "io/report_int.h"

#define MAX_FAILURES REPORT_MAX_FAILURES
#define MAX_SLOWEST REPORT_MAX_SLOWEST

static const char *nz (const char *s)
{
    return s ? s : "";
}

/* A reason may hold line breaks; a table row must stay one line. */
static void put_line (FILE *f, const char *s)
{
    for (s = nz (s); *s; s++)
        fputc (*s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s, f);
}

static int finish (FILE *f)
{
    if (ferror (f)) {
        errno = EIO;
        return -1;
    }
    return 0;
}

void report_iso8601 (double t, char *out, size_t size)
{
    time_t s = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r (&s, &tm) || !strftime (out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf (out, size, "-");
}

double report_wall (const report_t *r)
{
    double end = r->finished > 0 ? r->finished : r->as_of;
    return end > r->started && r->started > 0 ? end - r->started : 0;
}

int report_is_running (const report_t *r)
{
    return r->finished <= 0 && r->as_of > 0 && r->status && !strcmp (r->status, "running");
}

double report_utilisation (const report_t *r, const report_worker_t *w)
{
    double cap = (double)w->slots * report_wall (r);
    return cap > 0 ? w->busy_seconds / cap : 0;
}

int report_is_failure (const report_task_t *t)
{
    return t->state && (!strcmp (t->state, "failed") || !strcmp (t->state, "skipped"));
}

/* Rows of the (at most MAX_SLOWEST) tasks with the longest wall time, the
 * slowest first: one pass keeping a small sorted list, no allocation. */
size_t report_slowest (const report_t *r, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ntasks; i++) {
        double w = r->tasks[i].wall_seconds;
        size_t k;
        if (!(w > 0))
            continue;
        if (n == MAX_SLOWEST && w <= r->tasks[idx[n - 1]].wall_seconds)
            continue;
        if (n < MAX_SLOWEST)
            n++;
        for (k = n - 1; k > 0 && r->tasks[idx[k - 1]].wall_seconds < w; k--)
            idx[k] = idx[k - 1];
        idx[k] = i;
    }
    return n;
}

static size_t count_failures (const report_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ntasks; i++)
        n += report_is_failure (&r->tasks[i]);
    return n;
}

static int id_width (const report_t *r, int min)
{
    size_t w = (size_t)min;
    for (size_t i = 0; i < r->ntasks; i++) {
        size_t l = strlen (nz (r->tasks[i].id));
        if (l > w)
            w = l;
    }
    return w > 40 ? 40 : (int)w;
}

/* Failures grouped by reason, most frequent first. */
static void print_reasons (FILE *f, const report_t *r, int idw)
{
    report_reason_t *g;
    long ng = report_reasons (r, &g);
    if (ng <= 0) {
        free (g);
        return;
    }
    fprintf (f, "\nfailures by reason (%ld):\n", ng);
    fprintf (f, "  %6s  %-*s  %s\n", "TASKS", idw, "FIRST", "REASON");
    for (long k = 0; k < ng && k < MAX_FAILURES; k++) {
        fprintf (f, "  %6zu  %-*s  ", g[k].count, idw, nz (r->tasks[g[k].first].id));
        put_line (f, g[k].reason);
        fputc ('\n', f);
    }
    if (ng > MAX_FAILURES)
        fprintf (f, "  ... and %ld more reasons\n", ng - MAX_FAILURES);
    free (g);
}

/* Each sweep: per parameter, its tasks counted by state for every value
 * (at most MAX_VALUES values), and their mean wall time. */
#define MAX_VALUES 30
static void print_sweeps (FILE *f, const report_t *r)
{
    for (size_t s = 0; s < r->nsweeps; s++) {
        const report_sweep_t *sw = &r->sweeps[s];
        if (sw->ntasks == 0)
            continue;
        fprintf (f, "\nsweep %s (%zu tasks):\n", nz (sw->name), sw->ntasks);
        for (int p = 0; p < sw->nparams; p++) {
            report_value_t *g;
            long ng = report_value_counts (r, sw, p, &g);
            int w = 12;
            if (ng <= 0) {
                free (g);
                continue;
            }
            for (long k = 0; k < ng && k < MAX_VALUES; k++)
                if ((int)strlen (g[k].value) > w)
                    w = strlen (g[k].value) > 40 ? 40 : (int)strlen (g[k].value);
            fprintf (f, "  %-*s  %9s  %6s  %7s  %7s  %9s\n", w, nz (sw->param_names[p]),
                     "SUCCEEDED", "FAILED", "SKIPPED", "OTHER", "MEAN_WALL");
            for (long k = 0; k < ng && k < MAX_VALUES; k++) {
                size_t other = g[k].n[0] + g[k].n[1] + g[k].n[2] + g[k].n[MB_STATE_CANCELLED];
                fprintf (f, "  %-*s  %9zu  %6zu  %7zu  %7zu  ", w, g[k].value, g[k].n[3],
                         g[k].n[4], g[k].n[5], other);
                if (g[k].nwall)
                    fprintf (f, "%9.3f\n", g[k].wall_sum / (double)g[k].nwall);
                else
                    fprintf (f, "%9s\n", "-");
            }
            if (ng > MAX_VALUES)
                fprintf (f, "  ... and %ld more values\n", ng - MAX_VALUES);
            free (g);
        }
    }
}

/* The attempts an exit condition decided, and what followed: why a task
 * was or was not run again. */
static void print_rules (FILE *f, const report_t *r, int idw)
{
    size_t n = 0, shown = 0;
    for (size_t i = 0; i < r->nattempts; i++)
        n += r->attempts[i].rule && r->attempts[i].rule[0];
    if (n == 0)
        return;
    fprintf (f, "\nexit conditions (%zu attempt%s decided by a rule):\n", n, n == 1 ? "" : "s");
    fprintf (f, "  %-*s  %7s  %-12s  %4s  %-10s  %s\n", idw, "TASK", "ATTEMPT", "OUTCOME",
             "EXIT", "DECISION", "RULE");
    for (size_t i = 0; i < r->nattempts && shown < MAX_FAILURES; i++) {
        const report_attempt_t *a = &r->attempts[i];
        if (!a->rule || !a->rule[0])
            continue;
        const char *id = a->task < r->ntasks ? nz (r->tasks[a->task].id) : "?";
        fprintf (f, "  %-*s  %7d  %-12s  %4d  %-10s  ", idw, id, a->attempt, nz (a->outcome),
                 a->exit_code, nz (a->decision));
        put_line (f, a->rule);
        fputc ('\n', f);
        shown++;
    }
    if (n > shown)
        fprintf (f, "  ... and %zu more\n", n - shown);
}

/* The attempts without an end (a live report's): task, attempt, worker,
 * since when and for how long up to as_of. */
static void print_running (FILE *f, const report_t *r, int idw)
{
    size_t n = 0, shown = 0;
    int dead = !report_is_running (r);
    for (size_t k = 0; k < r->nattempts; k++)
        n += r->attempts[k].outcome && !strcmp (r->attempts[k].outcome, "running");
    if (n == 0)
        return;
    fprintf (f, dead ? "\nstill running when the journal ends (%zu):\n" : "\nrunning (%zu):\n",
             n);
    fprintf (f, "  %-*s  %7s  %6s  %5s  %-20s  %s\n", idw, "TASK", "ATTEMPT", "WORKER", "SLOTS",
             "SINCE", "SECONDS");
    for (size_t k = 0; k < r->nattempts && shown < MAX_FAILURES; k++) {
        const report_attempt_t *a = &r->attempts[k];
        char since[32];
        if (!a->outcome || strcmp (a->outcome, "running"))
            continue;
        report_iso8601 (a->start_time, since, sizeof (since));
        fprintf (f, "  %-*s  %7d  %6d  %5d  %-20s  ",
                 idw, a->task < r->ntasks ? nz (r->tasks[a->task].id) : "?", a->attempt,
                 a->worker, a->slots, since);
        if (r->as_of >= a->start_time && a->start_time > 0)
            fprintf (f, "%.1f\n", r->as_of - a->start_time);
        else
            fputs ("-\n", f);
        shown++;
    }
    if (n > shown)
        fprintf (f, "  ... and %zu more\n", n - shown);
}

int report_print_text (FILE *f, const report_t *r)
{
    char started[32], finished[32];
    size_t idx[MAX_SLOWEST];
    size_t nfail = count_failures (r);
    int idw = id_width (r, 4);

    report_iso8601 (r->started, started, sizeof (started));
    report_iso8601 (r->finished > 0 ? r->finished : r->as_of, finished, sizeof (finished));
    fprintf (f, "job %s: %s\n", nz (r->job_id), nz (r->status));
    if (r->terminated_by)
        fprintf (f, "  terminated by %s\n", r->terminated_by);
    if (report_is_running (r))
        fprintf (f, "  running since %s, %.1f s so far (as of %s; mpibatch %s)\n", started,
                 report_wall (r), finished, nz (r->version));
    else if (r->finished <= 0 && r->as_of > 0)
        fprintf (f, "  started %s; no run-end record: the journal ends at %s, %.1f s in "
                    "(mpibatch %s)\n", started, finished, report_wall (r), nz (r->version));
    else
        fprintf (f, "  started %s, finished %s, wall time %.1f s (mpibatch %s)\n", started,
                 finished, report_wall (r), nz (r->version));
    fprintf (f, "  workers %d, nodes %d, slots %d\n", r->workers, r->nodes, r->slots);
    fprintf (f, "  tasks %zu:", r->ntasks);
    for (int i = 0; i < MB_NSTATES; i++)
        fprintf (f, "%s %zu %s", i ? "," : "", r->counts[i], mb_state_name (i));
    fprintf (f, "\n  attempts %zu\n", r->nattempts);

    if (nfail > 0) {
        size_t shown = 0;
        fprintf (f, "\nfailures (%zu):\n", nfail);
        fprintf (f, "  %-*s  %-9s  %8s  %s\n", idw, "TASK", "STATE", "ATTEMPTS", "REASON");
        for (size_t i = 0; i < r->ntasks && shown < MAX_FAILURES; i++) {
            const report_task_t *t = &r->tasks[i];
            if (!report_is_failure (t))
                continue;
            fprintf (f, "  %-*s  %-9s  %8d  ", idw, nz (t->id), nz (t->state),
                     t->attempts);
            put_line (f, t->reason);
            fputc ('\n', f);
            shown++;
        }
        if (nfail > shown)
            fprintf (f, "  ... and %zu more\n", nfail - shown);
        print_reasons (f, r, idw);
    }
    print_running (f, r, idw);
    print_sweeps (f, r);
    print_rules (f, r, idw);

    if (r->nworkers > 0) {
        fprintf (f, "\nworkers:\n");
        fprintf (f, "  %6s  %-20s  %5s  %9s  %12s  %11s\n", "RANK", "NODE", "SLOTS",
                 "TASKS_RUN", "BUSY_SECONDS", "UTILISATION");
        for (size_t i = 0; i < r->nworkers; i++) {
            const report_worker_t *w = &r->workers_rows[i];
            fprintf (f, "  %6d  %-20s  %5d  %9d  %12.1f  %10.1f%%\n", w->rank,
                     nz (w->node), w->slots, w->tasks_run, w->busy_seconds,
                     100.0 * report_utilisation (r, w));
        }
    }

    size_t ns = report_slowest (r, idx);
    if (ns > 0) {
        fprintf (f, report_is_running (r) ? "\nslowest tasks that ended:\n" : "\nslowest tasks:\n");
        fprintf (f, "  %-*s  %12s  %6s\n", idw, "TASK", "WALL_SECONDS", "WORKER");
        for (size_t k = 0; k < ns; k++) {
            const report_task_t *t = &r->tasks[idx[k]];
            fprintf (f, "  %-*s  %12.3f  %6d\n", idw, nz (t->id), t->wall_seconds, t->worker);
        }
    }
    return finish (f);
}

/* Absent strings print as "" here: readers expect a string in each field. */
static void json_str (FILE *f, const char *s)
{
    json_put_string (f, nz (s));
}

int report_print_json (FILE *f, const report_t *r)
{
    char started[32], finished[32];
    size_t idx[MAX_SLOWEST];
    size_t ns = report_slowest (r, idx), shown = 0;

    report_iso8601 (r->started, started, sizeof (started));
    report_iso8601 (r->finished, finished, sizeof (finished));
    fputs ("{\"job_id\": ", f);
    json_str (f, r->job_id);
    fputs (", \"mpibatch_version\": ", f);
    json_str (f, r->version);
    fputs (", \"status\": ", f);
    json_str (f, r->status);
    fputs (", \"started\": ", f);
    json_str (f, r->started > 0 ? started : "");
    fputs (", \"finished\": ", f);
    json_str (f, r->finished > 0 ? finished : "");
    fputs (", \"wall_seconds\": ", f);
    json_put_number (f, "%.3f", report_wall (r));
    fprintf (f, ", \"worker_count\": %d, \"nodes\": %d, \"slots\": %d", r->workers,
             r->nodes, r->slots);
    fprintf (f, ", \"tasks\": %zu, \"counts\": {", r->ntasks);
    for (int i = 0; i < MB_NSTATES; i++)
        fprintf (f, "%s\"%s\": %zu", i ? ", " : "", mb_state_name (i), r->counts[i]);
    fprintf (f, "}, \"attempts\": %zu", r->nattempts);

    fputs (",\n \"workers\": [", f);
    for (size_t i = 0; i < r->nworkers; i++) {
        const report_worker_t *w = &r->workers_rows[i];
        fprintf (f, "%s\n  {\"rank\": %d, \"node\": ", i ? "," : "", w->rank);
        json_str (f, w->node);
        fprintf (f, ", \"slots\": %d, \"cpus\": ", w->slots);
        json_str (f, w->cpus);
        fprintf (f, ", \"tasks_run\": %d, \"busy_seconds\": ", w->tasks_run);
        json_put_number (f, "%.3f", w->busy_seconds);
        fputs (", \"utilisation\": ", f);
        json_put_number (f, "%.4f", report_utilisation (r, w));
        fputc ('}', f);
    }
    fprintf (f, "],\n \"failures_total\": %zu,\n \"failures\": [", count_failures (r));
    for (size_t i = 0; i < r->ntasks && shown < MAX_FAILURES; i++) {
        const report_task_t *t = &r->tasks[i];
        if (!report_is_failure (t))
            continue;
        fprintf (f, "%s\n  {\"id\": ", shown ? "," : "");
        json_str (f, t->id);
        fputs (", \"state\": ", f);
        json_str (f, t->state);
        fprintf (f, ", \"attempts\": %d, \"exit_code\": %d, \"signal\": %d, \"reason\": ",
                 t->attempts, t->exit_code, t->signal);
        json_str (f, t->reason);
        fputc ('}', f);
        shown++;
    }
    fputs ("],\n \"slowest\": [", f);
    for (size_t k = 0; k < ns; k++) {
        const report_task_t *t = &r->tasks[idx[k]];
        fprintf (f, "%s\n  {\"id\": ", k ? "," : "");
        json_str (f, t->id);
        fputs (", \"wall_seconds\": ", f);
        json_put_number (f, "%.3f", t->wall_seconds);
        fprintf (f, ", \"worker\": %d, \"node\": ", t->worker);
        json_str (f, t->node);
        fputc ('}', f);
    }
    fputs ("]}\n", f);
    return finish (f);
}

/* RFC 4180: quote a field holding a comma, a quote or a line break, and
 * double the quotes inside. */
static void csv_str (FILE *f, const char *s)
{
    s = nz (s);
    if (!strpbrk (s, ",\"\r\n")) {
        fputs (s, f);
        return;
    }
    fputc ('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc ('"', f);
        fputc (*s, f);
    }
    fputc ('"', f);
}

int report_print_csv (FILE *f, const report_t *r)
{
    fputs ("id,state,attempts,exit_code,signal,timed_out,worker,node,slots,cpus,"
           "ready_time,start_time,end_time,wall_seconds,user_seconds,system_seconds,"
           "max_rss_kib,bytes_in,bytes_out,reason\r\n", f);
    for (size_t i = 0; i < r->ntasks; i++) {
        const report_task_t *t = &r->tasks[i];
        csv_str (f, t->id);
        fputc (',', f);
        csv_str (f, t->state);
        fprintf (f, ",%d,%d,%d,%d,%d,", t->attempts, t->exit_code, t->signal,
                 t->timed_out ? 1 : 0, t->worker);
        csv_str (f, t->node);
        fprintf (f, ",%d,", t->slots);
        csv_str (f, t->cpus);
        fprintf (f, ",%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%lld,%lld,%lld,", t->ready_time,
                 t->start_time, t->end_time, t->wall_seconds, t->user_seconds,
                 t->system_seconds, (long long)t->max_rss_kib, (long long)t->bytes_in,
                 (long long)t->bytes_out);
        csv_str (f, t->reason);
        fputs ("\r\n", f);
    }
    return finish (f);
}
