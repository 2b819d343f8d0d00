/*
** kb_fhir.c: compiles the [fhir.*] sections of the knowledge base into
** sorted lookup tables (see kb_fhir.h). Like the rest of the loader it is
** strict: an unknown target, code, unit or source id is an error with the
** file and line, so a typo cannot silently drop a contraindication.
*/
#include "kb_fhir.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "kb.h"
#include "../util/strbuf.h"

typedef struct {
  int quantity;
  const char *ucum;
  double factor;
  const char *sources; /* ids of [fhir.source.X], as written */
} unit_row;

typedef struct {
  const char *ingredient;
  double factor;
} pred_row;

typedef struct {
  const char *id, *cites;
} src_row;

struct kb_fhir {
  fhir_row *rows[FS_N];
  int n[FS_N];
  unit_row units[64];
  int n_units;
  pred_row pred[32];
  int n_pred;
  src_row src[16];
  int n_src;
  int m80[128]; /* fracture site by 5th character; INT_MIN-ish when unknown */
  bool m80_known[128];
  int renewal_gap_months, same_fracture_days;
  const char *override_code[8], *override_display[8];
  int n_override;
  const char *local_form[32]; /* [fhir.local_forms] words, lower case */
  int n_local;
  /* The name rows by the hash of their first two bytes (name_index): a
  ** text is looked up at each of its positions among the few names that
  ** can start there, not each name in the whole text. */
  int name_head[4096]; /* the first row of each hash, -1 for none */
  int *name_next;      /* the next row of the same hash, -1 for none */
  size_t *name_len;
  bool name_short; /* a name of fewer than two bytes: the search by name */
};

static const char *const system_sections[FS_N] = {
    "fhir.loinc", "fhir.icd10cm", "fhir.snomed", "fhir.rxnorm", "fhir.atc", "fhir.names"};
static const char *const quantity_names[Q_N] = {"t_score", "bmd", "frax", "vitamin_d", "egfr", "calcium"};

typedef struct {
  arena *a;
  char *err;
  size_t errsz;
  bool failed;
  kb_fhir *f;
  const char *const *agent_codes; /* the knowledge base's agents (agents.ini) */
  int n_agents;
} ctx;

static void ferr(ctx *c, const kb_fhir_entry *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ferr(ctx *c, const kb_fhir_entry *e, const char *fmt, ...) {
  if (c->failed) return;
  c->failed = true;
  int k = snprintf(c->err, c->errsz, "%s:%d: [%s] %s: ", e->file, e->line, e->section, e->key);
  if (k < 0 || (size_t)k >= c->errsz) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err + k, c->errsz - (size_t)k, fmt, ap);
  va_end(ap);
}


/* Splits value on sep into at most max trimmed fields; returns the count. */
static int split(char *v, char sep, char **out, int max) {
  int n = 0;
  for (;;) {
    char *p = strchr(v, sep);
    if (p) *p = 0;
    if (n == max) return -1;
    out[n++] = str_trim(v);
    if (!p) return n;
    v = p + 1;
  }
}

static bool known_source(ctx *c, const char *id) {
  for (int i = 0; i < c->f->n_src; i++)
    if (!strcmp(c->f->src[i].id, id)) return true;
  return false;
}

/* "codes, ehr": every id must be a [fhir.source.X]. */
static const char *check_sources(ctx *c, const kb_fhir_entry *e, char *list) {
  char *copy = arena_strdup(c->a, list), *ids[8];
  int n = split(copy, ',', ids, 8);
  if (n <= 0 || !*ids[0]) {
    ferr(c, e, "no sources (a row needs at least one [fhir.source.X] id)");
    return NULL;
  }
  for (int i = 0; i < n; i++)
    if (!known_source(c, ids[i])) {
      ferr(c, e, "unknown source '%s' (no [fhir.source.%s])", ids[i], ids[i]);
      return NULL;
    }
  return arena_strdup(c->a, list);
}

static int code_in(const char *const *table, int n, const char *s) {
  return op_code_lookup(table, n, s, strlen(s));
}

