/* jobfile_check.c: enumerate a job's tasks, check ids, paths and inputs, resolve dependencies. */
#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/jobfile_int.h"
#include "common/graph.h"

void jf_values (const jobfile_t *jf, const struct spec *sp, size_t k,
                const char **vals, char (*num)[32])
{
    size_t ix[JF_MAXVARS];
    size_t rest = k;
    /* Product: the last dimension varies fastest, like nested loops. */
    for (int d = sp->ndims - 1; d >= 0; d--) {
        if (sp->zip)
            ix[d] = k;
        else {
            ix[d] = rest % sp->dimn[d];
            rest /= sp->dimn[d];
        }
    }
    for (int v = 0; v < sp->nparams; v++) {
        const struct vsrc *vs = &sp->vs[v];
        size_t i = ix[vs->dim];
        switch (vs->kind) {
        case VS_STRINGS:
            vals[v] = vs->strs[i];
            break;
        case VS_INT_RANGE:
            snprintf (num[v], 32, "%lld", (long long)(vs->ifrom + (int64_t)i * vs->istep));
            vals[v] = num[v];
            break;
        default:
            vals[v] = tmpl_format_double (vs->dfrom + (double)i * vs->dstep, num[v], 32);
        }
    }
    int p = sp->nparams;
    vals[p] = jf->job.id;
    vals[p + 1] = NULL;
    snprintf (num[p + 2], 32, "%zu", k);
    vals[p + 2] = num[p + 2];
    for (int v = 0; v < jf->nset && p + 3 + v < sp->nvars; v++)
        vals[p + 3 + v] = jf->set_values[v];
}

char *jf_expand (const tmpl_t *t, const char *const *vals)
{
    buf_t b = { 0 };
    if (tmpl_expand (t, vals, &b) < 0) {
        buf_free (&b);
        return NULL;
    }
    return b.data;
}

int jf_expand_id (const jobfile_t *jf, size_t i, buf_t *out)
{
    const struct trec *r = &jf->tasks[i];
    const struct spec *sp = jf->specs[r->spec];
    const char *vals[JF_MAXVARS];
    char num[JF_MAXVARS][32];

    switch (sp->kind) {
    case SPEC_CMDFILE:
        return buf_printf (out, "%s%u", sp->id_prefix ? sp->id_prefix : "line-",
                           (unsigned)sp->lineno[r->k]);
    case SPEC_TASK:
        return buf_adds (out, tmpl_text (sp->id));
    default:
        jf_values (jf, sp, r->k, vals, num);
        return tmpl_expand (sp->id, vals, out);
    }
}

/* Where task i is defined, for messages. */
static void task_loc (const jobfile_t *jf, size_t i, const char **file, int *line)
{
    const struct spec *sp = jf->specs[jf->tasks[i].spec];
    *file = sp->file;
    *line = sp->kind == SPEC_CMDFILE ? (int)sp->lineno[jf->tasks[i].k] : sp->id_line;
}

long jobfile_task_find (const jobfile_t *jf, const char *id)
{
    if (!jf || !jf->htab || !id)
        return -1;
    uint64_t h = hash_fnv1a64_ci (id);
    buf_t b = { 0 };
    long found = -1;
    for (size_t p = h & (jf->hcap - 1); jf->htab[p].idx != UINT32_MAX; p = (p + 1) & (jf->hcap - 1)) {
        if (jf->htab[p].h != h)
            continue;
        buf_reset (&b);
        if (jf_expand_id (jf, jf->htab[p].idx, &b) == 0 && !strcasecmp (b.data, id)) {
            found = jf->htab[p].idx;
            break;
        }
    }
    buf_free (&b);
    return found;
}

