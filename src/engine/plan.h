/*
** plan.h: the plan (spec/plan.md) as the engine fills it and the renderers
** read it. Codes are enums from codes.h. The engine decides each text as a
** statement (say.h: a template and typed values); the wording stage
** (src/word/) fills the text beside it from the knowledge base, for the
** renderers. Everything lives in the assessment's arena.
*/
#ifndef OSTEO_PLAN_H
#define OSTEO_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "../kb/kb.h"
#include "../record/record.h"
#include "../util/date.h"
#include "say.h"

typedef struct {
  op_criterion_t code;
  const op_say *say;  /* the detail, decided */
  const char *detail; /* its words */
  op_srcset sources;
} op_criterion;

typedef struct {
  op_intent_t intent;
  int n;
  int agents[OP_MAX_AGENTS];
  bool has_months;
  double months;
  bool current; /* phases[0] of continue: the current course */
} op_phase;

typedef struct {
  int agent;
  int n;
  unsigned char reasons[OP_N_reason]; /* reason codes, in the order found */
  const op_say **why;                 /* each reason's detail (or NULL), in the arena */
  const char *detail;                 /* the details' words, joined */
  op_srcset sources;
} op_avoid;

typedef struct {
  op_alert_t code;
  op_severity_t severity;
  const op_say *say; /* the message, decided */
  const char *message, *patient;
  op_srcset sources;
} op_alert;

typedef struct {
  op_monitor_t code;
  op_date due;            /* never before as_of (2026.12) */
  bool overdue;           /* it fell due before as_of: due is as_of */
  op_date overdue_since;  /* the date it fell due, when overdue */
  const op_say *say; /* the reason, decided */
  const char *reason;
  op_srcset sources;
} op_monitor_item;

/* A safety reminder and who hears it; severity: how urgent it reads. */
typedef struct {
  int code; /* op_reminder_t */
  int severity;
  bool clinician, patient;
} op_reminder;

#define OP_MAX_ALERTS 32
#define OP_MAX_PHASES 3
#define OP_MAX_MONITOR 8
/* A plan holds each alert and monitoring code at most once, so these
** capacities can never cut a list short while they cover every code. */
_Static_assert(OP_MAX_ALERTS >= OP_N_alert, "a plan must hold every alert code");
_Static_assert(OP_MAX_MONITOR >= OP_N_monitor, "a plan must hold every monitoring code");

typedef struct {
  const op_record *rec;
  const op_kb *kb;
  op_date as_of;
  int age;
  op_diagnosis_t diagnosis;
  bool has_lowest;
  double lowest_t;
  op_site_t lowest_site;
  op_date lowest_date;

  op_risk_t risk;
  int n_criteria;

  op_status_t status;
  bool finding[OP_N_finding];
  /* the agent a finding concerns (intolerance, nonadherence,
  ** fracture_on_therapy), when finding_has_agent */
  bool finding_has_agent[OP_N_finding];
  int finding_agent[OP_N_finding];

  op_action_t action;
  op_rule_t rule;
  int n_phases;
  op_phase phases[OP_MAX_PHASES];
  const op_say *rationale_say; /* the rationale, decided */
  const char *rationale, *rationale_patient;
  op_srcset treatment_sources;

  int n_avoid, n_not_rec;

  int n_alerts;
  op_severity_t indicator; /* the plan's severity: its card and the page */

  bool in_scope; /* supplements and lifestyle are given in scope */
  bool lifestyle[OP_N_lifestyle];
  int n_monitor;
  bool has_goal;
  bool goal_has_target; /* a T-score at or below the target: T-scores rising toward it */
  op_date goal_review_by;
  bool calcium_hold; /* calcium supplements held until the cause is known */
  bool has_dxcodes;
  bool dxcode_glucocorticoid; /* glucocorticoid-induced: the drug-induced code */
  bool disagreement[OP_N_disagreement];
  op_srcset all_sources;
  uint32_t gaps; /* bit i: kb->gaps[i] is met */
  const char **input_notes; /* from the caller (op_options), in the arena */
  int n_input_notes;
  bool incomplete_input; /* from the caller: a search was not read whole */
  /* the safety reminders, in code order, each once (engine/reminders.c) */
  int n_reminders;

  /* The lists, last: only their first n_X entries are ever written (each
  ** whole, when it is added) or read, so the engine zeroes the plan only
  ** up to here (plan_clear): most of the plan's bytes are list room. */
  op_criterion criteria[OP_N_criterion];
  op_avoid avoid[OP_MAX_AGENTS];
  op_avoid not_rec[OP_MAX_AGENTS];
  op_alert alerts[OP_MAX_ALERTS];
  op_monitor_item monitor[OP_MAX_MONITOR];
  op_reminder reminders[OP_N_reminder];
} op_plan;

/* Zeroes a plan but for its lists' room (see above). */
void plan_clear(op_plan *p);

#endif
