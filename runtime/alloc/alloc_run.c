/* alloc_run.c: run one Slurm command without a shell, its output captured, within a time limit. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "runtime/alloc/alloc_int.h"
#include "runtime/node/env.h"

#define OUT_MAX 65536

extern char **environ;

char *alloc_which (const char *prog)
{
    if (strchr (prog, '/'))
        return access (prog, X_OK) == 0 ? strdup (prog) : NULL;
    const char *path = getenv ("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char buf[PATH_MAX];
    while (*path) {
        const char *colon = strchr (path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen (path);
        if (n && n + strlen (prog) + 2 < sizeof (buf)) {
            snprintf (buf, sizeof (buf), "%.*s/%s", (int)n, path, prog);
            if (access (buf, X_OK) == 0)
                return strdup (buf);
        }
        path += n + (colon ? 1 : 0);
    }
    return NULL;
}

int alloc_env_keep (const char *entry)
{
    /* What mpirun gives each rank about its own job: handed on to the
     * worker job's mpirun it would take itself for one of this job's
     * processes (OMPI_MCA_orte_hnp_uri, ess, the PMIx server...).  The
     * tasks' rule (runtime/node/env.c), and the two settings mpirun
     * derives for its ranks from their placement.  The user's own MCA
     * settings (btl_tcp_if_include...) and OMPI_ALLOW_RUN_AS_ROOT* stay. */
    if (env_is_launcher_var (entry) || !strncmp (entry, "OMPI_MCA_mpi_oversubscribe=", 27)
        || !strncmp (entry, "OMPI_MCA_mpi_yield_when_idle=", 29))
        return 0;
    /* The pool's own Slurm job (when it runs in one): its SLURM_JOB_ID,
     * SLURM_NTASKS, SLURM_JOB_END_TIME... are not the worker job's, and
     * sbatch would hand on those the new job does not set itself.
     * SLURM_CONF names the cluster. */
    if (!strncmp (entry, "SLURM_", 6))
        return !strncmp (entry, "SLURM_CONF=", 11);
    return 1;
}

int alloc_run (char *const argv[], double timeout, buf_t *out, buf_t *errout, int *status,
               mb_error_t *err)
{
    char *prog = alloc_which (argv[0]);
    if (!prog) {
        errno = ENOENT;
        return errprintf (err, "%s: not found on PATH", argv[0]);
    }
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    char **env = calloc (nenv + 1, sizeof (char *));
    if (!env) {
        free (prog);
        return errprintf (err, "%s: out of memory", argv[0]);
    }
    for (size_t k = 0, n = 0; k < nenv; k++)
        if (alloc_env_keep (environ[k]))
            env[n++] = environ[k];
    int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
    if (pipe2 (po, O_CLOEXEC) < 0 || pipe2 (pe, O_CLOEXEC) < 0) {
        int saved = errno;
        if (po[0] >= 0) {
            close (po[0]);
            close (po[1]);
        }
        errno = saved;
        free (prog);
        free (env);
        return errprintf (err, "%s: cannot make a pipe: %s", argv[0], strerror (errno));
    }
    /* posix_spawn, not fork: rank 0 runs this after MPI_Init, and a
     * vfork-style spawn copies none of the process (registered memory,
     * threads) that MPI may not like to see duplicated.  The child gets
     * its own process group (a timeout kills what it started too), the
     * default signals, an empty mask, stdin from /dev/null. */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all;
    sigemptyset (&none);
    sigfillset (&all);
    posix_spawn_file_actions_init (&fa);
    posix_spawnattr_init (&at);
    posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2 (&fa, po[1], 1);
    posix_spawn_file_actions_adddup2 (&fa, pe[1], 2);
    posix_spawnattr_setflags (&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                       | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup (&at, 0);
    posix_spawnattr_setsigmask (&at, &none);
    posix_spawnattr_setsigdefault (&at, &all);
    pid_t pid = -1;
    int sp = posix_spawn (&pid, prog, &fa, &at, argv, env);
    posix_spawn_file_actions_destroy (&fa);
    posix_spawnattr_destroy (&at);
    free (prog);
    free (env);
    close (po[1]);
    close (pe[1]);
    if (sp != 0) {
        close (po[0]);
        close (pe[0]);
        errno = sp;
        return errprintf (err, "%s: cannot start: %s", argv[0], strerror (sp));
    }
    double end = mb_clock_mono () + timeout;
    struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
    buf_t *bufs[2] = { out, errout };
    int open_fds = 2, timed_out = 0;
    char chunk[4096];
    while (open_fds > 0) {
        double left = end - mb_clock_mono ();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int rc = poll (fds, 2, (int)(left * 1000) + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            break;
        for (int k = 0; k < 2; k++) {
            if (fds[k].fd < 0 || !fds[k].revents)
                continue;
            ssize_t r = read (fds[k].fd, chunk, sizeof (chunk));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close (fds[k].fd);
                fds[k].fd = -1;
                open_fds--;
                continue;
            }
            if (bufs[k] && bufs[k]->len < OUT_MAX)
                buf_add (bufs[k], chunk, (size_t)r);
        }
    }
    for (int k = 0; k < 2; k++)
        if (fds[k].fd >= 0)
            close (fds[k].fd);
    if (timed_out)
        kill (-pid, SIGKILL);
    /* Reap exactly our child (never waitpid(-1): the pool has others). */
    int st = 0;
    double stop = mb_clock_mono () + (timed_out ? 5 : timeout + 5);
    for (;;) {
        pid_t w = waitpid (pid, &st, timed_out ? 0 : WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            break;
        if (w == 0) {
            if (mb_clock_mono () > stop) {
                kill (-pid, SIGKILL);
                timed_out = 1;
                continue;
            }
            usleep (2000);
        }
    }
    if (status)
        *status = st;
    if (timed_out) {
        errno = ETIMEDOUT;
        return errprintf (err, "%s: no answer within %.0f s (killed)", argv[0], timeout);
    }
    if (WIFEXITED (st) && WEXITSTATUS (st) == 127 && (!errout || errout->len == 0)) {
        errno = ENOEXEC;
        return errprintf (err, "%s: could not be run", argv[0]);
    }
    return 0;
}
