/* service_exit.c: the service's side of exit conditions: apply the scheduler's decision on an attempt's end and record the rule that made it. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "runtime/service/service_int.h"

/* How the launcher's result ended, for the rules; *code is the exit code
 * the rules see (-1 when the command did not exit by itself). */
static int end_of (const launch_result_t *r, int *code)
{
    *code = r->exit_code;
    switch (r->outcome) {
    case LAUNCH_INTERRUPTED: return SCHED_END_INTERRUPTED;
    case LAUNCH_INPUT_ERROR: return SCHED_END_INPUT_ERROR;
    case LAUNCH_OUTPUT_ERROR: return SCHED_END_OUTPUT_ERROR;
    case LAUNCH_TIMED_OUT: return SCHED_END_TIMEOUT;
    default: break;
    }
    /* SUCCEEDED with a timeout, a signal or a non-zero code: a "succeed"
     * rule the launcher applied already; it is found again here. */
    if (r->timed_out)
        return SCHED_END_TIMEOUT;
    if (r->exit_code < 0 && r->signal > 0)
        return SCHED_END_SIGNAL;
    /* A failure that is not the command's exit code (the launcher could
     * not start it) must not pass for exit 0. */
    if (r->outcome != LAUNCH_SUCCEEDED && r->exit_code == 0)
        *code = -1;
    return SCHED_END_EXIT;
}

static int decision_of (const sched_verdict_t *v, int state, int terminated)
{
    switch (state) {
    case SCHED_SUCCEEDED: return JDEC_SUCCEEDED;
    case SCHED_FAILED: return JDEC_FAILED;
    case SCHED_READY:
        if (v->outcome == SCHED_REQUEUE_RULE)
            return JDEC_REQUEUED;
        if (v->outcome == SCHED_REQUEUE)
            return terminated ? JDEC_TERMINATED : JDEC_AGAIN;
        return JDEC_RETRIED;
    case SCHED_SKIPPED:
        return terminated ? JDEC_TERMINATED : JDEC_AGAIN;
    default: return JDEC_NONE;
    }
}

attempt_t *svc_exit_attempt_end (service_t *svc, const result_t *res, int wn,
                                 sched_verdict_t *v, int *state)
{
    jobfile_reqs_t rq;
    if (svc->cancelled && svc->cancelled[res->task] && res->r.outcome != LAUNCH_SUCCEEDED) {
        /* Cancelled while it ran: no retry, no exit condition; the task
         * ends cancelled (FAILED for the scheduler, so its dependents are
         * blocked or released by its on_failure). */
        memset (v, 0, sizeof (*v));
        v->outcome = SCHED_FAIL_FINAL;
        v->rule = -1;
        v->action = EXIT_FAIL;
        v->dependents = -1;
        v->job = EXIT_JOB_NONE;
        sched_attempt_end (svc->s, res->task, SCHED_FAIL_FINAL);
        *state = MB_STATE_CANCELLED;
        attempt_t *a = svc_attempt_end_rule (svc, res, wn, NULL, JDEC_FAILED, "cancelled");
        svc_task_end (svc, res->task, MB_STATE_CANCELLED, "cancelled");
        return a;
    }
    size_t local;
    svc_job_t *J = svc_task_job (svc, res->task, &local);
    svc_task_reqs (svc, res->task, &rq);
    int code;
    int end = end_of (&res->r, &code);
    int st = sched_attempt_decide (svc->s, res->task, rq.exit, end, code, v);
    *state = st;

    char rule[300] = "";
    char reason[600];
    const char *why = NULL;
    if (v->rule >= 0)
        jobfile_exit_rule_text (rq.exit, v->rule, rule, sizeof (rule));
    int decision = decision_of (v, st, J->terminated);
    if (decision == JDEC_TERMINATED) {
        snprintf (reason, sizeof (reason), "interrupted: the job was terminated by %s",
                  J->terminated_by ? J->terminated_by : "an exit condition");
        why = reason;
    }
    else if (st == SCHED_FAILED && v->rule >= 0) {
        /* Say why the task was not run again. */
        const char *r0 = res->r.reason[0] ? res->r.reason : "failed";
        if (v->outcome == SCHED_REQUEUE_RULE)
            snprintf (reason, sizeof (reason), "%s: requeued %d times, max_requeues (%d) used up",
                      r0, sched_requeues (svc->s, res->task), rq.max_requeues);
        else if (v->job != EXIT_JOB_NONE)
            snprintf (reason, sizeof (reason), "%s: the job %s", r0,
                      v->job == EXIT_JOB_STOP ? "stops" : "is terminated");
        else if (v->action == EXIT_FAIL)
            snprintf (reason, sizeof (reason), "%s: action \"fail\", not retried", r0);
        else
            snprintf (reason, sizeof (reason), "%s: no retry left (max_retries %d)", r0,
                      rq.max_retries);
        why = reason;
    }
    attempt_t *a = svc_attempt_end_rule (svc, res, wn, rule[0] ? rule : NULL, decision, why);
    if (st == SCHED_SUCCEEDED || st == SCHED_FAILED) {
        int deps = st == SCHED_FAILED && v->dependents >= 0 ? v->dependents + 1 : 0;
        svc_task_end_rule (svc, res->task, st,
                           st == SCHED_FAILED ? (why ? why : res->r.reason) : NULL,
                           rule[0] ? rule : NULL, deps, v->job);
    }
    if (v->job == EXIT_JOB_TERMINATE && !J->terminated) {
        char id[80];
        J->terminated = 1;
        free (J->terminated_by);
        if (asprintf (&J->terminated_by, "task %s, %s",
                      svc_task_id (svc, res->task, id, sizeof (id)), rule) < 0)
            J->terminated_by = NULL;
    }
    return a;
}
