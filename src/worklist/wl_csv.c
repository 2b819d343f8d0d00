/*
** wl_csv.c: the worklist as CSV that Excel opens as is.
**
** UTF-8 with a byte order mark (without it Excel reads the file in the
** system's code page and names with accents break), CRLF line ends, RFC
** 4180 quoting (a field with a comma, quote, CR or LF is quoted, quotes
** doubled), and formula-safe: a cell that starts with = + - @ TAB or CR
** would be run by a spreadsheet as a formula, so it gets a leading ' (the
** OWASP CSV injection guidance). Dates are YYYY-MM-DD.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "../kb/kb.h"
#include "../util/numfmt.h"
#include "wl_write.h"

void wl_gap_words(const op_kb *kb, unsigned long gaps, char *buf, size_t cap) {
  size_t k = 0, sl = strlen(kb->wltext[OP_WL_GAPS_JOIN]);
  buf[0] = 0;
  for (int rank = 0; rank < kb->n_gaps; rank++) {
    int g = kb->gap_by_urgency[rank];
    if (!((gaps >> g) & 1u)) continue;
    const char *w = kb->gaps[g].clinician;
    size_t wl = strlen(w);
    if (k + wl + (k ? sl + 1 : 0) + 1 > cap) return;
    if (k) {
      memcpy(buf + k, kb->wltext[OP_WL_GAPS_JOIN], sl);
      k += sl;
      buf[k++] = ' ';
    }
    memcpy(buf + k, w, wl + 1);
    k += wl;
  }
}

/* One cell: quoted when it must be, ' before a formula's first character. */
static void cell(outbuf *b, const char *s, bool last) {
  if (!s) s = "";
  bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r';
  size_t plain = strcspn(s, ",\"\r\n");
  if (!s[plain]) { /* nothing to quote */
    if (formula) ob_put(b, "'", 1);
    ob_put(b, s, plain);
  } else {
    ob_put(b, formula ? "\"'" : "\"", formula ? 2 : 1);
    for (const char *p = s; *p;) {
      size_t n = strcspn(p, "\"");
      ob_put(b, p, n);
      p += n;
      if (*p) {
        ob_put(b, "\"\"", 2);
        p++;
      }
    }
    ob_put(b, "\"", 1);
  }
  ob_put(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* The cells that depend on codes only (sex, risk, action and first agent
** together; the set of gaps) are the same for thousands of rows: each
** thread makes each one once, quoted and with its comma, and the rows point
** at it (wl_csv_pieces). */
enum { SLOTS = 4096, PROBES = 8 }; /* distinct cells kept; a row whose cell finds no slot has it in its text */

typedef struct {
  char *text;
  size_t len;
} made_cell;

struct wl_csv_cache {
  const op_kb *kb;
  uint64_t combo_key[SLOTS], gap_key[SLOTS]; /* 0: a free slot */
  made_cell combo[SLOTS], gap[SLOTS];
};

wl_csv_cache *wl_csv_cache_new(const op_kb *kb) {
  wl_csv_cache *c = calloc(1, sizeof *c);
  if (c) c->kb = kb;
  return c;
}

void wl_csv_cache_free(wl_csv_cache *c) {
  if (!c) return;
  for (int i = 0; i < SLOTS; i++) free(c->combo[i].text), free(c->gap[i].text);
  free(c);
}

/* The slot of key (not 0) in keys: its own, or a free one now its own;
** NULL when the table is full around it. */
static made_cell *slot(uint64_t *keys, made_cell *cells, uint64_t key) {
  size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 40) % SLOTS;
  for (int probe = 0; probe < PROBES; probe++, h = (h + 1) % SLOTS)
    if (!keys[h] || keys[h] == key) {
      keys[h] = key;
      return &cells[h];
    }
  return NULL;
}

/* The four cells from sex to the first agent, each with its comma. */
static void combo_cells(outbuf *b, const op_kb *kb, const worklist_row *w) {
  cell(b, wl_sex_words(kb, w->sex), false);
  cell(b, wl_risk_words(kb, w->risk), false);
  cell(b, wl_action_words(kb, w->action), false);
  cell(b, wl_agent_words(kb, w->first_agent), false);
}

static void gaps_cells(outbuf *b, const op_kb *kb, unsigned long gaps) {
  char words[4096];
  wl_gap_words(kb, gaps, words, sizeof words);
  cell(b, words, false);
}

/* The shared cell for key, made by make when it is new; NULL when there is
** no slot or no memory (the caller writes the cells into the row). */
static const made_cell *shared(uint64_t *keys, made_cell *cells, uint64_t key, const op_kb *kb, const worklist_row *w,
                               bool gaps) {
  made_cell *m = slot(keys, cells, key);
  if (!m || m->text) return m;
  outbuf t = {0};
  if (gaps) gaps_cells(&t, kb, w->gaps);
  else combo_cells(&t, kb, w);
  if (t.oom || !t.len) {
    free(t.p);
    return NULL;
  }
  m->text = t.p;
  m->len = t.len;
  return m;
}

static void row_start(outbuf *b, const worklist_row *w) {
  char age[NUM_G10_MAX]; /* "%d", without printf's cost on every row */
  age[w->age >= 0 ? num_long(w->age, age) : 0] = 0;
  cell(b, w->patient_id, false);
  cell(b, w->name, false);
  cell(b, w->mrn, false);
  cell(b, age, false);
}

void wl_csv_row(outbuf *b, const op_kb *kb, const worklist_row *w) {
  row_start(b, w);
  combo_cells(b, kb, w);
  cell(b, w->next_due, false);
  gaps_cells(b, kb, w->gaps);
  cell(b, w->reason, true);
}

void wl_csv_row_pieces(outbuf *b, const op_kb *kb, wl_csv_cache *c, const worklist_row *w, wl_csv_pieces *pc) {
  size_t start = b->len;
  *pc = (wl_csv_pieces){0};
  row_start(b, w);
  pc->cut1 = (uint32_t)(b->len - start);
  int sx = !w->sex ? 0 : !strcmp(w->sex, "female") ? 1 : !strcmp(w->sex, "male") ? 2 : -1;
  bool codes_ok = sx >= 0 && w->risk >= 0 && w->risk < OP_MAX_CODES && w->action >= 0 && w->action < OP_MAX_CODES &&
                  w->first_agent >= -1 && w->first_agent < kb->n_agents;
  /* every code + 1 in its own field of the key, so no key is 0 */
  uint64_t combo = (uint64_t)(sx + 1) << 48 | (uint64_t)(w->risk + 1) << 32 | (uint64_t)(w->action + 1) << 16 |
                   (uint64_t)(w->first_agent + 2);
  const made_cell *m = c && codes_ok ? shared(c->combo_key, c->combo, combo, kb, w, false) : NULL;
  if (m) pc->combo = m->text, pc->combo_len = (uint32_t)m->len;
  else combo_cells(b, kb, w);
  cell(b, w->next_due, false);
  pc->cut2 = (uint32_t)(b->len - start);
  m = c && w->gaps ? shared(c->gap_key, c->gap, (uint64_t)w->gaps, kb, w, true) : NULL;
  if (m) pc->gaps = m->text, pc->gaps_len = (uint32_t)m->len;
  else gaps_cells(b, kb, w->gaps);
  cell(b, w->reason, true);
  pc->len = (uint32_t)(b->len - start);
}

/* n buffers written whole to fd, however the kernel splits them; false
** with errno on a failed write. */
static bool write_all(int fd, struct iovec *v, int n) {
  while (n > 0) {
    ssize_t w = writev(fd, v, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    size_t done = (size_t)w;
    while (n > 0 && done >= v->iov_len) {
      done -= v->iov_len;
      v++, n--;
    }
    if (n > 0) {
      v->iov_base = (char *)v->iov_base + done;
      v->iov_len -= done;
    }
  }
  return true;
}

/* The rows whose lines the threads made, straight from where they are
** (gathered writes: the pieces are not copied again); false with errno. */
static bool write_lines(FILE *f, const wl_result *r) {
  if (fflush(f) != 0) return false; /* the header first, in order */
  enum { BATCH = 1000 };          /* under IOV_MAX (1024 on Linux), five pieces a row at most */
  struct iovec v[BATCH];
  int fd = fileno(f), n = 0;
  for (size_t i = 0; i < r->n; i++) {
    /* the rows are where their threads made them, in no order: a row's head
    ** is a cache miss, so the ones a little ahead are asked for now */
    if (i + 16 < r->n) __builtin_prefetch(r->lines[i + 16]);
    const wl_csv_pieces *pc = &r->lines[i]->csv;
    const struct iovec piece[5] = {{(void *)pc->text, pc->cut1},
                                   {(void *)pc->combo, pc->combo_len},
                                   {(void *)(pc->text + pc->cut1), pc->cut2 - pc->cut1},
                                   {(void *)pc->gaps, pc->gaps_len},
                                   {(void *)(pc->text + pc->cut2), pc->len - pc->cut2}};
    for (int k = 0; k < 5; k++)
      if (piece[k].iov_len) v[n++] = piece[k];
    if (n > BATCH - 5 || i + 1 == r->n) {
      if (!write_all(fd, v, n)) return false;
      n = 0;
    }
  }
  return true;
}

int wl_write_csv(FILE *f, const op_kb *kb, const wl_result *r) {
  static const int head[] = {OP_WL_PATIENT_ID, OP_WL_NAME, OP_WL_MRN, OP_WL_AGE, OP_WL_SEX, OP_WL_RISK, OP_WL_ACTION,
                             OP_WL_FIRST_AGENT, OP_WL_NEXT_DUE, OP_WL_GAPS, OP_WL_REASON};
  enum { N = sizeof head / sizeof *head };
  outbuf b = {0};
  ob_put(&b, "\xEF\xBB\xBF", 3);
  for (int i = 0; i < N; i++) cell(&b, kb->wltext[head[i]], i == N - 1);
  bool made = r->n && r->lines[0]->csv.text; /* every row's line was made by its thread, or none was */
  for (size_t i = 0; i < r->n && !made && !b.oom; i++) {
    wl_csv_row(&b, kb, &r->items[i]->row);
    if (b.len >= (1u << 20)) {
      if (fwrite(b.p, 1, b.len, f) != b.len) break;
      b.len = 0;
    }
  }
  bool ok = !b.oom && !ferror(f) && (!b.len || fwrite(b.p, 1, b.len, f) == b.len);
  if (ok && made) ok = write_lines(f, r);
  if (b.oom) errno = ENOMEM;
  free(b.p);
  return ok ? 0 : -1;
}
