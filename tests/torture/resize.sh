#!/bin/sh
# resize.sh: resume onto a different number of workers.  A run under
# `mpirun -n 2` (one worker) is SIGKILLed mid-way and resumed under
# `mpirun -n 4` (three workers); it completes with the counts of
# kill-resume.sh, and the new workers did take tasks.  Then the other
# way: -n 4 killed, resumed with -n 2.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"

mb_init resize
NT=80
tor_job grow $NT
: >"$tmp/counter"
tor_start 2 grow.cfg
tor_kill 1 rank0 1.5
mb_run 4 --resume grow.cfg
check_status "grow: --resume with -n 4" 0
check "grow: nothing survives" tor_gone 20
check_eq "grow: status" "$(status_json grow 's["status"], s["counts"]["succeeded"], s["workers"]')" \
    "('succeeded', $NT, 3)"
check_eq "grow: workers 2 and 3 ran tasks" \
    "$(report_py "$tmp/jobs/grow/report.h5" 'print(sorted(set(int(w) for w in f["/attempts"]["worker"])))')" \
    "[1, 2, 3]"
tor_counts grow $NT

# Shrink: a fresh storage for the counts.
mb_cleanup
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mb-resize.XXXXXX") && tmp=$(cd "$tmp" && pwd -P) || die "mktemp"
tor_job shrink $NT
: >"$tmp/counter"
tor_start 4 shrink.cfg
tor_kill 2 mpirun 1.5
mb_run 2 --resume shrink.cfg
check_status "shrink: --resume with -n 2" 0
check "shrink: nothing survives" tor_gone 20
check_eq "shrink: status" "$(status_json shrink 's["status"], s["counts"]["succeeded"], s["workers"]')" \
    "('succeeded', $NT, 1)"
tor_counts shrink $NT
mb_finish
