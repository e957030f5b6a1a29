/* test_stage.c: staging inputs and outputs with real files in temporary directories. */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/stage.h"

struct fx {
    char root[PATH_MAX];
    char storage[PATH_MAX];
    char wd[PATH_MAX];
    char mnt[4][PATH_MAX];   /* mounted during the test: unmounted at teardown */
    int nmnt;
};

static int setup (void **state)
{
    struct fx *f = calloc (1, sizeof (*f));
    assert_non_null (f);
    strcpy (f->root, "/tmp/test_stage.XXXXXX");
    assert_non_null (mkdtemp (f->root));
    snprintf (f->storage, sizeof (f->storage), "%s/storage", f->root);
    snprintf (f->wd, sizeof (f->wd), "%s/wd", f->root);
    assert_int_equal (mkdir (f->storage, 0755), 0);
    assert_int_equal (mkdir (f->wd, 0755), 0);
    *state = f;
    return 0;
}

static int teardown (void **state)
{
    struct fx *f = *state;
    for (int i = f->nmnt - 1; i >= 0; i--)
        umount2 (f->mnt[i], MNT_DETACH);
    stage_remove_tree (f->root);
    free (f);
    return 0;
}

/* Build "<dir>/<rel>" in a static ring of buffers (a few live at once). */
static const char *at (const char *dir, const char *rel)
{
    static char ring[8][PATH_MAX];
    static int next;
    char *b = ring[next++ % 8];
    if (snprintf (b, PATH_MAX, "%s/%s", dir, rel) >= PATH_MAX)
        fail_msg ("path too long: %s/%s", dir, rel);
    return b;
}

static void put (const char *path, const char *text)
{
    char dir[PATH_MAX];
    snprintf (dir, sizeof (dir), "%s", path);
    *strrchr (dir, '/') = '\0';
    assert_int_equal (stage_mkdirs (dir), 0);
    FILE *fp = fopen (path, "w");
    assert_non_null (fp);
    fputs (text, fp);
    assert_int_equal (fclose (fp), 0);
}

/* The file's content (static buffer), or NULL when it cannot be read. */
static const char *get (const char *path)
{
    static char buf[4096];
    FILE *fp = fopen (path, "r");
    if (!fp)
        return NULL;
    size_t n = fread (buf, 1, sizeof (buf) - 1, fp);
    buf[n] = '\0';
    fclose (fp);
    return buf;
}

static int exists (const char *path)
{
    struct stat sb;
    return lstat (path, &sb) == 0;
}

static int try_mount (struct fx *f, const char *dir, const char *opts, unsigned long flags)
{
    if (f->nmnt >= 4 || stage_mkdirs (dir) < 0)
        return -1;
    if (mount ("none", dir, "tmpfs", flags, opts) < 0)
        return -1;
    snprintf (f->mnt[f->nmnt++], PATH_MAX, "%s", dir);
    return 0;
}

static int in1 (struct fx *f, const char *source, const char *path, int method, int mode,
                stage_stats_t *st, mb_error_t *err)
{
    jobfile_input_t in = { (char *)source, (char *)path, method, mode };
    return stage_inputs (f->storage, f->wd, &in, 1, st, err);
}

static int out1 (struct fx *f, const char *pattern, const char *dest, int when,
                 int succeeded, stage_stats_t *st, mb_error_t *err)
{
    jobfile_output_t o = { (char *)pattern, (char *)dest, when };
    return stage_outputs (f->storage, f->wd, at (f->root, "state/outputs/t1/"), &o, 1,
                          succeeded, st, err);
}

/* --- inputs ------------------------------------------------------------ */

static void test_inputs_none (void **state)
{
    struct fx *f = *state;
    stage_stats_t st = { 7, 7 };
    mb_error_t err;
    assert_int_equal (stage_inputs (f->storage, f->wd, NULL, 0, &st, &err), 0);
    assert_int_equal (st.bytes, 0);
    assert_int_equal (st.files, 0);
    assert_int_equal (stage_outputs (f->storage, f->wd, NULL, NULL, 0, 1, &st, &err), 0);
}

