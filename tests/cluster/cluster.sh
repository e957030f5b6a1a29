#!/bin/sh
# cluster.sh: a multi-host test cluster on one machine, made of network
# namespaces, for the tests that need several nodes:
#
#   sh cluster.sh up [N] [DIR]    hosts mbh1..mbhN (default 3)
#   sh cluster.sh down [DIR]      delete what `up` made, by name
#
# `up` makes a bridge in the root namespace with an address in a private
# /24 nobody on this machine uses, one namespace per host with a veth pair
# (one end on the bridge, `eth0` inside with the host's address, `lo` up),
# and an `ADDR mbhK` line per host in /etc/hosts.  In DIR (default
# $MB_CLUSTER_DIR or /tmp/mbcluster) it writes:
#   agent.sh     the rsh agent for Open MPI: `agent.sh HOST orted ARGS`
#                runs ARGS in HOST's namespace, under HOST's host name
#   cluster.env  shell variables for the tests: MB_HOSTS (mbh1 mbh2 ...),
#                MB_NET (x.y.z.0/24), MB_MCA (the mpirun options that reach
#                the hosts: agent, interfaces, btl) and MB_AGENT
#   made         every object `up` created, one per line (`down` deletes
#                exactly these), and hosts-added, the /etc/hosts lines added
# The hosts share the root namespace's filesystem, as cluster nodes share
# their storage; only the network and the host name differ.  Open MPI's
# shared-memory transport is left out (`btl self,tcp`): ranks on different
# "hosts" see the same /dev/shm, and node membership must come from the
# host names.  Exit codes: 0 done, 77 cannot make namespaces here (the
# reason is printed), 99 misuse.  A second cluster cannot be up at the same
# time (the names are fixed): tests take DIR/../mbcluster.lock with flock.

set -u
PATH=/usr/sbin:/sbin:/usr/bin:/bin:$PATH

usage () {
    echo "usage: cluster.sh up [N] [DIR] | down [DIR]" >&2
    exit 99
}

skip () {
    echo "SKIP: namespace cluster: $*"
    [ -n "${dir:-}" ] && [ -f "$dir/made" ] && do_down >/dev/null 2>&1
    exit 77
}

# remember KIND NAME: `up` created it; `down` deletes it.
remember () {
    echo "$1 $2" >>"$dir/made"
}

# pick_net: the first of a few private /24s that no address or route on
# this machine touches; prints its first three octets.
pick_net () {
    used=$( { ip -o addr; ip route; } 2>/dev/null | sed 's/^/ /; s|/| |g')
    for n in 10.213.77 10.213.78 10.217.41 172.31.213 192.168.213; do
        case $used in
        *" $n."*) continue ;;
        esac
        echo "$n"
        return 0
    done
    return 1
}

