/* launch_wire.c: packing of the launcher's messages (attempt requests and results). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/launcher/launch_wire.h"

/* Strings are packed by buf_pack_str, with their NUL, so the receiver
 * uses them in place (unpack_str) without copying each one out of the
 * frame. */

/* Start a frame: room for the length, patched by frame_end(). */
static size_t frame_begin (buf_t *b, int type)
{
    size_t at = b->len;
    if (buf_pack_u32 (b, 0) < 0 || buf_pack_u8 (b, (uint8_t)type) < 0)
        return (size_t)-1;
    return at;
}

static int frame_end (buf_t *b, size_t at)
{
    size_t n = b->len - at - 4;
    if (n > LWIRE_MAX_FRAME) {
        b->len = at;
        errno = EINVAL;
        return -1;
    }
    uint32_t v = (uint32_t)n;
    memcpy (b->data + at, &v, 4);
    return 0;
}

long lwire_frame_len (const char *p, size_t n)
{
    if (n < 4)
        return 0;
    uint32_t v;
    memcpy (&v, p, 4);
    if (v == 0 || v > LWIRE_MAX_FRAME)
        return -1;
    return n - 4 >= v ? (long)v + 4 : 0;
}

int lwire_pack_submit (buf_t *b, const launch_req_t *r)
{
    size_t at = frame_begin (b, LWIRE_SUBMIT);
    if (at == (size_t)-1)
        return -1;
    uint32_t nenv = 0;
    while (r->envp && r->envp[nenv])
        nenv++;
    int bad = buf_pack_u64 (b, r->tag) < 0
        || buf_pack_i32 (b, r->kind) < 0
        || buf_pack_str (b, r->command) < 0
        || buf_pack_str (b, r->task_dir) < 0
        || buf_pack_u32 (b, nenv) < 0;
    for (uint32_t i = 0; !bad && i < nenv; i++)
        bad = buf_pack_str (b, r->envp[i]) < 0;
    int ncpus = r->cpus ? r->ncpus : 0;
    bad = bad || buf_pack_i32 (b, ncpus) < 0;
    for (int i = 0; !bad && i < ncpus; i++)
        bad = buf_pack_i32 (b, r->cpus[i]) < 0;
    bad = bad || buf_pack_dbl (b, r->max_wall_clock) < 0
        || buf_pack_dbl (b, r->kill_grace) < 0
        || buf_pack_i64 (b, r->memory) < 0
        || buf_pack_i64 (b, r->max_log_size) < 0
        || buf_pack_str (b, r->storage) < 0;
    int nin = r->inputs ? r->ninputs : 0;
    bad = bad || buf_pack_i32 (b, nin) < 0;
    for (int i = 0; !bad && i < nin; i++) {
        const jobfile_input_t *in = &r->inputs[i];
        bad = buf_pack_str (b, in->source) < 0 || buf_pack_str (b, in->path) < 0
            || buf_pack_i32 (b, in->method) < 0 || buf_pack_i32 (b, in->mode) < 0;
    }
    int nout = r->outputs ? r->noutputs : 0;
    bad = bad || buf_pack_i32 (b, nout) < 0;
    for (int i = 0; !bad && i < nout; i++) {
        const jobfile_output_t *o = &r->outputs[i];
        bad = buf_pack_str (b, o->pattern) < 0 || buf_pack_str (b, o->destination) < 0
            || buf_pack_i32 (b, o->when) < 0;
    }
    bad = bad || buf_pack_str (b, r->default_dest) < 0
        || buf_pack_str (b, r->log_stdout) < 0
        || buf_pack_str (b, r->log_stderr) < 0
        || buf_pack_i32 (b, r->retention) < 0
        || buf_pack_bytes (b, r->succeed, r->succeed ? JOBFILE_SUCCEED_MAP : 0) < 0;
    if (bad) {
        int saved = errno;
        b->len = at;
        errno = saved;
        return -1;
    }
    return frame_end (b, at);
}

int lwire_pack_interrupt (buf_t *b, uint64_t tag)
{
    size_t at = frame_begin (b, LWIRE_INTERRUPT);
    if (at == (size_t)-1 || buf_pack_u64 (b, tag) < 0)
        return -1;
    return frame_end (b, at);
}

