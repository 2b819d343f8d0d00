/*
** extras.c: what every plan gets besides the decision: the alerts of
** default-profile.md section 7, supplements, lifestyle and monitoring
** (section 8), the goal and diagnosis codes (plan.md), the disagreements
** that matter for this patient (section 9), and the set of sources cited.
*/
#include <string.h>

#include "../kb/template.h"
#include "engine.h"

#define TH(id) KB_TH(e->kb, id)

/* The agent of the plan whose hypocalcemia must be corrected first with the
** lowest rank (agents.ini correct_calcium_first), or -1. */
static int calcium_first_agent(const op_plan *p, const op_kb *kb) {
  int best = -1;
  for (int i = 0; i < p->n_phases; i++)
    for (int j = 0; j < p->phases[i].n; j++) {
      int a = p->phases[i].agents[j], r = kb->agent[a].correct_calcium_first;
      if (r && (best < 0 || r < kb->agent[best].correct_calcium_first)) best = a;
    }
  return best;
}

/* The disagreements the plan's agents bring: disagreement_if_offered, and
** disagreement_if_offered_with when one phase offers two agents naming it. */
static void offered_disagreements(const op_kb *kb, op_plan *p) {
  for (int i = 0; i < p->n_phases; i++) {
    int with[OP_N_disagreement] = {0};
    for (int j = 0; j < p->phases[i].n; j++) {
      const kb_agent *g = &kb->agent[p->phases[i].agents[j]];
      if (g->disagreement_if_offered >= 0) p->disagreement[g->disagreement_if_offered] = true;
      if (g->disagreement_if_offered_with >= 0 && ++with[g->disagreement_if_offered_with] == 2)
        p->disagreement[g->disagreement_if_offered_with] = true;
    }
  }
}

static bool had_antiresorptive_course(const eng *e) {
  for (int i = 0; i < e->rec->n_therapies; i++) {
    int a = e->rec->therapies[i].agent;
    if (e->kb->agent[a].jaw_and_femur_risk) return true;
  }
  return false;
}

static void alert(eng *e, int code, tmpl_var *v, int nv) {
  const kb_text *t = &e->kb->alert[code];
  plan_add_alert(e, code, eng_fill(e, t->clinician, v, nv), eng_fill(e, t->patient, v, nv));
}

static bool drug_therapy(const op_plan *p) {
  return p->action == OP_ACT_START || p->action == OP_ACT_CONTINUE || p->action == OP_ACT_SWITCH ||
         p->action == OP_ACT_TRANSITION;
}

static void section7_alerts(eng *e) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  op_plan *p = e->p;
  if (f->hypocalcemia) {
    int agent = calcium_first_agent(p, e->kb);
    if (agent >= 0 && drug_therapy(p)) {
      const char *what = r->has_calcium && r->calcium < TH(CALCIUM_LOW)
                             ? eng_fill(e, e->kb->phrase[OP_PH_CALCIUM_LOW],
                                         (tmpl_var[]){{"value", eng_num(e, r->calcium)},
                                                      {"threshold", eng_num(e, TH(CALCIUM_LOW))}}, 2)
                             : e->kb->condition[OP_COND_HYPOCALCEMIA].clinician;
      tmpl_var v[] = {{"calcium", what}, {"agent", e->kb->agent[agent].name}};
      alert(e, OP_AL_HYPOCALCEMIA_CORRECT_FIRST, v, 2);
      plan_add_monitor(e, OP_MON_CALCIUM_CHECK, f->as_of,
                       eng_fill(e, e->kb->monitor[OP_MON_CALCIUM_CHECK].detail, v, 2));
    }
  }
  if (r->has_vitd && r->vitd < TH(VITD_INSUFFICIENT)) {
    tmpl_var v[] = {{"value", eng_num(e, r->vitd)}, {"threshold", eng_num(e, TH(VITD_INSUFFICIENT))}};
    alert(e, OP_AL_VITAMIN_D_INSUFFICIENT, v, 2);
  }
  bool course = had_antiresorptive_course(e);
  if (f->has_condition[OP_COND_THIGH_GROIN_PAIN] && course) alert(e, OP_AL_AFF_SYMPTOMS, NULL, 0);
  if ((f->has_condition[OP_COND_DENTAL_SURGERY_PLANNED] || f->has_condition[OP_COND_JAW_PAIN]) && course) {
    int c = f->has_condition[OP_COND_DENTAL_SURGERY_PLANNED] ? OP_COND_DENTAL_SURGERY_PLANNED : OP_COND_JAW_PAIN;
    tmpl_var v[] = {{"other", e->kb->condition[c].clinician}};
    alert(e, OP_AL_DENTAL_REVIEW, v, 1);
  }
  if (f->gc_induced) {
    const op_medication *m = &r->meds[f->gc_idx];
    tmpl_var v[] = {{"other", eng_fill(e, e->kb->phrase[OP_PH_GLUCOCORTICOID_SINCE],
                                        (tmpl_var[]){{"dose", eng_num(e, m->dose)}, {"start", eng_date(e, m->start)}},
                                        2)}};
    alert(e, OP_AL_GIOP, v, 1);
  }
  if (f->has_renal && f->renal < TH(RENAL_ALERT)) {
    tmpl_var v[] = {{"renal", eng_num(e, f->renal)}, {"threshold", eng_num(e, TH(RENAL_ALERT))}};
    alert(e, OP_AL_RENAL_IMPAIRMENT, v, 2);
  }
  bool falls = r->has_falls && r->falls_past_year >= TH(FALLS_ALERT);
  if (falls || f->has_condition[OP_COND_HIGH_FALL_RISK]) {
    const char *what = falls ? eng_fill(e, e->kb->phrase[OP_PH_FALLS_PAST_YEAR],
                                         (tmpl_var[]){{"falls", eng_num(e, r->falls_past_year)}}, 1)
                             : e->kb->condition[OP_COND_HIGH_FALL_RISK].clinician;
    tmpl_var v[] = {{"other", what}};
    alert(e, OP_AL_FALL_RISK, v, 1);
  }
}

