#!/bin/sh
# prep.sh: job_preparation runs once per node before the node's first
# task; job_release once at the end, after every task; a failing
# preparation with wait_for_success ends the run without tasks, non-zero;
# logs = "storage" keeps a file per attempt; retention none/failed/all.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init prep
mkdir "$tmp/t"
job pr <<EOF2
job_preparation = { command = "date +%s.%N >>$tmp/t/prep; sleep 1"; };
job_release = { command = "date +%s.%N >>$tmp/t/release"; };
sweeps = ( { id = "s-\${i}"; command = "date +%s.%N >$tmp/t/\$MPIBATCH_TASK_ID.start; sleep 1; date +%s.%N >$tmp/t/\$MPIBATCH_TASK_ID.end";
             parameters = { i = { from = 1; to = 4; }; }; } );
EOF2
mb_run 3 pr.cfg
check_status "preparation and release, mpirun -n 3" 0
check_eq "preparation ran once on the node" "$(wc -l <"$tmp/t/prep" 2>/dev/null)" 1
check_eq "release ran once on the node" "$(wc -l <"$tmp/t/release" 2>/dev/null)" 1
first=$(cat "$tmp"/t/s-*.start 2>/dev/null | sort -n | head -n 1)
last=$(cat "$tmp"/t/s-*.end 2>/dev/null | sort -n | tail -n 1)
p=$(cat "$tmp/t/prep" 2>/dev/null || echo 9e99)
r=$(cat "$tmp/t/release" 2>/dev/null || echo 0)
check "preparation before the first task" awk -v a="$p" -v b="${first:-0}" 'BEGIN { exit !(a <= b) }'
check "release after the last task" awk -v a="${last:-9e99}" -v b="$r" 'BEGIN { exit !(a <= b) }'

job bad <<EOF2
job_preparation = { command = "exit 5"; wait_for_success = true; };
tasks = ( { id = "never"; command = "touch $tmp/t/never"; } );
EOF2
mb_run 2 bad.cfg
case $st in
0|124|137) fail "failing preparation: exit status $st" ;;
*) pass "failing preparation: non-zero exit status $st" ;;
esac
check "failing preparation: no task ran" test ! -f "$tmp/t/never"
check "failing preparation: stderr says so" grep -qi "prep" "$tmp/err"

# Logs and retention.
for r in none failed all; do
    job "ret-$r" <<EOF2
retention = "$r";
logs = "storage";
tasks = ( { id = "ok"; command = "echo out-ok; echo err-ok >&2"; },
          { id = "ko"; max_retries = 1; command = "echo out-ko-\$MPIBATCH_TASK_ATTEMPT; exit 1"; } );
EOF2
    mb_run 2 "ret-$r.cfg"
    check_status "retention $r" 1
    d=$tmp/nodes/$(hostname)/ret-$r/tasks
    case $r in
    none) want_ok=no want_ko=no ;;
    failed) want_ok=no want_ko=yes ;;
    all) want_ok=yes want_ko=yes ;;
    esac
    got_ok=no; [ -d "$d/ok" ] && got_ok=yes
    got_ko=no; [ -d "$d/ko" ] && got_ko=yes
    check_eq "retention $r: succeeded task's directory kept" "$got_ok" "$want_ok"
    check_eq "retention $r: failed task's directory kept" "$got_ko" "$want_ko"
done
l=$tmp/jobs/ret-all/logs
check_eq "logs: ok/0.stdout" "$(cat "$l/ok/0.stdout" 2>/dev/null)" out-ok
check_eq "logs: ok/0.stderr" "$(cat "$l/ok/0.stderr" 2>/dev/null)" err-ok
check_eq "logs: ko/0.stdout" "$(cat "$l/ko/0.stdout" 2>/dev/null)" out-ko-0
check_eq "logs: ko/1.stdout" "$(cat "$l/ko/1.stdout" 2>/dev/null)" out-ko-1
mb logs --attempt 0 ret-all.cfg ko
check_eq "mpibatch logs --attempt 0" "$(cat "$tmp/out")" out-ko-0
mb logs ret-all.cfg ko
check_eq "mpibatch logs: the last attempt" "$(cat "$tmp/out")" out-ko-1
mb_finish
