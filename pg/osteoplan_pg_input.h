/*
** osteoplan_pg_input.h: a record argument as the engine reads it.
*/
#ifndef OSTEOPLAN_PG_INPUT_H
#define OSTEOPLAN_PG_INPUT_H

#include "osteoplan_pg.h"
#include "funcapi.h"

/* The text of argument 0: jsonb printed back (osteoplan_pg_jsonb.c: keys
** once each, jsonb having already kept the last of a duplicate), or json as
** written (so the engine refuses a duplicate key as the command line does). */
const char *osteoplan_pg_arg_text(FunctionCallInfo fcinfo, bool is_json, size_t *len);

/* The blessed row type of the function's result, made once per call site
** (kept in flinfo->fn_extra). */
TupleDesc osteoplan_pg_row_type(FunctionCallInfo fcinfo);

#endif
