/*
** fetch.c: outbound fetches of missing or incomplete prefetch (see fetch.h).
**
** Every URL is parsed by libcurl's URL API, and the parsed handle is what
** libcurl then fetches: the allow-list check and the request cannot read
** one URL two ways.
*/
#include "server/fetch.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define N_ALLOW (int)(sizeof ((server_config *)0)->fetch_allow / sizeof *((server_config *)0)->fetch_allow)

/* The parts of a URL that decide where a request goes. */
typedef struct {
  char scheme[8];
  char host[256];
  long port;
  char path[1024]; /* a prefix's path without its trailing '/' */
  bool query;      /* has a query or fragment */
} url_parts;

struct fetch_policy {
  url_parts allow[N_ALLOW];
  int n_allow;
  long long timeout_ms;
  size_t max_bytes;
  int max_concurrent;
  atomic_int fetching; /* requests holding a slot */
};

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Copies one part into out (size n); false when absent, unreadable or too long. */
static bool part(CURLU *u, CURLUPart which, unsigned flags, char *out, size_t n) {
  char *s = NULL;
  if (curl_url_get(u, which, &s, flags) != CURLUE_OK || !s) return false;
  bool fits = strlen(s) < n;
  if (fits) memcpy(out, s, strlen(s) + 1);
  curl_free(s);
  return fits;
}

static bool present(CURLU *u, CURLUPart which) {
  char *s = NULL;
  bool has = curl_url_get(u, which, &s, 0) == CURLUE_OK && s;
  curl_free(s);
  return has;
}

/* A path a server could read as leaving the prefix after we allowed it:
** encoded dots, slashes or backslashes ("%2e%2e"), or ';' (some servers read
** "..;" as ".."). libcurl has already removed literal "." and "..". */
static bool sly_path(const char *p) {
  if (strchr(p, ';') || strchr(p, '\\')) return true;
  for (const char *q = strchr(p, '%'); q; q = strchr(q + 1, '%'))
    if (!strncasecmp(q, "%2e", 3) || !strncasecmp(q, "%2f", 3) || !strncasecmp(q, "%5c", 3)) return true;
  return false;
}

/* Splits url; u receives the parsed handle (NULL: freed here). false with why. */
static bool split(const char *url, url_parts *out, CURLU **keep, char *why, size_t whysz) {
  memset(out, 0, sizeof *out);
  CURLU *u = curl_url();
  char port[16];
  bool ok = false;
  if (!u) snprintf(why, whysz, "out of memory");
  else if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) snprintf(why, whysz, "not an absolute URL");
  else if (!part(u, CURLUPART_SCHEME, 0, out->scheme, sizeof out->scheme) ||
           (strcasecmp(out->scheme, "http") && strcasecmp(out->scheme, "https")))
    snprintf(why, whysz, "only http and https URLs are fetched");
  else if (present(u, CURLUPART_USER) || present(u, CURLUPART_PASSWORD) || present(u, CURLUPART_OPTIONS))
    snprintf(why, whysz, "a URL with user information is refused");
  else if (present(u, CURLUPART_ZONEID) || !part(u, CURLUPART_HOST, 0, out->host, sizeof out->host) ||
           !part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, port, sizeof port) ||
           !part(u, CURLUPART_PATH, 0, out->path, sizeof out->path))
    snprintf(why, whysz, "a URL without a host, or too long");
  else if (sly_path(out->path))
    snprintf(why, whysz, "a path with ';', a backslash or an encoded '.', '/' or '\\' is refused");
  else
    ok = true;
  if (ok) {
    for (char *c = out->scheme; *c; c++) *c = (char)tolower((unsigned char)*c);
    out->port = strtol(port, NULL, 10);
    out->query = present(u, CURLUPART_QUERY) || present(u, CURLUPART_FRAGMENT);
  }
  if (ok && keep) *keep = u;
  else curl_url_cleanup(u);
  return ok;
}

static bool same_origin(const url_parts *a, const url_parts *b) {
  return !strcmp(a->scheme, b->scheme) && !strcasecmp(a->host, b->host) && a->port == b->port;
}

/* Under prefix: the same origin, and the path equal to the prefix's or
** continuing it after a '/' ("/fhir" allows "/fhir/Patient", not "/fhirx"). */
static bool under(const url_parts *u, const url_parts *prefix) {
  size_t n = strlen(prefix->path);
  return same_origin(u, prefix) && !strncmp(u->path, prefix->path, n) && (u->path[n] == 0 || u->path[n] == '/');
}

