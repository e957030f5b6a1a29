#!/bin/sh
# status-live.sh: `mpibatch status` and `status --json` while a run goes
# on (tasks sleeping 3 s, mpirun -n 3, so two run at a time) show the
# running tasks with their worker and node; after the run, finished.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"

mb_init status-live
job sl <<'CFG'
tasks = (
  { id = "s-1"; command = "sleep 3"; },
  { id = "s-2"; command = "sleep 3"; },
  { id = "s-3"; command = "sleep 3"; },
  { id = "s-4"; command = "sleep 3"; }
);
CFG
node=$(hostname)
tor_start 3 sl.cfg
# Wait until two tasks run.
k=0
while [ $k -lt 100 ]; do
    [ "$(status_json sl 's["counts"]["running"]' 2>/dev/null)" = 2 ] && break
    sleep 0.1
    k=$((k + 1))
done
mb status sl.cfg
check_status "live status" 0
check "live: the run is running" grep -q "^job sl: running" "$tmp/out"
check "live: counts" grep -q "4 total, 2 waiting, 2 running, 0 succeeded" "$tmp/out"
check_eq "live: two running lines with worker and node" \
    "$(grep -c "^  s-[1-4] *attempt 0  worker [12]  node $node " "$tmp/out")" 2
check_eq "live: the two run on different workers" \
    "$(sed -n 's/.*  worker \([0-9]*\)  node.*/\1/p' "$tmp/out" | sort -u | tr '\n' ' ')" "1 2 "
check_eq "live --json: running" "$(status_json sl 's["live"], s["status"], s["counts"]["running"]')" \
    "(True, 'running', 2)"
check_eq "live --json: workers of the running tasks" \
    "$(status_json sl 'sorted(t["worker"] for t in s["running"])')" "[1, 2]"
check_eq "live --json: nodes of the running tasks" \
    "$(status_json sl 'sorted(set(t["node"] for t in s["running"]))')" "['$node']"
check_eq "live --json: ids and attempts" \
    "$(status_json sl 'all(t["id"] in ("s-1","s-2","s-3","s-4") and t["attempt"] == 0 for t in s["running"])')" \
    "True"
check_eq "live --json: elapsed below the task's 3 s" \
    "$(status_json sl 'all(0 <= t["elapsed"] < 3.5 for t in s["running"])')" "True"
mb status --tasks running sl.cfg
check_eq "live --tasks running" "$(wc -l <"$tmp/out")" 2
wait "$tor_bg"
check_eq "the run succeeded" "$?" 0
check "nothing of the run survives" tor_gone 20
mb status sl.cfg
check_status "status after the run" 0
check "after: finished, succeeded" grep -q "^job sl: finished, succeeded" "$tmp/out"
check "after: counts" grep -q "4 total, 0 waiting, 0 running, 4 succeeded, 0 failed" "$tmp/out"
check "after: no running section" sh -c "! grep -q '^running:' '$tmp/out'"
check_eq "after --json" "$(status_json sl 's["live"], s["status"], s["running"], s["counts"]["succeeded"]')" \
    "(False, 'succeeded', [], 4)"
mb_finish
