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
** The engine decides in codes and typed values only: every text of the
** plan is a statement (say.h) that the wording stage (src/word/) fills.
*/
#ifndef OSTEO_ENGINE_H
#define OSTEO_ENGINE_H

#include "facts.h"
#include "plan.h"
#include "say.h"

typedef struct {
  arena *a;
  const op_kb *kb;
  const op_record *rec;
  op_facts f;
  op_plan *p;
  /* per agent: reasons it is avoided, whatever the decision; the decision
  ** then keeps the current course's agent out of avoid when it continues it */
  op_avoid all_avoid[OP_MAX_AGENTS];
} eng;

void risk_assess(eng *e);
void avoid_compute(eng *e);
void decide(eng *e);
void extras_fill(eng *e);
void reminders_fill(eng *e);

/* Runs every step; false only when out of memory. out must be zeroed (as
** the arena gives it). The plan comes out in codes and statements; the
** wording stage (word_plan) gives it its texts. */
bool engine_assess(arena *a, const op_kb *kb, const op_record *rec, op_plan *out);

/* Statements, in the arena; NULL only when out of memory (the text is then
** left out, as a NULL statement says nothing). */
const op_say *say_new(eng *e, say_table t, int code, const op_arg *args, int n);
#define SAY(e, t, code, ...) say_new((e), (t), (code), (const op_arg[]){__VA_ARGS__}, SAY_NARGS(__VA_ARGS__))
#define SAY0(e, t, code) say_new((e), (t), (code), NULL, 0)
/* items joined by sep: a statement of table SAY_JOIN. */
const op_say *say_join(eng *e, const op_say *const *items, int n, say_sep sep);

/* Helpers shared by the steps. */
void plan_add_alert(eng *e, op_alert_t code, const op_say *say);
bool agent_avoided(const eng *e, int agent);
void avoid_add(eng *e, int agent, op_reason_t reason, const op_say *detail);
void plan_add_monitor(eng *e, op_monitor_t code, op_date due, const op_say *reason);

#endif
