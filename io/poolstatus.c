/* poolstatus.c: POOLDIR/status.json: the pool writes it atomically, `mpibatch status` reads it. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "io/poolstatus.h"

/* Deeper than any status.json: a hostile file cannot exhaust the stack. */
#define DEPTH_MAX 16

static const char *const count_names[PS_NCOUNTS] = {
    "pending", "ready", "running", "succeeded", "failed", "skipped", "cancelled",
};

const char *poolstatus_count_name (int k)
{
    return k >= 0 && k < PS_NCOUNTS ? count_names[k] : NULL;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

static void put_status (FILE *f, const poolstatus_t *st)
{
    fputs ("{\"pool\":", f);
    json_put_string (f, st->pool);
    fputs (",\"host\":", f);
    json_put_string (f, st->host);
    fprintf (f, ",\"pid\":%ld,\"started\":", st->pid);
    json_put_number (f, "%.17g", st->started);
    fputs (",\"updated\":", f);
    json_put_number (f, "%.17g", st->updated);
    fputs (",\"state\":", f);
    json_put_string (f, st->state);
    fputs (",\n\"workers\":[", f);
    for (size_t i = 0; i < st->nworkers; i++) {
        const poolstatus_worker_t *w = &st->workers[i];
        fprintf (f, "%s{\"worker\":%d,\"node\":", i ? ",\n " : "\n ", w->worker);
        json_put_string (f, w->node);
        fprintf (f, ",\"slots\":%d,\"busy\":%d,\"joined\":%s,\"alive\":%s}", w->slots, w->busy,
                 w->joined ? "true" : "false", w->alive ? "true" : "false");
    }
    fputs ("],\n\"jobs\":[", f);
    for (size_t i = 0; i < st->njobs; i++) {
        const poolstatus_job_t *j = &st->jobs[i];
        fputs (i ? ",\n {\"id\":" : "\n {\"id\":", f);
        json_put_string (f, j->id);
        fputs (",\"state\":", f);
        json_put_string (f, j->state);
        fprintf (f, ",\"priority\":%d,\"open\":%s,\"state_dir\":", j->priority,
                 j->open ? "true" : "false");
        json_put_string (f, j->state_dir);
        fputs (",\"counts\":{", f);
        for (int k = 0; k < PS_NCOUNTS; k++)
            fprintf (f, "%s\"%s\":%llu", k ? "," : "", count_names[k],
                     (unsigned long long)j->counts[k]);
        fputs ("},\"submitted\":", f);
        json_put_number (f, "%.17g", j->submitted);
        fputs (",\"started\":", f);
        json_put_number (f, "%.17g", j->started);
        fputs (",\"ended\":", f);
        json_put_number (f, "%.17g", j->ended);
        fputs ("}", f);
    }
    fputs ("]", f);
    if (st->allocations) {
        fputs (",\n\"allocations\":", f);
        fputs (st->allocations, f);
    }
    fputs ("}\n", f);
}

int poolstatus_write (const char *dir, const poolstatus_t *st, mb_error_t *err)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    if (snprintf (tmp, sizeof (tmp), "%s/.status.json.%ld.tmp", dir, (long)getpid ())
            >= (int)sizeof (tmp)
        || snprintf (path, sizeof (path), "%s/status.json", dir) >= (int)sizeof (path)) {
        errno = ENAMETOOLONG;
        return errprintf (err, "%s: %s", dir, strerror (errno));
    }
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errprintf (err, "%s: %s", tmp, strerror (errno));
    FILE *f = fdopen (fd, "w");
    if (!f) {
        int saved = errno;
        close (fd);
        unlink (tmp);
        errno = saved;
        return errprintf (err, "%s: %s", tmp, strerror (errno));
    }
    put_status (f, st);
    int bad = ferror (f);
    if (fclose (f) != 0 || bad) {
        int saved = errno ? errno : EIO;
        unlink (tmp);
        errno = saved;
        return errprintf (err, "%s: %s", tmp, strerror (errno));
    }
    if (rename (tmp, path) < 0) {
        int saved = errno;
        unlink (tmp);
        errno = saved;
        return errprintf (err, "%s: %s", path, strerror (errno));
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* A small JSON reader: a tree of values, then the keys read from it   */

enum { JV_NULL, JV_FALSE, JV_TRUE, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

typedef struct jv {
    int type;
    int line;            /* where the value starts */
    double num;
    char *str;           /* JV_STR */
    size_t n;            /* JV_ARR, JV_OBJ: how many items */
    struct jv *items;
    char **keys;         /* JV_OBJ */
} jv_t;

typedef struct {
    const char *p, *end;
    const char *name;
    int line;
    mb_error_t *err;
} jparse_t;

static void jv_free (jv_t *v)
{
    for (size_t i = 0; i < v->n; i++) {
        jv_free (&v->items[i]);
        if (v->keys)
            free (v->keys[i]);
    }
    free (v->items);
    free (v->keys);
    free (v->str);
    memset (v, 0, sizeof (*v));
}

static int jerr (jparse_t *j, const char *what)
{
    errno = EINVAL;
    if (j->p >= j->end)
        return errprintf (j->err, "%s:%d: the file ends inside the JSON (torn or truncated)",
                          j->name, j->line);
    return errprintf (j->err, "%s:%d: not valid JSON: %s", j->name, j->line, what);
}

static void skip_ws (jparse_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) {
        if (*j->p == '\n')
            j->line++;
        j->p++;
    }
}

static int hex4 (const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static int put_utf8 (buf_t *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    }
    else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    }
    else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    }
    else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return buf_add (b, u, n);
}

