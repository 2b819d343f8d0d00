/*
** omop_tables.c: loading the OMOP CSV tables (omop_tables.h).
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omop/omop_tables.h"

/* The columns of each table in OMOP CDM 5.4 (the OHDSI CommonDataModel
** 5.4 DDL; the sample's headers are these). A column outside the list is
** an error: a file of another table or CDM version must not be read as
** this one. The first names are the ones read, and must be there. */
static const struct {
  const char *file;
  int required;
  const char *cols[26];
} schema[OT_N] = {
    [OT_PERSON] = {"person", 6,
                   {"person_id", "gender_concept_id", "year_of_birth", "month_of_birth", "day_of_birth",
                    "birth_datetime", "race_concept_id", "ethnicity_concept_id", "location_id", "provider_id",
                    "care_site_id", "person_source_value", "gender_source_value", "gender_source_concept_id",
                    "race_source_value", "race_source_concept_id", "ethnicity_source_value",
                    "ethnicity_source_concept_id"}},
    [OT_DEATH] = {"death", 2,
                  {"person_id", "death_date", "death_datetime", "death_type_concept_id", "cause_concept_id",
                   "cause_source_value", "cause_source_concept_id"}},
    [OT_MEASUREMENT] = {"measurement", 8,
                        {"measurement_id", "person_id", "measurement_concept_id", "measurement_date",
                         "value_as_number", "unit_source_value", "value_source_value", "measurement_source_concept_id",
                         "measurement_datetime", "measurement_time", "measurement_type_concept_id",
                         "operator_concept_id", "value_as_concept_id", "unit_concept_id", "range_low", "range_high",
                         "provider_id", "visit_occurrence_id", "visit_detail_id", "measurement_source_value",
                         "unit_source_concept_id", "measurement_event_id", "meas_event_field_concept_id"}},
    [OT_CONDITION] = {"condition_occurrence", 5,
                      {"condition_occurrence_id", "person_id", "condition_concept_id", "condition_start_date",
                       "condition_source_concept_id", "condition_start_datetime", "condition_end_date",
                       "condition_end_datetime", "condition_type_concept_id", "condition_status_concept_id",
                       "stop_reason", "provider_id", "visit_occurrence_id", "visit_detail_id",
                       "condition_source_value", "condition_status_source_value"}},
    [OT_DRUG] = {"drug_exposure", 6,
                 {"drug_exposure_id", "person_id", "drug_concept_id", "drug_exposure_start_date",
                  "drug_exposure_end_date", "drug_source_concept_id", "drug_exposure_start_datetime",
                  "drug_exposure_end_datetime", "verbatim_end_date", "drug_type_concept_id", "stop_reason", "refills",
                  "quantity", "days_supply", "sig", "route_concept_id", "lot_number", "provider_id",
                  "visit_occurrence_id", "visit_detail_id", "drug_source_value", "route_source_value",
                  "dose_unit_source_value"}},
    [OT_OBSERVATION] = {"observation", 8,
                        {"observation_id", "person_id", "observation_concept_id", "observation_date",
                         "value_as_number", "unit_source_value", "value_source_value", "observation_source_concept_id",
                         "observation_datetime", "observation_type_concept_id", "value_as_string",
                         "value_as_concept_id", "qualifier_concept_id", "unit_concept_id", "provider_id",
                         "visit_occurrence_id", "visit_detail_id", "observation_source_value",
                         "qualifier_source_value", "observation_event_id", "obs_event_field_concept_id"}},
    [OT_PROCEDURE] = {"procedure_occurrence", 4,
                      {"procedure_occurrence_id", "person_id", "procedure_concept_id", "procedure_date",
                       "procedure_datetime", "procedure_end_date", "procedure_end_datetime",
                       "procedure_type_concept_id", "modifier_concept_id", "quantity", "provider_id",
                       "visit_occurrence_id", "visit_detail_id", "procedure_source_value",
                       "procedure_source_concept_id", "modifier_source_value"}},
    [OT_CONCEPT] = {"concept", 4,
                    {"concept_id", "vocabulary_id", "concept_code", "concept_name", "domain_id", "concept_class_id",
                     "standard_concept", "valid_start_date", "valid_end_date", "invalid_reason"}},
};

const char *omop_table_name(int k) { return schema[k].file; }

long omop_id(const char *s) {
  if (!*s || *s < '0' || *s > '9') return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  return *end || errno ? -1 : v;
}

/* The header of table k: no unknown column, every column read present. */
static int check_columns(const csv_table *t, int k, char *err, size_t errsz) {
  for (int i = 0; i < t->ncol; i++) {
    bool known = false;
    for (int j = 0; j < 26 && schema[k].cols[j]; j++) known = known || !strcmp(t->cols[i], schema[k].cols[j]);
    if (!known) {
      snprintf(err, errsz, "%s:1: unknown column '%.80s' (not a column of the OMOP CDM 5.4 %s table)", t->name,
               t->cols[i], schema[k].file);
      return -1;
    }
  }
  for (int j = 0; j < schema[k].required; j++)
    if (csv_col(t, schema[k].cols[j]) < 0) {
      snprintf(err, errsz, "%s:1: no column '%s' (osteoplan reads it)", t->name, schema[k].cols[j]);
      return -1;
    }
  return 0;
}

/* The file of table k in dir: NAME.csv as the CDM names tables, or in
** upper case as some exports (and the Eunomia samples) write them; NULL
** when neither is there. */
static const char *table_file(arena *a, const char *dir, int k, const char **shown) {
  char lower[64], upper[64], path[4096];
  snprintf(lower, sizeof lower, "%s.csv", schema[k].file);
  snprintf(upper, sizeof upper, "%s", lower);
  for (char *p = upper; *p && *p != '.'; p++) *p = (char)toupper((unsigned char)*p);
  const char *names[2] = {lower, upper};
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    fclose(f);
    *shown = arena_strdup(a, path);
    return *shown;
  }
  return NULL;
}

