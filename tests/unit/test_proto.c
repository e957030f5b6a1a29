/* test_proto.c: the service-worker messages and the rank-launcher frames: round trips, truncation, hostile input. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/launcher/launch_wire.h"
#include "runtime/node/proto.h"

/* A copy of the first n bytes in a block of exactly n bytes, so that a
 * read past the end is caught by ASan and valgrind. */
static char *cut (const void *p, size_t n)
{
    char *c = malloc (n ? n : 1);
    assert_non_null (c);
    memcpy (c, p, n);
    return c;
}

static char *long_string (size_t n, char c)
{
    char *s = malloc (n + 1);
    assert_non_null (s);
    memset (s, c, n);
    s[n] = '\0';
    return s;
}

/* A deterministic generator for garbage (xorshift64). */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand (void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void assert_str_or_null (const char *got, const char *want)
{
    if (!want)
        assert_null (got);
    else {
        assert_non_null (got);
        assert_string_equal (got, want);
    }
}

static void assert_env_equal (const jobfile_env_t *got, const jobfile_env_t *want)
{
    assert_int_equal (got->n, want->n);
    for (int i = 0; i < want->n; i++) {
        assert_str_or_null (got->names[i], want->names[i]);
        assert_str_or_null (got->values[i], want->values[i]);
    }
}

/* ---- jobinfo ---------------------------------------------------------- */

static char *names3[] = { "A", "", "LONG" };
static char *values3[3];

static jobfile_input_t prep_in[2] = {
    { "bin/tool", NULL, INPUT_LINK, -1 },
    { "data/*.h5", "in", INPUT_COPY, 0755 },
};

static void fill_job (jobfile_job_t *job, jobfile_prep_t *prep, jobfile_prep_t *rel, char *big)
{
    memset (job, 0, sizeof (*job));
    memset (prep, 0, sizeof (*prep));
    memset (rel, 0, sizeof (*rel));
    values3[0] = "1";
    values3[1] = "";      /* an empty name and an empty value */
    values3[2] = big;
    job->id = "study";
    job->storage = "";
    job->state = big;
    job->node_root = "/tmp/n";
    job->env_compat = JOB_ENV_AZURE;
    job->binding = JOB_BIND_NONE;
    job->logs = JOB_LOGS_REPORT;
    job->retention = JOB_RETAIN_FAILED;
    job->slots_kind = JOB_SLOTS_NUMBER;
    job->slots_per_worker = INT_MAX;
    job->gpus_per_worker = -1;
    job->max_log_size = INT64_MAX;
    job->env.n = 3;
    job->env.names = names3;
    job->env.values = values3;
    prep->command = "prepare";
    prep->env.n = 1;
    prep->env.names = names3;
    prep->env.values = values3;
    prep->ninputs = 2;
    prep->inputs = prep_in;
    prep->max_wall_clock = JOB_UNLIMITED;
    rel->command = "";
    rel->max_wall_clock = 900;
    job->prep = prep;
    job->release = rel;
}

static void test_jobinfo_roundtrip (void **state)
{
    (void)state;
    char *big = long_string (100000, 's');
    jobfile_job_t job;
    jobfile_prep_t prep, rel;
    fill_job (&job, &prep, &rel, big);
    buf_t b = { 0 };
    assert_int_equal (jobinfo_pack (&job, "/p/pool", 12345, 10.5, &b), 0);
    jobinfo_t ji;
    assert_int_equal (jobinfo_unpack (b.data, b.len, &ji), 0);
    assert_string_equal (ji.job_id, "study");
    assert_string_equal (ji.storage, "");
    assert_string_equal (ji.pool_dir, "/p/pool");
    assert_string_equal (ji.state, big);
    assert_string_equal (ji.node_root, "/tmp/n");
    assert_int_equal (ji.env_compat, JOB_ENV_AZURE);
    assert_int_equal (ji.binding, JOB_BIND_NONE);
    assert_int_equal (ji.logs, JOB_LOGS_REPORT);
    assert_int_equal (ji.retention, JOB_RETAIN_FAILED);
    assert_int_equal (ji.slots_kind, JOB_SLOTS_NUMBER);
    assert_int_equal (ji.slots_per_worker, INT_MAX);
    assert_int_equal (ji.gpus_per_worker, -1);
    assert_true (ji.max_log_size == INT64_MAX);
    assert_true (ji.kill_grace == 10.5);
    assert_int_equal (ji.nworkers, 12345);
    assert_env_equal (&ji.env, &job.env);
    assert_int_equal (ji.has_prep, 1);
    assert_string_equal (ji.prep_command, "prepare");
    assert_env_equal (&ji.prep_env, &prep.env);
    assert_int_equal (ji.prep_ninputs, 2);
    assert_string_equal (ji.prep_inputs[0].source, "bin/tool");
    assert_null (ji.prep_inputs[0].path);
    assert_int_equal (ji.prep_inputs[0].method, INPUT_LINK);
    assert_int_equal (ji.prep_inputs[0].mode, -1);
    assert_string_equal (ji.prep_inputs[1].path, "in");
    assert_int_equal (ji.prep_inputs[1].mode, 0755);
    assert_true (ji.prep_max_wall_clock == JOB_UNLIMITED);
    assert_int_equal (ji.has_release, 1);
    assert_string_equal (ji.release_command, "");
    assert_int_equal (ji.release_env.n, 0);
    assert_true (ji.release_max_wall_clock == 900);
    jobinfo_free (&ji);
    jobinfo_free (NULL);

    /* Without preparation and release, and with no environment. */
    job.prep = job.release = NULL;
    job.env.n = 0;
    buf_reset (&b);
    assert_int_equal (jobinfo_pack (&job, NULL, 1, 0, &b), 0);
    assert_int_equal (jobinfo_unpack (b.data, b.len, &ji), 0);
    assert_int_equal (ji.has_prep, 0);
    assert_int_equal (ji.has_release, 0);
    assert_null (ji.pool_dir);
    assert_null (ji.prep_command);
    assert_null (ji.release_command);
    assert_int_equal (ji.env.n, 0);
    jobinfo_free (&ji);
    buf_free (&b);
    free (big);
}

/* Cut anywhere before its end, a message is refused; nothing is read
 * past the cut (the copy is exactly n bytes). */
static void test_jobinfo_truncated (void **state)
{
    (void)state;
    jobfile_job_t job;
    jobfile_prep_t prep, rel;
    fill_job (&job, &prep, &rel, "big enough");
    buf_t b = { 0 };
    jobinfo_pack (&job, NULL, 3, 1, &b);
    for (size_t n = 0; n < b.len; n++) {
        char *c = cut (b.data, n);
        jobinfo_t ji;
        assert_int_equal (jobinfo_unpack (c, n, &ji), -1);
        jobinfo_free (&ji);
        free (c);
    }
    /* Another version. */
    uint32_t v = PROTO_VERSION + 1;
    memcpy (b.data, &v, 4);
    jobinfo_t ji;
    assert_int_equal (jobinfo_unpack (b.data, b.len, &ji), -1);
    jobinfo_free (&ji);
    buf_free (&b);
}

/* ---- hello ------------------------------------------------------------ */

static void test_hello (void **state)
{
    (void)state;
    hello_t h, g;
    memset (&h, 0, sizeof (h));
    h.rank = INT_MAX;
    memset (h.node, 'n', sizeof (h.node) - 1);      /* the longest that fits */
    h.slots = 0;
    h.ncores = -1;
    h.npus = INT_MIN;
    h.memory = INT64_MAX;
    h.gpus = 7;
    memset (h.cpus, '1', sizeof (h.cpus) - 1);
    buf_t b = { 0 };
    assert_int_equal (hello_pack (&h, &b), 0);
    assert_int_equal (hello_unpack (b.data, b.len, &g), 0);
    assert_memory_equal (&g, &h, sizeof (h));       /* error "" stays "" */
    for (size_t n = 0; n < b.len; n++) {
        char *c = cut (b.data, n);
        assert_int_equal (hello_unpack (c, n, &g), -1);
        free (c);
    }

    /* Strings longer than the fields they land in are cut, not overrun. */
    char *lng = long_string (5000, 'x');
    buf_reset (&b);
    buf_pack_u32 (&b, PROTO_VERSION);
    buf_pack_i32 (&b, 1);
    buf_pack_str (&b, lng);
    buf_pack_i32 (&b, 2);
    buf_pack_i32 (&b, 3);
    buf_pack_i32 (&b, 4);
    buf_pack_i64 (&b, 5);
    buf_pack_i32 (&b, 6);
    buf_pack_str (&b, NULL);
    buf_pack_str (&b, lng);
    assert_int_equal (hello_unpack (b.data, b.len, &g), 0);
    assert_int_equal (strlen (g.node), sizeof (g.node) - 1);
    assert_string_equal (g.cpus, "");
    assert_int_equal (strlen (g.error), sizeof (g.error) - 1);
    assert_int_equal (g.gpus, 6);
    free (lng);
    buf_free (&b);
}

/* ---- assignments ------------------------------------------------------ */

static char *tnames[] = { "OMP_PROC_BIND", "EMPTY" };
static char *tvalues[] = { "close", "" };
static jobfile_input_t tin[1] = { { "bin/sim", "sim", INPUT_SYMLINK, 0700 } };
static jobfile_output_t tout[2] = {
    { "out.h5", "results/1.h5", OUTPUT_SUCCESS },
    { "**/*.log", NULL, OUTPUT_COMPLETION },
};
static const char *pnames[] = { "seed", "T" };
static const char *pvalues[] = { "42", "" };

static void fill_task (jobfile_task_t *t, size_t index, const char *id, const char *command)
{
    memset (t, 0, sizeof (*t));
    t->index = index;
    t->id = id;
    t->command = command;
    t->slots = 4;
    t->gpus = 2;
    t->memory = INT64_MAX;
    t->max_wall_clock = JOB_UNLIMITED;
    t->env.n = 2;
    t->env.names = tnames;
    t->env.values = tvalues;
    t->ninputs = 1;
    t->inputs = tin;
    t->noutputs = 2;
    t->outputs = tout;
    t->sweep = 0;
    t->sweep_index = 999999;
    t->nparams = 2;
    t->param_names = pnames;
    t->param_values = pvalues;
}

static void check_assign (const assign_t *a, const jobfile_task_t *t, uint64_t tag, int attempt,
                          int kind, const assign_mi_t *mi)
{
    assert_true (a->tag == tag);
    assert_int_equal (a->task, (uint32_t)t->index);
    assert_int_equal (a->attempt, attempt);
    assert_int_equal (a->kind, kind);
    assert_string_equal (a->id, t->id);
    assert_string_equal (a->command, t->command);
    assert_int_equal (a->slots, t->slots);
    assert_int_equal (a->gpus, t->gpus);
    assert_true (a->memory == t->memory);
    assert_true (a->max_wall_clock == t->max_wall_clock);
    assert_env_equal (&a->env, &t->env);
    assert_int_equal (a->ninputs, t->ninputs);
    for (int i = 0; i < t->ninputs; i++) {
        assert_str_or_null (a->inputs[i].source, t->inputs[i].source);
        assert_str_or_null (a->inputs[i].path, t->inputs[i].path);
        assert_int_equal (a->inputs[i].method, t->inputs[i].method);
        assert_int_equal (a->inputs[i].mode, t->inputs[i].mode);
    }
    assert_int_equal (a->noutputs, t->noutputs);
    for (int i = 0; i < t->noutputs; i++) {
        assert_str_or_null (a->outputs[i].pattern, t->outputs[i].pattern);
        assert_str_or_null (a->outputs[i].destination, t->outputs[i].destination);
        assert_int_equal (a->outputs[i].when, t->outputs[i].when);
    }
    assert_true (a->sweep_index == (t->sweep >= 0 ? (int64_t)t->sweep_index : -1));
    assert_int_equal (a->nparams, t->nparams);
    for (int i = 0; i < t->nparams; i++) {
        assert_string_equal (a->param_names[i], t->param_names[i]);
        assert_string_equal (a->param_values[i], t->param_values[i]);
    }
    if (mi) {
        assert_str_or_null (a->host_list, mi->host_list);
        assert_int_equal (a->instances, mi->instances);
        assert_int_equal (a->is_primary, mi->is_primary);
        assert_int_equal (a->part_slots, mi->part_slots);
    }
    else {
        assert_null (a->host_list);
        assert_int_equal (a->instances, 1);
        assert_int_equal (a->is_primary, 1);
        assert_int_equal (a->part_slots, t->slots);
    }
}
/* A JOB message: its number and the job's information, whole; refused
 * when cut anywhere, of another version, or with bytes of another kind. */
static void test_job_msg (void **state)
{
    (void)state;
    jobfile_job_t job;
    jobfile_prep_t prep, rel;
    fill_job (&job, &prep, &rel, "/state/of/job");
    buf_t b = { 0 };
    assert_int_equal (job_msg_pack (42, &job, "/p/pool", 5, 2.5, &b), 0);
    uint32_t num = 0;
    jobinfo_t ji;
    assert_int_equal (job_msg_unpack (b.data, b.len, &num, &ji), 0);
    assert_int_equal (num, 42);
    assert_string_equal (ji.job_id, "study");
    assert_string_equal (ji.state, "/state/of/job");
    assert_string_equal (ji.pool_dir, "/p/pool");
    assert_int_equal (ji.nworkers, 5);
    assert_true (ji.kill_grace == 2.5);
    assert_int_equal (ji.has_prep, 1);
    assert_string_equal (ji.prep_command, "prepare");
    assert_env_equal (&ji.env, &job.env);
    jobinfo_free (&ji);
    /* The largest number travels as it is. */
    buf_reset (&b);
    assert_int_equal (job_msg_pack (UINT32_MAX, &job, NULL, 1, 0, &b), 0);
    assert_int_equal (job_msg_unpack (b.data, b.len, &num, &ji), 0);
    assert_true (num == UINT32_MAX);
    assert_null (ji.pool_dir);
    jobinfo_free (&ji);
    for (size_t n = 0; n < b.len; n++) {
        char *c = cut (b.data, n);
        assert_int_equal (job_msg_unpack (c, n, &num, &ji), -1);
        jobinfo_free (&ji);
        free (c);
    }
    /* Another version, in the message's header or in the jobinfo's. */
    uint32_t v = PROTO_VERSION + 1;
    memcpy (b.data, &v, 4);
    assert_int_equal (job_msg_unpack (b.data, b.len, &num, &ji), -1);
    jobinfo_free (&ji);
    v = PROTO_VERSION;
    memcpy (b.data, &v, 4);
    v = PROTO_VERSION + 1;
    memcpy (b.data + 8, &v, 4);
    assert_int_equal (job_msg_unpack (b.data, b.len, &num, &ji), -1);
    jobinfo_free (&ji);
    /* A bare jobinfo is not a JOB message. */
    buf_reset (&b);
    jobinfo_pack (&job, NULL, 1, 0, &b);
    assert_int_equal (job_msg_unpack (b.data, b.len, &num, &ji), -1);
    jobinfo_free (&ji);
    buf_free (&b);
}

/* A batch of three attempts: a sweep task, a multi-instance part, and a
 * bare task with nothing but an id and an empty command. */
static void pack_batch (buf_t *b, jobfile_task_t *t, assign_mi_t *mi)
{
    fill_task (&t[0], 7, "sim-42", "./sim --seed 42");
    fill_task (&t[1], UINT32_MAX, "mi", "mpirun ./app");
    memset (&t[2], 0, sizeof (t[2]));
    t[2].index = 0;
    t[2].id = "";
    t[2].command = "";
    t[2].sweep = -1;
    t[2].max_wall_clock = 0.25;
    mi->host_list = "node1:4,node2:4";
    mi->instances = 2;
    mi->is_primary = 0;
    mi->part_slots = 4;
    proto_batch_begin (b);
    assert_int_equal (assign_pack (&t[0], 0, UINT64_MAX, 0, LAUNCH_TASK, NULL, b), 0);
    assert_int_equal (assign_pack (&t[1], 7, 1, INT_MAX, LAUNCH_COORD, mi, b), 0);
    assert_int_equal (assign_pack (&t[2], UINT32_MAX, 0, -1, LAUNCH_PREP, NULL, b), 0);
    proto_batch_end (b, 3);
}

static void test_assign_roundtrip (void **state)
{
    (void)state;
    jobfile_task_t t[3];
    assign_mi_t mi;
    buf_t b = { 0 };
    pack_batch (&b, t, &mi);
    unpack_t u;
    assert_int_equal (proto_batch_read (&u, b.data, b.len), 3);
    assign_t a;
    assert_int_equal (assign_unpack (&u, &a), 0);
    check_assign (&a, &t[0], UINT64_MAX, 0, LAUNCH_TASK, NULL);
    assert_int_equal (a.job, 0);
    assign_free (&a);
    assert_int_equal (assign_unpack (&u, &a), 0);
    check_assign (&a, &t[1], 1, INT_MAX, LAUNCH_COORD, &mi);
    assert_int_equal (a.job, 7);
    assign_free (&a);
    assert_int_equal (assign_unpack (&u, &a), 0);
    check_assign (&a, &t[2], 0, -1, LAUNCH_PREP, NULL);
    assert_true (a.job == UINT32_MAX);
    assign_free (&a);
    assign_free (NULL);
    assert_int_equal (u.left, 0);
    /* The batch holds no fourth item. */
    assert_int_equal (assign_unpack (&u, &a), -1);
    assign_free (&a);

    /* Many entries, long strings. */
    enum { N = 3000 };
    char **names = calloc (N, sizeof (char *)), **values = calloc (N, sizeof (char *));
    const char **pn = calloc (N, sizeof (char *)), **pv = calloc (N, sizeof (char *));
    for (int i = 0; i < N; i++) {
        assert_true (asprintf (&names[i], "V%d", i) > 0);
        values[i] = long_string ((size_t)i % 97, 'v');
        pn[i] = names[i];
        pv[i] = values[i];
    }
    char *cmd = long_string (1 << 20, 'c');
    jobfile_task_t big;
    fill_task (&big, 1, "big", cmd);
    big.env.n = N;
    big.env.names = names;
    big.env.values = values;
    big.nparams = N;
    big.param_names = pn;
    big.param_values = pv;
    proto_batch_begin (&b);
    for (int i = 0; i < 2; i++)
        assign_pack (&big, (uint32_t)i + 1, (uint64_t)i, i, LAUNCH_TASK, NULL, &b);
    proto_batch_end (&b, 2);
    assert_int_equal (proto_batch_read (&u, b.data, b.len), 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal (assign_unpack (&u, &a), 0);
        check_assign (&a, &big, (uint64_t)i, i, LAUNCH_TASK, NULL);
        assert_int_equal (a.job, i + 1);
        assign_free (&a);
    }
    for (int i = 0; i < N; i++) {
        free (names[i]);
        free (values[i]);
    }
    free (names);
    free (values);
    free (pn);
    free (pv);
    free (cmd);
    buf_free (&b);
}

/* A batch cut anywhere: either the header is refused or some item fails
 * to unpack; never a read past the cut. */
static void test_assign_truncated (void **state)
{
    (void)state;
    jobfile_task_t t[3];
    assign_mi_t mi;
    buf_t b = { 0 };
    pack_batch (&b, t, &mi);
    for (size_t n = 0; n < b.len; n++) {
        char *c = cut (b.data, n);
        unpack_t u;
        int count = proto_batch_read (&u, c, n);
        if (n < 8)
            assert_int_equal (count, -1);
        else {
            assert_int_equal (count, 3);
            int ok = 0, failed = 0;
            for (int i = 0; i < count && !failed; i++) {
                assign_t a;
                if (assign_unpack (&u, &a) < 0)
                    failed = 1;
                else
                    ok++;
                assign_free (&a);
            }
            assert_int_equal (failed, 1);
            assert_true (ok < 3);
        }
        free (c);
    }
    buf_free (&b);
}

/* ---- results ---------------------------------------------------------- */

static void test_result (void **state)
{
    (void)state;
    result_t r, g;
    memset (&r, 0, sizeof (r));
    r.task = UINT32_MAX;
    r.attempt = INT_MAX;
    r.kind = LAUNCH_RELEASE;
    r.r.tag = UINT64_MAX;
    r.r.outcome = LAUNCH_OUTPUT_ERROR;
    r.r.exit_code = -1;
    r.r.signal = 9;
    r.r.timed_out = 1;
    r.r.start_time = 1.7e9;
    r.r.end_time = 1.7e9 + 0.125;
    r.r.user_seconds = 1e-9;
    r.r.system_seconds = 0;
    r.r.max_rss_kib = INT64_MIN;
    r.r.bytes_in = INT64_MAX;
    r.r.bytes_out = 0;
    r.r.log_cut = 3;
    memset (r.r.reason, 'R', sizeof (r.r.reason) - 1);
    memset (r.cpus, '9', sizeof (r.cpus) - 1);
    static const char out[] = "line 1\n\0binary\xff";
    r.out = out;
    r.out_len = sizeof (out);
    r.err = "";
    r.err_len = 0;
    buf_t b = { 0 };
    proto_batch_begin (&b);
    assert_int_equal (result_pack (&r, &b), 0);
    r.out = NULL;
    r.err = NULL;
    r.r.reason[0] = '\0';
    r.cpus[0] = '\0';
    assert_int_equal (result_pack (&r, &b), 0);
    proto_batch_end (&b, 2);

    unpack_t u;
    assert_int_equal (proto_batch_read (&u, b.data, b.len), 2);
    assert_int_equal (result_unpack (&u, &g), 0);
    assert_int_equal (g.task, UINT32_MAX);
    assert_int_equal (g.attempt, INT_MAX);
    assert_int_equal (g.kind, LAUNCH_RELEASE);
    assert_true (g.r.tag == UINT64_MAX);
    assert_int_equal (g.r.outcome, LAUNCH_OUTPUT_ERROR);
    assert_int_equal (g.r.exit_code, -1);
    assert_int_equal (g.r.signal, 9);
    assert_int_equal (g.r.timed_out, 1);
    assert_true (g.r.start_time == 1.7e9);
    assert_true (g.r.end_time == 1.7e9 + 0.125);
    assert_true (g.r.user_seconds == 1e-9);
    assert_true (g.r.max_rss_kib == INT64_MIN);
    assert_true (g.r.bytes_in == INT64_MAX);
    assert_int_equal (g.r.log_cut, 3);
    assert_int_equal (strlen (g.r.reason), sizeof (g.r.reason) - 1);
    assert_int_equal (strlen (g.cpus), sizeof (g.cpus) - 1);
    assert_int_equal (g.out_len, sizeof (out));
    assert_memory_equal (g.out, out, sizeof (out));
    assert_non_null (g.err);         /* empty, not absent */
    assert_int_equal (g.err_len, 0);
    assert_int_equal (result_unpack (&u, &g), 0);
    assert_null (g.out);
    assert_null (g.err);
    assert_string_equal (g.r.reason, "");
    assert_string_equal (g.cpus, "");
    assert_int_equal (u.left, 0);

    for (size_t n = 8; n < b.len; n++) {
        char *c = cut (b.data, n);
        assert_int_equal (proto_batch_read (&u, c, n), 2);
        int failed = result_unpack (&u, &g) < 0 || result_unpack (&u, &g) < 0;
        assert_true (failed);
        free (c);
    }
    buf_free (&b);
}

/* ---- hostile service messages ----------------------------------------- */

/* Counts far beyond what the message holds are refused before anything
 * is allocated from them. */
static void test_proto_hostile_counts (void **state)
{
    (void)state;
    buf_t b = { 0 };
    unpack_t u;
    assign_t a;
    /* An assignment whose environment claims 2^32-1 entries. */
    proto_batch_begin (&b);
    buf_pack_u64 (&b, 1);
    buf_pack_u32 (&b, 0);
    buf_pack_i32 (&b, 0);
    buf_pack_i32 (&b, 0);
    buf_pack_str (&b, "id");
    buf_pack_str (&b, "cmd");
    buf_pack_i32 (&b, -5);
    buf_pack_i32 (&b, -5);
    buf_pack_i64 (&b, -1);
    buf_pack_dbl (&b, -1);
    size_t counts_at = b.len;
    buf_pack_u32 (&b, 0xffffffffu);    /* env */
    buf_pack_u32 (&b, 0);              /* inputs */
    buf_pack_u32 (&b, 0);              /* outputs */
    buf_pack_i64 (&b, -1);
    buf_pack_u32 (&b, 0);              /* params */
    buf_pack_str (&b, NULL);
    buf_pack_i32 (&b, 1);
    buf_pack_i32 (&b, 1);
    buf_pack_i32 (&b, 1);
    proto_batch_end (&b, 1);
    /* Each count in turn set huge, then just one past what is left. */
    for (int field = 0; field < 3; field++) {
        for (int v = 0; v < 2; v++) {
            char *c = cut (b.data, b.len);
            uint32_t zero = 0, huge = v ? 0x7fffffffu : 0xffffffffu;
            memcpy (c + counts_at, &zero, 4);
            memcpy (c + counts_at + 4 * field, &huge, 4);
            assert_int_equal (proto_batch_read (&u, c, b.len), 1);
            assert_int_equal (assign_unpack (&u, &a), -1);
            assign_free (&a);
            free (c);
        }
    }
    /* A string length past the end, and one of 0xfffffffe. */
    char *c = cut (b.data, b.len);
    uint32_t len = (uint32_t)b.len;
    memcpy (c + 8 + 8 + 4 + 4 + 4, &len, 4);   /* the id's length */
    assert_int_equal (proto_batch_read (&u, c, b.len), 1);
    assert_int_equal (assign_unpack (&u, &a), -1);
    assign_free (&a);
    len = 0xfffffffeu;
    memcpy (c + 8 + 8 + 4 + 4 + 4, &len, 4);
    assert_int_equal (proto_batch_read (&u, c, b.len), 1);
    assert_int_equal (assign_unpack (&u, &a), -1);
    assign_free (&a);
    /* The id packed as NULL: refused (a task always has one). */
    len = 0xffffffffu;
    buf_t n = { 0 };
    proto_batch_begin (&n);
    buf_pack_u64 (&n, 1);
    buf_pack_u32 (&n, 0);
    buf_pack_i32 (&n, 0);
    buf_pack_i32 (&n, 0);
    buf_pack_str (&n, NULL);
    buf_add (&n, b.data + 8 + 8 + 4 + 4 + 4 + 4 + 2, b.len - (8 + 8 + 4 + 4 + 4 + 4 + 2));
    proto_batch_end (&n, 1);
    assert_int_equal (proto_batch_read (&u, n.data, n.len), 1);
    assert_int_equal (assign_unpack (&u, &a), -1);
    assign_free (&a);
    free (c);
    buf_free (&n);

    /* A batch count that does not fit an int is refused, not negative. */
    buf_reset (&b);
    proto_batch_begin (&b);
    proto_batch_end (&b, 0x80000000u);
    assert_int_equal (proto_batch_read (&u, b.data, b.len), -1);
    proto_batch_end (&b, 0xffffffffu);
    assert_int_equal (proto_batch_read (&u, b.data, b.len), -1);
    /* Another protocol version. */
    buf_reset (&b);
    buf_pack_u32 (&b, PROTO_VERSION + 1);
    buf_pack_u32 (&b, 1);
    assert_int_equal (proto_batch_read (&u, b.data, b.len), -1);
    buf_free (&b);
}

/* Garbage of every length: decoders refuse it or decode something, and
 * never read outside it (checked under ASan / valgrind). */
static void test_proto_garbage (void **state)
{
    (void)state;
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(next_rand () % 200);
        char *g = malloc (n ? n : 1);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = next_rand ();
            /* Mostly small numbers, so counts and lengths are sometimes
             * plausible and decoding goes deep. */
            g[i] = (char)(r % 4 == 0 ? r >> 8 : r % 3);
        }
        if (n >= 4 && round % 2 == 0) {
            uint32_t v = PROTO_VERSION;
            memcpy (g, &v, 4);
        }
        jobinfo_t ji;
        jobinfo_unpack (g, n, &ji);
        jobinfo_free (&ji);
        hello_t h;
        hello_unpack (g, n, &h);
        unpack_t u;
        int count = proto_batch_read (&u, g, n);
        for (int i = 0; i < count && i < 10; i++) {
            assign_t a;
            int rc = assign_unpack (&u, &a);
            assign_free (&a);
            if (rc < 0)
                break;
        }
        count = proto_batch_read (&u, g, n);
        for (int i = 0; i < count && i < 10; i++) {
            result_t r;
            if (result_unpack (&u, &r) < 0)
                break;
        }
        free (g);
    }
}

