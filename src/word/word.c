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
#include <stdio.h>
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

static const char *num(arena *a, double v) {
  char buf[NUM_G10_MAX];
  return arena_strndup(a, buf, (size_t)num_g10(round(v * 100) / 100, buf)); /* never "-0" */
}

/* A T-score with one decimal, as DXA reports print it (-2.0, not -2). */
static const char *tscore(arena *a, double v) {
  // cppcheck-suppress duplicateConditionalAssign ; -0 becomes +0
  if (v == 0) v = 0;
  char buf[NUM_G10_MAX];
  return arena_strndup(a, buf, (size_t)num_fixed1(v, false, buf));
}

/* A change with its sign: "+1.2", "-0.3". */
static const char *gain(arena *a, double v) {
  char buf[NUM_G10_MAX];
  return arena_strndup(a, buf, (size_t)num_fixed1(v, true, buf));
}

static const char *pct(arena *a, double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s%%", num(a, v));
  return arena_strdup(a, buf);
}

static const char *date(arena *a, op_date d) {
  char buf[11];
  date_format(d, buf);
  return arena_strdup(a, buf);
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
  switch (x->kind) {
    case ARG_EMPTY: return "";
    case ARG_NUM: return num(w->a, x->v.num);
    case ARG_T: return tscore(w->a, x->v.num);
    case ARG_GAIN: return gain(w->a, x->v.num);
    case ARG_PCT: return pct(w->a, x->v.num);
    case ARG_DATE: return date(w->a, x->v.date);
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
static void stream_say(outbuf *b, const op_kb *kb, const op_say *s);

/* Whether the statement has words at all (say_words is not NULL). */
static bool has_words(const op_kb *kb, const op_say *s) {
  return s && (s->table == SAY_JOIN || template_of(kb, s->table, s->code, false));
}

static void stream_join(outbuf *b, const op_kb *kb, const op_arg *list) {
  static const char *const sep[] = {[SEP_SEMICOLON] = "; ", [SEP_COMMA] = ", "};
  for (int i = 0; i < list->v.list.n; i++) {
    const op_say *item = list->v.list.items[i];
    if (i) ob_puts(b, sep[list->v.list.sep]);
    if (!item) continue;
    if (has_words(kb, item)) stream_say(b, kb, item);
    else ob_puts(b, name_of(kb, item));
  }
}

static void stream_num(outbuf *b, double v) {
  char buf[NUM_G10_MAX];
  ob_put(b, buf, (size_t)num_g10(round(v * 100) / 100, buf)); /* as num() */
}

/* The value of x, appended; false (nothing appended) when it is NULL. */
static bool stream_arg(outbuf *b, const op_kb *kb, const op_arg *x) {
  char buf[NUM_G10_MAX];
  switch (x->kind) {
    case ARG_EMPTY: return true;
    case ARG_NUM: stream_num(b, x->v.num); return true;
    case ARG_T: {
      double v = x->v.num;
      // cppcheck-suppress duplicateConditionalAssign ; -0 becomes +0, as tscore()
      if (v == 0) v = 0;
      ob_put(b, buf, (size_t)num_fixed1(v, false, buf));
      return true;
    }
    case ARG_GAIN: ob_put(b, buf, (size_t)num_fixed1(x->v.num, true, buf)); return true;
    case ARG_PCT:
      stream_num(b, x->v.num);
      ob_put(b, "%", 1);
      return true;
    case ARG_DATE:
      date_format(x->v.date, buf);
      ob_put(b, buf, 10);
      return true;
    case ARG_NAME: {
      const char *t = template_of(kb, x->v.ref.table, x->v.ref.code, false);
      if (t) ob_puts(b, t);
      return t != NULL;
    }
    case ARG_SAY:
      if (!has_words(kb, x->v.say)) return false;
      stream_say(b, kb, x->v.say);
      return true;
    case ARG_LIST: stream_join(b, kb, x); return true;
  }
  return true;
}

/* The template t filled with s's arguments (tmpl_fill's loop). */
static void stream_fill(outbuf *b, const op_kb *kb, const char *t, const op_say *s) {
  size_t start = b->len;
  while (*t) {
    const char *open = strchr(t, '{');
    const char *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) {
      ob_puts(b, t);
      break;
    }
    ob_put(b, t, (size_t)(open - t));
    size_t len = (size_t)(close - open - 1);
    const op_arg *x = NULL;
    for (int i = s->n - 1; i >= 0 && !x; i--) {
      const char *nm = s->args[i].name;
      if (nm && (!len || nm[0] == open[1]) && !strncmp(nm, open + 1, len) && !nm[len]) x = &s->args[i];
    }
    if (!x || !stream_arg(b, kb, x)) ob_put(b, open, len + 2);
    t = close + 1;
  }
  while (b->len > start && b->p[b->len - 1] == ' ') b->len--;
}

static void stream_say(outbuf *b, const op_kb *kb, const op_say *s) {
  if (s->table == SAY_JOIN) {
    stream_join(b, kb, &s->args[0]);
    return;
  }
  const char *t = template_of(kb, s->table, s->code, false);
  if (!strchr(t, '{')) ob_puts(b, t);
  else stream_fill(b, kb, t, s);
}

bool word_say_to(outbuf *b, const op_kb *kb, const op_say *s) {
  if (!has_words(kb, s)) return false;
  stream_say(b, kb, s);
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
