/* cmd_status.c: mpibatch status (placeholder until the command is written). */
#include <stdio.h>
#include "runtime/cmd.h"
int cmd_status (int argc, char **argv)
{
    fprintf (stderr, "mpibatch status: not available in this build yet\n");
    return 3;
}
char *cmd_state_dir (const char *arg, const char *state_opt) { return NULL; }
