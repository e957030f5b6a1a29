/* test_alloc.c: runtime/alloc: the decision rule tick by tick, the journal and resume, Slurm's answers, and the commands (fake sbatch/squeue/scancel scripts on PATH, the hardware we fake). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/clock.h"
#include "runtime/alloc/alloc.h"
#include "runtime/alloc/alloc_int.h"

static char root[64], pooldir[128], bindir[128];
static char *saved_path;

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */

static void put_file (const char *path, const char *text, int mode)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true (fd >= 0);
    size_t n = strlen (text);
    assert_int_equal (write (fd, text, n), (ssize_t)n);
    close (fd);
}

static void put_fake (const char *name, const char *body)
{
    char p[256];
    snprintf (p, sizeof (p), "%s/%s", bindir, name);
    put_file (p, body, 0755);
}

/* The fake Slurm: each command logs its arguments (one line a call) and
 * answers what the test left in a file beside it. */
static void fakes (void)
{
    put_fake ("sbatch", "#!/bin/sh\n"
              "d=$(dirname \"$0\")\n"
              "echo \"$*\" >>\"$d/sbatch.log\"\n"
              "[ -f \"$d/sbatch.sleep\" ] && sleep \"$(cat \"$d/sbatch.sleep\")\"\n"
              "if [ -f \"$d/sbatch.fail\" ]; then cat \"$d/sbatch.fail\" >&2; exit 1; fi\n"
              "n=$(wc -l <\"$d/sbatch.log\")\n"
              "echo \"$((4000 + n))\"\n");
    put_fake ("squeue", "#!/bin/sh\n"
              "d=$(dirname \"$0\")\n"
              "echo \"$*\" >>\"$d/squeue.log\"\n"
              "if [ -f \"$d/squeue.fail\" ]; then echo 'squeue: error: slurm_load_jobs error: "
              "Unable to contact slurm controller' >&2; exit 1; fi\n"
              "[ -f \"$d/squeue.out\" ] && cat \"$d/squeue.out\"\n"
              "exit 0\n");
    put_fake ("scancel", "#!/bin/sh\n"
              "d=$(dirname \"$0\")\n"
              "echo \"$*\" >>\"$d/scancel.log\"\n");
}

static int setup (void **state)
{
    (void)state;
    snprintf (root, sizeof (root), "/tmp/test_alloc.XXXXXX");
    assert_non_null (mkdtemp (root));
    snprintf (pooldir, sizeof (pooldir), "%s/pool", root);
    snprintf (bindir, sizeof (bindir), "%s/bin", root);
    assert_int_equal (mkdir (pooldir, 0700), 0);
    assert_int_equal (mkdir (bindir, 0700), 0);
    fakes ();
    saved_path = strdup (getenv ("PATH"));
    char path[4096];
    snprintf (path, sizeof (path), "%s:%s", bindir, saved_path);
    setenv ("PATH", path, 1);
    return 0;
}

static char *texts[64];
static int ntexts;

static int teardown (void **state)
{
    char cmd[128];
    (void)state;
    while (ntexts > 0)
        free (texts[--ntexts]);
    setenv ("PATH", saved_path, 1);
    free (saved_path);
    snprintf (cmd, sizeof (cmd), "rm -rf '%s'", root);
    return system (cmd) == 0 ? 0 : -1;
}

/* Lines in bindir/NAME (how often a fake was called). */
static int calls (const char *name)
{
    char p[256], line[4096];
    snprintf (p, sizeof (p), "%s/%s", bindir, name);
    FILE *f = fopen (p, "r");
    int n = 0;
    if (!f)
        return 0;
    while (fgets (line, sizeof (line), f))
        n++;
    fclose (f);
    return n;
}

static char *slurp (const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread (buf, 1, sizeof (buf) - 1, f);
    buf[n] = '\0';
    fclose (f);
    return buf;
}

static void bin_file (const char *name, const char *text)
{
    char p[256];
    snprintf (p, sizeof (p), "%s/%s", bindir, name);
    if (text)
        put_file (p, text, 0644);
    else
        unlink (p);
}

static alloc_t *open_alloc (int flags)
{
    mb_error_t err = { { 0 } };
    alloc_t *a = alloc_create (pooldir, "/opt/mb/bin/mpibatch", flags, &err);
    if (!a)
        fprintf (stderr, "alloc_create: %s\n", err.text);
    assert_non_null (a);
    return a;
}

static int add_queue (alloc_t *a, int max, double idle, int nargs, const char *const *args)
{
    alloc_params_t p = { .time_limit = 3600, .nodes = 1, .max_allocations = max,
                         .idle_timeout = idle, .nargs = nargs, .args = args };
    mb_error_t err = { { 0 } };
    int id = 0;
    assert_int_equal (alloc_queue_add (a, &p, &id, &err), 0);
    return id;
}

static void submit_as (alloc_t *a, int q, const char *job)
{
    mb_error_t err = { { 0 } };
    assert_true (alloc_record_submit (a, q, job, 0, &err) > 0);
}

static void set_state (alloc_t *a, const char *job, int st)
{
    mb_error_t err = { { 0 } };
    assert_true (alloc_record_state (a, job, st, &err) >= 0);
}

static alloc_counts_t counts (const alloc_t *a, int q)
{
    alloc_counts_t c;
    alloc_counts (a, q, &c);
    return c;
}

/* ------------------------------------------------------------------ */
/* The rule                                                            */

