/* fuzz_poolreq.c: libFuzzer target for a pool's request parser: decode, load the job or the tasks, destroy. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "io/jobfile.h"
#include "io/pooldir.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static volatile size_t sink;
    errlist_t *errs = errlist_create (20);
    if (!errs)
        return 0;
    pool_req_t *r = pool_req_decode ("fuzz.req", (const char *)data, size, errs);
    for (int k = 0; k < errlist_kept (errs); k++)
        sink += strlen (errlist_get (errs, k));
    if (r && r->op == POOL_OP_SUBMIT) {
        jobfile_t *jf = pool_req_job (r, errs);
        if (jf) {
            sink += jobfile_ntasks (jf);
            jobfile_destroy (jf);
        }
    }
    else if (r && r->op == POOL_OP_ADD) {
        jobfile_t *t = pool_req_tasks (r, NULL, "add1-line-", errs);
        if (t) {
            jobfile_task_t task = { 0 };
            size_t n = jobfile_ntasks (t);
            for (size_t i = 0; i < n && i < 1000; i++)
                if (jobfile_task_get (t, i, &task) == 0)
                    sink += strlen (task.id) + (size_t)task.ndepends;
            jobfile_task_clear (&task);
            jobfile_destroy (t);
        }
    }
    pool_req_destroy (r);
    errlist_destroy (errs);
    return 0;
}
