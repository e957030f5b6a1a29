#!/bin/sh
# client.sh: the real `mpibatch alloc add|list|remove` against alloc_pool, a
# test pool running io/pooldir's server side and runtime/alloc as the
# service is to: answers, refusals (exit 2), bad input (exit 2), no pool
# (exit 3), the queues kept across a --resume.  No task waits, so no Slurm
# command runs (PATH holds none: any attempt would show as a failure).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
: "${top_builddir:=.}"
POOL="$(cd "$top_builddir" && pwd)/tests/alloc/alloc_pool"
[ -x "$POOL" ] || die "$POOL not built"
mb_init alloc_client
M=$MPIBATCH
P=$tmp/pool
ppid_=
stop_pool () {
    [ -n "$ppid_" ] || return 0
    kill "$ppid_" 2>/dev/null
    wait "$ppid_" 2>/dev/null
    ppid_=
}
trap 'stop_pool; mb_cleanup' EXIT
start_pool () {
    : >"$tmp/pool.out"
    env -u OMPI_MCA_pmix_server_uri PATH=/nonexistent "$POOL" "$P" "$@" \
        >>"$tmp/pool.out" 2>>"$tmp/pool.err" &
    ppid_=$!
    for _ in $(seq 50); do
        grep -q '^ready' "$tmp/pool.out" 2>/dev/null && return 0
        sleep 0.1
    done
    die "alloc_pool did not start: $(cat "$tmp/pool.err")"
}
req () {
    timeout 20 "$M" "$@" >"$tmp/out" 2>"$tmp/err"
    st=$?
}

# No pool yet: exit 3; list of a directory that is no pool: exit 2.
mkdir -m 700 "$P"
req alloc add "$P" slurm --timeout 2
check_status "add without a pool" 3
req alloc list "$tmp"
check_status "list of a non-pool" 2

start_pool
check "the pool prints the worker command" grep -q "^workers join with: mpirun mpibatch worker $P\$" "$tmp/pool.out"
req alloc list "$P"
check_status "list before any queue" 0
check "no queue" grep -q "^no allocation queue" "$tmp/out"

req alloc add "$P" slurm --time-limit 1h --nodes 2 --max-allocations 3 --idle-timeout 2m -- \
    --partition=debug "--comment=a b"
check_status "add" 0
check_eq "add's answer" "$(cat "$tmp/out")" "allocation queue 1 added"
req alloc add "$P" slurm
check_status "add with the defaults" 0
check_eq "second queue" "$(cat "$tmp/out")" "allocation queue 2 added"

req alloc list "$P"
check_status "list" 0
check "queue 1 listed" grep -q "^queue 1: slurm, 2 nodes, time limit 60 min, at most 3 allocations, workers leave after 120 s idle$" "$tmp/out"
check "its sbatch arguments" grep -q "^  sbatch --partition=debug --comment=a b$" "$tmp/out"
check "queue 2 listed" grep -q "^queue 2: slurm, 1 node, the partition's time limit, at most 4 allocations, workers leave after 300 s idle$" "$tmp/out"
req alloc list "$P" --json
check_status "list --json" 0
check "json" python3 -c "
import json, sys
q = json.load(open('$tmp/out'))
assert [x['queue'] for x in q] == [1, 2], q
assert q[0]['nodes'] == 2 and q[0]['time_limit'] == 3600 and q[0]['sbatch_args'] == ['--partition=debug', '--comment=a b'], q[0]
assert q[0]['allocations'] == [] and q[0]['removed'] is False
"

# Bad input: exit 2 with a reason, nothing sent.
for bad in "pbs" "slurm --time-limit 10s" "slurm --nodes 0" "slurm --max-allocations x" \
    "slurm --idle-timeout never" "slurm extra" "slurm -- script.sh" "slurm -- --job-name=x"; do
    # shellcheck disable=SC2086
    req alloc add "$P" $bad
    check_status "alloc add $bad" 2
    check "alloc add $bad: a reason" test -s "$tmp/err"
done
req alloc frobnicate "$P"
check_status "unknown subcommand" 2
req alloc remove "$P"
check_status "remove without QUEUE" 2
req alloc remove "$P" 9
check_status "remove an unknown queue" 2
check "refused with the reason" grep -q "no allocation queue 9" "$tmp/err"
req alloc remove "$P" 2
check_status "remove" 0
check_eq "remove's answer" "$(cat "$tmp/out")" "allocation queue 2 removed"
req alloc remove "$P" 2
check_status "remove twice" 2

# The pool ends and comes back with --resume: the queues are still there.
req shutdown "$P"
check_status "shutdown" 0
wait "$ppid_"
ppid_=
check "the pool stopped" grep -q "^stopped pending=0 running=0 ended=0 submissions=0" "$tmp/pool.out"
start_pool --resume
req alloc list "$P"
check "queue 1 after resume" grep -q "^queue 1: slurm, 2 nodes" "$tmp/out"
check "queue 2 removed after resume" grep -q "^queue 2: .*(removed)$" "$tmp/out"
req alloc add "$P" slurm
check_eq "ids go on" "$(cat "$tmp/out")" "allocation queue 3 added"
# status POOLDIR shows the queues and their allocations after the pool's own lines.
MKST="$(cd "$top_builddir" && pwd)/tests/unit/mkpoolstatus"
now=$(date +%s)
"$MKST" "$P" <<EOF2 || die "mkpoolstatus failed"
pool p1 $(hostname) $ppid_ running $((now - 10)) $now
EOF2
req status "$P"
check_status "status POOLDIR" 0
check "status: the allocations section" grep -q "^allocations:$" "$tmp/out"
check "status: queue 1 in it" grep -q "^queue 1: slurm, 2 nodes" "$tmp/out"
check "no Slurm command was tried" sh -c "! grep -q 'not found on PATH' '$tmp/pool.out'"
req shutdown "$P"
wait "$ppid_"
ppid_=
mb_finish