/* ---- rank <-> launcher frames ----------------------------------------- */

static char *req_env[] = { "PATH=/usr/bin:/bin", "EMPTY=", "X=1", NULL };
static const int req_cpus[] = { 0, 8, 1, 9, INT_MAX };
static const jobfile_input_t req_in[2] = {
    { "bin/sim", NULL, INPUT_LINK, -1 },
    { "in/*.dat", "data", INPUT_COPY, 0644 },
};
static const jobfile_output_t req_out[1] = { { "out.h5", NULL, OUTPUT_FAILURE } };

static void fill_req (launch_req_t *r)
{
    memset (r, 0, sizeof (*r));
    r->tag = UINT64_MAX;
    r->kind = LAUNCH_TASK;
    r->command = "echo hi";
    r->task_dir = "/tmp/t/tasks/a";
    r->envp = req_env;
    r->cpus = req_cpus;
    r->ncpus = 5;
    r->max_wall_clock = JOB_UNLIMITED;
    r->kill_grace = 10;
    r->memory = INT64_MAX;
    r->max_log_size = -1;
    r->storage = "/s";
    r->inputs = req_in;
    r->ninputs = 2;
    r->outputs = req_out;
    r->noutputs = 1;
    r->default_dest = "/state/outputs/a/";
    r->log_stdout = NULL;
    r->log_stderr = "";
    r->retention = JOB_RETAIN_ALL;
}

