/*
** cmd_screen.c: osteoplan screen: many records in, one line per patient out.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "kb/kb.h"
#include "screen/screen.h"
#include "fhir/fhir_bulk.h"
#include "omop/omop.h"

/* What the FHIR export's mapping counted, for the summary. */
typedef struct {
  long deceased, unmapped;
} fhir_ctx;

/* The memory target: OSTEOPLAN_FHIR_BUCKET_BYTES (tests force many small
** buckets with it). */
static size_t fhir_bucket_bytes(void) {
  return fhir_bulk_env_bytes("OSTEOPLAN_FHIR_BUCKET_BYTES", FHIR_BULK_BUCKET_BYTES);
}

/* One patient's resources at most: OSTEOPLAN_FHIR_PATIENT_BYTES (SIZE_MAX:
** unset, fhir_bulk's default). */
static size_t fhir_patient_bytes(void) { return fhir_bulk_env_bytes("OSTEOPLAN_FHIR_PATIENT_BYTES", SIZE_MAX); }

/* Maps every patient of a Bulk Data export to a patient record, one per
** line in the order of the export's Patient resources, into an unlinked
** temporary file; returns its descriptor at offset 0, or -1 with errno set
** and the reason in fs->error. Patients that cannot be mapped are reported. */
static int fhir_to_records(const op_kb *kb, const char *path, const char *as_of, const char *today, FILE *errors,
                           int threads, fhir_bulk_stats *fs, fhir_ctx *c) {
  size_t pb = fhir_patient_bytes();
  fhir_bulk_options bo = {errors, fhir_bucket_bytes(), NULL, pb == SIZE_MAX ? 0 : pb, threads};
  return fhir_bulk_records(path, &bo, kb, as_of, today, &c->deceased, &c->unmapped, fs);
}

/* The FHIR part of the summary: what was read, and the memory and temporary
** space the grouping took. */
static int fhir_summary(const fhir_bulk_stats *fs, const fhir_ctx *c) {
  struct rusage ru;
  long peak_kb = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0; /* KiB on Linux */
  fprintf(stderr, "osteoplan screen: FHIR: %ld resources, %ld patients, %ld deceased (no plan), %ld not mapped, "
          "%ld bad lines, %ld resources of no known patient, %ld Medication resources, %ld resources of types "
          "not used (dropped), %ld files not *.ndjson(.gz) (not read)\n",
          fs->lines, fs->patients, c->deceased, c->unmapped, fs->bad, fs->orphans, fs->medications, fs->dropped,
          fs->not_ndjson);
  if (fs->too_big) /* never a plan from part of a patient's data: the run fails */
    fprintf(stderr, "osteoplan screen: FHIR: %ld patients not screened: too much data for one patient (see the "
            "errors)\n", fs->too_big);
  fprintf(stderr, "  memory: peak resident %.1f MiB; temporary files: %.1f MiB written, %.1f MiB at most at once, "
          "%d groups\n", (double)peak_kb / 1024.0, (double)fs->temp_written / 1048576.0,
          (double)fs->temp_peak / 1048576.0, fs->buckets);
  return fflush(stderr) != 0 || ferror(stderr) ? -1 : 0;
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
    const char *name = strcmp(file, "-") ? file : "standard input";
    if (saved == EBADMSG) /* the line reader's gzip check: never a quiet short read */
      fprintf(stderr, "osteoplan screen: %s: truncated or corrupt gzip input: reading stopped after line %llu "
              "(the lines before it were screened; the rest of the file is lost)\n", name, (unsigned long long)st->lines);
    else
      fprintf(stderr, "osteoplan screen: %s: %s\n", name, saved ? strerror(saved) : "read error");
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
        "gaps (care gaps, defined in the knowledge base), then the record's name and\n"
        "mrn (NDJSON: when it has them; CSV: the last two columns). Names and MRNs\n"
        "are never written to standard error. A bad line is reported\n"
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
        "  --input record|fhir|omop\n"
        "                    fhir: FILE is a FHIR Bulk Data export (a directory of\n"
        "                    *.ndjson[.gz] files, or one file), grouped by patient\n"
        "                    through temporary files in $TMPDIR (memory stays\n"
        "                    bounded whatever the export's size); output in the\n"
        "                    order of the Patient resources; deceased patients are\n"
        "                    counted and skipped\n"
        "                    omop: FILE is a directory of OMOP CDM 5.4 tables as\n"
        "                    CSV (person, death, measurement, observation,\n"
        "                    condition_occurrence, drug_exposure,\n"
        "                    procedure_occurrence and the vocabulary's concept);\n"
        "                    --as-of is required; output in person.csv's order;\n"
        "                    people dead by --as-of are counted and skipped\n"
        "  --kb DIR          load the knowledge base from DIR (common/, profiles/NAME/)\n"
        "  --profile NAME    the knowledge base's profile (default: default)\n"
        "  --parse-only      only parse each line (the benchmark's floor)\n"
        "  --help            this text\n"
        "\n"
        "exit status: 0 the input was screened (bad lines included); 2 usage or an\n"
        "input that cannot be opened; 1 a read or write error (results, errors or\n"
        "summary), or records not screened for lack of memory\n"
        CLI_HELP_FOOTER,
        out);
}