/* At the opening quote: the string's value, malloc'd, in *out. */
static int parse_string (jparse_t *j, char **out)
{
    buf_t b = { 0 };
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        int rc;
        if (c < 0x20) {
            buf_free (&b);
            return jerr (j, "a control character in a string");
        }
        if (c != '\\') {
            const char *q = j->p;
            while (q < j->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
                q++;
            rc = buf_add (&b, j->p, (size_t)(q - j->p));
            j->p = q;
        }
        else {
            if (j->end - j->p < 2)
                break;
            char e = j->p[1];
            j->p += 2;
            /* Pairs: the escape's letter, then what it stands for. */
            static const char pairs[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
            const char *m = e ? strchr (pairs, e) : NULL;
            if (m && (m - pairs) % 2 == 0)
                rc = buf_add (&b, m + 1, 1);
            else if (e == 'u') {
                unsigned cp, lo;
                if (j->end - j->p < 4 || hex4 (j->p, &cp) < 0) {
                    buf_free (&b);
                    return jerr (j, "a bad \\u escape");
                }
                j->p += 4;
                if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\'
                    && j->p[1] == 'u' && hex4 (j->p + 2, &lo) == 0 && lo >= 0xdc00
                    && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    j->p += 6;
                }
                if (cp == 0 || (cp >= 0xd800 && cp < 0xe000)) {
                    buf_free (&b);
                    return jerr (j, "a \\u escape of NUL or of half a surrogate pair");
                }
                rc = put_utf8 (&b, cp);
            }
            else {
                buf_free (&b);
                return jerr (j, "a bad escape in a string");
            }
        }
        if (rc < 0) {
            buf_free (&b);
            return errprintf (j->err, "%s: %s", j->name, strerror (errno));
        }
    }
    if (j->p >= j->end) {
        buf_free (&b);
        return jerr (j, "an unterminated string");
    }
    j->p++;
    if (!b.data && buf_reserve (&b, 1) < 0)
        return errprintf (j->err, "%s: %s", j->name, strerror (errno));
    b.data[b.len] = '\0';
    *out = b.data;
    return 0;
}