static void check_req (const launch_req_t *g, const launch_req_t *r)
{
    assert_true (g->tag == r->tag);
    assert_int_equal (g->kind, r->kind);
    assert_str_or_null (g->command, r->command);
    assert_str_or_null (g->task_dir, r->task_dir);
    int n = 0;
    while (r->envp && r->envp[n]) {
        assert_string_equal (g->envp[n], r->envp[n]);
        n++;
    }
    assert_null (g->envp[n]);
    assert_int_equal (g->ncpus, r->ncpus);
    if (r->ncpus)
        assert_memory_equal (g->cpus, r->cpus, (size_t)r->ncpus * sizeof (int));
    else
        assert_null (g->cpus);
    assert_true (g->max_wall_clock == r->max_wall_clock);
    assert_true (g->kill_grace == r->kill_grace);
    assert_true (g->memory == r->memory);
    assert_true (g->max_log_size == r->max_log_size);
    assert_str_or_null (g->storage, r->storage);
    assert_int_equal (g->ninputs, r->ninputs);
    for (int i = 0; i < r->ninputs; i++) {
        assert_str_or_null (g->inputs[i].source, r->inputs[i].source);
        assert_str_or_null (g->inputs[i].path, r->inputs[i].path);
        assert_int_equal (g->inputs[i].method, r->inputs[i].method);
        assert_int_equal (g->inputs[i].mode, r->inputs[i].mode);
    }
    assert_int_equal (g->noutputs, r->noutputs);
    for (int i = 0; i < r->noutputs; i++) {
        assert_str_or_null (g->outputs[i].pattern, r->outputs[i].pattern);
        assert_str_or_null (g->outputs[i].destination, r->outputs[i].destination);
        assert_int_equal (g->outputs[i].when, r->outputs[i].when);
    }
    assert_str_or_null (g->default_dest, r->default_dest);
    assert_str_or_null (g->log_stdout, r->log_stdout);
    assert_str_or_null (g->log_stderr, r->log_stderr);
    assert_int_equal (g->retention, r->retention);
}

