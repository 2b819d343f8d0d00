/*
** decision.c: the decision (default-profile.md section 6): the first rule
** that matches sets the action, the phases in order of preference, the
** alerts it owns and its rationale with the patient's values.
**
** Rule order, as the profile fixes it:
**   0. out of scope (section 0)
**   1. current denosumab            2. denosumab stopped without follow-up
**   3. current anabolic             4. anabolic ended without follow-up
**   5. current bisphosphonate       6. current raloxifene / hormone therapy
**   7. no current course, by risk
** Preference orders are knowledge-base data (regimens.ini); an agent avoided
** for the patient is filtered out, and a phase left empty falls back as the
** rule says or ends in `assess` with the critical alert `no_safe_agent`.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../kb/template.h"
#include "../util/strbuf.h"
#include "engine.h"

#define TH(id) KB_TH(e->kb, id)

/* ---- phases ------------------------------------------------------------- */

/* Months still allowed for an anabolic agent (lifetime or course limit). */
static double anabolic_months_left(const eng *e, int agent) {
  const kb_agent *g = &e->kb->agent[agent];
  double left = g->max_months;
  if (agent_pth_limited(e->kb, agent)) left = fmin(left, TH(PTH_LIMIT_MONTHS) - e->f.pth_months);
  if (g->course_dose_limit) left = fmin(left, TH(ROMO_LIMIT_DOSES) - e->f.romo_doses);
  return left < 0 ? 0 : left;
}

static void phase_set_months(eng *e, op_phase *ph) {
  ph->has_months = false;
  if (ph->n && ph->intent == OP_INTENT_ANABOLIC) {
    ph->has_months = true;
    ph->months = anabolic_months_left(e, ph->agents[0]);
  }
}

/* Appends the agents of list (not avoided, not already there) to ph. */
static void phase_fill(eng *e, op_phase *ph, const kb_order *list) {
  for (int i = 0; i < list->n; i++) {
    int a = list->agents[i];
    if (agent_avoided(e, a)) continue;
    bool dup = false;
    for (int j = 0; j < ph->n; j++) dup |= ph->agents[j] == a;
    if (!dup) ph->agents[ph->n++] = a;
  }
}

static op_phase *new_phase(eng *e, int intent) {
  op_plan *p = e->p;
  op_phase *ph = &p->phases[p->n_phases++];
  memset(ph, 0, sizeof *ph);
  ph->intent = intent;
  return ph;
}

static void use_regimen(eng *e, int rg) { e->p->treatment_sources |= e->kb->regimen_sources[rg]; }

static op_phase *add_phase(eng *e, int intent, int rg) {
  op_phase *ph = new_phase(e, intent);
  phase_fill(e, ph, &e->kb->regimen[rg]);
  use_regimen(e, rg);
  phase_set_months(e, ph);
  return ph;
}

static op_phase *add_followon(eng *e) { return add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_ANTIRESORPTIVE_FOLLOWON); }

/* The current course, continued: phases[0] is it. */
static void continue_course(eng *e, int course) {
  const op_therapy *t = &e->rec->therapies[course];
  op_phase *ph = new_phase(e, e->kb->agent[t->agent].intent);
  ph->agents[ph->n++] = t->agent;
  ph->current = true;
  phase_set_months(e, ph);
  e->p->action = OP_ACT_CONTINUE;
}

static bool any_empty_phase(const op_plan *p) {
  for (int i = 0; i < p->n_phases; i++)
    if (p->phases[i].n == 0) return true;
  return false;
}

static void drop_phases(op_plan *p) { p->n_phases = 0; }

/* ---- alerts ------------------------------------------------------------- */

static void alert(eng *e, int code, tmpl_var *v, int nv) {
  const kb_text *t = &e->kb->alert[code];
  plan_add_alert(e, code, eng_fill(e, t->clinician, v, nv), eng_fill(e, t->patient, v, nv));
}

static const char *months_ago(eng *e, op_date d) {
  return eng_num(e, floor(date_months_between(d, e->f.as_of) * 10) / 10);
}

/* ---- the protective alerts (also given out of scope) -------------------- */

