/* service_out.c: what the service prints on stderr: the start line,
 * progress (a redrawn bar on a terminal, plain lines for a Slurm log), and
 * the closing summary. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "runtime/service/service_int.h"

static void fmt_duration (double s, char *buf, size_t len)
{
    if (s < 0)
        s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf (buf, len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else
        snprintf (buf, len, "%ld:%02ld", t / 60, t % 60);
}

void svc_print_start (service_t *svc)
{
    if (svc->opts->verbose < 0)
        return;
    if (svc->pool_mode)
        fprintf (stderr, "mpibatch: pool %s: %d worker%s, %d slot%s, %d node%s, directory %s\n",
                 svc->opts->pool_id, svc->nworkers, svc->nworkers == 1 ? "" : "s",
                 svc->total_slots, svc->total_slots == 1 ? "" : "s", svc->nnodes,
                 svc->nnodes == 1 ? "" : "s", svc->pool_dir);
    else
        fprintf (stderr, "mpibatch: job %s: %zu tasks, %d worker%s, %d slot%s, %d node%s, "
                         "state %s\n",
                 svc->jobs[0]->job->id, svc->ntasks, svc->nworkers,
                 svc->nworkers == 1 ? "" : "s", svc->total_slots,
                 svc->total_slots == 1 ? "" : "s", svc->nnodes, svc->nnodes == 1 ? "" : "s",
                 svc->jobs[0]->job->state);
    if (svc->resumed_done)
        fprintf (stderr, "mpibatch: resuming: %zu tasks already ended in earlier runs\n",
                 svc->resumed_done);
}

static int mode (service_t *svc)
{
    int m = svc->opts->progress;
    if (m == PROGRESS_AUTO)
        m = svc->tty ? PROGRESS_BAR : PROGRESS_LINES;
    return m;
}

/* A message printed while the progress bar is on its line starts with a
 * newline, so it does not land in the middle of the bar. */
const char *svc_bar_nl (service_t *svc)
{
    return svc->opts->verbose >= 0 && mode (svc) == PROGRESS_BAR && svc->last_progress > svc->started
               ? "\n" : "";
}

void svc_progress (service_t *svc, double now, int force)
{
    int m = mode (svc);
    if (svc->opts->verbose < 0 || m == PROGRESS_NONE || !svc->s)
        return;
    double interval = m == PROGRESS_BAR ? 0.5 : svc->opts->progress_interval;
    if (!force && now - svc->last_progress < interval)
        return;
    if (force && m == PROGRESS_LINES)
        return;   /* the summary follows */
    svc->last_progress = now;
    size_t c[6];
    sched_counts (svc->s, c);
    size_t done = c[SCHED_SUCCEEDED] + c[SCHED_FAILED] + c[SCHED_SKIPPED];
    size_t fresh = done > svc->resumed_done ? done - svc->resumed_done : 0;
    double el = now - svc->started;
    double rate = el > 0 ? (double)fresh / el : 0;
    size_t left = svc->ntasks - done;
    char eta[32] = "?", elapsed[32];
    if (rate > 0)
        fmt_duration ((double)left / rate, eta, sizeof (eta));
    fmt_duration (el, elapsed, sizeof (elapsed));
    if (m == PROGRESS_BAR) {
        int width = 24;
        int fill = svc->ntasks ? (int)((double)done * width / (double)svc->ntasks) : width;
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf (stderr, "\r[%s] %zu/%zu done, %zu running, %zu failed, %.1f tasks/s, ETA %s  ",
                 bar, done, svc->ntasks, c[SCHED_RUNNING], c[SCHED_FAILED], rate, eta);
        if (force)
            fputc ('\n', stderr);
    }
    else
        fprintf (stderr, "mpibatch: %s %zu/%zu done, %zu running, %zu failed, %zu skipped, "
                         "%.1f tasks/s, ETA %s\n",
                 elapsed, done, svc->ntasks, c[SCHED_RUNNING], c[SCHED_FAILED],
                 c[SCHED_SKIPPED], rate, eta);
    fflush (stderr);
}

void svc_print_summary (service_t *svc, svc_job_t *J)
{
    size_t c[6];
    if (svc->pool_mode)
        sched_job_counts (svc->s, J->sj, c);
    else
        sched_counts (svc->s, c);
    double t0 = J->submitted ? J->submitted : svc->started;
    double t1 = J->finished ? J->finished : svc->finished;
    char wall[32];
    fmt_duration (t1 - t0, wall, sizeof (wall));
    const char *how = J->status == 0 ? "succeeded" : J->status == 1 ? "finished with failures"
                      : J->status == 4 ? "interrupted" : "stopped";
    /* The summary is printed even with -q when something went wrong. */
    if (svc->opts->verbose < 0 && J->status == 0)
        return;
    /* Cancelled tasks are failures to the scheduler; said apart here. */
    size_t ncancel = 0;
    for (size_t l = 0; svc->cancelled && l < J->ntasks; l++) {
        uint32_t g = svc_job_global (J, l);
        ncancel += svc->cancelled[g] && sched_state (svc->s, g) == SCHED_FAILED;
    }
    char cancelled[48] = "";
    if (ncancel)
        snprintf (cancelled, sizeof (cancelled), ", %zu cancelled", ncancel);
    if (J->cancelled && J->status == 1)
        how = "cancelled";
    fprintf (stderr, "%smpibatch: job %s %s: %zu succeeded, %zu failed, %zu skipped%s, %zu not "
                     "run; wall %s (%.1f s)\n", svc->pool_mode ? svc_bar_nl (svc) : "",
             J->job->id, how, c[SCHED_SUCCEEDED], c[SCHED_FAILED] - ncancel, c[SCHED_SKIPPED],
             cancelled, c[SCHED_PENDING] + c[SCHED_READY] + c[SCHED_RUNNING], wall, t1 - t0);
    if (J->terminated)
        fprintf (stderr, "mpibatch: the job was terminated by %s\n",
                 J->terminated_by ? J->terminated_by : "an exit condition");
    if (J->status == 4 && !svc->pool_mode)
        fprintf (stderr, "mpibatch: %s; continue with: mpibatch run --resume %s\n",
                 svc->drain_reason ? svc->drain_reason : "interrupted", svc->opts->jobfile);
    fprintf (stderr, "mpibatch: report %s/report.h5, journal %s/journal\n", J->job->state,
             J->job->state);
}