/* Enumerate tasks in file order, check each id and put it in the table. */
static int build_ids (jobfile_t *jf)
{
    size_t n = 0;
    for (int s = 0; s < jf->nspecs; s++)
        n += jf->specs[s]->count;
    if (n >= UINT32_MAX) {
        errno = E2BIG;
        return jf_errl (jf, NULL, 0, "too many tasks (%zu)", n);
    }
    jf->ntasks = n;
    if (!(jf->tasks = malloc ((n + 1) * sizeof (struct trec))))
        return -1;
    size_t i = 0;
    for (int s = 0; s < jf->nspecs; s++) {
        for (size_t k = 0; k < jf->specs[s]->count; k++)
            jf->tasks[i++] = (struct trec){ (uint32_t)s, (uint32_t)k };
    }
    jf->hcap = 16;
    while (jf->hcap < 2 * n)
        jf->hcap *= 2;
    if (!(jf->htab = malloc (jf->hcap * sizeof (struct hent))))
        return -1;
    for (size_t p = 0; p < jf->hcap; p++)
        jf->htab[p].idx = UINT32_MAX;

    buf_t id = { 0 }, other = { 0 };
    int rc = 0;
    for (i = 0; i < n && !jf_full (jf); i++) {
        const struct spec *sp = jf->specs[jf->tasks[i].spec];
        buf_reset (&id);
        if (jf_expand_id (jf, i, &id) < 0) {
            rc = -1;
            break;
        }
        const char *file;
        int line;
        task_loc (jf, i, &file, &line);
        if (sp->kind == SPEC_SWEEP && tmpl_has_vars (sp->id)) {
            const char *why = jobfile_id_problem (id.data);
            if (why) {
                jf_errl (jf, file, line, "invalid id '%s': %s", id.data, why);
                continue;
            }
        }
        uint64_t h = hash_fnv1a64_ci (id.data);
        size_t p = h & (jf->hcap - 1);
        int dup = 0;
        for (; jf->htab[p].idx != UINT32_MAX; p = (p + 1) & (jf->hcap - 1)) {
            if (jf->htab[p].h != h)
                continue;
            buf_reset (&other);
            if (jf_expand_id (jf, jf->htab[p].idx, &other) < 0) {
                rc = -1;
                break;
            }
            if (!strcasecmp (other.data, id.data)) {
                const char *ofile;
                int oline;
                task_loc (jf, jf->htab[p].idx, &ofile, &oline);
                jf_errl (jf, file, line, "duplicate task id '%s' (also at %s:%d)",
                         id.data, ofile, oline);
                dup = 1;
                break;
            }
        }
        if (!dup) {
            jf->htab[p].h = h;
            jf->htab[p].idx = (uint32_t)i;
        }
    }
    buf_free (&id);
    buf_free (&other);
    return rc;
}

/* A small cache of checks of expanded strings, so a sweep whose paths
 * repeat (results/${seed}/ over many T) checks each distinct one once. */
#define CACHE_SIZE 1024
struct cache {
    uint64_t h[CACHE_SIZE];
    char *s[CACHE_SIZE];
    int result[CACHE_SIZE];
};

static int cache_get (struct cache *c, int kind, const char *s, int *result)
{
    uint64_t h = hash_fnv1a64 (s, strlen (s)) ^ (uint64_t)kind;
    size_t slot = h % CACHE_SIZE;
    if (c->s[slot] && c->h[slot] == h && !strcmp (c->s[slot], s)) {
        *result = c->result[slot];
        return 1;
    }
    return 0;
}

static void cache_put (struct cache *c, int kind, const char *s, int result)
{
    uint64_t h = hash_fnv1a64 (s, strlen (s)) ^ (uint64_t)kind;
    size_t slot = h % CACHE_SIZE;
    free (c->s[slot]);
    c->s[slot] = strdup (s);
    c->h[slot] = h;
    c->result[slot] = result;
}

static void cache_free (struct cache *c)
{
    for (size_t k = 0; k < CACHE_SIZE; k++)
        free (c->s[k]);
    free (c);
}

/* Input paths and output destinations stay inside their directory. */
int jf_check_rel (jobfile_t *jf, const char *file, int line, const char *what,
                      const char *s)
{
    if (s[0] == '/')
        return jf_errl (jf, file, line, "%s '%s' must be a relative path", what, s);
    for (const char *p = s; (p = strstr (p, "..")); p += 2) {
        if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
            return jf_errl (jf, file, line, "%s '%s' must not contain '..'", what, s);
    }
    return 0;
}

/* Does the input source exist under storage?  A glob must match. */
static int source_exists (const jobfile_t *jf, const char *src)
{
    char *path = jf_path_join (jf->job.storage, src);
    int ok = 0;
    if (!path)
        return -1;
    if (strpbrk (src, "*?[")) {
        glob_t g;
        if (glob (path, 0, NULL, &g) == 0) {
            ok = g.gl_pathc > 0;
            globfree (&g);
        }
    }
    else {
        struct stat st;
        ok = lstat (path, &st) == 0;
    }
    free (path);
    return ok;
}

