/*
** cmd_worklist.c: osteoplan worklist: the patients who need something, the
** most urgent first, for a fracture-liaison nurse (CSV, XLSX, HTML report);
** with --db, each run kept in a SQLite history, and --changes, what changed
** since the previous run.
**
** It reads the same inputs as screen, straight: the rows need the record's
** identity and the plan's dates and one line of words, which screen's
** output lines do not carry (no name, no MRN, no dates, no words), so a
** worklist over screen results would have to assess every record again.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "kb/kb.h"
#include "worklist/collect.h"
#include "worklist/wl_input.h"
#include "worklist/wl_write.h"
#ifdef OSTEOPLAN_HISTORY
#include "worklist/history.h"
#endif

typedef enum { F_CSV, F_XLSX, F_HTML } wl_format;

typedef struct {
  const char *format, *as_of, *errors, *kbdir, *file, *threads, *input, *profile, *out, *db, *changes_format;
  bool changes, changes_csv;
  wl_format fmt;
  int n_threads;
} wl_args;

static void usage(FILE *out) {
  fputs("usage: osteoplan worklist [options] [FILE|-]\n"
        "\n"
        "Reads patient records as screen does and writes one row per patient who\n"
        "needs something (in scope, with a care gap), the most urgent first (the\n"
        "order of [worklist] urgency in the knowledge base's gaps.ini, then the\n"
        "next date due, then the patient id): patient id, name, MRN, age, sex,\n"
        "risk and action in words, the first agent, the next date due, the care\n"
        "gaps in words and the one-line reason. Patients out of scope or without\n"
        "a gap are counted, not listed. Bad lines are reported on the errors\n"
        "stream as screen reports them; a summary goes to standard error.\n"
        "\n"
        "options:\n"
        "  --format csv|xlsx|html\n"
        "                    csv (default): UTF-8 with BOM, CRLF, formula-safe,\n"
        "                    opens in Excel as is; xlsx: an Excel workbook (needs\n"
        "                    -o); html: one self-contained page with counts,\n"
        "                    rates, charts and the list (sort, filter, print)\n"
        "  -o, --output FILE write to FILE (default standard output): written to a\n"
        "                    temporary file beside it and renamed when whole\n"
        "  --input record|ndjson|fhir|omop\n"
        "                    as screen --input (ndjson is record)\n"
        "  --as-of DATE      plan every record for DATE (YYYY-MM-DD)\n"
        "  --threads N       worker threads (default: the number of cores)\n"
        "  --errors FILE     bad-line reports to FILE (default standard error)\n"
        "  --db FILE         keep this run and its rows in the SQLite history FILE\n"
        "  --changes         with --db: write what changed between the last two\n"
        "                    runs to standard output (after recording this run\n"
        "                    when FILE|- is given; then -o is required)\n"
        "  --changes-format text|csv\n"
        "                    the changes as text (default: grouped, for reading)\n"
        "                    or as CSV (one change per line: change, patient_id,\n"
        "                    name, mrn, item, before, after; formula-safe)\n"
        "  --kb DIR, --profile NAME\n"
        "                    the knowledge base, as screen\n"
        "  --help            this text\n"
        "\n"
        "exit status: 0 written; 2 usage or an input that cannot be opened; 1 a\n"
        "read or write error (nothing is left under -o FILE then), or records\n"
        "not read for lack of memory\n"
        CLI_HELP_FOOTER,
        out);
}

/* The arguments checked; 0, or 2 after saying what is wrong. */
static int check_args(wl_args *a, bool have_input) {
  static const char *const formats[] = {"csv", "xlsx", "html", NULL}, *const inputs[] = {"ndjson", "record", "fhir", "omop", NULL};
  int f, in;
  if (!cli_check_choice("worklist", "--format", a->format, formats, &f)) return 2;
  a->fmt = f == 0 ? F_CSV : f == 1 ? F_XLSX : F_HTML;
  if (!cli_check_choice("worklist", "--input", a->input, inputs, &in)) return 2;
  if (in == 0) a->input = "record";
  static const char *const change_formats[] = {"text", "csv", NULL};
  int cf = 0;
  if (a->changes_format && !cli_check_choice("worklist", "--changes-format", a->changes_format, change_formats, &cf))
    return 2;
  if (a->changes_format && !a->changes) {
    fprintf(stderr, "osteoplan worklist: --changes-format goes with --changes\n");
    return 2;
  }
  a->changes_csv = cf == 1;
  if (in == 3 && !a->as_of) {
    fprintf(stderr, "osteoplan worklist: --input omop needs --as-of DATE (the date the plans are for)\n");
    return 2;
  }
  if (a->as_of && !cli_check_date("worklist", "--as-of", a->as_of)) return 2;
  long cores = sysconf(_SC_NPROCESSORS_ONLN), t = cores > 0 ? cores : 1;
  if (a->threads && !cli_check_long("worklist", "--threads", a->threads, 1, 256, &t)) return 2;
  a->n_threads = (int)t;
  if (a->fmt == F_XLSX && (!a->out || !strcmp(a->out, "-"))) {
    fprintf(stderr, "osteoplan worklist: --format xlsx needs -o FILE (a workbook is not written to a stream)\n");
    return 2;
  }
  if (a->changes && !a->db) {
    fprintf(stderr, "osteoplan worklist: --changes needs --db FILE\n");
    return 2;
  }
  if (a->changes && have_input && !a->out) {
    fprintf(stderr, "osteoplan worklist: --changes with an input needs -o FILE (the changes go to standard output)\n");
    return 2;
  }
  return 0;
}

