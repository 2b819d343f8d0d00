/*
** audit_report.c: the report of `osteoplan audit --db FILE` (audit.h).
**
** A card's outcome is its latest feedback: by outcomeTimestamp (compared as
** instants, so "10:05:31Z" and "10:05:31.5Z" sort right), then by arrival.
** Rates are over the cards served: ignored cards get no feedback in CDS
** Hooks, so "no feedback" is the rest. Reasons are counted over the cards
** whose outcome is overridden, by (system, code); "(no reason)" is an
** override without one.
**
** Reason systems, codes and displays come from the EHR: text output escapes
** their control characters, CSV quotes every field and defuses a leading
** formula character, JSON escapes them.
*/
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "util/ctlchar.h"

/* Each card's latest feedback. */
#define LAST_FEEDBACK                                                                                      \
  "WITH last AS (SELECT f.* FROM feedback f WHERE f.id = (SELECT g.id FROM feedback g WHERE g.card_id ="  \
  " f.card_id ORDER BY julianday(g.outcome_at) DESC, g.id DESC LIMIT 1)) "

static const char by_kind_sql[] = LAST_FEEDBACK
    "SELECT c.kind, count(*), coalesce(sum(l.outcome = 'accepted'), 0), coalesce(sum(l.outcome = 'overridden'), 0)"
    " FROM card c LEFT JOIN last l ON l.card_id = c.card_id GROUP BY c.kind ORDER BY c.kind";

static const char by_reason_sql[] = LAST_FEEDBACK
    "SELECT coalesce(reason_system, ''), coalesce(reason_code, ''), coalesce(max(reason_display), ''), count(*)"
    " FROM last WHERE outcome = 'overridden' GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2";

static const char totals_sql[] =
    "SELECT (SELECT count(*) FROM feedback), (SELECT count(*) FROM (SELECT card_id FROM feedback GROUP BY card_id"
    " HAVING count(*) > 1))";

typedef struct {
  char *kind;
  long served, accepted, overridden;
} kind_row;

typedef struct {
  char *system, *code, *display;
  long n;
} reason_row;

typedef struct {
  kind_row *kinds;
  int nk;
  reason_row *reasons;
  int nr;
  long served, accepted, overridden, received, repeated;
} report;

static void report_free(report *r) {
  for (int i = 0; i < r->nk; i++) free(r->kinds[i].kind);
  for (int i = 0; i < r->nr; i++) {
    free(r->reasons[i].system);
    free(r->reasons[i].code);
    free(r->reasons[i].display);
  }
  free(r->kinds);
  free(r->reasons);
}

static char *col(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  return strdup(s ? (const char *)s : "");
}

/* Runs sql; for each row, grows *rows (elem bytes each) and calls fill. */
static bool query_rows(audit_db *d, const char *sql, void **rows, int *n, size_t elem,
                       bool (*fill)(sqlite3_stmt *, void *), char *err, size_t errsz) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) return audit_fail(d, "reading the audit", err, errsz);
  int rc;
  bool ok = true;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    char *g = realloc(*rows, (size_t)(*n + 1) * elem);
    if (!g) break;
    *rows = g;
    memset(g + (size_t)*n * elem, 0, elem);
    ok = fill(st, g + (size_t)(*n)++ * elem);
  }
  ok = ok && rc == SQLITE_DONE;
  if (!ok) audit_fail(d, "reading the audit", err, errsz);
  sqlite3_finalize(st);
  return ok;
}

static bool fill_kind(sqlite3_stmt *st, void *p) {
  kind_row *k = p;
  k->kind = col(st, 0);
  k->served = sqlite3_column_int64(st, 1);
  k->accepted = sqlite3_column_int64(st, 2);
  k->overridden = sqlite3_column_int64(st, 3);
  return k->kind != NULL;
}

static bool fill_reason(sqlite3_stmt *st, void *p) {
  reason_row *r = p;
  r->system = col(st, 0);
  r->code = col(st, 1);
  r->display = col(st, 2);
  r->n = sqlite3_column_int64(st, 3);
  return r->system && r->code && r->display;
}

static bool fill_totals(sqlite3_stmt *st, void *p) {
  long *t = p;
  t[0] = sqlite3_column_int64(st, 0);
  t[1] = sqlite3_column_int64(st, 1);
  return true;
}

static bool read_report(audit_db *d, report *r, char *err, size_t errsz) {
  long *t = NULL;
  int nt = 0;
  bool ok = query_rows(d, by_kind_sql, (void **)&r->kinds, &r->nk, sizeof *r->kinds, fill_kind, err, errsz) &&
            query_rows(d, by_reason_sql, (void **)&r->reasons, &r->nr, sizeof *r->reasons, fill_reason, err, errsz) &&
            query_rows(d, totals_sql, (void **)&t, &nt, 2 * sizeof *t, fill_totals, err, errsz);
  if (ok && nt == 1) {
    r->received = t[0];
    r->repeated = t[1];
  }
  free(t);
  for (int i = 0; i < r->nk; i++) {
    r->served += r->kinds[i].served;
    r->accepted += r->kinds[i].accepted;
    r->overridden += r->kinds[i].overridden;
  }
  return ok;
}

static double pct(long n, long of) { return of ? 100.0 * (double)n / (double)of : 0.0; }

/* "system|code" of a reason, or "(no reason)". */
static void reason_key(const reason_row *r, char *out, size_t cap) {
  if (!*r->code && !*r->system) snprintf(out, cap, "(no reason)");
  else snprintf(out, cap, "%s|%s", r->system, r->code);
}