/* A number cut by the end of the file is a torn file. */
static int bad_number (jparse_t *j, const char *q)
{
    if (q >= j->end)
        j->p = j->end;
    return jerr (j, "a bad number");
}

static int parse_number (jparse_t *j, jv_t *v)
{
    const char *s = j->p, *q = s;
    if (q < j->end && *q == '-')
        q++;
    if (q >= j->end || *q < '0' || *q > '9')
        return bad_number (j, q);
    while (q < j->end && *q >= '0' && *q <= '9')
        q++;
    if (q < j->end && *q == '.') {
        q++;
        if (q >= j->end || *q < '0' || *q > '9')
            return bad_number (j, q);
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < j->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < j->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= j->end || *q < '0' || *q > '9')
            return bad_number (j, q);
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
    }
    char tmp[64];
    if ((size_t)(q - s) >= sizeof (tmp))
        return jerr (j, "a number too long");
    memcpy (tmp, s, (size_t)(q - s));
    tmp[q - s] = '\0';
    v->type = JV_NUM;
    v->num = strtod (tmp, NULL);
    j->p = q;
    return 0;
}

static int parse_value (jparse_t *j, jv_t *v, int depth);

/* An array or object: items separated by ',' until the closing char. */
static int parse_items (jparse_t *j, jv_t *v, int obj, int depth)
{
    char close = obj ? '}' : ']';
    size_t cap = 0;
    v->type = obj ? JV_OBJ : JV_ARR;
    j->p++;
    skip_ws (j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            jv_t *it = realloc (v->items, cap * sizeof (*it));
            if (!it)
                return errprintf (j->err, "%s: %s", j->name, strerror (errno));
            v->items = it;
            if (obj) {
                char **k = realloc (v->keys, cap * sizeof (*k));
                if (!k)
                    return errprintf (j->err, "%s: %s", j->name, strerror (errno));
                v->keys = k;
            }
        }
        jv_t *it = &v->items[v->n];
        memset (it, 0, sizeof (*it));
        skip_ws (j);
        if (obj) {
            if (j->p >= j->end || *j->p != '"')
                return jerr (j, "expected a key in quotes");
            if (parse_string (j, &v->keys[v->n]) < 0)
                return -1;
            v->n++;   /* counted now: its key is freed with v */
            skip_ws (j);
            if (j->p >= j->end || *j->p != ':')
                return jerr (j, "expected ':' after a key");
            j->p++;
        }
        else
            v->n++;
        if (parse_value (j, it, depth + 1) < 0)
            return -1;
        skip_ws (j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 0;
        }
        return jerr (j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value (jparse_t *j, jv_t *v, int depth)
{
    skip_ws (j);
    v->line = j->line;
    if (depth > DEPTH_MAX)
        return jerr (j, "nested too deeply");
    if (j->p >= j->end)
        return jerr (j, "expected a value");
    switch (*j->p) {
    case '{':
        return parse_items (j, v, 1, depth);
    case '[':
        return parse_items (j, v, 0, depth);
    case '"':
        v->type = JV_STR;
        return parse_string (j, &v->str);
    case 't':
    case 'f':
    case 'n': {
        static const struct { const char *w; int t; } words[] = {
            { "true", JV_TRUE }, { "false", JV_FALSE }, { "null", JV_NULL },
        };
        for (size_t k = 0; k < 3; k++) {
            size_t n = strlen (words[k].w);
            if ((size_t)(j->end - j->p) >= n && !memcmp (j->p, words[k].w, n)) {
                v->type = words[k].t;
                j->p += n;
                return 0;
            }
        }
        /* A word cut by the end of the file is a torn file. */
        for (size_t k = 0; k < 3; k++) {
            size_t left = (size_t)(j->end - j->p);
            if (left < strlen (words[k].w) && !memcmp (j->p, words[k].w, left)) {
                j->p = j->end;
                return jerr (j, "a cut word");
            }
        }
        return jerr (j, "an unknown word");
    }
    default:
        return parse_number (j, v);
    }
}

/* ------------------------------------------------------------------ */
/* From the tree to the struct                                         */

typedef struct {
    const char *name;
    mb_error_t *err;
} conv_t;

static const jv_t *get (const jv_t *o, const char *key)
{
    for (size_t i = o->n; i-- > 0;)    /* the last of duplicate keys wins */
        if (!strcmp (o->keys[i], key))
            return &o->items[i];
    return NULL;
}

static int bad (conv_t *c, const jv_t *v, const char *where, const char *key, const char *want)
{
    errno = EINVAL;
    return errprintf (c->err, "%s:%d: %s'%s' must be %s", c->name, v->line, where, key, want);
}

static int missing (conv_t *c, const jv_t *o, const char *where, const char *key)
{
    errno = EINVAL;
    return errprintf (c->err, "%s:%d: %s'%s' is missing", c->name, o->line, where, key);
}

/* A string: required ones must be there; *out gets a copy (or stays NULL). */
static int get_str (conv_t *c, const jv_t *o, const char *where, const char *key, int req,
                    char **out)
{
    const jv_t *v = get (o, key);
    if (!v || (!req && v->type == JV_NULL))
        return req ? missing (c, o, where, key) : 0;
    if (v->type != JV_STR)
        return bad (c, v, where, key, "a string");
    if (!(*out = strdup (v->str)))
        return errprintf (c->err, "%s: %s", c->name, strerror (errno));
    return 0;
}

/* A number (a time: null is NAN), or an integer in [lo, hi]. */
static int get_time (conv_t *c, const jv_t *o, const char *where, const char *key, int req,
                     double *out)
{
    const jv_t *v = get (o, key);
    *out = NAN;
    if (!v || v->type == JV_NULL)
        return req ? missing (c, o, where, key) : 0;
    if (v->type != JV_NUM || !isfinite (v->num) || v->num < 0)
        return bad (c, v, where, key, "a time (seconds since 1970) or null");
    *out = v->num;
    return 0;
}

static int get_int (conv_t *c, const jv_t *o, const char *where, const char *key, double lo,
                    double hi, double *out)
{
    const jv_t *v = get (o, key);
    *out = 0;
    if (!v)
        return 0;
    if (v->type != JV_NUM || v->num != floor (v->num) || v->num < lo || v->num > hi) {
        char want[96];
        snprintf (want, sizeof (want), "a whole number from %.0f to %.0f", lo, hi);
        return bad (c, v, where, key, want);
    }
    *out = v->num;
    return 0;
}

static int get_bool (conv_t *c, const jv_t *o, const char *where, const char *key, int *out,
                     int dflt)
{
    const jv_t *v = get (o, key);
    *out = dflt;
    if (!v)
        return 0;
    if (v->type != JV_TRUE && v->type != JV_FALSE)
        return bad (c, v, where, key, "true or false");
    *out = v->type == JV_TRUE;
    return 0;
}

static int conv_worker (conv_t *c, const jv_t *o, poolstatus_worker_t *w, size_t i)
{
    char where[64];
    double x;
    snprintf (where, sizeof (where), "workers[%zu]: ", i);
    if (o->type != JV_OBJ)
        return bad (c, o, "", "workers", "an array of objects");
    if (get_int (c, o, where, "worker", 0, INT_MAX, &x) < 0)
        return -1;
    w->worker = (int)x;
    if (get_str (c, o, where, "node", 0, &w->node) < 0 || get_int (c, o, where, "slots", 0,
                                                                   INT_MAX, &x) < 0)
        return -1;
    w->slots = (int)x;
    if (get_int (c, o, where, "busy", 0, INT_MAX, &x) < 0)
        return -1;
    w->busy = (int)x;
    return get_bool (c, o, where, "joined", &w->joined, 0) < 0
        || get_bool (c, o, where, "alive", &w->alive, 1) < 0 ? -1 : 0;
}

static int conv_job (conv_t *c, const jv_t *o, poolstatus_job_t *jb, size_t i)
{
    char where[64];
    double x;
    snprintf (where, sizeof (where), "jobs[%zu]: ", i);
    if (o->type != JV_OBJ)
        return bad (c, o, "", "jobs", "an array of objects");
    if (get_str (c, o, where, "id", 1, &jb->id) < 0
        || get_str (c, o, where, "state", 1, &jb->state) < 0
        || get_str (c, o, where, "state_dir", 1, &jb->state_dir) < 0
        || get_int (c, o, where, "priority", -1000, 1000, &x) < 0)
        return -1;
    jb->priority = (int)x;
    if (!jb->id[0])
        return bad (c, get (o, "id"), where, "id", "a job id, not empty");
    if (jb->state_dir[0] != '/')
        return bad (c, get (o, "state_dir"), where, "state_dir", "an absolute path");
    if (get_bool (c, o, where, "open", &jb->open, 0) < 0
        || get_time (c, o, where, "submitted", 0, &jb->submitted) < 0
        || get_time (c, o, where, "started", 0, &jb->started) < 0
        || get_time (c, o, where, "ended", 0, &jb->ended) < 0)
        return -1;
    const jv_t *cnt = get (o, "counts");
    if (cnt && cnt->type != JV_OBJ)
        return bad (c, cnt, where, "counts", "an object");
    for (int k = 0; cnt && k < PS_NCOUNTS; k++) {
        char w2[96];
        snprintf (w2, sizeof (w2), "%scounts: ", where);
        if (get_int (c, cnt, w2, count_names[k], 0, 9007199254740992.0, &x) < 0)
            return -1;
        jb->counts[k] = (uint64_t)x;
    }
    return 0;
}

static int conv (conv_t *c, const jv_t *root, poolstatus_t *st)
{
    static const char *const states[] = { "starting", "running", "shutting_down", "draining",
                                          "ended" };
    double x;
    if (root->type != JV_OBJ)
        return bad (c, root, "", "status.json", "one JSON object");
    if (get_str (c, root, "", "pool", 1, &st->pool) < 0
        || get_str (c, root, "", "host", 0, &st->host) < 0
        || get_str (c, root, "", "state", 1, &st->state) < 0
        || get_int (c, root, "", "pid", 0, INT_MAX, &x) < 0)
        return -1;
    st->pid = (long)x;
    if (get_time (c, root, "", "started", 0, &st->started) < 0
        || get_time (c, root, "", "updated", 1, &st->updated) < 0)
        return -1;
    int known = 0;
    for (size_t k = 0; k < sizeof (states) / sizeof (states[0]); k++)
        known |= !strcmp (st->state, states[k]);
    if (!known)
        return bad (c, get (root, "state"), "", "state",
                    "starting, running, shutting_down, draining or ended");
    const jv_t *ws = get (root, "workers"), *js = get (root, "jobs");
    if (!ws)
        return missing (c, root, "", "workers");
    if (!js)
        return missing (c, root, "", "jobs");
    if (ws->type != JV_ARR)
        return bad (c, ws, "", "workers", "an array");
    if (js->type != JV_ARR)
        return bad (c, js, "", "jobs", "an array");
    if ((ws->n && !(st->workers = calloc (ws->n, sizeof (*st->workers))))
        || (js->n && !(st->jobs = calloc (js->n, sizeof (*st->jobs)))))
        return errprintf (c->err, "%s: %s", c->name, strerror (errno));
    for (size_t i = 0; i < ws->n; i++) {
        st->nworkers++;
        if (conv_worker (c, &ws->items[i], &st->workers[i], i) < 0)
            return -1;
    }
    for (size_t i = 0; i < js->n; i++) {
        st->njobs++;
        if (conv_job (c, &js->items[i], &st->jobs[i], i) < 0)
            return -1;
        for (size_t k = 0; k < i; k++)
            if (!strcmp (st->jobs[k].id, st->jobs[i].id)) {
                errno = EINVAL;
                return errprintf (c->err, "%s:%d: jobs[%zu]: job '%s' is listed twice", c->name,
                                  js->items[i].line, i, st->jobs[i].id);
            }
    }
    return 0;
}

int poolstatus_parse (const char *name, const char *data, size_t len, poolstatus_t *st,
                      mb_error_t *err)
{
    jparse_t j = { data, data + len, name, 1, err };
    jv_t root = { 0 };
    memset (st, 0, sizeof (*st));
    if (len == 0) {
        errno = EINVAL;
        return errprintf (err, "%s:1: empty (torn, or written by something else)", name);
    }
    int rc = parse_value (&j, &root, 0);
    if (rc == 0) {
        skip_ws (&j);
        if (j.p < j.end)
            rc = jerr (&j, "more after the object");
    }
    if (rc == 0) {
        conv_t c = { name, err };
        rc = conv (&c, &root, st);
    }
    int saved = errno;
    jv_free (&root);
    if (rc < 0)
        poolstatus_free (st);
    errno = saved;
    return rc;
}

int poolstatus_load (const char *dir, poolstatus_t *st, buf_t *raw, mb_error_t *err)
{
    char path[PATH_MAX];
    buf_t b = { 0 };
    memset (st, 0, sizeof (*st));
    snprintf (path, sizeof (path), "%s/status.json", dir);
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errprintf (err, "%s: %s", path, strerror (errno));
    struct stat sb;
    if (fstat (fd, &sb) < 0) {
        int saved = errno;
        close (fd);
        errno = saved;
        return errprintf (err, "%s: %s", path, strerror (errno));
    }
    if (!S_ISREG (sb.st_mode)) {
        close (fd);
        errno = EINVAL;
        return errprintf (err, "%s: not a regular file", path);
    }
    if (sb.st_size > POOLSTATUS_MAX) {
        close (fd);
        errno = EFBIG;
        return errprintf (err, "%s: larger than %ld MiB: not a pool's status", path,
                          POOLSTATUS_MAX >> 20);
    }
    char chunk[65536];
    ssize_t n;
    while ((n = read (fd, chunk, sizeof (chunk))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || b.len + (size_t)n > (size_t)POOLSTATUS_MAX || buf_add (&b, chunk, (size_t)n) < 0) {
            int saved = n < 0 || errno == ENOMEM ? errno : EFBIG;
            close (fd);
            buf_free (&b);
            errno = saved;
            return errprintf (err, "%s: %s", path, strerror (errno));
        }
    }
    close (fd);
    int rc = poolstatus_parse (path, b.data ? b.data : "", b.len, st, err);
    if (rc == 0 && raw && buf_add (raw, b.data ? b.data : "", b.len) < 0) {
        int saved = errno;
        poolstatus_free (st);
        errno = saved;
        rc = errprintf (err, "%s: %s", path, strerror (errno));
    }
    buf_free (&b);
    return rc;
}

const poolstatus_job_t *poolstatus_find (const poolstatus_t *st, const char *id)
{
    for (size_t i = 0; i < st->njobs; i++)
        if (st->jobs[i].id && !strcmp (st->jobs[i].id, id))
            return &st->jobs[i];
    return NULL;
}

void poolstatus_free (poolstatus_t *st)
{
    if (!st)
        return;
    int saved = errno;
    for (size_t i = 0; i < st->nworkers; i++)
        free (st->workers[i].node);
    for (size_t i = 0; i < st->njobs; i++) {
        free (st->jobs[i].id);
        free (st->jobs[i].state);
        free (st->jobs[i].state_dir);
    }
    free (st->workers);
    free (st->jobs);
    free (st->pool);
    free (st->host);
    free (st->state);
    memset (st, 0, sizeof (*st));
    errno = saved;
}
