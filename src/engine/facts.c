/*
** facts.c: derived facts and treatment-history findings
** (default-profile.md sections 0, 1 and 4). Every number comes from the
** knowledge base; the rules' shape is here.
*/
#include "facts.h"

#include <math.h>
#include <string.h>

#define TH(id) KB_TH(f->kb, id)

bool agent_is_bp(const op_kb *kb, int a) { return kb->agent[a].bisphosphonate; }
bool agent_is_anabolic(const op_kb *kb, int a) { return kb->agent[a].intent == OP_INTENT_ANABOLIC; }
/* Its months count toward the lifetime limit of PTH and PTHrP analogs. */
bool agent_pth_limited(const op_kb *kb, int a) { return kb->agent[a].pth_lifetime_limit; }
bool agent_is_antiresorptive(const op_kb *kb, int a) {
  return kb->agent[a].intent == OP_INTENT_ANTIRESORPTIVE;
}

op_date course_end_or_as_of(const op_therapy *t, op_date as_of) {
  return t->has_end && t->end < as_of ? t->end : as_of;
}

/* Spans are calendar spans (spec README, 2026.12): "at least N months
** after from" is date_months_elapsed(from, to, N). */
#define ELAPSED(from, to, months) date_months_elapsed((from), (to), (months))

static void derive_scope(op_facts *f) {
  const op_record *r = f->rec;
  if (r->sex == OP_SEX_FEMALE) {
    f->in_scope = r->menopause == OP_MENO_POST ||
                  (r->menopause < 0 && f->age >= TH(SCOPE_AGE_WOMEN));
  } else {
    f->in_scope = f->age >= TH(SCOPE_AGE_MEN);
  }
}

static void derive_bmd(op_facts *f) {
  const op_record *r = f->rec;
  for (int i = 0; i < r->n_bmd; i++) {
    const op_bmd *b = &r->bmd[i];
    int s = b->site;
    /* The current T-score of a site is its most recent; on a tie of dates
    ** the lower value is kept (the cautious reading). */
    if (!f->has_site[s] || b->date > f->site_date[s] ||
        (b->date == f->site_date[s] && b->t_score < f->site_t[s])) {
      f->has_site[s] = true;
      f->site_t[s] = b->t_score;
      f->site_date[s] = b->date;
    }
    if (!f->has_dxa || b->date > f->latest_dxa) f->latest_dxa = b->date;
    f->has_dxa = true;
  }
  for (int s = 0; s < OP_N_site; s++) {
    if (!f->has_site[s]) continue;
    if (!f->has_lowest || f->site_t[s] < f->lowest_t) {
      f->has_lowest = true;
      f->lowest_t = f->site_t[s];
      f->lowest_site = s;
      f->lowest_date = f->site_date[s];
    }
  }
}

static void derive_fractures(op_facts *f) {
  const op_record *r = f->rec;
  f->recent_fx = f->hip_spine_fx = f->minor_site_fx = f->latest_fragility = -1;
  /* date_within_months_before(x->date, as_of, window), the window's start
  ** worked out once */
  op_date recent_from = facts_as_of_plus(f, -(int)TH(RECENT_FRACTURE_MONTHS));
  for (int i = 0; i < r->n_fractures; i++) {
    const op_fracture *x = &r->fractures[i];
    if (x->mechanism == OP_MECH_TRAUMATIC) continue; /* counts for nothing */
    f->n_fragility++;
    if (f->latest_fragility < 0 || x->date > r->fractures[f->latest_fragility].date)
      f->latest_fragility = i;
    if (x->date <= f->as_of && x->date >= recent_from &&
        (f->recent_fx < 0 || x->date > r->fractures[f->recent_fx].date))
      f->recent_fx = i;
    if ((x->site == OP_FX_HIP || x->site == OP_FX_VERTEBRAL) && f->hip_spine_fx < 0) f->hip_spine_fx = i;
    if ((x->site == OP_FX_HUMERUS || x->site == OP_FX_PELVIS || x->site == OP_FX_WRIST ||
         x->site == OP_FX_FOREARM) && f->minor_site_fx < 0)
      f->minor_site_fx = i;
  }
}

