/*
** kb.c: the knowledge-base loader's entries, lookups and binder.
**
** The files are INI (src/util/ini.h, the reader the serve configuration
** uses too), written for a clinician to review. This file keeps every
** entry's file and line, refuses duplicates, and offers the lookups the
** binders use (kb_loader.h); the binders of each kind of section are in
** kb_bind.c, the reading of files, folders and profiles in kb_files.c.
**
** Binding walks the C tables of codes: every code must have its texts,
** every number must be a number, every list must name known codes and
** sources, and every section or key left unused is an error (a typo in the
** knowledge base must not silently drop a rule).
*/
#include "kb.h"
#include "kb_fhir.h"
#include "kb_loader.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/arena.h"
#include "../util/ini.h"
#include "../util/strbuf.h"

#define OP_STR_ITEM(id, str) str,
#define OP_LEN_ITEM(id, str) sizeof(str) - 1,
const char *const op_ui_str[OP_N_ui] = {OP_UI_LIST(OP_STR_ITEM)};
const unsigned char op_ui_len[OP_N_ui] = {OP_UI_LIST(OP_LEN_ITEM)};
const char *const op_phrase_str[OP_N_phrase] = {OP_PHRASE_LIST(OP_STR_ITEM)};
const unsigned char op_phrase_len[OP_N_phrase] = {OP_PHRASE_LIST(OP_LEN_ITEM)};
const char *const op_wltext_str[OP_N_wltext] = {OP_WLTEXT_LIST(OP_STR_ITEM)};
const unsigned char op_wltext_len[OP_N_wltext] = {OP_WLTEXT_LIST(OP_LEN_ITEM)};


void lerr(loader *L, const char *file, int line, const char *fmt, ...) {
  if (L->failed) return; /* keep the first error */
  L->failed = true;
  int n = snprintf(L->err, L->errsz, "%s:%d: ", file, line);
  if (n < 0 || (size_t)n >= L->errsz) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(L->err + n, L->errsz - (size_t)n, fmt, ap);
  va_end(ap);
}


/* Lookups by name happen thousands of times per load (every key of every
** section): a hash keeps loading linear, which matters for --kb DIR, the
** tests that load edited copies, and fuzzing the loader. */
static unsigned name_hash(const char *s) {
  unsigned h = 2166136261u;
  while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
  return h;
}

section *find_section(loader *L, const char *name) {
  if (!L->icap) return NULL;
  for (unsigned h = name_hash(name) & (unsigned)(L->icap - 1);; h = (h + 1) & (unsigned)(L->icap - 1)) {
    int i = L->index[h];
    if (i < 0) return NULL;
    if (!strcmp(L->s[i].name, name)) return &L->s[i];
  }
}

static bool index_section(loader *L, int i) {
  if (2 * (L->ns + 1) > L->icap) { /* keep the table at most half full */
    int nc = L->icap ? L->icap * 2 : 256;
    int *ni = arena_array(L->a, (size_t)nc, sizeof *ni);
    if (!ni) return false;
    for (int k = 0; k < nc; k++) ni[k] = -1;
    L->index = ni;
    L->icap = nc;
    for (int k = 0; k < i; k++) index_section(L, k);
  }
  unsigned h = name_hash(L->s[i].name) & (unsigned)(L->icap - 1);
  while (L->index[h] >= 0) h = (h + 1) & (unsigned)(L->icap - 1);
  L->index[h] = i;
  return true;
}

/* A new [name] (names point into the arena's copy of the text). */
static bool add_section(loader *L, const char *file, int line, const char *name) {
  section *o = find_section(L, name);
  if (o) {
    lerr(L, file, line, "section [%s] appears twice (first at %s:%d)", name, o->file, o->line);
    return false;
  }
  if (L->ns == L->scap) {
    int nc = L->scap ? L->scap * 2 : 64;
    L->s = arena_grow(L->a, L->s, sizeof(section) * (size_t)L->scap, sizeof(section) * (size_t)nc);
    if (!L->s) return false;
    L->scap = nc;
  }
  L->s[L->ns] = (section){file, line, name, false, L->ne, 0};
  if (!index_section(L, L->ns)) return false;
  L->ns++;
  return true;
}

