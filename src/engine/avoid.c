/*
** avoid.c: which agents are avoided and why (default-profile.md section 5).
**
** The knowledge base says which reasons are checked for which agent
** ([avoid.X] and [not_recommended.X] in agents.ini); this file says how each
** reason is read from the facts, and states its detail with the patient's
** values. Whether the agent of a current course stays in the list is the
** decision's business (decision.c): avoid is about starting an agent.
*/
#include <string.h>

#include "engine.h"

#define TH(id) KB_TH(e->kb, id)

static bool class_intolerance(const op_kb *kb, int agent, int stopped) {
  const kb_agent *g = &kb->agent[agent], *s = &kb->agent[stopped];
  return g->intolerance_rules_out_class && s->intolerance_rules_out_class && !strcmp(g->cls, s->cls);
}

/* The course stopped for intolerance that rules out agent, or -1: an agent
** with intolerance_rules_out_class (the oral bisphosphonates) stopped for
** intolerance rules out every such agent of its class. */
static int intolerance_course_for(const eng *e, int agent) {
  const op_record *r = e->rec;
  for (int i = 0; i < r->n_therapies; i++) {
    const op_therapy *t = &r->therapies[i];
    if (!course_stopped_for_intolerance(t)) continue;
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
** on the agent)? The logic of section 5, and nothing else. A new case here
** goes into OWN_RULE too (below). */
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
    case OP_RS_HYPERCALCEMIA: return f->hypercalcemia; /* the condition or a high calcium */
    default: {
      int c = kb->reason_condition[reason];
      return c >= 0 && f->has_condition[c];
    }
  }
}

const op_say *calcium_low_say(eng *e) {
  const op_record *r = e->rec;
  if (r->has_calcium && r->calcium < TH(CALCIUM_LOW))
    return SAY(e, SAY_PHRASE, OP_PH_CALCIUM_LOW, A_NUM("value", r->calcium), A_NUM("threshold", TH(CALCIUM_LOW)));
  return SAY0(e, SAY_CONDITION, OP_COND_HYPOCALCEMIA);
}

/* A recorded condition with its date when it has one. */
static const op_say *condition_dated(eng *e, const op_condition *c) {
  if (!c->has_date) return SAY0(e, SAY_CONDITION, c->code);
  return SAY(e, SAY_PHRASE, OP_PH_CONDITION_DATED, A_NAME("condition", SAY_CONDITION, c->code),
             A_DATE("date", c->date));
}

/* The patient's values behind a reason that holds, as a statement. */
static const op_say *reason_detail(eng *e, int agent, op_reason_t reason) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  const op_kb *kb = e->kb;
  switch (reason) {
    case OP_RS_MI_OR_STROKE_WITHIN_12_MONTHS: {
      const op_condition *c = &r->conditions[f->mi_stroke_idx];
      op_arg date = c->has_date ? A_DATE("date", c->date) : A_NAME("date", SAY_PHRASE, OP_PH_UNDATED_RECENT);
      return SAY(e, SAY_REASON, reason, A_NAME("condition", SAY_CONDITION, c->code), date);
    }
    case OP_RS_ROMOSOZUMAB_COURSE_COMPLETED:
      return SAY(e, SAY_REASON, reason, A_NUM("doses", f->romo_doses), A_NUM("limit", TH(ROMO_LIMIT_DOSES)));
    case OP_RS_NOT_INDICATED: return SAY0(e, SAY_REASON, reason);
    case OP_RS_PTH_ANALOG_LIFETIME_LIMIT:
      return SAY(e, SAY_REASON, reason, A_NUM("months", f->pth_months), A_NUM("limit", TH(PTH_LIMIT_MONTHS)));
    case OP_RS_RENAL_IMPAIRMENT:
      return SAY(e, SAY_REASON, reason, A_NUM("renal", f->renal), A_NUM("threshold", kb->agent[agent].renal_min));
    case OP_RS_HYPOCALCEMIA: return SAY(e, SAY_REASON, reason, A_SAY("calcium", calcium_low_say(e)));
    case OP_RS_IMMUNOSUPPRESSION: {
      const op_say *what = f->has_condition[OP_COND_ORGAN_TRANSPLANT]
                               ? SAY0(e, SAY_CONDITION, OP_COND_ORGAN_TRANSPLANT)
                               : SAY(e, SAY_PHRASE, OP_PH_IMMUNOSUPPRESSIVE_COUNT, A_NUM("count", f->n_immuno));
      return SAY(e, SAY_REASON, reason, A_SAY("other", what));
    }
    case OP_RS_INTOLERANCE: {
      const op_therapy *t = &r->therapies[intolerance_course_for(e, agent)];
      return SAY(e, SAY_REASON, reason, A_NAME("course_agent", SAY_AGENT, t->agent),
                 t->has_end ? A_DATE("date", t->end) : A_EMPTY("date"));
    }
    case OP_RS_TREATMENT_FAILURE:
      return SAY(e, SAY_REASON, reason, A_NAME("other", SAY_FINDING, OP_FD_FRACTURE_ON_THERAPY));
    case OP_RS_NOT_RECOMMENDED_FOR_OSTEOPOROSIS: return NULL;
    case OP_RS_HYPERCALCEMIA:
      if (!f->has_condition[OP_COND_HYPERCALCEMIA])
        return SAY(e, SAY_PHRASE, OP_PH_CALCIUM_HIGH, A_NUM("value", r->calcium), A_NUM("threshold", TH(CALCIUM_HIGH)));
      return condition_dated(e, &r->conditions[f->condition_idx[OP_COND_HYPERCALCEMIA]]);
    default: {
      int c = kb->reason_condition[reason];
      return condition_dated(e, &r->conditions[f->condition_idx[c]]);
    }
  }
}

