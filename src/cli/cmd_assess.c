/*
** cmd_assess.c: osteoplan assess: one record in, one plan out.
**
** Nothing reaches standard output unless the whole plan was made: a bad
** record exits 2 with a message naming the JSON path, an internal error 1.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/ctlchar.h"
#include "cli/options.h"
#include "util/readall.h"
#include "osteoplan.h"

#define MAX_RECORD_BYTES (64u * 1024u * 1024u)

static void usage(FILE *out) {
  fputs("usage: osteoplan assess [options] FILE|-\n"
        "\n"
        "Reads one patient record (JSON, see the record specification) from FILE\n"
        "or standard input and prints its treatment plan.\n"
        "\n"
        "options:\n"
        "  --format text|json|markdown|html|fhir|record\n"
        "                  output format (default: text on a terminal, json otherwise);\n"
        "                  fhir: the plan as a FHIR R4 Bundle (CarePlan, requests, issues);\n"
        "                  record (with --input fhir): the patient record read from FHIR\n"
        "  --audience clinician|patient\n"
        "                  who reads it (default clinician); patient is plain language\n"
        "  --as-of DATE    plan for this date (YYYY-MM-DD); overrides the record's as_of\n"
        "                  (default: the record's as_of, else today)\n"
        "  --input record|fhir\n"
        "                  record: a patient record (default); fhir: FHIR R4 JSON, a Bundle,\n"
        "                  a CDS Hooks prefetch object or one resource (input_notes in the\n"
        "                  plan say what was skipped and why)\n"
        "  --kb DIR        load the knowledge base from DIR instead of the built-in one\n"
        "                  (DIR holds common/ and profiles/NAME/)\n"
        "  --profile NAME  the knowledge base's profile (default: default)\n"
        "  --color / --no-color\n"
        "                  colour text output (default: only on a terminal)\n"
        "  --help          this text\n"
        "\n"
        "exit status: 0 plan printed; 2 bad record or usage (message names the field,\n"
        "nothing on standard output); 3 no plan: FHIR patient deceased; 1 internal error\n"
        CLI_HELP_FOOTER,
        out);
}

char *cli_read_all(const char *path, size_t max, size_t *len) {
  FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!f) return NULL;
  char *buf = read_all(f, max, len);
  int saved = errno;
  if (f != stdin) fclose(f);
  errno = saved;
  return buf;
}

void cli_today(char buf[11]) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(buf, 11, "%Y-%m-%d", &tm);
}

/* Says on standard error why the input gave no plan (what = the kind of bad
** input, for OP_ERR_INPUT) and returns the exit status: 2 bad input, 3 no
** plan (a deceased patient), 1 internal. */
static int report_error(const char *file, op_status st, const char *what, const op_error *err) {
  char msg[sizeof err->message * 6]; /* the input's text: no control characters on a terminal */
  ctl_escape(msg, sizeof msg, err->message);
  fprintf(stderr, "osteoplan: %s: %s%s\n", strcmp(file, "-") ? file : "standard input",
          st == OP_ERR_INPUT ? what : "", msg);
  return st == OP_ERR_INPUT ? 2 : st == OP_NO_PLAN ? 3 : 1;
}

/* --input fhir --format record: only the mapping, the record read from the
** FHIR input (json, freed here). Returns the exit status. */
static int print_record(const op_kb *kb, char *json, size_t len, const op_options *opts, const char *file) {
  op_error err;
  char *rec = NULL;
  size_t rlen = 0;
  op_status rs = op_fhir_to_record(kb, json, len, opts, &rec, &rlen, &err);
  free(json);
  int rrc = 0;
  if (rs != OP_OK) {
    rrc = report_error(file, rs, "invalid FHIR input: ", &err);
  } else {
    fwrite(rec, 1, rlen, stdout);
    fputc('\n', stdout);
  }
  free(rec);
  return rrc;
}

