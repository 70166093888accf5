/* Long options for the dlab subcommands: `--name value`, `--name=value` and
 * boolean `--flag`. Each subcommand declares a table; anything else is an
 * error that names the option (and suggests the closest one). */
#ifndef DLAB_CLI_OPTIONS_H
#define DLAB_CLI_OPTIONS_H

#include <stddef.h>

/* OPT_STRINGS: an option that may be given several times (dlab predict
 * --model A --model B); its value is a CliStrings. */
typedef enum { OPT_STRING, OPT_INT, OPT_FLOAT, OPT_FLAG, OPT_STRINGS } OptKind;

typedef struct {
  const char **items; /* the caller's array of `max` */
  int n, max;         /* a value past max is refused */
} CliStrings;

typedef struct {
  const char *name; /* without dashes: "batch-size" */
  OptKind kind;
  void *value;      /* const char **, int *, float *, int *, CliStrings * */
  const char *help;  /* marked N_(): translated where it is printed */
  int seen;         /* set by the parser */
} CliOption;

/* Parses argv[first..argc). Options fill their values; other arguments are
 * collected into positional[] (at most max_positional). A number must be
 * finite and in its option's range (options.c's table, one range per
 * option name for every command: "--lr 1e300: must be in (0, 10]"); a
 * numeric option missing from that table is refused as a bug. Returns 0,
 * or -1 after printing "dlab CMD: ..." to stderr. */
int cli_parse(const char *cmd, int argc, char **argv, int first, CliOption *opts, int n_opts,
              const char **positional, int max_positional, int *n_positional);

/* The accepted range of numeric option `name` as "(0, 10]" into buf; 0,
 * or -1 when it has none. */
int cli_option_range(const char *name, char *buf, size_t n);

/* Prints the options table for --help, with each number's range. */
void cli_print_options(const CliOption *opts, int n_opts);
/* One line of that table: "--name N", the help (translated), the range. */
void cli_print_option(const char *name, OptKind kind, const char *help);

/* Whether option `name` was given on the command line. */
int cli_given(const CliOption *opts, int n_opts, const char *name);

#endif
