/*
** collect.h: the worklist's rows, straight from patient records (NDJSON
** lines, the same input screen reads), in urgency order.
**
** Each record goes through the same reader and engine as screen and assess
** (record_read, engine_assess), on N threads. Only a patient who is listed
** (in scope, with a care gap) keeps anything: the row's codes, its dates
** and one line of words (the plan's rationale, worded alone: word_say), so
** the worklist costs little more than the screen. The rows are then sorted:
** the rank of the most urgent gap (kb [worklist] urgency), the next date
** due (none last), the patient id, the input line.
*/
#ifndef OSTEO_WL_COLLECT_H
#define OSTEO_WL_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "osteoplan.h"
#include "worklist.h"

typedef struct {
  const op_kb *kb;
  int threads;
  const char *as_of; /* overrides every record's as_of, or NULL */
  const char *today; /* for records without as_of */
  FILE *errors;      /* bad lines: "line N: what" (never a name or MRN: the reader's messages name fields) */
  int input_fd;      /* read this descriptor (owned) instead of path when use_fd */
  bool use_fd;
  bool csv_lines;    /* make each row's CSV line on the thread that lists it (the CSV output's work, in parallel) */
  bool csv_only;     /* with csv_lines: nothing but the CSV line is written (no history, no other format), so
                     ** a row keeps only its CSV line and its sort keys: name, MRN and reason live in the
                     ** line alone (less memory per row, no second copy of them) */
} wl_options;

/* The rates of the report: numerator and denominator, over the patients in
** scope (action not out_of_scope), made from codes of the plan only. */
enum { WL_RATE_FRACTURE_TREATED, WL_RATE_HIGH_RISK_TREATED, WL_RATE_IN_SCOPE_LISTED, WL_N_RATES };

typedef struct {
  uint64_t lines, records, bad, blank;
  uint64_t failed;       /* of bad: lost for lack of memory (an internal error) */
  uint64_t listed;       /* rows */
  uint64_t not_listed;   /* out of scope, or no care gap: counted, not listed */
  uint64_t by_gap[OP_MAX_CODES], by_risk[OP_MAX_CODES], by_action[OP_MAX_CODES]; /* over the listed rows */
  uint64_t rate_num[WL_N_RATES], rate_den[WL_N_RATES];
  double seconds;
} wl_stats;

/* A row's CSV line in five pieces, written one after the other: its own
** text cut in three (the cells from the id to the age; the next due date;
** the reason and CRLF) around two cells its thread made once for thousands
** of rows (sex, risk, action and first agent; the gaps), which the row only
** points at: a row keeps some 250 bytes instead of 400. A piece its thread
** could not share is in the text, and its pointer NULL. */
typedef struct {
  const char *text;         /* NULL: the line was not made (wl_options.csv_lines) */
  uint32_t cut1, cut2, len; /* text = [0, cut1) combo [cut1, cut2) gaps [cut2, len) */
  uint32_t combo_len, gaps_len;
  const char *combo, *gaps;
} wl_csv_pieces;

/* What every row keeps: the last keys of the order and its line. */
typedef struct {
  const char *id; /* the patient id (the row's own, or its copy beside the line), or NULL */
  uint64_t line;  /* the input line: the last key of the order */
  wl_csv_pieces csv;
} wl_line;

/* A row with its fields, for the outputs other than CSV and the history. */
typedef struct {
  wl_line l; /* first: a wl_line of a wl_item is the item */
  worklist_row row;
} wl_item;

typedef struct wl_store wl_store; /* the rows' text */

typedef struct {
  const wl_line **lines; /* urgency order (the rows stay where their threads put them) */
  const wl_item **items; /* the same rows with their fields, or NULL when o->csv_only kept only lines */
  size_t n;
  wl_stats st;
  wl_store *store;
  char read_error[200]; /* WL_READ_FAILED part way: the reader's words (lr_error), or "" */
} wl_result;

enum { WL_OK = 0, WL_READ_FAILED = -1, WL_NO_MEMORY = -2, WL_ERRORS_FAILED = -3 };

/* Reads every record of path ("-": standard input) or o->input_fd, and
** fills r (free it with wl_result_free whatever the result). WL_OK;
** WL_READ_FAILED (errno) when the input cannot be opened or read part way
** (the rows read before are kept); WL_NO_MEMORY; WL_ERRORS_FAILED when the
** bad-line reports could not be written (errno). */
int wl_collect(const wl_options *o, const char *path, wl_result *r);
void wl_result_free(wl_result *r);

/* The words of a code for the writers: the knowledge base's clinician text
** (risk, action, the agent's name, the gap), "" when there is none. */
const char *wl_risk_words(const op_kb *kb, int risk);
const char *wl_action_words(const op_kb *kb, int action);
const char *wl_agent_words(const op_kb *kb, int agent);
const char *wl_sex_words(const op_kb *kb, const char *sex);

#endif
