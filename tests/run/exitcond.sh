#!/bin/sh
# exitcond.sh: exit conditions under real mpirun (spec/jobfile.md,
# "exit_conditions"): every action and every on word, the rule recorded
# per attempt (journal through status, /attempts through h5py, report
# text), checkpoint requeues without retries, terminate interrupting a
# running sibling, dependents over on_failure, max_requeues used up,
# kill -9 between requeues then --resume, and --deadline ending on time.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init exitcond
MB_TIMEOUT=90

# attempts JOB TASK: "decision:rule-line" of each attempt of TASK, from /attempts.
attempts () {
    report_py "$tmp/jobs/$1/report.h5" "
t = [s(x) for x in f['tasks']['id']]
a = f['attempts']
print(' '.join(s(a['decision'][i]) + ':' + s(a['rule'][i]).split(':')[1] if s(a['rule'][i]) else s(a['decision'][i]) + ':-'
      for i in range(len(a)) if t[a['task'][i]] == '$2'))"
}
# task_field JOB TASK FIELD: a /tasks column of TASK.
task_field () {
    report_py "$tmp/jobs/$1/report.h5" "
r = [x for x in f['tasks'] if s(x['id']) == '$2'][0]
print(s(r['$3']))"
}

# --- every action and every on word ---------------------------------------
echo x >"$tmp/in.txt"
job actions <<EOF
max_task_retries = 1;
tasks = (
  { id = "retry"; command = "exit 12"; max_retries = 2;
    exit_conditions = ( { from = 10; to = 19; action = "retry"; } ); },
  { id = "fail"; command = "exit 3"; max_retries = 5;
    exit_conditions = ( { codes = [ 3 ]; action = "fail"; } ); },
  { id = "succeed"; command = "echo found > out.txt; exit 1";
    exit_conditions = ( { codes = [ 1 ]; action = "succeed"; } );
    outputs = ( { pattern = "out.txt"; destination = "res/succeed.txt"; when = "success"; },
                { pattern = "out.txt"; destination = "res/failure.txt"; when = "failure"; } ); },
  { id = "ckpt"; max_retries = 0;
    command = "n=\$(cat $tmp/ckpt.n 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >$tmp/ckpt.n; [ \$n -ge 4 ] || exit 75";
    exit_conditions = ( { codes = [ 75 ]; action = "requeue"; } ); },
  { id = "requeues"; command = "exit 75"; max_requeues = 2; max_retries = 3;
    exit_conditions = ( { codes = [ 75 ]; action = "requeue"; } ); },
  { id = "rm-input"; command = "rm $tmp/in.txt"; },
  { id = "input"; command = "true"; depends_on = [ "rm-input" ]; max_retries = 3;
    inputs = ( { source = "in.txt"; } );
    exit_conditions = ( { on = "input_error"; action = "fail"; } ); },
  { id = "output"; command = "true"; max_retries = 3;
    outputs = ( { pattern = "missing.txt"; destination = "res/missing.txt"; } );
    exit_conditions = ( { on = "output_error"; action = "fail"; } ); },
  { id = "timeout"; command = "sleep 20"; max_wall_clock = 1;
    exit_conditions = ( { on = "timeout"; action = "succeed"; } ); },
  { id = "signal"; command = "kill -9 \$\$"; max_retries = 3;
    exit_conditions = ( { on = "signal"; action = "fail"; } ); },
  { id = "default"; command = "exit 42"; max_retries = 3;
    exit_conditions = ( { codes = [ 1 ]; action = "succeed"; },
                        { on = "default"; action = "fail"; dependents = "satisfy"; } ); },
  { id = "after-default"; command = "true"; depends_on = [ "default" ]; },
  { id = "block"; command = "exit 5"; on_failure = "satisfy";
    exit_conditions = ( { codes = [ 5 ]; action = "fail"; dependents = "block"; } ); },
  { id = "after-block"; command = "true"; depends_on = [ "block" ]; }
);
EOF
mb_run 3 actions.cfg
check_status "actions: a task failed" 1
check_eq "retry: retried twice, then failed" "$(attempts actions retry)" \
    "retried:7 retried:7 failed:7"
