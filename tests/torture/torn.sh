#!/bin/sh
# torn.sh: a journal with a torn tail.  A run is SIGKILLed mid-way (rank 0,
# so nothing flushes a last record), then the journal loses its last few
# bytes, as if the machine died during a write: `status` must read the
# valid prefix, `--resume` must cut the torn tail off (else every record
# it appends would sit behind the tear, invisible to readers) and finish
# the job with the usual counts.  Then garbage appended to a finished
# journal: status still reads it, --resume truncates it again.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"

mb_init torn
NT=60
tor_job tn $NT
: >"$tmp/counter"
J="$tmp/jobs/tn/journal"

tor_start 3 tn.cfg
tor_kill 1 rank0 1.5
check "the killed run left a journal" test -s "$J"
"$PYTHON" "$TORTURE_DIR/jcheck.py" "$J" >"$tmp/jc1"
read -r nrec vlen flen <"$tmp/jc1"
echo "# after the kill: $nrec records, $vlen valid bytes of $flen"
check_range "the killed run recorded some records" "$nrec" 3 100000

# Tear the last record: drop its last 3 bytes.
truncate -s -3 "$J"
"$PYTHON" "$TORTURE_DIR/jcheck.py" "$J" >"$tmp/jc2"
read -r nrec2 vlen2 flen2 <"$tmp/jc2"
check_eq "the tear cost exactly one record" "$nrec2" $((nrec - 1))
head -c "$vlen2" "$J" >"$tmp/prefix"

mb status tn.cfg
check_status "status on a torn journal" 0
check "status says the run stopped without finishing" grep -q "stopped without finishing" "$tmp/out"
check_eq "status --json reads it" "$(status_json tn 's["live"], s["status"], s["counts"]["total"]')" \
    "(False, 'interrupted', $NT)"
check "status left the torn journal alone" test "$(wc -c <"$J")" -eq "$flen2"

mb_run 3 --resume tn.cfg
check_status "--resume after the tear" 0
check "nothing of the resumed run survives" tor_gone 20
check "the resumed journal is whole (the tail was truncated)" \
    "$PYTHON" "$TORTURE_DIR/jcheck.py" "$J"
check "the valid prefix was kept byte for byte" \
    cmp -s "$tmp/prefix" "$(head -c "$vlen2" "$J" >"$tmp/prefix2"; echo "$tmp/prefix2")"
check_eq "status after resume" "$(status_json tn 's["status"], s["counts"]["succeeded"]')" \
    "('succeeded', $NT)"
# The record the tear destroyed may hide one attempt that did run.
tor_counts tn $NT 1

# Garbage behind a finished run's journal: a header announcing more bytes
# than follow, as a write cut short would leave.
"$PYTHON" "$TORTURE_DIR/jcheck.py" "$J" >"$tmp/jc3"
read -r nrec3 vlen3 flen3 <"$tmp/jc3"
printf '\100\000\000\000\001\002\003\004abc' >>"$J"
mb status tn.cfg
check_status "status with garbage behind the last record" 0
check "... reads the run as finished" grep -q "finished, succeeded" "$tmp/out"
mb_run 3 --resume tn.cfg
check_status "--resume of a finished run with a torn tail" 0
"$PYTHON" "$TORTURE_DIR/jcheck.py" "$J" >"$tmp/jc4"
st=$?
check_eq "the garbage was truncated, the journal is whole" "$st" 0
read -r nrec4 vlen4 flen4 <"$tmp/jc4"
check_range "records kept and added" "$nrec4" "$nrec3" 100000
check_eq "still every task succeeded" "$(status_json tn 's["status"], s["counts"]["succeeded"]')" \
    "('succeeded', $NT)"
mb_finish
