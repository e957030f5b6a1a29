#!/bin/sh
# accept_feed.sh: issue 16 "Checked by", first part: a pool under
# `mpirun -n 3` (2 workers of one slot) fed from this shell.
#  - priorities: while a blocker job holds both slots, jobs A (priority 0),
#    B (--priority 5) and C (0) are submitted in that order, then C is
#    raised to 10 with `priority`; once the blocker ends their tasks start
#    C, C, B, B, A, A (from the tasks' own start records), and the jobs'
#    own records (their journals, through their reports) say the same;
#  - `add --lines POOLDIR JOB -` from a slow producer: 3 batches with a
#    pause between them; the first batch's tasks have run before the
#    producer writes the last (so they went in batches, not at the end);
#  - a task that adds tasks to its own job through $MPIBATCH_POOL_DIR and
#    closes it;
#  - a running task cancelled: it ends `cancelled` and its process is gone;
#  - `status POOLDIR --json` parsed: the pool, its 2 workers, every job with
#    its state and counts; `status POOLDIR JOB`, `report`, `logs POOLDIR JOB`
#    work on a job of the pool; shutdown ends the pool with exit 0.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
. "$top_srcdir/tests/pool/accept-lib.sh"
acc_need_pool
mb_init accept_feed
trap 'acc_cleanup; mb_cleanup' EXIT
cd "$tmp" || die "cd"
P=$tmp/pool

acc_start 3 "$P" --slots-per-worker 1
check "the pool starts" acc_up "$P"
check "POOLDIR was created 0700" test "$(stat -c %a "$P")" = 700

# -- Priorities --------------------------------------------------------
job blocker <<CFG
tasks = ( { id = "b1"; command = "echo b1 >>$tmp/blk; while [ ! -f $tmp/go ]; do sleep 0.05; done"; },
          { id = "b2"; command = "echo b2 >>$tmp/blk; while [ ! -f $tmp/go ]; do sleep 0.05; done"; } );
CFG
for j in A B C; do
    job "$j" <<CFG
tasks = ( { id = "x1"; command = "echo \$MPIBATCH_JOB_ID \$(date +%s.%N) >>$tmp/order; sleep 0.4"; },
          { id = "x2"; command = "echo \$MPIBATCH_JOB_ID \$(date +%s.%N) >>$tmp/order; sleep 0.4"; } );
CFG
done
req submit "$P" blocker.cfg
check_status "submit blocker" 0
check_eq "submit prints the job id" "$(cat "$tmp/out")" blocker
check "the blocker holds both slots" wait_lines "$tmp/blk" 2 30
req submit "$P" A.cfg
check_status "submit A (priority 0)" 0
req submit --priority 5 "$P" B.cfg
check_status "submit B (priority 5)" 0
req submit "$P" C.cfg
check_status "submit C (priority 0)" 0
req priority "$P" C 10
check_status "priority C 10" 0
req priority "$P" C 1001
check_status "priority out of range" 2
check_eq "pool status: C's priority" "$(wait_json "$P" "jobs['C']['priority']" 10 5)" 10
check_eq "nothing of A, B, C started while the slots were held" "$(cat "$tmp/order" 2>/dev/null)" ""
touch "$tmp/go"
for j in blocker A B C; do
    check_eq "job $j succeeded" "$(wait_job "$P" "$j" 40)" succeeded
done
check_eq "start order: C raised above B, B above A" \
    "$(awk '{ print $1 }' "$tmp/order" | tr '\n' ' ')" "C C B B A A "
# The same from each job's own records (its journal, through its report):
# the first attempt of C started before B's first, B's before A's.
first () { report_py "$tmp/jobs/$1/report.h5" 'print("%.6f" % min(a["start_time"] for a in f["attempts"]))'; }
check_eq "the jobs' records: first starts C < B < A" \
    "$(awk -v c="$(first C)" -v b="$(first B)" -v a="$(first A)" 'BEGIN { print (c < b && b < a) ? "yes" : c " " b " " a }')" yes
# Each job's own records, where a run's would be.
req status "$P" B --json
check_status "status POOLDIR B --json" 0
check_eq "status POOLDIR B: 2 succeeded" \
    "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["succeeded"])' "$tmp/out" 2>&1)" 2
check "B's report is in its state directory" test -f "$tmp/jobs/B/report.h5"
req report "$P" A
check_status "report POOLDIR A" 0
req logs "$P" C x1
check_status "logs POOLDIR C x1" 0

# -- add - from a slow producer ------------------------------------------
job S <<CFG
tasks = ( );
CFG
req submit --open "$P" S.cfg
check_status "submit --open S" 0
# Batch 1 (10 lines), then the producer waits (up to 20 s) until those
# tasks have run: only a batch the pool accepted while standard input is
# still open can run then.  Batch 2 after a pause, batch 3 after another.
(
    i=1
    while [ $i -le 30 ]; do
        echo "echo s$i >>$tmp/stream"
        if [ $i -eq 10 ]; then
            k=0
            while [ $k -lt 200 ] && [ "$(cat "$tmp/stream" 2>/dev/null | wc -l)" -lt 10 ]; do
                sleep 0.1
                k=$((k + 1))
            done
            wc -l <"$tmp/stream" >"$tmp/seen-after-batch1" 2>/dev/null
        fi
        [ $i -eq 20 ] && sleep 1
        i=$((i + 1))
    done
) | timeout -k 5 60 "$MPIBATCH" add --lines "$P" S - >"$tmp/add.out" 2>"$tmp/add.err"
st=$?
check_status "add --lines - from a slow producer" 0
check_eq "the first batch ran while the producer still wrote" "$(tr -d ' ' <"$tmp/seen-after-batch1" 2>/dev/null)" 10
check_eq "add - says how many were added" "$(tail -n 1 "$tmp/add.out")" 30
# Each batch is one request the pool recorded; S's are the only adds yet.
check_range "add - went in batches (adds recorded)" \
    "$(grep -a -o 'op add' "$P/accepted.jnl" | wc -l)" 3 30
