#!/bin/sh
# pool_started.sh: a job's "started" in status.json and `status POOLDIR`
# is the start of its first attempt, null (`-`) while none has started,
# not its submission: a job that waits behind a busier one of higher
# priority shows no start until its task starts, then that time.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init pool_started
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
P=$tmp/pool
cd "$tmp" || die "cd"

# pj EXPR: EXPR over status --json's `s` and `j` (job id -> its object).
pj () {
    "$M" status --json "$P" >"$tmp/st.json" 2>"$tmp/st.err" || { echo "status-failed"; return 0; }
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
j = {x["id"]: x for x in s["jobs"]}
print(eval(sys.argv[2]))' "$tmp/st.json" "$1" 2>&1
}
wait_pj () {   # wait_pj EXPR WANT: up to 30 s for pj EXPR to print WANT
    for _ in $(seq 150); do [ "$(pj "$1")" = "$2" ] && return 0; sleep 0.2; done
    return 1
}

# Two workers of one slot each; "busy" takes both until the gate opens.
job busy <<CFG
priority = 10;
tasks = ( { id = "a"; command = "while [ ! -f $tmp/go ]; do sleep 0.1; done"; },
          { id = "b"; command = "while [ ! -f $tmp/go ]; do sleep 0.1; done"; } );
CFG
job waiter <<CFG
priority = 0;
tasks = ( { id = "w"; command = "true"; } );
CFG
env TORTURE_MARK="$tmp" timeout -k 5 120 $MPIRUN -n 3 --oversubscribe \
    "$M" pool --slots-per-worker 1 "$P" >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 200); do "$M" status "$P" >/dev/null 2>&1 && break; sleep 0.1; done

timeout 30 "$M" submit "$P" busy.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "submit busy" 0
check "busy's two tasks run" wait_pj 'j["busy"]["counts"]["running"]' 2
timeout 30 "$M" submit "$P" waiter.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "submit waiter" 0
check "waiter is in the status" wait_pj '"waiter" in j' True
sleep 1.5   # the status is rewritten at most once a second
check_eq "busy: started, at or after its submission" \
    "$(pj 'j["busy"]["started"] is not None and j["busy"]["started"] >= j["busy"]["submitted"]')" True
check_eq "waiter: submitted, not started (null)" \
    "$(pj '(j["waiter"]["submitted"] is not None, j["waiter"]["started"])')" "(True, None)"
"$M" status "$P" >"$tmp/st.txt" 2>&1
check "status POOLDIR shows - as waiter's start" \
    awk '$1 == "waiter" { exit !($(NF - 1) == "-" && $NF == "-") }' "$tmp/st.txt"

gate=$(date +%s.%N)
touch "$tmp/go"
check "waiter ends" wait_pj 'j["waiter"]["state"]' succeeded
check_eq "waiter: started when its task started (after the gate opened)" \
    "$(pj "j['waiter']['started'] >= $gate and j['waiter']['started'] > j['waiter']['submitted'] + 1")" True
check "status POOLDIR shows a time as waiter's start" \
    sh -c "\"$M\" status \"$P\" | awk '\$1 == \"waiter\" { exit (\$0 ~ / - /) }'"

timeout 30 "$M" shutdown "$P" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "shutdown" 0
wait "$pool_pid"
check_eq "the pool ends 0" "$?" 0
check "nothing of the pool survives" tor_gone 20
[ "$nfail" -eq 0 ] || sed -n '1,60s/^/    pool| /p' "$tmp/pool.err"
mb_finish
