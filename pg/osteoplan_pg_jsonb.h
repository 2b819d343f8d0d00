/*
** osteoplan_pg_jsonb.h: a jsonb value as compact JSON text (palloc'ed).
*/
#ifndef OSTEOPLAN_PG_JSONB_H
#define OSTEOPLAN_PG_JSONB_H

#include "utils/jsonb.h"

char *osteoplan_pg_jsonb_text(const Jsonb *jb, size_t *len);

#endif
