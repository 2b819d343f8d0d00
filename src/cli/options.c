/*
** options.c: see options.h.
*/
#include "options.h"

#include <string.h>

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, const char **operand,
              void (*usage)(FILE *)) {
  bool have_operand = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return -1;
    }
    const cli_opt *o = NULL;
    for (const cli_opt *p = opts; p->name; p++)
      if (!strcmp(a, p->name)) o = p;
    if (o && o->value) {
      if (i + 1 >= argc) {
        fprintf(stderr, "osteoplan %s: %s needs a value\n", cmd, a);
        return 2;
      }
      *o->value = argv[++i];
    } else if (o) {
      *o->flag = true;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "osteoplan %s: unknown option '%s' (try --help)\n", cmd, a);
      return 2;
    } else if (!operand || have_operand) {
      fprintf(stderr, "osteoplan %s: unexpected argument '%s' (try --help)\n", cmd, a);
      return 2;
    } else {
      *operand = a;
      have_operand = true;
    }
  }
  return 0;
}
