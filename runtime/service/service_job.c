/* service_job.c: the service's jobs: what belongs to one job (its job
 * file, records and requests) apart from the pool's workers and tasks. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/service/service_int.h"

svc_job_t *svc_job_new (service_t *svc, jobfile_t *jf, int num, int mapped)
{
    if (svc->njobs == svc->jobs_cap) {
        int cap = svc->jobs_cap ? svc->jobs_cap * 2 : 4;
        svc_job_t **v = realloc (svc->jobs, (size_t)cap * sizeof (*v));
        if (!v)
            return NULL;
        svc->jobs = v;
        svc->jobs_cap = cap;
    }
    svc_job_t *J = calloc (1, sizeof (*J));
    if (!J)
        return NULL;
    if (mapped && !(J->gidx = malloc (64 * sizeof (uint32_t)))) {
        free (J);
        return NULL;
    }
    J->gidx_cap = mapped ? 64 : 0;
    J->num = num;
    J->sj = -1;
    J->jf = jf;
    J->job = jobfile_job (jf);
    J->priority = J->job->priority;
    J->open = J->job->open;
    J->spool_fd = -1;
    svc->jobs[svc->njobs++] = J;
    return J;
}

void svc_job_free (svc_job_t *J)
{
    if (!J)
        return;
    int saved = errno;
    journal_close (J->j);
    if (J->spool_fd >= 0)
        close (J->spool_fd);
    for (int k = 0; k < J->ncancel_pats; k++)
        free (J->cancel_pats[k]);
    free (J->cancel_pats);
    free (J->terminated_by);
    free (J->gidx);
    free (J->node_state);
    free (J->node_released);
    free (J->node_prep_attempts);
    free (J->told);
    free (J->node_used);
    free (J->held);
    free (J->held_mi);
    jobfile_destroy (J->jf);
    free (J);
    errno = saved;
}

svc_job_t *svc_job_find (const service_t *svc, const char *id)
{
    for (int k = 0; id && k < svc->njobs; k++)
        if (!strcmp (svc->jobs[k]->job->id, id))
            return svc->jobs[k];
    return NULL;
}

int svc_job_nodes (service_t *svc, svc_job_t *J)
{
    if (J->nodes_cap >= svc->nnodes && J->node_state)
        return 0;
    int cap = svc->nnodes > 8 ? svc->nnodes * 2 : 16;
    uint8_t *s = realloc (J->node_state, (size_t)cap);
    if (!s)
        return -1;
    J->node_state = s;
    uint8_t *r = realloc (J->node_released, (size_t)cap);
    if (!r)
        return -1;
    J->node_released = r;
    int *a = realloc (J->node_prep_attempts, (size_t)cap * sizeof (int));
    if (!a)
        return -1;
    J->node_prep_attempts = a;
    uint8_t *u = realloc (J->node_used, (size_t)cap);
    if (!u)
        return -1;
    J->node_used = u;
    for (int k = J->nodes_cap; k < cap; k++) {
        J->node_state[k] = J->job->prep ? NODE_NEW : NODE_READY;
        J->node_released[k] = 0;
        J->node_prep_attempts[k] = 0;
        J->node_used[k] = 0;
    }
    J->nodes_cap = cap;
    return 0;
}
