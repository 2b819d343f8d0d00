/*
** history.c: opening the run history and writing one run into it as one
** transaction (history.h). Writing a run is history_write.c, reading two
** runs back history_changes.c.
**
** Durability: a rollback journal (journal_mode=DELETE) with
** synchronous=FULL, not WAL. Both commit atomically and survive a killed
** process and, with FULL, a power cut; the rollback journal was chosen
** because the file is a nurse's working file: at rest it is ONE file (no
** -wal/-shm beside it holding committed runs that a copy of the .db alone
** would lose), and it works where WAL does not, on a network share (WAL
** needs shared memory between processes on one host). WAL's strength, readers
** beside a writer, is not needed by a monthly run. A run killed mid-write
** leaves a hot journal that the next opener (reader or writer) rolls back.
**
** Every SQLite call's result is checked; errors name the file and SQLite's
** message, never a row's content. SQL is fixed text with bound parameters.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history_internal.h"
#include "sqlstore/sqlstore.h"

/* The schema this build writes and reads (PRAGMA user_version); a file with
** a higher one was written by a newer osteoplan and is refused. Version 1
** called run.not_listed out_of_scope (it counts every record not listed:
** out of scope or in scope with no care gap); a version 1 file is moved to
** 2 when it is opened for writing, and read as it is otherwise. */
enum { HISTORY_SCHEMA = 2 };
/* PRAGMA application_id: "OSTP", so another application's database is told
** apart from ours. */
enum { HISTORY_APP_ID = 0x4f535450 };
/* How long to wait for another process's lock before failing (ms). */
enum { HISTORY_BUSY_MS = 5000 };

/* One run per row of `run`; one listed patient per row of `patient_row`
** (codes by name); one care gap per row of `gap`, so the changes between
** two runs are set differences on (patient_key, gap). A run is only ever
** written inside one transaction, so every run in the file is complete. */
static const char schema_sql[] =
    "CREATE TABLE run ("
    " id INTEGER PRIMARY KEY,"
    " run_at TEXT NOT NULL, as_of TEXT NOT NULL, kb_version TEXT NOT NULL, input TEXT NOT NULL,"
    " records INTEGER NOT NULL, listed INTEGER NOT NULL, not_listed INTEGER NOT NULL, bad INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE patient_row ("
    " id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"   /* place on the list, 1 = most urgent */
    " patient_key TEXT,"       /* 'id:'||patient_id, else 'mrn:'||mrn, else NULL */
    " patient_id TEXT, name TEXT, mrn TEXT, age INTEGER, sex TEXT,"
    " risk TEXT NOT NULL, action TEXT NOT NULL, first_agent TEXT,"
    " urgency INTEGER NOT NULL, next_due TEXT, reason TEXT,"
    " UNIQUE (run_id, patient_key), UNIQUE (run_id, seq)"
    ") STRICT;"
    "CREATE TABLE gap ("
    " row_id INTEGER NOT NULL REFERENCES patient_row(id) ON DELETE CASCADE,"
    " gap TEXT NOT NULL,"
    " PRIMARY KEY (row_id, gap)"
    ") STRICT, WITHOUT ROWID;";

bool history_fail(const history *h, const char *what, char *err, size_t errsz) {
  return sqlstore_fail(h->db, h->path, what, err, errsz);
}

bool history_exec(history *h, const char *sql, const char *what, char *err, size_t errsz) {
  return sqlstore_exec(h->db, h->path, sql, what, err, errsz);
}

static bool query_int(history *h, const char *sql, sqlite3_int64 *v, const char *what, char *err, size_t errsz) {
  return sqlstore_query_int(h->db, h->path, sql, v, what, err, errsz);
}

static const sqlstore_kind history_kind = {schema_sql, HISTORY_SCHEMA, HISTORY_APP_ID,
                                           "holds no runs yet (an empty database)",
                                           "not an osteoplan run history (another application's database)"};

/* Version 1 to 2 (the column's new name), in one transaction; another
** process may have moved it first, so the version is read again inside. */
static bool migrate(history *h, char *err, size_t errsz) {
  if (!history_exec(h, "BEGIN IMMEDIATE", "moving to schema version 2", err, errsz)) return false;
  sqlite3_int64 version = 0;
  bool ok = query_int(h, "PRAGMA user_version", &version, "reading the schema version", err, errsz);
  if (ok && version == 1)
    ok = history_exec(h, "ALTER TABLE run RENAME COLUMN out_of_scope TO not_listed; PRAGMA user_version=2",
                      "moving to schema version 2", err, errsz);
  if (ok && history_exec(h, "COMMIT", "moving to schema version 2", err, errsz)) {
    h->version = HISTORY_SCHEMA;
    return true;
  }
  (void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL); /* the first error is the one reported */
  return false;
}

