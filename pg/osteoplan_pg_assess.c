/*
** osteoplan_pg_assess.c: osteoplan_assess and its variants, the plan as
** jsonb (the same JSON as `osteoplan assess --format json --as-of DATE`).
**
** Engine memory (the assessment's arena, malloc'ed) is never held across a
** call that may raise an ERROR: the plan's text is copied into palloc'ed
** memory without raising (MCXT_ALLOC_NO_OOM), the assessment is freed, and
** only then is anything raised or jsonb built.
*/
#include "osteoplan_pg_input.h"

#include "access/htup_details.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "osteoplan_pg_jsonb.h"

const char *osteoplan_pg_arg_text(FunctionCallInfo fcinfo, bool is_json, size_t *len) {
  if (is_json) {
    text *t = PG_GETARG_TEXT_PP(0);
    *len = VARSIZE_ANY_EXHDR(t);
    return VARDATA_ANY(t);
  }
  return osteoplan_pg_jsonb_text(PG_GETARG_JSONB_P(0), len);
}

TupleDesc osteoplan_pg_row_type(FunctionCallInfo fcinfo) {
  if (fcinfo->flinfo->fn_extra) return (TupleDesc)fcinfo->flinfo->fn_extra;
  TupleDesc td;
  if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("osteoplan: the function must return a row")));
  MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
  td = BlessTupleDesc(CreateTupleDescCopy(td));
  MemoryContextSwitchTo(old);
  fcinfo->flinfo->fn_extra = td;
  return td;
}

/* The plan of one record (or FHIR input) for the date: OP_OK and *plan the
** JSON text (palloc'ed), or the engine's status and err. Raises nothing
** while the assessment is held. */
static op_status plan_of(const char *json, size_t len, DateADT d, bool fhir, char **plan, op_error *err) {
  const op_kb *kb = osteoplan_pg_kb();
  char date[11];
  osteoplan_pg_date(d, date);
  op_options o = {.as_of = date, .today = date}; /* the date is an argument: no clock */
  op_assessment *as = NULL;
  op_status st = fhir ? op_assess_fhir(kb, json, len, &o, &as, err) : op_assess_json(kb, json, len, &o, &as, err);
  if (st == OP_OK) {
    size_t n = 0;
    const char *out = op_render(as, OP_FORMAT_JSON, OP_AUDIENCE_CLINICIAN, false, &n);
    *plan = out && n < MaxAllocSize ? palloc_extended(n + 1, MCXT_ALLOC_NO_OOM) : NULL;
    if (*plan) {
      memcpy(*plan, out, n);
      (*plan)[n] = '\0';
    } else {
      st = OP_ERR_INTERNAL;
      err->status = st;
      snprintf(err->message, sizeof err->message, "out of memory while rendering the plan");
    }
  }
  op_assessment_free(as);
  return st;
}

static Datum plan_jsonb(char *plan) {
  Datum d = DirectFunctionCall1(jsonb_in, CStringGetDatum(plan));
  pfree(plan);
  return d;
}

/* The non-try functions: the plan, NULL for a patient with no plan
** (OP_NO_PLAN: FHIR input of a deceased patient), else an ERROR. */
static Datum assess(FunctionCallInfo fcinfo, bool is_json, bool fhir) {
  size_t len;
  const char *json = osteoplan_pg_arg_text(fcinfo, is_json, &len);
  char *plan = NULL;
  op_error err;
  op_status st = plan_of(json, len, PG_GETARG_DATEADT(1), fhir, &plan, &err);
  if (st == OP_NO_PLAN) PG_RETURN_NULL();
  if (st != OP_OK) osteoplan_pg_raise(st, &err);
  PG_RETURN_DATUM(plan_jsonb(plan));
}

/* The _try functions: (plan, NULL) or, for a bad record or no plan,
** (NULL, message). Out of memory and a knowledge base that cannot be
** loaded are still ERRORs: they are not the record's fault. */
static Datum assess_try(FunctionCallInfo fcinfo, bool fhir) {
  TupleDesc td = osteoplan_pg_row_type(fcinfo);
  size_t len;
  const char *json = osteoplan_pg_arg_text(fcinfo, false, &len);
  char *plan = NULL;
  op_error err;
  op_status st = plan_of(json, len, PG_GETARG_DATEADT(1), fhir, &plan, &err);
  if (st == OP_ERR_INTERNAL) osteoplan_pg_raise(st, &err);
  Datum values[2] = {0, 0};
  bool nulls[2] = {true, true};
  if (st == OP_OK) {
    values[0] = plan_jsonb(plan);
    nulls[0] = false;
  } else {
    values[1] = CStringGetTextDatum(err.message);
    nulls[1] = false;
  }
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

PG_FUNCTION_INFO_V1(osteoplan_assess_jsonb);
Datum osteoplan_assess_jsonb(PG_FUNCTION_ARGS) { return assess(fcinfo, false, false); }

PG_FUNCTION_INFO_V1(osteoplan_assess_json);
Datum osteoplan_assess_json(PG_FUNCTION_ARGS) { return assess(fcinfo, true, false); }

PG_FUNCTION_INFO_V1(osteoplan_assess_try);
Datum osteoplan_assess_try(PG_FUNCTION_ARGS) { return assess_try(fcinfo, false); }

PG_FUNCTION_INFO_V1(osteoplan_assess_fhir);
Datum osteoplan_assess_fhir(PG_FUNCTION_ARGS) { return assess(fcinfo, false, true); }

PG_FUNCTION_INFO_V1(osteoplan_assess_fhir_try);
Datum osteoplan_assess_fhir_try(PG_FUNCTION_ARGS) { return assess_try(fcinfo, true); }
