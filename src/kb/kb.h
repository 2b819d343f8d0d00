/*
** kb.h: the knowledge base: every clinical number, order, text and source.
**
** The knowledge base is a set of reviewable text files: kb/common/ *.ini,
** shared by every profile, and kb/profiles/NAME/ *.ini, one profile's
** numbers and rules. The build compiles the copy under kb/ (common/ and every
** profile) into the binary (kb_embedded.c); --kb DIR loads another copy and
** --profile NAME picks the profile. Either way kb_load() checks the whole thing (unknown
** sections, keys and codes, missing texts, numbers of the wrong type, sources
** that do not exist) and rejects it with file:line and what is wrong.
**
** A loaded op_kb is immutable and shared by every thread; it is freed with
** kb_free().
*/
#ifndef OSTEO_KB_H
#define OSTEO_KB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"

/* Every number the rules use: X(id, section, key). */
#define OP_THRESHOLD_LIST(X)                                                  \
  X(T_OSTEOPOROSIS, "diagnosis", "t_score_osteoporosis")                      \
  X(T_LOW_BONE_MASS, "diagnosis", "t_score_low_bone_mass")                    \
  X(SCOPE_AGE_WOMEN, "scope", "min_age_women_without_menopause_status")       \
  X(SCOPE_AGE_MEN, "scope", "min_age_men")                                    \
  X(FRAX_MOF_HIGH, "risk", "frax_major_high_pct")                             \
  X(FRAX_HIP_HIGH, "risk", "frax_hip_high_pct")                               \
  X(FRAX_MOF_VERY_HIGH, "risk", "frax_major_very_high_pct")                   \
  X(FRAX_HIP_VERY_HIGH, "risk", "frax_hip_very_high_pct")                     \
  X(T_VERY_LOW, "risk", "t_score_very_low")                                   \
  X(RECENT_FRACTURE_MONTHS, "risk", "recent_fracture_months")                 \
  X(MULTIPLE_FRACTURES, "risk", "multiple_fractures_count")                   \
  X(FX_ON_THERAPY_MONTHS, "risk", "fracture_on_therapy_after_months")         \
  X(AGE_VERY_HIGH, "risk", "age_very_high")                                   \
  X(PTH_LIMIT_MONTHS, "exposure", "pth_analog_lifetime_months")               \
  X(ROMO_LIMIT_DOSES, "exposure", "romosozumab_course_doses")                 \
  X(GC_DOSE_MG, "exposure", "glucocorticoid_dose_mg_per_day")                 \
  X(GC_MONTHS, "exposure", "glucocorticoid_months")                           \
  X(IMMUNOSUPPRESSIVE_AGENTS, "exposure", "immunosuppressive_agents")         \
  X(MI_STROKE_MONTHS, "exposure", "mi_or_stroke_months")                      \
  X(BMD_LOSS_PCT_YEAR, "findings", "bmd_loss_pct_per_year")                   \
  X(BMD_LOSS_MIN_MONTHS, "findings", "bmd_loss_min_months")                   \
  X(TARGET_COURSE_MONTHS, "findings", "target_course_months")                 \
  X(TARGET_BASELINE_AFTER_MONTHS, "findings", "target_baseline_after_start_months") \
  X(TARGET_GAIN_HIP, "findings", "target_gain_total_hip")                     \
  X(TARGET_GAIN_SPINE, "findings", "target_gain_lumbar_spine")                \
  X(BTM_FROM_MONTHS, "findings", "btm_window_from_months")                    \
  X(BTM_TO_MONTHS, "findings", "btm_window_to_months")                        \
  X(P1NP_FALL_PCT, "findings", "p1np_fall_pct")                               \
  X(CTX_FALL_PCT, "findings", "ctx_fall_pct")                                 \
  X(HOLIDAY_ORAL_YEARS, "findings", "holiday_oral_years")                     \
  X(HOLIDAY_IV_YEARS, "findings", "holiday_iv_years")                         \
  X(HOLIDAY_IV_INFUSIONS, "findings", "holiday_iv_infusions")                 \
  X(DMAB_OVERDUE_MONTHS, "findings", "denosumab_overdue_months")              \
  X(CALCIUM_LOW, "avoid", "calcium_low_mg_dl")                                \
  X(CALCIUM_HIGH, "avoid", "calcium_high_mg_dl")                              \
  X(GC_HIGH_DOSE_MG, "exposure", "glucocorticoid_high_dose_mg_per_day")       \
  X(GC_HIGH_DOSE_MONTHS, "exposure", "glucocorticoid_high_dose_months")       \
  X(GC_VERY_HIGH_DOSE_MG, "exposure", "glucocorticoid_very_high_dose_mg_per_day") \
  X(GC_VERY_HIGH_DOSE_DAYS, "exposure", "glucocorticoid_very_high_dose_days") \
  X(LAB_CURRENT_MONTHS, "alerts", "baseline_lab_current_months")              \
  X(DMAB_SEVERE_CKD_RENAL, "alerts", "denosumab_severe_ckd_ml_min")           \
  X(DMAB_INTERVAL_MONTHS, "decision", "denosumab_interval_months")            \
  X(HOLIDAY_REASSESS_MONTHS, "decision", "holiday_reassessment_months")       \
  X(VITD_INSUFFICIENT, "alerts", "vitamin_d_insufficient_ng_ml")              \
  X(RENAL_ALERT, "alerts", "renal_impairment_ml_min")                         \
  X(FALLS_ALERT, "alerts", "falls_past_year")                                 \
  X(DXA_INTERVAL_MONTHS, "monitoring", "dxa_interval_months")                 \
  X(RISK_REVIEW_MONTHS, "monitoring", "fracture_risk_review_months")          \
  X(BTM_AFTER_MONTHS, "monitoring", "btm_after_months")                       \
  X(TESTING_AGE_WOMEN, "monitoring", "bmd_testing_age_women")                 \
  X(TESTING_AGE_MEN, "monitoring", "bmd_testing_age_men")                     \
  X(GOAL_REVIEW_MONTHS, "goal", "review_months")                              \
  X(GOAL_T_TARGET, "goal", "t_score_target")                                  \
  X(DXCODE_NO_FRACTURE_MONTHS, "diagnosis_codes", "no_fragility_fracture_months") \
  X(CALCIUM_MG_MIN, "supplements", "calcium_mg_per_day_min")                  \
  X(CALCIUM_MG_MAX, "supplements", "calcium_mg_per_day_max")                  \
  X(VITD_IU_MIN, "supplements", "vitamin_d_iu_per_day_min")                   \
  X(VITD_IU_MAX, "supplements", "vitamin_d_iu_per_day_max")                   \
  X(VITD_TARGET, "supplements", "vitamin_d_target_ng_ml")                     \
  X(ALCOHOL_UNITS_MAX, "lifestyle", "alcohol_units_per_day_max")              \
  X(ALT_FRAX_MOF_VERY_HIGH, "disagreements", "frax_major_very_high_pct_other") \
  X(ALT_FRAX_HIP_VERY_HIGH, "disagreements", "frax_hip_very_high_pct_other")  \
  X(ALT_T_VERY_LOW, "disagreements", "t_score_very_low_other")                \
  X(ALT_RECENT_FRACTURE_MONTHS, "disagreements", "recent_fracture_months_other") \
  X(ALT_TERIPARATIDE_MIN_MONTHS, "disagreements", "teriparatide_months_other") \
  X(V_T_MIN, "validation", "t_score_min")                                     \
  X(V_T_MAX, "validation", "t_score_max")                                     \
  X(V_BMD_MIN, "validation", "bmd_g_cm2_min")                                 \
  X(V_BMD_MAX, "validation", "bmd_g_cm2_max")                                 \
  X(V_FRAX_MIN, "validation", "frax_pct_min")                                 \
  X(V_FRAX_MAX, "validation", "frax_pct_max")                                 \
  X(V_AGE_MAX, "validation", "age_max")                                       \
  X(V_WEIGHT_MIN, "validation", "weight_kg_min")                              \
  X(V_WEIGHT_MAX, "validation", "weight_kg_max")                              \
  X(V_HEIGHT_MIN, "validation", "height_cm_min")                              \
  X(V_HEIGHT_MAX, "validation", "height_cm_max")                              \
  X(V_FRACTURE_YEAR_MIN, "validation", "fracture_year_min")                   \
  X(V_DOSES_MAX, "validation", "doses_max")                                   \
  X(V_FALLS_MAX, "validation", "falls_past_year_max")                         \
  X(V_LIST_MAX, "validation", "list_entries_max")

