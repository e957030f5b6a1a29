/* topo.h: what hwloc sees on this node, and a worker's share of it. */
#ifndef MB_TOPO_H
#define MB_TOPO_H

#include <stdint.h>

#include "common/err.h"

typedef struct topo topo_t;

/* Load this node's topology, allowed resources only (so a Slurm or cgroup
 * allocation is respected).  MPIBATCH_TOPOLOGY (a synthetic description
 * such as "pack:2 core:8 pu:2", or the path of an XML file), or hwloc's
 * own HWLOC_XMLFILE / HWLOC_SYNTHETIC, fake a machine: the topology is then
 * not this system's and tasks are not bound.  NULL with err on failure. */
topo_t *topo_load (mb_error_t *err);
void topo_destroy (topo_t *t);

/* 1 when the topology is not this machine's (binding is skipped). */
int topo_is_fake (const topo_t *t);

/* Counts over the whole (allowed) node. */
int topo_npackages (const topo_t *t);
int topo_nnuma (const topo_t *t);
int topo_ncores (const topo_t *t);
int topo_npus (const topo_t *t);
int64_t topo_memory (const topo_t *t);     /* bytes, 0 when unknown */
/* GPUs of the node: vendor OS devices (CUDA, ROCm, Level Zero, OpenCL
 * co-processors), or where no vendor plugin reports any, PCI 3D
 * controllers and display controllers of GPU vendors.  Returns the count. */
int topo_ngpus (const topo_t *t);

/* A short text describing the machine ("2 packages, 2 NUMA nodes, 16
 * cores, 32 PUs, 64.0 GiB"); valid for the topology's lifetime. */
const char *topo_summary (const topo_t *t);

/* A worker's share of its node: slots in topology order, each with the OS
 * indices of the PUs a task on it is bound to. */
typedef struct {
    int nslots;
    int *numa;        /* locality groups of each slot, for sched_pick_slots */
    int *pkg;
    int *pu_off;      /* CSR: PUs of slot i are pus[pu_off[i]] .. pus[pu_off[i+1]-1] */
    int *pus;
    int ncores;       /* cores in the share */
    int npus;         /* PUs in the share */
    char *cpus;       /* the share's PUs as a list, e.g. "0-3,8" */
    int64_t memory;   /* the share of the node's memory, bytes (0 unknown) */
    int *node_pus;    /* every allowed PU of the node (for unbound tasks) */
    int nnode_pus;
    int ngpus;        /* GPUs of the share */
    int *gpu_index;   /* each GPU's device index (CUDA_VISIBLE_DEVICES numbering) */
    int *gpu_pu;      /* the first PU close to each GPU (-1 unknown), for locality */
} topo_share_t;

enum { TOPO_SLOTS_CORES = 0, TOPO_SLOTS_PUS = 1, TOPO_SLOTS_NUMBER = 2 };
enum { TOPO_BIND_CORE = 0, TOPO_BIND_PU = 1, TOPO_BIND_NONE = 2 };

/* The share of worker k among m workers on this node: an equal block of
 * the node's cores in topology order (the per-rank binding an MPI launcher
 * may have applied is ignored).  kind is TOPO_SLOTS_*; nslots is used with
 * TOPO_SLOTS_NUMBER (slots over the share's cores, several slots per core
 * when there are more slots than cores).  bind (TOPO_BIND_*) decides the
 * PUs of each slot: all PUs of its cores, or the first PU of each.
 * 0 or -1 with err (e.g. more workers than cores). */
int topo_share (const topo_t *t, int k, int m, int kind, int nslots, int bind,
                topo_share_t *share, mb_error_t *err);

/* Give the share its GPUs: gpus_per_worker < 0 ("auto") divides the node's
 * GPUs among its m workers like the cores, the GPUs closest to each
 * worker's cores first; a number gives each worker that many (fewer when
 * the node runs out).  0 or -1 with err. */
int topo_share_gpus (const topo_t *t, int k, int m, int gpus_per_worker,
                     topo_share_t *share, mb_error_t *err);
void topo_share_free (topo_share_t *share);

/* Format a list of integers as ranges ("0-3,8") into a malloc'd string. */
char *topo_list_format (const int *v, int n);
/* Format a list of integers one by one ("0,1,2,3,8"), as MPIBATCH_TASK_CPUS
 * and the records give a task's CPUs. */
char *topo_list_plain (const int *v, int n);

#endif
