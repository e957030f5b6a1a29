/* test_journal.c: unit tests of the journal: encoding, torn tails, corruption, the lock, group commit. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "common/buf.h"
#include "io/journal.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static char *make_tmpdir (void)
{
    char *d = strdup ("/tmp/test_journal.XXXXXX");
    assert_non_null (d);
    assert_non_null (mkdtemp (d));
    return d;
}

static void rm_rf (const char *dir)
{
    char cmd[4200];
    snprintf (cmd, sizeof (cmd), "rm -rf '%s'", dir);
    assert_int_equal (system (cmd), 0);
}

static char *path_join (const char *a, const char *b)
{
    char *s;
    assert_true (asprintf (&s, "%s/%s", a, b) > 0);
    return s;
}

static off_t file_size (const char *path)
{
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    return st.st_size;
}

static double now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One record of every type with every field it carries set to something
 * distinctive (including strings with odd bytes and a NULL). */
static journal_rec_t sample (int type, int k)
{
    journal_rec_t r;
    memset (&r, 0, sizeof (r));
    r.type = type;
    r.time = 1700000000.25 + k;
    switch (type) {
    case JREC_RUN_START:
        r.job_id = "job-ä\"1";
        r.job_digest = 0x0123456789abcdefULL;
        r.workers = 7;
        r.nodes = 3;
        r.slots = 56;
        r.ntasks = 1000000000000ULL;
        r.version = "0.1";
        r.text = "/path/to/job.cfg";
        break;
    case JREC_WORKER:
        r.worker = 5;
        r.node = "node-1";
        r.slots = 8;
        r.cpus = "0-7";
        break;
    case JREC_ATTEMPT_START:
        r.task = "sim-3";
        r.task_index = 3000000000u;
        r.task_digest = 0xfeedfacecafebeefULL;
        r.attempt = 2;
        r.worker = 4;
        r.node = "node-2";
        r.slots = 2;
        r.cpus = "4,5";
        r.ready_time = 1.5;
        r.start_time = 2.5;
        break;
    case JREC_ATTEMPT_END:
        r.task = "sim-3";
        r.task_index = 3;
        r.attempt = 2;
        r.worker = 4;
        r.node = "node-2";
        r.slots = 2;
        r.cpus = "4,5";
        r.outcome = JOUT_TIMED_OUT;
        r.exit_code = -1;
        r.signal = 9;
        r.timed_out = 1;
        r.start_time = 2.5;
        r.end_time = 12.75;
        r.user_seconds = 9.5;
        r.system_seconds = 0.125;
        r.max_rss_kib = 123456789012LL;
        r.bytes_in = 1LL << 40;
        r.bytes_out = -1;
        r.reason = "timed out after 10s";
        r.log_cut = 3;
        break;
    case JREC_TASK_END:
        r.task = "sim-3";
        r.task_index = 3;
        r.task_digest = 42;
        r.state = 4;
        r.attempt = 3;
        r.reason = "";
        break;
    case JREC_RUN_END:
        r.status = 2;
        break;
    case JREC_PREP:
        r.node = "node-9";
        r.worker = 1;
        r.attempt = 1;
        r.outcome = JOUT_FAILED;
        r.exit_code = 3;
        r.signal = 0;
        r.start_time = 5;
        r.end_time = 6;
        r.reason = NULL;
        break;
    case JREC_ADD:
        /* The request's bytes, a NUL among them. */
        r.task_index = 17;
        r.ntasks = 3;
        r.text = "add2-line-";
        static const char req[] = "mpibatch-request 1\nop add\n\0body";
        r.data = req;
        r.data_len = sizeof (req) - 1;
        r.req_name = "1700000000.5-host-12-3.req";
        break;
    case JREC_CLOSE:
        break;
    case JREC_CANCEL:
        r.text = k & 1 ? "sim-*" : NULL;
        break;
    case JREC_PRIORITY:
        r.status = -1000;
        break;
    }
    return r;
}

static void assert_str_same (const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal (a, b);
    else
        assert_string_equal (a, b);
}

