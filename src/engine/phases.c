/*
** phases.c: the phases of a plan (default-profile.md section 6, "Phases, in
** every rule", 2026.12): a regimen's agents in order of preference, those
** avoided for the patient filtered out; an anabolic phase always followed by
** an antiresorptive one; and what happens when a phase is left empty: the
** plan goes to a bone specialist (action refer) with the reasons.
*/
#include <math.h>
#include <string.h>

#include "engine.h"

#define TH(id) KB_TH(e->kb, id)

/* Months still allowed for an anabolic agent: the lifetime or course limit
** minus what was used (PTH-analog months; romosozumab doses, one a month). */
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

/* Appends the agents of list (not avoided, not already there) to ph, and
** remembers every agent of the list as tried (the reasons name them). */
void phase_fill(eng *e, op_phase *ph, const kb_order *list) {
  int idx = (int)(ph - e->p->phases);
  for (int i = 0; i < list->n; i++) {
    int a = list->agents[i];
    e->tried |= 1u << a;
    e->phase_tried[idx] |= 1u << a;
    if (agent_avoided(e, a)) continue;
    bool dup = false;
    for (int j = 0; j < ph->n; j++) dup |= ph->agents[j] == a;
    if (!dup) ph->agents[ph->n++] = a;
  }
  phase_set_months(e, ph);
}

op_phase *new_phase(eng *e, int intent) {
  op_plan *p = e->p;
  int idx = p->n_phases++;
  op_phase *ph = &p->phases[idx];
  memset(ph, 0, sizeof *ph);
  e->phase_tried[idx] = 0;
  ph->intent = intent;
  return ph;
}

void use_regimen(eng *e, int rg) { e->p->treatment_sources |= e->kb->regimen_sources[rg]; }

op_phase *add_phase(eng *e, int intent, int rg) {
  op_phase *ph = new_phase(e, intent);
  phase_fill(e, ph, &e->kb->regimen[rg]);
  use_regimen(e, rg);
  return ph;
}

op_phase *add_followon(eng *e) { return add_phase(e, OP_INTENT_ANTIRESORPTIVE, OP_RG_ANTIRESORPTIVE_FOLLOWON); }

/* The current course, continued: phases[0] is it. */
void continue_course(eng *e, int course) {
  const op_therapy *t = &e->rec->therapies[course];
  op_phase *ph = new_phase(e, e->kb->agent[t->agent].intent);
  ph->agents[ph->n++] = t->agent;
  ph->current = true;
  phase_set_months(e, ph);
  e->p->action = OP_ACT_CONTINUE;
}

void drop_phases(op_plan *p) { p->n_phases = 0; }

void set_rule(eng *e, op_rule_t rule, const op_say *other, int agent) {
  op_plan *p = e->p;
  p->rule = rule;
  p->rationale_say = SAY(e, SAY_RULE, rule, A_SAY("other", other),
                         agent >= 0 ? A_NAME("agent", SAY_AGENT, agent) : A_EMPTY("agent"));
  p->treatment_sources |= e->kb->rule[rule].sources;
}

void plan_remove_alert(op_plan *p, op_alert_t code) {
  for (int i = 0; i < p->n_alerts; i++)
    if (p->alerts[i].code == code) {
      memmove(&p->alerts[i], &p->alerts[i + 1], (size_t)(p->n_alerts - i - 1) * sizeof p->alerts[0]);
      p->n_alerts--;
      return;
    }
}

#define ALERT(code, ...) plan_add_alert(e, code, SAY(e, SAY_ALERT, code, __VA_ARGS__))

/* "alendronate (renal function 25 < 35); ..." for each agent of mask that
** has avoid reasons, in the knowledge base's agent order. */
const op_say *ruled_out(eng *e, unsigned mask) {
  if (e->codes_only) return &say_none;
  const op_say *items[OP_MAX_AGENTS];
  int n = 0;
  for (int a = 0; a < e->kb->n_agents; a++) {
    if (!((mask >> a) & 1u)) continue;
    const op_avoid *x = &e->all_avoid[a];
    for (int i = 0; !x->n && i < e->p->n_not_rec; i++)
      if (e->p->not_rec[i].agent == a) x = &e->p->not_rec[i];
    if (!x->n) continue;
    items[n++] = SAY(e, SAY_PHRASE, OP_PH_NO_SAFE_AGENT_ITEM, A_NAME("agent", SAY_AGENT, a),
                     A_SAY("reasons", reasons_say(e, x, 0)));
  }
  return say_join(e, items, n, SEP_SEMICOLON);
}

static void refer(eng *e) {
  e->p->action = OP_ACT_REFER;
  /* only the info form: a critical one (an anabolic ended with nothing
  ** after it) still holds */
  for (int i = 0; i < e->p->n_alerts; i++)
    if (e->p->alerts[i].code == OP_AL_ANABOLIC_FOLLOWUP_REQUIRED && e->p->alerts[i].severity == OP_SEV_INFO)
      plan_remove_alert(e->p, OP_AL_ANABOLIC_FOLLOWUP_REQUIRED);
}

/* No phase could be filled: a bone specialist decides; say why each agent
** the rule could choose was ruled out. */
void no_safe_agent(eng *e) {
  op_plan *p = e->p;
  drop_phases(p);
  refer(e);
  const op_say *why = ruled_out(e, e->tried);
  ALERT(OP_AL_NO_SAFE_AGENT, A_SAY("reasons", why));
  set_rule(e, OP_RULE_NO_SAFE_AGENT, why, -1);
}

/* The anabolic can start, but nothing is safe after it: refer, the first
** phase only, and why each follow-on was ruled out. */
static void no_safe_followon(eng *e, int empty) {
  op_plan *p = e->p;
  int agent = p->phases[0].agents[0];
  const op_say *why = ruled_out(e, e->phase_tried[empty]);
  p->n_phases = 1;
  refer(e);
  plan_remove_alert(p, OP_AL_ANABOLIC_FOLLOWUP_REQUIRED);
  ALERT(OP_AL_NO_SAFE_FOLLOWON, A_NAME("agent", SAY_AGENT, agent), A_SAY("reasons", why));
  set_rule(e, OP_RULE_NO_SAFE_FOLLOWON, why, agent);
}

void settle_phases(eng *e) {
  op_plan *p = e->p;
  if (!p->n_phases || !p->phases[0].n) {
    no_safe_agent(e);
    return;
  }
  for (int i = 1; i < p->n_phases; i++)
    if (!p->phases[i].n && p->phases[i - 1].intent == OP_INTENT_ANABOLIC) {
      no_safe_followon(e, i);
      return;
    }
  for (int i = 0; i < p->n_phases; i++)
    if (!p->phases[i].n) {
      no_safe_agent(e);
      return;
    }
  for (int i = 0; i < p->n_phases; i++)
    if (p->phases[i].intent == OP_INTENT_ANABOLIC) {
      /* info while it is started or runs; a rule that found it ended or at
      ** its limit has already made it critical (one alert per code) */
      ALERT(OP_AL_ANABOLIC_FOLLOWUP_REQUIRED, A_SAY("other", NULL));
      return;
    }
}
