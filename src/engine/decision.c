/*
** decision.c: the decision (default-profile.md section 6): the first rule
** that matches sets the action, the phases in order of preference, the
** alerts it owns and its rationale with the patient's values.
**
** Rule order, as the profile fixes it:
**   out of scope (section 0)
**   0. a current course that must stop (rule0.c: taken as ended before
**      rules 1 to 7 run, the action mapped after them)
**   1. current denosumab            2. denosumab stopped without follow-up
**   3. current anabolic             4. anabolic ended without follow-up
**   5. current bisphosphonate       6. current raloxifene / hormone therapy
**   7. no current course, by risk
** Preference orders are knowledge-base data (regimens.ini); an agent avoided
** for the patient is filtered out, and a phase left empty falls back as the
** rule says or goes to a specialist (phases.c: refer with no_safe_agent or
** no_safe_followon).
*/
#include <math.h>
#include <string.h>

#include "engine.h"

#define TH(id) KB_TH(e->kb, id)

/* ---- alerts ------------------------------------------------------------- */

#define ALERT(code, ...) plan_add_alert(e, code, SAY(e, SAY_ALERT, code, __VA_ARGS__))
#define ALERT0(code) plan_add_alert(e, code, SAY0(e, SAY_ALERT, code))

/* Months since d, to one decimal (rounded down: 5.96 is not yet 6). */
static op_arg months_ago(const eng *e, op_date d) {
  return A_NUM("months", floor(date_months_between(d, e->f.as_of) * 10) / 10);
}

/* ---- the protective alerts (also given out of scope) -------------------- */

static void alert_denosumab_overdue(eng *e) {
  const op_therapy *t = &e->rec->therapies[e->f.cur_denosumab];
  op_date last = t->has_last_dose ? t->last_dose : t->start;
  ALERT(OP_AL_DENOSUMAB_OVERDUE, A_DATE("last_dose", last), months_ago(e, last));
}

static void alert_denosumab_stopped(eng *e) {
  const op_therapy *t = &e->rec->therapies[e->f.dmab_stopped_course];
  ALERT(OP_AL_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP, A_DATE("date", t->end),
        A_SAY("other", SAY0(e, SAY_PHRASE, OP_PH_STOPPED_BISPHOSPHONATE)));
}

static bool anabolic_limit_reached(const eng *e, int agent) {
  return (agent_pth_limited(e->kb, agent) && e->f.finding[OP_FD_PTH_ANALOG_LIMIT_REACHED]) ||
         (e->kb->agent[agent].course_dose_limit && e->f.finding[OP_FD_ROMOSOZUMAB_COURSE_COMPLETE]);
}

/* anabolic_followup_required: critical when the course has ended or must end
** with nothing after it, info while it runs or is being started. */
static void alert_anabolic_followup(eng *e, int severity_critical, const op_say *what) {
  ALERT(OP_AL_ANABOLIC_FOLLOWUP_REQUIRED, A_SAY("other", what));
  for (int i = 0; i < e->p->n_alerts; i++) /* one alert per code: find it */
    if (e->p->alerts[i].code == OP_AL_ANABOLIC_FOLLOWUP_REQUIRED && severity_critical)
      e->p->alerts[i].severity = OP_SEV_CRITICAL;
}

static void alert_limit(eng *e, int agent) {
  if (agent_pth_limited(e->kb, agent) && e->f.finding[OP_FD_PTH_ANALOG_LIMIT_REACHED]) {
    ALERT(OP_AL_PTH_ANALOG_LIFETIME_LIMIT, A_NUM("months", e->f.pth_months), A_NUM("limit", TH(PTH_LIMIT_MONTHS)));
  }
  if (e->kb->agent[agent].course_dose_limit && e->f.finding[OP_FD_ROMOSOZUMAB_COURSE_COMPLETE]) {
    ALERT(OP_AL_ROMOSOZUMAB_COURSE_COMPLETE, A_NUM("doses", e->f.romo_doses), A_NUM("limit", TH(ROMO_LIMIT_DOSES)));
  }
}

