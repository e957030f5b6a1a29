#!/bin/sh
# run_torn.sh: a run's pool directory under crashes and bad requests
# (mpirun -n 3).  (1) An `add` the run recorded in its journal but never
# answered (it died between the two; made here by stopping rank 0 while
# the request waits, keeping a copy of it, and after kill -9 removing the
# pool's own record of it): `run --resume` restores the tasks from the
# journal and answers the request again instead of adding them twice.
# (2) Torn and hostile request files are refused with a reason, one owned
# by another user is moved aside unread, and the run goes on serving.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init run_torn
trap 'for p in $(tor_marked); do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
cd "$tmp" || die "cd"
P=$tmp/jobs/t1/pool
job t1 <<CFG
open = true;
tasks = ( { id = "hold"; command = "while [ ! -f $tmp/go ]; do sleep 0.1; done"; } );
CFG
printf 'echo L1 >>%s/ran\necho L2 >>%s/ran\n' "$tmp" "$tmp" >lines.txt

tor_start 3 t1.cfg
for _ in $(seq 100); do [ -f "$P/pool.info" ] && break; sleep 0.1; done
r0=$(tor_wait_rank 0 10)
check "rank 0 found" test -n "$r0"
kill -STOP "$r0"
timeout 30 "$M" add --lines "$P" t1 lines.txt >"$tmp/add.out" 2>"$tmp/add.err" &
addpid=$!
for _ in $(seq 100); do ls "$P/requests/"*.req >/dev/null 2>&1 && break; sleep 0.1; done
req=$(ls "$P/requests/"*.req 2>/dev/null | head -n 1)
check "the request waits in requests/" test -n "$req"
cp "$req" "$tmp/saved.req"
kill -CONT "$r0"
wait $addpid
st=$?
check_status "add" 0
for _ in $(seq 100); do [ "$(wc -l <"$tmp/ran" 2>/dev/null)" = 2 ] && break; sleep 0.1; done
check_eq "the added lines ran" "$(sort "$tmp/ran" | tr '\n' ' ')" "L1 L2 "
sleep 1.2
kill -9 "$(tor_mpirun)"
wait "$tor_bg"
check "nothing of the killed run survives" tor_gone 20
# As if the run had died after its journal record and before the answer:
# the pool directory never recorded the request, which still waits.
rm -f "$P/accepted.jnl" "$P/answers/"*
cp "$tmp/saved.req" "$P/requests/$(basename "$req")"
touch "$tmp/go"
tor_start 3 --resume t1.cfg
for _ in $(seq 100); do [ -f "$P/answers/$(basename "$req" .req).ans" ] && break; sleep 0.1; done
check "the request is answered again" test -f "$P/answers/$(basename "$req" .req).ans"
check "accepted" grep -q "status accepted" "$P/answers/$(basename "$req" .req).ans"

# Torn and hostile requests: refused with a reason; the run goes on.
printf 'mpibatch-request 1\nop add\njob t1\nlines 1\nbody 400\necho half' >"$P/requests/.tmp.x"
mv "$P/requests/.tmp.x" "$P/requests/1-torn-1-1.req"
printf '\0\1\2garbage' >"$P/requests/.tmp.y"
mv "$P/requests/.tmp.y" "$P/requests/1-junk-1-2.req"
for _ in $(seq 50); do [ -f "$P/answers/1-junk-1-2.ans" ] && [ -f "$P/answers/1-torn-1-1.ans" ] && break; sleep 0.1; done
check "the torn request is refused" grep -q "status refused" "$P/answers/1-torn-1-1.ans"
check "the junk request is refused" grep -q "status refused" "$P/answers/1-junk-1-2.ans"
# Who may submit: a request owned by another user is refused unread.
if [ "$(id -u)" = 0 ]; then
    cp "$tmp/saved.req" "$P/requests/.tmp.z"
    chown 65534 "$P/requests/.tmp.z"
    mv "$P/requests/.tmp.z" "$P/requests/1-other-1-3.req"
    for _ in $(seq 50); do [ -e "$P/refused/1-other-1-3.req" ] && break; sleep 0.1; done
    check "another user's request is moved to refused/" test -e "$P/refused/1-other-1-3.req"
    check "and not answered" test ! -e "$P/answers/1-other-1-3.ans"
    check "the run logs its owner" grep -q "1-other-1-3.req" "$tmp/run.err"
fi
timeout 20 "$M" close "$P" t1 >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "close after the bad requests" 0
wait "$tor_bg"
st=$?
check_status "run --resume" 0
check "nothing of the resumed run survives" tor_gone 20
check_eq "each added line ran once" "$(sort "$tmp/ran" | tr '\n' ' ')" "L1 L2 "
check_eq "status: 3 tasks, all succeeded" \
    "$(status_json t1 's["counts"]["total"], s["counts"]["succeeded"]')" "(3, 3)"
mb_finish
