/*
** fhir_map.h: one patient's FHIR R4 resources -> one patient record.
**
** The resources may come from a Bundle, a CDS Hooks prefetch or the lines of
** a Bulk Data export; the caller hands them over as parsed JSON objects. The
** mapping follows kb/fhir.ini (codes, units, course and fracture rules) and
** spec/ehr.md, and writes the record as JSON text so that the one record
** reader validates it like any other record: what the reader rejects is
** dropped resource by resource and said in the notes, never guessed.
*/
#ifndef OSTEO_FHIR_MAP_H
#define OSTEO_FHIR_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "json/json.h"
#include "kb/kb.h"
#include "record/record.h"

typedef struct {
  const json_doc *doc;
  int tok; /* the resource object */
} fhir_res;

typedef enum { FM_OK, FM_DECEASED, FM_ERROR } fhir_status;

typedef struct {
  fhir_status status;
  const char *patient_id;     /* Patient.id, or NULL */
  const char *record;         /* FM_OK: the patient record, JSON */
  size_t record_len;
  const char **notes;         /* what was skipped and why (plan input_notes) */
  int n_notes;
  char message[512];          /* FM_ERROR / FM_DECEASED: what and why */
  /* fhir_map_patient_read, FM_OK: the record as the reader read it (every
  ** check passed) and the arena it lives in, which the caller then owns;
  ** NULL when it could not be kept (out of memory): read record instead */
  arena *rec_arena;
  const op_record *rec;
} fhir_result;

/* as_of, today: "YYYY-MM-DD" (as_of may be NULL: today). All memory from a.
**
** One patient: the resources used are those whose subject (or patient)
** references the input's Patient ("Patient/<id>", an absolute URL ending in
** it, or the Patient entry's fullUrl), or, with no reference at all, when
** the input holds only that Patient. Others are skipped with a note. Two
** Patients with different ids are an error (which one is the plan for?);
** two with one id that disagree on gender, birth date or death, too.
** Medication resources among res are what medicationReference may name. */
void fhir_map(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of,
              const char *today, fhir_result *out);

/* The same for the patient the caller names (CDS Hooks context.patientId;
** NULL: as fhir_map). Patients with another id are skipped with a note; no
** Patient with that id is an error. */
void fhir_map_patient(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of,
                      const char *today, const char *patient_id, fhir_result *out);

/* fhir_map_patient, keeping the record its reader read (rec_arena, rec):
** the caller assesses it without reading the JSON again (op_assess_read). */
void fhir_map_patient_read(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of,
                           const char *today, const char *patient_id, fhir_result *out);

/* Searches the document at tok did not read whole: a Bundle with a link
** "next" (more pages not fetched), an OperationOutcome in place of a search
** (a CDS Hooks prefetch value, or the document itself) or among a search's
** entries with an error issue. Writes up to max notes (knowledge-base
** wording, naming the search) and returns how many there are; 0: complete.
** A plan must never read an unread search as empty. */
int fhir_incomplete(arena *a, const op_kb *kb, const json_doc *d, int tok, const char **notes, int max);

/* The resources of a FHIR JSON document: a Bundle's entries (recursively),
** a CDS Hooks prefetch object's values, or one resource. Returns the count
** written to out (at most max), or -1 when the document is none of these. */
int fhir_collect(const json_doc *d, int tok, fhir_res *out, int max);

/* The Medication resources of an input, indexed for medicationReference. */
typedef struct fhir_refs fhir_refs;
fhir_refs *fhir_refs_index(arena *a, const fhir_res *res, int n);

/* The osteoporosis agent a MedicationRequest/Statement orders, or -1;
** medicationReference is followed to a Medication contained in the resource
** or among refs (NULL: contained only), and its reference.display is read
** by ingredient name when the Medication is not there.
** FHIR_AGENT_UNRESOLVED: a reference that leads nowhere, so the order could
** not be checked. */
#define FHIR_AGENT_UNRESOLVED (-2)
int fhir_agent_in(arena *a, const op_kb *kb, const fhir_refs *refs, const json_doc *d, int resource);
int fhir_agent_of(arena *a, const op_kb *kb, const json_doc *d, int resource);

#endif
