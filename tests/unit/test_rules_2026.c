/*
** test_rules_2026.c: the rules profile 2026.12 adds or changes (spec
** default-profile.md, "What changed in profile 2026.12" and every rule marked
** [2026.12]), at, just above and just below each threshold and at both edges
** of each calendar window. Written from the spec, not from the engine.
**
** Base patient (harness.h): postmenopausal woman born 1955-01-01 (age 71),
** as of 2026-11-01. Calendar spans: as_of - 12 months = 2025-11-01,
** as_of - 3 months = 2026-08-01, as_of - 7 months = 2026-04-01.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "harness.h"
#include "kb/kb.h"


/* Record pieces. A list's items are joined with "," by the caller. */
#define LS(t, d) "{\"site\":\"lumbar_spine\",\"t_score\":" #t ",\"date\":\"" d "\"}"
#define BMD1(t) "\"bmd\":[" LS(t, "2026-10-01") "]"
#define LABS(e, c, d) "\"labs\":{\"egfr_ml_min\":" #e ",\"calcium_mg_dl\":" #c ",\"vitamin_d_ng_ml\":" #d "}"
#define LABS_OK LABS(70, 9.4, 30)
#define THER(items) "\"therapies\":[" items "]"
#define CUR(agent, start) "{\"agent\":\"" agent "\",\"start\":\"" start "\"}"
#define DMAB(start, last) "{\"agent\":\"denosumab\",\"start\":\"" start "\",\"last_dose\":\"" last "\"}"
#define PAST(agent, start, end) "{\"agent\":\"" agent "\",\"start\":\"" start "\",\"end\":\"" end "\"}"
#define STOPPED(agent, start, end, why) \
  "{\"agent\":\"" agent "\",\"start\":\"" start "\",\"end\":\"" end "\",\"stop_reason\":\"" why "\"}"
#define CONDS(items) "\"conditions\":[" items "]"
#define C(code) "{\"code\":\"" code "\"}"
#define CD(code, date) "{\"code\":\"" code "\",\"date\":\"" date "\"}"
#define MEDS(items) "\"medications\":[" items "]"
#define GC(dose, start) "{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":" #dose ",\"start\":\"" start "\"}"
#define IMM "{\"class\":\"immunosuppressant\",\"start\":\"2025-01-01\"}"
#define FX(site, date) "{\"site\":\"" site "\",\"date\":\"" date "\"}"
#define FXS(items) "\"fractures\":[" items "]"
#define MAN70(rest) "{\"as_of\":\"2026-11-01\",\"sex\":\"male\",\"age\":70," rest "}"

/* ---- rule 0: a current course that must stop, per agent ------------------ */
static void test_rule0_stop_reasons(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"zoledronic acid, renal 34: stopped, switch", BMD1(-2.7) "," LABS(34, 9.4, 30) "," THER(CUR("zoledronic_acid", "2025-01-01")),
       "action=switch; status=on_treatment; alert+stop_current_agent/critical; avoid+zoledronic_acid/renal_impairment; "
       "first=risedronate; inphase-zoledronic_acid; alerttext=stop_current_agent/34"},
      {"zoledronic acid, renal 35: continues", BMD1(-2.7) "," LABS(35, 9.4, 30) "," THER(CUR("zoledronic_acid", "2025-01-01")),
       "action=continue; first=zoledronic_acid; alert-stop_current_agent; avoid-zoledronic_acid"},
      {"alendronate, renal 34: stopped, switch", BMD1(-2.7) "," LABS(34, 9.4, 30) "," THER(CUR("alendronate", "2025-01-01")),
       "action=switch; status=on_treatment; alert+stop_current_agent/critical; avoid+alendronate/renal_impairment; first=risedronate"},
      {"alendronate, renal 35: continues", BMD1(-2.7) "," LABS(35, 9.4, 30) "," THER(CUR("alendronate", "2025-01-01")),
       "action=continue; first=alendronate; alert-stop_current_agent"},
      {"risedronate, renal 29: stopped, denosumab", BMD1(-2.7) "," LABS(29, 9.4, 30) "," THER(CUR("risedronate", "2025-01-01")),
       "action=switch; alert+stop_current_agent/critical; avoid+risedronate/renal_impairment; first=denosumab; "
       "alert+denosumab_severe_ckd/warning"},
      {"risedronate, renal 30: continues", BMD1(-2.7) "," LABS(30, 9.4, 30) "," THER(CUR("risedronate", "2025-01-01")),
       "action=continue; first=risedronate; alert-stop_current_agent; avoid-risedronate"},
      {"romosozumab, MI within 12 months before the start",
       BMD1(-3.2) "," LABS_OK "," THER(CUR("romosozumab", "2026-06-01")) "," CONDS(CD("myocardial_infarction", "2025-12-01")),
       "action=switch; status=on_treatment; alert+romosozumab_cardiovascular_event/critical; alert-stop_current_agent; "
       "avoid+romosozumab/mi_or_stroke_within_12_months; inphase-romosozumab; intents=antiresorptive"},
      {"romosozumab, MI exactly 12 months before as_of",
       BMD1(-3.2) "," LABS_OK "," THER(CUR("romosozumab", "2026-06-01")) "," CONDS(CD("myocardial_infarction", "2025-11-01")),
       "alert+romosozumab_cardiovascular_event/critical; inphase-romosozumab"},
      {"romosozumab, MI 12 months + 1 day before: continues",
       BMD1(-3.2) "," LABS_OK "," THER(CUR("romosozumab", "2026-06-01")) "," CONDS(CD("myocardial_infarction", "2025-10-31")),
       "action=continue; first=romosozumab; alert-romosozumab_cardiovascular_event; avoid-romosozumab"},
      {"romosozumab, undated stroke", BMD1(-3.2) "," LABS_OK "," THER(CUR("romosozumab", "2026-06-01")) "," CONDS(C("stroke")),
       "alert+romosozumab_cardiovascular_event/critical; avoid+romosozumab/mi_or_stroke_within_12_months; action=switch"},
      {"hormone therapy, VTE, high risk: switch", BMD1(-2.7) "," LABS_OK "," THER(CUR("hormone_therapy", "2024-01-01")) "," CONDS(C("venous_thromboembolism")),
       "action=switch; alert+stop_current_agent/critical; avoid+hormone_therapy/venous_thromboembolism; first=alendronate"},
      {"raloxifene, VTE, low risk: stop", BMD1(-1.5) "," THER(CUR("raloxifene", "2024-01-01")) "," CONDS(C("venous_thromboembolism")),
       "action=stop; status=on_treatment; intents=; goal-; alert+stop_current_agent/critical; "
       "avoid+raloxifene/venous_thromboembolism; mon=dxa@2028-10-01; mon=fracture_risk_review@2027-11-01"},
      {"teriparatide, calcium 10.6: stopped", BMD1(-3.2) "," LABS(70, 10.6, 30) "," THER(CUR("teriparatide", "2026-01-01")),
       "action=switch; alert+stop_current_agent/critical; avoid+teriparatide/hypercalcemia; intents=antiresorptive; "
       "alert+anabolic_followup_required/critical; alert+secondary_cause_workup/warning; calcium_hold+"},
      {"teriparatide, calcium 10.5: continues", BMD1(-3.2) "," LABS(70, 10.5, 30) "," THER(CUR("teriparatide", "2026-01-01")),
       "action=continue; first=teriparatide; months=14; alert-stop_current_agent; alert-secondary_cause_workup; calcium_hold-"},
      {"teriparatide, hypercalcemia condition", BMD1(-3.2) "," LABS_OK "," THER(CUR("teriparatide", "2026-01-01")) "," CONDS(C("hypercalcemia")),
       "action=switch; avoid+teriparatide/hypercalcemia; alert+stop_current_agent/critical"},
      {"teriparatide, hyperparathyroidism", BMD1(-3.2) "," LABS_OK "," THER(CUR("teriparatide", "2026-01-01")) "," CONDS(C("hyperparathyroidism")),
       "action=switch; avoid+teriparatide/hyperparathyroidism; alert+stop_current_agent/critical; calcium_hold+"},
      {"out of scope: the stop is still named",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":45,\"menopause\":\"pre\"," LABS(30, 9.4, 30) "," THER(CUR("alendronate", "2025-01-01")) "}",
       "action=out_of_scope; intents=; avoid+alendronate/renal_impairment; alert+stop_current_agent/critical"},
  };
  RUN(c);
}