static void test_backlog_one_submission (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    int q = add_queue (a, 3, 300, 0, NULL);
    alloc_action_t acts[8];
    alloc_backlog_t none = { 0 }, some = { .waiting = 5, .slots_per_node = 16 };

    assert_int_equal (alloc_plan (a, 10, &none, acts, 8), 0);
    assert_int_equal (alloc_plan (a, 11, &some, acts, 8), 1);
    assert_int_equal (acts[0].kind, ALLOC_ACT_SUBMIT);
    assert_int_equal (acts[0].queue, q);
    submit_as (a, q, "101");
    /* One pending allocation will take 16 tasks: 5 waiting ask nothing more. */
    assert_int_equal (alloc_plan (a, 12, &some, acts, 8), 0);
    alloc_backlog_t many = { .waiting = 40, .slots_per_node = 16 };
    assert_int_equal (alloc_plan (a, 13, &many, acts, 8), 1);
    submit_as (a, q, "102");
    assert_int_equal (alloc_plan (a, 14, &many, acts, 8), 1);   /* 40 > 2 * 16 */
    submit_as (a, q, "103");
    /* max_allocations (3) reached, whatever waits. */
    alloc_backlog_t huge = { .waiting = 100000 };
    assert_int_equal (alloc_plan (a, 15, &huge, acts, 8), 0);
    /* Running counts too; an ended one frees its place. */
    set_state (a, "101", ALLOC_RUNNING);
    set_state (a, "102", ALLOC_RUNNING);
    assert_int_equal (alloc_plan (a, 16, &huge, acts, 8), 0);
    set_state (a, "101", ALLOC_ENDED);
    assert_int_equal (alloc_plan (a, 17, &huge, acts, 8), 1);
    alloc_counts_t c = counts (a, q);
    assert_int_equal (c.running, 1);
    assert_int_equal (c.pending, 1);
    assert_int_equal (c.ended, 1);
    alloc_destroy (a);
}

static void test_queues_share_the_backlog (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    int q1 = add_queue (a, 2, 300, 0, NULL), q2 = add_queue (a, 2, 300, 0, NULL);
    alloc_action_t acts[8];
    /* One task waits: one allocation, not one per queue. */
    alloc_backlog_t one = { .waiting = 1, .slots_per_node = 4 };
    assert_int_equal (alloc_plan (a, 1, &one, acts, 8), 1);
    assert_int_equal (acts[0].queue, q1);
    /* Many wait: each queue submits, at most one each in a tick. */
    alloc_backlog_t many = { .waiting = 1000, .slots_per_node = 4 };
    assert_int_equal (alloc_plan (a, 2, &many, acts, 8), 2);
    assert_int_equal (acts[0].queue, q1);
    assert_int_equal (acts[1].queue, q2);
    /* A removed queue submits nothing. */
    mb_error_t err = { { 0 } };
    assert_int_equal (alloc_queue_remove (a, q1, &err), 0);
    assert_int_equal (alloc_plan (a, 3, &many, acts, 8), 1);
    assert_int_equal (acts[0].queue, q2);
    assert_int_equal (alloc_queue_remove (a, q1, &err), -1);
    assert_int_equal (errno, ENOENT);
    alloc_destroy (a);
}

static void test_idle_submits_nothing_and_cancels_pending (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    int q = add_queue (a, 4, 60, 0, NULL);
    alloc_action_t acts[8];
    alloc_backlog_t some = { .waiting = 3 }, none = { 0 };
    assert_int_equal (alloc_plan (a, 100, &some, acts, 8), 1);
    submit_as (a, q, "201");
    submit_as (a, q, "202");
    set_state (a, "202", ALLOC_RUNNING);
    /* Nothing waits: no submission, and the pending one is kept for a while. */
    for (double t = 101; t < 160; t += 1)
        assert_int_equal (alloc_plan (a, t, &none, acts, 8), 0);
    /* After idle_timeout without waiting tasks: cancel the pending one only. */
    assert_int_equal (alloc_plan (a, 160.5, &none, acts, 8), 1);
    assert_int_equal (acts[0].kind, ALLOC_ACT_CANCEL);
    assert_int_equal (acts[0].seq, 1);
    alloc_destroy (a);
}

static void test_time_limit_warning (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    add_queue (a, 4, 60, 0, NULL);
    alloc_action_t acts[8];
    alloc_backlog_t fits = { .waiting = 1, .max_time_request = 600 };
    assert_int_equal (alloc_plan (a, 1, &fits, acts, 8), 1);
    assert_null (alloc_warning (a));
    alloc_backlog_t longer = { .waiting = 1, .max_time_request = 7200 };
    assert_int_equal (alloc_plan (a, 2, &longer, acts, 8), 1);
    assert_non_null (alloc_warning (a));
    assert_non_null (strstr (alloc_warning (a), "7200 s"));
    /* Every task that waits needs more than the allocations last: their
     * workers could take none, so none is submitted. */
    alloc_backlog_t none_fit = { .waiting = 3, .max_time_request = 7200,
                                 .min_time_request = 3601 };
    assert_int_equal (alloc_plan (a, 3, &none_fit, acts, 8), 0);
    assert_non_null (strstr (alloc_warning (a), "at least 3601 s"));
    alloc_backlog_t one_fits = { .waiting = 3, .max_time_request = 7200,
                                 .min_time_request = 3600 };
    assert_int_equal (alloc_plan (a, 4, &one_fits, acts, 8), 1);
    alloc_destroy (a);
}

