/*
** render_fhir.c: the plan as a FHIR R4 Bundle (type collection): a
** CarePlan (status draft, intent proposal) whose activities are the phases
** as MedicationRequests and the monitoring items as ServiceRequests; a
** DetectedIssue for each avoid entry and each critical alert; the Device
** that is osteoplan and a Provenance naming it, its version and the
** knowledge base's version and review status.
**
** A collection, not a document: a document Bundle needs a Composition
** first and an instant it was assembled, and the renderer reads no clock.
** The CarePlan references every request (activity) and every issue
** (supportingInfo), the Provenance every resource, so the Bundle holds
** together without a Composition.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../kb/template.h"
#include "render_fhir.h"

/* Builds outside CMake (the fuzz harnesses) do not pass the version. */
#ifndef OSTEOPLAN_VERSION
#define OSTEOPLAN_VERSION "unversioned"
#endif

#define FX_PARTICIPANT_TYPE "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
#define FX_EXT_KB "urn:osteoplan:knowledge-base"

/* ---- shared pieces (render_fhir.h) ------------------------------------ */

/* splitmix64's finaliser: every bit of x moves every bit of the result, so
** entries next to each other get uuids that differ throughout. */
static unsigned long long mix(unsigned long long x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* h1, h2 carried over the bytes of s (FNV-1a and a multiplicative mix). */
static void hash_str(unsigned long long *h1, unsigned long long *h2, const char *s) {
  for (; s && *s; s++) {
    *h1 = (*h1 ^ (unsigned char)*s) * 1099511628211ull;
    *h2 = (*h2 ^ (unsigned char)*s) * 0xff51afd7ed558ccdull;
  }
  *h1 = (*h1 ^ 0xffu) * 1099511628211ull; /* a separator: ("ab", "c") is not ("a", "bc") */
}

const char *fx_uuid(fx *c, fx_kind kind, int i) {
  /* who and when: the record's id, else who the record says the patient
  ** is (name, identifiers), so that two records without an id differ */
  const op_record *r = c->p->rec;
  unsigned long long h1 = 1469598103934665603ull, h2 = 0x9E3779B97F4A7C15ull;
  hash_str(&h1, &h2, r->id);
  if (!r->id) {
    hash_str(&h1, &h2, r->name);
    for (int k = 0; k < r->n_identifiers; k++)
      hash_str(&h1, &h2, r->identifiers[k].system), hash_str(&h1, &h2, r->identifiers[k].value);
  }
  hash_str(&h1, &h2, c->as_of);
  unsigned long long n = (unsigned long long)kind * 1000u + (unsigned long long)i + 1u;
  h1 = mix(h1 ^ n);
  h2 = mix(h2 + n * 0x9E3779B97F4A7C15ull);
  char *u = arena_alloc(c->a, 37);
  if (!u) return "00000000-0000-4000-8000-000000000000"; /* out of memory: the rendering is dropped anyway */
  snprintf(u, 37, "%08llx-%04llx-4%03llx-8%03llx-%012llx", h1 >> 32, (h1 >> 16) & 0xffff, h1 & 0xfff,
           (h2 >> 48) & 0xfff, h2 & 0xffffffffffffull);
  return u;
}

const char *fx_urn(fx *c, fx_kind kind, int i) {
  return tmpl_fill(c->a, "urn:uuid:{other}", (tmpl_var[]){{"other", fx_uuid(c, kind, i)}}, 1);
}

void fx_kv(fx *c, const char *key, const char *value) {
  jw_key(c->w, key);
  jw_str(c->w, value);
}

void fx_ref(fx *c, const char *key, const char *ref) {
  jw_key(c->w, key);
  jw_obj(c->w);
  fx_kv(c, "reference", ref);
  jw_end_obj(c->w);
}

void fx_coding(fx *c, const char *system, const char *code, const char *display) {
  jw_obj(c->w);
  fx_kv(c, "system", system);
  fx_kv(c, "code", code);
  if (display) fx_kv(c, "display", display);
  jw_end_obj(c->w);
}

void fx_concept(fx *c, const char *key, const char *system, const char *code, const char *display, const char *text) {
  if (key) jw_key(c->w, key);
  jw_obj(c->w);
  jw_key(c->w, "coding");
  jw_arr(c->w);
  fx_coding(c, system, code, display);
  jw_end_arr(c->w);
  if (text) fx_kv(c, "text", text);
  jw_end_obj(c->w);
}

void fx_patient(fx *c, const char *key) {
  const op_record *r = c->p->rec;
  jw_key(c->w, key);
  jw_obj(c->w);
  fx_kv(c, "reference", c->patient_ref);
  if (r->name) fx_kv(c, "display", r->name);
  jw_end_obj(c->w);
}

void fx_notes(fx *c, const char *const *texts, int n) {
  int k = 0;
  for (int i = 0; i < n; i++) k += texts[i] && *texts[i];
  if (!k) return;
  jw_key(c->w, "note");
  jw_arr(c->w);
  for (int i = 0; i < n; i++) {
    if (!texts[i] || !*texts[i]) continue;
    jw_obj(c->w);
    fx_kv(c, "text", texts[i]);
    jw_end_obj(c->w);
  }
  jw_end_arr(c->w);
}

const char *fx_sources_line(fx *c, op_srcset s) {
  strbuf b;
  sb_init(&b, c->a);
  int n = 0;
  for (int i = 0; i < c->kb->n_sources; i++)
    if (s & ((op_srcset)1 << i)) sb_cat(&b, n++ ? ", " : "", c->kb->sources[i].id, (char *)NULL);
  if (!n) return NULL;
  return tmpl_fill(c->a, "{other}: {from}", (tmpl_var[]){{"other", kb_ui(c->kb, OP_UI_SOURCES, false)}, {"from", sb_str(&b)}}, 2);
}

void fx_source_refs(fx *c, op_srcset s) {
  for (int i = 0; i < c->kb->n_sources; i++) {
    if (!(s & ((op_srcset)1 << i))) continue;
    const kb_source *src = &c->kb->sources[i];
    jw_obj(c->w);
    jw_key(c->w, "identifier");
    jw_obj(c->w);
    fx_kv(c, "system", FX_SYS_SOURCE);
    fx_kv(c, "value", src->id);
    jw_end_obj(c->w);
    fx_kv(c, "display", src->title);
    jw_end_obj(c->w);
  }
}

void fx_entry_open(fx *c, fx_kind kind, int i, const char *type) {
  jw_obj(c->w);
  fx_kv(c, "fullUrl", fx_urn(c, kind, i));
  jw_key(c->w, "resource");
  jw_obj(c->w);
  fx_kv(c, "resourceType", type);
  fx_kv(c, "id", fx_uuid(c, kind, i));
}

void fx_entry_close(fx *c) {
  jw_end_obj(c->w); /* resource */
  jw_end_obj(c->w); /* entry */
}

bool fx_alert_is_issue(const op_plan *p, int i) { return p->alerts[i].severity == OP_SEV_CRITICAL; }

/* ---- the CarePlan ------------------------------------------------------ */

static bool has_bmd(const op_plan *p) { return p->rec && p->rec->n_bmd > 0; }

static bool any_critical(const op_plan *p) {
  for (int i = 0; i < p->n_alerts; i++)
    if (p->alerts[i].severity == OP_SEV_CRITICAL) return true;
  return false;
}

/* The plan in one paragraph, worded as the clinician's document words it
** (render_doc.c): "Risk: action. Rationale". */
static const char *summary(fx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  const char *risk = p->risk == OP_RISK_LOW && any_critical(p) ? kb_ui(kb, OP_UI_RISK_LOW_URGENT, false)
                                                               : kb->risk[p->risk].clinician;
  const char *action = p->action == OP_ACT_ASSESS && has_bmd(p) ? kb_ui(kb, OP_UI_ASSESS_HAS_BMD, false)
                                                                : kb->action[p->action].clinician;
  strbuf b;
  sb_init(&b, c->a);
  sb_putc(&b, (char)toupper((unsigned char)risk[0]));
  sb_cat(&b, risk + 1, ": ", action, ".", (char *)NULL);
  if (p->rationale && *p->rationale) sb_cat(&b, " ", p->rationale, (char *)NULL);
  return arena_strdup(c->a, sb_str(&b));
}

/* activity: each phase's MedicationRequest, then each ServiceRequest. */
static void activities(fx *c) {
  const op_plan *p = c->p;
  jw_key(c->w, "activity");
  jw_arr(c->w);
  for (int i = 0; i < p->n_phases; i++) {
    if (!p->phases[i].n) continue;
    jw_obj(c->w);
    fx_ref(c, "reference", fx_urn(c, FX_MEDREQ, i));
    jw_end_obj(c->w);
  }
  for (int i = 0; i < p->n_monitor; i++) {
    jw_obj(c->w);
    fx_ref(c, "reference", fx_urn(c, FX_SERVREQ, i));
    jw_end_obj(c->w);
  }
  jw_end_arr(c->w);
}

static int n_issues(const op_plan *p) {
  int n = p->n_avoid;
  for (int i = 0; i < p->n_alerts; i++) n += fx_alert_is_issue(p, i);
  return n;
}

/* supportingInfo: the DetectedIssues the plan raised. */
static void supporting(fx *c) {
  const op_plan *p = c->p;
  if (!n_issues(p)) return;
  jw_key(c->w, "supportingInfo");
  jw_arr(c->w);
  for (int i = 0; i < p->n_avoid; i++) {
    jw_obj(c->w);
    fx_kv(c, "reference", fx_urn(c, FX_ISSUE_AVOID, i));
    jw_end_obj(c->w);
  }
  for (int i = 0; i < p->n_alerts; i++) {
    if (!fx_alert_is_issue(p, i)) continue;
    jw_obj(c->w);
    fx_kv(c, "reference", fx_urn(c, FX_ISSUE_ALERT, i));
    jw_end_obj(c->w);
  }
  jw_end_arr(c->w);
}

static void care_plan(fx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  fx_entry_open(c, FX_CAREPLAN, 0, "CarePlan");
  fx_kv(c, "status", "draft");
  fx_kv(c, "intent", "proposal");
  fx_kv(c, "title", kb_ui(kb, OP_UI_TITLE, false));
  fx_kv(c, "description", summary(c));
  fx_patient(c, "subject");
  jw_key(c->w, "period");
  jw_obj(c->w);
  fx_kv(c, "start", c->as_of);
  jw_end_obj(c->w);
  fx_kv(c, "created", c->as_of);
  supporting(c);
  if (p->n_phases || p->n_monitor) activities(c);
  /* rules nobody has reviewed say so first, as the documents do (default-profile.md 10) */
  const char *notes[] = {
      strcmp(kb->status, "approved")
          ? tmpl_fill(c->a, kb_ui(kb, OP_UI_KB_NOT_REVIEWED, false), (tmpl_var[]){{"level", kb->status}}, 1)
          : NULL,
      fx_sources_line(c, p->treatment_sources),
      p->n_phases > 0 ? fx_alternatives(c, &p->phases[0]) : NULL,
      p->n_phases > 1 ? fx_alternatives(c, &p->phases[1]) : NULL,
      p->n_phases > 2 ? fx_alternatives(c, &p->phases[2]) : NULL};
  _Static_assert(OP_MAX_PHASES == 3, "a note of alternatives for each phase");
  fx_notes(c, notes, 5);
  fx_entry_close(c);
}

/* ---- who made it: the Device and the Provenance ------------------------ */

static void device(fx *c) {
  fx_entry_open(c, FX_DEVICE, 0, "Device");
  jw_key(c->w, "deviceName");
  jw_arr(c->w);
  jw_obj(c->w);
  fx_kv(c, "name", "osteoplan");
  fx_kv(c, "type", "model-name");
  jw_end_obj(c->w);
  jw_end_arr(c->w);
  jw_key(c->w, "version");
  jw_arr(c->w);
  jw_obj(c->w);
  fx_kv(c, "value", OSTEOPLAN_VERSION);
  jw_end_obj(c->w);
  jw_end_arr(c->w);
  fx_entry_close(c);
}

/* An extension {url: FX_EXT_KB-name, value[type]: v}; nothing when v is NULL. */
static void kb_ext(fx *c, const char *name, const char *type, const char *v) {
  if (!v) return;
  jw_obj(c->w);
  fx_kv(c, "url", tmpl_fill(c->a, "{other}-{from}", (tmpl_var[]){{"other", FX_EXT_KB}, {"from", name}}, 2));
  fx_kv(c, type, v);
  jw_end_obj(c->w);
}

/* The knowledge base as the Provenance's source: its version and review
** status as extensions (machines), and the documents' line (people). */
static void kb_entity(fx *c) {
  const op_kb *kb = c->kb;
  jw_obj(c->w);
  jw_key(c->w, "extension");
  jw_arr(c->w);
  kb_ext(c, "profile", "valueString", kb->profile);
  kb_ext(c, "version", "valueString", kb->version);
  kb_ext(c, "updated", "valueDate", kb->updated);
  kb_ext(c, "status", "valueCode", kb->status);
  kb_ext(c, "reviewed-by", "valueString", kb->reviewed_by);
  kb_ext(c, "reviewed-on", "valueDate", kb->reviewed_on);
  jw_end_arr(c->w);
  fx_kv(c, "role", "source");
  jw_key(c->w, "what");
  jw_obj(c->w);
  jw_key(c->w, "identifier");
  jw_obj(c->w);
  fx_kv(c, "system", FX_EXT_KB);
  fx_kv(c, "value", tmpl_fill(c->a, "{from} {other}", (tmpl_var[]){{"from", kb->profile}, {"other", kb->version}}, 2));
  jw_end_obj(c->w);
  const char *line = tmpl_fill(c->a, kb_ui(kb, OP_UI_KB_LINE, false),
                               (tmpl_var[]){{"other", kb->version}, {"level", kb->status}, {"date", kb->updated},
                                            {"from", kb->profile}}, 4);
  fx_kv(c, "display", tmpl_fill(c->a, "{other}: {from}", (tmpl_var[]){{"other", kb_ui(kb, OP_UI_KNOWLEDGE_BASE, false)},
                                                                    {"from", line}}, 2));
  jw_end_obj(c->w);
  jw_end_obj(c->w);
}

/* target: every other resource of the Bundle. */
static void targets(fx *c) {
  const op_plan *p = c->p;
  jw_key(c->w, "target");
  jw_arr(c->w);
  jw_obj(c->w);
  fx_kv(c, "reference", fx_urn(c, FX_CAREPLAN, 0));
  jw_end_obj(c->w);
  for (int i = 0; i < p->n_phases; i++)
    if (p->phases[i].n) jw_obj(c->w), fx_kv(c, "reference", fx_urn(c, FX_MEDREQ, i)), jw_end_obj(c->w);
  for (int i = 0; i < p->n_monitor; i++)
    jw_obj(c->w), fx_kv(c, "reference", fx_urn(c, FX_SERVREQ, i)), jw_end_obj(c->w);
  for (int i = 0; i < p->n_avoid; i++)
    jw_obj(c->w), fx_kv(c, "reference", fx_urn(c, FX_ISSUE_AVOID, i)), jw_end_obj(c->w);
  for (int i = 0; i < p->n_alerts; i++)
    if (fx_alert_is_issue(p, i)) jw_obj(c->w), fx_kv(c, "reference", fx_urn(c, FX_ISSUE_ALERT, i)), jw_end_obj(c->w);
  jw_end_arr(c->w);
}

static void provenance(fx *c) {
  fx_entry_open(c, FX_PROVENANCE, 0, "Provenance");
  targets(c);
  fx_kv(c, "occurredDateTime", c->as_of);
  /* recorded is an instant and the renderer reads no clock: the plan's date
  ** at midnight UTC stands for it, so the same plan gives the same bytes */
  fx_kv(c, "recorded", tmpl_fill(c->a, "{date}T00:00:00Z", (tmpl_var[]){{"date", c->as_of}}, 1));
  jw_key(c->w, "agent");
  jw_arr(c->w);
  jw_obj(c->w);
  fx_concept(c, "type", FX_PARTICIPANT_TYPE, "author", "Author", NULL);
  jw_key(c->w, "who");
  jw_obj(c->w);
  fx_kv(c, "reference", fx_urn(c, FX_DEVICE, 0));
  fx_kv(c, "display", "osteoplan " OSTEOPLAN_VERSION);
  jw_end_obj(c->w);
  jw_end_obj(c->w);
  jw_end_arr(c->w);
  jw_key(c->w, "entity");
  jw_arr(c->w);
  kb_entity(c);
  /* every source the plan cites, each an entity the plan derives from */
  for (int i = 0; i < c->kb->n_sources; i++) {
    if (!(c->p->all_sources & ((op_srcset)1 << i))) continue;
    jw_obj(c->w);
    fx_kv(c, "role", "source");
    jw_key(c->w, "what");
    fx_source_refs(c, (op_srcset)1 << i);
    jw_end_obj(c->w);
  }
  jw_end_arr(c->w);
  fx_entry_close(c);
}

/* ---- the Bundle -------------------------------------------------------- */

static void entries(fx *c) {
  const op_plan *p = c->p;
  jw_key(c->w, "entry");
  jw_arr(c->w);
  care_plan(c);
  if (!p->rec->id) fx_patient_entry(c);
  for (int i = 0; i < p->n_phases; i++)
    if (p->phases[i].n) fx_medication_request(c, i);
  for (int i = 0; i < p->n_monitor; i++) fx_service_request(c, i);
  for (int i = 0; i < p->n_avoid; i++) fx_issue_avoid(c, i);
  for (int i = 0; i < p->n_alerts; i++)
    if (fx_alert_is_issue(p, i)) fx_issue_alert(c, i);
  device(c);
  provenance(c);
  jw_end_arr(c->w);
}

const char *render_fhir(arena *a, const op_plan *p, size_t *len) {
  strbuf b;
  sb_init(&b, a);
  jwriter w;
  jw_init(&w, &b, true);
  fx c = {.w = &w, .a = a, .p = p, .kb = p->kb};
  date_format(p->as_of, c.as_of);
  c.patient_ref = p->rec->id ? tmpl_fill(a, "Patient/{other}", (tmpl_var[]){{"other", p->rec->id}}, 1)
                              : fx_urn(&c, FX_PATIENT, 0);
  jw_obj(&w);
  fx_kv(&c, "resourceType", "Bundle");
  fx_kv(&c, "id", fx_uuid(&c, FX_BUNDLE, 0));
  fx_kv(&c, "type", "collection");
  entries(&c);
  jw_end_obj(&w);
  sb_putc(&b, '\n');
  if (b.oom) return NULL;
  if (len) *len = b.len;
  return sb_str(&b);
}
