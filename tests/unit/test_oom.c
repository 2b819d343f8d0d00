/*
** test_oom.c: every out-of-memory path of an assessment, on demand.
**
**   test_oom RECORDS_DIR      (written by oom_records.py: json/ and fhir/)
**
** For each record, the assessment (JSON or FHIR input) runs once without a
** limit: its answer and all ten renderings (five formats, two audiences)
** are the reference, and the allocations it made are counted. Then:
**   - the assessment runs under every budget n = 0, 1, 2, ... up to that
**     count (op_assess_limited: the n+1st allocation and all after it fail).
**     Each run must end in a clean OP_ERR_INTERNAL naming the cause, or in
**     the reference answer itself: the same error, or a plan whose every
**     rendering (made with no limit) is byte for byte the reference. A
**     plan that differs is an out-of-memory failure swallowed into a
**     partial plan;
**   - each rendering runs under every budget k = 0, 1, ... until it
**     succeeds: NULL until then, and then the reference bytes.
** Crashes and leaks are for the sanitizer build and valgrind to find.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_internal.h"
#include "osteoplan.h"

static const char *records_dir;
static op_kb *kb;
static int failures; /* each record stops at its first; the test fails at the end */

static bool report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool report(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  failures++;
  return false;
}

#define N_FORMATS 6
static const op_format formats[N_FORMATS] = {OP_FORMAT_JSON, OP_FORMAT_TEXT, OP_FORMAT_MARKDOWN, OP_FORMAT_HTML,
                                             OP_FORMAT_HTML_FRAGMENT, OP_FORMAT_FHIR};
static const op_options opts = {.today = "2026-11-01"};

typedef struct {
  op_status st;
  op_error err;
  char *out[N_FORMATS][2];
  size_t allocations; /* what the assessment took without a limit */
} reference;

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  char *buf = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n + 4096 > cap) {
      cap = cap ? cap * 2 : 65536;
      char *grown = realloc(buf, cap + 1);
      assert_non_null(grown);
      buf = grown;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
  } while (got);
  fclose(f);
  buf[n] = 0;
  *len = n;
  return buf;
}

static void render_all(op_assessment *as, char *out[N_FORMATS][2]) {
  for (int f = 0; f < N_FORMATS; f++)
    for (int p = 0; p < 2; p++) {
      size_t len;
      const char *r = op_render(as, formats[f], p ? OP_AUDIENCE_PATIENT : OP_AUDIENCE_CLINICIAN, false, &len);
      assert_non_null(r);
      assert_int_equal(len, strlen(r));
      out[f][p] = strdup(r);
    }
}

static void free_all(char *out[N_FORMATS][2]) {
  for (int f = 0; f < N_FORMATS; f++)
    for (int p = 0; p < 2; p++) free(out[f][p]);
}

static void make_reference(const char *rec, size_t len, bool fhir, reference *ref) {
  memset(ref, 0, sizeof *ref);
  size_t left = SIZE_MAX;
  op_assessment *as = NULL;
  ref->st = op_assess_limited(kb, rec, len, fhir, &opts, &left, &as, &ref->err);
  ref->allocations = SIZE_MAX - left;
  if (ref->st == OP_ERR_INTERNAL) fail_msg("no plan even without a limit: %s", ref->err.message);
  if (ref->st != OP_OK) return;
  render_all(as, ref->out);
  op_assessment_free(as);
}

/* The assessment under budget n: a clean failure or the reference answer. */
static bool assess_under(const char *name, const char *rec, size_t len, bool fhir, const reference *ref, size_t n) {
  size_t left = n;
  op_assessment *as = NULL;
  op_error err;
  op_status st = op_assess_limited(kb, rec, len, fhir, &opts, &left, &as, &err);
  if (st == OP_ERR_INTERNAL) {
    if (as || !strstr(err.message, "out of memory"))
      return report("%s, budget %zu: internal error without the cause: %s", name, n, err.message);
    return true;
  }
  if (st != ref->st) {
    if (as) op_assessment_free(as);
    return report("%s, budget %zu: status %d, %d without a limit (%s)", name, n, (int)st, (int)ref->st, err.message);
  }
  if (st != OP_OK) {
    if (as || strcmp(err.message, ref->err.message) || strcmp(err.path, ref->err.path))
      return report("%s, budget %zu: another error: %s at %s", name, n, err.message, err.path);
    return true;
  }
  left = SIZE_MAX; /* the plan is made: render it with no limit and compare */
  char *out[N_FORMATS][2];
  render_all(as, out);
  op_assessment_free(as);
  bool same = true;
  for (int f = 0; f < N_FORMATS && same; f++)
    for (int p = 0; p < 2 && same; p++)
      if (strcmp(out[f][p], ref->out[f][p]))
        same = report("%s, budget %zu: a plan that differs (format %d, audience %d): an allocation failure swallowed",
                      name, n, f, p);
  free_all(out);
  return same;
}

