/*
** wl_xlsx.c: the worklist as an Excel workbook (libxlsxwriter): the header
** row frozen, an autofilter over the table, column widths, the next due
** date as a real Excel date with a date format, the age as a number. Every
** call's lxw_error is checked; workbook_close's above all, since the file
** is written then.
*/
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <xlsxwriter.h>

#include "../kb/kb.h"
#include "../util/date.h"
#include "wl_write.h"

enum { C_ID, C_NAME, C_MRN, C_AGE, C_SEX, C_RISK, C_ACTION, C_AGENT, C_DUE, C_GAPS, C_REASON, N_COLS };

static const int head[N_COLS] = {OP_WL_PATIENT_ID, OP_WL_NAME, OP_WL_MRN, OP_WL_AGE, OP_WL_SEX, OP_WL_RISK, OP_WL_ACTION,
                                 OP_WL_FIRST_AGENT, OP_WL_NEXT_DUE, OP_WL_GAPS, OP_WL_REASON};
static const double width[N_COLS] = {38, 28, 14, 6, 8, 24, 24, 20, 12, 60, 80};

typedef struct {
  lxw_worksheet *ws;
  lxw_format *date, *text, *bold;
  lxw_error e; /* the first failure */
} sheet;

/* Text cells: written as strings always (an MRN of digits stays as typed;
** a name starting with = is never a formula: worksheet_write_string never
** makes one). */
static void put_str(sheet *s, lxw_row_t row, lxw_col_t col, const char *v, lxw_format *fmt) {
  if (s->e || !v || !*v) return;
  s->e = worksheet_write_string(s->ws, row, col, v, fmt);
}

static void put_row(sheet *s, const op_kb *kb, lxw_row_t row, const worklist_row *w) {
  char gaps[4096];
  wl_gap_words(kb, w->gaps, gaps, sizeof gaps);
  put_str(s, row, C_ID, w->patient_id, s->text);
  put_str(s, row, C_NAME, w->name, s->text);
  put_str(s, row, C_MRN, w->mrn, s->text);
  if (!s->e && w->age >= 0) s->e = worksheet_write_number(s->ws, row, C_AGE, w->age, NULL);
  put_str(s, row, C_SEX, wl_sex_words(kb, w->sex), NULL);
  put_str(s, row, C_RISK, wl_risk_words(kb, w->risk), NULL);
  put_str(s, row, C_ACTION, wl_action_words(kb, w->action), NULL);
  put_str(s, row, C_AGENT, wl_agent_words(kb, w->first_agent), NULL);
  op_date d;
  if (!s->e && w->next_due[0] && date_parse(w->next_due, strlen(w->next_due), &d)) {
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    lxw_datetime dt = {y, m, dd, 0, 0, 0};
    s->e = worksheet_write_datetime(s->ws, row, C_DUE, &dt, s->date);
  }
  put_str(s, row, C_GAPS, gaps, NULL);
  put_str(s, row, C_REASON, w->reason, NULL);
}

static lxw_error fill(lxw_workbook *wb, const op_kb *kb, const wl_result *r) {
  sheet s = {0};
  s.ws = workbook_add_worksheet(wb, "Worklist");
  s.date = workbook_add_format(wb);
  s.text = workbook_add_format(wb);
  s.bold = workbook_add_format(wb);
  if (!s.ws || !s.date || !s.text || !s.bold) return LXW_ERROR_MEMORY_MALLOC_FAILED;
  format_set_num_format(s.date, "yyyy-mm-dd");
  format_set_num_format(s.text, "@");
  format_set_bold(s.bold);
  for (int c = 0; c < N_COLS && !s.e; c++) {
    put_str(&s, 0, (lxw_col_t)c, kb->wltext[head[c]], s.bold);
    if (!s.e) s.e = worksheet_set_column(s.ws, (lxw_col_t)c, (lxw_col_t)c, width[c], NULL);
  }
  if (r->n >= LXW_ROW_MAX) return LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE; /* 1,048,576 rows */
  for (size_t i = 0; i < r->n && !s.e; i++) put_row(&s, kb, (lxw_row_t)(i + 1), &r->items[i]->row);
  worksheet_freeze_panes(s.ws, 1, 0); /* returns nothing: it only sets the sheet's view */
  if (!s.e) s.e = worksheet_autofilter(s.ws, 0, 0, (lxw_row_t)r->n, N_COLS - 1);
  return s.e;
}

int wl_write_xlsx(const char *filename, const op_kb *kb, const wl_result *r, char *err, size_t errsz) {
  lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
  lxw_workbook *wb = workbook_new_opt(filename, &opt);
  if (!wb) {
    snprintf(err, errsz, "cannot start the workbook (out of memory)");
    return -1;
  }
  lxw_error e = fill(wb, kb, r);
  lxw_error c = workbook_close(wb); /* writes the file: its result is the one that says the file is whole */
  if (e || c) {
    snprintf(err, errsz, "%s", lxw_strerror(e ? e : c));
    return -1;
  }
  struct stat sb;
  if (stat(filename, &sb) == 0 && S_ISREG(sb.st_mode) && !wl_xlsx_whole(filename)) {
    snprintf(err, errsz, "the workbook was cut short (disk full or file too large?)");
    return -1;
  }
  return 0;
}
