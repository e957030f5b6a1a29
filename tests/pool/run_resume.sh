#!/bin/sh
# run_resume.sh: tasks added to an open job survive kill -9 of mpirun.
# Under mpirun -n 3, lines and a fragment (depending on a task of the job
# file) are added from outside; once the added lines ran, mpirun is killed
# with SIGKILL; `run --resume` loads every added task again from the job's
# journal (its ADD records hold their whole definition), runs what had not
# succeeded, and takes `close` for the job: each task ran to success once.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init run_resume
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
cd "$tmp" || die "cd"
P=$tmp/jobs/res1/pool
job res1 <<CFG
open = true;
tasks = ( { id = "a"; command = "echo a >>$tmp/ran"; },
          { id = "hold"; command = "while [ ! -f $tmp/go ]; do sleep 0.1; done; echo hold >>$tmp/ran"; } );
CFG
printf 'echo L1 >>%s/ran\necho L2 >>%s/ran\necho L3 >>%s/ran\n' "$tmp" "$tmp" "$tmp" >lines.txt
cat >late.cfg <<CFG
tasks = ( { id = "late"; depends_on = [ "hold" ]; command = "echo late >>$tmp/ran"; } );
CFG

tor_start 3 res1.cfg
for _ in $(seq 100); do [ -f "$P/pool.info" ] && break; sleep 0.1; done
timeout 20 "$M" add --lines "$P" res1 lines.txt >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "add lines" 0
timeout 20 "$M" add "$P" res1 late.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "add a fragment depending on the job's task" 0
for _ in $(seq 100); do [ "$(grep -c '^L' "$tmp/ran" 2>/dev/null)" = 3 ] && break; sleep 0.1; done
check_eq "the added lines ran" "$(grep -c '^L' "$tmp/ran")" 3
sleep 1.2   # the journal reaches the disk at least once a second
m=$(tor_mpirun)
check "mpirun runs" test -n "$m"
kill -9 "$m"
wait "$tor_bg"
check "nothing of the killed run survives" tor_gone 20
check "late did not run before the kill" sh -c "! grep -q late $tmp/ran"

touch "$tmp/go"
tor_start 3 --resume res1.cfg
# The resumed run serves the job again: close it (retry until its pool runs).
for _ in $(seq 100); do
    timeout 20 "$M" close "$P" res1 >"$tmp/out" 2>"$tmp/err"; st=$?
    [ "$st" -eq 3 ] || break
    sleep 0.2
done
check_status "close the resumed job" 0
wait "$tor_bg"
st=$?
check_status "run --resume" 0
check "nothing of the resumed run survives" tor_gone 20
for t in a L1 L2 L3 hold late; do
    check_eq "$t ran to success once" "$(grep -c "^$t\$" "$tmp/ran")" 1
done
check_eq "status: every task succeeded" "$(status_json res1 's["counts"]["succeeded"]')" "6"
got=$(report_py "$tmp/jobs/res1/report.h5" 'print(" ".join(sorted(s(x) for x in f["tasks"]["id"])))')
check_eq "report: every task" "$got" "a add1-line-1 add1-line-2 add1-line-3 hold late"
mb_finish
