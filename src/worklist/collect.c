/*
** collect.c: the rows of collect.h.
**
** The order of the input does not matter to the worklist (it is sorted at
** the end), so the threads need no pipeline: each takes the next batch of
** lines from the shared reader under a lock, assesses it on its own arena
** and keeps its listed rows and its bad-line reports in its own store. At
** the end the rows are joined and sorted, and the reports written in line
** order.
*/
#include "collect.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../engine/plan.h"
#include "../record/record.h"
#include "../util/arena.h"
#include "../util/ctlchar.h"
#include "../util/lines.h"
#include "../util/numfmt.h"
#include "../util/outbuf.h"
#include "../word/word.h"
#include "wl_mem.h"
#include "wl_write.h"

#define BATCH_LINES 1024
#define BATCH_BYTES (512u * 1024u)
#define WL_MAX_LINE (8u * 1024u * 1024u) /* as screen: a longer line is a bad line */

typedef struct {
  uint64_t line;
  const char *msg;
} wl_bad;

/* A row's place in the order: its keys beside it, so that sorting moves
** and compares 32 bytes, not the row (the keys settle almost every
** comparison: the id's first 16 bytes cover the ids of most systems). */
typedef struct wl_sorted {
  uint64_t key;       /* urgency, then the next due day (sort_key) */
  uint64_t id8, id16; /* the id's bytes 0-7 and 8-15, big-endian (id_keys) */
  const wl_line *l;
} wl_sorted;

/* One thread's: the rows it listed, their text, its bad lines. */
typedef struct {
  arena *keep;
  wl_mem mem;          /* the rows, their ids and CSV lines: never moved once made (wl_mem.h) */
  outbuf line, why;    /* the row's CSV line and its reason while they are made (reused) */
  wl_csv_cache *cells; /* the cells made once (or NULL: each made each time) */
  word_cache *words;   /* the templates taken apart once (or NULL: scanned at each fill) */
  wl_sorted *order;    /* the rows, in the worklist's order once the thread has sorted them */
  size_t n, cap;
  wl_bad *bad;
  size_t n_bad, cap_bad;
  wl_stats st;
  bool oom;
} wl_part;

struct wl_store {
  int n;
  wl_part *parts;
};

typedef struct {
  const wl_options *o;
  pthread_mutex_t m;
  line_reader *lr;
  bool eof;
  int io_error;
} wl_shared;

/* One batch of lines, copied out of the reader. */
typedef struct {
  outbuf text;
  int n;
  size_t off[BATCH_LINES];
  uint32_t len[BATCH_LINES];
  uint64_t line[BATCH_LINES];
  bool too_long[BATCH_LINES];
} wl_batch;

const char *wl_risk_words(const op_kb *kb, int risk) {
  return risk >= 0 && risk < OP_N_risk && kb->risk[risk].clinician ? kb->risk[risk].clinician : "";
}

const char *wl_action_words(const op_kb *kb, int action) {
  return action >= 0 && action < OP_N_action && kb->action[action].clinician ? kb->action[action].clinician : "";
}

const char *wl_agent_words(const op_kb *kb, int agent) {
  return agent >= 0 && agent < kb->n_agents && kb->agent[agent].name ? kb->agent[agent].name : "";
}

const char *wl_sex_words(const op_kb *kb, const char *sex) {
  if (!sex) return "";
  return !strcmp(sex, "female") ? kb->ui[OP_UI_FEMALE].clinician : !strcmp(sex, "male") ? kb->ui[OP_UI_MALE].clinician : "";
}

static bool note_bad(wl_part *p, uint64_t line, const char *msg) {
  p->st.bad++;
  if (p->n_bad == p->cap_bad) {
    size_t cap = p->cap_bad ? 2 * p->cap_bad : 64;
    wl_bad *b = realloc(p->bad, cap * sizeof *b);
    if (!b) return false;
    p->bad = b;
    p->cap_bad = cap;
  }
  const char *m = arena_strdup(p->keep, msg);
  if (!m) return false;
  p->bad[p->n_bad++] = (wl_bad){line, m};
  return true;
}

static const char *keep_str(wl_part *p, const char *s) {
  if (!s) return NULL;
  const char *k = arena_strdup(p->keep, s);
  if (!k) p->oom = true;
  return k;
}