/* The output, whole or not at all; 0, or 1 after saying why. */
static int write_output(const wl_args *a, const op_kb *kb, const wl_result *r) {
  wl_out o;
  const char *target = a->out ? a->out : "-";
  const char *shown = a->out ? a->out : "standard output";
  if (wl_out_open(&o, target) != 0) {
    fprintf(stderr, "osteoplan worklist: cannot write %s: %s\n", shown, strerror(errno));
    return 1;
  }
  int rc;
  char err[256] = "";
  char *buf = NULL; /* the stream's buffer, until the file is closed */
  if (a->fmt == F_XLSX) {
    bool closed = !o.f || fclose(o.f) == 0; /* libxlsxwriter writes the file by its name */
    if (!closed) snprintf(err, sizeof err, "%s", strerror(errno));
    o.f = NULL;
    rc = closed ? wl_write_xlsx(wl_out_name(&o), kb, r, err, sizeof err) : -1;
  } else {
    /* a big buffer for a file (closed before the buffer is freed); standard
    ** output lives on after this and keeps stdio's own */
    if (o.f != stdout && (buf = malloc(1u << 20))) setvbuf(o.f, buf, _IOFBF, 1u << 20);
    wl_meta m = {a->as_of ? a->as_of : "", op_kb_version(kb)};
    rc = a->fmt == F_CSV ? wl_write_csv(o.f, kb, r) : wl_write_html(o.f, kb, r, &m);
    if (rc != 0) snprintf(err, sizeof err, "%s", strerror(errno ? errno : EIO));
  }
  if (rc != 0) {
    wl_out_abort(&o);
    free(buf);
    fprintf(stderr, "osteoplan worklist: cannot write %s: %s; nothing was left under its name\n", shown, err);
    return 1;
  }
  rc = wl_out_commit(&o);
  int e = errno;
  free(buf);
  if (rc != 0) {
    fprintf(stderr, "osteoplan worklist: cannot write %s: %s%s\n", shown, strerror(e),
            a->out ? "; nothing was left under its name" : "");
    return 1;
  }
  return 0;
}

