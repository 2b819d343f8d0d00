/*
** sqlstore.h: what the two SQLite files of osteoplan share, the worklist's
** run history (worklist/history.c) and the service's audit (audit/audit.c):
** a file created readable by its owner only, a schema made in one
** transaction and recognised by its application id and version, a journal
** mode set and checked, and errors that say the file, what was being done
** and SQLite's words (never a row's content).
*/
#ifndef OSTEO_SQLSTORE_H
#define OSTEO_SQLSTORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* A file kind: its schema and how its messages name it. */
typedef struct {
  const char *schema_sql; /* run once, in the transaction that creates the file */
  int version;            /* PRAGMA user_version this build writes and reads up to */
  int app_id;             /* PRAGMA application_id: tells our file from another application's */
  const char *empty;      /* the message for an empty database opened to read, after "PATH: " */
  const char *foreign;    /* the message for another application's database, after "PATH: " */
} sqlstore_kind;

/* "PATH: WHAT: SQLite's message" into err; returns false. */
bool sqlstore_fail(sqlite3 *db, const char *path, const char *what, char *err, size_t errsz);
/* Fixed SQL (no parameters); sqlstore_fail with what when it fails. */
bool sqlstore_exec(sqlite3 *db, const char *path, const char *sql, const char *what, char *err, size_t errsz);
/* The single integer a PRAGMA or a count returns. */
bool sqlstore_query_int(sqlite3 *db, const char *path, const char *sql, sqlite3_int64 *v, const char *what, char *err,
                        size_t errsz);
/* Creates path with mode 0600 when it does not exist (SQLite would use the
** umask's mode; its journal files take the file's). */
bool sqlstore_create_private(const char *path, char *err, size_t errsz);
/* Ours, and a version we read? An empty file is given the schema when
** writable, refused (k->empty) when read-only; another application's file,
** or one from a newer osteoplan, is refused. *version: the file's. The
** first read of the file: one that is not a database fails here. */
bool sqlstore_check(sqlite3 *db, const char *path, bool readonly, const sqlstore_kind *k, sqlite3_int64 *version,
                    char *err, size_t errsz);
/* Sets the journal mode (it persists in the file) and checks that SQLite
** took it ("delete", "wal"); why, when it did not (e.g. a network share). */
bool sqlstore_journal(sqlite3 *db, const char *path, const char *mode, const char *hint, char *err, size_t errsz);

#endif