/* ---- rule 0 on denosumab, and the action mapping ------------------------- */
static void test_rule0_denosumab_and_actions(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"denosumab, ONJ: refer, continued on schedule",
       BMD1(-2.7) "," LABS_OK "," THER(DMAB("2024-01-01", "2026-07-01")) "," CONDS(C("osteonecrosis_of_jaw")),
       "action=refer; status=on_treatment; ph0=denosumab; intents=antiresorptive; alert+specialist_review_denosumab/critical; "
       "alert+denosumab_must_not_stop/info; alert-stop_current_agent; avoid-denosumab; avoid+alendronate/osteonecrosis_of_jaw; "
       "mon=denosumab_next_dose@2027-01-01; mon=specialist_referral@2026-11-01; alert-denosumab_overdue; goal+"},
      {"denosumab, AFF and overdue",
       BMD1(-2.7) "," LABS_OK "," THER(DMAB("2024-01-01", "2026-03-01")) "," CONDS(C("atypical_femoral_fracture")),
       "action=refer; ph0=denosumab; alert+specialist_review_denosumab/critical; alert+denosumab_overdue/critical; "
       "overdue=denosumab_next_dose@2026-09-01; avoid-denosumab; avoid+zoledronic_acid/atypical_femoral_fracture"},
      {"denosumab, organ transplant: immunosuppression does not stop it",
       BMD1(-2.7) "," LABS_OK "," THER(DMAB("2024-01-01", "2026-07-01")) "," CONDS(C("organ_transplant")),
       "action=continue; first=denosumab; alert-stop_current_agent; alert-specialist_review_denosumab; alert+denosumab_must_not_stop/info"},
      {"denosumab, two immunosuppressive agents: continues",
       BMD1(-2.7) "," LABS_OK "," THER(DMAB("2024-01-01", "2026-07-01")) "," MEDS(GC(5, "2025-01-01") "," IMM),
       "action=continue; first=denosumab; alert-stop_current_agent"},
      {"stop: hormone therapy, VTE, no data -> assess becomes stop",
       THER(CUR("hormone_therapy", "2024-01-01")) "," CONDS(C("venous_thromboembolism")),
       "action=stop; risk=unknown; intents=; goal-; mon=dxa@2026-11-01; alert+stop_current_agent/critical"},
      {"continue: raloxifene stops, alendronate goes on",
       BMD1(-2.7) "," LABS_OK "," THER(CUR("raloxifene", "2024-01-01") "," CUR("alendronate", "2025-01-01")) "," CONDS(C("venous_thromboembolism")),
       "action=continue; status=on_treatment; first=alendronate; alert+stop_current_agent/critical; avoid+raloxifene/venous_thromboembolism"},
      {"refer: alendronate stops, teriparatide has no safe follow-on",
       BMD1(-2.7) "," LABS(20, 9.4, 30) "," THER(CUR("alendronate", "2025-01-01")) "," CONDS(C("organ_transplant")),
       "action=refer; status=on_treatment; ph0=teriparatide; intents=anabolic; alert+stop_current_agent/critical; "
       "alert+no_safe_followon/critical; alert-anabolic_followup_required; mon=specialist_referral@2026-11-01; goal+"},
      {"resume: raloxifene stops, denosumab had no follow-on, no bisphosphonate is safe",
       BMD1(-2.7) "," LABS(25, 9.4, 30) "," THER(PAST("denosumab", "2021-01-01", "2026-06-01") "," CUR("raloxifene", "2026-06-01")) ","
       CONDS(C("venous_thromboembolism")),
       "action=resume; status=on_treatment; ph0=denosumab; alert+stop_current_agent/critical; avoid+raloxifene/venous_thromboembolism; "
       "find+denosumab_stopped_without_followup; mon=denosumab_next_dose@2027-05-01"},
      {"refer: alendronate stops, nothing is safe",
       BMD1(-2.7) "," LABS_OK "," THER(CUR("alendronate", "2025-01-01")) "," CONDS(C("atypical_femoral_fracture") "," C("paget_disease")),
       "action=refer; intents=; alert+stop_current_agent/critical; alert+no_safe_agent/critical; mon=specialist_referral@2026-11-01; goal-"},
  };
  RUN(c);
}