/* key = value in the last section; NULL when refused or out of memory. */
static entry *add_entry(loader *L, const char *file, const ini_item *it) {
  int line = it->line;
  const char *key = it->name;
  section *cs = &L->s[L->ns - 1];
  for (int i = cs->first; i < cs->first + cs->n; i++)
    if (!strcmp(L->e[i].key, key)) {
      lerr(L, file, line, "[%s] %s is given twice (first at line %d)", cs->name, key, L->e[i].line);
      return NULL;
    }
  if (L->ne == L->cap) {
    int nc = L->cap ? L->cap * 2 : 256;
    L->e = arena_grow(L->a, L->e, sizeof(entry) * (size_t)L->cap, sizeof(entry) * (size_t)nc);
    if (!L->e) return NULL;
    L->cap = nc;
  }
  L->e[L->ne++] = (entry){file, line, cs->name, key, it->value, false};
  L->s[L->ns - 1].n++;
  return &L->e[L->ne - 1];
}

/* One file's text into sections and entries: a section given twice, or a
** key given twice in its section, is refused (the second would silently
** override the first reviewed value). */
bool kb_parse_file(loader *L, const char *file, const char *text) {
  char *buf = arena_strdup(L->a, text);
  if (!buf) return false;
  ini_reader r;
  ini_item it;
  ini_init(&r, buf, INI_CONTINUATION);
  entry *last = NULL; /* the value a continuation line extends */
  for (;;) {
    switch (ini_next(&r, &it)) {
    case INI_END:
      return true;
    case INI_ERROR:
      lerr(L, file, it.line, "%s", it.error);
      return false;
    case INI_MORE: {
      if (!last) return false; /* not reached: the reader continues only a key's value */
      size_t n1 = strlen(last->value), n2 = strlen(it.value);
      char *v = arena_alloc(L->a, n1 + n2 + 2);
      if (!v) return false;
      memcpy(v, last->value, n1);
      v[n1] = ' ';
      memcpy(v + n1 + 1, it.value, n2 + 1);
      last->value = v;
      break;
    }
    case INI_SECTION:
      if (!add_section(L, file, it.line, it.name)) return false;
      break;
    case INI_KEY:
      if (!(last = add_entry(L, file, &it))) return false;
      break;
    }
  }
}

/* ---- binding helpers ---------------------------------------------------- */

entry *get(loader *L, const char *sec, const char *key) {
  section *s = find_section(L, sec);
  if (!s) return NULL;
  s->used = true;
  for (int i = s->first; i < s->first + s->n; i++)
    if (!strcmp(L->e[i].key, key)) {
      L->e[i].used = true;
      return &L->e[i];
    }
  return NULL;
}

/* An error about [sec] key, at the key's line when it is there, else at the
** section's, else at the knowledge base as a whole: a broken copy may lack
** either, and the message must still be given. */
void lerr_key(loader *L, const char *sec, const char *key, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  entry *e = get(L, sec, key);
  section *s = e ? NULL : find_section(L, sec);
  lerr(L, e ? e->file : s ? s->file : "kb", e ? e->line : s ? s->line : 0, "%s", what);
}

section *need_section(loader *L, const char *sec) {
  section *s = find_section(L, sec);
  if (!s) {
    lerr(L, "kb", 0, "section [%s] is missing", sec);
    return NULL;
  }
  s->used = true;
  return s;
}

const char *req_str(loader *L, const char *sec, const char *key) {
  entry *e = get(L, sec, key);
  if (!e) {
    section *s = need_section(L, sec);
    if (s) lerr(L, s->file, s->line, "[%s] needs '%s'", sec, key);
    return "";
  }
  if (!*e->value) lerr(L, e->file, e->line, "[%s] %s is empty", sec, key);
  return e->value;
}

