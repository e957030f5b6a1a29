#!/bin/sh
# pool_shutdown_resume.sh: a `shutdown` the pool answered, then kill -9 of
# mpirun and every rank before the pool could end: `mpibatch pool POOLDIR
# --resume` resumes shutting down (refuses submissions, ends on its own
# with exit 0 once its job has ended, the job's task run to success).  A
# `shutdown --drain` is not done again: the pool it stopped is resumed to
# serve (a submission is accepted) until told again.  A resumed pool
# prepares again (documented): the job's preparation runs on the node again.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init pool_shutdown_resume
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
cd "$tmp" || die "cd"

# start_pool DIR ARGS...: `mpirun -n 3 mpibatch pool DIR ARGS`, marked;
# waits until it answers status.  Sets pool_pid.
start_pool () {
    d=$1
    shift
    env TORTURE_MARK="$tmp" timeout -k 5 120 $MPIRUN -n 3 --oversubscribe \
        "$M" pool "$d" "$@" >>"$tmp/pool.out" 2>>"$tmp/pool.err" </dev/null &
    pool_pid=$!
    for _ in $(seq 200); do
        "$M" status "$d" >/dev/null 2>&1 && break
        sleep 0.1
    done
}
# wait_file FILE: up to 20 s for FILE to exist.
wait_file () {
    for _ in $(seq 200); do [ -e "$1" ] && return 0; sleep 0.1; done
    return 1
}
# wait_lines FILE N: up to 20 s for FILE to have N lines.
wait_lines () {
    for _ in $(seq 200); do
        [ "$(cat "$1" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
# ended_within SECS: whether pool_pid ended within SECS (its status in
# $tmp/pool.rc).  A child that ended stays a zombie until waited for, so
# its state in /proc tells, not kill -0.
ended_within () {
    for _ in $(seq $(($1 * 10))); do
        zs=$(awk '{ print $3 }' "/proc/$pool_pid/stat" 2>/dev/null)
        if [ -z "$zs" ] || [ "$zs" = Z ]; then
            wait "$pool_pid"
            echo "$?" >"$tmp/pool.rc"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# A job whose task waits for a gate file, so it is still running when the
# pool is killed and when the resumed pool starts.
job gated <<CFG
job_preparation = { command = "echo p >>$tmp/prep"; };
tasks = ( { id = "g"; command = "echo x >>$tmp/starts; while [ ! -f $tmp/go ]; do sleep 0.1; done; echo g >>$tmp/ok"; } );
CFG
job late <<CFG
tasks = ( { id = "l"; command = "echo l >>$tmp/ok"; } );
CFG

P=$tmp/pool
start_pool "$P"
timeout 30 "$M" submit "$P" gated.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "submit gated" 0
check "its task started" wait_lines "$tmp/starts" 1
timeout 30 "$M" shutdown "$P" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "shutdown answered" 0
for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done
wait "$pool_pid"
check "nothing of the killed pool survives" tor_gone 20

start_pool "$P" --resume
check "the resumed pool runs the job's task again" wait_lines "$tmp/starts" 2
check "the resumed pool says it is shutting down" \
    grep -q "shutdown was accepted before" "$tmp/pool.err"
timeout 30 "$M" submit "$P" late.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "a submission to the resumed pool is refused" 2
check "because it is shutting down" grep -q "shutting down" "$tmp/err"
state=$("$M" status --json "$P" 2>/dev/null | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>&1)
check_eq "status: shutting_down" "$state" "shutting_down"
touch "$tmp/go"
check "the resumed pool ends on its own once its job has" ended_within 60
check_eq "it ends 0" "$(cat "$tmp/pool.rc" 2>/dev/null)" 0
got=$(report_py "$tmp/jobs/gated/report.h5" 'print(s(f.attrs["status"]))')
check_eq "the job succeeded" "$got" succeeded
check_eq "its task succeeded once" "$(grep -c '^g$' "$tmp/ok" 2>/dev/null)" 1
check_eq "the refused job never ran" "$(grep -c '^l$' "$tmp/ok" 2>/dev/null)" 0
check_eq "the job's preparation ran again after --resume (one node)" \
    "$(cat "$tmp/prep" 2>/dev/null | wc -l)" 2

# shutdown --drain: the pool stops (exit 4); --resume continues and serves.
rm -f "$tmp/go"
job gated2 <<CFG
tasks = ( { id = "g"; command = "echo x >>$tmp/d-starts; while [ ! -f $tmp/go ]; do sleep 0.1; done"; } );
CFG
Q=$tmp/pool2
start_pool "$Q"
timeout 30 "$M" submit "$Q" gated2.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "submit gated2" 0
check "its task started" wait_lines "$tmp/d-starts" 1
timeout 30 "$M" shutdown --drain "$Q" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "shutdown --drain answered" 0
check "the drained pool ends" ended_within 60
check_eq "it ends 4" "$(cat "$tmp/pool.rc" 2>/dev/null)" 4
start_pool "$Q" --resume
check "the resumed pool runs the job's task again" wait_lines "$tmp/d-starts" 2
timeout 30 "$M" submit "$Q" late.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "after a drain the resumed pool takes submissions" 0
touch "$tmp/go"
check "the late job ran" wait_file "$tmp/jobs/late/report.h5"
timeout 30 "$M" shutdown "$Q" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "shutdown the resumed pool" 0
check "it ends" ended_within 60
check_eq "it ends 0" "$(cat "$tmp/pool.rc" 2>/dev/null)" 0
check "nothing of the pools survives" tor_gone 20
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] && [ -z "${MB_VERBOSE:-}" ] || sed -n '1,80s/^/    pool| /p' "$tmp/pool.err"
mb_finish