/* Each rendering under budget k = 0, 1, ...: NULL, then the reference. */
static bool render_under(const char *name, const char *rec, size_t len, bool fhir, reference *ref) {
  size_t left = SIZE_MAX;
  op_assessment *as = NULL;
  op_error err;
  assert_int_equal(op_assess_limited(kb, rec, len, fhir, &opts, &left, &as, &err), OP_OK);
  for (int f = 0; f < N_FORMATS; f++)
    for (int p = 0; p < 2; p++)
      for (size_t k = 0;; k++) {
        left = k;
        size_t rlen = 0;
        const char *r = op_render(as, formats[f], p ? OP_AUDIENCE_PATIENT : OP_AUDIENCE_CLINICIAN, false, &rlen);
        if (!r) {
          if (k > 1000000) fail_msg("%s: rendering %d/%d never succeeds", name, f, p);
          continue;
        }
        if (rlen != strlen(ref->out[f][p]) || strcmp(r, ref->out[f][p])) {
          op_assessment_free(as);
          return report("%s: rendering %d/%d under budget %zu differs from the reference", name, f, p, k);
        }
        break;
      }
  op_assessment_free(as);
  return true;
}

static size_t run_dir(const char *sub, bool fhir, size_t *budgets) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", records_dir, sub);
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  if (n < 0) fail_msg("cannot read %s", dir);
  size_t records = 0;
  for (int i = 0; i < n; i++) {
    if (strstr(names[i]->d_name, ".json")) {
      char path[1400];
      snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
      size_t len;
      char *rec = slurp(path, &len);
      reference ref;
      make_reference(rec, len, fhir, &ref);
      for (size_t b = 0; b <= ref.allocations; b++)
        if (!assess_under(path, rec, len, fhir, &ref, b)) break;
      *budgets += ref.allocations + 1;
      if (ref.st == OP_OK) {
        render_under(path, rec, len, fhir, &ref);
        free_all(ref.out);
      }
      free(rec);
      records++;
    }
    free(names[i]);
  }
  free(names);
  return records;
}

static void test_json_records(void **s) {
  (void)s;
  failures = 0;
  size_t budgets = 0, n = run_dir("json", false, &budgets);
  printf("JSON input: %zu records, %zu budgets, %d failed\n", n, budgets, failures);
  assert_true(n >= 100);
  assert_int_equal(failures, 0);
}

static void test_fhir_records(void **s) {
  (void)s;
  failures = 0;
  size_t budgets = 0, n = run_dir("fhir", true, &budgets);
  printf("FHIR input: %zu records, %zu budgets, %d failed\n", n, budgets, failures);
  assert_true(n >= 20);
  assert_int_equal(failures, 0);
}

/* The budget itself: exact, shared, and without effect when not set. */
static void test_budget_counts(void **s) {
  (void)s;
  const char *rec = "{\"sex\":\"female\",\"age\":70,\"menopause\":\"post\",\"as_of\":\"2026-11-01\"}";
  size_t left = 0;
  op_assessment *as = NULL;
  op_error err;
  assert_int_equal(op_assess_limited(kb, rec, strlen(rec), false, &opts, &left, &as, &err), OP_ERR_INTERNAL);
  assert_null(as);
  left = SIZE_MAX;
  assert_int_equal(op_assess_limited(kb, rec, strlen(rec), false, &opts, &left, &as, &err), OP_OK);
  size_t spent = SIZE_MAX - left;
  assert_true(spent > 10);
  left = 0;
  assert_null(op_render(as, OP_FORMAT_TEXT, OP_AUDIENCE_CLINICIAN, false, NULL));
  op_assessment_free(as);
  left = spent; /* exactly enough */
  assert_int_equal(op_assess_limited(kb, rec, strlen(rec), false, &opts, &left, &as, &err), OP_OK);
  assert_int_equal(left, 0);
  op_assessment_free(as);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_oom RECORDS_DIR\n");
    return 2;
  }
  records_dir = argv[1];
  op_error err;
  kb = op_kb_load_default(&err);
  if (!kb) {
    fprintf(stderr, "knowledge base: %s\n", err.message);
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_budget_counts),
      cmocka_unit_test(test_json_records),
      cmocka_unit_test(test_fhir_records),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  op_kb_free(kb);
  return rc;
}
