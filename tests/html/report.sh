#!/bin/sh
# report.sh: the page of `mpibatch report --format html`, loaded in headless
# Chromium: no script error, nothing fetched from the network; a 2-slot task
# fills two lanes for its span; unique axis ticks; the parameter grid has
# one cell per combination and red cells where the run failed; the hover
# text of a task; a screenshot; a page of 200,000 attempts drawn in time.
#
# The page itself is never changed.  To see what its script drew, a copy gets
# two small scripts of ours: one before the page's script that collects
# errors, one after it that reads the canvases' pixels and attributes, moves
# the mouse over a bar, and writes what it found into the DOM, which
# --dump-dom then shows.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "$CHROMIUM is missing (apt-get install chromium)"
: "${top_builddir:=$(cd "$(dirname "$MPIBATCH")" && pwd)}"
MKBIG=$top_builddir/tests/html/mkbig
[ -x "$MKBIG" ] || die "$MKBIG is not built (make check builds it)"
mb_init html

. "$top_srcdir/tests/html/chrome.sh"

## A real run: two tasks succeed, one fails twice (one retry), and the task
## that depends on it is skipped.
## "wide" holds 2 of the 4 slots and runs alone (everything waits for it);
## the sweep g is 3 x 2 combinations, of which x=3, y=2 fails.
job html <<'EOF'
slots_per_worker = 4;
tasks = (
  { id = "wide"; command = "sleep 1.5"; slots = 2; },
  { id = "ok-1"; command = "echo one; sleep 0.3"; depends_on = [ "wide" ]; },
  { id = "ok-2"; command = "echo two; sleep 0.2"; depends_on = [ "wide" ]; },
  { id = "flaky"; command = "echo attempt $MPIBATCH_TASK_ATTEMPT; sleep 0.2; exit 3"; max_retries = 1; depends_on = [ "wide" ]; },
  { id = "after"; command = "true"; depends_on = [ "flaky" ]; }
);
sweeps = (
  { id = "g-${x}-${y}"; command = "sleep 0.2; test ${x}${y} != 32 || exit 3"; depends_on = [ "wide" ];
    parameters = { x = [ 1, 2, 3 ]; y = [ 1, 2 ]; }; }
);
EOF
mb_run 0 --progress none html.cfg
check_status "run with a failure" 1
mb report html.cfg --format html -o "$tmp/page.html"
check_status "report --format html" 0
check "the page is written" test -s "$tmp/page.html"
natt=$(report_py "$tmp/jobs/html/report.h5" 'print(len(f["attempts"]))')
check_eq "report.h5 has one row per attempt" "$natt" 11

## The page as written: nothing that would fetch from the network.
check "no http(s) src or href" \
    sh -c "! grep -Eiq '(src|href)[[:space:]]*=[[:space:]]*[\"'\'']?[[:space:]]*(https?:)?//' '$tmp/page.html'"
check "no http(s) URL at all" sh -c "! grep -Eiq 'https?://' '$tmp/page.html'"
check "no external stylesheet, frame, import or fetch" \
    sh -c "! grep -Eiq '<link|<iframe|@import|url\\(|fetch\\(|XMLHttpRequest|import\\(' '$tmp/page.html'"

## The page as written, in Chromium: no console error.
chrome "$tmp/console.log" --dump-dom "file://$tmp/page.html" >"$tmp/plain.html"
check_eq "chromium loads the page" "$st" 0
if console_errors "$tmp/console.log" >"$tmp/out"; then
    fail "no console errors"
else
    pass "no console errors"
fi
check "the DOM after scripts has the timeline" grep -q '<canvas id="tl" tabindex="0" width=' "$tmp/plain.html"

