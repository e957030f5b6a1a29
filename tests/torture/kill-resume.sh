#!/bin/sh
# kill-resume.sh: the crash-and-resume torture test.  A job of 150 short
# tasks with countable side effects runs under `mpirun -n 3`; at a random
# moment 0.3-2 s in, SIGKILL goes in turn to mpirun, to rank 0 (the
# service) and to a worker rank; then `run --resume` again, TORTURE_ROUNDS
# times (default 5; the long form is TORTURE_ROUNDS=20), and a last
# --resume runs to completion.  After every kill no process of the run may
# survive (a task of an old round still running would corrupt the counts);
# at the end every task succeeded exactly once as far as the journal
# knows, its output is whole and from that attempt, and the shared counter
# shows no task ran again after its success was recorded (check_counts.py
# states the invariants).  TORTURE_SEED makes the kill times repeatable.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"

mb_init kill-resume
: "${TORTURE_ROUNDS:=5}"
: "${TORTURE_SEED:=$(date +%s)}"
echo "# TORTURE_ROUNDS=$TORTURE_ROUNDS TORTURE_SEED=$TORTURE_SEED"
NT=150
tor_job kr $NT
: >"$tmp/counter"

r=1
while [ $r -le "$TORTURE_ROUNDS" ]; do
    case $((r % 3)) in
        1) victim=mpirun ;;
        2) victim=rank0 ;;
        0) victim=worker ;;
    esac
    tor_worker_rank=$((r % 2 + 1))
    if [ $r -eq 1 ]; then
        tor_start 3 kr.cfg
    else
        tor_start 3 --resume kr.cfg
    fi
    tor_kill $r $victim "$(tor_delay $r)"
    # A resume whose run refused to start (exit 2) would make the
    # torture meaningless; say so at once.
    if [ "$rst" -eq 2 ]; then
        fail "round $r: the run refused to start (exit 2)"
        tail -n 5 "$tmp/run.err" | sed 's/^/    | /'
    fi
    r=$((r + 1))
done

# Finish: a resume that runs to completion.
mb_run 3 --resume kr.cfg
check_status "final --resume" 0
check "nothing of the final run survives" tor_gone 20

n=$(status_json kr 's["counts"]["succeeded"]')
check_eq "status --json: all tasks succeeded" "$n" "$NT"
check_eq "status --json: run finished" "$(status_json kr 's["status"]')" "succeeded"
check_eq "status --json: not live" "$(status_json kr 's["live"]')" "False"
check_eq "results: one output per task" "$(ls "$tmp/results" | grep -c '^t-[0-9]*\.txt$')" "$NT"
check_eq "results: no temporary files left" "$(ls -a "$tmp/results" | grep -v -c -e '^t-[0-9]*\.txt$' -e '^\.\.*$')" "0"
check "journal is whole" "$PYTHON" "$TORTURE_DIR/jcheck.py" "$tmp/jobs/kr/journal"
tor_counts kr $NT
echo "# rounds:"
sed 's/^/#   /' "$tmp/rounds"
mb_finish
