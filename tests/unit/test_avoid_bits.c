/*
** test_avoid_bits.c: the reasons avoid_compute works out at once as bits
** (reasons_possible: the conditions' reasons from kb->condition_reasons, the
** others one by one) are exactly those reason_holds / specific_possible
** give when asked one at a time, as avoid_compute asked them before:
** synthetic records at several dates, and records with each condition
** alone, dated and undated, and with every condition at once.
**
** avoid.c is compiled into this test so its static functions can be asked;
** its public functions then come from here, not from the library.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/engine/avoid.c"
#include "kb/kb.h"
#include "record/record.h"
#include "screen/synth.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include "harness.h"

/* The part of an agent-specific reason that does not depend on the agent,
** as avoid.c asked it before own_rule_bits (reason_holds asks it first). */
static bool specific_possible(const eng *e, int reason) {
  const op_facts *f = &e->f;
  switch (reason) {
    case OP_RS_RENAL_IMPAIRMENT: return f->has_renal;
    case OP_RS_INTOLERANCE: return f->intolerance_course >= 0;
    case OP_RS_TREATMENT_FAILURE: return f->finding[OP_FD_FRACTURE_ON_THERAPY] || f->finding[OP_FD_BMD_LOSS];
    default: return true;
  }
}

/* The reasons asked one at a time, as avoid_compute did. */
static uint32_t one_by_one(const eng *e) {
  uint32_t can = 0;
  for (int r = 0; r < OP_N_reason; r++) {
    if (!((e->kb->avoid_reasons >> r) & 1u)) continue;
    bool ok = (AGENT_SPECIFIC >> r) & 1u ? specific_possible(e, r) : reason_holds(e, -1, r);
    if (ok) can |= 1u << r;
  }
  return can;
}

/* 0 when the bits agree for the record (facts derived from it). */
static int check(arena *a, const op_kb *kb, const op_record *rec, const char *where, int *with_bits) {
  eng *e = arena_alloc(a, sizeof *e);
  assert_non_null(e);
  e->a = a;
  e->kb = kb;
  e->rec = rec;
  e->codes_only = true;
  assert_true(facts_derive(a, kb, rec, &e->f));
  uint32_t want = one_by_one(e), got = reasons_possible(e);
  if (want & ~OWN_RULE) ++*with_bits; /* a reason read from a condition holds */
  if (want == got) return 0;
  printf("%s: reasons one by one %#x, as bits %#x\n", where, want, got);
  return 1;
}

static void test_synth(void **state) {
  const op_kb *kb = *state;
  static const char *const dates[] = {"2026-11-01", "2024-02-29", "2031-12-31"};
  arena *sa = arena_create(64 * 1024), *a = arena_create(64 * 1024);
  assert_non_null(sa);
  assert_non_null(a);
  int n = 0, bad = 0, with_bits = 0;
  for (size_t k = 0; k < sizeof dates / sizeof *dates; k++) {
    op_date as_of;
    assert_true(date_parse(dates[k], 10, &as_of));
    uint64_t s = 11 + k;
    for (uint64_t i = 0; i < 8000 && bad < 5; i++) {
      arena_reset(sa);
      arena_reset(a);
      strbuf b;
      sb_init(&b, sa);
      synth_record(&s, i, as_of, &b);
      op_record rec;
      op_error err;
      assert_int_equal(record_read(a, kb, b.p, b.len, NULL, "2026-11-01", &rec, &err), OP_OK);
      char where[64];
      snprintf(where, sizeof where, "synthetic record %llu as of %s", (unsigned long long)i, dates[k]);
      bad += check(a, kb, &rec, where, &with_bits);
      n++;
    }
  }
  arena_destroy(sa);
  arena_destroy(a);
  printf("synthetic records: %d, %d with a condition's reason, %d differ\n", n, with_bits, bad);
  assert_true(with_bits > 0);
  assert_int_equal(bad, 0);
}

/* A plain record (a woman of 70, as of 2026-11-01) with the given conditions. */
static void with_conditions(void **state, op_condition *conds, int n, const char *where, int *bad, int *with_bits) {
  const op_kb *kb = *state;
  static const char json[] = "{\"sex\":\"female\",\"birth_date\":\"1956-05-01\",\"as_of\":\"2026-11-01\"}";
  arena *a = arena_create(64 * 1024);
  assert_non_null(a);
  op_record rec;
  op_error err;
  assert_int_equal(record_read(a, kb, json, sizeof json - 1, NULL, "2026-11-01", &rec, &err), OP_OK);
  rec.conditions = conds;
  rec.n_conditions = n;
  *bad += check(a, kb, &rec, where, with_bits);
  arena_destroy(a);
}

static void test_each_condition(void **state) {
  op_condition all[OP_N_condition];
  op_date d;
  assert_true(date_parse("2026-06-01", 10, &d));
  int bad = 0, with_bits = 0;
  for (int c = 0; c < OP_N_condition; c++) {
    for (int dated = 0; dated < 2; dated++) {
      op_condition one = {.code = c, .has_date = dated, .date = d};
      char where[96];
      snprintf(where, sizeof where, "the condition %s%s alone", op_condition_str[c], dated ? " (dated)" : "");
      with_conditions(state, &one, 1, where, &bad, &with_bits);
    }
    all[c] = (op_condition){.code = c};
  }
  with_conditions(state, all, OP_N_condition, "every condition", &bad, &with_bits);
  with_conditions(state, NULL, 0, "no condition", &bad, &with_bits);
  printf("conditions: %d records with a condition's reason, %d differ\n", with_bits, bad);
  assert_true(with_bits >= 5);
  assert_int_equal(bad, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_synth),
      cmocka_unit_test(test_each_condition),
  };
  return cmocka_run_group_tests(tests, harness_setup, harness_teardown);
}
