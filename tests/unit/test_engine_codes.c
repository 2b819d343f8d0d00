/*
** test_engine_codes.c: the codes-only assessment (engine_assess_codes, what
** screening runs) gives every code of the plan that the full assessment
** gives, over the test vignettes and thousands of synthetic records at
** several dates: a statement the screen never words may be skipped, a code
** may not change.
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
#include "util/readall.h"
#include "util/strbuf.h"
#include "harness.h"

static int differ(const char *what, const char *where) {
  printf("%s: %s differs between the full and the codes-only assessment\n", where, what);
  return 1;
}

#define SAME(field) \
  if (memcmp(&a->field, &b->field, sizeof a->field)) return differ(#field, where)

static int same_avoid(const op_avoid *x, const op_avoid *y, const char *where) {
  if (x->agent != y->agent || x->n != y->n || x->sources != y->sources) return differ("an avoid entry", where);
  if (memcmp(x->reasons, y->reasons, (size_t)x->n)) return differ("avoid reasons", where);
  return 0;
}

/* Every field that is not a statement or its words. */
static int same_codes(const op_plan *a, const op_plan *b, const char *where) {
  SAME(as_of); SAME(age); SAME(diagnosis); SAME(has_lowest); SAME(lowest_t); SAME(lowest_site);
  SAME(lowest_date); SAME(risk); SAME(n_criteria); SAME(status); SAME(finding); SAME(finding_has_agent);
  SAME(action); SAME(rule); SAME(n_phases); SAME(treatment_sources); SAME(n_avoid); SAME(n_not_rec);
  SAME(n_alerts); SAME(indicator); SAME(in_scope); SAME(lifestyle); SAME(n_monitor); SAME(has_goal);
  SAME(goal_has_target); SAME(goal_review_by); SAME(calcium_hold); SAME(has_dxcodes);
  SAME(dxcode_glucocorticoid); SAME(disagreement); SAME(all_sources); SAME(gaps); SAME(n_reminders);
  for (int i = 0; i < OP_N_finding; i++)
    if (a->finding_has_agent[i] && a->finding_agent[i] != b->finding_agent[i]) return differ("finding_agent", where);
  for (int i = 0; i < a->n_criteria; i++)
    if (a->criteria[i].code != b->criteria[i].code || a->criteria[i].sources != b->criteria[i].sources)
      return differ("a criterion", where);
  for (int i = 0; i < a->n_phases; i++) {
    const op_phase *x = &a->phases[i], *y = &b->phases[i];
    if (x->intent != y->intent || x->n != y->n || memcmp(x->agents, y->agents, (size_t)x->n * sizeof x->agents[0]) ||
        x->has_months != y->has_months || (x->has_months && x->months != y->months) || x->current != y->current)
      return differ("a phase", where);
  }
  for (int i = 0; i < a->n_avoid; i++)
    if (same_avoid(&a->avoid[i], &b->avoid[i], where)) return 1;
  for (int i = 0; i < a->n_not_rec; i++)
    if (same_avoid(&a->not_rec[i], &b->not_rec[i], where)) return 1;
  for (int i = 0; i < a->n_alerts; i++)
    if (a->alerts[i].code != b->alerts[i].code || a->alerts[i].severity != b->alerts[i].severity ||
        a->alerts[i].sources != b->alerts[i].sources || !b->alerts[i].say != !a->alerts[i].say)
      return differ("an alert", where);
  for (int i = 0; i < a->n_monitor; i++) {
    const op_monitor_item *x = &a->monitor[i], *y = &b->monitor[i];
    if (x->code != y->code || x->due != y->due || x->overdue != y->overdue ||
        (x->overdue && x->overdue_since != y->overdue_since) || x->sources != y->sources)
      return differ("a monitoring item", where);
  }
  for (int i = 0; i < a->n_reminders; i++)
    if (a->reminders[i].code != b->reminders[i].code || a->reminders[i].severity != b->reminders[i].severity ||
        a->reminders[i].clinician != b->reminders[i].clinician || a->reminders[i].patient != b->reminders[i].patient)
      return differ("a reminder", where);
  return 0;
}

/* One record both ways; as_of: an override or NULL. *read counts the
** records that were valid (a test over refused records proves nothing). */
static int compare(const op_kb *kb, const char *json, size_t len, const char *as_of, const char *where, int *read) {
  arena *a = arena_create(64 * 1024);
  assert_non_null(a);
  op_record rec;
  op_error err;
  int bad = 0;
  if (record_read(a, kb, json, len, as_of, "2026-11-01", &rec, &err) == OP_OK) {
    op_plan *full = arena_alloc(a, sizeof *full), *codes = arena_alloc_raw(a, sizeof *codes);
    assert_non_null(full);
    assert_non_null(codes);
    /* the engine zeroes what it reads (plan_clear): garbage must not show */
    memset(codes, 0xa5, sizeof *codes);
    assert_true(engine_assess(a, kb, &rec, full));
    assert_true(engine_assess_codes(a, kb, &rec, codes));
    bad = same_codes(full, codes, where);
    ++*read;
  }
  arena_destroy(a);
  return bad;
}

static void test_vignettes(void **state) {
  const op_kb *kb = *state;
  DIR *d = opendir(OSTEOPLAN_VIGNETTES);
  assert_non_null(d);
  int n = 0, bad = 0, read = 0;
  for (struct dirent *de; (de = readdir(d)) != NULL;) {
    const char *rec;
    size_t len;
    char *text = harness_vignette(OSTEOPLAN_VIGNETTES, de->d_name, &rec, &len);
    if (!text) continue;
    bad += compare(kb, rec, len, NULL, de->d_name, &read);
    bad += compare(kb, rec, len, "2031-06-30", de->d_name, &read); /* later: other windows, other findings */
    free(text);
    n++;
  }
  closedir(d);
  printf("vignettes: %d files, %d assessments compared, %d differ\n", n, read, bad);
  assert_true(read > 40);
  assert_int_equal(bad, 0);
}

/* Synthetic records at several dates (the generator draws its dates around
** as_of; month ends and leap days included). */
static void test_synth(void **state) {
  const op_kb *kb = *state;
  static const char *const dates[] = {"2026-11-01", "2024-02-29", "2027-01-31", "2025-12-31"};
  arena *sa = arena_create(64 * 1024);
  assert_non_null(sa);
  int n = 0, bad = 0, read = 0;
  for (size_t k = 0; k < sizeof dates / sizeof *dates; k++) {
    op_date as_of;
    assert_true(date_parse(dates[k], 10, &as_of));
    uint64_t s = 7 + k;
    for (uint64_t i = 0; i < 6000 && bad < 5; i++) {
      arena_reset(sa);
      strbuf b;
      sb_init(&b, sa);
      synth_record(&s, i, as_of, &b);
      char where[64];
      snprintf(where, sizeof where, "synthetic record %llu as of %s", (unsigned long long)i, dates[k]);
      bad += compare(kb, b.p, b.len, NULL, where, &read);
      n++;
    }
  }
  arena_destroy(sa);
  printf("synthetic records: %d made, %d valid and compared, %d differ\n", n, read, bad);
  assert_int_equal(read, n);
  assert_int_equal(bad, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vignettes),
      cmocka_unit_test(test_synth),
  };
  return cmocka_run_group_tests(tests, harness_setup, harness_teardown);
}
