#!/bin/sh
# join.sh: workers join a running `mpibatch run --accept-workers` from
# another mpirun (`mpibatch worker POOLDIR`), through a real ompi-server:
# (a) joined ranks take tasks beside the run's own worker; (b) a joiner
# that gets SIGTERM mid-task gives its task back without a retry and exits
# 4; (c) a joiner killed with -9 is noticed by heartbeats, its task
# requeued, and the run goes on; (d) --idle-timeout leaves with exit 0.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
mb_init join

MARK="join-$$"
export MB_MARK="$MARK"
# ranks V: the joiner's MPI ranks (a rank's launcher has the same
# environment, but its parent is the rank).
ranks () {
    for p in $(mb_marked "$1"); do
        env_has "$p" OMPI_COMM_WORLD_RANK=0 || env_has "$p" OMPI_COMM_WORLD_RANK=1 || continue
        pp=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
        env_has "$pp" "MB_MARK=$1" && env_has "$pp" OMPI_COMM_WORLD_RANK=0 && continue
        env_has "$pp" "MB_MARK=$1" && env_has "$pp" OMPI_COMM_WORLD_RANK=1 && continue
        echo "$p"
    done
}
gone () {
    for i in $(seq 1 50); do
        [ -z "$(mb_marked "$1")" ] && return 0
        sleep 0.2
    done
    return 1
}

uri="$tmp/ompi-server.uri"
ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; [ -n "${MB_KEEP:-}" ] || mb_cleanup' EXIT
for i in $(seq 1 50); do [ -s "$uri" ] && break; sleep 0.1; done
[ -s "$uri" ] || die "ompi-server did not write its URI"
export MPIBATCH_HEARTBEAT=0.5 MPIBATCH_HEARTBEAT_TIMEOUT=3

# start_run NAME: the run of NAME.cfg in the background, 2 ranks (the
# service and one worker), workers accepted; waits for its port.
start_run () {
    (cd "$tmp" && MB_MARK="$MARK-run-$1" timeout -k 5 120 "$MPIRUN" -n 2 --oversubscribe \
        --ompi-server "file:$uri" -x MB_MARK -x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT \
        "$MPIBATCH" run --accept-workers "$1.cfg" >"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null
     echo $? >"$tmp/$1.st") &
    runpid=$!
    for i in $(seq 1 100); do
        [ -s "$tmp/jobs/$1/pool/join.port" ] && return 0
        sleep 0.2
    done
    return 1
}
# start_worker NAME TAG ARGS...: a 2-rank `mpibatch worker` joining NAME's
# pool in the background, in its own session, marked MARK-TAG.  Its tasks
# see MB_JOINER=1 (tasks inherit their worker's environment): $slow below
# makes them last 30 s there, so a task is surely running when the joiner
# is signalled or killed, however slowly this machine finds its processes.
start_worker () {
    n=$1
    t=$2
    shift 2
    (cd "$tmp" && MB_MARK="$MARK-$t" setsid timeout -k 5 120 "$MPIRUN" -n 2 --oversubscribe \
        --ompi-server "file:$uri" -x MB_MARK -x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT \
        -x MB_JOINER=1 \
        "$MPIBATCH" worker "$@" "jobs/$n/pool" >"$tmp/$t.out" 2>"$tmp/$t.err" </dev/null
     echo $? >"$tmp/$t.st") &
    wpid=$!
}
# running_on TAG: wait until a task runs under the joiner TAG (a process
# of its marked ones running `sleep`).
running_on () {
    for i in $(seq 1 100); do
        for p in $(mb_marked "$MARK-$1"); do
            grep -q '^sleep' "/proc/$p/cmdline" 2>/dev/null && return 0
        done
        sleep 0.1
    done
    return 1
}
workers_py='
w = f["/workers"][:]
print(" ".join("%d:%d" % (int(r["rank"]), int(r["tasks_run"])) for r in w))'

# (a) joined ranks take tasks beside the run's own worker.
job ja <<'EOF2'
sweeps = ( { id = "a-${i}"; command = "sleep 0.5; echo ${i} >> $MPIBATCH_STORAGE_DIR/done-a"; max_retries = 0;
             parameters = { i = { from = 1; to = 16; }; }; } );
