/* test_common.c: common/: buffers and packing, hashes against published vectors, error text. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"

/* Appending byte by byte, in chunks and by printf grows the buffer and
 * keeps every byte in order, NUL-terminated after len. */
static void test_buf_growth (void **state)
{
    (void)state;
    buf_t b = { 0 };
    for (int i = 0; i < 5000; i++) {
        char c = (char)('a' + i % 26);
        assert_int_equal (buf_add (&b, &c, 1), 0);
        assert_int_equal (b.len, (size_t)i + 1);
        assert_true (b.cap > b.len);
        assert_int_equal (b.data[b.len], '\0');
    }
    for (int i = 0; i < 5000; i++)
        assert_int_equal (b.data[i], 'a' + i % 26);
    size_t cap = b.cap;
    buf_reset (&b);
    assert_int_equal (b.len, 0);
    assert_int_equal (b.cap, cap);   /* the memory is kept for reuse */
    assert_string_equal (b.data, "");
    buf_free (&b);
    assert_null (b.data);
    assert_int_equal (b.len, 0);
    assert_int_equal (b.cap, 0);
    buf_free (&b);                  /* twice is harmless */
    buf_free (NULL);
}

static void test_buf_edges (void **state)
{
    (void)state;
    buf_t b = { 0 };
    /* An empty append still makes a NUL-terminated (empty) text. */
    assert_int_equal (buf_add (&b, NULL, 0), 0);
    assert_non_null (b.data);
    assert_int_equal (b.len, 0);
    assert_string_equal (b.data, "");
    assert_int_equal (buf_adds (&b, ""), 0);
    assert_int_equal (b.len, 0);
    /* Exactly filling the capacity: the NUL still needs a byte. */
    size_t room = b.cap - 1;
    char *fill = malloc (room);
    memset (fill, 'x', room);
    assert_int_equal (buf_add (&b, fill, room), 0);
    assert_int_equal (b.len, room);
    assert_true (b.cap > b.len);
    assert_int_equal (b.data[room], '\0');
    assert_int_equal (buf_adds (&b, "y"), 0);
    assert_int_equal (b.len, room + 1);
    assert_int_equal (b.data[room], 'y');
    assert_int_equal (b.data[room + 1], '\0');
    free (fill);
    buf_free (&b);

    /* buf_reserve leaves len alone and makes room for more + NUL. */
    assert_int_equal (buf_reserve (&b, 1000), 0);
    assert_int_equal (b.len, 0);
    assert_true (b.cap >= 1001);
    buf_free (&b);

    /* Reset on a never-used buffer is allowed. */
    buf_reset (&b);
    assert_null (b.data);
}

static void test_buf_printf (void **state)
{
    (void)state;
    buf_t b = { 0 };
    assert_int_equal (buf_printf (&b, "%d-%s", 42, "x"), 0);
    assert_string_equal (b.data, "42-x");
    assert_int_equal (b.len, 4);
    /* A formatted text longer than the whole current capacity. */
    char big[3000];
    memset (big, 'q', sizeof (big) - 1);
    big[sizeof (big) - 1] = '\0';
    assert_int_equal (buf_printf (&b, "[%s]", big), 0);
    assert_int_equal (b.len, 4 + 2 + sizeof (big) - 1);
    assert_int_equal (strncmp (b.data, "42-x[qqq", 8), 0);
    assert_int_equal (b.data[b.len - 1], ']');
    assert_int_equal (b.data[b.len], '\0');
    assert_int_equal (strlen (b.data), b.len);
    /* Empty format: nothing added. */
    size_t len = b.len;
    assert_int_equal (buf_printf (&b, "%s", ""), 0);
    assert_int_equal (b.len, len);
    /* printf after plain adds continues where they stopped. */
    buf_reset (&b);
    buf_adds (&b, "ab");
    buf_printf (&b, "%c", 'c');
    buf_adds (&b, "d");
    assert_string_equal (b.data, "abcd");
    buf_free (&b);
}

