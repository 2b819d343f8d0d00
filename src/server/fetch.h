/*
** fetch.h: the service's outbound HTTP, fetching missing or incomplete
** prefetch from the EHR's FHIR server (libcurl).
**
** The URL comes from the request, so it is the caller's to choose: only
** URLs under an operator's [fetch] allow prefix are fetched (scheme, host
** and port equal, path under the prefix at a '/' boundary, no user info),
** a next page only from the fhirServer's own origin, and no redirect is
** followed. Time, bytes and resources are counted per hook request, and
** only so many requests may fetch at once (max_concurrent, fewer than the
** worker threads). Fetches run on the server's fetch threads, never on a
** worker (server.c), so a slow FHIR server holds no worker at all.
*/
#ifndef OSTEO_FETCH_H
#define OSTEO_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "server/cds.h"
#include "server/server.h"

/* Whether one [fetch] allow entry is an absolute http(s) URL without user
** info, query or fragment. false with the reason in why. */
bool fetch_prefix_ok(const char *prefix, char *why, size_t whysz);

/* The allow-list and limits, shared by every worker thread (the count of
** requests fetching is its only mutable part, an atomic counter). */
typedef struct fetch_policy fetch_policy;

/* From the configuration; threads: the worker threads. NULL with a message
** when the configuration cannot hold (an allow-list with one thread). */
fetch_policy *fetch_policy_new(const server_config *c, char *err, size_t errsz);
void fetch_policy_free(fetch_policy *p);

/* One hook request's fetches: its budget, its slot and its connection. */
typedef struct {
  fetch_policy *p;
  void *curl;          /* the easy handle, kept for the request (connection reuse) */
  bool slot;           /* holds one of the policy's fetching slots */
  long long deadline;  /* ms, monotonic: the first fetch plus timeout_s */
  size_t bytes;        /* answer bytes read so far */
  bool wanted;         /* fetch_probe was asked for an allowed URL */
} fetch_session;

/* How many hook requests may fetch at once: the fetch threads the server
** runs (0 when the allow-list is empty, so nothing can be fetched). */
int fetch_policy_concurrency(const fetch_policy *p);

void fetch_session_begin(fetch_session *s, fetch_policy *p);
/* Frees the slot and the connection. */
void fetch_session_end(fetch_session *s);

/* A cds_fetch_fn that never touches the network: a URL the policy refuses
** fails as with fetch_get; an allowed one sets s->wanted and answers
** CDS_FETCH_BUSY. The server runs a hook request with it on the worker
** thread first, and again with fetch_get on a fetch thread when wanted. */
cds_fetch_status fetch_probe(void *ctx, arena *a, const char *base, const char *url, const char *token,
                             const char **body, size_t *len, char *err, size_t errsz);

/* A cds_fetch_fn over a fetch_session (ctx). */
cds_fetch_status fetch_get(void *ctx, arena *a, const char *base, const char *url, const char *token,
                           const char **body, size_t *len, char *err, size_t errsz);

#endif