int cmd_assess(int argc, char **argv) {
  const char *format = NULL, *audience = "clinician", *as_of = NULL, *kbdir = NULL, *file = NULL, *input = "record", *profile = NULL;
  int color = -1;
  bool color_on = false, color_off = false;
  const cli_opt cli[] = {{"--format", &format, NULL}, {"--audience", &audience, NULL}, {"--as-of", &as_of, NULL},
                          {"--kb", &kbdir, NULL}, {"--profile", &profile, NULL}, {"--input", &input, NULL}, {"--color", NULL, &color_on}, {"--no-color", NULL, &color_off},
                          {NULL, NULL, NULL}};
  int rc0 = cli_parse("assess", argc, argv, cli, &file, usage);
  if (rc0) return rc0 < 0 ? 0 : rc0;
  if (color_on) color = 1;
  if (color_off) color = 0;
  if (!file) {
    usage(stderr);
    return 2;
  }
  bool fhir = !strcmp(input, "fhir"), record_only = false;
  static const char *const inputs[] = {"record", "fhir", NULL};
  int which;
  if (!cli_check_choice("assess", "--input", input, inputs, &which)) return 2;
  /* checked here, not by the record reader: a bad date is the option's
  ** fault, never the record file's */
  if (as_of && !cli_check_date("assess", "--as-of", as_of)) return 2;
  bool tty = isatty(STDOUT_FILENO);
  op_format fmt;
  if (!format) fmt = tty ? OP_FORMAT_TEXT : OP_FORMAT_JSON;
  else if (!strcmp(format, "json")) fmt = OP_FORMAT_JSON;
  else if (!strcmp(format, "text")) fmt = OP_FORMAT_TEXT;
  else if (!strcmp(format, "markdown")) fmt = OP_FORMAT_MARKDOWN;
  else if (!strcmp(format, "html")) fmt = OP_FORMAT_HTML;
  else if (!strcmp(format, "fhir")) fmt = OP_FORMAT_FHIR;
  else if (!strcmp(format, "record") && fhir) fmt = OP_FORMAT_JSON, record_only = true;
  else {
    fprintf(stderr, "osteoplan assess: --format: '%s' is not one of text, json, markdown, html, fhir%s\n", format,
            fhir ? ", record" : " (record: with --input fhir)");
    return 2;
  }
  static const char *const audiences[] = {"clinician", "patient", NULL};
  int a;
  if (!cli_check_choice("assess", "--audience", audience, audiences, &a)) return 2;
  op_audience aud = a ? OP_AUDIENCE_PATIENT : OP_AUDIENCE_CLINICIAN;
  op_error err;
  op_kb *kb = op_kb_load_profile(kbdir, profile, &err);
  if (!kb) {
    fprintf(stderr, "osteoplan assess: %sknowledge base rejected: %s\n",
            kbdir ? "--kb: " : profile ? "--profile: " : "", err.message);
    return kbdir || profile ? 2 : 1; /* a copy or a profile named by the user: a usage error */
  }
  size_t len = 0;
  char *json = cli_read_all(file, MAX_RECORD_BYTES, &len);
  if (!json) {
    if (errno == EFBIG)
      fprintf(stderr, "osteoplan: %s: invalid record: larger than %u MiB\n", file, MAX_RECORD_BYTES >> 20);
    else
      fprintf(stderr, "osteoplan: %s: %s\n", file, strerror(errno));
    op_kb_free(kb);
    return 2;
  }
  char today[11];
  cli_today(today);
  op_options opts = {.as_of = as_of, .today = today};
  op_assessment *as = NULL;
  if (record_only) {
    int rrc = print_record(kb, json, len, &opts, file); /* frees json */
    op_kb_free(kb);
    return rrc;
  }
  op_status st = fhir ? op_assess_fhir(kb, json, len, &opts, &as, &err) : op_assess_json(kb, json, len, &opts, &as, &err);
  free(json);
  int rc = 0;
  if (st != OP_OK) {
    rc = report_error(file, st, fhir ? "invalid FHIR input: " : "invalid record: ", &err);
  } else {
    size_t n = 0;
    const char *out = op_render(as, fmt, aud, color < 0 ? tty : color, &n);
    if (!out) {
      fprintf(stderr, "osteoplan: out of memory while rendering\n");
      rc = 1;
    } else if (fwrite(out, 1, n, stdout) != n || fflush(stdout) != 0) {
      fprintf(stderr, "osteoplan: cannot write the plan: %s\n", strerror(errno));
      rc = 1;
    }
  }
  op_assessment_free(as);
  op_kb_free(kb);
  return rc;
}
