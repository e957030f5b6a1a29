/* test_launch.c: the launcher with real processes: outcomes, stdio, binding, limits, logs, retention, recycled directories, cleanup. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/stage.h"
#include "runtime/launcher/launch.h"
#include "runtime/launcher/launch_wire.h"

static char tmp[256];
static launcher_t *L;
static uint64_t next_tag = 1;
static char *base_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

static double now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_s (double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
    nanosleep (&ts, NULL);
}

static char *path (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static char *path (const char *fmt, ...)
{
    static char bufs[8][PATH_MAX];
    static int k;
    char rel[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (rel, sizeof (rel), fmt, ap);
    va_end (ap);
    char *b = bufs[k++ % 8];
    snprintf (b, PATH_MAX, "%s/%s", tmp, rel);
    return b;
}

/* Contents of a file, NUL-terminated, in a static buffer; NULL if missing. */
static char *slurp (const char *p)
{
    static char buf[65536];
    int fd = open (p, O_RDONLY);
    if (fd < 0)
        return NULL;
    ssize_t n = read (fd, buf, sizeof (buf) - 1);
    close (fd);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static int exists (const char *p)
{
    struct stat st;
    return lstat (p, &st) == 0;
}

static int64_t file_size (const char *p)
{
    struct stat st;
    return stat (p, &st) == 0 ? st.st_size : -1;
}

/* A process that is neither gone nor a zombie. */
static int alive (pid_t pid)
{
    char p[64];
    snprintf (p, sizeof (p), "/proc/%d/stat", (int)pid);
    char *s = slurp (p);
    if (!s)
        return 0;
    char *rp = strrchr (s, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

static pid_t read_pid (const char *p, double timeout)
{
    double end = now () + timeout;
    while (now () < end) {
        char *s = slurp (p);
        if (s && *s && strchr (s, '\n'))
            return (pid_t)atoi (s);
        sleep_s (0.01);
    }
    return -1;
}

static launch_req_t req (const char *name, const char *command)
{
    launch_req_t r;
    memset (&r, 0, sizeof (r));
    r.tag = next_tag++;
    r.command = command;
    r.task_dir = strdup (path ("tasks/%s", name));
    r.envp = base_env;
    r.max_wall_clock = -1;
    r.kill_grace = 0.2;
    r.max_log_size = 1LL << 30;
    r.storage = strdup (path ("storage"));
    r.default_dest = strdup (path ("outputs/%s/", name));
    r.retention = JOB_RETAIN_ALL;
    return r;
}

static void req_free (launch_req_t *r)
{
    free ((char *)r->task_dir);
    free ((char *)r->storage);
    free ((char *)r->default_dest);
}

static int wait_result (launcher_t *l, launch_result_t *res, double timeout)
{
    double end = now () + timeout;
    for (;;) {
        int n = launcher_read (l, res, 1);
        if (n != 0)
            return n;
        double left = end - now ();
        if (left <= 0)
            return 0;
        struct pollfd p = { launcher_fd (l), POLLIN, 0 };
        poll (&p, 1, (int)(left * 1000) + 1);
    }
}

/* Run one attempt to its end. */
static launch_result_t run (launch_req_t *r)
{
    launch_result_t res;
    memset (&res, 0, sizeof (res));
    assert_int_equal (launcher_submit (L, r), 0);
    assert_int_equal (wait_result (L, &res, 30), 1);
    assert_true (res.tag == r->tag);
    assert_true (res.start_time > 1e9);
    assert_true (res.end_time >= res.start_time);
    return res;
}

static int setup (void **state)
{
    (void)state;
    snprintf (tmp, sizeof (tmp), "/tmp/mb-test-launch-XXXXXX");
    if (!mkdtemp (tmp))
        return -1;
    if (mkdir (path ("storage"), 0755) < 0)
        return -1;
    mb_error_t err;
    if (!(L = launcher_start (&err))) {
        fprintf (stderr, "%s\n", err.text);
        return -1;
    }
    return 0;
}

static int teardown (void **state)
{
    (void)state;
    launcher_stop (L);
    L = NULL;
    stage_remove_tree (tmp);
    return 0;
}

static void test_duration (void **state)
{
    (void)state;
    char b[64];
    lwire_fmt_duration (b, sizeof (b), 90);
    assert_string_equal (b, "90s");
    lwire_fmt_duration (b, sizeof (b), 600);
    assert_string_equal (b, "10m");
    lwire_fmt_duration (b, sizeof (b), 5400);
    assert_string_equal (b, "1h30m");
    lwire_fmt_duration (b, sizeof (b), 7200);
    assert_string_equal (b, "2h");
    lwire_fmt_duration (b, sizeof (b), 1.5);
    assert_string_equal (b, "1.5s");
    lwire_fmt_duration (b, sizeof (b), 0.3);
    assert_string_equal (b, "0.3s");
    lwire_fmt_duration (b, sizeof (b), 0);
    assert_string_equal (b, "0s");
}

static void test_exit_codes (void **state)
{
    (void)state;
    launch_req_t r = req ("exit0", "exit 0");
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_int_equal (res.exit_code, 0);
    assert_int_equal (res.signal, 0);
    assert_string_equal (res.reason, "");
    req_free (&r);

    r = req ("exit3", "exit 3");
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_FAILED);
    assert_int_equal (res.exit_code, 3);
    assert_string_equal (res.reason, "exit 3");
    req_free (&r);

    r = req ("segv", "kill -SEGV $$");
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_FAILED);
    assert_int_equal (res.exit_code, -1);
    assert_int_equal (res.signal, SIGSEGV);
    assert_string_equal (res.reason, "killed by SIGSEGV");
    req_free (&r);

    r = req ("capped", "exit 1");
    r.memory = 4LL << 30;
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_FAILED);
    assert_string_equal (res.reason, "exit 1 (address space capped at 4G)");
    req_free (&r);

    /* The cap is real: the shell sees it. */
    r = req ("ulimit", "test \"$(ulimit -v)\" = 1048576");
    r.memory = 1LL << 30;
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    req_free (&r);

    assert_int_equal (launcher_running (L), 0);
}

