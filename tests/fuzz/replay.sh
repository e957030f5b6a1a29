#!/bin/sh
# replay.sh: replay every crash input kept under tests/fuzz/regress/ and the
# seed corpora through the fuzz targets built normally (no libFuzzer), so a
# fixed crash stays fixed.  make check runs it; under --enable-sanitizers
# the replayers carry ASan/UBSan too.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
st=0
for t in jobfile journal poolreq proto; do
    bin=$top_builddir/tests/fuzz/replay_$t
    [ -x "$bin" ] || { echo "ERROR: $bin not built" >&2; exit 99; }
    dirs=""
    for d in "$top_srcdir/tests/fuzz/regress/fuzz_$t"; do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    if [ "$t" = jobfile ]; then
        dirs="$dirs $top_srcdir/examples $top_srcdir/tests/cli/bad $top_srcdir/tests/cli/good"
    elif [ "$t" = poolreq ]; then
        dirs="$dirs $top_srcdir/tests/fuzz/seeds/poolreq"
    elif [ "$t" = proto ]; then
        dirs="$dirs $top_srcdir/tests/fuzz/seeds/proto"
    else
        dirs="$dirs $top_srcdir/tests/fuzz/seeds/journal"
    fi
    # A hang is a failure too: four minutes for the whole corpus.
    # shellcheck disable=SC2086
    if timeout -k 5 240 "$bin" $dirs >replay-$t.log 2>&1; then
        echo "PASS: replay_$t ($(grep -c '^replay: ' replay-$t.log) inputs)"
    else
        echo "FAIL: replay_$t: the last input started is the culprit"
        tail -n 30 replay-$t.log
        st=1
    fi
    rm -f replay-$t.log
done
exit $st
