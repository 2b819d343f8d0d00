/*
** fhir_map.c: FHIR R4 resources -> patient record (see fhir_map.h).
**
** Three steps. (1) Each resource is read into a flat fact (a DXA result, a
** fracture, a drug order...) or counted as skipped with its reason. (2) The
** facts are combined as spec/ehr.md says: orders become courses, a fracture
** coded twice becomes one event, the latest lab value wins. (3) The record is
** written as JSON and checked by record_read(); a field the reader rejects
** is dropped with its resource named in the notes and the record is written
** again, so one bad Observation never costs the patient a plan.
*/
#include "fhir_map.h"
#include "fhir_mapper.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir_refs.h"
#include "json/json_write.h"
#include "kb/kb_fhir.h"
#include "osteoplan.h"
#include "record/record.h"
#include "util/ctlchar.h"
#include "util/date.h"
#include "util/strbuf.h"

/* ---- JSON helpers ------------------------------------------------------- */

int fm_fj_path(const json_doc *d, int tok, const char *k1, const char *k2) {
  int t = fj_get(d, tok, k1);
  return k2 ? fj_get(d, t, k2) : t;
}

/* A FHIR date or dateTime: the calendar date of its first 10 characters.
** year_only is set for "YYYY"; "YYYY-MM" is not a date here. */
bool fm_fj_date(const json_doc *d, int tok, op_date *out, bool *year_only) {
  if (year_only) *year_only = false;
  if (tok < 0 || d->tok[tok].type != JT_STRING) return false;
  const char *s = d->text + d->tok[tok].start;
  int n = d->tok[tok].end - d->tok[tok].start;
  if (n >= 10 && date_parse(s, 10, out)) return true;
  if (n == 4 && year_only) {
    int y = 0;
    for (int i = 0; i < 4; i++) {
      if (s[i] < '0' || s[i] > '9') return false;
      y = y * 10 + (s[i] - '0');
    }
    if (y < 1) return false;
    *out = date_from_ymd(y, 7, 1);
    *year_only = true;
    return true;
  }
  return false;
}

int fhir_collect(const json_doc *d, int tok, fhir_res *out, int max) {
  if (tok < 0 || d->tok[tok].type != JT_OBJECT) return -1;
  int rt = fj_get(d, tok, "resourceType");
  int n = 0;
  if (rt >= 0 && fj_is(d, rt, "Bundle")) {
    int entries = fj_get(d, tok, "entry");
    if (entries < 0) return 0;
    if (d->tok[entries].type != JT_ARRAY) return -1;
    int j = entries + 1;
    for (int k = 0; k < d->tok[entries].size; k++, j = json_next(d, j)) {
      int r = fj_get(d, j, "resource");
      if (r < 0) continue;
      int got = fhir_collect(d, r, out + n, max - n);
      if (got > 0) n += got;
    }
    return n;
  }
  if (rt >= 0) {
    if (max < 1) return 0;
    out[0] = (fhir_res){d, tok};
    return 1;
  }
  /* a prefetch object: key -> resource, Bundle or null */
  int j = tok + 1;
  for (int m = 0; m < d->tok[tok].size; m++, j = json_next(d, j + 1)) {
    int v = j + 1;
    if (d->tok[v].type != JT_OBJECT) continue;
    int got = fhir_collect(d, v, out + n, max - n);
    if (got > 0) n += got;
  }
  return n;
}

static tally *tally_of(mapper *m, const char *type) {
  for (int i = 0; i < m->nt; i++)
    if (!strcmp(m->t[i].what, type)) return &m->t[i];
  if (m->nt == 6) return &m->t[5];
  m->t[m->nt] = (tally){.what = type};
  return &m->t[m->nt++];
}

void fm_skip(mapper *m, tally *t, const char *reason, const char *example) {
  int i;
  for (i = 0; i < t->nreason; i++)
    if (!strcmp(t->reason[i], reason)) break;
  if (i == t->nreason) {
    if (t->nreason == 8) i = 7;
    else t->reason[t->nreason++] = reason;
  }
  t->count[i]++;
  if (example && t->nex[i] < MAX_EXAMPLES) {
    for (int k = 0; k < t->nex[i]; k++)
      if (!strcmp(t->example[i][k], example)) return;
    const char *copy = arena_strdup(m->a, example); /* NULL: out of memory, counted by the arena */
    if (copy) t->example[i][t->nex[i]++] = copy;
  }
}

