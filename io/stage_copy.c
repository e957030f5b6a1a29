/* stage_copy.c: fast file copies for staging (copy_file_range, sendfile, read/write), keeping holes. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/stage.h"
#include "io/stage_int.h"

enum { COPY_CFR = 0, COPY_SENDFILE = 1, COPY_RW = 2 };

/* The kernel says "not here" to a fast path with these; anything else is
 * a real I/O error that a slower path would only repeat. */
static int fallback_errno (int e)
{
    return e == EXDEV || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP;
}

static int copy_rw (int in, int out, off_t off, off_t end)
{
    size_t bufsize = 1 << 20;
    char *buf = malloc (bufsize);
    if (!buf)
        return -1;
    while (off < end) {
        size_t want = end - off < (off_t)bufsize ? (size_t)(end - off) : bufsize;
        ssize_t r = pread (in, buf, want, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;     /* the file shrank under us: copy what there is */
        for (ssize_t done = 0; done < r; ) {
            ssize_t w = pwrite (out, buf + done, r - done, off + done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                int saved = errno;
                free (buf);
                errno = saved;
                return -1;
            }
            done += w;
        }
        off += r;
    }
    free (buf);
    return 0;
}

/* Copy the byte range [off, end) of in to the same offsets in out, with
 * the fastest method that works; *how remembers it for the next range. */
static int copy_range (int in, int out, off_t off, off_t end, int *how)
{
    while (off < end && *how == COPY_CFR) {
        loff_t oi = off, oo = off;
        ssize_t r = copy_file_range (in, &oi, out, &oo, end - off, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && fallback_errno (errno))
            *how = COPY_SENDFILE;
        else if (r < 0)
            return -1;
        else if (r == 0)
            return 0;
        else
            off += r;
    }
    while (off < end && *how == COPY_SENDFILE) {
        off_t oi = off;
        if (lseek (out, off, SEEK_SET) < 0)
            return -1;
        ssize_t r = sendfile (out, in, &oi, end - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && fallback_errno (errno))
            *how = COPY_RW;
        else if (r < 0)
            return -1;
        else if (r == 0)
            return 0;
        else
            off += r;
    }
    if (off < end)
        return copy_rw (in, out, off, end);
    return 0;
}

int stage_copy_fd (int in, int out, off_t size)
{
    int how = COPY_CFR;
    off_t off = 0;
    /* Copy only the data extents: the gaps between them stay holes in the
     * destination, and ftruncate gives it its full length at the end. */
    while (off < size) {
        off_t data = lseek (in, off, SEEK_DATA);
        if (data < 0 && errno == ENXIO)
            break;     /* only a hole is left */
        off_t hole;
        if (data < 0) {
            /* No SEEK_DATA here: treat the rest as data. */
            data = off;
            hole = size;
        }
        else if ((hole = lseek (in, data, SEEK_HOLE)) < 0)
            hole = size;
        if (hole > size)
            hole = size;
        if (data >= size)
            break;
        if (copy_range (in, out, data, hole, &how) < 0)
            return -1;
        off = hole;
    }
    if (ftruncate (out, size) < 0)
        return -1;
    return 0;
}

int64_t stage_copy_file (const char *src, const char *dst, int mode)
{
    int in = -1, out = -1;
    struct stat sb;
    if ((in = open (src, O_RDONLY | O_CLOEXEC)) < 0)
        goto error;
    if (fstat (in, &sb) < 0)
        goto error;
    if (!S_ISREG (sb.st_mode)) {
        errno = S_ISDIR (sb.st_mode) ? EISDIR : EINVAL;
        goto error;
    }
    mode_t m = mode < 0 ? (sb.st_mode & 07777) : (mode_t)(mode & 07777);
    if ((out = open (dst, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
        goto error;
    /* fchmod, not the open mode: the umask must not change what the job
     * file asked for. */
    if (stage_copy_fd (in, out, sb.st_size) < 0 || fchmod (out, m) < 0)
        goto error;
    if (close (out) < 0) {
        out = -1;
        goto error;
    }
    close (in);
    return sb.st_size;
error:;
    int saved = errno;
    if (in >= 0)
        close (in);
    if (out >= 0)
        close (out);
    errno = saved;
    return -1;
}
