/* stage_util.c: path rules, the glob matcher, tree walks and directory helpers for staging. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
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

/* fnmatch does the work; FNM_PATHNAME keeps `*`, `?` and `[...]` inside
 * one component, FNM_NOESCAPE keeps a backslash an ordinary character (as
 * in file names), and without FNM_PERIOD `*` also matches a leading dot.
 * `[^a]` (undocumented; `[!a]` is the spelling we document) negates too,
 * except that glibc takes it literally when POSIXLY_CORRECT is set. */
#define GLOB_FLAGS (FNM_PATHNAME | FNM_NOESCAPE)

/* The pattern's first component that is exactly `**`, or NULL. */
static const char *globstar (const char *p)
{
    for (;;) {
        size_t n = strcspn (p, "/");
        if (n == 2 && p[0] == '*' && p[1] == '*')
            return p;
        if (!p[n])
            return NULL;
        p += n + 1;
    }
}

/* Only `**` is ours: the components before it match as many leading
 * components of the path (fnmatch with FNM_LEADING_DIR), a trailing `**`
 * takes everything below (at least one name), and `**` followed by more
 * takes zero or more whole directories before the rest matches. */
int stage_glob_match (const char *pattern, const char *path)
{
    const char *star = globstar (pattern);
    if (!star)
        return fnmatch (pattern, path, GLOB_FLAGS) == 0;
    if (star > pattern) {
        char head[PATH_MAX];
        size_t hl = (size_t)(star - pattern) - 1;
        if (hl >= sizeof (head))
            return 0;   /* longer than any path a walk hands us */
        memcpy (head, pattern, hl);
        head[hl] = '\0';
        if (fnmatch (head, path, GLOB_FLAGS | FNM_LEADING_DIR) != 0)
            return 0;
        /* Skip the path's components the head matched, one per component
         * of the head ('*' never crosses '/'). */
        for (const char *c = head;; c++) {
            c = strchr (c, '/');
            if (!(path = strchr (path, '/')))
                return 0;
            path++;
            if (!c)
                break;
        }
    }
    if (!star[2])
        return *path != '\0';
    for (const char *rest = star + 3;;) {
        if (stage_glob_match (rest, path))
            return 1;
        if (!(path = strchr (path, '/')))
            return 0;
        path++;
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
