#!/bin/sh
# pool_join.sh: a pool with no workers of its own (`mpirun -n 1 mpibatch
# pool POOLDIR --serve-only`, through a real ompi-server): a job submitted
# before any worker waits; the ranks of `mpibatch worker POOLDIR` that
# join take its tasks and those of a second job, each task with its own
# job's environment and state directory (the JOB message reaches joined
# ranks too); the joiner leaves on --idle-timeout, the pool on shutdown.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init pool_join
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

for j in one two; do
    job $j <<CFG
environment = { WHO = "$j"; };
tasks = ( { id = "a"; command = "echo \"\$WHO \$MPIBATCH_JOB_ID \$MPIBATCH_WORKER_RANK\" >>$tmp/ran"; },
          { id = "b"; command = "echo \"\$WHO \$MPIBATCH_JOB_ID \$MPIBATCH_WORKER_RANK\" >>$tmp/ran"; },
          { id = "c"; command = "echo \"\$WHO \$MPIBATCH_JOB_ID \$MPIBATCH_WORKER_RANK\" >>$tmp/ran"; } );
CFG
done

env TORTURE_MARK="$tmp" timeout -k 5 120 $MPIRUN -n 1 --ompi-server "file:$uri" \
    -x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT \
    "$M" pool "$P" --serve-only >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 200); do [ -s "$P/status.json" ] && [ -e "$P/join.port" ] && break; sleep 0.1; done
check "the pool is up and takes workers" test -e "$P/join.port"

req submit "$P" one.cfg
check_status "submit one (no worker yet)" 0
sleep 1
check "nothing ran without a worker" test ! -e "$tmp/ran"

env TORTURE_MARK="$tmp" timeout -k 5 90 $MPIRUN -n 2 --oversubscribe --ompi-server "file:$uri" \
    -x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT \
    "$M" worker "$P" --idle-timeout 4 >"$tmp/worker.out" 2>"$tmp/worker.err" </dev/null &
worker_pid=$!
req submit "$P" two.cfg --wait
check_status "submit two --wait, run by the joined workers" 0
for _ in $(seq 100); do [ "$(wc -l <"$tmp/ran" 2>/dev/null)" -ge 6 ] && break; sleep 0.1; done
check_eq "job one's tasks, with its environment" "$(grep -c '^one one ' "$tmp/ran")" 3
check_eq "job two's tasks, with its environment" "$(grep -c '^two two ' "$tmp/ran")" 3
check_eq "the reports: both succeeded" \
    "$(report_py "$tmp/jobs/one/report.h5" 'print(s(f.attrs["status"]))') $(report_py "$tmp/jobs/two/report.h5" 'print(s(f.attrs["status"]))')" \
    "succeeded succeeded"
wait "$worker_pid"
check_eq "the joiner leaves when idle (exit 0)" "$?" 0
req shutdown "$P"
check_status "shutdown" 0
wait "$pool_pid"
check_eq "the pool exits 0" "$?" 0
check "nothing of the pool survives" tor_gone 20
# The pool's own errors: none from the sanitizers (a sanitizer build), and
# its stderr shown when something failed.
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] || sed -n '1,80s/^/    pool| /p' "$tmp/pool.err"
mb_finish