static void add_reason(eng *e, op_avoid *x, op_reason_t reason, const op_say *detail) {
  for (int i = 0; i < x->n; i++)
    if (x->reasons[i] == reason) return;
  /* the details' room is taken by the first one only: most agents have none */
  if (detail && !x->why && !e->codes_only) x->why = arena_array(e->a, OP_N_reason, sizeof(const op_say *));
  if (x->why) x->why[x->n] = detail;
  x->reasons[x->n++] = (unsigned char)reason;
  x->sources |= e->kb->reason[reason].sources;
}

/* Adds a reason to the agent's avoid entry (used by the decision too). */
void avoid_add(eng *e, int agent, op_reason_t reason, const op_say *detail) {
  op_avoid *x = &e->all_avoid[agent];
  x->agent = agent;
  x->sources |= e->kb->avoid[agent].sources;
  add_reason(e, x, reason, detail);
}

/* The reasons whose holding depends on the agent (bits). */
#define AGENT_SPECIFIC \
  ((1u << OP_RS_RENAL_IMPAIRMENT) | (1u << OP_RS_INTOLERANCE) | (1u << OP_RS_TREATMENT_FAILURE))

/* The reasons reason_holds reads from a fact of their own (its cases); it
** reads every other one from the condition of the same name (its default).
** A reason listed here that is not a case is only asked the slow way. */
#define OWN_RULE                                                                                               \
  ((1u << OP_RS_MI_OR_STROKE_WITHIN_12_MONTHS) | (1u << OP_RS_ROMOSOZUMAB_COURSE_COMPLETED) |               \
   (1u << OP_RS_NOT_INDICATED) | (1u << OP_RS_PTH_ANALOG_LIFETIME_LIMIT) | (1u << OP_RS_RENAL_IMPAIRMENT) | \
   (1u << OP_RS_HYPOCALCEMIA) | (1u << OP_RS_IMMUNOSUPPRESSION) | (1u << OP_RS_INTOLERANCE) |               \
   (1u << OP_RS_TREATMENT_FAILURE) | (1u << OP_RS_NOT_RECOMMENDED_FOR_OSTEOPOROSIS) |                       \
   (1u << OP_RS_HYPERCALCEMIA))

#define BIT(cond, r) ((uint32_t)((cond) != 0) << (r))

/* The OWN_RULE reasons as bits, all at once: reason_holds(e, -1, r) for
** an agent-independent reason; for an agent-specific one, the part that
** does not depend on the agent (reason_holds asks it first): when it
** fails, the reason holds for no agent and none is asked. Case by case,
** not through reason_holds' switch one reason at a time (that cost about
** 250 instructions a record). tests/unit/test_avoid_bits.c compares the
** two on every record it reads; a case added to reason_holds must be
** added here. */
static uint32_t own_rule_bits(const eng *e) {
  const op_facts *f = &e->f;
  const op_kb *kb = e->kb;
  return BIT(f->mi_stroke_recent, OP_RS_MI_OR_STROKE_WITHIN_12_MONTHS) |
         BIT(f->romo_doses >= KB_TH(kb, ROMO_LIMIT_DOSES), OP_RS_ROMOSOZUMAB_COURSE_COMPLETED) |
         BIT(e->rec->sex == OP_SEX_MALE, OP_RS_NOT_INDICATED) |
         BIT(f->pth_months >= KB_TH(kb, PTH_LIMIT_MONTHS), OP_RS_PTH_ANALOG_LIFETIME_LIMIT) |
         BIT(f->has_renal, OP_RS_RENAL_IMPAIRMENT) | BIT(f->hypocalcemia, OP_RS_HYPOCALCEMIA) |
         BIT(f->immunosuppressed, OP_RS_IMMUNOSUPPRESSION) | BIT(f->intolerance_course >= 0, OP_RS_INTOLERANCE) |
         BIT(f->finding[OP_FD_FRACTURE_ON_THERAPY] || f->finding[OP_FD_BMD_LOSS], OP_RS_TREATMENT_FAILURE) |
         BIT(1, OP_RS_NOT_RECOMMENDED_FOR_OSTEOPOROSIS) | BIT(f->hypercalcemia, OP_RS_HYPERCALCEMIA);
}

