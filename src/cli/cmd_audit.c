/*
** cmd_audit.c: osteoplan audit: how clinicians answered the cards served
** (the audit database of serve --audit-db; audit/audit.h).
*/
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/options.h"

static void usage(FILE *out) {
  fputs("usage: osteoplan audit --db FILE [--format text|csv|json]\n"
        "\n"
        "Reads the audit that osteoplan serve --audit-db FILE keeps (every CDS Hooks\n"
        "card served and the feedback the EHR posted on it) and prints, per card kind\n"
        "(the plan code that made the card: decision.ACTION, alert.CODE, avoid.AGENT,\n"
        "not_recommended.AGENT, not_first_choice.AGENT, order.unresolved, no_plan,\n"
        "deceased) the cards served, accepted, overridden and with no feedback, with\n"
        "the rates over the cards served; then, per override reason (system|code), the\n"
        "cards overridden for it. A card's outcome is its latest feedback.\n"
        "\n"
        "options:\n"
        "  --db FILE        the audit database (required)\n"
        "  --format FORMAT  text (default), csv or json\n"
        "  --help           this text\n"
        "\n"
        "exit status: 0 success, 1 internal error, 2 bad usage, or a file that is\n"
        "missing, empty or not an osteoplan audit\n"
        CLI_HELP_FOOTER,
        out);
}

int cmd_audit(int argc, char **argv) {
  const char *db = NULL, *format = NULL;
  const cli_opt opts[] = {{"--db", &db, NULL}, {"--format", &format, NULL}, {NULL, NULL, NULL}};
  int rc = cli_parse("audit", argc, argv, opts, NULL, usage);
  if (rc) return rc < 0 ? 0 : rc;
  if (!db) {
    fprintf(stderr, "osteoplan audit: --db FILE is required (try --help)\n");
    return 2;
  }
  static const char *const formats[] = {"text", "csv", "json", NULL};
  int f = 0;
  if (format && !cli_check_choice("audit", "--format", format, formats, &f)) return 2;
  audit_format fmt = f == 1 ? AUDIT_CSV : f == 2 ? AUDIT_JSON : AUDIT_TEXT;
  audit_db *d;
  char err[1400];
  if (!audit_open_readonly(db, &d, err, sizeof err)) {
    fprintf(stderr, "osteoplan audit: %s\n", err);
    return 2;
  }
  bool ok = audit_report(d, stdout, fmt, err, sizeof err);
  audit_close(d);
  if (!ok) {
    fprintf(stderr, "osteoplan audit: %s\n", err);
    return 2;
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    perror("osteoplan audit: standard output");
    return 1;
  }
  return 0;
}
