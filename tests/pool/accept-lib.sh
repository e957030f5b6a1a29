#!/bin/sh
# accept-lib.sh: helpers of issue 16's acceptance tests (tests/pool/accept_*.sh),
# sourced after tests/lib.sh and tests/torture/torture-lib.sh.  A pool is
# started with `mpirun -n N mpibatch pool POOLDIR ...` in the background,
# marked (TORTURE_MARK, as tor_start marks a run) so that the test finds
# its mpirun to kill and every process that outlived it; requests are sent
# from the test's shell as another user of the pool would send them.

# acc_need_pool: skip when this build has no `mpibatch pool` (the service
# of issue 16 is not merged yet).  Nothing else ever makes these tests skip.
acc_need_pool () {
    [ -n "${MPIBATCH:-}" ] || die "set MPIBATCH to the mpibatch program"
    "$MPIBATCH" pool --help >/dev/null 2>&1 ||
        skip "this mpibatch has no 'pool' command yet ('mpibatch pool --help' fails)"
}

# acc_start N POOLDIR ARGS...: start `mpirun -n N mpibatch pool POOLDIR ARGS`
# in $tmp, marked, output appended to $tmp/pool.out and $tmp/pool.err.
# Sets pool_bg (the pid to wait for).  The time limit is MB_TIMEOUT
# (default 120 s here).  Starts a fresh $tmp/.pool-start marker first, so
# acc_up can tell this pool's pool.info from an older one.
acc_start () {
    n=$1
    shift
    touch "$tmp/.pool-start"
    sleep 0.01
    (cd "$tmp" && env TORTURE_MARK="$tmp" timeout -k 5 "${MB_TIMEOUT:-120}" \
        $MPIRUN -n "$n" --oversubscribe "$MPIBATCH" pool "$@" \
        >>"$tmp/pool.out" 2>>"$tmp/pool.err" </dev/null) 2>>"$tmp/pool.err" &
    pool_bg=$!
}

# pool_locked POOLDIR: a process holds POOLDIR/pool.lock's write lock (a
# pool runs there), asked with F_GETLK as a client asks, sending nothing.
pool_locked () {
    "$PYTHON" -c '
import fcntl, os, struct, sys
fmt = "hhxxxxqqixxxx"
fd = os.open(sys.argv[1], os.O_RDONLY)
got = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(fmt, fcntl.F_WRLCK, 0, 0, 0, 0))
sys.exit(0 if struct.unpack(fmt, got)[0] != fcntl.F_UNLCK else 1)' "$1/pool.lock" 2>/dev/null
}

# acc_up POOLDIR [SECS]: wait until the pool started last writes its
# pool.info and its first status.json (a resumed pool's "starting", just
# after pool.info; a new one's when it runs) and holds its lock (a client
# finds it running); 0 when it does.
acc_up () {
    k=0
    while [ $k -lt $((${2:-30} * 10)) ]; do
        if [ "$(find "$1" -maxdepth 1 \( -name pool.info -o -name status.json \) \
                -newer "$tmp/.pool-start" 2>/dev/null | wc -l)" = 2 ] && pool_locked "$1"; then
            return 0
        fi
        kill -0 "$pool_bg" 2>/dev/null || return 1
        sleep 0.1
        k=$((k + 1))
    done
    return 1
}

# acc_end SECS: wait up to SECS for the pool's mpirun to end; sets $st to
# its exit status (124 when it did not end: then it is killed).
acc_end () {
    k=0
    while [ $k -lt $(($1 * 10)) ]; do
        if ! kill -0 "$pool_bg" 2>/dev/null; then
            wait "$pool_bg"
            st=$?
            return 0
        fi
        sleep 0.1
        k=$((k + 1))
    done
    for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done
    wait "$pool_bg"
    st=124
}

# req CMD ARGS...: one client command (`mpibatch CMD ARGS`) with a time
# limit, stdout to $tmp/out, stderr to $tmp/err; sets $st.
req () {
    timeout -k 5 60 "$MPIBATCH" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    st=$?
}

# pool_json POOLDIR EXPR: evaluate the Python expression EXPR over
# `mpibatch status POOLDIR --json`, the pool's status as `s` (and `jobs`,
# a dict of its jobs by id); prints the value or "status-failed".
pool_json () {
    "$MPIBATCH" status "$1" --json >"$tmp/pstatus.json" 2>"$tmp/pstatus.err" ||
        { echo "status-failed"; return 0; }
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
jobs = {j["id"]: j for j in s.get("jobs", [])}
print(eval(sys.argv[2]))' "$tmp/pstatus.json" "$2" 2>/dev/null || echo "status-json-error"
}

# wait_json POOLDIR EXPR WANT SECS: pool_json until it prints WANT (the
# pool rewrites status.json at most once a second); prints the last value.
wait_json () {
    k=0
    while [ $k -lt $(($4 * 5)) ]; do
        v=$(pool_json "$1" "$2")
        [ "$v" = "$3" ] && break
        sleep 0.2
        k=$((k + 1))
    done
    echo "$v"
}

# job_state POOLDIR JOB: the job's state in the pool's status ("" if none).
job_state () {
    pool_json "$1" "jobs['$2']['state'] if '$2' in jobs else ''"
}

# wait_job POOLDIR JOB SECS: wait until the job's state is no longer
# "active" (or unknown); prints the state it reached.
wait_job () {
    k=0
    while [ $k -lt $(($3 * 5)) ]; do
        s=$(job_state "$1" "$2")
        case $s in
            active|""|status-failed|status-json-error) ;;
            *) echo "$s"; return 0 ;;
        esac
        sleep 0.2
        k=$((k + 1))
    done
    echo "${s:-none}"
}

# wait_lines FILE N SECS: wait until FILE has at least N lines.
wait_lines () {
    k=0
    while [ $k -lt $(($3 * 10)) ]; do
        [ "$(cat "$1" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
        sleep 0.1
        k=$((k + 1))
    done
    return 1
}

# gone PID: the process has ended (no /proc entry, or a zombie: PID 1
# does not reap orphans here).
gone () {
    [ ! -r "/proc/$1/stat" ] && return 0
    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# acc_cleanup: SIGKILL what is left of this test's pools, by pid.
acc_cleanup () {
    for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done
}