static int by_pid(const void *x, const void *y) {
  const omop_pix *a = x, *b = y;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  if (a->rid != b->rid) return a->rid < b->rid ? -1 : 1;
  return a->row < b->row ? -1 : a->row > b->row;
}

static int by_id(const void *x, const void *y) {
  const omop_concept *a = x, *b = y;
  return a->id != b->id ? (a->id < b->id ? -1 : 1) : 0;
}

/* Table k's rows by person_id; a person_id that is not a number is an
** error of its line. */
static int index_rows(arena *a, omop_db *db, int k, char *err, size_t errsz) {
  const csv_table *t = &db->t[k];
  int c = csv_col(t, "person_id");
  /* a person's rows in the order of their ids, not of the file: a database
  ** has no file order, and the extension's SQL must give the same bundle */
  int ci = strstr(schema[k].cols[0], "_id") && strcmp(schema[k].cols[0], "person_id") ? csv_col(t, schema[k].cols[0]) : -1;
  omop_pix *ix = arena_array(a, (size_t)t->nrows + 1, sizeof *ix);
  if (!ix) return snprintf(err, errsz, "%s: out of memory", t->name), -1;
  for (long r = 0; r < t->nrows; r++) {
    ix[r] = (omop_pix){omop_id(csv_cell(t, r, c)), ci >= 0 ? omop_id(csv_cell(t, r, ci)) : -1, r};
    if (ix[r].pid < 0) {
      snprintf(err, errsz, "%s:%ld: person_id '%.40s' is not a whole number", t->name, t->line[r], csv_cell(t, r, c));
      return -1;
    }
  }
  qsort(ix, (size_t)t->nrows, sizeof *ix, by_pid);
  db->ix[k] = ix;
  return 0;
}

/* concept.csv by id; a repeated id is an error (which one is meant?). */
static int index_concepts(arena *a, omop_db *db, char *err, size_t errsz) {
  const csv_table *t = &db->t[OT_CONCEPT];
  int ci = csv_col(t, "concept_id"), cv = csv_col(t, "vocabulary_id"), cc = csv_col(t, "concept_code"),
      cn = csv_col(t, "concept_name");
  db->concepts = arena_array(a, (size_t)t->nrows + 1, sizeof *db->concepts);
  if (!db->concepts) return snprintf(err, errsz, "%s: out of memory", t->name), -1;
  for (long r = 0; r < t->nrows; r++) {
    long id = omop_id(csv_cell(t, r, ci));
    if (id < 0) {
      snprintf(err, errsz, "%s:%ld: concept_id '%.40s' is not a whole number", t->name, t->line[r], csv_cell(t, r, ci));
      return -1;
    }
    db->concepts[r] = (omop_concept){id, csv_cell(t, r, cv), csv_cell(t, r, cc), csv_cell(t, r, cn)};
  }
  db->n_concepts = t->nrows;
  qsort(db->concepts, (size_t)t->nrows, sizeof *db->concepts, by_id);
  for (long r = 1; r < t->nrows; r++)
    if (db->concepts[r].id == db->concepts[r - 1].id) {
      snprintf(err, errsz, "%s: concept_id %ld appears twice", t->name, db->concepts[r].id);
      return -1;
    }
  return 0;
}

int omop_load(arena *a, const char *dir, omop_db *db, char *err, size_t errsz) {
  memset(db, 0, sizeof *db);
  for (int k = 0; k < OT_N; k++) {
    const char *shown = NULL;
    if (!table_file(a, dir, k, &shown)) {
      if (k == OT_PERSON || k == OT_CONCEPT) {
        snprintf(err, errsz, "%s: no %s.csv (nor %s in upper case): an OMOP input needs it", dir, schema[k].file,
                 schema[k].file);
        return -1;
      }
      continue;
    }
    if (csv_load(a, shown, shown, &db->t[k], err, errsz) || check_columns(&db->t[k], k, err, errsz)) return -1;
    db->present[k] = true;
    if (k != OT_CONCEPT && index_rows(a, db, k, err, errsz)) return -1;
  }
  if (index_concepts(a, db, err, errsz)) return -1;
  const omop_pix *p = db->ix[OT_PERSON];
  for (long r = 1; r < db->t[OT_PERSON].nrows; r++)
    if (p[r].pid == p[r - 1].pid) {
      snprintf(err, errsz, "%s:%ld: person_id %ld appears twice", db->t[OT_PERSON].name,
               db->t[OT_PERSON].line[p[r].row], p[r].pid);
      return -1;
    }
  return 0;
}

long omop_rows_of(const omop_db *db, int k, long pid, long *first) {
  *first = 0;
  if (!db->present[k]) return 0;
  const omop_pix *ix = db->ix[k];
  long lo = 0, hi = db->t[k].nrows;
  while (lo < hi) {
    long mid = lo + (hi - lo) / 2;
    if (ix[mid].pid < pid) lo = mid + 1;
    else hi = mid;
  }
  long n = 0;
  while (lo + n < db->t[k].nrows && ix[lo + n].pid == pid) n++;
  *first = lo;
  return n;
}

const omop_concept *omop_concept_of(const omop_db *db, const char *id) {
  omop_concept key = {omop_id(id), NULL, NULL, NULL};
  if (key.id < 0) return NULL;
  return bsearch(&key, db->concepts, (size_t)db->n_concepts, sizeof key, by_id);
}