void fm_note(mapper *m, const char *fmt, ...) {
  if (m->n_notes >= MAX_NOTES + 8) return;
  strbuf b;
  sb_init(&b, m->a);
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(&b, fmt, ap);
  va_end(ap);
  m->notes[m->n_notes++] = sb_str(&b);
}

const char *fm_cat3(arena *a, const char *x, const char *y, const char *z) {
  strbuf b;
  sb_init(&b, a);
  sb_cat(&b, x, y, z, (char *)NULL);
  return sb_str(&b);
}

const char *fm_ref_of(mapper *m, const json_doc *d, int r, const char *type) {
  const char *id = fj_str(m->a, d, fj_get(d, r, "id"));
  strbuf b;
  sb_init(&b, m->a);
  sb_cat(&b, type, "/", id ? id : "(no id)", (char *)NULL);
  return sb_str(&b);
}

/* ---- codings ------------------------------------------------------------ */

static int system_of(const json_doc *d, int sys) {
  static const struct {
    const char *url;
    int s;
  } systems[] = {
      {"http://loinc.org", FS_LOINC},
      {"http://hl7.org/fhir/sid/icd-10-cm", FS_ICD10CM},
      {"http://hl7.org/fhir/sid/icd-10", FS_ICD10CM},
      {"http://snomed.info/sct", FS_SNOMED},
      {"http://www.nlm.nih.gov/research/umls/rxnorm", FS_RXNORM},
      {"http://www.whocc.no/atc", FS_ATC},
  };
  for (size_t i = 0; i < sizeof systems / sizeof *systems; i++)
    if (fj_is(d, sys, systems[i].url)) return systems[i].s;
  return -1;
}

static const char *system_name(int s) {
  static const char *const names[] = {"LOINC", "ICD-10-CM", "SNOMED CT", "RxNorm", "ATC", "name"};
  return s >= 0 && s < FS_N ? names[s] : "code";
}

/* snprintf(out, cap, "%s%s...", parts...) without the formatter: the same
** bytes, cut at cap - 1 (a description is made for every code not mapped). */
static void cat_cut(char *out, size_t cap, const char *const *parts, int n) {
  size_t k = 0;
  for (int i = 0; i < n && k + 1 < cap; i++) {
    size_t l = strlen(parts[i]);
    if (l > cap - 1 - k) l = cap - 1 - k;
    memcpy(out + k, parts[i], l);
    k += l;
  }
  out[k] = 0;
}

/* The first row matching a coding of the CodeableConcept cc; else, when
** names, an ingredient word in a display or the text. *unknown gets a short
** description of the first coding for the notes. */
const fhir_row *fm_match_concept(mapper *m, const json_doc *d, int cc, bool names, bool *by_name,
                                     char *unknown, size_t unk_sz) {
  *by_name = false;
  unknown[0] = 0;
  if (cc < 0 || d->tok[cc].type != JT_OBJECT) return NULL;
  int codings = fj_get(d, cc, "coding");
  if (codings >= 0 && d->tok[codings].type == JT_ARRAY) {
    int j = codings + 1;
    for (int k = 0; k < d->tok[codings].size; k++, j = json_next(d, j)) {
      int s = system_of(d, fj_get(d, j, "system")), code = fj_get(d, j, "code");
      if (code < 0 || d->tok[code].type != JT_STRING) continue;
      const json_tok *ct = &d->tok[code];
      const fhir_row *r = s >= 0 ? kb_fhir_lookup(m->f, s, d->text + ct->start, (size_t)(ct->end - ct->start)) : NULL;
      if (r) return r;
      if (!unknown[0]) {
        const char *disp = fj_str(m->a, d, fj_get(d, j, "display"));
        const char *c = fj_str(m->a, d, code);
        const char *parts[] = {s >= 0 ? system_name(s) : "code", " ", c ? c : "?", disp ? " '" : "",
                               disp ? disp : "", disp ? "'" : ""};
        cat_cut(unknown, unk_sz, parts, 6);
      }
    }
  }
  if (!names) return NULL;
  /* ingredient words in displays and text */
  const fhir_row *best = NULL;
  if (codings >= 0 && d->tok[codings].type == JT_ARRAY) {
    int j = codings + 1;
    for (int k = 0; k < d->tok[codings].size && !best; k++, j = json_next(d, j)) {
      int disp = fj_get(d, j, "display");
      if (disp >= 0 && d->tok[disp].type == JT_STRING)
        best = kb_fhir_lookup(m->f, FS_NAME, d->text + d->tok[disp].start, (size_t)(d->tok[disp].end - d->tok[disp].start));
    }
  }
  int text = fj_get(d, cc, "text");
  if (!best && text >= 0 && d->tok[text].type == JT_STRING)
    best = kb_fhir_lookup(m->f, FS_NAME, d->text + d->tok[text].start, (size_t)(d->tok[text].end - d->tok[text].start));
  if (best) *by_name = true;
  if (!unknown[0] && text >= 0) {
    const char *t = fj_str(m->a, d, text);
    snprintf(unknown, unk_sz, "'%s'", t ? t : "?");
  }
  return best;
}

