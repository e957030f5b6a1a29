/* launch_loop.c: the launcher process: one event loop that starts, reaps and times every attempt of its rank. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "runtime/launcher/attempt.h"
#include "runtime/launcher/launch_wire.h"

/* The launcher is a process of its own with one instance of this. */
static struct {
    pid_t self;
    int sock, sigfd, res_r, res_w, devnull;
    att_t **att;      /* attempts not over yet */
    size_t natt, capatt;
    spares_t *spares;
    buf_t in;         /* bytes from the rank */
    buf_t outq;       /* result frames for the rank */
    size_t outpos;
    char carry[sizeof (lsup_msg_t)];
    size_t ncarry;
} L;

static void queue_result (const launch_result_t *res)
{
    lwire_pack_result (&L.outq, res);
}

/* A result the launcher makes up for an attempt it could not even hold. */
static void queue_failure (uint64_t tag, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
static void queue_failure (uint64_t tag, const char *fmt, ...)
{
    launch_result_t res;
    memset (&res, 0, sizeof (res));
    res.tag = tag;
    res.outcome = LAUNCH_FAILED;
    res.exit_code = -1;
    res.start_time = res.end_time = mb_clock_real ();
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (res.reason, sizeof (res.reason), fmt, ap);
    va_end (ap);
    queue_result (&res);
}

/* The attempt is over: its result goes to the rank. */
static void complete (att_t *a)
{
    att_close (a);
    queue_result (&a->res);
    for (size_t i = 0; i < L.natt; i++)
        if (L.att[i] == a) {
            L.att[i] = L.att[--L.natt];
            break;
        }
    att_destroy (a);
}

/* Run fn(a) in a helper child, which then reports on the results pipe.
 * 0, or -1 when no child could be made. */
static int run_helper (att_t *a, void (*fn) (att_t *))
{
    pid_t pid = fork ();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* The rank must see EOF when the launcher dies, so no helper may
         * hold the launcher's end of the socket.  Staging inputs for a task
         * that will never run is pointless if the launcher dies; publishing
         * outputs is finished even then, so no temporary file is left in
         * storage (the work is bounded, and the rename keeps it whole). */
        close (L.sock);
        if (a->phase == ATT_STAGING) {
            prctl (PR_SET_PDEATHSIG, SIGKILL);
            if (getppid () != L.self)
                _exit (1);
        }
        fn (a);
        att_close (a);
        att_report (L.res_w, &a->res);
        _exit (0);
    }
    a->helper = pid;
    a->helper_reaped = a->has_msg = 0;
    return 0;
}

static void finish_in_helper (att_t *a)
{
    att_finish_rest (a);
}

/* Clean up after the task (or after a start that did not happen). */
static void finish (att_t *a)
{
    if (att_finish_inline (a, L.spares) == 0) {
        complete (a);
        return;
    }
    a->phase = ATT_FINISHING;
    if (run_helper (a, finish_in_helper) < 0) {
        /* No helper: do it here, blocking the others a while. */
        att_finish_rest (a);
        complete (a);
    }
}

static void start (att_t *a)
{
    if (a->interrupted) {
        att_set_interrupted (a);
        finish (a);
    }
    else if (att_start (a, L.devnull) < 0)
        finish (a);
}

/* The outcome and reason travel back in the helper's report. */
static void stage_in_helper (att_t *a)
{
    att_stage_in (a);
}

static void spawn (const char *p, size_t n)
{
    uint64_t tag = lwire_payload_tag (p, n);
    if (L.natt == L.capatt) {
        size_t cap = L.capatt ? 2 * L.capatt : 16;
        att_t **v = realloc (L.att, cap * sizeof (*v));
        if (!v) {
            queue_failure (tag, "launcher: out of memory");
            return;
        }
        L.att = v;
        L.capatt = cap;
    }
    att_t *a = att_create (p, n);
    if (!a) {
        queue_failure (tag, "launcher: out of memory");
        return;
    }
    L.att[L.natt++] = a;
    if (att_prepare (a, L.spares) < 0) {
        complete (a);
        return;
    }
    if (a->must_empty || (a->r.ninputs > 0 && !att_inputs_cheap (a))) {
        a->phase = ATT_STAGING;
        if (run_helper (a, stage_in_helper) == 0)
            return;
        /* No helper: stage here, blocking the others a while. */
    }
    if (att_stage_in (a) < 0)
        finish (a);
    else
        start (a);
}

static att_t *att_by_tag (uint64_t tag)
{
    for (size_t i = 0; i < L.natt; i++)
        if (L.att[i]->tag == tag)
            return L.att[i];
    return NULL;
}

static void reap (void)
{
    int status;
    struct rusage ru;
    pid_t pid;
    while ((pid = wait4 (-1, &status, WNOHANG, &ru)) > 0) {
        for (size_t i = 0; i < L.natt; i++) {
            att_t *a = L.att[i];
            if (a->pid == pid) {
                att_ended (a, status, &ru);
                finish (a);
                break;
            }
            if (a->helper == pid) {
                a->helper_reaped = 1;
                a->helper_status = status;
                break;
            }
        }
    }
}

/* A helper's report: the attempt as it stands after the helper's work. */
static void handle_msg (const lsup_msg_t *m)
{
    for (size_t i = 0; i < L.natt; i++) {
        att_t *a = L.att[i];
        if (a->helper == m->from && !a->has_msg) {
            a->has_msg = 1;
            a->res = m->r;
            return;
        }
    }
}

