/* test_sched.c: task states, ready queue, placement, retries and dependents of the scheduler. */
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

#define GB ((int64_t)1 << 30)

/* A graph of n tasks from edges {task, prerequisite}. */
static graph_t *graph (size_t n, const uint32_t (*edges)[2], size_t ne)
{
    uint32_t *off = calloc (n + 1, sizeof (*off));
    uint32_t *deps = calloc (ne + 1, sizeof (*deps));
    assert_non_null (off);
    assert_non_null (deps);
    for (size_t e = 0; e < ne; e++)
        off[edges[e][0] + 1]++;
    for (size_t i = 0; i < n; i++)
        off[i + 1] += off[i];
    uint32_t *fill = calloc (n + 1, sizeof (*fill));
    assert_non_null (fill);
    for (size_t e = 0; e < ne; e++) {
        uint32_t t = edges[e][0];
        deps[off[t] + fill[t]++] = edges[e][1];
    }
    graph_t *g = graph_create (n, off, deps);
    assert_non_null (g);
    free (off);
    free (deps);
    free (fill);
    return g;
}

static sched_task_t *tasks_default (size_t n)
{
    sched_task_t *t = calloc (n, sizeof (*t));
    assert_non_null (t);
    for (size_t i = 0; i < n; i++) {
        t[i].slots = 1;
        t[i].instances = 1;
    }
    return t;
}

/* One scheduler with its graph, freed together. */
struct fx {
    graph_t *g;
    sched_t *s;
};

static struct fx make (size_t n, const uint32_t (*edges)[2], size_t ne,
                       const sched_task_t *t, int fill)
{
    struct fx f;
    f.g = graph (n, edges, ne);
    f.s = sched_create (f.g, t, fill);
    assert_non_null (f.s);
    return f;
}

static void drop (struct fx *f)
{
    sched_destroy (f->s);
    graph_destroy (f->g);
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

static void test_priority_order (void **state)
{
    sched_task_t *t = tasks_default (6);
    int prio[6] = { 0, 5, 5, 1, 0, -3 };
    for (int i = 0; i < 6; i++)
        t[i].priority = prio[i];
    struct fx f = make (6, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 7, 0, 1, 0, 0), 0);
    expect_none (f.s);      /* not started */
    assert_int_equal (sched_start (f.s), 0);
    const uint32_t want[6] = { 1, 2, 3, 0, 4, 5 };
    for (int i = 0; i < 6; i++) {
        sched_assign_t a;
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.task, want[i]);
        assert_int_equal (a.attempt, 0);
        assert_int_equal (a.nparts, 1);
        assert_int_equal (a.parts[0].worker, 7);
        assert_int_equal (a.parts[0].slots, 1);
        expect_none (f.s);  /* the only slot is busy */
        assert_int_equal (sched_state (f.s, want[i]), SCHED_RUNNING);
        assert_int_equal (sched_attempt_end (f.s, want[i], SCHED_OK), SCHED_SUCCEEDED);
    }
    assert_true (sched_finished (f.s));
    size_t c[6];
    sched_counts (f.s, c);
    assert_int_equal (c[SCHED_SUCCEEDED], 6);
    assert_int_equal (c[SCHED_PENDING] + c[SCHED_READY] + c[SCHED_RUNNING], 0);
    drop (&f);
    free (t);
}

/* Walltime-aware starts: a task asking more time than is left stays
 * READY and does not hold back the shorter ones behind it. */
static void test_time_request (void **state)
{
    sched_task_t *t = tasks_default (4);
    t[0].time_request = 600;     /* long, highest priority */
    t[0].priority = 9;
    t[1].time_request = 30;
    t[2].time_request = 0;       /* none: always startable */
    t[3].time_request = 120;
    struct fx f = make (4, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 4, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    sched_set_time_left (f.s, 100);
    assert_int_equal (sched_held_back (f.s), 2);
    sched_assign_t a;
    uint32_t got[4];
    int n = 0;
    while (sched_next (f.s, &a) == 1)
        got[n++] = a.task;
    assert_int_equal (n, 2);
    assert_int_equal (got[0], 1);
    assert_int_equal (got[1], 2);
    assert_int_equal (sched_state (f.s, 0), SCHED_READY);
    assert_int_equal (sched_state (f.s, 3), SCHED_READY);
    /* More time (a new allocation): the held tasks start, long one first. */
    sched_set_time_left (f.s, -1);
    assert_int_equal (sched_held_back (f.s), 0);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 0);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 3);
    drop (&f);
    free (t);
}

