#!/bin/sh
# big.sh: hostile sizes and structures: a 100 MB command string, a
# depends_on of 1,000,000 ids and of 1,000,000 patterns, @include nested 20
# deep and an @include loop.  mpibatch must answer clearly, in bounded
# time and memory, and never crash.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/hlib.sh"
h_init hostile-big

# timed ARGS...: hrun ARGS measuring wall seconds ($secs) and the peak RSS
# of the mpibatch process in KiB ($rss).
timed () {
    rm -f "$tmp/.st"
    t0=$(date +%s)
    (cd "$S" && timeout -k 5 "${MB_TIMEOUT:-60}" "$PYTHON" -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL,
                     stdout=open(sys.argv[1] + "/out", "w"), stderr=open(sys.argv[1] + "/err", "w"))
open(sys.argv[1] + "/.rss", "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc if rc >= 0 else 128 - rc)' "$tmp" ${MB_WRAPPER:-} "$MPIBATCH" "$@")
    st=$?
    secs=$(($(date +%s) - t0))
    rss=$(cat "$tmp/.rss" 2>/dev/null || echo 0)
}

# 1. A 100 MB command.  The kernel caps one exec argument at 128 KiB, so
#    run may refuse it or fail the task, but clearly, and memory stays
#    within a small multiple of the file.
"$PYTHON" - "$S" <<'PY'
import sys
with open(sys.argv[1] + "/huge.cfg", "w") as f:
    f.write('id = "huge";\nstorage = "%s";\nnode_root = "%s/nodes";\n' % (sys.argv[1], sys.argv[1]))
    f.write('tasks = ( { id = "t"; command = "echo ')
    f.write("a" * (100 * 1024 * 1024))
    f.write('"; } );\n')
PY
MB_TIMEOUT=40 timed validate huge.cfg
h_no_crash "huge validate"
case $st in 0|2) pass "huge: validate answers ($st)" ;; *) fail "huge: validate status $st" ;; esac
[ -n "${MB_SANITIZED:-}" ] || check_range "huge: validate peak RSS (KiB)" "$rss" 0 1500000
MB_TIMEOUT=40 timed run huge.cfg
h_no_crash "huge run"
case $st in
    1) r=$(h_status huge "[t['reason'] for t in s['failed']]")
       case $r in
           "['']"|"[]"|status*) fail "huge: the task failed without a reason: $r" ;;
           *) pass "huge: task failed with a reason (${r%"${r#??????????????????????????????????????????????????????????????}"})" ;;
       esac ;;
    0|2) pass "huge: run answers ($st)"
       [ "$st" = 2 ] && [ ! -s "$tmp/err" ] && fail "huge: refused without a message" ;;
    *) fail "huge: run status $st" ;;
esac
[ -n "${MB_SANITIZED:-}" ] || check_range "huge: run peak RSS (KiB)" "$rss" 0 2000000
rm -f "$S/huge.cfg"
rm -rf "$S/jobs/huge"

# 2. depends_on with 1,000,000 entries, over a sweep of 1000 tasks (a
# tenth of that in a sanitizer build, whose instrumentation is ~10x
# slower: there the point is memory safety, not speed).
ndeps=1000000
[ -z "${MB_SANITIZED:-}" ] || ndeps=100000
for kind in ids patterns; do
    "$PYTHON" - "$S" "$kind" "$ndeps" <<'PY'
import sys
st, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open("%s/deps-%s.cfg" % (st, kind), "w") as f:
    f.write('id = "deps-%s";\nstorage = "%s";\nnode_root = "%s/nodes";\n' % (kind, st, st))
    f.write('sweeps = ( { id = "s-${i}"; command = "true"; parameters = { i = { from = 0; to = 999; }; }; } );\n')
    f.write('tasks = ( { id = "last"; command = "true"; depends_on = [ ')
    if kind == "ids":
        f.write(", ".join('"s-%d"' % (k % 1000) for k in range(n)))
    else:
        f.write(", ".join('"s-%d*"' % (k % 1000) for k in range(n)))
    f.write(' ]; } );\n')
PY
    MB_TIMEOUT=60 timed validate "deps-$kind.cfg"
    h_no_crash "deps-$kind validate"
    check_status "deps-$kind: validate" 0
    [ -n "${MB_SANITIZED:-}" ] || check_range "deps-$kind: validate time (s)" "$secs" 0 30
    MB_TIMEOUT=120 timed run --progress none "deps-$kind.cfg"
    h_no_crash "deps-$kind run"
    check_status "deps-$kind: run" 0
    [ -n "${MB_SANITIZED:-}" ] || check_range "deps-$kind: run time (s)" "$secs" 0 60
    rm -rf "$S/jobs/deps-$kind" "$S/deps-$kind.cfg"
done

# 3. @include nested 20 deep: accepted, or refused with FILE:LINE.
mkdir -p "$S/inc"
i=1
while [ $i -lt 20 ]; do
    printf '@include "inc%d.inc"\n' $((i + 1)) >"$S/inc/inc$i.inc"
    i=$((i + 1))
done
echo 'tasks = ( { id = "deep"; command = "true"; } );' >"$S/inc/inc20.inc"
hjob nested <<'EOF2'
@include "inc/inc1.inc"
EOF2
# Includes are relative to the job file: the nested ones sit in inc/.
sed -i 's|@include "inc|@include "inc/inc|' "$S"/inc/*.inc
timed validate nested.cfg
h_no_crash nested
case $st in
    0) pass "nested: 20 levels accepted" ;;
    2) if grep -q -E '\.(cfg|inc):[0-9]+: ' "$tmp/err"; then
           pass "nested: refused with FILE:LINE ($(head -n 1 "$tmp/err"))"
       else
           fail "nested: refused without FILE:LINE"
       fi ;;
    *) fail "nested: status $st" ;;
esac

# 4. An @include loop: a clear error, not a hang or a stack overflow.
echo '@include "loop-b.inc"' >"$S/loop-a.inc"
echo '@include "loop-a.inc"' >"$S/loop-b.inc"
hjob loop <<'EOF2'
@include "loop-a.inc"
EOF2
MB_TIMEOUT=30 timed validate loop.cfg
h_no_crash loop
check_status "loop: validate" 2
check "loop: the error names a file and line" grep -q -E '\.(cfg|inc):[0-9]+: ' "$tmp/err"
MB_TIMEOUT=30 timed run loop.cfg
check_status "loop: run" 2
h_untouched big

mb_finish