int jf_check_source (jobfile_t *jf, const char *file, int line, const char *src)
{
    /* A source is read from under storage: never from outside it. */
    if (jf_check_rel (jf, file, line, "input source", src) < 0)
        return -1;
    if ((jf->opts && jf->opts->no_storage_check) || jf->storage_bad)
        return 0;
    if (source_exists (jf, src) <= 0)
        return jf_errl (jf, file, line, "input source not found in storage: %s", src);
    return 0;
}

/* One string check, through the cache when the string came from a template. */
enum { CK_SOURCE = 1, CK_PATH = 2, CK_DEST = 3 };
static int check_str (jobfile_t *jf, struct cache *c, int kind, const char *file,
                      int line, const char *s)
{
    int r;
    if (c && cache_get (c, kind, s, &r)) {
        if (r < 0)   /* report again: it is another task */
            goto report;
        return 0;
    }
report:
    switch (kind) {
    case CK_SOURCE: r = jf_check_source (jf, file, line, s); break;
    case CK_PATH:   r = jf_check_rel (jf, file, line, "input path", s); break;
    default:        r = jf_check_rel (jf, file, line, "output destination", s); break;
    }
    if (c)
        cache_put (c, kind, s, r);
    return r;
}

static int check_tmpl (jobfile_t *jf, struct cache *c, int kind, const char *file,
                       int line, const tmpl_t *t, const char *const *vals, int per_task)
{
    if (!t || tmpl_has_vars (t) != per_task)
        return 0;
    if (!per_task)
        return check_str (jf, NULL, kind, file, line, tmpl_text (t));
    char *s = jf_expand (t, vals);
    if (!s)
        return -1;
    int r = check_str (jf, c, kind, file, line, s);
    free (s);
    return r;
}

/* Paths and input sources: once per spec for fixed strings, per task for
 * templated ones. */
static int check_paths (jobfile_t *jf)
{
    struct cache *c = calloc (1, sizeof (*c));
    const char *vals[JF_MAXVARS];
    char num[JF_MAXVARS][32];
    if (!c)
        return -1;
    for (int s = 0; s < jf->nspecs && !jf_full (jf); s++) {
        struct spec *sp = jf->specs[s];
        int templated = 0;
        for (int per_task = 0; per_task < 2; per_task++) {
            size_t count = per_task ? sp->count : 1;
            if (per_task && !templated)
                break;
            for (size_t k = 0; k < count && !jf_full (jf); k++) {
                if (per_task)
                    jf_values (jf, sp, k, vals, num);
                for (int e = 0; e < sp->ninputs; e++) {
                    struct inspec *in = &sp->inputs[e];
                    templated |= tmpl_has_vars (in->source) || tmpl_has_vars (in->path);
                    check_tmpl (jf, c, CK_SOURCE, in->file, in->line, in->source, vals, per_task);
                    check_tmpl (jf, c, CK_PATH, in->file, in->line, in->path, vals, per_task);
                }
                for (int e = 0; e < sp->noutputs; e++) {
                    struct outspec *out = &sp->outputs[e];
                    templated |= tmpl_has_vars (out->dest);
                    check_tmpl (jf, c, CK_DEST, out->file, out->line, out->dest, vals, per_task);
                }
            }
        }
        jf->ninputs += sp->count * (size_t)sp->ninputs;
    }
    cache_free (c);
    return 0;
}

/* The resolution of one depends_on pattern, cached by its text. */
struct pat {
    char *text;
    uint64_t h;
    uint32_t *match;
    size_t n;
    struct pat *next;
};
#define PAT_BUCKETS 4096

static struct pat *pattern_resolve (jobfile_t *jf, struct pat **tab, const char *text)
{
    uint64_t h = hash_fnv1a64 (text, strlen (text));
    struct pat **b = &tab[h % PAT_BUCKETS];
    for (struct pat *p = *b; p; p = p->next) {
        if (p->h == h && !strcmp (p->text, text))
            return p;
    }
    struct pat *p = calloc (1, sizeof (*p));
    buf_t id = { 0 };
    size_t cap = 0;
    if (!p || !(p->text = strdup (text)))
        goto nomem;
    p->h = h;
    /* Matched ignoring case, like ids. */
    for (size_t i = 0; i < jf->ntasks; i++) {
        buf_reset (&id);
        if (jf_expand_id (jf, i, &id) < 0)
            goto nomem;
        if (fnmatch (text, id.data, FNM_CASEFOLD) != 0)
            continue;
        if (p->n == cap) {
            cap = cap ? cap * 2 : 16;
            uint32_t *m = realloc (p->match, cap * sizeof (uint32_t));
            if (!m)
                goto nomem;
            p->match = m;
        }
        p->match[p->n++] = (uint32_t)i;
    }
    buf_free (&id);
    p->next = *b;
    *b = p;
    return p;
nomem:
    buf_free (&id);
    if (p) {
        free (p->text);
        free (p->match);
        free (p);
    }
    return NULL;
}

