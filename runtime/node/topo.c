/* topo.c: the node's hardware from hwloc, and how a worker's share of it is cut. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hwloc.h>

#include "common/buf.h"
#include "runtime/node/topo.h"

typedef struct {
    int index;     /* device index for the visibility variables */
    int pu;        /* first PU of its locality, -1 unknown */
} gpu_t;

struct topo {
    hwloc_topology_t h;
    int fake;
    char summary[256];
    gpu_t *gpus;
    int ngpus;
};

static int fake_source (hwloc_topology_t h, const char *spec, mb_error_t *err)
{
    /* A path to an XML file, or else a synthetic description. */
    if (strchr (spec, '/') || strstr (spec, ".xml")) {
        if (hwloc_topology_set_xml (h, spec) < 0)
            return errprintf (err, "MPIBATCH_TOPOLOGY: cannot read XML topology %s", spec);
    }
    else if (hwloc_topology_set_synthetic (h, spec) < 0)
        return errprintf (err, "MPIBATCH_TOPOLOGY: invalid synthetic topology '%s'", spec);
    return 0;
}

/* The first PU of the CPU-side object an I/O object hangs from. */
static int local_pu (const topo_t *t, hwloc_obj_t o)
{
    hwloc_obj_t a = hwloc_get_non_io_ancestor_obj (t->h, o);
    if (!a || !a->cpuset || hwloc_bitmap_iszero (a->cpuset))
        return -1;
    return hwloc_bitmap_first (a->cpuset);
}

/* The number at the end of an OS device name ("cuda1", "rsmi0"), or -1. */
static int name_index (const char *name)
{
    if (!name)
        return -1;
    const char *p = name + strlen (name);
    while (p > name && p[-1] >= '0' && p[-1] <= '9')
        p--;
    return *p ? atoi (p) : -1;
}

static int add_gpu (topo_t *t, int index, int pu)
{
    gpu_t *g = realloc (t->gpus, (size_t)(t->ngpus + 1) * sizeof (*g));
    if (!g)
        return -1;
    t->gpus = g;
    t->gpus[t->ngpus].index = index;
    t->gpus[t->ngpus].pu = pu;
    t->ngpus++;
    return 0;
}

static int cmp_gpu (const void *a, const void *b)
{
    const gpu_t *x = a, *y = b;
    if (x->pu != y->pu)
        return (x->pu > y->pu) - (x->pu < y->pu);
    return (x->index > y->index) - (x->index < y->index);
}

/* Vendor OS devices first (they carry the device numbering CUDA and ROCm
 * use); without any, the PCI display and 3D controllers of GPU vendors
 * (a server's BMC VGA is not a GPU).  Sorted by locality, so dividing the
 * list in blocks gives each worker the GPUs near its cores. */
static int find_gpus (topo_t *t)
{
    /* One GPU can show up as a CUDA and an OpenCL device: take the
     * devices of the first kind present, in this order. */
    static const char *kinds[] = { "CUDA", "ROCm", "LevelZero", "OpenCL" };
    hwloc_obj_t o = NULL;
    for (size_t k = 0; k < sizeof (kinds) / sizeof (kinds[0]) && t->ngpus == 0; k++) {
        o = NULL;
        while ((o = hwloc_get_next_osdev (t->h, o))) {
            const char *sub = hwloc_obj_get_info_by_name (o, "CoProcType");
            if (o->attr->osdev.type != HWLOC_OBJ_OSDEV_COPROC || !sub || strcmp (sub, kinds[k]))
                continue;
            int idx = name_index (o->name);
            if (add_gpu (t, idx >= 0 ? idx : t->ngpus, local_pu (t, o)) < 0)
                return -1;
        }
    }
    if (t->ngpus == 0) {
        int n = 0;
        o = NULL;
        while ((o = hwloc_get_next_pcidev (t->h, o))) {
            unsigned cls = o->attr->pcidev.class_id;
            unsigned vendor = o->attr->pcidev.vendor_id;
            int gpu_vendor = vendor == 0x10de || vendor == 0x1002 || vendor == 0x8086;
            if (cls == 0x0302 || ((cls == 0x0300 || cls == 0x0380) && gpu_vendor)) {
                if (add_gpu (t, n++, local_pu (t, o)) < 0)
                    return -1;
            }
        }
    }
    if (t->ngpus > 1)
        qsort (t->gpus, (size_t)t->ngpus, sizeof (gpu_t), cmp_gpu);
    return 0;
}

int topo_ngpus (const topo_t *t) { return t->ngpus; }

