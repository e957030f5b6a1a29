#!/bin/sh
# pool_cancel_many.sh: a pool alone with a job of 20,000 waiting tasks:
# `cancel` of 5,000 task ids is answered in a few seconds (each id was
# compared with every task: 19 s with the pool held), ids and patterns
# together count each task once, more than 100 patterns are refused with
# the reason, the pool goes on serving; killed (kill -9) and resumed, the
# pool finds the 6,001 cancelled tasks again at once (each cancelled id
# was matched against every task there too); cancelling the whole job
# ends it and the pool ends by --idle-timeout.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init pool_cancel_many
pool_pid=
trap '[ -n "$pool_pid" ] && kill "$pool_pid" 2>/dev/null; touch "$tmp/go"; sleep 0.3; mb_cleanup' EXIT
M=$MPIBATCH
P=$tmp/pool
cd "$tmp" || die "cd"
req () { timeout 120 "$M" "$@" >"$tmp/out" 2>"$tmp/err"; st=$?; }

# Every task waits for the gate, which waits for $tmp/go.
job cx <<CFG
tasks = ( { id = "g"; command = "while [ ! -e $tmp/go ]; do sleep 0.1; done"; } );
sweeps = ( { id = "t\${i}"; command = "true"; depends_on = [ "g" ];
             parameters = { i = { from = 1; to = 20000; }; }; } );
CFG
job other <<CFG
tasks = ( { id = "o"; command = "true"; } );
CFG

timeout -k 5 200 "$M" pool "$P" --idle-timeout 1 >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 100); do [ -s "$P/status.json" ] && break; sleep 0.1; done
check "the pool is up" test -s "$P/status.json"
req submit "$P" cx.cfg
check_status "submit 20,000 tasks" 0

ids=$(seq 2 5001 | sed 's/^/t/')
t0=$(date +%s.%N)
# shellcheck disable=SC2086
req cancel "$P" cx $ids
t1=$(date +%s.%N)
check_status "cancel 5,000 ids" 0
check_eq "5,000 cancelled" "$(cat "$tmp/out")" "5000 tasks cancelled"
check_range "answered within (s)" "$(echo "$t1 - $t0" | bc)" 0 8

# t1?: t10..t19, cancelled already; T6000 (ids ignore case); t7000 also
# matched by t7*, which adds t7000..t7999 (t7, t70.., t700.. were): each
# counted once.
req cancel "$P" cx 't1?' T6000 t7000 't7*'
check_status "ids and patterns" 0
check_eq "t6000 and t7000..t7999" "$(cat "$tmp/out")" "1001 tasks cancelled"
req cancel "$P" cx t20001
check_status "an unknown id" 2
check "says which" grep -q "no task 't20001'" "$tmp/err"

# shellcheck disable=SC2046
req cancel "$P" cx $(seq 101 | sed 's/^/x*/')
check_status "101 patterns" 2
check "refused with the limit" grep -q "at most 100" "$tmp/err"
# shellcheck disable=SC2046
req cancel "$P" cx $(seq 100 | sed 's/^/x*/')
check_status "100 patterns" 0
check_eq "none matched" "$(cat "$tmp/out")" "0 tasks cancelled"

req submit "$P" other.cfg --wait
check_status "the pool still runs other jobs" 0

# kill -9 and --resume: the cancelled tasks stay so, found at once.
kill -9 "$(pgrep -P "$pool_pid")"
wait "$pool_pid"
t0=$(date +%s.%N)
timeout -k 5 200 "$M" pool "$P" --resume --idle-timeout 1 >"$tmp/pool.out" 2>>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 300); do
    req cancel "$P" cx t1 --timeout 5
    [ "$st" = 3 ] || break
    sleep 0.1
done
t1=$(date +%s.%N)
check_status "the resumed pool answers" 0
check_eq "t1 was not cancelled before" "$(cat "$tmp/out")" "1 task cancelled"
check_range "resumed and answering within (s)" "$(echo "$t1 - $t0" | bc)" 0 15
# (t1's end may not be in the journal status reads yet)
req status "$P" cx --tasks cancelled
check_range "the 6,001 still cancelled after the resume" "$(wc -l <"$tmp/out")" 6001 6002
req cancel "$P" cx
check_status "cancel the whole job" 0
wait "$pool_pid"
st=$?
pool_pid=
check_status "the pool ends idle" 0
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] || sed -n '1,40s/^/    pool| /p' "$tmp/pool.err"
mb_finish
