/*
** test_rules.c: every rule of the default profile at, just above and just
** below each threshold, and at the edges of every date window.
**
** Base patient (harness.h): postmenopausal woman born 1955-01-01 (age 71),
** as of 2026-11-01. Profile 2026.12 measures spans as calendar spans (spec
** README): "N months after D" is the same day N months later, clamped to the
** month's end; "within N months before as_of" runs from as_of - N months to
** as_of, both included. So a fracture on 2024-11-01 (as_of - 24 months) is
** recent and one on 2024-10-31 is not; a course started 2021-11-01 has run
** 5 years. (Profile 2026.11 counted 30.4375-day months: 24 months were 730.5
** days, and 2021-11-01 was 1826 days, short of 5 years.) The new rules of
** 2026.12 are in test_rules_2026.c.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "harness.h"
#include "kb/kb.h"


#define LS(t, d) "{\"site\":\"lumbar_spine\",\"t_score\":" #t ",\"date\":\"" d "\"}"
#define TH(t, d) "{\"site\":\"total_hip\",\"t_score\":" #t ",\"date\":\"" d "\"}"
#define BMD1(t) "\"bmd\":[" LS(t, "2026-10-01") "]"

/* ---- section 0: scope ---------------------------------------------------- */
static void test_scope(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"post at any age", "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":45,\"menopause\":\"post\"}", "scope+"},
      {"no status, age 50", "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":50}", "scope+"},
      {"no status, age 49", "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":49," BMD1(-2.6) "}",
       "scope-; action=out_of_scope; risk=unknown; dx=osteoporosis; intents=; crit-t_score_osteoporosis"},
      {"peri", "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":52,\"menopause\":\"peri\"}", "action=out_of_scope"},
      {"pre", "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":35,\"menopause\":\"pre\"}", "action=out_of_scope"},
      {"man 50", "{\"as_of\":\"2026-11-01\",\"sex\":\"male\",\"age\":50," BMD1(-2.6) "}", "scope+; risk=high"},
      {"man 49", "{\"as_of\":\"2026-11-01\",\"sex\":\"male\",\"age\":49," BMD1(-2.6) "}", "action=out_of_scope"},
      {"out of scope keeps protective alerts",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":40,\"menopause\":\"pre\",\"therapies\":[{\"agent\":"
       "\"denosumab\",\"start\":\"2024-01-01\",\"end\":null,\"last_dose\":\"2026-01-01\"}],\"labs\":{\"vitamin_d_ng_ml\":10}}",
       "action=out_of_scope; alert+denosumab_overdue/critical; alert-vitamin_d_insufficient; mon-dxa"},
      {"out of scope keeps avoid",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":40,\"menopause\":\"pre\",\"conditions\":[{\"code\":\"paget_disease\"}]}",
       "action=out_of_scope; avoid+teriparatide/paget_disease"},
      {"out of scope, anabolic ended",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":40,\"menopause\":\"pre\",\"therapies\":[{\"agent\":"
       "\"teriparatide\",\"start\":\"2024-01-01\",\"end\":\"2025-06-01\"}]}",
       "action=out_of_scope; alert+anabolic_followup_required/critical"},
  };
  RUN(c);
}

/* ---- section 2: diagnosis ------------------------------------------------ */
static void test_diagnosis(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"T -2.5 osteoporosis", BMD1(-2.5), "dx=osteoporosis; crit+t_score_osteoporosis; risk=high"},
      {"T -2.4 osteopenia", BMD1(-2.4), "dx=osteopenia; crit-t_score_osteoporosis; risk=low"},
      {"T -2.6", BMD1(-2.6), "dx=osteoporosis"},
      {"T -1.0 normal", BMD1(-1.0), "dx=normal; risk=low; action=no_drug_therapy; mon-dxa"},
      {"T -1.1 osteopenia", BMD1(-1.1), "dx=osteopenia; mon=dxa@2028-10-01"},
      {"T -0.9 normal", BMD1(-0.9), "dx=normal"},
      {"no BMD", "", "dx=unknown"},
      {"hip fracture, normal T", BMD1(-0.5) ",\"fractures\":[{\"site\":\"hip\",\"date\":\"2020-01-01\"}]",
       "dx=osteoporosis; crit+hip_or_vertebral_fracture; risk=high"},
      {"vertebral fracture by year", "\"fractures\":[{\"site\":\"vertebral\",\"year\":2019}]",
       "dx=osteoporosis; crit+hip_or_vertebral_fracture"},
      {"traumatic hip fracture", BMD1(-0.5) ",\"fractures\":[{\"site\":\"hip\",\"date\":\"2020-01-01\",\"mechanism\":\"traumatic\"}]",
       "dx=normal; risk=low; crit-hip_or_vertebral_fracture"},
      {"recorded osteoporosis, T -1.1", BMD1(-1.1) ",\"conditions\":[{\"code\":\"osteoporosis\"}]",
       "dx=osteoporosis; crit+recorded_osteoporosis; risk=high"},
      {"recorded osteoporosis, T -1.0", BMD1(-1.0) ",\"conditions\":[{\"code\":\"osteoporosis\"}]",
       "dx=normal; crit-recorded_osteoporosis; risk=low"},
      {"recorded osteoporosis, no T", "\"conditions\":[{\"code\":\"osteoporosis\"}]",
       "dx=osteoporosis; crit+recorded_osteoporosis; risk=high; mon=dxa@2026-11-01"},
      {"osteopenia + wrist fracture", BMD1(-1.1) ",\"fractures\":[{\"site\":\"wrist\",\"date\":\"2018-01-01\"}]",
       "dx=osteoporosis; crit+osteopenia_with_fracture; risk=high"},
      {"T -1.0 + wrist fracture", BMD1(-1.0) ",\"fractures\":[{\"site\":\"wrist\",\"date\":\"2018-01-01\"}]",
       "dx=normal; crit-osteopenia_with_fracture"},
      {"osteopenia + rib fracture", BMD1(-1.5) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2018-01-01\"}]",
       "dx=osteopenia; crit-osteopenia_with_fracture"},
      {"osteopenia + humerus", BMD1(-1.5) ",\"fractures\":[{\"site\":\"humerus\",\"date\":\"2018-01-01\"}]",
       "crit+osteopenia_with_fracture"},
      {"osteopenia + pelvis", BMD1(-1.5) ",\"fractures\":[{\"site\":\"pelvis\",\"date\":\"2018-01-01\"}]",
       "crit+osteopenia_with_fracture"},
      {"osteopenia + forearm", BMD1(-1.5) ",\"fractures\":[{\"site\":\"forearm\",\"date\":\"2018-01-01\"}]",
       "crit+osteopenia_with_fracture"},
      {"current T is the most recent", "\"bmd\":[" LS(-2.8, "2020-01-01") "," LS(-2.2, "2025-01-01") "]",
       "dx=osteopenia"},
      {"lowest over sites", "\"bmd\":[" LS(-2.0, "2025-01-01") "," TH(-2.7, "2025-01-01") "]", "dx=osteoporosis"},
      {"dx codes without recent fracture", BMD1(-2.7), "dxcodes+"},
      {"dx codes: fracture 3 months + 1 day before", BMD1(-2.7) ",\"fractures\":[{\"site\":\"wrist\",\"date\":\"2026-07-31\"}]",
       "dxcodes+"},
      {"no dx codes: fracture exactly 3 months before", BMD1(-2.7) ",\"fractures\":[{\"site\":\"wrist\",\"date\":\"2026-08-01\"}]",
       "dxcodes-"},
      {"no dx codes for osteopenia", BMD1(-2.0), "dxcodes-"},
  };
  RUN(c);
}

