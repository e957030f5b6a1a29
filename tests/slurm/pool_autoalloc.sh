#!/bin/sh
# pool_autoalloc.sh: `mpibatch pool POOLDIR --serve-only` (no worker of
# its own) OUTSIDE the real one-node Slurm (cluster.sh) grows itself
# through it and shrinks when idle.  Two jobs are submitted with
# `mpibatch submit`: their backlog makes the pool sbatch worker jobs
# (--max-allocations 2) that join and run the tasks of both jobs (each
# task notes its SLURM_JOB_ID); the allocations leave after their idle
# timeout and are seen ended; `shutdown`; nothing of the pool's in
# squeue; alloc.jnl, status and each job's journal and report read after.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI)"
mb_init slurm-pool-autoalloc
slurm_up
M=$MPIBATCH
spid=
rpid=
stop_all () {
    [ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
    for j in $(squeue -h -o '%i %j' 2>/dev/null | awk '$2 ~ /^mbw-/ { print $1 }'); do
        scancel "$j" 2>/dev/null
    done
    rpid=
    spid=
}
trap 'stop_all; slurm_down; mb_cleanup' EXIT

ours () {
    squeue -h -o '%i %T %j' 2>/dev/null | awk '$3 ~ /^mbw-/ { print $1, $2 }'
}
st_py () {
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
def q(n):
    return [x for x in s.get("allocations", []) if x["queue"] == n][0]
print(eval(sys.argv[2]))' "$P/status.json" "$1" 2>/dev/null || echo "status-error"
}
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
some_running () { ours | grep -q RUNNING; }
both_done () { grep -q 'job one succeeded' "$tmp/pool.err" && grep -q 'job two succeeded' "$tmp/pool.err"; }
all_ended () {
    st_py '[a["state"] for a in q(1)["allocations"]]' >"$tmp/states"
    grep -q "ended" "$tmp/states" && ! grep -Eq "pending|running|submitting" "$tmp/states"
}
none_left () { [ -z "$(ours | grep -v CANCELLED)" ]; }

uri=$tmp/ompi-server.uri
ompi-server --no-daemonize -r "$uri" >"$tmp/ompi-server.log" 2>&1 &
spid=$!
wait_for 10 test -s "$uri" || die "ompi-server wrote no contact: $(cat "$tmp/ompi-server.log")"

for j in one two; do
    job $j <<EOF2
slots_per_worker = 1;
sweeps = ( { id = "t-\${i}"; command = "sleep 2; echo $j-\${i} j\$SLURM_JOB_ID >>$tmp/ran";
             parameters = { i = { from = 1; to = 6; }; }; } );
EOF2
done
P=$tmp/pool
export MPIBATCH_ALLOC_POLL=0.5
(cd "$tmp" && timeout -k 5 250 "$MPIRUN" -n 1 --ompi-server "file:$uri" \
    -x MPIBATCH_ALLOC_POLL -x SLURM_CONF -x PATH \
    "$M" pool "$P" --serve-only >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
rpid=$!
wait_for 30 test -s "$P/join.port" || { show; die "the pool published no port"; }
t0=$(date +%s)
check "the pool prints the exact worker command" \
    grep -q "mpibatch: workers join with: mpirun --ompi-server file:$P/ompi-server.uri $(readlink -f "$M") worker $P\$" \
    "$tmp/pool.err"

req alloc add "$P" slurm --max-allocations 2 --time-limit 5m --idle-timeout 10s
check_status "alloc add" 0
sleep 2
check_eq "nothing waits: nothing submitted" "$(ours)" ""
for j in one two; do
    req submit "$P" "$tmp/$j.cfg"
    check_status "submit $j" 0
done

check "the backlog brings an allocation that runs" wait_for 60 some_running
check_range "no more than --max-allocations" "$(ours | wc -l)" 1 2
check "a worker joined" wait_for 60 grep -q 'worker rank [0-9]* joined' "$tmp/pool.err"
check "both jobs succeed" wait_for 120 both_done
jobs_=$(st_py '" ".join(a["job_id"] for a in q(1)["allocations"] if a["job_id"])')
echo "# allocations: $jobs_"
check_eq "every task ran once" "$(cut -d' ' -f1 "$tmp/ran" | sort -u | wc -l) $(wc -l <"$tmp/ran")" "12 12"
check_eq "tasks of both jobs ran in the pool's Slurm jobs" \
    "$(for j in one two; do grep "^$j-" "$tmp/ran" | grep -vq ' j[0-9][0-9]*$' || echo ok; done | tr '\n' ' ')" "ok ok "
in_allocs=1
for id in $(sed 's/.* j//' "$tmp/ran" | sort -u); do
    echo " $jobs_ " | grep -q " $id " || in_allocs=0
done
check_eq "the Slurm jobs the tasks ran in are the pool's allocations" "$in_allocs" 1
check "the allocations leave when idle" wait_for 60 all_ended
check_eq "nothing of ours in squeue once idle" "$(ours)" ""
check "the joined workers said they leave idle" grep -q 'worker rank [0-9]* on .* left (idle' "$tmp/pool.err"

req shutdown "$P"
check_status "shutdown" 0
wait "$rpid"
rpid=
check_eq "the pool exits 0" "$(cat "$tmp/pool.st")" 0
check "nothing of the pool's in squeue after shutdown" wait_for 20 none_left

# Read after shutdown.
req status "$P"
check "status POOLDIR: no pool running" grep -q "no pool is running" "$tmp/out"
req alloc list "$P"
check_status "alloc list after shutdown" 0
check_eq "alloc list: nothing pending or running" "$(grep -Ec ' (pending|running|submitting) ' "$tmp/out")" 0
jnl >"$tmp/jnl"
for j in $jobs_; do
    check "alloc.jnl: job $j submitted" grep -q "^submit [0-9]* [0-9]* $j\$" "$tmp/jnl"
    check "alloc.jnl: job $j ended" grep -Eq "^state 1 [0-9]+ ended" "$tmp/jnl"
done
for j in one two; do
    check_eq "job $j's journal: 6 succeeded" "$(status_json $j 's["counts"]["succeeded"]')" 6
    check_eq "job $j's report: succeeded" \
        "$(report_py "$tmp/jobs/$j/report.h5" 'print(s(f.attrs["status"]))')" succeeded
done
echo "== $test_name: $(($(date +%s) - t0)) s from the pool's start"
[ "$nfail" -eq 0 ] || show
mb_finish
