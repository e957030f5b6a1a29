#!/bin/sh
# pool_status.sh: mpibatch status POOLDIR [JOB], logs POOLDIR JOB TASK and
# report POOLDIR JOB.  Two real jobs run under mpirun -n 2 give real state
# directories; tests/unit/pool_serve (the real server side of io/pooldir)
# holds the pool's lock and accepts their submits into accepted.jnl;
# tests/unit/mkpoolstatus writes status.json with io/poolstatus, as the
# pool does.  Checked: the pool view, --json as written, --watch (until the
# pool ends), the JOB forms equal to the state-directory forms, a missing
# job, a torn status.json, the lookup through accepted.jnl, no pool running.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
: "${top_builddir:=.}"
SERVE="$(cd "$top_builddir" && pwd)/tests/unit/pool_serve"
MKST="$(cd "$top_builddir" && pwd)/tests/unit/mkpoolstatus"
[ -x "$SERVE" ] || die "$SERVE not built"
[ -x "$MKST" ] || die "$MKST not built"
mb_init pool_status
P=$tmp/pool
spid=
wpid=
stop_serve () {
    [ -n "$spid" ] || return 0
    kill "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
    spid=
}
trap '[ -n "$wpid" ] && kill "$wpid" 2>/dev/null; stop_serve; mb_cleanup' EXIT

job ja <<'EOF2'
tasks = ( { id = "t1"; command = "echo out-of-t1"; },
          { id = "t2"; command = "echo err-of-t2 >&2; exit 3"; } );
EOF2
job jb <<'EOF2'
tasks = ( { id = "u"; command = "echo u-says-hi"; } );
EOF2
MB_TIMEOUT=60 mb_run 2 -q ja.cfg
check_status "job ja under mpirun -n 2 (one task fails)" 1
MB_TIMEOUT=60 mb_run 2 -q jb.cfg
check_status "job jb under mpirun -n 2" 0
SA=$tmp/jobs/ja
SB=$tmp/jobs/jb

# The pool: pool_serve holds the lock; both jobs are submitted to it.
"$SERVE" "$P" >>"$tmp/serve.out" 2>>"$tmp/serve.err" &
spid=$!
pool_pid=$spid
for _ in $(seq 50); do
    grep -q '^ready' "$tmp/serve.out" 2>/dev/null && break
    sleep 0.1
done
grep -q '^ready' "$tmp/serve.out" || die "pool_serve did not start: $(cat "$tmp/serve.err")"
mb submit "$P" ja.cfg
check_status "submit ja" 0
mb submit "$P" jb.cfg
check_status "submit jb" 0

# status.json as the pool writes it.
now=$(date +%s)
mkstatus () {
    "$MKST" "$P" <<EOF2 || die "mkpoolstatus failed"
pool p1 $(hostname) $pool_pid $1 $((now - 100)) $now
worker 1 nodeA 4 1 0 1
worker 2 nodeB 2 0 1 0
job ja failed 5 0 $SA 0 0 0 1 1 0 0 $((now - 90)) $((now - 80)) $((now - 70))
job jb active 0 1 $SB 0 2 1 3 0 0 4 $((now - 60)) $((now - 50)) -
EOF2
}
mkstatus running

mb status "$P"
check_status "status POOLDIR" 0
check "the pool's line" grep -q "^pool p1 on $(hostname) (pid $pool_pid): running; started .*; updated " "$tmp/out"
check "a running pool: no 'no pool is running'" sh -c "! grep -q 'no pool is running' '$tmp/out'"
check "workers: alive ones counted" grep -q "^workers: 1 alive of 2, 4 slots, 1 busy$" "$tmp/out"
check "a joined worker that left" grep -q "^  worker 2 .*node nodeB .*slots 2 .*busy 0, joined, gone$" "$tmp/out"
check "one line per job: ja" grep -qE "^  ja +failed +5 +0 +0 +0 +1 +1 +0 +0  [0-9-]+ [0-9:]+  [0-9-]+ [0-9:]+  [0-9-]+ [0-9:]+$" "$tmp/out"
check "one line per job: jb (open, not ended)" grep -qE "^  jb +active,open +0 +0 +2 +1 +3 +0 +0 +4  [0-9-]+ [0-9:]+  [0-9-]+ [0-9:]+  -$" "$tmp/out"
check "the table's header" grep -qE "^  JOB +STATE +PRIO +PENDING +READY +RUNNING +SUCCEEDED +FAILED +SKIPPED +CANCELLED +SUBMITTED +STARTED +ENDED$" "$tmp/out"

mb status --json "$P"
check_status "status --json POOLDIR" 0
check "--json prints status.json as it is" cmp -s "$tmp/out" "$P/status.json"
check "and it is JSON" "$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["jobs"][1]["counts"]["cancelled"] == 4' "$tmp/out"

# --watch: repeats while the pool runs, stops once it has ended.
(cd "$tmp" && timeout 20 "$MPIBATCH" status "$P" --watch 0.2 >"$tmp/watch.out" 2>"$tmp/watch.err"; echo $? >"$tmp/watch.st") &
wpid=$!
sleep 1.2
mkstatus ended
for _ in $(seq 50); do [ -s "$tmp/watch.st" ] && break; sleep 0.1; done
wait "$wpid" 2>/dev/null
wpid=
check_eq "--watch ended with the pool" "$(cat "$tmp/watch.st" 2>/dev/null)" 0
check "--watch repeated while it ran" test "$(grep -c '^pool p1 .*: running;' "$tmp/watch.out")" -ge 3
check "--watch showed the end" grep -q '^pool p1 .*: ended;' "$tmp/watch.out"
mkstatus running

