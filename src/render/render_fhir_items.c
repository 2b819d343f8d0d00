/*
** render_fhir_items.c: the Bundle's requests and issues (render_fhir.h):
** a MedicationRequest per phase, a ServiceRequest per monitoring item, a
** DetectedIssue per avoid entry and per critical alert. Codes are the
** plan's; words and sources the knowledge base's.
*/
#include <string.h>

#include "../kb/kb_fhir.h"
#include "../kb/template.h"
#include "render_fhir.h"

#define UCUM "http://unitsofmeasure.org"

/* ---- MedicationRequest ---------------------------------------------------
** TO BE REPLACED by the shared builder (fhir_medreq.h) once it is merged:
** this minimal request codes the agent and bounds the course, but gives
** the dose, route and frequency as words only. */

/* The phase's other options, in the documents' words ("alternatives: X, Y"). */
static const char *alternatives(fx *c, const op_phase *ph) {
  if (ph->n < 2) return NULL;
  strbuf b;
  sb_init(&b, c->a);
  sb_cat(&b, kb_ui(c->kb, OP_UI_OR, false), ": ", (char *)NULL);
  for (int k = 1; k < ph->n; k++) sb_cat(&b, k > 1 ? ", " : "", c->kb->agent[ph->agents[k]].name, (char *)NULL);
  return arena_strdup(c->a, sb_str(&b));
}

/* medicationCodeableConcept: the order code the knowledge base gives. */
static void medication(fx *c, int ag) {
  const char *sys, *code, *disp;
  jw_key(c->w, "medicationCodeableConcept");
  jw_obj(c->w);
  if (kb_fhir_order_code(c->kb->fhir, ag, &sys, &code, &disp)) {
    jw_key(c->w, "coding");
    jw_arr(c->w);
    fx_coding(c, sys, code, disp);
    jw_end_arr(c->w);
  }
  fx_kv(c, "text", c->kb->agent[ag].name);
  jw_end_obj(c->w);
}

void fx_medication_request(fx *c, int phase) {
  const op_phase *ph = &c->p->phases[phase];
  int ag = ph->agents[0];
  const kb_agent *g = &c->kb->agent[ag];
  fx_entry_open(c, FX_MEDREQ, phase, "MedicationRequest");
  fx_kv(c, "status", "draft");
  fx_kv(c, "intent", "proposal");
  medication(c, ag);
  fx_patient(c, "subject");
  fx_kv(c, "authoredOn", c->as_of);
  jw_key(c->w, "dosageInstruction");
  jw_arr(c->w);
  jw_obj(c->w);
  fx_kv(c, "text", tmpl_fill(c->a, "{dose} {other} {level}",
                             (tmpl_var[]){{"dose", g->dose}, {"other", g->route}, {"level", g->frequency}}, 3));
  if (ph->has_months) {
    jw_key(c->w, "timing");
    jw_obj(c->w);
    jw_key(c->w, "repeat");
    jw_obj(c->w);
    jw_key(c->w, "boundsDuration");
    jw_obj(c->w);
    jw_key(c->w, "value");
    jw_num(c->w, ph->months);
    fx_kv(c, "unit", "mo");
    fx_kv(c, "system", UCUM);
    fx_kv(c, "code", "mo");
    jw_end_obj(c->w);
    jw_end_obj(c->w);
    jw_end_obj(c->w);
  }
  jw_end_obj(c->w);
  jw_end_arr(c->w);
  const char *notes[] = {alternatives(c, ph), fx_sources_line(c, c->p->treatment_sources)};
  fx_notes(c, notes, 2);
  fx_entry_close(c);
}

/* ---- ServiceRequest ---------------------------------------------------- */

void fx_service_request(fx *c, int item) {
  const op_monitor_item *m = &c->p->monitor[item];
  const kb_text *t = &c->kb->monitor[m->code];
  char due[11];
  date_format(m->due, due);
  fx_entry_open(c, FX_SERVREQ, item, "ServiceRequest");
  fx_kv(c, "status", "draft");
  fx_kv(c, "intent", "proposal");
  fx_concept(c, "code", FX_SYS_MONITOR, op_monitor_str[m->code], t->clinician, t->clinician);
  fx_patient(c, "subject");
  fx_kv(c, "occurrenceDateTime", due);
  fx_kv(c, "authoredOn", c->as_of);
  const char *reason = m->reason ? m->reason : t->clinician;
  jw_key(c->w, "reasonCode");
  jw_arr(c->w);
  jw_obj(c->w);
  fx_kv(c, "text", reason);
  jw_end_obj(c->w);
  jw_end_arr(c->w);
  char since[11];
  date_format(m->overdue_since, since);
  /* an item that fell due before the plan's date is due now: say since when */
  const char *notes[] = {
      m->overdue ? tmpl_fill(c->a, kb_ui(c->kb, OP_UI_DUE_NOW, false), (tmpl_var[]){{"date", since}}, 1) : NULL,
      fx_sources_line(c, m->sources)};
  fx_notes(c, notes, 2);
  fx_entry_close(c);
}

