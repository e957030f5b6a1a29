#!/bin/sh
# logs.sh: max_log_size cuts stdout/stderr per attempt without killing
# the task, and the cut is recorded; logs = "report" keeps the logs out of
# the shared filesystem (no logs/ directory), in the report's /logs, and
# mpibatch logs still prints them.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init logs
job cap <<'EOF2'
max_log_size = "1M";
tasks = (
  { id = "loud"; command = "head -c 20000000 /dev/zero | tr '\\0' x; echo done >&2"; },
  { id = "quiet"; command = "echo hello"; }
);
EOF2
mb_run 0 cap.cfg
check_status "a task over the log cap is not killed for it" 0
check_eq "its stdout is cut at exactly 1 MiB" \
    "$(stat -c %s "$tmp/jobs/cap/logs/loud/0.stdout" 2>/dev/null)" 1048576
mb logs cap.cfg loud --stderr
check_eq "its stderr is whole" "$(cat "$tmp/out")" "done"
mb logs cap.cfg loud
check "mpibatch logs says the log was cut" grep -q "cut at the job's max_log_size" "$tmp/err"

job rep <<'EOF2'
logs = "report";
tasks = (
  { id = "a"; command = "echo out-a; echo err-a >&2"; },
  { id = "b"; command = "echo out-b-$MPIBATCH_TASK_ATTEMPT; test $MPIBATCH_TASK_ATTEMPT -ge 1"; max_retries = 1; }
);
EOF2
mb_run 3 rep.cfg
check_status "the run succeeds" 0
check "no per-task log files on the shared filesystem" test ! -e "$tmp/jobs/rep/logs"
mb logs rep.cfg a
check_eq "mpibatch logs prints stdout from the report's spool" "$(cat "$tmp/out")" "out-a"
mb logs rep.cfg a --stderr
check_eq "and stderr" "$(cat "$tmp/out")" "err-a"
mb logs rep.cfg b --attempt 0
check_eq "and an earlier attempt" "$(cat "$tmp/out")" "out-b-0"
got=$(report_py "$tmp/jobs/rep/report.h5" '
rows = f["/logs"][:]
t = f["/tasks"]["id"]
print(sorted("%s/%d/%s=%s" % (s(t[r["task"]]), r["attempt"], s(r["stream"]), s(r["text"]).strip())
             for r in rows if s(r["text"]).strip()))')
check_eq "the report's /logs holds every attempt's output" "$got" \
    "['a/0/stderr=err-a', 'a/0/stdout=out-a', 'b/0/stdout=out-b-0', 'b/1/stdout=out-b-1']"
mb_finish
