#!/bin/sh
# progress.sh: service output (start line, closing summary, --progress
# lines, -q, --dry-run), the wall time of 8 x sleep 2 on 2 slots, and the
# CPU time the mpibatch processes use while tasks sleep.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init progress
[ "$(ncpus)" -ge 2 ] || skip "needs 2 CPUs"
job three <<EOF2
tasks = ( { id = "t"; command = "sleep 3"; } );
EOF2
job eight <<EOF2
sweeps = ( { id = "s-\${i}"; command = "sleep 2"; parameters = { i = { from = 1; to = 8; }; }; } );
EOF2
job idle <<EOF2
tasks = ( { id = "a"; command = "sleep 10"; }, { id = "b"; command = "sleep 10"; } );
EOF2

mb_run 3 --progress lines --progress-interval 1 three.cfg
check_status "3 s run with progress lines" 0
e=$tmp/err
check "start line names the job, tasks, workers, slots, node, state" \
    grep -q "job three: 1 task.*2 workers.*2 slots.*1 node.*state $tmp/jobs/three" "$e"
check "closing summary with counts and wall time" grep -q "three succeeded: 1 succeeded.*wall" "$e"
check "closing summary names the report" grep -q "report $tmp/jobs/three/report.h5" "$e"
n=$(grep -c "1 running" "$e")
check_range "progress lines during a 3 s run" "$n" 2 5

mb_run 2 -q --restart three.cfg
check_status "-q" 0
check_eq "-q prints nothing on success (stderr)" "$(cat "$tmp/err")" ""
check_eq "-q prints nothing on success (stdout)" "$(cat "$tmp/out")" ""

mb_run 0 --dry-run eight.cfg
check_status "--dry-run" 0
check_eq "--dry-run lists the 8 tasks" "$(grep -c 's-[1-8]' "$tmp/out")" 8
check "--dry-run runs nothing (no state directory)" test ! -e "$tmp/jobs/eight/journal"

# 8 x sleep 2 on the 2 slots of a singleton: 8 s ideally.
t0=$(date +%s.%N)
mb_run 0 -q eight.cfg
t1=$(date +%s.%N)
check_status "8 x sleep 2, singleton" 0
check_range "8 x sleep 2 on 2 slots: wall seconds" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" 7.5 12

# CPU time of every mpibatch process over a run of 2 x sleep 10: sum
# utime + stime (clock ticks) of the 3 ranks (processes named mpibatch
# working in $tmp, so another test's run is not counted), sampled just
# before the run ends.  Finding fewer than 3 is a failure, not 0 %.
(cd "$tmp" && timeout 60 $MPIRUN -n 3 --oversubscribe "$MPIBATCH" run -q idle.cfg >/dev/null 2>&1) &
sleep 9
tck=$(getconf CLK_TCK)
ticks=0
found=0
here=$(cd "$tmp" && pwd -P)
for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = mpibatch ] || continue
    [ "$(readlink "$d/cwd" 2>/dev/null)" = "$here" ] || continue
    grep -q "idle.cfg" "$d/cmdline" 2>/dev/null || continue
    t=$(awk '{ print $14 + $15 }' "$d/stat" 2>/dev/null) || continue
    [ -n "$t" ] || continue
    ticks=$((ticks + t))
    found=$((found + 1))
done
wait
check_eq "the 3 mpibatch ranks of the idle run were found while it ran" "$found" 3
pct=$(awk -v t="$ticks" -v h="$tck" 'BEGIN { printf "%.2f", 100 * t / h / 9 }')
echo "CPU: the $found mpibatch processes used $ticks ticks in ~9 s: $pct% of one core"
if [ "$found" -ne 3 ]; then
    echo "# CPU use not checked: the processes were not all found (failed above)"
elif [ -n "${MB_SANITIZED:-}" ]; then
    echo "# sanitizer build: CPU use not checked (measured $pct % of one core)"
else
    check_range "mpibatch CPU use while 2 tasks sleep (% of one core)" "$pct" 0 5
fi
mb_finish
