/*
** fhir_bulk.c: see fhir_bulk.h and fhir_bulk_int.h. Pass one parses every
** line once and spills it, with its key (patient id, or Medication id) and
** its place in the export, to a bucket file; pass two (fhir_bulk_group.c)
** groups bucket by bucket. The output order is restored at the end from a
** small (order, offset) index of the lines the callback returned, so
** buckets can be grouped in any order, on any thread.
*/
#include "fhir_bulk.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir/fhir_bulk_int.h"
#include "fhir/fhir_refs.h"
#include "util/ctlchar.h"

#define BULK_MAX_LINE (64u << 20)
/* A batch of lines a worker takes from the reader at once. */
#define BATCH_LINES 1024
#define BATCH_BYTES (1u << 20)

typedef struct {
  size_t off;
  uint32_t len;
  bool too_long;
  int file;
  uint64_t no;
} line_ent;

typedef struct {
  char *text;
  size_t len, cap;
  line_ent e[BATCH_LINES];
  int n;
  long long seq;
} batch;

/* ---- pass one: parse and spill ------------------------------------------ */

/* "Patient/ID" (or a urn:uuid:ID) of the resource's subject or patient. */
static bool patient_ref(const json_doc *d, int r, const char **id, size_t *n) {
  int ref = fj_get(d, fj_get(d, r, "subject"), "reference");
  if (ref < 0) ref = fj_get(d, fj_get(d, r, "patient"), "reference");
  if (ref < 0 || d->tok[ref].type != JT_STRING) return false;
  const char *s = d->text + d->tok[ref].start;
  size_t len = (size_t)(d->tok[ref].end - d->tok[ref].start);
  if (len > 8 && !memcmp(s, "Patient/", 8)) s += 8, len -= 8;
  else if (len > 9 && !memcmp(s, "urn:uuid:", 9)) s += 9, len -= 9;
  else return false;
  *id = s;
  *n = len;
  return len > 0;
}

/* The string value of key in the resource, raw (as the key of a bucket). */
static bool raw_str(const json_doc *d, int obj, const char *key, const char **s, size_t *n) {
  int t = fj_get(d, obj, key);
  if (t < 0 || d->tok[t].type != JT_STRING || d->tok[t].end == d->tok[t].start) return false;
  *s = d->text + d->tok[t].start;
  *n = (size_t)(d->tok[t].end - d->tok[t].start);
  return true;
}

/* The types the mapper reads besides Patient and Medication (fhir_map.c
** read_resources); any other is of no use to a plan. */
static bool mapped_type(const json_doc *d, int rt) {
  static const char *const types[] = {"Observation", "Condition", "MedicationRequest", "MedicationStatement"};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++)
    if (fj_is(d, rt, types[i])) return true;
  return false;
}

/* One line of the export into the worker's spills; its reports to the
** worker's error file. */
static int spill_line(bulk_worker *w, const line_ent *e, const char *line) {
  bulk *b = w->b;
  fhir_bulk_stats *st = &w->st;
  FILE *errors = w->errs;
  const char *path = b->files[e->file];
  unsigned long long no = (unsigned long long)e->no;
  if (e->too_long) {
    fprintf(errors, "%s:%llu: line longer than %u MiB, skipped\n", path, no, BULK_MAX_LINE >> 20);
    st->bad++;
    return 0;
  }
  size_t len = e->len;
  json_doc d;
  char msg[256];
  st->lines++;
  arena_reset(w->a);
  if (json_parse(w->a, line, len, &d, msg, sizeof msg) < 0) {
    fprintf(errors, "%s:%llu: not JSON: %s\n", path, no, msg);
    st->bad++;
    return 0;
  }
  int rt = fj_get(&d, 0, "resourceType");
  if (rt < 0 || d.tok[rt].type != JT_STRING) {
    fprintf(errors, "%s:%llu: not a FHIR resource (no resourceType), skipped\n", path, no);
    st->bad++;
    return 0;
  }
  const char *id;
  size_t n;
  int64_t pos = POS_OF(e->file, e->no);
  bool patient = fj_is(&d, rt, "Patient");
  if (patient || fj_is(&d, rt, "Medication")) {
    if (!raw_str(&d, 0, "id", &id, &n)) {
      fprintf(errors, "%s:%llu: %s without id, skipped\n", path, no, patient ? "Patient" : "Medication");
      st->bad++;
      return 0;
    }
    if (patient) return spill_put(b, &w->bk[bucket_of(id, n, 0)], pos | POS_PATIENT, id, n, line, len);
    st->medications++;
    return spill_put(b, &w->med, pos, id, n, line, len);
  }
  if (!mapped_type(&d, rt)) {
    st->dropped++; /* the mapper would only count it: not worth a patient's memory */
    return 0;
  }
  if (!patient_ref(&d, 0, &id, &n)) {
    st->orphans++; /* not about one patient (Practitioner, Organization...) */
    return 0;
  }
  return spill_put(b, &w->bk[bucket_of(id, n, 0)], pos, id, n, line, len);
}

