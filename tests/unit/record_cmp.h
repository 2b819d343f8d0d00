/*
** record_cmp.h: are two op_records the same, field by field? For the tests
** that compare the one-pass reader with the strict one (test_record_fast.c,
** fuzz/fuzz_record.c). Doubles are compared by their bits (-0 is not 0),
** strings by content, lists by count, presence and entries; pointers
** themselves differ and are not compared. Header-only: both link it.
*/
#ifndef OSTEO_RECORD_CMP_H
#define OSTEO_RECORD_CMP_H

#include <stdio.h>
#include <string.h>

#include "record/record.h"

static inline bool rc_dbl(double a, double b) { return !memcmp(&a, &b, sizeof a); }
static inline bool rc_str(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

#define RC_F(field) (x->field == y->field)
#define RC_D(field) rc_dbl(x->field, y->field)
#define RC_S(field) rc_str(x->field, y->field)
#define RC_FAIL(what)                         \
  do {                                        \
    snprintf(why, whyn, "%s", what);          \
    return false;                             \
  } while (0)

static inline bool rc_list(const void *a, const void *b, int na, int nb) {
  return na == nb && (a == NULL) == (b == NULL);
}

static inline bool rc_entries(const op_record *p, const op_record *q, char *why, size_t whyn) {
  for (int i = 0; i < p->n_bmd; i++) {
    const op_bmd *x = &p->bmd[i], *y = &q->bmd[i];
    if (!(RC_F(site) && RC_D(t_score) && RC_D(bmd) && RC_F(has_bmd) && RC_F(date))) RC_FAIL("bmd[]");
  }
  for (int i = 0; i < p->n_fractures; i++) {
    const op_fracture *x = &p->fractures[i], *y = &q->fractures[i];
    if (!(RC_F(site) && RC_F(mechanism) && RC_F(date) && RC_F(year_only))) RC_FAIL("fractures[]");
  }
  for (int i = 0; i < p->n_therapies; i++) {
    const op_therapy *x = &p->therapies[i], *y = &q->therapies[i];
    if (!(RC_F(agent) && RC_F(start) && RC_F(end) && RC_F(last_dose) && RC_F(has_end) && RC_F(has_last_dose) &&
          RC_F(has_doses) && RC_F(has_stop_reason) && RC_F(doses) && RC_F(stop_reason) && RC_F(adherence_poor)))
      RC_FAIL("therapies[]");
  }
  for (int i = 0; i < p->n_meds; i++) {
    const op_medication *x = &p->meds[i], *y = &q->meds[i];
    if (!(RC_F(cls) && RC_D(dose) && RC_F(has_dose) && RC_F(has_start) && RC_F(has_end) && RC_F(start) &&
          RC_F(end) && RC_S(name)))
      RC_FAIL("medications[]");
  }
  for (int i = 0; i < p->n_conditions; i++) {
    const op_condition *x = &p->conditions[i], *y = &q->conditions[i];
    if (!(RC_F(code) && RC_F(has_date) && RC_F(date))) RC_FAIL("conditions[]");
  }
  for (int i = 0; i < p->n_p1np; i++) {
    const op_marker *x = &p->p1np[i], *y = &q->p1np[i];
    if (!(RC_D(value) && RC_F(date))) RC_FAIL("labs.p1np[]");
  }
  for (int i = 0; i < p->n_ctx; i++) {
    const op_marker *x = &p->ctx[i], *y = &q->ctx[i];
    if (!(RC_D(value) && RC_F(date))) RC_FAIL("labs.ctx[]");
  }
  for (int i = 0; i < p->n_identifiers; i++) {
    const op_identifier *x = &p->identifiers[i], *y = &q->identifiers[i];
    if (!(RC_S(system) && RC_S(value) && RC_S(type))) RC_FAIL("identifiers[]");
  }
  return true;
}

/* true when a and b hold the same record; else why names the first field
** that differs. */
static inline bool record_same(const op_record *a, const op_record *b, char *why, size_t whyn) {
  const op_record *x = a, *y = b;
  if (!(RC_S(id) && RC_S(name) && RC_S(mrn))) RC_FAIL("id, name or mrn");
  if (!(RC_F(as_of) && RC_F(sex) && RC_F(has_birth_date) && RC_F(birth_date) && RC_F(age) && RC_F(menopause)))
    RC_FAIL("as_of, sex, birth_date, age or menopause");
  if (!(RC_F(has_weight) && RC_F(has_height) && RC_D(weight_kg) && RC_D(height_cm))) RC_FAIL("weight or height");
  if (!(RC_D(frax.mof) && RC_D(frax.hip) && RC_F(frax.has_mof) && RC_F(frax.has_hip) && RC_F(frax.present) &&
        RC_F(frax.has_date) && RC_F(frax.date)))
    RC_FAIL("frax");
  if (!(RC_F(has_falls) && RC_F(falls_past_year) && RC_F(smoker) && RC_F(has_alcohol) && RC_D(alcohol_units)))
    RC_FAIL("falls or lifestyle");
  if (!(RC_F(has_egfr) && RC_F(has_crcl) && RC_F(has_calcium) && RC_F(has_vitd) && RC_D(egfr) && RC_D(crcl) &&
        RC_D(calcium) && RC_D(vitd) && RC_F(egfr_date) && RC_F(crcl_date) && RC_F(calcium_date) && RC_F(vitd_date)))
    RC_FAIL("labs");
  if (!rc_list(a->bmd, b->bmd, a->n_bmd, b->n_bmd)) RC_FAIL("bmd");
  if (!rc_list(a->fractures, b->fractures, a->n_fractures, b->n_fractures)) RC_FAIL("fractures");
  if (!rc_list(a->therapies, b->therapies, a->n_therapies, b->n_therapies)) RC_FAIL("therapies");
  if (!rc_list(a->meds, b->meds, a->n_meds, b->n_meds)) RC_FAIL("medications");
  if (!rc_list(a->conditions, b->conditions, a->n_conditions, b->n_conditions)) RC_FAIL("conditions");
  if (!rc_list(a->p1np, b->p1np, a->n_p1np, b->n_p1np)) RC_FAIL("labs.p1np");
  if (!rc_list(a->ctx, b->ctx, a->n_ctx, b->n_ctx)) RC_FAIL("labs.ctx");
  if (!rc_list(a->identifiers, b->identifiers, a->n_identifiers, b->n_identifiers)) RC_FAIL("identifiers");
  return rc_entries(a, b, why, whyn);
}

#undef RC_F
#undef RC_D
#undef RC_S
#undef RC_FAIL

#endif
