/* spare.c: finished task directories kept for the next attempt, so a short task costs one rename instead of eight inode operations. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/launcher/attempt.h"

/* More spares than attempts at once are never needed; this bounds what a
 * burst of short tasks followed by fewer long ones leaves lying around. */
#define MAX_SPARES 256

struct spares {
    char parent[PATH_MAX];     /* where the spares are */
    spare_t *free;
    int nfree;
    unsigned serial;
};

spares_t *spares_create (void)
{
    return calloc (1, sizeof (spares_t));
}

void spare_drop (spare_t *sp)
{
    if (!sp)
        return;
    int saved = errno;
    int fds[4] = { sp->dir_fd, sp->wd_fd, sp->log_fd[0], sp->log_fd[1] };
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            close (fds[i]);
    free (sp);
    errno = saved;
}

/* Remove a spare's directory (an empty wd/ and two empty logs) and free it. */
static void spare_remove (spare_t *sp)
{
    char p[PATH_MAX + 16];
    static const char *const names[2] = { "stdout.txt", "stderr.txt" };
    for (int i = 0; i < 2; i++) {
        snprintf (p, sizeof (p), "%s/%s", sp->path, names[i]);
        unlink (p);
    }
    snprintf (p, sizeof (p), "%s/wd", sp->path);
    rmdir (p);
    rmdir (sp->path);
    spare_drop (sp);
}

void spares_destroy (spares_t *s)
{
    if (!s)
        return;
    int saved = errno;
    while (s->free) {
        spare_t *sp = s->free;
        s->free = sp->next;
        spare_remove (sp);
    }
    free (s);
    errno = saved;
}

spare_t *spares_take (spares_t *s, const char *parent)
{
    if (!s || !s->free || strcmp (parent, s->parent) != 0)
        return NULL;
    spare_t *sp = s->free;
    s->free = sp->next;
    s->nfree--;
    sp->next = NULL;
    return sp;
}

void spares_put (spares_t *s, spare_t *sp)
{
    if (s->nfree >= MAX_SPARES) {
        spare_remove (sp);
        return;
    }
    sp->next = s->free;
    s->free = sp;
    s->nfree++;
}

/* Read a directory's entries from an open descriptor (from the start):
 * 1 when they are exactly "." and ".." plus `n` names whose inode numbers
 * are inos[] (in any order), 0 otherwise. */
static int holds_exactly (int fd, const char *const *names, const ino_t *inos, int n)
{
    if (lseek (fd, 0, SEEK_SET) < 0)
        return 0;
    int seen = 0, total = 0;
    char buf[1024] __attribute__ ((aligned (8)));
    for (;;) {
        ssize_t got = getdents64 (fd, buf, sizeof (buf));
        if (got < 0)
            return 0;
        if (got == 0)
            break;
        for (ssize_t off = 0; off < got;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            off += d->d_reclen;
            const char *nm = d->d_name;
            if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
                continue;
            total++;
            for (int i = 0; i < n; i++)
                if (strcmp (nm, names[i]) == 0 && d->d_ino == inos[i])
                    seen |= 1 << i;
        }
        if (total > n)
            return 0;
    }
    return total == n && seen == (1 << n) - 1;
}

/* A directory with the mode it was made with. */
static int plain_dir (int fd, mode_t mode)
{
    struct stat st;
    return fstat (fd, &st) == 0 && st.st_mode == mode;
}

/* 1 when the task directory holds an empty wd/ and the logs that stayed,
 * nothing else, and both directories are as they were made. */
static int is_clean (const spare_t *sp, const att_t *a)
{
    const char *names[3];
    ino_t inos[3];
    int n = 0;
    for (int i = 0; i < 2; i++) {
        if (a->log_gone[i])
            continue;
        names[n] = i ? "stderr.txt" : "stdout.txt";
        inos[n++] = a->log_ino[i];
    }
    names[n] = "wd";
    inos[n++] = sp->ino[2];
    return plain_dir (sp->dir_fd, sp->mode[0]) && plain_dir (sp->wd_fd, sp->mode[1])
        && holds_exactly (sp->wd_fd, NULL, NULL, 0)
        && holds_exactly (sp->dir_fd, names, inos, n);
}

