/*
** record.c: reading and validating one patient record.
**
** The JSON is parsed strictly (json.c), then walked once per object with a
** path kept beside it, so every error names its field the way a person would
** write it: "therapies[1].end". The first error stops the read: a record is
** valid as a whole or not at all, and nothing partial leaves this module.
**
** as_of is found first (every other date is checked against it), then the
** rest is read in document order.
*/
#include "record.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../json/json.h"
#include "record_rd.h"

/* ---- paths and errors --------------------------------------------------- */

static int push(rd *r, seg s) {
  int old = r->depth;
  if (r->depth < RD_MAX_DEPTH) r->path[r->depth] = s;
  r->depth++;
  return old;
}
static int push_key(rd *r, const char *key) { return push(r, (seg){key, -1, -1}); }
static int push_key_tok(rd *r, int tok) { return push(r, (seg){NULL, tok, -1}); }
static int push_index(rd *r, int i) { return push(r, (seg){NULL, -1, i}); }
static void pop(rd *r, int old) { r->depth = old; }

/* The messages are made in record_errors.c (only when a record is refused). */
static void describe(rd *r, int i, char *buf, size_t n) { rec_describe(r, i, buf, n); }

static bool fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(rd *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rec_failv(r, fmt, ap);
  va_end(ap);
  return false;
}

static bool fail_got(rd *r, int i, const char *expected) {
  char got[96];
  describe(r, i, got, sizeof got);
  return fail(r, "expected %s, got %s", expected, got);
}

/* ---- typed values ------------------------------------------------------- */

static bool rd_number(rd *r, int i, double lo, double hi, double *out) {
  double d;
  if (!json_is_number(&r->doc, i)) return fail_got(r, i, "a number");
  if (!json_number(&r->doc, i, &d)) return fail_got(r, i, "a finite number");
  if (d < lo || d > hi) {
    char got[96];
    describe(r, i, got, sizeof got);
    return fail(r, "expected a number from %g to %g, got %s", lo, hi, got);
  }
  // cppcheck-suppress duplicateConditionalAssign ; -0 == 0 holds, and the assignment makes it +0
  if (d == 0) d = 0; /* -0 is 0 */
  *out = d;
  return true;
}

static bool rd_nonneg(rd *r, int i, double *out) {
  return rd_number(r, i, 0, 1e9, out);
}

static bool rd_int(rd *r, int i, int lo, int hi, int *out) {
  double d;
  if (!json_is_number(&r->doc, i) || !json_number(&r->doc, i, &d) || d != floor(d))
    return fail_got(r, i, "a whole number");
  if (d < lo || d > hi) {
    char got[96];
    describe(r, i, got, sizeof got);
    return fail(r, "expected a whole number from %d to %d, got %s", lo, hi, got);
  }
  *out = (int)d;
  return true;
}

static bool rd_bool(rd *r, int i, bool *out) {
  if (!json_is_bool(&r->doc, i, out)) return fail_got(r, i, "true or false");
  return true;
}

static bool rd_string(rd *r, int i, const char **out) {
  if (r->doc.tok[i].type != JT_STRING) return fail_got(r, i, "a string");
  *out = json_string(r->a, &r->doc, i, NULL);
  if (!*out) return fail(r, "out of memory");
  return true;
}

static bool rd_code_len(rd *r, int i, const char *const *table, const unsigned char *lens, int n, int *out) {
  if (r->doc.tok[i].type == JT_STRING) {
    const json_tok *t = &r->doc.tok[i];
    int c = op_code_lookup_len(table, lens, n, r->doc.text + t->start, (size_t)(t->end - t->start));
    if (c >= 0) {
      *out = c;
      return true;
    }
  }
  char expected[1024];
  size_t k = (size_t)snprintf(expected, sizeof expected, "one of ");
  for (int j = 0; j < n && k < sizeof expected; j++)
    k += (size_t)snprintf(expected + k, sizeof expected - k, "%s%s", j ? ", " : "", table[j]);
  return fail_got(r, i, expected);
}
#define rd_code(r, i, name, out) rd_code_len((r), (i), op_##name##_str, op_##name##_len, OP_N_##name, (out))