static void test_stdio_and_layout (void **state)
{
    (void)state;
    launch_req_t r = req ("stdio",
        "echo out; echo err >&2; pwd; cat; readlink /proc/self/fd/0 >&2;"
        " echo data > file.txt");
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    char expect[PATH_MAX + 16];
    snprintf (expect, sizeof (expect), "out\n%s\n", path ("tasks/stdio/wd"));
    assert_string_equal (slurp (path ("tasks/stdio/stdout.txt")), expect);
    assert_string_equal (slurp (path ("tasks/stdio/stderr.txt")), "err\n/dev/null\n");
    assert_string_equal (slurp (path ("tasks/stdio/wd/file.txt")), "data\n");
    /* A second attempt in the same directory starts from an empty one. */
    launch_req_t r2 = req ("stdio", "ls -A; ls -A ..");
    res = run (&r2);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_string_equal (slurp (path ("tasks/stdio/stdout.txt")),
                         "stderr.txt\nstdout.txt\nwd\n");
    req_free (&r);
    req_free (&r2);
}

static void test_environment (void **state)
{
    (void)state;
    char *env[] = { "A=1", "B=two words", "EMPTY=", "PATH=/usr/bin:/bin", NULL };
    launch_req_t r = req ("env", "tr '\\0' '\\n' < /proc/$$/environ > ../env.out");
    r.envp = env;
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_string_equal (slurp (path ("tasks/env/env.out")),
                         "A=1\nB=two words\nEMPTY=\nPATH=/usr/bin:/bin\n");
    req_free (&r);

    /* Signals the launcher ignores are back to default in the task, and
     * none is blocked. */
    r = req ("sigs", "grep -E '^Sig(Ign|Blk)' /proc/self/status");
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_string_equal (slurp (path ("tasks/sigs/stdout.txt")),
                         "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    req_free (&r);
}

static char *allowed_list (const char *status)
{
    static char line[256];
    const char *p = strstr (status, "Cpus_allowed_list:");
    assert_non_null (p);
    size_t n = strcspn (p, "\n");
    snprintf (line, sizeof (line), "%.*s", (int)n, p);
    return line;
}

static void test_binding (void **state)
{
    (void)state;
    int cpu0[] = { 0 };
    launch_req_t r = req ("bind0", "cat /proc/self/status");
    r.cpus = cpu0;
    r.ncpus = 1;
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_string_equal (allowed_list (slurp (path ("tasks/bind0/stdout.txt"))),
                         "Cpus_allowed_list:\t0");
    req_free (&r);

    if (sysconf (_SC_NPROCESSORS_ONLN) > 1) {
        int cpu1[] = { 1 };
        r = req ("bind1", "cat /proc/self/status");
        r.cpus = cpu1;
        r.ncpus = 1;
        res = run (&r);
        assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
        assert_string_equal (allowed_list (slurp (path ("tasks/bind1/stdout.txt"))),
                             "Cpus_allowed_list:\t1");
        req_free (&r);
    }

    /* A CPU the machine lacks: the task's process cannot bind (between
     * vfork and exec), says why on the task's stderr, and exits 127. */
    int nosuch[] = { 4000 };
    r = req ("bindbad", "echo should not run");
    r.cpus = nosuch;
    r.ncpus = 1;
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_FAILED);
    assert_int_equal (res.exit_code, 127);
    assert_string_equal (slurp (path ("tasks/bindbad/stderr.txt")),
                         "mpibatch: task cannot bind to its CPUs: Invalid argument\n");
    assert_string_equal (slurp (path ("tasks/bindbad/stdout.txt")), "");
    req_free (&r);

    /* ncpus = 0: left as inherited. */
    char mine[256];
    snprintf (mine, sizeof (mine), "%s", allowed_list (slurp ("/proc/self/status")));
    r = req ("nobind", "cat /proc/self/status");
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_string_equal (allowed_list (slurp (path ("tasks/nobind/stdout.txt"))), mine);
    req_free (&r);
}

