#!/bin/sh
# status.sh: mpibatch status and mpibatch logs on a journal written by
# tests/unit/mkjournal (finished, live and crashed runs), plus their errors.
set -u
: "${MPIBATCH:?}" "${top_builddir:?}"
MKJOURNAL="$top_builddir/tests/unit/mkjournal"
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/status-test.XXXXXX) || exit 99
holder=
cleanup () {
    if [ -n "$holder" ]; then
        touch "$tmp/live/stop" 2>/dev/null
        wait "$holder" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
bad () { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
check () {  # check DESCRIPTION COMMAND...: the command must succeed
    d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
has () { grep -q -e "$2" "$1" || { echo "# '$2' not in $1:"; sed 's/^/#   /' "$1"; return 1; }; }

# A crashed run: the journal says a-3 is running but nobody holds the lock.
st="$tmp/dead"
"$MKJOURNAL" "$st" || exit 99
"$MPIBATCH" status "$st" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "status exits 0" test $rc -eq 0
check "header names the job, not live" has "$tmp/out" "^job demo: stopped without finishing"
check "counts" has "$tmp/out" "10 total, 6 waiting (1 to retry), 0 running, 1 succeeded, 1 failed, 1 skipped, 1 interrupted"
check "failed task with its reason" has "$tmp/out" "a-1 *exit 3 \"again\""
check "elapsed shown" has "$tmp/out" "elapsed 1m0[0-9]s"

"$MPIBATCH" status "$st" --tasks failed >"$tmp/out"; rc=$?
check "--tasks failed" test $rc -eq 0 -a "$(cat "$tmp/out")" = "a-1"
"$MPIBATCH" status "$st" --tasks interrupted >"$tmp/out"
check "--tasks interrupted" test "$(cat "$tmp/out")" = "a-3"
"$MPIBATCH" status "$st" --tasks skipped >"$tmp/out"
check "--tasks skipped" test "$(cat "$tmp/out")" = "a-2"
"$MPIBATCH" status "$st" --tasks running >"$tmp/out"
check "--tasks running: none in a dead run" test ! -s "$tmp/out"
"$MPIBATCH" status "$st" --tasks waiting >"$tmp/out" 2>"$tmp/err"; rc=$?
check "--tasks waiting needs a job file" test $rc -eq 2
check "... and says so" has "$tmp/err" "needs the JOBFILE"
"$MPIBATCH" status "$st" --tasks bogus >/dev/null 2>&1
check "--tasks with an unknown state: exit 2" test $? -eq 2

"$MPIBATCH" status "$st" --json >"$tmp/json"; rc=$?
check "--json exits 0" test $rc -eq 0
check "--json parses and says what the text says" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counts"]
assert d["job_id"] == "demo" and d["live"] is False and d["status"] == "interrupted", d
assert (c["total"], c["waiting"], c["retrying"], c["running"], c["succeeded"], c["failed"],
        c["skipped"], c["interrupted"]) == (10, 6, 1, 0, 1, 1, 1, 1), c
assert d["failed"] == [{"id": "a-1", "attempts": 2, "requeues": 0, "reason": "exit 3 \"again\"", "rule": None}], d["failed"]
' "$tmp/json"

# A finished run.
"$MKJOURNAL" "$tmp/done" end || exit 99
"$MPIBATCH" status "$tmp/done" >"$tmp/out"
check "finished run: its status" has "$tmp/out" "^job demo: finished, failed"
"$MPIBATCH" status "$tmp/done" --watch 1 >"$tmp/out"; rc=$?
check "--watch stops at once on a finished run" test $rc -eq 0 -a "$(grep -c '^job demo' "$tmp/out")" -eq 1

# A live run: the lock is held; status still reads the journal.
"$MKJOURNAL" "$tmp/live" hold &
holder=$!
i=0
while [ ! -e "$tmp/live/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
"$MPIBATCH" status "$tmp/live" >"$tmp/out"; rc=$?
check "live run: exit 0" test $rc -eq 0
check "live run: running with the lock holder" has "$tmp/out" "^job demo: running ([0-9]*@"
check "live run: a-3 running on worker 2" has "$tmp/out" "a-3 *attempt 1  worker 2  node n1"
check "live run: counts" has "$tmp/out" "1 running, 1 succeeded, 1 failed, 1 skipped$"
"$MPIBATCH" status "$tmp/live" --json | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["live"] is True and d["status"] == "running", d
assert [t["id"] for t in d["running"]] == ["a-3"], d["running"]
' && ok "live run: --json" || bad "live run: --json"
# --watch redraws until the run ends.
"$MPIBATCH" status "$tmp/live" --watch 0.2 >"$tmp/watch" &
watcher=$!
sleep 1
touch "$tmp/live/stop"
wait "$holder"
holder=
wait "$watcher"; rc=$?
check "--watch ends when the run does" test $rc -eq 0
check "--watch drew more than once" test "$(grep -c '^job demo' "$tmp/watch")" -ge 3
check "--watch's last frame is not live" test "$(grep '^job demo' "$tmp/watch" | tail -1 | grep -c 'stopped without')" -eq 1

# Logs: the last attempt by default, --attempt, --stderr, case of the id.
mkdir -p "$st/logs/a-1" "$st/logs/a-0"
echo "first try" >"$st/logs/a-1/1.stdout"
echo "second try" >"$st/logs/a-1/2.stdout"
echo "boom" >"$st/logs/a-1/2.stderr"
echo "fine" >"$st/logs/a-0/1.stdout"
check "logs: last attempt" test "$("$MPIBATCH" logs "$st" a-1)" = "second try"
check "logs: --attempt 1" test "$("$MPIBATCH" logs "$st" a-1 --attempt 1)" = "first try"
check "logs: --stderr" test "$("$MPIBATCH" logs "$st" a-1 --stderr)" = "boom"
check "logs: id ignoring case" test "$("$MPIBATCH" logs "$st" A-0)" = "fine"
"$MPIBATCH" logs "$st" a-1 --attempt 7 >/dev/null 2>"$tmp/err"; rc=$?
check "logs: missing attempt exits 2" test $rc -eq 2
check "... and says which" has "$tmp/err" "no stdout log of task 'a-1' attempt 7"
"$MPIBATCH" logs "$st" nope >/dev/null 2>"$tmp/err"; rc=$?
check "logs: unknown task exits 2" test $rc -eq 2
check "... and says so" has "$tmp/err" "unknown task 'nope'"
"$MPIBATCH" logs "$st" ../a-1 >/dev/null 2>&1
check "logs: a path is not a task id" test $? -eq 2
# Without a journal, the highest attempt on disk is the last.
mkdir -p "$tmp/nojournal/logs/t"
echo one >"$tmp/nojournal/logs/t/1.stdout"
echo ten >"$tmp/nojournal/logs/t/10.stdout"
check "logs: highest attempt on disk" test "$("$MPIBATCH" logs "$tmp/nojournal" t)" = "ten"
# logs = "report": nothing on disk but report.h5.
mkdir -p "$tmp/inreport" && : >"$tmp/inreport/report.h5"
"$MPIBATCH" logs "$tmp/inreport" t >/dev/null 2>"$tmp/err"; rc=$?
check "logs in report.h5: exit 2 with a pointer" test $rc -eq 2
check "... to mpibatch report" has "$tmp/err" "use mpibatch report"

# Errors: no journal, a missing path, a bad job file.
mkdir "$tmp/empty"
"$MPIBATCH" status "$tmp/empty" >/dev/null 2>"$tmp/err"; rc=$?
check "no journal: exit 2" test $rc -eq 2
check "... no run recorded" has "$tmp/err" "no run recorded in $tmp/empty"
"$MPIBATCH" status "$tmp/missing" >/dev/null 2>&1
check "missing path: exit 2" test $? -eq 2
printf 'id = "x";\ntasks = ( { id = "t"; command = 3; } );\n' >"$tmp/bad.cfg"
"$MPIBATCH" status "$tmp/bad.cfg" >/dev/null 2>"$tmp/err"; rc=$?
check "bad job file: exit 2" test $rc -eq 2
check "... FILE:LINE" has "$tmp/err" "bad.cfg:2:"

# A job file: its state directory, and --tasks waiting lists what never ran
# (and a-4, waiting for its retry).
cat >"$tmp/job.cfg" <<CFG
id = "demo";
state = "$st";
sweeps = ( { id = "a-\${i}"; command = "true"; parameters = { i = { from = 0; to = 9; }; }; } );
CFG
"$MPIBATCH" status "$tmp/job.cfg" --tasks waiting >"$tmp/out" 2>"$tmp/err"; rc=$?
check "job file: --tasks waiting" test $rc -eq 0 -a "$(tr '\n' ' ' <"$tmp/out")" = "a-4 a-5 a-6 a-7 a-8 a-9 "
"$MPIBATCH" status "$tmp/job.cfg" --state "$tmp/done" >"$tmp/out" 2>"$tmp/err"
check "job file with --state" has "$tmp/out" "finished, failed"

echo "1..$n"
[ $fails -eq 0 ]
