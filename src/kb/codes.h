/*
** codes.h: every stable code of the contract (spec/patient-record.md and
** spec/plan.md) as a C enum with its string.
**
** The codes are the contract, so they are fixed here; everything said about a
** code (its texts, severities, sources, thresholds) is knowledge-base data.
** The agent codes are the exception: the agents are knowledge-base data
** (kb/agents.ini; kb->agent_code).
** Each list is an X-macro so the enum and its string table cannot drift.
*/
#ifndef OSTEO_CODES_H
#define OSTEO_CODES_H

#include <stddef.h>

#define OP_SEX_LIST(X) X(SEX_FEMALE, "female") X(SEX_MALE, "male")

#define OP_MENOPAUSE_LIST(X) \
  X(MENO_PRE, "pre") X(MENO_PERI, "peri") X(MENO_POST, "post")

#define OP_SITE_LIST(X)                                   \
  X(SITE_LUMBAR_SPINE, "lumbar_spine")                    \
  X(SITE_TOTAL_HIP, "total_hip")                          \
  X(SITE_FEMORAL_NECK, "femoral_neck")                    \
  X(SITE_ONE_THIRD_RADIUS, "one_third_radius")

#define OP_FX_SITE_LIST(X)                                         \
  X(FX_HIP, "hip") X(FX_VERTEBRAL, "vertebral") X(FX_WRIST, "wrist") \
  X(FX_FOREARM, "forearm") X(FX_HUMERUS, "humerus")                 \
  X(FX_PELVIS, "pelvis") X(FX_RIB, "rib") X(FX_ANKLE, "ankle")      \
  X(FX_OTHER, "other")

#define OP_MECHANISM_LIST(X) \
  X(MECH_FRAGILITY, "fragility") X(MECH_TRAUMATIC, "traumatic")

#define OP_STOP_REASON_LIST(X)                                   \
  X(STOP_COMPLETED, "completed") X(STOP_INTOLERANCE, "intolerance") \
  X(STOP_ADVERSE_EVENT, "adverse_event")                         \
  X(STOP_NONADHERENCE, "nonadherence")                           \
  X(STOP_PATIENT_CHOICE, "patient_choice") X(STOP_OTHER, "other")

#define OP_MED_CLASS_LIST(X)                                  \
  X(MED_GLUCOCORTICOID, "glucocorticoid")                     \
  X(MED_IMMUNOSUPPRESSANT, "immunosuppressant")               \
  X(MED_AROMATASE_INHIBITOR, "aromatase_inhibitor")           \
  X(MED_ANDROGEN_DEPRIVATION, "androgen_deprivation")         \
  X(MED_ANTICONVULSANT, "anticonvulsant")                     \
  X(MED_PPI, "proton_pump_inhibitor") X(MED_OTHER, "other")

#define OP_CONDITION_LIST(X)                                          \
  X(COND_OSTEOPOROSIS, "osteoporosis")                                \
  X(COND_MI, "myocardial_infarction") X(COND_STROKE, "stroke")        \
  X(COND_PAGET, "paget_disease")                                      \
  X(COND_BONE_METASTASES, "bone_metastases")                          \
  X(COND_SKELETAL_MALIGNANCY, "skeletal_malignancy")                  \
  X(COND_PRIOR_SKELETAL_RADIATION, "prior_skeletal_radiation")        \
  X(COND_OPEN_EPIPHYSES, "open_epiphyses")                            \
  X(COND_OSTEOSARCOMA_PREDISPOSITION, "osteosarcoma_predisposition")  \
  X(COND_HYPERCALCEMIA, "hypercalcemia")                              \
  X(COND_HYPERPARATHYROIDISM, "hyperparathyroidism")                  \
  X(COND_HYPOCALCEMIA, "hypocalcemia")                                \
  X(COND_ESOPHAGEAL_DISORDER, "esophageal_disorder")                  \
  X(COND_UNABLE_UPRIGHT, "unable_to_remain_upright")                  \
  X(COND_GI_INTOLERANCE_ORAL_BP, "gi_intolerance_oral_bisphosphonate") \
  X(COND_MALABSORPTION, "malabsorption")                              \
  X(COND_ORGAN_TRANSPLANT, "organ_transplant")                        \
  X(COND_ONJ, "osteonecrosis_of_jaw")                                 \
  X(COND_AFF, "atypical_femoral_fracture")                            \
  X(COND_THIGH_GROIN_PAIN, "thigh_or_groin_pain")                     \
  X(COND_JAW_PAIN, "jaw_pain")                                        \
  X(COND_DENTAL_SURGERY_PLANNED, "dental_surgery_planned")            \
  X(COND_VTE, "venous_thromboembolism")                               \
  X(COND_BREAST_CANCER, "breast_cancer")                              \
  X(COND_CANCER_TREATMENT_BONE_LOSS, "cancer_treatment_bone_loss")    \
  X(COND_HIGH_FALL_RISK, "high_fall_risk")

