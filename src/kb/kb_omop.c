/*
** kb_omop.c: binds [omop.*] of the knowledge base (kb_omop.h). Strict like
** the rest of the loader: a row without a known [omop.source.X], an empty
** system or a gender FHIR does not have is an error with its file and line.
*/
#include "kb_omop.h"

#include <stdio.h>
#include <string.h>

#include "kb_loader.h"
#include "../util/strbuf.h"

enum { OMOP_MAX_ROWS = 32, OMOP_MAX_SOURCES = 8 };

typedef struct {
  const char *key, *value;
} omop_row;

struct kb_omop {
  omop_row system[OMOP_MAX_ROWS], gender[OMOP_MAX_ROWS];
  int n_system, n_gender;
  const char *gender_vocabulary;
  const char *source_id[OMOP_MAX_SOURCES], *source_cites[OMOP_MAX_SOURCES];
  int n_sources;
};

static bool known_source(const struct kb_omop *o, const char *id) {
  for (int i = 0; i < o->n_sources; i++)
    if (!strcmp(o->source_id[i], id)) return true;
  return false;
}

/* "VALUE | src, src": the value, with every source checked; NULL (and the
** error said) when the row is malformed. */
static const char *row_value(loader *L, const struct kb_omop *o, entry *e) {
  e->used = true;
  char *bar = strchr(e->value, '|');
  if (!bar) {
    lerr(L, e->file, e->line, "[%s] %s: expected 'value | sources'", e->section, e->key);
    return NULL;
  }
  *bar = 0;
  char *value = str_trim(e->value), *ids = bar + 1;
  if (!*value || strchr(value, ' ')) {
    lerr(L, e->file, e->line, "[%s] %s: the value is empty or has a space", e->section, e->key);
    return NULL;
  }
  int n = 0;
  for (char *id = ids, *next; id; id = next) {
    next = strchr(id, ',');
    if (next) *next++ = 0;
    id = str_trim(id);
    if (!known_source(o, id)) {
      lerr(L, e->file, e->line, "[%s] %s: unknown source '%s' (no [omop.source.%s])", e->section, e->key, id, id);
      return NULL;
    }
    n++;
  }
  return n ? value : NULL;
}

static void bind_sources(loader *L, struct kb_omop *o) {
  for (int i = 0; i < L->ns && !L->failed; i++) {
    if (strncmp(L->s[i].name, "omop.source.", 12)) continue;
    if (o->n_sources == OMOP_MAX_SOURCES) {
      lerr(L, L->s[i].file, L->s[i].line, "more than %d [omop.source.X]", OMOP_MAX_SOURCES);
      return;
    }
    o->source_id[o->n_sources] = L->s[i].name + 12;
    o->source_cites[o->n_sources++] = req_str(L, L->s[i].name, "cites");
  }
}

/* The rows of [sec] into rows (the key "vocabulary" of [omop.gender] aside). */
static int bind_rows(loader *L, struct kb_omop *o, const char *sec, omop_row *rows) {
  section *s = need_section(L, sec);
  int n = 0;
  for (int i = s ? s->first : 0; s && i < s->first + s->n && !L->failed; i++) {
    entry *e = &L->e[i];
    const char *v = row_value(L, o, e);
    if (!v) return 0;
    if (!strcmp(sec, "omop.gender") && !strcmp(e->key, "vocabulary")) {
      o->gender_vocabulary = v;
      continue;
    }
    if (!strcmp(sec, "omop.gender") && strcmp(v, "male") && strcmp(v, "female")) {
      lerr(L, e->file, e->line, "[%s] %s: '%s' is not a FHIR gender osteoplan reads (male, female)", sec, e->key, v);
      return 0;
    }
    if (n == OMOP_MAX_ROWS) {
      lerr(L, e->file, e->line, "[%s]: more than %d rows", sec, OMOP_MAX_ROWS);
      return 0;
    }
    rows[n++] = (omop_row){e->key, v};
  }
  return n;
}

void kb_bind_omop(loader *L) {
  struct kb_omop *o = arena_alloc(L->a, sizeof *o);
  if (!o) {
    lerr(L, "omop.ini", 0, "out of memory");
    return;
  }
  memset(o, 0, sizeof *o);
  bind_sources(L, o);
  o->n_system = bind_rows(L, o, "omop.vocabulary", o->system);
  o->n_gender = bind_rows(L, o, "omop.gender", o->gender);
  if (!L->failed && !o->gender_vocabulary) lerr_key(L, "omop.gender", "vocabulary", "[omop.gender] needs 'vocabulary'");
  L->kb->omop = o;
}

static const char *find(const omop_row *rows, int n, const char *key) {
  for (int i = 0; key && i < n; i++)
    if (!strcmp(rows[i].key, key)) return rows[i].value;
  return NULL;
}

const char *kb_omop_system(const op_kb *kb, const char *vocabulary_id) {
  return find(kb->omop->system, kb->omop->n_system, vocabulary_id);
}

const char *kb_omop_gender(const op_kb *kb, const char *vocabulary_id, const char *code) {
  const struct kb_omop *o = kb->omop;
  if (vocabulary_id && strcmp(vocabulary_id, o->gender_vocabulary)) return NULL;
  return find(o->gender, o->n_gender, code);
}