/* Record text quoted in a message (a card's detail, stderr): control
** characters named, cut at REC_QUOTE bytes so one field cannot fill the
** message or hide what follows it. */
#define REC_QUOTE 80
typedef struct {
  char s[REC_QUOTE + 4];
} quoted;

static quoted quote(const char *s) {
  quoted q = {{0}};
  if (!s) s = "(none)";
  size_t k = ctl_escape(q.s, REC_QUOTE + 1, s);
  char more[REC_QUOTE + 8]; /* room for one more character: did s go on? */
  if (ctl_escape(more, sizeof more, s) > k) memcpy(q.s + k, "...", 4);
  return q;
}

/* ---- Patient ------------------------------------------------------------ */

/* Two copies of one Patient (the prefetch's and a search's, say) must
** agree: a plan for a patient whose sex, age or death is in doubt is worse
** than none. A field one copy leaves out is taken from the other. */
static bool differ(const char *x, const char *y) { return x && y && strcmp(x, y); }

static void read_patient(mapper *m, const json_doc *d, int r, tally *t) {
  t->read++;
  t->used++;
  const char *gender = fj_str(m->a, d, fj_get(d, r, "gender"));
  const char *birth = fj_str(m->a, d, fj_get(d, r, "birthDate"));
  const char *when = fj_str(m->a, d, fj_get(d, r, "deceasedDateTime"));
  bool dead = false;
  int db = fj_get(d, r, "deceasedBoolean");
  int dead_bool = db >= 0 && json_is_bool(d, db, &dead) ? dead : -1;
  if (m->n_patients && !m->conflict[0]) {
    bool dead_differ = (m->dead_bool >= 0 && dead_bool >= 0 && m->dead_bool != dead_bool) ||
                       differ(m->dead_when, when) || (m->dead_bool == 0 && when) || (dead_bool == 0 && m->dead_when);
    const char *what = differ(m->gender, gender) ? "gender" : differ(m->birth_raw, birth) ? "birthDate"
                       : dead_differ                                                    ? "deceased"
                                                                                        : NULL;
    if (what)
      snprintf(m->conflict, sizeof m->conflict,
               "two Patient resources with id '%s' disagree on %s: which is right cannot be told, so no plan",
               quote(m->id).s, what);
  }
  m->n_patients++;
  if (gender) m->gender = gender;
  if (birth) m->birth_raw = birth;
  if (when) m->dead_when = when;
  if (dead_bool >= 0) m->dead_bool = dead_bool;
  const char *url = fhir_full_url(m->a, d, r);
  if (url && m->n_urls < 4) m->urls[m->n_urls++] = url;
  fm_read_identity(m, d, r);
}

/* The merged Patient as the record needs it. */
static void patient_facts(mapper *m) {
  m->sex = !m->gender ? -1 : !strcmp(m->gender, "female") ? OP_SEX_FEMALE : !strcmp(m->gender, "male") ? OP_SEX_MALE : -2;
  /* a full date: the age needs the day */
  m->has_birth = m->birth_raw && strlen(m->birth_raw) == 10 && date_parse(m->birth_raw, 10, &m->birth);
  op_date when;
  if (m->dead_bool == 1) {
    m->deceased = true;
    snprintf(m->deceased_how, sizeof m->deceased_how, "deceasedBoolean true");
  } else if (m->dead_when && strlen(m->dead_when) >= 10 && date_parse(m->dead_when, 10, &when) && when <= m->as_of) {
    char s[11];
    date_format(when, s);
    m->deceased = true;
    snprintf(m->deceased_how, sizeof m->deceased_how, "deceasedDateTime %s", s);
  }
}