static void derive_courses(op_facts *f) {
  const op_record *r = f->rec;
  const op_kb *kb = f->kb;
  f->cur_denosumab = f->cur_anabolic = f->cur_bp = f->cur_serm_ht = -1;
  int pth_months = 0;
  f->romo_doses = 0;
  for (int i = 0; i < r->n_therapies; i++) {
    const op_therapy *t = &r->therapies[i];
    f->any_course = true;
    /* A course is current when end is null or after as_of. */
    f->current[i] = !t->has_end || t->end > f->as_of;
    int a = t->agent;
    if (f->current[i]) {
      if (kb->agent[a].rebound_when_stopped && f->cur_denosumab < 0) f->cur_denosumab = i;
      else if (agent_is_anabolic(kb, a) && f->cur_anabolic < 0) f->cur_anabolic = i;
      else if (agent_is_bp(kb, a) && f->cur_bp < 0) f->cur_bp = i;
      else if (kb->has_not_recommended[a] && f->cur_serm_ht < 0) f->cur_serm_ht = i; /* rule 6 */
    }
    /* months of exposure: whole calendar months from the start to the end
    ** (or as_of for a current course) */
    int months = date_whole_months_between(t->start, course_end_or_as_of(t, f->as_of));
    if (agent_pth_limited(kb, a)) pth_months += months;
    if (kb->agent[a].course_dose_limit) {
      /* doses if given, else a dose at the start and one each month */
      if (t->has_doses) f->romo_doses += t->doses;
      else f->romo_doses += months + 1;
    }
  }
  f->pth_months = pth_months;
}

/* from: as_of - the lab window (date_within_months_before, worked out once) */
static bool lab_current(const op_facts *f, op_date d, op_date from) {
  return d == OP_NO_DATE || (d <= f->as_of && d >= from);
}

static bool med_current(const op_medication *m, op_date as_of) { return !m->has_end || m->end > as_of; }

/* The date from which the summed dose has been at or above `dose`: the
** start of the course that brought the running sum, courses taken in order
** of start, to it; -1 when the sum never gets there. A course with no start
** is taken last (its duration cannot be shown). */
static int gc_threshold_course(const op_facts *f, const int *order, int n, double dose) {
  double sum = 0;
  for (int k = 0; k < n; k++) {
    const op_medication *m = &f->rec->meds[order[k]];
    sum += m->has_dose ? m->dose : 0;
    if (sum >= dose) return order[k];
  }
  return -1;
}

/* default-profile.md section 1 (2026.12): the current glucocorticoid doses
** added up, and since when each threshold has been held. */
static void derive_glucocorticoids(op_facts *f, int *order) {
  const op_record *r = f->rec;
  int n = 0;
  bool any_gc = false;
  f->gc_idx = f->gc_high_idx = f->gc_very_high_idx = -1;
  for (int i = 0; i < r->n_meds; i++) {
    const op_medication *m = &r->meds[i];
    if (!med_current(m, f->as_of)) continue;
    if (m->cls == OP_MED_IMMUNOSUPPRESSANT) f->n_immuno++;
    if (m->cls != OP_MED_GLUCOCORTICOID) continue;
    any_gc = true; /* several courses count as one medication */
    f->gc_dose += m->has_dose ? m->dose : 0;
    /* insertion by start; no start goes last */
    int k = n++;
    while (k > 0) {
      const op_medication *o = &r->meds[order[k - 1]];
      bool before = m->has_start && (!o->has_start || m->start < o->start);
      if (!before) break;
      order[k] = order[k - 1];
      k--;
    }
    order[k] = i;
  }
  if (any_gc) f->n_immuno++;
  int c = gc_threshold_course(f, order, n, TH(GC_DOSE_MG));
  if (c >= 0 && r->meds[c].has_start && ELAPSED(r->meds[c].start, f->as_of, TH(GC_MONTHS))) {
    f->gc_induced = true;
    f->gc_idx = c;
  }
  c = gc_threshold_course(f, order, n, TH(GC_HIGH_DOSE_MG));
  if (c >= 0 && r->meds[c].has_start && ELAPSED(r->meds[c].start, f->as_of, TH(GC_HIGH_DOSE_MONTHS))) {
    f->gc_high = true;
    f->gc_high_idx = c;
  }
  c = gc_threshold_course(f, order, n, TH(GC_VERY_HIGH_DOSE_MG));
  if (c >= 0 && r->meds[c].has_start && f->as_of - r->meds[c].start > TH(GC_VERY_HIGH_DOSE_DAYS)) {
    f->gc_very_high = true;
    f->gc_very_high_idx = c;
  }
}

