#!/bin/sh
# pool-alloc.sh: examples/slurm/pool-alloc.sbatch in the real one-node
# Slurm, as a user submits it: its ompi-server, `mpibatch pool` (3 ranks on
# one CPU), its allocation queue and the job it submits; tasks wait, the
# pool submits a worker job whose workers join and run tasks; `shutdown`
# ends the pool once the job has, the worker job ends with it, and nothing
# is left in squeue.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI)"
mb_init slurm-pool-alloc
slurm_up
M=$MPIBATCH
trap 'for j in $(squeue -h -o %i 2>/dev/null); do scancel "$j" 2>/dev/null; done; slurm_down; mb_cleanup' EXIT

job job <<EOF2
slots_per_worker = 1;
sweeps = ( { id = "t-\${i}"; command = "sleep 2; echo t-\${i} j\$SLURM_JOB_ID >>$tmp/ran";
             parameters = { i = { from = 1; to = 16; }; }; } );
EOF2
# One CPU for the pool's job (--overcommit), the other for a worker job.
example pool-alloc.sbatch \
    -e "s|^POOL=.*|POOL=$tmp/pool|" \
    -e 's|^ALLOC=.*|ALLOC="--time-limit 5m --max-allocations 1 --idle-timeout 10s"|'
grep -q "^POOL=$tmp/pool" "$tmp/pool-alloc.sbatch" || die "cannot adapt pool-alloc.sbatch"
export MPIBATCH_ALLOC_POLL=0.5
id=$(submit "$tmp/pool-alloc.sbatch")
[ -n "$id" ] || die "sbatch refused pool-alloc.sbatch: $(cat "$tmp/sbatch.err")"
P=$tmp/pool
out=$tmp/pool-alloc.sbatch-$id.out

# worker_jobs: the pool's worker jobs (names mbw-...) in squeue.
worker_jobs () { squeue -h -o '%i %j' 2>/dev/null | awk '$2 ~ /^mbw-/ { print $1 }'; }
ran_in_worker_job () { grep -q "j$(cat "$tmp/wj")\$" "$tmp/ran" 2>/dev/null; }
wj_running () {
    worker_jobs | head -n 1 >"$tmp/wj"
    [ -s "$tmp/wj" ] && [ "$(job_state "$(cat "$tmp/wj")")" = RUNNING ]
}
n=0
while [ "$n" -lt 600 ] && ! wj_running; do sleep 0.1; n=$((n + 1)); done
check "the pool submitted a worker job, and it runs" wj_running
n=0
while [ "$n" -lt 300 ] && ! ran_in_worker_job; do sleep 0.2; n=$((n + 1)); done
check "tasks ran in the worker job" ran_in_worker_job
check "the script's queue is the pool's" grep -q "max_allocations\":1" "$P/status.json"
timeout 30 "$M" shutdown "$P" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "shutdown" 0
check "the pool's job ends within 60 s" job_wait "$id" 60
check_exit "pool-alloc.sbatch" "$out" 0
check "its worker job ends too" job_wait "$(cat "$tmp/wj")" 30
check_eq "nothing left in squeue" "$(squeue -h -o %i 2>/dev/null)" ""
check_eq "every task ran once" "$(cut -d' ' -f1 "$tmp/ran" | sort -u | wc -l) $(wc -l <"$tmp/ran")" "16 16"
check "the pool printed the worker command" \
    grep -q "workers join with: mpirun --ompi-server file:$P/ompi-server.uri " "$out"
[ "${MB_SHOW:-}" ] && [ -f "$out" ] && sed -n "1,40s/^/    job| /p" "$out"
[ "$nfail" -eq 0 ] || sed -n '1,40s/^/    job| /p' "$out"
mb_finish
