/* test_pooldir.c: io/pooldir on real directories: layout, refusals, the lock, hostile request files, answers, recovery after a crash, limits. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "io/pooldir.h"

static char root[64];
static char logbuf[8192];

static void log_cb (void *arg, const char *msg)
{
    (void)arg;
    size_t n = strlen (logbuf);
    snprintf (logbuf + n, sizeof (logbuf) - n, "%s\n", msg);
}

static int setup (void **state)
{
    (void)state;
    snprintf (root, sizeof (root), "/tmp/test_pooldir.XXXXXX");
    assert_non_null (mkdtemp (root));
    logbuf[0] = '\0';
    return 0;
}

static int teardown (void **state)
{
    char cmd[128];
    (void)state;
    snprintf (cmd, sizeof (cmd), "rm -rf '%s'", root);
    return system (cmd) == 0 ? 0 : -1;
}

static void path_of (char *buf, size_t len, const char *rel)
{
    snprintf (buf, len, "%s/%s", root, rel);
}

static void write_raw (const char *rel, const char *data, size_t len)
{
    char p[256];
    path_of (p, sizeof (p), rel);
    int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true (fd >= 0);
    assert_int_equal (write (fd, data, len), (ssize_t)len);
    close (fd);
}

/* A close request for job `job` sent by the client code. */
static void send_close (const char *dir, const char *job, char *name, size_t len)
{
    mb_error_t err;
    pool_req_t *r = pool_req_create (POOL_OP_CLOSE);
    r->job = strdup (job);
    assert_int_equal (pooldir_send (dir, r, name, len, &err), 0);
    pool_req_destroy (r);
}

