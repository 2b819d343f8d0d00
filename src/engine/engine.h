/*
** engine.h: the steps of one assessment, in the order they run:
**
**   facts_derive()  record -> facts                        (facts.c)
**   risk_assess()   diagnosis, risk category, criteria     (risk.c)
**   avoid_compute() avoid and not_recommended per agent    (avoid.c)
**   decide()        the decision: action, phases, alerts   (decision.c)
**   extras_fill()   alerts of section 7, supplements, lifestyle,
**                   monitoring, goal, codes, disagreements (extras.c)
**   reminders_fill() the safety reminders                  (reminders.c)
**
** engine_assess() runs them all. Pure functions of the record and the
** knowledge base: no I/O, no clock, no globals; memory from the arena.
*/
#ifndef OSTEO_ENGINE_H
#define OSTEO_ENGINE_H

#include "../kb/template.h"
#include "facts.h"
#include "plan.h"

typedef struct {
  arena *a;
  const op_kb *kb;
  const op_record *rec;
  op_facts f;
  op_plan *p;
  /* per agent: reasons it is avoided, whatever the decision; the decision
  ** then keeps the current course's agent out of avoid when it continues it */
  op_avoid all_avoid[OP_MAX_AGENTS];
  /* false: the codes screening reports, and only those: diagnosis, risk,
  ** criteria, findings, action, phases, avoid, alerts, care gaps. Nothing is
  ** worded (details, rationale and messages stay NULL) and the parts that
  ** screening does not report (general monitoring, goal, disagreements,
  ** sources) are left out. */
  bool texts;
} eng;

void risk_assess(eng *e);
void avoid_compute(eng *e);
void decide(eng *e);
void extras_fill(eng *e);
void reminders_fill(eng *e);

/* Runs every step; false only when out of memory. out must be zeroed (as
** the arena gives it). texts false gives the codes screening reports (see
** eng.texts). */
bool engine_assess(arena *a, const op_kb *kb, const op_record *rec, op_plan *out, bool texts);

/* Helpers shared by the steps. */
const char *eng_num(eng *e, double v);
/* tmpl_fill, or NULL when the plan is codes only. */
const char *eng_fill(eng *e, const char *tmpl, const tmpl_var *vars, int n);
/* A T-score with one decimal, as DXA reports print it (-2.0, not -2). */
const char *eng_t(eng *e, double v);
const char *eng_date(eng *e, op_date d);
const char *eng_pct(eng *e, bool has, double v);
void plan_add_alert(eng *e, int code, const char *msg, const char *patient_msg);
bool agent_avoided(const eng *e, int agent);
void avoid_add(eng *e, int agent, int reason, const char *detail);
void plan_add_monitor(eng *e, int code, op_date due, const char *reason);

#endif
