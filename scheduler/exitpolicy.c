/* exitpolicy.c: the retry policy: which exit condition decides an attempt's end, and what follows. */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "scheduler/sched.h"
#include "scheduler/sched_priv.h"

/* The on word an end answers to (codes rules answer SCHED_END_EXIT). */
static int on_of (int end)
{
    switch (end) {
    case SCHED_END_SIGNAL: return EXIT_ON_SIGNAL;
    case SCHED_END_TIMEOUT: return EXIT_ON_TIMEOUT;
    case SCHED_END_INPUT_ERROR: return EXIT_ON_INPUT_ERROR;
    case SCHED_END_OUTPUT_ERROR: return EXIT_ON_OUTPUT_ERROR;
    default: return EXIT_ON_CODES;
    }
}

int sched_exit_match (const jobfile_exit_t *ex, int end, int exit_code)
{
    if (end == SCHED_END_INTERRUPTED || (end == SCHED_END_EXIT && exit_code == 0))
        return -1;
    return jobfile_exit_match (ex, on_of (end), exit_code);
}

void sched_exit_decide (const jobfile_exit_t *ex, int end, int exit_code, sched_verdict_t *v)
{
    memset (v, 0, sizeof (*v));
    v->dependents = -1;
    v->rule = -1;
    if (end == SCHED_END_INTERRUPTED) {
        v->outcome = SCHED_REQUEUE;
        v->action = EXIT_REQUEUE;
        return;
    }
    if (end == SCHED_END_EXIT && exit_code == 0) {
        v->outcome = SCHED_OK;
        v->action = EXIT_SUCCEED;
        return;
    }
    int k = sched_exit_match (ex, end, exit_code);
    if (k < 0) {
        /* No rule: today's defaults.  A task whose inputs cannot be
         * staged will not do better next time. */
        v->action = end == SCHED_END_INPUT_ERROR ? EXIT_FAIL : EXIT_RETRY;
        v->outcome = end == SCHED_END_INPUT_ERROR ? SCHED_FAIL_FINAL : SCHED_FAIL;
        return;
    }
    const jobfile_exit_rule_t *r = &ex->rules[k];
    v->rule = k;
    v->action = r->action;
    v->dependents = r->dependents;
    v->job = r->job;
    switch (r->action) {
    case EXIT_SUCCEED: v->outcome = SCHED_OK; break;
    case EXIT_FAIL: v->outcome = SCHED_FAIL_FINAL; break;
    case EXIT_REQUEUE: v->outcome = SCHED_REQUEUE_RULE; break;
    default: v->outcome = SCHED_FAIL; break;
    }
    /* Nothing more of a stopped or terminated job starts, this task's
     * next attempt included: it ends here. */
    if (r->job != EXIT_JOB_NONE && v->outcome != SCHED_OK)
        v->outcome = SCHED_FAIL_FINAL;
}

enum sched_state sched_attempt_decide (sched_t *s, uint32_t task, const jobfile_exit_t *ex,
                                       int end, int exit_code, sched_verdict_t *v)
{
    sched_exit_decide (ex, end, exit_code, v);
    if (!s || task >= s->n) {
        errno = EINVAL;
        return SCHED_PENDING;
    }
    if (s->state[task] == SCHED_RUNNING)
        s->depmode[task] = (int8_t)v->dependents;
    enum sched_state st = sched_attempt_end (s, task, v->outcome);
    v->exhausted = st == SCHED_FAILED
                   && (v->outcome == SCHED_REQUEUE_RULE || v->outcome == SCHED_FAIL);
    return st;
}
