/*
** history_changes.c: what changed between the last two runs of the history
** (osteoplan worklist --db FILE --changes), as text or CSV.
**
** Every change is one row of one query: set differences between the two
** runs on the patient's key (patients new to the list, gone from it) and on
** (patient, gap) (new gaps, closed gaps), and the action compared by name.
** Names and MRNs go to the output the nurse asked for, nowhere else.
*/
#include <errno.h>
#include <string.h>

#include "history_internal.h"
#include "kb/kb.h"
#include "util/ctlchar.h"

enum { CH_NEW, CH_GONE, CH_NEW_GAP, CH_CLOSED_GAP, CH_ACTION, CH_N };

/* Columns: 0 kind, 1 seq, 2 patient_id, 3 name, 4 mrn, 5 item order,
** 6 item ('action' or 'gap'), 7 before, 8 after. ?1 the earlier run, ?2
** the later. A gone patient is placed by the earlier run's order, every
** other by the later's; a patient's gaps come most urgent first, as on the
** worklist (gap_rank, registered from the knowledge base below). */
static const char changes_sql[] =
    "WITH c AS (SELECT * FROM patient_row WHERE run_id = ?2 AND patient_key IS NOT NULL),"
    " p AS (SELECT * FROM patient_row WHERE run_id = ?1 AND patient_key IS NOT NULL),"
    " b AS (SELECT c.id AS cid, p.id AS pid, c.seq, c.patient_id, c.name, c.mrn, p.action AS pa, c.action AS ca"
    "       FROM c JOIN p ON p.patient_key = c.patient_key),"
    " n AS (SELECT * FROM c WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.patient_key = c.patient_key)),"
    " o AS (SELECT * FROM p WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.patient_key = p.patient_key))"
    " SELECT * FROM ("
    " SELECT 0 AS kind, seq, patient_id, name, mrn, 0 AS ord, 'action' AS item, NULL AS before, action AS after FROM n"
    " UNION ALL SELECT 0, n.seq, n.patient_id, n.name, n.mrn, 1, 'gap', NULL, g.gap FROM n JOIN gap g ON g.row_id = n.id"
    " UNION ALL SELECT 1, seq, patient_id, name, mrn, 0, 'action', action, NULL FROM o"
    " UNION ALL SELECT 1, o.seq, o.patient_id, o.name, o.mrn, 1, 'gap', g.gap, NULL FROM o JOIN gap g ON g.row_id = o.id"
    " UNION ALL SELECT 2, b.seq, b.patient_id, b.name, b.mrn, 1, 'gap', NULL, g.gap FROM b JOIN gap g ON g.row_id = b.cid"
    "   WHERE NOT EXISTS (SELECT 1 FROM gap x WHERE x.row_id = b.pid AND x.gap = g.gap)"
    " UNION ALL SELECT 3, b.seq, b.patient_id, b.name, b.mrn, 1, 'gap', g.gap, NULL FROM b JOIN gap g ON g.row_id = b.pid"
    "   WHERE NOT EXISTS (SELECT 1 FROM gap x WHERE x.row_id = b.cid AND x.gap = g.gap)"
    " UNION ALL SELECT 4, seq, patient_id, name, mrn, 0, 'action', pa, ca FROM b WHERE pa <> ca"
    ") ORDER BY kind, seq, ord, gap_rank(item, coalesce(after, before)), before, after";

static const char *const change_csv[CH_N] = {"new on the list", "gone from the list", "new gap", "closed gap",
                                             "action changed"};
static const char *const change_heading[CH_N] = {"New on the list", "Gone from the list", "New gaps", "Closed gaps",
                                                 "Action changed"};

/* The clinician's words for a code by name, from kb; the code itself when
** there is no kb, the kb does not know the name (another version), or the
** words are a template to fill (never an unfilled placeholder). */
static const char *words(const op_kb *kb, const char *item, const char *code) {
  if (!kb || !code) return code;
  bool gap = strcmp(item, "gap") == 0;
  op_code_kind kind = gap ? OP_CODE_GAP : OP_CODE_ACTION;
  for (int i = 0, n = op_code_count(kb, kind); i < n; i++) {
    const char *name = op_code_name(kb, kind, i);
    if (!name || strcmp(name, code) != 0) continue;
    const char *w = gap ? kb->gaps[i].clinician : kb->action[i].clinician;
    return w && *w && !strchr(w, '{') ? w : code;
  }
  return code;
}

static void put_file(void *ctx, const char *p, size_t n) { fwrite(p, 1, n, (FILE *)ctx); }

/* Text from the database: control characters as visible escapes (a name is
** data; a terminal would take ESC as a command). */
static void put_text(FILE *out, const char *s) { ctl_write(s, put_file, out); }

