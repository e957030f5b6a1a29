/* comm.c: every MPI call of mpibatch, with its return code checked and
 * converted once, and the service's non-blocking sends. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "common/clock.h"
#include "runtime/rank/comm.h"

/* Open MPI's eager size over shared memory (btl_vader_eager_limit); over
 * TCP it is larger, so this rings early at worst needlessly. */
#define COMM_EAGER 4096

#define COMM_CAP_DEFAULT ((size_t)256 << 20)

struct comm_ep {
    MPI_Comm comm;
    comm_group_t *group;  /* NULL: the ranks started together */
    int rank;
    int bell;           /* doorbell id of a peer of another communicator, -1: none */
    int lost;
    size_t pending;     /* bytes posted and not sent */
    int npending;       /* messages posted and not sent */
    void *data;
};

/* A job that connected (or that this job connected to): its
 * intercommunicator and one endpoint per remote rank. */
struct comm_group {
    MPI_Comm comm;
    int size;
    comm_ep_t *eps;
    int admitted;        /* comm_recv(NULL) looks at it */
    int gone;            /* left or dropped: the communicator is freed */
    int taken;           /* handed to the caller by comm_join_take */
    comm_group_t *next;  /* every group, freed at comm_finalize */
};

/* One posted send; requests live in a parallel array for MPI_Testsome. */
typedef struct {
    comm_ep_t *ep;
    char *data;
    size_t len, cap;
} post_t;

/* Buffers of sent messages kept for the next comm_post, so a busy run
 * does not allocate a buffer per message. */
#define POOL_MAX 32
#define POOL_BIG ((size_t)1 << 21)

static struct {
    int up;
    int size;
    comm_ep_t **world;  /* endpoint of each rank, made on first use */
    doorbell_t *bell;
    size_t cap;
    MPI_Request *req;
    post_t *post;
    int *idx;           /* MPI_Testsome's output */
    int npost, post_cap;
    int live;           /* posts to endpoints not lost */
    struct { char *data; size_t cap; } pool[POOL_MAX];
    int npool;
    char err[MPI_MAX_ERROR_STRING + 128];
    /* joining: the groups, how many comm_recv(NULL) looks at, where it
     * starts looking next (so no source starves another) */
    comm_group_t *groups;
    int nadmitted;
    int rr;
    int threaded;
} C;

/* The accept thread and what it shares with the caller (under lock). */
static pthread_mutex_t join_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    comm_group_t *pending;   /* accepted, not taken yet (newest first) */
    pthread_t thread;
    int running;
    int stopping;
    int failed;              /* MPI_Comm_accept failures not told yet */
    int failed_rc;           /* the last one's code */
    int gave_up;             /* the thread stopped accepting */
    char port[MPI_MAX_PORT_NAME];
    char *portfile;
} J;

const char *comm_error (void) { return C.err; }

static int fail (int eno, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static int fail (int eno, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (C.err, sizeof (C.err), fmt, ap);
    va_end (ap);
    errno = eno;
    return -1;
}

/* The one conversion of an MPI error code: -1 with errno, and MPI's text
 * in comm_error(). */
static int mpi_fail (int rc, const char *call)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0, cls = MPI_ERR_OTHER;
    if (MPI_Error_string (rc, text, &len) != MPI_SUCCESS)
        snprintf (text, sizeof (text), "MPI error %d", rc);
    MPI_Error_class (rc, &cls);
    return fail (cls == MPI_ERR_NO_MEM ? ENOMEM : EIO, "%s: %s", call, text);
}

#define CHECK(call, name)                                                                    \
    do {                                                                                     \
        int rc_ = (call);                                                                    \
        if (rc_ != MPI_SUCCESS)                                                              \
            return mpi_fail (rc_, name);                                                     \
    } while (0)

static size_t parse_cap (void)
{
    const char *v = getenv ("MPIBATCH_SEND_CAP");
    if (!v || !*v)
        return COMM_CAP_DEFAULT;
    char *end;
    errno = 0;
    unsigned long long n = strtoull (v, &end, 10);
    if (errno || end == v)
        return COMM_CAP_DEFAULT;
    switch (*end) {
    case 'k': case 'K': n <<= 10; end++; break;
    case 'm': case 'M': n <<= 20; end++; break;
    case 'g': case 'G': n <<= 30; end++; break;
    default: break;
    }
    return *end || n == 0 ? COMM_CAP_DEFAULT : (size_t)n;
}