do_up () {
    n=$1
    [ "$(id -u)" -eq 0 ] || skip "not root"
    command -v ip >/dev/null 2>&1 || skip "no ip command (iproute2)"
    command -v unshare >/dev/null 2>&1 || skip "no unshare command"
    [ -w /etc/hosts ] || skip "/etc/hosts is not writable"
    for h in $(seq 1 "$n"); do
        ip netns list 2>/dev/null | grep -q "^mbh$h\b" && skip "namespace mbh$h exists already (another cluster is up?)"
    done
    ip link show mbbr0 >/dev/null 2>&1 && skip "bridge mbbr0 exists already (another cluster is up?)"
    net=$(pick_net) || skip "no free private /24"
    mkdir -p "$dir" || exit 99
    : >"$dir/made"
    : >"$dir/hosts-added"
    ip link add mbbr0 type bridge 2>"$dir/ip.err" || skip "cannot make a bridge: $(cat "$dir/ip.err")"
    remember link mbbr0
    ip addr add "$net.254/24" dev mbbr0 || skip "cannot address the bridge"
    ip link set mbbr0 up || skip "cannot bring the bridge up"
    hosts=""
    for h in $(seq 1 "$n"); do
        ns=mbh$h
        ip netns add "$ns" 2>"$dir/ip.err" || skip "cannot make namespace $ns: $(cat "$dir/ip.err")"
        remember netns "$ns"
        ip link add "mbv$h" type veth peer name "mbv${h}p" 2>"$dir/ip.err" ||
            skip "cannot make a veth pair: $(cat "$dir/ip.err")"
        remember link "mbv$h"
        ip link set "mbv$h" master mbbr0 && ip link set "mbv$h" up &&
            ip link set "mbv${h}p" netns "$ns" &&
            ip -n "$ns" link set "mbv${h}p" name eth0 &&
            ip -n "$ns" addr add "$net.$h/24" dev eth0 &&
            ip -n "$ns" link set eth0 up &&
            ip -n "$ns" link set lo up || skip "cannot wire namespace $ns"
        hosts="$hosts $ns"
    done
    # /etc/hosts may be a bind mount: rewrite it in place, never replace it.
    for h in $(seq 1 "$n"); do
        line="$net.$h mbh$h"
        echo "$line" >>/etc/hosts || skip "cannot write /etc/hosts"
        echo "$line" >>"$dir/hosts-added"
    done
    cat >"$dir/agent.sh" <<'EOF'
#!/bin/sh
# Open MPI's rsh agent for the namespace cluster: agent.sh HOST CMD...
host=$1
shift
exec ip netns exec "$host" unshare --uts sh -c "hostname $host; $*"
EOF
    chmod +x "$dir/agent.sh"
    {
        echo "MB_HOSTS='${hosts# }'"
        echo "MB_NET='$net.0/24'"
        echo "MB_AGENT='$dir/agent.sh'"
        echo "MB_MCA='--mca plm_rsh_agent $dir/agent.sh --mca oob_tcp_if_include $net.0/24 --mca btl_tcp_if_include $net.0/24 --mca btl self,tcp'"
    } >"$dir/cluster.env"
    # Every host reaches every other one through the bridge.
    for h in $(seq 1 "$n"); do
        ip netns exec mbh1 ping -c 1 -W 2 "$net.$h" >/dev/null 2>&1 ||
            { command -v ping >/dev/null 2>&1 && skip "mbh1 cannot reach $net.$h"; }
    done
    return 0
}

# Remove exactly the lines `up` added to /etc/hosts, each once.
unhosts () {
    [ -s "$dir/hosts-added" ] || return 0
    awk 'NR == FNR { drop[$0]++; next }
         ($0 in drop) && drop[$0] > 0 { drop[$0]--; next }
         { print }' "$dir/hosts-added" /etc/hosts >"$dir/hosts.new" &&
        cat "$dir/hosts.new" >/etc/hosts && rm -f "$dir/hosts.new" "$dir/hosts-added"
}

do_down () {
    unhosts
    [ -f "$dir/made" ] || return 0
    # Processes left in a host (a test killed half-way): end them, by the
    # PIDs the namespace holds, before the namespace goes.
    for ns in $(sed -n 's/^netns //p' "$dir/made"); do
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    done
    # Newest first: veths, then namespaces, then the bridge.
    tac "$dir/made" | while read -r kind name; do
        case $kind in
        link) ip link del "$name" 2>/dev/null ;;
        netns) ip netns del "$name" 2>/dev/null ;;
        esac
    done
    rm -f "$dir/made" "$dir/agent.sh" "$dir/cluster.env" "$dir/ip.err"
    rmdir "$dir" 2>/dev/null
    return 0
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
up)
    n=${1:-3}
    case $n in ''|*[!0-9]*) usage ;; esac
    dir=${2:-${MB_CLUSTER_DIR:-/tmp/mbcluster}}
    do_up "$n"
    ;;
down)
    dir=${1:-${MB_CLUSTER_DIR:-/tmp/mbcluster}}
    do_down
    ;;
*) usage ;;
esac
