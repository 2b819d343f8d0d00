/*
** server.h: `osteoplan serve`, the HTTP service (CDS Hooks 2.0, /api/assess,
** /healthz) on GNU libmicrohttpd.
**
** Why libmicrohttpd: it is in Debian, maintained by the GNU project since
** 2007, has a thread-pool mode (a poll loop per thread) that fits short
** CPU-bound requests, and bounds what a client can make it hold
** (per-connection memory, header size, connection count, idle timeout) with
** options instead of code of ours.
*/
#ifndef OSTEO_SERVER_H
#define OSTEO_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "kb/kb.h"
#include "server/jwt_check.h"

typedef struct {
  char host[64];
  int port;
  int threads;
  size_t body_limit;       /* bytes; larger bodies get 413 */
  unsigned timeout_s;      /* idle connection timeout */
  unsigned max_connections;
  unsigned max_per_ip;     /* connections from one address; 0: no limit */
  char public_url[256];    /* base URL the EHR calls (JWT aud); default http://host:port */
  bool jwt_required;
  long jwt_skew_s;
  long jwt_max_lifetime_s; /* longest exp - iat accepted */
  size_t jwt_replay_max;   /* jti values remembered */
  bool api_open;           /* /api/assess and /api/labels without a token even when [jwt] required */
  char cors_origins[1024]; /* origins allowed cross-origin (space-separated); none by default */
  jwt_issuer issuers[16];
  int n_issuers;
  bool log_patient_data;   /* default false: the access log never has patient data */
  const char *as_of;       /* fixed plan date (tests), or NULL: today */
  char profile[65];        /* [server] profile: the knowledge base's profile; "": the default */
  /* [fetch]: fetching missing or incomplete prefetch (server/fetch.h) */
  char fetch_allow[16][512];      /* fhirServer URL prefixes; none: never fetch */
  int n_fetch_allow;
  unsigned fetch_timeout_s;       /* all fetches of one hook request together */
  size_t fetch_max_bytes;         /* all answers of one hook request together */
  unsigned fetch_max_resources;   /* resources fetched for one hook request */
  unsigned fetch_max_concurrent;  /* hook requests fetching at once; 0: threads - 1 */
  /* the audit of cards served and their feedback (audit/audit.h) */
  char audit_db[1024];            /* [server] audit_db, --audit-db: the SQLite file; "": no audit */
  bool audit_patient_ids;         /* keep each card's FHIR patient id (default false: no patient data) */
} server_config;

/* Defaults, then the config file (NULL: none). false with a message on a
** fault in the file ("file:line: what"). */
bool server_config_load(server_config *c, const char *path, char *err, size_t errsz);
void server_config_free(server_config *c);
/* Sets host and port from "ADDR:PORT" (config key listen, option --listen). */
bool server_config_listen(server_config *c, const char *addr_port);

/* Runs until SIGTERM or SIGINT, then stops accepting, finishes the requests
** in flight and returns 0; 1 when it cannot start. */
int server_run(const server_config *c, const op_kb *kb);

#endif