static void alert_denosumab_overdue(eng *e) {
  const op_therapy *t = &e->rec->therapies[e->f.cur_denosumab];
  op_date last = t->has_last_dose ? t->last_dose : t->start;
  tmpl_var v[] = {{"last_dose", eng_date(e, last)}, {"months", months_ago(e, last)}};
  alert(e, OP_AL_DENOSUMAB_OVERDUE, v, 2);
}

static void alert_denosumab_stopped(eng *e) {
  const op_therapy *t = &e->rec->therapies[e->f.dmab_stopped_course];
  tmpl_var v[] = {{"date", eng_date(e, t->end)}};
  alert(e, OP_AL_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP, v, 1);
}

/* MI or stroke dated on or after the start of the current anabolic course,
** when its agent is avoided after such an event (its avoid list names
** mi_or_stroke_within_12_months: romosozumab). */
static int romo_cv_event(const eng *e) {
  if (e->f.cur_anabolic < 0) return -1;
  const op_therapy *t = &e->rec->therapies[e->f.cur_anabolic];
  if (!((e->kb->avoid_agents[OP_RS_MI_OR_STROKE_WITHIN_12_MONTHS] >> t->agent) & 1u)) return -1;
  for (int i = 0; i < e->rec->n_conditions; i++) {
    const op_condition *c = &e->rec->conditions[i];
    if ((c->code == OP_COND_MI || c->code == OP_COND_STROKE) && c->has_date && c->date >= t->start) return i;
  }
  return -1;
}

static void alert_romo_cv(eng *e, int cond) {
  const op_condition *c = &e->rec->conditions[cond];
  tmpl_var v[] = {{"condition", e->kb->condition[c->code].clinician}, {"date", eng_date(e, c->date)}};
  alert(e, OP_AL_ROMOSOZUMAB_CARDIOVASCULAR_EVENT, v, 2);
}

static bool anabolic_limit_reached(const eng *e, int agent) {
  return (agent_pth_limited(e->kb, agent) && e->f.finding[OP_FD_PTH_ANALOG_LIMIT_REACHED]) ||
         (e->kb->agent[agent].course_dose_limit && e->f.finding[OP_FD_ROMOSOZUMAB_COURSE_COMPLETE]);
}

/* anabolic_followup_required: critical when the course has ended or must end
** with nothing after it, info while it runs or is being started. */
static void alert_anabolic_followup(eng *e, int severity_critical, const char *what) {
  tmpl_var v[] = {{"other", what ? what : ""}};
  alert(e, OP_AL_ANABOLIC_FOLLOWUP_REQUIRED, v, 1);
  op_alert *a = &e->p->alerts[e->p->n_alerts - 1];
  a->severity = severity_critical ? OP_SEV_CRITICAL : OP_SEV_INFO;
}

static void alert_limit(eng *e, int agent) {
  if (agent_pth_limited(e->kb, agent) && e->f.finding[OP_FD_PTH_ANALOG_LIMIT_REACHED]) {
    tmpl_var v[] = {{"months", eng_num(e, e->f.pth_months)}, {"limit", eng_num(e, TH(PTH_LIMIT_MONTHS))}};
    alert(e, OP_AL_PTH_ANALOG_LIFETIME_LIMIT, v, 2);
  }
  if (e->kb->agent[agent].course_dose_limit && e->f.finding[OP_FD_ROMOSOZUMAB_COURSE_COMPLETE]) {
    tmpl_var v[] = {{"doses", eng_num(e, e->f.romo_doses)}, {"limit", eng_num(e, TH(ROMO_LIMIT_DOSES))}};
    alert(e, OP_AL_ROMOSOZUMAB_COURSE_COMPLETE, v, 2);
  }
}

/* ---- rationale ---------------------------------------------------------- */

static const char *criteria_list(eng *e) {
  if (!e->texts) return NULL;
  strbuf b;
  sb_init(&b, e->a);
  for (int i = 0; i < e->p->n_criteria; i++) {
    const op_criterion *c = &e->p->criteria[i];
    sb_printf(&b, "%s%s", i ? "; " : "", c->detail ? c->detail : e->kb->criterion[c->code].clinician);
  }
  if (!e->p->n_criteria) sb_puts(&b, e->kb->risk[e->p->risk].clinician);
  return arena_strdup(e->a, sb_str(&b));
}

