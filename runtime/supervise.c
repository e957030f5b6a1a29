/* supervise.c: one task attempt, in its own supervisor process: directories, staging, the task process, limits, logs, retention. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/stage.h"
#include "runtime/launch_wire.h"

#define LOG_CHECK_PERIOD 0.2

typedef struct {
    const launch_req_t *r;
    launch_result_t *res;
    char dir[PATH_MAX];       /* task_dir */
    char wd[PATH_MAX];
    char out_path[PATH_MAX];  /* task_dir/stdout.txt */
    char err_path[PATH_MAX];
    int out_fd, err_fd;
    int64_t log_size[2];   /* as of the last check_logs, -1 unknown */
    int devnull;
    pid_t pid;                /* the task (its process group id too) */
    int status;
    int interrupted;          /* drained by the rank */
    int shutdown;             /* the launcher is going away: kill and leave */
} sup_t;

static double now_real (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_mono (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Add formatted text to the reason, which is always NUL-terminated. */
static void reason_add (launch_result_t *res, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
static void reason_add (launch_result_t *res, const char *fmt, ...)
{
    size_t n = strlen (res->reason);
    if (n + 1 >= sizeof (res->reason))
        return;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (res->reason + n, sizeof (res->reason) - n, fmt, ap);
    va_end (ap);
}

static int path_join (char *dst, const char *a, const char *b)
{
    int n = snprintf (dst, PATH_MAX, "%s/%s", a, b);
    if (n < 0 || n >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* An empty task directory with wd/ inside.  Parents are made only when
 * the first mkdir says they are missing: most attempts need one mkdir. */
static int make_dirs (sup_t *s)
{
    if (mkdir (s->dir, 0755) < 0) {
        if (errno == EEXIST) {
            if (stage_remove_tree (s->dir) < 0 && errno != ENOENT)
                return -1;
        }
        else if (errno != ENOENT)
            return -1;
        if (stage_mkdirs (s->dir) < 0)
            return -1;
    }
    return mkdir (s->wd, 0755);
}

/* Bytes as the job file writes them: "4G", "512M", "64K", else bytes. */
static void fmt_bytes (char *buf, size_t size, int64_t v)
{
    if (v > 0 && v % (1LL << 40) == 0)
        snprintf (buf, size, "%lldT", (long long)(v >> 40));
    else if (v > 0 && v % (1LL << 30) == 0)
        snprintf (buf, size, "%lldG", (long long)(v >> 30));
    else if (v > 0 && v % (1LL << 20) == 0)
        snprintf (buf, size, "%lldM", (long long)(v >> 20));
    else if (v > 0 && v % (1LL << 10) == 0)
        snprintf (buf, size, "%lldK", (long long)(v >> 10));
    else
        snprintf (buf, size, "%lld bytes", (long long)v);
}

/* In the task's process, between vfork and exec: it shares the
 * supervisor's memory, so only system calls here (the CPU set was built
 * before), and a message on the task's stderr if one fails. */
static void exec_task (sup_t *s, cpu_set_t *set, size_t setsize)
    __attribute__ ((noreturn));
static void exec_task (sup_t *s, cpu_set_t *set, size_t setsize)
{
    const launch_req_t *r = s->r;
    const char *what;
    setpgid (0, 0);
    what = "cannot bind to its CPUs";
    if (set && sched_setaffinity (0, setsize, set) < 0)
        goto error;
    if (r->memory > 0) {
        struct rlimit rl = { (rlim_t)r->memory, (rlim_t)r->memory };
        what = "cannot cap its address space";
        if (setrlimit (RLIMIT_AS, &rl) < 0)
            goto error;
    }
    /* The launcher ignores these (they are meant for the rank); an ignored
     * disposition would survive exec, so put them back. */
    struct sigaction dfl;
    memset (&dfl, 0, sizeof (dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction (SIGINT, &dfl, NULL);
    sigaction (SIGUSR1, &dfl, NULL);
    sigaction (SIGPIPE, &dfl, NULL);
    sigset_t none;
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
    what = "cannot open its logs";
    if (dup2 (s->out_fd, 1) < 0 || dup2 (s->err_fd, 2) < 0)
        goto error;
    what = "cannot enter its working directory";
    if (chdir (s->wd) < 0)
        goto error;
    what = "cannot redirect stdin";
    if (dup2 (s->devnull, 0) < 0)
        goto error;
    close_range (3, ~0U, 0);
    char *argv[] = { "sh", "-c", (char *)r->command, NULL };
    execve ("/bin/sh", argv, r->envp);
    what = "cannot run /bin/sh";
error:
    {
        const char *e = strerror (errno);
        struct iovec v[5] = {
            { "mpibatch: task ", 15 }, { (char *)what, strlen (what) },
            { ": ", 2 }, { (char *)e, strlen (e) }, { "\n", 1 },
        };
        writev (s->err_fd, v, 5);
    }
    _exit (127);
}

/* The task's CPU set, built before vfork.  NULL when not bound. */
static cpu_set_t *make_cpuset (const launch_req_t *r, size_t *size)
{
    if (r->ncpus <= 0)
        return NULL;
    int max = 0;
    for (int i = 0; i < r->ncpus; i++)
        if (r->cpus[i] > max)
            max = r->cpus[i];
    cpu_set_t *set = CPU_ALLOC (max + 1);
    if (!set)
        return NULL;
    *size = CPU_ALLOC_SIZE (max + 1);
    CPU_ZERO_S (*size, set);
    for (int i = 0; i < r->ncpus; i++)
        if (r->cpus[i] >= 0)
            CPU_SET_S (r->cpus[i], *size, set);
    return set;
}

/* vfork: copying the supervisor's page tables only to throw them away at
 * exec would be a large part of the per-task cost once MPI libraries are
 * mapped.  Kept in its own function so nothing of the caller's frame is
 * live across the vfork. */
static pid_t start_task (sup_t *s, cpu_set_t *set, size_t setsize)
{
    pid_t pid = vfork ();
    if (pid == 0)
        exec_task (s, set, setsize);
    return pid;
}

/* Cut the logs at the cap, and remember their sizes (the last call, after
 * the task ended, gives the final ones without another fstat). */
static void check_logs (sup_t *s)
{
    int64_t cap = s->r->max_log_size;
    int fds[2] = { s->out_fd, s->err_fd };
    for (int i = 0; i < 2; i++) {
        struct stat st;
        s->log_size[i] = -1;
        if (fds[i] < 0 || fstat (fds[i], &st) < 0)
            continue;
        s->log_size[i] = st.st_size;
        /* O_APPEND makes the task's next write land at the new end. */
        if (cap >= 0 && st.st_size > cap && ftruncate (fds[i], cap) == 0) {
            s->res->log_cut |= 1 << i;
            s->log_size[i] = cap;
        }
    }
}

static struct timespec to_ts (double d)
{
    if (d < 0)
        d = 0;
    struct timespec ts = { (time_t)d, (long)((d - floor (d)) * 1e9) };
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_nsec = 999999999L;
    return ts;
}

/* Wait for the task, enforcing max_wall_clock and max_log_size, reacting to
 * interrupts.  SIGCHLD and SIGTERM stay blocked (inherited from the
 * launcher) and are taken with sigtimedwait: no handler, no lost wakeup,
 * no CPU while waiting. */
static void wait_task (sup_t *s, struct rusage *ru)
{
    const launch_req_t *r = s->r;
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGCHLD);
    sigaddset (&set, SIGTERM);
    double t0 = now_mono ();
    double wall_at = r->max_wall_clock >= 0 ? t0 + r->max_wall_clock : INFINITY;
    double kill_at = INFINITY;
    double log_at = r->max_log_size >= 0 ? t0 + LOG_CHECK_PERIOD : INFINITY;
    double grace = r->kill_grace > 0 ? r->kill_grace : 0;
    for (;;) {
        double next = fmin (wall_at, fmin (kill_at, log_at));
        siginfo_t si;
        int sig;
        if (isinf (next))
            sig = sigwaitinfo (&set, &si);
        else {
            struct timespec ts = to_ts (next - now_mono ());
            sig = sigtimedwait (&set, &si, &ts);
        }
        if (sig == SIGCHLD || (sig < 0 && errno == EAGAIN)) {
            pid_t w = wait4 (s->pid, &s->status, WNOHANG, ru);
            if (w == s->pid)
                return;
            if (w < 0 && errno == ECHILD)
                return;   /* cannot happen: nobody else reaps our child */
        }
        else if (sig == SIGTERM) {
            if (si.si_code == SI_QUEUE
                && si.si_value.sival_int == LWIRE_SIGVAL_INTERRUPT) {
                if (!s->interrupted && !s->res->timed_out) {
                    kill (-s->pid, SIGTERM);
                    kill_at = now_mono () + grace;
                }
                s->interrupted = 1;
            }
            else {
                kill (-s->pid, SIGKILL);
                s->shutdown = 1;
            }
        }
        double now = now_mono ();
        if (now >= wall_at) {
            wall_at = INFINITY;
            if (!s->interrupted) {
                s->res->timed_out = 1;
                kill (-s->pid, SIGTERM);
                kill_at = now + grace;
            }
        }
        if (now >= kill_at) {
            kill (-s->pid, SIGKILL);
            kill_at = INFINITY;
        }
        if (now >= log_at) {
            check_logs (s);
            log_at = now + LOG_CHECK_PERIOD;
        }
    }
}

/* Put a log where the job keeps logs.  When the task directory stays, a
 * hard link (or copy) leaves the log in both places.  Returns 1 when the
 * file left the task directory. */
static int log_empty (const sup_t *s, int i)
{
    return s->log_size[i] == 0;
}

static int keep_log (const char *src, const char *dst, int keep_dir)
{
    for (int tries = 0; tries < 2; tries++) {
        int rc = keep_dir ? link (src, dst) : rename (src, dst);
        if (rc == 0)
            return !keep_dir;
        if (errno == ENOENT && tries == 0) {
            /* Most likely the log directory does not exist yet. */
            char dir[PATH_MAX];
            snprintf (dir, sizeof (dir), "%s", dst);
            char *slash = strrchr (dir, '/');
            if (!slash || slash == dir)
                break;
            *slash = '\0';
            if (stage_mkdirs (dir) < 0)
                return 0;
            continue;
        }
        if (errno == EEXIST && keep_dir && tries == 0) {
            unlink (dst);
            continue;
        }
        break;
    }
    /* Another file system, or links not allowed: copy. */
    if (stage_copy_file (src, dst, -1) < 0)
        return 0;
    if (!keep_dir && unlink (src) == 0)
        return 1;
    return 0;
}

static void remove_dir (sup_t *s, int out_gone, int err_gone)
{
    /* The common case, an empty wd and two logs, without a tree walk. */
    if (rmdir (s->wd) == 0
        && (out_gone || s->out_fd < 0 || unlink (s->out_path) == 0)
        && (err_gone || s->err_fd < 0 || unlink (s->err_path) == 0)
        && rmdir (s->dir) == 0)
        return;
    stage_remove_tree (s->dir);
}

static void outcome (sup_t *s)
{
    launch_result_t *res = s->res;
    const launch_req_t *r = s->r;
    int st = s->status;
    if (WIFEXITED (st)) {
        res->exit_code = WEXITSTATUS (st);
        res->signal = 0;
    }
    else if (WIFSIGNALED (st)) {
        res->exit_code = -1;
        res->signal = WTERMSIG (st);
    }
    if (s->interrupted) {
        res->outcome = LAUNCH_INTERRUPTED;
        reason_add (res, "interrupted");
    }
    else if (res->timed_out) {
        char d[64];
        lwire_fmt_duration (d, sizeof (d), r->max_wall_clock);
        res->outcome = LAUNCH_TIMED_OUT;
        reason_add (res, "timed out after %s", d);
    }
    else if (res->exit_code == 0) {
        res->outcome = LAUNCH_SUCCEEDED;
    }
    else {
        res->outcome = LAUNCH_FAILED;
        if (res->exit_code > 0)
            reason_add (res, "exit %d", res->exit_code);
        else {
            const char *abbrev = sigabbrev_np (res->signal);
            if (abbrev)
                reason_add (res, "killed by SIG%s", abbrev);
            else
                reason_add (res, "killed by signal %d", res->signal);
        }
        if (r->memory > 0) {
            char b[64];
            fmt_bytes (b, sizeof (b), r->memory);
            reason_add (res, " (address space capped at %s)", b);
        }
    }
}

static void report (int resfd, const launch_result_t *res)
{
    lsup_msg_t m;
    memset (&m, 0, sizeof (m));
    m.sup = getpid ();
    m.r = *res;
    ssize_t n;
    do
        n = write (resfd, &m, sizeof (m));
    while (n < 0 && errno == EINTR);
}

void supervise (const char *req, size_t n, int resfd, int devnull,
                pid_t launcher, pid_t *taskpid)
{
    /* A supervisor must not outlive the launcher; it may already be gone. */
    prctl (PR_SET_PDEATHSIG, SIGTERM);
    if (getppid () != launcher)
        _exit (1);

    launch_req_t r;
    launch_result_t res;
    void *mem = NULL;
    sup_t s = { .r = &r, .res = &res, .out_fd = -1, .err_fd = -1, .log_size = { -1, -1 },
                .devnull = devnull, .pid = -1 };
    memset (&res, 0, sizeof (res));
    res.start_time = now_real ();
    res.exit_code = -1;
    res.outcome = LAUNCH_FAILED;
    res.tag = lwire_payload_tag (req, n);
    if (lwire_unpack_submit (req, n, &r, &mem) < 0) {
        reason_add (&res, "launcher: bad request: %s", strerror (errno));
        goto done;
    }
    if (path_join (s.wd, r.task_dir, "wd") < 0
        || path_join (s.out_path, r.task_dir, "stdout.txt") < 0
        || path_join (s.err_path, r.task_dir, "stderr.txt") < 0) {
        reason_add (&res, "task directory: %s", strerror (errno));
        goto done;
    }
    snprintf (s.dir, sizeof (s.dir), "%s", r.task_dir);
    if (make_dirs (&s) < 0) {
        reason_add (&res, "cannot create task directory %s: %s", s.dir,
                    strerror (errno));
        goto done;
    }
    if (r.ninputs > 0) {
        stage_stats_t st = { 0, 0 };
        mb_error_t err;
        int rc = stage_inputs (r.storage, s.wd, r.inputs, r.ninputs, &st, &err);
        res.bytes_in = st.bytes;
        if (rc < 0) {
            res.outcome = LAUNCH_INPUT_ERROR;
            reason_add (&res, "%s", err.text);
            goto finish;
        }
    }
    /* An interrupt that came while staging: do not start the task. */
    sigset_t pend;
    if (sigpending (&pend) == 0 && sigismember (&pend, SIGTERM)) {
        res.outcome = LAUNCH_INTERRUPTED;
        reason_add (&res, "interrupted");
        goto finish;
    }
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC;
    if ((s.out_fd = open (s.out_path, flags, 0644)) < 0
        || (s.err_fd = open (s.err_path, flags, 0644)) < 0) {
        reason_add (&res, "cannot create task logs: %s", strerror (errno));
        goto finish;
    }
    size_t setsize = 0;
    cpu_set_t *set = make_cpuset (&r, &setsize);
    if (r.ncpus > 0 && !set) {
        reason_add (&res, "cannot bind the task: %s", strerror (errno));
        goto finish;
    }
    s.pid = start_task (&s, set, setsize);
    CPU_FREE (set);
    if (s.pid < 0) {
        reason_add (&res, "cannot start the task: %s", strerror (errno));
        goto finish;
    }
    /* Both sides set the group, so a kill(-pid) from here always finds it. */
    setpgid (s.pid, s.pid);
    if (taskpid)
        __atomic_store_n (taskpid, s.pid, __ATOMIC_RELEASE);
    struct rusage ru;
    memset (&ru, 0, sizeof (ru));
    wait_task (&s, &ru);
    /* Whatever the shell left running in its group dies with the attempt. */
    kill (-s.pid, SIGKILL);
    if (s.shutdown)
        _exit (0);
    res.user_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6;
    res.system_seconds = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    res.max_rss_kib = ru.ru_maxrss;
    check_logs (&s);
    outcome (&s);
    if (!s.interrupted && r.noutputs > 0) {
        stage_stats_t st = { 0, 0 };
        mb_error_t err;
        int rc = stage_outputs (r.storage, s.wd, r.default_dest, r.outputs,
                                r.noutputs, res.outcome == LAUNCH_SUCCEEDED,
                                &st, &err);
        res.bytes_out = st.bytes;
        if (rc < 0) {
            if (res.outcome == LAUNCH_SUCCEEDED) {
                res.outcome = LAUNCH_OUTPUT_ERROR;
                reason_add (&res, "%s", err.text);
            }
            else
                reason_add (&res, "; %s", err.text);
        }
    }
finish:
    {
        int keep_dir = r.retention == JOB_RETAIN_ALL
            || (r.retention == JOB_RETAIN_FAILED && res.outcome != LAUNCH_SUCCEEDED);
        int out_gone = 0, err_gone = 0;
        /* An empty log is not kept: most tasks write nothing to stderr,
         * and every file saved is one less on the shared filesystem. */
        if (r.log_stdout && s.out_fd >= 0 && !log_empty (&s, 0))
            out_gone = keep_log (s.out_path, r.log_stdout, keep_dir);
        if (r.log_stderr && s.err_fd >= 0 && !log_empty (&s, 1))
            err_gone = keep_log (s.err_path, r.log_stderr, keep_dir);
        if (!keep_dir)
            remove_dir (&s, out_gone, err_gone);
    }
done:
    res.end_time = now_real ();
    report (resfd, &res);
    /* Not strictly needed before _exit, but keeps leak checkers quiet. */
    free (mem);
    _exit (0);
}
