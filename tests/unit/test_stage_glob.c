/* test_stage_glob.c: the staging glob matcher, fixed prefixes and path rules. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "io/stage.h"
#include "io/stage_int.h"

static const struct {
    const char *pattern;
    const char *path;
    int match;
} cases[] = {
    { "out.h5", "out.h5", 1 },
    { "out.h5", "out.h6", 0 },
    { "out.h5", "dir/out.h5", 0 },
    { "*", "a", 1 },
    { "*", "", 1 },
    { "*", "a/b", 0 },
    { "*.h5", "out.h5", 1 },
    { "*.h5", ".h5", 1 },
    { "*.h5", "out.h5.bak", 0 },
    { "*.h5", "d/out.h5", 0 },
    { "a*b*c", "abc", 1 },
    { "a*b*c", "aXXbYYc", 1 },
    { "a*b*c", "aXXbYYcd", 0 },
    { "a*b*c", "acb", 0 },
    { "?", "a", 1 },
    { "?", "ab", 0 },
    { "?", "/", 0 },
    { "a?c", "abc", 1 },
    { "a?c", "a/c", 0 },
    { "[abc].txt", "b.txt", 1 },
    { "[abc].txt", "d.txt", 0 },
    { "[a-c]x", "bx", 1 },
    { "[a-c]x", "dx", 0 },
    { "[!a-c]x", "dx", 1 },
    { "[!a-c]x", "ax", 0 },
    { "[^a]x", "bx", 1 },
    { "[]]x", "]x", 1 },
    { "[!]]x", "]x", 0 },
    { "[a-]x", "-x", 1 },
    { "[ab", "[ab", 1 },
    { "[ab", "a", 0 },
    { "f[0-9][0-9].dat", "f42.dat", 1 },
    { "f[0-9][0-9].dat", "f4x.dat", 0 },
    { "**", "a", 1 },
    { "**", "a/b/c", 1 },
    { "**/*.h5", "x.h5", 1 },
    { "**/*.h5", "a/x.h5", 1 },
    { "**/*.h5", "a/b/c/x.h5", 1 },
    { "**/*.h5", "a/b/c/x.h6", 0 },
    { "res/**/*.h5", "res/x.h5", 1 },
    { "res/**/*.h5", "res/a/b/x.h5", 1 },
    { "res/**/*.h5", "other/a/x.h5", 0 },
    { "res/**", "res/a/b", 1 },
    { "res/**", "res", 0 },
    { "a/**/b/*.txt", "a/b/x.txt", 1 },
    { "a/**/b/*.txt", "a/x/y/b/z.txt", 1 },
    { "a/**/b/*.txt", "a/x/y/c/z.txt", 0 },
    { "*/out", "d/out", 1 },
    { "*/out", "d/e/out", 0 },
    { "d*/*/f", "dx/y/f", 1 },
    { "a**b", "aXb", 1 },
    { "a**b", "a/b", 0 },
    { "*.[ch]", "stage.c", 1 },
    { "*.[ch]", "stage.o", 0 },
};

static void test_glob_table (void **state)
{
    (void)state;
    size_t n = sizeof (cases) / sizeof (cases[0]);
    assert_true (n >= 30);
    for (size_t i = 0; i < n; i++) {
        int got = stage_glob_match (cases[i].pattern, cases[i].path);
        if (got != cases[i].match)
            fail_msg ("pattern '%s' path '%s': got %d, want %d", cases[i].pattern,
                      cases[i].path, got, cases[i].match);
    }
}

static void test_glob_prefix (void **state)
{
    (void)state;
    assert_int_equal (stage_glob_prefix ("out.h5"), 0);
    assert_int_equal (stage_glob_prefix ("*.h5"), 0);
    assert_int_equal (stage_glob_prefix ("a/b/out.h5"), 3);
    assert_int_equal (stage_glob_prefix ("res/**/*.h5"), 3);
    assert_int_equal (stage_glob_prefix ("res/x/*/y"), 5);
    assert_int_equal (stage_glob_prefix ("r?s/x/y"), 0);
}

static void test_path_problem (void **state)
{
    (void)state;
    assert_null (stage_path_problem ("a"));
    assert_null (stage_path_problem ("a/b/c.txt"));
    assert_null (stage_path_problem ("..a/b.."));
    assert_null (stage_path_problem ("a/./b"));
    assert_non_null (stage_path_problem (NULL));
    assert_non_null (stage_path_problem (""));
    assert_non_null (stage_path_problem ("/etc/passwd"));
    assert_non_null (stage_path_problem (".."));
    assert_non_null (stage_path_problem ("../x"));
    assert_non_null (stage_path_problem ("a/../../x"));
    assert_non_null (stage_path_problem ("a/.."));
    assert_non_null (stage_path_problem ("a//../b"));
}

static void test_under (void **state)
{
    (void)state;
    assert_true (stage_under ("/data", "/data"));
    assert_true (stage_under ("/data", "/data/x"));
    assert_false (stage_under ("/data", "/data2/x"));
    assert_false (stage_under ("/data", "/etc"));
    assert_true (stage_under ("/", "/etc"));
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_glob_table),
        cmocka_unit_test (test_glob_prefix),
        cmocka_unit_test (test_path_problem),
        cmocka_unit_test (test_under),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
