#!/bin/sh
# accept_user.sh: issue 16 "Checked by": a request from another user.
# A pool under `mpirun -n 2` runs jobs "victim" and "ctl", each a task that
# waits for a file.  A well-formed request to cancel victim, written by
# hand in the request format of io/pooldir.h, is put into requests/:
#  - owned by a second user this test creates (useradd; removed at exit):
#    refused unread, moved to refused/, logged with that user's name;
#  - as a symlink (to a file of the pool's own user): refused unread,
#    logged, the file it points to left alone;
# while the very same request as a plain file of the pool's user, aimed at
# ctl, is acted on (ctl is cancelled): the refusals are for who sent the
# request, not for its text.  victim is never touched and succeeds.  The
# second user cannot send a request with the client either, and a POOLDIR
# writable by others is refused (exit 2) before any pool starts in it.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/torture/torture-lib.sh"
. "$top_srcdir/tests/pool/accept-lib.sh"
acc_need_pool
[ "$(id -u)" -eq 0 ] || skip "creating a second user needs root"
command -v useradd >/dev/null 2>&1 || die "useradd is missing (package passwd)"
mb_init accept_user
U=mbt$$
trap 'acc_cleanup; userdel "$U" >/dev/null 2>&1; mb_cleanup' EXIT
useradd -M -N -d /nonexistent -s /bin/sh "$U" || die "useradd $U failed"
cd "$tmp" || die "cd"
P=$tmp/pool

# A POOLDIR that others may write to is refused at once.
mkdir -m 0777 "$tmp/open" && chmod 0777 "$tmp/open"
timeout -k 5 15 "$MPIBATCH" pool "$tmp/open" >"$tmp/out" 2>"$tmp/err" </dev/null; st=$?
check_status "a pool in a directory writable by others" 2
check "the reason names the directory" grep -q "$tmp/open" "$tmp/err"
check "no pool ran there" test ! -e "$tmp/open/pool.lock"

acc_start 2 "$P" --slots-per-worker 2
check "the pool starts" acc_up "$P"
for j in victim ctl; do
    job "$j" <<CFG
tasks = ( { id = "w"; command = "echo \$\$ >$tmp/$j.pid; while [ ! -f $tmp/go ]; do sleep 0.05; done; echo $j >>$tmp/done"; } );
CFG
    req submit "$P" "$j.cfg"
    check_status "submit $j" 0
done
check "victim's task runs" wait_lines "$tmp/victim.pid" 1 30
check "ctl's task runs" wait_lines "$tmp/ctl.pid" 1 30

# request JOB NAME: a cancel request for JOB, written to $tmp/NAME.
request () {
    printf 'mpibatch-request 1\nop cancel\njob %s\nuser %s\nhost h\npid 1\ntime %s\nend\n' \
        "$1" "$(id -un)" "$(date +%s)" >"$tmp/$2"
}
n=0
# put FILE: rename FILE into requests/ under a request's name; prints it.
put () {
    n=$((n + 1))
    name=$(date +%s.%N)-h-$$-$n.req
    mv "$1" "$P/requests/$name"
    echo "$name"
}

# 1. Owned by the second user (written, then given away, then renamed in).
request victim other.req
chown "$U" "$tmp/other.req"
other=$(put "$tmp/other.req")
# 2. A symlink to a request file of the pool's own user.
request victim target.req
cp "$tmp/target.req" "$tmp/target.req.orig"
ln -s "$tmp/target.req" "$tmp/link.req"
link=$(put "$tmp/link.req")
# 3. The control: the same request for ctl, a plain file of the pool's user.
request ctl ctl.req
ctl=$(put "$tmp/ctl.req")

check_eq "ctl is cancelled by the well-formed request" "$(wait_job "$P" ctl 30)" cancelled
k=0
while [ $k -lt 50 ] && { [ -e "$P/requests/$other" ] || [ -e "$P/requests/$link" ]; }; do
    sleep 0.1
    k=$((k + 1))
done
check "the other user's request left requests/" test ! -e "$P/requests/$other"
check "it is kept in refused/" test -f "$P/refused/$other"
check "it is still the other user's" test "$(stat -c %U "$P/refused/$other" 2>/dev/null)" = "$U"
check "no answer was written for it" test ! -e "$P/answers/${other%.req}.ans"
check "the symlink left requests/" test ! -e "$P/requests/$link" -a ! -L "$P/requests/$link"
check "the file the symlink named is untouched" cmp -s "$tmp/target.req" "$tmp/target.req.orig"
check "the file the symlink named is still there" test -f "$tmp/target.req"
grep -rh "refused" "$tmp/pool.err" "$P"/*.log 2>/dev/null >"$tmp/refusals"
check "the refusal is logged with the owner's name" \
    grep -q "$other.*owned by another user.*$U" "$tmp/refusals"
check "the symlink's refusal is logged" grep -q "$link.*symbolic link" "$tmp/refusals"
check_eq "victim is still active" "$(job_state "$P" victim)" active
check "victim's task still runs" test -r "/proc/$(cat "$tmp/victim.pid")/stat"
check_eq "victim: nothing cancelled" "$(pool_json "$P" "jobs['victim']['counts']['cancelled']")" 0

# The second user with the client: cannot reach the pool at all.
su -s /bin/sh "$U" -c "timeout 20 '$MPIBATCH' cancel '$P' victim" >"$tmp/out" 2>"$tmp/err"
st=$?
check "the other user's cancel fails" test "$st" -ne 0
check_eq "victim is still active after it" "$(job_state "$P" victim)" active

touch "$tmp/go"
check_eq "victim succeeded" "$(wait_job "$P" victim 30)" succeeded
check_eq "only victim's task ended by itself" "$(cat "$tmp/done" 2>/dev/null)" victim
req shutdown "$P"
check_status "shutdown" 0
acc_end 30
check_status "the pool after shutdown" 0
check "nothing of the pool survives" tor_gone 20
userdel "$U" >/dev/null 2>&1
check "the second user is removed" sh -c "! id '$U' >/dev/null 2>&1"
mb_finish
