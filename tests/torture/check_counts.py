#!/usr/bin/python3
# check_counts.py REPORT STORAGE NTASKS: the end-of-torture invariants of
# a job written by torture-lib.sh's tor_job, from the final HDF5 report
# (every attempt of every run: the resumed service replays the journal),
# the shared counter file STORAGE/counter and the outputs STORAGE/results.
#
# Each attempt of task T writes "T A" (A its attempt number) to its own
# file, then appends "done T A" to the counter; its output file is
# published as results/T.txt only on success.  Invariants, per task:
#  1. exactly one attempt is recorded as succeeded (call it A), the
#     task's state is succeeded, and no attempt has a number above A:
#     nothing ran again after the journal recorded the success;
#  2. results/T.txt is exactly "T A\n": the output is whole and is the
#     one the recorded successful attempt wrote (the working directory is
#     fresh for every attempt);
#  3. per task, 1 <= done lines <= 1 + attempts recorded as interrupted:
#     the one recorded success wrote one line, and a line without a
#     recorded success is allowed only from an attempt that the journal
#     shows cut by a crash (the run died after the task ended and before
#     its end reached the journal, so it ran once more).  A task that ran
#     again after its success was recorded adds a line that no interrupted
#     attempt accounts for (or a second success, caught by 1);
#  4. attempt numbers are unique per task (they continue across runs, so
#     a later attempt never overwrites an earlier one's logs), and then,
#     by number: "done T A" exactly once, and every other "done T B" names
#     an attempt B recorded as interrupted, at most once, never an attempt
#     the journal does not know.
# LOST (optional, default 0): records the test itself destroyed (torn.sh
# cuts the journal's last record after the run wrote it whole).  Up to
# LOST tasks may then have one done line that nothing in the journal
# accounts for: the attempt that record started or ended.
# Prints one "PASS: ..." or "FAIL: ..." line per invariant; exit 1 on any
# failure.
import collections
import os
import sys

import h5py


def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    report, storage, ntasks = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lost = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    f = h5py.File(report, "r")
    tasks = f["/tasks"][:]
    atts = f["/attempts"][:]
    ids = [s(x) for x in tasks["id"]]
    bad = collections.defaultdict(list)

    def note(kind, msg):
        bad[kind].append(msg)

    if len(ids) != ntasks:
        note("tasks", "%d rows in /tasks, want %d" % (len(ids), ntasks))
    by_task = collections.defaultdict(list)
    for a in atts:
        by_task[int(a["task"])].append((int(a["attempt"]), s(a["outcome"]), s(a["reason"]),
                                        float(a["start_time"])))

    done = collections.Counter()
    for line in open(os.path.join(storage, "counter")):
        w = line.split()
        if len(w) != 3 or w[0] != "done":
            note("counter", "malformed counter line %r" % line)
            continue
        done[(w[1], int(w[2]))] += 1
    seen_ids = set()

    for row, tid in enumerate(ids):
        seen_ids.add(tid)
        st = s(tasks["state"][row])
        al = by_task.get(row, [])
        succ = [n for n, o, _, _ in al if o == "succeeded"]
        outcome = {}
        unique = True
        for n, o, _, _ in al:
            if n in outcome:
                note("attempts", "%s: attempt %d recorded twice (%s, %s)" % (tid, n, outcome[n], o))
                unique = False
            outcome[n] = o
        ndone = sum(c for (t2, b), c in done.items() if t2 == tid)
        nint = sum(1 for _, o, _, _ in al if o == "interrupted")
        slack = 0
        if lost > 0 and ndone == 2 + nint:
            lost -= 1
            slack = 1
            print("# %s: one done line ascribed to the destroyed record" % tid)
        if not 1 <= ndone <= 1 + nint + slack:
            note("count", "%s: %d done lines, %d attempts recorded as interrupted %s"
                 % (tid, ndone, nint, sorted(al)))
        if st != "succeeded":
            note("succeeded", "%s: state %s" % (tid, st))
        if len(succ) != 1:
            note("once", "%s: %d attempts recorded as succeeded %s" % (tid, len(succ), sorted(al)))
            continue
        a = succ[0]
        later = [n for n in outcome if n > a]
        t_succ = max(t for _, o, _, t in al if o == "succeeded")
        if any(t > t_succ for _, o, _, t in al):
            note("once", "%s: an attempt started after the recorded success %s" % (tid, sorted(al)))
        if later:
            note("once", "%s: attempts %s ran after the success of attempt %d" % (tid, later, a))
        path = os.path.join(storage, "results", tid + ".txt")
        try:
            text = open(path).read()
        except OSError as e:
            note("outputs", "%s: %s" % (tid, e))
        else:
            if text != "%s %d\n" % (tid, a):
                note("outputs", "%s: results/%s.txt is %r, want %r" % (tid, tid, text, "%s %d\n" % (tid, a)))
        if not unique or slack:
            continue
        if done[(tid, a)] != 1:
            note("counter", "%s: %d done lines for its successful attempt %d"
                 % (tid, done[(tid, a)], a))
        for (t2, b), c in done.items():
            if t2 != tid or b == a:
                continue
            if b not in outcome:
                note("counter", "%s: done line for attempt %d, which the journal does not know" % (tid, b))
            elif outcome[b] != "interrupted":
                note("counter", "%s: done line for attempt %d recorded as %s" % (tid, b, outcome[b]))
            if c > 1:
                note("counter", "%s: %d done lines for attempt %d" % (tid, c, b))
    for (t2, b) in done:
        if t2 not in seen_ids:
            note("counter", "done line for unknown task %s" % t2)

    extra = sum(c for (t, b), c in done.items()) - len(ids)
    reruns = sum(1 for al in by_task.values() for n, o, _, _ in al if o == "interrupted")
    print("# %d tasks, %d attempts (%d interrupted), %d done lines (%d from attempts "
          "that ended unrecorded)" % (len(ids), len(atts), reruns, sum(done.values()), extra))
    checks = [
        ("succeeded", "every task succeeded"),
        ("tasks", "the report lists every task"),
        ("once", "one recorded success per task, nothing ran after it"),
        ("count", "per task: 1 <= done lines <= 1 + attempts recorded as interrupted"),
        ("outputs", "every output is whole and from the recorded successful attempt"),
        ("attempts", "attempt numbers are unique per task"),
        ("counter", "by attempt number: one done line for the success, others only from interrupted attempts"),
    ]
    rc = 0
    for kind, what in checks:
        if bad[kind]:
            rc = 1
            print("FAIL: %s: %d problems" % (what, len(bad[kind])))
            for m in bad[kind][:10]:
                print("    " + m)
        else:
            print("PASS: " + what)
    return rc


sys.exit(main())
