/*
** cmd_screen.c: osteoplan screen: many records in, one line per patient out.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "kb/kb.h"
#include "screen/screen.h"
#include "fhir/fhir_bulk.h"
#include "util/ctlchar.h"
#include "util/date.h"

typedef struct {
  long lines, patients, deceased, unmapped, bad_lines, orphans;
} fhir_stats;

/* Maps every patient of a Bulk Data export to a patient record, one per
** line, into an unlinked temporary file; returns its descriptor at offset
** 0, or -1 with errno set. Patients that cannot be mapped are reported. */
static int fhir_to_records(const op_kb *kb, const char *path, const char *as_of, const char *today, FILE *errors,
                           fhir_stats *fs) {
  fhir_bulk *b = fhir_bulk_load(path, errors);
  if (!b) return -1;
  FILE *tmp = tmpfile();
  if (!tmp) {
    int saved = errno;
    fhir_bulk_free(b);
    errno = saved;
    return -1;
  }
  arena *a = arena_create(64 * 1024);
  for (int i = 0; a && i < fhir_bulk_patients(b); i++) {
    const fhir_res *res;
    int n = fhir_bulk_resources(b, i, &res);
    fhir_result r;
    fhir_map(a, kb, res, n, as_of, today, &r);
    fs->patients++;
    if (r.status == FM_OK) {
      fwrite(r.record, 1, r.record_len, tmp);
      fputc('\n', tmp);
    } else if (r.status == FM_DECEASED) {
      fs->deceased++;
    } else {
      fs->unmapped++;
      char id[200], msg[1024]; /* the export's text: no control characters */
      ctl_escape(id, sizeof id, r.patient_id ? r.patient_id : "?");
      ctl_escape(msg, sizeof msg, r.message);
      fprintf(errors, "Patient/%s: not mapped: %s\n", id, msg);
    }
    arena_reset(a);
  }
  fs->lines = fhir_bulk_lines(b);
  fs->bad_lines = fhir_bulk_bad_lines(b);
  fs->orphans = fhir_bulk_orphans(b);
  fhir_bulk_free(b);
  if (!a || fflush(tmp) != 0 || ferror(tmp)) {
    fclose(tmp);
    errno = ENOMEM;
    return -1;
  }
  arena_destroy(a);
  int fd = dup(fileno(tmp));
  fclose(tmp);
  if (fd >= 0) lseek(fd, 0, SEEK_SET);
  return fd;
}

/* The exit status of a run, with a message for each failure: a write that
** failed (results, errors, or closing the errors file) or records lost to
** an internal error is 1; an input that cannot be opened 2, or 1 when its
** reading failed part way. */
static int finish_output(int rc, int saved, const screen_stats *st, const char *file, FILE *errf) {
  int status = 0;
  if (rc == SCREEN_WRITE_FAILED) {
    fprintf(stderr, "osteoplan screen: cannot write %s: %s; the output is incomplete\n", st->write_what,
            strerror(st->write_errno));
    status = 1;
  } else if (rc != SCREEN_OK) {
    bool open_failed = st->lines == 0 && (saved == ENOENT || saved == EACCES || saved == EISDIR);
    fprintf(stderr, "osteoplan screen: %s: %s\n", strcmp(file, "-") ? file : "standard input",
            saved ? strerror(saved) : "read error");
    status = open_failed ? 2 : 1;
  }
  if (rc != SCREEN_WRITE_FAILED && errf != stderr && (fflush(errf) != 0 || ferror(errf))) {
    fprintf(stderr, "osteoplan screen: cannot write the errors: %s\n", strerror(errno));
    status = 1;
  }
  if (st->failed || st->unreported) {
    uint64_t lost = st->failed + st->unreported;
    fprintf(stderr, "osteoplan screen: %llu records not screened for lack of memory (see the errors)\n",
            (unsigned long long)lost);
    status = 1;
  }
  return status;
}

static void usage(FILE *out) {
  fputs("usage: osteoplan screen [options] [FILE|-]\n"
        "\n"
        "Reads NDJSON patient records (one per line; gzip-compressed input is read\n"
        "as is) from FILE or standard input and writes one line per patient, in\n"
        "input order: patient_id, risk, action, first_agent, alerts, findings and\n"
        "gaps (care gaps, defined in the knowledge base). A bad line is reported\n"
        "with its line number and JSON path, counted and skipped. A summary goes\n"
        "to standard error at the end.\n"
        "\n"
        "options:\n"
        "  --threads N       worker threads (default: the number of cores)\n"
        "  --format ndjson|csv\n"
        "                    output format (default ndjson)\n"
        "  --gaps-only       write only patients with a care gap\n"
        "  --as-of DATE      plan every record for DATE (YYYY-MM-DD), overriding\n"
        "                    each record's as_of (default: the record's, else today)\n"
        "  --errors FILE     write bad-line reports to FILE (default standard error)\n"
        "  --input record|fhir\n"
        "                    fhir: FILE is a FHIR Bulk Data export (a directory of\n"
        "                    *.ndjson[.gz] files, or one file), grouped by patient;\n"
        "                    deceased patients are counted and skipped\n"
        "  --kb DIR          load the knowledge base from DIR\n"
        "  --parse-only      only parse each line (the benchmark's floor)\n"
        "  --help            this text\n"
        "\n"
        "exit status: 0 the input was screened (bad lines included); 2 usage or an\n"
        "input that cannot be opened; 1 a read or write error (results, errors or\n"
        "summary), or records not screened for lack of memory\n",
        out);
}

