/* env.h: the environment of task processes (spec/tasks.md, The task's
 * process): the worker's environment scrubbed of what the MPI launcher or
 * Slurm set to wire the worker rank itself into its job, plus a per-task
 * layer of variables set or unset on top.
 *
 * The base is copied once; building a task's environment only merges
 * pointers, so it stays cheap with thousands of tasks. */
#ifndef MB_ENV_H
#define MB_ENV_H

typedef struct envb envb_t;

/* Copy environ_ (a NULL-terminated "NAME=VALUE" array, e.g. `environ`),
 * leaving out every variable for which env_is_launcher_var() is true and
 * entries without '='.  Returns NULL with errno set (ENOMEM). */
envb_t *envb_create (char **environ_);

/* Free everything.  Accepts NULL; preserves errno. */
void envb_destroy (envb_t *e);

/* True (1) when `name` (a bare name, or "NAME=VALUE": only the part before
 * '=' counts) is one of the per-rank wiring variables of Open MPI / PMIx,
 * MPICH-Hydra or a Slurm job step, which a task must not inherit; else 0. */
int env_is_launcher_var (const char *name);

/* Set (value != NULL) or unset (value == NULL) `name` in the per-task
 * layer, on top of the base.  Later sets of the same name win.  Both
 * strings are copied.  0, or -1 with errno EINVAL (empty name, name with
 * '=') or ENOMEM. */
int envb_set (envb_t *e, const char *name, const char *value);

/* Value of `name` as envb_envp() would give it (layer first, then base),
 * or NULL when unset.  Valid until the next set/reset/destroy. */
const char *envb_get (const envb_t *e, const char *name);

/* Forget the per-task layer (keeps its memory for the next task). */
void envb_reset (envb_t *e);

/* The merged environment: base entries not overridden by the layer, in
 * their original order, then the layer's set variables in the order they
 * were first set.  NULL-terminated; owned by e and valid until the next
 * envb_set/envb_reset/envb_destroy.  NULL with errno ENOMEM on failure. */
char *const *envb_envp (envb_t *e);

/* Number of entries envb_envp() returns (without the NULL). */
int envb_count (envb_t *e);

#endif
