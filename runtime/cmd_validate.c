/* cmd_validate.c: mpibatch validate (placeholder until the command is written). */
#include <stdio.h>
#include "runtime/cmd.h"
int cmd_validate (int argc, char **argv)
{
    fprintf (stderr, "mpibatch validate: not available in this build yet\n");
    return 3;
}
