/*
** audit.h: the audit of the CDS Hooks service in SQLite (serve --audit-db
** FILE): every card served and every feedback on it (CDS Hooks 2.0
** POST /cds-services/{id}/feedback), so that `osteoplan audit --db FILE` can
** tell how often each kind of card is accepted or overridden, and why.
**
** No patient data: a card row holds when, which service, the card's id, its
** kind (the plan code that made it: "decision.start", "alert.X",
** "avoid.AGENT", ...) and the knowledge base's version; a feedback row the
** outcome, the override reason's Coding and the accepted suggestions' ids.
** The clinician's free-text userComment is never stored (it may name the
** patient), only whether there was one. The FHIR patient id is stored only
** when the database is opened with patient_ids (serve --audit-patient-ids).
**
** Thread-safe: one SQLite connection behind a mutex. A caller waits at most
** AUDIT_WAIT_MS for the mutex and for SQLite's lock (busy timeout); past
** that the write fails with a message and the caller goes on (the server
** still answers: see audit.c for the tradeoff).
**
** Every function that can fail returns false and writes one line (no
** newline) to err (errsz bytes; err may be NULL when errsz is 0). Messages
** name the file and SQLite's message, never a row's content.
*/
#ifndef OSTEO_AUDIT_H
#define OSTEO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct audit_db audit_db;

/* The longest a request waits for the audit (mutex, then SQLite's lock). */
enum { AUDIT_WAIT_MS = 250 };

/* Opens the audit at path for writing, creating it (mode 0600, the schema)
** when it does not exist. Fails on a file that is not an osteoplan audit,
** one from a newer osteoplan, or one that cannot be created or written. */
bool audit_open(const char *path, bool patient_ids, audit_db **out, char *err, size_t errsz);
/* Opens an existing audit read-only (osteoplan audit): never creates it. An
** empty database (no schema) is refused too. */
bool audit_open_readonly(const char *path, audit_db **out, char *err, size_t errsz);
void audit_close(audit_db *d);

/* One card of an answer. */
typedef struct {
  const char *card_id;     /* the card's uuid */
  const char *kind;        /* the plan code that made it */
  const char *suggestions; /* its suggestions' uuids, space-separated; "" none */
} audit_card;

/* The cards of one answer, written in one transaction. */
typedef struct {
  const char *served_at;  /* RFC 3339 UTC */
  const char *service;    /* the CDS service id */
  const char *kb_version;
  const char *patient_id; /* kept only when opened with patient_ids; may be NULL */
  const audit_card *cards;
  int n;
} audit_served;

bool audit_record_served(audit_db *d, const audit_served *s, char *err, size_t errsz);

/* A card served, as feedback needs it: its service and suggestions. */
typedef struct {
  char service[128];
  char suggestions[1024];
} audit_card_info;

typedef enum { AUDIT_FOUND, AUDIT_NOT_FOUND, AUDIT_FAILED } audit_lookup;

audit_lookup audit_find_card(audit_db *d, const char *card_id, audit_card_info *info, char *err, size_t errsz);

/* One feedback entry, checked by the caller. */
typedef struct {
  const char *card_id;
  bool accepted;                                       /* else overridden */
  const char *outcome_at;                              /* outcomeTimestamp, as sent */
  const char *reason_system, *reason_code, *reason_display; /* NULL: not given */
  bool user_comment;                                   /* a comment was given (its text is not kept) */
  const char *const *accepted_ids;
  int n_accepted;
} audit_feedback;

/* The n entries of one feedback request, in one transaction. */
bool audit_record_feedback(audit_db *d, const char *received_at, const audit_feedback *f, int n, char *err,
                           size_t errsz);

typedef enum { AUDIT_TEXT, AUDIT_CSV, AUDIT_JSON } audit_format;

/* The report of osteoplan audit: cards served, accepted and overridden per
** card kind and per override reason, cards with no feedback. A card's
** outcome is its latest feedback (by outcomeTimestamp, then arrival). */
bool audit_report(audit_db *d, FILE *out, audit_format fmt, char *err, size_t errsz);

#endif
