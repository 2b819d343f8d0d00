/*
** fhir_medreq.c: one FHIR R4 MedicationRequest for one agent (see
** fhir_medreq.h). Shared by the CDS Hooks cards and the plan as FHIR, so an
** order reads the same wherever osteoplan writes it.
*/
#include "fhir_medreq.h"

#include <stdio.h>

double fhir_medreq_months(const op_kb *kb, const op_phase *ph, int agent) {
  /* the phase's months are its first option's (what is left of a lifetime
  ** or course limit); another option is bounded as the plan's options are,
  ** by the agent's max_months */
  if (ph && ph->n && ph->agents[0] == agent && ph->has_months && ph->months > 0) return ph->months;
  double m = kb->agent[agent].max_months;
  return m > 0 ? m : -1;
}

void fhir_medreq_dosage_text(const op_kb *kb, int agent, char *buf, size_t size) {
  const kb_agent *g = &kb->agent[agent];
  snprintf(buf, size, "%s %s %s", g->dose, g->route, g->frequency);
}

/* A FHIR Coding; display left out when the knowledge base has none. */
static void coding(jwriter *w, const char *system, const kb_coding *c) {
  jw_obj(w);
  jw_key(w, "system");
  jw_str(w, system);
  jw_key(w, "code");
  jw_str(w, c->code);
  if (c->display) {
    jw_key(w, "display");
    jw_str(w, c->display);
  }
  jw_end_obj(w);
}

/* The orderable product first (what a pharmacy system matches), then the
** ingredient and the ATC class code. Never the brand: a generic order. */
static void medication(jwriter *w, const kb_agent *g) {
  const kb_rx *rx = &g->rx;
  jw_key(w, "medicationCodeableConcept");
  jw_obj(w);
  if (rx->rx_scd.code || rx->rx_in.code || rx->atc.code) {
    jw_key(w, "coding");
    jw_arr(w);
    if (rx->rx_scd.code) coding(w, FHIR_RXNORM, &rx->rx_scd);
    if (rx->rx_in.code) coding(w, FHIR_RXNORM, &rx->rx_in);
    if (rx->atc.code) coding(w, FHIR_ATC, &rx->atc);
    jw_end_arr(w);
  }
  jw_key(w, "text");
  jw_str(w, g->name);
  jw_end_obj(w);
}

/* A UCUM Quantity {value, unit, system, code}. */
static void quantity(jwriter *w, double value, const char *unit, const char *ucum) {
  jw_obj(w);
  jw_key(w, "value");
  jw_num(w, value);
  jw_key(w, "unit");
  jw_str(w, unit);
  jw_key(w, "system");
  jw_str(w, FHIR_UCUM);
  jw_key(w, "code");
  jw_str(w, ucum);
  jw_end_obj(w);
}

/* Timing.repeat: the kb's frequency per period, bounded by the course. */
static void timing(jwriter *w, const kb_rx *rx, double months) {
  if (!rx->period_unit && months <= 0) return;
  jw_key(w, "timing");
  jw_obj(w);
  jw_key(w, "repeat");
  jw_obj(w);
  if (months > 0) {
    jw_key(w, "boundsDuration");
    quantity(w, months, "months", "mo");
  }
  if (rx->period_unit) {
    jw_key(w, "frequency");
    jw_int(w, rx->frequency);
    jw_key(w, "period");
    jw_num(w, rx->period);
    jw_key(w, "periodUnit");
    jw_str(w, rx->period_unit);
  }
  jw_end_obj(w);
  jw_end_obj(w);
}

static void dosage(jwriter *w, const op_kb *kb, int agent, double months) {
  const kb_agent *g = &kb->agent[agent];
  const kb_coding *route = &kb->route[g->route_code].snomed;
  char text[160];
  fhir_medreq_dosage_text(kb, agent, text, sizeof text);
  jw_key(w, "dosageInstruction");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "text");
  jw_str(w, text);
  timing(w, &g->rx, months);
  if (route->code) {
    jw_key(w, "route");
    jw_obj(w);
    jw_key(w, "coding");
    jw_arr(w);
    coding(w, FHIR_SNOMED, route);
    jw_end_arr(w);
    jw_key(w, "text");
    jw_str(w, g->route);
    jw_end_obj(w);
  }
  if (g->rx.dose_ucum) {
    jw_key(w, "doseAndRate");
    jw_arr(w);
    jw_obj(w);
    jw_key(w, "doseQuantity");
    quantity(w, g->rx.dose_value, g->rx.dose_unit, g->rx.dose_ucum);
    jw_end_obj(w);
    jw_end_arr(w);
  }
  jw_end_obj(w);
  jw_end_arr(w);
}

static void opt_str(jwriter *w, const char *key, const char *v) {
  if (!v || !*v) return;
  jw_key(w, key);
  jw_str(w, v);
}

void fhir_medreq_write(jwriter *w, const op_kb *kb, int agent, const fhir_medreq *o) {
  jw_obj(w);
  jw_key(w, "resourceType");
  jw_str(w, "MedicationRequest");
  opt_str(w, "id", o->id);
  jw_key(w, "status");
  jw_str(w, "draft");
  jw_key(w, "intent");
  jw_str(w, o->intent ? o->intent : "proposal");
  medication(w, &kb->agent[agent]);
  if (o->subject && *o->subject) {
    jw_key(w, "subject");
    jw_obj(w);
    jw_key(w, "reference");
    jw_str(w, o->subject);
    jw_end_obj(w);
  }
  opt_str(w, "authoredOn", o->authored_on);
  dosage(w, kb, agent, o->months);
  jw_end_obj(w);
}