int cmd_screen(int argc, char **argv) {
  const char *format = "ndjson", *as_of = NULL, *errors = NULL, *kbdir = NULL, *file = "-", *threads = NULL,
             *input = "record";
  bool gaps_only = false, parse_only = false;
  const cli_opt opts[] = {{"--format", &format, NULL}, {"--as-of", &as_of, NULL}, {"--errors", &errors, NULL},
                          {"--kb", &kbdir, NULL}, {"--input", &input, NULL}, {"--threads", &threads, NULL}, {"--gaps-only", NULL, &gaps_only},
                          {"--parse-only", NULL, &parse_only}, {NULL, NULL, NULL}};
  int rc0 = cli_parse("screen", argc, argv, opts, &file, usage);
  if (rc0) return rc0 < 0 ? 0 : rc0;
  screen_options o = {0};
  bool fhir = !strcmp(input, "fhir");
  if (!fhir && strcmp(input, "record")) {
    fprintf(stderr, "osteoplan screen: --input: expected record or fhir, got '%s'\n", input);
    return 2;
  }
  if (!strcmp(format, "ndjson")) o.format = SCREEN_NDJSON;
  else if (!strcmp(format, "csv")) o.format = SCREEN_CSV;
  else {
    fprintf(stderr, "osteoplan screen: --format: expected ndjson or csv, got '%s'\n", format);
    return 2;
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  o.threads = cores > 0 ? (int)cores : 1;
  if (threads) {
    char *end;
    long t = strtol(threads, &end, 10);
    if (*end || t < 1 || t > 256) {
      fprintf(stderr, "osteoplan screen: --threads: expected 1 to 256, got '%s'\n", threads);
      return 2;
    }
    o.threads = (int)t;
  }
  op_date d;
  if (as_of && !date_parse(as_of, strlen(as_of), &d)) {
    fprintf(stderr, "osteoplan screen: --as-of: expected a real calendar date YYYY-MM-DD, got '%s'\n", as_of);
    return 2;
  }
  int ay, am, ad;
  if (as_of) date_to_ymd(d, &ay, &am, &ad);
  if (as_of && ay > OP_AS_OF_LAST_YEAR) { /* every record would be refused: say it once */
    fprintf(stderr, "osteoplan screen: --as-of: expected a date on or before %d-12-31, got '%s'\n", OP_AS_OF_LAST_YEAR,
            as_of);
    return 2;
  }
  char err[768];
  op_kb *kb = kbdir ? kb_load_dir(kbdir, err, sizeof err) : kb_load_default(err, sizeof err);
  if (!kb) {
    fprintf(stderr, "osteoplan: knowledge base rejected: %s\n", err);
    return kbdir ? 2 : 1;
  }
  /* A closed standard output or error would be taken by the next file
  ** opened (the input, --errors), and results written into it. */
  if (fcntl(STDOUT_FILENO, F_GETFD) < 0 || fcntl(STDERR_FILENO, F_GETFD) < 0) {
    fprintf(stderr, "osteoplan screen: standard output or standard error is closed\n");
    kb_free(kb);
    return 1;
  }
  FILE *errf = stderr;
  if (errors && !(errf = fopen(errors, "w"))) {
    fprintf(stderr, "osteoplan screen: %s: %s\n", errors, strerror(errno));
    kb_free(kb);
    return 2;
  }
  static char outbuf[1 << 20]; /* only main's thread writes through it */
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  char today[11];
  cli_today(today);
  o.kb = kb;
  o.gaps_only = gaps_only;
  o.parse_only = parse_only;
  o.as_of = as_of;
  o.today = today;
  o.out = stdout;
  o.errors = errf;
  o.progress = isatty(STDERR_FILENO) ? stderr : NULL;
  screen_stats st;
  fhir_stats fs = {0};
  if (fhir) {
    int fd = fhir_to_records(kb, file, as_of ? as_of : today, today, errf, &fs);
    if (fd < 0) {
      fprintf(stderr, "osteoplan screen: %s: %s\n", file, strerror(errno));
      if (errf != stderr) fclose(errf);
      kb_free(kb);
      return errno == ENOENT || errno == EACCES ? 2 : 1;
    }
    o.input_fd = fd;
    o.use_fd = true;
  }
  int rc = screen_run(&o, file, &st);
  int saved = errno;
  int status = finish_output(rc, saved, &st, file, errf);
  if (errf != stderr && fclose(errf) != 0 && !status) {
    fprintf(stderr, "osteoplan screen: cannot write the errors: %s\n", strerror(errno));
    status = 1;
  }
  if (fhir)
    fprintf(stderr, "osteoplan screen: FHIR: %ld resources, %ld patients, %ld deceased (no plan), %ld not mapped, %ld bad lines, %ld resources of no known patient\n",
            fs.lines, fs.patients, fs.deceased, fs.unmapped, fs.bad_lines, fs.orphans);
  if (screen_print_summary(&o, &st, stderr) != 0) status = 1; /* nowhere left to say so: the status does */
  kb_free(kb);
  return status;
}
