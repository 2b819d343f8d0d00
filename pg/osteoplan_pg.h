/*
** osteoplan_pg.h: what the extension's C files share (pg/osteoplan_pg.c owns
** the per-backend knowledge base; the other files call through here).
*/
#ifndef OSTEOPLAN_PG_H
#define OSTEOPLAN_PG_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/date.h"
#include "osteoplan.h"

/* The knowledge base of this backend, loaded on first use and again when
** osteoplan.kb_dir or osteoplan.profile changed since; an ERROR naming the
** settings when it cannot be loaded. Never NULL on return. */
const op_kb *osteoplan_pg_kb(void);

/* The workspace op_assess_codes reuses from one row to the next (one per
** backend, made again with the knowledge base). Never NULL on return. */
op_workspace *osteoplan_pg_workspace(void);

/* A date argument as the engine's "YYYY-MM-DD" (buf of 11 bytes); an ERROR
** for infinity or a year the engine cannot hold. */
void osteoplan_pg_date(DateADT d, char buf[11]);

/* Raises the ERROR an engine failure maps to: OP_ERR_INPUT and OP_NO_PLAN
** as ERRCODE_INVALID_PARAMETER_VALUE with the message (which starts with
** the JSON path), OP_ERR_INTERNAL as out of memory. Call it only once
** every piece of engine memory is freed: err is the caller's copy. */
pg_attribute_noreturn() void osteoplan_pg_raise(op_status st, const op_error *err);

#endif
