/* test_jobfile.c: unit tests of the job file loader (io/jobfile*.c) on real files. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/jobfile.h"

static char *data (const char *name)
{
    const char *top = getenv ("top_srcdir");
    char *p = NULL;
    assert_true (asprintf (&p, "%s/tests/unit/data/%s", top ? top : "../..", name) > 0);
    return p;
}

static jobfile_t *load (const char *name, const char **set, int nset, errlist_t **errs)
{
    char *path = data (name);
    jobfile_opts_t o = { .set = set, .nset = nset };
    *errs = errlist_create (50);
    assert_non_null (*errs);
    jobfile_t *jf = jobfile_load (path, &o, *errs);
    free (path);
    return jf;
}

/* True when some error message contains all of the given phrases. */
static int has_error (const errlist_t *el, const char *a, const char *b)
{
    for (int k = 0; k < errlist_kept (el); k++) {
        const char *m = errlist_get (el, k);
        if (strstr (m, a) && (!b || strstr (m, b)))
            return 1;
    }
    return 0;
}

static void dump (const errlist_t *el)
{
    for (int k = 0; k < errlist_kept (el); k++)
        fprintf (stderr, "  %s\n", errlist_get (el, k));
}

static void test_basic (void **state)
{
    errlist_t *errs;
    jobfile_t *jf = load ("jf_basic.cfg", NULL, 0, &errs);
    if (!jf)
        dump (errs);
    assert_non_null (jf);
    const jobfile_job_t *j = jobfile_job (jf);
    assert_string_equal (j->id, "basic");
    assert_string_equal (j->description, "all the keys");
    assert_int_equal (j->max_task_retries, 2);
    assert_int_equal (j->max_log_size, 512LL << 20);
    assert_int_equal (j->slots_kind, JOB_SLOTS_NUMBER);
    assert_int_equal (j->slots_per_worker, 8);
    assert_int_equal (j->fill, JOB_FILL_PACK);
    assert_int_equal (j->binding, JOB_BIND_CORE);
    assert_int_equal (j->retention, JOB_RETAIN_FAILED);
    assert_int_equal (j->logs, JOB_LOGS_STORAGE);
    assert_int_equal (j->gpus_per_worker, -1);
    assert_true (j->max_wall_clock < 0);
    assert_int_equal (j->env.n, 1);
    assert_string_equal (j->env.names[0], "A");
    assert_non_null (j->prep);
    assert_string_equal (j->prep->command, "prep");
    assert_true (j->prep->max_wall_clock == 5400);
    assert_int_equal (j->prep->wait_for_success, 1);
    assert_non_null (j->release);
    assert_true (j->release->max_wall_clock == 900);
    assert_true (j->storage[0] == '/');
    assert_non_null (strstr (j->state, "/jobs/basic"));
    assert_non_null (strstr (j->node_root, "mpibatch"));
    assert_int_equal (j->nsweeps, 0);
    /* 2 tasks + 2 commands of the included command_file. */
    assert_int_equal (jobfile_ntasks (jf), 4);

    jobfile_task_t t = { 0 };
    assert_int_equal (jobfile_task_get (jf, 0, &t), 0);
    assert_string_equal (t.id, "full");
    /* Plain tasks are literal: no template expansion. */
    assert_string_equal (t.command, "run ${x} $HOME");
    assert_int_equal (t.slots, 2);
    assert_int_equal (t.gpus, 1);
    assert_int_equal (t.memory, 4LL << 30);
    assert_true (t.time_request == 900);
    assert_int_equal (t.priority, 5);
    assert_int_equal (t.on_failure, TASK_SATISFY);
    assert_int_equal (t.max_retries, -1);
    assert_true (t.max_wall_clock == 90);
    assert_int_equal (t.instances, 2);
    assert_string_equal (t.coordination_command, "coord");
    assert_int_equal (t.env.n, 1);
    assert_string_equal (t.env.values[0], "2");
    assert_int_equal (t.ninputs, 1);
    assert_string_equal (t.inputs[0].source, "jf_params.csv");
    assert_string_equal (t.inputs[0].path, "p.csv");
    assert_int_equal (t.inputs[0].method, INPUT_SYMLINK);
    assert_int_equal (t.inputs[0].mode, 0644);
    assert_int_equal (t.noutputs, 1);
    assert_string_equal (t.outputs[0].destination, "res/");
    assert_int_equal (t.outputs[0].when, OUTPUT_SUCCESS);
    assert_int_equal (t.sweep, -1);

    assert_int_equal (jobfile_task_get (jf, 1, &t), 0);
    assert_string_equal (t.id, "plain");
    assert_int_equal (t.slots, 1);
    assert_int_equal (t.gpus, 0);
    assert_int_equal (t.memory, 0);
    assert_int_equal (t.priority, 0);
    assert_int_equal (t.instances, 1);
    assert_int_equal (t.max_retries, 2);   /* the job's default */
    assert_int_equal (t.on_failure, TASK_BLOCK);
    assert_true (t.time_request < 0);
    assert_true (t.max_wall_clock < 0);
    assert_null (t.coordination_command);
    assert_int_equal (t.ndepends, 1);
    assert_string_equal (t.depends_on[0], "FULL");

    /* command_file: ids are line numbers in that file, commands literal. */
    assert_int_equal (jobfile_task_get (jf, 2, &t), 0);
    assert_string_equal (t.id, "line-1");
    assert_string_equal (t.command, "echo one");
    assert_non_null (strstr (t.file, "jf_cmds.txt"));
    assert_int_equal (t.line, 1);
    assert_int_equal (jobfile_task_get (jf, 3, &t), 0);
    assert_string_equal (t.id, "line-5");
    assert_string_equal (t.command, "echo \"two, three\"");
    assert_int_equal (t.max_retries, 2);
    jobfile_task_clear (&t);

    assert_int_equal (jobfile_task_find (jf, "PLAIN"), 1);
    assert_int_equal (jobfile_task_find (jf, "line-5"), 3);
    assert_int_equal (jobfile_task_find (jf, "nope"), -1);
    char buf[80];
    assert_string_equal (jobfile_task_id (jf, 3, buf, sizeof (buf)), "line-5");

    const uint32_t *off, *deps;
    jobfile_deps (jf, &off, &deps);
    assert_int_equal (off[0], 0);
    assert_int_equal (off[1], 0);
    assert_int_equal (off[2], 1);
    assert_int_equal (deps[0], 0);
    assert_int_equal (off[4], 1);

    jobfile_stats_t st;
    jobfile_stats (jf, &st);
    assert_int_equal (st.tasks, 4);
    assert_int_equal (st.edges, 1);
    assert_int_equal (st.inputs, 1);

    jobfile_reqs_t r;
    jobfile_task_reqs (jf, 0, &r);
    assert_int_equal (r.slots, 2);
    assert_int_equal (r.max_retries, -1);
    jobfile_task_reqs (jf, 1, &r);
    assert_int_equal (r.max_retries, 2);

    /* The digest follows the work: equal for equal tasks, else not. */
    assert_true (jobfile_task_digest (jf, 0) != jobfile_task_digest (jf, 1));
    assert_true (jobfile_task_digest (jf, 2) == jobfile_task_digest (jf, 2));
    assert_non_null (strstr (jobfile_config_text (jf), "command_file"));
    jobfile_destroy (jf);
    errlist_destroy (errs);
}

