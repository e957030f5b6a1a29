#!/bin/sh
# binding.sh: tasks are bound to their slots.  binding = "core": a 1-slot
# task's Cpus_allowed_list is exactly MPIBATCH_TASK_CPUS (one core); two
# workers' tasks get different CPUs; a 2-slot task on a 2-core worker gets
# both.  binding = "none": the whole node and an empty MPIBATCH_TASK_CPUS.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init binding
[ "$(ncpus)" -ge 2 ] || skip "needs 2 CPUs, this machine has $(ncpus)"
all=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)

cat >"$tmp/show.sh" <<'EOF2'
echo "CPUS=$MPIBATCH_TASK_CPUS"
echo "RANK=$MPIBATCH_WORKER_RANK"
echo "ALLOWED=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)"
sleep 1
EOF2
job core <<EOF2
binding = "core";
tasks = ( { id = "a"; command = "sh $tmp/show.sh"; },
          { id = "b"; command = "sh $tmp/show.sh"; } );
EOF2
job none <<EOF2
binding = "none";
tasks = ( { id = "a"; command = "sh $tmp/show.sh"; } );
EOF2
job wide <<EOF2
tasks = ( { id = "w"; slots = 2; command = "sh $tmp/show.sh"; } );
EOF2

# One slot per task, two workers of one core each (mpirun -n 3).
mb_run 3 core.cfg
check_status "binding core, 2 workers" 0
l=$tmp/jobs/core/logs
for t in a b; do
    c=$(envval "$l/$t/0.stdout" CPUS)
    case $c in
    [0-9]|[0-9][0-9]) pass "task $t: MPIBATCH_TASK_CPUS is one CPU ($c)" ;;
    *) fail "task $t: MPIBATCH_TASK_CPUS is '$c'" ;;
    esac
    check_eq "task $t: Cpus_allowed_list is MPIBATCH_TASK_CPUS" \
        "$(envval "$l/$t/0.stdout" ALLOWED)" "$c"
done
ra=$(envval "$l/a/0.stdout" RANK)
rb=$(envval "$l/b/0.stdout" RANK)
if [ "$ra" != "$rb" ]; then
    pass "the two tasks ran on different workers ($ra, $rb)"
    ca=$(envval "$l/a/0.stdout" CPUS)
    cb=$(envval "$l/b/0.stdout" CPUS)
    if [ -n "$ca" ] && [ "$ca" != "$cb" ]; then
        pass "the two workers' tasks got different CPUs ($ca, $cb)"
    else
        fail "the two workers' tasks got CPUs '$ca' and '$cb'"
    fi
else
    fail "both tasks ran on worker $ra (spread over 2 workers expected)"
fi

# A singleton worker has both cores: a 1-slot task gets one.
mb_run 0 --restart core.cfg
check_status "binding core, singleton" 0
c=$(envval "$l/a/0.stdout" CPUS)
check_eq "singleton: Cpus_allowed_list is MPIBATCH_TASK_CPUS" \
    "$(envval "$l/a/0.stdout" ALLOWED)" "$c"

mb_run 0 none.cfg
check_status "binding none" 0
n=$tmp/jobs/none/logs/a/0.stdout
check_eq "binding none: the whole node" "$(envval "$n" ALLOWED)" "$all"
check_eq "binding none: MPIBATCH_TASK_CPUS is empty" "$(envval "$n" CPUS)" ""
check "binding none: MPIBATCH_TASK_CPUS is set" grep -q '^CPUS=' "$n"

mb_run 2 wide.cfg
check_status "2-slot task on a 2-core worker" 0
w=$tmp/jobs/wide/logs/w/0.stdout
check_eq "2-slot task: Cpus_allowed_list" "$(envval "$w" ALLOWED)" "0-1"
c=$(envval "$w" CPUS)
case $c in
0,1|1,0|0-1) pass "2-slot task: MPIBATCH_TASK_CPUS ($c)" ;;
*) fail "2-slot task: MPIBATCH_TASK_CPUS is '$c', not 0,1" ;;
esac
mb_finish
