/* journal.c: the run's append-only journal: framed, checksummed records, group commit, the lock. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/names.h"
#include "io/fdio.h"
#include "io/journal.h"

/* The report spells outcomes with common/names.c's table. */
_Static_assert (JOUT_OUTPUT_ERROR + 1 == MB_NOUTCOMES,
                "common/names.c names each enum journal_outcome");

#define JOURNAL_MAGIC "MPIBJNL1"
#define JOURNAL_MAGIC_LEN 8
/* No real record comes near this; a larger length is garbage, and capping
 * it keeps a corrupt header from making a reader allocate gigabytes. */
#define RECORD_MAX (16u * 1024 * 1024)
#define READ_CHUNK (1u << 20)

struct journal {
    int fd;          /* the journal, O_APPEND */
    int lock_fd;     /* <state>/lock, held with flock(LOCK_EX) */
    buf_t batch;     /* encoded records not yet written */
    size_t written;  /* bytes of batch already written (a short write) */
    int dirty;       /* written since the last fdatasync */
};

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

/* Strings are packed by buf_pack_str: with their NUL, so a reader hands
 * out pointers into its buffer without copying (unpack_str), and NULL
 * stays distinguishable from "".  A record over RECORD_MAX is refused as
 * a whole by journal_encode. */

static int pack_payload (buf_t *b, const journal_rec_t *r)
{
    int rc = 0;
    rc |= buf_pack_u8 (b, (uint8_t)r->type);
    rc |= buf_pack_dbl (b, r->time);
    switch (r->type) {
    case JREC_RUN_START:
        rc |= buf_pack_str (b, r->job_id);
        rc |= buf_pack_u64 (b, r->job_digest);
        rc |= buf_pack_i32 (b, r->workers);
        rc |= buf_pack_i32 (b, r->nodes);
        rc |= buf_pack_i32 (b, r->slots);
        rc |= buf_pack_u64 (b, r->ntasks);
        rc |= buf_pack_str (b, r->version);
        rc |= buf_pack_str (b, r->text);
        break;
    case JREC_WORKER:
        rc |= buf_pack_i32 (b, r->worker);
        rc |= buf_pack_str (b, r->node);
        rc |= buf_pack_i32 (b, r->slots);
        rc |= buf_pack_str (b, r->cpus);
        break;
    case JREC_ATTEMPT_START:
        rc |= buf_pack_str (b, r->task);
        rc |= buf_pack_u32 (b, r->task_index);
        rc |= buf_pack_u64 (b, r->task_digest);
        rc |= buf_pack_i32 (b, r->attempt);
        rc |= buf_pack_i32 (b, r->worker);
        rc |= buf_pack_str (b, r->node);
        rc |= buf_pack_i32 (b, r->slots);
        rc |= buf_pack_str (b, r->cpus);
        rc |= buf_pack_dbl (b, r->ready_time);
        rc |= buf_pack_dbl (b, r->start_time);
        break;
    case JREC_ATTEMPT_END:
        rc |= buf_pack_str (b, r->task);
        rc |= buf_pack_u32 (b, r->task_index);
        rc |= buf_pack_i32 (b, r->attempt);
        rc |= buf_pack_i32 (b, r->worker);
        rc |= buf_pack_str (b, r->node);
        rc |= buf_pack_i32 (b, r->slots);
        rc |= buf_pack_str (b, r->cpus);
        rc |= buf_pack_i32 (b, r->outcome);
        rc |= buf_pack_i32 (b, r->exit_code);
        rc |= buf_pack_i32 (b, r->signal);
        rc |= buf_pack_u8 (b, r->timed_out ? 1 : 0);
        rc |= buf_pack_dbl (b, r->start_time);
        rc |= buf_pack_dbl (b, r->end_time);
        rc |= buf_pack_dbl (b, r->user_seconds);
        rc |= buf_pack_dbl (b, r->system_seconds);
        rc |= buf_pack_i64 (b, r->max_rss_kib);
        rc |= buf_pack_i64 (b, r->bytes_in);
        rc |= buf_pack_i64 (b, r->bytes_out);
        rc |= buf_pack_str (b, r->reason);
        rc |= buf_pack_u8 (b, (uint8_t)(r->log_cut & 3));
        /* Added with exit conditions: a record without them keeps the
         * older, shorter form, which every reader knows. */
        if (r->rule || r->decision) {
            rc |= buf_pack_str (b, r->rule);
            rc |= buf_pack_u8 (b, (uint8_t)r->decision);
        }
        break;
    case JREC_TASK_END:
        rc |= buf_pack_str (b, r->task);
        rc |= buf_pack_u32 (b, r->task_index);
        rc |= buf_pack_u64 (b, r->task_digest);
        rc |= buf_pack_i32 (b, r->state);
        rc |= buf_pack_i32 (b, r->attempt);
        rc |= buf_pack_str (b, r->reason);
        if (r->dependents || r->job_action || r->rule) {
            rc |= buf_pack_u8 (b, (uint8_t)r->dependents);
            rc |= buf_pack_u8 (b, (uint8_t)r->job_action);
            rc |= buf_pack_str (b, r->rule);
        }
        break;
    case JREC_RUN_END:
        rc |= buf_pack_i32 (b, r->status);
        break;
    case JREC_PREP:
        rc |= buf_pack_str (b, r->node);
        rc |= buf_pack_i32 (b, r->worker);
        rc |= buf_pack_i32 (b, r->attempt);
        rc |= buf_pack_i32 (b, r->outcome);
        rc |= buf_pack_i32 (b, r->exit_code);
        rc |= buf_pack_i32 (b, r->signal);
        rc |= buf_pack_dbl (b, r->start_time);
        rc |= buf_pack_dbl (b, r->end_time);
        rc |= buf_pack_str (b, r->reason);
        break;
    case JREC_ADD:
        rc |= buf_pack_u32 (b, r->task_index);
        rc |= buf_pack_u64 (b, r->ntasks);
        rc |= buf_pack_str (b, r->text);
        rc |= buf_pack_bytes (b, r->data, r->data_len);
        rc |= buf_pack_str (b, r->req_name);
        break;
    case JREC_CLOSE:
        break;
    case JREC_CANCEL:
        rc |= buf_pack_str (b, r->text);
        break;
    case JREC_PRIORITY:
        rc |= buf_pack_i32 (b, r->status);
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    return rc ? -1 : 0;
}

int journal_encode (const journal_rec_t *r, void *bufp)
{
    buf_t *b = bufp;
    if (!r || !b) {
        errno = EINVAL;
        return -1;
    }
    size_t start;
    /* Reserve the header, pack the payload after it, then fill it in;
     * a failed append leaves the batch as it was. */
    if (buf_frame_begin (b, &start) < 0)
        return -1;
    if (pack_payload (b, r) < 0) {
        b->len = start;
        if (b->data)
            b->data[start] = '\0';
        return -1;
    }
    return buf_frame_end (b, start, RECORD_MAX);
}

/* Decode a payload whose checksum has been verified.  Every length is
 * still checked (unpack_t stops at the end), and the payload must be used
 * exactly: anything left over means it is not what we wrote. */
static int unpack_payload (const char *p, size_t n, journal_rec_t *r)
{
    unpack_t u;
    unpack_init (&u, p, n);
    memset (r, 0, sizeof (*r));
    r->type = unpack_u8 (&u);
    r->time = unpack_dbl (&u);
    switch (r->type) {
    case JREC_RUN_START:
        r->job_id = unpack_str (&u);
        r->job_digest = unpack_u64 (&u);
        r->workers = unpack_i32 (&u);
        r->nodes = unpack_i32 (&u);
        r->slots = unpack_i32 (&u);
        r->ntasks = unpack_u64 (&u);
        r->version = unpack_str (&u);
        r->text = unpack_str (&u);
        break;
    case JREC_WORKER:
        r->worker = unpack_i32 (&u);
        r->node = unpack_str (&u);
        r->slots = unpack_i32 (&u);
        r->cpus = unpack_str (&u);
        break;
    case JREC_ATTEMPT_START:
        r->task = unpack_str (&u);
        r->task_index = unpack_u32 (&u);
        r->task_digest = unpack_u64 (&u);
        r->attempt = unpack_i32 (&u);
        r->worker = unpack_i32 (&u);
        r->node = unpack_str (&u);
        r->slots = unpack_i32 (&u);
        r->cpus = unpack_str (&u);
        r->ready_time = unpack_dbl (&u);
        r->start_time = unpack_dbl (&u);
        break;
    case JREC_ATTEMPT_END:
        r->task = unpack_str (&u);
        r->task_index = unpack_u32 (&u);
        r->attempt = unpack_i32 (&u);
        r->worker = unpack_i32 (&u);
        r->node = unpack_str (&u);
        r->slots = unpack_i32 (&u);
        r->cpus = unpack_str (&u);
        r->outcome = unpack_i32 (&u);
        r->exit_code = unpack_i32 (&u);
        r->signal = unpack_i32 (&u);
        r->timed_out = unpack_u8 (&u);
        r->start_time = unpack_dbl (&u);
        r->end_time = unpack_dbl (&u);
        r->user_seconds = unpack_dbl (&u);
        r->system_seconds = unpack_dbl (&u);
        r->max_rss_kib = unpack_i64 (&u);
        r->bytes_in = unpack_i64 (&u);
        r->bytes_out = unpack_i64 (&u);
        r->reason = unpack_str (&u);
        r->log_cut = unpack_u8 (&u);
        if (u.left > 0) {
            r->rule = unpack_str (&u);
            r->decision = unpack_u8 (&u);
        }
        break;
    case JREC_TASK_END:
        r->task = unpack_str (&u);
        r->task_index = unpack_u32 (&u);
        r->task_digest = unpack_u64 (&u);
        r->state = unpack_i32 (&u);
        r->attempt = unpack_i32 (&u);
        r->reason = unpack_str (&u);
        if (u.left > 0) {
            r->dependents = unpack_u8 (&u);
            r->job_action = unpack_u8 (&u);
            r->rule = unpack_str (&u);
        }
        break;
    case JREC_RUN_END:
        r->status = unpack_i32 (&u);
        break;
    case JREC_PREP:
        r->node = unpack_str (&u);
        r->worker = unpack_i32 (&u);
        r->attempt = unpack_i32 (&u);
        r->outcome = unpack_i32 (&u);
        r->exit_code = unpack_i32 (&u);
        r->signal = unpack_i32 (&u);
        r->start_time = unpack_dbl (&u);
        r->end_time = unpack_dbl (&u);
        r->reason = unpack_str (&u);
        break;
    case JREC_ADD:
        r->task_index = unpack_u32 (&u);
        r->ntasks = unpack_u64 (&u);
        r->text = unpack_str (&u);
        r->data = unpack_bytes (&u, &r->data_len);
        r->req_name = unpack_str (&u);
        break;
    case JREC_CLOSE:
        break;
    case JREC_CANCEL:
        r->text = unpack_str (&u);
        break;
    case JREC_PRIORITY:
        r->status = unpack_i32 (&u);
        break;
    default:
        return -1;
    }
    if (u.err || u.left != 0)
        return -1;
    /* A record that names a task always has one. */
    if ((r->type == JREC_ATTEMPT_START || r->type == JREC_ATTEMPT_END
         || r->type == JREC_TASK_END) && !r->task)
        return -1;
    return 0;
}

/* Look at one framed record in p[0..n): frame_check's answer, and the
 * record decoded into *r when it is whole and valid. */
static long record_check (const char *p, size_t n, journal_rec_t *r, size_t *need)
{
    long rc = frame_check (p, n, RECORD_MAX, need);
    if (rc > 0 && unpack_payload (p + FRAME_HDR, (size_t)rc - FRAME_HDR, r) < 0)
        return -1;
    return rc;
}

size_t journal_decode (const void *p, size_t n, journal_rec_t *r)
{
    size_t need;
    journal_rec_t tmp;
    if (!p)
        return 0;
    long rc = record_check (p, n, r ? r : &tmp, &need);
    return rc > 0 ? (size_t)rc : 0;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

int journal_read (const char *path, journal_cb_f cb, void *arg,
                  off_t *valid_len, mb_error_t *err)
{
    char *buf = NULL;
    size_t cap = READ_CHUNK, have = 0, pos = 0;
    off_t valid = 0;
    int eof = 0, result = 0;
    int fd = -1;

    if (valid_len)
        *valid_len = 0;
    if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        return errprintf (err, "%s: %s", path, strerror (errno));
    if (!(buf = malloc (cap))) {
        errprintf (err, "%s: %s", path, strerror (errno));
        goto error;
    }
    size_t got;
    if (fd_read_all (fd, buf, JOURNAL_MAGIC_LEN, &got) < 0) {
        errprintf (err, "%s: %s", path, strerror (errno));
        goto error;
    }
    if (memcmp (buf, JOURNAL_MAGIC, got) != 0) {
        errno = EINVAL;
        errprintf (err, "%s: not an mpibatch journal", path);
        goto error;
    }
    if (got < JOURNAL_MAGIC_LEN)
        goto done;  /* empty, or torn while the magic was written */
    valid = JOURNAL_MAGIC_LEN;

    for (;;) {
        journal_rec_t r;
        size_t need = 0;
        long rc = record_check (buf + pos, have - pos, &r, &need);
        if (rc < 0)
            break;
        if (rc > 0) {
            pos += (size_t)rc;
            valid += rc;
            if (cb && (result = cb (&r, arg)) != 0)
                break;
            continue;
        }
        if (eof)
            break;  /* a torn tail */
        /* Keep the partial record, move it to the front, read more. */
        memmove (buf, buf + pos, have - pos);
        have -= pos;
        pos = 0;
        if (need > cap) {
            char *p = realloc (buf, need);
            if (!p) {
                errprintf (err, "%s: %s", path, strerror (errno));
                goto error;
            }
            buf = p;
            cap = need;
        }
        if (fd_read_all (fd, buf + have, cap - have, &got) < 0) {
            errprintf (err, "%s: %s", path, strerror (errno));
            goto error;
        }
        if (got < cap - have)
            eof = 1;
        have += got;
    }
done:
    if (valid_len)
        *valid_len = valid;
    free (buf);
    close (fd);
    return result;
error:
    free (buf);
    if (fd >= 0) {
        int saved = errno;
        close (fd);
        errno = saved;
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

/* mkdir -p: the state directory's parents may not exist yet. */
static int mkdir_p (const char *dir)
{
    char *s = strdup (dir);
    if (!s)
        return -1;
    for (char *p = s + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir (s, 0777) < 0 && errno != EEXIST) {
                int saved = errno;
                free (s);
                errno = saved;
                return -1;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    free (s);
    struct stat st;
    if (stat (dir, &st) < 0)
        return -1;
    if (!S_ISDIR (st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Take <statedir>/lock and write who holds it, so a refused second run
 * can say which process is in the way. */
static int take_lock (const char *statedir, mb_error_t *err)
{
    char path[PATH_MAX];
    if (snprintf (path, sizeof (path), "%s/lock", statedir) >= (int)sizeof (path)) {
        errno = ENAMETOOLONG;
        return errprintf (err, "%s: path too long", statedir);
    }
    int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return errprintf (err, "%s: %s", path, strerror (errno));
    /* `mpibatch status` takes a shared lock for an instant to see whether
     * a run is live; a few retries keep that from refusing a real run. */
    int rc;
    for (int tries = 0; (rc = flock (fd, LOCK_EX | LOCK_NB)) < 0 && tries < 5; tries++) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            break;
        usleep (20000);
    }
    if (rc < 0) {
        int saved = errno;
        if (saved == EWOULDBLOCK) {
            char who[256];
            ssize_t n = pread (fd, who, sizeof (who) - 1, 0);
            who[n > 0 ? n : 0] = '\0';
            who[strcspn (who, "\n")] = '\0';
            close (fd);
            errno = saved;
            return errprintf (err, "state directory %s is in use by another run (%s)",
                              statedir, who[0] ? who : "unknown process");
        }
        close (fd);
        errno = saved;
        return errprintf (err, "%s: cannot lock: %s", path, strerror (saved));
    }
    char host[256] = "";
    char who[320];
    gethostname (host, sizeof (host) - 1);
    host[sizeof (host) - 1] = '\0';
    int n = snprintf (who, sizeof (who), "%ld@%s\n", (long)getpid (), host);
    /* Who holds the lock is only informative: a failure here is harmless. */
    if (ftruncate (fd, 0) == 0 && pwrite (fd, who, (size_t)n, 0) < 0)
        (void)0;
    return fd;
}

journal_t *journal_open (const char *statedir, int truncate, mb_error_t *err)
{
    journal_t *j = NULL;
    char path[PATH_MAX];
    off_t valid = 0;
    struct stat st;

    if (!statedir || !*statedir) {
        errno = EINVAL;
        errprintf (err, "no state directory");
        return NULL;
    }
    if (mkdir_p (statedir) < 0) {
        errprintf (err, "%s: cannot create state directory: %s", statedir,
                   strerror (errno));
        return NULL;
    }
    if (!(j = calloc (1, sizeof (*j)))) {
        errprintf (err, "%s", strerror (errno));
        return NULL;
    }
    j->fd = -1;
    if ((j->lock_fd = take_lock (statedir, err)) < 0)
        goto error;
    if (snprintf (path, sizeof (path), "%s/journal", statedir) >= (int)sizeof (path)) {
        errno = ENAMETOOLONG;
        errprintf (err, "%s: path too long", statedir);
        goto error;
    }
    if ((j->fd = open (path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        errprintf (err, "%s: %s", path, strerror (errno));
        goto error;
    }
    if (truncate && ftruncate (j->fd, 0) < 0) {
        errprintf (err, "%s: %s", path, strerror (errno));
        goto error;
    }
    if (fstat (j->fd, &st) < 0) {
        errprintf (err, "%s: %s", path, strerror (errno));
        goto error;
    }
    if (st.st_size > 0 && journal_read (path, NULL, NULL, &valid, err) < 0)
        goto error;
    if (valid < JOURNAL_MAGIC_LEN) {
        /* Empty, or a crash tore the magic itself: start afresh. */
        if ((st.st_size > 0 && ftruncate (j->fd, 0) < 0)
            || fd_write_all (j->fd, JOURNAL_MAGIC, JOURNAL_MAGIC_LEN, NULL) < 0
            || fdatasync (j->fd) < 0) {
            errprintf (err, "%s: %s", path, strerror (errno));
            goto error;
        }
    }
    else if (valid < st.st_size) {
        /* Cut the torn tail so new records follow the last valid one. */
        if (ftruncate (j->fd, valid) < 0 || fdatasync (j->fd) < 0) {
            errprintf (err, "%s: cannot cut torn tail: %s", path, strerror (errno));
            goto error;
        }
    }
    return j;
error:
    {
        int saved = errno;
        if (j->fd >= 0)
            close (j->fd);
        if (j->lock_fd >= 0)
            close (j->lock_fd);
        free (j);
        errno = saved;
    }
    return NULL;
}

int journal_append (journal_t *j, const journal_rec_t *r)
{
    if (!j) {
        errno = EINVAL;
        return -1;
    }
    return journal_encode (r, &j->batch);
}

int journal_flush (journal_t *j, int sync)
{
    if (!j) {
        errno = EINVAL;
        return -1;
    }
    if (j->batch.len > j->written) {
        /* On error the unwritten rest stays in the batch (j->written says
         * where it starts) so a later flush can finish it. */
        if (fd_write_all (j->fd, j->batch.data, j->batch.len, &j->written) < 0) {
            j->dirty = 1;
            return -1;
        }
        buf_reset (&j->batch);
        j->written = 0;
        j->dirty = 1;
    }
    if (sync && j->dirty) {
        if (fdatasync (j->fd) < 0)
            return -1;
        j->dirty = 0;
    }
    return 0;
}

void journal_close (journal_t *j)
{
    if (!j)
        return;
    int saved = errno;
    (void)journal_flush (j, 1);
    close (j->fd);
    if (j->lock_fd >= 0) {
        flock (j->lock_fd, LOCK_UN);
        close (j->lock_fd);
    }
    buf_free (&j->batch);
    free (j);
    errno = saved;
}