const char *opt_str(loader *L, const char *sec, const char *key) {
  entry *e = get(L, sec, key);
  return e ? e->value : NULL;
}

static bool parse_num(const char *v, double *out) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end || errno || !isfinite(d)) return false;
  *out = d;
  return true;
}

double req_num(loader *L, const char *sec, const char *key) {
  entry *e = get(L, sec, key);
  double d = 0;
  if (!e) {
    section *s = need_section(L, sec);
    if (s) lerr(L, s->file, s->line, "[%s] needs the number '%s'", sec, key);
    return 0;
  }
  if (!parse_num(e->value, &d))
    lerr(L, e->file, e->line, "[%s] %s: expected a number, got '%s'", sec, key, e->value);
  return d;
}

double opt_num(loader *L, const char *sec, const char *key, double dflt) {
  entry *e = get(L, sec, key);
  double d = dflt;
  if (e && !parse_num(e->value, &d))
    lerr(L, e->file, e->line, "[%s] %s: expected a number, got '%s'", sec, key, e->value);
  return d;
}

/* Splits a comma-separated list in place; returns the count. */
int split_list(loader *L, const char *v, char **items, int max) {
  char *copy = arena_strdup(L->a, v);
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (n == max) return -1;
    items[n++] = str_trim(t);
  }
  return n;
}

int code_of(const char *const *table, int count, const char *s) {
  return op_code_lookup(table, count, s, strlen(s));
}

op_srcset req_sources(loader *L, const char *sec, const char *key) {
  entry *e = get(L, sec, key);
  if (!e) {
    section *s = need_section(L, sec);
    if (s) lerr(L, s->file, s->line, "[%s] needs '%s' (every rule carries its sources)", sec, key);
    return 0;
  }
  char *items[OP_MAX_SOURCES];
  int n = split_list(L, e->value, items, OP_MAX_SOURCES);
  op_srcset set = 0;
  if (n <= 0) lerr(L, e->file, e->line, "[%s] %s: expected a list of source ids", sec, key);
  for (int i = 0; i < n; i++) {
    int k = -1;
    for (int j = 0; j < L->kb->n_sources; j++)
      if (!strcmp(L->kb->sources[j].id, items[i])) k = j;
    if (k < 0) {
      lerr(L, e->file, e->line, "[%s] %s: source '%s' does not exist in sources.ini", sec, key, items[i]);
      return 0;
    }
    set |= (op_srcset)1 << k;
  }
  return set;
}

/* A comma-separated list of codes from table into out (count in *n);
** what names the kind of code in messages. Duplicates are refused. */
static void req_codes(loader *L, const char *sec, const char *key, const char *const *table, int tn,
                      const char *what, int *out, int *n) {
  entry *e = get(L, sec, key);
  *n = 0;
  if (!e) {
    section *s = need_section(L, sec);
    if (s) lerr(L, s->file, s->line, "[%s] needs '%s'", sec, key);
    return;
  }
  char *items[64];
  int k = split_list(L, e->value, items, tn < 64 ? tn : 64);
  if (k <= 0) {
    lerr(L, e->file, e->line, "[%s] %s: expected a list of %s codes", sec, key, what);
    return;
  }
  for (int i = 0; i < k; i++) {
    int c = code_of(table, tn, items[i]);
    if (c < 0) {
      lerr(L, e->file, e->line, "[%s] %s: unknown %s '%s'", sec, key, what, items[i]);
      return;
    }
    for (int j = 0; j < *n; j++)
      if (out[j] == c) lerr(L, e->file, e->line, "[%s] %s: '%s' listed twice", sec, key, items[i]);
    out[(*n)++] = c;
  }
}

static void req_agents(loader *L, const char *sec, const char *key, kb_order *o) {
  req_codes(L, sec, key, L->kb->agent_code, L->kb->n_agents, "agent", o->agents, &o->n);
}

