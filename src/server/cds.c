/*
** cds.c: CDS Hooks services over the engine (see cds.h and spec/ehr.md).
**
** A hook request's prefetch (or what is fetched in its place) goes through
** the same FHIR mapper as `assess --input fhir`, then the same engine; the
** cards are a view of the plan: the decision card (its detail is the
** clinician's Markdown rendering, so it says why, what to avoid, alerts,
** monitoring and sources exactly as `assess` does), one card per critical
** alert, and for order-sign a card per ordered agent the plan advises against.
*/
#include "cds.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "fhir/fhir_map.h"
#include "json/json.h"
#include "json/json_write.h"
#include "kb/kb_fhir.h"
#include "kb/template.h"
#include "osteoplan.h"
#include "render/render.h"
#include "server/cds_prefetch.h"
#include "util/strbuf.h"

#define SUMMARY_MAX 140 /* CDS Hooks: a card summary is under 140 characters */

/* {"error": msg} and, when a record's field is at fault, its "path" */
static void error_at(arena *a, int status, const char *msg, const char *path, cds_reply *r) {
  strbuf b;
  sb_init(&b, a);
  jwriter w;
  jw_init(&w, &b, false);
  jw_obj(&w);
  jw_key(&w, "error");
  jw_str(&w, msg);
  if (path) {
    jw_key(&w, "path");
    jw_str(&w, path);
  }
  jw_end_obj(&w);
  r->status = status;
  r->len = b.len;
  r->body = sb_str(&b);
}

void cds_error(arena *a, int status, const char *msg, cds_reply *r) { error_at(a, status, msg, NULL, r); }

static void reply(strbuf *b, int status, cds_reply *r) {
  r->status = status;
  r->len = b->len;
  r->body = sb_str(b);
}

void cds_discovery(const cds_ctx *c, arena *a, cds_reply *r) {
  static const struct {
    const char *id, *hook, *title, *description;
  } services[] = {
      {"osteoplan-patient-view", "patient-view", "Osteoporosis treatment plan",
       "Fracture risk, the drug to use now and for how long, what must follow it, what to avoid and why, and when "
       "to re-test, each with its guideline source."},
      {"osteoplan-order-sign", "order-sign", "Osteoporosis drug order check",
       "Warns when a signed osteoporosis drug order is one the patient's plan advises against, and names the "
       "plan's first option."},
  };
  strbuf b;
  sb_init(&b, a);
  jwriter w;
  jw_init(&w, &b, false);
  jw_obj(&w);
  jw_key(&w, "services");
  jw_arr(&w);
  for (int s = 0; s < 2; s++) {
    jw_obj(&w);
    jw_key(&w, "hook");
    jw_str(&w, services[s].hook);
    jw_key(&w, "id");
    jw_str(&w, services[s].id);
    jw_key(&w, "title");
    jw_str(&w, services[s].title);
    jw_key(&w, "description");
    jw_str(&w, services[s].description);
    jw_key(&w, "prefetch");
    jw_obj(&w);
    for (int k = 0; k < CDS_N_PREFETCH; k++) {
      jw_key(&w, cds_prefetch_keys[k]);
      jw_str(&w, cds_prefetch_query(c, a, k, NULL));
    }
    jw_end_obj(&w);
    jw_end_obj(&w);
  }
  jw_end_arr(&w);
  jw_end_obj(&w);
  reply(&b, 200, r);
}

/* ---- building the plan from a hook request ------------------------------ */

typedef struct {
  json_doc req;
  int context;
  const char *patient_id, *hook_instance;
  op_assessment *as;
  const char *no_plan; /* deceased or not mappable: the reason */
  bool deceased;
} hook;

/* FHIR ids: [A-Za-z0-9\-\.]{1,64}; anything else must not reach a URL. */
static bool fhir_id(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > 64) return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.') return false;
  return true;
}

