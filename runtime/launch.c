/* launch.c: the launcher process forked by each rank before MPI_Init, and the rank's side of its socket. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/launch.h"
#include "runtime/launch_wire.h"

struct launcher {
    pid_t pid;
    int fd;
    int running;      /* submitted, result not read yet */
    int eof;          /* the launcher closed its end */
    buf_t out;        /* one request being sent, reused */
    buf_t in;         /* received bytes not decoded yet */
    size_t inpos;
};

/* ---- the launcher process ------------------------------------------- */

/* One running attempt, as the launcher sees it. */
struct att {
    uint64_t tag;
    pid_t sup;        /* its supervisor */
    int slot;         /* its word in L.taskpid, -1 when none was free */
    int reaped;
    int status;       /* the supervisor's wait status, once reaped */
    int has_result;
};

/* The launcher is a process of its own with one instance of this. */
static struct {
    pid_t self;
    int sock, sigfd, res_r, res_w, devnull;
    struct att *att;
    size_t natt, capatt;
    buf_t in;         /* bytes from the rank */
    buf_t outq;       /* result frames for the rank */
    size_t outpos;
    char carry[sizeof (lsup_msg_t)];
    size_t ncarry;
    /* Shared with the supervisors: each stores its task's pid in its slot
     * so the launcher can kill the task's group if the supervisor hangs. */
    pid_t *taskpid;
    int *freeslots;
    int nfree;
} L;

#define NSLOTS 4096

static struct att *att_by_sup (pid_t pid)
{
    for (size_t i = 0; i < L.natt; i++)
        if (L.att[i].sup == pid)
            return &L.att[i];
    return NULL;
}

/* A result the launcher makes up itself, for an attempt whose supervisor
 * could not start or died without reporting. */
static void queue_failure (uint64_t tag, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
static void queue_failure (uint64_t tag, const char *fmt, ...)
{
    launch_result_t res;
    struct timespec ts;
    memset (&res, 0, sizeof (res));
    clock_gettime (CLOCK_REALTIME, &ts);
    res.tag = tag;
    res.outcome = LAUNCH_FAILED;
    res.exit_code = -1;
    res.start_time = res.end_time = ts.tv_sec + ts.tv_nsec * 1e-9;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (res.reason, sizeof (res.reason), fmt, ap);
    va_end (ap);
    lwire_pack_result (&L.outq, &res);
}

static void spawn (const char *p, size_t n)
{
    uint64_t tag = lwire_payload_tag (p, n);
    if (L.natt == L.capatt) {
        size_t cap = L.capatt ? 2 * L.capatt : 16;
        struct att *a = realloc (L.att, cap * sizeof (*a));
        if (!a) {
            queue_failure (tag, "launcher: out of memory");
            return;
        }
        L.att = a;
        L.capatt = cap;
    }
    int slot = L.nfree > 0 ? L.freeslots[--L.nfree] : -1;
    pid_t *taskpid = slot >= 0 ? &L.taskpid[slot] : NULL;
    if (taskpid)
        *taskpid = 0;
    pid_t pid = fork ();
    if (pid < 0) {
        if (slot >= 0)
            L.freeslots[L.nfree++] = slot;
        queue_failure (tag, "cannot start a supervisor: %s", strerror (errno));
        return;
    }
    if (pid == 0) {
        /* The rank must see EOF when the launcher dies, so no supervisor
         * may hold the launcher's end of the socket. */
        close (L.sock);
        supervise (p, n, L.res_w, L.devnull, L.self, taskpid);
    }
    struct att *a = &L.att[L.natt++];
    memset (a, 0, sizeof (*a));
    a->tag = tag;
    a->sup = pid;
    a->slot = slot;
}

static void interrupt (uint64_t tag)
{
    for (size_t i = 0; i < L.natt; i++) {
        if (L.att[i].tag == tag && !L.att[i].reaped) {
            union sigval v = { .sival_int = LWIRE_SIGVAL_INTERRUPT };
            sigqueue (L.att[i].sup, SIGTERM, v);
        }
    }
}

static void reap (void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid (-1, &status, WNOHANG)) > 0) {
        struct att *a = att_by_sup (pid);
        if (a) {
            a->reaped = 1;
            a->status = status;
        }
    }
}

