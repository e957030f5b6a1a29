#!/bin/sh
# sendcap.sh: the service never waits on a worker that stops receiving.
# Worker rank 2 (60 slots of a synthetic 120-core node) is stopped
# (SIGSTOP) while the node prepares; the service then posts it its first
# tasks, about 1.2 MB in two ASSIGN messages, which it never takes (a
# blocking send would hang the service here).  MPIBATCH_SEND_CAP=512K is
# below that: rank 2 is lost with a clear error at once (long before its
# heartbeat timeout), its tasks are requeued, the run goes on with rank 1
# (2 slots, small messages) and ends by itself; rank 0 then ends the run
# for every rank, the stopped one included.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init sendcap


# Each task carries 20 KB of text: messages far above the eager size,
# which wait for the receiver.
pad=$(head -c 20000 /dev/zero | tr '\0' x)
job cap <<EOF2
job_preparation = { command = "sleep 3"; };
sweeps = ( { id = "t-\${i}"; max_retries = 0;
             command = "echo \${i} >> $tmp/done; : $pad";
             parameters = { i = { from = 1; to = 400; }; }; } );
EOF2
MARK="sendcap-$$"
(cd "$tmp" && MB_MARK=$MARK timeout -k 5 120 "$MPIRUN" --oversubscribe -x MB_MARK \
    -x MPIBATCH_SEND_CAP=512K -x MPIBATCH_HEARTBEAT=0.5 -x MPIBATCH_HEARTBEAT_TIMEOUT=60 \
    -n 2 env MPIBATCH_TOPOLOGY="pack:1 core:4 pu:1" "$MPIBATCH" run cap.cfg : \
    -n 1 env MPIBATCH_TOPOLOGY="pack:1 core:120 pu:1" "$MPIBATCH" run cap.cfg \
    >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/mpirun.st") &
bg=$!
# Stop rank 2 while the preparation runs (no task was sent yet).
victim=""
for i in $(seq 1 100); do
    sleep 0.1
    [ -s "$tmp/jobs/cap/journal" ] || continue
    victim=$(mpi_rank_pid cap 2 "$MARK")
    [ -n "$victim" ] && break
done
[ -n "$victim" ] && kill -STOP "$victim"
t0=$(date +%s)
wait $bg
t1=$(date +%s)
check "rank 2 was found and stopped" test -n "$victim"
st=$(cat "$tmp/mpirun.st" 2>/dev/null || echo 99)
case $st in
    124|137|99) fail "mpirun ended by itself (status $st: it hung)" ;;
    *) pass "mpirun ended by itself (status $st)" ;;
esac
check_range "the run did not wait for a heartbeat timeout (seconds)" "$((t1 - t0))" 0 45
check "rank 2 was lost for the messages it did not take" \
    grep -q "worker rank 2 on .* lost (cannot send to it: .*over the cap of 524288 (MPIBATCH_SEND_CAP))" "$tmp/err"
check_eq "every task succeeded" "$(status_json cap 's["counts"]["succeeded"]')" 400
check_eq "every task ran" "$(sort -n "$tmp/done" | uniq | wc -l)" 400
# A task runs twice only when its worker was lost holding it: on a loaded
# machine the stop can come after rank 2 handed its launcher a first task,
# which then ran while the service requeued it.
sort -n "$tmp/done" | uniq -d | sed 's/^/t-/' | sort >"$tmp/twice"
report_py "$tmp/jobs/cap/report.h5" '
a = f["/attempts"][:]
t = f["/tasks"][:]
for i in sorted(set(s(t[r["task"]]["id"]) for r in a if s(r["outcome"]) == "interrupted")):
    print(i)' | sort >"$tmp/requeued"
check_eq "only tasks requeued from the lost worker ran twice" \
    "$(comm -23 "$tmp/twice" "$tmp/requeued" | tr '\n' ' ')" ""
got=$(report_py "$tmp/jobs/cap/report.h5" '
a = f["/attempts"][:]
print(sum(1 for r in a if s(r["outcome"]) == "interrupted" and "MPIBATCH_SEND_CAP" in s(r["reason"])))')
check_range "rank 2's tasks were requeued" "$got" 1 60
# The stopped rank must not outlive the run.
sleep 1
if [ -n "$victim" ] && [ -e "/proc/$victim" ] && ! grep -q '^State:.*Z' "/proc/$victim/status"; then
    fail "the stopped rank outlived the run"
    kill -KILL "$victim" 2>/dev/null
else
    pass "the stopped rank is gone"
fi
mb_finish