#define OP_DIAGNOSIS_LIST(X)                                          \
  X(DX_OSTEOPOROSIS, "osteoporosis") X(DX_OSTEOPENIA, "osteopenia")   \
  X(DX_NORMAL, "normal") X(DX_UNKNOWN, "unknown")

#define OP_RISK_LIST(X)                                        \
  X(RISK_VERY_HIGH, "very_high") X(RISK_HIGH, "high")           \
  X(RISK_LOW, "low") X(RISK_UNKNOWN, "unknown")

#define OP_CRITERION_LIST(X)                                       \
  X(CR_T_SCORE_OSTEOPOROSIS, "t_score_osteoporosis")               \
  X(CR_HIP_OR_VERTEBRAL_FRACTURE, "hip_or_vertebral_fracture")     \
  X(CR_OSTEOPENIA_WITH_FRACTURE, "osteopenia_with_fracture")       \
  X(CR_RECORDED_OSTEOPOROSIS, "recorded_osteoporosis")             \
  X(CR_FRAX_HIGH, "frax_high")                                     \
  X(CR_RECENT_FRACTURE, "recent_fracture")                         \
  X(CR_MULTIPLE_FRACTURES, "multiple_fractures")                   \
  X(CR_T_SCORE_VERY_LOW, "t_score_very_low")                       \
  X(CR_FRACTURE_ON_THERAPY, "fracture_on_therapy")                 \
  X(CR_FRAX_VERY_HIGH, "frax_very_high")                           \
  X(CR_AGE_75_WITH_OSTEOPOROSIS, "age_75_with_osteoporosis")            \
  X(CR_GC_HIGH_DOSE, "glucocorticoid_high_dose")                   \
  X(CR_GC_VERY_HIGH_DOSE, "glucocorticoid_very_high_dose")

#define OP_STATUS_LIST(X)                                        \
  X(ST_NAIVE, "naive") X(ST_ON_TREATMENT, "on_treatment")        \
  X(ST_OFF_TREATMENT, "off_treatment")

#define OP_FINDING_LIST(X)                                                  \
  X(FD_FRACTURE_ON_THERAPY, "fracture_on_therapy")                          \
  X(FD_BMD_LOSS, "bmd_loss")                                                \
  X(FD_TARGET_NOT_MET, "target_not_met")                                    \
  X(FD_BTM_NOT_SUPPRESSED, "btm_not_suppressed")                            \
  X(FD_INTOLERANCE, "intolerance")                                          \
  X(FD_NONADHERENCE, "nonadherence")                                        \
  X(FD_PTH_ANALOG_LIMIT_REACHED, "pth_analog_limit_reached")                \
  X(FD_ROMOSOZUMAB_COURSE_COMPLETE, "romosozumab_course_complete")          \
  X(FD_HOLIDAY_DUE, "holiday_due")                                          \
  X(FD_DENOSUMAB_OVERDUE, "denosumab_overdue")                              \
  X(FD_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP, "denosumab_stopped_without_followup") \
  X(FD_ANABOLIC_ENDED_WITHOUT_FOLLOWUP, "anabolic_ended_without_followup")  \
  X(FD_GLUCOCORTICOID_INDUCED, "glucocorticoid_induced")                  \
  X(FD_DENOSUMAB_THEN_ANABOLIC, "denosumab_then_anabolic")

#define OP_ACTION_LIST(X)                                               \
  X(ACT_OUT_OF_SCOPE, "out_of_scope") X(ACT_ASSESS, "assess")           \
  X(ACT_NO_DRUG_THERAPY, "no_drug_therapy") X(ACT_START, "start")       \
  X(ACT_CONTINUE, "continue") X(ACT_SWITCH, "switch")                   \
  X(ACT_TRANSITION, "transition") X(ACT_HOLIDAY, "holiday")           \
  X(ACT_STOP, "stop") X(ACT_RESUME, "resume") X(ACT_REFER, "refer")

