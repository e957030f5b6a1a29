/* cmd.h: the subcommands of mpibatch.  Each takes the arguments after the
 * program name (argv[0] is the subcommand's name), prints its usage on
 * stdout for --help, and returns the process exit code (spec/cli.md:
 * 0 ok, 1 tasks failed, 2 bad input, 3 runtime failure, 4 interrupted). */
#ifndef MB_CMD_H
#define MB_CMD_H

#include "io/pooldir.h"

int cmd_run (int argc, char **argv);
/* cmd_pool_serve.c: the pool service (spec/pools.md). */
int cmd_pool_serve (int argc, char **argv);
int cmd_validate (int argc, char **argv);
int cmd_status (int argc, char **argv);
int cmd_report (int argc, char **argv);
int cmd_logs (int argc, char **argv);
int cmd_topology (int argc, char **argv);
/* cmd_pool.c: requests to a running pool (spec/pools.md). */
int cmd_submit (int argc, char **argv);
int cmd_add (int argc, char **argv);
int cmd_close (int argc, char **argv);
int cmd_cancel (int argc, char **argv);
int cmd_priority (int argc, char **argv);
int cmd_shutdown (int argc, char **argv);
/* cmd_alloc.c: automatic allocation queues of a pool. */
int cmd_alloc (int argc, char **argv);

/* cmd_pool.c: hand req to the pool in dir and wait up to timeout s for its
 * answer (sender fields filled when unset).  Returns the exit code: 0
 * accepted (ans filled; pool_answer_free it), 2 refused (the reason printed
 * on stderr as "mpibatch CMD: ..."), 3 no pool, no answer in time, or a
 * system error. */
int cmd_pool_request (const char *cmd, const char *dir, pool_req_t *req, double timeout,
                      pool_answer_t *ans);
int cmd_worker (int argc, char **argv);

#endif