static void test_spread_pack (void **state)
{
    sched_task_t *t = tasks_default (8);
    int want_spread[8] = { 1, 2, 3, 1, 2, 3, 1, 2 };
    int want_pack[8] = { 1, 1, 1, 1, 2, 2, 2, 2 };
    for (int fill = 0; fill < 2; fill++) {
        struct fx f = make (8, NULL, 0, t, fill);
        /* Added out of id order: "lowest id" must not mean "first added". */
        assert_int_equal (sched_worker_add (f.s, 3, 0, 4, 0, 0), 0);
        assert_int_equal (sched_worker_add (f.s, 1, 0, 4, 0, 0), 0);
        assert_int_equal (sched_worker_add (f.s, 2, 0, 4, 0, 0), 0);
        assert_int_equal (sched_start (f.s), 0);
        for (int i = 0; i < 8; i++) {
            sched_assign_t a;
            assert_int_equal (sched_next (f.s, &a), 1);
            assert_int_equal (a.task, i);
            assert_int_equal (a.parts[0].worker, fill ? want_pack[i] : want_spread[i]);
        }
        uint32_t out[8];
        assert_int_equal (sched_worker_tasks (f.s, 1, out, 8), fill ? 4 : 3);
        drop (&f);
    }
    /* Spread prefers the worker with most free slots, whatever its id. */
    struct fx f = make (8, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 2, 0, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 9, 0, 4, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    sched_assign_t a;
    int want[5] = { 9, 9, 1, 9, 1 };
    for (int i = 0; i < 5; i++) {
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.parts[0].worker, want[i]);
    }
    drop (&f);
    free (t);
}