#define OP_TH_ITEM(id, sec, key) OP_TH_##id,
typedef enum { OP_THRESHOLD_LIST(OP_TH_ITEM) OP_N_TH } op_th_t;
#undef OP_TH_ITEM

/* Regimen preference orders: X(id, key). */
#define OP_REGIMEN_LIST(X)                                       \
  X(ANTIRESORPTIVE_FOLLOWON, "antiresorptive_followon")          \
  X(DENOSUMAB_FOLLOWON, "after_denosumab")                       \
  X(VERY_HIGH_ANABOLIC, "very_high_anabolic")                    \
  X(HIGH_ANTIRESORPTIVE, "high_antiresorptive")                  \
  X(HIGH_FALLBACK, "high_when_no_antiresorptive")                \
  X(FAILURE_ANABOLIC, "failure_anabolic")                        \
  X(FAILURE_FOLLOWON_FIRST, "failure_followon_first")            \
  X(FAILURE_GLUCOCORTICOID, "failure_glucocorticoid_oral")       \
  X(ORAL_UNSUITABLE, "oral_bisphosphonate_unsuitable")           \
  X(TARGET_ANABOLIC, "target_not_met_anabolic")                 \
  X(VERY_HIGH_INJECTABLE, "very_high_when_no_anabolic")          \
  X(FAILURE_GIOP_ANABOLIC, "failure_glucocorticoid_anabolic")    \
  X(FAILURE_GIOP_LAST, "failure_glucocorticoid_last")            \
  X(FOLLOWON_AFTER_DENOSUMAB_SWITCH, "followon_after_denosumab_then_anabolic") \
  X(DENOSUMAB_RESUME, "denosumab_resume")

