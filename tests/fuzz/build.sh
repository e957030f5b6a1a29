#!/bin/sh
# build.sh: build the libFuzzer targets with clang (ASan + UBSan + libFuzzer),
# compiling the project's sources directly (configure is not involved).
#
#   tests/fuzz/build.sh [OUTDIR]
#
# Needs a config.h: from a configured build directory (the current one, or
# BUILDDIR=...), else a minimal one is written into OUTDIR.  Targets land in
# OUTDIR (default ./fuzz-bin): fuzz_jobfile, fuzz_journal, fuzz_poolreq,
# fuzz_proto.
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

# The loader's closure: jobfile (+ template, csv, stage path rules),
# and common/ (the task graph it checks cycles with, errors, buffers).
jobfile_src="io/jobfile.c io/jobfile_util.c io/jobfile_spec.c io/jobfile_check.c
    io/jobfile_task.c io/jobfile_exit.c io/jobfile_rules.c io/template.c io/csv.c
    io/stage_util.c scheduler/pick.c scheduler/sched.c scheduler/sched_add.c
    scheduler/sched_job.c scheduler/sched_place.c scheduler/exitpolicy.c
    common/err.c common/buf.c common/graph.c common/json.c common/names.c common/clock.c"
journal_src="io/journal.c io/fdio.c common/err.c common/buf.c"
poolreq_src="$jobfile_src io/pooldir_req.c"
# The rank messages: proto.c alone (the types of jobfile.h and launch.h).
proto_src="runtime/node/proto.c common/buf.c"

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
# shellcheck disable=SC2086
build fuzz_poolreq $poolreq_src
# shellcheck disable=SC2086
build fuzz_proto $proto_src
