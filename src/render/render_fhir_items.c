/*
** render_fhir_items.c: the Bundle's requests and issues (render_fhir.h):
** a MedicationRequest per phase, a ServiceRequest per monitoring item, a
** DetectedIssue per avoid entry and per critical alert. Codes are the
** plan's; words and sources the knowledge base's.
*/
#include <string.h>

#include "../kb/template.h"
#include "fhir_medreq.h"
#include "render_fhir.h"

/* ---- MedicationRequest: the shared builder (fhir_medreq.h), as the CDS
** Hooks suggestions write it: the phase's first option, coded and dosed as
** the knowledge base says, bounded by the phase. */

void fx_medication_request(fx *c, int phase) {
  const op_phase *ph = &c->p->phases[phase];
  int ag = ph->agents[0];
  jw_obj(c->w);
  fx_kv(c, "fullUrl", fx_urn(c, FX_MEDREQ, phase));
  jw_key(c->w, "resource");
  fhir_medreq_write(c->w, c->kb, ag,
                    &(fhir_medreq){.id = fx_uuid(c, FX_MEDREQ, phase), .intent = "proposal",
                                   .subject = c->patient_ref, .authored_on = c->as_of,
                                   .months = fhir_medreq_months(c->kb, ph, ag)});
  jw_end_obj(c->w);
}

/* The phase's other options, in the documents' words: "alendronate;
** alternatives: risedronate, zoledronic acid" (a CarePlan note: the
** request orders the first). NULL when there are none. */
const char *fx_alternatives(fx *c, const op_phase *ph) {
  if (ph->n < 2) return NULL;
  strbuf b;
  sb_init(&b, c->a);
  sb_cat(&b, c->kb->agent[ph->agents[0]].name, "; ", kb_ui(c->kb, OP_UI_OR, false), ": ", (char *)NULL);
  for (int k = 1; k < ph->n; k++) sb_cat(&b, k > 1 ? ", " : "", c->kb->agent[ph->agents[k]].name, (char *)NULL);
  return arena_strdup(c->a, sb_str(&b));
}

/* ---- Patient: only for a record without an id (then nothing outside the
** Bundle could be referred to); who the record says the patient is. */

static void identifiers(fx *c, const op_record *r) {
  if (!r->n_identifiers) return;
  jw_key(c->w, "identifier");
  jw_arr(c->w);
  for (int i = 0; i < r->n_identifiers; i++) {
    const op_identifier *x = &r->identifiers[i];
    jw_obj(c->w);
    if (x->type) fx_concept(c, "type", "http://terminology.hl7.org/CodeSystem/v2-0203", x->type, NULL, NULL);
    fx_kv(c, "system", x->system);
    fx_kv(c, "value", x->value);
    jw_end_obj(c->w);
  }
  jw_end_arr(c->w);
}

void fx_patient_entry(fx *c) {
  const op_record *r = c->p->rec;
  fx_entry_open(c, FX_PATIENT, 0, "Patient");
  identifiers(c, r);
  if (r->name) {
    jw_key(c->w, "name");
    jw_arr(c->w);
    jw_obj(c->w);
    fx_kv(c, "text", r->name);
    jw_end_obj(c->w);
    jw_end_arr(c->w);
  }
  fx_kv(c, "gender", op_sex_str[r->sex]); /* the record's codes are FHIR's: female, male */
  if (r->has_birth_date) {
    char d[11];
    date_format(r->birth_date, d);
    fx_kv(c, "birthDate", d);
  }
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
