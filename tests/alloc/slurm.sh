#!/bin/sh
# slurm.sh: automatic allocation against the suite's real one-node Slurm
# (tests/slurm/cluster.sh) and a real ompi-server.  alloc_pool (the
# allocator driven as the service is to drive it) submits a real job when a
# task waits; its script runs the real mpirun with --ompi-server, and the
# worker it starts is a placeholder standing for `mpibatch worker` (the
# real one: tests/slurm/autoalloc.sh): it records its arguments and
# environment and waits to be released.  Checked: submitted, seen running through the real
# squeue, seen ended; a pending one (--begin in an hour) kept across a
# kill -9 and --resume without a second submission, and cancelled with the
# real scancel when the pool ends; nothing of ours left in squeue.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/slurm/slurm-lib.sh"
: "${top_builddir:=.}"
POOL="$(cd "$top_builddir" && pwd)/tests/alloc/alloc_pool"
[ -x "$POOL" ] || die "$POOL not built"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI)"
mb_init alloc-slurm
slurm_up
M=$MPIBATCH
P=$tmp/pool
mkdir -m 700 "$P"
ppid_=
spid=
stop_all () {
    [ -n "$ppid_" ] && kill "$ppid_" 2>/dev/null && wait "$ppid_" 2>/dev/null
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
    ppid_=
    spid=
}
trap 'stop_all; slurm_down; mb_cleanup' EXIT

# A real rendezvous server, its contact in POOLDIR, as the README's job
# script starts it; the pool's own mpirun would name it in its environment.
ompi-server --no-daemonize -r "$P/ompi-server.uri" >"$tmp/ompi-server.log" 2>&1 &
spid=$!
for _ in $(seq 50); do
    [ -s "$P/ompi-server.uri" ] && break
    sleep 0.1
done
[ -s "$P/ompi-server.uri" ] || die "ompi-server wrote no contact: $(cat "$tmp/ompi-server.log")"

# The placeholder for `mpibatch worker`.
cat >"$tmp/worker" <<EOF
#!/bin/sh
echo "args: \$*" >"$tmp/worker.\$SLURM_JOB_ID"
echo "uri: \${OMPI_MCA_pmix_server_uri:-}" >>"$tmp/worker.\$SLURM_JOB_ID"
n=1200
while [ ! -e "$tmp/release" ] && [ "\$n" -gt 0 ]; do sleep 0.1; n=\$((n - 1)); done
EOF
chmod +x "$tmp/worker"

start_pool () {
    OMPI_MCA_pmix_server_uri="file:$P/ompi-server.uri" "$POOL" "$P" --backlog "$tmp/backlog" \
        --mpibatch "$tmp/worker" --poll 0.5 "$@" >>"$tmp/pool.out" 2>>"$tmp/pool.err" &
    ppid_=$!
    for _ in $(seq 50); do
        grep -q '^ready' "$tmp/pool.out" 2>/dev/null && return 0
        sleep 0.1
    done
    die "alloc_pool did not start: $(cat "$tmp/pool.err")"
}
req () {
    timeout 20 "$M" "$@" >"$tmp/out" 2>"$tmp/err"
    st=$?
}
# ours: the jobs of this pool in the real squeue (names mbw-<token>-...).
ours () {
    squeue -h -o '%i %T %j' 2>/dev/null | grep " mbw-" || true
}
last_status () {
    grep '^status ' "$tmp/pool.out" | tail -n 1 | cut -c8-
}
show_job () {
    for f in "$P"/alloc/*/*.out; do
        [ -f "$f" ] && sed -n "1,30s|^|    $(basename "$f")| |p" "$f"
    done
    sed -n '1,40s/^/    pool| /p' "$tmp/pool.out" "$tmp/pool.err"
}

echo 0 >"$tmp/backlog"
: >"$tmp/pool.out"
start_pool
check "the pool prints the worker command with the server" \
    grep -q "^workers join with: mpirun --ompi-server file:$P/ompi-server.uri $tmp/worker worker $P\$" "$tmp/pool.out"

req alloc add "$P" slurm --time-limit 5m --max-allocations 1 --idle-timeout 1m
check_status "alloc add" 0
sleep 1
check_eq "nothing waits: nothing submitted" "$(ours)" ""

# A task waits: one real job, seen running, its worker started by mpirun
# with the rendezvous server and the pool's arguments.
echo 1 >"$tmp/backlog"
wait_for 30 grep -q '"state":"running"' "$tmp/pool.out"
check "allocation 1 seen running through squeue" grep -q '"seq":1,"job_id":"[0-9]*","state":"running"' "$tmp/pool.out"
job1=$(last_status | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["allocations"][0]["job_id"])')
check_eq "squeue agrees" "$(squeue -h -j "$job1" -o %T 2>/dev/null)" "RUNNING"
wait_for 30 test -s "$tmp/worker.$job1"
check "the worker ran with its arguments" grep -q "^args: worker $P --idle-timeout 60\$" "$tmp/worker.$job1"
check "the worker's mpirun named the server" grep -q "^uri: file:$P/ompi-server.uri\$" "$tmp/worker.$job1"
[ "$nfail" -eq 0 ] || show_job
sleep 1.5
check_eq "max-allocations 1: one job only" "$(ours | wc -l)" "1"

# Released, it ends; the pool sees it ended.
echo 0 >"$tmp/backlog"
touch "$tmp/release"
wait_for 30 grep -q '"seq":1,"job_id":"[0-9]*","state":"ended"' "$tmp/pool.out"
check "allocation 1 seen ended" grep -q '"seq":1,"job_id":"'"$job1"'","state":"ended"' "$tmp/pool.out"
rm -f "$tmp/release"

# A queue whose jobs stay pending (they may begin only in an hour).
req alloc remove "$P" 1
check_status "alloc remove 1" 0
req alloc add "$P" slurm --time-limit 5m --max-allocations 1 -- --begin=now+3600
check_status "alloc add (pending)" 0
echo 1 >"$tmp/backlog"
wait_for 30 sh -c "ours | grep -q PENDING"
job2=$(ours | awk '$2 == "PENDING" { print $1 }')
check "a pending job in squeue" test -n "$job2"
wait_for 10 grep -q "\"job_id\":\"$job2\",\"state\":\"pending\"" "$tmp/pool.out"
check "the pool sees it pending" grep -q "\"job_id\":\"$job2\",\"state\":\"pending\"" "$tmp/pool.out"

# kill -9 and --resume: the pending job is known, not submitted again.
kill -9 "$ppid_"
wait "$ppid_" 2>/dev/null
ppid_=
start_pool --resume
sleep 3
check_eq "after resume: still one job of ours" "$(ours | wc -l)" "1"
req alloc list "$P"
check "alloc list shows it pending" grep -q "^  1 *$job2 *pending" "$tmp/out"

# The pool ends: the pending job is cancelled with scancel.
req shutdown "$P"
check_status "shutdown" 0
wait "$ppid_"
ppid_=
check "the pool cancelled it" grep -q "^stopped pending=0 " "$tmp/pool.out"
wait_for 20 sh -c "[ -z \"\$(squeue -h -j $job2 -o %T 2>/dev/null | grep -v CANCELLED)\" ]"
check_eq "nothing of ours left in squeue" "$(ours | grep -v CANCELLED)" ""
req alloc list "$P"
check "alloc list shows it ended" grep -q "^  1 *$job2 *ended" "$tmp/out"
[ "$nfail" -eq 0 ] || show_job
mb_finish
