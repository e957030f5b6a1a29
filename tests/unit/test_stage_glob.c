/* test_stage_glob.c: the staging glob matcher (a table, and walks of a real tree), fixed prefixes and path rules. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    { "res/**", "res/", 0 },
    { "**", "", 0 },
    { "a/**/**/b", "a/b", 1 },
    { "a/**/**/b", "a/x/y/b", 1 },
    { "*/**/c", "a/c", 1 },
    { "*/**/c", "c", 0 },
    { "a\\b", "a\\b", 1 },      /* a backslash is an ordinary character */
    { "a\\*", "a\\xy", 1 },
    { "a\\*", "a*", 0 },
    { "f[[:digit:]].dat", "f7.dat", 1 },
    { "f[[:digit:]].dat", "fx.dat", 0 },
};

/* Every row is tried and every wrong answer named before the test fails. */
static void test_glob_table (void **state)
{
    (void)state;
    size_t n = sizeof (cases) / sizeof (cases[0]);
    int wrong = 0;
    for (size_t i = 0; i < n; i++) {
        int got = stage_glob_match (cases[i].pattern, cases[i].path);
        if (got != cases[i].match) {
            print_error ("pattern '%s' path '%s': got %d, want %d\n", cases[i].pattern,
                         cases[i].path, got, cases[i].match);
            wrong++;
        }
    }
    assert_int_equal (wrong, 0);
}

/* A real tree under a temporary directory, for stage_walk. */
static char root[] = "/tmp/test_stage_glob.XXXXXX";

static void put (const char *rel)
{
    char path[PATH_MAX];
    snprintf (path, sizeof (path), "%s/%s", root, rel);
    for (char *s = strchr (path + strlen (root) + 1, '/'); s; s = strchr (s + 1, '/')) {
        *s = '\0';
        mkdir (path, 0755);
        *s = '/';
    }
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs (rel, f);
    fclose (f);
}

static int tree_setup (void **state)
{
    (void)state;
    if (!mkdtemp (root))
        return -1;
    put (".hid.h5");
    put ("a.h5");
    put ("b.txt");
    put ("other/w.h5");
    put ("res/x.h5");
    put ("res/sub/y.h5");
    put ("res/sub/deep/z.h5");
    put ("res/sub/deep/z.txt");
    char link[PATH_MAX];
    snprintf (link, sizeof (link), "%s/res/link", root);
    return symlink ("sub", link);
}

static int tree_teardown (void **state)
{
    (void)state;
    return stage_remove_tree (root);
}

/* The matches of a walk, in walk order, joined by spaces. */
static const char *walk (const char *pattern, int match_dirs)
{
    static char out[4096];
    stage_paths_t m = { 0 };
    out[0] = '\0';
    assert_int_equal (stage_walk (root, pattern, match_dirs, stage_paths_add, &m), 0);
    for (int i = 0; i < m.n; i++) {
        if (i)
            strcat (out, " ");
        strcat (out, m.v[i]);
    }
    stage_paths_clear (&m, 0);
    return out;
}

/* What the matcher says about real files, through the walk that staging
 * uses: fixed prefix, depth limit, `**`, directories, symlinks. */
static void test_glob_walk (void **state)
{
    (void)state;
    assert_string_equal (walk ("*.h5", 0), ".hid.h5 a.h5");
    assert_string_equal (walk ("**/*.h5", 0), ".hid.h5 a.h5 other/w.h5 res/sub/deep/z.h5 "
                                              "res/sub/y.h5 res/x.h5");
    /* The symlink to a directory is a match of its own, never entered. */
    assert_string_equal (walk ("res/*/*.h5", 0), "res/sub/y.h5");
    assert_string_equal (walk ("res/**", 0), "res/link res/sub/deep/z.h5 res/sub/deep/z.txt "
                                             "res/sub/y.h5 res/x.h5");
    assert_string_equal (walk ("res/**/z.*", 0), "res/sub/deep/z.h5 res/sub/deep/z.txt");
    assert_string_equal (walk ("res/*", 1), "res/link res/sub res/x.h5");
    assert_string_equal (walk ("res/sub/deep/z.[ht]?*", 0),
                         "res/sub/deep/z.h5 res/sub/deep/z.txt");
    assert_string_equal (walk ("[!.]*.h5", 0), "a.h5");
    assert_string_equal (walk ("*/*.txt", 0), "");
    assert_string_equal (walk ("nothere/*.h5", 0), "");
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
        cmocka_unit_test_setup_teardown (test_glob_walk, tree_setup, tree_teardown),
        cmocka_unit_test (test_glob_prefix),
        cmocka_unit_test (test_path_problem),
        cmocka_unit_test (test_under),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
