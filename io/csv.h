/* csv.h: a small RFC-4180 CSV reader for sweep parameter tables. */
#ifndef MB_CSV_H
#define MB_CSV_H

#include <stddef.h>
#include <stdio.h>

/* A table: nrows rows (the header is row 0) of ncols[r] fields each. */
typedef struct {
    size_t nrows;
    int *ncols;
    char ***fields;
} csv_t;

/* Read the file at path.  Quoted fields may hold commas, newlines and
 * doubled quotes; CRLF line ends are accepted; blank lines are skipped.
 * Returns the table or NULL with errno set (EINVAL for an unterminated
 * quote, then *badline is its 1-based line).  csv_destroy frees it. */
csv_t *csv_read (const char *path, int *badline);
/* The same from an open stream (not closed here). */
csv_t *csv_read_stream (FILE *fp, int *badline);
void csv_destroy (csv_t *c);

#endif
