/*
** test_audit.c: the audit of cards served and their feedback in SQLite
** (src/audit/audit.h): a known set of cards and feedback and the exact
** report; the latest outcome counts, by outcomeTimestamp; a batch is all or
** nothing; no patient id unless asked; waits bounded by AUDIT_WAIT_MS (a
** held mutex, another process's write lock); concurrent writers; files that
** are not ours refused with clear errors.
*/
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "audit/audit_internal.h"

typedef struct {
  char dir[64];
  char db[128];
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  snprintf(f->dir, sizeof f->dir, "/tmp/test_audit.XXXXXX");
  if (!mkdtemp(f->dir)) {
    free(f);
    return -1;
  }
  snprintf(f->db, sizeof f->db, "%s/audit.db", f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  int rc = system(cmd);
  free(f);
  return rc == 0 ? 0 : -1;
}

#define S1 "11111111-1111-4111-8111-111111111111"
#define S2 "22222222-2222-4222-8222-222222222222"
#define C(n) "c0000000-0000-4000-8000-00000000000" #n

static void serve(audit_db *d, const char *service, const audit_card *cards, int n) {
  char err[512] = "";
  audit_served s = {"2026-11-01T09:00:00.000Z", service, "2026.12.3", "patient-42", cards, n};
  assert_true(audit_record_served(d, &s, err, sizeof err));
}

static const audit_card cards[] = {
    {C(1), "decision.start", S1}, {C(2), "decision.start", S2}, {C(3), "avoid.romosozumab", ""},
    {C(4), "avoid.romosozumab", ""}, {C(5), "alert.denosumab_overdue", ""},
};

/* The report as a string. */
static char *report(audit_db *d, audit_format fmt, bool *ok) {
  char *buf = NULL, err[512] = "";
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  assert_non_null(m);
  *ok = audit_report(d, m, fmt, err, sizeof err);
  fclose(m);
  if (!*ok) {
    free(buf);
    return strdup(err);
  }
  return buf;
}

static void test_report(void **state) {
  fixture *f = *state;
  audit_db *d;
  char err[512] = "";
  assert_true(audit_open(f->db, false, &d, err, sizeof err));
  serve(d, "osteoplan-patient-view", cards, 2);
  serve(d, "osteoplan-order-sign", cards + 2, 3);
  const char *s1[] = {S1};
  audit_feedback fb[] = {
      {C(1), true, "2026-11-01T10:00:00Z", NULL, NULL, NULL, false, s1, 1},
      /* reported twice: the later outcomeTimestamp counts, though it came first */
      {C(3), true, "2026-11-01T10:05:31.5Z", NULL, NULL, NULL, false, NULL, 0},
      {C(3), false, "2026-11-01T10:05:31Z", "urn:x", "declined", "Patient declined", true, NULL, 0},
      {C(4), false, "2026-11-01T11:00:00Z", "urn:x", "declined", "Patient declined", true, NULL, 0},
      {C(5), false, "2026-11-01T11:00:00Z", NULL, NULL, NULL, false, NULL, 0},
  };
  assert_true(audit_record_feedback(d, "2026-11-01T12:00:00Z", fb, 2, err, sizeof err));
  assert_true(audit_record_feedback(d, "2026-11-01T12:00:01Z", fb + 2, 3, err, sizeof err));
  bool ok;
  char *j = report(d, AUDIT_JSON, &ok);
  assert_true(ok);
  assert_string_equal(
      j, "{\"served\":5,\"accepted\":2,\"overridden\":2,\"no_feedback\":1,\"feedback_entries\":5,"
         "\"cards_reported_more_than_once\":1,\"by_kind\":["
         "{\"kind\":\"alert.denosumab_overdue\",\"served\":1,\"accepted\":0,\"overridden\":1,\"no_feedback\":0,"
         "\"accepted_pct\":0.0,\"overridden_pct\":100.0},"
         "{\"kind\":\"avoid.romosozumab\",\"served\":2,\"accepted\":1,\"overridden\":1,\"no_feedback\":0,"
         "\"accepted_pct\":50.0,\"overridden_pct\":50.0},"
         "{\"kind\":\"decision.start\",\"served\":2,\"accepted\":1,\"overridden\":0,\"no_feedback\":1,"
         "\"accepted_pct\":50.0,\"overridden_pct\":0.0}],\"by_reason\":["
         "{\"system\":\"\",\"code\":\"\",\"display\":\"\",\"overridden\":1,\"pct_of_overridden\":50.0},"
         "{\"system\":\"urn:x\",\"code\":\"declined\",\"display\":\"Patient declined\",\"overridden\":1,"
         "\"pct_of_overridden\":50.0}]}\n");
  free(j);
  char *c = report(d, AUDIT_CSV, &ok);
  assert_true(ok);
  assert_non_null(strstr(c, "\"kind\",\"decision.start\",\"\",2,1,0,1,50.0,0.0\n"));
  assert_non_null(strstr(c, "\"reason\",\"urn:x|declined\",\"Patient declined\",,,1,,,50.0\n"));
  free(c);
  audit_card_info info;
  assert_int_equal(audit_find_card(d, C(2), &info, err, sizeof err), AUDIT_FOUND);
  assert_string_equal(info.service, "osteoplan-patient-view");
  assert_string_equal(info.suggestions, S2);
  assert_int_equal(audit_find_card(d, S1, &info, err, sizeof err), AUDIT_NOT_FOUND);
  audit_close(d);
}

/* A batch with an entry for a card never served stores nothing (the foreign
** key refuses it; the server checks first, the store again); a served batch
** with a repeated id stores none of its cards. */
static void test_all_or_nothing(void **state) {
  fixture *f = *state;
  audit_db *d;
  char err[512] = "";
  assert_true(audit_open(f->db, false, &d, err, sizeof err));
  serve(d, "osteoplan-patient-view", cards, 1);
  audit_feedback fb[] = {{C(1), false, "2026-11-01T10:00:00Z", NULL, NULL, NULL, false, NULL, 0},
                         {C(9), false, "2026-11-01T10:00:00Z", NULL, NULL, NULL, false, NULL, 0}};
  assert_false(audit_record_feedback(d, "2026-11-01T12:00:00Z", fb, 2, err, sizeof err));
  assert_non_null(strstr(err, "FOREIGN KEY"));
  audit_card twice[] = {{C(7), "x", ""}, {C(7), "x", ""}};
  audit_served s = {"t", "osteoplan-order-sign", "v", NULL, twice, 2};
  assert_false(audit_record_served(d, &s, err, sizeof err));
  assert_non_null(strstr(err, "UNIQUE"));
  bool ok;
  char *j = report(d, AUDIT_JSON, &ok);
  assert_true(ok);
  assert_non_null(strstr(j, "{\"served\":1,\"accepted\":0,\"overridden\":0,\"no_feedback\":1,\"feedback_entries\":0,"));
  free(j);
  audit_close(d);
}

/* The patient id only when asked; the file its owner's only. */
static void test_patient_ids(void **state) {
  fixture *f = *state;
  for (int ids = 0; ids < 2; ids++) {
    char path[160], err[512] = "";
    snprintf(path, sizeof path, "%s/ids%d.db", f->dir, ids);
    audit_db *d;
    assert_true(audit_open(path, ids, &d, err, sizeof err));
    serve(d, "osteoplan-patient-view", cards, 1);
    audit_close(d);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM card WHERE patient_id IS NOT NULL", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), ids);
    sqlite3_finalize(st);
    sqlite3_close(db);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0077, 0);
  }
}

