/* buf.c: growable buffers, packing for messages and records, hashes. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int buf_reserve (buf_t *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc (b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_add (buf_t *b, const void *p, size_t n)
{
    if (buf_reserve (b, n) < 0)
        return -1;
    if (n)
        memcpy (b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_adds (buf_t *b, const char *s)
{
    return buf_add (b, s, strlen (s));
}

int buf_printf (buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (NULL, 0, fmt, ap);
    va_end (ap);
    if (n < 0 || buf_reserve (b, (size_t)n) < 0)
        return -1;
    va_start (ap, fmt);
    vsnprintf (b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end (ap);
    b->len += (size_t)n;
    return 0;
}

void buf_reset (buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void buf_free (buf_t *b)
{
    if (b) {
        free (b->data);
        b->data = NULL;
        b->len = b->cap = 0;
    }
}

int buf_pack_u8 (buf_t *b, uint8_t v) { return buf_add (b, &v, 1); }
int buf_pack_u32 (buf_t *b, uint32_t v) { return buf_add (b, &v, 4); }
int buf_pack_i32 (buf_t *b, int32_t v) { return buf_add (b, &v, 4); }
int buf_pack_u64 (buf_t *b, uint64_t v) { return buf_add (b, &v, 8); }
int buf_pack_i64 (buf_t *b, int64_t v) { return buf_add (b, &v, 8); }
int buf_pack_dbl (buf_t *b, double v) { return buf_add (b, &v, 8); }

int buf_pack_bytes (buf_t *b, const void *p, uint32_t n)
{
    if (buf_pack_u32 (b, n) < 0)
        return -1;
    return buf_add (b, p, n);
}

int buf_pack_str (buf_t *b, const char *s)
{
    if (!s)
        return buf_pack_u32 (b, 0xffffffffu);
    size_t n = strlen (s) + 1;
    if (n >= 0xffffffffu) {
        errno = EINVAL;
        return -1;
    }
    return buf_pack_bytes (b, s, (uint32_t)n);
}

void unpack_init (unpack_t *u, const void *p, size_t n)
{
    u->p = p;
    u->left = n;
    u->err = 0;
}

static int take (unpack_t *u, void *dst, size_t n)
{
    if (u->err || u->left < n) {
        u->err = 1;
        memset (dst, 0, n);
        return -1;
    }
    memcpy (dst, u->p, n);
    u->p += n;
    u->left -= n;
    return 0;
}

uint8_t unpack_u8 (unpack_t *u) { uint8_t v; take (u, &v, 1); return v; }
uint32_t unpack_u32 (unpack_t *u) { uint32_t v; take (u, &v, 4); return v; }
int32_t unpack_i32 (unpack_t *u) { int32_t v; take (u, &v, 4); return v; }
uint64_t unpack_u64 (unpack_t *u) { uint64_t v; take (u, &v, 8); return v; }
int64_t unpack_i64 (unpack_t *u) { int64_t v; take (u, &v, 8); return v; }
double unpack_dbl (unpack_t *u) { double v; take (u, &v, 8); return v; }

const char *unpack_bytes (unpack_t *u, uint32_t *len)
{
    uint32_t n = unpack_u32 (u);
    *len = 0;
    if (u->err || n == 0xffffffffu)
        return NULL;
    if (u->left < n) {
        u->err = 1;
        return NULL;
    }
    const char *p = u->p;
    u->p += n;
    u->left -= n;
    *len = n;
    return p;
}

const char *unpack_str (unpack_t *u)
{
    uint32_t n;
    const char *p = unpack_bytes (u, &n);
    if (!p)
        return NULL;    /* a packed NULL, or u->err already set */
    if (n == 0 || p[n - 1] != '\0') {
        u->err = 1;
        return NULL;
    }
    return p;
}

char *unpack_strdup (unpack_t *u)
{
    const char *p = unpack_str (u);
    if (!p)
        return NULL;
    char *s = strdup (p);
    if (!s)
        u->err = 1;
    return s;
}

/* FNV-1a's step over n bytes from the hash h. */
static uint64_t fnv1a_step (uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t hash_fnv1a64 (const void *p, size_t n)
{
    return fnv1a_step (14695981039346656037ULL, p, n);
}

uint64_t hash_digest64 (const void *p, size_t n)
{
    return fnv1a_step (1469598103934665603ULL, p, n);
}

uint64_t hash_fnv1a64_ci (const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init (void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
    crc_ready = 1;
}

uint32_t hash_crc32c (uint32_t crc, const void *p, size_t n)
{
    const unsigned char *s = p;
    if (!crc_ready)
        crc_init ();
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ s[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int buf_frame_begin (buf_t *b, size_t *start)
{
    static const char zero[FRAME_HDR];
    *start = b->len;
    return buf_add (b, zero, FRAME_HDR);
}

int buf_frame_end (buf_t *b, size_t start, size_t max)
{
    size_t n = b->len - start - FRAME_HDR;
    if (n == 0 || n > max || n > UINT32_MAX) {
        b->len = start;
        if (b->data)
            b->data[start] = '\0';
        errno = EINVAL;
        return -1;
    }
    uint32_t len = (uint32_t)n;
    uint32_t crc = hash_crc32c (0, b->data + start + FRAME_HDR, n);
    memcpy (b->data + start, &len, 4);
    memcpy (b->data + start + 4, &crc, 4);
    return 0;
}

long frame_check (const void *p, size_t n, size_t max, size_t *need)
{
    const char *c = p;
    uint32_t len, crc;
    if (n < FRAME_HDR) {
        *need = FRAME_HDR;
        return 0;
    }
    memcpy (&len, c, 4);
    memcpy (&crc, c + 4, 4);
    if (len == 0 || len > max)
        return -1;
    if (n - FRAME_HDR < len) {
        *need = FRAME_HDR + (size_t)len;
        return 0;
    }
    if (hash_crc32c (0, c + FRAME_HDR, len) != crc)
        return -1;
    return (long)(FRAME_HDR + len);
}
