/*
** cards.c: the CDS Hooks cards of a plan (see cards.h and spec/ehr.md).
**
** The cards are a view of the plan: the decision card (its detail is the
** clinician's Markdown rendering, so it says why, what to avoid, alerts,
** monitoring and sources exactly as `assess` does), one card per critical
** alert, and for order-sign a card per ordered agent the plan advises against.
*/
#include "cards.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../json/json_write.h"
#include "../kb/kb_fhir.h"
#include "../kb/template.h"
#include "fhir_medreq.h"
#include "render.h"

#define SUMMARY_MAX 140 /* CDS Hooks: a card summary is under 140 characters */

/* A version 4 UUID for card or suggestion n of one answer, from the 16
** random bytes the server drew for the answer: unique per card, and not
** derivable from the request (a client's hookInstance must not let anyone
** predict or collide with the ids that feedback refers to). The renderer
** stays pure: the randomness is an input. Each 64-bit half is the random
** half mixed with n by a bijection (splitmix64's finalizer), so two cards of
** one answer never share an id. */
static unsigned long long mix64(unsigned long long x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* The n low hex digits of v (lower case) at o; returns the end. */
static char *hex(char *o, unsigned long long v, int n) {
  for (int i = n - 1; i >= 0; i--, v >>= 4) o[i] = "0123456789abcdef"[v & 15];
  return o + n;
}

static const char *card_uuid(arena *a, const unsigned char *seed, int n) {
  unsigned long long s0 = 0, s1 = 0;
  for (int i = 0; i < 8; i++) {
    s0 = s0 << 8 | seed[i];
    s1 = s1 << 8 | seed[8 + i];
  }
  unsigned long long h1 = mix64(s0 + (unsigned long long)n), h2 = mix64(s1 ^ (unsigned long long)n);
  char *s = arena_alloc(a, 37);
  if (!s) return "";
  /* "%08llx-%04llx-4%03llx-%04llx-%012llx" of these, without the formatter */
  char *o = s;
  o = hex(o, h1 >> 32, 8);
  *o++ = '-';
  o = hex(o, (h1 >> 16) & 0xffff, 4);
  *o++ = '-';
  *o++ = '4';
  o = hex(o, h1 & 0xfff, 3);
  *o++ = '-';
  o = hex(o, 0x8000 | ((h2 >> 48) & 0x3fff), 4);
  *o++ = '-';
  o = hex(o, h2 & 0xffffffffffffull, 12);
  *o = 0;
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
  /* filled in the arena of the text being written */
  const char *label = tmpl_fill(w->b->a, kb->phrase[OP_PH_CARD_SOURCE],
                                (tmpl_var[]){{"other", kb->version}, {"level", kb->status}}, 2);
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

/* A CDS Hooks "create" action: a draft MedicationRequest for agent ag as
** fhir_medreq writes it (RxNorm clinical drug and ingredient, ATC; dose,
** route and timing coded, bounded by the course). intent: "proposal" for
** the plan's suggestion beside patient-view; "order" for the replacement
** of a draft order being signed, which takes that order's place. */
static void create_action(jwriter *w, const op_kb *kb, int ag, const cards_hook *h, const char *intent) {
  const kb_agent *g = &kb->agent[ag];
  char ref[96];
  snprintf(ref, sizeof ref, "Patient/%s", h->patient_id);
  jw_obj(w);
  jw_key(w, "type");
  jw_str(w, "create");
  jw_key(w, "description");
  jw_str(w, tmpl_fill(w->b->a, kb->phrase[OP_PH_CARD_CREATE], (tmpl_var[]){{"agent", g->name}}, 1));
  jw_key(w, "resource");
  const op_phase *ph = h->plan && h->plan->n_phases ? &h->plan->phases[0] : NULL;
  fhir_medreq_write(w, kb, ag,
                    &(fhir_medreq){.intent = intent, .subject = ref, .months = fhir_medreq_months(kb, ph, ag)});
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

static void suggestion(jwriter *w, arena *a, const op_kb *kb, const op_plan *p, const cards_hook *h) {
  int ag = p->phases[0].agents[0];
  const kb_agent *g = &kb->agent[ag];
  char how[160];
  fhir_medreq_dosage_text(kb, ag, how, sizeof how);
  const char *label = tmpl_fill(a, kb->phrase[OP_PH_CARD_ORDER], (tmpl_var[]){{"agent", g->name}, {"dose", how}}, 2);
  suggestion_open(w, label, card_uuid(a, h->id_seed, 1000));
  create_action(w, kb, ag, h, "proposal");
  suggestion_close(w);
}

/* Notes the kind of the card being written: "prefix.code", or the prefix
** alone (code NULL). */
static void kind_of(card_kinds *k, arena *a, const char *prefix, const char *code) {
  if (!k) return;
  if (k->n < CARD_KINDS_MAX) {
    const char *s = prefix;
    if (code) {
      size_t n = strlen(prefix) + strlen(code) + 2;
      char *t = arena_alloc(a, n);
      if (t) snprintf(t, n, "%s.%s", prefix, code);
      s = t ? t : "unknown";
    }
    k->kind[k->n] = s;
  }
  k->n++;
}

static void simple_card(jwriter *w, arena *a, const cards_hook *h, int n, const char *summary,
                        const char *indicator, const char *detail) {
  jw_obj(w);
  jw_key(w, "uuid");
  jw_str(w, card_uuid(a, h->id_seed, n));
  jw_key(w, "summary");
  jw_str(w, fit(a, summary));
  jw_key(w, "indicator");
  jw_str(w, indicator);
  if (detail) {
    jw_key(w, "detail");
    jw_str(w, detail);
  }
  source(w, h->kb);
}

static void no_plan_card(jwriter *w, arena *a, const cards_hook *h, card_kinds *k) {
  kind_of(k, a, h->deceased ? "deceased" : "no_plan", NULL);
  const char *s = h->deceased ? h->no_plan
                              : tmpl_fill(a, h->kb->phrase[OP_PH_CARD_NO_PLAN],
                                          (tmpl_var[]){{"reasons", h->no_plan}}, 1);
  /* the reason can quote the record: Markdown that stays text */
  simple_card(w, a, h, 0, s, h->deceased ? "info" : "warning", render_md_inert(a, h->no_plan));
  jw_end_obj(w);
}

void cards_patient_view(arena *a, const cards_hook *h, strbuf *b, card_kinds *k) {
  jwriter w;
  jw_init(&w, b, false);
  jw_obj(&w);
  jw_key(&w, "cards");
  jw_arr(&w);
  if (h->no_plan) {
    no_plan_card(&w, a, h, k);
  } else {
    const op_plan *p = h->plan;
    const op_kb *kb = h->kb;
    const char *indicator = op_severity_str[p->indicator]; /* decided by the engine */
    const char *detail = render_doc(a, h->plan, OP_FORMAT_MARKDOWN, false, false, NULL);
    kind_of(k, a, "decision", op_action_str[p->action]);
    simple_card(&w, a, h, 0, decision_summary(a, kb, p), indicator, detail);
    if (starts_agent(p)) suggestion(&w, a, kb, p, h);
    jw_end_obj(&w);
    for (int i = 0; i < p->n_alerts; i++) {
      if (p->alerts[i].severity != OP_SEV_CRITICAL) continue;
      kind_of(k, a, "alert", op_alert_str[p->alerts[i].code]);
      simple_card(&w, a, h, i + 1, p->alerts[i].message, "critical", p->alerts[i].message);
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

/* On a critical card: replace the drafts of agent ag by the plan's first
** option (CDS Hooks 2.0: delete the drafts, create a draft of the option). */
static void replacement(jwriter *w, arena *a, const cards_hook *h, const card_draft *dr, int ndr, int ag, int n) {
  const op_plan *p = h->plan;
  if (!p->n_phases || !p->phases[0].n || p->phases[0].agents[0] == ag) return;
  int first = p->phases[0].agents[0];
  const kb_agent *g = &h->kb->agent[first];
  char how[160];
  fhir_medreq_dosage_text(h->kb, first, how, sizeof how);
  const char *label = tmpl_fill(a, h->kb->phrase[OP_PH_CARD_REPLACE],
                                (tmpl_var[]){{"other", h->kb->agent[ag].name}, {"agent", g->name}, {"dose", how}}, 3);
  suggestion_open(w, label, card_uuid(a, h->id_seed, 2000 + n));
  for (int i = 0; i < ndr; i++) {
    const char *id = dr[i].agent == ag ? dr[i].id : NULL;
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
  create_action(w, h->kb, first, h, "order");
  suggestion_close(w);
}

/* The card for the drafts of one agent (several drafts of one drug get one
** card, so the answer stays small whatever the request holds); detail is
** the plan's Markdown, rendered once per request. */
static void agent_card(jwriter *w, arena *a, const cards_hook *h, const card_draft *dr, int ndr, int ag, int *ncard,
                       const char **detail, card_kinds *k) {
  const op_kb *kb = h->kb;
  const op_plan *p = h->plan;
  bool not_rec = false;
  const op_avoid *av = advised_against(p, ag, &not_rec);
  const char *agent = kb->agent_code[ag];
  if (av) {
    kind_of(k, a, not_rec ? "not_recommended" : "avoid", agent);
    const char *s = tmpl_fill(a, kb->phrase[not_rec ? OP_PH_CARD_NOT_RECOMMENDED : OP_PH_CARD_AVOID],
                              (tmpl_var[]){{"agent", kb->agent[ag].name}, {"reasons", reasons_of(a, kb, av)}}, 2);
    if (!*detail) *detail = render_doc(a, h->plan, OP_FORMAT_MARKDOWN, false, false, NULL);
    simple_card(w, a, h, ++*ncard, s, "critical", *detail);
    override_reasons(w, kb);
    replacement(w, a, h, dr, ndr, ag, *ncard);
    jw_end_obj(w);
  } else if (p->n_phases && p->phases[0].n && p->phases[0].agents[0] != ag) {
    kind_of(k, a, "not_first_choice", agent);
    const char *s = tmpl_fill(a, kb->phrase[OP_PH_CARD_ALLOWED],
                              (tmpl_var[]){{"agent", kb->agent[ag].name}, {"other", kb->agent[p->phases[0].agents[0]].name}},
                              2);
    simple_card(w, a, h, ++*ncard, s, "info", NULL);
    jw_end_obj(w);
  }
}

void cards_order_sign(arena *a, const cards_hook *h, const card_draft *dr, int n, strbuf *b, card_kinds *k) {
  jwriter w;
  jw_init(&w, b, false);
  jw_obj(&w);
  jw_key(&w, "cards");
  jw_arr(&w);
  int ncard = 0;
  bool seen[OP_MAX_AGENTS] = {false};
  const char *detail = NULL;
  for (int i = 0; i < n; i++) {
    int ag = dr[i].agent;
    if (dr[i].unresolved) { /* never silently unchecked */
      const char *s = tmpl_fill(a, h->kb->phrase[OP_PH_CARD_UNRESOLVED],
                                (tmpl_var[]){{"other", dr[i].named}}, 1);
      kind_of(k, a, "order.unresolved", NULL);
      simple_card(&w, a, h, ++ncard, s, "warning", NULL);
      jw_end_obj(&w);
      continue;
    }
    if (ag < 0 || seen[ag]) continue; /* not an osteoporosis agent, or its card is made */
    seen[ag] = true;
    if (h->no_plan) {
      if (!ncard++) no_plan_card(&w, a, h, k);
      continue;
    }
    agent_card(&w, a, h, dr, n, ag, &ncard, &detail, k);
  }
  jw_end_arr(&w);
  jw_end_obj(&w);
}

