/* jobfile_util.c: the loader's error reporting, typed value readers and key checks. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/jobfile_int.h"

const char *jf_file (const jobfile_t *jf, const config_setting_t *s)
{
    const char *f = s ? config_setting_source_file (s) : NULL;
    return f ? f : jf->job.file;
}

int jf_line (const config_setting_t *s)
{
    return s ? (int)config_setting_source_line (s) : 0;
}

int jf_full (const jobfile_t *jf)
{
    return errlist_full (jf->errs);
}

int jf_errl (jobfile_t *jf, const char *file, int line, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (msg, sizeof (msg), fmt, ap);
    va_end (ap);
    return errlist_add (jf->errs, file ? file : jf->job.file, line, "%s", msg);
}

int jf_err (jobfile_t *jf, const config_setting_t *s, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (msg, sizeof (msg), fmt, ap);
    va_end (ap);
    return errlist_add (jf->errs, jf_file (jf, s), jf_line (s), "%s", msg);
}

static int edit_distance (const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > 40 || lb > 40)
        return 99;
    int d[41][41];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (tolower (a[i - 1]) != tolower (b[j - 1]));
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    }
    return d[la][lb];
}

/* The known key closest to an unknown one: within edit distance 2, or
 * one being a prefix of the other ("max_retry" for "max_retries"). */
static const char *near_key (const char *key, const char *const *known)
{
    const char *best = NULL;
    int bestd = 3;
    for (int k = 0; known[k]; k++) {
        int d = edit_distance (key, known[k]);
        size_t lk = strlen (key), ln = strlen (known[k]);
        size_t m = lk < ln ? lk : ln;
        /* A short key only suggests a near twin ("by" is not "to"); a
         * truncated or extended long one suggests its full form
         * ("max_retry" -> "max_retries"). */
        if (lk <= 3 && d > 1)
            continue;
        if (d >= 3 && m >= 4 && !strncasecmp (key, known[k], m - 1))
            d = 2;
        if (d < bestd) {
            bestd = d;
            best = known[k];
        }
    }
    return best;
}

void jf_check_keys (jobfile_t *jf, const config_setting_t *g, const char *const *known)
{
    int n = config_setting_length (g);
    for (int i = 0; i < n && !jf_full (jf); i++) {
        config_setting_t *s = config_setting_get_elem (g, i);
        const char *name = config_setting_name (s);
        int ok = 0;
        if (!name)
            continue;
        for (int k = 0; known[k] && !ok; k++)
            ok = !strcmp (name, known[k]);
        if (ok)
            continue;
        const char *near = near_key (name, known);
        if (near)
            jf_err (jf, s, "unknown key '%s' (did you mean '%s'?)", name, near);
        else
            jf_err (jf, s, "unknown key '%s'", name);
    }
}

