/* report_html.c: prints a report as one self-contained HTML page with a
 * canvas timeline of the attempts (mpibatch report --format html). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/names.h"
#include "io/report.h"
#include "io/report_int.h"

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

static void js_str (FILE *f, const char *s)
{
    json_put_string_html (f, s ? s : "");
}

static void js_num (FILE *f, double v)
{
    if (isfinite (v))
        fprintf (f, "%.3f", v);
    else
        fputs ("0", f);
}

/* The data the timeline script draws: times relative to the start. */
static void print_data (FILE *f, const report_t *r)
{
    double t0 = r->started;
    for (size_t i = 0; i < r->nattempts; i++)
        if (r->attempts[i].start_time > 0
            && (t0 <= 0 || r->attempts[i].start_time < t0))
            t0 = r->attempts[i].start_time;
    fputs ("var T0=", f);
    js_num (f, t0);
    fputs (",WALL=", f);
    js_num (f, report_wall (r));
    fputs (";\nvar IDS=[", f);
    for (size_t i = 0; i < r->ntasks; i++) {
        if (i)
            fputc (',', f);
        js_str (f, r->tasks[i].id);
    }
    fputs ("];\nvar WORKERS=[", f);
    for (size_t i = 0; i < r->nworkers; i++) {
        const report_worker_t *w = &r->workers_rows[i];
        fprintf (f, "%s[%d,%d,", i ? "," : "", w->rank, w->slots);
        js_str (f, w->node);
        fputc (']', f);
    }
    /* [task row, attempt, worker, start, end, exit, signal, outcome] */
    fputs ("];\nvar ATT=[", f);
    for (size_t i = 0; i < r->nattempts; i++) {
        const report_attempt_t *a = &r->attempts[i];
        fprintf (f, "%s\n[%u,%d,%d,", i ? "," : "", a->task, a->attempt, a->worker);
        js_num (f, a->start_time > 0 ? a->start_time - t0 : -1);
        fputc (',', f);
        js_num (f, a->end_time > 0 ? a->end_time - t0 : -1);
        fprintf (f, ",%d,%d,", a->exit_code, a->signal);
        js_str (f, a->outcome);
        fputc (']', f);
    }
    fputs ("];\n", f);
}

/* Lanes: each worker gets one lane per slot (more if attempts overlap
 * beyond its slots); an attempt takes the first lane free at its start. */
static const char script[] =
    "var COL={succeeded:'#3a9a4a',failed:'#d03c3c',timed_out:'#e08a1e',"
    "interrupted:'#8a8a8a',input_error:'#9b4fc0',output_error:'#c04f9b'};\n"
    "(function(){\n"
    "var c=document.getElementById('tl'),tip=document.getElementById('tip');\n"
    "var lanes=[],bars=[],end=WALL;\n"
    "var byw={};ATT.forEach(function(a){if(a[3]<0)return;"
    "(byw[a[2]]=byw[a[2]]||[]).push(a);if(a[4]>end)end=a[4];});\n"
    "var ws=WORKERS.map(function(w){return w[0];});\n"
    "Object.keys(byw).forEach(function(k){if(ws.indexOf(+k)<0)ws.push(+k);});\n"
    "ws.forEach(function(rank){var w=WORKERS.filter(function(x){return x[0]==rank;})[0];\n"
    " var n=w?Math.max(w[1],1):1,first=lanes.length,free=[];\n"
    " for(var i=0;i<n;i++){lanes.push((w?w[2]+' ':'')+'rank '+rank+' slot '+i);free.push(-1);}\n"
    " (byw[rank]||[]).sort(function(a,b){return a[3]-b[3];}).forEach(function(a){\n"
    "  var e=a[4]<0?end:a[4],l=free.findIndex(function(t){return t<=a[3];});\n"
    "  if(l<0){l=free.length;free.push(-1);lanes.splice(first+l,0,'rank '+rank+' extra');"
    "bars.forEach(function(b){if(b.lane>=first+l)b.lane++;});}\n"
    "  free[l]=e;bars.push({lane:first+l,a:a,s:a[3],e:e});});});\n"
    "var LH=14,LW=150,W=Math.max(600,c.parentNode.clientWidth-20);\n"
    "c.width=W;c.height=Math.max(1,lanes.length)*LH+20;\n"
    "var g=c.getContext('2d'),sc=(W-LW-10)/Math.max(end,1e-9);\n"
    "g.font='10px sans-serif';g.fillStyle='#333';\n"
    "lanes.forEach(function(n,i){g.fillText(n,2,i*LH+11);});\n"
    "bars.forEach(function(b){g.fillStyle=COL[b.a[7]]||'#4a6fd0';\n"
    " g.fillRect(LW+b.s*sc,b.lane*LH+2,Math.max(1,(b.e-b.s)*sc),LH-3);});\n"
    "c.setAttribute('data-bars',bars.length);\n"
    "g.fillStyle='#333';for(var k=0;k<=5;k++){var t=end*k/5;"
    "g.fillText(t.toFixed(0)+' s',LW+t*sc-(k==5?30:0),lanes.length*LH+14);}\n"
    "c.onmousemove=function(ev){var r=c.getBoundingClientRect(),x=ev.clientX-r.left,"
    "y=ev.clientY-r.top,lane=Math.floor(y/LH),t=(x-LW)/sc,hit=null;\n"
    " bars.forEach(function(b){if(b.lane==lane&&t>=b.s&&t<=b.e)hit=b;});\n"
    " if(!hit){tip.style.display='none';return;}var a=hit.a;\n"
    " tip.textContent=IDS[a[0]]+' attempt '+a[1]+': '+a[7]+', '+a[3].toFixed(1)+"
    "' s to '+(a[4]<0?'?':a[4].toFixed(1)+' s')+' ('+(hit.e-hit.s).toFixed(1)+' s), exit '+a[5]"
    "+(a[6]?' signal '+a[6]:'');\n"
    " tip.style.display='block';tip.style.left=(ev.pageX+12)+'px';tip.style.top=(ev.pageY+12)+'px';};\n"
    "c.onmouseleave=function(){tip.style.display='none';};\n"
    "})();\n";

