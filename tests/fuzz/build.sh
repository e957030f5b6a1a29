#!/bin/sh
# build.sh: build the libFuzzer targets with clang (ASan + UBSan + libFuzzer),
# compiling the project's sources directly (configure is not involved).
#
#   tests/fuzz/build.sh [OUTDIR]
#
# Needs a config.h: from a configured build directory (the current one, or
# BUILDDIR=...), else a minimal one is written into OUTDIR.  Targets land in
# OUTDIR (default ./fuzz-bin): fuzz_jobfile, fuzz_journal.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz-bin}
mkdir -p "$out"
out=$(cd "$out" && pwd)
CC=${CC:-clang}
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found (apt-get install -y clang libclang-rt-14-dev)" >&2; exit 77; }

builddir=${BUILDDIR:-.}
if [ -f "$builddir/config.h" ]; then
    inc="-I$(cd "$builddir" && pwd)"
else
    printf '#define PACKAGE_VERSION "fuzz"\n#define VERSION "fuzz"\n#define _GNU_SOURCE 1\n' >"$out/config.h"
    inc="-I$out"
fi
pc=$(pkg-config --cflags --libs libconfig hwloc hdf5 2>/dev/null || pkg-config --cflags --libs libconfig)
flags="-g -O1 -std=gnu11 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

# The loader's closure: jobfile (+ template, csv, json, stage path rules),
# the scheduler's graph code it checks cycles with, and common/.
jobfile_src="io/jobfile.c io/jobfile_util.c io/jobfile_spec.c io/jobfile_check.c
    io/jobfile_task.c io/jobfile_exit.c io/jobfile_rules.c io/template.c io/csv.c io/json.c
    io/stage_util.c scheduler/graph.c scheduler/pick.c scheduler/sched.c
    scheduler/sched_place.c scheduler/exitpolicy.c common/err.c common/buf.c"
journal_src="io/journal.c common/err.c common/buf.c"

build () {
    name=$1
    shift
    files=""
    for f in "$@"; do
        files="$files $src/$f"
    done
    echo "  CLANG    $out/$name"
    # shellcheck disable=SC2086
    $CC $flags $inc -I"$src" -o "$out/$name" "$src/tests/fuzz/$name.c" $files $pc -lm
}
# shellcheck disable=SC2086
build fuzz_jobfile $jobfile_src
# shellcheck disable=SC2086
build fuzz_journal $journal_src
