/*
** avoid.c: which agents are avoided and why (default-profile.md section 5).
**
** The knowledge base says which reasons are checked for which agent
** ([avoid.X] and [not_recommended.X] in agents.ini); this file says how each
** reason is read from the facts, and writes the detail with the patient's
** values. Whether the agent of a current course stays in the list is the
** decision's business (decision.c): avoid is about starting an agent.
*/
#include <string.h>

#include "../kb/template.h"
#include "../util/strbuf.h"
#include "engine.h"

#define TH(id) KB_TH(e->kb, id)

static bool class_intolerance(const op_kb *kb, int agent, int stopped) {
  const kb_agent *g = &kb->agent[agent], *s = &kb->agent[stopped];
  return g->intolerance_rules_out_class && s->intolerance_rules_out_class && !strcmp(g->cls, s->cls);
}

static bool stopped_for_intolerance(const op_therapy *t) {
  return t->has_stop_reason && (t->stop_reason == OP_STOP_INTOLERANCE || t->stop_reason == OP_STOP_ADVERSE_EVENT);
}

/* The course stopped for intolerance that rules out agent, or -1: an agent
** with intolerance_rules_out_class (the oral bisphosphonates) stopped for
** intolerance rules out every such agent of its class. */
static int intolerance_course_for(const eng *e, int agent) {
  const op_record *r = e->rec;
  for (int i = 0; i < r->n_therapies; i++) {
    const op_therapy *t = &r->therapies[i];
    if (!stopped_for_intolerance(t)) continue;
    if (t->agent == agent || class_intolerance(e->kb, agent, t->agent)) return i;
  }
  return -1;
}

/* A past failing course of the agent; a current one is added by the
** decision when it stops the course. */
static bool past_failure(const eng *e, int agent) {
  const op_facts *f = &e->f;
  if (!f->finding[OP_FD_FRACTURE_ON_THERAPY] && !f->finding[OP_FD_BMD_LOSS]) return false;
  for (int i = 0; i < e->rec->n_therapies; i++)
    if (e->rec->therapies[i].agent == agent && f->failing[i] && !f->current[i]) return true;
  return false;
}

/* Does the reason apply to the agent (-1 for the reasons that do not depend
** on the agent)? The logic of section 5, and nothing else. */
static bool reason_holds(const eng *e, int agent, int reason) {
  const op_facts *f = &e->f;
  const op_kb *kb = e->kb;
  switch (reason) {
    case OP_RS_MI_OR_STROKE_WITHIN_12_MONTHS: return f->mi_stroke_recent;
    case OP_RS_ROMOSOZUMAB_COURSE_COMPLETED: return f->romo_doses >= KB_TH(kb, ROMO_LIMIT_DOSES);
    case OP_RS_NOT_INDICATED: return e->rec->sex == OP_SEX_MALE;
    case OP_RS_PTH_ANALOG_LIFETIME_LIMIT: return f->pth_months >= KB_TH(kb, PTH_LIMIT_MONTHS);
    case OP_RS_RENAL_IMPAIRMENT: {
      double cut = kb->agent[agent].renal_min;
      return cut >= 0 && f->has_renal && f->renal < cut;
    }
    case OP_RS_HYPOCALCEMIA: return f->hypocalcemia;
    case OP_RS_IMMUNOSUPPRESSION: return f->immunosuppressed;
    case OP_RS_INTOLERANCE: return f->intolerance_course >= 0 && intolerance_course_for(e, agent) >= 0;
    case OP_RS_TREATMENT_FAILURE: return past_failure(e, agent);
    case OP_RS_NOT_RECOMMENDED_FOR_OSTEOPOROSIS: return true;
    default: {
      int c = kb->reason_condition[reason];
      return c >= 0 && f->has_condition[c];
    }
  }
}

