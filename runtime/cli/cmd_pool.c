/* cmd_pool.c: the pool's request commands: submit, add, close, cancel, priority, shutdown (spec/pools.md). */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/buf.h"
#include "common/err.h"
#include "io/jobfile.h"
#include "io/pooldir.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_opts.h"

/* Lines of `add -` go to the pool in batches of at most this many lines,
 * or of what arrived within BATCH_WAIT seconds of a batch's first line. */
#define BATCH_LINES 10000
#define BATCH_WAIT 0.2

/* Each command's usage ends with these lines (COMMON_OPTS is pasted on at
 * compile time, so --help and usage errors print one text). */
#define COMMON_OPTS \
    "  --timeout SECONDS  wait this long for the pool's answer (default 30)\n" \
    "  -h, --help         print this help\n" \
    "Exit status: 0 done, 2 bad input or refused by the pool (with the reason),\n" \
    "3 no pool is running in POOLDIR, or no answer in time.\n"

static void fill_sender (pool_req_t *r)
{
    char host[256] = "";
    struct passwd *pw = getpwuid (geteuid ());
    gethostname (host, sizeof (host) - 1);
    r->user = strdup (pw ? pw->pw_name : "?");
    r->host = strdup (host);
    r->pid = (long)getpid ();
    r->time = mb_clock_real ();
}

int cmd_pool_request (const char *cmd, const char *dir, pool_req_t *req, double timeout,
                      pool_answer_t *ans)
{
    char why[700], name[300];
    mb_error_t err = { { 0 } };
    int rc = pooldir_probe (dir, why, sizeof (why));
    if (rc < 0) {
        fprintf (stderr, "mpibatch %s: %s: %s\n", cmd, dir, strerror (errno));
        return 3;
    }
    if (rc == 0) {
        fprintf (stderr, "mpibatch %s: %s\n", cmd, why);
        return 3;
    }
    if (!req->user)
        fill_sender (req);
    if (pooldir_send (dir, req, name, sizeof (name), &err) < 0) {
        fprintf (stderr, "mpibatch %s: %s\n", cmd, err.text);
        return errno == EFBIG ? 2 : 3;
    }
    if (pooldir_wait (dir, name, timeout, ans, &err) < 0) {
        fprintf (stderr, "mpibatch %s: %s\n", cmd, err.text);
        return 3;
    }
    if (ans->status != POOL_ACCEPTED) {
        fprintf (stderr, "mpibatch %s: refused by the pool: %s\n", cmd,
                 ans->text ? ans->text : "(no reason given)");
        pool_answer_free (ans);
        return 2;
    }
    return 0;
}

/* --timeout's value: seconds > 0.  0, or 2 after a usage error. */
static int parse_timeout (const cli_opts_t *p, double *out)
{
    char *end;
    double v = strtod (p->arg, &end);
    if (end == p->arg || *end || !(v > 0) || v > 1e6)
        return cli_error (p, "--timeout: expected seconds > 0 (got '%s')", p->arg);
    *out = v;
    return 0;
}

/* A priority, -1000..1000.  0, or 2 after a usage error. */
static int parse_priority (const cli_opts_t *p, const char *s, int *out)
{
    char *end;
    long v = strtol (s, &end, 10);
    if (!*s || *end || v < -1000 || v > 1000)
        return cli_error (p, "priority must be a number from -1000 to 1000 (got '%s')", s);
    *out = (int)v;
    return 0;
}

static int check_job_id (const char *cmd, const char *id)
{
    const char *why = jobfile_id_problem (id);
    if (why) {
        fprintf (stderr, "mpibatch %s: invalid job id '%s': %s\n", cmd, id, why);
        return -1;
    }
    return 0;
}

