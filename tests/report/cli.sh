#!/bin/sh
# cli.sh: mpibatch report on known reports: text, json, csv, -o, errors.
set -e
tmp=$(mktemp -d /tmp/report-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mk="$top_builddir/tests/report/mkreport"
py=/usr/bin/python3
fail () { echo "FAIL: $*"; exit 1; }

mkdir "$tmp/run" "$tmp/empty" "$tmp/none"
"$mk" "$tmp/run"
"$mk" "$tmp/empty" --empty

# --help on stdout, exit 0.
"$MPIBATCH" report --help > "$tmp/out" 2> "$tmp/err" || fail "--help exit $?"
grep -q 'Usage: mpibatch report' "$tmp/out" || fail "--help not on stdout"
test ! -s "$tmp/err" || fail "--help wrote on stderr"

# Text: totals, the failures, workers with utilisation, slowest first.
"$MPIBATCH" report "$tmp/run" > "$tmp/out" || fail "text exit $?"
grep -q '^job demo: failed' "$tmp/out" || fail "text: status line"
grep -q 'wall time 60.0 s' "$tmp/out" || fail "text: wall time"
grep -q 'tasks 4: 0 pending, 0 ready, 0 running, 2 succeeded, 1 failed, 1 skipped' "$tmp/out" \
    || fail "text: counts"
grep -q 'attempts 4' "$tmp/out" || fail "text: attempts"
grep -q '^failures (2):' "$tmp/out" || fail "text: failures header"
grep -Eq '^  sim-1 +failed +2  exit 3, "bad input"$' "$tmp/out" || fail "text: failure row"
grep -Eq '^  post +skipped +0  dependency sim-1 failed$' "$tmp/out" || fail "text: skipped row"
# node-b: 39 busy seconds over 2 slots x 60 s = 32.5 %
grep -Eq '^ +2  node-b +2 +2 +39.0 +32.5%$' "$tmp/out" || fail "text: utilisation"
sed -n '/^slowest tasks:/,$p' "$tmp/out" | sed -n '3p' | grep -q '^  sim-1 ' \
    || fail "text: slowest first"
sed -n '/^slowest tasks:/,$p' "$tmp/out" | grep -q post && fail "text: a task that never ran is among the slowest"
# Failures grouped by reason, and the sweep's states per parameter value.
grep -q '^failures by reason (2):' "$tmp/out" || fail "text: failures by reason"
grep -Eq '^ +1  sim-1  exit 3, "bad input"$' "$tmp/out" || fail "text: reason row"
grep -q '^sweep sim (2 tasks):' "$tmp/out" || fail "text: sweep summary"
grep -Eq '^  300 +0 +1 +0 +0 +40.000$' "$tmp/out" || fail "text: temperature 300 row"
grep -Eq '^  350.5 +1 +0 +0 +0 +20.000$' "$tmp/out" || fail "text: temperature 350.5 row"
grep -Eq '^  coarse +1 +0 +0 +0 +20.000$' "$tmp/out" || fail "text: mesh coarse row"

# JSON: valid, with the summary, workers, failures, slowest.
"$MPIBATCH" report "$tmp/run" --format json > "$tmp/json" || fail "json exit $?"
$py -m json.tool "$tmp/json" > /dev/null || fail "json does not parse"
$py - "$tmp/json" <<'PYEOF' || fail "json content"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["job_id"] == "demo" and j["status"] == "failed", j
assert j["tasks"] == 4 and j["counts"]["failed"] == 1 and j["attempts"] == 4
assert j["wall_seconds"] == 60.0
assert [w["rank"] for w in j["workers"]] == [1, 2]
assert abs(j["workers"][1]["utilisation"] - 0.325) < 1e-9
assert [f["id"] for f in j["failures"]] == ["sim-1", "post"]
assert j["failures"][0]["reason"] == 'exit 3, "bad input"'
assert [s["id"] for s in j["slowest"]] == ["sim-1", "sim-2", "prep"]
PYEOF

# CSV: the /tasks table with quoting, and -o.
"$MPIBATCH" report "$tmp/run" --format=csv -o "$tmp/tasks.csv" > "$tmp/out" || fail "csv exit $?"
test ! -s "$tmp/out" || fail "-o still wrote on stdout"
$py - "$tmp/tasks.csv" <<'PYEOF' || fail "csv content"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][:3] == ["id", "state", "attempts"] and rows[0][-1] == "reason", rows[0]
assert len(rows[0]) == 20
assert len(rows) == 5, rows
assert rows[2][0] == "sim-1" and rows[2][-1] == 'exit 3, "bad input"', rows[2]
assert rows[2][9] == "2,3"
assert all(len(r) == 20 for r in rows)
PYEOF

