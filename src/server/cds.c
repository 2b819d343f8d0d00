/*
** cds.c: CDS Hooks services over the engine (see cds.h and spec/ehr.md).
**
** A hook request's prefetch (or what is fetched in its place) goes through
** the same FHIR mapper as `assess --input fhir`, then the same engine; the
** cards, a view of the plan, are rendered by render/cards.c. This file
** reads and checks the request, builds the plan and reads the draft orders.
*/
#include "cds.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "api_internal.h"
#include "fhir/fhir_map.h"
#include "json/json.h"
#include "json/json_write.h"
#include "osteoplan.h"
#include "render/cards.h"
#include "server/cds_prefetch.h"
#include "server/feedback.h"
#include "util/strbuf.h"

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
  /* ids and hooks are protocol; titles and descriptions are wording ([phrase.service_*]) */
  static const struct {
    const char *id, *hook;
    op_phrase_t title, description;
  } services[] = {
      {"osteoplan-patient-view", "patient-view", OP_PH_SERVICE_PATIENT_VIEW_TITLE,
       OP_PH_SERVICE_PATIENT_VIEW_DESCRIPTION},
      {"osteoplan-order-sign", "order-sign", OP_PH_SERVICE_ORDER_SIGN_TITLE, OP_PH_SERVICE_ORDER_SIGN_DESCRIPTION},
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
    jw_str(&w, c->kb->phrase[services[s].title]);
    jw_key(&w, "description");
    jw_str(&w, c->kb->phrase[services[s].description]);
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
  unsigned char seed[16]; /* random per answer: its card ids (render/cards.h) */
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
  /* context.patientId: whose plan; the record the mapper's reader checked is assessed as read (not read twice) */
  fhir_map_patient_read(a, c->kb, res, n, c->as_of, c->today, h->patient_id, &fr);
  if (fr.status != FM_OK) {
    h->no_plan = arena_strdup(a, fr.message);
    h->deceased = fr.status == FM_DECEASED;
    return true;
  }
  op_options o = {.as_of = c->as_of, .today = c->today, .input_notes = fr.notes, .n_input_notes = fr.n_notes};
  op_error err;
  op_status st = fr.rec_arena ? op_assess_read(c->kb, fr.rec_arena, fr.rec, &o, &h->as, &err)
                              : op_assess_json(c->kb, fr.record, fr.record_len, &o, &h->as, &err);
  if (st != OP_OK)
    h->no_plan = arena_strdup(a, err.message);
  return true;
}

/* The draft orders read: enough for any order-entry session, and a bound
** on the work and the answer a request can cause. More is a 400. */
#define MAX_DRAFT_ORDERS 50

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
static bool read_drafts(const cds_ctx *c, arena *a, const hook *h, card_draft **drafts, int *ndrafts, cds_reply *r) {
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
  card_draft *dr = arena_array(a, (size_t)(m ? m : 1), sizeof *dr);
  if (!refs || !dr) {
    cds_error(a, 500, "out of memory", r);
    return false;
  }
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (!fj_is(d, fj_get(d, res[i].tok, "resourceType"), "MedicationRequest")) continue;
    int ag = fhir_agent_in(a, c->kb, refs, d, res[i].tok);
    dr[k++] = (card_draft){.agent = ag,
                           .unresolved = ag == FHIR_AGENT_UNRESOLVED,
                           .id = fj_str(a, d, fj_get(d, res[i].tok, "id")),
                           .named = ag == FHIR_AGENT_UNRESOLVED ? named_medication(a, d, res[i].tok) : NULL};
  }
  *drafts = dr;
  *ndrafts = k;
  return true;
}

/* What the cards are made of: the request's ids and the plan. */
static cards_hook cards_of(const cds_ctx *c, const hook *h) {
  return (cards_hook){.kb = c->kb,
                      .id_seed = h->seed,
                      .patient_id = h->patient_id,
                      .plan = h->no_plan ? NULL : op_assessment_plan(h->as),
                      .no_plan = h->no_plan,
                      .deceased = h->deceased};
}

/* Where the cards' kinds go: only an audit keeps them. */
static card_kinds *kinds_wanted(const cds_ctx *c, arena *a) {
  if (!c->audit) return NULL;
  card_kinds *k = arena_alloc(a, sizeof *k);
  if (k) k->n = 0;
  return k;
}

static void order_sign_cards(const cds_ctx *c, arena *a, hook *h, strbuf *b, cds_reply *r) {
  card_draft *dr;
  int n;
  if (!read_drafts(c, a, h, &dr, &n, r)) return;
  cards_hook ch = cards_of(c, h);
  card_kinds *k = kinds_wanted(c, a);
  cards_order_sign(a, &ch, dr, n, b, k);
  reply(b, 200, r);
  feedback_record_cards(c, a, "osteoplan-order-sign", &ch, k, r->body, r->len);
}

/* 16 bytes from the kernel's generator: ids nobody can predict from the
** request. getrandom blocks only before the pool is first seeded (boot). */
static bool draw_seed(unsigned char seed[16]) {
  for (size_t got = 0; got < 16;) {
    ssize_t k = getrandom(seed + got, 16 - got, 0);
    if (k < 0 && errno != EINTR) return false;
    if (k > 0) got += (size_t)k;
  }
  return true;
}

bool cds_service(const cds_ctx *c, arena *a, const char *id, const char *body, size_t len, cds_reply *r) {
  static const char *const ids[] = {"osteoplan-patient-view", "osteoplan-order-sign"};
  size_t n = strlen(id), fb = sizeof "/feedback" - 1;
  for (int i = 0; i < 2; i++)
    if (n == strlen(ids[i]) + fb && !strncmp(id, ids[i], n - fb) && !strcmp(id + n - fb, "/feedback")) {
      feedback_post(c, a, ids[i], body, len, r);
      return true;
    }
  bool pv = !strcmp(id, ids[0]), os = !strcmp(id, ids[1]);
  if (!pv && !os) return false;
  hook h;
  if (!run_hook(c, a, pv ? "patient-view" : "order-sign", body, len, &h, r)) return true;
  if (!draw_seed(h.seed)) {
    cds_error(a, 500, "cannot draw card ids (getrandom)", r);
    op_assessment_free(h.as);
    return true;
  }
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
    cards_hook ch = cards_of(c, &h);
    card_kinds *k = kinds_wanted(c, a);
    cards_patient_view(a, &ch, &b, k);
    reply(&b, 200, r);
    feedback_record_cards(c, a, ids[0], &ch, k, r->body, r->len);
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
      {"fhir", "application/fhir+json", OP_FORMAT_FHIR},
  };
  int f = format ? -1 : 0;
  for (int i = 0; format && i < (int)(sizeof formats / sizeof *formats); i++)
    if (!strcmp(format, formats[i].name)) f = i;
  if (f < 0) {
    cds_error(a, 400, "format: expected json, text, markdown, html, fragment or fhir", r);
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
