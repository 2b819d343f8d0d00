/*
** main.c: the osteoplan program: dispatches to a subcommand.
*/
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "osteoplan.h"

static void usage(FILE *out) {
  fputs("osteoplan: guideline-backed decision support for osteoporosis treatment\n"
        "\n"
        "usage: osteoplan <command> [options] [FILE|-]\n"
        "\n"
        "commands (osteoplan <command> --help for each one's options):\n"
        "  assess     one patient record in, one traceable treatment plan out\n"
        "             (text, JSON, Markdown or HTML; for the clinician or the patient)\n"
        "  screen     NDJSON records in, one line per patient with its care gaps out\n"
        "  worklist   the patients who need something, most urgent first, for a\n"
        "             nurse: CSV, Excel workbook or an HTML report\n"
        "  serve      the clinician web page (at / on the served port), the CDS Hooks\n"
        "             service, /api/assess and /healthz over HTTP\n"
        "  audit      acceptance and override rates of the cards served (serve --audit-db)\n"
        "  synth      a deterministic synthetic population (NDJSON) for tests and\n"
        "             benchmarks\n"
        "\n"
        "options:\n"
        "  -h, --help this text\n"
        "  --version  the program and knowledge-base versions\n"
        "\n"
        "formats: a patient record is one JSON object (NDJSON: one per line for\n"
        "screen, worklist and synth), or FHIR R4 with --input fhir; the plan is JSON\n"
        "(schema osteoplan.plan/1) or its text, Markdown and HTML renderings.\n"
        "\n"
        "exit status: 0 success, 1 internal error, 2 bad input or usage\n"
        CLI_HELP_FOOTER,
        out);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    op_error err;
    op_kb *kb = op_kb_load_default(&err);
    if (!kb) {
      fprintf(stderr, "osteoplan: built-in knowledge base: %s\n", err.message);
      return 1;
    }
    printf("osteoplan %s\nknowledge base %s (%s, updated %s)\n", OSTEOPLAN_VERSION, op_kb_version(kb),
           op_kb_status(kb), op_kb_updated(kb));
    op_kb_free(kb);
    return 0;
  }
  if (!strcmp(argv[1], "assess")) return cmd_assess(argc - 1, argv + 1);
  if (!strcmp(argv[1], "screen")) return cmd_screen(argc - 1, argv + 1);
  if (!strcmp(argv[1], "synth")) return cmd_synth(argc - 1, argv + 1);
  if (!strcmp(argv[1], "worklist")) return cmd_worklist(argc - 1, argv + 1);
  if (!strcmp(argv[1], "serve")) return cmd_serve(argc - 1, argv + 1);
  if (!strcmp(argv[1], "audit")) return cmd_audit(argc - 1, argv + 1);
  fprintf(stderr, "osteoplan: unknown command '%s' (try osteoplan --help)\n", argv[1]);
  return 2;
}