int jf_get_int (jobfile_t *jf, const config_setting_t *g, const char *name, int min, int *out)
{
    config_setting_t *s = config_setting_get_member (g, name);
    if (!s)
        return 0;
    int t = config_setting_type (s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return jf_err (jf, s, "%s must be an integer", name);
    long long v = config_setting_get_int64 (s);
    if (v < min || v > INT32_MAX)
        return jf_err (jf, s, "%s must be an integer >= %d (got %lld)", name, min, v);
    *out = (int)v;
    return 1;
}

int jf_get_str (jobfile_t *jf, const config_setting_t *g, const char *name, const char **out)
{
    config_setting_t *s = config_setting_get_member (g, name);
    if (!s)
        return 0;
    if (config_setting_type (s) != CONFIG_TYPE_STRING)
        return jf_err (jf, s, "%s must be a string", name);
    *out = config_setting_get_string (s);
    return 1;
}

int jf_get_bool (jobfile_t *jf, const config_setting_t *g, const char *name, int *out)
{
    config_setting_t *s = config_setting_get_member (g, name);
    if (!s)
        return 0;
    if (config_setting_type (s) != CONFIG_TYPE_BOOL)
        return jf_err (jf, s, "%s must be true or false", name);
    *out = config_setting_get_bool (s);
    return 1;
}

int jf_get_enum (jobfile_t *jf, const config_setting_t *g, const char *name,
                 const char *const *names, int *out)
{
    config_setting_t *s = config_setting_get_member (g, name);
    char list[512] = "";
    if (!s)
        return 0;
    const char *v = config_setting_type (s) == CONFIG_TYPE_STRING
                    ? config_setting_get_string (s) : NULL;
    for (int k = 0; names[k]; k++) {
        if (v && !strcmp (v, names[k])) {
            *out = k;
            return 1;
        }
        snprintf (list + strlen (list), sizeof (list) - strlen (list),
                  "%s\"%s\"", k ? ", " : "", names[k]);
    }
    return jf_err (jf, s, "%s must be one of %s", name, list);
}

int jf_get_duration (jobfile_t *jf, const config_setting_t *g, const char *name, double *out)
{
    config_setting_t *s = config_setting_get_member (g, name);
    double v = -1;
    char buf[64];
    if (!s)
        return 0;
    switch (config_setting_type (s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        v = (double)config_setting_get_int64 (s);
        snprintf (buf, sizeof (buf), "%lld", (long long)config_setting_get_int64 (s));
        break;
    case CONFIG_TYPE_FLOAT:
        v = config_setting_get_float (s);
        snprintf (buf, sizeof (buf), "%g", v);
        break;
    case CONFIG_TYPE_STRING:
        v = jobfile_parse_duration (config_setting_get_string (s));
        snprintf (buf, sizeof (buf), "%s", config_setting_get_string (s));
        break;
    default:
        return jf_err (jf, s, "%s must be a duration (seconds, or a string like \"15m\")", name);
    }
    if (!(v >= 0) || isinf (v))
        return jf_err (jf, s, "invalid duration '%s' for %s", buf, name);
    *out = v;
    return 1;
}

int jf_get_size (jobfile_t *jf, const config_setting_t *g, const char *name, int64_t *out)
{
    config_setting_t *s = config_setting_get_member (g, name);
    int64_t v;
    char buf[64];
    if (!s)
        return 0;
    switch (config_setting_type (s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        v = config_setting_get_int64 (s);
        snprintf (buf, sizeof (buf), "%lld", (long long)v);
        break;
    case CONFIG_TYPE_STRING:
        v = jobfile_parse_size (config_setting_get_string (s));
        snprintf (buf, sizeof (buf), "%s", config_setting_get_string (s));
        break;
    default:
        return jf_err (jf, s, "%s must be a size (bytes, or a string like \"4G\")", name);
    }
    if (v < 0)
        return jf_err (jf, s, "invalid size '%s' for %s", buf, name);
    *out = v;
    return 1;
}

int jf_is_identifier (const char *s)
{
    if (!s || !(isalpha ((unsigned char)*s) || *s == '_'))
        return 0;
    for (s++; *s; s++) {
        if (!(isalnum ((unsigned char)*s) || *s == '_'))
            return 0;
    }
    return 1;
}

char *jf_path_join (const char *dir, const char *path)
{
    char *s = NULL;
    if (path[0] == '/')
        return strdup (path);
    if (asprintf (&s, "%s/%s", dir, path) < 0)
        return NULL;
    return s;
}

double jobfile_parse_duration (const char *s)
{
    double total = 0;
    int any = 0;
    if (!s)
        return -1;
    while (isspace ((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    /* A bare number is seconds; otherwise number+unit pairs ("1h30m"). */
    while (*s) {
        char *end;
        if (!isdigit ((unsigned char)*s) && *s != '.')
            return -1;
        double v = strtod (s, &end);
        if (end == s || !(v >= 0) || isinf (v))
            return -1;
        s = end;
        double unit;
        switch (*s) {
        case 's': unit = 1; s++; break;
        case 'm': unit = 60; s++; break;
        case 'h': unit = 3600; s++; break;
        case 'd': unit = 86400; s++; break;
        case '\0':
            if (any)
                return -1;   /* "1h30" is ambiguous */
            unit = 1;
            break;
        default:
            return -1;
        }
        total += v * unit;
        any = 1;
    }
    return total;
}

int64_t jobfile_parse_size (const char *s)
{
    char *end;
    if (!s)
        return -1;
    while (isspace ((unsigned char)*s))
        s++;
    if (!isdigit ((unsigned char)*s) && *s != '.')
        return -1;
    double v = strtod (s, &end);
    if (end == s || !(v >= 0))
        return -1;
    double mul = 1;
    switch (tolower ((unsigned char)*end)) {
    case 'k': mul = 1024.0; end++; break;
    case 'm': mul = 1024.0 * 1024; end++; break;
    case 'g': mul = 1024.0 * 1024 * 1024; end++; break;
    case 't': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    case 'p': mul = 1024.0 * 1024 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mul > 1 && tolower ((unsigned char)*end) == 'i')
        end++;
    if (tolower ((unsigned char)*end) == 'b')
        end++;
    if (*end)
        return -1;
    v *= mul;
    if (v > 9.2e18)
        return -1;
    return (int64_t)v;
}

const char *jobfile_id_problem (const char *id)
{
    size_t n = id ? strlen (id) : 0;
    if (n == 0)
        return "it is empty";
    if (n > 64)
        return "it is longer than 64 characters";
    if (id[0] == '.')
        return "it starts with '.'";
    for (const char *p = id; *p; p++) {
        if (!(isalnum ((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
            return "only letters, digits, '_', '.' and '-' are allowed";
    }
    return NULL;
}

FILE *jf_open_data (jobfile_t *jf, const char *path)
{
    FILE *fp = NULL;
    const jobfile_opts_t *o = jf->opts;
    for (int k = 0; o && k < o->nfiles; k++) {
        if (strcmp (o->files[k].path, path) != 0)
            continue;
        /* fmemopen refuses an empty buffer: an empty file reads as one. */
        fp = o->files[k].len ? fmemopen ((void *)o->files[k].data, o->files[k].len, "r")
                             : fopen ("/dev/null", "r");
        break;
    }
    if (!fp && !(fp = fopen (path, "r")))
        return NULL;
    char **p = realloc (jf->data_files, (jf->ndata + 1) * sizeof (char *));
    if (!p || !(p[jf->ndata] = strdup (path))) {
        if (p)
            jf->data_files = p;
        fclose (fp);
        errno = ENOMEM;
        return NULL;
    }
    jf->data_files = p;
    jf->ndata++;
    return fp;
}
