/*
** omop_csv.h: a strict CSV reader for OMOP CDM tables (RFC 4180).
**
** The first row names the columns; every row must have as many fields;
** quotes are allowed only around a whole field ("" inside is a quote);
** lines end in LF or CRLF, and the last one too: a file that stops inside
** a row or a quoted field was cut, and is an error naming the file and
** line, never a shorter table.
*/
#ifndef OSTEO_OMOP_CSV_H
#define OSTEO_OMOP_CSV_H

#include <stddef.h>

#include "util/arena.h"

typedef struct {
  const char *name;   /* the file, as named in messages */
  int ncol;
  const char **cols;  /* ncol column names */
  long nrows;
  const char **cells; /* nrows * ncol, NUL-terminated (arena) */
  long *line;         /* the line each row starts on */
} csv_table;

/* Reads the file at path into t (all memory from a). 0, or -1 with err
** "NAME:LINE: what" (or "NAME: why" when it cannot be read). */
int csv_load(arena *a, const char *path, const char *name, csv_table *t, char *err, size_t errsz);

/* The column named col, or -1. */
int csv_col(const csv_table *t, const char *col);

static inline const char *csv_cell(const csv_table *t, long row, int col) {
  return col < 0 ? "" : t->cells[row * t->ncol + col];
}

#endif
