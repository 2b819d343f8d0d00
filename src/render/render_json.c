/*
** render_json.c: the plan as JSON, field by field as spec/plan.md lists it.
*/
#include <string.h>

#include "../json/json_write.h"
#include "render.h"

static void sources(jwriter *w, const op_kb *kb, op_srcset s) {
  jw_arr(w);
  for (int i = 0; i < kb->n_sources; i++)
    if (s & ((op_srcset)1 << i)) jw_str(w, kb->sources[i].id);
  jw_end_arr(w);
}

static void date(jwriter *w, op_date d) {
  char buf[11];
  date_format(d, buf);
  jw_str(w, buf);
}

static void option(jwriter *w, const op_plan *p, const op_phase *ph, int agent) {
  const kb_agent *g = &p->kb->agent[agent];
  jw_obj(w);
  jw_key(w, "agent"); jw_str(w, p->kb->agent_code[agent]);
  jw_key(w, "dose"); jw_str(w, g->dose);
  jw_key(w, "route"); jw_str(w, g->route);
  jw_key(w, "frequency"); jw_str(w, g->frequency);
  if (ph->intent == OP_INTENT_ANABOLIC && g->max_months >= 0) {
    jw_key(w, "max_months");
    jw_num(w, g->max_months);
  }
  if (ph->current) {
    jw_key(w, "current");
    jw_bool(w, true);
  }
  jw_end_obj(w);
}

static void avoid_list(jwriter *w, const op_plan *p, const op_avoid *list, int n) {
  jw_arr(w);
  for (int i = 0; i < n; i++) {
    const op_avoid *x = &list[i];
    jw_obj(w);
    jw_key(w, "agent"); jw_str(w, p->kb->agent_code[x->agent]);
    jw_key(w, "reasons");
    jw_arr(w);
    for (int k = 0; k < x->n; k++) jw_str(w, op_reason_str[x->reasons[k]]);
    jw_end_arr(w);
    if (x->detail) {
      jw_key(w, "detail");
      jw_str(w, x->detail);
    }
    jw_key(w, "sources"); sources(w, p->kb, x->sources);
    jw_end_obj(w);
  }
  jw_end_arr(w);
}

/* patient: who the patient is, when the record says (its name, the MRN,
** its identifiers); absent otherwise, so a plan without them is unchanged. */
static void put_patient(jwriter *w, const op_record *r) {
  if (!r->name && !r->n_identifiers) return;
  jw_key(w, "patient");
  jw_obj(w);
  if (r->name) { jw_key(w, "name"); jw_str(w, r->name); }
  if (r->mrn) { jw_key(w, "mrn"); jw_str(w, r->mrn); }
  if (r->n_identifiers) {
    jw_key(w, "identifiers");
    jw_arr(w);
    for (int i = 0; i < r->n_identifiers; i++) {
      const op_identifier *x = &r->identifiers[i];
      jw_obj(w);
      jw_key(w, "system"); jw_str(w, x->system);
      jw_key(w, "value"); jw_str(w, x->value);
      if (x->type) { jw_key(w, "type"); jw_str(w, x->type); }
      jw_end_obj(w);
    }
    jw_end_arr(w);
  }
  jw_end_obj(w);
}

