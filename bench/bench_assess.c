/*
** bench_assess: time per assessment, in-process, on a set of records.
**
**   bench_assess [--iterations N] FILE...
**
** Each FILE is a patient record or a vignette ({"patient": ...}). Reports,
** per record on average, in one run:
**   floor     strict JSON parse only (our one-pass reader), the floor
**   assess    read + validate + engine (parsing included): the quality bar
**   +json     the same plus rendering the JSON plan
**   +text     the same plus rendering the clinician text
** Timing uses CLOCK_MONOTONIC around the whole loop; run on an idle machine.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "osteoplan.h"
#include "util/arena.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = 0;
    *len = (size_t)n;
  }
  return buf;
}

/* A vignette file holds the record under "patient": cut that object out. */
static char *record_of(char *text, size_t *len) {
  char *p = strstr(text, "\"patient\"");
  if (!p) return text;
  p = strchr(p, '{');
  int depth = 0;
  bool in_str = false;
  for (char *q = p; *q; q++) {
    if (in_str) {
      if (*q == '\\') q++;
      else if (*q == '"') in_str = false;
    } else if (*q == '"') in_str = true;
    else if (*q == '{') depth++;
    else if (*q == '}' && --depth == 0) {
      *len = (size_t)(q - p + 1);
      return p;
    }
  }
  return text;
}

int main(int argc, char **argv) {
  long iters = 20000;
  int first = 1;
  if (argc > 2 && !strcmp(argv[1], "--iterations")) {
    iters = atol(argv[2]);
    first = 3;
  }
  int n = argc - first;
  if (n <= 0) {
    fprintf(stderr, "usage: bench_assess [--iterations N] FILE...\n");
    return 2;
  }
  const char **rec = calloc((size_t)n, sizeof *rec);
  size_t *len = calloc((size_t)n, sizeof *len);
  size_t bytes = 0;
  for (int i = 0; i < n; i++) {
    size_t l;
    char *t = slurp(argv[first + i], &l);
    if (!t) {
      perror(argv[first + i]);
      return 1;
    }
    rec[i] = record_of(t, &l);
    len[i] = l;
    bytes += l;
  }
  op_error err;
  op_kb *kb = op_kb_load_default(&err);
  if (!kb) {
    fprintf(stderr, "kb: %s\n", err.message);
    return 1;
  }
  op_options opts = {.as_of = NULL, .today = "2026-11-01"};
  /* warm-up and validity check */
  for (int i = 0; i < n; i++) {
    op_assessment *as;
    if (op_assess_json(kb, rec[i], len[i], &opts, &as, &err) != OP_OK) {
      fprintf(stderr, "%s: %s\n", argv[first + i], err.message);
      return 1;
    }
    op_assessment_free(as);
  }
  long total = iters * n;
  volatile size_t sink = 0;

  arena *a = arena_create(1 << 16);
  double t0 = now();
  for (long k = 0; k < iters; k++)
    for (int i = 0; i < n; i++) {
      json_doc d;
      char msg[128];
      json_parse(a, rec[i], len[i], &d, msg, sizeof msg);
      sink += (size_t)d.ntok;
      arena_reset(a);
    }
  double t_floor = (now() - t0) / (double)total;
  arena_destroy(a);

  double t[3];
  for (int mode = 0; mode < 3; mode++) {
    t0 = now();
    for (long k = 0; k < iters; k++)
      for (int i = 0; i < n; i++) {
        op_assessment *as;
        op_assess_json(kb, rec[i], len[i], &opts, &as, &err);
        size_t out = 0;
        if (mode == 1) op_render(as, OP_FORMAT_JSON, OP_AUDIENCE_CLINICIAN, false, &out);
        if (mode == 2) op_render(as, OP_FORMAT_TEXT, OP_AUDIENCE_CLINICIAN, false, &out);
        sink += out;
        op_assessment_free(as);
      }
    t[mode] = (now() - t0) / (double)total;
  }
  printf("records: %d (mean %.0f bytes), iterations: %ld\n", n, (double)bytes / n, iters);
  printf("floor   (strict parse only)          %8.2f us/record  %10.0f records/s\n", t_floor * 1e6, 1 / t_floor);
  printf("assess  (parse+validate+engine)      %8.2f us/record  %10.0f records/s  %.1fx the floor\n", t[0] * 1e6,
         1 / t[0], t[0] / t_floor);
  printf("+json   (and the JSON plan)          %8.2f us/record  %10.0f records/s\n", t[1] * 1e6, 1 / t[1]);
  printf("+text   (and the clinician text)     %8.2f us/record  %10.0f records/s\n", t[2] * 1e6, 1 / t[2]);
  printf("bar: one assessment, parsing included, under 50 us: %s\n", t[0] * 1e6 < 50 ? "met" : "NOT met");
  op_kb_free(kb);
  free(rec);
  free(len);
  return sink == 0xFFFFFFFF;
}
