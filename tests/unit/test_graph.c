/* test_graph.c: unit tests of the task graph (common/graph.c). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/graph.h"

static void test_empty (void **state)
{
    graph_t *g = graph_create (0, NULL, NULL);
    assert_non_null (g);
    assert_int_equal (graph_size (g), 0);
    assert_int_equal (graph_edges (g), 0);
    uint32_t *c = NULL;
    size_t len = 0;
    assert_int_equal (graph_find_cycle (g, &c, &len), 0);
    assert_null (c);
    graph_destroy (g);
    graph_destroy (NULL);
}

/* 0 <- 1 <- 2 <- 3: each task depends on the one before. */
static void test_chain (void **state)
{
    uint32_t off[] = { 0, 0, 1, 2, 3 };
    uint32_t deps[] = { 0, 1, 2 };
    graph_t *g = graph_create (4, off, deps);
    assert_non_null (g);
    assert_int_equal (graph_size (g), 4);
    assert_int_equal (graph_edges (g), 3);
    assert_int_equal (graph_indegree (g, 0), 0);
    for (uint32_t i = 1; i < 4; i++) {
        uint32_t cnt;
        assert_int_equal (graph_indegree (g, i), 1);
        const uint32_t *p = graph_prereqs (g, i, &cnt);
        assert_int_equal (cnt, 1);
        assert_int_equal (p[0], i - 1);
        const uint32_t *d = graph_dependents (g, i - 1, &cnt);
        assert_int_equal (cnt, 1);
        assert_int_equal (d[0], i);
    }
    uint32_t cnt = 99;
    graph_dependents (g, 3, &cnt);
    assert_int_equal (cnt, 0);
    uint32_t *c = NULL;
    size_t len = 0;
    assert_int_equal (graph_find_cycle (g, &c, &len), 0);
    graph_destroy (g);
}

/* 0 fans out to 1..4, and 5 fans in from 1..4. */
static void test_fan (void **state)
{
    uint32_t off[] = { 0, 0, 1, 2, 3, 4, 8 };
    uint32_t deps[] = { 0, 0, 0, 0, 4, 2, 3, 1 };
    graph_t *g = graph_create (6, off, deps);
    assert_non_null (g);
    assert_int_equal (graph_edges (g), 8);
    uint32_t cnt;
    const uint32_t *d = graph_dependents (g, 0, &cnt);
    assert_int_equal (cnt, 4);
    for (uint32_t k = 0; k < 4; k++)
        assert_int_equal (d[k], k + 1);
    assert_int_equal (graph_indegree (g, 5), 4);
    const uint32_t *p = graph_prereqs (g, 5, &cnt);
    assert_int_equal (cnt, 4);
    /* Prerequisites keep the caller's order. */
    assert_int_equal (p[0], 4);
    assert_int_equal (p[3], 1);
    for (uint32_t i = 1; i <= 4; i++) {
        d = graph_dependents (g, i, &cnt);
        assert_int_equal (cnt, 1);
        assert_int_equal (d[0], 5);
    }
    assert_int_equal (graph_find_cycle (g, NULL, NULL), 0);
    graph_destroy (g);
}

/* 0 is free; 1 depends on 3, 3 on 2, 2 on 1: the cycle 1 -> 3 -> 2 -> 1. */
static void test_cycle3 (void **state)
{
    uint32_t off[] = { 0, 0, 1, 2, 4 };
    uint32_t deps[] = { 3, 1, 0, 2 };
    graph_t *g = graph_create (4, off, deps);
    assert_non_null (g);
    uint32_t *c = NULL;
    size_t len = 0;
    assert_int_equal (graph_find_cycle (g, &c, &len), 1);
    assert_non_null (c);
    assert_int_equal (len, 3);
    assert_int_equal (c[0], 1);
    assert_int_equal (c[1], 3);
    assert_int_equal (c[2], 2);
    free (c);
    graph_destroy (g);
}

