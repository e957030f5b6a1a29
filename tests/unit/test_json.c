/* test_json.c: the one JSON string writer (common/json.c), plain and for HTML. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

/* What the writer makes of s; the caller frees the result. */
static char *written (const char *s, int html)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    assert_non_null (f);
    if (html)
        json_put_string_html (f, s);
    else
        json_put_string (f, s);
    assert_int_equal (fclose (f), 0);
    assert_int_equal (strlen (out), len);
    return out;
}

static void expect (const char *s, int html, const char *want)
{
    char *got = written (s, html);
    assert_string_equal (got, want);
    free (got);
}

static void test_plain (void **state)
{
    (void)state;
    expect ("", 0, "\"\"");
    expect ("hello world", 0, "\"hello world\"");
    expect ("a\"b\\c", 0, "\"a\\\"b\\\\c\"");
    expect ("/x/y", 0, "\"/x/y\"");
}

static void test_null (void **state)
{
    (void)state;
    expect (NULL, 0, "null");
    expect (NULL, 1, "null");
}

static void test_control (void **state)
{
    (void)state;
    expect ("\n\t\r\b\f", 0, "\"\\n\\t\\r\\b\\f\"");
    expect ("a\x01z\x1f", 0, "\"a\\u0001z\\u001f\"");
    expect ("\x7f", 0, "\"\x7f\"");   /* DEL is not a control character to JSON */
}

static void test_utf8 (void **state)
{
    (void)state;
    /* Multi-byte UTF-8 passes through byte for byte. */
    expect ("gr\xc3\xbc\xc3\x9f \xe2\x82\xac", 0, "\"gr\xc3\xbc\xc3\x9f \xe2\x82\xac\"");
    expect ("\xe2\x82\xac", 1, "\"\xe2\x82\xac\"");
}

static void test_html (void **state)
{
    (void)state;
    /* Outside HTML the markup characters are plain. */
    expect ("</script><!-- & -->", 0, "\"</script><!-- & -->\"");
    /* Inside a <script> element none of them survive as themselves. */
    char *got = written ("</script><!-- & -->", 1);
    assert_null (strchr (got, '<'));
    assert_null (strchr (got, '>'));
    assert_null (strchr (got, '&'));
    assert_string_equal (got, "\"\\u003c/script\\u003e\\u003c!-- \\u0026 --\\u003e\"");
    free (got);
    /* The rest is escaped exactly as in plain JSON. */
    expect ("a\"\\\n\x02", 1, "\"a\\\"\\\\\\n\\u0002\"");
}

static void test_number (void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    assert_non_null (f);
    json_put_number (f, "%.3f", 1.5);
    fputc (' ', f);
    json_put_number (f, "%.17g", NAN);
    fputc (' ', f);
    json_put_number (f, "%.17g", -INFINITY);
    fputc (' ', f);
    json_put_number (f, "%.17g", 0.1);
    fclose (f);
    assert_string_equal (out, "1.500 null null 0.10000000000000001");
    free (out);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_plain),
        cmocka_unit_test (test_null),
        cmocka_unit_test (test_control),
        cmocka_unit_test (test_utf8),
        cmocka_unit_test (test_html),
        cmocka_unit_test (test_number),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
