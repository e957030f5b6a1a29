/* test_topo.c: a worker's share of its node, on synthetic hwloc topologies and XML files. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/node/topo.h"

/* The XML corpus: tests/data/topo/ and tests/data/gpu4.xml. */
static char data_dir[4096];

/* Load a fake machine the way a worker does: MPIBATCH_TOPOLOGY names a
 * synthetic description or an XML file. */
static topo_t *load (const char *spec)
{
    char path[8192];
    if (strstr (spec, ".xml")) {
        snprintf (path, sizeof (path), "%s/%s", data_dir, spec);
        spec = path;
    }
    setenv ("MPIBATCH_TOPOLOGY", spec, 1);
    mb_error_t err = { "" };
    topo_t *t = topo_load (&err);
    if (!t)
        fprintf (stderr, "topo_load %s: %s\n", spec, err.text);
    assert_non_null (t);
    assert_int_equal (topo_is_fake (t), 1);
    return t;
}

/* Slot i's PUs as "a,b,c" (the form MPIBATCH_TASK_CPUS takes). */
static char slot_text[4096];
static const char *slot (const topo_share_t *s, int i)
{
    assert_true (i >= 0 && i < s->nslots);
    char *p = topo_list_plain (s->pus + s->pu_off[i], s->pu_off[i + 1] - s->pu_off[i]);
    assert_non_null (p);
    snprintf (slot_text, sizeof (slot_text), "%s", p);
    free (p);
    return slot_text;
}

static void share (const topo_t *t, int k, int m, int kind, int nslots, int bind, topo_share_t *s)
{
    mb_error_t err = { "" };
    int rc = topo_share (t, k, m, kind, nslots, bind, s, &err);
    if (rc < 0)
        fprintf (stderr, "topo_share %d/%d: %s\n", k, m, err.text);
    assert_int_equal (rc, 0);
}

static void gpus (const topo_t *t, int k, int m, int per, topo_share_t *s)
{
    mb_error_t err = { "" };
    assert_int_equal (topo_share_gpus (t, k, m, per, s, &err), 0);
}

/* pack:2 numa:2 core:4 pu:2: 2 packages, 4 NUMA nodes of 4 cores each,
 * 16 cores, 32 PUs numbered in order (core c has PUs 2c and 2c+1), 2e9
 * bytes per NUMA node. */
#define SYN "pack:2 numa:2(memory=2GB) core:4 pu:2"

static void test_counts (void **state)
{
    (void)state;
    topo_t *t = load (SYN);
    assert_int_equal (topo_npackages (t), 2);
    assert_int_equal (topo_nnuma (t), 4);
    assert_int_equal (topo_ncores (t), 16);
    assert_int_equal (topo_npus (t), 32);
    assert_true (topo_memory (t) == 8000000000LL);
    assert_int_equal (topo_ngpus (t), 0);
    /* 8e9 bytes = 7.45 GiB */
    assert_string_equal (topo_summary (t),
                         "2 packages, 4 NUMA nodes, 16 cores, 32 PUs, 0 GPUs, 7.5 GiB (simulated)");
    topo_destroy (t);

    /* No package, no core objects: the PUs stand in for cores. */
    t = load ("numa:1 pu:6");
    assert_int_equal (topo_npackages (t), 1);
    assert_int_equal (topo_nnuma (t), 1);
    assert_int_equal (topo_ncores (t), 6);
    assert_int_equal (topo_npus (t), 6);
    topo_destroy (t);

    t = load ("topo/smt-2pkg.xml");
    assert_int_equal (topo_npackages (t), 2);
    assert_int_equal (topo_nnuma (t), 2);
    assert_int_equal (topo_ncores (t), 8);
    assert_int_equal (topo_npus (t), 16);
    assert_true (topo_memory (t) == 16000000000LL);
    topo_destroy (t);
    topo_destroy (NULL);
}

/* One worker on the node takes every core: a slot per core, bound to
 * both its PUs. */