/* the plan's head: schema, patient, date, profile, knowledge base, age, diagnosis */
static void put_head(jwriter *w, const op_plan *p) {
  const op_kb *kb = p->kb;
  const op_record *r = p->rec;
  jw_key(w, "schema"); jw_str(w, OP_SCHEMA);
  jw_key(w, "patient_id"); jw_str(w, r->id);
  put_patient(w, r);
  jw_key(w, "as_of"); date(w, p->as_of);
  jw_key(w, "profile"); jw_str(w, kb->profile);
  jw_key(w, "knowledge_base");
  jw_obj(w);
  jw_key(w, "version"); jw_str(w, kb->version);
  jw_key(w, "status"); jw_str(w, kb->status);
  jw_key(w, "updated"); jw_str(w, kb->updated);
  /* who reviewed it and when: null while nobody has (default-profile.md 10) */
  jw_key(w, "reviewed_by");
  if (kb->reviewed_by) jw_str(w, kb->reviewed_by);
  else jw_null(w);
  jw_key(w, "reviewed_on");
  if (kb->reviewed_on) jw_str(w, kb->reviewed_on);
  else jw_null(w);
  jw_end_obj(w);
  jw_key(w, "age"); jw_int(w, p->age);
  jw_key(w, "diagnosis"); jw_str(w, op_diagnosis_str[p->diagnosis]);
  jw_key(w, "lowest_t_score");
  if (p->has_lowest) {
    jw_obj(w);
    jw_key(w, "value"); jw_num(w, p->lowest_t);
    jw_key(w, "site"); jw_str(w, op_site_str[p->lowest_site]);
    jw_key(w, "date"); date(w, p->lowest_date);
    jw_end_obj(w);
  } else {
    jw_null(w);
  }
}

/* risk: the category and the criteria that put the patient there */
static void put_risk(jwriter *w, const op_plan *p) {
  const op_kb *kb = p->kb;
  jw_key(w, "risk");
  jw_obj(w);
  jw_key(w, "category"); jw_str(w, op_risk_str[p->risk]);
  jw_key(w, "criteria");
  jw_arr(w);
  for (int i = 0; i < p->n_criteria; i++) {
    const op_criterion *c = &p->criteria[i];
    jw_obj(w);
    jw_key(w, "code"); jw_str(w, op_criterion_str[c->code]);
    jw_key(w, "detail"); jw_str(w, c->detail);
    jw_key(w, "sources"); sources(w, kb, c->sources);
    jw_end_obj(w);
  }
  jw_end_arr(w);
  jw_end_obj(w);
}

/* treatment: status, findings, action and rule, the phases with their options */
static void put_treatment(jwriter *w, const op_plan *p) {
  const op_kb *kb = p->kb;
  jw_key(w, "treatment");
  jw_obj(w);
  jw_key(w, "status"); jw_str(w, op_status_str[p->status]);
  jw_key(w, "findings");
  jw_arr(w);
  for (int i = 0; i < OP_N_finding; i++) {
    if (!p->finding[i]) continue;
    /* an object: the finding and, where it concerns one, its agent */
    jw_obj(w);
    jw_key(w, "code"); jw_str(w, op_finding_str[i]);
    if (p->finding_has_agent[i]) {
      jw_key(w, "agent"); jw_str(w, kb->agent_code[p->finding_agent[i]]);
    }
    jw_end_obj(w);
  }
  jw_end_arr(w);
  jw_key(w, "action"); jw_str(w, op_action_str[p->action]);
  jw_key(w, "rule"); jw_str(w, op_rule_str[p->rule]);
  jw_key(w, "phases");
  jw_arr(w);
  for (int i = 0; i < p->n_phases; i++) {
    const op_phase *ph = &p->phases[i];
    jw_obj(w);
    jw_key(w, "intent"); jw_str(w, op_intent_str[ph->intent]);
    jw_key(w, "options");
    jw_arr(w);
    for (int k = 0; k < ph->n; k++) option(w, p, ph, ph->agents[k]);
    jw_end_arr(w);
    jw_key(w, "months");
    if (ph->has_months) jw_num(w, ph->months);
    else jw_null(w);
    jw_end_obj(w);
  }
  jw_end_arr(w);
  jw_key(w, "rationale"); jw_str(w, p->rationale);
  jw_key(w, "sources"); sources(w, kb, p->treatment_sources);
  jw_end_obj(w);
}