/* NULL when resource r is the patient's, else why not (a skip reason). */
static const char *not_the_patients(mapper *m, const json_doc *d, int r, const char **subject) {
  int s = fj_get(d, r, "subject");
  if (s < 0) s = fj_get(d, r, "patient");
  *subject = NULL;
  if (s < 0) return m->single ? NULL : "no subject, and the input holds more than one patient";
  const char *ref = *subject = fj_str(m->a, d, fj_get(d, s, "reference"));
  if (!ref) return "a subject without a reference osteoplan can match to the patient";
  if (fhir_ref_names(ref, "Patient", m->id, NULL)) return NULL;
  for (int k = 0; k < m->n_urls; k++) /* its entry's fullUrl, or a URL on that server */
    if (fhir_ref_names(ref, "Patient", m->id, m->urls[k])) return NULL;
  return "the subject is another patient (or a reference osteoplan cannot match to this one)";
}

/* ---- Observation -------------------------------------------------------- */

static bool status_final(const json_doc *d, int r) {
  int st = fj_get(d, r, "status");
  return fj_is(d, st, "final") || fj_is(d, st, "amended") || fj_is(d, st, "corrected");
}

static int quantity_of(const fhir_target *t) {
  switch (t->kind) {
  case FT_T_SCORE: return Q_T_SCORE;
  case FT_BMD: return Q_BMD;
  case FT_FRAX: return Q_FRAX;
  default: return t->code == LAB_VITAMIN_D ? Q_VITAMIN_D : t->code == LAB_EGFR ? Q_EGFR : Q_CALCIUM;
  }
}

static f_bmd *bmd_slot(mapper *m, int site, op_date date, const char *ref) {
  for (int i = 0; i < m->n_bmd; i++)
    if (m->bmd[i].site == site && m->bmd[i].date == date) return &m->bmd[i];
  if (!PUSH(m, bmd, n_bmd, cap_bmd)) return NULL;
  f_bmd *b = &m->bmd[m->n_bmd++];
  *b = (f_bmd){.site = site, .date = date, .p = {ref, false}};
  return b;
}

static void read_observation(mapper *m, const json_doc *d, int r, tally *t) {
  t->read++;
  bool by_name;
  char unk[160];
  const fhir_row *row = fm_match_concept(m, d, fj_get(d, r, "code"), false, &by_name, unk, sizeof unk);
  if (!row) {
    fm_skip(m, t, "no mapping for its code", unk);
    return;
  }
  const char *ref = fm_ref_of(m, d, r, "Observation");
  if (!status_final(d, r)) {
    fm_skip(m, t, "status not final, amended or corrected", ref);
    return;
  }
  op_date date;
  int eff = fj_get(d, r, "effectiveDateTime");
  if (eff < 0) eff = fm_fj_path(d, r, "effectivePeriod", "start");
  if (eff < 0) eff = fj_get(d, r, "issued");
  if (!fm_fj_date(d, eff, &date, NULL)) {
    fm_skip(m, t, "no full effective date", ref);
    return;
  }
  if (date > m->as_of) {
    fm_skip(m, t, "dated after as_of", ref);
    return;
  }
  int vq = fj_get(d, r, "valueQuantity");
  double v;
  if (!json_number(d, fj_get(d, vq, "value"), &v)) {
    fm_skip(m, t, "no numeric valueQuantity", ref);
    return;
  }
  const fhir_target *tg = &row->t[0];
  int unit = fj_get(d, vq, "code");
  if (unit < 0) unit = fj_get(d, vq, "unit");
  const json_tok *ut = unit >= 0 && d->tok[unit].type == JT_STRING ? &d->tok[unit] : NULL;
  double factor = kb_fhir_unit(m->f, quantity_of(tg), ut ? d->text + ut->start : NULL,
                               ut ? (size_t)(ut->end - ut->start) : 0);
  if (factor == 0) {
    fm_skip(m, t, "a unit osteoplan does not convert", ref);
    return;
  }
  v *= factor;
  prov p = {ref, false};
  switch (tg->kind) {
  case FT_T_SCORE:
  case FT_BMD: {
    f_bmd *b = bmd_slot(m, tg->code, date, ref);
    if (!b) return;
    if (tg->kind == FT_T_SCORE) b->t = v, b->has_t = true, b->p.ref = ref;
    else b->bmd = v, b->has_bmd = true;
    break;
  }
  case FT_FRAX:
  case FT_LAB: {
    f_value *fv = tg->kind == FT_FRAX ? &m->frax[tg->code] : &m->lab[tg->code];
    if (fv->has && fv->date >= date) {
      fm_skip(m, t, "an older value of the same test", ref);
      return;
    }
    *fv = (f_value){v, date, true, p};
    break;
  }
  default:
    fm_skip(m, t, "no mapping for its code", unk);
    return;
  }
  t->used++;
}

