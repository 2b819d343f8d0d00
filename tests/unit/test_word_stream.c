/*
** test_word_stream.c: the worklist's reason, streamed (word_say_to), against
** the wording every plan gets (word_plan, the arena path it replaced in the
** worklist: the reference here). For every statement word_plan words alone
** (the rationale, each criterion's detail, each alert's message, each
** monitoring item's reason), over the test vignettes at two dates and
** thousands of synthetic records at several dates, with and without the
** cache of templates taken apart: the same bytes, and no words exactly
** where word_plan has none.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/engine.h"
#include "kb/kb.h"
#include "record/record.h"
#include "screen/synth.h"
#include "util/arena.h"
#include "util/outbuf.h"
#include "util/readall.h"
#include "util/strbuf.h"
#include "word/word.h"
#include "harness.h"

typedef struct {
  int records, statements, worded, differ;
  word_cache *cache; /* the test's, shared by every record as a thread's is */
} tally;

/* One statement: the streamed words (after some text already in the
** buffer, as the worklist reuses it) against word_plan's. */
static void same_with(const op_kb *kb, word_cache *c, const op_say *s, const char *ref, const char *what,
                      const char *where, tally *t) {
  static const char prior[] = "prior text, ";
  outbuf b = {0};
  ob_puts(&b, prior);
  bool ok = word_say_to(&b, kb, c, s);
  assert_false(b.oom);
  t->statements++;
  bool match = ok ? ref && b.len - strlen(prior) == strlen(ref) && !memcmp(b.p + strlen(prior), ref, strlen(ref))
                  : !ref && b.len == strlen(prior);
  t->worded += ok;
  if (!match && t->differ++ < 5)
    printf("%s: %s differs:\n  word_plan:   %s\n  word_say_to: %.*s%s\n", where, what, ref ? ref : "(none)",
           (int)(b.len - strlen(prior)), b.p ? b.p + strlen(prior) : "", ok ? "" : "(none)");
  free(b.p);
}

/* Without a cache and with the test's one (the templates taken apart by
** earlier statements of earlier records). */
static void same(const op_kb *kb, const op_say *s, const char *ref, const char *what, const char *where, tally *t) {
  same_with(kb, NULL, s, ref, what, where, t);
  same_with(kb, t->cache, s, ref, what, where, t);
}

static void compare(const op_kb *kb, const char *json, size_t len, const char *as_of, const char *where, tally *t) {
  arena *a = arena_create(64 * 1024);
  assert_non_null(a);
  op_record rec;
  op_error err;
  if (record_read(a, kb, json, len, as_of, "2026-11-01", &rec, &err) == OP_OK) {
    op_plan *p = arena_alloc(a, sizeof *p);
    assert_non_null(p);
    assert_true(engine_assess(a, kb, &rec, p));
    word_plan(a, p);
    same(kb, p->rationale_say, p->rationale, "the rationale", where, t);
    for (int i = 0; i < p->n_criteria; i++) same(kb, p->criteria[i].say, p->criteria[i].detail, "a criterion", where, t);
    for (int i = 0; i < p->n_alerts; i++) same(kb, p->alerts[i].say, p->alerts[i].message, "an alert", where, t);
    for (int i = 0; i < p->n_monitor; i++) same(kb, p->monitor[i].say, p->monitor[i].reason, "a monitoring item", where, t);
    t->records++;
  }
  arena_destroy(a);
}

static void test_vignettes(void **state) {
  const op_kb *kb = *state;
  DIR *d = opendir(OSTEOPLAN_VIGNETTES);
  assert_non_null(d);
  tally t = {.cache = word_cache_new()};
  assert_non_null(t.cache);
  for (struct dirent *de; (de = readdir(d)) != NULL;) {
    const char *rec;
    size_t len;
    char *text = harness_vignette(OSTEOPLAN_VIGNETTES, de->d_name, &rec, &len);
    if (!text) continue;
    compare(kb, rec, len, NULL, de->d_name, &t);
    compare(kb, rec, len, "2031-06-30", de->d_name, &t);
    free(text);
  }
  closedir(d);
  word_cache_free(t.cache);
  printf("vignettes: %d assessments, %d statements (%d worded), %d differ\n", t.records, t.statements, t.worded,
         t.differ);
  assert_true(t.records > 40);
  assert_true(t.worded > 100);
  assert_int_equal(t.differ, 0);
}

static void test_synth(void **state) {
  const op_kb *kb = *state;
  static const char *const dates[] = {"2026-11-01", "2024-02-29", "2027-01-31", "2025-12-31"};
  arena *sa = arena_create(64 * 1024);
  assert_non_null(sa);
  tally t = {.cache = word_cache_new()};
  assert_non_null(t.cache);
  int n = 0;
  for (size_t k = 0; k < sizeof dates / sizeof *dates; k++) {
    op_date as_of;
    assert_true(date_parse(dates[k], 10, &as_of));
    uint64_t s = 11 + k;
    for (uint64_t i = 0; i < 5000 && t.differ < 5; i++) {
      arena_reset(sa);
      strbuf b;
      sb_init(&b, sa);
      synth_record(&s, i, as_of, &b);
      char where[64];
      snprintf(where, sizeof where, "synthetic record %llu as of %s", (unsigned long long)i, dates[k]);
      compare(kb, b.p, b.len, NULL, where, &t);
      n++;
    }
  }
  arena_destroy(sa);
  word_cache_free(t.cache);
  printf("synthetic records: %d made, %d assessed, %d statements (%d worded), %d differ\n", n, t.records,
         t.statements, t.worded, t.differ);
  assert_int_equal(t.records, n);
  assert_int_equal(t.differ, 0);
}

/* Out of memory part way: false, and the buffer says so (the worklist
** then fails the run rather than list a row with half a reason). */
static void test_oom(void **state) {
  const op_kb *kb = *state;
  arena *a = arena_create(64 * 1024);
  assert_non_null(a);
  strbuf sb;
  sb_init(&sb, a);
  uint64_t s = 5;
  op_date as_of;
  assert_true(date_parse("2026-11-01", 10, &as_of));
  synth_record(&s, 0, as_of, &sb);
  op_record rec;
  op_error err;
  assert_int_equal(record_read(a, kb, sb.p, sb.len, NULL, "2026-11-01", &rec, &err), OP_OK);
  op_plan *p = arena_alloc(a, sizeof *p);
  assert_non_null(p);
  assert_true(engine_assess(a, kb, &rec, p));
  outbuf b = {.oom = true};
  word_cache *cache = word_cache_new();
  assert_non_null(cache);
  assert_false(word_say_to(&b, kb, NULL, p->rationale_say));
  assert_false(word_say_to(&b, kb, cache, p->rationale_say));
  assert_int_equal(b.len, 0);
  assert_false(word_say_to(&b, kb, cache, NULL));
  word_cache_free(cache);
  arena_destroy(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vignettes),
      cmocka_unit_test(test_synth),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, harness_setup, harness_teardown);
}