/* The patient's values behind a reason that holds (words only). */
static const char *reason_detail(eng *e, int agent, int reason) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  const op_kb *kb = e->kb;
  const char *tmpl = kb->reason[reason].detail;
  switch (reason) {
    case OP_RS_MI_OR_STROKE_WITHIN_12_MONTHS: {
      const op_condition *c = &r->conditions[f->mi_stroke_idx];
      tmpl_var v[] = {{"condition", kb->condition[c->code].clinician},
                      {"date", c->has_date ? eng_date(e, c->date) : kb->phrase[OP_PH_UNDATED_RECENT]}};
      return eng_fill(e, tmpl, v, 2);
    }
    case OP_RS_ROMOSOZUMAB_COURSE_COMPLETED: {
      tmpl_var v[] = {{"doses", eng_num(e, f->romo_doses)}, {"limit", eng_num(e, TH(ROMO_LIMIT_DOSES))}};
      return eng_fill(e, tmpl, v, 2);
    }
    case OP_RS_NOT_INDICATED: return tmpl;
    case OP_RS_PTH_ANALOG_LIFETIME_LIMIT: {
      tmpl_var v[] = {{"months", eng_num(e, f->pth_months)}, {"limit", eng_num(e, TH(PTH_LIMIT_MONTHS))}};
      return eng_fill(e, tmpl, v, 2);
    }
    case OP_RS_RENAL_IMPAIRMENT: {
      tmpl_var v[] = {{"renal", eng_num(e, f->renal)}, {"threshold", eng_num(e, kb->agent[agent].renal_min)}};
      return eng_fill(e, tmpl, v, 2);
    }
    case OP_RS_HYPOCALCEMIA: {
      const char *what = r->has_calcium && r->calcium < TH(CALCIUM_LOW)
                             ? eng_fill(e, kb->phrase[OP_PH_CALCIUM_LOW],
                                        (tmpl_var[]){{"value", eng_num(e, r->calcium)},
                                                     {"threshold", eng_num(e, TH(CALCIUM_LOW))}}, 2)
                             : kb->condition[OP_COND_HYPOCALCEMIA].clinician;
      return eng_fill(e, tmpl, (tmpl_var[]){{"calcium", what}}, 1);
    }
    case OP_RS_IMMUNOSUPPRESSION: {
      const char *what = f->has_condition[OP_COND_ORGAN_TRANSPLANT]
                             ? kb->condition[OP_COND_ORGAN_TRANSPLANT].clinician
                             : eng_fill(e, kb->phrase[OP_PH_IMMUNOSUPPRESSIVE_COUNT],
                                        (tmpl_var[]){{"count", eng_num(e, f->n_immuno)}}, 1);
      return eng_fill(e, tmpl, (tmpl_var[]){{"other", what}}, 1);
    }
    case OP_RS_INTOLERANCE: {
      const op_therapy *t = &r->therapies[intolerance_course_for(e, agent)];
      tmpl_var v[] = {{"course_agent", kb->agent[t->agent].name}, {"date", t->has_end ? eng_date(e, t->end) : ""}};
      return eng_fill(e, tmpl, v, 2);
    }
    case OP_RS_TREATMENT_FAILURE:
      return eng_fill(e, tmpl, (tmpl_var[]){{"other", kb->finding[OP_FD_FRACTURE_ON_THERAPY].clinician}}, 1);
    case OP_RS_NOT_RECOMMENDED_FOR_OSTEOPOROSIS: return NULL;
    default: {
      int c = kb->reason_condition[reason];
      const op_condition *cc = &r->conditions[f->condition_idx[c]];
      return cc->has_date ? eng_fill(e, "{condition} {date}",
                                     (tmpl_var[]){{"condition", kb->condition[c].clinician},
                                                  {"date", eng_date(e, cc->date)}}, 2)
                          : kb->condition[c].clinician;
    }
  }
}

/* Does the reason apply? When it does and the plan has words, *detail gets
** the patient's values. */
static bool reason_applies(eng *e, int agent, int reason, const char **detail) {
  *detail = NULL;
  if (!reason_holds(e, agent, reason)) return false;
  if (e->texts) *detail = reason_detail(e, agent, reason);
  return true;
}

static void add_reason(eng *e, op_avoid *x, int reason, const char *detail) {
  for (int i = 0; i < x->n; i++)
    if (x->reasons[i] == reason) return;
  x->reasons[x->n++] = reason;
  x->sources |= e->kb->reason[reason].sources;
  if (detail && *detail) {
    x->detail = x->detail ? eng_fill(e, "{from}; {to}", (tmpl_var[]){{"from", x->detail}, {"to", detail}}, 2)
                          : detail;
  }
}

/* Adds a reason to the agent's avoid entry (used by the decision too). */
void avoid_add(eng *e, int agent, int reason, const char *detail) {
  op_avoid *x = &e->all_avoid[agent];
  x->agent = agent;
  x->sources |= e->kb->avoid[agent].sources;
  add_reason(e, x, reason, detail);
}

static bool agent_specific(int reason) {
  return reason == OP_RS_RENAL_IMPAIRMENT || reason == OP_RS_INTOLERANCE || reason == OP_RS_TREATMENT_FAILURE;
}

/* Reason by reason (each worked out once per record, most do not depend on
** the agent), added to every agent whose avoid list in the knowledge base
** names it. */
void avoid_compute(eng *e) {
  const op_kb *kb = e->kb;
  op_plan *p = e->p;
  for (int a = 0; a < kb->n_agents; a++) e->all_avoid[a].agent = a;
  for (int r = 0; r < OP_N_reason; r++) {
    unsigned agents = kb->avoid_agents[r];
    if (!agents) continue;
    const char *detail = NULL;
    bool shared = !agent_specific(r);
    if (shared && !reason_applies(e, -1, r, &detail)) continue;
    for (int a = 0; a < kb->n_agents; a++) {
      if (!((agents >> a) & 1u)) continue;
      if (shared || reason_applies(e, a, r, &detail)) avoid_add(e, a, r, detail);
    }
  }
  for (int a = 0; a < kb->n_agents; a++) {
    if (!kb->has_not_recommended[a]) continue;
    op_avoid *x = &p->not_rec[p->n_not_rec];
    x->agent = a;
    x->sources = kb->not_recommended[a].sources;
    const kb_avoid_rule *nr = &kb->not_recommended[a];
    for (int k = 0; k < nr->n_reasons; k++) {
      const char *detail;
      if (reason_applies(e, a, nr->reasons[k], &detail)) add_reason(e, x, nr->reasons[k], detail);
    }
    if (x->n) p->n_not_rec++;
  }
}

bool agent_avoided(const eng *e, int agent) {
  if (e->all_avoid[agent].n > 0) return true;
  for (int i = 0; i < e->p->n_not_rec; i++)
    if (e->p->not_rec[i].agent == agent) return true;
  return false;
}