/* ---- Condition ---------------------------------------------------------- */

static bool concept_has(const json_doc *d, int cc, const char *code) {
  int codings = fj_get(d, cc, "coding");
  if (codings < 0 || d->tok[codings].type != JT_ARRAY) return false;
  int j = codings + 1;
  for (int k = 0; k < d->tok[codings].size; k++, j = json_next(d, j))
    if (fj_is(d, fj_get(d, j, "code"), code)) return true;
  return false;
}

static void add_fracture(mapper *m, int site, op_date date, bool year_only, const char *ref) {
  if (!PUSH(m, fx, n_fx, cap_fx)) return;
  m->fx[m->n_fx++] = (f_fx){site, date, year_only, {ref, false}};
}

void fm_add_condition(mapper *m, int code, op_date date, bool has_date, const char *ref) {
  for (int i = 0; i < m->n_cond; i++)
    if (m->cond[i].code == code) { /* one entry per code, the earliest date */
      if (has_date && (!m->cond[i].has_date || date < m->cond[i].date)) m->cond[i].date = date, m->cond[i].has_date = true;
      return;
    }
  if (!PUSH(m, cond, n_cond, cap_cond)) return;
  m->cond[m->n_cond++] = (f_cond){code, date, has_date, {ref, false}};
}

/* The ICD-10-CM code of the concept that matched, for the M80 site digit. */
static const char *icd_code(mapper *m, const json_doc *d, int cc) {
  int codings = fj_get(d, cc, "coding");
  if (codings < 0 || d->tok[codings].type != JT_ARRAY) return NULL;
  int j = codings + 1;
  for (int k = 0; k < d->tok[codings].size; k++, j = json_next(d, j))
    if (system_of(d, fj_get(d, j, "system")) == FS_ICD10CM) return fj_str(m->a, d, fj_get(d, j, "code"));
  return NULL;
}

static void read_condition(mapper *m, const json_doc *d, int r, tally *t) {
  t->read++;
  const char *ref = fm_ref_of(m, d, r, "Condition");
  int vs = fj_get(d, r, "verificationStatus");
  if (concept_has(d, vs, "entered-in-error") || concept_has(d, vs, "refuted")) {
    fm_skip(m, t, "entered in error or refuted", ref);
    return;
  }
  bool by_name;
  char unk[160];
  int cc = fj_get(d, r, "code");
  const fhir_row *row = fm_match_concept(m, d, cc, false, &by_name, unk, sizeof unk);
  if (!row) {
    fm_skip(m, t, "no mapping for its code", unk);
    return;
  }
  op_date date = 0;
  bool year_only = false;
  bool has_date = fm_fj_date(d, fj_get(d, r, "onsetDateTime"), &date, &year_only) ||
                  fm_fj_date(d, fj_get(d, r, "recordedDate"), &date, &year_only);
  if (has_date && date > m->as_of) {
    fm_skip(m, t, "dated after as_of", ref);
    return;
  }
  bool used = false;
  for (int i = 0; i < row->nt; i++) {
    const fhir_target *tg = &row->t[i];
    if (tg->kind == FT_FRACTURE) {
      if (!has_date) {
        fm_skip(m, t, "a fracture without onset or recorded date", ref);
        continue;
      }
      int site = tg->code;
      if (site == FX_BY_5TH) {
        const char *icd = icd_code(m, d, cc);
        char digits[16];
        size_t k = 0;
        for (const char *p = icd ? icd : ""; *p && k + 1 < sizeof digits; p++)
          if (*p != '.') digits[k++] = *p;
        digits[k] = 0;
        bool known = false;
        site = k >= 5 ? kb_fhir_m80_site(m->f, digits[4], &known) : FX_UNSPECIFIED;
        if (!known) site = FX_UNSPECIFIED;
      }
      add_fracture(m, site, date, year_only, ref);
      m->mechanism_note = true;
      used = true;
    } else if (tg->kind == FT_CONDITION) {
      fm_add_condition(m, tg->code, date, has_date && !year_only, ref);
      used = true;
    }
  }
  if (used) t->used++;
}