static int read_file (const char *path, buf_t *b)
{
    FILE *f = strcmp (path, "-") ? fopen (path, "r") : stdin;
    char chunk[65536];
    size_t n;
    if (!f)
        return -1;
    while ((n = fread (chunk, 1, sizeof (chunk), f)) > 0) {
        if (b->len + n > (size_t)POOL_REQ_MAX) {
            if (f != stdin)
                fclose (f);
            errno = EFBIG;
            return -1;
        }
        if (buf_add (b, chunk, n) < 0) {
            if (f != stdin)
                fclose (f);
            return -1;
        }
    }
    int bad = ferror (f);
    if (f != stdin)
        fclose (f);
    if (buf_reserve (b, 1) < 0)
        return -1;
    b->data[b->len] = '\0';
    return bad ? -1 : 0;
}

/* Is this line an @include (libconfig 1.5 takes one at the start of a
 * line)?  Then its name goes to name. */
static int include_line (const char *line, char *name, size_t len)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncmp (p, "@include", 8))
        return 0;
    p += 8;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p++ != '"')
        return 0;
    size_t n = 0;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            p++;
        if (n + 1 < len)
            name[n++] = *p;
        p++;
    }
    name[n] = '\0';
    return *p == '"';
}

/* Does a string literal stay open at the end of this line?  (A '#' or
 * '//' outside a string starts a comment.) */
static int string_open (const char *line, int in_str)
{
    for (const char *p = line; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_str = 0;
        }
        else if (*p == '"')
            in_str = 1;
        else if (*p == '#' || (*p == '/' && p[1] == '/'))
            break;
    }
    return in_str;
}

/* Append the text of path to body with every @include inlined (names
 * relative to dir, libconfig's include directory), recording in req's
 * map where each run of lines comes from.  0, or -1 with a message. */
static int inline_includes (const char *cmd, pool_req_t *req, const char *path, const char *dir,
                            buf_t *body, unsigned *line, int depth)
{
    char real[PATH_MAX];
    if (depth > 10) {
        fprintf (stderr, "mpibatch %s: %s: @include nested too deeply\n", cmd, path);
        return -1;
    }
    FILE *f = fopen (path, "r");
    if (!f || !realpath (path, real)) {
        fprintf (stderr, "mpibatch %s: %s: %s\n", cmd, path, strerror (errno));
        if (f)
            fclose (f);
        return -1;
    }
    char *l = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned fline = 0;
    int in_str = 0, rc = 0;
    if (pool_req_add_map (req, *line, real, 1) < 0)
        rc = -1;
    while (rc == 0 && (n = getline (&l, &cap, f)) >= 0) {
        char name[PATH_MAX], inc[2 * PATH_MAX + 2];
        fline++;
        if (!in_str && include_line (l, name, sizeof (name))) {
            snprintf (inc, sizeof (inc), "%s%s%s", name[0] == '/' ? "" : dir,
                      name[0] == '/' ? "" : "/", name);
            if (inline_includes (cmd, req, inc, dir, body, line, depth + 1) < 0
                || pool_req_add_map (req, *line, real, fline + 1) < 0)
                rc = -1;
            continue;
        }
        in_str = string_open (l, in_str);
        if (buf_add (body, l, (size_t)n) < 0)
            rc = -1;
        if (n > 0 && l[n - 1] != '\n' && buf_add (body, "\n", 1) < 0)
            rc = -1;
        (*line)++;
    }
    free (l);
    fclose (f);
    return rc;
}

/* Attach the data files (command_file, tables) the loader read. */
static int attach_data (const char *cmd, pool_req_t *req, const jobfile_t *jf)
{
    for (int k = 0; k < jobfile_ndata_files (jf); k++) {
        const char *p = jobfile_data_file (jf, k);
        buf_t b = { 0 };
        int dup = 0;
        for (int i = 0; i < req->nfiles; i++)
            dup |= !strcmp (req->files[i].path, p);
        if (dup)
            continue;
        if (read_file (p, &b) < 0 || pool_req_attach (req, p, b.data ? b.data : "", b.len) < 0) {
            fprintf (stderr, "mpibatch %s: %s: %s\n", cmd, p, strerror (errno));
            buf_free (&b);
            return -1;
        }
        buf_free (&b);
    }
    return 0;
}