/* ---- rationale ---------------------------------------------------------- */

/* The criteria met, each with its detail (or its name when it has none),
** or the risk category when none is. */
static const op_say *criteria_list(eng *e) {
  const op_plan *p = e->p;
  if (!p->n_criteria) return SAY0(e, SAY_RISK, p->risk);
  const op_say *items[OP_N_criterion];
  for (int i = 0; i < p->n_criteria; i++) {
    const op_criterion *c = &p->criteria[i];
    items[i] = c->say ? c->say : SAY0(e, SAY_CRITERION_NAME, c->code);
  }
  return say_join(e, items, p->n_criteria, SEP_SEMICOLON);
}

/* "total hip +1.2 (needs >= 2)": a T-score gain with its sign, and the gain
** the target needs. */
static const op_say *target_gain(eng *e, op_site_t site, double gain, double needed) {
  return SAY(e, SAY_PHRASE, OP_PH_TARGET_GAIN, A_NAME("site", SAY_SITE, site), A_GAIN("gain", gain),
             A_NUM("threshold", needed));
}

static const op_say *course_desc(eng *e, int course) {
  const op_therapy *t = &e->rec->therapies[course];
  return SAY(e, SAY_PHRASE, OP_PH_COURSE_SINCE, A_NAME("agent", SAY_AGENT, t->agent), A_DATE("start", t->start),
             A_NUM("months", date_whole_months_between(t->start, e->f.as_of)));
}

/* ---- rule 7: no current course ------------------------------------------ */

static void start_high(eng *e) {
  const op_say *why = criteria_list(e);
  add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_HIGH_ANTIRESORPTIVE);
  if (e->p->phases[0].n) {
    set_rule(e, OP_RULE_START_HIGH, why, -1);
    return;
  }
  /* every antiresorptive avoided: teriparatide, then a follow-on (S002) */
  drop_phases(e->p);
  add_phase(e, OP_INTENT_ANABOLIC, OP_RG_HIGH_FALLBACK);
  add_followon(e);
  set_rule(e, OP_RULE_START_HIGH_ANABOLIC_FALLBACK, why, -1);
  settle_phases(e);
}

static void start_very_high(eng *e) {
  op_plan *p = e->p;
  const op_say *why = criteria_list(e);
  op_phase *ana = add_phase(e, OP_INTENT_ANABOLIC, OP_RG_VERY_HIGH_ANABOLIC);
  if (ana->n) {
    add_followon(e);
    set_rule(e, OP_RULE_START_VERY_HIGH, why, -1);
  } else {
    /* every anabolic avoided: injectables first (AACE2020) */
    drop_phases(p);
    add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_VERY_HIGH_INJECTABLE);
    set_rule(e, OP_RULE_START_VERY_HIGH_INJECTABLE, why, -1);
  }
  settle_phases(e);
}

/* Bone density testing with no data (section 6, rule 7 "unknown"): women
** from one age, men from another, anyone with a fragility fracture,
** glucocorticoid-induced, or on an aromatase inhibitor or androgen
** deprivation. *why lists the indications met, in the knowledge base's words. */
static bool testing_indicated(eng *e, const op_say **why) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  bool woman = r->sex == OP_SEX_FEMALE;
  double from = woman ? TH(TESTING_AGE_WOMEN) : TH(TESTING_AGE_MEN);
  const op_say *items[4];
  int n = 0;
  if (f->age >= from)
    items[n++] = SAY(e, SAY_UI, OP_UI_TESTING_AGE, A_NAME("level", SAY_SEX, r->sex), A_NUM("age", f->age),
                     A_NUM("threshold", from));
  if (f->n_fragility > 0) items[n++] = SAY0(e, SAY_UI, OP_UI_TESTING_FRACTURE);
  if (f->gc_induced) items[n++] = SAY0(e, SAY_UI, OP_UI_TESTING_GLUCOCORTICOID);
  for (int i = 0; i < r->n_meds; i++) {
    const op_medication *m = &r->meds[i];
    bool current = !m->has_end || m->end > f->as_of;
    if (current && (m->cls == OP_MED_AROMATASE_INHIBITOR || m->cls == OP_MED_ANDROGEN_DEPRIVATION)) {
      items[n++] = SAY0(e, SAY_UI, OP_UI_TESTING_HORMONAL);
      break;
    }
  }
  *why = n ? say_join(e, items, n, SEP_SEMICOLON)
           : SAY(e, SAY_UI, OP_UI_TESTING_NONE, A_NAME("level", SAY_SEX, r->sex), A_NUM("age", f->age),
                 A_NUM("threshold", from));
  return n > 0;
}

