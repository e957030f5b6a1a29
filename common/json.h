/* json.h: the one JSON string writer, for everything that prints JSON:
 * validate --json, status --json, topology --json, report --format json,
 * and the data of the HTML report's timeline.  In common/ because both
 * the command line (runtime/cli) and the report printers (io/) use it. */
#ifndef MB_JSON_H
#define MB_JSON_H

#include <stdio.h>

/* Write s to f as a JSON string (with its quotes): '"' and '\\' escaped,
 * '\n', '\t', '\r', '\b' and '\f' by their short escapes, other control
 * characters as \u00XX, all other bytes (UTF-8) as they are.  NULL writes
 * null.  Errors show in ferror(f). */
void json_put_string (FILE *f, const char *s);

/* The same for a JSON string inside an HTML <script> element: '<', '>'
 * and '&' are written as \u003c, \u003e and \u0026 too, so no text can
 * close the element or start a comment.  NULL writes null. */
void json_put_string_html (FILE *f, const char *s);

/* Write v to f with the printf format fmt (one double conversion), or
 * null when v is not finite: JSON has no NaN or infinity. */
void json_put_number (FILE *f, const char *fmt, double v);

#endif
