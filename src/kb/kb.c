/*
** kb.c: reading and checking the knowledge base.
**
** The files are INI-like, written for a clinician to review:
**
**   # a comment on its own line
**   [section]
**   key = value
**       an indented line continues the value above
**
** We read them ourselves rather than with Debian's libinih: its build keeps
** its settings in global variables, silently splits lines longer than 200
** bytes into two entries, and does not tell the handler its line number, so
** an error could not be pinned to file:line. This reader is small, keeps
** every entry's file and line, and rejects duplicates.
**
** Binding then walks the C tables of codes: every code must have its texts,
** every number must be a number, every list must name known codes and
** sources, and every section or key left unused is an error (a typo in the
** knowledge base must not silently drop a rule).
*/
#include "kb.h"
#include "kb_fhir.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/arena.h"
#include "../util/readall.h"
#include "../util/strbuf.h"

#define OP_STR_ITEM(id, str) str,
#define OP_LEN_ITEM(id, str) sizeof(str) - 1,
const char *const op_ui_str[OP_N_ui] = {OP_UI_LIST(OP_STR_ITEM)};
const unsigned char op_ui_len[OP_N_ui] = {OP_UI_LIST(OP_LEN_ITEM)};
const char *const op_phrase_str[OP_N_phrase] = {OP_PHRASE_LIST(OP_STR_ITEM)};
const unsigned char op_phrase_len[OP_N_phrase] = {OP_PHRASE_LIST(OP_LEN_ITEM)};

typedef struct {
  const char *file;
  int line;
  const char *section, *key;
  char *value;
  bool used;
} entry;

typedef struct {
  const char *file;
  int line;
  const char *name;
  bool used;
  int first, n; /* its entries: a section appears once, so they are contiguous */
} section;

typedef struct {
  arena *a;
  entry *e;
  int ne, cap;
  section *s;
  int ns, scap;
  int *index; /* open-addressing hash of section names -> s[], size icap (a power of 2) */
  int icap;
  char *err;
  size_t errsz;
  bool failed;
  op_kb *kb;
} loader;

