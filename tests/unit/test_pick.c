/* test_pick.c: sched_pick_slots on a 2 packages x 2 NUMA nodes x 4 cores worker. */
#include <config.h>

#include <errno.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scheduler/sched.h"

#define N 16

static int numa[N], pkg[N];

static int setup (void **state)
{
    for (int i = 0; i < N; i++) {
        numa[i] = i / 4;
        pkg[i] = i / 8;
    }
    return 0;
}

/* Pick k with the listed slots busy and compare with the expected set. */
static void check (const int *busy_list, int nbusy, int k, const int *want)
{
    uint8_t busy[N] = { 0 }, copy[N];
    int out[N];
    for (int i = 0; i < nbusy; i++)
        busy[busy_list[i]] = 1;
    memcpy (copy, busy, sizeof (busy));
    memset (out, 0xff, sizeof (out));
    assert_int_equal (sched_pick_slots (N, numa, pkg, busy, k, out), 0);
    for (int i = 0; i < k; i++)
        assert_int_equal (out[i], want[i]);
    assert_memory_equal (busy, copy, sizeof (busy));
    /* Deterministic: the same question gets the same answer. */
    int again[N];
    assert_int_equal (sched_pick_slots (N, numa, pkg, busy, k, again), 0);
    assert_memory_equal (out, again, (size_t)k * sizeof (int));
}

static void test_all_free (void **state)
{
    check (NULL, 0, 3, (int[]){ 0, 1, 2 });
    check (NULL, 0, 1, (int[]){ 0 });
    check (NULL, 0, 4, (int[]){ 0, 1, 2, 3 });
    check (NULL, 0, 16, (int[]){ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 });
}

static void test_one_numa (void **state)
{
    /* NUMA 0 has 2 free, NUMA 1 has 3: the task goes to NUMA 1 whole
     * rather than over the boundary at 2,3,5. */
    check ((int[]){ 0, 1, 4 }, 3, 3, (int[]){ 5, 6, 7 });
    /* A contiguous run is preferred to the lowest free slots. */
    check ((int[]){ 1 }, 1, 2, (int[]){ 2, 3 });
    /* No run of 3 anywhere in NUMA 0 (0,2,3 free): still inside it. */
    check ((int[]){ 1, 4, 5, 6, 8, 9, 10, 12, 13, 14 }, 10, 3, (int[]){ 0, 2, 3 });
    /* Package 0 could hold it only over two NUMA nodes; package 1 holds
     * it in one. */
    check ((int[]){ 0, 1, 4, 5 }, 4, 3, (int[]){ 8, 9, 10 });
}

static void test_spans_numa (void **state)
{
    /* Package 0 has 5 free (2 + 3), package 1 has 7 (4 + 3): 6 slots fit
     * only in package 1, over its two NUMA nodes: all of NUMA 2 and a
     * run from NUMA 3. */
    const int busy[] = { 0, 1, 4, 12 };
    check (busy, 4, 6, (int[]){ 8, 9, 10, 11, 13, 14 });
    /* 5 fit in both packages over two NUMA nodes: the lowest package. */
    check (busy, 4, 5, (int[]){ 2, 3, 5, 6, 7 });
    /* 4 fit in NUMA 2 alone. */
    check (busy, 4, 4, (int[]){ 8, 9, 10, 11 });
}

static void test_spans_packages (void **state)
{
    /* 7 free in each package: 10 take package 0 whole and 3 of package 1
     * from one NUMA node. */
    check ((int[]){ 0, 8 }, 2, 10, (int[]){ 1, 2, 3, 4, 5, 6, 7, 9, 10, 11 });
    /* The largest package (1, 7 free) is taken whole first; the other 2
     * come from package 0 as a run inside NUMA 1, not 3 and 4 across. */
    check ((int[]){ 0, 1, 2, 8 }, 4, 9, (int[]){ 4, 5, 9, 10, 11, 12, 13, 14, 15 });
}

static void test_fragmented (void **state)
{
    /* Every odd slot busy: 2 free per NUMA node. */
    const int odd[] = { 1, 3, 5, 7, 9, 11, 13, 15 };
    check (odd, 8, 2, (int[]){ 0, 2 });
    check (odd, 8, 3, (int[]){ 0, 2, 4 });
    check (odd, 8, 4, (int[]){ 0, 2, 4, 6 });
    check (odd, 8, 5, (int[]){ 0, 2, 4, 6, 8 });
    check (odd, 8, 8, (int[]){ 0, 2, 4, 6, 8, 10, 12, 14 });
    /* Scattered: NUMA 1 holds 3 as a run. */
    check ((int[]){ 0, 2, 4, 9, 11, 13, 15 }, 7, 3, (int[]){ 5, 6, 7 });
}

static void test_not_enough (void **state)
{
    uint8_t busy[N];
    int out[N];
    memset (busy, 1, sizeof (busy));
    busy[3] = busy[12] = 0;
    errno = 0;
    assert_int_equal (sched_pick_slots (N, numa, pkg, busy, 3, out), -1);
    assert_int_equal (errno, ENOSPC);
    assert_int_equal (sched_pick_slots (N, numa, pkg, busy, 2, out), 0);
    assert_int_equal (out[0], 3);
    assert_int_equal (out[1], 12);
    assert_int_equal (sched_pick_slots (N, numa, pkg, busy, 0, out), 0);
    assert_int_equal (sched_pick_slots (-1, numa, pkg, busy, 1, out), -1);
    assert_int_equal (errno, EINVAL);
}

static void test_no_topology (void **state)
{
    /* Without locality information all slots are one group. */
    uint8_t busy[6] = { 0, 1, 0, 0, 1, 0 };
    int out[3];
    assert_int_equal (sched_pick_slots (6, NULL, NULL, busy, 2, out), 0);
    assert_int_equal (out[0], 2);
    assert_int_equal (out[1], 3);
    assert_int_equal (sched_pick_slots (6, NULL, NULL, busy, 3, out), 0);
    assert_int_equal (out[0], 0);
    assert_int_equal (out[1], 2);
    assert_int_equal (out[2], 3);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_all_free),
        cmocka_unit_test (test_one_numa),
        cmocka_unit_test (test_spans_numa),
        cmocka_unit_test (test_spans_packages),
        cmocka_unit_test (test_fragmented),
        cmocka_unit_test (test_not_enough),
        cmocka_unit_test (test_no_topology),
    };
    return cmocka_run_group_tests (tests, setup, NULL);
}
