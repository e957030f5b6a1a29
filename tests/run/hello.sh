#!/bin/sh
# hello.sh: examples/hello.cfg runs as an MPI singleton and under mpirun
# with 1, 2 and 4 ranks; every time both tasks succeed and their stdout,
# kept under <state>/logs/<task>/0.stdout, names them.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init hello
cp -R "$top_srcdir/examples" "$tmp/" || die "cannot copy examples"
chmod -R u+w "$tmp/examples"

for n in 0 1 2 4; do
    if [ "$n" -eq 0 ]; then how="singleton"; else how="mpirun -n $n"; fi
    rm -rf "$tmp/examples/jobs"
    rm -f "$tmp/.st"
    if [ "$n" -eq 0 ]; then
        (cd "$tmp/examples" && run_alone_st "$MPIBATCH" run \
            --set node_root="$tmp/nodes" hello.cfg)
    else
        (cd "$tmp/examples" && run_mpi_st "$n" "$MPIBATCH" run \
            --set node_root="$tmp/nodes" hello.cfg)
    fi
    st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
    check_status "hello.cfg, $how" 0
    log=$tmp/examples/jobs/hello/logs
    for t in task-1 task-2; do
        check "hello.cfg, $how: $t's 0.stdout holds MPIBATCH_TASK_ID=$t" \
            grep -qx "MPIBATCH_TASK_ID=$t" "$log/$t/0.stdout"
    done
    check "hello.cfg, $how: task-2's greeting is its own" \
        grep -qx "hello again" "$log/task-2/0.stdout"
    want=$((n > 1 ? n - 1 : 1))
    check_eq "hello.cfg, $how: MPIBATCH_NUM_WORKERS" \
        "$(envval "$log/task-1/0.stdout" MPIBATCH_NUM_WORKERS)" "$want"
done
mb_finish
