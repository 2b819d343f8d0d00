/*
** screen.c: the batch pipeline of screen.h.
**
**   caller: reads batches --> workers, and the caller when idle: assess
**   --> caller: writes the finished batches in input order
**
** Batches are recycled: NB of them exist, so at most NB are read ahead of
** the output. A worker keeps one arena for all its records and resets it
** after each, so the engine allocates nothing per record once warm.
*/
#include "screen.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/engine.h"
#include "../json/json.h"
#include "../record/record.h"
#include "../util/arena.h"
#include "../util/ctlchar.h"
#include "lines.h"

/* A batch closes at this many lines or bytes of input. */
#define BATCH_LINES 2048
#define BATCH_BYTES (512u * 1024u)
/* A line longer than this is a bad line (read past, never kept whole). */
#define SCREEN_MAX_LINE (8u * 1024u * 1024u)

/* An output buffer. oom is sticky: once an append fails, the pieces after it
** must not land either (a smaller one could still fit and leave a line with
** a hole), so every writer marks where its line began and, when oom is set
** at the end, cuts the buffer back to that mark (buf_commit). */
typedef struct {
  char *p;
  size_t len, cap;
  bool oom;
  const screen_options *o; /* for the test hook that grows buffers */
} buf;

static bool buf_reserve(buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + extra) cap *= 2;
  char *np = b->o && b->o->grow ? b->o->grow(b->o->grow_ctx, b->p, cap) : realloc(b->p, cap);
  if (!np) return false;
  b->p = np;
  b->cap = cap;
  return true;
}

