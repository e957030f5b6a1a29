/* fuzz_journal.c: libFuzzer target for the journal reader: decode the bytes, then read them as a journal file. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "io/journal.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MAGIC "MPIBJNL1"

static char dir[64];
static char path[96];

static void cleanup (void)
{
    if (path[0])
        unlink (path);
    if (dir[0])
        rmdir (dir);
}

static int setup (void)
{
    if (dir[0])
        return 0;
    const char *t = getenv ("TMPDIR");
    snprintf (dir, sizeof (dir), "%s/mbfuzzj.XXXXXX", t && strlen (t) < 40 ? t : "/tmp");
    if (!mkdtemp (dir))
        return -1;
    snprintf (path, sizeof (path), "%s/journal", dir);
    atexit (cleanup);
    return 0;
}

static int write_all (int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t rc = write (fd, c, n);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += rc;
        n -= (size_t)rc;
    }
    return 0;
}

static size_t touch (const char *s)
{
    return s ? strlen (s) : 0;
}

static volatile size_t sink;

static int touch_rec (const journal_rec_t *r, void *arg)
{
    (void)arg;
    sink += touch (r->job_id) + touch (r->version) + touch (r->text) + touch (r->task)
            + touch (r->node) + touch (r->cpus) + touch (r->reason) + (size_t)r->type;
    return 0;
}

/* Decode a sequence of records from p; return how far it got. */
static size_t decode_all (const uint8_t *p, size_t n)
{
    size_t pos = 0;
    while (pos < n) {
        journal_rec_t r;
        memset (&r, 0, sizeof (r));
        size_t used = journal_decode (p + pos, n - pos, &r);
        if (used == 0)
            break;
        if (used > n - pos)
            abort ();   /* decode claims more than it was given */
        touch_rec (&r, NULL);
        pos += used;
    }
    return pos;
}

/* The checksum keeps random bytes from ever reaching the payload decoder,
 * so half of the inputs are framed here: the bytes after the first are
 * one payload, given a correct length and CRC-32C (the frame header is
 * length then checksum, both 32-bit, in host order, as the writer does). */
static uint8_t *frame (const uint8_t *p, size_t n, size_t *outn)
{
    uint8_t *f = malloc (n + 8);
    if (!f)
        return NULL;
    uint32_t len = (uint32_t)n;
    uint32_t crc = hash_crc32c (0, p, n);
    memcpy (f, &len, 4);
    memcpy (f + 4, &crc, 4);
    memcpy (f + 8, p, n);
    *outn = n + 8;
    return f;
}

static void read_file (const uint8_t *p, size_t n)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write_all (fd, MAGIC, 8) < 0 || write_all (fd, p, n) < 0) {
        close (fd);
        return;
    }
    close (fd);
    mb_error_t err;
    off_t valid = 0;
    int rc = journal_read (path, touch_rec, NULL, &valid, &err);
    if (rc == 0 && (valid < 8 || (size_t)valid > n + 8))
        abort ();   /* the valid prefix lies outside the file */
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (setup () < 0)
        return 0;
    decode_all (data, size);
    read_file (data, size);
    if (size > 0 && (data[0] & 1)) {
        size_t fn;
        uint8_t *f = frame (data + 1, size - 1, &fn);
        if (f) {
            decode_all (f, fn);
            read_file (f, fn);
            free (f);
        }
    }
    return 0;
}
