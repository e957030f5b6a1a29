/* stage_int.h: helpers shared by the staging files (io/stage*.c); not
 * part of the module's interface. */
#ifndef MB_STAGE_INT_H
#define MB_STAGE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Copy the whole of `in` (size bytes, holes kept where the filesystem
 * reports them) into the empty file `out`.  0 or -1 with errno set. */
int stage_copy_fd (int in, int out, off_t size);

/* True when the absolute, resolved path `p` is `root` or lies under it. */
int stage_under (const char *root, const char *p);

/* Length of a pattern's fixed directory prefix: the components before the
 * first one with a wildcard, never including the last component.  The
 * prefix is pattern[0 .. len) without a trailing slash (len 0: none). */
size_t stage_glob_prefix (const char *pattern);

/* True when a string has a glob character (`*`, `?` or `[`). */
int stage_has_wildcard (const char *s);

/* Called for each match of stage_walk(): rel is the path relative to the
 * walk's root, sb its lstat.  Return 0 to go on, -1 to stop the walk. */
typedef int (*stage_walk_f) (const char *rel, const struct stat *sb, void *arg);

/* Walk the tree under root (an absolute directory) below the pattern's
 * fixed prefix, never following a symlink to a directory, and call fn for
 * each entry whose relative path matches the pattern: regular files and
 * symlinks, and directories too when match_dirs (a matched directory is
 * not entered).  Entries come in name order.  A missing prefix is no
 * match.  0, or -1 with errno set (or fn's -1). */
int stage_walk (const char *root, const char *pattern, int match_dirs,
                stage_walk_f fn, void *arg);

/* Create the directory `path` and its parents, after checking that the
 * deepest part that already exists resolves under `root_real`, then check
 * the result again.  0; -1 with errno set; -2 when it would leave root. */
int stage_mkdirs_under (const char *root_real, const char *path);

/* Paths collected by a walk (stage_walk's callback adds to it). */
typedef struct {
    char **v;
    int n, cap;
} stage_paths_t;

/* A stage_walk callback: arg is a stage_paths_t; adds a copy of rel. */
int stage_paths_add (const char *rel, const struct stat *sb, void *arg);
/* Free the paths (keeps the array for reuse when keep != 0). */
void stage_paths_clear (stage_paths_t *m, int keep);

#endif
