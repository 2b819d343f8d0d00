/*
** rule0.c: a current course that must stop (default-profile.md section 6,
** rule 0, 2026.12). A reason of section 5 that holds for the agent of a
** current course is a stop reason, except the reasons the knowledge base
** keeps for it (agents.ini keep_current: a limit or a failure that rules 3
** and 5 handle, the oral reasons rule 5.2 handles, and immunosuppression on
** denosumab, whose stopping is the danger).
**
**   - an agent that rebounds when stopped (denosumab) is not stopped: rule 1
**     refers the patient (decision.c);
**   - any other agent: the course is taken as ended at as_of and rules 1 to
**     7 decide on what remains; then the action they give is mapped (switch,
**     stop, ...) and the stop is announced with the patient's values.
**
** Taking the course as ended is done on a copy of the record (the caller's
** record is never written): every fact and finding then follows from it
** (an anabolic stopped this way is an anabolic ended without follow-up).
*/
#include <string.h>

#include "engine.h"

int stop_reasons(const eng *e, int agent, unsigned char *out) {
  const op_avoid *x = &e->all_avoid[agent];
  uint32_t keep = e->kb->avoid[agent].keep_current;
  int n = 0;
  for (int k = 0; k < x->n; k++)
    if (!((keep >> x->reasons[k]) & 1u)) out[n++] = x->reasons[k];
  return n;
}

bool rule0_find(eng *e, bool *oom) {
  const op_record *r = e->rec;
  *oom = false;
  unsigned char reasons[OP_N_reason];
  int n = 0;
  for (int i = 0; i < r->n_therapies; i++) {
    int a = r->therapies[i].agent;
    if (e->f.current[i] && !e->kb->agent[a].rebound_when_stopped && stop_reasons(e, a, reasons) > 0) n++;
  }
  if (!n) return false;
  e->stopped = arena_array(e->a, (size_t)n, sizeof(int));
  e->stopped_why = arena_array(e->a, (size_t)n, sizeof(op_avoid));
  op_record *copy = arena_alloc_raw(e->a, sizeof *copy);
  op_therapy *th = arena_array(e->a, (size_t)r->n_therapies, sizeof(op_therapy));
  if (!e->stopped || !e->stopped_why || !copy || !th) {
    *oom = true;
    return false;
  }
  *copy = *r;
  memcpy(th, r->therapies, (size_t)r->n_therapies * sizeof *th);
  copy->therapies = th;
  e->n_stopped = 0;
  for (int i = 0; i < r->n_therapies; i++) {
    int a = r->therapies[i].agent;
    if (!e->f.current[i] || e->kb->agent[a].rebound_when_stopped || !stop_reasons(e, a, reasons)) continue;
    /* taken as ended at as_of: no longer current (end > as_of) */
    th[i].has_end = true;
    th[i].end = e->f.as_of;
    e->stopped[e->n_stopped] = i;
    e->stopped_why[e->n_stopped++] = e->all_avoid[a];
  }
  e->rec = copy;
  return true;
}

#define ALERT(code, ...) plan_add_alert(e, code, SAY(e, SAY_ALERT, code, __VA_ARGS__))

/* "zoledronic acid (renal function 25 < 35)": the stop reasons of a stopped
** course, each with the patient's value where it has one. */
static const op_say *stop_item(eng *e, int k) {
  const op_avoid *x = &e->stopped_why[k];
  return SAY(e, SAY_PHRASE, OP_PH_STOP_ITEM, A_NAME("agent", SAY_AGENT, x->agent),
             A_SAY("reasons", reasons_say(e, x, e->kb->avoid[x->agent].keep_current)));
}

static bool stopped_for(const eng *e, int k, op_reason_t reason) {
  const op_avoid *x = &e->stopped_why[k];
  for (int i = 0; i < x->n; i++)
    if (x->reasons[i] == reason) return true;
  return false;
}

/* The alerts: romosozumab after an MI or stroke has its own (S002:
** "discontinue if MI or stroke occurs"), every other stop is named in
** stop_current_agent with the patient's values. */
static void stop_alerts(eng *e) {
  const op_facts *f = &e->f;
  const op_say *items[OP_MAX_AGENTS];
  int n = 0;
  for (int k = 0; k < e->n_stopped; k++) {
    if (stopped_for(e, k, OP_RS_MI_OR_STROKE_WITHIN_12_MONTHS) && f->mi_stroke_idx >= 0) {
      const op_condition *c = &e->rec->conditions[f->mi_stroke_idx];
      op_arg date = c->has_date ? A_DATE("date", c->date) : A_NAME("date", SAY_PHRASE, OP_PH_UNDATED_RECENT);
      ALERT(OP_AL_ROMOSOZUMAB_CARDIOVASCULAR_EVENT, A_NAME("condition", SAY_CONDITION, c->code), date,
            A_NUM("months", KB_TH(e->kb, MI_STROKE_MONTHS)));
      continue;
    }
    if (n < OP_MAX_AGENTS) items[n++] = stop_item(e, k);
  }
  if (n) ALERT(OP_AL_STOP_CURRENT_AGENT, A_SAY("reasons", say_join(e, items, n, SEP_SEMICOLON)));
  /* what must stop is said first among the critical alerts */
  op_plan *p = e->p;
  for (int i = 0; i < p->n_alerts; i++) {
    op_alert_t c = p->alerts[i].code;
    if (c != OP_AL_STOP_CURRENT_AGENT && c != OP_AL_ROMOSOZUMAB_CARDIOVASCULAR_EVENT) continue;
    op_alert x = p->alerts[i];
    memmove(&p->alerts[1], &p->alerts[0], (size_t)i * sizeof x);
    p->alerts[0] = x;
  }
}

void rule0_apply(eng *e) {
  op_plan *p = e->p;
  if (!e->n_stopped) return;
  stop_alerts(e);
  if (!e->f.in_scope) return; /* out of scope: the alerts and avoid only */
  switch (p->action) {
    case OP_ACT_START:
    case OP_ACT_TRANSITION: p->action = OP_ACT_SWITCH; break;
    case OP_ACT_NO_DRUG_THERAPY:
    case OP_ACT_HOLIDAY:
    case OP_ACT_ASSESS: {
      /* nothing replaces it now */
      p->action = OP_ACT_STOP;
      drop_phases(p);
      const op_say *items[OP_MAX_AGENTS];
      int n = 0;
      for (int k = 0; k < e->n_stopped && n < OP_MAX_AGENTS; k++) items[n++] = stop_item(e, k);
      const op_therapy *t = &e->rec->therapies[e->stopped[0]];
      /* the first stopped course names the rule; the others are in the list */
      p->treatment_sources = 0;
      set_rule(e, OP_RULE_STOP_CURRENT, say_join(e, items, n, SEP_SEMICOLON), t->agent);
      break;
    }
    default: break; /* switch, continue (another course goes on), refer, resume */
  }
}
