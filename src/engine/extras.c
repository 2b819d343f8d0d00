/*
** extras.c: what every plan gets besides the decision: the alerts of
** default-profile.md section 7, supplements, lifestyle and monitoring
** (section 8), the goal and diagnosis codes (plan.md), the disagreements
** that matter for this patient (section 9), and the set of sources cited.
*/
#include <string.h>

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

#define ALERT(code, ...) plan_add_alert(e, code, SAY(e, SAY_ALERT, code, __VA_ARGS__))
#define ALERT0(code) plan_add_alert(e, code, SAY0(e, SAY_ALERT, code))

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
      const op_say *what = r->has_calcium && r->calcium < TH(CALCIUM_LOW)
                               ? SAY(e, SAY_PHRASE, OP_PH_CALCIUM_LOW, A_NUM("value", r->calcium),
                                     A_NUM("threshold", TH(CALCIUM_LOW)))
                               : SAY0(e, SAY_CONDITION, OP_COND_HYPOCALCEMIA);
      ALERT(OP_AL_HYPOCALCEMIA_CORRECT_FIRST, A_SAY("calcium", what), A_NAME("agent", SAY_AGENT, agent));
      plan_add_monitor(e, OP_MON_CALCIUM_CHECK, f->as_of,
                       SAY(e, SAY_MONITOR, OP_MON_CALCIUM_CHECK, A_SAY("calcium", what),
                           A_NAME("agent", SAY_AGENT, agent)));
    }
  }
  if (r->has_vitd && r->vitd < TH(VITD_INSUFFICIENT)) {
    ALERT(OP_AL_VITAMIN_D_INSUFFICIENT, A_NUM("value", r->vitd), A_NUM("threshold", TH(VITD_INSUFFICIENT)));
  }
  bool course = had_antiresorptive_course(e);
  if (f->has_condition[OP_COND_THIGH_GROIN_PAIN] && course) ALERT0(OP_AL_AFF_SYMPTOMS);
  if ((f->has_condition[OP_COND_DENTAL_SURGERY_PLANNED] || f->has_condition[OP_COND_JAW_PAIN]) && course) {
    int c = f->has_condition[OP_COND_DENTAL_SURGERY_PLANNED] ? OP_COND_DENTAL_SURGERY_PLANNED : OP_COND_JAW_PAIN;
    ALERT(OP_AL_DENTAL_REVIEW, A_NAME("other", SAY_CONDITION, c));
  }
  if (f->gc_induced) {
    const op_medication *m = &r->meds[f->gc_idx];
    ALERT(OP_AL_GIOP, A_SAY("other", SAY(e, SAY_PHRASE, OP_PH_GLUCOCORTICOID_SINCE, A_NUM("dose", m->dose),
                                         A_DATE("start", m->start))));
  }
  if (f->has_renal && f->renal < TH(RENAL_ALERT)) {
    ALERT(OP_AL_RENAL_IMPAIRMENT, A_NUM("renal", f->renal), A_NUM("threshold", TH(RENAL_ALERT)));
  }
  bool falls = r->has_falls && r->falls_past_year >= TH(FALLS_ALERT);
  if (falls || f->has_condition[OP_COND_HIGH_FALL_RISK]) {
    const op_say *what = falls ? SAY(e, SAY_PHRASE, OP_PH_FALLS_PAST_YEAR, A_NUM("falls", r->falls_past_year))
                               : SAY0(e, SAY_CONDITION, OP_COND_HIGH_FALL_RISK);
    ALERT(OP_AL_FALL_RISK, A_SAY("other", what));
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
    /* no DXA on file: measure now */
    op_date due = f->has_dxa ? date_add_months(from, dxa_m) : f->as_of;
    plan_add_monitor(e, OP_MON_DXA, due,
                     f->has_dxa ? SAY(e, SAY_MONITOR, OP_MON_DXA, A_NUM("window", dxa_m), A_DATE("from", f->latest_dxa))
                                : SAY0(e, SAY_UI, OP_UI_DXA_FIRST));
  }
  if (treat) {
    int rv = (int)TH(RISK_REVIEW_MONTHS);
    plan_add_monitor(e, OP_MON_FRACTURE_RISK_REVIEW, date_add_months(f->as_of, rv),
                     SAY(e, SAY_MONITOR, OP_MON_FRACTURE_RISK_REVIEW, A_NUM("window", rv)));
    /* BTM when an agent that brings it (agents.ini bone_turnover_monitoring) is started */
    if (p->action != OP_ACT_CONTINUE && p->n_phases && p->phases[0].n &&
        kb->agent[p->phases[0].agents[0]].bone_turnover_monitoring) {
      int bm = (int)TH(BTM_AFTER_MONTHS);
      plan_add_monitor(e, OP_MON_BTM, date_add_months(f->as_of, bm),
                       SAY(e, SAY_MONITOR, OP_MON_BTM, A_NUM("window", bm), A_NUM("fall", TH(P1NP_FALL_PCT))));
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
    case GK_ACTION: return (int)p->action == c.code;
    case GK_RULE: return (int)p->rule == c.code;
    case GK_RISK: return (int)p->risk == c.code;
    case GK_FINDING: return p->finding[c.code];
    case GK_CRITERION:
      for (int i = 0; i < p->n_criteria; i++)
        if ((int)p->criteria[i].code == c.code) return true;
      return false;
    case GK_ALERT:
      for (int i = 0; i < p->n_alerts; i++)
        if ((int)p->alerts[i].code == c.code) return true;
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
    monitoring(e);
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
  disagreements(e);
  collect_sources(e);
}