static void test_process_group (void **state)
{
    (void)state;
    launch_req_t r = req ("pgid", "read pid comm st ppid pgrp rest < /proc/$$/stat;"
                          " test $pid = $$ && test $pgrp = $$");
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    req_free (&r);
}

static void test_timeout (void **state)
{
    (void)state;
    launch_req_t r = req ("timeout", "trap '' TERM; sleep 100");
    r.max_wall_clock = 0.3;
    double t0 = now ();
    launch_result_t res = run (&r);
    double took = now () - t0;
    assert_int_equal (res.outcome, LAUNCH_TIMED_OUT);
    assert_int_equal (res.timed_out, 1);
    assert_int_equal (res.signal, SIGKILL);
    assert_int_equal (res.exit_code, -1);
    assert_string_equal (res.reason, "timed out after 0.3s");
    /* Limit plus grace, and not much more. */
    assert_true (took >= 0.5);
    assert_true (took < 3);
    req_free (&r);

    /* A task that obeys SIGTERM ends at the limit. */
    r = req ("timeout2", "sleep 100");
    r.max_wall_clock = 1;
    r.kill_grace = 5;
    t0 = now ();
    res = run (&r);
    took = now () - t0;
    assert_int_equal (res.outcome, LAUNCH_TIMED_OUT);
    assert_int_equal (res.signal, SIGTERM);
    assert_string_equal (res.reason, "timed out after 1s");
    assert_true (took >= 1 && took < 4);
    req_free (&r);
}

static void test_background_killed (void **state)
{
    (void)state;
    launch_req_t r = req ("bg", "sleep 100 & echo $! > ../bg.pid");
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    pid_t bg = read_pid (path ("tasks/bg/bg.pid"), 1);
    assert_true (bg > 0);
    double end = now () + 2;
    while (alive (bg) && now () < end)
        sleep_s (0.01);
    assert_false (alive (bg));
    req_free (&r);
}

