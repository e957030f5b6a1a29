/* journal.h: the run's append-only journal (spec/records.md): records
 * with length and checksum, group commit, torn-tail truncation, and the
 * lock that keeps two runs off one state directory. */
#ifndef MB_JOURNAL_H
#define MB_JOURNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

enum journal_type {
    JREC_RUN_START = 1,     /* job_id, job_digest, workers, nodes, slots, ntasks, version, text(job file path) */
    JREC_WORKER = 2,        /* worker, node, slots, cpus */
    JREC_ATTEMPT_START = 3, /* task, task_index, task_digest, attempt, worker, node, slots, cpus, ready_time, start_time */
    JREC_ATTEMPT_END = 4,   /* task, task_index, attempt, worker, node, slots, cpus, outcome, exit_code,
                               signal, timed_out, start/end, usage, bytes, reason, log_cut,
                               [rule, decision] */
    JREC_TASK_END = 5,      /* task, task_index, task_digest, attempt, state, reason,
                               [dependents, job_action, rule] */
    JREC_RUN_END = 6,       /* status, time */
    JREC_PREP = 7,          /* node, worker, attempt (0 prep, 1 release), outcome, exit_code, signal,
                               start/end, reason */
    /* Requests a pool accepted for this job (spec/pools.md); a journal
     * without them reads as before. */
    JREC_ADD = 8,           /* task_index (global index of the batch's first task), ntasks,
                               text (the id prefix the pool chose for --lines), data (the
                               request as io/pooldir encodes it: the batch's whole definition),
                               req_name (its file name in the pool directory) */
    JREC_CLOSE = 9,         /* (time only): no more tasks */
    JREC_CANCEL = 10,       /* text (a task id or pattern; NULL: the whole job) */
    JREC_PRIORITY = 11,     /* status (the job's new priority) */
};

/* Attempt outcomes (report /attempts outcome column). */
enum journal_outcome {
    JOUT_SUCCEEDED = 0,
    JOUT_FAILED,
    JOUT_TIMED_OUT,
    JOUT_INTERRUPTED,
    JOUT_INPUT_ERROR,
    JOUT_OUTPUT_ERROR,
};

/* What followed an attempt (ATTEMPT_END decision; 0 in journals written
 * before exit conditions). */
enum journal_decision {
    JDEC_NONE = 0,
    JDEC_SUCCEEDED,     /* the task succeeded (exit 0 or action "succeed") */
    JDEC_RETRIED,       /* it runs again, using a retry */
    JDEC_REQUEUED,      /* it runs again by action "requeue", using no retry */
    JDEC_FAILED,        /* the task failed: no retry or requeue left, or action "fail" */
    JDEC_AGAIN,         /* interrupted (drain, lost worker): runs again, no retry used */
    JDEC_TERMINATED,    /* interrupted because a rule terminated the job */
};

/* One record; which fields matter depends on type (above); the fields a
 * type does not store read back as zero / NULL.  Strings are borrowed (and
 * cannot hold a NUL): when reading, they point into the reader's buffer and
 * are valid only during the callback. */
typedef struct {
    int type;
    double time;             /* when the record was made, UNIX seconds */
    const char *job_id;
    uint64_t job_digest;
    int workers, nodes, slots;
    uint64_t ntasks;
    const char *version;
    const char *text;
    const char *task;        /* task id */
    uint32_t task_index;
    uint64_t task_digest;
    int attempt;
    int worker;
    const char *node;
    const char *cpus;
    double ready_time, start_time, end_time;
    int outcome;             /* enum journal_outcome */
    int exit_code;           /* -1 when killed by a signal */
    int signal;              /* 0 when none */
    int timed_out;
    double user_seconds, system_seconds;
    int64_t max_rss_kib;
    int64_t bytes_in, bytes_out;
    const char *reason;
    int log_cut;             /* bit 0 stdout cut, bit 1 stderr cut */
    int state;               /* enum sched_state of a task end */
    int status;              /* run end: 0 succeeded, 1 failed, 2 interrupted, 3 runtime error,
                              * 4 terminated (exit conditions' job = "terminate") */
    const char *rule;        /* attempt / task end: the exit condition that decided, as text
                              * (jobfile_exit_rule_text), NULL when none did */
    int decision;            /* attempt end: enum journal_decision */
    int dependents;          /* task end: 0 its on_failure, 1 block, 2 satisfy (a rule's) */
    int job_action;          /* task end: 0, or EXIT_JOB_STOP / EXIT_JOB_TERMINATE by its rule */
    const char *data;        /* ADD: data_len bytes (any bytes) */
    const char *req_name;    /* ADD: the request's file name */
    uint32_t data_len;
} journal_rec_t;

typedef struct journal journal_t;

/* Open <statedir>/journal for appending, creating statedir if needed,
 * after taking the lock <statedir>/lock (flock, non-blocking: a second run
 * gets -1 with errno EWOULDBLOCK and err naming the lock holder if known).
 * truncate != 0 starts an empty journal (--restart); otherwise the valid
 * prefix is kept and a torn tail is cut off.  Returns NULL with err. */
journal_t *journal_open (const char *statedir, int truncate, mb_error_t *err);

/* Append a record to the in-memory batch.  It reaches the file (write(2))
 * at the latest on the next journal_flush(); call journal_flush(j, 0)
 * before acknowledging what the records say to anyone.  0 or -1. */
int journal_append (journal_t *j, const journal_rec_t *r);

/* Write batched records to the file; with sync != 0 also fdatasync().
 * Group commit: the service calls flush(0) every loop turn and flush(1)
 * about once a second and at exit.  0 or -1 with errno. */
int journal_flush (journal_t *j, int sync);

/* Flush, sync, release the lock, close.  Accepts NULL. */
void journal_close (journal_t *j);

/* Read a journal file, calling cb for every valid record in order; stop
 * at the first torn or corrupt record.  *valid_len (if not NULL) is the
 * length of the valid prefix.  cb returning non-zero stops the read and
 * journal_read returns that value.  Returns 0, or -1 with err (the file
 * cannot be read; a missing file is ENOENT). */
typedef int (*journal_cb_f) (const journal_rec_t *r, void *arg);
int journal_read (const char *path, journal_cb_f cb, void *arg,
                  off_t *valid_len, mb_error_t *err);

/* Encode / decode one record (used by journal_read/append; exposed for the
 * fuzzer and unit tests).  decode returns bytes consumed, 0 for a torn or
 * corrupt record. */
int journal_encode (const journal_rec_t *r, void *bufp /* buf_t * */);
size_t journal_decode (const void *p, size_t n, journal_rec_t *r);

#endif
