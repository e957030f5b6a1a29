/* test_sched_time.c: the scheduler's per-worker ends (walltime-aware placement on each worker) and per-job worker exclusions. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scheduler/sched.h"

static sched_task_t req (int slots, int priority, double time_request)
{
    sched_task_t t = { .slots = slots, .instances = 1, .priority = priority,
                       .time_request = time_request };
    return t;
}

static uint32_t add (sched_t *s, int job, sched_task_t r)
{
    uint32_t first = 0;
    assert_int_equal (sched_add_tasks (s, job, 1, &r, NULL, NULL, &first), 0);
    return first;
}

static sched_t *empty (int fill)
{
    sched_t *s = sched_create (NULL, NULL, fill);
    assert_non_null (s);
    return s;
}

/* The next placement is task `task` on the one worker `worker`. */
static void expect_on (sched_t *s, uint32_t task, int worker)
{
    sched_assign_t a;
    assert_int_equal (sched_next (s, &a), 1);
    assert_int_equal (a.task, task);
    assert_int_equal (a.nparts, 1);
    assert_int_equal (a.parts[0].worker, worker);
}

static void expect_none (sched_t *s)
{
    sched_assign_t a;
    assert_int_equal (sched_next (s, &a), 0);
}

/* A long task goes only to the worker with the time for it, though
 * spread would prefer the bigger worker; short ones go anywhere. */
static void test_end_long_task (void **state)
{
    sched_t *s = empty (SCHED_FILL_SPREAD);
    int j = sched_job_add (s, 0);
    uint32_t lng = add (s, j, req (1, 9, 500));
    uint32_t sh1 = add (s, j, req (1, 0, 50));
    uint32_t sh2 = add (s, j, req (1, 0, 0));
    assert_int_equal (sched_worker_add (s, 1, 0, 8, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 2, 1, 2, 0, 0), 0);
    assert_int_equal (sched_worker_set_end (s, 1, 1100), 0);   /* 100 s left */
    assert_int_equal (sched_worker_set_end (s, 2, 2000), 0);   /* 1000 s left */
    sched_set_now (s, 1000);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (sched_held_back (s), 0);
    expect_on (s, lng, 2);
    expect_on (s, sh1, 1);
    expect_on (s, sh2, 1);
    expect_none (s);
    /* A task longer than every end waits; a worker without an end joins
     * and takes it. */
    uint32_t huge = add (s, j, req (1, 0, 5000));
    assert_int_equal (sched_held_back (s), 1);
    expect_none (s);
    assert_int_equal (sched_worker_add (s, 3, 2, 1, 0, 0), 0);
    assert_int_equal (sched_held_back (s), 0);
    expect_on (s, huge, 3);
    sched_destroy (s);
}

/* A task that fits no worker's time stays READY, is held back (not
 * unplaceable), reserves nothing, and starts when a worker with the
 * time joins.  Time moving on takes it from a worker that had it. */
static void test_end_held_then_joins (void **state)
{
    sched_t *s = empty (SCHED_FILL_SPREAD);
    int j = sched_job_add (s, 0);
    uint32_t lng = add (s, j, req (2, 9, 2000));
    uint32_t a = add (s, j, req (1, 0, 0));
    uint32_t b = add (s, j, req (1, 0, 0));
    assert_int_equal (sched_worker_add (s, 1, 0, 2, 0, 0), 0);
    assert_int_equal (sched_worker_set_end (s, 1, 1000), 0);
    sched_set_now (s, 0);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (sched_held_back (s), 1);
    uint32_t u;
    assert_int_equal (sched_unplaceable (s, &u), 0);
    /* Not reserved for: both small tasks start on the one worker. */
    expect_on (s, a, 1);
    expect_on (s, b, 1);
    expect_none (s);
    assert_int_equal (sched_state (s, lng), SCHED_READY);
    /* A worker of a new allocation with the time joins. */
    assert_int_equal (sched_worker_add (s, 7, 1, 4, 0, 0), 0);
    assert_int_equal (sched_worker_set_end (s, 7, 2500), 0);
    assert_int_equal (sched_held_back (s), 0);
    expect_on (s, lng, 7);
    assert_int_equal (sched_attempt_end (s, lng, SCHED_REQUEUE), SCHED_READY);
    /* 600 s later worker 7 has 1900 s left: the requeued task waits again. */
    sched_set_now (s, 600);
    assert_int_equal (sched_held_back (s), 1);
    expect_none (s);
    /* Without an end, worker 7 has all the time again. */
    assert_int_equal (sched_worker_set_end (s, 7, -1), 0);
    assert_int_equal (sched_held_back (s), 0);
    expect_on (s, lng, 7);
    sched_destroy (s);
}

