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

#include "../kb/kb.h"
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

void wl_csv_row(outbuf *b, const op_kb *kb, const worklist_row *w) {
  char gaps[4096], age[16];
  if (w->age >= 0) snprintf(age, sizeof age, "%d", w->age);
  else age[0] = 0;
  wl_gap_words(kb, w->gaps, gaps, sizeof gaps);
  const char *v[] = {w->patient_id, w->name, w->mrn, age, wl_sex_words(kb, w->sex),
                     wl_risk_words(kb, w->risk), wl_action_words(kb, w->action),
                     wl_agent_words(kb, w->first_agent), w->next_due, gaps, w->reason};
  enum { N = sizeof v / sizeof *v };
  for (int k = 0; k < N; k++) cell(b, v[k], k == N - 1);
}

int wl_write_csv(FILE *f, const op_kb *kb, const wl_result *r) {
  static const int head[] = {OP_WL_PATIENT_ID, OP_WL_NAME, OP_WL_MRN, OP_WL_AGE, OP_WL_SEX, OP_WL_RISK, OP_WL_ACTION,
                             OP_WL_FIRST_AGENT, OP_WL_NEXT_DUE, OP_WL_GAPS, OP_WL_REASON};
  enum { N = sizeof head / sizeof *head };
  outbuf b = {0};
  ob_put(&b, "\xEF\xBB\xBF", 3);
  for (int i = 0; i < N; i++) cell(&b, kb->wltext[head[i]], i == N - 1);
  for (size_t i = 0; i < r->n && !b.oom; i++) {
    if (r->items[i].csv) { /* made by the thread that listed the row */
      ob_put(&b, r->items[i].csv, strlen(r->items[i].csv));
    } else {
      wl_csv_row(&b, kb, &r->items[i].row);
    }
    if (b.len >= (1u << 20)) {
      if (fwrite(b.p, 1, b.len, f) != b.len) break;
      b.len = 0;
    }
  }
  bool ok = !b.oom && !ferror(f) && (!b.len || fwrite(b.p, 1, b.len, f) == b.len);
  free(b.p);
  if (!ok && !ferror(f)) errno = ENOMEM;
  return ok ? 0 : -1;
}
