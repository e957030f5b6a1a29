#!/bin/sh
# cluster.sh: bring a private one-node Slurm cluster (munged, slurmctld,
# slurmd) up in a directory and take it down again, for the Slurm tests.
#
#   sh cluster.sh up DIR     start the daemons; prints the SLURM_CONF to use
#   sh cluster.sh down DIR   cancel leftover jobs, stop the daemons it started
#
# Exit codes follow automake: 0 up and idle, 77 cannot run here (Slurm or
# munge not installed, not root, a daemon does not start), 99 misuse.
# Everything lives under DIR: keys, sockets, state, spool, logs, and the
# PIDs of the three daemons in DIR/pids, so `down` stops exactly the
# processes `up` started and nothing found by name.  Ports are picked free
# at `up`, so two clusters (two tests run by make -j) do not collide.

set -u

usage () {
    echo "usage: cluster.sh up|down DIR" >&2
    exit 99
}

skip () {
    echo "SKIP: Slurm cluster: $*"
    [ -n "${dir:-}" ] && [ -d "$dir" ] && do_down >/dev/null 2>&1
    exit 77
}

# waitfor SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
waitfor () {
    n=$(($1 * 10))
    shift
    while [ "$n" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

alive () {
    kill -0 "$1" 2>/dev/null || return 1
    # The daemons outlive `up` and are reparented; a zombie nobody reaped
    # yet is gone for our purposes.
    [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != Z ]
}

# ours NAME PID: PID is still the NAME daemon we started (not a reused PID).
ours () {
    alive "$2" && [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ]
}

# freeport: a TCP port nobody listens on now.
freeport () {
    /usr/bin/python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

do_up () {
    for p in munged munge unmunge slurmctld slurmd sinfo sbatch squeue scancel setpriv; do
        command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] ||
            skip "$p is not installed (apt-get install slurm-wlm munge)"
    done
    [ "$(id -u)" -eq 0 ] || skip "the fixture must run as root (munged runs as the munge user)"
    id munge >/dev/null 2>&1 || skip "there is no munge user"
    [ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 to find free ports"
    PATH=$PATH:/usr/sbin

    mkdir -p "$dir" || skip "cannot create $dir"
    dir=$(cd "$dir" && pwd -P)
    # munged (as the munge user) must reach its socket under DIR.
    chmod 755 "$dir"
    : >"$dir/pids"
    host=$(hostname -s)

    # munge: its own key (0400 in a 0700 directory) and its own socket.
    mkdir -p "$dir/munge/etc" "$dir/munge/run" "$dir/munge/lib" "$dir/munge/log"
    dd if=/dev/urandom of="$dir/munge/etc/munge.key" bs=1024 count=1 2>/dev/null ||
        skip "cannot write a munge key"
    chown -R munge:munge "$dir/munge"
    chmod 700 "$dir/munge/etc" "$dir/munge/lib" "$dir/munge/log"
    chmod 755 "$dir/munge/run"
    chmod 400 "$dir/munge/etc/munge.key"
    sock=$dir/munge/run/munge.sock
    setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
        --socket="$sock" --key-file="$dir/munge/etc/munge.key" \
        --pid-file="$dir/munge/run/munged.pid" --seed-file="$dir/munge/lib/seed" \
        --log-file="$dir/munge/log/munged.log" </dev/null >"$dir/munged.out" 2>&1 &
    echo "munged $!" >>"$dir/pids"
    munge_ok () {
        munge -S "$sock" -n </dev/null | unmunge -S "$sock" >/dev/null
    }
    waitfor 10 munge_ok || skip "munged does not start: $(tail -n 3 "$dir/munged.out" 2>/dev/null)"

    # slurm.conf: the lines the recipe found necessary, all paths private.
    mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
    node=$(slurmd -C 2>/dev/null | sed -n 's/^\(NodeName=[^ ]* .*\)$/\1/p' | head -n 1)
    [ -n "$node" ] || skip "slurmd -C prints no node line"
    cport=$(freeport) && dport=$(freeport) || skip "cannot find free ports"
    [ "$cport" != "$dport" ] || dport=$((dport + 1))
    conf=$dir/slurm.conf
    cat >"$conf" <<EOF
ClusterName=mbtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
MailProg=/bin/true
KillWait=5
ReturnToService=2
EnforcePartLimits=ALL
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    SLURM_CONF=$conf
    export SLURM_CONF

    slurmctld -D -c -f "$conf" </dev/null >"$dir/slurmctld.out" 2>&1 &
    echo "slurmctld $!" >>"$dir/pids"
    slurmd -D -f "$conf" </dev/null >"$dir/slurmd.out" 2>&1 &
    echo "slurmd $!" >>"$dir/pids"
    idle () {
        while read -r name p; do ours "$name" "$p" || return 1; done <"$dir/pids"
        [ "$(sinfo -h -n "$host" -o %T 2>/dev/null)" = idle ]
    }
    if ! waitfor 30 idle; then
        why=$(tail -n 2 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" "$dir/slurmctld.out" \
                  "$dir/slurmd.out" 2>/dev/null | tr '\n' ' ')
        skip "the node does not become idle: $why"
    fi
    echo "$conf"
}

do_down () {
    [ -f "$dir/pids" ] || return 0
    SLURM_CONF=$dir/slurm.conf
    export SLURM_CONF
    PATH=$PATH:/usr/sbin
    # Jobs first, while slurmctld still runs, so no task outlives the test.
    if [ -f "$SLURM_CONF" ]; then
        ids=$(squeue -h -o %i 2>/dev/null)
        if [ -n "$ids" ]; then
            # shellcheck disable=SC2086
            scancel $ids 2>/dev/null
            waitfor 10 sh -c '[ -z "$(squeue -h -o %i 2>/dev/null)" ]'
        fi
    fi
    # Reverse order: slurmd, slurmctld, then munged they both need.
    tac "$dir/pids" >"$dir/pids.down"
    while read -r name p; do
        ours "$name" "$p" && kill -TERM "$p" 2>/dev/null
    done <"$dir/pids.down"
    while read -r name p; do
        n=100
        while [ "$n" -gt 0 ] && ours "$name" "$p"; do
            sleep 0.1
            n=$((n - 1))
        done
        ours "$name" "$p" && kill -KILL "$p" 2>/dev/null
    done <"$dir/pids.down"
    rm -f "$dir/pids.down"
    rm -f "$dir/pids"
    return 0
}

[ $# -eq 2 ] || usage
dir=$2
case $1 in
up) do_up ;;
down) do_down ;;
*) usage ;;
esac