/* Held back and unplaceable are apart: a task too big for every worker
 * is unplaceable and not held back, even when no worker has its time;
 * a task asking exactly the time left fits. */
static void test_end_held_or_unplaceable (void **state)
{
    sched_t *s = empty (SCHED_FILL_SPREAD);
    int j = sched_job_add (s, 0);
    uint32_t big = add (s, j, req (4, 9, 500));
    uint32_t lng = add (s, j, req (1, 5, 500));
    uint32_t exact = add (s, j, req (1, 0, 100));
    assert_int_equal (sched_worker_add (s, 1, 0, 2, 0, 0), 0);
    assert_int_equal (sched_worker_set_end (s, 1, 1100), 0);
    sched_set_now (s, 1000);
    assert_int_equal (sched_start (s), 0);
    assert_int_equal (sched_held_back (s), 1);
    uint32_t u;
    assert_int_equal (sched_unplaceable (s, &u), 1);
    assert_int_equal (u, big);
    expect_on (s, exact, 1);
    expect_none (s);
    assert_int_equal (sched_state (s, lng), SCHED_READY);
    sched_destroy (s);
}

/* A big task waiting for slots reserves the worker that has its time,
 * not a worker it can never start on: small tasks fill the other. */
static void test_end_reservation (void **state)
{
    sched_t *s = empty (SCHED_FILL_SPREAD);
    int j = sched_job_add (s, 0);
    uint32_t t0 = add (s, j, req (1, 10, 500));   /* only B has the time */
    uint32_t big = add (s, j, req (3, 9, 500));
    uint32_t sm[3];
    for (int i = 0; i < 3; i++)
        sm[i] = add (s, j, req (1, 0, 0));
    assert_int_equal (sched_worker_add (s, 1, 0, 3, 0, 0), 0);   /* A: 100 s left */
    assert_int_equal (sched_worker_add (s, 2, 1, 3, 0, 0), 0);   /* B: no end */
    assert_int_equal (sched_worker_set_end (s, 1, 100), 0);
    assert_int_equal (sched_start (s), 0);
    expect_on (s, t0, 2);
    /* big fits B once t0 ends; B is held for it, A takes the rest. */
    expect_on (s, sm[0], 1);
    expect_on (s, sm[1], 1);
    expect_on (s, sm[2], 1);
    expect_none (s);
    assert_int_equal (sched_held_back (s), 0);
    assert_int_equal (sched_attempt_end (s, t0, SCHED_OK), SCHED_SUCCEEDED);
    expect_on (s, big, 2);
    sched_destroy (s);
}