check_eq "fail: no retry used" "$(attempts actions fail)" "failed:9"
check_eq "succeed: one attempt, succeeded by the rule" "$(attempts actions succeed)" "succeeded:11"
check_eq "succeed: the task succeeded" "$(task_field actions succeed state)" "succeeded"
check_eq "succeed: its real exit code" "$(task_field actions succeed exit_code)" "1"
check "succeed: success output published" test -f "$tmp/res/succeed.txt"
check "succeed: failure output not published" test ! -e "$tmp/res/failure.txt"
check_eq "requeue: 3 requeues then success, max_retries 0" "$(attempts actions ckpt)" \
    "requeued:16 requeued:16 requeued:16 succeeded:-"
check_eq "requeue: max_requeues used up" "$(attempts actions requeues)" \
    "requeued:18 requeued:18 failed:18"
check "requeue: the reason says so" sh -c \
    "'$MPIBATCH' status --json '$tmp/actions.cfg' | grep -q 'max_requeues (2) used up'"
check_eq "on input_error" "$(attempts actions input)" "failed:22"
check_eq "on input_error: outcome" "$(task_field actions input state)" "failed"
check_eq "on output_error" "$(attempts actions output)" "failed:25"
check_eq "on timeout: succeed" "$(attempts actions timeout)" "succeeded:27"
check_eq "on signal" "$(attempts actions signal)" "failed:29"
check_eq "on default (after a codes rule)" "$(attempts actions default)" "failed:32"
check_eq "dependents = satisfy over on_failure = block" \
    "$(task_field actions after-default state)" "succeeded"
check_eq "dependents = block over on_failure = satisfy" \
    "$(task_field actions after-block state)" "skipped"
mb status actions.cfg
check "status names the deciding rule" grep -q "rule actions.cfg:18: code 75: requeue" "$tmp/out"
mb report actions.cfg
check "report text lists the decisions" grep -q "requeued  *actions.cfg:16: code 75: requeue" \
    "$tmp/out"

# --- terminate interrupts a running sibling; --resume keeps it terminated --
job term <<EOF
tasks = (
  { id = "long"; command = "[ -f $tmp/again ] || sleep 60"; },
  { id = "bad"; command = "sleep 1; [ -f $tmp/again ] || exit 3";
    exit_conditions = ( { codes = [ 3 ]; action = "fail"; job = "terminate"; } ); },
  { id = "later"; command = "true"; depends_on = [ "long" ]; }
);
EOF
t0=$(date +%s)
mb_run 3 term.cfg
t1=$(date +%s)
check_status "terminate: run exits 1" 1
check_range "terminate: the sibling was interrupted at once (s)" $((t1 - t0)) 0 20
check_eq "terminate: report status" "$(report_py "$tmp/jobs/term/report.h5" "print(s(f.attrs['status']))")" \
    "terminated"
check "terminate: report says which task and rule" sh -c \
    "'$MPIBATCH' report '$tmp/term.cfg' | grep -q 'terminated by task bad, term.cfg:7: code 3: fail, job terminate'"
check_eq "terminate: the sibling's attempt" "$(attempts term long)" "terminated:-"
check "terminate: the sibling's reason" sh -c \
    "'$MPIBATCH' status --json '$tmp/term.cfg' >/dev/null; grep -q 'terminated by task bad' '$tmp/jobs/term/journal'"
check_eq "terminate: the dependent skipped" "$(task_field term later state)" "skipped"
mb status term.cfg
check "terminate: status says so" grep -q "finished, terminated" "$tmp/out"
check "terminate: status names the task and rule" grep -q "terminated by task bad" "$tmp/out"
mb_run 3 --resume term.cfg
check_status "terminate: --resume stays terminated" 1
check_eq "terminate: --resume ran nothing" "$(attempts term long)" "terminated:-"
touch "$tmp/again"
mb_run 3 --resume-failed term.cfg
check_status "terminate: --resume-failed runs the job again" 0