static void test_interrupt (void **state)
{
    (void)state;
    launch_req_t r = req ("intr", "echo $$ > ../pid; trap '' TERM; sleep 100");
    assert_int_equal (launcher_submit (L, &r), 0);
    pid_t pid = read_pid (path ("tasks/intr/pid"), 5);
    assert_true (pid > 0);
    assert_int_equal (launcher_interrupt (L, 999999), 0);   /* unknown: ignored */
    double t0 = now ();
    assert_int_equal (launcher_interrupt (L, r.tag), 0);
    launch_result_t res;
    assert_int_equal (wait_result (L, &res, 10), 1);
    double took = now () - t0;
    assert_true (res.tag == r.tag);
    assert_int_equal (res.outcome, LAUNCH_INTERRUPTED);
    assert_string_equal (res.reason, "interrupted");
    assert_int_equal (res.timed_out, 0);
    assert_true (took >= 0.15 && took < 3);   /* SIGKILL after the grace */
    assert_false (alive (pid));
    req_free (&r);
}

static void test_log_cap (void **state)
{
    (void)state;
    launch_req_t r = req ("logcap", "head -c 50000000 /dev/zero; echo small >&2");
    r.max_log_size = 1 << 20;
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_int_equal (res.log_cut, 1);
    assert_int_equal (file_size (path ("tasks/logcap/stdout.txt")), 1 << 20);
    assert_string_equal (slurp (path ("tasks/logcap/stderr.txt")), "small\n");
    req_free (&r);

    /* Unlimited: nothing cut. */
    r = req ("nocap", "head -c 3000000 /dev/zero");
    r.max_log_size = -1;
    res = run (&r);
    assert_int_equal (res.log_cut, 0);
    assert_int_equal (file_size (path ("tasks/nocap/stdout.txt")), 3000000);
    req_free (&r);
}

static void test_rusage (void **state)
{
    (void)state;
    launch_req_t r = req ("burn", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done");
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_true (res.user_seconds + res.system_seconds > 0.01);
    assert_true (res.max_rss_kib > 100);
    req_free (&r);
}

static void test_retention (void **state)
{
    (void)state;
    static const struct { int retain; const char *cmd; int kept; } cases[] = {
        { JOB_RETAIN_NONE, "true", 0 },
        { JOB_RETAIN_NONE, "mkdir -p a/b; touch a/b/c; exit 1", 0 },
        { JOB_RETAIN_FAILED, "touch x", 0 },
        { JOB_RETAIN_FAILED, "exit 2", 1 },
        { JOB_RETAIN_ALL, "true", 1 },
        { JOB_RETAIN_ALL, "exit 2", 1 },
    };
    for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
        char name[32];
        snprintf (name, sizeof (name), "ret%zu", i);
        launch_req_t r = req (name, cases[i].cmd);
        r.retention = cases[i].retain;
        run (&r);
        assert_int_equal (exists (r.task_dir), cases[i].kept);
        if (cases[i].kept)
            assert_true (exists (path ("tasks/%s/wd", name)));
        req_free (&r);
    }
}

static void test_logs_moved (void **state)
{
    (void)state;
    char out[PATH_MAX], err[PATH_MAX];
    snprintf (out, sizeof (out), "%s", path ("logs/moved/0.stdout"));
    snprintf (err, sizeof (err), "%s", path ("logs/moved/0.stderr"));
    launch_req_t r = req ("moved", "echo hello; echo oops >&2");
    r.log_stdout = out;
    r.log_stderr = err;
    r.retention = JOB_RETAIN_NONE;
    run (&r);
    assert_string_equal (slurp (out), "hello\n");
    assert_string_equal (slurp (err), "oops\n");
    assert_false (exists (r.task_dir));
    req_free (&r);

    /* A kept task directory keeps its logs too. */
    snprintf (out, sizeof (out), "%s", path ("logs/kept/1.stdout"));
    r = req ("kept", "echo again; exit 1");
    r.log_stdout = out;
    r.retention = JOB_RETAIN_FAILED;
    run (&r);
    assert_string_equal (slurp (out), "again\n");
    assert_string_equal (slurp (path ("tasks/kept/stdout.txt")), "again\n");
    assert_true (exists (path ("tasks/kept/stderr.txt")));
    req_free (&r);
}

