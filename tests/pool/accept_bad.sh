#!/bin/sh
# accept_bad.sh: issue 16 "Checked by": a bad request next to good ones.
# A pool under `mpirun -n 3` runs an open job E.  Sent together, from
# several shells at once: good adds and a good submit, and bad requests:
#  - caught by the client (a fragment and a job file with an error):
#    `FILE:LINE: ...`, exit 2, nothing sent (the pool's record unchanged);
#  - refused by the pool with the reason, exit 2: a task id already in
#    the job, a dependency on nothing (FILE:LINE), an unknown job, a job
#    id already in the pool;
#  - written by hand into requests/: a fragment with a syntax error
#    (answered "FILE:LINE: syntax error" with the FILE the request names),
#    a torn request, garbage, an empty file, a 2 MB header line.
# The good ones are all accepted and run; the pool is unharmed: it answers
# the next request at once, and ends with exit 0 on shutdown.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
. "$top_srcdir/tests/pool/accept-lib.sh"
acc_need_pool
mb_init accept_bad
trap 'acc_cleanup; mb_cleanup' EXIT
cd "$tmp" || die "cd"
P=$tmp/pool

acc_start 3 "$P"
check "the pool starts" acc_up "$P"
job E <<CFG
open = true;
tasks = ( { id = "w"; command = "while [ ! -f $tmp/go ]; do sleep 0.05; done; echo w >>$tmp/ran"; } );
CFG
req submit "$P" E.cfg
check_status "submit E" 0
job G <<CFG
tasks = ( { id = "g"; command = "echo G >>$tmp/ran"; } );
CFG
job broken <<CFG
tasks = ( { id = "x";
  command = 42; } );
CFG
for i in 1 2 3; do
    printf 'tasks = ( { id = "good%d"; command = "echo good%d >>%s/ran"; } );\n' "$i" "$i" "$tmp" >"good$i.cfg"
done
printf 'tasks = ( { id = "b1";\n  command = 42; } );\n' >bad.cfg
printf 'tasks = ( { id = "w"; command = "echo again >>%s/ran"; } );\n' "$tmp" >dup.cfg
printf 'tasks = ( { id = "d1";\n  depends_on = [ "nosuch" ]; command = "true"; } );\n' >dep.cfg

# The hand-written requests (io/pooldir.h's format).
put () {
    echo >>"$tmp/.nput"
    name=$(date +%s.%N)-h-$$-$(wc -l <"$tmp/.nput").req
    mv "$1" "$P/requests/$name"
    echo "$name"
}
hdr () { printf 'mpibatch-request 1\nop add\njob E\nuser %s\nhost h\npid 1\nfile /x/frag.cfg\n' "$(id -un)"; }
body='tasks = ( { id = "q";
  command = ; } );'
{ hdr; printf 'body %d\n%s\nend\n' "$(printf '%s' "$body" | wc -c)" "$body"; } >"$tmp/r.syntax"
{ hdr; printf 'body 400\ntasks = ( { id = "torn"; comm'; } >"$tmp/r.torn"
printf 'garbage\001\002\377\n' >"$tmp/r.garbage"
: >"$tmp/r.empty"
{ printf 'mpibatch-request 1\nop add\njob '; head -c 2000000 /dev/zero | tr '\0' a; printf '\nend\n'; } >"$tmp/r.long"

# Everything at once.
senders=""
for i in 1 2 3; do
    (timeout -k 5 60 "$MPIBATCH" add "$P" E "good$i.cfg" >"$tmp/good$i.out" 2>"$tmp/good$i.err" </dev/null
     echo $? >"$tmp/good$i.st") &
    senders="$senders $!"
done
(timeout -k 5 60 "$MPIBATCH" submit "$P" G.cfg >"$tmp/G.out" 2>"$tmp/G.err" </dev/null
 echo $? >"$tmp/G.st") &
senders="$senders $!"
for r in syntax torn garbage empty long; do
    eval "r_$r=\$(put \"\$tmp/r.\$r\")"
done
req add "$P" E bad.cfg
check_status "add of a fragment with an error (the client)" 2
check "its FILE:LINE" grep -q "^$tmp/bad.cfg:2: " "$tmp/err"
req submit "$P" broken.cfg
check_status "submit of a job file with an error (the client)" 2
check "its FILE:LINE (as named)" grep -q "^broken.cfg:5: " "$tmp/err"
req add "$P" E dup.cfg
check_status "add of a task id already in the job" 2
check "the pool's reason" grep -q "task 'w' is already in job 'E'" "$tmp/err"
req add "$P" E dep.cfg
check_status "add of a dependency on nothing" 2
check "the pool's reason, FILE:LINE" grep -q "$tmp/dep.cfg:[0-9]*: .*nosuch" "$tmp/err"
req add --lines "$P" nosuch good1.cfg
check_status "add to a job that is not in the pool" 2
check "the reason" grep -q "nosuch" "$tmp/err"
req submit "$P" E.cfg
check_status "submit of a job id already in the pool" 2
check "the reason names the job" grep -Eq "'E'|job E\b|\"E\"" "$tmp/err"
# shellcheck disable=SC2086
wait $senders

for i in 1 2 3; do
    check_eq "good add $i accepted" "$(cat "$tmp/good$i.st")" 0
done
check_eq "good submit G accepted" "$(cat "$tmp/G.st")" 0
# The answers to the hand-written requests.
ans () { f=$P/answers/${1%.req}.ans; k=0; while [ $k -lt 50 ] && [ ! -f "$f" ]; do sleep 0.1; k=$((k + 1)); done; cat "$f" 2>/dev/null; }
ans "$r_syntax" >"$tmp/a.syntax"
check "syntax error: refused" grep -q "^status refused" "$tmp/a.syntax"
check "syntax error: FILE:LINE of the fragment" grep -q "^text /x/frag.cfg:2: " "$tmp/a.syntax"
for r in torn garbage empty long; do
    eval "name=\$r_$r"
    ans "$name" >"$tmp/a.$r"
    check "$r request: refused" grep -q "^status refused" "$tmp/a.$r"
    check "$r request: the reason names it and its line" grep -q "^text $name:[0-9]*: " "$tmp/a.$r"
    check "$r request: gone from requests/" test ! -e "$P/requests/$name"
    check "$r request: the pool's log has its refusal" grep -q "$name.*refused" "$tmp/pool.err"
done

# The pool is unharmed.
t0=$(date +%s.%N)
req priority "$P" E 3
t1=$(date +%s.%N)
check_status "the next request" 0
check_range "it is answered at once (s)" "$(echo "$t1 - $t0" | bc)" 0 1.5
touch "$tmp/go"
req close "$P" E
check_status "close E" 0
check_eq "E succeeded" "$(wait_job "$P" E 30)" succeeded
check_eq "G succeeded" "$(wait_job "$P" G 30)" succeeded
check_eq "what ran: the good tasks, once each" "$(sort "$tmp/ran" | tr '\n' ' ')" "G good1 good2 good3 w "
check_eq "E has its 4 tasks" "$(pool_json "$P" "jobs['E']['counts']['succeeded']")" 4
check_eq "the record holds the 7 good requests only (E, 3 adds, G, priority, close)" \
    "$(grep -a -o 'mpibatch-request 1' "$P/accepted.jnl" | wc -l)" 7
req shutdown "$P"
check_status "shutdown" 0
acc_end 30
check_status "the pool after shutdown" 0
check "nothing of the pool survives" tor_gone 20
mb_finish