static void rule7(eng *e) {
  op_plan *p = e->p;
  switch (p->risk) {
    case OP_RISK_VERY_HIGH:
      p->action = OP_ACT_START;
      start_very_high(e);
      return;
    case OP_RISK_HIGH:
      p->action = OP_ACT_START;
      start_high(e);
      return;
    case OP_RISK_LOW:
      p->action = OP_ACT_NO_DRUG_THERAPY;
      set_rule(e, OP_RULE_LOW_RISK, SAY0(e, SAY_DIAGNOSIS, p->diagnosis), -1);
      return;
    default: {
      const op_say *why;
      if (testing_indicated(e, &why)) {
        p->action = OP_ACT_ASSESS;
        set_rule(e, OP_RULE_ASSESS_DXA, why, -1);
        plan_add_monitor(e, OP_MON_DXA, e->f.as_of,
                         SAY(e, SAY_MONITOR, OP_MON_DXA, A_NUM("window", 0), A_NAME("from", SAY_UI, OP_UI_NONE)));
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

static const op_say *failure_detail(eng *e, int course) {
  const op_facts *f = &e->f;
  if (f->fot_course == course || (f->fot_fx >= 0 && f->bmd_loss_course != course)) {
    const op_fracture *x = &e->rec->fractures[f->fot_fx];
    return SAY(e, SAY_PHRASE, OP_PH_FRACTURE_AFTER_START, A_NAME("fracture_site", SAY_FX_SITE, x->site),
               A_DATE("fracture_date", x->date),
               A_NUM("months", date_whole_months_between(e->rec->therapies[course].start, x->date)));
  }
  return SAY(e, SAY_PHRASE, OP_PH_BMD_FALLING, A_NAME("site", SAY_SITE, f->bmd_loss_site),
             A_NUM("per_year", round(f->bmd_loss_pct * 10) / 10));
}

/* 5.1 on glucocorticoids with an oral course: S002's classes in order, each
** a phase of its own: zoledronic acid; else teriparatide and a follow-on;
** else denosumab. Abaloparatide does not stand in (S002 names teriparatide). */
static void failure_giop(eng *e) {
  op_plan *p = e->p;
  if (add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_FAILURE_GLUCOCORTICOID)->n) return;
  drop_phases(p);
  if (add_phase(e, OP_INTENT_ANABOLIC, OP_RG_FAILURE_GIOP_ANABOLIC)->n) {
    add_followon(e);
    return;
  }
  drop_phases(p);
  add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_FAILURE_GIOP_LAST);
}

/* 5.1: fracture on therapy or bone density falling, on this course or on an
** earlier oral course when this one is oral too. */
static void rule5_failure(eng *e, int c, int failed, bool oral) {
  op_plan *p = e->p;
  int agent = e->rec->therapies[c].agent;
  const op_say *why = failure_detail(e, failed);
  avoid_add(e, agent, OP_RS_TREATMENT_FAILURE, why);
  ALERT(OP_AL_TREATMENT_FAILURE, A_NAME("agent", SAY_AGENT, agent), A_SAY("other", why));
  p->action = OP_ACT_SWITCH;
  if (e->f.gc_induced && oral) {
    failure_giop(e);
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
      e->phase_tried[0] = e->phase_tried[1];
      p->n_phases = 1;
    }
    set_rule(e, OP_RULE_BP_FAILURE, why, agent);
  }
  settle_phases(e);
}

/* "P1NP fell 17% (expected > 38%)" for each marker judged. */
static const op_say *btm_detail(eng *e) {
  const op_facts *f = &e->f;
  const op_say *items[2];
  int n = 0;
  if (f->p1np_judged)
    items[n++] = SAY(e, SAY_PHRASE, OP_PH_P1NP_FELL, A_NUM("value", round(f->p1np_fall)),
                     A_NUM("threshold", TH(P1NP_FALL_PCT)));
  if (f->ctx_judged)
    items[n++] = SAY(e, SAY_PHRASE, OP_PH_CTX_FELL, A_NUM("value", round(f->ctx_fall)),
                     A_NUM("threshold", TH(CTX_FALL_PCT)));
  return say_join(e, items, n, SEP_SEMICOLON);
}

/* The oral reasons of rule 5.2, present now: the record's conditions that
** make an oral bisphosphonate unsuitable (section 5's oral reasons). */
static const op_reason_t oral_reasons[] = {OP_RS_ESOPHAGEAL_DISORDER, OP_RS_UNABLE_TO_REMAIN_UPRIGHT,
                                           OP_RS_MALABSORPTION, OP_RS_GI_INTOLERANCE_ORAL_BP};

/* Why an oral course is unsuitable (rule 5.2), or NULL when it is not: an
** oral reason present now, an intolerance of this agent (a course of it
** stopped for intolerance), poor adherence to this course, or markers that
** did not fall on it. An intolerance of another agent is no reason. */
static const op_say *oral_unsuitable(eng *e, int c) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  int agent = r->therapies[c].agent;
  const op_avoid *x = &e->all_avoid[agent];
  for (int k = 0; k < x->n; k++)
    for (size_t i = 0; i < sizeof oral_reasons / sizeof *oral_reasons; i++)
      if (x->reasons[k] == oral_reasons[i]) return x->why && x->why[k] ? x->why[k] : SAY0(e, SAY_REASON_NAME, x->reasons[k]);
  for (int i = 0; i < r->n_therapies; i++) {
    const op_therapy *t = &r->therapies[i];
    if (i != c && t->agent == agent && course_stopped_for_intolerance(t)) return SAY0(e, SAY_FINDING, OP_FD_INTOLERANCE);
  }
  if (r->therapies[c].adherence_poor) return SAY0(e, SAY_FINDING, OP_FD_NONADHERENCE);
  if (f->finding[OP_FD_BTM_NOT_SUPPRESSED] && f->btm_course == c) {
    const op_say *why = btm_detail(e);
    ALERT(OP_AL_BTM_NOT_SUPPRESSED, A_NAME("agent", SAY_AGENT, agent), A_SAY("other", why));
    return why;
  }
  return NULL;
}