/* Spare directories under dir (recycled task directories): how many. */
static int count_spares (const char *dir)
{
    DIR *d = opendir (dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir (d)))
        n += strncmp (e->d_name, ".spare-", 7) == 0;
    closedir (d);
    return n;
}

/* One attempt in the recycling tests: retention none, stdout kept in
 * logs/<name>.stdout; returns that log ("" when the task printed nothing). */
static const char *run_rec (const char *name, const char *cmd)
{
    static char out[PATH_MAX], err[PATH_MAX];
    snprintf (out, sizeof (out), "%s", path ("logs/rec/%s.stdout", name));
    snprintf (err, sizeof (err), "%s", path ("logs/rec/%s.stderr", name));
    launch_req_t r = req (name, cmd);
    free ((char *)r.task_dir);
    r.task_dir = strdup (path ("rec/%s", name));
    r.retention = JOB_RETAIN_NONE;
    r.log_stdout = out;
    r.log_stderr = err;
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_false (exists (r.task_dir));
    req_free (&r);
    const char *s = slurp (out);
    return s ? s : "";
}

/* A finished task's directory becomes the next task's, but only when it is
 * exactly what a fresh one would be: nothing a task leaves, changes or
 * prints reaches a later task, and no spare outlives the launcher. */
static void test_recycle (void **state)
{
    (void)state;
    mb_error_t err;
    launcher_t *saved = L;
    L = launcher_start (&err);
    assert_non_null (L);
    char parent[PATH_MAX];
    snprintf (parent, sizeof (parent), "%s", path ("rec"));

    /* A clean attempt leaves a spare, which the next one runs in. */
    assert_string_equal (run_rec ("a1", "true"), "");
    assert_int_equal (count_spares (parent), 1);
    assert_string_equal (run_rec ("a2", "ls -A; echo ---; ls -A ..; echo x > ../own"),
                         "---\nstderr.txt\nstdout.txt\nwd\n");
    /* a2 left a file in its task directory: not recycled. */
    assert_int_equal (count_spares (parent), 0);

    /* Files left in wd/ are never seen again. */
    run_rec ("b1", "true");
    assert_int_equal (count_spares (parent), 1);
    run_rec ("b2", "mkdir -p sub/deep; touch sub/deep/f .hidden");
    assert_string_equal (run_rec ("b3", "ls -A; echo end"), "end\n");

    /* Output moved to the logs: the next task starts with empty logs. */
    assert_string_equal (run_rec ("c1", "echo out; echo err >&2"), "out\n");
    assert_string_equal (slurp (path ("logs/rec/c1.stderr")), "err\n");
    assert_int_equal (count_spares (parent), 1);
    assert_string_equal (run_rec ("c2", "cat ../stdout.txt ../stderr.txt; echo end"), "end\n");

    /* A changed mode or a removed log: made afresh. */
    run_rec ("d1", "true");
    run_rec ("d2", "chmod 0700 .");
    assert_string_equal (run_rec ("d3", "stat -c %a .; stat -c %a .."), "755\n755\n");
    run_rec ("d4", "true");
    run_rec ("d5", "rm ../stdout.txt");
    assert_string_equal (run_rec ("d6", "echo fine"), "fine\n");

    /* Two at once, in two spares: each in a directory of its own.  The
     * first round's tasks last a while so both surely run at once (two
     * `true`s could run one after the other, the second in the spare the
     * first left, on a loaded machine: one spare, not two). */
    const char *cmds[2][2] = { { "sleep 0.5", "sleep 0.5" },
                               { "sleep 0.3; ls -A ..", "sleep 0.3; ls -A .." } };
    for (int round = 0; round < 2; round++) {
        launch_req_t rr[2];
        char outs[2][PATH_MAX];
        for (int k = 0; k < 2; k++) {
            char name[16];
            snprintf (name, sizeof (name), "e%d%d", round, k);
            snprintf (outs[k], PATH_MAX, "%s", path ("logs/rec/%s.stdout", name));
            rr[k] = req (name, cmds[round][k]);
            free ((char *)rr[k].task_dir);
            rr[k].task_dir = strdup (path ("rec/%s", name));
            rr[k].retention = JOB_RETAIN_NONE;
            rr[k].log_stdout = outs[k];
            assert_int_equal (launcher_submit (L, &rr[k]), 0);
        }
        launch_result_t res;
        for (int k = 0; k < 2; k++) {
            assert_int_equal (wait_result (L, &res, 10), 1);
            assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
        }
        if (round == 0)
            assert_int_equal (count_spares (parent), 2);
        else
            for (int k = 0; k < 2; k++)
                assert_string_equal (slurp (outs[k]), "stderr.txt\nstdout.txt\nwd\n");
        for (int k = 0; k < 2; k++)
            req_free (&rr[k]);
    }

    /* Staged inputs (a symlink and a small copy, both staged by the
     * launcher itself) are removed, and the directory is recycled. */
    FILE *f = fopen (path ("storage/rec-in.txt"), "w");
    assert_non_null (f);
    fputs ("in\n", f);
    fclose (f);
    jobfile_input_t ins[] = { { "rec-in.txt", "ln.txt", INPUT_SYMLINK, -1 },
                              { "rec-in.txt", "cp.txt", INPUT_COPY, -1 } };
    char gout[PATH_MAX];
    snprintf (gout, sizeof (gout), "%s", path ("logs/rec/g1.stdout"));
    launch_req_t g = req ("g1", "cat ln.txt cp.txt");
    free ((char *)g.task_dir);
    g.task_dir = strdup (path ("rec/g1"));
    g.retention = JOB_RETAIN_NONE;
    g.log_stdout = gout;
    g.inputs = ins;
    g.ninputs = 2;
    int before = count_spares (parent);
    launch_result_t gres = run (&g);
    assert_int_equal (gres.outcome, LAUNCH_SUCCEEDED);
    assert_int_equal (gres.bytes_in, 3);
    assert_string_equal (slurp (gout), "in\nin\n");
    assert_int_equal (count_spares (parent), before + (before == 0));
    req_free (&g);
    assert_string_equal (run_rec ("g2", "ls -A; echo end"), "end\n");

    run_rec ("f1", "true");
    assert_true (count_spares (parent) >= 1);
    launcher_stop (L);
    L = saved;
    assert_int_equal (count_spares (parent), 0);
}

