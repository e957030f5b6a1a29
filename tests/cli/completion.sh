#!/bin/sh
# completion.sh: contrib/bash-completion/mpibatch, sourced in bash and asked
# for completions as bash would ask (COMP_WORDS, COMP_CWORD, _mpibatch).
#  - the commands are those of `mpibatch --help` (and help);
#  - for every command, the long options offered after "--" are the options
#    its --help defines, and none that its --help does not name at all;
#  - option values from a list (--progress, --fill), directories for pool;
#  - job ids of a pool for add/close/cancel/priority/status/logs/report,
#    from POOLDIR/status.json, and from accepted.jnl without it (a real one,
#    written by a run that took add and close requests); none for shutdown,
#    files for submit.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
command -v bash >/dev/null 2>&1 || skip "no bash"
COMP=$top_srcdir/contrib/bash-completion/mpibatch
[ -r "$COMP" ] || die "$COMP is missing"
mb_init completion
cd "$tmp" || die "cd"

# completions WORD...: the completions of the command line WORD... (the last
# word is the one being completed), sorted, on one line.
completions () {
    bash -c '. "$1"
        shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
        _mpibatch
        printf "%s\n" "${COMPREPLY[@]}"' sh "$COMP" "$@" 2>"$tmp/err" | sort | tr '\n' ' ' | sed 's/ $//'
}
check_eq "bash -n of the completion script" "$(bash -n "$COMP" 2>&1)" ""
check_eq "it registers _mpibatch for mpibatch" \
    "$(bash -c '. "$1"; complete -p mpibatch' sh "$COMP" 2>&1)" "complete -o filenames -F _mpibatch mpibatch"

# The commands.
"$MPIBATCH" --help >main.help 2>/dev/null
cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' main.help | sort | tr '\n' ' ' | sed 's/ $//')
check "mpibatch --help lists commands" test -n "$cmds"
got=$(completions mpibatch "" | tr ' ' '\n' | grep -v '^-' | grep -vx help | tr '\n' ' ' | sed 's/ $//')
case " $cmds " in
    *" pool "*) want=$cmds ;;
    *)  # The completion already offers the pool service of issue 16.
        echo "# this build has no 'mpibatch pool' yet: 'pool' is offered all the same"
        want=$(echo $cmds pool | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//') ;;
esac
check_eq "the commands offered are mpibatch --help's" "$got" "$want"
check_eq "mpibatch su<TAB>" "$(completions mpibatch su)" submit
check_eq "mpibatch --<TAB>" "$(completions mpibatch --)" "--help --version"

# Options per command.
for c in $cmds; do
    "$MPIBATCH" "$c" --help >"$c.help" 2>/dev/null
    # Defined: the lines that start with an option; named: anywhere.
    sed -n 's/^ \{1,4\}\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' "$c.help" | sort -u >"$c.defined"
    grep -oE -- '--[a-z][a-z0-9-]*' "$c.help" | sort -u >"$c.named"
    case $c in
        alloc) completions mpibatch alloc add P slurm -- ;;
        *) completions mpibatch "$c" -- ;;
    esac | tr ' ' '\n' | grep -- '^--' | sort -u >"$c.offered"
    check_eq "$c: every option of its --help is offered" "$(comm -23 "$c.defined" "$c.offered" | tr '\n' ' ')" ""
    check_eq "$c: no option is offered that its --help does not name" \
        "$(comm -23 "$c.offered" "$c.named" | tr '\n' ' ')" ""
done
check_eq "alloc list POOLDIR --<TAB>" "$(completions mpibatch alloc list P --)" "--help --json"
check_eq "alloc <TAB>" "$(completions mpibatch alloc "")" "add list remove"
check_eq "alloc add POOLDIR <TAB>" "$(completions mpibatch alloc add P "")" "slurm"
check_eq "submit --pr<TAB>" "$(completions mpibatch submit --pr)" "--priority"