static void assert_rec_equal (const journal_rec_t *a, const journal_rec_t *b)
{
    assert_int_equal (a->type, b->type);
    assert_true (a->time == b->time);
    assert_str_same (a->job_id, b->job_id);
    assert_true (a->job_digest == b->job_digest);
    assert_int_equal (a->workers, b->workers);
    assert_int_equal (a->nodes, b->nodes);
    assert_int_equal (a->slots, b->slots);
    assert_true (a->ntasks == b->ntasks);
    assert_str_same (a->version, b->version);
    assert_str_same (a->text, b->text);
    assert_str_same (a->task, b->task);
    assert_int_equal (a->task_index, b->task_index);
    assert_true (a->task_digest == b->task_digest);
    assert_int_equal (a->attempt, b->attempt);
    assert_int_equal (a->worker, b->worker);
    assert_str_same (a->node, b->node);
    assert_str_same (a->cpus, b->cpus);
    assert_true (a->ready_time == b->ready_time);
    assert_true (a->start_time == b->start_time);
    assert_true (a->end_time == b->end_time);
    assert_int_equal (a->outcome, b->outcome);
    assert_int_equal (a->exit_code, b->exit_code);
    assert_int_equal (a->signal, b->signal);
    assert_int_equal (a->timed_out, b->timed_out);
    assert_true (a->user_seconds == b->user_seconds);
    assert_true (a->system_seconds == b->system_seconds);
    assert_true (a->max_rss_kib == b->max_rss_kib);
    assert_true (a->bytes_in == b->bytes_in);
    assert_true (a->bytes_out == b->bytes_out);
    assert_str_same (a->reason, b->reason);
    assert_int_equal (a->log_cut, b->log_cut);
    assert_int_equal (a->state, b->state);
    assert_int_equal (a->status, b->status);
    assert_int_equal (a->data_len, b->data_len);
    assert_str_same (a->req_name, b->req_name);
    if (a->data_len)
        assert_memory_equal (a->data, b->data, a->data_len);
}

/* Collects what journal_read hands out, copying the borrowed strings'
 * identity into a comparison right away (they die after the callback). */
struct collect {
    int n;
    int expect_from;   /* compare record i with sample (type_of (i), i) */
    int stop_at;       /* return 7 from the callback at this record, or -1 */
};

static int type_of (int i)
{
    return 1 + i % 11;
}

static int collect_cb (const journal_rec_t *r, void *arg)
{
    struct collect *c = arg;
    journal_rec_t want = sample (type_of (c->n), c->n);
    assert_rec_equal (r, &want);
    c->n++;
    if (c->n == c->stop_at)
        return 7;
    return 0;
}

/* Write n sample records into a fresh journal under dir. */
static void write_samples (const char *dir, int n)
{
    mb_error_t err;
    journal_t *j = journal_open (dir, 0, &err);
    assert_non_null (j);
    for (int i = 0; i < n; i++) {
        journal_rec_t r = sample (type_of (i), i);
        assert_int_equal (journal_append (j, &r), 0);
    }
    assert_int_equal (journal_flush (j, 1), 0);
    journal_close (j);
}

