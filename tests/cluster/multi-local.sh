#!/bin/sh
# multi-local.sh: a multi-instance task on this one machine (no
# namespaces, so it runs wherever mpirun does): `instances = 2` over two
# one-slot workers, coordination once on the node, then the primary's
# `mpirun --hostfile $MPIBATCH_HOSTFILE` starts tests/cluster/allreduce.c
# on the reserved slots.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init multi-local
command -v mpicc >/dev/null 2>&1 || skip "no mpicc"
mpicc -o "$tmp/allreduce" "$top_srcdir/tests/cluster/allreduce.c" 2>"$tmp/err" ||
    die "mpicc failed: $(cat "$tmp/err")"
job mi <<EOF2
env_compat = "azure";
tasks = ( { id = "mi"; instances = 2; slots = 1;
            coordination_command = "echo \$(hostname) \$MPIBATCH_IS_PRIMARY >>\$MPIBATCH_STORAGE_DIR/coord.txt";
            command = "env >\$MPIBATCH_STORAGE_DIR/mi-env.txt; cp \$MPIBATCH_HOSTFILE \$MPIBATCH_STORAGE_DIR/hostfile; mpirun --oversubscribe --hostfile \$MPIBATCH_HOSTFILE -n \$MPIBATCH_NUM_INSTANCES $tmp/allreduce"; } );
EOF2
mb_run 3 mi.cfg
check_status "multi-instance task, mpirun -n 3" 0
out=$tmp/jobs/mi/logs/mi/0.stdout
check_eq "the application ran 2 ranks" "$(grep -c '^rank [01] of 2 on ' "$out" 2>/dev/null)" 2
check_eq "its allreduce summed the ranks" "$(sed -n 's/^sum //p' "$out" 2>/dev/null)" 1
h=$(hostname)
check_eq "coordination ran once, on this node" "$(cat "$tmp/coord.txt" 2>/dev/null)" "$h 1"
e=$tmp/mi-env.txt
check_eq "MPIBATCH_NUM_INSTANCES" "$(envval "$e" MPIBATCH_NUM_INSTANCES)" 2
check_eq "MPIBATCH_IS_PRIMARY" "$(envval "$e" MPIBATCH_IS_PRIMARY)" 1
check_eq "MPIBATCH_HOST_LIST: this host, two slots in all" \
    "$(envval "$e" MPIBATCH_HOST_LIST | tr ',' '\n' | awk -F: -v h="$h" '$1 == h { n += $2 } END { print n + 0 }')" 2
check_eq "the hostfile gives this host two slots" \
    "$(awk -v h="$h" '$1 == h { sub("slots=", "", $2); n += $2 } END { print n + 0 }' "$tmp/hostfile" 2>/dev/null)" 2
check_eq "AZ_BATCH_HOST_LIST" "$(envval "$e" AZ_BATCH_HOST_LIST | tr ',' '\n' | sort -u)" "$h"
check_eq "AZ_BATCH_IS_CURRENT_NODE_MASTER" "$(envval "$e" AZ_BATCH_IS_CURRENT_NODE_MASTER)" true
check "AZ_BATCH_TASK_SHARED_DIR is a directory" test -d "$(envval "$e" AZ_BATCH_TASK_SHARED_DIR)"
check_eq "the worker's own MPI wiring is not in the task's environment" \
    "$(grep -c '^PMIX_RANK=\|^OMPI_COMM_WORLD_RANK=' "$e" 2>/dev/null)" 0
check_eq "status: the task succeeded" "$(status_json mi 's["counts"]["succeeded"]')" 1
mb_finish
