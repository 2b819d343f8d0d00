/*
** test_bulk.c: the Bulk Data grouping (fhir_bulk_run) and the strict gzip
** line reader, in-process: what each patient is handed (its resources, the
** Medication resources it references, nobody else's), the output order, the
** counts, and the errors (temporary space, a cut gzip file), with the memory
** target set so small that every bucket is split again.
*/
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "fhir/fhir_bulk.h"
#include "util/lines.h"

/* What the callback saw, as text: "p1:Patient,MedicationRequest,Medication=m1;" */
typedef struct {
  arena *a;
  char seen[8192];
  size_t used;
  pthread_mutex_t m; /* the callback runs on several threads at once */
  int workers_seen;  /* bit i: worker i was called */
} probe;

static void put(probe *p, const char *s, size_t n) {
  assert_true(p->used + n < sizeof p->seen);
  memcpy(p->seen + p->used, s, n);
  p->used += n;
  p->seen[p->used] = 0;
}

static int cb(void *ctx, int worker, FILE *errors, const fhir_res *res, int n, const char **out, size_t *len) {
  probe *p = ctx;
  assert_non_null(errors);
  pthread_mutex_lock(&p->m);
  p->workers_seen |= 1 << worker;
  arena_reset(p->a);
  const char *pid = fj_str(p->a, res[0].doc, fj_get(res[0].doc, res[0].tok, "id"));
  assert_non_null(pid);
  put(p, pid, strlen(pid));
  put(p, ":", 1);
  for (int i = 0; i < n; i++) {
    const char *rt = fj_str(p->a, res[i].doc, fj_get(res[i].doc, res[i].tok, "resourceType"));
    put(p, rt, strlen(rt));
    if (!strcmp(rt, "Medication")) {
      const char *id = fj_str(p->a, res[i].doc, fj_get(res[i].doc, res[i].tok, "id"));
      put(p, "=", 1);
      put(p, id, strlen(id));
    }
    put(p, i + 1 < n ? "," : ";", 1);
  }
  /* the line must outlive the unlock: another worker may reset the arena */
  static char lines[FHIR_BULK_MAX_THREADS][64];
  snprintf(lines[worker], sizeof lines[worker], "%s", pid);
  *out = lines[worker];
  *len = strlen(pid);
  pthread_mutex_unlock(&p->m);
  return 0;
}

static char dir[64];

static void write_file(const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
}

static int setup(void **s) {
  (void)s;
  strcpy(dir, "/tmp/osteoplan-test-bulk-XXXXXX");
  assert_non_null(mkdtemp(dir));
  /* p2 comes first in the Patient file: the output follows that order */
  write_file("Patient.000.ndjson",
             "{\"resourceType\":\"Patient\",\"id\":\"p2\"}\n"
             "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n"
             "{\"resourceType\":\"Patient\",\"id\":\"p3\"}\n");
  write_file("Medication.000.ndjson",
             "{\"resourceType\":\"Medication\",\"id\":\"m1\"}\n"
             "{\"resourceType\":\"Medication\",\"id\":\"m2\"}\n"
             "{\"resourceType\":\"Medication\",\"id\":\"m3\"}\n");
  write_file("MedicationRequest.000.ndjson",
             "{\"resourceType\":\"MedicationRequest\",\"id\":\"r1\",\"subject\":{\"reference\":\"Patient/p1\"},"
             "\"medicationReference\":{\"reference\":\"Medication/m1\"}}\n"
             "{\"resourceType\":\"MedicationRequest\",\"id\":\"r2\",\"subject\":{\"reference\":\"Patient/p1\"},"
             "\"medicationReference\":{\"reference\":\"Medication/m1\"}}\n"
             "{\"resourceType\":\"MedicationRequest\",\"id\":\"r3\",\"subject\":{\"reference\":\"Patient/p2\"},"
             "\"medicationReference\":{\"reference\":\"Medication/m2\"}}\n"
             "{\"resourceType\":\"MedicationRequest\",\"id\":\"r4\",\"subject\":{\"reference\":\"Patient/p3\"},"
             "\"medicationReference\":{\"reference\":\"Medication/absent\"}}\n"
             "{\"resourceType\":\"MedicationRequest\",\"id\":\"r5\",\"subject\":{\"reference\":\"Patient/p9\"},"
             "\"medicationReference\":{\"reference\":\"Medication/m3\"}}\n"
             "not json\n"
             "{\"resourceType\":\"Organization\",\"id\":\"o1\"}\n");
  return 0;
}