/* ---- DetectedIssue ----------------------------------------------------- */

/* The issue's head: status, code, severity, patient, date. Preliminary: the
** plan is a proposal a clinician has yet to review. High: an avoid entry
** rules the agent out, a critical alert asks for action first. */
static void issue_head(fx *c, fx_kind kind, int i, const char *system, const char *code, const char *display) {
  fx_entry_open(c, kind, i, "DetectedIssue");
  fx_kv(c, "status", "preliminary");
  fx_concept(c, "code", system, code, display, display);
  fx_kv(c, "severity", "high");
  fx_patient(c, "patient");
  fx_kv(c, "identifiedDateTime", c->as_of);
}

/* evidence: the reasons (codes) when given, then the sources (references). */
static void issue_evidence(fx *c, const op_avoid *x, op_srcset sources) {
  jw_key(c->w, "evidence");
  jw_arr(c->w);
  if (x) {
    jw_obj(c->w);
    jw_key(c->w, "code");
    jw_arr(c->w);
    for (int k = 0; k < x->n; k++) {
      const char *words = c->kb->reason[x->reasons[k]].clinician;
      fx_concept(c, NULL, FX_SYS_REASON, op_reason_str[x->reasons[k]], words, words);
    }
    jw_end_arr(c->w);
    jw_end_obj(c->w);
  }
  if (sources) {
    jw_obj(c->w);
    jw_key(c->w, "detail");
    jw_arr(c->w);
    fx_source_refs(c, sources);
    jw_end_arr(c->w);
    jw_end_obj(c->w);
  }
  jw_end_arr(c->w);
}

/* The reasons in words, joined as the documents join them, and the details. */
static const char *avoid_detail(fx *c, const op_avoid *x) {
  const op_kb *kb = c->kb;
  const char *reasons = "";
  for (int k = 0; k < x->n; k++) {
    const char *one = kb->reason[x->reasons[k]].clinician;
    reasons = k ? tmpl_fill(c->a, kb_ui(kb, OP_UI_REASONS_JOIN, false), (tmpl_var[]){{"reasons", reasons}, {"other", one}}, 2)
                : one;
  }
  const char *detail = x->detail ? tmpl_fill(c->a, " ({other})", (tmpl_var[]){{"other", x->detail}}, 1) : "";
  return tmpl_fill(c->a, "{agent}: {reasons}{other}",
                   (tmpl_var[]){{"agent", kb->agent[x->agent].name}, {"reasons", reasons}, {"other", detail}}, 3);
}

void fx_issue_avoid(fx *c, int i) {
  const op_avoid *x = &c->p->avoid[i];
  const op_kb *kb = c->kb;
  issue_head(c, FX_ISSUE_AVOID, i, FX_SYS_ISSUE, "avoid", kb_ui(kb, OP_UI_AVOID, false));
  /* the agent ruled out: the plan's agent code, named as the kb names it */
  jw_key(c->w, "implicated");
  jw_arr(c->w);
  jw_obj(c->w);
  jw_key(c->w, "identifier");
  jw_obj(c->w);
  fx_kv(c, "system", FX_SYS_AGENT);
  fx_kv(c, "value", kb->agent_code[x->agent]);
  jw_end_obj(c->w);
  fx_kv(c, "display", kb->agent[x->agent].name);
  jw_end_obj(c->w);
  jw_end_arr(c->w);
  issue_evidence(c, x, x->sources);
  fx_kv(c, "detail", avoid_detail(c, x));
  fx_entry_close(c);
}

void fx_issue_alert(fx *c, int alert) {
  const op_alert *x = &c->p->alerts[alert];
  issue_head(c, FX_ISSUE_ALERT, alert, FX_SYS_ALERT, op_alert_str[x->code], NULL);
  if (x->sources) issue_evidence(c, NULL, x->sources);
  fx_kv(c, "detail", x->message);
  fx_entry_close(c);
}
