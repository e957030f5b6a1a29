/* alloc_ompi.c: the ompi-server chore: the rendezvous server's contact in POOLDIR, and the command a worker job runs. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/alloc/alloc_int.h"

/* Write text to path through a temporary file and a rename. */
static int write_file (const char *path, const char *text, size_t n, mb_error_t *err)
{
    char tmp[PATH_MAX + 16];
    snprintf (tmp, sizeof (tmp), "%s.tmp", path);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return errprintf (err, "%s: %s", tmp, strerror (errno));
    ssize_t w = write (fd, text, n);
    int saved = errno;
    if (close (fd) < 0 || w != (ssize_t)n || rename (tmp, path) < 0) {
        if (w == (ssize_t)n)
            saved = errno;
        unlink (tmp);
        errno = saved ? saved : EIO;
        return errprintf (err, "%s: cannot write: %s", path, strerror (errno));
    }
    return 0;
}

int alloc_ompi_server (const char *pooldir, mb_error_t *err)
{
    char dst[PATH_MAX];
    if (snprintf (dst, sizeof (dst), "%s/ompi-server.uri", pooldir) >= (int)sizeof (dst)) {
        errno = ENAMETOOLONG;
        return errprintf (err, "%s: path too long", pooldir);
    }
    const char *v = getenv ("OMPI_MCA_pmix_server_uri");
    if (!v || !*v) {
        /* No server named: a contact file left by an earlier pool would
         * send worker jobs to a server that is gone. */
        if (unlink (dst) < 0 && errno != ENOENT)
            return errprintf (err, "%s: %s", dst, strerror (errno));
        return 0;
    }
    if (!strncmp (v, "file:", 5)) {
        const char *src = v + 5;
        char rs[PATH_MAX], rd[PATH_MAX];
        if (realpath (src, rs) && realpath (dst, rd) && !strcmp (rs, rd))
            return 1;   /* ompi-server -r POOLDIR/ompi-server.uri: already there */
        FILE *f = fopen (src, "r");
        if (!f)
            return errprintf (err, "%s (the ompi-server contact file mpirun names): %s", src,
                              strerror (errno));
        char buf[4096];
        size_t n = fread (buf, 1, sizeof (buf) - 1, f);
        int bad = ferror (f) || n == 0 || n == sizeof (buf) - 1;
        fclose (f);
        if (bad) {
            errno = EINVAL;
            return errprintf (err, "%s: not an ompi-server contact (empty or too long)", src);
        }
        return write_file (dst, buf, n, err) < 0 ? -1 : 1;
    }
    /* The URI itself ("4012376064.0;tcp://10.0.0.1:47863"). */
    size_t n = strlen (v);
    if (n > 4000) {
        errno = EINVAL;
        return errprintf (err, "OMPI_MCA_pmix_server_uri is too long");
    }
    char buf[4100];
    snprintf (buf, sizeof (buf), "%s\n", v);
    return write_file (dst, buf, n + 1, err) < 0 ? -1 : 1;
}

int alloc_worker_command (const char *pooldir, const char *mpibatch, int has_server, int n,
                          buf_t *out)
{
    int rc = buf_adds (out, "mpirun");
    if (has_server) {
        buf_t opt = { 0 };
        rc |= buf_printf (&opt, "file:%s/ompi-server.uri", pooldir);
        rc |= buf_adds (out, " --ompi-server ");
        rc |= opt.data ? alloc_shell_quote (out, opt.data) : -1;
        buf_free (&opt);
    }
    if (n > 0)
        rc |= buf_printf (out, " -n %d", n);
    rc |= buf_adds (out, " ");
    rc |= alloc_shell_quote (out, mpibatch ? mpibatch : "mpibatch");
    rc |= buf_adds (out, " worker ");
    rc |= alloc_shell_quote (out, pooldir);
    return rc ? -1 : 0;
}