/* "total hip +1.2 (needs >= 2)": a T-score gain with its sign, and the gain
** the target needs. */
static const char *target_gain(eng *e, int site, double gain, double needed) {
  char g[32];
  snprintf(g, sizeof g, "%+.1f", gain);
  return eng_fill(e, e->kb->phrase[OP_PH_TARGET_GAIN],
                  (tmpl_var[]){{"site", e->kb->site[site].clinician}, {"gain", g}, {"threshold", eng_num(e, needed)}},
                  3);
}

static const char *course_desc(eng *e, int course) {
  const op_therapy *t = &e->rec->therapies[course];
  return eng_fill(e, e->kb->phrase[OP_PH_COURSE_SINCE],
                   (tmpl_var[]){{"agent", e->kb->agent[t->agent].name}, {"start", eng_date(e, t->start)},
                                {"months", eng_num(e, date_whole_months_between(t->start, e->f.as_of))}},
                   3);
}

static void set_rule(eng *e, int rule, const char *other, int agent) {
  op_plan *p = e->p;
  p->rule = rule;
  tmpl_var v[] = {{"other", other ? other : ""}, {"agent", agent >= 0 ? e->kb->agent[agent].name : ""}};
  p->rationale = eng_fill(e, e->kb->rule[rule].clinician, v, 2);
  p->rationale_patient = eng_fill(e, e->kb->rule[rule].patient, v, 2);
  p->treatment_sources |= e->kb->rule[rule].sources;
}

/* No phase could be filled: assess, and say why each candidate was ruled out. */
static void no_safe_agent(eng *e) {
  op_plan *p = e->p;
  strbuf b;
  sb_init(&b, e->a);
  int n = 0;
  for (int a = 0; a < e->kb->n_agents && e->texts; a++) {
    const op_avoid *x = &e->all_avoid[a];
    if (!x->n) continue;
    sb_printf(&b, "%s%s (", n++ ? "; " : "", e->kb->agent[a].name);
    for (int k = 0; k < x->n; k++) sb_printf(&b, "%s%s", k ? ", " : "", e->kb->reason[x->reasons[k]].clinician);
    sb_puts(&b, ")");
  }
  drop_phases(p);
  p->action = OP_ACT_ASSESS;
  const char *why = arena_strdup(e->a, sb_str(&b));
  tmpl_var v[] = {{"reasons", why}};
  alert(e, OP_AL_NO_SAFE_AGENT, v, 1);
  set_rule(e, OP_RULE_NO_SAFE_AGENT, why, -1);
}

/* ---- rule 7: no current course ------------------------------------------ */

static void start_high(eng *e) {
  const char *why = criteria_list(e);
  add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_HIGH_ANTIRESORPTIVE);
  if (e->p->phases[0].n) {
    set_rule(e, e->p->risk == OP_RISK_VERY_HIGH ? OP_RULE_START_VERY_HIGH_NO_ANABOLIC : OP_RULE_START_HIGH, why, -1);
    return;
  }
  /* every antiresorptive avoided: teriparatide (S002) */
  drop_phases(e->p);
  add_phase(e, OP_INTENT_ANABOLIC, OP_RG_HIGH_FALLBACK);
  if (!e->p->phases[0].n) {
    no_safe_agent(e);
    return;
  }
  set_rule(e, OP_RULE_START_HIGH_ANABOLIC_FALLBACK, why, -1);
}