int lwire_pack_result (buf_t *b, const launch_result_t *res)
{
    size_t at = frame_begin (b, LWIRE_RESULT);
    if (at == (size_t)-1)
        return -1;
    if (buf_pack_u64 (b, res->tag) < 0
        || buf_pack_i32 (b, res->outcome) < 0
        || buf_pack_i32 (b, res->exit_code) < 0
        || buf_pack_i32 (b, res->signal) < 0
        || buf_pack_i32 (b, res->timed_out) < 0
        || buf_pack_dbl (b, res->start_time) < 0
        || buf_pack_dbl (b, res->end_time) < 0
        || buf_pack_dbl (b, res->user_seconds) < 0
        || buf_pack_dbl (b, res->system_seconds) < 0
        || buf_pack_i64 (b, res->max_rss_kib) < 0
        || buf_pack_i64 (b, res->bytes_in) < 0
        || buf_pack_i64 (b, res->bytes_out) < 0
        || buf_pack_i32 (b, res->log_cut) < 0
        || buf_pack_str (b, res->reason) < 0) {
        b->len = at;
        errno = ENOMEM;
        return -1;
    }
    return frame_end (b, at);
}

int lwire_unpack_result (const char *p, size_t n, launch_result_t *res)
{
    unpack_t u;
    unpack_init (&u, p, n);
    memset (res, 0, sizeof (*res));
    res->tag = unpack_u64 (&u);
    res->outcome = unpack_i32 (&u);
    res->exit_code = unpack_i32 (&u);
    res->signal = unpack_i32 (&u);
    res->timed_out = unpack_i32 (&u);
    res->start_time = unpack_dbl (&u);
    res->end_time = unpack_dbl (&u);
    res->user_seconds = unpack_dbl (&u);
    res->system_seconds = unpack_dbl (&u);
    res->max_rss_kib = unpack_i64 (&u);
    res->bytes_in = unpack_i64 (&u);
    res->bytes_out = unpack_i64 (&u);
    res->log_cut = unpack_i32 (&u);
    uint32_t len;
    const char *s = unpack_bytes (&u, &len);
    if (u.err) {
        errno = EPROTO;
        return -1;
    }
    if (s) {
        if (len >= sizeof (res->reason))
            len = sizeof (res->reason) - 1;
        memcpy (res->reason, s, len);
    }
    return 0;
}

uint64_t lwire_payload_tag (const char *p, size_t n)
{
    unpack_t u;
    unpack_init (&u, p, n);
    return unpack_u64 (&u);
}

/* The counts of a SUBMIT's arrays, and where each array goes in the one
 * block that holds them all. */
typedef struct {
    uint32_t nenv;
    int32_t ncpus, nin, nout;
} counts_t;

/* Walk a SUBMIT payload.  With blk == NULL only count (into *c); else the
 * counts are known and the arrays are written into blk. */