/* The row made in the part's chunks: a wl_line (lean) or a wl_item, then
** (lean) a copy of its id, then its CSV text (csv_line: the one in
** p->line, cut as pc says). NULL when out of memory. */
static const wl_line *store_row(wl_part *p, const worklist_row *r, uint64_t line, bool lean, bool csv_line,
                                const wl_csv_pieces *pc) {
  size_t head = lean ? sizeof(wl_line) : sizeof(wl_item);
  size_t id_len = lean && r->patient_id ? strlen(r->patient_id) + 1 : 0, len = csv_line ? p->line.len : 0;
  char *mem = wl_mem_alloc(&p->mem, head + id_len + len);
  if (!mem) return NULL;
  wl_line *l = (wl_line *)mem; /* a wl_item starts with its wl_line */
  char *text = mem + head;
  *l = (wl_line){r->patient_id, line, {0}};
  if (!lean) ((wl_item *)mem)->row = *r;
  if (id_len) l->id = memcpy(text, r->patient_id, id_len);
  if (csv_line) {
    l->csv = *pc;
    l->csv.text = len ? memcpy(text + id_len, p->line.p, len) : text + id_len;
  }
  return l;
}

/* The rates' counts, over the patients in scope. */
static void count_rates(wl_stats *st, const op_plan *pl, bool listed) {
  bool treated = pl->status == OP_ST_ON_TREATMENT, recent = false;
  for (int i = 0; i < pl->n_criteria; i++)
    if (pl->criteria[i].code == OP_CR_RECENT_FRACTURE) recent = true;
  if (recent) {
    st->rate_den[WL_RATE_FRACTURE_TREATED]++;
    st->rate_num[WL_RATE_FRACTURE_TREATED] += treated;
  }
  if (pl->risk == OP_RISK_VERY_HIGH || pl->risk == OP_RISK_HIGH) {
    st->rate_den[WL_RATE_HIGH_RISK_TREATED]++;
    st->rate_num[WL_RATE_HIGH_RISK_TREATED] += treated;
  }
  st->rate_den[WL_RATE_IN_SCOPE_LISTED]++;
  st->rate_num[WL_RATE_IN_SCOPE_LISTED] += listed;
}

/* urgency and due day in one number that orders as they do (urgency is
** a small rank, the day a date's number or INT_MAX; both >= 0 here, a day
** before 1970 moved up by 2^31 so the unsigned order is the signed one) */
static uint64_t sort_key(int urgency, int due) {
  return (uint64_t)(uint32_t)urgency << 32 | (uint32_t)((int64_t)due + INT32_MAX + 1);
}

/* Up to 8 bytes of the id as a big-endian number: it orders as strcmp
** orders them (a shorter id is padded with 0, as its NUL sorts); *whole:
** all 8 were there (the next 8 can be read). */
static uint64_t id_prefix(const char *id, bool *whole) {
  uint64_t k = 0;
  int i = 0;
  for (; i < 8 && id[i]; i++) k = k << 8 | (unsigned char)id[i];
  *whole = i == 8;
  return i ? k << (8 * (8 - i)) : 0; /* a shift by 64 would be undefined */
}

/* The sort's id keys: bytes 0-7 and 8-15. No id sorts last, so it gets the
** largest keys; an id whose 16 bytes are all 0xFF ties with it and the full
** comparison (cmp_full) settles the two. */
static void id_keys(const char *id, wl_sorted *e) {
  e->id8 = e->id16 = UINT64_MAX;
  if (!id) return;
  bool whole;
  e->id8 = id_prefix(id, &whole);
  e->id16 = whole ? id_prefix(id + 8, &whole) : 0;
}