# Option values.
check_eq "pool --progress <TAB>" "$(completions mpibatch pool --progress "")" "auto bar lines none"
check_eq "pool --fill p<TAB>" "$(completions mpibatch pool --fill p)" "pack"
check_eq "run --progress l<TAB>" "$(completions mpibatch run --progress l)" "lines"
check_eq "submit --priority <TAB>: nothing (a number)" "$(completions mpibatch submit --priority "")" ""

# Directories for pool and worker.
mkdir pdir
: >pfile
check_eq "pool <TAB>: directories" "$(completions mpibatch pool p)" "pdir"
check_eq "worker <TAB>: directories" "$(completions mpibatch worker p)" "pdir"
check_eq "pool --id x <TAB>: directories" "$(completions mpibatch pool --id x p)" "pdir"

# Job ids from status.json.
P=$tmp/pdir
printf 'host h\npid 1\nstarted 1\n' >"$P/pool.info"
cat >"$P/status.json" <<'EOF'
{"pool":"night","host":"h","pid":1,"started":1,"updated":2,"state":"running",
"workers":[
 {"worker":1,"node":"n1","slots":2,"busy":0,"joined":false,"alive":true}],
"jobs":[
 {"id":"alpha","state":"active","priority":0,"open":true,"state_dir":"/x/alpha","counts":{"pending":0,"ready":0,"running":0,"succeeded":0,"failed":0,"skipped":0,"cancelled":0},"submitted":1,"started":null,"ended":null},
 {"id":"beta","state":"succeeded","priority":5,"open":false,"state_dir":"/x/beta","counts":{"pending":0,"ready":0,"running":0,"succeeded":1,"failed":0,"skipped":0,"cancelled":0},"submitted":1,"started":1,"ended":2},
 {"id":"bravo.2","state":"active","priority":0,"open":false,"state_dir":"/x/bravo.2","counts":{"pending":1,"ready":0,"running":0,"succeeded":0,"failed":0,"skipped":0,"cancelled":0},"submitted":1,"started":null,"ended":null}]}
EOF
for c in add close cancel priority status logs report; do
    check_eq "$c POOLDIR <TAB>: the pool's jobs" "$(completions mpibatch "$c" "$P" "")" "alpha beta bravo.2"
done
check_eq "cancel POOLDIR b<TAB>" "$(completions mpibatch cancel "$P" b)" "beta bravo.2"
check_eq "add --lines POOLDIR <TAB>" "$(completions mpibatch add --lines "$P" "")" "alpha beta bravo.2"
check_eq "priority --timeout 5 POOLDIR a<TAB>" "$(completions mpibatch priority --timeout 5 "$P" a)" "alpha"
check_eq "shutdown POOLDIR <TAB>: no job ids" "$(completions mpibatch shutdown "$P" "")" ""
check_eq "submit POOLDIR <TAB>: files, not job ids" "$(completions mpibatch submit "$P" pf)" "pfile"
check_eq "status DIR-without-a-pool <TAB>: files" "$(completions mpibatch status "$tmp" pf)" "pfile"

# Without status.json: the job ids in a real accepted.jnl (a run's pool
# directory, whose one job took add and close).
job real <<CFG
open = true;
tasks = ( { id = "a"; command = "true"; } );
CFG
printf 'true\n' >one.txt
mb_run 0 real.cfg &
bg=$!
R=$tmp/jobs/real/pool
k=0
while [ $k -lt 200 ] && [ ! -f "$R/pool.info" ]; do sleep 0.05; k=$((k + 1)); done
timeout 20 "$MPIBATCH" add --lines "$R" real one.txt >/dev/null 2>&1
timeout 20 "$MPIBATCH" close "$R" real >"$tmp/out" 2>"$tmp/err"
st=$?
check_status "close the run's job" 0
wait $bg
check "the run wrote accepted.jnl" test -s "$R/accepted.jnl"
rm -f "$R/status.json"
check_eq "cancel POOLDIR <TAB> from accepted.jnl" "$(completions mpibatch cancel "$R" "")" "real"
check_eq "logs POOLDIR <TAB> from accepted.jnl" "$(completions mpibatch logs "$R" "")" "real"
mb_finish