# --- job = stop: no new task starts ----------------------------------------
job stop <<EOF
slots_per_worker = 1;
tasks = (
  { id = "first"; command = "exit 4"; priority = 10;
    exit_conditions = ( { codes = [ 4 ]; job = "stop"; } ); },
  { id = "b"; command = "true"; }, { id = "c"; command = "true"; }, { id = "d"; command = "true"; }
);
EOF
mb_run 2 stop.cfg
check_status "stop: run exits 1" 1
check_eq "stop: nothing else started" "$(status_json stop "s['counts']['skipped']")" "3"

# --- kill -9 between requeues, then --resume keeps the count ---------------
job crash <<EOF
tasks = ( { id = "c"; max_requeues = 3; max_retries = 0;
            command = "echo x >>$tmp/crash.n; sleep 1; exit 75";
            exit_conditions = ( { codes = [ 75 ]; action = "requeue"; } ); } );
EOF
(cd "$tmp" && exec setsid timeout -k 5 60 $MPIRUN -n 2 --oversubscribe "$MPIBATCH" run crash.cfg \
    >"$tmp/crash.out" 2>&1) &
crash_pid=$!
i=0
while [ "$(cat "$tmp/crash.n" 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 200 ]; do
    sleep 0.1; i=$((i + 1))
done
sleep 0.3
# setsid made the run a process group of its own: end all of it at once.
kill -9 -- -"$crash_pid" 2>/dev/null
wait
# The ranks die a moment after mpirun: resume once the state lock is free.
i=0
while ! flock -n "$tmp/jobs/crash/lock" true 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
before=$(wc -l <"$tmp/crash.n")
mb_run 2 --resume crash.cfg
check_status "kill -9 then --resume: the task fails" 1
after=$(wc -l <"$tmp/crash.n")
req=$(report_py "$tmp/jobs/crash/report.h5" "print(sum(1 for d in f['attempts']['decision'] if s(d) == 'requeued'))")
check_eq "kill -9 then --resume: 3 requeues in all" "$req" 3
check_range "kill -9 then --resume: attempts run before the crash" "$before" 2 4
check "kill -9 then --resume: the reason" sh -c \
    "'$MPIBATCH' status --json '$tmp/crash.cfg' | grep -q 'max_requeues (3) used up'"

# --- --deadline ends on time, mpirun included; --resume is exact ------------
job dl <<EOF
slots_per_worker = 1;
tasks = (
  { id = "a"; command = "trap 'exit 75' TERM; [ -f $tmp/dl.done ] && exit 0; sleep 60 & wait"; },
  { id = "b"; command = "trap 'exit 75' TERM; [ -f $tmp/dl.done ] && exit 0; sleep 60 & wait"; },
  { id = "c"; command = "trap 'exit 75' TERM; [ -f $tmp/dl.done ] && exit 0; sleep 60 & wait"; }
);
EOF
t0=$(date +%s.%N)
mb_run 3 --deadline 20 dl.cfg
t1=$(date +%s.%N)
el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
check_status "--deadline 20: exit 4" 4
check_range "--deadline 20: mpirun returned by 20 s" "$el" 0 20
touch "$tmp/dl.done"
mb_run 3 --resume dl.cfg
check_status "--deadline: --resume finishes" 0
check_eq "--deadline: the interrupted tasks ran again once, the held one once" \
    "$(report_py "$tmp/jobs/dl/report.h5" "print(sorted((s(x['id']), int(x['attempts'])) for x in f['tasks']))")" \
    "[('a', 2), ('b', 2), ('c', 1)]"
check_eq "--deadline: no retry used by the interruption" "$(attempts dl a)" "run again:- succeeded:-"
mb_finish