static void derive_conditions_meds_labs(op_facts *f, int *order) {
  const op_record *r = f->rec;
  for (int c = 0; c < OP_N_condition; c++) f->condition_idx[c] = -1;
  f->mi_stroke_idx = -1;
  for (int i = 0; i < r->n_conditions; i++) {
    const op_condition *c = &r->conditions[i];
    if (!f->has_condition[c->code]) f->condition_idx[c->code] = i;
    f->has_condition[c->code] = true;
    if (c->code == OP_COND_MI || c->code == OP_COND_STROKE) {
      /* Dated within the window, or undated: unknown timing is recent. */
      bool recent = !c->has_date ||
                    (c->date <= f->as_of && c->date >= facts_as_of_plus(f, -(int)TH(MI_STROKE_MONTHS)));
      if (recent && f->mi_stroke_idx < 0) {
        f->mi_stroke_recent = true;
        f->mi_stroke_idx = i;
      }
    }
  }
  derive_glucocorticoids(f, order);
  f->immunosuppressed = f->has_condition[OP_COND_ORGAN_TRANSPLANT] || f->n_immuno >= TH(IMMUNOSUPPRESSIVE_AGENTS);
  if (r->has_egfr || r->has_crcl) {
    f->has_renal = true;
    f->renal = r->has_egfr && r->has_crcl ? fmin(r->egfr, r->crcl) : r->has_egfr ? r->egfr : r->crcl;
  }
  /* known: present and current (an undated value is taken as current) */
  op_date lab_from = facts_as_of_plus(f, -(int)TH(LAB_CURRENT_MONTHS));
  f->renal_known = (r->has_egfr && lab_current(f, r->egfr_date, lab_from)) ||
                   (r->has_crcl && lab_current(f, r->crcl_date, lab_from));
  f->calcium_known = r->has_calcium && lab_current(f, r->calcium_date, lab_from);
  f->vitd_known = r->has_vitd && lab_current(f, r->vitd_date, lab_from);
  f->hypocalcemia = f->has_condition[OP_COND_HYPOCALCEMIA] || (r->has_calcium && r->calcium < TH(CALCIUM_LOW));
  f->hypercalcemia = f->has_condition[OP_COND_HYPERCALCEMIA] || (r->has_calcium && r->calcium > TH(CALCIUM_HIGH));
}

bool course_stopped_for_intolerance(const op_therapy *t) {
  return t->has_stop_reason && (t->stop_reason == OP_STOP_INTOLERANCE || t->stop_reason == OP_STOP_ADVERSE_EVENT);
}

bool course_current_on(const op_therapy *t, op_date d) {
  return t->start <= d && (!t->has_end || t->end > d);
}

/* A follow-on course (agents.ini followon: a bisphosphonate or denosumab)
** started on or after date d? Raloxifene and hormone therapy are not one. */
static bool followed_by_antiresorptive(const op_facts *f, op_date d) {
  for (int j = 0; j < f->rec->n_therapies; j++) {
    const op_therapy *u = &f->rec->therapies[j];
    if (f->kb->agent[u->agent].followon && u->start >= d) return true;
  }
  return false;
}

/* A current anabolic course started on or after date d? */
static bool anabolic_current_since(const op_facts *f, op_date d) {
  for (int j = 0; j < f->rec->n_therapies; j++) {
    const op_therapy *u = &f->rec->therapies[j];
    if (f->current[j] && agent_is_anabolic(f->kb, u->agent) && u->start >= d) return true;
  }
  return false;
}