static void test_input_file_copy (void **state)
{
    struct fx *f = *state;
    stage_stats_t st;
    mb_error_t err;
    struct stat sb;
    put (at (f->storage, "inputs/a.dat"), "hello\n");
    chmod (at (f->storage, "inputs/a.dat"), 0600);
    assert_int_equal (in1 (f, "inputs/a.dat", NULL, INPUT_COPY, -1, &st, &err), 0);
    assert_string_equal (get (at (f->wd, "a.dat")), "hello\n");
    assert_int_equal (stat (at (f->wd, "a.dat"), &sb), 0);
    assert_int_equal (sb.st_mode & 07777, 0600);
    assert_int_equal (st.bytes, 6);
    assert_int_equal (st.files, 1);

    /* A path with missing parents and an explicit mode; staged twice,
     * the second time replaces the first. */
    assert_int_equal (in1 (f, "inputs/a.dat", "x/y/b.dat", INPUT_COPY, 0751, &st, &err), 0);
    assert_int_equal (in1 (f, "inputs/a.dat", "x/y/b.dat", INPUT_COPY, 0751, &st, &err), 0);
    assert_int_equal (stat (at (f->wd, "x/y/b.dat"), &sb), 0);
    assert_int_equal (sb.st_mode & 07777, 0751);
    assert_string_equal (get (at (f->wd, "x/y/b.dat")), "hello\n");

    /* A path ending in '/' is a directory for the file. */
    assert_int_equal (in1 (f, "inputs/a.dat", "bin/", INPUT_COPY, -1, &st, &err), 0);
    assert_string_equal (get (at (f->wd, "bin/a.dat")), "hello\n");
}

static void test_input_file_link (void **state)
{
    struct fx *f = *state;
    stage_stats_t st;
    mb_error_t err;
    struct stat a, b;
    put (at (f->storage, "bin/sim"), "#!/bin/sh\n");
    chmod (at (f->storage, "bin/sim"), 0644);
    assert_int_equal (in1 (f, "bin/sim", NULL, INPUT_LINK, 0700, &st, &err), 0);
    assert_int_equal (stat (at (f->storage, "bin/sim"), &a), 0);
    assert_int_equal (stat (at (f->wd, "sim"), &b), 0);
    assert_int_equal (a.st_ino, b.st_ino);
    /* The shared inode keeps the storage's mode. */
    assert_int_equal (b.st_mode & 07777, 0644);
    assert_int_equal (st.bytes, 10);
    assert_int_equal (st.files, 1);
}

static void test_input_symlink (void **state)
{
    struct fx *f = *state;
    stage_stats_t st;
    mb_error_t err;
    char target[PATH_MAX], real[PATH_MAX];
    put (at (f->storage, "ref/genome.fa"), ">x\nACGT\n");
    assert_int_equal (in1 (f, "ref/genome.fa", "g.fa", INPUT_SYMLINK, 0600, &st, &err), 0);
    ssize_t n = readlink (at (f->wd, "g.fa"), target, sizeof (target) - 1);
    assert_true (n > 0);
    target[n] = '\0';
    assert_non_null (realpath (at (f->storage, "ref/genome.fa"), real));
    assert_string_equal (target, real);
    assert_int_equal (target[0], '/');
    assert_int_equal (st.bytes, 0);
    assert_int_equal (st.files, 1);
}

