#!/bin/sh
# lifecycle.sh: dependencies (order by timestamps), on_failure block and
# satisfy, retries (bounded and unlimited, driven by
# MPIBATCH_TASK_ATTEMPT), per-attempt max_wall_clock, the job's
# max_wall_clock (exit 4), on_task_failure = "stop", and a task needing
# more slots than any worker has (fails with a reason, no hang).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init lifecycle
mkdir "$tmp/t"
# stamp.sh SECONDS [EXIT]: record start and end times, sleep, exit.
cat >"$tmp/stamp.sh" <<'EOF2'
date +%s.%N >"$MPIBATCH_STORAGE_DIR/t/$MPIBATCH_TASK_ID.start"
sleep "$1"
date +%s.%N >"$MPIBATCH_STORAGE_DIR/t/$MPIBATCH_TASK_ID.end"
echo "$MPIBATCH_TASK_ATTEMPT" >>"$MPIBATCH_STORAGE_DIR/t/$MPIBATCH_TASK_ID.attempts"
exit "${2:-0}"
EOF2
S="sh $tmp/stamp.sh"
job life <<EOF2
tasks = (
  { id = "a"; command = "$S 1"; },
  { id = "b"; command = "$S 1"; depends_on = [ "a" ]; },
  { id = "c"; command = "$S 0"; depends_on = [ "b" ]; },
  { id = "fail-block"; command = "$S 0 3"; },
  { id = "blocked"; command = "$S 0"; depends_on = [ "fail-block" ]; },
  { id = "blocked-2"; command = "$S 0"; depends_on = [ "blocked" ]; },
  { id = "fail-satisfy"; command = "$S 0 3"; on_failure = "satisfy"; },
  { id = "satisfied"; command = "$S 0"; depends_on = [ "fail-satisfy" ]; },
  { id = "retry"; max_retries = 2;
    command = "$S 0; test \$MPIBATCH_TASK_ATTEMPT -ge 2"; },
  { id = "retry-short"; max_retries = 1;
    command = "$S 0; test \$MPIBATCH_TASK_ATTEMPT -ge 2"; },
  { id = "forever"; max_retries = -1;
    command = "$S 0; test \$MPIBATCH_TASK_ATTEMPT -ge 5"; },
  { id = "slow"; max_wall_clock = "2s"; command = "sleep 30"; }
);
EOF2
t0=$(date +%s)
mb_run 3 life.cfg
t1=$(date +%s)
check_status "life.cfg (some tasks fail)" 1
check_range "life.cfg: the 2 s time limit ends 'sleep 30' early (seconds)" $((t1 - t0)) 0 20

# after X Y: Y started after X ended.
after () {
    awk -v e="$(cat "$tmp/t/$1.end" 2>/dev/null || echo 9e99)" \
        -v s="$(cat "$tmp/t/$2.start" 2>/dev/null || echo 0)" 'BEGIN { exit !(s >= e) }'
}
check "b started after a ended" after a b
check "c started after b ended" after b c

# Task states from the journal, through `mpibatch status --tasks STATE`.
in_state () {
    (cd "$tmp" && "$MPIBATCH" status --tasks "$2" life.cfg) 2>/dev/null |
        awk '{ print $1 }' | grep -qx -- "$1"
}
for t in a b c satisfied retry forever; do
    check "$t succeeded" in_state "$t" succeeded
done
for t in fail-block fail-satisfy retry-short slow; do
    check "$t failed" in_state "$t" failed
done
for t in blocked blocked-2; do
    check "$t skipped" in_state "$t" skipped
    check "$t never ran" test ! -f "$tmp/t/$t.start"
