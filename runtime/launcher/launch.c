/* launch.c: the rank's side of its launcher: starting it before MPI is set up, and the socket to it. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/launcher/launch.h"
#include "runtime/launcher/launch_wire.h"

struct launcher {
    pid_t pid;
    int fd;
    int running;      /* submitted, result not read yet */
    int eof;          /* the launcher closed its end */
    buf_t out;        /* one request being sent, reused */
    buf_t in;         /* received bytes not decoded yet */
    size_t inpos;
};

/* ---- the rank's side -------------------------------------------------- */

/* Where the launcher program is: $MPIBATCH_LAUNCHER, beside the running
 * program (a build tree), or in the package's libexec directory. */
static void find_helper (char *path, size_t len)
{
    const char *env = getenv ("MPIBATCH_LAUNCHER");
    path[0] = '\0';
    if (env) {
        if (*env && access (env, X_OK) == 0)
            snprintf (path, len, "%s", env);
        return;   /* empty: run the loop in-process */
    }
    char exe[PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof (exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr (exe, '/');
        if (slash) {
            snprintf (slash + 1, sizeof (exe) - (size_t)(slash + 1 - exe), "mpibatch-launcher");
            if (access (exe, X_OK) == 0) {
                snprintf (path, len, "%s", exe);
                return;
            }
        }
    }
#ifdef PKGLIBEXECDIR
    snprintf (exe, sizeof (exe), "%s/mpibatch-launcher", PKGLIBEXECDIR);
    if (access (exe, X_OK) == 0)
        snprintf (path, len, "%s", exe);
#endif
}

launcher_t *launcher_start (mb_error_t *err)
{
    return launcher_start_flags (err, 0);
}

launcher_t *launcher_start_flags (mb_error_t *err, int flags)
{
    int sv[2];
    char helper[PATH_MAX];
    find_helper (helper, sizeof (helper));
    launcher_t *l = calloc (1, sizeof (*l));
    if (!l) {
        errprintf (err, "launcher: %s", strerror (errno));
        return NULL;
    }
    if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        errprintf (err, "launcher: socketpair: %s", strerror (errno));
        goto error;
    }
    pid_t parent = getpid ();
    pid_t pid = fork ();
    if (pid < 0) {
        errprintf (err, "launcher: fork: %s", strerror (errno));
        close (sv[0]);
        close (sv[1]);
        goto error;
    }
    if (pid == 0) {
        close (sv[0]);
        /* Run the loop from the small launcher program when there is one:
         * a process without MPI, HDF5 and hwloc mapped forks three times
         * faster, and it forks once per task. */
        if (helper[0]) {
            char fd[16], pp[16], fl[16];
            int s = sv[1];
            if (s < 3)
                s = fcntl (sv[1], F_DUPFD, 3);
            fcntl (s, F_SETFD, 0);
            snprintf (fd, sizeof (fd), "%d", s);
            snprintf (pp, sizeof (pp), "%d", (int)parent);
            snprintf (fl, sizeof (fl), "%d", flags);
            char *argv[] = { "mpibatch-launcher", fd, pp, flags ? fl : NULL, NULL };
            execv (helper, argv);
            fcntl (s, F_SETFD, FD_CLOEXEC);
            sv[1] = s;
        }
        launcher_run (sv[1], parent, flags);
    }
    close (sv[1]);
    l->pid = pid;
    l->fd = sv[0];
    return l;
error:
    free (l);
    return NULL;
}

static int send_all (launcher_t *l, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send (l->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int launcher_submit (launcher_t *l, const launch_req_t *r)
{
    if (!l || !r || !r->command || !r->task_dir) {
        errno = EINVAL;
        return -1;
    }
    buf_reset (&l->out);
    if (lwire_pack_submit (&l->out, r) < 0 || send_all (l, l->out.data, l->out.len) < 0)
        return -1;
    l->running++;
    return 0;
}

int launcher_interrupt (launcher_t *l, uint64_t tag)
{
    if (!l) {
        errno = EINVAL;
        return -1;
    }
    buf_reset (&l->out);
    if (lwire_pack_interrupt (&l->out, tag) < 0)
        return -1;
    return send_all (l, l->out.data, l->out.len);
}

int launcher_read (launcher_t *l, launch_result_t *out, int max)
{
    if (!l || (max > 0 && !out)) {
        errno = EINVAL;
        return -1;
    }
    int got = 0;
    int tried = 0;
    while (got < max) {
        long fl = lwire_frame_len (l->in.data + l->inpos, l->in.len - l->inpos);
        if (fl < 0) {
            errno = EPROTO;
            return -1;
        }
        if (fl > 0) {
            const char *p = l->in.data + l->inpos + 4;
            l->inpos += (size_t)fl;
            if (p[0] != LWIRE_RESULT
                || lwire_unpack_result (p + 1, (size_t)fl - 5, &out[got]) < 0)
                continue;
            got++;
            l->running--;
            continue;
        }
        /* One receive per call is enough: the caller polls again. */
        if (tried || l->eof)
            break;
        tried = 1;
        if (l->inpos > 0) {
            memmove (l->in.data, l->in.data + l->inpos, l->in.len - l->inpos);
            l->in.len -= l->inpos;
            l->inpos = 0;
        }
        if (buf_reserve (&l->in, 65536) < 0)
            return -1;
        ssize_t n;
        do
            n = recv (l->fd, l->in.data + l->in.len, l->in.cap - l->in.len - 1,
                      MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n > 0)
            l->in.len += (size_t)n;
        else if (n == 0)
            l->eof = 1;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
    }
    if (got == 0 && l->eof) {
        errno = EPIPE;
        return -1;
    }
    return got;
}

int launcher_fd (const launcher_t *l)
{
    return l ? l->fd : -1;
}

int launcher_running (const launcher_t *l)
{
    return l ? l->running : 0;
}

void launcher_stop (launcher_t *l)
{
    if (!l)
        return;
    int saved = errno;
    /* EOF on its socket makes the launcher kill every attempt and exit. */
    close (l->fd);
    int status;
    pid_t w = 0;
    for (int i = 0; i < 300 && w == 0; i++) {
        w = waitpid (l->pid, &status, WNOHANG);
        if (w == 0) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep (&ts, NULL);
        }
        else if (w < 0 && errno == EINTR)
            w = 0;
    }
    if (w == 0) {
        kill (l->pid, SIGKILL);
        while (waitpid (l->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    buf_free (&l->out);
    buf_free (&l->in);
    free (l);
    errno = saved;
}
