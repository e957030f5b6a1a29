#!/bin/sh
# env.sh: the environment of a task (spec/tasks.md "Environment
# variables" and "The task's process"): every MPIBATCH_* variable, sweep
# parameters, OMP_NUM_THREADS, job and task environment, AZ_BATCH_* only
# with env_compat = "azure", no launcher variables under mpirun but the
# user's MCA settings kept, stdin from /dev/null, own process group.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init env

# Each task dumps its environment, its cwd, what stdin holds and whether
# it leads its process group.
cat >"$tmp/dump.sh" <<'EOF2'
env
echo "CWD=$(pwd -P)"
echo "STDIN=$(cat | wc -c)"
echo "PGID=$(ps -o pgid= -p $$ | tr -d ' ')"
echo "PID=$$"
EOF2
dump="exec sh $tmp/dump.sh"
job envjob <<EOF2
env_compat = "azure";
environment = { JOBVAR = "job"; BOTH = "job"; };
job_preparation = { command = "true"; };
tasks = (
  { id = "plain"; command = "$dump"; environment = { TASKVAR = "task"; BOTH = "task"; }; },
  { id = "two"; slots = 2; command = "$dump"; },
  { id = "omp"; command = "$dump"; environment = { OMP_NUM_THREADS = "7"; }; }
);
sweeps = (
  { id = "sw-\${alpha}"; command = "$dump";
    parameters = { alpha = [ "a", "b" ]; max_iter = [ "5", "6" ]; }; mode = "zip"; }
);
EOF2
job plainjob <<EOF2
tasks = ( { id = "p"; command = "env"; } );
EOF2

OMPI_MCA_btl=self,vader,tcp
export OMPI_MCA_btl
# -x belongs to mpirun, not to mpibatch run: run by hand.
rm -f "$tmp/.st"
(cd "$tmp" && run_mpi_st 2 -x OMPI_MCA_btl "$MPIBATCH" run envjob.cfg)
st=$(cat "$tmp/.st")
check_status "envjob under mpirun -n 2" 0
log=$tmp/jobs/envjob/logs
e=$log/plain/0.stdout
host=$(hostname)

v () { envval "$e" "$1"; }
check_eq "MPIBATCH_JOB_ID" "$(v MPIBATCH_JOB_ID)" envjob
check_eq "MPIBATCH_TASK_ID" "$(v MPIBATCH_TASK_ID)" plain
check_eq "MPIBATCH_TASK_ATTEMPT" "$(v MPIBATCH_TASK_ATTEMPT)" 0
check_eq "MPIBATCH_TASK_SLOTS" "$(v MPIBATCH_TASK_SLOTS)" 1
cpus=$(v MPIBATCH_TASK_CPUS)
case $cpus in
[0-9]|[0-9][0-9]) pass "MPIBATCH_TASK_CPUS is one CPU ($cpus)" ;;
*) fail "MPIBATCH_TASK_CPUS is '$cpus', not one CPU" ;;
esac
check_eq "MPIBATCH_NODE_ID is the host name" "$(v MPIBATCH_NODE_ID)" "$host"
check_eq "MPIBATCH_WORKER_RANK" "$(v MPIBATCH_WORKER_RANK)" 1
check_eq "MPIBATCH_NUM_WORKERS" "$(v MPIBATCH_NUM_WORKERS)" 1
check_eq "MPIBATCH_STORAGE_DIR is the absolute storage" "$(v MPIBATCH_STORAGE_DIR)" "$tmp"
check_eq "MPIBATCH_NODE_ROOT_DIR" "$(v MPIBATCH_NODE_ROOT_DIR)" "$tmp/nodes/$host"
check_eq "MPIBATCH_NODE_SHARED_DIR" "$(v MPIBATCH_NODE_SHARED_DIR)" "$tmp/nodes/$host/shared"
check "MPIBATCH_NODE_SHARED_DIR exists" test -d "$tmp/nodes/$host/shared"
check_eq "MPIBATCH_TASK_DIR" "$(v MPIBATCH_TASK_DIR)" "$tmp/nodes/$host/envjob/tasks/plain"
check_eq "MPIBATCH_TASK_WORKING_DIR" "$(v MPIBATCH_TASK_WORKING_DIR)" "$tmp/nodes/$host/envjob/tasks/plain/wd"
# $tmp is resolved already, so pwd -P must give the same string.
check_eq "MPIBATCH_TASK_WORKING_DIR is the task's cwd" "$(v CWD)" "$(v MPIBATCH_TASK_WORKING_DIR)"
check_eq "MPIBATCH_JOB_PREP_DIR" "$(v MPIBATCH_JOB_PREP_DIR)" "$tmp/nodes/$host/envjob/prep"
check_eq "MPIBATCH_JOB_PREP_WORKING_DIR" "$(v MPIBATCH_JOB_PREP_WORKING_DIR)" "$tmp/nodes/$host/envjob/prep/wd"
check "no MPIBATCH_SWEEP_INDEX outside a sweep" sh -c "! grep -q '^MPIBATCH_SWEEP_INDEX=' '$e'"
check_eq "OMP_NUM_THREADS = slots (1)" "$(v OMP_NUM_THREADS)" 1
check_eq "OMP_NUM_THREADS = slots (2)" "$(envval "$log/two/0.stdout" OMP_NUM_THREADS)" 2
check_eq "MPIBATCH_TASK_SLOTS = 2" "$(envval "$log/two/0.stdout" MPIBATCH_TASK_SLOTS)" 2
check_eq "a task's OMP_NUM_THREADS wins" "$(envval "$log/omp/0.stdout" OMP_NUM_THREADS)" 7
check_eq "job environment" "$(v JOBVAR)" job
check_eq "task environment" "$(v TASKVAR)" task
check_eq "the task's value wins over the job's" "$(v BOTH)" task
check_eq "job value where the task has none" "$(envval "$log/two/0.stdout" BOTH)" job