/* Every packer and its unpacker, at the edges of each type. */
static void test_pack_roundtrip (void **state)
{
    (void)state;
    buf_t b = { 0 };
    buf_pack_u8 (&b, 0);
    buf_pack_u8 (&b, 255);
    buf_pack_u32 (&b, 0);
    buf_pack_u32 (&b, UINT32_MAX);
    buf_pack_i32 (&b, INT32_MIN);
    buf_pack_i32 (&b, INT32_MAX);
    buf_pack_i32 (&b, -1);
    buf_pack_u64 (&b, UINT64_MAX);
    buf_pack_i64 (&b, INT64_MIN);
    buf_pack_i64 (&b, INT64_MAX);
    buf_pack_dbl (&b, -0.0);
    buf_pack_dbl (&b, 1e308);
    buf_pack_dbl (&b, 5e-324);
    buf_pack_str (&b, "");
    buf_pack_str (&b, NULL);
    buf_pack_str (&b, "hello");
    buf_pack_bytes (&b, "a\0b", 3);
    assert_int_equal (b.len, 1 + 1 + 4 * 5 + 8 * 6 + 5 + 4 + 10 + 7);  /* strings keep their NUL */

    unpack_t u;
    unpack_init (&u, b.data, b.len);
    assert_int_equal (unpack_u8 (&u), 0);
    assert_int_equal (unpack_u8 (&u), 255);
    assert_int_equal (unpack_u32 (&u), 0);
    assert_int_equal (unpack_u32 (&u), UINT32_MAX);
    assert_int_equal (unpack_i32 (&u), INT32_MIN);
    assert_int_equal (unpack_i32 (&u), INT32_MAX);
    assert_int_equal (unpack_i32 (&u), -1);
    assert_true (unpack_u64 (&u) == UINT64_MAX);
    assert_true (unpack_i64 (&u) == INT64_MIN);
    assert_true (unpack_i64 (&u) == INT64_MAX);
    double z = unpack_dbl (&u);
    assert_true (z == 0.0 && 1 / z < 0);   /* the sign of -0.0 survives */
    assert_true (unpack_dbl (&u) == 1e308);
    assert_true (unpack_dbl (&u) == 5e-324);
    char *s = unpack_strdup (&u);
    assert_non_null (s);               /* "" is not NULL */
    assert_string_equal (s, "");
    free (s);
    assert_null (unpack_strdup (&u));  /* NULL stays NULL ... */
    assert_int_equal (u.err, 0);       /* ... and is not an error */
    s = unpack_strdup (&u);
    assert_string_equal (s, "hello");
    free (s);
    uint32_t len = 99;
    const char *p = unpack_bytes (&u, &len);
    assert_int_equal (len, 3);
    assert_memory_equal (p, "a\0b", 3);
    assert_int_equal (u.left, 0);
    assert_int_equal (u.err, 0);
    /* One read too many: error, zero, and it sticks. */
    assert_int_equal (unpack_u8 (&u), 0);
    assert_int_equal (u.err, 1);
    buf_free (&b);
}

/* A read that runs past the end sets err, returns zeros, and every later
 * read (even one that would fit) returns zeros too. */
static void test_unpack_short (void **state)
{
    (void)state;
    unsigned char raw[16];
    memset (raw, 0xab, sizeof (raw));
    unpack_t u;
    unpack_init (&u, raw, 3);
    assert_int_equal (unpack_u32 (&u), 0);
    assert_int_equal (u.err, 1);
    assert_int_equal (unpack_u8 (&u), 0);
    assert_int_equal (u.left, 3);   /* nothing consumed by a failed read */

    /* A string whose length says more than is there. */
    buf_t b = { 0 };
    buf_pack_u32 (&b, 10);
    buf_add (&b, "abc", 3);
    unpack_init (&u, b.data, b.len);
    uint32_t len = 7;
    assert_null (unpack_bytes (&u, &len));
    assert_int_equal (len, 0);
    assert_int_equal (u.err, 1);
    unpack_init (&u, b.data, b.len);
    assert_null (unpack_strdup (&u));
    assert_int_equal (u.err, 1);

    /* The largest length that is not NULL, with 3 bytes behind it. */
    buf_reset (&b);
    buf_pack_u32 (&b, 0xfffffffeu);
    buf_add (&b, "abc", 3);
    unpack_init (&u, b.data, b.len);
    assert_null (unpack_strdup (&u));
    assert_int_equal (u.err, 1);

    /* Every truncation of a packed string is an error. */
    buf_reset (&b);
    buf_pack_str (&b, "truncate me");
    for (size_t n = 0; n < b.len; n++) {
        char *copy = malloc (n ? n : 1);
        memcpy (copy, b.data, n);
        unpack_init (&u, copy, n);
        assert_null (unpack_strdup (&u));
        assert_int_equal (u.err, 1);
        free (copy);
    }
    buf_free (&b);
}

