/*
** api_codes.c: the codes-only entry of the public API (osteoplan.h), for
** population screening: the record reader and the engine, no wording, with
** one arena per workspace reset for each record.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "json/json.h"
#include "kb/kb.h"
#include "osteoplan.h"
#include "record/record.h"

_Static_assert(OP_N_risk <= OP_MAX_CODES && OP_N_action <= OP_MAX_CODES && OP_MAX_AGENTS <= OP_MAX_CODES &&
                   OP_N_alert <= OP_MAX_CODES && OP_N_finding <= OP_MAX_CODES && OP_MAX_GAPS <= OP_MAX_CODES,
               "a code list outgrows OP_MAX_CODES (osteoplan.h)");
_Static_assert(OP_MAX_GAPS <= 8 * sizeof(unsigned long), "op_codes.gaps holds one bit per care gap");

struct op_workspace {
  arena *a;
};

op_workspace *op_workspace_new(void) {
  op_workspace *ws = malloc(sizeof *ws);
  if (!ws) return NULL;
  if (!(ws->a = arena_create(64 * 1024))) {
    free(ws);
    return NULL;
  }
  return ws;
}

void op_workspace_free(op_workspace *ws) {
  if (!ws) return;
  arena_destroy(ws->a);
  free(ws);
}

static void oom(op_error *err) {
  memset(err, 0, sizeof *err);
  err->status = OP_ERR_INTERNAL;
  snprintf(err->message, sizeof err->message, "out of memory");
}

op_status op_assess_codes(const op_kb *kb, op_workspace *ws, const char *json, size_t len, const op_options *opts,
                          op_codes *out, op_error *err) {
  arena_reset(ws->a); /* the previous record's codes go */
  memset(out, 0, sizeof *out);
  op_record rec;
  op_status st = record_read(ws->a, kb, json, len, opts ? opts->as_of : NULL, opts ? opts->today : NULL, &rec, err);
  if (st != OP_OK) return st;
  /* not zeroed: the engine zeroes what it reads (plan_clear), not the
  ** plan's list room, most of its 4.7 KB */
  op_plan *p = arena_alloc_raw(ws->a, sizeof *p);
  bool *alerts = arena_alloc(ws->a, OP_N_alert * sizeof *alerts);
  /* the engine decides in codes; no statement is built and no wording is
  ** made (see engine.h) */
  if (!p || !alerts || !engine_assess_codes(ws->a, kb, &rec, p)) {
    oom(err);
    return OP_ERR_INTERNAL;
  }
  for (int i = 0; i < p->n_alerts; i++) alerts[p->alerts[i].code] = true;
  *out = (op_codes){.patient_id = p->rec->id,
                    .risk = p->risk,
                    .action = p->action,
                    .first_agent = p->n_phases && p->phases[0].n ? p->phases[0].agents[0] : -1,
                    .alerts = alerts,
                    .findings = p->finding,
                    .gaps = p->gaps,
                    .name = p->rec->name,
                    .mrn = p->rec->mrn};
  return OP_OK;
}

op_status op_check_json(op_workspace *ws, const char *json, size_t len, op_error *err) {
  arena_reset(ws->a); /* the previous record's codes go */
  json_doc d;
  char msg[256];
  memset(err, 0, sizeof *err);
  if (json_parse(ws->a, json, len, &d, msg, sizeof msg) != 0) {
    err->status = OP_ERR_INPUT;
    snprintf(err->message, sizeof err->message, "%s", msg);
    return OP_ERR_INPUT;
  }
  return OP_OK;
}

int op_code_count(const op_kb *kb, op_code_kind kind) {
  switch (kind) {
    case OP_CODE_RISK: return OP_N_risk;
    case OP_CODE_ACTION: return OP_N_action;
    case OP_CODE_AGENT: return kb->n_agents;
    case OP_CODE_ALERT: return OP_N_alert;
    case OP_CODE_FINDING: return OP_N_finding;
    case OP_CODE_GAP: return kb->n_gaps;
  }
  return 0;
}

const char *op_code_name(const op_kb *kb, op_code_kind kind, int i) {
  if (i < 0 || i >= op_code_count(kb, kind)) return NULL;
  switch (kind) {
    case OP_CODE_RISK: return op_risk_str[i];
    case OP_CODE_ACTION: return op_action_str[i];
    case OP_CODE_AGENT: return kb->agent_code[i];
    case OP_CODE_ALERT: return op_alert_str[i];
    case OP_CODE_FINDING: return op_finding_str[i];
    case OP_CODE_GAP: return kb->gaps[i].code;
  }
  return NULL;
}
