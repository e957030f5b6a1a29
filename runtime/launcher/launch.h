/* launch.h: the launcher, a plain process forked from each rank before
 * MPI is set up; it starts and supervises task attempts so that the MPI rank
 * itself never forks (fragile on RDMA networks).
 *
 * For every attempt the launcher creates the task directory (or recycles a
 * finished one), stages inputs, starts `/bin/sh -c COMMAND` in its own
 * process group (bound to its CPUs, stdin /dev/null, stdout/stderr to
 * files), enforces max_wall_clock (SIGTERM, SIGKILL after the grace
 * period) and max_log_size, collects rusage with wait4, publishes outputs,
 * keeps the logs, cleans up per the retention policy, and reports a
 * result.  Staging and other slow clean-up run in helper children so they
 * never hold up the other attempts.  If the rank dies, the launcher kills
 * every task's process group and exits. */
#ifndef MB_LAUNCH_H
#define MB_LAUNCH_H

#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "io/jobfile.h"

typedef struct launcher launcher_t;

/* Fork the launcher.  Call before MPI is set up (and before any thread is
 * started).  Returns NULL with err on failure. */
launcher_t *launcher_start (mb_error_t *err);
/* The same with flags: LAUNCHER_KEEP_TERM makes the launcher ignore a
 * SIGTERM sent while its rank lives (a joined worker's mpirun sends it to
 * the rank's whole process group; the rank leaves the pool cleanly and
 * then stops the launcher).  The parent-death SIGTERM still stops it. */
enum { LAUNCHER_KEEP_TERM = 1 };
launcher_t *launcher_start_flags (mb_error_t *err, int flags);

/* The launcher's loop, on the socket `sock` to the rank `parent` (flags
 * as launcher_start_flags); never
 * returns.  launcher_start runs it in the forked child, preferably by
 * executing the small mpibatch-launcher program, whose main calls this. */
void launcher_run (int sock, pid_t parent, int flags) __attribute__ ((noreturn));

/* Kill every running attempt (SIGKILL to their process groups), stop the
 * launcher and reap it.  Accepts NULL. */
void launcher_stop (launcher_t *l);

/* A descriptor the caller can poll() for readability: results waiting. */
int launcher_fd (const launcher_t *l);

enum launch_kind { LAUNCH_TASK = 0, LAUNCH_PREP = 1, LAUNCH_RELEASE = 2, LAUNCH_COORD = 3 };

typedef struct {
    uint64_t tag;              /* the caller's id for this attempt, echoed back */
    int kind;                  /* enum launch_kind */
    const char *command;       /* run by /bin/sh -c */
    const char *task_dir;      /* absolute; created (parents too), emptied first if it exists */
    char *const *envp;         /* complete environment, NULL-terminated */
    const int *cpus;           /* OS indices of the PUs to bind to */
    int ncpus;                 /* 0: no binding */
    double max_wall_clock;     /* seconds, < 0: none */
    double kill_grace;         /* seconds from SIGTERM to SIGKILL */
    int64_t memory;            /* RLIMIT_AS in bytes, 0: none */
    int64_t max_log_size;      /* per stream in bytes, < 0: unlimited */
    const char *storage;       /* absolute storage directory */
    const jobfile_input_t *inputs;
    int ninputs;
    const jobfile_output_t *outputs;
    int noutputs;
    const char *default_dest;  /* absolute default output destination */
    const char *log_stdout;    /* keep stdout.txt here after the attempt (NULL: leave it) */
    const char *log_stderr;
    int retention;             /* JOB_RETAIN_*: remove the task dir after the attempt unless kept */
    const uint8_t *succeed;    /* NULL, or JOBFILE_SUCCEED_MAP bytes: the ends that exit
                                * conditions count as a success (jobfile_exit_t) */
} launch_req_t;

/* Start an attempt.  0 or -1 with errno (the launcher is gone). */
int launcher_submit (launcher_t *l, const launch_req_t *r);

/* Interrupt an attempt (drain): SIGTERM to its process group, SIGKILL
 * after its grace period; it ends with outcome LAUNCH_INTERRUPTED.
 * Unknown tags are ignored.  0 or -1. */
int launcher_interrupt (launcher_t *l, uint64_t tag);

enum launch_outcome {
    LAUNCH_SUCCEEDED = 0,  /* same values as enum journal_outcome */
    LAUNCH_FAILED,
    LAUNCH_TIMED_OUT,
    LAUNCH_INTERRUPTED,
    LAUNCH_INPUT_ERROR,
    LAUNCH_OUTPUT_ERROR,
};

typedef struct {
    uint64_t tag;
    int outcome;               /* enum launch_outcome */
    int exit_code;             /* -1 when killed by a signal or never started */
    int signal;
    int timed_out;
    double start_time, end_time;   /* UNIX seconds: whole attempt incl. staging */
    double user_seconds, system_seconds;
    int64_t max_rss_kib;
    int64_t bytes_in, bytes_out;
    int log_cut;               /* bit 0 stdout, bit 1 stderr */
    char reason[256];          /* "" on success; "exit 3", "killed by SIGSEGV", ... */
} launch_result_t;

/* Read finished attempts without blocking: fills up to max results and
 * returns how many (0 when none), or -1 with errno when the launcher died. */
int launcher_read (launcher_t *l, launch_result_t *out, int max);

/* Number of attempts started and not yet read back. */
int launcher_running (const launcher_t *l);

#endif
