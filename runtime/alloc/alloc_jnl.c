/* alloc_jnl.c: POOLDIR/alloc.jnl, the allocator's records: framed (u32 length, u32 crc32c, text), appended, replayed on resume. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "runtime/alloc/alloc_int.h"

/* A record is one text, at most this long (a queue with 256 arguments
 * of 4 KiB each fits). */
#define REC_MAX (2L << 20)

static int put_record (struct alloc *a, const char *p, size_t n, int sync, mb_error_t *err)
{
    char head[8];
    uint32_t len = (uint32_t)n, crc = hash_crc32c (0, p, n);
    memcpy (head, &len, 4);
    memcpy (head + 4, &crc, 4);
    buf_t b = { 0 };
    if (buf_add (&b, head, 8) < 0 || buf_add (&b, p, n) < 0) {
        buf_free (&b);
        return errprintf (err, "allocator: out of memory");
    }
    /* One write per record (O_APPEND): a crash leaves at worst a torn
     * tail, cut at the next open. */
    ssize_t w = write (a->jfd, b.data, b.len);
    int saved = errno;
    buf_free (&b);
    if (w != (ssize_t)(n + 8)) {
        errno = w < 0 ? saved : EIO;
        return errprintf (err, "%s/alloc.jnl: cannot write: %s", a->dir, strerror (errno));
    }
    if (sync && fdatasync (a->jfd) < 0)
        return errprintf (err, "%s/alloc.jnl: cannot sync: %s", a->dir, strerror (errno));
    return 0;
}

int alloc_jnl_put (struct alloc *a, int sync, mb_error_t *err, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (a->jfd < 0) {
        errno = EBADF;
        return errprintf (err, "allocator: read-only");
    }
    va_start (ap, fmt);
    int n = vsnprintf (line, sizeof (line), fmt, ap);
    va_end (ap);
    if (n < 0 || n >= (int)sizeof (line))
        n = (int)sizeof (line) - 1;
    /* One line: a reason with newlines must not split the record's text. */
    for (int k = 0; k < n; k++)
        if (line[k] == '\n' || line[k] == '\r')
            line[k] = ' ';
    return put_record (a, line, (size_t)n, sync, err);
}

/* Escape \ and newlines of an argument, so a record's lines stay lines. */
static int put_arg (buf_t *b, const char *s)
{
    int rc = buf_adds (b, "arg ");
    for (; *s && rc == 0; s++)
        rc = *s == '\\' ? buf_adds (b, "\\\\") : *s == '\n' ? buf_adds (b, "\\n")
             : *s == '\r' ? buf_adds (b, "\\r") : buf_add (b, s, 1);
    return rc | buf_add (b, "\n", 1);
}

int alloc_jnl_queue (struct alloc *a, const struct queue *q, mb_error_t *err)
{
    buf_t b = { 0 };
    int rc = buf_printf (&b, "queue %d %.0f %d %d %.3f %d\n", q->id, q->time_limit, q->nodes,
                         q->max_allocations, q->idle_timeout, q->nargs);
    for (int k = 0; k < q->nargs; k++)
        rc |= put_arg (&b, q->args[k]);
    if (rc < 0) {
        buf_free (&b);
        return errprintf (err, "allocator: out of memory");
    }
    rc = put_record (a, b.data, b.len, 1, err);
    buf_free (&b);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Replay                                                              */

static char *unescape_arg (const char *s, size_t n)
{
    char *o = malloc (n + 1), *p = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            *p++ = s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' : s[i];
        }
        else
            *p++ = s[i];
    }
    *p = '\0';
    return o;
}

static int replay_queue (struct alloc *a, const char *rec, size_t n)
{
    int id, nodes, max, nargs, off = 0;
    double tl, idle;
    if (sscanf (rec, "queue %d %lf %d %d %lf %d%n", &id, &tl, &nodes, &max, &idle, &nargs, &off) != 6
        || id < 1 || nargs < 0 || nargs > 256 || alloc_queue_find (a, id))
        return -1;
    struct queue *q = alloc_queue_new (a, id);
    if (!q)
        return -1;
    q->time_limit = tl;
    q->nodes = nodes;
    q->max_allocations = max;
    q->idle_timeout = idle;
    if (nargs && !(q->args = calloc ((size_t)nargs, sizeof (char *))))
        return -1;
    const char *p = rec + off, *end = rec + n;
    if (p < end && *p == '\n')
        p++;
    while (q->nargs < nargs && p < end) {
        const char *nl = memchr (p, '\n', (size_t)(end - p));
        if (!nl || nl - p < 4 || memcmp (p, "arg ", 4))
            return -1;
        if (!(q->args[q->nargs] = unescape_arg (p + 4, (size_t)(nl - p - 4))))
            return -1;
        q->nargs++;
        p = nl + 1;
    }
    return q->nargs == nargs ? 0 : -1;
}