#define OP_RG_ITEM(id, key) OP_RG_##id,
typedef enum { OP_REGIMEN_LIST(OP_RG_ITEM) OP_N_RG } op_rg_t;
#undef OP_RG_ITEM

/* The agents are knowledge-base data ([agent.X] of agents.ini, in file
** order): an agent is an index into kb->agent, its record code is
** kb->agent_code[i]. OP_MAX_AGENTS bounds the arrays that hold agents; the
** loader refuses more. Agent sets are bit masks of an unsigned. */
#define OP_MAX_AGENTS 16
_Static_assert(OP_MAX_AGENTS <= 32, "agent sets are bits of an unsigned (avoid_agents)");
#define OP_MAX_ROUTES 8

/* Which holiday review applies to a current course (agents.ini drug_holiday). */
#define OP_HOLIDAY_LIST(X) X(HOLIDAY_NONE, "no") X(HOLIDAY_ORAL, "oral") X(HOLIDAY_IV, "intravenous")
OP_DECLARE_CODES(holiday, OP_HOLIDAY_LIST)

/* Headings and fixed messages of the renderings ([ui.<key>] in texts.ini). */
#define OP_UI_LIST(X)                                                       \
  X(UI_TITLE, "title") X(UI_DECISION, "decision") X(UI_WHY, "why")          \
  X(UI_FINDINGS, "findings") X(UI_AVOID, "avoid")                           \
  X(UI_NOT_RECOMMENDED, "not_recommended") X(UI_ALERTS, "alerts")           \
  X(UI_MONITORING, "monitoring") X(UI_SUPPLEMENTS, "supplements")           \
  X(UI_LIFESTYLE, "lifestyle") X(UI_GOAL, "goal")                           \
  X(UI_DISAGREEMENTS, "disagreements") X(UI_SOURCES, "sources")             \
  X(UI_KNOWLEDGE_BASE, "knowledge_base") X(UI_THEN, "then")                 \
  X(UI_OR, "alternatives") X(UI_OPEN_ENDED, "open_ended")                   \
  X(UI_MONTHS, "months") X(UI_DUE, "due") X(UI_NONE, "none")                \
  X(UI_CALCIUM, "calcium") X(UI_VITAMIN_D, "vitamin_d")                     \
  X(UI_NEVER_STOP_DENOSUMAB, "never_stop_denosumab")                        \
  X(UI_REPORT_PAIN, "report_thigh_groin_jaw_pain")                          \
  X(UI_DENTIST, "dentist_before_dental_surgery")                            \
  X(UI_DO_NOT_START_STOP, "do_not_start_or_stop")                           \
  X(UI_DIAGNOSIS, "diagnosis") X(UI_RISK, "risk") X(UI_STATUS, "status")    \
  X(UI_PATIENT, "patient") X(UI_AGE, "age") X(UI_LOWEST_T, "lowest_t_score") \
  X(UI_DIAGNOSIS_CODES, "diagnosis_codes") X(UI_APPLIED, "applied")         \
  X(UI_FOLLOW_WITH, "follow_with") X(UI_NO_PHASES, "no_phases")             \
  X(UI_INPUT_NOTES, "input_notes") X(UI_DXA_FIRST, "dxa_first") X(UI_DISCLAIMER, "disclaimer")         \
  X(UI_BEST_CHOICE, "best_choice") X(UI_SOURCES_NOTE, "sources_note")   \
  X(UI_TESTING_AGE, "testing_age") X(UI_TESTING_FRACTURE, "testing_fracture") \
  X(UI_TESTING_GLUCOCORTICOID, "testing_glucocorticoid")                    \
  X(UI_TESTING_HORMONAL, "testing_hormonal") X(UI_TESTING_NONE, "testing_none") \
  X(UI_REMINDER, "reminder") X(UI_INCOMPLETE_INPUT, "incomplete_input")     \
  X(UI_PATIENT_LINE, "patient_line") X(UI_FEMALE, "female") X(UI_MALE, "male") \
  X(UI_MRN, "mrn")                                                         \
  X(UI_PHASE_LINE, "phase_line") X(UI_REASONS_JOIN, "reasons_join")         \
  X(UI_VITAMIN_D_RANGE, "vitamin_d_range") X(UI_KB_LINE, "knowledge_base_line") \
  X(UI_LANGUAGE, "language") X(UI_KB_NOT_REVIEWED, "kb_not_reviewed")     \
  X(UI_URGENT, "urgent") X(UI_DUE_NOW, "due_now")                           \
  X(UI_ASSESS_HAS_BMD, "assess_has_bmd") X(UI_UNKNOWN_HAS_BMD, "unknown_has_bmd") \
  X(UI_HOW_TO_TAKE, "how_to_take") X(UI_OR_JOIN, "or_join") X(UI_RISK_LOW_URGENT, "risk_low_urgent")
