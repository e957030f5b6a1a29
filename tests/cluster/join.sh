#!/bin/sh
# join.sh: workers joining a pool across the namespace hosts.  On mbh1 an
# ompi-server and the pool (`mpibatch run --accept-workers` of an open job,
# the service and one worker of its own); from mbh2 (B) and mbh3 (C) two
# `mpirun ... mpibatch worker POOLDIR` join it over the namespace network.
# Tasks run on all three hosts; C's group is killed with -9 mid-task (every
# process in mbh3 and its mpirun, as in a node crash): its tasks are
# requeued and finish elsewhere exactly once (side effects counted in a
# file on the shared directory), the pool's own mpirun survives.  B leaves
# at its --idle-timeout (exit 0) with job release run on mbh2; the job is
# then closed and the pool ends 0, release run on mbh1 too.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/cluster/cluster-lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
mb_init cjoin
cl_up 3
server=""
pool=""
jb=""
jc=""
# Whatever happens: the background jobs, then the hosts (which kills what
# is left in them), then the scratch directory.
trap 'for p in $jb $jc $pool $server; do kill -9 "$p" 2>/dev/null; done; cl_down; [ -n "${MB_KEEP:-}" ] || mb_cleanup' EXIT

# running PID: the process exists and is not a zombie (PID 1 may not reap).
running () {
    s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
    [ -n "$s" ] && [ "$s" != Z ]
}
# empty_ns HOST: no process left in the namespace.
empty_ns () { [ -z "$(ip netns pids "$1" 2>/dev/null)" ]; }

# on HOST CMD...: CMD in HOST's namespace under HOST's name.
on () {
    ip netns exec "$1" unshare --uts sh -c 'hostname "$0"; exec "$@"' "$@"
}

# The ompi-server on mbh1, under mbh1's name (its URI names mbh1's address).
uri=$tmp/ompi-server.uri
on mbh1 ompi-server --no-daemonize -r "$uri" \
    >"$tmp/server.out" 2>&1 &
server=$!
wait_for 10 test -s "$uri" || die "ompi-server did not write its URI: $(cat "$tmp/server.out")"
echo "# ompi-server: $(cat "$uri")"
# Its pid as the host sees it ($server is the shell that started it).
srvpid=$(ip netns pids mbh1)
HB="-x MPIBATCH_HEARTBEAT=0.5 -x MPIBATCH_HEARTBEAT_TIMEOUT=10"
# Each mpirun runs on its own host, as a job script runs on the first node
# of its allocation, and starts its ranks there.  (An mpirun that starts
# daemons on other hosts does not do here: Open MPI 4.1.4's orted crashes
# in its publish/lookup handler, NULL server URI, when a rank it serves
# connects or accepts; `--ompi-server` reaches mpirun's own daemon only.)
SRV="--ompi-server file:$uri"

mkdir "$tmp/start" "$tmp/prep" "$tmp/rel"
# Each task notes where it starts, sleeps, and appends its side effect.
job cj <<EOF2
open = true;
job_preparation = { command = "hostname >>$tmp/prep/\$(hostname)"; };
job_release = { command = "hostname >>$tmp/rel/\$(hostname)"; };
sweeps = ( { id = "t-\${i}"; max_retries = 0;
             command = "echo \${i} >>$tmp/start/\$(hostname); sleep 3; echo \${i} \$(hostname) >>$tmp/done";
             parameters = { i = { from = 1; to = 30; }; }; } );
EOF2
pooldir=$tmp/jobs/cj/pool
mb_show "$tmp/pool.err" "$tmp/b.err" "$tmp/c.err"

