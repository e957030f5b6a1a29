#!/bin/sh
# report.sh: the page of `mpibatch report --format html`, loaded in headless
# Chromium: no script error, nothing fetched from the network, one timeline
# bar per attempt, a screenshot that shows something, and a page of 100,000
# attempts that loads within 20 seconds.
#
# The page itself is never changed.  To see what its script drew, a copy gets
# two small scripts of ours: one before the page's script that counts the
# canvas fillRect calls (the timeline draws each bar with one fillRect and
# everything else with fillText) and collects errors, one after it that
# writes the counts into the DOM, which --dump-dom then shows.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "$CHROMIUM is missing (apt-get install chromium)"
: "${top_builddir:=$(cd "$(dirname "$MPIBATCH")" && pwd)}"
MKBIG=$top_builddir/tests/html/mkbig
[ -x "$MKBIG" ] || die "$MKBIG is not built (make check builds it)"
mb_init html

# chrome LOG ARGS...: headless Chromium with a fresh profile and none of its
# own network services, stderr (its log, console messages included) to LOG;
# sets $st and $elapsed (seconds).
chrome () {
    log=$1
    shift
    profile=$(mktemp -d "$tmp/profile.XXXXXX")
    t_start=$(date +%s.%N)
    timeout -k 5 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --disable-extensions --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 "$@" 2>"$log" </dev/null
    st=$?
    elapsed=$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    rm -rf "$profile"
}

# console_errors LOG: the page's uncaught errors and console errors in LOG.
console_errors () {
    grep -E 'Uncaught|ERROR:CONSOLE|CONSOLE.*(Error|error)' "$1"
}

# instrument PAGE COPY: COPY is PAGE with our two scripts around its own.
instrument () {
    pre='<script>var MB_FILLS=0,MB_ERRS=[];'
    pre=$pre'window.addEventListener("error",function(e){MB_ERRS.push(String(e.message));});'
    pre=$pre'(function(){var P=CanvasRenderingContext2D.prototype,f=P.fillRect;'
    pre=$pre'P.fillRect=function(){MB_FILLS++;return f.apply(this,arguments);};})();</script>'
    # After the page's script: what it drew, the pixels of the two outcome
    # colours of the test job, and the resources the page loaded.
    post='<script>(function(){var c=document.getElementById("tl"),ok=0,bad=0;'
    post=$post'try{var d=c.getContext("2d").getImageData(0,0,c.width,c.height).data;'
    post=$post'for(var i=0;i<d.length;i+=4){'
    post=$post'if(d[i]==58&&d[i+1]==154&&d[i+2]==74)ok++;'
    post=$post'else if(d[i]==208&&d[i+1]==60&&d[i+2]==60)bad++;}}'
    post=$post'catch(e){MB_ERRS.push(String(e));}'
    post=$post'var started=ATT.filter(function(a){return a[3]>=0;}).length;'
    post=$post'var res=performance.getEntriesByType("resource").length;'
    post=$post'var p=document.createElement("pre");p.id="mb-result";'
    post=$post'p.textContent="fills="+MB_FILLS+" attempts="+ATT.length+" started="+started'
    post=$post'+" green="+ok+" red="+bad+" resources="+res+" errors="+MB_ERRS.length'
    post=$post'+" canvas="+c.width+"x"+c.height;document.body.appendChild(p);})();</script>'
    # '&', '|' and '\' are special in a sed replacement.
    pre=$(printf '%s' "$pre" | sed 's/[&|\\]/\\&/g')
    post=$(printf '%s' "$post" | sed 's/[&|\\]/\\&/g')
    sed -e "s|<head>|<head>$pre|" -e "s|</body>|$post</body>|" "$1" >"$2"
}

# result KEY: a value from the instrumented page's result line.
result () {
    sed -n 's/.*<pre id="mb-result">\([^<]*\)<.*/\1/p' "$tmp/dom.html" |
        tr ' ' '\n' | sed -n "s/^$1=//p"
}

