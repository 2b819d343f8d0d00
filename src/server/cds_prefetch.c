/*
** cds_prefetch.c: a hook request's resources (see cds_prefetch.h).
**
** A plan built from the wrong patient's data, or from half of it, is worse
** than no plan: a search the EHR could not run (an OperationOutcome) or did
** not finish (a Bundle with a "next" link) is never read as if it were
** empty. It is fetched again whole from fhirServer, every page, or the
** request is answered 412 naming it. Time and bytes are the fetcher's to
** count (server/fetch.c); the resources fetched are counted here.
*/
#include "server/cds_prefetch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kb/kb_fhir.h"
#include "util/strbuf.h"

const char *const cds_prefetch_keys[CDS_N_PREFETCH] = {"patient", "observations", "conditions", "medicationRequests",
                                                       "medicationStatements"};

/* The longest token and fhirServer taken: both go into a request line or
** a header, and no real one comes near. */
#define TOKEN_MAX 8192
#define SERVER_MAX 2048

const char *cds_prefetch_query(const cds_ctx *c, arena *a, int k, const char *id) {
  strbuf b;
  sb_init(&b, a);
  const char *pid = id ? id : "{{context.patientId}}";
  switch (k) {
  case 0: sb_printf(&b, "Patient/%s", pid); break;
  case 1: {
    sb_printf(&b, "Observation?patient=%s&code=", pid);
    const fhir_row *rows;
    int n = kb_fhir_rows(c->kb->fhir, FS_LOINC, &rows);
    for (int i = 0; i < n; i++) sb_printf(&b, "%shttp://loinc.org|%s", i ? "," : "", rows[i].code);
    break;
  }
  case 2: sb_printf(&b, "Condition?patient=%s", pid); break;
  /* _include: the Medication a medicationReference names comes with the
  ** order, so the drug is known (an order whose drug is unknown is noted) */
  case 3: sb_printf(&b, "MedicationRequest?patient=%s&_include=MedicationRequest:medication", pid); break;
  default: sb_printf(&b, "MedicationStatement?patient=%s&_include=MedicationStatement:medication", pid); break;
  }
  return sb_str(&b);
}

typedef struct {
  const cds_ctx *c;
  arena *a;
  const char *patient_id, *server, *token;
  fhir_res *res;
  int n, cap;
  long fetched; /* resources fetched for this request */
  cds_reply *r;
} gather;