/* A calendar date; not after as_of unless may_follow_as_of. */
static bool rd_date(rd *r, int i, bool may_follow_as_of, op_date *out) {
  const json_tok *t = &r->doc.tok[i];
  if (t->type != JT_STRING ||
      !date_parse(r->doc.text + t->start, (size_t)(t->end - t->start), out))
    return fail_got(r, i, "a real calendar date YYYY-MM-DD");
  if (!may_follow_as_of && r->as_of_known && *out > r->as_of) {
    char d[11], want[64];
    date_format(r->as_of, d);
    snprintf(want, sizeof want, "a date on or before as_of (%s)", d);
    return fail_got(r, i, want);
  }
  return true;
}

/* ---- objects and arrays ------------------------------------------------- */

/* Iterates the members of object token obj: calls fn for each key/value.
** Rejects duplicate keys. */
typedef rec_member_fn member_fn;

static bool each_member(rd *r, int obj, member_fn fn, void *ctx) {
  if (r->doc.tok[obj].type != JT_OBJECT) return fail_got(r, obj, "an object");
  int n = r->doc.tok[obj].size;
  int j = obj + 1;
  int keys[64];
  int nk = 0;
  uint64_t seen = 0; /* a one-word filter: most keys need no comparison */
  for (int m = 0; m < n; m++) {
    int key = j, val = j + 1;
    const json_tok *kt = &r->doc.tok[key];
    int klen = kt->end - kt->start;
    unsigned h = (unsigned)(klen * 7 + (klen ? (unsigned char)r->doc.text[kt->start] + 3u * (unsigned char)r->doc.text[kt->end - 1] : 0)) & 63u;
    bool maybe = (seen >> h) & 1u;
    seen |= (uint64_t)1 << h;
    for (int q = 0; maybe && q < nk; q++) {
      const json_tok *o = &r->doc.tok[keys[q]];
      if (o->end - o->start == kt->end - kt->start &&
          !memcmp(r->doc.text + o->start, r->doc.text + kt->start, (size_t)(kt->end - kt->start))) {
        int old = push_key_tok(r, key);
        bool ok = fail(r, "field given twice");
        pop(r, old);
        return ok;
      }
    }
    if (nk < 64) keys[nk++] = key;
    int old = push_key_tok(r, key);
    if (!fn(r, key, val, ctx)) return false;
    pop(r, old);
    j = json_next(&r->doc, val);
  }
  return true;
}

static bool unknown_field(rd *r, const char *allowed) {
  return fail(r, "unknown field (allowed here: %s)", allowed);
}

/* Calls fn on each element of array token arr, with [i] on the path. */
typedef rec_elem_fn elem_fn;

static bool each_elem(rd *r, int arr, elem_fn fn, void *ctx, int *count) {
  if (r->doc.tok[arr].type != JT_ARRAY) return fail_got(r, arr, "an array");
  int n = r->doc.tok[arr].size;
  if (n > KB_TH(r->kb, V_LIST_MAX))
    return fail(r, "expected at most %g entries, got %d", KB_TH(r->kb, V_LIST_MAX), n);
  *count = n;
  int j = arr + 1;
  for (int k = 0; k < n; k++) {
    int old = push_index(r, k);
    if (!fn(r, k, j, ctx)) return false;
    pop(r, old);
    j = json_next(&r->doc, j);
  }
  return true;
}

bool rec_each_member(rd *r, int obj, rec_member_fn fn, void *ctx) { return each_member(r, obj, fn, ctx); }
bool rec_each_elem(rd *r, int arr, rec_elem_fn fn, void *ctx, int *count) { return each_elem(r, arr, fn, ctx, count); }

#define KEY(s) json_str_eqn(&r->doc, key, s, sizeof(s) - 1)
#define NULLV json_is_null(&r->doc, val)

/* ---- bmd[] -------------------------------------------------------------- */