/* Bone density testing with no data (section 6, rule 7 "unknown"): women
** from one age, men from another, anyone with a fragility fracture,
** glucocorticoid-induced, or on an aromatase inhibitor or androgen
** deprivation. *why lists the indications met, in the knowledge base's words. */
static bool testing_indicated(eng *e, const char **why) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  const op_kb *kb = e->kb;
  bool woman = r->sex == OP_SEX_FEMALE;
  double from = woman ? TH(TESTING_AGE_WOMEN) : TH(TESTING_AGE_MEN);
  tmpl_var v[] = {{"level", op_sex_str[r->sex]}, {"age", eng_num(e, f->age)}, {"threshold", eng_num(e, from)}};
  strbuf b;
  sb_init(&b, e->a);
  int n = 0;
  if (!e->texts) { /* codes only: the same test, no words */
    bool hormonal = false;
    for (int i = 0; i < r->n_meds; i++) {
      const op_medication *m = &r->meds[i];
      hormonal |= (!m->has_end || m->end > f->as_of) &&
                  (m->cls == OP_MED_AROMATASE_INHIBITOR || m->cls == OP_MED_ANDROGEN_DEPRIVATION);
    }
    *why = NULL;
    return f->age >= from || f->n_fragility > 0 || f->gc_induced || hormonal;
  }
  if (f->age >= from) sb_printf(&b, "%s%s", n++ ? "; " : "", eng_fill(e, kb->ui[OP_UI_TESTING_AGE].clinician, v, 3));
  if (f->n_fragility > 0) sb_printf(&b, "%s%s", n++ ? "; " : "", kb->ui[OP_UI_TESTING_FRACTURE].clinician);
  if (f->gc_induced) sb_printf(&b, "%s%s", n++ ? "; " : "", kb->ui[OP_UI_TESTING_GLUCOCORTICOID].clinician);
  for (int i = 0; i < r->n_meds; i++) {
    const op_medication *m = &r->meds[i];
    bool current = !m->has_end || m->end > f->as_of;
    if (current && (m->cls == OP_MED_AROMATASE_INHIBITOR || m->cls == OP_MED_ANDROGEN_DEPRIVATION)) {
      sb_printf(&b, "%s%s", n++ ? "; " : "", kb->ui[OP_UI_TESTING_HORMONAL].clinician);
      break;
    }
  }
  *why = n ? arena_strdup(e->a, sb_str(&b)) : eng_fill(e, kb->ui[OP_UI_TESTING_NONE].clinician, v, 3);
  return n > 0;
}

static void rule7(eng *e) {
  op_plan *p = e->p;
  switch (p->risk) {
    case OP_RISK_VERY_HIGH: {
      p->action = OP_ACT_START;
      op_phase *ana = add_phase(e, OP_INTENT_ANABOLIC, OP_RG_VERY_HIGH_ANABOLIC);
      if (!ana->n) {
        /* every anabolic avoided: the high regimen instead */
        drop_phases(p);
        start_high(e);
        return;
      }
      add_followon(e);
      if (any_empty_phase(p)) {
        no_safe_agent(e);
        return;
      }
      alert_anabolic_followup(e, 0, NULL);
      set_rule(e, OP_RULE_START_VERY_HIGH, criteria_list(e), -1);
      return;
    }
    case OP_RISK_HIGH:
      p->action = OP_ACT_START;
      start_high(e);
      return;
    case OP_RISK_LOW:
      p->action = OP_ACT_NO_DRUG_THERAPY;
      set_rule(e, OP_RULE_LOW_RISK, e->kb->diagnosis[p->diagnosis].clinician, -1);
      return;
    default: {
      const char *why;
      if (testing_indicated(e, &why)) {
        p->action = OP_ACT_ASSESS;
        set_rule(e, OP_RULE_ASSESS_DXA, why, -1);
        plan_add_monitor(e, OP_MON_DXA, e->f.as_of,
                         eng_fill(e, e->kb->monitor[OP_MON_DXA].detail,
                                   (tmpl_var[]){{"window", "0"}, {"from", kb_ui(e->kb, OP_UI_NONE, false)}}, 2));
      } else {
        p->action = OP_ACT_NO_DRUG_THERAPY;
        set_rule(e, OP_RULE_NO_TESTING_INDICATED, why, -1);
      }
      return;
    }
  }
}

/* ---- rule 5: current bisphosphonate ------------------------------------- */

