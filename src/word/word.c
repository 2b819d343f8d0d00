/*
** word.c: statements into words. A statement names a template of the
** knowledge base and gives typed values; each value is written here (numbers
** to at most two decimals, T-scores to one, dates as YYYY-MM-DD, names from
** the knowledge base) and the template is filled with tmpl_fill. A value
** that is itself a statement is worded for the clinician, as the templates
** of both audiences quote it.
*/
#include "word.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kb/template.h"
#include "../util/numfmt.h"
#include "../util/outbuf.h"
#include "../util/strbuf.h"

/* Statements worded once: a reason's detail is shared by every agent it
** rules out, and a criterion's detail comes again in the rationale. */
#define WORD_MEMO 64

typedef struct {
  arena *a;
  const op_kb *kb;
  int n_memo;
  const op_say *memo_say[WORD_MEMO];
  const char *memo_text[WORD_MEMO];
} wctx;

/* The text of a scalar argument (a number, T-score, gain, percent or date)
** into buf; its length, or -1 when x is not a scalar. The one place that
** says how a value is written, for the arena's words and the stream's. */
enum { SCALAR_MAX = NUM_G10_MAX + 1 };
static int scalar_text(const op_arg *x, char buf[SCALAR_MAX]) {
  double v = x->v.num;
  switch (x->kind) {
    case ARG_NUM: return num_g10(round(v * 100) / 100, buf); /* never "-0" */
    case ARG_T: /* one decimal, as DXA reports print it (-2.0, not -2) */
      // cppcheck-suppress duplicateConditionalAssign ; -0 becomes +0
      if (v == 0) v = 0;
      return num_fixed1(v, false, buf);
    case ARG_GAIN: return num_fixed1(v, true, buf); /* with its sign: "+1.2", "-0.3" */
    case ARG_PCT: {
      int n = num_g10(round(v * 100) / 100, buf);
      buf[n] = '%';
      return n + 1;
    }
    case ARG_DATE: date_format(x->v.date, buf); return 10;
    default: return -1;
  }
}

/* The statement's template, or the name it refers to. */
static const char *template_of(const op_kb *kb, say_table t, int code, bool patient) {
  switch (t) {
    case SAY_ALERT: return patient ? kb->alert[code].patient : kb->alert[code].clinician;
    case SAY_RULE: return patient ? kb->rule[code].patient : kb->rule[code].clinician;
    case SAY_CRITERION: return kb->criterion[code].detail;
    case SAY_REASON: return kb->reason[code].detail;
    case SAY_MONITOR: return kb->monitor[code].detail;
    case SAY_PHRASE: return kb->phrase[code];
    case SAY_UI: return kb_ui(kb, (op_ui_t)code, patient);
    case SAY_AGENT: return kb->agent[code].name;
    case SAY_SITE: return kb->site[code].clinician;
    case SAY_FX_SITE: return kb->fx_site[code].clinician;
    case SAY_CONDITION: return kb->condition[code].clinician;
    case SAY_RISK: return kb->risk[code].clinician;
    case SAY_DIAGNOSIS: return kb->diagnosis[code].clinician;
    case SAY_FINDING: return kb->finding[code].clinician;
    case SAY_REASON_NAME: return kb->reason[code].clinician;
    case SAY_CRITERION_NAME: return kb->criterion[code].clinician;
    case SAY_SEX: return kb_ui(kb, kb_sex_ui(code), patient);
    case SAY_JOIN: return NULL;
  }
  return NULL;
}

/* What a list shows for an item with no words: its name. */
static const char *name_of(const op_kb *kb, const op_say *s) {
  if (s->table == SAY_CRITERION) return kb->criterion[s->code].clinician;
  if (s->table == SAY_REASON) return kb->reason[s->code].clinician;
  return "";
}

static const char *say_words(wctx *w, const op_say *s);

static const char *join(wctx *w, const op_arg *list) {
  static const char *const sep[] = {[SEP_SEMICOLON] = "; ", [SEP_COMMA] = ", "};
  strbuf b;
  sb_init(&b, w->a);
  for (int i = 0; i < list->v.list.n; i++) {
    const op_say *item = list->v.list.items[i];
    const char *t = item ? say_words(w, item) : NULL;
    if (!t && item) t = name_of(w->kb, item);
    if (i) sb_puts(&b, sep[list->v.list.sep]);
    if (t) sb_puts(&b, t);
  }
  return b.oom ? NULL : sb_str(&b); /* the arena's, and nobody appends to it again: no copy */
}

