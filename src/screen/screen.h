/*
** screen.h: population screening. NDJSON patient records in, one summary
** line per patient out (in input order), bad lines reported and skipped, a
** summary at the end.
**
** Each record goes through the same reader and engine as `assess`, by the
** public API's codes-only entry (op_assess_codes: no words), so screen and
** assess can never disagree; render/screen_lines.c writes the lines. Work is split
** into batches of lines: the calling thread reads them, writes the finished
** ones in order and assesses when it has nothing else to do, with N - 1 more
** threads assessing. A fixed number of batches is in flight, so memory does
** not grow with the input.
*/
#ifndef OSTEO_SCREEN_H
#define OSTEO_SCREEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "osteoplan.h"

typedef enum { SCREEN_NDJSON, SCREEN_CSV } screen_format;

typedef struct {
  const op_kb *kb;
  int threads;            /* workers; 1 runs everything on the caller's thread */
  screen_format format;
  bool gaps_only;         /* write only patients with a care gap */
  bool parse_only;        /* benchmark floor: parse each line, nothing else */
  const char *as_of;      /* overrides every record's as_of, or NULL */
  const char *today;      /* for records without as_of */
  FILE *out, *errors;
  FILE *progress;         /* a terminal for the progress line, or NULL */
  int input_fd;           /* read this descriptor (owned) instead of path when use_fd */
  bool use_fd;
  /* Tests only: grows the output buffers instead of realloc when set, so a
  ** test can make the Nth allocation fail (NULL: realloc). */
  void *(*grow)(void *ctx, void *p, size_t n);
  void *grow_ctx;
} screen_options;

/* records + bad = lines - blank. A record is counted in written only once
** its whole line has reached the output stream (flushed after each batch),
** so the summary never claims more than was written. */
typedef struct {
  uint64_t lines, records, bad, blank, written;
  uint64_t failed;     /* of bad: not written for lack of memory (an internal error) */
  uint64_t unreported; /* bad-line reports lost for lack of memory */
  uint64_t by_risk[OP_MAX_CODES], by_action[OP_MAX_CODES], by_gap[OP_MAX_CODES]; /* by code (osteoplan.h) */
  double seconds;
  int write_errno;        /* SCREEN_WRITE_FAILED: the error */
  const char *write_what; /* SCREEN_WRITE_FAILED: "the results" or "the errors" */
} screen_stats;

enum { SCREEN_OK = 0, SCREEN_READ_FAILED = -1, SCREEN_WRITE_FAILED = -2 };

/* Screens the input at path ("-": standard input). Returns SCREEN_OK;
** SCREEN_READ_FAILED when the input cannot be opened or read (errno set);
** SCREEN_WRITE_FAILED when the results or the errors could not be written
** (st->write_what, st->write_errno): reading stops at the first failed
** write. Control characters of record text never reach either stream. */
int screen_run(const screen_options *o, const char *path, screen_stats *st);

/* The summary for standard error. Returns 0, or -1 when it could not be
** written whole (errno set). */
int screen_print_summary(const screen_options *o, const screen_stats *st, FILE *f);

#endif