/* ---- entry -------------------------------------------------------------- */

static bool same_id(const char *x, const char *y) { return x && y ? !strcmp(x, y) : x == y; }

/* Pass one: whose plan it is (the caller's patient, else the input's only
** one) and that patient's Patient resources, merged. false: out says why. */
static bool choose_patient(mapper *m, const fhir_res *res, int n, const char *patient_id, fhir_result *out) {
  const char *first = NULL, *second = NULL;
  bool any = false, several = false;
  for (int i = 0; i < n; i++) {
    const json_doc *d = res[i].doc;
    if (!fj_is(d, fj_get(d, res[i].tok, "resourceType"), "Patient")) continue;
    const char *id = fj_str(m->a, d, fj_get(d, res[i].tok, "id"));
    if (!any) first = id, any = true;
    else if (!several && !same_id(id, first)) second = id, several = true;
  }
  if (several && !patient_id) {
    out->status = FM_ERROR;
    snprintf(out->message, sizeof out->message,
             "two patients in one input: Patient/%s and Patient/%s; osteoplan plans for one patient "
             "(name it, as CDS Hooks context.patientId does)",
             quote(first ? first : "(no id)").s, quote(second ? second : "(no id)").s);
    return false;
  }
  m->id = patient_id ? patient_id : first;
  m->single = any && !several && same_id(first, m->id);
  for (int i = 0; i < n; i++) {
    const json_doc *d = res[i].doc;
    int r = res[i].tok;
    if (!fj_is(d, fj_get(d, r, "resourceType"), "Patient")) continue;
    tally *t = tally_of(m, "Patient");
    if (same_id(fj_str(m->a, d, fj_get(d, r, "id")), m->id)) {
      read_patient(m, d, r, t);
    } else {
      t->read++;
      fm_skip(m, t, "another patient", fm_ref_of(m, d, r, "Patient"));
    }
  }
  if (!m->n_patients) {
    out->status = FM_ERROR;
    if (patient_id)
      snprintf(out->message, sizeof out->message, "no Patient/%s (the patient asked for) in the input", quote(patient_id).s);
    else
      snprintf(out->message, sizeof out->message, "no Patient resource: the record needs the patient's sex and birth date");
    return false;
  }
  if (m->conflict[0]) {
    out->status = FM_ERROR;
    snprintf(out->message, sizeof out->message, "%s", m->conflict);
    return false;
  }
  patient_facts(m);
  return true;
}

/* Pass two: the patient's other resources; returns the count of types not read. */
static int read_resources(mapper *m, const fhir_res *res, int n) {
  static const char *const types[] = {"Observation", "Condition", "MedicationRequest", "MedicationStatement",
                                      "Procedure"};
  int other = 0;
  for (int i = 0; i < n; i++) {
    const json_doc *d = res[i].doc;
    int r = res[i].tok, rt = fj_get(d, r, "resourceType"), k = 0;
    if (fj_is(d, rt, "Patient") || fj_is(d, rt, "Medication")) continue; /* read in pass one, or by reference */
    while (k < 5 && !fj_is(d, rt, types[k])) k++;
    if (k == 5) {
      other++;
      continue;
    }
    tally *t = tally_of(m, types[k]);
    const char *subject, *why = not_the_patients(m, d, r, &subject);
    if (why) {
      t->read++;
      const char *ref = fm_ref_of(m, d, r, types[k]);
      fm_skip(m, t, why, subject ? fm_cat3(m->a, ref, " of ", subject) : ref);
    } else if (k == 0) {
      read_observation(m, d, r, t);
    } else if (k == 1) {
      read_condition(m, d, r, t);
    } else if (k == 4) {
      fm_read_procedure(m, d, r, t);
    } else {
      fm_read_medication(m, d, r, t, k == 2);
    }
  }
  return other;
}