/* A CSV cell a spreadsheet opens as text: quoted when it holds a comma, a
** quote or a line break, a single quote first when it would be a formula
** (= + - @ tab CR after spaces), control characters as escapes. */
static void put_csv(FILE *out, const char *s) {
  const char *t = s;
  while (*t == ' ') t++;
  bool formula = *t && strchr("=+-@\t\r", *t);
  bool quote = formula || strpbrk(s, ",\"\r\n");
  if (quote) fputs(formula ? "\"'" : "\"", out);
  for (; *s; s++) {
    unsigned cp;
    size_t c = ctl_at(s, &cp);
    if (c) {
      char name[7];
      ctl_name(cp, name);
      fputs(name, out);
      s += c - 1;
    } else if (*s == '"') {
      fputs("\"\"", out);
    } else {
      fputc(*s, out);
    }
  }
  if (quote) fputc('"', out);
}

static const char *col(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  return s ? (const char *)s : "";
}

static void csv_line(FILE *out, sqlite3_stmt *st, int kind, const op_kb *kb) {
  const char *item = col(st, 6);
  fputs(change_csv[kind], out);
  for (int i = 2; i <= 4; i++) {
    fputc(',', out);
    put_csv(out, col(st, i));
  }
  fputc(',', out);
  fputs(item, out);
  for (int i = 7; i <= 8; i++) {
    fputc(',', out);
    if (sqlite3_column_type(st, i) != SQLITE_NULL) put_csv(out, words(kb, item, col(st, i)));
  }
  fputs("\r\n", out);
}

/* The text form groups a patient's changes of one kind on one line. */
typedef struct {
  int kind;        /* of the open line, -1 before the first */
  long seq;        /* of the open line */
  int last_order;  /* item order last written on the line, -1 at its start */
  long count[CH_N]; /* patients per kind */
} text_state;

static void text_fact(FILE *out, text_state *ts, sqlite3_stmt *st, const op_kb *kb) {
  int kind = sqlite3_column_int(st, 0), order = sqlite3_column_int(st, 5);
  long seq = (long)sqlite3_column_int64(st, 1);
  if (kind != ts->kind || seq != ts->seq) {
    if (ts->kind >= 0) fputc('\n', out);
    if (kind != ts->kind) fprintf(out, "%s:\n", change_heading[kind]);
    ts->kind = kind, ts->seq = seq, ts->last_order = -1, ts->count[kind]++;
    fputs("  ", out);
    for (int i = 2; i <= 4; i++) {
      if (i > 2) fputs(i == 4 ? " | MRN " : " | ", out);
      put_text(out, sqlite3_column_type(st, i) == SQLITE_NULL ? "-" : col(st, i));
    }
  }
  const char *item = col(st, 6);
  const char *before = sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL : words(kb, item, col(st, 7));
  const char *after = sqlite3_column_type(st, 8) == SQLITE_NULL ? NULL : words(kb, item, col(st, 8));
  if (order == ts->last_order) fputs("; ", out); /* gap words hold commas */
  else if (kind == CH_NEW) fputs(order ? " | gaps: " : " | action: ", out);
  else if (kind == CH_GONE) fputs(order ? " | gaps were: " : " | action was: ", out);
  else fputs(" | ", out);
  ts->last_order = order;
  if (before) put_text(out, before);
  if (before && after) fputs(" -> ", out);
  if (after) put_text(out, after);
}

/* The last two runs' ids (ids grow with every commit; the caller's clock
** may not). n: how many there are (0, 1 or 2). */
static bool last_two(history *h, sqlite3_int64 id[2], int *n, char *err, size_t errsz) {
  sqlite3_stmt *st = NULL;
  *n = 0;
  if (sqlite3_prepare_v2(h->db, "SELECT id FROM run ORDER BY id DESC LIMIT 2", -1, &st, NULL) != SQLITE_OK)
    return history_fail(h, "reading the runs", err, errsz);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) id[(*n)++] = sqlite3_column_int64(st, 0);
  bool ok = rc == SQLITE_DONE || history_fail(h, "reading the runs", err, errsz);
  sqlite3_finalize(st);
  return ok;
}

/* One run's metadata on one line of the text form. */
static bool describe_run(history *h, FILE *out, const char *label, sqlite3_int64 id, char *err, size_t errsz) {
  sqlite3_stmt *st = NULL;
  /* schema 1 named not_listed out_of_scope (history.c) */
  const char *sql = h->version == 1 ? "SELECT run_at, as_of, kb_version, input, records, listed, out_of_scope, bad,"
                                      " (SELECT count(*) FROM patient_row WHERE run_id = ?1 AND patient_key IS NULL)"
                                      " FROM run WHERE id = ?1"
                                    : "SELECT run_at, as_of, kb_version, input, records, listed, not_listed, bad,"
                                      " (SELECT count(*) FROM patient_row WHERE run_id = ?1 AND patient_key IS NULL)"
                                      " FROM run WHERE id = ?1";
  if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK ||
      sqlite3_bind_int64(st, 1, id) != SQLITE_OK) {
    sqlite3_finalize(st);
    return history_fail(h, "reading a run", err, errsz);
  }
  bool ok = sqlite3_step(st) == SQLITE_ROW;
  if (ok) {
    /* no --as-of: each record was planned for its own date */
    const char *as_of = *col(st, 1) ? col(st, 1) : "each record's own date";
    fprintf(out, "%s run %lld on %s (as of %s, knowledge base %s, input ", label, (long long)id, col(st, 0), as_of,
            col(st, 2));
    put_text(out, col(st, 3));
    fprintf(out, "): %lld records, %lld listed, %lld not listed (out of scope or no care gap), %lld not read",
            sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6),
            sqlite3_column_int64(st, 7));
    if (sqlite3_column_int64(st, 8))
      fprintf(out, "; %lld listed without an id or MRN, not compared", sqlite3_column_int64(st, 8));
    fputc('\n', out);
  } else {
    history_fail(h, "reading a run", err, errsz);
  }
  sqlite3_finalize(st);
  return ok;
}