topo_t *topo_load (mb_error_t *err)
{
    topo_t *t = calloc (1, sizeof (*t));
    if (!t) {
        errprintf (err, "out of memory");
        return NULL;
    }
    if (hwloc_topology_init (&t->h) < 0) {
        errprintf (err, "hwloc: cannot initialise a topology");
        free (t);
        return NULL;
    }
    /* GPUs are OS devices under PCI bridges: keep the important I/O objects. */
    hwloc_topology_set_io_types_filter (t->h, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    const char *spec = getenv ("MPIBATCH_TOPOLOGY");
    if (spec && *spec && fake_source (t->h, spec, err) < 0)
        goto error;
    if (hwloc_topology_load (t->h) < 0) {
        errprintf (err, "hwloc: cannot load the topology: %s", strerror (errno));
        goto error;
    }
    t->fake = !hwloc_topology_is_thissystem (t->h);
    if (find_gpus (t) < 0) {
        errprintf (err, "out of memory");
        goto error;
    }
    double gib = (double)topo_memory (t) / (1024.0 * 1024 * 1024);
    snprintf (t->summary, sizeof (t->summary),
              "%d package%s, %d NUMA node%s, %d cores, %d PUs, %d GPU%s, %.1f GiB%s",
              topo_npackages (t), topo_npackages (t) == 1 ? "" : "s",
              topo_nnuma (t), topo_nnuma (t) == 1 ? "" : "s",
              topo_ncores (t), topo_npus (t), t->ngpus, t->ngpus == 1 ? "" : "s", gib,
              t->fake ? " (simulated)" : "");
    return t;
error:
    hwloc_topology_destroy (t->h);
    free (t);
    return NULL;
}

void topo_destroy (topo_t *t)
{
    if (t) {
        int saved = errno;
        hwloc_topology_destroy (t->h);
        free (t->gpus);
        free (t);
        errno = saved;
    }
}

int topo_is_fake (const topo_t *t) { return t->fake; }

static int count (const topo_t *t, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type (t->h, type);
    return n > 0 ? n : 0;
}

int topo_npackages (const topo_t *t)
{
    int n = count (t, HWLOC_OBJ_PACKAGE);
    return n ? n : 1;
}

int topo_nnuma (const topo_t *t)
{
    int n = count (t, HWLOC_OBJ_NUMANODE);
    return n ? n : 1;
}

int topo_ncores (const topo_t *t)
{
    int n = count (t, HWLOC_OBJ_CORE);
    return n ? n : topo_npus (t);
}

int topo_npus (const topo_t *t) { return count (t, HWLOC_OBJ_PU); }

int64_t topo_memory (const topo_t *t)
{
    int64_t sum = 0;
    hwloc_obj_t o = NULL;
    while ((o = hwloc_get_next_obj_by_type (t->h, HWLOC_OBJ_NUMANODE, o)))
        sum += (int64_t)o->attr->numanode.local_memory;
    return sum;
}

const char *topo_summary (const topo_t *t) { return t->summary; }

/* The "cores" of the machine in logical order; a machine without core
 * objects (some VMs, synthetic "pu:4") uses its PUs as cores. */
static hwloc_obj_t core_obj (const topo_t *t, int i)
{
    if (count (t, HWLOC_OBJ_CORE) > 0)
        return hwloc_get_obj_by_type (t->h, HWLOC_OBJ_CORE, (unsigned)i);
    return hwloc_get_obj_by_type (t->h, HWLOC_OBJ_PU, (unsigned)i);
}

static int numa_of (const topo_t *t, hwloc_obj_t core)
{
    hwloc_obj_t o = NULL;
    while ((o = hwloc_get_next_obj_by_type (t->h, HWLOC_OBJ_NUMANODE, o)))
        if (o->cpuset && hwloc_bitmap_isincluded (core->cpuset, o->cpuset))
            return (int)o->logical_index;
    return 0;
}

static int pkg_of (const topo_t *t, hwloc_obj_t core)
{
    hwloc_obj_t p = hwloc_get_ancestor_obj_by_type (t->h, HWLOC_OBJ_PACKAGE, core);
    return p ? (int)p->logical_index : 0;
}

/* Append the OS indices of the PUs of obj (all, or only the first). */
static int add_pus (const topo_t *t, hwloc_obj_t obj, int first_only, int *pus, int n)
{
    unsigned id;
    hwloc_bitmap_foreach_begin (id, obj->cpuset) {
        pus[n++] = (int)id;
        if (first_only)
            break;
    }
    hwloc_bitmap_foreach_end ();
    return n;
}

void topo_share_free (topo_share_t *s)
{
    if (s) {
        free (s->numa);
        free (s->pkg);
        free (s->pu_off);
        free (s->pus);
        free (s->cpus);
        free (s->node_pus);
        free (s->gpu_index);
        free (s->gpu_pu);
        memset (s, 0, sizeof (*s));
    }
}

char *topo_list_format (const int *v, int n)
{
    buf_t b = { 0 };
    buf_adds (&b, "");
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && v[j + 1] == v[j] + 1)
            j++;
        if (b.len)
            buf_adds (&b, ",");
        if (j > i)
            buf_printf (&b, "%d-%d", v[i], v[j]);
        else
            buf_printf (&b, "%d", v[i]);
        i = j + 1;
    }
    if (!b.data)
        return strdup ("");
    return b.data;
}

char *topo_list_plain (const int *v, int n)
{
    buf_t b = { 0 };
    buf_adds (&b, "");
    for (int i = 0; i < n; i++)
        buf_printf (&b, "%s%d", i ? "," : "", v[i]);
    return b.data ? b.data : strdup ("");
}