## A real run: two tasks succeed, one fails twice (one retry), and the task
## that depends on it is skipped.
job html <<'EOF'
tasks = (
  { id = "ok-1"; command = "echo one; sleep 0.3"; },
  { id = "ok-2"; command = "echo two; sleep 0.2"; },
  { id = "flaky"; command = "echo attempt $MPIBATCH_TASK_ATTEMPT; sleep 0.2; exit 3"; max_retries = 1; },
  { id = "after"; command = "true"; depends_on = [ "flaky" ]; }
);
EOF
mb_run 0 --progress none html.cfg
check_status "run with a failure" 1
mb report html.cfg --format html -o "$tmp/page.html"
check_status "report --format html" 0
check "the page is written" test -s "$tmp/page.html"
natt=$(report_py "$tmp/jobs/html/report.h5" 'print(len(f["attempts"]))')
check_eq "report.h5 has one row per attempt" "$natt" 4

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
check "the DOM after scripts has the timeline" grep -q '<canvas id="tl" width=' "$tmp/plain.html"

## The instrumented copy: one bar per attempt, both colours drawn, nothing
## loaded, no error.
instrument "$tmp/page.html" "$tmp/inst.html"
chrome "$tmp/inst.log" --dump-dom "file://$tmp/inst.html" >"$tmp/dom.html"
check_eq "chromium loads the instrumented page" "$st" 0
check "the result line is in the DOM" grep -q 'id="mb-result"' "$tmp/dom.html"
check_eq "attempts embedded in the page" "$(result attempts)" 4
check_eq "one bar drawn per attempt" "$(result fills)" "$(result started)"
check_eq "bars drawn" "$(result fills)" 4
check_range "green (succeeded) pixels" "$(result green)" 20 10000000
check_range "red (failed) pixels" "$(result red)" 20 10000000
check_eq "resources fetched by the page" "$(result resources)" 0
check_eq "script errors" "$(result errors)" 0
check "the summary names the job" grep -q '<h1>html: failed</h1>' "$tmp/dom.html"
check "the failures table lists flaky" grep -q '<td>flaky</td><td>failed</td><td>2</td>' \
    "$tmp/dom.html"
check "the failures table lists the skipped task" grep -q '<td>after</td><td>skipped</td>' \
    "$tmp/dom.html"

## A screenshot that shows more than an empty page.  Chromium writes it in
## its working directory unless given a path; keep it in $tmp.
(cd "$tmp" && chrome "$tmp/shot.log" --screenshot="$tmp/shot.png" --window-size=1280,900 \
    "file://$tmp/page.html" >/dev/null)
check "screenshot written" test -s "$tmp/shot.png"
size=$(wc -c <"$tmp/shot.png" 2>/dev/null || echo 0)
check_range "screenshot size (bytes)" "$size" 10241 100000000
check_eq "screenshot is a PNG" "$(head -c 8 "$tmp/shot.png" 2>/dev/null | od -An -c | tr -d ' ')" \
    '211PNG\r\n032\n'

## 100,000 attempts: the page loads and draws them within 20 seconds.
mkdir -p "$tmp/big"
check "mkbig writes a 100,000-attempt report" "$MKBIG" "$tmp/big" 100000
mb report "$tmp/big" --format html -o "$tmp/big.html"
check_status "report --format html of 100,000 attempts" 0
instrument "$tmp/big.html" "$tmp/big-inst.html"
chrome "$tmp/big.log" --dump-dom "file://$tmp/big-inst.html" >"$tmp/dom.html"
check_eq "chromium loads the large page" "$st" 0
check_range "seconds to load and draw 100,000 attempts" "$elapsed" 0 20
check_eq "large page: attempts embedded" "$(result attempts)" 100000
check_eq "large page: one bar per attempt" "$(result fills)" 100000
check_eq "large page: script errors" "$(result errors)" 0
if console_errors "$tmp/big.log" >"$tmp/out"; then
    fail "large page: no console errors"
else
    pass "large page: no console errors"
fi

mb_finish
