/* run_loop.c: signals, sleeping without spinning, and the worker rank's loop. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "runtime/rank/comm.h"
#include "runtime/rank/rank.h"

volatile sig_atomic_t run_sigint, run_sigterm, run_sigusr1;
static int sigpipe[2] = { -1, -1 };

static void on_signal (int sig)
{
    int saved = errno;
    if (sig == SIGINT)
        run_sigint++;
    else if (sig == SIGTERM)
        run_sigterm++;
    else if (sig == SIGUSR1)
        run_sigusr1++;
    if (sigpipe[1] >= 0) {
        char c = (char)sig;
        ssize_t n = write (sigpipe[1], &c, 1);
        (void)n;
    }
    errno = saved;
}

int run_signals_install (void)
{
    if (sigpipe[0] < 0 && pipe2 (sigpipe, O_NONBLOCK | O_CLOEXEC) < 0)
        return -1;
    struct sigaction sa;
    memset (&sa, 0, sizeof (sa));
    sa.sa_handler = on_signal;
    sigemptyset (&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGUSR1, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);
    return sigpipe[0];
}

int run_signal_fd (void) { return sigpipe[0]; }

void run_signal_drain_pipe (void)
{
    char b[64];
    while (sigpipe[0] >= 0 && read (sigpipe[0], b, sizeof (b)) > 0)
        ;
}

doorbell_t *run_doorbell;

int run_wait (int fd, int fd2, long usec)
{
    struct pollfd p[3];
    int n = 0;
    p[n].fd = sigpipe[0];
    p[n++].events = POLLIN;
    if (fd >= 0) {
        p[n].fd = fd;
        p[n++].events = POLLIN;
    }
    if (fd2 >= 0) {
        p[n].fd = fd2;
        p[n++].events = POLLIN;
    }
    struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };
    int rc = ppoll (p, (nfds_t)n, usec < 0 ? NULL : &ts, NULL);
    return rc > 0;
}

void run_pace (run_pace_t *p, int active, int fd, long cap)
{
    if (active) {
        /* Loop again at once; then one quick look. */
        p->backoff = 0;
        p->quick = 1;
        p->idle_from = 0;
        return;
    }
    double now = mb_clock_mono ();
    if (p->idle_from == 0)
        p->idle_from = now;
    if (now - p->idle_from > 1.0 && cap < 100000)
        cap = 100000;
    if (p->quick > 0) {
        p->quick--;
        p->backoff = p->backoff ? p->backoff * 2 : 50;
    }
    else
        p->backoff = cap;
    if (p->backoff > cap)
        p->backoff = cap;
    if (run_wait (fd, doorbell_fd (run_doorbell), p->backoff)) {
        if (doorbell_drain (run_doorbell) > 0)
            p->quick = 7;   /* 50 us .. 3.2 ms */
        p->backoff = 0;
    }
}

/* A worker that cannot reach the service any more leaves the run. */
static int lost_service (int rank, const char *what)
{
    fprintf (stderr, "mpibatch: worker rank %d: cannot %s the service: %s: stopping\n", rank,
             what, comm_error ());
    return 3;
}

/* A worker rank: HELLO, then start what rank 0 assigns and send back what
 * ended, until SHUTDOWN.  Between messages it sleeps on the launcher's
 * descriptor (a finished task wakes it at once) and looks for messages
 * with a growing interval, so an idle worker costs next to no CPU.  Its
 * sends to the service block (the service always receives). */
/* A joined worker tells the service it leaves (idle or not, and why).
 * 0 or -1. */
static int send_leave (comm_ep_t *svc, int idle, const char *why, buf_t *b)
{
    buf_reset (b);
    buf_pack_u32 (b, PROTO_VERSION);
    buf_pack_i32 (b, idle);
    buf_pack_str (b, why);
    return comm_send (svc, TAG_LEAVE, b->data, b->len, 1);
}

/* Attempts sent to this worker and not answered yet (each attempt of an
 * ASSIGN batch gets exactly one result). */