static void expect_task (const jobfile_t *jf, size_t i, const char *id, const char *cmd)
{
    jobfile_task_t t = { 0 };
    assert_int_equal (jobfile_task_get (jf, i, &t), 0);
    assert_string_equal (t.id, id);
    assert_string_equal (t.command, cmd);
    jobfile_task_clear (&t);
}

static void test_sweep (void **state)
{
    errlist_t *errs;
    const char *set[] = { "extra=E", "description=changed" };
    jobfile_t *jf = load ("jf_sweep.cfg", set, 2, &errs);
    if (!jf)
        dump (errs);
    assert_non_null (jf);
    const jobfile_job_t *j = jobfile_job (jf);
    assert_string_equal (j->description, "changed");
    assert_int_equal (j->nsweeps, 4);
    assert_string_equal (j->sweep_names[0], "p");
    assert_string_equal (j->sweep_names[1], "zipped");
    assert_string_equal (j->sweep_names[2], "t");
    assert_string_equal (j->sweep_names[3], "sweep-4");
    /* product 2x3 + zip 3 + table 3 + float range 3 */
    assert_int_equal (jobfile_ntasks (jf), 15);
    /* Product: the last dimension varies fastest. */
    expect_task (jf, 0, "p-1-x", "c 1 x 0 p-1-x sw E $ $HOME");
    expect_task (jf, 1, "p-1-y", "c 1 y 1 p-1-y sw E $ $HOME");
    expect_task (jf, 3, "p-2-x", "c 2 x 3 p-2-x sw E $ $HOME");
    expect_task (jf, 5, "p-2-z", "c 2 z 5 p-2-z sw E $ $HOME");
    /* Zip with an integer range going down and a float range. */
    expect_task (jf, 6, "z-10", "0.0");
    expect_task (jf, 7, "z-7", "0.5");
    expect_task (jf, 8, "z-4", "1.0");
    /* Table rows, with quoted commas and quotes. */
    expect_task (jf, 9, "t_0", "a,b/1");
    expect_task (jf, 10, "t_1", "say \"hi\"/2");
    expect_task (jf, 11, "t_2", "plain/3");
    /* Float range: 0.1 to 0.3 by 0.1 has three values despite rounding. */
    expect_task (jf, 14, "2", "noname");

    jobfile_task_t t = { 0 };
    assert_int_equal (jobfile_task_get (jf, 4, &t), 0);
    assert_int_equal (t.sweep, 0);
    assert_int_equal (t.sweep_index, 4);
    assert_int_equal (t.nparams, 2);
    assert_string_equal (t.param_names[0], "a");
    assert_string_equal (t.param_values[0], "2");
    assert_string_equal (t.param_values[1], "y");
    assert_int_equal (jobfile_task_get (jf, 13, &t), 0);
    assert_string_equal (t.param_values[0], "0.2");
    jobfile_task_clear (&t);

    /* Every p-* task depends on the three z-* tasks. */
    const uint32_t *off, *deps;
    jobfile_deps (jf, &off, &deps);
    for (int i = 0; i < 6; i++) {
        assert_int_equal (off[i + 1] - off[i], 3);
        assert_int_equal (deps[off[i]], 6);
        assert_int_equal (deps[off[i] + 2], 8);
    }
    assert_int_equal (off[15], 18);
    jobfile_stats_t st;
    jobfile_stats (jf, &st);
    assert_int_equal (st.sweeps, 4);
    assert_int_equal (st.edges, 18);
    jobfile_destroy (jf);
    errlist_destroy (errs);
}