/* Multi-instance: every part's worker must have the time. */
static void test_end_multi_instance (void **state)
{
    sched_t *s = empty (SCHED_FILL_SPREAD);
    int j = sched_job_add (s, 0);
    sched_task_t two = req (1, 5, 500);
    two.instances = 2;
    sched_task_t three = req (1, 9, 500);
    three.instances = 3;
    uint32_t t3 = add (s, j, three);
    uint32_t t2 = add (s, j, two);
    uint32_t t1 = add (s, j, req (1, 0, 0));
    /* Worker 1 has most slots but 100 s; 2 and 3 have the time. */
    assert_int_equal (sched_worker_add (s, 1, 0, 4, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 2, 1, 1, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 3, 2, 1, 0, 0), 0);
    assert_int_equal (sched_worker_set_end (s, 1, 100), 0);
    assert_int_equal (sched_worker_set_end (s, 3, 1000), 0);
    assert_int_equal (sched_start (s), 0);
    /* Three instances would fit the three workers, but only two have the
     * time: held back, not unplaceable, and reserving nothing. */
    assert_int_equal (sched_held_back (s), 1);
    uint32_t u;
    assert_int_equal (sched_unplaceable (s, &u), 0);
    sched_assign_t a;
    assert_int_equal (sched_next (s, &a), 1);
    assert_int_equal (a.task, t2);
    assert_int_equal (a.nparts, 2);
    int w0 = a.parts[0].worker, w1 = a.parts[1].worker;
    assert_true ((w0 == 2 && w1 == 3) || (w0 == 3 && w1 == 2));
    expect_on (s, t1, 1);
    expect_none (s);
    assert_int_equal (sched_state (s, t3), SCHED_READY);
    sched_destroy (s);
}

/* The global time left keeps its meaning beside the workers' ends; a
 * disabled worker's time counts for nothing; removing the last worker
 * with an end leaves the global rule alone. */
static void test_end_global_and_disabled (void **state)
{
    sched_t *s = empty (SCHED_FILL_PACK);
    int j = sched_job_add (s, 0);
    uint32_t t = add (s, j, req (1, 0, 500));
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 2, 0, 1, 0, 0), 0);
    assert_int_equal (sched_worker_set_end (s, 1, 100), 0);
    assert_int_equal (sched_worker_set_end (s, 2, 1000), 0);
    assert_int_equal (sched_start (s), 0);
    sched_set_time_left (s, 200);                /* e.g. the pool's deadline */
    assert_int_equal (sched_held_back (s), 1);
    expect_none (s);
    sched_set_time_left (s, -1);
    assert_int_equal (sched_worker_enable (s, 2, 0), 0);
    assert_int_equal (sched_held_back (s), 1);
    expect_none (s);
    assert_int_equal (sched_worker_set_end (s, 1, 150), 0);     /* still short */
    expect_none (s);
    assert_int_equal (sched_worker_enable (s, 2, 1), 0);
    assert_int_equal (sched_held_back (s), 0);
    expect_on (s, t, 2);                        /* pack: the lowest id with the time */
    assert_int_equal (sched_attempt_end (s, t, SCHED_REQUEUE), SCHED_READY);
    assert_int_equal (sched_worker_remove (s, 2), 0);
    assert_int_equal (sched_held_back (s), 1);
    assert_int_equal (sched_worker_remove (s, 1), 0);
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);   /* same id, no end */
    assert_int_equal (sched_held_back (s), 0);
    sched_set_time_left (s, 200);
    assert_int_equal (sched_held_back (s), 1);
    sched_set_time_left (s, -1);
    expect_on (s, t, 1);
    /* Errors. */
    assert_int_equal (sched_worker_set_end (s, 9, 10), -1);
    assert_int_equal (errno, ENOENT);
    assert_int_equal (sched_worker_set_end (s, 1, NAN), -1);
    assert_int_equal (errno, EINVAL);
    sched_destroy (s);
}

/* Tasks ahead: a task goes ahead only on a worker with its time. */
static void test_end_ahead (void **state)
{
    sched_t *s = empty (SCHED_FILL_SPREAD);
    int j = sched_job_add (s, 0);
    uint32_t a = add (s, j, req (1, 9, 0));
    uint32_t b = add (s, j, req (1, 8, 0));
    uint32_t lng = add (s, j, req (1, 0, 500));
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 2, 0, 1, 0, 0), 0);
    assert_int_equal (sched_worker_set_end (s, 1, 100), 0);
    sched_set_ahead (s, 1);
    assert_int_equal (sched_start (s), 0);
    expect_on (s, a, 1);
    expect_on (s, b, 2);
    expect_on (s, lng, 2);                      /* ahead, on the worker with time */
    expect_none (s);
    sched_destroy (s);
}