/* ---- section 3: risk ----------------------------------------------------- */
static void test_risk_frax(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"FRAX 20 with osteopenia", BMD1(-1.5) ",\"frax\":{\"major_osteoporotic_pct\":20}", "crit+frax_high; risk=high"},
      {"FRAX 19.9", BMD1(-1.5) ",\"frax\":{\"major_osteoporotic_pct\":19.9}", "crit-frax_high; risk=low"},
      {"hip 3", BMD1(-1.5) ",\"frax\":{\"hip_pct\":3}", "crit+frax_high"},
      {"hip 2.9", BMD1(-1.5) ",\"frax\":{\"hip_pct\":2.9}", "crit-frax_high"},
      {"FRAX high, normal T", BMD1(-1.0) ",\"frax\":{\"major_osteoporotic_pct\":25}", "crit-frax_high; risk=low"},
      {"FRAX high, no T", "\"frax\":{\"major_osteoporotic_pct\":25}", "crit+frax_high; risk=high; dis+frax_very_high_risk"},
      {"FRAX low, no T: low", "\"frax\":{\"major_osteoporotic_pct\":5,\"hip_pct\":0.5}", "risk=low; action=no_drug_therapy"},
      {"FRAX 30 very high", BMD1(-1.5) ",\"frax\":{\"major_osteoporotic_pct\":30}",
       "crit+frax_very_high; risk=very_high; dis-frax_very_high_risk"},
      {"FRAX 29.9", BMD1(-1.5) ",\"frax\":{\"major_osteoporotic_pct\":29.9}",
       "crit-frax_very_high; risk=high; dis+frax_very_high_risk"},
      {"hip 4.5", BMD1(-1.5) ",\"frax\":{\"hip_pct\":4.5}", "crit+frax_very_high; risk=very_high"},
      {"hip 4.4", BMD1(-1.5) ",\"frax\":{\"hip_pct\":4.4}", "crit-frax_very_high; risk=high; dis+frax_very_high_risk"},
      {"FRAX 19.9 no disagreement", BMD1(-1.5) ",\"frax\":{\"major_osteoporotic_pct\":19.9}", "dis-frax_very_high_risk"},
      {"nothing: unknown", "", "risk=unknown"},
  };
  RUN(c);
}

static void test_risk_very_high(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"T -3.0 very low", BMD1(-3.0), "crit+t_score_very_low; risk=very_high; dis+t_score_very_high_risk"},
      {"T -2.9", BMD1(-2.9), "crit-t_score_very_low; risk=high; dis-t_score_very_high_risk"},
      {"T -3.5: no disagreement", BMD1(-3.5), "crit+t_score_very_low; dis-t_score_very_high_risk"},
      {"T -3.4: disagreement", BMD1(-3.4), "dis+t_score_very_high_risk"},
      {"recent fracture exactly 24 months before", BMD1(-2.6) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2024-11-01\"}]",
       "crit+recent_fracture; risk=very_high; dis+recent_fracture_window"},
      {"fracture 24 months + 1 day before", BMD1(-2.6) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2024-10-31\"}]",
       "crit-recent_fracture; risk=high; dis-recent_fracture_window"},
      {"fracture exactly 12 months before: both agree", BMD1(-2.6) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2025-11-01\"}]",
       "crit+recent_fracture; dis-recent_fracture_window"},
      {"fracture 12 months + 1 day before: between", BMD1(-2.6) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2025-10-31\"}]",
       "dis+recent_fracture_window"},
      {"recent fracture alone is not an indication", BMD1(-0.5) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2026-01-01\"}]",
       "risk=low; crit-recent_fracture"},
      {"two fractures", BMD1(-2.6) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2010-01-01\"},{\"site\":\"ankle\",\"date\":\"2012-01-01\"}]",
       "crit+multiple_fractures; risk=very_high"},
      {"one fracture", BMD1(-2.6) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2010-01-01\"}]",
       "crit-multiple_fractures; risk=high"},
      {"traumatic does not count", BMD1(-2.6) ",\"fractures\":[{\"site\":\"rib\",\"date\":\"2010-01-01\"},{\"site\":\"ankle\",\"date\":\"2012-01-01\",\"mechanism\":\"traumatic\"}]",
       "crit-multiple_fractures"},
  };
  RUN(c);
  static const rule_case d[] = {
      {"age 75 with osteoporosis",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"birth_date\":\"1951-11-01\",\"menopause\":\"post\"," BMD1(-2.5) "}",
       "crit+age_75_with_osteoporosis; risk=very_high; first=romosozumab"},
      {"age 74 (birthday tomorrow)",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"birth_date\":\"1951-11-02\",\"menopause\":\"post\"," BMD1(-2.5) "}",
       "crit-age_75_with_osteoporosis; risk=high"},
      {"age 80, T -2.4",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":80," BMD1(-2.4) "}", "crit-age_75_with_osteoporosis; risk=low"},
      {"fracture on therapy exactly 18 months after the start",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2024-07-01\"}]",
       "crit+fracture_on_therapy; find+fracture_on_therapy; action=switch; alert+treatment_failure/warning; avoid+alendronate/treatment_failure"},
      {"fracture on therapy without an indication: finding, no criterion",
       BMD1(-2.0) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2024-07-01\"}]",
       "crit-fracture_on_therapy; find+fracture_on_therapy; risk=low; action=switch"},
      {"fracture 18 months less a day after the start",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2024-06-30\"}]",
       "find-fracture_on_therapy; action=continue"},
      {"fracture after the course ended",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2018-01-01\",\"end\":\"2020-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2021-01-01\"}]",
       "find-fracture_on_therapy"},
      {"fracture on a past failing course: avoid it",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"risedronate\",\"start\":\"2015-01-01\",\"end\":\"2020-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2019-01-01\"}]",
       "find+fracture_on_therapy; avoid+risedronate/treatment_failure; action=start; inphase-risedronate"},
  };
  RUN(d);
}

