/*
** render_labels.c: the words of the knowledge base for every code, as JSON,
** for clients that draw a plan themselves (the web page). A plan carries
** codes; their text comes from the knowledge base, never from the code, so
** a client asks for this once and looks codes up in it.
*/
#include "../json/json_write.h"
#include "../kb/template.h"
#include "render.h"

/* "name": {code: words, ...} */
static void pairs(jwriter *w, const char *name, const char *const *codes, const char *const *words, int n) {
  jw_key(w, name);
  jw_obj(w);
  for (int i = 0; i < n; i++) {
    jw_key(w, codes[i]);
    jw_str(w, words[i]);
  }
  jw_end_obj(w);
}

#define MAX_PAIRS 128
_Static_assert(OP_MAX_AGENTS <= MAX_PAIRS && OP_N_lifestyle <= MAX_PAIRS && OP_MAX_GAPS <= MAX_PAIRS &&
                   OP_N_disagreement <= MAX_PAIRS && OP_N_ui <= MAX_PAIRS && OP_N_condition <= MAX_PAIRS &&
                   OP_N_reminder <= MAX_PAIRS,
               "a code family larger than MAX_PAIRS");

static void kind(jwriter *w, const char *name, const kb_text *t, const char *const *codes, int n) {
  const char *words[MAX_PAIRS];
  for (int i = 0; i < n && i < MAX_PAIRS; i++) words[i] = t[i].clinician;
  pairs(w, name, codes, words, n < MAX_PAIRS ? n : MAX_PAIRS);
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
  jw_key(&w, "reviewed_by");
  if (kb->reviewed_by) jw_str(&w, kb->reviewed_by);
  else jw_null(&w);
  jw_key(&w, "reviewed_on");
  if (kb->reviewed_on) jw_str(&w, kb->reviewed_on);
  else jw_null(&w);
  jw_end_obj(&w);

  jw_key(&w, "record_codes");
  jw_obj(&w);
  codes(&w, "sex", op_sex_str, OP_N_sex);
  codes(&w, "menopause", op_menopause_str, OP_N_menopause);
  codes(&w, "site", op_site_str, OP_N_site);
  codes(&w, "fracture_site", op_fx_site_str, OP_N_fx_site);
  codes(&w, "mechanism", op_mechanism_str, OP_N_mechanism);
  codes(&w, "agent", kb->agent_code, kb->n_agents);
  codes(&w, "stop_reason", op_stop_reason_str, OP_N_stop_reason);
  codes(&w, "medication_class", op_med_class_str, OP_N_med_class);
  codes(&w, "condition", op_condition_str, OP_N_condition);
  jw_end_obj(&w);

  jw_key(&w, "labels");
  jw_obj(&w);
  const char *words[MAX_PAIRS], *gap_codes[MAX_PAIRS];
  for (int i = 0; i < kb->n_agents; i++) words[i] = kb->agent[i].name;
  pairs(&w, "agent", kb->agent_code, words, kb->n_agents);
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
  for (int i = 0; i < OP_N_lifestyle; i++) words[i] = tmpl_fill(a, kb->lifestyle[i].clinician, lv, 1);
  pairs(&w, "lifestyle", op_lifestyle_str, words, OP_N_lifestyle);
  /* the supplements when calcium is held (supplements.calcium_hold), filled
  ** as the documents fill it */
  strbuf vb;
  sb_init(&vb, a);
  sb_printf(&vb, "%g-%g", KB_TH(kb, VITD_IU_MIN), KB_TH(kb, VITD_IU_MAX));
  strbuf tb;
  sb_init(&tb, a);
  sb_printf(&tb, "%g", KB_TH(kb, VITD_TARGET));
  tmpl_var hv[] = {{"level", sb_str(&vb)}, {"threshold", sb_str(&tb)}};
  static const char *const sup_codes[] = {"calcium_hold"};
  words[0] = tmpl_fill(a, kb->supplements_hold.clinician, hv, 2);
  pairs(&w, "supplements", sup_codes, words, 1);
  kind(&w, "site", kb->site, op_site_str, OP_N_site);
  kind(&w, "fracture_site", kb->fx_site, op_fx_site_str, OP_N_fx_site);
  kind(&w, "severity", kb->severity, op_severity_str, OP_N_severity);
  kind(&w, "condition", kb->condition, op_condition_str, OP_N_condition);
  kind(&w, "ui", kb->ui, op_ui_str, OP_N_ui);
  /* a reminder's words are a ui text of its own (kb.h op_reminder_ui) */
  for (int i = 0; i < OP_N_reminder; i++) words[i] = kb->ui[op_reminder_ui[i]].clinician;
  pairs(&w, "reminder", op_reminder_str, words, OP_N_reminder);
  for (int i = 0; i < kb->n_gaps; i++) gap_codes[i] = kb->gaps[i].code, words[i] = kb->gaps[i].clinician;
  pairs(&w, "gap", gap_codes, words, kb->n_gaps);
  for (int i = 0; i < OP_N_disagreement; i++) words[i] = kb->disagreement[i].topic;
  pairs(&w, "disagreement", op_disagreement_str, words, OP_N_disagreement);
  jw_end_obj(&w);
  jw_end_obj(&w);
  if (b.oom) return NULL;
  if (len) *len = b.len;
  return sb_str(&b);
}