static int cmp_u32 (const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

struct edges {
    uint32_t *v;
    size_t n, cap;
};

static int edge_add (struct edges *e, uint32_t x)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 1024;
        uint32_t *p = realloc (e->v, cap * sizeof (uint32_t));
        if (!p)
            return -1;
        e->v = p;
        e->cap = cap;
    }
    e->v[e->n++] = x;
    return 0;
}

/* A depends_on entry resolved: an exact task, or a pattern's matches. */
struct res {
    long exact;          /* -1: none */
    struct pat *pat;     /* NULL: not a pattern */
};

static int resolve_text (jobfile_t *jf, struct pat **tab, const char *text, struct res *r)
{
    r->exact = -1;
    r->pat = NULL;
    if (strpbrk (text, "*?[")) {
        if (!(r->pat = pattern_resolve (jf, tab, text)))
            return -1;
    }
    else
        r->exact = jobfile_task_find (jf, text);
    return 0;
}

/* Add the edges of a resolved entry for task i; report a miss when
 * `report` (fixed entries are reported once per spec, not per task). */
static int add_res (jobfile_t *jf, const struct res *r, size_t i, const char *text,
                    const char *file, int line, int report, struct edges *e)
{
    if (r->pat) {
        size_t added = 0;
        for (size_t m = 0; m < r->pat->n; m++) {
            if (r->pat->match[m] == i)
                continue;   /* a pattern never matches its own task */
            if (edge_add (e, r->pat->match[m]) < 0)
                return -1;
            added++;
        }
        if (added == 0 && report && !jf->fragment)
            jf_errl (jf, file, line, "pattern '%s' matches no task", text);
        return 0;
    }
    if (r->exact < 0) {
        if (report && !jf->fragment)
            jf_errl (jf, file, line, "unknown task '%s' in depends_on", text);
        return 0;
    }
    return edge_add (e, (uint32_t)r->exact);
}

static int build_deps (jobfile_t *jf)
{
    struct pat **tab = calloc (PAT_BUCKETS, sizeof (*tab));
    struct edges e = { 0 };
    const char *vals[JF_MAXVARS];
    char num[JF_MAXVARS][32];
    struct res *fixed = NULL;      /* the current spec's fixed entries */
    const struct spec *cur = NULL;
    buf_t id = { 0 };
    int rc = -1;

    if (!tab || !(jf->doff = malloc ((jf->ntasks + 1) * sizeof (uint32_t))))
        goto out;
    jf->doff[0] = 0;
    for (size_t i = 0; i < jf->ntasks; i++) {
        const struct spec *sp = jf->specs[jf->tasks[i].spec];
        size_t start = e.n;
        int first = sp != cur;
        if (first) {
            /* Tasks of a spec are consecutive: resolve its fixed entries
             * once, not once per task of a big sweep. */
            cur = sp;
            free (fixed);
            if (!(fixed = calloc (sp->ndeps + 1, sizeof (*fixed))))
                goto out;
            for (int d = 0; d < sp->ndeps; d++) {
                if (!tmpl_has_vars (sp->deps[d])
                    && resolve_text (jf, tab, tmpl_text (sp->deps[d]), &fixed[d]) < 0)
                    goto out;
            }
        }
        int vals_ready = 0;
        for (int d = 0; d < sp->ndeps && !jf_full (jf); d++) {
            if (!tmpl_has_vars (sp->deps[d])) {
                if (add_res (jf, &fixed[d], i, tmpl_text (sp->deps[d]), sp->file,
                             sp->dep_lines[d], first, &e) < 0)
                    goto out;
                continue;
            }
            if (!vals_ready) {
                jf_values (jf, sp, jf->tasks[i].k, vals, num);
                buf_reset (&id);
                if (jf_expand_id (jf, i, &id) < 0)
                    goto out;
                vals[sp->nparams + 1] = id.data;
                vals_ready = 1;
            }
            char *text = jf_expand (sp->deps[d], vals);
            struct res r;
            int ok = text && resolve_text (jf, tab, text, &r) == 0
                     && add_res (jf, &r, i, text, sp->file, sp->dep_lines[d], 1, &e) == 0;
            free (text);
            if (!ok)
                goto out;
        }
        /* Each prerequisite once, in index order. */
        size_t n = e.n - start;
        if (n > 1) {
            qsort (e.v + start, n, sizeof (uint32_t), cmp_u32);
            size_t w = start + 1;
            for (size_t r = start + 1; r < e.n; r++) {
                if (e.v[r] != e.v[w - 1])
                    e.v[w++] = e.v[r];
            }
            e.n = w;
        }
        if (e.n >= UINT32_MAX) {
            errno = E2BIG;
            goto out;
        }
        jf->doff[i + 1] = (uint32_t)e.n;
    }
    jf->deps = e.v ? e.v : malloc (sizeof (uint32_t));
    e.v = NULL;
    jf->nedges = e.n;
    rc = jf->deps ? 0 : -1;
out:
    free (e.v);
    free (fixed);
    buf_free (&id);
    for (size_t b = 0; tab && b < PAT_BUCKETS; b++) {
        for (struct pat *p = tab[b], *nx; p; p = nx) {
            nx = p->next;
            free (p->text);
            free (p->match);
            free (p);
        }
    }
    free (tab);
    return rc;
}

