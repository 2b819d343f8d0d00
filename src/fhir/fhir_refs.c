/*
** fhir_refs.c: references and searches (see fhir_refs.h and fhir_map.h).
**
** Two questions about FHIR input that are not about any one code: what does
** a reference point at (a Patient, a Medication), and was each search read
** whole (no page left behind, no error answered in its place)? A plan built
** from the wrong patient's data or from half of it is worse than no plan,
** so both are answered strictly: a reference matches only what it names.
*/
#include "fhir_refs.h"

#include <stdlib.h>
#include <string.h>

#include "kb/template.h"
#include "util/strbuf.h"

/* ---- references --------------------------------------------------------- */

const char *fhir_full_url(arena *a, const json_doc *d, int tok) {
  if (tok <= 1 || !fj_is(d, tok - 1, "resource")) return NULL;
  /* the innermost container before tok that holds it is its entry */
  for (int j = tok - 2; j >= 0; j--) {
    if (d->tok[j].type != JT_OBJECT && d->tok[j].type != JT_ARRAY) continue;
    if (json_next(d, j) <= tok) continue;
    return d->tok[j].type == JT_OBJECT ? fj_str(a, d, fj_get(d, j, "fullUrl")) : NULL;
  }
  return NULL;
}

/* A plain FHIR id: [A-Za-z0-9-.]{1,64}; nothing a path could walk with. */
static bool plain_id(const char *s, size_t n) {
  if (n < 1 || n > 64) return false;
  for (size_t i = 0; i < n; i++) { /* the ranges compared, not a strchr of the set a byte (every reference) */
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return false;
  }
  return !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* Does ref + k begin "type/<id>" and end there or "/_history/<v>"? Then
** the id is [*start, *start + *len). */
static bool tail_split(const char *ref, size_t k, const char *type, size_t *start, size_t *len) {
  size_t tl = strlen(type);
  if (strncmp(ref + k, type, tl) || ref[k + tl] != '/') return false;
  size_t s = k + tl + 1, n = strcspn(ref + s, "/");
  if (!plain_id(ref + s, n)) return false;
  const char *rest = ref + s + n;
  if (*rest && (strncmp(rest, "/_history/", 10) || !plain_id(rest + 10, strlen(rest + 10)))) return false;
  *start = s;
  *len = n;
  return true;
}

/* ref as base + "type/<id>" (+ "/_history/<v>"): the base is empty (a
** relative reference) or an absolute URL ending in '/' (*base its length);
** false for any other shape ("..", a query, a fragment, a path before a
** relative reference). A base is only ever compared, never resolved. */
static bool ref_split(const char *ref, const char *type, size_t *base, size_t *start, size_t *len) {
  if (tail_split(ref, 0, type, start, len)) return *base = 0, true;
  const char *scheme = strstr(ref, "://");
  if (!scheme || strcspn(ref, "?#") != strlen(ref)) return false;
  for (size_t k = (size_t)(scheme - ref) + 3; ref[k]; k++)
    if (ref[k - 1] == '/' && tail_split(ref, k, type, start, len)) return *base = k, true;
  return false;
}

int fhir_med_reference(const json_doc *d, int r) {
  int mr = fj_get(d, r, "medicationReference");
  return mr >= 0 ? mr : fj_get(d, fj_get(d, r, "medication"), "reference");
}

bool fhir_ref_names(const char *ref, const char *type, const char *id, const char *full_url) {
  if (!ref) return false;
  if (full_url && !strcmp(ref, full_url)) return true;
  size_t b, s, n;
  if (!id || !ref_split(ref, type, &b, &s, &n) || strlen(id) != n || strncmp(ref + s, id, n)) return false;
  if (!b) return true; /* relative: this input's own */
  /* absolute: only on the server the resource's own entry names */
  size_t fb, fs, fn;
  return full_url && ref_split(full_url, type, &fb, &fs, &fn) && fb == b && !strncmp(ref, full_url, b);
}

static int known_cmp(const void *x, const void *y) {
  const fhir_known *a = x, *b = y;
  if (!a->id || !b->id) return (a->id == NULL) - (b->id == NULL);
  return strcmp(a->id, b->id);
}

fhir_refs *fhir_refs_index(arena *a, const fhir_res *res, int n) {
  fhir_refs *r = arena_alloc(a, sizeof *r);
  if (!r) return NULL;
  int k = 0;
  for (int i = 0; i < n; i++) k += fj_is(res[i].doc, fj_get(res[i].doc, res[i].tok, "resourceType"), "Medication");
  r->med = arena_array(a, (size_t)(k ? k : 1), sizeof *r->med);
  if (!r->med) return NULL;
  for (int i = 0; i < n; i++) {
    const json_doc *d = res[i].doc;
    int t = res[i].tok;
    if (!fj_is(d, fj_get(d, t, "resourceType"), "Medication")) continue;
    r->med[r->n_med++] = (fhir_known){d, t, fj_str(a, d, fj_get(d, t, "id")), fhir_full_url(a, d, t)};
  }
  if (r->n_med > 1) qsort(r->med, (size_t)r->n_med, sizeof *r->med, known_cmp);
  return r;
}

static int contained(const json_doc *d, int r, const char *id) {
  int c = fj_get(d, r, "contained");
  if (c < 0 || d->tok[c].type != JT_ARRAY) return -1;
  int j = c + 1;
  for (int k = 0; k < d->tok[c].size; k++, j = json_next(d, j))
    if (fj_is(d, fj_get(d, j, "resourceType"), "Medication") && fj_is(d, fj_get(d, j, "id"), id)) return j;
  return -1;
}

/* Two Medications answering one reference are one drug only when their
** codes are the same JSON text; else which is meant cannot be told. */
static bool same_code(const fhir_known *x, const fhir_known *y) {
  int cx = fj_get(x->doc, x->tok, "code"), cy = fj_get(y->doc, y->tok, "code");
  if (cx < 0 || cy < 0) return cx == cy;
  int lx = x->doc->tok[cx].end - x->doc->tok[cx].start, ly = y->doc->tok[cy].end - y->doc->tok[cy].start;
  return lx == ly && !memcmp(x->doc->text + x->doc->tok[cx].start, y->doc->text + y->doc->tok[cy].start, (size_t)lx);
}

/* k answers the reference too: false when it is another drug than *hit. */
static bool keep(const fhir_known **hit, const fhir_known *k) {
  if (*hit) return same_code(*hit, k);
  *hit = k;
  return true;
}

fhir_med_found fhir_medication(arena *a, const fhir_refs *refs, const json_doc *d, int r, int mref,
                               const json_doc **md, int *mtok, const char **what) {
  const char *ref = fj_str(a, d, fj_get(d, mref, "reference"));
  *what = ref ? ref : "a medicationReference without a reference";
  if (!ref) return FHIR_MED_MISSING;
  if (ref[0] == '#') {
    *md = d;
    *mtok = contained(d, r, ref + 1);
    return *mtok >= 0 ? FHIR_MED_FOUND : FHIR_MED_MISSING;
  }
  if (!refs) return FHIR_MED_MISSING;
  /* every Medication the reference names, by id (a run of the sorted
  ** index) or by fullUrl (any entry): one drug, or none */
  const fhir_known *hit = NULL;
  size_t b, s, n;
  if (ref_split(ref, "Medication", &b, &s, &n)) {
    fhir_known key = {.id = arena_strndup(a, ref + s, n)};
    if (!key.id) return FHIR_MED_MISSING;
    int lo = 0;
    for (int hi = refs->n_med; lo < hi;) { /* the first id not below key's */
      int mid = lo + (hi - lo) / 2;
      if (known_cmp(&refs->med[mid], &key) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (int i = lo; i < refs->n_med && !known_cmp(&refs->med[i], &key); i++)
      if (fhir_ref_names(ref, "Medication", refs->med[i].id, refs->med[i].full_url) && !keep(&hit, &refs->med[i]))
        return FHIR_MED_AMBIGUOUS;
  }
  for (int i = 0; i < refs->n_med; i++)
    if (refs->med[i].full_url && !strcmp(refs->med[i].full_url, ref) && !keep(&hit, &refs->med[i]))
      return FHIR_MED_AMBIGUOUS;
  if (!hit) return FHIR_MED_MISSING;
  *md = hit->doc;
  *mtok = hit->tok;
  return FHIR_MED_FOUND;
}

/* ---- searches not read whole -------------------------------------------- */

typedef struct {
  arena *a;
  const op_kb *kb;
  const char **notes;
  int n, max;
} gaps;

static void gap(gaps *g, int phrase, const char *name, const char *why) {
  if (g->n < g->max)
    g->notes[g->n] = tmpl_fill(g->a, g->kb->phrase[phrase], (tmpl_var[]){{"other", name}, {"reasons", why}}, 2);
  g->n++;
}

/* What an OperationOutcome says: its first issue's diagnostics, text or code. */
static const char *outcome_text(arena *a, const json_doc *d, int oo) {
  int issues = fj_get(d, oo, "issue");
  int first = issues >= 0 && d->tok[issues].type == JT_ARRAY && d->tok[issues].size ? issues + 1 : -1;
  const char *s = fj_str(a, d, fj_get(d, first, "diagnostics"));
  if (!s) s = fj_str(a, d, fj_get(d, fj_get(d, first, "details"), "text"));
  if (!s) s = fj_str(a, d, fj_get(d, first, "code"));
  if (!s) return "OperationOutcome";
  return strlen(s) > 160 ? arena_strndup(a, s, 160) : s;
}

/* An outcome among a search's entries only tells of a failure when one of
** its issues is an error (warnings and information accompany good searches). */
static bool outcome_failed(const json_doc *d, int oo) {
  int issues = fj_get(d, oo, "issue");
  if (issues < 0 || d->tok[issues].type != JT_ARRAY) return false;
  int j = issues + 1;
  for (int k = 0; k < d->tok[issues].size; k++, j = json_next(d, j)) {
    int sev = fj_get(d, j, "severity");
    if (fj_is(d, sev, "error") || fj_is(d, sev, "fatal")) return true;
  }
  return false;
}

/* The search a Bundle answers: the resource type of its self link
** ("Observation?patient=..."), else of its first entry, else fallback. */
static const char *search_name(arena *a, const json_doc *d, int bundle, const char *fallback) {
  int links = fj_get(d, bundle, "link");
  if (links >= 0 && d->tok[links].type == JT_ARRAY) {
    int j = links + 1;
    for (int k = 0; k < d->tok[links].size; k++, j = json_next(d, j)) {
      if (!fj_is(d, fj_get(d, j, "relation"), "self")) continue;
      const char *url = fj_str(a, d, fj_get(d, j, "url"));
      if (!url) break;
      size_t end = strcspn(url, "?"), s = end;
      while (s > 0 && url[s - 1] != '/') s--;
      if (end > s) return arena_strndup(a, url + s, end - s);
    }
  }
  int entries = fj_get(d, bundle, "entry");
  if (entries >= 0 && d->tok[entries].type == JT_ARRAY) {
    int j = entries + 1;
    for (int k = 0; k < d->tok[entries].size; k++, j = json_next(d, j)) {
      int rt = fj_get(d, fj_get(d, j, "resource"), "resourceType");
      if (rt >= 0 && !fj_is(d, rt, "OperationOutcome")) return fj_str(a, d, rt);
    }
  }
  return fallback;
}

/* Bundles nested deeper than this are not looked into: the input is then
** not known to be whole, and says so (never a silent stop). */
#define WALK_DEPTH 8
#define WALK_DEPTH_TEXT "8 levels"

static void walk(gaps *g, const json_doc *d, int tok, const char *key, int depth) {
  if (tok < 0 || d->tok[tok].type != JT_OBJECT) return;
  if (depth > WALK_DEPTH) {
    gap(g, OP_PH_SEARCH_TOO_DEEP, key ? key : "FHIR", WALK_DEPTH_TEXT);
    return;
  }
  int rt = fj_get(d, tok, "resourceType");
  if (fj_is(d, rt, "OperationOutcome")) { /* answered in place of the search */
    gap(g, OP_PH_SEARCH_FAILED, key ? key : "FHIR", outcome_text(g->a, d, tok));
    return;
  }
  if (fj_is(d, rt, "Bundle")) {
    const char *name = search_name(g->a, d, tok, key ? key : "FHIR");
    int links = fj_get(d, tok, "link");
    if (links >= 0 && d->tok[links].type == JT_ARRAY) {
      int j = links + 1;
      for (int k = 0; k < d->tok[links].size; k++, j = json_next(d, j))
        if (fj_is(d, fj_get(d, j, "relation"), "next")) gap(g, OP_PH_SEARCH_MORE_PAGES, name, NULL);
    }
    int entries = fj_get(d, tok, "entry");
    if (entries < 0 || d->tok[entries].type != JT_ARRAY) return;
    int j = entries + 1;
    for (int k = 0; k < d->tok[entries].size; k++, j = json_next(d, j)) {
      int r = fj_get(d, j, "resource");
      if (fj_is(d, fj_get(d, r, "resourceType"), "OperationOutcome")) {
        if (outcome_failed(d, r)) gap(g, OP_PH_SEARCH_FAILED, name, outcome_text(g->a, d, r));
      } else if (fj_is(d, fj_get(d, r, "resourceType"), "Bundle")) {
        walk(g, d, r, name, depth + 1);
      }
    }
    return;
  }
  if (rt >= 0 || key) return; /* one resource; or an object inside a prefetch */
  /* a CDS Hooks prefetch object: key -> resource, Bundle or null */
  int j = tok + 1;
  for (int m = 0; m < d->tok[tok].size; m++, j = json_next(d, j + 1))
    walk(g, d, j + 1, fj_str(g->a, d, j), depth + 1);
}

int fhir_incomplete(arena *a, const op_kb *kb, const json_doc *d, int tok, const char **notes, int max) {
  gaps g = {a, kb, notes, 0, max};
  walk(&g, d, tok, NULL, 0);
  return g.n;
}