static void test_one_worker (void **state)
{
    (void)state;
    topo_t *t = load (SYN);
    topo_share_t s;
    share (t, 0, 1, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_int_equal (s.nslots, 16);
    assert_int_equal (s.ncores, 16);
    assert_int_equal (s.npus, 32);
    assert_string_equal (s.cpus, "0-31");
    assert_true (s.memory == 8000000000LL);
    for (int i = 0; i < 16; i++) {
        char want[32];
        snprintf (want, sizeof (want), "%d,%d", 2 * i, 2 * i + 1);
        assert_string_equal (slot (&s, i), want);
        assert_int_equal (s.numa[i], i / 4);
        assert_int_equal (s.pkg[i], i / 8);
    }
    assert_int_equal (s.nnode_pus, 32);
    for (int i = 0; i < 32; i++)
        assert_int_equal (s.node_pus[i], i);
    topo_share_free (&s);

    /* Bound to one PU per core (SMT off): the first PU of each core. */
    share (t, 0, 1, TOPO_SLOTS_CORES, 0, TOPO_BIND_PU, &s);
    assert_int_equal (s.nslots, 16);
    assert_int_equal (s.npus, 32);
    assert_string_equal (s.cpus, "0-31");
    for (int i = 0; i < 16; i++) {
        char want[32];
        snprintf (want, sizeof (want), "%d", 2 * i);
        assert_string_equal (slot (&s, i), want);
    }
    assert_int_equal (s.pu_off[16], 16);
    topo_share_free (&s);

    /* A slot per PU (slots_per_worker = "pus"). */
    share (t, 0, 1, TOPO_SLOTS_PUS, 0, TOPO_BIND_CORE, &s);
    assert_int_equal (s.nslots, 32);
    assert_int_equal (s.ncores, 16);
    for (int i = 0; i < 32; i++) {
        char want[32];
        snprintf (want, sizeof (want), "%d", i);
        assert_string_equal (slot (&s, i), want);
        assert_int_equal (s.numa[i], i / 8);
        assert_int_equal (s.pkg[i], i / 16);
    }
    topo_share_free (&s);
    topo_share_free (&s);   /* freed shares are zeroed: twice is harmless */
    topo_share_free (NULL);
    topo_destroy (t);
}

/* Several workers per node: even blocks of cores in topology order, so
 * four workers get a NUMA node each and two a package each. */
static void test_split_even (void **state)
{
    (void)state;
    topo_t *t = load (SYN);
    topo_share_t s;
    for (int k = 0; k < 4; k++) {
        share (t, k, 4, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
        char want[32];
        snprintf (want, sizeof (want), "%d-%d", 8 * k, 8 * k + 7);
        assert_string_equal (s.cpus, want);
        assert_int_equal (s.nslots, 4);
        assert_int_equal (s.ncores, 4);
        assert_int_equal (s.npus, 8);
        assert_true (s.memory == 2000000000LL);
        for (int i = 0; i < 4; i++) {
            assert_int_equal (s.numa[i], k);
            assert_int_equal (s.pkg[i], k / 2);
        }
        snprintf (want, sizeof (want), "%d,%d", 8 * k, 8 * k + 1);
        assert_string_equal (slot (&s, 0), want);
        /* An unbound task may still use the whole node. */
        assert_int_equal (s.nnode_pus, 32);
        topo_share_free (&s);
    }
    share (t, 1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "16-31");
    assert_int_equal (s.nslots, 8);
    assert_true (s.memory == 4000000000LL);
    int numa[8] = { 2, 2, 2, 2, 3, 3, 3, 3 };
    for (int i = 0; i < 8; i++) {
        assert_int_equal (s.numa[i], numa[i]);
        assert_int_equal (s.pkg[i], 1);
    }
    assert_string_equal (slot (&s, 7), "30,31");
    topo_share_free (&s);
    topo_destroy (t);
}

/* Three workers on 16 cores: blocks of 5, 5 and 6 (k*16/3 rounded down:
 * 0, 5, 10, 16), straddling NUMA nodes where the blocks do. */
static void test_split_odd (void **state)
{
    (void)state;
    topo_t *t = load (SYN);
    topo_share_t s;
    const char *cpus[3] = { "0-9", "10-19", "20-31" };
    int ncores[3] = { 5, 5, 6 };
    for (int k = 0; k < 3; k++) {
        share (t, k, 3, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
        assert_string_equal (s.cpus, cpus[k]);
        assert_int_equal (s.nslots, ncores[k]);
        assert_int_equal (s.ncores, ncores[k]);
        assert_int_equal (s.npus, 2 * ncores[k]);
        assert_true (s.memory == 2666666666LL);
        if (k == 1) {
            /* cores 5..9: NUMA 1 (cores 4-7), then NUMA 2 (cores 8-11) */
            int numa[5] = { 1, 1, 1, 2, 2 }, pkg[5] = { 0, 0, 0, 1, 1 };
            for (int i = 0; i < 5; i++) {
                assert_int_equal (s.numa[i], numa[i]);
                assert_int_equal (s.pkg[i], pkg[i]);
            }
            assert_string_equal (slot (&s, 0), "10,11");
            assert_string_equal (slot (&s, 4), "18,19");
        }
        topo_share_free (&s);
    }
    topo_destroy (t);
}

/* More workers than cores (an oversubscribed mpirun): each gets one core,
 * neighbours sharing. */
static void test_more_workers_than_cores (void **state)
{
    (void)state;
    topo_t *t = load (SYN);
    topo_share_t s;
    /* m = 20 over 16 cores: worker k starts at core k*16/20. */
    int core[20] = { 0, 0, 1, 2, 3, 4, 4, 5, 6, 7, 8, 8, 9, 10, 11, 12, 12, 13, 14, 15 };
    for (int k = 0; k < 20; k++) {
        share (t, k, 20, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
        char want[32];
        snprintf (want, sizeof (want), "%d-%d", 2 * core[k], 2 * core[k] + 1);
        assert_string_equal (s.cpus, want);
        assert_int_equal (s.nslots, 1);
        assert_int_equal (s.ncores, 1);
        assert_true (s.memory == 400000000LL);
        topo_share_free (&s);
    }
    /* A machine of 6 PUs without cores, 8 workers. */
    topo_destroy (t);
    t = load ("numa:1 pu:6");
    share (t, 7, 8, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "5");
    topo_share_free (&s);
    share (t, 1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "3-5");
    assert_int_equal (s.nslots, 3);
    assert_string_equal (slot (&s, 0), "3");
    assert_string_equal (slot (&s, 2), "5");
    topo_share_free (&s);
    topo_destroy (t);
}

/* slots_per_worker = N: N slots cut as even blocks of the share's cores,
 * several slots to a core when N exceeds the cores. */
static void test_slots_number (void **state)
{
    (void)state;
    topo_t *t = load (SYN);
    topo_share_t s;
    share (t, 0, 1, TOPO_SLOTS_NUMBER, 4, TOPO_BIND_CORE, &s);
    assert_int_equal (s.nslots, 4);
    assert_int_equal (s.ncores, 16);
    assert_string_equal (slot (&s, 0), "0,1,2,3,4,5,6,7");
    assert_string_equal (slot (&s, 3), "24,25,26,27,28,29,30,31");
    for (int i = 0; i < 4; i++)
        assert_int_equal (s.numa[i], i);
    topo_share_free (&s);

    /* 3 slots on 16 cores: 5, 5, 6 cores. */
    share (t, 0, 1, TOPO_SLOTS_NUMBER, 3, TOPO_BIND_PU, &s);
    assert_string_equal (slot (&s, 0), "0,2,4,6,8");
    assert_string_equal (slot (&s, 1), "10,12,14,16,18");
    assert_string_equal (slot (&s, 2), "20,22,24,26,28,30");
    topo_share_free (&s);

    /* 40 slots on 16 cores: slot i on core i*16/40. */
    share (t, 0, 1, TOPO_SLOTS_NUMBER, 40, TOPO_BIND_CORE, &s);
    assert_int_equal (s.nslots, 40);
    for (int i = 0; i < 40; i++) {
        int c = i * 16 / 40;
        char want[32];
        snprintf (want, sizeof (want), "%d,%d", 2 * c, 2 * c + 1);
        assert_string_equal (slot (&s, i), want);
        assert_int_equal (s.numa[i], c / 4);
    }
    topo_share_free (&s);

    /* The second of two workers, 2 slots: its 8 cores halved. */
    share (t, 1, 2, TOPO_SLOTS_NUMBER, 2, TOPO_BIND_CORE, &s);
    assert_string_equal (slot (&s, 0), "16,17,18,19,20,21,22,23");
    assert_string_equal (slot (&s, 1), "24,25,26,27,28,29,30,31");
    assert_int_equal (s.pkg[0], 1);
    assert_int_equal (s.numa[0], 2);
    assert_int_equal (s.numa[1], 3);
    topo_share_free (&s);
    topo_destroy (t);
}

static void test_share_errors (void **state)
{
    (void)state;
    topo_t *t = load (SYN);
    topo_share_t s;
    mb_error_t err = { "" };
    assert_int_equal (topo_share (t, 0, 1, TOPO_SLOTS_NUMBER, 0, TOPO_BIND_CORE, &s, &err), -1);
    assert_string_equal (err.text, "a worker needs at least one slot");
    assert_int_equal (topo_share (t, 2, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s, &err), -1);
    assert_string_equal (err.text, "invalid worker share 2 of 2");
    assert_int_equal (topo_share (t, -1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s, &err), -1);
    assert_int_equal (topo_share (t, 0, 0, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s, &err), -1);
    assert_string_equal (err.text, "invalid worker share 0 of 0");
    topo_destroy (t);

    setenv ("MPIBATCH_TOPOLOGY", "pack:x core:2", 1);
    assert_null (topo_load (&err));
    assert_string_equal (err.text, "MPIBATCH_TOPOLOGY: invalid synthetic topology 'pack:x core:2'");
    setenv ("MPIBATCH_TOPOLOGY", "/nonexistent/topology.xml", 1);
    assert_null (topo_load (&err));
    assert_string_equal (err.text,
                         "MPIBATCH_TOPOLOGY: cannot read XML topology /nonexistent/topology.xml");
}

/* Linux numbering of SMT siblings: core c holds PUs c and c+8, so the
 * PU lists of a share are two ranges. */
static void test_smt_numbering (void **state)
{
    (void)state;
    topo_t *t = load ("topo/smt-2pkg.xml");
    topo_share_t s;
    share (t, 0, 1, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "0-15");
    assert_int_equal (s.nslots, 8);
    assert_string_equal (slot (&s, 0), "0,8");
    assert_string_equal (slot (&s, 5), "5,13");
    assert_int_equal (s.pkg[5], 1);
    assert_int_equal (s.numa[5], 1);
    assert_true (s.memory == 16000000000LL);
    topo_share_free (&s);

    share (t, 0, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "0-3,8-11");
    assert_true (s.memory == 8000000000LL);
    topo_share_free (&s);
    share (t, 1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_PU, &s);
    assert_string_equal (s.cpus, "4-7,12-15");
    assert_int_equal (s.npus, 8);
    assert_string_equal (slot (&s, 0), "4");
    assert_string_equal (slot (&s, 3), "7");
    topo_share_free (&s);

    /* A slot per PU: in topology order, the siblings of a core together. */
    share (t, 1, 2, TOPO_SLOTS_PUS, 0, TOPO_BIND_CORE, &s);
    assert_int_equal (s.nslots, 8);
    const char *want[8] = { "4", "12", "5", "13", "6", "14", "7", "15" };
    for (int i = 0; i < 8; i++) {
        assert_string_equal (slot (&s, i), want[i]);
        assert_int_equal (s.pkg[i], 1);
    }
    topo_share_free (&s);
    topo_destroy (t);
}

/* Packages of 4 and 2 cores, NUMA nodes of 6 and 2 GiB. */
static void test_uneven (void **state)
{
    (void)state;
    topo_t *t = load ("topo/uneven.xml");
    assert_int_equal (topo_ncores (t), 6);
    assert_true (topo_memory (t) == 8589934592LL);
    topo_share_t s;
    /* 4 workers: first cores 0, 1, 3, 4. */
    const char *cpus[4] = { "0", "1-2", "3", "4-5" };
    for (int k = 0; k < 4; k++) {
        share (t, k, 4, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
        assert_string_equal (s.cpus, cpus[k]);
        assert_true (s.memory == 2147483648LL);
        assert_int_equal (s.pkg[0], k == 3);
        topo_share_free (&s);
    }
    share (t, 1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "3-5");
    int pkg[3] = { 0, 1, 1 };
    for (int i = 0; i < 3; i++) {
        assert_int_equal (s.pkg[i], pkg[i]);
        assert_int_equal (s.numa[i], pkg[i]);
    }
    topo_share_free (&s);
    share (t, 2, 3, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_true (s.memory == 2863311530LL);
    topo_share_free (&s);
    topo_destroy (t);
}

/* An allowed cpuset (a cgroup or Slurm allocation) of PUs 2-5 out of 8:
 * only those are shared out, and only those are the node's. */
static void test_restricted (void **state)
{
    (void)state;
    topo_t *t = load ("topo/restricted.xml");
    assert_int_equal (topo_ncores (t), 4);
    assert_int_equal (topo_npus (t), 4);
    topo_share_t s;
    share (t, 0, 1, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "2-5");
    assert_int_equal (s.nnode_pus, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal (s.node_pus[i], 2 + i);
    topo_share_free (&s);
    share (t, 0, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "2-3");
    assert_int_equal (s.pkg[0], 0);
    topo_share_free (&s);
    share (t, 1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    assert_string_equal (s.cpus, "4-5");
    assert_int_equal (s.pkg[0], 1);
    topo_share_free (&s);
    topo_destroy (t);
}

/* The GPUs of a share, as indices and the first PU near each. */
static void assert_gpus (const topo_share_t *s, int n, const int *index, const int *pu)
{
    assert_int_equal (s->ngpus, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal (s->gpu_index[i], index[i]);
        assert_int_equal (s->gpu_pu[i], pu[i]);
    }
}

/* gpu4.xml: cuda0 and cuda1 under package 0 (PUs 0-3), cuda2 and cuda3
 * under package 1 (PUs 4-7). */
static void test_gpus (void **state)
{
    (void)state;
    topo_t *t = load ("gpu4.xml");
    assert_int_equal (topo_ngpus (t), 4);
    assert_string_equal (topo_summary (t),
                         "2 packages, 2 NUMA nodes, 8 cores, 8 PUs, 4 GPUs, 32.0 GiB (simulated)");
    topo_share_t s;
    share (t, 0, 1, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 0, 1, -1, &s);
    assert_gpus (&s, 4, (int[]){ 0, 1, 2, 3 }, (int[]){ 0, 0, 4, 4 });
    topo_share_free (&s);
    /* Auto, two workers: each the GPUs of its package. */
    for (int k = 0; k < 2; k++) {
        share (t, k, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
        gpus (t, k, 2, -1, &s);
        assert_gpus (&s, 2, (int[]){ 2 * k, 2 * k + 1 }, (int[]){ 4 * k, 4 * k });
        assert_int_equal (s.pus[0], 4 * k);
        topo_share_free (&s);
    }
    /* Auto, three workers: blocks k*4/3 = 0, 1, 2, 4. */
    int first[4] = { 0, 1, 2, 4 };
    for (int k = 0; k < 3; k++) {
        share (t, k, 3, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
        gpus (t, k, 3, -1, &s);
        assert_int_equal (s.ngpus, first[k + 1] - first[k]);
        for (int i = 0; i < s.ngpus; i++)
            assert_int_equal (s.gpu_index[i], first[k] + i);
        topo_share_free (&s);
    }
    /* Auto, eight workers for four GPUs: every other worker gets one,
     * none is given twice. */
    int seen = 0, total = 0;
    for (int k = 0; k < 8; k++) {
        share (t, k, 8, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
        gpus (t, k, 8, -1, &s);
        assert_int_equal (s.ngpus, k % 2);
        for (int i = 0; i < s.ngpus; i++) {
            assert_false (seen & (1 << s.gpu_index[i]));
            seen |= 1 << s.gpu_index[i];
        }
        total += s.ngpus;
        topo_share_free (&s);
    }
    assert_int_equal (total, 4);
    assert_int_equal (seen, 0xf);
    /* A number per worker: that many, fewer when the node runs out. */
    share (t, 0, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 0, 2, 3, &s);
    assert_gpus (&s, 3, (int[]){ 0, 1, 2 }, (int[]){ 0, 0, 4 });
    topo_share_free (&s);
    share (t, 1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 1, 2, 3, &s);
    assert_gpus (&s, 1, (int[]){ 3 }, (int[]){ 4 });
    topo_share_free (&s);
    share (t, 2, 3, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 2, 3, 2, &s);
    assert_int_equal (s.ngpus, 0);
    topo_share_free (&s);
    share (t, 0, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 0, 2, 0, &s);
    assert_int_equal (s.ngpus, 0);
    topo_share_free (&s);
    topo_destroy (t);

    /* A machine without GPUs. */
    t = load (SYN);
    share (t, 0, 1, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 0, 1, -1, &s);
    assert_int_equal (s.ngpus, 0);
    topo_share_free (&s);
    share (t, 0, 1, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 0, 1, 2, &s);
    assert_int_equal (s.ngpus, 0);
    topo_share_free (&s);
    topo_destroy (t);
}

/* The device numbering need not follow locality or PCI order: package 0
 * holds cuda3 (bus 11) and cuda2 (bus 12), package 1 cuda1 (bus 21) and
 * cuda0 (bus 22).  Worker 0 (package 0) gets 2 and 3, in index order. */
static void test_gpus_by_locality (void **state)
{
    (void)state;
    topo_t *t = load ("topo/gpu-swapped.xml");
    assert_int_equal (topo_ngpus (t), 4);
    topo_share_t s;
    share (t, 0, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 0, 2, -1, &s);
    assert_gpus (&s, 2, (int[]){ 2, 3 }, (int[]){ 0, 0 });
    topo_share_free (&s);
    share (t, 1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 1, 2, -1, &s);
    assert_gpus (&s, 2, (int[]){ 0, 1 }, (int[]){ 4, 4 });
    topo_share_free (&s);
    topo_destroy (t);
}

/* No vendor OS devices: PCI display/3D controllers of GPU vendors are the
 * GPUs, numbered in PCI order; a Matrox BMC VGA is not one. */
static void test_gpus_pci (void **state)
{
    (void)state;
    topo_t *t = load ("topo/pci-gpus.xml");
    /* 11:00.0 Matrox VGA (no), 12:00.0 NVIDIA 3D, 21:00.0 AMD display,
     * 22:00.0 Intel VGA */
    assert_int_equal (topo_ngpus (t), 3);
    topo_share_t s;
    share (t, 0, 1, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 0, 1, -1, &s);
    assert_gpus (&s, 3, (int[]){ 0, 1, 2 }, (int[]){ 0, 4, 4 });
    topo_share_free (&s);
    share (t, 1, 2, TOPO_SLOTS_CORES, 0, TOPO_BIND_CORE, &s);
    gpus (t, 1, 2, -1, &s);
    assert_gpus (&s, 2, (int[]){ 1, 2 }, (int[]){ 4, 4 });
    topo_share_free (&s);
    topo_destroy (t);
}

static void check_format (const int *v, int n, const char *ranges, const char *plain)
{
    char *a = topo_list_format (v, n), *b = topo_list_plain (v, n);
    assert_string_equal (a, ranges);
    assert_string_equal (b, plain);
    free (a);
    free (b);
}

static void test_list_format (void **state)
{
    (void)state;
    check_format (NULL, 0, "", "");
    check_format ((int[]){ 5 }, 1, "5", "5");
    check_format ((int[]){ 0, 1, 2, 3, 8 }, 5, "0-3,8", "0,1,2,3,8");
    check_format ((int[]){ 1, 3, 5 }, 3, "1,3,5", "1,3,5");
    check_format ((int[]){ 0, 1, 3, 4 }, 4, "0-1,3-4", "0,1,3,4");
    check_format ((int[]){ 7, 8, 9, 200 }, 4, "7-9,200", "7,8,9,200");
}

int main (void)
{
    /* The build tells where the corpus lies; the test environment's
     * top_srcdir wins when set. */
    const char *src = getenv ("top_srcdir");
    snprintf (data_dir, sizeof (data_dir), "%s/tests/data", src && *src ? src : TOPO_SRCDIR);
    unsetenv ("HWLOC_XMLFILE");
    unsetenv ("HWLOC_SYNTHETIC");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_counts),
        cmocka_unit_test (test_one_worker),
        cmocka_unit_test (test_split_even),
        cmocka_unit_test (test_split_odd),
        cmocka_unit_test (test_more_workers_than_cores),
        cmocka_unit_test (test_slots_number),
        cmocka_unit_test (test_share_errors),
        cmocka_unit_test (test_smt_numbering),
        cmocka_unit_test (test_uneven),
        cmocka_unit_test (test_restricted),
        cmocka_unit_test (test_gpus),
        cmocka_unit_test (test_gpus_by_locality),
        cmocka_unit_test (test_gpus_pci),
        cmocka_unit_test (test_list_format),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