static inline void buf_put(buf *b, const char *s, size_t n) {
  if (n == 0 || b->oom) return; /* an empty line: nothing to copy, maybe no buffer yet */
  if (b->len + n > b->cap && !buf_reserve(b, n)) {
    b->oom = true;
    return;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

/* Ends a line begun at mark: true when it is whole; false when an append
** failed, and then the line is taken back out entirely. */
static bool buf_commit(buf *b, size_t mark) {
  if (!b->oom) return true;
  b->len = mark;
  b->oom = false;
  return false;
}

static void buf_puts(buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_put_cb(void *b, const char *s, size_t n) { buf_put(b, s, n); }

/* Text from a record or a message about one: control characters come out
** as visible "\u00XX" (ctlchar.h), never as themselves. */
static void buf_text(buf *b, const char *s) { ctl_write(s, buf_put_cb, b); }

enum { B_FREE, B_PENDING, B_WORKING, B_DONE };
enum { LINE_KEPT, LINE_TOO_LONG, LINE_NO_MEMORY };

typedef struct {
  uint64_t seq;
  int state;
  int n;
  buf text;              /* the lines, one after the other */
  size_t off[BATCH_LINES];
  uint32_t len[BATCH_LINES];
  uint64_t lineno[BATCH_LINES];
  unsigned char kept[BATCH_LINES]; /* LINE_KEPT, or why the text is not there */
  buf out, err;
  screen_stats st;
} batch;

typedef struct {
  const screen_options *o;
  arena *a;
} worker_ctx;

/* ---- one record --------------------------------------------------------- */

/* Bytes of s before the first one that needs care: a control character's
** first byte, a quote, or (for JSON) a backslash. */
static size_t plain_run(const char *s, bool json) {
  size_t k = 0;
  for (;; k++) {
    unsigned char c = (unsigned char)s[k];
    if (c < 0x20 || c == 0x7f || c == 0xc2 || c == '"' || (json && c == '\\')) return k; /* NUL too */
  }
}

/* Record text into a JSON string or a quoted CSV cell: control characters as
** visible "\u00XX" (in JSON that is the escape itself; DEL and C1 are
** escaped too, which JSON allows raw but a terminal would obey); a quote is
** \" in JSON, "" in CSV. */
static void put_quoted_body(buf *b, const char *s, bool json) {
  while (*s) {
    size_t run = plain_run(s, json);
    buf_put(b, s, run);
    s += run;
    if (!*s) break;
    unsigned cp;
    size_t c = ctl_at(s, &cp);
    if (c) {
      char name[7];
      ctl_name(cp, name);
      buf_put(b, name, 6);
      s += c;
    } else if (*s == '"') {
      buf_put(b, json ? "\\\"" : "\"\"", 2);
      s++;
    } else {
      if (json && *s == '\\') buf_put(b, "\\", 1);
      buf_put(b, s++, 1); /* a backslash, or the 0xc2 of a printable U+00A0..U+00BF */
    }
  }
}

static void put_json_str(buf *b, const char *s) {
  buf_put(b, "\"", 1);
  put_quoted_body(b, s, true);
  buf_put(b, "\"", 1);
}

/* A cell a spreadsheet would run as a formula (OWASP "CSV injection"):
** its first character, after spaces, is one of = + - @ tab CR. */
static bool csv_formula(const char *s) {
  while (*s == ' ') s++;
  return *s && strchr("=+-@\t\r", *s);
}

/* A CSV cell from record text: quoted when it holds a comma or a quote, or
** would be a formula (then a single quote goes first, inside the quotes, so
** the spreadsheet shows it as text); control characters as visible escapes. */
static void put_csv_field(buf *b, const char *s) {
  bool formula = csv_formula(s);
  if (!formula && !strpbrk(s, ",\"")) {
    buf_text(b, s);
    return;
  }
  buf_put(b, formula ? "\"'" : "\"", formula ? 2 : 1);
  put_quoted_body(b, s, false);
  buf_put(b, "\"", 1);
}

/* The codes of one list (alerts, findings, gaps) for NDJSON or CSV; lens
** may be NULL (then the names are measured). */
static void put_codes(buf *b, bool csv, const char *const *names, const unsigned char *lens, int n, const bool *on) {
  int k = 0;
  if (!csv) buf_put(b, "[", 1);
  for (int i = 0; i < n; i++) {
    if (!on[i]) continue;
    if (k++) buf_put(b, csv ? ";" : ",", 1);
    if (!csv) buf_put(b, "\"", 1);
    buf_put(b, names[i], lens ? lens[i] : strlen(names[i]));
    if (!csv) buf_put(b, "\"", 1);
  }
  if (!csv) buf_put(b, "]", 1);
}

static void write_summary(const screen_options *o, const op_plan *p, buf *b) {
  const op_kb *kb = o->kb;
  bool csv = o->format == SCREEN_CSV;
  const char *id = p->rec->id;
  int first = p->n_phases && p->phases[0].n ? p->phases[0].agents[0] : -1;
  bool alerts[OP_N_alert] = {0}, gaps[OP_MAX_GAPS] = {0};
  const char *gap_names[OP_MAX_GAPS];
  for (int i = 0; i < p->n_alerts; i++) alerts[p->alerts[i].code] = true;
  for (int g = 0; g < kb->n_gaps; g++) {
    gap_names[g] = kb->gaps[g].code;
    gaps[g] = (p->gaps >> g) & 1u;
  }
  if (csv) {
    put_csv_field(b, id ? id : "");
    buf_put(b, ",", 1);
    buf_put(b, op_risk_str[p->risk], op_risk_len[p->risk]);
    buf_put(b, ",", 1);
    buf_put(b, op_action_str[p->action], op_action_len[p->action]);
    buf_put(b, ",", 1);
    if (first >= 0) buf_puts(b, op_agent_str[first]);
    buf_put(b, ",", 1);
    put_codes(b, true, op_alert_str, op_alert_len, OP_N_alert, alerts);
    buf_put(b, ",", 1);
    put_codes(b, true, op_finding_str, op_finding_len, OP_N_finding, p->finding);
    buf_put(b, ",", 1);
    put_codes(b, true, gap_names, NULL, kb->n_gaps, gaps);
    buf_put(b, "\r\n", 2);
    return;
  }
  buf_puts(b, "{\"patient_id\":");
  if (id) put_json_str(b, id);
  else buf_puts(b, "null");
  buf_puts(b, ",\"risk\":\"");
  buf_put(b, op_risk_str[p->risk], op_risk_len[p->risk]);
  buf_puts(b, "\",\"action\":\"");
  buf_put(b, op_action_str[p->action], op_action_len[p->action]);
  buf_puts(b, "\",\"first_agent\":");
  if (first >= 0) {
    buf_put(b, "\"", 1);
    buf_puts(b, op_agent_str[first]);
    buf_put(b, "\"", 1);
  } else {
    buf_puts(b, "null");
  }
  buf_puts(b, ",\"alerts\":");
  put_codes(b, false, op_alert_str, op_alert_len, OP_N_alert, alerts);
  buf_puts(b, ",\"findings\":");
  put_codes(b, false, op_finding_str, op_finding_len, OP_N_finding, p->finding);
  buf_puts(b, ",\"gaps\":");
  put_codes(b, false, gap_names, NULL, kb->n_gaps, gaps);
  buf_puts(b, "}\n");
}

/* Reports a bad line, whole or not at all (then it is counted as lost). The
** message may quote the record: its control characters are escaped. */
static void bad_line(batch *bt, uint64_t lineno, const char *msg) {
  char head[40];
  snprintf(head, sizeof head, "line %llu: ", (unsigned long long)lineno);
  size_t mark = bt->err.len;
  buf_puts(&bt->err, head);
  buf_text(&bt->err, msg);
  buf_put(&bt->err, "\n", 1);
  if (!buf_commit(&bt->err, mark)) bt->st.unreported++;
  bt->st.bad++;
}

/* A record that could not be handled for lack of memory: a bad line too,
** but an internal error (the exit status says so), not the input's fault. */
static void failed_line(batch *bt, uint64_t lineno, const char *msg) {
  bad_line(bt, lineno, msg);
  bt->st.failed++;
}

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
  return true;
}

static void process(worker_ctx *w, batch *bt) {
  const screen_options *o = w->o;
  for (int i = 0; i < bt->n; i++) {
    bt->st.lines++;
    if (bt->kept[i] == LINE_TOO_LONG) {
      char msg[96];
      snprintf(msg, sizeof msg, "invalid record: longer than %u bytes", SCREEN_MAX_LINE);
      bad_line(bt, bt->lineno[i], msg);
      continue;
    }
    if (bt->kept[i] == LINE_NO_MEMORY) {
      failed_line(bt, bt->lineno[i], "internal error: out of memory reading the line");
      continue;
    }
    /* only empty lines so far: no buffer yet, and NULL + 0 is undefined */
    const char *line = bt->text.p ? bt->text.p + bt->off[i] : "";
    size_t n = bt->len[i];
    if (blank(line, n)) {
      bt->st.blank++;
      continue;
    }
    if (o->parse_only) {
      json_doc d;
      char msg[256];
      if (json_parse(w->a, line, n, &d, msg, sizeof msg) != 0) bad_line(bt, bt->lineno[i], msg);
      else bt->st.records++;
      arena_reset(w->a);
      continue;
    }
    op_record rec;
    op_error err;
    if (record_read(w->a, o->kb, line, n, o->as_of, o->today, &rec, &err) != OP_OK) {
      bad_line(bt, bt->lineno[i], err.message);
      arena_reset(w->a);
      continue;
    }
    op_plan *p = arena_alloc(w->a, sizeof *p);
    if (!p || !engine_assess(w->a, o->kb, &rec, p)) {
      failed_line(bt, bt->lineno[i], "internal error: out of memory");
      arena_reset(w->a);
      continue;
    }
    if (!o->gaps_only || p->gaps) {
      size_t mark = bt->out.len;
      write_summary(o, p, &bt->out);
      if (!buf_commit(&bt->out, mark)) {
        failed_line(bt, bt->lineno[i], "internal error: out of memory writing the result");
        arena_reset(w->a);
        continue;
      }
      bt->st.written++;
    }
    bt->st.records++;
    bt->st.by_risk[p->risk]++;
    bt->st.by_action[p->action]++;
    for (int g = 0; g < o->kb->n_gaps; g++)
      if ((p->gaps >> g) & 1u) bt->st.by_gap[g]++;
    arena_reset(w->a);
  }
}

/* ---- reading batches ---------------------------------------------------- */

/* Fills bt from the reader; false when the input had nothing left. */
static bool read_batch(line_reader *lr, batch *bt, int *io_error) {
  bt->n = 0;
  bt->text.len = bt->out.len = bt->err.len = 0;
  memset(&bt->st, 0, sizeof bt->st);
  while (bt->n < BATCH_LINES && bt->text.len < BATCH_BYTES) {
    const char *line;
    size_t len;
    bool too_long;
    int r = lr_next(lr, &line, &len, &too_long);
    if (r < 0) {
      *io_error = 1;
      break;
    }
    if (r == 0) break;
    int k = bt->n++;
    bt->off[k] = bt->text.len;
    bt->len[k] = (uint32_t)len;
    bt->lineno[k] = lr->line_no;
    bt->kept[k] = too_long ? LINE_TOO_LONG : LINE_KEPT;
    if (!too_long) {
      buf_put(&bt->text, line, len);
      if (!buf_commit(&bt->text, bt->off[k])) bt->kept[k] = LINE_NO_MEMORY; /* reported, never read */
    }
  }
  return bt->n > 0;
}

static void init_batch(batch *bt, const screen_options *o) {
  bt->text.o = bt->out.o = bt->err.o = o;
}

static void free_batch(batch *bt) {
  free(bt->text.p);
  free(bt->out.p);
  free(bt->err.p);
}

/* A very long line leaves a big buffer behind: give it back. */
static void trim_batch(batch *bt) {
  if (bt->text.cap > 4 * BATCH_BYTES) {
    free(bt->text.p);
    bt->text = (buf){.o = bt->text.o};
  }
}

static void merge(screen_stats *a, const screen_stats *b) {
  a->lines += b->lines;
  a->records += b->records;
  a->bad += b->bad;
  a->blank += b->blank;
  a->written += b->written;
  a->failed += b->failed;
  a->unreported += b->unreported;
  for (int i = 0; i < OP_N_risk; i++) a->by_risk[i] += b->by_risk[i];
  for (int i = 0; i < OP_N_action; i++) a->by_action[i] += b->by_action[i];
  for (int i = 0; i < OP_MAX_GAPS; i++) a->by_gap[i] += b->by_gap[i];
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
  const screen_options *o;
  double start, last;
  long long size;
  bool off; /* the terminal could not be written: no more progress lines */
} progress;

/* The progress line is a courtesy on a terminal: when it cannot be written,
** it stops, and the summary (whose failure counts) says the rest. */
static void show_progress(progress *pg, const screen_stats *st, long long offset, bool final) {
  if (!pg->o->progress || pg->off) return;
  double t = now();
  if (!final && t - pg->last < 0.5) return;
  pg->last = t;
  double el = t - pg->start;
  double rate = el > 0 ? (double)st->lines / el : 0;
  if (final) {
    fputs("\r\033[K", pg->o->progress);
  } else if (pg->size > 0 && offset > 0) {
    double frac = (double)offset / (double)pg->size;
    double left = frac > 0 ? el / frac - el : 0;
    fprintf(pg->o->progress, "\r\033[K%llu records  %.0f/s  %.0f%%  %d:%02d left", (unsigned long long)st->lines,
            rate, frac * 100, (int)left / 60, (int)left % 60);
  } else {
    fprintf(pg->o->progress, "\r\033[K%llu records  %.0f/s", (unsigned long long)st->lines, rate);
  }
  if (fflush(pg->o->progress) != 0 || ferror(pg->o->progress)) pg->off = true;
}

/* Writes text to f and flushes it, so a failure is seen at this batch and
** the records counted as written are the ones that really were. */
static bool put_stream(FILE *f, const char *p, size_t n) {
  errno = 0;
  if (n && fwrite(p, 1, n, f) != n) return false;
  return fflush(f) == 0 && !ferror(f);
}

/* Writes a finished batch; false (st->write_*) when a stream failed, after
** which nothing more is written. */
static bool emit(const screen_options *o, batch *bt, screen_stats *st) {
  if (st->write_what) return false;
  bool out_ok = put_stream(o->out, bt->out.p, bt->out.len);
  if (!out_ok) bt->st.written = 0;
  const char *what = !out_ok ? "the results" : !put_stream(o->errors, bt->err.p, bt->err.len) ? "the errors" : NULL;
  merge(st, &bt->st);
  if (!what) return true;
  st->write_what = what;
  st->write_errno = errno ? errno : EIO;
  return false;
}

/* ---- one thread --------------------------------------------------------- */

static int run_inline(const screen_options *o, line_reader *lr, screen_stats *st, progress *pg) {
  batch *bt = calloc(1, sizeof *bt);
  worker_ctx w = {o, arena_create(64 * 1024)};
  int io_error = 0;
  if (!bt || !w.a) {
    free(bt);
    arena_destroy(w.a);
    errno = ENOMEM;
    return -1;
  }
  init_batch(bt, o);
  while (read_batch(lr, bt, &io_error)) {
    process(&w, bt);
    if (!emit(o, bt, st)) break;
    trim_batch(bt);
    show_progress(pg, st, lr_offset(lr), false);
  }
  free_batch(bt);
  free(bt);
  arena_destroy(w.a);
  return io_error ? -1 : 0;
}

/* ---- many threads ------------------------------------------------------- */

typedef struct {
  const screen_options *o;
  pthread_mutex_t m;
  pthread_cond_t work, done;
  batch *b;
  int nb;
  uint64_t next_seq; /* the next batch the reader fills */
  bool reading_over; /* the reader has produced every batch (read by the workers) */
} pipeline;

static void *worker_main(void *arg) {
  pipeline *pl = arg;
  worker_ctx w = {pl->o, arena_create(64 * 1024)};
  for (;;) {
    pthread_mutex_lock(&pl->m);
    batch *bt = NULL;
    for (;;) {
      for (int i = 0; i < pl->nb; i++)
        if (pl->b[i].state == B_PENDING && (!bt || pl->b[i].seq < bt->seq)) bt = &pl->b[i];
      if (bt || pl->reading_over) break;
      pthread_cond_wait(&pl->work, &pl->m);
    }
    if (!bt) {
      pthread_mutex_unlock(&pl->m);
      break;
    }
    bt->state = B_WORKING;
    pthread_mutex_unlock(&pl->m);
    if (w.a) process(&w, bt);
    else bad_line(bt, bt->lineno[0], "internal error: out of memory");
    pthread_mutex_lock(&pl->m);
    bt->state = B_DONE;
    pthread_cond_broadcast(&pl->done);
    pthread_mutex_unlock(&pl->m);
  }
  arena_destroy(w.a);
  return NULL;
}

/* The caller's thread is one of the N: it reads batches, writes finished ones
** in order, and assesses a pending batch itself when there is nothing to read
** or write; N - 1 more threads only assess. N threads use N cores, none is
** left to a job that mostly waits. */
static int run_threads(const screen_options *o, line_reader *lr, screen_stats *st, progress *pg) {
  pipeline pl = {.o = o};
  pl.nb = 2 * o->threads + 2;
  pl.b = calloc((size_t)pl.nb, sizeof(batch));
  pthread_t *workers = calloc((size_t)o->threads, sizeof(pthread_t));
  if (!pl.b || !workers) {
    free(pl.b);
    free(workers);
    errno = ENOMEM;
    return -1;
  }
  for (int i = 0; i < pl.nb; i++) init_batch(&pl.b[i], o);
  pthread_mutex_init(&pl.m, NULL);
  pthread_cond_init(&pl.work, NULL);
  pthread_cond_init(&pl.done, NULL);
  int started = 0;
  for (int i = 0; i < o->threads - 1; i++)
    if (pthread_create(&workers[i], NULL, worker_main, &pl) == 0) started++;
  worker_ctx self = {o, arena_create(64 * 1024)};
  int io_error = !self.a;
  bool eof = io_error;
  uint64_t next_write = 0;
  for (;;) {
    pthread_mutex_lock(&pl.m);
    batch *w = NULL, *f = NULL, *job = NULL;
    for (;;) {
      w = f = job = NULL;
      for (int i = 0; i < pl.nb; i++) {
        if (pl.b[i].state == B_DONE && pl.b[i].seq == next_write) w = &pl.b[i];
        if (!eof && !f && pl.b[i].state == B_FREE) f = &pl.b[i];
        if (pl.b[i].state == B_PENDING && (!job || pl.b[i].seq < job->seq)) job = &pl.b[i];
      }
      if (w || f || job || (eof && next_write == pl.next_seq)) break;
      pthread_cond_wait(&pl.done, &pl.m);
    }
    if (!w && !f && job) job->state = B_WORKING; /* nothing to read or write: assess */
    else job = NULL;
    pthread_mutex_unlock(&pl.m);
    if (job) {
      process(&self, job);
      pthread_mutex_lock(&pl.m);
      job->state = B_DONE;
      pthread_cond_broadcast(&pl.done);
      pthread_mutex_unlock(&pl.m);
      continue;
    }
    if (w) {
      if (!emit(o, w, st)) eof = true; /* read no more; what is in flight is dropped */
      trim_batch(w);
      show_progress(pg, st, lr_offset(lr), false);
      pthread_mutex_lock(&pl.m);
      w->state = B_FREE;
      pthread_mutex_unlock(&pl.m);
      next_write++;
      continue;
    }
    if (!f) break; /* everything read and written */
    bool got = read_batch(lr, f, &io_error); /* a free batch is this thread's alone */
    pthread_mutex_lock(&pl.m);
    if (got) {
      f->seq = pl.next_seq++;
      f->state = B_PENDING;
      pthread_cond_signal(&pl.work);
    } else {
      eof = true;
    }
    pthread_mutex_unlock(&pl.m);
  }
  pthread_mutex_lock(&pl.m);
  // cppcheck-suppress unreadVariable ; the workers read it under pl.m
  pl.reading_over = true;
  pthread_cond_broadcast(&pl.work);
  pthread_mutex_unlock(&pl.m);
  for (int i = 0; i < started; i++) pthread_join(workers[i], NULL);
  arena_destroy(self.a);
  for (int i = 0; i < pl.nb; i++) free_batch(&pl.b[i]);
  free(pl.b);
  free(workers);
  pthread_mutex_destroy(&pl.m);
  pthread_cond_destroy(&pl.work);
  pthread_cond_destroy(&pl.done);
  return io_error ? -1 : 0;
}

/* The end of the output: the streams flushed and checked, unless a write
** already failed (that error is the one to report). */
static void finish_streams(const screen_options *o, screen_stats *st) {
  if (st->write_what) return;
  const char *what = fflush(o->out) != 0 || ferror(o->out) ? "the results"
                     : fflush(o->errors) != 0 || ferror(o->errors) ? "the errors" : NULL;
  if (!what) return;
  st->write_what = what;
  st->write_errno = errno ? errno : EIO;
}

int screen_run(const screen_options *o, const char *path, screen_stats *st) {
  memset(st, 0, sizeof *st);
  line_reader lr;
  if ((o->use_fd ? lr_open_fd(&lr, o->input_fd, SCREEN_MAX_LINE) : lr_open(&lr, path, SCREEN_MAX_LINE)) != 0)
    return SCREEN_READ_FAILED;
  double t0 = now();
  progress pg = {o, t0, t0, lr.size, false};
  static const char header[] = "patient_id,risk,action,first_agent,alerts,findings,gaps\r\n";
  int rc = 0;
  if (o->format == SCREEN_CSV && !o->parse_only && !put_stream(o->out, header, sizeof header - 1)) {
    st->write_what = "the results";
    st->write_errno = errno ? errno : EIO;
  } else {
    rc = o->threads <= 1 ? run_inline(o, &lr, st, &pg) : run_threads(o, &lr, st, &pg);
  }
  int saved = rc && lr.err ? lr.err : errno; /* the reader's own error outlives the writes since */
  show_progress(&pg, st, 0, true);
  st->seconds = now() - t0;
  lr_close(&lr);
  finish_streams(o, st);
  errno = saved;
  if (st->write_what) return SCREEN_WRITE_FAILED;
  return rc ? SCREEN_READ_FAILED : SCREEN_OK;
}

/* Every piece is checked: a summary cut short must not pass for the truth. */
int screen_print_summary(const screen_options *o, const screen_stats *st, FILE *f) {
  const op_kb *kb = o->kb;
  double rate = st->seconds > 0 ? (double)(st->records + st->bad) / st->seconds : 0;
  bool ok = fprintf(f, "osteoplan screen: %llu records, %llu bad lines, %llu blank lines, %llu written, %.2f s, %.0f records/s\n",
                    (unsigned long long)st->records, (unsigned long long)st->bad, (unsigned long long)st->blank,
                    (unsigned long long)st->written, st->seconds, rate) > 0;
  if (st->failed || st->unreported)
    ok &= fprintf(f, "  internal errors: %llu records not written for lack of memory, %llu bad-line reports lost\n",
                  (unsigned long long)st->failed, (unsigned long long)st->unreported) > 0;
  if (!o->parse_only) {
    ok &= fputs("  risk:", f) >= 0;
    for (int i = 0; i < OP_N_risk; i++)
      ok &= fprintf(f, " %s %llu", op_risk_str[i], (unsigned long long)st->by_risk[i]) > 0;
    ok &= fputs("\n  action:", f) >= 0;
    for (int i = 0; i < OP_N_action; i++)
      if (st->by_action[i]) ok &= fprintf(f, " %s %llu", op_action_str[i], (unsigned long long)st->by_action[i]) > 0;
    ok &= fputs("\n  gaps:", f) >= 0;
    for (int g = 0; g < kb->n_gaps; g++)
      ok &= fprintf(f, " %s %llu", kb->gaps[g].code, (unsigned long long)st->by_gap[g]) > 0;
    ok &= fputc('\n', f) != EOF;
  }
  if (fflush(f) != 0 || ferror(f)) ok = false;
  if (!ok && !errno) errno = EIO;
  return ok ? 0 : -1;
}
