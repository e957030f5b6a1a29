/* graph.h: the task graph: prerequisites and dependents of n tasks in CSR
 * form, and cycle finding.  In common/ because two rooms need it: the job
 * file loader (io/) refuses cyclic dependencies with it, and the scheduler
 * walks it to release dependents.  Pure computation: no I/O, no MPI. */
#ifndef MB_GRAPH_H
#define MB_GRAPH_H

#include <stddef.h>
#include <stdint.h>

typedef struct graph graph_t;

/* Build the graph of n tasks from prerequisite lists in CSR form: task i
 * depends on deps[off[i]] .. deps[off[i+1]-1] (off has n+1 entries).
 * The arrays are copied.  Returns NULL with errno set (ENOMEM, EINVAL for
 * an index out of range).  The caller destroys the graph. */
graph_t *graph_create (size_t n, const uint32_t *off, const uint32_t *deps);
/* Free the graph.  Accepts NULL; preserves errno. */
void graph_destroy (graph_t *g);

/* Number of tasks and of dependency edges (0 for NULL). */
size_t graph_size (const graph_t *g);
size_t graph_edges (const graph_t *g);
/* Number of prerequisites of task i. */
uint32_t graph_indegree (const graph_t *g, uint32_t i);
/* Tasks that depend on task i, in increasing index order; *count is set.
 * Valid for the graph's life.  NULL with errno EINVAL for a bad i. */
const uint32_t *graph_dependents (const graph_t *g, uint32_t i, uint32_t *count);
/* Prerequisites of task i, as given to graph_create; *count is set. */
const uint32_t *graph_prereqs (const graph_t *g, uint32_t i, uint32_t *count);

/* Look for dependency cycles.  Returns 0 when the graph is acyclic, 1 when
 * a cycle exists (then *cycle is a malloc'd list of the task indices on one
 * cycle, in dependency order starting from its lowest index, caller frees,
 * and *len its length), -1 on ENOMEM. */
int graph_find_cycle (const graph_t *g, uint32_t **cycle, size_t *len);

#endif