/* The listed patient's row, its text copied into the part's store (only its
** CSV line and id when o->csv_only). */
static bool add_row(wl_part *p, const wl_options *o, const op_record *rec, const op_plan *pl, uint64_t line,
                    bool csv_line) {
  const op_kb *kb = o->kb;
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 1024;
    wl_sorted *e = realloc(p->order, cap * sizeof *e);
    if (!e) return false;
    p->order = e;
    p->cap = cap;
  }
  bool lean = csv_line && o->csv_only;
  worklist_row r = {0};
  r.patient_id = lean ? rec->id : keep_str(p, rec->id); /* lean: copied beside the line (store_row) */
  r.name = lean ? rec->name : keep_str(p, rec->name); /* never logged: only the outputs and the history hold them */
  r.mrn = lean ? rec->mrn : keep_str(p, rec->mrn);
  r.age = rec->age >= 0 ? rec->age : -1;
  r.sex = rec->sex == OP_SEX_FEMALE ? "female" : rec->sex == OP_SEX_MALE ? "male" : NULL;
  r.risk = pl->risk;
  r.action = pl->action;
  r.first_agent = pl->n_phases && pl->phases[0].n ? pl->phases[0].agents[0] : -1;
  r.gaps = pl->gaps;
  r.urgency = OP_MAX_GAPS;
  for (unsigned long gs = pl->gaps; gs; gs &= gs - 1) { /* each gap's bit: a row has one or two */
    int g = __builtin_ctzl(gs);
    if (g < kb->n_gaps && kb->gap_urgency[g] < r.urgency) r.urgency = kb->gap_urgency[g];
  }
  bool has_due = false;
  op_date due = 0;
  for (int i = 0; i < pl->n_monitor; i++)
    if (!has_due || pl->monitor[i].due < due) due = pl->monitor[i].due, has_due = true;
  if (has_due) date_format(due, r.next_due);
  /* this one line only, streamed: no wording for the rest of the plan */
  p->why.len = 0;
  (void)word_say_to(&p->why, kb, p->words, pl->rationale_say); /* no words: the reason is empty */
  ob_put(&p->why, "", 1);
  if (p->why.oom) return false;
  r.reason = lean ? p->why.p : keep_str(p, p->why.p);
  if (p->oom) return false;
  wl_csv_pieces pc = {0};
  if (csv_line) {
    p->line.len = 0;
    wl_csv_row_pieces(&p->line, kb, p->cells, &r, &pc);
    if (p->line.oom || p->line.len > UINT32_MAX) return false;
  }
  if (lean) r.name = r.mrn = r.reason = NULL; /* they were the record's: gone with its arena */
  const wl_line *l = store_row(p, &r, line, lean, csv_line, &pc);
  if (!l) return false;
  wl_sorted *e = &p->order[p->n++];
  e->key = sort_key(r.urgency, has_due ? (int)due : INT_MAX);
  e->l = l;
  id_keys(l->id, e);
  p->st.by_risk[r.risk]++;
  p->st.by_action[r.action]++;
  for (unsigned long gs = r.gaps; gs; gs &= gs - 1)
    if (__builtin_ctzl(gs) < kb->n_gaps) p->st.by_gap[__builtin_ctzl(gs)]++;
  p->st.listed++;
  return true;
}

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
  return true;
}

/* One record: assessed, counted, listed when it needs something. */
static void one_record(wl_part *p, const wl_options *o, arena *a, const char *text, size_t n, uint64_t line) {
  p->st.lines++;
  if (blank(text, n)) {
    p->st.blank++;
    return;
  }
  arena_reset(a);
  op_record rec;
  op_error err;
  op_status s = record_read(a, o->kb, text, n, o->as_of, o->today, &rec, &err);
  /* not zeroed: the engine zeroes what it reads (plan_clear), not the
  ** plan's list room, most of its 4.7 KB (as op_assess_codes) */
  op_plan *pl = s == OP_OK ? arena_alloc_raw(a, sizeof *pl) : NULL;
  if (s == OP_ERR_INPUT) {
    if (!note_bad(p, line, err.message)) p->oom = true;
    return;
  }
  if (!pl || !engine_assess(a, o->kb, &rec, pl)) {
    p->st.failed++;
    if (!note_bad(p, line, "internal error: out of memory")) p->oom = true;
    return;
  }
  p->st.records++;
  bool listed = pl->action != OP_ACT_OUT_OF_SCOPE && pl->gaps;
  if (pl->action != OP_ACT_OUT_OF_SCOPE) count_rates(&p->st, pl, listed);
  if (!listed) {
    p->st.not_listed++;
    return;
  }
  if (!add_row(p, o, &rec, pl, line, o->csv_lines)) {
    p->oom = true;
    p->st.failed++;
  }
}

