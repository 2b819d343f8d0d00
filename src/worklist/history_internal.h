/*
** history_internal.h: what history.c (opening, writing a run) and
** history_changes.c (reading two runs) share. Not for other callers.
*/
#ifndef OSTEO_HISTORY_INTERNAL_H
#define OSTEO_HISTORY_INTERNAL_H

#include <sqlite3.h>

#include "history.h"

struct history {
  sqlite3 *db;
  char *path; /* for error messages: the file, never its content */
  bool readonly;
  int version; /* the file's schema (PRAGMA user_version): 1 only when read-only (history.c moves it to 2) */
  bool in_run;
  sqlite3_int64 run_id;
  long seq; /* rows added to the open run */
  sqlite3_stmt *ins_row, *ins_gap, *upd_run;
};

/* "PATH: WHAT: SQLite's message" into err; returns false. */
bool history_fail(const history *h, const char *what, char *err, size_t errsz);

/* Runs fixed SQL (no parameters); history_fail with what when it fails. */
bool history_exec(history *h, const char *sql, const char *what, char *err, size_t errsz);

#endif