/* ---- rule 2: denosumab stopped, resume ----------------------------------- */
static void test_rule2_resume(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"transplant and renal 24: resume, immunosuppression does not block",
       BMD1(-2.2) "," LABS(24, 9.4, 30) "," THER(PAST("denosumab", "2021-01-01", "2026-06-01")) "," CONDS(C("organ_transplant")),
       "action=resume; ph0=denosumab; intents=antiresorptive; avoid-denosumab; alert+denosumab_stopped_without_followup/critical; "
       "alert-no_safe_agent; mon=denosumab_next_dose@2027-05-01; goal+; alert+dental_review/warning"},
      {"oral intolerance and renal 34: every bisphosphonate avoided, resume",
       BMD1(-2.2) "," LABS(34, 9.4, 30) "," THER(PAST("denosumab", "2021-01-01", "2026-06-01")) "," CONDS(C("gi_intolerance_oral_bisphosphonate")),
       "action=resume; first=denosumab; avoid+zoledronic_acid/renal_impairment; avoid+risedronate/gi_intolerance_oral_bisphosphonate; "
       "mon=denosumab_next_dose@2027-05-01; alert-denosumab_severe_ckd"},
      {"denosumab stopped for an adverse event, renal 24: resume all the same",
       BMD1(-2.2) "," LABS(24, 9.4, 30) "," THER(STOPPED("denosumab", "2021-01-01", "2026-06-01", "adverse_event")),
       "action=resume; first=denosumab; avoid-denosumab"},
      {"ONJ: no bisphosphonate and no denosumab: refer",
       BMD1(-2.2) "," LABS_OK "," THER(PAST("denosumab", "2021-01-01", "2026-06-01")) "," CONDS(C("osteonecrosis_of_jaw")),
       "action=refer; intents=; alert+no_safe_agent/critical; alert+denosumab_stopped_without_followup/critical; "
       "mon=specialist_referral@2026-11-01; avoid+denosumab/osteonecrosis_of_jaw"},
      {"one bisphosphonate left: transition, no resume",
       BMD1(-2.2) "," LABS(30, 9.4, 30) "," THER(PAST("denosumab", "2021-01-01", "2026-06-01")),
       "action=transition; ph0=risedronate"},
  };
  RUN(c);
}

/* ---- rules 3 and 4: anabolics, their months and follow-ons --------------- */
static void test_rule3_anabolic(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"denosumab then teriparatide: warning, denosumab first after",
       BMD1(-3.2) "," LABS_OK "," THER(PAST("denosumab", "2023-01-01", "2026-03-01") "," CUR("teriparatide", "2026-03-01")),
       "find+denosumab_then_anabolic; alert+denosumab_then_anabolic/warning; action=continue; ph0=teriparatide; months=16; "
       "ph1=denosumab,alendronate,zoledronic_acid,risedronate; find-denosumab_stopped_without_followup; alert+anabolic_followup_required/info"},
      {"denosumab then abaloparatide", BMD1(-3.2) "," LABS_OK "," THER(PAST("denosumab", "2023-01-01", "2026-03-01") "," CUR("abaloparatide", "2026-03-01")),
       "find+denosumab_then_anabolic; alert+denosumab_then_anabolic/warning; ph1=denosumab,alendronate,zoledronic_acid,risedronate"},
      {"denosumab, alendronate, then teriparatide: no warning",
       BMD1(-3.2) "," LABS_OK "," THER(PAST("denosumab", "2018-01-01", "2020-01-01") "," PAST("alendronate", "2020-01-01", "2026-03-01") "," CUR("teriparatide", "2026-03-01")),
       "find-denosumab_then_anabolic; alert-denosumab_then_anabolic; ph1=alendronate,zoledronic_acid,denosumab,risedronate"},
      {"denosumab then romosozumab: not this finding",
       BMD1(-3.2) "," LABS_OK "," THER(PAST("denosumab", "2023-01-01", "2026-03-01") "," CUR("romosozumab", "2026-03-01")),
       "find-denosumab_then_anabolic"},
      {"PTH months over courses: 6 + 6 used, 12 left",
       BMD1(-3.2) "," LABS_OK "," THER(PAST("abaloparatide", "2020-01-01", "2020-07-01") "," PAST("alendronate", "2020-07-01", "2025-07-01") "," CUR("teriparatide", "2026-05-01")),
       "action=continue; ph0=teriparatide; months=12"},
      {"romosozumab 7 doses: 5 left", BMD1(-3.2) "," LABS_OK ",\"therapies\":[{\"agent\":\"romosozumab\",\"start\":\"2026-05-01\",\"doses\":7}]",
       "action=continue; months=5"},
      {"romosozumab doses absent: 6 months + 1 = 7 doses, 5 left", BMD1(-3.2) "," LABS_OK "," THER(CUR("romosozumab", "2026-05-01")),
       "action=continue; months=5; phmonths=5,null"},
      {"current teriparatide, ONJ: no safe follow-on",
       BMD1(-3.2) "," LABS_OK "," THER(CUR("teriparatide", "2026-05-01")) "," CONDS(C("osteonecrosis_of_jaw")),
       "action=refer; ph0=teriparatide; intents=anabolic; alert+no_safe_followon/critical; alert-anabolic_followup_required; "
       "mon=specialist_referral@2026-11-01"},
      {"PTH limit reached by the current course: the limit decides",
       BMD1(-3.2) "," LABS_OK "," THER(CUR("teriparatide", "2024-11-01")),
       "find+pth_analog_limit_reached; action=transition; intents=antiresorptive; first=alendronate; dis+pth_analog_lifetime; "
       "alert+pth_analog_lifetime_limit/warning; alert+anabolic_followup_required/critical"},
      {"naive very high: the PTH limit decides nothing", BMD1(-3.2) "," LABS_OK, "dis-pth_analog_lifetime"},
      {"anabolic ended, ONJ: refer, nothing to start",
       BMD1(-3.2) "," LABS_OK "," THER(PAST("teriparatide", "2024-01-01", "2026-01-01")) "," CONDS(C("osteonecrosis_of_jaw")),
       "action=refer; intents=; alert+no_safe_agent/critical; mon=specialist_referral@2026-11-01"},
      {"naive very high, ONJ: anabolic with no safe follow-on",
       BMD1(-3.2) "," LABS_OK "," CONDS(C("osteonecrosis_of_jaw")),
       "action=refer; ph0=romosozumab,teriparatide,abaloparatide; intents=anabolic; alert+no_safe_followon/critical; "
       "alert-anabolic_followup_required"},
      {"a man on romosozumab: warning, the course goes on", MAN70(BMD1(-3.2) "," LABS_OK "," THER(CUR("romosozumab", "2026-05-01"))),
       "alert+romosozumab_not_indicated/warning; action=continue; first=romosozumab; alert-stop_current_agent; intents=anabolic,antiresorptive"},
      {"a woman on romosozumab: no such warning", BMD1(-3.2) "," LABS_OK "," THER(CUR("romosozumab", "2026-05-01")),
       "alert-romosozumab_not_indicated; alert-romosozumab_cardiovascular_check"},
  };
  RUN(c);
}

