/* jobfile_exit.c: read and check exit_conditions lists (spec/jobfile.md), and name their rules. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/jobfile_int.h"

static const char *const rule_keys[] = {
    "codes", "from", "to", "on", "action", "dependents", "job", NULL
};
static const char *const deps_names[] = { "block", "satisfy", NULL };

void jf_exit_free (jobfile_exit_t *e)
{
    if (!e)
        return;
    for (int k = 0; k < e->n; k++)
        free (e->rules[k].ranges);
    free (e->rules);
    e->rules = NULL;
    e->n = 0;
}

/* An exit code in 0..255 from setting s; -1 after reporting. */
static int get_code (jobfile_t *jf, const config_setting_t *s, const char *what)
{
    int t = config_setting_type (s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        jf_err (jf, s, "%s must be an exit code, an integer 0-255", what);
        return -1;
    }
    long long v = config_setting_get_int64 (s);
    if (v < 0 || v > 255) {
        jf_err (jf, s, "exit code %lld (%s) is outside 0-255", v, what);
        return -1;
    }
    return (int)v;
}

static int add_range (jobfile_exit_rule_t *r, int lo, int hi)
{
    uint8_t (*p)[2] = realloc (r->ranges, (r->nranges + 1) * sizeof (*p));
    if (!p)
        return -1;
    r->ranges = p;
    p[r->nranges][0] = (uint8_t)lo;
    p[r->nranges][1] = (uint8_t)hi;
    r->nranges++;
    return 0;
}

/* What rule g matches: codes, from/to or on.  0, or -1 after reporting. */
static int parse_match (jobfile_t *jf, const config_setting_t *g, jobfile_exit_rule_t *r)
{
    config_setting_t *codes = config_setting_get_member (g, "codes");
    config_setting_t *from = config_setting_get_member (g, "from");
    config_setting_t *to = config_setting_get_member (g, "to");
    config_setting_t *on = config_setting_get_member (g, "on");
    int kinds = !!codes + !!(from || to) + !!on;

    if (kinds == 0)
        return jf_err (jf, g, "an exit condition needs one of codes, from/to or on");
    if (kinds > 1)
        return jf_err (jf, g, "an exit condition takes only one of codes, from/to or on "
                       "(got %s%s%s)", codes ? "codes" : "",
                       codes && (from || to) ? " and from/to" : from || to ? "from/to" : "",
                       on ? " and on" : "");
    if (on) {
        int v = -1;
        if (jf_get_enum (jf, g, "on", jobfile_exit_on_names + 1, &v) < 0)
            return -1;
        r->on = v + 1;
        return 0;
    }
    r->on = EXIT_ON_CODES;
    if (from || to) {
        if (!from || !to)
            return jf_err (jf, g, "an exit code range needs both from and to");
        int lo = get_code (jf, from, "from"), hi = get_code (jf, to, "to");
        if (lo < 0 || hi < 0)
            return -1;
        if (lo > hi)
            return jf_err (jf, from, "from (%d) is greater than to (%d)", lo, hi);
        return add_range (r, lo, hi);
    }
    if (!config_setting_is_aggregate (codes)) {
        int c = get_code (jf, codes, "codes");
        return c < 0 ? -1 : add_range (r, c, c);
    }
    int n = config_setting_length (codes);
    if (n == 0)
        return jf_err (jf, codes, "codes is empty: list the exit codes the rule matches");
    int bad = 0;
    for (int k = 0; k < n; k++) {
        int c = get_code (jf, config_setting_get_elem (codes, k), "each entry of codes");
        if (c < 0)
            bad = 1;
        else if (add_range (r, c, c) < 0)
            return -1;
    }
    return bad ? -1 : 0;
}

int jf_parse_exit (jobfile_t *jf, const config_setting_t *s, jobfile_exit_t *out)
{
    memset (out, 0, sizeof (*out));
    out->file = jf_file (jf, s);
    if (!config_setting_is_list (s) && !config_setting_is_array (s))
        return jf_err (jf, s, "exit_conditions must be a list of groups "
                       "( { codes = [ ... ]; action = ...; }, ... )");
    int n = config_setting_length (s);
    int bad = 0;
    if (n > 0 && !(out->rules = calloc ((size_t)n, sizeof (*out->rules))))
        return -1;
    /* Which rule (line) already matches each code and each on word:
     * rules never overlap, so their order only matters to the reader. */
    int code_line[256] = { 0 };
    int on_line[EXIT_ON_DEFAULT + 1] = { 0 };
    for (int k = 0; k < n && !jf_full (jf); k++) {
        config_setting_t *g = config_setting_get_elem (s, k);
        if (!config_setting_is_group (g)) {
            jf_err (jf, g, "each exit condition must be a group { codes = [ ... ]; action = ...; }");
            bad = 1;
            continue;
        }
        jobfile_exit_rule_t *r = &out->rules[out->n++];
        r->line = jf_line (g);
        r->dependents = -1;
        jf_check_keys (jf, g, rule_keys);
        int rcs[] = {
            parse_match (jf, g, r),
            jf_get_enum (jf, g, "action", jobfile_exit_action_names, &r->action),
            jf_get_enum (jf, g, "dependents", deps_names, &r->dependents),
            jf_get_enum (jf, g, "job", jobfile_exit_job_names, &r->job),
        };
        for (size_t i = 0; i < sizeof (rcs) / sizeof (rcs[0]); i++)
            if (rcs[i] < 0)
                bad = 1;
        if (rcs[0] < 0)
            continue;
        if (r->on != EXIT_ON_CODES) {
            if (on_line[r->on]) {
                jf_err (jf, g, "on = \"%s\" is already matched by the rule at line %d",
                        jobfile_exit_on_names[r->on], on_line[r->on]);
                bad = 1;
            }
            else
                on_line[r->on] = r->line;
            continue;
        }
        uint8_t mine[256] = { 0 };
        int said = 0;
        for (int q = 0; q < r->nranges; q++) {
            for (int c = r->ranges[q][0]; c <= r->ranges[q][1]; c++) {
                if (!said && code_line[c])
                    said = jf_err (jf, g, "exit code %d is already matched by the rule at "
                                   "line %d", c, code_line[c]);
                else if (!said && mine[c])
                    said = jf_err (jf, g, "exit code %d is listed twice", c);
                mine[c] = 1;
            }
        }
        if (said)
            bad = 1;
        for (int c = 0; c < 256; c++)
            if (mine[c] && !code_line[c])
                code_line[c] = r->line;
    }
    jobfile_exit_succeed_map (out);
    return bad ? -1 : 0;
}

