#!/bin/sh
# pool_prep.sh: job preparation and release in a pool (mpirun -n 4: three
# workers on this one node): each job's preparation runs once on the node,
# with the job's own environment, before that job's first task there, and
# again for the next job; its release runs once when the job ends, after
# its last task; a job whose preparation fails (wait_for_success) runs
# none of its tasks and the pool and the other jobs go on; a pool drained
# with a job running still runs that job's release.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init pool_prep
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
P=$tmp/pool
cd "$tmp" || die "cd"
req () { (cd "$tmp" && timeout 40 "$M" "$@") >"$tmp/out" 2>"$tmp/err"; st=$?; }
mkdir -p "$tmp/t"

for j in a b; do
    job $j <<CFG
environment = { WHO = "$j"; };
job_preparation = { command = "date +%s.%N >>$tmp/t/prep.\$WHO; echo \$MPIBATCH_JOB_ID >prepared; sleep 0.5"; };
job_release = { command = "date +%s.%N >>$tmp/t/release.\$WHO"; };
tasks = ( { id = "t-1"; command = "test -f \$MPIBATCH_JOB_PREP_DIR/wd/prepared && date +%s.%N >>$tmp/t/task.\$WHO"; },
          { id = "t-2"; command = "test -f \$MPIBATCH_JOB_PREP_DIR/wd/prepared && date +%s.%N >>$tmp/t/task.\$WHO"; },
          { id = "t-3"; command = "test -f \$MPIBATCH_JOB_PREP_DIR/wd/prepared && date +%s.%N >>$tmp/t/task.\$WHO"; },
          { id = "t-4"; command = "sleep 0.3; test -f \$MPIBATCH_JOB_PREP_DIR/wd/prepared && date +%s.%N >>$tmp/t/task.\$WHO"; } );
CFG
done
job broken <<CFG
job_preparation = { command = "echo tried >>$tmp/t/prep.broken; exit 5"; wait_for_success = true; };
job_release = { command = "echo released >>$tmp/t/release.broken"; };
tasks = ( { id = "never"; command = "echo ran >>$tmp/t/never"; } );
CFG
job m <<CFG
job_preparation = { command = "echo prep >>$tmp/t/prep.m; touch prepared; sleep 0.5"; };
job_release = { command = "echo release >>$tmp/t/release.m"; };
tasks = ( { id = "mi"; instances = 2; slots = 1;
            command = "test -f \$MPIBATCH_JOB_PREP_WORKING_DIR/prepared && echo ok >>$tmp/t/mi"; } );
CFG
job dr <<CFG
job_preparation = { command = "true"; };
job_release = { command = "echo released >>$tmp/t/release.dr"; };
tasks = ( { id = "long"; command = "echo started >>$tmp/t/dr; sleep 60"; } );
CFG
job plain <<CFG
tasks = ( { id = "p"; command = "echo ran >>$tmp/t/plain"; } );
CFG

env TORTURE_MARK="$tmp" timeout -k 5 120 $MPIRUN -n 4 --oversubscribe \
    "$M" pool "$P" --slots-per-worker 1 >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 200); do [ -s "$P/status.json" ] && break; sleep 0.1; done
check "the pool is up" test -s "$P/status.json"

req submit "$P" a.cfg --wait
check_status "job a: submit --wait" 0
req submit "$P" broken.cfg --wait
check_status "job broken: its tasks fail" 1
req submit "$P" plain.cfg --wait
check_status "a job without preparation after it" 0
req submit "$P" b.cfg --wait
check_status "job b: submit --wait" 0

for j in a b; do
    check_eq "job $j: preparation ran once on the node" "$(wc -l <"$tmp/t/prep.$j" 2>/dev/null)" 1
    check_eq "job $j: release ran once" "$(wc -l <"$tmp/t/release.$j" 2>/dev/null)" 1
    check_eq "job $j: every task saw its preparation" "$(wc -l <"$tmp/t/task.$j" 2>/dev/null)" 4
    p=$(cat "$tmp/t/prep.$j" 2>/dev/null || echo 9e99)
    first=$(sort -n "$tmp/t/task.$j" 2>/dev/null | head -n 1)
    last=$(sort -n "$tmp/t/task.$j" 2>/dev/null | tail -n 1)
    r=$(cat "$tmp/t/release.$j" 2>/dev/null || echo 0)
    check "job $j: preparation before its first task" awk -v a="$p" -v b="${first:-0}" 'BEGIN { exit !(a <= b) }'
    check "job $j: release after its last task" awk -v a="${last:-9e99}" -v b="$r" 'BEGIN { exit !(a <= b) }'
done
check "job broken: its preparation was tried" test -s "$tmp/t/prep.broken"
check "job broken: its task never ran" test ! -e "$tmp/t/never"
check_eq "job broken: release where its preparation ran" "$(wc -l <"$tmp/t/release.broken" 2>/dev/null)" 1
check "the pool said why" grep -q "preparation failed" "$tmp/pool.err"
check_eq "report of broken: the reason" \
    "$(report_py "$tmp/jobs/broken/report.h5" 'print(s(f["tasks"]["reason"][0]))')" \
    "its job's preparation failed on every node it could use"
check_eq "journal of a: its preparation and release recorded" \
    "$(report_py "$tmp/jobs/a/report.h5" 'print(s(f.attrs["status"]))')" succeeded
check "plain ran" test -s "$tmp/t/plain"

# A multi-instance task waits for its job's preparation too.
req submit "$P" m.cfg --wait
check_status "job m (a multi-instance task): submit --wait" 0
check_eq "job m: its task ran after the preparation" "$(cat "$tmp/t/mi" 2>/dev/null)" ok
check_eq "job m: preparation once, release once" \
    "$(wc -l <"$tmp/t/prep.m" 2>/dev/null) $(wc -l <"$tmp/t/release.m" 2>/dev/null)" "1 1"

# A pool drained with a job running: the job is interrupted, its release
# still runs, the pool exits 4.
req submit "$P" dr.cfg
check_status "submit dr" 0
for _ in $(seq 100); do [ -s "$tmp/t/dr" ] && break; sleep 0.1; done
check "dr's task runs" test -s "$tmp/t/dr"
req shutdown --drain "$P"
check_status "shutdown --drain" 0
wait "$pool_pid"
check_eq "the drained pool exits 4" "$?" 4
check_eq "dr: its release ran at the drain" "$(wc -l <"$tmp/t/release.dr" 2>/dev/null)" 1
check_eq "dr: interrupted" \
    "$(report_py "$tmp/jobs/dr/report.h5" 'print(s(f.attrs["status"]))')" interrupted
check "nothing of the pool survives" tor_gone 20
# The pool's own errors: none from the sanitizers (a sanitizer build), and
# its stderr shown when something failed.
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] || sed -n '1,80s/^/    pool| /p' "$tmp/pool.err"
mb_finish
