/*
** history_write.c: one run into the history as one transaction:
** history_begin_run, history_add_row per row, history_commit (or
** history_rollback). Codes by name; the patient's key between runs made in
** SQL from the bound id and MRN; errors name the row by its place in the
** run, never by its content.
*/
#include <string.h>

#include "history_internal.h"

static bool bind_text(sqlite3_stmt *st, int i, const char *s) {
  return (s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i)) == SQLITE_OK;
}

static bool bind_counts(sqlite3_stmt *st, int first, const worklist_run *r) {
  return sqlite3_bind_int64(st, first, r->records) == SQLITE_OK &&
         sqlite3_bind_int64(st, first + 1, r->listed) == SQLITE_OK &&
         sqlite3_bind_int64(st, first + 2, r->not_listed) == SQLITE_OK &&
         sqlite3_bind_int64(st, first + 3, r->bad) == SQLITE_OK;
}

/* One statement run once: bound, stepped to DONE, reset. */
static bool step_done(history *h, sqlite3_stmt *st, const char *what, char *err, size_t errsz) {
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) {
    history_fail(h, what, err, errsz);
    (void)sqlite3_reset(st); /* repeats the step's code */
    return false;
  }
  return (sqlite3_reset(st) == SQLITE_OK && sqlite3_clear_bindings(st) == SQLITE_OK) ||
         history_fail(h, what, err, errsz);
}

