/*
** api_extra.c: the web page's helpers (see api_extra.h).
**
** The page holds no clinical number: a lab typed in another unit than the
** record's is converted with the factor the knowledge base gives the FHIR
** mapper ([fhir.units] of kb/common/fhir.ini), served here with its sources,
** so the page and the mapper can never disagree on a conversion. A FHIR file
** the page opens goes through the one FHIR mapper (op_fhir_to_record), the
** same as `assess --input fhir --format record`.
*/
#include "server/api_extra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "json/json_write.h"
#include "kb/kb.h"
#include "kb/kb_fhir.h"
#include "osteoplan.h"
#include "util/strbuf.h"

/* The record's lab fields a clinician may type in another unit, and the
** [fhir.units] quantity that converts each (the record's names:
** patient-record.md, labs). */
static const struct {
  const char *field, *quantity;
  int q;
} lab_fields[] = {
    {"labs.calcium_mg_dl", "calcium", Q_CALCIUM},
    {"labs.vitamin_d_ng_ml", "vitamin_d", Q_VITAMIN_D},
};

static void reply(strbuf *b, int status, cds_reply *r) {
  r->status = status;
  r->len = b->len;
  r->body = sb_str(b);
}

/* [{"id", "cites"}] for a row's source ids as written ("ehr, codes"). */
static void sources(jwriter *w, arena *a, const kb_fhir *f, const char *ids) {
  jw_arr(w);
  for (const char *p = ids; p && *p;) {
    p += strspn(p, ", ");
    size_t n = strcspn(p, ",");
    while (n && p[n - 1] == ' ') n--;
    if (!n) break;
    char *id = arena_strndup(a, p, n);
    jw_obj(w);
    jw_key(w, "id");
    jw_str(w, id);
    jw_key(w, "cites");
    jw_str(w, id ? kb_fhir_source(f, id) : NULL);
    jw_end_obj(w);
    p += strcspn(p, ",");
  }
  jw_end_arr(w);
}

/* GET /api/units: {"fields": [{field, quantity, record_unit, units: [{unit,
** factor, sources}]}]}. The record's unit is the one whose factor is 1. */
static void units(const cds_ctx *c, arena *a, cds_reply *r) {
  const kb_fhir *f = c->kb->fhir;
  strbuf b;
  sb_init(&b, a);
  jwriter w;
  jw_init(&w, &b, false);
  jw_obj(&w);
  jw_key(&w, "fields");
  jw_arr(&w);
  for (size_t k = 0; k < sizeof lab_fields / sizeof *lab_fields; k++) {
    const char *record_unit = NULL;
    int q, n = kb_fhir_units(f);
    const char *ucum, *srcs;
    double factor;
    for (int i = 0; i < n && !record_unit; i++) {
      kb_fhir_unit_at(f, i, &q, &ucum, &factor, &srcs);
      if (q == lab_fields[k].q && factor == 1 && *ucum) record_unit = ucum;
    }
    jw_obj(&w);
    jw_key(&w, "field");
    jw_str(&w, lab_fields[k].field);
    jw_key(&w, "quantity");
    jw_str(&w, lab_fields[k].quantity);
    jw_key(&w, "record_unit");
    jw_str(&w, record_unit);
    jw_key(&w, "units");
    jw_arr(&w);
    for (int i = 0; i < n; i++) {
      kb_fhir_unit_at(f, i, &q, &ucum, &factor, &srcs);
      if (q != lab_fields[k].q || !*ucum) continue; /* a value without a unit is nothing to choose */
      jw_obj(&w);
      jw_key(&w, "unit");
      jw_str(&w, ucum);
      jw_key(&w, "factor");
      jw_num(&w, factor);
      jw_key(&w, "sources");
      sources(&w, a, f, srcs);
      jw_end_obj(&w);
    }
    jw_end_arr(&w);
    jw_end_obj(&w);
  }
  jw_end_arr(&w);
  jw_end_obj(&w);
  reply(&b, 200, r);
}

/* The FHIR part of body: a whole CDS Hooks request's prefetch (its context,
** draft orders among it, is not the patient's record), else body itself. */
static void fhir_part(arena *a, const char *body, size_t len, const char **out, size_t *out_len) {
  *out = body;
  *out_len = len;
  json_doc d;
  char msg[128];
  if (json_parse(a, body, len, &d, msg, sizeof msg) < 0 || d.tok[0].type != JT_OBJECT) return;
  int pf = fj_get(&d, 0, "prefetch");
  if (fj_get(&d, 0, "resourceType") >= 0 || fj_get(&d, 0, "hook") < 0 || pf < 0 || d.tok[pf].type != JT_OBJECT)
    return;
  *out = body + d.tok[pf].start;
  *out_len = (size_t)(d.tok[pf].end - d.tok[pf].start);
}

/* POST /api/record-from-fhir: the record, with the mapper's notes under
** "extensions" (which the record reader ignores); 422 {"error"} with the
** mapper's message when the input is not FHIR it can read. */
static void record_from_fhir(const cds_ctx *c, arena *a, const char *body, size_t len, cds_reply *r) {
  const char *in;
  size_t in_len;
  fhir_part(a, body, len, &in, &in_len);
  op_options o = {.as_of = c->as_of, .today = c->today};
  char *rec = NULL;
  size_t rlen = 0;
  op_error err;
  op_status st = op_fhir_to_record(c->kb, in, in_len, &o, &rec, &rlen, &err);
  if (st != OP_OK) {
    free(rec);
    cds_error(a, st == OP_ERR_INTERNAL ? 500 : 422, err.message, r);
    return;
  }
  r->status = 200;
  r->body = arena_strndup(a, rec, rlen);
  r->len = r->body ? rlen : 0;
  free(rec);
  if (!r->body) cds_error(a, 500, "out of memory", r);
}

char api_extra_method(const char *path) {
  if (!strcmp(path, "/api/units")) return 'G';
  if (!strcmp(path, "/api/record-from-fhir")) return 'P';
  return 0;
}

bool api_extra_answer(const cds_ctx *c, arena *a, const char *path, const char *body, size_t len, cds_reply *r) {
  if (!strcmp(path, "/api/units")) {
    units(c, a, r);
    return true;
  }
  if (!strcmp(path, "/api/record-from-fhir")) {
    record_from_fhir(c, a, body, len, r);
    return true;
  }
  return false;
}
