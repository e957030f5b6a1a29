/* test_poolstatus.c: io/poolstatus on real files: write and read back, atomic replacement, torn and hostile files. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "io/poolstatus.h"

static char root[64];

static int setup (void **state)
{
    (void)state;
    snprintf (root, sizeof (root), "/tmp/test_poolstatus.XXXXXX");
    assert_non_null (mkdtemp (root));
    return 0;
}

static int teardown (void **state)
{
    (void)state;
    char cmd[128];
    snprintf (cmd, sizeof (cmd), "rm -rf '%s'", root);
    return system (cmd) == 0 ? 0 : -1;
}

static void put (const char *text)
{
    char path[128];
    snprintf (path, sizeof (path), "%s/status.json", root);
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs (text, f);
    assert_int_equal (fclose (f), 0);
}

/* A status with everything set, strange characters included. */
static void sample (poolstatus_t *st, poolstatus_worker_t *w, poolstatus_job_t *j)
{
    memset (st, 0, sizeof (*st));
    memset (w, 0, 2 * sizeof (*w));
    memset (j, 0, 2 * sizeof (*j));
    st->pool = "p\"ool\\1";
    st->host = "node-\xc3\xa9\n";   /* UTF-8 and a newline */
    st->pid = 4242;
    st->started = 1700000000.25;
    st->updated = 1700000100.5;
    st->state = "draining";
    w[0] = (poolstatus_worker_t){ 1, "n1", 4, 3, 0, 1 };
    w[1] = (poolstatus_worker_t){ 7, "n2\t", 2, 0, 1, 0 };
    st->nworkers = 2;
    st->workers = w;
    j[0].id = "j1";
    j[0].state = "active";
    j[0].priority = -1000;
    j[0].open = 1;
    j[0].state_dir = "/s/j 1";
    for (int k = 0; k < PS_NCOUNTS; k++)
        j[0].counts[k] = (uint64_t)k * 1000003u + 1;
    j[0].submitted = 1700000001;
    j[0].started = 1700000002.125;
    j[0].ended = NAN;
    j[1].id = "j2";
    j[1].state = "succeeded";
    j[1].priority = 1000;
    j[1].state_dir = "/s/j2";
    j[1].submitted = 1700000003;
    j[1].started = NAN;
    j[1].ended = NAN;
    st->njobs = 2;
    st->jobs = j;
}

static void test_round_trip (void **state)
{
    (void)state;
    poolstatus_t st, got;
    poolstatus_worker_t w[2];
    poolstatus_job_t j[2];
    mb_error_t err = { { 0 } };
    buf_t raw = { 0 };
    sample (&st, w, j);
    assert_int_equal (poolstatus_write (root, &st, &err), 0);
    assert_int_equal (poolstatus_load (root, &got, &raw, &err), 0);
    assert_string_equal (got.pool, st.pool);
    assert_string_equal (got.host, st.host);
    assert_int_equal (got.pid, 4242);
    assert_true (got.started == st.started && got.updated == st.updated);
    assert_string_equal (got.state, "draining");
    assert_int_equal (got.nworkers, 2);
    assert_int_equal (got.workers[1].worker, 7);
    assert_string_equal (got.workers[1].node, "n2\t");
    assert_int_equal (got.workers[0].busy, 3);
    assert_true (got.workers[1].joined && !got.workers[1].alive && got.workers[0].alive);
    assert_int_equal (got.njobs, 2);
    assert_string_equal (got.jobs[0].state_dir, "/s/j 1");
    assert_int_equal (got.jobs[0].priority, -1000);
    assert_int_equal (got.jobs[1].priority, 1000);
    assert_true (got.jobs[0].open && !got.jobs[1].open);
    for (int k = 0; k < PS_NCOUNTS; k++)
        assert_int_equal (got.jobs[0].counts[k], (uint64_t)k * 1000003u + 1);
    assert_true (got.jobs[0].started == 1700000002.125);
    assert_true (isnan (got.jobs[0].ended) && isnan (got.jobs[1].started));
    assert_ptr_equal (poolstatus_find (&got, "j2"), &got.jobs[1]);
    assert_null (poolstatus_find (&got, "j3"));
    /* raw holds the file as written. */
    assert_non_null (strstr (raw.data, "\"ended\":null"));
    poolstatus_free (&got);
    poolstatus_free (&got);   /* twice is harmless */
    buf_free (&raw);

    /* Rewritten: replaced whole, no temporary file left. */
    st.njobs = 0;
    st.state = "ended";
    assert_int_equal (poolstatus_write (root, &st, &err), 0);
    assert_int_equal (poolstatus_load (root, &got, NULL, &err), 0);
    assert_int_equal (got.njobs, 0);
    assert_string_equal (got.state, "ended");
    poolstatus_free (&got);
    /* A pool that holds the lock and has not restored its jobs yet: no
     * start time, no workers, no jobs. */
    st.state = "starting";
    st.started = NAN;
    st.nworkers = 0;
    assert_int_equal (poolstatus_write (root, &st, &err), 0);
    assert_int_equal (poolstatus_load (root, &got, NULL, &err), 0);
    assert_string_equal (got.state, "starting");
    assert_true (isnan (got.started) && got.nworkers == 0 && got.njobs == 0);
    poolstatus_free (&got);
    char cmd[160];
    snprintf (cmd, sizeof (cmd), "test \"$(ls -A '%s')\" = status.json", root);
    assert_int_equal (system (cmd), 0);
}