/* ---- rule 5: current bisphosphonate -------------------------------------- */
#define ALN_FAILED PAST("alendronate", "2018-01-01", "2021-01-01")
#define FX2020 FXS(FX("rib", "2020-01-01"))
static void test_rule5_bisphosphonate(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"earlier oral failure carried to a later oral course",
       BMD1(-2.7) "," LABS_OK "," THER(ALN_FAILED "," CUR("risedronate", "2021-01-01")) "," FX2020,
       "action=switch; alert+treatment_failure/warning; avoid+alendronate/treatment_failure; avoid+risedronate/treatment_failure; "
       "fagent=fracture_on_therapy/alendronate; ph0=teriparatide,romosozumab; ph1=denosumab,zoledronic_acid"},
      {"earlier oral failure, current zoledronic acid: not carried",
       BMD1(-2.7) "," LABS_OK "," THER(ALN_FAILED "," CUR("zoledronic_acid", "2025-01-01")) "," FX2020,
       "action=continue; first=zoledronic_acid; alert-treatment_failure"},
      {"earlier IV failure, current oral: not carried",
       BMD1(-2.7) "," LABS_OK "," THER(PAST("zoledronic_acid", "2016-01-01", "2022-01-01") "," CUR("alendronate", "2022-01-01")) ","
       FXS(FX("rib", "2018-01-01")),
       "action=continue; first=alendronate; avoid+zoledronic_acid/treatment_failure"},
      {"GIOP failure, zoledronic acid failed before: teriparatide, its own phase",
       BMD1(-2.7) "," LABS_OK "," THER(PAST("zoledronic_acid", "2014-01-01", "2018-01-01") "," CUR("alendronate", "2018-01-01")) ","
       FXS(FX("rib", "2016-01-01") "," FX("rib", "2022-01-01")) "," MEDS(GC(5, "2023-01-01")),
       "action=switch; rule=bisphosphonate_failure_glucocorticoid; intents=anabolic,antiresorptive; ph0=teriparatide; "
       "ph1=denosumab,risedronate"},
      {"GIOP failure, zoledronic acid and teriparatide avoided: denosumab",
       BMD1(-2.7) "," LABS_OK "," THER(PAST("zoledronic_acid", "2014-01-01", "2018-01-01") "," CUR("alendronate", "2018-01-01")) ","
       FXS(FX("rib", "2016-01-01") "," FX("rib", "2022-01-01")) "," MEDS(GC(5, "2023-01-01")) "," CONDS(C("paget_disease")),
       "action=switch; intents=antiresorptive; ph0=denosumab; inphase-abaloparatide"},
      {"GIOP failure, teriparatide with no safe follow-on: refer",
       BMD1(-2.7) "," LABS_OK "," THER(PAST("zoledronic_acid", "2010-01-01", "2013-01-01") "," PAST("risedronate", "2013-01-01", "2018-01-01") ","
       CUR("alendronate", "2018-01-01")) "," FXS(FX("rib", "2012-01-01") "," FX("rib", "2015-01-01") "," FX("rib", "2022-01-01")) ","
       MEDS(GC(5, "2023-01-01")) "," CONDS(C("organ_transplant")),
       "action=refer; ph0=teriparatide; intents=anabolic; alert+no_safe_followon/critical; mon=specialist_referral@2026-11-01"},
      {"adherence poor on the current oral course: switch",
       BMD1(-2.7) "," LABS_OK ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2025-01-01\",\"adherence\":\"poor\"}]",
       "find+nonadherence; fagent=nonadherence/alendronate; action=switch; ph0=zoledronic_acid,denosumab; avoid-alendronate"},
      {"adherence good: continue",
       BMD1(-2.7) "," LABS_OK ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2025-01-01\",\"adherence\":\"good\"}]",
       "find-nonadherence; action=continue"},
      {"adherence poor on zoledronic acid: 5.2 is for oral courses",
       BMD1(-2.7) "," LABS_OK ",\"therapies\":[{\"agent\":\"zoledronic_acid\",\"start\":\"2025-01-01\",\"adherence\":\"poor\"}]",
       "action=continue; first=zoledronic_acid"},
      {"past intolerance of another agent does not switch",
       BMD1(-2.7) "," LABS_OK "," THER(STOPPED("risedronate", "2019-01-01", "2020-01-01", "intolerance") "," CUR("alendronate", "2021-01-01")),
       "find+intolerance; fagent=intolerance/risedronate; action=continue; first=alendronate"},
      {"intolerance of the same agent, restarted: switch",
       BMD1(-2.7) "," LABS_OK "," THER(STOPPED("alendronate", "2019-01-01", "2019-06-01", "intolerance") "," CUR("alendronate", "2021-01-01")),
       "fagent=intolerance/alendronate; action=switch; ph0=zoledronic_acid,denosumab"},
      {"esophageal disorder present now: switch",
       BMD1(-2.7) "," LABS_OK "," THER(CUR("alendronate", "2025-01-01")) "," CONDS(C("esophageal_disorder")),
       "action=switch; ph0=zoledronic_acid,denosumab; alert-stop_current_agent; avoid+risedronate/esophageal_disorder"},
  };
  RUN(c);
}

