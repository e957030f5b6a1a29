/* test_sched_jobs.c: the scheduler's jobs (order, max_parallel_tasks, hold, stop), tasks added while it runs, cancel, and workers that come and go. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scheduler/sched.h"

static sched_task_t req (int slots, int priority)
{
    sched_task_t t = { .slots = slots, .instances = 1, .priority = priority };
    return t;
}

/* Add n one-slot tasks of priority prio without prerequisites; returns the
 * first index. */
static uint32_t add_plain (sched_t *s, int job, size_t n, int prio)
{
    sched_task_t *t = calloc (n, sizeof (*t));
    assert_non_null (t);
    for (size_t i = 0; i < n; i++)
        t[i] = req (1, prio);
    uint32_t first = 0;
    assert_int_equal (sched_add_tasks (s, job, n, t, NULL, NULL, &first), 0);
    free (t);
    return first;
}

/* Add one task with the given prerequisites; returns its index. */
static uint32_t add_one (sched_t *s, int job, sched_task_t r, const uint32_t *pre, uint32_t np)
{
    uint32_t off[2] = { 0, np };
    uint32_t first = 0;
    assert_int_equal (sched_add_tasks (s, job, 1, &r, off, pre, &first), 0);
    return first;
}

static sched_t *empty (void)
{
    sched_t *s = sched_create (NULL, NULL, SCHED_FILL_SPREAD);
    assert_non_null (s);
    return s;
}

static uint32_t next_task (sched_t *s)
{
    sched_assign_t a;
    assert_int_equal (sched_next (s, &a), 1);
    return a.task;
}

static void expect_none (sched_t *s)
{
    sched_assign_t a;
    assert_int_equal (sched_next (s, &a), 0);
}

static void expect_events (sched_t *s, const uint32_t *want, size_t n)
{
    uint32_t t;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal (sched_next_event (s, &t), 1);
        assert_int_equal (t, want[i]);
    }
    assert_int_equal (sched_next_event (s, &t), 0);
}

/* Run to the end on the workers there are, one task at a time, recording
 * the order of starts. */
static size_t run_serial (sched_t *s, uint32_t *order, size_t max)
{
    size_t n = 0;
    sched_assign_t a;
    while (sched_next (s, &a) == 1) {
        assert_true (n < max);
        order[n++] = a.task;
        assert_int_equal (sched_attempt_end (s, a.task, SCHED_OK), SCHED_SUCCEEDED);
    }
    return n;
}

static void test_job_order (void **state)
{
    sched_t *s = empty ();
    int j0 = sched_job_add (s, 0);
    int j1 = sched_job_add (s, 5);
    int j2 = sched_job_add (s, 0);
    assert_int_equal (j0, 0);
    assert_int_equal (j1, 1);
    assert_int_equal (j2, 2);
    assert_int_equal (sched_job_add (s, 1001), -1);
    assert_int_equal (errno, EINVAL);
    assert_int_equal (sched_job_add (s, -1001), -1);
    /* Task priorities that would order them the other way round. */
    uint32_t a = add_plain (s, j0, 2, 9);       /* 0, 1 */
    uint32_t b = add_plain (s, j1, 2, -9);      /* 2, 3 */
    uint32_t c = add_plain (s, j2, 1, 100);     /* 4 */
    sched_task_t r = req (1, 3);
    uint32_t d = add_one (s, j1, r, NULL, 0);   /* 5: job 1, higher task priority */
    assert_int_equal (a, 0);
    assert_int_equal (b, 2);
    assert_int_equal (c, 4);
    assert_int_equal (d, 5);
    assert_int_equal (sched_task_job (s, 5), j1);
    assert_int_equal (sched_task_job (s, 4), j2);
    assert_int_equal (sched_task_job (s, 6), -1);
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    /* Job 1 (priority 5) first, its tasks by their priority; then job 0
     * and job 2 at equal priority: the one added first. */
    uint32_t order[6];
    assert_int_equal (run_serial (s, order, 6), 6);
    const uint32_t want[6] = { 5, 2, 3, 0, 1, 4 };
    assert_memory_equal (order, want, sizeof (want));
    assert_int_equal (sched_job_finished (s, j1), 1);
    assert_int_equal (sched_job_finished (s, 9), -1);
    sched_destroy (s);
}

/* A priority change between two sched_next calls takes effect at once,
 * also for a job whose classes are not at the top of the queue. */
