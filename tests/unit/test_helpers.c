/* test_helpers.c: the small helpers of common/: the clock, the error-list
 * printer and the one way strings are packed (buf_pack_str / unpack_str). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"

/* ------------------------------------------------------------------ */
/* The clock                                                           */

static void test_clock_real (void **state)
{
    (void)state;
    time_t before = time (NULL);
    double t = mb_clock_real ();
    time_t after = time (NULL);
    assert_true (t >= (double)before && t < (double)after + 1.0);
}

static void test_clock_mono (void **state)
{
    (void)state;
    double a = mb_clock_mono ();
    struct timespec nap = { 0, 20 * 1000 * 1000 };
    nanosleep (&nap, NULL);
    double b = mb_clock_mono ();
    assert_true (b - a >= 0.019);
    assert_true (b - a < 5.0);
    /* Sub-second resolution: two reads a moment apart differ. */
    double c = mb_clock_mono ();
    while (mb_clock_mono () == c)
        ;
    assert_true (mb_clock_mono () > c);
}

/* ------------------------------------------------------------------ */
/* The error-list printer                                              */

static char *printed (const errlist_t *el, const char *file, int errnum)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    assert_non_null (f);
    errlist_print (el, f, file, errnum);
    assert_int_equal (fclose (f), 0);
    return out;
}

static void test_errlist_print (void **state)
{
    (void)state;
    errlist_t *el = errlist_create (2);
    assert_non_null (el);
    errlist_add (el, "job.cfg", 3, "unknown key '%s'", "comand");
    char *s = printed (el, "job.cfg", 0);
    assert_string_equal (s, "job.cfg:3: unknown key 'comand'\n1 error\n");
    free (s);
    errlist_add (el, "job.cfg", 0, "missing required key 'id'");
    errlist_add (el, "inc.cfg", 7, "dropped past the cap");
    errlist_add (el, NULL, 0, "dropped too");
    s = printed (el, "job.cfg", 0);
    assert_string_equal (s, "job.cfg:3: unknown key 'comand'\n"
                            "job.cfg: missing required key 'id'\n"
                            "... and 2 more errors\n"
                            "4 errors\n");
    free (s);
    errlist_destroy (el);

    el = errlist_create (1);
    errlist_add (el, "a.cfg", 1, "one");
    errlist_add (el, "a.cfg", 2, "two");
    s = printed (el, "a.cfg", 0);
    assert_string_equal (s, "a.cfg:1: one\n... and 1 more error\n2 errors\n");
    free (s);
    errlist_destroy (el);
}

/* An empty list: the load failed for a reason of the system. */
static void test_errlist_print_empty (void **state)
{
    (void)state;
    errlist_t *el = errlist_create (5);
    char *s = printed (el, "job.cfg", ENOENT);
    char want[256];
    snprintf (want, sizeof (want), "job.cfg: cannot load: %s\n", strerror (ENOENT));
    assert_string_equal (s, want);
    free (s);
    errlist_destroy (el);
    /* No list at all (errlist_create failed): the same. */
    s = printed (NULL, "job.cfg", ENOMEM);
    snprintf (want, sizeof (want), "job.cfg: cannot load: %s\n", strerror (ENOMEM));
    assert_string_equal (s, want);
    free (s);
}

/* ------------------------------------------------------------------ */
/* Packing strings                                                     */

static void test_pack_str_layout (void **state)
{
    (void)state;
    buf_t b = { 0 };
    assert_int_equal (buf_pack_str (&b, "ab"), 0);
    assert_int_equal (buf_pack_str (&b, ""), 0);
    assert_int_equal (buf_pack_str (&b, NULL), 0);
    /* u32 length counting the NUL, the bytes, the NUL; NULL is ~0. */
    static const unsigned char want[] = {
        3, 0, 0, 0, 'a', 'b', 0,
        1, 0, 0, 0, 0,
        0xff, 0xff, 0xff, 0xff,
    };
    assert_int_equal (b.len, sizeof (want));
    assert_memory_equal (b.data, want, sizeof (want));
    buf_free (&b);
}

static void test_pack_str_roundtrip (void **state)
{
    (void)state;
    buf_t b = { 0 };
    const char *in[] = { "task-001", "", NULL, "gr\xc3\xbc\xc3\x9f\n\t\"x\"", "z" };
    for (size_t i = 0; i < sizeof (in) / sizeof (in[0]); i++)
        assert_int_equal (buf_pack_str (&b, in[i]), 0);
    assert_int_equal (buf_pack_u32 (&b, 42), 0);

    unpack_t u;
    unpack_init (&u, b.data, b.len);
    for (size_t i = 0; i < sizeof (in) / sizeof (in[0]); i++) {
        const char *s = unpack_str (&u);
        if (in[i]) {
            assert_non_null (s);
            assert_string_equal (s, in[i]);
            /* In place: a pointer into the packed bytes. */
            assert_true (s > b.data && s < b.data + b.len);
        }
        else
            assert_null (s);
    }
    assert_int_equal (unpack_u32 (&u), 42);
    assert_int_equal (u.err, 0);
    assert_int_equal (u.left, 0);

    /* The same bytes read as copies. */
    unpack_init (&u, b.data, b.len);
    for (size_t i = 0; i < sizeof (in) / sizeof (in[0]); i++) {
        char *s = unpack_strdup (&u);
        if (in[i]) {
            assert_non_null (s);
            assert_string_equal (s, in[i]);
            assert_true (s < b.data || s >= b.data + b.len);
        }
        else
            assert_null (s);
        free (s);
    }
    assert_int_equal (u.err, 0);
    buf_free (&b);
}

/* Bytes that are not a packed string set the error, never read past. */
static void test_unpack_str_bad (void **state)
{
    (void)state;
    buf_t b = { 0 };
    /* A length of 0 (no room even for the NUL). */
    buf_pack_u32 (&b, 0);
    unpack_t u;
    unpack_init (&u, b.data, b.len);
    assert_null (unpack_str (&u));
    assert_int_equal (u.err, 1);

    /* No NUL at the end: bytes packed without it. */
    buf_reset (&b);
    buf_pack_bytes (&b, "abc", 3);
    unpack_init (&u, b.data, b.len);
    assert_null (unpack_strdup (&u));
    assert_int_equal (u.err, 1);

    /* Cut short: the length says more than there is. */
    buf_reset (&b);
    buf_pack_str (&b, "hello");
    unpack_init (&u, b.data, b.len - 2);
    assert_null (unpack_str (&u));
    assert_int_equal (u.err, 1);
    /* Once in error, every later read gives nothing. */
    assert_null (unpack_str (&u));
    assert_int_equal (unpack_u32 (&u), 0);

    /* Too short even for the length. */
    unpack_init (&u, b.data, 3);
    assert_null (unpack_str (&u));
    assert_int_equal (u.err, 1);
    buf_free (&b);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_clock_real),
        cmocka_unit_test (test_clock_mono),
        cmocka_unit_test (test_errlist_print),
        cmocka_unit_test (test_errlist_print_empty),
        cmocka_unit_test (test_pack_str_layout),
        cmocka_unit_test (test_pack_str_roundtrip),
        cmocka_unit_test (test_unpack_str_bad),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