#define OP_INTENT_LIST(X) \
  X(INTENT_ANABOLIC, "anabolic") X(INTENT_ANTIRESORPTIVE, "antiresorptive")

/* Reasons: the named reasons first, then the condition codes that can be
** reasons (kept as their own entries so a reason is one enum). */
#define OP_REASON_LIST(X)                                                    \
  X(RS_MI_OR_STROKE_WITHIN_12_MONTHS, "mi_or_stroke_within_12_months")       \
  X(RS_ROMOSOZUMAB_COURSE_COMPLETED, "romosozumab_course_completed")         \
  X(RS_NOT_INDICATED, "not_indicated")                                       \
  X(RS_PTH_ANALOG_LIFETIME_LIMIT, "pth_analog_lifetime_limit")               \
  X(RS_RENAL_IMPAIRMENT, "renal_impairment")                                 \
  X(RS_HYPOCALCEMIA, "hypocalcemia")                                         \
  X(RS_IMMUNOSUPPRESSION, "immunosuppression")                               \
  X(RS_INTOLERANCE, "intolerance")                                           \
  X(RS_TREATMENT_FAILURE, "treatment_failure")                               \
  X(RS_NOT_RECOMMENDED_FOR_OSTEOPOROSIS, "not_recommended_for_osteoporosis") \
  X(RS_VENOUS_THROMBOEMBOLISM, "venous_thromboembolism")                     \
  X(RS_PAGET_DISEASE, "paget_disease")                                       \
  X(RS_BONE_METASTASES, "bone_metastases")                                   \
  X(RS_SKELETAL_MALIGNANCY, "skeletal_malignancy")                           \
  X(RS_PRIOR_SKELETAL_RADIATION, "prior_skeletal_radiation")                 \
  X(RS_OPEN_EPIPHYSES, "open_epiphyses")                                     \
  X(RS_OSTEOSARCOMA_PREDISPOSITION, "osteosarcoma_predisposition")           \
  X(RS_HYPERCALCEMIA, "hypercalcemia")                                       \
  X(RS_HYPERPARATHYROIDISM, "hyperparathyroidism")                           \
  X(RS_ESOPHAGEAL_DISORDER, "esophageal_disorder")                           \
  X(RS_UNABLE_TO_REMAIN_UPRIGHT, "unable_to_remain_upright")                 \
  X(RS_GI_INTOLERANCE_ORAL_BP, "gi_intolerance_oral_bisphosphonate")         \
  X(RS_MALABSORPTION, "malabsorption")                                       \
  X(RS_OSTEONECROSIS_OF_JAW, "osteonecrosis_of_jaw")                         \
  X(RS_ATYPICAL_FEMORAL_FRACTURE, "atypical_femoral_fracture")

#define OP_SEVERITY_LIST(X) \
  X(SEV_CRITICAL, "critical") X(SEV_WARNING, "warning") X(SEV_INFO, "info")