/* --input, --format, --threads and --as-of into o and fhir; 0, or 2 after
** saying on standard error what is wrong. */
static int screen_args(const char *input, const char *format, const char *threads, const char *as_of,
                       screen_options *o, bool *fhir) {
  static const char *const inputs[] = {"record", "fhir", "omop", NULL}, *const formats[] = {"ndjson", "csv", NULL};
  int in, f;
  if (!cli_check_choice("screen", "--input", input, inputs, &in)) return 2;
  *fhir = in == 1;
  /* An OMOP database is a snapshot of some past date: screening it for
  ** today would silently age every person's data. */
  if (in == 2 && !as_of) {
    fprintf(stderr, "osteoplan screen: --input omop needs --as-of DATE (the date the plans are for)\n");
    return 2;
  }
  if (!cli_check_choice("screen", "--format", format, formats, &f)) return 2;
  o->format = f ? SCREEN_CSV : SCREEN_NDJSON;
  long cores = sysconf(_SC_NPROCESSORS_ONLN), t = cores > 0 ? cores : 1;
  if (threads && !cli_check_long("screen", "--threads", threads, 1, 256, &t)) return 2;
  o->threads = (int)t;
  if (as_of && !cli_check_date("screen", "--as-of", as_of)) return 2; /* every record would be refused: say it once */
  return 0;
}

/* OMOP tables in dir -> record lines on a temporary file set as o's input;
** 0, or the exit status after saying why on standard error. */
static int omop_input(const op_kb *kb, const char *dir, screen_options *o, FILE *errf, omop_stats *os) {
  int fd = omop_to_records(kb, dir, o->as_of, o->today, errf, os);
  if (fd < 0) {
    fprintf(stderr, "osteoplan screen: %s\n", os->error);
    return 1;
  }
  o->input_fd = fd;
  o->use_fd = true;
  return 0;
}

static int omop_summary(const omop_stats *os) {
  fprintf(stderr, "osteoplan screen: OMOP: %ld persons, %ld deceased (no plan), %ld not mapped, %ld rows read, "
          "%ld rows of persons not in person.csv (not used), %ld concepts%s%s\n",
          os->persons, os->deceased, os->unmapped, os->rows, os->orphans, os->concepts,
          os->missing[0] ? "; tables absent: " : "", os->missing);
  return fflush(stderr) != 0 || ferror(stderr) ? -1 : 0;
}

int cmd_screen(int argc, char **argv) {
  const char *format = "ndjson", *as_of = NULL, *errors = NULL, *kbdir = NULL, *file = "-", *threads = NULL,
             *input = "record", *profile = NULL;
  bool gaps_only = false, parse_only = false;
  const cli_opt opts[] = {{"--format", &format, NULL}, {"--as-of", &as_of, NULL}, {"--errors", &errors, NULL},
                          {"--kb", &kbdir, NULL}, {"--profile", &profile, NULL}, {"--input", &input, NULL}, {"--threads", &threads, NULL}, {"--gaps-only", NULL, &gaps_only},
                          {"--parse-only", NULL, &parse_only}, {NULL, NULL, NULL}};
  int rc0 = cli_parse("screen", argc, argv, opts, &file, usage);
  if (rc0) return rc0 < 0 ? 0 : rc0;
  screen_options o = {0};
  bool fhir = false;
  int bad = screen_args(input, format, threads, as_of, &o, &fhir);
  if (bad) return bad;
  char err[768];
  op_kb *kb = kb_load_profile(kbdir, profile, err, sizeof err);
  if (!kb) {
    fprintf(stderr, "osteoplan screen: %sknowledge base rejected: %s\n", kbdir ? "--kb: " : profile ? "--profile: " : "",
            err);
    return kbdir || profile ? 2 : 1; /* a copy or a profile named by the user: a usage error */
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
    cli_file_error("screen", "--errors", errors, strerror(errno));
    kb_free(kb);
    return 2;
  }
  /* Unbuffered: every result goes out as one whole batch, written and
  ** flushed at once (screen.c's put_stream), so a stdio buffer would only
  ** copy each batch once more on its way (a percent of a screening run). */
  setvbuf(stdout, NULL, _IONBF, 0);
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
  fhir_bulk_stats fs = {0};
  fhir_ctx fc = {0};
  if (fhir && (!fhir_bucket_bytes() || !fhir_patient_bytes())) {
    fprintf(stderr, "osteoplan screen: %s: expected a positive number of bytes\n",
            fhir_bucket_bytes() ? "OSTEOPLAN_FHIR_PATIENT_BYTES" : "OSTEOPLAN_FHIR_BUCKET_BYTES");
    if (errf != stderr) fclose(errf);
    kb_free(kb);
    return 2;
  }
  omop_stats os = {0};
  bool omop = !strcmp(input, "omop");
  if (omop && (bad = omop_input(kb, file, &o, errf, &os)) != 0) {
    if (errf != stderr) fclose(errf);
    kb_free(kb);
    return bad;
  }
  if (fhir) {
    int fd = fhir_to_records(kb, file, as_of ? as_of : today, today, errf, o.threads, &fs, &fc);
    if (fd < 0) {
      fprintf(stderr, "osteoplan screen: %s\n", fs.error[0] ? fs.error : strerror(errno));
      if (errf != stderr) fclose(errf);
      kb_free(kb);
      return fs.unreadable ? 2 : 1;
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
  if (fhir && fhir_summary(&fs, &fc) != 0) status = 1;
  if (omop && omop_summary(&os) != 0) status = 1;
  if (fs.too_big) status = 1;
  if (screen_print_summary(&o, &st, stderr) != 0) status = 1; /* nowhere left to say so: the status does */
  kb_free(kb);
  return status;
}
