#!/bin/sh
# pool_basic.sh: `mpibatch pool POOLDIR` under mpirun -n 3 (two workers of
# one slot): jobs submitted while it runs start in the order of their
# priority (then submission), `priority` changes it, each task sees its
# own job's settings (environment, storage, state), an open job takes
# `add` until `close`, `cancel` ends a job cancelled, refusals say why,
# `status --json` lists every job, `shutdown` ends the pool (exit 0), and
# each job's state directory reads as a run's (status, report.h5 by h5py).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
mb_init pool_basic
trap 'for p in $(tor_marked); do kill -9 "$p" 2>/dev/null; done; mb_cleanup' EXIT
M=$MPIBATCH
P=$tmp/pool
cd "$tmp" || die "cd"
req () { (cd "$tmp" && timeout 40 "$M" "$@") >"$tmp/out" 2>"$tmp/err"; st=$?; }

# gate: holds both slots until $tmp/go exists.
job gate <<CFG
tasks = ( { id = "g-1"; command = "while [ ! -e $tmp/go ]; do sleep 0.1; done"; },
          { id = "g-2"; command = "while [ ! -e $tmp/go ]; do sleep 0.1; done"; } );
CFG
for j in lo hi mid; do
    job $j <<CFG
environment = { JOBVAR = "var-of-$j"; };
tasks = ( { id = "$j-1"; command = "echo $j-1 >>$tmp/order; echo \"\$JOBVAR \$MPIBATCH_JOB_ID \$MPIBATCH_STORAGE_DIR\" >$tmp/env.$j; echo \"\$MPIBATCH_POOL_DIR\" >$tmp/pooldir.$j; sleep 0.2"; },
          { id = "$j-2"; command = "echo $j-2 >>$tmp/order; sleep 0.2"; } );
CFG
done
job op <<CFG
open = true;
slots_per_worker = 1;
tasks = ( { id = "first"; command = "echo first >>$tmp/op"; } );
CFG
job cx <<CFG
tasks = ( { id = "long"; command = "echo started >>$tmp/cx; sleep 60"; },
          { id = "after"; depends_on = [ "long" ]; command = "echo after >>$tmp/cx"; } );
CFG
job bad <<CFG
tasks = ( { id = "x"; command = "exit 3"; } );
CFG
job stopper <<CFG
on_task_failure = "stop";
tasks = ( { id = "s-1"; command = "exit 1"; },
          { id = "s-2"; depends_on = [ "s-1" ]; on_failure = "satisfy"; command = "echo s-2 >>$tmp/stopper"; } );
CFG
job mp <<CFG
max_parallel_tasks = 1;
tasks = ( { id = "m-1"; command = "echo start >>$tmp/mp; sleep 0.3; echo end >>$tmp/mp"; },
          { id = "m-2"; command = "echo start >>$tmp/mp; sleep 0.3; echo end >>$tmp/mp"; },
          { id = "m-3"; command = "echo start >>$tmp/mp; sleep 0.3; echo end >>$tmp/mp"; } );
CFG

env TORTURE_MARK="$tmp" timeout -k 5 150 $MPIRUN -n 3 --oversubscribe \
    "$M" pool "$P" --slots-per-worker 1 >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null &
pool_pid=$!
for _ in $(seq 200); do [ -s "$P/status.json" ] && break; sleep 0.1; done
check "the pool is up (status.json)" test -s "$P/status.json"
check_eq "POOLDIR is 0700" "$(stat -c %a "$P")" 700

# A second pool on the same directory is refused.
(cd "$tmp" && timeout 30 "$M" pool "$P" >"$tmp/out2" 2>"$tmp/err2" </dev/null)
check_eq "a second pool on POOLDIR: exit 2" "$?" 2

# A POOLDIR others may write to is refused, not fixed.
mkdir -m 777 "$tmp/open"
chmod 777 "$tmp/open"
(cd "$tmp" && timeout 30 "$M" pool "$tmp/open" >"$tmp/out2" 2>"$tmp/err2" </dev/null)
check_eq "a POOLDIR writable by others: exit 2" "$?" 2
check_eq "... left as it was" "$(stat -c %a "$tmp/open")" 777

