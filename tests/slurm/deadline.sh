#!/bin/sh
# deadline.sh: mpibatch honours SLURM_JOB_END_TIME.  run.sbatch runs 40
# tasks of `sleep 5` with the end time set 20 s ahead in the script (Slurm
# sets it from the time limit, but limits are whole minutes) and
# MPIBATCH_DEADLINE_MARGIN=5: the run drains at 15 s, before the end, and
# exits 4 with no task failed.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
mb_init slurm-deadline
slurm_up

job job <<EOF2
sweeps = ( { id = "t-\${i}";
             command = "sleep 5 && echo done >> $tmp/marks/\${task}";
             parameters = { i = { from = 1; to = 40; }; }; } );
EOF2
mkdir -p "$tmp/marks"

example run.sbatch \
    -e '/^JOBFILE=/a export SLURM_JOB_END_TIME=$(( $(date +%s) + 20 )) MPIBATCH_DEADLINE_MARGIN=5' \
    -e '/^JOBFILE=/a echo "script start: $(date +%s)"'
id=$(submit "$tmp/run.sbatch")
[ -n "$id" ] || die "sbatch refuses run.sbatch: $(cat "$tmp/sbatch.err")"
check "job $id ends within 40 s" job_wait "$id" 40
out=$tmp/run.sbatch-$id.out
start=$(sed -n 's/^script start: //p' "$out")
check_exit "run.sbatch with SLURM_JOB_END_TIME 20 s ahead" "$out" 4
check "the service says the deadline was reached" grep -q "deadline reached" "$out"
# The drain starts at 15 s; the running `sleep 5` are interrupted at once.
# The run's end as its journal has it (squeue, polled, sees the job's end
# a second or more later on a loaded machine).
end=$(status_json job 'int(s["finished"])')
check_range "seconds from the script's start to the run's recorded end" $((end - ${start:-0})) 14 19
check_range "tasks completed before the deadline" "$(ls "$tmp/marks" | wc -l)" 2 8
check_eq "status: no task failed" "$(status_json job 's["counts"]["failed"]')" 0
check_eq "status: the run is interrupted" "$(status_json job 's["status"]')" interrupted
mb_finish
