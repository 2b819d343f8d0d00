/*
** harness.h: helpers for the rule tests: assess a record in-process and
** check the plan against a compact list of expectations.
**
** A record is either a whole JSON object ("{...}") or the members to add to
** a base patient (a postmenopausal woman born 1955-01-01, as of 2026-11-01).
**
** Expectations, separated by ';':
**   dx=osteoporosis  risk=high  action=start  status=naive  rule=start_high
**   crit+CODE crit-CODE        a criterion is / is not met
**   find+CODE find-CODE        a finding is / is not present
**   alert+CODE/SEVERITY alert-CODE
**   avoid+AGENT[/REASON] avoid-AGENT   notrec+AGENT
**   first=AGENT  intents=anabolic,antiresorptive  inphase-AGENT inphase+AGENT
**   mon=CODE@DATE  mon-CODE  goal+ goal-  dxcodes+ dxcodes-  dis+TOPIC dis-TOPIC
**   months=N (phases[0] months)   scope-  (out of scope)
*/
#ifndef OSTEO_TEST_HARNESS_H
#define OSTEO_TEST_HARNESS_H

#include <stdbool.h>

#include "engine/plan.h"
#include "osteoplan.h"

typedef struct {
  const char *name;
  const char *record;
  const char *expect;
} rule_case;

/* Assesses and checks one case; prints what failed; returns the number of
** failed expectations (0 = pass). A record that fails to validate counts as
** one failure unless expect is "error=PATH". */
int run_case(const op_kb *kb, const rule_case *c);

#endif
