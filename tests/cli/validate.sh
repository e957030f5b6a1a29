#!/bin/sh
# validate.sh: tests `mpibatch validate` against the corpus of bad job files
# (each refused with exit 2 and a FILE:LINE: message holding the expected
# phrase), the good job files (accepted, expanded into the expected tasks)
# and the command line's usage paths.
#
# Header lines of a bad file (tests/cli/bad/NN-what.cfg), before any other line:
#   # expect-file: F      the following expectations point into F (an include)
#   # expect-line: N [M]  the line of the next expectation (any of those listed);
#                         0 for a mistake of the whole file (F: without a line)
#   # expect: PHRASE      stderr has a line with F:N: that also contains PHRASE
# Header lines of a good file (tests/cli/good/*.cfg):
#   # args: ...           extra options for validate (e.g. --set k=v)
#   # expect-tasks: N     validate --list prints N lines, the summary N tasks
#   # expect-ids: A B...  the ids, in order
#   # expect-command: ID CMD   task ID's command is exactly CMD (repeatable)
#   # expect-edges: N     the summary counts N dependency edges
#   # expect-deps: ID A B...   in --json, task ID depends on A B... (repeatable)
#   # expect-json-id: ID  the job id in --json
#
# make check sets top_srcdir and MPIBATCH.  By hand, from the source tree:
#   MPIBATCH=/path/to/mpibatch sh tests/cli/validate.sh [FILE.cfg ...]
# MB_WRAPPER, when set, goes before every mpibatch command, e.g.
#   MB_WRAPPER='valgrind -q --leak-check=full --error-exitcode=99'

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MPIBATCH:?set MPIBATCH to the mpibatch program}"
PYTHON=/usr/bin/python3
bad_dir=$top_srcdir/tests/cli/bad
good_dir=$top_srcdir/tests/cli/good

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mb-validate.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

npass=0
nfail=0
pass () { npass=$((npass + 1)); echo "PASS: $*"; }
fail () {
    nfail=$((nfail + 1))
    echo "FAIL: $*"
    # Show what the program said, so a failure can be read from the log.
    for s in out err; do
        [ -s "$tmp/$s" ] && sed -n "1,15s/^/    std$s| /p" "$tmp/$s"
    done
    return 0
}

# mb ARGS...: run mpibatch (under MB_WRAPPER when given: split on purpose).
mb () { ${MB_WRAPPER:-} "$MPIBATCH" "$@"; }

# in_dir DIR ARGS...: run mpibatch in DIR, stdout and stderr to $tmp/out, err;
# sets $st.
in_dir () {
    d=$1
    shift
    (cd "$d" && mb "$@") >"$tmp/out" 2>"$tmp/err"
    st=$?
}

# found FILE "LINES" PHRASE: some line of $tmp/err holds FILE:LINE: (at its
# start or after a /, for one of LINES; FILE: for line 0) and, after it,
# PHRASE.
found () {
    for ln in $2; do
        pre="$1:$ln:"
        [ "$ln" = 0 ] && pre="$1: "
        pre=$pre phrase=$3 awk '
            BEGIN { pre = ENVIRON["pre"]; ph = ENVIRON["phrase"] }
            {
                i = index ($0, pre)
                if (i > 0 && (i == 1 || substr ($0, i - 1, 1) == "/") &&
                    index (substr ($0, i), ph) > 0)
                    ok = 1
            }
            END { exit !ok }' "$tmp/err" && return 0
    done
    return 1
}

check_bad () {
    f=$1
    base=${f##*/}
    in_dir "$(dirname "$f")" validate "$base"
    why=""
    [ "$st" -eq 2 ] || why="exit status $st, not 2"
    efile=$base
    lines=""
    n=0
    while IFS= read -r l; do
        case $l in
        '# expect-file: '*) efile=${l#'# expect-file: '} ;;
        '# expect-line: '*) lines=${l#'# expect-line: '} ;;
        '# expect: '*)
            n=$((n + 1))
            phrase=${l#'# expect: '}
            if [ -z "$lines" ]; then
                why="$why${why:+; }no expect-line before '$phrase'"
            elif ! found "$efile" "$lines" "$phrase"; then
                why="$why${why:+; }no '$efile:$lines:' error with '$phrase'"
            fi
            ;;
        '#'*) ;;
        *) break ;;
        esac
    done <"$f"
    [ "$n" -gt 0 ] || why="$why${why:+; }no '# expect:' line in its header"
    if [ -z "$why" ]; then pass "bad/$base"; else fail "bad/$base: $why"; fi
}