static bool fracture_during(const eng *e, const op_therapy *t) {
  for (int i = 0; i < e->rec->n_fractures; i++) {
    const op_fracture *x = &e->rec->fractures[i];
    if (x->mechanism != OP_MECH_TRAUMATIC && x->date >= t->start) return true;
  }
  return false;
}

static const char *failure_detail(eng *e, int course) {
  const op_facts *f = &e->f;
  if (f->fot_course == course) {
    const op_fracture *x = &e->rec->fractures[f->fot_fx];
    return eng_fill(e, e->kb->phrase[OP_PH_FRACTURE_AFTER_START],
                     (tmpl_var[]){{"fracture_site", e->kb->fx_site[x->site].clinician},
                                  {"fracture_date", eng_date(e, x->date)},
                                  {"months", eng_num(e, date_whole_months_between(
                                                            e->rec->therapies[course].start, x->date))}},
                     3);
  }
  return eng_fill(e, e->kb->phrase[OP_PH_BMD_FALLING],
                   (tmpl_var[]){{"site", e->kb->site[f->bmd_loss_site].clinician},
                                {"per_year", eng_num(e, round(f->bmd_loss_pct * 10) / 10)}},
                   2);
}

static void rule5(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  int c = f->cur_bp;
  const op_therapy *t = &e->rec->therapies[c];
  int agent = t->agent;
  bool oral = e->kb->agent[agent].parenteral_after_failure_in_giop;

  if (f->failing[c]) { /* 5.1 */
    const char *why = failure_detail(e, c);
    avoid_add(e, agent, OP_RS_TREATMENT_FAILURE, why);
    tmpl_var v[] = {{"agent", e->kb->agent[agent].name}, {"other", why}};
    alert(e, OP_AL_TREATMENT_FAILURE, v, 2);
    p->action = OP_ACT_SWITCH;
    if (f->gc_induced && oral) {
      add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_FAILURE_GLUCOCORTICOID);
      set_rule(e, OP_RULE_BP_FAILURE_GIOP, why, agent);
    } else {
      op_phase *ana = add_phase(e, OP_INTENT_ANABOLIC, OP_RG_FAILURE_ANABOLIC);
      op_phase *fo = new_phase(e, OP_INTENT_ANTIRESORPTIVE);
      phase_fill(e, fo, &e->kb->regimen[OP_RG_FAILURE_FOLLOWON_FIRST]);
      phase_fill(e, fo, &e->kb->regimen[OP_RG_ANTIRESORPTIVE_FOLLOWON]);
      use_regimen(e, OP_RG_FAILURE_FOLLOWON_FIRST);
      use_regimen(e, OP_RG_ANTIRESORPTIVE_FOLLOWON);
      if (!ana->n) { /* no anabolic: the antiresorptive class alone */
        p->phases[0] = *fo;
        p->n_phases = 1;
      } else {
        alert_anabolic_followup(e, 0, NULL);
      }
      set_rule(e, OP_RULE_BP_FAILURE, why, agent);
    }
    if (any_empty_phase(p)) no_safe_agent(e);
    return;
  }
  if (oral && (f->finding[OP_FD_INTOLERANCE] || f->finding[OP_FD_NONADHERENCE] ||
               (f->finding[OP_FD_BTM_NOT_SUPPRESSED] && f->btm_course == c))) { /* 5.2 */
    const char *why;
    if (f->finding[OP_FD_BTM_NOT_SUPPRESSED] && f->btm_course == c) {
      strbuf b;
      sb_init(&b, e->a);
      if (f->p1np_judged && e->texts) sb_printf(&b, "P1NP fell %s%% (expected > %s%%)", eng_num(e, round(f->p1np_fall)),
                                    eng_num(e, TH(P1NP_FALL_PCT)));
      if (f->ctx_judged && e->texts) sb_printf(&b, "%sCTX fell %s%% (expected > %s%%)", f->p1np_judged ? "; " : "",
                                   eng_num(e, round(f->ctx_fall)), eng_num(e, TH(CTX_FALL_PCT)));
      why = arena_strdup(e->a, sb_str(&b));
      tmpl_var v[] = {{"agent", e->kb->agent[agent].name}, {"other", why}};
      alert(e, OP_AL_BTM_NOT_SUPPRESSED, v, 2);
    } else {
      why = e->kb->finding[f->finding[OP_FD_INTOLERANCE] ? OP_FD_INTOLERANCE : OP_FD_NONADHERENCE].clinician;
    }
    p->action = OP_ACT_SWITCH;
    add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_ORAL_UNSUITABLE);
    set_rule(e, OP_RULE_ORAL_BP_UNSUITABLE, why, agent);
    if (any_empty_phase(p)) no_safe_agent(e);
    return;
  }
  if (f->finding[OP_FD_TARGET_NOT_MET] && f->target_course == c && p->risk == OP_RISK_HIGH) { /* 5.3 */
    strbuf b;
    sb_init(&b, e->a);
    if (f->target_hip_judged && e->texts)
      sb_puts(&b, target_gain(e, OP_SITE_TOTAL_HIP, f->target_gain_hip, TH(TARGET_GAIN_HIP)));
    if (f->target_spine_judged && e->texts) {
      if (f->target_hip_judged) sb_puts(&b, ", ");
      sb_puts(&b, target_gain(e, OP_SITE_LUMBAR_SPINE, f->target_gain_spine, TH(TARGET_GAIN_SPINE)));
    }
    const char *why = arena_strdup(e->a, sb_str(&b));
    tmpl_var v[] = {{"agent", e->kb->agent[agent].name},
                    {"months", eng_num(e, date_whole_months_between(t->start, f->as_of))},
                    {"other", why}};
    alert(e, OP_AL_TARGET_NOT_MET, v, 3);
    p->action = OP_ACT_SWITCH;
    op_phase *ana = add_phase(e, OP_INTENT_ANABOLIC, OP_RG_TARGET_ANABOLIC);
    if (!ana->n) drop_phases(p);
    else alert_anabolic_followup(e, 0, NULL);
    add_followon(e);
    set_rule(e, OP_RULE_BP_TARGET_NOT_MET, why, agent);
    if (any_empty_phase(p)) no_safe_agent(e);
    return;
  }
  if (f->finding[OP_FD_HOLIDAY_DUE] && f->holiday_course == c) { /* 5.4 */
    tmpl_var v[] = {{"agent", e->kb->agent[agent].name},
                    {"months", eng_num(e, date_whole_months_between(t->start, f->as_of))}};
    alert(e, OP_AL_BISPHOSPHONATE_HOLIDAY_REVIEW, v, 2);
    bool remains_high = p->risk == OP_RISK_VERY_HIGH || (f->has_lowest && f->lowest_t <= TH(T_OSTEOPOROSIS)) ||
                        fracture_during(e, t);
    const char *why = f->has_lowest ? eng_fill(e, e->kb->phrase[OP_PH_LOWEST_T_AND_RISK],
                                                (tmpl_var[]){{"value", eng_t(e, f->lowest_t)},
                                                             {"level", e->kb->risk[p->risk].clinician}}, 2)
                                    : e->kb->risk[p->risk].clinician;
    if (remains_high) {
      continue_course(e, c);
      set_rule(e, OP_RULE_BP_HOLIDAY_CONTINUE, why, agent);
    } else {
      p->action = OP_ACT_HOLIDAY;
      set_rule(e, OP_RULE_BP_HOLIDAY, why, agent);
      op_date due = date_add_months(f->as_of, (int)TH(HOLIDAY_REASSESS_MONTHS));
      plan_add_monitor(e, OP_MON_HOLIDAY_REASSESSMENT, due,
                       eng_fill(e, e->kb->monitor[OP_MON_HOLIDAY_REASSESSMENT].detail,
                                 (tmpl_var[]){{"window", eng_num(e, TH(HOLIDAY_REASSESS_MONTHS))}}, 1));
    }
    return;
  }
  continue_course(e, c); /* 5.5 */
  set_rule(e, OP_RULE_BP_CONTINUE, course_desc(e, c), agent);
}

