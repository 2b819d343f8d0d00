/*
** engine.c: runs the steps of one assessment and holds their small shared
** helpers (number and date formatting into the arena, adding alerts and
** monitoring items).
*/
#include "engine.h"

#include "../util/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *eng_fill(eng *e, const char *tmpl, const tmpl_var *vars, int n) {
  return e->texts ? tmpl_fill(e->a, tmpl, vars, n) : NULL;
}

const char *eng_num(eng *e, double v) {
  if (!e->texts) return "";
  char buf[NUM_G10_MAX];
  return arena_strndup(e->a, buf, (size_t)num_g10(round(v * 100) / 100, buf)); /* never "-0" */
}

const char *eng_t(eng *e, double v) {
  if (!e->texts) return "";
  char buf[32];
  // cppcheck-suppress duplicateConditionalAssign ; -0 becomes +0
  if (v == 0) v = 0;
  snprintf(buf, sizeof buf, "%.1f", v);
  return arena_strdup(e->a, buf);
}

const char *eng_date(eng *e, op_date d) {
  if (!e->texts) return "";
  char buf[11];
  date_format(d, buf);
  return arena_strdup(e->a, buf);
}

const char *eng_pct(eng *e, bool has, double v) {
  if (!e->texts) return "";
  if (!has) return e->kb->ui[OP_UI_NONE].clinician;
  char buf[64];
  snprintf(buf, sizeof buf, "%s%%", eng_num(e, v));
  return arena_strdup(e->a, buf);
}

void plan_add_alert(eng *e, int code, const char *msg, const char *patient_msg) {
  op_plan *p = e->p;
  for (int i = 0; i < p->n_alerts; i++)
    if (p->alerts[i].code == code) return; /* one alert per code */
  if (p->n_alerts == OP_MAX_ALERTS) return;
  op_alert *a = &p->alerts[p->n_alerts++];
  a->code = code;
  a->severity = e->kb->alert[code].severity;
  a->message = msg;
  a->patient = patient_msg;
  a->sources = e->kb->alert[code].sources;
}

void plan_add_monitor(eng *e, int code, op_date due, const char *reason) {
  op_plan *p = e->p;
  for (int i = 0; i < p->n_monitor; i++)
    if (p->monitor[i].code == code) return;
  if (p->n_monitor == OP_MAX_MONITOR) return;
  op_monitor_item *m = &p->monitor[p->n_monitor++];
  m->code = code;
  m->due = due;
  m->reason = reason;
  m->sources = e->kb->monitor[code].sources;
}

/* Alerts by severity (critical first), keeping the order within each. */
static void sort_alerts(op_plan *p) {
  for (int i = 1; i < p->n_alerts; i++) {
    op_alert x = p->alerts[i];
    int j = i - 1;
    while (j >= 0 && p->alerts[j].severity > x.severity) {
      p->alerts[j + 1] = p->alerts[j];
      j--;
    }
    p->alerts[j + 1] = x;
  }
}

bool engine_assess(arena *a, const op_kb *kb, const op_record *rec, op_plan *out, bool texts) {
  eng *e = arena_alloc(a, sizeof(eng));
  if (!e) return false;
  /* out comes zeroed from the arena (see engine.h) */
  e->a = a;
  e->kb = kb;
  e->rec = rec;
  e->p = out;
  e->texts = texts;
  out->rec = rec;
  out->kb = kb;
  if (!facts_derive(a, kb, rec, &e->f)) return false;
  out->as_of = e->f.as_of;
  out->age = e->f.age;
  out->has_lowest = e->f.has_lowest;
  out->lowest_t = e->f.lowest_t;
  out->lowest_site = e->f.lowest_site;
  out->lowest_date = e->f.lowest_date;
  risk_assess(e);
  avoid_compute(e);
  decide(e);
  extras_fill(e);
  reminders_fill(e);
  sort_alerts(out);
  return true;
}
