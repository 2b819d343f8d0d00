/*
** api.c: the public API (osteoplan.h) over the modules: record -> facts ->
** decisions -> renderings, one arena per assessment.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "fhir/fhir_map.h"
#include "json/json.h"
#include "json/json_write.h"
#include "util/strbuf.h"
#include "kb/kb.h"
#include "api_internal.h"
#include "osteoplan.h"
#include "record/record.h"
#include "render/render.h"
#include "word/word.h"

struct op_assessment {
  arena *a;
  op_record rec;
  op_plan plan;
};

static void kb_error(op_error *err, const char *msg) {
  if (!err) return;
  memset(err, 0, sizeof *err);
  err->status = OP_ERR_INTERNAL;
  snprintf(err->message, sizeof err->message, "%s", msg);
}

op_kb *op_kb_load_default(op_error *err) {
  char msg[768];
  op_kb *kb = kb_load_default(msg, sizeof msg);
  if (!kb) kb_error(err, msg);
  return kb;
}

op_kb *op_kb_load_dir(const char *dir, op_error *err) {
  char msg[768];
  op_kb *kb = kb_load_dir(dir, msg, sizeof msg);
  if (!kb) kb_error(err, msg);
  return kb;
}

op_kb *op_kb_load_profile(const char *dir, const char *profile, op_error *err) {
  char msg[768];
  op_kb *kb = kb_load_profile(dir, profile, msg, sizeof msg);
  if (!kb) kb_error(err, msg);
  return kb;
}

void op_kb_free(op_kb *kb) { kb_free(kb); }
const char *op_kb_version(const op_kb *kb) { return kb->version; }
const char *op_kb_status(const op_kb *kb) { return kb->status; }
const char *op_kb_updated(const op_kb *kb) { return kb->updated; }

/* An allocation failure a stage let pass (a note left out, a list cut
** short) would make the answer partial: there is none instead. */
static op_status no_partial(const arena *a, op_status st, op_error *err) {
  if (st == OP_ERR_INTERNAL || !a || !arena_failures(a)) return st;
  kb_error(err, "out of memory");
  return OP_ERR_INTERNAL;
}

static op_status assess_read(const op_kb *kb, op_assessment *as, const op_options *opts, op_assessment **out,
                             op_error *err);

/* A new assessment living in arena a, which it owns; on failure a is
** destroyed and err says so. */
static op_assessment *assessment_in(arena *a, op_error *err) {
  op_assessment *as = arena_alloc(a, sizeof *as);
  if (!as) {
    arena_destroy(a);
    kb_error(err, "out of memory");
    return NULL;
  }
  as->a = a;
  return as;
}

/* op_assess_json; budget: see op_assess_limited (NULL: no limit). */
static op_status assess_json(const op_kb *kb, const char *json, size_t len, const op_options *opts,
                             op_assessment **out, op_error *err, size_t *budget) {
  op_error local;
  if (!err) err = &local;
  memset(err, 0, sizeof *err);
  *out = NULL;
  /* Most records fit the first block, so one assessment is one malloc. */
  arena *a = arena_create_budget(32 * 1024, budget);
  if (!a) {
    kb_error(err, "out of memory");
    return OP_ERR_INTERNAL;
  }
  op_assessment *as = assessment_in(a, err);
  if (!as) return OP_ERR_INTERNAL;
  op_status st = record_read(a, kb, json, len, opts ? opts->as_of : NULL, opts ? opts->today : NULL, &as->rec, err);
  if (st != OP_OK) {
    st = no_partial(a, st, err);
    arena_destroy(a);
    return st;
  }
  return assess_read(kb, as, opts, out, err);
}

