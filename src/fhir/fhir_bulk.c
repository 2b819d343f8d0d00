/*
** fhir_bulk.c: see fhir_bulk.h. Pass one parses every line once and spills
** it, with its key (patient id, or Medication id) and the order of Patient
** resources, to a bucket file; pass two groups bucket by bucket. The output
** order is restored at the end from a small (order, offset) index of the
** lines the callback returned, so buckets can be grouped in any order.
*/
#include "fhir_bulk.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir/fhir_refs.h"
#include "util/lines.h"
#include "util/ctlchar.h"

#define BULK_MAX_LINE (64u << 20)
/* Hash levels at most: FHIR_BULK_FANOUT^6 buckets is never needed. */
#define MAX_DEPTH 6

/* A spilled resource: this header, the key, the line, a NUL. */
typedef struct {
  uint32_t len;    /* line bytes with the NUL */
  uint32_t keylen; /* key bytes */
  int64_t seq;     /* a Patient: its place among Patient resources; else -1 */
} rec_hdr;

typedef struct {
  FILE *f;
  long long bytes;
  long recs;
} spill;

typedef struct {
  int64_t seq;
  long long off;
  size_t len;
} out_ent;

typedef struct {
  const char *id;
  size_t idlen;
  int64_t seq; /* of its first Patient resource */
  fhir_res *res;
  int n, cap;
  bool has_patient;
  long long bytes; /* its records' bytes (sift) */
} pat;

/* Patients (or Medications) of one bucket by id: open addressing. */
typedef struct {
  pat *p;
  int np, pcap;
  int *hash; /* index into p, -1 empty */
  int hcap;
} table;

typedef struct {
  const fhir_bulk_options *o;
  fhir_bulk_stats *st;
  size_t target;
  size_t patient_max; /* one patient's record bytes at most */
  fhir_bulk_fn fn;
  void *ctx;
  spill med, mapped;
  out_ent *out;
  size_t nout, cout;
  long long live; /* temporary bytes on disk now */
  int64_t next_seq;
  arena *a; /* one line in pass one, one bucket in pass two */
  char *rbuf; /* a record read back */
  size_t rcap;
  int err;
} bulk;

