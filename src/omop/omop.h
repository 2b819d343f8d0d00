/*
** omop.h: an OMOP CDM 5.4 database given as CSV files (one per table) ->
** one patient record per person, through the FHIR mapper.
**
** Each OMOP row becomes the FHIR resource that says the same thing (person
** -> Patient, death -> its deceasedDateTime, measurement and observation ->
** Observation, condition_occurrence -> Condition, drug_exposure ->
** MedicationStatement, procedure_occurrence -> Procedure) coded by its
** concept's (vocabulary_id, concept_code) read from concept.csv, never by
** the bare concept id (ids differ between vocabulary versions). The FHIR
** mapper then reads them with the knowledge base's FHIR code tables, so
** both inputs share one mapping, one set of skip reasons and one record
** reader; every row is used or noted in the plan's input_notes.
*/
#ifndef OSTEO_OMOP_H
#define OSTEO_OMOP_H

#include <stdio.h>

#include "kb/kb.h"

typedef struct {
  long persons;       /* rows of person.csv */
  long rows;          /* clinical rows read (all tables but person and concept) */
  long orphans;       /* of rows: of a person_id not in person.csv (not used) */
  long deceased;      /* persons dead on or before as_of: no plan */
  long unmapped;      /* persons whose data could not be mapped (reported) */
  long concepts;      /* rows of concept.csv */
  char missing[200];  /* optional tables with no file, ", "-separated */
  char error[600];    /* why omop_to_records failed: "FILE:LINE: what" */
} omop_stats;

/* Reads the tables in dir and writes one patient record per line, for the
** people of person.csv in its order, to an unlinked temporary file; returns
** its descriptor at offset 0, or -1 with st->error saying why (a file that
** cannot be read, is cut, badly quoted, lacks or has unknown columns).
** Persons that cannot be mapped are reported on errors and counted. */
int omop_to_records(const op_kb *kb, const char *dir, const char *as_of, const char *today, FILE *errors,
                    omop_stats *st);

/* The FHIR Bundle omop_to_records maps, for each person of person.csv in
** its order, one JSON text a line on out (for tests: the extension's SQL
** must build the same). 0, or -1 with st->error. */
int omop_to_bundles(const op_kb *kb, const char *dir, const char *as_of, FILE *out, omop_stats *st);

#endif
