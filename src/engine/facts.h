/*
** facts.h: what the engine derives from a validated record before any rule
** is applied (default-profile.md sections 1 and 4): age, current T-scores,
** fracture windows, current courses, exposures and the findings of the
** treatment history. Pure: no I/O, no clock (as_of comes with the record).
*/
#ifndef OSTEO_FACTS_H
#define OSTEO_FACTS_H

#include <stdbool.h>

#include "../kb/kb.h"
#include "../record/record.h"
#include "../util/arena.h"

typedef struct {
  const op_record *rec;
  const op_kb *kb;
  op_date as_of;
  int as_of_y, as_of_m, as_of_d; /* as_of split once: facts_as_of_plus */
  int age;
  bool in_scope;

  /* bone density: current (most recent) T-score per site */
  bool has_site[OP_N_site];
  double site_t[OP_N_site];
  op_date site_date[OP_N_site];
  bool has_lowest;
  double lowest_t;
  int lowest_site;
  op_date lowest_date;
  bool has_dxa;
  op_date latest_dxa;

  /* fractures */
  int n_fragility;
  int recent_fx;        /* most recent fragility fracture in the window, or -1 */
  int hip_spine_fx;     /* a fragility fracture of hip or spine, or -1 */
  int minor_site_fx;    /* humerus, pelvis, wrist or forearm, or -1 */
  int latest_fragility; /* the most recent fragility fracture, or -1 */

  /* courses */
  bool *current;         /* per therapy */
  int cur_denosumab, cur_anabolic, cur_bp, cur_serm_ht; /* index or -1 */
  bool any_course;
  double pth_months;     /* whole months of teriparatide + abaloparatide */
  int romo_doses;

  /* other drugs, conditions, labs */
  bool has_condition[OP_N_condition];
  int condition_idx[OP_N_condition]; /* first occurrence */
  bool gc_induced;
  int gc_idx;             /* the course that brought the sum to the threshold */
  double gc_dose;         /* current glucocorticoid doses added up (mg/day) */
  bool gc_high, gc_very_high; /* glucocorticoid_high_dose / _very_high_dose */
  int gc_high_idx, gc_very_high_idx;
  int n_immuno;
  bool immunosuppressed;
  bool has_renal;
  double renal;
  bool renal_known, calcium_known, vitd_known; /* present and dated within the window */
  bool hypocalcemia, hypercalcemia;
  bool mi_stroke_recent;
  int mi_stroke_idx; /* the condition that makes it recent */

  /* findings and their evidence */
  bool finding[OP_N_finding];
  bool *failing;           /* per therapy: fracture on it, or BMD loss on it */
  int fot_fx, fot_course;  /* the fracture on therapy and its course */
  int bmd_loss_course;
  double bmd_loss_pct;     /* per year */
  int bmd_loss_site;
  double target_gain_hip, target_gain_spine;
  bool target_hip_judged, target_spine_judged;
  int target_course;
  int btm_course;
  double p1np_fall, ctx_fall;
  bool p1np_judged, ctx_judged;
  int holiday_course;
  int dmab_stopped_course, anabolic_ended_course;
  int intolerance_course;  /* a course stopped for intolerance, or -1 */
  int nonadherence_course; /* a course stopped for nonadherence or taken poorly, or -1 */
  int dmab_then_anabolic_course; /* the current PTH-analog course after denosumab, or -1 */
  int dmab_before_anabolic_course; /* that denosumab course */
} op_facts;

/* Returns false only when out of memory. */
bool facts_derive(arena *a, const op_kb *kb, const op_record *rec, op_facts *f);
/* as_of + n calendar months (date_add_months(as_of, n), as_of split once). */
static inline op_date facts_as_of_plus(const op_facts *f, int n) {
  return date_add_months_ymd(f->as_of_y, f->as_of_m, f->as_of_d, n);
}

/* Agent helpers (an agent's intent and flags are knowledge-base data). */
bool agent_is_bp(const op_kb *kb, int agent);
bool agent_is_anabolic(const op_kb *kb, int agent);
bool agent_pth_limited(const op_kb *kb, int agent);
bool agent_is_antiresorptive(const op_kb *kb, int agent);
/* Was the course stopped for intolerance or an adverse event? */
bool course_stopped_for_intolerance(const op_therapy *t);
/* Is the course current on date d (started, not yet ended)? */
bool course_current_on(const op_therapy *t, op_date d);
/* The end of a course as far as as_of (ongoing courses count to as_of). */
op_date course_end_or_as_of(const op_therapy *t, op_date as_of);

#endif