static bool prepare(history *h, sqlite3_stmt **st, const char *sql, char *err, size_t errsz) {
  if (*st) return true;
  if (sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
    return history_fail(h, "preparing a statement", err, errsz);
  return true;
}

bool history_begin_run(history *h, const worklist_run *run, char *err, size_t errsz) {
  if (h->readonly || h->in_run || !run->run_at || !run->as_of || !run->kb_version || !run->input) {
    if (err && errsz)
      snprintf(err, errsz, "%s: %s", h->path,
               h->readonly ? "opened read-only" : h->in_run ? "a run is already open" : "a run needs its date, as_of, kb version and input");
    return false;
  }
  if (!prepare(h, &h->ins_row,
               "INSERT INTO patient_row (run_id, seq, patient_key, patient_id, name, mrn, age, sex, risk, action,"
               " first_agent, urgency, next_due, reason) VALUES (?1, ?2,"
               /* the patient's key between runs: the id, else the MRN */
               " CASE WHEN coalesce(?4, '') <> '' THEN 'id:' || ?4 WHEN coalesce(?6, '') <> '' THEN 'mrn:' || ?6 END,"
               " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
               err, errsz) ||
      !prepare(h, &h->ins_gap, "INSERT INTO gap (row_id, gap) VALUES (?1, ?2)", err, errsz) ||
      !prepare(h, &h->upd_run, "UPDATE run SET records=?2, listed=?3, not_listed=?4, bad=?5 WHERE id=?1", err, errsz))
    return false;
  /* IMMEDIATE: the write lock now, so a second writer waits (busy timeout)
  ** or fails here rather than after adding every row */
  if (!history_exec(h, "BEGIN IMMEDIATE", "starting a run", err, errsz)) return false;
  h->in_run = true;
  h->seq = 0;
  sqlite3_stmt *st = NULL;
  bool ok = sqlite3_prepare_v2(h->db,
                               "INSERT INTO run (run_at, as_of, kb_version, input, records, listed, not_listed, bad)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                               -1, &st, NULL) == SQLITE_OK &&
            bind_text(st, 1, run->run_at) && bind_text(st, 2, run->as_of) && bind_text(st, 3, run->kb_version) &&
            bind_text(st, 4, run->input) && bind_counts(st, 5, run);
  if (!ok) history_fail(h, "starting a run", err, errsz);
  ok = ok && step_done(h, st, "starting a run", err, errsz);
  sqlite3_finalize(st); /* repeats an error already reported */
  if (!ok) {
    history_rollback(h);
    return false;
  }
  h->run_id = sqlite3_last_insert_rowid(h->db);
  return true;
}

/* The row's gaps, one row each in `gap`, by name. */
static bool add_gaps(history *h, sqlite3_int64 row_id, unsigned long gaps, const op_kb *kb, char *err, size_t errsz) {
  for (int g = 0; g < (int)(sizeof gaps * 8); g++) {
    if (!(gaps >> g & 1UL)) continue;
    const char *name = op_code_name(kb, OP_CODE_GAP, g);
    if (!name) {
      if (err && errsz) snprintf(err, errsz, "%s: row %ld: care gap %d is not in the knowledge base", h->path, h->seq, g);
      return false;
    }
    if (sqlite3_bind_int64(h->ins_gap, 1, row_id) != SQLITE_OK || !bind_text(h->ins_gap, 2, name))
      return history_fail(h, "adding a row", err, errsz);
    if (!step_done(h, h->ins_gap, "adding a row", err, errsz)) return false;
  }
  return true;
}

/* The name of a code the row holds; NULL (and err) when the knowledge base
** does not have it. */
static const char *code_name(history *h, const op_kb *kb, op_code_kind kind, int code, const char *what, char *err,
                             size_t errsz) {
  const char *name = op_code_name(kb, kind, code);
  if (!name && err && errsz)
    snprintf(err, errsz, "%s: row %ld: %s code %d is not in the knowledge base", h->path, h->seq, what, code);
  return name;
}

static bool bind_row(history *h, const worklist_row *r, const op_kb *kb, char *err, size_t errsz) {
  const char *risk = code_name(h, kb, OP_CODE_RISK, r->risk, "risk", err, errsz);
  const char *action = risk ? code_name(h, kb, OP_CODE_ACTION, r->action, "action", err, errsz) : NULL;
  const char *agent = NULL;
  if (!action) return false;
  if (r->first_agent >= 0 && !(agent = code_name(h, kb, OP_CODE_AGENT, r->first_agent, "agent", err, errsz))) return false;
  sqlite3_stmt *st = h->ins_row;
  bool ok = sqlite3_bind_int64(st, 1, h->run_id) == SQLITE_OK && sqlite3_bind_int64(st, 2, h->seq) == SQLITE_OK &&
            bind_text(st, 4, r->patient_id) && bind_text(st, 5, r->name) && bind_text(st, 6, r->mrn) &&
            (r->age >= 0 ? sqlite3_bind_int(st, 7, r->age) : sqlite3_bind_null(st, 7)) == SQLITE_OK &&
            bind_text(st, 8, r->sex) && bind_text(st, 9, risk) && bind_text(st, 10, action) && bind_text(st, 11, agent) &&
            sqlite3_bind_int(st, 12, r->urgency) == SQLITE_OK && bind_text(st, 13, r->next_due[0] ? r->next_due : NULL) &&
            bind_text(st, 14, r->reason);
  return ok || history_fail(h, "adding a row", err, errsz);
}

bool history_add_row(history *h, const worklist_row *row, const op_kb *kb, char *err, size_t errsz) {
  if (!h->in_run) {
    if (err && errsz) snprintf(err, errsz, "%s: no run is open", h->path);
    return false;
  }
  h->seq++;
  if (!bind_row(h, row, kb, err, errsz)) {
    (void)sqlite3_clear_bindings(h->ins_row);
    return false;
  }
  int rc = sqlite3_step(h->ins_row);
  if (rc != SQLITE_DONE) {
    if (rc == SQLITE_CONSTRAINT_UNIQUE && err && errsz)
      snprintf(err, errsz, "%s: row %ld: a patient already listed in this run (the same id, or MRN)", h->path, h->seq);
    else
      history_fail(h, "adding a row", err, errsz);
    (void)sqlite3_reset(h->ins_row); /* repeats the step's code */
    (void)sqlite3_clear_bindings(h->ins_row);
    return false;
  }
  if (sqlite3_reset(h->ins_row) != SQLITE_OK || sqlite3_clear_bindings(h->ins_row) != SQLITE_OK)
    return history_fail(h, "adding a row", err, errsz);
  return add_gaps(h, sqlite3_last_insert_rowid(h->db), row->gaps, kb, err, errsz);
}

bool history_commit(history *h, const worklist_run *final, char *err, size_t errsz) {
  if (!h->in_run) {
    if (err && errsz) snprintf(err, errsz, "%s: no run is open", h->path);
    return false;
  }
  if (final) {
    if (sqlite3_bind_int64(h->upd_run, 1, h->run_id) != SQLITE_OK || !bind_counts(h->upd_run, 2, final)) {
      history_fail(h, "saving the run's counts", err, errsz);
      history_rollback(h);
      return false;
    }
    if (!step_done(h, h->upd_run, "saving the run's counts", err, errsz)) {
      history_rollback(h);
      return false;
    }
  }
  if (!history_exec(h, "COMMIT", "committing the run", err, errsz)) {
    history_rollback(h);
    return false;
  }
  h->in_run = false;
  return true;
}
