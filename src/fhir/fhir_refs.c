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

/* The id of "type/id", ".../type/id" or either with "/_history/v", as
** [*start, *start + *len) of ref; false when ref names no resource of type. */
static bool ref_split(const char *ref, const char *type, size_t *start, size_t *len) {
  size_t n = strlen(ref);
  const char *h = strstr(ref, "/_history/");
  if (h) n = (size_t)(h - ref);
  size_t s = n;
  while (s > 0 && ref[s - 1] != '/') s--;
  if (s < 2 || s == n) return false; /* no "type/" before, or an empty id */
  size_t t = s - 1; /* the slash before the id */
  size_t b = t;
  while (b > 0 && ref[b - 1] != '/') b--;
  size_t tl = strlen(type);
  if (t - b != tl || strncmp(ref + b, type, tl)) return false;
  for (size_t i = s; i < n; i++)
    if (ref[i] == '?' || ref[i] == '#') return false;
  *start = s;
  *len = n - s;
  return true;
}

bool fhir_ref_names(const char *ref, const char *type, const char *id, const char *full_url) {
  if (!ref) return false;
  if (full_url && !strcmp(ref, full_url)) return true;
  size_t s, n;
  return id && ref_split(ref, type, &s, &n) && strlen(id) == n && !strncmp(ref + s, id, n);
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

bool fhir_medication(arena *a, const fhir_refs *refs, const json_doc *d, int r, int mref, const json_doc **md,
                     int *mtok, const char **what) {
  const char *ref = fj_str(a, d, fj_get(d, mref, "reference"));
  *what = ref ? ref : "a medicationReference without a reference";
  if (!ref) return false;
  if (ref[0] == '#') {
    *md = d;
    *mtok = contained(d, r, ref + 1);
    return *mtok >= 0;
  }
  if (!refs) return false;
  size_t s, n;
  if (ref_split(ref, "Medication", &s, &n)) {
    fhir_known key = {.id = arena_strndup(a, ref + s, n)};
    const fhir_known *k = key.id ? bsearch(&key, refs->med, (size_t)refs->n_med, sizeof key, known_cmp) : NULL;
    if (k) {
      *md = k->doc;
      *mtok = k->tok;
      return true;
    }
  }
  for (int i = 0; i < refs->n_med; i++)
    if (refs->med[i].full_url && !strcmp(refs->med[i].full_url, ref)) {
      *md = refs->med[i].doc;
      *mtok = refs->med[i].tok;
      return true;
    }
  return false;
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

static void walk(gaps *g, const json_doc *d, int tok, const char *key, int depth) {
  if (tok < 0 || d->tok[tok].type != JT_OBJECT || depth > 8) return;
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