static void test_job_priority_change (void **state)
{
    sched_t *s = empty ();
    int j0 = sched_job_add (s, 0);
    int j1 = sched_job_add (s, 0);
    int j2 = sched_job_add (s, 0);
    add_plain (s, j0, 3, 0);                    /* 0..2 */
    add_plain (s, j1, 3, 0);                    /* 3..5 */
    sched_task_t big = req (1, 0);
    big.memory = 4096;                          /* a second class of job 2 */
    add_plain (s, j2, 1, 0);                    /* 6 */
    add_one (s, j2, big, NULL, 0);              /* 7 */
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    uint32_t t = next_task (s);
    assert_int_equal (t, 0);
    assert_int_equal (sched_attempt_end (s, t, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_job_set_priority (s, j2, 10), 0);
    assert_int_equal (sched_job_set_priority (s, j1, 5), 0);
    assert_int_equal (sched_job_set_priority (s, j1, 2000), -1);
    assert_int_equal (sched_job_set_priority (s, 7, 1), -1);
    uint32_t order[7];
    assert_int_equal (run_serial (s, order, 7), 7);
    const uint32_t want[7] = { 6, 7, 3, 4, 5, 1, 2 };
    assert_memory_equal (order, want, sizeof (want));
    /* Lowering works the same way: a new task of job 2 now goes last. */
    assert_int_equal (sched_job_set_priority (s, j2, -1), 0);
    uint32_t x = add_plain (s, j2, 1, 50);
    uint32_t y = add_plain (s, j0, 1, -50);
    assert_int_equal (next_task (s), y);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, y, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), x);
    sched_destroy (s);
}

/* max_parallel_tasks: a job never has more than max tasks RUNNING, a
 * multi-instance task counting once, while other jobs use the rest. */