/* ---- rules 1 to 4 and 6 ------------------------------------------------- */

static void rule1_denosumab(eng *e) {
  const op_facts *f = &e->f;
  const op_therapy *t = &e->rec->therapies[f->cur_denosumab];
  op_date last = t->has_last_dose ? t->last_dose : t->start;
  continue_course(e, f->cur_denosumab);
  const char *why = eng_fill(e, e->kb->phrase[OP_PH_LAST_DOSE_AGO],
                              (tmpl_var[]){{"last_dose", eng_date(e, last)}, {"months", months_ago(e, last)}}, 2);
  if (f->finding[OP_FD_DENOSUMAB_OVERDUE]) {
    alert_denosumab_overdue(e);
    set_rule(e, OP_RULE_DENOSUMAB_OVERDUE, why, t->agent);
  } else {
    set_rule(e, OP_RULE_DENOSUMAB_CURRENT, why, t->agent);
  }
  alert(e, OP_AL_DENOSUMAB_MUST_NOT_STOP, NULL, 0);
  int interval = (int)TH(DMAB_INTERVAL_MONTHS);
  plan_add_monitor(e, OP_MON_DENOSUMAB_NEXT_DOSE, date_add_months(last, interval),
                   eng_fill(e, e->kb->monitor[OP_MON_DENOSUMAB_NEXT_DOSE].detail,
                             (tmpl_var[]){{"window", eng_num(e, interval)}, {"last_dose", eng_date(e, last)}}, 2));
}