/* The next batch from the shared reader: 1, or 0 at the end of the input;
** without wait, -1 (b left empty) when another thread is reading. */
static int next_batch(wl_shared *sh, wl_batch *b, bool wait) {
  b->n = 0;
  b->text.len = 0;
  if (!wait) {
    if (pthread_mutex_trylock(&sh->m) != 0) return -1;
  } else {
    pthread_mutex_lock(&sh->m);
  }
  while (!sh->eof && b->n < BATCH_LINES && b->text.len < BATCH_BYTES) {
    const char *line;
    size_t len;
    bool too_long;
    int r = lr_next(sh->lr, &line, &len, &too_long);
    if (r <= 0) {
      if (r < 0) sh->io_error = errno ? errno : EIO;
      sh->eof = true;
      break;
    }
    int k = b->n++;
    b->off[k] = b->text.len;
    b->len[k] = too_long ? 0 : (uint32_t)len;
    b->line[k] = sh->lr->line_no;
    b->too_long[k] = too_long;
    if (!too_long) {
      ob_put(&b->text, line, len);
      if (!ob_commit(&b->text, b->off[k])) {
        b->too_long[k] = true; /* reported below as not read */
        b->len[k] = UINT32_MAX;
      }
    }
  }
  pthread_mutex_unlock(&sh->m);
  return b->n > 0;
}

/* One batch's records, assessed and listed. */
static void run_batch(wl_part *p, const wl_options *o, arena *a, const wl_batch *b) {
  for (int i = 0; i < b->n && !p->oom; i++) {
    if (b->too_long[i]) {
      p->st.lines++;
      bool lost = b->len[i] == UINT32_MAX;
      if (lost) p->st.failed++;
      char msg[96] = "internal error: out of memory reading the line";
      if (!lost) snprintf(msg, sizeof msg, "invalid record: longer than %u bytes", WL_MAX_LINE);
      if (!note_bad(p, b->line[i], msg)) p->oom = true;
      continue;
    }
    one_record(p, o, a, b->text.p ? b->text.p + b->off[i] : "", b->len[i], b->line[i]);
  }
}

typedef struct {
  wl_shared *sh;
  wl_part *part;
} wl_thread;

/* The worklist's order: the most urgent gap, the next date due (none
** last), the patient id (none last), the input line. The keys first; the
** rows themselves only when the keys tie. */
static int cmp_full(const wl_line *a, const wl_line *b) {
  const char *ia = a->id, *ib = b->id;
  if (!ia != !ib) return ia ? -1 : 1;
  int c;
  if (ia && (c = strcmp(ia, ib))) return c;
  return a->line < b->line ? -1 : a->line > b->line;
}

static inline int cmp_sorted(const wl_sorted *a, const wl_sorted *b) {
  if (a->key != b->key) return a->key < b->key ? -1 : 1; /* urgency, then due */
  if (a->id8 != b->id8) return a->id8 < b->id8 ? -1 : 1;
  if (a->id16 != b->id16) return a->id16 < b->id16 ? -1 : 1;
  return cmp_full(a->l, b->l);
}

/* Merge sort with the comparison inlined (qsort's call per comparison was
** a third of the sort); tmp holds n / 2 + 1 entries. */
static void sort_rows(wl_sorted *v, size_t n, wl_sorted *tmp) {
  if (n <= 16) { /* insertion sort */
    for (size_t i = 1; i < n; i++) {
      wl_sorted x = v[i];
      size_t j = i;
      for (; j && cmp_sorted(&x, &v[j - 1]) < 0; j--) v[j] = v[j - 1];
      v[j] = x;
    }
    return;
  }
  size_t h = n / 2;
  sort_rows(v, h, tmp);
  sort_rows(v + h, n - h, tmp);
  if (cmp_sorted(&v[h - 1], &v[h]) <= 0) return; /* already in order */
  memcpy(tmp, v, h * sizeof *v);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) v[k++] = cmp_sorted(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];
  while (i < h) v[k++] = tmp[i++]; /* what is left of the right half is in place */
}