/* The pool's allocations go in as written; the reader skips them. */
static void test_allocations (void **state)
{
    (void)state;
    poolstatus_t st, got;
    poolstatus_worker_t w[2];
    poolstatus_job_t j[2];
    mb_error_t err = { { 0 } };
    buf_t raw = { 0 };
    sample (&st, w, j);
    st.allocations = "[{\"queue\":1,\"allocations\":[{\"seq\":1,\"job_id\":\"17\","
                     "\"state\":\"running\"}]}]";
    assert_int_equal (poolstatus_write (root, &st, &err), 0);
    assert_int_equal (poolstatus_load (root, &got, &raw, &err), 0);
    assert_int_equal (got.njobs, 2);
    assert_int_equal (got.nworkers, 2);
    assert_non_null (strstr (raw.data, ",\n\"allocations\":[{\"queue\":1,"));
    assert_non_null (strstr (raw.data, "\"job_id\":\"17\",\"state\":\"running\"}]}]}\n"));
    poolstatus_free (&got);
    buf_free (&raw);
    /* Without an allocator the key is left out. */
    st.allocations = NULL;
    assert_int_equal (poolstatus_write (root, &st, &err), 0);
    assert_int_equal (poolstatus_load (root, &got, &raw, &err), 0);
    assert_null (strstr (raw.data, "allocations"));
    poolstatus_free (&got);
    buf_free (&raw);
}

static void test_write_errors (void **state)
{
    (void)state;
    poolstatus_t st;
    poolstatus_worker_t w[2];
    poolstatus_job_t j[2];
    mb_error_t err = { { 0 } };
    char dir[128];
    sample (&st, w, j);
    snprintf (dir, sizeof (dir), "%s/nonexistent", root);
    assert_int_equal (poolstatus_write (dir, &st, &err), -1);
    assert_int_equal (errno, ENOENT);
    assert_non_null (strstr (err.text, "nonexistent"));
    /* status.json is a directory: rename fails, nothing is left behind. */
    snprintf (dir, sizeof (dir), "%s/status.json", root);
    assert_int_equal (mkdir (dir, 0700), 0);
    assert_int_equal (poolstatus_write (root, &st, &err), -1);
    snprintf (dir, sizeof (dir), "test \"$(ls -A '%s')\" = status.json", root);
    assert_int_equal (system (dir), 0);
}

/* Each bad file: -1, EINVAL, and a message with FILE:LINE and the text. */
static void expect_bad (const char *text, const char *msg)
{
    poolstatus_t st;
    mb_error_t err = { { 0 } };
    put (text);
    errno = 0;
    assert_int_equal (poolstatus_load (root, &st, NULL, &err), -1);
    if (!strstr (err.text, msg) || !strstr (err.text, "status.json:"))
        fail_msg ("for %s: got '%s', want '%s'", text, err.text, msg);
    assert_int_equal (errno, EINVAL);
    assert_null (st.jobs);
    assert_null (st.pool);
}

#define GOOD_HEAD "{\"pool\":\"p\",\"updated\":1,\"state\":\"running\",\"workers\":[],"

