/*
** fhir_map_drugs.c: MedicationRequest and MedicationStatement -> drug facts
** (see fhir_map.c for the steps, fhir_mapper.h for the state).
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir_refs.h"
#include "fhir_mapper.h"
#include "json/json_write.h"
#include "kb/kb_fhir.h"
#include "record/record.h"
#include "util/ctlchar.h"
#include "util/date.h"
#include "util/strbuf.h"

/* ---- MedicationRequest / MedicationStatement ---------------------------- */

static double period_days(const json_doc *d, int unit_tok, double period) {
  /* UCUM time units of Timing.repeat.periodUnit with a fixed length */
  if (fj_is(d, unit_tok, "d")) return period;
  if (fj_is(d, unit_tok, "wk")) return period * 7;
  if (fj_is(d, unit_tok, "h")) return period / 24;
  return 0;
}

/* Prednisone mg/day from dosageInstruction (or dosage), or 0. */
static double gc_dose(mapper *m, const json_doc *d, int r, const fhir_target *tg) {
  double factor = kb_fhir_prednisone(m->f, tg->ingredient);
  if (factor == 0) return 0;
  int di = fj_get(d, r, "dosageInstruction");
  if (di < 0) di = fj_get(d, r, "dosage");
  if (di < 0 || d->tok[di].type != JT_ARRAY || d->tok[di].size < 1) return 0;
  int first = di + 1;
  int rep = fm_fj_path(d, fj_get(d, first, "timing"), "repeat", NULL);
  double freq = 1, period = 1;
  if (rep >= 0) {
    if (fj_get(d, rep, "frequency") >= 0 && !json_number(d, fj_get(d, rep, "frequency"), &freq)) return 0;
    if (fj_get(d, rep, "period") >= 0 && !json_number(d, fj_get(d, rep, "period"), &period)) return 0;
  }
  double days = rep >= 0 ? period_days(d, fj_get(d, rep, "periodUnit"), period) : 0;
  int dr = fj_get(d, first, "doseAndRate");
  if (dr < 0 || d->tok[dr].type != JT_ARRAY || d->tok[dr].size < 1) return 0;
  int dq = fj_get(d, dr + 1, "doseQuantity");
  double v;
  if (!json_number(d, fj_get(d, dq, "value"), &v) || days <= 0 || freq <= 0) return 0;
  int u = fj_get(d, dq, "code");
  if (u < 0) u = fj_get(d, dq, "unit");
  double mg;
  if (fj_is(d, u, "mg")) mg = v;
  else if (tg->strength_mg > 0 && (fj_is(d, u, "{tbl}") || fj_is(d, u, "tablet") || fj_is(d, u, "TAB") || fj_is(d, u, "1")))
    mg = v * tg->strength_mg;
  else return 0;
  return mg * freq / days * factor;
}

/* The [fhir.local_forms] word in a string token, or NULL. */
static const char *local_in(const mapper *m, const json_doc *d, int tok) {
  if (tok < 0 || d->tok[tok].type != JT_STRING) return NULL;
  return kb_fhir_local_form(m->f, d->text + d->tok[tok].start, (size_t)(d->tok[tok].end - d->tok[tok].start));
}

/* A local dose form named in the concept's displays or text: a drug found
** by ingredient name only may be an eye drop or a cream, which the rules
** about systemic glucocorticoids and immunosuppressants do not mean. */
static bool local_concept(const mapper *m, const json_doc *d, int cc) {
  if (cc < 0 || d->tok[cc].type != JT_OBJECT) return false;
  if (local_in(m, d, fj_get(d, cc, "text"))) return true;
  int codings = fj_get(d, cc, "coding");
  if (codings < 0 || d->tok[codings].type != JT_ARRAY) return false;
  int j = codings + 1;
  for (int k = 0; k < d->tok[codings].size; k++, j = json_next(d, j))
    if (local_in(m, d, fj_get(d, j, "display"))) return true;
  return false;
}

#define LOCAL_WHY "recognised only by an ingredient name, in a local form (eye, skin, inhaled): not a systemic drug"

