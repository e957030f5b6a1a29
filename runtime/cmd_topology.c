/* cmd_topology.c: mpibatch topology (placeholder until the command is written). */
#include <stdio.h>
#include "runtime/cmd.h"
int cmd_topology (int argc, char **argv)
{
    fprintf (stderr, "mpibatch topology: not available in this build yet\n");
    return 3;
}
