#!/bin/sh
# multi.sh: a multi-instance task spanning the pool's own worker and a
# joined one.  The pool (run --accept-workers, the service and one worker)
# and the joiner each have one slot (a synthetic one-core topology), so
# `instances = 2` fits only over both.  The joiner runs under a host name
# of its own (a UTS namespace), so the two parts are on two "nodes" the
# way the service sees them: the coordination command runs once on each,
# the primary gets both in its host list.  The task is added once the
# joiner is in (the service fails at once a task larger than the workers
# it has: "needs 2 slots but the run has 1").
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
[ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 || skip "needs root and unshare (a host name of its own)"
mb_init join-multi

uri=$tmp/ompi-server.uri
ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
server=$!
pool=""
jpid=""
trap 'for p in $jpid $pool $server; do kill -9 "$p" 2>/dev/null; done; [ -n "${MB_KEEP:-}" ] || mb_cleanup' EXIT
for i in $(seq 1 50); do [ -s "$uri" ] && break; sleep 0.1; done
[ -s "$uri" ] || die "ompi-server did not write its URI"
export MPIBATCH_HEARTBEAT=0.5 MPIBATCH_HEARTBEAT_TIMEOUT=3 MPIBATCH_TOPOLOGY="pack:1 core:1 pu:1"
X="-x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT -x MPIBATCH_TOPOLOGY"

job mi <<EOF2
open = true;
tasks = ( { id = "first"; command = "true"; } );
EOF2
cat >"$tmp/frag.cfg" <<EOF2
tasks = ( { id = "mi"; instances = 2; slots = 1;
            coordination_command = "echo \$(hostname) \$MPIBATCH_IS_PRIMARY >>$tmp/coord";
            command = "echo \$(hostname) \$MPIBATCH_NUM_INSTANCES \$MPIBATCH_HOST_LIST >$tmp/primary"; } );
EOF2
(cd "$tmp" && timeout -k 5 90 "$MPIRUN" -n 2 --oversubscribe --ompi-server "file:$uri" $X \
    "$MPIBATCH" run --accept-workers mi.cfg >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
pool=$!
check "the pool publishes its port" wait_for 30 test -s "$tmp/jobs/mi/pool/join.port"
check "the pool's worker has one slot" grep -q "1 worker, 1 slot," "$tmp/pool.err"
h=$(hostname)
(cd "$tmp" && timeout -k 5 60 unshare --uts sh -c 'hostname mbjoin; exec "$@"' sh \
    "$MPIRUN" -n 1 --oversubscribe --ompi-server "file:$uri" $X \
    "$MPIBATCH" worker "$tmp/jobs/mi/pool" >"$tmp/w.out" 2>"$tmp/w.err" </dev/null
 echo $? >"$tmp/w.st") &
jpid=$!
check "the joiner joined on its own host name" wait_for 30 grep -q "joined on mbjoin (1 slot)" "$tmp/pool.err"
# status.json is rewritten at most once a second.
joined_in_status () { grep -q '"node":"mbjoin","slots":1,"busy":[0-9]*,"joined":true,"alive":true' "$tmp/jobs/mi/pool/status.json"; }
check "status.json shows the joined worker as joined" wait_for 5 joined_in_status
mb add "$tmp/jobs/mi/pool" mi frag.cfg
check_status "add the multi-instance task" 0
check "the multi-instance task ran" wait_for 30 test -s "$tmp/primary"
mb close "$tmp/jobs/mi/pool" mi
check_status "close the job" 0
wait $pool
pool=""
wait $jpid
jpid=""
check_eq "the pool exits 0" "$(cat "$tmp/pool.st" 2>/dev/null)" 0
check_eq "the joiner exits 0 when the run ends" "$(cat "$tmp/w.st" 2>/dev/null)" 0
check_eq "coordination ran once on each node" \
    "$(cut -d' ' -f1 "$tmp/coord" 2>/dev/null | sort | tr '\n' ' ')" "$(printf '%s\n' "$h" mbjoin | sort | tr '\n' ' ')"
check_eq "one of them on the primary's node, which ran the command" \
    "$(awk '$2 == 1 { print $1 }' "$tmp/coord" 2>/dev/null)" "$(cut -d' ' -f1 "$tmp/primary" 2>/dev/null)"
p=$(cat "$tmp/primary" 2>/dev/null)
check "the primary got two instances" sh -c "echo '$p' | grep -q '^[^ ]* 2 '"
check_eq "the host list names both nodes, one slot each" \
    "$(echo "$p" | cut -d' ' -f3 | tr ',' '\n' | sort | tr '\n' ' ')" \
    "$(printf '%s\n' "$h:1" "mbjoin:1" | sort | tr '\n' ' ')"
check_eq "status: both tasks succeeded" "$(status_json mi 's["counts"]["succeeded"]')" 2
mb_finish
