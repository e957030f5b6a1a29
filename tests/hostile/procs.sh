#!/bin/sh
# procs.sh: hostile task behaviours: a swarm of background sleeps, a task
# that closes its stdout, one that ignores SIGTERM past max_wall_clock, one
# that writes 200 MB to stdout under max_log_size = "1M", and one that
# leaves daemonised children.  mpibatch stays up, ends each attempt cleanly
# and leaves no process behind.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/hlib.sh"
h_init hostile-procs
# Unique sleep lengths so that this test only ever counts its own.
tag=$$
T1=$((40000 + tag % 10000))
T2=$((T1 + 1))
T3=$((T1 + 2))

# survivors N: the processes still running `sleep N`.
survivors () {
    pgrep -f "^sleep $1\$" | wc -l
}
reap () {
    for p in $(pgrep -f "^sleep $1\$"); do kill -9 "$p" 2>/dev/null; done
}
trap 'reap $T1; reap $T2; reap $T3; mb_cleanup' EXIT

hjob swarm <<EOF2
tasks = ( { id = "t"; command = "for i in \$(seq 50); do sleep $T1 & done; sleep 1; exit 0"; } );
EOF2
MB_TIMEOUT=60 hrun run swarm.cfg
h_no_crash swarm
check_status "swarm: run" 0
sleep 1
check_eq "swarm: no sleep survives the attempt" "$(survivors $T1)" 0
reap $T1
h_untouched swarm

hjob closed <<'EOF2'
tasks = ( { id = "t"; command = "exec >&- 2>&-; echo lost; ls /nonexistent; exit 0"; },
          { id = "u"; command = "exec >&-; echo lost; exit 5"; } );
EOF2
hrun run closed.cfg
h_no_crash closed
check_status "closed: run" 1
check_eq "closed: t succeeded" "$(h_status closed "s['counts']['succeeded']")" 1
check_eq "closed: u failed with exit 5" \
    "$(h_status closed "[t['reason'] for t in s['failed']]")" "['exit 5']"

hjob stubborn <<EOF2
tasks = ( { id = "t"; command = "trap '' TERM; sleep $T2; sleep $T2"; max_wall_clock = 1; } );
EOF2
t0=$(date +%s)
MB_TIMEOUT=40 hrun run stubborn.cfg
t1=$(date +%s)
h_no_crash stubborn
check_status "stubborn: run" 1
check_range "stubborn: killed after the grace period (s)" $((t1 - t0)) 9 25
r=$(h_status stubborn "[t['reason'] for t in s['failed']]")
case $r in
    *"timed out"*) pass "stubborn: reason says timed out ($r)" ;;
    *) fail "stubborn: reason should say timed out: $r" ;;
esac
sleep 1
check_eq "stubborn: nothing survives" "$(survivors $T2)" 0
reap $T2

hjob flood <<'EOF2'
max_log_size = "1M";
tasks = ( { id = "t"; command = "head -c 209715200 /dev/zero | tr '\\0' x; echo done >&2"; } );
EOF2
MB_TIMEOUT=120 hrun run flood.cfg
h_no_crash flood
check_status "flood: run" 0
f=$S/jobs/flood/logs/t/0.stdout
check_eq "flood: stdout log is exactly 1 MiB" "$(stat -c %s "$f" 2>/dev/null || echo missing)" 1048576
check_eq "flood: stderr kept" "$(cat "$S/jobs/flood/logs/t/0.stderr" 2>/dev/null)" done
check "flood: no copy of the 200 MB anywhere" \
    test "$(du -s -k "$S" | cut -f1)" -lt 20000
(cd "$S" && "$MPIBATCH" logs flood.cfg t) 2>/dev/null | head -c 10 >"$tmp/head"
check_eq "flood: logs prints the kept part" "$(cat "$tmp/head")" xxxxxxxxxx

hjob orphans <<EOF2
tasks = ( { id = "t"; command = "(sleep $T3 &); (sleep $T3 </dev/null >/dev/null 2>&1 &); nohup sleep $T3 >/dev/null 2>&1 & echo left"; } );
EOF2
hrun run orphans.cfg
h_no_crash orphans
check_status "orphans: run" 0
sleep 1
check_eq "orphans: background children killed" "$(survivors $T3)" 0
reap $T3
h_untouched procs

mb_finish
