#!/bin/sh
# leave-race.sh: a joined worker's task that ends just as its worker
# leaves.  Each racing task writes its side effect, stops its own worker
# rank (SIGSTOP) and exits 0; a helper outside the task's process group
# waits until the task is gone (its launcher has its result), then sends
# the rank SIGTERM and SIGCONT: the rank wakes with the leave to send and
# the task's result to collect, and tells the pool it leaves before the
# result follows.  The pool must wait for that result and take its success
# (an earlier service requeued the task at the leave and ignored the late
# result, so the task ran twice; a task interrupted before it ended is
# interrupted, whatever it did, and may rightly run again).  Three joiners
# in turn, one slot each (a synthetic one-core topology), against a pool
# (run --accept-workers of an open job) with a worker of its own.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
mb_init leave-race

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

# The racing task (RACE set: it runs on joiner RACE; the first such task
# races): its side effect, then the `mpibatch worker` rank it descends
# from (the nearest such ancestor: the launcher is another program,
# mpirun further up) is stopped, the helper started in a session of its
# own (the launcher kills the task's group when it ends), and exit 0.
cat >"$tmp/task.sh" <<'EOF2'
#!/bin/sh
sleep 0.2
echo "$1" >>"$MPIBATCH_STORAGE_DIR/done"
if [ -n "${RACE:-}" ] && mkdir "$MPIBATCH_STORAGE_DIR/race-$RACE" 2>/dev/null; then
    echo "$1" >"$MPIBATCH_STORAGE_DIR/race-$RACE/task"
    p=$$ rank=""
    while [ "$p" -gt 1 ]; do
        p=$(awk '{print $4}' "/proc/$p/stat")
        case "$(tr '\0' ' ' <"/proc/$p/cmdline")" in *" worker "*) rank=$p; break ;; esac
    done
    if [ -n "$rank" ]; then
        kill -STOP "$rank"
        up=$MPIBATCH_STORAGE_DIR/race-$RACE/helper
        setsid sh -c ': >"$3"; while [ -e "/proc/$1" ]; do sleep 0.01; done; sleep 0.3
                      kill -TERM "$2"; kill -CONT "$2"' sh $$ "$rank" "$up" </dev/null >/dev/null 2>&1 &
        # Out of this group before the task ends (its group is killed then).
        while [ ! -e "$up" ]; do sleep 0.01; done
    fi
fi
exit 0
EOF2
job race <<EOF2
open = true;
sweeps = ( { id = "t-\${i}"; max_retries = 0; command = "sh $tmp/task.sh \${i}";
             parameters = { i = { from = 1; to = 150; }; }; } );
EOF2
pooldir=$tmp/jobs/race/pool
(cd "$tmp" && timeout -k 5 150 "$MPIRUN" -n 2 --oversubscribe --ompi-server "file:$uri" $HB \
    "$MPIBATCH" run --accept-workers race.cfg >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
pool=$!
check "the pool publishes its port" wait_for 30 test -s "$pooldir/join.port"

for k in 1 2 3; do
    (cd "$tmp" && RACE=$k MPIBATCH_TOPOLOGY="pack:1 core:1 pu:1" timeout -k 5 60 "$MPIRUN" -n 1 \
        --oversubscribe --ompi-server "file:$uri" $HB -x RACE -x MPIBATCH_TOPOLOGY \
        "$MPIBATCH" worker "$pooldir" >"$tmp/w$k.out" 2>"$tmp/w$k.err" </dev/null
     echo $? >"$tmp/w$k.st") &
    jpid=$!
    wait $jpid
    jpid=""
    check "(round $k) a task raced its joiner's leave" test -s "$tmp/race-$k/task"
    check_eq "(round $k) the joiner exits 4 (it left with a task in flight)" \
        "$(cat "$tmp/w$k.st" 2>/dev/null)" 4
done
check_eq "the service saw three leaves on SIGTERM" "$(grep -c 'left (SIGTERM)' "$tmp/pool.err")" 3

mb close "$pooldir" race
check_status "close the job" 0
wait $pool
pool=""
check_eq "the pool exits 0" "$(cat "$tmp/pool.st" 2>/dev/null)" 0
check_eq "every task's side effect happened exactly once" \
    "$(sort -n "$tmp/done" | uniq | wc -l) $(wc -l <"$tmp/done")" "150 150"
check_eq "status: every task succeeded" "$(status_json race 's["counts"]["succeeded"]')" 150
ids=$(cat "$tmp"/race-*/task 2>/dev/null | tr '\n' ' ')
got=$(report_py "$tmp/jobs/race/report.h5" "
want = set('t-' + x for x in '$ids'.split())
ids = [s(r['id']) for r in f['/tasks'][:]]
a = [r for r in f['/attempts'][:] if ids[int(r['task'])] in want]
print(len(a), sorted(set(s(r['outcome']) for r in a)), all(int(r['worker']) >= 2 for r in a))")
check_eq "the racing tasks: one attempt each, succeeded, on the joiners" "$got" "3 ['succeeded'] True"
mb_finish