static void test_staging (void **state)
{
    (void)state;
    assert_int_equal (mkdir (path ("storage/inputs"), 0755), 0);
    FILE *f = fopen (path ("storage/inputs/a.txt"), "w");
    assert_non_null (f);
    fputs ("input data\n", f);
    fclose (f);

    jobfile_input_t in[] = { { "inputs/a.txt", NULL, INPUT_COPY, -1 } };
    jobfile_output_t out[] = { { "result.txt", NULL, OUTPUT_SUCCESS } };
    launch_req_t r = req ("staged", "tr a-z A-Z < a.txt > result.txt");
    r.inputs = in;
    r.ninputs = 1;
    r.outputs = out;
    r.noutputs = 1;
    launch_result_t res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_SUCCEEDED);
    assert_int_equal (res.bytes_in, 11);
    assert_int_equal (res.bytes_out, 11);
    assert_string_equal (slurp (path ("outputs/staged/result.txt")), "INPUT DATA\n");
    req_free (&r);

    /* A missing input: the command never runs. */
    jobfile_input_t missing[] = { { "inputs/nope.txt", NULL, INPUT_COPY, -1 } };
    r = req ("noinput", "touch ../ran");
    r.inputs = missing;
    r.ninputs = 1;
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_INPUT_ERROR);
    assert_int_equal (res.exit_code, -1);
    assert_non_null (strstr (res.reason, "inputs/nope.txt"));
    assert_false (exists (path ("tasks/noinput/ran")));
    req_free (&r);

    /* An output that matches nothing fails a successful task... */
    jobfile_output_t none[] = { { "absent.txt", "results/x.txt", OUTPUT_COMPLETION } };
    r = req ("noout", "true");
    r.outputs = none;
    r.noutputs = 1;
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_OUTPUT_ERROR);
    assert_true (strlen (res.reason) > 0);
    req_free (&r);

    /* ...and is appended to a failed task's reason. */
    r = req ("noout2", "exit 4");
    r.outputs = none;
    r.noutputs = 1;
    res = run (&r);
    assert_int_equal (res.outcome, LAUNCH_FAILED);
    assert_true (strncmp (res.reason, "exit 4; ", 8) == 0);
    req_free (&r);
}

