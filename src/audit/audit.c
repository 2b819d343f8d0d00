/*
** audit.c: opening the audit database and writing cards served and feedback
** into it (audit.h). The report is audit_report.c.
**
** Durability against latency: WAL with synchronous=NORMAL. A commit appends
** to the -wal file without an fsync (the sync happens at checkpoints), so a
** card written while the EHR waits for its answer costs a write(), not a
** disk flush. A process that dies loses nothing committed; a power cut may
** lose the last commits before the checkpoint. That is the tradeoff chosen:
** the audit is statistics about clinicians' answers, not the chart, and the
** CDS answer must not wait on a slow disk. WAL also lets `osteoplan audit`
** read while the server writes. (The worklist's history chose the other
** side, a rollback journal with FULL: see worklist/history.c.)
**
** Every wait is bounded: the connection's mutex is taken with a deadline of
** AUDIT_WAIT_MS, SQLite's busy timeout is the same, and a write that fails
** is rolled back and reported to the caller, which logs it and goes on.
**
** Every SQLite call's result is checked. SQL is fixed text with bound
** parameters.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_internal.h"
#include "sqlstore/sqlstore.h"

/* The schema this build writes and reads (PRAGMA user_version); a file with
** a higher one was written by a newer osteoplan and is refused. */
enum { AUDIT_SCHEMA = 1 };
/* PRAGMA application_id: "OSTA" (the run history is "OSTP"), so another
** application's database, or the worklist's, is told apart from ours. */
enum { AUDIT_APP_ID = 0x4f535441 };

/* A card per row of `card` (its suggestions' ids space-separated: they are
** only ever read back whole); a feedback entry per row of `feedback`; an
** accepted suggestion per row of `accepted_suggestion`. */
static const char schema_sql[] =
    "CREATE TABLE card ("
    " card_id TEXT PRIMARY KEY,"
    " served_at TEXT NOT NULL, service TEXT NOT NULL, kind TEXT NOT NULL, kb_version TEXT NOT NULL,"
    " suggestions TEXT NOT NULL,"
    " patient_id TEXT" /* NULL unless serve --audit-patient-ids */
    ") STRICT;"
    "CREATE TABLE feedback ("
    " id INTEGER PRIMARY KEY,"
    " received_at TEXT NOT NULL,"
    " card_id TEXT NOT NULL REFERENCES card(card_id),"
    " outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),"
    " outcome_at TEXT NOT NULL,"
    " reason_system TEXT, reason_code TEXT, reason_display TEXT,"
    " user_comment INTEGER NOT NULL" /* 1: the clinician wrote a comment; its text is not kept */
    ") STRICT;"
    "CREATE INDEX feedback_card ON feedback(card_id);"
    "CREATE TABLE accepted_suggestion ("
    " feedback_id INTEGER NOT NULL REFERENCES feedback(id),"
    " suggestion_id TEXT NOT NULL,"
    " PRIMARY KEY (feedback_id, suggestion_id)"
    ") STRICT, WITHOUT ROWID;";

bool audit_fail(const audit_db *d, const char *what, char *err, size_t errsz) {
  return sqlstore_fail(d->db, d->path, what, err, errsz);
}

static bool exec(audit_db *d, const char *sql, const char *what, char *err, size_t errsz) {
  return sqlstore_exec(d->db, d->path, sql, what, err, errsz);
}

static const sqlstore_kind audit_kind = {schema_sql, AUDIT_SCHEMA, AUDIT_APP_ID,
                                         "not an osteoplan audit (an empty database)",
                                         "not an osteoplan audit (another application's database)"};

