/* cli_opts.c: getopt_long for every command, with one wording for usage errors. */
#include <config.h>

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cli/cli_opts.h"

void cli_opts_init (cli_opts_t *p, const char *cmd, const char *usage,
                    const char *shortopts, const struct option *longopts,
                    int argc, char **argv)
{
    memset (p, 0, sizeof (*p));
    p->cmd = cmd;
    p->usage = usage;
    p->longopts_ = longopts;
    p->argc_ = argc;
    p->argv_ = argv;
    /* '-': positional arguments come back in order, as 1, so argv is not
     * permuted and POSIXLY_CORRECT cannot stop the options at the first
     * argument ("status DIR --json" must keep working).  ':': a missing
     * value returns ':' instead of '?', and getopt itself prints nothing. */
    snprintf (p->optstring_, sizeof (p->optstring_), "-:%s", shortopts);
    opterr = 0;
    /* 0, not 1: glibc then starts afresh, forgetting even a half-read
     * cluster of short options from an earlier parse. */
    optind = 0;
}

static int verror (const cli_opts_t *p, int usage, const char *fmt, va_list ap)
{
    if (p->quiet)
        return 2;
    fprintf (stderr, "mpibatch %s: ", p->cmd);
    vfprintf (stderr, fmt, ap);
    if (usage)
        fprintf (stderr, "\n%s", p->usage);
    else
        fprintf (stderr, "\nTry 'mpibatch %s --help'.\n", p->cmd);
    return 2;
}

int cli_error (const cli_opts_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    verror (p, 0, fmt, ap);
    va_end (ap);
    return 2;
}

int cli_usage_error (const cli_opts_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    verror (p, 1, fmt, ap);
    va_end (ap);
    return 2;
}

/* The long option that `name` (n characters, without "--") names: the
 * exact one, else the only one it abbreviates.  *count is how many it
 * could be (1 for an exact match). */
static const struct option *long_match (const cli_opts_t *p, const char *name, size_t n,
                                        int *count)
{
    const struct option *found = NULL;
    *count = 0;
    for (const struct option *o = p->longopts_; o && o->name; o++) {
        if (strncmp (o->name, name, n) != 0)
            continue;
        if (o->name[n] == '\0') {
            *count = 1;
            return o;
        }
        if (!found)
            found = o;
        (*count)++;
    }
    return found;
}

/* getopt said '?' or ':' about the word argv[w]: say what is wrong. */
static void usage_error (cli_opts_t *p, int c, int w)
{
    const char *word = w < p->argc_ ? p->argv_[w] : "";
    if (word[0] != '-' || word[1] != '-') {
        if (c == ':')
            cli_error (p, "-%c needs a value", optopt);
        else
            cli_error (p, "unknown option '-%c'", optopt);
        return;
    }
    size_t n = strcspn (word + 2, "=");
    int count;
    const struct option *o = long_match (p, word + 2, n, &count);
    if (count > 1) {
        char names[256] = "";
        size_t len = 0;
        for (const struct option *q = p->longopts_; q->name && len < sizeof (names); q++)
            if (!strncmp (q->name, word + 2, n))
                len += snprintf (names + len, sizeof (names) - len, "%s--%s",
                                 len ? ", " : "", q->name);
        cli_error (p, "ambiguous option '--%.*s' (%s)", (int)n, word + 2, names);
    }
    else if (!o)
        cli_error (p, "unknown option '%s'", word);
    else if (c == ':')
        cli_error (p, "--%s needs a value", o->name);
    else
        cli_error (p, "--%s takes no value", o->name);
}

int cli_next (cli_opts_t *p)
{
    p->arg = NULL;
    if (p->rest_) {
        if (optind >= p->argc_)
            return CLI_END;
        p->arg = p->argv_[optind++];
        return CLI_ARG;
    }
    /* Which word getopt looks at: where an error is reported. */
    int before = optind > 0 ? optind : 1;
    int c = getopt_long (p->argc_, p->argv_, p->optstring_, p->longopts_, NULL);
    p->arg = optarg;
    switch (c) {
    case -1:
        /* Only "--" stops the scan before the end: the rest are arguments. */
        if (optind < p->argc_) {
            p->rest_ = 1;
            return cli_next (p);
        }
        return CLI_END;
    case '?':
    case ':':
        usage_error (p, c, optind > before ? optind - 1 : optind);
        return CLI_ERROR;
    case 'h':
        fputs (p->usage, stdout);
        return CLI_HELP;
    default:
        /* "-o=FILE" meant FILE to report's hand-written parser; a short
         * option's value glued on with '=' still does. */
        if (optarg && optarg[0] == '=' && c != CLI_ARG && optind > 0
            && optarg != p->argv_[optind - 1] && p->argv_[optind - 1][1] != '-')
            p->arg = optarg + 1;
        return c;
    }
}

const char *cli_peek (const cli_opts_t *p)
{
    return optind > 0 && optind < p->argc_ ? p->argv_[optind] : NULL;
}

void cli_skip (cli_opts_t *p)
{
    if (optind < p->argc_)
        optind++;
}