/* Take one frame off b at *pos: its type and payload. */
static const char *frame (const buf_t *b, size_t *pos, int *type, size_t *n)
{
    long fl = lwire_frame_len (b->data + *pos, b->len - *pos);
    assert_true (fl > 5);
    *type = (unsigned char)b->data[*pos + 4];
    const char *p = b->data + *pos + 5;
    *n = (size_t)fl - 5;
    *pos += (size_t)fl;
    return p;
}

static void test_lwire_roundtrip (void **state)
{
    (void)state;
    launch_req_t r, g;
    fill_req (&r);
    buf_t b = { 0 };
    assert_int_equal (lwire_pack_submit (&b, &r), 0);
    assert_int_equal (lwire_pack_interrupt (&b, 0x0102030405060708ULL), 0);
    launch_req_t bare;
    memset (&bare, 0, sizeof (bare));
    bare.command = "";
    bare.task_dir = "";
    bare.ncpus = 3;       /* without cpus: no binding, whatever ncpus says */
    bare.ninputs = 4;     /* without the arrays: none */
    bare.noutputs = 4;
    assert_int_equal (lwire_pack_submit (&b, &bare), 0);
    launch_result_t res, gres;
    memset (&res, 0, sizeof (res));
    res.tag = 77;
    res.outcome = LAUNCH_TIMED_OUT;
    res.exit_code = INT_MIN;
    res.signal = 15;
    res.timed_out = 1;
    res.start_time = 1;
    res.end_time = 2;
    res.max_rss_kib = INT64_MAX;
    res.log_cut = 2;
    memset (res.reason, 'r', sizeof (res.reason) - 1);
    assert_int_equal (lwire_pack_result (&b, &res), 0);

    size_t pos = 0, n;
    int type;
    void *mem;
    const char *p = frame (&b, &pos, &type, &n);
    assert_int_equal (type, LWIRE_SUBMIT);
    assert_true (lwire_payload_tag (p, n) == UINT64_MAX);
    assert_int_equal (lwire_unpack_submit (p, n, &g, &mem), 0);
    check_req (&g, &r);
    free (mem);
    p = frame (&b, &pos, &type, &n);
    assert_int_equal (type, LWIRE_INTERRUPT);
    assert_int_equal (n, 8);
    assert_true (lwire_payload_tag (p, n) == 0x0102030405060708ULL);
    p = frame (&b, &pos, &type, &n);
    assert_int_equal (type, LWIRE_SUBMIT);
    assert_int_equal (lwire_unpack_submit (p, n, &g, &mem), 0);
    bare.ncpus = bare.ninputs = bare.noutputs = 0;
    static char *noenv[] = { NULL };
    bare.envp = noenv;
    check_req (&g, &bare);
    free (mem);
    p = frame (&b, &pos, &type, &n);
    assert_int_equal (type, LWIRE_RESULT);
    assert_int_equal (lwire_unpack_result (p, n, &gres), 0);
    assert_memory_equal (&gres, &res, sizeof (res));
    assert_int_equal (pos, b.len);

    /* Many environment entries and CPUs, a long command. */
    enum { N = 5000 };
    char **env = calloc (N + 1, sizeof (char *));
    int *cpus = calloc (N, sizeof (int));
    for (int i = 0; i < N; i++) {
        assert_true (asprintf (&env[i], "V%d=%d", i, i) > 0);
        cpus[i] = N - i;
    }
    char *cmd = long_string (1 << 20, 'c');
    fill_req (&r);
    r.envp = env;
    r.cpus = cpus;
    r.ncpus = N;
    r.command = cmd;
    buf_reset (&b);
    assert_int_equal (lwire_pack_submit (&b, &r), 0);
    pos = 0;
    p = frame (&b, &pos, &type, &n);
    assert_int_equal (lwire_unpack_submit (p, n, &g, &mem), 0);
    check_req (&g, &r);
    free (mem);
    for (int i = 0; i < N; i++)
        free (env[i]);
    free (env);
    free (cpus);
    free (cmd);
    buf_free (&b);
}