static bool allowed(const fetch_policy *p, const url_parts *u) {
  for (int i = 0; i < p->n_allow; i++)
    if (under(u, &p->allow[i])) return true;
  return false;
}

bool fetch_prefix_ok(const char *prefix, char *why, size_t whysz) {
  url_parts u;
  if (!split(prefix, &u, NULL, why, whysz)) return false;
  if (u.query) {
    snprintf(why, whysz, "a prefix has no query or fragment");
    return false;
  }
  return true;
}

fetch_policy *fetch_policy_new(const server_config *c, char *err, size_t errsz) {
  if (c->n_fetch_allow && c->threads < 2) {
    snprintf(err, errsz, "[fetch] allow needs at least 2 worker threads, so that fetching never holds every one");
    return NULL;
  }
  int conc = c->fetch_max_concurrent ? (int)c->fetch_max_concurrent : c->threads - 1;
  if (c->n_fetch_allow && conc >= c->threads) {
    snprintf(err, errsz, "[fetch] max_concurrent (%d) must be below the worker threads (%d)", conc, c->threads);
    return NULL;
  }
  fetch_policy *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  for (int i = 0; i < c->n_fetch_allow && i < N_ALLOW; i++) {
    char why[128];
    if (!split(c->fetch_allow[i], &p->allow[i], NULL, why, sizeof why)) {
      snprintf(err, errsz, "[fetch] allow %s: %s", c->fetch_allow[i], why);
      free(p);
      return NULL;
    }
    size_t n = strlen(p->allow[i].path);
    while (n && p->allow[i].path[n - 1] == '/') p->allow[i].path[--n] = 0;
    p->n_allow++;
  }
  p->timeout_ms = (long long)c->fetch_timeout_s * 1000;
  p->max_bytes = c->fetch_max_bytes;
  p->max_concurrent = conc;
  atomic_init(&p->fetching, 0);
  return p;
}

void fetch_policy_free(fetch_policy *p) { free(p); }

int fetch_policy_concurrency(const fetch_policy *p) { return p->n_allow ? p->max_concurrent : 0; }

void fetch_session_begin(fetch_session *s, fetch_policy *p) { *s = (fetch_session){.p = p}; }

void fetch_session_end(fetch_session *s) {
  if (s->curl) curl_easy_cleanup(s->curl);
  if (s->slot) atomic_fetch_sub(&s->p->fetching, 1);
  s->curl = NULL;
  s->slot = false;
}

/* ---- one GET ------------------------------------------------------------ */

typedef struct {
  arena *a;
  fetch_session *s;
  char *buf;
  size_t len, cap;
  bool over, nomem;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ud) {
  sink *k = ud;
  size_t add = size * n;
  if (k->s->bytes + add > k->s->p->max_bytes) {
    k->over = true;
    return 0;
  }
  if (k->len + add + 1 > k->cap) {
    size_t cap = k->cap ? k->cap : 65536;
    while (cap < k->len + add + 1) cap *= 2;
    k->buf = arena_grow_raw(k->a, k->buf, k->cap, cap);
    if (!k->buf) return k->nomem = true, 0;
    k->cap = cap;
  }
  memcpy(k->buf + k->len, p, add);
  k->len += add;
  k->buf[k->len] = 0;
  k->s->bytes += add;
  return add;
}

/* Where url may go, given the fhirServer base it came with. */
static bool may_fetch(const fetch_policy *p, const char *base, const char *url, CURLU **u, char *err, size_t errsz) {
  url_parts b, t;
  char why[160];
  if (!p->n_allow) {
    snprintf(err, errsz, "fetching is off (no [fetch] allow is configured)");
    return false;
  }
  if (!split(base, &b, NULL, why, sizeof why) || b.query) {
    snprintf(err, errsz, "fhirServer: %s", b.query ? "a base URL has no query or fragment" : why);
    return false;
  }
  if (!allowed(p, &b)) {
    snprintf(err, errsz, "fhirServer is not under a [fetch] allow prefix");
    return false;
  }
  if (!split(url, &t, u, why, sizeof why)) {
    snprintf(err, errsz, "%s", why);
    return false;
  }
  if (!same_origin(&t, &b) || !allowed(p, &t)) {
    snprintf(err, errsz, "a next page outside fhirServer's origin or the [fetch] allow prefixes is not followed");
    curl_url_cleanup(*u);
    *u = NULL;
    return false;
  }
  return true;
}