static int batch_count (const void *p, size_t n)
{
    unpack_t u;
    int c = proto_batch_read (&u, p, n);
    return c > 0 ? c : 0;
}

int worker_main (int rank, launcher_t *l, const jobinfo_t *ji,
                 const topo_share_t *share, int fake, const char *node,
                 const char *sizing_error, const worker_join_t *join)
{
    hello_t h;
    memset (&h, 0, sizeof (h));
    h.rank = rank;
    snprintf (h.node, sizeof (h.node), "%s", node);
    mb_error_t err = { "" };
    worker_t *w = NULL;
    if (sizing_error && *sizing_error)
        snprintf (h.error, sizeof (h.error), "%s", sizing_error);
    else if (!(w = worker_create (l, ji, share, fake, rank, node, &err)))
        snprintf (h.error, sizeof (h.error), "%s", err.text);
    else {
        h.slots = share->nslots;
        h.ncores = share->ncores;
        h.npus = share->npus;
        h.memory = share->memory;
        h.gpus = share->ngpus;
        snprintf (h.cpus, sizeof (h.cpus), "%s", share->cpus);
    }
    buf_t b = { 0 }, msg = { 0 }, out = { 0 };
    int code = 0, done = 0, drain_sent = 0, mute = 0;
    comm_ep_t *svc = join ? join->svc : comm_world_ep (0);
    /* A joined worker's HELLO says when it leaves (the scheduler starts
     * there only tasks whose time_request fits) and where its doorbell
     * listens (on its node, as the HELLO names it). */
    int tag = TAG_HELLO;
    if (join) {
        tag = TAG_JOIN;
        buf_pack_u32 (&b, PROTO_VERSION);
        buf_pack_dbl (&b, join->end);
        buf_pack_i32 (&b, doorbell_port (run_doorbell));   /* 0: none, then polled */
    }
    hello_pack (&h, &b);
    if (!svc || comm_send (svc, tag, b.data, b.len, 0) < 0) {
        code = lost_service (rank, "introduce itself to");
        goto out;
    }

    /* Only rank 0 returns the run's exit code: a worker exiting non-zero
     * first would make mpirun abort rank 0 while it finishes its records. */
    run_pace_t pace = { 0, 1, 0 };
    double hb = proto_heartbeat_interval (), hb_timeout = proto_heartbeat_timeout ();
    double last_sent = mb_clock_mono (), last_heard = last_sent;
    /* A joined worker: attempts not answered, since when it has none, and
     * whether (and how) it asked to leave: 1 with work, 2 idle. */
    long inflight = 0;
    double idle_since = mb_clock_mono ();
    int left = 0;
    while (!done) {
        int active = 0;
        if (join && !left) {
            const char *why = NULL;
            int idle = 0;
            double now = mb_clock_mono ();
            if (run_sigusr1 || run_sigterm || run_sigint)
                why = run_sigterm ? "SIGTERM" : run_sigusr1 ? "SIGUSR1" : "SIGINT";
            else if (join->end > 0 && mb_clock_real () >= join->end)
                why = "its allocation ends";
            else if (join->idle_timeout > 0 && inflight == 0
                     && now - idle_since >= join->idle_timeout) {
                why = "idle timeout";
                idle = 1;
            }
            if (why) {
                run_signal_drain_pipe ();
                if (send_leave (svc, idle && inflight == 0, why, &b) < 0) {
                    code = lost_service (rank, "tell its leaving to");
                    break;
                }
                /* exit 4 when tasks were given back, 0 when none ran */
                left = inflight == 0 ? 2 : 1;
                last_sent = now;
            }
        }
        /* A signal to a worker (mpirun forwards SIGUSR1 to every rank) asks
         * the service to drain; a joined worker leaves instead (above). */
        if (!join && (run_sigusr1 || run_sigterm || run_sigint) && !drain_sent) {
            int sig = run_sigusr1 ? SIGUSR1 : run_sigterm ? SIGTERM : SIGINT;
            buf_reset (&b);
            buf_pack_u32 (&b, PROTO_VERSION);
            buf_pack_i32 (&b, sig);
            if (comm_send (svc, TAG_CTRL, b.data, b.len, 1) < 0) {
                code = lost_service (rank, "send a drain request to");
                break;
            }
            last_sent = mb_clock_mono ();
            drain_sent = 1;
            run_signal_drain_pipe ();
        }
        comm_msg_t m;
        int got = comm_recv (svc, -1, &msg, &m, 0);
        if (got < 0) {
            code = lost_service (rank, "receive from");
            break;
        }
        if (got) {
            active = 1;
            last_heard = mb_clock_mono ();
            if (m.tag == TAG_ASSIGN && w) {
                if (join)
                    inflight += batch_count (msg.data, msg.len);
                worker_assign (w, msg.data, msg.len);
            }
            else if (m.tag == TAG_JOB && w) {
                mb_error_t jerr = { "" };
                if (worker_job (w, msg.data, msg.len, &jerr) < 0)
                    fprintf (stderr, "mpibatch: worker rank %d: %s\n", rank, jerr.text);
            }
            else if (m.tag == TAG_HEARTBEAT)
                ;
            else if (m.tag == TAG_CTRL) {
                unpack_t u;
                unpack_init (&u, msg.data, msg.len);
                unpack_u32 (&u);
                int op = unpack_i32 (&u);
                if (op == CTRL_INTERRUPT && w)
                    worker_interrupt_all (w);
                else if (op == CTRL_UNQUEUE && w)
                    worker_unqueue (w, (uint32_t)unpack_i32 (&u));
                else if (op == CTRL_CANCEL && w)
                    worker_cancel (w, (uint32_t)unpack_i32 (&u));
                else if (op == CTRL_SHUTDOWN) {
                    done = 1;
                    /* A joined worker that left with work exits 4, idle
                     * 0; when the service ended, 0. */
                    if (join)
                        code = left == 1 ? 4 : 0;
                }
            }
        }
        if (w) {
            proto_batch_begin (&out);
            int n = worker_collect (w, &out);
            if (n < 0) {
                /* Its launcher is gone: this worker can run nothing more.
                 * It goes silent (no heartbeats, no results), so the
                 * service takes it for lost and requeues its tasks. */
                fprintf (stderr, "mpibatch: worker rank %d: the task launcher died: "
                                 "leaving the run\n", rank);
                worker_destroy (w);
                w = NULL;
                mute = 1;
                n = 0;
            }
            if (n > 0) {
                inflight -= n;
                if (inflight <= 0) {
                    inflight = 0;
                    idle_since = mb_clock_mono ();
                }
                proto_batch_end (&out, (uint32_t)n);
                if (comm_send (svc, TAG_RESULT, out.data, out.len, 1) < 0) {
                    code = lost_service (rank, "send results to");
                    break;
                }
                last_sent = mb_clock_mono ();
                active = 1;
            }
        }
        if (done)
            break;
        double now = mb_clock_mono ();
        if (now - last_sent >= hb && !mute) {
            int zero = 0;
            if (comm_send (svc, TAG_HEARTBEAT, &zero, sizeof (zero), 0) < 0) {
                code = lost_service (rank, "send a heartbeat to");
                break;
            }
            last_sent = now;
        }
        /* Rank 0 gone (possible when mpirun keeps going after a lost rank,
         * --enable-recovery): stop; the launcher kills the tasks. */
        if (!mute && now - last_heard > hb_timeout) {
            fprintf (stderr, "mpibatch: worker rank %d: no word from the service for %.0f s: "
                             "stopping\n", rank, now - last_heard);
            code = 3;
            break;
        }
        run_pace (&pace, active, w ? worker_fd (w) : -1, 20000);
    }
out:
    buf_free (&b);
    buf_free (&msg);
    buf_free (&out);
    worker_destroy (w);
    return code;
}
