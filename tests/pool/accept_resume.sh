#!/bin/sh
# accept_resume.sh: issue 16 "Checked by": kill -9 of mpirun during a burst
# of submissions and adds, then `mpibatch pool POOLDIR --resume`.
# A pool under `mpirun -n 3` runs an open job "feed"; a burst sends, one
# after the other, submit of job b<k> (4 tasks) and add of 3 tasks to feed,
# for k = 1, 2, ...; after k = 5 the test kills mpirun with SIGKILL while the
# burst goes on until requests find no pool (exit 3: up to 40 rounds).  Every
# request that was answered (exit 0) is "acknowledged".  The pool is
# started again with --resume, feed is closed, the pool shut down.  Then:
# every acknowledged job and added task is there and succeeded exactly
# once, counted from the tasks' side effects (tests/torture/check_counts.py:
# one success per task, nothing ran again after its success was recorded,
# outputs whole and from the recorded attempt); requests that were not
# acknowledged may have been taken or not, but whatever was taken obeys the
# same rules; nothing of either pool survives.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
. "$top_srcdir/tests/pool/accept-lib.sh"
acc_need_pool
mb_init accept_resume
trap 'acc_cleanup; mb_cleanup' EXIT
cd "$tmp" || die "cd"
P=$tmp/pool
NJOBS=40

# tasks PREFIX N: the tasks of torture-lib.sh's tor_job (each attempt
# writes "ID ATTEMPT" to mine.txt, published to results/ID.txt on
# success, and appends "done ID ATTEMPT" to STORAGE/counter at its end),
# ids PREFIX1..PREFIXN, as a job-file `tasks` list.
tasks () {
    echo "tasks = ("
    i=1
    while [ "$i" -le "$2" ]; do
        [ "$i" -gt 1 ] && echo ","
        printf '{ id = "%s%d"; command = "echo \\"$MPIBATCH_TASK_ID $MPIBATCH_TASK_ATTEMPT\\" >>mine.txt; sleep 0.%d; echo \\"done $MPIBATCH_TASK_ID $MPIBATCH_TASK_ATTEMPT\\" >>\\"$MPIBATCH_STORAGE_DIR/counter\\"";\n  outputs = ( { pattern = "mine.txt"; destination = "results/%s%d.txt"; when = "success"; } ); }\n' \
            "$1" "$i" $((i * 7 % 9 + 1)) "$1" "$i"
        i=$((i + 1))
    done
    echo ");"
}
# cjob NAME N [open]: a job of N such tasks with its own storage (its own
# counter and results/) and its state in $tmp/jobs/NAME.
cjob () {
    mkdir -p "$tmp/st/$1"
    {
        echo "id = \"$1\";"
        echo "storage = \"$tmp/st/$1\";"
        echo "state = \"$tmp/jobs/$1\";"
        echo "node_root = \"$tmp/nodes\";"
        [ "${3:-}" = open ] && echo "open = true;"
        tasks t- "$2"
    } >"$tmp/$1.cfg"
}

cjob feed 2 open
k=1
while [ $k -le $NJOBS ]; do
    cjob "b$k" 4
    tasks "f$k-" 3 >"$tmp/frag$k.cfg"
    k=$((k + 1))
done

acc_start 3 "$P"
check "the pool starts" acc_up "$P"
req submit "$P" feed.cfg
check_status "submit feed" 0

