/* stage_out.c: publishing a task's outputs into storage, each file renamed into place whole. */
#include <config.h>

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

/* One file to publish: found and checked first, written afterwards, so a
 * refused match means nothing of the whole call was written. */
struct pub {
    char *src;          /* resolved path inside the working directory */
    char *dir;          /* absolute destination directory */
    char *name;         /* final file name in it */
    const char *dest;   /* destination as written (NULL: the default) */
};

struct octx {
    char sroot[PATH_MAX];
    char wroot[PATH_MAX];
    struct pub *pubs;
    int npubs, cap;
    stage_paths_t m;    /* matches of the output being looked at */
    stage_stats_t *st;
    mb_error_t *err;
};


/* Queue src to be published as the absolute file path `full` (taken). */
static int add_pub (struct octx *c, char *src, char *full, const char *dest)
{
    if (c->npubs == c->cap) {
        int ncap = c->cap ? c->cap * 2 : 8;
        struct pub *p = realloc (c->pubs, ncap * sizeof (*p));
        if (!p)
            goto error;
        c->pubs = p;
        c->cap = ncap;
    }
    char *slash = strrchr (full, '/');
    char *name = strdup (slash + 1);
    if (!name)
        goto error;
    *slash = '\0';
    struct pub *p = &c->pubs[c->npubs++];
    p->src = src;
    p->dir = full;
    p->name = name;
    p->dest = dest;
    return 0;
error:
    free (src);
    free (full);
    return errprintf (c->err, "output upload failed: %s", strerror (errno));
}

static int wanted (int when, int succeeded)
{
    if (when == OUTPUT_SUCCESS)
        return succeeded;
    if (when == OUTPUT_FAILURE)
        return !succeeded;
    return 1;
}

/* Find the files of one output and queue them. */
static int collect (struct octx *c, const jobfile_output_t *o, const char *default_dest)
{
    const char *pattern = o->pattern;
    if (!pattern || stage_path_problem (pattern))
        return errprintf (c->err, "output pattern outside the working directory: %s",
                          pattern ? pattern : "(none)");
    while (pattern[0] == '.' && pattern[1] == '/')
        pattern += 2;
    const char *base;
    char *sbase = NULL;
    int isdir = 1;
    if (o->destination) {
        if (stage_path_problem (o->destination))
            return errprintf (c->err, "output destination outside storage: %s",
                              o->destination);
        if (asprintf (&sbase, "%s/%s", c->sroot, o->destination) < 0)
            return errprintf (c->err, "output upload failed: %s", strerror (errno));
        base = sbase;
        isdir = o->destination[strlen (o->destination) - 1] == '/';
    }
    else if (!(base = default_dest) || base[0] != '/')
        return errprintf (c->err, "output has no destination: %s", pattern);

    int rc = -1;
    stage_paths_clear (&c->m, 1);
    if (stage_walk (c->wroot, pattern, 0, stage_paths_add, &c->m) < 0) {
        errprintf (c->err, "output upload failed: %s", strerror (errno));
        goto error;
    }
    /* Resolve every match: symlinks must stay inside the working
     * directory, and only what ends in a regular file is published. */
    int first = c->npubs;
    size_t plen = stage_glob_prefix (pattern);
    for (int i = 0; i < c->m.n; i++) {
        const char *rel = c->m.v[i];
        char *full, real[PATH_MAX];
        struct stat sb;
        if (asprintf (&full, "%s/%s", c->wroot, rel) < 0) {
            errprintf (c->err, "output upload failed: %s", strerror (errno));
            goto error;
        }
        int ok = realpath (full, real) != NULL;
        free (full);
        if (!ok && errno == ENOENT)
            continue;       /* a dangling symlink is no file */
        /* A symlink to a directory is skipped wherever it leads, since
         * directories are never followed; anything else leading out of
         * the working directory fails the attempt. */
        if (ok && !stage_under (c->wroot, real)
            && !(stat (real, &sb) == 0 && S_ISDIR (sb.st_mode))) {
            errprintf (c->err, "output outside the working directory: %s", rel);
            goto error;
        }
        if (!ok || stat (real, &sb) < 0) {
            errprintf (c->err, "output upload failed: %s", strerror (errno));
            goto error;
        }
        if (!S_ISREG (sb.st_mode))
            continue;
        char *src = strdup (real), *dst;
        /* In a directory destination a match keeps its path below the
         * pattern's fixed prefix. */
        if (isdir)
            rc = asprintf (&dst, "%s/%s", base, rel + plen + (plen ? 1 : 0));
        else
            rc = (dst = strdup (base)) ? 0 : -1;
        if (rc < 0 || !src) {
            if (rc >= 0)
                free (dst);
            free (src);
            rc = -1;
            errprintf (c->err, "output upload failed: %s", strerror (errno));
            goto error;
        }
        rc = -1;
        if (add_pub (c, src, dst, o->destination) < 0)
            goto error;
    }
    int found = c->npubs - first;
    if (!isdir && found != 1) {
        errprintf (c->err, "output pattern matched %d files for single-file destination"
                   " %s: %s", found, o->destination, o->pattern);
        goto error;
    }
    if (found == 0 && !stage_has_wildcard (pattern)) {
        errprintf (c->err, "output missing: %s", o->pattern);
        goto error;
    }
    rc = 0;
error:
    free (sbase);
    return rc;
}

