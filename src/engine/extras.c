/*
** extras.c: what every plan gets besides the decision: the alerts of
** default-profile.md section 7, supplements, lifestyle and monitoring
** (section 8), the goal and diagnosis codes (plan.md), the disagreements
** that matter for this patient (section 9), and the set of sources cited.
*/
#include <string.h>

#include "engine.h"

#define TH(id) KB_TH(e->kb, id)

/* What the plan starts (options[0] of the first phase it starts) and what it
** continues (the current course it keeps), default-profile.md section 1
** (2026.12); -1 for none. */
static int plan_starts(const op_plan *p) {
  bool starts = p->action == OP_ACT_START || p->action == OP_ACT_SWITCH || p->action == OP_ACT_TRANSITION ||
                p->action == OP_ACT_RESUME || p->action == OP_ACT_REFER;
  if (!starts || !p->n_phases || !p->phases[0].n || p->phases[0].current) return -1;
  return p->phases[0].agents[0];
}

static int plan_continues(const op_plan *p) {
  bool keeps = p->action == OP_ACT_CONTINUE || p->action == OP_ACT_REFER;
  if (!keeps || !p->n_phases || !p->phases[0].n || !p->phases[0].current) return -1;
  return p->phases[0].agents[0];
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
         p->action == OP_ACT_TRANSITION || p->action == OP_ACT_RESUME || p->action == OP_ACT_REFER ||
         p->action == OP_ACT_STOP;
}

/* hypocalcemia_correct_first: the agent the plan starts, resumes or
** continues, or (out of scope) a current course, that needs it. */
static void alert_hypocalcemia(eng *e, int agent) {
  if (!e->f.hypocalcemia || agent < 0 || !e->kb->agent[agent].correct_calcium_first) return;
  const op_say *what = calcium_low_say(e);
  ALERT(OP_AL_HYPOCALCEMIA_CORRECT_FIRST, A_SAY("calcium", what), A_NAME("agent", SAY_AGENT, agent));
  plan_add_monitor(e, OP_MON_CALCIUM_CHECK, e->f.as_of,
                   SAY(e, SAY_MONITOR, OP_MON_CALCIUM_CHECK, A_SAY("calcium", what), A_NAME("agent", SAY_AGENT, agent)));
}

/* One lab of baseline_labs_needed: missing, or outdated with its date. */
static const op_say *lab_need(eng *e, int ph, bool has, op_date date) {
  const op_say *name = SAY0(e, SAY_PHRASE, ph);
  if (!has) return SAY(e, SAY_PHRASE, OP_PH_LAB_MISSING, A_SAY("other", name));
  return SAY(e, SAY_PHRASE, OP_PH_LAB_OUTDATED, A_SAY("other", name), A_DATE("date", date),
             A_NUM("months", TH(LAB_CURRENT_MONTHS)));
}

static op_date latest(op_date a, bool has_a, op_date b, bool has_b) {
  if (!has_a) return b;
  if (!has_b) return a;
  return a > b ? a : b;
}

/* baseline_labs_needed (2026.12, LABEL): the labs the agent needs that are
** missing or older than the window; a missing lab is never read as normal. */
static void alert_baseline_labs(eng *e, int agent) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  if (agent < 0) return;
  unsigned need = e->kb->agent[agent].baseline_labs;
  const op_say *items[OP_N_LAB];
  int n = 0;
  if ((need >> OP_LAB_RENAL) & 1u && !f->renal_known)
    items[n++] = lab_need(e, OP_PH_LAB_RENAL, f->has_renal,
                          latest(r->egfr_date, r->has_egfr, r->crcl_date, r->has_crcl));
  if ((need >> OP_LAB_CALCIUM) & 1u && !f->calcium_known)
    items[n++] = lab_need(e, OP_PH_LAB_CALCIUM, r->has_calcium, r->calcium_date);
  if ((need >> OP_LAB_VITAMIN_D) & 1u && !f->vitd_known)
    items[n++] = lab_need(e, OP_PH_LAB_VITAMIN_D, r->has_vitd, r->vitd_date);
  if (!n) return;
  const op_say *labs = say_join(e, items, n, SEP_SEMICOLON);
  ALERT(OP_AL_BASELINE_LABS_NEEDED, A_NAME("agent", SAY_AGENT, agent), A_SAY("labs", labs));
  plan_add_monitor(e, OP_MON_BASELINE_LABS, f->as_of, SAY(e, SAY_MONITOR, OP_MON_BASELINE_LABS, A_SAY("labs", labs)));
}

