#!/bin/sh
# pool_join.sh: a pool with no workers of its own fed by worker groups
# joining from two other namespace hosts.  On mbh1 an ompi-server and
# `mpirun -n 1 mpibatch pool POOLDIR --serve-only`; two open jobs
# submitted, each with a preparation and a release writing a file per job
# and host; from mbh2 (B, the command the pool prints) and mbh3 (C) two
# `mpibatch worker` groups join.  C is killed with -9 mid-task (everything
# in mbh3): its tasks are requeued and finish on B exactly once (side
# effects counted), the pool's mpirun survives.  With both jobs still open
# B leaves at its --idle-timeout: the release of each job, prepared on
# mbh2, runs there on the way out (once).  Then both jobs are closed and
# succeed, the pool shuts down, and status and the jobs' journals are read
# after.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/cluster/cluster-lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
mb_init cpooljoin
cl_up 3
server=""
pool=""
jb=""
jc=""
trap 'for p in $jb $jc $pool $server; do kill -9 "$p" 2>/dev/null; done; cl_down; [ -n "${MB_KEEP:-}" ] || mb_cleanup' EXIT

running () {
    s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
    [ -n "$s" ] && [ "$s" != Z ]
}
empty_ns () { [ -z "$(ip netns pids "$1" 2>/dev/null)" ]; }
on () {
    ip netns exec "$1" unshare --uts sh -c 'hostname "$0"; exec "$@"' "$@"
}

uri=$tmp/ompi-server.uri
on mbh1 ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
server=$!
wait_for 10 test -s "$uri" || die "ompi-server did not write its URI: $(cat "$tmp/server.out")"
srvpid=$(ip netns pids mbh1)
HB="-x MPIBATCH_HEARTBEAT=0.5 -x MPIBATCH_HEARTBEAT_TIMEOUT=10"
SRV="--ompi-server file:$uri"
P=$tmp/pool

mkdir "$tmp/start" "$tmp/prep" "$tmp/rel"
for j in one two; do
    job $j <<EOF2
open = true;
job_preparation = { command = "echo $j >>$tmp/prep/\$(hostname)"; };
job_release = { command = "echo $j >>$tmp/rel/\$(hostname)"; };
sweeps = ( { id = "t-\${i}"; max_retries = 0;
             command = "echo $j-\${i} >>$tmp/start/\$(hostname); sleep 2; echo $j-\${i} \$(hostname) >>$tmp/done";
             parameters = { i = { from = 1; to = 12; }; }; } );
EOF2
done