/* The assessment of the record as->rec, read into as->a (which it owns:
** destroyed on failure). */
static op_status assess_read(const op_kb *kb, op_assessment *as, const op_options *opts, op_assessment **out,
                             op_error *err) {
  arena *a = as->a;
  if (!engine_assess(a, kb, &as->rec, &as->plan)) {
    arena_destroy(a);
    kb_error(err, "out of memory");
    return OP_ERR_INTERNAL;
  }
  word_plan(a, &as->plan);
  as->plan.incomplete_input = opts && opts->incomplete_input;
  if (opts && opts->n_input_notes > 0) {
    as->plan.input_notes = arena_array(a, (size_t)opts->n_input_notes, sizeof(char *));
    if (!as->plan.input_notes) {
      arena_destroy(a);
      kb_error(err, "out of memory");
      return OP_ERR_INTERNAL;
    }
    for (int i = 0; i < opts->n_input_notes; i++)
      if ((as->plan.input_notes[i] = arena_strdup(a, opts->input_notes[i]))) as->plan.n_input_notes++;
  }
  if (no_partial(a, OP_OK, err) != OP_OK) {
    arena_destroy(a);
    return OP_ERR_INTERNAL;
  }
  *out = as;
  return OP_OK;
}

op_status op_assess_json(const op_kb *kb, const char *json, size_t len, const op_options *opts,
                         op_assessment **out, op_error *err) {
  return assess_json(kb, json, len, opts, out, err, NULL);
}

op_status op_assess_read(const op_kb *kb, arena *a, const op_record *rec, const op_options *opts, op_assessment **out,
                         op_error *err) {
  op_error local;
  if (!err) err = &local;
  memset(err, 0, sizeof *err);
  *out = NULL;
  op_assessment *as = assessment_in(a, err);
  if (!as) return OP_ERR_INTERNAL;
  as->rec = *rec;
  return assess_read(kb, as, opts, out, err);
}

/* Searches not read whole go into the notes, right after the summary. */
#define MAX_GAPS 8
static bool note_gaps(arena *a, const op_kb *kb, const json_doc *d, fhir_result *fr) {
  const char *gaps[MAX_GAPS];
  int n = fhir_incomplete(a, kb, d, 0, gaps, MAX_GAPS);
  if (n > MAX_GAPS) n = MAX_GAPS;
  if (!n) return false;
  const char **notes = arena_array(a, (size_t)fr->n_notes + (size_t)n, sizeof *notes);
  if (!notes) return true; /* still incomplete; the plan says so without the notes */
  int k = 0;
  if (fr->n_notes) notes[k++] = fr->notes[0];
  for (int i = 0; i < n; i++) notes[k++] = gaps[i];
  for (int i = 1; i < fr->n_notes; i++) notes[k++] = fr->notes[i];
  fr->notes = notes;
  fr->n_notes = k;
  return true;
}

/* Parses FHIR JSON and maps it in a new arena (*ap, NULL when none could
** be made; the caller destroys it); on OP_OK fr holds the record and
** *incomplete whether a search in it was not read whole. */
static op_status map_fhir(const op_kb *kb, const char *json, size_t len, const op_options *opts, arena **ap,
                          fhir_result *fr, bool *incomplete, op_error *err, size_t *budget) {
  memset(err, 0, sizeof *err);
  arena *a = *ap = arena_create_budget(64 * 1024, budget);
  if (!a) {
    kb_error(err, "out of memory");
    return OP_ERR_INTERNAL;
  }
  json_doc d;
  char msg[256];
  err->status = OP_ERR_INPUT;
  if (len > JSON_MAX_BYTES || json_parse(a, json, len, &d, msg, sizeof msg) < 0) {
    snprintf(err->message, sizeof err->message, "not JSON: %s", len > JSON_MAX_BYTES ? "too large" : msg);
    return OP_ERR_INPUT;
  }
  /* not zeroed: fhir_collect fills the entries it counts, and only those are read */
  fhir_res *res = arena_alloc_raw(a, (size_t)d.ntok * sizeof *res);
  int n = res ? fhir_collect(&d, 0, res, d.ntok) : -1;
  if (n < 0) {
    snprintf(err->message, sizeof err->message,
             "expected a FHIR resource, a Bundle or a CDS Hooks prefetch object (resourceType missing)");
    return OP_ERR_INPUT;
  }
  fhir_map(a, kb, res, n, opts ? opts->as_of : NULL, opts ? opts->today : NULL, fr);
  if (fr->status != FM_OK) {
    err->status = fr->status == FM_DECEASED ? OP_NO_PLAN : OP_ERR_INPUT;
    const char *gap = NULL; /* a failed Patient search explains a missing Patient */
    bool more = fhir_incomplete(a, kb, &d, 0, &gap, 1) > 0 && gap;
    snprintf(err->message, sizeof err->message, "%.350s%s%.400s", fr->message, more ? "; also " : "", more ? gap : "");
    return err->status;
  }
  *incomplete = note_gaps(a, kb, &d, fr);
  err->status = OP_OK;
  return OP_OK;
}