static void test_bad_params (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    mb_error_t err = { { 0 } };
    int id;
    const char *name[] = { "--job-name=x" }, *pos[] = { "script.sh" };
    alloc_params_t p = { .time_limit = 30, .nodes = 1, .max_allocations = 1, .idle_timeout = 5 };
    assert_int_equal (alloc_queue_add (a, &p, &id, &err), -1);
    assert_non_null (strstr (err.text, "1 minute"));
    p.time_limit = 120;
    p.nodes = 0;
    assert_int_equal (alloc_queue_add (a, &p, &id, &err), -1);
    p.nodes = 2;
    p.nargs = 1;
    p.args = name;
    assert_int_equal (alloc_queue_add (a, &p, &id, &err), -1);
    assert_non_null (strstr (err.text, "--job-name"));
    p.args = pos;
    assert_int_equal (alloc_queue_add (a, &p, &id, &err), -1);
    assert_int_equal (counts (a, 0).queues, 0);
    alloc_destroy (a);
}

/* ------------------------------------------------------------------ */
/* Records and resume                                                  */

/* Texts of status_of are freed at teardown (tests use them inline). */
static char *status_of (const alloc_t *a)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream (&text, &n);
    assert_non_null (f);
    assert_int_equal (alloc_status_json (a, f), 0);
    fclose (f);
    assert_true (ntexts < 64);
    texts[ntexts++] = text;
    return text;
}

static void test_resume_remembers (void **state)
{
    (void)state;
    const char *args[] = { "--partition=debug", "--comment=two words\nand 'quotes' \\" };
    alloc_t *a = open_alloc (0);
    int q1 = add_queue (a, 3, 120, 2, args), q2 = add_queue (a, 1, 60, 0, NULL);
    submit_as (a, q1, "301");
    submit_as (a, q1, "302");
    submit_as (a, q2, "303");
    set_state (a, "301", ALLOC_RUNNING);
    set_state (a, "302", ALLOC_ENDED);
    mb_error_t err = { { 0 } };
    assert_int_equal (alloc_queue_remove (a, q2, &err), 0);   /* scancels 303 */
    assert_int_equal (calls ("scancel.log"), 1);
    char *before = status_of (a);
    alloc_destroy (a);

    a = open_alloc (ALLOC_RESUME);
    char *after = status_of (a);
    /* The times and ids, the args with their newline and quotes: all back. */
    assert_string_equal (before, after);
    assert_non_null (strstr (after, "\"job_id\":\"301\",\"state\":\"running\""));
    assert_non_null (strstr (after, "two words\\nand 'quotes' \\\\"));
    /* New queues and sequence numbers go on from where they were. */
    int q3 = add_queue (a, 1, 60, 0, NULL);
    assert_int_equal (q3, 3);
    submit_as (a, q1, "304");
    char name[80];
    alloc_job_name (a, q1, 3, name, sizeof (name));
    assert_non_null (strstr (status_of (a), "\"seq\":3,\"job_id\":\"304\""));
    alloc_destroy (a);

    /* Without --resume the records start anew (the old ones kept aside). */
    a = open_alloc (0);
    assert_int_equal (counts (a, 0).queues, 0);
    alloc_destroy (a);
    char old[256];
    snprintf (old, sizeof (old), "%s/alloc.jnl.old", pooldir);
    assert_int_equal (access (old, F_OK), 0);
}

static void test_torn_tail (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    int q = add_queue (a, 3, 120, 0, NULL);
    submit_as (a, q, "401");
    alloc_destroy (a);
    char path[256];
    snprintf (path, sizeof (path), "%s/alloc.jnl", pooldir);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    /* A record cut short by a crash, and garbage. */
    int fd = open (path, O_WRONLY | O_APPEND);
    assert_true (fd >= 0);
    assert_int_equal (write (fd, "\x20\0\0\0\x11\x22\x33\x44submit 1 2 4", 20), 20);
    close (fd);
    a = open_alloc (ALLOC_RESUME);
    alloc_counts_t c = counts (a, 0);
    assert_int_equal (c.pending, 1);
    assert_int_equal (c.submissions, 1);
    struct stat st2;
    assert_int_equal (stat (path, &st2), 0);
    assert_int_equal (st2.st_size, st.st_size);   /* the torn tail was cut */
    submit_as (a, q, "402");
    alloc_destroy (a);
    a = open_alloc (ALLOC_RESUME);
    assert_int_equal (counts (a, 0).pending, 2);
    alloc_destroy (a);
}

/* The crash window: an intent journaled, sbatch answered, the pool died
 * before the job id was written. */