/* Reads and checks the request; builds the plan. false: r holds the error. */
static bool run_hook(const cds_ctx *c, arena *a, const char *want_hook, const char *body, size_t len, hook *h,
                     cds_reply *r) {
  char msg[512];
  memset(h, 0, sizeof *h);
  if (json_parse(a, body, len, &h->req, msg, sizeof msg) < 0) {
    char m2[600];
    snprintf(m2, sizeof m2, "request body is not JSON: %s", msg);
    cds_error(a, 400, m2, r);
    return false;
  }
  const json_doc *d = &h->req;
  if (d->tok[0].type != JT_OBJECT) {
    cds_error(a, 400, "request body must be a JSON object", r);
    return false;
  }
  int hk = fj_get(d, 0, "hook");
  if (hk < 0 || d->tok[hk].type != JT_STRING) {
    cds_error(a, 400, "hook: required string", r);
    return false;
  }
  if (!fj_is(d, hk, want_hook)) {
    snprintf(msg, sizeof msg, "hook: this service answers '%s'", want_hook);
    cds_error(a, 400, msg, r);
    return false;
  }
  h->hook_instance = fj_str(a, d, fj_get(d, 0, "hookInstance"));
  if (!h->hook_instance) {
    cds_error(a, 400, "hookInstance: required string", r);
    return false;
  }
  h->context = fj_get(d, 0, "context");
  if (h->context < 0 || d->tok[h->context].type != JT_OBJECT) {
    cds_error(a, 400, "context: required object", r);
    return false;
  }
  h->patient_id = fj_str(a, d, fj_get(d, h->context, "patientId"));
  if (!h->patient_id || !fhir_id(h->patient_id)) {
    cds_error(a, 400, "context.patientId: required FHIR id", r);
    return false;
  }
  fhir_res *res;
  int n;
  if (!cds_prefetch_resources(c, a, d, h->patient_id, &res, &n, r)) return false;
  fhir_result fr;
  fhir_map_patient(a, c->kb, res, n, c->as_of, c->today, h->patient_id, &fr); /* context.patientId: whose plan */
  if (fr.status != FM_OK) {
    h->no_plan = arena_strdup(a, fr.message);
    h->deceased = fr.status == FM_DECEASED;
    return true;
  }
  op_options o = {.as_of = c->as_of, .today = c->today, .input_notes = fr.notes, .n_input_notes = fr.n_notes};
  op_error err;
  if (op_assess_json(c->kb, fr.record, fr.record_len, &o, &h->as, &err) != OP_OK)
    h->no_plan = arena_strdup(a, err.message);
  return true;
}

/* ---- cards -------------------------------------------------------------- */

/* A UUID-shaped id, unique per hook instance and card (the spec asks for
** uniqueness, and the same request then gives the same ids). */
static const char *card_uuid(arena *a, const char *instance, int n) {
  unsigned long long h1 = 1469598103934665603ull, h2 = 0x9E3779B97F4A7C15ull;
  for (const char *p = instance; *p; p++) {
    h1 = (h1 ^ (unsigned char)*p) * 1099511628211ull;
    h2 = (h2 ^ (unsigned char)*p) * 0xff51afd7ed558ccdull;
  }
  h1 ^= (unsigned long long)n * 0x9E3779B97F4A7C15ull;
  h2 += (unsigned long long)n;
  char *s = arena_alloc(a, 37);
  if (!s) return "";
  snprintf(s, 37, "%08llx-%04llx-4%03llx-a%03llx-%012llx", h1 >> 32, (h1 >> 16) & 0xffff, h1 & 0xfff,
           (h2 >> 48) & 0xfff, h2 & 0xffffffffffffull);
  return s;
}

/* At most SUMMARY_MAX - 1 characters, cut at a space with "...". */
static const char *fit(arena *a, const char *s) {
  if (!s) return ""; /* a text that could not be made (out of memory) */
  size_t n = strlen(s);
  if (n < SUMMARY_MAX) return s;
  char *t = arena_strndup(a, s, SUMMARY_MAX - 4);
  char *sp = strrchr(t, ' ');
  if (sp && sp > t + 60) *sp = 0;
  size_t k = strlen(t);
  memcpy(t + k, "...", 4);
  return t;
}

