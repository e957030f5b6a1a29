#!/bin/sh
# open.sh: a run of an open job inside a real one-node Slurm job
# (examples/slurm/run.sbatch), served from outside the allocation while it
# runs: tasks added (`add --lines`), one of them cancelled while it runs,
# the job re-prioritised, then closed; the job ends with the cancelled task
# recorded as such (mpibatch exit 1) and every other task run once.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
mb_init slurm-open
slurm_up
M=$MPIBATCH

job job <<EOF2
open = true;
tasks = ( { id = "first"; command = "echo first >>$tmp/ran"; } );
EOF2
printf 'echo l1 >>%s/ran\necho l2 >>%s/ran\necho long-start >>%s/ran; sleep 60\n' \
    "$tmp" "$tmp" "$tmp" >"$tmp/lines.txt"
example run.sbatch -e 's|^#SBATCH --nodes=.*|#SBATCH --nodes=1|'
id=$(submit "$tmp/run.sbatch")
[ -n "$id" ] || die "sbatch refused run.sbatch: $(cat "$tmp/sbatch.err")"
P=$tmp/jobs/job/pool
for _ in $(seq 300); do [ -f "$P/pool.info" ] && break; sleep 0.1; done
check "the run in the allocation serves its pool directory" test -f "$P/pool.info"
timeout 30 "$M" add --lines --prefix l- "$P" job "$tmp/lines.txt" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "add from outside the allocation" 0
timeout 30 "$M" priority "$P" job 9 >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "priority" 0
for _ in $(seq 200); do grep -q long-start "$tmp/ran" 2>/dev/null && break; sleep 0.1; done
timeout 30 "$M" cancel "$P" job l-3 >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "cancel the running task" 0
timeout 30 "$M" close "$P" job >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "close" 0
check "the Slurm job ends within 60 s" job_wait "$id" 60
check_exit "run.sbatch" "$(ls "$tmp"/run.sbatch-*.out | head -n 1)" 1
check_eq "each task ran once" "$(sort "$tmp/ran" | tr '\n' ' ')" "first l1 l2 long-start "
check_eq "status: 3 succeeded, 1 cancelled" \
    "$(status_json job 's["counts"]["succeeded"], s["counts"]["cancelled"]')" "(3, 1)"
mb_finish
