#!/bin/sh
# lostmulti.sh: workers lost in the middle of a multi-instance task.
# (a) The worker holding the secondary part is lost while the primary runs
# the application command on another worker.  The attempt is not over
# while its primary runs: the service interrupts the primary, awaits its
# end, and only then requeues the task (without using a retry), so two
# attempts of one task never run at once and the task ends exactly once,
# on the workers that are left.  (Before, the task was requeued at once,
# placed again beside its still running primary, and interrupted in a
# loop: hundreds of thousands of attempts until the time limit.)
# (b) The worker running the coordination command is lost: the attempt
# ends interrupted and the task runs again on the workers left.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init lostmulti

# gone PID: no such process, or a zombie (PID 1 here reaps no orphans).
gone () { st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -z "$st" ] || [ "$st" = Z ]; }

# Three workers of one slot; the task needs two.  Its first attempt's
# primary records its pid and waits; a later attempt records whether the
# first one's process was still there when it started.
job lm <<EOF2
slots_per_worker = 1;
tasks = ( { id = "mi"; instances = 2; slots = 1; max_retries = 0;
            command = "echo \$MPIBATCH_TASK_ATTEMPT \$MPIBATCH_WORKER_RANK \$\$ >>$tmp/starts;
                       if mkdir $tmp/first 2>/dev/null; then exec sleep 300; fi;
                       p=\$(awk 'NR == 1 { print \$3 }' $tmp/starts);
                       s=\$(awk '\$3 != \"Z\" { print \$3 }' /proc/\$p/stat 2>/dev/null);
                       echo \"first attempt's process: \${s:-gone}\" >$tmp/overlap;
                       echo end >>$tmp/ends"; } );
EOF2
MARK="lostmulti-$$"
(cd "$tmp" && MB_MARK=$MARK timeout -k 5 90 "$MPIRUN" -n 4 --oversubscribe --enable-recovery \
    --mca orte_abort_on_non_zero_status 0 -x MB_MARK \
    -x MPIBATCH_HEARTBEAT=0.5 -x MPIBATCH_HEARTBEAT_TIMEOUT=3 \
    "$MPIBATCH" run lm.cfg >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/mpirun.st") &
bg=$!
check "the primary starts" wait_for 30 test -s "$tmp/starts"
primary=$(awk 'NR == 1 { print $2 }' "$tmp/starts")
pid1=$(awk 'NR == 1 { print $3 }' "$tmp/starts")
# The secondary: the other worker that status.json shows busy.
busy () {
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join(str(w["worker"]) for w in s["workers"] if w["busy"] > 0 and w["worker"] != int(sys.argv[2])))' \
        "$tmp/jobs/lm/pool/status.json" "$primary" 2>/dev/null
}
wait_for 10 sh -c "[ -n \"\$(\"$PYTHON\" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sum(w[\"busy\"] > 0 for w in s[\"workers\"]))' $tmp/jobs/lm/pool/status.json 2>/dev/null | grep -x 2)\" ]"
secondary=$(busy)
echo "# primary on worker rank $primary (pid $pid1), secondary on rank $secondary"
check "the secondary part is on another worker rank" test -n "$secondary" -a "$secondary" != "$primary"
victim=$(mpi_rank_pid lm "$secondary" "$MARK")
check "the secondary's rank was found" test -n "$victim"
[ -n "$victim" ] && kill -9 "$victim"
wait $bg
st=$(cat "$tmp/mpirun.st" 2>/dev/null || echo 99)
case $st in
    124|137|99) fail "mpirun ended by itself after the run (status $st: it hung)" ;;
    *) pass "mpirun ended by itself after the run (status $st)" ;;
esac
check "the service noticed the lost worker" grep -q "worker rank $secondary on .* lost" "$tmp/err"
check_eq "the task succeeded" "$(status_json lm 's["counts"]["succeeded"]')" 1
check_eq "it ran again, once" "$(wc -l <"$tmp/starts" 2>/dev/null) $(cat "$tmp/ends" 2>/dev/null)" "2 end"
check_eq "the first attempt's primary had ended when the second started" \
    "$(cat "$tmp/overlap" 2>/dev/null)" "first attempt's process: gone"
check "the first attempt's primary is gone" gone "$pid1"
got=$(report_py "$tmp/jobs/lm/report.h5" '
a = f["/attempts"][:]
print(" ".join("%s:%s" % (s(r["outcome"]), "lost" if "lost" in s(r["reason"]) else "-") for r in a[:5]), len(a))')
check_eq "attempts: interrupted (lost), then succeeded" "$got" "interrupted:lost succeeded:- 2"

# (b) the coordinating worker lost while its coordination command runs.
job lc <<EOF2
slots_per_worker = 1;
tasks = ( { id = "mi"; instances = 2; slots = 1; max_retries = 0;
            coordination_command = "echo \$MPIBATCH_WORKER_RANK \$\$ >>$tmp/cstarts;
                                    if mkdir $tmp/cfirst 2>/dev/null; then exec sleep 300; fi";
            command = "echo end >>$tmp/cends"; } );
EOF2
(cd "$tmp" && MB_MARK=$MARK timeout -k 5 90 "$MPIRUN" -n 4 --oversubscribe --enable-recovery \
    --mca orte_abort_on_non_zero_status 0 -x MB_MARK \
    -x MPIBATCH_HEARTBEAT=0.5 -x MPIBATCH_HEARTBEAT_TIMEOUT=3 \
    "$MPIBATCH" run lc.cfg >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/mpirun.st") &
bg=$!
check "(b) the coordination command starts" wait_for 30 test -s "$tmp/cstarts"
coord=$(awk 'NR == 1 { print $1 }' "$tmp/cstarts")
victim=$(mpi_rank_pid lc "$coord" "$MARK")
check "(b) the coordinating rank was found" test -n "$victim"
[ -n "$victim" ] && kill -9 "$victim"
wait $bg
check_eq "(b) the run exits 0" "$(cat "$tmp/mpirun.st" 2>/dev/null)" 0
check "(b) the service noticed the lost worker" grep -q "worker rank $coord on .* lost" "$tmp/err"
check_eq "(b) the task succeeded" "$(status_json lc 's["counts"]["succeeded"]')" 1
check_eq "(b) coordination ran twice, the command once" \
    "$(wc -l <"$tmp/cstarts" 2>/dev/null) $(cat "$tmp/cends" 2>/dev/null)" "2 end"
got=$(report_py "$tmp/jobs/lc/report.h5" '
a = f["/attempts"][:]
print(" ".join("%s:%s" % (s(r["outcome"]), "lost" if "lost" in s(r["reason"]) else "-") for r in a[:5]), len(a))')
check_eq "(b) attempts: interrupted (lost), then succeeded" "$got" "interrupted:lost succeeded:- 2"
mb_finish