/* ---- glucocorticoid doses (section 1, 3) -------------------------------- */
static void test_glucocorticoid_doses(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"7.5 mg from exactly 3 months before, no T-score", LABS_OK "," MEDS(GC(7.5, "2026-08-01")),
       "crit+glucocorticoid_high_dose; risk=high; dx=unknown; action=start; first=alendronate; mon=dxa@2026-11-01; find+glucocorticoid_induced"},
      {"7.5 mg from 3 months less a day", LABS_OK "," MEDS(GC(7.5, "2026-08-02")),
       "crit-glucocorticoid_high_dose; risk=unknown; action=assess; find-glucocorticoid_induced"},
      {"7.4 mg for 10 months", LABS_OK "," MEDS(GC(7.4, "2026-01-01")), "crit-glucocorticoid_high_dose; risk=unknown"},
      {"7.5 mg, T -1.1", BMD1(-1.1) "," LABS_OK "," MEDS(GC(7.5, "2026-01-01")), "crit+glucocorticoid_high_dose; risk=high; dx=osteopenia"},
      {"7.5 mg, T -1.0: not indicated", BMD1(-1.0) "," LABS_OK "," MEDS(GC(7.5, "2026-01-01")),
       "crit-glucocorticoid_high_dose; risk=low; action=no_drug_therapy"},
      {"5 + 5 mg, the second from exactly 3 months before", LABS_OK "," MEDS(GC(5, "2025-01-01") "," GC(5, "2026-08-01")),
       "crit+glucocorticoid_high_dose; risk=high"},
      {"5 + 5 mg, the second from 3 months less a day", LABS_OK "," MEDS(GC(5, "2025-01-01") "," GC(5, "2026-08-02")),
       "crit-glucocorticoid_high_dose; find+glucocorticoid_induced"},
      {"two glucocorticoid courses are one medication for immunosuppression",
       BMD1(-2.7) "," LABS_OK "," MEDS(GC(5, "2025-01-01") "," GC(5, "2025-06-01")), "avoid-denosumab"},
      {"glucocorticoid and an immunosuppressant", BMD1(-2.7) "," LABS_OK "," MEDS(GC(5, "2025-01-01") "," IMM),
       "avoid+denosumab/immunosuppression"},
      {"30 mg for 31 days: very high whatever the T-score", BMD1(0.5) "," LABS_OK "," MEDS(GC(30, "2026-10-01")),
       "crit+glucocorticoid_very_high_dose; risk=very_high; dx=normal; action=start"},
      {"30 mg for 30 days: not yet", BMD1(0.5) "," LABS_OK "," MEDS(GC(30, "2026-10-02")),
       "crit-glucocorticoid_very_high_dose; risk=low"},
      {"29.9 mg for 10 months, normal T: low", BMD1(0.5) "," LABS_OK "," MEDS(GC(29.9, "2026-01-01")),
       "crit-glucocorticoid_very_high_dose; crit-glucocorticoid_high_dose; risk=low"},
      {"20 + 10 mg, the second for 31 days", BMD1(0.5) "," LABS_OK "," MEDS(GC(20, "2026-01-01") "," GC(10, "2026-10-01")),
       "crit+glucocorticoid_very_high_dose; risk=very_high"},
      {"glucocorticoid-induced osteoporosis: ICD-10-CM M81.8", BMD1(-2.7) "," LABS_OK "," MEDS(GC(5, "2025-01-01")), "dxcodes+; dxgc+"},
      {"no glucocorticoid: M81.0", BMD1(-2.7) "," LABS_OK, "dxcodes+; dxgc-"},
      {"2.4 mg: not induced, M81.0", BMD1(-2.7) "," LABS_OK "," MEDS(GC(2.4, "2025-01-01")), "dxgc-"},
  };
  RUN(c);
}

