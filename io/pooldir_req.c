/* pooldir_req.c: a pool request and its answer: the model, the text format, and loading a request's job or tasks. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/pooldir.h"
#include "io/pooldir_int.h"

/* Repeated fields (set, task, attach, map) beyond this many are refused:
 * a hostile request cannot make the pool allocate without bound. */
#define REQ_MAX_ITEMS 100000

static const char *const op_names[] = {
    NULL, "submit", "add", "close", "cancel", "priority", "shutdown", "alloc-add",
    "alloc-remove", NULL
};

const char *pool_op_name (int op)
{
    return op >= POOL_OP_SUBMIT && op <= POOL_OP_LAST ? op_names[op] : "?";
}

pool_req_t *pool_req_create (int op)
{
    pool_req_t *r = calloc (1, sizeof (*r));
    if (r)
        r->op = op;
    return r;
}

static void free_strv (char **v, int n)
{
    for (int k = 0; k < n; k++)
        free (v[k]);
    free (v);
}

void pool_req_destroy (pool_req_t *r)
{
    if (!r)
        return;
    int saved = errno;
    free (r->name);
    free (r->job);
    free (r->file);
    free_strv (r->set, r->nset);
    free (r->prefix);
    free_strv (r->tasks, r->ntasks);
    free (r->backend);
    free_strv (r->args, r->nargs);
    free (r->user);
    free (r->host);
    free (r->body);
    for (int k = 0; k < r->nfiles; k++) {
        free ((char *)r->files[k].path);
        free ((char *)r->files[k].data);
    }
    free (r->files);
    for (int k = 0; k < r->nmap; k++)
        free (r->map[k].path);
    free (r->map);
    free (r);
    errno = saved;
}

static int push_str (char ***v, int *n, const char *s, size_t len)
{
    char **p = realloc (*v, (*n + 1) * sizeof (char *));
    if (!p)
        return -1;
    *v = p;
    if (!(p[*n] = strndup (s, len)))
        return -1;
    (*n)++;
    return 0;
}

int pool_req_add_set (pool_req_t *r, const char *kv)
{
    return push_str (&r->set, &r->nset, kv, strlen (kv));
}

int pool_req_add_task (pool_req_t *r, const char *id)
{
    return push_str (&r->tasks, &r->ntasks, id, strlen (id));
}

int pool_req_add_arg (pool_req_t *r, const char *arg)
{
    return push_str (&r->args, &r->nargs, arg, strlen (arg));
}

/* A copy of n bytes, NUL-terminated (data may hold NULs). */
static char *memdup0 (const char *p, size_t n)
{
    char *c = malloc (n + 1);
    if (c) {
        if (n)
            memcpy (c, p, n);
        c[n] = '\0';
    }
    return c;
}

int pool_req_attach (pool_req_t *r, const char *path, const char *data, size_t len)
{
    jobfile_mem_t *f = realloc (r->files, (r->nfiles + 1) * sizeof (*f));
    if (!f)
        return -1;
    r->files = f;
    char *p = strdup (path), *d = memdup0 (data, len);
    if (!p || !d) {
        free (p);
        free (d);
        return -1;
    }
    r->files[r->nfiles++] = (jobfile_mem_t){ .path = p, .data = d, .len = len };
    return 0;
}

int pool_req_add_map (pool_req_t *r, unsigned line, const char *path, unsigned fline)
{
    struct pool_map *m = realloc (r->map, (r->nmap + 1) * sizeof (*m));
    if (!m)
        return -1;
    r->map = m;
    char *p = strdup (path);
    if (!p)
        return -1;
    r->map[r->nmap++] = (struct pool_map){ .line = line, .path = p, .fline = fline };
    return 0;
}