OP_DECLARE_CODES(ui, OP_UI_LIST)

/* Safety reminders a plan carries (engine/reminders.c decides who hears
** which; the renderings print them): X(id, code, its words in [ui.X]). */
#define OP_REMINDER_LIST(X)                                                 \
  X(RM_NEVER_STOP, "never_stop_without_followon", UI_NEVER_STOP_DENOSUMAB)  \
  X(RM_REPORT_PAIN, "report_thigh_groin_jaw_pain", UI_REPORT_PAIN)          \
  X(RM_DENTIST, "dentist_before_dental_surgery", UI_DENTIST)                \
  X(RM_DO_NOT_START_STOP, "do_not_start_or_stop", UI_DO_NOT_START_STOP)
#define OP_RM_ITEM(id, str, ui) OP_##id,
typedef enum { OP_REMINDER_LIST(OP_RM_ITEM) OP_N_reminder } op_reminder_t;
#undef OP_RM_ITEM
extern const char *const op_reminder_str[OP_N_reminder];
extern const op_ui_t op_reminder_ui[OP_N_reminder];

/* Phrases the engine and the CDS cards fill with the patient's values
** inside a larger text ([phrase.<key>] in texts.ini; clinician wording). */
#define OP_PHRASE_LIST(X)                                                          \
  X(PH_COURSE_SINCE, "course_since") X(PH_FRACTURE_AFTER_START, "fracture_after_start") \
  X(PH_BMD_FALLING, "bmd_falling") X(PH_TARGET_GAIN, "target_gain")                \
  X(PH_LOWEST_T_AND_RISK, "lowest_t_and_risk") X(PH_LAST_DOSE_AGO, "last_dose_ago") \
  X(PH_STOPPED_AGO, "stopped_ago") X(PH_ANABOLIC_ENDED, "anabolic_ended")          \
  X(PH_CALCIUM_LOW, "calcium_low") X(PH_GLUCOCORTICOID_SINCE, "glucocorticoid_since") \
  X(PH_FALLS_PAST_YEAR, "falls_past_year") X(PH_IMMUNOSUPPRESSIVE_COUNT, "immunosuppressive_count") \
  X(PH_UNDATED_RECENT, "undated_recent") X(PH_CARD_THEN, "card_then")              \
  X(PH_CARD_AVOID, "card_avoid") X(PH_CARD_NOT_RECOMMENDED, "card_not_recommended") \
  X(PH_CARD_ALLOWED, "card_allowed") X(PH_CARD_NO_PLAN, "card_no_plan")           \
  X(PH_CARD_UNRESOLVED, "card_unresolved") X(PH_SEARCH_MORE_PAGES, "search_more_pages") \
  X(PH_SEARCH_FAILED, "search_failed") X(PH_SEARCH_TOO_DEEP, "search_too_deep")       \
  X(PH_CARD_ORDER, "card_order") X(PH_CARD_REPLACE, "card_replace")                 \
  X(PH_CONDITION_DATED, "condition_dated") X(PH_FRAX_THRESHOLDS, "frax_thresholds") \
  X(PH_P1NP_FELL, "p1np_fell") X(PH_CTX_FELL, "ctx_fell")                           \
  X(PH_NO_SAFE_AGENT_ITEM, "no_safe_agent_item") X(PH_GOAL_LINE, "goal_line")     \
  X(PH_GOAL_LINE_NO_TARGET, "goal_line_no_target")                                 \
  X(PH_SOURCE_FILE, "source_file") X(PH_SOURCE_UPDATED, "source_updated")           \
  X(PH_SOURCE_REVIEW, "source_review")                                              \
  X(PH_SERVICE_PATIENT_VIEW_TITLE, "service_patient_view_title")                    \
  X(PH_SERVICE_PATIENT_VIEW_DESCRIPTION, "service_patient_view_description")        \
  X(PH_SERVICE_ORDER_SIGN_TITLE, "service_order_sign_title")                        \
  X(PH_SERVICE_ORDER_SIGN_DESCRIPTION, "service_order_sign_description")            \
  X(PH_CARD_SOURCE, "card_source") X(PH_CARD_CREATE, "card_create")                \
  /* the engine's phrases of profile 2026.12 */                                     \
  X(PH_CALCIUM_HIGH, "calcium_high") X(PH_STOPPED_BISPHOSPHONATE, "start_bisphosphonate") \
  X(PH_RESUME_DENOSUMAB, "resume_denosumab") X(PH_LAB_MISSING, "lab_missing")       \
  X(PH_LAB_OUTDATED, "lab_outdated") X(PH_REPLETE_FIRST, "replete_before_first_dose") \
  X(PH_REPLETE_VITAMIN_D, "replete_vitamin_d") X(PH_STOP_ITEM, "stop_item")           \
  X(PH_LAB_RENAL, "lab_renal") X(PH_LAB_CALCIUM, "lab_calcium")                     \
  X(PH_LAB_VITAMIN_D, "lab_vitamin_d") X(PH_RENAL_BELOW, "renal_below")             \
  X(PH_DXA_AT_ANABOLIC_END, "dxa_at_anabolic_end") \
  X(PH_BEFORE_STARTING, "before_starting")
