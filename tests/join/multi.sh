#!/bin/sh
# multi.sh: a multi-instance task spanning the pool's own worker and a
# joined one.  The pool (run --accept-workers, the service and one worker)
# and the joiner each have one slot (a synthetic one-core topology), so
# `instances = 2` fits only over both.  The joiner runs under a host name
# of its own (a UTS namespace), so the two parts are on two "nodes" the
# way the service sees them: the coordination command runs once on each,
# the primary gets both in its host list.  The task is added once the
# joiner is in (the service fails at once a task larger than the workers
# it has: "needs 2 slots but the run has 1").
# Then a second multi-instance task over the same two, and the joiner
# killed -9 while it runs: whichever part the joiner held, the attempt
# ends interrupted only once nothing of it runs any more (the primary on
# the pool's worker is interrupted first), waits for a worker that joins
# (one slot is not enough), and runs again there, exactly once.  A third
# one the same way with the second joiner leaving (SIGUSR1 to its
# mpirun) instead of dying.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v ompi-server >/dev/null 2>&1 || skip "no ompi-server (Open MPI's rendezvous daemon)"
[ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 || skip "needs root and unshare (a host name of its own)"
mb_init join-multi

uri=$tmp/ompi-server.uri
ompi-server --no-daemonize -r "$uri" >"$tmp/server.out" 2>&1 &
server=$!
pool=""
jpid=""
trap 'for p in $jpid $pool $server; do kill -9 "$p" 2>/dev/null; done; [ -n "${MB_KEEP:-}" ] || mb_cleanup' EXIT
for i in $(seq 1 50); do [ -s "$uri" ] && break; sleep 0.1; done
[ -s "$uri" ] || die "ompi-server did not write its URI"
export MPIBATCH_HEARTBEAT=0.5 MPIBATCH_HEARTBEAT_TIMEOUT=3 MPIBATCH_TOPOLOGY="pack:1 core:1 pu:1"
X="-x MPIBATCH_HEARTBEAT -x MPIBATCH_HEARTBEAT_TIMEOUT -x MPIBATCH_TOPOLOGY"

job mi <<EOF2
open = true;
tasks = ( { id = "first"; command = "true"; } );
EOF2
cat >"$tmp/frag.cfg" <<EOF2
tasks = ( { id = "mi"; instances = 2; slots = 1;
            coordination_command = "echo \$(hostname) \$MPIBATCH_IS_PRIMARY >>$tmp/coord";
            command = "echo \$(hostname) \$MPIBATCH_NUM_INSTANCES \$MPIBATCH_HOST_LIST >$tmp/primary"; } );
EOF2
(cd "$tmp" && timeout -k 5 90 "$MPIRUN" -n 2 --oversubscribe --ompi-server "file:$uri" $X \
    "$MPIBATCH" run --accept-workers mi.cfg >"$tmp/pool.out" 2>"$tmp/pool.err" </dev/null
 echo $? >"$tmp/pool.st") &
pool=$!
check "the pool publishes its port" wait_for 30 test -s "$tmp/jobs/mi/pool/join.port"
check "the pool's worker has one slot" grep -q "1 worker, 1 slot," "$tmp/pool.err"
h=$(hostname)
# join HOST TAG: a one-rank joiner under host name HOST, its processes
# marked MB_MARK=multi-$$-TAG.
join () {
    (cd "$tmp" && MB_MARK="multi-$$-$2" timeout -k 5 60 unshare --uts \
        sh -c 'hostname "$0"; exec "$@"' "$1" \
        "$MPIRUN" -n 1 --oversubscribe --ompi-server "file:$uri" $X -x MB_MARK \
        "$MPIBATCH" worker "$tmp/jobs/mi/pool" >"$tmp/$2.out" 2>"$tmp/$2.err" </dev/null
     echo $? >"$tmp/$2.st") &
    jpid=$!
}
join mbjoin w
check "the joiner joined on its own host name" wait_for 30 grep -q "joined on mbjoin (1 slot)" "$tmp/pool.err"
# status.json is rewritten at most once a second.
joined_in_status () { grep -q '"node":"mbjoin","slots":1,"busy":[0-9]*,"joined":true,"alive":true' "$tmp/jobs/mi/pool/status.json"; }
check "status.json shows the joined worker as joined" wait_for 5 joined_in_status
mb add "$tmp/jobs/mi/pool" mi frag.cfg
check_status "add the multi-instance task" 0
check "the multi-instance task ran" wait_for 30 test -s "$tmp/primary"

# The second task: its first attempt's command records its host and pid
# and waits; a later one records whether that process was still there.
cat >"$tmp/frag2.cfg" <<EOF2
tasks = ( { id = "mi2"; instances = 2; slots = 1; max_retries = 0;
            coordination_command = "true";
            command = "echo \$(hostname) \$\$ >>$tmp/starts2;
                       if mkdir $tmp/first2 2>/dev/null; then exec sleep 300; fi;
                       p=\$(awk 'NR == 1 { print \$2 }' $tmp/starts2);
                       s=\$(awk '\$3 != \"Z\" { print \$3 }' /proc/\$p/stat 2>/dev/null);
                       echo \"first: \${s:-gone}\" >$tmp/overlap2; echo end >>$tmp/ends2"; } );
EOF2
mb add "$tmp/jobs/mi/pool" mi frag2.cfg
check_status "add the second multi-instance task" 0
check "its primary runs" wait_for 30 test -s "$tmp/starts2"
echo "# mi2's primary on $(cut -d' ' -f1 "$tmp/starts2")"
# Stop them all first: a task killed before its launcher would be
# reported as a failure by the launcher, not lost with its worker.
victims=$(mb_marked "multi-$$-w")
check "the joiner's processes were found" test -n "$victims"
for p in $victims; do kill -STOP "$p" 2>/dev/null; done
for p in $victims; do kill -9 "$p" 2>/dev/null; done
wait $jpid
check "the pool noticed the lost joiner" wait_for 20 grep -q "worker rank 2 on mbjoin lost" "$tmp/pool.err"
join mbjoin2 w2
check "a second joiner joined" wait_for 30 grep -q "joined on mbjoin2 (1 slot)" "$tmp/pool.err"
check "mi2 ran to its end" wait_for 30 test -s "$tmp/ends2"

sed -e 's/mi2/mi3/' -e 's/starts2/starts3/g' -e 's/first2/first3/' -e 's/overlap2/overlap3/' \
    -e 's/ends2/ends3/' "$tmp/frag2.cfg" >"$tmp/frag3.cfg"
mb add "$tmp/jobs/mi/pool" mi frag3.cfg
check_status "add the third multi-instance task" 0
check "its primary runs" wait_for 30 test -s "$tmp/starts3"
echo "# mi3's primary on $(cut -d' ' -f1 "$tmp/starts3")"
mr=""
for p in $(mb_marked "multi-$$-w2"); do
    case "$(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)" in "$MPIRUN "*|mpirun\ *) mr=$p ;; esac