# POOLDIR JOB: exactly what the state directory gives.
for j in ja jb; do
    mb status "$tmp/jobs/$j"
    cp "$tmp/out" "$tmp/want"
    mb status "$P" "$j"
    check_status "status POOLDIR $j" 0
    check "status POOLDIR $j = status STATEDIR" cmp -s "$tmp/out" "$tmp/want"
done
mb status "$P" ja --tasks failed
check_eq "status POOLDIR JOB --tasks failed" "$(cat "$tmp/out")" t2
mb status --json "$P" ja
check "status --json POOLDIR JOB is the job's" grep -q '"job_id":"ja"' "$tmp/out"
mb logs "$P" ja t1
check_status "logs POOLDIR JOB TASK" 0
check_eq "the task's stdout" "$(cat "$tmp/out")" out-of-t1
mb logs --stderr "$P" ja t2
check_eq "logs --stderr POOLDIR JOB TASK" "$(cat "$tmp/out")" err-of-t2
mb logs "$P" ja
check_status "logs POOLDIR JOB without a TASK" 2
check "says what is needed" grep -q "mpibatch logs: POOLDIR, JOB and TASK needed" "$tmp/err"
mb report "$SA" --format json
cp "$tmp/out" "$tmp/want"
mb report "$P" ja --format json
check_status "report POOLDIR JOB" 0
check "report POOLDIR JOB = report STATEDIR" cmp -s "$tmp/out" "$tmp/want"
mb report "$P"
check_status "report POOLDIR without a JOB" 2
check "asks for the job" grep -q "which job of the pool" "$tmp/err"

# A job the pool does not have.
for c in "status" "report" "logs"; do
    if [ "$c" = logs ]; then mb logs "$P" zz t1; else mb "$c" "$P" zz; fi
    check_status "$c POOLDIR with a missing job" 2
    check "$c: the reason" grep -q "mpibatch $c: no job 'zz' in pool $P" "$tmp/err"
done
mb status "$P" ja --state "$SA"
check_status "--state with a POOLDIR" 2

# Not in status.json (the pool has not rewritten it yet), or no
# status.json at all: accepted.jnl has the submit.
"$MKST" "$P" <<EOF2
pool p1 h 1 running $now $now
EOF2
mb status "$P" jb
check_status "a job only in accepted.jnl" 0
check "found its state directory" grep -q "^state directory: $SB$" "$tmp/out"
rm "$P/status.json"
mb logs "$P" jb u
check_eq "no status.json: logs through accepted.jnl" "$st:$(cat "$tmp/out")" "0:u-says-hi"
mb status "$P"
check_status "status POOLDIR without status.json" 2
check "says so" grep -q "the pool has written no status.json yet" "$tmp/err"

# A torn status.json: a clear error, exit 2, no crash.
mkstatus running
head -c 150 "$P/status.json" >"$tmp/torn"
mv "$tmp/torn" "$P/status.json"
mb status "$P"
check_status "status POOLDIR, torn status.json" 2
check "names the file and says torn" grep -q "$P/status.json:[0-9]*: the file ends inside the JSON (torn or truncated)" "$tmp/err"
mb status "$P" ja
check_status "status POOLDIR JOB, torn status.json" 2
printf '{"pool": "p", "state": "running", "updated": 1, "workers": [], "jobs": [\n{"id": "ja", "state": "x", "state_dir": "relative"}]}\n' >"$P/status.json"
mb status "$P" ja
check_status "a hostile status.json" 2
check "FILE:LINE and what is wrong" grep -q "$P/status.json:2: jobs\[0\]: 'state_dir' must be an absolute path" "$tmp/err"

# No pool running: the records are still read, and it says so.
stop_serve
mkstatus ended
mb status "$P"
check_status "status POOLDIR after the pool ended" 0
check "says no pool is running" grep -q "^no pool is running in $P (last seen" "$tmp/out"
t0=$(date +%s)
mb status "$P" --watch 1
check_status "--watch with no pool running" 0
check "--watch with no pool running: one look" test "$(grep -c '^pool p1' "$tmp/out")" -eq 1
check_range "at once (s)" "$(($(date +%s) - t0))" 0 2
mb status "$P" jb
check_eq "status POOLDIR JOB after the pool ended" "$st" 0
# bash completion: the job ids come from status.json, else accepted.jnl.
complete_words () {
    bash -c '. "$1/contrib/bash-completion/mpibatch"
        shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
        _mpibatch; echo "${COMPREPLY[*]}"' sh "$top_srcdir" "$@"
}
if command -v bash >/dev/null; then
    check_eq "completion: status POOLDIR <job> from status.json" "$(complete_words mpibatch status "$P" "")" "ja jb"
    check_eq "completion: logs POOLDIR j<b>" "$(complete_words mpibatch logs "$P" jb)" "jb"
    "$MKST" "$P" <<EOF2
pool p1 h 1 running $now $now
job only-here active 0 0 /x 0 0 0 0 0 0 0 1 - -
EOF2
    check_eq "completion: cancel POOLDIR <job> from status.json" "$(complete_words mpibatch cancel "$P" "")" "only-here"
    rm "$P/status.json"
    check_eq "completion: without status.json, from accepted.jnl" "$(complete_words mpibatch report "$P" "")" "ja jb"
fi
mb_finish
