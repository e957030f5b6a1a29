/* cmd_run.c: mpibatch run (placeholder until the command is written). */
#include <stdio.h>
#include "runtime/cmd.h"
int cmd_run (int argc, char **argv)
{
    fprintf (stderr, "mpibatch run: not available in this build yet\n");
    return 3;
}