/* Ours, and a version we read (sqlstore_check)? A version 1 file is moved
** to 2 when opened for writing. */
static bool check_schema(history *h, char *err, size_t errsz) {
  sqlite3_int64 version = 0;
  if (!sqlstore_check(h->db, h->path, h->readonly, &history_kind, &version, err, errsz)) return false;
  h->version = (int)version;
  return version == HISTORY_SCHEMA || h->readonly || migrate(h, err, errsz);
}

static bool open_db(history *h, char *err, size_t errsz) {
  /* Read-write even for the reader of --changes (which then sets
  ** query_only): after a killed run only a writable connection can roll the
  ** hot journal back; SQLite opens a write-protected file read-only. */
  if (sqlite3_open_v2(h->path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    return history_fail(h, "cannot open", err, errsz);
  if (sqlite3_extended_result_codes(h->db, 1) != SQLITE_OK || sqlite3_busy_timeout(h->db, HISTORY_BUSY_MS) != SQLITE_OK)
    return history_fail(h, "cannot open", err, errsz);
  if (h->readonly && !history_exec(h, "PRAGMA query_only=ON", "opening read-only", err, errsz)) return false;
  if (!h->readonly && sqlite3_db_readonly(h->db, "main") != 0) {
    if (err && errsz) snprintf(err, errsz, "%s: cannot write: %s", h->path, strerror(EACCES));
    return false;
  }
  if (!history_exec(h, "PRAGMA foreign_keys=ON", "turning foreign keys on", err, errsz)) return false;
  /* FULL: the journal is synced before the file changes, so a power cut
  ** mid-commit cannot leave half a run (NORMAL may, in rollback mode). */
  if (!history_exec(h, "PRAGMA synchronous=FULL", "setting synchronous", err, errsz)) return false;
  if (!check_schema(h, err, errsz)) return false;
  return h->readonly || sqlstore_journal(h->db, h->path, "delete", NULL, err, errsz);
}

static bool open_history(const char *path, bool readonly, history **out, char *err, size_t errsz) {
  *out = NULL;
  if (readonly) {
    struct stat stbuf;
    if (stat(path, &stbuf) != 0) {
      if (err && errsz) snprintf(err, errsz, "%s: %s", path, strerror(errno));
      return false;
    }
  } else if (!sqlstore_create_private(path, err, errsz)) {
    return false;
  }
  history *h = calloc(1, sizeof *h);
  char *p = strdup(path);
  if (!h || !p) {
    free(h);
    free(p);
    if (err && errsz) snprintf(err, errsz, "%s: out of memory", path);
    return false;
  }
  h->path = p;
  h->readonly = readonly;
  if (!open_db(h, err, errsz)) {
    history_close(h);
    return false;
  }
  *out = h;
  return true;
}

bool history_open(const char *path, history **out, char *err, size_t errsz) {
  return open_history(path, false, out, err, errsz);
}

bool history_open_readonly(const char *path, history **out, char *err, size_t errsz) {
  return open_history(path, true, out, err, errsz);
}

static void finalize_all(history *h) {
  sqlite3_finalize(h->ins_row); /* finalizing returns the last step's code, already handled */
  sqlite3_finalize(h->ins_gap);
  sqlite3_finalize(h->upd_run);
  h->ins_row = h->ins_gap = h->upd_run = NULL;
}

void history_close(history *h) {
  if (!h) return;
  history_rollback(h);
  finalize_all(h);
  /* sqlite3_close fails only with statements left open: none are */
  if (h->db && sqlite3_close(h->db) != SQLITE_OK) (void)sqlite3_close_v2(h->db);
  free(h->path);
  free(h);
}

void history_rollback(history *h) {
  if (!h || !h->in_run) return;
  h->in_run = false;
  /* fails only when no transaction is open (SQLite rolled it back itself
  ** after an I/O error): either way nothing of the run stays */
  (void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
}

bool history_run_count(history *h, long *n, char *err, size_t errsz) {
  sqlite3_int64 v = 0;
  if (!query_int(h, "SELECT count(*) FROM run", &v, "counting the runs", err, errsz)) return false;
  *n = (long)v;
  return true;
}
