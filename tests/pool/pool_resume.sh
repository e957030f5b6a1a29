#!/bin/sh
# pool_resume.sh: a pool killed with SIGKILL (mpirun and every rank) in the
# middle of a burst of submissions and additions, then `mpibatch pool
# POOLDIR --resume`: every job and every batch the pool acknowledged is
# there again (accepted.jnl, each job's journal), and each of their tasks
# ended succeeded with exactly one successful attempt; what ran to success
# before the kill is not run again.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init pool_resume
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
P=$tmp/pool
cd "$tmp" || die "cd"

# Job jN: 12 short tasks that count their successful attempts.
mkjob () {
    {
        echo "tasks = ("
        i=1
        while [ "$i" -le 12 ]; do
            [ "$i" -gt 1 ] && echo ","
            printf '{ id = "t-%d"; command = "sleep 0.0%d; echo \\"$MPIBATCH_JOB_ID/$MPIBATCH_TASK_ID\\" >>%s/ok"; }\n' \
                "$i" $((i % 9 + 1)) "$tmp"
            i=$((i + 1))
        done
        echo ");"
    } | job "$1"
}
job op <<CFG
open = true;
tasks = ( { id = "first"; command = "echo op/first >>$tmp/ok"; } );
CFG

start_pool () {
    env TORTURE_MARK="$tmp" timeout -k 5 120 $MPIRUN -n 3 --oversubscribe \
        "$M" pool "$P" "$@" >>"$tmp/pool.out" 2>>"$tmp/pool.err" </dev/null &
    pool_pid=$!
    for _ in $(seq 200); do
        "$M" status "$P" >/dev/null 2>&1 && break
        sleep 0.1
    done
}
start_pool
timeout 30 "$M" submit "$P" op.cfg >"$tmp/out" 2>"$tmp/err"
check_eq "submit op" "$?" 0

# The burst: jobs and batches of lines, from a background loop that notes
# what the pool acknowledged; the pool is killed in the middle of it.
: >"$tmp/acked"
(
    n=1
    while [ "$n" -le 40 ]; do
        mkjob "j$n"
        timeout 20 "$M" submit "$P" "j$n.cfg" >/dev/null 2>&1 && echo "job j$n" >>"$tmp/acked"
        k=1
        while [ "$k" -le 3 ]; do
            echo "echo op/b$n-$k >>$tmp/ok"
            k=$((k + 1))
        done >"$tmp/lines$n"
        timeout 20 "$M" add --lines --prefix "b$n-" "$P" op "$tmp/lines$n" >/dev/null 2>&1 &&
            echo "batch b$n" >>"$tmp/acked"
        n=$((n + 1))
    done
) &
burst=$!
for _ in $(seq 300); do [ "$(wc -l <"$tmp/acked")" -ge 8 ] && break; sleep 0.05; done
m=$(tor_mpirun)
check "mpirun runs" test -n "$m"
for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done
wait "$pool_pid"
wait "$burst"
check "nothing of the killed pool survives" tor_gone 20
na=$(wc -l <"$tmp/acked")
check_range "requests acknowledged before the kill" "$na" 2 200
cp "$tmp/ok" "$tmp/ok.before" 2>/dev/null || : >"$tmp/ok.before"

(cd "$tmp" && timeout 30 "$M" pool "$P" >"$tmp/out" 2>"$tmp/err" </dev/null)
check_eq "a pool with records and no --resume: refused (exit 2)" "$?" 2
check "... saying how to go on" grep -q "continues them (\`mpibatch pool $P --resume\`)" "$tmp/err"
if grep -q -e "--restart" "$tmp/err"; then fail "... naming --restart, which pool has not"; else pass "... and no option the pool has not"; fi

# A request renamed in while no pool runs (written by hand, as a client
# on another node would leave it): the resumed pool acts on it once.
body="echo op/late-1 >>$tmp/ok
"
{
    printf 'mpibatch-request 1\nop add\njob op\nfile %s/lines.txt\nlines 1\nprefix late-\nbody %d\n' "$tmp" \
        "$(printf '%s' "$body" | wc -c)"
    printf '%s\nend\n' "$body"
} >"$P/requests/.tmp.hand"
mv "$P/requests/.tmp.hand" "$P/requests/1-hand-1-1.req"

start_pool --resume
for _ in $(seq 100); do [ -s "$P/answers/1-hand-1-1.ans" ] && break; sleep 0.1; done
check "the request left while the pool was down is answered" \
    grep -q "status accepted" "$P/answers/1-hand-1-1.ans"
for _ in $(seq 100); do
    timeout 20 "$M" close "$P" op >"$tmp/out" 2>"$tmp/err"; st=$?
    [ "$st" -eq 3 ] || break
    sleep 0.2
done
check_status "close op in the resumed pool" 0
timeout 20 "$M" shutdown "$P" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "shutdown the resumed pool" 0
wait "$pool_pid"
check_eq "the resumed pool ends 0" "$?" 0
check "nothing of the resumed pool survives" tor_gone 20

# Every acknowledged job: each task succeeded, one successful attempt.
bad=""
while read -r kind name; do
    case $kind in
    job)
        got=$(report_py "$tmp/jobs/$name/report.h5" '
from collections import Counter
ok = Counter(int(t) for t, o in zip(f["attempts"]["task"], f["attempts"]["outcome"]) if s(o) == "succeeded")
st = [s(x) for x in f["tasks"]["state"]]
print(len(st), all(x == "succeeded" for x in st), all(ok[i] == 1 for i in range(len(st))))')
        [ "$got" = "12 True True" ] || bad="$bad $name($got)"
        for i in $(seq 12); do
            c=$(grep -c "^$name/t-$i\$" "$tmp/ok")
            [ "$c" -ge 1 ] || bad="$bad $name/t-$i:never"
        done
        ;;
    batch)
        for k in 1 2 3; do
            c=$(grep -c "^op/$name-$k\$" "$tmp/ok")
            [ "$c" -ge 1 ] || bad="$bad op/$name-$k:$c"
        done
        ;;
    esac
done <"$tmp/acked"
check_eq "every acknowledged job and batch ran to success once" "$bad" ""
got=$(report_py "$tmp/jobs/op/report.h5" '
from collections import Counter
ids = [s(x) for x in f["tasks"]["id"]]
ok = Counter(int(t) for t, o in zip(f["attempts"]["task"], f["attempts"]["outcome"]) if s(o) == "succeeded")
print(all(s(x) == "succeeded" for x in f["tasks"]["state"]), all(ok[i] == 1 for i in range(len(ids))), s(f.attrs["status"]))')
check_eq "op: every task succeeded once" "$got" "True True succeeded"
check_eq "the hand-made request's task ran once" "$(grep -c '^op/late-1$' "$tmp/ok")" 1
# What had succeeded before the kill (and reached the journal) did not
# run again: a task's line appears twice only if the kill hit it between
# its end and its record.
dups=$(sort "$tmp/ok" | uniq -d | wc -l)
check_range "tasks that ran to success twice (the kill's window)" "$dups" 0 3
# The pool's own errors: none from the sanitizers (a sanitizer build), and
# its stderr shown when something failed.
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] || sed -n '1,80s/^/    pool| /p' "$tmp/pool.err"
mb_finish