static void test_unknown_var (void **state)
{
    errlist_t *errs;
    jobfile_t *jf = load ("jf_sweep.cfg", NULL, 0, &errs);
    assert_null (jf);
    assert_int_equal (errno, EINVAL);
    assert_true (has_error (errs, "jf_sweep.cfg:3:", "unknown template variable '${extra}'"));
    errlist_destroy (errs);
}

static void test_errors (void **state)
{
    errlist_t *errs;
    jobfile_t *jf = load ("jf_bad.cfg", NULL, 0, &errs);
    assert_null (jf);
    assert_true (has_error (errs, "jf_bad.cfg:7: duplicate task id 'dup'", "(also at "));
    assert_true (has_error (errs, "jf_bad.cfg:3)", NULL));
    assert_true (has_error (errs, "jf_bad.cfg:7: unknown key 'comand'", "(did you mean 'command'?)"));
    assert_true (has_error (errs, "jf_bad.cfg:4: dependency cycle: c1 -> c2 -> c3 -> c1", NULL));
    errlist_destroy (errs);

    jf = load ("jf_cycle.cfg", NULL, 0, &errs);
    assert_null (jf);
    assert_int_equal (errlist_count (errs), 1);
    assert_true (has_error (errs, "jf_cycle.cfg:4: dependency cycle: c1 -> c2 -> c3 -> c1", NULL));
    errlist_destroy (errs);

    const char *set[] = { "novalue" };
    jf = load ("jf_cycle.cfg", set, 1, &errs);
    assert_null (jf);
    assert_true (has_error (errs, "--set: expected KEY=VALUE", NULL));
    errlist_destroy (errs);

    errs = errlist_create (50);
    jobfile_opts_t o = { 0 };
    assert_null (jobfile_load ("/nonexistent/job.cfg", &o, errs));
    assert_int_equal (errlist_count (errs), 1);
    errlist_destroy (errs);
}

