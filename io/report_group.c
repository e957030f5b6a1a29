/* report_group.c: what the text and HTML reports both summarise: failures
 * grouped by reason, and each sweep's task states per parameter value. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "io/report.h"
#include "io/report_int.h"

/* qsort has no context argument: the report being sorted. */
static const report_t *sort_r;
static const char *const *sort_v;

static const char *reason_of (size_t row)
{
    const char *s = sort_r->tasks[row].reason;
    return s && *s ? s : "(no reason recorded)";
}

static int by_reason (const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp (reason_of (x), reason_of (y));
    return c ? c : (x < y ? -1 : x > y);
}

static int by_count (const void *a, const void *b)
{
    const report_reason_t *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->first < y->first ? -1 : x->first > y->first;
}

long report_reasons (const report_t *r, report_reason_t **out)
{
    size_t n = 0, ng = 0, *rows;
    report_reason_t *g;

    *out = NULL;
    for (size_t i = 0; i < r->ntasks; i++)
        n += report_is_failure (&r->tasks[i]);
    if (!(rows = malloc ((n ? n : 1) * sizeof (*rows)))
        || !(g = calloc (n ? n : 1, sizeof (*g)))) {
        free (rows);
        errno = ENOMEM;
        return -1;
    }
    n = 0;
    for (size_t i = 0; i < r->ntasks; i++)
        if (report_is_failure (&r->tasks[i]))
            rows[n++] = i;
    sort_r = r;
    qsort (rows, n, sizeof (*rows), by_reason);
    for (size_t k = 0; k < n; k++) {
        if (ng == 0 || strcmp (g[ng - 1].reason, reason_of (rows[k]))) {
            g[ng].reason = reason_of (rows[k]);
            g[ng].first = rows[k];
            ng++;
        }
        g[ng - 1].count++;
        if (rows[k] < g[ng - 1].first)
            g[ng - 1].first = rows[k];
    }
    free (rows);
    qsort (g, ng, sizeof (*g), by_count);
    *out = g;
    return (long)ng;
}

int report_numeric (const char *s)
{
    char *end;
    if (!s || !*s)
        return 0;
    (void)strtod (s, &end);
    return *end == '\0';
}

static int num_order;

static int by_value (const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (num_order) {
        double u = strtod (sort_v[x], NULL), v = strtod (sort_v[y], NULL);
        if (u != v)
            return u < v ? -1 : 1;
        return 0;
    }
    return strcmp (sort_v[x], sort_v[y]);
}

long report_value_index (const report_sweep_t *sw, int p, const char ***vals,
                         uint32_t **idx, int *numeric)
{
    size_t n = sw->ntasks, ng = 0, *k;
    const char **v = sw->values[p], **d = NULL;
    uint32_t *x = NULL;

    *vals = NULL;
    *idx = NULL;
    if (!(k = malloc ((n ? n : 1) * sizeof (*k))) || !(d = malloc ((n ? n : 1) * sizeof (*d)))
        || !(x = malloc ((n ? n : 1) * sizeof (*x)))) {
        free (k);
        free (d);
        errno = ENOMEM;
        return -1;
    }
    num_order = 1;
    for (size_t i = 0; i < n; i++) {
        k[i] = i;
        num_order &= report_numeric (v[i]);
    }
    sort_v = v;
    qsort (k, n, sizeof (*k), by_value);
    for (size_t i = 0; i < n; i++) {
        if (ng == 0 || by_value (&k[i], &k[i - 1]) != 0)
            d[ng++] = v[k[i]] ? v[k[i]] : "";
        x[k[i]] = (uint32_t)(ng - 1);
    }
    free (k);
    if (numeric)
        *numeric = num_order && n > 0;
    *vals = d;
    *idx = x;
    return (long)ng;
}

long report_value_counts (const report_t *r, const report_sweep_t *sw, int p,
                          report_value_t **out)
{
    const char **d;
    uint32_t *x;
    long ng = report_value_index (sw, p, &d, &x, NULL);
    report_value_t *g;

    *out = NULL;
    if (ng < 0)
        return -1;
    if (!(g = calloc (ng ? (size_t)ng : 1, sizeof (*g)))) {
        free (d);
        free (x);
        errno = ENOMEM;
        return -1;
    }
    for (long i = 0; i < ng; i++)
        g[i].value = d[i];
    for (size_t i = 0; i < sw->ntasks; i++) {
        if (sw->rows[i] >= r->ntasks)
            continue;
        const report_task_t *t = &r->tasks[sw->rows[i]];
        int s = mb_state_by_name (t->state);
        if (s >= 0)
            g[x[i]].n[s]++;
        if (t->wall_seconds > 0 && s >= 3) {
            g[x[i]].wall_sum += t->wall_seconds;
            g[x[i]].nwall++;
        }
    }
    free (d);
    free (x);
    *out = g;
    return ng;
}