done
check "the second joiner's mpirun was found" test -n "$mr"
[ -n "$mr" ] && kill -USR1 "$mr"
wait $jpid
check "the second joiner left (exit 0 or 4)" grep -Eqx "0|4" "$tmp/w2.st"
check "the pool saw it leave" grep -q "worker rank 3 on mbjoin2 left (SIGUSR1)" "$tmp/pool.err"
join mbjoin3 w3
check "a third joiner joined" wait_for 30 grep -q "joined on mbjoin3 (1 slot)" "$tmp/pool.err"
check "mi3 ran to its end" wait_for 30 test -s "$tmp/ends3"
mb close "$tmp/jobs/mi/pool" mi
check_status "close the job" 0
wait $pool
pool=""
wait $jpid
jpid=""
check_eq "the pool exits 0" "$(cat "$tmp/pool.st" 2>/dev/null)" 0
check_eq "the third joiner exits 0 when the run ends" "$(cat "$tmp/w3.st" 2>/dev/null)" 0
check_eq "coordination ran once on each node" \
    "$(cut -d' ' -f1 "$tmp/coord" 2>/dev/null | sort | tr '\n' ' ')" "$(printf '%s\n' "$h" mbjoin | sort | tr '\n' ' ')"
check_eq "one of them on the primary's node, which ran the command" \
    "$(awk '$2 == 1 { print $1 }' "$tmp/coord" 2>/dev/null)" "$(cut -d' ' -f1 "$tmp/primary" 2>/dev/null)"
p=$(cat "$tmp/primary" 2>/dev/null)
check "the primary got two instances" sh -c "echo '$p' | grep -q '^[^ ]* 2 '"
check_eq "the host list names both nodes, one slot each" \
    "$(echo "$p" | cut -d' ' -f3 | tr ',' '\n' | sort | tr '\n' ' ')" \
    "$(printf '%s\n' "$h:1" "mbjoin:1" | sort | tr '\n' ' ')"
check_eq "mi2: started twice, ended once" "$(wc -l <"$tmp/starts2") $(cat "$tmp/ends2")" "2 end"
check_eq "mi2: its first attempt's primary had ended when the second started" \
    "$(cat "$tmp/overlap2" 2>/dev/null)" "first: gone"
check "mi2: its second attempt's primary ran on the pool's worker or the new joiner" \
    sh -c "sed -n 2p '$tmp/starts2' | grep -Eq '^($h|mbjoin2) '"
got=$(report_py "$tmp/jobs/mi/report.h5" '
ids = [s(x) for x in f["tasks"]["id"]]
a = [r for r in f["/attempts"][:] if ids[int(r["task"])] == "mi2"]
print(" ".join("%s:%s" % (s(r["outcome"]), "lost" if "lost" in s(r["reason"]) else "-") for r in a[:5]), len(a))')
check_eq "mi2's attempts: interrupted (lost), then succeeded" "$got" "interrupted:lost succeeded:- 2"
check_eq "mi3: started twice, ended once" "$(wc -l <"$tmp/starts3") $(cat "$tmp/ends3")" "2 end"
check_eq "mi3: its first attempt's primary had ended when the second started" \
    "$(cat "$tmp/overlap3" 2>/dev/null)" "first: gone"
got=$(report_py "$tmp/jobs/mi/report.h5" '
ids = [s(x) for x in f["tasks"]["id"]]
a = [r for r in f["/attempts"][:] if ids[int(r["task"])] == "mi3"]
print(" ".join("%s:%s" % (s(r["outcome"]), "left" if "left" in s(r["reason"]) else "-") for r in a[:5]), len(a))')
check_eq "mi3's attempts: interrupted (left), then succeeded" "$got" "interrupted:left succeeded:- 2"
check_eq "status: the four tasks succeeded" "$(status_json mi 's["counts"]["succeeded"]')" 4
mb_finish
