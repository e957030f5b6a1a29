#!/bin/sh
# live.sh: `mpibatch report` while a real run goes on (mpirun -n 3: the
# service and two workers of 2 slots).  Three quick tasks end (one fails
# twice), then two long ones hold the slots, one of them with 2 slots; while
# they run, the text, JSON and HTML reports show them running (the page in
# headless Chromium: blue bars on every lane they hold, up to now; a table of
# them; no script error), the ended attempts too, and --refresh puts a reload
# in the page.  A SIGUSR1 drains the run; afterwards nothing reads as
# running.  Then a run whose service is killed with SIGKILL (no run-end
# record) is read without a crash.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "$CHROMIUM is missing (apt-get install chromium)"
mb_init live
. "$top_srcdir/tests/html/chrome.sh"

# The runs go on in the background: on any exit, stop them (timeout passes
# the TERM on to mpirun) and the task processes they left, then clean up.
bg=""
live_cleanup () {
    for p in $bg; do kill -TERM "$p" 2>/dev/null; done
    for f in "$tmp"/pids/*; do
        [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
    done
    for p in $bg; do wait "$p" 2>/dev/null; done
    mb_cleanup
}
trap 'live_cleanup' EXIT
mkdir -p "$tmp/pids"

# gone PID: the process has ended (its /proc state, since PID 1 here may
# not reap orphans: a zombie counts as gone).
gone () {
    s=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    [ -z "$s" ] || [ "$s" = Z ] || [ "$s" = X ]
}

# wait_until SECONDS CMD...: poll CMD every 0.3 s until it succeeds (0) or
# SECONDS pass (1).
wait_until () {
    limit=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -lt "$limit" ] || return 1
        sleep 0.3
    done
}

# start NAME: mpibatch run NAME.cfg under mpirun -n 3 in the background;
# its timeout's pid in $run, status in $tmp/NAME.st when it ends.
start () {
    (cd "$tmp" && exec timeout -k 5 120 $MPIRUN -n 3 --oversubscribe "$MPIBATCH" run \
        --progress none "$1.cfg" >"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null) &
    run=$!
    bg="$bg $run"
}

# service_pid NAME: the pid of the run's service, from its lock ("pid@host").
service_pid () {
    sed -n 's/^\([0-9][0-9]*\)@.*/\1/p' "$tmp/jobs/$1/lock" 2>/dev/null
}

# state_is JOB PYEXPR: the status JSON of the run says so.
state_is () {
    [ "$(status_json "$1" "$2")" = True ]
}

# The long tasks leave their pid for the cleanup, then become the sleep.
job live <<EOF
slots_per_worker = 2;
tasks = (
  { id = "quick-1"; command = "true"; },
  { id = "quick-2"; command = "sleep 0.3"; slots = 2; },
  { id = "flaky"; command = "exit 3"; max_retries = 1; },
  { id = "long-wide"; command = "echo \$\$ >$tmp/pids/long-wide; exec sleep 25"; slots = 2;
    depends_on = [ "quick-1", "quick-2" ]; },
  { id = "long-1"; command = "echo \$\$ >$tmp/pids/long-1; exec sleep 25";
    depends_on = [ "quick-1", "quick-2" ]; }
);
EOF
start live
livepid=$run
check "the quick tasks end and the long ones start" wait_until 40 state_is live \
    's["live"] and s["counts"]["running"] == 2 and s["counts"]["succeeded"] == 2 and s["counts"]["failed"] == 1'
check "the long tasks have their pids written" wait_until 10 \
    test -s "$tmp/pids/long-wide" -a -s "$tmp/pids/long-1"
svc=$(service_pid live)
check "the lock names the service" test -n "$svc"
# Let the long tasks run a moment, so that the time so far counts.
sleep 1

## Text, while it runs.
mb report live.cfg
check_status "report (text) while running" 0
cp "$tmp/out" "$tmp/live.txt"
check "text: the status is running" grep -q '^job live: running$' "$tmp/live.txt"
check "text: running since, seconds so far" \
    grep -Eq '^  running since [0-9T:Z-]+, [0-9]+\.[0-9] s so far \(as of ' "$tmp/live.txt"
check "text: no 'finished -' while running" sh -c "! grep -q 'finished -' '$tmp/live.txt'"
check "text: the counts" grep -q 'tasks 5: 0 pending, 0 ready, 2 running, 2 succeeded, 1 failed' \
    "$tmp/live.txt"
