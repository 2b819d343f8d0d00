/*
** sqlstore.c: see sqlstore.h.
*/
#include "sqlstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

bool sqlstore_fail(sqlite3 *db, const char *path, const char *what, char *err, size_t errsz) {
  if (err && errsz) snprintf(err, errsz, "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "out of memory");
  return false;
}

bool sqlstore_exec(sqlite3 *db, const char *path, const char *sql, const char *what, char *err, size_t errsz) {
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) return sqlstore_fail(db, path, what, err, errsz);
  return true;
}

bool sqlstore_query_int(sqlite3 *db, const char *path, const char *sql, sqlite3_int64 *v, const char *what, char *err,
                        size_t errsz) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return sqlstore_fail(db, path, what, err, errsz);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *v = sqlite3_column_int64(st, 0);
  bool ok = rc == SQLITE_ROW;
  if (!ok) sqlstore_fail(db, path, what, err, errsz);
  sqlite3_finalize(st); /* its code repeats the step's, reported above */
  return ok;
}

bool sqlstore_create_private(const char *path, char *err, size_t errsz) {
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

/* A new file gets the schema, its version and our application id in one
** transaction (IMMEDIATE: a second process creating it at the same moment
** waits, then finds it made). */
static bool create_schema(sqlite3 *db, const char *path, const sqlstore_kind *k, char *err, size_t errsz) {
  if (!sqlstore_exec(db, path, "BEGIN IMMEDIATE", "creating the schema", err, errsz)) return false;
  sqlite3_int64 version = 0, tables = 0;
  bool ok = sqlstore_query_int(db, path, "PRAGMA user_version", &version, "reading the schema version", err, errsz) &&
            sqlstore_query_int(db, path, "SELECT count(*) FROM sqlite_schema", &tables, "reading the schema", err, errsz);
  if (ok && version == 0 && tables == 0) {
    char pragmas[96];
    snprintf(pragmas, sizeof pragmas, "PRAGMA user_version=%d; PRAGMA application_id=%d", k->version, k->app_id);
    ok = sqlstore_exec(db, path, k->schema_sql, "creating the schema", err, errsz) &&
         sqlstore_exec(db, path, pragmas, "creating the schema", err, errsz);
  }
  if (ok) return sqlstore_exec(db, path, "COMMIT", "creating the schema", err, errsz);
  (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); /* the first error is the one reported */
  return false;
}

bool sqlstore_check(sqlite3 *db, const char *path, bool readonly, const sqlstore_kind *k, sqlite3_int64 *version,
                    char *err, size_t errsz) {
  sqlite3_int64 app = 0, tables = 0;
  *version = 0;
  if (!sqlstore_query_int(db, path, "PRAGMA user_version", version, "reading the schema version", err, errsz) ||
      !sqlstore_query_int(db, path, "PRAGMA application_id", &app, "reading the application id", err, errsz) ||
      !sqlstore_query_int(db, path, "SELECT count(*) FROM sqlite_schema", &tables, "reading the schema", err, errsz))
    return false;
  if (*version == 0 && tables == 0 && app == 0) {
    if (readonly) {
      if (err && errsz) snprintf(err, errsz, "%s: %s", path, k->empty);
      return false;
    }
    if (!create_schema(db, path, k, err, errsz)) return false;
    *version = k->version;
    return true;
  }
  if (app != k->app_id || *version <= 0) {
    if (err && errsz) snprintf(err, errsz, "%s: %s", path, k->foreign);
    return false;
  }
  if (*version > k->version) {
    if (err && errsz)
      snprintf(err, errsz, "%s: written by a newer osteoplan (schema version %lld; this one reads up to %d)", path,
               (long long)*version, k->version);
    return false;
  }
  return true;
}

bool sqlstore_journal(sqlite3 *db, const char *path, const char *mode, const char *hint, char *err, size_t errsz) {
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA journal_mode=%s", mode);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    return sqlstore_fail(db, path, "setting the journal mode", err, errsz);
  bool ok = sqlite3_step(st) == SQLITE_ROW;
  const unsigned char *got = ok ? sqlite3_column_text(st, 0) : NULL;
  if (!ok) sqlstore_fail(db, path, "setting the journal mode", err, errsz);
  else if (!got || strcasecmp((const char *)got, mode) != 0) {
    if (err && errsz)
      snprintf(err, errsz, "%s: the journal mode stays '%s', not '%s'%s", path, got ? (const char *)got : "?", mode,
               hint ? hint : "");
    ok = false;
  }
  sqlite3_finalize(st);
  return ok;
}
