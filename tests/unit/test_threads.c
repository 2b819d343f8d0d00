/*
** test_threads.c: the engine is reentrant. Several threads share one
** knowledge base and assess the same records at once; every plan must be
** byte-identical to the one a single thread made.
*/
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "osteoplan.h"

#define MAX_RECORDS 64
#define THREADS 4
#define ROUNDS 50

static op_kb *kb;
static int n_records;
static char *records[MAX_RECORDS];
static char *expected[MAX_RECORDS][2];

static char *render(const char *rec, op_format fmt) {
  op_assessment *as;
  op_error err;
  op_options opts = {.as_of = NULL, .today = "2026-11-01"};
  if (op_assess_json(kb, rec, strlen(rec), &opts, &as, &err) != OP_OK) return NULL;
  char *out = strdup(op_render(as, fmt, fmt == OP_FORMAT_TEXT ? OP_AUDIENCE_PATIENT : OP_AUDIENCE_CLINICIAN, false, NULL));
  op_assessment_free(as);
  return out;
}

static void *worker(void *arg) {
  long *mismatches = arg;
  for (int r = 0; r < ROUNDS; r++)
    for (int i = 0; i < n_records; i++)
      for (int f = 0; f < 2; f++) {
        char *got = render(records[i], f ? OP_FORMAT_TEXT : OP_FORMAT_JSON);
        if (!got || strcmp(got, expected[i][f])) (*mismatches)++;
        free(got);
      }
  return NULL;
}

static int setup(void **state) {
  (void)state;
  op_error err;
  kb = op_kb_load_default(&err);
  if (!kb) return -1;
  /* the record of each vignette: the object under "patient", cut out by
  ** counting braces (the vignettes hold no braces inside strings) */
  DIR *d = opendir(OSTEOPLAN_VIGNETTES);
  if (!d) return -1;
  struct dirent *e;
  while ((e = readdir(d)) && n_records < MAX_RECORDS) {
    if (!strstr(e->d_name, ".json")) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", OSTEOPLAN_VIGNETTES, e->d_name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strstr(buf, "\"patient\"");
    if (!p) continue;
    p = strchr(p, '{');
    int depth = 0;
    char *q = p;
    for (; *q; q++) {
      if (*q == '{') depth++;
      if (*q == '}' && --depth == 0) break;
    }
    records[n_records] = strndup(p, (size_t)(q - p + 1));
    expected[n_records][0] = render(records[n_records], OP_FORMAT_JSON);
    expected[n_records][1] = render(records[n_records], OP_FORMAT_TEXT);
    if (expected[n_records][0] && expected[n_records][1]) n_records++;
  }
  closedir(d);
  return n_records >= 20 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  for (int i = 0; i < n_records; i++) {
    free(records[i]);
    free(expected[i][0]);
    free(expected[i][1]);
  }
  op_kb_free(kb);
  return 0;
}

static void test_concurrent_equals_sequential(void **s) {
  (void)s;
  pthread_t t[THREADS];
  long mism[THREADS] = {0};
  for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&t[i], NULL, worker, &mism[i]), 0);
  long total = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    total += mism[i];
  }
  assert_int_equal(total, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_concurrent_equals_sequential)};
  return cmocka_run_group_tests_name("threads", tests, setup, teardown);
}