static void test_reservation_backfill (void **state)
{
    /* t0, t1 fillers (prio 10), t2 needs 4 slots (prio 5), t3..t8 small. */
    sched_task_t *t = tasks_default (9);
    t[0].priority = t[1].priority = 10;
    t[2].priority = 5;
    t[2].slots = 4;
    struct fx f = make (9, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 4, 0, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 4, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    sched_assign_t a;
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 0);
    assert_int_equal (a.parts[0].worker, 0);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 1);
    assert_int_equal (a.parts[0].worker, 1);
    /* t2 fits nowhere now; worker 0 is held for it, smaller tasks backfill
     * worker 1 only. */
    for (uint32_t i = 3; i < 6; i++) {
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.task, i);
        assert_int_equal (a.parts[0].worker, 1);
    }
    expect_none (f.s);      /* worker 0 has 3 free slots but is reserved */
    uint32_t unp;
    assert_int_equal (sched_unplaceable (f.s, &unp), 0);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 2);
    assert_int_equal (a.parts[0].worker, 0);
    assert_int_equal (a.parts[0].slots, 4);
    expect_none (f.s);
    /* Once it started, the small ones flow again. */
    assert_int_equal (sched_attempt_end (f.s, 3, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (next_task (f.s), 6);
    drop (&f);
    free (t);
}

static void test_unplaceable (void **state)
{
    /* t0 needs 8 slots on 4-slot workers, t1 two gpus where there is one,
     * t2 depends on t0 (blocking), t3 is ordinary, t4 is 3 instances of 4
     * slots over two 4-slot workers. */
    sched_task_t *t = tasks_default (5);
    t[0].slots = 8;
    t[0].priority = 10;
    t[1].gpus = 2;
    t[1].priority = 9;
    t[4].slots = 4;
    t[4].instances = 3;
    const uint32_t e[][2] = { { 2, 0 } };
    struct fx f = make (5, e, 1, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 4, 1, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 4, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    /* The big ones do not block the run. */
    assert_int_equal (next_task (f.s), 3);
    assert_int_equal (sched_attempt_end (f.s, 3, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (f.s);
    uint32_t u;
    uint32_t want[3] = { 0, 1, 4 };
    for (int i = 0; i < 3; i++) {
        assert_int_equal (sched_unplaceable (f.s, &u), 1);
        assert_int_equal (u, want[i]);
        assert_int_equal (sched_fail_ready (f.s, u), 0);
        assert_int_equal (sched_state (f.s, u), SCHED_FAILED);
    }
    assert_int_equal (sched_unplaceable (f.s, &u), 0);
    assert_int_equal (sched_fail_ready (f.s, 0), -1);
    assert_int_equal (errno, EINVAL);
    expect_events (f.s, (uint32_t[]){ 2 }, 1);
    assert_true (sched_finished (f.s));
    drop (&f);

    /* A failed task that is not at the head of its class is dropped
     * lazily: the others of the class still run, it does not. */
    sched_task_t *u4 = tasks_default (4);
    f = make (4, NULL, 0, u4, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 8, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    assert_int_equal (sched_fail_ready (f.s, 2), 0);
    assert_int_equal (next_task (f.s), 0);
    assert_int_equal (next_task (f.s), 1);
    assert_int_equal (next_task (f.s), 3);
    expect_none (f.s);
    drop (&f);
    free (u4);
    free (t);
}

static void test_retries (void **state)
{
    sched_task_t *t = tasks_default (4);
    t[0].max_retries = 0;
    t[1].max_retries = 2;
    t[2].max_retries = -1;
    t[3].max_retries = 0;
    struct fx f = make (4, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    sched_assign_t a;

    assert_int_equal (next_task (f.s), 0);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_FAIL), SCHED_FAILED);
    assert_int_equal (sched_attempts (f.s, 0), 1);

    for (int i = 0; i < 3; i++) {
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.task, 1);
        assert_int_equal (a.attempt, i);
        assert_int_equal (sched_attempt_end (f.s, 1, SCHED_FAIL),
                          i < 2 ? SCHED_READY : SCHED_FAILED);
    }
    assert_int_equal (sched_attempts (f.s, 1), 3);

    for (int i = 0; i < 10; i++) {
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.task, 2);
        assert_int_equal (a.attempt, i);
        assert_int_equal (sched_attempt_end (f.s, 2, SCHED_FAIL), SCHED_READY);
    }
    assert_int_equal (next_task (f.s), 2);
    assert_int_equal (sched_attempt_end (f.s, 2, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_attempts (f.s, 2), 11);

    /* Requeues do not use up retries. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.task, 3);
        assert_int_equal (a.attempt, 0);
        assert_int_equal (sched_attempt_end (f.s, 3, SCHED_REQUEUE), SCHED_READY);
        assert_int_equal (sched_attempts (f.s, 3), 0);
    }
    assert_int_equal (next_task (f.s), 3);
    assert_int_equal (sched_attempt_end (f.s, 3, SCHED_FAIL_FINAL), SCHED_FAILED);
    /* Not running any more: left alone. */
    errno = 0;
    assert_int_equal (sched_attempt_end (f.s, 3, SCHED_OK), SCHED_FAILED);
    assert_int_equal (errno, EINVAL);
    assert_true (sched_finished (f.s));
    drop (&f);
    free (t);
}

/* Run every ready task to the outcome given for it (OK by default). */
static void run_all (sched_t *s, const enum sched_outcome *out)
{
    sched_assign_t a;
    while (sched_next (s, &a) == 1)
        sched_attempt_end (s, a.task, out ? out[a.task] : SCHED_OK);
}

static void test_chain (void **state)
{
    /* 0 <- 1 <- 2: 1 depends on 0, 2 on 1. */
    const uint32_t e[][2] = { { 1, 0 }, { 2, 1 } };
    for (int satisfy = 0; satisfy < 2; satisfy++) {
        sched_task_t *t = tasks_default (3);
        t[0].on_failure = satisfy;
        struct fx f = make (3, e, 2, t, SCHED_FILL_SPREAD);
        assert_int_equal (sched_worker_add (f.s, 0, 0, 4, 0, 0), 0);
        assert_int_equal (sched_start (f.s), 0);
        assert_int_equal (sched_state (f.s, 1), SCHED_PENDING);
        assert_int_equal (next_task (f.s), 0);
        expect_none (f.s);
        assert_int_equal (sched_attempt_end (f.s, 0, SCHED_FAIL), SCHED_FAILED);
        if (satisfy) {
            assert_int_equal (sched_state (f.s, 1), SCHED_READY);
            run_all (f.s, NULL);
            assert_int_equal (sched_state (f.s, 2), SCHED_SUCCEEDED);
            expect_events (f.s, NULL, 0);
        }
        else {
            assert_int_equal (sched_state (f.s, 1), SCHED_SKIPPED);
            assert_int_equal (sched_state (f.s, 2), SCHED_SKIPPED);
            expect_events (f.s, (uint32_t[]){ 1, 2 }, 2);
        }
        assert_true (sched_finished (f.s));
        drop (&f);
        free (t);
    }
}

static void test_diamond (void **state)
{
    /* 0 -> 1, 2 -> 3 */
    const uint32_t e[][2] = { { 1, 0 }, { 2, 0 }, { 3, 1 }, { 3, 2 } };
    for (int satisfy = 0; satisfy < 2; satisfy++) {
        sched_task_t *t = tasks_default (4);
        t[1].on_failure = satisfy;
        struct fx f = make (4, e, 4, t, SCHED_FILL_SPREAD);
        assert_int_equal (sched_worker_add (f.s, 0, 0, 4, 0, 0), 0);
        assert_int_equal (sched_start (f.s), 0);
        assert_int_equal (next_task (f.s), 0);
        assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
        assert_int_equal (next_task (f.s), 1);
        assert_int_equal (next_task (f.s), 2);
        assert_int_equal (sched_attempt_end (f.s, 1, SCHED_FAIL), SCHED_FAILED);
        /* 2 still runs: 3 is skipped at once when 1 blocks, else it waits. */
        assert_int_equal (sched_state (f.s, 3), satisfy ? SCHED_PENDING : SCHED_SKIPPED);
        assert_int_equal (sched_attempt_end (f.s, 2, SCHED_OK), SCHED_SUCCEEDED);
        assert_int_equal (sched_state (f.s, 3), satisfy ? SCHED_READY : SCHED_SKIPPED);
        if (satisfy) {
            assert_int_equal (next_task (f.s), 3);
            assert_int_equal (sched_attempt_end (f.s, 3, SCHED_OK), SCHED_SUCCEEDED);
        }
        expect_events (f.s, (uint32_t[]){ 3 }, satisfy ? 0 : 1);
        assert_true (sched_finished (f.s));
        drop (&f);
        free (t);
    }
}

static void test_transitive_skips (void **state)
{
    /* 0 -> 1, 2 -> 3 -> 4, and 5 depends on 1 and 4; 6 is independent. */
    const uint32_t e[][2] = { { 1, 0 }, { 2, 0 }, { 3, 1 }, { 3, 2 }, { 4, 3 },
                              { 5, 1 }, { 5, 4 } };
    sched_task_t *t = tasks_default (7);
    struct fx f = make (7, e, 7, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 4, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    assert_int_equal (next_task (f.s), 0);
    assert_int_equal (next_task (f.s), 6);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_FAIL), SCHED_FAILED);
    expect_events (f.s, (uint32_t[]){ 1, 2, 3, 5, 4 }, 5);
    size_t c[6];
    sched_counts (f.s, c);
    assert_int_equal (c[SCHED_SKIPPED], 5);
    assert_int_equal (c[SCHED_RUNNING], 1);
    assert_int_equal (c[SCHED_FAILED], 1);
    assert_false (sched_finished (f.s));
    assert_int_equal (sched_attempt_end (f.s, 6, SCHED_OK), SCHED_SUCCEEDED);
    assert_true (sched_finished (f.s));
    drop (&f);
    free (t);
}

static void test_resume (void **state)
{
    /* 1 depends on 0 (preset succeeded); 3 on 2 (preset failed, blocking),
     * 4 on 3; 6 on 5 (preset skipped, satisfy); 7 preset pending with 2
     * attempts used of max_retries 2. */
    const uint32_t e[][2] = { { 1, 0 }, { 3, 2 }, { 4, 3 }, { 6, 5 } };
    sched_task_t *t = tasks_default (8);
    t[5].on_failure = 1;
    t[7].max_retries = 2;
    struct fx f = make (8, e, 4, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 8, 0, 0), 0);
    assert_int_equal (sched_preset (f.s, 0, SCHED_SUCCEEDED, 1), 0);
    assert_int_equal (sched_preset (f.s, 2, SCHED_FAILED, 1), 0);
    assert_int_equal (sched_preset (f.s, 5, SCHED_SKIPPED, 0), 0);
    assert_int_equal (sched_preset (f.s, 7, SCHED_PENDING, 2), 0);
    assert_int_equal (sched_preset (f.s, 99, SCHED_SUCCEEDED, 0), -1);
    assert_int_equal (sched_preset (f.s, 1, SCHED_RUNNING, 0), -1);
    assert_int_equal (sched_start (f.s), 0);
    assert_int_equal (sched_preset (f.s, 1, SCHED_SUCCEEDED, 0), -1);
    assert_int_equal (sched_start (f.s), -1);
    expect_events (f.s, (uint32_t[]){ 3, 4 }, 2);
    assert_int_equal (sched_state (f.s, 1), SCHED_READY);
    assert_int_equal (sched_state (f.s, 6), SCHED_READY);
    assert_int_equal (sched_state (f.s, 0), SCHED_SUCCEEDED);
    sched_assign_t a;
    assert_int_equal (next_task (f.s), 1);
    assert_int_equal (next_task (f.s), 6);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 7);
    assert_int_equal (a.attempt, 2);
    assert_int_equal (sched_attempt_end (f.s, 7, SCHED_FAIL), SCHED_FAILED);
    expect_none (f.s);
    drop (&f);
    free (t);
}