/* MI or stroke on record older than the window (romosozumab's check). */
static const op_say *old_cv_events(eng *e) {
  const op_record *r = e->rec;
  const op_say *items[8];
  int n = 0;
  for (int i = 0; i < r->n_conditions && n < 8; i++) {
    const op_condition *c = &r->conditions[i];
    if ((c->code == OP_COND_MI || c->code == OP_COND_STROKE) && c->has_date)
      items[n++] = SAY(e, SAY_PHRASE, OP_PH_CONDITION_DATED, A_NAME("condition", SAY_CONDITION, c->code),
                       A_DATE("date", c->date));
  }
  return n ? say_join(e, items, n, SEP_SEMICOLON) : SAY0(e, SAY_UI, OP_UI_NONE);
}

/* Section 7 alerts that depend on what the plan starts or continues. */
static void agent_alerts(eng *e, int starts, int continues) {
  const op_facts *f = &e->f;
  const op_kb *kb = e->kb;
  const op_plan *p = e->p;
  int given = starts >= 0 ? starts : continues;
  alert_hypocalcemia(e, given);
  alert_baseline_labs(e, given);
  if (given >= 0 && kb->agent[given].severe_ckd_warning && f->has_renal && f->renal < TH(DMAB_SEVERE_CKD_RENAL)) {
    ALERT(OP_AL_DENOSUMAB_SEVERE_CKD, A_NUM("renal", f->renal), A_NUM("threshold", TH(DMAB_SEVERE_CKD_RENAL)));
    plan_add_monitor(e, OP_MON_CALCIUM_CHECK, f->as_of,
                     SAY(e, SAY_MONITOR, OP_MON_CALCIUM_CHECK,
                         A_SAY("calcium", SAY(e, SAY_PHRASE, OP_PH_RENAL_BELOW, A_NUM("renal", f->renal),
                                              A_NUM("threshold", TH(DMAB_SEVERE_CKD_RENAL)))),
                         A_NAME("agent", SAY_AGENT, given)));
  }
  /* a phase it starts: the first option of any phase that is not the current course */
  for (int i = 0; i < p->n_phases; i++) {
    if (p->phases[i].current || !p->phases[i].n) continue;
    int a = p->phases[i].agents[0];
    if (kb->agent[a].cardiovascular_check_before_start && (i == 0 || p->action != OP_ACT_REFER))
      ALERT(OP_AL_ROMOSOZUMAB_CV_CHECK, A_SAY("other", old_cv_events(e)));
  }
  if (starts >= 0 && kb->agent[starts].dental_review_at_start)
    ALERT(OP_AL_DENTAL_REVIEW, A_SAY("other", SAY(e, SAY_PHRASE, OP_PH_BEFORE_STARTING, A_NAME("agent", SAY_AGENT, starts))));
  if (f->finding[OP_FD_DENOSUMAB_THEN_ANABOLIC])
    ALERT(OP_AL_DENOSUMAB_THEN_ANABOLIC, A_NAME("agent", SAY_AGENT, e->rec->therapies[f->dmab_then_anabolic_course].agent),
          A_SAY("other", NULL));
}