/* Write text into dir/name. */
static void put_file (const char *dir, const char *name, const char *text)
{
    char *p = NULL;
    assert_true (asprintf (&p, "%s/%s", dir, name) > 0);
    FILE *f = fopen (p, "w");
    assert_non_null (f);
    fputs (text, f);
    assert_int_equal (fclose (f), 0);
    free (p);
}

static jobfile_t *load_text (const char *dir, const char *text, errlist_t **errs)
{
    char *p = NULL;
    put_file (dir, "job.cfg", text);
    assert_true (asprintf (&p, "%s/job.cfg", dir) > 0);
    *errs = errlist_create (50);
    jobfile_opts_t o = { 0 };
    jobfile_t *jf = jobfile_load (p, &o, *errs);
    free (p);
    return jf;
}

static void expect_error (const char *dir, const char *text, const char *a, const char *b)
{
    errlist_t *errs;
    jobfile_t *jf = load_text (dir, text, &errs);
    if (jf || !has_error (errs, a, b)) {
        fprintf (stderr, "expected '%s' '%s' for:\n%s\ngot:\n", a, b ? b : "", text);
        dump (errs);
    }
    assert_null (jf);
    assert_true (has_error (errs, a, b));
    errlist_destroy (errs);
}

static void test_error_phrases (void **state)
{
    char dir[] = "/tmp/test_jobfile.XXXXXX";
    assert_non_null (mkdtemp (dir));
    put_file (dir, "in.dat", "x");
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a\"; command = \"x\"; slots = 0; } );",
                  "job.cfg:2:", "slots must be");
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a\"; command = \"x\"; priority = 1.5; } );",
                  "priority must be an integer", NULL);
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a\"; command = \"x\"; max_retries = -2; } );",
                  "max_retries must be", NULL);
    expect_error (dir, "id = \"j\";\nfill = \"diagonal\";", "job.cfg:2: fill must be one of", NULL);
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a b\"; command = \"x\"; } );",
                  "invalid id 'a b'", NULL);
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"\"; command = \"x\"; } );",
                  "invalid id ''", NULL);
    expect_error (dir, "id = \"j\";\ntasks = ( { command = \"x\"; } );",
                  "missing required key 'id'", NULL);
    expect_error (dir, "id = \"j\";\ntasks = { };", "tasks must be", NULL);
    expect_error (dir, "id = \"j\";\nmax_wall_clock = \"1h30\";", "invalid duration", NULL);
    expect_error (dir, "id = \"j\";\nmax_log_size = \"12X\";", "invalid size", NULL);
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a\"; command = \"x\"; depends_on = [\"b\"]; } );",
                  "unknown task 'b' in depends_on", NULL);
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a\"; command = \"x\"; depends_on = [\"a*\"]; } );",
                  "pattern 'a*' matches no task", NULL);
    expect_error (dir, "id = \"j\";\nslots_per_worker = 2;\ntasks = ( { id = \"a\"; command = \"x\"; slots = 3; } );",
                  "needs 3 slots but slots_per_worker is 2", NULL);
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a\"; command = \"x\"; inputs = ( { source = \"in.dat\"; path = \"/x\"; } ); } );",
                  "must be a relative path", NULL);
    expect_error (dir, "id = \"j\";\nsweeps = ( { id = \"a${p}\"; command = \"x\"; parameters = { p = [\"..\"]; };\n outputs = ( { pattern = \"x\"; destination = \"${p}/x\"; } ); } );",
                  "job.cfg:3:", "must not contain '..'");
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a\"; command = \"x\";\n inputs = ( { source = \"missing*\"; } ); } );",
                  "job.cfg:3: input source not found in storage: missing*", NULL);
    expect_error (dir, "id = \"j\";\nsweeps = ( { id = \"a${p}\"; command = \"x\"; parameters = { p = [1]; q = [1,2]; }; mode = \"zip\"; } );",
                  "zip", NULL);
    expect_error (dir, "id = \"j\";\nsweeps = ( { id = \"a${p}\"; command = \"x\"; parameters = { p = { from = 1; to = 5; step = -1; }; }; } );",
                  "step", NULL);
    expect_error (dir, "id = \"j\";\nsweeps = ( { id = \"a${p}\"; command = \"x\"; parameters = { p = []; }; } );",
                  "no values", NULL);
    expect_error (dir, "id = \"j\";\nsweeps = ( { id = \"a${p}\"; command = \"x\"; parameters = { table = \"no.csv\"; }; } );",
                  "cannot read table", NULL);
    expect_error (dir, "id = \"j\";\ncommand_file = \"no.txt\";", "cannot read command_file", NULL);
    expect_error (dir, "id = \"j\";\nsweeps = ( { id = \"a${task}\"; command = \"x\"; parameters = { p = [1]; }; } );",
                  "unknown template variable '${task}'", NULL);
    expect_error (dir, "id = \"j\";\nsweeps = ( { id = \"a${p}\"; command = \"x\"; parameters = { p = [1, 2]; }; },\n"
                  "{ id = \"A${q}\"; command = \"y\"; parameters = { q = [2]; }; } );",
                  "job.cfg:3: duplicate task id 'A2' (also at ", "job.cfg:2)");
    expect_error (dir, "id = \"j\";\nstorage = \"nowhere\";", "job.cfg:2: storage directory not found: ", NULL);
    expect_error (dir, "id = \"j\";\n@include \"nofile.cfg\"", "job.cfg:2:", NULL);
    expect_error (dir, "id = \"j\"\ntasks = (", "job.cfg:2: syntax error", NULL);
    expect_error (dir, "id = \"j\";\ntasks = ( { id = \"a\"; command = \"x\"; inputs = ( { sauce = \"in.dat\"; } ); } );",
                  "unknown key 'sauce' (did you mean 'source'?)", NULL);
    put_file (dir, "sub.cfg", "tasks = ( { id = \"a\"; comand = \"x\"; } );\n");
    expect_error (dir, "id = \"j\";\n@include \"sub.cfg\"", "sub.cfg:1: unknown key 'comand'", NULL);
    char cmd[300];
    snprintf (cmd, sizeof (cmd), "rm -rf '%s'", dir);
    assert_int_equal (system (cmd), 0);
}

