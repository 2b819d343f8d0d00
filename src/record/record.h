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

typedef struct {
  const char *id;
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

/* as_of_override / today: "YYYY-MM-DD" or NULL (see op_options). */
op_status record_read(arena *a, const op_kb *kb, const char *json, size_t len,
                      const char *as_of_override, const char *today,
                      op_record *out, op_error *err);

#endif
