/* launch_wire.h: private to the launcher (launch.c, launch_wire.c,
 * launch_loop.c, attempt.c): the messages between the rank, the launcher
 * and the launcher's helpers. */
#ifndef MB_LAUNCH_WIRE_H
#define MB_LAUNCH_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "runtime/launcher/launch.h"

/* Rank <-> launcher: a stream of frames, each a u32 payload length then
 * the payload, whose first byte is the message type. */
enum {
    LWIRE_SUBMIT = 1,     /* rank -> launcher: a packed launch_req_t */
    LWIRE_INTERRUPT = 2,  /* rank -> launcher: u64 tag */
    LWIRE_RESULT = 3,     /* launcher -> rank: a packed launch_result_t */
};

/* Sanity cap on one frame, so a corrupt length cannot make us allocate
 * gigabytes. */
#define LWIRE_MAX_FRAME (64u << 20)

/* Helper -> launcher, over one pipe shared by all helpers: fixed size
 * records, each written with one write() smaller than PIPE_BUF so that
 * concurrent writers never interleave. */
typedef struct {
    pid_t from;         /* the helper */
    launch_result_t r;
} lsup_msg_t;

/* Append a SUBMIT / INTERRUPT / RESULT frame (length prefix included) to b.
 * 0 or -1 (ENOMEM, EINVAL for a count that does not fit). */
int lwire_pack_submit (buf_t *b, const launch_req_t *r);
int lwire_pack_interrupt (buf_t *b, uint64_t tag);
int lwire_pack_result (buf_t *b, const launch_result_t *res);

/* Length of the complete frame at p (prefix included), 0 when more bytes
 * are needed, -1 when the length is absurd. */
long lwire_frame_len (const char *p, size_t n);

/* Decode the payload of a SUBMIT frame (after the type byte).  Strings
 * point into the payload, which must outlive r; the arrays (envp, cpus,
 * inputs, outputs) are allocated together in *mem, which the caller frees.
 * 0 or -1 (EPROTO, ENOMEM). */
int lwire_unpack_submit (const char *p, size_t n, launch_req_t *r, void **mem);
int lwire_unpack_result (const char *p, size_t n, launch_result_t *res);

/* The tag of a SUBMIT or INTERRUPT payload (after the type byte). */
uint64_t lwire_payload_tag (const char *p, size_t n);

/* "90s", "10m", "1h30m", "1.5s": a duration, compactly, into buf. */
void lwire_fmt_duration (char *buf, size_t size, double seconds);

#endif
