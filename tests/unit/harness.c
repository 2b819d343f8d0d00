/*
** harness.c: see harness.h.
*/
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "kb/kb.h"
#include "record/record.h"
#include "util/arena.h"
#include "util/readall.h"
#include "word/word.h"

static int idx(const char *const *table, int n, const char *s) {
  return op_code_lookup(table, n, s, strlen(s));
}

static int agent_idx(const op_plan *p, const char *s) {
  return idx(p->kb->agent_code, p->kb->n_agents, s);
}

static bool in_phases(const op_plan *p, int agent) {
  for (int i = 0; i < p->n_phases; i++)
    for (int k = 0; k < p->phases[i].n; k++)
      if (p->phases[i].agents[k] == agent) return true;
  return false;
}

static const op_avoid *find_avoid(const op_avoid *l, int n, int agent) {
  for (int i = 0; i < n; i++)
    if (l[i].agent == agent) return &l[i];
  return NULL;
}

static const op_alert *find_alert(const op_plan *p, int code) {
  for (int i = 0; i < p->n_alerts; i++)
    if ((int)p->alerts[i].code == code) return &p->alerts[i];
  return NULL;
}

static const op_monitor_item *find_monitor(const op_plan *p, int code) {
  for (int i = 0; i < p->n_monitor; i++)
    if ((int)p->monitor[i].code == code) return &p->monitor[i];
  return NULL;
}

/* "a,b,c" written out from phase i's options (or "none"). */
static void phase_agents(const op_plan *p, int i, char *out, size_t n) {
  out[0] = 0;
  if (i >= p->n_phases) {
    snprintf(out, n, "none");
    return;
  }
  for (int k = 0; k < p->phases[i].n; k++)
    snprintf(out + strlen(out), n - strlen(out), "%s%s", k ? "," : "", p->kb->agent_code[p->phases[i].agents[k]]);
}

/* The phases' months written out: "18,null". */
static void phase_months(const op_plan *p, char *out, size_t n) {
  out[0] = 0;
  for (int i = 0; i < p->n_phases; i++) {
    if (p->phases[i].has_months)
      snprintf(out + strlen(out), n - strlen(out), "%s%g", i ? "," : "", p->phases[i].months);
    else
      snprintf(out + strlen(out), n - strlen(out), "%snull", i ? "," : "");
  }
}

/* dx, risk, action, status, rule, crit, find, alert: the codes. */
static bool check_codes(const op_plan *p, const char *key, char op, char *val, bool *ok) {
  if (!strcmp(key, "dx")) *ok = !strcmp(op_diagnosis_str[p->diagnosis], val);
  else if (!strcmp(key, "risk")) *ok = !strcmp(op_risk_str[p->risk], val);
  else if (!strcmp(key, "action")) *ok = !strcmp(op_action_str[p->action], val);
  else if (!strcmp(key, "status")) *ok = !strcmp(op_status_str[p->status], val);
  else if (!strcmp(key, "rule")) *ok = !strcmp(op_rule_str[p->rule], val);
  else if (!strcmp(key, "crit")) {
    int c = idx(op_criterion_str, OP_N_criterion, val);
    bool has = false;
    for (int i = 0; i < p->n_criteria; i++) has |= (int)p->criteria[i].code == c;
    *ok = c >= 0 && (op == '+' ? has : !has);
  } else if (!strcmp(key, "find")) {
    int c = idx(op_finding_str, OP_N_finding, val);
    *ok = c >= 0 && (op == '+' ? p->finding[c] : !p->finding[c]);
  } else if (!strcmp(key, "fagent")) {
    /* fagent=FINDING/AGENT: the finding names that agent */
    char *ag = strchr(val, '/');
    if (!ag) return *ok = false, true;
    *ag++ = 0;
    int c = idx(op_finding_str, OP_N_finding, val), a = agent_idx(p, ag);
    *ok = c >= 0 && a >= 0 && p->finding[c] && p->finding_has_agent[c] && p->finding_agent[c] == a;
  } else if (!strcmp(key, "alert")) {
    char *sev = strchr(val, '/');
    if (sev) *sev++ = 0;
    int c = idx(op_alert_str, OP_N_alert, val);
    const op_alert *a = c >= 0 ? find_alert(p, c) : NULL;
    if (op == '+') *ok = c >= 0 && a && (!sev || !strcmp(op_severity_str[a->severity], sev));
    else *ok = c >= 0 && !a;
  } else if (!strcmp(key, "alerttext")) {
    /* alerttext=CODE/NEEDLE: the alert's worded message contains NEEDLE */
    char *needle = strchr(val, '/');
    if (!needle) return *ok = false, true;
    *needle++ = 0;
    int c = idx(op_alert_str, OP_N_alert, val);
    const op_alert *a = c >= 0 ? find_alert(p, c) : NULL;
    *ok = a && a->message && strstr(a->message, needle);
  } else {
    return false;
  }
  return true;
}

