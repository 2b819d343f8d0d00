/*
** cli.h: the subcommands of the osteoplan program.
*/
#ifndef OSTEO_CLI_H
#define OSTEO_CLI_H

/* Exit codes: 0 success, 1 internal error, 2 bad input or usage. */
int cmd_assess(int argc, char **argv);
int cmd_screen(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_worklist(int argc, char **argv);
int cmd_audit(int argc, char **argv);
/* Reads a whole file (or standard input for "-") up to max bytes; NULL and
** errno on failure (EFBIG when larger than max). */
char *cli_read_all(const char *path, size_t max, size_t *len);
/* Today's date from the system clock, for records without as_of. */
void cli_today(char buf[11]);

#endif