static void test_resume_finds_lost_submission (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    int q = add_queue (a, 3, 120, 0, NULL);
    mb_error_t err = { { 0 } };
    assert_int_equal (alloc_jnl_put (a, 1, &err, "intent %d 1 %.3f", q, mb_clock_real ()), 0);
    assert_int_equal (alloc_jnl_put (a, 1, &err, "intent %d 2 %.3f", q, mb_clock_real ()), 0);
    char n1[80], n2[80], out[512];
    alloc_job_name (a, q, 1, n1, sizeof (n1));
    alloc_job_name (a, q, 2, n2, sizeof (n2));
    alloc_destroy (a);

    /* squeue shows the first one (sbatch had taken it); the second never
     * reached Slurm; another job of this user is none of ours. */
    snprintf (out, sizeof (out), "777|PENDING|%s\n12|RUNNING|bash\n", n1);
    bin_file ("squeue.out", out);
    a = open_alloc (ALLOC_RESUME);
    assert_int_equal (counts (a, 0).submitting, 2);
    alloc_backlog_t none = { 0 };
    assert_true (alloc_tick (a, 1000, &none, &err) > 0);
    alloc_counts_t c = counts (a, 0);
    assert_int_equal (c.pending, 1);
    assert_int_equal (c.ended, 1);
    assert_int_equal (c.submitting, 0);
    assert_non_null (strstr (status_of (a), "\"seq\":1,\"job_id\":\"777\",\"state\":\"pending\""));
    assert_int_equal (calls ("sbatch.log"), 0);
    /* Tasks wait: one pending allocation (777) takes them; more would
     * need more waiting.  The next submission has a new number. */
    alloc_backlog_t many = { .waiting = 100, .slots_per_node = 8 };
    assert_true (alloc_tick (a, 1001, &many, &err) > 0);
    assert_int_equal (calls ("sbatch.log"), 1);
    char log[256];
    snprintf (log, sizeof (log), "%s/sbatch.log", bindir);
    assert_non_null (strstr (slurp (log), "-1-3 "));
    alloc_destroy (a);

    /* Once more from the journal: nothing forgotten, nothing twice. */
    snprintf (out, sizeof (out), "777|RUNNING|%s\n4001|PENDING|mbw-%s\n", n1, "x");
    bin_file ("squeue.out", out);
    a = open_alloc (ALLOC_RESUME);
    c = counts (a, 0);
    assert_int_equal (c.pending, 2);
    assert_int_equal (c.ended, 1);
    assert_int_equal (c.submissions, 2);
    alloc_destroy (a);
}

/* ------------------------------------------------------------------ */
/* Slurm's answers                                                     */

struct seen {
    int n;
    char ids[8][32];
    int states[8];
};

static void on_seen (void *arg, const char *id, int state, const char *name)
{
    struct seen *s = arg;
    (void)name;
    if (s->n < 8) {
        snprintf (s->ids[s->n], 32, "%s", id);
        s->states[s->n++] = state;
    }
}

static void test_parse_squeue (void **state)
{
    (void)state;
    struct seen s = { 0 };
    static const char text[] =
        "101|PENDING|mbw-abc-1-1\n"
        "102|RUNNING|mbw-abc-1-2\n"
        "\n"
        "103|COMPLETING|mbw-abc-2-1\n"
        "104|TIMEOUT|mbw-abc-2-2\n"
        "105|RUNNING|someone-else\n"
        "106|WEIRD_NEW_STATE|mbw-abc-3-1\n"
        "10x|RUNNING|mbw-abc-3-2\n"
        "|RUNNING|mbw-abc-3-3\n"
        "107 RUNNING mbw-abc-3-4\n"
        "garbage\n"
        "108|PENDING\n"
        "\x01\x02\xff|\xfe|\n"
        "109|CANCELLED|mbw-abc-1-9";   /* no final newline */
    int skipped = alloc_parse_squeue (text, sizeof (text) - 1, "mbw-abc-", on_seen, &s);
    assert_int_equal (s.n, 5);
    assert_string_equal (s.ids[0], "101");
    assert_int_equal (s.states[0], ALLOC_PENDING);
    assert_int_equal (s.states[1], ALLOC_RUNNING);
    assert_int_equal (s.states[2], ALLOC_RUNNING);
    assert_int_equal (s.states[3], ALLOC_ENDED);
    assert_string_equal (s.ids[4], "109");
    assert_int_equal (s.states[4], ALLOC_ENDED);
    assert_int_equal (skipped, 7);

    /* Binary noise with NULs and an endless line: skipped, nothing read past len. */
    char noise[3000];
    for (size_t k = 0; k < sizeof (noise); k++)
        noise[k] = (char)(k * 7919 % 256);
    s.n = 0;
    alloc_parse_squeue (noise, sizeof (noise), "mbw-abc-", on_seen, &s);
    assert_int_equal (s.n, 0);
    assert_int_equal (alloc_parse_squeue ("", 0, "mbw-", on_seen, &s), 0);
}

static void test_parse_sbatch (void **state)
{
    (void)state;
    char id[32];
    assert_int_equal (alloc_parse_sbatch ("1234\n", id, sizeof (id)), 0);
    assert_string_equal (id, "1234");
    assert_int_equal (alloc_parse_sbatch ("sbatch: warning: x\n55;cluster\n", id, sizeof (id)), 0);
    assert_string_equal (id, "55");
    assert_int_equal (alloc_parse_sbatch ("Submitted batch job 12\n", id, sizeof (id)), -1);
    assert_int_equal (alloc_parse_sbatch ("", id, sizeof (id)), -1);
    assert_int_equal (alloc_parse_sbatch ("99999999999999999999999\n", id, sizeof (id)), -1);
    assert_int_equal (alloc_slurm_state ("PENDING"), ALLOC_PENDING);
    assert_int_equal (alloc_slurm_state ("pending"), -1);
    assert_int_equal (alloc_slurm_state ("OUT_OF_MEMORY"), ALLOC_ENDED);
}

/* ------------------------------------------------------------------ */
/* Ticks that run the commands                                         */