/* Opens the next file of the export; -1 when it cannot be. */
static int open_next(bulk *b) {
  const char *path = b->files[b->file];
  if (lr_open(&b->lr, path, BULK_MAX_LINE) != 0) {
    b->st->unreadable = errno == ENOENT || errno == EACCES || errno == EISDIR;
    b->file = b->nfiles;
    return FAIL(b, errno, "%s: %s", path, strerror(errno));
  }
  b->open = true;
  return 0;
}

/* The next lines of the export into bt (under b->m): 0 (bt->n 0 at the
** end), or -1. Empty lines are skipped here, as they always were. */
static int fill_batch(bulk *b, batch *bt) {
  bt->n = 0;
  bt->len = 0;
  while (bt->n < BATCH_LINES && bt->len < BATCH_BYTES && !atomic_load(&b->failed)) {
    if (!b->open && (b->file >= b->nfiles || open_next(b) != 0)) break;
    const char *line;
    size_t len;
    bool too_long;
    int r = lr_next(&b->lr, &line, &len, &too_long);
    if (r < 0) {
      const char *why = lr_error(&b->lr)[0] ? lr_error(&b->lr) : strerror(errno);
      bulk_note_error(b, errno, "%s: %s", b->files[b->file], why);
    }
    if (r <= 0) {
      lr_close(&b->lr);
      b->open = false;
      b->file = r < 0 ? b->nfiles : b->file + 1;
      continue;
    }
    if (!too_long && !len) continue;
    if (!too_long && !grow_buf(&bt->text, &bt->cap, bt->len + len + (bt->len + len) / 2 + 1))
      return FAIL(b, ENOMEM, "out of memory");
    bt->e[bt->n++] = (line_ent){bt->len, (uint32_t)len, too_long, b->file, b->lr.line_no};
    if (!too_long) memcpy(bt->text + bt->len, line, len), bt->len += len;
  }
  bt->seq = b->batches++;
  return atomic_load(&b->failed) ? -1 : 0;
}

static void *pass_one(void *arg) {
  bulk_worker *w = arg;
  bulk *b = w->b;
  batch *bt = calloc(1, sizeof *bt);
  if (!bt) {
    bulk_note_error(b, ENOMEM, "out of memory");
    return NULL;
  }
  for (;;) {
    pthread_mutex_lock(&b->m);
    int rc = fill_batch(b, bt);
    pthread_mutex_unlock(&b->m);
    if (rc != 0 || bt->n == 0) break;
    long long start = ftell(w->errs);
    for (int i = 0; i < bt->n && rc == 0; i++) rc = spill_line(w, &bt->e[i], bt->text + bt->e[i].off);
    if (rc != 0 || add_chunk(b, bt->seq, 0, w, start) != 0) break;
  }
  for (int i = 0; i < FHIR_BULK_FANOUT && !atomic_load(&b->failed); i++) /* no buffer held into pass two */
    if (w->bk[i].open) temp_rewind(b, &w->bk[i]);
  free(bt->text);
  free(bt);
  return NULL;
}