static void source(jwriter *w, const op_kb *kb) {
  char label[128];
  snprintf(label, sizeof label, "osteoplan (knowledge base %s, %s)", op_kb_version(kb), op_kb_status(kb));
  jw_key(w, "source");
  jw_obj(w);
  jw_key(w, "label");
  jw_str(w, label);
  jw_end_obj(w);
}

static bool starts_agent(const op_plan *p) {
  return (p->action == OP_ACT_START || p->action == OP_ACT_SWITCH || p->action == OP_ACT_TRANSITION) &&
         p->n_phases && p->phases[0].n;
}

static const char *decision_summary(arena *a, const op_kb *kb, const op_plan *p) {
  strbuf b;
  sb_init(&b, a);
  const char *risk = kb->risk[p->risk].clinician;
  sb_printf(&b, "%c%s: %s", toupper((unsigned char)risk[0]), risk + 1, kb->action[p->action].clinician);
  if (p->n_phases && p->phases[0].n &&
      (starts_agent(p) || p->action == OP_ACT_CONTINUE)) {
    const kb_agent *g = &kb->agent[p->phases[0].agents[0]];
    sb_printf(&b, " %s %s %s", g->name, g->dose, g->frequency);
    const char *then = p->n_phases > 1 ? tmpl_fill(a, kb->phrase[OP_PH_CARD_THEN],
                                                   (tmpl_var[]){{"other", kb->intent[p->phases[1].intent].clinician}}, 1)
                                       : NULL;
    if (then) sb_cat(&b, ", ", then, (char *)NULL);
  }
  return fit(a, sb_str(&b));
}

/* A CDS Hooks "create" action: a draft MedicationRequest for agent ag,
** coded from the knowledge base (RxNorm or ATC). */
/* A FHIR Coding {system, code, display}. */
static void coding(jwriter *w, const char *system, const char *code, const char *display) {
  jw_obj(w);
  jw_key(w, "system");
  jw_str(w, system);
  jw_key(w, "code");
  jw_str(w, code);
  jw_key(w, "display");
  jw_str(w, display);
  jw_end_obj(w);
}

static void create_action(jwriter *w, const op_kb *kb, int ag, const hook *h) {
  const kb_agent *g = &kb->agent[ag];
  const char *sys, *code, *disp;
  char how[128], desc[200], ref[96];
  snprintf(how, sizeof how, "%s %s %s", g->dose, g->route, g->frequency);
  snprintf(desc, sizeof desc, "Draft MedicationRequest for %s", g->name);
  snprintf(ref, sizeof ref, "Patient/%s", h->patient_id);
  jw_obj(w);
  jw_key(w, "type");
  jw_str(w, "create");
  jw_key(w, "description");
  jw_str(w, desc);
  jw_key(w, "resource");
  jw_obj(w);
  jw_key(w, "resourceType");
  jw_str(w, "MedicationRequest");
  jw_key(w, "status");
  jw_str(w, "draft");
  jw_key(w, "intent");
  jw_str(w, "proposal");
  jw_key(w, "subject");
  jw_obj(w);
  jw_key(w, "reference");
  jw_str(w, ref);
  jw_end_obj(w);
  jw_key(w, "medicationCodeableConcept");
  jw_obj(w);
  if (kb_fhir_order_code(kb->fhir, ag, &sys, &code, &disp)) {
    jw_key(w, "coding");
    jw_arr(w);
    coding(w, sys, code, disp);
    jw_end_arr(w);
  }
  jw_key(w, "text");
  jw_str(w, g->name);
  jw_end_obj(w);
  jw_key(w, "dosageInstruction");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "text");
  jw_str(w, how);
  jw_end_obj(w);
  jw_end_arr(w);
  jw_end_obj(w); /* resource */
  jw_end_obj(w);
}