static int cmp_int (const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int topo_share (const topo_t *t, int k, int m, int kind, int nslots, int bind,
                topo_share_t *s, mb_error_t *err)
{
    memset (s, 0, sizeof (*s));
    int ncores = topo_ncores (t);
    if (m < 1 || k < 0 || k >= m)
        return errprintf (err, "invalid worker share %d of %d", k, m);
    /* With more workers than cores (an oversubscribed mpirun), each
     * worker gets one core, shared with its neighbours. */
    int c0 = (int)((long)k * ncores / m);
    int c1 = (int)((long)(k + 1) * ncores / m);
    if (c1 <= c0)
        c1 = c0 + 1;
    int npus_node = topo_npus (t);
    int total_pus = 0;
    for (int c = c0; c < c1; c++)
        total_pus += hwloc_bitmap_weight (core_obj (t, c)->cpuset);

    int n;
    if (kind == TOPO_SLOTS_PUS)
        n = total_pus;
    else if (kind == TOPO_SLOTS_NUMBER)
        n = nslots;
    else
        n = c1 - c0;
    if (n < 1)
        return errprintf (err, "a worker needs at least one slot");

    s->nslots = n;
    s->ncores = c1 - c0;
    s->npus = total_pus;
    s->numa = calloc ((size_t)n, sizeof (int));
    s->pkg = calloc ((size_t)n, sizeof (int));
    s->pu_off = calloc ((size_t)n + 1, sizeof (int));
    /* A slot has at most all PUs of the share. */
    s->pus = calloc ((size_t)n * (size_t)total_pus + 1, sizeof (int));
    s->node_pus = calloc ((size_t)npus_node + 1, sizeof (int));
    int *share_pus = calloc ((size_t)total_pus + 1, sizeof (int));
    if (!s->numa || !s->pkg || !s->pu_off || !s->pus || !s->node_pus || !share_pus) {
        free (share_pus);
        topo_share_free (s);
        return errprintf (err, "out of memory");
    }
    int first_only = (bind == TOPO_BIND_PU);
    int np = 0;
    if (kind == TOPO_SLOTS_PUS) {
        int slot = 0;
        for (int c = c0; c < c1; c++) {
            hwloc_obj_t core = core_obj (t, c);
            unsigned id;
            hwloc_bitmap_foreach_begin (id, core->cpuset) {
                s->numa[slot] = numa_of (t, core);
                s->pkg[slot] = pkg_of (t, core);
                s->pu_off[slot] = np;
                s->pus[np++] = (int)id;
                slot++;
            }
            hwloc_bitmap_foreach_end ();
        }
        s->pu_off[slot] = np;
    }
    else {
        int cores = c1 - c0;
        for (int i = 0; i < n; i++) {
            /* Slots are cut as even blocks of the share's cores; with more
             * slots than cores, several slots share a core. */
            int a = c0 + (int)((long)i * cores / n);
            int b = c0 + (int)((long)(i + 1) * cores / n);
            if (b <= a)
                b = a + 1;
            s->numa[i] = numa_of (t, core_obj (t, a));
            s->pkg[i] = pkg_of (t, core_obj (t, a));
            s->pu_off[i] = np;
            for (int c = a; c < b; c++)
                np = add_pus (t, core_obj (t, c), first_only, s->pus, np);
        }
        s->pu_off[n] = np;
    }
    int ns = 0;
    for (int c = c0; c < c1; c++)
        ns = add_pus (t, core_obj (t, c), 0, share_pus, ns);
    qsort (share_pus, (size_t)ns, sizeof (int), cmp_int);
    s->cpus = topo_list_format (share_pus, ns);
    free (share_pus);
    hwloc_obj_t pu = NULL;
    while ((pu = hwloc_get_next_obj_by_type (t->h, HWLOC_OBJ_PU, pu)))
        s->node_pus[s->nnode_pus++] = (int)pu->os_index;
    s->memory = topo_memory (t) / m;
    if (!s->cpus) {
        topo_share_free (s);
        return errprintf (err, "out of memory");
    }
    return 0;
}

int topo_share_gpus (const topo_t *t, int k, int m, int gpus_per_worker,
                     topo_share_t *s, mb_error_t *err)
{
    int g0, g1;
    if (gpus_per_worker < 0) {
        g0 = (int)((long)k * t->ngpus / m);
        g1 = (int)((long)(k + 1) * t->ngpus / m);
    }
    else {
        g0 = k * gpus_per_worker;
        g1 = g0 + gpus_per_worker;
        if (g0 > t->ngpus)
            g0 = t->ngpus;
        if (g1 > t->ngpus)
            g1 = t->ngpus;
    }
    s->ngpus = g1 - g0;
    s->gpu_index = calloc ((size_t)s->ngpus + 1, sizeof (int));
    s->gpu_pu = calloc ((size_t)s->ngpus + 1, sizeof (int));
    if (!s->gpu_index || !s->gpu_pu)
        return errprintf (err, "out of memory");
    for (int i = 0; i < s->ngpus; i++) {
        s->gpu_index[i] = t->gpus[g0 + i].index;
        s->gpu_pu[i] = t->gpus[g0 + i].pu;
    }
    return 0;
}