/* ---- section 1 and 4: exposures and findings ----------------------------- */
static void test_exposures(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"PTH exactly 24 calendar months",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"teriparatide\",\"start\":\"2024-01-01\",\"end\":\"2026-01-01\"}]",
       "find+pth_analog_limit_reached; avoid+teriparatide/pth_analog_lifetime_limit; avoid+abaloparatide/pth_analog_lifetime_limit; "
       "action=transition; alert+anabolic_followup_required/critical; alert+pth_analog_lifetime_limit/warning"},
      {"PTH 24 months less a day",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"teriparatide\",\"start\":\"2024-01-01\",\"end\":\"2025-12-31\"}]",
       "find-pth_analog_limit_reached; avoid-teriparatide; find+anabolic_ended_without_followup"},
      {"PTH summed over agents",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"teriparatide\",\"start\":\"2020-01-01\",\"end\":\"2021-01-01\"},{\"agent\":\"abaloparatide\",\"start\":\"2022-01-01\",\"end\":\"2023-01-01\"},{\"agent\":\"alendronate\",\"start\":\"2023-01-01\",\"end\":\"2024-01-01\"}]",
       "find+pth_analog_limit_reached; find-anabolic_ended_without_followup"},
      {"PTH limit decides at very high risk: no anabolic left",
       BMD1(-3.2) ",\"conditions\":[{\"code\":\"stroke\"}],\"therapies\":[{\"agent\":\"teriparatide\",\"start\":\"2020-01-01\",\"end\":\"2022-01-01\"},{\"agent\":\"alendronate\",\"start\":\"2022-01-01\",\"end\":\"2024-01-01\"}]",
       "find+pth_analog_limit_reached; intents=antiresorptive; first=zoledronic_acid; dis+pth_analog_lifetime"},
      {"current teriparatide continues with remaining months",
       BMD1(-3.2) ",\"therapies\":[{\"agent\":\"teriparatide\",\"start\":\"2026-05-01\"}]",
       "action=continue; first=teriparatide; months=18; intents=anabolic,antiresorptive; alert+anabolic_followup_required/info"},
      {"romosozumab 12 doses",
       BMD1(-3.2) ",\"therapies\":[{\"agent\":\"romosozumab\",\"start\":\"2025-11-01\",\"doses\":12}]",
       "find+romosozumab_course_complete; action=transition; avoid+romosozumab/romosozumab_course_completed; alert+romosozumab_course_complete/warning; alert+anabolic_followup_required/critical"},
      {"romosozumab 11 doses",
       BMD1(-3.2) ",\"therapies\":[{\"agent\":\"romosozumab\",\"start\":\"2025-12-01\",\"doses\":11}]",
       "find-romosozumab_course_complete; action=continue; months=1"},
      {"romosozumab doses absent: 11 whole months + 1 = 12 doses",
       BMD1(-3.2) ",\"therapies\":[{\"agent\":\"romosozumab\",\"start\":\"2025-12-01\"}]",
       "find+romosozumab_course_complete; action=transition"},
      {"romosozumab doses absent: 10 whole months + 1 = 11 doses",
       BMD1(-3.2) ",\"therapies\":[{\"agent\":\"romosozumab\",\"start\":\"2025-12-02\"}]",
       "find-romosozumab_course_complete; action=continue; months=1"},
      {"romosozumab with MI after start",
       BMD1(-3.2) ",\"therapies\":[{\"agent\":\"romosozumab\",\"start\":\"2026-03-01\"}],\"conditions\":[{\"code\":\"myocardial_infarction\",\"date\":\"2026-06-01\"}]",
       "action=switch; status=on_treatment; alert+romosozumab_cardiovascular_event/critical; alert-stop_current_agent; "
       "avoid+romosozumab/mi_or_stroke_within_12_months; intents=antiresorptive; first=alendronate; "
       "alert+anabolic_followup_required/critical"},
      {"glucocorticoid 2.5 mg from exactly 3 months before",
       BMD1(-2.0) ",\"medications\":[{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":2.5,\"start\":\"2026-08-01\"}]",
       "find+glucocorticoid_induced; alert+glucocorticoid_induced_osteoporosis/info"},
      {"glucocorticoid 2.4 mg",
       BMD1(-2.0) ",\"medications\":[{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":2.4,\"start\":\"2026-01-01\"}]",
       "find-glucocorticoid_induced"},
      {"glucocorticoid from 3 months less a day before",
       BMD1(-2.0) ",\"medications\":[{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":5,\"start\":\"2026-08-02\"}]",
       "find-glucocorticoid_induced"},
      {"glucocorticoid stopped",
       BMD1(-2.0) ",\"medications\":[{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":5,\"start\":\"2020-01-01\",\"end\":\"2026-01-01\"}]",
       "find-glucocorticoid_induced"},
      {"two immunosuppressive agents",
       BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":20},\"medications\":[{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":1,\"start\":\"2026-01-01\"},{\"class\":\"immunosuppressant\",\"start\":\"2026-01-01\"}]",
       "avoid+denosumab/immunosuppression; first=teriparatide; intents=anabolic; action=refer; "
       "alert+no_safe_followon/critical; alert-anabolic_followup_required; mon=specialist_referral@2026-11-01"},
      {"one immunosuppressive agent",
       BMD1(-2.7) ",\"medications\":[{\"class\":\"immunosuppressant\",\"start\":\"2026-01-01\"}]", "avoid-denosumab"},
      {"MI exactly 12 months before", BMD1(-3.2) ",\"conditions\":[{\"code\":\"myocardial_infarction\",\"date\":\"2025-11-01\"}]",
       "avoid+romosozumab/mi_or_stroke_within_12_months; first=teriparatide"},
      {"MI 12 months + 1 day before", BMD1(-3.2) ",\"conditions\":[{\"code\":\"myocardial_infarction\",\"date\":\"2025-10-31\"}]",
       "avoid-romosozumab; first=romosozumab"},
      {"undated stroke is recent", BMD1(-3.2) ",\"conditions\":[{\"code\":\"stroke\"}]",
       "avoid+romosozumab/mi_or_stroke_within_12_months"},
      {"man: romosozumab not indicated", "{\"as_of\":\"2026-11-01\",\"sex\":\"male\",\"age\":70," BMD1(-3.2) "}",
       "avoid+romosozumab/not_indicated; first=teriparatide"},
  };
  RUN(c);
}

