/* fuzz_proto.c: libFuzzer target for the rank messages' unpacking (JOB, JOBINFO, ASSIGN and RESULT batches, HELLO). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/node/proto.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static volatile size_t sink;

static size_t slen (const char *s)
{
    return s ? strlen (s) : 0;
}

static void touch_env (const jobfile_env_t *e)
{
    for (int i = 0; e->names && i < e->n; i++)
        sink += slen (e->names[i]) + slen (e->values[i]);
}

static void touch_jobinfo (const jobinfo_t *ji)
{
    sink += slen (ji->job_id) + slen (ji->storage) + slen (ji->pool_dir) + slen (ji->state)
            + slen (ji->node_root) + slen (ji->prep_command) + slen (ji->release_command);
    touch_env (&ji->env);
    touch_env (&ji->prep_env);
    touch_env (&ji->release_env);
    for (int i = 0; ji->prep_inputs && i < ji->prep_ninputs; i++)
        sink += slen (ji->prep_inputs[i].source) + slen (ji->prep_inputs[i].path);
}

static void touch_assign (const assign_t *a)
{
    sink += slen (a->id) + slen (a->command) + slen (a->host_list) + a->job + a->task;
    touch_env (&a->env);
    for (int i = 0; a->inputs && i < a->ninputs; i++)
        sink += slen (a->inputs[i].source) + slen (a->inputs[i].path);
    for (int i = 0; a->outputs && i < a->noutputs; i++)
        sink += slen (a->outputs[i].pattern) + slen (a->outputs[i].destination);
    for (int i = 0; a->param_names && i < a->nparams; i++)
        sink += slen (a->param_names[i]) + slen (a->param_values[i]);
    if (a->has_succeed)
        sink += a->succeed[0];
}

/* The first byte picks the message; the rest is the message as received. */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: {   /* TAG_JOB, as a worker reads it (worker_job) */
        uint32_t num = 0;
        jobinfo_t ji;
        if (job_msg_unpack (p, n, &num, &ji) == 0)
            sink += num;
        touch_jobinfo (&ji);
        jobinfo_free (&ji);
        break;
    }
    case 1: {   /* the boot jobinfo and TAG_JOBINFO of a joined rank */
        jobinfo_t ji;
        jobinfo_unpack (p, n, &ji);
        touch_jobinfo (&ji);
        jobinfo_free (&ji);
        break;
    }
    case 2: {   /* TAG_ASSIGN: a batch of attempts, as worker_assign reads it */
        unpack_t u;
        int count = proto_batch_read (&u, p, n);
        for (int i = 0; i < count; i++) {
            assign_t a;
            int rc = assign_unpack (&u, &a);
            if (rc == 0)
                touch_assign (&a);
            assign_free (&a);
            if (rc < 0)
                break;
        }
        break;
    }
    case 3: {   /* TAG_RESULT: a batch of results, as the service reads it */
        unpack_t u;
        int count = proto_batch_read (&u, p, n);
        for (int i = 0; i < count; i++) {
            result_t r;
            if (result_unpack (&u, &r) < 0)
                break;
            sink += strlen (r.r.reason) + strlen (r.cpus) + r.out_len + r.err_len;
            if (r.out && r.out_len)
                sink += (uint8_t)r.out[r.out_len - 1];
            if (r.err && r.err_len)
                sink += (uint8_t)r.err[r.err_len - 1];
        }
        break;
    }
    default: {  /* TAG_HELLO */
        hello_t h;
        if (hello_unpack (p, n, &h) == 0)
            sink += strlen (h.node) + strlen (h.cpus) + strlen (h.error);
        break;
    }
    }
    return 0;
}
