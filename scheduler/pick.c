/* pick.c: which free slots of a worker a task gets, kept close together in the topology. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/sched.h"

/* One locality group (a package or a NUMA node) among candidate slots. */
struct group {
    int id;
    int count;      /* candidate slots in it */
    int first;      /* its lowest candidate slot */
    int used;
};

/* A missing level array means one group holding every slot. */
static int level_of (const int *level, int i)
{
    return level ? level[i] : 0;
}

/* Lowest start of r consecutive candidate slots that share their group at
 * every one of the nlv levels; -1 when there is none. */
static int run_start (int n, const int *const *levels, int nlv, const uint8_t *cand, int r)
{
    int len = 0;
    for (int i = 0; i < n; i++) {
        if (!cand[i]) {
            len = 0;
            continue;
        }
        for (int l = 0; l < nlv && len > 0; l++) {
            if (level_of (levels[l], i) != level_of (levels[l], i - 1))
                len = 0;
        }
        if (++len >= r)
            return i - r + 1;
    }
    return -1;
}

/* The groups of `level` among the candidates, in order of first slot. */
static int collect (int n, const int *level, const uint8_t *cand, struct group *g)
{
    int ng = 0;
    for (int i = 0; i < n; i++) {
        if (!cand[i])
            continue;
        int id = level_of (level, i);
        int j = 0;
        while (j < ng && g[j].id != id)
            j++;
        if (j == ng) {
            g[ng].id = id;
            g[ng].count = 0;
            g[ng].first = i;
            g[ng].used = 0;
            ng++;
        }
        g[j].count++;
    }
    return ng;
}

/* The fewest groups of `level` that hold r of the candidates. */
static int groups_needed (int n, const int *level, const uint8_t *cand, int r,
                          struct group *g)
{
    int ng = collect (n, level, cand, g);
    int need = 0;
    while (r > 0) {
        int best = -1;
        for (int j = 0; j < ng; j++) {
            if (!g[j].used && (best < 0 || g[j].count > g[best].count))
                best = j;
        }
        if (best < 0)
            return n + 1;
        g[best].used = 1;
        r -= g[best].count;
        need++;
    }
    return need;
}

static void subset (int n, const int *level, int id, const uint8_t *cand, uint8_t *sub)
{
    for (int i = 0; i < n; i++)
        sub[i] = cand[i] && level_of (level, i) == id;
}

/* Mark in `out` r of the candidate slots (there are at least r): whole
 * groups of levels[0], largest first, until one group can hold the rest;
 * that group is the one needing the fewest groups of the next level, then
 * one holding a run of consecutive slots, then the lowest-numbered; inside
 * it the same choice is made one level down.  At the bottom, the lowest
 * run of consecutive free slots, else the lowest free slots. */
static int take (int n, const int *const *levels, int nlv, const uint8_t *cand, int r,
                 uint8_t *out)
{
    struct group *g = NULL, *g2 = NULL;
    uint8_t *sub = NULL;

    if (nlv == 0) {
        int st = run_start (n, NULL, 0, cand, r);
        if (st >= 0) {
            memset (out + st, 1, (size_t)r);
            return 0;
        }
        for (int i = 0; i < n && r > 0; i++) {
            if (cand[i]) {
                out[i] = 1;
                r--;
            }
        }
        return 0;
    }
    if (!(g = malloc ((size_t)n * sizeof (*g)))
        || !(g2 = malloc ((size_t)n * sizeof (*g2)))
        || !(sub = malloc ((size_t)n)))
        goto error;
    int ng = collect (n, levels[0], cand, g);
    while (r > 0) {
        int best = -1, bneed = 0, bnorun = 0;
        for (int j = 0; j < ng; j++) {
            if (g[j].used || g[j].count < r)
                continue;
            subset (n, levels[0], g[j].id, cand, sub);
            int need = nlv > 1 ? groups_needed (n, levels[1], sub, r, g2) : 1;
            int norun = run_start (n, levels + 1, nlv - 1, sub, r) < 0;
            /* Groups are in order of first slot: strict comparisons keep
             * the lowest-numbered on ties. */
            if (best < 0 || need < bneed || (need == bneed && norun < bnorun)) {
                best = j;
                bneed = need;
                bnorun = norun;
            }
        }
        if (best >= 0) {
            subset (n, levels[0], g[best].id, cand, sub);
            if (take (n, levels + 1, nlv - 1, sub, r, out) < 0)
                goto error;
            break;
        }
        /* No single group holds the rest: take the largest whole. */
        for (int j = 0; j < ng; j++) {
            if (!g[j].used && (best < 0 || g[j].count > g[best].count))
                best = j;
        }
        g[best].used = 1;
        for (int i = 0; i < n; i++) {
            if (cand[i] && level_of (levels[0], i) == g[best].id)
                out[i] = 1;
        }
        r -= g[best].count;
    }
    free (g);
    free (g2);
    free (sub);
    return 0;
error:
    free (g);
    free (g2);
    free (sub);
    return -1;
}

int sched_pick_slots (int nslots, const int *numa, const int *pkg,
                      const uint8_t *busy, int k, int *out)
{
    uint8_t *cand = NULL, *chosen = NULL;
    const int *levels[2] = { pkg, numa };

    if (nslots < 0 || k < 0 || (nslots > 0 && !busy) || (k > 0 && !out)) {
        errno = EINVAL;
        return -1;
    }
    if (k == 0)
        return 0;
    int nfree = 0;
    for (int i = 0; i < nslots; i++)
        nfree += busy[i] == 0;
    if (nfree < k) {
        errno = ENOSPC;
        return -1;
    }
    if (!(cand = calloc ((size_t)nslots, 1)) || !(chosen = calloc ((size_t)nslots, 1)))
        goto error;
    for (int i = 0; i < nslots; i++)
        cand[i] = busy[i] == 0;
    if (take (nslots, levels, 2, cand, k, chosen) < 0)
        goto error;
    int m = 0;
    for (int i = 0; i < nslots; i++) {
        if (chosen[i])
            out[m++] = i;
    }
    free (cand);
    free (chosen);
    return 0;
error:
    free (cand);
    free (chosen);
    return -1;
}