static void req_reasons(loader *L, const char *sec, const char *key, kb_avoid_rule *r) {
  req_codes(L, sec, key, op_reason_str, OP_N_reason, "reason code", r->reasons, &r->n_reasons);
}

/* ---- agents and routes (agents.ini) -------------------------------------- */

/* A code named by a section ([agent.X], [route.X]): what a record or another
** file writes, so lower-case letters, digits and '_' only. */
static bool code_name_ok(loader *L, const section *s, const char *code) {
  size_t n = strlen(code);
  bool ok = n > 0 && n <= 40;
  for (size_t i = 0; i < n && ok; i++) ok = islower((unsigned char)code[i]) || isdigit((unsigned char)code[i]) || code[i] == '_';
  if (!ok) lerr(L, s->file, s->line, "[%s]: a code is 1 to 40 characters of a-z, 0-9 and _", s->name);
  return ok;
}

/* An optional yes/no flag (absent: no). */
static bool opt_flag(loader *L, const char *sec, const char *key) {
  entry *e = get(L, sec, key);
  if (!e || !strcmp(e->value, "no")) return false;
  if (strcmp(e->value, "yes")) lerr(L, e->file, e->line, "[%s] %s: expected yes or no, got '%s'", sec, key, e->value);
  return true;
}

/* An optional code of table (absent: dflt). */
static int opt_code(loader *L, const char *sec, const char *key, const char *const *table, int n, int dflt) {
  entry *e = get(L, sec, key);
  if (!e) return dflt;
  int c = code_of(table, n, e->value);
  if (c < 0) lerr(L, e->file, e->line, "[%s] %s: unknown code '%s'", sec, key, e->value);
  return c;
}

/* [route.X] in file order. */
static void bind_routes(loader *L) {
  op_kb *kb = L->kb;
  for (int i = 0; i < L->ns && !L->failed; i++) {
    const section *s = &L->s[i];
    if (strncmp(s->name, "route.", 6) || !code_name_ok(L, s, s->name + 6)) continue;
    if (kb->n_routes == OP_MAX_ROUTES) {
      lerr(L, s->file, s->line, "[%s]: more than %d routes (raise OP_MAX_ROUTES)", s->name, OP_MAX_ROUTES);
      return;
    }
    kb->route_code[kb->n_routes] = s->name + 6;
    kb->route[kb->n_routes].clinician = req_str(L, s->name, "clinician");
    kb->route[kb->n_routes].patient = req_str(L, s->name, "patient");
    kb->n_routes++;
  }
}