int report_print_html (FILE *f, const report_t *r)
{
    char started[32], finished[32];
    size_t idx[REPORT_MAX_SLOWEST], ns = report_slowest (r, idx), shown = 0;

    report_iso8601 (r->started, started, sizeof (started));
    report_iso8601 (r->finished, finished, sizeof (finished));
    fputs ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mpibatch report: ", f);
    html (f, r->job_id);
    fputs ("</title>\n<style>body{font-family:sans-serif;margin:1em;color:#222}"
           "table{border-collapse:collapse;margin:.5em 0}"
           "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
           "th{background:#eee}#tip{position:absolute;display:none;background:#ffe;"
           "border:1px solid #999;padding:3px;font-size:12px}"
           ".k span{display:inline-block;width:10px;height:10px;margin:0 3px 0 10px}"
           "</style></head><body>\n<h1>", f);
    html (f, r->job_id);
    fputs (": ", f);
    html (f, r->status);
    fprintf (f, "</h1>\n<p>Started %s, finished %s, wall time %.1f s; %d workers on %d nodes, "
                "%d slots; mpibatch ", started, finished, report_wall (r), r->workers,
             r->nodes, r->slots);
    html (f, r->version);
    fprintf (f, ".</p>\n<table><tr><th>tasks</th>");
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
           "<span style=\"background:#c04f9b\"></span>output error</div>\n"
           "<div><canvas id=\"tl\"></canvas></div><div id=\"tip\"></div>\n", f);

    fputs ("<h2>Workers</h2>\n<table><tr><th>rank</th><th>node</th><th>slots</th>"
           "<th>cpus</th><th>tasks run</th><th>busy seconds</th><th>utilisation</th></tr>\n", f);
    for (size_t i = 0; i < r->nworkers; i++) {
        const report_worker_t *w = &r->workers_rows[i];
        fprintf (f, "<tr><td>%d</td><td>", w->rank);
        html (f, w->node);
        fprintf (f, "</td><td>%d</td><td>", w->slots);
        html (f, w->cpus);
        fprintf (f, "</td><td>%d</td><td>%.1f</td><td>%.1f%%</td></tr>\n", w->tasks_run,
                 w->busy_seconds, 100.0 * report_utilisation (r, w));
    }
    fputs ("</table>\n<h2>Failures</h2>\n<table><tr><th>task</th><th>state</th>"
           "<th>attempts</th><th>exit</th><th>reason</th></tr>\n", f);
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
    fputs ("</table>\n<h2>Slowest tasks</h2>\n<table><tr><th>task</th>"
           "<th>wall seconds</th><th>worker</th><th>node</th></tr>\n", f);
    for (size_t k = 0; k < ns; k++) {
        const report_task_t *t = &r->tasks[idx[k]];
        fputs ("<tr><td>", f);
        html (f, t->id);
        fprintf (f, "</td><td>%.3f</td><td>%d</td><td>", t->wall_seconds, t->worker);
        html (f, t->node);
        fputs ("</td></tr>\n", f);
    }
    fputs ("</table>\n<script>\n", f);
    print_data (f, r);
    fputs (script, f);
    fputs ("</script>\n</body></html>\n", f);
    if (ferror (f)) {
        errno = EIO;
        return -1;
    }
    return 0;
}