/* The reasons the knowledge base asks (kb->avoid_reasons) that can hold for
** this record, as bits: an agent-independent one when it holds, an
** agent-specific one when its agent-independent part does. Each is worked
** out once per record; the avoid and not_recommended lists then only test
** bits. */
static uint32_t reasons_possible(const eng *e) {
  const op_kb *kb = e->kb;
  /* a reason of reason_holds' default holds when a condition of the record
  ** is the one it names (has_condition is made from the same list) */
  uint32_t named = 0;
  for (int i = 0; i < e->rec->n_conditions; i++) named |= kb->condition_reasons[e->rec->conditions[i].code];
  return ((named & ~OWN_RULE) | (own_rule_bits(e) & OWN_RULE)) & kb->avoid_reasons;
}

/* add_reason for a reason the entry cannot have yet (avoid_compute adds each
** reason once per agent, to entries that start empty). */
static void add_new_reason(eng *e, op_avoid *x, op_reason_t reason, const op_say *detail) {
  if (detail && !x->why && !e->codes_only) x->why = arena_array(e->a, OP_N_reason, sizeof(const op_say *));
  if (x->why) x->why[x->n] = detail;
  x->reasons[x->n++] = (unsigned char)reason;
  x->sources |= e->kb->reason[reason].sources;
}

/* The agent's not_recommended entry (reasons in the knowledge base's order),
** kept when a reason holds. */
static void not_recommended(eng *e, int a, uint32_t can) {
  op_plan *p = e->p;
  const kb_avoid_rule *nr = &e->kb->not_recommended[a];
  op_avoid *x = &p->not_rec[p->n_not_rec];
  *x = (op_avoid){.agent = a, .sources = nr->sources}; /* whole: see plan_clear */
  for (int k = 0; k < nr->n_reasons; k++) {
    int r = nr->reasons[k];
    if (!((can >> r) & 1u)) continue;
    if ((AGENT_SPECIFIC >> r) & 1u && !reason_holds(e, a, r)) continue;
    add_reason(e, x, r, e->codes_only ? NULL : reason_detail(e, a, r));
  }
  if (x->n) p->n_not_rec++;
}

/* Reason by reason in ascending order (so each agent's reasons are in that
** order), added to every agent whose avoid list in the knowledge base names
** it. */
void avoid_compute(eng *e) {
  const op_kb *kb = e->kb;
  /* an entry's agent is set when a reason is added to it (below and in
  ** avoid_add): an entry without reasons is never read */
  uint32_t can = reasons_possible(e);
  for (uint32_t m = can; m; m &= m - 1) {
    int r = __builtin_ctz(m);
    unsigned agents = kb->avoid_agents[r];
    if (!agents) continue;
    bool shared = !((AGENT_SPECIFIC >> r) & 1u);
    const op_say *detail = shared && !e->codes_only ? reason_detail(e, -1, r) : NULL;
    /* the agents of the mask in ascending order, as a loop over all would */
    for (unsigned ag = agents; ag; ag &= ag - 1) {
      int a = __builtin_ctz(ag);
      if (a >= kb->n_agents) break;
      if (!shared) {
        if (!reason_holds(e, a, r)) continue;
        detail = e->codes_only ? NULL : reason_detail(e, a, r);
      }
      op_avoid *x = &e->all_avoid[a];
      x->agent = a;
      x->sources |= kb->avoid[a].sources;
      add_new_reason(e, x, r, detail);
    }
  }
  for (int a = 0; a < kb->n_agents; a++)
    if (kb->has_not_recommended[a]) not_recommended(e, a, can);
}

bool agent_avoided(const eng *e, int agent) {
  if (e->all_avoid[agent].n > 0) return true;
  for (int i = 0; i < e->p->n_not_rec; i++)
    if (e->p->not_rec[i].agent == agent) return true;
  return false;
}

const op_say *reasons_say(eng *e, const op_avoid *x, uint32_t skip) {
  if (e->codes_only) return &say_none;
  const op_say *items[OP_N_reason];
  int n = 0;
  for (int k = 0; k < x->n; k++)
    if (!((skip >> x->reasons[k]) & 1u))
      items[n++] = x->why && x->why[k] ? x->why[k] : SAY0(e, SAY_REASON_NAME, x->reasons[k]);
  return say_join(e, items, n, SEP_COMMA);
}