/* The flags the rules read instead of an agent's name (agents.ini). */
static void bind_agent_flags(loader *L, const char *sec, kb_agent *g) {
  g->bisphosphonate = opt_flag(L, sec, "bisphosphonate");
  g->intolerance_rules_out_class = opt_flag(L, sec, "intolerance_rules_out_class");
  g->response_checked_by_btm = opt_flag(L, sec, "response_checked_by_btm");
  g->parenteral_after_failure_in_giop = opt_flag(L, sec, "parenteral_after_failure_in_giop");
  g->bone_turnover_monitoring = opt_flag(L, sec, "bone_turnover_monitoring");
  g->rebound_when_stopped = opt_flag(L, sec, "rebound_when_stopped");
  g->jaw_and_femur_risk = opt_flag(L, sec, "jaw_and_femur_risk");
  g->pth_lifetime_limit = opt_flag(L, sec, "pth_lifetime_limit");
  g->course_dose_limit = opt_flag(L, sec, "course_dose_limit");
  g->failure_judged = opt_flag(L, sec, "failure_judged");
  g->followon = opt_flag(L, sec, "followon");
  g->vitamin_d_before_first_dose = opt_flag(L, sec, "vitamin_d_before_first_dose");
  g->severe_ckd_warning = opt_flag(L, sec, "severe_ckd_warning");
  g->cardiovascular_check_before_start = opt_flag(L, sec, "cardiovascular_check_before_start");
  g->dental_review_at_start = opt_flag(L, sec, "dental_review_at_start");
  {
    /* the labs a start or a course needs first: a list of lab words */
    static const char *const labs[] = {"renal", "calcium", "vitamin_d"};
    int got[3], n = 0;
    if (get(L, sec, "baseline_labs")) req_codes(L, sec, "baseline_labs", labs, 3, "lab", got, &n);
    for (int i = 0; i < n; i++) g->baseline_labs |= 1u << got[i];
  }
  g->drug_holiday = opt_code(L, sec, "drug_holiday", op_holiday_str, OP_N_holiday, OP_HOLIDAY_NONE);
  double rank = opt_num(L, sec, "correct_calcium_first", 0);
  if (rank < 0 || rank > 99 || rank != floor(rank))
    lerr_key(L, sec, "correct_calcium_first", "[%s] correct_calcium_first: expected a whole number 1 to 99", sec);
  g->correct_calcium_first = (int)rank;
  g->disagreement_if_taken = opt_code(L, sec, "disagreement_if_taken", op_disagreement_str, OP_N_disagreement, -1);
  g->disagreement_if_offered = opt_code(L, sec, "disagreement_if_offered", op_disagreement_str, OP_N_disagreement, -1);
  g->disagreement_if_offered_with =
      opt_code(L, sec, "disagreement_if_offered_with", op_disagreement_str, OP_N_disagreement, -1);
  /* a limit of an anabolic course, or the rule of a bisphosphonate, on an
  ** agent of the other intent is a slip of the pen */
  if ((g->pth_lifetime_limit || g->course_dose_limit) && g->intent != OP_INTENT_ANABOLIC)
    lerr_key(L, sec, "intent", "[%s] a course limit (pth_lifetime_limit, course_dose_limit) needs intent anabolic", sec);
  if ((g->bisphosphonate || g->rebound_when_stopped || g->drug_holiday) && g->intent != OP_INTENT_ANTIRESORPTIVE)
    lerr_key(L, sec, "intent", "[%s] bisphosphonate, rebound_when_stopped and drug_holiday need intent antiresorptive", sec);
}

static void bind_agent(loader *L, const char *sec, kb_agent *g) {
  op_kb *kb = L->kb;
  g->cls = req_str(L, sec, "class");
  const char *in = req_str(L, sec, "intent");
  g->intent = code_of(op_intent_str, OP_N_intent, in);
  if (g->intent < 0) {
    lerr_key(L, sec, "intent", "[%s] intent must be anabolic or antiresorptive", sec);
    return;
  }
  const char *route = req_str(L, sec, "route");
  g->route_code = code_of(kb->route_code, kb->n_routes, route);
  if (g->route_code < 0) {
    lerr_key(L, sec, "route", "[%s] route '%s' has no [route.%s] section", sec, route, route);
    return;
  }
  g->route = kb->route[g->route_code].clinician;
  g->dose = req_str(L, sec, "dose");
  g->frequency = req_str(L, sec, "frequency");
  g->max_months = opt_num(L, sec, "max_months", -1);
  g->renal_min = opt_num(L, sec, "renal_min_ml_min", -1);
  g->name = req_str(L, sec, "name");
  g->patient_name = req_str(L, sec, "patient_name");
  g->patient_how = req_str(L, sec, "patient_how");
  g->sources = req_sources(L, sec, "sources");
  bind_agent_flags(L, sec, g);
}