typedef struct {
  op_bmd *b;
  bool site, t, date;
} bmd_ctx;

static bool bmd_member(rd *r, int key, int val, void *vctx) {
  bmd_ctx *c = vctx;
  if (KEY("site")) { c->site = true; return rd_code(r, val, site, &c->b->site); }
  if (KEY("t_score")) {
    c->t = true;
    return rd_number(r, val, KB_TH(r->kb, V_T_MIN), KB_TH(r->kb, V_T_MAX), &c->b->t_score);
  }
  if (KEY("bmd_g_cm2")) {
    if (NULLV) return true;
    c->b->has_bmd = true;
    return rd_number(r, val, KB_TH(r->kb, V_BMD_MIN), KB_TH(r->kb, V_BMD_MAX), &c->b->bmd);
  }
  if (KEY("date")) { c->date = true; return rd_date(r, val, false, &c->b->date); }
  return unknown_field(r, "site, t_score, bmd_g_cm2, date");
}

static bool bmd_elem(rd *r, int idx, int tok, void *vctx) {
  op_record *rec = vctx;
  bmd_ctx c = {&rec->bmd[idx], false, false, false};
  if (!each_member(r, tok, bmd_member, &c)) return false;
  if (!c.site) return fail(r, "site is required");
  if (!c.t) return fail(r, "t_score is required");
  if (!c.date) return fail(r, "date is required");
  return true;
}

/* ---- frax --------------------------------------------------------------- */

static bool frax_member(rd *r, int key, int val, void *vctx) {
  op_frax *f = vctx;
  double lo = KB_TH(r->kb, V_FRAX_MIN), hi = KB_TH(r->kb, V_FRAX_MAX);
  if (KEY("major_osteoporotic_pct")) {
    if (NULLV) return true;
    f->has_mof = true;
    return rd_number(r, val, lo, hi, &f->mof);
  }
  if (KEY("hip_pct")) {
    if (NULLV) return true;
    f->has_hip = true;
    return rd_number(r, val, lo, hi, &f->hip);
  }
  if (KEY("date")) {
    if (NULLV) return true;
    f->has_date = true;
    return rd_date(r, val, false, &f->date);
  }
  return unknown_field(r, "major_osteoporotic_pct, hip_pct, date");
}

/* ---- fractures[] -------------------------------------------------------- */

typedef struct {
  op_fracture *f;
  bool site, date, year;
} fx_ctx;

static bool fx_member(rd *r, int key, int val, void *vctx) {
  fx_ctx *c = vctx;
  if (KEY("site")) { c->site = true; return rd_code(r, val, fx_site, &c->f->site); }
  if (KEY("date")) { c->date = true; return rd_date(r, val, false, &c->f->date); }
  if (KEY("year")) {
    int y = 0, asy, m, d;
    date_to_ymd(r->as_of, &asy, &m, &d);
    if (!rd_int(r, val, (int)KB_TH(r->kb, V_FRACTURE_YEAR_MIN), asy, &y)) return false;
    c->year = true;
    c->f->year_only = true;
    /* A year alone is taken as 1 July (patient-record.md) */
    c->f->date = date_from_ymd(y, 7, 1);
    if (c->f->date > r->as_of) c->f->date = r->as_of;
    return true;
  }
  if (KEY("mechanism")) return rd_code(r, val, mechanism, &c->f->mechanism);
  return unknown_field(r, "site, date, year, mechanism");
}

static bool fx_elem(rd *r, int idx, int tok, void *vctx) {
  op_record *rec = vctx;
  fx_ctx c = {&rec->fractures[idx], false, false, false};
  c.f->mechanism = OP_MECH_FRAGILITY;
  if (!each_member(r, tok, fx_member, &c)) return false;
  if (!c.site) return fail(r, "site is required");
  if (c.date && c.year) return fail(r, "give either date or year, not both");
  if (!c.date && !c.year) return fail(r, "date (or year) is required");
  return true;
}

/* ---- therapies[] -------------------------------------------------------- */