static bool open_db(audit_db *d, char *err, size_t errsz) {
  /* read-write for the reader too (then query_only): a WAL reader may
  ** have to make the -shm file */
  if (sqlite3_open_v2(d->path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    return audit_fail(d, "cannot open", err, errsz);
  if (sqlite3_extended_result_codes(d->db, 1) != SQLITE_OK || sqlite3_busy_timeout(d->db, AUDIT_WAIT_MS) != SQLITE_OK)
    return audit_fail(d, "cannot open", err, errsz);
  if (!d->readonly && sqlite3_db_readonly(d->db, "main") != 0) {
    if (err && errsz) snprintf(err, errsz, "%s: cannot write: %s", d->path, strerror(EACCES));
    return false;
  }
  if (!exec(d, "PRAGMA foreign_keys=ON", "turning foreign keys on", err, errsz)) return false;
  sqlite3_int64 version = 0;
  if (!sqlstore_check(d->db, d->path, d->readonly, &audit_kind, &version, err, errsz)) return false;
  if (d->readonly) return exec(d, "PRAGMA query_only=ON", "opening read-only", err, errsz);
  return sqlstore_journal(d->db, d->path, "wal", " (a network share?)", err, errsz) && exec(d, "PRAGMA synchronous=NORMAL", "setting synchronous", err, errsz);
}

static bool open_audit(const char *path, bool readonly, bool patient_ids, audit_db **out, char *err, size_t errsz) {
  *out = NULL;
  if (readonly) {
    struct stat sb;
    if (stat(path, &sb) != 0) {
      if (err && errsz) snprintf(err, errsz, "%s: %s", path, strerror(errno));
      return false;
    }
  } else if (!sqlstore_create_private(path, err, errsz)) {
    return false;
  }
  audit_db *d = calloc(1, sizeof *d);
  char *p = strdup(path);
  if (!d || !p || pthread_mutex_init(&d->mu, NULL) != 0) {
    free(d);
    free(p);
    if (err && errsz) snprintf(err, errsz, "%s: out of memory", path);
    return false;
  }
  d->path = p;
  d->readonly = readonly;
  d->patient_ids = patient_ids;
  if (!open_db(d, err, errsz)) {
    audit_close(d);
    return false;
  }
  *out = d;
  return true;
}

bool audit_open(const char *path, bool patient_ids, audit_db **out, char *err, size_t errsz) {
  return open_audit(path, false, patient_ids, out, err, errsz);
}

bool audit_open_readonly(const char *path, audit_db **out, char *err, size_t errsz) {
  return open_audit(path, true, false, out, err, errsz);
}

void audit_close(audit_db *d) {
  if (!d) return;
  /* no statement outlives a call: close cannot find one open */
  if (d->db && sqlite3_close(d->db) != SQLITE_OK) (void)sqlite3_close_v2(d->db);
  pthread_mutex_destroy(&d->mu);
  free(d->path);
  free(d);
}

/* The connection's mutex, waited for at most AUDIT_WAIT_MS: a request never
** queues behind a stalled disk for longer. */
static bool lock(audit_db *d, char *err, size_t errsz) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += (long)AUDIT_WAIT_MS * 1000000L;
  ts.tv_sec += ts.tv_nsec / 1000000000L;
  ts.tv_nsec %= 1000000000L;
  int rc = pthread_mutex_timedlock(&d->mu, &ts);
  if (rc == 0) return true;
  if (err && errsz)
    snprintf(err, errsz, "%s: %s", d->path, rc == ETIMEDOUT ? "busy (another write is slow): not written" : strerror(rc));
  return false;
}

/* Binds a text or NULL; the statement's step reports a failure. */
static bool bind_text(sqlite3_stmt *st, int i, const char *s) {
  return (s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i)) == SQLITE_OK;
}

/* Ends a transaction: COMMIT when ok, else ROLLBACK (nothing of it stays). */
static bool finish(audit_db *d, bool ok, const char *what, char *err, size_t errsz) {
  if (ok && exec(d, "COMMIT", what, err, errsz)) return true;
  (void)sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL); /* fails only when SQLite already rolled back */
  return false;
}

static bool insert_cards(audit_db *d, const audit_served *s, char *err, size_t errsz) {
  static const char sql[] = "INSERT INTO card (card_id, served_at, service, kind, kb_version, suggestions, patient_id)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) return audit_fail(d, "writing a card", err, errsz);
  bool ok = true;
  for (int i = 0; ok && i < s->n; i++) {
    const audit_card *c = &s->cards[i];
    ok = sqlite3_reset(st) == SQLITE_OK && bind_text(st, 1, c->card_id) && bind_text(st, 2, s->served_at) &&
         bind_text(st, 3, s->service) && bind_text(st, 4, c->kind) && bind_text(st, 5, s->kb_version) &&
         bind_text(st, 6, c->suggestions ? c->suggestions : "") &&
         bind_text(st, 7, d->patient_ids ? s->patient_id : NULL) && sqlite3_step(st) == SQLITE_DONE;
    if (!ok) audit_fail(d, "writing a card", err, errsz);
  }
  sqlite3_finalize(st);
  return ok;
}

