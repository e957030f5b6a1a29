/* stage.c: staging inputs from storage into a task's working directory. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/stage.h"
#include "io/stage_int.h"

struct ictx {
    char sroot[PATH_MAX];    /* storage, resolved */
    char wroot[PATH_MAX];    /* working directory, resolved */
    const jobfile_input_t *in;
    stage_stats_t *st;
    mb_error_t *err;
};

/* The real directories being copied, innermost first, so that a symlink
 * leading back into one of them is refused instead of copied forever. */
struct chain {
    const char *real;
    const struct chain *up;
};

static int fail_io (struct ictx *c, const char *what)
{
    return errprintf (c->err, "input staging failed: %s: %s", what, strerror (errno));
}

/* Put one regular file (srcreal, resolved) at name inside the directory
 * dfd.  Whatever was there before (from an earlier attempt) is replaced. */
static int place_file (struct ictx *c, const char *srcreal, const struct stat *sb,
                       int dfd, const char *name, const char *disp)
{
    if (unlinkat (dfd, name, 0) < 0 && errno != ENOENT)
        return fail_io (c, disp);
    if (c->in->method == INPUT_SYMLINK) {
        if (symlinkat (srcreal, dfd, name) < 0)
            return fail_io (c, disp);
        c->st->files++;
        return 0;
    }
    if (c->in->method == INPUT_LINK) {
        /* The mode is not applied to a hard link: the inode is the
         * storage's own file, and chmod would change it for every task. */
        if (linkat (AT_FDCWD, srcreal, dfd, name, 0) == 0) {
            c->st->bytes += sb->st_size;
            c->st->files++;
            return 0;
        }
        if (errno != EXDEV && errno != EPERM)
            return fail_io (c, disp);
        /* Another filesystem, or hard links refused: copy after all. */
    }
    int in = -1, out = -1;
    if ((in = open (srcreal, O_RDONLY | O_CLOEXEC)) < 0)
        goto error;
    struct stat isb;
    if (fstat (in, &isb) < 0)
        goto error;
    if ((out = openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0600)) < 0)
        goto error;
    mode_t m = c->in->mode < 0 ? (isb.st_mode & 07777) : (mode_t)(c->in->mode & 07777);
    if (stage_copy_fd (in, out, isb.st_size) < 0 || fchmod (out, m) < 0)
        goto error;
    int rc = close (out);
    out = -1;
    if (rc < 0)
        goto error;
    close (in);
    c->st->bytes += isb.st_size;
    c->st->files++;
    return 0;
error:
    fail_io (c, disp);
    int saved = errno;
    if (in >= 0)
        close (in);
    if (out >= 0) {
        close (out);
        unlinkat (dfd, name, 0);
    }
    errno = saved;
    return -1;
}

static int copy_dir (struct ictx *c, int sfd, const char *sreal, int dfd,
                     const char *disp, const struct chain *up);