static void monitoring(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  const op_kb *kb = e->kb;
  int dxa_m = (int)TH(DXA_INTERVAL_MONTHS);
  bool treat = drug_therapy(p);
  if (treat || (p->action == OP_ACT_NO_DRUG_THERAPY && p->diagnosis == OP_DX_OSTEOPENIA)) {
    op_date from = f->has_dxa ? f->latest_dxa : f->as_of;
    const char *fromtxt = f->has_dxa ? eng_date(e, f->latest_dxa) : kb_ui(kb, OP_UI_NONE, false);
    /* no DXA on file: measure now */
    op_date due = f->has_dxa ? date_add_months(from, dxa_m) : f->as_of;
    plan_add_monitor(e, OP_MON_DXA, due,
                     f->has_dxa ? eng_fill(e, kb->monitor[OP_MON_DXA].detail,
                                           (tmpl_var[]){{"window", eng_num(e, dxa_m)}, {"from", fromtxt}}, 2)
                                : kb_ui(kb, OP_UI_DXA_FIRST, false));
  }
  if (treat) {
    int rv = (int)TH(RISK_REVIEW_MONTHS);
    plan_add_monitor(e, OP_MON_FRACTURE_RISK_REVIEW, date_add_months(f->as_of, rv),
                     eng_fill(e, kb->monitor[OP_MON_FRACTURE_RISK_REVIEW].detail,
                               (tmpl_var[]){{"window", eng_num(e, rv)}}, 1));
    /* BTM when an agent that brings it (agents.ini bone_turnover_monitoring) is started */
    if (p->action != OP_ACT_CONTINUE && p->n_phases && p->phases[0].n &&
        kb->agent[p->phases[0].agents[0]].bone_turnover_monitoring) {
      int bm = (int)TH(BTM_AFTER_MONTHS);
      plan_add_monitor(e, OP_MON_BTM, date_add_months(f->as_of, bm),
                       eng_fill(e, kb->monitor[OP_MON_BTM].detail,
                                 (tmpl_var[]){{"window", eng_num(e, bm)}, {"fall", eng_num(e, TH(P1NP_FALL_PCT))}},
                                 2));
    }
    p->has_goal = true;
    p->goal_review_by = date_add_months(f->as_of, (int)TH(GOAL_REVIEW_MONTHS));
  }
}

static void disagreements(eng *e) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  op_plan *p = e->p;
  if (!f->in_scope) return;
  bool mof_between = r->frax.has_mof && r->frax.mof >= TH(ALT_FRAX_MOF_VERY_HIGH) && r->frax.mof < TH(FRAX_MOF_VERY_HIGH);
  bool hip_between = r->frax.has_hip && r->frax.hip >= TH(ALT_FRAX_HIP_VERY_HIGH) && r->frax.hip < TH(FRAX_HIP_VERY_HIGH);
  if (mof_between || hip_between) p->disagreement[OP_DG_FRAX_VERY_HIGH_RISK] = true;
  if (f->has_lowest && f->lowest_t <= TH(T_VERY_LOW) && f->lowest_t > TH(ALT_T_VERY_LOW))
    p->disagreement[OP_DG_T_SCORE_VERY_HIGH_RISK] = true;
  for (int i = 0; i < r->n_fractures; i++) {
    const op_fracture *x = &r->fractures[i];
    if (x->mechanism == OP_MECH_TRAUMATIC) continue;
    bool in_default = date_within_months_before(x->date, f->as_of, TH(RECENT_FRACTURE_MONTHS));
    bool in_other = date_within_months_before(x->date, f->as_of, TH(ALT_RECENT_FRACTURE_MONTHS));
    if (in_default != in_other) p->disagreement[OP_DG_RECENT_FRACTURE_WINDOW] = true;
  }
  p->disagreement[OP_DG_VITAMIN_D_DOSE] = true; /* every in-scope plan gives the dose */
  for (int i = 0; i < r->n_therapies; i++) {
    int a = r->therapies[i].agent;
    if (e->kb->agent[a].disagreement_if_taken >= 0) p->disagreement[e->kb->agent[a].disagreement_if_taken] = true;
  }
  offered_disagreements(e->kb, p);
}