/* One job excluded from a worker while another job uses it; multi-
 * instance parts avoid it too; pack avoids it. */
static void test_exclude_one_job (void **state)
{
    for (int fill = 0; fill < 2; fill++) {
        sched_t *s = empty (fill);
        int j0 = sched_job_add (s, 5);
        int j1 = sched_job_add (s, 0);
        uint32_t a0 = add (s, j0, req (1, 0, 0));
        uint32_t a1 = add (s, j0, req (1, 0, 0));
        uint32_t b0 = add (s, j1, req (1, 0, 0));
        sched_task_t two = req (1, 0, 0);
        two.instances = 2;
        uint32_t m = add (s, j0, two);
        assert_int_equal (sched_worker_add (s, 1, 0, 4, 0, 0), 0);
        assert_int_equal (sched_worker_add (s, 2, 1, 1, 0, 0), 0);
        assert_int_equal (sched_worker_add (s, 3, 2, 1, 0, 0), 0);
        assert_int_equal (sched_job_exclude_worker (s, j0, 1, 1), 0);
        assert_int_equal (sched_job_exclude_worker (s, j0, 1, 1), 0);   /* twice: once */
        assert_int_equal (sched_job_workers (s, j0), 2);
        assert_int_equal (sched_job_workers (s, j1), 3);
        assert_int_equal (sched_start (s), 0);
        /* Job 0 first (priority 5), never on worker 1 though it is the
         * biggest and the lowest id. */
        sched_assign_t a;
        assert_int_equal (sched_next (s, &a), 1);
        assert_int_equal (a.task, a0);
        assert_true (a.parts[0].worker == 2 || a.parts[0].worker == 3);
        int first = a.parts[0].worker;
        assert_int_equal (sched_next (s, &a), 1);
        assert_int_equal (a.task, a1);
        assert_int_equal (a.parts[0].worker, first == 2 ? 3 : 2);
        /* The two-instance task waits for 2 and 3; job 1 uses worker 1. */
        expect_on (s, b0, 1);
        expect_none (s);
        uint32_t u;
        assert_int_equal (sched_unplaceable (s, &u), 0);
        assert_int_equal (sched_attempt_end (s, a0, SCHED_OK), SCHED_SUCCEEDED);
        expect_none (s);
        assert_int_equal (sched_attempt_end (s, a1, SCHED_OK), SCHED_SUCCEEDED);
        assert_int_equal (sched_next (s, &a), 1);
        assert_int_equal (a.task, m);
        assert_int_equal (a.nparts, 2);
        assert_true (a.parts[0].worker != 1 && a.parts[1].worker != 1);
        sched_destroy (s);
    }
}

/* A job excluded from every enabled worker: its tasks are unplaceable
 * (another job's are not); lifting an exclusion, or removing the worker
 * and adding it again, makes them placeable. */
