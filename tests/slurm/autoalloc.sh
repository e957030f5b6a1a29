#!/bin/sh
# autoalloc.sh: a pool that grows itself through the real one-node Slurm
# (cluster.sh) and shrinks when idle.  The pool (`mpibatch run
# --accept-workers` of an open job, 2 ranks) runs OUTSIDE Slurm, on the
# host, with its real ompi-server; `alloc add` makes it submit worker jobs
# while tasks wait.  Checked: the contact file and the worker command the
# pool prints; two real allocations (--max-allocations 2), their
# `mpibatch worker` mpiruns joined and ran tasks (the attempts' worker
# ranks in the report, SLURM_JOB_ID in the tasks); a task whose
# time_request exceeds the allocations' end runs on the pool's own worker
# only and brings no allocation; the allocations leave after their idle
# timeout and are seen ended; sbatch refused (a bad partition): the reason
# in status.json and on stderr, backoff, no storm; a pending allocation
# cancelled when the pool ends; nothing of the pool's in squeue after
# shutdown; alloc.jnl read after shutdown (submit and ended records).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI)"
mb_init slurm-autoalloc
slurm_up
M=$MPIBATCH
spid=
rpid=
stop_all () {
    [ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
    # Jobs of this pool (names mbw-...) that a failure left behind.
    for j in $(squeue -h -o '%i %j' 2>/dev/null | awk '$2 ~ /^mbw-/ { print $1 }'); do
        scancel "$j" 2>/dev/null
    done
    rpid=
    spid=
}
trap 'stop_all; slurm_down; mb_cleanup' EXIT

# ours: this pool's jobs in the real squeue ("ID STATE").
ours () {
    squeue -h -o '%i %T %j' 2>/dev/null | awk '$3 ~ /^mbw-/ { print $1, $2 }'
}
# st_py EXPR: EXPR over POOLDIR/status.json as `s` (the allocations of
# queue Q: q(Q)).
st_py () {
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
def q(n):
    return [x for x in s.get("allocations", []) if x["queue"] == n][0]
print(eval(sys.argv[2]))' "$P/status.json" "$1" 2>/dev/null || echo "status-error"
}
# jnl: POOLDIR/alloc.jnl's records, one a line (each is framed: u32
# length, u32 crc32c, text).
jnl () {
    "$PYTHON" -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 0
while i + 8 <= len(d):
    n = struct.unpack("<I", d[i:i + 4])[0]
    print(d[i + 8:i + 8 + n].decode(errors="replace"))
    i += 8 + n' "$P/alloc.jnl"
}
# Conditions for wait_for (functions run in this shell).
running_2 () { [ "$(ours | grep -c RUNNING)" = 2 ]; }
joined_2 () { [ "$(grep -c 'worker rank [0-9]* joined' "$tmp/pool.err")" = 2 ]; }
listed_2 () { [ "$(st_py 'len(q(1)["allocations"])')" = 2 ]; }
swept () { [ "$(grep -c '^t-' "$tmp/ran" 2>/dev/null)" = 12 ]; }
q1_ended () { [ "$(st_py '[a["state"] for a in q(1)["allocations"]]')" = "['ended', 'ended']" ]; }
pending_1 () { ours | grep -q PENDING; }
none_left () { [ -z "$(ours | grep -v CANCELLED)" ]; }
req () {
    timeout 30 "$M" "$@" >"$tmp/out" 2>"$tmp/err"
    st=$?
}
show () {
    sed -n '1,60s/^/    pool| /p' "$tmp/pool.err"
    for f in "$P"/alloc/*/*.out; do
        [ -f "$f" ] && sed -n "1,20s#^#    $(basename "$(dirname "$f")")/$(basename "$f")| #p" "$f"
    done
}

# The rendezvous server, started before the pool as the README's job
# script does; the pool copies its contact into POOLDIR.
uri=$tmp/ompi-server.uri
ompi-server --no-daemonize -r "$uri" >"$tmp/ompi-server.log" 2>&1 &
spid=$!
wait_for 10 test -s "$uri" || die "ompi-server wrote no contact: $(cat "$tmp/ompi-server.log")"

# One slot per worker: the pool's own worker (rank 1) and each joined
# one take one task at a time.  "hog" holds the pool's worker for 45 s;
# "late" (last) needs 10 minutes, more than an allocation lasts (5), so
# only the pool's own worker may take it, after hog.
job aa <<EOF2
open = true;
slots_per_worker = 1;
tasks = ( { id = "hog"; command = "sleep 45"; priority = 10; },
          { id = "late"; command = "echo late j\$SLURM_JOB_ID >>$tmp/ran"; priority = -10;
            time_request = "10m"; } );
sweeps = ( { id = "t-\${i}"; command = "sleep 3; echo t-\${i} j\$SLURM_JOB_ID >>$tmp/ran";
             parameters = { i = { from = 1; to = 12; }; }; } );
EOF2
P=$tmp/jobs/aa/pool
export MPIBATCH_ALLOC_POLL=0.5
# start_pool [ARGS]: the pool, 2 ranks, its stderr appended to pool.err.
start_pool () {
    rm -f "$P/join.port"
    (cd "$tmp" && timeout -k 5 250 "$MPIRUN" -n 2 --oversubscribe --ompi-server "file:$uri" \
        -x MPIBATCH_ALLOC_POLL -x SLURM_CONF -x PATH \
        "$M" run --accept-workers "$@" aa.cfg >>"$tmp/pool.out" 2>>"$tmp/pool.err" </dev/null
     echo $? >"$tmp/pool.st") &
    rpid=$!
    wait_for 30 test -s "$P/join.port" || { show; die "the pool published no port"; }
}
start_pool
t0=$(date +%s)

check_eq "the server's contact is in POOLDIR" "$(cat "$P/ompi-server.uri" 2>/dev/null)" "$(cat "$uri")"
check "the pool prints the exact worker command" \
    grep -q "mpibatch: workers join with: mpirun --ompi-server file:$P/ompi-server.uri $(readlink -f "$M") worker $P\$" \
    "$tmp/pool.err"

req alloc add "$P" slurm --max-allocations 2 --time-limit 5m --idle-timeout 10s
check_status "alloc add" 0
check_eq "alloc add answers with the queue" "$(cat "$tmp/out")" "allocation queue 1 added"

# Tasks wait: two allocations (not more), their workers join and work.
check "two allocations seen running" wait_for 60 running_2
check "two workers joined" wait_for 60 joined_2
# Each carries its allocation's end (5 min, less the 15 s margin): the
# pool places by it.
sed -n 's/.*joined on .*, until \(.*\))$/\1/p' "$tmp/pool.err" >"$tmp/ends"
check_eq "the joined workers' ends are known" "$(wc -l <"$tmp/ends")" 2
while read -r e; do
    check_range "a joined worker's end, seconds from now" "$(($(date -d "$e" +%s) - $(date +%s)))" 200 290
done <"$tmp/ends"
check_eq "max-allocations 2: no third job" "$(ours | wc -l)" 2
wait_for 10 listed_2
check_eq "status.json: queue 1 with its 2 allocations running" \
    "$(st_py '[a["state"] for a in q(1)["allocations"]]')" "['running', 'running']"
jobs_=$(st_py '" ".join(a["job_id"] for a in q(1)["allocations"])')
check_eq "status.json's job ids are squeue's" "$(echo "$jobs_" | tr ' ' '\n' | sort)" \
    "$(ours | awk '{ print $1 }' | sort)"
joined_in_status () { [ "$(st_py 'sum(1 for w in s["workers"] if w["joined"] and w["alive"])')" = 2 ]; }
check "status.json: the joined workers" wait_for 5 joined_in_status
req status "$P"
check "status POOLDIR lists the allocations" grep -Eq "^  1 +[0-9]+ +running" "$tmp/out"

# The sweep is done on three workers; hog still holds the pool's own.
check "the 12 tasks ran" wait_for 60 swept
check_eq "the allocations' workers ran tasks in their Slurm jobs" \
    "$(for j in $jobs_; do grep -q "^t-.* j$j\$" "$tmp/ran" && echo ok; done | wc -l)" 2
# Idle for 10 s, the joined workers leave; their jobs end and are seen so.
check "the allocations leave when idle" wait_for 40 q1_ended
check_eq "nothing of ours in squeue once idle" "$(ours)" ""
check_eq "late still waits for hog" "$(grep -c '^late' "$tmp/ran")" 0
sleep 2
check "the joined workers said they leave idle" \
    test "$(grep -c 'worker rank [0-9]* on .* left (idle' "$tmp/pool.err")" -eq 2
check_eq "late waits for hog: no allocation for it (it needs more than they last)" \
    "$(st_py 'len(q(1)["allocations"])')" 2
check "the pool says why" grep -q "need at least 600 s but allocations of queue 1 last 300 s" \
    "$tmp/pool.err"
check "late ran, on the pool's own worker (no Slurm job)" \
    wait_for 40 grep -qx "late j" "$tmp/ran"
[ "$nfail" -eq 0 ] || show

# sbatch refused: a queue with a partition that does not exist.  A queue
# whose jobs stay pending (they may begin only in an hour).
req alloc remove "$P" 1
check_status "alloc remove 1" 0
req alloc add "$P" slurm --max-allocations 2 -- --partition=nope
check_status "alloc add (bad partition)" 0
req alloc add "$P" slurm --max-allocations 1 -- --begin=now+3600
check_status "alloc add (pending)" 0
# Four 6-s tasks on the pool's one slot: tasks wait for 18 s.
printf 'sleep 6\nsleep 6\nsleep 6\nsleep 6\n' >"$tmp/lines"
req add --lines "$P" aa "$tmp/lines"
check_status "add 4 tasks of 6 s" 0
check "a pending allocation" wait_for 30 pending_1
sleep 12
check "status.json: sbatch's reason for queue 2" \
    sh -c "grep -q 'invalid partition' '$P/status.json'"
check "stderr: sbatch's reason" grep -q "allocation refused by Slurm (queue 2: sbatch: error: invalid partition" \
    "$tmp/pool.err"
n=$(grep -c "allocation refused by Slurm (queue 2" "$tmp/pool.err")
check_range "backoff: sbatch tried a few times in ~15 s, no storm" "$n" 2 3
check_eq "queue 2: no job submitted (its tries recorded ended)" \
    "$(st_py 'sorted(set((a["job_id"], a["state"]) for a in q(2)["allocations"]))')" "[(None, 'ended')]"
check "status.json: queue 2 backs off" test "$(st_py 'q(2)["backoff_until"] is not None')" = True
pend=$(ours | awk '$2 == "PENDING" { print $1 }')
check_eq "status.json: queue 3's pending job" "$(st_py 'q(3)["allocations"][0]["state"] + " " + q(3)["allocations"][0]["job_id"]')" "pending $pend"

# The pool is killed (rank 0, kill -9) and resumed: alloc.jnl knows the
# pending job; nothing is submitted again.
kill -9 "$(st_py 's["pid"]')"
wait "$rpid"
rpid=
check_eq "after kill -9: the pending job stays" "$(ours)" "$pend PENDING"
: >"$tmp/pool.err"
start_pool --resume
check "the resumed pool knows the pending allocation" \
    grep -q "allocations resumed: 1 pending, 0 running" "$tmp/pool.err"
sleep 3
check_eq "after --resume: the same one job of ours, none submitted again" "$(ours)" "$pend PENDING"
check_eq "status.json after --resume: queue 3's pending job" \
    "$(st_py 'q(3)["allocations"][0]["state"] + " " + q(3)["allocations"][0]["job_id"] + " " + str(len(q(3)["allocations"]))')" \
    "pending $pend 1"

# Shutdown: the run ends when its tasks have; the pending job is
# cancelled, nothing of the pool's is left in squeue.
req shutdown "$P"
check_status "shutdown" 0
wait "$rpid"
rpid=
check_eq "the pool exits 0" "$(cat "$tmp/pool.st")" 0
check "the pool cancelled the pending allocation" \
    grep -q "allocations: 1 pending cancelled, 0 running let go" "$tmp/pool.err"
check "nothing of the pool's in squeue after shutdown" wait_for 20 none_left

# The records, read after shutdown.
req alloc list "$P"
check_status "alloc list after shutdown" 0
check_eq "alloc list: every allocation ended" \
    "$(grep -Ec '^  [0-9]+ +[0-9]+ +ended ' "$tmp/out") $(grep -Ec ' (pending|running|submitting) ' "$tmp/out")" "3 0"
check "alloc list: queue 2's failure" grep -q "last sbatch failure .*invalid partition" "$tmp/out"
jnl >"$tmp/jnl"
for j in $jobs_ $pend; do
    check "alloc.jnl: job $j submitted" grep -q "^submit [0-9]* [0-9]* $j\$" "$tmp/jnl"
done
check_eq "alloc.jnl: queue 1's and 3's allocations recorded ended" \
    "$(grep -Ec '^state (1 [12]|3 1) ended' "$tmp/jnl")" 3
check "alloc.jnl: queue 2's failures" grep -q "^fail 2 1 .*invalid partition" "$tmp/jnl"
check_eq "status.json (ended): the allocations" \
    "$(st_py 's["state"] + " " + str([[a["state"] for a in x["allocations"] if a["job_id"]] for x in s["allocations"]])')" \
    "ended [['ended', 'ended'], [], ['ended']]"
check_eq "each task ran once" "$(cut -d' ' -f1 "$tmp/ran" | sort | uniq -d)" ""
# The attempts (kept across the resumed runs) and where they ran.
ranks_py='
a = f["/attempts"][:]
print(" ".join("%d:%d" % (w, sum(1 for r in a if int(r["worker"]) == w and s(r["outcome"]) == "succeeded"))
               for w in sorted(set(int(r["worker"]) for r in a))))'
w=$(report_py "$tmp/jobs/aa/report.h5" "$ranks_py")
echo "succeeded attempts by rank: $w"
check "the report: joined ranks 2 and 3 ran tasks" \
    sh -c "echo '$w' | grep -Eq '(^| )2:[1-9]' && echo '$w' | grep -Eq '(^| )3:[1-9]'"
late_py='
a = f["/attempts"][:]
t = [s(x) for x in f["/tasks"]["id"][:]]
print(" ".join(str(int(r["worker"])) for r in a if t[int(r["task"])] == "late"))'
check_eq "the report: late's attempt on rank 1, the pool's own worker" \
    "$(report_py "$tmp/jobs/aa/report.h5" "$late_py")" 1
echo "== $test_name: $(($(date +%s) - t0)) s from the pool's start"
[ "$nfail" -eq 0 ] || show
mb_finish