/* A card's one recommended suggestion, up to its actions array (CDS Hooks
** 2.0: selectionBehavior, label, uuid, isRecommended, actions), and its end. */
static void suggestion_open(jwriter *w, const char *label, const char *uuid) {
  jw_key(w, "selectionBehavior");
  jw_str(w, "at-most-one");
  jw_key(w, "suggestions");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "label");
  jw_str(w, label);
  jw_key(w, "uuid");
  jw_str(w, uuid);
  jw_key(w, "isRecommended");
  jw_bool(w, true);
  jw_key(w, "actions");
  jw_arr(w);
}

static void suggestion_close(jwriter *w) {
  jw_end_arr(w); /* actions */
  jw_end_obj(w);
  jw_end_arr(w); /* suggestions */
}

static void suggestion(jwriter *w, arena *a, const op_kb *kb, const op_plan *p, const hook *h) {
  int ag = p->phases[0].agents[0];
  const kb_agent *g = &kb->agent[ag];
  char label[160];
  snprintf(label, sizeof label, "Order %s %s %s %s", g->name, g->dose, g->route, g->frequency);
  suggestion_open(w, label, card_uuid(a, h->hook_instance, 1000));
  create_action(w, kb, ag, h);
  suggestion_close(w);
}

static void simple_card(jwriter *w, arena *a, const cds_ctx *c, const hook *h, int n, const char *summary,
                        const char *indicator, const char *detail) {
  jw_obj(w);
  jw_key(w, "uuid");
  jw_str(w, card_uuid(a, h->hook_instance, n));
  jw_key(w, "summary");
  jw_str(w, fit(a, summary));
  jw_key(w, "indicator");
  jw_str(w, indicator);
  if (detail) {
    jw_key(w, "detail");
    jw_str(w, detail);
  }
  source(w, c->kb);
}

static void no_plan_card(jwriter *w, arena *a, const cds_ctx *c, const hook *h) {
  const char *s = h->deceased ? h->no_plan
                              : tmpl_fill(a, c->kb->phrase[OP_PH_CARD_NO_PLAN],
                                          (tmpl_var[]){{"reasons", h->no_plan}}, 1);
  /* the reason can quote the record: Markdown that stays text */
  simple_card(w, a, c, h, 0, s, h->deceased ? "info" : "warning", render_md_inert(a, h->no_plan));
  jw_end_obj(w);
}

static void patient_view_cards(const cds_ctx *c, arena *a, hook *h, strbuf *b) {
  jwriter w;
  jw_init(&w, b, false);
  jw_obj(&w);
  jw_key(&w, "cards");
  jw_arr(&w);
  if (h->no_plan) {
    no_plan_card(&w, a, c, h);
  } else {
    const op_plan *p = op_assessment_plan(h->as);
    const op_kb *kb = c->kb;
    const char *indicator = op_severity_str[p->indicator]; /* decided by the engine */
    const char *detail = op_render(h->as, OP_FORMAT_MARKDOWN, OP_AUDIENCE_CLINICIAN, false, NULL);
    simple_card(&w, a, c, h, 0, decision_summary(a, kb, p), indicator, detail);
    if (starts_agent(p)) suggestion(&w, a, kb, p, h);
    jw_end_obj(&w);
    for (int i = 0; i < p->n_alerts; i++) {
      if (p->alerts[i].severity != OP_SEV_CRITICAL) continue;
      simple_card(&w, a, c, h, i + 1, p->alerts[i].message, "critical", p->alerts[i].message);
      jw_end_obj(&w);
    }
  }
  jw_end_arr(&w);
  jw_end_obj(&w);
}