/* 5.2: an oral bisphosphonate not tolerated, not taken or not working. */
static void rule5_oral_unsuitable(eng *e, int c, const op_say *why) {
  op_plan *p = e->p;
  int agent = e->rec->therapies[c].agent;
  p->action = OP_ACT_SWITCH;
  add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_ORAL_UNSUITABLE);
  set_rule(e, OP_RULE_ORAL_BP_UNSUITABLE, why, agent);
  settle_phases(e);
}

/* 5.3: the treatment target not met at high or very high risk. */
static void rule5_target(eng *e, int c) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  const op_therapy *t = &e->rec->therapies[c];
  const op_say *items[2];
  int n = 0;
  if (f->target_hip_judged)
    items[n++] = target_gain(e, OP_SITE_TOTAL_HIP, f->target_gain_hip, TH(TARGET_GAIN_HIP));
  if (f->target_spine_judged)
    items[n++] = target_gain(e, OP_SITE_LUMBAR_SPINE, f->target_gain_spine, TH(TARGET_GAIN_SPINE));
  const op_say *why = say_join(e, items, n, SEP_COMMA);
  ALERT(OP_AL_TARGET_NOT_MET, A_NAME("agent", SAY_AGENT, t->agent),
        A_NUM("months", date_whole_months_between(t->start, f->as_of)), A_SAY("other", why));
  p->action = OP_ACT_SWITCH;
  op_phase *ana = add_phase(e, OP_INTENT_ANABOLIC, OP_RG_TARGET_ANABOLIC);
  if (!ana->n) drop_phases(p);
  add_followon(e);
  set_rule(e, OP_RULE_BP_TARGET_NOT_MET, why, t->agent);
  settle_phases(e);
}