static void test_hold_skip (void **state)
{
    const uint32_t e[][2] = { { 3, 0 } };
    sched_task_t *t = tasks_default (5);
    t[1].max_retries = 5;
    struct fx f = make (5, e, 1, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 3, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    assert_int_equal (next_task (f.s), 0);
    assert_int_equal (next_task (f.s), 1);
    sched_hold (f.s);
    expect_none (f.s);
    assert_int_equal (sched_state (f.s, 2), SCHED_READY);
    /* Retries during the hold go back to READY but nothing starts. */
    assert_int_equal (sched_attempt_end (f.s, 1, SCHED_FAIL), SCHED_READY);
    expect_none (f.s);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_state (f.s, 3), SCHED_READY);
    sched_skip_remaining (f.s);
    expect_events (f.s, (uint32_t[]){ 1, 2, 3, 4 }, 4);
    assert_true (sched_finished (f.s));
    size_t c[6];
    sched_counts (f.s, c);
    assert_int_equal (c[SCHED_SKIPPED], 4);
    assert_int_equal (c[SCHED_SUCCEEDED], 1);
    drop (&f);

    /* A task still running at the stop cannot come back. */
    f = make (5, e, 1, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 3, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    assert_int_equal (next_task (f.s), 0);
    assert_int_equal (next_task (f.s), 1);
    assert_int_equal (next_task (f.s), 2);
    sched_skip_remaining (f.s);
    expect_events (f.s, (uint32_t[]){ 3, 4 }, 2);
    expect_none (f.s);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_REQUEUE), SCHED_SKIPPED);
    assert_int_equal (sched_attempt_end (f.s, 1, SCHED_FAIL), SCHED_FAILED);
    assert_false (sched_finished (f.s));
    assert_int_equal (sched_attempt_end (f.s, 2, SCHED_OK), SCHED_SUCCEEDED);
    expect_events (f.s, (uint32_t[]){ 0 }, 1);
    assert_true (sched_finished (f.s));
    drop (&f);
    free (t);
}