static void rule2_denosumab_stopped(eng *e) {
  const op_therapy *t = &e->rec->therapies[e->f.dmab_stopped_course];
  e->p->action = OP_ACT_TRANSITION;
  add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_DENOSUMAB_FOLLOWON);
  alert_denosumab_stopped(e);
  set_rule(e, OP_RULE_DENOSUMAB_STOPPED,
           eng_fill(e, e->kb->phrase[OP_PH_STOPPED_AGO],
                     (tmpl_var[]){{"date", eng_date(e, t->end)}, {"months", months_ago(e, t->end)}}, 2),
           t->agent);
  if (any_empty_phase(e->p)) no_safe_agent(e);
}

static void rule3_anabolic(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  int c = f->cur_anabolic;
  int agent = e->rec->therapies[c].agent;
  int cv = romo_cv_event(e);
  if (cv >= 0) {
    p->action = OP_ACT_SWITCH;
    avoid_add(e, agent, OP_RS_MI_OR_STROKE_WITHIN_12_MONTHS,
              eng_fill(e, "{condition} {date}",
                        (tmpl_var[]){{"condition", e->kb->condition[e->rec->conditions[cv].code].clinician},
                                     {"date", eng_date(e, e->rec->conditions[cv].date)}}, 2));
    add_followon(e);
    alert_romo_cv(e, cv);
    set_rule(e, OP_RULE_ROMOSOZUMAB_CV_EVENT, NULL, agent);
  } else if (anabolic_limit_reached(e, agent)) {
    p->action = OP_ACT_TRANSITION;
    add_followon(e);
    alert_limit(e, agent);
    alert_anabolic_followup(e, 1, e->kb->finding[e->kb->agent[agent].course_dose_limit ? OP_FD_ROMOSOZUMAB_COURSE_COMPLETE
                                                                            : OP_FD_PTH_ANALOG_LIMIT_REACHED].clinician);
    set_rule(e, OP_RULE_ANABOLIC_LIMIT_REACHED, course_desc(e, c), agent);
  } else {
    continue_course(e, c);
    add_followon(e);
    alert_anabolic_followup(e, 0, NULL);
    set_rule(e, OP_RULE_ANABOLIC_CONTINUE, course_desc(e, c), agent);
  }
  if (any_empty_phase(p)) no_safe_agent(e);
}

static void rule4_anabolic_ended(eng *e) {
  const op_therapy *t = &e->rec->therapies[e->f.anabolic_ended_course];
  e->p->action = OP_ACT_TRANSITION;
  add_followon(e);
  const char *what = eng_fill(e, e->kb->phrase[OP_PH_ANABOLIC_ENDED],
                               (tmpl_var[]){{"agent", e->kb->agent[t->agent].name}, {"date", eng_date(e, t->end)}}, 2);
  alert_limit(e, t->agent);
  alert_anabolic_followup(e, 1, what);
  set_rule(e, OP_RULE_ANABOLIC_ENDED, what, t->agent);
  if (any_empty_phase(e->p)) no_safe_agent(e);
}

