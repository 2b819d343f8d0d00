/*
** osteoplan_pg_screen.c: osteoplan_screen and its variants, one record's
** screen row as SQL columns (patient_id, risk, action, first_agent, gaps,
** name, mrn), what `osteoplan screen` prints (op_assess_codes,
** op_code_name).
**
** The codes live in the backend's workspace until the next record; the
** only engine memory a call owns is the record mapped from FHIR input,
** freed before any column is built or anything raised.
*/
#include "osteoplan_pg_input.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

enum { COL_ID, COL_RISK, COL_ACTION, COL_AGENT, COL_GAPS, COL_NAME, COL_MRN, COL_ERROR, N_COLS };

/* The codes of one record (or FHIR input) for the date, in *c (valid until
** the next call on this backend's workspace). */
static op_status codes_of(const char *json, size_t len, DateADT d, bool fhir, op_codes *c, op_error *err) {
  const op_kb *kb = osteoplan_pg_kb();
  op_workspace *ws = osteoplan_pg_workspace();
  char date[11];
  osteoplan_pg_date(d, date);
  op_options o = {.as_of = date, .today = date}; /* the date is an argument: no clock */
  if (!fhir) return op_assess_codes(kb, ws, json, len, &o, c, err);
  char *rec = NULL;
  size_t rlen = 0;
  op_status st = op_fhir_to_record(kb, json, len, &o, &rec, &rlen, err);
  if (st == OP_OK) st = op_assess_codes(kb, ws, rec, rlen, &o, c, err);
  free(rec);
  return st;
}

static Datum name_datum(op_code_kind kind, int code) {
  return CStringGetTextDatum(op_code_name(osteoplan_pg_kb(), kind, code));
}

/* The gaps met, as text[] in the knowledge base's order (as screen prints). */
static Datum gaps_datum(const op_codes *c) {
  const op_kb *kb = osteoplan_pg_kb();
  int n_gaps = op_code_count(kb, OP_CODE_GAP);
  Datum elems[OP_MAX_CODES];
  int n = 0;
  for (int g = 0; g < n_gaps && g < OP_MAX_CODES; g++)
    if ((c->gaps >> g) & 1u) elems[n++] = name_datum(OP_CODE_GAP, g);
  if (!n) return PointerGetDatum(construct_empty_array(TEXTOID));
  int16 typlen;
  bool typbyval;
  char typalign;
  get_typlenbyvalalign(TEXTOID, &typlen, &typbyval, &typalign);
  return PointerGetDatum(construct_array(elems, n, TEXTOID, typlen, typbyval, typalign));
}

static void fill_row(const op_codes *c, Datum *values, bool *nulls) {
  nulls[COL_ID] = !c->patient_id;
  if (c->patient_id) values[COL_ID] = CStringGetTextDatum(c->patient_id);
  values[COL_RISK] = name_datum(OP_CODE_RISK, c->risk);
  nulls[COL_RISK] = false;
  values[COL_ACTION] = name_datum(OP_CODE_ACTION, c->action);
  nulls[COL_ACTION] = false;
  nulls[COL_AGENT] = c->first_agent < 0;
  if (c->first_agent >= 0) values[COL_AGENT] = name_datum(OP_CODE_AGENT, c->first_agent);
  values[COL_GAPS] = gaps_datum(c);
  nulls[COL_GAPS] = false;
  /* who the patient is, when the record says (never in an error message) */
  nulls[COL_NAME] = !c->name;
  if (c->name) values[COL_NAME] = CStringGetTextDatum(c->name);
  nulls[COL_MRN] = !c->mrn;
  if (c->mrn) values[COL_MRN] = CStringGetTextDatum(c->mrn);
}

/* is_try: a bad record (or no plan) gives every column NULL but error, the
** message; otherwise a bad record is an ERROR and no plan a NULL row. Out
** of memory is an ERROR either way. */
static Datum screen(FunctionCallInfo fcinfo, bool fhir, bool is_try) {
  TupleDesc td = osteoplan_pg_row_type(fcinfo);
  size_t len;
  const char *json = osteoplan_pg_arg_text(fcinfo, false, &len);
  op_codes c;
  op_error err;
  op_status st = codes_of(json, len, PG_GETARG_DATEADT(1), fhir, &c, &err);
  if (st == OP_ERR_INTERNAL || (st == OP_ERR_INPUT && !is_try)) osteoplan_pg_raise(st, &err);
  if (st == OP_NO_PLAN && !is_try) PG_RETURN_NULL();
  Datum values[N_COLS] = {0};
  bool nulls[N_COLS] = {true, true, true, true, true, true, true, true};
  if (st == OP_OK) {
    fill_row(&c, values, nulls);
  } else {
    values[COL_ERROR] = CStringGetTextDatum(err.message);
    nulls[COL_ERROR] = false;
  }
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

PG_FUNCTION_INFO_V1(osteoplan_screen);
Datum osteoplan_screen(PG_FUNCTION_ARGS) { return screen(fcinfo, false, false); }

PG_FUNCTION_INFO_V1(osteoplan_screen_try);
Datum osteoplan_screen_try(PG_FUNCTION_ARGS) { return screen(fcinfo, false, true); }

PG_FUNCTION_INFO_V1(osteoplan_screen_fhir);
Datum osteoplan_screen_fhir(PG_FUNCTION_ARGS) { return screen(fcinfo, true, false); }

PG_FUNCTION_INFO_V1(osteoplan_screen_fhir_try);
Datum osteoplan_screen_fhir_try(PG_FUNCTION_ARGS) { return screen(fcinfo, true, true); }
