#!/bin/sh
# lib.sh: shared helpers for the shell tests.  Source it after setting
# nothing; it reads top_srcdir, MPIBATCH and MPIRUN from the environment
# that make check exports, and guesses top_srcdir when run by hand:
#
#   . "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
#   mb_init NAME
#   ... checks ...
#   mb_finish
#
# Every check prints one PASS:/FAIL: line; mb_finish prints the counts and
# exits 0 only when nothing failed.  Exit 77 means skipped, 99 a hard error
# of the test itself (automake's conventions).

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MPIRUN:=mpirun}"
PYTHON=/usr/bin/python3
# mpirun refuses root and a second process per core without these.
OMPI_ALLOW_RUN_AS_ROOT=1
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
    OMPI_MCA_rmaps_base_oversubscribe

npass=0
nfail=0
st=0
tmp=""
test_name=$(basename "$0" .sh)

# skip WHY: the test cannot run here.
skip () {
    echo "SKIP: $test_name: $*"
    exit 77
}

# die WHY: the test itself is broken (not the program under test).
die () {
    echo "ERROR: $test_name: $*" >&2
    exit 99
}

# mb_cleanup: remove the temporary directory; copies of read-only files
# are read-only, so make them writable first.
mb_cleanup () {
    [ -n "$tmp" ] && [ -d "$tmp" ] || return 0
    chmod -R u+w "$tmp" 2>/dev/null
    rm -rf "$tmp"
}

# mb_init NAME: create $tmp, the scratch directory removed at exit, and
# check that the program exists.
mb_init () {
    [ -n "${MPIBATCH:-}" ] || die "set MPIBATCH to the mpibatch program"
    [ -x "$MPIBATCH" ] || die "$MPIBATCH is not executable"
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/mb-${1:-test}.XXXXXX") || die "mktemp failed"
    # pwd -P: tasks see resolved paths, so compare against resolved ones.
    tmp=$(cd "$tmp" && pwd -P)
    trap 'mb_cleanup' EXIT
    trap 'exit 1' HUP INT TERM
    echo "== $test_name: scratch directory $tmp"
}

# pass WHAT / fail WHAT: record one check.  fail shows the head of the
# last command's stdout and stderr, which is what explains a failure, but
# only once per output so that one failed run does not flood the log.
pass () {
    npass=$((npass + 1))
    echo "PASS: $*"
}
fail () {
    nfail=$((nfail + 1))
    echo "FAIL: $*"
    sum=$(cat "$tmp/out" "$tmp/err" 2>/dev/null | cksum)
    [ "$sum" = "${last_shown:-}" ] && return 0
    last_shown=$sum
    for s in out err; do
        [ -s "$tmp/$s" ] && sed -n "1,20s/^/    std$s| /p" "$tmp/$s"
    done
    return 0
}