EOF2
check "(a) the run publishes its port" start_run ja
start_worker ja wa
wait $wpid
wait $runpid
check_eq "(a) the run exits 0" "$(cat "$tmp/ja.st" 2>/dev/null)" 0
check_eq "(a) the joiner exits 0 when the run ends" "$(cat "$tmp/wa.st" 2>/dev/null)" 0
check "(a) two ranks joined" test "$(grep -c 'worker rank [23] joined' "$tmp/ja.err")" -eq 2
check_eq "(a) every task ran exactly once" "$(sort -n "$tmp/done-a" | uniq | wc -l) $(wc -l <"$tmp/done-a")" "16 16"
w=$(report_py "$tmp/jobs/ja/report.h5" "$workers_py")
echo "(a) workers rank:tasks $w"
check "(a) the run's own worker ran tasks" sh -c "echo '$w' | grep -Eq '(^| )1:[1-9]'"
check "(a) joined rank 2 ran tasks" sh -c "echo '$w' | grep -Eq '(^| )2:[1-9]'"
check "(a) joined rank 3 ran tasks" sh -c "echo '$w' | grep -Eq '(^| )3:[1-9]'"
check "(a) no process left" gone "$MARK-wa"
check "(a) no run process left" gone "$MARK-run-ja"

# Tasks last 4 s on the run's own worker and 30 s on a joiner: the signal
# comes while the joiner's are running (on a loaded machine a 4-s task
# could end between being seen and the signal, and a joiner with nothing
# running leaves idle, exit 0).
slow='case x$MB_JOINER in x1) sleep 30;; *) sleep 4;; esac'
# (b) SIGTERM to the joiner's ranks (their process groups, as Slurm
# sends it; mpirun itself ends its job with 1 on SIGTERM: SIGUSR1 to it is
# forwarded instead) while they run tasks.
job jb <<EOF2
sweeps = ( { id = "b-\${i}"; command = "$slow; echo \${i} >> \$MPIBATCH_STORAGE_DIR/done-b"; max_retries = 0;
             parameters = { i = { from = 1; to = 8; }; }; } );
EOF2
check "(b) the run publishes its port" start_run jb
start_worker jb wb
check "(b) a task runs on the joiner" running_on wb
sleep 0.3
r=$(ranks "$MARK-wb")
for p in $r; do echo "(b) rank $p pgid $(awk '{print $5}' /proc/$p/stat): $(tr '\0' ' ' </proc/$p/cmdline)"; done
check "(b) the joiner's ranks were found" test -n "$r"
for p in $r; do kill -TERM "-$(awk '{print $5}' "/proc/$p/stat")" 2>/dev/null; done
wait $wpid
wait $runpid
check_eq "(b) the joiner exits 4 after giving its tasks back" "$(cat "$tmp/wb.st" 2>/dev/null)" 4
check_eq "(b) the run exits 0" "$(cat "$tmp/jb.st" 2>/dev/null)" 0
check "(b) the service saw the leave" grep -q "left (SIGTERM): requeueing" "$tmp/jb.err"
check_eq "(b) every task succeeded" "$(status_json jb 's["counts"]["succeeded"]')" 8
check_eq "(b) each task's side effect happened exactly once" "$(sort -n "$tmp/done-b" | uniq | wc -l) $(wc -l <"$tmp/done-b")" "8 8"
got=$(report_py "$tmp/jobs/jb/report.h5" '
a = f["/attempts"][:]
print(sum(1 for r in a if s(r["outcome"]) == "interrupted" and "SIGTERM" in s(r["reason"])))')
check_range "(b) the joiner's running tasks were requeued (max_retries 0)" "$got" 1 2
check "(b) no process left" gone "$MARK-wb"
check "(b) no run process left" gone "$MARK-run-jb"

# (b2) SIGUSR1 to the joiner's mpirun: mpirun forwards it to its ranks
# (SIGTERM to mpirun itself ends its job with status 1, Open MPI's rule),
# they leave, mpirun exits with their 4.
job jb2 <<EOF2
sweeps = ( { id = "b-\${i}"; command = "$slow; echo \${i} >> \$MPIBATCH_STORAGE_DIR/done-b2"; max_retries = 0;
             parameters = { i = { from = 1; to = 6; }; }; } );
EOF2
check "(b2) the run publishes its port" start_run jb2
start_worker jb2 wb2
check "(b2) a task runs on the joiner" running_on wb2
sleep 0.3
mr=""
for p in $(mb_marked "$MARK-wb2"); do
    case "$(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)" in "$MPIRUN "*|mpirun\ *) mr=$p ;; esac