OP_DECLARE_CODES(phrase, OP_PHRASE_LIST)

/* The worklist's headings and fixed words (osteoplan worklist: CSV, XLSX,
** HTML report; [worklist.<key>] in texts.ini, clinician wording). */
#define OP_WLTEXT_LIST(X)                                                           \
  X(WL_PATIENT_ID, "patient_id") X(WL_NAME, "name") X(WL_MRN, "mrn")               \
  X(WL_AGE, "age") X(WL_SEX, "sex") X(WL_RISK, "risk") X(WL_ACTION, "action")      \
  X(WL_FIRST_AGENT, "first_agent") X(WL_NEXT_DUE, "next_due") X(WL_GAPS, "gaps")   \
  X(WL_REASON, "reason") X(WL_GAPS_JOIN, "gaps_join") X(WL_TITLE, "title")         \
  X(WL_SUMMARY, "summary") X(WL_BY_GAP, "by_gap") X(WL_BY_RISK, "by_risk")         \
  X(WL_BY_ACTION, "by_action") X(WL_RATES, "rates") X(WL_LIST, "list")             \
  X(WL_FILTER, "filter") X(WL_ALL, "all") X(WL_NUMERATOR, "numerator")             \
  X(WL_DENOMINATOR, "denominator") X(WL_RATE, "rate")                               \
  X(WL_RATE_FRACTURE_TREATED, "rate_fracture_treated")                               \
  X(WL_RATE_HIGH_RISK_TREATED, "rate_high_risk_treated")                             \
  X(WL_RATE_IN_SCOPE_LISTED, "rate_in_scope_listed") X(WL_NONE, "none")              \
  X(WL_SORT_HINT, "sort_hint") X(WL_KB, "knowledge_base") X(WL_AS_OF, "as_of")
