# chrome.sh: headless Chromium for the tests of tests/html (sourced after
# tests/lib.sh and mb_init; CHROMIUM is the browser).

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

# instrument PAGE COPY [PROBE]: COPY is PAGE with our two scripts around
# its own: one that collects errors, and PROBE (default probe.js).
instrument () {
    pre='<script>var MB_ERRS=[];'
    pre=$pre'window.addEventListener("error",function(e){MB_ERRS.push(String(e.message));});</script>'
    probe=${3:-probe.js}
    cp "$top_srcdir/tests/html/$probe" "$tmp/$probe"
    post="<script src=\"$probe\"></script>"
    pre=$(printf '%s' "$pre" | sed 's/[&|\\]/\\&/g')
    sed -e "s|<head>|<head>$pre|" -e "s|</body>|$post</body>|" "$1" >"$2"
}

# result KEY: a value from the instrumented page's result line.
result () {
    sed -n 's/.*<pre id="mb-result">\([^<]*\)<.*/\1/p' "$tmp/dom.html" |
        tr ' ' '\n' | sed -n "s/^$1=//p"
}
