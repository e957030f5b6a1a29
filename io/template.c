/* template.c: parse "${name}" templates into segments once, expand them many times. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/template.h"

/* A segment is literal text (var < 0) or a variable reference. */
struct seg {
    int var;
    size_t off;
    size_t len;
};

struct tmpl {
    int nseg;
    int has_vars;
    struct seg *seg;
    char *text;       /* the literal parts, concatenated and NUL-terminated */
};

void tmpl_destroy (tmpl_t *t)
{
    if (t) {
        int saved = errno;
        free (t->seg);
        free (t->text);
        free (t);
        errno = saved;
    }
}

static int add_seg (tmpl_t *t, int *cap, int var, size_t off, size_t len)
{
    if (var < 0 && len == 0)
        return 0;
    /* Merge adjacent literals ("a$$b" is one literal "a$b"). */
    if (var < 0 && t->nseg > 0 && t->seg[t->nseg - 1].var < 0) {
        t->seg[t->nseg - 1].len += len;
        return 0;
    }
    if (t->nseg == *cap) {
        int ncap = *cap ? *cap * 2 : 4;
        struct seg *p = realloc (t->seg, ncap * sizeof (*p));
        if (!p)
            return -1;
        t->seg = p;
        *cap = ncap;
    }
    t->seg[t->nseg++] = (struct seg){ var, off, len };
    return 0;
}

tmpl_t *tmpl_parse (const char *s, const char *const *vars, int nvars, char **unknown)
{
    tmpl_t *t;
    int cap = 0;
    size_t n = strlen (s), o = 0, lit = 0;

    if (unknown)
        *unknown = NULL;
    if (!(t = calloc (1, sizeof (*t))) || !(t->text = malloc (n + 1)))
        goto nomem;
    for (size_t i = 0; i < n; ) {
        if (s[i] == '$' && s[i + 1] == '$') {
            t->text[o++] = '$';
            i += 2;
            continue;
        }
        const char *end;
        if (s[i] == '$' && s[i + 1] == '{' && (end = strchr (s + i + 2, '}'))) {
            size_t nl = end - (s + i + 2);
            int v = -1;
            for (int k = 0; k < nvars; k++) {
                if (strlen (vars[k]) == nl && !strncmp (vars[k], s + i + 2, nl)) {
                    v = k;
                    break;
                }
            }
            if (v < 0) {
                if (unknown && !(*unknown = strndup (s + i + 2, nl)))
                    goto nomem;
                tmpl_destroy (t);
                errno = EINVAL;
                return NULL;
            }
            if (add_seg (t, &cap, -1, lit, o - lit) < 0
                || add_seg (t, &cap, v, 0, 0) < 0)
                goto nomem;
            t->has_vars = 1;
            lit = o;
            i = end - s + 1;
            continue;
        }
        /* Any other '$' (as in "$HOME") is plain text for the shell. */
        t->text[o++] = s[i++];
    }
    t->text[o] = '\0';
    if (add_seg (t, &cap, -1, lit, o - lit) < 0)
        goto nomem;
    return t;
nomem:
    tmpl_destroy (t);
    errno = ENOMEM;
    return NULL;
}

tmpl_t *tmpl_literal (const char *s)
{
    tmpl_t *t;
    int cap = 0;
    if (!(t = calloc (1, sizeof (*t))) || !(t->text = strdup (s))
        || add_seg (t, &cap, -1, 0, strlen (s)) < 0) {
        tmpl_destroy (t);
        errno = ENOMEM;
        return NULL;
    }
    return t;
}

int tmpl_has_vars (const tmpl_t *t)
{
    return t && t->has_vars;
}

int tmpl_uses (const tmpl_t *t, int v)
{
    for (int k = 0; t && k < t->nseg; k++) {
        if (t->seg[k].var == v)
            return 1;
    }
    return 0;
}

const char *tmpl_text (const tmpl_t *t)
{
    return t && !t->has_vars ? t->text : NULL;
}

int tmpl_expand (const tmpl_t *t, const char *const *values, buf_t *out)
{
    /* Even an empty expansion gives a NUL-terminated string. */
    if (buf_reserve (out, 0) < 0)
        return -1;
    out->data[out->len] = '\0';
    for (int k = 0; k < t->nseg; k++) {
        const struct seg *g = &t->seg[k];
        int rc = g->var < 0 ? buf_add (out, t->text + g->off, g->len)
                            : buf_adds (out, values[g->var] ? values[g->var] : "");
        if (rc < 0)
            return -1;
    }
    return 0;
}

const char *tmpl_format_double (double v, char *buf, size_t len)
{
    if (isnan (v))
        snprintf (buf, len, "nan");
    else if (isinf (v))
        snprintf (buf, len, v < 0 ? "-inf" : "inf");
    else {
        /* The fewest digits that read back exactly, like Python's repr.
         * When 15 digits read back, %g's dropping of trailing zeros
         * already gives the shortest form, so only 15..17 are tried. */
        for (int prec = 15; prec <= 17; prec++) {
            snprintf (buf, len, "%.*g", prec, v);
            if (strtod (buf, NULL) == v)
                break;
        }
        if (!strpbrk (buf, ".e"))
            strncat (buf, ".0", len - strlen (buf) - 1);
    }
    return buf;
}