typedef struct {
  op_therapy *t;
  bool agent, start;
} th_ctx;

static bool th_member(rd *r, int key, int val, void *vctx) {
  th_ctx *c = vctx;
  op_therapy *t = c->t;
  if (KEY("agent")) { c->agent = true; return rd_code_len(r, val, r->kb->agent_code, r->kb->agent_code_len, r->kb->n_agents, &t->agent); }
  if (KEY("start")) { c->start = true; return rd_date(r, val, false, &t->start); }
  if (KEY("end")) {
    if (NULLV) return true;
    t->has_end = true;
    return rd_date(r, val, true, &t->end);
  }
  if (KEY("last_dose")) {
    if (NULLV) return true;
    t->has_last_dose = true;
    return rd_date(r, val, false, &t->last_dose);
  }
  if (KEY("doses")) {
    if (NULLV) return true;
    t->has_doses = true;
    return rd_int(r, val, 0, (int)KB_TH(r->kb, V_DOSES_MAX), &t->doses);
  }
  if (KEY("stop_reason")) {
    if (NULLV) return true;
    t->has_stop_reason = true;
    return rd_code(r, val, stop_reason, &t->stop_reason);
  }
  if (KEY("adherence")) { /* 2026.12; absent, null and "good" read the same */
    static const char *const adherence_str[] = {"good", "poor"};
    static const unsigned char adherence_len[] = {4, 4};
    int a = 0;
    if (NULLV) return true;
    if (!rd_code_len(r, val, adherence_str, adherence_len, 2, &a)) return false;
    t->adherence_poor = a == 1;
    return true;
  }
  return unknown_field(r, "agent, start, end, last_dose, doses, stop_reason, adherence");
}

static bool th_elem(rd *r, int idx, int tok, void *vctx) {
  op_record *rec = vctx;
  th_ctx c = {&rec->therapies[idx], false, false};
  c.t->end = OP_NO_DATE;
  if (!each_member(r, tok, th_member, &c)) return false;
  op_therapy *t = c.t;
  if (!c.agent) return fail(r, "agent is required");
  if (!c.start) return fail(r, "start is required");
  if (t->has_end && t->end < t->start) {
    int old = push_key(r, "end");
    char s[11];
    date_format(t->start, s);
    fail(r, "end is before start (%s)", s);
    pop(r, old);
    return false;
  }
  if (t->has_last_dose && t->last_dose < t->start) {
    int old = push_key(r, "last_dose");
    fail(r, "last_dose is before start");
    pop(r, old);
    return false;
  }
  if (t->has_last_dose && t->has_end && t->last_dose > t->end) {
    int old = push_key(r, "last_dose");
    fail(r, "last_dose is after end");
    pop(r, old);
    return false;
  }
  return true;
}

/* ---- medications[] ------------------------------------------------------ */

typedef struct {
  op_medication *m;
  bool cls;
} med_ctx;

static bool med_member(rd *r, int key, int val, void *vctx) {
  med_ctx *c = vctx;
  op_medication *m = c->m;
  if (KEY("class")) { c->cls = true; return rd_code(r, val, med_class, &m->cls); }
  if (KEY("dose_mg_per_day")) {
    if (NULLV) return true;
    m->has_dose = true;
    return rd_nonneg(r, val, &m->dose);
  }
  if (KEY("start")) {
    if (NULLV) return true;
    m->has_start = true;
    return rd_date(r, val, false, &m->start);
  }
  if (KEY("end")) {
    if (NULLV) return true;
    m->has_end = true;
    return rd_date(r, val, true, &m->end);
  }
  if (KEY("name")) {
    if (NULLV) return true;
    return rd_string(r, val, &m->name);
  }
  return unknown_field(r, "class, dose_mg_per_day, start, end, name");
}