static void find_fracture_on_therapy(op_facts *f) {
  const op_record *r = f->rec;
  f->fot_fx = f->fot_course = -1;
  for (int i = 0; i < r->n_fractures; i++) {
    const op_fracture *x = &r->fractures[i];
    if (x->mechanism == OP_MECH_TRAUMATIC) continue;
    for (int j = 0; j < r->n_therapies; j++) {
      const op_therapy *t = &r->therapies[j];
      if (!f->kb->agent[t->agent].failure_judged || !course_current_on(t, x->date)) continue;
      if (ELAPSED(t->start, x->date, TH(FX_ON_THERAPY_MONTHS))) {
        f->finding[OP_FD_FRACTURE_ON_THERAPY] = true;
        f->failing[j] = true;
        if (f->fot_fx < 0 || x->date > r->fractures[f->fot_fx].date) {
          f->fot_fx = i;
          f->fot_course = j;
        }
      }
    }
  }
}

/* Latest measurement of site s on or before date d, or -1. */
static int bmd_on_or_before(const op_record *r, int s, op_date d, bool need_g) {
  int best = -1;
  for (int i = 0; i < r->n_bmd; i++) {
    const op_bmd *b = &r->bmd[i];
    if (b->site != s || b->date > d || (need_g && !b->has_bmd)) continue;
    if (best < 0 || b->date > r->bmd[best].date) best = i;
  }
  return best;
}

static void find_bmd_loss(op_facts *f, int course) {
  const op_record *r = f->rec;
  const op_therapy *t = &r->therapies[course];
  f->bmd_loss_course = -1;
  /* ELAPSED(from, to, N) is date_add_months(from, N) <= to: each from's
  ** date + N months is worked out once, not once per pair */
  const int span = (int)TH(BMD_LOSS_MIN_MONTHS);
  const op_date start_plus = date_add_months(t->start, span);
  for (int s = 0; s < OP_N_site; s++) {
    /* earliest usable measurement: the baseline (latest on or before the
    ** start) or anything during the course */
    int base = bmd_on_or_before(r, s, t->start, true);
    op_date from = base >= 0 ? r->bmd[base].date : t->start;
    for (int i = 0; i < r->n_bmd; i++) {
      const op_bmd *a = &r->bmd[i];
      if (a->site != s || !a->has_bmd || a->date < from) continue;
      const op_date a_plus = date_add_months(a->date, span);
      for (int j = 0; j < r->n_bmd; j++) {
        const op_bmd *b = &r->bmd[j];
        if (b->site != s || !b->has_bmd || b->date <= a->date) continue;
        if (a_plus > b->date) continue;     /* ELAPSED(a->date, b->date, span) */
        if (start_plus > b->date) continue; /* ELAPSED(t->start, b->date, span) */
        double years = (double)(b->date - a->date) / OP_DAYS_PER_YEAR;
        double pct = (a->bmd - b->bmd) / a->bmd * 100.0 / years;
        if (pct >= TH(BMD_LOSS_PCT_YEAR) && pct > f->bmd_loss_pct) {
          f->finding[OP_FD_BMD_LOSS] = true;
          f->failing[course] = true;
          f->bmd_loss_course = course;
          f->bmd_loss_pct = pct;
          f->bmd_loss_site = s;
        }
      }
    }
  }
}

/* Target not met (S003): baseline = latest on or before the start, else the
** earliest within the window after it; compared with the latest. */
static bool site_gain(const op_facts *f, const op_therapy *t, int s, double *gain) {
  const op_record *r = f->rec;
  int base = bmd_on_or_before(r, s, t->start, false);
  if (base < 0) {
    op_date until = date_add_months(t->start, (int)TH(TARGET_BASELINE_AFTER_MONTHS));
    for (int i = 0; i < r->n_bmd; i++) {
      const op_bmd *b = &r->bmd[i];
      if (b->site != s || b->date < t->start || b->date > until) continue;
      if (base < 0 || b->date < r->bmd[base].date) base = i;
    }
  }
  if (base < 0 || !f->has_site[s] || f->site_date[s] <= r->bmd[base].date) return false;
  *gain = f->site_t[s] - r->bmd[base].t_score;
  return true;
}

