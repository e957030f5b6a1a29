#!/bin/sh
# examples.sh: every job file in examples/ is valid and expands into the
# tasks its comments promise; the sweep's simulation script is
# deterministic.  The examples are copied to a temporary directory first,
# as a user would, because the source tree is read-only under distcheck.
#
# make check sets top_srcdir and MPIBATCH.  By hand, from the source tree:
#   MPIBATCH=/path/to/mpibatch sh tests/cli/examples.sh

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MPIBATCH:?set MPIBATCH to the mpibatch program}"
PYTHON=/usr/bin/python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mb-examples.XXXXXX") || exit 99
# Copies of read-only files are read-only: make them removable first.
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
cp -R "$top_srcdir/examples" "$tmp/" || exit 99
ex=$tmp/examples

npass=0
nfail=0
pass () { npass=$((npass + 1)); echo "PASS: $*"; }
fail () {
    nfail=$((nfail + 1))
    echo "FAIL: $*"
    for s in out err; do
        [ -s "$tmp/$s" ] && sed -n "1,15s/^/    std$s| /p" "$tmp/$s"
    done
    return 0
}

# mb ARGS...: run mpibatch in the examples' copy; output to $tmp/out, err;
# sets $st.
mb () {
    (cd "$ex" && ${MB_WRAPPER:-} "$MPIBATCH" "$@") >"$tmp/out" 2>"$tmp/err"
    st=$?
}

# example FILE SUMMARY IDS: validate FILE (exit 0, SUMMARY on stdout),
# --list gives the ids IDS in order, --json is JSON with the same tasks.
example () {
    f=$1
    summary=$2
    ids=$3
    mb validate "$f"
    if [ "$st" -ne 0 ]; then
        fail "$f: validate exit status $st, not 0"
        return
    fi
    why=""
    grep -qxF -- "$summary" "$tmp/out" || why="summary is not '$summary': '$(cat "$tmp/out")'"
    mb validate --list "$f"
    cp "$tmp/out" "$tmp/list"
    got=$(cut -f1 "$tmp/list" | tr '\n' ' ')
    [ "$st" -eq 0 ] && [ "$got" = "$ids " ] ||
        why="$why${why:+; }--list gives '$got', not '$ids'"
    mb validate --json "$f"
    if [ "$st" -ne 0 ] || ! "$PYTHON" -c '
import json, sys
job = json.load(open(sys.argv[1]))
ids = [t["id"] for t in job["tasks"]]
sys.exit(ids != sys.argv[2].split())' "$tmp/out" "$ids"; then
        why="$why${why:+; }--json is not the job with those tasks"
    fi
    if [ -z "$why" ]; then pass "$f"; else fail "$f: $why"; fi
}

# command_of ID: task ID's command from the last --list.
command_of () {
    id=$1 awk -F '\t' '$1 == ENVIRON["id"] { print substr ($0, length ($1) + 2) }' "$tmp/list"
}

example hello.cfg \
    "hello: valid: 2 tasks (0 from sweeps), 0 sweeps, 0 dependency edges, 0 inputs" \
    "task-1 task-2"

sims="sim-1-0.5 sim-1-1.0 sim-2-0.5 sim-2-1.0 sim-3-0.5 sim-3-1.0 sim-4-0.5 sim-4-1.0"
example sweep.cfg \
    "sweep: valid: 9 tasks (8 from sweeps), 1 sweep, 8 dependency edges, 16 inputs" \
    "$sims collect"
c=$(command_of sim-3-1.0)
if [ "$c" = "./sim.sh 3 1.0 model.txt > result.txt" ]; then
    pass "sweep.cfg: the sweep's command is expanded"
else
    fail "sweep.cfg: sim-3-1.0 runs '$c'"
fi

example dag.cfg \
    "dag: valid: 7 tasks (4 from sweeps), 1 sweep, 9 dependency edges, 0 inputs" \
    "prepare collect report sim-1 sim-2 sim-3 sim-4"
c=$(command_of sim-2)
case $c in
"awk -v n=2 '\$1 <= n { s += \$2 }"*) pass "dag.cfg: \$\$ in the sweep is a \$" ;;
*) fail "dag.cfg: sim-2 runs '$c'" ;;
esac

example commands.cfg \
    "commands: valid: 4 tasks (0 from sweeps), 0 sweeps, 0 dependency edges, 0 inputs" \
    "line-5 line-6 line-7 line-10"

example adaptive.cfg \
    "adaptive: valid: 1 task (0 from sweeps), 0 sweeps, 0 dependency edges, 0 inputs" \
    "driver-0"

example checkpoint.cfg \
    "checkpoint: valid: 1 task (0 from sweeps), 0 sweeps, 0 dependency edges, 0 inputs" \
    "simulate"

