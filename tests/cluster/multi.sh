#!/bin/sh
# multi.sh: a multi-instance task across two hosts: one one-slot worker per
# host, `instances = 2`, so the instances land on two different hosts;
# coordination runs once on each of them, and the primary's mpirun (with
# the cluster's launcher options) starts tests/cluster/allreduce.c on both.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/cluster/cluster-lib.sh"
mb_init multi
command -v mpicc >/dev/null 2>&1 || skip "no mpicc"
mpicc -o "$tmp/allreduce" "$top_srcdir/tests/cluster/allreduce.c" 2>"$tmp/err" ||
    die "mpicc failed: $(cat "$tmp/err")"
cl_up 3
# Rank 0 with an extra slot on mbh1; one worker per host, one slot each.
job mi <<EOF2
env_compat = "azure";
slots_per_worker = 1;
tasks = ( { id = "mi"; instances = 2; slots = 1;
            coordination_command = "echo \$(hostname) \$MPIBATCH_IS_PRIMARY \$AZ_BATCH_IS_CURRENT_NODE_MASTER >>\$MPIBATCH_STORAGE_DIR/coord.txt";
            command = "env >\$MPIBATCH_STORAGE_DIR/mi-env.txt; mpirun --oversubscribe --hostfile \$MPIBATCH_HOSTFILE -n \$MPIBATCH_NUM_INSTANCES $MB_MCA $tmp/allreduce"; } );
EOF2
cl_run 4 "$(cl_hosts 2 1 1)" mi.cfg
check_status "multi-instance task on 3 hosts" 0
out=$tmp/jobs/mi/logs/mi/0.stdout
hosts=$(sed -n 's/^rank [01] of 2 on //p' "$out" 2>/dev/null | sort | tr '\n' ' ')
check_eq "the application ran 2 ranks" "$(echo $hosts | wc -w)" 2
check_eq "its ranks ran on two different hosts" "$(echo $hosts | tr ' ' '\n' | sort -u | wc -l)" 2
check_eq "its allreduce summed the ranks" "$(sed -n 's/^sum //p' "$out" 2>/dev/null)" 1
e=$tmp/mi-env.txt
azh=$(envval "$e" AZ_BATCH_HOST_LIST | tr ',' '\n' | sort | tr '\n' ' ')
check_eq "AZ_BATCH_HOST_LIST names the hosts the ranks ran on" "$azh" "$hosts"
check_eq "AZ_BATCH_NODE_LIST: the same, semicolon-separated" \
    "$(envval "$e" AZ_BATCH_NODE_LIST | tr ';' '\n' | sort | tr '\n' ' ')" "$hosts"
check_eq "MPIBATCH_NUM_INSTANCES" "$(envval "$e" MPIBATCH_NUM_INSTANCES)" 2
check_eq "the command ran on the primary" "$(envval "$e" AZ_BATCH_IS_CURRENT_NODE_MASTER)" true
prim=$(envval "$e" MPIBATCH_NODE_ID)
# Coordination: once per involved host; "1 true" on the primary only.
check_eq "coordination ran once on each involved host" \
    "$(awk '{ print $1 }' "$tmp/coord.txt" 2>/dev/null | sort | tr '\n' ' ')" "$hosts"
check_eq "coordination saw the primary flags" \
    "$(sort "$tmp/coord.txt" 2>/dev/null | awk -v p="$prim" '{ print ($1 == p) ($2 == 1) ($3 == "true") }' | sort | tr '\n' ' ')" \
    "000 111 "
check_eq "status: the task succeeded" "$(status_json mi 's["counts"]["succeeded"]')" 1
mb_finish
