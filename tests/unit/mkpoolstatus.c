/* mkpoolstatus.c: writes POOLDIR/status.json with io/poolstatus from lines on stdin, for the shell tests.
 *
 *   pool ID HOST PID STATE STARTED UPDATED
 *   worker N NODE SLOTS BUSY JOINED ALIVE
 *   job ID STATE PRIORITY OPEN STATE_DIR PENDING READY RUNNING SUCCEEDED
 *       FAILED SKIPPED CANCELLED SUBMITTED STARTED ENDED
 *
 * (one line each; a time "-" is null). */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/poolstatus.h"

static double tm (const char *s)
{
    return strcmp (s, "-") ? strtod (s, NULL) : NAN;
}

int main (int argc, char **argv)
{
    poolstatus_t st;
    poolstatus_worker_t w[64];
    poolstatus_job_t j[64];
    char line[4096], *f[20];
    mb_error_t err = { { 0 } };
    /* Every word is kept until the file is written: one block of them. */
    char *words[64 * 24];
    int nwords = 0, rc = 0;

    if (argc != 2) {
        fprintf (stderr, "usage: mkpoolstatus POOLDIR <lines\n");
        return 2;
    }
    memset (&st, 0, sizeof (st));
    st.workers = w;
    st.jobs = j;
    while (fgets (line, sizeof (line), stdin)) {
        int n = 0;
        for (char *t = strtok (line, " \t\n"); t && n < 20; t = strtok (NULL, " \t\n"))
            if (nwords < (int)(sizeof (words) / sizeof (words[0])))
                words[nwords++] = f[n++] = strdup (t);
        if (n == 7 && !strcmp (f[0], "pool")) {
            st.pool = f[1];
            st.host = f[2];
            st.pid = atol (f[3]);
            st.state = f[4];
            st.started = tm (f[5]);
            st.updated = tm (f[6]);
        }
        else if (n == 7 && !strcmp (f[0], "worker") && st.nworkers < 64)
            w[st.nworkers++] = (poolstatus_worker_t){ atoi (f[1]), f[2], atoi (f[3]),
                                                      atoi (f[4]), atoi (f[5]), atoi (f[6]) };
        else if (n == 16 && !strcmp (f[0], "job") && st.njobs < 64) {
            poolstatus_job_t *jb = &j[st.njobs++];
            jb->id = f[1];
            jb->state = f[2];
            jb->priority = atoi (f[3]);
            jb->open = atoi (f[4]);
            jb->state_dir = f[5];
            for (int k = 0; k < PS_NCOUNTS; k++)
                jb->counts[k] = strtoull (f[6 + k], NULL, 10);
            jb->submitted = tm (f[13]);
            jb->started = tm (f[14]);
            jb->ended = tm (f[15]);
        }
        else if (n) {
            fprintf (stderr, "mkpoolstatus: bad line starting '%s'\n", f[0]);
            rc = 2;
            goto out;
        }
    }
    if (poolstatus_write (argv[1], &st, &err) < 0) {
        fprintf (stderr, "mkpoolstatus: %s\n", err.text);
        rc = 1;
    }
out:
    for (int k = 0; k < nwords; k++)
        free (words[k]);
    return rc;
}
