/* names.h: the one table of names for each enum that the journal, the
 * report and the command line spell out: task states and attempt
 * outcomes.  The enums stay with their owners (enum sched_state in
 * scheduler/sched.h, enum journal_outcome in io/journal.h, whose values
 * enum launch_outcome shares); their names live here because io/ may not
 * include scheduler/ and io/, the service and the command line all print
 * them.  The owners check at compile time that the counts agree. */
#ifndef MB_NAMES_H
#define MB_NAMES_H

/* Task states, indexed by enum sched_state: "pending", "ready", "running",
 * "succeeded", "failed", "skipped", then "cancelled" (MB_STATE_CANCELLED:
 * the runtime's, for `mpibatch cancel`; the scheduler sees such a task as
 * failed): the journal's task ends, the report's /tasks state column and
 * its per-state count attributes (a report written before "cancelled"
 * existed has no such attribute: read it as 0). */
#define MB_NSTATES 7
#define MB_STATE_CANCELLED 6
/* The name of state s; "unknown" outside 0 .. MB_NSTATES-1.  Static. */
const char *mb_state_name (int s);
/* The state called name (exact, lower case), or -1. */
int mb_state_by_name (const char *name);

/* Attempt outcomes, indexed by enum journal_outcome: "succeeded",
 * "failed", "timed_out", "interrupted", "input_error", "output_error"
 * (the report's /attempts outcome column). */
#define MB_NOUTCOMES 6
/* The name of outcome o; "unknown" outside 0 .. MB_NOUTCOMES-1.  Static. */
const char *mb_outcome_name (int o);
/* The outcome called name, or -1. */
int mb_outcome_by_name (const char *name);

#endif