static bool take_slot(fetch_session *s) {
  if (s->slot) return true;
  if (atomic_fetch_add(&s->p->fetching, 1) >= s->p->max_concurrent) {
    atomic_fetch_sub(&s->p->fetching, 1);
    return false;
  }
  s->slot = true;
  s->deadline = now_ms() + s->p->timeout_ms;
  return true;
}

static void explain(CURLcode rc, long code, const sink *k, const fetch_session *s, char *err, size_t errsz) {
  if (k->over || rc == CURLE_FILESIZE_EXCEEDED)
    snprintf(err, errsz, "the answers are over %zu bytes in all for this request ([fetch] max_bytes)", s->p->max_bytes);
  else if (k->nomem) snprintf(err, errsz, "out of memory");
  else if (rc == CURLE_OPERATION_TIMEDOUT)
    snprintf(err, errsz, "over %lld s in all for this request ([fetch] timeout_s)", s->p->timeout_ms / 1000);
  else if (rc != CURLE_OK) snprintf(err, errsz, "%s", curl_easy_strerror(rc));
  else if (code >= 300 && code < 400) snprintf(err, errsz, "HTTP status %ld (redirects are not followed)", code);
  else snprintf(err, errsz, "HTTP status %ld", code);
}

static CURLcode perform(fetch_session *s, CURLU *u, const char *token, sink *k, long *code) {
  CURL *h = s->curl;
  long long left = s->deadline - now_ms();
  if (left <= 0) return CURLE_OPERATION_TIMEDOUT;
  struct curl_slist *hd = curl_slist_append(NULL, "Accept: application/fhir+json");
  if (hd && token) {
    char auth[8300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token); /* token: checked, visible ASCII, <= 8 KiB */
    struct curl_slist *more = curl_slist_append(hd, auth);
    if (!more) curl_slist_free_all(hd);
    hd = more;
  }
  if (!hd) return CURLE_OUT_OF_MEMORY;
  curl_easy_reset(h); /* keeps the connection cache */
  curl_easy_setopt(h, CURLOPT_CURLU, u);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(s->p->max_bytes - s->bytes));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
  CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(h, CURLOPT_CURLU, NULL);
  curl_slist_free_all(hd);
  return rc;
}

cds_fetch_status fetch_probe(void *ctx, arena *a, const char *base, const char *url, const char *token,
                             const char **body, size_t *len, // NOLINT(readability-non-const-parameter): a cds_fetch_fn
                             char *err, size_t errsz) {
  (void)a, (void)token, (void)body, (void)len;
  fetch_session *s = ctx;
  CURLU *u = NULL;
  if (!may_fetch(s->p, base, url, &u, err, errsz)) return CDS_FETCH_FAILED;
  curl_url_cleanup(u);
  s->wanted = true;
  snprintf(err, errsz, "to be fetched on a fetch thread");
  return CDS_FETCH_BUSY;
}

cds_fetch_status fetch_get(void *ctx, arena *a, const char *base, const char *url, const char *token,
                           const char **body, size_t *len, char *err, size_t errsz) {
  fetch_session *s = ctx;
  CURLU *u = NULL;
  if (!may_fetch(s->p, base, url, &u, err, errsz)) return CDS_FETCH_FAILED;
  if (!take_slot(s)) {
    curl_url_cleanup(u);
    snprintf(err, errsz, "too many requests are fetching from FHIR servers now; try again");
    return CDS_FETCH_BUSY;
  }
  if (!s->curl && !(s->curl = curl_easy_init())) {
    curl_url_cleanup(u);
    snprintf(err, errsz, "cannot start the HTTP client");
    return CDS_FETCH_FAILED;
  }
  sink k = {a, s, NULL, 0, 0, false, false};
  long code = 0;
  CURLcode rc = perform(s, u, token, &k, &code);
  curl_url_cleanup(u);
  if (rc != CURLE_OK || code != 200 || !k.buf) {
    if (rc == CURLE_OK && code == 200) snprintf(err, errsz, "an empty answer");
    else explain(rc, code, &k, s, err, errsz);
    return CDS_FETCH_FAILED;
  }
  *body = k.buf;
  *len = k.len;
  return CDS_FETCH_OK;
}