static bool med_elem(rd *r, int idx, int tok, void *vctx) {
  op_record *rec = vctx;
  med_ctx c = {&rec->meds[idx], false};
  if (!each_member(r, tok, med_member, &c)) return false;
  if (!c.cls) return fail(r, "class is required");
  if (c.m->has_start && c.m->has_end && c.m->end < c.m->start) {
    int old = push_key(r, "end");
    fail(r, "end is before start");
    pop(r, old);
    return false;
  }
  return true;
}

/* ---- conditions[] ------------------------------------------------------- */

typedef struct {
  op_condition *c;
  bool code;
} cond_ctx;

static bool cond_member(rd *r, int key, int val, void *vctx) {
  cond_ctx *c = vctx;
  if (KEY("code")) { c->code = true; return rd_code(r, val, condition, &c->c->code); }
  if (KEY("date")) {
    if (NULLV) return true;
    c->c->has_date = true;
    return rd_date(r, val, false, &c->c->date);
  }
  return unknown_field(r, "code, date");
}

static bool cond_elem(rd *r, int idx, int tok, void *vctx) {
  op_record *rec = vctx;
  cond_ctx c = {&rec->conditions[idx], false};
  if (!each_member(r, tok, cond_member, &c)) return false;
  if (!c.code) return fail(r, "code is required");
  return true;
}

/* ---- labs --------------------------------------------------------------- */

typedef struct {
  op_marker *m;
  bool value, date;
} mk_ctx;

static bool mk_member(rd *r, int key, int val, void *vctx) {
  mk_ctx *c = vctx;
  if (KEY("value")) { c->value = true; return rd_nonneg(r, val, &c->m->value); }
  if (KEY("date")) { c->date = true; return rd_date(r, val, false, &c->m->date); }
  return unknown_field(r, "value, date");
}

static bool mk_elem(rd *r, int idx, int tok, void *vctx) {
  op_marker *arr = vctx;
  mk_ctx c = {&arr[idx], false, false};
  if (!each_member(r, tok, mk_member, &c)) return false;
  if (!c.value) return fail(r, "value is required");
  if (!c.date) return fail(r, "date is required");
  return true;
}

static bool rd_markers(rd *r, int val, op_marker **out, int *n) {
  if (r->doc.tok[val].type != JT_ARRAY) return fail_got(r, val, "an array of {value, date}");
  *out = arena_array(r->a, (size_t)r->doc.tok[val].size + 1, sizeof(op_marker));
  if (!*out) return fail(r, "out of memory");
  return each_elem(r, val, mk_elem, *out, n);
}

/* egfr_ml_min, creatinine_clearance_ml_min, calcium_mg_dl, vitamin_d_ng_ml:
** a plain number (undated: taken as current) or {value, date}, both
** required (patient-record.md 2026.12). */
typedef struct {
  double *value;
  op_date *date;
  bool has_value, has_date;
} lab_ctx;

static bool lab_member(rd *r, int key, int val, void *vctx) {
  lab_ctx *c = vctx;
  if (KEY("value")) { c->has_value = true; return rd_nonneg(r, val, c->value); }
  if (KEY("date")) { c->has_date = true; return rd_date(r, val, false, c->date); }
  return unknown_field(r, "value, date");
}

static bool rd_lab(rd *r, int val, bool *has, double *value, op_date *date) {
  if (json_is_null(&r->doc, val)) return true;
  *has = true;
  *date = OP_NO_DATE;
  if (r->doc.tok[val].type != JT_OBJECT) {
    if (!json_is_number(&r->doc, val)) return fail_got(r, val, "a number or {value, date}");
    return rd_nonneg(r, val, value);
  }
  lab_ctx c = {value, date, false, false};
  if (!each_member(r, val, lab_member, &c)) return false;
  /* the missing key is named, as a wrong one would be */
  const char *missing = !c.has_value ? "value" : !c.has_date ? "date" : NULL;
  if (!missing) return true;
  int old = push_key(r, missing);
  fail(r, "required: a dated value is {value, date} (an undated value is a plain number)");
  pop(r, old);
  return false;
}

