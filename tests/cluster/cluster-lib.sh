#!/bin/sh
# cluster-lib.sh: helpers for the tests across namespace hosts.  Source it
# after tests/lib.sh and mb_init:
#
#   cl_up N          bring hosts mbh1..mbhN up (skips, 77, where it cannot),
#                    holding the machine-wide cluster lock; `down` runs at exit
#   cl_hosts SPEC    mpirun's --host list, e.g. cl_hosts 3 2 2 -> mbh1:3,...
#   cl_run N HOSTS ARGS...   `mpibatch run ARGS` in $tmp under mpirun -n N
#                    across HOSTS with the cluster's options; sets $st
#
# Rank 0 (the service) is placed with an extra slot on mbh1: Open MPI maps by
# slot, so `--host mbh1:3,mbh2:2,mbh3:2 -n 7` puts ranks 0-2 on mbh1 (the
# service and two workers), 3-4 on mbh2 and 5-6 on mbh3.  The service is
# left out of the node's split of cores, so every host has two workers of
# one slot each on this two-core machine.

cl_script=$top_srcdir/tests/cluster/cluster.sh
cl_dir=""
cl_lock=/tmp/mpibatch-cluster.lock

cl_down () {
    [ -n "$cl_dir" ] && sh "$cl_script" down "$cl_dir" >/dev/null 2>&1
    cl_dir=""
}

cl_up () {
    [ "$(id -u)" -eq 0 ] || skip "not root: cannot make network namespaces"
    command -v flock >/dev/null 2>&1 || skip "no flock"
    # The hosts' names are fixed: one cluster at a time on the machine.
    exec 9>"$cl_lock" || skip "cannot open $cl_lock"
    flock -w 900 9 || skip "another cluster test holds $cl_lock"
    cl_dir=$tmp/cluster
    trap 'cl_down; mb_cleanup' EXIT
    sh "$cl_script" up "$1" "$cl_dir" >"$tmp/cluster.out" 2>&1
    r=$?
    cat "$tmp/cluster.out"
    if [ $r -eq 77 ]; then
        cl_dir=""
        skip "$(sed -n 's/^SKIP: //p' "$tmp/cluster.out")"
    fi
    [ $r -eq 0 ] || die "cluster.sh up failed ($r)"
    . "$cl_dir/cluster.env"
}

# cl_hosts S1 S2 ...: mbh1:S1,mbh2:S2,...
cl_hosts () {
    l=""
    i=1
    for s in "$@"; do
        l="$l,mbh$i:$s"
        i=$((i + 1))
    done
    echo "${l#,}"
}

# cl_mpirun N HOSTS CMD...: CMD under mpirun across the cluster, in $tmp,
# stdout and stderr to $tmp/out and $tmp/err; sets $st.
cl_mpirun () {
    n=$1
    h=$2
    shift 2
    (cd "$tmp" && timeout -k 5 "${MB_TIMEOUT:-120}" $MPIRUN -n "$n" --oversubscribe $MB_MCA \
        --host "$h" ${MB_MPIRUN_EXTRA:-} "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
     echo $? >"$tmp/.st")
    st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
}

cl_run () {
    n=$1
    h=$2
    shift 2
    cl_mpirun "$n" "$h" "$MPIBATCH" run "$@"
}
