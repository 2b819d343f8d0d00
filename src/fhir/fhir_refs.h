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

/* Does reference ref name the resource type/id (relative, absolute, with a
** version) or, when full_url is given, that entry? */
bool fhir_ref_names(const char *ref, const char *type, const char *id, const char *full_url);

/* The Medication the medicationReference token mref of resource r (in d)
** names: contained in r ("#id"), else in refs (by id or fullUrl). false
** when none is found; *what then says which reference could not be followed. */
bool fhir_medication(arena *a, const fhir_refs *refs, const json_doc *d, int r, int mref, const json_doc **md,
                     int *mtok, const char **what);

#endif
