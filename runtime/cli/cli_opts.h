/* cli_opts.h: the one way every mpibatch command reads its arguments:
 * getopt_long in argument order, --help on stdout, and one wording for
 * usage errors on stderr (exit code 2). */
#ifndef MB_CLI_OPTS_H
#define MB_CLI_OPTS_H

#include <getopt.h>

/* What cli_next() returns besides an option's val (a short option's
 * character, or the val of its struct option; keep vals > 1 and != '?',
 * ':'). */
enum {
    CLI_END = -1,     /* no more arguments */
    CLI_ARG = 1,      /* a positional argument, in p->arg */
    CLI_HELP = 'h',   /* -h or --help: the usage was printed on stdout */
    CLI_ERROR = '?',  /* a usage error, printed on stderr unless quiet */
};

typedef struct {
    const char *cmd;      /* the command's name, for messages: "status" */
    const char *usage;    /* printed on stdout for -h / --help */
    int quiet;            /* print no usage error (ranks other than 0) */
    const char *arg;      /* the option's value (NULL if none) or the argument */
    /* private */
    const struct option *longopts_;
    char optstring_[64];
    int argc_;
    char **argv_;
    int rest_;            /* after "--": only positional arguments */
} cli_opts_t;

/* Begin reading argv[1 .. argc) (argv[0] is the command's name) with
 * these short options (getopt syntax, e.g. "qvho:") and long options
 * (terminated by a zeroed entry; "help" should have val 'h').  Options
 * and positional arguments may come in any order and are handed back in
 * that order, whatever POSIXLY_CORRECT says; "--" ends the options;
 * long options take "--opt value" or "--opt=value", and unambiguous
 * abbreviations.  Resets getopt's state, so a command may parse twice.
 * p, usage, shortopts, longopts and argv must outlive the parse. */
void cli_opts_init (cli_opts_t *p, const char *cmd, const char *usage,
                    const char *shortopts, const struct option *longopts,
                    int argc, char **argv);

/* The next option (its val) or argument (CLI_ARG), with p->arg set;
 * CLI_END at the end; CLI_HELP once the usage is printed; CLI_ERROR once
 * an unknown or ambiguous option, a missing value or a value given to an
 * option that takes none is reported. */
int cli_next (cli_opts_t *p);

/* The word after the option just returned, not yet read, or NULL: lets an
 * option take an optional value as the next word ("--watch 2"); call
 * cli_skip() when it is taken.  Only valid right after a long option. */
const char *cli_peek (const cli_opts_t *p);
void cli_skip (cli_opts_t *p);

/* Print "mpibatch CMD: MESSAGE" and "Try 'mpibatch CMD --help'." on stderr
 * (unless p->quiet).  Returns 2, the exit code of a usage error. */
int cli_error (const cli_opts_t *p, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* For a missing or extra argument: "mpibatch CMD: MESSAGE" and then the
 * whole usage on stderr (unless p->quiet).  Returns 2. */
int cli_usage_error (const cli_opts_t *p, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#endif