static void test_layout_and_lock (void **state)
{
    (void)state;
    char dir[256], p[300];
    mb_error_t err;
    struct stat st;
    path_of (dir, sizeof (dir), "pool");
    pooldir_t *pd = pooldir_open (dir, 0, log_cb, NULL, &err);
    assert_non_null (pd);
    assert_int_equal (stat (dir, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0700);
    const char *parts[] = { "pool.lock", "pool.info", "requests", "answers", "refused",
                            "accepted.jnl" };
    for (size_t k = 0; k < sizeof (parts) / sizeof (parts[0]); k++) {
        snprintf (p, sizeof (p), "%s/%s", dir, parts[k]);
        assert_int_equal (stat (p, &st), 0);
    }
    /* A second pool on the same directory: refused, naming the first. */
    pooldir_t *pd2 = pooldir_open (dir, 0, NULL, NULL, &err);
    assert_null (pd2);
    assert_int_equal (errno, EBUSY);
    assert_non_null (strstr (err.text, "already running"));
    /* A client sees the pool (from another process too: the lock is real). */
    char why[600];
    assert_int_equal (pooldir_probe (dir, why, sizeof (why)), 1);
    pid_t pid = fork ();
    if (pid == 0)
        _exit (pooldir_probe (dir, why, sizeof (why)) == 1 ? 0 : 1);
    int ws;
    waitpid (pid, &ws, 0);
    assert_true (WIFEXITED (ws) && WEXITSTATUS (ws) == 0);
    pooldir_close (pd);
    assert_int_equal (pooldir_probe (dir, why, sizeof (why)), 0);
    assert_non_null (strstr (why, "last seen"));
    /* Once closed, a new pool may open it. */
    pd = pooldir_open (dir, 0, NULL, NULL, &err);
    assert_non_null (pd);
    pooldir_close (pd);
}

static void test_refused_dirs (void **state)
{
    (void)state;
    char dir[256], link[256];
    mb_error_t err;
    path_of (dir, sizeof (dir), "open");
    assert_int_equal (mkdir (dir, 0700), 0);
    assert_int_equal (chmod (dir, 0770), 0);
    assert_null (pooldir_open (dir, 0, NULL, NULL, &err));
    assert_non_null (strstr (err.text, "writable by its group"));
    assert_int_equal (chmod (dir, 0707), 0);
    assert_null (pooldir_open (dir, 0, NULL, NULL, &err));
    assert_non_null (strstr (err.text, "writable by others"));
    assert_int_equal (chmod (dir, 0700), 0);
    path_of (link, sizeof (link), "link");
    assert_int_equal (symlink (dir, link), 0);
    assert_null (pooldir_open (link, 0, NULL, NULL, &err));
    assert_non_null (strstr (err.text, "symbolic link"));
}

static void test_request_answer (void **state)
{
    (void)state;
    char dir[256], name[256];
    mb_error_t err;
    pool_req_t *r;
    path_of (dir, sizeof (dir), "pool");
    /* A request renamed in while no pool runs is seen at the next open. */
    assert_int_equal (mkdir (dir, 0700), 0);
    assert_int_equal (mkdir (strcat (strcpy (name, dir), "/requests"), 0700), 0);
    send_close (dir, "early", name, sizeof (name));
    pooldir_t *pd = pooldir_open (dir, 0, log_cb, NULL, &err);
    assert_non_null (pd);
    assert_int_equal (pooldir_next (pd, &r, &err), 1);
    assert_int_equal (r->op, POOL_OP_CLOSE);
    assert_string_equal (r->job, "early");
    assert_string_equal (r->name, name);
    pool_answer_t a = { .job = "early", .count = 3, .text = "fine" };
    assert_int_equal (pooldir_accept (pd, r, &a, &err), 0);
    assert_int_equal (r->seq, 1);
    pool_req_destroy (r);
    pool_answer_t got;
    assert_int_equal (pooldir_wait (dir, name, 5, &got, &err), 0);
    assert_int_equal (got.status, POOL_ACCEPTED);
    assert_string_equal (got.job, "early");
    assert_int_equal (got.count, 3);
    assert_string_equal (got.text, "fine");
    pool_answer_free (&got);
    /* A refusal carries its reason. */
    send_close (dir, "nope", name, sizeof (name));
    assert_int_equal (pooldir_next (pd, &r, &err), 1);
    assert_int_equal (pooldir_refuse (pd, r, "no job 'nope'\nsecond line", &err), 0);
    pool_req_destroy (r);
    assert_int_equal (pooldir_wait (dir, name, 5, &got, &err), 0);
    assert_int_equal (got.status, POOL_REFUSED);
    assert_string_equal (got.text, "no job 'nope'\nsecond line");
    pool_answer_free (&got);
    /* Nothing else waits; the answer files are gone. */
    assert_int_equal (pooldir_next (pd, &r, &err), 0);
    char p[300];
    snprintf (p, sizeof (p), "%s/answers", dir);
    assert_int_equal (system ("true"), 0);
    pooldir_close (pd);
}

static void test_hostile_files (void **state)
{
    (void)state;
    char dir[256], p[1024], name[512];
    mb_error_t err;
    pool_req_t *r;
    path_of (dir, sizeof (dir), "pool");
    pooldir_t *pd = pooldir_open (dir, 0, log_cb, NULL, &err);
    assert_non_null (pd);
    /* A symlink to a good request elsewhere: refused unread. */
    write_raw ("elsewhere.req", "mpibatch-request 1\nop shutdown\nend\n", 35);
    path_of (p, sizeof (p), "elsewhere.req");
    snprintf (name, sizeof (name), "%s/requests/0000000001.1-h-1-0.req", dir);
    assert_int_equal (symlink (p, name), 0);
    /* Torn (a body shorter than said) and half-written (no end line). */
    write_raw ("pool/requests/0000000001.2-h-1-0.req",
               "mpibatch-request 1\nop submit\nfile /x\nbody 50\nabc\n", 47);
    write_raw ("pool/requests/0000000001.3-h-1-0.req", "mpibatch-request 1\nop shutdown\n", 31);
    /* A directory and a FIFO with the right name. */
    snprintf (p, sizeof (p), "%s/requests/0000000001.4-h-1-0.req", dir);
    assert_int_equal (mkdir (p, 0700), 0);
    snprintf (p, sizeof (p), "%s/requests/0000000001.5-h-1-0.req", dir);
    assert_int_equal (mkfifo (p, 0600), 0);
    /* Over the size limit (sparse: nothing is read). */
    snprintf (p, sizeof (p), "%s/requests/0000000001.6-h-1-0.req", dir);
    int fd = open (p, O_WRONLY | O_CREAT, 0600);
    assert_int_equal (ftruncate (fd, POOL_REQ_MAX + 8192), 0);
    close (fd);
    /* Owned by another user: made with useradd when we are root. */
    int other = 0;
    if (geteuid () == 0) {
        if (!getpwnam ("mbtestother"))
            other = system ("useradd -M -N -s /usr/sbin/nologin mbtestother >/dev/null 2>&1") == 0;
        struct passwd *pw = getpwnam ("mbtestother");
        if (pw) {
            write_raw ("pool/requests/0000000001.7-h-1-0.req",
                       "mpibatch-request 1\nop shutdown\nend\n", 35);
            snprintf (p, sizeof (p), "%s/requests/0000000001.7-h-1-0.req", dir);
            assert_int_equal (chown (p, pw->pw_uid, pw->pw_gid), 0);
            other = 1;
        }
    }
    if (!other)
        print_message ("SKIP part: a request of another user needs root (useradd)\n");
    /* And a good one last. */
    send_close (dir, "good", name, sizeof (name));
    assert_int_equal (pooldir_next (pd, &r, &err), 1);
    assert_string_equal (r->job, "good");
    assert_string_equal (r->name, name);
    pool_req_destroy (r);
    assert_non_null (strstr (logbuf, "refused unread: a symbolic link"));
    assert_non_null (strstr (logbuf, "truncated request"));
    assert_non_null (strstr (logbuf, "no 'end' line"));
    assert_non_null (strstr (logbuf, "not a regular file"));
    assert_non_null (strstr (logbuf, "request too large"));
    if (other) {
        assert_non_null (strstr (logbuf, "owned by another user (owner mbtestother"));
        snprintf (p, sizeof (p), "%s/refused/0000000001.7-h-1-0.req", dir);
        struct stat st;
        assert_int_equal (lstat (p, &st), 0);
    }
    pooldir_stats_t s;
    pooldir_stats (pd, &s);
    assert_int_equal (s.refused_unread, 3 + other);
    assert_int_equal (s.refused, 3);
    pooldir_close (pd);
    if (geteuid () == 0 && getpwnam ("mbtestother"))
        assert_int_equal (system ("userdel mbtestother >/dev/null 2>&1"), 0);
}

struct seen {
    int n;
    char jobs[8][16];
    uint64_t seq[8];
};

static int replay_cb (void *arg, const pool_req_t *r)
{
    struct seen *s = arg;
    if (s->n < 8) {
        snprintf (s->jobs[s->n], sizeof (s->jobs[0]), "%s", r->job ? r->job : "-");
        s->seq[s->n] = r->seq;
    }
    s->n++;
    return 0;
}

static void test_recovery (void **state)
{
    (void)state;
    char dir[256], name[256], copy[256], p[1024];
    mb_error_t err;
    pool_req_t *r;
    path_of (dir, sizeof (dir), "pool");
    pooldir_t *pd = pooldir_open (dir, 0, NULL, NULL, &err);
    assert_non_null (pd);
    pool_answer_t a = { .count = -1 };
    for (int k = 0; k < 3; k++) {
        char job[16];
        snprintf (job, sizeof (job), "job%d", k);
        send_close (dir, job, name, sizeof (name));
        if (k == 2) {
            /* Keep a copy: as if the pool died after recording this one
             * and before removing the request file. */
            snprintf (p, sizeof (p), "cp '%s/requests/%s' '%s/keep'", dir, name, root);
            assert_int_equal (system (p), 0);
            snprintf (copy, sizeof (copy), "%s", name);
        }
        assert_int_equal (pooldir_next (pd, &r, &err), 1);
        assert_int_equal (pooldir_accept (pd, r, &a, &err), 0);
        pool_req_destroy (r);
    }
    pooldir_close (pd);
    /* The crash: the request file is back, no answer was read, and a torn
     * record follows the good ones. */
    snprintf (p, sizeof (p), "mv '%s/keep' '%s/requests/%s' && rm -f %s/answers/*", root, dir,
              copy, dir);
    assert_int_equal (system (p), 0);
    snprintf (p, sizeof (p), "%s/accepted.jnl", dir);
    int fd = open (p, O_WRONLY | O_APPEND);
    assert_int_equal (write (fd, "\x40\0\0\0garbage", 11), 11);
    close (fd);
    /* Without --resume: refused, the records are kept. */
    assert_null (pooldir_open (dir, 0, NULL, NULL, &err));
    assert_int_equal (errno, EEXIST);
    logbuf[0] = '\0';
    pd = pooldir_open (dir, POOLDIR_RESUME, log_cb, NULL, &err);
    assert_non_null (pd);
    assert_non_null (strstr (logbuf, "cut a torn tail of 11 bytes"));
    assert_non_null (strstr (logbuf, "answered again"));
    struct seen s = { 0 };
    assert_int_equal (pooldir_replay (pd, replay_cb, &s, &err), 0);
    assert_int_equal (s.n, 3);
    assert_string_equal (s.jobs[0], "job0");
    assert_string_equal (s.jobs[2], "job2");
    assert_int_equal (s.seq[2], 3);
    /* The duplicate is not handed out again; its answer is there. */
    assert_int_equal (pooldir_next (pd, &r, &err), 0);
    pool_answer_t got;
    assert_int_equal (pooldir_wait (dir, copy, 2, &got, &err), 0);
    assert_int_equal (got.status, POOL_ACCEPTED);
    pool_answer_free (&got);
    /* New requests number on. */
    send_close (dir, "job3", name, sizeof (name));
    assert_int_equal (pooldir_next (pd, &r, &err), 1);
    assert_int_equal (pooldir_accept (pd, r, &a, &err), 0);
    assert_int_equal (r->seq, 4);
    pool_req_destroy (r);
    pooldir_close (pd);
}

static void test_encode_decode (void **state)
{
    (void)state;
    pool_req_t *r = pool_req_create (POOL_OP_SUBMIT);
    buf_t b = { 0 };
    errlist_t *errs = errlist_create (10);
    r->file = strdup ("/d/job.cfg");
    pool_req_add_set (r, "x=a\nb\\c");
    pool_req_attach (r, "/d/cmds.txt", "echo 1\n\0x", 9);
    pool_req_add_map (r, 1, "/d/job.cfg", 1);
    pool_req_set_body (r, "id = \"j\";\n", 10);
    r->has_priority = 1;
    r->priority = -5;
    assert_int_equal (pool_req_encode (r, &b), 0);
    pool_req_t *d = pool_req_decode ("n.req", b.data, b.len, errs);
    assert_non_null (d);
    assert_string_equal (d->set[0], "x=a\nb\\c");
    assert_int_equal (d->files[0].len, 9);
    assert_memory_equal (d->files[0].data, "echo 1\n\0x", 9);
    assert_int_equal (d->priority, -5);
    assert_int_equal (d->body_len, 10);
    pool_req_destroy (d);
    /* Every truncation of a good request is refused, never crashes. */
    for (size_t n = 0; n < b.len; n++) {
        d = pool_req_decode ("n.req", b.data, n, errs);
        assert_null (d);
    }
    /* Errors carry NAME:LINE. */
    errlist_t *e2 = errlist_create (10);
    const char bad[] = "mpibatch-request 1\nop submit\nfrobnicate 1\nend\n";
    assert_null (pool_req_decode ("r.req", bad, sizeof (bad) - 1, e2));
    assert_string_equal (errlist_get (e2, 0), "r.req:3: unknown field 'frobnicate'");
    errlist_destroy (e2);
    errlist_destroy (errs);
    buf_free (&b);
    pool_req_destroy (r);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_layout_and_lock, setup, teardown),
        cmocka_unit_test_setup_teardown (test_refused_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown (test_request_answer, setup, teardown),
        cmocka_unit_test_setup_teardown (test_hostile_files, setup, teardown),
        cmocka_unit_test_setup_teardown (test_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown (test_encode_decode, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
