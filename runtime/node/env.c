/* env.c: the task environment: the worker's environment without the MPI/Slurm per-rank wiring, plus a per-task layer. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "runtime/node/env.h"

/* One variable of the per-task layer.  Its text lives in the arena as
 * "NAME=VALUE\0" (or "NAME\0" when unset); offsets, not pointers, because
 * the arena moves when it grows. */
struct ent {
    size_t off;
    size_t namelen;
    uint64_t hash;
    int set;
};

struct envb {
    char **base;          /* NULL-terminated copies of the kept variables */
    size_t nbase;
    size_t *bnamelen;     /* length of each base name */
    uint64_t *bhash;      /* hash of each base name, computed once */

    buf_t arena;          /* layer strings */
    struct ent *lay;
    size_t nlay, caplay;
    int32_t *tab;         /* open addressing over lay: index + 1, 0 = empty */
    size_t tabsize;       /* power of two, > 2 * nlay */

    char **out;           /* the merged array handed out */
    size_t capout;
    size_t nout;
};

/* Variables Open MPI 4.1 (ORTE/PMIx), MPICH's Hydra, MVAPICH and a Slurm
 * job step set to wire one rank into its job.  A task inheriting them would
 * believe it is that rank: an MPI task aborts in MPI_Init, a nested srun
 * joins the wrong step.  Job-level Slurm variables (SLURM_JOB_*, node
 * lists, SLURM_NTASKS) describe the allocation and stay.  The user's own
 * MPI settings (OMPI_ALLOW_RUN_AS_ROOT*, OMPI_MCA_btl, ...) stay too. */
static const char *const launcher_prefixes[] = {
    "PMIX_",
    "OMPI_COMM_WORLD_",
    "OMPI_MCA_orte_",
    "OMPI_MCA_ess",
    "OMPI_MCA_pmix",
    "MV2_COMM_WORLD_",
    "SLURM_STEP_",
    "SLURM_SRUN_COMM_",
    "SLURM_CPU_BIND",
    "SLURM_MEM_BIND",
    "SLURM_PMIX",
    NULL,
};

static const char *const launcher_names[] = {
    "OMPI_MCA_initial_wdir",
    "OMPI_MCA_shmem_RUNTIME_QUERY_hint",
    "OMPI_FILE_LOCATION",
    "OMPI_FIRST_RANKS",
    "OMPI_NUM_APP_CTX",
    "OMPI_APP_CTX_NUM_PROCS",
    "OMPI_COMMAND",
    "OMPI_ARGV",
    "OMPI_UNIVERSE_SIZE",
    /* Slurm, per task of a step */
    "SLURM_STEPID",
    "SLURM_PROCID",
    "SLURM_LOCALID",
    "SLURM_NODEID",
    "SLURM_TASK_PID",
    "SLURM_GTIDS",
    "SLURM_LAUNCH_NODE_IPADDR",
    "SLURM_DISTRIBUTION",
    /* PMI-1/PMI-2 clients (Hydra, Slurm's pmi2 plugin) */
    "PMI_RANK",
    "PMI_SIZE",
    "PMI_FD",
    "PMI_PORT",
    "PMI_ID",
    "PMI_JOBID",
    "PMI_SPAWNED",
    "HYDI_CONTROL_FD",
    "MPI_LOCALRANKID",
    "MPI_LOCALNRANKS",
    NULL,
};

static size_t name_len (const char *s)
{
    const char *eq = strchr (s, '=');
    return eq ? (size_t)(eq - s) : strlen (s);
}

int env_is_launcher_var (const char *name)
{
    if (!name)
        return 0;
    size_t n = name_len (name);
    for (int i = 0; launcher_prefixes[i]; i++) {
        size_t pn = strlen (launcher_prefixes[i]);
        if (n >= pn && memcmp (name, launcher_prefixes[i], pn) == 0)
            return 1;
    }
    for (int i = 0; launcher_names[i]; i++) {
        if (strlen (launcher_names[i]) == n
            && memcmp (name, launcher_names[i], n) == 0)
            return 1;
    }
    return 0;
}

envb_t *envb_create (char **environ_)
{
    envb_t *e = calloc (1, sizeof (*e));
    if (!e)
        return NULL;
    size_t n = 0;
    while (environ_ && environ_[n])
        n++;
    if (!(e->base = calloc (n + 1, sizeof (char *)))
        || !(e->bnamelen = calloc (n + 1, sizeof (size_t)))
        || !(e->bhash = calloc (n + 1, sizeof (uint64_t))))
        goto error;
    for (size_t i = 0; i < n; i++) {
        const char *s = environ_[i];
        /* An entry without '=' is no variable: execve would pass it on,
         * but getenv never finds it, so drop it. */
        if (!strchr (s, '=') || s[0] == '=' || env_is_launcher_var (s))
            continue;
        if (!(e->base[e->nbase] = strdup (s)))
            goto error;
        e->bnamelen[e->nbase] = name_len (s);
        e->bhash[e->nbase] = hash_fnv1a64 (s, e->bnamelen[e->nbase]);
        e->nbase++;
    }
    return e;
error:
    envb_destroy (e);
    errno = ENOMEM;
    return NULL;
}

