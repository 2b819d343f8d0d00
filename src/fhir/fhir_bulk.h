/*
** fhir_bulk.h: a FHIR Bulk Data export (a directory of NDJSON files, one
** resource per line, gzip or plain, or one such file) grouped by patient.
**
** Resources reference their patient (subject / patient "Patient/ID"), and
** the export keeps one file per type, so the whole export is read and
** joined in memory before any patient can be planned.
*/
#ifndef OSTEO_FHIR_BULK_H
#define OSTEO_FHIR_BULK_H

#include <stdio.h>

#include "fhir/fhir_map.h"

typedef struct fhir_bulk fhir_bulk;

/* Reads path (a directory: every *.ndjson and *.ndjson.gz in it, in name
** order). Lines that are not JSON resources are reported to errors with
** file:line and counted. NULL with errno set when path cannot be read. */
fhir_bulk *fhir_bulk_load(const char *path, FILE *errors);
void fhir_bulk_free(fhir_bulk *b);

/* Patients with a Patient resource, in the order read. */
int fhir_bulk_patients(const fhir_bulk *b);
/* The resources of patient i (its Patient resource first). */
int fhir_bulk_resources(const fhir_bulk *b, int i, const fhir_res **res);
/* Lines that were not resources; resources whose patient has no Patient. */
long fhir_bulk_bad_lines(const fhir_bulk *b);
long fhir_bulk_orphans(const fhir_bulk *b);
long fhir_bulk_lines(const fhir_bulk *b);

#endif