# The pool: one rank on mbh1, the service alone.
(cd "$tmp" && on mbh1 timeout -k 5 200 $MPIRUN -n 1 $MB_MCA --host mbh1:1 \
    $SRV $HB "$MPIBATCH" pool "$P" --serve-only \
    >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
pool=$!
mb_show "$tmp/pool.err" "$tmp/b.err" "$tmp/c.err"
check "the pool publishes its port" wait_for 40 test -s "$P/join.port"
# The line comes through mpirun's forwarding of stderr, which may lag
# behind the port file.
wait_for 20 grep -q "^mpibatch: workers join with: " "$tmp/pool.err"
cmd=$(sed -n 's/^mpibatch: workers join with: //p' "$tmp/pool.err")
echo "# printed: $cmd"
check_eq "the pool prints the worker command" "$cmd" \
    "mpirun --ompi-server file:$P/ompi-server.uri $MPIBATCH worker $P"

for j in one two; do
    mb submit "$P" $j.cfg
    check_status "submit $j" 0
done
sleep 1
check "nothing ran without a worker" test ! -e "$tmp/done"

# B: the printed command.  C: the same by hand.
(cd "$tmp" && eval "on mbh2 timeout -k 5 150 $MPIRUN -n 2 --oversubscribe $MB_MCA --host mbh2:2 \
    $HB ${cmd#mpirun } --idle-timeout 4" >"$tmp/b.out" 2>"$tmp/b.err" </dev/null
 echo $? >"$tmp/b.st") &
jb=$!
(cd "$tmp" && on mbh3 timeout -k 5 150 $MPIRUN -n 2 --oversubscribe $MB_MCA --host mbh3:2 \
    $SRV $HB "$MPIBATCH" worker "$P" >"$tmp/c.out" 2>"$tmp/c.err" </dev/null
 echo $? >"$tmp/c.st") &
jc=$!

check "a task starts on mbh3 (C)" wait_for 40 test -s "$tmp/start/mbh3"
sleep 1
cpids=$(ip netns pids mbh3)
check "C's processes were found in mbh3" test -n "$cpids"
kill -STOP $cpids 2>/dev/null
kill -9 $cpids 2>/dev/null
check "the service notices C's workers lost" wait_for 30 grep -q "worker rank [0-9]* on mbh3 lost" "$tmp/pool.err"
check "the pool's mpirun survives the lost group" running "$pool"
check "nothing is left in mbh3" wait_for 10 empty_ns mbh3

check "all 24 tasks finish" wait_for 120 sh -c "[ \$(wc -l <'$tmp/done') -ge 24 ]"
# Both jobs are open: B idles and leaves with both still active.
check "B leaves at its idle timeout" wait_for 30 test -s "$tmp/b.st"
check_eq "B exits 0 (idle)" "$(cat "$tmp/b.st" 2>/dev/null)" 0
check "the service saw B's workers leave" grep -q "worker rank [0-9]* on mbh2 left (idle timeout)" "$tmp/pool.err"
check_eq "release of each job ran once on mbh2 as B left" \
    "$(sort "$tmp/rel/mbh2" 2>/dev/null | tr '\n' ' ')" "one two "
check "the pool still runs after B left" running "$pool"
check "nothing is left in mbh2" wait_for 10 empty_ns mbh2

for j in one two; do
    mb close "$P" $j
    check_status "close $j" 0
done
check "both jobs end" wait_for 30 sh -c "grep -q 'job one succeeded' '$tmp/pool.err' && grep -q 'job two succeeded' '$tmp/pool.err'"
mb shutdown "$P"
check_status "shutdown" 0
wait $pool
check_eq "the pool exits 0" "$(cat "$tmp/pool.st" 2>/dev/null)" 0

check_eq "every task's side effect happened exactly once" \
    "$(cut -d' ' -f1 "$tmp/done" | sort -u | wc -l) $(wc -l <"$tmp/done")" "24 24"
check_eq "tasks of both jobs finished on mbh2 only" \
    "$(cut -d' ' -f2 "$tmp/done" | sort -u | tr '\n' ' ')" "mbh2 "
check_eq "preparation of each job once on mbh2" "$(sort "$tmp/prep/mbh2" 2>/dev/null | tr '\n' ' ')" "one two "
check "no release on the dead mbh3" test ! -e "$tmp/rel/mbh3"
check "nothing ran on mbh1 (--serve-only)" test ! -e "$tmp/start/mbh1"
check_eq "release of each job ran once in all" "$(cat "$tmp/rel/"* | sort | tr '\n' ' ')" "one two "

# Read after: the pool's status, each job's journal (status of its state
# directory) and report.
(cd "$tmp" && "$MPIBATCH" status "$P") >"$tmp/st.out" 2>&1
check "status POOLDIR after: no pool running" grep -q "no pool is running" "$tmp/st.out"
for j in one two; do
    check_eq "job $j's journal: 12 succeeded" \
        "$(status_json $j 's["counts"]["succeeded"]')" 12
    check_eq "job $j's report: succeeded" \
        "$(report_py "$tmp/jobs/$j/report.h5" 'print(s(f.attrs["status"]))')" succeeded
done
got=$(for j in one two; do report_py "$tmp/jobs/$j/report.h5" '
a = f["/attempts"][:]
print(sum(1 for r in a if s(r["outcome"]) == "interrupted" and "lost" in s(r["reason"]) and s(r["node"]) == "mbh3"))'; done | awk '{n += $1} END {print n}')
check_range "C's running tasks were requeued (max_retries 0)" "$got" 1 2
only_server () { [ "$(ip netns pids mbh1 | grep -vx "$srvpid")" = "" ]; }
check "nothing is left in mbh1 but the ompi-server" wait_for 10 only_server
[ "$nfail" -eq 0 ] || sed -n '1,80s/^/    pool| /p' "$tmp/pool.err"
mb_finish
