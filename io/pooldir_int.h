/* pooldir_int.h: helpers shared by io/pooldir*.c only. */
#ifndef MB_POOLDIR_INT_H
#define MB_POOLDIR_INT_H

#include <fcntl.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"
#include "io/fdio.h"
#include "io/pooldir.h"

/* Write dirfd/name through dirfd/.tmp.<name>, (fsync when sync) and rename. */
int pd_write_file (int dirfd, const char *name, const char *data, size_t len, int sync);
/* Check POOLDIR (create it 0700 first when create): a directory, not a
 * symlink, ours, not writable by group or others.  0 or -1 (err). */
int pd_check_dir (const char *dir, int create, mb_error_t *err);
/* Who would conflict with a write lock on fd (F_OFD_GETLK, else F_GETLK). */
int pd_lock_query (int fd, struct flock *fl);
/* "pid P on HOST, started T" from dir/pool.info; *mtime its mtime (0: none). */
void pd_info_text (const char *dir, char *buf, size_t len, double *mtime);
/* Encode an answer (pooldir_req.c). */
int pool_answer_encode (const pool_answer_t *a, buf_t *out);

#endif