static double ms_since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A write that cannot get the connection (held by a stalled writer) or
** SQLite's lock (another process writing) gives up after about
** AUDIT_WAIT_MS with a message, and the next one goes through. */
static void test_bounded_waits(void **state) {
  fixture *f = *state;
  audit_db *d;
  char err[512] = "";
  assert_true(audit_open(f->db, false, &d, err, sizeof err));
  audit_served s = {"t", "osteoplan-patient-view", "v", NULL, cards, 1};
  struct timespec t0;
  pthread_mutex_lock(&d->mu); /* as a write stuck on a slow disk holds it */
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_false(audit_record_served(d, &s, err, sizeof err));
  double ms = ms_since(&t0);
  pthread_mutex_unlock(&d->mu);
  assert_non_null(strstr(err, "busy"));
  assert_true(ms >= AUDIT_WAIT_MS * 0.9 && ms < AUDIT_WAIT_MS * 8);
  sqlite3 *other;
  assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
  assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_false(audit_record_served(d, &s, err, sizeof err));
  ms = ms_since(&t0);
  assert_non_null(strstr(err, "locked"));
  assert_true(ms >= AUDIT_WAIT_MS * 0.9 && ms < AUDIT_WAIT_MS * 8);
  assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(other);
  assert_true(audit_record_served(d, &s, err, sizeof err));
  audit_close(d);
}