/* [agent.X] in file order, with their [avoid.X] and [not_recommended.X]. */
static void bind_agents(loader *L) {
  op_kb *kb = L->kb;
  bind_routes(L);
  for (int i = 0; i < L->ns && !L->failed; i++) {
    const section *s = &L->s[i];
    if (strncmp(s->name, "agent.", 6) || !code_name_ok(L, s, s->name + 6)) continue;
    if (kb->n_agents == OP_MAX_AGENTS) {
      lerr(L, s->file, s->line, "[%s]: more than %d agents (raise OP_MAX_AGENTS)", s->name, OP_MAX_AGENTS);
      return;
    }
    int a = kb->n_agents++;
    kb->agent_code[a] = s->name + 6;
    kb->agent_code_len[a] = (unsigned char)strlen(kb->agent_code[a]);
  }
  if (!kb->n_agents && !L->failed) lerr(L, "agents.ini", 0, "no [agent.X] section: the knowledge base needs agents");
  for (int a = 0; a < kb->n_agents && !L->failed; a++) {
    char sec[64];
    snprintf(sec, sizeof sec, "agent.%s", kb->agent_code[a]);
    bind_agent(L, sec, &kb->agent[a]);
    snprintf(sec, sizeof sec, "avoid.%s", kb->agent_code[a]);
    if (find_section(L, sec)) {
      req_reasons(L, sec, "reasons", &kb->avoid[a]);
      kb->avoid[a].sources = req_sources(L, sec, "sources");
      if (get(L, sec, "keep_current")) {
        /* reasons that do not stop a current course (2026.12 rule 0) */
        kb_avoid_rule keep = {0};
        req_reasons(L, sec, "keep_current", &keep);
        for (int k = 0; k < keep.n_reasons; k++) kb->avoid[a].keep_current |= 1u << keep.reasons[k];
      }
    }
    for (int k = 0; k < kb->avoid[a].n_reasons; k++) kb->avoid_agents[kb->avoid[a].reasons[k]] |= 1u << a;
    snprintf(sec, sizeof sec, "not_recommended.%s", kb->agent_code[a]);
    if (find_section(L, sec)) {
      kb->has_not_recommended[a] = true;
      req_reasons(L, sec, "reasons", &kb->not_recommended[a]);
      kb->not_recommended[a].sources = req_sources(L, sec, "sources");
    }
    for (int k = 0; k < kb->avoid[a].n_reasons; k++) kb->avoid_reasons |= 1u << kb->avoid[a].reasons[k];
    for (int k = 0; k < kb->not_recommended[a].n_reasons; k++)
      kb->avoid_reasons |= 1u << kb->not_recommended[a].reasons[k];
  }
}

/* Placeholders a template may use; the engine fills these. */
static const char *const known_vars[] = {
    "value", "site", "date", "threshold", "count", "months", "agent", "dose",
    "frax_major", "frax_hip", "age", "fracture_site", "fracture_date", "doses",
    "limit", "gain", "needed", "fall", "renal", "calcium", "vitamin_d",
    "condition", "last_dose", "start", "course_agent", "other", "due",
    "reasons", "falls", "level", "window", "from", "to", "per_year",
    "days", "labs",
};

bool check_template(loader *L, entry *e) {
  const char *s = e->value;
  while ((s = strchr(s, '{'))) {
    const char *end = strchr(s, '}');
    if (!end) {
      lerr(L, e->file, e->line, "unclosed '{' in text");
      return false;
    }
    size_t n = (size_t)(end - s - 1);
    bool ok = false;
    for (size_t i = 0; i < sizeof known_vars / sizeof *known_vars; i++)
      if (strlen(known_vars[i]) == n && !strncmp(known_vars[i], s + 1, n)) ok = true;
    if (!ok) {
      lerr(L, e->file, e->line, "unknown placeholder {%.*s}", (int)n, s + 1);
      return false;
    }
    s = end + 1;
  }
  return true;
}

