/* fdio.h: whole reads and writes on a file descriptor, retrying on EINTR,
 * for the journal, the pool directory and the log spool. */
#ifndef MB_FDIO_H
#define MB_FDIO_H

#include <stddef.h>

/* Write p[*done..n) to fd, adding to *done what was written, so a caller
 * can finish an interrupted write later (done may be NULL: start at 0).
 * 0 when all n bytes are written, else -1 with errno. */
int fd_write_all (int fd, const void *p, size_t n, size_t *done);

/* Read up to n bytes into p; *got is how many (short only at end of
 * file).  0, or -1 with errno (*got then says what was read before). */
int fd_read_all (int fd, void *p, size_t n, size_t *got);

#endif