#define OP_ALERT_LIST(X)                                                    \
  X(AL_DENOSUMAB_OVERDUE, "denosumab_overdue")                              \
  X(AL_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP, "denosumab_stopped_without_followup") \
  X(AL_ANABOLIC_FOLLOWUP_REQUIRED, "anabolic_followup_required")            \
  X(AL_ROMOSOZUMAB_CARDIOVASCULAR_EVENT, "romosozumab_cardiovascular_event") \
  X(AL_HYPOCALCEMIA_CORRECT_FIRST, "hypocalcemia_correct_first")            \
  X(AL_NO_SAFE_AGENT, "no_safe_agent")                                      \
  X(AL_TREATMENT_FAILURE, "treatment_failure")                              \
  X(AL_TARGET_NOT_MET, "target_not_met")                                    \
  X(AL_PTH_ANALOG_LIFETIME_LIMIT, "pth_analog_lifetime_limit")              \
  X(AL_ROMOSOZUMAB_COURSE_COMPLETE, "romosozumab_course_complete")          \
  X(AL_BTM_NOT_SUPPRESSED, "btm_not_suppressed")                            \
  X(AL_VITAMIN_D_INSUFFICIENT, "vitamin_d_insufficient")                    \
  X(AL_AFF_SYMPTOMS, "atypical_femoral_fracture_symptoms")                  \
  X(AL_DENTAL_REVIEW, "dental_review")                                      \
  X(AL_DENOSUMAB_MUST_NOT_STOP, "denosumab_must_not_stop")                  \
  X(AL_BISPHOSPHONATE_HOLIDAY_REVIEW, "bisphosphonate_holiday_review")      \
  X(AL_GIOP, "glucocorticoid_induced_osteoporosis")                         \
  X(AL_RENAL_IMPAIRMENT, "renal_impairment")                                \
  X(AL_FALL_RISK, "fall_risk")                                            \
  X(AL_NO_SAFE_FOLLOWON, "no_safe_followon")                                \
  X(AL_STOP_CURRENT_AGENT, "stop_current_agent")                            \
  X(AL_SPECIALIST_REVIEW_DENOSUMAB, "specialist_review_denosumab")          \
  X(AL_BASELINE_LABS_NEEDED, "baseline_labs_needed")                        \
  X(AL_SECONDARY_CAUSE_WORKUP, "secondary_cause_workup")                    \
  X(AL_DENOSUMAB_SEVERE_CKD, "denosumab_severe_ckd")                        \
  X(AL_ROMOSOZUMAB_CV_CHECK, "romosozumab_cardiovascular_check")            \
  X(AL_ROMOSOZUMAB_NOT_INDICATED, "romosozumab_not_indicated")              \
  X(AL_DENOSUMAB_THEN_ANABOLIC, "denosumab_then_anabolic")

#define OP_MONITOR_LIST(X)                                               \
  X(MON_DXA, "dxa") X(MON_BTM, "btm")                                    \
  X(MON_FRACTURE_RISK_REVIEW, "fracture_risk_review")                    \
  X(MON_DENOSUMAB_NEXT_DOSE, "denosumab_next_dose")                      \
  X(MON_HOLIDAY_REASSESSMENT, "holiday_reassessment")                    \
  X(MON_CALCIUM_CHECK, "calcium_check")                                  \
  X(MON_BASELINE_LABS, "baseline_labs")                                  \
  X(MON_SPECIALIST_REFERRAL, "specialist_referral")

#define OP_LIFESTYLE_LIST(X)                                             \
  X(LS_WEIGHT_BEARING_EXERCISE, "weight_bearing_exercise")               \
  X(LS_FALL_PREVENTION, "fall_prevention")                               \
  X(LS_SMOKING_CESSATION, "smoking_cessation")                           \
  X(LS_ALCOHOL_LIMIT, "alcohol_limit")

#define OP_DISAGREEMENT_LIST(X)                                          \
  X(DG_FRAX_VERY_HIGH_RISK, "frax_very_high_risk")                       \
  X(DG_T_SCORE_VERY_HIGH_RISK, "t_score_very_high_risk")                 \
  X(DG_RECENT_FRACTURE_WINDOW, "recent_fracture_window")                 \
  X(DG_VITAMIN_D_DOSE, "vitamin_d_dose")                                 \
  X(DG_ESTROGEN_RALOXIFENE, "estrogen_raloxifene")                       \
  X(DG_TERIPARATIDE_DURATION, "teriparatide_duration")                   \
  X(DG_ROMO_VS_TERIPARATIDE_FIRST, "romosozumab_vs_teriparatide_first")   \
  X(DG_PTH_ANALOG_LIFETIME, "pth_analog_lifetime")