int comm_early_rank (void)
{
    const char *v = getenv ("OMPI_COMM_WORLD_RANK");
    if (!v)
        v = getenv ("PMIX_RANK");
    if (!v)
        v = getenv ("PMI_RANK");
    return v ? atoi (v) : 0;
}

int comm_launched (void)
{
    return getenv ("OMPI_COMM_WORLD_SIZE") || getenv ("PMIX_RANK") || getenv ("PMI_RANK")
        || getenv ("PMI_SIZE");
}

static int init (int *rank, int *size, int threaded)
{
    /* A singleton needs no supporting daemon (it spawns no processes and
     * connects to none): without one, start-up takes a third of the time
     * and no orted sits beside the run.  Not passed on to tasks. */
    int isolated = !comm_launched () && !getenv ("OMPI_MCA_ess_singleton_isolated")
                   && !comm_join_server_uri ();
    if (isolated)
        setenv ("OMPI_MCA_ess_singleton_isolated", "1", 0);
    int rc, provided = MPI_THREAD_SINGLE;
    if (threaded)
        rc = MPI_Init_thread (NULL, NULL, MPI_THREAD_MULTIPLE, &provided);
    else
        rc = MPI_Init (NULL, NULL);
    if (isolated)
        unsetenv ("OMPI_MCA_ess_singleton_isolated");
    if (rc != MPI_SUCCESS)
        return fail (EIO, "%s failed (error %d)", threaded ? "MPI_Init_thread" : "MPI_Init", rc);
    C.up = 1;
    C.threaded = threaded && provided == MPI_THREAD_MULTIPLE;
    if (threaded && !C.threaded)
        return fail (ENOTSUP, "this MPI does not support MPI_THREAD_MULTIPLE (provided %d): "
                              "the service cannot accept workers that join", provided);
    /* From here on errors come back as return codes. */
    CHECK (MPI_Comm_set_errhandler (MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    CHECK (MPI_Comm_rank (MPI_COMM_WORLD, rank), "MPI_Comm_rank");
    CHECK (MPI_Comm_size (MPI_COMM_WORLD, size), "MPI_Comm_size");
    C.size = *size;
    C.cap = parse_cap ();
    if (!(C.world = calloc ((size_t)*size, sizeof (comm_ep_t *))))
        return fail (ENOMEM, "out of memory");
    return 0;
}

int comm_init (int *rank, int *size) { return init (rank, size, 0); }
int comm_init_threaded (int *rank, int *size) { return init (rank, size, 1); }

static void free_groups (void)
{
    comm_group_t *g = C.groups;
    while (g) {
        comm_group_t *next = g->next;
        /* A group still connected at the end is freed locally: its peers
         * may be gone, and nothing here may wait for them. */
        if (!g->gone && C.up)
            MPI_Comm_free (&g->comm);
        free (g->eps);
        free (g);
        g = next;
    }
    C.groups = NULL;
    C.nadmitted = 0;
}

static void free_all (void)
{
    for (int i = 0; i < C.npost; i++)
        free (C.post[i].data);
    for (int i = 0; i < C.npool; i++)
        free (C.pool[i].data);
    C.npool = 0;
    free (C.req);
    free (C.post);
    free (C.idx);
    for (int r = 0; C.world && r < C.size; r++)
        free (C.world[r]);
    free (C.world);
    C.req = NULL;
    C.post = NULL;
    C.idx = NULL;
    C.world = NULL;
    C.npost = C.post_cap = C.live = 0;
}

int comm_finalize (void)
{
    if (!C.up)
        return 0;
    if (J.running)
        comm_join_close ();
    /* Accepted and never taken: freed like the others. */
    while (J.pending) {
        comm_group_t *g = J.pending;
        J.pending = g->next;
        g->next = C.groups;
        C.groups = g;
    }
    free_groups ();
    C.up = 0;
    free_all ();
    CHECK (MPI_Finalize (), "MPI_Finalize");
    return 0;
}

void comm_abort (int code)
{
    MPI_Abort (MPI_COMM_WORLD, code);
    /* MPI_Abort should not return; if it does, leave anyway. */
    exit (code);
}

void comm_set_doorbell (doorbell_t *d) { C.bell = d; }

size_t comm_send_cap (void) { return C.cap ? C.cap : parse_cap (); }

static int check_len (size_t n, const char *call)
{
    return n > INT32_MAX ? fail (EMSGSIZE, "%s: a message of %zu bytes is too large", call, n) : 0;
}

int comm_bcast (void *p, size_t n, int root)
{
    if (check_len (n, "MPI_Bcast") < 0)
        return -1;
    CHECK (MPI_Bcast (p, (int)n, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
    return 0;
}

int comm_allgather (const void *in, size_t n, void *out)
{
    if (check_len (n, "MPI_Allgather") < 0)
        return -1;
    CHECK (MPI_Allgather (in, (int)n, MPI_BYTE, out, (int)n, MPI_BYTE, MPI_COMM_WORLD),
           "MPI_Allgather");
    return 0;
}

int comm_node_ranks (int **ranks, int *n)
{
    MPI_Comm node;
    int rank, nsize, rc;
    *ranks = NULL;
    CHECK (MPI_Comm_rank (MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
    CHECK (MPI_Comm_split_type (MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node),
           "MPI_Comm_split_type");
    if ((rc = MPI_Comm_size (node, &nsize)) != MPI_SUCCESS) {
        mpi_fail (rc, "MPI_Comm_size");
        goto error;
    }
    if (!(*ranks = calloc ((size_t)nsize, sizeof (int)))) {
        fail (ENOMEM, "out of memory");
        goto error;
    }
    if ((rc = MPI_Allgather (&rank, 1, MPI_INT, *ranks, 1, MPI_INT, node)) != MPI_SUCCESS) {
        mpi_fail (rc, "MPI_Allgather");
        goto error;
    }
    *n = nsize;
    MPI_Comm_free (&node);
    return 0;
error: {
        int saved = errno;
        free (*ranks);
        *ranks = NULL;
        MPI_Comm_free (&node);
        errno = saved;
        return -1;
    }
}

comm_ep_t *comm_world_ep (int rank)
{
    if (!C.world || rank < 0 || rank >= C.size) {
        fail (EINVAL, "no rank %d", rank);
        return NULL;
    }
    if (!C.world[rank]) {
        comm_ep_t *ep = calloc (1, sizeof (*ep));
        if (!ep) {
            fail (ENOMEM, "out of memory");
            return NULL;
        }
        ep->comm = MPI_COMM_WORLD;
        ep->rank = rank;
        C.world[rank] = ep;
    }
    return C.world[rank];
}

int comm_ep_rank (const comm_ep_t *ep) { return ep ? ep->rank : -1; }
void comm_ep_set_data (comm_ep_t *ep, void *data) { ep->data = data; }
void *comm_ep_data (const comm_ep_t *ep) { return ep ? ep->data : NULL; }
size_t comm_ep_pending (const comm_ep_t *ep) { return ep ? ep->pending : 0; }

/* World peers are rung by their rank; peers of other communicators by
 * the id they were given (comm_ep_set_bell), else not (they are polled). */
static void ring (const comm_ep_t *ep)
{
    if (!C.bell)
        return;
    if (ep->comm == MPI_COMM_WORLD)
        doorbell_ring (C.bell, ep->rank);
    else if (ep->bell >= 0)
        doorbell_ring (C.bell, ep->bell);
}

void comm_ep_set_bell (comm_ep_t *ep, int id)
{
    if (ep && ep->comm != MPI_COMM_WORLD)
        ep->bell = id;
}

static int grow_posts (void)
{
    if (C.npost < C.post_cap)
        return 0;
    int cap = C.post_cap ? C.post_cap * 2 : 256;
    MPI_Request *r = realloc (C.req, (size_t)cap * sizeof (*r));
    if (r)
        C.req = r;
    post_t *p = realloc (C.post, (size_t)cap * sizeof (*p));
    if (p)
        C.post = p;
    int *x = realloc (C.idx, (size_t)cap * sizeof (*x));
    if (x)
        C.idx = x;
    if (!r || !p || !x)
        return fail (ENOMEM, "out of memory for a message");
    C.post_cap = cap;
    return 0;
}

static void post_done (int i)
{
    post_t *p = &C.post[i];
    p->ep->pending -= p->len;
    p->ep->npending--;
    if (!p->ep->lost)
        C.live--;
    if (C.npool < POOL_MAX && p->cap <= POOL_BIG) {
        C.pool[C.npool].data = p->data;
        C.pool[C.npool++].cap = p->cap;
    }
    else
        free (p->data);
    p->data = NULL;
    p->ep = NULL;
}

int comm_progress (void)
{
    if (C.npost == 0)
        return 0;
    int outcount = 0;
    CHECK (MPI_Testsome (C.npost, C.req, &outcount, C.idx, MPI_STATUSES_IGNORE), "MPI_Testsome");
    if (outcount == MPI_UNDEFINED || outcount == 0)
        return C.live;
    for (int k = 0; k < outcount; k++)
        post_done (C.idx[k]);
    /* Keep the unsent posts in order at the front. */
    int j = 0;
    for (int i = 0; i < C.npost; i++)
        if (C.post[i].ep) {
            C.post[j] = C.post[i];
            C.req[j] = C.req[i];
            j++;
        }
    C.npost = j;
    return C.live;
}

/* Post `data` (n bytes of cap, malloc'd; taken in every case). */
static int post (comm_ep_t *ep, int tag, char *data, size_t n, size_t cap, int bell)
{
    if (!ep || ep->lost) {
        free (data);
        return fail (EPIPE, "rank %d was lost", ep ? ep->rank : -1);
    }
    if (check_len (n, "MPI_Isend") < 0) {
        free (data);
        return -1;
    }
    if (ep->pending + n > C.cap && ep->pending > 0) {
        /* Over the cap: first see whether the peer took some. */
        if (comm_progress () < 0) {
            free (data);
            return -1;
        }
        if (ep->pending + n > C.cap) {
            size_t have = ep->pending;
            free (data);
            return fail (ENOBUFS, "%zu bytes of messages not taken, over the cap of %zu "
                                  "(MPIBATCH_SEND_CAP)", have + n, C.cap);
        }
    }
    if (grow_posts () < 0) {
        free (data);
        return -1;
    }
    if (bell && n > COMM_EAGER)
        ring (ep);
    int i = C.npost;
    int rc = MPI_Isend (data, (int)n, MPI_BYTE, ep->rank, tag, ep->comm, &C.req[i]);
    if (rc != MPI_SUCCESS) {
        free (data);
        return mpi_fail (rc, "MPI_Isend");
    }
    C.post[i].ep = ep;
    C.post[i].data = data;
    C.post[i].len = n;
    C.post[i].cap = cap;
    C.npost++;
    C.live++;
    ep->pending += n;
    ep->npending++;
    if (bell)
        ring (ep);
    return 0;
}

int comm_post (comm_ep_t *ep, int tag, buf_t *b, int bell)
{
    char *data = b->data;
    size_t n = b->len, cap = b->cap;
    if (!data && !(data = malloc (cap = 1)))
        return fail (ENOMEM, "out of memory");
    /* b gets a buffer of an earlier message, if one is free. */
    b->len = 0;
    if (C.npool > 0) {
        C.npool--;
        b->data = C.pool[C.npool].data;
        b->cap = C.pool[C.npool].cap;
        b->data[0] = '\0';
    }
    else {
        b->data = NULL;
        b->cap = 0;
    }
    return post (ep, tag, data, n, cap, bell);
}

int comm_post_copy (comm_ep_t *ep, int tag, const void *p, size_t n, int bell)
{
    char *data = malloc (n ? n : 1);
    if (!data)
        return fail (ENOMEM, "out of memory");
    memcpy (data, p, n);
    return post (ep, tag, data, n, n ? n : 1, bell);
}

void comm_ep_lose (comm_ep_t *ep)
{
    if (!ep || ep->lost)
        return;
    ep->lost = 1;
    C.live -= ep->npending;
}

int comm_flush (double seconds)
{
    double end = mb_clock_mono () + seconds;
    int left;
    while ((left = comm_progress ()) > 0 && mb_clock_mono () < end) {
        struct timespec ts = { 0, 200000 };
        nanosleep (&ts, NULL);
    }
    return left;
}

int comm_send (comm_ep_t *ep, int tag, const void *p, size_t n, int bell)
{
    if (check_len (n, "MPI_Send") < 0)
        return -1;
    if (bell && n > COMM_EAGER)
        ring (ep);
    CHECK (MPI_Send (p, (int)n, MPI_BYTE, ep->rank, tag, ep->comm), "MPI_Send");
    if (bell)
        ring (ep);
    return 0;
}

/* Look for a message on one communicator; *flag says whether one is there. */
static int probe (MPI_Comm comm, int src, int mtag, int wait, int *flag, MPI_Status *st)
{
    *flag = 1;
    if (wait)
        CHECK (MPI_Probe (src, mtag, comm, st), "MPI_Probe");
    else
        CHECK (MPI_Iprobe (src, mtag, comm, flag, st), "MPI_Iprobe");
    return 0;
}

/* comm_recv(NULL, ...) with groups admitted: each call starts with the
 * source after the one that gave the last message. */
static int probe_any (int mtag, int wait, int *flag, MPI_Status *st, comm_group_t **gp)
{
    for (;;) {
        int nsrc = 1 + C.nadmitted, start = C.rr % nsrc;
        for (int k = 0; k < nsrc; k++) {
            int i = (start + k) % nsrc;
            comm_group_t *g = NULL;
            if (i > 0) {
                int j = 0;
                for (g = C.groups; g; g = g->next)
                    if (g->admitted && !g->gone && ++j == i)
                        break;
                if (!g)
                    continue;
            }
            if (probe (g ? g->comm : MPI_COMM_WORLD, MPI_ANY_SOURCE, mtag, 0, flag, st) < 0)
                return -1;
            if (*flag) {
                C.rr = i + 1;
                *gp = g;
                return 0;
            }
        }
        if (!wait)
            return 0;
        struct timespec ts = { 0, 100000 };
        nanosleep (&ts, NULL);
    }
}

int comm_recv (comm_ep_t *from, int tag, buf_t *into, comm_msg_t *m, int wait)
{
    MPI_Comm comm = from ? from->comm : MPI_COMM_WORLD;
    int src = from ? from->rank : MPI_ANY_SOURCE;
    int mtag = tag < 0 ? MPI_ANY_TAG : tag;
    MPI_Status st;
    int flag = 1, len = 0;
    comm_group_t *g = from ? from->group : NULL;
    if (!from && C.nadmitted > 0) {
        if (probe_any (mtag, wait, &flag, &st, &g) < 0)
            return -1;
        if (g)
            comm = g->comm;
    }
    else if (probe (comm, src, mtag, wait, &flag, &st) < 0)
        return -1;
    if (!flag)
        return 0;
    CHECK (MPI_Get_count (&st, MPI_BYTE, &len), "MPI_Get_count");
    buf_reset (into);
    if (buf_reserve (into, (size_t)len + 1) < 0)
        return fail (ENOMEM, "out of memory for a message of %d bytes", len);
    CHECK (MPI_Recv (into->data, len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm,
                     MPI_STATUS_IGNORE), "MPI_Recv");
    into->len = (size_t)len;
    if (from)
        m->from = from;
    else if (g)
        m->from = st.MPI_SOURCE >= 0 && st.MPI_SOURCE < g->size ? &g->eps[st.MPI_SOURCE] : NULL;
    else
        m->from = comm_world_ep (st.MPI_SOURCE);
    if (!m->from)
        return fail (EPROTO, "a message from an unknown rank %d", st.MPI_SOURCE);
    m->tag = st.MPI_TAG;
    m->len = (size_t)len;
    return 1;
}

/* ---- Workers that join ---- */

const char *comm_join_server_uri (void)
{
    const char *v = getenv ("OMPI_MCA_pmix_server_uri");
    if (!v || !*v)
        return NULL;
    return strncmp (v, "file:", 5) ? v : v + 5;
}

int comm_join_possible (char *why, size_t len)
{
    if (comm_join_server_uri ())
        return 1;
    snprintf (why, len, "joining needs an ompi-server named by every mpirun involved: start "
                        "one (ompi-server --no-daemonize -r URIFILE &) and run the pool and "
                        "each worker job as mpirun --ompi-server file:URIFILE ...");
    return 0;
}

/* Make a group of an intercommunicator (errors returned, one endpoint
 * per remote rank).  NULL on failure (the communicator is freed). */
static comm_group_t *group_new (MPI_Comm ic)
{
    comm_group_t *g = calloc (1, sizeof (*g));
    int n = 0;
    if (!g || MPI_Comm_set_errhandler (ic, MPI_ERRORS_RETURN) != MPI_SUCCESS
        || MPI_Comm_remote_size (ic, &n) != MPI_SUCCESS || n <= 0
        || !(g->eps = calloc ((size_t)n, sizeof (comm_ep_t)))) {
        free (g);
        MPI_Comm_free (&ic);
        return NULL;
    }
    g->comm = ic;
    g->size = n;
    for (int i = 0; i < n; i++) {
        g->eps[i].comm = ic;
        g->eps[i].group = g;
        g->eps[i].rank = i;
        g->eps[i].bell = -1;
    }
    return g;
}

/* Consecutive failed accepts after which the port is taken for broken. */
#define ACCEPT_TRIES 5

static void *accept_main (void *arg)
{
    (void)arg;
    int failures = 0;
    for (;;) {
        MPI_Comm ic = MPI_COMM_NULL;
        int rc = MPI_Comm_accept (J.port, MPI_INFO_NULL, 0, MPI_COMM_SELF, &ic);
        pthread_mutex_lock (&join_lock);
        if (J.stopping) {
            pthread_mutex_unlock (&join_lock);
            if (rc == MPI_SUCCESS)
                MPI_Comm_disconnect (&ic);
            return NULL;
        }
        if (rc != MPI_SUCCESS) {
            /* A group that died while it connected fails one accept; the
             * next group may still come.  Told to the caller; a pause, and
             * no spinning on a broken port. */
            J.failed++;
            J.failed_rc = rc;
            J.gave_up = ++failures >= ACCEPT_TRIES;
            pthread_mutex_unlock (&join_lock);
            if (J.gave_up)
                return NULL;
            sleep (1);
            continue;
        }
        failures = 0;
        /* Only this list is shared with the main thread: C.groups is
         * the main thread's alone. */
        comm_group_t *g = group_new (ic);
        if (g) {
            g->next = J.pending;
            J.pending = g;
        }
        pthread_mutex_unlock (&join_lock);
    }
}

int comm_join_open (const char *portfile)
{
    char why[300];
    if (!comm_join_possible (why, sizeof (why)))
        return fail (ENOTSUP, "%s", why);
    if (!C.threaded)
        return fail (EINVAL, "accepting workers needs MPI started with comm_init_threaded");
    if (J.running)
        return fail (EBUSY, "already accepting workers");
    CHECK (MPI_Open_port (MPI_INFO_NULL, J.port), "MPI_Open_port");
    size_t n = strlen (portfile);
    char *tmp = malloc (n + 8);
    if (!tmp || !(J.portfile = strdup (portfile))) {
        free (tmp);
        MPI_Close_port (J.port);
        return fail (ENOMEM, "out of memory");
    }
    snprintf (tmp, n + 8, "%s.tmp", portfile);
    FILE *f = fopen (tmp, "w");
    if (!f || fprintf (f, "%s\n", J.port) < 0 || fclose (f) != 0 || rename (tmp, portfile) < 0) {
        int e = errno;
        fail (e, "cannot write the port file %s: %s", portfile, strerror (e));
        unlink (tmp);
        free (tmp);
        free (J.portfile);
        J.portfile = NULL;
        MPI_Close_port (J.port);
        errno = e;
        return -1;
    }
    free (tmp);
    J.stopping = J.failed = J.gave_up = 0;
    if (pthread_create (&J.thread, NULL, accept_main, NULL) != 0) {
        unlink (J.portfile);
        free (J.portfile);
        J.portfile = NULL;
        MPI_Close_port (J.port);
        return fail (EAGAIN, "cannot start the accept thread");
    }
    J.running = 1;
    return 0;
}

int comm_join_failures (int *stopped)
{
    pthread_mutex_lock (&join_lock);
    int n = J.failed, rc = J.failed_rc;
    J.failed = 0;
    *stopped = n > 0 && J.gave_up;
    pthread_mutex_unlock (&join_lock);
    if (n > 0)
        mpi_fail (rc, "MPI_Comm_accept");
    return n;
}

comm_group_t *comm_join_take (void)
{
    comm_group_t *found = NULL, **pp;
    pthread_mutex_lock (&join_lock);
    /* The newest are first: take the oldest. */
    for (pp = &J.pending; *pp && (*pp)->next; pp = &(*pp)->next)
        ;
    if ((found = *pp))
        *pp = NULL;
    pthread_mutex_unlock (&join_lock);
    if (found) {
        found->taken = 1;
        found->next = C.groups;
        C.groups = found;
    }
    return found;
}

int comm_join_close (void)
{
    if (!J.running)
        return 0;
    pthread_mutex_lock (&join_lock);
    J.stopping = 1;
    pthread_mutex_unlock (&join_lock);
    /* Nothing in MPI wakes MPI_Comm_accept, and connecting to our own
     * port deadlocks in Open MPI 4.1.4 (measured: the main thread waits in
     * ompi_comm_set, the accept thread in PMIx_Lookup).  The thread is left
     * in MPI_Comm_accept; it ends with the process. */
    pthread_detach (J.thread);
    J.running = 0;
    MPI_Close_port (J.port);
    if (J.portfile) {
        unlink (J.portfile);
        free (J.portfile);
        J.portfile = NULL;
    }
    return 0;
}

int comm_join_connect (const char *portfile, double timeout, int root_ok, comm_ep_t **svc)
{
    char port[MPI_MAX_PORT_NAME + 1] = "";
    int rank, ok = 0;
    *svc = NULL;
    CHECK (MPI_Comm_rank (MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
    if (rank == 0 && !root_ok)
        ok = -1;
    else if (rank == 0) {
        double end = mb_clock_mono () + timeout;
        for (;;) {
            FILE *f = fopen (portfile, "r");
            if (f) {
                ok = fgets (port, sizeof (port), f) != NULL;
                fclose (f);
                port[strcspn (port, "\n")] = '\0';
                ok = ok && port[0];
            }
            if (ok || mb_clock_mono () >= end)
                break;
            struct timespec ts = { 0, 100000000 };
            nanosleep (&ts, NULL);
        }
    }
    CHECK (MPI_Bcast (&ok, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
    if (ok < 0)
        return fail (ECANCELED, "rank 0 did not get its turn to connect");
    if (!ok)
        return fail (ENOENT, "no pool port in %s after %.0f s (is the pool running and "
                             "accepting workers?)", portfile, timeout);
    CHECK (MPI_Bcast (port, sizeof (port), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
    MPI_Comm ic = MPI_COMM_NULL;
    CHECK (MPI_Comm_connect (port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &ic), "MPI_Comm_connect");
    comm_group_t *g = group_new (ic);
    if (!g)
        return fail (ENOMEM, "cannot set up the connection to the pool");
    g->taken = 1;
    g->next = C.groups;
    C.groups = g;
    *svc = &g->eps[0];
    return 0;
}

int comm_group_size (const comm_group_t *g) { return g ? g->size : 0; }

comm_ep_t *comm_group_ep (comm_group_t *g, int i)
{
    return g && i >= 0 && i < g->size ? &g->eps[i] : NULL;
}

comm_group_t *comm_ep_group (const comm_ep_t *ep) { return ep ? ep->group : NULL; }

void comm_group_admit (comm_group_t *g)
{
    if (g && !g->admitted && !g->gone) {
        g->admitted = 1;
        C.nadmitted++;
    }
}

/* The group is no longer used: its endpoints are lost (their posts stay
 * until comm_finalize, which frees them and the group). */
static void group_gone (comm_group_t *g)
{
    for (int i = 0; i < g->size; i++)
        comm_ep_lose (&g->eps[i]);
    if (g->admitted)
        C.nadmitted--;
    g->admitted = 0;
    g->gone = 1;
}

int comm_group_leave (comm_group_t *g)
{
    if (!g || g->gone)
        return 0;
    group_gone (g);
    CHECK (MPI_Comm_disconnect (&g->comm), "MPI_Comm_disconnect");
    return 0;
}

void comm_group_drop (comm_group_t *g)
{
    if (!g || g->gone)
        return;
    group_gone (g);
    /* Measured with Open MPI 4.1.4: after the remote mpirun and its ranks
     * were killed (-9), MPI_Comm_free returns at once (and so did
     * MPI_Comm_disconnect); sends to them never complete, with no error.
     * Free locally only, so nothing here can wait for the dead. */
    MPI_Comm_free (&g->comm);
}

int comm_join_disconnect (comm_ep_t *svc)
{
    return svc && svc->group ? comm_group_leave (svc->group) : 0;
}
