/*
** risk.c: diagnosis (default-profile.md section 2) and the risk category
** with the criteria met (section 3), each with the patient's own values.
*/
#include <string.h>

#include "../kb/template.h"
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

static void add(eng *e, int code, tmpl_var *v, int nv) {
  op_plan *p = e->p;
  op_criterion *c = &p->criteria[p->n_criteria++];
  c->code = code;
  c->detail = eng_fill(e, e->kb->criterion[code].detail, v, nv);
  c->sources = e->kb->criterion[code].sources;
}

static const char *site_name(eng *e, int s) { return e->kb->site[s].clinician; }
static const char *fx_name(eng *e, int s) { return e->kb->fx_site[s].clinician; }

void risk_assess(eng *e) {
  const op_facts *f = &e->f;
  const op_record *r = e->rec;
  op_plan *p = e->p;
  diagnose(e);
  p->risk = OP_RISK_UNKNOWN;
  if (!f->in_scope) return; /* section 0: risk unknown, no criteria */

  double t = f->lowest_t;
  const char *tv = f->has_lowest ? eng_t(e, t) : e->kb->ui[OP_UI_NONE].clinician;
  const char *ts = f->has_lowest ? site_name(e, f->lowest_site) : "";
  const char *td = f->has_lowest ? eng_date(e, f->lowest_date) : "";
  bool has_mof = r->frax.has_mof, has_hip = r->frax.has_hip;
  const char *mof = eng_pct(e, has_mof, r->frax.mof), *hip = eng_pct(e, has_hip, r->frax.hip);

  if (f->has_lowest && t <= TH(T_OSTEOPOROSIS)) {
    tmpl_var v[] = {{"value", tv}, {"site", ts}, {"date", td}, {"threshold", eng_t(e, TH(T_OSTEOPOROSIS))}};
    add(e, OP_CR_T_SCORE_OSTEOPOROSIS, v, 4);
  }
  if (f->hip_spine_fx >= 0) {
    const op_fracture *x = &r->fractures[f->hip_spine_fx];
    tmpl_var v[] = {{"fracture_site", fx_name(e, x->site)}, {"fracture_date", eng_date(e, x->date)}};
    add(e, OP_CR_HIP_OR_VERTEBRAL_FRACTURE, v, 2);
  }
  if (f->has_lowest && t > TH(T_OSTEOPOROSIS) && t < TH(T_LOW_BONE_MASS) && f->minor_site_fx >= 0) {
    const op_fracture *x = &r->fractures[f->minor_site_fx];
    tmpl_var v[] = {{"value", tv}, {"site", ts}, {"threshold", eng_t(e, TH(T_LOW_BONE_MASS))},
                    {"fracture_site", fx_name(e, x->site)}, {"fracture_date", eng_date(e, x->date)}};
    add(e, OP_CR_OSTEOPENIA_WITH_FRACTURE, v, 5);
  }
  bool low_or_absent = !f->has_lowest || t < TH(T_LOW_BONE_MASS);
  if (f->has_condition[OP_COND_OSTEOPOROSIS] && low_or_absent) {
    tmpl_var v[] = {{"value", tv}};
    add(e, OP_CR_RECORDED_OSTEOPOROSIS, v, 1);
  }
  bool frax_high = (has_mof && r->frax.mof >= TH(FRAX_MOF_HIGH)) || (has_hip && r->frax.hip >= TH(FRAX_HIP_HIGH));
  if (frax_high && low_or_absent) {
    const char *thr = eng_fill(e, "{from}% / {to}%",
                                (tmpl_var[]){{"from", eng_num(e, TH(FRAX_MOF_HIGH))},
                                             {"to", eng_num(e, TH(FRAX_HIP_HIGH))}}, 2);
    tmpl_var v[] = {{"frax_major", mof}, {"frax_hip", hip}, {"threshold", thr}};
    add(e, OP_CR_FRAX_HIGH, v, 3);
  }
  if (p->n_criteria == 0) {
    /* Not indicated: low with a T-score or a FRAX, else unknown. */
    p->risk = (f->has_lowest || has_mof || has_hip) ? OP_RISK_LOW : OP_RISK_UNKNOWN;
    return;
  }
  int n_high = p->n_criteria;
  if (f->recent_fx >= 0) {
    const op_fracture *x = &r->fractures[f->recent_fx];
    tmpl_var v[] = {{"fracture_site", fx_name(e, x->site)}, {"fracture_date", eng_date(e, x->date)},
                    {"months", eng_num(e, (double)date_whole_months_between(x->date, e->f.as_of))},
                    {"window", eng_num(e, TH(RECENT_FRACTURE_MONTHS))}};
    add(e, OP_CR_RECENT_FRACTURE, v, 4);
  }
  if (f->n_fragility >= TH(MULTIPLE_FRACTURES)) {
    tmpl_var v[] = {{"count", eng_num(e, f->n_fragility)}};
    add(e, OP_CR_MULTIPLE_FRACTURES, v, 1);
  }
  if (f->has_lowest && t <= TH(T_VERY_LOW)) {
    tmpl_var v[] = {{"value", tv}, {"site", ts}, {"threshold", eng_t(e, TH(T_VERY_LOW))}};
    add(e, OP_CR_T_SCORE_VERY_LOW, v, 3);
  }
  if (f->finding[OP_FD_FRACTURE_ON_THERAPY]) {
    const op_fracture *x = &r->fractures[f->fot_fx];
    const op_therapy *c = &r->therapies[f->fot_course];
    tmpl_var v[] = {{"fracture_site", fx_name(e, x->site)}, {"fracture_date", eng_date(e, x->date)},
                    {"months", eng_num(e, (double)date_whole_months_between(c->start, x->date))},
                    {"course_agent", e->kb->agent[c->agent].name}, {"start", eng_date(e, c->start)}};
    add(e, OP_CR_FRACTURE_ON_THERAPY, v, 5);
  }
  if ((has_mof && r->frax.mof >= TH(FRAX_MOF_VERY_HIGH)) || (has_hip && r->frax.hip >= TH(FRAX_HIP_VERY_HIGH))) {
    const char *thr = eng_fill(e, "{from}% / {to}%",
                                (tmpl_var[]){{"from", eng_num(e, TH(FRAX_MOF_VERY_HIGH))},
                                             {"to", eng_num(e, TH(FRAX_HIP_VERY_HIGH))}}, 2);
    tmpl_var v[] = {{"frax_major", mof}, {"frax_hip", hip}, {"threshold", thr}};
    add(e, OP_CR_FRAX_VERY_HIGH, v, 3);
  }
  if (e->f.age >= TH(AGE_VERY_HIGH) && f->has_lowest && t <= TH(T_OSTEOPOROSIS)) {
    tmpl_var v[] = {{"age", eng_num(e, e->f.age)}, {"threshold", eng_num(e, TH(AGE_VERY_HIGH))}, {"value", tv}};
    add(e, OP_CR_AGE_75_WITH_OSTEOPOROSIS, v, 3);
  }
  // cppcheck-suppress knownConditionTrueFalse ; add() appends to p->criteria through e->p
  p->risk = p->n_criteria > n_high ? OP_RISK_VERY_HIGH : OP_RISK_HIGH;
}