static int count_records (const char *path, off_t *valid)
{
    struct collect c = { 0, 0, -1 };
    mb_error_t err;
    assert_int_equal (journal_read (path, collect_cb, &c, valid, &err), 0);
    return c.n;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void test_roundtrip (void **state)
{
    for (int type = JREC_RUN_START; type <= JREC_PRIORITY; type++) {
        buf_t b = { 0 };
        journal_rec_t in = sample (type, type), out;
        assert_int_equal (journal_encode (&in, &b), 0);
        assert_true (b.len > 8);
        assert_int_equal (journal_decode (b.data, b.len, &out), b.len);
        assert_rec_equal (&in, &out);
        /* Every shorter prefix is torn, never a record. */
        for (size_t n = 0; n < b.len; n++)
            assert_int_equal (journal_decode (b.data, n, &out), 0);
        /* Every single-bit flip is caught (by the checksum or the header). */
        for (size_t i = 0; i < b.len; i++) {
            b.data[i] ^= 0x10;
            assert_int_equal (journal_decode (b.data, b.len, &out), 0);
            b.data[i] ^= 0x10;
        }
        buf_free (&b);
    }
    /* An unknown type cannot be encoded. */
    buf_t b = { 0 };
    journal_rec_t bad = sample (JREC_RUN_END, 0);
    bad.type = 99;
    assert_int_equal (journal_encode (&bad, &b), -1);
    assert_int_equal (errno, EINVAL);
    assert_int_equal (b.len, 0);
    buf_free (&b);
}

/* Frame a payload with a correct checksum, so only the decoder's own
 * length checks stand between it and a bad read. */
static void frame (buf_t *b, const buf_t *payload)
{
    uint32_t len = (uint32_t)payload->len;
    uint32_t crc = hash_crc32c (0, payload->data, payload->len);
    buf_reset (b);
    buf_add (b, &len, 4);
    buf_add (b, &crc, 4);
    buf_add (b, payload->data, payload->len);
}

static void test_decode_distrusts_lengths (void **state)
{
    buf_t p = { 0 }, b = { 0 };
    journal_rec_t r;

    /* A string length far past the end. */
    buf_pack_u8 (&p, JREC_WORKER);
    buf_pack_dbl (&p, 1.0);
    buf_pack_i32 (&p, 1);
    buf_pack_u32 (&p, 0x7fffffff);
    buf_add (&p, "node", 5);
    frame (&b, &p);
    assert_int_equal (journal_decode (b.data, b.len, &r), 0);

    /* A string without its NUL. */
    buf_reset (&p);
    buf_pack_u8 (&p, JREC_WORKER);
    buf_pack_dbl (&p, 1.0);
    buf_pack_i32 (&p, 1);
    buf_pack_bytes (&p, "node", 4);
    buf_pack_i32 (&p, 1);
    buf_pack_bytes (&p, "0", 2);
    frame (&b, &p);
    assert_int_equal (journal_decode (b.data, b.len, &r), 0);

    /* The same record done right decodes, and one trailing byte breaks it. */
    buf_reset (&p);
    buf_pack_u8 (&p, JREC_WORKER);
    buf_pack_dbl (&p, 1.0);
    buf_pack_i32 (&p, 1);
    buf_pack_bytes (&p, "node", 5);
    buf_pack_i32 (&p, 1);
    buf_pack_bytes (&p, "0", 2);
    frame (&b, &p);
    assert_int_equal (journal_decode (b.data, b.len, &r), b.len);
    assert_string_equal (r.node, "node");
    assert_string_equal (r.cpus, "0");
    buf_pack_u8 (&p, 0);
    frame (&b, &p);
    assert_int_equal (journal_decode (b.data, b.len, &r), 0);

    /* An unknown type, a task record without a task, an empty payload,
     * and a length over the cap. */
    buf_reset (&p);
    buf_pack_u8 (&p, 200);
    buf_pack_dbl (&p, 1.0);
    frame (&b, &p);
    assert_int_equal (journal_decode (b.data, b.len, &r), 0);
    buf_free (&p);
    journal_rec_t notask = sample (JREC_TASK_END, 0);
    notask.task = NULL;
    assert_int_equal (journal_encode (&notask, &p), 0);
    assert_int_equal (journal_decode (p.data, p.len, &r), 0);
    uint32_t hdr[2] = { 0, 0 };
    assert_int_equal (journal_decode (hdr, sizeof (hdr), &r), 0);
    hdr[0] = 16u * 1024 * 1024 + 1;
    assert_int_equal (journal_decode (hdr, sizeof (hdr), &r), 0);

    /* Random garbage: never a crash, rarely (never, in practice) a record. */
    srand (12345);
    char junk[256];
    int accepted = 0;
    for (int k = 0; k < 20000; k++) {
        size_t n = (size_t)(rand () % (int)sizeof (junk));
        for (size_t i = 0; i < n; i++)
            junk[i] = (char)rand ();
        if (n >= 4 && k % 2) {
            uint32_t len = (uint32_t)(n >= 8 ? n - 8 : 0);
            memcpy (junk, &len, 4);  /* a plausible length, to reach the crc */
        }
        if (journal_decode (junk, n, &r) != 0)
            accepted++;
    }
    assert_int_equal (accepted, 0);
    buf_free (&p);
    buf_free (&b);
}

static void test_file_roundtrip (void **state)
{
    char *dir = make_tmpdir ();
    char *sdir = path_join (dir, "a/b/state");   /* parents created */
    char *jpath = path_join (sdir, "journal");
    mb_error_t err;
    off_t valid;

    write_samples (sdir, 50);
    assert_int_equal (count_records (jpath, &valid), 50);
    assert_int_equal (valid, file_size (jpath));

    /* The callback can stop the read and its value comes back. */
    struct collect c = { 0, 0, 10 };
    assert_int_equal (journal_read (jpath, collect_cb, &c, NULL, &err), 7);
    assert_int_equal (c.n, 10);

    /* Reopen appends after what is there; truncate starts over. */
    journal_t *j = journal_open (sdir, 0, &err);
    assert_non_null (j);
    journal_rec_t r = sample (type_of (50), 50);
    assert_int_equal (journal_append (j, &r), 0);
    journal_close (j);
    assert_int_equal (count_records (jpath, NULL), 51);
    j = journal_open (sdir, 1, &err);
    assert_non_null (j);
    journal_close (j);
    assert_int_equal (count_records (jpath, &valid), 0);
    assert_int_equal (valid, 8);
    assert_int_equal (file_size (jpath), 8);

    /* Missing file: ENOENT.  Not a journal: EINVAL, and open refuses to
     * touch it. */
    char *missing = path_join (dir, "nothing");
    assert_int_equal (journal_read (missing, NULL, NULL, NULL, &err), -1);
    assert_int_equal (errno, ENOENT);
    FILE *f = fopen (jpath, "w");
    assert_non_null (f);
    fputs ("this is not a journal at all\n", f);
    fclose (f);
    assert_int_equal (journal_read (jpath, NULL, NULL, NULL, &err), -1);
    assert_int_equal (errno, EINVAL);
    assert_non_null (strstr (err.text, "not an mpibatch journal"));
    assert_null (journal_open (sdir, 0, &err));
    assert_int_equal (file_size (jpath), 29);

    /* A torn magic is an empty journal, repaired on open. */
    f = fopen (jpath, "w");
    fputs ("MPIB", f);
    fclose (f);
    assert_int_equal (count_records (jpath, &valid), 0);
    assert_int_equal (valid, 0);
    j = journal_open (sdir, 0, &err);
    assert_non_null (j);
    journal_close (j);
    assert_int_equal (file_size (jpath), 8);

    free (missing);
    free (jpath);
    free (sdir);
    rm_rf (dir);
    free (dir);
}

static void copy_prefix (const char *from, const char *to, off_t n)
{
    FILE *in = fopen (from, "rb");
    FILE *out = fopen (to, "wb");
    assert_non_null (in);
    assert_non_null (out);
    char *buf = malloc ((size_t)n + 1);
    assert_int_equal (fread (buf, 1, (size_t)n, in), (size_t)n);
    assert_int_equal (fwrite (buf, 1, (size_t)n, out), (size_t)n);
    free (buf);
    fclose (in);
    fclose (out);
}

static void test_torn_tail (void **state)
{
    char *dir = make_tmpdir ();
    char *src = path_join (dir, "src");
    char *srcj = path_join (src, "journal");
    char *dst = path_join (dir, "dst");
    char *dstj = path_join (dst, "journal");
    mb_error_t err;
    off_t full, prev;

    /* Length of the file without its last record. */
    write_samples (src, 6);
    prev = file_size (srcj);
    journal_t *j = journal_open (src, 0, &err);
    journal_rec_t last = sample (type_of (6), 6);
    assert_int_equal (journal_append (j, &last), 0);
    journal_close (j);
    full = file_size (srcj);
    assert_true (full > prev + 8);
    assert_int_equal (mkdir (dst, 0755), 0);

    for (off_t cut = prev; cut < full; cut++) {
        off_t valid;
        copy_prefix (srcj, dstj, cut);
        assert_int_equal (count_records (dstj, &valid), 6);
        assert_int_equal (valid, prev);
        j = journal_open (dst, 0, &err);
        assert_non_null (j);
        assert_int_equal (file_size (dstj), prev);
        assert_int_equal (journal_append (j, &last), 0);
        journal_close (j);
        assert_int_equal (count_records (dstj, &valid), 7);
        assert_int_equal (valid, full);
    }
    free (src);
    free (srcj);
    free (dst);
    free (dstj);
    rm_rf (dir);
    free (dir);
}

static void test_corrupt_middle (void **state)
{
    char *dir = make_tmpdir ();
    char *jpath = path_join (dir, "journal");
    off_t offs[21];
    mb_error_t err;

    /* Learn where each record starts. */
    journal_t *j = journal_open (dir, 0, &err);
    assert_non_null (j);
    offs[0] = 8;
    for (int i = 0; i < 20; i++) {
        journal_rec_t r = sample (type_of (i), i);
        assert_int_equal (journal_append (j, &r), 0);
        assert_int_equal (journal_flush (j, 0), 0);
        offs[i + 1] = file_size (jpath);
    }
    journal_close (j);

    int fd = open (jpath, O_RDWR);
    assert_true (fd >= 0);
    for (int k = 3; k < 20; k += 5) {
        /* A byte inside record k's payload, then its length field. */
        off_t at[2] = { offs[k] + 8 + (offs[k + 1] - offs[k] - 8) / 2, offs[k] + 1 };
        for (int w = 0; w < 2; w++) {
            unsigned char c;
            off_t valid;
            assert_int_equal (pread (fd, &c, 1, at[w]), 1);
            c ^= 0x5a;
            assert_int_equal (pwrite (fd, &c, 1, at[w]), 1);
            assert_int_equal (count_records (jpath, &valid), k);
            assert_int_equal (valid, offs[k]);
            c ^= 0x5a;
            assert_int_equal (pwrite (fd, &c, 1, at[w]), 1);
            assert_int_equal (count_records (jpath, &valid), 20);
        }
    }
    close (fd);
    free (jpath);
    rm_rf (dir);
    free (dir);
}

/* File-scope so that a forked child, which exits without freeing what
 * its parent holds, leaves nothing valgrind calls lost. */
static journal_t *volatile lock_j;
static char *volatile lock_dir;

static void test_lock (void **state)
{
    char *dir = lock_dir = make_tmpdir ();
    mb_error_t err;
    char host[256] = "", who[320];
    gethostname (host, sizeof (host) - 1);
    snprintf (who, sizeof (who), "(%ld@%s)", (long)getpid (), host);

    journal_t *j = lock_j = journal_open (dir, 0, &err);
    assert_non_null (j);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        /* Exit codes say which check failed: cmocka cannot assert here. */
        mb_error_t e;
        journal_t *j2 = journal_open (dir, 0, &e);
        if (j2)
            _exit (1);
        if (errno != EWOULDBLOCK)
            _exit (2);
        if (!strstr (e.text, "is in use by another run") || !strstr (e.text, who)
            || !strstr (e.text, dir))
            _exit (3);
        _exit (0);
    }
    int status;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);
    journal_close (j);

    /* Released on close: a child can take it now. */
    pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        mb_error_t e;
        journal_t *j2 = journal_open (dir, 0, &e);
        if (!j2)
            _exit (1);
        journal_close (j2);
        _exit (0);
    }
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);
    rm_rf (dir);
    free (dir);
    lock_j = NULL;
    lock_dir = NULL;
}

