/*
** fhir_refs.h: what a FHIR reference points at, inside the mapping.
**
** Whose a resource is and which Medication an order names are both read
** from references: "Patient/<id>", an absolute URL ending in it, a version
** ("/_history/<v>") or a Bundle entry's fullUrl (often "urn:uuid:..."). This
** module matches them; fhir_map.c decides what a mismatch costs.
*/
#ifndef OSTEO_FHIR_REFS_H
#define OSTEO_FHIR_REFS_H

#include <stdbool.h>

#include "fhir/fhir_map.h"

typedef struct {
  const json_doc *doc;
  int tok;
  const char *id;       /* or NULL */
  const char *full_url; /* the Bundle entry's fullUrl, or NULL */
} fhir_known;

struct fhir_refs {
  fhir_known *med; /* the input's Medication resources, sorted by id */
  int n_med;
};

/* The fullUrl of the Bundle entry holding resource tok of d, or NULL. */
const char *fhir_full_url(arena *a, const json_doc *d, int tok);

/* Does reference ref name the resource type/id, full_url being that
** resource's Bundle entry fullUrl (or NULL)? Yes for full_url itself, for a
** relative "type/<id>" (optionally "/_history/<v>", id and v plain FHIR
** ids), and for an absolute URL of that shape whose base (what comes before
** "type/") is full_url's: another server's resource of the same id is not
** this one. Nothing else ("..", a query, a path before a relative one). */
bool fhir_ref_names(const char *ref, const char *type, const char *id, const char *full_url);

/* The Reference object naming an order's drug: medicationReference (R4), or
** medication.reference (R5's CodeableReference); -1 when there is none. The
** mapper and the export's grouping read it through this one door. */
int fhir_med_reference(const json_doc *d, int r);

typedef enum {
  FHIR_MED_MISSING,  /* no Medication the reference names */
  FHIR_MED_FOUND,    /* one drug: *md, *mtok */
  FHIR_MED_AMBIGUOUS /* two Medications it names differ in code */
} fhir_med_found;

/* The Medication the medicationReference token mref of resource r (in d)
** names: contained in r ("#id"), else in refs (as fhir_ref_names matches:
** by id or fullUrl). Duplicates are one drug only when their codes are
** the same. *what says which reference was followed. */
fhir_med_found fhir_medication(arena *a, const fhir_refs *refs, const json_doc *d, int r, int mref,
                               const json_doc **md, int *mtok, const char **what);

#endif
