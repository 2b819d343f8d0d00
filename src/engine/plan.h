/*
** plan.h: the plan (spec/plan.md) as the engine fills it and the renderers
** read it. Codes are enums from codes.h; texts are already filled from the
** knowledge base with the patient's values. Everything lives in the
** assessment's arena.
*/
#ifndef OSTEO_PLAN_H
#define OSTEO_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "../kb/kb.h"
#include "../record/record.h"
#include "../util/date.h"

typedef struct {
  int code;
  const char *detail;
  op_srcset sources;
} op_criterion;

typedef struct {
  int intent;
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
  const char *detail;
  op_srcset sources;
} op_avoid;

typedef struct {
  int code, severity;
  const char *message, *patient;
  op_srcset sources;
} op_alert;

typedef struct {
  int code;
  op_date due;
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
  int diagnosis;
  bool has_lowest;
  double lowest_t;
  int lowest_site;
  op_date lowest_date;

  int risk;
  int n_criteria;
  op_criterion criteria[OP_N_criterion];

  int status;
  bool finding[OP_N_finding];

  int action, rule;
  int n_phases;
  op_phase phases[OP_MAX_PHASES];
  const char *rationale, *rationale_patient;
  op_srcset treatment_sources;

  int n_avoid, n_not_rec;
  op_avoid avoid[OP_MAX_AGENTS];
  op_avoid not_rec[OP_MAX_AGENTS];

  int n_alerts;
  op_alert alerts[OP_MAX_ALERTS];

  bool in_scope; /* supplements and lifestyle are given in scope */
  bool lifestyle[OP_N_lifestyle];
  int n_monitor;
  op_monitor_item monitor[OP_MAX_MONITOR];
  bool has_goal;
  op_date goal_review_by;
  bool has_dxcodes;
  bool disagreement[OP_N_disagreement];
  op_srcset all_sources;
  uint32_t gaps; /* bit i: kb->gaps[i] is met */
  const char **input_notes; /* from the caller (op_options), in the arena */
  int n_input_notes;
  bool incomplete_input; /* from the caller: a search was not read whole */
  /* the safety reminders, in code order, each once (engine/reminders.c) */
  int n_reminders;
  op_reminder reminders[OP_N_reminder];
} op_plan;

#endif
