/*
** cds_prefetch.h: a hook request's FHIR resources (spec/ehr.md, "Missing
** prefetch" and "Whose data, and all of it"): the prefetch, checked to be
** whole and of the request's patient, and whatever is missing or incomplete
** fetched from fhirServer. Internal to the CDS Hooks service (cds.c).
*/
#ifndef OSTEO_CDS_PREFETCH_H
#define OSTEO_CDS_PREFETCH_H

#include "fhir/fhir_map.h"
#include "json/json.h"
#include "server/cds.h"

#define CDS_N_PREFETCH 5
extern const char *const cds_prefetch_keys[CDS_N_PREFETCH];

/* The search of prefetch key k for patient id (id NULL: the template). */
const char *cds_prefetch_query(const cds_ctx *c, arena *a, int k, const char *id);

/* The resources of request req (its prefetch, fhirServer and
** fhirAuthorization) for patient_id, a checked FHIR id. false: r holds the
** answer: 400 (a bad fhirServer or token; a Patient that is not
** patient_id), 412 (a search neither whole nor fetchable, naming its key),
** 502 (fhirServer answered with another patient), 503 (too many fetching). */
bool cds_prefetch_resources(const cds_ctx *c, arena *a, const json_doc *req, const char *patient_id, fhir_res **res,
                            int *n, cds_reply *r);

#endif