## The instrumented copy: what the page drew.
instrument "$tmp/page.html" "$tmp/inst.html"
chrome "$tmp/inst.log" --dump-dom "file://$tmp/inst.html" >"$tmp/dom.html"
check_eq "chromium loads the instrumented page" "$st" 0
check "the result line is in the DOM" grep -q 'id="mb-result"' "$tmp/dom.html"
check_eq "attempts embedded in the page" "$(result attempts)" 11
check_eq "lane bars drawn (one per slot held)" "$(result bars)" 12
check_eq "lanes: one per slot" "$(result lanes)" 4
check_eq "lanes green at the middle of the 2-slot task" "$(result widelanes)" 2
check_eq "lanes of the 2-slot task" "$(result widelanesof)" 2
check_range "ticks on the axis" "$(result ticks)" 3 30
check_eq "repeated tick labels" "$(result dupticks)" 0
check_eq "grid cells" "$(result cells)" 6
check_eq "grid cells with a failure" "$(result failedcells)" 1
check_eq "grid cell x=3, y=2 is red" "$(result redcell)" 1
check_eq "grid cell x=1, y=1 is green" "$(result greencell)" 1
check_range "green (succeeded) pixels" "$(result green)" 20 10000000
check_range "red (failed) pixels" "$(result red)" 20 10000000
check_eq "resources fetched by the page" "$(result resources)" 0
check_eq "script errors" "$(result errors)" 0
check "hover over the 2-slot task names it" grep -q 'data-tip="wide attempt 0: succeeded' "$tmp/dom.html"
attr () { tr '\n' ' ' <"$tmp/dom.html" | grep -o "$1=\"[^\"]*"; }
attr data-tip >"$tmp/tip.txt"
attr data-hover-g32 >"$tmp/hover.txt"
check "hover shows the slots it held" grep -q 'worker rank 0, 2 slots' "$tmp/tip.txt"
check "hover of g-3-2 shows its parameters and exit" \
    grep -q 'g-3-2 attempt 0: failed.*exit 3.*x=3, y=2' "$tmp/hover.txt"
check "the grid says the other parameters are none" grep -q 'Cells: x × y (3 × 2)' "$tmp/dom.html"
check "the summary names the job" grep -q '<h1>html: failed</h1>' "$tmp/dom.html"
check "the failures table lists flaky" grep -q '<td>flaky</td><td>failed</td><td>2</td>' \
    "$tmp/dom.html"
check "the failures table lists the skipped task" grep -q '<td>after</td><td>skipped</td>' \
    "$tmp/dom.html"
check "failures by reason link into the grid" grep -q 'class="rl" data-r="[0-9]*" data-s="0">g</a>' \
    "$tmp/dom.html"
check "singular: 1 worker on 1 node" grep -q '1 worker on 1 node, 4 slots' "$tmp/dom.html"

## A screenshot that shows more than an empty page.  Chromium writes it in
## its working directory unless given a path; keep it in $tmp.
(cd "$tmp" && chrome "$tmp/shot.log" --screenshot="$tmp/shot.png" --window-size=1280,900 \
    "file://$tmp/page.html" >/dev/null)
check "screenshot written" test -s "$tmp/shot.png"
size=$(wc -c <"$tmp/shot.png" 2>/dev/null || echo 0)
check_range "screenshot size (bytes)" "$size" 10241 100000000
check_eq "screenshot is a PNG" "$(head -c 8 "$tmp/shot.png" 2>/dev/null | od -An -c | tr -d ' ')" \
    '211PNG\r\n032\n'

## 200,000 attempts with 2-slot tasks and a 2-parameter sweep: the page
## stays under 20 MB and loads and draws within 5 seconds (measured in the
## page, from navigation to the end of our script after the page's).
mkdir -p "$tmp/big"
check "mkbig writes a 200,000-attempt report" "$MKBIG" "$tmp/big" 200000
mb report "$tmp/big" --format html -o "$tmp/big.html"
check_status "report --format html of 200,000 attempts" 0
check_range "bytes of the 200,000-attempt page" "$(wc -c <"$tmp/big.html")" 1000000 20000000
instrument "$tmp/big.html" "$tmp/big-inst.html"
chrome "$tmp/big.log" --dump-dom "file://$tmp/big-inst.html" >"$tmp/dom.html"
check_eq "chromium loads the large page" "$st" 0
check_range "ms to load and draw 200,000 attempts" "$(result ms)" 0 5000
check_eq "large page: attempts embedded" "$(result attempts)" 200000
check_eq "large page: lane bars drawn (2 slots each)" "$(result bars)" 400000
check_eq "large page: lanes" "$(result lanes)" 128
check_eq "large page: script errors" "$(result errors)" 0
check_range "large page: grid cells" "$(result cells)" 100 100000
if console_errors "$tmp/big.log" >"$tmp/out"; then
    fail "large page: no console errors"
else
    pass "large page: no console errors"
fi

mb_finish
