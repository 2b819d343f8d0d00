/*
** test_output.c: what leaves osteoplan is whole and inert, and what comes in
** stays within the calendar and the engine's bounds.
**
**   - screening under allocation failure: every line written is whole, the
**     record whose line could not be built is reported and counted, and the
**     summary's "written" is the number of lines really there;
**   - record text in CSV and NDJSON: formula cells neutralised, no control
**     character;
**   - dates at the calendar's end, a fracture before birth, every list at
**     exactly its capacity and one over.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "json/json.h"
#include "kb/kb.h"
#include "record/record.h"
#include "screen/screen.h"
#include "screen/synth.h"
#include "util/arena.h"
#include "util/ctlchar.h"
#include "util/date.h"
#include "util/strbuf.h"

#define N_RECORDS 600

static op_kb *kb_of(void) {
  char err[512];
  op_kb *kb = kb_load_default(err, sizeof err);
  if (!kb) fail_msg("knowledge base: %s", err);
  return kb;
}

/* A file of lines; returns its path (static buffer per call site). */
static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
}

static char *synth_lines(int n) {
  arena *a = arena_create(1 << 16);
  strbuf b;
  sb_init(&b, a);
  uint64_t st = 42;
  op_date as_of;
  assert_true(date_parse("2026-11-01", 10, &as_of));
  for (int i = 0; i < n; i++) {
    synth_record(&st, (uint64_t)i, as_of, &b);
    sb_putc(&b, '\n');
  }
  assert_false(b.oom);
  char *out = strdup(sb_str(&b));
  arena_destroy(a);
  return out;
}

static char *slurp(FILE *f, size_t *len) {
  fflush(f);
  long n = ftell(f);
  rewind(f);
  char *p = malloc((size_t)n + 1);
  assert_non_null(p);
  assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
  p[n] = 0;
  *len = (size_t)n;
  return p;
}

/* ---- allocation failure ------------------------------------------------- */

typedef struct {
  int calls, fail_at, failed;
} grow_state;

static void *grow_failing(void *ctx, void *p, size_t n) {
  grow_state *g = ctx;
  if (++g->calls == g->fail_at) {
    g->failed++;
    return NULL;
  }
  return realloc(p, n);
}

/* Every line of out is a whole JSON object; returns how many. */
static uint64_t whole_lines(const char *out, size_t len) {
  arena *a = arena_create(1 << 16);
  uint64_t n = 0;
  const char *p = out, *end = out + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    assert_non_null(nl); /* the last line ends too */
    json_doc d;
    char msg[256];
    if (json_parse(a, p, (size_t)(nl - p), &d, msg, sizeof msg) != 0)
      fail_msg("line %llu is not whole: %s: %.*s", (unsigned long long)n + 1, msg, (int)(nl - p), p);
    assert_int_equal(d.tok[0].type, JT_OBJECT);
    arena_reset(a);
    n++;
    p = nl + 1;
  }
  arena_destroy(a);
  return n;
}

/* Fails the Nth buffer growth for N = 1, 2, ... until no growth fails: at
** each, the output holds only whole lines, as many as the summary says,
** and every record is written or counted as failed. */
static void test_screen_alloc_failure(void **s) {
  (void)s;
  op_kb *kb = kb_of();
  char path[] = "/tmp/osteo-screen-oomXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  char *input = synth_lines(N_RECORDS);
  write_file(path, input);
  int hit = 0;
  for (int fail_at = 1; fail_at < 64; fail_at++) {
    grow_state g = {0, fail_at, 0};
    FILE *out = tmpfile(), *errors = tmpfile();
    assert_non_null(out);
    assert_non_null(errors);
    screen_options o = {.kb = kb, .threads = 1, .format = SCREEN_NDJSON, .as_of = "2026-11-01",
                        .today = "2026-11-01", .out = out, .errors = errors, .grow = grow_failing, .grow_ctx = &g};
    screen_stats st;
    assert_int_equal(screen_run(&o, path, &st), SCREEN_OK);
    size_t len, elen;
    char *text = slurp(out, &len), *etext = slurp(errors, &elen);
    uint64_t lines = whole_lines(text, len);
    assert_int_equal(lines, st.written);
    assert_int_equal(st.records + st.bad, N_RECORDS);
    assert_int_equal(st.written, st.records); /* not --gaps-only: every record screened is written */
    if (g.failed) {
      hit++;
      assert_true(st.failed >= 1);
      assert_true(st.failed + st.unreported >= 1);
      if (!st.unreported) assert_non_null(strstr(etext, "internal error: out of memory"));
    } else {
      assert_int_equal(st.failed, 0);
    }
    free(text);
    free(etext);
    fclose(out);
    fclose(errors);
    if (!g.failed) break; /* fewer growths than fail_at: every case seen */
  }
  assert_true(hit >= 3); /* the reading, the results and the errors buffers each failed once */
  free(input);
  unlink(path);
  kb_free(kb);
}

