#!/bin/sh
# options.sh: the spellings every command accepts (cli_opts, getopt_long):
# --opt value, --opt=value, short options, -o=FILE, options after the
# arguments, "--" ending the options, abbreviations, status --watch [S],
# POSIXLY_CORRECT changing nothing; --help on stdout with exit 0 for each
# command; usage errors on stderr with exit 2 and one wording.  No mpirun:
# one singleton run makes the state directory the reading commands need.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init options
job j <<EOF2
tasks = ( { id = "t"; command = "echo hello"; } );
EOF2
st_dir=$tmp/jobs/j

# ok WHAT ARGS...: mpibatch ARGS exits 0 with empty stderr.
ok () {
    what=$1
    shift
    mb "$@"
    if [ "$st" -eq 0 ] && [ ! -s "$tmp/err" ]; then pass "$what"; else fail "$what: exit $st"; fi
}
# bad WHAT TEXT ARGS...: mpibatch ARGS exits 2, prints nothing on stdout
# and TEXT on stderr.
bad () {
    what=$1
    text=$2
    shift 2
    mb "$@"
    if [ "$st" -ne 2 ]; then
        fail "$what: exit $st, not 2"
    elif [ -s "$tmp/out" ]; then
        fail "$what: something on stdout"
    elif ! grep -qF -- "$text" "$tmp/err"; then
        fail "$what: stderr lacks '$text'"
    else
        pass "$what"
    fi
}

mb_run 0 -q j.cfg
check_status "the singleton run" 0

for c in run validate status report logs topology submit add close cancel priority shutdown; do
    mb "$c" --help
    check_status "mpibatch $c --help" 0
    check "mpibatch $c --help: usage on stdout" grep -q "^Usage: mpibatch $c" "$tmp/out"
    check "mpibatch $c --help: nothing on stderr" test ! -s "$tmp/err"
    mb "$c" -h
    check "mpibatch $c -h: the same usage" grep -q "^Usage: mpibatch $c" "$tmp/out"
    bad "mpibatch $c --bogus" "mpibatch $c: unknown option '--bogus'" "$c" --bogus
    check "mpibatch $c --bogus: the hint" grep -qF "Try 'mpibatch $c --help'." "$tmp/err"
done

# --opt value, --opt=value, options after arguments, "--", abbreviations.
ok "run --dry-run --progress=lines --progress-interval 5" run --dry-run --progress=lines --progress-interval 5 j.cfg
check "run --dry-run lists the task" grep -q "^t	" "$tmp/out"
ok "run JOBFILE --dry-run (option after the argument)" run j.cfg --dry-run
ok "run --dry-run -- JOBFILE" run --dry-run -- j.cfg
ok "run --dry (an abbreviation)" run --dry j.cfg
ok "validate JOBFILE --list" validate j.cfg --list
check_eq "validate --list" "$(cat "$tmp/out")" "t	echo hello"
ok "validate --set=KEY=VALUE --state DIR JOBFILE" validate --set=x=1 --state "$st_dir" j.cfg
ok "topology --workers=1 --slots pus --json" topology --workers=1 --slots pus --json
ok "status STATEDIR --json" status "$st_dir" --json
ok "status --tasks=succeeded STATEDIR" status --tasks=succeeded "$st_dir"
check_eq "status --tasks=succeeded" "$(cat "$tmp/out")" t
ok "status STATEDIR --watch 1 (a finished run: one look)" status "$st_dir" --watch 1
ok "status --watch=1 STATEDIR" status --watch=1 "$st_dir"
ok "status --watch STATEDIR (no interval)" status --watch "$st_dir"
ok "logs STATEDIR TASK --attempt=0" logs "$st_dir" t --attempt=0
check_eq "logs: the task's stdout" "$(cat "$tmp/out")" hello
ok "logs --stderr STATEDIR TASK" logs --stderr "$st_dir" t
for spelling in "-o $tmp/r1" "-o$tmp/r1" "-o=$tmp/r1" "--output $tmp/r1" "--format=csv -o $tmp/r1"; do
    rm -f "$tmp/r1"
    ok "report STATEDIR $spelling" report "$st_dir" $spelling
    check "report $spelling wrote the file" test -s "$tmp/r1"
done
ok "report -- STATEDIR" report -- "$st_dir"
(cd "$tmp" && POSIXLY_CORRECT=1 "$MPIBATCH" status "$st_dir" --tasks succeeded >"$tmp/out" 2>"$tmp/err")
check_eq "POSIXLY_CORRECT: options after the argument still read" "$?:$(cat "$tmp/out")" "0:t"

# Usage errors: one wording.
bad "a missing value" "mpibatch report: --format needs a value" report "$st_dir" --format
bad "a missing value (short)" "mpibatch report: -o needs a value" report "$st_dir" -o
bad "an abbreviated option's missing value" "mpibatch status: --tasks needs a value" status "$st_dir" --ta
bad "a value for a flag" "mpibatch validate: --list takes no value" validate --list=yes j.cfg
bad "an ambiguous abbreviation" "mpibatch run: ambiguous option '--res' (--resume, --resume-failed, --restart)" run --res j.cfg
bad "an unknown short option" "mpibatch run: unknown option '-x'" run -qx j.cfg
bad "a bad --watch interval" "mpibatch status: --watch: bad interval '0'" status --watch=0 "$st_dir"
bad "an extra argument" "mpibatch logs: unexpected argument 'u'" logs "$st_dir" t u
check "an extra argument: the usage on stderr" grep -q "^Usage: mpibatch logs" "$tmp/err"
bad "no argument" "mpibatch status: JOBFILE or STATEDIR needed" status
bad "an option after --" "mpibatch topology: unexpected argument '--json'" topology -- --json
# The pool's request commands read their options the same way.
bad "submit: a bad --timeout" "mpibatch submit: --timeout: expected seconds > 0 (got 'x')" submit --timeout x P j.cfg
bad "close --drain is shutdown's" "mpibatch close: unknown option '--drain'" close --drain P j
bad "priority: a missing N" "mpibatch priority: POOLDIR, JOB and N needed" priority P j
bad "priority: out of range" "mpibatch priority: priority must be a number from -1000 to 1000 (got '5000')" priority P j 5000
bad "shutdown: an extra argument" "mpibatch shutdown: unexpected argument 'j'" shutdown P j
bad "add --prefix needs a value" "mpibatch add: --prefix needs a value" add P j f --prefix
mb priority --timeout=1 P j -- -5
check_status "priority N after -- (no pool: exit 3, not a usage error)" 3
mb run j.cfg extra --help
check_status "--help wins over an extra argument" 0
mb_finish