static bool labs_member(rd *r, int key, int val, void *vctx) {
  op_record *rec = vctx;
  if (KEY("egfr_ml_min")) return rd_lab(r, val, &rec->has_egfr, &rec->egfr, &rec->egfr_date);
  if (KEY("creatinine_clearance_ml_min")) return rd_lab(r, val, &rec->has_crcl, &rec->crcl, &rec->crcl_date);
  if (KEY("calcium_mg_dl")) return rd_lab(r, val, &rec->has_calcium, &rec->calcium, &rec->calcium_date);
  if (KEY("vitamin_d_ng_ml")) return rd_lab(r, val, &rec->has_vitd, &rec->vitd, &rec->vitd_date);
  if (KEY("p1np")) return rd_markers(r, val, &rec->p1np, &rec->n_p1np);
  if (KEY("ctx")) return rd_markers(r, val, &rec->ctx, &rec->n_ctx);
  return unknown_field(r, "egfr_ml_min, creatinine_clearance_ml_min, calcium_mg_dl, vitamin_d_ng_ml, p1np, ctx");
}

static bool life_member(rd *r, int key, int val, void *vctx) {
  op_record *rec = vctx;
  if (KEY("smoker")) {
    if (NULLV) return true;
    bool b;
    if (!rd_bool(r, val, &b)) return false;
    rec->smoker = b;
    return true;
  }
  if (KEY("alcohol_units_per_day")) {
    if (NULLV) return true;
    rec->has_alcohol = true;
    return rd_nonneg(r, val, &rec->alcohol_units);
  }
  return unknown_field(r, "smoker, alcohol_units_per_day");
}

/* ---- the root ----------------------------------------------------------- */

typedef struct {
  bool sex, birth, age, menopause;
  double age_years;
  int age_key;
} root_ctx;

static bool rd_array_of(rd *r, int val, size_t elem, void **out, elem_fn fn, op_record *rec, int *n) {
  if (r->doc.tok[val].type != JT_ARRAY) return fail_got(r, val, "an array");
  *out = arena_array(r->a, (size_t)r->doc.tok[val].size + 1, elem);
  if (!*out) return fail(r, "out of memory");
  return each_elem(r, val, fn, rec, n);
}

typedef struct {
  root_ctx c;
  op_record *rec;
} root_state;