/* ---- record text in CSV and NDJSON ------------------------------------ */

static char *screen_text(op_kb *kb, screen_format fmt, const char *lines) {
  char path[] = "/tmp/osteo-screen-textXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  write_file(path, lines);
  FILE *out = tmpfile(), *errors = tmpfile();
  screen_options o = {.kb = kb, .threads = 1, .format = fmt, .today = "2026-11-01", .out = out, .errors = errors};
  screen_stats st;
  assert_int_equal(screen_run(&o, path, &st), SCREEN_OK);
  size_t len;
  char *text = slurp(out, &len);
  fclose(out);
  fclose(errors);
  unlink(path);
  return text;
}

#define REC(id) "{\"id\":\"" id "\",\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"birth_date\":\"1950-03-01\"}\n"

static bool has_control(const char *s) {
  for (; *s; s++) {
    unsigned cp;
    if (*s != '\n' && *s != '\r' && ctl_at(s, &cp)) return true;
  }
  return false;
}

static void test_csv_cells(void **s) {
  (void)s;
  op_kb *kb = kb_of();
  char *csv = screen_text(kb, SCREEN_CSV,
                          REC("=HYPERLINK(\\\"http://x\\\")") REC("+1") REC("-2+3") REC("@SUM(A1)") REC("\\t=1")
                              REC("\\r=1") REC("  =1") REC("a\\u001b[31mb") REC("c\\r\\nd") REC("e\\u009bf\\u007f")
                                  REC("plain-id"));
  const char *want[] = {"\"'=HYPERLINK(\"\"http://x\"\")\",", "\"'+1\",", "\"'-2+3\",", "\"'@SUM(A1)\",",
                        "\"'\\u0009=1\",", "\"'\\u000d=1\",", "\"'  =1\",", "\na\\u001b[31mb,",
                        "\nc\\u000d\\u000ad,", "\ne\\u009bf\\u007f,", "\nplain-id,"};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    if (!strstr(csv, want[i])) fail_msg("CSV lacks %s:\n%s", want[i], csv);
  /* only the line ends are CR LF: no other control character */
  assert_false(has_control(csv));
  size_t lines = 0;
  for (const char *p = csv; (p = strstr(p, "\r\n")); p += 2) lines++;
  assert_int_equal(lines, 12); /* the header and eleven records */
  free(csv);
  char *nd = screen_text(kb, SCREEN_NDJSON, REC("a\\u001b[31mb") REC("e\\u009bf\\u007f\\u0085"));
  assert_false(has_control(nd));
  assert_non_null(strstr(nd, "\"a\\u001b[31mb\""));
  assert_non_null(strstr(nd, "\"e\\u009bf\\u007f\\u0085\""));
  free(nd);
  kb_free(kb);
}

/* ---- dates and bounds --------------------------------------------------- */

static void test_calendar_end(void **s) {
  (void)s;
  op_date d;
  char buf[11];
  assert_true(date_parse("9999-12-31", 10, &d));
  date_format(d, buf);
  assert_string_equal(buf, "9999-12-31");
  assert_false(date_parse("10000-01-01", 11, &d));
  assert_false(date_parse("10000-01-0", 10, &d));
}

/* record_read on text: OP_OK, or the error's path. */
static op_status read_rec(op_kb *kb, arena *a, const char *json, const char *as_of, op_error *err) {
  op_record rec;
  return record_read(a, kb, json, strlen(json), as_of, "2026-11-01", &rec, err);
}

static void expect_error(op_kb *kb, arena *a, const char *json, const char *as_of, const char *path,
                         const char *words) {
  op_error err;
  if (read_rec(kb, a, json, as_of, &err) == OP_OK) fail_msg("accepted: %s", json);
  if (strcmp(err.path, path) || !strstr(err.message, words))
    fail_msg("for %s: want path %s and '%s', got path %s: %s", json, path, words, err.path, err.message);
}

static void expect_ok(op_kb *kb, arena *a, const char *json, const char *as_of) {
  op_error err;
  if (read_rec(kb, a, json, as_of, &err) != OP_OK) fail_msg("refused: %s: %s", json, err.message);
}

#define AS_OF_REC(d) "{\"sex\":\"female\",\"birth_date\":\"9830-03-01\",\"as_of\":\"" d "\"}"
#define THERAPY_END(d)                                                                                      \
  "{\"sex\":\"female\",\"age\":70,\"as_of\":\"2026-11-01\",\"therapies\":[{\"agent\":\"alendronate\"," \
  "\"start\":\"2025-01-01\",\"end\":\"" d "\"}]}"