static void test_tick_submits_polls_ends (void **state)
{
    (void)state;
    char uri[256], log[256], script[256];
    snprintf (uri, sizeof (uri), "%s/ompi-server.uri", pooldir);
    put_file (uri, "123.0;tcp://127.0.0.1:4000\n", 0600);
    const char *args[] = { "--partition=debug", "--account=it's" };
    alloc_t *a = open_alloc (0);
    alloc_set_timing (a, 5, 10);
    int q = add_queue (a, 2, 90, 2, args);
    mb_error_t err = { { 0 } };
    alloc_backlog_t some = { .waiting = 3 }, none = { 0 };

    assert_int_equal (alloc_tick (a, 100, &none, &err), 0);
    assert_int_equal (calls ("sbatch.log"), 0);
    assert_int_equal (alloc_timeout_ms (a, 100), -1);
    assert_int_equal (alloc_tick (a, 101, &some, &err), 1);
    assert_int_equal (calls ("sbatch.log"), 1);
    snprintf (log, sizeof (log), "%s/sbatch.log", bindir);
    char name[80], want[1024];
    alloc_job_name (a, q, 1, name, sizeof (name));
    alloc_script_path (a, q, 1, script, sizeof (script));
    snprintf (want, sizeof (want), "--parsable --output=%s/alloc/1/1.out --partition=debug "
              "--account=it's --job-name=%s --nodes=1 --time=60 %s\n", pooldir, name, script);
    assert_string_equal (slurp (log), want);
    /* The job script: the ompi-server, the worker command, the idle timeout. */
    char *s = slurp (script);
    assert_non_null (s);
    assert_non_null (strstr (s, "#!/bin/bash\n"));
    snprintf (want, sizeof (want), " --ompi-server file:%s /opt/mb/bin/mpibatch worker %s "
              "--idle-timeout 90 &\n", uri, pooldir);
    assert_non_null (strstr (s, want));
    assert_non_null (strstr (s, "trap 'kill -USR1 \"$pid\" 2>/dev/null' USR1"));
    /* The workers know their end: Slurm's, squeue's, or the time limit. */
    assert_non_null (strstr (s, "    export SLURM_JOB_END_TIME=$(($(date +%s) + 3600))\n"));
    struct stat st;
    assert_int_equal (stat (script, &st), 0);
    assert_true (st.st_mode & S_IXUSR);
    alloc_counts_t c = counts (a, q);
    assert_int_equal (c.pending, 1);

    /* squeue every 5 s, not more. */
    char out[256];
    snprintf (out, sizeof (out), "4001|RUNNING|%s\n", name);
    bin_file ("squeue.out", out);
    for (double t = 101.5; t < 106; t += 0.5)
        alloc_tick (a, t, &none, &err);
    assert_int_equal (calls ("squeue.log"), 1);   /* the first tick's poll, at 101.5 */
    assert_int_equal (counts (a, q).running, 1);
    assert_int_equal (alloc_tick (a, 106.6, &none, &err), 0);
    assert_int_equal (calls ("squeue.log"), 2);
    /* Gone from squeue: ended; then nothing to poll any more. */
    bin_file ("squeue.out", "");
    assert_int_equal (alloc_tick (a, 112, &none, &err), 1);
    assert_int_equal (counts (a, q).ended, 1);
    alloc_tick (a, 200, &none, &err);
    assert_int_equal (calls ("squeue.log"), 3);
    assert_int_equal (calls ("sbatch.log"), 1);
    alloc_destroy (a);

    /* Without a rendezvous server the script names none. */
    unlink (uri);
    a = open_alloc (0);
    q = add_queue (a, 2, 90, 0, NULL);
    assert_int_equal (alloc_tick (a, 1, &some, &err), 1);
    alloc_script_path (a, q, 1, script, sizeof (script));
    assert_null (strstr (slurp (script), "--ompi-server"));
    alloc_destroy (a);
}

static void test_sbatch_failure_backs_off (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    alloc_set_timing (a, 5, 10);
    int q = add_queue (a, 4, 300, 0, NULL);
    mb_error_t err = { { 0 } };
    alloc_backlog_t many = { .waiting = 1000 };
    bin_file ("sbatch.fail", "sbatch: error: Batch job submission failed: Invalid account\n");

    /* A busy service ticks often: 400 ticks within 4.9 s, one sbatch. */
    for (int k = 0; k < 400; k++)
        alloc_tick (a, 10 + k * 0.01225, &many, &err);
    assert_int_equal (calls ("sbatch.log"), 1);
    char *st = NULL;
    size_t n = 0;
    FILE *f = open_memstream (&st, &n);
    alloc_status_json (a, f);
    fclose (f);
    assert_non_null (strstr (st, "Invalid account"));
    free (st);
    assert_true (alloc_timeout_ms (a, 10) > 4000);
    /* 5 s, then 10 s, then 20 s... */
    alloc_tick (a, 15.01, &many, &err);
    assert_int_equal (calls ("sbatch.log"), 2);
    alloc_tick (a, 24.9, &many, &err);
    assert_int_equal (calls ("sbatch.log"), 2);
    alloc_tick (a, 25.1, &many, &err);
    assert_int_equal (calls ("sbatch.log"), 3);
    alloc_tick (a, 45.0, &many, &err);
    assert_int_equal (calls ("sbatch.log"), 3);
    /* Capped at 300 s however many failures. */
    assert_true (alloc_backoff (7) == ALLOC_BACKOFF_MAX);
    assert_true (alloc_backoff (1000) == ALLOC_BACKOFF_MAX);
    /* A failed submission leaves no live allocation behind. */
    assert_int_equal (counts (a, q).pending + counts (a, q).submitting, 0);
    assert_int_equal (counts (a, q).failures, 3);

    /* The backoff survives a restart. */
    alloc_destroy (a);
    a = open_alloc (ALLOC_RESUME);
    alloc_tick (a, mb_clock_mono (), &many, &err);
    assert_int_equal (calls ("sbatch.log"), 3);
    /* Fixed: the next try (after its backoff) succeeds and resets it. */
    bin_file ("sbatch.fail", NULL);
    a->q[0].backoff_until = 0;
    assert_int_equal (alloc_tick (a, mb_clock_mono (), &many, &err), 1);
    assert_int_equal (counts (a, q).pending, 1);
    assert_int_equal (a->q[0].failures, 0);
    alloc_destroy (a);
}