/* A required [prefix.code] section is missing: point at a misspelt sibling
** when there is one, else at the first section of the same family. */
void missing_section(loader *L, const char *prefix, const char *const *codes, int n, const char *code,
                            const char *deflt_file) {
  size_t pl = strlen(prefix);
  section *first = NULL;
  for (int i = 0; i < L->ns; i++) {
    section *s = &L->s[i];
    if (strncmp(s->name, prefix, pl) || s->name[pl] != '.') continue;
    if (!first) first = s;
    if (code_of(codes, n, s->name + pl + 1) < 0) {
      lerr(L, s->file, s->line, "unknown section [%s] (unknown code or typo; is it [%s.%s]?)", s->name, prefix, code);
      return;
    }
  }
  lerr(L, first ? first->file : deflt_file, first ? first->line : 0, "no [%s.%s] section: every %s code needs one",
       prefix, code, prefix);
}

/* [regimen.*]: the preference order of each decision rule. */
static void bind_regimens(loader *L) {
  op_kb *kb = L->kb;
  static const char *const rg_key[OP_N_RG] = {
#define OP_RG_KEY(id, key) key,
      OP_REGIMEN_LIST(OP_RG_KEY)
#undef OP_RG_KEY
  };
  for (int r = 0; r < OP_N_RG && !L->failed; r++) {
    char sec[96];
    snprintf(sec, sizeof sec, "regimen.%s", rg_key[r]);
    req_agents(L, sec, "agents", &kb->regimen[r]);
    kb->regimen_sources[r] = req_sources(L, sec, "sources");
  }
}

/* ---- the binder --------------------------------------------------------- */

static void bind(loader *L) {
  op_kb *kb = L->kb;
  kb_bind_metadata(L);
  kb_bind_sources(L);
  if (L->failed) return;

  /* thresholds */
#define OP_TH_BIND(id, sec, key) kb->th[OP_TH_##id] = req_num(L, sec, key);
  OP_THRESHOLD_LIST(OP_TH_BIND)
#undef OP_TH_BIND
  if (L->failed) return;

  /* agents */
  bind_agents(L);
  if (!L->failed) kb_bind_orders(L);
  if (L->failed) return;

  for (int r = 0; r < OP_N_reason; r++) {
    kb->reason_condition[r] = code_of(op_condition_str, OP_N_condition, op_reason_str[r]);
    if (kb->reason_condition[r] >= 0) kb->condition_reasons[kb->reason_condition[r]] |= 1u << r;
  }

  bind_regimens(L);
  if (L->failed) return;

  kb_bind_wording_and_tables(L);
  if (!L->failed) kb_bind_omop(L);

  /* anything not consumed is a mistake */
  for (int i = 0; i < L->ns; i++)
    if (!L->s[i].used) {
      lerr(L, L->s[i].file, L->s[i].line, "unknown section [%s] (unknown code or typo)", L->s[i].name);
      return;
    }
  for (int i = 0; i < L->ne; i++)
    if (!L->e[i].used) {
      lerr(L, L->e[i].file, L->e[i].line, "unknown key '%s' in [%s]", L->e[i].key, L->e[i].section);
      return;
    }

  /* consistency between tables (an agent's flags and intent: bind_agent_flags) */
  if (KB_TH(kb, BTM_FROM_MONTHS) >= KB_TH(kb, BTM_TO_MONTHS)) {
    lerr_key(L, "findings", "btm_window_from_months", "the BTM window must start before it ends");
  }
  if (KB_TH(kb, FRAX_MOF_VERY_HIGH) < KB_TH(kb, FRAX_MOF_HIGH) ||
      KB_TH(kb, FRAX_HIP_VERY_HIGH) < KB_TH(kb, FRAX_HIP_HIGH)) {
    lerr_key(L, "risk", "frax_major_very_high_pct", "very-high FRAX thresholds must not be below the high ones");
  }
  if (KB_TH(kb, T_VERY_LOW) > KB_TH(kb, T_OSTEOPOROSIS)) {
    lerr_key(L, "risk", "t_score_very_low", "the very low T-score must be at or below the osteoporosis threshold");
  }
}


/* The whole check, for kb_files.c (bind stays static: POSIX has a bind). */
void kb_bind_all(loader *L) {
  if (!L->failed) bind(L);
}