static const fhir_row *by_code_or_name(mapper *m, const json_doc *d, int cc, bool *by_name, char *unk, size_t unk_sz,
                                       const char **why) {
  const fhir_row *row = fm_match_concept(m, d, cc, true, by_name, unk, unk_sz);
  if (row && *by_name && local_concept(m, d, cc)) {
    *why = LOCAL_WHY;
    return NULL;
  }
  return row;
}

/* The row of the drug a request or statement names: its
** medicationCodeableConcept (R5: medication.concept), else the code of the
** Medication its medicationReference names, else that reference's display
** read by ingredient name. NULL: not a drug osteoplan knows; *why then says
** so when nothing about the drug could be read (*what: which reference). */
const fhir_row *fm_drug_row(mapper *m, const json_doc *d, int r, bool *by_name, char *unk, size_t unk_sz,
                                const char **why, const char **what) {
  *why = *what = NULL;
  *by_name = false;
  unk[0] = 0;
  int cc = fj_get(d, r, "medicationCodeableConcept");
  if (cc < 0) cc = fm_fj_path(d, r, "medication", "concept"); /* R5 shape */
  if (cc >= 0) return by_code_or_name(m, d, cc, by_name, unk, unk_sz, why);
  int mr = fhir_med_reference(d, r);
  if (mr < 0) {
    *why = "no medicationCodeableConcept or medicationReference";
    return NULL;
  }
  const json_doc *md;
  int mt;
  fhir_med_found found = fhir_medication(m->a, m->refs, d, r, mr, &md, &mt, what);
  if (found == FHIR_MED_AMBIGUOUS) { /* never whichever comes first */
    *why = "medicationReference to two Medications with one id and different codes";
    return NULL;
  }
  if (found == FHIR_MED_FOUND) {
    cc = fj_get(md, mt, "code");
    if (cc < 0) *why = "its Medication has no code";
    return cc < 0 ? NULL : by_code_or_name(m, md, cc, by_name, unk, unk_sz, why);
  }
  int disp = fj_get(d, mr, "display");
  const fhir_row *row = disp >= 0 && d->tok[disp].type == JT_STRING
                            ? kb_fhir_lookup(m->f, FS_NAME, d->text + d->tok[disp].start,
                                             (size_t)(d->tok[disp].end - d->tok[disp].start))
                            : NULL;
  if (row && local_in(m, d, disp)) {
    *why = LOCAL_WHY;
    return NULL;
  }
  if (row) {
    *by_name = true;
  } else if (disp >= 0 && d->tok[disp].type == JT_STRING) {
    /* named, and not a drug osteoplan knows: as a concept's unknown text */
    const char *dt = fj_str(m->a, d, disp);
    snprintf(unk, unk_sz, "%s '%s'", *what, dt ? dt : "?");
  } else {
    *why = "medicationReference to a Medication not in the input";
  }
  return row;
}

