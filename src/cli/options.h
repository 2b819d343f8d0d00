/*
** options.h: the command line of every subcommand, read by one table-driven
** parser so they all behave the same (--help, missing values, unknown
** options, stray operands).
*/
#ifndef OSTEO_OPTIONS_H
#define OSTEO_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
  const char *name;   /* "--format" */
  const char **value; /* set for an option that takes a value */
  bool *flag;         /* set for an option without one */
} cli_opt;

/* Reads argv[1..] against opts (ended by {NULL}). operand gets the one
** non-option argument; pass NULL when the command takes none. Returns 0 to
** go on, -1 after --help (usage printed to standard output: exit 0), or 2
** after a usage error (message on standard error: exit 2). */
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, const char **operand,
              void (*usage)(FILE *));

#endif
