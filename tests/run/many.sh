#!/bin/sh
# many.sh: 500 short tasks (a sweep) with mpirun -n 3: every one
# succeeds exactly once, counted from the status JSON, the report and
# side-effect files.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init many
mkdir "$tmp/t"
job many <<EOF2
logs = "report";
sweeps = ( { id = "n-\${i}"; command = "echo x >>$tmp/t/\$MPIBATCH_TASK_ID";
             parameters = { i = { from = 1; to = 500; }; }; } );
EOF2
MB_TIMEOUT=120 mb_run 3 many.cfg
check_status "500 tasks, mpirun -n 3" 0
check_eq "status: 500 succeeded" "$(status_json many 's["counts"]["succeeded"]')" 500
check_eq "status: total 500" "$(status_json many 's["counts"]["total"]')" 500
check_eq "side effects: 500 files" "$(ls "$tmp/t" | wc -l)" 500
check_eq "side effects: each written once" "$(cat "$tmp"/t/* | wc -l)" 500
if [ -f "$tmp/jobs/many/report.h5" ]; then
    got=$(report_py "$tmp/jobs/many/report.h5" '
t = f["tasks"][:]
a = f["attempts"][:]
print(len(t), sum(1 for r in t if s(r["state"]) == "succeeded"),
      sum(1 for r in t if int(r["attempts"]) == 1), len(a))')
    check_eq "report: 500 tasks, 500 succeeded, 500 with 1 attempt, 500 attempts" "$got" "500 500 500 500"
else
    fail "no report.h5"
fi
mb_finish