req close "$P" S
check_status "close S" 0
check_eq "job S succeeded" "$(wait_job "$P" S 40)" succeeded
check_eq "each streamed line ran once" "$(sort -u "$tmp/stream" | wc -l) $(wc -l <"$tmp/stream")" "30 30"

# -- a task that adds tasks ------------------------------------------------
cat >driver.sh <<SH
#!/bin/sh
set -e
echo "pool=\$MPIBATCH_POOL_DIR"
printf 'echo d1 >>$tmp/dran\necho d2 >>$tmp/dran\necho d3 >>$tmp/dran\n' |
    "$MPIBATCH" add --lines "\$MPIBATCH_POOL_DIR" "\$MPIBATCH_JOB_ID" -
"$MPIBATCH" close "\$MPIBATCH_POOL_DIR" "\$MPIBATCH_JOB_ID"
SH
chmod +x driver.sh
job D <<CFG
open = true;
tasks = ( { id = "driver"; command = "$tmp/driver.sh"; } );
CFG
req submit "$P" D.cfg
check_status "submit D (open = true)" 0
check_eq "job D (closed by its own task) succeeded" "$(wait_job "$P" D 40)" succeeded
check_eq "the tasks the driver added ran once each" "$(sort "$tmp/dran" 2>/dev/null | tr '\n' ' ')" "d1 d2 d3 "
check_eq "MPIBATCH_POOL_DIR is the pool's directory" \
    "$(sed -n 's/^pool=//p' "$tmp/jobs/D/logs/driver/0.stdout" 2>/dev/null)" "$P"
check_eq "D counts 4 succeeded" "$(pool_json "$P" "jobs['D']['counts']['succeeded']")" 4

# -- a running task cancelled -----------------------------------------------
job K <<CFG
max_task_retries = 2;
tasks = ( { id = "long"; command = "echo \$\$ >$tmp/long.pid; while :; do sleep 0.1; done"; },
          { id = "short"; command = "true"; } );
CFG
req submit "$P" K.cfg
check_status "submit K" 0
check "the long task runs" wait_lines "$tmp/long.pid" 1 30
lp=$(cat "$tmp/long.pid" 2>/dev/null)
check "its process is alive" test -n "$lp" -a -r "/proc/$lp/stat"
req cancel "$P" K long
check_status "cancel K long (running)" 0
ks=$(wait_job "$P" K 40)
check "job K ended" test "$ks" != active -a "$ks" != none
k=0
while [ $k -lt 100 ] && ! gone "$lp"; do sleep 0.1; k=$((k + 1)); done
check "the cancelled task's process is gone" gone "$lp"
check_eq "K: cancelled 1, succeeded 1, failed 0" \
    "$(pool_json "$P" "(jobs['K']['counts']['cancelled'], jobs['K']['counts']['succeeded'], jobs['K']['counts']['failed'])")" \
    "(1, 1, 0)"
req status "$P" K --tasks cancelled
check_eq "status POOLDIR K --tasks cancelled" "$(cat "$tmp/out")" long
check_eq "long ran once (a cancelled task uses no retry)" "$(wc -l <"$tmp/long.pid")" 1

# -- the pool's status as JSON -----------------------------------------------
check_eq "status --json: state" "$(pool_json "$P" "s['state']")" running
check_eq "status --json: 2 workers of 1 slot, alive" \
    "$(pool_json "$P" "[(w['slots'], w['alive']) for w in s['workers']]")" "[(1, True), (1, True)]"
check_eq "status --json: the jobs" "$(pool_json "$P" "sorted(jobs)")" \
    "['A', 'B', 'C', 'D', 'K', 'S', 'blocker']"
check_eq "status --json: their states" \
    "$(pool_json "$P" "' '.join(jobs[j]['state'] for j in ('A', 'B', 'C', 'D', 'S', 'blocker'))")" \
    "succeeded succeeded succeeded succeeded succeeded succeeded"
check_eq "status --json: S counted 30 tasks, none left" \
    "$(pool_json "$P" "(sum(jobs['S']['counts'].values()), jobs['S']['counts']['succeeded'], jobs['S']['open'])")" \
    "(30, 30, False)"
check_eq "status --json: every job has its state directory" \
    "$(pool_json "$P" "all(j['state_dir'] == '$tmp/jobs/' + j['id'] for j in s['jobs'])")" True
check_eq "status --json: pid is the pool's rank 0" \
    "$(pool_json "$P" "s['pid'] == int(open('$P/pool.info').read().split('pid ')[1].split()[0])")" True
req status "$P"
check_status "status POOLDIR (text)" 0
check "status POOLDIR lists job S" grep -q "^  S " "$tmp/out"

req shutdown "$P"
check_status "shutdown" 0
acc_end 30
check_status "the pool after shutdown" 0
check "nothing of the pool survives" tor_gone 20
check_eq "status after the end: ended" "$(pool_json "$P" "s['state']")" ended
req submit "$P" A.cfg
check_status "submit after the end" 3
check "the message" grep -q "no pool is running" "$tmp/err"
mb_finish