/* The directory of an absolute path. */
static void dir_of (const char *path, char *dir, size_t len)
{
    snprintf (dir, len, "%s", path);
    char *s = strrchr (dir, '/');
    if (s)
        *(s == dir ? s + 1 : s) = '\0';
}

/* Watch the job's state directory until its run has ended (a RUN_END
 * after the latest RUN_START, and no service holding its lock), as
 * `mpibatch status` reads it; exit as `run` would. */
static int wait_job (const char *dir, const char *state)
{
    for (;;) {
        char why[700];
        run_view_t v = { 0 };
        mb_error_t err = { { 0 } };
        int live = cmd_run_live (state, NULL, 0) == 1;
        if (run_view_load (&v, state, live, &err) == 0 && v.runs > 0 && v.ended && !live) {
            int st = v.end_status;
            run_view_free (&v);
            /* 4: terminated by an exit condition, which `run` exits 1 for */
            return st == 0 ? 0 : st == 1 || st == 4 ? 1 : st == 2 ? 4 : 3;
        }
        run_view_free (&v);
        if (!live && pooldir_probe (dir, why, sizeof (why)) == 0) {
            fprintf (stderr, "mpibatch submit: the pool stopped before the job ended: %s\n", why);
            return 4;
        }
        poll (NULL, 0, 500);
    }
}

int cmd_submit (int argc, char **argv)
{
    static const char usage[] =
        "Usage: mpibatch submit POOLDIR JOBFILE [--set KEY=VALUE]... [--priority N] [--open]\n"
        "                [--wait] [--timeout SECONDS]\n"
        "Validate JOBFILE here and hand it to the pool running in POOLDIR; print\n"
        "the job id once the pool has accepted it.\n"
        "  --set KEY=VALUE    override a job key, or define a template variable\n"
        "  --priority N       the job's priority, -1000..1000 (default: the job file's)\n"
        "  --open             keep the job active for `mpibatch add` until `close`\n"
        "  --wait             then wait for the job to end; exit 0, 1 or 4 as `run`\n"
        COMMON_OPTS;
    enum { OPT_SET = 256, OPT_PRIORITY, OPT_OPEN, OPT_WAIT, OPT_TIMEOUT };
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "set", required_argument, NULL, OPT_SET },
        { "priority", required_argument, NULL, OPT_PRIORITY },
        { "open", no_argument, NULL, OPT_OPEN },
        { "wait", no_argument, NULL, OPT_WAIT },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { NULL, 0, NULL, 0 },
    };
    cli_opts_t p;
    const char *dir = NULL, *path = NULL, *extra = NULL;
    double timeout = 30;
    int c, rc = 2, wait = 0;
    pool_req_t *req = pool_req_create (POOL_OP_SUBMIT);
    const char **set = calloc ((size_t)argc + 1, sizeof (char *));
    errlist_t *errs = errlist_create (50);
    jobfile_t *jf = NULL;
    buf_t body = { 0 };
    pool_answer_t ans = { 0 };
    int nset = 0;

    if (!req || !set || !errs) {
        perror ("mpibatch submit");
        rc = 3;
        goto out;
    }
    cli_opts_init (&p, "submit", usage, "h", longopts, argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case CLI_HELP:
            rc = 0;
            goto out;
        case OPT_SET:
            set[nset++] = p.arg;
            break;
        case OPT_PRIORITY:
            if (parse_priority (&p, p.arg, &req->priority) != 0)
                goto out;
            req->has_priority = 1;
            break;
        case OPT_OPEN:
            req->open = 1;
            break;
        case OPT_WAIT:
            wait = req->wait = 1;
            break;
        case OPT_TIMEOUT:
            if (parse_timeout (&p, &timeout) != 0)
                goto out;
            break;
        case CLI_ARG:
            /* Refused after the options: --help later on still wins. */
            if (!dir)
                dir = p.arg;
            else if (!path)
                path = p.arg;
            else if (!extra)
                extra = p.arg;
            break;
        default:
            goto out;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (extra) {
        cli_usage_error (&p, "unexpected argument '%s'", extra);
        goto out;
    }
    if (!path) {
        cli_usage_error (&p, "POOLDIR and JOBFILE needed");
        goto out;
    }
    /* Validate here first: nothing is sent when the job file is wrong. */
    jobfile_opts_t o = { .set = set, .nset = nset };
    if (!(jf = jobfile_load (path, &o, errs))) {
        /* No message: the system failed us (3), not the job file (2). */
        if (errlist_count (errs) == 0)
            rc = 3;
        errlist_print (errs, stderr, path, errno);
        goto out;
    }
    char real[PATH_MAX], jdir[PATH_MAX];
    if (!realpath (path, real)) {
        perror (path);
        goto out;
    }
    dir_of (real, jdir, sizeof (jdir));
    unsigned line = 1;
    if (!(req->file = strdup (real)) || inline_includes ("submit", req, real, jdir, &body, &line, 0) < 0
        || attach_data ("submit", req, jf) < 0
        || pool_req_set_body (req, body.data ? body.data : "", body.len) < 0)
        goto out;
    for (int k = 0; k < nset; k++)
        if (pool_req_add_set (req, set[k]) < 0)
            goto out;
    if ((rc = cmd_pool_request ("submit", dir, req, timeout, &ans)) != 0)
        goto out;
    printf ("%s\n", ans.job ? ans.job : jobfile_job (jf)->id);
    fflush (stdout);
    /* A note of the pool's (e.g. its workers' sizing is its own). */
    if (ans.text && *ans.text)
        fprintf (stderr, "mpibatch submit: %s\n", ans.text);
    if (wait)
        rc = wait_job (dir, jobfile_job (jf)->state);
out:
    pool_answer_free (&ans);
    buf_free (&body);
    jobfile_destroy (jf);
    errlist_destroy (errs);
    free (set);
    pool_req_destroy (req);
    return rc;
}