/* ---- calcium: hypercalcemia, hyperparathyroidism, hypocalcemia ----------- */
static void test_calcium(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"calcium 10.6: work-up, hold calcium, decision unchanged", BMD1(-2.7) "," LABS(70, 10.6, 30),
       "alert+secondary_cause_workup/warning; calcium_hold+; action=start; first=alendronate; avoid+teriparatide/hypercalcemia"},
      {"calcium 10.5: normal", BMD1(-2.7) "," LABS(70, 10.5, 30), "alert-secondary_cause_workup; calcium_hold-; avoid-teriparatide"},
      {"hypercalcemia condition", BMD1(-2.7) "," LABS_OK "," CONDS(C("hypercalcemia")), "alert+secondary_cause_workup/warning; calcium_hold+"},
      {"hyperparathyroidism, normal calcium", BMD1(-2.7) "," LABS_OK "," CONDS(C("hyperparathyroidism")),
       "alert+secondary_cause_workup/warning; calcium_hold+; first=alendronate"},
      {"hyperparathyroidism with hypocalcemia: calcium given", BMD1(-2.7) "," LABS(70, 8.4, 30) "," CONDS(C("hyperparathyroidism")),
       "alert+secondary_cause_workup/warning; calcium_hold-; alert+hypocalcemia_correct_first/critical"},
      {"calcium 8.4: correct first, drug unchanged", BMD1(-2.7) "," LABS(70, 8.4, 30),
       "alert+hypocalcemia_correct_first/critical; mon=calcium_check@2026-11-01; first=alendronate; avoid-alendronate/hypocalcemia"},
      {"calcium 8.5: not low", BMD1(-2.7) "," LABS(70, 8.5, 30), "alert-hypocalcemia_correct_first; mon-calcium_check"},
      {"hypocalcemia condition", BMD1(-2.7) "," LABS_OK "," CONDS(C("hypocalcemia")),
       "alert+hypocalcemia_correct_first/critical; mon=calcium_check@2026-11-01; first=alendronate"},
      {"calcium 8.4, no drug: no alert", BMD1(-1.5) "," LABS(70, 8.4, 30), "alert-hypocalcemia_correct_first"},
      {"calcium 8.4, romosozumab started", BMD1(-3.2) "," LABS(70, 8.4, 30),
       "first=romosozumab; alert+hypocalcemia_correct_first/critical; avoid-romosozumab"},
      {"calcium 8.4, teriparatide started: not a drug the alert names",
       BMD1(-3.2) "," LABS(70, 8.4, 30) "," CONDS(C("stroke")), "first=teriparatide; alert-hypocalcemia_correct_first"},
  };
  RUN(c);
}

/* ---- baseline labs (section 7): missing or older than 12 months ---------- */
#define EGFR_AT(v, d) "\"labs\":{\"egfr_ml_min\":{\"value\":" #v ",\"date\":\"" d "\"},\"calcium_mg_dl\":9.4,\"vitamin_d_ng_ml\":30}"
static void test_baseline_labs(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"alendronate, no labs", BMD1(-2.7), "first=alendronate; alert+baseline_labs_needed/warning; mon=baseline_labs@2026-11-01"},
      {"alendronate, renal function known", BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":70}",
       "alert-baseline_labs_needed; mon-baseline_labs"},
      {"zoledronic acid, renal only", BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":70}," CONDS(C("esophageal_disorder")),
       "first=zoledronic_acid; alert+baseline_labs_needed/warning"},
      {"zoledronic acid, renal and calcium, no vitamin D",
       BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":70,\"calcium_mg_dl\":9.4}," CONDS(C("esophageal_disorder")),
       "first=zoledronic_acid; alert+baseline_labs_needed/warning"},
      {"zoledronic acid, all three", BMD1(-2.7) "," LABS_OK "," CONDS(C("esophageal_disorder")),
       "first=zoledronic_acid; alert-baseline_labs_needed"},
      {"current denosumab without vitamin D",
       BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":70,\"calcium_mg_dl\":9.4}," THER(DMAB("2024-01-01", "2026-07-01")),
       "action=continue; alert+baseline_labs_needed/warning"},
      {"current denosumab without calcium",
       BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":70,\"vitamin_d_ng_ml\":30}," THER(DMAB("2024-01-01", "2026-07-01")),
       "action=continue; alert+baseline_labs_needed/warning; mon=baseline_labs@2026-11-01"},
      {"current denosumab without renal function",
       BMD1(-2.7) ",\"labs\":{\"calcium_mg_dl\":9.4,\"vitamin_d_ng_ml\":30}," THER(DMAB("2024-01-01", "2026-07-01")),
       "action=continue; alert+baseline_labs_needed/warning"},
      {"current denosumab, all three", BMD1(-2.7) "," LABS_OK "," THER(DMAB("2024-01-01", "2026-07-01")), "alert-baseline_labs_needed"},
      {"romosozumab, calcium known", BMD1(-3.2) ",\"labs\":{\"calcium_mg_dl\":9.4}", "first=romosozumab; alert-baseline_labs_needed"},
      {"romosozumab, no calcium", BMD1(-3.2), "first=romosozumab; alert+baseline_labs_needed/warning"},
      {"teriparatide, no labs", BMD1(-3.2) "," CONDS(C("stroke")), "first=teriparatide; alert-baseline_labs_needed"},
      {"no drug, no labs", BMD1(-1.5), "alert-baseline_labs_needed"},
      {"eGFR dated exactly 12 months before: current", BMD1(-2.7) "," EGFR_AT(70, "2025-11-01"), "alert-baseline_labs_needed"},
      {"eGFR dated 12 months + 1 day before: asked again", BMD1(-2.7) "," EGFR_AT(70, "2025-10-31"),
       "alert+baseline_labs_needed/warning; alerttext=baseline_labs_needed/2025-10-31; mon=baseline_labs@2026-11-01"},
      {"an outdated eGFR still counts", BMD1(-2.7) "," EGFR_AT(30, "2025-10-31"),
       "avoid+alendronate/renal_impairment; first=risedronate; alert+baseline_labs_needed/warning"},
  };
  RUN(c);
}

/* ---- the other new alerts (section 7) ------------------------------------ */
static void test_alerts_2026(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"current denosumab, renal 29", BMD1(-2.7) "," LABS(29, 9.4, 30) "," THER(DMAB("2024-01-01", "2026-07-01")),
       "alert+denosumab_severe_ckd/warning; mon=calcium_check@2026-11-01"},
      {"current denosumab, renal 30", BMD1(-2.7) "," LABS(30, 9.4, 30) "," THER(DMAB("2024-01-01", "2026-07-01")),
       "alert-denosumab_severe_ckd; mon-calcium_check"},
      {"romosozumab started, MI 17 months ago named",
       BMD1(-3.2) "," LABS_OK "," CONDS(CD("myocardial_infarction", "2025-06-01")),
       "first=romosozumab; alert+romosozumab_cardiovascular_check/warning; alerttext=romosozumab_cardiovascular_check/2025-06-01"},
      {"romosozumab started, no history: still checked", BMD1(-3.2) "," LABS_OK,
       "first=romosozumab; alert+romosozumab_cardiovascular_check/warning; alert+dental_review/warning"},
      {"MI within 12 months: teriparatide, no romosozumab check",
       BMD1(-3.2) "," LABS_OK "," CONDS(CD("myocardial_infarction", "2025-11-01")),
       "first=teriparatide; alert-romosozumab_cardiovascular_check; alert-dental_review"},
      {"alendronate started: dental review", BMD1(-2.7) "," LABS_OK, "first=alendronate; alert+dental_review/warning"},
      {"alendronate continued, no dental condition", BMD1(-2.7) "," LABS_OK "," THER(CUR("alendronate", "2025-01-01")),
       "action=continue; alert-dental_review"},
      {"vitamin D 19.9, zoledronic acid started", BMD1(-2.7) "," LABS(70, 9.4, 19.9) "," CONDS(C("esophageal_disorder")),
       "first=zoledronic_acid; alert+vitamin_d_insufficient/warning"},
  };
  RUN(c);
}

