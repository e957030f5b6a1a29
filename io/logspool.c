/* logspool.c: the single append-only file of task logs for logs = "report". */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "io/fdio.h"
#include "io/logspool.h"

/* Entry: a frame (common/buf.h) of the packed task id, attempt, stream
 * and data. */
int logspool_append (int fd, const char *task, int attempt, int stream,
                     const void *data, size_t len)
{
    buf_t b = { 0 };
    int rc = -1;
    if (len > 0x7fffffffu) {
        errno = EFBIG;
        return -1;
    }
    size_t start;
    int bad = buf_frame_begin (&b, &start);
    bad |= buf_pack_str (&b, task);
    bad |= buf_pack_i32 (&b, attempt);
    bad |= buf_pack_i32 (&b, stream);
    bad |= buf_pack_bytes (&b, data, (uint32_t)len);
    if (bad || buf_frame_end (&b, start, UINT32_MAX) < 0)
        goto out;
    /* One write with O_APPEND: entries never interleave. */
    if (fd_write_all (fd, b.data, b.len, NULL) < 0)
        goto out;
    rc = 0;
out:
    buf_free (&b);
    return rc;
}

int logspool_read (const char *path, logspool_cb_f cb, void *arg)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    buf_t b = { 0 };
    int rc = -1;
    char tmp[65536];
    for (;;) {
        ssize_t n = read (fd, tmp, sizeof (tmp));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto out;
        }
        if (n == 0)
            break;
        if (buf_add (&b, tmp, (size_t)n) < 0)
            goto out;
    }
    size_t off = 0;
    size_t need;
    long whole;
    while (b.data && (whole = frame_check (b.data + off, b.len - off, UINT32_MAX, &need)) > 0) {
        unpack_t u;
        unpack_init (&u, b.data + off + FRAME_HDR, (size_t)whole - FRAME_HDR);
        uint32_t tl, dl;
        const char *t = unpack_bytes (&u, &tl);
        int attempt = unpack_i32 (&u);
        int stream = unpack_i32 (&u);
        const char *d = unpack_bytes (&u, &dl);
        if (u.err || !t)
            break;
        /* buf_pack_str counts the id's NUL; %.* stops at it (and reads
         * a spool from before, whose ids had none, the same). */
        char id[128];
        snprintf (id, sizeof (id), "%.*s", (int)(tl < 127 ? tl : 127), t);
        if (cb (id, attempt, stream, d ? d : "", d ? dl : 0, arg))
            break;
        off += (size_t)whole;
    }
    rc = 0;
out:
    buf_free (&b);
    close (fd);
    return rc;
}