/* Send the lines of standard input in batches. */
static int add_stream (const char *dir, const char *job, const char *prefix, double timeout)
{
    buf_t pend = { 0 };       /* bytes read, not yet sent */
    char chunk[65536];
    unsigned first = 1, total_lines = 0;
    long long added = 0;
    char *pfx = prefix ? strdup (prefix) : NULL;
    int eof = 0, rc = 0;
    double batch_start = -1, t0 = mb_clock_mono ();

    while (!eof || pend.len) {
        /* Complete lines held, and whether to send them now. */
        size_t upto = 0, nlines = 0;
        for (size_t i = 0; i < pend.len && nlines < BATCH_LINES; i++)
            if (pend.data[i] == '\n') {
                upto = i + 1;
                nlines++;
            }
        if (eof && upto < pend.len && nlines < BATCH_LINES) {
            upto = pend.len;     /* a last line without its newline */
            nlines++;
        }
        int full = nlines >= BATCH_LINES;
        int late = nlines && batch_start >= 0 && mb_clock_mono () - batch_start >= BATCH_WAIT;
        if (nlines && (full || late || eof)) {
            pool_req_t *req = pool_req_create (POOL_OP_ADD);
            pool_answer_t ans = { 0 };
            if (!req || !(req->job = strdup (job)) || !(req->file = strdup ("<stdin>"))
                || (pfx && !(req->prefix = strdup (pfx)))
                || pool_req_set_body (req, pend.data, upto) < 0) {
                perror ("mpibatch add");
                pool_req_destroy (req);
                rc = 3;
                break;
            }
            req->lines = 1;
            req->first_line = first;
            rc = cmd_pool_request ("add", dir, req, timeout, &ans);
            pool_req_destroy (req);
            if (rc != 0)
                break;
            added += ans.count > 0 ? ans.count : 0;
            if (!pfx && ans.prefix)
                pfx = strdup (ans.prefix);
            pool_answer_free (&ans);
            /* Line numbers go on across batches: ids stay unique. */
            for (size_t i = 0; i < upto; i++)
                if (pend.data[i] == '\n')
                    first++;
            total_lines = first - 1;
            memmove (pend.data, pend.data + upto, pend.len - upto);
            pend.len -= upto;
            batch_start = pend.len ? mb_clock_mono () : -1;
            continue;
        }
        if (eof)
            break;
        int ms = -1;
        if (batch_start >= 0) {
            ms = (int)((batch_start + BATCH_WAIT - mb_clock_mono ()) * 1000) + 1;
            if (ms < 0)
                ms = 0;
        }
        struct pollfd pfd = { .fd = 0, .events = POLLIN };
        if (poll (&pfd, 1, ms) == 0)
            continue;
        ssize_t n = read (0, chunk, sizeof (chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            eof = 1;
            continue;
        }
        if (buf_add (&pend, chunk, (size_t)n) < 0) {
            perror ("mpibatch add");
            rc = 3;
            break;
        }
        if (batch_start < 0)
            batch_start = mb_clock_mono ();
    }
    double dt = mb_clock_mono () - t0;
    if (rc == 0)
        fprintf (stderr, "mpibatch add: %s: %lld tasks added from %u lines in %.2f s "
                 "(%.0f lines/s)\n", job, added, total_lines, dt, dt > 0 ? total_lines / dt : 0.0);
    printf ("%lld\n", added);
    buf_free (&pend);
    free (pfx);
    return rc;
}

int cmd_add (int argc, char **argv)
{
    static const char usage[] =
        "Usage: mpibatch add POOLDIR JOB FILE [--lines] [--prefix P] [--timeout SECONDS]\n"
        "Add the tasks, sweeps and command_file of FILE (job-file syntax, only\n"
        "those keys) to the open job JOB.  All of FILE is added, or nothing.\n"
        "  --lines            FILE holds one command per line (ids add<N>-line-<M>)\n"
        "  --prefix P         with --lines: ids P<M>, M the line number\n"
        "FILE - is standard input; with --lines its lines are sent as they\n"
        "arrive, in batches (each batch all or nothing).\n"
        COMMON_OPTS;
    enum { OPT_LINES = 256, OPT_PREFIX, OPT_TIMEOUT };
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "lines", no_argument, NULL, OPT_LINES },
        { "prefix", required_argument, NULL, OPT_PREFIX },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { NULL, 0, NULL, 0 },
    };
    cli_opts_t p;
    const char *dir = NULL, *job = NULL, *path = NULL, *extra = NULL;
    double timeout = 30;
    int c, rc = 2, lines = 0;
    const char *prefix = NULL;
    pool_req_t *req = NULL;
    errlist_t *errs = errlist_create (50);
    jobfile_t *frag = NULL;
    buf_t body = { 0 };
    pool_answer_t ans = { 0 };

    cli_opts_init (&p, "add", usage, "h", longopts, argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case CLI_HELP:
            rc = 0;
            goto out;
        case OPT_LINES:
            lines = 1;
            break;
        case OPT_PREFIX:
            prefix = p.arg;
            break;
        case OPT_TIMEOUT:
            if (parse_timeout (&p, &timeout) != 0)
                goto out;
            break;
        case CLI_ARG:
            if (!dir)
                dir = p.arg;
            else if (!job)
                job = p.arg;
            else if (!path)
                path = p.arg;
            else if (!extra)
                extra = p.arg;
            break;
        default:
            goto out;   /* CLI_ERROR: cli_next said why */
        }
    }
    if (extra) {
        cli_usage_error (&p, "unexpected argument '%s'", extra);
        goto out;
    }
    if (!path) {
        cli_usage_error (&p, "POOLDIR, JOB and FILE needed");
        goto out;
    }
    if (check_job_id ("add", job) < 0 || !errs)
        goto out;
    if (prefix) {
        char probe[80];
        snprintf (probe, sizeof (probe), "%.60s1", prefix);
        if (!lines || strlen (prefix) > 54 || jobfile_id_problem (probe)) {
            fprintf (stderr, "mpibatch add: --prefix needs --lines and must start a valid "
                     "task id ([A-Za-z0-9_.-], not a leading '.'): '%s'\n", prefix);
            goto out;
        }
    }
    if (lines && !strcmp (path, "-")) {
        rc = add_stream (dir, job, prefix, timeout);
        goto out;
    }
    if (!(req = pool_req_create (POOL_OP_ADD)) || !(req->job = strdup (job)))
        goto nomem;
    char real[PATH_MAX], fdir[PATH_MAX];
    if (strcmp (path, "-") && !realpath (path, real)) {
        perror (path);
        goto out;
    }
    if (!strcmp (path, "-") || lines) {
        if (read_file (path, &body) < 0) {
            perror (path);
            goto out;
        }
    }
    else {
        unsigned line = 1;
        dir_of (real, fdir, sizeof (fdir));
        if (inline_includes ("add", req, real, fdir, &body, &line, 0) < 0)
            goto out;
    }
    if (!(req->file = strdup (strcmp (path, "-") ? real : "<stdin>")))
        goto nomem;
    req->lines = lines;
    if (prefix && !(req->prefix = strdup (prefix)))
        goto nomem;
    /* Check here what can be checked without the job: syntax, keys, ids,
     * templates (the pool checks the rest against the job). */
    jobfile_opts_t o = { .lines = lines, .id_prefix = prefix ? prefix : "add0-line-" };
    if (!(frag = jobfile_load_fragment (NULL, req->file, body.data ? body.data : "", body.len,
                                        &o, errs))) {
        if (errlist_count (errs) == 0)
            goto nomem;
        errlist_print (errs, stderr, req->file, errno);
        goto out;
    }
    if (attach_data ("add", req, frag) < 0
        || pool_req_set_body (req, body.data ? body.data : "", body.len) < 0)
        goto out;
    if ((rc = cmd_pool_request ("add", dir, req, timeout, &ans)) == 0)
        printf ("%lld\n", (long long)(ans.count > 0 ? ans.count : 0));
    goto out;
