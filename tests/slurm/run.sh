#!/bin/sh
# run.sh: the example job scripts run a small job to success in a real
# one-node Slurm cluster: run.sbatch (mpirun in the allocation),
# srun.sbatch (srun --mpi=pmix) and recovery.sbatch (mpirun with the
# recovery flags).  Each prints mpibatch's exit code 0, every task ran once
# and `mpibatch status` counts them all as succeeded.  The tasks see 2
# workers (3 ranks) and the end time the scripts get from squeue when
# Slurm does not export SLURM_JOB_END_TIME (22.05).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
mb_init slurm-run
slurm_up

job job <<EOF2
sweeps = ( { id = "t-\${i}";
             command = "echo \$MPIBATCH_TASK_ID \$MPIBATCH_NUM_WORKERS \$SLURM_JOB_END_TIME >> $tmp/marks/\${task}";
             parameters = { i = { from = 1; to = 6; }; }; } );
EOF2

for ex in run.sbatch srun.sbatch recovery.sbatch; do
    rm -rf "$tmp/marks" "$tmp"/"$ex"-*.out
    mkdir -p "$tmp/marks"
    example "$ex" -e 's|^#SBATCH --nodes=.*|#SBATCH --nodes=1|' \
        -e 's|^#SBATCH --ntasks-per-node=.*|#SBATCH --ntasks=3\n#SBATCH --overcommit|'
    # The first run starts fresh, the others replace the recorded run.
    [ "$ex" = run.sbatch ] && args="" || args="--restart"
    id=$(submit "$tmp/$ex" $args)
    if [ -z "$id" ]; then
        fail "$ex: sbatch accepts it: $(cat "$tmp/sbatch.err")"
        continue
    fi
    check "$ex: job $id ends within 60 s" job_wait "$id" 60
    out=$(ls "$tmp"/"$ex"-*.out 2>/dev/null | head -n 1)
    check_exit "$ex" "$out" 0
    check_eq "$ex: each of the 6 tasks ran once" \
        "$(cat "$tmp"/marks/* 2>/dev/null | sort | uniq -c | awk '$1 == 1' | wc -l)" 6
    check_eq "$ex: every task saw 2 workers" \
        "$(cat "$tmp"/marks/* 2>/dev/null | awk '$2 == 2' | wc -l)" 6
    now=$(date +%s)
    check_eq "$ex: every task saw an end time 1 to 6 minutes ahead" \
        "$(cat "$tmp"/marks/* 2>/dev/null |
               awk -v now="$now" '$3 > now && $3 <= now + 360' | wc -l)" 6
    check_eq "$ex: status counts 6 succeeded" \
        "$(status_json job 's["counts"].get("succeeded", 0)')" 6
done
mb_finish