#ifdef OSTEOPLAN_HISTORY
/* This run and its rows into the history, in one transaction; 0, or 1
** after saying why (the file and SQLite's message only: never a patient). */
static int record_run(const wl_args *a, const op_kb *kb, const wl_result *r, const char *input_name) {
  char now[32], err[512];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  worklist_run run = {now, a->as_of ? a->as_of : "", op_kb_version(kb), input_name, (long)r->st.records,
                      (long)r->st.listed, (long)r->st.not_listed, (long)r->st.bad};
  history *h = NULL;
  bool ok = history_open(a->db, &h, err, sizeof err) && history_begin_run(h, &run, err, sizeof err);
  for (size_t i = 0; ok && i < r->n; i++) ok = history_add_row(h, &r->items[i]->row, kb, err, sizeof err);
  ok = ok && history_commit(h, &run, err, sizeof err);
  if (!ok) history_rollback(h);
  history_close(h);
  if (ok) return 0;
  fprintf(stderr, "osteoplan worklist: --db: %s\n", err);
  return 1;
}

static int print_changes(const wl_args *a, const op_kb *kb) {
  char err[512];
  history *h = NULL;
  bool ok = history_open_readonly(a->db, &h, err, sizeof err) && history_changes(h, kb, stdout, a->changes_csv ? HISTORY_CSV : HISTORY_TEXT, err, sizeof err);
  history_close(h);
  if (ok && (fflush(stdout) != 0 || ferror(stdout))) {
    snprintf(err, sizeof err, "cannot write standard output: %s", strerror(errno ? errno : EIO));
    ok = false;
  }
  if (ok) return 0;
  fprintf(stderr, "osteoplan worklist: --changes: %s\n", err);
  return 1;
}
#else
static int record_run(const wl_args *a, const op_kb *kb, const wl_result *r, const char *input_name) {
  (void)a, (void)kb, (void)r, (void)input_name;
  fprintf(stderr, "osteoplan worklist: --db: this osteoplan was built without the run history (SQLite)\n");
  return 1;
}

static int print_changes(const wl_args *a, const op_kb *kb) { return record_run(a, kb, NULL, NULL); }
#endif

/* The summary for standard error; 0, or -1 when it could not be written. */
static int summary(const wl_result *r, const wl_input_stats *is, bool mapped) {
  if (mapped)
    fprintf(stderr, "osteoplan worklist: input: %ld deceased (no plan), %ld not mapped (see the errors)%s\n",
            is->deceased, is->unmapped, is->too_big ? "; patients with too much data: not listed (see the errors)" : "");
  fprintf(stderr, "osteoplan worklist: %llu records, %llu bad lines, %llu blank lines, %llu listed, %llu not listed "
          "(out of scope or no care gap), %.2f s\n", (unsigned long long)r->st.records, (unsigned long long)r->st.bad,
          (unsigned long long)r->st.blank, (unsigned long long)r->st.listed, (unsigned long long)r->st.not_listed,
          r->st.seconds);
  if (r->st.failed)
    fprintf(stderr, "osteoplan worklist: %llu records not read for lack of memory (see the errors)\n",
            (unsigned long long)r->st.failed);
  return fflush(stderr) != 0 || ferror(stderr) ? -1 : 0;
}

/* The records of the input: a file of record lines, or FHIR or OMOP
** mapped to one; 0, or the exit status after saying why. */
static int open_input(const wl_args *a, const op_kb *kb, const char *today, FILE *errf, wl_options *o,
                      wl_input_stats *is) {
  bool fhir = !strcmp(a->input, "fhir"), omop = !strcmp(a->input, "omop");
  if (!fhir && !omop) return 0;
  int fd = fhir ? wl_fhir_records(kb, a->file, a->as_of ? a->as_of : today, today, errf, is)
                : wl_omop_records(kb, a->file, a->as_of, today, errf, is);
  if (fd < 0) {
    fprintf(stderr, "osteoplan worklist: %s\n", is->error);
    return fhir && is->fhir.unreadable ? 2 : 1;
  }
  o->input_fd = fd;
  o->use_fd = true;
  return 0;
}

