/* test_template.c: unit tests of sweep templates and value formatting (io/template.c). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/template.h"

static const char *const vars[] = { "seed", "T", "task" };

static char *expand (const char *s, const char *const *vals)
{
    tmpl_t *t = tmpl_parse (s, vars, 3, NULL);
    assert_non_null (t);
    buf_t b = { 0 };
    assert_int_equal (tmpl_expand (t, vals, &b), 0);
    tmpl_destroy (t);
    return b.data;
}

static void test_expand (void **state)
{
    const char *vals[] = { "7", "0.5", "sim-7" };
    char *s = expand ("run ${seed} -T ${T} > ${task}.out", vals);
    assert_string_equal (s, "run 7 -T 0.5 > sim-7.out");
    free (s);
    s = expand ("${seed}${T}${seed}", vals);
    assert_string_equal (s, "70.57");
    free (s);
    s = expand ("", vals);
    assert_string_equal (s, "");
    free (s);
}

static void test_dollars (void **state)
{
    const char *vals[] = { "1", "2", "t" };
    char *s = expand ("echo $$ $$${seed} $HOME ${ $x $", vals);
    assert_string_equal (s, "echo $ $1 $HOME ${ $x $");
    free (s);
    tmpl_t *t = tmpl_parse ("a$$b", vars, 3, NULL);
    assert_false (tmpl_has_vars (t));
    assert_string_equal (tmpl_text (t), "a$b");
    tmpl_destroy (t);
}

static void test_unknown (void **state)
{
    char *name = NULL;
    errno = 0;
    assert_null (tmpl_parse ("x ${seed} ${nope} y", vars, 3, &name));
    assert_int_equal (errno, EINVAL);
    assert_string_equal (name, "nope");
    free (name);
    tmpl_t *t = tmpl_parse ("${task}", vars, 3, NULL);
    assert_true (tmpl_uses (t, 2));
    assert_false (tmpl_uses (t, 0));
    assert_true (tmpl_has_vars (t));
    assert_null (tmpl_text (t));
    tmpl_destroy (t);
}

static void test_literal (void **state)
{
    tmpl_t *t = tmpl_literal ("keep ${seed} and $$");
    assert_false (tmpl_has_vars (t));
    buf_t b = { 0 };
    assert_int_equal (tmpl_expand (t, NULL, &b), 0);
    assert_string_equal (b.data, "keep ${seed} and $$");
    buf_free (&b);
    tmpl_destroy (t);
}

static void test_double (void **state)
{
    char buf[32];
    assert_string_equal (tmpl_format_double (1.0, buf, sizeof (buf)), "1.0");
    assert_string_equal (tmpl_format_double (0.5, buf, sizeof (buf)), "0.5");
    assert_string_equal (tmpl_format_double (2.5e-07, buf, sizeof (buf)), "2.5e-07");
    assert_string_equal (tmpl_format_double (0.1 + 0.2, buf, sizeof (buf)), "0.30000000000000004");
    assert_string_equal (tmpl_format_double (-3.0, buf, sizeof (buf)), "-3.0");
    assert_string_equal (tmpl_format_double (1e22, buf, sizeof (buf)), "1e+22");
    assert_string_equal (tmpl_format_double (123456789.0, buf, sizeof (buf)), "123456789.0");
    assert_string_equal (tmpl_format_double (0.1, buf, sizeof (buf)), "0.1");
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_expand),
        cmocka_unit_test (test_dollars),
        cmocka_unit_test (test_unknown),
        cmocka_unit_test (test_literal),
        cmocka_unit_test (test_double),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
