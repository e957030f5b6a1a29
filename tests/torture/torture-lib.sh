#!/bin/sh
# torture-lib.sh: helpers of the crash-and-resume tests, sourced after
# tests/lib.sh.  Every process of a run started with tor_start carries
# TORTURE_MARK=$tmp in its environment (mpirun passes its environment to
# the ranks, the ranks to their launchers and tasks), so the test finds
# the ranks to kill and, after a kill, every process that outlived it.

TORTURE_DIR="$top_srcdir/tests/torture"

# tor_job NAME NTASKS: a job of NTASKS short tasks t-1..t-NTASKS whose side
# effects can be counted: each writes "ID ATTEMPT" to its own mine.txt,
# sleeps 0.01 to 0.09 s, then appends "done ID ATTEMPT" to the shared
# $tmp/counter (one short O_APPEND write); mine.txt is published to
# results/ID.txt when the attempt succeeds.
tor_job () {
    {
        echo "tasks = ("
        i=1
        while [ "$i" -le "$2" ]; do
            [ "$i" -gt 1 ] && echo ","
            printf '{ id = "t-%d"; command = "echo \\"$MPIBATCH_TASK_ID $MPIBATCH_TASK_ATTEMPT\\" >>mine.txt; sleep 0.0%d; echo \\"done $MPIBATCH_TASK_ID $MPIBATCH_TASK_ATTEMPT\\" >>\\"$MPIBATCH_STORAGE_DIR/counter\\"";\n  outputs = ( { pattern = "mine.txt"; destination = "results/t-%d.txt"; when = "success"; } ); }\n' \
                "$i" $((i * 7 % 9 + 1)) "$i"
            i=$((i + 1))
        done
        echo ");"
    } | job "$1"
}

# tor_start N ARGS...: start `mpirun -n N mpibatch run ARGS` in $tmp in
# the background, marked; output to $tmp/run.out and $tmp/run.err
# (appended).  Sets tor_bg to the pid to wait for.
tor_start () {
    n=$1
    shift
    (cd "$tmp" && env TORTURE_MARK="$tmp" timeout -k 5 "${MB_TIMEOUT:-60}" \
        $MPIRUN -n "$n" --oversubscribe "$MPIBATCH" run "$@" \
        >>"$tmp/run.out" 2>>"$tmp/run.err" </dev/null) 2>>"$tmp/run.err" &
    tor_bg=$!
}

# tor_marked: the pids of the live processes of this test's runs.
tor_marked () {
    grep -l -z -x -F "TORTURE_MARK=$tmp" /proc/[0-9]*/environ 2>/dev/null |
        sed 's|^/proc/||; s|/environ$||'
}

# tor_comm PID / tor_ppid PID: its command name / its parent.
tor_comm () { cat "/proc/$1/comm" 2>/dev/null; }
tor_ppid () { awk '{ print $4 }' "/proc/$1/stat" 2>/dev/null; }

# tor_mpirun: the pid of the marked mpirun, empty when there is none.
tor_mpirun () {
    for p in $(tor_marked); do
        [ "$(tor_comm "$p")" = mpirun ] && { echo "$p"; return 0; }
    done
}

# tor_rank R: the pid of MPI rank R, the mpibatch child of mpirun whose
# environment has OMPI_COMM_WORLD_RANK=R (the rank's launcher, forked by
# the rank, has the same environment but another parent).
tor_rank () {
    m=$(tor_mpirun)
    [ -n "$m" ] || return 0
    for p in $(tor_marked); do
        [ "$(tor_comm "$p")" = mpibatch ] && [ "$(tor_ppid "$p")" = "$m" ] &&
            grep -q -z -x -F "OMPI_COMM_WORLD_RANK=$1" "/proc/$p/environ" 2>/dev/null &&
            { echo "$p"; return 0; }
    done
}

# tor_wait_rank R SECS: tor_rank R once the rank exists (empty if the run
# ended or SECS passed first).
tor_wait_rank () {
    k=0
    while [ $k -lt $(($2 * 20)) ]; do
        p=$(tor_rank "$1")
        [ -n "$p" ] && { echo "$p"; return 0; }
        kill -0 "$tor_bg" 2>/dev/null || return 0
        sleep 0.05
        k=$((k + 1))
    done
}

# tor_gone SECS: wait until no marked process is left.  On timeout list
# the survivors in $tmp/survivors, SIGKILL them (they are this test's own
# processes, by pid) and return 1.
tor_gone () {
    k=0
    while [ $k -lt $(($1 * 10)) ]; do
        [ -z "$(tor_marked)" ] && return 0
        sleep 0.1
        k=$((k + 1))
    done
    : >"$tmp/survivors"
    for p in $(tor_marked); do
        echo "$p $(tor_comm "$p") ppid $(tor_ppid "$p"): $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" \
            >>"$tmp/survivors"
    done
    for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done
    return 1
}

# tor_delay ROUND: a pseudo-random delay in [0.3, 2.0] seconds, repeatable
# from TORTURE_SEED.
tor_delay () {
    awk -v s="$TORTURE_SEED" -v r="$1" 'BEGIN { srand(s * 1000 + r); printf "%.2f\n", 0.3 + 1.7 * rand() }'
}

# tor_kill ROUND WHAT DELAY: after DELAY seconds SIGKILL WHAT (mpirun,
# rank0, worker) of the run tor_start began, then wait for the run and
# for all of its processes.  Appends what happened to $tmp/rounds.
tor_kill () {
    sleep "$3"
    case $2 in
        mpirun) victim=$(tor_mpirun) ;;
        rank0) victim=$(tor_wait_rank 0 5) ;;
        worker) victim=$(tor_wait_rank "${tor_worker_rank:-1}" 5) ;;
    esac
    if [ -n "$victim" ] && kill -9 "$victim" 2>/dev/null; then
        what="killed $2 (pid $victim) at ${3}s"
    else
        what="no $2 to kill at ${3}s: the run had ended"
    fi
    wait "$tor_bg"
    rst=$?
    echo "round $1: $what; run exit $rst" >>"$tmp/rounds"
    echo "# round $1: $what; run exit $rst"
    if tor_gone 20; then
        pass "round $1: no process of the killed run survives"
    else
        fail "round $1: processes of the killed run survive: $(cat "$tmp/survivors")"
    fi
}

# tor_counts JOB NTASKS [LOST]: the end-of-run invariants (check_counts.py).
tor_counts () {
    "$PYTHON" "$TORTURE_DIR/check_counts.py" "$tmp/jobs/$1/report.h5" "$tmp" "$2" ${3:-0} \
        >"$tmp/counts.out" 2>&1
    cat "$tmp/counts.out"
    if grep -q '^PASS' "$tmp/counts.out" && ! grep -q -v -e '^PASS' -e '^#' -e '^    ' "$tmp/counts.out"; then
        pass "task counts hold the invariants"
    else
        fail "task counts hold the invariants"
    fi
}