static void *worker(void *arg) {
  wl_thread *t = arg;
  wl_part *p = t->part;
  const wl_options *o = t->sh->o;
  arena *a = arena_create(64 * 1024);
  wl_batch *b = calloc(1, sizeof *b), *ahead = calloc(1, sizeof *ahead);
  if (o->csv_lines) p->cells = wl_csv_cache_new(o->kb); /* NULL: slower, not wrong */
  p->words = word_cache_new();                            /* likewise */
  if (!a || !b || !ahead || !p->keep) {
    p->oom = true;
  } else {
    /* A batch read ahead when the reader is free (trylock), so that a thread
    ** rarely waits, asleep, while the other holds the reader: the threads
    ** read under the lock, and with one batch each they slept 600 times a
    ** run (0.15 core-seconds idle at 1M). */
    int got = next_batch(t->sh, b, true);
    while (!p->oom && got > 0) {
      if (!ahead->n) (void)next_batch(t->sh, ahead, false);
      run_batch(p, o, a, b);
      got = ahead->n ? 1 : next_batch(t->sh, ahead, true);
      wl_batch *done = b;
      b = ahead;
      ahead = done;
      ahead->n = 0;
    }
  }
  /* each thread sorts its own rows; the caller merges the sorted runs */
  wl_sorted *tmp = !p->oom && p->n > 16 ? malloc((p->n / 2 + 1) * sizeof *tmp) : NULL;
  if (!p->oom && p->n > 16 && !tmp) p->oom = true;
  if (!p->oom) sort_rows(p->order, p->n, tmp);
  free(tmp);
  free(p->line.p);
  free(p->why.p);
  p->line = p->why = (outbuf){0};
  if (b) free(b->text.p);
  if (ahead) free(ahead->text.p);
  free(b);
  free(ahead);
  word_cache_free(p->words);
  p->words = NULL;
  arena_destroy(a); /* p->cells stay: the rows point at their cells */
  return NULL;
}

static int cmp_bad(const void *x, const void *y) {
  const wl_bad *a = x, *b = y;
  return a->line < b->line ? -1 : a->line > b->line;
}

static void merge_stats(wl_stats *a, const wl_stats *b) {
  a->lines += b->lines;
  a->records += b->records;
  a->bad += b->bad;
  a->blank += b->blank;
  a->failed += b->failed;
  a->listed += b->listed;
  a->not_listed += b->not_listed;
  for (int i = 0; i < OP_MAX_CODES; i++) {
    a->by_gap[i] += b->by_gap[i];
    a->by_risk[i] += b->by_risk[i];
    a->by_action[i] += b->by_action[i];
  }
  for (int i = 0; i < WL_N_RATES; i++) {
    a->rate_num[i] += b->rate_num[i];
    a->rate_den[i] += b->rate_den[i];
  }
}

/* The bad lines, in line order, as screen reports them: "line N: what",
** control characters named. 0, or -1 when they could not be written. */
static int write_bad(FILE *f, wl_part *parts, int n) {
  size_t total = 0;
  for (int i = 0; i < n; i++) total += parts[i].n_bad;
  if (!total) return 0;
  wl_bad *all = malloc(total * sizeof *all);
  if (!all) return -1;
  size_t k = 0;
  for (int i = 0; i < n; i++) {
    if (parts[i].n_bad) memcpy(all + k, parts[i].bad, parts[i].n_bad * sizeof *all);
    k += parts[i].n_bad;
  }
  qsort(all, total, sizeof *all, cmp_bad);
  bool ok = true;
  char msg[1024];
  for (size_t i = 0; i < total && ok; i++) {
    ctl_escape(msg, sizeof msg, all[i].msg);
    ok = fprintf(f, "line %llu: %s\n", (unsigned long long)all[i].line, msg) > 0;
  }
  free(all);
  ok = ok && fflush(f) == 0 && !ferror(f);
  return ok ? 0 : -1;
}

