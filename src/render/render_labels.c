/*
** render_labels.c: the words of the knowledge base for every code, as JSON,
** for clients that draw a plan themselves (the web page). A plan carries
** codes; their text comes from the knowledge base, never from the code, so
** a client asks for this once and looks codes up in it.
*/
#include "../json/json_write.h"
#include "../kb/template.h"
#include "render.h"

static void kind(jwriter *w, const char *name, const kb_text *t, const char *const *codes, int n) {
  jw_key(w, name);
  jw_obj(w);
  for (int i = 0; i < n; i++) {
    jw_key(w, codes[i]);
    jw_str(w, t[i].clinician);
  }
  jw_end_obj(w);
}

/* The codes a record may hold, in the order of patient-record.md. */
static void codes(jwriter *w, const char *name, const char *const *c, int n) {
  jw_key(w, name);
  jw_arr(w);
  for (int i = 0; i < n; i++) jw_str(w, c[i]);
  jw_end_arr(w);
}

const char *render_labels(arena *a, const op_kb *kb, size_t *len) {
  strbuf b;
  sb_init(&b, a);
  jwriter w;
  jw_init(&w, &b, false);
  jw_obj(&w);
  jw_key(&w, "knowledge_base");
  jw_obj(&w);
  jw_key(&w, "version");
  jw_str(&w, kb->version);
  jw_key(&w, "status");
  jw_str(&w, kb->status);
  jw_key(&w, "updated");
  jw_str(&w, kb->updated);
  jw_end_obj(&w);

  jw_key(&w, "record_codes");
  jw_obj(&w);
  codes(&w, "sex", op_sex_str, OP_N_sex);
  codes(&w, "menopause", op_menopause_str, OP_N_menopause);
  codes(&w, "site", op_site_str, OP_N_site);
  codes(&w, "fracture_site", op_fx_site_str, OP_N_fx_site);
  codes(&w, "mechanism", op_mechanism_str, OP_N_mechanism);
  codes(&w, "agent", op_agent_str, OP_N_agent);
  codes(&w, "stop_reason", op_stop_reason_str, OP_N_stop_reason);
  codes(&w, "medication_class", op_med_class_str, OP_N_med_class);
  codes(&w, "condition", op_condition_str, OP_N_condition);
  jw_end_obj(&w);

  jw_key(&w, "labels");
  jw_obj(&w);
  jw_key(&w, "agent");
  jw_obj(&w);
  for (int i = 0; i < OP_N_agent; i++) {
    jw_key(&w, op_agent_str[i]);
    jw_str(&w, kb->agent[i].name);
  }
  jw_end_obj(&w);
  kind(&w, "diagnosis", kb->diagnosis, op_diagnosis_str, OP_N_diagnosis);
  kind(&w, "risk", kb->risk, op_risk_str, OP_N_risk);
  kind(&w, "criterion", kb->criterion, op_criterion_str, OP_N_criterion);
  kind(&w, "status", kb->status_text, op_status_str, OP_N_status);
  kind(&w, "finding", kb->finding, op_finding_str, OP_N_finding);
  kind(&w, "action", kb->action, op_action_str, OP_N_action);
  kind(&w, "intent", kb->intent, op_intent_str, OP_N_intent);
  kind(&w, "reason", kb->reason, op_reason_str, OP_N_reason);
  kind(&w, "alert", kb->alert, op_alert_str, OP_N_alert);
  kind(&w, "monitor", kb->monitor, op_monitor_str, OP_N_monitor);
  /* lifestyle words hold the knowledge base's own limit, filled as the documents fill it */
  strbuf nb;
  sb_init(&nb, a);
  sb_printf(&nb, "%g", KB_TH(kb, ALCOHOL_UNITS_MAX));
  tmpl_var lv[] = {{"level", sb_str(&nb)}};
  jw_key(&w, "lifestyle");
  jw_obj(&w);
  for (int i = 0; i < OP_N_lifestyle; i++) {
    jw_key(&w, op_lifestyle_str[i]);
    jw_str(&w, tmpl_fill(a, kb->lifestyle[i].clinician, lv, 1));
  }
  jw_end_obj(&w);
  kind(&w, "site", kb->site, op_site_str, OP_N_site);
  kind(&w, "fracture_site", kb->fx_site, op_fx_site_str, OP_N_fx_site);
  kind(&w, "severity", kb->severity, op_severity_str, OP_N_severity);
  kind(&w, "condition", kb->condition, op_condition_str, OP_N_condition);
  kind(&w, "ui", kb->ui, op_ui_str, OP_N_ui);
  jw_key(&w, "gap");
  jw_obj(&w);
  for (int i = 0; i < kb->n_gaps; i++) {
    jw_key(&w, kb->gaps[i].code);
    jw_str(&w, kb->gaps[i].clinician);
  }
  jw_end_obj(&w);
  jw_end_obj(&w);
  jw_end_obj(&w);
  if (b.oom) return NULL;
  if (len) *len = b.len;
  return sb_str(&b);
}
