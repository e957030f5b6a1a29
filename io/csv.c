/* csv.c: read a CSV file (RFC 4180) into rows of strings. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "io/csv.h"

void csv_destroy (csv_t *c)
{
    if (c) {
        int saved = errno;
        for (size_t r = 0; r < c->nrows; r++) {
            for (int k = 0; k < c->ncols[r]; k++)
                free (c->fields[r][k]);
            free (c->fields[r]);
        }
        free (c->fields);
        free (c->ncols);
        free (c);
        errno = saved;
    }
}

/* Append the field in f to the current row. */
static int push_field (char ***row, int *n, buf_t *f)
{
    char **p = realloc (*row, (*n + 1) * sizeof (char *));
    if (!p)
        return -1;
    *row = p;
    if (!(p[*n] = strndup (f->len ? f->data : "", f->len)))
        return -1;
    (*n)++;
    buf_reset (f);
    return 0;
}

static int push_row (csv_t *c, char **row, int n)
{
    char ***fp = realloc (c->fields, (c->nrows + 1) * sizeof (char **));
    if (!fp)
        return -1;
    c->fields = fp;
    int *np = realloc (c->ncols, (c->nrows + 1) * sizeof (int));
    if (!np)
        return -1;
    c->ncols = np;
    c->fields[c->nrows] = row;
    c->ncols[c->nrows] = n;
    c->nrows++;
    return 0;
}

csv_t *csv_read (const char *path, int *badline)
{
    FILE *fp = fopen (path, "r");
    if (!fp)
        return NULL;
    csv_t *c = csv_read_stream (fp, badline);
    int saved = errno;
    fclose (fp);
    errno = saved;
    return c;
}

csv_t *csv_read_stream (FILE *fp, int *badline)
{
    csv_t *c = NULL;
    buf_t f = { 0 };
    char **row = NULL;
    int n = 0, ch, line = 1, qline = 0;
    int quoted = 0, inq = 0, any = 0;

    if (!(c = calloc (1, sizeof (*c))) || buf_reserve (&f, 0) < 0)
        goto error;
    for (;;) {
        ch = getc (fp);
        if (inq) {
            if (ch == EOF) {
                if (badline)
                    *badline = qline;
                errno = EINVAL;
                goto error;
            }
            if (ch == '"') {
                int nx = getc (fp);
                if (nx == '"') {
                    if (buf_add (&f, "\"", 1) < 0)
                        goto error;
                    continue;
                }
                inq = 0;
                if (nx != EOF)
                    ungetc (nx, fp);
                continue;
            }
            if (ch == '\n')
                line++;
            char cc = (char)ch;
            if (buf_add (&f, &cc, 1) < 0)
                goto error;
            continue;
        }
        if (ch == '\r')
            continue;
        if (ch == ',' ) {
            if (push_field (&row, &n, &f) < 0)
                goto error;
            any = 1;
            quoted = 0;
            continue;
        }
        if (ch == '\n' || ch == EOF) {
            /* A line with nothing on it is not a row. */
            if (any || f.len > 0 || quoted) {
                if (push_field (&row, &n, &f) < 0 || push_row (c, row, n) < 0)
                    goto error;
                row = NULL;
                n = 0;
            }
            any = quoted = 0;
            if (ch == EOF)
                break;
            line++;
            continue;
        }
        if (ch == '"' && f.len == 0 && !quoted) {
            inq = quoted = 1;
            qline = line;
            continue;
        }
        char cc = (char)ch;
        if (buf_add (&f, &cc, 1) < 0)
            goto error;
    }
    if (ferror (fp))
        goto error;
    buf_free (&f);
    return c;
error:
    {
        int saved = errno;
        for (int k = 0; k < n; k++)
            free (row[k]);
        free (row);
        buf_free (&f);
        csv_destroy (c);
        errno = saved ? saved : EIO;
    }
    return NULL;
}