static void handle_msg (const lsup_msg_t *m)
{
    struct att *a = att_by_sup (m->sup);
    if (a && !a->has_result) {
        a->has_result = 1;
        lwire_pack_result (&L.outq, &m->r);
    }
}

/* Read what supervisors reported.  Each record was written whole, but a
 * read may still end mid-record if the buffer ends there: keep the rest. */
static void drain_results (void)
{
    char buf[16 * sizeof (lsup_msg_t)];
    for (;;) {
        memcpy (buf, L.carry, L.ncarry);
        ssize_t n = read (L.res_r, buf + L.ncarry, sizeof (buf) - L.ncarry);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return;
        }
        size_t have = L.ncarry + (size_t)n, off = 0;
        for (; have - off >= sizeof (lsup_msg_t); off += sizeof (lsup_msg_t)) {
            lsup_msg_t m;
            memcpy (&m, buf + off, sizeof (m));
            handle_msg (&m);
        }
        L.ncarry = have - off;
        memcpy (L.carry, buf + off, L.ncarry);
    }
}

/* Drop attempts that are over: reaped, result queued. */
static void finish_attempts (void)
{
    for (size_t i = 0; i < L.natt;) {
        struct att *a = &L.att[i];
        if (!a->reaped) {
            i++;
            continue;
        }
        if (!a->has_result) {
            int st = a->status;
            if (WIFSIGNALED (st))
                queue_failure (a->tag, "supervisor killed by signal %d", WTERMSIG (st));
            else
                queue_failure (a->tag, "supervisor exited (%d) without a result",
                               WEXITSTATUS (st));
        }
        if (a->slot >= 0)
            L.freeslots[L.nfree++] = a->slot;
        L.att[i] = L.att[--L.natt];
    }
}

