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

int fj_get(const json_doc *d, int obj, const char *key) {
  if (obj < 0 || d->tok[obj].type != JT_OBJECT) return -1;
  size_t n = strlen(key);
  int j = obj + 1;
  for (int m = 0; m < d->tok[obj].size; m++) {
    if (json_str_eqn(d, j, key, n)) return j + 1;
    j = json_next(d, j + 1);
  }
  return -1;
}

bool fj_is(const json_doc *d, int tok, const char *s) {
  return tok >= 0 && json_str_eqn(d, tok, s, strlen(s));
}

const char *fj_str(arena *a, const json_doc *d, int tok) {
  if (tok < 0 || d->tok[tok].type != JT_STRING) return NULL;
  return json_string(a, d, tok, NULL);
}

static int fj_path(const json_doc *d, int tok, const char *k1, const char *k2) {
  int t = fj_get(d, tok, k1);
  return k2 ? fj_get(d, t, k2) : t;
}

/* A FHIR date or dateTime: the calendar date of its first 10 characters.
** year_only is set for "YYYY"; "YYYY-MM" is not a date here. */
static bool fj_date(const json_doc *d, int tok, op_date *out, bool *year_only) {
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

/* ---- the facts ---------------------------------------------------------- */

typedef struct {
  const char *ref;   /* "Observation/abc" for the notes */
  bool dropped;
} prov;

typedef struct {
  int site;
  double t, bmd;
  bool has_t, has_bmd;
  op_date date;
  prov p;
} f_bmd;

typedef struct {
  int site; /* fx site or FX_UNSPECIFIED */
  op_date date;
  bool year_only;
  prov p;
} f_fx;

typedef struct {
  int code;
  op_date date;
  bool has_date;
  prov p;
} f_cond;

/* One drug order or statement. */
typedef struct {
  bool is_agent;      /* agent (therapies) or class (medications) */
  int code;
  const char *ingredient;
  op_date start, end;
  bool current, has_end;
  double dose; /* prednisone mg/day, glucocorticoids only; 0 = unknown */
  bool from_request;
  prov p;
} f_drug;

typedef struct {
  double v;
  op_date date;
  bool has;
  prov p;
} f_value;

#define MAX_NOTES 24
#define MAX_EXAMPLES 3

typedef struct {
  const char *what; /* "Condition" */
  int read, used;
  /* skipped, by reason */
  const char *reason[8];
  int count[8];
  const char *example[8][MAX_EXAMPLES];
  int nex[8];
  int nreason;
} tally;

typedef struct {
  arena *a;
  const kb_fhir *f;
  op_date as_of;
  /* patient */
  const char *id;
  int sex; /* -1 unknown */
  const char *gender;
  op_date birth;
  bool has_birth, deceased;
  char deceased_how[64];
  int n_patients;
  /* the Patient resources read, merged: raw values to compare copies */
  const char *birth_raw, *dead_when;
  int dead_bool; /* -1 not said, 0, 1 */
  char conflict[256];
  const char *urls[4]; /* their entries' fullUrls */
  int n_urls;
  bool single; /* the input holds this patient only */
  const fhir_refs *refs;
  /* facts */
  f_bmd *bmd;
  int n_bmd, cap_bmd;
  f_fx *fx;
  int n_fx, cap_fx;
  f_cond *cond;
  int n_cond, cap_cond;
  f_drug *drug;
  int n_drug, cap_drug;
  f_value frax[2], lab[3];
  bool mechanism_note;
  const char *name_matched[MAX_EXAMPLES];
  int n_name_matched;
  int no_dose_gc;
  tally t[6];
  int nt;
  const char *notes[MAX_NOTES + 8];
  int n_notes;
} mapper;

#define PUSH(m, arr, n, cap)                                                                \
  (((m)->n == (m)->cap)                                                                     \
       ? ((m)->arr = arena_grow((m)->a, (m)->arr, sizeof *(m)->arr * (size_t)(m)->cap,      \
                                sizeof *(m)->arr * (size_t)((m)->cap ? (m)->cap * 2 : 16)), \
          (m)->cap = (m)->cap ? (m)->cap * 2 : 16, (m)->arr)                                \
       : (m)->arr)

static tally *tally_of(mapper *m, const char *type) {
  for (int i = 0; i < m->nt; i++)
    if (!strcmp(m->t[i].what, type)) return &m->t[i];
  if (m->nt == 6) return &m->t[5];
  m->t[m->nt] = (tally){.what = type};
  return &m->t[m->nt++];
}

static void skip(mapper *m, tally *t, const char *reason, const char *example) {
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

static void note(mapper *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(mapper *m, const char *fmt, ...) {
  if (m->n_notes >= MAX_NOTES + 8) return;
  strbuf b;
  sb_init(&b, m->a);
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(&b, fmt, ap);
  va_end(ap);
  m->notes[m->n_notes++] = sb_str(&b);
}

static const char *cat3(arena *a, const char *x, const char *y, const char *z) {
  strbuf b;
  sb_init(&b, a);
  sb_cat(&b, x, y, z, (char *)NULL);
  return sb_str(&b);
}

static const char *ref_of(mapper *m, const json_doc *d, int r, const char *type) {
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

/* The first row matching a coding of the CodeableConcept cc; else, when
** names, an ingredient word in a display or the text. *unknown gets a short
** description of the first coding for the notes. */
static const fhir_row *match_concept(mapper *m, const json_doc *d, int cc, bool names, bool *by_name,
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
        snprintf(unknown, unk_sz, "%s %s%s%s%s", s >= 0 ? system_name(s) : "code", c ? c : "?",
                 disp ? " '" : "", disp ? disp : "", disp ? "'" : "");
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
  const fhir_row *row = match_concept(m, d, fj_get(d, r, "code"), false, &by_name, unk, sizeof unk);
  if (!row) {
    skip(m, t, "no mapping for its code", unk);
    return;
  }
  const char *ref = ref_of(m, d, r, "Observation");
  if (!status_final(d, r)) {
    skip(m, t, "status not final, amended or corrected", ref);
    return;
  }
  op_date date;
  int eff = fj_get(d, r, "effectiveDateTime");
  if (eff < 0) eff = fj_path(d, r, "effectivePeriod", "start");
  if (eff < 0) eff = fj_get(d, r, "issued");
  if (!fj_date(d, eff, &date, NULL)) {
    skip(m, t, "no full effective date", ref);
    return;
  }
  if (date > m->as_of) {
    skip(m, t, "dated after as_of", ref);
    return;
  }
  int vq = fj_get(d, r, "valueQuantity");
  double v;
  if (!json_number(d, fj_get(d, vq, "value"), &v)) {
    skip(m, t, "no numeric valueQuantity", ref);
    return;
  }
  const fhir_target *tg = &row->t[0];
  int unit = fj_get(d, vq, "code");
  if (unit < 0) unit = fj_get(d, vq, "unit");
  const json_tok *ut = unit >= 0 && d->tok[unit].type == JT_STRING ? &d->tok[unit] : NULL;
  double factor = kb_fhir_unit(m->f, quantity_of(tg), ut ? d->text + ut->start : NULL,
                               ut ? (size_t)(ut->end - ut->start) : 0);
  if (factor == 0) {
    skip(m, t, "a unit osteoplan does not convert", ref);
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
      skip(m, t, "an older value of the same test", ref);
      return;
    }
    *fv = (f_value){v, date, true, p};
    break;
  }
  default:
    skip(m, t, "no mapping for its code", unk);
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

static void add_condition(mapper *m, int code, op_date date, bool has_date, const char *ref) {
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
  const char *ref = ref_of(m, d, r, "Condition");
  int vs = fj_get(d, r, "verificationStatus");
  if (concept_has(d, vs, "entered-in-error") || concept_has(d, vs, "refuted")) {
    skip(m, t, "entered in error or refuted", ref);
    return;
  }
  bool by_name;
  char unk[160];
  int cc = fj_get(d, r, "code");
  const fhir_row *row = match_concept(m, d, cc, false, &by_name, unk, sizeof unk);
  if (!row) {
    skip(m, t, "no mapping for its code", unk);
    return;
  }
  op_date date = 0;
  bool year_only = false;
  bool has_date = fj_date(d, fj_get(d, r, "onsetDateTime"), &date, &year_only) ||
                  fj_date(d, fj_get(d, r, "recordedDate"), &date, &year_only);
  if (has_date && date > m->as_of) {
    skip(m, t, "dated after as_of", ref);
    return;
  }
  bool used = false;
  for (int i = 0; i < row->nt; i++) {
    const fhir_target *tg = &row->t[i];
    if (tg->kind == FT_FRACTURE) {
      if (!has_date) {
        skip(m, t, "a fracture without onset or recorded date", ref);
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
      add_condition(m, tg->code, date, has_date && !year_only, ref);
      used = true;
    }
  }
  if (used) t->used++;
}

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
  int rep = fj_path(d, fj_get(d, first, "timing"), "repeat", NULL);
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

/* The row of the drug a request or statement names: its
** medicationCodeableConcept (R5: medication.concept), else the code of the
** Medication its medicationReference names, else that reference's display
** read by ingredient name. NULL: not a drug osteoplan knows; *why then says
** so when nothing about the drug could be read (*what: which reference). */
static const fhir_row *drug_row(mapper *m, const json_doc *d, int r, bool *by_name, char *unk, size_t unk_sz,
                                const char **why, const char **what) {
  *why = *what = NULL;
  *by_name = false;
  unk[0] = 0;
  int cc = fj_get(d, r, "medicationCodeableConcept");
  if (cc < 0) cc = fj_path(d, r, "medication", "concept"); /* R5 shape */
  if (cc >= 0) return match_concept(m, d, cc, true, by_name, unk, unk_sz);
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
    return cc < 0 ? NULL : match_concept(m, md, cc, true, by_name, unk, unk_sz);
  }
  int disp = fj_get(d, mr, "display");
  const fhir_row *row = disp >= 0 && d->tok[disp].type == JT_STRING
                            ? kb_fhir_lookup(m->f, FS_NAME, d->text + d->tok[disp].start,
                                             (size_t)(d->tok[disp].end - d->tok[disp].start))
                            : NULL;
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

static void read_medication(mapper *m, const json_doc *d, int r, tally *t, bool request) {
  t->read++;
  const char *type = request ? "MedicationRequest" : "MedicationStatement";
  const char *ref = ref_of(m, d, r, type);
  int st = fj_get(d, r, "status");
  if (fj_is(d, st, "entered-in-error") || fj_is(d, st, "cancelled") || fj_is(d, st, "not-taken") ||
      fj_is(d, st, "draft")) {
    skip(m, t, "entered in error, cancelled, draft or not taken", ref);
    return;
  }
  bool by_name;
  char unk[160];
  const char *why, *what;
  const fhir_row *row = drug_row(m, d, r, &by_name, unk, sizeof unk, &why, &what);
  if (!row && why) {
    skip(m, t, why, what ? cat3(m->a, ref, " -> ", what) : ref);
    return;
  }
  const fhir_target *tg = NULL;
  for (int i = 0; row && i < row->nt; i++)
    if (row->t[i].kind == FT_AGENT || row->t[i].kind == FT_MEDICATION) tg = &row->t[i];
  if (!tg) {
    skip(m, t, "not a drug osteoplan uses", unk);
    return;
  }
  if (by_name && m->n_name_matched < MAX_EXAMPLES) m->name_matched[m->n_name_matched++] = ref;
  f_drug g = {.is_agent = tg->kind == FT_AGENT, .code = tg->code, .ingredient = tg->ingredient,
              .from_request = request, .p = {ref, false}};
  bool current = fj_is(d, st, "active") || fj_is(d, st, "on-hold") || (!request && fj_is(d, st, "intended"));
  if (request) {
    if (!fj_date(d, fj_get(d, r, "authoredOn"), &g.start, NULL)) {
      skip(m, t, "no authoredOn date", ref);
      return;
    }
    int dr = fj_get(d, r, "dispenseRequest");
    op_date e;
    int supply = fj_path(d, dr, "expectedSupplyDuration", NULL);
    double sv;
    if (fj_date(d, fj_path(d, fj_get(d, dr, "validityPeriod"), "end", NULL), &e, NULL)) {
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
    if (fj_date(d, fj_get(d, eff, "start"), &s, NULL)) {
      g.start = s;
      if (fj_date(d, fj_get(d, eff, "end"), &e, NULL)) g.end = e, g.has_end = true;
    } else if (fj_date(d, fj_get(d, r, "effectiveDateTime"), &s, NULL)) {
      g.start = s;
    } else {
      skip(m, t, "no effective date", ref);
      return;
    }
    if (!g.has_end && !current) g.end = g.start, g.has_end = true;
  }
  if (g.start > m->as_of) {
    skip(m, t, "started after as_of", ref);
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

/* ---- combining ---------------------------------------------------------- */

static int drug_cmp(const void *x, const void *y) {
  const f_drug *a = x, *b = y;
  if (a->is_agent != b->is_agent) return a->is_agent ? -1 : 1;
  if (a->code != b->code) return a->code - b->code;
  int ing = strcmp(a->ingredient ? a->ingredient : "", b->ingredient ? b->ingredient : "");
  if (ing) return ing;
  return (a->start > b->start) - (a->start < b->start);
}

/* Orders of one drug, each authored within renewal_gap_months of the
** previous one, are one course (ehr.md): it starts at the first order, is
** current while any order is active or on hold, else ends where the last
** order ends. Statements keep their own period. */
typedef struct {
  f_drug d;
  int first, last; /* indexes into m->drug */
} course;

static int build_courses(mapper *m, course *out) {
  if (m->n_drug > 1) qsort(m->drug, (size_t)m->n_drug, sizeof *m->drug, drug_cmp);
  int gap = kb_fhir_renewal_gap_months(m->f), n = 0;
  for (int i = 0; i < m->n_drug; i++) {
    f_drug *g = &m->drug[i];
    course *c = n ? &out[n - 1] : NULL;
    bool same = c && c->d.from_request && g->from_request && c->d.is_agent == g->is_agent && c->d.code == g->code &&
                !strcmp(c->d.ingredient ? c->d.ingredient : "", g->ingredient ? g->ingredient : "") &&
                g->start <= date_add_months(m->drug[c->last].start, gap);
    if (!same) {
      out[n++] = (course){*g, i, i};
      continue;
    }
    c->last = i;
    c->d.current = c->d.current || g->current;
    c->d.end = g->end; /* the last order's end */
    if (g->dose > 0) c->d.dose = g->dose;
  }
  for (int i = 0; i < n; i++) {
    if (out[i].d.current) out[i].d.has_end = false;
    if (out[i].d.has_end && out[i].d.end < out[i].d.start) out[i].d.end = out[i].d.start;
  }
  return n;
}

/* Fractures within same_fracture_days at the same site, or where one has
** no site, are one event at the more specific site (the earlier date). */
static void merge_fractures(mapper *m) {
  int days = kb_fhir_same_fracture_days(m->f);
  for (int i = 0; i < m->n_fx; i++) {
    if (m->fx[i].p.dropped) continue;
    for (int j = 0; j < m->n_fx; j++) {
      if (i == j || m->fx[j].p.dropped) continue;
      f_fx *a = &m->fx[i], *b = &m->fx[j];
      bool near = abs(a->date - b->date) <= days;
      bool same = a->site == b->site || a->site == FX_UNSPECIFIED || b->site == FX_UNSPECIFIED;
      if (!near || !same) continue;
      if (a->site == FX_UNSPECIFIED) a->site = b->site;
      if (b->date < a->date) a->date = b->date, a->year_only = b->year_only;
      b->p.dropped = true; /* merged, not an error */
    }
  }
}

/* ---- writing the record ------------------------------------------------- */

/* Which fact each array element / field of the written record came from,
** so that a field the reader rejects can be dropped. */
typedef struct {
  const char *path; /* "bmd", "labs.egfr_ml_min" */
  int index;        /* array index, -1 for fields */
  prov *p;
} slot;

static void put_date(jwriter *w, const char *key, op_date d) {
  char s[11];
  date_format(d, s);
  jw_key(w, key);
  jw_str(w, s);
}

static const char *write_record(mapper *m, course *cs, int ncs, slot *slots, int *nslots, size_t *len) {
  strbuf b;
  sb_init(&b, m->a);
  jwriter w;
  jw_init(&w, &b, false);
  int ns = 0;
  jw_obj(&w);
  if (m->id) { jw_key(&w, "id"); jw_str(&w, m->id); }
  jw_key(&w, "sex");
  jw_str(&w, m->sex == OP_SEX_MALE ? "male" : "female");
  if (m->has_birth) put_date(&w, "birth_date", m->birth);

  int k = 0;
  jw_key(&w, "bmd");
  jw_arr(&w);
  for (int i = 0; i < m->n_bmd; i++) {
    f_bmd *x = &m->bmd[i];
    if (x->p.dropped || !x->has_t) continue;
    slots[ns++] = (slot){"bmd", k++, &x->p};
    jw_obj(&w);
    jw_key(&w, "site"); jw_str(&w, op_site_str[x->site]);
    jw_key(&w, "t_score"); jw_num(&w, x->t);
    if (x->has_bmd) { jw_key(&w, "bmd_g_cm2"); jw_num(&w, x->bmd); }
    put_date(&w, "date", x->date);
    jw_end_obj(&w);
  }
  jw_end_arr(&w);

  if ((m->frax[0].has && !m->frax[0].p.dropped) || (m->frax[1].has && !m->frax[1].p.dropped)) {
    jw_key(&w, "frax");
    jw_obj(&w);
    op_date latest = OP_NO_DATE;
    static const char *const keys[2] = {"major_osteoporotic_pct", "hip_pct"};
    for (int i = 0; i < 2; i++) {
      if (!m->frax[i].has || m->frax[i].p.dropped) continue;
      slots[ns++] = (slot){i ? "frax.hip_pct" : "frax.major_osteoporotic_pct", -1, &m->frax[i].p};
      jw_key(&w, keys[i]);
      jw_num(&w, m->frax[i].v);
      if (m->frax[i].date > latest) latest = m->frax[i].date;
    }
    put_date(&w, "date", latest);
    jw_end_obj(&w);
  }

  k = 0;
  jw_key(&w, "fractures");
  jw_arr(&w);
  for (int i = 0; i < m->n_fx; i++) {
    f_fx *x = &m->fx[i];
    if (x->p.dropped) continue;
    slots[ns++] = (slot){"fractures", k++, &x->p};
    jw_obj(&w);
    jw_key(&w, "site");
    jw_str(&w, x->site == FX_UNSPECIFIED ? "other" : op_fx_site_str[x->site]);
    if (x->year_only) {
      int y, mo, dd;
      date_to_ymd(x->date, &y, &mo, &dd);
      jw_key(&w, "year");
      jw_int(&w, y);
    } else {
      put_date(&w, "date", x->date);
    }
    jw_end_obj(&w);
  }
  jw_end_arr(&w);

  for (int pass = 0; pass < 2; pass++) {
    k = 0;
    jw_key(&w, pass ? "medications" : "therapies");
    jw_arr(&w);
    for (int i = 0; i < ncs; i++) {
      f_drug *x = &cs[i].d;
      if (x->is_agent != !pass || x->p.dropped) continue;
      slots[ns++] = (slot){pass ? "medications" : "therapies", k++, &x->p};
      jw_obj(&w);
      jw_key(&w, pass ? "class" : "agent");
      jw_str(&w, pass ? op_med_class_str[x->code] : op_agent_str[x->code]);
      if (pass && x->dose > 0) { jw_key(&w, "dose_mg_per_day"); jw_num(&w, round(x->dose * 100) / 100); }
      put_date(&w, "start", x->start);
      jw_key(&w, "end");
      if (x->has_end) {
        char s[11];
        date_format(x->end, s);
        jw_str(&w, s);
      } else {
        jw_null(&w);
      }
      if (pass && x->ingredient) { jw_key(&w, "name"); jw_str(&w, x->ingredient); }
      jw_end_obj(&w);
    }
    jw_end_arr(&w);
  }

  k = 0;
  jw_key(&w, "conditions");
  jw_arr(&w);
  for (int i = 0; i < m->n_cond; i++) {
    f_cond *x = &m->cond[i];
    if (x->p.dropped) continue;
    slots[ns++] = (slot){"conditions", k++, &x->p};
    jw_obj(&w);
    jw_key(&w, "code");
    jw_str(&w, op_condition_str[x->code]);
    if (x->has_date) put_date(&w, "date", x->date);
    jw_end_obj(&w);
  }
  jw_end_arr(&w);

  static const char *const lab_keys[3] = {"vitamin_d_ng_ml", "egfr_ml_min", "calcium_mg_dl"};
  static const char *const lab_paths[3] = {"labs.vitamin_d_ng_ml", "labs.egfr_ml_min", "labs.calcium_mg_dl"};
  bool any_lab = false;
  for (int i = 0; i < 3; i++) any_lab |= m->lab[i].has && !m->lab[i].p.dropped;
  if (any_lab) {
    jw_key(&w, "labs");
    jw_obj(&w);
    for (int i = 0; i < 3; i++) {
      if (!m->lab[i].has || m->lab[i].p.dropped) continue;
      slots[ns++] = (slot){lab_paths[i], -1, &m->lab[i].p};
      jw_key(&w, lab_keys[i]);
      jw_num(&w, round(m->lab[i].v * 100) / 100);
    }
    jw_end_obj(&w);
  }
  jw_end_obj(&w);
  *nslots = ns;
  *len = b.len;
  return sb_str(&b);
}

/* The fact behind an error path ("therapies[2].end"), or NULL. */
static prov *culprit(const char *path, slot *slots, int n) {
  for (int i = 0; i < n; i++) {
    size_t l = strlen(slots[i].path);
    if (strncmp(path, slots[i].path, l)) continue;
    if (slots[i].index < 0) {
      if (path[l] == 0 || path[l] == '.') return slots[i].p;
    } else if (path[l] == '[' && strtol(path + l + 1, NULL, 10) == slots[i].index) {
      return slots[i].p;
    }
  }
  return NULL;
}

/* ---- notes -------------------------------------------------------------- */

static void tally_notes(mapper *m) {
  for (int i = 0; i < m->nt; i++) {
    tally *t = &m->t[i];
    for (int r = 0; r < t->nreason; r++) {
      strbuf b;
      sb_init(&b, m->a);
      sb_printf(&b, "%d of %d %s resources not used: %s", t->count[r], t->read, t->what, t->reason[r]);
      for (int e = 0; e < t->nex[r]; e++) sb_printf(&b, "%s%s", e ? "; " : " (e.g. ", t->example[r][e]);
      if (t->nex[r]) sb_printf(&b, "%s)", t->count[r] > t->nex[r] ? "; ..." : "");
      if (m->n_notes < MAX_NOTES) m->notes[m->n_notes++] = sb_str(&b);
    }
  }
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
      skip(m, t, "another patient", ref_of(m, d, r, "Patient"));
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
  static const char *const types[] = {"Observation", "Condition", "MedicationRequest", "MedicationStatement"};
  int other = 0;
  for (int i = 0; i < n; i++) {
    const json_doc *d = res[i].doc;
    int r = res[i].tok, rt = fj_get(d, r, "resourceType"), k = 0;
    if (fj_is(d, rt, "Patient") || fj_is(d, rt, "Medication")) continue; /* read in pass one, or by reference */
    while (k < 4 && !fj_is(d, rt, types[k])) k++;
    if (k == 4) {
      other++;
      continue;
    }
    tally *t = tally_of(m, types[k]);
    const char *subject, *why = not_the_patients(m, d, r, &subject);
    if (why) {
      t->read++;
      const char *ref = ref_of(m, d, r, types[k]);
      skip(m, t, why, subject ? cat3(m->a, ref, " of ", subject) : ref);
    } else if (k == 0) {
      read_observation(m, d, r, t);
    } else if (k == 1) {
      read_condition(m, d, r, t);
    } else {
      read_medication(m, d, r, t, k == 2);
    }
  }
  return other;
}

void fhir_map(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of, const char *today,
              fhir_result *out) {
  fhir_map_patient(a, kb, res, n, as_of, today, NULL, out);
}

void fhir_map_patient(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of, const char *today,
                      const char *patient_id, fhir_result *out) {
  memset(out, 0, sizeof *out);
  mapper m = {.a = a, .f = kb->fhir, .sex = -1, .dead_bool = -1};
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
  merge_fractures(&m);
  course *cs = arena_array(a, (size_t)(m.n_drug ? m.n_drug : 1), sizeof *cs);
  int ncs = cs ? build_courses(&m, cs) : 0;
  int nslots_max = m.n_bmd + m.n_fx + m.n_cond + ncs + 8;
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
    const char *rec = write_record(&m, cs, ncs, slots, &ns, &len);
    arena *scratch = arena_create_like(a, 16 * 1024); /* under the caller's budget, if any */
    if (!scratch) {
      out->status = FM_ERROR;
      snprintf(out->message, sizeof out->message, "out of memory");
      return;
    }
    op_record r;
    op_error err;
    op_status st = record_read(scratch, kb, rec, len, when, today, &r, &err);
    arena_destroy(scratch);
    if (st == OP_OK) {
      out->record = rec;
      out->record_len = len;
      break;
    }
    prov *p = st == OP_ERR_INPUT && attempt < nslots_max ? culprit(err.path, slots, ns) : NULL;
    if (!p) {
      out->status = FM_ERROR;
      char path[201], msg[281]; /* the reader's words can quote the record */
      ctl_escape(path, sizeof path, err.path);
      ctl_escape(msg, sizeof msg, err.message);
      snprintf(out->message, sizeof out->message, "%s%s%s", path, path[0] ? ": " : "", msg);
      return;
    }
    p->dropped = true;
    note(&m, "%s not used: %s: %s", p->ref, err.path, err.message);
  }
  /* the notes: summary first */
  {
    strbuf b;
    sb_init(&b, a);
    sb_printf(&b, "FHIR input: %d resources read", n);
    for (int i = 0; i < m.nt; i++) sb_printf(&b, "%s%d of %d %s used", i ? ", " : "; ", m.t[i].used, m.t[i].read, m.t[i].what);
    if (other) sb_printf(&b, "; %d resources of other types not read", other);
    const char *summary = sb_str(&b);
    const char *later[MAX_NOTES + 8];
    int nl = m.n_notes;
    memcpy(later, m.notes, sizeof(const char *) * (size_t)nl);
    m.n_notes = 0;
    m.notes[m.n_notes++] = summary;
    tally_notes(&m);
    for (int i = 0; i < nl && m.n_notes < MAX_NOTES + 8; i++) m.notes[m.n_notes++] = later[i];
  }
  if (m.mechanism_note)
    note(&m, "fracture mechanism is not coded in FHIR Conditions: fractures are counted as fragility fractures (the record's default); correct any that were traumatic");
  if (m.n_name_matched)
    note(&m, "%d drug order(s) recognised by ingredient name, not by a known code (e.g. %s)", m.n_name_matched, m.name_matched[0]);
  if (m.no_dose_gc)
    note(&m, "%d glucocorticoid order(s) without a dose osteoplan can convert to prednisone mg/day: recorded without a dose", m.no_dose_gc);
  /* the notes outlive the mapper: copy the list into the arena */
  out->notes = arena_array(a, (size_t)(m.n_notes ? m.n_notes : 1), sizeof(char *));
  if (out->notes) {
    memcpy(out->notes, m.notes, sizeof(char *) * (size_t)m.n_notes);
    out->n_notes = m.n_notes;
  }
  out->status = FM_OK;
}

int fhir_agent_in(arena *a, const op_kb *kb, const fhir_refs *refs, const json_doc *d, int r) {
  mapper m = {.a = a, .f = kb->fhir, .refs = refs};
  bool by_name;
  char unk[160];
  const char *why, *what;
  const fhir_row *row = drug_row(&m, d, r, &by_name, unk, sizeof unk, &why, &what);
  for (int i = 0; row && i < row->nt; i++)
    if (row->t[i].kind == FT_AGENT) return row->t[i].code;
  /* a reference that leads nowhere: the order cannot be checked */
  return !row && why && what ? FHIR_AGENT_UNRESOLVED : -1;
}

int fhir_agent_of(arena *a, const op_kb *kb, const json_doc *d, int r) { return fhir_agent_in(a, kb, NULL, d, r); }
