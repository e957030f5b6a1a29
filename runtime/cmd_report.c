/* cmd_report.c: mpibatch report (placeholder until the command is written). */
#include <stdio.h>
#include "runtime/cmd.h"
int cmd_report (int argc, char **argv)
{
    fprintf (stderr, "mpibatch report: not available in this build yet\n");
    return 3;
}
