/*
** lines.h: reading NDJSON lines from a file or a pipe, gzip or not.
**
** zlib's gz* functions read gzip and plain input alike (plain input passes
** through), so compressed files, pipes and plain files need no option.
** Lines end at \n; a \r before it is dropped; a last line without \n still
** counts. A line longer than max_line is reported as too long and skipped to
** its end without being kept, so memory stays bounded whatever the input.
*/
#ifndef OSTEO_LINES_H
#define OSTEO_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

typedef struct {
  gzFile gz;
  int fd;
  char *buf;
  size_t cap, len, pos, max_line;
  bool eof, error;
  uint64_t line_no;
  long long size; /* bytes of a regular input file, or -1 */
} line_reader;

/* path "-" is standard input. Returns 0, or -1 with errno. */
int lr_open(line_reader *r, const char *path, size_t max_line);
/* The same over an open descriptor, which the reader then owns. */
int lr_open_fd(line_reader *r, int fd, size_t max_line);
/* 1: a line (valid until the next call), 0: end of input, -1: read error.
** *too_long: the line exceeded max_line (its text is not returned). */
int lr_next(line_reader *r, const char **line, size_t *len, bool *too_long);
/* Input bytes consumed so far (compressed bytes for gzip). */
long long lr_offset(line_reader *r);
void lr_close(line_reader *r);

#endif