/* 5.4: a drug holiday is due: taken, or not while the risk stays high. */
static void rule5_holiday(eng *e, int c) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  const op_therapy *t = &e->rec->therapies[c];
  int agent = t->agent;
  ALERT(OP_AL_BISPHOSPHONATE_HOLIDAY_REVIEW, A_NAME("agent", SAY_AGENT, agent),
        A_NUM("months", date_whole_months_between(t->start, f->as_of)));
  bool remains_high = p->risk == OP_RISK_VERY_HIGH || (f->has_lowest && f->lowest_t <= TH(T_OSTEOPOROSIS)) ||
                      fracture_during(e, t);
  const op_say *why = f->has_lowest ? SAY(e, SAY_PHRASE, OP_PH_LOWEST_T_AND_RISK, A_T("value", f->lowest_t),
                                          A_NAME("level", SAY_RISK, p->risk))
                                    : SAY0(e, SAY_RISK, p->risk);
  if (remains_high) {
    continue_course(e, c);
    set_rule(e, OP_RULE_BP_HOLIDAY_CONTINUE, why, agent);
  } else {
    p->action = OP_ACT_HOLIDAY;
    set_rule(e, OP_RULE_BP_HOLIDAY, why, agent);
    op_date due = facts_as_of_plus(f, (int)TH(HOLIDAY_REASSESS_MONTHS));
    plan_add_monitor(e, OP_MON_HOLIDAY_REASSESSMENT, due,
                     SAY(e, SAY_MONITOR, OP_MON_HOLIDAY_REASSESSMENT, A_NUM("window", TH(HOLIDAY_REASSESS_MONTHS))));
  }
}

/* An earlier oral course that failed, when course c is oral and started
** after it (moving within a failing class is no escalation, S001), or -1. */
static int earlier_oral_failure(const eng *e, int c) {
  const op_record *r = e->rec;
  for (int i = 0; i < r->n_therapies; i++) {
    const op_therapy *t = &r->therapies[i];
    if (i != c && e->f.failing[i] && e->kb->agent[t->agent].parenteral_after_failure_in_giop &&
        t->start < r->therapies[c].start)
      return i;
  }
  return -1;
}

static void rule5(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  int c = f->cur_bp;
  int agent = e->rec->therapies[c].agent;
  /* the rules of 5.1 (glucocorticoid-induced) and 5.2 are those of the oral
  ** bisphosphonates, which agents.ini marks parenteral_after_failure_in_giop */
  bool oral = e->kb->agent[agent].parenteral_after_failure_in_giop;
  int failed = f->failing[c] ? c : oral ? earlier_oral_failure(e, c) : -1;
  const op_say *unsuitable = NULL;
  if (failed >= 0) {
    rule5_failure(e, c, failed, oral);
  } else if (oral && (unsuitable = oral_unsuitable(e, c)) != NULL) {
    rule5_oral_unsuitable(e, c, unsuitable);
  } else if (f->finding[OP_FD_TARGET_NOT_MET] && f->target_course == c &&
             (p->risk == OP_RISK_HIGH || p->risk == OP_RISK_VERY_HIGH)) {
    rule5_target(e, c);
  } else if (f->finding[OP_FD_HOLIDAY_DUE] && f->holiday_course == c) {
    rule5_holiday(e, c);
  } else { /* 5.5 */
    continue_course(e, c);
    set_rule(e, OP_RULE_BP_CONTINUE, course_desc(e, c), agent);
  }
}