static void test_findings(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"BMD loss 10%/year",
       "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2.0,\"bmd_g_cm2\":0.800,\"date\":\"2024-05-31\"},{\"site\":\"total_hip\",\"t_score\":-2.3,\"bmd_g_cm2\":0.719,\"date\":\"2025-06-01\"}],"
       "\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-05-31\"}]",
       "find+bmd_loss; action=switch; alert+treatment_failure/warning; avoid+alendronate/treatment_failure"},
      {"BMD loss 9%/year",
       "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2.0,\"bmd_g_cm2\":0.800,\"date\":\"2024-05-31\"},{\"site\":\"total_hip\",\"t_score\":-2.3,\"bmd_g_cm2\":0.7272,\"date\":\"2025-06-01\"}],"
       "\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-05-31\"}]",
       "find-bmd_loss; action=continue"},
      {"BMD loss: later scan exactly 12 months into the course, baseline before the start",
       "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2.0,\"bmd_g_cm2\":0.800,\"date\":\"2024-05-01\"},{\"site\":\"total_hip\",\"t_score\":-2.3,\"bmd_g_cm2\":0.600,\"date\":\"2025-06-01\"}],"
       "\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-06-01\"}]",
       "find+bmd_loss"},
      {"BMD loss: later scan 12 months less a day into the course is too early",
       "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2.0,\"bmd_g_cm2\":0.800,\"date\":\"2024-05-01\"},{\"site\":\"total_hip\",\"t_score\":-2.3,\"bmd_g_cm2\":0.600,\"date\":\"2025-05-31\"}],"
       "\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-06-01\"}]",
       "find-bmd_loss"},
      {"BMD loss but < 12 months apart",
       "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2.0,\"bmd_g_cm2\":0.800,\"date\":\"2025-06-01\"},{\"site\":\"total_hip\",\"t_score\":-2.3,\"bmd_g_cm2\":0.650,\"date\":\"2026-05-01\"}],"
       "\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2025-06-01\"}]",
       "find-bmd_loss"},
      {"target not met: hip +0.1 after 36 months",
       "\"bmd\":[" TH(-2.6, "2023-10-01") "," TH(-2.5, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-01\"}]",
       "find+target_not_met; action=switch; first=romosozumab; alert+target_not_met/warning; intents=anabolic,antiresorptive"},
      {"target met: hip +0.2",
       "\"bmd\":[" TH(-2.7, "2023-10-01") "," TH(-2.5, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-01\"}]",
       "find-target_not_met; action=continue"},
      {"target: course 1 day short of 36 months",
       "\"bmd\":[" TH(-2.6, "2023-10-01") "," TH(-2.5, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-02\"}]",
       "find-target_not_met"},
      {"target: spine +0.5 met",
       "\"bmd\":[" LS(-3.0, "2023-10-01") "," LS(-2.5, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-01\"}]",
       "find-target_not_met"},
      {"target: spine +0.4 not met",
       "\"bmd\":[" LS(-3.0, "2023-10-01") "," LS(-2.6, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-01\"}]",
       "find+target_not_met"},
      {"target: baseline within 3 months after start",
       "\"bmd\":[" TH(-2.6, "2024-01-15") "," TH(-2.5, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-01\"}]",
       "find+target_not_met"},
      {"target: baseline exactly 3 months after start",
       "\"bmd\":[" TH(-2.6, "2024-02-01") "," TH(-2.5, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-01\"}]",
       "find+target_not_met"},
      {"target: first scan 3 months + 1 day after start, not judged",
       "\"bmd\":[" TH(-2.6, "2024-02-02") "," TH(-2.5, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-01\"}]",
       "find-target_not_met"},
      {"target not met at very high risk: 5.3 switches too (2026.12)",
       "\"bmd\":[" TH(-3.1, "2023-10-01") "," TH(-3.0, "2026-10-01") "],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2023-11-01\"}]",
       "find+target_not_met; risk=very_high; action=switch; first=romosozumab; alert+target_not_met/warning; "
       "intents=anabolic,antiresorptive; avoid-alendronate"},
  };
  RUN(c);
}

static void test_findings_btm_course(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"BTM: P1NP fall 37%, second sample exactly 2 months after start",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-05-01\"}],\"labs\":{\"p1np\":[{\"value\":100,\"date\":\"2026-04-20\"},{\"value\":63,\"date\":\"2026-07-01\"}]}",
       "find+btm_not_suppressed; action=switch; first=zoledronic_acid; alert+btm_not_suppressed/warning; avoid-alendronate"},
      {"BTM: P1NP fall exactly 38% is not a response (2026.12)",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-05-01\"}],\"labs\":{\"p1np\":[{\"value\":100,\"date\":\"2026-04-20\"},{\"value\":62,\"date\":\"2026-07-01\"}]}",
       "find+btm_not_suppressed; action=switch"},
      {"BTM: P1NP fall 38.1% is a response",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-05-01\"}],\"labs\":{\"p1np\":[{\"value\":100,\"date\":\"2026-04-20\"},{\"value\":61.9,\"date\":\"2026-07-01\"}]}",
       "find-btm_not_suppressed; action=continue"},
      {"BTM: second sample 2 months less a day after start is outside the window",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-05-01\"}],\"labs\":{\"p1np\":[{\"value\":100,\"date\":\"2026-04-20\"},{\"value\":90,\"date\":\"2026-06-30\"}]}",
       "find-btm_not_suppressed"},
      {"BTM: exactly 6 months after start inside",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-04-30\"}],\"labs\":{\"p1np\":[{\"value\":100,\"date\":\"2026-04-20\"},{\"value\":90,\"date\":\"2026-10-30\"}]}",
       "find+btm_not_suppressed"},
      {"BTM: 6 months + 1 day after start outside",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-04-30\"}],\"labs\":{\"p1np\":[{\"value\":100,\"date\":\"2026-04-20\"},{\"value\":90,\"date\":\"2026-10-31\"}]}",
       "find-btm_not_suppressed"},
      {"BTM: CTX fall 55%",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-05-01\"}],\"labs\":{\"ctx\":[{\"value\":1.0,\"date\":\"2026-04-20\"},{\"value\":0.45,\"date\":\"2026-08-01\"}]}",
       "find+btm_not_suppressed"},
      {"BTM: CTX fall exactly 56% is not a response (2026.12)",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-05-01\"}],\"labs\":{\"ctx\":[{\"value\":1.0,\"date\":\"2026-04-20\"},{\"value\":0.44,\"date\":\"2026-08-01\"}]}",
       "find+btm_not_suppressed"},
      {"BTM: CTX fall 56.1% is a response",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-05-01\"}],\"labs\":{\"ctx\":[{\"value\":1.0,\"date\":\"2026-04-20\"},{\"value\":0.439,\"date\":\"2026-08-01\"}]}",
       "find-btm_not_suppressed"},
      {"BTM not judged on IV",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"zoledronic_acid\",\"start\":\"2026-05-01\"}],\"labs\":{\"p1np\":[{\"value\":100,\"date\":\"2026-04-20\"},{\"value\":95,\"date\":\"2026-07-01\"}]}",
       "find-btm_not_suppressed"},
      {"intolerance stop reason",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-01-01\",\"end\":\"2024-03-01\",\"stop_reason\":\"intolerance\"}]",
       "find+intolerance; fagent=intolerance/alendronate; avoid+alendronate/intolerance; avoid+risedronate/intolerance; "
       "avoid+ibandronate/intolerance; first=zoledronic_acid"},
      {"adverse event on denosumab",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2024-01-01\",\"end\":\"2024-06-01\",\"stop_reason\":\"adverse_event\"},{\"agent\":\"alendronate\",\"start\":\"2024-06-01\"}]",
       "find+intolerance; fagent=intolerance/denosumab; avoid+denosumab/intolerance; avoid-risedronate; action=continue; "
       "first=alendronate"},
      {"nonadherence to an earlier course does not switch the current one",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"risedronate\",\"start\":\"2022-01-01\",\"end\":\"2023-01-01\",\"stop_reason\":\"nonadherence\"},{\"agent\":\"alendronate\",\"start\":\"2025-01-01\"}]",
       "find+nonadherence; fagent=nonadherence/risedronate; action=continue; first=alendronate"},
      {"holiday oral: started exactly 5 years before", BMD1(-2.0) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2021-11-01\"}]",
       "find+holiday_due; action=holiday; intents=; mon=holiday_reassessment@2028-11-01; alert+bisphosphonate_holiday_review/info; goal-"},
      {"holiday oral: 5 years less a day", BMD1(-2.0) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2021-11-02\"}]",
       "find-holiday_due; action=continue"},
      {"holiday: T -2.5 remains high", BMD1(-2.5) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2020-01-01\"}]",
       "find+holiday_due; action=continue; first=alendronate"},
      {"holiday: fracture during the course",
       BMD1(-2.0) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2020-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2020-06-01\"}]",
       "find+holiday_due; action=continue"},
      {"holiday IV: started exactly 3 years before", BMD1(-2.0) ",\"therapies\":[{\"agent\":\"zoledronic_acid\",\"start\":\"2023-11-01\"}]",
       "find+holiday_due; action=holiday"},
      {"holiday IV: 3 years less a day", BMD1(-2.0) ",\"therapies\":[{\"agent\":\"zoledronic_acid\",\"start\":\"2023-11-02\"}]",
       "find-holiday_due; action=continue"},
      {"holiday IV 3 infusions", BMD1(-2.0) ",\"therapies\":[{\"agent\":\"zoledronic_acid\",\"start\":\"2024-11-02\",\"doses\":3}]",
       "find+holiday_due"},
      {"holiday IV 2 infusions", BMD1(-2.0) ",\"therapies\":[{\"agent\":\"zoledronic_acid\",\"start\":\"2024-11-02\",\"doses\":2}]",
       "find-holiday_due"},
  };
  RUN(c);
}

static void test_denosumab(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"last dose 7 months + 1 day before: overdue",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2023-01-01\",\"last_dose\":\"2026-03-31\"}]",
       "find+denosumab_overdue; action=continue; first=denosumab; alert+denosumab_overdue/critical; alert+denosumab_must_not_stop/info; "
       "mon=denosumab_next_dose@2026-11-01; overdue=denosumab_next_dose@2026-09-30"},
      {"last dose exactly 7 months before: not overdue, the next dose is",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2023-01-01\",\"last_dose\":\"2026-04-01\"}]",
       "find-denosumab_overdue; alert-denosumab_overdue; rule=denosumab_current; overdue=denosumab_next_dose@2026-10-01"},
      {"last dose 6 months before: next dose due today, not overdue",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2023-01-01\",\"last_dose\":\"2026-05-01\"}]",
       "mon=denosumab_next_dose@2026-11-01; overdue-denosumab_next_dose"},
      {"next dose clamps to the month end",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2023-01-01\",\"last_dose\":\"2026-08-31\"}]",
       "mon=denosumab_next_dose@2027-02-28"},
      {"no last dose: start counts",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2026-01-01\"}]", "find+denosumab_overdue"},
      {"stopped without follow-up",
       BMD1(-2.4) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2022-01-01\",\"end\":\"2025-12-01\"}]",
       "find+denosumab_stopped_without_followup; action=transition; first=zoledronic_acid; alert+denosumab_stopped_without_followup/critical; inphase-denosumab"},
      {"stopped, bisphosphonate started on the end date",
       BMD1(-2.4) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2022-01-01\",\"end\":\"2025-12-01\"},{\"agent\":\"zoledronic_acid\",\"start\":\"2025-12-01\",\"end\":\"2025-12-02\"}]",
       "find-denosumab_stopped_without_followup"},
      {"stopped, bisphosphonate started the day before the end",
       BMD1(-2.4) ",\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2022-01-01\",\"end\":\"2025-12-01\"},{\"agent\":\"zoledronic_acid\",\"start\":\"2025-11-30\",\"end\":\"2025-12-01\"}]",
       "find+denosumab_stopped_without_followup"},
      {"stopped with renal impairment: alendronate and zoledronic avoided",
       BMD1(-2.4) ",\"labs\":{\"egfr_ml_min\":32},\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2022-01-01\",\"end\":\"2025-12-01\"}]",
       "first=risedronate; avoid+zoledronic_acid/renal_impairment"},
      {"stopped and no bisphosphonate safe: resume denosumab (2026.12)",
       BMD1(-2.4) ",\"labs\":{\"egfr_ml_min\":20},\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2022-01-01\",\"end\":\"2025-12-01\"}]",
       "action=resume; first=denosumab; intents=antiresorptive; alert-no_safe_agent; alert+denosumab_stopped_without_followup/critical; "
       "avoid-denosumab; mon=denosumab_next_dose@2027-05-01; alert+denosumab_severe_ckd/warning; mon=calcium_check@2026-11-01"},
      {"current denosumab with low calcium: continue and correct",
       BMD1(-2.6) ",\"labs\":{\"calcium_mg_dl\":8.4},\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2025-01-01\",\"last_dose\":\"2026-07-01\"}]",
       "action=continue; avoid-denosumab; alert+hypocalcemia_correct_first/critical; mon=calcium_check@2026-11-01"},
      {"calcium 8.5 is not low",
       BMD1(-2.6) ",\"labs\":{\"calcium_mg_dl\":8.5},\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2025-01-01\",\"last_dose\":\"2026-07-01\"}]",
       "alert-hypocalcemia_correct_first"},
  };
  RUN(c);
}

/* ---- section 5: avoid ---------------------------------------------------- */
static void test_avoid(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"renal 35: nothing avoided", BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":35}",
       "avoid-alendronate; avoid-zoledronic_acid; first=alendronate; alert-renal_impairment"},
      {"renal 34.9", BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":34.9}",
       "avoid+alendronate/renal_impairment; avoid+zoledronic_acid/renal_impairment; avoid-risedronate; first=risedronate; alert+renal_impairment/info"},
      {"renal 30: risedronate allowed", BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":30}", "avoid-risedronate; avoid-ibandronate"},
      {"renal 29.9", BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":29.9}",
       "avoid+risedronate/renal_impairment; avoid+ibandronate/renal_impairment; first=denosumab; alert+denosumab_severe_ckd/warning"},
      {"lower of eGFR and CrCl counts", BMD1(-2.7) ",\"labs\":{\"egfr_ml_min\":60,\"creatinine_clearance_ml_min\":33}",
       "avoid+alendronate/renal_impairment"},
      {"Paget: PTH analogs avoided", BMD1(-3.2) ",\"conditions\":[{\"code\":\"paget_disease\"}]",
       "avoid+teriparatide/paget_disease; avoid+abaloparatide/paget_disease; first=romosozumab"},
      {"every anabolic avoided: high regimen",
       BMD1(-3.2) ",\"conditions\":[{\"code\":\"bone_metastases\"},{\"code\":\"stroke\",\"date\":\"2026-01-01\"}]",
       "risk=very_high; intents=antiresorptive; ph0=zoledronic_acid,denosumab,alendronate,risedronate"},
      {"hypercalcemia", BMD1(-3.2) ",\"conditions\":[{\"code\":\"hypercalcemia\"}]",
       "avoid+teriparatide/hypercalcemia; avoid+abaloparatide/hypercalcemia; alert+secondary_cause_workup/warning; calcium_hold+"},
      {"esophageal disorder: oral BPs avoided", BMD1(-2.7) ",\"conditions\":[{\"code\":\"esophageal_disorder\"}]",
       "avoid+alendronate/esophageal_disorder; avoid+risedronate; avoid+ibandronate; first=zoledronic_acid; mon-btm"},
      {"cannot stay upright", BMD1(-2.7) ",\"conditions\":[{\"code\":\"unable_to_remain_upright\"}]", "first=zoledronic_acid"},
      {"malabsorption", BMD1(-2.7) ",\"conditions\":[{\"code\":\"malabsorption\"}]", "avoid+alendronate/malabsorption"},
      {"hypocalcemia by calcium 8.4 no longer avoids (2026.12)", BMD1(-2.7) ",\"labs\":{\"calcium_mg_dl\":8.4}",
       "avoid-zoledronic_acid; avoid-denosumab; avoid-alendronate; first=alendronate; alert+hypocalcemia_correct_first/critical; "
       "mon=calcium_check@2026-11-01; calcium_hold-"},
      {"ONJ: all antiresorptives avoided -> teriparatide",
       BMD1(-2.7) ",\"conditions\":[{\"code\":\"osteonecrosis_of_jaw\"}]",
       "avoid+denosumab/osteonecrosis_of_jaw; avoid+zoledronic_acid/osteonecrosis_of_jaw; first=teriparatide; intents=anabolic; "
       "action=refer; alert+no_safe_followon/critical; alert-anabolic_followup_required; mon=specialist_referral@2026-11-01"},
      {"ONJ and Paget: no safe agent",
       BMD1(-2.7) ",\"conditions\":[{\"code\":\"atypical_femoral_fracture\"},{\"code\":\"paget_disease\"}]",
       "action=refer; alert+no_safe_agent/critical; intents=; mon=specialist_referral@2026-11-01"},
      {"VTE: raloxifene", BMD1(-2.7) ",\"conditions\":[{\"code\":\"venous_thromboembolism\"}]",
       "notrec+raloxifene/venous_thromboembolism; notrec+hormone_therapy/venous_thromboembolism"},
      {"raloxifene always not recommended", BMD1(-2.7), "notrec+raloxifene/not_recommended_for_osteoporosis; inphase-raloxifene"},
  };
  RUN(c);
}

