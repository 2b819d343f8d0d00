/*
** wl_write.h: the worklist's outputs (CSV, XLSX, HTML report) and the file
** they go to.
**
** A file is written whole or not at all: the output goes to a temporary file
** beside the target (same directory, so the rename is atomic) and is renamed
** over it only when every write, the flush, fsync and close succeeded. A
** target that is not a regular file (a terminal, a pipe, /dev/full) is
** written directly: there is nothing to rename, and a failed write is still
** an error. Names and MRNs are hostile input: every writer quotes or escapes
** them for its format.
*/
#ifndef OSTEO_WL_WRITE_H
#define OSTEO_WL_WRITE_H

#include <stdbool.h>
#include <stdio.h>

#include "../util/outbuf.h"
#include "collect.h"

typedef struct {
  const char *path; /* the target, or "-" for standard output */
  char tmp[4096];   /* the temporary file, "" when writing the target directly */
  FILE *f;
} wl_out;

/* What the report says about the run (the worklist_run of the history). */
typedef struct {
  const char *as_of;      /* "" when each record's own */
  const char *kb_version;
} wl_meta;

/* Opens o->path for writing (see above). 0, or -1 with errno. */
int wl_out_open(wl_out *o, const char *path);
/* The name to write to: the temporary file, or the target. */
const char *wl_out_name(const wl_out *o);
/* Finishes: flush, fsync, close, rename. 0, or -1 with errno (the temporary
** file removed: the target is as it was). */
int wl_out_commit(wl_out *o);
/* Abandons the output: the temporary file removed. */
void wl_out_abort(wl_out *o);

/* The gaps of a row in words, most urgent first, joined by the
** knowledge base's separator; into buf (cut short at a whole gap). */
void wl_gap_words(const op_kb *kb, unsigned long gaps, char *buf, size_t cap);

/* The cells a thread makes once and refers to after (wl_csv.c); NULL when
** out of memory. One per thread while it lists (it is not locked); its
** cells must outlive the rows that point at them (wl_result_free). */
typedef struct wl_csv_cache wl_csv_cache;
wl_csv_cache *wl_csv_cache_new(const op_kb *kb);
void wl_csv_cache_free(wl_csv_cache *c);

/* One row as a CSV line (CRLF included), appended to b. */
void wl_csv_row(outbuf *b, const op_kb *kb, const worklist_row *w);
/* The same line as pieces (collect.h, wl_csv_pieces): the row's own cells
** appended to b (pc->text is left for the caller, who keeps them), the
** cells of c referred to where it has them, made in b where it has not. */
void wl_csv_row_pieces(outbuf *b, const op_kb *kb, wl_csv_cache *c, const worklist_row *w, wl_csv_pieces *pc);

/* Each writes the whole worklist; 0, or -1 (errno) when a write failed. */
int wl_write_csv(FILE *f, const op_kb *kb, const wl_result *r);
int wl_write_html(FILE *f, const op_kb *kb, const wl_result *r, const wl_meta *m);
/* XLSX to a file name (libxlsxwriter writes the file itself): 0, or -1
** with a message in err. */
int wl_write_xlsx(const char *filename, const op_kb *kb, const wl_result *r, char *err, size_t errsz);

/* The workbook at filename is a whole zip whose XML parts are all whole
** (wl_zipcheck.c: libxlsxwriter does not report every failed write). */
bool wl_xlsx_whole(const char *filename);

#endif
