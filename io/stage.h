/* stage.h: staging through the shared storage directory (spec/tasks.md,
 * Staging): inputs into a task's working directory, outputs published
 * atomically into storage, and the path-safety rules for both. */
#ifndef MB_STAGE_H
#define MB_STAGE_H

#include <stdint.h>

#include "common/err.h"
#include "io/jobfile.h"

typedef struct {
    int64_t bytes;   /* bytes copied (a link or symlink counts its file size: 0 for symlinks) */
    int files;       /* files staged or published */
} stage_stats_t;

/* Stage every input into the working directory wd (absolute, existing).
 * Sources are relative to storage (absolute); a source is a file, a
 * directory (taken whole) or a glob.  Nothing outside storage is read and
 * nothing outside wd is written: absolute paths, `..` and symlinks leading
 * out are refused.  Returns 0, or -1 with err->text a one-line reason fit
 * for the attempt record, e.g. "input missing: inputs/a.dat" or
 * "input path outside the working directory: ../x". */
int stage_inputs (const char *storage, const char *wd,
                  const jobfile_input_t *in, int n,
                  stage_stats_t *st, mb_error_t *err);

/* Publish outputs whose `when` matches the attempt (succeeded != 0 means
 * exit 0).  Patterns are relative to wd (`*`, `?`, `[...]`, `**`); a
 * destination is relative to storage; NULL destination means default_dest
 * (absolute, normally <state>/outputs/<task id>/, created as needed).  Each
 * file is written under a temporary name in its destination directory and
 * renamed into place.  Matches that are symlinks leading outside wd are
 * refused.  Returns 0, or -1 with err->text a reason such as
 * "output upload failed: No space left on device" or "output pattern
 * matched nothing: out.h5". */
int stage_outputs (const char *storage, const char *wd, const char *default_dest,
                   const jobfile_output_t *out, int n, int succeeded,
                   stage_stats_t *st, mb_error_t *err);

/* A relative path that stays inside its root: not empty, not absolute, no
 * `..` component.  Returns NULL when safe, else a reason. */
const char *stage_path_problem (const char *path);

/* Glob match of a relative path against a pattern with `*`, `?`, `[abc]`,
 * `[!a-c]` (none of which cross `/`; fnmatch(3) with FNM_PATHNAME and
 * FNM_NOESCAPE, so POSIX classes such as `[[:digit:]]` work too) and `**`
 * (a whole component: any number of directories).  Returns 1 on a match,
 * 0 otherwise. */
int stage_glob_match (const char *pattern, const char *path);

/* Copy one regular file, fast (copy_file_range/sendfile, holes kept), to
 * dst (created with mode `mode`, or the source's mode when mode < 0).
 * Returns bytes copied or -1 with errno set. */
int64_t stage_copy_file (const char *src, const char *dst, int mode);

/* Remove a directory tree (no symlink is followed).  0 or -1. */
int stage_remove_tree (const char *path);

/* mkdir -p with mode 0755.  0 or -1. */
int stage_mkdirs (const char *path);

#endif