/* Apply one record; -1 when it does not parse (skipped by the caller). */
static int replay_one (struct alloc *a, char *rec, size_t n)
{
    int qid, seq, failures, off = 0;
    double t;
    char word[32], job[32];
    struct queue *q;
    struct allocation *al;

    if (!strncmp (rec, "init ", 5)) {
        if (sscanf (rec, "init %16s", a->token) != 1)
            return -1;
        return 0;
    }
    if (!strncmp (rec, "queue ", 6))
        return replay_queue (a, rec, n);
    if (sscanf (rec, "remove %d", &qid) == 1) {
        if (!(q = alloc_queue_find (a, qid)))
            return -1;
        q->removed = 1;
        return 0;
    }
    if (sscanf (rec, "intent %d %d %lf", &qid, &seq, &t) == 3) {
        if (!(q = alloc_queue_find (a, qid)) || alloc_al_find (q, seq) || seq < 1)
            return -1;
        if (!(al = alloc_al_new (q, seq)))
            return -1;
        al->state = ALLOC_SUBMITTING;
        al->submitted = t;
        return 0;
    }
    if (sscanf (rec, "submit %d %d %31s", &qid, &seq, job) == 3) {
        if (!(q = alloc_queue_find (a, qid)))
            return -1;
        if (!(al = alloc_al_find (q, seq)) && !(al = alloc_al_new (q, seq)))
            return -1;
        snprintf (al->job_id, sizeof (al->job_id), "%s", job);
        if (al->state == ALLOC_SUBMITTING)
            al->state = ALLOC_PENDING;
        q->failures = 0;
        q->backoff_until = 0;
        q->last_error[0] = '\0';
        q->submissions++;
        return 0;
    }
    if (sscanf (rec, "state %d %d %31s %lf", &qid, &seq, word, &t) == 4) {
        if (!(q = alloc_queue_find (a, qid)) || !(al = alloc_al_find (q, seq)))
            return -1;
        if (!strcmp (word, "running")) {
            al->state = ALLOC_RUNNING;
            al->started = t;
        }
        else if (!strcmp (word, "ended")) {
            al->state = ALLOC_ENDED;
            al->ended = t;
        }
        else if (!strcmp (word, "pending"))
            al->state = ALLOC_PENDING;
        else
            return -1;
        return 0;
    }
    if (sscanf (rec, "fail %d %d %lf %n", &qid, &failures, &t, &off) == 3 && off > 0) {
        if (!(q = alloc_queue_find (a, qid)))
            return -1;
        q->failures = failures;
        q->nfail++;
        snprintf (q->last_error, sizeof (q->last_error), "%.*s", (int)(n - (size_t)off),
                  rec + off);
        /* The backoff goes on from when the failure was, not from now. */
        double left = t + alloc_backoff (failures) - mb_clock_real ();
        q->backoff_until = left > 0 ? mb_clock_mono () + left : 0;
        return 0;
    }
    return -1;
}

static int new_token (char *tok)
{
    unsigned char r[8];
    int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read (fd, r, 8) != 8) {
        if (fd >= 0)
            close (fd);
        uint64_t x = (uint64_t)getpid () ^ (uint64_t)(mb_clock_real () * 1e6);
        memcpy (r, &x, 8);
    }
    else
        close (fd);
    for (int k = 0; k < 8; k++)
        snprintf (tok + 2 * k, 3, "%02x", r[k]);
    return 0;
}

int alloc_jnl_open (struct alloc *a, int resume, int readonly, mb_error_t *err)
{
    char path[4096], old[4200];
    snprintf (path, sizeof (path), "%s/alloc.jnl", a->dir);
    struct stat st;
    int have = lstat (path, &st) == 0;
    if (have && !S_ISREG (st.st_mode)) {
        errno = EINVAL;
        return errprintf (err, "%s: not a regular file", path);
    }
    if (readonly && !have) {
        errno = ENOENT;
        return errprintf (err, "%s: no allocation queue was ever added to this pool", a->dir);
    }
    if (have && !resume && !readonly) {
        snprintf (old, sizeof (old), "%s.old", path);
        if (rename (path, old) < 0)
            return errprintf (err, "%s: cannot move aside: %s", path, strerror (errno));
        have = 0;
    }
    off_t good = 0;
    if (have) {
        int fd = open (path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return errprintf (err, "%s: %s", path, strerror (errno));
        buf_t b = { 0 };
        char chunk[65536];
        ssize_t r;
        while ((r = read (fd, chunk, sizeof (chunk))) > 0)
            if (buf_add (&b, chunk, (size_t)r) < 0) {
                r = -1;
                break;
            }
        int saved = errno;
        close (fd);
        if (r < 0) {
            buf_free (&b);
            errno = saved;
            return errprintf (err, "%s: cannot read: %s", path, strerror (errno));
        }
        size_t pos = 0;
        while (b.len - pos >= 8) {
            uint32_t len, crc;
            memcpy (&len, b.data + pos, 4);
            memcpy (&crc, b.data + pos + 4, 4);
            if (len > REC_MAX || len > b.len - pos - 8
                || hash_crc32c (0, b.data + pos + 8, len) != crc)
                break;   /* a torn or damaged tail: what follows is not trusted */
            char *rec = malloc (len + 1);
            if (!rec) {
                buf_free (&b);
                return errprintf (err, "allocator: out of memory");
            }
            memcpy (rec, b.data + pos + 8, len);
            rec[len] = '\0';
            replay_one (a, rec, len);   /* a record that does not parse is skipped */
            free (rec);
            pos += 8 + len;
        }
        good = (off_t)pos;
        buf_free (&b);
    }
    if (readonly)
        return 0;
    a->jfd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (a->jfd < 0)
        return errprintf (err, "%s: %s", path, strerror (errno));
    if (have && ftruncate (a->jfd, good) < 0)
        return errprintf (err, "%s: cannot cut the torn tail: %s", path, strerror (errno));
    if (!a->token[0]) {
        new_token (a->token);
        if (alloc_jnl_put (a, 1, err, "init %s", a->token) < 0)
            return -1;
    }
    return 0;
}
