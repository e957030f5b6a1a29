/* report_html.c: prints a report as one self-contained HTML page: the
 * summary, a canvas timeline with utilisation, each sweep's parameter
 * space, failures by reason (mpibatch report --format html). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/names.h"
#include "io/report.h"
#include "io/report_int.h"

extern const char report_html_script[];
extern const char report_html_style[];

/* The page's outcomes: the attempts' own (common/names.h), then "running"
 * for attempts of a live run that have not ended. */
#define NOUTCOMES (MB_NOUTCOMES + 1)

static const char *outcome_name (size_t i)
{
    return i < MB_NOUTCOMES ? mb_outcome_name ((int)i) : "running";
}

static void html (FILE *f, const char *s)
{
    for (s = s ? s : ""; *s; s++) {
        switch (*s) {
        case '<': fputs ("&lt;", f); break;
        case '>': fputs ("&gt;", f); break;
        case '&': fputs ("&amp;", f); break;
        case '"': fputs ("&quot;", f); break;
        default: fputc (*s, f);
        }
    }
}

/* A JSON string that is also safe inside <script>. */
static void js_str (FILE *f, const char *s)
{
    json_put_string_html (f, s ? s : "");
}

/* A number with at most three decimals and no trailing zeros: the page
 * of 200,000 attempts is mostly numbers. */
static void js_num (FILE *f, double v)
{
    char b[48];
    size_t n;
    if (!isfinite (v)) {
        fputc ('0', f);
        return;
    }
    snprintf (b, sizeof (b), "%.3f", v);
    n = strlen (b);
    while (n > 0 && b[n - 1] == '0')
        b[--n] = '\0';
    if (n > 0 && b[n - 1] == '.')
        b[--n] = '\0';
    fputs (strcmp (b, "-0") ? b : "0", f);
}

/* Strings that repeat (reasons, nodes) are written once, in a table the
 * rows index: a small open-addressing hash set. */
typedef struct {
    const char **keys;
    size_t n, cap;
    long *slot;
    size_t nslot;
} dict_t;