static void test_lwire_frames (void **state)
{
    (void)state;
    char f[8];
    uint32_t v = 3;
    memcpy (f, &v, 4);
    for (size_t n = 0; n < 4; n++)
        assert_int_equal (lwire_frame_len (f, n), 0);      /* no length yet */
    for (size_t n = 4; n < 7; n++)
        assert_int_equal (lwire_frame_len (f, n), 0);      /* payload incomplete */
    assert_int_equal (lwire_frame_len (f, 7), 7);
    assert_int_equal (lwire_frame_len (f, 8), 7);          /* the next frame begins */
    v = 0;
    memcpy (f, &v, 4);
    assert_int_equal (lwire_frame_len (f, 8), -1);         /* an empty frame has no type */
    v = LWIRE_MAX_FRAME;
    memcpy (f, &v, 4);
    assert_int_equal (lwire_frame_len (f, 8), 0);
    v = LWIRE_MAX_FRAME + 1;
    memcpy (f, &v, 4);
    assert_int_equal (lwire_frame_len (f, 8), -1);
    v = UINT32_MAX;
    memcpy (f, &v, 4);
    assert_int_equal (lwire_frame_len (f, 8), -1);
    /* A tag from a short payload is 0, not a read past it. */
    char *c = cut ("\1\2\3", 3);
    assert_true (lwire_payload_tag (c, 3) == 0);
    free (c);
}

