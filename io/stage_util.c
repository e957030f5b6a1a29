/* stage_util.c: path rules, the glob matcher, tree walks and directory helpers for staging. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/stage.h"
#include "io/stage_int.h"

const char *stage_path_problem (const char *path)
{
    if (!path || !*path)
        return "empty path";
    if (path[0] == '/')
        return "absolute path";
    const char *p = path;
    while (*p) {
        size_t n = strcspn (p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return "path with a `..` component";
        p += n;
        while (*p == '/')
            p++;
    }
    return NULL;
}

int stage_has_wildcard (const char *s)
{
    return strpbrk (s, "*?[") != NULL;
}

int stage_under (const char *root, const char *p)
{
    size_t n = strlen (root);
    /* "/" is a prefix of everything; otherwise the next character must
     * end the root component, so /data2 is not under /data. */
    if (n == 1 && root[0] == '/')
        return p[0] == '/';
    return strncmp (root, p, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* A bracket expression starting at p (just past '['), tried against c.
 * Sets *end past the closing ']'.  Returns 1/0, or -1 when there is no
 * closing bracket (the '[' is then an ordinary character). */
static int match_bracket (const char *p, const char *pend, char c, const char **end)
{
    int negate = 0, found = 0;
    if (p < pend && (*p == '!' || *p == '^')) {
        negate = 1;
        p++;
    }
    const char *start = p;
    while (p < pend && (*p != ']' || p == start)) {
        char lo = *p, hi = *p;
        if (p + 2 < pend && p[1] == '-' && p[2] != ']') {
            hi = p[2];
            p += 2;
        }
        if ((unsigned char)c >= (unsigned char)lo && (unsigned char)c <= (unsigned char)hi)
            found = 1;
        p++;
    }
    if (p >= pend)
        return -1;
    *end = p + 1;
    return found != negate;
}

/* One path component against one pattern component (no '/' in either).
 * Iterative with a single backtrack point for the last '*', which is
 * enough because '*' never has to match across a '/'. */
static int match_segment (const char *p, const char *pend, const char *s, const char *send)
{
    const char *star_p = NULL, *star_s = NULL;
    while (s < send) {
        if (p < pend && *p == '*') {
            while (p < pend && *p == '*')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        if (p < pend) {
            if (*p == '?') {
                p++;
                s++;
                continue;
            }
            if (*p == '[') {
                const char *end;
                int r = match_bracket (p + 1, pend, *s, &end);
                if (r == 1) {
                    p = end;
                    s++;
                    continue;
                }
                if (r == -1 && *s == '[') {
                    p++;
                    s++;
                    continue;
                }
            }
            else if (*p == *s) {
                p++;
                s++;
                continue;
            }
        }
        if (!star_p)
            return 0;
        p = star_p;
        s = ++star_s;
    }
    while (p < pend && *p == '*')
        p++;
    return p == pend;
}

int stage_glob_match (const char *pattern, const char *path)
{
    for (;;) {
        const char *pe = strchr (pattern, '/');
        const char *se = strchr (path, '/');
        size_t pn = pe ? (size_t)(pe - pattern) : strlen (pattern);
        if (pn == 2 && pattern[0] == '*' && pattern[1] == '*') {
            /* A trailing `**` takes everything below; `**` followed by
             * more takes zero or more whole directories. */
            if (!pe)
                return *path != '\0';
            const char *rest = pe + 1;
            const char *s = path;
            for (;;) {
                if (stage_glob_match (rest, s))
                    return 1;
                const char *slash = strchr (s, '/');
                if (!slash)
                    return 0;
                s = slash + 1;
            }
        }
        size_t sn = se ? (size_t)(se - path) : strlen (path);
        if (!match_segment (pattern, pattern + pn, path, path + sn))
            return 0;
        if (!pe || !se)
            return !pe && !se;
        pattern = pe + 1;
        path = se + 1;
    }
}

size_t stage_glob_prefix (const char *pattern)
{
    size_t len = 0;
    const char *p = pattern;
    for (;;) {
        const char *slash = strchr (p, '/');
        if (!slash)
            return len;    /* the last component is never prefix */
        size_t n = slash - p;
        if (memchr (p, '*', n) || memchr (p, '?', n) || memchr (p, '[', n))
            return len;
        len = slash - pattern;
        p = slash + 1;
    }
}

/* mkdir -p that starts from the deepest missing directory: usually the
 * parents exist and one mkdir does it (the service calls this per task). */
int stage_mkdirs (const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen (path);
    if (n == 0 || n >= sizeof (buf)) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy (buf, path, n + 1);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    if (mkdir (buf, 0755) == 0)
        return 0;
    if (errno == EEXIST) {
        struct stat sb;
        if (stat (buf, &sb) < 0)
            return -1;
        if (!S_ISDIR (sb.st_mode)) {
            errno = ENOTDIR;
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT)
        return -1;
    char *slash = strrchr (buf, '/');
    if (!slash || slash == buf)
        return -1;
    *slash = '\0';
    if (stage_mkdirs (buf) < 0)
        return -1;
    *slash = '/';
    if (mkdir (buf, 0755) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int stage_mkdirs_under (const char *root_real, const char *path)
{
    char buf[PATH_MAX], real[PATH_MAX];
    size_t n = strlen (path);
    if (n >= sizeof (buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy (buf, path, n + 1);
    /* Find the deepest part that exists: everything created below it is a
     * new real directory, so checking it is enough to stay inside. */
    for (;;) {
        if (realpath (buf, real)) {
            if (!stage_under (root_real, real))
                return -2;
            break;
        }
        if (errno != ENOENT)
            return -1;
        char *slash = strrchr (buf, '/');
        if (!slash || slash == buf) {
            errno = ENOENT;
            return -1;
        }
        *slash = '\0';
    }
    if (strlen (buf) != n && stage_mkdirs (path) < 0)
        return -1;
    if (!realpath (path, real))
        return -1;
    if (!stage_under (root_real, real))
        return -2;
    return 0;
}

/* Remove everything inside the directory fd (which this closes). */
static int remove_contents (int fd)
{
    DIR *d = fdopendir (fd);
    if (!d) {
        close (fd);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir (d))) {
        if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
            continue;
        if (unlinkat (dirfd (d), e->d_name, 0) == 0)
            continue;
        if (errno != EISDIR && errno != EPERM) {
            rc = -1;
            break;
        }
        int sub = openat (dirfd (d), e->d_name,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0 || remove_contents (sub) < 0
            || unlinkat (dirfd (d), e->d_name, AT_REMOVEDIR) < 0) {
            rc = -1;
            break;
        }
    }
    int saved = errno;
    closedir (d);
    errno = saved;
    return rc;
}

int stage_remove_tree (const char *path)
{
    struct stat sb;
    if (lstat (path, &sb) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR (sb.st_mode))
        return unlink (path);
    int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || remove_contents (fd) < 0)
        return -1;
    return rmdir (path);
}

static int cmp_names (const void *a, const void *b)
{
    return strcmp (*(char *const *)a, *(char *const *)b);
}

struct walk {
    const char *pattern;
    int match_dirs;
    int maxdepth;       /* -1: unlimited (the pattern has `**`) */
    stage_walk_f fn;
    void *arg;
    char rel[PATH_MAX];
};

/* Walk the directory fd (closed here) whose path relative to the root is
 * w->rel[0 .. len). */
static int walk_dir (struct walk *w, int fd, size_t len, int depth)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    DIR *d = fdopendir (fd);
    if (!d) {
        close (fd);
        return -1;
    }
    struct dirent *e;
    /* Names are gathered and sorted first so matches come in a stable
     * order, whatever order the filesystem returns them in. */
    errno = 0;
    while ((e = readdir (d))) {
        if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **p = realloc (names, ncap * sizeof (*p));
            if (!p)
                goto error;
            names = p;
            cap = ncap;
        }
        if (!(names[n] = strdup (e->d_name)))
            goto error;
        n++;
    }
    if (errno)
        goto error;
    if (n > 1)
        qsort (names, n, sizeof (*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen (names[i]);
        size_t sep = len ? 1 : 0;
        if (len + sep + nl >= sizeof (w->rel)) {
            errno = ENAMETOOLONG;
            goto error;
        }
        if (sep)
            w->rel[len] = '/';
        memcpy (w->rel + len + sep, names[i], nl + 1);
        struct stat sb;
        if (fstatat (dirfd (d), names[i], &sb, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            goto error;
        }
        int isdir = S_ISDIR (sb.st_mode);
        if ((S_ISREG (sb.st_mode) || S_ISLNK (sb.st_mode) || (isdir && w->match_dirs))
            && stage_glob_match (w->pattern, w->rel)) {
            if (w->fn (w->rel, &sb, w->arg) < 0)
                goto error;
            if (isdir)
                continue;
        }
        if (isdir && (w->maxdepth < 0 || depth + 1 < w->maxdepth)) {
            int sub = openat (dirfd (d), names[i],
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0 || walk_dir (w, sub, len + sep + nl, depth + 1) < 0)
                goto error;
        }
    }
    rc = 0;
error:;
    int saved = errno;
    for (size_t i = 0; i < n; i++)
        free (names[i]);
    free (names);
    closedir (d);
    errno = saved;
    return rc;
}

int stage_walk (const char *root, const char *pattern, int match_dirs,
                stage_walk_f fn, void *arg)
{
    struct walk *w = calloc (1, sizeof (*w));
    if (!w)
        return -1;
    w->pattern = pattern;
    w->match_dirs = match_dirs;
    w->fn = fn;
    w->arg = arg;
    size_t plen = stage_glob_prefix (pattern);
    /* Depth below the prefix that a pattern without `**` can reach. */
    w->maxdepth = 1;
    for (const char *p = pattern + plen + (plen ? 1 : 0); *p; p++)
        if (*p == '/')
            w->maxdepth++;
    for (const char *p = pattern; *p; ) {
        size_t n = strcspn (p, "/");
        if (n == 2 && p[0] == '*' && p[1] == '*')
            w->maxdepth = -1;
        p += n;
        while (*p == '/')
            p++;
    }
    int rc = -1;
    int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        goto error;
    /* Enter the prefix one component at a time, refusing symlinks: a
     * prefix that is missing or is not a real directory matches nothing. */
    memcpy (w->rel, pattern, plen);
    w->rel[plen] = '\0';
    char *save = NULL;
    for (char *c = strtok_r (w->rel, "/", &save); c; c = strtok_r (NULL, "/", &save)) {
        int sub = openat (fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close (fd);
        fd = sub;
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
                rc = 0;
            goto error;
        }
    }
    memcpy (w->rel, pattern, plen);
    w->rel[plen] = '\0';
    rc = walk_dir (w, fd, plen, 0);
error:;
    int saved = errno;
    free (w);
    errno = saved;
    return rc;
}

int stage_paths_add (const char *rel, const struct stat *sb, void *arg)
{
    stage_paths_t *m = arg;
    (void)sb;
    if (m->n == m->cap) {
        int ncap = m->cap ? m->cap * 2 : 8;
        char **p = realloc (m->v, (size_t)ncap * sizeof (*p));
        if (!p)
            return -1;
        m->v = p;
        m->cap = ncap;
    }
    if (!(m->v[m->n] = strdup (rel)))
        return -1;
    m->n++;
    return 0;
}

void stage_paths_clear (stage_paths_t *m, int keep)
{
    for (int i = 0; i < m->n; i++)
        free (m->v[i]);
    m->n = 0;
    if (!keep) {
        free (m->v);
        m->v = NULL;
        m->cap = 0;
    }
}