static bool parse_target(ctx *c, const kb_fhir_entry *e, char *text, fhir_target *t) {
  char *w[5];
  int n = 0;
  char *save = NULL;
  for (char *p = strtok_r(text, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
    if (n == 5) break;
    w[n++] = p;
  }
  memset(t, 0, sizeof *t);
  if (n < 2) {
    ferr(c, e, "target '%s' needs a kind and a code", n ? w[0] : "");
    return false;
  }
  const char *k = w[0], *a = w[1];
  int code = -1, max_words = 2;
  if (!strcmp(k, "t_score") || !strcmp(k, "bmd")) {
    t->kind = !strcmp(k, "t_score") ? FT_T_SCORE : FT_BMD;
    code = code_in(op_site_str, OP_N_site, a);
  } else if (!strcmp(k, "frax")) {
    t->kind = FT_FRAX;
    code = !strcmp(a, "major") ? FRAX_MAJOR : !strcmp(a, "hip") ? FRAX_HIP : -1;
  } else if (!strcmp(k, "lab")) {
    t->kind = FT_LAB;
    code = !strcmp(a, "vitamin_d") ? LAB_VITAMIN_D : !strcmp(a, "egfr") ? LAB_EGFR : !strcmp(a, "calcium") ? LAB_CALCIUM : -1;
  } else if (!strcmp(k, "fracture")) {
    t->kind = FT_FRACTURE;
    code = !strcmp(a, "unspecified") ? FX_UNSPECIFIED : !strcmp(a, "by_5th_character") ? FX_BY_5TH : code_in(op_fx_site_str, OP_N_fx_site, a);
    if (code == -1 && strcmp(a, "unspecified")) code = -100;
  } else if (!strcmp(k, "condition")) {
    t->kind = FT_CONDITION;
    code = code_in(op_condition_str, OP_N_condition, a);
  } else if (!strcmp(k, "agent")) {
    t->kind = FT_AGENT;
    code = code_in(c->agent_codes, c->n_agents, a);
  } else if (!strcmp(k, "medication")) {
    t->kind = FT_MEDICATION;
    code = code_in(op_med_class_str, OP_N_med_class, a);
    max_words = 4;
    if (n >= 3) t->ingredient = arena_strdup(c->a, w[2]);
    if (n >= 4) {
      char *end;
      t->strength_mg = strtod(w[3], &end);
      if (*end || !(t->strength_mg > 0)) {
        ferr(c, e, "strength '%s' is not a positive number of mg", w[3]);
        return false;
      }
    }
  } else {
    ferr(c, e, "unknown target kind '%s' (t_score, bmd, frax, lab, fracture, condition, agent, medication)", k);
    return false;
  }
  if (code == -1 && t->kind != FT_FRACTURE) code = -100;
  if (code == -100) {
    ferr(c, e, "'%s' is not a %s code of the patient record", a, k);
    return false;
  }
  if (n > max_words) {
    ferr(c, e, "target '%s %s' has words too many", k, a);
    return false;
  }
  t->code = code;
  return true;
}

/* ICD-10-CM codes are compared without dots, in upper case; ATC codes in
** upper case (both are hierarchies whose rows are prefixes). */
static size_t normalise(const char *s, size_t n, char *out, size_t cap, int sys) {
  size_t k = 0;
  bool icd = sys == FS_ICD10CM, upper = icd || sys == FS_ATC;
  for (size_t i = 0; i < n && k + 1 < cap; i++) {
    if (icd && s[i] == '.') continue;
    out[k++] = upper ? (char)toupper((unsigned char)s[i]) : s[i];
  }
  out[k] = 0;
  return k;
}

static int row_cmp(const void *x, const void *y) {
  return strcmp(((const fhir_row *)x)->code, ((const fhir_row *)y)->code);
}

static void add_row(ctx *c, int sys, const kb_fhir_entry *e) {
  char *v = arena_strdup(c->a, e->value), *f[4];
  int n = split(v, '|', f, 4);
  if (n != 3) {
    ferr(c, e, "expected 'targets | display | sources'");
    return;
  }
  fhir_row r = {0};
  char code[64];
  if (strlen(e->key) >= sizeof code) {
    ferr(c, e, "code too long");
    return;
  }
  normalise(e->key, strlen(e->key), code, sizeof code, sys);
  if (sys == FS_NAME)
    for (char *p = code; *p; p++) *p = (char)tolower((unsigned char)*p);
  r.code = arena_strdup(c->a, code);
  r.display = arena_strdup(c->a, f[1]);
  if (!*r.display) {
    ferr(c, e, "empty display");
    return;
  }
  if (!(r.sources = check_sources(c, e, f[2]))) return;
  char *ts[4];
  int nt = split(f[0], ',', ts, 3);
  if (nt < 1) {
    ferr(c, e, "at most 3 targets");
    return;
  }
  for (int i = 0; i < nt; i++)
    if (!parse_target(c, e, ts[i], &r.t[i])) return;
  r.nt = nt;
  for (int i = 0; i < c->f->n[sys]; i++)
    if (!strcmp(c->f->rows[sys][i].code, r.code)) {
      ferr(c, e, "code given twice");
      return;
    }
  c->f->rows[sys] = arena_grow(c->a, c->f->rows[sys], sizeof(fhir_row) * (size_t)c->f->n[sys],
                               sizeof(fhir_row) * (size_t)(c->f->n[sys] + 1));
  if (!c->f->rows[sys]) {
    ferr(c, e, "out of memory");
    return;
  }
  c->f->rows[sys][c->f->n[sys]++] = r;
}

/* "number | sources" */
static bool num_and_sources(ctx *c, const kb_fhir_entry *e, double *out, const char **srcs) {
  char *v = arena_strdup(c->a, e->value), *f[3], *end;
  if (split(v, '|', f, 2) != 2) {
    ferr(c, e, "expected 'number | sources'");
    return false;
  }
  *out = strtod(f[0], &end);
  if (end == f[0] || *end || !isfinite(*out) || *out <= 0) {
    ferr(c, e, "'%s' is not a positive number", f[0]);
    return false;
  }
  const char *ids = check_sources(c, e, f[1]);
  if (srcs) *srcs = ids;
  return ids != NULL;
}

/* [fhir.source.X] cites = ...: every one, before the rows that cite them. */
static void read_sources(ctx *c, const kb_fhir_entry *e, int n) {
  for (int i = 0; i < n && !c->failed; i++) {
    if (strncmp(e[i].section, "fhir.source.", 12)) continue;
    if (strcmp(e[i].key, "cites") || !*e[i].value) {
      ferr(c, &e[i], "a source has one key, 'cites', with a citation");
      return;
    }
    if (c->f->n_src == 16) {
      ferr(c, &e[i], "more than 16 FHIR sources");
      return;
    }
    c->f->src[c->f->n_src++] = (src_row){e[i].section + 12, e[i].value};
  }
}

/* [fhir.units] quantity UCUM-unit = factor | sources; false on an error. */
static bool add_unit(ctx *c, const kb_fhir_entry *x) {
  char *key = arena_strdup(c->a, x->key), *sp = key ? strchr(key, ' ') : NULL;
  int q = -1;
  if (sp) {
    *sp = 0;
    for (int k = 0; k < Q_N; k++)
      if (!strcmp(key, quantity_names[k])) q = k;
  }
  if (q < 0) {
    ferr(c, x, "expected 'quantity UCUM-unit' (quantities: t_score, bmd, frax, vitamin_d, egfr, calcium)");
    return false;
  }
  double f;
  const char *srcs;
  if (!num_and_sources(c, x, &f, &srcs)) return false;
  if (c->f->n_units == 64) {
    ferr(c, x, "more than 64 units");
    return false;
  }
  const char *u = str_trim(sp + 1);
  c->f->units[c->f->n_units++] = (unit_row){q, strcmp(u, "-") ? u : "", f, srcs};
  return true;
}

/* [fhir.local_forms] word = meaning | sources; false on an error. */
static bool add_local_form(ctx *c, const kb_fhir_entry *x) {
  char *v = arena_strdup(c->a, x->value), *f[3], *w = arena_strdup(c->a, x->key);
  if (!v || !w || split(v, '|', f, 2) != 2 || !*f[0] || !*w) {
    ferr(c, x, "expected 'word = meaning | sources'");
    return false;
  }
  for (char *p = w; *p; p++) {
    if (!isalpha((unsigned char)*p)) {
      ferr(c, x, "a local form is one word of letters");
      return false;
    }
    *p = (char)tolower((unsigned char)*p);
  }
  if (!check_sources(c, x, f[1])) return false;
  if (c->f->n_local == 32) {
    ferr(c, x, "more than 32 local forms");
    return false;
  }
  c->f->local_form[c->f->n_local++] = w;
  return true;
}

static bool name_index(arena *a, kb_fhir *f);

kb_fhir *kb_fhir_compile(arena *a, const kb_fhir_entry *e, int n, const char *const *agent_codes, int n_agents,
                         char *err, size_t errsz) {
  ctx c = {a, err, errsz, false, arena_alloc(a, sizeof(kb_fhir)), agent_codes, n_agents};
  if (!c.f) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  /* sources first: rows refer to them wherever they are in the file */
  read_sources(&c, e, n);
  bool got_gap = false, got_days = false;
  for (int i = 0; i < n && !c.failed; i++) {
    const kb_fhir_entry *x = &e[i];
    if (!strncmp(x->section, "fhir.source.", 12)) continue;
    int sys = -1;
    for (int s = 0; s < FS_N; s++)
      if (!strcmp(x->section, system_sections[s])) sys = s;
    if (sys >= 0) {
      add_row(&c, sys, x);
    } else if (!strcmp(x->section, "fhir.units")) {
      if (!add_unit(&c, x)) break;
    } else if (!strcmp(x->section, "fhir.prednisone_equivalent")) {
      double f;
      if (!num_and_sources(&c, x, &f, NULL)) break;
      if (c.f->n_pred == 32) {
        ferr(&c, x, "more than 32 glucocorticoids");
        break;
      }
      c.f->pred[c.f->n_pred++] = (pred_row){x->key, f};
    } else if (!strcmp(x->section, "fhir.icd10cm_m80_site")) {
      char *v = arena_strdup(a, x->value), *f[4];
      unsigned char ch = (unsigned char)x->key[0];
      if (strlen(x->key) != 1 || ch >= 128 || split(v, '|', f, 3) != 3) {
        ferr(&c, x, "expected one character = site | meaning | sources");
        break;
      }
      int site = !strcmp(f[0], "unspecified") ? FX_UNSPECIFIED : code_in(op_fx_site_str, OP_N_fx_site, f[0]);
      if (site == -1 && strcmp(f[0], "unspecified")) {
        ferr(&c, x, "'%s' is not a fracture site", f[0]);
        break;
      }
      if (!check_sources(&c, x, f[2])) break;
      c.f->m80[ch] = site;
      c.f->m80_known[ch] = true;
    } else if (!strcmp(x->section, "fhir.courses")) {
      double v;
      if (!num_and_sources(&c, x, &v, NULL)) break;
      if (v != floor(v)) {
        ferr(&c, x, "a whole number is expected");
        break;
      }
      if (!strcmp(x->key, "renewal_gap_months")) c.f->renewal_gap_months = (int)v, got_gap = true;
      else if (!strcmp(x->key, "same_fracture_days")) c.f->same_fracture_days = (int)v, got_days = true;
      else ferr(&c, x, "unknown key (renewal_gap_months, same_fracture_days)");
    } else if (!strcmp(x->section, "fhir.local_forms")) {
      if (!add_local_form(&c, x)) break;
    } else if (!strcmp(x->section, "fhir.override_reasons")) {
      char *v = arena_strdup(a, x->value), *f[3];
      if (split(v, '|', f, 2) != 2 || !*f[0]) {
        ferr(&c, x, "expected 'display | sources'");
        break;
      }
      if (!check_sources(&c, x, f[1])) break;
      if (c.f->n_override == 8) {
        ferr(&c, x, "at most 8 override reasons");
        break;
      }
      c.f->override_code[c.f->n_override] = x->key;
      c.f->override_display[c.f->n_override++] = f[0];
    } else {
      ferr(&c, x, "unknown FHIR section");
    }
  }
  if (!c.failed && (!got_gap || !got_days))
    snprintf(err, errsz, "fhir.ini:0: [fhir.courses] needs renewal_gap_months and same_fracture_days"), c.failed = true;
  if (c.failed) return NULL;
  for (int s = 0; s < FS_N; s++)
    if (c.f->n[s]) qsort(c.f->rows[s], (size_t)c.f->n[s], sizeof(fhir_row), row_cmp);
  if (!name_index(a, c.f)) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  return c.f;
}

static const fhir_row *find(const kb_fhir *f, int sys, const char *key) {
  int lo = 0, hi = f->n[sys] - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, d = strcmp(f->rows[sys][mid].code, key);
    if (!d) return &f->rows[sys][mid];
    if (d < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return NULL;
}

/* text as a lower-case C string in out; false when it does not fit or
** holds a NUL byte */
/* A display text in lower case, with the pairs of adjacent bytes it holds
** hashed into 4096 bits. A drug name is looked for in every display of a
** request (some ninety names, each with strstr, were a twentieth of a
** request's instructions): a name whose first two bytes are no pair of the
** text cannot occur in it, and most names are ruled out by one bit. */
typedef struct {
  char s[512];
  uint64_t pairs[64];
} lowered;

static unsigned pair_hash(unsigned char a, unsigned char b) { return ((unsigned)a * 31u + b) & 4095u; }

/* pairs: whether out->pairs is wanted (the search by name's filter) */
static bool lower_text(const char *text, size_t len, lowered *out, bool pairs) {
  if (len >= sizeof out->s || memchr(text, 0, len)) return false;
  if (!pairs) {
    for (size_t i = 0; i < len; i++) out->s[i] = (char)tolower((unsigned char)text[i]);
    out->s[len] = 0;
    return true;
  }
  memset(out->pairs, 0, sizeof out->pairs);
  for (size_t i = 0; i < len; i++) {
    out->s[i] = (char)tolower((unsigned char)text[i]);
    if (i) {
      unsigned h = pair_hash((unsigned char)out->s[i - 1], (unsigned char)out->s[i]);
      out->pairs[h >> 6] |= (uint64_t)1 << (h & 63);
    }
  }
  out->s[len] = 0;
  return true;
}

/* May word occur in the text? False when its first pair is not one of the
** text's (then it cannot); inline, as it rules out most names. */
static inline bool may_hold(const lowered *t, const char *word) {
  if (!word[0] || !word[1]) return true;
  unsigned h = pair_hash((unsigned char)word[0], (unsigned char)word[1]);
  return t->pairs[h >> 6] >> (h & 63) & 1;
}

/* word occurs in the text as a whole word: neither a letter nor a digit on
** either side ("prednisolone" is not read inside "methylprednisolone") */
static bool has_word(const lowered *t, const char *word) {
  if (!may_hold(t, word)) return false;
  const char *low = t->s;
  size_t n = strlen(word);
  for (const char *p = strstr(low, word); p; p = strstr(p + 1, word)) {
    bool left = p == low || !isalnum((unsigned char)p[-1]);
    if (left && !isalnum((unsigned char)p[n])) return true;
  }
  return false;
}

const char *kb_fhir_local_form(const kb_fhir *f, const char *text, size_t len) {
  lowered low;
  if (!text || !lower_text(text, len, &low, true)) return NULL;
  for (int i = 0; i < f->n_local; i++)
    if (has_word(&low, f->local_form[i])) return f->local_form[i];
  return NULL;
}

/* The name rows indexed by their first pair (see struct kb_fhir); false
** when out of memory. */
static bool name_index(arena *a, kb_fhir *f) {
  int n = f->n[FS_NAME];
  for (int h = 0; h < 4096; h++) f->name_head[h] = -1;
  f->name_next = arena_alloc(a, sizeof(int) * (size_t)(n ? n : 1));
  f->name_len = arena_alloc(a, sizeof(size_t) * (size_t)(n ? n : 1));
  if (!f->name_next || !f->name_len) return false;
  for (int r = n - 1; r >= 0; r--) { /* from the last: each chain in row order */
    const char *w = f->rows[FS_NAME][r].code;
    f->name_len[r] = strlen(w);
    f->name_next[r] = -1;
    if (f->name_len[r] < 2) {
      f->name_short = true;
      continue;
    }
    unsigned h = pair_hash((unsigned char)w[0], (unsigned char)w[1]);
    f->name_next[r] = f->name_head[h];
    f->name_head[h] = r;
  }
  return true;
}

/* The name that occurs in the text (len bytes, lower case) as a whole word,
** the longest, the first row of those: what has_word over every row finds.
** Each position where a word may start (no letter or digit before it) is
** compared with the names whose first pair hashes as the text's pair there;
** a name that occurs starts at such a position, so none is missed. */
static const fhir_row *longest_name(const kb_fhir *f, const lowered *low, size_t len) {
  const fhir_row *rows = f->rows[FS_NAME];
  const char *s = low->s;
  int best = -1;
  for (size_t i = 0; i + 1 < len; i++) {
    if (i && isalnum((unsigned char)s[i - 1])) continue;
    for (int r = f->name_head[pair_hash((unsigned char)s[i], (unsigned char)s[i + 1])]; r >= 0; r = f->name_next[r]) {
      size_t n = f->name_len[r]; /* s[len] is the NUL: no letter after the end */
      if (n > len - i || memcmp(s + i, rows[r].code, n) || isalnum((unsigned char)s[i + n])) continue;
      if (best < 0 || n > f->name_len[best] || (n == f->name_len[best] && r < best)) best = r;
    }
  }
  return best < 0 ? NULL : &rows[best];
}

const fhir_row *kb_fhir_lookup(const kb_fhir *f, fhir_system sys, const char *code, size_t len) {
  if (sys == FS_NAME) {
    /* lower-case the text once, then look for each word; the longest word
    ** wins */
    lowered low;
    if (!lower_text(code, len, &low, f->name_short)) return NULL;
    if (!f->name_short) return longest_name(f, &low, len);
    const fhir_row *best = NULL;
    for (int i = 0; i < f->n[sys]; i++)
      if (may_hold(&low, f->rows[sys][i].code) && has_word(&low, f->rows[sys][i].code) && (!best || strlen(f->rows[sys][i].code) > strlen(best->code)))
        best = &f->rows[sys][i];
    return best;
  }
  char key[64];
  if (len == 0 || len >= sizeof key) return NULL;
  size_t k = normalise(code, len, key, sizeof key, sys);
  if (sys != FS_ICD10CM && sys != FS_ATC) return find(f, sys, key);
  for (; k >= 3; k--) {
    key[k] = 0;
    const fhir_row *r = find(f, sys, key);
    if (r) return r;
  }
  return NULL;
}

double kb_fhir_unit(const kb_fhir *f, int quantity, const char *ucum, size_t len) {
  if (!ucum) len = 0;
  for (int i = 0; i < f->n_units; i++)
    if (f->units[i].quantity == quantity && strlen(f->units[i].ucum) == len &&
        (!len || !memcmp(f->units[i].ucum, ucum, len)))
      return f->units[i].factor;
  return 0;
}

int kb_fhir_units(const kb_fhir *f) { return f->n_units; }

void kb_fhir_unit_at(const kb_fhir *f, int i, int *quantity, const char **ucum, double *factor, const char **sources) {
  *quantity = f->units[i].quantity;
  *ucum = f->units[i].ucum;
  *factor = f->units[i].factor;
  *sources = f->units[i].sources;
}

double kb_fhir_prednisone(const kb_fhir *f, const char *ingredient) {
  for (int i = 0; ingredient && i < f->n_pred; i++)
    if (!strcmp(f->pred[i].ingredient, ingredient)) return f->pred[i].factor;
  return 0;
}

int kb_fhir_m80_site(const kb_fhir *f, char c, bool *known) {
  unsigned char u = (unsigned char)toupper((unsigned char)c);
  *known = u < 128 && f->m80_known[u];
  return *known ? f->m80[u] : FX_UNSPECIFIED;
}

int kb_fhir_renewal_gap_months(const kb_fhir *f) { return f->renewal_gap_months; }
int kb_fhir_same_fracture_days(const kb_fhir *f) { return f->same_fracture_days; }

int kb_fhir_rows(const kb_fhir *f, fhir_system sys, const fhir_row **rows) {
  *rows = f->rows[sys];
  return f->n[sys];
}

const char *kb_fhir_source(const kb_fhir *f, const char *id) {
  for (int i = 0; i < f->n_src; i++)
    if (!strcmp(f->src[i].id, id)) return f->src[i].cites;
  return NULL;
}

int kb_fhir_override_reasons(const kb_fhir *f) { return f->n_override; }

void kb_fhir_override_reason(const kb_fhir *f, int i, const char **code, const char **display) {
  *code = f->override_code[i];
  *display = f->override_display[i];
}
