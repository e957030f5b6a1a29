#!/bin/sh
# run_cancel.sh: `mpibatch cancel` of a run's tasks under mpirun -n 3.
# Waiting tasks named by a pattern end cancelled at once; a running task
# gets SIGTERM, one that ignores it SIGKILL after the grace period; no
# retry is used (max_retries = 2); dependents are blocked or released by
# on_failure; report and status say "cancelled"; --resume does not run a
# cancelled task again.  Cancelling the whole job ends the run "cancelled".
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init run_cancel
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
cd "$tmp" || die "cd"
P=$tmp/jobs/c1/pool
job c1 <<CFG
open = true;
max_task_retries = 2;
tasks = ( { id = "w1"; command = "trap 'echo term >>$tmp/w1; exit 3' TERM; echo start >>$tmp/w1; while :; do sleep 0.1; done"; },
          { id = "w2"; on_failure = "satisfy"; command = "trap '' TERM; echo start >>$tmp/w2; while :; do sleep 0.1; done"; },
          { id = "p1"; depends_on = [ "w1" ]; command = "echo p1 >>$tmp/ran"; },
          { id = "sat"; depends_on = [ "w2" ]; command = "echo sat >>$tmp/ran"; },
          { id = "q-1"; command = "echo q-1 >>$tmp/ran"; },
          { id = "q-2"; command = "echo q-2 >>$tmp/ran"; },
          { id = "q-3"; command = "echo q-3 >>$tmp/ran"; } );
CFG
req () { timeout 30 "$M" "$@" >"$tmp/out" 2>"$tmp/err"; st=$?; }

tor_start 3 c1.cfg
for _ in $(seq 100); do [ -s "$tmp/w1" ] && [ -s "$tmp/w2" ] && break; sleep 0.1; done
check "w1 and w2 run" test -s "$tmp/w1" -a -s "$tmp/w2"
req cancel "$P" c1 nosuch
check_status "cancel of a task that is not in the job" 2
check "the reason" grep -q "no task 'nosuch'" "$tmp/err"
req cancel "$P" c1 'q-*'
check_status "cancel q-*" 0
check "cancel says how many" grep -q "^3 tasks cancelled" "$tmp/out"
req cancel "$P" c1 w1
check_status "cancel w1 (running)" 0
for _ in $(seq 50); do grep -q term "$tmp/w1" && break; sleep 0.1; done
check "w1 got SIGTERM" grep -q term "$tmp/w1"
t0=$(date +%s)
req cancel "$P" c1 w2
check_status "cancel w2 (ignores SIGTERM)" 0
req close "$P" c1
check_status "close" 0
wait "$tor_bg"
st=$?
t1=$(date +%s)
check_status "run with cancelled tasks" 1
check "the summary counts the cancelled tasks" grep -q "0 failed, 1 skipped, 5 cancelled" "$tmp/run.err"
check_range "w2 killed after the grace period (s)" "$((t1 - t0))" 8 25
check "nothing of the run survives" tor_gone 20
check_eq "w1 ran once (no retry)" "$(grep -c start "$tmp/w1")" 1
check_eq "w2 ran once (no retry)" "$(grep -c start "$tmp/w2")" 1
check_eq "what ran: the satisfied dependent only" "$(cat "$tmp/ran" 2>/dev/null | tr '\n' ' ')" "sat "
states=$(report_py "$tmp/jobs/c1/report.h5" '
print(" ".join("%s=%s" % (s(i), s(t)) for i, t in zip(f["tasks"]["id"], f["tasks"]["state"])))
print(f.attrs["cancelled"], f.attrs["failed"], f.attrs["skipped"])')
check_eq "report: states" "$(echo "$states" | head -n 1)" \
    "w1=cancelled w2=cancelled p1=skipped sat=succeeded q-1=cancelled q-2=cancelled q-3=cancelled"
check_eq "report: counts cancelled failed skipped" "$(echo "$states" | tail -n 1)" "5 0 1"
mb report c1.cfg
check "report text counts cancelled" grep -q "5 cancelled" "$tmp/out"
mb status c1.cfg
check "status counts the cancelled tasks" grep -q ", 5 cancelled" "$tmp/out"
check_eq "status --json: cancelled" "$(status_json c1 's["counts"]["cancelled"], s["counts"]["failed"]')" "(5, 0)"
mb status --tasks cancelled c1.cfg
check_eq "status --tasks cancelled" "$(sort "$tmp/out" | tr '\n' ' ')" "q-1 q-2 q-3 w1 w2 "

# --resume runs no cancelled task again.
: >"$tmp/ran"
mb_run 3 --resume c1.cfg
check_status "--resume of the cancelled tasks' job" 1
check_eq "nothing ran again" "$(cat "$tmp/ran")" ""
check_eq "w1 not started again" "$(grep -c start "$tmp/w1")" 1

# The whole job.
P=$tmp/jobs/c2/pool
job c2 <<CFG
tasks = ( { id = "a"; command = "echo a >>$tmp/ran2; sleep 30"; },
          { id = "b"; depends_on = [ "a" ]; command = "echo b >>$tmp/ran2"; } );
CFG
tor_start 3 c2.cfg
for _ in $(seq 100); do [ -s "$tmp/ran2" ] && break; sleep 0.1; done
req cancel "$P" c2
check_status "cancel the job" 0
wait "$tor_bg"
st=$?
check_status "run of the cancelled job" 1
check "nothing of it survives" tor_gone 20
check_eq "report: status" "$(report_py "$tmp/jobs/c2/report.h5" 'print(s(f.attrs["status"]))')" cancelled
check_eq "b never ran" "$(cat "$tmp/ran2" | tr '\n' ' ')" "a "

# A report written before "cancelled" existed (no such count) still reads.
cp -R "$tmp/jobs/c1" "$tmp/old"
"$PYTHON" -c 'import h5py, sys; f = h5py.File(sys.argv[1], "r+"); del f.attrs["cancelled"]' \
    "$tmp/old/report.h5"
mb report --format json old
check_status "report of an older report" 0
check "it counts 0 cancelled" grep -q '"cancelled": 0' "$tmp/out"
mb_finish
