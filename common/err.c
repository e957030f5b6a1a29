/* err.c: error message formatting and the capped error list. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

struct errlist {
    int cap;
    int count;
    int kept;
    char **msgs;
};

int errprintf (mb_error_t *err, const char *fmt, ...)
{
    int saved = errno;
    if (err) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (err->text, sizeof (err->text), fmt, ap);
        va_end (ap);
    }
    errno = saved;
    return -1;
}

errlist_t *errlist_create (int cap)
{
    errlist_t *el = calloc (1, sizeof (*el));
    if (!el)
        return NULL;
    el->cap = cap > 0 ? cap : 1;
    if (!(el->msgs = calloc (el->cap, sizeof (char *)))) {
        free (el);
        return NULL;
    }
    return el;
}

void errlist_destroy (errlist_t *el)
{
    if (el) {
        int saved = errno;
        for (int i = 0; i < el->kept; i++)
            free (el->msgs[i]);
        free (el->msgs);
        free (el);
        errno = saved;
    }
}

int errlist_add (errlist_t *el, const char *file, int line, const char *fmt, ...)
{
    int saved = errno;
    if (!el)
        goto out;
    el->count++;
    if (el->kept < el->cap) {
        char msg[2048];
        char *s = NULL;
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (msg, sizeof (msg), fmt, ap);
        va_end (ap);
        int rc;
        if (file && line > 0)
            rc = asprintf (&s, "%s:%d: %s", file, line, msg);
        else if (file)
            rc = asprintf (&s, "%s: %s", file, msg);
        else
            rc = asprintf (&s, "%s", msg);
        if (rc >= 0)
            el->msgs[el->kept++] = s;
    }
out:
    errno = saved;
    return -1;
}

int errlist_count (const errlist_t *el)
{
    return el ? el->count : 0;
}

int errlist_kept (const errlist_t *el)
{
    return el ? el->kept : 0;
}

const char *errlist_get (const errlist_t *el, int i)
{
    if (!el || i < 0 || i >= el->kept)
        return NULL;
    return el->msgs[i];
}

int errlist_full (const errlist_t *el)
{
    return el && el->count >= el->cap;
}

void errlist_print (const errlist_t *el, FILE *f, const char *file, int errnum)
{
    int n = errlist_count (el), kept = errlist_kept (el);
    if (n == 0) {
        fprintf (f, "%s: cannot load: %s\n", file ? file : "(null)", strerror (errnum));
        return;
    }
    for (int i = 0; i < kept; i++)
        fprintf (f, "%s\n", el->msgs[i]);
    if (n > kept)
        fprintf (f, "... and %d more error%s\n", n - kept, n - kept == 1 ? "" : "s");
    fprintf (f, "%d error%s\n", n, n == 1 ? "" : "s");
}
