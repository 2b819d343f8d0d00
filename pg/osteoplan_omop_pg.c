/*
** osteoplan_omop_pg.c: the knowledge-base data the OMOP SQL reads
** (pg/sql_src/omop.sql): which FHIR code system an OMOP vocabulary_id is,
** which FHIR gender a Gender code is (kb/common/omop.ini, through the
** backend's knowledge base), and the rule for a value that is a number
** (src/omop/omop_number.h) -- the same as screen --input omop, so both
** build the same FHIR Bundle from the same rows.
*/
#include "osteoplan_pg.h"

#include "utils/builtins.h"

#include "../src/kb/kb_omop.h"
#include "../src/omop/omop_number.h"

PG_FUNCTION_INFO_V1(osteoplan_omop_system);
/* osteoplan_omop_system(vocabulary_id text) -> the FHIR system URL, or NULL. */
Datum osteoplan_omop_system(PG_FUNCTION_ARGS) {
  char *v = text_to_cstring(PG_GETARG_TEXT_PP(0));
  const char *sys = kb_omop_system(osteoplan_pg_kb(), v);
  pfree(v);
  if (!sys) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(cstring_to_text(sys));
}

PG_FUNCTION_INFO_V1(osteoplan_omop_gender);
/* osteoplan_omop_gender(vocabulary_id text, code text) -> male, female or
** NULL. Not strict: vocabulary_id NULL reads code as a gender_source_value. */
Datum osteoplan_omop_gender(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(1)) PG_RETURN_NULL();
  char *v = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
  char *code = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const char *g = kb_omop_gender(osteoplan_pg_kb(), v, code);
  if (v) pfree(v);
  pfree(code);
  if (!g) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(cstring_to_text(g));
}

PG_FUNCTION_INFO_V1(osteoplan_omop_number);
/* osteoplan_omop_number(value text) -> the value as numeric, or NULL when
** it is not a number by omop_number's rule. numeric keeps the decimal as
** written, so the engine reads the same double from the Bundle. */
Datum osteoplan_omop_number(PG_FUNCTION_ARGS) {
  char *s = text_to_cstring(PG_GETARG_TEXT_PP(0)), buf[32];
  const char *n = omop_number(s, buf);
  Datum d = 0;
  if (n) d = DirectFunctionCall3(numeric_in, CStringGetDatum(n), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
  pfree(s);
  if (!n) PG_RETURN_NULL();
  PG_RETURN_DATUM(d);
}
