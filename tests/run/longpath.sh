#!/bin/sh
# longpath.sh: paths the worker builds that would not fit its buffers are
# refused, never cut: a task whose directory would be cut short fails
# with a clear reason while its neighbour runs, and a node_root too deep
# for any task directory leaves the worker unusable with a reason.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init longpath
node=$(hostname)
# A directory of about `want` bytes under $tmp/n, in components of 200.
deep () {
    d=$tmp/n
    while [ $((${#d} + 201)) -le "$1" ]; do
        d=$d/$(printf '%0200d' 0)
    done
    pad=$(($1 - ${#d} - 1))
    [ "$pad" -gt 0 ] && d=$d/$(printf "%0${pad}d" 0)
    echo "$d"
}
# The job directory is <node_root>/<node>/lp: 4040 bytes leave room for
# tasks/ok/wd (4052) but not for tasks/<64-character id> (4111 > 4095).
root=$(deep $((4040 - ${#node} - 4)))
check_eq "the node root is as long as planned" $((${#root} + ${#node} + 4)) 4040
long=$(printf 'x%.0s' $(seq 64))
cat >"$tmp/lp.cfg" <<EOF2
id = "lp";
storage = "$tmp";
node_root = "$root";
tasks = (
  { id = "ok"; command = "pwd | wc -c"; },
  { id = "$long"; command = "echo ran"; }
);
EOF2
mb_run 2 lp.cfg
check_status "the run reports the failed task (exit 1)" 1
check_eq "one task failed" "$(status_json lp 's["counts"]["failed"]')" 1
check_eq "one task succeeded" "$(status_json lp 's["counts"]["succeeded"]')" 1
check "the failure says the path is too long" \
    grep -q "a path of the attempt is too long (node_root or state too deep)" "$tmp/jobs/lp/journal"
mb logs lp.cfg ok
check_eq "the neighbour ran in its own directory (4052 bytes and a newline)" \
    "$(cat "$tmp/out")" 4053
# Nothing was made under a cut name (the id cut short).
check_eq "no directory made for the long task" \
    "$(find "$root/$node" -name 'x*' 2>&1 | wc -l)" 0

# A node root with no room left for the task directories.
root2=$(deep $((4090 - ${#node} - 5)))
cat >"$tmp/lp2.cfg" <<EOF2
id = "lp2";
storage = "$tmp";
node_root = "$root2";
tasks = ( { id = "t"; command = "true"; } );
EOF2
mb_run 2 lp2.cfg
check_status "no usable worker (exit 3)" 3
check "the worker says why" grep -q "worker rank 1 is not usable: node_root is too deep" "$tmp/err"
mb_finish
