/*
** options.c: see options.h.
**
** getopt_long keeps its state in process globals (optind, optarg, optopt,
** opterr and its own position inside argv). The command line is read once,
** by main's thread, before any worker thread exists, so that is safe here;
** cli_parse must never be called from a thread. optind = 0 asks glibc for a
** full reset, so every parse starts clean (the tests' callers may parse more
** than once in a process). opterr = 0: getopt's own messages name the
** program, not the subcommand, and cannot say which value was wrong; ours do.
*/
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util/date.h"

/* getopt_long's val for table entry i: above every char, so it never
** collides with a one-letter option. */
#define LONG_BASE 256

/* The table as getopt_long wants it: long options and the optstring of the
** one-letter ones ("-:" first: operands come back in order as 1, so the
** result never depends on POSIXLY_CORRECT; ':' tells a missing value from
** an unknown option). Returns false when the table does not fit. */
static bool build(const cli_opt *opts, struct option *lo, char *shorts, size_t shorts_size) {
  size_t n = 0, s = 0;
  shorts[s++] = '-';
  shorts[s++] = ':';
  shorts[s++] = 'h';
  for (int i = 0; opts[i].name; i++) {
    const char *name = opts[i].name;
    bool takes = opts[i].value != NULL;
    if (name[0] == '-' && name[1] == '-') {
      if (n + 2 >= CLI_MAX_OPTS) return false;
      lo[n++] = (struct option){name + 2, takes ? required_argument : no_argument, NULL, LONG_BASE + i};
    } else if (name[0] == '-' && name[1] && !name[2]) {
      if (s + 3 >= shorts_size) return false;
      shorts[s++] = name[1];
      if (takes) shorts[s++] = ':';
    } else {
      return false;
    }
  }
  lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
  lo[n] = (struct option){NULL, 0, NULL, 0};
  shorts[s] = '\0';
  return true;
}

/* The table entry of getopt_long's val c, or NULL. */
static const cli_opt *entry(const cli_opt *opts, int c) {
  if (c >= LONG_BASE) return &opts[c - LONG_BASE];
  for (const cli_opt *p = opts; p->name; p++)
    if (p->name[0] == '-' && p->name[1] == c && !p->name[2]) return p;
  return NULL;
}

/* An argument getopt_long refused ('?'): a flag given a value, an
** ambiguous prefix, or an option that does not exist. arg is the argument
** as typed (argv[optind - 1] for a long option). */
static void refused(const char *cmd, const cli_opt *opts, int c, const char *arg) {
  if (c >= LONG_BASE || c == 'h') {
    fprintf(stderr, "osteoplan %s: %s takes no value (got '%s')\n", cmd, c == 'h' ? "--help" : opts[c - LONG_BASE].name,
            arg);
    return;
  }
  if (c > 0) {
    fprintf(stderr, "osteoplan %s: unknown option '-%c' (try --help)\n", cmd, c);
    return;
  }
  size_t len = strcspn(arg, "=");
  int matches = 0;
  for (const cli_opt *p = opts; p->name; p++)
    if (len > 2 && !strncmp(p->name, arg, len)) matches++;
  if (matches > 1) {
    fprintf(stderr, "osteoplan %s: option '%.*s' is ambiguous; could be", cmd, (int)len, arg);
    for (const cli_opt *p = opts; p->name; p++)
      if (!strncmp(p->name, arg, len)) fprintf(stderr, " %s", p->name);
    fputc('\n', stderr);
    return;
  }
  fprintf(stderr, "osteoplan %s: unknown option '%.*s' (try --help)\n", cmd, (int)len, arg);
}

static int take_operand(const char *cmd, const char *a, const char **operand, bool *have) {
  if (!operand || *have) {
    fprintf(stderr, "osteoplan %s: unexpected argument '%s' (try --help)\n", cmd, a);
    return 2;
  }
  *operand = a;
  *have = true;
  return 0;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, const char **operand,
              void (*usage)(FILE *)) {
  struct option lo[CLI_MAX_OPTS];
  char shorts[2 * CLI_MAX_OPTS + 4];
  if (!build(opts, lo, shorts, sizeof shorts)) {
    fprintf(stderr, "osteoplan %s: internal error: bad option table\n", cmd);
    return 1;
  }
  optind = 0; /* a full reset (glibc) */
  opterr = 0;
  bool have = false;
  int c;
  while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return -1;
    }
    if (c == 1) { /* an operand, in order ("-" included) */
      if (take_operand(cmd, optarg, operand, &have)) return 2;
      continue;
    }
    if (c == ':') {
      const cli_opt *o = entry(opts, optopt);
      fprintf(stderr, "osteoplan %s: %s needs a value (try --help)\n", cmd, o ? o->name : "option");
      return 2;
    }
    if (c == '?') {
      refused(cmd, opts, optopt, optind > 0 && optind <= argc ? argv[optind - 1] : "");
      return 2;
    }
    const cli_opt *o = entry(opts, c);
    if (!o) continue; /* cannot happen: every val comes from the table */
    if (o->value) *o->value = optarg;
    else *o->flag = true;
  }
  for (int i = optind; i < argc; i++) /* after "--": operands only */
    if (take_operand(cmd, argv[i], operand, &have)) return 2;
  return 0;
}

bool cli_check_date(const char *cmd, const char *opt, const char *value) {
  op_date d;
  if (!date_parse(value, strlen(value), &d)) {
    fprintf(stderr, "osteoplan %s: %s: '%s' is not a date (YYYY-MM-DD)\n", cmd, opt, value);
    return false;
  }
  int y, m, dd;
  date_to_ymd(d, &y, &m, &dd);
  if (y > OP_AS_OF_LAST_YEAR) { /* every record would be refused: say it once, here */
    fprintf(stderr, "osteoplan %s: %s: '%s' is after %d-12-31, the last as_of a plan can have (its dates must stay "
            "within year %d)\n",
            cmd, opt, value, OP_AS_OF_LAST_YEAR, OP_YEAR_LAST);
    return false;
  }
  return true;
}

bool cli_check_long(const char *cmd, const char *opt, const char *value, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(value, &end, 10);
  if (!*value || *end || errno || v < lo || v > hi) {
    fprintf(stderr, "osteoplan %s: %s: '%s' is not a whole number from %ld to %ld\n", cmd, opt, value, lo, hi);
    return false;
  }
  *out = v;
  return true;
}

bool cli_check_choice(const char *cmd, const char *opt, const char *value, const char *const *choices, int *index) {
  for (int i = 0; choices[i]; i++)
    if (!strcmp(value, choices[i])) {
      *index = i;
      return true;
    }
  fprintf(stderr, "osteoplan %s: %s: '%s' is not one of", cmd, opt, value);
  for (int i = 0; choices[i]; i++) fprintf(stderr, "%s %s", i ? "," : "", choices[i]);
  fputc('\n', stderr);
  return false;
}

void cli_file_error(const char *cmd, const char *what, const char *name, const char *reason) {
  fprintf(stderr, "osteoplan %s: %s: '%s': %s\n", cmd, what, name, reason);
}
