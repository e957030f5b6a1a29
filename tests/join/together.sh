#!/bin/sh
# together.sh: several groups of workers that join one pool at the same
# moment all join.  Open MPI 4.1 pairs a connect with an accept through the
# ompi-server by keys named after the port ("PORT:connect", "PORT:accept",
# each read once): two groups connecting to one port at once could take
# each other's keys, and then neither joined (a worker said "the pool sent
# no job information" after a minute; CI saw it in tests/cluster/join.sh).
# Joiners now take turns on POOLDIR/join.lock.  Here four one-rank groups
# are released together, three times; every one must join, take tasks, and
# leave at its idle timeout with exit 0.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
mb_init together

uri="$tmp/ompi-server.uri"
ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
server=$!
pool=""
trap 'kill "$server" $pool 2>/dev/null; [ -n "${MB_KEEP:-}" ] || mb_cleanup' EXIT
for i in $(seq 1 50); do [ -s "$uri" ] && break; sleep 0.1; done
[ -s "$uri" ] || die "ompi-server did not write its URI"
export MPIBATCH_HEARTBEAT=0.5 MPIBATCH_HEARTBEAT_TIMEOUT=10
MPI="--ompi-server file:$uri -x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT"

# An open job: it lasts until the test closes it.  Each task notes the
# joiner it ran on (xMB_G: MB_G is in the joiner's environment, unset on the
# pool's own worker).
job tg <<'EOF2'
open = true;
sweeps = ( { id = "t-${i}"; max_retries = 0;
             command = "sleep 0.5; echo $MPIBATCH_TASK_ID x$MB_G >> $MPIBATCH_STORAGE_DIR/done";
             parameters = { i = { from = 1; to = 60; }; }; } );
EOF2
P=$tmp/jobs/tg/pool
(cd "$tmp" && timeout -k 5 200 $MPIRUN -n 2 --oversubscribe $MPI "$MPIBATCH" run --accept-workers tg.cfg \
    >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
pool=$!
mb_show "$tmp/pool.err"
check "the pool publishes its port" wait_for 40 test -s "$P/join.port"

# ROUND: four one-rank groups, each waiting for $tmp/go.ROUND, then
# started at once; each leaves 3 s after it runs out of tasks.
released=0
round () {
    for g in 1 2 3 4; do
        mb_show "$tmp/w$1$g.err"
        (while [ ! -e "$tmp/go.$1" ]; do sleep 0.01; done
         cd "$tmp" && MB_G=$1$g timeout -k 5 120 $MPIRUN -n 1 $MPI -x MB_G \
             "$MPIBATCH" worker --idle-timeout 3 "$P" >"$tmp/w$1$g.out" 2>"$tmp/w$1$g.err" </dev/null
         echo $? >"$tmp/w$1$g.st") &
    done
    sleep 0.5
    touch "$tmp/go.$1"
    released=$((released + 4))
    # Every group joined: one "joined" line per rank in the pool's log.
    check "round $1: the four groups join" wait_for 90 \
        sh -c "[ \$(grep -c 'worker rank [0-9]* joined' '$tmp/pool.err') -ge $released ]"
    for g in 1 2 3 4; do
        wait_for 120 test -s "$tmp/w$1$g.st"
        check_eq "round $1: group $g leaves idle (exit 0)" "$(cat "$tmp/w$1$g.st" 2>/dev/null)" 0
    done
}

# The first round joins while the first tasks are handed out; the next
# ones, with the earlier groups gone, to the same port, each with a new
# batch of tasks.
round a
for r in b c; do
    sed "s/\\(id = \"\\)u-/\\1$r-/" >"$tmp/more-$r.cfg" <<'EOF2'
sweeps = ( { id = "u-${i}"; max_retries = 0;
             command = "sleep 0.5; echo $MPIBATCH_TASK_ID x$MB_G >> $MPIBATCH_STORAGE_DIR/done";
             parameters = { i = { from = 1; to = 40; }; }; } );
EOF2
    mb add "$P" tg "more-$r.cfg"
    check_status "add a batch of tasks for round $r" 0
    round $r
done
check "no group failed to connect" sh -c "! grep -l 'cannot join\|sent no job information' $tmp/w*.err"
check "the pool logged no failed join" sh -c "! grep -q 'failed to join' '$tmp/pool.err'"

mb close "$P" tg
check_status "close the job" 0
wait $pool
check_eq "the pool exits 0" "$(cat "$tmp/pool.st" 2>/dev/null)" 0
check_eq "every task's side effect happened exactly once" \
    "$(cut -d' ' -f1 "$tmp/done" | sort | uniq | wc -l) $(wc -l <"$tmp/done")" "140 140"
ran=$(cut -d' ' -f2 "$tmp/done" | grep -vx x | sort -u | wc -l)
echo "# groups that ran tasks: $ran of 12"
check "most groups ran tasks (a group may join after the tasks are gone)" test "$ran" -ge 4
mb_finish