/* launcher_stop with an attempt running kills it. */
static void test_stop_kills (void **state)
{
    (void)state;
    mb_error_t err;
    launcher_t *l = launcher_start (&err);
    assert_non_null (l);
    launch_req_t r = req ("stop", "echo $$ > ../pid; exec sleep 100");
    assert_int_equal (launcher_submit (l, &r), 0);
    assert_int_equal (launcher_running (l), 1);
    pid_t pid = read_pid (path ("tasks/stop/pid"), 5);
    assert_true (pid > 0);
    assert_true (alive (pid));
    double t0 = now ();
    launcher_stop (l);
    assert_true (now () - t0 < 3.5);
    double end = now () + 3;
    while (alive (pid) && now () < end)
        sleep_s (0.01);
    assert_false (alive (pid));
    req_free (&r);
}

/* A process playing a rank: it starts its own launcher, submits r and
 * waits to be killed.  Returns its pid. */
static pid_t fork_rank (launch_req_t *r)
{
    pid_t rank = fork ();
    assert_true (rank >= 0);
    if (rank == 0) {
        mb_error_t err;
        launcher_t *l = launcher_start (&err);
        if (!l || launcher_submit (l, r) < 0)
            _exit (1);
        for (;;)
            pause ();
    }
    return rank;
}

/* The rank is SIGKILLed: its launcher and the tasks go with it. */
static void test_rank_death (void **state)
{
    (void)state;
    launch_req_t r = req ("death", "echo $$ > ../pid; exec sleep 100");
    pid_t rank = fork_rank (&r);
    pid_t pid = read_pid (path ("tasks/death/pid"), 5);
    assert_true (pid > 0);
    assert_true (alive (pid));
    kill (rank, SIGKILL);
    int status;
    assert_int_equal (waitpid (rank, &status, 0), rank);
    double end = now () + 3;
    while (alive (pid) && now () < end)
        sleep_s (0.01);
    assert_false (alive (pid));
    req_free (&r);
}

/* The rank dies while an output is being published: the launcher kills the
 * tasks but lets the publication finish, so storage gets the whole file
 * and no temporary one. */
static void test_rank_death_publishing (void **state)
{
    (void)state;
    enum { MB = 256 };
    jobfile_output_t out[] = { { "big.dat", "pub/big.dat", OUTPUT_SUCCESS } };
    char cmd[256];
    snprintf (cmd, sizeof (cmd), "head -c %dM /dev/zero > big.dat; : > ../ended", MB);
    launch_req_t r = req ("publish", cmd);
    r.outputs = out;
    r.noutputs = 1;
    pid_t rank = fork_rank (&r);
    double end = now () + 30;
    while (!exists (path ("tasks/publish/ended")) && now () < end)
        sleep_s (0.002);
    assert_true (exists (path ("tasks/publish/ended")));
    sleep_s (0.02);   /* the task has exited: the copy is under way */
    kill (rank, SIGKILL);
    int status;
    assert_int_equal (waitpid (rank, &status, 0), rank);
    end = now () + 10;
    while (file_size (path ("storage/pub/big.dat")) < 0 && now () < end)
        sleep_s (0.01);
    assert_int_equal (file_size (path ("storage/pub/big.dat")), (int64_t)MB << 20);
    DIR *d = opendir (path ("storage/pub"));
    assert_non_null (d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir (d)))
        n += e->d_name[0] != '.' || (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."));
    closedir (d);
    assert_int_equal (n, 1);
    req_free (&r);
}

