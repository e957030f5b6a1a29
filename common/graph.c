/* graph.c: the task graph (prerequisites and dependents in CSR form) and cycle detection. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/graph.h"

struct graph {
    size_t n;
    size_t nedges;
    uint32_t *poff;      /* n+1 offsets into pre: prerequisites of each task */
    uint32_t *pre;
    uint32_t *doff;      /* n+1 offsets into dep: dependents of each task */
    uint32_t *dep;
};

void graph_destroy (graph_t *g)
{
    if (g) {
        int saved = errno;
        free (g->poff);
        free (g->pre);
        free (g->doff);
        free (g->dep);
        free (g);
        errno = saved;
    }
}

graph_t *graph_create (size_t n, const uint32_t *off, const uint32_t *deps)
{
    graph_t *g;

    /* Indices are uint32_t, so a graph cannot hold more tasks than that. */
    if (n >= UINT32_MAX || (n > 0 && !off)) {
        errno = EINVAL;
        return NULL;
    }
    size_t m = n ? off[n] : 0;
    if (n && off[0] != 0) {
        errno = EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (off[i + 1] < off[i]) {
            errno = EINVAL;
            return NULL;
        }
    }
    if (m > 0 && !deps) {
        errno = EINVAL;
        return NULL;
    }
    for (size_t k = 0; k < m; k++) {
        if (deps[k] >= n) {
            errno = EINVAL;
            return NULL;
        }
    }
    if (!(g = calloc (1, sizeof (*g))))
        return NULL;
    g->n = n;
    g->nedges = m;
    /* +1 everywhere so that zero-sized allocations still return a pointer. */
    if (!(g->poff = calloc (n + 1, sizeof (uint32_t)))
        || !(g->doff = calloc (n + 2, sizeof (uint32_t)))
        || !(g->pre = malloc ((m + 1) * sizeof (uint32_t)))
        || !(g->dep = malloc ((m + 1) * sizeof (uint32_t))))
        goto error;
    if (n) {
        memcpy (g->poff, off, (n + 1) * sizeof (uint32_t));
        if (m)
            memcpy (g->pre, deps, m * sizeof (uint32_t));
    }
    /* Transpose: count dependents of each task, prefix-sum, then fill.
     * Filling in increasing i keeps each dependents list sorted by index. */
    for (size_t k = 0; k < m; k++)
        g->doff[deps[k] + 2]++;
    for (size_t i = 0; i < n; i++)
        g->doff[i + 2] += g->doff[i + 1];
    for (size_t i = 0; i < n; i++) {
        for (uint32_t k = off[i]; k < off[i + 1]; k++)
            g->dep[g->doff[deps[k] + 1]++] = (uint32_t)i;
    }
    return g;
error:
    graph_destroy (g);
    errno = ENOMEM;
    return NULL;
}

size_t graph_size (const graph_t *g)
{
    return g ? g->n : 0;
}

size_t graph_edges (const graph_t *g)
{
    return g ? g->nedges : 0;
}

uint32_t graph_indegree (const graph_t *g, uint32_t i)
{
    if (!g || i >= g->n)
        return 0;
    return g->poff[i + 1] - g->poff[i];
}

const uint32_t *graph_dependents (const graph_t *g, uint32_t i, uint32_t *count)
{
    if (!g || i >= g->n) {
        if (count)
            *count = 0;
        errno = EINVAL;
        return NULL;
    }
    if (count)
        *count = g->doff[i + 1] - g->doff[i];
    return g->dep + g->doff[i];
}

const uint32_t *graph_prereqs (const graph_t *g, uint32_t i, uint32_t *count)
{
    if (!g || i >= g->n) {
        if (count)
            *count = 0;
        errno = EINVAL;
        return NULL;
    }
    if (count)
        *count = g->poff[i + 1] - g->poff[i];
    return g->pre + g->poff[i];
}

/* Colours of the depth-first search. */
enum { WHITE = 0, GREY = 1, BLACK = 2 };

/* The cycle is reported so that cycle[k] depends on cycle[k+1] and the
 * last entry depends on the first ("a -> b" reads "a depends on b"). */
int graph_find_cycle (const graph_t *g, uint32_t **cycle, size_t *len)
{
    size_t n = g ? g->n : 0;
    uint8_t *colour = NULL;
    uint32_t *stack = NULL;    /* the current DFS path (task indices) */
    uint32_t *next = NULL;     /* per path entry: the next prerequisite edge to follow */
    int rc = 0;

    if (n == 0)
        return 0;
    /* An explicit stack instead of recursion: a chain can be a million
     * tasks deep.  The path never holds a task twice, so n entries do. */
    if (!(colour = calloc (n, 1))
        || !(stack = malloc (n * sizeof (uint32_t)))
        || !(next = malloc (n * sizeof (uint32_t)))) {
        rc = -1;
        goto out;
    }
    for (size_t root = 0; root < n; root++) {
        if (colour[root] != WHITE)
            continue;
        size_t sp = 0;
        stack[sp] = (uint32_t)root;
        next[sp] = g->poff[root];
        sp++;
        colour[root] = GREY;
        while (sp > 0) {
            uint32_t v = stack[sp - 1];
            if (next[sp - 1] == g->poff[v + 1]) {
                colour[v] = BLACK;
                sp--;
                continue;
            }
            uint32_t w = g->pre[next[sp - 1]++];
            if (colour[w] == WHITE) {
                colour[w] = GREY;
                stack[sp] = w;
                next[sp] = g->poff[w];
                sp++;
            }
            else if (colour[w] == GREY) {
                /* w is on the path: the cycle is w .. v, each depending on
                 * the next and v on w.  Report it starting from its lowest
                 * index so the answer does not depend on the search order. */
                size_t start = sp - 1;
                while (stack[start] != w)
                    start--;
                size_t clen = sp - start;
                size_t lo = 0;
                for (size_t k = 1; k < clen; k++) {
                    if (stack[start + k] < stack[start + lo])
                        lo = k;
                }
                uint32_t *c = malloc (clen * sizeof (uint32_t));
                if (!c) {
                    rc = -1;
                    goto out;
                }
                for (size_t k = 0; k < clen; k++)
                    c[k] = stack[start + (lo + k) % clen];
                if (cycle)
                    *cycle = c;
                else
                    free (c);
                if (len)
                    *len = clen;
                rc = 1;
                goto out;
            }
        }
    }
out:
    free (colour);
    free (stack);
    free (next);
    if (rc < 0)
        errno = ENOMEM;
    return rc;
}
