/* buf.h: a growable byte buffer, and packing/unpacking of integers, doubles
 * and strings for messages between ranks, the launcher and the journal. */
#ifndef MB_BUF_H
#define MB_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A plain struct (not opaque) so buffers can live on the stack and be
 * reused: zero-initialise, then buf_free() at the end. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

/* Make room for `more` bytes.  0 or -1 (ENOMEM). */
int buf_reserve (buf_t *b, size_t more);
/* Append bytes / a NUL-terminated string (without its NUL) / formatted
 * text.  The buffer is kept NUL-terminated after data[len] for text use.
 * 0 or -1 (ENOMEM). */
int buf_add (buf_t *b, const void *p, size_t n);
int buf_adds (buf_t *b, const char *s);
int buf_printf (buf_t *b, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void buf_reset (buf_t *b);
void buf_free (buf_t *b);

/* Packing, little-endian host order (all ranks of a run share one
 * architecture).  Each returns 0 or -1 (ENOMEM).
 *
 * The one way strings travel, on every wire (ranks, launcher) and in the
 * journal: buf_pack_str packs a u32 length that counts the NUL, then the
 * bytes and their NUL, so a reader can use them in place (unpack_str)
 * without copying; NULL packs as the length 0xffffffff and stays distinct
 * from "".  -1 with EINVAL for a string of 4 GiB or more.  buf_pack_bytes
 * packs a u32 length and n bytes as they are (no NUL). */
int buf_pack_u8 (buf_t *b, uint8_t v);
int buf_pack_u32 (buf_t *b, uint32_t v);
int buf_pack_i32 (buf_t *b, int32_t v);
int buf_pack_u64 (buf_t *b, uint64_t v);
int buf_pack_i64 (buf_t *b, int64_t v);
int buf_pack_dbl (buf_t *b, double v);
int buf_pack_str (buf_t *b, const char *s);
int buf_pack_bytes (buf_t *b, const void *p, uint32_t n);

/* A read cursor over packed bytes.  Once a read runs past the end, `err`
 * is set and every later read returns zeros / NULL: check it once at the
 * end instead of after every field. */
typedef struct {
    const char *p;
    size_t left;
    int err;
} unpack_t;

void unpack_init (unpack_t *u, const void *p, size_t n);
uint8_t unpack_u8 (unpack_t *u);
uint32_t unpack_u32 (unpack_t *u);
int32_t unpack_i32 (unpack_t *u);
uint64_t unpack_u64 (unpack_t *u);
int64_t unpack_i64 (unpack_t *u);
double unpack_dbl (unpack_t *u);
/* Returns a pointer into the packed bytes (not NUL-terminated!) and its
 * length; NULL for a packed NULL. */
const char *unpack_bytes (unpack_t *u, uint32_t *len);
/* A string packed by buf_pack_str, in place: a pointer into the packed
 * bytes (valid while they are), NUL-terminated.  NULL for a packed NULL,
 * or on error (then u->err is set: too short, or no NUL at the end). */
const char *unpack_str (unpack_t *u);
/* The same as a malloc'd copy (caller frees); NULL for a packed NULL or on
 * error (then u->err is set, also for ENOMEM). */
char *unpack_strdup (unpack_t *u);

/* Hashes.  fnv1a64 over bytes; the _ci variant folds ASCII case, for ids
 * that must be unique ignoring case. */
uint64_t hash_fnv1a64 (const void *p, size_t n);
uint64_t hash_fnv1a64_ci (const char *s);
/* The digest of what defines a job or a task, kept in journals so resume
 * can tell what changed.  FNV-1a's step from another offset basis (until
 * 0.2 hash_fnv1a64 had it by mistake): journals written since 0.1 hold
 * digests made this way, so it must never change. */
uint64_t hash_digest64 (const void *p, size_t n);
/* CRC-32C (Castagnoli) of n bytes, continuing from crc (start with 0). */
uint32_t hash_crc32c (uint32_t crc, const void *p, size_t n);

/* Framed records, the one format of the journal, the pool's accepted.jnl
 * and the log spool: a u32 payload length, the u32 crc32c of the payload,
 * then the payload.  buf_frame_begin reserves a header at the end of b and
 * sets *start to where it is; pack the payload after it, then
 * buf_frame_end fills the header in.  Both 0 or -1: ENOMEM, or EINVAL
 * when the payload is empty or longer than max (b is then cut back to
 * *start, as it was before the frame). */
#define FRAME_HDR 8
int buf_frame_begin (buf_t *b, size_t *start);
int buf_frame_end (buf_t *b, size_t start, size_t max);
/* Look at the frame at p[0..n): its whole size (header and payload, the
 * payload at p + FRAME_HDR) when it is there and its checksum holds; 0
 * when more bytes are needed to tell (*need is then how many in all, so a
 * header alone gives the frame's size); -1 when it is corrupt (an empty
 * payload, one longer than max, or a wrong checksum). */
long frame_check (const void *p, size_t n, size_t max, size_t *need);

#endif