static bool fail(gather *g, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(gather *g, int status, const char *fmt, ...) {
  char msg[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cds_error(g->a, status, msg, g->r);
  return false;
}

/* A string member that goes into a URL or a header line: visible ASCII
** only (no control character, space or NUL, which could end the line and
** start another). NULL when absent; *bad when present and not so. */
static const char *line_safe(arena *a, const json_doc *d, int tok, size_t max, bool *bad) {
  *bad = false;
  if (tok < 0) return NULL;
  size_t len = 0;
  const char *s = d->tok[tok].type == JT_STRING ? json_string(a, d, tok, &len) : NULL;
  *bad = !s || len == 0 || len > max;
  for (size_t i = 0; !*bad && i < len; i++)
    if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e) *bad = true;
  return *bad ? NULL : s;
}

/* The token of the url of a Bundle's link "next": -1 when there is none,
** -2 when there is one without a url (more pages, and no way to them). */
static int next_link(const json_doc *d, int bundle) {
  int links = fj_get(d, bundle, "link");
  if (links < 0 || d->tok[links].type != JT_ARRAY) return -1;
  int j = links + 1;
  for (int k = 0; k < d->tok[links].size; k++, j = json_next(d, j)) {
    if (!fj_is(d, fj_get(d, j, "relation"), "next")) continue;
    int u = fj_get(d, j, "url");
    return u >= 0 && d->tok[u].type == JT_STRING ? u : -2;
  }
  return -1;
}

/* Why a prefetched value is not the whole answer, or NULL when it is: the
** mapper's own test (fhir_incomplete: an OperationOutcome in place of the
** search, a Bundle with more pages, or a failed outcome among its entries),
** so the service and `assess --input fhir` can never disagree on it. */
static const char *incomplete(const cds_ctx *c, arena *a, const json_doc *d, int v) {
  const char *note = NULL;
  if (fhir_incomplete(a, c->kb, d, v, &note, 1) == 0) return NULL;
  strbuf b;
  sb_init(&b, a);
  sb_printf(&b, "incomplete (%s)", note ? note : "the search was not complete");
  return sb_str(&b);
}

/* The index of prefetch key token j, or CDS_N_PREFETCH for another key. */
static int key_of(const json_doc *d, int j) {
  int k = 0;
  while (k < CDS_N_PREFETCH && !fj_is(d, j, cds_prefetch_keys[k])) k++;
  return k;
}

/* Appends the resources of d at tok; *got: how many. The value's tokens
** bound its resources: the request's prefetch values together fit the
** first allocation (its tokens), so it is never grown (and copied) for them. */
static bool add(gather *g, const json_doc *d, int tok, int *got) {
  int need = json_next(d, tok) - tok;
  if (g->n + need > g->cap) {
    int cap = g->cap * 2 > g->n + need ? g->cap * 2 : g->n + need;
    fhir_res *res = arena_grow_raw(g->a, g->res, sizeof *res * (size_t)g->cap, sizeof *res * (size_t)cap);
    if (!res) {
      cds_error(g->a, 500, "out of memory", g->r);
      return false;
    }
    g->res = res;
    g->cap = cap;
  }
  int cnt = fhir_collect(d, tok, g->res + g->n, g->cap - g->n);
  *got = cnt > 0 ? cnt : 0;
  g->n += *got;
  return true;
}

/* Every Patient among res[from..] must be the request's patient. */
static bool same_patient(gather *g, int from, int status, const char *msg) {
  for (int i = from; i < g->n; i++) {
    const json_doc *d = g->res[i].doc;
    int t = g->res[i].tok;
    if (!fj_is(d, fj_get(d, t, "resourceType"), "Patient")) continue;
    const char *id = fj_str(g->a, d, fj_get(d, t, "id"));
    if (!id || strcmp(id, g->patient_id)) {
      cds_error(g->a, status, msg, g->r);
      return false;
    }
  }
  return true;
}

/* One page of key's search at url: parsed, checked, its resources added.
** *next: the next page's URL, or NULL. */
static bool fetch_page(gather *g, int k, const char *why, const char *url, const char **next) {
  const char *key = cds_prefetch_keys[k], *body;
  size_t len;
  char err[320];
  cds_fetch_status st = g->c->fetch(g->c->fetch_ctx, g->a, g->server, url, g->token, &body, &len, err, sizeof err);
  if (st == CDS_FETCH_BUSY) return fail(g, 503, "prefetch '%s': %s", key, err);
  if (st != CDS_FETCH_OK)
    return fail(g, 412, "prefetch '%s' is %s and fetching it from fhirServer failed: %s", key, why, err);
  json_doc *d = arena_alloc(g->a, sizeof *d);
  if (!d) return fail(g, 500, "out of memory");
  if (json_parse(g->a, body, len, d, err, sizeof err) < 0 || d->tok[0].type != JT_OBJECT)
    return fail(g, 412, "prefetch '%s': fhirServer's answer is not a JSON object", key);
  int rt = fj_get(d, 0, "resourceType");
  if (fj_is(d, rt, "OperationOutcome"))
    return fail(g, 412, "prefetch '%s': fhirServer answered with an OperationOutcome", key);
  if (!fj_is(d, rt, k == 0 ? "Patient" : "Bundle"))
    return fail(g, 412, "prefetch '%s': fhirServer's answer is not a %s", key, k == 0 ? "Patient" : "search Bundle");
  int from = g->n, got;
  if (!add(g, d, 0, &got)) return false;
  g->fetched += got;
  if (g->c->fetch_max_resources && g->fetched > g->c->fetch_max_resources)
    return fail(g, 412, "prefetch '%s': more than %ld resources fetched for this request ([fetch] max_resources)", key,
                g->c->fetch_max_resources);
  if (!same_patient(g, from, 502, "fhirServer answered with a Patient whose id is not context.patientId"))
    return false;
  int nx = next_link(d, 0);
  if (nx == -2) return fail(g, 412, "prefetch '%s': fhirServer's next page has no url", key);
  *next = nx >= 0 ? json_string(g->a, d, nx, NULL) : NULL;
  if (*next && !strcmp(*next, url)) return fail(g, 412, "prefetch '%s': fhirServer's next page is the same page", key);
  return true;
}

/* Key k's whole search from fhirServer, every page. */
static bool fetch_search(gather *g, int k, const char *why) {
  size_t bl = strlen(g->server);
  while (bl && g->server[bl - 1] == '/') bl--;
  strbuf b;
  sb_init(&b, g->a);
  sb_printf(&b, "%.*s/%s", (int)bl, g->server, cds_prefetch_query(g->c, g->a, k, g->patient_id));
  const char *url = sb_str(&b);
  while (url) {
    const char *next = NULL;
    if (!fetch_page(g, k, why, url, &next)) return false;
    url = next;
  }
  return true;
}

/* fhirServer and the token, checked before either can reach a request. */
static bool read_server(gather *g, const json_doc *req) {
  bool bad;
  int sv = fj_get(req, 0, "fhirServer");
  g->server = line_safe(g->a, req, sv, SERVER_MAX, &bad);
  if (bad) return fail(g, 400, "fhirServer: a URL of visible ASCII characters (no spaces or control characters)");
  int auth = fj_get(req, 0, "fhirAuthorization");
  if (auth >= 0 && req->tok[auth].type != JT_OBJECT) return fail(g, 400, "fhirAuthorization: must be an object");
  g->token = line_safe(g->a, req, fj_get(req, auth, "access_token"), TOKEN_MAX, &bad);
  if (bad)
    return fail(g, 400, "fhirAuthorization.access_token: visible ASCII characters only (RFC 6750: no spaces or control "
                "characters), at most %d", TOKEN_MAX);
  if (auth >= 0 && (!g->token || !g->server))
    return fail(g, 400, "fhirAuthorization needs access_token and fhirServer");
  return true;
}

bool cds_prefetch_resources(const cds_ctx *c, arena *a, const json_doc *req, const char *patient_id, fhir_res **res,
                            int *n, cds_reply *r) {
  gather g = {.c = c, .a = a, .patient_id = patient_id, .r = r, .cap = req->ntok + 1};
  int pf = fj_get(req, 0, "prefetch");
  if (pf >= 0 && req->tok[pf].type != JT_OBJECT) return fail(&g, 400, "prefetch: must be an object");
  if (!read_server(&g, req)) return false;
  /* not zeroed: fhir_collect fills the entries it counts, and only those are read */
  g.res = arena_alloc_raw(a, (size_t)g.cap * sizeof *g.res);
  if (!g.res) return fail(&g, 500, "out of memory");
  /* what the EHR prefetched: a key present (even null: no data) and whole is
  ** satisfied; one incomplete (given twice, either time) is fetched whole */
  const char *const missing = "missing", *need[CDS_N_PREFETCH];
  for (int k = 0; k < CDS_N_PREFETCH; k++) need[k] = missing;
  int nkey = pf >= 0 ? req->tok[pf].size : 0, got;
  for (int m = 0, j = pf + 1; m < nkey; m++, j = json_next(req, j + 1)) {
    int k = key_of(req, j);
    /* a search of ours answered with anything but a resource, a Bundle or
    ** null ("no data") cannot be told from an empty answer: refused */
    if (k < CDS_N_PREFETCH && !json_is_null(req, j + 1) &&
        (req->tok[j + 1].type != JT_OBJECT || fj_get(req, j + 1, "resourceType") < 0))
      return fail(&g, 400, "prefetch '%s': expected a FHIR resource, a search Bundle or null", cds_prefetch_keys[k]);
    const char *why = req->tok[j + 1].type == JT_OBJECT ? incomplete(c, a, req, j + 1) : NULL;
    if (why && k == CDS_N_PREFETCH) {
      const char *other = json_string(a, req, j, NULL);
      return fail(&g, 412, "prefetch '%.64s' is %s and is not a search this service can fetch", other ? other : "?",
                  why);
    }
    if (k < CDS_N_PREFETCH && (why || need[k] == missing)) need[k] = why;
  }
  for (int m = 0, j = pf + 1; m < nkey; m++, j = json_next(req, j + 1)) {
    int k = key_of(req, j);
    if ((k == CDS_N_PREFETCH || !need[k]) && req->tok[j + 1].type == JT_OBJECT && !add(&g, req, j + 1, &got))
      return false;
  }
  if (!same_patient(&g, 0, 400, "prefetch: a Patient whose id is not context.patientId (no plan from another "
                                "patient's data)"))
    return false;
  for (int k = 0; k < CDS_N_PREFETCH; k++)
    if (need[k] && (!g.server || !c->fetch))
      return fail(&g, 412, "prefetch '%s' is %s and there is no fhirServer to fetch it from", cds_prefetch_keys[k],
                  need[k]);
  for (int k = 0; k < CDS_N_PREFETCH; k++)
    if (need[k] && !fetch_search(&g, k, need[k])) return false;
  *res = g.res;
  *n = g.n;
  return true;
}
