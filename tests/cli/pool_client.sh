#!/bin/sh
# pool_client.sh: the real mpibatch submit/add/close/cancel/priority/shutdown
# against tests/unit/pool_serve, a test pool running the real server side of
# io/pooldir: answers, refusals with reasons (exit 2), no pool (exit 3 at
# once), add - streaming 100,000 lines, a hostile request among good ones.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
: "${top_builddir:=.}"
SERVE="$(cd "$top_builddir" && pwd)/tests/unit/pool_serve"
[ -x "$SERVE" ] || die "$SERVE not built"
mb_init pool_client
M=$MPIBATCH
P=$tmp/pool
spid=
stop_serve () {
    [ -n "$spid" ] || return 0
    kill "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
    spid=
}
trap 'stop_serve; mb_cleanup' EXIT
# start_serve [ARGS]: a test pool on $P, its log in $tmp/serve.out/err.
start_serve () {
    "$SERVE" "$P" "$@" >>"$tmp/serve.out" 2>>"$tmp/serve.err" &
    spid=$!
    # --resume replays 100,000 added lines first: seconds under ASan on a
    # loaded machine (5 s was too short there), so up to 30 s.
    for _ in $(seq 300); do
        grep -q '^ready' "$tmp/serve.out" 2>/dev/null && return 0
        sleep 0.1
    done
    die "pool_serve did not start: $(cat "$tmp/serve.err")"
}
# req CMD...: run a client command with a 20 s limit, output in $tmp/out, err.
req () {
    timeout 20 "$M" "$@" >"$tmp/out" 2>"$tmp/err"
    st=$?
}
now () { date +%s.%N; }

cd "$tmp" || die "cd"
cat >job.cfg <<'CFG'
id = "j1";
open = true;
@include "more.inc"
tasks = ( { id = "a"; command = "true"; } );
command_file = "cmds.txt";
CFG
printf '# a sweep from an include\nsweeps = ( { id = "s-${x}"; command = "echo ${x}"; parameters = { x = [1, 2]; }; } );\n' >more.inc
printf 'echo one\necho two\n' >cmds.txt

# No pool: exit 3 at once, nothing left behind.
t0=$(now)
req submit "$P" job.cfg
t1=$(now)
check_status "submit with no pool directory" 3
check "says no pool runs" grep -q "no pool is running in $P" "$tmp/err"
check_range "answered at once (s)" "$(echo "$t1 - $t0" | bc)" 0 1

start_serve
check "the pool directory is 0700" test "$(stat -c %a "$P")" = 700
req submit "$P" job.cfg
check_status "submit" 0
check_eq "submit prints the job id" "$(cat "$tmp/out")" "j1"
check "the pool loaded 5 tasks (include and command_file inlined)" grep -q '^accepted 1 submit j1 5$' "$tmp/serve.out"
# The job's files change after the submit: the pool holds what was sent.
printf 'echo three\n' >>cmds.txt
req submit "$P" job.cfg
check_status "the same job again is refused" 2
check "with the reason" grep -q "job 'j1' is already in the pool" "$tmp/err"

# Local validation: nothing is sent, FILE:LINE errors.
printf 'id = "bad";\ntasks = ( { id = "x"; comand = "true"; } );\n' >bad.cfg
n0=$(grep -c . "$tmp/serve.out")
req submit "$P" bad.cfg
check_status "an invalid job file" 2
check "FILE:LINE error" grep -q "bad.cfg:2: unknown key 'comand'" "$tmp/err"
sleep 1.2
check_eq "nothing was sent" "$(grep -c . "$tmp/serve.out")" "$n0"

# add: fragment, dependencies on the job's tasks, refusals.
printf 'tasks = ( { id = "c"; command = "x"; depends_on = [ "a", "line-*" ]; } );\n' >frag.cfg
req add "$P" j1 frag.cfg
check_status "add a fragment" 0
check_eq "add prints the count" "$(cat "$tmp/out")" "1"
req add "$P" j1 frag.cfg
check_status "add a task id already in the job" 2
check "reason: already in the job" grep -q "task 'c' is already in job 'j1'" "$tmp/err"
printf 'tasks = ( { id = "d"; command = "x"; depends_on = [ "nothing" ]; } );\n' >frag2.cfg
req add "$P" j1 frag2.cfg
check_status "add with a dependency on nothing" 2
check "reason names FILE:LINE" grep -q "frag2.cfg:1: task 'd' depends on 'nothing'" "$tmp/err"
req add "$P" nojob frag.cfg
check_status "add to an unknown job" 2
printf 'id = "k";\ntasks = ();\n' >notfrag.cfg
req add "$P" j1 notfrag.cfg
check_status "a fragment with a job key" 2
check "refused here with FILE:LINE" grep -q "notfrag.cfg:1: unknown key 'id'" "$tmp/err"