done
check "(b2) the joiner's mpirun was found" test -n "$mr"
[ -n "$mr" ] && kill -USR1 "$mr"
wait $wpid
wait $runpid
check_eq "(b2) the joiner's mpirun exits 4" "$(cat "$tmp/wb2.st" 2>/dev/null)" 4
check_eq "(b2) the run exits 0" "$(cat "$tmp/jb2.st" 2>/dev/null)" 0
check "(b2) the service saw the leave" grep -q "left (SIGUSR1): requeueing" "$tmp/jb2.err"
check_eq "(b2) each task's side effect happened exactly once" "$(sort -n "$tmp/done-b2" | uniq | wc -l) $(wc -l <"$tmp/done-b2")" "6 6"
check "(b2) no process left" gone "$MARK-wb2"
check "(b2) no run process left" gone "$MARK-run-jb2"

# (c) the whole joiner killed with -9 mid-task.
job jc <<EOF2
sweeps = ( { id = "c-\${i}"; command = "$slow; echo \${i} >> \$MPIBATCH_STORAGE_DIR/done-c"; max_retries = 0;
             parameters = { i = { from = 1; to = 8; }; }; } );
EOF2
check "(c) the run publishes its port" start_run jc
start_worker jc wc
check "(c) a task runs on the joiner" running_on wc
sleep 0.3
victims=$(mb_marked "$MARK-wc")
check "(c) the joiner's processes were found" test -n "$victims"
# Stop them all first: a task killed before its launcher would be reported
# as a failure by the launcher, not lost with its worker.
for p in $victims; do kill -STOP "$p" 2>/dev/null; done
for p in $victims; do kill -9 "$p" 2>/dev/null; done
wait $wpid
wait $runpid
check_eq "(c) the run exits 0" "$(cat "$tmp/jc.st" 2>/dev/null)" 0
check "(c) the service noticed the lost joiner" grep -q "worker rank [23] on .* lost" "$tmp/jc.err"
check_eq "(c) every task succeeded" "$(status_json jc 's["counts"]["succeeded"]')" 8
check_eq "(c) each task's side effect happened exactly once" "$(sort -n "$tmp/done-c" | uniq | wc -l) $(wc -l <"$tmp/done-c")" "8 8"
got=$(report_py "$tmp/jobs/jc/report.h5" '
a = f["/attempts"][:]
print(sum(1 for r in a if s(r["outcome"]) == "interrupted" and "lost" in s(r["reason"])))')
check_range "(c) the lost joiner's tasks were requeued" "$got" 1 2
check "(c) no process left" gone "$MARK-wc"
check "(c) no run process left" gone "$MARK-run-jc"

# (d) --idle-timeout: a joiner with nothing to do leaves with exit 0 while
# the run goes on.
job jd <<'EOF2'
tasks = ( { id = "d-1"; command = "sleep 8"; } );
EOF2
check "(d) the run publishes its port" start_run jd
sleep 0.5
start_worker jd wd --idle-timeout 2
wait $wpid
check_eq "(d) the idle joiner exits 0" "$(cat "$tmp/wd.st" 2>/dev/null)" 0
check "(d) it left before the run ended" test ! -e "$tmp/jd.st"
wait $runpid
check_eq "(d) the run exits 0" "$(cat "$tmp/jd.st" 2>/dev/null)" 0
check "(d) the service saw it leave" grep -q "left" "$tmp/jd.err"
check "(d) no process left" gone "$MARK-wd"
check "(d) no run process left" gone "$MARK-run-jd"
mb_finish