check "text: 6 attempts (flaky's two ended ones among them)" grep -q '^  attempts 6$' "$tmp/live.txt"
check "text: flaky failed twice" grep -Eq '^  flaky +failed +2 +exit 3$' "$tmp/live.txt"
check "text: two running" grep -q '^running (2):$' "$tmp/live.txt"
check "text: long-wide runs with 2 slots" grep -Eq '^  long-wide +0 +[12] +2 +[0-9T:Z-]+ +[0-9.]+$' \
    "$tmp/live.txt"
check "text: long-1 runs with 1 slot" grep -Eq '^  long-1 +0 +[12] +1 +[0-9T:Z-]+ +[0-9.]+$' \
    "$tmp/live.txt"
# Every worker is busy with a long task: its utilisation so far is above 0
# (the two long tasks hold 3 of the 4 slots since about the start).
awk '/^workers:/ { w = 1; next } w && /^ +[0-9]+ / { print $NF } /^$/ { w = 0 }' \
    "$tmp/live.txt" | tr -d '%' >"$tmp/util"
check_eq "text: two worker rows" "$(wc -l <"$tmp/util")" 2
for u in $(cat "$tmp/util"); do
    check_range "text: a worker's utilisation so far (%)" "$u" 5 100
done

## JSON, while it runs.
mb report live.cfg --format json
check_status "report (json) while running" 0
cp "$tmp/out" "$tmp/live.json"
check_eq "json: status, counts, attempts, time so far, utilisation" "$("$PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["status"], r["counts"]["running"], r["attempts"], r["wall_seconds"] > 0,
      all(w["utilisation"] > 0.05 and w["tasks_run"] >= 1 for w in r["workers"]))' "$tmp/live.json")" \
    "running 2 6 True True"

## The page, while it runs.
mb report live.cfg --format html --refresh 5 -o "$tmp/live.html"
check_status "report --format html --refresh 5 while running" 0
check "the page reloads itself every 5 s" \
    grep -q '<meta http-equiv="refresh" content="5">' "$tmp/live.html"
mb report live.cfg --format html -o "$tmp/plain-live.html"
check "without --refresh, no reload" sh -c "! grep -q 'http-equiv=\"refresh\"' '$tmp/plain-live.html'"
for bad in 0 -3 2.5 five 86401 ''; do
    mb report live.cfg --format html --refresh "$bad"
    check_status "--refresh '$bad' is refused" 2
done
check "the refusal says why" grep -q 'refresh wants whole seconds' "$tmp/err"
mb report live.cfg --format text --refresh 5
check_status "--refresh with --format text is refused" 2

chrome "$tmp/console.log" --dump-dom "file://$tmp/live.html" >"$tmp/plain.html"
check_eq "chromium loads the live page" "$st" 0
if console_errors "$tmp/console.log" >"$tmp/out"; then
    fail "live page: no console errors"
else
    pass "live page: no console errors"
fi
instrument "$tmp/live.html" "$tmp/inst.html" live-probe.js
chrome "$tmp/inst.log" --dump-dom "file://$tmp/inst.html" >"$tmp/dom.html"
check_eq "chromium loads the instrumented live page" "$st" 0
check "the result line is in the DOM" grep -q 'id="mb-result"' "$tmp/dom.html"
check_eq "live page: D.LIVE" "$(result live)" 1
check_eq "live page: running attempts" "$(result running)" 2
check_eq "live page: lanes of running attempts (2 + 1)" "$(result runlanes)" 3
check_eq "live page: those lanes blue up to now" "$(result bluelanes)" 3
check_eq "live page: the 2-slot task fills two lanes" "$(result widelanes)" 2
check_eq "live page: rows of the running table" "$(result runrows)" 2
check_eq "live page: script errors" "$(result errors)" 0
check_eq "live page: resources fetched" "$(result resources)" 0
check "live page: the heading says running" grep -q '<h1>live: running</h1>' "$tmp/dom.html"
check "live page: the banner says it reloads" \
    grep -q 'id="live" class="live">Live: the run has not ended; 2 tasks running.*reloads itself every 5 s' \
    "$tmp/dom.html"
check "live page: running for so far" grep -q 'running for [0-9.]* s so far (as of ' "$tmp/dom.html"
check "live page: hover of long-wide" \
    sh -c "tr '\n' ' ' <'$tmp/dom.html' | grep -q 'data-tip-wide=\"long-wide attempt 0: running .*end (running), wall [^\"]* so far .*2 slots'"