/* Records of the rate test must come back in order. */
struct rate_count {
    int n, bad;
};

static int rate_cb (const journal_rec_t *rec, void *arg)
{
    struct rate_count *c = arg;
    if (rec->type != JREC_ATTEMPT_END || rec->attempt != c->n
        || strcmp (rec->reason, "timed out after 10s") != 0)
        c->bad++;
    c->n++;
    return 0;
}

static void test_group_commit_rate (void **state)
{
    char *dir = make_tmpdir ();
    char *jpath = path_join (dir, "journal");
    mb_error_t err;
    const int n = 1000000;
    journal_t *j = journal_open (dir, 0, &err);
    assert_non_null (j);

    journal_rec_t r = sample (JREC_ATTEMPT_END, 0);
    double t0 = now ();
    for (int i = 0; i < n; i++) {
        r.attempt = i;
        assert_int_equal (journal_append (j, &r), 0);
        if ((i + 1) % 1000 == 0)
            assert_int_equal (journal_flush (j, 0), 0);
        if ((i + 1) % 100000 == 0)
            assert_int_equal (journal_flush (j, 1), 0);
    }
    journal_close (j);
    double dt = now () - t0;
    printf ("# group commit: %d records in %.3f s (%.0f records/s, %.1f MB)\n",
            n, dt, n / dt, file_size (jpath) / 1e6);

    struct rate_count c = { 0, 0 };
    t0 = now ();
    assert_int_equal (journal_read (jpath, rate_cb, &c, NULL, &err), 0);
    printf ("# read back in %.3f s\n", now () - t0);
    assert_int_equal (c.n, n);
    assert_int_equal (c.bad, 0);
    /* The rate is printed, not asserted: timings on shared machines are
     * noise; bench/ compares ratios. */
    free (jpath);
    rm_rf (dir);
    free (dir);
}