static void test_exclude_everywhere (void **state)
{
    sched_t *s = empty (SCHED_FILL_SPREAD);
    int j0 = sched_job_add (s, 0);
    int j1 = sched_job_add (s, 0);
    uint32_t a = add (s, j0, req (1, 0, 0));
    uint32_t b = add (s, j0, req (1, 0, 0));
    uint32_t c = add (s, j1, req (1, 0, 0));
    assert_int_equal (sched_worker_add (s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 2, 1, 1, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 3, 2, 1, 0, 0), 0);
    assert_int_equal (sched_worker_enable (s, 3, 0), 0);
    assert_int_equal (sched_job_exclude_worker (s, j0, 1, 1), 0);
    assert_int_equal (sched_job_exclude_worker (s, j0, 2, 1), 0);
    assert_int_equal (sched_job_workers (s, j0), 0);
    assert_int_equal (sched_start (s), 0);
    uint32_t u;
    assert_int_equal (sched_unplaceable (s, &u), 1);
    assert_int_equal (u, a);
    expect_on (s, c, 1);
    expect_none (s);
    assert_int_equal (sched_fail_ready (s, a), 0);
    assert_int_equal (sched_unplaceable (s, &u), 1);
    assert_int_equal (u, b);
    /* Worker 3 (not excluded) comes back: b is placeable there. */
    assert_int_equal (sched_worker_enable (s, 3, 1), 0);
    assert_int_equal (sched_job_workers (s, j0), 1);
    assert_int_equal (sched_unplaceable (s, &u), 0);
    assert_int_equal (sched_worker_enable (s, 3, 0), 0);
    /* Lifting the exclusion from worker 2. */
    assert_int_equal (sched_job_exclude_worker (s, j0, 2, 0), 0);
    assert_int_equal (sched_unplaceable (s, &u), 0);
    assert_int_equal (sched_job_exclude_worker (s, j0, 2, 1), 0);
    assert_int_equal (sched_unplaceable (s, &u), 1);
    /* A worker removed and added again (another node) excludes nothing. */
    assert_int_equal (sched_worker_remove (s, 2), 0);
    assert_int_equal (sched_worker_add (s, 2, 1, 1, 0, 0), 0);
    assert_int_equal (sched_job_workers (s, j0), 1);
    expect_on (s, b, 2);
    /* Errors. */
    assert_int_equal (sched_job_exclude_worker (s, 7, 1, 1), -1);
    assert_int_equal (errno, EINVAL);
    assert_int_equal (sched_job_exclude_worker (s, j0, 42, 1), -1);
    assert_int_equal (errno, ENOENT);
    assert_int_equal (sched_job_workers (s, -1), -1);
    assert_int_equal (errno, EINVAL);
    sched_destroy (s);
}

/* Exclusions on many jobs of one worker (kept sorted), and a worker
 * removal that moves another worker into its place keeps that worker's
 * exclusions and end. */
static void test_exclude_many (void **state)
{
    sched_t *s = empty (SCHED_FILL_PACK);
    int jobs[40];
    uint32_t t[40];
    for (int i = 0; i < 40; i++) {
        jobs[i] = sched_job_add (s, 0);
        t[i] = add (s, jobs[i], req (1, 0, i == 5 ? 500 : 0));
    }
    assert_int_equal (sched_worker_add (s, 1, 0, 64, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 2, 0, 64, 0, 0), 0);
    assert_int_equal (sched_worker_add (s, 3, 0, 64, 0, 0), 0);
    /* Worker 3 excludes the even jobs, added in a scrambled order. */
    for (int i = 0; i < 40; i += 2)
        assert_int_equal (sched_job_exclude_worker (s, jobs[(i * 7) % 40], 3, 1), 0);
    assert_int_equal (sched_worker_set_end (s, 3, 100), 0);
    /* Worker 1 goes: worker 3 moves into its place. */
    assert_int_equal (sched_worker_remove (s, 1), 0);
    assert_int_equal (sched_worker_enable (s, 2, 0), 0);
    assert_int_equal (sched_start (s), 0);
    sched_assign_t a;
    int placed = 0;
    while (sched_next (s, &a) == 1) {
        int job = sched_task_job (s, a.task);
        assert_int_equal (a.parts[0].worker, 3);
        assert_true (job % 2 == 1);
        assert_true (job != 5);                 /* 500 s: worker 3 has 100 */
        placed++;
    }
    assert_int_equal (placed, 19);
    for (int i = 0; i < 40; i += 2)
        assert_int_equal (sched_state (s, t[i]), SCHED_READY);
    assert_int_equal (sched_state (s, t[5]), SCHED_READY);
    assert_int_equal (sched_held_back (s), 1);
    sched_destroy (s);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_end_long_task),
        cmocka_unit_test (test_end_held_then_joins),
        cmocka_unit_test (test_end_held_or_unplaceable),
        cmocka_unit_test (test_end_reservation),
        cmocka_unit_test (test_end_multi_instance),
        cmocka_unit_test (test_end_global_and_disabled),
        cmocka_unit_test (test_end_ahead),
        cmocka_unit_test (test_exclude_one_job),
        cmocka_unit_test (test_exclude_everywhere),
        cmocka_unit_test (test_exclude_many),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