/* The Slurm commands get this process's environment less what mpirun
 * told it about its own job and the pool's own Slurm job. */
static void test_command_env (void **state)
{
    (void)state;
    assert_int_equal (alloc_env_keep ("PMIX_RANK=0"), 0);
    assert_int_equal (alloc_env_keep ("OMPI_COMM_WORLD_RANK=0"), 0);
    assert_int_equal (alloc_env_keep ("OMPI_MCA_orte_hnp_uri=1.0;tcp://x"), 0);
    assert_int_equal (alloc_env_keep ("OMPI_MCA_ess=^singleton"), 0);
    assert_int_equal (alloc_env_keep ("OMPI_MCA_pmix_server_uri=file:/x"), 0);
    assert_int_equal (alloc_env_keep ("SLURM_JOB_END_TIME=1700000000"), 0);
    assert_int_equal (alloc_env_keep ("SLURM_NTASKS=4"), 0);
    assert_int_equal (alloc_env_keep ("SLURM_CONF=/etc/slurm/slurm.conf"), 1);
    assert_int_equal (alloc_env_keep ("OMPI_MCA_btl_tcp_if_include=10.0.0.0/24"), 1);
    assert_int_equal (alloc_env_keep ("OMPI_ALLOW_RUN_AS_ROOT=1"), 1);
    assert_int_equal (alloc_env_keep ("SBATCH_ACCOUNT=a"), 1);
    assert_int_equal (alloc_env_keep ("PATH=/bin"), 1);
    assert_int_equal (alloc_env_keep ("OMPI_UNIVERSE_SIZEX=1"), 1);

    /* What a real command sees: sbatch dumps its environment. */
    put_fake ("sbatch", "#!/bin/sh\n"
              "d=$(dirname \"$0\")\n"
              "env >\"$d/sbatch.env\"\n"
              "echo 4100\n");
    setenv ("PMIX_NAMESPACE", "12345", 1);
    setenv ("OMPI_MCA_orte_hnp_uri", "1.0;tcp://127.0.0.1:1", 1);
    setenv ("SLURM_JOB_ID", "77", 1);
    setenv ("OMPI_MCA_btl_tcp_if_include", "lo", 1);
    alloc_t *a = open_alloc (0);
    add_queue (a, 1, 90, 0, NULL);
    mb_error_t err = { { 0 } };
    alloc_backlog_t some = { .waiting = 1 };
    assert_int_equal (alloc_tick (a, 1, &some, &err), 1);
    unsetenv ("PMIX_NAMESPACE");
    unsetenv ("OMPI_MCA_orte_hnp_uri");
    unsetenv ("SLURM_JOB_ID");
    unsetenv ("OMPI_MCA_btl_tcp_if_include");
    char p[256];
    snprintf (p, sizeof (p), "%s/sbatch.env", bindir);
    char *env = slurp (p);
    assert_non_null (env);
    assert_null (strstr (env, "PMIX_NAMESPACE="));
    assert_null (strstr (env, "OMPI_MCA_orte_hnp_uri="));
    assert_null (strstr (env, "\nSLURM_JOB_ID="));
    assert_non_null (strstr (env, "OMPI_MCA_btl_tcp_if_include=lo\n"));
    assert_non_null (strstr (env, "PATH="));
    assert_null (alloc_last_failure (a, NULL));
    alloc_destroy (a);
}

/* A failed sbatch is said once, with its queue. */
static void test_last_failure (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    int q = add_queue (a, 1, 90, 0, NULL);
    int n = -1;
    assert_null (alloc_last_failure (a, &n));
    assert_int_equal (n, 0);
    bin_file ("sbatch.fail", "sbatch: error: invalid partition specified: nope\n");
    mb_error_t err = { { 0 } };
    alloc_backlog_t some = { .waiting = 1 };
    assert_int_equal (alloc_tick (a, 1, &some, &err), 1);
    const char *f = alloc_last_failure (a, &n);
    assert_int_equal (n, 1);
    assert_non_null (f);
    char want[128];
    snprintf (want, sizeof (want), "queue %d: sbatch: error: invalid partition specified: nope", q);
    assert_string_equal (f, want);
    alloc_tick (a, 2, &some, &err);   /* backing off: no second try */
    alloc_last_failure (a, &n);
    assert_int_equal (n, 1);
    assert_int_equal (calls ("sbatch.log"), 1);
    alloc_destroy (a);
}

static void test_squeue_broken_submits_nothing_more (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    alloc_set_timing (a, 1, 10);
    add_queue (a, 4, 300, 0, NULL);
    mb_error_t err = { { 0 } };
    alloc_backlog_t many = { .waiting = 1000, .slots_per_node = 1 };
    assert_int_equal (alloc_tick (a, 1, &many, &err), 1);
    bin_file ("squeue.fail", "");
    for (double t = 2; t < 30; t += 0.5)
        assert_int_equal (alloc_tick (a, t, &many, &err), 0);
    /* States unknown: no submission on top of what may already run. */
    assert_int_equal (calls ("sbatch.log"), 1);
    assert_non_null (alloc_warning (a));
    assert_non_null (strstr (alloc_warning (a), "Unable to contact"));
    bin_file ("squeue.fail", NULL);
    alloc_tick (a, 31, &many, &err);   /* not listed: ended; then a new one */
    assert_int_equal (calls ("sbatch.log"), 2);
    alloc_destroy (a);
}

