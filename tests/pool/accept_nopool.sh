#!/bin/sh
# accept_nopool.sh: issue 16 "Checked by": requests to a directory with no
# pool.  Every request command (submit, add, close, cancel, priority,
# shutdown) exits 3 at once (well within its --timeout of 30 s) with
# "no pool is running in DIR", for: a directory where no pool ever ran, a
# path that does not exist, the pool directory of a run that ended (the
# message says when the pool was last seen), one whose run was killed with
# SIGKILL (its lock file stays, its lock does not) and, when this build
# has `mpibatch pool`, the directory of a pool that ended by
# --idle-timeout.  Nothing is left in requests/ of a directory with no
# pool.  Needs no `mpibatch pool` for the rest: it never skips.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
. "$top_srcdir/tests/pool/accept-lib.sh"
mb_init accept_nopool
trap 'acc_cleanup; mb_cleanup' EXIT
cd "$tmp" || die "cd"

job j <<CFG
open = true;
tasks = ( { id = "a"; command = "true"; } );
CFG
printf 'echo x\n' >x.txt

# all_refused WHAT DIR [PATTERN]: each request command to DIR exits 3 in
# under 2 s, saying "no pool is running in DIR" (and PATTERN, if given).
all_refused () {
    for c in "submit $2 j.cfg" "add --lines $2 j x.txt" "close $2 j" "cancel $2 j" \
        "priority $2 j 3" "shutdown $2"; do
        t0=$(date +%s.%N)
        # shellcheck disable=SC2086
        req $c
        t1=$(date +%s.%N)
        set -- "$1" "$2" "${3:-}"
        check_status "$1: ${c%% *}" 3
        check "$1: ${c%% *} says no pool runs in $2" grep -q "no pool is running in $2" "$tmp/err"
        [ -n "$3" ] && check "$1: ${c%% *} says '$3'" grep -q "$3" "$tmp/err"
        check_range "$1: ${c%% *} answers at once (s)" "$(echo "$t1 - $t0" | bc)" 0 2
    done
}

mkdir -m 0700 "$tmp/empty"
all_refused "a directory where no pool ran" "$tmp/empty" "no pool has run there"
check "nothing was left in it" test -z "$(ls -A "$tmp/empty")"
all_refused "a path that does not exist" "$tmp/nosuch" "no such directory"
check "the path was not created" test ! -e "$tmp/nosuch"

# The pool directory of a run that ended.
mb_run 2 j.cfg &
bg=$!
R=$tmp/jobs/j/pool
k=0
while [ $k -lt 200 ] && [ ! -f "$R/pool.info" ]; do sleep 0.1; k=$((k + 1)); done
req close "$R" j
check_status "close the run's open job" 0
wait $bg
st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
check_status "the run" 0
all_refused "the pool directory of a run that ended" "$R" "last seen"
check "no request was left in its requests/" test -z "$(ls -A "$R/requests")"

# The pool directory of a run killed with SIGKILL: its lock file stays.
job k <<CFG
open = true;
tasks = ( { id = "a"; command = "sleep 60"; } );
CFG
tor_start 2 k.cfg
R=$tmp/jobs/k/pool
k=0
while [ $k -lt 200 ] && [ ! -f "$R/pool.info" ]; do sleep 0.1; k=$((k + 1)); done
req priority "$R" k 1
check_status "the run answers before the kill" 0
m=$(tor_mpirun)
[ -n "$m" ] && kill -9 "$m"
wait "$tor_bg"
check "nothing of the killed run survives" tor_gone 20
check "its lock file stays" test -f "$R/pool.lock"
all_refused "the pool directory of a killed run" "$R" "last seen"

# A pool that ended by itself (--idle-timeout), when there is one.
if "$MPIBATCH" pool --help >/dev/null 2>&1; then
    acc_start 2 "$tmp/p" --idle-timeout 1
    acc_end 30
    check_status "a pool with --idle-timeout 1 and no job" 0
    all_refused "the directory of a pool that ended" "$tmp/p" "last seen"
else
    echo "# mpibatch pool does not exist yet: the ended pool's case is left out"
fi
mb_finish