nomem:
    perror ("mpibatch add");
    rc = 3;
out:
    pool_answer_free (&ans);
    buf_free (&body);
    jobfile_destroy (frag);
    errlist_destroy (errs);
    pool_req_destroy (req);
    return rc;
}

/* close, cancel, priority, shutdown: POOLDIR [JOB [ARGS]] and --timeout. */
static int simple_request (int argc, char **argv, int op)
{
    static const char *const usages[] = {
        [POOL_OP_CLOSE] =
            "Usage: mpibatch close POOLDIR JOB [--timeout SECONDS]\n"
            "No more tasks for JOB: it ends when its tasks have ended.\n" COMMON_OPTS,
        [POOL_OP_CANCEL] =
            "Usage: mpibatch cancel POOLDIR JOB [TASK...] [--timeout SECONDS]\n"
            "Cancel JOB, or only the named tasks (ids or '*' patterns): waiting ones\n"
            "end cancelled at once, running ones get SIGTERM, SIGKILL 10 s later.\n" COMMON_OPTS,
        [POOL_OP_PRIORITY] =
            "Usage: mpibatch priority POOLDIR JOB N [--timeout SECONDS]\n"
            "Set JOB's priority to N, -1000..1000 (higher runs first); a negative N\n"
            "after \"--\": mpibatch priority POOLDIR JOB -- -5\n" COMMON_OPTS,
        [POOL_OP_SHUTDOWN] =
            "Usage: mpibatch shutdown POOLDIR [--drain] [--timeout SECONDS]\n"
            "Stop taking submissions; the pool exits when its jobs have ended.\n"
            "  --drain            interrupt running tasks now (the pool exits 4;\n"
            "                     `mpibatch pool POOLDIR --resume` continues)\n" COMMON_OPTS,
    };
    enum { OPT_TIMEOUT = 256, OPT_DRAIN };
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { NULL, 0, NULL, 0 },
    };
    static const struct option longopts_shutdown[] = {
        { "help", no_argument, NULL, 'h' },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "drain", no_argument, NULL, OPT_DRAIN },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = pool_op_name (op), *usage = usages[op];
    double timeout = 30;
    int c, rc = 2, drain = 0, nargs = 0;
    pool_req_t *req = NULL;
    pool_answer_t ans = { 0 };
    cli_opts_t p;
    /* The positional arguments, in order (at most argc of them). */
    const char **args = calloc ((size_t)argc + 1, sizeof (*args));

    if (!args) {
        perror (cmd);
        return 3;
    }
    cli_opts_init (&p, cmd, usage, "h", op == POOL_OP_SHUTDOWN ? longopts_shutdown : longopts,
                   argc, argv);
    while ((c = cli_next (&p)) != CLI_END) {
        switch (c) {
        case CLI_HELP:
            rc = 0;
            goto out;
        case OPT_TIMEOUT:
            if (parse_timeout (&p, &timeout) != 0)
                goto out;
            break;
        case OPT_DRAIN:
            drain = 1;
            break;
        case CLI_ARG:
            args[nargs++] = p.arg;
            break;
        default:
            goto out;   /* CLI_ERROR: cli_next said why */
        }
    }
    int want = op == POOL_OP_SHUTDOWN ? 1 : op == POOL_OP_PRIORITY ? 3 : 2;
    if (nargs < want) {
        cli_usage_error (&p, "%s needed", op == POOL_OP_SHUTDOWN ? "POOLDIR"
                         : op == POOL_OP_PRIORITY ? "POOLDIR, JOB and N" : "POOLDIR and JOB");
        goto out;
    }
    if (nargs > want && op != POOL_OP_CANCEL) {
        cli_usage_error (&p, "unexpected argument '%s'", args[want]);
        goto out;
    }
    const char *dir = args[0];
    if (!(req = pool_req_create (op)))
        goto nomem;
    req->drain = drain;
    if (op != POOL_OP_SHUTDOWN) {
        if (check_job_id (cmd, args[1]) < 0)
            goto out;
        if (!(req->job = strdup (args[1])))
            goto nomem;
    }
    if (op == POOL_OP_PRIORITY) {
        if (parse_priority (&p, args[2], &req->priority) != 0)
            goto out;
        req->has_priority = 1;
    }
    for (int k = 2; op == POOL_OP_CANCEL && k < nargs; k++) {
        if (!args[k][0] || strlen (args[k]) > 1024) {
            fprintf (stderr, "mpibatch cancel: bad task id or pattern '%s'\n", args[k]);
            goto out;
        }
        if (pool_req_add_task (req, args[k]) < 0)
            goto nomem;
    }
    if ((rc = cmd_pool_request (cmd, dir, req, timeout, &ans)) == 0 && ans.text)
        printf ("%s\n", ans.text);
    goto out;
nomem:
    perror (cmd);
    rc = 3;
out:
    pool_answer_free (&ans);
    pool_req_destroy (req);
    free (args);
    return rc;
}

int cmd_close (int argc, char **argv)
{
    return simple_request (argc, argv, POOL_OP_CLOSE);
}

int cmd_cancel (int argc, char **argv)
{
    return simple_request (argc, argv, POOL_OP_CANCEL);
}

int cmd_priority (int argc, char **argv)
{
    return simple_request (argc, argv, POOL_OP_PRIORITY);
}

int cmd_shutdown (int argc, char **argv)
{
    return simple_request (argc, argv, POOL_OP_SHUTDOWN);
}
