/*
** screen_lines.h: the lines `screen` writes, one per patient, NDJSON or CSV
** (README "Screening a population"): patient id, risk, action, first agent,
** alerts, findings and care gaps, as codes, and who the patient is (name,
** MRN) when the record says. Record text (the id, the name, the MRN) never
** brings a control character or, in CSV, a formula.
*/
#ifndef OSTEO_SCREEN_LINES_H
#define OSTEO_SCREEN_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "../kb/kb.h"
#include "../util/outbuf.h"
#include "osteoplan.h"

/* The CSV header line (CRLF), and its length. */
extern const char screen_csv_header[];
extern const size_t screen_csv_header_len;

/* Appends the patient's line (with its line end) to b; b->oom when it did
** not fit (the caller cuts back with ob_commit). */
void screen_line(outbuf *b, const op_kb *kb, bool csv, const op_codes *c);

#endif
