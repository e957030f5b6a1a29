#!/bin/sh
# pool.sh: examples/slurm/pool.sbatch in a real one-node Slurm cluster: a
# pool (with its ompi-server) inside a Slurm job, fed from this shell,
# outside the allocation, while it runs.  A blocker job holds both slots;
# jobs "low" and "high" are submitted (in that order, the same priority)
# and "high" is re-prioritised with `priority`; a job "gone" is cancelled
# while its task runs.  Once the blocker ends, high's tasks start before
# low's; gone ends cancelled with its task's process gone.  `shutdown`
# ends the pool (exit 0 in the job's output), the Slurm job ends, squeue
# is empty, and the jobs' records are readable from outside.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
[ -n "${MPIBATCH:-}" ] || die "set MPIBATCH to the mpibatch program"
"$MPIBATCH" pool --help >/dev/null 2>&1 ||
    skip "this mpibatch has no 'pool' command yet ('mpibatch pool --help' fails)"
mb_init slurm-pool
slurm_up
cd "$tmp" || die "cd"
M=$MPIBATCH
P=$tmp/pool

# pj EXPR: EXPR over the pool's status (s; jobs by id).
pj () {
    "$M" status "$P" --json >"$tmp/ps.json" 2>/dev/null || { echo status-failed; return 0; }
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
jobs = {j["id"]: j for j in s.get("jobs", [])}
print(eval(sys.argv[2]))' "$tmp/ps.json" "$1" 2>/dev/null || echo status-json-error
}
# ended JOB SECS: wait until JOB is no longer active; prints its state.
ended () {
    k=0
    while [ $k -lt $(($2 * 5)) ]; do
        s=$(pj "jobs['$1']['state'] if '$1' in jobs else ''")
        case $s in active|""|status-*) ;; *) echo "$s"; return 0 ;; esac
        sleep 0.2
        k=$((k + 1))
    done
    echo "${s:-none}"
}
req () { timeout 60 "$M" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; st=$?; }
# locked: a process holds POOLDIR/pool.lock's write lock (the pool runs).
locked () {
    "$PYTHON" -c '
import fcntl, os, struct, sys
fmt = "hhxxxxqqixxxx"
fd = os.open(sys.argv[1], os.O_RDONLY)
got = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(fmt, fcntl.F_WRLCK, 0, 0, 0, 0))
sys.exit(0 if struct.unpack(fmt, got)[0] != fcntl.F_UNLCK else 1)' "$P/pool.lock" 2>/dev/null
}

example pool.sbatch -e "s|^POOLDIR=.*|POOLDIR=$P|"
id=$(submit "$tmp/pool.sbatch" --slots-per-worker 1)
[ -n "$id" ] || die "sbatch refused pool.sbatch: $(cat "$tmp/sbatch.err")"
k=0
while [ $k -lt 600 ]; do
    [ -f "$P/pool.info" ] && locked && break
    [ -n "$(job_state "$id")" ] || [ $k -lt 50 ] || break
    sleep 0.1
    k=$((k + 1))
done
check_eq "the Slurm job runs" "$(job_state "$id")" RUNNING
check "the pool in the allocation is up" locked
check "its ompi-server wrote its contact into POOLDIR" test -s "$P/ompi-server.uri"
k=0
while [ $k -lt 100 ] && [ ! -s "$P/join.port" ]; do sleep 0.1; k=$((k + 1)); done
check "the pool takes workers: join.port" test -s "$P/join.port"
# The worker command is printed just after join.port is written.
k=0
while [ $k -lt 100 ] && ! grep -q "workers join with: " "$tmp/pool.sbatch-$id.out" 2>/dev/null; do
    sleep 0.1
    k=$((k + 1))
done
check "it says how workers join" grep -q "workers join with: mpirun --ompi-server file:$P/ompi-server.uri" \
    "$tmp/pool.sbatch-$id.out"

job blocker <<CFG
tasks = ( { id = "b1"; command = "echo b1 >>$tmp/blk; while [ ! -f $tmp/go ]; do sleep 0.05; done"; },
          { id = "b2"; command = "echo b2 >>$tmp/blk; while [ ! -f $tmp/go ]; do sleep 0.05; done"; } );
CFG
for j in low high; do
    job "$j" <<CFG
tasks = ( { id = "x1"; command = "echo \$MPIBATCH_JOB_ID >>$tmp/order; sleep 0.3"; },
          { id = "x2"; command = "echo \$MPIBATCH_JOB_ID >>$tmp/order; sleep 0.3"; } );