# HTML: one page, nothing fetched from the network, the data and canvas.
"$MPIBATCH" report "$tmp/run" --format html -o "$tmp/r.html" || fail "html exit $?"
grep -q '<canvas id="tl" tabindex="0">' "$tmp/r.html" || fail "html: no canvas"
grep -q '^D.IDS=\["prep","sim-1","sim-2","post"\];$' "$tmp/r.html" || fail "html: task ids"
grep -q '^D.A.s=\[1,13,21,12.5\];$' "$tmp/r.html" || fail "html: attempt starts"
grep -q '^D.A.k=\[1,2,2,1\];$' "$tmp/r.html" || fail "html: attempt slots"
grep -q '<table id="reasons">' "$tmp/r.html" || fail "html: failures by reason"
grep -q '<a href="#sw-0" class="rl" data-r="0" data-s="0">sim</a>' "$tmp/r.html" \
    || fail "html: link from a reason to its sweep"
grep -q 'http-equiv="refresh"' "$tmp/r.html" && fail "html: refresh without --refresh"
"$MPIBATCH" report "$tmp/run" --format html --refresh 30 -o "$tmp/r30.html" || fail "--refresh exit $?"
grep -q '<meta http-equiv="refresh" content="30">' "$tmp/r30.html" || fail "html: --refresh 30"
grep -q 'exit 3, &quot;bad input&quot;' "$tmp/r.html" || fail "html: escaped reason"
grep -Eqi '(src|href)="?(https?:)?//' "$tmp/r.html" && fail "html: fetches from the network"
$py - "$tmp/r.html" <<'PYEOF' || fail "html does not parse"
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br"): self.stack.append(tag)
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()
p = P(); p.feed(open(sys.argv[1]).read()); p.close()
assert p.stack == [], p.stack
PYEOF
"$MPIBATCH" report "$tmp/empty" --format html > /dev/null || fail "empty html"

# An interrupted run with nothing in it still reports, with no empty table.
"$MPIBATCH" report "$tmp/empty" > "$tmp/out" || fail "empty exit $?"
grep -q '^job demo: interrupted' "$tmp/out" || fail "empty: status"
grep -Eq '^(failures|workers|slowest|sweep)' "$tmp/out" && fail "empty: an empty table"
"$MPIBATCH" report "$tmp/empty" --format html > "$tmp/e.html" || fail "empty html"
grep -Eq 'id="(failures|reasons|workers|slowest)"|<h2>Parameter space' "$tmp/e.html" \
    && fail "empty html: an empty table"
grep -q '0 workers on 0 nodes, 0 slots' "$tmp/e.html" || fail "empty html: counts"
"$MPIBATCH" report "$tmp/empty" --format json | $py -m json.tool > /dev/null || fail "empty json"
"$MPIBATCH" report "$tmp/empty" --format csv | wc -l | grep -q '^1$' || fail "empty csv"

# Errors: exit 2 with a message.
expect2 () {
    msg=$1; shift
    set +e
    "$MPIBATCH" report "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    set -e
    test $rc -eq 2 || fail "report $* exit $rc, not 2"
    grep -q -- "$msg" "$tmp/err" || { cat "$tmp/err"; fail "report $*: no '$msg'"; }
}
expect2 "no report in $tmp/none (the run has not ended or wrote none)" "$tmp/none"
expect2 "unknown --format 'xml'" "$tmp/run" --format xml
expect2 "unknown option '--bogus'" "$tmp/run" --bogus
expect2 "--format needs a value" "$tmp/run" --format
expect2 "which run" --format json
echo garbage > "$tmp/none/report.h5"
expect2 "cannot open the report" "$tmp/none"
expect2 "No such file" "$tmp/nothere"
expect2 "cannot open the report" "$tmp/run" --state "$tmp/none"
expect2 "--set wants KEY=VALUE" "$tmp/run" --set nothing
expect2 "--refresh wants whole seconds" "$tmp/run" --format html --refresh 0
expect2 "--refresh wants whole seconds" "$tmp/run" --format html --refresh 5s
expect2 "--refresh is for --format html" "$tmp/run" --refresh 5
echo "cli ok"