OP_DECLARE_CODES(wltext, OP_WLTEXT_LIST)

#define OP_MAX_SOURCES 32
typedef uint32_t op_srcset; /* bit i = kb->sources[i] */
_Static_assert(OP_MAX_SOURCES <= 8 * sizeof(op_srcset), "a set of sources holds one bit per source");

typedef struct {
  const char *id, *title, *file, *updated, *review, *kind;
  uint32_t rests_on; /* a set of other sources (bit i = sources[i]) */
} kb_source;

typedef struct {
  const char *clinician, *patient; /* names or messages in two audiences */
  const char *detail;              /* template with {placeholders}, or NULL */
  op_srcset sources;
  int severity; /* alerts only */
} kb_text;

/* One code of a code list ([order.X], [route.X] snomed): code NULL when
** none was verified; display NULL when the code was verified but not its
** exact name (an order then writes the code alone). */
typedef struct {
  const char *code, *display;
  op_srcset sources;
} kb_coding;

/* How a MedicationRequest orders an agent ([order.X] of agents.ini); each
** part optional: what is absent is written as words only. */
typedef struct {
  kb_coding rx_in, rx_scd, rx_sbd, atc; /* RxNorm ingredient, clinical drug, branded drug; ATC */
  double dose_value;                    /* when dose_ucum is not NULL */
  const char *dose_ucum, *dose_unit;    /* UCUM code; the unit as the dose's words write it */
  op_srcset dose_sources;
  int frequency;           /* FHIR Timing.repeat: frequency times per period period_unit */
  double period;
  const char *period_unit; /* d, wk, mo or a; NULL: no structured timing */
  op_srcset timing_sources;
} kb_rx;

typedef struct {
  const char *clinician, *patient; /* words for the route ([route.X]) */
  kb_coding snomed;                /* its SNOMED CT code, or code NULL */
} kb_route;

/* The labs an agent needs known first (agents.ini baseline_labs). */
enum { OP_LAB_RENAL, OP_LAB_CALCIUM, OP_LAB_VITAMIN_D, OP_N_LAB };

