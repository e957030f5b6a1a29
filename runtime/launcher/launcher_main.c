/* launcher_main.c: mpibatch-launcher, the small program a rank's launcher
 * runs as, so that forking once per task is cheap (no MPI, HDF5 or hwloc
 * mapped).  Started only by launcher_start: argv is the socket, the
 * rank's pid and optionally the flags. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "runtime/launcher/launch.h"

int main (int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf (stderr, "mpibatch-launcher: started by mpibatch run, not by hand\n");
        return 2;
    }
    launcher_run (atoi (argv[1]), (pid_t)atoi (argv[2]), argc == 4 ? atoi (argv[3]) : 0);
}