/* Keeps the first error's message and errno; FAIL is it, as -1 to return. */
static void note_error(bulk *b, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note_error(bulk *b, int err, const char *fmt, ...) {
  if (!b->st->error[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->st->error, sizeof b->st->error, fmt, ap);
    va_end(ap);
    b->err = err ? err : EIO;
  }
  errno = b->err;
}
#define FAIL(b, ...) (note_error((b), __VA_ARGS__), -1)

/* ---- temporary files ---------------------------------------------------- */

static const char *temp_dir(const bulk *b) {
  const char *d = b->o->tmpdir ? b->o->tmpdir : getenv("TMPDIR");
  return d && *d ? d : "/tmp";
}

/* An unlinked file in the temporary directory: gone when closed or killed. */
static int temp_open(bulk *b, spill *s) {
  char path[4096];
  const char *dir = temp_dir(b);
  if (snprintf(path, sizeof path, "%s/osteoplan-bulk-XXXXXX", dir) >= (int)sizeof path)
    return FAIL(b, ENAMETOOLONG, "temporary directory %s: name too long", dir);
  int fd = mkstemp(path);
  if (fd < 0) return FAIL(b, errno, "cannot create a temporary file in %s: %s", dir, strerror(errno));
  unlink(path);
  s->f = fdopen(fd, "w+b");
  if (!s->f) {
    int e = errno;
    close(fd);
    return FAIL(b, e, "cannot open a temporary file in %s: %s", dir, strerror(e));
  }
  s->bytes = 0;
  s->recs = 0;
  return 0;
}

static int write_fail(bulk *b, int e) {
  return FAIL(b, e ? e : EIO, "cannot write a temporary file in %s (%lld bytes written in all): %s", temp_dir(b),
              b->st->temp_written, strerror(e ? e : EIO));
}

static int temp_write(bulk *b, spill *s, const void *p, size_t n) {
  errno = 0;
  if (n && fwrite(p, 1, n, s->f) != n) return write_fail(b, errno);
  s->bytes += (long long)n;
  b->st->temp_written += (long long)n;
  b->live += (long long)n;
  if (b->live > b->st->temp_peak) b->st->temp_peak = b->live;
  return 0;
}

/* Flushes (where a full disk shows) and goes back to the start. */
static int temp_rewind(bulk *b, spill *s) {
  errno = 0;
  if (fflush(s->f) != 0 || ferror(s->f)) return write_fail(b, errno);
  if (fseek(s->f, 0, SEEK_SET) != 0) return FAIL(b, errno, "cannot read a temporary file back: %s", strerror(errno));
  return 0;
}

static void temp_close(bulk *b, spill *s) {
  if (s->f) {
    fclose(s->f);
    b->live -= s->bytes;
  }
  *s = (spill){0};
}

static int spill_put(bulk *b, spill *s, int64_t seq, const char *key, size_t keylen, const char *line, size_t len) {
  if (!s->f && temp_open(b, s) != 0) return -1;
  rec_hdr h = {(uint32_t)len + 1, (uint32_t)keylen, seq};
  if (temp_write(b, s, &h, sizeof h) || temp_write(b, s, key, keylen) || temp_write(b, s, line, len) ||
      temp_write(b, s, "", 1))
    return -1;
  s->recs++;
  return 0;
}

/* The next record of a rewound spill into b->rbuf (key, then line):
** 1, 0 at the end, -1 on error. */
static int spill_get(bulk *b, spill *s, rec_hdr *h) {
  if (fread(h, sizeof *h, 1, s->f) != 1) {
    if (feof(s->f) && !ferror(s->f)) return 0;
    return FAIL(b, EIO, "cannot read a temporary file back");
  }
  size_t need = (size_t)h->keylen + h->len;
  if (need > b->rcap) {
    char *nb = realloc(b->rbuf, need);
    if (!nb) return FAIL(b, ENOMEM, "out of memory");
    b->rbuf = nb;
    b->rcap = need;
  }
  if (fread(b->rbuf, 1, need, s->f) != need) return FAIL(b, EIO, "cannot read a temporary file back");
  return 1;
}

/* Which of FHIR_BULK_FANOUT buckets a key goes to at one level: each level
** hashes differently, so a split bucket really splits. */
static unsigned bucket_of(const char *k, size_t n, int level) {
  uint64_t h = 1469598103934665603ull ^ ((uint64_t)level * 0x9E3779B97F4A7C15ull);
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return (unsigned)(h % FHIR_BULK_FANOUT);
}

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

static int spill_line(bulk *b, spill *bk, const char *path, uint64_t no, const char *line, size_t len) {
  fhir_bulk_stats *st = b->st;
  FILE *errors = b->o->errors;
  json_doc d;
  char msg[256];
  st->lines++;
  arena_reset(b->a);
  if (json_parse(b->a, line, len, &d, msg, sizeof msg) < 0) {
    fprintf(errors, "%s:%llu: not JSON: %s\n", path, (unsigned long long)no, msg);
    st->bad++;
    return 0;
  }
  int rt = fj_get(&d, 0, "resourceType");
  if (rt < 0 || d.tok[rt].type != JT_STRING) {
    fprintf(errors, "%s:%llu: not a FHIR resource (no resourceType), skipped\n", path, (unsigned long long)no);
    st->bad++;
    return 0;
  }
  const char *id;
  size_t n;
  if (fj_is(&d, rt, "Patient")) {
    if (!raw_str(&d, 0, "id", &id, &n)) {
      fprintf(errors, "%s:%llu: Patient without id, skipped\n", path, (unsigned long long)no);
      st->bad++;
      return 0;
    }
    return spill_put(b, &bk[bucket_of(id, n, 0)], b->next_seq++, id, n, line, len);
  }
  if (fj_is(&d, rt, "Medication")) {
    if (!raw_str(&d, 0, "id", &id, &n)) {
      fprintf(errors, "%s:%llu: Medication without id, skipped\n", path, (unsigned long long)no);
      st->bad++;
      return 0;
    }
    st->medications++;
    return spill_put(b, &b->med, -1, id, n, line, len);
  }
  if (!mapped_type(&d, rt)) {
    st->dropped++; /* the mapper would only count it: not worth a patient's memory */
    return 0;
  }
  if (!patient_ref(&d, 0, &id, &n)) {
    st->orphans++; /* not about one patient (Practitioner, Organization...) */
    return 0;
  }
  return spill_put(b, &bk[bucket_of(id, n, 0)], -1, id, n, line, len);
}

static int read_file(bulk *b, spill *bk, const char *path) {
  line_reader lr;
  if (lr_open(&lr, path, BULK_MAX_LINE) != 0) {
    b->st->unreadable = errno == ENOENT || errno == EACCES || errno == EISDIR;
    return FAIL(b, errno, "%s: %s", path, strerror(errno));
  }
  const char *line;
  size_t len;
  bool too_long;
  int rc;
  while ((rc = lr_next(&lr, &line, &len, &too_long)) > 0) {
    if (too_long) {
      fprintf(b->o->errors, "%s:%llu: line longer than %u MiB, skipped\n", path, (unsigned long long)lr.line_no,
              BULK_MAX_LINE >> 20);
      b->st->bad++;
      continue;
    }
    if (len && spill_line(b, bk, path, lr.line_no, line, len) != 0) {
      rc = -2;
      break;
    }
  }
  if (rc == -1) note_error(b, errno, "%s: %s", path, lr_error(&lr)[0] ? lr_error(&lr) : strerror(errno));
  lr_close(&lr);
  return rc < 0 ? -1 : 0;
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

/* The export's file names, sorted; NULL with *nn -1 on failure. */
static char **list_dir(bulk *b, const char *path, int *nn) {
  DIR *dir = opendir(path);
  if (!dir) {
    b->st->unreadable = true;
    note_error(b, errno, "%s: %s", path, strerror(errno));
    return *nn = -1, NULL;
  }
  char **names = NULL;
  int n = 0, cap = 0;
  const struct dirent *e;
  int err = 0;
  for (;;) {
    errno = 0; /* readdir's NULL is the end only when errno stays 0 */
    if (!(e = readdir(dir))) {
      err = errno;
      break;
    }
    if (!ndjson_name(e->d_name)) {
      not_ndjson(b, path, e->d_name);
      continue;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      char **nw = realloc(names, sizeof(char *) * (size_t)cap);
      if (!nw) break;
      names = nw;
    }
    if (!(names[n] = strdup(e->d_name))) break;
    n++;
  }
  bool ok = e == NULL && !err;
  closedir(dir);
  if (!ok) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    if (err) note_error(b, err, "%s: cannot list the export: %s", path, strerror(err));
    else note_error(b, ENOMEM, "%s: out of memory listing the export", path);
    return *nn = -1, NULL;
  }
  if (n) qsort(names, (size_t)n, sizeof *names, name_cmp);
  *nn = n;
  return names;
}

static int read_export(bulk *b, spill *bk, const char *path) {
  struct stat st;
  if (!strcmp(path, "-") || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return read_file(b, bk, path);
  int nn;
  char **names = list_dir(b, path, &nn);
  if (nn < 0) return -1;
  int rc = 0;
  for (int i = 0; i < nn; i++) {
    char full[4096];
    if (rc == 0 && snprintf(full, sizeof full, "%s/%s", path, names[i]) >= (int)sizeof full)
      rc = FAIL(b, ENAMETOOLONG, "%s/%s: name too long", path, names[i]);
    if (rc == 0) rc = read_file(b, bk, full);
    free(names[i]);
  }
  free(names);
  return rc;
}

/* ---- pass two: group a bucket ------------------------------------------- */

static unsigned long hash_of(const char *s, size_t n) {
  unsigned long h = 1469598103934665603ul;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ul;
  return h;
}

static bool rehash(table *t) {
  int cap = t->hcap ? t->hcap * 2 : 256;
  int *h = malloc(sizeof(int) * (size_t)cap);
  if (!h) return false;
  for (int i = 0; i < cap; i++) h[i] = -1;
  for (int i = 0; i < t->np; i++) {
    unsigned long k = hash_of(t->p[i].id, t->p[i].idlen) & (unsigned long)(cap - 1);
    while (h[k] >= 0) k = (k + 1) & (unsigned long)(cap - 1);
    h[k] = i;
  }
  free(t->hash);
  t->hash = h;
  t->hcap = cap;
  return true;
}

/* The entry of id, or NULL when absent (and not add) or out of memory. */
static pat *lookup(table *t, const char *id, size_t n, bool add) {
  if (!add && !t->hcap) return NULL;
  if (add && 2 * (t->np + 1) > t->hcap && !rehash(t)) return NULL;
  unsigned long k = hash_of(id, n) & (unsigned long)(t->hcap - 1);
  while (t->hash[k] >= 0) {
    pat *p = &t->p[t->hash[k]];
    if (p->idlen == n && !memcmp(p->id, id, n)) return p;
    k = (k + 1) & (unsigned long)(t->hcap - 1);
  }
  if (!add) return NULL;
  if (t->np == t->pcap) {
    int cap = t->pcap ? t->pcap * 2 : 64;
    pat *np = realloc(t->p, sizeof(pat) * (size_t)cap);
    if (!np) return NULL;
    t->p = np;
    t->pcap = cap;
  }
  pat *p = &t->p[t->np];
  *p = (pat){id, n, -1, NULL, 0, 0, false, 0};
  t->hash[k] = t->np++;
  return p;
}

static void table_free(table *t) {
  for (int i = 0; i < t->np; i++) free(t->p[i].res);
  free(t->p);
  free(t->hash);
  *t = (table){0};
}

/* Appends r, or puts it first (a Patient resource). */
static bool add(pat *p, fhir_res r, bool first) {
  if (p->n == p->cap) {
    int cap = p->cap ? p->cap * 2 : 16;
    fhir_res *nr = realloc(p->res, sizeof(fhir_res) * (size_t)cap);
    if (!nr) return false;
    p->res = nr;
    p->cap = cap;
  }
  if (first) {
    memmove(p->res + 1, p->res, sizeof(fhir_res) * (size_t)p->n);
    p->res[0] = r;
  } else {
    p->res[p->n] = r;
  }
  p->n++;
  return true;
}

/* The id of a medicationReference "Medication/ID", if the resource has one. */
static bool med_ref(const json_doc *d, int r, const char **id, size_t *n) {
  int ref = fj_get(d, fhir_med_reference(d, r), "reference");
  if (ref < 0 || d->tok[ref].type != JT_STRING) return false;
  const char *s = d->text + d->tok[ref].start;
  size_t len = (size_t)(d->tok[ref].end - d->tok[ref].start);
  if (len <= 11 || memcmp(s, "Medication/", 11)) return false;
  *id = s + 11;
  *n = len - 11;
  return true;
}

static int parse_kept(bulk *b, const char *line, size_t len, fhir_res *r) {
  json_doc *d = arena_alloc(b->a, sizeof *d);
  char msg[256];
  if (!d) return FAIL(b, ENOMEM, "out of memory");
  if (json_parse(b->a, line, len, d, msg, sizeof msg) < 0) /* it parsed in pass one */
    return FAIL(b, ENOMEM, "a resource read back from a temporary file does not parse: %s", msg);
  *r = (fhir_res){d, 0};
  return 0;
}

/* Reads the Medication resources that the bucket references (meds holds
** their ids) from the Medication spill. */
static int load_meds(bulk *b, table *meds) {
  if (!meds->np || !b->med.f) return 0;
  if (temp_rewind(b, &b->med) != 0) return -1;
  rec_hdr h;
  int rc;
  while ((rc = spill_get(b, &b->med, &h)) > 0) {
    pat *m = lookup(meds, b->rbuf, h.keylen, false);
    if (!m || m->n) continue; /* not referenced here, or an earlier one with that id */
    char *line = arena_strndup(b->a, b->rbuf + h.keylen, h.len - 1);
    fhir_res r = {0};
    if (!line) return FAIL(b, ENOMEM, "out of memory");
    if (parse_kept(b, line, h.len - 1, &r) != 0 || !add(m, r, false)) return FAIL(b, ENOMEM, "out of memory");
  }
  return rc;
}

/* Keeps fn's line for the patient at seq. */
static int keep(bulk *b, int64_t seq, const char *line, size_t len) {
  if (b->nout == b->cout) {
    size_t cap = b->cout ? b->cout * 2 : 1024;
    out_ent *no = realloc(b->out, sizeof(out_ent) * cap);
    if (!no) return FAIL(b, ENOMEM, "out of memory");
    b->out = no;
    b->cout = cap;
  }
  if (!b->mapped.f && temp_open(b, &b->mapped) != 0) return -1;
  b->out[b->nout++] = (out_ent){seq, b->mapped.bytes, len};
  return temp_write(b, &b->mapped, line, len);
}

/* Hands one patient over: its resources, then the Medications they reference. */
static int hand_over(bulk *b, const pat *p, table *meds) {
  fhir_res *list = arena_array(b->a, (size_t)p->n * 2, sizeof *list);
  if (!list) return FAIL(b, ENOMEM, "out of memory");
  memcpy(list, p->res, sizeof *list * (size_t)p->n);
  int n = p->n;
  for (int i = 0; i < p->n; i++) {
    const char *id;
    size_t idn;
    if (!med_ref(p->res[i].doc, p->res[i].tok, &id, &idn)) continue;
    const pat *m = lookup(meds, id, idn, false);
    if (!m || !m->n) continue; /* not in the export: the mapper says so */
    bool dup = false;
    for (int j = p->n; j < n && !dup; j++) dup = list[j].doc == m->res[0].doc;
    if (!dup) list[n++] = m->res[0];
  }
  const char *out = NULL;
  size_t len = 0;
  b->st->patients++;
  if (b->fn(b->ctx, list, n, &out, &len) != 0) return FAIL(b, errno, "%s", strerror(errno));
  return out ? keep(b, p->seq, out, len) : 0;
}

/* Files the resource at line under its patient, and notes its Medication. */
static int file_resource(bulk *b, table *t, table *meds, const rec_hdr *h, const char *key, const char *line) {
  fhir_res r = {0};
  if (parse_kept(b, line, h->len - 1, &r) != 0) return -1;
  pat *p = lookup(t, key, h->keylen, true);
  if (!p || !add(p, r, h->seq >= 0)) return FAIL(b, ENOMEM, "out of memory");
  if (h->seq >= 0 && (!p->has_patient || h->seq < p->seq)) p->seq = h->seq;
  if (h->seq >= 0) p->has_patient = true;
  const char *id;
  size_t n;
  if (h->seq < 0 && med_ref(r.doc, 0, &id, &n) && !lookup(meds, id, n, true))
    return FAIL(b, ENOMEM, "out of memory");
  return 0;
}

/* Groups one bucket in memory and hands its patients over. */
static int group(bulk *b, spill *s) {
  if (temp_rewind(b, s) != 0) return -1;
  size_t size = (size_t)s->bytes;
  char *buf = malloc(size ? size : 1);
  if (!buf) return FAIL(b, ENOMEM, "out of memory for a bucket of %zu bytes", size);
  if (fread(buf, 1, size, s->f) != size) {
    free(buf);
    return FAIL(b, EIO, "cannot read a temporary file back");
  }
  temp_close(b, s); /* its disk space is free again */
  b->st->buckets++;
  arena_reset(b->a);
  table t = {0}, meds = {0};
  int rc = 0;
  for (size_t off = 0; rc == 0 && off + sizeof(rec_hdr) <= size;) {
    rec_hdr h;
    memcpy(&h, buf + off, sizeof h);
    const char *key = buf + off + sizeof h;
    rc = file_resource(b, &t, &meds, &h, key, key + h.keylen);
    off += sizeof h + h.keylen + h.len;
  }
  if (rc == 0) rc = load_meds(b, &meds);
  for (int i = 0; rc == 0 && i < t.np; i++) {
    if (t.p[i].has_patient) rc = hand_over(b, &t.p[i], &meds);
    else b->st->orphans += t.p[i].n;
  }
  table_free(&t);
  table_free(&meds);
  free(buf);
  arena_reset(b->a);
  return rc;
}

static int process(bulk *b, spill *s, int depth);

/* Each patient's record bytes in s, into t (keys copied to the arena). */
static int tally_keys(bulk *b, spill *s, table *t) {
  rec_hdr h;
  int rc = temp_rewind(b, s);
  while (rc == 0 && (rc = spill_get(b, s, &h)) > 0) {
    pat *p = lookup(t, b->rbuf, h.keylen, false);
    if (!p) {
      const char *id = arena_strndup(b->a, b->rbuf, h.keylen);
      if (!id || !(p = lookup(t, id, h.keylen, true))) return FAIL(b, ENOMEM, "out of memory");
    }
    p->bytes += (long long)(sizeof h + h.keylen + h.len);
    p->n++;
    p->has_patient |= h.seq >= 0;
    rc = 0;
  }
  return rc;
}

/* Reports the patients of t over the limit, as not screened. */
static void report_too_big(bulk *b, const table *t) {
  for (int i = 0; i < t->np; i++) {
    const pat *p = &t->p[i];
    if ((size_t)p->bytes <= b->patient_max) continue;
    if (!p->has_patient) {
      b->st->orphans += p->n;
      continue;
    }
    char shown[6 * 256 + 1];
    ctl_escape(shown, sizeof shown, p->id); /* the export's bytes: no control character reaches a terminal */
    fprintf(b->o->errors, "Patient/%s: %lld bytes of resources, over the limit of %zu for one patient: not screened "
            "(too much data)\n", shown, p->bytes, b->patient_max);
    b->st->too_big++;
  }
}

/* A bucket over the per-patient limit that no hash splits further: the
** patients over the limit are reported and left out whole (never a plan
** from part of their data); the others are copied out and grouped. */
static int sift(bulk *b, spill *s) {
  arena_reset(b->a);
  table t = {0};
  spill rest = {0};
  rec_hdr h;
  int rc = tally_keys(b, s, &t);
  if (rc == 0) {
    report_too_big(b, &t);
    rc = temp_rewind(b, s);
  }
  while (rc == 0 && (rc = spill_get(b, s, &h)) > 0) {
    const pat *p = lookup(&t, b->rbuf, h.keylen, false);
    rc = p && (size_t)p->bytes <= b->patient_max
             ? spill_put(b, &rest, h.seq, b->rbuf, h.keylen, b->rbuf + h.keylen, h.len - 1)
             : 0;
  }
  table_free(&t);
  temp_close(b, s);
  if (rc == 0 && rest.f) rc = group(b, &rest);
  temp_close(b, &rest);
  return rc;
}

/* Splits a bucket too large for memory by the next level's hash. */
static int split(bulk *b, spill *s, int depth) {
  spill sub[FHIR_BULK_FANOUT] = {0};
  long total = s->recs;
  int rc = temp_rewind(b, s);
  rec_hdr h;
  while (rc == 0 && (rc = spill_get(b, s, &h)) > 0)
    rc = spill_put(b, &sub[bucket_of(b->rbuf, h.keylen, depth)], h.seq, b->rbuf, h.keylen, b->rbuf + h.keylen,
                   h.len - 1) == 0 ? 0 : -1;
  temp_close(b, s);
  for (int i = 0; i < FHIR_BULK_FANOUT; i++) {
    /* all in one: one patient alone is larger than the target, and no
    ** hash can split it; it is grouped as it is */
    if (rc == 0 && sub[i].f) rc = process(b, &sub[i], sub[i].recs == total ? MAX_DEPTH : depth + 1);
    temp_close(b, &sub[i]);
  }
  return rc;
}

static int process(bulk *b, spill *s, int depth) {
  if ((size_t)s->bytes > b->target && depth < MAX_DEPTH) return split(b, s, depth);
  if ((size_t)s->bytes > b->patient_max) return sift(b, s);
  return group(b, s);
}

/* ---- the output, in the export's order ---------------------------------- */

static int by_seq(const void *x, const void *y) {
  int64_t a = ((const out_ent *)x)->seq, c = ((const out_ent *)y)->seq;
  return (a > c) - (a < c);
}

static bool pread_all(int fd, char *p, size_t n, long long off) {
  while (n) {
    ssize_t r = pread(fd, p, n, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r, n -= (size_t)r, off += r;
  }
  return true;
}

static int write_ordered(bulk *b) {
  spill fin = {0};
  if (b->nout) qsort(b->out, b->nout, sizeof *b->out, by_seq);
  if (b->mapped.f && temp_rewind(b, &b->mapped) != 0) return -1;
  if (temp_open(b, &fin) != 0) return -1;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < b->nout; i++) {
    const out_ent *e = &b->out[i];
    if (e->len + 1 > b->rcap) {
      char *nb = realloc(b->rbuf, e->len + 1);
      if (!nb) {
        rc = FAIL(b, ENOMEM, "out of memory");
        break;
      }
      b->rbuf = nb;
      b->rcap = e->len + 1;
    }
    if (!pread_all(fileno(b->mapped.f), b->rbuf, e->len, e->off))
      rc = FAIL(b, errno ? errno : EIO, "cannot read a temporary file back");
    b->rbuf[e->len] = '\n';
    if (rc == 0) rc = temp_write(b, &fin, b->rbuf, e->len + 1);
  }
  if (rc == 0) rc = temp_rewind(b, &fin);
  int fd = rc == 0 ? dup(fileno(fin.f)) : -1;
  if (rc == 0 && fd < 0) note_error(b, errno, "cannot keep a temporary file: %s", strerror(errno));
  temp_close(b, &fin);
  if (fd >= 0) lseek(fd, 0, SEEK_SET);
  return fd;
}

int fhir_bulk_run(const char *path, const fhir_bulk_options *o, fhir_bulk_fn fn, void *ctx, fhir_bulk_stats *st) {
  memset(st, 0, sizeof *st);
  bulk b = {.o = o, .st = st, .fn = fn, .ctx = ctx};
  b.target = o->bucket_bytes ? o->bucket_bytes : FHIR_BULK_BUCKET_BYTES;
  b.patient_max = o->patient_bytes                              ? o->patient_bytes
                  : b.target > FHIR_BULK_PATIENT_BYTES / 2 ? 2 * b.target
                                                           : FHIR_BULK_PATIENT_BYTES;
  spill bk[FHIR_BULK_FANOUT] = {0};
  int rc = (b.a = arena_create(64 * 1024)) ? read_export(&b, bk, path) : FAIL(&b, ENOMEM, "out of memory");
  for (int i = 0; i < FHIR_BULK_FANOUT; i++) {
    if (rc == 0 && bk[i].f) rc = process(&b, &bk[i], 1);
    temp_close(&b, &bk[i]);
  }
  int fd = rc == 0 ? write_ordered(&b) : -1;
  temp_close(&b, &b.med);
  temp_close(&b, &b.mapped);
  arena_destroy(b.a);
  free(b.rbuf);
  free(b.out);
  if (fd < 0) errno = b.err ? b.err : EIO;
  return fd;
}