# The simulation the sweep runs: deterministic, and different per seed.
cd "$ex/data" || exit 99
a=$(sh ../bin/sim.sh 2 0.5 model.txt)
b=$(sh ../bin/sim.sh 2 0.5 model.txt)
c=$(sh ../bin/sim.sh 3 0.5 model.txt)
case $a in
"seed=2 T=0.5 energy="*)
    if [ "$a" = "$b" ] && [ "$a" != "$c" ]; then
        pass "bin/sim.sh is deterministic"
    else
        fail "bin/sim.sh: '$a', '$b', '$c'"
    fi
    ;;
*) fail "bin/sim.sh prints '$a'" ;;
esac
if [ -x "$top_srcdir/examples/bin/sim.sh" ]; then
    pass "bin/sim.sh is executable"
else
    fail "bin/sim.sh is not executable"
fi
cd "$tmp" || exit 99

# Run the examples for real once `mpibatch run` exists (before that it says
# "not available" and exits 3): a service and two workers.
if ! "$MPIBATCH" run --help >/dev/null 2>&1; then
    echo "SKIP: running the examples: mpibatch run is not available in this build"
elif [ -z "${MPIRUN:-}" ]; then
    echo "SKIP: running the examples: MPIRUN is not set"
else
    # run FILE: run the example under mpirun; sets $st.
    run () {
        (cd "$ex" && timeout -k 10 120 $MPIRUN -n 3 ${MB_WRAPPER:-} "$MPIBATCH" run "$1") \
            >"$tmp/out" 2>"$tmp/err"
        st=$?
    }
    # has FILE TEXT: FILE (under the examples' copy) holds the line TEXT.
    has () { [ -f "$ex/$1" ] && grep -qxF -- "$2" "$ex/$1"; }

    run hello.cfg
    log=jobs/hello/logs
    if [ "$st" -ne 0 ]; then
        fail "run hello.cfg: exit status $st, not 0"
    elif has "$log/task-1/0.stdout" "hello from mpibatch" &&
        has "$log/task-1/0.stdout" "MPIBATCH_TASK_ID=task-1" &&
        has "$log/task-1/0.stdout" "AZ_BATCH_TASK_ID=task-1" &&
        has "$log/task-2/0.stdout" "hello again" &&
        has "$log/task-2/0.stdout" "MPIBATCH_JOB_ID=hello"; then
        pass "run hello.cfg"
    else
        fail "run hello.cfg: $log/task-*/0.stdout lack the greeting or the environment"
    fi

    run sweep.cfg
    want=$(cd "$ex/data" && for s in 1 2 3 4; do for t in 0.5 1.0; do
        sh ../bin/sim.sh $s $t model.txt; done; done | sort)
    if [ "$st" -ne 0 ]; then
        fail "run sweep.cfg: exit status $st, not 0"
    elif [ "$(cat "$ex/results/summary.txt" 2>/dev/null)" = "$want" ] &&
        [ "$(cat "$ex/results/2/0.5.txt" 2>/dev/null)" = "$(cd "$ex/data" && sh ../bin/sim.sh 2 0.5)" ]; then
        pass "run sweep.cfg"
    else
        fail "run sweep.cfg: results/summary.txt or results/2/0.5.txt is not what sim.sh prints"
    fi

    run dag.cfg
    if [ "$st" -ne 0 ]; then
        fail "run dag.cfg: exit status $st, not 0"
    elif [ "$(cat "$ex/dag/all.txt" 2>/dev/null)" = "$(printf '1 1\n2 5\n3 14\n4 30')" ] &&
        has jobs/dag/logs/report/0.stdout "parts: 4 total: 50"; then
        pass "run dag.cfg"
    else
        fail "run dag.cfg: dag/all.txt or the report's stdout is wrong"
    fi

    run commands.cfg
    if [ "$st" -ne 0 ]; then
        fail "run commands.cfg: exit status $st, not 0"
    elif has jobs/commands/logs/line-6/0.stdout "second" &&
        has jobs/commands/logs/line-7/0.stdout "third, with a quote's worth of shell"; then
        pass "run commands.cfg"
    else
        fail "run commands.cfg: the lines' stdout is wrong"
    fi

    # Exit 75 twice (checkpointed, requeued without a retry), then done.
    run checkpoint.cfg
    if [ "$st" -ne 0 ]; then
        fail "run checkpoint.cfg: exit status $st, not 0"
    elif [ "$(cat "$ex/state.txt" 2>/dev/null)" = 10 ] &&
        has jobs/checkpoint/logs/simulate/2.stdout "done after 10 steps" &&
        (cd "$ex" && "$MPIBATCH" report checkpoint.cfg) 2>/dev/null |
            grep -c "requeued  *checkpoint.cfg:.*code 75: requeue" | grep -qx 2; then
        pass "run checkpoint.cfg"
    else
        fail "run checkpoint.cfg: not 2 requeues then success from the saved state"
    fi
fi

echo "examples.sh: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