static uint64_t hash (const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int dict_grow (dict_t *d)
{
    size_t ns = d->nslot ? d->nslot * 2 : 256;
    long *slot = malloc (ns * sizeof (*slot));
    if (!slot)
        return -1;
    for (size_t i = 0; i < ns; i++)
        slot[i] = -1;
    for (size_t k = 0; k < d->n; k++) {
        size_t h = hash (d->keys[k]) & (ns - 1);
        while (slot[h] >= 0)
            h = (h + 1) & (ns - 1);
        slot[h] = (long)k;
    }
    free (d->slot);
    d->slot = slot;
    d->nslot = ns;
    return 0;
}

/* The index of s in d, adding it if new; -1 when out of memory. */
static long dict_put (dict_t *d, const char *s)
{
    size_t h;
    s = s ? s : "";
    if ((d->n + 1) * 2 > d->nslot && dict_grow (d) < 0)
        return -1;
    for (h = hash (s) & (d->nslot - 1); d->slot[h] >= 0; h = (h + 1) & (d->nslot - 1))
        if (!strcmp (d->keys[d->slot[h]], s))
            return d->slot[h];
    if (d->n == d->cap) {
        size_t c = d->cap ? d->cap * 2 : 64;
        const char **k = realloc (d->keys, c * sizeof (*k));
        if (!k)
            return -1;
        d->keys = k;
        d->cap = c;
    }
    d->keys[d->n] = s;
    d->slot[h] = (long)d->n;
    return (long)d->n++;
}

static void dict_free (dict_t *d)
{
    free (d->keys);
    free (d->slot);
}

static void js_dict (FILE *f, const char *name, const dict_t *d)
{
    fprintf (f, "D.%s=[", name);
    for (size_t k = 0; k < d->n; k++) {
        if (k)
            fputc (',', f);
        js_str (f, d->keys[k]);
    }
    fputs ("];\n", f);
}

static int outcome_index (const char *o)
{
    for (size_t i = 0; o && i < NOUTCOMES; i++)
        if (!strcmp (o, outcome_name (i)))
            return (int)i;
    return 1;
}

/* The start of the timeline: the run's start, or its first attempt when
 * that is earlier (a resumed run keeps the older attempts). */
static double time_zero (const report_t *r)
{
    double t0 = r->started;
    for (size_t i = 0; i < r->nattempts; i++)
        if (r->attempts[i].start_time > 0 && (t0 <= 0 || r->attempts[i].start_time < t0))
            t0 = r->attempts[i].start_time;
    return t0;
}

/* A column of the attempts as one JS array. */
#define COLUMN(name, expr)                                         \
    do {                                                           \
        fputs ("D.A." name "=[", f);                               \
        for (size_t i = 0; i < r->nattempts; i++) {                \
            const report_attempt_t *a = &r->attempts[i];           \
            (void)a;                                               \
            if (i)                                                 \
                fputc (',', f);                                    \
            expr;                                                  \
        }                                                          \
        fputs ("];\n", f);                                         \
    } while (0)

static int print_attempts (FILE *f, const report_t *r, double t0, dict_t *rs, dict_t *cpus)
{
    long *ri = malloc ((r->nattempts ? r->nattempts : 1) * sizeof (*ri) * 2);
    if (!ri)
        return -1;
    for (size_t i = 0; i < r->nattempts; i++) {
        if ((ri[2 * i] = dict_put (rs, r->attempts[i].reason)) < 0
            || (ri[2 * i + 1] = dict_put (cpus, r->attempts[i].cpus)) < 0) {
            free (ri);
            return -1;
        }
    }
    fputs ("D.A={};\n", f);
    COLUMN ("t", fprintf (f, "%u", a->task));
    COLUMN ("n", fprintf (f, "%d", a->attempt));
    COLUMN ("w", fprintf (f, "%d", a->worker));
    COLUMN ("s", js_num (f, a->start_time > 0 ? a->start_time - t0 : -1));
    COLUMN ("e", js_num (f, a->end_time > 0 ? a->end_time - t0 : -1));
    COLUMN ("x", fprintf (f, "%d", a->exit_code));
    COLUMN ("g", fprintf (f, "%d", a->signal));
    COLUMN ("o", fprintf (f, "%d", outcome_index (a->outcome)));
    /* Reports from before /attempts had slots: the task's. */
    COLUMN ("k", fprintf (f, "%d", a->slots > 0 ? a->slots
                                   : a->task < r->ntasks && r->tasks[a->task].slots > 0
                                       ? r->tasks[a->task].slots : 1));
    COLUMN ("r", fprintf (f, "%ld", ri[2 * i]));
    COLUMN ("c", fprintf (f, "%ld", ri[2 * i + 1]));
    free (ri);
    return 0;
}

static int print_sweeps (FILE *f, const report_t *r)
{
    fputs ("D.SW=[", f);
    for (size_t s = 0; s < r->nsweeps; s++) {
        const report_sweep_t *sw = &r->sweeps[s];
        fprintf (f, "%s{name:", s ? ",\n" : "");
        js_str (f, sw->name);
        fputs (",rows:[", f);
        for (size_t k = 0; k < sw->ntasks; k++)
            fprintf (f, "%s%u", k ? "," : "", sw->rows[k]);
        fputs ("],p:[", f);
        for (int p = 0; p < sw->nparams; p++) {
            const char **vals;
            uint32_t *idx;
            int num = 0;
            long nv = report_value_index (sw, p, &vals, &idx, &num);
            if (nv < 0)
                return -1;
            fprintf (f, "%s{n:", p ? "," : "");
            js_str (f, sw->param_names[p]);
            fprintf (f, ",num:%d,v:[", num);
            for (long k = 0; k < nv; k++) {
                if (k)
                    fputc (',', f);
                js_str (f, vals[k]);
            }
            fputs ("],i:[", f);
            for (size_t k = 0; k < sw->ntasks; k++)
                fprintf (f, "%s%u", k ? "," : "", idx[k]);
            fputs ("]}", f);
            free (vals);
            free (idx);
        }
        fputs ("]}", f);
    }
    fputs ("];\n", f);
    return 0;
}

/* The data the page's script draws; times relative to t0.  The reasons
 * of the failure groups come first in D.RS, so group k is reason k. */
static int print_data (FILE *f, const report_t *r, const report_reason_t *g, long ng,
                       const report_html_opts_t *o)
{
    double t0 = time_zero (r), end = report_wall (r);
    dict_t rs = { 0 }, cpus = { 0 };
    int rc = -1;

    if (o && o->live && o->now > t0)
        end = o->now - t0;
    for (long k = 0; k < ng; k++)
        if (dict_put (&rs, g[k].reason) < 0)
            goto out;
    fputs ("var D={};\nD.T0=", f);
    js_num (f, t0);
    fputs (";D.END=", f);
    js_num (f, end);
    fprintf (f, ";D.LIVE=%d;D.SLOTS=%d;\nD.IDS=[", o && o->live ? 1 : 0, r->slots);
    for (size_t i = 0; i < r->ntasks; i++) {
        if (i)
            fputc (',', f);
        js_str (f, r->tasks[i].id);
    }
    fputs ("];\nD.TS=[", f);
    for (size_t i = 0; i < r->ntasks; i++)
        fprintf (f, "%s%d", i ? "," : "", mb_state_by_name (r->tasks[i].state));
    fputs ("];\nD.TW=[", f);
    for (size_t i = 0; i < r->ntasks; i++) {
        if (i)
            fputc (',', f);
        js_num (f, r->tasks[i].wall_seconds);
    }
    fputs ("];\nD.TR=[", f);
    for (size_t i = 0; i < r->ntasks; i++) {
        long k = -1;
        if (report_is_failure (&r->tasks[i])) {
            const char *why = r->tasks[i].reason;
            if ((k = dict_put (&rs, why && *why ? why : "(no reason recorded)")) < 0)
                goto out;
        }
        fprintf (f, "%s%ld", i ? "," : "", k);
    }
    fputs ("];\nD.W=[", f);
    for (size_t i = 0; i < r->nworkers; i++) {
        const report_worker_t *w = &r->workers_rows[i];
        fprintf (f, "%s[%d,%d,", i ? "," : "", w->rank, w->slots);
        js_str (f, w->node);
        fputc (']', f);
    }
    fputs ("];\nD.OC=[", f);
    for (size_t i = 0; i < NOUTCOMES; i++)
        fprintf (f, "%s\"%s\"", i ? "," : "", outcome_name (i));
    fputs ("];\n", f);
    if (print_attempts (f, r, t0, &rs, &cpus) < 0 || print_sweeps (f, r) < 0)
        goto out;
    js_dict (f, "RS", &rs);
    js_dict (f, "CPUS", &cpus);
    rc = 0;
out:
    dict_free (&rs);
    dict_free (&cpus);
    return rc;
}

static const char *plural (long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Failures grouped by reason, with a link per sweep that holds tasks
 * failed for it (the script marks those cells). */
static int print_reasons (FILE *f, const report_t *r, const report_reason_t *g, long ng)
{
    long shown = ng < REPORT_MAX_FAILURES ? ng : REPORT_MAX_FAILURES;
    unsigned char *in = NULL;
    int32_t *sweep_of = NULL;

    if (ng <= 0)
        return 0;
    if (r->nsweeps > 0) {
        if (!(in = calloc ((size_t)shown * r->nsweeps, 1))
            || !(sweep_of = malloc ((r->ntasks ? r->ntasks : 1) * sizeof (*sweep_of)))) {
            free (in);
            return -1;
        }
        for (size_t i = 0; i < r->ntasks; i++)
            sweep_of[i] = -1;
        for (size_t s = 0; s < r->nsweeps; s++)
            for (size_t k = 0; k < r->sweeps[s].ntasks; k++)
                if (r->sweeps[s].rows[k] < r->ntasks)
                    sweep_of[r->sweeps[s].rows[k]] = (int32_t)s;
        for (size_t i = 0; i < r->ntasks; i++) {
            const char *why = r->tasks[i].reason;
            if (!report_is_failure (&r->tasks[i]) || sweep_of[i] < 0)
                continue;
            why = why && *why ? why : "(no reason recorded)";
            for (long k = 0; k < shown; k++)
                if (!strcmp (g[k].reason, why))
                    in[(size_t)k * r->nsweeps + (size_t)sweep_of[i]] = 1;
        }
    }
    fputs ("<h2>Failures by reason</h2>\n<table id=\"reasons\"><tr><th>tasks</th>"
           "<th>reason</th><th>first task</th><th>where</th></tr>\n", f);
    for (long k = 0; k < shown; k++) {
        fprintf (f, "<tr><td>%zu</td><td>", g[k].count);
        html (f, g[k].reason);
        fputs ("</td><td>", f);
        html (f, r->tasks[g[k].first].id);
        fputs ("</td><td>", f);
        for (size_t s = 0; in && s < r->nsweeps; s++) {
            if (!in[(size_t)k * r->nsweeps + s])
                continue;
            fprintf (f, "<a href=\"#sw-%zu\" class=\"rl\" data-r=\"%ld\" data-s=\"%zu\">", s, k,
                     s);
            html (f, r->sweeps[s].name);
            fputs ("</a> ", f);
        }
        fputs ("</td></tr>\n", f);
    }
    fputs ("</table>\n", f);
    if (ng > shown)
        fprintf (f, "<p>... and %ld more reasons.</p>\n", ng - shown);
    free (in);
    free (sweep_of);
    return 0;
}

static void print_failures (FILE *f, const report_t *r)
{
    size_t nfail = 0, shown = 0;
    for (size_t i = 0; i < r->ntasks; i++)
        nfail += report_is_failure (&r->tasks[i]);
    if (nfail == 0)
        return;
    fputs ("<h2>Failed and skipped tasks</h2>\n<table id=\"failures\"><tr><th>task</th>"
           "<th>state</th><th>attempts</th><th>exit</th><th>reason</th></tr>\n", f);
    for (size_t i = 0; i < r->ntasks && shown < REPORT_MAX_FAILURES; i++) {
        const report_task_t *t = &r->tasks[i];
        if (!report_is_failure (t))
            continue;
        fputs ("<tr><td>", f);
        html (f, t->id);
        fputs ("</td><td>", f);
        html (f, t->state);
        fprintf (f, "</td><td>%d</td><td>%d</td><td>", t->attempts, t->exit_code);
        html (f, t->reason);
        fputs ("</td></tr>\n", f);
        shown++;
    }
    fputs ("</table>\n", f);
    if (nfail > shown)
        fprintf (f, "<p>... and %zu more.</p>\n", nfail - shown);
}

/* The attempts without an end: running now (live), or still running
 * when the journal of a dead run stops.  now: the end of "so far". */
static void print_running (FILE *f, const report_t *r, int live, double now)
{
    size_t n = 0, shown = 0;
    for (size_t k = 0; k < r->nattempts; k++)
        n += r->attempts[k].outcome && !strcmp (r->attempts[k].outcome, "running");
    if (n == 0)
        return;
    if (!(now > 0))
        now = r->as_of;
    fprintf (f, "<h2>%s</h2>\n<table id=\"running\"><tr><th>task</th><th>attempt</th>"
                "<th>worker</th><th>node</th><th>slots</th><th>since</th><th>seconds</th>"
                "</tr>\n", live ? "Running tasks" : "Still running when the journal stops");
    for (size_t k = 0; k < r->nattempts && shown < REPORT_MAX_FAILURES; k++) {
        const report_attempt_t *a = &r->attempts[k];
        char since[32];
        if (!a->outcome || strcmp (a->outcome, "running"))
            continue;
        report_iso8601 (a->start_time, since, sizeof (since));
        fputs ("<tr><td>", f);
        html (f, a->task < r->ntasks ? r->tasks[a->task].id : "?");
        fprintf (f, "</td><td>%d</td><td>%d</td><td>", a->attempt, a->worker);
        html (f, a->node);
        fprintf (f, "</td><td>%d</td><td>%s</td><td>", a->slots, since);
        if (a->start_time > 0 && now >= a->start_time)
            fprintf (f, "%.1f", now - a->start_time);
        else
            fputs ("-", f);
        fputs ("</td></tr>\n", f);
        shown++;
    }
    fputs ("</table>\n", f);
    if (n > shown)
        fprintf (f, "<p>... and %zu more.</p>\n", n - shown);
}

static void print_tables (FILE *f, const report_t *r, int live)
{
    size_t idx[REPORT_MAX_SLOWEST], ns = report_slowest (r, idx);
    if (r->nworkers > 0) {
        fputs ("<h2>Workers</h2>\n<table id=\"workers\"><tr><th>rank</th><th>node</th>"
               "<th>slots</th><th>cpus</th><th>tasks run</th><th>busy seconds</th>"
               "<th>utilisation</th></tr>\n", f);
        for (size_t i = 0; i < r->nworkers; i++) {
            const report_worker_t *w = &r->workers_rows[i];
            fprintf (f, "<tr><td>%d</td><td>", w->rank);
            html (f, w->node);
            fprintf (f, "</td><td>%d</td><td>", w->slots);
            html (f, w->cpus);
            fprintf (f, "</td><td>%d</td><td>%.1f</td><td>%.1f%%</td></tr>\n", w->tasks_run,
                     w->busy_seconds, 100.0 * report_utilisation (r, w));
        }
        fputs ("</table>\n", f);
    }
    if (ns > 0) {
        fprintf (f, "<h2>Slowest tasks%s</h2>\n<table id=\"slowest\"><tr><th>task</th>"
                    "<th>wall seconds</th><th>worker</th><th>node</th></tr>\n",
                 live ? " that ended" : "");
        for (size_t k = 0; k < ns; k++) {
            const report_task_t *t = &r->tasks[idx[k]];
            fputs ("<tr><td>", f);
            html (f, t->id);
            fprintf (f, "</td><td>%.3f</td><td>%d</td><td>", t->wall_seconds, t->worker);
            html (f, t->node);
            fputs ("</td></tr>\n", f);
        }
        fputs ("</table>\n", f);
    }
}

int report_print_html_opts (FILE *f, const report_t *r, const report_html_opts_t *o)
{
    char started[32], finished[32], now[32];
    report_reason_t *g = NULL;
    long ng = report_reasons (r, &g);
    int live = o && o->live;

    if (ng < 0)
        return -1;
    report_iso8601 (r->started, started, sizeof (started));
    report_iso8601 (r->finished, finished, sizeof (finished));
    report_iso8601 (o ? o->now : 0, now, sizeof (now));
    fputs ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">", f);
    if (o && o->refresh > 0)
        fprintf (f, "<meta http-equiv=\"refresh\" content=\"%d\">", o->refresh);
    fputs ("<title>mpibatch report: ", f);
    html (f, r->job_id);
    if (live)
        fputs (" (running)", f);
    fprintf (f, "</title>\n<style>%s</style></head><body>\n<h1>", report_html_style);
    html (f, r->job_id);
    fputs (": ", f);
    html (f, live ? "running" : r->status);
    fputs ("</h1>\n", f);
    if (live) {
        fprintf (f, "<p id=\"live\" class=\"live\">Live: the run has not ended; %zu %s "
                    "running, drawn in blue up to now.", r->counts[2],
                 plural ((long)r->counts[2], "task", "tasks"));
        if (o->refresh > 0)
            fprintf (f, " This page reloads itself every %d s.", o->refresh);
        fputs ("</p>\n", f);
    }
    if (live)
        fprintf (f, "<p>Started %s, running for %.1f s so far (as of %s)", started,
                 o->now > r->started ? o->now - r->started : report_wall (r), now);
    else if (r->finished <= 0 && r->as_of > 0) {
        report_iso8601 (r->as_of, finished, sizeof (finished));
        fprintf (f, "<p id=\"dead\">Started %s; the run ended without its end record: its "
                    "journal stops at %s, %.1f s in", started, finished, report_wall (r));
    }
    else
        fprintf (f, "<p>Started %s, finished %s, wall time %.1f s", started, finished,
                 report_wall (r));
    fprintf (f, "; %d %s on %d %s, %d %s; mpibatch ", r->workers,
             plural (r->workers, "worker", "workers"), r->nodes,
             plural (r->nodes, "node", "nodes"), r->slots, plural (r->slots, "slot", "slots"));
    html (f, r->version);
    fprintf (f, ".</p>\n<table id=\"counts\"><tr><th>tasks</th>");
    for (int i = 0; i < MB_NSTATES; i++)
        fprintf (f, "<th>%s</th>", mb_state_name (i));
    fprintf (f, "<th>attempts</th></tr>\n<tr><td>%zu</td>", r->ntasks);
    for (int i = 0; i < MB_NSTATES; i++)
        fprintf (f, "<td>%zu</td>", r->counts[i]);
    fprintf (f, "<td>%zu</td></tr></table>\n", r->nattempts);

    fputs ("<h2>Timeline</h2>\n<div class=\"k\">"
           "<span style=\"background:#3a9a4a\"></span>succeeded"
           "<span style=\"background:#d03c3c\"></span>failed"
           "<span style=\"background:#e08a1e\"></span>timed out"
           "<span style=\"background:#8a8a8a\"></span>interrupted"
           "<span style=\"background:#9b4fc0\"></span>input error"
           "<span style=\"background:#c04f9b\"></span>output error"
           "<span style=\"background:#3b6fd8\"></span>running</div>\n"
           "<p class=\"help\">Busy slots over all slots above; below, one lane per slot, "
           "grouped by node and worker; a task holding several slots fills one lane per "
           "slot. Wheel or +/&minus; to zoom, drag or arrow keys to pan, double-click or "
           "0 to reset; hover a bar, or focus the timeline and use Tab-then-arrows, for "
           "the attempt. <button id=\"zin\">+</button><button id=\"zout\">&minus;</button>"
           "<button id=\"zreset\">reset</button> <span id=\"view\"></span></p>\n"
           "<div class=\"tlw\"><canvas id=\"ut\"></canvas><canvas id=\"tl\" tabindex=\"0\">"
           "</canvas></div><div id=\"tip\"></div>\n", f);
    if (r->nsweeps > 0) {
        fputs ("<h2>Parameter space</h2>\n", f);
        for (size_t s = 0; s < r->nsweeps; s++) {
            fprintf (f, "<div class=\"sweep\" id=\"sw-%zu\"><h3>sweep ", s);
            html (f, r->sweeps[s].name);
            fprintf (f, " (%zu %s)</h3></div>\n", r->sweeps[s].ntasks,
                     plural ((long)r->sweeps[s].ntasks, "task", "tasks"));
        }
    }
    print_running (f, r, live, o ? o->now : 0);
    if (print_reasons (f, r, g, ng) < 0)
        goto error;
    print_failures (f, r);
    print_tables (f, r, live);
    fputs ("<script>\n", f);
    if (print_data (f, r, g, ng, o) < 0)
        goto error;
    fputs (report_html_script, f);
    fputs ("</script>\n</body></html>\n", f);
    free (g);
    if (ferror (f)) {
        errno = EIO;
        return -1;
    }
    return 0;
error:
    free (g);
    errno = ENOMEM;
    return -1;
}

int report_print_html (FILE *f, const report_t *r)
{
    return report_print_html_opts (f, r, NULL);
}
