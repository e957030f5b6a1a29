#!/bin/sh
# paths.sh: hostile paths: inputs and output destinations that try to leave
# storage or the working directory (absolute, `..`, symlinks to /etc and to
# a directory outside), a task that plants wd/evil -> /etc/passwd under an
# output pattern `*`, and ids or sweep values with `/`.  mpibatch must stay
# up, say what is wrong, and write nothing outside its roots.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/hlib.sh"
h_init hostile-paths
echo data >"$S/in.txt"

# refused JOB PHRASE: validate and run refuse the job (exit 2) naming PHRASE.
refused () {
    hrun validate "$1.cfg"
    check_status "$1: validate" 2
    h_err_has "$1: validate" "$2"
    hrun run "$1.cfg"
    check_status "$1: run" 2
    h_err_has "$1: run" "$2"
    h_untouched "$1"
}

# src_refused JOB: a source outside storage is refused, at validation (exit
# 2, preferred: it can be seen there) or at staging (the task fails with an
# input reason); either way nothing outside storage is read.
src_refused () {
    hrun run "$1.cfg"
    h_no_crash "$1"
    if [ "$st" = 2 ]; then
        pass "$1: refused at validation"
    else
        check_status "$1: run" 1
        r=$(h_status "$1" "[t['reason'] for t in s['failed'] if t['id'] == 't']")
        case $r in
            *input*) pass "$1: fails at staging ($r)" ;;
            *) fail "$1: task t should fail at staging, reason: $r" ;;
        esac
    fi
    if grep -r -q -s -e 'root:' -e 'do not touch' -e secret "$S/nodes" "$S/jobs/$1/logs"; then
        fail "$1: data from outside storage was read"
    else
        pass "$1: nothing from outside storage read"
    fi
    h_untouched "$1"
}

hjob in-abs <<'EOF2'
retention = "all";
tasks = ( { id = "t"; command = "cat x"; inputs = ( { source = "/etc/passwd"; path = "x"; } ); } );
EOF2
src_refused in-abs

hjob in-dotdot <<'EOF2'
retention = "all";
tasks = ( { id = "t"; command = "cat x"; inputs = ( { source = "../../sentinel/keep.txt"; path = "x"; } ); } );
EOF2
src_refused in-dotdot

hjob in-path-dotdot <<'EOF2'
tasks = ( { id = "t"; command = "true"; inputs = ( { source = "in.txt"; path = "../../../../sentinel/new.txt"; } ); } );
EOF2
refused in-path-dotdot "must not contain '..'"

hjob out-abs <<EOF2
tasks = ( { id = "t"; command = "echo x > o"; outputs = ( { pattern = "o"; destination = "$SENT/o"; } ); } );
EOF2
refused out-abs "out-abs.cfg:4:"

hjob out-dotdot <<'EOF2'
tasks = ( { id = "t"; command = "echo x > o"; outputs = ( { pattern = "o"; destination = "../../sentinel/o"; } ); } );
EOF2
refused out-dotdot "must not contain '..'"

# Symlinks planted in storage: validate cannot always see them (the source
# exists), so the run must refuse at staging: the task fails with a reason
# and nothing of /etc or the sentinel reaches the working directory.
ln -s /etc "$S/etclink"
ln -s "$SENT" "$S/outside"
ln -s /etc/passwd "$S/passwd"
for src in etclink/passwd outside/keep.txt outside passwd; do
    name=sym-$(echo "$src" | tr -c 'a-z\n' '-')
    hjob "$name" <<EOF2
retention = "all";
tasks = ( { id = "t"; command = "cat x/* x 2>/dev/null | grep -q -e root -e touch && exit 0; exit 7"; inputs = ( { source = "$src"; path = "x"; } ); } );
EOF2
    hrun run "$name.cfg"
    h_no_crash "$name"
    if [ "$st" = 2 ]; then
        pass "$name: refused at validation"
    else
        check_status "$name: run" 1
        r=$(h_status "$name" "[t['reason'] for t in s['failed'] if t['id'] == 't']")
        case $r in
            *input*) pass "$name: fails at staging ($r)" ;;
            *) fail "$name: task t should fail at staging, reason: $r" ;;
        esac
    fi
    leaked=$(find "$S/nodes" -name x -path '*/wd/*' 2>/dev/null | head -n 1)
    if [ -n "$leaked" ] && grep -r -q -s -e 'root:' -e 'do not touch' "$leaked"; then
        fail "$name: outside data staged into $leaked"
    else
        pass "$name: nothing from outside staged"
    fi
    h_untouched "$name"
done

# The task links wd/evil -> /etc/passwd and wd/dir -> the sentinel; the
# output pattern * must not publish what they point to.
hjob evil <<EOF2
tasks = ( { id = "t"; command = "echo ok > good.txt; ln -s /etc/passwd evil; ln -s $SENT dir"; outputs = ( { pattern = "*"; destination = "pub/"; } ); } );
EOF2
hrun run evil.cfg
h_no_crash evil
check_status "evil: run" 1
r=$(h_status evil "[t['reason'] for t in s['failed'] if t['id'] == 't']")
case $r in
    *symlink*|*outside*) pass "evil: the task fails with a reason ($r)" ;;
    *) fail "evil: the task should fail naming the symlink, reason: $r" ;;
esac
if grep -r -q -s -e 'root:' -e 'do not touch' -e secret "$S/pub" "$S/jobs/evil/outputs" 2>/dev/null; then
    fail "evil: /etc or sentinel content published"
else
    pass "evil: nothing from /etc or the sentinel published"
fi
h_untouched evil

# Ids and sweep values with '/'.
hjob id-slash <<'EOF2'
tasks = ( { id = "../../x"; command = "true"; } );
EOF2
refused id-slash "invalid id"

printf 'id = "../../x";\nstorage = "%s";\nnode_root = "%s/nodes";\ntasks = ( { id = "t"; command = "true"; } );\n' \
    "$S" "$S" >"$S/jid-slash.cfg"
refused jid-slash "invalid id"

hjob sweep-id <<'EOF2'
sweeps = ( { id = "s-${v}"; command = "true"; parameters = { v = [ "a", "b/c" ]; }; } );
EOF2
refused sweep-id "invalid id"

hjob sweep-dest <<'EOF2'
sweeps = ( { id = "s-${i}"; command = "echo x > o";
  parameters = { i = [ "a", "b" ]; d = [ "ok", "../x" ]; }; mode = "zip";
  outputs = ( { pattern = "o"; destination = "r/${d}/o"; } ); } );
EOF2
refused sweep-dest "must not contain '..'"
hjob sweep-dest2 <<'EOF2'
sweeps = ( { id = "s-${i}"; command = "echo x > o";
  parameters = { i = [ "a", "b" ]; d = [ "ok", "../../../sentinel" ]; }; mode = "zip";
  outputs = ( { pattern = "o"; destination = "${d}/o"; } ); } );
EOF2
refused sweep-dest2 "must not contain '..'"

mb_finish