/* ---- section 6: decision ------------------------------------------------- */
static void test_decision(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"naive high: oral BP and BTM at 3 months", BMD1(-2.7),
       "status=naive; action=start; first=alendronate; intents=antiresorptive; mon=btm@2027-02-01; mon=dxa@2028-10-01; "
       "mon=fracture_risk_review@2027-11-01; goal+; alert+dental_review/warning"},
      {"naive very high: anabolic then antiresorptive", BMD1(-3.1),
       "action=start; intents=anabolic,antiresorptive; first=romosozumab; months=12; alert+anabolic_followup_required/info; mon-btm; dis+romosozumab_vs_teriparatide_first"},
      {"off treatment, high", BMD1(-2.7) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2015-01-01\",\"end\":\"2020-01-01\"}]",
       "status=off_treatment; action=start; first=alendronate"},
      {"low: no drug", BMD1(-1.5), "action=no_drug_therapy; goal-; mon=dxa@2028-10-01"},
      {"unknown, woman 65: DXA now", "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":65,\"menopause\":\"post\"}",
       "action=assess; mon=dxa@2026-11-01"},
      {"unknown, woman 64: nothing", "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":64,\"menopause\":\"post\"}",
       "action=no_drug_therapy; mon-dxa"},
      {"unknown, man 70: DXA", "{\"as_of\":\"2026-11-01\",\"sex\":\"male\",\"age\":70}", "action=assess"},
      {"unknown, man 69: nothing", "{\"as_of\":\"2026-11-01\",\"sex\":\"male\",\"age\":69}", "action=no_drug_therapy"},
      {"unknown, fracture: DXA",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":55,\"menopause\":\"post\",\"fractures\":[{\"site\":\"rib\",\"date\":\"2025-01-01\"}]}",
       "action=assess; mon=dxa@2026-11-01"},
      {"unknown, aromatase inhibitor: DXA",
       "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":55,\"menopause\":\"post\",\"medications\":[{\"class\":\"aromatase_inhibitor\",\"start\":\"2025-01-01\"}]}",
       "action=assess"},
      {"failure on glucocorticoids, IV BP first",
       BMD1(-2.7) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2020-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2024-01-01\"}],"
       "\"medications\":[{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":5,\"start\":\"2023-01-01\"}]",
       "action=switch; rule=bisphosphonate_failure_glucocorticoid; ph0=zoledronic_acid; inphase-teriparatide; intents=antiresorptive; dxgc+"},
      {"failure on IV BP (not oral): teriparatide first",
       BMD1(-2.7) ",\"therapies\":[{\"agent\":\"zoledronic_acid\",\"start\":\"2020-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2024-01-01\"}],"
       "\"medications\":[{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":5,\"start\":\"2023-01-01\"}]",
       "rule=bisphosphonate_failure; ph0=teriparatide,romosozumab; ph1=denosumab,alendronate,risedronate; "
       "avoid+zoledronic_acid/treatment_failure"},
      {"failure follow-on starts with denosumab",
       BMD1(-2.7) ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2020-01-01\"}],\"fractures\":[{\"site\":\"rib\",\"date\":\"2024-01-01\"}]",
       "intents=anabolic,antiresorptive; inphase-alendronate; ph1=denosumab,zoledronic_acid,risedronate"},
      {"raloxifene, high risk: switch", BMD1(-2.7) ",\"therapies\":[{\"agent\":\"raloxifene\",\"start\":\"2024-01-01\"}]",
       "action=switch; first=alendronate; dis+estrogen_raloxifene; rule=serm_or_hormone_switch"},
      {"raloxifene, low risk: continue", BMD1(-1.5) ",\"therapies\":[{\"agent\":\"raloxifene\",\"start\":\"2024-01-01\"}]",
       "action=continue; first=raloxifene; notrec+raloxifene"},
      {"hormone therapy, very high: switch to anabolic", BMD1(-3.3) ",\"therapies\":[{\"agent\":\"hormone_therapy\",\"start\":\"2024-01-01\"}]",
       "action=switch; first=romosozumab"},
      {"anabolic ended, followed by denosumab: no gap",
       BMD1(-2.6) ",\"therapies\":[{\"agent\":\"teriparatide\",\"start\":\"2022-01-01\",\"end\":\"2024-01-01\"},{\"agent\":\"denosumab\",\"start\":\"2024-01-01\",\"last_dose\":\"2026-07-01\"}]",
       "find-anabolic_ended_without_followup; rule=denosumab_current"},
      {"continue BP with no failure", BMD1(-2.7) ",\"therapies\":[{\"agent\":\"risedronate\",\"start\":\"2024-01-01\"}]",
       "action=continue; first=risedronate; mon-btm; goal+"},
      {"gi intolerance condition switches the oral BP",
       BMD1(-2.7) ",\"conditions\":[{\"code\":\"gi_intolerance_oral_bisphosphonate\"}],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2026-05-01\"}]",
       "action=switch; first=zoledronic_acid; avoid+alendronate/gi_intolerance_oral_bisphosphonate; inphase-risedronate"},
  };
  RUN(c);
}