static void rule6_serm_ht(eng *e) {
  op_plan *p = e->p;
  int c = e->f.cur_serm_ht;
  int agent = e->rec->therapies[c].agent;
  if (p->risk == OP_RISK_HIGH || p->risk == OP_RISK_VERY_HIGH) {
    rule7(e);
    if (p->action == OP_ACT_START) {
      p->action = OP_ACT_SWITCH;
      /* the usual regimens get this rule's rationale; a fallback (every
      ** anabolic or antiresorptive avoided) keeps its own explanation */
      if (p->rule == OP_RULE_START_HIGH || p->rule == OP_RULE_START_VERY_HIGH) {
        op_srcset regimens = p->treatment_sources & ~e->kb->rule[p->rule].sources;
        p->treatment_sources = regimens;
        set_rule(e, OP_RULE_SERM_HT_SWITCH, e->kb->risk[p->risk].clinician, agent);
      }
    }
    p->disagreement[OP_DG_ESTROGEN_RALOXIFENE] = true;
    return;
  }
  continue_course(e, c);
  set_rule(e, OP_RULE_SERM_HT_CONTINUE, course_desc(e, c), agent);
}

/* ---- out of scope ------------------------------------------------------- */

static void out_of_scope(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  p->action = OP_ACT_OUT_OF_SCOPE;
  set_rule(e, OP_RULE_OUT_OF_SCOPE, NULL, -1);
  /* only the alerts that protect a patient already on a drug */
  if (f->cur_denosumab >= 0 && f->finding[OP_FD_DENOSUMAB_OVERDUE]) alert_denosumab_overdue(e);
  if (f->cur_denosumab < 0 && f->finding[OP_FD_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP]) alert_denosumab_stopped(e);
  int cv = romo_cv_event(e);
  if (cv >= 0) alert_romo_cv(e, cv);
  if (f->cur_anabolic >= 0) {
    int agent = e->rec->therapies[f->cur_anabolic].agent;
    alert_anabolic_followup(e, cv >= 0 || anabolic_limit_reached(e, agent), NULL);
  } else if (f->finding[OP_FD_ANABOLIC_ENDED_WITHOUT_FOLLOWUP]) {
    alert_anabolic_followup(e, 1, NULL);
  }
}

/* ---- the decision ------------------------------------------------------- */

void decide(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  p->status = f->any_course ? (f->cur_denosumab >= 0 || f->cur_anabolic >= 0 || f->cur_bp >= 0 ||
                                       f->cur_serm_ht >= 0
                                   ? OP_ST_ON_TREATMENT
                                   : OP_ST_OFF_TREATMENT)
                            : OP_ST_NAIVE;
  for (int i = 0; i < OP_N_finding; i++) p->finding[i] = f->finding[i];

  if (!f->in_scope) out_of_scope(e);
  else if (f->cur_denosumab >= 0) rule1_denosumab(e);
  else if (f->finding[OP_FD_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP]) rule2_denosumab_stopped(e);
  else if (f->cur_anabolic >= 0) rule3_anabolic(e);
  else if (f->finding[OP_FD_ANABOLIC_ENDED_WITHOUT_FOLLOWUP]) rule4_anabolic_ended(e);
  else if (f->cur_bp >= 0) rule5(e);
  else if (f->cur_serm_ht >= 0) rule6_serm_ht(e);
  else rule7(e);

  /* avoid: every agent with a reason, except the agent of the current course
  ** the decision continues (its concern becomes an alert, section 5) */
  int kept = -1;
  if (p->n_phases && p->phases[0].current) kept = p->phases[0].agents[0];
  p->n_avoid = 0;
  for (int a = 0; a < e->kb->n_agents; a++)
    if (e->all_avoid[a].n && a != kept) p->avoid[p->n_avoid++] = e->all_avoid[a];
}