/* Alerts given whatever the scope: a raised calcium or hyperparathyroidism
** is worked up first, and calcium supplements are held (2026.12). */
static void secondary_cause(eng *e) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  op_plan *p = e->p;
  bool hpth = f->has_condition[OP_COND_HYPERPARATHYROIDISM];
  if (!f->hypercalcemia && !hpth) return;
  const op_say *what;
  if (f->hypercalcemia && !f->has_condition[OP_COND_HYPERCALCEMIA])
    what = SAY(e, SAY_PHRASE, OP_PH_CALCIUM_HIGH, A_NUM("value", r->calcium), A_NUM("threshold", TH(CALCIUM_HIGH)));
  else
    what = SAY0(e, SAY_CONDITION, f->hypercalcemia ? OP_COND_HYPERCALCEMIA : OP_COND_HYPERPARATHYROIDISM);
  ALERT(OP_AL_SECONDARY_CAUSE_WORKUP, A_SAY("other", what));
  /* with hypocalcemia the calcium is given: it is being corrected */
  p->calcium_hold = f->hypercalcemia || !f->hypocalcemia;
}

/* Out of scope: hypocalcemia before the next dose of a current course. */
static void out_of_scope_alerts(eng *e) {
  for (int i = 0; i < e->rec->n_therapies; i++)
    if (e->f.current[i]) alert_hypocalcemia(e, e->rec->therapies[i].agent);
}

