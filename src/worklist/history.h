/*
** history.h: the worklist's run history in SQLite (osteoplan worklist --db
** FILE, --changes), so a nurse sees what changed since the last run.
**
** The file is the nurse's working file: it holds names and MRNs, so it is
** created readable by its owner only (0600) and must be protected like the
** chart. Nothing here ever writes a name, an MRN or a patient id to a log or
** to stderr: error messages name the file and SQLite's message only.
**
** One run is ONE transaction: history_begin_run .. history_add_row* ..
** history_commit. Until the commit nothing of the run is visible; a run
** rolled back, or a process killed before the commit, leaves the previous
** runs exactly as they were (rollback journal, synchronous=FULL: see
** history.c for why not WAL).
**
** Codes are stored by name (op_code_name), never by index: indexes change
** between knowledge-base versions, names do not.
**
**   history *h;
**   char err[256];
**   if (!history_open("runs.db", &h, err, sizeof err)) { fprintf(stderr, "%s\n", err); ... }
**   if (!history_begin_run(h, &run, err, sizeof err)) ...
**   for each row: if (!history_add_row(h, &row, kb, err, sizeof err)) { history_rollback(h); ... }
**   if (!history_commit(h, &run_with_final_counts, err, sizeof err)) ...
**   history_close(h);
**
**   --changes:  history_open_readonly(path, &h, ...);
**               history_changes(h, kb, stdout, HISTORY_TEXT, err, sizeof err);
**
** Every function that can fail returns false and writes one line (no
** newline) to err (errsz bytes, may be 0 when err is NULL).
*/
#ifndef OSTEO_HISTORY_H
#define OSTEO_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "osteoplan.h"
#include "worklist.h"

typedef struct history history;

typedef enum { HISTORY_TEXT, HISTORY_CSV } history_format;

/* Opens the history at path, creating it (mode 0600, the schema) when it
** does not exist. Fails, with the path and the reason, when the file is not
** an osteoplan history (not a database, another application's database),
** was written by a newer osteoplan (schema version above ours), or cannot be
** created or written (read-only folder). */
bool history_open(const char *path, history **out, char *err, size_t errsz);

/* Opens an existing history read-only (for --changes): never creates the
** file, never changes it. */
bool history_open_readonly(const char *path, history **out, char *err, size_t errsz);

/* Starts a run (a transaction) with its metadata: run_at, as_of, kb_version
** and input must be non-NULL; the counts may be 0 here and given at the
** commit. Fails when a run is already open on h. */
bool history_begin_run(history *h, const worklist_run *run, char *err, size_t errsz);

/* Adds one row to the open run. kb names the codes (risk, action,
** first_agent, gaps), which are stored by name. A patient is matched
** between runs by patient_id, or by MRN when the row has no patient_id; a
** row with neither is kept but cannot be compared. Fails when the same
** patient is listed twice in one run (err gives the row's number in the run,
** never the patient). On failure the run stays open: roll it back. */
bool history_add_row(history *h, const worklist_row *row, const op_kb *kb, char *err, size_t errsz);

/* Commits the open run. final, when not NULL, gives the run's counts as they
** stand at the end (records, listed, not_listed, bad); the other fields
** are those given to history_begin_run. */
bool history_commit(history *h, const worklist_run *final, char *err, size_t errsz);

/* Abandons the open run (nothing of it stays); no-op when none is open. */
void history_rollback(history *h);

/* Closes h, rolling back a run still open. NULL is a no-op. */
void history_close(history *h);

/* How many (complete) runs the history holds. */
bool history_run_count(history *h, long *n, char *err, size_t errsz);

/* Writes what changed between the last two runs to out: patients new to the
** list and gone from it, new gaps, closed gaps, changed actions; each line
** with patient id, name and MRN, and the gap or the action before -> after,
** in the words of kb when kb is not NULL (codes a kb does not know, and
** every code when kb is NULL, are written as codes). HISTORY_CSV: a header
** line, then change,patient_id,name,mrn,item,before,after (formula-safe
** cells, CRLF). With fewer than two runs, says so (text) or writes the
** header alone (CSV). Fails on a database error or a failed write. */
bool history_changes(history *h, const op_kb *kb, FILE *out, history_format fmt, char *err, size_t errsz);

#endif