static void test_torn_and_hostile (void **state)
{
    (void)state;
    poolstatus_t st, got;
    poolstatus_worker_t w[2];
    poolstatus_job_t j[2];
    mb_error_t err = { { 0 } };
    buf_t raw = { 0 };
    sample (&st, w, j);
    assert_int_equal (poolstatus_write (root, &st, &err), 0);
    assert_int_equal (poolstatus_load (root, &got, &raw, &err), 0);
    poolstatus_free (&got);
    /* Every prefix of a good file is refused as torn or invalid, never read. */
    for (size_t n = 0; n + 1 < raw.len; n++) {
        assert_int_equal (poolstatus_parse ("x", raw.data, n, &got, &err), -1);
        assert_null (got.pool);
        if (n > 0 && !strstr (err.text, "torn or truncated"))
            fail_msg ("prefix %zu: %s", n, err.text);
    }
    buf_free (&raw);
    expect_bad ("", "status.json:1: empty");
    expect_bad ("\n\n{\"pool\": \"p\",\n \"state\": \"run", "status.json:4: the file ends");
    expect_bad ("{\"pool\":1}", "'pool' must be a string");
    expect_bad ("[1,2]", "must be one JSON object");
    expect_bad ("{} x", "more after the object");
    expect_bad ("{\"pool\":\"p\"}", "'state' is missing");
    expect_bad ("{\"pool\":\"p\",\"state\":\"boiling\",\"updated\":1}", "'state' must be starting, running");
    expect_bad ("{\"pool\":\"p\",\"state\":\"ended\",\"updated\":-5}", "'updated' must be a time");
    expect_bad (GOOD_HEAD "\"jobs\":{}}", "'jobs' must be an array");
    expect_bad (GOOD_HEAD "\n\"jobs\":[{\"id\":\"a\",\"state\":\"active\"}]}",
                "status.json:2: jobs[0]: 'state_dir' is missing");
    expect_bad (GOOD_HEAD "\"jobs\":[{\"id\":\"a\",\"state\":\"x\",\"state_dir\":\"rel\"}]}",
                "'state_dir' must be an absolute path");
    expect_bad (GOOD_HEAD "\"jobs\":[{\"id\":\"a\",\"state\":\"x\",\"state_dir\":\"/d\","
                "\"priority\":1001}]}", "'priority' must be a whole number from -1000 to 1000");
    expect_bad (GOOD_HEAD "\"jobs\":[{\"id\":\"a\",\"state\":\"x\",\"state_dir\":\"/d\","
                "\"counts\":{\"running\":1.5}}]}", "counts: 'running' must be a whole number");
    expect_bad (GOOD_HEAD "\"jobs\":[{\"id\":\"a\",\"state\":\"x\",\"state_dir\":\"/d\"},"
                "{\"id\":\"a\",\"state\":\"x\",\"state_dir\":\"/e\"}]}", "job 'a' is listed twice");
    expect_bad ("{\"pool\":\"a\\u0000b\"}", "\\u escape of NUL");
    expect_bad ("{\"pool\":\"a\\ud800\"}", "half a surrogate");
    expect_bad ("{\"pool\":\"a\\q\"}", "a bad escape");
    expect_bad ("{\"pool\":\"a\tb\"}", "a control character");
    expect_bad ("{\"pool\":tru", "the file ends");
    expect_bad ("{\"pool\":nope}", "an unknown word");
    expect_bad ("{\"pool\":-}", "a bad number");
    expect_bad ("{\"pool\" 1}", "expected ':'");
    expect_bad ("{\"pool\":1 2}", "expected ',' or '}'");
    /* Deep nesting is refused, not recursed into. */
    char deep[20001];
    memset (deep, '[', sizeof (deep) - 1);
    deep[sizeof (deep) - 1] = '\0';
    expect_bad (deep, "nested too deeply");
    /* Random bytes: any answer, no crash (run under ASan in CI). */
    srand (7);
    for (int k = 0; k < 2000; k++) {
        char b[64];
        size_t n = (size_t)(rand () % (int)sizeof (b));
        for (size_t i = 0; i < n; i++)
            b[i] = "{}[]\":,\\u0123456789abcdefnulltrue -.eE\n"[rand () % 40];
        if (poolstatus_parse ("r", b, n, &got, &err) == 0)
            poolstatus_free (&got);
    }
    /* Not a regular file; too large; missing. */
    char path[128];
    snprintf (path, sizeof (path), "%s/status.json", root);
    unlink (path);
    assert_int_equal (poolstatus_load (root, &got, NULL, &err), -1);
    assert_int_equal (errno, ENOENT);
    assert_int_equal (symlink ("/etc/passwd", path), 0);
    assert_int_equal (poolstatus_load (root, &got, NULL, &err), -1);
    unlink (path);
    assert_int_equal (mkdir (path, 0700), 0);
    assert_int_equal (poolstatus_load (root, &got, NULL, &err), -1);
    assert_non_null (strstr (err.text, "not a regular file"));
    rmdir (path);
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    assert_int_equal (ftruncate (fileno (f), POOLSTATUS_MAX + 1), 0);
    fclose (f);
    assert_int_equal (poolstatus_load (root, &got, NULL, &err), -1);
    assert_int_equal (errno, EFBIG);
}

/* A newer pool's keys are ignored; optional keys default. */
static void test_lenient (void **state)
{
    (void)state;
    poolstatus_t st;
    mb_error_t err = { { 0 } };
    put (GOOD_HEAD "\"future\":{\"a\":[1,{\"b\":null}]},\n\"jobs\":[{\"id\":\"a\\u00e9\\ud83d\\ude00\","
         "\"state\":\"x\",\"state_dir\":\"/d\",\"new\":true}]}");
    assert_int_equal (poolstatus_load (root, &st, NULL, &err), 0);
    assert_int_equal (st.njobs, 1);
    assert_string_equal (st.jobs[0].id, "a\xc3\xa9\xf0\x9f\x98\x80");
    assert_true (isnan (st.jobs[0].started) && isnan (st.started));
    assert_int_equal (st.jobs[0].counts[PS_RUNNING], 0);
    assert_null (st.host);
    poolstatus_free (&st);
    poolstatus_free (NULL);
    assert_string_equal (poolstatus_count_name (PS_CANCELLED), "cancelled");
    assert_null (poolstatus_count_name (PS_NCOUNTS));
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown (test_allocations, setup, teardown),
        cmocka_unit_test_setup_teardown (test_write_errors, setup, teardown),
        cmocka_unit_test_setup_teardown (test_torn_and_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown (test_lenient, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
