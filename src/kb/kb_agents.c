/*
** kb_agents.c: looking up the agents of a knowledge base by their record
** codes. The agents are data (agents.ini, bound by kb.c); nothing here names
** one.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "kb_loader.h"
#include "../util/strbuf.h"

#define OP_STR_ITEM(id, str) str,
#define OP_LEN_ITEM(id, str) sizeof(str) - 1,
const char *const op_holiday_str[OP_N_holiday] = {OP_HOLIDAY_LIST(OP_STR_ITEM)};
const unsigned char op_holiday_len[OP_N_holiday] = {OP_HOLIDAY_LIST(OP_LEN_ITEM)};

#define OP_RM_STR(id, str, ui) str,
#define OP_RM_UI(id, str, ui) OP_##ui,
const char *const op_reminder_str[OP_N_reminder] = {OP_REMINDER_LIST(OP_RM_STR)};
const op_ui_t op_reminder_ui[OP_N_reminder] = {OP_REMINDER_LIST(OP_RM_UI)};

int kb_agent_lookup(const op_kb *kb, const char *s, size_t n) {
  return op_code_lookup_len(kb->agent_code, kb->agent_code_len, kb->n_agents, s, n);
}

/* ---- [order.X] and the routes' snomed codes (agents.ini) ---------------- */

/* The sources of a code row ("A, B"): each an id of sources.ini. */
static op_srcset row_sources(loader *L, const entry *e, char *list) {
  char *items[OP_MAX_SOURCES];
  int n = split_list(L, list, items, OP_MAX_SOURCES);
  op_srcset set = 0;
  if (n <= 0) lerr(L, e->file, e->line, "[%s] %s: expected the code's sources", e->section, e->key);
  for (int i = 0; i < n && !L->failed; i++) {
    int k = -1;
    for (int j = 0; j < L->kb->n_sources; j++)
      if (!strcmp(L->kb->sources[j].id, items[i])) k = j;
    if (k < 0) lerr(L, e->file, e->line, "[%s] %s: source '%s' does not exist in sources.ini", e->section, e->key, items[i]);
    else set |= (op_srcset)1 << k;
  }
  return set;
}

/* "value | sources" or "a | b | sources" into n fields (the last the
** sources); false (with an error) when the row has another shape. */
static bool row_fields(loader *L, const entry *e, char **f, int n) {
  char *copy = arena_strdup(L->a, e->value);
  if (!copy) return false; /* the arena's failure is reported by the loader */
  int k = 0;
  for (char *p = copy; k < n; k++) {
    char *bar = strchr(p, '|');
    if (k < n - 1 && !bar) break;
    if (bar) *bar = 0;
    f[k] = str_trim(p);
    if (!*f[k] || (k == n - 1 && bar)) break;
    p = bar ? bar + 1 : p + strlen(p);
  }
  if (k < n) lerr(L, e->file, e->line, "[%s] %s: expected %s | sources", e->section, e->key, n == 3 ? "code | display" : "value");
  return k == n;
}

/* An optional code row: code (digits, or letters and digits for ATC) |
** display ("-": not verified) | sources. */
static kb_coding opt_coding(loader *L, const char *sec, const char *key) {
  kb_coding c = {NULL, NULL, 0};
  entry *e = get(L, sec, key);
  char *f[3];
  if (!e || !row_fields(L, e, f, 3)) return c;
  for (const char *p = f[0]; *p; p++)
    if (!isalnum((unsigned char)*p)) {
      lerr(L, e->file, e->line, "[%s] %s: a code is letters and digits, got '%s'", sec, key, f[0]);
      return c;
    }
  c.code = f[0];
  c.display = strcmp(f[1], "-") ? f[1] : NULL;
  c.sources = row_sources(L, e, f[2]);
  return c;
}

/* dose_quantity = VALUE UCUM | sources; VALUE is the number the agent's
** dose words start with (so the words and the quantity never disagree). */
static void bind_dose(loader *L, const char *sec, const kb_agent *g, kb_rx *rx) {
  entry *e = get(L, sec, "dose_quantity");
  char *f[2], *end;
  if (!e || !row_fields(L, e, f, 2)) return;
  double v = strtod(f[0], &end);
  const char *ucum = str_trim(end);
  double said = strtod(g->dose, &end);
  const char *unit = str_trim(arena_strdup(L->a, end));
  if (!(v > 0) || !*ucum || strchr(ucum, ' ') || end == g->dose || said != v || !unit || !*unit) {
    lerr(L, e->file, e->line, "[%s] dose_quantity: expected VALUE UCUM-UNIT with the value of the dose '%s'", sec,
         g->dose);
    return;
  }
  rx->dose_value = v;
  rx->dose_ucum = ucum;
  rx->dose_unit = unit;
  rx->dose_sources = row_sources(L, e, f[1]);
}

/* timing = FREQUENCY PERIOD UNIT | sources (FHIR Timing.repeat). */
static void bind_timing(loader *L, const char *sec, kb_rx *rx) {
  static const char *const units[] = {"d", "wk", "mo", "a"};
  entry *e = get(L, sec, "timing");
  char *f[2], *after_freq, *after_period;
  if (!e || !row_fields(L, e, f, 2)) return;
  long freq = strtol(f[0], &after_freq, 10);
  double period = strtod(after_freq, &after_period);
  int u = after_freq > f[0] && after_period > after_freq ? code_of(units, 4, str_trim(after_period)) : -1;
  if (u < 0 || freq < 1 || freq > 99 || !(period > 0) || period > 99) {
    lerr(L, e->file, e->line, "[%s] timing: expected FREQUENCY PERIOD UNIT (UNIT d, wk, mo or a)", sec);
    return;
  }
  rx->frequency = (int)freq;
  rx->period = period;
  rx->period_unit = units[u];
  rx->timing_sources = row_sources(L, e, f[1]);
}

void kb_bind_orders(loader *L) {
  op_kb *kb = L->kb;
  char sec[64];
  for (int r = 0; r < kb->n_routes && !L->failed; r++) {
    snprintf(sec, sizeof sec, "route.%s", kb->route_code[r]);
    kb->route[r].snomed = opt_coding(L, sec, "snomed");
  }
  for (int a = 0; a < kb->n_agents && !L->failed; a++) {
    snprintf(sec, sizeof sec, "order.%s", kb->agent_code[a]);
    section *s = find_section(L, sec);
    if (!s) continue;
    s->used = true; /* a section with no key is still known */
    kb_rx *rx = &kb->agent[a].rx;
    rx->rx_in = opt_coding(L, sec, "rxnorm_in");
    rx->rx_scd = opt_coding(L, sec, "rxnorm_scd");
    rx->rx_sbd = opt_coding(L, sec, "rxnorm_sbd");
    rx->atc = opt_coding(L, sec, "atc");
    bind_dose(L, sec, &kb->agent[a], rx);
    bind_timing(L, sec, rx);
  }
}