CFG
done
job gone <<CFG
tasks = ( { id = "g"; command = "echo \$\$ >$tmp/gone.pid; while :; do sleep 0.1; done"; } );
CFG
req submit "$P" blocker.cfg
check_status "submit from outside the allocation" 0
k=0
while [ $k -lt 300 ] && [ "$(cat "$tmp/blk" 2>/dev/null | wc -l)" -lt 2 ]; do sleep 0.1; k=$((k + 1)); done
check_eq "the blocker holds both slots" "$(cat "$tmp/blk" 2>/dev/null | wc -l)" 2
req submit "$P" low.cfg
check_status "submit low" 0
req submit "$P" high.cfg
check_status "submit high" 0
req priority "$P" high 10
check_status "priority high 10" 0
touch "$tmp/go"
for j in blocker low high; do
    check_eq "$j succeeded" "$(ended "$j" 60)" succeeded
done
check_eq "high (re-prioritised) started before low" "$(tr '\n' ' ' <"$tmp/order")" "high high low low "

req submit "$P" gone.cfg
check_status "submit gone" 0
k=0
while [ $k -lt 300 ] && [ ! -s "$tmp/gone.pid" ]; do sleep 0.1; k=$((k + 1)); done
gp=$(cat "$tmp/gone.pid" 2>/dev/null)
check "gone's task runs" test -n "$gp"
req cancel "$P" gone
check_status "cancel gone (its task running)" 0
check_eq "gone is cancelled" "$(ended gone 60)" cancelled
k=0
while [ $k -lt 100 ] && [ -r "/proc/$gp/stat" ] && [ "$(awk '{ print $3 }' "/proc/$gp/stat" 2>/dev/null)" != Z ]; do
    sleep 0.1
    k=$((k + 1))
done
check "its process is gone" sh -c "[ ! -r /proc/$gp/stat ] || [ \"\$(awk '{ print \$3 }' /proc/$gp/stat)\" = Z ]"

# Slurm's warning before the time limit (USR1 to the batch script, as
# --signal=B:USR1@120 sends it) drains the pool: exit 4, the job left
# interrupted; `sbatch pool.sbatch --resume` continues it.
job late <<CFG
tasks = ( { id = "l"; command = "echo start >>$tmp/late; while [ ! -f $tmp/go2 ]; do sleep 0.05; done; echo done >>$tmp/late"; } );
CFG
req submit "$P" late.cfg
check_status "submit late" 0
k=0
while [ $k -lt 300 ] && [ ! -s "$tmp/late" ]; do sleep 0.1; k=$((k + 1)); done
scancel --signal=USR1 --batch "$id"
check "the drained Slurm job ends within 60 s" job_wait "$id" 60
check_exit "pool.sbatch after USR1" "$tmp/pool.sbatch-$id.out" 4
check_eq "late is interrupted" "$(pj "jobs['late']['state']")" interrupted
touch "$tmp/go2" "$tmp/.resumed"
sleep 0.01
id=$(submit "$tmp/pool.sbatch" --slots-per-worker 1 --resume)
[ -n "$id" ] || die "sbatch refused pool.sbatch --resume: $(cat "$tmp/sbatch.err")"
# The resumed pool is up: a new pool.info, and its lock held.
k=0
while [ $k -lt 600 ]; do
    [ -n "$(find "$P" -maxdepth 1 -name pool.info -newer "$tmp/.resumed")" ] && locked && break
    sleep 0.1
    k=$((k + 1))
done
check "the resumed pool is up in the next allocation" locked
# ... and has written its own status (the drained pool's says "ended").
k=0
while [ $k -lt 150 ] && [ "$(pj "s['state']")" != running ]; do sleep 0.2; k=$((k + 1)); done
check_eq "late succeeded there" "$(ended late 60)" succeeded
check_eq "l ended once" "$(grep -c 'done' "$tmp/late")" 1

req shutdown "$P"
check_status "shutdown" 0
check "the Slurm job ends within 60 s" job_wait "$id" 60
check_exit "pool.sbatch --resume" "$tmp/pool.sbatch-$id.out" 0
check_eq "squeue is empty" "$(squeue -h 2>/dev/null)" ""
check_eq "the pool's status: ended" "$(pj "s['state']")" ended
req report "$P" high
check_status "report POOLDIR high after the allocation" 0
req submit "$P" low.cfg
check_status "submit after the allocation ended" 3
mb_finish
