#!/bin/sh
# ahead.sh: tasks sent ahead of a full worker's next free slot.  With
# short tasks (0.2 s) under mpirun -n 3 on a fake machine of two one-slot
# workers, the service sends each full worker one task more: the live
# status shows up to four running while no worker ever runs two at once
# (each task records its start and end).  A drain withdraws the waiting
# ones without using a retry ("withdrawn before it started") and the
# resume runs every task to success exactly once.  With long tasks
# (0.7 s) nothing goes ahead.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init ahead
MPIBATCH_TOPOLOGY="pack:1 core:2 pu:1"
export MPIBATCH_TOPOLOGY

# sweep NAME N SECONDS: N tasks that record "RANK START END" in t/ID once
# their sleep is over, and "start" in s/ID when they begin.
sweep () {
    mkdir -p "$tmp/$1/t" "$tmp/$1/s"
    job "$1" <<EOF2
sweeps = ( { id = "a-\${i}";
             command = "echo start >>$tmp/$1/s/\$MPIBATCH_TASK_ID; b=\$(date +%s.%N); sleep $3; echo \"\$MPIBATCH_WORKER_RANK \$b \$(date +%s.%N)\" >>$tmp/$1/t/\$MPIBATCH_TASK_ID";
             parameters = { i = { from = 1; to = $2; }; }; } );
EOF2
}

# max_running NAME: poll the live status until the run ends; print the
# largest number of running tasks seen.
max_running () {
    m=0
    while kill -0 "$tor_bg" 2>/dev/null; do
        r=$(status_json "$1" 's["counts"]["running"]')
        case $r in
            ''|*[!0-9]*) ;;
            *) [ "$r" -gt "$m" ] && m=$r ;;
        esac
        sleep 0.1
    done
    echo "$m"
}

# overlaps DIR: how many pairs of tasks ran at once on one worker.
overlaps () {
    cat "$1"/* | sort -k1,1n -k2,2n | awk '
        $1 == r && $2 < e { n++ }
        { if ($1 != r || $3 > e) e = $3; r = $1 }
        END { print n + 0 }'
}

# Short tasks: one waits ahead on each worker.
sweep short 40 0.2
MB_TIMEOUT=120 tor_start 3 short.cfg
seen=$(max_running short)
wait "$tor_bg"
check_eq "short: the run succeeded" "$?" 0
check_range "short: the live status shows tasks ahead (more running than the 2 slots)" \
    "$seen" 3 4
check_eq "short: every task ran once" "$(cat "$tmp"/short/s/* | wc -l) $(ls "$tmp/short/t" | wc -l)" \
    "40 40"
check_eq "short: both workers ran tasks" "$(cut -d' ' -f1 "$tmp"/short/t/* | sort -u | wc -l)" 2
check_eq "short: no worker ran two tasks at once" "$(overlaps "$tmp/short/t")" 0
check_eq "short: status" \
    "$(status_json short 's["counts"]["succeeded"], s["counts"]["total"]')" "(40, 40)"
got=$(report_py "$tmp/jobs/short/report.h5" '
a = f["attempts"][:]
print(len(a), sum(1 for r in a if s(r["outcome"]) == "succeeded"))')
check_eq "short: the report: 40 attempts, all succeeded" "$got" "40 40"
check "short: nothing of the run survives" tor_gone 20

# A drain while tasks wait ahead, then the resume.
sweep drain 60 0.2
MB_TIMEOUT=120 tor_start 3 drain.cfg
k=0
while [ $k -lt 200 ] && [ "$(status_json drain 's["counts"]["running"]')" != 4 ]; do
    sleep 0.05
    k=$((k + 1))
done
check "drain: four running (two ahead) before the drain" \
    test "$(status_json drain 's["counts"]["running"]')" = 4
kill -USR1 "$(tor_mpirun)"
wait "$tor_bg"
check_eq "drain: the drained run exits 4" "$?" 4
check "drain: nothing of the run survives" tor_gone 20
got=$(report_py "$tmp/jobs/drain/report.h5" '
a = f["attempts"][:]
w = [r for r in a if s(r["reason"]) == "withdrawn before it started"]
print(len(w) >= 1, all(s(r["outcome"]) == "interrupted" for r in w))')
check_eq "drain: waiting tasks withdrawn, as interrupted" "$got" "True True"
MB_TIMEOUT=120 tor_start 3 drain.cfg --resume
wait "$tor_bg"
check_eq "drain: the resumed run succeeded" "$?" 0
check_eq "drain: every task completed exactly once" \
    "$(ls "$tmp/drain/t" | wc -l) $(cat "$tmp"/drain/t/* | wc -l)" "60 60"
check_eq "drain: no worker ran two tasks at once" "$(overlaps "$tmp/drain/t")" 0
check_eq "drain: status after the resume" \
    "$(status_json drain 's["counts"]["succeeded"], s["status"]')" "(60, 'succeeded')"
got=$(report_py "$tmp/jobs/drain/report.h5" '
t = f["tasks"][:]
a = f["attempts"][:]
print(len(t), all(s(r["state"]) == "succeeded" for r in t),
      sum(1 for r in a if s(r["outcome"]) == "succeeded"),
      all(s(r["outcome"]) in ("succeeded", "interrupted") for r in a))')
check_eq "drain: the report: 60 tasks succeeded, one succeeded attempt each, none failed" \
    "$got" "60 True 60 True"

# Long tasks: nothing goes ahead.
sweep long 8 0.7
MB_TIMEOUT=120 tor_start 3 long.cfg
seen=$(max_running long)
wait "$tor_bg"
check_eq "long: the run succeeded" "$?" 0
check_range "long: never more running than slots" "$seen" 1 2
mb_finish