/* An agent and the flags the rules read (agents.ini explains each). */
typedef struct {
  int intent;
  const char *cls;   /* class code: intolerance_rules_out_class groups by it */
  int route_code;    /* index in kb->route */
  const char *route, *dose, *frequency; /* route: the route's clinician words */
  double max_months;   /* < 0: open-ended */
  double renal_min;    /* < 0: no renal cut-off */
  const char *name, *patient_name, *patient_how;
  op_srcset sources;
  bool bisphosphonate, intolerance_rules_out_class, response_checked_by_btm;
  bool parenteral_after_failure_in_giop, bone_turnover_monitoring;
  bool rebound_when_stopped, jaw_and_femur_risk, pth_lifetime_limit, course_dose_limit;
  bool failure_judged, followon, vitamin_d_before_first_dose, severe_ckd_warning;
  bool cardiovascular_check_before_start, dental_review_at_start;
  unsigned baseline_labs; /* bit OP_LAB_*: needed before a start or a course */
  int drug_holiday;          /* op_holiday_t */
  int correct_calcium_first; /* 0: no; else the rank among such agents */
  int disagreement_if_taken, disagreement_if_offered, disagreement_if_offered_with; /* -1: none */
  kb_rx rx; /* how an order codes and doses it ([order.X]) */
} kb_agent;

typedef struct {
  int n;
  int agents[OP_MAX_AGENTS];
} kb_order;

typedef struct {
  int n_reasons;
  int reasons[OP_N_reason];
  op_srcset sources;
  /* bit r: reason r holding for the agent of a current course does not stop
  ** it (another rule handles it, or stopping is the danger); agents.ini
  ** keep_current. Every other reason stops it (default-profile.md rule 0). */
  uint32_t keep_current;
} kb_avoid_rule;
_Static_assert(OP_N_reason <= 32, "keep_current holds one bit per reason");

typedef struct {
  int n;
  const char *source[4], *statement[4];
  const char *topic; /* what it is about, in clinician words */
  const char *applied;
  const char *patient;
} kb_disagreement;

typedef struct {
  const char *system, *code;
} kb_dxcode;

/* A plan code of any kind, as care gaps name them ("finding:holiday_due"). */
typedef enum { GK_ACTION, GK_RULE, GK_RISK, GK_CRITERION, GK_FINDING, GK_ALERT } op_gap_kind;
typedef struct {
  int kind, code;
} kb_plan_code;

#define OP_MAX_GAPS 32
_Static_assert(OP_MAX_GAPS <= 32, "a plan's care gaps are bits of a uint32_t (op_plan.gaps)");
typedef struct {
  const char *code, *clinician;
  int n_all, n_any;
  kb_plan_code all[8], any[8];
  op_srcset sources;
} kb_gap;