/* A full filesystem: flush fails with ENOSPC, keeps the batch, and
 * finishes it once there is room again. */
static void test_flush_enospc (void **state)
{
    char *dir = make_tmpdir ();
    char *mnt = path_join (dir, "mnt");
    assert_int_equal (mkdir (mnt, 0755), 0);
    if (mount ("tmpfs", mnt, "tmpfs", 0, "size=64k") < 0) {
        printf ("# skipped: cannot mount a tmpfs here (%s)\n", strerror (errno));
        rm_rf (dir);
        free (mnt);
        free (dir);
        skip ();
    }
    char *sdir = path_join (mnt, "state");
    char *jpath = path_join (sdir, "journal");
    char *fill = path_join (mnt, "fill");
    mb_error_t err;
    journal_t *j = journal_open (sdir, 0, &err);
    assert_non_null (j);

    int fd = open (fill, O_WRONLY | O_CREAT, 0644);
    assert_true (fd >= 0);
    char block[1024];
    memset (block, 'x', sizeof (block));
    while (write (fd, block, sizeof (block)) > 0)
        ;
    close (fd);

    const int n = 200;
    for (int i = 0; i < n; i++) {
        journal_rec_t r = sample (type_of (i), i);
        assert_int_equal (journal_append (j, &r), 0);
    }
    int rc = journal_flush (j, 0);
    int e = errno;
    assert_int_equal (rc, -1);
    assert_int_equal (e, ENOSPC);
    assert_int_equal (journal_flush (j, 0), -1);   /* still full */

    assert_int_equal (unlink (fill), 0);
    assert_int_equal (journal_flush (j, 1), 0);
    journal_close (j);
    assert_int_equal (count_records (jpath, NULL), n);

    assert_int_equal (umount (mnt), 0);
    free (fill);
    free (jpath);
    free (sdir);
    free (mnt);
    rm_rf (dir);
    free (dir);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_roundtrip),
        cmocka_unit_test (test_decode_distrusts_lengths),
        cmocka_unit_test (test_file_roundtrip),
        cmocka_unit_test (test_torn_tail),
        cmocka_unit_test (test_corrupt_middle),
        cmocka_unit_test (test_lock),
        cmocka_unit_test (test_group_commit_rate),
        cmocka_unit_test (test_flush_enospc),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