req submit "$P" gate.cfg
check_status "submit gate" 0
check_eq "submit prints the job id" "$(cat "$tmp/out")" gate
for _ in $(seq 100); do [ -n "$(tor_marked | head -n 1)" ] && break; sleep 0.1; done
req submit "$P" lo.cfg
check_status "submit lo (priority 0)" 0
req submit "$P" hi.cfg --priority 5
check_status "submit hi (priority 5)" 0
req submit "$P" mid.cfg --priority 3
check_status "submit mid (priority 3)" 0
req priority "$P" mid 9
check_status "priority mid 9" 0
req submit "$P" lo.cfg
check_status "a job id already in the pool: refused" 2
check "the reason names it" grep -q "already in the pool" "$tmp/err"
req add "$P" nosuch lo.cfg
check_status "add to a job that is not there" 2
req submit "$P" op.cfg --open
check_status "submit op --open (sets slots_per_worker)" 0
check "the answer says sizing is the pool's" grep -q "pool's own" "$tmp/err"

# The gate opens: mid (9), then hi (5), then lo (0).
touch "$tmp/go"
for _ in $(seq 200); do [ "$(wc -l <"$tmp/order" 2>/dev/null)" -ge 6 ] && break; sleep 0.1; done
# Two slots: a job's two tasks start together, in either order.
check_eq "order: by job priority (as changed)" \
    "$(sed 's/-[0-9]*$//' "$tmp/order" | tr '\n' ' ')" "mid mid hi hi lo lo "
check_eq "a task sees its job's environment, id and storage" "$(cat "$tmp/env.hi")" \
    "var-of-hi hi $tmp"
check_eq "... and another job's its own" "$(cat "$tmp/env.lo")" "var-of-lo lo $tmp"
check_eq "MPIBATCH_POOL_DIR is the pool's" "$(cat "$tmp/pooldir.mid")" "$P"

# The open job takes tasks until it is closed.
printf 'tasks = ( { id = "second"; depends_on = [ "first" ]; command = "echo second >>%s/op"; } );\n' \
    "$tmp" >"$tmp/more.cfg"
req add "$P" op more.cfg
check_status "add to the open job" 0
req add "$P" op --lines - <<EOF
echo third >>$tmp/op
EOF
check_status "add --lines from stdin" 0
for _ in $(seq 100); do [ "$(wc -l <"$tmp/op" 2>/dev/null)" -ge 3 ] && break; sleep 0.1; done
check_eq "the open job ran its added tasks" "$(sort "$tmp/op" | tr '\n' ' ')" "first second third "
# status.json is rewritten at most once a second: give it that long.
opstate () {
    "$M" status --json "$P" 2>/dev/null | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)
print([j["state"] for j in s["jobs"] if j["id"] == "op"][0])' 2>/dev/null
}
for _ in $(seq 30); do [ "$(opstate)" = active ] && break; sleep 0.1; done
check_eq "status --json: op is still active" "$(opstate)" active
req close "$P" op
check_status "close op" 0
req add "$P" op more.cfg
check_status "add to a closed job: refused" 2

# Cancel a job while its task runs.
req submit "$P" cx.cfg
check_status "submit cx" 0
for _ in $(seq 100); do [ -s "$tmp/cx" ] && break; sleep 0.1; done
req cancel "$P" cx
check_status "cancel cx" 0

# submit --wait exits as run would.
req submit "$P" bad.cfg --wait
check_status "submit --wait of a failing job" 1
req submit "$P" stopper.cfg --wait
check_status "on_task_failure = stop: the job fails" 1
check "... and starts nothing more of it" test ! -e "$tmp/stopper"
req submit "$P" mp.cfg --wait
check_status "max_parallel_tasks = 1" 0
check_eq "... its tasks ran one at a time" "$(tr '\n' ' ' <"$tmp/mp")" \
    "start end start end start end "

for _ in $(seq 300); do
    "$M" status --json "$P" >"$tmp/st.json" 2>/dev/null
    n=$("$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sum(j["state"] != "active" for j in s["jobs"]))' "$tmp/st.json" 2>/dev/null)
    [ "$n" = 9 ] && break
    sleep 0.1
done
check_eq "status --json: every job and its state" \
    "$("$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join("%s=%s" % (j["id"], j["state"]) for j in s["jobs"]))' "$tmp/st.json")" \
    "gate=succeeded lo=succeeded hi=succeeded mid=succeeded op=succeeded cx=cancelled bad=failed stopper=failed mp=succeeded"