static void find_target_not_met(op_facts *f, int course) {
  const op_therapy *t = &f->rec->therapies[course];
  if (!ELAPSED(t->start, f->as_of, TH(TARGET_COURSE_MONTHS))) return;
  f->target_hip_judged = site_gain(f, t, OP_SITE_TOTAL_HIP, &f->target_gain_hip);
  f->target_spine_judged = site_gain(f, t, OP_SITE_LUMBAR_SPINE, &f->target_gain_spine);
  if ((f->target_hip_judged && f->target_gain_hip < TH(TARGET_GAIN_HIP) - 1e-9) ||
      (f->target_spine_judged && f->target_gain_spine < TH(TARGET_GAIN_SPINE) - 1e-9)) {
    f->finding[OP_FD_TARGET_NOT_MET] = true;
    f->target_course = course;
  }
}

/* Marker fall (%) from the baseline on or before the start to the first
** value 2 to 6 months after it. */
static bool marker_fall(const op_facts *f, const op_marker *m, int n, op_date start, double *fall) {
  int base = -1, second = -1;
  op_date from = date_add_months(start, (int)TH(BTM_FROM_MONTHS)), to = date_add_months(start, (int)TH(BTM_TO_MONTHS));
  for (int i = 0; i < n; i++) {
    if (m[i].date <= start && (base < 0 || m[i].date > m[base].date)) base = i;
    /* 2 to 6 months after the start, both ends included */
    if (m[i].date > start && m[i].date >= from && m[i].date <= to && (second < 0 || m[i].date < m[second].date))
      second = i;
  }
  if (base < 0 || second < 0 || m[base].value <= 0) return false;
  /* in percent, rounded to one decimal before it is compared (2026.12) */
  *fall = round((m[base].value - m[second].value) / m[base].value * 1000.0) / 10.0;
  return true;
}

static void find_btm(op_facts *f, int course) {
  const op_therapy *t = &f->rec->therapies[course];
  f->p1np_judged = marker_fall(f, f->rec->p1np, f->rec->n_p1np, t->start, &f->p1np_fall);
  f->ctx_judged = marker_fall(f, f->rec->ctx, f->rec->n_ctx, t->start, &f->ctx_fall);
  /* a response is a fall of more than the threshold (S000): exactly it is none */
  if ((f->p1np_judged && f->p1np_fall <= TH(P1NP_FALL_PCT)) || (f->ctx_judged && f->ctx_fall <= TH(CTX_FALL_PCT))) {
    f->finding[OP_FD_BTM_NOT_SUPPRESSED] = true;
    f->btm_course = course;
  }
}

/* A current PTH-analog course whose preceding course (the other course with
** the latest start before its start) is denosumab (DATASWITCH2015). */
static void find_denosumab_then_anabolic(op_facts *f) {
  const op_record *r = f->rec;
  for (int i = 0; i < r->n_therapies; i++) {
    const op_therapy *t = &r->therapies[i];
    if (!f->current[i] || !agent_pth_limited(f->kb, t->agent)) continue;
    int prev = -1;
    for (int j = 0; j < r->n_therapies; j++) {
      const op_therapy *u = &r->therapies[j];
      if (j != i && u->start < t->start && (prev < 0 || u->start > r->therapies[prev].start)) prev = j;
    }
    if (prev >= 0 && f->kb->agent[r->therapies[prev].agent].rebound_when_stopped) {
      f->finding[OP_FD_DENOSUMAB_THEN_ANABOLIC] = true;
      f->dmab_then_anabolic_course = i;
      f->dmab_before_anabolic_course = prev;
      return;
    }
  }
}

