/* json.c: JSON string escaping for the commands that print JSON. */
#include <config.h>

#include <stdio.h>

#include "io/json.h"

void json_put_string (FILE *f, const char *s)
{
    if (!s) {
        fputs ("null", f);
        return;
    }
    putc ('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':  fputs ("\\\"", f); break;
        case '\\': fputs ("\\\\", f); break;
        case '\n': fputs ("\\n", f); break;
        case '\t': fputs ("\\t", f); break;
        case '\r': fputs ("\\r", f); break;
        case '\b': fputs ("\\b", f); break;
        case '\f': fputs ("\\f", f); break;
        default:
            if (*p < 0x20)
                fprintf (f, "\\u%04x", *p);
            else
                putc (*p, f);
        }
    }
    putc ('"', f);
}
