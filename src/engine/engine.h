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
  /* rule 0 (2026.12): the current courses stopped (taken as ended at
  ** as_of: rec is then a copy with their end set) and their agents' avoid
  ** entries as they stood */
  int n_stopped;
  int *stopped;          /* course indexes */
  op_avoid *stopped_why; /* per stopped course */
  /* agents the rule tried (regimens it filled phases from), per phase and
  ** in all: no_safe_agent and no_safe_followon name them */
  unsigned tried, phase_tried[OP_MAX_PHASES];
  /* an agent the decision keeps out of avoid: denosumab resumed (rule 2),
  ** or referred out of scope (rule 0), is not stopped */
  int unlisted;
  /* codes only (engine_assess_codes): no statement is built; every SAY gives
  ** say_none, so a statement's presence still decides what it decided */
  bool codes_only;
} eng;

void risk_assess(eng *e);
void avoid_compute(eng *e);
/* rule 0: finds the current courses that must stop; true when some course
** (not one that rebounds when stopped) is stopped and the record was copied
** with it ended at as_of (the caller derives again); false when out of memory
** sets *oom. */
bool rule0_find(eng *e, bool *oom);
/* rule 0 after rules 1 to 7: the action mapping and the alerts. */
void rule0_apply(eng *e);
/* The reasons that stop a current course of agent (section 5, 2026.12):
** the agent's avoid reasons not in its keep_current; their count. */
int stop_reasons(const eng *e, int agent, unsigned char *out);
void decide(eng *e);
void extras_fill(eng *e);
void reminders_fill(eng *e);

/* Runs every step; false only when out of memory. out need not be zeroed
** (plan_clear: the engine zeroes what it reads). The plan comes out in codes
** and statements; the wording stage (word_plan) gives it its texts. */
bool engine_assess(arena *a, const op_kb *kb, const op_record *rec, op_plan *out);
/* The same decision for population screening, which reads only codes: no
** statement is built (each is say_none), so the plan must not be worded.
** Every code of the plan (risk, action, rule, phases, avoid, alerts,
** findings, monitoring, gaps, sources, ...) is the one engine_assess gives. */
bool engine_assess_codes(arena *a, const op_kb *kb, const op_record *rec, op_plan *out);

/* Statements, in the arena; NULL only when out of memory (the text is then
** left out, as a NULL statement says nothing). */
const op_say *say_new(eng *e, say_table t, int code, const op_arg *args, int n);
/* The statement of a codes-only assessment: not NULL (a statement that is
** there stays there), and never worded. Constant: no state is shared. */
extern const op_say say_none;
/* In codes-only mode the arguments are not even evaluated (some count
** months for the words only). */
#define SAY(e, t, code, ...)                                                                                   \
  ((e)->codes_only ? &say_none : say_new((e), (t), (code), (const op_arg[]){__VA_ARGS__}, SAY_NARGS(__VA_ARGS__)))
#define SAY0(e, t, code) ((e)->codes_only ? &say_none : say_new((e), (t), (code), NULL, 0))
/* items joined by sep: a statement of table SAY_JOIN. */
const op_say *say_join(eng *e, const op_say *const *items, int n, say_sep sep);

/* Phases (phases.c): the regimens filtered by avoid, and what every rule
** does with them (default-profile.md section 6, "Phases, in every rule"). */
op_phase *new_phase(eng *e, int intent);
void phase_fill(eng *e, op_phase *ph, const kb_order *list);
op_phase *add_phase(eng *e, int intent, int rg);
op_phase *add_followon(eng *e);
void use_regimen(eng *e, int rg);
void continue_course(eng *e, int course);
void drop_phases(op_plan *p);
void set_rule(eng *e, op_rule_t rule, const op_say *other, int agent);
/* Ends every rule that plans phases: an empty first phase is refer +
** no_safe_agent; an anabolic with no safe follow-on is refer +
** no_safe_followon; otherwise an anabolic phase brings the info alert
** anabolic_followup_required. */
void settle_phases(eng *e);
void no_safe_agent(eng *e);
/* "why each was ruled out": agent (reasons), for the agents of mask */
const op_say *ruled_out(eng *e, unsigned mask);
void plan_remove_alert(op_plan *p, op_alert_t code);

/* An avoid entry's reasons, each with the patient's values where it has
** them, joined by commas; the reasons of mask skip are left out (avoid.c). */
const op_say *reasons_say(eng *e, const op_avoid *x, uint32_t skip);
/* "calcium 8.1 mg/dL < 8.5", or the condition hypocalcemia (avoid.c). */
const op_say *calcium_low_say(eng *e);

/* Helpers shared by the steps. */
void plan_add_alert(eng *e, op_alert_t code, const op_say *say);
bool agent_avoided(const eng *e, int agent);
void avoid_add(eng *e, int agent, op_reason_t reason, const op_say *detail);
void plan_add_monitor(eng *e, op_monitor_t code, op_date due, const op_say *reason);

#endif
