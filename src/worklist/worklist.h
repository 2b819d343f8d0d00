/*
** worklist.h: one row per patient who needs something, for a
** fracture-liaison nurse (osteoplan worklist), and the run it belongs to.
**
** The row is what the CSV, XLSX and HTML outputs show and what the run
** history (history.h) keeps. Codes are the knowledge base's (osteoplan.h:
** op_code_name); the words are made from them by the writers, so a row
** never holds text that the knowledge base did not give.
*/
#ifndef OSTEO_WORKLIST_H
#define OSTEO_WORKLIST_H

#include <stdbool.h>

#include "osteoplan.h"

typedef struct {
  const char *patient_id; /* the record's id, or NULL */
  const char *name;       /* the patient's name, or NULL: never logged */
  const char *mrn;        /* the medical record number (identifier of type MR), or NULL: never logged */
  int age;                /* whole years on as_of, or -1 when unknown */
  const char *sex;        /* "female", "male", or NULL */
  int risk, action;       /* OP_CODE_RISK, OP_CODE_ACTION */
  int first_agent;        /* OP_CODE_AGENT, or -1 */
  unsigned long gaps;     /* bit g: care gap g (OP_CODE_GAP) */
  int urgency;            /* rank of the most urgent gap (kb gaps.ini order): smaller is more urgent */
  char next_due[11];      /* YYYY-MM-DD of the earliest thing due, or "" */
  const char *reason;     /* one line in words: why this patient is on the list */
} worklist_row;

/* One run of the worklist: what the history keeps about it. */
typedef struct {
  const char *run_at;     /* when it ran, ISO 8601 UTC (the caller's clock) */
  const char *as_of;      /* the date the plans are for */
  const char *kb_version; /* op_kb_version */
  const char *input;      /* the input named on the command line */
  long records, listed, not_listed, bad; /* not_listed: out of scope, or no care gap */
} worklist_run;

#endif