static op_status assess_fhir(const op_kb *kb, const char *json, size_t len, const op_options *opts,
                             op_assessment **out, op_error *err, size_t *budget) {
  op_error local;
  if (!err) err = &local;
  *out = NULL;
  arena *a;
  fhir_result fr;
  bool incomplete = false;
  op_status st = map_fhir(kb, json, len, opts, &a, &fr, &incomplete, err, budget);
  st = no_partial(a, st, err);
  if (st == OP_OK) {
    op_options o = opts ? *opts : (op_options){0};
    o.input_notes = fr.notes;
    o.n_input_notes = fr.n_notes;
    o.incomplete_input = o.incomplete_input || incomplete;
    st = assess_json(kb, fr.record, fr.record_len, &o, out, err, budget);
  }
  arena_destroy(a);
  return st;
}

op_status op_assess_fhir(const op_kb *kb, const char *json, size_t len, const op_options *opts,
                         op_assessment **out, op_error *err) {
  return assess_fhir(kb, json, len, opts, out, err, NULL);
}

op_status op_assess_limited(const op_kb *kb, const char *json, size_t len, bool fhir, const op_options *opts,
                            size_t *budget, op_assessment **out, op_error *err) {
  return (fhir ? assess_fhir : assess_json)(kb, json, len, opts, out, err, budget);
}

op_status op_fhir_to_record(const op_kb *kb, const char *json, size_t len, const op_options *opts, char **record,
                            size_t *record_len, op_error *err) {
  op_error local;
  if (!err) err = &local;
  *record = NULL;
  arena *a;
  fhir_result fr;
  bool incomplete = false;
  op_status st = map_fhir(kb, json, len, opts, &a, &fr, &incomplete, err, NULL);
  if (st == OP_OK) {
    /* the record with its notes under "extensions" (ignored by the reader) */
    strbuf b;
    sb_init(&b, a);
    sb_putn(&b, fr.record, fr.record_len - 1);
    sb_puts(&b, incomplete ? ",\"extensions\":{\"incomplete_input\":true,\"input_notes\":["
                           : ",\"extensions\":{\"incomplete_input\":false,\"input_notes\":[");
    for (int i = 0; i < fr.n_notes; i++) {
      if (i) sb_putc(&b, ',');
      json_escape(&b, fr.notes[i]);
    }
    sb_puts(&b, "]}}");
    *record = malloc(b.len + 1);
    if (*record) {
      memcpy(*record, sb_str(&b), b.len + 1);
      *record_len = b.len;
    } else {
      kb_error(err, "out of memory");
      st = OP_ERR_INTERNAL;
    }
  }
  arena_destroy(a);
  return st;
}

const char *op_render(op_assessment *as, op_format fmt, op_audience aud, bool color, size_t *len) {
  size_t failures = arena_failures(as->a); /* a part left out for want of memory: no rendering */
  const char *r = fmt == OP_FORMAT_JSON   ? render_json(as->a, &as->plan, true, len)
                  : fmt == OP_FORMAT_FHIR ? render_fhir(as->a, &as->plan, len)
                                          : render_doc(as->a, &as->plan, fmt, aud == OP_AUDIENCE_PATIENT, color, len);
  return arena_failures(as->a) == failures ? r : NULL;
}

const op_plan *op_assessment_plan(const op_assessment *as) { return &as->plan; }

void op_assessment_free(op_assessment *as) {
  if (as) arena_destroy(as->a);
}
