#!/bin/sh
# pool_bigger.sh: a task larger than every worker a pool has waits for one
# that may join.  The pool (`mpibatch pool --accept-workers` under mpirun
# -n 1: rank 0 works with 2 slots) gets a job with a 2-slot task and a
# 4-slot one: the small one runs, the large one stays ready (said once on
# the pool's stderr, "ready" in status.json) until a 4-slot worker joins
# and runs it; the job then succeeds.  A second job's 8-slot task, which
# no worker that joined can hold, fails on `shutdown` with the reason.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init pool_bigger
uri="$tmp/ompi-server.uri"
ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
server=$!
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; kill "$server" 2>/dev/null; mb_cleanup' EXIT
for _ in $(seq 50); do [ -s "$uri" ] && break; sleep 0.1; done
[ -s "$uri" ] || die "ompi-server did not write its URI"
export MPIBATCH_HEARTBEAT=0.5 MPIBATCH_HEARTBEAT_TIMEOUT=3
M=$MPIBATCH
P=$tmp/pool
cd "$tmp" || die "cd"
req () { (cd "$tmp" && timeout 60 "$M" "$@") >"$tmp/out" 2>"$tmp/err"; st=$?; }

job big <<CFG
tasks = ( { id = "small"; slots = 2; command = "echo \"small \$MPIBATCH_WORKER_RANK\" >>$tmp/ran"; },
          { id = "large"; slots = 4; command = "echo \"large \$MPIBATCH_TASK_SLOTS\" >>$tmp/ran"; } );
CFG
job huge <<CFG
tasks = ( { id = "h"; slots = 8; command = "echo huge >>$tmp/ran"; } );
CFG

env TORTURE_MARK="$tmp" MPIBATCH_TOPOLOGY="pack:1 core:2 pu:1" timeout -k 5 120 \
    $MPIRUN -n 1 --ompi-server "file:$uri" \
    -x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT -x MPIBATCH_TOPOLOGY \
    "$M" pool "$P" --accept-workers >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 200); do [ -s "$P/status.json" ] && [ -e "$P/join.port" ] && break; sleep 0.1; done
check "the pool is up and takes workers" test -e "$P/join.port"

req submit "$P" big.cfg
check_status "submit big" 0
for _ in $(seq 100); do grep -q '^small' "$tmp/ran" 2>/dev/null && break; sleep 0.1; done
check "the 2-slot task ran on the pool's own worker" grep -q '^small 0$' "$tmp/ran"
sleep 1.5
check "the 4-slot task did not run, nor fail" sh -c "! grep -q '^large' '$tmp/ran'"
check "it waits, said on the pool's stderr" \
    grep -q "job big: task large needs 4 slots but the largest worker has 2: it waits for a worker" "$tmp/pool.err"
check_eq "said once" "$(grep -c 'it waits for a worker' "$tmp/pool.err")" 1
check "status.json: job big active with one task ready" \
    python3 -c "
import json, sys
d = json.load(open('$P/status.json'))
j = [j for j in d['jobs'] if j['id'] == 'big'][0]
sys.exit(0 if j['state'] == 'active' and j['counts']['ready'] == 1 and j['counts']['failed'] == 0 else 1)"

env TORTURE_MARK="$tmp" MPIBATCH_TOPOLOGY="pack:1 core:4 pu:1" timeout -k 5 90 \
    $MPIRUN -n 1 --ompi-server "file:$uri" \
    -x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT -x MPIBATCH_TOPOLOGY \
    "$M" worker "$P" --idle-timeout 3 >"$tmp/worker.out" 2>"$tmp/worker.err" </dev/null &
worker_pid=$!
for _ in $(seq 300); do grep -q '^large' "$tmp/ran" 2>/dev/null && break; sleep 0.1; done
check "the 4-slot task ran once the 4-slot worker joined" grep -q '^large 4$' "$tmp/ran"
for _ in $(seq 100); do [ -e "$tmp/jobs/big/report.h5" ] && break; sleep 0.1; done
sleep 0.5
check_eq "job big succeeded" \
    "$(report_py "$tmp/jobs/big/report.h5" 'print(s(f.attrs["status"]))')" succeeded

req submit "$P" huge.cfg
check_status "submit huge (8 slots: no worker there holds it)" 0
wait "$worker_pid"
check_eq "the joiner leaves when idle (exit 0)" "$?" 0
check "the 8-slot task waits too" grep -q "job huge: task h needs 8 slots" "$tmp/pool.err"
req shutdown "$P"
check_status "shutdown" 0
wait "$pool_pid"
pst=$?
check_eq "on shutdown the waiting task fails with the reason" \
    "$(report_py "$tmp/jobs/huge/report.h5" 'print(s(f["tasks"]["reason"][0]))')" \
    "needs 8 slots but the largest worker has 2, and none that could joined"
check_eq "job huge failed" \
    "$(report_py "$tmp/jobs/huge/report.h5" 'print(s(f.attrs["status"]))')" failed
check "it never ran" sh -c "! grep -q '^huge' '$tmp/ran'"
check_eq "the pool exits 0" "$pst" 0
check "nothing of the pool survives" tor_gone 20
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] || sed -n '1,80s/^/    pool| /p' "$tmp/pool.err"
mb_finish
