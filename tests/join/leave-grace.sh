#!/bin/sh
# leave-grace.sh: a leaving joiner's task that ignores SIGTERM.  The pool
# interrupts it and waits: the launcher kills it at the kill grace (10 s),
# its result comes back interrupted, and only then is it requeued (without
# a retry) and the joiner let go (exit 4).  The task then runs once on the
# pool's own worker.  The pool (run --accept-workers of an open job, one
# worker of its own) has its two slots held by long tasks, so the task,
# added once the joiner is in, starts on the joiner.  The joiner shares
# the pool's node, so its leave runs no job release there (the pool's
# worker stays; release runs once, at the end).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
mb_init leave-grace

uri=$tmp/ompi-server.uri
ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
server=$!
pool=""
jpid=""
trap 'for p in $jpid $pool $server; do kill -9 "$p" 2>/dev/null; done; [ -n "${MB_KEEP:-}" ] || mb_cleanup' EXIT
for i in $(seq 1 50); do [ -s "$uri" ] && break; sleep 0.1; done
[ -s "$uri" ] || die "ompi-server did not write its URI"
export MPIBATCH_HEARTBEAT=0.5 MPIBATCH_HEARTBEAT_TIMEOUT=3
HB="-x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT"

# On the joiner (HOLD in its environment) the task (its shell too) ignores
# SIGTERM, notes its worker rank and outlives the kill grace; elsewhere it
# just runs.
cat >"$tmp/task.sh" <<'EOF2'
#!/bin/sh
if [ -n "${HOLD:-}" ]; then
    p=$$
    while [ "$p" -gt 1 ]; do
        p=$(awk '{print $4}' "/proc/$p/stat")
        case "$(tr '\0' ' ' <"/proc/$p/cmdline")" in *" worker "*) break ;; esac
    done
    trap '' TERM
    echo "$p" >"$MPIBATCH_STORAGE_DIR/held-rank"
    sleep 30
fi
echo hold >>"$MPIBATCH_STORAGE_DIR/done"
EOF2
job grace <<EOF2
open = true;
job_preparation = { command = "true"; };
job_release = { command = "echo release >>$tmp/released"; };
tasks = ( { id = "busy-1"; command = "sleep 25"; }, { id = "busy-2"; command = "sleep 25"; } );
EOF2
cat >"$tmp/hold.cfg" <<EOF2
tasks = ( { id = "hold"; command = "[ -z \\"\${HOLD:-}\\" ] || trap '' TERM; sh $tmp/task.sh"; max_retries = 0; } );
EOF2
pooldir=$tmp/jobs/grace/pool
(cd "$tmp" && timeout -k 5 120 "$MPIRUN" -n 2 --oversubscribe --ompi-server "file:$uri" $HB \
    "$MPIBATCH" run --accept-workers grace.cfg >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
pool=$!
check "the pool publishes its port" wait_for 30 test -s "$pooldir/join.port"
(cd "$tmp" && HOLD=1 timeout -k 5 90 "$MPIRUN" -n 1 --oversubscribe --ompi-server "file:$uri" \
    $HB -x HOLD "$MPIBATCH" worker "$pooldir" >"$tmp/w.out" 2>"$tmp/w.err" </dev/null
 echo $? >"$tmp/w.st") &
jpid=$!
check "the joiner joins" wait_for 30 grep -q "worker rank 2 joined" "$tmp/pool.err"
mb add "$pooldir" grace hold.cfg
check_status "add the task" 0
check "the task starts on the joiner" wait_for 20 test -s "$tmp/held-rank"
t0=$(date +%s.%N)
kill -TERM "$(cat "$tmp/held-rank")"
wait $jpid
jpid=""
el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
check_eq "the joiner exits 4" "$(cat "$tmp/w.st" 2>/dev/null)" 4
check_range "it was let go once the kill grace ended its task (s)" "$el" 9 16
check "the pool waited for the task's result" grep -q "worker rank 2 on .* left$" "$tmp/pool.err"
mb close "$pooldir" grace
check_status "close the job" 0
wait $pool
pool=""
check_eq "the pool exits 0" "$(cat "$tmp/pool.st" 2>/dev/null)" 0
check_eq "job release ran once on the node, at the end" "$(cat "$tmp/released" 2>/dev/null)" release
check_eq "the task's side effect happened once" "$(cat "$tmp/done" 2>/dev/null)" hold
got=$(report_py "$tmp/jobs/grace/report.h5" '
ids = [s(t["id"]) for t in f["/tasks"][:]]
a = [r for r in f["/attempts"][:] if ids[int(r["task"])] == "hold"]
print(" ".join("%s:%d:%s:%s" % (s(r["outcome"]), int(r["worker"]), "left (SIGTERM)" in s(r["reason"]),
                                "not in after" in s(r["reason"])) for r in a))')
check_eq "its attempts: interrupted on the joiner by the leave (its result, not the wait's end), then succeeded" \
    "$got" "interrupted:2:True:False succeeded:1:False:False"
mb_finish
