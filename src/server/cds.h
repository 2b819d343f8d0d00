/*
** cds.h: the CDS Hooks 2.0 services of spec/ehr.md, as pure functions of a
** request body: discovery, patient-view cards, order-sign cards and the plain
** /api/assess. No sockets here: server.c does HTTP, authentication and the
** clock; fetching missing prefetch goes through a callback so that tests
** and the server can supply it.
*/
#ifndef OSTEO_CDS_H
#define OSTEO_CDS_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"
#include "kb/kb.h"
#include "util/arena.h"

typedef struct {
  int status;       /* HTTP status */
  const char *body; /* in the request's arena */
  size_t len;
  const char *type; /* Content-Type; NULL: application/json */
} cds_reply;

/* How a fetch ended. CDS_FETCH_FAILED: err says why (not allowed, not
** reachable, not 200, over the request's limits); CDS_FETCH_BUSY: too many
** requests are fetching now (the service answers 503, to be retried). */
typedef enum { CDS_FETCH_OK, CDS_FETCH_FAILED, CDS_FETCH_BUSY } cds_fetch_status;

/* Fetches url, a search on the FHIR server at base or a next page of one,
** with the bearer token (NULL: none), the body into the arena. The fetcher
** decides whether url may be fetched at all and counts time and bytes over
** all the calls of one hook request. */
typedef cds_fetch_status (*cds_fetch_fn)(void *ctx, arena *a, const char *base, const char *url, const char *token,
                                         const char **body, size_t *len, char *err, size_t errsz);

typedef struct {
  const op_kb *kb;
  const char *today;   /* "YYYY-MM-DD" from the server's clock */
  const char *as_of;   /* fixed plan date (tests, replays), or NULL: today */
  cds_fetch_fn fetch;  /* NULL: never fetch (412 on missing or incomplete prefetch) */
  void *fetch_ctx;
  long fetch_max_resources; /* resources fetched for one hook request; 0: no limit */
  audit_db *audit;          /* serve --audit-db: cards served and feedback; NULL: none */
} cds_ctx;

/* GET /cds-services */
void cds_discovery(const cds_ctx *c, arena *a, cds_reply *r);
/* POST /cds-services/{id}; false when id is not a service (404). Also
** POST /cds-services/{id}/feedback (id then ends in "/feedback": see
** server/feedback.h). Card ids are random per answer (getrandom).
** A prefetch key that is missing, an OperationOutcome or a search with more
** pages (Bundle link "next") is fetched whole from fhirServer, or answered
** 412 naming the key; a Patient that is not context.patientId is 400. */
bool cds_service(const cds_ctx *c, arena *a, const char *id, const char *body, size_t len, cds_reply *r);
/* POST /api/assess?format=json|text|markdown|html|fragment&audience=clinician|patient:
** record in, plan out (JSON, clinician, when both are NULL). A record the
** reader refuses gets 422 {"error": message, "path": the field's JSON path}. */
void cds_api_assess(const cds_ctx *c, arena *a, const char *body, size_t len, const char *format,
                    const char *audience, cds_reply *r);
/* A JSON error body {"error": msg} with status. */
void cds_error(arena *a, int status, const char *msg, cds_reply *r);

#endif
