#!/bin/sh
# run_open.sh: `mpibatch run` of an open job is a pool of one job: under
# mpirun -n 3 a driver task adds tasks to its own job through
# $MPIBATCH_POOL_DIR (lines, then a fragment depending on them by pattern),
# then closes the job; the run ends with every task run once and recorded
# (status, report).  Requests from outside: submit and add to another job
# are refused (exit 2) with the reason, add after close is refused,
# priority is accepted; a request after the run ended finds no pool (3).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init run_open
M=$MPIBATCH
cd "$tmp" || die "cd"

# The driver: gen 1 as lines, gen 2 as a fragment whose tasks wait for
# every gen-1 task (a pattern), then it closes its job.
cat >driver.sh <<SH
#!/bin/sh
set -e
echo "pool=\$MPIBATCH_POOL_DIR"
printf 'echo g1-a >>"$tmp/ran"\necho g1-b >>"$tmp/ran"\n' >g1.txt
"$M" add --lines --prefix g1- "\$MPIBATCH_POOL_DIR" "\$MPIBATCH_JOB_ID" g1.txt
cat >g2.cfg <<'CFG'
tasks = ( { id = "g2"; depends_on = [ "g1-*" ];
            command = "grep -c g1- $tmp/ran | grep -qx 2 && echo g2 >>$tmp/ran"; } );
CFG
"$M" add "\$MPIBATCH_POOL_DIR" "\$MPIBATCH_JOB_ID" g2.cfg
"$M" close "\$MPIBATCH_POOL_DIR" "\$MPIBATCH_JOB_ID"
SH
chmod +x driver.sh
job open1 <<CFG
open = true;
tasks = ( { id = "driver"; command = "$tmp/driver.sh"; },
          { id = "slow"; command = "sleep 8"; } );
CFG

mb_run 3 open1.cfg &
bg=$!
P=$tmp/jobs/open1/pool
# Wait for the pool directory of the run, then talk to it from outside.
for _ in $(seq 100); do [ -f "$P/pool.info" ] && break; sleep 0.1; done
check "the run made its pool directory" test -f "$P/pool.info"
check "the pool directory is 0700" test "$(stat -c %a "$P")" = 700
timeout 20 "$M" submit "$P" open1.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "submit to a run" 2
check "submit: the reason" grep -q "not a pool" "$tmp/err"
printf 'echo x\n' >x.txt
timeout 20 "$M" add --lines "$P" other x.txt >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "add to another job" 2
check "add to another job: the reason" grep -q "no job 'other'" "$tmp/err"
timeout 20 "$M" priority "$P" open1 5 >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "priority" 0
# The driver closes the job quickly; once closed, add is refused.
for _ in $(seq 100); do grep -q g2 "$tmp/ran" 2>/dev/null && break; sleep 0.1; done
timeout 20 "$M" add --lines "$P" open1 x.txt >"$tmp/out" 2>"$tmp/err"; st=$?
if [ "$st" -eq 3 ]; then
    fail "the run ended before 'slow' did"
else
    check_status "add after close" 2
    check "add after close: the reason" grep -q "closed" "$tmp/err"
fi
wait $bg
st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
check_status "run of the open job" 0
check_eq "each added task ran once" "$(sort "$tmp/ran" | tr '\n' ' ')" "g1-a g1-b g2 "
check_eq "MPIBATCH_POOL_DIR" "$(sed -n 's/^pool=//p' "$tmp/jobs/open1/logs/driver/0.stdout")" "$P"
check_eq "status: every task counted" "$(status_json open1 's["counts"]["succeeded"]')" "5"
check_eq "status: total" "$(status_json open1 's["counts"]["total"]')" "5"
got=$(report_py "$tmp/jobs/open1/report.h5" 'print(" ".join(sorted(s(x) for x in f["tasks"]["id"])))')
check_eq "report: every task" "$got" "driver g1-1 g1-2 g2 slow"
mb logs open1.cfg g2
check_status "logs of an added task" 0
t0=$(date +%s.%N)
timeout 20 "$M" close "$P" open1 >"$tmp/out" 2>"$tmp/err"; st=$?
t1=$(date +%s.%N)
check_status "close after the run" 3
check "no pool: the message" grep -q "no pool is running" "$tmp/err"
check_range "no pool: at once (s)" "$(echo "$t1 - $t0" | bc)" 0 2