/* Write one queued file under a temporary name beside its final name,
 * flush it, and rename it into place. */
static int publish (struct octx *c, const struct pub *p)
{
    int r = p->dest ? stage_mkdirs_under (c->sroot, p->dir) : stage_mkdirs (p->dir);
    if (r == -2)
        return errprintf (c->err, "output destination outside storage: %s", p->dest);
    if (r < 0)
        return errprintf (c->err, "output upload failed: %s", strerror (errno));
    int dfd = -1, in = -1, out = -1;
    char tmp[NAME_MAX + 1];
    if (snprintf (tmp, sizeof (tmp), ".%s.mpibatch-tmp.%ld", p->name,
                  (long)getpid ()) >= (int)sizeof (tmp)) {
        errno = ENAMETOOLONG;
        goto error;
    }
    struct stat sb;
    if ((dfd = open (p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0
        || (in = open (p->src, O_RDONLY | O_CLOEXEC)) < 0
        || fstat (in, &sb) < 0)
        goto error;
    /* A temporary file left by a crashed attempt of this same pid would
     * make O_EXCL fail: it is ours to remove. */
    unlinkat (dfd, tmp, 0);
    if ((out = openat (dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0600)) < 0)
        goto error;
    if (stage_copy_fd (in, out, sb.st_size) < 0
        || fchmod (out, sb.st_mode & 0777) < 0
        || fsync (out) < 0)
        goto error;
    r = close (out);
    out = -1;
    if (r < 0 || renameat (dfd, tmp, dfd, p->name) < 0)
        goto error;
    /* The rename itself is durable once the directory is flushed. */
    (void)fsync (dfd);
    close (dfd);
    close (in);
    c->st->bytes += sb.st_size;
    c->st->files++;
    return 0;
error:
    errprintf (c->err, "output upload failed: %s", strerror (errno));
    int saved = errno;
    if (out >= 0)
        close (out);
    if (dfd >= 0) {
        unlinkat (dfd, tmp, 0);
        close (dfd);
    }
    if (in >= 0)
        close (in);
    errno = saved;
    return -1;
}

int stage_outputs (const char *storage, const char *wd, const char *default_dest,
                   const jobfile_output_t *out, int n, int succeeded,
                   stage_stats_t *st, mb_error_t *err)
{
    stage_stats_t dummy;
    if (!st)
        st = &dummy;
    st->bytes = 0;
    st->files = 0;
    if (n <= 0)
        return 0;
    int i, any = 0;
    for (i = 0; i < n; i++)
        any |= wanted (out[i].when, succeeded);
    if (!any)
        return 0;
    struct octx *c = calloc (1, sizeof (*c));
    if (!c)
        return errprintf (err, "output upload failed: %s", strerror (errno));
    int rc = -1;
    c->st = st;
    c->err = err;
    /* Storage is only needed by outputs that name a destination there. */
    int need_storage = 0;
    for (i = 0; i < n; i++)
        if (wanted (out[i].when, succeeded) && out[i].destination)
            need_storage = 1;
    if (need_storage && !realpath (storage, c->sroot)) {
        errprintf (err, "storage not available: %s: %s", storage, strerror (errno));
        goto error;
    }
    if (!realpath (wd, c->wroot)) {
        errprintf (err, "working directory not available: %s: %s", wd, strerror (errno));
        goto error;
    }
    for (i = 0; i < n; i++)
        if (wanted (out[i].when, succeeded) && collect (c, &out[i], default_dest) < 0)
            goto error;
    for (i = 0; i < c->npubs; i++)
        if (publish (c, &c->pubs[i]) < 0)
            goto error;
    rc = 0;
error:;
    int saved = errno;
    stage_paths_clear (&c->m, 0);
    for (i = 0; i < c->npubs; i++) {
        free (c->pubs[i].src);
        free (c->pubs[i].dir);
        free (c->pubs[i].name);
    }
    free (c->pubs);
    free (c);
    errno = saved;
    return rc;
}