static void collect_sources(eng *e) {
  op_plan *p = e->p;
  const op_kb *kb = e->kb;
  op_srcset s = p->treatment_sources;
  for (int i = 0; i < p->n_criteria; i++) s |= p->criteria[i].sources;
  for (int i = 0; i < p->n_avoid; i++) s |= p->avoid[i].sources;
  for (int i = 0; i < p->n_not_rec; i++) s |= p->not_rec[i].sources;
  for (int i = 0; i < p->n_alerts; i++) s |= p->alerts[i].sources;
  for (int i = 0; i < p->n_monitor; i++) s |= p->monitor[i].sources;
  for (int i = 0; i < OP_N_finding; i++)
    if (p->finding[i]) s |= kb->finding[i].sources;
  for (int i = 0; i < OP_N_lifestyle; i++)
    if (p->lifestyle[i]) s |= kb->lifestyle[i].sources;
  for (int i = 0; i < OP_N_disagreement; i++)
    if (p->disagreement[i]) s |= kb->disagreement_sources[i];
  if (p->has_goal) s |= kb->goal.sources;
  if (p->has_dxcodes) s |= kb->dxcode_sources;
  if (p->in_scope) s |= kb->supplements.sources;
  for (int i = 0; i < p->n_phases; i++)
    for (int j = 0; j < p->phases[i].n; j++) s |= kb->agent[p->phases[i].agents[j]].sources;
  /* and the guidelines those sources rest on */
  op_srcset with = s;
  for (int i = 0; i < kb->n_sources; i++)
    if (s & ((op_srcset)1 << i)) with |= kb->sources[i].rests_on;
  p->all_sources = with;
}

static bool plan_has_code(const op_plan *p, kb_plan_code c) {
  switch (c.kind) {
    case GK_ACTION: return p->action == c.code;
    case GK_RULE: return p->rule == c.code;
    case GK_RISK: return p->risk == c.code;
    case GK_FINDING: return p->finding[c.code];
    case GK_CRITERION:
      for (int i = 0; i < p->n_criteria; i++)
        if (p->criteria[i].code == c.code) return true;
      return false;
    case GK_ALERT:
      for (int i = 0; i < p->n_alerts; i++)
        if (p->alerts[i].code == c.code) return true;
      return false;
    default: return false;
  }
}

/* Care gaps (gaps.ini): all of `all` and, when given, one of `any`. */
static void care_gaps(eng *e) {
  op_plan *p = e->p;
  for (int g = 0; g < e->kb->n_gaps; g++) {
    const kb_gap *gap = &e->kb->gaps[g];
    bool ok = true;
    for (int i = 0; i < gap->n_all && ok; i++) ok = plan_has_code(p, gap->all[i]);
    if (ok && gap->n_any) {
      bool any = false;
      for (int i = 0; i < gap->n_any && !any; i++) any = plan_has_code(p, gap->any[i]);
      ok = any;
    }
    if (ok) p->gaps |= (uint32_t)1 << g;
  }
}

void extras_fill(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  p->in_scope = f->in_scope;
  if (f->in_scope) {
    section7_alerts(e);
    p->lifestyle[OP_LS_WEIGHT_BEARING_EXERCISE] = true;
    p->lifestyle[OP_LS_FALL_PREVENTION] = true;
    p->lifestyle[OP_LS_SMOKING_CESSATION] = e->rec->smoker == 1;
    p->lifestyle[OP_LS_ALCOHOL_LIMIT] = true;
    if (e->texts) monitoring(e); /* screening reports no dates */
  }
  /* ICD codes for osteoporosis without a recent fragility fracture (S003) */
  if (p->diagnosis == OP_DX_OSTEOPOROSIS) {
    bool recent = false;
    for (int i = 0; i < e->rec->n_fractures; i++) {
      const op_fracture *x = &e->rec->fractures[i];
      if (x->mechanism != OP_MECH_TRAUMATIC &&
          date_within_months_before(x->date, f->as_of, TH(DXCODE_NO_FRACTURE_MONTHS)))
        recent = true;
    }
    p->has_dxcodes = !recent;
  }
  care_gaps(e);
  if (!e->texts) return; /* codes only: disagreements and sources are words */
  disagreements(e);
  collect_sources(e);
}