/* ---- sections 7 to 9 ----------------------------------------------------- */
static void test_alerts_and_extras(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"vitamin D 19.9", BMD1(-2.7) ",\"labs\":{\"vitamin_d_ng_ml\":19.9}", "alert+vitamin_d_insufficient/warning"},
      {"vitamin D 20", BMD1(-2.7) ",\"labs\":{\"vitamin_d_ng_ml\":20}", "alert-vitamin_d_insufficient"},
      {"two falls", BMD1(-2.7) ",\"falls_past_year\":2", "alert+fall_risk/info"},
      {"one fall", BMD1(-2.7) ",\"falls_past_year\":1", "alert-fall_risk"},
      {"high fall risk condition", BMD1(-2.7) ",\"conditions\":[{\"code\":\"high_fall_risk\"}]", "alert+fall_risk/info"},
      {"thigh pain on a BP", BMD1(-2.7) ",\"conditions\":[{\"code\":\"thigh_or_groin_pain\"}],\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-01-01\"}]",
       "alert+atypical_femoral_fracture_symptoms/warning"},
      {"thigh pain, never treated", BMD1(-2.7) ",\"conditions\":[{\"code\":\"thigh_or_groin_pain\"}]",
       "alert-atypical_femoral_fracture_symptoms"},
      {"dental surgery after denosumab", BMD1(-2.7) ",\"conditions\":[{\"code\":\"dental_surgery_planned\"}],\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2024-01-01\",\"last_dose\":\"2026-07-01\"}]",
       "alert+dental_review/warning"},
      {"jaw pain, no course, nothing started", BMD1(-1.5) ",\"conditions\":[{\"code\":\"jaw_pain\"}]", "alert-dental_review"},
      {"vitamin D disagreement in scope", BMD1(-2.7), "dis+vitamin_d_dose"},
      {"teriparatide disagreement", BMD1(-3.2) ",\"conditions\":[{\"code\":\"stroke\"}]", "dis+teriparatide_duration"},
      {"no teriparatide, no disagreement", BMD1(-2.7), "dis-teriparatide_duration; dis-romosozumab_vs_teriparatide_first"},
  };
  RUN(c);
}

