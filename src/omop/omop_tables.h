/*
** omop_tables.h: the OMOP CDM 5.4 tables osteoplan reads, loaded and
** indexed by person (internal to src/omop).
*/
#ifndef OSTEO_OMOP_TABLES_H
#define OSTEO_OMOP_TABLES_H

#include <stdbool.h>

#include "omop/omop_csv.h"

enum { OT_PERSON, OT_DEATH, OT_MEASUREMENT, OT_CONDITION, OT_DRUG, OT_OBSERVATION, OT_PROCEDURE, OT_CONCEPT, OT_N };

typedef struct {
  long id;
  const char *vocabulary, *code, *name;
} omop_concept;

typedef struct {
  long pid, rid, row; /* person_id, the row's own id (measurement_id...; -1 if none), row */
} omop_pix;

typedef struct {
  csv_table t[OT_N];
  bool present[OT_N];
  omop_pix *ix[OT_N]; /* rows by person_id, then by the row's id (as SQL orders them) */
  omop_concept *concepts; /* by id */
  long n_concepts;
} omop_db;

/* The table's name (lower case, as the CDM names it). */
const char *omop_table_name(int k);

/* Loads every table of dir into db (memory from a): person and concept are
** required, the others may be absent (db->present). 0, or -1 with err. */
int omop_load(arena *a, const char *dir, omop_db *db, char *err, size_t errsz);

/* The rows of table k for person pid: *first and the count. */
long omop_rows_of(const omop_db *db, int k, long pid, long *first);

/* The concept with id, or NULL. */
const omop_concept *omop_concept_of(const omop_db *db, const char *id);

/* A whole decimal integer id, or -1. */
long omop_id(const char *s);

#endif