typedef struct {
  audit_db *d;
  int t;
  int ok, busy, other; /* written; gave up waiting (AUDIT_WAIT_MS); failed otherwise */
} worker;

static void *write_cards(void *p) {
  worker *w = p;
  for (int i = 0; i < 50; i++) {
    char id[40], err[512];
    snprintf(id, sizeof id, "%08x-0000-4000-8000-%012d", (unsigned)w->t, i);
    audit_card c = {id, "decision.start", ""};
    audit_served s = {"t", "osteoplan-patient-view", "v", NULL, &c, 1};
    if (audit_record_served(w->d, &s, err, sizeof err)) w->ok++;
    else if (strstr(err, "busy")) w->busy++;
    else w->other++;
  }
  return NULL;
}

/* Eight threads on one connection: every card written once, or given up
** after the bounded wait (only on a machine so loaded, or slowed down by
** valgrind, that a write takes AUDIT_WAIT_MS): never lost otherwise, never
** written twice, never another error. */
static void test_threads(void **state) {
  fixture *f = *state;
  audit_db *d;
  char err[512] = "";
  assert_true(audit_open(f->db, false, &d, err, sizeof err));
  pthread_t th[8];
  worker w[8];
  for (int i = 0; i < 8; i++) {
    w[i] = (worker){d, i, 0, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, write_cards, &w[i]), 0);
  }
  int ok = 0, busy = 0, other = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    ok += w[i].ok;
    busy += w[i].busy;
    other += w[i].other;
  }
  assert_int_equal(ok + busy, 400);
  assert_int_equal(other, 0);
  assert_true(ok >= 200); /* the bound is a safety net, not the common case */
  bool rok;
  char *j = report(d, AUDIT_JSON, &rok), want[32];
  assert_true(rok);
  snprintf(want, sizeof want, "{\"served\":%d,", ok);
  assert_non_null(strstr(j, want));
  free(j);
  audit_close(d);
}

static void expect_refused(const char *path, bool readonly, const char *want) {
  audit_db *d = NULL;
  char err[512] = "";
  bool ok = readonly ? audit_open_readonly(path, &d, err, sizeof err) : audit_open(path, false, &d, err, sizeof err);
  if (ok) {
    bool rok;
    char *r = report(d, AUDIT_TEXT, &rok);
    snprintf(err, sizeof err, "%s", r);
    free(r);
    audit_close(d);
    ok = rok;
  }
  if (ok || !strstr(err, want) || !strstr(err, path)) fail_msg("%s: expected a refusal with '%s', got '%s'", path, want, err);
}

static void test_bad_files(void **state) {
  fixture *f = *state;
  char p[160];
  snprintf(p, sizeof p, "%s/missing.db", f->dir);
  expect_refused(p, true, "No such file");
  snprintf(p, sizeof p, "%s/empty.db", f->dir);
  fclose(fopen(p, "w"));
  expect_refused(p, true, "empty database");
  snprintf(p, sizeof p, "%s/text.db", f->dir);
  FILE *t = fopen(p, "w");
  for (int i = 0; i < 100; i++) fputs("not a database ", t);
  fclose(t);
  expect_refused(p, true, "not a database");
  expect_refused(p, false, "not a database");
  snprintf(p, sizeof p, "%s/other.db", f->dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA application_id=1347703888", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  expect_refused(p, true, "another application's database");
  expect_refused(p, false, "another application's database");
  audit_db *d;
  char err[512];
  assert_true(audit_open(f->db, false, &d, err, sizeof err));
  audit_close(d);
  expect_refused(f->db, true, "no cards served yet");
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  expect_refused(f->db, true, "newer osteoplan");
  expect_refused(f->db, false, "newer osteoplan");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_report, setup, teardown),
      cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_patient_ids, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bounded_waits, setup, teardown),
      cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