/* 2,000 trivial tasks, two at a time like `xargs -P2`, with task
 * directories under root: all accounted for.  Returns the seconds taken. */
static double throughput (const char *root)
{
    enum { N = 2000, INFLIGHT = 2 };
    static char names[N][PATH_MAX];
    unsigned char *seen = calloc (N, 1);
    assert_non_null (seen);
    uint64_t tag0 = next_tag;
    next_tag += N;
    launch_req_t r = req ("tp", "true");
    const char *own_dir = r.task_dir;
    r.retention = JOB_RETAIN_NONE;
    int submitted = 0, done = 0, ok = 0;
    double t0 = now ();
    while (done < N) {
        while (submitted < N && submitted - done < INFLIGHT) {
            snprintf (names[submitted], PATH_MAX, "%s/tp/%d", root, submitted);
            r.task_dir = names[submitted];
            r.tag = tag0 + submitted;
            assert_int_equal (launcher_submit (L, &r), 0);
            submitted++;
        }
        launch_result_t res[16];
        int n = launcher_read (L, res, 16);
        assert_true (n >= 0);
        if (n == 0) {
            struct pollfd p = { launcher_fd (L), POLLIN, 0 };
            assert_true (poll (&p, 1, 10000) > 0);
            continue;
        }
        for (int i = 0; i < n; i++) {
            uint64_t k = res[i].tag - tag0;
            assert_true (k < N);
            assert_int_equal (seen[k], 0);
            seen[k] = 1;
            ok += res[i].outcome == LAUNCH_SUCCEEDED;
        }
        done += n;
    }
    double took = now () - t0;
    assert_int_equal (ok, N);
    assert_int_equal (launcher_running (L), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal (seen[i], 1);
    assert_false (exists (names[0]));
    assert_false (exists (names[N - 1]));
    free (seen);
    r.task_dir = own_dir;
    req_free (&r);
    return took;
}

/* The rate is printed next to xargs', not asserted: it depends on the
 * machine and on what else runs.  Task directories on ext4 cost more than
 * on tmpfs (inode allocation), so both are shown when /dev/shm exists. */
static void test_throughput (void **state)
{
    (void)state;
    double t0 = now ();
    int rc = system ("seq 2000 | xargs -P2 -n1 sh -c true");
    double xtook = now () - t0;
    assert_int_equal (rc, 0);
    double took = throughput (tmp);
    printf ("# launcher, task dirs in %s: 2000 tasks in %.2fs, %.0f tasks/s;"
            " xargs -P2 -n1 sh -c true: %.0f tasks/s; ratio %.2f\n",
            tmp, took, 2000 / took, 2000 / xtook, xtook / took);
    char shm[] = "/dev/shm/mb-test-launch-XXXXXX";
    if (mkdtemp (shm)) {
        took = throughput (shm);
        printf ("# launcher, task dirs in /dev/shm: %.0f tasks/s; ratio %.2f\n",
                2000 / took, xtook / took);
        stage_remove_tree (shm);
    }
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_duration),
        cmocka_unit_test (test_exit_codes),
        cmocka_unit_test (test_stdio_and_layout),
        cmocka_unit_test (test_environment),
        cmocka_unit_test (test_binding),
        cmocka_unit_test (test_process_group),
        cmocka_unit_test (test_timeout),
        cmocka_unit_test (test_background_killed),
        cmocka_unit_test (test_interrupt),
        cmocka_unit_test (test_log_cap),
        cmocka_unit_test (test_rusage),
        cmocka_unit_test (test_retention),
        cmocka_unit_test (test_logs_moved),
        cmocka_unit_test (test_recycle),
        cmocka_unit_test (test_staging),
        cmocka_unit_test (test_stop_kills),
        cmocka_unit_test (test_rank_death),
        cmocka_unit_test (test_rank_death_publishing),
        cmocka_unit_test (test_throughput),
    };
    return cmocka_run_group_tests (tests, setup, teardown);
}