check "live page: the running table names long-wide" \
    grep -q '<tr><td>long-wide</td><td>0</td><td>[12]</td><td>[^<]*</td><td>2</td>' "$tmp/dom.html"
check "live page: flaky's ended attempts are listed" \
    grep -q '<td>flaky</td><td>failed</td><td>2</td>' "$tmp/dom.html"

## Drain the run (SIGUSR1 to its service): the long tasks are interrupted,
## the run ends, and nothing reads as running any more.
kill -USR1 "$svc"
check "the drained run ends" wait_until 40 gone "$livepid"
wait "$livepid"
check_eq "the drained run exits 4 (interrupted)" "$?" 4
check "report.h5 is written" test -s "$tmp/jobs/live/report.h5"
mb report live.cfg
check_status "report (text) after the run" 0
cp "$tmp/out" "$tmp/after.txt"
check "text after: not running" sh -c "! grep -q 'running since\|^running (' '$tmp/after.txt'"
check "text after: 0 running" grep -q ', 0 running,' "$tmp/after.txt"
check "text after: finished, wall time" grep -q ', finished [0-9T:Z-]*, wall time ' "$tmp/after.txt"
mb report live.cfg --format html -o "$tmp/after.html"
check_status "report --format html after the run" 0
instrument "$tmp/after.html" "$tmp/inst.html" live-probe.js
chrome "$tmp/inst.log" --dump-dom "file://$tmp/inst.html" >"$tmp/dom.html"
check_eq "page after: D.LIVE" "$(result live)" 0
check_eq "page after: running attempts" "$(result running)" 0
check_eq "page after: blue pixels" "$(result blue)" 0
check_eq "page after: no running table" "$(result runrows)" 0
check_eq "page after: script errors" "$(result errors)" 0
check "page after: no live banner" sh -c "! grep -q 'id=\"live\"' '$tmp/dom.html'"

## A run whose service dies by SIGKILL: no run-end record; its report is
## read from the journal, says so, and shows what was running then.
job dead <<EOF
slots_per_worker = 2;
tasks = (
  { id = "done"; command = "true"; },
  { id = "long-dead"; command = "echo \$\$ >$tmp/pids/long-dead; exec sleep 25"; slots = 2;
    depends_on = [ "done" ]; }
);
EOF
start dead
deadpid=$run
check "the dead run's long task starts" wait_until 40 state_is dead \
    's["live"] and s["counts"]["running"] == 1 and s["counts"]["succeeded"] == 1'
svc=$(service_pid dead)
check "the lock names the dead run's service" test -n "$svc"
kill -KILL "$svc"
check "mpirun ends after its service is killed" wait_until 40 gone "$deadpid"
wait "$deadpid"
check "no report.h5: the service died before its end" test ! -e "$tmp/jobs/dead/report.h5"
mb report dead.cfg
check_status "report (text) of the killed run" 0
cp "$tmp/out" "$tmp/dead.txt"
check "text: interrupted" grep -q '^job dead: interrupted$' "$tmp/dead.txt"
check "text: no run-end record, where the journal ends" \
    grep -Eq '^  started [0-9T:Z-]+; no run-end record: the journal ends at [0-9T:Z-]+, [0-9.]+ s in' \
    "$tmp/dead.txt"
check "text: what was still running then" grep -q '^still running when the journal ends (1):$' \
    "$tmp/dead.txt"
mb report dead.cfg --format json
check_status "report (json) of the killed run" 0
mb report dead.cfg --format csv
check_status "report (csv) of the killed run" 0
mb report dead.cfg --format html -o "$tmp/dead.html"
check_status "report (html) of the killed run" 0
instrument "$tmp/dead.html" "$tmp/inst.html" live-probe.js
chrome "$tmp/inst.log" --dump-dom "file://$tmp/inst.html" >"$tmp/dom.html"
check_eq "chromium loads the killed run's page" "$st" 0
check_eq "killed run's page: D.LIVE" "$(result live)" 0
check_eq "killed run's page: script errors" "$(result errors)" 0
check "killed run's page: says the run ended without its end record" \
    grep -q 'id="dead">Started .*; the run ended without its end record' "$tmp/dom.html"
check "killed run's page: heading" grep -q '<h1>dead: interrupted</h1>' "$tmp/dom.html"

mb_finish
