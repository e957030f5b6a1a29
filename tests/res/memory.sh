#!/bin/sh
# memory.sh: a task's memory request caps its address space; a task that
# goes past the cap fails with a clear reason while its neighbours finish;
# a request larger than any worker's share fails without running.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init memory
command -v python3 >/dev/null || skip "no python3 to allocate memory with"
job mem <<'EOF2'
tasks = (
  { id = "hungry"; memory = "200M";
    command = "python3 -c 'b = bytearray(600 * 1024 * 1024); print(len(b))'"; },
  { id = "modest"; memory = "200M"; command = "python3 -c 'b = bytearray(20 * 1024 * 1024); print(len(b))'"; },
  { id = "neighbour"; command = "sleep 1; echo fine"; },
  { id = "huge"; memory = "100T"; command = "true"; }
);
EOF2
mb_run 0 mem.cfg
check_status "the run reports failures (exit 1)" 1
n=$(status_json mem 's["counts"]["failed"]')
check_eq "hungry and huge failed, the others succeeded" "$n" 2
mb logs mem.cfg neighbour
check_eq "the neighbour finished" "$(cat "$tmp/out")" "fine"
mb logs mem.cfg modest
check_eq "a task within its cap runs" "$(cat "$tmp/out")" "20971520"
check "hungry's reason names the address-space cap" \
    grep -q "address space capped at 200M" "$tmp/jobs/mem/journal"
check "huge fails without running, with a reason" \
    grep -q "needs 102400.0 GiB of memory but the largest worker's share is" "$tmp/jobs/mem/journal"
mb_finish
