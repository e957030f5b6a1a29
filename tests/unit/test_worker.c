/* test_worker.c: a worker told of two jobs (TAG_JOB) runs each job's
 * attempts with that job's environment, storage and state directory, a
 * real launcher and real processes; an attempt of a job it was not told
 * of comes back interrupted; a malformed JOB message is refused; a
 * cancel interrupts a task, never a node's preparation or release;
 * stopping one job (worker_unqueue) withdraws only its attempts waiting
 * for slots. */
#include <config.h>

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/stage.h"
#include "runtime/launcher/launch.h"
#include "runtime/node/proto.h"
#include "runtime/node/topo.h"
#include "runtime/node/worker.h"

static char tmp[256];

static const char *path (const char *rel)
{
    static char buf[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf (buf[k], sizeof (buf[k]), "%s/%s", tmp, rel);
    return buf[k];
}

static char *slurp (const char *p)
{
    static char buf[4096];
    FILE *f = fopen (p, "r");
    if (!f)
        return NULL;
    size_t n = fread (buf, 1, sizeof (buf) - 1, f);
    fclose (f);
    buf[n] = '\0';
    if (n && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    return buf;
}

/* A job's settings as the job file's loader would leave them. */
static void fill_job (jobfile_job_t *j, const char *id, const char *dir, const char **names,
                      const char **values)
{
    static char storage[4][4200], state[4][4200], root[4][4200];
    static int k;
    k = (k + 1) % 4;
    memset (j, 0, sizeof (*j));
    snprintf (storage[k], sizeof (storage[k]), "%s/%s", tmp, dir);
    snprintf (state[k], sizeof (state[k]), "%s/%s/state", tmp, dir);
    snprintf (root[k], sizeof (root[k]), "%s/nodes", tmp);
    j->id = (char *)id;
    j->storage = storage[k];
    j->state = state[k];
    j->node_root = root[k];
    j->env.n = names ? 1 : 0;
    j->env.names = (char **)names;
    j->env.values = (char **)values;
    j->binding = JOB_BIND_NONE;
    j->logs = JOB_LOGS_STORAGE;
    j->retention = JOB_RETAIN_ALL;
    j->slots_kind = JOB_SLOTS_CORES;
    j->gpus_per_worker = -1;
    j->max_log_size = 1 << 20;
    j->max_wall_clock = JOB_UNLIMITED;
}

static void pack_cmd (buf_t *b, uint32_t job, uint32_t index, const char *cmd)
{
    jobfile_task_t t;
    memset (&t, 0, sizeof (t));
    t.index = index;
    t.id = "t";
    t.command = (char *)cmd;
    t.slots = 1;
    t.max_wall_clock = JOB_UNLIMITED;
    t.sweep = -1;
    assign_pack (&t, job, ((uint64_t)index << 32) | 1, 0, LAUNCH_TASK, NULL, b);
}

static void pack_task (buf_t *b, uint32_t job, uint32_t index)
{
    pack_cmd (b, job, index,
              "echo \"$WHO $MPIBATCH_JOB_ID $MPIBATCH_POOL_DIR\" >\"$MPIBATCH_STORAGE_DIR/out\"; "
              "echo logged");
}

static void test_two_jobs (void **state)
{
    (void)state;
    snprintf (tmp, sizeof (tmp), "/tmp/mb-test-worker-XXXXXX");
    assert_non_null (mkdtemp (tmp));
    assert_int_equal (stage_mkdirs (path ("a/state")), 0);
    assert_int_equal (stage_mkdirs (path ("b/state")), 0);
    assert_int_equal (stage_mkdirs (path ("boot")), 0);
    /* Two cores of one PU.  (hwloc 2.9 copies overlapping memory parsing
     * "pack:1 core:2 pu:1", which valgrind reports; this shape it does not.) */
    setenv ("MPIBATCH_TOPOLOGY", "numa:1 core:2 pu:1", 1);
    mb_error_t err = { "" };
    topo_t *topo = topo_load (&err);
    assert_non_null (topo);
    topo_share_t share;
    assert_int_equal (topo_share (topo, 0, 1, JOB_SLOTS_CORES, 0, JOB_BIND_NONE, &share, &err),
                      0);
    launcher_t *l = launcher_start (&err);
    assert_non_null (l);

    /* Job 0, the boot information: a pool's own sizing. */
    jobfile_job_t j0, ja, jb;
    fill_job (&j0, "pool", "boot", NULL, NULL);
    buf_t b = { 0 };
    assert_int_equal (jobinfo_pack (&j0, "/the/pool", 1, 1.0, &b), 0);
    jobinfo_t ji;
    assert_int_equal (jobinfo_unpack (b.data, b.len, &ji), 0);
    worker_t *w = worker_create (l, &ji, &share, 1, 1, "nodeA", &err);
    assert_non_null (w);
    assert_int_equal (worker_njobs (w), 0);

    static const char *who[] = { "WHO" }, *va[] = { "from-a" }, *vb[] = { "from-b" };
    fill_job (&ja, "ja", "a", who, va);
    fill_job (&jb, "jb", "b", who, vb);
    buf_reset (&b);
    assert_int_equal (job_msg_pack (1, &jb, "/the/pool", 1, 1.0, &b), 0);   /* wrong, then fixed */
    assert_int_equal (worker_job (w, b.data, b.len, &err), 0);
    buf_reset (&b);
    assert_int_equal (job_msg_pack (2, &jb, "/the/pool", 1, 1.0, &b), 0);
    assert_int_equal (worker_job (w, b.data, b.len, &err), 0);
    buf_reset (&b);
    assert_int_equal (job_msg_pack (1, &ja, "/the/pool", 1, 1.0, &b), 0);
    assert_int_equal (worker_job (w, b.data, b.len, &err), 0);   /* job 1 told again */
    assert_int_equal (worker_njobs (w), 2);
    /* Malformed, cut short, or job number 0 (the boot one's): refused. */
    assert_int_equal (worker_job (w, b.data, b.len / 2, &err), -1);
    assert_int_equal (worker_job (w, "xx", 2, &err), -1);
    buf_reset (&b);
    assert_int_equal (job_msg_pack (0, &ja, NULL, 1, 1.0, &b), 0);
    assert_int_equal (worker_job (w, b.data, b.len, &err), -1);
    assert_int_equal (worker_njobs (w), 2);

    /* One attempt of each job, and one of a job never told. */
    buf_reset (&b);
    proto_batch_begin (&b);
    pack_task (&b, 1, 10);
    pack_task (&b, 2, 20);
    pack_task (&b, 7, 70);
    proto_batch_end (&b, 3);
    assert_int_equal (worker_assign (w, b.data, b.len), 0);
    int got = 0, ok = 0, unknown = 0;
    buf_t out = { 0 };
    for (int round = 0; round < 200 && got < 3; round++) {
        struct pollfd p = { worker_fd (w), POLLIN, 0 };
        poll (&p, 1, 100);
        buf_reset (&out);
        proto_batch_begin (&out);
        int n = worker_collect (w, &out);
        assert_true (n >= 0);
        if (n == 0)
            continue;
        proto_batch_end (&out, (uint32_t)n);
        unpack_t u;
        assert_int_equal (proto_batch_read (&u, out.data, out.len), n);
        for (int i = 0; i < n; i++) {
            result_t res;
            assert_int_equal (result_unpack (&u, &res), 0);
            got++;
            if (res.task == 70) {
                assert_int_equal (res.r.outcome, LAUNCH_INTERRUPTED);
                assert_non_null (strstr (res.r.reason, "not told"));
                unknown++;
            }
            else {
                assert_int_equal (res.r.outcome, LAUNCH_SUCCEEDED);
                ok++;
            }
        }
    }
    assert_int_equal (ok, 2);
    assert_int_equal (unknown, 1);
    /* Each ran with its own job's environment, id, storage and pool. */
    char *s = slurp (path ("a/out"));
    assert_non_null (s);
    assert_string_equal (s, "from-a ja /the/pool");
    s = slurp (path ("b/out"));
    assert_non_null (s);
    assert_string_equal (s, "from-b jb /the/pool");
    /* Their logs went to their own state directories. */
    s = slurp (path ("a/state/logs/t/0.stdout"));
    assert_non_null (s);
    assert_string_equal (s, "logged");
    s = slurp (path ("b/state/logs/t/0.stdout"));
    assert_non_null (s);
    assert_string_equal (s, "logged");
    /* And their task directories under each job's own node directory. */
    struct stat sb;
    assert_int_equal (stat (path ("nodes/nodeA/ja"), &sb), 0);
    assert_int_equal (stat (path ("nodes/nodeA/jb"), &sb), 0);

    buf_free (&out);
    buf_free (&b);
    worker_destroy (w);
    jobinfo_free (&ji);
    launcher_stop (l);
    topo_share_free (&share);
    topo_destroy (topo);
    stage_remove_tree (tmp);
}

/* `cancel` of task 5 (CTRL_CANCEL 5) while a job's preparation and
 * release whose node index is also 5 run beside task 5 (the service numbers
 * those by node, a pool's as job << 16 | node, so any task's index can
 * equal theirs): only the task is interrupted. */
static void test_cancel_spares_node_tasks (void **state)
{
    (void)state;
    snprintf (tmp, sizeof (tmp), "/tmp/mb-test-worker-XXXXXX");
    assert_non_null (mkdtemp (tmp));
    assert_int_equal (stage_mkdirs (path ("a/state")), 0);
    assert_int_equal (stage_mkdirs (path ("boot")), 0);
    setenv ("MPIBATCH_TOPOLOGY", "numa:1 core:2 pu:1", 1);
    mb_error_t err = { "" };
    topo_t *topo = topo_load (&err);
    assert_non_null (topo);
    topo_share_t share;
    assert_int_equal (topo_share (topo, 0, 1, JOB_SLOTS_CORES, 0, JOB_BIND_NONE, &share, &err),
                      0);
    launcher_t *l = launcher_start (&err);
    assert_non_null (l);
    jobfile_job_t j0, ja;
    fill_job (&j0, "pool", "boot", NULL, NULL);
    buf_t b = { 0 };
    assert_int_equal (jobinfo_pack (&j0, "/the/pool", 1, 1.0, &b), 0);
    jobinfo_t ji;
    assert_int_equal (jobinfo_unpack (b.data, b.len, &ji), 0);
    worker_t *w = worker_create (l, &ji, &share, 1, 1, "nodeA", &err);
    assert_non_null (w);
    fill_job (&ja, "ja", "a", NULL, NULL);
    buf_reset (&b);
    assert_int_equal (job_msg_pack (1, &ja, NULL, 1, 1.0, &b), 0);
    assert_int_equal (worker_job (w, b.data, b.len, &err), 0);

    buf_reset (&b);
    proto_batch_begin (&b);
    static const int kinds[] = { LAUNCH_PREP, LAUNCH_RELEASE, LAUNCH_TASK };
    for (int k = 0; k < 3; k++) {
        jobfile_task_t t;
        memset (&t, 0, sizeof (t));
        t.index = 5;
        t.id = kinds[k] == LAUNCH_TASK ? "t" : kinds[k] == LAUNCH_PREP ? "job_preparation"
                                                                       : "job_release";
        t.command = "sleep 1";
        t.slots = 1;
        t.max_wall_clock = JOB_UNLIMITED;
        t.sweep = -1;
        assign_pack (&t, 1, ((uint64_t)5 << 32) | (uint64_t)kinds[k], 0, kinds[k], NULL, &b);
    }
    proto_batch_end (&b, 3);
    assert_int_equal (worker_assign (w, b.data, b.len), 0);
    usleep (200000);
    worker_cancel (w, 5);
    int got = 0, outcome[4] = { -1, -1, -1, -1 };
    buf_t out = { 0 };
    for (int round = 0; round < 100 && got < 3; round++) {
        struct pollfd p = { worker_fd (w), POLLIN, 0 };
        poll (&p, 1, 100);
        buf_reset (&out);
        proto_batch_begin (&out);
        int n = worker_collect (w, &out);
        assert_true (n >= 0);
        if (n == 0)
            continue;
        proto_batch_end (&out, (uint32_t)n);
        unpack_t u;
        assert_int_equal (proto_batch_read (&u, out.data, out.len), n);
        for (int i = 0; i < n; i++) {
            result_t res;
            assert_int_equal (result_unpack (&u, &res), 0);
            assert_int_equal (res.task, 5);
            assert_true (res.kind >= 0 && res.kind < 4);
            outcome[res.kind] = res.r.outcome;
            got++;
        }
    }
    assert_int_equal (got, 3);
    assert_int_equal (outcome[LAUNCH_TASK], LAUNCH_INTERRUPTED);
    assert_int_equal (outcome[LAUNCH_PREP], LAUNCH_SUCCEEDED);
    assert_int_equal (outcome[LAUNCH_RELEASE], LAUNCH_SUCCEEDED);

    buf_free (&out);
    buf_free (&b);
    worker_destroy (w);
    jobinfo_free (&ji);
    launcher_stop (l);
    topo_share_free (&share);
    topo_destroy (topo);
    stage_remove_tree (tmp);
}

/* Collect n results (or fail after ~20 s); outcome and reason by index. */
static void collect (worker_t *w, int n, uint32_t *task, int *outcome, char (*reason)[128])
{
    int got = 0;
    buf_t out = { 0 };
    for (int round = 0; round < 200 && got < n; round++) {
        struct pollfd p = { worker_fd (w), POLLIN, 0 };
        poll (&p, 1, 100);
        buf_reset (&out);
        proto_batch_begin (&out);
        int k = worker_collect (w, &out);
        assert_true (k >= 0);
        if (k == 0)
            continue;
        proto_batch_end (&out, (uint32_t)k);
        unpack_t u;
        assert_int_equal (proto_batch_read (&u, out.data, out.len), k);
        for (int i = 0; i < k; i++) {
            result_t res;
            assert_int_equal (result_unpack (&u, &res), 0);
            assert_true (got < n);
            task[got] = res.task;
            outcome[got] = res.r.outcome;
            snprintf (reason[got], sizeof (reason[got]), "%s", res.r.reason);
            got++;
        }
    }
    assert_int_equal (got, n);
    buf_free (&out);
}

/* Two slots busy with one attempt of each job; three wait (jobs 1, 2, 1).
 * Stopping job 1 withdraws its two waiting attempts only: job 2's starts
 * when a slot frees and succeeds. */
static void test_unqueue_per_job (void **state)
{
    (void)state;
    snprintf (tmp, sizeof (tmp), "/tmp/mb-test-worker-XXXXXX");
    assert_non_null (mkdtemp (tmp));
    assert_int_equal (stage_mkdirs (path ("a/state")), 0);
    assert_int_equal (stage_mkdirs (path ("b/state")), 0);
    assert_int_equal (stage_mkdirs (path ("boot")), 0);
    setenv ("MPIBATCH_TOPOLOGY", "numa:1 core:2 pu:1", 1);
    mb_error_t err = { "" };
    topo_t *topo = topo_load (&err);
    assert_non_null (topo);
    topo_share_t share;
    assert_int_equal (topo_share (topo, 0, 1, JOB_SLOTS_CORES, 0, JOB_BIND_NONE, &share, &err),
                      0);
    launcher_t *l = launcher_start (&err);
    assert_non_null (l);
    jobfile_job_t j0, ja, jb;
    fill_job (&j0, "pool", "boot", NULL, NULL);
    buf_t b = { 0 };
    assert_int_equal (jobinfo_pack (&j0, "/the/pool", 1, 1.0, &b), 0);
    jobinfo_t ji;
    assert_int_equal (jobinfo_unpack (b.data, b.len, &ji), 0);
    worker_t *w = worker_create (l, &ji, &share, 1, 1, "nodeA", &err);
    assert_non_null (w);
    fill_job (&ja, "ja", "a", NULL, NULL);
    fill_job (&jb, "jb", "b", NULL, NULL);
    buf_reset (&b);
    assert_int_equal (job_msg_pack (1, &ja, "/the/pool", 1, 1.0, &b), 0);
    assert_int_equal (worker_job (w, b.data, b.len, &err), 0);
    buf_reset (&b);
    assert_int_equal (job_msg_pack (2, &jb, "/the/pool", 1, 1.0, &b), 0);
    assert_int_equal (worker_job (w, b.data, b.len, &err), 0);

    buf_reset (&b);
    proto_batch_begin (&b);
    pack_cmd (&b, 1, 100, "sleep 1");
    pack_cmd (&b, 2, 200, "sleep 1");
    pack_cmd (&b, 1, 101, "touch \"$MPIBATCH_STORAGE_DIR/ran101\"");
    pack_cmd (&b, 2, 201, "touch \"$MPIBATCH_STORAGE_DIR/ran201\"");
    pack_cmd (&b, 1, 102, "touch \"$MPIBATCH_STORAGE_DIR/ran102\"");
    proto_batch_end (&b, 5);
    assert_int_equal (worker_assign (w, b.data, b.len), 0);
    worker_unqueue (w, 1);
    worker_unqueue (w, 9);   /* a job with nothing waiting: nothing happens */

    uint32_t task[5];
    int outcome[5];
    char reason[5][128];
    collect (w, 5, task, outcome, reason);
    int withdrawn = 0, ok = 0;
    for (int i = 0; i < 5; i++) {
        if (task[i] == 101 || task[i] == 102) {
            assert_int_equal (outcome[i], LAUNCH_INTERRUPTED);
            assert_non_null (strstr (reason[i], "withdrawn"));
            withdrawn++;
        }
        else {
            assert_int_equal (outcome[i], LAUNCH_SUCCEEDED);
            ok++;
        }
    }
    /* The two withdrawn came first, before any slot freed. */
    assert_true ((task[0] == 101 || task[0] == 102) && (task[1] == 101 || task[1] == 102));
    assert_int_equal (withdrawn, 2);
    assert_int_equal (ok, 3);
    struct stat sb;
    assert_int_equal (stat (path ("b/ran201"), &sb), 0);
    assert_int_equal (stat (path ("a/ran101"), &sb), -1);
    assert_int_equal (stat (path ("a/ran102"), &sb), -1);

    buf_free (&b);
    worker_destroy (w);
    jobinfo_free (&ji);
    launcher_stop (l);
    topo_share_free (&share);
    topo_destroy (topo);
    stage_remove_tree (tmp);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_two_jobs),
        cmocka_unit_test (test_cancel_spares_node_tasks),
        cmocka_unit_test (test_unqueue_per_job),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