static void section7_alerts(eng *e) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  op_plan *p = e->p;
  int starts = plan_starts(p), continues = plan_continues(p);
  agent_alerts(e, starts, continues);
  if (r->has_vitd && r->vitd < TH(VITD_INSUFFICIENT)) {
    bool first = starts >= 0 && e->kb->agent[starts].vitamin_d_before_first_dose;
    const op_say *todo = first ? SAY(e, SAY_PHRASE, OP_PH_REPLETE_FIRST, A_NAME("agent", SAY_AGENT, starts))
                               : SAY0(e, SAY_PHRASE, OP_PH_REPLETE_VITAMIN_D);
    ALERT(OP_AL_VITAMIN_D_INSUFFICIENT, A_NUM("value", r->vitd), A_NUM("threshold", TH(VITD_INSUFFICIENT)),
          A_SAY("other", todo));
  }
  bool course = had_antiresorptive_course(e);
  if (f->has_condition[OP_COND_THIGH_GROIN_PAIN] && course) ALERT0(OP_AL_AFF_SYMPTOMS);
  if ((f->has_condition[OP_COND_DENTAL_SURGERY_PLANNED] || f->has_condition[OP_COND_JAW_PAIN]) && course) {
    int c = f->has_condition[OP_COND_DENTAL_SURGERY_PLANNED] ? OP_COND_DENTAL_SURGERY_PLANNED : OP_COND_JAW_PAIN;
    plan_remove_alert(p, OP_AL_DENTAL_REVIEW); /* the condition is the better reason */
    ALERT(OP_AL_DENTAL_REVIEW, A_NAME("other", SAY_CONDITION, c));
  }
  for (int i = 0; i < r->n_therapies; i++) {
    /* a man on romosozumab: the course continues to its end with its follow-on */
    int a = r->therapies[i].agent;
    if (!f->current[i]) continue;
    for (int k = 0; k < e->all_avoid[a].n; k++)
      if (e->all_avoid[a].reasons[k] == OP_RS_NOT_INDICATED) ALERT0(OP_AL_ROMOSOZUMAB_NOT_INDICATED);
  }
  if (f->gc_induced) {
    const op_medication *m = &r->meds[f->gc_idx];
    ALERT(OP_AL_GIOP, A_SAY("other", SAY(e, SAY_PHRASE, OP_PH_GLUCOCORTICOID_SINCE, A_NUM("dose", f->gc_dose),
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

/* The earliest planned end of an anabolic phase the plan starts or
** continues (as_of + its months), or OP_NO_DATE. */
static op_date anabolic_phase_end(const eng *e) {
  const op_plan *p = e->p;
  op_date best = OP_NO_DATE;
  for (int i = 0; i < p->n_phases; i++) {
    const op_phase *ph = &p->phases[i];
    if (ph->intent != OP_INTENT_ANABOLIC || !ph->n || !ph->has_months) continue;
    op_date end = facts_as_of_plus(&e->f, (int)ph->months);
    if (best == OP_NO_DATE || end < best) best = end;
  }
  return best;
}

static void monitoring(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  const op_kb *kb = e->kb;
  int dxa_m = (int)TH(DXA_INTERVAL_MONTHS);
  bool treat = drug_therapy(p);
  if (treat || (p->action == OP_ACT_NO_DRUG_THERAPY && p->diagnosis == OP_DX_OSTEOPENIA)) {
    /* no DXA on file: measure now; else the interval after the latest, or
    ** the planned end of an anabolic phase when that is earlier (2026.12) */
    op_date due = f->has_dxa ? date_add_months(f->latest_dxa, dxa_m) : f->as_of;
    const op_say *why = f->has_dxa ? SAY(e, SAY_MONITOR, OP_MON_DXA, A_NUM("window", dxa_m), A_DATE("from", f->latest_dxa))
                                   : SAY0(e, SAY_UI, OP_UI_DXA_FIRST);
    op_date end = treat ? anabolic_phase_end(e) : OP_NO_DATE;
    if (end != OP_NO_DATE && end < due) {
      due = end;
      why = SAY(e, SAY_PHRASE, OP_PH_DXA_AT_ANABOLIC_END, A_DATE("from", f->as_of),
                A_NUM("months", date_whole_months_between(f->as_of, end)));
    }
    plan_add_monitor(e, OP_MON_DXA, due, why);
  }
  if (treat) {
    int rv = (int)TH(RISK_REVIEW_MONTHS);
    plan_add_monitor(e, OP_MON_FRACTURE_RISK_REVIEW, facts_as_of_plus(f, rv),
                     SAY(e, SAY_MONITOR, OP_MON_FRACTURE_RISK_REVIEW, A_NUM("window", rv)));
    /* BTM when an agent that brings it (agents.ini bone_turnover_monitoring) is started */
    int starts = plan_starts(p);
    if (starts >= 0 && kb->agent[starts].bone_turnover_monitoring) {
      int bm = (int)TH(BTM_AFTER_MONTHS);
      plan_add_monitor(e, OP_MON_BTM, facts_as_of_plus(f, bm),
                       SAY(e, SAY_MONITOR, OP_MON_BTM, A_NUM("window", bm), A_NUM("fall", TH(P1NP_FALL_PCT))));
    }
  }
  if (p->action == OP_ACT_REFER)
    plan_add_monitor(e, OP_MON_SPECIALIST_REFERRAL, f->as_of,
                     SAY(e, SAY_MONITOR, OP_MON_SPECIALIST_REFERRAL, A_SAY("other", p->rationale_say)));
  /* the goal whenever drug therapy goes on with phases (not a stop) */
  if (treat && p->action != OP_ACT_STOP && p->n_phases) {
    p->has_goal = true;
    p->goal_has_target = f->has_lowest && f->lowest_t <= TH(GOAL_T_TARGET);
    p->goal_review_by = facts_as_of_plus(f, (int)TH(GOAL_REVIEW_MONTHS));
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
  /* date_within_months_before(x->date, as_of, window), each window's start
  ** worked out once */
  op_date default_from = facts_as_of_plus(f, -(int)TH(RECENT_FRACTURE_MONTHS));
  op_date other_from = facts_as_of_plus(f, -(int)TH(ALT_RECENT_FRACTURE_MONTHS));
  for (int i = 0; i < r->n_fractures; i++) {
    const op_fracture *x = &r->fractures[i];
    if (x->mechanism == OP_MECH_TRAUMATIC) continue;
    bool in_default = x->date <= f->as_of && x->date >= default_from;
    bool in_other = x->date <= f->as_of && x->date >= other_from;
    if (in_default != in_other) p->disagreement[OP_DG_RECENT_FRACTURE_WINDOW] = true;
  }
  p->disagreement[OP_DG_VITAMIN_D_DOSE] = true; /* every in-scope plan gives the dose */
  /* the lifetime limit decides the plan: an agent the rule tried was ruled
  ** out by it, or the current or ended anabolic reached it */
  if (f->finding[OP_FD_PTH_ANALOG_LIMIT_REACHED]) {
    bool decides = p->rule == OP_RULE_ANABOLIC_LIMIT_REACHED || p->rule == OP_RULE_ANABOLIC_ENDED;
    for (int a = 0; a < e->kb->n_agents; a++)
      if ((e->tried >> a) & 1u)
        for (int k = 0; k < e->all_avoid[a].n; k++) decides |= e->all_avoid[a].reasons[k] == OP_RS_PTH_ANALOG_LIFETIME_LIMIT;
    if (decides) p->disagreement[OP_DG_PTH_ANALOG_LIFETIME] = true;
  }
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
  /* and the guidelines those sources rest on: the set bits only, in
  ** ascending order as a loop over every source would take them */
  op_srcset with = s;
  for (op_srcset m = s; m; m &= m - 1) {
    int i = __builtin_ctz(m);
    if (i >= kb->n_sources) break;
    with |= kb->sources[i].rests_on;
  }
  p->all_sources = with;
}

/* The plan's criteria and alerts as sets (bit = code), made once for all
** the gaps' questions instead of a walk of the lists per question. */
typedef struct {
  uint32_t criteria, alerts;
} code_sets;
_Static_assert(OP_N_criterion <= 32 && OP_N_alert <= 32, "code_sets holds a bit per criterion and per alert");

static bool in_set(uint32_t set, int code) { return code >= 0 && code < 32 && ((set >> code) & 1u); }

static bool plan_has_code(const op_plan *p, const code_sets *cs, kb_plan_code c) {
  switch (c.kind) {
    case GK_ACTION: return (int)p->action == c.code;
    case GK_RULE: return (int)p->rule == c.code;
    case GK_RISK: return (int)p->risk == c.code;
    case GK_FINDING: return p->finding[c.code];
    case GK_CRITERION: return in_set(cs->criteria, c.code);
    case GK_ALERT: return in_set(cs->alerts, c.code);
    default: return false;
  }
}

/* Care gaps (gaps.ini): all of `all` and, when given, one of `any`. */
static void care_gaps(eng *e) {
  op_plan *p = e->p;
  code_sets cs = {0, 0};
  for (int i = 0; i < p->n_criteria; i++) cs.criteria |= (uint32_t)1 << p->criteria[i].code;
  for (int i = 0; i < p->n_alerts; i++) cs.alerts |= (uint32_t)1 << p->alerts[i].code;
  for (int g = 0; g < e->kb->n_gaps; g++) {
    const kb_gap *gap = &e->kb->gaps[g];
    bool ok = true;
    for (int i = 0; i < gap->n_all && ok; i++) ok = plan_has_code(p, &cs, gap->all[i]);
    if (ok && gap->n_any) {
      bool any = false;
      for (int i = 0; i < gap->n_any && !any; i++) any = plan_has_code(p, &cs, gap->any[i]);
      ok = any;
    }
    if (ok) p->gaps |= (uint32_t)1 << g;
  }
}

void extras_fill(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  p->in_scope = f->in_scope;
  secondary_cause(e);
  if (!f->in_scope) out_of_scope_alerts(e);
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
    op_date from = facts_as_of_plus(f, -(int)TH(DXCODE_NO_FRACTURE_MONTHS)); /* the window's start, once */
    for (int i = 0; i < e->rec->n_fractures; i++) {
      const op_fracture *x = &e->rec->fractures[i];
      if (x->mechanism != OP_MECH_TRAUMATIC && x->date <= f->as_of && x->date >= from) recent = true;
    }
    p->has_dxcodes = !recent;
    p->dxcode_glucocorticoid = f->gc_induced; /* M81.8: drug-induced (2026.12) */
  }
  care_gaps(e);
  disagreements(e);
  collect_sources(e);
}
