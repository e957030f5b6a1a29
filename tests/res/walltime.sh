#!/bin/sh
# walltime.sh: walltime-aware starts.  With a deadline, a task whose
# time_request does not fit in the time left is held back (it stays
# ready, the service says how many and why) while short ones run; when
# nothing else can start, the run ends at once with code 4 instead of
# idling, and --resume runs what was held back.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init walltime
job wt <<'EOF2'
tasks = (
  { id = "long"; command = "sleep 1; echo long >> $MPIBATCH_STORAGE_DIR/ran"; time_request = "10m"; priority = 5; },
  { id = "short"; command = "sleep 1; echo short >> $MPIBATCH_STORAGE_DIR/ran"; time_request = "5s"; },
  { id = "plain"; command = "echo plain >> $MPIBATCH_STORAGE_DIR/ran"; },
  { id = "after-long"; command = "echo after-long >> $MPIBATCH_STORAGE_DIR/ran"; depends_on = [ "long" ]; }
);
EOF2
t0=$(date +%s)
mb_run 0 --deadline 120 wt.cfg
t1=$(date +%s)
check_status "the run ends with code 4 when only held-back tasks are left" 4
check_range "it ends at once, not at the deadline (seconds)" "$((t1 - t0))" 0 30
check "short and plain ran" sh -c "grep -q short '$tmp/ran' && grep -q plain '$tmp/ran'"
check "long was held back" sh -c "! grep -q '^long' '$tmp/ran'"
check "the service says how many were held back and why" \
    grep -q "1 task held back: its time_request exceeds" "$tmp/err"
mb_run 0 --resume wt.cfg
check_status "--resume without a deadline runs the rest" 0
check_eq "every task ran exactly once" "$(sort "$tmp/ran" | tr '\n' ' ')" "after-long long plain short "
mb_finish
