/* test_sched_backlog.c: sched_backlog, what waits for a slot (the pool's automatic allocation asks it): held, capped and pending tasks left out, the global deadline and per-worker ends. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scheduler/sched.h"

static sched_task_t req (int slots, int instances, double time_request)
{
    sched_task_t t = { .slots = slots, .instances = instances, .time_request = time_request };
    return t;
}

/* Add n tasks like r to job; returns the first index. */
static uint32_t add (sched_t *s, int job, size_t n, sched_task_t r)
{
    sched_task_t *t = calloc (n, sizeof (*t));
    assert_non_null (t);
    for (size_t i = 0; i < n; i++)
        t[i] = r;
    uint32_t first = 0;
    assert_int_equal (sched_add_tasks (s, job, n, t, NULL, NULL, &first), 0);
    free (t);
    return first;
}

/* Place everything that fits now; returns how many started. */
static int fill (sched_t *s)
{
    sched_assign_t a;
    int n = 0;
    while (sched_next (s, &a) == 1)
        n++;
    return n;
}

static void expect_min (const sched_t *s, double min_t)
{
    sched_backlog_t b;
    sched_backlog (s, &b);
    assert_true (b.min_time_request == min_t);
}

static void expect (const sched_t *s, size_t tasks, size_t slots, int max_slots, double max_t)
{
    sched_backlog_t b;
    memset (&b, 0x5a, sizeof (b));
    sched_backlog (s, &b);
    assert_int_equal (b.tasks, tasks);
    assert_int_equal (b.slots, slots);
    assert_int_equal (b.max_slots, max_slots);
    assert_true (b.max_time_request == max_t);
}

static void test_not_started (void **state)
{
    (void)state;
    sched_backlog_t b;
    memset (&b, 0x5a, sizeof (b));
    sched_backlog (NULL, &b);
    assert_int_equal (b.tasks, 0);
    sched_t *s = sched_create (NULL, NULL, SCHED_FILL_SPREAD);
    assert_non_null (s);
    int j = sched_job_add (s, 0);
    add (s, j, 3, req (1, 1, 0));
    expect (s, 0, 0, 0, 0);   /* not started: nothing is READY yet */
    sched_destroy (s);
}

/* What a full pool leaves waiting, in tasks and in slots. */
static void test_waiting (void **state)
{
    (void)state;
    sched_t *s = sched_create (NULL, NULL, SCHED_FILL_SPREAD);
    int j = sched_job_add (s, 0);
    assert_int_equal (sched_worker_add (s, 0, 0, 2, 0, 0), 0);
    uint32_t first = add (s, j, 5, req (1, 1, 0));
    add (s, j, 1, req (2, 1, 100));
    add (s, j, 2, req (1, 3, 0));   /* multi-instance: 3 slots each */
    /* One task that depends on the first: PENDING, not waiting for a slot. */
    uint32_t off[2] = { 0, 1 };
    sched_task_t r = req (4, 1, 500);
    assert_int_equal (sched_add_tasks (s, j, 1, &r, off, &first, NULL), 0);
    assert_int_equal (sched_start (s), 0);
    expect (s, 8, 5 + 2 + 6, 2, 100);
    expect_min (s, 0);   /* some need no time */
    assert_int_equal (fill (s), 2);   /* two one-slot tasks fill the worker */
    expect (s, 6, 3 + 2 + 6, 2, 100);
    /* A worker with room takes more: less waits. */
    assert_int_equal (sched_worker_add (s, 1, 1, 8, 0, 0), 0);
    fill (s);
    sched_backlog_t b;
    sched_backlog (s, &b);
    assert_true (b.tasks < 6);
    /* Held: nothing waits for a slot (the pool drains). */
    sched_hold (s);
    expect (s, 0, 0, 0, 0);
    sched_destroy (s);
}

/* A held job and a job at its max_parallel_tasks wait for no slot. */
static void test_jobs (void **state)
{
    (void)state;
    sched_t *s = sched_create (NULL, NULL, SCHED_FILL_SPREAD);
    int j0 = sched_job_add (s, 0), j1 = sched_job_add (s, 0), j2 = sched_job_add (s, 0);
    assert_int_equal (sched_worker_add (s, 0, 0, 1, 0, 0), 0);
    add (s, j0, 3, req (1, 1, 0));
    add (s, j1, 4, req (1, 1, 0));
    add (s, j2, 2, req (1, 1, 0));
    assert_int_equal (sched_start (s), 0);
    expect (s, 9, 9, 1, 0);
    assert_int_equal (sched_job_hold (s, j1), 0);
    expect (s, 5, 5, 1, 0);
    assert_int_equal (sched_job_set_max_running (s, j0, 1), 0);
    assert_int_equal (fill (s), 1);   /* a task of j0: j0 is at its cap */
    expect (s, 2, 2, 1, 0);           /* j2's two */
    sched_destroy (s);
}

/* The pool's deadline holds a task back for good; a worker's own end
 * only for that worker (a longer allocation would take it). */
static void test_time (void **state)
{
    (void)state;
    sched_t *s = sched_create (NULL, NULL, SCHED_FILL_SPREAD);
    int j = sched_job_add (s, 0);
    assert_int_equal (sched_worker_add (s, 0, 0, 4, 0, 0), 0);
    add (s, j, 1, req (1, 1, 3600));
    add (s, j, 1, req (1, 1, 60));
    assert_int_equal (sched_start (s), 0);
    expect_min (s, 60);
    sched_set_time_left (s, 600);
    expect (s, 1, 1, 1, 60);
    expect_min (s, 60);
    sched_set_time_left (s, -1);
    sched_set_now (s, 1000);
    assert_int_equal (sched_worker_set_end (s, 0, 1000 + 120), 0);
    assert_int_equal (fill (s), 1);   /* the 60 s task; the hour-long one waits */
    expect (s, 1, 1, 1, 3600);
    expect_min (s, 3600);
    sched_destroy (s);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_not_started),
        cmocka_unit_test (test_waiting),
        cmocka_unit_test (test_jobs),
        cmocka_unit_test (test_time),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