/* Every cut of a SUBMIT or RESULT payload is refused with EPROTO, and the
 * arrays are not left allocated. */
static void test_lwire_truncated (void **state)
{
    (void)state;
    launch_req_t r, g;
    fill_req (&r);
    buf_t b = { 0 };
    lwire_pack_submit (&b, &r);
    size_t total = b.len - 5;
    for (size_t n = 0; n < total; n++) {
        char *c = cut (b.data + 5, n);
        void *mem = (void *)&mem;
        errno = 0;
        assert_int_equal (lwire_unpack_submit (c, n, &g, &mem), -1);
        assert_int_equal (errno, EPROTO);
        assert_null (mem);
        free (c);
    }
    launch_result_t res;
    memset (&res, 0, sizeof (res));
    snprintf (res.reason, sizeof (res.reason), "exit 3");
    buf_reset (&b);
    lwire_pack_result (&b, &res);
    total = b.len - 5;
    for (size_t n = 0; n < total; n++) {
        char *c = cut (b.data + 5, n);
        launch_result_t gres;
        errno = 0;
        assert_int_equal (lwire_unpack_result (c, n, &gres), -1);
        assert_int_equal (errno, EPROTO);
        free (c);
    }
    buf_free (&b);
}

/* The offset in a packed SUBMIT payload of each field, found by walking
 * it the way the launcher does. */