/* ---- validation of the record -------------------------------------------- */
static void test_validation(void **s) {
  (void)s;
  static const rule_case c[] = {
      {"unknown field", "\"tscore\":-2", "error=tscore"},
      {"unknown nested field", "\"bmd\":[" LS(-2.0, "2026-01-01") ",{\"site\":\"total_hip\",\"t\":-2,\"date\":\"2026-01-01\"}]",
       "error=bmd[1].t"},
      {"extensions are ignored", "\"extensions\":{\"anything\":[1,{\"deep\":true}]}", "dx=unknown"},
      {"impossible date", "\"bmd\":[" LS(-2.0, "2026-02-29") "]", "error=bmd[0].date"},
      {"leap day is fine", "\"bmd\":[" LS(-2.0, "2024-02-29") "]", "dx=osteopenia"},
      {"date after as_of", "\"bmd\":[" LS(-2.0, "2026-11-02") "]", "error=bmd[0].date"},
      {"date on as_of", "\"bmd\":[" LS(-2.0, "2026-11-01") "]", "dx=osteopenia"},
      {"t_score -8.1", "\"bmd\":[" LS(-8.1, "2026-01-01") "]", "error=bmd[0].t_score"},
      {"t_score -8", "\"bmd\":[" LS(-8, "2026-01-01") "]", "dx=osteoporosis"},
      {"bmd_g_cm2 0.09", "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2,\"bmd_g_cm2\":0.09,\"date\":\"2026-01-01\"}]",
       "error=bmd[0].bmd_g_cm2"},
      {"frax 100.1", "\"frax\":{\"major_osteoporotic_pct\":100.1}", "error=frax.major_osteoporotic_pct"},
      {"end before start", "\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-01-01\",\"end\":\"2023-12-31\"}]",
       "error=therapies[0].end"},
      {"end after as_of is current", "\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-01-01\",\"end\":\"2027-01-01\"}]," BMD1(-2.6),
       "status=on_treatment; action=continue"},
      {"unknown agent", "\"therapies\":[{\"agent\":\"calcitonin\",\"start\":\"2024-01-01\"}]", "error=therapies[0].agent"},
      {"missing start", "\"therapies\":[{\"agent\":\"alendronate\"}]", "error=therapies[0]"},
      {"unknown condition", "\"conditions\":[{\"code\":\"gout\"}]", "error=conditions[0].code"},
      {"wrong type", "\"falls_past_year\":\"two\"", "error=falls_past_year"},
      {"fractional falls", "\"falls_past_year\":1.5", "error=falls_past_year"},
      {"duplicate key", "\"sex\":\"male\"", "error=sex"},
      {"missing sex", "{\"as_of\":\"2026-11-01\",\"age\":70}", "error=sex"},
      {"missing age", "{\"as_of\":\"2026-11-01\",\"sex\":\"female\"}", "error=birth_date"},
      {"age and birth date disagree", "\"age\":60", "error=age"},
      {"menopause for a man", "{\"as_of\":\"2026-11-01\",\"sex\":\"male\",\"age\":70,\"menopause\":\"post\"}", "error=menopause"},
      {"fracture date and year", "\"fractures\":[{\"site\":\"hip\",\"date\":\"2020-01-01\",\"year\":2020}]", "error=fractures[0]"},
      {"fracture year in the future", "\"fractures\":[{\"site\":\"hip\",\"year\":2027}]", "error=fractures[0].year"},
      {"last dose before start",
       "\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2024-01-01\",\"last_dose\":\"2023-01-01\"}]",
       "error=therapies[0].last_dose"},
      {"labs wrong type", "\"labs\":{\"egfr_ml_min\":\"low\"}", "error=labs.egfr_ml_min"},
      {"marker without date", "\"labs\":{\"p1np\":[{\"value\":3}]}", "error=labs.p1np[0]"},
      {"smoker not a bool", "\"lifestyle\":{\"smoker\":\"yes\"}", "error=lifestyle.smoker"},
      {"smoker: cessation", BMD1(-2.7) ",\"lifestyle\":{\"smoker\":true}", "dx=osteoporosis"},
      {"not an object", "[1,2]", "error="},
      {"number overflow", "\"weight_kg\":1e999", "error=weight_kg"},
      {"-0 is zero", "\"falls_past_year\":-0", "dx=unknown"},
      {"weight 0.4 kg", "\"weight_kg\":0.4", "error=weight_kg"},
      {"height 281 cm", "\"height_cm\":281", "error=height_cm"},
      {"fracture year 1899", "\"fractures\":[{\"site\":\"hip\",\"year\":1899}]", "error=fractures[0].year"},
  };
  RUN(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_diagnosis),
      cmocka_unit_test(test_risk_frax),
      cmocka_unit_test(test_risk_very_high),
      cmocka_unit_test(test_exposures),
      cmocka_unit_test(test_findings),
      cmocka_unit_test(test_findings_btm_course),
      cmocka_unit_test(test_denosumab),
      cmocka_unit_test(test_avoid),
      cmocka_unit_test(test_decision),
      cmocka_unit_test(test_alerts_and_extras),
      cmocka_unit_test(test_validation),
  };
  return cmocka_run_group_tests_name("rules", tests, harness_setup, harness_teardown);
}