static void test_job_max_running (void **state)
{
    sched_t *s = empty ();
    int j0 = sched_job_add (s, 10);
    int j1 = sched_job_add (s, 0);
    sched_task_t multi = req (1, 5);
    multi.instances = 3;
    uint32_t m = add_one (s, j0, multi, NULL, 0);       /* 0: three slots, one task */
    uint32_t a = add_plain (s, j0, 4, 0);               /* 1..4 */
    uint32_t b = add_plain (s, j1, 6, 0);               /* 5..10 */
    assert_int_equal (sched_job_set_max_running (s, j0, 2), 0);
    assert_int_equal (sched_job_set_max_running (s, 5, 2), -1);
    for (int w = 0; w < 8; w++)
        assert_int_equal (sched_worker_add (s, w, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    /* Job 0 first: the multi-instance task (3 workers, counted once) and
     * one more; then its cap makes room for job 1 on the other 4. */
    sched_assign_t as;
    assert_int_equal (sched_next (s, &as), 1);
    assert_int_equal (as.task, m);
    assert_int_equal (as.nparts, 3);
    assert_int_equal (next_task (s), a);
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal (next_task (s), b + i);
    expect_none (s);
    size_t c[6];
    assert_int_equal (sched_job_counts (s, j0, c), 0);
    assert_int_equal (c[SCHED_RUNNING], 2);
    assert_int_equal (c[SCHED_READY], 3);
    assert_int_equal (sched_job_counts (s, j1, c), 0);
    assert_int_equal (c[SCHED_RUNNING], 4);
    assert_int_equal (sched_job_counts (s, 2, c), -1);
    sched_destroy (s);
}

/* The cap against the free slots: with room left, only the other job's
 * tasks start; when one of the job's tasks ends, the next of it starts. */
static void test_job_cap_release (void **state)
{
    sched_t *s = empty ();
    int j0 = sched_job_add (s, 10);
    int j1 = sched_job_add (s, 0);
    uint32_t a = add_plain (s, j0, 5, 0);
    uint32_t b = add_plain (s, j1, 2, 0);
    assert_int_equal (sched_job_set_max_running (s, j0, 1), 0);
    assert_int_equal (sched_worker_add (s, 1, 0, 4, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (next_task (s), a);
    assert_int_equal (next_task (s), b);
    assert_int_equal (next_task (s), b + 1);
    expect_none (s);        /* a slot is free, but job 0 is at its cap */
    /* A retry keeps the cap: the failed attempt is READY again. */
    assert_int_equal (sched_attempt_end (s, a, SCHED_REQUEUE), SCHED_READY);
    assert_int_equal (next_task (s), a);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, a, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), a + 1);
    expect_none (s);
    /* Raising the cap (or lifting it) lets more start at once. */
    assert_int_equal (sched_job_set_max_running (s, j0, 0), 0);
    assert_int_equal (next_task (s), a + 2);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, b, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), a + 3);
    /* Lowering it below the running count stops nothing running. */
    assert_int_equal (sched_job_set_max_running (s, j0, 1), 0);
    assert_int_equal (sched_attempt_end (s, b + 1, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, a + 1, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_attempt_end (s, a + 2, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (s);        /* a + 3 still runs: the cap is 1 */
    assert_int_equal (sched_attempt_end (s, a + 3, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), a + 4);
    assert_int_equal (sched_attempt_end (s, a + 4, SCHED_OK), SCHED_SUCCEEDED);
    assert_true (sched_finished (s));
    sched_destroy (s);
}

/* A capped or held job's big task does not hold workers back from the
 * other jobs (it could not start anyway). */
static void test_job_cap_no_reservation (void **state)
{
    sched_t *s = empty ();
    int j0 = sched_job_add (s, 10);
    int j1 = sched_job_add (s, 0);
    uint32_t small0 = add_plain (s, j0, 1, 5);
    uint32_t big = add_one (s, j0, req (4, 0), NULL, 0);
    uint32_t b = add_plain (s, j1, 3, 0);
    assert_int_equal (sched_job_set_max_running (s, j0, 1), 0);
    assert_int_equal (sched_worker_add (s, 1, 0, 4, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (next_task (s), small0);
    /* Without the cap, big would reserve the worker and nothing of job 1
     * would start. */
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal (next_task (s), b + i);
    expect_none (s);
    /* Without the cap, job 0's big task holds the worker back from the
     * lower job across jobs, as a big task does inside one job. */
    assert_int_equal (sched_job_set_max_running (s, j0, 0), 0);
    uint32_t late = add_plain (s, j1, 1, 0);
    assert_int_equal (sched_attempt_end (s, b, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, small0, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_attempt_end (s, b + 1, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, b + 2, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), big);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, big, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), late);
    sched_destroy (s);
}

/* Hold one job: nothing more of it starts, its running tasks stay
 * accounted and end normally; the other job goes on. */
static void test_job_hold (void **state)
{
    sched_t *s = empty ();
    int j0 = sched_job_add (s, 10);
    int j1 = sched_job_add (s, 0);
    uint32_t a = add_plain (s, j0, 3, 0);
    uint32_t b = add_plain (s, j1, 3, 0);
    assert_int_equal (sched_worker_add (s, 1, 0, 2, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (next_task (s), a);
    assert_int_equal (next_task (s), a + 1);
    assert_int_equal (sched_job_hold (s, j0), 0);
    assert_int_equal (sched_job_hold (s, 3), -1);
    size_t c[6];
    sched_job_counts (s, j0, c);
    assert_int_equal (c[SCHED_RUNNING], 2);
    assert_int_equal (c[SCHED_READY], 1);
    expect_none (s);
    /* A retry of the held job goes back to READY but does not start. */
    assert_int_equal (sched_attempt_end (s, a, SCHED_FAIL), SCHED_FAILED);
    assert_int_equal (sched_attempt_end (s, a + 1, SCHED_REQUEUE), SCHED_READY);
    uint32_t order[3];
    assert_int_equal (run_serial (s, order, 3), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal (order[i], b + (uint32_t)i);
    sched_job_counts (s, j0, c);
    assert_int_equal (c[SCHED_READY], 2);
    assert_int_equal (c[SCHED_FAILED], 1);
    assert_int_equal (sched_job_finished (s, j0), 0);
    assert_int_equal (sched_job_finished (s, j1), 1);
    /* Held tasks are not "unplaceable": they wait for the caller. */
    uint32_t u;
    assert_int_equal (sched_unplaceable (s, &u), 0);
    /* Tasks added to a held job wait too. */
    add_plain (s, j0, 1, 0);
    expect_none (s);
    sched_destroy (s);
}

/* Stop one job: its waiting tasks are SKIPPED (reported), a dependent in
 * another job is blocked, its running task ends without retry, and the
 * other job goes on. */
static void test_job_skip (void **state)
{
    sched_t *s = empty ();
    int j0 = sched_job_add (s, 10);
    int j1 = sched_job_add (s, 0);
    sched_task_t r = req (1, 0);
    r.max_retries = 3;
    uint32_t a0 = add_one (s, j0, r, NULL, 0);          /* 0: will run */
    uint32_t a1 = add_one (s, j0, r, NULL, 0);          /* 1: will run */
    uint32_t a2 = add_one (s, j0, r, NULL, 0);          /* 2: READY */
    uint32_t a3 = add_one (s, j0, r, &a0, 1);           /* 3: PENDING */
    uint32_t b0 = add_plain (s, j1, 2, 0);              /* 4, 5 */
    uint32_t b2 = add_one (s, j1, r, &a2, 1);           /* 6: waits for job 0's task 2 */
    sched_task_t rel = r;
    rel.on_failure = 1;
    uint32_t a4 = add_one (s, j0, rel, NULL, 0);        /* 7: releases its dependents */
    uint32_t b3 = add_one (s, j1, r, &a4, 1);           /* 8: released by 7's skip */
    assert_int_equal (sched_worker_add (s, 1, 0, 2, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (next_task (s), a0);
    assert_int_equal (next_task (s), a1);
    assert_int_equal (sched_job_skip_remaining (s, j0), 0);
    assert_int_equal (sched_job_skip_remaining (s, -1), -1);
    const uint32_t want[4] = { a2, b2, a3, a4 };
    expect_events (s, want, 4);
    assert_int_equal (sched_state (s, b3), SCHED_READY);
    /* Running tasks of the stopped job: no retry, no requeue. */
    assert_int_equal (sched_attempt_end (s, a0, SCHED_FAIL), SCHED_FAILED);
    assert_int_equal (sched_attempt_end (s, a1, SCHED_REQUEUE), SCHED_SKIPPED);
    const uint32_t want2[1] = { a1 };
    expect_events (s, want2, 1);
    /* Adding to the stopped job is refused; the other job goes on. */
    uint32_t first = 77;
    assert_int_equal (sched_add_tasks (s, j0, 1, &r, NULL, NULL, &first), -1);
    assert_int_equal (errno, EINVAL);
    assert_int_equal (first, 77);
    uint32_t order[3];
    assert_int_equal (run_serial (s, order, 3), 3);
    assert_int_equal (order[0], b0);
    assert_int_equal (order[1], b0 + 1);
    assert_int_equal (order[2], b3);
    assert_int_equal (sched_job_finished (s, j0), 1);
    assert_true (sched_finished (s));
    size_t c[6];
    sched_job_counts (s, j1, c);
    assert_int_equal (c[SCHED_SUCCEEDED], 3);
    assert_int_equal (c[SCHED_SKIPPED], 1);
    sched_destroy (s);
}

/* Tasks added before sched_start, in batches, with prerequisites across
 * batches and inside one (a forward reference). */
static void test_add_before_start (void **state)
{
    sched_t *s = empty ();
    int j = sched_job_add (s, 0);
    uint32_t first;
    sched_task_t r3[3] = { req (1, 0), req (1, 0), req (1, 0) };
    assert_int_equal (sched_add_tasks (s, j, 3, r3, NULL, NULL, &first), 0);
    assert_int_equal (first, 0);
    /* 3 <- 2 and 5; 4 <- 3; 5 <- 0 */
    uint32_t off[4] = { 0, 2, 3, 4 };
    uint32_t deps[4] = { 2, 5, 3, 0 };
    assert_int_equal (sched_add_tasks (s, j, 3, r3, off, deps, &first), 0);
    assert_int_equal (first, 3);
    assert_int_equal (sched_preset (s, 1, SCHED_SUCCEEDED, 1), 0);
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    uint32_t order[5];
    assert_int_equal (run_serial (s, order, 5), 5);
    const uint32_t want[5] = { 0, 2, 5, 3, 4 };
    assert_memory_equal (order, want, sizeof (want));
    assert_true (sched_finished (s));
    sched_destroy (s);
}

/* Tasks added to a running job, depending on tasks running, succeeded,
 * failed (blocking and releasing), pending, and on each other. */
static void test_add_after_start (void **state)
{
    sched_t *s = empty ();
    int j = sched_job_add (s, 0);
    sched_task_t r = req (1, 0);
    sched_task_t rel = r;
    rel.on_failure = 1;
    uint32_t ok = add_one (s, j, r, NULL, 0);           /* 0 */
    uint32_t bad = add_one (s, j, r, NULL, 0);          /* 1: fails, blocks */
    uint32_t badrel = add_one (s, j, rel, NULL, 0);     /* 2: fails, releases */
    uint32_t run = add_one (s, j, r, NULL, 0);          /* 3: stays running */
    uint32_t pend = add_one (s, j, r, &run, 1);         /* 4: PENDING on 3 */
    assert_int_equal (sched_worker_add (s, 1, 0, 4, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal (next_task (s), i);
    assert_int_equal (sched_attempt_end (s, ok, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_attempt_end (s, bad, SCHED_FAIL), SCHED_FAILED);
    assert_int_equal (sched_attempt_end (s, badrel, SCHED_FAIL_FINAL), SCHED_FAILED);
    expect_none (s);

    /* One batch: 5 <- ok, badrel (ready at once); 6 <- bad (SKIPPED);
     * 7 <- 6 (SKIPPED with it); 8 <- run, 9 (waits); 9 <- pend (waits);
     * 10 <- 5 (waits for a task of this batch). */
    sched_task_t rs[6] = { r, r, r, r, r, r };
    uint32_t off[7] = { 0, 2, 3, 4, 6, 7, 8 };
    uint32_t deps[8] = { ok, badrel, bad, 6, run, 9, pend, 5 };
    uint32_t first;
    assert_int_equal (sched_add_tasks (s, j, 6, rs, off, deps, &first), 0);
    assert_int_equal (first, 5);
    const uint32_t skipped[2] = { 6, 7 };
    expect_events (s, skipped, 2);
    assert_int_equal (sched_state (s, 5), SCHED_READY);
    assert_int_equal (sched_state (s, 8), SCHED_PENDING);
    assert_int_equal (sched_state (s, 9), SCHED_PENDING);
    assert_int_equal (sched_state (s, 10), SCHED_PENDING);
    size_t c[6];
    sched_job_counts (s, j, c);
    assert_int_equal (c[SCHED_SKIPPED], 2);
    assert_int_equal (c[SCHED_PENDING], 4);
    assert_int_equal (next_task (s), 5);
    assert_int_equal (sched_attempt_end (s, 5, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), 10);
    assert_int_equal (sched_attempt_end (s, 10, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, run, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), pend);
    assert_int_equal (sched_attempt_end (s, pend, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), 9);
    assert_int_equal (sched_attempt_end (s, 9, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (s), 8);
    assert_int_equal (sched_attempt_end (s, 8, SCHED_OK), SCHED_SUCCEEDED);
    assert_true (sched_finished (s));
    sched_counts (s, c);
    assert_int_equal (c[SCHED_SUCCEEDED], 7);
    assert_int_equal (c[SCHED_FAILED], 2);
    assert_int_equal (c[SCHED_SKIPPED], 2);
    sched_destroy (s);
}

/* A new task of job 1 depending on job 0's tasks; a failure in job 0
 * reaches it; a new task whose prerequisite was skipped is skipped. */
static void test_add_cross_job (void **state)
{
    sched_t *s = empty ();
    int j0 = sched_job_add (s, 0);
    int j1 = sched_job_add (s, 0);
    uint32_t a = add_plain (s, j0, 1, 0);
    uint32_t a2 = add_one (s, j0, req (1, 0), &a, 1);
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    uint32_t b = add_one (s, j1, req (1, 0), &a, 1);
    assert_int_equal (next_task (s), a);
    assert_int_equal (sched_attempt_end (s, a, SCHED_FAIL_FINAL), SCHED_FAILED);
    const uint32_t want[2] = { a2, b };
    expect_events (s, want, 2);
    uint32_t c = add_one (s, j1, req (1, 0), &a2, 1);
    const uint32_t want2[1] = { c };
    expect_events (s, want2, 1);
    assert_int_equal (sched_job_finished (s, j1), 1);
    sched_destroy (s);
}

/* A failed sched_add_tasks adds nothing: not a task, not a dependent
 * edge, not a count. */
static void test_add_atomic (void **state)
{
    sched_t *s = empty ();
    int j = sched_job_add (s, 0);
    uint32_t a = add_plain (s, j, 2, 0);
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    sched_task_t rs[3] = { req (1, 0), req (1, 0), req (1, 0) };
    uint32_t first = 99;
    /* An index beyond the batch. */
    uint32_t off1[4] = { 0, 1, 2, 3 };
    uint32_t d1[3] = { a, 2, 5 };
    assert_int_equal (sched_add_tasks (s, j, 3, rs, off1, d1, &first), -1);
    assert_int_equal (errno, EINVAL);
    /* A cycle among the batch: 2 <- 4, 3 <- 2, 4 <- 3. */
    uint32_t d2[3] = { 4, 2, 3 };
    errno = 0;
    assert_int_equal (sched_add_tasks (s, j, 3, rs, off1, d2, &first), -1);
    assert_int_equal (errno, EINVAL);
    /* A task depending on itself. */
    uint32_t d3[3] = { a, 3, a };
    assert_int_equal (sched_add_tasks (s, j, 3, rs, off1, d3, &first), -1);
    /* Bad requirements in the last task, bad job, decreasing offsets. */
    rs[2].slots = 0;
    assert_int_equal (sched_add_tasks (s, j, 3, rs, NULL, NULL, &first), -1);
    rs[2].slots = 1;
    assert_int_equal (sched_add_tasks (s, 1, 3, rs, NULL, NULL, &first), -1);
    assert_int_equal (sched_add_tasks (s, -1, 3, rs, NULL, NULL, &first), -1);
    uint32_t off2[4] = { 0, 2, 1, 3 };
    assert_int_equal (sched_add_tasks (s, j, 3, rs, off2, d1, &first), -1);
    assert_int_equal (first, 99);
    assert_int_equal (sched_task_job (s, 2), -1);
    size_t c[6];
    sched_counts (s, c);
    assert_int_equal (c[SCHED_READY], 2);
    assert_int_equal (c[SCHED_PENDING], 0);
    /* The failed batches left no edge behind: finishing a releases
     * nothing, and the next batch gets index 2. */
    assert_int_equal (next_task (s), a);
    assert_int_equal (sched_attempt_end (s, a, SCHED_OK), SCHED_SUCCEEDED);
    sched_counts (s, c);
    assert_int_equal (c[SCHED_READY], 1);
    assert_int_equal (c[SCHED_PENDING] + c[SCHED_SKIPPED], 0);
    uint32_t d4[3] = { a, 2, 3 };   /* a chain inside the batch: fine */
    assert_int_equal (sched_add_tasks (s, j, 3, rs, off1, d4, &first), 0);
    assert_int_equal (first, 2);
    uint32_t order[4];
    assert_int_equal (run_serial (s, order, 4), 4);
    const uint32_t want[4] = { 1, 2, 3, 4 };
    assert_memory_equal (order, want, sizeof (want));
    sched_destroy (s);
}

/* Cancel: waiting tasks end at once, FAILED, not as events; their
 * dependents are blocked (reported) or released; running and final tasks
 * are left alone. */
static void test_cancel (void **state)
{
    sched_t *s = empty ();
    int j = sched_job_add (s, 0);
    sched_task_t r = req (1, 0);
    sched_task_t rel = r;
    rel.on_failure = 1;
    uint32_t run = add_one (s, j, r, NULL, 0);          /* 0 */
    uint32_t ready = add_one (s, j, r, NULL, 0);        /* 1 */
    uint32_t ready2 = add_one (s, j, rel, NULL, 0);     /* 2: releases */
    uint32_t pend = add_one (s, j, r, &run, 1);         /* 3 */
    uint32_t dep1 = add_one (s, j, r, &ready, 1);       /* 4: blocked by 1's cancel */
    uint32_t dep3 = add_one (s, j, r, &pend, 1);        /* 5: blocked by 3's cancel */
    uint32_t dep2 = add_one (s, j, r, &ready2, 1);      /* 6: released by 2's cancel */
    uint32_t ready3 = add_one (s, j, r, NULL, 0);       /* 7: READY */
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (next_task (s), run);
    assert_int_equal (sched_cancel (s, run), 0);
    assert_int_equal (sched_state (s, run), SCHED_RUNNING);
    assert_int_equal (sched_cancel (s, ready3), 1);     /* not its class's head */
    assert_int_equal (sched_cancel (s, ready3), 0);     /* final: nothing */
    assert_int_equal (sched_cancel (s, ready), 1);
    assert_int_equal (sched_state (s, ready), SCHED_FAILED);
    assert_int_equal (sched_cancel (s, pend), 1);
    assert_int_equal (sched_cancel (s, ready2), 1);
    assert_int_equal (sched_cancel (s, 99), -1);
    assert_int_equal (errno, EINVAL);
    const uint32_t want[2] = { dep1, dep3 };
    expect_events (s, want, 2);
    assert_int_equal (sched_state (s, dep2), SCHED_READY);
    /* The running one is the caller's: interrupted, it ends final. */
    assert_int_equal (sched_attempt_end (s, run, SCHED_FAIL_FINAL), SCHED_FAILED);
    assert_int_equal (next_task (s), dep2);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, dep2, SCHED_OK), SCHED_SUCCEEDED);
    assert_true (sched_finished (s));
    size_t c[6];
    sched_counts (s, c);
    assert_int_equal (c[SCHED_FAILED], 5);
    assert_int_equal (c[SCHED_SKIPPED], 2);
    assert_int_equal (c[SCHED_SUCCEEDED], 1);
    sched_destroy (s);
}

/* Cancel before sched_start: as a preset FAILED task. */
static void test_cancel_before_start (void **state)
{
    sched_t *s = empty ();
    int j = sched_job_add (s, 0);
    uint32_t a = add_plain (s, j, 1, 0);
    uint32_t b = add_one (s, j, req (1, 0), &a, 1);
    uint32_t c = add_plain (s, j, 1, 0);
    assert_int_equal (sched_cancel (s, a), 1);
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    const uint32_t want[1] = { b };
    expect_events (s, want, 1);
    assert_int_equal (next_task (s), c);
    sched_destroy (s);
}

/* Workers joining after sched_start, leaving, and coming back. */
static void test_workers_after_start (void **state)
{
    sched_t *s = empty ();
    int j = sched_job_add (s, 0);
    uint32_t a = add_plain (s, j, 4, 0);
    uint32_t big = add_one (s, j, req (2, 0), NULL, 0);
    assert_int_equal (sched_start (s), 0);
    expect_none (s);                    /* no worker yet */
    assert_int_equal (sched_worker_add (s, 5, 0, 1, 0, 0), 0);
    sched_assign_t as;
    assert_int_equal (sched_next (s, &as), 1);
    assert_int_equal (as.task, a);
    assert_int_equal (as.parts[0].worker, 5);
    expect_none (s);
    assert_int_equal (sched_worker_add (s, 3, 1, 2, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 8, 2, 1, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 3, 1, 2, 0, 0), -1);
    assert_int_equal (errno, EEXIST);
    const int where[3] = { 3, 3, 8 };
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal (sched_next (s, &as), 1);
        assert_int_equal (as.task, a + 1 + i);
        assert_int_equal (as.parts[0].worker, where[i]);
    }
    expect_none (s);
    /* Worker 3 leaves: disabled, its tasks requeued, then removed; worker
     * 8 takes its place in the scheduler's arrays. */
    assert_int_equal (sched_worker_remove (s, 3), -1);
    assert_int_equal (errno, EBUSY);
    assert_int_equal (sched_worker_enable (s, 3, 0), 0);
    uint32_t on[4];
    assert_int_equal (sched_worker_tasks (s, 3, on, 4), 2);
    for (int i = 0; i < 2; i++)
        assert_int_equal (sched_attempt_end (s, on[i], SCHED_REQUEUE), SCHED_READY);
    expect_none (s);
    assert_int_equal (sched_worker_remove (s, 3), 0);
    assert_int_equal (sched_worker_remove (s, 3), -1);
    assert_int_equal (errno, ENOENT);
    assert_int_equal (sched_worker_tasks (s, 3, on, 4), 0);
    assert_int_equal (sched_worker_tasks (s, 8, on, 4), 1);
    assert_int_equal (on[0], a + 3);
    /* The moved worker's slot comes back to it. */
    assert_int_equal (sched_attempt_end (s, a + 3, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_next (s, &as), 1);
    assert_int_equal (as.task, a + 1);
    assert_int_equal (as.parts[0].worker, 8);
    expect_none (s);
    assert_int_equal (sched_attempt_end (s, a, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_next (s, &as), 1);
    assert_int_equal (as.task, a + 2);
    assert_int_equal (as.parts[0].worker, 5);
    /* A bigger worker joins under the old id: the 2-slot task fits now. */
    assert_int_equal (sched_worker_add (s, 3, 1, 4, 0, 0), 0);
    assert_int_equal (sched_next (s, &as), 1);
    assert_int_equal (as.task, big);
    assert_int_equal (as.parts[0].worker, 3);
    assert_int_equal (as.parts[0].slots, 2);
    /* Worker 5, disabled for good, gets nothing more. */
    assert_int_equal (sched_worker_enable (s, 5, 0), 0);
    assert_int_equal (sched_attempt_end (s, a + 2, SCHED_OK), SCHED_SUCCEEDED);
    uint32_t x = add_plain (s, j, 1, 0);
    assert_int_equal (sched_next (s, &as), 1);
    assert_int_equal (as.task, x);
    assert_int_equal (as.parts[0].worker, 3);
    sched_destroy (s);
}

/* Workers that come and go many times, each filled to its slots plus a
 * task ahead (the most parts a worker holds): the part entries a removed
 * worker leaves serve the next one, and there are always enough. */
static void test_worker_churn (void **state)
{
    sched_t *s = empty ();
    int j = sched_job_add (s, 0);
    add_plain (s, j, 64, 0);
    sched_set_ahead (s, 1);
    assert_int_equal (sched_worker_add (s, 1, 0, 2, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    uint32_t keep[3];
    for (int i = 0; i < 3; i++)
        keep[i] = next_task (s);            /* 2 slots + 1 ahead on worker 1 */
    expect_none (s);
    for (int round = 0; round < 300; round++) {
        int id = 100 + round % 7, slots = 1 + round % 5;
        assert_int_equal (sched_worker_add (s, id, 1, slots, 0, 0), 0);
        sched_assign_t as;
        for (int i = 0; i < slots + 1; i++) {
            assert_int_equal (sched_next (s, &as), 1);
            assert_int_equal (as.parts[0].worker, id);
        }
        expect_none (s);
        uint32_t on[8];
        assert_int_equal (sched_worker_tasks (s, id, on, 8), (size_t)slots + 1);
        assert_int_equal (sched_worker_enable (s, id, 0), 0);
        for (int i = 0; i < slots + 1; i++)
            assert_int_equal (sched_attempt_end (s, on[i], SCHED_REQUEUE), SCHED_READY);
        assert_int_equal (sched_worker_remove (s, id), 0);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal (sched_attempt_end (s, keep[i], SCHED_OK), SCHED_SUCCEEDED);
    size_t c[6];
    sched_counts (s, c);
    assert_int_equal (c[SCHED_RUNNING], 0);
    assert_int_equal (c[SCHED_READY], 61);
    sched_destroy (s);
}

/* 1,000,000 tasks added to a running job in 100 batches, each batch's
 * tasks depending on one task of the batch before, then all run. */
static void test_million_batches (void **state)
{
    const size_t nb = 100, per = 10000;
    sched_t *s = empty ();
    int j = sched_job_add (s, 0);
    sched_task_t *rs = calloc (per, sizeof (*rs));
    uint32_t *off = calloc (per + 1, sizeof (*off));
    uint32_t *deps = calloc (per, sizeof (*deps));
    assert_non_null (rs);
    assert_non_null (off);
    assert_non_null (deps);
    for (size_t i = 0; i < per; i++)
        rs[i] = req (1, (int)(i % 5));
    for (int w = 0; w < 8; w++)
        assert_int_equal (sched_worker_add (s, w, w / 4, 16, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
    struct timespec t0, t1, t2;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    for (size_t b = 0; b < nb; b++) {
        uint32_t first;
        size_t nd = 0;
        for (size_t i = 0; i < per; i++) {
            off[i] = (uint32_t)nd;
            if (b > 0 && i % 2 == 0)
                deps[nd++] = (uint32_t)((b - 1) * per + i);
        }
        off[per] = (uint32_t)nd;
        assert_int_equal (sched_add_tasks (s, j, per, rs, off, deps, &first), 0);
        assert_int_equal (first, b * per);
    }
    clock_gettime (CLOCK_MONOTONIC, &t1);
    uint32_t running[128];
    size_t done = 0;
    sched_assign_t a;
    while (!sched_finished (s)) {
        size_t nr = 0;
        while (sched_next (s, &a) == 1)
            running[nr++] = a.task;
        assert_true (nr > 0 && nr <= 128);
        for (size_t i = 0; i < nr; i++)
            sched_attempt_end (s, running[i], SCHED_OK);
        done += nr;
    }
    clock_gettime (CLOCK_MONOTONIC, &t2);
    assert_int_equal (done, nb * per);
    size_t c[6];
    assert_int_equal (sched_job_counts (s, j, c), 0);
    assert_int_equal (c[SCHED_SUCCEEDED], nb * per);
    printf ("# 1000000 tasks added in 100 batches: %.3f s; run through next and attempt_end: %.3f s\n",
            (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
            (double)(t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9);
    sched_destroy (s);
    free (rs);
    free (off);
    free (deps);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_job_order),
        cmocka_unit_test (test_job_priority_change),
        cmocka_unit_test (test_job_max_running),
        cmocka_unit_test (test_job_cap_release),
        cmocka_unit_test (test_job_cap_no_reservation),
        cmocka_unit_test (test_job_hold),
        cmocka_unit_test (test_job_skip),
        cmocka_unit_test (test_add_before_start),
        cmocka_unit_test (test_add_after_start),
        cmocka_unit_test (test_add_cross_job),
        cmocka_unit_test (test_add_atomic),
        cmocka_unit_test (test_cancel),
        cmocka_unit_test (test_cancel_before_start),
        cmocka_unit_test (test_workers_after_start),
        cmocka_unit_test (test_worker_churn),
        cmocka_unit_test (test_million_batches),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