typedef struct {
    size_t command, nenv, env0, ncpus, storage, nin, in0, nout, out0, dflt;
} offsets_t;

static size_t skip_str (const char *p, size_t at)
{
    uint32_t n;
    memcpy (&n, p + at, 4);
    return at + 4 + (n == 0xffffffffu ? 0 : n);
}

static void find_offsets (const char *p, offsets_t *o)
{
    size_t at = 8 + 4;
    o->command = at;
    at = skip_str (p, skip_str (p, at));
    o->nenv = at;
    uint32_t n;
    memcpy (&n, p + at, 4);
    at += 4;
    o->env0 = at;
    for (uint32_t i = 0; i < n; i++)
        at = skip_str (p, at);
    o->ncpus = at;
    int32_t k;
    memcpy (&k, p + at, 4);
    at += 4 + 4 * (size_t)k + 8 * 4;
    o->storage = at;
    at = skip_str (p, at);
    o->nin = at;
    memcpy (&k, p + at, 4);
    at += 4;
    o->in0 = at;
    for (int32_t i = 0; i < k; i++)
        at = skip_str (p, skip_str (p, at)) + 8;
    o->nout = at;
    memcpy (&k, p + at, 4);
    at += 4;
    o->out0 = at;
    for (int32_t i = 0; i < k; i++)
        at = skip_str (p, skip_str (p, at)) + 4;
    o->dflt = at;
}

/* Patch a u32 at `at` in a copy of the payload and try to decode it. */
static int submit_with (const char *p, size_t n, size_t at, uint32_t v)
{
    char *c = cut (p, n);
    memcpy (c + at, &v, 4);
    launch_req_t g;
    void *mem;
    int rc = lwire_unpack_submit (c, n, &g, &mem);
    free (mem);
    free (c);
    return rc;
}

