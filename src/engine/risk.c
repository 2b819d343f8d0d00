/*
** risk.c: diagnosis (default-profile.md section 2) and the risk category
** with the criteria met (section 3), each with the patient's own values
** (as a statement: the wording stage writes them).
*/
#include <string.h>

#include "engine.h"

#define TH(id) KB_TH(e->kb, id)

static void diagnose(eng *e) {
  const op_facts *f = &e->f;
  op_plan *p = e->p;
  double t = f->lowest_t;
  bool low_or_absent = !f->has_lowest || t < TH(T_LOW_BONE_MASS);
  /* one branch per way to the diagnosis, each its own reason in the spec */
  // NOLINTNEXTLINE(bugprone-branch-clone)
  if (f->has_lowest && t <= TH(T_OSTEOPOROSIS)) p->diagnosis = OP_DX_OSTEOPOROSIS;
  else if (f->hip_spine_fx >= 0) p->diagnosis = OP_DX_OSTEOPOROSIS;
  else if (f->has_condition[OP_COND_OSTEOPOROSIS] && low_or_absent) p->diagnosis = OP_DX_OSTEOPOROSIS;
  else if (f->has_lowest && t < TH(T_LOW_BONE_MASS) && f->minor_site_fx >= 0) p->diagnosis = OP_DX_OSTEOPOROSIS;
  else if (f->has_lowest) p->diagnosis = t < TH(T_LOW_BONE_MASS) ? OP_DX_OSTEOPENIA : OP_DX_NORMAL;
  else p->diagnosis = OP_DX_UNKNOWN;
}

static void add(eng *e, op_criterion_t code, const op_say *say) {
  op_plan *p = e->p;
  /* whole: the plan's lists are not zeroed (plan_clear) */
  p->criteria[p->n_criteria++] = (op_criterion){.code = code, .say = say, .sources = e->kb->criterion[code].sources};
}

#define CRIT(code, ...) add(e, code, SAY(e, SAY_CRITERION, code, __VA_ARGS__))

/* A FRAX value, or the knowledge base's word for none. */
static op_arg frax_arg(const char *name, bool has, double v) {
  return has ? A_PCT(name, v) : A_NAME(name, SAY_UI, OP_UI_NONE);
}

static const op_say *frax_thresholds(eng *e, double mof, double hip) {
  return SAY(e, SAY_PHRASE, OP_PH_FRAX_THRESHOLDS, A_NUM("from", mof), A_NUM("to", hip));
}

