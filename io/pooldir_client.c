/* pooldir_client.c: the client's side of a pool directory: is a pool running, write a request, wait for its answer. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "io/pooldir.h"
#include "io/pooldir_int.h"

int pooldir_probe (const char *dir, char *why, size_t len)
{
    char path[PATH_MAX], info[400];
    struct stat st;
    double seen;

    if (stat (dir, &st) < 0 || !S_ISDIR (st.st_mode)) {
        snprintf (why, len, "no pool is running in %s (no such directory)", dir);
        return 0;
    }
    snprintf (path, sizeof (path), "%s/pool.lock", dir);
    int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            return -1;
        snprintf (why, len, "no pool is running in %s (no pool has run there)", dir);
        return 0;
    }
    struct flock fl;
    int rc = pd_lock_query (fd, &fl);
    close (fd);
    if (rc < 0)
        return -1;
    if (fl.l_type != F_UNLCK)
        return 1;
    pd_info_text (dir, info, sizeof (info), &seen);
    if (seen > 0) {
        char when[64];
        time_t t = (time_t)seen;
        struct tm tm;
        localtime_r (&t, &tm);
        strftime (when, sizeof (when), "%Y-%m-%d %H:%M:%S", &tm);
        snprintf (why, len, "no pool is running in %s (last seen %s, %.0f s ago: %s)", dir,
                  when, difftime (time (NULL), t), info);
    }
    else
        snprintf (why, len, "no pool is running in %s", dir);
    return 0;
}

int pooldir_send (const char *dir, const pool_req_t *req, char *name, size_t len,
                  mb_error_t *err)
{
    static unsigned counter;
    char host[128] = "host", path[PATH_MAX];
    struct timespec ts;
    buf_t b = { 0 };

    if (pd_check_dir (dir, 0, err) < 0)
        return -1;
    gethostname (host, sizeof (host) - 1);
    /* The host name goes into a file name: keep it tame. */
    for (char *p = host; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
              || *p == '-'))
            *p = '_';
    host[64] = '\0';
    clock_gettime (CLOCK_REALTIME, &ts);
    /* Time first: the pool takes requests in name order. */
    if (snprintf (name, len, "%010lld.%09ld-%s-%ld-%u.req", (long long)ts.tv_sec, ts.tv_nsec,
                  host, (long)getpid (), counter++) >= (int)len) {
        errno = ENAMETOOLONG;
        return errprintf (err, "request name too long");
    }
    if (pool_req_encode (req, &b) < 0) {
        int saved = errno;
        buf_free (&b);
        errno = saved;
        return errprintf (err, "cannot encode the request: %s",
                          saved == EINVAL ? "a value is over the limits (1 MiB a value, "
                                            "64 MiB in all)" : strerror (saved));
    }
    if (b.len > (size_t)POOL_REQ_MAX) {
        buf_free (&b);
        errno = EFBIG;
        return errprintf (err, "the request is larger than %ld MiB", POOL_REQ_MAX >> 20);
    }
    snprintf (path, sizeof (path), "%s/requests", dir);
    int dfd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        buf_free (&b);
        return errprintf (err, "%s: %s", path, strerror (errno));
    }
    int rc = pd_write_file (dfd, name, b.data, b.len, 1);
    int saved = errno;
    close (dfd);
    buf_free (&b);
    if (rc < 0) {
        errno = saved;
        return errprintf (err, "%s/%s: %s", path, name, strerror (saved));
    }
    return 0;
}

/* Read and remove the answer file: 1 got it, 0 not there yet, -1 error. */
static int try_answer (int ansfd, const char *ans, pool_answer_t *a)
{
    int fd = openat (ansfd, ans, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat st;
    if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_size > (1 << 24)) {
        close (fd);
        errno = EINVAL;
        return -1;
    }
    char *data = malloc ((size_t)st.st_size + 1);
    size_t got = 0;
    int rc = data ? fd_read_all (fd, data, (size_t)st.st_size, &got) : -1;
    close (fd);
    if (rc == 0)
        rc = pool_answer_decode (data, got, a);
    free (data);
    if (rc == 0) {
        unlinkat (ansfd, ans, 0);
        return 1;
    }
    return -1;
}

int pooldir_wait (const char *dir, const char *name, double timeout, pool_answer_t *a,
                  mb_error_t *err)
{
    char path[PATH_MAX], ans[NAME_MAX + 1], why[600];
    size_t n = strlen (name);
    int ino = -1, rc = -1;

    if (n <= 4 || n >= sizeof (ans)) {
        errno = EINVAL;
        return errprintf (err, "bad request name '%s'", name);
    }
    snprintf (ans, sizeof (ans), "%.*s.ans", (int)(n - 4), name);
    snprintf (path, sizeof (path), "%s/answers", dir);
    int ansfd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ansfd < 0)
        return errprintf (err, "%s: %s", path, strerror (errno));
    /* Watch before the first look, so an answer between the two is seen. */
    if ((ino = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC)) >= 0
        && inotify_add_watch (ino, path, IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR) < 0) {
        close (ino);
        ino = -1;
    }
    double start = mb_clock_mono (), last_probe = start;
    for (;;) {
        int got = try_answer (ansfd, ans, a);
        if (got > 0) {
            rc = 0;
            break;
        }
        if (got < 0) {
            errprintf (err, "%s/%s: cannot read the answer: %s", path, ans, strerror (errno));
            break;
        }
        double now = mb_clock_mono ();
        if (now - start >= timeout) {
            errno = ETIMEDOUT;
            errprintf (err, "no answer from the pool in %s within %g s", dir, timeout);
            break;
        }
        if (now - last_probe >= 1.0) {
            last_probe = now;
            if (pooldir_probe (dir, why, sizeof (why)) == 0) {
                /* The pool may have answered just before it stopped. */
                if ((got = try_answer (ansfd, ans, a)) > 0) {
                    rc = 0;
                    break;
                }
                errno = ESRCH;
                errprintf (err, "%s", why);
                break;
            }
        }
        /* inotify wakes us at once on this node; the timeout is the
         * polling for answers written on another node. */
        int ms = ino >= 0 ? 200 : 50;
        double left = (start + timeout - now) * 1000.0;
        if (left < ms)
            ms = (int)left + 1;
        struct pollfd pfd = { .fd = ino, .events = POLLIN };
        if (ino >= 0) {
            if (poll (&pfd, 1, ms) > 0) {
                char ev[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
                while (read (ino, ev, sizeof (ev)) > 0) {}
            }
        }
        else
            poll (NULL, 0, ms);
    }
    if (rc < 0 && (errno == ETIMEDOUT || errno == ESRCH)) {
        int saved = errno;
        char req[PATH_MAX + NAME_MAX + 16];
        snprintf (req, sizeof (req), "%s/requests/%s", dir, name);
        /* Withdraw it if the pool has not taken it: then it will never act. */
        if (unlink (req) < 0 && errno == ENOENT && saved == ETIMEDOUT) {
            size_t l = strlen (err->text);
            snprintf (err->text + l, sizeof (err->text) - l,
                      " (the pool took the request: it may still act on it)");
        }
        errno = saved;
    }
    if (ino >= 0)
        close (ino);
    close (ansfd);
    return rc;
}
