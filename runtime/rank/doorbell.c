/* doorbell.c: UDP wake-ups between ranks, so waiting for MPI messages
 * costs no CPU and no latency. */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/rank/doorbell.h"

typedef struct {
    int known;
    struct sockaddr_storage addr;
    socklen_t len;
} peer_t;

struct doorbell {
    int fd;
    int port;
    char host[256];
    peer_t *peers;
    int npeers;
};

doorbell_t *doorbell_open (void)
{
    doorbell_t *d = calloc (1, sizeof (*d));
    if (!d)
        return NULL;
    d->fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (d->fd < 0)
        goto error;
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof (sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_ANY);
    socklen_t len = sizeof (sa);
    if (bind (d->fd, (struct sockaddr *)&sa, sizeof (sa)) < 0
        || getsockname (d->fd, (struct sockaddr *)&sa, &len) < 0)
        goto error;
    d->port = ntohs (sa.sin_port);
    gethostname (d->host, sizeof (d->host) - 1);
    return d;
error:
    doorbell_close (d);
    return NULL;
}

void doorbell_close (doorbell_t *d)
{
    if (d) {
        int saved = errno;
        if (d->fd >= 0)
            close (d->fd);
        free (d->peers);
        free (d);
        errno = saved;
    }
}

int doorbell_fd (const doorbell_t *d) { return d ? d->fd : -1; }
int doorbell_port (const doorbell_t *d) { return d ? d->port : 0; }

int doorbell_peer (doorbell_t *d, int id, const char *host, int port)
{
    if (!d || id < 0 || port <= 0)
        return -1;
    if (id >= d->npeers) {
        peer_t *p = realloc (d->peers, (size_t)(id + 1) * sizeof (*p));
        if (!p)
            return -1;
        memset (p + d->npeers, 0, (size_t)(id + 1 - d->npeers) * sizeof (*p));
        d->peers = p;
        d->npeers = id + 1;
    }
    /* A peer on this host is reached on the loopback, which works even
     * where host names do not resolve. */
    const char *name = strcmp (host, d->host) ? host : "127.0.0.1";
    struct addrinfo hints, *res = NULL;
    memset (&hints, 0, sizeof (hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    char ports[16];
    snprintf (ports, sizeof (ports), "%d", port);
    if (getaddrinfo (name, ports, &hints, &res) != 0 || !res)
        return -1;
    memcpy (&d->peers[id].addr, res->ai_addr, res->ai_addrlen);
    d->peers[id].len = res->ai_addrlen;
    d->peers[id].known = 1;
    freeaddrinfo (res);
    return 0;
}

void doorbell_ring (doorbell_t *d, int id)
{
    if (!d || id < 0 || id >= d->npeers || !d->peers[id].known)
        return;
    char c = 1;
    (void)sendto (d->fd, &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
                  (struct sockaddr *)&d->peers[id].addr, d->peers[id].len);
}

int doorbell_drain (doorbell_t *d)
{
    char b[64];
    int n = 0;
    while (d && recv (d->fd, b, sizeof (b), MSG_DONTWAIT) > 0)
        n++;
    return n;
}
