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
} fhir_result;

/* as_of, today: "YYYY-MM-DD" (as_of may be NULL: today). All memory from a. */
void fhir_map(arena *a, const op_kb *kb, const fhir_res *res, int n, const char *as_of,
              const char *today, fhir_result *out);

/* The resources of a FHIR JSON document: a Bundle's entries (recursively),
** a CDS Hooks prefetch object's values, or one resource. Returns the count
** written to out (at most max), or -1 when the document is none of these. */
int fhir_collect(const json_doc *d, int tok, fhir_res *out, int max);

/* The osteoporosis agent a MedicationRequest/Statement orders, or -1. */
int fhir_agent_of(arena *a, const op_kb *kb, const json_doc *d, int resource);

/* Small JSON helpers shared by the FHIR and CDS Hooks modules. */
int fj_get(const json_doc *d, int obj, const char *key);      /* value token or -1 */
bool fj_is(const json_doc *d, int tok, const char *s);        /* string equals */
const char *fj_str(arena *a, const json_doc *d, int tok);    /* decoded string or NULL */

#endif
