#!/bin/sh
# layout.sh: the report's layout as outside tools see it: h5dump -H and h5py.
set -e
tmp=$(mktemp -d /tmp/report-layout.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mk="$top_builddir/tests/report/mkreport"
py=/usr/bin/python3

mkdir "$tmp/run" "$tmp/empty"
"$mk" "$tmp/run"
"$mk" "$tmp/empty" --empty
# Atomic write: only the report is left.
test "$(ls "$tmp/run")" = report.h5

h5dump -H "$tmp/run/report.h5" > "$tmp/dump"
for want in 'DATASET "tasks"' 'DATASET "attempts"' 'DATASET "workers"' \
            'DATASET "logs"' 'GROUP "parameters"' 'GROUP "sim"' 'DATASET "task"' \
            'ATTRIBUTE "job_id"' 'ATTRIBUTE "finished"' 'ATTRIBUTE "config"' \
            'H5T_STRING' 'H5T_IEEE_F64LE' '"max_rss_kib"'; do
    grep -q "$want" "$tmp/dump" || { echo "h5dump -H lacks $want"; cat "$tmp/dump"; exit 1; }
done
h5dump -H "$tmp/empty/report.h5" | grep -q 'DATASET "tasks"'

if ! $py -c 'import h5py' 2>/dev/null; then
    echo "$py has no h5py: skipping the h5py checks"
    exit 77
fi
$py "$top_srcdir/tests/report/check_report.py" "$tmp/run/report.h5"
$py "$top_srcdir/tests/report/check_report.py" "$tmp/empty/report.h5" --empty
echo "layout ok"
