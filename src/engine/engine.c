/*
** engine.c: runs the steps of one assessment and holds their small shared
** helpers (making statements, adding alerts and monitoring items).
*/
#include <stddef.h>
#include <string.h>

#include "engine.h"

void plan_clear(op_plan *p) { memset(p, 0, offsetof(op_plan, criteria)); }


/* the word "none", should it ever be worded by mistake */
const op_say say_none = {.table = SAY_UI, .code = OP_UI_NONE, .n = 0};

const op_say *say_new(eng *e, say_table t, int code, const op_arg *args, int n) {
  if (n > OP_SAY_MAX_ARGS) n = OP_SAY_MAX_ARGS; /* SAY() refuses more at compile time */
  op_say *s = arena_alloc_raw(e->a, sizeof *s + (size_t)n * sizeof(op_arg));
  if (!s) return NULL;
  s->table = t;
  s->code = code;
  s->n = n;
  for (int i = 0; i < n; i++) s->args[i] = args[i];
  return s;
}

const op_say *say_join(eng *e, const op_say *const *items, int n, say_sep sep) {
  if (e->codes_only) return &say_none;
  const op_say **copy = n ? arena_array(e->a, (size_t)n, sizeof(const op_say *)) : NULL;
  if (n && !copy) return NULL;
  for (int i = 0; i < n; i++) copy[i] = items[i];
  op_arg list = {.name = "other", .kind = ARG_LIST, .v.list = {copy, n, sep}};
  return say_new(e, SAY_JOIN, 0, &list, 1);
}

void plan_add_alert(eng *e, op_alert_t code, const op_say *say) {
  op_plan *p = e->p;
  for (int i = 0; i < p->n_alerts; i++)
    if (p->alerts[i].code == code) return; /* one alert per code */
  if (p->n_alerts == OP_MAX_ALERTS) return;
  /* whole: the plan's lists are not zeroed (plan_clear) */
  p->alerts[p->n_alerts++] = (op_alert){
      .code = code, .severity = e->kb->alert[code].severity, .say = say, .sources = e->kb->alert[code].sources};
}

void plan_add_monitor(eng *e, op_monitor_t code, op_date due, const op_say *reason) {
  op_plan *p = e->p;
  for (int i = 0; i < p->n_monitor; i++)
    if (p->monitor[i].code == code) return;
  if (p->n_monitor == OP_MAX_MONITOR) return;
  op_monitor_item *m = &p->monitor[p->n_monitor++];
  *m = (op_monitor_item){.code = code, .due = due}; /* whole: see plan_clear */
  if (due < e->f.as_of) {
    /* a date already passed is due now, and says since when (2026.12) */
    m->overdue = true;
    m->overdue_since = due;
    m->due = e->f.as_of;
  }
  m->say = reason;
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

/* The plan's severity as a whole (the CDS card, the page's decision card):
** critical with a critical alert, warning when the plan asks for a change
** or an assessment, info otherwise. */
static op_severity_t indicator(const op_plan *p) {
  for (int i = 0; i < p->n_alerts; i++)
    if (p->alerts[i].severity == OP_SEV_CRITICAL) return OP_SEV_CRITICAL;
  bool change = p->action == OP_ACT_START || p->action == OP_ACT_SWITCH || p->action == OP_ACT_TRANSITION ||
                p->action == OP_ACT_ASSESS || p->action == OP_ACT_STOP || p->action == OP_ACT_RESUME ||
                p->action == OP_ACT_REFER;
  return change ? OP_SEV_WARNING : OP_SEV_INFO;
}

/* Facts, risk and avoid from the record as the engine reads it (now: the
** caller's record, or rule 0's copy); the plan keeps the caller's record. */
static bool derive(eng *e, const op_record *rec, const op_record *now) {
  e->rec = now;
  e->p->rec = rec;
  e->p->kb = e->kb;
  if (!facts_derive(e->a, e->kb, now, &e->f)) return false;
  risk_assess(e);
  avoid_compute(e);
  return true;
}

static bool assess(arena *a, const op_kb *kb, const op_record *rec, op_plan *out, bool codes_only) {
  eng *e = arena_alloc(a, sizeof(eng));
  if (!e) return false;
  plan_clear(out);
  e->codes_only = codes_only;
  e->a = a;
  e->kb = kb;
  e->p = out;
  if (!derive(e, rec, rec)) return false;
  /* rule 0: a current course that must stop is taken as ended at as_of and
  ** everything is derived again from the record as it then stands */
  bool oom;
  if (rule0_find(e, &oom)) {
    plan_clear(out);
    memset(&e->f, 0, sizeof e->f);
    memset(e->all_avoid, 0, sizeof e->all_avoid);
    if (!derive(e, rec, e->rec)) return false;
  } else if (oom) {
    return false;
  }
  out->as_of = e->f.as_of;
  out->age = e->f.age;
  out->has_lowest = e->f.has_lowest;
  out->lowest_t = e->f.lowest_t;
  out->lowest_site = e->f.lowest_site;
  out->lowest_date = e->f.lowest_date;
  decide(e);
  extras_fill(e);
  reminders_fill(e);
  sort_alerts(out);
  out->indicator = indicator(out);
  return true;
}

bool engine_assess(arena *a, const op_kb *kb, const op_record *rec, op_plan *out) {
  return assess(a, kb, rec, out, false);
}

bool engine_assess_codes(arena *a, const op_kb *kb, const op_record *rec, op_plan *out) {
  return assess(a, kb, rec, out, true);
}