/* gap_rank(item, code): a gap's place in the knowledge base's urgency
** order ([worklist] urgency in gaps.ini: 0 most urgent); the number of gaps
** for a gap this knowledge base does not know (another version) and for
** every action, which sorts them after by name. */
static void gap_rank(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const op_kb *kb = sqlite3_user_data(ctx);
  const unsigned char *item = sqlite3_value_text(argv[0]), *code = argc > 1 ? sqlite3_value_text(argv[1]) : NULL;
  int rank = kb ? kb->n_gaps : 0;
  if (kb && item && code && !strcmp((const char *)item, "gap"))
    for (int g = 0; g < kb->n_gaps; g++)
      if (!strcmp(kb->gaps[g].code, (const char *)code)) rank = kb->gap_urgency[g];
  sqlite3_result_int(ctx, rank);
}

static bool write_changes(history *h, const op_kb *kb, FILE *out, history_format fmt, const sqlite3_int64 id[2],
                          char *err, size_t errsz) {
  sqlite3_stmt *st = NULL;
  /* the connection's own function, with this call's kb (no kb: every rank 0, the order by name) */
  if (sqlite3_create_function(h->db, "gap_rank", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, (void *)kb, gap_rank, NULL,
                              NULL) != SQLITE_OK)
    return history_fail(h, "reading the changes", err, errsz);
  if (sqlite3_prepare_v2(h->db, changes_sql, -1, &st, NULL) != SQLITE_OK || sqlite3_bind_int64(st, 1, id[1]) != SQLITE_OK ||
      sqlite3_bind_int64(st, 2, id[0]) != SQLITE_OK) {
    sqlite3_finalize(st);
    return history_fail(h, "reading the changes", err, errsz);
  }
  text_state ts = {.kind = -1};
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int kind = sqlite3_column_int(st, 0);
    if (kind < 0 || kind >= CH_N) continue; /* the query makes 0..4 only */
    if (fmt == HISTORY_CSV) csv_line(out, st, kind, kb);
    else text_fact(out, &ts, st, kb);
  }
  bool ok = rc == SQLITE_DONE || history_fail(h, "reading the changes", err, errsz);
  sqlite3_finalize(st);
  if (!ok || fmt == HISTORY_CSV) return ok;
  if (ts.kind >= 0) fputc('\n', out);
  fprintf(out, "%ld new on the list, %ld gone from it, %ld with new gaps, %ld with closed gaps, %ld with a changed action\n",
          ts.count[CH_NEW], ts.count[CH_GONE], ts.count[CH_NEW_GAP], ts.count[CH_CLOSED_GAP], ts.count[CH_ACTION]);
  return true;
}

static bool changes_in(history *h, const op_kb *kb, FILE *out, history_format fmt, char *err, size_t errsz) {
  sqlite3_int64 id[2];
  int n = 0;
  if (!last_two(h, id, &n, err, errsz)) return false;
  if (fmt == HISTORY_CSV) fputs("change,patient_id,name,mrn,item,before,after\r\n", out);
  if (n < 2) {
    if (fmt == HISTORY_TEXT) fprintf(out, "No earlier run to compare with: %d run(s) in the history.\n", n);
    return true;
  }
  if (fmt == HISTORY_TEXT &&
      !(describe_run(h, out, "Before:", id[1], err, errsz) && describe_run(h, out, "Now:   ", id[0], err, errsz)))
    return false;
  return write_changes(h, kb, out, fmt, id, err, errsz);
}

bool history_changes(history *h, const op_kb *kb, FILE *out, history_format fmt, char *err, size_t errsz) {
  /* the open run would count as the last one before it is complete */
  if (h->in_run) {
    if (err && errsz) snprintf(err, errsz, "%s: a run is open: commit it before reading the changes", h->path);
    return false;
  }
  /* one read transaction: both runs and their rows as of one moment, even
  ** if another process commits a run meanwhile */
  if (sqlite3_exec(h->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return history_fail(h, "reading the changes", err, errsz);
  bool ok = changes_in(h, kb, out, fmt, err, errsz);
  (void)sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL); /* a read transaction: ending it cannot lose anything */
  if (!ok) return false;
  if (fflush(out) != 0 || ferror(out)) {
    if (err && errsz) snprintf(err, errsz, "writing the changes: %s", strerror(errno ? errno : EIO));
    return false;
  }
  return true;
}
