#!/bin/sh
# lostmany.sh: a lost worker that held more than 4,096 running tasks (the
# size of the service's requeue chunk): every one of them is requeued
# without using a retry and ends exactly once on the other worker.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init lostmany
N=4200

# fill = "pack" puts all N tasks on the first worker (rank 1).  The first
# start of a task leaves a mark and waits (one sleep process, killed with
# its rank); the start after the requeue records that it ran.
mkdir "$tmp/s"
job many <<EOF2
slots_per_worker = $N;
fill = "pack";
sweeps = ( { id = "t-\${i}"; max_retries = 0;
             command = "[ -e $tmp/s/\${i} ] || { : > $tmp/s/\${i}; exec sleep 300; }; echo \${i} >> $tmp/done";
             parameters = { i = { from = 1; to = $N; }; }; } );
EOF2
MARK="lostmany-$$"
# The surviving worker takes 4,200 requeued tasks at once; starting them
# kept both ranks from answering heartbeats for over 20 s on a loaded
# machine (the other test of `make -j2 check` beside it), and an
# instrumented build (MB_SANITIZED) is slower still.
hbt=45
lim=240
[ -n "${MB_SANITIZED:-}" ] && hbt=120 lim=420
(cd "$tmp" && MB_MARK=$MARK timeout -k 5 $lim "$MPIRUN" -n 3 --oversubscribe --enable-recovery \
    --mca orte_abort_on_non_zero_status 0 -x MB_MARK \
    -x MPIBATCH_HEARTBEAT=0.5 -x MPIBATCH_HEARTBEAT_TIMEOUT=$hbt \
    "$MPIBATCH" run many.cfg >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/mpirun.st") &
bg=$!
# Once all N tasks run on rank 1, kill that rank (a long heartbeat
# timeout: starting N tasks keeps it busy for a while).
started=0
for i in $(seq 1 600); do
    sleep 0.2
    started=$(ls "$tmp/s" | wc -l)
    [ "$started" = "$N" ] && break
done
running=$(status_json many 's["counts"]["running"]')
victim=$(mpi_rank_pid many 1 "$MARK")
[ -n "$victim" ] && kill -9 "$victim"
wait $bg
check_eq "all $N tasks started" "$started" "$N"
check_eq "rank 1 held all $N tasks at once" "$running" "$N"
check "rank 1 was found and killed" test -n "$victim"
st=$(cat "$tmp/mpirun.st" 2>/dev/null || echo 99)
case $st in
    124|137|99) fail "mpirun ended by itself after the run (status $st: it hung)" ;;
    *) pass "mpirun ended by itself after the run (status $st)" ;;
esac
check "the service noticed the lost worker" grep -q "worker rank 1 on .* lost" "$tmp/err"
check_eq "every task succeeded" "$(status_json many 's["counts"]["succeeded"]')" "$N"
check_eq "each task ran to its end exactly once" \
    "$(sort -n "$tmp/done" | uniq | wc -l) $(wc -l <"$tmp/done")" "$N $N"
got=$(report_py "$tmp/jobs/many/report.h5" '
a = f["/attempts"][:]
print(sum(1 for r in a if s(r["outcome"]) == "interrupted" and "lost" in s(r["reason"])))')
check_eq "each of the $N tasks was requeued once (an interrupted attempt)" "$got" "$N"
check_eq "the report counts the requeues" \
    "$(report_py "$tmp/jobs/many/report.h5" 'print(int(f.attrs["requeues"]))')" "$N"
mb_finish