check_good () {
    f=$1
    base=${f##*/}
    dir=$(dirname "$f")
    args=""
    ntasks=""
    ids=""
    edges=""
    jsonid=""
    : >"$tmp/commands"
    : >"$tmp/deps"
    while IFS= read -r l; do
        case $l in
        '# args: '*) args=${l#'# args: '} ;;
        '# expect-tasks: '*) ntasks=${l#'# expect-tasks: '} ;;
        '# expect-ids: '*) ids=${l#'# expect-ids: '} ;;
        '# expect-command: '*) printf '%s\n' "${l#'# expect-command: '}" >>"$tmp/commands" ;;
        '# expect-edges: '*) edges=${l#'# expect-edges: '} ;;
        '# expect-json-id: '*) jsonid=${l#'# expect-json-id: '} ;;
        '# expect-deps: '*) printf '%s\n' "${l#'# expect-deps: '}" >>"$tmp/deps" ;;
        '#'*) ;;
        *) break ;;
        esac
    done <"$f"
    if [ -z "$ntasks" ]; then
        fail "good/$base: no '# expect-tasks:' line in its header"
        return
    fi

    # $args is split into words on purpose: options never hold spaces here.
    in_dir "$dir" validate $args "$base"
    if [ "$st" -ne 0 ]; then
        fail "good/$base: exit status $st, not 0"
        return
    fi
    why=""
    grep -q ": valid: $ntasks tasks " "$tmp/out" ||
        why="no summary saying 'valid: $ntasks tasks'"
    if [ -n "$edges" ] && ! grep -q ", $edges dependency edges" "$tmp/out"; then
        why="$why${why:+; }summary does not count $edges dependency edges"
    fi

    in_dir "$dir" validate --list $args "$base"
    cp "$tmp/out" "$tmp/list"
    n=$(wc -l <"$tmp/list")
    if [ "$st" -ne 0 ]; then
        why="$why${why:+; }--list: exit status $st"
    elif [ "$n" -ne "$ntasks" ]; then
        why="$why${why:+; }--list printed $n lines, not $ntasks"
    fi
    got=$(cut -f1 "$tmp/list" | tr '\n' ' ')
    if [ -n "$ids" ] && [ "$got" != "$ids " ]; then
        why="$why${why:+; }ids are '$got', not '$ids'"
    fi
    while IFS= read -r c; do
        id=${c%% *}
        id=$id cmd=${c#* } awk -F '\t' '
            BEGIN { id = ENVIRON["id"]; cmd = ENVIRON["cmd"] }
            $1 == id && substr ($0, length (id) + 2) == cmd { ok = 1 }
            END { exit !ok }' "$tmp/list" ||
            why="$why${why:+; }task $id's command is not '${c#* }'"
    done <"$tmp/commands"

    in_dir "$dir" validate --json $args "$base"
    if [ "$st" -ne 0 ]; then
        why="$why${why:+; }--json: exit status $st"
    elif ! "$PYTHON" -m json.tool "$tmp/out" >/dev/null 2>"$tmp/jsonerr"; then
        why="$why${why:+; }--json is not JSON: $(head -1 "$tmp/jsonerr")"
    else
        # The JSON's tasks must be the same as --list's, in the same order.
        cut -f1 "$tmp/list" >"$tmp/listids"
        msg=$(jsonid=$jsonid "$PYTHON" -c '
import json, os, sys
job = json.load(open(sys.argv[1]))
ids = [t["id"] for t in job["tasks"]]
want = open(sys.argv[2]).read().split("\n")[:-1]
if ids != want:
    print("--json ids %s differ from --list" % ids[:5])
for t in job["tasks"]:
    if not isinstance(t.get("command"), str) or not isinstance(t.get("depends_on"), list):
        print("--json task %s lacks command or depends_on" % t.get("id"))
        break
if os.environ["jsonid"] and job["id"] != os.environ["jsonid"]:
    print("--json job id is %r, not %r" % (job["id"], os.environ["jsonid"]))
deps = {t["id"]: t["depends_on"] for t in job["tasks"]}
for line in open(sys.argv[3]):
    want = line.split()
    if deps.get(want[0]) != want[1:]:
        print("--json: %s depends on %s, not %s" % (want[0], deps.get(want[0]), want[1:]))
' "$tmp/out" "$tmp/listids" "$tmp/deps" 2>&1)
        [ -z "$msg" ] || why="$why${why:+; }$msg"
    fi
    if [ -z "$why" ]; then pass "good/$base"; else fail "good/$base: $why"; fi
}

# cli WHAT STATUS STREAM TEXT: the last command exited with STATUS and its
# stdout or stderr (STREAM out or err) matches TEXT, ignoring case.
cli () {
    what=$1
    want=$2
    stream=$3
    text=$4
    if [ "$st" -ne "$want" ]; then
        fail "$what: exit status $st, not $want"
    elif ! grep -qi -- "$text" "$tmp/$stream"; then
        fail "$what: std$stream does not mention '$text'"
    else
        pass "$what"
    fi
}

check_cli () {
    in_dir "$tmp" validate
    cli "validate without a file" 2 err usage
    in_dir "$tmp" validate --help
    cli "validate --help" 0 out usage
    in_dir "$tmp" validate no-such-job.cfg
    cli "validate of a missing file" 2 err no-such-job.cfg
    in_dir "$tmp" validate --no-such-option "$good_dir/zip.cfg"
    cli "validate --no-such-option" 2 err no-such-option
    in_dir "$tmp" validate "$tmp"
    cli "validate of a directory" 2 err "${tmp##*/}"
    in_dir "$tmp" --help
    cli "mpibatch --help" 0 out validate
    version=mpibatch
    if [ -f "${top_builddir:-.}/config.h" ]; then
        version="mpibatch $(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "${top_builddir:-.}/config.h")"
    fi
    in_dir "$tmp" --version
    cli "mpibatch --version" 0 out "^$version"
    in_dir "$tmp" help validate
    cli "mpibatch help validate" 0 out validate
    in_dir "$tmp" nosuchcmd
    cli "mpibatch nosuchcmd" 2 err nosuchcmd
}

if [ $# -gt 0 ]; then
    for f in "$@"; do
        case $f in
        */bad/*) check_bad "$f" ;;
        *) check_good "$f" ;;
        esac
    done
else
    check_cli
    for f in "$bad_dir"/*.cfg; do check_bad "$f"; done
    for f in "$good_dir"/*.cfg; do check_good "$f"; done
fi

echo "validate.sh: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