static const op_avoid *advised_against(const op_plan *p, int agent, bool *not_rec) {
  for (int i = 0; i < p->n_avoid; i++)
    if (p->avoid[i].agent == agent) return *not_rec = false, &p->avoid[i];
  for (int i = 0; i < p->n_not_rec; i++)
    if (p->not_rec[i].agent == agent) return *not_rec = true, &p->not_rec[i];
  return NULL;
}

/* The draft orders read: enough for any order-entry session, and a bound
** on the work and the answer a request can cause. More is a 400. */
#define MAX_DRAFT_ORDERS 50

/* Why the plan advises against an agent: the detail with the patient's
** values when the rules wrote one, else the reasons' names. */
static const char *reasons_of(arena *a, const op_kb *kb, const op_avoid *av) {
  if (av->detail && *av->detail) return av->detail;
  strbuf b;
  sb_init(&b, a);
  for (int k = 0; k < av->n; k++) sb_cat(&b, k ? "; " : "", kb->reason[av->reasons[k]].clinician, (char *)NULL);
  return sb_str(&b);
}

static void override_reasons(jwriter *w, const op_kb *kb) {
  jw_key(w, "overrideReasons");
  jw_arr(w);
  for (int k = 0; k < kb_fhir_override_reasons(kb->fhir); k++) {
    const char *code, *disp;
    kb_fhir_override_reason(kb->fhir, k, &code, &disp);
    coding(w, "urn:osteoplan:override-reason", code, disp);
  }
  jw_end_arr(w);
}

typedef struct {
  const json_doc *d;
  const fhir_res *orders; /* the draft MedicationRequests */
  const int *agent;       /* of each */
  int n;
} drafts;

/* On a critical card: replace the drafts of agent ag by the plan's first
** option (CDS Hooks 2.0: delete the drafts, create a draft of the option). */
static void replacement(jwriter *w, arena *a, const cds_ctx *c, const hook *h, const drafts *dr, int ag, int n) {
  const op_plan *p = op_assessment_plan(h->as);
  if (!p->n_phases || !p->phases[0].n || p->phases[0].agents[0] == ag) return;
  int first = p->phases[0].agents[0];
  const kb_agent *g = &c->kb->agent[first];
  char label[200];
  snprintf(label, sizeof label, "Replace %s with %s %s %s %s", c->kb->agent[ag].name, g->name, g->dose, g->route,
           g->frequency);
  suggestion_open(w, label, card_uuid(a, h->hook_instance, 2000 + n));
  for (int i = 0; i < dr->n; i++) {
    const char *id = dr->agent[i] == ag ? fj_str(a, dr->d, fj_get(dr->d, dr->orders[i].tok, "id")) : NULL;
    if (!id) continue;
    strbuf b;
    sb_init(&b, a);
    sb_cat(&b, "MedicationRequest/", id, (char *)NULL);
    jw_obj(w);
    jw_key(w, "type");
    jw_str(w, "delete");
    jw_key(w, "description");
    jw_str(w, label);
    jw_key(w, "resourceId");
    jw_arr(w);
    jw_str(w, sb_str(&b));
    jw_end_arr(w);
    jw_end_obj(w);
  }
  create_action(w, c->kb, first, h);
  suggestion_close(w);
}

