/* fdio.c: whole reads and writes on a file descriptor, the one copy of the EINTR loops. */
#include <config.h>

#include <errno.h>
#include <unistd.h>

#include "io/fdio.h"

int fd_write_all (int fd, const void *p, size_t n, size_t *done)
{
    size_t zero = 0;
    if (!done)
        done = &zero;
    while (*done < n) {
        ssize_t rc = write (fd, (const char *)p + *done, n - *done);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        *done += (size_t)rc;
    }
    return 0;
}

int fd_read_all (int fd, void *p, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t rc = read (fd, (char *)p + *got, n - *got);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (rc == 0)
            break;
        *got += (size_t)rc;
    }
    return 0;
}