/* ---- monitoring and goal (section 8) ------------------------------------- */
static void test_monitoring_goal(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"romosozumab: DXA at the end of its 12 months", BMD1(-3.2) "," LABS_OK, "first=romosozumab; mon=dxa@2027-11-01"},
      {"teriparatide 24 months: the 24-month DXA is earlier", BMD1(-3.2) "," LABS_OK "," CONDS(C("stroke")),
       "first=teriparatide; mon=dxa@2028-10-01"},
      {"current teriparatide, 18 months left", BMD1(-3.2) "," LABS_OK "," THER(CUR("teriparatide", "2026-05-01")),
       "months=18; mon=dxa@2028-05-01"},
      {"DXA overdue: due now, since", "\"bmd\":[" LS(-2.7, "2024-01-01") "]," LABS_OK,
       "mon=dxa@2026-11-01; overdue=dxa@2026-01-01"},
      {"DXA due exactly today: not overdue", "\"bmd\":[" LS(-2.7, "2024-11-01") "]," LABS_OK, "mon=dxa@2026-11-01; overdue-dxa"},
      {"goal without a T-score target", BMD1(-2.4) "," LABS_OK "," FXS(FX("hip", "2020-01-01")), "action=start; goal+; goaltarget-"},
      {"goal with the -2.5 target", BMD1(-2.5) "," LABS_OK, "action=start; goal+; goaltarget+"},
      {"no T-score: no target", LABS_OK "," MEDS(GC(7.5, "2026-01-01")), "action=start; goal+; goaltarget-"},
  };
  RUN(c);
}

/* ---- more spec edges: follow-on classes, several courses, scope ---------- */
static void test_more_edges(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"fracture on raloxifene counts", BMD1(-2.7) "," LABS_OK "," THER(CUR("raloxifene", "2020-01-01")) "," FXS(FX("rib", "2023-01-01")),
       "find+fracture_on_therapy; crit+fracture_on_therapy"},
      {"fracture on hormone therapy does not", BMD1(-2.7) "," LABS_OK "," THER(CUR("hormone_therapy", "2020-01-01")) "," FXS(FX("rib", "2023-01-01")),
       "find-fracture_on_therapy"},
      {"raloxifene is no follow-on after an anabolic",
       BMD1(-2.7) "," LABS_OK "," THER(PAST("teriparatide", "2023-01-01", "2025-01-01") "," PAST("raloxifene", "2025-01-01", "2026-01-01")),
       "find+anabolic_ended_without_followup; action=transition; alert+anabolic_followup_required/critical"},
      {"raloxifene is no follow-on after denosumab",
       BMD1(-2.2) "," LABS_OK "," THER(PAST("denosumab", "2022-01-01", "2025-06-01") "," PAST("raloxifene", "2025-06-01", "2026-01-01")),
       "find+denosumab_stopped_without_followup; action=transition; first=zoledronic_acid"},
      {"glucocorticoid-induced by a sum: 1.5 + 1.5 mg, the second from 3 months", BMD1(-2.0) "," MEDS(GC(1.5, "2025-01-01") "," GC(1.5, "2026-08-01")),
       "find+glucocorticoid_induced"},
      {"1.5 + 1.5 mg, the second from 3 months less a day", BMD1(-2.0) "," MEDS(GC(1.5, "2025-01-01") "," GC(1.5, "2026-08-02")),
       "find-glucocorticoid_induced"},
      {"switch to an oral agent: BTM at 3 months", BMD1(-2.7) "," LABS(34, 9.4, 30) "," THER(CUR("zoledronic_acid", "2025-01-01")),
       "first=risedronate; mon=btm@2027-02-01"},
      {"ibandronate, renal 29: stopped", BMD1(-2.7) "," LABS(29, 9.4, 30) "," THER(CUR("ibandronate", "2025-01-01")),
       "alert+stop_current_agent/critical; avoid+ibandronate/renal_impairment; action=switch"},
      {"ibandronate, renal 30: continues", BMD1(-2.7) "," LABS(30, 9.4, 30) "," THER(CUR("ibandronate", "2025-01-01")),
       "action=continue; alert-stop_current_agent"},
      /* rule 0's refer keeps the current denosumab: section 1 counts it as
      ** what the plan continues, not starts, so no dental review at start */
      {"denosumab under refer: calcium and kidneys still checked",
       BMD1(-2.7) "," LABS(25, 8.4, 30) "," THER(DMAB("2024-01-01", "2026-07-01")) "," CONDS(C("osteonecrosis_of_jaw")),
       "action=refer; ph0=denosumab; alert+hypocalcemia_correct_first/critical; alert+denosumab_severe_ckd/warning; "
       "alert-dental_review; mon=calcium_check@2026-11-01"},
      {"refer with romosozumab first: cardiovascular check", BMD1(-3.2) "," LABS_OK "," CONDS(C("osteonecrosis_of_jaw")),
       "action=refer; first=romosozumab; alert+romosozumab_cardiovascular_check/warning"},
      {"out of scope: denosumab review, low calcium and work-up still given",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":45,\"menopause\":\"pre\"," LABS(70, 8.4, 30) "," THER(DMAB("2024-01-01", "2026-07-01")) ","
       CONDS(C("osteonecrosis_of_jaw") "," C("hyperparathyroidism")) "}",
       "action=out_of_scope; intents=; alert+specialist_review_denosumab/critical; avoid-denosumab; "
       "alert+hypocalcemia_correct_first/critical; alert+secondary_cause_workup/warning"},
      {"raloxifene stops, alendronate is due a holiday: stop",
       BMD1(-2.0) "," LABS_OK "," THER(CUR("raloxifene", "2024-01-01") "," CUR("alendronate", "2021-11-01")) "," CONDS(C("venous_thromboembolism")),
       "action=stop; intents=; goal-; alert+stop_current_agent/critical; alert+bisphosphonate_holiday_review/info"},
      {"two current courses, both must stop",
       BMD1(-2.7) "," LABS(34, 9.4, 30) "," THER(CUR("raloxifene", "2024-01-01") "," CUR("alendronate", "2025-01-01")) "," CONDS(C("venous_thromboembolism")),
       "alert+stop_current_agent/critical; avoid+raloxifene/venous_thromboembolism; avoid+alendronate/renal_impairment; "
       "action=switch; first=risedronate"},
      {"BTM: baseline after the start is not a baseline",
       BMD1(-2.6) "," THER(CUR("alendronate", "2026-05-01")) ",\"labs\":{\"p1np\":[{\"value\":100,\"date\":\"2026-05-02\"},{\"value\":90,\"date\":\"2026-08-01\"}]}",
       "find-btm_not_suppressed"},
      {"BMD loss from the latest baseline before the start",
       "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2.0,\"bmd_g_cm2\":0.700,\"date\":\"2023-01-01\"},"
       "{\"site\":\"total_hip\",\"t_score\":-1.8,\"bmd_g_cm2\":0.800,\"date\":\"2024-05-01\"},"
       "{\"site\":\"total_hip\",\"t_score\":-2.0,\"bmd_g_cm2\":0.700,\"date\":\"2025-06-01\"}]," THER(CUR("alendronate", "2024-06-01")),
       "find+bmd_loss; action=switch"},
      {"target not met on denosumab: a finding, no switch",
       "\"bmd\":[" LS(-2.6, "2023-10-01") "," LS(-2.5, "2026-10-01") "]," LABS_OK "," THER(DMAB("2023-11-01", "2026-07-01")),
       "find+target_not_met; action=continue; first=denosumab"},
  };
  RUN(c);
}