typedef struct op_kb op_kb;
struct op_kb {
  const char *version, *status, *updated, *profile;
  const char *reviewed_by, *reviewed_on; /* NULL: nobody has reviewed it */
  int n_sources;
  kb_source sources[OP_MAX_SOURCES];
  double th[OP_N_TH];
  int n_agents;
  kb_agent agent[OP_MAX_AGENTS];
  const char *agent_code[OP_MAX_AGENTS];        /* the record's codes, file order */
  unsigned char agent_code_len[OP_MAX_AGENTS];
  int n_routes;
  kb_route route[OP_MAX_ROUTES];
  const char *route_code[OP_MAX_ROUTES];
  kb_avoid_rule avoid[OP_MAX_AGENTS];
  int reason_condition[OP_N_reason]; /* the condition a reason names, or -1 */
  unsigned avoid_agents[OP_N_reason]; /* bit a: agent a's avoid list has the reason */
  /* bit r: some agent's avoid or not_recommended list names reason r (the
  ** reasons an assessment asks; made once here, not per record) */
  uint32_t avoid_reasons;
  uint32_t condition_reasons[OP_N_condition]; /* bit r: reason_condition[r] is the condition */
  kb_avoid_rule not_recommended[OP_MAX_AGENTS];
  bool has_not_recommended[OP_MAX_AGENTS];
  kb_order regimen[OP_N_RG];
  op_srcset regimen_sources[OP_N_RG];
  kb_text diagnosis[OP_N_diagnosis], risk[OP_N_risk],
      criterion[OP_N_criterion], status_text[OP_N_status], finding[OP_N_finding],
      action[OP_N_action], intent[OP_N_intent], reason[OP_N_reason],
      alert[OP_N_alert], monitor[OP_N_monitor], lifestyle[OP_N_lifestyle],
      rule[OP_N_rule], site[OP_N_site], fx_site[OP_N_fx_site],
      severity[OP_N_severity], condition[OP_N_condition];
  /* (treatment status texts are in status_text) */
  kb_disagreement disagreement[OP_N_disagreement];
  op_srcset disagreement_sources[OP_N_disagreement];
  int n_dxcodes;
  kb_dxcode dxcodes[4];
  const char *dxcode_glucocorticoid; /* replaces dxcodes[0].code when glucocorticoid-induced */
  op_srcset dxcode_sources;
  kb_text goal, supplements;
  kb_text goal_no_target;   /* no T-score at or below the target: kept or rising */
  kb_text supplements_hold; /* calcium supplements held until the cause is known */
  int n_gaps;
  kb_gap gaps[OP_MAX_GAPS];
  /* the worklist's order ([worklist] urgency in gaps.ini): gap_urgency[g]
  ** is gap g's rank, 0 the most urgent; every gap has one */
  int gap_urgency[OP_MAX_GAPS];
  int gap_by_urgency[OP_MAX_GAPS]; /* the gaps, most urgent first */
  /* Fixed wording of the renderings (headings, safety messages). */
  kb_text ui[OP_N_ui];
  const char *phrase[OP_N_phrase]; /* templates, clinician wording */
  const char *wltext[OP_N_wltext]; /* the worklist's words, clinician wording */
  struct kb_fhir *fhir; /* FHIR mapping tables (kb_fhir.h) */
  struct kb_omop *omop; /* OMOP vocabulary tables (kb_omop.h) */
  void *storage; /* owned memory */
};

/* One file of a knowledge base held in memory. */
typedef struct {
  const char *name;
  const char *text;
  long len; /* bytes of text (the embedded files carry it; the loader does not need it) */
} kb_file;

extern const kb_file op_kb_embedded_files[];
extern const int op_kb_embedded_files_count;

/* The profile a knowledge base is loaded with when none is named. */
#define OP_KB_DEFAULT_PROFILE "default"

/* Load common/ and one profile (profiles/NAME/) from files in memory, named
** by those relative paths (the embedded default), or from a directory
** holding common/ and profiles/; dir NULL: the embedded one; profile NULL:
** the default. On failure returns NULL and writes "file:line: what" into
** err; an unknown profile is refused naming the profiles there are. The
** functions without a profile load the default one. */
op_kb *kb_load_profile(const char *dir, const char *profile, char *err, size_t errsz);
op_kb *kb_load_files_profile(const kb_file *files, int n, const char *profile, char *err, size_t errsz);
op_kb *kb_load_dir_profile(const char *dir, const char *profile, char *err, size_t errsz);
op_kb *kb_load_files(const kb_file *files, int n, char *err, size_t errsz);
op_kb *kb_load_dir(const char *dir, char *err, size_t errsz);
op_kb *kb_load_default(char *err, size_t errsz);
void kb_free(op_kb *kb);

/* Fixed wording of the renderings; never NULL (the loader requires all). */
static inline const char *kb_ui(const op_kb *kb, op_ui_t key, bool patient) {
  return patient ? kb->ui[key].patient : kb->ui[key].clinician;
}

/* The words of a sex code: [ui.female] or [ui.male]. */
_Static_assert(OP_N_sex == 2, "a new sex code needs its [ui.*] words in kb_sex_ui");
static inline op_ui_t kb_sex_ui(int sex) { return sex == OP_SEX_MALE ? OP_UI_MALE : OP_UI_FEMALE; }

#define KB_TH(kb, id) ((kb)->th[OP_TH_##id])

/* The agent with record code s (n bytes), or -1. */
int kb_agent_lookup(const op_kb *kb, const char *s, size_t n);

#endif
