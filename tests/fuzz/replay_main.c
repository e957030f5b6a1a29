/* replay_main.c: run a fuzz target without libFuzzer over files and directories (make check replays the corpora). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int replay_file (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        fprintf (stderr, "replay: %s: %s\n", path, strerror (errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc (cap);
    while (buf) {
        size_t got = fread (buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *p = realloc (buf, cap * 2);
        if (!p) {
            free (buf);
            buf = NULL;
            break;
        }
        buf = p;
        cap *= 2;
    }
    int bad = ferror (f) || !buf;
    fclose (f);
    if (bad) {
        free (buf);
        fprintf (stderr, "replay: %s: cannot read\n", path);
        return -1;
    }
    printf ("replay: %s (%zu bytes)\n", path, n);
    fflush (stdout);
    LLVMFuzzerTestOneInput (buf, n);
    free (buf);
    return 0;
}

static int cmp (const void *a, const void *b)
{
    return strcmp (*(char *const *)a, *(char *const *)b);
}

/* A directory is replayed file by file in name order, not recursively:
 * the corpora are flat. */
static int replay (const char *path)
{
    struct stat st;
    if (stat (path, &st) < 0) {
        fprintf (stderr, "replay: %s: %s\n", path, strerror (errno));
        return -1;
    }
    if (!S_ISDIR (st.st_mode))
        return replay_file (path);
    DIR *d = opendir (path);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir (d))) {
        if (e->d_name[0] == '.')
            continue;
        char **p = realloc (names, (n + 1) * sizeof (*names));
        if (!p)
            break;
        names = p;
        size_t len = strlen (path) + strlen (e->d_name) + 2;
        if (!(names[n] = malloc (len)))
            break;
        snprintf (names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir (d);
    qsort (names, n, sizeof (*names), cmp);
    for (size_t k = 0; k < n; k++) {
        struct stat s2;
        if (stat (names[k], &s2) == 0 && S_ISREG (s2.st_mode) && replay_file (names[k]) < 0)
            rc = -1;
        free (names[k]);
    }
    free (names);
    return rc;
}

int main (int argc, char **argv)
{
    int rc = 0;
    if (argc < 2) {
        fprintf (stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int k = 1; k < argc; k++) {
        if (replay (argv[k]) < 0)
            rc = 1;
    }
    return rc;
}