static bool root_member2(rd *r, int key, int val, void *vctx) {
  root_state *s = vctx;
  op_record *rec = s->rec;
  if (KEY("id")) {
    if (NULLV) return true;
    return rd_string(r, val, &rec->id);
  }
  if (KEY("name")) return NULLV || rec_read_name(r, val, rec);
  if (KEY("identifiers")) return NULLV || rec_read_identifiers(r, val, rec);
  if (KEY("as_of")) {
    if (NULLV) return true;
    op_date d;
    return rd_date(r, val, true, &d); /* already applied in the first pass */
  }
  if (KEY("sex")) { s->c.sex = true; return rd_code(r, val, sex, &rec->sex); }
  if (KEY("birth_date")) {
    if (NULLV) return true;
    s->c.birth = true;
    rec->has_birth_date = true;
    return rd_date(r, val, false, &rec->birth_date);
  }
  if (KEY("age")) {
    if (NULLV) return true;
    s->c.age = true;
    s->c.age_key = key;
    return rd_number(r, val, 0, KB_TH(r->kb, V_AGE_MAX), &s->c.age_years);
  }
  if (KEY("menopause")) {
    if (NULLV) return true;
    s->c.menopause = true;
    return rd_code(r, val, menopause, &rec->menopause);
  }
  if (KEY("weight_kg")) {
    if (NULLV) return true;
    rec->has_weight = true;
    return rd_number(r, val, KB_TH(r->kb, V_WEIGHT_MIN), KB_TH(r->kb, V_WEIGHT_MAX), &rec->weight_kg);
  }
  if (KEY("height_cm")) {
    if (NULLV) return true;
    rec->has_height = true;
    return rd_number(r, val, KB_TH(r->kb, V_HEIGHT_MIN), KB_TH(r->kb, V_HEIGHT_MAX), &rec->height_cm);
  }
  if (KEY("bmd")) return rd_array_of(r, val, sizeof(op_bmd), (void **)&rec->bmd, bmd_elem, rec, &rec->n_bmd);
  if (KEY("frax")) {
    if (NULLV) return true;
    rec->frax.present = true;
    return each_member(r, val, frax_member, &rec->frax);
  }
  if (KEY("fractures"))
    return rd_array_of(r, val, sizeof(op_fracture), (void **)&rec->fractures, fx_elem, rec, &rec->n_fractures);
  if (KEY("falls_past_year")) {
    if (NULLV) return true;
    rec->has_falls = true;
    return rd_int(r, val, 0, (int)KB_TH(r->kb, V_FALLS_MAX), &rec->falls_past_year);
  }
  if (KEY("therapies"))
    return rd_array_of(r, val, sizeof(op_therapy), (void **)&rec->therapies, th_elem, rec, &rec->n_therapies);
  if (KEY("medications"))
    return rd_array_of(r, val, sizeof(op_medication), (void **)&rec->meds, med_elem, rec, &rec->n_meds);
  if (KEY("conditions"))
    return rd_array_of(r, val, sizeof(op_condition), (void **)&rec->conditions, cond_elem, rec, &rec->n_conditions);
  if (KEY("labs")) return each_member(r, val, labs_member, rec);
  if (KEY("lifestyle")) return each_member(r, val, life_member, rec);
  if (KEY("extensions")) {
    if (r->doc.tok[val].type != JT_OBJECT) return fail_got(r, val, "an object");
    return true; /* ignored by contract */
  }
  return unknown_field(r,
                       "id, name, identifiers, as_of, sex, birth_date, age, menopause, weight_kg, height_cm, bmd, frax, "
                       "fractures, falls_past_year, therapies, medications, conditions, labs, "
                       "lifestyle, extensions");
}

/* as_of late enough that the plan's dates (as_of plus the knowledge base's
** intervals) would pass 9999-12-31 is refused, never wrapped into year 0. */
static bool as_of_in_range(rd *r, const char *what) {
  int y, m, d;
  date_to_ymd(r->as_of, &y, &m, &d);
  if (y <= OP_AS_OF_LAST_YEAR) return true;
  r->err->status = OP_ERR_INPUT;
  snprintf(r->err->path, sizeof r->err->path, "as_of");
  snprintf(r->err->message, sizeof r->err->message,
           "%s: expected a date on or before %d-12-31 (the plan's dates must stay within year %d), got %04d-%02d-%02d",
           what, OP_AS_OF_LAST_YEAR, OP_YEAR_LAST, y, m, d);
  return false;
}

/* A fracture dated before the patient was born is a data error (a wrong
** date or another patient's record), named by its path. */
static bool fractures_after_birth(rd *r, const op_record *rec) {
  if (!rec->has_birth_date) return true;
  int by, bm, bd;
  date_to_ymd(rec->birth_date, &by, &bm, &bd);
  for (int i = 0; i < rec->n_fractures; i++) {
    const op_fracture *f = &rec->fractures[i];
    int fy, fm, fd;
    date_to_ymd(f->date, &fy, &fm, &fd);
    /* a year alone is before birth only when the whole year is */
    if (f->year_only ? fy >= by : f->date >= rec->birth_date) continue;
    int old = push_key(r, "fractures");
    push_index(r, i);
    push_key(r, f->year_only ? "year" : "date");
    fail(r, "before birth_date (%04d-%02d-%02d)", by, bm, bd);
    pop(r, old);
    return false;
  }
  return true;
}