static void derive_findings(op_facts *f) {
  const op_record *r = f->rec;
  const op_kb *kb = f->kb;
  f->target_course = f->btm_course = f->holiday_course = -1;
  f->dmab_stopped_course = f->anabolic_ended_course = f->intolerance_course = -1;
  f->nonadherence_course = f->dmab_then_anabolic_course = f->dmab_before_anabolic_course = -1;
  f->bmd_loss_course = -1;
  find_fracture_on_therapy(f);
  for (int i = 0; i < r->n_therapies; i++) {
    const op_therapy *t = &r->therapies[i];
    int a = t->agent;
    if (f->current[i] && kb->agent[a].failure_judged) {
      find_bmd_loss(f, i);
      if (!f->finding[OP_FD_TARGET_NOT_MET]) find_target_not_met(f, i);
    }
    if (f->current[i] && kb->agent[a].response_checked_by_btm && !f->finding[OP_FD_BTM_NOT_SUPPRESSED]) find_btm(f, i);
    if (course_stopped_for_intolerance(t)) {
      f->finding[OP_FD_INTOLERANCE] = true;
      /* the finding names the latest such course's agent */
      if (f->intolerance_course < 0 || t->start > r->therapies[f->intolerance_course].start) f->intolerance_course = i;
    }
    bool poorly = (t->has_stop_reason && t->stop_reason == OP_STOP_NONADHERENCE) || (f->current[i] && t->adherence_poor);
    if (poorly) {
      f->finding[OP_FD_NONADHERENCE] = true;
      /* the current course's poor adherence is the one rule 5.2 acts on */
      if (f->nonadherence_course < 0 || f->current[i]) f->nonadherence_course = i;
    }
    if (f->current[i]) {
      int years = date_whole_months_between(t->start, f->as_of) / 12;
      bool due = (kb->agent[a].drug_holiday == OP_HOLIDAY_ORAL && years >= TH(HOLIDAY_ORAL_YEARS)) ||
                 (kb->agent[a].drug_holiday == OP_HOLIDAY_IV &&
                  (years >= TH(HOLIDAY_IV_YEARS) || (t->has_doses && t->doses >= TH(HOLIDAY_IV_INFUSIONS))));
      if (due && f->holiday_course < 0) {
        f->finding[OP_FD_HOLIDAY_DUE] = true;
        f->holiday_course = i;
      }
      if (kb->agent[a].rebound_when_stopped) {
        op_date last = t->has_last_dose ? t->last_dose : t->start;
        /* more than N months: after last + N months */
        if (f->as_of > date_add_months(last, (int)TH(DMAB_OVERDUE_MONTHS))) f->finding[OP_FD_DENOSUMAB_OVERDUE] = true;
      }
    } else {
      /* not while an anabolic started since is current: rule 3 plans its follow-on */
      if (kb->agent[a].rebound_when_stopped && !followed_by_antiresorptive(f, t->end) &&
          !anabolic_current_since(f, t->end)) {
        f->finding[OP_FD_DENOSUMAB_STOPPED_WITHOUT_FOLLOWUP] = true;
        if (f->dmab_stopped_course < 0 || t->end > r->therapies[f->dmab_stopped_course].end)
          f->dmab_stopped_course = i;
      }
      if (agent_is_anabolic(kb, a) && !followed_by_antiresorptive(f, t->end)) {
        f->finding[OP_FD_ANABOLIC_ENDED_WITHOUT_FOLLOWUP] = true;
        if (f->anabolic_ended_course < 0 || t->end > r->therapies[f->anabolic_ended_course].end)
          f->anabolic_ended_course = i;
      }
    }
  }
  if (f->has_condition[OP_COND_GI_INTOLERANCE_ORAL_BP]) f->finding[OP_FD_INTOLERANCE] = true;
  find_denosumab_then_anabolic(f);
  if (f->pth_months >= TH(PTH_LIMIT_MONTHS)) f->finding[OP_FD_PTH_ANALOG_LIMIT_REACHED] = true;
  if (f->romo_doses >= TH(ROMO_LIMIT_DOSES)) f->finding[OP_FD_ROMOSOZUMAB_COURSE_COMPLETE] = true;
  if (f->gc_induced) f->finding[OP_FD_GLUCOCORTICOID_INDUCED] = true;
}

bool facts_derive(arena *a, const op_kb *kb, const op_record *rec, op_facts *f) {
  /* f is zeroed by the caller (it lives in the arena) */
  f->rec = rec;
  f->kb = kb;
  f->as_of = rec->as_of;
  date_to_ymd(f->as_of, &f->as_of_y, &f->as_of_m, &f->as_of_d);
  f->age = rec->age;
  size_t n = (size_t)rec->n_therapies + 1;
  f->current = arena_array(a, n, sizeof(bool));
  f->failing = arena_array(a, n, sizeof(bool));
  int *gc_order = arena_array(a, (size_t)rec->n_meds + 1, sizeof(int)); /* scratch */
  if (!f->current || !f->failing || !gc_order) return false;
  derive_scope(f);
  derive_bmd(f);
  derive_fractures(f);
  derive_courses(f);
  derive_conditions_meds_labs(f, gc_order);
  derive_findings(f);
  return true;
}
