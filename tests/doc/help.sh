#!/bin/sh
# help.sh: `mpibatch CMD --help` and mpibatch(1) agree.  For every command,
# the long options its --help shows are the long options in the command's
# subsection of doc/mpibatch.1 ("mpibatch CMD ..."), neither more nor less;
# the same for `mpibatch --help` and the OPTIONS section.  `mpibatch pool`
# has its own page, mpibatch-pool(1): its --help and that page's OPTIONS
# name the same long options.  Also: every command of `mpibatch --help` has
# a subsection (pool: its page), `mpibatch help CMD` prints the same as
# `mpibatch CMD --help`, the pages name each other, and every man page
# formats without a groff warning.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

MAN1=$top_srcdir/doc/mpibatch.1
MAN5=$top_srcdir/doc/mpibatch-jobfile.5
MANPOOL=$top_srcdir/doc/mpibatch-pool.1
[ -r "$MAN1" ] || die "$MAN1 is missing"
[ -r "$MAN5" ] || die "$MAN5 is missing"
[ -r "$MANPOOL" ] || die "$MANPOOL is missing"
mb_init doc

# longopts: the long options (--name) in stdin, sorted, one per line.
longopts () {
    grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# man_text [PAGE]: the man page (default mpibatch.1) with roff escapes for
# '-' and fonts taken out, so "\fB\-\-state\fR" reads "--state".
man_text () {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\\[[^]]*\]//g' "${1:-$MAN1}"
}

# man_section WHICH [PAGE]: the lines of one part of mpibatch.1 (or PAGE):
# "cmd NAME" for the subsection whose title starts with "mpibatch NAME",
# "options" for the .SH OPTIONS section.  Comment lines are left out.
man_section () {
    man_text "${2:-}" | awk -v which="$1" '
        /^\.\\"/ { next }
        /^\.S[HS]/ {
            title = $0
            sub(/^\.S[HS][ \t]*/, "", title)
            gsub(/"/, "", title)
            split(title, w, /[ \t]+/)
            on = (which == "options" && $1 == ".SH" && title == "OPTIONS") ||
                 (which == "cmd " w[2] && $1 == ".SS" && w[1] == "mpibatch")
            next
        }
        on { print }'
}

# The commands, from the program's own list.
"$MPIBATCH" --help >"$tmp/main.help" 2>"$tmp/err"
st=$?
check_status "mpibatch --help" 0
cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' "$tmp/main.help")
check "mpibatch --help lists commands" test -n "$cmds"
for want in run validate status report logs topology; do
    case " $(echo $cmds) " in
    *" $want "*) pass "command $want is listed" ;;
    *) fail "command $want is not in mpibatch --help" ;;
    esac
done

# compare WHAT HELPFILE SECTIONFILE: the same long options in both.
compare () {
    longopts <"$2" >"$tmp/help.opts"
    longopts <"$3" >"$tmp/man.opts"
    if [ ! -s "$3" ]; then
        fail "$1: no such part in mpibatch.1"
        return
    fi
    check "$1: --help shows options" test -s "$tmp/help.opts"
    only_help=$(comm -23 "$tmp/help.opts" "$tmp/man.opts" | tr '\n' ' ')
    only_man=$(comm -13 "$tmp/help.opts" "$tmp/man.opts" | tr '\n' ' ')
    check_eq "$1: options in --help but not in mpibatch.1" "$only_help" ""
    check_eq "$1: options in mpibatch.1 but not in --help" "$only_man" ""
}

man_section options >"$tmp/options.man"
# The program's --help shows --help and --version (with -h and -V).
compare "mpibatch (no command)" "$tmp/main.help" "$tmp/options.man"

for c in $cmds; do
    "$MPIBATCH" "$c" --help >"$tmp/$c.help" 2>"$tmp/err"
    st=$?
    check_status "mpibatch $c --help" 0
    "$MPIBATCH" help "$c" >"$tmp/$c.help2" 2>"$tmp/err"
    check "mpibatch help $c is mpibatch $c --help" cmp -s "$tmp/$c.help" "$tmp/$c.help2"
    if [ "$c" = pool ]; then
        man_section options "$MANPOOL" >"$tmp/$c.man"
        compare "mpibatch pool (mpibatch-pool.1)" "$tmp/$c.help" "$tmp/$c.man"
    else
        man_section "cmd $c" >"$tmp/$c.man"
        compare "mpibatch $c" "$tmp/$c.help" "$tmp/$c.man"
    fi
done
case " $(echo $cmds) " in
    *" pool "*) ;;
    *) echo "# mpibatch pool is not in this build yet: mpibatch-pool.1's OPTIONS not compared" ;;
esac
# The pool page names the request commands, and they are real.
man_text "$MANPOOL" | sed -n 's/^\.[BI]*[A-Z]* *"*mpibatch \([a-z]*\) .*/\1/p' | sort -u >"$tmp/pool.cmds"
for c in submit add close cancel priority shutdown status worker; do
    check "mpibatch-pool.1 describes mpibatch $c" grep -qx "$c" "$tmp/pool.cmds"
done
check "mpibatch.1 refers to mpibatch-pool(1)" grep -q 'mpibatch\\-pool (1)' "$MAN1"
check "mpibatch-pool.1 refers to mpibatch(1)" grep -q '^\.BR mpibatch (1)' "$MANPOOL"
man_section "cmd help" >"$tmp/help.man"
check "mpibatch.1 describes the help command" test -s "$tmp/help.man"

# Every subsection of COMMANDS is a real command.
man_text | sed -n 's/^\.SS "*mpibatch \([a-z]*\).*/\1/p' >"$tmp/man.cmds"
for c in $(cat "$tmp/man.cmds"); do
    case " $(echo $cmds) help " in
    *" $c "*) pass "mpibatch.1 command $c exists" ;;
    *) fail "mpibatch.1 describes '$c', which mpibatch --help does not list" ;;
    esac
done

# Both pages format cleanly: groff warns about unknown macros, bad escapes
# and the like with -ww.
if command -v groff >/dev/null 2>&1; then
    for page in "$MAN1" "$MAN5" "$MANPOOL"; do
        groff -man -ww -z "$page" >"$tmp/out" 2>"$tmp/err"
        st=$?
        check_status "groff -man -ww $(basename "$page")" 0
        check "groff -man -ww $(basename "$page"): no warning" test ! -s "$tmp/err"
    done
else
    echo "groff is missing: formatting not checked"
fi

mb_finish