/* ---- rules 1 to 4 and 6 ------------------------------------------------- */

static void monitor_next_dose(eng *e, op_date last) {
  int interval = (int)TH(DMAB_INTERVAL_MONTHS);
  plan_add_monitor(e, OP_MON_DENOSUMAB_NEXT_DOSE, date_add_months(last, interval),
                   SAY(e, SAY_MONITOR, OP_MON_DENOSUMAB_NEXT_DOSE, A_NUM("window", interval),
                       A_DATE("last_dose", last)));
}

/* The stop reasons of agent as a statement: "osteonecrosis of the jaw
** (2026-01-02), ..." (rule 0). */
static const op_say *stop_reasons_say(eng *e, int agent) {
  return reasons_say(e, &e->all_avoid[agent], e->kb->avoid[agent].keep_current);
}

/* Rule 1, and rule 0 for an agent that rebounds when stopped: continued on
** schedule; with a stop reason (which rules the bisphosphonates out too) a
** bone specialist decides. */
static void rule1_denosumab(eng *e) {
  const op_facts *f = &e->f;
  const op_therapy *t = &e->rec->therapies[f->cur_denosumab];
  op_date last = t->has_last_dose ? t->last_dose : t->start;
  unsigned char why_stop[OP_N_reason];
  continue_course(e, f->cur_denosumab);
  const op_say *why = SAY(e, SAY_PHRASE, OP_PH_LAST_DOSE_AGO, A_DATE("last_dose", last), months_ago(e, last));
  if (stop_reasons(e, t->agent, why_stop) > 0) {
    const op_say *reasons = stop_reasons_say(e, t->agent);
    e->p->action = OP_ACT_REFER;
    ALERT(OP_AL_SPECIALIST_REVIEW_DENOSUMAB, A_SAY("reasons", reasons));
    set_rule(e, OP_RULE_DENOSUMAB_SPECIALIST, reasons, t->agent);
  } else {
    set_rule(e, f->finding[OP_FD_DENOSUMAB_OVERDUE] ? OP_RULE_DENOSUMAB_OVERDUE : OP_RULE_DENOSUMAB_CURRENT, why,
             t->agent);
  }
  if (f->finding[OP_FD_DENOSUMAB_OVERDUE]) alert_denosumab_overdue(e);
  ALERT0(OP_AL_DENOSUMAB_MUST_NOT_STOP);
  monitor_next_dose(e, last);
}

