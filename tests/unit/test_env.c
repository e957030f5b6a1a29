/* test_env.c: the task environment: scrubbing of launcher variables and the per-task layer. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/node/env.h"

/* What mpirun 4.1 and srun really put into a rank's environment, mixed
 * with what a user sets on purpose. */
static char *sample[] = {
    "PATH=/usr/bin:/bin",
    "HOME=/root",
    "PMIX_RANK=1",
    "PMIX_NAMESPACE=1234",
    "PMIX_SERVER_URI3=x",
    "OMPI_COMM_WORLD_RANK=1",
    "OMPI_COMM_WORLD_SIZE=2",
    "OMPI_COMM_WORLD_LOCAL_RANK=1",
    "OMPI_MCA_orte_hnp_uri=42;tcp://1.2.3.4:5",
    "OMPI_MCA_ess=^singleton",
    "OMPI_MCA_ess_base_jobid=1",
    "OMPI_MCA_pmix=^s1,s2",
    "OMPI_MCA_initial_wdir=/tmp",
    "OMPI_MCA_shmem_RUNTIME_QUERY_hint=mmap",
    "OMPI_FILE_LOCATION=/tmp/ompi.x",
    "OMPI_FIRST_RANKS=0",
    "OMPI_NUM_APP_CTX=1",
    "OMPI_APP_CTX_NUM_PROCS=2",
    "OMPI_COMMAND=mpibatch",
    "OMPI_ARGV=run job.cfg",
    "OMPI_UNIVERSE_SIZE=2",
    "OMPI_ALLOW_RUN_AS_ROOT=1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
    "OMPI_MCA_btl=self,vader",
    "OMPI_MCA_btl_tcp_if_include=eth0",
    "OMPI_MCA_rmaps_base_oversubscribe=1",
    "SLURM_JOB_ID=77",
    "SLURM_JOB_NODELIST=n[1-2]",
    "SLURM_NTASKS=2",
    "SLURM_STEP_ID=0",
    "SLURM_STEPID=0",
    "SLURM_PROCID=1",
    "SLURM_LOCALID=1",
    "SLURM_NODEID=0",
    "SLURM_TASK_PID=999",
    "SLURM_GTIDS=0,1",
    "SLURM_SRUN_COMM_PORT=4000",
    "SLURM_CPU_BIND=quiet,mask_cpu:0x1",
    "SLURM_CPU_BIND_LIST=0x1",
    "PMI_RANK=1",
    "PMI_SIZE=2",
    "PMI_FD=5",
    "HYDI_CONTROL_FD=7",
    "MPI_LOCALRANKID=1",
    "MPI_LOCALNRANKS=2",
    "PMIXY=kept-not-a-prefix-match",
    "NOEQUALS",
    "EMPTY=",
    NULL,
};

static const char *kept[] = {
    "PATH=/usr/bin:/bin", "HOME=/root",
    "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
    "OMPI_MCA_btl=self,vader", "OMPI_MCA_btl_tcp_if_include=eth0",
    "OMPI_MCA_rmaps_base_oversubscribe=1",
    "SLURM_JOB_ID=77", "SLURM_JOB_NODELIST=n[1-2]", "SLURM_NTASKS=2",
    "PMIXY=kept-not-a-prefix-match", "EMPTY=",
};

static int count (char *const *v)
{
    int n = 0;
    while (v[n])
        n++;
    return n;
}

static int find (char *const *v, const char *s)
{
    for (int i = 0; v[i]; i++)
        if (strcmp (v[i], s) == 0)
            return i;
    return -1;
}

static void test_launcher_vars (void **state)
{
    (void)state;
    assert_true (env_is_launcher_var ("PMIX_RANK"));
    assert_true (env_is_launcher_var ("PMIX_RANK=3"));
    assert_true (env_is_launcher_var ("OMPI_COMM_WORLD_LOCAL_SIZE"));
    assert_true (env_is_launcher_var ("OMPI_MCA_orte_num_nodes"));
    assert_true (env_is_launcher_var ("OMPI_MCA_ess_base_vpid"));
    assert_true (env_is_launcher_var ("OMPI_MCA_pmix_base_verbose"));
    assert_true (env_is_launcher_var ("OMPI_UNIVERSE_SIZE"));
    assert_true (env_is_launcher_var ("SLURM_STEP_NODELIST"));
    assert_true (env_is_launcher_var ("SLURM_PROCID"));
    assert_true (env_is_launcher_var ("SLURM_CPU_BIND_TYPE"));
    assert_true (env_is_launcher_var ("PMI_FD"));
    assert_true (env_is_launcher_var ("MPI_LOCALNRANKS"));
    assert_false (env_is_launcher_var ("OMPI_ALLOW_RUN_AS_ROOT"));
    assert_false (env_is_launcher_var ("OMPI_MCA_btl"));
    assert_false (env_is_launcher_var ("OMPI_MCA_mpi_yield_when_idle"));
    assert_false (env_is_launcher_var ("OMPI_UNIVERSE_SIZE_X"));
    assert_false (env_is_launcher_var ("OMPI_COMMANDS"));
    assert_false (env_is_launcher_var ("SLURM_JOB_ID"));
    assert_false (env_is_launcher_var ("SLURM_NTASKS"));
    assert_false (env_is_launcher_var ("PMI"));
    assert_false (env_is_launcher_var ("PATH"));
    assert_false (env_is_launcher_var (""));
    assert_false (env_is_launcher_var (NULL));
}