/* avoid, not_recommended and alerts */
static void put_alerts(jwriter *w, const op_plan *p) {
  const op_kb *kb = p->kb;
  jw_key(w, "avoid"); avoid_list(w, p, p->avoid, p->n_avoid);
  jw_key(w, "not_recommended"); avoid_list(w, p, p->not_rec, p->n_not_rec);

  jw_key(w, "alerts");
  jw_arr(w);
  for (int i = 0; i < p->n_alerts; i++) {
    const op_alert *x = &p->alerts[i];
    jw_obj(w);
    jw_key(w, "code"); jw_str(w, op_alert_str[x->code]);
    jw_key(w, "severity"); jw_str(w, op_severity_str[x->severity]);
    jw_key(w, "message"); jw_str(w, x->message);
    jw_key(w, "sources"); sources(w, kb, x->sources);
    jw_end_obj(w);
  }
  jw_end_arr(w);
  jw_key(w, "indicator"); jw_str(w, op_severity_str[p->indicator]);
}

/* supplements, lifestyle, monitoring and the goal */
static void put_care(jwriter *w, const op_plan *p) {
  const op_kb *kb = p->kb;
  jw_key(w, "supplements");
  if (p->in_scope) {
    jw_obj(w);
    jw_key(w, "calcium_mg_per_day");
    jw_arr(w);
    jw_num(w, KB_TH(kb, CALCIUM_MG_MIN));
    jw_num(w, KB_TH(kb, CALCIUM_MG_MAX));
    jw_end_arr(w);
    jw_key(w, "vitamin_d_iu_per_day");
    jw_arr(w);
    jw_num(w, KB_TH(kb, VITD_IU_MIN));
    jw_num(w, KB_TH(kb, VITD_IU_MAX));
    jw_end_arr(w);
    jw_key(w, "vitamin_d_target_ng_ml"); jw_num(w, KB_TH(kb, VITD_TARGET));
    jw_key(w, "calcium_hold"); jw_bool(w, p->calcium_hold);
    jw_key(w, "sources"); sources(w, kb, kb->supplements.sources);
    jw_end_obj(w);
  } else {
    jw_null(w);
  }

  jw_key(w, "lifestyle");
  jw_arr(w);
  for (int i = 0; i < OP_N_lifestyle; i++)
    if (p->lifestyle[i]) jw_str(w, op_lifestyle_str[i]);
  jw_end_arr(w);

  /* the safety reminders the engine decided, and who hears each */
  jw_key(w, "reminders");
  jw_arr(w);
  for (int i = 0; i < p->n_reminders; i++) {
    const op_reminder *r = &p->reminders[i];
    jw_obj(w);
    jw_key(w, "code"); jw_str(w, op_reminder_str[r->code]);
    jw_key(w, "severity"); jw_str(w, op_severity_str[r->severity]);
    jw_key(w, "audiences");
    jw_arr(w);
    if (r->clinician) jw_str(w, "clinician");
    if (r->patient) jw_str(w, "patient");
    jw_end_arr(w);
    jw_end_obj(w);
  }
  jw_end_arr(w);

  jw_key(w, "monitoring");
  jw_arr(w);
  for (int i = 0; i < p->n_monitor; i++) {
    const op_monitor_item *m = &p->monitor[i];
    jw_obj(w);
    jw_key(w, "code"); jw_str(w, op_monitor_str[m->code]);
    jw_key(w, "due"); date(w, m->due);
    if (m->overdue) {
      jw_key(w, "overdue_since"); date(w, m->overdue_since);
    }
    jw_key(w, "reason"); jw_str(w, m->reason ? m->reason : kb->monitor[m->code].clinician);
    jw_key(w, "sources"); sources(w, kb, m->sources);
    jw_end_obj(w);
  }
  jw_end_arr(w);

  jw_key(w, "goal");
  if (p->has_goal) {
    jw_obj(w);
    jw_key(w, "summary"); jw_str(w, p->goal_has_target ? kb->goal.clinician : kb->goal_no_target.clinician);
    jw_key(w, "t_score_target");
    if (p->goal_has_target) jw_num(w, KB_TH(kb, GOAL_T_TARGET));
    else jw_null(w);
    jw_key(w, "review_by"); date(w, p->goal_review_by);
    jw_key(w, "sources"); sources(w, kb, kb->goal.sources);
    jw_end_obj(w);
  } else {
    jw_null(w);
  }
}