# Sweeps: index and parameters, names upper-cased, '-' as '_'.
for i in 0 1; do
    s=$log/sw-$(echo a b | cut -d' ' -f$((i + 1)))/0.stdout
    check_eq "sweep task $i: MPIBATCH_SWEEP_INDEX" "$(envval "$s" MPIBATCH_SWEEP_INDEX)" $i
    check_eq "sweep task $i: MPIBATCH_PARAM_ALPHA" "$(envval "$s" MPIBATCH_PARAM_ALPHA)" \
        "$(echo a b | cut -d' ' -f$((i + 1)))"
    check_eq "sweep task $i: MPIBATCH_PARAM_MAX_ITER" "$(envval "$s" MPIBATCH_PARAM_MAX_ITER)" $((i + 5))
done

# Azure names with env_compat = "azure".
for n in JOB_ID:envjob TASK_ID:plain NODE_ID:$host POOL_ID:envjob \
    NODE_ROOT_DIR:$tmp/nodes/$host NODE_SHARED_DIR:$tmp/nodes/$host/shared \
    TASK_DIR:$tmp/nodes/$host/envjob/tasks/plain \
    TASK_WORKING_DIR:$tmp/nodes/$host/envjob/tasks/plain/wd \
    JOB_PREP_DIR:$tmp/nodes/$host/envjob/prep \
    JOB_PREP_WORKING_DIR:$tmp/nodes/$host/envjob/prep/wd; do
    check_eq "AZ_BATCH_${n%%:*}" "$(v "AZ_BATCH_${n%%:*}")" "${n#*:}"
done

# The launcher's wiring is gone, the user's MPI settings stay.
leaked=$(grep -E '^(OMPI_COMM_WORLD_|PMIX_|OMPI_MCA_ess|OMPI_MCA_orte_|OMPI_MCA_pmix|OMPI_MCA_initial_wdir|OMPI_FILE_LOCATION|OMPI_FIRST_RANKS|OMPI_NUM_APP_CTX|OMPI_APP_CTX_NUM_PROCS|OMPI_COMMAND|OMPI_ARGV|OMPI_UNIVERSE_SIZE|OMPI_MCA_shmem_RUNTIME_QUERY_hint)' "$e" | cut -d= -f1 | tr '\n' ' ')
check_eq "no launcher variables in the task's environment" "$leaked" ""
check_eq "OMPI_MCA_btl exported with mpirun -x stays" "$(v OMPI_MCA_btl)" "self,vader,tcp"
check_eq "OMPI_ALLOW_RUN_AS_ROOT stays" "$(v OMPI_ALLOW_RUN_AS_ROOT)" 1
check_eq "stdin is /dev/null (cat reads nothing)" "$(v STDIN)" 0
check_eq "the task leads its own process group" "$(v PGID)" "$(v PID)"

# Without env_compat, no Azure names; the plain job runs as a singleton.
mb_run 0 plainjob.cfg
check_status "plainjob as a singleton" 0
p=$tmp/jobs/plainjob/logs/p/0.stdout
check_eq "no AZ_BATCH_* without env_compat" "$(grep -c '^AZ_BATCH_' "$p")" 0
check "MPIBATCH_TASK_ID set in the singleton" grep -qx "MPIBATCH_TASK_ID=p" "$p"
check "no MPIBATCH_JOB_PREP_DIR without job_preparation" \
    sh -c "! grep -q '^MPIBATCH_JOB_PREP_DIR=' '$p'"
check_eq "MPIBATCH_WORKER_RANK of a singleton" "$(envval "$p" MPIBATCH_WORKER_RANK)" 0
leaked=$(grep -E '^(OMPI_COMM_WORLD_|PMIX_|OMPI_MCA_ess|OMPI_MCA_orte_|OMPI_MCA_pmix)' "$p" | cut -d= -f1 | tr '\n' ' ')
check_eq "no launcher variables in a singleton's task" "$leaked" ""
mb_finish
