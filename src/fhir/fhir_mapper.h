/*
** fhir_mapper.h: the FHIR mapper's working state, shared by its files (not
** an interface): fhir_map.c reads the Patient, Observations and Conditions
** and runs the steps, fhir_map_drugs.c reads the drug orders and
** statements, fhir_map_write.c combines the facts and writes the record.
*/
#ifndef OSTEO_FHIR_MAPPER_H
#define OSTEO_FHIR_MAPPER_H

#include <stdbool.h>

#include "fhir/fhir_map.h"
#include "json/json_write.h"
#include "kb/kb_fhir.h"
#include "util/date.h"

/* ---- the facts ---------------------------------------------------------- */

typedef struct {
  const char *ref;   /* "Observation/abc" for the notes */
  bool dropped;
} prov;

typedef struct {
  int site;
  double t, bmd;
  bool has_t, has_bmd;
  op_date date;
  prov p;
} f_bmd;

typedef struct {
  int site; /* fx site or FX_UNSPECIFIED */
  op_date date;
  bool year_only;
  prov p;
} f_fx;

typedef struct {
  int code;
  op_date date;
  bool has_date;
  prov p;
} f_cond;

/* One drug order or statement. */
typedef struct {
  bool is_agent;      /* agent (therapies) or class (medications) */
  int code;
  const char *ingredient;
  op_date start, end;
  bool current, has_end;
  double dose; /* prednisone mg/day, glucocorticoids only; 0 = unknown */
  bool from_request;
  prov p;
} f_drug;

typedef struct {
  double v;
  op_date date;
  bool has;
  prov p;
} f_value;

/* One Patient.identifier (fhir_map_identity.c); type: its HL7 v2-0203 code
** ("MR") or NULL. */
typedef struct {
  const char *system, *value, *type;
  prov p;
} f_ident;

#define MAX_NOTES 24
#define MAX_EXAMPLES 3

typedef struct {
  const char *what; /* "Condition" */
  int read, used;
  /* skipped, by reason */
  const char *reason[8];
  int count[8];
  const char *example[8][MAX_EXAMPLES];
  int nex[8];
  int nreason;
} tally;

typedef struct {
  arena *a;
  const kb_fhir *f;
  const char *const *agent_code; /* the knowledge base's agents */
  op_date as_of;
  /* patient */
  const char *id;
  int sex; /* -1 unknown */
  const char *gender;
  op_date birth;
  bool has_birth, deceased;
  char deceased_how[64];
  int n_patients;
  /* the Patient resources read, merged: raw values to compare copies */
  const char *birth_raw, *dead_when;
  int dead_bool; /* -1 not said, 0, 1 */
  char conflict[256];
  const char *urls[4]; /* their entries' fullUrls */
  /* who the patient is (fhir_map_identity.c): from the first copy of the
  ** Patient that gives them; never written to a note */
  bool name_read, ident_read;
  const char *name;
  prov name_p;
  f_ident *ident;
  int n_ident;
  int n_urls;
  bool single; /* the input holds this patient only */
  const fhir_refs *refs;
  /* facts */
  f_bmd *bmd;
  int n_bmd, cap_bmd;
  f_fx *fx;
  int n_fx, cap_fx;
  f_cond *cond;
  int n_cond, cap_cond;
  f_drug *drug;
  int n_drug, cap_drug;
  f_value frax[2], lab[3];
  bool mechanism_note;
  const char *name_matched[MAX_EXAMPLES];
  int n_name_matched;
  int no_dose_gc;
  tally t[6];
  int nt;
  const char *notes[MAX_NOTES + 8];
  int n_notes;
} mapper;

#define PUSH(m, arr, n, cap)                                                                \
  (((m)->n == (m)->cap)                                                                     \
       ? ((m)->arr = arena_grow((m)->a, (m)->arr, sizeof *(m)->arr * (size_t)(m)->cap,      \
                                sizeof *(m)->arr * (size_t)((m)->cap ? (m)->cap * 2 : 16)), \
          (m)->cap = (m)->cap ? (m)->cap * 2 : 16, (m)->arr)                                \
       : (m)->arr)

/* Shared by the mapper's files (fm_: the mapper's own). */
/* Orders of one drug, each authored within renewal_gap_months of the
** previous one, are one course (ehr.md): it starts at the first order, is
** current while any order is active or on hold, else ends where the last
** order ends. Statements keep their own period. */
typedef struct {
  f_drug d;
  int first, last; /* indexes into m->drug */
} course;

/* Which fact each array element / field of the written record came from,
** so that a field the reader rejects can be dropped. */
typedef struct {
  const char *path; /* "bmd", "labs.egfr_ml_min" */
  int index;        /* array index, -1 for fields */
  prov *p;
} slot;

void fm_skip(mapper *m, tally *t, const char *reason, const char *example);
const char *fm_cat3(arena *a, const char *x, const char *y, const char *z);
const char *fm_ref_of(mapper *m, const json_doc *d, int r, const char *type);
const fhir_row *fm_match_concept(mapper *m, const json_doc *d, int cc, bool names, bool *by_name, char *unknown,
                                 size_t unk_sz);
bool fm_fj_date(const json_doc *d, int tok, op_date *out, bool *year_only);
int fm_fj_path(const json_doc *d, int tok, const char *k1, const char *k2);
void fm_read_medication(mapper *m, const json_doc *d, int r, tally *t, bool request);
void fm_read_procedure(mapper *m, const json_doc *d, int r, tally *t);
/* One condition entry per code, at its earliest date. */
void fm_add_condition(mapper *m, int code, op_date date, bool has_date, const char *ref);
const fhir_row *fm_drug_row(mapper *m, const json_doc *d, int r, bool *by_name, char *unk, size_t unk_sz,
                            const char **why, const char **what);
int fm_build_courses(mapper *m, course *out);
void fm_merge_fractures(mapper *m);
const char *fm_write_record(mapper *m, course *cs, int ncs, slot *slots, int *nslots, size_t *len);
prov *fm_culprit(const char *path, slot *slots, int n);
/* fhir_map_identity.c: Patient.name and Patient.identifier of resource r
** (the patient's), and the record's "name" and "identifiers" from them. */
void fm_read_identity(mapper *m, const json_doc *d, int r);
void fm_put_identity(jwriter *w, mapper *m, slot *slots, int *ns);
void fm_tally_notes(mapper *m);
/* Adds a note to the plan's input_notes (at most MAX_NOTES + 8; the rest
** are tallied by their callers). */
void fm_note(mapper *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
