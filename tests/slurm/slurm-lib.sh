#!/bin/sh
# slurm-lib.sh: helpers for the Slurm tests, sourced after tests/lib.sh and
# mb_init.  slurm_up starts a private one-node cluster under $tmp (or
# skips the test when that cannot be done here) and tears it down at exit,
# also when the test fails or is killed by its time limit.

slurm_dir=""

slurm_down () {
    [ -n "$slurm_dir" ] && sh "$top_srcdir/tests/slurm/cluster.sh" down "$slurm_dir"
    slurm_dir=""
}

slurm_up () {
    # munged runs as the munge user and must reach its socket in $tmp.
    chmod 755 "$tmp"
    slurm_dir=$tmp/cluster
    trap 'slurm_down; mb_cleanup' EXIT
    trap 'exit 1' HUP INT TERM
    out=$(sh "$top_srcdir/tests/slurm/cluster.sh" up "$slurm_dir")
    rc=$?
    case $rc in
    0) ;;
    77) echo "$out"; slurm_down; skip "no Slurm cluster here (see the line above)" ;;
    *) echo "$out"; die "cluster.sh up failed ($rc)" ;;
    esac
    SLURM_CONF=$(echo "$out" | tail -n 1)
    PATH=$PATH:/usr/sbin
    export SLURM_CONF PATH
    echo "== $test_name: Slurm cluster up, SLURM_CONF=$SLURM_CONF"
}

# example NAME [SED-EXPR...]: copy examples/slurm/NAME to $tmp/NAME with
# the built mpibatch, a test job file $tmp/job.cfg, the output file
# $tmp/NAME.out, 3 tasks allowed on the node's cores (--overcommit), and
# the given extra sed expressions applied.
example () {
    name=$1
    shift
    set -- -e "s|^MPIBATCH=.*|MPIBATCH=$MPIBATCH|" \
        -e "s|^JOBFILE=.*|JOBFILE=$tmp/job.cfg|" \
        -e "s|^#SBATCH --output=.*|#SBATCH --output=$tmp/$name-%j.out|" \
        -e "s|^#SBATCH --ntasks=.*|#SBATCH --ntasks=3\\n#SBATCH --overcommit|" \
        -e "s|^#SBATCH --time=.*|#SBATCH --time=5|" \
        "$@"
    sed "$@" "$top_srcdir/examples/slurm/$name" >"$tmp/$name" || die "cannot adapt $name"
}

# submit SCRIPT [ARGS...]: sbatch SCRIPT from $tmp; prints the job id.
submit () {
    (cd "$tmp" && sbatch --parsable "$@") 2>"$tmp/sbatch.err" | cut -d';' -f1
}

# job_wait ID SECONDS: poll until job ID has left the queue; 1 on timeout.
job_wait () {
    n=$(($2 * 5))
    while [ "$n" -gt 0 ]; do
        s=$(squeue -h -j "$1" -o %T 2>/dev/null)
        [ -z "$s" ] && return 0
        sleep 0.2
        n=$((n - 1))
    done
    return 1
}

# job_state ID: RUNNING, PENDING, ... ("" when the job has ended).
job_state () {
    squeue -h -j "$1" -o %T 2>/dev/null
}

# job_exit FILE: the mpibatch exit code the example script printed.
job_exit () {
    sed -n 's/^mpibatch exit code: \([0-9]*\).*/\1/p' "$1" | tail -n 1
}

# check_exit WHAT FILE WANT: the job output FILE reports mpibatch exit
# code WANT; on a mismatch the output is shown, as it explains why.
check_exit () {
    got=$(job_exit "$2")
    check_eq "$1: mpibatch exit code" "$got" "$3"
    [ "$got" = "$3" ] || { [ -f "$2" ] && sed -n '1,40s/^/    job| /p' "$2"; }
    return 0
}
