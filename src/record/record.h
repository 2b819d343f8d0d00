/*
** record.h: the patient record (spec/patient-record.md) as validated facts.
**
** record_read() is the only way in: it parses the JSON, checks every field
** (type, range, code, calendar, order of dates, unknown fields) and either
** fills an op_record or names the first faulty field by its JSON path.
** Everything is allocated in the caller's arena.
*/
#ifndef OSTEO_RECORD_H
#define OSTEO_RECORD_H

#include <stdbool.h>

#include "../kb/kb.h"
#include "../util/arena.h"
#include "../util/date.h"
#include "osteoplan.h"

typedef struct {
  int site;
  double t_score;
  double bmd; /* g/cm2; has_bmd */
  bool has_bmd;
  op_date date;
} op_bmd;

typedef struct {
  double mof, hip;
  bool has_mof, has_hip, present, has_date;
  op_date date;
} op_frax;

typedef struct {
  int site, mechanism;
  op_date date;
  bool year_only;
} op_fracture;

typedef struct {
  int agent;
  op_date start, end, last_dose; /* end: OP_NO_DATE when ongoing */
  bool has_end, has_last_dose, has_doses, has_stop_reason;
  int doses, stop_reason;
  bool adherence_poor; /* adherence "poor" (2026.12); absent or "good": false */
} op_therapy;

typedef struct {
  int cls;
  double dose;
  bool has_dose, has_start, has_end;
  op_date start, end;
  const char *name;
} op_medication;

typedef struct {
  int code;
  bool has_date;
  op_date date;
} op_condition;

typedef struct {
  double value;
  op_date date;
} op_marker;

/* One of the patient's identifiers (patient-record "identifiers"): the
** issuing system (a URI), the value, and its kind when given (HL7 v2 table
** 0203: "MR" is the medical record number), else NULL. */
typedef struct {
  const char *system, *value, *type;
} op_identifier;

/* Bounds of the identity fields (format limits, not clinical numbers):
** a display name, a URI and an identifier fit well within them, and a
** record cannot grow a screen row or a worklist cell without end. In
** characters (UTF-8 code points). */
#define OP_NAME_MAX_CHARS 200
#define OP_IDENTIFIERS_MAX 20
#define OP_ID_SYSTEM_MAX_CHARS 256
#define OP_ID_VALUE_MAX_CHARS 128
#define OP_ID_TYPE_MAX_CHARS 32

typedef struct {
  const char *id;
  /* Who the patient is: shown to people (plans, screen rows, worklists),
  ** never written to a log or an error message. name: the display name or
  ** NULL; mrn: the value of the first identifier of type "MR", or NULL. */
  const char *name;
  const char *mrn;
  op_identifier *identifiers;
  int n_identifiers;
  op_date as_of;
  int sex;
  bool has_birth_date;
  op_date birth_date;
  int age; /* whole years at as_of */
  int menopause; /* -1: not recorded */
  bool has_weight, has_height;
  double weight_kg, height_cm;
  op_bmd *bmd;
  int n_bmd;
  op_frax frax;
  op_fracture *fractures;
  int n_fractures;
  bool has_falls;
  int falls_past_year;
  op_therapy *therapies;
  int n_therapies;
  op_medication *meds;
  int n_meds;
  op_condition *conditions;
  int n_conditions;
  bool has_egfr, has_crcl, has_calcium, has_vitd;
  double egfr, crcl, calcium, vitd;
  /* the date of each lab value: OP_NO_DATE when given as a plain number
  ** (taken as current, patient-record.md 2026.12) */
  op_date egfr_date, crcl_date, calcium_date, vitd_date;
  op_marker *p1np, *ctx;
  int n_p1np, n_ctx;
  int smoker; /* -1 unknown, 0, 1 */
  bool has_alcohol;
  double alcohol_units;
} op_record;

/* as_of_override / today: "YYYY-MM-DD" or NULL (see op_options).
** On failure err is zeroed, then filled (status, path, message). On OP_OK
** err->status is OP_OK and its path and message are empty strings; the
** bytes after those strings' NULs are not written. */
op_status record_read(arena *a, const op_kb *kb, const char *json, size_t len,
                      const char *as_of_override, const char *today,
                      op_record *out, op_error *err);

/* record_read's two readers, for the tests that compare them. The strict
** one (record.c) gives every text its answer: the record or the error.
** The one-pass one (record_fast.c) fills the same record or gives up
** (false, *out to be discarded) on anything it did not fully check;
** record_read tries it first and reads again strictly when it gives up. */
op_status record_read_strict(arena *a, const op_kb *kb, const char *json, size_t len,
                             const char *as_of_override, const char *today,
                             op_record *out, op_error *err);
bool record_read_fast(arena *a, const op_kb *kb, const char *json, size_t len,
                      const char *as_of_override, const char *today, op_record *out);
/* The fast reader's date: date_parse(text, 10, out) without its calls. */
bool record_fast_date10(const char *text, op_date *out);

#endif
