/* test_exitpolicy.c: unit tests of the retry policy: which exit condition decides an attempt's end and what the scheduler does with it. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler/sched.h"

/* A rule list built in the test, as the loader would make it. */
struct rules {
    jobfile_exit_t e;
    jobfile_exit_rule_t r[8];
    uint8_t ranges[8][4][2];
};

static void add (struct rules *L, int on, int lo, int hi, int action, int deps, int job)
{
    jobfile_exit_rule_t *r = &L->r[L->e.n];
    memset (r, 0, sizeof (*r));
    r->on = on;
    r->action = action;
    r->dependents = deps;
    r->job = job;
    r->line = 10 + L->e.n;
    if (on == EXIT_ON_CODES) {
        r->ranges = L->ranges[L->e.n];
        r->ranges[0][0] = (uint8_t)lo;
        r->ranges[0][1] = (uint8_t)hi;
        r->nranges = 1;
    }
    L->e.n++;
    L->e.rules = L->r;
    L->e.file = "/x/job.cfg";
}

/* The example of spec/jobfile.md. */
static void spec_rules (struct rules *L)
{
    memset (L, 0, sizeof (*L));
    add (L, EXIT_ON_CODES, 3, 3, EXIT_FAIL, -1, EXIT_JOB_TERMINATE);
    add (L, EXIT_ON_CODES, 10, 19, EXIT_RETRY, -1, 0);
    add (L, EXIT_ON_CODES, 75, 75, EXIT_REQUEUE, -1, 0);
    add (L, EXIT_ON_CODES, 1, 1, EXIT_SUCCEED, -1, 0);
    add (L, EXIT_ON_INPUT_ERROR, 0, 0, EXIT_RETRY, -1, EXIT_JOB_STOP);
    add (L, EXIT_ON_DEFAULT, 0, 0, EXIT_RETRY, TASK_SATISFY, 0);
    jobfile_exit_succeed_map (&L->e);
}

static void test_match (void **state)
{
    (void)state;
    struct rules L;
    spec_rules (&L);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_EXIT, 0), -1);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_EXIT, 3), 0);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_EXIT, 10), 1);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_EXIT, 19), 1);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_EXIT, 20), 5);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_EXIT, 75), 2);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_EXIT, 1), 3);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_INPUT_ERROR, -1), 4);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_TIMEOUT, -1), 5);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_SIGNAL, -1), 5);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_OUTPUT_ERROR, 0), 5);
    assert_int_equal (sched_exit_match (&L.e, SCHED_END_INTERRUPTED, 75), -1);
    assert_int_equal (sched_exit_match (NULL, SCHED_END_EXIT, 3), -1);
    /* The launcher's view: only code 1 turns into a success. */
    assert_true (jobfile_succeed_bit (L.e.succeed, 1));
    assert_false (jobfile_succeed_bit (L.e.succeed, 0));
    assert_false (jobfile_succeed_bit (L.e.succeed, 75));
    assert_false (jobfile_succeed_bit (L.e.succeed, 256));
    char buf[200];
    assert_string_equal (jobfile_exit_rule_text (&L.e, 1, buf, sizeof (buf)),
                         "job.cfg:11: codes 10-19: retry");
    assert_string_equal (jobfile_exit_rule_text (&L.e, 0, buf, sizeof (buf)),
                         "job.cfg:10: code 3: fail, job terminate");
    assert_string_equal (jobfile_exit_rule_text (&L.e, 5, buf, sizeof (buf)),
                         "job.cfg:15: on default: retry, dependents satisfy");
}

static void test_decide (void **state)
{
    (void)state;
    struct rules L;
    sched_verdict_t v;
    spec_rules (&L);
    sched_exit_decide (&L.e, SCHED_END_EXIT, 0, &v);
    assert_int_equal (v.outcome, SCHED_OK);
    assert_int_equal (v.rule, -1);
    sched_exit_decide (&L.e, SCHED_END_EXIT, 1, &v);
    assert_int_equal (v.outcome, SCHED_OK);
    assert_int_equal (v.rule, 3);
    sched_exit_decide (&L.e, SCHED_END_EXIT, 75, &v);
    assert_int_equal (v.outcome, SCHED_REQUEUE_RULE);
    sched_exit_decide (&L.e, SCHED_END_EXIT, 12, &v);
    assert_int_equal (v.outcome, SCHED_FAIL);
    assert_int_equal (v.dependents, -1);
    /* terminate: final even though retries may be left */
    sched_exit_decide (&L.e, SCHED_END_EXIT, 3, &v);
    assert_int_equal (v.outcome, SCHED_FAIL_FINAL);
    assert_int_equal (v.job, EXIT_JOB_TERMINATE);
    /* a retry rule that stops the job is final too */
    sched_exit_decide (&L.e, SCHED_END_INPUT_ERROR, -1, &v);
    assert_int_equal (v.outcome, SCHED_FAIL_FINAL);
    assert_int_equal (v.job, EXIT_JOB_STOP);
    sched_exit_decide (&L.e, SCHED_END_SIGNAL, -1, &v);
    assert_int_equal (v.outcome, SCHED_FAIL);
    assert_int_equal (v.dependents, TASK_SATISFY);
    sched_exit_decide (&L.e, SCHED_END_INTERRUPTED, 3, &v);
    assert_int_equal (v.outcome, SCHED_REQUEUE);
    assert_int_equal (v.rule, -1);
    /* Without rules: today's behaviour. */
    sched_exit_decide (NULL, SCHED_END_EXIT, 3, &v);
    assert_int_equal (v.outcome, SCHED_FAIL);
    sched_exit_decide (NULL, SCHED_END_INPUT_ERROR, -1, &v);
    assert_int_equal (v.outcome, SCHED_FAIL_FINAL);
    sched_exit_decide (NULL, SCHED_END_EXIT, -1, &v);
    assert_int_equal (v.outcome, SCHED_FAIL);
}

