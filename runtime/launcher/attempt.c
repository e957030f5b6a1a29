/* attempt.c: the steps of one task attempt: directories, the task process, its limits, logs, retention. */
#include <config.h>

#include <dirent.h>
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "io/stage.h"
#include "runtime/launcher/attempt.h"
#include "runtime/launcher/launch_wire.h"

/* How often the logs are measured against max_log_size. */
#define LOG_CHECK_PERIOD 0.2
/* A log that cannot be moved (another filesystem), or an input to copy,
 * of up to this size is copied by the launcher itself; a larger one by a
 * helper. */
#define INLINE_COPY_MAX (64 * 1024)

static const char *const log_name[2] = { "stdout.txt", "stderr.txt" };

void att_reason (att_t *a, const char *fmt, ...)
{
    char *reason = a->res.reason;
    size_t n = strlen (reason);
    if (n + 1 >= sizeof (a->res.reason))
        return;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (reason + n, sizeof (a->res.reason) - n, fmt, ap);
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

att_t *att_create (const char *payload, size_t n)
{
    att_t *a = calloc (1, sizeof (*a));
    if (!a || !(a->payload = malloc (n ? n : 1))) {
        free (a);
        return NULL;
    }
    memcpy (a->payload, payload, n);
    a->log_fd[0] = a->log_fd[1] = -1;
    a->log_size[0] = a->log_size[1] = -1;
    a->wall_at = a->kill_at = a->log_at = INFINITY;
    a->res.start_time = mb_clock_real ();
    a->res.exit_code = -1;
    a->res.outcome = LAUNCH_FAILED;
    a->tag = a->res.tag = lwire_payload_tag (payload, n);
    if (lwire_unpack_submit (a->payload, n, &a->r, &a->mem) < 0) {
        att_reason (a, "launcher: bad request: %s", strerror (errno));
        a->r.task_dir = NULL;
        return a;
    }
    snprintf (a->dir, sizeof (a->dir), "%s", a->r.task_dir);
    if (path_join (a->wd, a->r.task_dir, "wd") < 0
        || path_join (a->log_path[0], a->r.task_dir, log_name[0]) < 0
        || path_join (a->log_path[1], a->r.task_dir, log_name[1]) < 0) {
        att_reason (a, "task directory: %s", strerror (errno));
        a->r.task_dir = NULL;
    }
    return a;
}

void att_destroy (att_t *a)
{
    if (!a)
        return;
    int saved = errno;
    for (int i = 0; i < 2; i++)
        if (a->log_fd[i] >= 0)
            close (a->log_fd[i]);
    spare_drop (a->spare);
    free (a->mem);
    free (a->payload);
    free (a);
    errno = saved;
}

void att_parent (const char *path, char *out)
{
    snprintf (out, PATH_MAX, "%s", path);
    char *slash = strrchr (out, '/');
    if (slash && slash != out)
        *slash = '\0';
}

/* Move a spare into place: 0, or -1 (the spare stays a spare). */
static int take_spare (att_t *a, spares_t *pool)
{
    char parent[PATH_MAX];
    att_parent (a->dir, parent);
    spare_t *sp = spares_take (pool, parent);
    if (!sp)
        return -1;
    if (rename (sp->path, a->dir) < 0) {
        /* An old directory of this task is in the way (a retry whose
         * failed attempt was kept): the usual way empties it. */
        spares_put (pool, sp);
        return -1;
    }
    a->spare = sp;
    for (int i = 0; i < 2; i++) {
        a->log_fd[i] = sp->log_fd[i];
        a->log_ino[i] = sp->ino[i];
        sp->log_fd[i] = -1;
    }
    return 0;
}

int att_prepare (att_t *a, spares_t *pool)
{
    if (!a->r.task_dir)
        return -1;
    if (a->r.retention != JOB_RETAIN_ALL && take_spare (a, pool) == 0)
        return 0;
    /* Parents are made only when the first mkdir says they are missing:
     * most attempts need one mkdir. */
    if (mkdir (a->dir, 0755) < 0) {
        if (errno == EEXIST) {
            a->must_empty = 1;
            return 0;
        }
        if (errno != ENOENT || stage_mkdirs (a->dir) < 0)
            goto error;
    }
    if (mkdir (a->wd, 0755) == 0)
        return 0;
error:
    att_reason (a, "cannot create task directory %s: %s", a->dir, strerror (errno));
    return -1;
}

int att_stage_in (att_t *a)
{
    if (a->must_empty && (stage_remove_tree (a->dir) < 0 || stage_mkdirs (a->wd) < 0)) {
        att_reason (a, "cannot create task directory %s: %s", a->dir, strerror (errno));
        return -1;
    }
    if (a->r.ninputs == 0)
        return 0;
    stage_stats_t st = { 0, 0 };
    mb_error_t err;
    int rc = stage_inputs (a->r.storage, a->wd, a->r.inputs, a->r.ninputs, &st, &err);
    a->res.bytes_in = st.bytes;
    if (rc < 0) {
        a->res.outcome = LAUNCH_INPUT_ERROR;
        att_reason (a, "%s", err.text);
        return -1;
    }
    return 0;
}

int att_inputs_cheap (const att_t *a)
{
    struct stat wd;
    int have_wd = 0;
    for (int i = 0; i < a->r.ninputs; i++) {
        const jobfile_input_t *in = &a->r.inputs[i];
        char src[PATH_MAX];
        struct stat st;
        if (strpbrk (in->source, "*?["))
            return 0;
        if (in->method == INPUT_SYMLINK)
            continue;
        if (snprintf (src, sizeof (src), "%s/%s", a->r.storage, in->source) >= (int)sizeof (src))
            return 0;
        /* A missing source fails the attempt at once: cheap too. */
        if (stat (src, &st) < 0)
            continue;
        if (!S_ISREG (st.st_mode))
            return 0;
        if (st.st_size <= INLINE_COPY_MAX)
            continue;
        if (in->method != INPUT_LINK)
            return 0;
        /* A hard link across filesystems falls back to a copy. */
        if (!have_wd && stat (a->wd, &wd) < 0)
            return 0;
        have_wd = 1;
        if (st.st_dev != wd.st_dev)
            return 0;
    }
    return 1;
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

/* In the task's process, between vfork and exec: it shares the launcher's
 * memory, so only system calls and functions that touch no shared state
 * here (the CPU set was built before: no allocation, no locks, no
 * locale), and a message on the task's stderr if one fails. */
static void exec_task (const att_t *a, int devnull, cpu_set_t *set, size_t setsize)
    __attribute__ ((noreturn));
static void exec_task (const att_t *a, int devnull, cpu_set_t *set, size_t setsize)
{
    const launch_req_t *r = &a->r;
    const char *what;
    setpgid (0, 0);
    /* No process of ours watches the task but the launcher: if it is
     * killed outright, the shell must not run on unsupervised. */
    prctl (PR_SET_PDEATHSIG, SIGKILL);
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
    if (dup2 (a->log_fd[0], 1) < 0 || dup2 (a->log_fd[1], 2) < 0)
        goto error;
    what = "cannot enter its working directory";
    if (chdir (a->wd) < 0)
        goto error;
    what = "cannot redirect stdin";
    if (dup2 (devnull, 0) < 0)
        goto error;
    close_range (3, ~0U, 0);
    char *argv[] = { "sh", "-c", (char *)r->command, NULL };
    execve ("/bin/sh", argv, r->envp);
    what = "cannot run /bin/sh";
error:
    {
        /* Not strerror: it may translate through the locale, which takes
         * locks and allocates in the memory shared with the launcher.
         * strerrordesc_np only looks the English text up in a table; an
         * errno it does not know is written as its number. */
        int en = errno;
        const char *e = strerrordesc_np (en);
        char num[24];
        if (!e) {
            char *p = num + sizeof (num);
            unsigned u = en < 0 ? 0u - (unsigned)en : (unsigned)en;
            *--p = '\0';
            do
                *--p = (char)('0' + u % 10);
            while ((u /= 10) > 0);
            if (en < 0)
                *--p = '-';
            e = p;
        }
        struct iovec v[5] = {
            { "mpibatch: task ", 15 }, { (char *)what, strlen (what) },
            { ": ", 2 }, { (char *)e, strlen (e) }, { "\n", 1 },
        };
        writev (a->log_fd[1], v, 5);
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

/* vfork: copying the launcher's page tables only to throw them away at
 * exec is needless work once per task.  Kept in its own function so
 * nothing of the caller's frame is live across the vfork. */
static pid_t start_task (const att_t *a, int devnull, cpu_set_t *set, size_t setsize)
{
    pid_t pid = vfork ();
    if (pid == 0)
        exec_task (a, devnull, set, setsize);
    return pid;
}

int att_start (att_t *a, int devnull)
{
    const launch_req_t *r = &a->r;
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC;
    for (int i = 0; i < 2; i++) {
        if (a->log_fd[i] >= 0)
            continue;
        struct stat st;
        if ((a->log_fd[i] = open (a->log_path[i], flags, 0644)) < 0
            || fstat (a->log_fd[i], &st) < 0) {
            att_reason (a, "cannot create task logs: %s", strerror (errno));
            return -1;
        }
        a->log_ino[i] = st.st_ino;
    }
    size_t setsize = 0;
    cpu_set_t *set = make_cpuset (r, &setsize);
    if (r->ncpus > 0 && !set) {
        att_reason (a, "cannot bind the task: %s", strerror (errno));
        return -1;
    }
    a->pid = start_task (a, devnull, set, setsize);
    CPU_FREE (set);
    if (a->pid < 0) {
        a->pid = 0;
        att_reason (a, "cannot start the task: %s", strerror (errno));
        return -1;
    }
    /* Both sides set the group, so a kill(-pid) from here always finds it. */
    setpgid (a->pid, a->pid);
    a->ran = 1;
    a->phase = ATT_RUNNING;
    double t0 = mb_clock_mono ();
    a->wall_at = r->max_wall_clock >= 0 ? t0 + r->max_wall_clock : INFINITY;
    a->log_at = r->max_log_size >= 0 ? t0 + LOG_CHECK_PERIOD : INFINITY;
    return 0;
}

/* Cut the logs at the cap, and remember their sizes (the last call, after
 * the task ended, gives the final ones without another fstat). */
static void check_logs (att_t *a)
{
    int64_t cap = a->r.max_log_size;
    for (int i = 0; i < 2; i++) {
        struct stat st;
        a->log_size[i] = -1;
        if (a->log_fd[i] < 0 || fstat (a->log_fd[i], &st) < 0)
            continue;
        a->log_size[i] = st.st_size;
        /* O_APPEND makes the task's next write land at the new end. */
        if (cap >= 0 && st.st_size > cap && ftruncate (a->log_fd[i], cap) == 0) {
            a->res.log_cut |= 1 << i;
            a->log_size[i] = cap;
        }
    }
}

double att_tick (att_t *a, double now)
{
    if (a->phase != ATT_RUNNING || a->pid <= 0)
        return INFINITY;
    if (now >= a->wall_at) {
        a->wall_at = INFINITY;
        if (!a->interrupted) {
            a->res.timed_out = 1;
            kill (-a->pid, SIGTERM);
            a->kill_at = now + (a->r.kill_grace > 0 ? a->r.kill_grace : 0);
        }
    }
    if (now >= a->kill_at) {
        kill (-a->pid, SIGKILL);
        a->kill_at = INFINITY;
    }
    if (now >= a->log_at) {
        check_logs (a);
        a->log_at = now + LOG_CHECK_PERIOD;
    }
    return fmin (a->wall_at, fmin (a->kill_at, a->log_at));
}

void att_interrupt (att_t *a)
{
    if (a->phase == ATT_RUNNING && a->pid > 0 && !a->interrupted && !a->res.timed_out) {
        kill (-a->pid, SIGTERM);
        a->kill_at = mb_clock_mono () + (a->r.kill_grace > 0 ? a->r.kill_grace : 0);
    }
    if (a->phase != ATT_FINISHING)
        a->interrupted = 1;
}

void att_set_interrupted (att_t *a)
{
    a->res.outcome = LAUNCH_INTERRUPTED;
    att_reason (a, "interrupted");
}

void att_ended (att_t *a, int st, const struct rusage *ru)
{
    launch_result_t *res = &a->res;
    const launch_req_t *r = &a->r;
    /* Whatever the shell left running in its group dies with the attempt. */
    kill (-a->pid, SIGKILL);
    a->pid = 0;
    a->wall_at = a->kill_at = a->log_at = INFINITY;
    res->user_seconds = ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6;
    res->system_seconds = ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6;
    res->max_rss_kib = ru->ru_maxrss;
    check_logs (a);
    if (WIFEXITED (st)) {
        res->exit_code = WEXITSTATUS (st);
        res->signal = 0;
    }
    else if (WIFSIGNALED (st)) {
        res->exit_code = -1;
        res->signal = WTERMSIG (st);
    }
    if (a->interrupted)
        att_set_interrupted (a);
    else if (res->timed_out) {
        char d[64];
        lwire_fmt_duration (d, sizeof (d), r->max_wall_clock);
        res->outcome = LAUNCH_TIMED_OUT;
        att_reason (a, "timed out after %s", d);
    }
    else if (res->exit_code == 0)
        res->outcome = LAUNCH_SUCCEEDED;
    else {
        res->outcome = LAUNCH_FAILED;
        if (res->exit_code > 0)
            att_reason (a, "exit %d", res->exit_code);
        else {
            const char *abbrev = sigabbrev_np (res->signal);
            if (abbrev)
                att_reason (a, "killed by SIG%s", abbrev);
            else
                att_reason (a, "killed by signal %d", res->signal);
        }
        if (r->memory > 0) {
            char b[64];
            fmt_bytes (b, sizeof (b), r->memory);
            att_reason (a, " (address space capped at %s)", b);
        }
    }
    /* Exit conditions may count this end as a success (action
     * "succeed"): success outputs are published and the attempt is
     * reported succeeded with its real exit code. */
    if (r->succeed && !a->interrupted && res->outcome != LAUNCH_SUCCEEDED) {
        int c = res->timed_out ? 257 : res->exit_code > 0 ? res->exit_code
                : res->signal > 0 ? 256 : -1;
        if (jobfile_succeed_bit (r->succeed, c))
            res->outcome = LAUNCH_SUCCEEDED;
    }
}

static int keep_dir (const att_t *a)
{
    int ret = a->r.retention;
    return ret == JOB_RETAIN_ALL
        || (ret == JOB_RETAIN_FAILED && a->res.outcome != LAUNCH_SUCCEEDED);
}

/* 1 when log i is to be kept where the job keeps logs.  An empty log is
 * not: most tasks write nothing to stderr, and every file saved is one
 * less on the shared filesystem. */
static const char *log_dest (const att_t *a, int i)
{
    const char *dst = i ? a->r.log_stderr : a->r.log_stdout;
    if (!dst || a->log_fd[i] < 0 || a->log_gone[i] || a->log_size[i] == 0)
        return NULL;
    return dst;
}

/* Put a log where the job keeps logs by renaming it (hard-linking it when
 * the task directory stays).  1 when done, 0 when it has to be copied. */
static int move_log (const char *src, const char *dst, int keep)
{
    for (int tries = 0; tries < 2; tries++) {
        if ((keep ? link (src, dst) : rename (src, dst)) == 0)
            return 1;
        if (errno == ENOENT && tries == 0) {
            /* Most likely the log directory does not exist yet. */
            char dir[PATH_MAX];
            att_parent (dst, dir);
            if (stage_mkdirs (dir) < 0)
                return 0;
            continue;
        }
        if (errno == EEXIST && keep && tries == 0) {
            unlink (dst);
            continue;
        }
        break;
    }
    return 0;
}

/* Keep log i, copying it when it cannot be moved (another filesystem, or
 * links not allowed), if it is at most `max_copy` bytes.  0 or -1 (left
 * for a helper). */
static int keep_log (att_t *a, int i, int keep, int64_t max_copy)
{
    const char *dst = log_dest (a, i);
    if (!dst)
        return 0;
    if (move_log (a->log_path[i], dst, keep)) {
        a->log_gone[i] = !keep;
        return 0;
    }
    if (max_copy >= 0 && (a->log_size[i] < 0 || a->log_size[i] > max_copy))
        return -1;
    if (stage_copy_file (a->log_path[i], dst, -1) >= 0 && !keep
        && unlink (a->log_path[i]) == 0)
        a->log_gone[i] = 1;
    return 0;
}

/* Remove the task directory the cheap way: an empty wd and the logs.
 * 0, or -1 when a tree walk is needed. */
static int remove_dir_fast (att_t *a)
{
    if (rmdir (a->wd) < 0)
        return -1;
    for (int i = 0; i < 2; i++)
        if (!a->log_gone[i] && a->log_fd[i] >= 0 && unlink (a->log_path[i]) < 0)
            return -1;
    return rmdir (a->dir);
}

/* Remove the plain files and symbolic links in wd/ (staged inputs, small
 * results), at most 64 and no directory: 0 when wd/ is then empty, -1 when
 * it needs a tree walk. */
static int empty_wd (const att_t *a)
{
    DIR *d = opendir (a->wd);
    if (!d)
        return -1;
    int n = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        const char *nm = e->d_name;
        if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
            continue;
        if (++n > 64 || (e->d_type != DT_REG && e->d_type != DT_LNK)
            || unlinkat (dirfd (d), nm, 0) < 0) {
            rc = -1;
            break;
        }
    }
    closedir (d);
    return rc;
}

int att_finish_inline (att_t *a, spares_t *pool)
{
    if (a->ran && !a->interrupted && a->r.noutputs > 0)
        return -1;
    int keep = keep_dir (a);
    for (int i = 0; i < 2; i++)
        if (keep_log (a, i, keep, INLINE_COPY_MAX) < 0)
            return -1;
    if (keep || !a->r.task_dir)
        return 0;
    if (spares_recycle (pool, a) == 0)
        return 0;
    if (remove_dir_fast (a) == 0)
        return 0;
    /* Not empty: a few files the launcher removes itself, and the
     * directory can still be the next attempt's. */
    if (empty_wd (a) < 0)
        return -1;
    if (spares_recycle (pool, a) == 0)
        return 0;
    return remove_dir_fast (a);
}

void att_finish_rest (att_t *a)
{
    if (a->ran && !a->interrupted && a->r.noutputs > 0) {
        stage_stats_t st = { 0, 0 };
        mb_error_t err;
        int rc = stage_outputs (a->r.storage, a->wd, a->r.default_dest, a->r.outputs,
                                a->r.noutputs, a->res.outcome == LAUNCH_SUCCEEDED,
                                &st, &err);
        a->res.bytes_out = st.bytes;
        if (rc < 0) {
            if (a->res.outcome == LAUNCH_SUCCEEDED) {
                a->res.outcome = LAUNCH_OUTPUT_ERROR;
                att_reason (a, "%s", err.text);
            }
            else
                att_reason (a, "; %s", err.text);
        }
    }
    int keep = keep_dir (a);
    for (int i = 0; i < 2; i++)
        keep_log (a, i, keep, -1);
    if (!keep && a->r.task_dir && remove_dir_fast (a) < 0)
        stage_remove_tree (a->dir);
}

void att_close (att_t *a)
{
    a->res.end_time = mb_clock_real ();
}

void att_report (int fd, const launch_result_t *res)
{
    lsup_msg_t m;
    memset (&m, 0, sizeof (m));
    m.from = getpid ();
    m.r = *res;
    ssize_t n;
    do
        n = write (fd, &m, sizeof (m));
    while (n < 0 && errno == EINTR);
}