static int walk_submit (unpack_t *u, launch_req_t *r, counts_t *c, char *blk)
{
    char **envp = NULL;
    int *cpus = NULL;
    jobfile_input_t *in = NULL;
    jobfile_output_t *out = NULL;
    if (blk) {
        envp = (char **)blk;
        cpus = (int *)(envp + c->nenv + 1);
        in = (jobfile_input_t *)(blk + ((((c->nenv + 1) * sizeof (char *)
                                          + c->ncpus * sizeof (int)) + 15) & ~(size_t)15));
        out = (jobfile_output_t *)(in + c->nin);
    }
    r->tag = unpack_u64 (u);
    r->kind = unpack_i32 (u);
    r->command = unpack_str (u);
    r->task_dir = unpack_str (u);
    uint32_t nenv = unpack_u32 (u);
    /* Every entry takes at least 4 bytes: a bound on the counts before
     * anything is allocated from them. */
    if (u->err || nenv > u->left / 4)
        return -1;
    /* A NULL among the entries would end the environment early, and a
     * NULL input source or output pattern would crash the staging: all
     * three are refused like a short frame. */
    for (uint32_t i = 0; i < nenv; i++) {
        const char *s = unpack_str (u);
        if (!s)
            u->err = 1;
        if (envp)
            envp[i] = (char *)s;
    }
    int32_t ncpus = unpack_i32 (u);
    if (u->err || ncpus < 0 || (size_t)ncpus > u->left / 4)
        return -1;
    for (int32_t i = 0; i < ncpus; i++) {
        int32_t v = unpack_i32 (u);
        if (cpus)
            cpus[i] = v;
    }
    r->max_wall_clock = unpack_dbl (u);
    r->kill_grace = unpack_dbl (u);
    r->memory = unpack_i64 (u);
    r->max_log_size = unpack_i64 (u);
    r->storage = unpack_str (u);
    int32_t nin = unpack_i32 (u);
    if (u->err || nin < 0 || (size_t)nin > u->left / 4)
        return -1;
    for (int32_t i = 0; i < nin; i++) {
        const char *src = unpack_str (u);
        const char *path = unpack_str (u);
        int32_t method = unpack_i32 (u);
        int32_t mode = unpack_i32 (u);
        if (!src)
            u->err = 1;
        if (in) {
            in[i].source = (char *)src;
            in[i].path = (char *)path;
            in[i].method = method;
            in[i].mode = mode;
        }
    }
    int32_t nout = unpack_i32 (u);
    if (u->err || nout < 0 || (size_t)nout > u->left / 4)
        return -1;
    for (int32_t i = 0; i < nout; i++) {
        const char *pat = unpack_str (u);
        const char *dest = unpack_str (u);
        int32_t when = unpack_i32 (u);
        if (!pat)
            u->err = 1;
        if (out) {
            out[i].pattern = (char *)pat;
            out[i].destination = (char *)dest;
            out[i].when = when;
        }
    }
    r->default_dest = unpack_str (u);
    r->log_stdout = unpack_str (u);
    r->log_stderr = unpack_str (u);
    r->retention = unpack_i32 (u);
    uint32_t nmap = 0;
    const char *map = unpack_bytes (u, &nmap);
    if (nmap != 0 && nmap != JOBFILE_SUCCEED_MAP)
        return -1;
    r->succeed = nmap ? (const uint8_t *)map : NULL;
    if (u->err || !r->command || !r->task_dir)
        return -1;
    c->nenv = nenv;
    c->ncpus = ncpus;
    c->nin = nin;
    c->nout = nout;
    if (blk) {
        envp[nenv] = NULL;
        r->envp = envp;
        r->cpus = ncpus ? cpus : NULL;
        r->ncpus = ncpus;
        r->inputs = nin ? in : NULL;
        r->ninputs = nin;
        r->outputs = nout ? out : NULL;
        r->noutputs = nout;
    }
    return 0;
}

int lwire_unpack_submit (const char *p, size_t n, launch_req_t *r, void **mem)
{
    unpack_t u;
    counts_t c;
    *mem = NULL;
    memset (r, 0, sizeof (*r));
    unpack_init (&u, p, n);
    if (walk_submit (&u, r, &c, NULL) < 0) {
        errno = EPROTO;
        return -1;
    }
    size_t size = ((((c.nenv + 1) * sizeof (char *) + c.ncpus * sizeof (int)) + 15)
                   & ~(size_t)15)
        + c.nin * sizeof (jobfile_input_t) + c.nout * sizeof (jobfile_output_t);
    char *blk = malloc (size);
    if (!blk)
        return -1;
    unpack_init (&u, p, n);
    if (walk_submit (&u, r, &c, blk) < 0) {
        free (blk);
        errno = EPROTO;
        return -1;
    }
    *mem = blk;
    return 0;
}

void lwire_fmt_duration (char *buf, size_t size, double seconds)
{
    if (seconds < 0 || seconds != floor (seconds) || seconds > 1e15) {
        snprintf (buf, size, "%gs", seconds);
        return;
    }
    long long s = (long long)seconds;
    /* Whole minutes read as hours and minutes; anything else as seconds,
     * the way the limit was most likely written. */
    if (s == 0 || s % 60 != 0)
        snprintf (buf, size, "%llds", s);
    else if (s < 3600)
        snprintf (buf, size, "%lldm", s / 60);
    else if (s % 3600 == 0)
        snprintf (buf, size, "%lldh", s / 3600);
    else
        snprintf (buf, size, "%lldh%lldm", s / 3600, (s % 3600) / 60);
}
