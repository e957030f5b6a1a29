"""check_report.py: checks with h5py that a report written by mkreport has
the layout of spec/records.md.  Usage: check_report.py REPORT.h5 [--empty]"""
import sys

import h5py
import numpy as np

TASK_COLUMNS = ["id", "state", "attempts", "exit_code", "signal", "timed_out",
                "worker", "node", "slots", "cpus", "ready_time", "start_time",
                "end_time", "wall_seconds", "user_seconds", "system_seconds",
                "max_rss_kib", "bytes_in", "bytes_out", "reason"]
ATTEMPT_COLUMNS = ["task", "attempt", "worker", "node", "start_time", "end_time",
                   "exit_code", "signal", "outcome", "reason", "slots", "cpus",
                   "rule", "decision"]
WORKER_COLUMNS = ["rank", "node", "slots", "cpus", "tasks_run", "busy_seconds"]
STATES = ["pending", "ready", "running", "succeeded", "failed", "skipped"]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def expect(cond, what):
    if not cond:
        sys.exit("check_report: " + what)


def main():
    path = sys.argv[1]
    empty = "--empty" in sys.argv[2:]
    with h5py.File(path, "r") as f:
        a = f.attrs
        for name in ["job_id", "mpibatch_version", "started", "finished", "status"]:
            expect(name in a, "no root attribute " + name)
            expect(isinstance(a[name], (str, bytes)), name + " is not a string")
        for name in ["workers", "nodes", "slots", "tasks"] + STATES:
            expect(name in a, "no root attribute " + name)
            expect(np.issubdtype(np.asarray(a[name]).dtype, np.integer),
                   name + " is not an integer")
        expect(text(a["job_id"]) == "demo", "job_id")
        expect(text(a["started"]) == "2025-11-26T22:45:00.000Z", "started: %r" % a["started"])

        for name, cols in [("tasks", TASK_COLUMNS), ("attempts", ATTEMPT_COLUMNS),
                           ("workers", WORKER_COLUMNS)]:
            expect(name in f, "no /" + name)
            got = list(f[name].dtype.names)
            expect(got == cols, "/%s columns %r" % (name, got))
        t = f["tasks"]
        for col in ["ready_time", "start_time", "end_time", "wall_seconds"]:
            expect(t.dtype[col] == np.float64, col + " is not float64")
        for col in ["max_rss_kib", "bytes_in", "bytes_out"]:
            expect(t.dtype[col] == np.int64, col + " is not int64")
        expect(f["attempts"].dtype["task"] == np.uint32, "attempts.task is not uint32")

        if empty:
            expect(text(a["status"]) == "interrupted", "status")
            expect(len(t) == 0 and len(f["attempts"]) == 0, "rows in an empty report")
            expect("parameters" not in f and "logs" not in f, "parameters or logs")
            return
        expect(int(a["tasks"]) == 4 and int(a["failed"]) == 1, "counts")
        expect(len(t) == 4, "4 tasks")
        expect([text(x) for x in t["id"]] == ["prep", "sim-1", "sim-2", "post"], "task ids")
        expect(text(t[1]["reason"]) == 'exit 3, "bad input"', "reason")
        expect(text(t[3]["node"]) == "", "a NULL node is not empty")
        expect(t[1]["wall_seconds"] == 40.0, "wall_seconds")

        sim = f["parameters/sim"]
        expect(sim["task"].dtype == np.uint32, "parameters task is not uint32")
        expect(list(sim["task"][:]) == [1, 2], "parameters task rows")
        expect(sim["temperature"].dtype == np.float64, "numeric parameter not float64")
        expect(list(sim["temperature"][:]) == [300.0, 350.5], "temperature values")
        expect([text(x) for x in sim["mesh"][:]] == ["fine", "coarse"], "mesh values")

        logs = f["logs"]
        expect(list(logs.dtype.names) == ["task", "attempt", "stream", "text"], "log columns")
        expect(text(logs[0]["stream"]) == "stdout" and text(logs[0]["text"]) == "prepared\n",
               "log row")
        expect(text(f["job"].attrs["config"]) == 'job_id = "demo";\n', "job config")


if __name__ == "__main__":
    main()