static int check_cycles (jobfile_t *jf)
{
    graph_t *g = graph_create (jf->ntasks, jf->doff, jf->deps);
    uint32_t *cyc = NULL;
    size_t len = 0;
    if (!g)
        return -1;
    int r = graph_find_cycle (g, &cyc, &len);
    graph_destroy (g);
    if (r < 0)
        return -1;
    if (r == 0)
        return 0;
    buf_t msg = { 0 }, id = { 0 };
    buf_adds (&msg, "dependency cycle: ");
    for (size_t k = 0; k <= len; k++) {
        if (k > 0 && k < len && k >= 20) {
            buf_printf (&msg, "... -> ");
            k = len;
        }
        buf_reset (&id);
        jf_expand_id (jf, cyc[k % len], &id);
        buf_printf (&msg, "%s%s", id.data ? id.data : "?", k < len ? " -> " : "");
    }
    /* Reported at the first task of the cycle in file order. */
    const char *file;
    int line;
    task_loc (jf, cyc[0], &file, &line);
    jf_errl (jf, file, line, "%s", msg.data ? msg.data : "dependency cycle");
    buf_free (&msg);
    buf_free (&id);
    free (cyc);
    return 0;
}

static void check_slots (jobfile_t *jf)
{
    int m = jf->job.slots_per_worker;
    int g = jf->job.gpus_per_worker;
    for (int s = 0; s < jf->nspecs; s++) {
        const struct spec *sp = jf->specs[s];
        /* A GPU request no worker can satisfy, when the number is known. */
        if (g >= 0 && sp->reqs.gpus > g)
            jf_errl (jf, sp->file, sp->id_line, "task%s '%s' needs %d GPUs but gpus_per_worker is %d",
                     sp->kind == SPEC_SWEEP ? "s of sweep" : "",
                     sp->kind == SPEC_SWEEP ? jf->job.sweep_names[sp->sweep]
                                            : tmpl_text (sp->id),
                     sp->reqs.gpus, g);
        if (jf->job.slots_kind == JOB_SLOTS_NUMBER && sp->reqs.slots > m)
            jf_errl (jf, sp->file, sp->id_line, "task%s '%s' needs %d slots but slots_per_worker is %d",
                     sp->kind == SPEC_SWEEP ? "s of sweep" : "",
                     sp->kind == SPEC_SWEEP ? jf->job.sweep_names[sp->sweep]
                                            : tmpl_text (sp->id),
                     sp->reqs.slots, m);
    }
}

int jf_build (jobfile_t *jf)
{
    if (build_ids (jf) < 0)
        return -1;
    check_slots (jf);
    if (check_paths (jf) < 0)
        return -1;
    if (jf_full (jf))
        return 0;
    /* Dependencies need every id in the table; with id errors some are
     * missing, and the resolution would only add confusing messages. */
    int before = errlist_count (jf->errs);
    if (build_deps (jf) < 0)
        return -1;
    if (errlist_count (jf->errs) == before && check_cycles (jf) < 0)
        return -1;
    return 0;
}