# env_has PID VAR=VALUE: process PID's environment has VAR=VALUE.
env_has () { { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qx "$2"; }

# mb_marked V: pids of live (not zombie: PID 1 here reaps no orphans)
# processes whose environment has MB_MARK=V.
mb_marked () {
    for d in /proc/[0-9]*; do
        p=${d#/proc/}
        env_has "$p" "MB_MARK=$1" || continue
        st=$(awk '{print $3}' "$d/stat" 2>/dev/null)
        [ -n "$st" ] && [ "$st" != Z ] && echo "$p"
    done
}

# mpi_rank_pid JOB RANK MARK: the pid of MPI rank RANK of `mpibatch run
# JOB.cfg` started with MB_MARK=MARK (the oldest process with that
# environment: the rank's launcher, a child of it, has it too); nothing
# when there is none.
mpi_rank_pid () {
    for p in $(pgrep -f "$MPIBATCH run $1.cfg"); do
        env_has "$p" "OMPI_COMM_WORLD_RANK=$2" && env_has "$p" "MB_MARK=$3" &&
            ! env_has "$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)" "OMPI_COMM_WORLD_RANK=$2" &&
            { echo "$p"; return; }
    done
}

# wait_for SECONDS CMD...: run CMD (its output dropped) every 0.2 s until it
# succeeds (0) or SECONDS have passed (1).
wait_for () {
    n=$(($1 * 5))
    shift
    while [ "$n" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
        n=$((n - 1))
    done
    return 1
}

# check WHAT CMD...: pass when CMD succeeds, fail otherwise.
check () {
    what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# check_eq WHAT GOT WANT: pass when the two strings are equal.
check_eq () {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1: got '$2', want '$3'"
    fi
}

# check_status WHAT WANT: the last run's exit status ($st) is WANT.
check_status () {
    check_eq "$1: exit status" "$st" "$2"
}

# check_range WHAT GOT LO HI: LO <= GOT <= HI, as decimal numbers.
check_range () {
    if awk -v g="$2" -v l="$3" -v h="$4" 'BEGIN { exit !(g + 0 >= l + 0 && g + 0 <= h + 0) }'; then
        pass "$1 ($2 in [$3, $4])"
    else
        fail "$1: $2 not in [$3, $4]"
    fi
}

# mb_show FILE...: files whose ends mb_finish prints when a check failed
# (what the programs said, for a reader of CI's last lines).
mb_shown=""
mb_show () { mb_shown="$mb_shown $*"; }

# mb_finish: print the counts (after the ends of the mb_show files when a
# check failed) and exit with the verdict.
mb_finish () {
    if [ "$nfail" -gt 0 ]; then
        for f in $mb_shown; do
            [ -s "$f" ] || continue
            echo "# ---- the end of ${f#"$tmp"/}:"
            tail -n 12 "$f" | cut -c1-240 | sed 's/^/#   /'
        done
    fi
    echo "$test_name: $npass passed, $nfail failed"
    [ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
    exit $?
}

# run_mpi N ARGS...: $MPIRUN -n N --oversubscribe ARGS under a time limit
# (MB_TIMEOUT seconds, default 60), in the current directory, stdout and
# stderr to $tmp/out and $tmp/err; sets $st (124 on timeout).
run_mpi () {
    n=$1
    shift
    timeout -k 5 "${MB_TIMEOUT:-60}" $MPIRUN -n "$n" --oversubscribe "$@" \
        >"$tmp/out" 2>"$tmp/err" </dev/null
    st=$?
}

# run_alone ARGS...: run ARGS without mpirun (an MPI singleton), with the
# same time limit and capture as run_mpi; sets $st.
run_alone () {
    timeout -k 5 "${MB_TIMEOUT:-60}" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    st=$?
}

# run_mpi_st / run_alone_st: the same, for a subshell: they leave the
# status in $tmp/.st, because a subshell cannot set $st for its parent.
run_mpi_st () { run_mpi "$@"; echo "$st" >"$tmp/.st"; }
run_alone_st () { run_alone "$@"; echo "$st" >"$tmp/.st"; }

# mb_run N ARGS...: `mpibatch run ARGS` in $tmp, as a singleton when N is
# 0, else under `mpirun -n N`; sets $st.
mb_run () {
    n=$1
    shift
    rm -f "$tmp/.st"
    if [ "$n" -eq 0 ]; then
        (cd "$tmp" && run_alone_st ${MB_WRAPPER:-} "$MPIBATCH" run "$@")
    else
        (cd "$tmp" && run_mpi_st "$n" ${MB_WRAPPER:-} "$MPIBATCH" run "$@")
    fi
    st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
}

# mb ARGS...: another mpibatch command (status, logs, ...) in $tmp, no MPI;
# sets $st.
mb () {
    rm -f "$tmp/.st"
    (cd "$tmp" && run_alone_st "$MPIBATCH" "$@")
    st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
}

# job NAME: write the job file $tmp/NAME.cfg from stdin, with the
# defaults every test wants prepended: storage is $tmp, the node root is
# under $tmp (so concurrent tests never share /tmp/mpibatch).  Lines on
# stdin may override nothing of these; write full job files by hand when a
# test needs other values.
job () {
    {
        echo "id = \"$1\";"
        echo "storage = \"$tmp\";"
        echo "node_root = \"$tmp/nodes\";"
        cat
    } >"$tmp/$1.cfg"
}

# status_json JOB EXPR: evaluate the Python expression EXPR over the
# status JSON `s` of $tmp/JOB.cfg's run; prints the value.
status_json () {
    (cd "$tmp" && "$MPIBATCH" status --json "$1.cfg") >"$tmp/status.json" 2>"$tmp/status.err" ||
        { echo "status-failed"; return 0; }
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$tmp/status.json" "$2" 2>/dev/null || echo "status-json-error"
}

# report_py FILE SCRIPT: run the Python SCRIPT with h5py, `f` the open
# report FILE; prints what SCRIPT prints.
report_py () {
    "$PYTHON" -c '
import sys, h5py
f = h5py.File(sys.argv[1], "r")
def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)
exec(sys.argv[2])' "$1" "$2" 2>&1
}

# envval FILE NAME: the value of NAME in an `env` dump FILE ("" if unset);
# exit status 1 when NAME is not in FILE.
envval () {
    grep -q "^$2=" "$1" 2>/dev/null || return 1
    sed -n "s/^$2=//p" "$1" | head -n 1
}

# ncpus: the number of PUs this process may run on.
ncpus () {
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN
}