static void test_lwire_hostile (void **state)
{
    (void)state;
    launch_req_t r;
    fill_req (&r);
    buf_t b = { 0 };
    lwire_pack_submit (&b, &r);
    const char *p = b.data + 5;
    size_t n = b.len - 5;
    offsets_t o;
    find_offsets (p, &o);
    /* The walk found the real fields (the untouched payload decodes). */
    assert_int_equal (submit_with (p, n, o.nenv, 3), 0);
    assert_int_equal (submit_with (p, n, o.nin, 2), 0);

    /* Counts: huge, negative, or one more than there are. */
    uint32_t bad[] = { 0xffffffffu, 0x80000000u, 0x7fffffffu, 0x40000000u };
    for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
        assert_int_equal (submit_with (p, n, o.nenv, bad[i]), -1);
        assert_int_equal (submit_with (p, n, o.ncpus, bad[i]), -1);
        assert_int_equal (submit_with (p, n, o.nin, bad[i]), -1);
        assert_int_equal (submit_with (p, n, o.nout, bad[i]), -1);
    }
    assert_int_equal (submit_with (p, n, o.nin, 3), -1);
    assert_int_equal (submit_with (p, n, o.nout, 2), -1);
    /* A string without its NUL, or of length 0 (not even the NUL). */
    uint32_t len;
    memcpy (&len, p + o.command, 4);
    assert_int_equal (submit_with (p, n, o.command, len - 1), -1);
    assert_int_equal (submit_with (p, n, o.command, 0), -1);
    assert_int_equal (submit_with (p, n, o.command, 0xfffffffeu), -1);
    /* A missing command. */
    assert_int_equal (submit_with (p, n, o.command, 0xffffffffu), -1);
    /* NULL where the launcher needs a string: an environment entry (it
     * would end the environment early), an input's source, an output's
     * pattern.  (The shortened payload is re-walked, so the rest is
     * still well formed: build them properly.) */
    launch_req_t h;
    static char *env_null[] = { "A=1", NULL };
    jobfile_input_t in_null = { NULL, "x", INPUT_COPY, -1 };
    jobfile_output_t out_null = { NULL, "d", OUTPUT_SUCCESS };
    for (int which = 0; which < 3; which++) {
        fill_req (&h);
        buf_t hb = { 0 };
        if (which == 1) {
            h.inputs = &in_null;
            h.ninputs = 1;
        }
        else if (which == 2) {
            h.outputs = &out_null;
            h.noutputs = 1;
        }
        else
            h.envp = env_null;
        assert_int_equal (lwire_pack_submit (&hb, &h), 0);
        char *hp = hb.data + 5;
        size_t hn = hb.len - 5;
        if (which == 0) {
            /* "A=1" packed as NULL: the count says 1, the entry is NULL. */
            offsets_t ho;
            find_offsets (hp, &ho);
            hn = hb.len - 5;
            char *c = malloc (hn - 4);
            memcpy (c, hp, ho.env0);
            uint32_t nul = 0xffffffffu;
            memcpy (c + ho.env0, &nul, 4);
            memcpy (c + ho.env0 + 4, hp + ho.env0 + 8, hn - ho.env0 - 8);
            launch_req_t g;
            void *mem;
            assert_int_equal (lwire_unpack_submit (c, hn - 4, &g, &mem), -1);
            assert_null (mem);
            free (c);
        }
        else {
            launch_req_t g;
            void *mem;
            assert_int_equal (lwire_unpack_submit (hp, hn, &g, &mem), -1);
            assert_null (mem);
        }
        buf_free (&hb);
    }

    /* A result whose reason is longer than the field: cut, NUL-terminated. */
    buf_reset (&b);
    for (int i = 0; i < 8 + 4 * 4 + 8 * 4 + 8 * 3 + 4; i++)
        buf_pack_u8 (&b, 0);
    char *lng = long_string (1000, 'q');
    buf_pack_str (&b, lng);
    launch_result_t res;
    assert_int_equal (lwire_unpack_result (b.data, b.len, &res), 0);
    assert_int_equal (strlen (res.reason), sizeof (res.reason) - 1);
    free (lng);
    buf_free (&b);
}

static void test_lwire_garbage (void **state)
{
    (void)state;
    for (int round = 0; round < 5000; round++) {
        size_t n = (size_t)(next_rand () % 300);
        char *g = malloc (n ? n : 1);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = next_rand ();
            g[i] = (char)(r % 4 == 0 ? r >> 8 : r % 3);
        }
        launch_req_t req;
        void *mem;
        if (lwire_unpack_submit (g, n, &req, &mem) == 0) {
            /* Whatever decoded is in bounds and terminated. */
            assert_non_null (req.command);
            assert_non_null (req.task_dir);
            for (char *const *e = req.envp; *e; e++)
                assert_true (strlen (*e) < n);
        }
        free (mem);
        launch_result_t res;
        if (lwire_unpack_result (g, n, &res) == 0)
            assert_true (strlen (res.reason) < sizeof (res.reason));
        lwire_payload_tag (g, n);
        lwire_frame_len (g, n);
        free (g);
    }
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_jobinfo_roundtrip),
        cmocka_unit_test (test_jobinfo_truncated),
        cmocka_unit_test (test_job_msg),
        cmocka_unit_test (test_hello),
        cmocka_unit_test (test_assign_roundtrip),
        cmocka_unit_test (test_assign_truncated),
        cmocka_unit_test (test_result),
        cmocka_unit_test (test_proto_hostile_counts),
        cmocka_unit_test (test_proto_garbage),
        cmocka_unit_test (test_lwire_roundtrip),
        cmocka_unit_test (test_lwire_frames),
        cmocka_unit_test (test_lwire_truncated),
        cmocka_unit_test (test_lwire_hostile),
        cmocka_unit_test (test_lwire_garbage),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
