/*
** fhir_map_write.c: the mapper's facts combined (orders -> courses, one
** fracture event per fracture) and written as the patient record's JSON
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

/* ---- combining ---------------------------------------------------------- */

static int drug_cmp(const void *x, const void *y) {
  const f_drug *a = x, *b = y;
  if (a->is_agent != b->is_agent) return a->is_agent ? -1 : 1;
  if (a->code != b->code) return a->code - b->code;
  int ing = strcmp(a->ingredient ? a->ingredient : "", b->ingredient ? b->ingredient : "");
  if (ing) return ing;
  return (a->start > b->start) - (a->start < b->start);
}

int fm_build_courses(mapper *m, course *out) {
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
void fm_merge_fractures(mapper *m) {
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

static void put_date(jwriter *w, const char *key, op_date d) {
  char s[11];
  date_format(d, s);
  jw_key(w, key);
  jw_str(w, s);
}

/* bmd: the DXA results with a T-score */
static void put_bmd(jwriter *w, mapper *m, slot *slots, int *ns) {
  int k = 0;
  jw_key(w, "bmd");
  jw_arr(w);
  for (int i = 0; i < m->n_bmd; i++) {
    f_bmd *x = &m->bmd[i];
    if (x->p.dropped || !x->has_t) continue;
    slots[(*ns)++] = (slot){"bmd", k++, &x->p};
    jw_obj(w);
    jw_key(w, "site"); jw_str(w, op_site_str[x->site]);
    jw_key(w, "t_score"); jw_num(w, x->t);
    if (x->has_bmd) { jw_key(w, "bmd_g_cm2"); jw_num(w, x->bmd); }
    put_date(w, "date", x->date);
    jw_end_obj(w);
  }
  jw_end_arr(w);
}

/* frax: the latest FRAX results, dated by the later one */
static void put_frax(jwriter *w, mapper *m, slot *slots, int *ns) {
  if ((m->frax[0].has && !m->frax[0].p.dropped) || (m->frax[1].has && !m->frax[1].p.dropped)) {
    jw_key(w, "frax");
    jw_obj(w);
    op_date latest = OP_NO_DATE;
    static const char *const keys[2] = {"major_osteoporotic_pct", "hip_pct"};
    for (int i = 0; i < 2; i++) {
      if (!m->frax[i].has || m->frax[i].p.dropped) continue;
      slots[(*ns)++] = (slot){i ? "frax.hip_pct" : "frax.major_osteoporotic_pct", -1, &m->frax[i].p};
      jw_key(w, keys[i]);
      jw_num(w, m->frax[i].v);
      if (m->frax[i].date > latest) latest = m->frax[i].date;
    }
    put_date(w, "date", latest);
    jw_end_obj(w);
  }
}

/* fractures: one per fracture event */
static void put_fractures(jwriter *w, mapper *m, slot *slots, int *ns) {
  int k = 0;
  jw_key(w, "fractures");
  jw_arr(w);
  for (int i = 0; i < m->n_fx; i++) {
    f_fx *x = &m->fx[i];
    if (x->p.dropped) continue;
    slots[(*ns)++] = (slot){"fractures", k++, &x->p};
    jw_obj(w);
    jw_key(w, "site");
    jw_str(w, x->site == FX_UNSPECIFIED ? "other" : op_fx_site_str[x->site]);
    if (x->year_only) {
      int y, mo, dd;
      date_to_ymd(x->date, &y, &mo, &dd);
      jw_key(w, "year");
      jw_int(w, y);
    } else {
      put_date(w, "date", x->date);
    }
    jw_end_obj(w);
  }
  jw_end_arr(w);
}

/* therapies (osteoporosis agents) and medications (classes): one per course */
static void put_drugs(jwriter *w, const mapper *m, course *cs, int ncs, slot *slots, int *ns) {
  for (int pass = 0; pass < 2; pass++) {
    int k = 0;
    jw_key(w, pass ? "medications" : "therapies");
    jw_arr(w);
    for (int i = 0; i < ncs; i++) {
      f_drug *x = &cs[i].d;
      if (x->is_agent != !pass || x->p.dropped) continue;
      slots[(*ns)++] = (slot){pass ? "medications" : "therapies", k++, &x->p};
      jw_obj(w);
      jw_key(w, pass ? "class" : "agent");
      jw_str(w, pass ? op_med_class_str[x->code] : m->agent_code[x->code]);
      if (pass && x->dose > 0) { jw_key(w, "dose_mg_per_day"); jw_num(w, round(x->dose * 100) / 100); }
      put_date(w, "start", x->start);
      jw_key(w, "end");
      if (x->has_end) {
        char s[11];
        date_format(x->end, s);
        jw_str(w, s);
      } else {
        jw_null(w);
      }
      if (pass && x->ingredient) { jw_key(w, "name"); jw_str(w, x->ingredient); }
      jw_end_obj(w);
    }
    jw_end_arr(w);
  }
}

/* conditions */
static void put_conditions(jwriter *w, mapper *m, slot *slots, int *ns) {
  int k = 0;
  jw_key(w, "conditions");
  jw_arr(w);
  for (int i = 0; i < m->n_cond; i++) {
    f_cond *x = &m->cond[i];
    if (x->p.dropped) continue;
    slots[(*ns)++] = (slot){"conditions", k++, &x->p};
    jw_obj(w);
    jw_key(w, "code");
    jw_str(w, op_condition_str[x->code]);
    if (x->has_date) put_date(w, "date", x->date);
    jw_end_obj(w);
  }
  jw_end_arr(w);
}

/* labs: the latest value of each, with its date ({value, date},
** patient-record.md 2026.12): an Observation without a full date is never
** a fact (read_observation skips it), so every value here has one and the
** engine can tell an outdated value from a current one. */
static void put_labs(jwriter *w, mapper *m, slot *slots, int *ns) {
  static const char *const lab_keys[3] = {"vitamin_d_ng_ml", "egfr_ml_min", "calcium_mg_dl"};
  static const char *const lab_paths[3] = {"labs.vitamin_d_ng_ml", "labs.egfr_ml_min", "labs.calcium_mg_dl"};
  bool any_lab = false;
  for (int i = 0; i < 3; i++) any_lab |= m->lab[i].has && !m->lab[i].p.dropped;
  if (any_lab) {
    jw_key(w, "labs");
    jw_obj(w);
    for (int i = 0; i < 3; i++) {
      if (!m->lab[i].has || m->lab[i].p.dropped) continue;
      slots[(*ns)++] = (slot){lab_paths[i], -1, &m->lab[i].p};
      jw_key(w, lab_keys[i]);
      jw_obj(w);
      jw_key(w, "value");
      jw_num(w, round(m->lab[i].v * 100) / 100);
      put_date(w, "date", m->lab[i].date);
      jw_end_obj(w);
    }
    jw_end_obj(w);
  }
}

const char *fm_write_record(mapper *m, course *cs, int ncs, slot *slots, int *nslots, size_t *len) {
  strbuf b;
  sb_init(&b, m->a);
  jwriter w;
  jw_init(&w, &b, false);
  int ns = 0;
  jw_obj(&w);
  if (m->id) { jw_key(&w, "id"); jw_str(&w, m->id); }
  fm_put_identity(&w, m, slots, &ns);
  jw_key(&w, "sex");
  jw_str(&w, m->sex == OP_SEX_MALE ? "male" : "female");
  if (m->has_birth) put_date(&w, "birth_date", m->birth);
  put_bmd(&w, m, slots, &ns);
  put_frax(&w, m, slots, &ns);
  put_fractures(&w, m, slots, &ns);
  put_drugs(&w, m, cs, ncs, slots, &ns);
  put_conditions(&w, m, slots, &ns);
  put_labs(&w, m, slots, &ns);
  jw_end_obj(&w);
  *nslots = ns;
  *len = b.len;
  return sb_str(&b);
}

/* The fact behind an error path ("therapies[2].end"), or NULL. */
prov *fm_culprit(const char *path, slot *slots, int n) {
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

void fm_tally_notes(mapper *m) {
  for (int i = 0; i < m->nt; i++) {
    tally *t = &m->t[i];
    for (int r = 0; r < t->nreason; r++) {
      strbuf b;
      sb_init(&b, m->a);
      /* "%d of %d %s resources not used: %s" without the formatter */
      sb_long(&b, t->count[r]);
      sb_puts(&b, " of ");
      sb_long(&b, t->read);
      sb_cat(&b, " ", t->what, " resources not used: ", t->reason[r], (char *)NULL);
      for (int e = 0; e < t->nex[r]; e++) sb_cat(&b, e ? "; " : " (e.g. ", t->example[r][e], (char *)NULL);
      if (t->nex[r]) sb_cat(&b, t->count[r] > t->nex[r] ? "; ..." : "", ")", (char *)NULL);
      if (m->n_notes < MAX_NOTES) m->notes[m->n_notes++] = sb_str(&b);
    }
  }
}