static const char *arg_words(wctx *w, const op_arg *x) {
  char buf[SCALAR_MAX];
  int n = scalar_text(x, buf);
  if (n >= 0) return arena_strndup(w->a, buf, (size_t)n);
  switch (x->kind) {
    case ARG_EMPTY:
    case ARG_NUM: /* the scalars are written above */
    case ARG_T:
    case ARG_GAIN:
    case ARG_PCT:
    case ARG_DATE: return "";
    case ARG_NAME: return template_of(w->kb, x->v.ref.table, x->v.ref.code, false);
    case ARG_SAY: return say_words(w, x->v.say); /* NULL: the placeholder stays as written */
    case ARG_LIST: return join(w, x);
  }
  return "";
}

/* The statement in the clinician's words and, when patient is not NULL, in
** the patient's (the values are written once for both). */
static const char *say_both(wctx *w, const op_say *s, const char **patient) {
  if (patient) *patient = NULL;
  if (!s) return NULL;
  if (s->table == SAY_JOIN) return join(w, &s->args[0]);
  tmpl_var v[OP_SAY_MAX_ARGS];
  for (int i = 0; i < s->n; i++) v[i] = (tmpl_var){s->args[i].name, arg_words(w, &s->args[i])};
  if (patient) *patient = tmpl_fill(w->a, template_of(w->kb, s->table, s->code, true), v, s->n);
  return tmpl_fill(w->a, template_of(w->kb, s->table, s->code, false), v, s->n);
}

static const char *say_words(wctx *w, const op_say *s) {
  for (int i = 0; i < w->n_memo; i++)
    if (w->memo_say[i] == s) return w->memo_text[i];
  const char *t = say_both(w, s, NULL);
  if (s && w->n_memo < WORD_MEMO) {
    w->memo_say[w->n_memo] = s;
    w->memo_text[w->n_memo++] = t;
  }
  return t;
}

/* An avoid entry's details, in the order of its reasons; a reason with no
** words adds nothing. Trailing blanks go as the templates' do. */
static const char *avoid_detail(wctx *w, const op_avoid *x) {
  const char *out = NULL;
  for (int k = 0; k < x->n; k++) {
    const char *d = x->why ? say_words(w, x->why[k]) : NULL;
    if (!d || !*d) continue;
    if (!out) {
      out = d;
      continue;
    }
    strbuf b;
    sb_init(&b, w->a);
    sb_cat(&b, out, "; ", d, (char *)NULL);
    if (b.oom) return out;
    size_t len = b.len;
    while (len && b.p[len - 1] == ' ') len--;
    out = arena_strndup(w->a, b.p, len);
  }
  return out;
}

/* A name in the patient's words, where the knowledge base has them (a
** fracture site: "your hip"; an agent: its patient name). */
static const char *patient_name_of(const op_kb *kb, say_table t, int code) {
  switch (t) {
    case SAY_AGENT: return kb->agent[code].patient_name;
    case SAY_SITE: return kb->site[code].patient;
    case SAY_FX_SITE: return kb->fx_site[code].patient;
    case SAY_CONDITION: return kb->condition[code].patient;
    default: return template_of(kb, t, code, true);
  }
}

const char *word_patient(arena *a, const op_kb *kb, const op_say *s, const char *tmpl) {
  if (!tmpl) return NULL;
  if (!s || s->table == SAY_JOIN) return tmpl_fill(a, tmpl, NULL, 0);
  wctx w = {.a = a, .kb = kb};
  tmpl_var v[OP_SAY_MAX_ARGS];
  for (int i = 0; i < s->n; i++) {
    const op_arg *x = &s->args[i];
    v[i] = (tmpl_var){x->name, x->kind == ARG_NAME ? patient_name_of(kb, x->v.ref.table, x->v.ref.code)
                                                   : arg_words(&w, x)};
  }
  return tmpl_fill(a, tmpl, v, s->n);
}

