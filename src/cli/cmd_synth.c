/*
** cmd_synth.c: osteoplan synth: a deterministic synthetic population.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "screen/synth.h"
#include "util/arena.h"
#include "util/date.h"

static void usage(FILE *out) {
  fputs("usage: osteoplan synth --count N --seed S [--bad-rate R] [--as-of DATE]\n"
        "\n"
        "Writes N synthetic patient records as NDJSON to standard output. The same\n"
        "seed gives the same bytes. The mix makes every action, rule, criterion,\n"
        "finding, alert, monitoring item and care gap of the default profile\n"
        "appear somewhere in 2,000 records (labs plain, dated and outdated,\n"
        "adherence, glucocorticoid courses, drugs that must stop); these are\n"
        "test data, not epidemiology.\n"
        "\n"
        "options:\n"
        "  --count N       number of lines\n"
        "  --seed S        generator seed (an unsigned integer)\n"
        "  --bad-rate R    share of lines (0 to 1) broken on purpose (default 0)\n"
        "  --as-of DATE    the records' as_of (default 2026-11-01)\n"
        "  --help          this text\n"
        CLI_HELP_FOOTER,
        out);
}

static bool parse_u64(const char *s, unsigned long long *out) {
  char *end;
  errno = 0;
  *out = strtoull(s, &end, 10);
  return *s && !*end && !errno && s[0] != '-';
}

int cmd_synth(int argc, char **argv) {
  const char *count = NULL, *seed = NULL, *bad = "0", *as_of = "2026-11-01";
  const cli_opt opts[] = {{"--count", &count, NULL}, {"--seed", &seed, NULL}, {"--bad-rate", &bad, NULL},
                          {"--as-of", &as_of, NULL}, {NULL, NULL, NULL}};
  int rc0 = cli_parse("synth", argc, argv, opts, NULL, usage);
  if (rc0) return rc0 < 0 ? 0 : rc0;
  unsigned long long n, s;
  if (!count || !seed) {
    fprintf(stderr, "osteoplan synth: %s is required (try --help)\n", count ? "--seed" : "--count");
    return 2;
  }
  if (!parse_u64(count, &n)) {
    fprintf(stderr, "osteoplan synth: --count: '%s' is not a whole number\n", count);
    return 2;
  }
  if (!parse_u64(seed, &s)) {
    fprintf(stderr, "osteoplan synth: --seed: '%s' is not a whole number\n", seed);
    return 2;
  }
  char *end;
  double rate = strtod(bad, &end);
  if (!*bad || *end || !(rate >= 0 && rate <= 1)) {
    fprintf(stderr, "osteoplan synth: --bad-rate: '%s' is not a number from 0 to 1\n", bad);
    return 2;
  }
  if (!cli_check_date("synth", "--as-of", as_of)) return 2;
  op_date d;
  date_parse(as_of, strlen(as_of), &d); /* checked just above */
  arena *a = arena_create(1 << 16);
  if (!a) return 1;
  uint64_t state = s, bad_state = s ^ 0xA5A5A5A5DEADBEEFull;
  for (unsigned long long i = 1; i <= n; i++) {
    strbuf b;
    sb_init(&b, a);
    synth_record(&state, i, d, &b);
    /* the break decision has its own stream, so --bad-rate does not change
    ** the good records */
    double u = (double)((bad_state = bad_state * 6364136223846793005ull + 1442695040888963407ull) >> 11) /
               9007199254740992.0;
    if (u < rate) synth_break(&bad_state, &b);
    sb_putc(&b, '\n');
    if (fwrite(b.p, 1, b.len, stdout) != b.len) {
      fprintf(stderr, "osteoplan synth: cannot write: %s\n", strerror(errno));
      arena_destroy(a);
      return 1;
    }
    arena_reset(a);
  }
  arena_destroy(a);
  return fflush(stdout) == 0 ? 0 : 1;
}