static sched_t *one_worker (graph_t **g, size_t n, const uint32_t *off,
                            const uint32_t *deps, sched_task_t *t)
{
    *g = graph_create (n, off, deps);
    assert_non_null (*g);
    sched_t *s = sched_create (*g, t, SCHED_FILL_SPREAD);
    assert_non_null (s);
    assert_int_equal (sched_worker_add (s, 0, 0, 1, 0, 0), 0);
    return s;
}

/* A checkpointing task: exit 75 three times, then 0, with max_retries 0. */
static void test_requeue_counts (void **state)
{
    (void)state;
    struct rules L;
    spec_rules (&L);
    sched_task_t t[2] = { { .slots = 1, .instances = 1, .max_retries = 0, .max_requeues = 3 },
                          { .slots = 1, .instances = 1, .max_retries = 0, .max_requeues = 2 } };
    uint32_t off[3] = { 0, 0, 0 };
    graph_t *g;
    sched_t *s = one_worker (&g, 2, off, NULL, t);
    assert_int_equal (sched_start (s), 0);
    sched_assign_t a;
    sched_verdict_t v;
    for (int i = 0; i < 4; i++) {
        assert_int_equal (sched_next (s, &a), 1);
        assert_int_equal (a.task, 0);
        assert_int_equal (a.attempt, i);      /* numbers of their own */
        int st = sched_attempt_decide (s, 0, &L.e, SCHED_END_EXIT, i < 3 ? 75 : 0, &v);
        assert_int_equal (st, i < 3 ? SCHED_READY : SCHED_SUCCEEDED);
    }
    assert_int_equal (sched_requeues (s, 0), 3);
    assert_int_equal (sched_attempts (s, 0), 1);   /* no retry used */
    /* max_requeues 2: the third requeue fails the task */
    for (int i = 0; i < 3; i++) {
        assert_int_equal (sched_next (s, &a), 1);
        assert_int_equal (a.task, 1);
        int st = sched_attempt_decide (s, 1, &L.e, SCHED_END_EXIT, 75, &v);
        assert_int_equal (st, i < 2 ? SCHED_READY : SCHED_FAILED);
        assert_int_equal (v.exhausted, i == 2);
    }
    sched_destroy (s);
    graph_destroy (g);
}

/* dependents replaces on_failure; a preset keeps it (resume). */
static void test_dependents (void **state)
{
    (void)state;
    struct rules L;
    memset (&L, 0, sizeof (L));
    add (&L, EXIT_ON_CODES, 4, 4, EXIT_FAIL, TASK_SATISFY, 0);
    add (&L, EXIT_ON_CODES, 5, 5, EXIT_FAIL, TASK_BLOCK, 0);
    /* 0 -> 1 (0 blocks by default), 2 -> 3 (2 satisfies by default) */
    sched_task_t t[4] = { { .slots = 1, .instances = 1, .on_failure = TASK_BLOCK },
                          { .slots = 1, .instances = 1 },
                          { .slots = 1, .instances = 1, .on_failure = TASK_SATISFY },
                          { .slots = 1, .instances = 1 } };
    uint32_t off[5] = { 0, 0, 1, 1, 2 };
    uint32_t deps[2] = { 0, 2 };
    graph_t *g;
    sched_t *s = one_worker (&g, 4, off, deps, t);
    assert_int_equal (sched_start (s), 0);
    sched_assign_t a;
    sched_verdict_t v;
    assert_int_equal (sched_next (s, &a), 1);
    assert_int_equal (a.task, 0);
    assert_int_equal (sched_attempt_decide (s, 0, &L.e, SCHED_END_EXIT, 4, &v), SCHED_FAILED);
    assert_int_equal (sched_state (s, 1), SCHED_READY);      /* released by the rule */
    assert_int_equal (sched_next (s, &a), 1);
    assert_int_equal (a.task, 1);
    assert_int_equal (sched_attempt_decide (s, 1, &L.e, SCHED_END_EXIT, 0, &v), SCHED_SUCCEEDED);
    assert_int_equal (sched_next (s, &a), 1);
    assert_int_equal (a.task, 2);
    assert_int_equal (sched_attempt_decide (s, 2, &L.e, SCHED_END_EXIT, 5, &v), SCHED_FAILED);
    assert_int_equal (sched_state (s, 3), SCHED_SKIPPED);    /* blocked by the rule */
    sched_destroy (s);
    graph_destroy (g);

    /* Resume: a preset failure with its rule's dependents. */
    s = one_worker (&g, 4, off, deps, t);
    assert_int_equal (sched_preset (s, 0, SCHED_FAILED, 1), 0);
    assert_int_equal (sched_set_dependents (s, 0, TASK_SATISFY), 0);
    assert_int_equal (sched_preset (s, 2, SCHED_PENDING, 0), 0);
    assert_int_equal (sched_preset_requeues (s, 2, 7), 0);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (sched_state (s, 1), SCHED_READY);
    assert_int_equal (sched_requeues (s, 2), 7);
    assert_int_equal (sched_set_dependents (s, 0, 2), -1);
    sched_destroy (s);
    graph_destroy (g);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_match),
        cmocka_unit_test (test_decide),
        cmocka_unit_test (test_requeue_counts),
        cmocka_unit_test (test_dependents),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
