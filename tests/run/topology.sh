#!/bin/sh
# topology.sh: a fake machine (MPIBATCH_TOPOLOGY="pack:2 core:8 pu:1",
# 16 cores) shared by 2 workers: each gets 8 slots; a 4-slot task gets 4
# cores of one package; 16 one-slot tasks run at the same time.  The
# cores do not exist, so binding is skipped and the tasks still run.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init topology
MPIBATCH_TOPOLOGY="pack:2 core:8 pu:1"
export MPIBATCH_TOPOLOGY

mb topology --workers 2
check_status "mpibatch topology --workers 2" 0
# The node line, field by field: "node: 2 packages, 1 NUMA node, 16 cores, 16 PUs, ...".
field () {
    sed -n 's/^node: //p' "$tmp/out" | tr ',' '\n' | sed -n "s/^ *\([0-9][0-9]*\) $1\$/\1/p"
}
check_eq "topology: packages" "$(field packages)" 2
check_eq "topology: cores" "$(field cores)" 16
check_eq "topology: PUs" "$(field PUs)" 16
check_eq "topology: the worker lines" \
    "$(sed -n 's/^  \(worker [0-9]*: [0-9]* slots on [0-9]* cores ([0-9]* PUs), cpus [0-9,-]*\),.*/\1/p' "$tmp/out" | tr '\n' ';')" \
    "worker 0: 8 slots on 8 cores (8 PUs), cpus 0-7;worker 1: 8 slots on 8 cores (8 PUs), cpus 8-15;"
mb topology --workers 2 --json
check_status "mpibatch topology --workers 2 --json" 0
check_eq "topology --json: cores, PUs, slots and cpus of each worker" "$("$PYTHON" -c '
import json, sys
t = json.load(open(sys.argv[1]))
print(t["cores"], t["pus"], [(w["slots"], w["cpus"]) for w in t["workers"]])' "$tmp/out" 2>&1)" \
    "16 16 [(8, '0-7'), (8, '8-15')]"

cat >"$tmp/stamp.sh" <<'EOF2'
date +%s.%N >"$MPIBATCH_STORAGE_DIR/t/$MPIBATCH_TASK_ID.start"
echo "SLOTS=$MPIBATCH_TASK_SLOTS"
echo "CPUS=$MPIBATCH_TASK_CPUS"
echo "RANK=$MPIBATCH_WORKER_RANK"
sleep ${1:-0}
date +%s.%N >"$MPIBATCH_STORAGE_DIR/t/$MPIBATCH_TASK_ID.end"
EOF2
mkdir "$tmp/t"
job fake <<EOF2
sweeps = ( { id = "s-\${i}"; command = "sh $tmp/stamp.sh 3";
             parameters = { i = { from = 1; to = 16; }; }; } );
tasks = ( { id = "four-a"; slots = 4; command = "sh $tmp/stamp.sh";
            depends_on = [ "s-*" ]; },
          { id = "four-b"; slots = 4; command = "sh $tmp/stamp.sh";
            depends_on = [ "s-*" ]; } );
EOF2
mb_run 3 fake.cfg
check_status "16 + 2 tasks on the fake topology" 0
check_eq "status: 16 slots in all" "$(status_json fake 's["slots"]')" 16
check_eq "status: 2 workers" "$(status_json fake 's["workers"]')" 2
if [ -f "$tmp/jobs/fake/report.h5" ]; then
    got=$(report_py "$tmp/jobs/fake/report.h5" 'print(" ".join(str(int(w["slots"])) for w in f["workers"][:]))')
    check_eq "report: each worker has 8 slots" "$got" "8 8"
else
    fail "no report.h5"
fi
# Concurrency: the most tasks whose [start, end] intervals overlap.
peak=$(for f in "$tmp"/t/s-*.start; do
    b=${f%.start}
    echo "$(cat "$f") 1"
    [ -f "$b.end" ] && echo "$(cat "$b.end") -1"
done | sort -n | awk '{ c += $2; if (c > m) m = c } END { print m + 0 }')
check_eq "16 one-slot tasks ran at the same time" "$peak" 16
l=$tmp/jobs/fake/logs
for t in four-a four-b; do
    s=$l/$t/0.stdout
    check_eq "$t: MPIBATCH_TASK_SLOTS" "$(envval "$s" SLOTS)" 4
    c=$(envval "$s" CPUS)
    # With binding skipped the CPU list may be empty; when it is given
    # it must be 4 cores of one package (0-7 or 8-15).
    if [ -z "$c" ]; then
        pass "$t: binding skipped on the fake topology (empty MPIBATCH_TASK_CPUS)"
    else
        ok=$(echo "$c" | tr ',' '\n' | awk -F- '{ hi = NF > 1 ? $2 : $1
            for (i = $1; i <= hi; i++) { p[int(i / 8)]++; n++ } } END { print (n == 4 && length(p) == 1) ? "yes" : "no" }')
        check_eq "$t: 4 cores of one package ($c)" "$ok" yes
    fi
done
mb_finish