/* Rule 2: a bisphosphonate to follow; when none is safe, denosumab again
** (only its own stop reasons rule that out: then a specialist). */
static void rule2_denosumab_stopped(eng *e) {
  op_plan *p = e->p;
  const op_therapy *t = &e->rec->therapies[e->f.dmab_stopped_course];
  unsigned char why_stop[OP_N_reason];
  const op_say *when = SAY(e, SAY_PHRASE, OP_PH_STOPPED_AGO, A_DATE("date", t->end), months_ago(e, t->end));
  if (add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_DENOSUMAB_FOLLOWON)->n) {
    p->action = OP_ACT_TRANSITION;
    ALERT(OP_AL_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP, A_DATE("date", t->end),
          A_SAY("other", SAY0(e, SAY_PHRASE, OP_PH_STOPPED_BISPHOSPHONATE)));
    set_rule(e, OP_RULE_DENOSUMAB_STOPPED, when, t->agent);
    return;
  }
  const op_say *no_bp = ruled_out(e, e->phase_tried[0]);
  drop_phases(p);
  if (stop_reasons(e, t->agent, why_stop) > 0) {
    e->tried |= 1u << t->agent;
    ALERT(OP_AL_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP, A_DATE("date", t->end), A_SAY("other", NULL));
    no_safe_agent(e);
    return;
  }
  /* resume: not filtered by avoid (immunosuppression or an intolerance do
  ** not rule it out), and then not listed there */
  p->action = OP_ACT_RESUME;
  op_phase *ph = new_phase(e, OP_INTENT_ANTIRESORPTIVE);
  const kb_order *list = &e->kb->regimen[OP_RG_DENOSUMAB_RESUME];
  for (int i = 0; i < list->n && ph->n < OP_MAX_AGENTS; i++)
    if (!stop_reasons(e, list->agents[i], why_stop)) ph->agents[ph->n++] = list->agents[i];
  use_regimen(e, OP_RG_DENOSUMAB_RESUME);
  if (!ph->n) {
    no_safe_agent(e);
    return;
  }
  e->unlisted = ph->agents[0];
  ALERT(OP_AL_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP, A_DATE("date", t->end),
        A_SAY("other", SAY(e, SAY_PHRASE, OP_PH_RESUME_DENOSUMAB, A_SAY("reasons", no_bp))));
  set_rule(e, OP_RULE_DENOSUMAB_RESUME, no_bp, t->agent);
  /* the next dose is counted from the restart */
  monitor_next_dose(e, e->f.as_of);
}

static void rule3_anabolic(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  int c = f->cur_anabolic;
  int agent = e->rec->therapies[c].agent;
  if (anabolic_limit_reached(e, agent)) {
    p->action = OP_ACT_TRANSITION;
    add_followon(e);
    alert_limit(e, agent);
    alert_anabolic_followup(e, 1, SAY0(e, SAY_FINDING, e->kb->agent[agent].course_dose_limit ? OP_FD_ROMOSOZUMAB_COURSE_COMPLETE
                                                                                  : OP_FD_PTH_ANALOG_LIMIT_REACHED));
    set_rule(e, OP_RULE_ANABOLIC_LIMIT_REACHED, course_desc(e, c), agent);
  } else {
    continue_course(e, c);
    if (f->finding[OP_FD_DENOSUMAB_THEN_ANABOLIC] && f->dmab_then_anabolic_course == c) {
      /* after denosumab: denosumab first in the follow-on (DATASWITCH2015, S002) */
      ALERT(OP_AL_DENOSUMAB_THEN_ANABOLIC, A_NAME("agent", SAY_AGENT, agent),
            A_SAY("other", course_desc(e, f->dmab_before_anabolic_course)));
      op_phase *fo = new_phase(e, OP_INTENT_ANTIRESORPTIVE);
      phase_fill(e, fo, &e->kb->regimen[OP_RG_FOLLOWON_AFTER_DENOSUMAB_SWITCH]);
      phase_fill(e, fo, &e->kb->regimen[OP_RG_ANTIRESORPTIVE_FOLLOWON]);
      use_regimen(e, OP_RG_FOLLOWON_AFTER_DENOSUMAB_SWITCH);
      use_regimen(e, OP_RG_ANTIRESORPTIVE_FOLLOWON);
    } else {
      add_followon(e);
    }
    set_rule(e, OP_RULE_ANABOLIC_CONTINUE, course_desc(e, c), agent);
  }
  settle_phases(e);
}

