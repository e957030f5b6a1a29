#!/bin/sh
# hlib.sh: helpers shared by the hostile-input tests, on top of tests/lib.sh.
#
# Layout of every test's scratch directory $tmp:
#   $tmp/parent/            the parent of storage: nothing may appear here
#   $tmp/parent/st/         storage ($S): the job files, state and node root
#   $tmp/sentinel/          outside every root: must stay untouched
# hjob NAME writes $S/NAME.cfg from stdin with storage and node_root set.

. "$top_srcdir/tests/lib.sh"

h_init () {
    mb_init "$1"
    P=$tmp/parent
    S=$P/st
    SENT=$tmp/sentinel
    mkdir -p "$S" "$SENT/sub" || die "mkdir"
    echo "do not touch" >"$SENT/keep.txt"
    echo "secret" >"$SENT/sub/secret.txt"
    h_snap >"$tmp/snap0"
}

# h_snap: a fingerprint of the sentinel (names, sizes, modes, times,
# contents) and of the parent of storage (its entries only).
h_snap () {
    (cd "$SENT" && find . -printf '%p %s %m %T@ %y\n' | sort && find . -type f -exec cksum {} + | sort)
    echo "-- parent"
    ls -A "$P"
}

# h_untouched WHAT: the sentinel and the parent of storage are as they were.
h_untouched () {
    h_snap >"$tmp/snap1"
    if cmp -s "$tmp/snap0" "$tmp/snap1"; then
        pass "$1: nothing written outside storage"
    else
        fail "$1: something changed outside storage"
        diff "$tmp/snap0" "$tmp/snap1" | head -n 10
    fi
}

hjob () {
    {
        echo "id = \"$1\";"
        echo "storage = \"$S\";"
        echo "node_root = \"$S/nodes\";"
        cat
    } >"$S/$1.cfg"
}

# hrun ARGS...: mpibatch ARGS (run, validate, status...) as a singleton in
# $S; stdout/stderr in $tmp/out, $tmp/err; sets $st.
hrun () {
    rm -f "$tmp/.st"
    (cd "$S" && run_alone_st ${MB_WRAPPER:-} "$MPIBATCH" "$@")
    st=$(cat "$tmp/.st" 2>/dev/null || echo 99)
}

# h_err_has WHAT PHRASE: stderr of the last command contains PHRASE.
h_err_has () {
    if grep -q -F -- "$2" "$tmp/err"; then
        pass "$1: says '$2'"
    else
        fail "$1: stderr lacks '$2'"
    fi
}

# h_no_crash WHAT: the last command did not die of a signal nor time out.
h_no_crash () {
    if [ "$st" -ge 124 ] || grep -q -E 'AddressSanitizer|runtime error:|Segmentation' "$tmp/err"; then
        fail "$1: crashed or hung (status $st)"
    else
        pass "$1: stayed up (status $st)"
    fi
}

# h_task_field JOB TASK FIELD: a field of TASK in `status --json`, or "?".
h_status () {
    (cd "$S" && "$MPIBATCH" status --json "$1.cfg") >"$tmp/status.json" 2>"$tmp/status.err" ||
        { echo "status-failed"; return 0; }
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$tmp/status.json" "$2" 2>/dev/null || echo "status-json-error"
}