# A job that is not open takes no tasks.
job shut1 <<CFG
tasks = ( { id = "a"; command = "sleep 3"; } );
CFG
mb_run 3 shut1.cfg &
bg=$!
P=$tmp/jobs/shut1/pool
for _ in $(seq 100); do [ -f "$P/pool.info" ] && break; sleep 0.1; done
timeout 20 "$M" add --lines "$P" shut1 x.txt >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "add to a job that is not open" 2
check "not open: the reason" grep -q "not open" "$tmp/err"
wait $bg
st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
check_status "run of the closed job" 0
# The run's pool directory has a status.json: status, logs and report
# take POOLDIR [JOB] as for a pool, while the run goes on and after it.
job st1 <<CFG
open = true;
priority = 3;
tasks = ( { id = "a"; command = "echo hello-a"; } );
CFG
mb_run 3 st1.cfg &
bg=$!
P=$tmp/jobs/st1/pool
for _ in $(seq 100); do [ -f "$P/status.json" ] && break; sleep 0.1; done
for _ in $(seq 50); do grep -q '"succeeded":1' "$P/status.json" 2>/dev/null && break; sleep 0.1; done
mb status "$P"
check_status "status POOLDIR during the run" 0
check "status POOLDIR: the job's line" grep -q "st1" "$tmp/out"
mb status --json "$P"
got=$("$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); j=s["jobs"][0]
print(s["state"], len(s["workers"]), j["id"], j["state"], j["priority"], j["open"], j["counts"]["succeeded"])' "$tmp/out")
check_eq "status.json while it runs" "$got" "running 2 st1 active 3 True 1"
mb logs "$P" st1 a
check_eq "logs POOLDIR JOB TASK" "$(cat "$tmp/out")" "hello-a"
timeout 20 "$M" priority "$P" st1 -- -7 >"$tmp/out" 2>"$tmp/err"; st=$?
for _ in $(seq 30); do grep -q '"priority":-7' "$P/status.json" && break; sleep 0.1; done
check "status.json follows the priority" grep -q '"priority":-7' "$P/status.json"
timeout 20 "$M" close "$P" st1 >"$tmp/out" 2>"$tmp/err"; st=$?
wait $bg
st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
check_status "run st1" 0
mb status --json "$P"
got=$("$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); j=s["jobs"][0]
print(s["state"], j["state"], j["open"], j["ended"] is not None)' "$tmp/out")
check_eq "status.json after the run" "$got" "ended succeeded False True"
mb report "$P" st1
check_status "report POOLDIR JOB" 0
check "the report's counts" grep -q "1 succeeded" "$tmp/out"

# A batch's own sweeps are not the job file's: the report's /parameters
# holds the job file's sweeps with their tasks only.
job sw1 <<'CFG'
open = true;
sweeps = ( { id = "s-${x}"; command = "sleep 1"; parameters = { x = [1, 2]; }; } );
CFG
printf 'sweeps = ( { id = "t-${y}"; command = "true"; parameters = { y = [7, 8, 9]; }; } );\n' >frag.cfg
mb_run 3 sw1.cfg &
bg=$!
P=$tmp/jobs/sw1/pool
for _ in $(seq 100); do [ -f "$P/pool.info" ] && break; sleep 0.1; done
timeout 20 "$M" add "$P" sw1 frag.cfg >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "add a sweep" 0
timeout 20 "$M" close "$P" sw1 >"$tmp/out" 2>"$tmp/err"; st=$?
wait $bg
st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
check_status "run with an added sweep" 0
got=$(report_py "$tmp/jobs/sw1/report.h5" '
print(list(f["parameters"].keys()), len(f["parameters"]["s"]["task"]), " ".join(s(x) for x in f["tasks"]["id"]))')
check_eq "report: the job file's sweep only, every task" "$got" "['s'] 2 s-1 s-2 t-7 t-8 t-9"

# shutdown closes an open job: the run ends once its tasks have.
job sd1 <<CFG
open = true;
tasks = ( { id = "a"; command = "sleep 1"; } );
CFG
mb_run 3 sd1.cfg &
bg=$!
P=$tmp/jobs/sd1/pool
for _ in $(seq 100); do [ -f "$P/pool.info" ] && break; sleep 0.1; done
timeout 20 "$M" shutdown "$P" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "shutdown" 0
wait $bg
st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
check_status "run after shutdown" 0

# shutdown --drain interrupts as a signal does: exit 4, resumable.
job sd2 <<CFG
open = true;
tasks = ( { id = "a"; command = "echo a >>$tmp/sd2; sleep 30"; } );
CFG
mb_run 3 sd2.cfg &
bg=$!
P=$tmp/jobs/sd2/pool
for _ in $(seq 100); do [ -s "$tmp/sd2" ] && break; sleep 0.1; done
t0=$(date +%s)
timeout 20 "$M" shutdown --drain "$P" >"$tmp/out" 2>"$tmp/err"; st=$?
check_status "shutdown --drain" 0
wait $bg
st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
t1=$(date +%s)
check_status "run after shutdown --drain" 4
check_range "the drain did not wait for the task (s)" "$((t1 - t0))" 0 15
mb_finish