/* Stage one entry of a source directory (sfd/name, seen by lstat as sb). */
static int copy_entry (struct ictx *c, int sfd, const char *sreal, int dfd,
                       const char *name, struct stat *sb, const char *disp,
                       const struct chain *up)
{
    char *spath = NULL, *sdisp = NULL;
    char real[PATH_MAX];
    int rc = -1, sub = -1, dsub = -1;
    if (asprintf (&spath, "%s/%s", sreal, name) < 0) {
        spath = NULL;
        return fail_io (c, disp);
    }
    if (asprintf (&sdisp, "%s/%s", disp, name) < 0) {
        sdisp = NULL;
        fail_io (c, disp);
        goto error;
    }
    const char *src = spath;
    if (S_ISLNK (sb->st_mode)) {
        /* A symlink inside a source directory is staged as what it points
         * to, provided that stays inside storage. */
        if (!realpath (spath, real)) {
            errprintf (c->err, "input missing: %s", sdisp);
            goto error;
        }
        if (!stage_under (c->sroot, real)) {
            errprintf (c->err, "input outside storage: %s", sdisp);
            goto error;
        }
        if (stat (real, sb) < 0) {
            fail_io (c, sdisp);
            goto error;
        }
        src = real;
    }
    if (S_ISREG (sb->st_mode)) {
        rc = place_file (c, src, sb, dfd, name, sdisp);
        goto error;
    }
    if (!S_ISDIR (sb->st_mode)) {
        rc = 0;    /* fifos, sockets and devices are not data to stage */
        goto error;
    }
    for (const struct chain *p = up; p; p = p->up)
        if (stage_under (src, p->real)) {
            errprintf (c->err, "input symlink loop: %s", sdisp);
            goto error;
        }
    if (src == spath)
        sub = openat (sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    else
        sub = open (src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sub < 0) {
        fail_io (c, sdisp);
        goto error;
    }
    if ((mkdirat (dfd, name, (sb->st_mode & 07777) | 0700) < 0 && errno != EEXIST)
        || (dsub = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        close (sub);
        fail_io (c, sdisp);
        goto error;
    }
    rc = copy_dir (c, sub, src, dsub, sdisp, up);
    close (dsub);
error:
    free (spath);
    free (sdisp);
    return rc;
}

/* Copy (or link) the directory sfd, whose resolved path is sreal, into
 * the directory dfd.  Closes sfd. */
static int copy_dir (struct ictx *c, int sfd, const char *sreal, int dfd,
                     const char *disp, const struct chain *up)
{
    struct chain here = { sreal, up };
    DIR *d = fdopendir (sfd);
    if (!d) {
        close (sfd);
        return fail_io (c, disp);
    }
    struct dirent *e;
    int rc = 0;
    errno = 0;
    while ((e = readdir (d))) {
        if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
            continue;
        struct stat sb;
        if (fstatat (dirfd (d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = fail_io (c, disp);
            break;
        }
        if ((rc = copy_entry (c, dirfd (d), sreal, dfd, e->d_name, &sb, disp, &here)) < 0)
            break;
        errno = 0;
    }
    if (rc == 0 && errno)
        rc = fail_io (c, disp);
    int saved = errno;
    closedir (d);
    errno = saved;
    return rc;
}

/* Stage the resolved source srcreal at dest (relative to the working
 * directory; its parents are created). */
static int stage_entry (struct ictx *c, const char *srcreal, const char *dest,
                        const char *disp)
{
    char *full = NULL;
    int dfd = -1, rc = -1;
    struct stat sb;
    if (stat (srcreal, &sb) < 0)
        return errprintf (c->err, "input missing: %s", disp);
    if (asprintf (&full, "%s/%s", c->wroot, dest) < 0)
        return fail_io (c, disp);
    /* Trailing slashes say nothing more here: drop them. */
    size_t len = strlen (full);
    while (len > 1 && full[len - 1] == '/')
        full[--len] = '\0';
    char *slash = strrchr (full, '/');
    const char *name = slash + 1;
    *slash = '\0';
    int r = stage_mkdirs_under (c->wroot, full);
    if (r == -2) {
        errprintf (c->err, "input path outside the working directory: %s", dest);
        goto error;
    }
    if (r < 0 || (dfd = open (full, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        fail_io (c, dest);
        goto error;
    }
    if (!strcmp (name, ".") || !*name) {
        errno = EISDIR;
        errprintf (c->err, "input path names a directory: %s", dest);
        goto error;
    }
    if (S_ISDIR (sb.st_mode) && c->in->method != INPUT_SYMLINK) {
        int sub = open (srcreal, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sub < 0) {
            fail_io (c, disp);
            goto error;
        }
        int dsub = -1;
        if ((mkdirat (dfd, name, (sb.st_mode & 07777) | 0700) < 0 && errno != EEXIST)
            || (dsub = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
                               | O_CLOEXEC)) < 0) {
            close (sub);
            fail_io (c, dest);
            goto error;
        }
        rc = copy_dir (c, sub, srcreal, dsub, disp, NULL);
        close (dsub);
        goto error;
    }
    rc = place_file (c, srcreal, &sb, dfd, name, disp);
error:
    if (dfd >= 0)
        close (dfd);
    free (full);
    return rc;
}

static const char *base_name (const char *p)
{
    const char *s = strrchr (p, '/');
    return s ? s + 1 : p;
}

/* Resolve storage/rel, refusing what leads outside storage. */
static int resolve_source (struct ictx *c, const char *rel, char *real)
{
    char *full;
    if (asprintf (&full, "%s/%s", c->sroot, rel) < 0)
        return fail_io (c, rel);
    int ok = realpath (full, real) != NULL;
    free (full);
    if (!ok) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            return errprintf (c->err, "input missing: %s", rel);
        return fail_io (c, rel);
    }
    if (!stage_under (c->sroot, real))
        return errprintf (c->err, "input outside storage: %s", rel);
    return 0;
}

static int stage_one (struct ictx *c)
{
    const jobfile_input_t *in = c->in;
    const char *src = in->source;
    char real[PATH_MAX];
    if (!src || stage_path_problem (src))
        return errprintf (c->err, "input outside storage: %s", src ? src : "(none)");
    if (in->path && stage_path_problem (in->path))
        return errprintf (c->err, "input path outside the working directory: %s", in->path);
    if (!stage_has_wildcard (src)) {
        if (resolve_source (c, src, real) < 0)
            return -1;
        char *dest;
        size_t sl = strlen (src);
        while (sl > 1 && src[sl - 1] == '/')
            sl--;
        size_t bs = sl;
        while (bs > 0 && src[bs - 1] != '/')
            bs--;
        /* A path ending in '/' is a directory to put the source in. */
        if (!in->path)
            dest = strndup (src + bs, sl - bs);
        else if (in->path[strlen (in->path) - 1] != '/')
            dest = strdup (in->path);
        else if (asprintf (&dest, "%s%.*s", in->path, (int)(sl - bs), src + bs) < 0)
            dest = NULL;
        if (!dest)
            return fail_io (c, src);
        int rc = stage_entry (c, real, dest, src);
        free (dest);
        return rc;
    }
    /* A glob: path is a directory, every match keeps its base name. */
    stage_paths_t m = { 0 };
    int rc = -1;
    if (stage_walk (c->sroot, src, 1, stage_paths_add, &m) < 0) {
        fail_io (c, src);
        goto error;
    }
    if (m.n == 0) {
        errprintf (c->err, "input missing: %s", src);
        goto error;
    }
    for (int i = 0; i < m.n; i++) {
        char *dest;
        if (resolve_source (c, m.v[i], real) < 0)
            goto error;
        if (asprintf (&dest, "%s%s%s", in->path ? in->path : "",
                      in->path ? "/" : "", base_name (m.v[i])) < 0) {
            fail_io (c, m.v[i]);
            goto error;
        }
        int r = stage_entry (c, real, dest, m.v[i]);
        free (dest);
        if (r < 0)
            goto error;
    }
    rc = 0;
error:
    stage_paths_clear (&m, 0);
    return rc;
}

int stage_inputs (const char *storage, const char *wd,
                  const jobfile_input_t *in, int n,
                  stage_stats_t *st, mb_error_t *err)
{
    stage_stats_t dummy;
    if (!st)
        st = &dummy;
    st->bytes = 0;
    st->files = 0;
    if (n <= 0)
        return 0;
    struct ictx *c = calloc (1, sizeof (*c));
    if (!c)
        return errprintf (err, "input staging failed: %s", strerror (errno));
    int rc = -1;
    c->st = st;
    c->err = err;
    if (!realpath (storage, c->sroot)) {
        errprintf (err, "storage not available: %s: %s", storage, strerror (errno));
        goto error;
    }
    if (!realpath (wd, c->wroot)) {
        errprintf (err, "working directory not available: %s: %s", wd, strerror (errno));
        goto error;
    }
    for (int i = 0; i < n; i++) {
        c->in = &in[i];
        if (stage_one (c) < 0)
            goto error;
    }
    rc = 0;
error:;
    int saved = errno;
    free (c);
    errno = saved;
    return rc;
}
