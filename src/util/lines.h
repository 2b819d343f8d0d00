/*
** lines.h: reading NDJSON lines from a file or a pipe, gzip or not.
**
** Input that starts with the gzip magic bytes is decompressed; anything else
** passes through, so compressed files, pipes and plain files need no option.
** Lines end at \n; a \r before it is dropped; a last line without \n still
** counts. A line longer than max_line is reported as too long and skipped to
** its end without being kept, so memory stays bounded whatever the input.
**
** gzip is read strictly, because a cut file must never look like a short
** one: every member must end with its trailer (CRC-32 and length checked),
** input that ends inside a member, bytes after a member that do not start
** another one, a broken header or a bad checksum are errors (lr_next -1,
** errno EBADMSG, lr_error says what and where). Several members one after
** the other (concatenated .gz files) are one stream, as gzip defines. A
** file whose name ends in .gz must be gzip.
*/
#ifndef OSTEO_LINES_H
#define OSTEO_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

typedef struct {
  int fd;
  bool gzip;        /* decompressing */
  bool want_gzip;   /* the name says .gz: plain input is an error */
  bool started;     /* the first bytes were looked at */
  bool zinit;       /* zs is initialised */
  bool member_start; /* at the start of a gzip member (or past the last) */
  bool raw_eof;     /* the descriptor has no more bytes */
  z_stream zs;
  unsigned char *in; /* raw input read ahead */
  size_t in_cap;
  char *buf;
  size_t cap, len, pos, max_line;
  bool eof, error;
  int err;            /* errno of the error */
  uint64_t line_no;
  long long size;     /* bytes of a regular input file, or -1 */
  long long raw_read; /* bytes read from the descriptor */
  char msg[200];      /* what went wrong, when error */
} line_reader;

/* path "-" is standard input. Returns 0, or -1 with errno. */
int lr_open(line_reader *r, const char *path, size_t max_line);
/* The same over an open descriptor, which the reader then owns. */
int lr_open_fd(line_reader *r, int fd, size_t max_line);
/* 1: a line (valid until the next call), 0: end of input, -1: read error
** (errno; EBADMSG for a truncated or corrupt gzip stream, see lr_error).
** *too_long: the line exceeded max_line (its text is not returned). */
int lr_next(line_reader *r, const char **line, size_t *len, bool *too_long);
/* Input bytes consumed so far (compressed bytes for gzip). */
long long lr_offset(line_reader *r);
/* After an error: what went wrong and how far the input was read, e.g.
** "truncated gzip: the input ends inside a compressed member (4096 of 4096
** bytes read, 17 lines)". Empty when there was no error. */
const char *lr_error(const line_reader *r);
void lr_close(line_reader *r);

#endif