/* diagnosis codes, care gaps and what the input lacked */
static void put_codes(jwriter *w, const op_plan *p) {
  const op_kb *kb = p->kb;
  jw_key(w, "diagnosis_codes");
  jw_arr(w);
  if (p->has_dxcodes)
    for (int i = 0; i < kb->n_dxcodes; i++) {
      jw_obj(w);
      jw_key(w, "system"); jw_str(w, kb->dxcodes[i].system);
      jw_key(w, "code"); jw_str(w, (i == 0 && p->dxcode_glucocorticoid ? kb->dxcode_glucocorticoid : kb->dxcodes[i].code));
      jw_end_obj(w);
    }
  jw_end_arr(w);

  jw_key(w, "care_gaps");
  jw_arr(w);
  for (int g = 0; g < kb->n_gaps; g++)
    if (p->gaps & ((uint32_t)1 << g)) jw_str(w, kb->gaps[g].code);
  jw_end_arr(w);

  jw_key(w, "incomplete_input"); jw_bool(w, p->incomplete_input);
  jw_key(w, "input_notes");
  jw_arr(w);
  for (int i = 0; i < p->n_input_notes; i++) jw_str(w, p->input_notes[i]);
  jw_end_arr(w);
}

/* where the sources disagree and what the plan applied */
static void put_disagreements(jwriter *w, const op_plan *p) {
  const op_kb *kb = p->kb;
  jw_key(w, "disagreements");
  jw_arr(w);
  for (int d = 0; d < OP_N_disagreement; d++) {
    if (!p->disagreement[d]) continue;
    const kb_disagreement *g = &kb->disagreement[d];
    jw_obj(w);
    jw_key(w, "topic"); jw_str(w, op_disagreement_str[d]);
    jw_key(w, "positions");
    jw_arr(w);
    for (int k = 0; k < g->n; k++) {
      jw_obj(w);
      jw_key(w, "source"); jw_str(w, g->source[k]);
      jw_key(w, "statement"); jw_str(w, g->statement[k]);
      jw_end_obj(w);
    }
    jw_end_arr(w);
    jw_key(w, "applied"); jw_str(w, g->applied);
    jw_end_obj(w);
  }
  jw_end_arr(w);
}

/* the sources the plan cites, by id */
static void put_sources(jwriter *w, const op_plan *p) {
  const op_kb *kb = p->kb;
  jw_key(w, "sources");
  jw_obj(w);
  for (int i = 0; i < kb->n_sources; i++) {
    if (!(p->all_sources & ((op_srcset)1 << i))) continue;
    const kb_source *s = &kb->sources[i];
    jw_key(w, s->id);
    jw_obj(w);
    jw_key(w, "title"); jw_str(w, s->title);
    jw_key(w, "kind"); jw_str(w, s->kind);
    if (s->file) { jw_key(w, "file"); jw_str(w, s->file); }
    if (s->updated) { jw_key(w, "updated"); jw_str(w, s->updated); }
    if (s->review) { jw_key(w, "review_status"); jw_str(w, s->review); }
    if (s->rests_on) { jw_key(w, "rests_on"); sources(w, kb, s->rests_on); }
    jw_end_obj(w);
  }
  jw_end_obj(w);
}

const char *render_json(arena *a, const op_plan *p, bool pretty, size_t *len) {
  strbuf b;
  sb_init(&b, a);
  jwriter w;
  jw_init(&w, &b, pretty);
  jw_obj(&w);
  put_head(&w, p);
  put_risk(&w, p);
  put_treatment(&w, p);
  put_alerts(&w, p);
  put_care(&w, p);
  put_codes(&w, p);
  put_disagreements(&w, p);
  put_sources(&w, p);
  jw_end_obj(&w);
  if (pretty) sb_putc(&b, '\n');
  if (b.oom) return NULL;
  if (len) *len = b.len;
  return sb_str(&b);
}