static void test_dates_past_9999(void **s) {
  (void)s;
  op_kb *kb = kb_of();
  arena *a = arena_create(1 << 16);
  expect_ok(kb, a, AS_OF_REC("9899-12-31"), NULL);
  expect_error(kb, a, AS_OF_REC("9900-01-01"), NULL, "as_of", "on or before 9899-12-31");
  expect_error(kb, a, AS_OF_REC("9999-12-31"), NULL, "as_of", "on or before 9899-12-31");
  expect_error(kb, a, AS_OF_REC("10000-01-01"), NULL, "as_of", "a real calendar date");
  /* --as-of the same */
  expect_ok(kb, a, "{\"sex\":\"female\",\"birth_date\":\"9830-03-01\"}", "9899-12-31");
  expect_error(kb, a, "{\"sex\":\"female\",\"birth_date\":\"9830-03-01\"}", "9900-01-01", "as_of", "--as-of");
  /* a date that may follow as_of: the calendar's last day, and no later */
  expect_ok(kb, a, THERAPY_END("9999-12-31"), NULL);
  expect_error(kb, a, THERAPY_END("10000-01-01"), NULL, "therapies[0].end", "a real calendar date");
  arena_destroy(a);
  kb_free(kb);
}

#define FX(second)                                                                                         \
  "{\"sex\":\"female\",\"birth_date\":\"1954-06-01\",\"as_of\":\"2026-11-01\",\"fractures\":["           \
  "{\"site\":\"wrist\",\"date\":\"2020-01-01\"}," second "]}"

static void test_fracture_before_birth(void **s) {
  (void)s;
  op_kb *kb = kb_of();
  arena *a = arena_create(1 << 16);
  expect_error(kb, a, FX("{\"site\":\"hip\",\"date\":\"1954-05-31\"}"), NULL, "fractures[1].date", "before birth_date");
  expect_ok(kb, a, FX("{\"site\":\"hip\",\"date\":\"1954-06-01\"}"), NULL);
  expect_error(kb, a, FX("{\"site\":\"hip\",\"year\":1953}"), NULL, "fractures[1].year", "before birth_date");
  expect_ok(kb, a, FX("{\"site\":\"hip\",\"year\":1954}"), NULL); /* 1 July is after birth: the same year */
  arena_destroy(a);
  kb_free(kb);
}

/* Each list of the record at exactly its capacity (read) and one over
** (refused, the field named). */
static void test_list_capacity(void **s) {
  (void)s;
  op_kb *kb = kb_of();
  arena *a = arena_create(1 << 20);
  int cap = (int)KB_TH(kb, V_LIST_MAX);
  static const struct {
    const char *field, *path, *elem;
  } lists[] = {
      {"bmd", "bmd", "{\"site\":\"total_hip\",\"t_score\":-1.0,\"date\":\"2026-01-01\"}"},
      {"fractures", "fractures", "{\"site\":\"wrist\",\"date\":\"2020-01-01\"}"},
      {"therapies", "therapies", "{\"agent\":\"alendronate\",\"start\":\"2020-01-01\",\"end\":\"2021-01-01\"}"},
      {"medications", "medications", "{\"class\":\"glucocorticoid\",\"name\":\"x\"}"},
      {"conditions", "conditions", "{\"code\":\"stroke\"}"},
      {"labs\":{\"p1np", "labs.p1np", "{\"value\":40,\"date\":\"2026-01-01\"}"},
      {"labs\":{\"ctx", "labs.ctx", "{\"value\":0.3,\"date\":\"2026-01-01\"}"},
  };
  for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
    for (int n = cap; n <= cap + 1; n++) {
      strbuf b;
      sb_init(&b, a);
      bool labs = !strncmp(lists[l].field, "labs", 4);
      sb_cat(&b, "{\"sex\":\"female\",\"age\":70,\"as_of\":\"2026-11-01\",\"", lists[l].field, "\":[", (char *)NULL);
      for (int i = 0; i < n; i++) sb_cat(&b, i ? "," : "", lists[l].elem, (char *)NULL);
      sb_puts(&b, labs ? "]}}" : "]}");
      assert_false(b.oom);
      char *j = strdup(sb_str(&b));
      if (n == cap) {
        expect_ok(kb, a, j, NULL);
      } else {
        char words[64];
        snprintf(words, sizeof words, "at most %d entries, got %d", cap, n);
        expect_error(kb, a, j, NULL, lists[l].path, words);
      }
      free(j);
      arena_reset(a);
    }
  }
  arena_destroy(a);
  kb_free(kb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_screen_alloc_failure), cmocka_unit_test(test_csv_cells),
      cmocka_unit_test(test_calendar_end),          cmocka_unit_test(test_dates_past_9999),
      cmocka_unit_test(test_fracture_before_birth), cmocka_unit_test(test_list_capacity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
