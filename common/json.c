/* json.c: JSON string escaping, the one copy for every JSON printer. */
#include <config.h>

#include <math.h>
#include <stdio.h>

#include "common/json.h"

static void put (FILE *f, const char *s, int html)
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
        case '<': case '>': case '&':
            if (html)
                fprintf (f, "\\u%04x", *p);
            else
                putc (*p, f);
            break;
        default:
            if (*p < 0x20)
                fprintf (f, "\\u%04x", *p);
            else
                putc (*p, f);
        }
    }
    putc ('"', f);
}

void json_put_string (FILE *f, const char *s)
{
    put (f, s, 0);
}

void json_put_string_html (FILE *f, const char *s)
{
    put (f, s, 1);
}

void json_put_number (FILE *f, const char *fmt, double v)
{
    if (isfinite (v))
        fprintf (f, fmt, v);
    else
        fputs ("null", f);
}