static void lerr(loader *L, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void lerr(loader *L, const char *file, int line, const char *fmt, ...) {
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

static section *find_section(loader *L, const char *name) {
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

static bool parse_file(loader *L, const char *file, const char *text) {
  char *buf = arena_strdup(L->a, text);
  if (!buf) return false;
  const char *cur = NULL; /* current section */
  entry *last = NULL;
  int line = 0;
  char *p = buf;
  while (*p) {
    line++;
    char *nl = strchr(p, '\n');
    if (nl) *nl = 0;
    char *raw = p;
    p = nl ? nl + 1 : p + strlen(p);
    if (line == 1 && (unsigned char)raw[0] == 0xEF) {
      lerr(L, file, line, "byte-order mark: save the file as plain UTF-8");
      return false;
    }
    bool indented = raw[0] == ' ' || raw[0] == '\t';
    char *s = str_trim(raw);
    if (!*s) {
      last = NULL; /* a blank line ends a multi-line value */
      continue;
    }
    if (*s == '#' || *s == ';') continue;
    if (indented && last) {
      size_t n1 = strlen(last->value), n2 = strlen(s);
      char *v = arena_alloc(L->a, n1 + n2 + 2);
      if (!v) return false;
      memcpy(v, last->value, n1);
      v[n1] = ' ';
      memcpy(v + n1 + 1, s, n2 + 1);
      last->value = v;
      continue;
    }
    if (*s == '[') {
      size_t n = strlen(s);
      if (s[n - 1] != ']' || n < 3) {
        lerr(L, file, line, "a section header must look like [name]");
        return false;
      }
      s[n - 1] = 0;
      char *name = str_trim(s + 1);
      if (find_section(L, name)) {
        section *o = find_section(L, name);
        lerr(L, file, line, "section [%s] appears twice (first at %s:%d)", name, o->file, o->line);
        return false;
      }
      if (L->ns == L->scap) {
        int nc = L->scap ? L->scap * 2 : 64;
        L->s = arena_grow(L->a, L->s, sizeof(section) * (size_t)L->scap, sizeof(section) * (size_t)nc);
        if (!L->s) return false;
        L->scap = nc;
      }
      /* names, keys and values point into buf, which the arena keeps */
      L->s[L->ns] = (section){file, line, name, false, L->ne, 0};
      if (!index_section(L, L->ns)) return false;
      L->ns++;
      cur = L->s[L->ns - 1].name;
      last = NULL;
      continue;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
      lerr(L, file, line, "expected 'key = value', a [section] or a # comment");
      return false;
    }
    if (!cur) {
      lerr(L, file, line, "a key before any [section]");
      return false;
    }
    *eq = 0;
    char *key = str_trim(s), *val = str_trim(eq + 1);
    if (!*key) {
      lerr(L, file, line, "empty key");
      return false;
    }
    const section *cs = &L->s[L->ns - 1]; /* cur */
    for (int i = cs->first; i < cs->first + cs->n; i++)
      if (!strcmp(L->e[i].key, key)) {
        lerr(L, file, line, "[%s] %s is given twice (first at line %d)", cur, key, L->e[i].line);
        return false;
      }
    if (L->ne == L->cap) {
      int nc = L->cap ? L->cap * 2 : 256;
      L->e = arena_grow(L->a, L->e, sizeof(entry) * (size_t)L->cap, sizeof(entry) * (size_t)nc);
      if (!L->e) return false;
      L->cap = nc;
    }
    L->e[L->ne++] = (entry){file, line, cur, key, val, false};
    L->s[L->ns - 1].n++;
    last = &L->e[L->ne - 1];
  }
  return true;
}

/* ---- binding helpers ---------------------------------------------------- */

static entry *get(loader *L, const char *sec, const char *key) {
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
static void lerr_key(loader *L, const char *sec, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void lerr_key(loader *L, const char *sec, const char *key, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  entry *e = get(L, sec, key);
  section *s = e ? NULL : find_section(L, sec);
  lerr(L, e ? e->file : s ? s->file : "kb", e ? e->line : s ? s->line : 0, "%s", what);
}

static section *need_section(loader *L, const char *sec) {
  section *s = find_section(L, sec);
  if (!s) {
    lerr(L, "kb", 0, "section [%s] is missing", sec);
    return NULL;
  }
  s->used = true;
  return s;
}

static const char *req_str(loader *L, const char *sec, const char *key) {
  entry *e = get(L, sec, key);
  if (!e) {
    section *s = need_section(L, sec);
    if (s) lerr(L, s->file, s->line, "[%s] needs '%s'", sec, key);
    return "";
  }
  if (!*e->value) lerr(L, e->file, e->line, "[%s] %s is empty", sec, key);
  return e->value;
}

static const char *opt_str(loader *L, const char *sec, const char *key) {
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

static double req_num(loader *L, const char *sec, const char *key) {
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

static double opt_num(loader *L, const char *sec, const char *key, double dflt) {
  entry *e = get(L, sec, key);
  double d = dflt;
  if (e && !parse_num(e->value, &d))
    lerr(L, e->file, e->line, "[%s] %s: expected a number, got '%s'", sec, key, e->value);
  return d;
}

/* Splits a comma-separated list in place; returns the count. */
static int split_list(loader *L, const char *v, char **items, int max) {
  char *copy = arena_strdup(L->a, v);
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (n == max) return -1;
    items[n++] = str_trim(t);
  }
  return n;
}

static int code_of(const char *const *table, int count, const char *s) {
  return op_code_lookup(table, count, s, strlen(s));
}

static op_srcset req_sources(loader *L, const char *sec, const char *key) {
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
    }
    for (int k = 0; k < kb->avoid[a].n_reasons; k++) kb->avoid_agents[kb->avoid[a].reasons[k]] |= 1u << a;
    snprintf(sec, sizeof sec, "not_recommended.%s", kb->agent_code[a]);
    if (find_section(L, sec)) {
      kb->has_not_recommended[a] = true;
      req_reasons(L, sec, "reasons", &kb->not_recommended[a]);
      kb->not_recommended[a].sources = req_sources(L, sec, "sources");
    }
  }
}

/* Placeholders a template may use; the engine fills these. */
static const char *const known_vars[] = {
    "value", "site", "date", "threshold", "count", "months", "agent", "dose",
    "frax_major", "frax_hip", "age", "fracture_site", "fracture_date", "doses",
    "limit", "gain", "needed", "fall", "renal", "calcium", "vitamin_d",
    "condition", "last_dose", "start", "course_agent", "other", "due",
    "reasons", "falls", "level", "window", "from", "to", "per_year",
};

static bool check_template(loader *L, entry *e) {
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
static void missing_section(loader *L, const char *prefix, const char *const *codes, int n, const char *code,
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

/* [prefix.code] with clinician and patient texts, optional detail and
** sources (required when need_sources). */
static void bind_texts(loader *L, const char *prefix, const char *const *codes,
                       int n, kb_text *out, bool need_sources, bool need_detail) {
  char sec[128];
  for (int i = 0; i < n && !L->failed; i++) {
    snprintf(sec, sizeof sec, "%s.%s", prefix, codes[i]);
    if (!find_section(L, sec)) {
      missing_section(L, prefix, codes, n, codes[i], "texts.ini");
      return;
    }
    out[i].clinician = req_str(L, sec, "clinician");
    out[i].patient = req_str(L, sec, "patient");
    entry *d = get(L, sec, "detail");
    if (d) out[i].detail = d->value;
    if (need_detail && !d) {
      section *s = find_section(L, sec);
      lerr(L, s->file, s->line, "[%s] needs 'detail' (the reason with the patient's values)", sec);
    }
    if (d) check_template(L, d);
    entry *c = get(L, sec, "clinician"), *p = get(L, sec, "patient");
    if (c) check_template(L, c);
    if (p) check_template(L, p);
    if (need_sources || get(L, sec, "sources")) out[i].sources = req_sources(L, sec, "sources");
  }
}

/* [phrase.<key>]: one clinician template each, every key required. */
static void bind_phrases(loader *L, const char **out) {
  char sec[128];
  for (int i = 0; i < OP_N_phrase && !L->failed; i++) {
    snprintf(sec, sizeof sec, "phrase.%s", op_phrase_str[i]);
    if (!find_section(L, sec)) {
      missing_section(L, "phrase", op_phrase_str, OP_N_phrase, op_phrase_str[i], "texts.ini");
      return;
    }
    out[i] = req_str(L, sec, "clinician");
    entry *c = get(L, sec, "clinician");
    if (c) check_template(L, c);
  }
}

/* ---- the binder --------------------------------------------------------- */

static void bind(loader *L) {
  op_kb *kb = L->kb;
  /* metadata */
  kb->version = req_str(L, "knowledge_base", "version");
  kb->status = req_str(L, "knowledge_base", "status");
  kb->updated = req_str(L, "knowledge_base", "updated");
  kb->profile = req_str(L, "knowledge_base", "profile");
  kb->reviewed_by = req_str(L, "knowledge_base", "reviewed_by");
  {
    static const char *const st[] = {"draft", "under_review", "approved", "retired"};
    bool ok = false;
    for (int i = 0; i < 4; i++) ok |= !strcmp(kb->status, st[i]);
    entry *e = get(L, "knowledge_base", "status");
    if (!ok && e) lerr(L, e->file, e->line, "status must be draft, under_review, approved or retired");
  }

  /* sources: every [source.X] section, in file order */
  for (int i = 0; i < L->ns && !L->failed; i++) {
    if (strncmp(L->s[i].name, "source.", 7)) continue;
    if (kb->n_sources == OP_MAX_SOURCES) {
      lerr(L, L->s[i].file, L->s[i].line, "more than %d sources", OP_MAX_SOURCES);
      return;
    }
    kb_source *s = &kb->sources[kb->n_sources++];
    const char *sec = L->s[i].name;
    s->id = sec + 7;
    if (!*s->id) {
      lerr(L, L->s[i].file, L->s[i].line, "[source.] needs a name: [source.NAME]");
      return;
    }
    s->title = req_str(L, sec, "title");
    s->kind = req_str(L, sec, "kind");
    s->file = opt_str(L, sec, "file");
    s->updated = opt_str(L, sec, "updated");
    s->review = opt_str(L, sec, "review_status");
    if (strcmp(s->kind, "seed") && strcmp(s->kind, "guideline") && strcmp(s->kind, "label")) {
      lerr_key(L, sec, "kind", "[%s] kind must be seed, guideline or label", sec);
    }
    if (!strcmp(s->kind, "seed") && !s->file) {
      lerr(L, L->s[i].file, L->s[i].line, "[%s] a seed needs its 'file'", sec);
    }
  }
  if (L->failed) return;
  for (int i = 0; i < kb->n_sources; i++) {
    char sec[64];
    snprintf(sec, sizeof sec, "source.%s", kb->sources[i].id);
    if (get(L, sec, "rests_on")) kb->sources[i].rests_on = req_sources(L, sec, "rests_on");
  }

  /* thresholds */
#define OP_TH_BIND(id, sec, key) kb->th[OP_TH_##id] = req_num(L, sec, key);
  OP_THRESHOLD_LIST(OP_TH_BIND)
#undef OP_TH_BIND
  if (L->failed) return;

  /* agents */
  bind_agents(L);
  if (L->failed) return;

  for (int r = 0; r < OP_N_reason; r++) kb->reason_condition[r] = code_of(op_condition_str, OP_N_condition, op_reason_str[r]);

  /* regimens */
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
  if (L->failed) return;

  /* texts */
  bind_texts(L, "diagnosis", op_diagnosis_str, OP_N_diagnosis, kb->diagnosis, false, false);
  bind_texts(L, "risk", op_risk_str, OP_N_risk, kb->risk, false, false);
  bind_texts(L, "criterion", op_criterion_str, OP_N_criterion, kb->criterion, true, true);
  bind_texts(L, "status", op_status_str, OP_N_status, kb->status_text, false, false);
  bind_texts(L, "finding", op_finding_str, OP_N_finding, kb->finding, true, false);
  bind_texts(L, "action", op_action_str, OP_N_action, kb->action, false, false);
  bind_texts(L, "intent", op_intent_str, OP_N_intent, kb->intent, false, false);
  bind_texts(L, "reason", op_reason_str, OP_N_reason, kb->reason, true, false);
  bind_texts(L, "alert", op_alert_str, OP_N_alert, kb->alert, true, false);
  bind_texts(L, "monitoring", op_monitor_str, OP_N_monitor, kb->monitor, true, false);
  bind_texts(L, "lifestyle", op_lifestyle_str, OP_N_lifestyle, kb->lifestyle, true, false);
  bind_texts(L, "rule", op_rule_str, OP_N_rule, kb->rule, true, false);
  bind_texts(L, "site", op_site_str, OP_N_site, kb->site, false, false);
  bind_texts(L, "fracture_site", op_fx_site_str, OP_N_fx_site, kb->fx_site, false, false);
  bind_texts(L, "severity", op_severity_str, OP_N_severity, kb->severity, false, false);
  bind_texts(L, "condition", op_condition_str, OP_N_condition, kb->condition, false, false);
  bind_texts(L, "ui", op_ui_str, OP_N_ui, kb->ui, false, false);
  bind_phrases(L, kb->phrase);
  if (L->failed) return;
  for (int i = 0; i < OP_N_alert && !L->failed; i++) {
    char sec[96];
    snprintf(sec, sizeof sec, "alert.%s", op_alert_str[i]);
    const char *sv = req_str(L, sec, "severity");
    kb->alert[i].severity = code_of(op_severity_str, OP_N_severity, sv);
    if (kb->alert[i].severity < 0 && *sv) {
      lerr_key(L, sec, "severity", "[%s] severity must be critical, warning or info", sec);
    }
  }
  kb->goal.clinician = req_str(L, "goal", "summary");
  kb->goal.patient = req_str(L, "goal", "patient");
  kb->goal.sources = req_sources(L, "goal", "sources");
  kb->supplements.clinician = req_str(L, "supplements", "clinician");
  kb->supplements.patient = req_str(L, "supplements", "patient");
  kb->supplements.sources = req_sources(L, "supplements", "sources");

  /* diagnosis codes */
  {
    const char *sys[] = {"icd10cm", "icd11"};
    const char *name[] = {"ICD-10-CM", "ICD-11"};
    for (int i = 0; i < 2; i++) {
      kb->dxcodes[i].system = name[i];
      kb->dxcodes[i].code = req_str(L, "diagnosis_codes", sys[i]);
    }
    kb->n_dxcodes = 2;
    kb->dxcode_sources = req_sources(L, "diagnosis_codes", "sources");
  }

  /* disagreements */
  for (int d = 0; d < OP_N_disagreement && !L->failed; d++) {
    char sec[96];
    snprintf(sec, sizeof sec, "disagreement.%s", op_disagreement_str[d]);
    if (!find_section(L, sec)) {
      missing_section(L, "disagreement", op_disagreement_str, OP_N_disagreement, op_disagreement_str[d],
                      "disagreements.ini");
      return;
    }
    kb_disagreement *g = &kb->disagreement[d];
    g->topic = req_str(L, sec, "topic");
    g->applied = req_str(L, sec, "applied");
    g->patient = req_str(L, sec, "patient");
    /* positions: keys named after sources */
    for (int s = 0; s < kb->n_sources; s++) {
      entry *e = get(L, sec, kb->sources[s].id);
      if (!e) continue;
      if (g->n == 4) {
        lerr(L, e->file, e->line, "[%s] at most 4 positions", sec);
        return;
      }
      g->source[g->n] = kb->sources[s].id;
      g->statement[g->n] = e->value;
      g->n++;
      kb->disagreement_sources[d] |= (op_srcset)1 << s;
    }
    if (g->n < 2) {
      section *s = find_section(L, sec);
      lerr(L, s->file, s->line, "[%s] needs at least two positions, each keyed by its source id", sec);
    }
  }
  if (L->failed) return;

  /* care gaps: every [gap.X] section, in file order */
  for (int i = 0; i < L->ns && !L->failed; i++) {
    if (strncmp(L->s[i].name, "gap.", 4)) continue;
    const char *sec = L->s[i].name;
    if (kb->n_gaps == OP_MAX_GAPS) {
      lerr(L, L->s[i].file, L->s[i].line, "more than %d care gaps", OP_MAX_GAPS);
      return;
    }
    kb_gap *g = &kb->gaps[kb->n_gaps++];
    g->code = sec + 4;
    for (const char *c = g->code; *c; c++)
      if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) {
        lerr(L, L->s[i].file, L->s[i].line, "[%s] a gap code is lower_snake_case", sec);
        return;
      }
    g->clinician = req_str(L, sec, "clinician");
    g->sources = req_sources(L, sec, "sources");
    const char *lists[2] = {"all", "any"};
    for (int k = 0; k < 2; k++) {
      entry *e = get(L, sec, lists[k]);
      if (!e) continue;
      char *items[9];
      int n = split_list(L, e->value, items, 8);
      if (n < 0) {
        lerr(L, e->file, e->line, "[%s] %s: at most 8 codes", sec, lists[k]);
        return;
      }
      for (int j = 0; j < n; j++) {
        static const char *const kinds[] = {"action", "rule", "risk", "criterion", "finding", "alert"};
        char *colon = strchr(items[j], ':');
        int kind = -1, code = -1;
        if (colon) {
          // cppcheck-suppress variableScope ; kept beside kinds[], which it parallels
          const char *const *tables[] = {op_action_str, op_rule_str, op_risk_str, op_criterion_str, op_finding_str, op_alert_str};
          const int sizes[] = {OP_N_action, OP_N_rule, OP_N_risk, OP_N_criterion, OP_N_finding, OP_N_alert};
          *colon = 0;
          for (int q = 0; q < 6; q++)
            if (!strcmp(items[j], kinds[q])) kind = q;
          if (kind >= 0) code = code_of(tables[kind], sizes[kind], colon + 1);
        }
        if (kind < 0 || code < 0) {
          lerr(L, e->file, e->line, "[%s] %s: '%s%s%s' is not kind:code (kinds: action, rule, risk, criterion, finding, alert)",
               sec, lists[k], items[j], colon ? ":" : "", colon ? colon + 1 : "");
          return;
        }
        kb_plan_code pc = {kind, code};
        if (k == 0) g->all[g->n_all++] = pc;
        else g->any[g->n_any++] = pc;
      }
    }
    if (!g->n_all && !g->n_any) {
      lerr(L, L->s[i].file, L->s[i].line, "[%s] needs 'all' or 'any'", sec);
      return;
    }
  }

  /* FHIR mapping tables: every [fhir.*] key goes to kb_fhir_compile */
  {
    int nf = 0;
    for (int i = 0; i < L->ne; i++)
      if (!strncmp(L->e[i].section, "fhir.", 5)) nf++;
    kb_fhir_entry *fe = arena_array(L->a, (size_t)(nf ? nf : 1), sizeof *fe);
    if (!fe) {
      lerr(L, "fhir.ini", 0, "out of memory");
      return;
    }
    nf = 0;
    for (int i = 0; i < L->ne; i++)
      if (!strncmp(L->e[i].section, "fhir.", 5)) {
        L->e[i].used = true;
        fe[nf++] = (kb_fhir_entry){L->e[i].file, L->e[i].line, L->e[i].section, L->e[i].key, L->e[i].value};
      }
    for (int i = 0; i < L->ns; i++)
      if (!strncmp(L->s[i].name, "fhir.", 5)) L->s[i].used = true;
    kb->fhir = kb_fhir_compile(L->a, fe, nf, kb->agent_code, kb->n_agents, L->err, L->errsz);
    if (!kb->fhir) {
      L->failed = true;
      return;
    }
  }

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

/* The files of a knowledge base, in load order (sources first: the other
** files refer to them). */
static const char *const kb_file_names[] = {
    "sources.ini", "profile.ini", "agents.ini", "regimens.ini",
    "texts.ini", "rules.ini", "disagreements.ini", "gaps.ini", "fhir.ini",
};
#define KB_NFILES ((int)(sizeof kb_file_names / sizeof *kb_file_names))

static op_kb *finish(loader *L, arena *a) {
  if (!L->failed) bind(L);
  if (L->failed) {
    arena_destroy(a);
    return NULL;
  }
  L->kb->storage = a;
  return L->kb;
}

op_kb *kb_load_files(const kb_file *files, int n, char *err, size_t errsz) {
  arena *a = arena_create(1 << 16);
  if (!a) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  loader L = {.a = a, .err = err, .errsz = errsz};
  L.kb = arena_alloc(a, sizeof(op_kb));
  for (int k = 0; k < KB_NFILES && !L.failed; k++) {
    const kb_file *f = NULL;
    for (int i = 0; i < n; i++)
      if (!strcmp(files[i].name, kb_file_names[k])) f = &files[i];
    if (!f) {
      lerr(&L, kb_file_names[k], 0, "file is missing from the knowledge base");
      break;
    }
    if (!parse_file(&L, f->name, f->text) && !L.failed) lerr(&L, f->name, 0, "out of memory");
  }
  return finish(&L, a);
}

static char *read_file(const char *path, size_t max) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t len;
  char *buf = read_all(f, max, &len);
  fclose(f);
  if (buf && memchr(buf, 0, len)) { /* a binary file is not a knowledge base */
    free(buf);
    return NULL;
  }
  return buf;
}

op_kb *kb_load_dir(const char *dir, char *err, size_t errsz) {
  kb_file files[KB_NFILES];
  char *texts[KB_NFILES] = {0};
  op_kb *kb = NULL;
  int k;
  for (k = 0; k < KB_NFILES; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, kb_file_names[k]);
    texts[k] = read_file(path, 16u << 20);
    if (!texts[k]) {
      snprintf(err, errsz, "%s:0: cannot read the file (missing, unreadable, binary or too large)", path);
      goto done;
    }
    files[k].name = kb_file_names[k];
    files[k].text = texts[k];
    files[k].len = (long)strlen(texts[k]);
  }
  kb = kb_load_files(files, KB_NFILES, err, errsz);
  if (!kb) {
    /* name the directory in front of the file */
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", err);
    snprintf(err, errsz, "%s/%s", dir, tmp);
  }
done:
  for (int i = 0; i < KB_NFILES; i++) free(texts[i]);
  return kb;
}

op_kb *kb_load_default(char *err, size_t errsz) {
  return kb_load_files(op_kb_embedded_files, op_kb_embedded_files_count, err, errsz);
}

void kb_free(op_kb *kb) {
  if (kb) arena_destroy(kb->storage);
}
