#!/bin/sh
# pool_jobs.sh: what one job's tasks decide touches only that job: in a
# pool under mpirun -n 3, an exit condition with job = "terminate"
# interrupts that job's running task (SIGTERM) and ends it "terminated"
# (submit --wait exits 1, as run would), while another job's task that
# runs at the same time goes on to succeed; `cancel` of one job's task
# leaves the other job alone too.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init pool_jobs
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
P=$tmp/pool
cd "$tmp" || die "cd"
req () { (cd "$tmp" && timeout 60 "$M" "$@") >"$tmp/out" 2>"$tmp/err"; st=$?; }

job other <<CFG
tasks = ( { id = "o"; command = "echo started >>$tmp/other; sleep 4; echo done >>$tmp/other"; },
          { id = "c"; command = "trap 'echo term >>$tmp/c; exit 3' TERM; echo started >>$tmp/c; while :; do sleep 0.1; done"; } );
CFG
job term <<CFG
exit_conditions = ( { codes = [ 3 ]; action = "fail"; job = "terminate"; } );
tasks = ( { id = "victim"; command = "trap 'echo term >>$tmp/victim; exit 9' TERM; echo started >>$tmp/victim; while :; do sleep 0.1; done"; },
          { id = "trigger"; command = "while [ ! -s $tmp/victim ]; do sleep 0.1; done; exit 3"; },
          { id = "later"; depends_on = [ "victim" ]; command = "echo ran >>$tmp/later"; } );
CFG

env TORTURE_MARK="$tmp" timeout -k 5 120 $MPIRUN -n 3 --oversubscribe \
    "$M" pool "$P" --slots-per-worker 2 >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 200); do [ -s "$P/status.json" ] && break; sleep 0.1; done
check "the pool is up" test -s "$P/status.json"

req submit "$P" other.cfg
check_status "submit other" 0
for _ in $(seq 100); do [ -s "$tmp/other" ] && [ -s "$tmp/c" ] && break; sleep 0.1; done
req submit "$P" term.cfg --wait
check_status "the terminated job: submit --wait exits 1" 1
check "its running task got SIGTERM" grep -q term "$tmp/victim"
check "its waiting task never ran" test ! -e "$tmp/later"
check "the other job's task was not interrupted" sh -c "! grep -q term $tmp/c"
req cancel "$P" other c
check_status "cancel of the other job's task c" 0
for _ in $(seq 100); do grep -q done "$tmp/other" 2>/dev/null && break; sleep 0.1; done
check_eq "the other job's task ran to its end" "$(tr '\n' ' ' <"$tmp/other")" "started done "
check_eq "report of term: terminated; the interrupted and the waiting task skipped, as in a run" \
    "$(report_py "$tmp/jobs/term/report.h5" 'print(s(f.attrs["status"]), " ".join(s(t) for t in f["tasks"]["state"]))')" \
    "terminated skipped failed skipped"
req shutdown "$P"
check_status "shutdown" 0
wait "$pool_pid"
check_eq "the pool exits 0" "$?" 0
# A job with a cancelled task ends failed, as a run does.
check_eq "report of other: o succeeded, c cancelled" \
    "$(report_py "$tmp/jobs/other/report.h5" 'print(s(f.attrs["status"]), " ".join(s(t) for t in f["tasks"]["state"]))')" \
    "failed succeeded cancelled"
check "nothing of the pool survives" tor_gone 20
# The pool's own errors: none from the sanitizers (a sanitizer build), and
# its stderr shown when something failed.
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] || sed -n '1,80s/^/    pool| /p' "$tmp/pool.err"
mb_finish