/* Reads, writes, records; the exit status. */
static int run(const wl_args *a, const op_kb *kb, FILE *errf) {
  char today[11];
  cli_today(today);
  wl_options o = {kb, a->n_threads, a->as_of, today, errf, -1, false, a->fmt == F_CSV, a->fmt == F_CSV && !a->db};
  wl_input_stats is = {0};
  int status = open_input(a, kb, today, errf, &o, &is);
  if (status) return status;
  wl_result r;
  int rc = wl_collect(&o, a->file, &r);
  int saved = errno;
  const char *name = strcmp(a->file, "-") ? a->file : "standard input";
  if (rc == WL_READ_FAILED && !r.st.lines && !o.use_fd && (saved == ENOENT || saved == EACCES || saved == EISDIR)) {
    fprintf(stderr, "osteoplan worklist: %s: %s\n", name, strerror(saved));
    wl_result_free(&r);
    return 2;
  }
  if (rc != WL_OK) { /* never a list from part of the input */
    const char *why = rc == WL_NO_MEMORY ? "out of memory" : r.read_error[0] ? r.read_error : strerror(saved);
    fprintf(stderr, "osteoplan worklist: %s: %s%s; nothing written\n", rc == WL_ERRORS_FAILED ? "the errors" : name,
            rc == WL_ERRORS_FAILED ? "cannot write them: " : "", why);
    summary(&r, &is, o.use_fd);
    wl_result_free(&r);
    return 1;
  }
  status = write_output(a, kb, &r);
  if (!status && a->db) status = record_run(a, kb, &r, name);
  if (!status && a->changes) status = print_changes(a, kb);
  if (summary(&r, &is, o.use_fd) != 0 || is.too_big || r.st.failed) status = status ? status : 1;
  wl_result_free(&r);
  return status;
}

int cmd_worklist(int argc, char **argv) {
  wl_args a = {.format = "csv", .file = NULL, .input = "record"};
  const cli_opt opts[] = {{"--format", &a.format, NULL}, {"--as-of", &a.as_of, NULL}, {"--errors", &a.errors, NULL},
                          {"--kb", &a.kbdir, NULL}, {"--profile", &a.profile, NULL}, {"--input", &a.input, NULL},
                          {"--threads", &a.threads, NULL}, {"-o", &a.out, NULL}, {"--output", &a.out, NULL},
                          {"--db", &a.db, NULL}, {"--changes", NULL, &a.changes},
                          {"--changes-format", &a.changes_format, NULL}, {NULL, NULL, NULL}};
  int rc0 = cli_parse("worklist", argc, argv, opts, &a.file, usage);
  if (rc0) return rc0 < 0 ? 0 : rc0;
  bool have_input = a.file != NULL;
  int bad = check_args(&a, have_input);
  if (bad) return bad;
  if (!have_input) a.file = "-";
  char err[768];
  op_kb *kb = kb_load_profile(a.kbdir, a.profile, err, sizeof err);
  if (!kb) {
    fprintf(stderr, "osteoplan worklist: %sknowledge base rejected: %s\n",
            a.kbdir ? "--kb: " : a.profile ? "--profile: " : "", err);
    return a.kbdir || a.profile ? 2 : 1;
  }
  if (a.changes && !have_input) { /* only the history is read */
    int st = print_changes(&a, kb);
    kb_free(kb);
    return st;
  }
  if (fcntl(STDOUT_FILENO, F_GETFD) < 0 || fcntl(STDERR_FILENO, F_GETFD) < 0) {
    fprintf(stderr, "osteoplan worklist: standard output or standard error is closed\n");
    kb_free(kb);
    return 1;
  }
  FILE *errf = stderr;
  if (a.errors && !(errf = fopen(a.errors, "w"))) {
    cli_file_error("worklist", "--errors", a.errors, strerror(errno));
    kb_free(kb);
    return 2;
  }
  int status = run(&a, kb, errf);
  if (errf != stderr && fclose(errf) != 0 && !status) {
    fprintf(stderr, "osteoplan worklist: cannot write the errors: %s\n", strerror(errno));
    status = 1;
  }
  kb_free(kb);
  return status;
}
