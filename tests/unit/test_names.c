/* test_names.c: the tables of task state and attempt outcome names (common/names.c). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/names.h"
#include "io/journal.h"
#include "scheduler/sched.h"

static void test_states (void **state)
{
    (void)state;
    /* The names the report and the journal readers were written against. */
    assert_string_equal (mb_state_name (SCHED_PENDING), "pending");
    assert_string_equal (mb_state_name (SCHED_READY), "ready");
    assert_string_equal (mb_state_name (SCHED_RUNNING), "running");
    assert_string_equal (mb_state_name (SCHED_SUCCEEDED), "succeeded");
    assert_string_equal (mb_state_name (SCHED_FAILED), "failed");
    assert_string_equal (mb_state_name (SCHED_SKIPPED), "skipped");
    /* The runtime's own, after the scheduler's. */
    assert_string_equal (mb_state_name (MB_STATE_CANCELLED), "cancelled");
    assert_string_equal (mb_state_name (-1), "unknown");
    assert_string_equal (mb_state_name (MB_NSTATES), "unknown");
    for (int i = 0; i < MB_NSTATES; i++)
        assert_int_equal (mb_state_by_name (mb_state_name (i)), i);
    assert_int_equal (mb_state_by_name ("unknown"), -1);
    assert_int_equal (mb_state_by_name ("Failed"), -1);
    assert_int_equal (mb_state_by_name (""), -1);
    assert_int_equal (mb_state_by_name (NULL), -1);
}

static void test_outcomes (void **state)
{
    (void)state;
    assert_string_equal (mb_outcome_name (JOUT_SUCCEEDED), "succeeded");
    assert_string_equal (mb_outcome_name (JOUT_FAILED), "failed");
    assert_string_equal (mb_outcome_name (JOUT_TIMED_OUT), "timed_out");
    assert_string_equal (mb_outcome_name (JOUT_INTERRUPTED), "interrupted");
    assert_string_equal (mb_outcome_name (JOUT_INPUT_ERROR), "input_error");
    assert_string_equal (mb_outcome_name (JOUT_OUTPUT_ERROR), "output_error");
    assert_string_equal (mb_outcome_name (MB_NOUTCOMES), "unknown");
    assert_string_equal (mb_outcome_name (-7), "unknown");
    for (int i = 0; i < MB_NOUTCOMES; i++)
        assert_int_equal (mb_outcome_by_name (mb_outcome_name (i)), i);
    assert_int_equal (mb_outcome_by_name ("timedout"), -1);
    assert_int_equal (mb_outcome_by_name (NULL), -1);
}

/* Names are distinct within a table (a reader maps them back). */
static void test_distinct (void **state)
{
    (void)state;
    for (int i = 0; i < MB_NSTATES; i++)
        for (int j = i + 1; j < MB_NSTATES; j++)
            assert_string_not_equal (mb_state_name (i), mb_state_name (j));
    for (int i = 0; i < MB_NOUTCOMES; i++)
        for (int j = i + 1; j < MB_NOUTCOMES; j++)
            assert_string_not_equal (mb_outcome_name (i), mb_outcome_name (j));
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_states),
        cmocka_unit_test (test_outcomes),
        cmocka_unit_test (test_distinct),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
