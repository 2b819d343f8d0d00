/*
** osteoplan.h: the public API of the osteoplan engine.
**
** One patient record (JSON) in, one traceable treatment plan out:
**
**   op_kb *kb = op_kb_load_default(&err);          // once, shared by threads
**   op_assessment *as;
**   if (op_assess_json(kb, json, len, &opts, &as, &err) == OP_OK) {
**     fputs(op_render(as, OP_FORMAT_JSON, OP_AUDIENCE_CLINICIAN, 0), stdout);
**     op_assessment_free(as);                       // frees everything at once
**   }
**   op_kb_free(kb);
**
** The knowledge base is immutable after loading and may be shared by any
** number of threads. Each assessment owns one arena: the record, the plan
** and every rendering live in it and go with op_assessment_free(). Nothing in
** the library keeps global mutable state, reads the clock or does I/O
** (except op_kb_load_dir, which reads the directory it is given).
*/
#ifndef OSTEOPLAN_H
#define OSTEOPLAN_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OP_SCHEMA "osteoplan.plan/1"

typedef enum {
  OP_OK = 0,
  OP_ERR_INTERNAL = 1, /* out of memory, a broken knowledge base */
  OP_ERR_INPUT = 2,    /* the record is not valid: see op_error.path */
  OP_NO_PLAN = 3       /* FHIR input of a deceased patient: no plan (message says why) */
} op_status;

typedef struct {
  op_status status;
  char path[256];     /* JSON path of the faulty field ("therapies[1].end"), or "" */
  char message[768];  /* what was expected, what was found */
} op_error;

typedef struct op_kb op_kb;
typedef struct op_assessment op_assessment;

/* OP_FORMAT_HTML is a self-contained page; OP_FORMAT_HTML_FRAGMENT is the
** same content as one <article> to place inside a page (no head, no style).
** OP_FORMAT_FHIR is a FHIR R4 Bundle (CarePlan, MedicationRequests,
** ServiceRequests, DetectedIssues, Provenance), in the clinician's words. */
typedef enum { OP_FORMAT_JSON, OP_FORMAT_TEXT, OP_FORMAT_MARKDOWN, OP_FORMAT_HTML, OP_FORMAT_HTML_FRAGMENT, OP_FORMAT_FHIR } op_format;
typedef enum { OP_AUDIENCE_CLINICIAN, OP_AUDIENCE_PATIENT } op_audience;

typedef struct {
  /* "YYYY-MM-DD" the plan is for. When set it overrides the record's
  ** as_of; when NULL the record's as_of is used, else `today`. */
  const char *as_of;
  /* Today's date, supplied by the caller (the engine reads no clock). */
  const char *today;
  /* What the input held that the plan could not use (FHIR resources
  ** skipped, units not converted): copied into the plan's input_notes. */
  const char *const *input_notes;
  int n_input_notes;
  /* A search of the input was not read whole (more pages, or an error in
  ** its place): the plan says so (incomplete_input) at the top. */
  bool incomplete_input;
} op_options;

op_kb *op_kb_load_default(op_error *err);
op_kb *op_kb_load_dir(const char *dir, op_error *err);
/* A knowledge base with one of its profiles: dir NULL is the built-in one
** (its common/ and every profile are compiled in), else a directory holding
** common/ and profiles/NAME/; profile NULL is the default. An unknown
** profile is refused with a message naming the profiles there are. The two
** above load the default profile. */
op_kb *op_kb_load_profile(const char *dir, const char *profile, op_error *err);
void op_kb_free(op_kb *kb);
/* Version, review status and last-updated date of a knowledge base. */
const char *op_kb_version(const op_kb *kb);
const char *op_kb_status(const op_kb *kb);
const char *op_kb_updated(const op_kb *kb);

/* Validates the record and builds its plan. On OP_ERR_INPUT nothing is
** returned but the error, which names the field. */
op_status op_assess_json(const op_kb *kb, const char *json, size_t len,
                         const op_options *opts, op_assessment **out,
                         op_error *err);