# The burst, in the background: the answered requests go to acked.
(
    k=1
    while [ $k -le $NJOBS ]; do
        timeout -k 5 30 "$MPIBATCH" submit "$P" "b$k.cfg" >"$tmp/s$k.out" 2>"$tmp/s$k.err" </dev/null
        echo "submit b$k $?" >>"$tmp/burst"
        [ "$(cat "$tmp/s$k.out")" = "b$k" ] && echo "b$k" >>"$tmp/acked"
        timeout -k 5 30 "$MPIBATCH" add "$P" feed "frag$k.cfg" >"$tmp/a$k.out" 2>"$tmp/a$k.err" </dev/null
        rc=$?
        echo "add f$k $rc" >>"$tmp/burst"
        [ $rc -eq 0 ] && echo "f$k" >>"$tmp/acked"
        [ $k -eq 5 ] && touch "$tmp/killnow"
        # Go on until the pool is really gone (its rank 0 may serve a
        # little while after mpirun died): three requests found no pool.
        [ "$(grep -c ' 3$' "$tmp/burst")" -ge 3 ] && break
        k=$((k + 1))
    done
) &
burst=$!
k=0
while [ $k -lt 600 ] && [ ! -f "$tmp/killnow" ]; do sleep 0.05; k=$((k + 1)); done
m=$(tor_mpirun)
check "mpirun runs when the burst is half done" test -n "$m" -a -f "$tmp/killnow"
[ -n "$m" ] && kill -9 "$m"
wait "$pool_bg"
wait "$burst"
check "nothing of the killed pool survives" tor_gone 20
cat "$tmp/burst"
check "the first 5 jobs were acknowledged" \
    test "$(grep -c '^b[1-5]$' "$tmp/acked")" -eq 5
check "the first 5 adds were acknowledged" \
    test "$(grep -c '^f[1-5]$' "$tmp/acked")" -eq 5
check "every request either was answered or found no pool (0 or 3)" \
    sh -c "! grep -v -e ' 0\$' -e ' 3\$' '$tmp/burst'"
check "the burst outlived the pool (requests that found none)" \
    test "$(grep -c ' 3$' "$tmp/burst")" -ge 1
before=$(cat "$tmp"/st/*/counter 2>/dev/null | wc -l)
echo "# $(wc -l <"$tmp/acked") requests acknowledged; $before tasks ended before the kill"

# The pool again, resumed.
acc_start 3 "$P" --resume
check "the pool resumes" acc_up "$P"
k=0
while [ $k -lt 100 ]; do
    req close "$P" feed
    [ "$st" -eq 3 ] || break
    sleep 0.2
    k=$((k + 1))
done
check_status "close feed after the resume" 0
# Wait for every job the pool knows to end.
k=0
while [ $k -lt 300 ]; do
    left=$(pool_json "$P" "sum(1 for j in s['jobs'] if j['state'] == 'active')")
    [ "$left" = 0 ] && break
    sleep 0.2
    k=$((k + 1))
done
check_eq "every job of the resumed pool ended" "$left" 0
req shutdown "$P"
check_status "shutdown" 0
acc_end 30
check_status "the resumed pool after shutdown" 0
check "nothing of the resumed pool survives" tor_gone 20

known=$(pool_json "$P" "' '.join(sorted(jobs))")
for j in $(grep '^b' "$tmp/acked"); do
    case " $known " in
        *" $j "*) pass "acknowledged job $j is in the pool" ;;
        *) fail "acknowledged job $j is lost" ;;
    esac
done
# Every job the pool has, acknowledged or not: succeeded, and each task
# succeeded exactly once with its outputs whole.
for j in $known; do
    check_eq "job $j succeeded" "$(job_state "$P" "$j")" succeeded
    n=$(report_py "$tmp/jobs/$j/report.h5" 'print(len(f["tasks"]["id"]))')
    case $j in
        feed) ;;
        *) check_eq "job $j has its 4 tasks" "$n" 4 ;;
    esac
    "$PYTHON" "$TORTURE_DIR/check_counts.py" "$tmp/jobs/$j/report.h5" "$tmp/st/$j" "$n" \
        >"$tmp/counts.out" 2>&1
    if grep -q '^PASS' "$tmp/counts.out" && ! grep -q '^FAIL' "$tmp/counts.out"; then
        pass "job $j: every task succeeded exactly once, outputs whole"
    else
        sed 's/^/    /' "$tmp/counts.out"
        fail "job $j: every task succeeded exactly once, outputs whole"
    fi
done
# feed: the tasks of every acknowledged add are in it.
ids=$(report_py "$tmp/jobs/feed/report.h5" 'print(" ".join(sorted(s(x) for x in f["tasks"]["id"])))')
for a in $(grep '^f' "$tmp/acked"); do
    for i in 1 2 3; do
        case " $ids " in
            *" $a-$i "*) ;;
            *) fail "acknowledged task $a-$i of feed is lost"; continue 2 ;;
        esac
    done
    pass "the tasks of acknowledged add $a are in feed"
done
mb_finish
