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

/* The cells that depend on a code only (sex, risk, action, first agent,
** the set of gaps) are the same for thousands of rows: each thread makes
** each one once, quoted and with its comma, and copies it after. */
enum { GAP_SLOTS = 1024 }; /* distinct gap sets kept; more are made each time */

typedef struct {
  char *text;
  size_t len;
} made_cell;

struct wl_csv_cache {
  const op_kb *kb;
  made_cell risk[OP_MAX_CODES], action[OP_MAX_CODES], sex[3];
  made_cell *agent; /* n_agents + 1: [0] is "no agent" */
  unsigned long gap_key[GAP_SLOTS];
  made_cell gap[GAP_SLOTS];
};

static void make_cell(made_cell *m, const char *s) {
  outbuf b = {0};
  cell(&b, s, false);
  m->text = b.oom ? NULL : b.p;
  m->len = b.oom ? 0 : b.len;
  if (b.oom) free(b.p);
}

wl_csv_cache *wl_csv_cache_new(const op_kb *kb) {
  wl_csv_cache *c = calloc(1, sizeof *c);
  if (!c || !(c->agent = calloc((size_t)kb->n_agents + 1, sizeof *c->agent))) {
    free(c);
    return NULL;
  }
  c->kb = kb;
  return c;
}

void wl_csv_cache_free(wl_csv_cache *c) {
  if (!c) return;
  for (int i = 0; i < OP_MAX_CODES; i++) free(c->risk[i].text), free(c->action[i].text);
  for (int i = 0; i < 3; i++) free(c->sex[i].text);
  for (int i = 0; i <= c->kb->n_agents; i++) free(c->agent[i].text);
  for (int i = 0; i < GAP_SLOTS; i++) free(c->gap[i].text);
  free(c->agent);
  free(c);
}

/* The cell of slot m, made from s when it is not made yet; false when
** there was no memory to make it (the caller makes the cell itself). */
static bool put_made(outbuf *b, made_cell *m, const char *s) {
  if (!m->text) make_cell(m, s);
  if (!m->text) return false;
  ob_put(b, m->text, m->len);
  return true;
}

static void gaps_cell(outbuf *b, wl_csv_cache *c, unsigned long gaps) {
  made_cell *m = NULL;
  if (gaps) { /* open addressing on the set's bits; a full table makes the cell each time */
    size_t h = (size_t)((gaps * 0x9E3779B97F4A7C15ull) >> 32) % GAP_SLOTS;
    for (int probe = 0; probe < 8 && !m; probe++, h = (h + 1) % GAP_SLOTS)
      if (!c->gap_key[h] || c->gap_key[h] == gaps) m = &c->gap[h], c->gap_key[h] = gaps;
  }
  char words[4096];
  if (m && m->text) {
    ob_put(b, m->text, m->len);
    return;
  }
  wl_gap_words(c->kb, gaps, words, sizeof words);
  if (!m || !put_made(b, m, words)) cell(b, words, false);
}

void wl_csv_row(outbuf *b, const op_kb *kb, wl_csv_cache *c, const worklist_row *w) {
  char age[NUM_G10_MAX]; /* "%d", without printf's cost on every row */
  age[w->age >= 0 ? num_long(w->age, age) : 0] = 0;
  cell(b, w->patient_id, false);
  cell(b, w->name, false);
  cell(b, w->mrn, false);
  cell(b, age, false);
  const char *sex = wl_sex_words(kb, w->sex), *risk = wl_risk_words(kb, w->risk);
  const char *action = wl_action_words(kb, w->action), *agent = wl_agent_words(kb, w->first_agent);
  int sx = !w->sex ? 0 : !strcmp(w->sex, "female") ? 1 : !strcmp(w->sex, "male") ? 2 : -1;
  bool risk_ok = w->risk >= 0 && w->risk < OP_MAX_CODES, action_ok = w->action >= 0 && w->action < OP_MAX_CODES;
  int ag = w->first_agent >= 0 && w->first_agent < kb->n_agents ? w->first_agent + 1 : 0;
  if (!c || sx < 0 || !put_made(b, &c->sex[sx], sex)) cell(b, sex, false);
  if (!c || !risk_ok || !put_made(b, &c->risk[w->risk], risk)) cell(b, risk, false);
  if (!c || !action_ok || !put_made(b, &c->action[w->action], action)) cell(b, action, false);
  if (!c || !put_made(b, &c->agent[ag], agent)) cell(b, agent, false);
  cell(b, w->next_due, false);
  if (c) {
    gaps_cell(b, c, w->gaps);
  } else {
    char gaps[4096];
    wl_gap_words(kb, w->gaps, gaps, sizeof gaps);
    cell(b, gaps, false);
  }
  cell(b, w->reason, true);
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
** (gathered writes: the lines are not copied again); false with errno. */
static bool write_lines(FILE *f, const wl_result *r) {
  if (fflush(f) != 0) return false; /* the header first, in order */
  enum { BATCH = 512 };           /* well under IOV_MAX (1024 on Linux) */
  struct iovec v[BATCH];
  int fd = fileno(f), n = 0;
  for (size_t i = 0; i < r->n; i++) {
    v[n++] = (struct iovec){(void *)r->items[i]->csv, r->items[i]->csv_len};
    if (n == BATCH || i + 1 == r->n) {
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
  bool made = r->n && r->items[0]->csv; /* every row's line was made by its thread, or none was */
  for (size_t i = 0; i < r->n && !made && !b.oom; i++) {
    wl_csv_row(&b, kb, NULL, &r->items[i]->row);
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
