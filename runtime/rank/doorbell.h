/* doorbell.h: waking a sleeping rank.  MPI cannot wake a process that
 * sleeps in poll(), and MPI's blocking calls spin; so every rank binds a
 * UDP socket, and a sender rings the receiver's doorbell (one datagram)
 * right after a message (comm.c).  The data still travels over MPI: the
 * doorbell is only a hint, and a lost ring costs at most one polling
 * interval. */
#ifndef MB_DOORBELL_H
#define MB_DOORBELL_H

typedef struct doorbell doorbell_t;

/* Bind a UDP socket on an ephemeral port.  NULL when that is impossible
 * (then ranks just poll). */
doorbell_t *doorbell_open (void);
void doorbell_close (doorbell_t *d);

/* The descriptor to poll, and the port it listens on. */
int doorbell_fd (const doorbell_t *d);
int doorbell_port (const doorbell_t *d);

/* Learn where peer `id` listens: its host name (resolved once; the local
 * host is reached on the loopback) and port.  0 or -1. */
int doorbell_peer (doorbell_t *d, int id, const char *host, int port);

/* Ring peer id (no-op for unknown peers or when d is NULL). */
void doorbell_ring (doorbell_t *d, int id);

/* Empty the socket after a wake-up.  Returns how many rings it held. */
int doorbell_drain (doorbell_t *d);

#endif