static void test_gpus_memory (void **state)
{
    /* 0, 1, 2: one gpu each; 3, 4: 6G; 5: 100G (first); 6: 1G. */
    sched_task_t *t = tasks_default (7);
    t[0].gpus = t[1].gpus = t[2].gpus = 1;
    t[3].memory = t[4].memory = 6 * GB;
    t[5].memory = 100 * GB;
    t[5].priority = 1;
    t[6].memory = 1 * GB;
    struct fx f = make (7, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 8, 0, 8 * GB), 0);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 8, 2, 4 * GB), 0);
    /* Memory unknown: constrains nothing. */
    assert_int_equal (sched_worker_add (f.s, 2, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    sched_assign_t a;
    int want[][3] = { { 5, 2, 0 }, { 0, 1, 1 }, { 1, 1, 1 }, { 3, 0, 0 } };
    for (int i = 0; i < 4; i++) {
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.task, want[i][0]);
        assert_int_equal (a.parts[0].worker, want[i][1]);
        assert_int_equal (a.parts[0].gpus, want[i][2]);
    }
    /* Task 2 waits for a gpu (worker 1 has both in use), task 4 for memory
     * (worker 0 has 2G left, worker 1 has 4G in all, worker 2 no free
     * slot); 4 holds worker 0, so 6 waits too. */
    expect_none (f.s);
    assert_int_equal (sched_state (f.s, 2), SCHED_READY);
    assert_int_equal (sched_state (f.s, 4), SCHED_READY);
    assert_int_equal (sched_state (f.s, 6), SCHED_READY);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 2);
    assert_int_equal (a.parts[0].worker, 1);
    assert_int_equal (a.parts[0].gpus, 1);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 6);
    assert_int_equal (a.parts[0].worker, 1);
    expect_none (f.s);
    assert_int_equal (sched_attempt_end (f.s, 3, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 4);
    assert_int_equal (a.parts[0].worker, 0);
    drop (&f);
    free (t);
}

static void test_multi_instance (void **state)
{
    /* 0: 6 instances of 1 slot; 1: 3 instances of 2 slots; 2: 1 slot. */
    sched_task_t *t = tasks_default (3);
    t[0].instances = 6;
    t[1].instances = 3;
    t[1].slots = 2;
    struct fx f = make (3, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 4, 0, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 2, 0, 2, 0, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 3, 1, 4, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    sched_assign_t a;
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 0);
    assert_int_equal (a.nparts, 2);
    assert_int_equal (a.parts[0].worker, 1);
    assert_int_equal (a.parts[0].slots, 4);
    assert_int_equal (a.parts[1].worker, 3);
    assert_int_equal (a.parts[1].slots, 2);
    /* Now 2 + 2 slots are free on workers 2 and 3: two instances of 2,
     * not three.  Task 1 holds workers 1 and 3 for itself; task 2
     * backfills worker 2. */
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 2);
    assert_int_equal (a.parts[0].worker, 2);
    expect_none (f.s);
    uint32_t out[4];
    assert_int_equal (sched_worker_tasks (f.s, 1, out, 4), 1);
    assert_int_equal (out[0], 0);
    assert_int_equal (sched_worker_tasks (f.s, 3, out, 4), 1);
    assert_int_equal (out[0], 0);
    assert_int_equal (sched_worker_tasks (f.s, 2, out, 4), 1);
    assert_int_equal (out[0], 2);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_worker_tasks (f.s, 1, out, 4), 0);
    assert_int_equal (sched_worker_tasks (f.s, 3, out, 4), 0);
    /* Both parts released: 3 instances of 2 go on workers 1 (two) and 3. */
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 1);
    assert_int_equal (a.nparts, 2);
    assert_int_equal (a.parts[0].worker, 1);
    assert_int_equal (a.parts[0].slots, 4);
    assert_int_equal (a.parts[1].worker, 3);
    assert_int_equal (a.parts[1].slots, 2);
    expect_none (f.s);
    assert_int_equal (sched_attempt_end (f.s, 1, SCHED_REQUEUE), SCHED_READY);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 1);
    assert_int_equal (a.attempt, 0);
    drop (&f);
    free (t);
}

