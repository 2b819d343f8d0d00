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
  if (err && errsz) snprintf(err, errsz, "%s: %s: %s", h->path, what, h->db ? sqlite3_errmsg(h->db) : "out of memory");
  return false;
}

bool history_exec(history *h, const char *sql, const char *what, char *err, size_t errsz) {
  if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK) return history_fail(h, what, err, errsz);
  return true;
}

/* The single integer a PRAGMA or a count returns. */
static bool query_int(history *h, const char *sql, sqlite3_int64 *v, const char *what, char *err, size_t errsz) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) return history_fail(h, what, err, errsz);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *v = sqlite3_column_int64(st, 0);
  bool ok = rc == SQLITE_ROW;
  if (!ok) history_fail(h, what, err, errsz);
  sqlite3_finalize(st); /* its code repeats the step's, reported above */
  return ok;
}

/* The journal mode is per file and persists: set it (another tool may have
** left the file in WAL) and check what SQLite says it now is. */
static bool set_journal(history *h, char *err, size_t errsz) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(h->db, "PRAGMA journal_mode=DELETE", -1, &st, NULL) != SQLITE_OK)
    return history_fail(h, "setting the journal mode", err, errsz);
  bool ok = sqlite3_step(st) == SQLITE_ROW;
  const unsigned char *mode = ok ? sqlite3_column_text(st, 0) : NULL;
  if (!ok) history_fail(h, "setting the journal mode", err, errsz);
  else if (!mode || strcmp((const char *)mode, "delete") != 0) {
    if (err && errsz) snprintf(err, errsz, "%s: the journal mode stays '%s', not 'delete'", h->path, mode ? (const char *)mode : "?");
    ok = false;
  }
  sqlite3_finalize(st);
  return ok;
}

/* A new file gets the schema, its version and our application id in one
** transaction (IMMEDIATE: a second process creating it at the same moment
** waits, then finds it made). */
static bool create_schema(history *h, char *err, size_t errsz) {
  if (!history_exec(h, "BEGIN IMMEDIATE", "creating the schema", err, errsz)) return false;
  sqlite3_int64 version = 0, tables = 0;
  bool ok = query_int(h, "PRAGMA user_version", &version, "reading the schema version", err, errsz) &&
            query_int(h, "SELECT count(*) FROM sqlite_schema", &tables, "reading the schema", err, errsz);
  if (ok && version == 0 && tables == 0) {
    char pragmas[96];
    snprintf(pragmas, sizeof pragmas, "PRAGMA user_version=%d; PRAGMA application_id=%d", HISTORY_SCHEMA, HISTORY_APP_ID);
    ok = history_exec(h, schema_sql, "creating the schema", err, errsz) && history_exec(h, pragmas, "creating the schema", err, errsz);
  }
  if (ok) return history_exec(h, "COMMIT", "creating the schema", err, errsz);
  (void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL); /* the first error is the one reported */
  return false;
}

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

/* Ours, and a version we read? (First read of the file: a file that is not
** a database fails here with SQLite's "file is not a database".) */
static bool check_schema(history *h, char *err, size_t errsz) {
  sqlite3_int64 version = 0, app = 0, tables = 0;
  if (!query_int(h, "PRAGMA user_version", &version, "reading the schema version", err, errsz) ||
      !query_int(h, "PRAGMA application_id", &app, "reading the application id", err, errsz) ||
      !query_int(h, "SELECT count(*) FROM sqlite_schema", &tables, "reading the schema", err, errsz))
    return false;
  if (version == 0 && tables == 0 && app == 0) {
    if (!h->readonly) return create_schema(h, err, errsz);
    if (err && errsz) snprintf(err, errsz, "%s: holds no runs yet (an empty database)", h->path);
    return false;
  }
  if (app != HISTORY_APP_ID || version <= 0) {
    if (err && errsz) snprintf(err, errsz, "%s: not an osteoplan run history (another application's database)", h->path);
    return false;
  }
  if (version > HISTORY_SCHEMA) {
    if (err && errsz)
      snprintf(err, errsz, "%s: written by a newer osteoplan (schema version %lld; this one reads up to %d)", h->path,
               (long long)version, HISTORY_SCHEMA);
    return false;
  }
  h->version = (int)version;
  return version == HISTORY_SCHEMA || h->readonly || migrate(h, err, errsz);
}

/* Creates the file readable by its owner only before SQLite opens it (SQLite
** would create it with the umask's mode); SQLite gives its journal the
** file's mode. An existing file keeps its mode. */
static bool create_private(const char *path, char *err, size_t errsz) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return true;
    if (err && errsz) snprintf(err, errsz, "%s: cannot create: %s", path, strerror(errno));
    return false;
  }
  if (close(fd) != 0) {
    if (err && errsz) snprintf(err, errsz, "%s: cannot create: %s", path, strerror(errno));
    return false;
  }
  return true;
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
  return h->readonly || set_journal(h, err, errsz);
}

static bool open_history(const char *path, bool readonly, history **out, char *err, size_t errsz) {
  *out = NULL;
  if (readonly) {
    struct stat stbuf;
    if (stat(path, &stbuf) != 0) {
      if (err && errsz) snprintf(err, errsz, "%s: %s", path, strerror(errno));
      return false;
    }
  } else if (!create_private(path, err, errsz)) {
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