/* Streaming: the same words as say_both(w, s, NULL), appended to an outbuf
** instead of made piece by piece in an arena (the worklist words one line
** per listed patient: no copy of each value, no arena string per fill).
** tmpl_fill's rules, kept exactly: a template with no '{' is its own text;
** otherwise every {name} takes the value of the last argument of that name
** (a value that is NULL leaves the placeholder as written) and the trailing
** spaces of the result go. A nested statement is trimmed as its own fill
** was, before the text after it is appended: the bytes are the same. */
typedef struct {
  outbuf *b;
  const op_kb *kb;
  word_cache *c; /* or NULL */
} wstream;

/* A template taken apart once (word_cache): its literal runs and its
** placeholders, each placeholder resolved to the argument it takes for a
** statement whose argument names are names[] (the engine's literals: the
** same pointers at every call of one statement). */
enum { WC_SLOTS = 512, WC_MAX_PH = 8 };

typedef struct {
  const char *t;  /* the template (NULL: an empty slot) */
  int n;          /* the statement's argument count and names the placeholders were resolved for */
  const char *names[OP_SAY_MAX_ARGS];
  bool plain;     /* no '{' at all: the text as it is, not trimmed */
  int n_ph;       /* placeholders; -1: more than WC_MAX_PH (not cached) */
  uint32_t lit[WC_MAX_PH + 1]; /* literal bytes before each placeholder, and after the last */
  uint32_t ph_len[WC_MAX_PH];  /* a placeholder's name length ({name}: 2 bytes more) */
  int arg[WC_MAX_PH];          /* the argument it takes, or -1: left as written */
} wc_entry;

struct word_cache {
  const op_kb *kb;
  wc_entry e[WC_SLOTS];
};

word_cache *word_cache_new(void) { return calloc(1, sizeof(word_cache)); }

void word_cache_free(word_cache *c) { free(c); }

static void stream_say(const wstream *w, const op_say *s);

/* Whether the statement has words at all (say_words is not NULL). */
static bool has_words(const op_kb *kb, const op_say *s) {
  return s && (s->table == SAY_JOIN || template_of(kb, s->table, s->code, false));
}

static void stream_join(const wstream *w, const op_arg *list) {
  static const char *const sep[] = {[SEP_SEMICOLON] = "; ", [SEP_COMMA] = ", "};
  for (int i = 0; i < list->v.list.n; i++) {
    const op_say *item = list->v.list.items[i];
    if (i) ob_put(w->b, sep[list->v.list.sep], 2);
    if (!item) continue;
    if (has_words(w->kb, item)) stream_say(w, item);
    else ob_puts(w->b, name_of(w->kb, item));
  }
}

/* The value of x, appended; false (nothing appended) when it is NULL. */
static bool stream_arg(const wstream *w, const op_arg *x) {
  char buf[SCALAR_MAX];
  int n = scalar_text(x, buf);
  if (n >= 0) {
    ob_put(w->b, buf, (size_t)n);
    return true;
  }
  switch (x->kind) {
    case ARG_EMPTY:
    case ARG_NUM: /* the scalars are written above */
    case ARG_T:
    case ARG_GAIN:
    case ARG_PCT:
    case ARG_DATE: return true;
    case ARG_NAME: {
      const char *t = template_of(w->kb, x->v.ref.table, x->v.ref.code, false);
      if (t) ob_puts(w->b, t);
      return t != NULL;
    }
    case ARG_SAY:
      if (!has_words(w->kb, x->v.say)) return false;
      stream_say(w, x->v.say);
      return true;
    case ARG_LIST: stream_join(w, x); return true;
  }
  return true;
}

/* The argument of s that fills the placeholder open[1 .. 1 + len): the
** last of that name (tmpl_fill's rule); -1 when none has it. */
static int arg_named(const op_say *s, const char *open, size_t len) {
  for (int i = s->n - 1; i >= 0; i--) {
    const char *nm = s->args[i].name;
    if (nm && (!len || nm[0] == open[1]) && !strncmp(nm, open + 1, len) && !nm[len]) return i;
  }
  return -1;
}

/* One placeholder: its argument's value, or itself as written. */
static void stream_ph(const wstream *w, const op_say *s, int arg, const char *open, size_t len) {
  if (arg < 0 || !stream_arg(w, &s->args[arg])) ob_put(w->b, open, len + 2);
}