static void text_report(const report *r, const char *path, FILE *out) {
  char esc[6 * 1024 + 8], key[2048];
  ctl_escape(esc, sizeof esc, path);
  fprintf(out, "osteoplan audit: %s\n", esc);
  fprintf(out, "cards served %ld: accepted %ld (%.1f%%), overridden %ld (%.1f%%), no feedback %ld (%.1f%%)\n",
          r->served, r->accepted, pct(r->accepted, r->served), r->overridden, pct(r->overridden, r->served),
          r->served - r->accepted - r->overridden, pct(r->served - r->accepted - r->overridden, r->served));
  fprintf(out, "feedback entries %ld; cards reported more than once %ld (the latest counts)\n\n", r->received,
          r->repeated);
  fprintf(out, "%-40s %7s %9s %11s %12s %10s %12s\n", "card kind", "served", "accepted", "overridden", "no feedback",
          "accepted%", "overridden%");
  for (int i = 0; i < r->nk; i++) {
    const kind_row *k = &r->kinds[i];
    ctl_escape(esc, sizeof esc, k->kind);
    fprintf(out, "%-40s %7ld %9ld %11ld %12ld %10.1f %12.1f\n", esc, k->served, k->accepted, k->overridden,
            k->served - k->accepted - k->overridden, pct(k->accepted, k->served), pct(k->overridden, k->served));
  }
  fprintf(out, "\n%-60s %11s %12s  %s\n", "override reason (system|code)", "overridden", "% of overr.", "display");
  for (int i = 0; i < r->nr; i++) {
    const reason_row *x = &r->reasons[i];
    reason_key(x, key, sizeof key);
    ctl_escape(esc, sizeof esc, key);
    fprintf(out, "%-60s %11ld %12.1f  ", esc, x->n, pct(x->n, r->overridden));
    ctl_escape(esc, sizeof esc, x->display);
    fprintf(out, "%s\n", esc);
  }
  if (!r->nr) fputs("(no card overridden)\n", out);
}

/* A CSV field: always quoted, quotes doubled; a leading = + - @ (a formula
** in a spreadsheet) gets a ' before it. */
static void csv_field(FILE *out, const char *s) {
  fputc('"', out);
  if (strchr("=+-@\t\r", *s) && *s) fputc('\'', out);
  for (; *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

static void csv_report(const report *r, FILE *out) {
  char key[2048];
  fputs("group,key,display,served,accepted,overridden,no_feedback,accepted_pct,overridden_pct\n", out);
  fprintf(out, "\"total\",\"all\",\"\",%ld,%ld,%ld,%ld,%.1f,%.1f\n", r->served, r->accepted, r->overridden,
          r->served - r->accepted - r->overridden, pct(r->accepted, r->served), pct(r->overridden, r->served));
  for (int i = 0; i < r->nk; i++) {
    const kind_row *k = &r->kinds[i];
    fputs("\"kind\",", out);
    csv_field(out, k->kind);
    fprintf(out, ",\"\",%ld,%ld,%ld,%ld,%.1f,%.1f\n", k->served, k->accepted, k->overridden,
            k->served - k->accepted - k->overridden, pct(k->accepted, k->served), pct(k->overridden, k->served));
  }
  /* a reason's share is of the cards overridden (its accepted_pct stays empty) */
  for (int i = 0; i < r->nr; i++) {
    const reason_row *x = &r->reasons[i];
    reason_key(x, key, sizeof key);
    fputs("\"reason\",", out);
    csv_field(out, key);
    fputc(',', out);
    csv_field(out, x->display);
    fprintf(out, ",,,%ld,,,%.1f\n", x->n, pct(x->n, r->overridden));
  }
}

static void json_str(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20 || c == 0x7f) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

static void json_report(const report *r, FILE *out) {
  fprintf(out, "{\"served\":%ld,\"accepted\":%ld,\"overridden\":%ld,\"no_feedback\":%ld,\"feedback_entries\":%ld,"
               "\"cards_reported_more_than_once\":%ld,\"by_kind\":[",
          r->served, r->accepted, r->overridden, r->served - r->accepted - r->overridden, r->received, r->repeated);
  for (int i = 0; i < r->nk; i++) {
    const kind_row *k = &r->kinds[i];
    fputs(i ? ",{\"kind\":" : "{\"kind\":", out);
    json_str(out, k->kind);
    fprintf(out, ",\"served\":%ld,\"accepted\":%ld,\"overridden\":%ld,\"no_feedback\":%ld,\"accepted_pct\":%.1f,"
                 "\"overridden_pct\":%.1f}",
            k->served, k->accepted, k->overridden, k->served - k->accepted - k->overridden,
            pct(k->accepted, k->served), pct(k->overridden, k->served));
  }
  fputs("],\"by_reason\":[", out);
  for (int i = 0; i < r->nr; i++) {
    const reason_row *x = &r->reasons[i];
    fputs(i ? ",{\"system\":" : "{\"system\":", out);
    json_str(out, x->system);
    fputs(",\"code\":", out);
    json_str(out, x->code);
    fputs(",\"display\":", out);
    json_str(out, x->display);
    fprintf(out, ",\"overridden\":%ld,\"pct_of_overridden\":%.1f}", x->n, pct(x->n, r->overridden));
  }
  fputs("]}\n", out);
}

bool audit_report(audit_db *d, FILE *out, audit_format fmt, char *err, size_t errsz) {
  report r = {0};
  bool ok = read_report(d, &r, err, errsz);
  if (ok && !r.served) {
    if (err && errsz) snprintf(err, errsz, "%s: no cards served yet (an empty audit)", d->path);
    ok = false;
  }
  if (ok) {
    if (fmt == AUDIT_CSV) csv_report(&r, out);
    else if (fmt == AUDIT_JSON) json_report(&r, out);
    else text_report(&r, d->path, out);
  }
  report_free(&r);
  return ok;
}