static void rule4_anabolic_ended(eng *e) {
  const op_therapy *t = &e->rec->therapies[e->f.anabolic_ended_course];
  e->p->action = OP_ACT_TRANSITION;
  add_followon(e);
  const op_say *what = SAY(e, SAY_PHRASE, OP_PH_ANABOLIC_ENDED, A_NAME("agent", SAY_AGENT, t->agent),
                           A_DATE("date", t->end));
  alert_limit(e, t->agent);
  alert_anabolic_followup(e, 1, what);
  set_rule(e, OP_RULE_ANABOLIC_ENDED, what, t->agent);
  settle_phases(e);
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
        set_rule(e, OP_RULE_SERM_HT_SWITCH, SAY0(e, SAY_RISK, p->risk), agent);
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
  /* only the alerts that protect a patient already on a drug (rule 0's in
  ** rule0.c, section 7's in extras.c) */
  if (f->cur_denosumab >= 0) {
    unsigned char why_stop[OP_N_reason];
    int agent = e->rec->therapies[f->cur_denosumab].agent;
    if (f->finding[OP_FD_DENOSUMAB_OVERDUE]) alert_denosumab_overdue(e);
    if (stop_reasons(e, agent, why_stop) > 0) {
      ALERT(OP_AL_SPECIALIST_REVIEW_DENOSUMAB, A_SAY("reasons", stop_reasons_say(e, agent)));
      e->unlisted = agent; /* not stopped: a specialist decides */
    }
  }
  if (f->cur_denosumab < 0 && f->finding[OP_FD_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP]) alert_denosumab_stopped(e);
  if (f->cur_anabolic >= 0) {
    int agent = e->rec->therapies[f->cur_anabolic].agent;
    alert_anabolic_followup(e, anabolic_limit_reached(e, agent), NULL);
  } else if (f->finding[OP_FD_ANABOLIC_ENDED_WITHOUT_FOLLOWUP]) {
    alert_anabolic_followup(e, 1, NULL);
  }
}

/* ---- the decision ------------------------------------------------------- */

/* Findings and the agent each concerns (plan.md: intolerance,
** nonadherence, fracture_on_therapy). */
static void copy_findings(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  const op_record *r = e->rec;
  for (int i = 0; i < OP_N_finding; i++) p->finding[i] = f->finding[i];
  struct { int finding, course; } named[] = {
      {OP_FD_INTOLERANCE, f->intolerance_course},
      {OP_FD_NONADHERENCE, f->nonadherence_course},
      {OP_FD_FRACTURE_ON_THERAPY, f->fot_course},
  };
  for (size_t i = 0; i < sizeof named / sizeof *named; i++)
    if (p->finding[named[i].finding] && named[i].course >= 0) {
      p->finding_has_agent[named[i].finding] = true;
      p->finding_agent[named[i].finding] = r->therapies[named[i].course].agent;
    }
}

void decide(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  e->unlisted = -1;
  /* a course stopped by rule 0 is still the treatment the patient is on */
  p->status = f->any_course ? (e->n_stopped || f->cur_denosumab >= 0 || f->cur_anabolic >= 0 || f->cur_bp >= 0 ||
                                       f->cur_serm_ht >= 0
                                   ? OP_ST_ON_TREATMENT
                                   : OP_ST_OFF_TREATMENT)
                            : OP_ST_NAIVE;
  copy_findings(e);

  if (!f->in_scope) out_of_scope(e);
  else if (f->cur_denosumab >= 0) rule1_denosumab(e);
  else if (f->finding[OP_FD_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP]) rule2_denosumab_stopped(e);
  else if (f->cur_anabolic >= 0) rule3_anabolic(e);
  else if (f->finding[OP_FD_ANABOLIC_ENDED_WITHOUT_FOLLOWUP]) rule4_anabolic_ended(e);
  else if (f->cur_bp >= 0) rule5(e);
  else if (f->cur_serm_ht >= 0) rule6_serm_ht(e);
  else rule7(e);
  rule0_apply(e);

  /* avoid: every agent with a reason, except the agent of the current course
  ** the decision continues (its concern becomes an alert, section 5) and
  ** the one it keeps out (resumed, or switched for effect) */
  int kept = -1;
  if (p->n_phases && p->phases[0].current) kept = p->phases[0].agents[0];
  p->n_avoid = 0;
  for (int a = 0; a < e->kb->n_agents; a++)
    if (e->all_avoid[a].n && a != kept && a != e->unlisted) p->avoid[p->n_avoid++] = e->all_avoid[a];
}
