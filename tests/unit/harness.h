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
**   months=N (phases[0] months; months=null: open-ended)   scope-  (out of scope)
** Added for profile 2026.12:
**   ph0=a,b,c  ph1=...        phase N's options exactly, in order (none: no such phase)
**   phmonths=18,null          every phase's months
**   avoid-AGENT/REASON        not avoided for that reason (maybe for another)
**   fagent=FINDING/AGENT      the finding is present and names that agent
**   alerttext=CODE/TEXT       the alert's worded message contains TEXT
**   mon=CODE@DATE             also fails when a due date is before as_of
**   overdue=CODE@SINCE        the item is due at as_of, overdue since SINCE
**   overdue-CODE              the item is present and not overdue
**   goaltarget+ goaltarget-   a goal with / without a T-score target (null)
**   dxgc+ dxgc-               diagnosis codes with / without the
**                             glucocorticoid-induced ICD-10-CM code
**   calcium_hold+ calcium_hold-
*/
#ifndef OSTEO_TEST_HARNESS_H
#define OSTEO_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

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

/* cmocka group setup and teardown: the default knowledge base in *state. */
int harness_setup(void **state);
int harness_teardown(void **state);
/* Runs every case and fails the test when any failed. */
void harness_run_all(const op_kb *kb, const rule_case *cases, size_t n);
/* The text of the file name in dir (to free) when it is a vignette (its
** name ends in .json; else NULL), with its "patient" object in *rec and
** *len. A vignette that cannot be read or has no patient fails the test. */
char *harness_vignette(const char *dir, const char *name, const char **rec, size_t *len);
/* In a test function of signature (void **s). */
#define RUN(cases) harness_run_all(*s, cases, sizeof cases / sizeof *cases)

#endif