/* avoid, notrec: an agent listed, with a reason. */
static bool check_avoid(const op_plan *p, const char *key, char op, char *val, bool *ok) {
  if (strcmp(key, "avoid") && strcmp(key, "notrec")) return false;
  char *rs = strchr(val, '/');
  if (rs) *rs++ = 0;
  int ag = agent_idx(p, val);
  const op_avoid *x = !strcmp(key, "avoid") ? find_avoid(p->avoid, p->n_avoid, ag)
                                             : find_avoid(p->not_rec, p->n_not_rec, ag);
  if (op == '+') {
    *ok = ag >= 0 && x;
    if (*ok && rs) {
      int r = idx(op_reason_str, OP_N_reason, rs);
      bool has = false;
      for (int k = 0; k < x->n; k++) has |= x->reasons[k] == r;
      *ok = r >= 0 && has;
    }
  } else if (rs) {
    /* avoid-AGENT/REASON: listed perhaps, but not for that reason */
    int r = idx(op_reason_str, OP_N_reason, rs);
    bool has = false;
    for (int k = 0; x && k < x->n; k++) has |= x->reasons[k] == r;
    *ok = ag >= 0 && r >= 0 && !has;
  } else {
    *ok = ag >= 0 && !x;
  }
  return true;
}

/* first, intents, inphase, months, phmonths, ph0 / ph1 / ph2. */
static bool check_phases(const op_plan *p, const char *key, char op, char *val, bool *ok) {
  char got[512];
  if (!strcmp(key, "first")) {
    const char *f = p->n_phases && p->phases[0].n ? p->kb->agent_code[p->phases[0].agents[0]] : "none";
    *ok = !strcmp(f, val);
  } else if (!strcmp(key, "intents")) {
    got[0] = 0;
    for (int i = 0; i < p->n_phases; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", op_intent_str[p->phases[i].intent]);
    *ok = !strcmp(got, val);
  } else if (!strcmp(key, "inphase")) {
    int ag = agent_idx(p, val);
    *ok = ag >= 0 && (op == '+' ? in_phases(p, ag) : !in_phases(p, ag));
  } else if (!strcmp(key, "months")) {
    if (!strcmp(val, "null")) *ok = p->n_phases && !p->phases[0].has_months;
    else *ok = p->n_phases && p->phases[0].has_months && p->phases[0].months == atof(val);
  } else if (!strcmp(key, "phmonths")) {
    phase_months(p, got, sizeof got);
    *ok = !strcmp(got, val);
  } else if (!strncmp(key, "ph", 2) && key[2] >= '0' && key[2] <= '2' && !key[3]) {
    /* phN=a,b,c: phase N's options exactly, in order */
    phase_agents(p, key[2] - '0', got, sizeof got);
    *ok = !strcmp(got, val);
  } else {
    return false;
  }
  return true;
}

/* mon=CODE@DATE (due), mon-CODE, overdue=CODE@SINCE (due at as_of, overdue
** since SINCE), overdue-CODE (present and not overdue). */
static bool check_monitor(const op_plan *p, const char *key, char op, char *val, bool *ok) {
  bool is_mon = !strcmp(key, "mon"), is_over = !strcmp(key, "overdue");
  if (!is_mon && !is_over) return false;
  char buf[11];
  if (op == '-') {
    int c = idx(op_monitor_str, OP_N_monitor, val);
    const op_monitor_item *m = c >= 0 ? find_monitor(p, c) : NULL;
    *ok = c >= 0 && (is_mon ? !m : m && !m->overdue);
    return true;
  }
  char *at = strchr(val, '@');
  if (!at) return *ok = false, true;
  *at++ = 0;
  int c = idx(op_monitor_str, OP_N_monitor, val);
  const op_monitor_item *m = c >= 0 ? find_monitor(p, c) : NULL;
  if (!m) return *ok = false, true;
  date_format(is_mon ? m->due : m->overdue_since, buf);
  *ok = !strcmp(buf, at) && (is_mon || (m->overdue && m->due == p->as_of));
  if (is_mon && m->due < p->as_of) *ok = false; /* never due before as_of */
  return true;
}

/* goal, goaltarget, dxcodes, dxgc, calcium_hold, dis, scope: yes/no facts. */
static bool check_flags(const op_plan *p, const char *key, char op, char *val, bool *ok) {
  bool want = op == '+';
  if (!strcmp(key, "goal")) *ok = p->has_goal == want;
  else if (!strcmp(key, "goaltarget")) *ok = p->has_goal && p->goal_has_target == want;
  else if (!strcmp(key, "dxcodes")) *ok = p->has_dxcodes == want;
  else if (!strcmp(key, "dxgc")) *ok = p->has_dxcodes && p->dxcode_glucocorticoid == want;
  else if (!strcmp(key, "calcium_hold")) *ok = p->calcium_hold == want;
  else if (!strcmp(key, "scope")) *ok = p->in_scope == want;
  else if (!strcmp(key, "dis")) {
    int c = idx(op_disagreement_str, OP_N_disagreement, val);
    *ok = c >= 0 && (want ? p->disagreement[c] : !p->disagreement[c]);
  } else {
    return false;
  }
  return true;
}

static int check_one(const op_plan *p, const char *name, char *e) {
  char op = 0;
  char *val = NULL;
  for (char *q = e; *q; q++)
    if (*q == '=' || *q == '+' || *q == '-' || *q == '@') {
      op = *q;
      *q = 0;
      val = q + 1;
      break;
    }
  if (!op) {
    printf("  %s: bad expectation '%s'\n", name, e);
    return 1;
  }
  char shown[256];
  snprintf(shown, sizeof shown, "%s%c%s", e, op, val);
  bool ok = false;
  if (!check_codes(p, e, op, val, &ok) && !check_avoid(p, e, op, val, &ok) && !check_phases(p, e, op, val, &ok) &&
      !check_monitor(p, e, op, val, &ok) && !check_flags(p, e, op, val, &ok)) {
    printf("  %s: unknown expectation key '%s'\n", name, e);
    return 1;
  }
  if (!ok) printf("  %s: expected %s\n", name, shown);
  return ok ? 0 : 1;
}

static void describe_more(const op_plan *p) {
  char buf[11], since[11];
  printf("    monitoring=[");
  for (int i = 0; i < p->n_monitor; i++) {
    date_format(p->monitor[i].due, buf);
    date_format(p->monitor[i].overdue_since, since);
    printf("%s%s@%s%s%s", i ? "," : "", op_monitor_str[p->monitor[i].code], buf, p->monitor[i].overdue ? "/since " : "",
           p->monitor[i].overdue ? since : "");
  }
  char m[128];
  phase_months(p, m, sizeof m);
  printf("] phmonths=%s goal=%d target=%d calcium_hold=%d dxgc=%d dis=[", m, p->has_goal, p->goal_has_target,
         p->calcium_hold, p->dxcode_glucocorticoid);
  for (int i = 0, n = 0; i < OP_N_disagreement; i++)
    if (p->disagreement[i]) printf("%s%s", n++ ? "," : "", op_disagreement_str[i]);
  printf("]\n");
}

static void describe(const op_plan *p) {
  printf("    got dx=%s risk=%s action=%s status=%s rule=%s crit=[", op_diagnosis_str[p->diagnosis],
         op_risk_str[p->risk], op_action_str[p->action], op_status_str[p->status], op_rule_str[p->rule]);
  for (int i = 0; i < p->n_criteria; i++) printf("%s%s", i ? "," : "", op_criterion_str[p->criteria[i].code]);
  printf("] find=[");
  for (int i = 0, n = 0; i < OP_N_finding; i++)
    if (p->finding[i])
      printf("%s%s%s%s", n++ ? "," : "", op_finding_str[i], p->finding_has_agent[i] ? "/" : "",
             p->finding_has_agent[i] ? p->kb->agent_code[p->finding_agent[i]] : "");
  printf("] phases=[");
  for (int i = 0; i < p->n_phases; i++) {
    printf("%s%s:", i ? " " : "", op_intent_str[p->phases[i].intent]);
    for (int k = 0; k < p->phases[i].n; k++) printf("%s%s", k ? "," : "", p->kb->agent_code[p->phases[i].agents[k]]);
  }
  printf("] alerts=[");
  for (int i = 0; i < p->n_alerts; i++)
    printf("%s%s/%s", i ? "," : "", op_alert_str[p->alerts[i].code], op_severity_str[p->alerts[i].severity]);
  printf("] avoid=[");
  for (int i = 0; i < p->n_avoid; i++) {
    printf("%s%s:", i ? "," : "", p->kb->agent_code[p->avoid[i].agent]);
    for (int k = 0; k < p->avoid[i].n; k++) printf("%s%s", k ? "/" : "", op_reason_str[p->avoid[i].reasons[k]]);
  }
  printf("]\n");
  describe_more(p);
}

/* The record's JSON: a whole object, or members added to the base patient. */
static char *record_json(arena *a, const char *record) {
  if (record[0] == '{') return arena_strdup(a, record);
  const char *base = "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"birth_date\":\"1955-01-01\",\"menopause\":\"post\"";
  size_t n = strlen(base) + strlen(record) + 4;
  char *json = arena_alloc(a, n);
  snprintf(json, n, "%s%s%s}", base, record[0] ? "," : "", record);
  return json;
}

static int check_all(arena *a, const op_plan *p, const rule_case *c) {
  int failed = 0;
  char *ex = arena_strdup(a, c->expect);
  char *save = NULL;
  for (char *t = strtok_r(ex, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
    while (*t == ' ') t++;
    char *end = t + strlen(t);
    while (end > t && end[-1] == ' ') *--end = 0;
    if (*t) failed += check_one(p, c->name, t);
  }
  if (failed) describe(p);
  return failed;
}

int run_case(const op_kb *kb, const rule_case *c) {
  arena *a = arena_create(1 << 16);
  char *json = record_json(a, c->record);
  op_record rec;
  op_error err;
  int failed = 0;
  op_status st = record_read(a, kb, json, strlen(json), NULL, "2026-11-01", &rec, &err);
  if (!strncmp(c->expect, "error=", 6)) {
    const char *want = c->expect + 6;
    if (st != OP_ERR_INPUT || strcmp(err.path, want)) {
      printf("  %s: expected an error at %s, got status %d path '%s' (%s)\n", c->name, want, st, err.path,
             err.message);
      failed = 1;
    }
    arena_destroy(a);
    return failed;
  }
  if (st != OP_OK) {
    printf("  %s: record rejected: %s\n", c->name, err.message);
    arena_destroy(a);
    return 1;
  }
  op_plan *p = arena_alloc(a, sizeof *p);
  if (!engine_assess(a, kb, &rec, p)) {
    arena_destroy(a);
    return 1;
  }
  word_plan(a, p);
  failed = check_all(a, p, c);
  arena_destroy(a);
  return failed;
}

int harness_setup(void **state) {
  char err[512];
  op_kb *kb = kb_load_default(err, sizeof err);
  if (!kb) printf("kb: %s\n", err);
  *state = kb;
  return kb ? 0 : -1;
}

int harness_teardown(void **state) {
  kb_free(*state);
  return 0;
}

void harness_run_all(const op_kb *kb, const rule_case *cases, size_t n) {
  int failed = 0;
  for (size_t i = 0; i < n; i++) failed += run_case(kb, &cases[i]) ? 1 : 0;
  assert_int_equal(failed, 0);
}

/* The "patient" object of a vignette file: its braces matched, strings
** skipped; NULL when there is none. */
static const char *patient_of(const char *text, size_t *len) {
  const char *p = strstr(text, "\"patient\"");
  if (!p || !(p = strchr(p, '{'))) return NULL;
  int depth = 0;
  for (const char *q = p; *q; q++) {
    if (*q == '"') {
      for (q++; *q && *q != '"'; q++)
        if (*q == '\\' && q[1]) q++;
      if (!*q) return NULL;
    } else if (*q == '{') {
      depth++;
    } else if (*q == '}' && --depth == 0) {
      *len = (size_t)(q + 1 - p);
      return p;
    }
  }
  return NULL;
}

char *harness_vignette(const char *dir, const char *name, const char **rec, size_t *len) {
  size_t l = strlen(name);
  if (l < 6 || strcmp(name + l - 5, ".json")) return NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *text = read_all(f, 1u << 20, len);
  fclose(f);
  assert_non_null(text);
  *rec = patient_of(text, len);
  assert_non_null(*rec);
  return text;
}