int pool_req_set_body (pool_req_t *r, const char *data, size_t len)
{
    char *b = memdup0 (data, len);
    if (!b)
        return -1;
    free (r->body);
    r->body = b;
    r->body_len = len;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

static int put_escaped (buf_t *b, const char *s)
{
    size_t n = strlen (s);
    if (n > (size_t)POOL_REQ_STRING_MAX) {
        errno = EINVAL;
        return -1;
    }
    for (; *s; s++) {
        int rc;
        if (*s == '\\')
            rc = buf_adds (b, "\\\\");
        else if (*s == '\n')
            rc = buf_adds (b, "\\n");
        else if (*s == '\r')
            rc = buf_adds (b, "\\r");
        else
            rc = buf_add (b, s, 1);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int put_field (buf_t *b, const char *key, const char *val)
{
    if (!val)
        return 0;
    if (buf_printf (b, "%s ", key) < 0 || put_escaped (b, val) < 0)
        return -1;
    return buf_add (b, "\n", 1);
}

static int put_blob (buf_t *b, const char *head, const char *data, size_t len)
{
    if (len > (size_t)POOL_REQ_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (buf_adds (b, head) < 0 || (len && buf_add (b, data, len) < 0))
        return -1;
    return buf_add (b, "\n", 1);
}

int pool_req_encode (const pool_req_t *r, buf_t *out)
{
    char num[64];
    int rc = 0;

    if (r->op < POOL_OP_SUBMIT || r->op > POOL_OP_LAST) {
        errno = EINVAL;
        return -1;
    }
    rc |= buf_printf (out, "mpibatch-request 1\nop %s\n", op_names[r->op]);
    rc |= put_field (out, "job", r->job);
    rc |= put_field (out, "file", r->file);
    for (int k = 0; k < r->nset; k++)
        rc |= put_field (out, "set", r->set[k]);
    if (r->has_priority)
        rc |= buf_printf (out, "priority %d\n", r->priority);
    if (r->open)
        rc |= buf_adds (out, "open 1\n");
    if (r->wait)
        rc |= buf_adds (out, "wait 1\n");
    if (r->lines)
        rc |= buf_adds (out, "lines 1\n");
    rc |= put_field (out, "prefix", r->prefix);
    if (r->first_line)
        rc |= buf_printf (out, "first_line %u\n", r->first_line);
    for (int k = 0; k < r->ntasks; k++)
        rc |= put_field (out, "task", r->tasks[k]);
    if (r->drain)
        rc |= buf_adds (out, "drain 1\n");
    rc |= put_field (out, "backend", r->backend);
    if (r->time_limit > 0)
        rc |= buf_printf (out, "time_limit %.0f\n", r->time_limit);
    if (r->nodes)
        rc |= buf_printf (out, "nodes %d\n", r->nodes);
    if (r->max_allocations)
        rc |= buf_printf (out, "max_allocations %d\n", r->max_allocations);
    if (r->idle_timeout > 0)
        rc |= buf_printf (out, "idle_timeout %.0f\n", r->idle_timeout);
    for (int k = 0; k < r->nargs; k++)
        rc |= put_field (out, "arg", r->args[k]);
    if (r->queue)
        rc |= buf_printf (out, "queue %d\n", r->queue);
    for (int k = 0; k < r->nmap; k++) {
        rc |= buf_printf (out, "map %u %u ", r->map[k].line, r->map[k].fline);
        rc |= put_escaped (out, r->map[k].path);
        rc |= buf_add (out, "\n", 1);
    }
    rc |= put_field (out, "user", r->user);
    rc |= put_field (out, "host", r->host);
    if (r->pid)
        rc |= buf_printf (out, "pid %ld\n", r->pid);
    if (r->time > 0)
        rc |= buf_printf (out, "time %.6f\n", r->time);
    for (int k = 0; k < r->nfiles && rc == 0; k++) {
        buf_t head = { 0 };
        snprintf (num, sizeof (num), "attach %zu ", r->files[k].len);
        rc |= buf_adds (&head, num);
        rc |= put_escaped (&head, r->files[k].path);
        rc |= buf_add (&head, "\n", 1);
        rc |= head.data ? put_blob (out, head.data, r->files[k].data, r->files[k].len) : -1;
        buf_free (&head);
    }
    if (r->body) {
        snprintf (num, sizeof (num), "body %zu\n", r->body_len);
        rc |= put_blob (out, num, r->body, r->body_len);
    }
    rc |= buf_adds (out, "end\n");
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                            */

/* Unescape val (vlen bytes) into a new string; NULL with *bad set when an
 * escape is unknown or the value holds a NUL. */
static char *unescape (const char *val, size_t vlen, int *bad)
{
    char *out = malloc (vlen + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < vlen; i++) {
        char c = val[i];
        if (c == '\0')
            goto bad;
        if (c == '\\') {
            if (++i >= vlen)
                goto bad;
            c = val[i] == 'n' ? '\n' : val[i] == 'r' ? '\r' : val[i] == '\\' ? '\\' : 0;
            if (!c)
                goto bad;
        }
        *o++ = c;
    }
    *o = '\0';
    return out;
bad:
    free (out);
    *bad = 1;
    return NULL;
}

/* A decimal number in [min, max], the whole of s. */
static int parse_num (const char *s, long long min, long long max, long long *out)
{
    char *end;
    if (!*s || *s == ' ')
        return -1;
    errno = 0;
    long long v = strtoll (s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

struct dec {
    const char *name;
    errlist_t *errs;
    int line;
    int nerr;
};

static int derr (struct dec *d, const char *fmt, const char *a)
{
    d->nerr++;
    return errlist_add (d->errs, d->name, d->line, fmt, a);
}

/* Set a single-valued string field once. */
static int set_once (struct dec *d, char **field, const char *key, char *val)
{
    if (*field) {
        free (val);
        return derr (d, "'%s' given twice", key);
    }
    *field = val;
    return 0;
}

pool_req_t *pool_req_decode (const char *name, const char *data, size_t len, errlist_t *errs)
{
    struct dec d = { .name = name, .errs = errs };
    pool_req_t *r = pool_req_create (0);
    size_t pos = 0;
    int ended = 0, nitems = 0, bodyseen = 0;
    int seen_open = 0, seen_wait = 0, seen_lines = 0, seen_drain = 0, seen_first = 0;
    int seen_pid = 0, seen_time = 0, seen_tl = 0, seen_nodes = 0, seen_max = 0, seen_idle = 0;
    int seen_queue = 0;

    if (!r || !(r->name = strdup (name ? name : "request")))
        goto nomem;
    if (len > (size_t)POOL_REQ_MAX + 4096) {
        derr (&d, "request too large (the limit is %s)", "64 MiB");
        goto invalid;
    }
    while (pos < len && !ended && d.nerr < 20) {
        const char *ln = data + pos;
        const char *nl = memchr (ln, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - ln) : len - pos;
        d.line++;
        pos += llen + (nl ? 1 : 0);
        if (!nl) {
            derr (&d, "truncated request (a line without its end: %s)", "torn write?");
            break;
        }
        if (llen > (size_t)POOL_REQ_STRING_MAX * 2 + 64) {
            derr (&d, "line too long (values are limited to %s)", "1 MiB");
            continue;
        }
        if (d.line == 1) {
            if (llen != 18 || memcmp (ln, "mpibatch-request 1", 18) != 0) {
                derr (&d, "not an mpibatch request (the first line is not '%s')",
                      "mpibatch-request 1");
                goto invalid;
            }
            continue;
        }
        const char *sp = memchr (ln, ' ', llen);
        size_t klen = sp ? (size_t)(sp - ln) : llen;
        const char *val = sp ? sp + 1 : ln + llen;
        size_t vlen = llen - klen - (sp ? 1 : 0);
        char key[24];
        if (klen == 0 || klen >= sizeof (key)) {
            derr (&d, "malformed line (expected 'KEY VALUE')%s", "");
            continue;
        }
        memcpy (key, ln, klen);
        key[klen] = '\0';
        if (!strcmp (key, "end")) {
            ended = 1;
            break;
        }
        if (!strcmp (key, "attach") || !strcmp (key, "body")) {
            /* "body N" / "attach N PATH", then N bytes and a newline. */
            long long n = 0;
            char numbuf[24];
            const char *sp2 = memchr (val, ' ', vlen);
            size_t nlen = sp2 ? (size_t)(sp2 - val) : vlen;
            if (nlen >= sizeof (numbuf)) {
                derr (&d, "%s: bad byte count", key);
                goto invalid;
            }
            memcpy (numbuf, val, nlen);
            numbuf[nlen] = '\0';
            if (parse_num (numbuf, 0, POOL_REQ_MAX, &n) < 0 || (key[0] == 'b') != !sp2) {
                derr (&d, "%s: expected a byte count%s", key[0] == 'b' ? "body" : "attach");
                goto invalid;
            }
            if ((size_t)n > len - pos || len - pos - (size_t)n < 1 || data[pos + n] != '\n') {
                derr (&d, "truncated request: the %s's bytes are not all there (torn write?)", key);
                goto invalid;
            }
            const char *blob = data + pos;
            /* The blob's own lines count, so later line numbers stay true. */
            for (const char *q = blob; (q = memchr (q, '\n', (size_t)(blob + n - q))); q++)
                d.line++;
            d.line++;
            pos += (size_t)n + 1;
            if (key[0] == 'b') {
                if (bodyseen++) {
                    derr (&d, "'%s' given twice", "body");
                    continue;
                }
                if (pool_req_set_body (r, blob, (size_t)n) < 0)
                    goto nomem;
            }
            else {
                int bad = 0;
                char *path = unescape (sp2 + 1, vlen - nlen - 1, &bad);
                if (!path) {
                    if (!bad)
                        goto nomem;
                    derr (&d, "attach: bad path%s", "");
                    continue;
                }
                if (path[0] != '/' || ++nitems > REQ_MAX_ITEMS) {
                    derr (&d, "attach: '%s' is not an absolute path (or too many files)", path);
                    free (path);
                    continue;
                }
                int rc = pool_req_attach (r, path, blob, (size_t)n);
                free (path);
                if (rc < 0)
                    goto nomem;
            }
            continue;
        }
        if (vlen > (size_t)POOL_REQ_STRING_MAX * 2) {
            derr (&d, "%s: value longer than 1 MiB", key);
            continue;
        }
        int bad = 0;
        char *v = unescape (val, vlen, &bad);
        if (!v) {
            if (!bad)
                goto nomem;
            derr (&d, "%s: bad escape or NUL in the value", key);
            continue;
        }
        if (strlen (v) > (size_t)POOL_REQ_STRING_MAX) {
            derr (&d, "%s: value longer than 1 MiB", key);
            free (v);
            continue;
        }
        long long num = 0;
        if (!strcmp (key, "op")) {
            int op = 0;
            for (int k = POOL_OP_SUBMIT; k <= POOL_OP_LAST; k++)
                if (!strcmp (v, op_names[k]))
                    op = k;
            if (r->op)
                derr (&d, "'%s' given twice", "op");
            else if (!op)
                derr (&d, "unknown op '%s'", v);
            else
                r->op = op;
            free (v);
        }
        else if (!strcmp (key, "job"))
            set_once (&d, &r->job, key, v);
        else if (!strcmp (key, "file"))
            set_once (&d, &r->file, key, v);
        else if (!strcmp (key, "prefix"))
            set_once (&d, &r->prefix, key, v);
        else if (!strcmp (key, "user"))
            set_once (&d, &r->user, key, v);
        else if (!strcmp (key, "host"))
            set_once (&d, &r->host, key, v);
        else if (!strcmp (key, "backend"))
            set_once (&d, &r->backend, key, v);
        else if (!strcmp (key, "arg")) {
            int rc = ++nitems > 256 ? (derr (&d, "too many '%s' lines (256 at most)", key), 0)
                     : pool_req_add_arg (r, v);
            free (v);
            if (rc < 0)
                goto nomem;
        }
        else if (!strcmp (key, "time_limit") || !strcmp (key, "idle_timeout")) {
            int *seen = key[0] == 't' ? &seen_tl : &seen_idle;
            double *field = key[0] == 't' ? &r->time_limit : &r->idle_timeout;
            if ((*seen)++ || parse_num (v, 1, 366LL * 86400, &num) < 0)
                derr (&d, "bad or repeated seconds '%s' (1 s to 366 days)", v);
            else
                *field = (double)num;
            free (v);
        }
        else if (!strcmp (key, "nodes") || !strcmp (key, "max_allocations")
                 || !strcmp (key, "queue")) {
            int *seen = key[0] == 'n' ? &seen_nodes : key[0] == 'm' ? &seen_max : &seen_queue;
            int *field = key[0] == 'n' ? &r->nodes : key[0] == 'm' ? &r->max_allocations
                         : &r->queue;
            if ((*seen)++ || parse_num (v, 1, 100000, &num) < 0)
                derr (&d, "bad or repeated number '%s' (1 to 100000)", v);
            else
                *field = (int)num;
            free (v);
        }
        else if (!strcmp (key, "set") || !strcmp (key, "task")) {
            int rc = ++nitems > REQ_MAX_ITEMS ? (derr (&d, "too many '%s' lines", key), 0)
                     : key[0] == 's' ? pool_req_add_set (r, v) : pool_req_add_task (r, v);
            free (v);
            if (rc < 0)
                goto nomem;
        }
        else if (!strcmp (key, "map")) {
            /* "map LINE FLINE PATH" */
            unsigned a, b;
            int off = 0;
            if (++nitems > REQ_MAX_ITEMS)
                derr (&d, "too many '%s' lines", key);
            else if (sscanf (v, "%u %u %n", &a, &b, &off) != 2 || off == 0 || v[off] != '/')
                derr (&d, "map: expected 'LINE FLINE /PATH'%s", "");
            else if (pool_req_add_map (r, a, v + off, b) < 0) {
                free (v);
                goto nomem;
            }
            free (v);
        }
        else if (!strcmp (key, "priority")) {
            if (r->has_priority)
                derr (&d, "'%s' given twice", key);
            else if (parse_num (v, -1000, 1000, &num) < 0)
                derr (&d, "priority must be a number from -1000 to 1000 (got '%s')", v);
            else {
                r->has_priority = 1;
                r->priority = (int)num;
            }
            free (v);
        }
        else if (!strcmp (key, "open") || !strcmp (key, "wait") || !strcmp (key, "lines")
                 || !strcmp (key, "drain")) {
            int *seen = key[0] == 'o' ? &seen_open : key[0] == 'w' ? &seen_wait
                        : key[0] == 'l' ? &seen_lines : &seen_drain;
            int *field = key[0] == 'o' ? &r->open : key[0] == 'w' ? &r->wait
                         : key[0] == 'l' ? &r->lines : &r->drain;
            if ((*seen)++)
                derr (&d, "'%s' given twice", key);
            else if (strcmp (v, "0") && strcmp (v, "1"))
                derr (&d, "expected 0 or 1 (got '%s')", v);
            else
                *field = v[0] == '1';
            free (v);
        }
        else if (!strcmp (key, "first_line")) {
            if (seen_first++ || parse_num (v, 1, 4000000000LL, &num) < 0)
                derr (&d, "first_line: bad or repeated line number '%s'", v);
            else
                r->first_line = (unsigned)num;
            free (v);
        }
        else if (!strcmp (key, "pid")) {
            if (seen_pid++ || parse_num (v, 0, 1LL << 40, &num) < 0)
                derr (&d, "pid: bad or repeated value '%s'", v);
            else
                r->pid = (long)num;
            free (v);
        }
        else if (!strcmp (key, "time")) {
            char *end;
            double t = strtod (v, &end);
            if (seen_time++ || *end || !(t >= 0 && t < 1e11))
                derr (&d, "time: bad or repeated value '%s'", v);
            else
                r->time = t;
            free (v);
        }
        else {
            derr (&d, "unknown field '%s'", key);
            free (v);
        }
    }
    if (d.nerr)
        goto invalid;
    if (!ended) {
        d.line++;
        derr (&d, "truncated request (no '%s' line: torn write?)", "end");
        goto invalid;
    }
    if (pos != len) {
        derr (&d, "bytes after the '%s' line", "end");
        goto invalid;
    }
    /* What each op needs. */
    d.line = 0;
    const char *why;
    if (!r->op)
        derr (&d, "no 'op' line%s", "");
    if (r->job && (why = jobfile_id_problem (r->job)))
        derr (&d, "invalid job id: %s", why);
    int needs_job = r->op == POOL_OP_ADD || r->op == POOL_OP_CLOSE || r->op == POOL_OP_CANCEL
                    || r->op == POOL_OP_PRIORITY;
    if (needs_job && !r->job)
        derr (&d, "%s needs a 'job' line", pool_op_name (r->op));
    if (!needs_job && r->job)
        derr (&d, "%s takes no 'job' line", pool_op_name (r->op));
    if ((r->op == POOL_OP_SUBMIT || r->op == POOL_OP_ADD) && (!r->file || !r->body))
        derr (&d, "%s needs a 'file' and a 'body'", pool_op_name (r->op));
    if (r->file && r->file[0] != '/' && strcmp (r->file, "<stdin>"))
        derr (&d, "file: '%s' is not an absolute path", r->file);
    if (r->op == POOL_OP_PRIORITY && !r->has_priority)
        derr (&d, "priority needs a 'priority' line%s", "");
    if (r->op == POOL_OP_ALLOC_ADD && !r->backend)
        derr (&d, "alloc-add needs a 'backend' line%s", "");
    if (r->op == POOL_OP_ALLOC_REMOVE && !r->queue)
        derr (&d, "alloc-remove needs a 'queue' line%s", "");
    if (r->op != POOL_OP_ALLOC_ADD && (r->backend || r->nargs || seen_tl || seen_nodes
                                       || seen_max || seen_idle))
        derr (&d, "%s takes no allocation settings", pool_op_name (r->op));
    if (r->op != POOL_OP_ALLOC_REMOVE && r->queue)
        derr (&d, "%s takes no 'queue' line", pool_op_name (r->op));
    if (r->prefix) {
        char probe[80];
        snprintf (probe, sizeof (probe), "%.60s1", r->prefix);
        if (strlen (r->prefix) > 54 || (why = jobfile_id_problem (probe)))
            derr (&d, "prefix '%s' cannot start a task id", r->prefix);
    }
    for (int k = 0; k < r->ntasks; k++) {
        if (!r->tasks[k][0] || strlen (r->tasks[k]) > 1024)
            derr (&d, "task: bad id or pattern '%s'", r->tasks[k]);
    }
    if (d.nerr)
        goto invalid;
    return r;
invalid:
    pool_req_destroy (r);
    errno = EINVAL;
    return NULL;
nomem:
    pool_req_destroy (r);
    errno = ENOMEM;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Loading a request's job or tasks                                    */

/* Copy errors from tmp to errs, naming the original file and line of a
 * body line through the request's map. */
static void remap_errors (const pool_req_t *r, errlist_t *tmp, errlist_t *errs)
{
    size_t flen = strlen (r->file);
    for (int k = 0; k < errlist_kept (tmp); k++) {
        const char *m = errlist_get (tmp, k);
        unsigned line;
        int off = 0;
        if (r->nmap && !strncmp (m, r->file, flen) && m[flen] == ':'
            && sscanf (m + flen + 1, "%u:%n", &line, &off) == 1 && off > 0) {
            const struct pool_map *best = NULL;
            for (int i = 0; i < r->nmap; i++)
                if (r->map[i].line <= line && (!best || r->map[i].line >= best->line))
                    best = &r->map[i];
            if (best) {
                const char *rest = m + flen + 1 + off;
                while (*rest == ' ')
                    rest++;
                errlist_add (errs, best->path, (int)(best->fline + (line - best->line)), "%s", rest);
                continue;
            }
        }
        errlist_add (errs, NULL, 0, "%s", m);
    }
    int more = errlist_count (tmp) - errlist_kept (tmp);
    if (more > 0)
        errlist_add (errs, NULL, 0, "... and %d more", more);
}

jobfile_t *pool_req_job (const pool_req_t *r, errlist_t *errs)
{
    if (r->op != POOL_OP_SUBMIT || !r->file || !r->body) {
        errno = EINVAL;
        return NULL;
    }
    errlist_t *tmp = errlist_create (50);
    if (!tmp)
        return NULL;
    jobfile_opts_t o = { .set = (const char **)r->set, .nset = r->nset,
                         .files = r->files, .nfiles = r->nfiles };
    jobfile_t *jf = jobfile_load_text (r->file, r->body, r->body_len, &o, tmp);
    int saved = errno;
    if (!jf)
        remap_errors (r, tmp, errs);
    errlist_destroy (tmp);
    errno = saved;
    return jf;
}

jobfile_t *pool_req_tasks (const pool_req_t *r, const jobfile_t *job,
                           const char *default_prefix, errlist_t *errs)
{
    if (r->op != POOL_OP_ADD || !r->file || !r->body) {
        errno = EINVAL;
        return NULL;
    }
    jobfile_opts_t o = { .files = r->files, .nfiles = r->nfiles, .lines = r->lines,
                         .id_prefix = r->prefix ? r->prefix : default_prefix,
                         .first_line = r->first_line };
    return jobfile_load_fragment (job, r->file, r->body, r->body_len, &o, errs);
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

void pool_answer_free (pool_answer_t *a)
{
    if (!a)
        return;
    free ((char *)a->job);
    free ((char *)a->prefix);
    free ((char *)a->text);
    memset (a, 0, sizeof (*a));
}

int pool_answer_decode (const char *data, size_t len, pool_answer_t *a)
{
    size_t pos = 0;
    int line = 0, ended = 0, status = -1;
    memset (a, 0, sizeof (*a));
    a->count = -1;
    while (pos < len) {
        const char *ln = data + pos;
        const char *nl = memchr (ln, '\n', len - pos);
        if (!nl)
            break;
        size_t llen = (size_t)(nl - ln);
        pos += llen + 1;
        if (++line == 1) {
            if (llen != 17 || memcmp (ln, "mpibatch-answer 1", 17))
                break;
            continue;
        }
        if (llen == 3 && !memcmp (ln, "end", 3)) {
            ended = 1;
            break;
        }
        const char *sp = memchr (ln, ' ', llen);
        if (!sp)
            break;
        int bad = 0;
        char *v = unescape (sp + 1, llen - (size_t)(sp + 1 - ln), &bad);
        if (!v)
            break;
        size_t klen = (size_t)(sp - ln);
        if (klen == 6 && !memcmp (ln, "status", 6))
            status = !strcmp (v, "accepted") ? POOL_ACCEPTED : !strcmp (v, "refused") ? POOL_REFUSED : -1;
        else if (klen == 5 && !memcmp (ln, "count", 5))
            a->count = strtoll (v, NULL, 10);
        else if (klen == 3 && !memcmp (ln, "job", 3) && !a->job) {
            a->job = v;
            continue;
        }
        else if (klen == 6 && !memcmp (ln, "prefix", 6) && !a->prefix) {
            a->prefix = v;
            continue;
        }
        else if (klen == 4 && !memcmp (ln, "text", 4) && !a->text) {
            a->text = v;
            continue;
        }
        free (v);
    }
    if (!ended || status < 0) {
        pool_answer_free (a);
        errno = EINVAL;
        return -1;
    }
    a->status = status;
    return 0;
}

int pool_answer_encode (const pool_answer_t *a, buf_t *out)
{
    int rc = buf_printf (out, "mpibatch-answer 1\nstatus %s\n",
                         a->status == POOL_ACCEPTED ? "accepted" : "refused");
    rc |= put_field (out, "job", a->job);
    if (a->count >= 0)
        rc |= buf_printf (out, "count %lld\n", (long long)a->count);
    rc |= put_field (out, "prefix", a->prefix);
    rc |= put_field (out, "text", a->text);
    rc |= buf_adds (out, "end\n");
    return rc ? -1 : 0;
}