static int name_cmp(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static bool ndjson_name(const char *n) {
  size_t l = strlen(n);
  return (l > 7 && !strcmp(n + l - 7, ".ndjson")) || (l > 10 && !strcmp(n + l - 10, ".ndjson.gz"));
}

/* A directory entry that is not read: said, so nothing is ignored unseen. */
static void not_ndjson(bulk *b, const char *path, const char *name) {
  if (!strcmp(name, ".") || !strcmp(name, "..")) return;
  char shown[6 * 256 + 1];
  ctl_escape(shown, sizeof shown, name);
  fprintf(b->o->errors, "%s/%s: not named *.ndjson or *.ndjson.gz, not read\n", path, shown);
  b->st->not_ndjson++;
}

/* Appends path/name (or path alone: name NULL) to the files to read. */
static bool add_file(bulk *b, int *cap, const char *path, const char *name) {
  if (b->nfiles == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    char **nf = realloc(b->files, sizeof(char *) * (size_t)*cap);
    if (!nf) return false;
    b->files = nf;
  }
  size_t n = strlen(path) + (name ? strlen(name) + 2 : 1);
  char *full = malloc(n);
  if (!full) return false;
  if (name) snprintf(full, n, "%s/%s", path, name);
  else memcpy(full, path, n);
  b->files[b->nfiles++] = full;
  return true;
}

/* The export's files, sorted by name (a directory), or path alone. */
static int list_files(bulk *b, const char *path) {
  struct stat st;
  int cap = 0;
  if (!strcmp(path, "-") || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return add_file(b, &cap, path, NULL) ? 0 : FAIL(b, ENOMEM, "out of memory");
  DIR *dir = opendir(path);
  if (!dir) {
    b->st->unreadable = true;
    return FAIL(b, errno, "%s: %s", path, strerror(errno));
  }
  int err = 0;
  bool ok = true;
  for (;;) {
    errno = 0; /* readdir's NULL is the end only when errno stays 0 */
    const struct dirent *e = readdir(dir);
    if (!e) {
      err = errno;
      break;
    }
    if (!ndjson_name(e->d_name)) not_ndjson(b, path, e->d_name);
    else if (!(ok = add_file(b, &cap, path, e->d_name))) break;
  }
  closedir(dir);
  if (err) return FAIL(b, err, "%s: cannot list the export: %s", path, strerror(err));
  if (!ok) return FAIL(b, ENOMEM, "%s: out of memory listing the export", path);
  if (b->nfiles) qsort(b->files, (size_t)b->nfiles, sizeof *b->files, name_cmp);
  return 0;
}

/* ---- the run ------------------------------------------------------------ */

/* fn on every worker: the others on threads of their own, the first on the
** caller's. A thread that cannot be started is no error: the others take
** its share (work is handed out batch by batch, bucket by bucket). */
static int run_workers(bulk *b, void *(*fn)(void *)) {
  pthread_t t[FHIR_BULK_MAX_THREADS];
  bool started[FHIR_BULK_MAX_THREADS] = {false};
  for (int i = 1; i < b->nw; i++) started[i] = pthread_create(&t[i], NULL, fn, &b->w[i]) == 0;
  fn(&b->w[0]);
  for (int i = 1; i < b->nw; i++)
    if (started[i]) pthread_join(t[i], NULL);
  return atomic_load(&b->failed) ? -1 : 0;
}

static int by_seq(const void *x, const void *y) {
  int64_t a = ((const out_ent *)x)->seq, c = ((const out_ent *)y)->seq;
  return (a > c) - (a < c);
}

/* Every worker's index of kept lines, as one, in the export's order. */
static out_ent *all_out(bulk *b, size_t *n) {
  *n = 0;
  for (int i = 0; i < b->nw; i++) *n += b->w[i].nout;
  out_ent *all = malloc(sizeof *all * (*n ? *n : 1));
  if (!all) return NULL;
  size_t k = 0;
  for (int i = 0; i < b->nw; i++) {
    if (b->w[i].nout) memcpy(all + k, b->w[i].out, sizeof *all * b->w[i].nout);
    k += b->w[i].nout;
    free(b->w[i].out);
    b->w[i].out = NULL;
  }
  if (*n) qsort(all, *n, sizeof *all, by_seq);
  return all;
}

static int write_ordered(bulk *b) {
  size_t n;
  out_ent *all = all_out(b, &n);
  if (!all) return FAIL(b, ENOMEM, "out of memory");
  for (int i = 0; i < b->nw; i++)
    if (b->w[i].mapped.open && temp_rewind(b, &b->w[i].mapped) != 0) return free(all), -1;
  spill fin = {0};
  bulk_worker *w = &b->w[0];
  int rc = temp_open(b, &fin);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    const out_ent *e = &all[i];
    if (!grow_buf(&w->rbuf, &w->rcap, (size_t)e->len + 1)) {
      rc = FAIL(b, ENOMEM, "out of memory");
      break;
    }
    if (!pread_all(b->w[e->worker].mapped.fd, w->rbuf, e->len, e->off))
      rc = FAIL(b, errno ? errno : EIO, "cannot read a temporary file back");
    w->rbuf[e->len] = '\n';
    if (rc == 0) rc = temp_write(b, &fin, w->rbuf, (size_t)e->len + 1);
  }
  free(all);
  if (rc == 0) rc = temp_rewind(b, &fin);
  int fd = rc == 0 ? dup(fin.fd) : -1;
  if (rc == 0 && fd < 0) bulk_note_error(b, errno, "cannot keep a temporary file: %s", strerror(errno));
  temp_close(b, &fin);
  if (fd >= 0) lseek(fd, 0, SEEK_SET);
  return fd;
}

static int start_workers(bulk *b) {
  b->nw = b->nw > 1 ? b->nw : 1; /* worker 0 always exists: run_workers runs it */
  if (!(b->w = calloc((size_t)b->nw, sizeof *b->w))) return FAIL(b, ENOMEM, "out of memory");
  for (int i = 0; i < b->nw; i++) {
    bulk_worker *w = &b->w[i];
    w->b = b;
    w->id = i;
    w->last_chunk = -1;
    /* A bucket's parsed resources take about three times its text: one
    ** first block that size is kept from bucket to bucket (arena_reset), so
    ** grouping does not take fresh pages from the system for every bucket
    ** (page faults were most of the time). Untouched, it costs nothing. */
    size_t first = b->target < (64u << 20) ? 3 * b->target : (192u << 20);
    if (!(w->a = arena_create(first > 65536 ? first : 65536)) && !(w->a = arena_create(65536)))
      return FAIL(b, ENOMEM, "out of memory");
    if (!(w->errs = temp_file(b))) return -1;
  }
  return 0;
}

/* Adds up the workers' counts and frees them. */
static void stop_workers(bulk *b) {
  fhir_bulk_stats *st = b->st;
  for (int i = 0; b->w && i < b->nw; i++) {
    bulk_worker *w = &b->w[i];
    st->lines += w->st.lines;
    st->bad += w->st.bad;
    st->orphans += w->st.orphans;
    st->medications += w->st.medications;
    st->dropped += w->st.dropped;
    st->too_big += w->st.too_big;
    st->patients += w->st.patients;
    st->buckets += w->st.buckets;
    for (int k = 0; k < FHIR_BULK_FANOUT; k++) temp_close(b, &w->bk[k]);
    temp_close(b, &w->med);
    temp_close(b, &w->mapped);
    if (w->errs) fclose(w->errs);
    arena_destroy(w->a);
    free(w->rbuf);
    free(w->buf);
    free(w->order);
    free(w->out);
  }
  free(b->w);
  for (int i = 0; i < b->nfiles; i++) free(b->files[i]);
  free(b->files);
  free(b->chunks);
  st->temp_written = atomic_load(&b->written);
  st->temp_peak = atomic_load(&b->peak);
}

/* Medication spills are read by every worker in pass two, by offset. */
static int flush_meds(bulk *b) {
  for (int i = 0; i < b->nw; i++)
    if (b->w[i].med.open && temp_rewind(b, &b->w[i].med) != 0) return -1;
  return 0;
}

int fhir_bulk_run(const char *path, const fhir_bulk_options *o, fhir_bulk_fn fn, void *ctx, fhir_bulk_stats *st) {
  memset(st, 0, sizeof *st);
  bulk b = {.o = o, .st = st, .fn = fn, .ctx = ctx};
  b.nw = o->threads < 1 ? 1 : o->threads > FHIR_BULK_MAX_THREADS ? FHIR_BULK_MAX_THREADS : o->threads;
  size_t target = o->bucket_bytes ? o->bucket_bytes : FHIR_BULK_BUCKET_BYTES;
  b.patient_max = o->patient_bytes                            ? o->patient_bytes
                  : target > FHIR_BULK_PATIENT_BYTES / 2 ? 2 * target
                                                         : FHIR_BULK_PATIENT_BYTES;
  b.target = target >= (size_t)b.nw ? target / (size_t)b.nw : 1; /* the memory target is shared */
  /* A worker's FHIR_BULK_FANOUT spill buffers take its share of the target
  ** at most (pass one holds no bucket), within stdio's size and 256 KiB. */
  b.spill_buf = b.target / FHIR_BULK_FANOUT;
  b.spill_buf = b.spill_buf < 4096 ? 4096 : b.spill_buf > (256u << 10) ? (256u << 10) : b.spill_buf;
  b.total = (long long)target;
  pthread_mutex_init(&b.m, NULL);
  pthread_mutex_init(&b.em, NULL);
  pthread_mutex_init(&b.mm, NULL);
  pthread_cond_init(&b.mc, NULL);
  int rc = start_workers(&b);
  if (rc == 0) rc = list_files(&b, path);
  if (rc == 0) rc = run_workers(&b, pass_one);
  if (write_chunks(&b) != 0) rc = -1; /* the reports of what was read, even after a failure */
  if (rc == 0) rc = flush_meds(&b);
  if (rc == 0) rc = run_workers(&b, bulk_pass_two);
  if (write_chunks(&b) != 0) rc = -1;
  int fd = rc == 0 ? write_ordered(&b) : -1;
  if (b.open) lr_close(&b.lr);
  stop_workers(&b);
  pthread_mutex_destroy(&b.m);
  pthread_mutex_destroy(&b.em);
  pthread_mutex_destroy(&b.mm);
  pthread_cond_destroy(&b.mc);
  if (fd < 0) errno = b.err ? b.err : EIO;
  return fd;
}
