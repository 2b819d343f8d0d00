/*
** fhir_medreq.h: one FHIR R4 MedicationRequest for one agent (a plan's
** phase or a CDS Hooks suggestion), written with the project's JSON writer.
** Everything it says comes from the knowledge base (agents.ini: the agent's
** words, [order.X] codes and structured dosage, [route.X] snomed): a part
** the knowledge base does not hold in structured form is said in words
** only (dosageInstruction.text always carries the whole dosage).
*/
#ifndef OSTEO_FHIR_MEDREQ_H
#define OSTEO_FHIR_MEDREQ_H

#include "../engine/plan.h"
#include "../json/json_write.h"

#define FHIR_RXNORM "http://www.nlm.nih.gov/research/umls/rxnorm"
#define FHIR_ATC "http://www.whocc.no/atc"
#define FHIR_SNOMED "http://snomed.info/sct"
#define FHIR_UCUM "http://unitsofmeasure.org"

/* What the caller decides; every pointer may be NULL (then it is left out). */
typedef struct {
  const char *id;          /* Resource.id (a Bundle entry, a CDS Hooks create) */
  const char *intent;      /* "proposal" (a plan, a CDS suggestion), "order", "plan"; NULL: "proposal" */
  const char *subject;     /* a reference, "Patient/123" */
  const char *authored_on; /* FHIR dateTime */
  /* the course's length in months, as Timing.repeat.boundsDuration; < 0:
  ** open-ended. fhir_medreq_months gives it for a plan's phase. */
  double months;
} fhir_medreq;

/* The length a phase's order is bounded by: for the phase's first option
** the phase's months when the plan gives them (what is left of a limit),
** else the agent's max_months (as the plan's options give it); -1:
** open-ended. */
double fhir_medreq_months(const op_kb *kb, const op_phase *ph, int agent);

/* The dosage in words, "70 mg oral weekly", into buf (always terminated). */
void fhir_medreq_dosage_text(const op_kb *kb, int agent, char *buf, size_t size);

/* Writes {"resourceType": "MedicationRequest", "status": "draft", ...} for
** agent (an index into kb->agent) as the next value of w: intent,
** subject, authoredOn, medicationCodeableConcept (RxNorm SCD, RxNorm IN,
** ATC; text the agent's name) and one dosageInstruction (text; timing
** with repeat.boundsDuration; route coded SNOMED CT; doseAndRate
** doseQuantity in UCUM). The JSON lives in w's strbuf arena. */
void fhir_medreq_write(jwriter *w, const op_kb *kb, int agent, const fhir_medreq *o);

#endif
