/* json.h: the one JSON helper shared by validate, status and report. */
#ifndef MB_JSON_H
#define MB_JSON_H

#include <stdio.h>

/* Write s to f as a JSON string (with its quotes): '"', '\\' and control
 * characters escaped, other bytes (UTF-8) as they are.  NULL writes null. */
void json_put_string (FILE *f, const char *s);

#endif