void risk_assess(eng *e) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  op_plan *p = e->p;
  diagnose(e);
  p->risk = OP_RISK_UNKNOWN;
  if (!f->in_scope) return; /* section 0: risk unknown, no criteria */

  double t = f->lowest_t;
  op_arg tv = f->has_lowest ? A_T("value", t) : A_NAME("value", SAY_UI, OP_UI_NONE);
  op_arg ts = f->has_lowest ? A_NAME("site", SAY_SITE, f->lowest_site) : A_EMPTY("site");
  op_arg td = f->has_lowest ? A_DATE("date", f->lowest_date) : A_EMPTY("date");
  bool has_mof = r->frax.has_mof, has_hip = r->frax.has_hip;
  op_arg mof = frax_arg("frax_major", has_mof, r->frax.mof), hip = frax_arg("frax_hip", has_hip, r->frax.hip);

  if (f->has_lowest && t <= TH(T_OSTEOPOROSIS))
    CRIT(OP_CR_T_SCORE_OSTEOPOROSIS, tv, ts, td, A_T("threshold", TH(T_OSTEOPOROSIS)));
  if (f->hip_spine_fx >= 0) {
    const op_fracture *x = &r->fractures[f->hip_spine_fx];
    CRIT(OP_CR_HIP_OR_VERTEBRAL_FRACTURE, A_NAME("fracture_site", SAY_FX_SITE, x->site),
         A_DATE("fracture_date", x->date));
  }
  if (f->has_lowest && t > TH(T_OSTEOPOROSIS) && t < TH(T_LOW_BONE_MASS) && f->minor_site_fx >= 0) {
    const op_fracture *x = &r->fractures[f->minor_site_fx];
    CRIT(OP_CR_OSTEOPENIA_WITH_FRACTURE, tv, ts, A_T("threshold", TH(T_LOW_BONE_MASS)),
         A_NAME("fracture_site", SAY_FX_SITE, x->site), A_DATE("fracture_date", x->date));
  }
  bool low_or_absent = !f->has_lowest || t < TH(T_LOW_BONE_MASS);
  if (f->has_condition[OP_COND_OSTEOPOROSIS] && low_or_absent) CRIT(OP_CR_RECORDED_OSTEOPOROSIS, tv);
  bool frax_high = (has_mof && r->frax.mof >= TH(FRAX_MOF_HIGH)) || (has_hip && r->frax.hip >= TH(FRAX_HIP_HIGH));
  if (frax_high && low_or_absent)
    CRIT(OP_CR_FRAX_HIGH, mof, hip, A_SAY("threshold", frax_thresholds(e, TH(FRAX_MOF_HIGH), TH(FRAX_HIP_HIGH))));
  if (f->gc_high && low_or_absent) {
    const op_medication *m = &r->meds[f->gc_high_idx];
    CRIT(OP_CR_GC_HIGH_DOSE, A_NUM("dose", f->gc_dose), A_DATE("start", m->start),
         A_NUM("threshold", TH(GC_HIGH_DOSE_MG)), A_NUM("months", TH(GC_HIGH_DOSE_MONTHS)));
  }
  /* glucocorticoid_very_high_dose makes treatment indicated on its own */
  if (p->n_criteria == 0 && !f->gc_very_high) {
    /* Not indicated: low with a T-score or a FRAX, else unknown. */
    p->risk = (f->has_lowest || has_mof || has_hip) ? OP_RISK_LOW : OP_RISK_UNKNOWN;
    return;
  }
  int n_high = p->n_criteria;
  if (f->recent_fx >= 0) {
    const op_fracture *x = &r->fractures[f->recent_fx];
    CRIT(OP_CR_RECENT_FRACTURE, A_NAME("fracture_site", SAY_FX_SITE, x->site), A_DATE("fracture_date", x->date),
         A_NUM("months", (double)date_whole_months_between(x->date, e->f.as_of)),
         A_NUM("window", TH(RECENT_FRACTURE_MONTHS)));
  }
  if (f->n_fragility >= TH(MULTIPLE_FRACTURES)) CRIT(OP_CR_MULTIPLE_FRACTURES, A_NUM("count", f->n_fragility));
  if (f->has_lowest && t <= TH(T_VERY_LOW)) CRIT(OP_CR_T_SCORE_VERY_LOW, tv, ts, A_T("threshold", TH(T_VERY_LOW)));
  if (f->finding[OP_FD_FRACTURE_ON_THERAPY]) {
    const op_fracture *x = &r->fractures[f->fot_fx];
    const op_therapy *c = &r->therapies[f->fot_course];
    CRIT(OP_CR_FRACTURE_ON_THERAPY, A_NAME("fracture_site", SAY_FX_SITE, x->site), A_DATE("fracture_date", x->date),
         A_NUM("months", (double)date_whole_months_between(c->start, x->date)),
         A_NAME("course_agent", SAY_AGENT, c->agent), A_DATE("start", c->start));
  }
  if ((has_mof && r->frax.mof >= TH(FRAX_MOF_VERY_HIGH)) || (has_hip && r->frax.hip >= TH(FRAX_HIP_VERY_HIGH)))
    CRIT(OP_CR_FRAX_VERY_HIGH, mof, hip,
         A_SAY("threshold", frax_thresholds(e, TH(FRAX_MOF_VERY_HIGH), TH(FRAX_HIP_VERY_HIGH))));
  if (e->f.age >= TH(AGE_VERY_HIGH) && f->has_lowest && t <= TH(T_OSTEOPOROSIS))
    CRIT(OP_CR_AGE_75_WITH_OSTEOPOROSIS, A_NUM("age", e->f.age), A_NUM("threshold", TH(AGE_VERY_HIGH)), tv);
  if (f->gc_very_high) {
    const op_medication *m = &r->meds[f->gc_very_high_idx];
    CRIT(OP_CR_GC_VERY_HIGH_DOSE, A_NUM("dose", f->gc_dose), A_DATE("start", m->start),
         A_NUM("threshold", TH(GC_VERY_HIGH_DOSE_MG)), A_NUM("days", TH(GC_VERY_HIGH_DOSE_DAYS)));
  }
  // cppcheck-suppress knownConditionTrueFalse ; add() appends to p->criteria through e->p
  p->risk = p->n_criteria > n_high ? OP_RISK_VERY_HIGH : OP_RISK_HIGH;
}