static void test_command_timeout (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    alloc_set_timing (a, 1, 0.5);
    add_queue (a, 4, 300, 0, NULL);
    mb_error_t err = { { 0 } };
    alloc_backlog_t some = { .waiting = 1 };
    bin_file ("sbatch.sleep", "30");
    double t0 = mb_clock_mono ();
    alloc_tick (a, 1, &some, &err);
    assert_true (mb_clock_mono () - t0 < 5);
    /* It may have submitted after all: kept as submitting, found by name
     * at the next poll (squeue lists nothing: ended). */
    assert_int_equal (counts (a, 0).submitting, 1);
    assert_int_equal (counts (a, 0).failures, 1);
    bin_file ("sbatch.sleep", NULL);
    alloc_tick (a, 2, &some, &err);
    assert_int_equal (counts (a, 0).submitting, 0);
    assert_int_equal (counts (a, 0).ended, 1);
    alloc_destroy (a);
}

static void test_shutdown_cancels_pending (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    int q = add_queue (a, 4, 300, 0, NULL);
    submit_as (a, q, "501");
    submit_as (a, q, "502");
    submit_as (a, q, "503");
    set_state (a, "502", ALLOC_RUNNING);
    set_state (a, "503", ALLOC_ENDED);
    mb_error_t err = { { 0 } };
    assert_int_equal (alloc_shutdown (a, 0, &err), 0);
    char log[256];
    snprintf (log, sizeof (log), "%s/scancel.log", bindir);
    assert_string_equal (slurp (log), "501\n");
    alloc_counts_t c = counts (a, q);
    assert_int_equal (c.pending, 0);
    assert_int_equal (c.running, 1);
    /* Shut down: nothing more is submitted. */
    alloc_backlog_t many = { .waiting = 1000 };
    assert_int_equal (alloc_tick (a, 1, &many, &err), 0);
    assert_int_equal (calls ("sbatch.log"), 0);
    alloc_destroy (a);
    /* And the journal says so: a resumed pool does not cancel it again. */
    a = open_alloc (ALLOC_RESUME);
    assert_int_equal (counts (a, q).pending, 0);
    assert_int_equal (counts (a, q).running, 1);
    assert_int_equal (alloc_shutdown (a, 1, &err), 0);
    assert_string_equal (slurp (log), "501\n502\n");
    alloc_destroy (a);
}

/* ------------------------------------------------------------------ */
/* Requests and the ompi-server chore                                  */

static void test_serve_requests (void **state)
{
    (void)state;
    alloc_t *a = open_alloc (0);
    mb_error_t err = { { 0 } };
    pool_answer_t ans;
    pool_req_t *r = pool_req_create (POOL_OP_ALLOC_ADD);
    r->backend = strdup ("slurm");
    r->time_limit = 7200;
    r->nodes = 2;
    pool_req_add_arg (r, "--qos=low");
    /* Through the wire format, as the pool gets it. */
    buf_t b = { 0 };
    assert_int_equal (pool_req_encode (r, &b), 0);
    errlist_t *errs = errlist_create (10);
    pool_req_t *d = pool_req_decode ("x.req", b.data, b.len, errs);
    assert_non_null (d);
    assert_int_equal (alloc_serve (a, d, &ans, &err), 0);
    assert_int_equal (ans.count, 1);
    assert_non_null (strstr (ans.text, "queue 1 added"));
    char *st = status_of (a);
    assert_non_null (strstr (st, "\"nodes\":2,\"time_limit\":7200,\"max_allocations\":4"));
    assert_non_null (strstr (st, "\"sbatch_args\":[\"--qos=low\"]"));
    pool_req_destroy (d);
    pool_req_destroy (r);
    buf_free (&b);

    r = pool_req_create (POOL_OP_ALLOC_REMOVE);
    r->queue = 7;
    assert_int_equal (alloc_serve (a, r, &ans, &err), -1);
    assert_non_null (strstr (err.text, "no allocation queue 7"));
    r->queue = 1;
    assert_int_equal (alloc_serve (a, r, &ans, &err), 0);
    assert_int_equal (alloc_serve (a, r, &ans, &err), -1);
    pool_req_destroy (r);

    /* The format refuses what does not belong. */
    static const char *const bad[] = {
        "mpibatch-request 1\nop alloc-add\nend\n",                       /* no backend */
        "mpibatch-request 1\nop alloc-remove\nend\n",                    /* no queue */
        "mpibatch-request 1\nop alloc-remove\nqueue 0\nend\n",
        "mpibatch-request 1\nop alloc-add\nbackend slurm\nnodes -1\nend\n",
        "mpibatch-request 1\nop alloc-add\nbackend slurm\ntime_limit 1e9\nend\n",
        "mpibatch-request 1\nop shutdown\narg --x\nend\n",
        "mpibatch-request 1\nop close\njob j\nqueue 1\nend\n",
    };
    for (size_t k = 0; k < sizeof (bad) / sizeof (bad[0]); k++)
        assert_null (pool_req_decode ("bad.req", bad[k], strlen (bad[k]), errs));
    errlist_destroy (errs);
    alloc_destroy (a);
}

