#!/bin/sh
# diskfull.sh: storage on a 2 MiB tmpfs and an output bigger than it: the
# task fails with "No space left on device", no truncated file under the
# final name, the journal stays readable, and --resume-failed succeeds once
# there is room.  Then the state directory on a full tmpfs: exit 3, a clear
# message, a readable journal.  Needs root (mount); SKIP otherwise.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/hlib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
h_init hostile-diskfull
mounted=""
umount_all () {
    for m in $mounted; do umount "$m" 2>/dev/null; done
    mb_cleanup
}
trap 'umount_all' EXIT
mount -t tmpfs -o size=2m tmpfs "$S" 2>/dev/null || skip "cannot mount a tmpfs here"
mounted="$S"

# 1. Storage full.  node_root stays off the tmpfs so only publishing fails.
mkdir -p "$tmp/nodes"
cat >"$S/full.cfg" <<EOF2
id = "full";
storage = "$S";
node_root = "$tmp/nodes";
tasks = ( { id = "big"; command = "head -c 1500000 /dev/urandom > big.bin"; outputs = ( { pattern = "big.bin"; destination = "res/big.bin"; } ); },
          { id = "small"; command = "echo ok > s.txt"; outputs = ( { pattern = "s.txt"; destination = "res/s.txt"; } ); } );
EOF2
# Leave about 0.8 MB: less than the 1.5 MB output, enough for the journal.
head -c 1200000 /dev/zero >"$S/filler" 2>/dev/null
hrun run full.cfg
h_no_crash "full storage"
check_status "full storage: run" 1
r=$(h_status full "[t['reason'] for t in s['failed'] if t['id'] == 'big']")
case $r in
    *"No space left on device"*) pass "full storage: reason ($r)" ;;
    *) fail "full storage: reason should say No space left on device: $r" ;;
esac
check "full storage: no truncated res/big.bin" test ! -e "$S/res/big.bin"
check "full storage: no temporary left in res/" \
    test -z "$(find "$S/res" -name '*big*' 2>/dev/null)"
check_eq "full storage: small published" "$(cat "$S/res/s.txt" 2>/dev/null)" ok
hrun status full.cfg
check_status "full storage: status reads the journal" 0
rm -f "$S/filler"
hrun run --resume-failed full.cfg
check_status "full storage: --resume-failed after making room" 0
check_eq "full storage: big published whole" "$(stat -c %s "$S/res/big.bin" 2>/dev/null)" 1500000
h_untouched "full storage"

# 2. The state directory on a full tmpfs: the journal append fails.
SD=$tmp/statefs
mkdir -p "$SD"
mount -t tmpfs -o size=64k tmpfs "$SD" || skip "cannot mount a second tmpfs"
mounted="$SD $mounted"
cat >"$S/stfull.cfg" <<EOF2
id = "stfull";
storage = "$S";
state = "$SD/state";
node_root = "$tmp/nodes";
logs = "report";
sweeps = ( { id = "t-\${i}"; command = "true"; parameters = { i = { from = 1; to = 2000; }; }; } );
EOF2
MB_TIMEOUT=120 hrun run --progress none stfull.cfg
h_no_crash "full state"
check_status "full state: run" 3
check "full state: the message names the journal and ENOSPC" \
    grep -q -i -E 'journal.*(No space left on device)|(No space left on device).*journal' "$tmp/err"
hrun status --json "$SD/state"
check_status "full state: status still reads the journal" 0
check "full state: the journal parses" "$PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"

mb_finish
