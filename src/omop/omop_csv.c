/*
** omop_csv.c: the strict CSV reader (omop_csv.h).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omop/omop_csv.h"
#include "util/readall.h"

/* A CSV file of an OMOP table at most (the whole file is held). */
#define CSV_MAX_BYTES ((size_t)1 << 31)

typedef struct {
  const char *p, *end;
  long line;
  arena *a;
  const char **fields; /* the current row's fields */
  int n, cap;
  char *err;
  size_t errsz;
  const char *name;
} csv_reader;

static int fail(csv_reader *r, const char *what) {
  snprintf(r->err, r->errsz, "%s:%ld: %s", r->name, r->line, what);
  return -1;
}

static int push(csv_reader *r, const char *s, size_t n) {
  if (r->n == r->cap) {
    int nc = r->cap ? r->cap * 2 : 32;
    const char **f = arena_grow(r->a, r->fields, (size_t)r->cap * sizeof *f, (size_t)nc * sizeof *f);
    if (!f) return fail(r, "out of memory");
    r->fields = f;
    r->cap = nc;
  }
  char *c = arena_strndup(r->a, s, n);
  if (!c) return fail(r, "out of memory");
  r->fields[r->n++] = c;
  return 0;
}

/* A quoted field at r->p (on the opening quote); leaves r->p after the
** closing quote. */
static int quoted(csv_reader *r) {
  long start = r->line;
  size_t cap = 64, len = 0;
  char *buf = arena_alloc(r->a, cap);
  if (!buf) return fail(r, "out of memory");
  for (r->p++;; r->p++) {
    if (r->p >= r->end) {
      r->line = start;
      return fail(r, "the file ends inside a quoted field (cut?)");
    }
    char c = *r->p;
    if (c == '"') {
      if (r->p + 1 < r->end && r->p[1] == '"') r->p++;
      else break;
    }
    if (c == '\n') r->line++;
    if (len + 1 >= cap) {
      char *nb = arena_grow(r->a, buf, cap, cap * 2);
      if (!nb) return fail(r, "out of memory");
      buf = nb;
      cap *= 2;
    }
    buf[len++] = c;
  }
  r->p++;
  if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
    return fail(r, "text after a closing quote (a quote inside a field must be doubled and the field quoted)");
  buf[len] = 0;
  return push(r, buf, len) ? -1 : 0;
}

/* One row into r->fields; 1 at the end of the file, 0 a row, -1 an error. */
static int row(csv_reader *r) {
  r->n = 0;
  if (r->p >= r->end) return 1;
  for (;;) {
    if (*r->p == '"') {
      if (quoted(r)) return -1;
    } else {
      const char *s = r->p;
      while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
        if (*r->p == '"') return fail(r, "a quote inside an unquoted field");
        r->p++;
      }
      if (push(r, s, (size_t)(r->p - s))) return -1;
    }
    if (r->p >= r->end) return fail(r, "the last line has no line end (cut?)");
    if (*r->p == ',') {
      r->p++;
      continue;
    }
    if (*r->p == '\r') {
      if (r->p + 1 >= r->end || r->p[1] != '\n') return fail(r, "a carriage return not followed by a line feed");
      r->p++;
    }
    r->p++; /* the line feed */
    return 0;
  }
}

/* The header row into t->cols: names unique and not empty. */
static int header(csv_reader *r, csv_table *t) {
  int k = row(r);
  if (k) return k < 0 ? -1 : fail(r, "empty file: expected a header row naming the columns");
  t->ncol = r->n;
  t->cols = r->fields;
  for (int i = 0; i < r->n; i++) {
    if (!*r->fields[i]) return fail(r, "an empty column name in the header row");
    for (int j = 0; j < i; j++)
      if (!strcmp(r->fields[i], r->fields[j])) return fail(r, "a column named twice in the header row");
  }
  r->fields = NULL;
  r->n = r->cap = 0;
  return 0;
}

static int rows(csv_reader *r, csv_table *t) {
  long cap = 0;
  for (;;) {
    long at = r->line;
    int k = row(r);
    if (k > 0) return 0;
    if (k < 0) return -1;
    if (r->n != t->ncol) {
      r->line = at;
      char m[128];
      snprintf(m, sizeof m, "%d fields, the header names %d columns", r->n, t->ncol);
      return fail(r, m);
    }
    if (t->nrows == cap) {
      long nc = cap ? cap * 2 : 256;
      const char **c = arena_grow(r->a, t->cells, (size_t)(cap * t->ncol) * sizeof *c, (size_t)(nc * t->ncol) * sizeof *c);
      long *l = arena_grow(r->a, t->line, (size_t)cap * sizeof *l, (size_t)nc * sizeof *l);
      if (!c || !l) return fail(r, "out of memory");
      t->cells = c;
      t->line = l;
      cap = nc;
    }
    memcpy(t->cells + t->nrows * t->ncol, r->fields, (size_t)t->ncol * sizeof *r->fields);
    t->line[t->nrows++] = at;
    r->line++;
  }
}

int csv_load(arena *a, const char *path, const char *name, csv_table *t, char *err, size_t errsz) {
  memset(t, 0, sizeof *t);
  t->name = name;
  FILE *f = fopen(path, "rb");
  size_t len = 0;
  char *text = f ? read_all(f, CSV_MAX_BYTES, &len) : NULL;
  int saved = errno;
  if (f) fclose(f);
  if (!text) {
    snprintf(err, errsz, "%s: %s", name, strerror(saved));
    return -1;
  }
  csv_reader r = {text, text + len, 1, a, NULL, 0, 0, err, errsz, name};
  if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) r.p += 3; /* a byte order mark, as spreadsheets write */
  int rc = -1;
  if (memchr(text, 0, len)) fail(&r, "a NUL byte: not a text file");
  else if (!header(&r, t)) {
    r.line++;
    rc = rows(&r, t);
  }
  free(text);
  return rc;
}

int csv_col(const csv_table *t, const char *col) {
  for (int i = 0; i < t->ncol; i++)
    if (!strcmp(t->cols[i], col)) return i;
  return -1;
}
