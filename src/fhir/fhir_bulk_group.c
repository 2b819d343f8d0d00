/*
** fhir_bulk_group.c: pass two of fhir_bulk (fhir_bulk_int.h): each worker
** takes a bucket (every worker's part of it), groups its resources by
** patient in the export's order, and hands the patients over one by one; a
** bucket over the memory target is split again first.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir_bulk_int.h"
#include "fhir/fhir_refs.h"
#include "util/ctlchar.h"

/* Hash levels at most: FHIR_BULK_FANOUT^6 buckets is never needed. */
#define MAX_DEPTH 6

typedef struct {
  const char *id;
  size_t idlen;
  int64_t seq; /* of its first Patient resource; a Medication: its place */
  int64_t first; /* the place of its first resource (the order of its reports) */
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

/* A record of a bucket read whole: its place in the export, its offset. */
typedef struct {
  int64_t pos;
  size_t off;
} ord;

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
  *p = (pat){id, n, -1, INT64_MAX, NULL, 0, 0, false, 0};
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

static int parse_kept(bulk_worker *w, const char *line, size_t len, fhir_res *r) {
  json_doc *d = arena_alloc(w->a, sizeof *d);
  char msg[256];
  if (!d) return FAIL(w->b, ENOMEM, "out of memory");
  if (json_parse(w->a, line, len, d, msg, sizeof msg) < 0) /* it parsed in pass one */
    return FAIL(w->b, ENOMEM, "a resource read back from a temporary file does not parse: %s", msg);
  *r = (fhir_res){d, 0};
  return 0;
}

/* One Medication spill (written by any worker: read by offset): those the
** bucket references (meds holds their ids), the first in the export of each. */
static int load_med_spill(bulk_worker *w, const spill *s, table *meds) {
  int fd = s->fd;
  for (long long off = 0; off < s->bytes;) {
    rec_hdr h;
    if (!pread_all(fd, (char *)&h, sizeof h, off)) return FAIL(w->b, EIO, "cannot read a temporary file back");
    size_t need = (size_t)h.keylen + h.len;
    if (!grow_buf(&w->rbuf, &w->rcap, need)) return FAIL(w->b, ENOMEM, "out of memory");
    if (!pread_all(fd, w->rbuf, need, off + (long long)sizeof h))
      return FAIL(w->b, EIO, "cannot read a temporary file back");
    off += (long long)(sizeof h + need);
    pat *m = lookup(meds, w->rbuf, h.keylen, false);
    if (!m || (m->n && m->seq < h.pos)) continue; /* not referenced here, or an earlier one with that id */
    char *line = arena_strndup(w->a, w->rbuf + h.keylen, h.len - 1);
    fhir_res r = {0};
    if (!line) return FAIL(w->b, ENOMEM, "out of memory");
    if (parse_kept(w, line, h.len - 1, &r) != 0) return -1;
    if (m->n) m->res[0] = r;
    else if (!add(m, r, false)) return FAIL(w->b, ENOMEM, "out of memory");
    m->seq = h.pos;
  }
  return 0;
}

static int load_meds(bulk_worker *w, table *meds) {
  for (int i = 0; meds->np && i < w->b->nw; i++)
    if (w->b->w[i].med.open && load_med_spill(w, &w->b->w[i].med, meds) != 0) return -1;
  return 0;
}

/* Keeps fn's line for the patient at seq. */
static int keep(bulk_worker *w, int64_t seq, const char *line, size_t len) {
  if (len > UINT32_MAX) return FAIL(w->b, EFBIG, "a patient's record is too long");
  if (w->nout == w->cout) {
    size_t cap = w->cout ? w->cout * 2 : 1024;
    out_ent *no = realloc(w->out, sizeof(out_ent) * cap);
    if (!no) return FAIL(w->b, ENOMEM, "out of memory");
    w->out = no;
    w->cout = cap;
  }
  if (!w->mapped.open && temp_open(w->b, &w->mapped) != 0) return -1;
  w->out[w->nout++] = (out_ent){seq, w->mapped.bytes, (uint32_t)len, w->id};
  return temp_write(w->b, &w->mapped, line, len);
}

/* Hands one patient over: its resources, then the Medications they reference. */
static int hand_over(bulk_worker *w, const pat *p, table *meds) {
  fhir_res *list = arena_array(w->a, (size_t)p->n * 2, sizeof *list);
  if (!list) return FAIL(w->b, ENOMEM, "out of memory");
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
  w->st.patients++;
  long long start = ftell(w->errs);
  if (w->b->fn(w->b->ctx, w->id, w->errs, list, n, &out, &len) != 0) return FAIL(w->b, errno, "%s", strerror(errno));
  if (add_chunk(w->b, w->bucket, SUB_OTHER | p->first, w, start) != 0) return -1;
  return out ? keep(w, POS_ORDER(p->seq), out, len) : 0;
}

/* Files the resource at line under its patient, and notes its Medication. */
static int file_resource(bulk_worker *w, table *t, table *meds, const rec_hdr *h, const char *key, const char *line) {
  fhir_res r = {0};
  if (parse_kept(w, line, h->len - 1, &r) != 0) return -1;
  bool patient = (h->pos & POS_PATIENT) != 0;
  pat *p = lookup(t, key, h->keylen, true);
  if (!p || !add(p, r, patient)) return FAIL(w->b, ENOMEM, "out of memory");
  if (p->first == INT64_MAX) p->first = POS_ORDER(h->pos); /* records come in the export's order */
  if (patient && !p->has_patient) p->seq = h->pos; /* the first: records come in the export's order */
  if (patient) p->has_patient = true;
  const char *id;
  size_t n;
  if (!patient && med_ref(r.doc, 0, &id, &n) && !lookup(meds, id, n, true)) return FAIL(w->b, ENOMEM, "out of memory");
  return 0;
}

static long long parts_bytes(const spill *parts, int np) {
  long long n = 0;
  for (int i = 0; i < np; i++) n += parts[i].bytes;
  return n;
}

static int by_pos(const void *x, const void *y) {
  int64_t a = POS_ORDER(((const ord *)x)->pos), c = POS_ORDER(((const ord *)y)->pos);
  return (a > c) - (a < c);
}

/* A bucket's parts read whole into w->buf (kept for the next bucket: no
** fresh pages each time), closed, and its records listed in the export's
** order into w->order; the number of records, or -1. */
static long read_bucket(bulk_worker *w, spill *parts, int np, size_t *size) {
  bulk *b = w->b;
  *size = (size_t)parts_bytes(parts, np);
  long recs = 0;
  if (!grow_buf(&w->buf, &w->bcap, *size ? *size : 1))
    return FAIL(b, ENOMEM, "out of memory for a bucket of %zu bytes", *size);
  size_t at = 0;
  for (int i = 0; i < np; i++) {
    if (temp_rewind(b, &parts[i]) != 0) return -1;
    size_t n = (size_t)parts[i].bytes;
    if (!pread_all(parts[i].fd, w->buf + at, n, 0)) return FAIL(b, EIO, "cannot read a temporary file back");
    at += n;
    recs += parts[i].recs;
    temp_close(b, &parts[i]); /* its disk space is free again */
  }
  if ((size_t)recs > w->ocap) {
    ord *no = realloc(w->order, sizeof *no * (size_t)recs);
    if (!no) return FAIL(b, ENOMEM, "out of memory");
    w->order = no;
    w->ocap = (size_t)recs;
  }
  ord *o = (ord *)w->order;
  long k = 0;
  for (size_t off = 0; k < recs && off + sizeof(rec_hdr) <= *size; k++) {
    rec_hdr h;
    memcpy(&h, w->buf + off, sizeof h);
    o[k] = (ord){h.pos, off};
    off += sizeof h + h.keylen + h.len;
  }
  qsort(o, (size_t)k, sizeof *o, by_pos); /* parts of several workers, split buckets: the export's order again */
  return k;
}

/* Groups one bucket in memory and hands its patients over. */
static int group(bulk_worker *w, spill *parts, int np) {
  bulk *b = w->b;
  size_t size;
  long recs = read_bucket(w, parts, np, &size);
  if (recs < 0) return -1;
  w->st.buckets++;
  arena_reset(w->a);
  table t = {0}, meds = {0};
  int rc = 0;
  const ord *o = (const ord *)w->order;
  for (long i = 0; rc == 0 && i < recs; i++) {
    rec_hdr h;
    memcpy(&h, w->buf + o[i].off, sizeof h);
    const char *key = w->buf + o[i].off + sizeof h;
    rc = file_resource(w, &t, &meds, &h, key, key + h.keylen);
  }
  if (rc == 0) rc = load_meds(w, &meds);
  for (int i = 0; rc == 0 && i < t.np; i++) {
    if (atomic_load(&b->failed)) rc = -1;
    else if (t.p[i].has_patient) rc = hand_over(w, &t.p[i], &meds);
    else w->st.orphans += t.p[i].n;
  }
  table_free(&t);
  table_free(&meds);
  arena_reset(w->a);
  if (w->bcap > b->target) { /* more than its share, held while the others left room: not kept */
    free(w->buf);
    w->buf = NULL;
    w->bcap = 0;
  }
  return rc;
}

static int process(bulk_worker *w, spill *parts, int np, int depth);

/* The next record of the parts, one after the other, into w->rbuf. */
static int parts_get(bulk_worker *w, spill *parts, int np, int *cur, rec_hdr *h) {
  for (; *cur < np; ++*cur) {
    int r = spill_get(w, &parts[*cur], h);
    if (r != 0) return r;
  }
  return 0;
}

static int parts_rewind(bulk_worker *w, spill *parts, int np, int *cur) {
  *cur = 0;
  for (int i = 0; i < np; i++)
    if (temp_rewind(w->b, &parts[i]) != 0) return -1;
  return 0;
}

/* Each patient's record bytes in the parts, into t (keys copied to the arena). */
static int tally_keys(bulk_worker *w, spill *parts, int np, table *t) {
  rec_hdr h;
  int cur, rc = parts_rewind(w, parts, np, &cur);
  while (rc == 0 && (rc = parts_get(w, parts, np, &cur, &h)) > 0) {
    pat *p = lookup(t, w->rbuf, h.keylen, false);
    if (!p) {
      const char *id = arena_strndup(w->a, w->rbuf, h.keylen);
      if (!id || !(p = lookup(t, id, h.keylen, true))) return FAIL(w->b, ENOMEM, "out of memory");
    }
    p->bytes += (long long)(sizeof h + h.keylen + h.len);
    p->n++;
    if (POS_ORDER(h.pos) < p->first) p->first = POS_ORDER(h.pos); /* parts: not in the export's order */
    p->has_patient |= (h.pos & POS_PATIENT) != 0;
    rc = 0;
  }
  return rc;
}

/* A patient over the limit: where its first resource is, and which. */
typedef struct {
  int64_t first;
  int i;
} big_pat;

static int by_first(const void *x, const void *y) {
  int64_t a = ((const big_pat *)x)->first, c = ((const big_pat *)y)->first;
  return (a > c) - (a < c);
}

/* Reports the patients of t over the limit, as not screened, in the order
** of their first resources (t's is the parts' order). */
static int report_too_big(bulk_worker *w, const table *t) {
  big_pat *big = arena_array(w->a, (size_t)t->np + 1, sizeof(big_pat));
  if (!big) return FAIL(w->b, ENOMEM, "out of memory");
  int n = 0;
  for (int i = 0; i < t->np; i++) {
    const pat *p = &t->p[i];
    if ((size_t)p->bytes <= w->b->patient_max) continue;
    if (p->has_patient) big[n++] = (big_pat){p->first, i};
    else w->st.orphans += p->n;
  }
  qsort(big, (size_t)n, sizeof(big_pat), by_first);
  for (int k = 0; k < n; k++) {
    const pat *p = &t->p[big[k].i];
    char shown[6 * 256 + 1];
    ctl_escape(shown, sizeof shown, p->id); /* the export's bytes: no control character reaches a terminal */
    long long start = ftell(w->errs);
    fprintf(w->errs, "Patient/%s: %lld bytes of resources, over the limit of %zu for one patient: not screened "
            "(too much data)\n", shown, p->bytes, w->b->patient_max);
    w->st.too_big++;
    if (add_chunk(w->b, w->bucket, p->first, w, start) != 0) return -1;
  }
  return 0;
}

/* A bucket over the per-patient limit that no hash splits further: the
** patients over the limit are reported and left out whole (never a plan
** from part of their data); the others are copied out and grouped. */
static int sift(bulk_worker *w, spill *parts, int np) {
  arena_reset(w->a);
  table t = {0};
  spill rest = {0};
  rec_hdr h;
  int cur, rc = tally_keys(w, parts, np, &t);
  if (rc == 0) rc = report_too_big(w, &t);
  if (rc == 0) rc = parts_rewind(w, parts, np, &cur);
  while (rc == 0 && (rc = parts_get(w, parts, np, &cur, &h)) > 0) {
    const pat *p = lookup(&t, w->rbuf, h.keylen, false);
    rc = p && (size_t)p->bytes <= w->b->patient_max
             ? spill_put(w->b, &rest, h.pos, w->rbuf, h.keylen, w->rbuf + h.keylen, h.len - 1)
             : 0;
  }
  table_free(&t);
  for (int i = 0; i < np; i++) temp_close(w->b, &parts[i]);
  if (rc == 0 && rest.open) rc = group(w, &rest, 1);
  temp_close(w->b, &rest);
  return rc;
}

/* Splits a bucket too large for memory by the next level's hash. */
static int split(bulk_worker *w, spill *parts, int np, int depth) {
  spill sub[FHIR_BULK_FANOUT] = {0};
  w->whole = false; /* its reports come group by group: each its own chunk */
  long total = 0;
  for (int i = 0; i < np; i++) total += parts[i].recs;
  rec_hdr h;
  int cur, rc = parts_rewind(w, parts, np, &cur);
  while (rc == 0 && (rc = parts_get(w, parts, np, &cur, &h)) > 0)
    rc = spill_put(w->b, &sub[bucket_of(w->rbuf, h.keylen, depth)], h.pos, w->rbuf, h.keylen, w->rbuf + h.keylen,
                   h.len - 1) == 0 ? 0 : -1;
  for (int i = 0; i < np; i++) temp_close(w->b, &parts[i]);
  for (int i = 0; i < FHIR_BULK_FANOUT; i++) /* written out: no buffer held while grouping */
    if (rc == 0 && sub[i].open) rc = temp_rewind(w->b, &sub[i]);
  for (int i = 0; i < FHIR_BULK_FANOUT; i++) {
    /* all in one: one patient alone is larger than the target, and no
    ** hash can split it; it is grouped as it is */
    if (rc == 0 && sub[i].open) rc = process(w, &sub[i], 1, sub[i].recs == total ? MAX_DEPTH : depth + 1);
    temp_close(w->b, &sub[i]);
  }
  return rc;
}

/* Holds bytes of text for one group when they fit beside what the others
** hold (wait: until they do; the whole target at most, so one patient
** larger than it is grouped alone); what is held, for budget_give, or -1
** with *room the text that would fit now. */
static long long budget_take(bulk *b, long long bytes, bool wait, long long *room) {
  long long n = wait && bytes > b->total ? b->total : bytes;
  pthread_mutex_lock(&b->mm);
  while (wait && b->held + n > b->total) pthread_cond_wait(&b->mc, &b->mm);
  bool fits = b->held + n <= b->total;
  if (fits) b->held += n;
  *room = b->total - b->held;
  pthread_mutex_unlock(&b->mm);
  return fits ? n : -1;
}

static void budget_give(bulk *b, long long n) {
  pthread_mutex_lock(&b->mm);
  b->held -= n;
  pthread_cond_broadcast(&b->mc);
  pthread_mutex_unlock(&b->mm);
}

/* Puts parts aside (taken from the caller) to be grouped when there is room. */
static int defer(bulk_worker *w, spill *parts, int np, int depth) {
  if (w->ndef == w->cdef) {
    size_t cap = w->cdef ? w->cdef * 2 : 8;
    deferred *nd = realloc(w->def, sizeof *nd * cap);
    if (!nd) return FAIL(w->b, ENOMEM, "out of memory");
    w->def = nd;
    w->cdef = cap;
  }
  deferred *d = &w->def[w->ndef++];
  *d = (deferred){.np = np, .depth = depth, .bucket = w->bucket};
  for (int i = 0; i < np; i++) {
    d->parts[i] = parts[i];
    parts[i] = (spill){0};
  }
  return 0;
}

/* Groups the parts when their text fits beside what the other workers
** hold. When not: split again when over the worker's share (as with one
** worker, over the target), or when the parts (about a 64th of them each)
** would fit in the room left; else (another worker holds more than its
** share, or one patient is larger than the room) put aside, to be grouped
** when there is room: while draining, wait for it. */
static int process(bulk_worker *w, spill *parts, int np, int depth) {
  bulk *b = w->b;
  long long bytes = parts_bytes(parts, np), room;
  long long held = budget_take(b, bytes, false, &room);
  if (held < 0 && depth < MAX_DEPTH && ((size_t)bytes > b->target || room >= bytes / 64))
    return split(w, parts, np, depth);
  if (held < 0 && !w->draining) return defer(w, parts, np, depth);
  if (held < 0) held = budget_take(b, bytes, true, &room);
  int rc = (size_t)bytes > b->patient_max ? sift(w, parts, np) : group(w, parts, np);
  budget_give(b, held);
  return rc;
}

/* The parts put aside: those that fit now (drain: all, waiting for room);
** those that do not are put aside again. */
static int run_deferred(bulk_worker *w, bool drain) {
  deferred *list = w->def;
  size_t n = w->ndef;
  int rc = 0;
  w->def = NULL;
  w->ndef = w->cdef = 0;
  w->draining = drain;
  for (size_t k = 0; k < n; k++) {
    w->bucket = list[k].bucket;
    w->whole = false; /* a part of a bucket: its reports one chunk per patient */
    w->last_chunk = -1;
    if (rc == 0 && !atomic_load(&w->b->failed)) rc = process(w, list[k].parts, list[k].np, list[k].depth);
    for (int i = 0; i < list[k].np; i++) temp_close(w->b, &list[k].parts[i]);
  }
  free(list);
  w->draining = false;
  return rc;
}

static long long bucket_bytes(const bulk *b, int i) {
  long long n = 0;
  for (int j = 0; j < b->nw; j++) n += b->w[j].bk[i].bytes;
  return n;
}

/* The next bucket to group: the largest left that fits beside what the
** others hold, else the largest left (split, or put aside); -1 when none.
** Largest first: the last buckets are small, so the workers end together. */
static int next_bucket(bulk *b) {
  pthread_mutex_lock(&b->mm);
  int pick = -1, fit = -1;
  long long most = -1, most_fit = -1;
  for (int i = 0; i < FHIR_BULK_FANOUT; i++) {
    if (b->taken[i]) continue;
    long long n = bucket_bytes(b, i);
    if (n > most) pick = i, most = n;
    if (n > most_fit && b->held + n <= b->total) fit = i, most_fit = n;
  }
  if (fit >= 0) pick = fit;
  if (pick >= 0) b->taken[pick] = true;
  pthread_mutex_unlock(&b->mm);
  return pick;
}

/* A worker of pass two: bucket after bucket, each with every worker's part
** of it; its reports noted per patient, to be written in bucket order. */
void *bulk_pass_two(void *arg) {
  bulk_worker *w = arg;
  bulk *b = w->b;
  int i;
  while (!atomic_load(&b->failed) && run_deferred(w, false) == 0 && (i = next_bucket(b)) >= 0) {
    spill parts[FHIR_BULK_MAX_THREADS];
    int np = 0;
    pthread_mutex_lock(&b->mm); /* next_bucket reads the sizes of the parts */
    for (int j = 0; j < b->nw; j++) {
      if (!b->w[j].bk[i].open) continue;
      parts[np++] = b->w[j].bk[i]; /* this worker's alone now */
      b->w[j].bk[i] = (spill){0};
    }
    pthread_mutex_unlock(&b->mm);
    w->bucket = i;
    w->whole = true;
    w->last_chunk = -1;
    int rc = np ? process(w, parts, np, 1) : 0;
    for (int k = 0; k < np; k++) temp_close(b, &parts[k]);
    if (rc != 0) break;
  }
  if (!atomic_load(&b->failed)) run_deferred(w, true);
  for (size_t k = 0; k < w->ndef; k++) /* after a failure */
    for (int j = 0; j < w->def[k].np; j++) temp_close(b, &w->def[k].parts[j]);
  free(w->def);
  w->def = NULL;
  w->ndef = w->cdef = 0;
  return NULL;
}
