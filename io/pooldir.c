/* pooldir.c: the pool's side of a pool directory: checks, the lock, scanning requests, the record of accepted requests, answers. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "io/pooldir.h"
#include "io/pooldir_int.h"

#define JNL_MAGIC "MPIBPQJ1"
#define JNL_MAGIC_LEN 8
/* A record holds a whole request (at most POOL_REQ_MAX) and its answer. */
#define JNL_RECORD_MAX ((uint32_t)(POOL_REQ_MAX + (4L << 20)))
/* pool.info's mtime is refreshed this often: "last seen". */
#define HEARTBEAT 5.0

struct pooldir {
    char *dir;
    int dfd;              /* POOLDIR */
    int reqfd;            /* requests/ */
    int ansfd;            /* answers/ */
    int lock_fd;
    int ino_fd;           /* inotify on requests/, or -1 */
    int jfd;              /* accepted.jnl, O_APPEND */
    off_t jlen;           /* its valid length */
    uint64_t next_seq;
    double interval;
    double last_scan;     /* monotonic; < 0: scan at the next call */
    double last_beat;
    char **pending;       /* names found by the last scan, sorted */
    size_t npending, ipending;
    pooldir_log_f log;
    void *log_arg;
    pooldir_stats_t st;
};

static void logf_ (pooldir_t *pd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void logf_ (pooldir_t *pd, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    if (!pd->log)
        return;
    va_start (ap, fmt);
    vsnprintf (msg, sizeof (msg), fmt, ap);
    va_end (ap);
    pd->log (pd->log_arg, msg);
}

/* Write data to dirfd/name through dirfd/.tmp.<name> and a rename. */
int pd_write_file (int dirfd, const char *name, const char *data, size_t len, int sync)
{
    char tmp[NAME_MAX + 16];
    if (snprintf (tmp, sizeof (tmp), ".tmp.%s", name) >= (int)sizeof (tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    if (fd_write_all (fd, data, len, NULL) < 0 || (sync && fsync (fd) < 0)) {
        int saved = errno;
        close (fd);
        unlinkat (dirfd, tmp, 0);
        errno = saved;
        return -1;
    }
    if (close (fd) < 0 || renameat (dirfd, tmp, dirfd, name) < 0) {
        int saved = errno;
        unlinkat (dirfd, tmp, 0);
        errno = saved;
        return -1;
    }
    return 0;
}

int pd_check_dir (const char *dir, int create, mb_error_t *err)
{
    struct stat st;
    if (create && mkdir (dir, 0700) < 0 && errno != EEXIST)
        return errprintf (err, "%s: cannot create the pool directory: %s", dir, strerror (errno));
    if (lstat (dir, &st) < 0)
        return errprintf (err, "%s: %s", dir, strerror (errno));
    if (S_ISLNK (st.st_mode)) {
        errno = EPERM;
        return errprintf (err, "%s: the pool directory is a symbolic link (give its real path)", dir);
    }
    if (!S_ISDIR (st.st_mode)) {
        errno = ENOTDIR;
        return errprintf (err, "%s: not a directory", dir);
    }
    if (st.st_uid != geteuid ()) {
        struct passwd *pw = getpwuid (st.st_uid);
        errno = EPERM;
        return errprintf (err, "%s: the pool directory belongs to another user (%s, uid %u)",
                          dir, pw ? pw->pw_name : "?", (unsigned)st.st_uid);
    }
    if (st.st_mode & 022) {
        errno = EPERM;
        return errprintf (err, "%s: the pool directory is writable by %s (mode %04o): "
                          "others could hand it requests; chmod 700 it",
                          dir, (st.st_mode & 002) ? "others" : "its group",
                          (unsigned)(st.st_mode & 07777));
    }
    return 0;
}

/* Open a sub-directory of POOLDIR, creating it 0700. */
static int subdir (pooldir_t *pd, const char *name, mb_error_t *err)
{
    if (mkdirat (pd->dfd, name, 0700) < 0 && errno != EEXIST)
        return errprintf (err, "%s/%s: %s", pd->dir, name, strerror (errno));
    int fd = openat (pd->dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errprintf (err, "%s/%s: %s", pd->dir, name, strerror (errno));
    return fd;
}

int pd_lock_query (int fd, struct flock *fl)
{
    memset (fl, 0, sizeof (*fl));
    fl->l_type = F_WRLCK;
    fl->l_whence = SEEK_SET;
#ifdef F_OFD_GETLK
    if (fcntl (fd, F_OFD_GETLK, fl) == 0)
        return 0;
    if (errno != EINVAL)
        return -1;
    memset (fl, 0, sizeof (*fl));
    fl->l_type = F_WRLCK;
#endif
    return fcntl (fd, F_GETLK, fl);
}

/* Take pool.lock: an open file description lock where the kernel has them
 * (it is not lost when some other descriptor of the file is closed). */
static int take_lock (int fd)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
#ifdef F_OFD_SETLK
    if (fcntl (fd, F_OFD_SETLK, &fl) == 0)
        return 0;
    if (errno != EINVAL)
        return -1;
#endif
    return fcntl (fd, F_SETLK, &fl);
}

int pooldir_join_lock (const char *dir, double timeout, mb_error_t *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf (path, sizeof (path), "%s/join.lock", dir) >= sizeof (path)) {
        errno = ENAMETOOLONG;
        return errprintf (err, "%s: path too long", dir);
    }
    int fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errprintf (err, "%s: %s", path, strerror (errno));
    double end = mb_clock_mono () + timeout;
    while (take_lock (fd) < 0) {
        int e = errno;
        if ((e != EAGAIN && e != EACCES) || mb_clock_mono () >= end) {
            close (fd);
            errno = e == EAGAIN || e == EACCES ? ETIMEDOUT : e;
            if (errno == ETIMEDOUT)
                return errprintf (err, "another worker group has been joining for %.0f s "
                                  "(it holds %s)", timeout, path);
            return errprintf (err, "%s: %s", path, strerror (e));
        }
        struct timespec ts = { 0, 50000000 };
        nanosleep (&ts, NULL);
    }
    return fd;
}

void pooldir_join_unlock (int fd)
{
    if (fd >= 0)
        close (fd);
}

/* "host H, pid P, started T" from pool.info, into buf. */
void pd_info_text (const char *dir, char *buf, size_t len, double *mtime)
{
    char path[PATH_MAX], data[512] = "", host[256] = "?";
    long pid = 0;
    double started = 0;
    struct stat st;
    snprintf (buf, len, "no pool.info");
    if (mtime)
        *mtime = 0;
    snprintf (path, sizeof (path), "%s/pool.info", dir);
    int fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t got = 0;
    if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
        fd_read_all (fd, data, sizeof (data) - 1, &got);
    close (fd);
    data[got] = '\0';
    for (char *l = strtok (data, "\n"); l; l = strtok (NULL, "\n")) {
        if (!strncmp (l, "host ", 5))
            snprintf (host, sizeof (host), "%s", l + 5);
        else if (!strncmp (l, "pid ", 4))
            pid = strtol (l + 4, NULL, 10);
        else if (!strncmp (l, "started ", 8))
            started = strtod (l + 8, NULL);
    }
    if (mtime)
        *mtime = (double)st.st_mtime;
    char when[64] = "?";
    time_t t = (time_t)started;
    struct tm tm;
    if (started > 0 && localtime_r (&t, &tm))
        strftime (when, sizeof (when), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf (buf, len, "pid %ld on %s, started %s", pid, host, when);
}

static int write_info (pooldir_t *pd)
{
    char host[256] = "?", text[512];
    gethostname (host, sizeof (host) - 1);
    int n = snprintf (text, sizeof (text), "host %s\npid %ld\nstarted %.3f\n", host,
                      (long)getpid (), mb_clock_real ());
    return pd_write_file (pd->dfd, "pool.info", text, (size_t)n, 1);
}

/* ------------------------------------------------------------------ */
/* accepted.jnl                                                        */

/* Walk the journal's records from the start: cb(arg, seq, time, name,
 * answer, req, reqlen) for each; stops at the first bad or torn frame.
 * *valid gets the length of the good part. */
typedef int (*frame_cb) (void *arg, uint64_t seq, double t, const char *name,
                         const char *answer, const char *req, size_t reqlen);

static int jnl_walk (pooldir_t *pd, frame_cb cb, void *arg, off_t *valid, mb_error_t *err)
{
    char hdr[FRAME_HDR];
    char *buf = NULL;
    size_t cap = 0, got, need;
    off_t pos = JNL_MAGIC_LEN;
    int rc = 0;
    for (;;) {
        /* The header says how long the frame is; then read it whole. */
        if (pread (pd->jfd, hdr, FRAME_HDR, pos) != FRAME_HDR
            || frame_check (hdr, FRAME_HDR, JNL_RECORD_MAX, &need) != 0)
            break;
        if (need > cap) {
            char *p = realloc (buf, need);
            if (!p) {
                free (buf);
                return errprintf (err, "%s/accepted.jnl: %s", pd->dir, strerror (ENOMEM));
            }
            buf = p;
            cap = need;
        }
        memcpy (buf, hdr, FRAME_HDR);
        got = FRAME_HDR;
        while (got < need) {
            ssize_t r = pread (pd->jfd, buf + got, need - got, pos + (off_t)got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        long len = frame_check (buf, got, JNL_RECORD_MAX, &need);
        if (len <= 0)
            break;
        unpack_t u;
        unpack_init (&u, buf + FRAME_HDR, (size_t)len - FRAME_HDR);
        uint64_t seq = unpack_u64 (&u);
        double t = unpack_dbl (&u);
        uint32_t nl, al, rl;
        const char *name = unpack_bytes (&u, &nl);
        const char *ans = unpack_bytes (&u, &al);
        const char *req = unpack_bytes (&u, &rl);
        if (u.err || !name || !ans || !req || nl == 0 || name[nl - 1] || al == 0 || ans[al - 1])
            break;
        pos += len;
        if (seq >= pd->next_seq)
            pd->next_seq = seq + 1;
        if (cb && (rc = cb (arg, seq, t, name, ans, req, rl)) != 0)
            break;
    }
    free (buf);
    if (valid)
        *valid = pos;
    return rc;
}

static int jnl_open (pooldir_t *pd, int flags, mb_error_t *err)
{
    pd->jfd = openat (pd->dfd, "accepted.jnl", O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
                      0600);
    if (pd->jfd < 0)
        return errprintf (err, "%s/accepted.jnl: %s", pd->dir, strerror (errno));
    struct stat st;
    if (fstat (pd->jfd, &st) < 0)
        return errprintf (err, "%s/accepted.jnl: %s", pd->dir, strerror (errno));
    char magic[JNL_MAGIC_LEN];
    if (st.st_size >= JNL_MAGIC_LEN
        && (pread (pd->jfd, magic, JNL_MAGIC_LEN, 0) != JNL_MAGIC_LEN
            || memcmp (magic, JNL_MAGIC, JNL_MAGIC_LEN))) {
        errno = EINVAL;
        return errprintf (err, "%s/accepted.jnl: not a pool's record of requests", pd->dir);
    }
    if (st.st_size < JNL_MAGIC_LEN || (flags & POOLDIR_RESTART)) {
        /* New, torn while its magic was written, or discarded. */
        if (ftruncate (pd->jfd, 0) < 0 || fd_write_all (pd->jfd, JNL_MAGIC, JNL_MAGIC_LEN, NULL) < 0
            || fdatasync (pd->jfd) < 0)
            return errprintf (err, "%s/accepted.jnl: %s", pd->dir, strerror (errno));
        pd->jlen = JNL_MAGIC_LEN;
        return 0;
    }
    off_t valid;
    if (jnl_walk (pd, NULL, NULL, &valid, err) < 0)
        return -1;
    if (valid > JNL_MAGIC_LEN && !(flags & POOLDIR_RESUME)) {
        errno = EEXIST;
        return errprintf (err, "%s: holds the requests an earlier pool accepted: --resume "
                          "continues them", pd->dir);
    }
    if (valid < st.st_size) {
        logf_ (pd, "%s/accepted.jnl: cut a torn tail of %lld bytes", pd->dir,
               (long long)(st.st_size - valid));
        if (ftruncate (pd->jfd, valid) < 0 || fdatasync (pd->jfd) < 0)
            return errprintf (err, "%s/accepted.jnl: %s", pd->dir, strerror (errno));
    }
    pd->jlen = valid;
    return 0;
}

static int jnl_append (pooldir_t *pd, uint64_t seq, const char *name, const char *answer,
                       const buf_t *req, mb_error_t *err)
{
    buf_t b = { 0 };
    size_t start;
    int rc = buf_frame_begin (&b, &start);
    rc |= buf_pack_u64 (&b, seq);
    rc |= buf_pack_dbl (&b, mb_clock_real ());
    rc |= buf_pack_bytes (&b, name, (uint32_t)strlen (name) + 1);
    rc |= buf_pack_bytes (&b, answer, (uint32_t)strlen (answer) + 1);
    rc |= buf_pack_bytes (&b, req->data ? req->data : "", (uint32_t)req->len);
    if (rc < 0 || buf_frame_end (&b, start, JNL_RECORD_MAX) < 0) {
        int saved = rc < 0 ? ENOMEM : errno;
        buf_free (&b);
        return errprintf (err, "%s/accepted.jnl: %s", pd->dir, strerror (saved));
    }
    if (fd_write_all (pd->jfd, b.data, b.len, NULL) < 0 || fdatasync (pd->jfd) < 0) {
        int saved = errno;
        /* Leave no half record behind: the next append must follow a good one. */
        if (ftruncate (pd->jfd, pd->jlen) < 0) {}
        buf_free (&b);
        errno = saved;
        return errprintf (err, "%s/accepted.jnl: cannot record the request: %s", pd->dir,
                          strerror (saved));
    }
    pd->jlen += (off_t)b.len;
    buf_free (&b);
    return 0;
}

/* At a resume: a request still in requests/ that the journal holds was
 * accepted just before the pool died: answer it again from the record,
 * never act on it twice. */
static int reanswer_cb (void *arg, uint64_t seq, double t, const char *name,
                        const char *answer, const char *req, size_t reqlen)
{
    pooldir_t *pd = arg;
    (void)seq; (void)t; (void)req; (void)reqlen;
    struct stat st;
    if (fstatat (pd->reqfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    char ans[NAME_MAX + 1];
    size_t n = strlen (name);
    if (n > 4 && n < sizeof (ans) && !strcmp (name + n - 4, ".req")) {
        snprintf (ans, sizeof (ans), "%.*s.ans", (int)(n - 4), name);
        pd_write_file (pd->ansfd, ans, answer, strlen (answer), 0);
    }
    unlinkat (pd->reqfd, name, 0);
    logf_ (pd, "%s: accepted before the pool stopped; answered again", name);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Open and close                                                      */

void pooldir_close (pooldir_t *pd)
{
    if (!pd)
        return;
    int saved = errno;
    for (size_t k = 0; k < pd->npending; k++)
        free (pd->pending[k]);
    free (pd->pending);
    if (pd->ino_fd >= 0)
        close (pd->ino_fd);
    if (pd->jfd >= 0)
        close (pd->jfd);
    if (pd->reqfd >= 0)
        close (pd->reqfd);
    if (pd->ansfd >= 0)
        close (pd->ansfd);
    if (pd->lock_fd >= 0)
        close (pd->lock_fd);   /* releases the lock */
    if (pd->dfd >= 0)
        close (pd->dfd);
    free (pd->dir);
    free (pd);
    errno = saved;
}

pooldir_t *pooldir_open (const char *dir, int flags, pooldir_log_f log, void *log_arg,
                         mb_error_t *err)
{
    pooldir_t *pd = calloc (1, sizeof (*pd));
    if (!pd) {
        errprintf (err, "%s: %s", dir, strerror (errno));
        return NULL;
    }
    pd->dfd = pd->reqfd = pd->ansfd = pd->lock_fd = pd->ino_fd = pd->jfd = -1;
    pd->interval = 1.0;
    pd->last_scan = -1;
    pd->next_seq = 1;
    pd->log = log;
    pd->log_arg = log_arg;
    if (!(pd->dir = strdup (dir))) {
        errprintf (err, "%s: %s", dir, strerror (errno));
        goto error;
    }
    if (pd_check_dir (dir, 1, err) < 0)
        goto error;
    if ((pd->dfd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        errprintf (err, "%s: %s", dir, strerror (errno));
        goto error;
    }
    pd->lock_fd = openat (pd->dfd, "pool.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (pd->lock_fd < 0) {
        errprintf (err, "%s/pool.lock: %s", dir, strerror (errno));
        goto error;
    }
    if (take_lock (pd->lock_fd) < 0) {
        if (errno == EAGAIN || errno == EACCES) {
            char who[400];
            pd_info_text (dir, who, sizeof (who), NULL);
            errno = EBUSY;
            errprintf (err, "%s: a pool is already running there (%s)", dir, who);
        }
        else
            errprintf (err, "%s/pool.lock: %s", dir, strerror (errno));
        goto error;
    }
    if ((pd->reqfd = subdir (pd, "requests", err)) < 0
        || (pd->ansfd = subdir (pd, "answers", err)) < 0)
        goto error;
    int rfd = subdir (pd, "refused", err);
    if (rfd < 0)
        goto error;
    close (rfd);
    if (jnl_open (pd, flags, err) < 0)
        goto error;
    if ((flags & POOLDIR_RESUME) && jnl_walk (pd, reanswer_cb, pd, NULL, err) < 0)
        goto error;
    if (write_info (pd) < 0) {
        errprintf (err, "%s/pool.info: %s", dir, strerror (errno));
        goto error;
    }
    pd->last_beat = mb_clock_mono ();
    /* inotify sees files renamed in on this node (and on filesystems that
     * report them); polling covers the rest.  MPIBATCH_POOL_INOTIFY=0
     * leaves inotify out: the pool then finds requests by polling only, as
     * it does on NFS, Lustre or GPFS for requests from other nodes (to
     * measure that case, bench/pool). */
    const char *ino = getenv ("MPIBATCH_POOL_INOTIFY");
    pd->ino_fd = ino && !strcmp (ino, "0") ? -1 : inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
    if (pd->ino_fd >= 0) {
        char path[PATH_MAX];
        snprintf (path, sizeof (path), "%s/requests", dir);
        if (inotify_add_watch (pd->ino_fd, path, IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR) < 0) {
            close (pd->ino_fd);
            pd->ino_fd = -1;
        }
    }
    return pd;
error:
    pooldir_close (pd);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Replay                                                              */

struct replay {
    pooldir_t *pd;
    pooldir_replay_f cb;
    void *arg;
};

static int replay_one (void *arg, uint64_t seq, double t, const char *name,
                       const char *answer, const char *req, size_t reqlen)
{
    struct replay *rp = arg;
    (void)answer;
    errlist_t *errs = errlist_create (5);
    if (!errs)
        return -1;
    pool_req_t *r = pool_req_decode (name, req, reqlen, errs);
    if (!r) {
        logf_ (rp->pd, "accepted.jnl: request %llu (%s) does not decode: %s",
               (unsigned long long)seq, name, errlist_kept (errs) ? errlist_get (errs, 0) : "");
        errlist_destroy (errs);
        return errno == ENOMEM ? -1 : 0;
    }
    errlist_destroy (errs);
    r->seq = seq;
    r->accepted_time = t;
    int rc = rp->cb (rp->arg, r);
    pool_req_destroy (r);
    return rc;
}

int pooldir_replay (pooldir_t *pd, pooldir_replay_f cb, void *arg, mb_error_t *err)
{
    struct replay rp = { .pd = pd, .cb = cb, .arg = arg };
    int rc = jnl_walk (pd, replay_one, &rp, NULL, err);
    if (rc == -1 && !err->text[0])
        errprintf (err, "%s/accepted.jnl: %s", pd->dir, strerror (errno));
    return rc;
}

/* The client's read of accepted.jnl: no lock, nothing written; a torn
 * tail is where the walk stops, as for the pool. */
int pooldir_read_accepted (const char *dir, pooldir_replay_f cb, void *arg, mb_error_t *err)
{
    struct pooldir pd = { .dfd = -1, .reqfd = -1, .ansfd = -1, .lock_fd = -1, .ino_fd = -1 };
    char path[PATH_MAX], magic[JNL_MAGIC_LEN];
    snprintf (path, sizeof (path), "%s/accepted.jnl", dir);
    pd.dir = (char *)dir;
    if ((pd.jfd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return errprintf (err, "%s: %s", path, strerror (errno));
    if (pread (pd.jfd, magic, JNL_MAGIC_LEN, 0) != JNL_MAGIC_LEN
        || memcmp (magic, JNL_MAGIC, JNL_MAGIC_LEN)) {
        close (pd.jfd);
        errno = EINVAL;
        return errprintf (err, "%s: not a pool's record of requests", path);
    }
    struct replay rp = { .pd = &pd, .cb = cb, .arg = arg };
    int rc = jnl_walk (&pd, replay_one, &rp, NULL, err);
    int saved = errno;
    close (pd.jfd);
    errno = saved;
    if (rc == -1 && !err->text[0])
        errprintf (err, "%s: %s", path, strerror (errno));
    return rc;
}

/* ------------------------------------------------------------------ */
/* Scanning and taking requests                                        */

int pooldir_fd (const pooldir_t *pd)
{
    return pd->ino_fd;
}

void pooldir_set_interval (pooldir_t *pd, double seconds)
{
    pd->interval = seconds > 0.01 ? seconds : 0.01;
}

int pooldir_timeout_ms (pooldir_t *pd)
{
    if (pd->ipending < pd->npending || pd->last_scan < 0)
        return 0;
    double now = mb_clock_mono ();
    double due = pd->last_scan + pd->interval;
    if (pd->last_beat + HEARTBEAT < due)
        due = pd->last_beat + HEARTBEAT;
    double ms = (due - now) * 1000.0;
    return ms <= 0 ? 0 : ms > 60000 ? 60000 : (int)ms + 1;
}

void pooldir_stats (const pooldir_t *pd, pooldir_stats_t *st)
{
    *st = pd->st;
}

static int cmp_str (const void *a, const void *b)
{
    return strcmp (*(char *const *)a, *(char *const *)b);
}

static int scan (pooldir_t *pd, mb_error_t *err)
{
    for (size_t k = 0; k < pd->npending; k++)
        free (pd->pending[k]);
    pd->npending = pd->ipending = 0;
    pd->last_scan = mb_clock_mono ();
    pd->st.scans++;
    int fd = dup (pd->reqfd);
    DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close (fd);
        return errprintf (err, "%s/requests: %s", pd->dir, strerror (errno));
    }
    rewinddir (d);
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        size_t n = strlen (e->d_name);
        if (e->d_name[0] == '.' || n < 5 || strcmp (e->d_name + n - 4, ".req"))
            continue;
        if (pd->npending == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc (pd->pending, cap * sizeof (char *));
            if (!p)
                break;
            pd->pending = p;
        }
        if (!(pd->pending[pd->npending] = strdup (e->d_name)))
            break;
        pd->npending++;
    }
    closedir (d);
    /* Names start with the time they were written: name order is
     * submission order. */
    if (pd->npending > 1)
        qsort (pd->pending, pd->npending, sizeof (char *), cmp_str);
    return 0;
}

static const char *uid_name (uid_t uid, char *buf, size_t len)
{
    struct passwd *pw = getpwuid (uid);
    snprintf (buf, len, "%s", pw ? pw->pw_name : "?");
    return buf;
}

/* Move a request aside unread (into refused/), or remove it. */
static void set_aside (pooldir_t *pd, const char *name, const char *why, uid_t uid)
{
    char user[64], dst[NAME_MAX + 16];
    snprintf (dst, sizeof (dst), "refused/%s", name);
    int keep = renameat (pd->reqfd, name, pd->dfd, dst) == 0;
    if (!keep)
        unlinkat (pd->reqfd, name, 0);
    pd->st.refused_unread++;
    logf_ (pd, "requests/%s: refused unread: %s (owner %s, uid %u)%s", name, why,
           uid_name (uid, user, sizeof (user)), (unsigned)uid,
           keep ? "; moved to refused/" : "; removed");
}

static int answer (pooldir_t *pd, const char *name, const pool_answer_t *a, buf_t *out)
{
    char ans[NAME_MAX + 1];
    size_t n = strlen (name);
    if (pool_answer_encode (a, out) < 0)
        return -1;
    if (n <= 4 || n >= sizeof (ans)) {
        errno = EINVAL;
        return -1;
    }
    snprintf (ans, sizeof (ans), "%.*s.ans", (int)(n - 4), name);
    return pd_write_file (pd->ansfd, ans, out->data, out->len, 0);
}

static void refuse_errs (pooldir_t *pd, const char *name, errlist_t *errs)
{
    buf_t text = { 0 }, out = { 0 };
    for (int k = 0; k < errlist_kept (errs); k++)
        buf_printf (&text, "%s%s", k ? "\n" : "", errlist_get (errs, k));
    pool_answer_t a = { .status = POOL_REFUSED, .count = -1,
                        .text = text.data ? text.data : "bad request" };
    answer (pd, name, &a, &out);
    unlinkat (pd->reqfd, name, 0);
    pd->st.refused++;
    logf_ (pd, "requests/%s: refused: %s", name, a.text);
    buf_free (&text);
    buf_free (&out);
}

/* Take one request file: 1 with *req, 0 when it was handled here
 * (withdrawn, refused), -1 on ENOMEM. */
static int take (pooldir_t *pd, const char *name, pool_req_t **req)
{
    struct stat st, st2;
    if (fstatat (pd->reqfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;   /* withdrawn by its client */
    if (S_ISLNK (st.st_mode)) {
        set_aside (pd, name, "a symbolic link", st.st_uid);
        return 0;
    }
    if (!S_ISREG (st.st_mode)) {
        set_aside (pd, name, "not a regular file", st.st_uid);
        return 0;
    }
    if (st.st_uid != geteuid ()) {
        set_aside (pd, name, "owned by another user", st.st_uid);
        return 0;
    }
    int fd = openat (pd->reqfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            set_aside (pd, name, strerror (errno), st.st_uid);
        return 0;
    }
    /* The file opened must be the one checked (not swapped meanwhile). */
    if (fstat (fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev
        || !S_ISREG (st2.st_mode) || st2.st_uid != geteuid ()) {
        close (fd);
        set_aside (pd, name, "changed while it was checked", st2.st_uid);
        return 0;
    }
    errlist_t *errs = errlist_create (20);
    if (!errs) {
        close (fd);
        return -1;
    }
    if (st2.st_size > POOL_REQ_MAX + 4096) {
        close (fd);
        errlist_add (errs, name, 0, "request too large (%lld MiB; the limit is %ld MiB)",
                     (long long)(st2.st_size >> 20), POOL_REQ_MAX >> 20);
        refuse_errs (pd, name, errs);
        errlist_destroy (errs);
        return 0;
    }
    size_t size = (size_t)st2.st_size, got = 0;
    char *data = malloc (size + 1);
    if (!data) {
        close (fd);
        errlist_destroy (errs);
        return -1;
    }
    int rc = fd_read_all (fd, data, size + 1, &got);
    close (fd);
    if (rc < 0) {
        errlist_add (errs, name, 0, "cannot read the request: %s", strerror (errno));
        refuse_errs (pd, name, errs);
        free (data);
        errlist_destroy (errs);
        return 0;
    }
    pool_req_t *r = pool_req_decode (name, data, got, errs);
    free (data);
    if (!r) {
        if (errno == ENOMEM) {
            errlist_destroy (errs);
            return -1;
        }
        refuse_errs (pd, name, errs);
        errlist_destroy (errs);
        return 0;
    }
    errlist_destroy (errs);
    *req = r;
    return 1;
}

int pooldir_next (pooldir_t *pd, pool_req_t **req, mb_error_t *err)
{
    double now = mb_clock_mono ();
    *req = NULL;
    if (now - pd->last_beat >= HEARTBEAT) {
        utimensat (pd->dfd, "pool.info", NULL, 0);
        pd->last_beat = now;
    }
    if (pd->ipending >= pd->npending) {
        int due = pd->last_scan < 0 || now - pd->last_scan >= pd->interval;
        if (pd->ino_fd >= 0) {
            char ev[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
            ssize_t n;
            while ((n = read (pd->ino_fd, ev, sizeof (ev))) > 0)
                due = 1;
        }
        if (!due)
            return 0;
        if (scan (pd, err) < 0)
            return -1;
    }
    while (pd->ipending < pd->npending) {
        const char *name = pd->pending[pd->ipending++];
        int rc = take (pd, name, req);
        if (rc < 0)
            return errprintf (err, "%s/requests/%s: %s", pd->dir, name, strerror (ENOMEM));
        if (rc > 0)
            return 1;
    }
    return 0;
}

int pooldir_accept (pooldir_t *pd, pool_req_t *req, const pool_answer_t *ans, mb_error_t *err)
{
    pool_answer_t a = *ans;
    buf_t enc = { 0 }, out = { 0 };
    a.status = POOL_ACCEPTED;
    if (pool_req_encode (req, &enc) < 0 || pool_answer_encode (&a, &out) < 0) {
        buf_free (&enc);
        buf_free (&out);
        return errprintf (err, "%s: %s", req->name, strerror (errno));
    }
    uint64_t seq = pd->next_seq;
    if (jnl_append (pd, seq, req->name, out.data, &enc, err) < 0) {
        buf_free (&enc);
        buf_free (&out);
        return -1;
    }
    buf_free (&enc);
    pd->next_seq = seq + 1;
    req->seq = seq;
    pd->st.accepted++;
    buf_reset (&out);
    /* Recorded: from here the request counts as accepted even if the
     * answer cannot be written (a resume answers it again). */
    if (answer (pd, req->name, &a, &out) < 0)
        logf_ (pd, "%s: accepted, but the answer could not be written: %s", req->name,
               strerror (errno));
    unlinkat (pd->reqfd, req->name, 0);
    buf_free (&out);
    return 0;
}

int pooldir_refuse (pooldir_t *pd, pool_req_t *req, const char *reason, mb_error_t *err)
{
    buf_t out = { 0 };
    pool_answer_t a = { .status = POOL_REFUSED, .count = -1, .text = reason };
    int rc = answer (pd, req->name, &a, &out);
    int saved = errno;
    buf_free (&out);
    unlinkat (pd->reqfd, req->name, 0);
    pd->st.refused++;
    if (rc < 0)
        return errprintf (err, "%s: cannot write the answer: %s", req->name, strerror (saved));
    return 0;
}