void fm_read_medication(mapper *m, const json_doc *d, int r, tally *t, bool request) {
  t->read++;
  const char *type = request ? "MedicationRequest" : "MedicationStatement";
  const char *ref = fm_ref_of(m, d, r, type);
  int st = fj_get(d, r, "status");
  if (fj_is(d, st, "entered-in-error") || fj_is(d, st, "cancelled") || fj_is(d, st, "not-taken") ||
      fj_is(d, st, "draft")) {
    fm_skip(m, t, "entered in error, cancelled, draft or not taken", ref);
    return;
  }
  bool by_name;
  char unk[160];
  const char *why, *what;
  const fhir_row *row = fm_drug_row(m, d, r, &by_name, unk, sizeof unk, &why, &what);
  if (!row && why) {
    fm_skip(m, t, why, what ? fm_cat3(m->a, ref, " -> ", what) : ref);
    return;
  }
  const fhir_target *tg = NULL;
  for (int i = 0; row && i < row->nt; i++)
    if (row->t[i].kind == FT_AGENT || row->t[i].kind == FT_MEDICATION) tg = &row->t[i];
  if (!tg) {
    fm_skip(m, t, "not a drug osteoplan uses", unk);
    return;
  }
  if (by_name && m->n_name_matched < MAX_EXAMPLES) m->name_matched[m->n_name_matched++] = ref;
  f_drug g = {.is_agent = tg->kind == FT_AGENT, .code = tg->code, .ingredient = tg->ingredient,
              .from_request = request, .p = {ref, false}};
  bool current = fj_is(d, st, "active") || fj_is(d, st, "on-hold") || (!request && fj_is(d, st, "intended"));
  if (request) {
    if (!fm_fj_date(d, fj_get(d, r, "authoredOn"), &g.start, NULL)) {
      fm_skip(m, t, "no authoredOn date", ref);
      return;
    }
    int dr = fj_get(d, r, "dispenseRequest");
    op_date e;
    int supply = fm_fj_path(d, dr, "expectedSupplyDuration", NULL);
    double sv;
    if (fm_fj_date(d, fm_fj_path(d, fj_get(d, dr, "validityPeriod"), "end", NULL), &e, NULL)) {
      g.end = e;
    } else if (supply >= 0 && json_number(d, fj_get(d, supply, "value"), &sv) && sv > 0 &&
               period_days(d, fj_get(d, supply, "code"), sv) > 0) {
      g.end = g.start + (op_date)period_days(d, fj_get(d, supply, "code"), sv);
    } else {
      g.end = g.start;
    }
    g.has_end = true;
  } else {
    int eff = fj_get(d, r, "effectivePeriod");
    op_date s, e;
    if (fm_fj_date(d, fj_get(d, eff, "start"), &s, NULL)) {
      g.start = s;
      if (fm_fj_date(d, fj_get(d, eff, "end"), &e, NULL)) g.end = e, g.has_end = true;
    } else if (fm_fj_date(d, fj_get(d, r, "effectiveDateTime"), &s, NULL)) {
      g.start = s;
    } else {
      fm_skip(m, t, "no effective date", ref);
      return;
    }
    if (!g.has_end && !current) g.end = g.start, g.has_end = true;
  }
  if (g.start > m->as_of) {
    fm_skip(m, t, "started after as_of", ref);
    return;
  }
  g.current = current;
  if (!g.is_agent && g.code == OP_MED_GLUCOCORTICOID) {
    g.dose = gc_dose(m, d, r, tg);
    if (g.dose == 0) m->no_dose_gc++;
  }
  if (!PUSH(m, drug, n_drug, cap_drug)) return;
  m->drug[m->n_drug++] = g;
  t->used++;
}


/* ---- Procedure ---------------------------------------------------------- */

/* A Procedure whose code implies a condition (a transplant: the patient
** lives with the transplanted organ) adds that condition, dated by the
** procedure. One not done, only planned, stopped or entered in error does
** not; OMOP procedure rows come without a status and count as done. */
void fm_read_procedure(mapper *m, const json_doc *d, int r, tally *t) {
  t->read++;
  const char *ref = fm_ref_of(m, d, r, "Procedure");
  int st = fj_get(d, r, "status");
  if (fj_is(d, st, "not-done") || fj_is(d, st, "entered-in-error") || fj_is(d, st, "preparation") ||
      fj_is(d, st, "stopped") || fj_is(d, st, "on-hold")) {
    fm_skip(m, t, "not done, planned, stopped or entered in error", ref);
    return;
  }
  bool by_name;
  char unk[160];
  const fhir_row *row = fm_match_concept(m, d, fj_get(d, r, "code"), false, &by_name, unk, sizeof unk);
  bool implies = false;
  for (int i = 0; row && i < row->nt; i++) implies |= row->t[i].kind == FT_CONDITION;
  if (!implies) {
    fm_skip(m, t, "not a procedure osteoplan uses (transplants are)", unk[0] ? unk : ref);
    return;
  }
  op_date date = 0;
  bool year_only = false;
  bool has_date = fm_fj_date(d, fj_get(d, r, "performedDateTime"), &date, &year_only) ||
                  fm_fj_date(d, fm_fj_path(d, r, "performedPeriod", "start"), &date, &year_only);
  if (has_date && date > m->as_of) {
    fm_skip(m, t, "dated after as_of", ref);
    return;
  }
  for (int i = 0; i < row->nt; i++)
    if (row->t[i].kind == FT_CONDITION) fm_add_condition(m, row->t[i].code, date, has_date && !year_only, ref);
  t->used++;
}