/* A spare for an attempt that ran in a directory of its own making. */
static spare_t *spare_new (const att_t *a)
{
    spare_t *sp = calloc (1, sizeof (*sp));
    if (!sp)
        return NULL;
    sp->log_fd[0] = sp->log_fd[1] = -1;
    sp->dir_fd = sp->wd_fd = -1;
    struct stat d, w;
    if ((sp->dir_fd = open (a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0
        || (sp->wd_fd = open (a->wd, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0
        || fstat (sp->dir_fd, &d) < 0 || fstat (sp->wd_fd, &w) < 0) {
        spare_drop (sp);
        return NULL;
    }
    /* Made by us, owner-writable: a directory the task changed the mode
     * of is never taken as the start of one. */
    if (!(d.st_mode & S_IWUSR) || !(w.st_mode & S_IWUSR) || d.st_uid != geteuid ()) {
        spare_drop (sp);
        return NULL;
    }
    sp->ino[2] = w.st_ino;
    sp->mode[0] = d.st_mode;
    sp->mode[1] = w.st_mode;
    return sp;
}

int spares_recycle (spares_t *s, att_t *a)
{
    char parent[PATH_MAX];
    if (!s || a->r.kind != LAUNCH_TASK)
        goto fail;
    for (int i = 0; i < 2; i++)
        if (!a->log_gone[i] && (a->log_fd[i] < 0 || a->log_size[i] != 0))
            goto fail;
    att_parent (a->dir, parent);
    if (strcmp (parent, a->dir) == 0)
        goto fail;
    spare_t *sp = a->spare;
    a->spare = NULL;
    if (!sp && !(sp = spare_new (a)))
        goto fail;
    if (!is_clean (sp, a)) {
        spare_drop (sp);
        goto fail;
    }
    /* Fresh logs for those that moved to the job's logs. */
    int fresh[2] = { -1, -1 };
    for (int i = 0; i < 2; i++) {
        if (!a->log_gone[i])
            continue;
        struct stat st;
        int fd = open (a->log_path[i], O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0 || fstat (fd, &st) < 0) {
            if (fd >= 0)
                close (fd);
            goto undo;
        }
        fresh[i] = fd;
        a->log_ino[i] = st.st_ino;
        a->log_gone[i] = 0;
    }
    if (strcmp (parent, s->parent) != 0) {
        /* Another parent (a job of its own per launcher is the rule): the
         * old spares are of no more use. */
        while (s->free) {
            spare_t *old = s->free;
            s->free = old->next;
            spare_remove (old);
        }
        s->nfree = 0;
        snprintf (s->parent, sizeof (s->parent), "%s", parent);
    }
    int len = snprintf (sp->path, sizeof (sp->path), "%s/.spare-%ld-%u", parent,
                        (long)getpid (), s->serial++);
    if (len < 0 || (size_t)len >= sizeof (sp->path) || rename (a->dir, sp->path) < 0)
        goto undo;
    for (int i = 0; i < 2; i++) {
        sp->log_fd[i] = fresh[i] >= 0 ? fresh[i] : a->log_fd[i];
        sp->ino[i] = a->log_ino[i];
        if (fresh[i] >= 0 && a->log_fd[i] >= 0)
            close (a->log_fd[i]);
        a->log_fd[i] = -1;
    }
    spares_put (s, sp);
    return 0;
undo:
    /* The directory stays the attempt's, with whatever fresh logs were made
     * (the caller's removal unlinks those by name). */
    for (int i = 0; i < 2; i++)
        if (fresh[i] >= 0) {
            if (a->log_fd[i] >= 0)
                close (a->log_fd[i]);
            a->log_fd[i] = fresh[i];
        }
    spare_drop (sp);
fail:
    spare_drop (a->spare);
    a->spare = NULL;
    return -1;
}