/* FNV-1a 64 against the values of its reference test suite. */
static void test_fnv1a (void **state)
{
    (void)state;
    assert_true (hash_fnv1a64 ("", 0) == 0xcbf29ce484222325ULL);
    assert_true (hash_fnv1a64 ("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true (hash_fnv1a64 ("foobar", 6) == 0x85944171f73967e8ULL);
    /* Bytes after a NUL count: the length decides, not the text. */
    assert_true (hash_fnv1a64 ("a\0b", 3) != hash_fnv1a64 ("a", 1));
    /* The journal digest: FNV-1a's step from the offset basis 0.1 used
     * (values from an independent implementation). */
    assert_true (hash_digest64 ("", 0) == 0x14650fb0739d0383ULL);
    assert_true (hash_digest64 ("a", 1) == 0x44bd8ad473cd9906ULL);
    assert_true (hash_digest64 ("foobar", 6) == 0x88fad7c0a8ff07f2ULL);
    /* The case-folding variant: the same as the plain hash of the
     * lower-case text, for ASCII letters only. */
    assert_true (hash_fnv1a64_ci ("") == 0xcbf29ce484222325ULL);
    assert_true (hash_fnv1a64_ci ("A") == 0xaf63dc4c8601ec8cULL);
    assert_true (hash_fnv1a64_ci ("FooBAR") == 0x85944171f73967e8ULL);
    const char *mixed = "Task-@[`{Zz09_";
    const char *lower = "task-@[`{zz09_";
    assert_true (hash_fnv1a64_ci (mixed) == hash_fnv1a64 (lower, strlen (lower)));
    /* '@' '[' '`' '{' sit next to the letters and are not folded. */
    assert_true (hash_fnv1a64_ci ("@") != hash_fnv1a64_ci ("`"));
    assert_true (hash_fnv1a64_ci ("[") != hash_fnv1a64_ci ("{"));
    /* Latin-1 / UTF-8 bytes are not letters here. */
    assert_true (hash_fnv1a64_ci ("\xc4") != hash_fnv1a64_ci ("\xe4"));
    assert_true (hash_fnv1a64_ci ("\xc4") == hash_fnv1a64 ("\xc4", 1));
}

/* CRC-32C (Castagnoli): the catalogue check value and the iSCSI test
 * vectors of RFC 3720, one-shot and in pieces. */
static void test_crc32c (void **state)
{
    (void)state;
    assert_true (hash_crc32c (0, "123456789", 9) == 0xE3069283u);
    assert_true (hash_crc32c (0, "", 0) == 0);
    unsigned char v[32];
    memset (v, 0, sizeof (v));
    assert_true (hash_crc32c (0, v, 32) == 0x8A9136AAu);
    memset (v, 0xff, sizeof (v));
    assert_true (hash_crc32c (0, v, 32) == 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        v[i] = (unsigned char)i;
    assert_true (hash_crc32c (0, v, 32) == 0x46DD794Eu);
    for (int i = 0; i < 32; i++)
        v[i] = (unsigned char)(31 - i);
    assert_true (hash_crc32c (0, v, 32) == 0x113FDB5Cu);

    /* Incremental: any split, and byte by byte, equals one shot. */
    char text[1000];
    for (size_t i = 0; i < sizeof (text); i++)
        text[i] = (char)(i * 7 + 3);
    uint32_t whole = hash_crc32c (0, text, sizeof (text));
    for (size_t cut = 0; cut <= sizeof (text); cut += 37) {
        uint32_t c = hash_crc32c (0, text, cut);
        c = hash_crc32c (c, text + cut, sizeof (text) - cut);
        assert_true (c == whole);
    }
    uint32_t c = 0;
    for (size_t i = 0; i < sizeof (text); i++)
        c = hash_crc32c (c, text + i, 1);
    assert_true (c == whole);
    c = hash_crc32c (0, "1234", 4);
    c = hash_crc32c (c, "", 0);
    c = hash_crc32c (c, "56789", 5);
    assert_true (c == 0xE3069283u);
    /* One flipped bit changes it. */
    text[500] ^= 1;
    assert_true (hash_crc32c (0, text, sizeof (text)) != whole);
}

static void test_errprintf (void **state)
{
    (void)state;
    mb_error_t err = { "" };
    errno = ENOENT;
    assert_int_equal (errprintf (&err, "%s:%d: unknown key '%s'", "job.cfg", 3, "x"), -1);
    assert_int_equal (errno, ENOENT);   /* kept for the caller */
    assert_string_equal (err.text, "job.cfg:3: unknown key 'x'");
    /* No error struct: still -1, errno kept. */
    errno = EINVAL;
    assert_int_equal (errprintf (NULL, "%s", "ignored"), -1);
    assert_int_equal (errno, EINVAL);
    /* A message longer than the struct is cut, NUL-terminated, no overrun. */
    struct {
        mb_error_t e;
        char guard[16];
    } g;
    memset (&g, 0x5a, sizeof (g));
    char *lng = malloc (5000);
    memset (lng, 'L', 4999);
    lng[4999] = '\0';
    errprintf (&g.e, "head %s tail", lng);
    assert_int_equal (strlen (g.e.text), sizeof (g.e.text) - 1);
    assert_int_equal (strncmp (g.e.text, "head LLL", 8), 0);
    assert_int_equal (g.e.text[sizeof (g.e.text) - 2], 'L');
    for (size_t i = 0; i < sizeof (g.guard); i++)
        assert_int_equal ((unsigned char)g.guard[i], 0x5a);
    free (lng);
}

static void test_errlist (void **state)
{
    (void)state;
    errlist_t *el = errlist_create (3);
    assert_non_null (el);
    assert_int_equal (errlist_count (el), 0);
    assert_int_equal (errlist_full (el), 0);
    errno = EACCES;
    assert_int_equal (errlist_add (el, "a.cfg", 7, "bad %s", "key"), -1);
    assert_int_equal (errno, EACCES);
    errlist_add (el, "a.cfg", 0, "no line");
    errlist_add (el, NULL, 5, "no file");
    assert_int_equal (errlist_full (el), 1);
    errlist_add (el, "a.cfg", 9, "dropped");
    errlist_add (el, "a.cfg", 10, "dropped too");
    assert_int_equal (errlist_count (el), 5);
    assert_int_equal (errlist_kept (el), 3);
    assert_string_equal (errlist_get (el, 0), "a.cfg:7: bad key");
    assert_string_equal (errlist_get (el, 1), "a.cfg: no line");
    assert_string_equal (errlist_get (el, 2), "no file");
    assert_null (errlist_get (el, 3));
    assert_null (errlist_get (el, -1));
    errlist_destroy (el);

    /* A long message is cut (at 2047 bytes), the prefix kept. */
    el = errlist_create (0);    /* a cap below 1 keeps one */
    char *lng = malloc (10000);
    memset (lng, 'M', 9999);
    lng[9999] = '\0';
    errlist_add (el, "f", 1, "%s", lng);
    const char *m = errlist_get (el, 0);
    assert_non_null (m);
    assert_int_equal (strlen (m), strlen ("f:1: ") + 2047);
    assert_int_equal (strncmp (m, "f:1: MMM", 8), 0);
    errlist_add (el, "f", 2, "second");
    assert_int_equal (errlist_kept (el), 1);
    assert_int_equal (errlist_count (el), 2);
    free (lng);
    errlist_destroy (el);

    /* NULL list: every call is safe. */
    assert_int_equal (errlist_add (NULL, "f", 1, "x"), -1);
    assert_int_equal (errlist_count (NULL), 0);
    assert_int_equal (errlist_kept (NULL), 0);
    assert_null (errlist_get (NULL, 0));
    assert_int_equal (errlist_full (NULL), 0);
    errlist_destroy (NULL);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_buf_growth),
        cmocka_unit_test (test_buf_edges),
        cmocka_unit_test (test_buf_printf),
        cmocka_unit_test (test_pack_roundtrip),
        cmocka_unit_test (test_unpack_short),
        cmocka_unit_test (test_fnv1a),
        cmocka_unit_test (test_crc32c),
        cmocka_unit_test (test_errprintf),
        cmocka_unit_test (test_errlist),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
