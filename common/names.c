/* names.c: the names of task states and attempt outcomes, one table each. */
#include <config.h>

#include <string.h>

#include "common/names.h"

static const char *const state_names[MB_NSTATES] = {
    "pending", "ready", "running", "succeeded", "failed", "skipped", "cancelled",
};

static const char *const outcome_names[MB_NOUTCOMES] = {
    "succeeded", "failed", "timed_out", "interrupted", "input_error", "output_error",
};

static int lookup (const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp (names[i], name))
            return i;
    return -1;
}

const char *mb_state_name (int s)
{
    return s >= 0 && s < MB_NSTATES ? state_names[s] : "unknown";
}

int mb_state_by_name (const char *name)
{
    return lookup (state_names, MB_NSTATES, name);
}

const char *mb_outcome_name (int o)
{
    return o >= 0 && o < MB_NOUTCOMES ? outcome_names[o] : "unknown";
}

int mb_outcome_by_name (const char *name)
{
    return lookup (outcome_names, MB_NOUTCOMES, name);
}