/* Trailing spaces go, back to start (tmpl_fill's last step). */
static void trim(outbuf *b, size_t start) {
  while (b->len > start && b->p[b->len - 1] == ' ') b->len--;
}

/* The template t filled with s's arguments (tmpl_fill's loop). */
static void stream_fill(const wstream *w, const char *t, const op_say *s) {
  size_t start = w->b->len;
  while (*t) {
    const char *open = strchr(t, '{');
    const char *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) {
      ob_puts(w->b, t);
      break;
    }
    ob_put(w->b, t, (size_t)(open - t));
    size_t len = (size_t)(close - open - 1);
    stream_ph(w, s, arg_named(s, open, len), open, len);
    t = close + 1;
  }
  trim(w->b, start);
}

/* The slot of template t taken apart and resolved for s's argument names
** (made now when it is not); NULL when t has too many placeholders. */
static const wc_entry *cached(word_cache *c, const char *t, const op_say *s) {
  wc_entry *e = &c->e[(size_t)(((uintptr_t)t * 0x9E3779B97F4A7C15ull) >> 40) % WC_SLOTS];
  bool same = e->t == t && e->n == s->n;
  for (int i = 0; same && i < s->n; i++) same = e->names[i] == s->args[i].name;
  if (same) return e->n_ph < 0 ? NULL : e;
  *e = (wc_entry){.t = t, .n = s->n, .plain = !strchr(t, '{')};
  for (int i = 0; i < s->n; i++) e->names[i] = s->args[i].name;
  const char *p = t;
  for (;;) {
    const char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) break;
    if (e->n_ph == WC_MAX_PH) {
      e->n_ph = -1;
      return NULL;
    }
    size_t len = (size_t)(close - open - 1);
    e->lit[e->n_ph] = (uint32_t)(open - p);
    e->ph_len[e->n_ph] = (uint32_t)len;
    e->arg[e->n_ph++] = arg_named(s, open, len);
    p = close + 1;
  }
  e->lit[e->n_ph] = (uint32_t)strlen(p);
  return e;
}

static void stream_say(const wstream *w, const op_say *s) {
  if (s->table == SAY_JOIN) {
    stream_join(w, &s->args[0]);
    return;
  }
  const char *t = template_of(w->kb, s->table, s->code, false);
  const wc_entry *slot = w->c ? cached(w->c, t, s) : NULL;
  if (!slot) {
    if (!strchr(t, '{')) ob_puts(w->b, t);
    else stream_fill(w, t, s);
    return;
  }
  const wc_entry e = *slot; /* a copy: a nested statement may take the slot over */
  size_t start = w->b->len;
  for (int i = 0; i < e.n_ph; i++) { /* no scan, no name compared: the slot knows */
    ob_put(w->b, t, e.lit[i]);
    t += e.lit[i];
    stream_ph(w, s, e.arg[i], t, e.ph_len[i]);
    t += e.ph_len[i] + 2;
  }
  ob_put(w->b, t, e.lit[e.n_ph]);
  if (!e.plain) trim(w->b, start);
}

bool word_say_to(outbuf *b, const op_kb *kb, word_cache *c, const op_say *s) {
  if (!has_words(kb, s)) return false;
  if (c && c->kb != kb) { /* another knowledge base: other templates */
    memset(c, 0, sizeof *c);
    c->kb = kb;
  }
  stream_say(&(wstream){b, kb, c}, s);
  return !b->oom;
}

void word_plan(arena *a, op_plan *p) {
  wctx w = {.a = a, .kb = p->kb};
  for (int i = 0; i < p->n_criteria; i++) p->criteria[i].detail = say_words(&w, p->criteria[i].say);
  for (int i = 0; i < p->n_avoid; i++) p->avoid[i].detail = avoid_detail(&w, &p->avoid[i]);
  for (int i = 0; i < p->n_not_rec; i++) p->not_rec[i].detail = avoid_detail(&w, &p->not_rec[i]);
  for (int i = 0; i < p->n_alerts; i++) p->alerts[i].message = say_both(&w, p->alerts[i].say, &p->alerts[i].patient);
  for (int i = 0; i < p->n_monitor; i++) p->monitor[i].reason = say_words(&w, p->monitor[i].say);
  p->rationale = say_both(&w, p->rationale_say, &p->rationale_patient);
}
