#!/bin/sh
# drain.sh: a drain through Slurm, then the resume.  chain.sbatch runs 20
# tasks of `sleep 2`; `scancel --signal=USR1 --batch` (what
# `#SBATCH --signal=B:USR1@120` does at the time limit) reaches the
# script's trap, which forwards it to mpirun and so to every rank.  The
# run exits 4 and the script submits itself again with --resume, and that
# second job completes the run: every task succeeded exactly once, counted
# by a line each task appends only after its sleep, and `mpibatch status`
# shows all 20 succeeded.  Then the same with SIGTERM to run.sbatch.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
mb_init slurm-drain
slurm_up

job job <<EOF2
sweeps = ( { id = "t-\${i}";
             command = "echo start >> $tmp/starts/\${task}; sleep 2 && echo done >> $tmp/marks/\${task}";
             parameters = { i = { from = 1; to = 20; }; }; } );
EOF2
mkdir -p "$tmp/marks" "$tmp/starts"

# completed: how many tasks have written their completion line.
completed () {
    ls "$tmp/marks" | wc -l
}

# drain_after ID N SIGNAL: once job ID runs and N tasks completed, send
# SIGNAL to its batch script; prints the number completed at that time.
drain_after () {
    n=300
    while [ "$n" -gt 0 ] && [ "$(completed)" -lt "$2" ]; do
        sleep 0.1
        n=$((n - 1))
    done
    completed
    scancel --signal="$3" --batch "$1"
}

example chain.sbatch -e 's|^MAX_LINKS=.*|MAX_LINKS=3|'
id=$(submit "$tmp/chain.sbatch")
[ -n "$id" ] || die "sbatch refuses chain.sbatch: $(cat "$tmp/sbatch.err")"
before=$(drain_after "$id" 3 USR1)
t0=$(date +%s)
check "chain link 1 (job $id) ends within 30 s of the drain" job_wait "$id" 30
t1=$(date +%s)
out1=$tmp/chain.sbatch-$id.out
check_exit "chain link 1" "$out1" 4
check_range "chain link 1: seconds from USR1 to the end" $((t1 - t0)) 0 12
after=$(completed)
check_range "chain link 1: tasks completed at the drain" "$before" 3 19
check_range "chain link 1: tasks completed when it ended" "$after" "$before" 19
next=$(sed -n 's/^chain: submitted link 2 as job \([0-9]*\)$/\1/p' "$out1")
check "chain link 1 submitted link 2" test -n "$next"
if [ -n "$next" ]; then
    check "chain link 2 (job $next) ends within 60 s" job_wait "$next" 60
    out2=$tmp/chain.sbatch-$next.out
    check_exit "chain link 2" "$out2" 0
    check "chain link 2 did not submit a link 3" test -z "$(grep 'submitted link 3' "$out2")"
fi
check_eq "every task completed" "$(completed)" 20
check_eq "no task completed twice" "$(cat "$tmp"/marks/* | wc -l)" 20
# The drain interrupted the tasks that were running; they ran again.
check_range "tasks started twice (interrupted, then resumed)" \
    "$(for f in "$tmp"/starts/*; do wc -l <"$f"; done | awk '$1 == 2' | wc -l)" 1 4
check_eq "status: all 20 succeeded" "$(status_json job 's["counts"]["succeeded"]')" 20
check_eq "status: the run is finished" "$(status_json job 's["status"]')" succeeded

# SIGTERM to the batch script (scancel --signal=TERM --batch, the fast
# stand-in for a time limit) drains the same way through run.sbatch.
rm -rf "$tmp/marks" "$tmp/starts"
mkdir -p "$tmp/marks" "$tmp/starts"
example run.sbatch
id=$(submit "$tmp/run.sbatch" --restart)
[ -n "$id" ] || die "sbatch refuses run.sbatch: $(cat "$tmp/sbatch.err")"
before=$(drain_after "$id" 2 TERM)
check "run.sbatch (job $id) ends within 30 s of SIGTERM" job_wait "$id" 30
out=$tmp/run.sbatch-$id.out
check_exit "run.sbatch after SIGTERM" "$out" 4
check_range "run.sbatch after SIGTERM: tasks completed" "$(completed)" "$before" 19
check_eq "status after SIGTERM: no task failed" "$(status_json job 's["counts"]["failed"]')" 0
mb_finish
