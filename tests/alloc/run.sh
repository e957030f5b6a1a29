#!/bin/sh
# run.sh: the allocator inside the real service, without Slurm (nothing
# waits, so no Slurm command runs): a run that accepts no workers refuses
# `alloc add` with the reason and writes no "allocations"; a run with
# --accept-workers under a real ompi-server copies the server's contact
# into its pool directory, prints the exact worker command, serves
# alloc add/remove (refusals with the allocator's reason, exit 2), shows
# the queues in status.json and `status POOLDIR`, refuses a queue once it
# shuts down, and keeps them in alloc.jnl after it ended.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI)"
mb_init alloc-run
M=$MPIBATCH
spid=
rpid=
trap '[ -n "$rpid" ] && kill "$rpid" 2>/dev/null; [ -n "$spid" ] && kill "$spid" 2>/dev/null; mb_cleanup' EXIT
req () {
    timeout 30 "$M" "$@" >"$tmp/out" 2>"$tmp/err"
    st=$?
}
# start NAME ARGS...: `mpibatch run ARGS NAME.cfg` under mpirun -n 2 in
# the background; waits for its pool directory to take requests.
start () {
    n=$1
    shift
    (cd "$tmp" && timeout -k 5 60 "$MPIRUN" -n 2 --oversubscribe "$@" "$n.cfg" \
        >"$tmp/$n.out" 2>"$tmp/$n.err" </dev/null
     echo $? >"$tmp/$n.st") &
    rpid=$!
    for _ in $(seq 150); do
        [ -e "$tmp/jobs/$n/pool/pool.info" ] && [ -e "$tmp/jobs/$n/pool/status.json" ] && return 0
        sleep 0.2
    done
    die "the run of $n did not start: $(cat "$tmp/$n.err")"
}
stop () {
    req close "$tmp/jobs/$1/pool" "$1"
    check_status "$1: close" 0
    wait "$rpid"
    rpid=
    check_eq "$1: the run exits 0" "$(cat "$tmp/$1.st")" 0
}
has_key () {
    "$PYTHON" -c 'import json, sys; sys.exit(0 if sys.argv[2] in json.load(open(sys.argv[1])) else 1)' \
        "$1/status.json" "$2"
}

# (a) No worker can join: nothing to allocate for.
job plain <<'EOF2'
open = true;
tasks = ( { id = "a"; command = "true"; } );
EOF2
start plain "$M" run
P=$tmp/jobs/plain/pool
req alloc add "$P" slurm
check_status "(a) alloc add to a run that takes no workers" 2
check "(a) the reason" grep -q "no worker can join this pool, so it allocates none: start it with --accept-workers" "$tmp/err"
check "(a) no allocations in status.json" sh -c "! grep -q allocations '$P/status.json'"
check "(a) no alloc.jnl" test ! -e "$P/alloc.jnl"
stop plain

# (b) Workers may join: the allocator serves the pool.
uri=$tmp/ompi-server.uri
ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
spid=$!
for _ in $(seq 50); do [ -s "$uri" ] && break; sleep 0.1; done
[ -s "$uri" ] || die "ompi-server did not write its URI"
job open <<'EOF2'
open = true;
tasks = ( { id = "a"; command = "true"; } );
EOF2
start open --ompi-server "file:$uri" "$M" run --accept-workers
P=$tmp/jobs/open/pool
check_eq "(b) the server's contact is copied into POOLDIR" "$(cat "$P/ompi-server.uri")" "$(cat "$uri")"
check "(b) the exact worker command" grep -qx \
    "mpibatch: workers join with: mpirun --ompi-server file:$P/ompi-server.uri $(readlink -f "$M") worker $P" \
    "$tmp/open.err"
req alloc add "$P" slurm --time-limit 2h --nodes 2 --max-allocations 3 --idle-timeout 5m -- \
    --partition=debug
check_status "(b) alloc add" 0
check_eq "(b) its answer" "$(cat "$tmp/out")" "allocation queue 1 added"
req alloc add "$P" slurm -- --job-name=mine
check_status "(b) alloc add with --job-name (the pool's own)" 2
check "(b) the allocator's reason" grep -q "the pool sets --job-name itself" "$tmp/err"
req alloc remove "$P" 7
check_status "(b) alloc remove of no queue" 2
check "(b) its reason" grep -q "no allocation queue 7 in this pool" "$tmp/err"
queue_in_status () {
    [ "$("$PYTHON" -c '
import json, sys
a = json.load(open(sys.argv[1]))["allocations"]
print(" ".join("%d:%d:%d:%d:%s:%d" % (q["queue"], q["nodes"], q["time_limit"], q["max_allocations"],
                                      q["removed"], len(q["allocations"])) for q in a))' "$P/status.json" 2>/dev/null)" = "$1" ]
}
for _ in $(seq 25); do queue_in_status "1:2:7200:3:False:0" && break; sleep 0.2; done
check "(b) status.json: the queue, no allocation (nothing waits)" queue_in_status "1:2:7200:3:False:0"
req status "$P"
check "(b) status POOLDIR: the queue" grep -q "^queue 1: slurm, 2 nodes, time limit 120 min, at most 3 allocations" "$tmp/out"
check "(b) status POOLDIR: nothing submitted" grep -q "^  no allocation yet" "$tmp/out"
req alloc remove "$P" 1
check_status "(b) alloc remove 1" 0
for _ in $(seq 25); do queue_in_status "1:2:7200:3:True:0" && break; sleep 0.2; done
check "(b) status.json: the queue removed" queue_in_status "1:2:7200:3:True:0"
# Shutting down (a task still runs): no queue is added any more.
echo "sleep 3" >"$tmp/lines"
req add --lines "$P" open "$tmp/lines"
check_status "(b) add a 3 s task" 0
req shutdown "$P"
check_status "(b) shutdown" 0
req alloc add "$P" slurm
check_status "(b) alloc add while shutting down" 2
check "(b) its reason" grep -q "the pool is shutting down" "$tmp/err"
wait "$rpid"
rpid=
check_eq "(b) the run exits 0" "$(cat "$tmp/open.st")" 0
check "(b) status.json (ended) keeps the allocations" has_key "$P" allocations
req alloc list "$P"
check "(b) alloc list after the end: from alloc.jnl" grep -q "^queue 1: .*(removed)" "$tmp/out"
mb_finish