check_eq "status --json: the jobs' state directories" \
    "$("$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join(j["state_dir"] for j in s["jobs"][:2]))' "$tmp/st.json")" \
    "$tmp/jobs/gate $tmp/jobs/lo"
check_eq "status --json: hi's counts and priority" \
    "$("$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); j=s["jobs"][2]; print(j["counts"]["succeeded"], j["priority"])' "$tmp/st.json")" "2 5"
check_eq "after cancel: its waiting task did not run" "$(tr '\n' ' ' <"$tmp/cx")" "started "

req shutdown "$P"
check_status "shutdown" 0
wait "$pool_pid"
check_eq "the pool exits 0 after shutdown" "$?" 0
check "nothing of the pool survives" tor_gone 20
check_eq "status.json: ended" \
    "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$P/status.json")" ended

# Each job's records read as a run's.
mb status hi.cfg
check_status "status of job hi's state directory" 0
check "status: hi succeeded" grep -q "succeeded" "$tmp/out"
mb status "$P" mid
check_status "status POOLDIR JOB" 0
mb report "$P" mid
check_status "report POOLDIR JOB" 0
check "report POOLDIR JOB: the job's tasks" grep -q "mid" "$tmp/out"
mb logs "$P" op first
check_status "logs POOLDIR JOB TASK" 0
check_eq "report of mid (h5py): ids and states" \
    "$(report_py "$tmp/jobs/mid/report.h5" 'print(" ".join("%s=%s" % (s(i), s(t)) for i, t in zip(f["tasks"]["id"], f["tasks"]["state"])), s(f.attrs["status"]))')" \
    "mid-1=succeeded mid-2=succeeded succeeded"
check_eq "report of op: its added tasks by local index" \
    "$(report_py "$tmp/jobs/op/report.h5" 'print(len(f["tasks"]["id"]), len(f["attempts"]["task"]), max(f["attempts"]["task"]))')" \
    "3 3 2"
check_eq "report of cx: cancelled" \
    "$(report_py "$tmp/jobs/cx/report.h5" 'print(s(f.attrs["status"]), " ".join(s(t) for t in f["tasks"]["state"]))')" \
    "cancelled cancelled cancelled"
check_eq "report of stopper: the rest skipped" \
    "$(report_py "$tmp/jobs/stopper/report.h5" 'print(" ".join(s(t) for t in f["tasks"]["state"]))')" \
    "failed skipped"
if command -v h5dump >/dev/null 2>&1; then
    h5dump -a status "$tmp/jobs/lo/report.h5" >"$tmp/h5" 2>&1
    check "h5dump reads lo's report" grep -q succeeded "$tmp/h5"
fi
req submit "$P" lo.cfg
check_status "submit with no pool running" 3

# Alone (no mpirun: rank 0 runs the tasks itself) with --idle-timeout: a
# job's task gets its job's settings there too, and the pool ends once no
# job has been active for the timeout.
job solo <<CFG
environment = { JOBVAR = "var-of-solo"; };
tasks = ( { id = "s"; command = "sleep 1; echo \"\$JOBVAR \$MPIBATCH_JOB_ID\" >$tmp/solo"; } );
CFG
(cd "$tmp" && exec env TORTURE_MARK="$tmp" timeout -k 5 60 "$M" pool "$tmp/pool2" --idle-timeout 2 \
    >"$tmp/pool2.out" 2>"$tmp/pool2.err" </dev/null) &
solo_pid=$!
for _ in $(seq 100); do [ -s "$tmp/pool2/status.json" ] && break; sleep 0.1; done
req submit "$tmp/pool2" solo.cfg --wait
check_status "a pool alone: submit --wait" 0
check_eq "its task saw its job's settings" "$(cat "$tmp/solo" 2>/dev/null)" "var-of-solo solo"
t0=$(date +%s)
wait "$solo_pid"
check_eq "the idle pool ends by itself (exit 0)" "$?" 0
check_range "... about 2 s after its last job (s)" "$(($(date +%s) - t0))" 0 8
check "the idle timeout is said" grep -q "idle-timeout" "$tmp/pool2.err"
# The pool's own errors: none from the sanitizers (a sanitizer build), and
# its stderr shown when something failed.
check "no sanitizer report from the pool" sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$tmp/pool.err'"
[ "$nfail" -eq 0 ] || sed -n '1,80s/^/    pool| /p' "$tmp/pool.err"
mb_finish