/* The notes, the summary first (resources read and used), then what the
** tallies say, then the notes made along the way. */
static void finish_notes(mapper *m, int n, int other, fhir_result *out) {
  strbuf b;
  sb_init(&b, m->a);
  /* as "FHIR input: %d resources read", "%s%d of %d %s used"... would
  ** write it, without the formatter (every request writes this) */
  sb_puts(&b, "FHIR input: ");
  sb_long(&b, n);
  sb_puts(&b, " resources read");
  for (int i = 0; i < m->nt; i++) {
    sb_puts(&b, i ? ", " : "; ");
    sb_long(&b, m->t[i].used);
    sb_puts(&b, " of ");
    sb_long(&b, m->t[i].read);
    sb_cat(&b, " ", m->t[i].what, " used", (char *)NULL);
  }
  if (other) {
    sb_puts(&b, "; ");
    sb_long(&b, other);
    sb_puts(&b, " resources of other types not read");
  }
  const char *summary = sb_str(&b);
  const char *later[MAX_NOTES + 8];
  int nl = m->n_notes;
  memcpy(later, m->notes, sizeof(const char *) * (size_t)nl);
  m->n_notes = 0;
  m->notes[m->n_notes++] = summary;
  fm_tally_notes(m);
  for (int i = 0; i < nl && m->n_notes < MAX_NOTES + 8; i++) m->notes[m->n_notes++] = later[i];
  if (m->mechanism_note)
    fm_note(m, "fracture mechanism is not coded in FHIR Conditions: fractures are counted as fragility fractures (the record's default); correct any that were traumatic");
  if (m->n_name_matched)
    fm_note(m, "%d drug order(s) recognised by ingredient name, not by a known code (e.g. %s)", m->n_name_matched, m->name_matched[0]);
  if (m->no_dose_gc)
    fm_note(m, "%d glucocorticoid order(s) without a dose osteoplan can convert to prednisone mg/day: recorded without a dose", m->no_dose_gc);
  /* the notes outlive the mapper: copy the list into the arena */
  out->notes = arena_array(m->a, (size_t)(m->n_notes ? m->n_notes : 1), sizeof(char *));
  if (out->notes) {
    memcpy(out->notes, m->notes, sizeof(char *) * (size_t)m->n_notes);
    out->n_notes = m->n_notes;
  }
}

/* The record reader's message starts with the field's path ("bmd[0].date:
** ...") except for a few (the --as-of bound): say the path once. */
static bool path_leads(const char *path, const char *msg) {
  size_t n = strlen(path);
  return n && !strncmp(msg, path, n) && msg[n] == ':';
}

void fhir_map(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of, const char *today,
              fhir_result *out) {
  fhir_map_patient(a, kb, res, n, as_of, today, NULL, out);
}

/* The record written, read and kept (keep: in its scratch arena, handed to
** out) or dropped; false: out says why not. */
static bool read_back(mapper *m, const op_kb *kb, const char *rec, size_t len, const char *when, const char *today,
                      bool keep, op_status *st, op_error *err, fhir_result *out) {
  arena *scratch = arena_create_like(m->a, keep ? 32 * 1024 : 16 * 1024); /* under the caller's budget, if any */
  if (!scratch) {
    out->status = FM_ERROR;
    snprintf(out->message, sizeof out->message, "out of memory");
    return false;
  }
  op_record r;
  *st = record_read(scratch, kb, rec, len, when, today, &r, err);
  op_record *kept = keep && *st == OP_OK ? arena_alloc(scratch, sizeof *kept) : NULL;
  if (!kept) {
    arena_destroy(scratch);
    return true;
  }
  *kept = r;
  out->rec_arena = scratch;
  out->rec = kept;
  return true;
}

