/*
** kb_fhir.h: the FHIR mapping tables of the knowledge base (kb/fhir.ini):
** which LOINC, ICD-10-CM, SNOMED CT, RxNorm and ATC codes (and ingredient
** words) give which patient-record field, the UCUM units each quantity may
** come in, prednisone equivalents, and the course and fracture rules.
**
** Compiled once with the rest of the knowledge base, immutable afterwards;
** lookups are binary searches over rows sorted by code.
*/
#ifndef OSTEO_KB_FHIR_H
#define OSTEO_KB_FHIR_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/arena.h"

typedef enum { FS_LOINC, FS_ICD10CM, FS_SNOMED, FS_RXNORM, FS_ATC, FS_NAME, FS_N } fhir_system;

typedef enum {
  FT_T_SCORE, FT_BMD, FT_FRAX, FT_LAB, FT_FRACTURE, FT_CONDITION, FT_AGENT, FT_MEDICATION
} fhir_target_kind;

enum { FRAX_MAJOR, FRAX_HIP };
enum { LAB_VITAMIN_D, LAB_EGFR, LAB_CALCIUM };
/* Quantities with units (fhir_unit_factor). */
enum { Q_T_SCORE, Q_BMD, Q_FRAX, Q_VITAMIN_D, Q_EGFR, Q_CALCIUM, Q_N };
/* Fracture codes beyond the record's sites. */
#define FX_UNSPECIFIED (-1)
#define FX_BY_5TH (-2)

typedef struct {
  int kind;               /* fhir_target_kind */
  int code;               /* site, frax/lab index, condition, agent, class */
  const char *ingredient; /* medication only, or NULL */
  double strength_mg;     /* medication only; 0 = unknown */
} fhir_target;

typedef struct {
  const char *code;    /* normalised: ICD-10-CM without dots, upper case */
  const char *display;
  const char *sources; /* ids of [fhir.source.X], as written */
  fhir_target t[3];
  int nt;
} fhir_row;

typedef struct kb_fhir kb_fhir;

/* rows: every key of the kb's [fhir.*] sections, in file order. */
typedef struct {
  const char *file;
  int line;
  const char *section, *key, *value;
} kb_fhir_entry;

/* Builds the tables; agent_codes are the knowledge base's agents (their
** index is the agent). NULL with "file:line: what" in err on a fault. */
kb_fhir *kb_fhir_compile(arena *a, const kb_fhir_entry *e, int n, const char *const *agent_codes, int n_agents,
                         char *err, size_t errsz);

/* The row for a code of a system; ICD-10-CM and ATC by longest prefix,
** names by a whole word of text (the longest). NULL when nothing matches. */
const fhir_row *kb_fhir_lookup(const kb_fhir *f, fhir_system sys, const char *code, size_t len);
/* Factor turning a value in ucum (NULL/"" = no unit) into the record's unit;
** 0 when that unit is not known for the quantity. */
double kb_fhir_unit(const kb_fhir *f, int quantity, const char *ucum, size_t len);
/* The unit rows, in file order (the web page's unit choices): count, then
** row i's quantity (Q_*), UCUM unit ("" = none), factor and source ids. */
int kb_fhir_units(const kb_fhir *f);
void kb_fhir_unit_at(const kb_fhir *f, int i, int *quantity, const char **ucum, double *factor, const char **sources);
/* mg of prednisone per mg of the ingredient; 0 when not known. */
double kb_fhir_prednisone(const kb_fhir *f, const char *ingredient);
/* The [fhir.local_forms] word (a local dose form: "topical", "ophthalmic")
** occurring as a whole word in text, or NULL. */
const char *kb_fhir_local_form(const kb_fhir *f, const char *text, size_t len);
/* Fracture site of the 5th character of an M80.0-/M80.8- code. */
int kb_fhir_m80_site(const kb_fhir *f, char c, bool *known);
int kb_fhir_renewal_gap_months(const kb_fhir *f);
int kb_fhir_same_fracture_days(const kb_fhir *f);
/* Count of rows of a system (tests walk every row). */
int kb_fhir_rows(const kb_fhir *f, fhir_system sys, const fhir_row **rows);
const char *kb_fhir_source(const kb_fhir *f, const char *id);
/* Override reasons offered on order-sign cards: i-th code and display. */
int kb_fhir_override_reasons(const kb_fhir *f);
void kb_fhir_override_reason(const kb_fhir *f, int i, const char **code, const char **display);

#endif