/* The parts' sorted rows merged into one sorted array (the order is total:
** two rows never compare equal, so the result does not depend on which
** thread listed which row). */
static bool join_rows(wl_result *r, bool lean) {
  wl_store *s = r->store;
  size_t total = 0;
  for (int i = 0; i < s->n; i++) total += s->parts[i].n;
  r->lines = malloc((total ? total : 1) * sizeof(const wl_line *));
  /* without lean, every row is a wl_item (store_row) */
  r->items = lean ? NULL : malloc((total ? total : 1) * sizeof(const wl_item *));
  size_t *pos = calloc((size_t)s->n, sizeof *pos);
  if (!r->lines || (!lean && !r->items) || !pos) {
    free(pos);
    return false;
  }
  for (size_t k = 0; k < total; k++) {
    int best = -1;
    for (int i = 0; i < s->n; i++)
      if (pos[i] < s->parts[i].n &&
          (best < 0 || cmp_sorted(&s->parts[i].order[pos[i]], &s->parts[best].order[pos[best]]) < 0))
        best = i;
    r->lines[k] = s->parts[best].order[pos[best]++].l;
    if (!lean) r->items[k] = (const wl_item *)r->lines[k];
  }
  r->n = total;
  for (int i = 0; i < s->n; i++) { /* the rows stay: lines points at them */
    free(s->parts[i].order);
    s->parts[i].order = NULL;
  }
  free(pos);
  return true;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs the threads over the reader; false when out of memory. */
static bool run_threads(const wl_options *o, line_reader *lr, wl_store *s, int *io_error) {
  wl_shared sh = {.o = o, .lr = lr};
  pthread_mutex_init(&sh.m, NULL);
  pthread_t *tid = calloc((size_t)s->n, sizeof *tid);
  wl_thread *t = calloc((size_t)s->n, sizeof *t);
  bool ok = tid && t;
  int started = 0;
  for (int i = 1; ok && i < s->n; i++) {
    t[i] = (wl_thread){&sh, &s->parts[i]};
    if (pthread_create(&tid[i], NULL, worker, &t[i]) == 0) started = i;
    else break;
  }
  if (ok) {
    t[0] = (wl_thread){&sh, &s->parts[0]};
    worker(&t[0]); /* the caller's thread is one of the N */
  }
  for (int i = 1; i <= started; i++) pthread_join(tid[i], NULL);
  for (int i = 0; i < s->n; i++)
    if (s->parts[i].oom) ok = false;
  free(tid);
  free(t);
  pthread_mutex_destroy(&sh.m);
  *io_error = sh.io_error;
  return ok;
}

int wl_collect(const wl_options *o, const char *path, wl_result *r) {
  memset(r, 0, sizeof *r);
  double t0 = now();
  int n = o->threads < 1 ? 1 : o->threads;
  r->store = calloc(1, sizeof *r->store);
  if (!r->store || !(r->store->parts = calloc((size_t)n, sizeof(wl_part)))) {
    if (o->use_fd) close(o->input_fd);
    return WL_NO_MEMORY;
  }
  r->store->n = n;
  for (int i = 0; i < n; i++) r->store->parts[i].keep = arena_create(256 * 1024);
  line_reader lr;
  if ((o->use_fd ? lr_open_fd(&lr, o->input_fd, WL_MAX_LINE) : lr_open(&lr, path, WL_MAX_LINE)) != 0)
    return WL_READ_FAILED;
  int io_error = 0;
  bool ok = run_threads(o, &lr, r->store, &io_error);
  if (io_error) snprintf(r->read_error, sizeof r->read_error, "%s", lr_error(&lr));
  lr_close(&lr);
  for (int i = 0; i < n; i++) merge_stats(&r->st, &r->store->parts[i].st);
  ok = ok && join_rows(r, o->csv_lines && o->csv_only);
  int werr = write_bad(o->errors, r->store->parts, n) != 0 ? (errno ? errno : EIO) : 0;
  r->st.seconds = now() - t0;
  if (!ok) return WL_NO_MEMORY;
  if (io_error) {
    errno = io_error;
    return WL_READ_FAILED;
  }
  if (werr) {
    errno = werr;
    return WL_ERRORS_FAILED;
  }
  return WL_OK;
}

void wl_result_free(wl_result *r) {
  if (r->store) {
    for (int i = 0; i < r->store->n; i++) {
      wl_part *p = &r->store->parts[i];
      arena_destroy(p->keep);
      wl_mem_free(&p->mem);
      wl_csv_cache_free(p->cells);
      free(p->order);
      free(p->bad);
      free(p->line.p);
      free(p->why.p);
    }
    free(r->store->parts);
    free(r->store);
  }
  free(r->lines);
  free(r->items);
  memset(r, 0, sizeof *r);
}
