/*
** options.h: the command line of every subcommand, read by one table-driven
** parser (getopt_long underneath) so they all behave the same:
**   --opt value and --opt=value; -o value and -ovalue for a short option;
**   a long option may be shortened to any unambiguous prefix (GNU);
**   -- ends the options (what follows is an operand, even "-x");
**   -h and --help print the usage on standard output;
**   an unknown option, an option without its value, and a flag given a
**   value (--gaps-only=x) are usage errors that name the argument.
** The value checks below word their messages the same way for every
** command: "osteoplan CMD: --as-of: '2026-13-01' is not a date (YYYY-MM-DD)".
*/
#ifndef OSTEO_OPTIONS_H
#define OSTEO_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
  const char *name;   /* "--format", or "-o" for a one-letter option */
  const char **value; /* set for an option that takes a value */
  bool *flag;         /* set for an option without one */
} cli_opt;

/* The end of every --help: how options take values, and where the formats
** are documented (installed by cmake --install; docs/ in the source). */
#define CLI_HELP_FOOTER                                                                      \
  "\n"                                                                                       \
  "Options take their value as --opt VALUE or --opt=VALUE; -- ends the options.\n"          \
  "The patient record (JSON, NDJSON for many) and the plan are documented in\n"             \
  "record.md and plan.md (share/doc/osteoplan, or docs/ in the source) and in\n"            \
  "osteoplan(1) (man osteoplan).\n"

/* At most this many entries in one table (a programming error otherwise). */
#define CLI_MAX_OPTS 40

/* Reads argv[1..] against opts (ended by {NULL}). operand gets the one
** non-option argument; pass NULL when the command takes none. Returns 0 to
** go on, -1 after --help (usage printed to standard output: exit 0), or 2
** after a usage error (message on standard error: exit 2); 1 when the
** table itself is wrong. Not thread-safe: getopt_long keeps its state in
** process globals (see options.c). */
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, const char **operand,
              void (*usage)(FILE *));

/* The value checks: each returns true when value is good, else says on
** standard error "osteoplan CMD: OPT: 'VALUE' is not ..." and returns false
** (the caller exits 2). */

/* A real calendar date YYYY-MM-DD on or before the last as_of a plan can
** have (util/date.h, OP_AS_OF_LAST_YEAR). */
bool cli_check_date(const char *cmd, const char *opt, const char *value);
/* A whole number from lo to hi (decimal, nothing after it). */
bool cli_check_long(const char *cmd, const char *opt, const char *value, long lo, long hi, long *out);
/* One of choices (ended by NULL); *index gets its position. */
bool cli_check_choice(const char *cmd, const char *opt, const char *value, const char *const *choices, int *index);
/* Says "osteoplan CMD: WHAT: 'NAME': REASON" for an operand or an option's
** file that cannot be opened or read (what: "--errors", "FILE", ...). */
void cli_file_error(const char *cmd, const char *what, const char *name, const char *reason);

#endif
