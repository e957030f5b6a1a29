/* comm.c: every MPI call of mpibatch, with its return code checked and
 * converted once, and the service's non-blocking sends. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "common/clock.h"
#include "runtime/rank/comm.h"

/* Open MPI's eager size over shared memory (btl_vader_eager_limit); over
 * TCP it is larger, so this rings early at worst needlessly. */
#define COMM_EAGER 4096

#define COMM_CAP_DEFAULT ((size_t)256 << 20)

struct comm_ep {
    MPI_Comm comm;
    int rank;
    int lost;
    size_t pending;     /* bytes posted and not sent */
    int npending;       /* messages posted and not sent */
    void *data;
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
} C;

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

int comm_init (int *rank, int *size)
{
    /* A singleton needs no supporting daemon (it spawns no processes and
     * connects to none): without one, start-up takes a third of the time
     * and no orted sits beside the run.  Not passed on to tasks. */
    int isolated = !comm_launched () && !getenv ("OMPI_MCA_ess_singleton_isolated");
    if (isolated)
        setenv ("OMPI_MCA_ess_singleton_isolated", "1", 0);
    int rc = MPI_Init (NULL, NULL);
    if (isolated)
        unsetenv ("OMPI_MCA_ess_singleton_isolated");
    if (rc != MPI_SUCCESS)
        return fail (EIO, "MPI_Init failed (error %d)", rc);
    C.up = 1;
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

/* The doorbell knows world ranks only; peers of other communicators are
 * not rung (they are polled). */
static void ring (const comm_ep_t *ep)
{
    if (C.bell && ep->comm == MPI_COMM_WORLD)
        doorbell_ring (C.bell, ep->rank);
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

int comm_recv (comm_ep_t *from, int tag, buf_t *into, comm_msg_t *m, int wait)
{
    MPI_Comm comm = from ? from->comm : MPI_COMM_WORLD;
    int src = from ? from->rank : MPI_ANY_SOURCE;
    int mtag = tag < 0 ? MPI_ANY_TAG : tag;
    MPI_Status st;
    int flag = 1, len = 0;
    if (wait)
        CHECK (MPI_Probe (src, mtag, comm, &st), "MPI_Probe");
    else
        CHECK (MPI_Iprobe (src, mtag, comm, &flag, &st), "MPI_Iprobe");
    if (!flag)
        return 0;
    CHECK (MPI_Get_count (&st, MPI_BYTE, &len), "MPI_Get_count");
    buf_reset (into);
    if (buf_reserve (into, (size_t)len + 1) < 0)
        return fail (ENOMEM, "out of memory for a message of %d bytes", len);
    CHECK (MPI_Recv (into->data, len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm,
                     MPI_STATUS_IGNORE), "MPI_Recv");
    into->len = (size_t)len;
    m->from = from ? from : comm_world_ep (st.MPI_SOURCE);
    if (!m->from)
        return -1;
    m->tag = st.MPI_TAG;
    m->len = (size_t)len;
    return 1;
}