done
check "satisfied ran after fail-satisfy" after fail-satisfy satisfied
check_eq "retry: attempts 0 1 2" "$(tr '\n' ' ' <"$tmp/t/retry.attempts" 2>/dev/null)" "0 1 2 "
check_eq "retry-short: attempts 0 1 only" "$(tr '\n' ' ' <"$tmp/t/retry-short.attempts" 2>/dev/null)" "0 1 "
check_eq "forever (-1): attempts 0..5" "$(tr '\n' ' ' <"$tmp/t/forever.attempts" 2>/dev/null)" "0 1 2 3 4 5 "
# retry writes nothing: empty logs are not kept as files, but every
# attempt's log is still there to ask for.
mb logs life.cfg retry --attempt 0
check_status "logs of attempt 0 of retry" 0
mb logs life.cfg retry --attempt 2
check_status "logs of attempt 2 of retry" 0
check "no file is kept for an empty log" test ! -e "$tmp/jobs/life/logs/retry/0.stdout"
check_eq "counts: succeeded" "$(status_json life 's["counts"]["succeeded"]')" 6
check_eq "counts: failed" "$(status_json life 's["counts"]["failed"]')" 4
check_eq "counts: skipped" "$(status_json life 's["counts"]["skipped"]')" 2
(cd "$tmp" && "$MPIBATCH" status life.cfg) >"$tmp/out" 2>"$tmp/err"
check "status shows 'timed out after 2s' for slow" grep -q "slow.*timed out after 2s" "$tmp/out"
check "status shows 'exit 3' for fail-block" grep -q "fail-block.*exit 3" "$tmp/out"
if [ -f "$tmp/jobs/life/report.h5" ]; then
    got=$(report_py "$tmp/jobs/life/report.h5" '
for r in f["tasks"][:]:
    if s(r["id"]) == "slow":
        print(int(r["timed_out"]), s(r["reason"]))')
    check_eq "report: slow timed out, reason" "$got" "1 timed out after 2s"
else
    fail "life.cfg: no report.h5"
fi

# The job's max_wall_clock: running tasks are ended, exit 4.
job wall <<EOF2
max_wall_clock = "3s";
tasks = ( { id = "long"; command = "sleep 30"; },
          { id = "later"; command = "true"; depends_on = [ "long" ]; } );
EOF2
t0=$(date +%s)
mb_run 2 wall.cfg
t1=$(date +%s)
check_status "job max_wall_clock 3s" 4
check_range "job max_wall_clock: the run ends soon after 3 s" $((t1 - t0)) 2 20
check_eq "job max_wall_clock: report status" \
    "$(report_py "$tmp/jobs/wall/report.h5" 'print(s(f.attrs["status"]))')" interrupted

# The same with 2 workers (one idle) and with --deadline: still code 4.
mb_run 3 --restart wall.cfg
check_status "job max_wall_clock 3s, mpirun -n 3" 4
mb_run 2 --restart --deadline 3 wall.cfg
check_status "--deadline 3, mpirun -n 2" 4

# on_task_failure = "stop": nothing new starts after the first failure.
job stop <<EOF2
on_task_failure = "stop";
tasks = ( { id = "bad"; command = "exit 1"; },
          { id = "next-1"; command = "$S 0"; depends_on = [ "bad" ]; on_failure = "satisfy"; },
          { id = "next-2"; command = "$S 0"; depends_on = [ "next-1" ]; } );
EOF2
sed -i 's/on_failure = "satisfy"; },/},/' "$tmp/stop.cfg"
sed -i 's/{ id = "bad"; command = "exit 1"; }/{ id = "bad"; command = "exit 1"; on_failure = "satisfy"; }/' "$tmp/stop.cfg"
mb_run 2 stop.cfg
check_status "on_task_failure stop" 1
check "stop: next-1 did not start" test ! -f "$tmp/t/next-1.start"
check_eq "stop: skipped count" "$(status_json stop 's["counts"]["skipped"]')" 2

# More slots than any worker has: a failure with a reason, not a hang.
job big <<EOF2
slots_per_worker = "cores";
tasks = ( { id = "huge"; slots = 64; command = "true"; },
          { id = "small"; command = "true"; } );
EOF2
MB_TIMEOUT=30 mb_run 2 big.cfg
check_status "a 64-slot task on a 2-slot worker" 1
check "big: small succeeded" sh -c "cd '$tmp' && '$MPIBATCH' status --tasks succeeded big.cfg | grep -q '^small'"
(cd "$tmp" && "$MPIBATCH" status big.cfg) >"$tmp/out" 2>"$tmp/err"
check "big: huge failed with a reason naming slots" grep -qi "huge.*slot" "$tmp/out"
mb_finish