/* The card for the drafts of one agent (several drafts of one drug get one
** card, so the answer stays small whatever the request holds); detail is
** the plan's Markdown, rendered once per request. */
static void agent_card(jwriter *w, arena *a, const cds_ctx *c, const hook *h, const drafts *dr, int ag, int *ncard,
                       const char **detail) {
  const op_kb *kb = c->kb;
  const op_plan *p = op_assessment_plan(h->as);
  bool not_rec = false;
  const op_avoid *av = advised_against(p, ag, &not_rec);
  if (av) {
    const char *s = tmpl_fill(a, kb->phrase[not_rec ? OP_PH_CARD_NOT_RECOMMENDED : OP_PH_CARD_AVOID],
                              (tmpl_var[]){{"agent", kb->agent[ag].name}, {"reasons", reasons_of(a, kb, av)}}, 2);
    if (!*detail) *detail = op_render(h->as, OP_FORMAT_MARKDOWN, OP_AUDIENCE_CLINICIAN, false, NULL);
    simple_card(w, a, c, h, ++*ncard, s, "critical", *detail);
    override_reasons(w, kb);
    replacement(w, a, c, h, dr, ag, *ncard);
    jw_end_obj(w);
  } else if (p->n_phases && p->phases[0].n && p->phases[0].agents[0] != ag) {
    const char *s = tmpl_fill(a, kb->phrase[OP_PH_CARD_ALLOWED],
                              (tmpl_var[]){{"agent", kb->agent[ag].name}, {"other", kb->agent[p->phases[0].agents[0]].name}},
                              2);
    simple_card(w, a, c, h, ++*ncard, s, "info", NULL);
    jw_end_obj(w);
  }
}

/* The Medication a draft order names when it could not be found. */
static const char *named_medication(arena *a, const json_doc *d, int r) {
  int mr = fj_get(d, r, "medicationReference");
  if (mr < 0) mr = fj_get(d, fj_get(d, r, "medication"), "reference"); /* R5 shape */
  const char *s = fj_str(a, d, fj_get(d, mr, "reference"));
  return s ? s : "a Medication";
}

/* The draft MedicationRequests of the request, their agents, and the
** Medications they may name (in draftOrders or the prefetch). false: r holds
** the error (too many drafts). */
static bool read_drafts(const cds_ctx *c, arena *a, const hook *h, drafts *dr, cds_reply *r) {
  const json_doc *d = &h->req;
  int orders = fj_get(d, h->context, "draftOrders"), pf = fj_get(d, 0, "prefetch");
  fhir_res *res = arena_alloc_raw(a, ((size_t)d->ntok + 1) * sizeof *res); /* filled as counted */
  if (!res) {
    cds_error(a, 500, "out of memory", r);
    return false;
  }
  int n = fhir_collect(d, orders, res, d->ntok + 1), m = 0;
  if (n < 0) n = 0;
  for (int i = 0; i < n; i++)
    m += fj_is(d, fj_get(d, res[i].tok, "resourceType"), "MedicationRequest");
  if (m > MAX_DRAFT_ORDERS) {
    char msg[160];
    snprintf(msg, sizeof msg, "context.draftOrders: %d MedicationRequests, at most %d are read", m,
             MAX_DRAFT_ORDERS);
    cds_error(a, 400, msg, r);
    return false;
  }
  int np = pf >= 0 ? fhir_collect(d, pf, res + n, d->ntok + 1 - n) : 0;
  const fhir_refs *refs = fhir_refs_index(a, res, n + (np > 0 ? np : 0));
  fhir_res *mine = arena_array(a, (size_t)(m ? m : 1), sizeof *mine);
  int *agent = arena_array(a, (size_t)(m ? m : 1), sizeof *agent);
  if (!refs || !mine || !agent) {
    cds_error(a, 500, "out of memory", r);
    return false;
  }
  *dr = (drafts){d, mine, agent, 0};
  for (int i = 0; i < n; i++) {
    if (!fj_is(d, fj_get(d, res[i].tok, "resourceType"), "MedicationRequest")) continue;
    mine[dr->n] = res[i];
    agent[dr->n++] = fhir_agent_in(a, c->kb, refs, d, res[i].tok);
  }
  return true;
}