static int teardown(void **s) {
  (void)s;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(int fd) {
  static char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  assert_true(n >= 0);
  buf[n] = 0;
  close(fd);
  return buf;
}

/* The errors stream's text so far. */
static void errors_text(FILE *f, char *buf, size_t n) {
  long end = ftell(f);
  assert_true(end >= 0 && (size_t)end < n);
  rewind(f);
  assert_int_equal(fread(buf, 1, (size_t)end, f), (size_t)end);
  buf[end] = 0;
}

/* Every memory target, from one bucket for all to one bucket per resource
** split six levels deep, on one thread or three, gives the same patients
** the same resources, the same output and the same reports. */
static void test_grouping(void **s) {
  (void)s;
  const size_t targets[] = {0, 200, 1};
  const int threads[] = {1, 3};
  char first[1024] = "";
  for (size_t k = 0; k < sizeof threads / sizeof *threads; k++)
    for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
      FILE *errors = tmpfile();
      assert_non_null(errors);
      probe p = {arena_create(4096), {0}, 0, PTHREAD_MUTEX_INITIALIZER, 0};
      fhir_bulk_options o = {errors, targets[t], NULL, 0, threads[k]};
      fhir_bulk_stats st;
      int fd = fhir_bulk_run(dir, &o, cb, &p, &st);
      assert_true(fd >= 0);
      assert_string_equal(slurp(fd), "p2\np1\np3\n");
      /* buckets come in hash order: look for each patient's part */
      assert_non_null(strstr(p.seen, "p1:Patient,MedicationRequest,MedicationRequest,Medication=m1;"));
      assert_non_null(strstr(p.seen, "p2:Patient,MedicationRequest,Medication=m2;"));
      assert_non_null(strstr(p.seen, "p3:Patient,MedicationRequest;"));
      assert_null(strstr(p.seen, "m3"));
      assert_int_equal(st.patients, 3);
      assert_int_equal(st.medications, 3);
      assert_int_equal(st.bad, 1);
      assert_int_equal(st.orphans, 1); /* p9's request */
      assert_int_equal(st.dropped, 1); /* the Organization: a type the mapper never reads */
      assert_int_equal(st.lines, 13); /* non-blank lines, the bad one included */
      assert_true(st.temp_written > 0 && st.temp_peak > 0);
      if (targets[t] == 1) assert_true(st.buckets > 3);
      assert_true(p.workers_seen > 0 && p.workers_seen < (1 << threads[k]));
      char text[1024];
      errors_text(errors, text, sizeof text);
      assert_non_null(strstr(text, "MedicationRequest.000.ndjson:6: not JSON"));
      if (!first[0]) memcpy(first, text, sizeof text);
      assert_string_equal(text, first); /* the same reports on any number of threads */
      arena_destroy(p.a);
      fclose(errors);
    }
}

static void test_temp_space(void **s) {
  (void)s;
  probe p = {arena_create(4096), {0}, 0, PTHREAD_MUTEX_INITIALIZER, 0};
  fhir_bulk_options o = {stderr, 0, "/nonexistent/osteoplan", 0, 2};
  fhir_bulk_stats st;
  assert_int_equal(fhir_bulk_run(dir, &o, cb, &p, &st), -1);
  assert_non_null(strstr(st.error, "cannot create a temporary file in /nonexistent/osteoplan"));
  arena_destroy(p.a);
}

static void gz_write(const char *name, const char *text, size_t cut) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  gzFile g = gzopen(path, "wb");
  assert_non_null(g);
  assert_int_equal(gzputs(g, text), (int)strlen(text));
  assert_int_equal(gzclose(g), Z_OK);
  if (cut) assert_int_equal(truncate(path, cut), 0);
}

/* A gzip file cut short is an error naming the file, in the export too. */
static void test_cut_gzip(void **s) {
  (void)s;
  gz_write("Condition.000.ndjson.gz", "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p1\"}}\n", 0);
  probe p = {arena_create(4096), {0}, 0, PTHREAD_MUTEX_INITIALIZER, 0};
  FILE *errors = tmpfile();
  fhir_bulk_options o = {errors, 0, NULL, 0, 2};
  fhir_bulk_stats st;
  int fd = fhir_bulk_run(dir, &o, cb, &p, &st);
  assert_true(fd >= 0);
  close(fd);
  assert_non_null(strstr(p.seen, "p1:Patient,Condition,"));
  gz_write("Condition.000.ndjson.gz", "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p1\"}}\n", 30);
  assert_int_equal(fhir_bulk_run(dir, &o, cb, &p, &st), -1);
  assert_int_equal(errno, EBADMSG);
  assert_non_null(strstr(st.error, "Condition.000.ndjson.gz: truncated gzip"));
  char path[128];
  snprintf(path, sizeof path, "%s/Condition.000.ndjson.gz", dir);
  unlink(path);
  fclose(errors);
  arena_destroy(p.a);
}

/* The reader itself: a stream of two members reads whole; a bad CRC fails. */
static void test_reader(void **s) {
  (void)s;
  char path[128];
  snprintf(path, sizeof path, "%s/two.gz", dir);
  gzFile g = gzopen(path, "wb");
  assert_int_equal(gzputs(g, "one\n"), 4);
  assert_int_equal(gzclose(g), Z_OK);
  g = gzopen(path, "ab");
  assert_int_equal(gzputs(g, "two"), 3);
  assert_int_equal(gzclose(g), Z_OK);
  line_reader lr;
  const char *line;
  size_t len;
  bool too_long;
  assert_int_equal(lr_open(&lr, path, 1024), 0);
  assert_int_equal(lr_next(&lr, &line, &len, &too_long), 1);
  assert_int_equal(lr_next(&lr, &line, &len, &too_long), 1);
  assert_memory_equal(line, "two", 3);
  assert_int_equal(lr_next(&lr, &line, &len, &too_long), 0);
  lr_close(&lr);
  /* the last member's CRC-32 (8 bytes from the end) flipped */
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  assert_int_equal(fseek(f, -8, SEEK_END), 0);
  int c = fgetc(f);
  assert_int_equal(fseek(f, -8, SEEK_END), 0);
  fputc(c ^ 0x55, f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(lr_open(&lr, path, 1024), 0);
  assert_int_equal(lr_next(&lr, &line, &len, &too_long), 1);
  assert_int_equal(lr_next(&lr, &line, &len, &too_long), -1);
  assert_int_equal(errno, EBADMSG);
  assert_non_null(strstr(lr_error(&lr), "corrupt gzip: incorrect data check"));
  lr_close(&lr);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grouping),
      cmocka_unit_test(test_temp_space),
      cmocka_unit_test(test_cut_gzip),
      cmocka_unit_test(test_reader),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
