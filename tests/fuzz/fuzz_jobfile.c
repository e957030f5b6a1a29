/* fuzz_jobfile.c: libFuzzer target for the job file loader: load, expand every task, destroy. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "io/jobfile.h"
#include "scheduler/sched.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* One scratch directory per process: the loader reads a file, so every
 * input is written to <dir>/job.cfg, and storage is pinned to <dir> with a
 * --set so that relative sources and @include stay in the sandbox. */
static char dir[64];
static char path[96];
static char set_storage[96];

static void cleanup (void)
{
    if (path[0])
        unlink (path);
    if (dir[0])
        rmdir (dir);
}

static int setup (void)
{
    if (dir[0])
        return 0;
    const char *t = getenv ("TMPDIR");
    snprintf (dir, sizeof (dir), "%s/mbfuzz.XXXXXX", t && strlen (t) < 40 ? t : "/tmp");
    if (!mkdtemp (dir))
        return -1;
    snprintf (path, sizeof (path), "%s/job.cfg", dir);
    snprintf (set_storage, sizeof (set_storage), "storage=%s", dir);
    atexit (cleanup);
    return 0;
}

static int write_file (const uint8_t *data, size_t size)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t rc = write (fd, data + done, size - done);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            close (fd);
            return -1;
        }
        done += (size_t)rc;
    }
    return close (fd);
}

/* Touch every string of an expanded task, so that a dangling or
 * unterminated one shows up under ASan here rather than in the runtime. */
static size_t touch (const char *s)
{
    return s ? strlen (s) : 0;
}

static size_t touch_task (const jobfile_task_t *t)
{
    size_t n = touch (t->id) + touch (t->command) + touch (t->coordination_command)
               + touch (t->file);
    for (int k = 0; k < t->env.n; k++)
        n += touch (t->env.names[k]) + touch (t->env.values[k]);
    for (int k = 0; k < t->ninputs; k++)
        n += touch (t->inputs[k].source) + touch (t->inputs[k].path);
    for (int k = 0; k < t->noutputs; k++)
        n += touch (t->outputs[k].pattern) + touch (t->outputs[k].destination);
    for (int k = 0; k < t->ndepends; k++)
        n += touch (t->depends_on[k]);
    for (int k = 0; k < t->nparams; k++)
        n += touch (t->param_names[k]) + touch (t->param_values[k]);
    return n;
}

/* The exit conditions in effect: every rule's text, and the decision on
 * a few ends of each kind. */
static size_t touch_exit (const jobfile_exit_t *e)
{
    size_t n = 0;
    char buf[300];
    for (int k = 0; e && k < e->n; k++)
        n += touch (jobfile_exit_rule_text (e, k, buf, sizeof (buf)));
    static const int codes[] = { 0, 1, 3, 75, 255, -1 };
    for (int end = SCHED_END_EXIT; end <= SCHED_END_INTERRUPTED; end++)
        for (size_t c = 0; c < sizeof (codes) / sizeof (codes[0]); c++) {
            sched_verdict_t v;
            sched_exit_decide (e, end, codes[c], &v);
            n += (size_t)(v.outcome + v.rule + v.action + v.job);
        }
    return n;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static volatile size_t sink;

    if (setup () < 0 || write_file (data, size) < 0)
        return 0;
    errlist_t *errs = errlist_create (50);
    if (!errs)
        return 0;
    const char *set[] = { set_storage };
    jobfile_opts_t opts = { .set = set, .nset = 1, .no_storage_check = 1 };
    jobfile_t *jf = jobfile_load (path, &opts, errs);
    for (int k = 0; k < errlist_kept (errs); k++)
        sink += touch (errlist_get (errs, k));
    if (jf) {
        const jobfile_job_t *job = jobfile_job (jf);
        sink += touch (job->id) + touch (job->storage) + touch (job->state)
                + touch (jobfile_config_text (jf));
        jobfile_task_t t;
        memset (&t, 0, sizeof (t));
        size_t n = jobfile_ntasks (jf);
        for (size_t i = 0; i < n; i++) {
            if (jobfile_task_get (jf, i, &t) < 0)
                break;
            sink += touch_task (&t) + touch_exit (t.exit) + (size_t)t.max_requeues;
            char id[80];
            sink += touch (jobfile_task_id (jf, i, id, sizeof (id)));
            sink += (size_t)jobfile_task_find (jf, id);
            sink += (size_t)jobfile_task_digest (jf, i);
        }
        jobfile_task_clear (&t);
        jobfile_stats_t st;
        jobfile_stats (jf, &st);
        sink += st.edges;
        jobfile_destroy (jf);
    }
    errlist_destroy (errs);
    return 0;
}
