#!/bin/sh
# adaptive.sh: examples/adaptive.cfg under mpirun -n 3: the job-manager
# pattern.  Each generation's driver reads the last generation's published
# results and adds the next generation to its own job; the last closes the
# job, which then ends with every one of its 13 tasks run once.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init adaptive
cp -R "$top_srcdir/examples" "$tmp/" || die "cp"
chmod -R u+w "$tmp/examples"
ex=$tmp/examples
# The drivers call `mpibatch add` and `mpibatch close`: the one under test.
bindir=$(cd "$(dirname "$MPIBATCH")" && pwd)
[ "$(basename "$MPIBATCH")" = mpibatch ] || die "MPIBATCH must be named mpibatch"
(cd "$ex" && PATH="$bindir:$PATH" run_mpi 3 "$MPIBATCH" run adaptive.cfg; echo "$st" >"$tmp/.st")
st=$(cat "$tmp/.st")
check_status "run adaptive.cfg" 0
check_eq "the search found the peak" "$(cat "$ex/results/best.txt" 2>/dev/null)" "best 37 score 0"
for g in 1 2 3; do
    check_eq "generation $g: three results" "$(ls "$ex/results/gen-$g" 2>/dev/null | wc -l)" 3
done
check_eq "generation 3 centred on the best of 2" "$(ls "$ex/results/gen-3" | tr '\n' ' ')" \
    "36.txt 37.txt 38.txt "
(cd "$ex" && "$MPIBATCH" status --json adaptive.cfg) >"$tmp/st.json" 2>"$tmp/err"
got=$("$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); c=s["counts"]; print(c["total"], c["succeeded"], s["status"])' "$tmp/st.json")
check_eq "status: 13 tasks, all succeeded" "$got" "13 13 succeeded"
got=$(report_py "$ex/jobs/adaptive/report.h5" 'print(len(f["tasks"]), sum(1 for x in f["tasks"]["attempts"] if x == 1))')
check_eq "report: 13 tasks, one attempt each" "$got" "13 13"
mb_finish
