#!/bin/sh
# prep-lost.sh: a joined worker killed (-9) while it runs a pool job's
# preparation.  The pool (`mpibatch pool --serve-only`) has a job whose
# preparation hangs on the first worker that joins; that group is killed
# mid-preparation.  The pool counts the lost preparation out and forgets
# the node: a second worker joining on the same host prepares it anew and
# runs every task, once; it leaves idle with the job's release run on the
# way out; `shutdown --drain` then ends the pool at once (nothing is left
# counted as running).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
mb_init join-prep-lost
uri="$tmp/ompi-server.uri"
ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
server=$!
# marked MARK: the live processes whose environment has TORTURE_MARK=MARK.
marked () {
    grep -l -z -x -F "TORTURE_MARK=$1" /proc/[0-9]*/environ 2>/dev/null |
        sed 's|^/proc/||; s|/environ$||'
}
killall_marked () {
    for p in $(marked "$tmp") $(marked "$tmp/j1") $(cat "$tmp/prep.pid" 2>/dev/null); do
        kill -9 "$p" 2>/dev/null
    done
}
trap 'killall_marked; kill "$server" 2>/dev/null; mb_cleanup' EXIT
gone () { [ -z "$(marked "$tmp/j1")" ]; }
for _ in $(seq 50); do [ -s "$uri" ] && break; sleep 0.1; done
[ -s "$uri" ] || die "ompi-server did not write its URI"
export MPIBATCH_HEARTBEAT=0.5 MPIBATCH_HEARTBEAT_TIMEOUT=3
X="-x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT"
P=$tmp/pool

job p <<EOF2
job_preparation = { command = "echo prep >>$tmp/prep; if [ -e $tmp/slow ]; then echo \$\$ >$tmp/prep.pid; exec sleep 60; fi"; };
job_release = { command = "echo release >>$tmp/rel"; };
sweeps = ( { id = "t-\${i}"; command = "echo t-\${i} >>$tmp/done";
             parameters = { i = { from = 1; to = 4; }; }; } );
EOF2

(cd "$tmp" && env TORTURE_MARK="$tmp" timeout -k 5 120 $MPIRUN -n 1 --ompi-server "file:$uri" $X \
    "$MPIBATCH" pool "$P" --serve-only >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
pool=$!
check "the pool takes workers" wait_for 30 test -e "$P/join.port"
touch "$tmp/slow"
mb submit "$P" p.cfg
check_status "submit p" 0

# join MARK TAG ARGS: one rank joining, marked MARK.
join () {
    m=$1
    t=$2
    shift 2
    (cd "$tmp" && env TORTURE_MARK="$m" timeout -k 5 60 $MPIRUN -n 1 --ompi-server "file:$uri" $X \
        "$MPIBATCH" worker "$@" "$P" >"$tmp/$t.out" 2>"$tmp/$t.err" </dev/null
     echo $? >"$tmp/$t.st") &
}
join "$tmp/j1" j1
check "the first joiner's preparation hangs" wait_for 30 test -s "$tmp/prep.pid"
pids=$(marked "$tmp/j1")
check "the first joiner's processes found" test -n "$pids"
kill -STOP $pids "$(cat "$tmp/prep.pid")" 2>/dev/null
kill -9 $pids "$(cat "$tmp/prep.pid")" 2>/dev/null
check "the pool notices it lost" wait_for 20 grep -q "worker rank [0-9]* on .* lost" "$tmp/pool.err"
check "the first joiner is gone" wait_for 10 gone
check "nothing ran" test ! -e "$tmp/done"

rm -f "$tmp/slow"
join "$tmp" j2 --idle-timeout 3
check "every task runs on the second joiner" wait_for 40 sh -c "[ \$(wc -l <'$tmp/done' 2>/dev/null) -ge 4 ]"
check_eq "each once" "$(sort -u "$tmp/done" | wc -l) $(wc -l <"$tmp/done")" "4 4"
check_eq "the node prepared anew: preparation twice" "$(wc -l <"$tmp/prep")" 2
check "the job succeeds" wait_for 20 grep -q "job p succeeded" "$tmp/pool.err"
check "the second joiner leaves idle" wait_for 30 test -s "$tmp/j2.st"
check_eq "it exits 0" "$(cat "$tmp/j2.st" 2>/dev/null)" 0
check_eq "the job's release ran once" "$(cat "$tmp/rel" 2>/dev/null)" release
mb shutdown --drain "$P"
check_status "shutdown --drain" 0
check "the pool ends at once: nothing left counted running" wait_for 15 test -s "$tmp/pool.st"
check_eq "the pool exits 4 (drained)" "$(cat "$tmp/pool.st" 2>/dev/null)" 4
[ "$nfail" -eq 0 ] || sed -n '1,60s/^/    pool| /p' "$tmp/pool.err"
mb_finish