static void map_patient(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of, const char *today,
                        const char *patient_id, bool keep, fhir_result *out) {
  memset(out, 0, sizeof *out);
  mapper m = {.a = a, .f = kb->fhir, .agent_code = kb->agent_code, .sex = -1, .dead_bool = -1};
  const char *when = as_of ? as_of : today;
  if (!when || !date_parse(when, strlen(when), &m.as_of)) {
    out->status = FM_ERROR;
    snprintf(out->message, sizeof out->message, "as_of: expected a date YYYY-MM-DD");
    return;
  }
  if (!(m.refs = fhir_refs_index(a, res, n))) {
    out->status = FM_ERROR;
    snprintf(out->message, sizeof out->message, "out of memory");
    return;
  }
  bool ok = choose_patient(&m, res, n, patient_id, out);
  out->patient_id = m.id;
  if (!ok) return;
  int other = read_resources(&m, res, n);
  if (m.deceased) {
    out->status = FM_DECEASED;
    snprintf(out->message, sizeof out->message, "Patient/%s is deceased (%s): no plan", quote(m.id ? m.id : "?").s,
             m.deceased_how);
    return;
  }
  if (m.sex < 0) {
    out->status = FM_ERROR;
    snprintf(out->message, sizeof out->message,
             "Patient.gender: %s%s%s; the T-score reference and the rules need female or male",
             m.gender ? "'" : "missing", m.gender ? quote(m.gender).s : "", m.gender ? "'" : "");
    return;
  }
  if (!m.has_birth) {
    out->status = FM_ERROR;
    snprintf(out->message, sizeof out->message, "Patient.birthDate: a full date YYYY-MM-DD is needed for the age");
    return;
  }
  fm_merge_fractures(&m);
  course *cs = arena_array(a, (size_t)(m.n_drug ? m.n_drug : 1), sizeof *cs);
  int ncs = cs ? fm_build_courses(&m, cs) : 0;
  int nslots_max = m.n_bmd + m.n_fx + m.n_cond + ncs + 1 + m.n_ident + 8; /* 1: the name */
  slot *slots = arena_array(a, (size_t)nslots_max, sizeof *slots);
  if (!cs || !slots) {
    out->status = FM_ERROR;
    snprintf(out->message, sizeof out->message, "out of memory");
    return;
  }
  /* write, validate, drop what the reader rejects, again */
  for (int attempt = 0;; attempt++) {
    int ns;
    size_t len;
    const char *rec = fm_write_record(&m, cs, ncs, slots, &ns, &len);
    op_status st;
    op_error err;
    if (!read_back(&m, kb, rec, len, when, today, keep, &st, &err, out)) return;
    if (st == OP_OK) {
      out->record = rec;
      out->record_len = len;
      break;
    }
    prov *p = st == OP_ERR_INPUT && attempt < nslots_max ? fm_culprit(err.path, slots, ns) : NULL;
    if (!p) {
      out->status = FM_ERROR;
      char path[201], msg[281]; /* the reader's words can quote the record */
      ctl_escape(path, sizeof path, err.path);
      ctl_escape(msg, sizeof msg, err.message);
      bool named = path_leads(path, msg); /* most messages start with their path already */
      snprintf(out->message, sizeof out->message, "%s%s%s", named ? "" : path, !named && path[0] ? ": " : "", msg);
      return;
    }
    p->dropped = true;
    if (path_leads(err.path, err.message)) fm_note(&m, "%s not used: %s", p->ref, err.message);
    else fm_note(&m, "%s not used: %s: %s", p->ref, err.path, err.message);
  }
  finish_notes(&m, n, other, out);
  out->status = FM_OK;
}

void fhir_map_patient(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of, const char *today,
                      const char *patient_id, fhir_result *out) {
  map_patient(a, kb, res, n, as_of, today, patient_id, false, out);
}

void fhir_map_patient_read(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of,
                           const char *today, const char *patient_id, fhir_result *out) {
  map_patient(a, kb, res, n, as_of, today, patient_id, true, out);
}

int fhir_agent_in(arena *a, const op_kb *kb, const fhir_refs *refs, const json_doc *d, int r) {
  mapper m = {.a = a, .f = kb->fhir, .agent_code = kb->agent_code, .refs = refs};
  bool by_name;
  char unk[160];
  const char *why, *what;
  const fhir_row *row = fm_drug_row(&m, d, r, &by_name, unk, sizeof unk, &why, &what);
  for (int i = 0; row && i < row->nt; i++)
    if (row->t[i].kind == FT_AGENT) return row->t[i].code;
  /* a reference that leads nowhere: the order cannot be checked */
  return !row && why && what ? FHIR_AGENT_UNRESOLVED : -1;
}

int fhir_agent_of(arena *a, const op_kb *kb, const json_doc *d, int r) { return fhir_agent_in(a, kb, NULL, d, r); }