/* ---- the harness's own keys fail on a wrong expectation ------------------ */
static void test_harness_selftest(void **s) {
  (void)s;
  static const rule_case right[] = {
      {"selftest right", BMD1(-2.7) "," LABS_OK,
       "ph0=alendronate,risedronate,zoledronic_acid,denosumab; ph1=none; phmonths=null; calcium_hold-; dxgc-; "
       "mon=dxa@2028-10-01; overdue-dxa; avoid-alendronate/renal_impairment"},
      {"selftest right, renal 30", BMD1(-2.7) "," LABS(30, 9.4, 30), "avoid+alendronate/renal_impairment"},
  };
  RUN(right);
  static const rule_case wrong[] = {
      {"selftest (must fail) ph0 order", BMD1(-2.7) "," LABS_OK, "ph0=risedronate,alendronate,zoledronic_acid,denosumab"},
      {"selftest (must fail) ph1", BMD1(-2.7) "," LABS_OK, "ph1=alendronate"},
      {"selftest (must fail) phmonths", BMD1(-2.7) "," LABS_OK, "phmonths=12"},
      {"selftest (must fail) months=null", BMD1(-3.2) "," LABS_OK, "months=null"},
      {"selftest (must fail) calcium_hold", BMD1(-2.7) "," LABS_OK, "calcium_hold+"},
      {"selftest (must fail) dxgc", BMD1(-2.7) "," LABS_OK, "dxgc+"},
      {"selftest (must fail) goaltarget", BMD1(-1.5), "goaltarget-"},
      {"selftest (must fail) overdue date", BMD1(-2.7) "," LABS_OK, "overdue=dxa@2028-10-01"},
      {"selftest (must fail) overdue- of an absent item", BMD1(-2.7) "," LABS_OK, "overdue-denosumab_next_dose"},
      {"selftest (must fail) mon before as_of", "\"bmd\":[" LS(-2.7, "2024-01-01") "]," LABS_OK, "mon=dxa@2026-01-01"},
      {"selftest (must fail) avoid-/reason", BMD1(-2.7) "," LABS(30, 9.4, 30), "avoid-alendronate/renal_impairment"},
      {"selftest (must fail) fagent", BMD1(-2.6) "," THER(STOPPED("alendronate", "2024-01-01", "2024-03-01", "intolerance")),
       "fagent=intolerance/risedronate"},
      {"selftest (must fail) alerttext", BMD1(-3.2) "," LABS_OK, "alerttext=anabolic_followup_required/no such words"},
      {"selftest (must fail) unknown key", BMD1(-2.7), "phases=1"},
  };
  for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) assert_int_not_equal(run_case(*s, &wrong[i]), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rule0_stop_reasons),
      cmocka_unit_test(test_rule0_denosumab_and_actions),
      cmocka_unit_test(test_rule2_resume),
      cmocka_unit_test(test_rule3_anabolic),
      cmocka_unit_test(test_rule5_bisphosphonate),
      cmocka_unit_test(test_glucocorticoid_doses),
      cmocka_unit_test(test_calcium),
      cmocka_unit_test(test_baseline_labs),
      cmocka_unit_test(test_alerts_2026),
      cmocka_unit_test(test_monitoring_goal),
      cmocka_unit_test(test_more_edges),
      cmocka_unit_test(test_harness_selftest),
  };
  return cmocka_run_group_tests_name("rules_2026", tests, harness_setup, harness_teardown);
}