static void test_scrub (void **state)
{
    (void)state;
    envb_t *e = envb_create (sample);
    assert_non_null (e);
    char *const *v = envb_envp (e);
    assert_non_null (v);
    int n = (int)(sizeof (kept) / sizeof (kept[0]));
    assert_int_equal (count (v), n);
    assert_int_equal (envb_count (e), n);
    /* Kept entries keep their order. */
    for (int i = 0; i < n; i++)
        assert_string_equal (v[i], kept[i]);
    for (int i = 0; v[i]; i++)
        assert_false (env_is_launcher_var (v[i]));
    assert_string_equal (envb_get (e, "OMPI_MCA_btl"), "self,vader");
    assert_null (envb_get (e, "PMIX_RANK"));
    assert_string_equal (envb_get (e, "EMPTY"), "");
    envb_destroy (e);

    /* An empty environment is fine, and so is NULL. */
    char *none[] = { NULL };
    assert_non_null (e = envb_create (none));
    assert_int_equal (count (envb_envp (e)), 0);
    envb_destroy (e);
    assert_non_null (e = envb_create (NULL));
    assert_int_equal (envb_count (e), 0);
    envb_destroy (e);
    envb_destroy (NULL);
}

static void test_layer (void **state)
{
    (void)state;
    envb_t *e = envb_create (sample);
    assert_non_null (e);
    int nbase = envb_count (e);

    assert_int_equal (envb_set (e, "MPIBATCH_TASK_ID", "t1"), 0);
    assert_int_equal (envb_set (e, "PATH", "/opt/bin"), 0);        /* override */
    assert_int_equal (envb_set (e, "HOME", NULL), 0);              /* unset */
    assert_int_equal (envb_set (e, "NEVER", NULL), 0);             /* unset unknown */
    assert_int_equal (envb_set (e, "MPIBATCH_TASK_ID", "t2"), 0);  /* later wins */
    assert_int_equal (envb_set (e, "OMP_NUM_THREADS", "4"), 0);
    assert_int_equal (envb_set (e, "OMP_NUM_THREADS", NULL), 0);   /* set then unset */
    assert_int_equal (envb_set (e, "EMPTY", "x=y"), 0);

    char *const *v = envb_envp (e);
    assert_non_null (v);
    /* base - PATH - HOME - EMPTY + PATH + MPIBATCH_TASK_ID + EMPTY */
    assert_int_equal (count (v), nbase);
    assert_int_equal (find (v, "PATH=/usr/bin:/bin"), -1);
    assert_true (find (v, "PATH=/opt/bin") >= 0);
    assert_int_equal (find (v, "HOME=/root"), -1);
    assert_int_equal (find (v, "MPIBATCH_TASK_ID=t1"), -1);
    assert_true (find (v, "MPIBATCH_TASK_ID=t2") >= 0);
    assert_true (find (v, "EMPTY=x=y") >= 0);
    for (int i = 0; v[i]; i++) {
        assert_true (strncmp (v[i], "NEVER", 5) != 0);
        assert_true (strncmp (v[i], "OMP_NUM_THREADS", 15) != 0);
    }
    /* The layer follows the base, in first-set order. */
    assert_string_equal (v[nbase - 3], "MPIBATCH_TASK_ID=t2");
    assert_string_equal (v[nbase - 2], "PATH=/opt/bin");
    assert_string_equal (v[nbase - 1], "EMPTY=x=y");
    assert_string_equal (envb_get (e, "PATH"), "/opt/bin");
    assert_null (envb_get (e, "HOME"));
    assert_string_equal (envb_get (e, "EMPTY"), "x=y");

    assert_int_equal (envb_set (e, "", "x"), -1);
    assert_int_equal (errno, EINVAL);
    assert_int_equal (envb_set (e, "A=B", "x"), -1);
    assert_int_equal (errno, EINVAL);

    /* Reset goes back to the base, exactly. */
    envb_reset (e);
    v = envb_envp (e);
    assert_int_equal (count (v), nbase);
    assert_true (find (v, "PATH=/usr/bin:/bin") >= 0);
    assert_true (find (v, "HOME=/root") >= 0);
    assert_int_equal (find (v, "MPIBATCH_TASK_ID=t2"), -1);

    /* Many variables: the table grows and every lookup still works;
     * many tasks: the same layer memory is reused. */
    for (int round = 0; round < 50; round++) {
        envb_reset (e);
        char name[32], val[32];
        for (int i = 0; i < 300; i++) {
            snprintf (name, sizeof (name), "V%d", i);
            snprintf (val, sizeof (val), "%d-%d", round, i);
            assert_int_equal (envb_set (e, name, val), 0);
        }
        assert_int_equal (envb_set (e, "V7", "last"), 0);
        v = envb_envp (e);
        assert_int_equal (count (v), nbase + 300);
        assert_string_equal (envb_get (e, "V7"), "last");
        snprintf (val, sizeof (val), "%d-299", round);
        assert_string_equal (envb_get (e, "V299"), val);
    }
    envb_destroy (e);
}

/* The array really works as an environment for execve. */
static void test_exec (void **state)
{
    (void)state;
    envb_t *e = envb_create (sample);
    assert_non_null (e);
    assert_int_equal (envb_set (e, "MB_TEST_VAR", "hello world"), 0);
    assert_int_equal (envb_set (e, "OMPI_COMM_WORLD_RANK", NULL), 0);
    char *const *v = envb_envp (e);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        char *argv[] = { "sh", "-c",
            "test \"$MB_TEST_VAR\" = 'hello world' && test -z \"$PMIX_RANK\""
            " && test \"$OMPI_MCA_btl\" = self,vader", NULL };
        execve ("/bin/sh", argv, v);
        _exit (126);
    }
    int status;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);
    envb_destroy (e);
}

int main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_launcher_vars),
        cmocka_unit_test (test_scrub),
        cmocka_unit_test (test_layer),
        cmocka_unit_test (test_exec),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
