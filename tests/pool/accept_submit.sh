#!/bin/sh
# accept_submit.sh: issue 16 "Checked by": `submit --wait` exits as `run`
# would (0 when every task succeeded, 1 when one failed or the job was
# cancelled), `submit --open` returns at once and the job takes `add`
# (lines and a fragment that depends on them) until `close`, and
# `submit --open --wait` waits until the job is closed and its tasks have
# ended; examples/adaptive.cfg (a driver task adds each generation to its own
# job, the last closes it) given with `submit --wait`.  A pool under
# `mpirun -n 3`.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
. "$top_srcdir/tests/pool/accept-lib.sh"
acc_need_pool
mb_init accept_submit
trap 'acc_cleanup; mb_cleanup' EXIT
cd "$tmp" || die "cd"
P=$tmp/pool

# The drivers of examples/adaptive.cfg call `mpibatch`: the one under test.
bindir=$(cd "$(dirname "$MPIBATCH")" && pwd)
[ "$(basename "$MPIBATCH")" = mpibatch ] || die "MPIBATCH must be named mpibatch"
PATH=$bindir:$PATH
export PATH
acc_start 3 "$P"
check "the pool starts" acc_up "$P"

job ok <<CFG
tasks = ( { id = "a"; command = "sleep 1; echo ok >>$tmp/ran"; } );
CFG
t0=$(date +%s.%N)
req submit --wait "$P" ok.cfg
t1=$(date +%s.%N)
check_status "submit --wait of a job that succeeds" 0
check_eq "it prints the job id" "$(head -n 1 "$tmp/out")" ok
check "it waited for the task" grep -q ok "$tmp/ran"
check_range "it took the task's time (s)" "$(echo "$t1 - $t0" | bc)" 1 15

job bad <<CFG
tasks = ( { id = "a"; command = "exit 3"; }, { id = "b"; command = "true"; } );
CFG
req submit --wait "$P" bad.cfg
check_status "submit --wait of a job with a failed task" 1
check_eq "bad: failed" "$(wait_json "$P" "jobs['bad']['state'] if 'bad' in jobs else ''" failed 5)" failed

job cw <<CFG
tasks = ( { id = "a"; command = "sleep 60"; } );
CFG
(timeout -k 5 60 "$MPIBATCH" submit --wait "$P" cw.cfg >"$tmp/cw.out" 2>"$tmp/cw.err" </dev/null
 echo $? >"$tmp/cw.st") &
cw=$!
k=0
while [ $k -lt 100 ] && [ "$(pool_json "$P" "jobs['cw']['counts']['running'] if 'cw' in jobs else 0")" != 1 ]; do
    sleep 0.1
    k=$((k + 1))
done
req cancel "$P" cw
check_status "cancel cw" 0
wait $cw
check_eq "submit --wait of a job that is cancelled" "$(cat "$tmp/cw.st")" 1
check_eq "cw: cancelled" "$(wait_json "$P" "jobs['cw']['state']" cancelled 5)" cancelled

# --open: the job waits for add and close.
job o <<CFG
tasks = ( );
CFG
t0=$(date +%s.%N)
req submit --open "$P" o.cfg
t1=$(date +%s.%N)
check_status "submit --open" 0
check_range "submit --open returns at once (s)" "$(echo "$t1 - $t0" | bc)" 0 3
sleep 1.5
check_eq "o (no task yet) is still active" "$(job_state "$P" o)" active
check_eq "o is open" "$(pool_json "$P" "jobs['o']['open']")" True
printf 'echo L1 >>%s/o\necho L2 >>%s/o\necho L3 >>%s/o\n' "$tmp" "$tmp" "$tmp" >lines.txt
req add --lines --prefix L "$P" o lines.txt
check_status "add --lines" 0
check_eq "add prints the count" "$(cat "$tmp/out")" 3
printf 'tasks = ( { id = "after"; depends_on = [ "L*" ];\n  command = "grep -c L %s/o | grep -qx 3 && echo after >>%s/o"; } );\n' \
    "$tmp" "$tmp" >after.cfg
req add "$P" o after.cfg
check_status "add of a fragment depending on the lines" 0
check "the added tasks run" wait_lines "$tmp/o" 4 30
check_eq "o is still active before close" "$(job_state "$P" o)" active
req close "$P" o
check_status "close o" 0
check_eq "o succeeded" "$(wait_job "$P" o 30)" succeeded
check_eq "o ran its tasks once, in order" "$(sort "$tmp/o" | tr '\n' ' ')" "L1 L2 L3 after "
check_eq "o counts 4 succeeded" "$(pool_json "$P" "jobs['o']['counts']['succeeded']")" 4
req add --lines "$P" o lines.txt
check_status "add after close" 2
check "the reason" grep -Eq "closed|is over|open job only" "$tmp/err"

# --open --wait: ends when the job is closed and its tasks have ended.
job ow <<CFG
tasks = ( { id = "first"; command = "true"; } );
CFG
(timeout -k 5 60 "$MPIBATCH" submit --open --wait "$P" ow.cfg >"$tmp/ow.out" 2>"$tmp/ow.err" </dev/null
 echo $? >"$tmp/ow.st") &
ow=$!
k=0
while [ $k -lt 100 ] && [ "$(job_state "$P" ow)" != active ]; do sleep 0.1; k=$((k + 1)); done
printf 'echo W >>%s/ow\n' "$tmp" >w.txt
req add --lines "$P" ow w.txt
check_status "add to ow" 0
check "its task runs" wait_lines "$tmp/ow" 1 30
sleep 1
check "submit --open --wait still waits" kill -0 "$ow"
req close "$P" ow
check_status "close ow" 0
k=0
while [ $k -lt 150 ] && kill -0 "$ow" 2>/dev/null; do sleep 0.1; k=$((k + 1)); done
wait $ow
check_eq "submit --open --wait after close" "$(cat "$tmp/ow.st")" 0
check_eq "it printed the job id" "$(head -n 1 "$tmp/ow.out")" ow

# The job-manager pattern on a pool: examples/adaptive.cfg, submitted.
cp -R "$top_srcdir/examples" "$tmp/" || die "cp"
chmod -R u+w "$tmp/examples"
(cd "$tmp/examples" && timeout -k 5 90 "$MPIBATCH" submit --wait "$P" adaptive.cfg \
    >"$tmp/out" 2>"$tmp/err" </dev/null)
st=$?
check_status "submit --wait examples/adaptive.cfg" 0
check_eq "the search found the peak" "$(cat "$tmp/examples/results/best.txt" 2>/dev/null)" "best 37 score 0"
check_eq "adaptive: 13 tasks, all succeeded" \
    "$(wait_json "$P" "(sum(jobs['adaptive']['counts'].values()), jobs['adaptive']['counts']['succeeded']) if 'adaptive' in jobs else None" "(13, 13)" 5)" "(13, 13)"

req shutdown "$P"
check_status "shutdown" 0
acc_end 30
check_status "the pool after shutdown" 0
check "nothing of the pool survives" tor_gone 20
mb_finish