/* The same from FHIR R4 JSON: a Bundle, a CDS Hooks prefetch object or a
** single resource, holding one patient's Patient and the Observations,
** Conditions, MedicationRequests and MedicationStatements osteoplan maps
** (kb/fhir.ini). What was skipped and why is in the plan's input_notes. */
op_status op_assess_fhir(const op_kb *kb, const char *json, size_t len,
                         const op_options *opts, op_assessment **out,
                         op_error *err);

/* Only the mapping: the patient record osteoplan reads from FHIR input, as
** JSON (malloc'ed; free it), with the input notes under "extensions". */
op_status op_fhir_to_record(const op_kb *kb, const char *json, size_t len, const op_options *opts,
                            char **record, size_t *record_len, op_error *err);

/* Renders the plan; the text lives in the assessment. color adds ANSI
** colours to the text format (for terminals). NULL only when out of memory. */
const char *op_render(op_assessment *as, op_format fmt, op_audience aud,
                      bool color, size_t *len);

void op_assessment_free(op_assessment *as);

/* ---- codes only: screening --------------------------------------------
** A record's plan as codes, without any wording: what population screening
** reports for each patient. Same reader and same decisions as
** op_assess_json, so the codes always agree with the plan it renders.
**
**   op_workspace *ws = op_workspace_new();        // one per thread
**   op_codes c;
**   if (op_assess_codes(kb, ws, json, len, &opts, &c, &err) == OP_OK)
**     ... c.risk, c.action, c.gaps ...             // valid until the next call
**   op_workspace_free(ws);
**
** A code is an index into one of the knowledge base's code lists; its name
** is op_code_name(kb, kind, code), the names the JSON plan uses. */
typedef enum { OP_CODE_RISK, OP_CODE_ACTION, OP_CODE_AGENT, OP_CODE_ALERT, OP_CODE_FINDING, OP_CODE_GAP } op_code_kind;

/* Every code list holds at most this many codes (checked when the library
** is built), so a caller may size arrays indexed by a code with it. */
#define OP_MAX_CODES 64

typedef struct {
  const char *patient_id;   /* the record's id, or NULL */
  int risk;                 /* OP_CODE_RISK */
  int action;               /* OP_CODE_ACTION */
  int first_agent;          /* OP_CODE_AGENT: the first option of the first phase, or -1 */
  const bool *alerts;       /* alerts[i]: alert i is raised (op_code_count(kb, OP_CODE_ALERT) entries) */
  const bool *findings;     /* findings[i]: finding i is present (OP_CODE_FINDING) */
  unsigned long gaps;       /* bit g: care gap g is met (OP_CODE_GAP) */
  /* Who the patient is (the record's name, and its identifier of type MR),
  ** or NULL: shown to people, never to be written to a log. */
  const char *name;
  const char *mrn;
} op_codes;

/* Memory reused by op_assess_codes from one record to the next (no
** allocation per record once warm). One per thread. NULL: out of memory. */
typedef struct op_workspace op_workspace;
op_workspace *op_workspace_new(void);
void op_workspace_free(op_workspace *ws);

/* Reads the record and decides its plan, in codes only, into out (which
** lives in ws until the next call). OP_ERR_INPUT: the record is not valid,
** err names the field; OP_ERR_INTERNAL: out of memory. */
op_status op_assess_codes(const op_kb *kb, op_workspace *ws, const char *json, size_t len, const op_options *opts,
                          op_codes *out, op_error *err);

/* Only checks that json is one well-formed JSON value (err->message says
** where not): the floor a screening benchmark measures (screen --parse-only). */
op_status op_check_json(op_workspace *ws, const char *json, size_t len, op_error *err);

/* How many codes a list holds, and the name of code i (NULL when out of range). */
int op_code_count(const op_kb *kb, op_code_kind kind);
const char *op_code_name(const op_kb *kb, op_code_kind kind, int i);

#ifdef __cplusplus
}
#endif

#endif