static void test_set_storage (void **state)
{
    char dir[] = "/tmp/test_jobfile.XXXXXX";
    assert_non_null (mkdtemp (dir));
    char *sub = NULL;
    assert_true (asprintf (&sub, "%s/store", dir) > 0);
    assert_int_equal (mkdir (sub, 0755), 0);
    put_file (sub, "in.dat", "x");
    char *p = NULL;
    put_file (dir, "job.cfg", "id = \"j\";\nstorage = \"nowhere\";\n"
              "tasks = ( { id = \"a\"; command = \"x\"; inputs = ( { source = \"in.dat\"; } ); } );\n");
    assert_true (asprintf (&p, "%s/job.cfg", dir) > 0);
    const char *set[] = { "storage=store", "max_wall_clock=3600", "slots_per_worker=4" };
    jobfile_opts_t o = { .set = set, .nset = 3, .state = "/tmp/elsewhere" };
    errlist_t *errs = errlist_create (50);
    jobfile_t *jf = jobfile_load (p, &o, errs);
    if (!jf)
        dump (errs);
    assert_non_null (jf);
    const jobfile_job_t *j = jobfile_job (jf);
    assert_string_equal (j->storage, sub);
    assert_string_equal (j->state, "/tmp/elsewhere");
    assert_true (j->max_wall_clock == 3600);
    assert_int_equal (j->slots_kind, JOB_SLOTS_NUMBER);
    assert_int_equal (j->slots_per_worker, 4);
    assert_non_null (strstr (jobfile_config_text (jf), "store"));
    jobfile_destroy (jf);
    errlist_destroy (errs);
    free (p);
    free (sub);
    char cmd[300];
    snprintf (cmd, sizeof (cmd), "rm -rf '%s'", dir);
    assert_int_equal (system (cmd), 0);
}

