/* jobfile_rules.c: exit_conditions as data: which rule matches an attempt's end, their names and text (no libconfig). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "io/jobfile.h"

/* Indexed by EXIT_ON_*, EXIT_* and EXIT_JOB_*; "codes" is not a word of on. */
const char *const jobfile_exit_on_names[] = {
    "codes", "input_error", "output_error", "timeout", "signal", "default", NULL
};
const char *const jobfile_exit_action_names[] = { "retry", "fail", "succeed", "requeue", NULL };
const char *const jobfile_exit_job_names[] = { "none", "stop", "terminate", NULL };
static const char *const deps_names[] = { "block", "satisfy", NULL };

#define on_names jobfile_exit_on_names
#define action_names jobfile_exit_action_names
#define job_names jobfile_exit_job_names

const char *jobfile_exit_action_name (int a)
{
    return a >= 0 && a <= EXIT_REQUEUE ? action_names[a] : "?";
}

const char *jobfile_exit_on_name (int on)
{
    return on >= 0 && on <= EXIT_ON_DEFAULT ? on_names[on] : "?";
}

const char *jobfile_exit_job_name (int job)
{
    return job >= 0 && job <= EXIT_JOB_TERMINATE ? job_names[job] : "?";
}

void jobfile_exit_succeed_map (jobfile_exit_t *e)
{
    memset (e->succeed, 0, sizeof (e->succeed));
    e->any_succeed = 0;
    for (int c = 0; c < 258; c++) {
        int on = c < 256 ? EXIT_ON_CODES : c == 256 ? EXIT_ON_SIGNAL : EXIT_ON_TIMEOUT;
        int k = c == 0 ? -1 : jobfile_exit_match (e, on, c);
        if (k >= 0 && e->rules[k].action == EXIT_SUCCEED) {
            e->succeed[c / 8] |= (uint8_t)(1u << (c % 8));
            e->any_succeed = 1;
        }
    }
}

const char *jobfile_exit_rule_text (const jobfile_exit_t *e, int k, char *buf, size_t len)
{
    if (!len)
        return buf;
    buf[0] = '\0';
    if (!e || k < 0 || k >= e->n)
        return buf;
    const jobfile_exit_rule_t *r = &e->rules[k];
    char what[200] = "";
    size_t w = 0;
    if (r->on != EXIT_ON_CODES)
        snprintf (what, sizeof (what), "on %s", on_names[r->on]);
    else {
        int one = r->nranges == 1 && r->ranges[0][0] == r->ranges[0][1];
        w = (size_t)snprintf (what, sizeof (what), "%s", one ? "code " : "codes ");
        for (int q = 0; q < r->nranges && w < sizeof (what) - 8; q++) {
            int lo = r->ranges[q][0], hi = r->ranges[q][1];
            w += (size_t)snprintf (what + w, sizeof (what) - w, lo == hi ? "%s%d" : "%s%d-%d",
                                   q ? "," : "", lo, hi);
        }
    }
    const char *file = e->file ? strrchr (e->file, '/') : NULL;
    file = file ? file + 1 : e->file ? e->file : "";
    snprintf (buf, len, "%s:%d: %s: %s%s%s%s%s", file, r->line, what, action_names[r->action],
              r->dependents >= 0 ? ", dependents " : "",
              r->dependents >= 0 ? deps_names[r->dependents] : "",
              r->job ? ", job " : "", r->job ? job_names[r->job] : "");
    return buf;
}