static void test_worker_disable (void **state)
{
    sched_task_t *t = tasks_default (6);
    struct fx f = make (6, NULL, 0, t, SCHED_FILL_PACK);
    assert_int_equal (sched_worker_add (f.s, 4, 0, 2, 0, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 5, 0, 2, 0, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 4, 0, 2, 0, 0), -1);
    assert_int_equal (errno, EEXIST);
    assert_int_equal (sched_worker_add (f.s, 6, 0, 0, 0, 0), -1);
    assert_int_equal (errno, EINVAL);
    assert_int_equal (sched_worker_add (f.s, 1 << 20, 0, 1, 0, 0), -1);
    assert_int_equal (sched_worker_enable (f.s, 77, 0), -1);
    assert_int_equal (sched_start (f.s), 0);
    sched_assign_t a;
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.parts[0].worker, 4);
    }
    assert_int_equal (sched_worker_enable (f.s, 4, 0), 0);
    /* The lost worker's tasks are still accounted there; new ones go to 5. */
    uint32_t out[4];
    assert_int_equal (sched_worker_tasks (f.s, 4, out, 4), 2);
    assert_true ((out[0] == 0 && out[1] == 1) || (out[0] == 1 && out[1] == 0));
    assert_int_equal (sched_worker_tasks (f.s, 4, out, 1), 2);
    for (uint32_t i = 2; i < 4; i++) {
        assert_int_equal (sched_next (f.s, &a), 1);
        assert_int_equal (a.task, i);
        assert_int_equal (a.parts[0].worker, 5);
    }
    expect_none (f.s);
    /* Requeue what ran on the lost worker. */
    size_t n = sched_worker_tasks (f.s, 4, out, 4);
    for (size_t i = 0; i < n; i++)
        assert_int_equal (sched_attempt_end (f.s, out[i], SCHED_REQUEUE), SCHED_READY);
    assert_int_equal (sched_worker_tasks (f.s, 4, out, 4), 0);
    assert_int_equal (sched_attempts (f.s, 0), 0);
    expect_none (f.s);      /* worker 5 is full, worker 4 disabled */
    assert_int_equal (sched_attempt_end (f.s, 2, SCHED_OK), SCHED_SUCCEEDED);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 0);
    assert_int_equal (a.parts[0].worker, 5);
    /* Enabled again, it is used again, and all its slots are free. */
    assert_int_equal (sched_worker_enable (f.s, 4, 1), 0);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 1);
    assert_int_equal (a.parts[0].worker, 4);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 4);
    assert_int_equal (a.parts[0].worker, 4);
    expect_none (f.s);
    drop (&f);
    free (t);
}

static void expect_on (sched_t *s, uint32_t task, int worker)
{
    sched_assign_t a;
    assert_int_equal (sched_next (s, &a), 1);
    assert_int_equal (a.task, task);
    assert_int_equal (a.nparts, 1);
    assert_int_equal (a.parts[0].worker, worker);
}

/* Tasks ahead: one task waits on each full worker, and no more; the slot
 * of an ending attempt goes to it, so the worker takes the next one. */