/* Read what helpers reported.  Each record was written whole, but a read
 * may still end mid-record if the buffer ends there: keep the rest. */
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

/* Move on the attempts whose helper is done: reaped, and its report read
 * (results are read after reaping, so a reaped helper that reported has
 * been heard). */
static void helpers_done (void)
{
    for (size_t i = 0; i < L.natt;) {
        att_t *a = L.att[i];
        if (!a->helper || !a->helper_reaped) {
            i++;
            continue;
        }
        int st = a->helper_status;
        a->helper = 0;
        if (!a->has_msg) {
            if (WIFSIGNALED (st))
                att_reason (a, "%slauncher helper killed by signal %d",
                            a->res.reason[0] ? "; " : "", WTERMSIG (st));
            else
                att_reason (a, "%slauncher helper exited (%d) without a result",
                            a->res.reason[0] ? "; " : "", WEXITSTATUS (st));
            if (a->res.outcome == LAUNCH_SUCCEEDED || a->phase == ATT_STAGING)
                a->res.outcome = a->phase == ATT_STAGING ? LAUNCH_INPUT_ERROR
                                                         : LAUNCH_OUTPUT_ERROR;
            complete (a);
        }
        else if (a->phase == ATT_FINISHING)
            complete (a);
        else if (a->res.outcome == LAUNCH_INPUT_ERROR || a->res.reason[0])
            finish (a);
        else
            start (a);
        /* complete() and finish() may have removed entries: look again. */
        i = 0;
    }
}

/* Timers of the running attempts; returns poll's timeout in ms. */
static int tick (void)
{
    double now = mb_clock_mono (), next = INFINITY;
    for (size_t i = 0; i < L.natt; i++)
        next = fmin (next, att_tick (L.att[i], now));
    if (isinf (next))
        return -1;
    double ms = ceil ((next - now) * 1000);
    return ms < 0 ? 0 : ms > 3600e3 ? 3600000 : (int)ms;
}

static void shutdown_all (void) __attribute__ ((noreturn));
static void shutdown_all (void)
{
    /* The tasks die at once; helpers publishing outputs get a second to
     * finish, so that no temporary file is left in storage. */
    for (size_t i = 0; i < L.natt; i++) {
        att_t *a = L.att[i];
        if (a->pid > 0)
            kill (-a->pid, SIGKILL);
        if (a->helper > 0 && a->phase == ATT_STAGING)
            kill (a->helper, SIGKILL);
    }
    double t0 = mb_clock_mono ();
    for (;;) {
        pid_t pid;
        while ((pid = waitpid (-1, NULL, WNOHANG)) > 0)
            for (size_t i = 0; i < L.natt; i++)
                if (L.att[i]->helper == pid)
                    L.att[i]->helper = 0;
        if (pid < 0 && errno == ECHILD)
            break;
        long ms = 1000 - (long)((mb_clock_mono () - t0) * 1000);
        if (ms <= 0)
            break;
        struct pollfd p = { L.sigfd, POLLIN, 0 };
        poll (&p, 1, (int)ms);
        struct signalfd_siginfo si;
        while (read (L.sigfd, &si, sizeof (si)) > 0)
            ;
    }
    for (size_t i = 0; i < L.natt; i++)
        if (L.att[i]->helper > 0)
            kill (L.att[i]->helper, SIGKILL);
    spares_destroy (L.spares);
    _exit (0);
}

static void interrupt (uint64_t tag)
{
    att_t *a = att_by_tag (tag);
    if (a)
        att_interrupt (a);
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
        /* Starting attempts makes system calls of its own. */
        int again = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        handle_requests ();
        return again ? 0 : -1;
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

void launcher_run (int sock, pid_t parent, int flags)
{
    /* Die with the rank, killing the tasks first (SIGTERM is taken from
     * the signalfd below); the rank may have died before this line. */
    prctl (PR_SET_PDEATHSIG, SIGTERM);
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
    /* A parent death signal that came before the mask was set killed us;
     * one that came after is pending in the signalfd. */
    if (getppid () != parent)
        _exit (1);
    L.res_r = pfd[0];
    L.res_w = pfd[1];
    fcntl (L.res_r, F_SETFL, O_NONBLOCK);
    L.spares = spares_create ();

    for (;;) {
        struct pollfd p[3] = {
            { L.sock, POLLIN | (L.outpos < L.outq.len ? POLLOUT : 0), 0 },
            { L.sigfd, POLLIN, 0 },
            { L.res_r, POLLIN, 0 },
        };
        if (poll (p, 3, tick ()) < 0) {
            if (errno == EINTR)
                continue;
            shutdown_all ();
        }
        if (p[1].revents) {
            struct signalfd_siginfo si;
            int chld = 0;
            while (read (L.sigfd, &si, sizeof (si)) == sizeof (si)) {
                /* The kernel reparents us before it sends the parent
                 * death signal: a SIGTERM while the rank is still our
                 * parent came from mpirun or a person. */
                if (si.ssi_signo == SIGTERM
                    && (!(flags & LAUNCHER_KEEP_TERM) || getppid () != parent))
                    shutdown_all ();
                chld = 1;
            }
            if (chld)
                reap ();
        }
        /* After reaping, so every result a reaped helper wrote is read
         * before it is declared dead without one. */
        if (p[1].revents || p[2].revents) {
            drain_results ();
            helpers_done ();
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
            if (read_requests () < 0)
                shutdown_all ();
        if (flush_results () < 0)
            shutdown_all ();
    }
}
