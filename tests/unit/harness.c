/*
** harness.c: see harness.h.
*/
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "record/record.h"
#include "util/arena.h"
#include "word/word.h"

static int idx(const char *const *table, int n, const char *s) {
  return op_code_lookup(table, n, s, strlen(s));
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
  char *key = e;
  char buf[64];
  bool ok = true;
  if (!strcmp(key, "dx")) ok = !strcmp(op_diagnosis_str[p->diagnosis], val);
  else if (!strcmp(key, "risk")) ok = !strcmp(op_risk_str[p->risk], val);
  else if (!strcmp(key, "action")) ok = !strcmp(op_action_str[p->action], val);
  else if (!strcmp(key, "status")) ok = !strcmp(op_status_str[p->status], val);
  else if (!strcmp(key, "rule")) ok = !strcmp(op_rule_str[p->rule], val);
  else if (!strcmp(key, "crit")) {
    int c = idx(op_criterion_str, OP_N_criterion, val);
    bool has = false;
    for (int i = 0; i < p->n_criteria; i++) has |= (int)p->criteria[i].code == c;
    ok = c >= 0 && (op == '+' ? has : !has);
  } else if (!strcmp(key, "find")) {
    int c = idx(op_finding_str, OP_N_finding, val);
    ok = c >= 0 && (op == '+' ? p->finding[c] : !p->finding[c]);
  } else if (!strcmp(key, "alert")) {
    char *sev = strchr(val, '/');
    if (sev) *sev++ = 0;
    int c = idx(op_alert_str, OP_N_alert, val);
    const op_alert *a = NULL;
    for (int i = 0; i < p->n_alerts; i++)
      if ((int)p->alerts[i].code == c) a = &p->alerts[i];
    if (op == '+') ok = c >= 0 && a && (!sev || !strcmp(op_severity_str[a->severity], sev));
    else ok = c >= 0 && !a;
  } else if (!strcmp(key, "avoid") || !strcmp(key, "notrec")) {
    char *rs = strchr(val, '/');
    if (rs) *rs++ = 0;
    int ag = idx(p->kb->agent_code, p->kb->n_agents, val);
    const op_avoid *x = !strcmp(key, "avoid") ? find_avoid(p->avoid, p->n_avoid, ag)
                                               : find_avoid(p->not_rec, p->n_not_rec, ag);
    if (op == '+') {
      ok = ag >= 0 && x;
      if (ok && rs) {
        int r = idx(op_reason_str, OP_N_reason, rs);
        bool has = false;
        for (int k = 0; k < x->n; k++) has |= x->reasons[k] == r;
        ok = r >= 0 && has;
      }
    } else {
      ok = ag >= 0 && !x;
    }
  } else if (!strcmp(key, "first")) {
    const char *got = p->n_phases && p->phases[0].n ? p->kb->agent_code[p->phases[0].agents[0]] : "none";
    ok = !strcmp(got, val);
  } else if (!strcmp(key, "intents")) {
    char got[256] = "";
    for (int i = 0; i < p->n_phases; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", op_intent_str[p->phases[i].intent]);
    ok = !strcmp(got, val);
  } else if (!strcmp(key, "inphase")) {
    int ag = idx(p->kb->agent_code, p->kb->n_agents, val);
    ok = ag >= 0 && (op == '+' ? in_phases(p, ag) : !in_phases(p, ag));
  } else if (!strcmp(key, "months")) {
    ok = p->n_phases && p->phases[0].has_months && p->phases[0].months == atof(val);
  } else if (!strcmp(key, "mon")) {
    if (op == '-') {
      int c = idx(op_monitor_str, OP_N_monitor, val);
      for (int i = 0; i < p->n_monitor; i++) ok &= (int)p->monitor[i].code != c;
    } else {
      /* mon=CODE@DATE: op is '=', the value is CODE@DATE */
      char *at = strchr(val, '@');
      if (!at) return printf("  %s: mon needs CODE@DATE\n", name), 1;
      *at++ = 0;
      int c = idx(op_monitor_str, OP_N_monitor, val);
      ok = false;
      for (int i = 0; i < p->n_monitor; i++)
        if ((int)p->monitor[i].code == c) {
          date_format(p->monitor[i].due, buf);
          ok = !strcmp(buf, at);
        }
    }
  } else if (!strcmp(key, "goal")) ok = op == '+' ? p->has_goal : !p->has_goal;
  else if (!strcmp(key, "dxcodes")) ok = op == '+' ? p->has_dxcodes : !p->has_dxcodes;
  else if (!strcmp(key, "dis")) {
    int c = idx(op_disagreement_str, OP_N_disagreement, val);
    ok = c >= 0 && (op == '+' ? p->disagreement[c] : !p->disagreement[c]);
  } else if (!strcmp(key, "scope")) ok = op == '+' ? p->in_scope : !p->in_scope;
  else {
    printf("  %s: unknown expectation key '%s'\n", name, key);
    return 1;
  }
  if (!ok) printf("  %s: expected %s%c%s\n", name, key, op, val);
  return ok ? 0 : 1;
}

static void describe(const op_plan *p) {
  printf("    got dx=%s risk=%s action=%s rule=%s crit=[", op_diagnosis_str[p->diagnosis], op_risk_str[p->risk],
         op_action_str[p->action], op_rule_str[p->rule]);
  for (int i = 0; i < p->n_criteria; i++) printf("%s%s", i ? "," : "", op_criterion_str[p->criteria[i].code]);
  printf("] find=[");
  for (int i = 0, n = 0; i < OP_N_finding; i++)
    if (p->finding[i]) printf("%s%s", n++ ? "," : "", op_finding_str[i]);
  printf("] phases=[");
  for (int i = 0; i < p->n_phases; i++) {
    printf("%s%s:", i ? " " : "", op_intent_str[p->phases[i].intent]);
    for (int k = 0; k < p->phases[i].n; k++) printf("%s%s", k ? "," : "", p->kb->agent_code[p->phases[i].agents[k]]);
  }
  printf("] alerts=[");
  for (int i = 0; i < p->n_alerts; i++)
    printf("%s%s/%s", i ? "," : "", op_alert_str[p->alerts[i].code], op_severity_str[p->alerts[i].severity]);
  printf("] avoid=[");
  for (int i = 0; i < p->n_avoid; i++) printf("%s%s", i ? "," : "", p->kb->agent_code[p->avoid[i].agent]);
  printf("]\n");
}

int run_case(const op_kb *kb, const rule_case *c) {
  arena *a = arena_create(1 << 16);
  char *json;
  if (c->record[0] == '{') {
    json = arena_strdup(a, c->record);
  } else {
    const char *base = "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"birth_date\":\"1955-01-01\",\"menopause\":\"post\"";
    size_t n = strlen(base) + strlen(c->record) + 4;
    json = arena_alloc(a, n);
    snprintf(json, n, "%s%s%s}", base, c->record[0] ? "," : "", c->record);
  }
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
  char *ex = arena_strdup(a, c->expect);
  char *save = NULL;
  for (char *t = strtok_r(ex, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
    while (*t == ' ') t++;
    char *end = t + strlen(t);
    while (end > t && end[-1] == ' ') *--end = 0;
    if (*t) failed += check_one(p, c->name, t);
  }
  if (failed) describe(p);
  arena_destroy(a);
  return failed;
}
