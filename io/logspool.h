/* logspool.h: with logs = "report", task stdout/stderr are kept in one
 * append-only file in the state directory (never one small file per task
 * on the shared filesystem) until the report takes them into /logs. */
#ifndef MB_LOGSPOOL_H
#define MB_LOGSPOOL_H

#include <stddef.h>

/* Append one log to the spool open on fd (O_APPEND): task id, attempt,
 * stream (1 stdout, 2 stderr) and its bytes.  0 or -1 with errno. */
int logspool_append (int fd, const char *task, int attempt, int stream,
                     const void *data, size_t len);

/* Read every complete entry of the spool at path, in order; a torn tail
 * is ignored.  cb returning non-zero stops the read.  data is valid only
 * during the call.  0, or -1 with errno (ENOENT when there is no spool). */
typedef int (*logspool_cb_f) (const char *task, int attempt, int stream,
                              const char *data, size_t len, void *arg);
int logspool_read (const char *path, logspool_cb_f cb, void *arg);

#endif
