#!/bin/sh
# exitcodes.sh: exit codes of run (0 all succeeded, 1 a failure, 2 bad
# job file / unknown option / state directory in use or already holding a
# run, 4 is in lifecycle.sh) and the refusal message.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init exitcodes
job ok <<EOF2
tasks = ( { id = "t"; command = "true"; } );
EOF2
job ko <<EOF2
tasks = ( { id = "t"; command = "exit 7"; } );
EOF2
job slow <<EOF2
tasks = ( { id = "t"; command = "sleep 4"; } );
EOF2
printf 'id = "broken";\ntasks = ( { id = "t"; comand = "true"; } );\n' >"$tmp/broken.cfg"

mb_run 2 ok.cfg
check_status "all succeeded" 0
mb_run 2 ko.cfg
check_status "a task failed" 1
mb_run 2 broken.cfg
check_status "bad job file" 2
check "bad job file: FILE:LINE message" grep -q "broken.cfg:2:" "$tmp/err"
mb_run 2 --no-such-option ok.cfg
check_status "unknown option" 2
mb_run 0 --no-such-option ok.cfg
check_status "unknown option, singleton" 2

mb_run 2 ok.cfg
check_status "state directory already holds a run" 2
for o in --resume --resume-failed --restart; do
    check "the refusal names $o" grep -q -- "$o" "$tmp/err"
done
mb_run 2 --restart ok.cfg
check_status "--restart" 0
mb_run 0 --resume ko.cfg
check_status "--resume of a failed run (the failure stays)" 1

# Two concurrent runs on one state directory: the second is refused.
(cd "$tmp" && timeout 60 "$MPIBATCH" run -q slow.cfg >"$tmp/first.out" 2>&1; echo $? >"$tmp/first.st") &
i=0
while [ ! -f "$tmp/jobs/slow/journal" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
mb_run 0 --restart slow.cfg
check_status "a second concurrent run (--restart)" 2
mb_run 2 --resume slow.cfg
check_status "a second concurrent run under mpirun (--resume)" 2
wait
check_eq "the first run still succeeded" "$(cat "$tmp/first.st")" 0
mb_finish