# The pool: 2 ranks on mbh1 (the service and a worker).
(cd "$tmp" && on mbh1 timeout -k 5 150 $MPIRUN -n 2 --oversubscribe $MB_MCA --host mbh1:2 \
    $SRV $HB "$MPIBATCH" run --accept-workers cj.cfg \
    >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
pool=$!
check "the pool publishes its port" wait_for 40 test -s "$pooldir/join.port"
# The command the pool prints for worker jobs: B runs exactly it (with
# its own mpirun options and --idle-timeout added).
# The line comes through mpirun's forwarding of stderr, which may lag
# behind the port file.
wait_for 20 grep -q "^mpibatch: workers join with: " "$tmp/pool.err"
cmd=$(sed -n 's/^mpibatch: workers join with: //p' "$tmp/pool.err")
echo "# printed: $cmd"
check_eq "the pool prints the worker command" "$cmd" \
    "mpirun --ompi-server file:$pooldir/ompi-server.uri $MPIBATCH worker $pooldir"
check "the pool put the server's contact in POOLDIR" cmp -s "$uri" "$pooldir/ompi-server.uri"

# join HOST TAG ARGS...: a 2-rank worker group on HOST joining the pool,
# in the background; its pid in $jpid, its status in $tmp/TAG.st.
join () {
    h=$1
    t=$2
    shift 2
    (cd "$tmp" && on "$h" timeout -k 5 120 $MPIRUN -n 2 --oversubscribe $MB_MCA --host "$h:2" \
        $SRV $HB "$MPIBATCH" worker "$@" "$pooldir" \
        >"$tmp/$t.out" 2>"$tmp/$t.err" </dev/null
     echo $? >"$tmp/$t.st") &
    jpid=$!
}
# B: the printed command, its mpirun's options after `mpirun`.
(cd "$tmp" && eval "on mbh2 timeout -k 5 120 $MPIRUN -n 2 --oversubscribe $MB_MCA --host mbh2:2 \
    $HB ${cmd#mpirun } --idle-timeout 3" >"$tmp/b.out" 2>"$tmp/b.err" </dev/null
 echo $? >"$tmp/b.st") &
jb=$!
join mbh3 c
jc=$jpid

check "a task starts on mbh3 (C)" wait_for 40 test -s "$tmp/start/mbh3"
# C's first batch started at once on both its workers: kill mid-sleep.
sleep 1
# Everything in mbh3 (C's mpirun, its ranks, launchers and tasks), stopped
# before killed so no launcher reports a killed task as failed.
cpids=$(ip netns pids mbh3)
check "C's processes were found in mbh3" test -n "$cpids"
kill -STOP $cpids 2>/dev/null
kill -9 $cpids 2>/dev/null
check "the service notices C's workers lost" wait_for 30 grep -q "worker rank [0-9]* on mbh3 lost" "$tmp/pool.err"
check "the pool's own mpirun survives the lost group" running "$pool"
check "nothing is left in mbh3" wait_for 10 empty_ns mbh3

# Every task done: then B, idle, leaves on its own.
check "all 30 tasks finish" wait_for 90 sh -c "[ \$(wc -l <'$tmp/done') -ge 30 ]"
check "B leaves at its idle timeout" wait_for 30 test -s "$tmp/b.st"
check_eq "B exits 0 (idle)" "$(cat "$tmp/b.st" 2>/dev/null)" 0
check "the service saw B's workers leave" grep -q "worker rank [0-9]* on mbh2 left (idle timeout)" "$tmp/pool.err"
check_eq "release ran once on mbh2 when B left" "$(cat "$tmp/rel/mbh2" 2>/dev/null)" mbh2
check "the pool still runs after B left" running "$pool"
check "nothing is left in mbh2" wait_for 10 empty_ns mbh2

mb close "$pooldir" cj
check_status "close the job" 0
wait $pool
check_eq "the pool exits 0" "$(cat "$tmp/pool.st" 2>/dev/null)" 0
check_eq "every task's side effect happened exactly once" \
    "$(cut -d' ' -f1 "$tmp/done" | sort -n | uniq | wc -l) $(wc -l <"$tmp/done")" "30 30"
check_eq "tasks finished on mbh1 and mbh2" \
    "$(cut -d' ' -f2 "$tmp/done" | sort -u | tr '\n' ' ')" "mbh1 mbh2 "
check_eq "nothing finished on the killed mbh3" "$(grep -c mbh3 "$tmp/done")" 0
check_eq "preparation ran once on each host" \
    "$(cat "$tmp/prep/mbh1" "$tmp/prep/mbh2" "$tmp/prep/mbh3" 2>/dev/null | tr '\n' ' ')" \
    "mbh1 mbh2 mbh3 "
check_eq "release ran once on mbh1 at the end" "$(cat "$tmp/rel/mbh1" 2>/dev/null)" mbh1
check "no release on the dead mbh3" test ! -e "$tmp/rel/mbh3"
check_eq "status: every task succeeded" "$(status_json cj 's["counts"]["succeeded"]')" 30
got=$(report_py "$tmp/jobs/cj/report.h5" '
a = f["/attempts"][:]
print(sum(1 for r in a if s(r["outcome"]) == "interrupted" and "lost" in s(r["reason"]) and s(r["node"]) == "mbh3"))')
check_range "C's running tasks were requeued (max_retries 0)" "$got" 1 2
w=$(report_py "$tmp/jobs/cj/report.h5" '
print(" ".join(sorted(set(s(r["node"]) for r in f["/workers"][:]))))')
check_eq "the report knows workers on the three hosts" "$w" "mbh1 mbh2 mbh3"
# only_server: the ompi-server is all that is left in mbh1.
only_server () { [ "$(ip netns pids mbh1 | grep -vx "$srvpid")" = "" ]; }
check "nothing is left in mbh1 but the ompi-server" wait_for 10 only_server
for p in $(ip netns pids mbh1 | grep -vx "$srvpid"); do
    echo "# left in mbh1: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) ($(awk '{print $3}' "/proc/$p/stat" 2>/dev/null))"
done
mb_finish