bool audit_record_served(audit_db *d, const audit_served *s, char *err, size_t errsz) {
  if (!s->n) return true;
  if (!lock(d, err, errsz)) return false;
  bool ok = exec(d, "BEGIN IMMEDIATE", "writing the cards", err, errsz);
  if (ok) ok = finish(d, insert_cards(d, s, err, errsz), "writing the cards", err, errsz);
  pthread_mutex_unlock(&d->mu);
  return ok;
}

audit_lookup audit_find_card(audit_db *d, const char *card_id, audit_card_info *info, char *err, size_t errsz) {
  if (!lock(d, err, errsz)) return AUDIT_FAILED;
  sqlite3_stmt *st = NULL;
  audit_lookup r = AUDIT_FAILED;
  if (sqlite3_prepare_v2(d->db, "SELECT service, suggestions FROM card WHERE card_id = ?", -1, &st, NULL) != SQLITE_OK ||
      !bind_text(st, 1, card_id)) {
    audit_fail(d, "reading a card", err, errsz);
  } else {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const unsigned char *sv = sqlite3_column_text(st, 0), *sg = sqlite3_column_text(st, 1);
      snprintf(info->service, sizeof info->service, "%s", sv ? (const char *)sv : "");
      snprintf(info->suggestions, sizeof info->suggestions, "%s", sg ? (const char *)sg : "");
      r = AUDIT_FOUND;
    } else if (rc == SQLITE_DONE) {
      r = AUDIT_NOT_FOUND;
    } else {
      audit_fail(d, "reading a card", err, errsz);
    }
  }
  sqlite3_finalize(st);
  pthread_mutex_unlock(&d->mu);
  return r;
}

static bool insert_feedback(audit_db *d, const char *at, const audit_feedback *f, char *err, size_t errsz) {
  static const char sql[] =
      "INSERT INTO feedback (received_at, card_id, outcome, outcome_at, reason_system, reason_code, reason_display,"
      " user_comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *st = NULL, *sg = NULL;
  bool ok = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(d->db, "INSERT OR IGNORE INTO accepted_suggestion VALUES (?, ?)", -1, &sg, NULL) ==
                SQLITE_OK &&
            bind_text(st, 1, at) && bind_text(st, 2, f->card_id) &&
            bind_text(st, 3, f->accepted ? "accepted" : "overridden") && bind_text(st, 4, f->outcome_at) &&
            bind_text(st, 5, f->reason_system) && bind_text(st, 6, f->reason_code) &&
            bind_text(st, 7, f->reason_display) && sqlite3_bind_int(st, 8, f->user_comment) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_DONE;
  sqlite3_int64 id = sqlite3_last_insert_rowid(d->db);
  for (int k = 0; ok && k < f->n_accepted; k++)
    ok = sqlite3_reset(sg) == SQLITE_OK && sqlite3_bind_int64(sg, 1, id) == SQLITE_OK &&
         bind_text(sg, 2, f->accepted_ids[k]) && sqlite3_step(sg) == SQLITE_DONE;
  if (!ok) audit_fail(d, "writing feedback", err, errsz);
  sqlite3_finalize(st);
  sqlite3_finalize(sg);
  return ok;
}

bool audit_record_feedback(audit_db *d, const char *received_at, const audit_feedback *f, int n, char *err,
                           size_t errsz) {
  if (!lock(d, err, errsz)) return false;
  bool ok = exec(d, "BEGIN IMMEDIATE", "writing feedback", err, errsz), wrote = ok;
  for (int i = 0; ok && i < n; i++) ok = insert_feedback(d, received_at, &f[i], err, errsz);
  if (wrote) ok = finish(d, ok, "writing feedback", err, errsz);
  pthread_mutex_unlock(&d->mu);
  return ok;
}
