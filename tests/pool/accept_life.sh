#!/bin/sh
# accept_life.sh: issue 16 "Checked by": a pool's life.  Under mpirun:
#  - a second pool on one POOLDIR is refused (exit 2, "already running");
#  - `shutdown --drain` interrupts the running tasks now: the pool exits 4,
#    the job is "interrupted", nothing of the pool survives; then
#    `mpibatch pool POOLDIR --resume` says "starting" until it has
#    restored the job, continues it, and each task succeeds exactly once;
#  - `shutdown` (no drain) refuses new submissions (exit 2, the reason)
#    and the pool exits 0 once its running job has ended;
#  - --idle-timeout: a pool does not end while a job runs, and ends by
#    itself (exit 0) about that long after its last job ended;
#  - with MPIBATCH_POOL_INOTIFY=0 a pool finds requests by polling alone:
#    each answered within about a second (1.6 s), on average not at once.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
. "$top_srcdir/tests/pool/accept-lib.sh"
acc_need_pool
mb_init accept_life
trap 'acc_cleanup; mb_cleanup' EXIT
cd "$tmp" || die "cd"
P=$tmp/pool

acc_start 3 "$P"
check "the pool starts" acc_up "$P"
timeout -k 5 30 $MPIRUN -n 2 --oversubscribe "$MPIBATCH" pool "$P" >"$tmp/out" 2>"$tmp/err" </dev/null
st=$?
check_status "a second pool on the same POOLDIR" 2
check "the reason" grep -q "already running" "$tmp/err"
check "the first pool still runs" kill -0 "$pool_bg"

# shutdown --drain, then --resume.
job L <<CFG
tasks = ( { id = "l1"; command = "echo start >>$tmp/l1; while [ ! -f $tmp/go ]; do sleep 0.05; done; echo done >>$tmp/l1"; },
          { id = "l2"; command = "echo start >>$tmp/l2; while [ ! -f $tmp/go ]; do sleep 0.05; done; echo done >>$tmp/l2"; },
          { id = "l3"; depends_on = [ "l1", "l2" ]; command = "echo done >>$tmp/l3"; } );
CFG
req submit "$P" L.cfg
check_status "submit L" 0
check "l1 runs" wait_lines "$tmp/l1" 1 30
check "l2 runs" wait_lines "$tmp/l2" 1 30
req shutdown --drain "$P"
check_status "shutdown --drain" 0
acc_end 40
check_status "the pool after shutdown --drain" 4
check "nothing of the drained pool survives" tor_gone 20
check_eq "L is interrupted" "$(job_state "$P" L)" interrupted
check_eq "the pool's status: ended" "$(pool_json "$P" "s['state']")" ended
check_eq "no task of L ended" "$(cat "$tmp/l1" "$tmp/l2" | grep -c 'done')" 0

touch "$tmp/go"
acc_start 3 "$P" --resume
check "the pool resumes" acc_up "$P"
# Holding the lock, before it has restored its jobs, the pool says it is
# starting: never the earlier pool's "ended" with L "interrupted".
check "the resumed pool's status: starting or running" \
    sh -c "echo '$(pool_json "$P" "s['state'] + ' ' + str(len(s['jobs']))")' | grep -Eqx 'starting 0|running 1'"
check_eq "L succeeded after the resume" "$(wait_job "$P" L 40)" succeeded
for t in l1 l2 l3; do
    check_eq "$t ended once" "$(grep -c 'done' "$tmp/$t")" 1
done
check_eq "L: 3 succeeded" "$(pool_json "$P" "jobs['L']['counts']['succeeded']")" 3

# shutdown without --drain: no new submission, the running job finishes.
job M <<CFG
tasks = ( { id = "m"; command = "echo start >>$tmp/m; while [ ! -f $tmp/go2 ]; do sleep 0.05; done; echo done >>$tmp/m"; } );
CFG
job N <<CFG
tasks = ( { id = "n"; command = "true"; } );
CFG
req submit "$P" M.cfg
check_status "submit M" 0
check "m runs" wait_lines "$tmp/m" 1 30
req shutdown "$P"
check_status "shutdown" 0
req submit "$P" N.cfg
check_status "submit after shutdown" 2
check "the reason" grep -q "shutting down" "$tmp/err"
sleep 1
check "the pool waits for M" kill -0 "$pool_bg"
check_eq "the pool's status: shutting down" "$(wait_json "$P" "s['state']" shutting_down 5)" shutting_down
touch "$tmp/go2"
acc_end 30
check_status "the pool after shutdown, once M ended" 0
check "nothing of the pool survives" tor_gone 20
check_eq "M succeeded" "$(job_state "$P" M)" succeeded
check_eq "N was never taken" "$(job_state "$P" N)" ""

# --idle-timeout: a pool with no job ends by itself about that long after
# its start; one whose job runs longer than that waits for the job, then
# ends about that long after the job ended.
Q=$tmp/idle0
t0=$(date +%s.%N)
acc_start 3 "$Q" --idle-timeout 2
acc_end 40
t1=$(date +%s.%N)
check_status "a pool without a job, after its idle timeout" 0
check_range "it ended about 2 s after its start (s)" "$(echo "$t1 - $t0" | bc)" 2 12
check "nothing of it survives" tor_gone 20
Q=$tmp/idle
job I <<CFG
tasks = ( { id = "i"; command = "sleep 9; date +%s.%N >$tmp/i.end"; } );
CFG
acc_start 3 "$Q" --idle-timeout 6
check "the idle pool starts" acc_up "$Q"
req submit "$Q" I.cfg
check_status "submit I (9 s) within the first 6 s" 0
acc_end 60
t_end=$(date +%s.%N)
check_status "the pool after its idle timeout" 0
check "the job ran to its end first" test -s "$tmp/i.end"
check_range "it ended about 6 s after its last job (s)" \
    "$(echo "$t_end - $(cat "$tmp/i.end" 2>/dev/null || echo 0)" | bc)" 5.5 14
check_eq "I succeeded" "$(job_state "$Q" I)" succeeded
check "nothing of the idle pool survives" tor_gone 20
# A pool that finds requests by polling only (MPIBATCH_POOL_INOTIFY=0, as
# for requests written on other nodes of a shared filesystem): each answered
# within about a second, and not at once (the scan comes once a second).
Q=$tmp/poll
MPIBATCH_POOL_INOTIFY=0
export MPIBATCH_POOL_INOTIFY
acc_start 2 "$Q"
unset MPIBATCH_POOL_INOTIFY
check "the polling pool starts" acc_up "$Q"
job Z <<CFG
open = true;
tasks = ( );
CFG
req submit "$Q" Z.cfg
check_status "submit Z to the polling pool" 0
: >"$tmp/poll.s"
for i in 1 2 3 4; do
    sleep 0.$((i * 2 + 1))
    t0=$(date +%s.%N)
    req priority "$Q" Z "$i"
    t1=$(date +%s.%N)
    check_status "priority $i (polling)" 0
    echo "$t1 - $t0" | bc >>"$tmp/poll.s"
done
check_range "the slowest answer by polling (s)" "$(sort -n "$tmp/poll.s" | tail -n 1)" 0 1.6
check_range "the mean answer by polling (s)" "$(awk '{ t += $1 } END { printf "%.3f", t / NR }' "$tmp/poll.s")" 0.1 1.6
req shutdown "$Q"
check_status "shutdown of the polling pool" 0
acc_end 30
check_status "the polling pool after shutdown" 0
check "nothing of the polling pool survives" tor_gone 20
mb_finish
