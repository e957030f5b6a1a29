/* cmd_logs.c: mpibatch logs (placeholder until the command is written). */
#include <stdio.h>
#include "runtime/cmd.h"
int cmd_logs (int argc, char **argv)
{
    fprintf (stderr, "mpibatch logs: not available in this build yet\n");
    return 3;
}