static void shutdown_all (void) __attribute__ ((noreturn));
static void shutdown_all (void)
{
    /* A plain SIGTERM (not the queued interrupt) tells each supervisor to
     * SIGKILL its task's group at once and exit. */
    for (size_t i = 0; i < L.natt; i++)
        if (!L.att[i].reaped)
            kill (L.att[i].sup, SIGTERM);
    struct timespec t0, t;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    for (;;) {
        reap ();
        drain_results ();
        int left = 0;
        for (size_t i = 0; i < L.natt; i++)
            left += !L.att[i].reaped;
        clock_gettime (CLOCK_MONOTONIC, &t);
        long ms = 1000 - ((t.tv_sec - t0.tv_sec) * 1000
                          + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (!left || ms <= 0)
            break;
        struct pollfd p[2] = { { L.sigfd, POLLIN, 0 }, { L.res_r, POLLIN, 0 } };
        poll (p, 2, (int)ms);
        struct signalfd_siginfo si;
        while (read (L.sigfd, &si, sizeof (si)) > 0)
            ;
    }
    /* Stuck supervisors: kill what they ran, then them. */
    for (size_t i = 0; i < L.natt; i++) {
        if (L.att[i].reaped)
            continue;
        pid_t task = L.att[i].slot >= 0
            ? __atomic_load_n (&L.taskpid[L.att[i].slot], __ATOMIC_ACQUIRE) : 0;
        if (task > 0)
            kill (-task, SIGKILL);
        kill (L.att[i].sup, SIGKILL);
    }
    _exit (0);
}

/* Decode and act on every complete frame from the rank. */
static void handle_requests (void)
{
    size_t pos = 0;
    for (;;) {
        long fl = lwire_frame_len (L.in.data + pos, L.in.len - pos);
        if (fl < 0)
            shutdown_all ();   /* garbage: the rank is not talking to us */
        if (fl == 0)
            break;
        const char *p = L.in.data + pos + 4;
        size_t n = (size_t)fl - 4;
        if (p[0] == LWIRE_SUBMIT)
            spawn (p + 1, n - 1);
        else if (p[0] == LWIRE_INTERRUPT)
            interrupt (lwire_payload_tag (p + 1, n - 1));
        pos += (size_t)fl;
    }
    if (pos > 0) {
        memmove (L.in.data, L.in.data + pos, L.in.len - pos);
        L.in.len -= pos;
    }
}

/* 0, or -1 when the rank is gone (EOF or error). */
static int read_requests (void)
{
    for (;;) {
        if (buf_reserve (&L.in, 65536) < 0)
            return -1;
        ssize_t n = recv (L.sock, L.in.data + L.in.len, L.in.cap - L.in.len - 1,
                          MSG_DONTWAIT);
        if (n > 0) {
            L.in.len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        handle_requests ();
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
}

static int flush_results (void)
{
    while (L.outpos < L.outq.len) {
        ssize_t n = send (L.sock, L.outq.data + L.outpos, L.outq.len - L.outpos,
                          MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        L.outpos += (size_t)n;
    }
    buf_reset (&L.outq);
    L.outpos = 0;
    return 0;
}

/* glibc keeps two real-time signals for itself and refuses to touch them,
 * yet a parent may have left them ignored (dispositions survive exec):
 * reset them with the raw system call, whose struct is the kernel's. */
static void reset_reserved (int sig)
{
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long mask;
    } ksa = { 0, 0, 0, 0 };   /* SIG_DFL */
    syscall (SYS_rt_sigaction, sig, &ksa, NULL, sizeof (ksa.mask));
}

void launcher_run (int sock, pid_t parent)
{
    /* Die with the rank; it may have died before this line. */
    prctl (PR_SET_PDEATHSIG, SIGKILL);
    if (getppid () != parent)
        _exit (1);
    L.self = getpid ();
    L.sock = sock;
    /* Nothing the rank opened is ours to keep. */
    if (sock > 3)
        close_range (3, sock - 1, 0);
    close_range (sock + 1, ~0U, 0);

    /* Start from default dispositions so tasks inherit no ignored signal,
     * then ignore what mpirun or Slurm send to the rank's process group:
     * the rank decides what to do about them. */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && signal (sig, SIG_DFL) == SIG_ERR)
            reset_reserved (sig);
    signal (SIGINT, SIG_IGN);
    signal (SIGUSR1, SIG_IGN);
    signal (SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGCHLD);
    sigaddset (&set, SIGTERM);
    sigprocmask (SIG_SETMASK, &set, NULL);
    int pfd[2];
    if ((L.sigfd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0
        || pipe2 (pfd, O_CLOEXEC) < 0
        || (L.devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        _exit (1);
    L.taskpid = mmap (NULL, NSLOTS * sizeof (pid_t), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    L.freeslots = malloc (NSLOTS * sizeof (int));
    if (L.taskpid != MAP_FAILED && L.freeslots) {
        for (int i = NSLOTS - 1; i >= 0; i--)
            L.freeslots[L.nfree++] = i;
    }
    L.res_r = pfd[0];
    L.res_w = pfd[1];
    fcntl (L.res_r, F_SETFL, O_NONBLOCK);

    for (;;) {
        struct pollfd p[3] = {
            { L.sock, POLLIN | (L.outpos < L.outq.len ? POLLOUT : 0), 0 },
            { L.sigfd, POLLIN, 0 },
            { L.res_r, POLLIN, 0 },
        };
        if (poll (p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            shutdown_all ();
        }
        if (p[1].revents) {
            struct signalfd_siginfo si;
            int chld = 0;
            while (read (L.sigfd, &si, sizeof (si)) == sizeof (si)) {
                if (si.ssi_signo == SIGTERM)
                    shutdown_all ();
                chld = 1;
            }
            if (chld)
                reap ();
        }
        /* After reaping, so every result a reaped supervisor wrote is read
         * before it is declared dead without one. */
        if (p[1].revents || p[2].revents) {
            drain_results ();
            finish_attempts ();
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
            if (read_requests () < 0)
                shutdown_all ();
        if (flush_results () < 0)
            shutdown_all ();
    }
}

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
            char fd[16], pp[16];
            int s = sv[1];
            if (s < 3)
                s = fcntl (sv[1], F_DUPFD, 3);
            fcntl (s, F_SETFD, 0);
            snprintf (fd, sizeof (fd), "%d", s);
            snprintf (pp, sizeof (pp), "%d", (int)parent);
            char *argv[] = { "mpibatch-launcher", fd, pp, NULL };
            execv (helper, argv);
            fcntl (s, F_SETFD, FD_CLOEXEC);
            sv[1] = s;
        }
        launcher_run (sv[1], parent);
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