static void test_ahead (void **state)
{
    sched_task_t *t = tasks_default (8);
    struct fx f = make (8, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 1, 0, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    expect_on (f.s, 0, 0);
    expect_on (f.s, 1, 1);
    expect_none (f.s);              /* off by default */
    sched_set_ahead (f.s, 1);
    expect_on (f.s, 2, 0);
    expect_on (f.s, 3, 1);
    expect_none (f.s);              /* one ahead per worker */
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    expect_on (f.s, 4, 0);          /* t2 took the slot; t4 waits behind it */
    expect_none (f.s);
    /* A drained task ahead is ready again and its place is free again. */
    assert_int_equal (sched_attempt_end (f.s, 4, SCHED_REQUEUE), SCHED_READY);
    assert_int_equal (sched_attempts (f.s, 4), 0);
    expect_on (f.s, 4, 0);
    expect_none (f.s);
    /* Off again: only real room counts. */
    sched_set_ahead (f.s, 0);
    assert_int_equal (sched_attempt_end (f.s, 1, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (f.s);              /* worker 1's slot went to t3 */
    assert_int_equal (sched_attempt_end (f.s, 3, SCHED_OK), SCHED_SUCCEEDED);
    expect_on (f.s, 5, 1);
    expect_none (f.s);
    /* A lost worker's tasks, ahead or not, are all accounted there. */
    sched_set_ahead (f.s, 1);
    expect_on (f.s, 6, 1);
    uint32_t out[4];
    assert_int_equal (sched_worker_tasks (f.s, 1, out, 4), 2);
    assert_int_equal (sched_worker_enable (f.s, 1, 0), 0);
    expect_none (f.s);              /* worker 0 holds t2 and t4, worker 1 is gone */
    for (int i = 0; i < 2; i++)
        assert_int_equal (sched_attempt_end (f.s, out[i], SCHED_REQUEUE), SCHED_READY);
    assert_int_equal (sched_attempt_end (f.s, 2, SCHED_OK), SCHED_SUCCEEDED);
    expect_on (f.s, 5, 0);
    expect_none (f.s);
    drop (&f);
    free (t);
}

/* One worker, tasks t0 (running) and the rest; ahead on. */
static struct fx ahead_fx (sched_task_t *t, size_t n, int slots, int gpus, int64_t mem)
{
    struct fx f = make (n, NULL, 0, t, SCHED_FILL_PACK);
    assert_int_equal (sched_worker_add (f.s, 0, 0, slots, gpus, mem), 0);
    sched_set_ahead (f.s, 1);
    assert_int_equal (sched_start (f.s), 0);
    return f;
}

/* What may go ahead and what not. */
static void test_ahead_limits (void **state)
{
    /* Packed, the second task ahead goes to the next worker, not to the
     * first one again. */
    sched_task_t *t = tasks_default (5);
    struct fx f = ahead_fx (t, 5, 1, 0, 0);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 1, 0, 0), 0);
    expect_on (f.s, 0, 0);
    expect_on (f.s, 1, 1);
    expect_on (f.s, 2, 0);
    expect_on (f.s, 3, 1);
    expect_none (f.s);
    drop (&f);
    free (t);

    /* A GPU task does not, and holds the worker: nothing goes ahead. */
    t = tasks_default (3);
    t[0].priority = 2;
    t[1].priority = 1;
    t[1].gpus = 1;
    f = ahead_fx (t, 3, 1, 1, 0);
    expect_on (f.s, 0, 0);
    expect_none (f.s);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    expect_on (f.s, 1, 0);
    drop (&f);
    free (t);

    /* A task bigger than any worker is passed over; one held back by
     * the time left too. */
    t = tasks_default (4);
    t[0].priority = 3;
    t[1].priority = 2;
    t[1].slots = 2;
    t[2].priority = 1;
    t[2].time_request = 100;
    f = ahead_fx (t, 4, 1, 0, 0);
    sched_set_time_left (f.s, 10);
    expect_on (f.s, 0, 0);
    expect_on (f.s, 3, 0);
    expect_none (f.s);
    drop (&f);
    free (t);

    /* Memory must be free now: only slots are waited for. */
    t = tasks_default (3);
    for (int i = 0; i < 3; i++)
        t[i].memory = 3 * GB;
    f = ahead_fx (t, 3, 1, 0, 8 * GB);
    expect_on (f.s, 0, 0);
    expect_on (f.s, 1, 0);          /* 5 GB free */
    expect_none (f.s);              /* one ahead already */
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    expect_on (f.s, 2, 0);
    drop (&f);
    free (t);
    t = tasks_default (2);
    t[0].memory = t[1].memory = 3 * GB;
    f = ahead_fx (t, 2, 1, 0, 4 * GB);
    expect_on (f.s, 0, 0);
    expect_none (f.s);              /* 1 GB free */
    drop (&f);
    free (t);

    /* Two instances do not go ahead, and hold both workers. */
    t = tasks_default (4);
    t[0].priority = t[1].priority = 2;
    t[2].priority = 1;
    t[2].instances = 2;
    f = make (4, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 1, 0, 0), 0);
    assert_int_equal (sched_worker_add (f.s, 1, 0, 1, 0, 0), 0);
    sched_set_ahead (f.s, 1);
    assert_int_equal (sched_start (f.s), 0);
    expect_on (f.s, 0, 0);
    expect_on (f.s, 1, 1);
    expect_none (f.s);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (f.s);
    assert_int_equal (sched_attempt_end (f.s, 1, SCHED_OK), SCHED_SUCCEEDED);
    sched_assign_t a;
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 2);
    assert_int_equal (a.nparts, 2);
    /* A disabled worker takes nothing ahead. */
    assert_int_equal (sched_worker_enable (f.s, 0, 0), 0);
    assert_int_equal (sched_worker_enable (f.s, 1, 0), 0);
    expect_none (f.s);
    drop (&f);
    free (t);

    /* A big task first in the queue goes ahead on the worker it needs,
     * so the small ones behind it do not starve it. */
    t = tasks_default (6);
    t[0].priority = t[1].priority = 2;
    t[2].priority = 1;
    t[2].slots = 2;
    f = ahead_fx (t, 6, 2, 0, 0);
    expect_on (f.s, 0, 0);
    expect_on (f.s, 1, 0);
    assert_int_equal (sched_next (f.s, &a), 1);
    assert_int_equal (a.task, 2);
    assert_int_equal (a.parts[0].slots, 2);
    expect_none (f.s);
    assert_int_equal (sched_attempt_end (f.s, 0, SCHED_OK), SCHED_SUCCEEDED);
    expect_none (f.s);              /* t2 still waits for a second slot */
    assert_int_equal (sched_attempt_end (f.s, 1, SCHED_OK), SCHED_SUCCEEDED);
    expect_on (f.s, 3, 0);          /* t2 runs; t3 waits behind it */
    expect_none (f.s);
    drop (&f);
    free (t);
}

