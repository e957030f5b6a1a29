#!/bin/sh
# pool_terminate_wide.sh: a pool alone whose one worker has 300 slots; a
# job's 299 running tasks and a trigger whose exit condition terminates
# the job: every one of the 299 is interrupted (only the first 256 a
# worker held were: the others ran their 40 s and the job waited for
# them), so submit --wait returns (exit 1) in seconds.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init pool_terminate_wide
pool_pid=
trap '[ -n "$pool_pid" ] && kill "$pool_pid" 2>/dev/null; sleep 0.3; mb_cleanup' EXIT
M=$MPIBATCH
P=$tmp/pool
cd "$tmp" || die "cd"
mkdir -p "$tmp/s"
req () { timeout 120 "$M" "$@" >"$tmp/out" 2>"$tmp/err"; st=$?; }

job wide <<CFG
exit_conditions = ( { codes = [ 3 ]; action = "fail"; job = "terminate"; } );
sweeps = ( { id = "w\${i}"; command = "touch $tmp/s/\${i}; exec sleep 40";
             parameters = { i = { from = 1; to = 299; }; }; } );
tasks = ( { id = "trigger";
            command = "while [ \$(ls $tmp/s | wc -l) -lt 299 ]; do sleep 0.1; done; exit 3"; } );
CFG

timeout -k 5 150 "$M" pool "$P" --slots-per-worker 300 --idle-timeout 1 \
    >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 100); do [ -s "$P/status.json" ] && break; sleep 0.1; done
check "the pool is up" test -s "$P/status.json"
t0=$(date +%s.%N)
req submit "$P" wide.cfg --wait
t1=$(date +%s.%N)
check_status "the terminated job: submit --wait" 1
check_eq "all 299 had started" "$(ls "$tmp/s" | wc -l)" 299
check_range "it ended within (s)" "$(echo "$t1 - $t0" | bc)" 0 30
wait "$pool_pid"
st=$?
pool_pid=
check_status "the pool ends idle" 0
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] || sed -n '1,40s/^/    pool| /p' "$tmp/pool.err"
mb_finish