/* The fuzz seeds of the two new ops are requests the pool accepts. */
static void test_seeds_decode (void **state)
{
    (void)state;
    errlist_t *errs = errlist_create (10);
    char *t = slurp (SRCDIR "/tests/fuzz/seeds/poolreq/alloc-add.req");
    assert_non_null (t);
    pool_req_t *r = pool_req_decode ("alloc-add.req", t, strlen (t), errs);
    assert_non_null (r);
    assert_int_equal (r->op, POOL_OP_ALLOC_ADD);
    assert_string_equal (r->backend, "slurm");
    assert_true (r->time_limit == 3600 && r->idle_timeout == 120);
    assert_int_equal (r->nodes, 2);
    assert_int_equal (r->max_allocations, 3);
    assert_int_equal (r->nargs, 2);
    assert_string_equal (r->args[1], "--comment=a\\b\nc");
    /* And back: the encoding gives the same request. */
    buf_t b = { 0 };
    assert_int_equal (pool_req_encode (r, &b), 0);
    assert_string_equal (b.data, t);
    buf_free (&b);
    pool_req_destroy (r);
    t = slurp (SRCDIR "/tests/fuzz/seeds/poolreq/alloc-remove.req");
    r = pool_req_decode ("alloc-remove.req", t, strlen (t), errs);
    assert_non_null (r);
    assert_int_equal (r->op, POOL_OP_ALLOC_REMOVE);
    assert_int_equal (r->queue, 2);
    pool_req_destroy (r);
    assert_int_equal (errlist_count (errs), 0);
    errlist_destroy (errs);
}

static void test_ompi_server (void **state)
{
    (void)state;
    char src[256], dst[256];
    mb_error_t err = { { 0 } };
    snprintf (src, sizeof (src), "%s/server.uri", root);
    snprintf (dst, sizeof (dst), "%s/ompi-server.uri", pooldir);
    unsetenv ("OMPI_MCA_pmix_server_uri");
    put_file (dst, "stale\n", 0600);
    assert_int_equal (alloc_ompi_server (pooldir, &err), 0);
    assert_int_equal (access (dst, F_OK), -1);   /* a stale contact is not kept */

    put_file (src, "4012376064.0;tcp://127.0.0.1:47863\n", 0600);
    char v[300];
    snprintf (v, sizeof (v), "file:%s", src);
    setenv ("OMPI_MCA_pmix_server_uri", v, 1);
    assert_int_equal (alloc_ompi_server (pooldir, &err), 1);
    assert_string_equal (slurp (dst), "4012376064.0;tcp://127.0.0.1:47863\n");
    /* Named in POOLDIR already: left as it is. */
    snprintf (v, sizeof (v), "file:%s", dst);
    setenv ("OMPI_MCA_pmix_server_uri", v, 1);
    assert_int_equal (alloc_ompi_server (pooldir, &err), 1);
    setenv ("OMPI_MCA_pmix_server_uri", "file:/nonexistent/x.uri", 1);
    assert_int_equal (alloc_ompi_server (pooldir, &err), -1);
    assert_non_null (strstr (err.text, "/nonexistent/x.uri"));
    setenv ("OMPI_MCA_pmix_server_uri", "99.0;tcp://127.0.0.1:1", 1);
    assert_int_equal (alloc_ompi_server (pooldir, &err), 1);
    assert_string_equal (slurp (dst), "99.0;tcp://127.0.0.1:1\n");
    unsetenv ("OMPI_MCA_pmix_server_uri");

    buf_t b = { 0 };
    assert_int_equal (alloc_worker_command ("/p/my pool", "/usr/bin/mpibatch", 1, 4, &b), 0);
    assert_string_equal (b.data, "mpirun --ompi-server 'file:/p/my pool/ompi-server.uri' -n 4 "
                         "/usr/bin/mpibatch worker '/p/my pool'");
    buf_reset (&b);
    assert_int_equal (alloc_worker_command ("/p/q", NULL, 0, 0, &b), 0);
    assert_string_equal (b.data, "mpirun mpibatch worker /p/q");
    buf_free (&b);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_backlog_one_submission, setup, teardown),
        cmocka_unit_test_setup_teardown (test_queues_share_the_backlog, setup, teardown),
        cmocka_unit_test_setup_teardown (test_idle_submits_nothing_and_cancels_pending, setup, teardown),
        cmocka_unit_test_setup_teardown (test_time_limit_warning, setup, teardown),
        cmocka_unit_test_setup_teardown (test_bad_params, setup, teardown),
        cmocka_unit_test_setup_teardown (test_resume_remembers, setup, teardown),
        cmocka_unit_test_setup_teardown (test_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown (test_resume_finds_lost_submission, setup, teardown),
        cmocka_unit_test_setup_teardown (test_parse_squeue, setup, teardown),
        cmocka_unit_test_setup_teardown (test_parse_sbatch, setup, teardown),
        cmocka_unit_test_setup_teardown (test_tick_submits_polls_ends, setup, teardown),
        cmocka_unit_test_setup_teardown (test_sbatch_failure_backs_off, setup, teardown),
        cmocka_unit_test_setup_teardown (test_command_env, setup, teardown),
        cmocka_unit_test_setup_teardown (test_last_failure, setup, teardown),
        cmocka_unit_test_setup_teardown (test_squeue_broken_submits_nothing_more, setup, teardown),
        cmocka_unit_test_setup_teardown (test_command_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown (test_shutdown_cancels_pending, setup, teardown),
        cmocka_unit_test_setup_teardown (test_serve_requests, setup, teardown),
        cmocka_unit_test_setup_teardown (test_seeds_decode, setup, teardown),
        cmocka_unit_test_setup_teardown (test_ompi_server, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