op_status record_read_strict(arena *a, const op_kb *kb, const char *json, size_t len,
                             const char *as_of_override, const char *today,
                             op_record *rec, op_error *err) {
  rd r = {.a = a, .kb = kb, .err = err};
  memset(rec, 0, sizeof *rec);
  memset(err, 0, sizeof *err);
  rec->menopause = -1;
  rec->smoker = -1;
  /* memset gives day 0 (1970-01-01), a real date: a lab not given, or
  ** given as a plain number, has none */
  rec->egfr_date = rec->crcl_date = rec->calcium_date = rec->vitd_date = OP_NO_DATE;
  char msg[512];
  int parsed = json_parse(a, json, len, &r.doc, msg, sizeof msg);
  if (parsed != 0) {
    err->status = parsed == JSON_OUT_OF_MEMORY ? OP_ERR_INTERNAL : OP_ERR_INPUT;
    snprintf(err->message, sizeof err->message, "%s", msg);
    return err->status;
  }
  if (r.doc.tok[0].type != JT_OBJECT) {
    fail_got(&r, 0, "a JSON object (one patient record)");
    return OP_ERR_INPUT;
  }
  /* First pass: as_of, which every other date is checked against. */
  if (as_of_override) {
    if (!date_parse(as_of_override, strlen(as_of_override), &r.as_of)) {
      err->status = OP_ERR_INPUT;
      snprintf(err->path, sizeof err->path, "as_of");
      snprintf(err->message, sizeof err->message, "--as-of: expected a real calendar date YYYY-MM-DD, got \"%s\"",
               as_of_override);
      return OP_ERR_INPUT;
    }
    if (!as_of_in_range(&r, "--as-of")) return OP_ERR_INPUT;
    r.as_of_known = true;
  } else {
    int j = 1;
    for (int m = 0; m < r.doc.tok[0].size; m++) {
      if (json_str_eq(&r.doc, j, "as_of") && !json_is_null(&r.doc, j + 1)) {
        int old = push_key(&r, "as_of");
        if (!rd_date(&r, j + 1, true, &r.as_of)) return OP_ERR_INPUT;
        pop(&r, old);
        if (!as_of_in_range(&r, "as_of")) return OP_ERR_INPUT;
        r.as_of_known = true;
      }
      j = json_next(&r.doc, j + 1);
    }
    if (!r.as_of_known) {
      if (!today || !date_parse(today, strlen(today), &r.as_of)) {
        err->status = OP_ERR_INPUT;
        snprintf(err->path, sizeof err->path, "as_of");
        snprintf(err->message, sizeof err->message, "as_of: no date given and no current date available");
        return OP_ERR_INPUT;
      }
      r.as_of_known = true;
    }
  }
  rec->as_of = r.as_of;
  root_state s = {{0}, rec};
  if (!each_member(&r, 0, root_member2, &s)) return OP_ERR_INPUT;
  if (!s.c.sex) {
    fail(&r, "sex is required (female or male)");
    snprintf(err->path, sizeof err->path, "sex");
    return OP_ERR_INPUT;
  }
  if (!s.c.birth && !s.c.age) {
    fail(&r, "birth_date or age is required");
    snprintf(err->path, sizeof err->path, "birth_date");
    return OP_ERR_INPUT;
  }
  if (s.c.birth) {
    rec->age = date_years_between(rec->birth_date, rec->as_of);
    if (rec->age > KB_TH(kb, V_AGE_MAX)) {
      int old = push_key(&r, "birth_date");
      fail(&r, "gives an age of %d years, more than %g", rec->age, KB_TH(kb, V_AGE_MAX));
      pop(&r, old);
      return OP_ERR_INPUT;
    }
    if (s.c.age && (int)floor(s.c.age_years) != rec->age) {
      int old = push_key(&r, "age");
      fail(&r, "age %g does not match birth_date (age %d at as_of)", s.c.age_years, rec->age);
      pop(&r, old);
      return OP_ERR_INPUT;
    }
  } else {
    rec->age = (int)floor(s.c.age_years);
  }
  if (!fractures_after_birth(&r, rec)) return OP_ERR_INPUT;
  if (s.c.menopause && rec->sex == OP_SEX_MALE) {
    int old = push_key(&r, "menopause");
    fail(&r, "menopause is recorded for women only (sex is male)");
    pop(&r, old);
    return OP_ERR_INPUT;
  }
  return OP_OK;
}
