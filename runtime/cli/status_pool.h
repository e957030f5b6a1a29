/* status_pool.h: `mpibatch status POOLDIR` without a JOB. */
#ifndef MB_STATUS_POOL_H
#define MB_STATUS_POOL_H

/* One look at the pool in pooldir, from its status.json: the text view
 * (the pool, "no pool is running ..." when its lock is free, workers, one
 * line per job), or with json the file's bytes as they are, once they
 * parse.  Prints on stdout; errors on stderr.  Returns 0, or 2 (no or a
 * bad status.json); *live says whether a pool still runs there (whether
 * --watch goes on). */
int status_pool_show (const char *pooldir, int json, int *live);

#endif