# add - : 100,000 lines streamed in batches.
seq 1 100000 | sed 's/^/echo /' >lines.txt
t0=$(now)
timeout 60 "$M" add --lines "$P" j1 - <lines.txt >"$tmp/out" 2>"$tmp/err"
st=$?
t1=$(now)
check_status "add --lines -" 0
check_eq "100000 tasks added" "$(cat "$tmp/out")" "100000"
rate=$(echo "100000 / ($t1 - $t0)" | bc)
echo "# add -: 100000 lines in $(echo "$t1 - $t0" | bc) s: $rate lines/s"
check_range "lines/s streamed through add -" "$rate" 10000 100000000
check_eq "sent in batches of 10000" "$(grep -c '^accepted [0-9]* add j1 10000$' "$tmp/serve.out")" 10
# Slow input: batches go out as lines arrive (200 ms), not at the end.
(echo "echo slow1"; sleep 1.5; echo "echo slow2") | timeout 20 "$M" add --lines --prefix slow- "$P" j1 - >"$tmp/out" 2>"$tmp/err"
st=$?
check_status "add - with slow input" 0
check "two batches for two slow lines" test "$(grep -c '^accepted [0-9]* add j1 1$' "$tmp/serve.out")" -ge 2

# close, cancel, priority, shutdown.
req priority "$P" j1 7
check_status "priority" 0
req priority "$P" j1 5000
check_status "priority out of range" 2
req cancel "$P" j1 'add*' c
check_status "cancel tasks" 0
req close "$P" j1
check_status "close" 0
printf 'tasks = ( { id = "late"; command = "x"; } );\n' >late.cfg
req add "$P" j1 late.cfg
check_status "add to a closed job" 2
check "reason: closed" grep -q "closed" "$tmp/err"

# A hostile request among good ones: garbage, a torn one, a symlink, a
# huge one.  The pool refuses each and goes on answering.
printf 'garbage\n' >"$P/requests/0000000001.000000000-evil-1-0.req"
printf 'mpibatch-request 1\nop submit\nbody 100\nshort' >"$P/requests/0000000001.000000001-evil-1-1.req"
ln -s /etc/passwd "$P/requests/0000000001.000000002-evil-1-2.req"
req close "$P" j1
check_status "a good request next to hostile ones" 0
check "garbage refused" grep -q "not an mpibatch request" "$tmp/serve.err"
check "torn request refused" grep -q "truncated request" "$tmp/serve.err"
check "symlink refused unread" grep -q "refused unread: a symbolic link" "$tmp/serve.err"
check "the symlink was moved aside" test -L "$P/refused/0000000001.000000002-evil-1-2.req"

# A second pool on the same directory is refused.
timeout 10 "$SERVE" "$P" >"$tmp/out" 2>"$tmp/err"
st=$?
check_status "a second pool" 2
check "says a pool runs there" grep -q "already running" "$tmp/err"

# --timeout: a pool that does not answer (stopped with SIGSTOP).
kill -STOP "$spid"
t0=$(now)
req close --timeout 1.5 "$P" j1
t1=$(now)
kill -CONT "$spid"
check_status "no answer within --timeout" 3
check_range "gave up after the timeout (s)" "$(echo "$t1 - $t0" | bc)" 1.4 4
check "the request was withdrawn" test -z "$(ls "$P/requests")"

req shutdown --drain "$P"
check_status "shutdown --drain" 0
wait "$spid"
spid=
check "the pool stopped on shutdown" grep -q '^stopped' "$tmp/serve.out"
t0=$(now)
req close "$P" j1
t1=$(now)
check_status "after the pool stopped" 3
check "says when it was last seen" grep -q "last seen" "$tmp/err"
check_range "at once (s)" "$(echo "$t1 - $t0" | bc)" 0 1

# Resume: the accepted requests come back in order.
mv "$tmp/serve.out" "$tmp/serve1.out"
start_serve --resume
stop_serve
check "replays the submit first" grep -q '^replayed 1 submit j1 5$' "$tmp/serve.out"
check "and every add" test "$(grep -c '^replayed [0-9]* add j1' "$tmp/serve.out")" -ge 12
check "nothing failed to replay" test "$(grep -c '^replay-failed' "$tmp/serve.out")" -eq 0
# Without --resume, a directory with accepted requests is refused.
timeout 10 "$SERVE" "$P" >"$tmp/out" 2>"$tmp/err"
st=$?
check_status "a new pool over old records" 2
check "names --resume" grep -q -- "--resume" "$tmp/err"
mb_finish