void envb_destroy (envb_t *e)
{
    if (e) {
        int saved = errno;
        for (size_t i = 0; i < e->nbase; i++)
            free (e->base[i]);
        free (e->base);
        free (e->bnamelen);
        free (e->bhash);
        buf_free (&e->arena);
        free (e->lay);
        free (e->tab);
        free (e->out);
        free (e);
        errno = saved;
    }
}

/* Index of `name` in the layer, or -1. */
static long lay_find (const envb_t *e, const char *name, size_t n, uint64_t h)
{
    if (e->nlay == 0)
        return -1;
    size_t mask = e->tabsize - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        int32_t k = e->tab[i];
        if (k == 0)
            return -1;
        const struct ent *x = &e->lay[k - 1];
        if (x->hash == h && x->namelen == n
            && memcmp (e->arena.data + x->off, name, n) == 0)
            return k - 1;
    }
}

static void tab_insert (envb_t *e, size_t idx)
{
    size_t mask = e->tabsize - 1;
    size_t i = e->lay[idx].hash & mask;
    while (e->tab[i] != 0)
        i = (i + 1) & mask;
    e->tab[i] = (int32_t)idx + 1;
}

/* Keep the table under half full so probes stay short. */
static int tab_grow (envb_t *e, size_t want)
{
    if (e->tabsize > 2 * want)
        return 0;
    size_t size = e->tabsize ? e->tabsize : 16;
    while (size <= 2 * want)
        size *= 2;
    int32_t *tab = calloc (size, sizeof (*tab));
    if (!tab)
        return -1;
    free (e->tab);
    e->tab = tab;
    e->tabsize = size;
    for (size_t i = 0; i < e->nlay; i++)
        tab_insert (e, i);
    return 0;
}

int envb_set (envb_t *e, const char *name, const char *value)
{
    if (!e || !name || !*name || strchr (name, '=')) {
        errno = EINVAL;
        return -1;
    }
    size_t n = strlen (name);
    uint64_t h = hash_fnv1a64 (name, n);
    long idx = lay_find (e, name, n, h);
    if (idx < 0) {
        if (e->nlay == e->caplay) {
            size_t cap = e->caplay ? 2 * e->caplay : 16;
            struct ent *lay = realloc (e->lay, cap * sizeof (*lay));
            if (!lay)
                return -1;
            e->lay = lay;
            e->caplay = cap;
        }
        if (tab_grow (e, e->nlay + 1) < 0)
            return -1;
    }
    size_t off = e->arena.len;
    if (buf_add (&e->arena, name, n) < 0
        || (value && (buf_add (&e->arena, "=", 1) < 0
                      || buf_adds (&e->arena, value) < 0))
        || buf_add (&e->arena, "", 1) < 0) {
        e->arena.len = off;
        return -1;
    }
    if (idx < 0) {
        idx = (long)e->nlay++;
        e->lay[idx].hash = h;
        e->lay[idx].namelen = n;
        tab_insert (e, (size_t)idx);
    }
    e->lay[idx].off = off;
    e->lay[idx].set = value != NULL;
    return 0;
}

const char *envb_get (const envb_t *e, const char *name)
{
    if (!e || !name)
        return NULL;
    size_t n = strlen (name);
    uint64_t h = hash_fnv1a64 (name, n);
    long idx = lay_find (e, name, n, h);
    if (idx >= 0)
        return e->lay[idx].set ? e->arena.data + e->lay[idx].off + n + 1 : NULL;
    for (size_t i = 0; i < e->nbase; i++) {
        if (e->bhash[i] == h && e->bnamelen[i] == n
            && memcmp (e->base[i], name, n) == 0)
            return e->base[i] + n + 1;
    }
    return NULL;
}

void envb_reset (envb_t *e)
{
    if (!e || e->nlay == 0)
        return;
    memset (e->tab, 0, e->tabsize * sizeof (*e->tab));
    e->nlay = 0;
    buf_reset (&e->arena);
}

char *const *envb_envp (envb_t *e)
{
    if (!e) {
        errno = EINVAL;
        return NULL;
    }
    /* Nothing layered: the base array is already the answer. */
    if (e->nlay == 0) {
        e->nout = e->nbase;
        return e->base;
    }
    size_t need = e->nbase + e->nlay + 1;
    if (need > e->capout) {
        char **out = realloc (e->out, need * sizeof (*out));
        if (!out)
            return NULL;
        e->out = out;
        e->capout = need;
    }
    size_t k = 0;
    for (size_t i = 0; i < e->nbase; i++) {
        if (lay_find (e, e->base[i], e->bnamelen[i], e->bhash[i]) < 0)
            e->out[k++] = e->base[i];
    }
    for (size_t i = 0; i < e->nlay; i++) {
        if (e->lay[i].set)
            e->out[k++] = e->arena.data + e->lay[i].off;
    }
    e->out[k] = NULL;
    e->nout = k;
    return e->out;
}

int envb_count (envb_t *e)
{
    if (!envb_envp (e))
        return -1;
    return (int)e->nout;
}