static void test_durations_sizes (void **state)
{
    assert_true (jobfile_parse_duration ("90") == 90);
    assert_true (jobfile_parse_duration ("1.5") == 1.5);
    assert_true (jobfile_parse_duration ("90s") == 90);
    assert_true (jobfile_parse_duration ("15m") == 900);
    assert_true (jobfile_parse_duration ("2h") == 7200);
    assert_true (jobfile_parse_duration ("1d") == 86400);
    assert_true (jobfile_parse_duration ("1h30m") == 5400);
    assert_true (jobfile_parse_duration ("-5") < 0);
    assert_true (jobfile_parse_duration ("") < 0);
    assert_true (jobfile_parse_duration ("abc") < 0);
    assert_true (jobfile_parse_duration ("5x") < 0);
    assert_true (jobfile_parse_duration ("1h30") < 0);
    assert_int_equal (jobfile_parse_size ("1024"), 1024);
    assert_int_equal (jobfile_parse_size ("100k"), 102400);
    assert_int_equal (jobfile_parse_size ("512M"), 512LL << 20);
    assert_int_equal (jobfile_parse_size ("4G"), 4LL << 30);
    assert_int_equal (jobfile_parse_size ("4GiB"), 4LL << 30);
    assert_int_equal (jobfile_parse_size ("4gb"), 4LL << 30);
    assert_int_equal (jobfile_parse_size ("10B"), 10);
    assert_int_equal (jobfile_parse_size ("-1"), -1);
    assert_int_equal (jobfile_parse_size ("4X"), -1);
    assert_int_equal (jobfile_parse_size (""), -1);
    assert_null (jobfile_id_problem ("a-b_c.d9"));
    assert_non_null (jobfile_id_problem (".a"));
    assert_non_null (jobfile_id_problem (""));
    assert_non_null (jobfile_id_problem ("a/b"));
    char longid[70];
    memset (longid, 'a', 65);
    longid[65] = '\0';
    assert_non_null (jobfile_id_problem (longid));
    longid[64] = '\0';
    assert_null (jobfile_id_problem (longid));
}

static double now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_million (void **state)
{
    char dir[] = "/tmp/test_jobfile.XXXXXX";
    assert_non_null (mkdtemp (dir));
    errlist_t *errs;
    double t0 = now ();
    jobfile_t *jf = load_text (dir, "id = \"big\";\nsweeps = ( { id = \"s-${i}-${j}\";\n"
                               "command = \"run ${i} ${j}\"; depends_on = [\"first\"];\n"
                               "parameters = { i = { from = 1; to = 1000; }; j = { from = 0.0; to = 0.999; step = 0.001; }; }; } );\n"
                               "tasks = ( { id = \"first\"; command = \"x\"; } );\n", &errs);
    double t = now () - t0;
    if (!jf)
        dump (errs);
    assert_non_null (jf);
    assert_int_equal (jobfile_ntasks (jf), 1000001);
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    fprintf (stderr, "# 1,000,001 tasks loaded in %.2f s, max RSS %ld MB\n", t, ru.ru_maxrss / 1024);
    expect_task (jf, 999999, "s-1000-0.999", "run 1000 0.999");
    assert_int_equal (jobfile_task_find (jf, "S-500-0.5"), 499 * 1000 + 500);
    jobfile_destroy (jf);
    errlist_destroy (errs);
    char cmd[300];
    snprintf (cmd, sizeof (cmd), "rm -rf '%s'", dir);
    assert_int_equal (system (cmd), 0);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_basic),
        cmocka_unit_test (test_sweep),
        cmocka_unit_test (test_unknown_var),
        cmocka_unit_test (test_errors),
        cmocka_unit_test (test_error_phrases),
        cmocka_unit_test (test_set_storage),
        cmocka_unit_test (test_durations_sizes),
        cmocka_unit_test (test_million),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
