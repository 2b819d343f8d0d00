/*
** audit_internal.h: what audit.c (opening, writing) and audit_report.c
** (osteoplan audit's report) share. Not for other callers.
*/
#ifndef OSTEO_AUDIT_INTERNAL_H
#define OSTEO_AUDIT_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "audit.h"

struct audit_db {
  sqlite3 *db;
  char *path; /* for error messages: the file, never its content */
  bool readonly;
  bool patient_ids; /* keep the FHIR patient id of a card (off by default) */
  pthread_mutex_t mu; /* one connection, one user at a time */
};

/* "PATH: WHAT: SQLite's message" into err; returns false. */
bool audit_fail(const audit_db *d, const char *what, char *err, size_t errsz);

#endif