static void test_input_dir (void **state)
{
    struct fx *f = *state;
    stage_stats_t st;
    mb_error_t err;
    struct stat a, b;
    put (at (f->storage, "data/one.txt"), "1");
    put (at (f->storage, "data/sub/deep/two.txt"), "22");
    put (at (f->storage, "other/three.txt"), "333");
    assert_int_equal (symlink ("../../other/three.txt", at (f->storage, "data/sub/three")), 0);

    assert_int_equal (in1 (f, "data", NULL, INPUT_COPY, 0640, &st, &err), 0);
    assert_string_equal (get (at (f->wd, "data/one.txt")), "1");
    assert_string_equal (get (at (f->wd, "data/sub/deep/two.txt")), "22");
    /* The inner symlink became a copy of its target. */
    assert_int_equal (lstat (at (f->wd, "data/sub/three"), &a), 0);
    assert_true (S_ISREG (a.st_mode));
    assert_int_equal (a.st_mode & 07777, 0640);
    assert_string_equal (get (at (f->wd, "data/sub/three")), "333");
    assert_int_equal (st.files, 3);
    assert_int_equal (st.bytes, 6);

    /* Linked whole: every file shares its inode. */
    assert_int_equal (in1 (f, "data/", "linked", INPUT_LINK, -1, &st, &err), 0);
    assert_int_equal (stat (at (f->storage, "data/sub/deep/two.txt"), &a), 0);
    assert_int_equal (stat (at (f->wd, "linked/sub/deep/two.txt"), &b), 0);
    assert_int_equal (a.st_ino, b.st_ino);

    /* A symlink inside the directory leading out of storage fails it. */
    assert_int_equal (symlink ("/etc/passwd", at (f->storage, "data/sub/pw")), 0);
    assert_int_equal (in1 (f, "data", "again", INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input outside storage: data/sub/pw");
    assert_false (exists (at (f->wd, "again/sub/pw")));
    unlink (at (f->storage, "data/sub/pw"));

    /* A symlink back to an ancestor is a loop, refused. */
    assert_int_equal (symlink ("..", at (f->storage, "data/sub/up")), 0);
    assert_int_equal (in1 (f, "data", "loop", INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input symlink loop: data/sub/up");
}

static void test_input_glob (void **state)
{
    struct fx *f = *state;
    stage_stats_t st;
    mb_error_t err;
    put (at (f->storage, "in/x1.dat"), "a");
    put (at (f->storage, "in/x2.dat"), "bb");
    put (at (f->storage, "in/y.txt"), "c");
    put (at (f->storage, "in/xdir.dat/inner"), "d");
    assert_int_equal (in1 (f, "in/x?.dat", "g", INPUT_COPY, -1, &st, &err), 0);
    assert_string_equal (get (at (f->wd, "g/x1.dat")), "a");
    assert_string_equal (get (at (f->wd, "g/x2.dat")), "bb");
    assert_false (exists (at (f->wd, "g/y.txt")));
    assert_int_equal (st.files, 2);
    assert_int_equal (st.bytes, 3);

    /* Default: straight into the working directory; a matched directory
     * comes whole. */
    assert_int_equal (in1 (f, "in/x*.dat", NULL, INPUT_SYMLINK, -1, &st, &err), 0);
    char target[PATH_MAX];
    assert_true (readlink (at (f->wd, "x1.dat"), target, sizeof (target)) > 0);
    assert_true (readlink (at (f->wd, "xdir.dat"), target, sizeof (target)) > 0);
    assert_int_equal (in1 (f, "in/[!y]*", "c", INPUT_COPY, -1, &st, &err), 0);
    assert_string_equal (get (at (f->wd, "c/xdir.dat/inner")), "d");
    assert_false (exists (at (f->wd, "c/y.txt")));

    assert_int_equal (in1 (f, "in/*.none", NULL, INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input missing: in/*.none");
    assert_int_equal (in1 (f, "nodir/*.dat", NULL, INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input missing: nodir/*.dat");
}

static void test_input_missing (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    jobfile_input_t in[2] = {
        { "a.dat", NULL, INPUT_COPY, -1 },
        { "inputs/nope.dat", NULL, INPUT_COPY, -1 },
    };
    put (at (f->storage, "a.dat"), "a");
    assert_int_equal (stage_inputs (f->storage, f->wd, in, 2, &st, &err), -1);
    assert_string_equal (err.text, "input missing: inputs/nope.dat");
    assert_int_equal (stage_inputs (at (f->root, "nostorage"), f->wd, in, 1, &st, &err), -1);
    assert_non_null (strstr (err.text, "storage not available"));
}

static void test_input_outside (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    put (at (f->root, "secret/key"), "k");
    put (at (f->storage, "ok.dat"), "o");
    assert_int_equal (symlink (at (f->root, "secret"), at (f->storage, "evil")), 0);
    assert_int_equal (symlink (at (f->root, "secret/key"), at (f->storage, "key")), 0);
    assert_int_equal (in1 (f, "evil/key", NULL, INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input outside storage: evil/key");
    assert_int_equal (in1 (f, "key", NULL, INPUT_LINK, -1, &st, &err), -1);
    assert_string_equal (err.text, "input outside storage: key");
    assert_int_equal (in1 (f, "evil", NULL, INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input outside storage: evil");
    assert_false (exists (at (f->wd, "key")));
    assert_false (exists (at (f->wd, "evil")));

    assert_int_equal (in1 (f, "../secret/key", NULL, INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input outside storage: ../secret/key");
    assert_int_equal (in1 (f, "/etc/passwd", NULL, INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input outside storage: /etc/passwd");

    assert_int_equal (in1 (f, "ok.dat", "../x", INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input path outside the working directory: ../x");
    assert_int_equal (in1 (f, "ok.dat", "a/../../x", INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input path outside the working directory: a/../../x");
    assert_int_equal (in1 (f, "ok.dat", "/tmp/x", INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input path outside the working directory: /tmp/x");
    assert_false (exists (at (f->root, "x")));

    /* A symlink already in the working directory does not lead out. */
    assert_int_equal (symlink (at (f->root, "secret"), at (f->wd, "out")), 0);
    assert_int_equal (in1 (f, "ok.dat", "out/ok.dat", INPUT_COPY, -1, &st, &err), -1);
    assert_string_equal (err.text, "input path outside the working directory: out/ok.dat");
    assert_int_equal (symlink (at (f->root, "secret/key"), at (f->wd, "ok.dat")), 0);
    assert_int_equal (in1 (f, "ok.dat", NULL, INPUT_COPY, -1, &st, &err), 0);
    assert_string_equal (get (at (f->root, "secret/key")), "k");
    assert_string_equal (get (at (f->wd, "ok.dat")), "o");
    assert_false (exists (at (f->root, "secret/ok.dat")));
}

static void test_input_big (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    char cmd[3 * PATH_MAX];
    snprintf (cmd, sizeof (cmd), "head -c 200M /dev/urandom > %s",
              at (f->storage, "big.bin"));
    assert_int_equal (system (cmd), 0);
    assert_int_equal (in1 (f, "big.bin", NULL, INPUT_COPY, -1, &st, &err), 0);
    assert_int_equal (st.bytes, 200 << 20);
    snprintf (cmd, sizeof (cmd), "cmp -s %s %s", at (f->storage, "big.bin"),
              at (f->wd, "big.bin"));
    assert_int_equal (system (cmd), 0);
}

static void test_input_sparse (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    struct stat sb;
    char block[4096];
    memset (block, 'x', sizeof (block));
    int fd = open (at (f->storage, "sparse.bin"), O_WRONLY | O_CREAT, 0644);
    assert_true (fd >= 0);
    assert_int_equal (ftruncate (fd, 100 << 20), 0);
    assert_int_equal (pwrite (fd, block, sizeof (block), 50 << 20), sizeof (block));
    close (fd);
    assert_int_equal (in1 (f, "sparse.bin", NULL, INPUT_COPY, -1, &st, &err), 0);
    assert_int_equal (stat (at (f->wd, "sparse.bin"), &sb), 0);
    assert_int_equal (sb.st_size, 100 << 20);
    assert_true (sb.st_blocks * 512 < (1 << 20));
    char cmd[3 * PATH_MAX];
    snprintf (cmd, sizeof (cmd), "cmp -s %s %s", at (f->storage, "sparse.bin"),
              at (f->wd, "sparse.bin"));
    assert_int_equal (system (cmd), 0);

    /* stage_copy_file does the same, with its mode. */
    assert_int_equal (stage_copy_file (at (f->storage, "sparse.bin"), at (f->wd, "s2"), 0600),
                      100 << 20);
    assert_int_equal (stat (at (f->wd, "s2"), &sb), 0);
    assert_true (sb.st_blocks * 512 < (1 << 20));
    assert_int_equal (sb.st_mode & 07777, 0600);
    assert_int_equal (stage_copy_file (at (f->storage, "none"), at (f->wd, "s3"), -1), -1);
    assert_int_equal (errno, ENOENT);
}

static void test_input_link_cross_fs (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    struct stat b;
    char other[PATH_MAX];
    /* Storage on another filesystem than the working directory. */
    if (snprintf (other, sizeof (other), "%s/mnt", f->root) >= (int)sizeof (other))
        fail ();
    if (try_mount (f, other, "size=16m", 0) < 0) {
        snprintf (other, sizeof (other), "/dev/shm/test_stage.XXXXXX");
        struct stat sa, sb2;
        if (!mkdtemp (other) || stat (other, &sa) < 0 || stat (f->wd, &sb2) < 0
            || sa.st_dev == sb2.st_dev) {
            if (other[0])
                rmdir (other);
            print_message ("skipped: no second filesystem (mount failed: %s)\n",
                           strerror (errno));
            skip ();
        }
    }
    put (at (other, "in/w.dat"), "weights");
    chmod (at (other, "in/w.dat"), 0644);
    jobfile_input_t in = { "in/w.dat", NULL, INPUT_LINK, 0600 };
    int rc = stage_inputs (other, f->wd, &in, 1, &st, &err);
    if (strncmp (other, "/dev/shm/", 9) == 0)
        stage_remove_tree (other);
    assert_int_equal (rc, 0);
    assert_int_equal (stat (at (f->wd, "w.dat"), &b), 0);
    assert_string_equal (get (at (f->wd, "w.dat")), "weights");
    /* Fell back to a copy: a new inode, with the asked-for mode. */
    assert_int_equal (b.st_nlink, 1);
    assert_int_equal (b.st_mode & 07777, 0600);
    assert_int_equal (st.bytes, 7);
}

/* --- outputs ----------------------------------------------------------- */

static void make_results (struct fx *f)
{
    put (at (f->wd, "a.h5"), "A");
    put (at (f->wd, "b.h5"), "B");
    put (at (f->wd, "c.txt"), "C");
    put (at (f->wd, "q1.log"), "1");
    put (at (f->wd, "q2.log"), "2");
    put (at (f->wd, "q10.log"), "q");
    put (at (f->wd, "res/x.h5"), "X");
    put (at (f->wd, "res/d/e/y.h5"), "Y");
    put (at (f->wd, "res/d/e/y.txt"), "y");
}

static void test_output_patterns (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    make_results (f);
    assert_int_equal (out1 (f, "*.h5", "o1/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_string_equal (get (at (f->storage, "o1/a.h5")), "A");
    assert_string_equal (get (at (f->storage, "o1/b.h5")), "B");
    assert_false (exists (at (f->storage, "o1/c.txt")));
    assert_false (exists (at (f->storage, "o1/x.h5")));
    assert_int_equal (st.files, 2);
    assert_int_equal (st.bytes, 2);

    assert_int_equal (out1 (f, "q?.log", "o2/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_true (exists (at (f->storage, "o2/q1.log")));
    assert_true (exists (at (f->storage, "o2/q2.log")));
    assert_false (exists (at (f->storage, "o2/q10.log")));

    assert_int_equal (out1 (f, "q[!0-1q].log", "o3/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_int_equal (st.files, 1);
    assert_true (exists (at (f->storage, "o3/q2.log")));
    assert_int_equal (out1 (f, "[ac].*", "o4/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_int_equal (st.files, 2);
    assert_true (exists (at (f->storage, "o4/a.h5")));
    assert_true (exists (at (f->storage, "o4/c.txt")));

    /* `**`: any depth; paths are kept below the fixed prefix. */
    assert_int_equal (out1 (f, "**/*.h5", "deep/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_int_equal (st.files, 4);
    assert_string_equal (get (at (f->storage, "deep/res/d/e/y.h5")), "Y");
    assert_string_equal (get (at (f->storage, "deep/a.h5")), "A");
    assert_int_equal (out1 (f, "res/**/*.h5", "r/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_int_equal (st.files, 2);
    assert_string_equal (get (at (f->storage, "r/x.h5")), "X");
    assert_string_equal (get (at (f->storage, "r/d/e/y.h5")), "Y");
    assert_false (exists (at (f->storage, "r/d/e/y.txt")));
    assert_int_equal (out1 (f, "res/d/e/y.txt", "r/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_string_equal (get (at (f->storage, "r/y.txt")), "y");
}

static void test_output_single (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    make_results (f);
    assert_int_equal (out1 (f, "a.h5", "results/1/0.5.h5", OUTPUT_SUCCESS, 1, &st, &err), 0);
    assert_string_equal (get (at (f->storage, "results/1/0.5.h5")), "A");
    assert_int_equal (out1 (f, "res/*.h5", "one.h5", OUTPUT_SUCCESS, 1, &st, &err), 0);
    assert_string_equal (get (at (f->storage, "one.h5")), "X");

    assert_int_equal (out1 (f, "*.h5", "two.h5", OUTPUT_SUCCESS, 1, &st, &err), -1);
    assert_string_equal (err.text, "output pattern matched 2 files for single-file"
                         " destination two.h5: *.h5");
    assert_false (exists (at (f->storage, "two.h5")));
    assert_int_equal (out1 (f, "*.none", "zero.h5", OUTPUT_SUCCESS, 1, &st, &err), -1);
    assert_string_equal (err.text, "output pattern matched 0 files for single-file"
                         " destination zero.h5: *.none");

    /* Directory destinations: nothing matched by a glob is fine, a
     * missing plain file is not. */
    assert_int_equal (out1 (f, "*.none", "e/", OUTPUT_SUCCESS, 1, &st, &err), 0);
    assert_int_equal (st.files, 0);
    assert_int_equal (out1 (f, "out.h5", "e/", OUTPUT_SUCCESS, 1, &st, &err), -1);
    assert_string_equal (err.text, "output missing: out.h5");

    assert_int_equal (out1 (f, "../x", "e/", OUTPUT_SUCCESS, 1, &st, &err), -1);
    assert_string_equal (err.text, "output pattern outside the working directory: ../x");
    assert_int_equal (out1 (f, "a.h5", "../e/", OUTPUT_SUCCESS, 1, &st, &err), -1);
    assert_string_equal (err.text, "output destination outside storage: ../e/");
    assert_int_equal (out1 (f, "a.h5", "/tmp/e.h5", OUTPUT_SUCCESS, 1, &st, &err), -1);
    assert_string_equal (err.text, "output destination outside storage: /tmp/e.h5");
}

static void test_output_when (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    jobfile_output_t o[3] = {
        { "a.h5", "s/", OUTPUT_SUCCESS },
        { "b.h5", "f/", OUTPUT_FAILURE },
        { "c.txt", "c/", OUTPUT_COMPLETION },
    };
    make_results (f);
    const char *dd = at (f->root, "state/outputs/t1/");
    assert_int_equal (stage_outputs (f->storage, f->wd, dd, o, 3, 1, &st, &err), 0);
    assert_int_equal (st.files, 2);
    assert_true (exists (at (f->storage, "s/a.h5")));
    assert_false (exists (at (f->storage, "f/b.h5")));
    assert_true (exists (at (f->storage, "c/c.txt")));
    stage_remove_tree (at (f->storage, "c"));
    assert_int_equal (stage_outputs (f->storage, f->wd, dd, o, 3, 0, &st, &err), 0);
    assert_int_equal (st.files, 2);
    assert_true (exists (at (f->storage, "f/b.h5")));
    assert_true (exists (at (f->storage, "c/c.txt")));
    /* Nothing wanted: nothing looked at, not even a missing file. */
    jobfile_output_t miss = { "nope.h5", "s/", OUTPUT_SUCCESS };
    assert_int_equal (stage_outputs (f->storage, f->wd, dd, &miss, 1, 0, &st, &err), 0);
    assert_int_equal (stage_outputs (f->storage, f->wd, dd, &miss, 1, 1, &st, &err), -1);
}

static void test_output_default (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    make_results (f);
    assert_int_equal (out1 (f, "res/**", NULL, OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_int_equal (st.files, 3);
    assert_string_equal (get (at (f->root, "state/outputs/t1/x.h5")), "X");
    assert_string_equal (get (at (f->root, "state/outputs/t1/d/e/y.txt")), "y");
}

static void test_output_symlinks (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    put (at (f->wd, "good.txt"), "good");
    put (at (f->wd, "sub/inner.txt"), "inner");
    assert_int_equal (symlink ("sub/inner.txt", at (f->wd, "alias.txt")), 0);
    assert_int_equal (out1 (f, "*.txt", "ok/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    /* A symlink staying inside is published as the file it names. */
    struct stat sb;
    assert_int_equal (lstat (at (f->storage, "ok/alias.txt"), &sb), 0);
    assert_true (S_ISREG (sb.st_mode));
    assert_string_equal (get (at (f->storage, "ok/alias.txt")), "inner");

    assert_int_equal (symlink ("/etc/passwd", at (f->wd, "evil")), 0);
    assert_int_equal (out1 (f, "*", "o/", OUTPUT_COMPLETION, 1, &st, &err), -1);
    assert_string_equal (err.text, "output outside the working directory: evil");
    assert_false (exists (at (f->storage, "o")));
    unlink (at (f->wd, "evil"));

    /* A symlinked directory is never entered. */
    assert_int_equal (symlink ("/etc", at (f->wd, "d")), 0);
    assert_int_equal (out1 (f, "d/**", "o/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_int_equal (st.files, 0);
    assert_int_equal (out1 (f, "**", "all/", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_int_equal (st.files, 3);
    assert_false (exists (at (f->storage, "all/d")));
    assert_false (exists (at (f->storage, "o/passwd")));
    assert_int_equal (out1 (f, "d/passwd", "p/", OUTPUT_COMPLETION, 1, &st, &err), -1);
    assert_string_equal (err.text, "output missing: d/passwd");

    /* A storage symlink leading out is refused as a destination. */
    put (at (f->root, "elsewhere/keep"), "k");
    assert_int_equal (symlink (at (f->root, "elsewhere"), at (f->storage, "link")), 0);
    assert_int_equal (out1 (f, "good.txt", "link/g.txt", OUTPUT_COMPLETION, 1, &st, &err), -1);
    assert_string_equal (err.text, "output destination outside storage: link/g.txt");
    assert_int_equal (out1 (f, "good.txt", "link/new/", OUTPUT_COMPLETION, 1, &st, &err), -1);
    assert_string_equal (err.text, "output destination outside storage: link/new/");
    assert_false (exists (at (f->root, "elsewhere/g.txt")));
    assert_false (exists (at (f->root, "elsewhere/new")));
}

/* Names in dir starting with prefix. */
static int count_prefixed (const char *dir, const char *prefix)
{
    char cmd[2 * PATH_MAX];
    snprintf (cmd, sizeof (cmd), "ls -A '%s' | grep -c '^%s' > /dev/null", dir, prefix);
    return system (cmd) == 0;
}

static void test_output_atomic (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    struct stat sb;
    put (at (f->wd, "r.txt"), "one");
    assert_int_equal (out1 (f, "r.txt", "res/r.txt", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_int_equal (stat (at (f->storage, "res/r.txt"), &sb), 0);
    ino_t first = sb.st_ino;
    put (at (f->wd, "r.txt"), "two, longer");
    assert_int_equal (out1 (f, "r.txt", "res/r.txt", OUTPUT_COMPLETION, 1, &st, &err), 0);
    assert_string_equal (get (at (f->storage, "res/r.txt")), "two, longer");
    assert_int_equal (stat (at (f->storage, "res/r.txt"), &sb), 0);
    /* Renamed into place: a new inode, not the old one rewritten. */
    assert_true (sb.st_ino != first);
    assert_false (count_prefixed (at (f->storage, "res"), ".r.txt.mpibatch-tmp"));
}

static void test_output_write_errors (void **state)
{
    struct fx *f = *state;
    mb_error_t err;
    stage_stats_t st;
    char buf[64 << 10];
    memset (buf, 'z', sizeof (buf));
    int fd = open (at (f->wd, "big.dat"), O_WRONLY | O_CREAT, 0644);
    assert_true (fd >= 0);
    for (int i = 0; i < 16; i++)
        assert_int_equal (write (fd, buf, sizeof (buf)), sizeof (buf));
    close (fd);

    if (try_mount (f, at (f->storage, "full"), "size=256k", 0) == 0) {
        assert_int_equal (out1 (f, "big.dat", "full/", OUTPUT_COMPLETION, 1, &st, &err), -1);
        assert_string_equal (err.text, "output upload failed: No space left on device");
        assert_false (exists (at (f->storage, "full/big.dat")));
        assert_false (count_prefixed (at (f->storage, "full"), ".big.dat"));
    }
    else
        print_message ("skipped no-space case: cannot mount tmpfs: %s\n", strerror (errno));

    if (try_mount (f, at (f->storage, "ro"), "size=1m", MS_RDONLY) == 0) {
        assert_int_equal (out1 (f, "big.dat", "ro/", OUTPUT_COMPLETION, 1, &st, &err), -1);
        assert_string_equal (err.text, "output upload failed: Read-only file system");
        assert_false (exists (at (f->storage, "ro/big.dat")));
    }
    else if (geteuid () != 0) {
        assert_int_equal (stage_mkdirs (at (f->storage, "ro")), 0);
        chmod (at (f->storage, "ro"), 0555);
        assert_int_equal (out1 (f, "big.dat", "ro/", OUTPUT_COMPLETION, 1, &st, &err), -1);
        assert_string_equal (err.text, "output upload failed: Permission denied");
        assert_false (exists (at (f->storage, "ro/big.dat")));
        chmod (at (f->storage, "ro"), 0755);
    }
    else
        print_message ("skipped read-only case: cannot mount tmpfs: %s\n", strerror (errno));

    /* A destination name that is a directory. */
    assert_int_equal (stage_mkdirs (at (f->storage, "isdir/big.dat")), 0);
    assert_int_equal (out1 (f, "big.dat", "isdir/", OUTPUT_COMPLETION, 1, &st, &err), -1);
    assert_non_null (strstr (err.text, "output upload failed: "));
    assert_false (count_prefixed (at (f->storage, "isdir"), ".big.dat"));
}

static void test_remove_tree (void **state)
{
    struct fx *f = *state;
    put (at (f->root, "keep/precious"), "p");
    put (at (f->wd, "t/a/b/c"), "c");
    put (at (f->wd, "t/x"), "x");
    assert_int_equal (symlink (at (f->root, "keep"), at (f->wd, "t/a/link")), 0);
    assert_int_equal (stage_remove_tree (at (f->wd, "t")), 0);
    assert_false (exists (at (f->wd, "t")));
    assert_string_equal (get (at (f->root, "keep/precious")), "p");
    assert_int_equal (stage_remove_tree (at (f->wd, "t")), 0);
    put (at (f->wd, "plain"), "p");
    assert_int_equal (stage_remove_tree (at (f->wd, "plain")), 0);
    assert_false (exists (at (f->wd, "plain")));
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_inputs_none, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_file_copy, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_file_link, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_dir, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_glob, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_missing, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_outside, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_big, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_sparse, setup, teardown),
        cmocka_unit_test_setup_teardown (test_input_link_cross_fs, setup, teardown),
        cmocka_unit_test_setup_teardown (test_output_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown (test_output_single, setup, teardown),
        cmocka_unit_test_setup_teardown (test_output_when, setup, teardown),
        cmocka_unit_test_setup_teardown (test_output_default, setup, teardown),
        cmocka_unit_test_setup_teardown (test_output_symlinks, setup, teardown),
        cmocka_unit_test_setup_teardown (test_output_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown (test_output_write_errors, setup, teardown),
        cmocka_unit_test_setup_teardown (test_remove_tree, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