static void test_bad_create (void **state)
{
    sched_task_t *t = tasks_default (2);
    graph_t *g = graph (2, NULL, 0);
    t[1].slots = 0;
    errno = 0;
    assert_null (sched_create (g, t, SCHED_FILL_SPREAD));
    assert_int_equal (errno, EINVAL);
    t[1].slots = 1;
    t[1].max_retries = -2;
    assert_null (sched_create (g, t, SCHED_FILL_SPREAD));
    t[1].max_retries = 0;
    assert_null (sched_create (g, t, 7));
    sched_destroy (NULL);
    graph_destroy (g);
    free (t);
}

static void test_many_classes (void **state)
{
    /* Every task its own requirement tuple: the class table grows and
     * each task still runs once, in priority order. */
    size_t n = 3000;
    sched_task_t *t = tasks_default (n);
    for (size_t i = 0; i < n; i++) {
        t[i].memory = (int64_t)(i + 1) * 1024;
        t[i].priority = (int)(i % 7);
    }
    struct fx f = make (n, NULL, 0, t, SCHED_FILL_SPREAD);
    assert_int_equal (sched_worker_add (f.s, 0, 0, 1, 0, 0), 0);
    assert_int_equal (sched_start (f.s), 0);
    sched_assign_t a;
    int lastp = 1 << 30;
    uint32_t lastt = 0;
    size_t done = 0;
    while (sched_next (f.s, &a) == 1) {
        int p = t[a.task].priority;
        assert_true (p < lastp || (p == lastp && a.task > lastt));
        lastp = p;
        lastt = a.task;
        sched_attempt_end (f.s, a.task, SCHED_OK);
        done++;
    }
    assert_int_equal (done, n);
    assert_true (sched_finished (f.s));
    drop (&f);
    free (t);
}

static void test_million (void **state)
{
    size_t n = 1000000;
    sched_task_t *t = tasks_default (n);
    graph_t *g;
    uint32_t *off = calloc (n + 1, sizeof (*off));
    uint32_t dummy = 0;
    assert_non_null (off);
    g = graph_create (n, off, &dummy);
    assert_non_null (g);
    struct timespec t0, t1;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    sched_t *s = sched_create (g, t, SCHED_FILL_SPREAD);
    assert_non_null (s);
    for (int w = 0; w < 8; w++)
        assert_int_equal (sched_worker_add (s, w, w / 4, 16, 0, 0), 0);
    assert_int_equal (sched_start (s), 0);
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
    clock_gettime (CLOCK_MONOTONIC, &t1);
    assert_int_equal (done, n);
    size_t c[6];
    sched_counts (s, c);
    assert_int_equal (c[SCHED_SUCCEEDED], n);
    printf ("# 1000000 tasks through create, next and attempt_end: %.3f s\n",
            (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    sched_destroy (s);
    graph_destroy (g);
    free (off);
    free (t);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_priority_order),
        cmocka_unit_test (test_spread_pack),
        cmocka_unit_test (test_time_request),
        cmocka_unit_test (test_reservation_backfill),
        cmocka_unit_test (test_unplaceable),
        cmocka_unit_test (test_retries),
        cmocka_unit_test (test_chain),
        cmocka_unit_test (test_diamond),
        cmocka_unit_test (test_transitive_skips),
        cmocka_unit_test (test_resume),
        cmocka_unit_test (test_hold_skip),
        cmocka_unit_test (test_gpus_memory),
        cmocka_unit_test (test_multi_instance),
        cmocka_unit_test (test_worker_disable),
        cmocka_unit_test (test_ahead),
        cmocka_unit_test (test_ahead_limits),
        cmocka_unit_test (test_bad_create),
        cmocka_unit_test (test_many_classes),
        cmocka_unit_test (test_million),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
