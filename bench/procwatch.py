#!/usr/bin/python3
# procwatch.py: samples the process tree of one command for bench/run:
# rank 0's peak RSS (VmHWM) and the CPU time of every process but the tasks.
#
# usage: procwatch.py OUT ROOTPID INTERVAL [WINDOW_START WINDOW_END]
# Writes key=value lines to OUT when ROOTPID is gone.  WINDOW_* are seconds
# after the watch started: the CPU used by the tree (minus processes named
# in SKIP) between the two samples nearest those times, per wall second.
import os
import sys
import time

SKIP = {"sleep", "true", "sh"}
HZ = os.sysconf("SC_CLK_TCK")


def stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    # comm may hold spaces or parentheses: split after the last ')'.
    comm = s[s.index("(") + 1:s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    return {"comm": comm, "ppid": int(rest[1]), "sid": int(rest[3]),
            "cpu": int(rest[11]) + int(rest[12])}


def hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rank_of(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            for kv in f.read().split(b"\0"):
                if kv.startswith(b"OMPI_COMM_WORLD_RANK="):
                    return int(kv.split(b"=", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def tree(root):
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = stat(int(d))
            if st:
                procs[int(d)] = st
    rsid = procs.get(root, {}).get("sid")
    out = {}
    for pid, st in procs.items():
        p, n = pid, 0
        while p > 1 and p != root and n < 64:
            p = procs.get(p, {}).get("ppid", 0)
            n += 1
        if p == root or (rsid and st["sid"] == rsid and rsid != os.getsid(0)):
            out[pid] = st
    return out


def main():
    outpath, root, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    wa = float(sys.argv[4]) if len(sys.argv) > 5 else None
    wb = float(sys.argv[5]) if len(sys.argv) > 5 else None
    t0 = time.time()
    last = {}          # pid -> cpu ticks, last seen, non-task processes
    snap_a = snap_b = None
    ta = tb = None
    rank0 = None
    peak = 0
    while os.path.exists("/proc/%d" % root):
        procs = tree(root)
        now = time.time() - t0
        for pid, st in procs.items():
            if st["comm"] in SKIP:
                continue
            last[pid] = st["cpu"]
            if rank0 is None and st["comm"].startswith("mpibatch"):
                parent = procs.get(st["ppid"], {}).get("comm", "")
                r = rank_of(pid)
                if not parent.startswith("mpibatch") and (r is None or r == 0):
                    rank0 = pid
        if rank0 in procs:
            peak = max(peak, hwm(rank0))
        if wa is not None and snap_a is None and now >= wa:
            snap_a, ta = dict(last), now
        if wb is not None and snap_b is None and now >= wb:
            snap_b, tb = {p: last[p] for p in procs if p in last}, now
        time.sleep(interval)
    with open(outpath, "w") as f:
        f.write("rank0_hwm_kib=%d\n" % peak)
        f.write("tree_cpu_s=%.3f\n" % (sum(last.values()) / HZ))
        if snap_a is not None and snap_b is not None and tb > ta:
            used = sum(c - snap_a.get(p, 0) for p, c in snap_b.items()) / HZ
            f.write("window_s=%.2f\nwindow_cpu_s=%.3f\n" % (tb - ta, used))


if __name__ == "__main__":
    main()