static void order_sign_cards(const cds_ctx *c, arena *a, hook *h, strbuf *b, cds_reply *r) {
  drafts dr;
  if (!read_drafts(c, a, h, &dr, r)) return;
  jwriter w;
  jw_init(&w, b, false);
  jw_obj(&w);
  jw_key(&w, "cards");
  jw_arr(&w);
  int ncard = 0;
  bool seen[OP_N_agent] = {false};
  const char *detail = NULL;
  for (int i = 0; i < dr.n; i++) {
    int ag = dr.agent[i];
    if (ag == FHIR_AGENT_UNRESOLVED) { /* never silently unchecked */
      const char *s = tmpl_fill(a, c->kb->phrase[OP_PH_CARD_UNRESOLVED],
                                (tmpl_var[]){{"other", named_medication(a, dr.d, dr.orders[i].tok)}}, 1);
      simple_card(&w, a, c, h, ++ncard, s, "warning", NULL);
      jw_end_obj(&w);
      continue;
    }
    if (ag < 0 || seen[ag]) continue; /* not an osteoporosis agent, or its card is made */
    seen[ag] = true;
    if (h->no_plan) {
      if (!ncard++) no_plan_card(&w, a, c, h);
      continue;
    }
    agent_card(&w, a, c, h, &dr, ag, &ncard, &detail);
  }
  jw_end_arr(&w);
  jw_end_obj(&w);
  reply(b, 200, r);
}

bool cds_service(const cds_ctx *c, arena *a, const char *id, const char *body, size_t len, cds_reply *r) {
  bool pv = !strcmp(id, "osteoplan-patient-view"), os = !strcmp(id, "osteoplan-order-sign");
  if (!pv && !os) return false;
  hook h;
  if (!run_hook(c, a, pv ? "patient-view" : "order-sign", body, len, &h, r)) return true;
  strbuf b;
  sb_init(&b, a);
  if (os) {
    int orders = fj_get(&h.req, h.context, "draftOrders");
    if (orders < 0 || h.req.tok[orders].type != JT_OBJECT) {
      cds_error(a, 400, "context.draftOrders: required Bundle", r);
    } else {
      order_sign_cards(c, a, &h, &b, r);
    }
  } else {
    patient_view_cards(c, a, &h, &b);
    reply(&b, 200, r);
  }
  op_assessment_free(h.as);
  return true;
}

void cds_api_assess(const cds_ctx *c, arena *a, const char *body, size_t len, const char *format,
                    const char *audience, cds_reply *r) {
  static const struct {
    const char *name, *type;
    op_format fmt;
  } formats[] = {
      {"json", "application/json", OP_FORMAT_JSON},
      {"text", "text/plain; charset=utf-8", OP_FORMAT_TEXT},
      {"markdown", "text/markdown; charset=utf-8", OP_FORMAT_MARKDOWN},
      {"html", "text/html; charset=utf-8", OP_FORMAT_HTML},
      {"fragment", "text/html; charset=utf-8", OP_FORMAT_HTML_FRAGMENT},
  };
  int f = format ? -1 : 0;
  for (int i = 0; format && i < (int)(sizeof formats / sizeof *formats); i++)
    if (!strcmp(format, formats[i].name)) f = i;
  if (f < 0) {
    cds_error(a, 400, "format: expected json, text, markdown, html or fragment", r);
    return;
  }
  bool patient = audience && !strcmp(audience, "patient");
  if (audience && !patient && strcmp(audience, "clinician")) {
    cds_error(a, 400, "audience: expected clinician or patient", r);
    return;
  }
  op_options o = {.as_of = c->as_of, .today = c->today};
  op_assessment *as;
  op_error err;
  op_status st = op_assess_json(c->kb, body, len, &o, &as, &err);
  if (st != OP_OK) {
    /* the path apart too, so that a form can show the message beside its field */
    error_at(a, st == OP_ERR_INPUT ? 422 : 500, err.message, st == OP_ERR_INPUT ? err.path : NULL, r);
    return;
  }
  size_t n;
  const char *plan = op_render(as, formats[f].fmt, patient ? OP_AUDIENCE_PATIENT : OP_AUDIENCE_CLINICIAN, false, &n);
  if (!plan) {
    cds_error(a, 500, "out of memory", r);
  } else {
    r->status = 200;
    r->body = arena_strndup(a, plan, n);
    r->len = n;
    r->type = formats[f].type;
  }
  op_assessment_free(as);
}
