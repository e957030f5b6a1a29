#!/bin/sh
# mpitask.sh: a task that is itself an MPI program runs under
# `mpirun -n 2 mpibatch run`, as a singleton (size 1) and through its own
# mpirun (two ranks, size 2).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init mpitask
command -v mpicc >/dev/null 2>&1 || skip "no mpicc"
mpicc -o "$tmp/mpihello" "$top_srcdir/tests/run/mpihello.c" >"$tmp/out" 2>"$tmp/err" ||
    die "mpicc failed: $(cat "$tmp/err")"
job mt <<EOF2
tasks = ( { id = "single"; command = "$tmp/mpihello"; },
          { id = "own-mpirun"; command = "$MPIRUN -n 2 --oversubscribe $tmp/mpihello"; } );
EOF2
mb_run 2 mt.cfg
check_status "MPI tasks under mpirun -n 2 mpibatch run" 0
l=$tmp/jobs/mt/logs
check_eq "singleton task: size 1" "$(cat "$l/single/0.stdout" 2>/dev/null)" "mpihello rank 0 size 1"
check_eq "task with its own mpirun -n 2: two ranks of size 2" \
    "$(sort "$l/own-mpirun/0.stdout" 2>/dev/null | tr '\n' ';')" \
    "mpihello rank 0 size 2;mpihello rank 1 size 2;"
mb_finish
