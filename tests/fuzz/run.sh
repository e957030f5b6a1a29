#!/bin/sh
# run.sh: build the fuzz targets and run each for SECONDS (default 60) from
# the seed corpora; exits non-zero when a target crashes, leaks or times out.
#
#   tests/fuzz/run.sh [SECONDS] [WORKDIR]
#
# FUZZ_TARGETS="fuzz_jobfile" runs only the targets named: two run.sh
# started side by side with one target each use both cores.
# Run from a configured build directory (config.h is taken from there).
# WORKDIR (default ./fuzz-work) keeps the binaries, the growing corpora
# (corpus/<target>/) and crash artifacts (artifacts/<target>/), so a later
# run continues where the last one stopped.  A crash input found here goes
# under tests/fuzz/regress/<target>/ (see README.md).
set -u
secs=${1:-60}
work=${2:-fuzz-work}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)

BUILDDIR=${BUILDDIR:-.} sh "$src/tests/fuzz/build.sh" "$work/bin" || exit $?

# Seeds: every job file the project ships, and journals made by real runs.
seed () {
    t=$1
    shift
    mkdir -p "$work/corpus/$t"
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "$work/corpus/$t/seed-$(basename "$f")"
    done
    return 0
}
seed fuzz_jobfile "$src"/examples/*.cfg "$src"/tests/cli/bad/*.cfg "$src"/tests/cli/good/*.cfg \
    "$src"/tests/unit/data/* "$src"/tests/hostile/*.cfg
seed fuzz_journal "$src"/tests/fuzz/seeds/journal/*
seed fuzz_poolreq "$src"/tests/fuzz/seeds/poolreq/*
seed fuzz_proto "$src"/tests/fuzz/seeds/proto/*

# The libconfig grammar, for the job file target.
dict=$work/jobfile.dict
cat >"$dict" <<'DICT'
"@include \""
"tasks = ("
"sweeps = ("
"parameters = {"
"{ from = 1; to = 1000000; }"
"depends_on = ["
"inputs = ( { source = \""
"outputs = ( { pattern = \""
"destination"
"command_file"
"table = \""
"mode = \"zip\";"
"${index}"
"${task}"
"${job}"
"$$"
"job_preparation"
"max_wall_clock"
"max_log_size"
"\"1h30m\""
"\"4G\""
"id = \""
"command = \""
DICT

status=0
for t in ${FUZZ_TARGETS:-fuzz_jobfile fuzz_journal fuzz_poolreq fuzz_proto}; do
    mkdir -p "$work/artifacts/$t"
    extra=""
    [ "$t" = fuzz_jobfile ] && extra="-dict=$dict"
    # FUZZ_RUNS (with FUZZ_SEED) makes a run reproducible: a fixed number of
    # inputs from a fixed seed, the same on every machine (what CI uses);
    # otherwise the run lasts SECONDS and explores at random.
    limit="-max_total_time=$secs"
    [ -n "${FUZZ_RUNS:-}" ] && limit="-runs=$FUZZ_RUNS -seed=${FUZZ_SEED:-1}"
    echo "== $t for ${FUZZ_RUNS:-$secs s}${FUZZ_RUNS:+ inputs}"
    # -timeout: one input may take 20 s; -rss_limit_mb: 2 GiB per process.
    # The suppressions cover libconfig's own leaks on syntax errors.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0" \
    "$work/bin/$t" $limit -timeout=20 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 $extra \
        -artifact_prefix="$work/artifacts/$t/" "$work/corpus/$t" \
        >"$work/$t.log" 2>&1
    rc=$?
    tail -n 15 "$work/$t.log"
    if [ $rc -ne 0 ]; then
        echo "FAIL: $t exited $rc; inputs in $work/artifacts/$t/, log $work/$t.log"
        status=1
    else
        if [ -n "${FUZZ_RUNS:-}" ]; then
            echo "PASS: $t ran $FUZZ_RUNS inputs (seed ${FUZZ_SEED:-1})"
        else
            echo "PASS: $t ran $secs s"
        fi
    fi
done
exit $status
