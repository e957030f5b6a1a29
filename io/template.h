/* template.h: sweep string templates ("${name}", "$$"), parsed once and
 * expanded on demand, and the formatting of parameter values. */
#ifndef MB_TEMPLATE_H
#define MB_TEMPLATE_H

#include <stddef.h>

#include "common/buf.h"

typedef struct tmpl tmpl_t;

/* Parse s against the variable names vars[0..nvars-1].  Returns the
 * template, or NULL with errno set: EINVAL for an unknown variable (then
 * *unknown is a malloc'd copy of its name, caller frees), ENOMEM. */
tmpl_t *tmpl_parse (const char *s, const char *const *vars, int nvars, char **unknown);
/* A template that expands to s as it is (no variables, no "$$"). */
tmpl_t *tmpl_literal (const char *s);
void tmpl_destroy (tmpl_t *t);

/* True when the template refers to at least one variable / to variable v. */
int tmpl_has_vars (const tmpl_t *t);
int tmpl_uses (const tmpl_t *t, int v);
/* The text of a template without variables (NULL if it has some). */
const char *tmpl_text (const tmpl_t *t);

/* Append the expansion to out, taking variable v's value from values[v].
 * 0 or -1 (ENOMEM). */
int tmpl_expand (const tmpl_t *t, const char *const *values, buf_t *out);

/* Format a double like Python's repr: the shortest string that reads back
 * to the same value, always with a '.' or an exponent.  buf needs 32 bytes. */
const char *tmpl_format_double (double v, char *buf, size_t len);

#endif