static void test_self (void **state)
{
    uint32_t off[] = { 0, 0, 1 };
    uint32_t deps[] = { 1 };
    graph_t *g = graph_create (2, off, deps);
    assert_non_null (g);
    uint32_t *c = NULL;
    size_t len = 0;
    assert_int_equal (graph_find_cycle (g, &c, &len), 1);
    assert_int_equal (len, 1);
    assert_int_equal (c[0], 1);
    free (c);
    uint32_t cnt;
    const uint32_t *d = graph_dependents (g, 1, &cnt);
    assert_int_equal (cnt, 1);
    assert_int_equal (d[0], 1);
    graph_destroy (g);
}

static void test_range (void **state)
{
    uint32_t off[] = { 0, 1, 1 };
    uint32_t deps[] = { 2 };
    errno = 0;
    assert_null (graph_create (2, off, deps));
    assert_int_equal (errno, EINVAL);
    uint32_t bad_off[] = { 0, 2, 1 };
    uint32_t deps2[] = { 1, 1 };
    errno = 0;
    assert_null (graph_create (2, bad_off, deps2));
    assert_int_equal (errno, EINVAL);

    uint32_t ok_off[] = { 0, 0, 0 };
    graph_t *g = graph_create (2, ok_off, NULL);
    assert_non_null (g);
    uint32_t cnt = 7;
    errno = 0;
    assert_null (graph_prereqs (g, 2, &cnt));
    assert_int_equal (errno, EINVAL);
    assert_int_equal (cnt, 0);
    assert_null (graph_dependents (g, 5, &cnt));
    assert_int_equal (graph_indegree (g, 9), 0);
    graph_destroy (g);
}

/* The arrays are copied: changing them afterwards changes nothing. */
static void test_copied (void **state)
{
    uint32_t off[] = { 0, 0, 1 };
    uint32_t deps[] = { 0 };
    graph_t *g = graph_create (2, off, deps);
    assert_non_null (g);
    deps[0] = 1;
    off[2] = 0;
    uint32_t cnt;
    const uint32_t *p = graph_prereqs (g, 1, &cnt);
    assert_int_equal (cnt, 1);
    assert_int_equal (p[0], 0);
    graph_destroy (g);
}

static double now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_million_flat (void **state)
{
    size_t n = 1000000;
    uint32_t *off = calloc (n + 1, sizeof (uint32_t));
    assert_non_null (off);
    double t0 = now ();
    graph_t *g = graph_create (n, off, NULL);
    assert_non_null (g);
    assert_int_equal (graph_find_cycle (g, NULL, NULL), 0);
    double t = now () - t0;
    assert_int_equal (graph_size (g), n);
    assert_int_equal (graph_edges (g), 0);
    assert_true (t < 1.0);
    graph_destroy (g);
    free (off);
}

/* A chain a million deep, closed into a cycle at the end: no recursion. */
static void test_million_deep (void **state)
{
    size_t n = 1000000;
    uint32_t *off = malloc ((n + 1) * sizeof (uint32_t));
    uint32_t *deps = malloc (n * sizeof (uint32_t));
    assert_non_null (off);
    assert_non_null (deps);
    off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        deps[i] = (uint32_t)((i + 1) % n);   /* i depends on i+1 */
        off[i + 1] = (uint32_t)(i + 1);
    }
    graph_t *g = graph_create (n, off, deps);
    assert_non_null (g);
    uint32_t *c = NULL;
    size_t len = 0;
    assert_int_equal (graph_find_cycle (g, &c, &len), 1);
    assert_int_equal (len, n);
    assert_int_equal (c[0], 0);
    assert_int_equal (c[1], 1);
    assert_int_equal (c[n - 1], n - 1);
    free (c);
    graph_destroy (g);
    /* Open the ring: now acyclic. */
    deps[n - 1] = 0;
    off[n] = (uint32_t)(n - 1);
    g = graph_create (n, off, deps);
    assert_non_null (g);
    assert_int_equal (graph_find_cycle (g, NULL, NULL), 0);
    graph_destroy (g);
    free (off);
    free (deps);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_empty),
        cmocka_unit_test (test_chain),
        cmocka_unit_test (test_fan),
        cmocka_unit_test (test_cycle3),
        cmocka_unit_test (test_self),
        cmocka_unit_test (test_range),
        cmocka_unit_test (test_copied),
        cmocka_unit_test (test_million_flat),
        cmocka_unit_test (test_million_deep),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