/* Decision rules of default-profile.md section 6 (and scope, section 0):
** the knowledge base gives each its rationale text and sources. */
#define OP_RULE_LIST(X)                                                  \
  X(RULE_OUT_OF_SCOPE, "out_of_scope")                                   \
  X(RULE_DENOSUMAB_CURRENT, "denosumab_current")                         \
  X(RULE_DENOSUMAB_OVERDUE, "denosumab_overdue")                         \
  X(RULE_DENOSUMAB_STOPPED, "denosumab_stopped")                         \
  X(RULE_ANABOLIC_LIMIT_REACHED, "anabolic_limit_reached")               \
  X(RULE_ANABOLIC_CONTINUE, "anabolic_continue")                         \
  X(RULE_ANABOLIC_ENDED, "anabolic_ended")                               \
  X(RULE_BP_FAILURE, "bisphosphonate_failure")                           \
  X(RULE_BP_FAILURE_GIOP, "bisphosphonate_failure_glucocorticoid")       \
  X(RULE_ORAL_BP_UNSUITABLE, "oral_bisphosphonate_unsuitable")           \
  X(RULE_BP_TARGET_NOT_MET, "bisphosphonate_target_not_met")             \
  X(RULE_BP_HOLIDAY_CONTINUE, "bisphosphonate_holiday_continue")         \
  X(RULE_BP_HOLIDAY, "bisphosphonate_holiday")                           \
  X(RULE_BP_CONTINUE, "bisphosphonate_continue")                         \
  X(RULE_SERM_HT_SWITCH, "serm_or_hormone_switch")                       \
  X(RULE_SERM_HT_CONTINUE, "serm_or_hormone_continue")                   \
  X(RULE_START_VERY_HIGH, "start_very_high")                             \
  X(RULE_START_HIGH, "start_high")                                       \
  X(RULE_START_HIGH_ANABOLIC_FALLBACK, "start_high_teriparatide")        \
  X(RULE_LOW_RISK, "low_risk")                                           \
  X(RULE_ASSESS_DXA, "assess_dxa")                                       \
  X(RULE_NO_TESTING_INDICATED, "no_testing_indicated")                   \
  X(RULE_NO_SAFE_AGENT, "no_safe_agent")                                 \
  X(RULE_NO_SAFE_FOLLOWON, "no_safe_followon")                           \
  X(RULE_DENOSUMAB_SPECIALIST, "denosumab_specialist_review")            \
  X(RULE_DENOSUMAB_RESUME, "denosumab_resume")                           \
  X(RULE_STOP_CURRENT, "stop_current_agent")                             \
  X(RULE_START_VERY_HIGH_INJECTABLE, "start_very_high_injectable")

#define OP_ENUM_ITEM(id, str) OP_##id,
#define OP_DECLARE_CODES(name, LIST)                                     \
  typedef enum { LIST(OP_ENUM_ITEM) OP_N_##name } op_##name##_t;         \
  extern const char *const op_##name##_str[OP_N_##name];                 \
  extern const unsigned char op_##name##_len[OP_N_##name];

OP_DECLARE_CODES(sex, OP_SEX_LIST)
OP_DECLARE_CODES(menopause, OP_MENOPAUSE_LIST)
OP_DECLARE_CODES(site, OP_SITE_LIST)
OP_DECLARE_CODES(fx_site, OP_FX_SITE_LIST)
OP_DECLARE_CODES(mechanism, OP_MECHANISM_LIST)
OP_DECLARE_CODES(stop_reason, OP_STOP_REASON_LIST)
OP_DECLARE_CODES(med_class, OP_MED_CLASS_LIST)
OP_DECLARE_CODES(condition, OP_CONDITION_LIST)
OP_DECLARE_CODES(diagnosis, OP_DIAGNOSIS_LIST)
OP_DECLARE_CODES(risk, OP_RISK_LIST)
OP_DECLARE_CODES(criterion, OP_CRITERION_LIST)
OP_DECLARE_CODES(status, OP_STATUS_LIST)
OP_DECLARE_CODES(finding, OP_FINDING_LIST)
OP_DECLARE_CODES(action, OP_ACTION_LIST)
OP_DECLARE_CODES(intent, OP_INTENT_LIST)
OP_DECLARE_CODES(reason, OP_REASON_LIST)
OP_DECLARE_CODES(severity, OP_SEVERITY_LIST)
OP_DECLARE_CODES(alert, OP_ALERT_LIST)
OP_DECLARE_CODES(monitor, OP_MONITOR_LIST)
OP_DECLARE_CODES(lifestyle, OP_LIFESTYLE_LIST)
OP_DECLARE_CODES(disagreement, OP_DISAGREEMENT_LIST)
OP_DECLARE_CODES(rule, OP_RULE_LIST)

/* Index of s (n bytes) in table, or -1. */
int op_code_lookup(const char *const *table, int count, const char *s,
                   size_t n);
/* The same with the table's lengths (op_X_len): no scan of the names. */
int op_code_lookup_len(const char *const *table, const unsigned char *lens, int count, const char *s, size_t n);
#define OP_LOOKUP(name, s, n) op_code_lookup_len(op_##name##_str, op_##name##_len, OP_N_##name, (s), (n))

#endif
