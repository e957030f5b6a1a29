#!/bin/sh
# lostworker.sh: with Open MPI's recovery flags, a worker rank killed in
# the middle of a run is noticed by its silence (heartbeats), its running
# task is requeued without using a retry, and the job finishes on the
# other worker with every task succeeded exactly once.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init lostworker

# find_rank JOB RANK MARK: once JOB's journal exists, print the pid of the
# MPI rank RANK of the run marked MARK: the oldest process with that
# environment (its launcher, a child of it, has the same one).
find_rank () {
    for i in $(seq 1 50); do
        sleep 0.2
        [ -s "$tmp/jobs/$1/journal" ] || continue
        p=$(mpi_rank_pid "$1" "$2" "$3")
        [ -n "$p" ] && { echo "$p"; return; }
    done
}
job lost <<'EOF2'
sweeps = ( { id = "s-${i}"; command = "sleep 1; echo ${i} >> $MPIBATCH_STORAGE_DIR/done"; max_retries = 0;
             parameters = { i = { from = 1; to = 8; }; }; } );
EOF2
MARK="lostworker-$$"
(cd "$tmp" && MB_MARK=$MARK timeout 90 "$MPIRUN" -n 3 --oversubscribe --enable-recovery \
    --mca orte_abort_on_non_zero_status 0 -x MB_MARK \
    -x MPIBATCH_HEARTBEAT=0.5 -x MPIBATCH_HEARTBEAT_TIMEOUT=3 \
    "$MPIBATCH" run lost.cfg >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/mpirun.st") &
bg=$!
# Kill worker rank 2 (the rank itself: its launcher then stops its task)
# once tasks are running.
victim=$(find_rank lost 2 "$MARK")
sleep 1.5
[ -n "$victim" ] && kill -9 "$victim"
wait $bg
check "a worker rank was found and killed" test -n "$victim"
# The lost rank never reaches MPI_Finalize: rank 0 must end the job itself
# (MPI_Abort once its records are written) instead of waiting there.
st=$(cat "$tmp/mpirun.st" 2>/dev/null || echo 99)
case $st in
    124|137|99) fail "mpirun ended by itself after the run (status $st: it hung)" ;;
    *) pass "mpirun ended by itself after the run (status $st)" ;;
esac
check "the service noticed the lost worker" grep -q "worker rank 2 on .* lost" "$tmp/err"
check_eq "every task succeeded" "$(status_json lost 's["counts"]["succeeded"]')" 8
check_eq "each task's side effect happened exactly once" "$(sort -n "$tmp/done" | uniq | wc -l) $(wc -l <"$tmp/done")" "8 8"
got=$(report_py "$tmp/jobs/lost/report.h5" '
a = f["/attempts"][:]
print(sum(1 for r in a if s(r["outcome"]) == "interrupted" and "lost" in s(r["reason"])))')
check_range "the lost worker's running task was requeued (interrupted attempts)" "$got" 1 2
check_eq "the report counts the requeues" \
    "$(report_py "$tmp/jobs/lost/report.h5" 'print(int(f.attrs["requeues"]))')" "$got"
# Every worker lost: the run ends by itself (exit 3 from rank 0; mpirun
# reports 0 with the recovery flags), the journal says so, and --resume
# finishes the job with a new worker.
job alone <<'EOF2'
sweeps = ( { id = "a-${i}"; command = "sleep 1; echo ${i} >> $MPIBATCH_STORAGE_DIR/done-alone";
             parameters = { i = { from = 1; to = 4; }; }; } );
EOF2
MARK2="lostall-$$"
(cd "$tmp" && MB_MARK=$MARK2 timeout 90 "$MPIRUN" -n 2 --oversubscribe --enable-recovery \
    --mca orte_abort_on_non_zero_status 0 -x MB_MARK \
    -x MPIBATCH_HEARTBEAT=0.5 -x MPIBATCH_HEARTBEAT_TIMEOUT=3 \
    "$MPIBATCH" run alone.cfg >"$tmp/out2" 2>"$tmp/err2"; echo $? >"$tmp/mpirun2.st") &
bg=$!
victim=$(find_rank alone 1 "$MARK2")
sleep 0.5
[ -n "$victim" ] && kill -9 "$victim"
wait $bg
check "the only worker rank was found and killed" test -n "$victim"
check "the service says every worker is lost" grep -q "every worker is lost" "$tmp/err2"
st2=$(cat "$tmp/mpirun2.st" 2>/dev/null || echo 99)
case $st2 in
    124|137|99) fail "the run ended by itself (status $st2: it hung)" ;;
    *) pass "the run ended by itself (mpirun status $st2)" ;;
esac
check_eq "the journal records the run as a runtime error (exit 3)" "$(status_json alone 's["status"]')" "runtime error"
mb_run 2 --resume alone.cfg
check_status "--resume with a new worker finishes the job" 0
check_eq "every task succeeded" "$(status_json alone 's["counts"]["succeeded"]')" 4
mb_finish
