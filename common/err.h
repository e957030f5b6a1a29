/* err.h: human-readable error messages, single (mb_error_t) and collected (errlist_t). */
#ifndef MB_ERR_H
#define MB_ERR_H

#include <stddef.h>
#include <stdio.h>

/* One error message for a person to read, filled by a failing call
 * (flux_error_t pattern).  The text is always NUL-terminated. */
typedef struct {
    char text[1024];
} mb_error_t;

/* Format into err (if not NULL), keep errno, and return -1 so callers can
 * write `return errprintf (err, "...")`. */
int errprintf (mb_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* A list of "FILE:LINE: message" errors, collected up to a cap so that a
 * bad job file reports all its mistakes at once.  Opaque. */
typedef struct errlist errlist_t;

/* Create a list keeping at most `cap` messages (later ones are counted but
 * dropped).  Returns NULL with errno set on failure. */
errlist_t *errlist_create (int cap);
void errlist_destroy (errlist_t *el);

/* Add "FILE:LINE: message" (file may be NULL: "message" alone; line <= 0:
 * "FILE: message").  Returns -1 always, for `return errlist_add (...)`. */
int errlist_add (errlist_t *el, const char *file, int line, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Number of errors added (including dropped ones past the cap). */
int errlist_count (const errlist_t *el);

/* Number of messages kept, and the i-th kept message (valid until destroy). */
int errlist_kept (const errlist_t *el);
const char *errlist_get (const errlist_t *el, int i);

/* True once the cap is reached: callers may stop looking for more. */
int errlist_full (const errlist_t *el);

/* The one way a front end shows why loading `file` failed.  Writes to f
 * (common/ never prints on its own: only to the stream it is handed) each
 * kept message on a line of its own, then "... and N more errors" for
 * those dropped past the cap, then the count ("1 error", "N errors").
 * When el holds no error (or is NULL) the load failed for a reason of the
 * system, errnum (e.g. ENOMEM, EACCES): then the one line
 * "FILE: cannot load: <strerror (errnum)>". */
void errlist_print (const errlist_t *el, FILE *f, const char *file, int errnum);

#endif
