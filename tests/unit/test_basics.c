/*
** test_basics.c: dates, the strict JSON layer and the template filler.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json/json.h"
#include "kb/template.h"
#include "util/arena.h"
#include "util/date.h"

static void test_date_parse(void **s) {
  (void)s;
  op_date d;
  assert_true(date_parse("2024-02-29", 10, &d));
  assert_false(date_parse("2026-02-29", 10, &d));
  assert_false(date_parse("2026-02-30", 10, &d));
  assert_false(date_parse("2026-13-01", 10, &d));
  assert_false(date_parse("2026-00-10", 10, &d));
  assert_false(date_parse("2026-1-01", 9, &d));
  assert_false(date_parse("2026/01/01", 10, &d));
  assert_false(date_parse("20x6-01-01", 10, &d));
  assert_false(date_parse("0000-01-01", 10, &d));
  assert_true(date_parse("1900-02-28", 10, &d));
  assert_false(date_parse("1900-02-29", 10, &d));
  assert_true(date_parse("2000-02-29", 10, &d));
  assert_true(date_parse("1970-01-01", 10, &d));
  assert_int_equal(d, 0);
  char buf[11];
  assert_true(date_parse("2026-11-01", 10, &d));
  date_format(d, buf);
  assert_string_equal(buf, "2026-11-01");
}

static void fmt_add(const char *from, int months, const char *want) {
  op_date d;
  char buf[11];
  assert_true(date_parse(from, 10, &d));
  date_format(date_add_months(d, months), buf);
  assert_string_equal(buf, want);
}

static void test_date_arith(void **s) {
  (void)s;
  fmt_add("2026-08-31", 6, "2027-02-28"); /* the spec's example */
  fmt_add("2027-08-31", 6, "2028-02-29");
  fmt_add("2026-11-01", 24, "2028-11-01");
  fmt_add("2026-01-31", 1, "2026-02-28");
  fmt_add("2026-12-15", 1, "2027-01-15");
  fmt_add("2026-11-01", 3, "2027-02-01");
  op_date b, o;
  date_parse("1955-11-02", 10, &b);
  date_parse("2026-11-01", 10, &o);
  assert_int_equal(date_years_between(b, o), 70);
  date_parse("1955-11-01", 10, &b);
  assert_int_equal(date_years_between(b, o), 71);
  date_parse("2024-11-01", 10, &b);
  assert_true(date_within_months_before(b, o, 24));  /* 730 <= 730.5 */
  date_parse("2024-10-31", 10, &b);
  assert_false(date_within_months_before(b, o, 24)); /* 731 */
  date_parse("2026-11-02", 10, &b);
  assert_false(date_within_months_before(b, o, 24)); /* after ref */
  date_parse("2024-11-01", 10, &b);
  assert_int_equal(date_whole_months_between(b, o), 23); /* 730 / 30.4375 = 23.98 */
}

static int parse(const char *s) {
  arena *a = arena_create(4096);
  json_doc d;
  char msg[256];
  int rc = json_parse(a, s, strlen(s), &d, msg, sizeof msg);
  arena_destroy(a);
  return rc;
}

static void test_json_strict(void **s) {
  (void)s;
  assert_int_equal(parse("{\"a\":1}"), 0);
  assert_int_equal(parse(" {\"a\": [1, 2.5e3, -0, true, false, null, \"x\\u00e9\\ud83d\\ude00\"]} \n"), 0);
  assert_int_equal(parse("{\"a\":1,}"), -1);           /* trailing comma */
  assert_int_equal(parse("[1,]"), -1);
  assert_int_equal(parse("{\"a\" 1}"), -1);            /* missing colon */
  assert_int_equal(parse("{\"a\":1 \"b\":2}"), -1);    /* missing comma */
  assert_int_equal(parse("{a:1}"), -1);                /* bare key */
  assert_int_equal(parse("{\"a\":tru}"), -1);
  assert_int_equal(parse("{\"a\":01}"), -1);           /* leading zero */
  assert_int_equal(parse("{\"a\":1.}"), -1);
  assert_int_equal(parse("{\"a\":.5}"), -1);
  assert_int_equal(parse("{\"a\":+1}"), -1);
  assert_int_equal(parse("{\"a\":NaN}"), -1);
  assert_int_equal(parse("{\"a\":1} {}"), -1);         /* two values */
  assert_int_equal(parse("{\"a\":1} x"), -1);
  assert_int_equal(parse(""), -1);
  assert_int_equal(parse("   "), -1);
  assert_int_equal(parse("{\"a\":\"\\x\"}"), -1);      /* bad escape */
  assert_int_equal(parse("{\"a\":\"\\u12\"}"), -1);
  assert_int_equal(parse("{\"a\":\"\\ud800\"}"), -1);  /* lone surrogate */
  assert_int_equal(parse("{\"a\":\"\\u0000\"}"), -1);  /* NUL */
  assert_int_equal(parse("{\"a\":\"tab\there\"}"), -1); /* raw control char */
  assert_int_equal(parse("{\"a\":\"\xc3\x28\"}"), -1); /* invalid UTF-8 */
  assert_int_equal(parse("{\"a\":\"\xe0\x80\x80\"}"), -1); /* overlong */
  assert_int_equal(parse("{\"a\":\"\xed\xa0\x80\"}"), -1); /* UTF-8 surrogate */
  assert_int_equal(parse("\xef\xbb\xbf{}"), -1);       /* BOM */
  assert_int_equal(parse("{\"a\":[1,2"), -1);
  assert_int_equal(parse("{\"a\":}"), -1);
  assert_int_equal(parse("[}"), -1);
  /* long strings: special bytes after the 16-byte fast path, at every offset */
  for (int pos = 0; pos < 40; pos++) {
    char doc[128], plain[41];
    memset(plain, 'a', 40);
    plain[40] = 0;
    snprintf(doc, sizeof doc, "[\"%s\"]", plain);
    assert_int_equal(parse(doc), 0);
    doc[2 + pos] = '\t'; /* a raw control character */
    assert_int_equal(parse(doc), -1);
    doc[2 + pos] = (char)0xff; /* not UTF-8 */
    assert_int_equal(parse(doc), -1);
    doc[2 + pos] = '"'; /* the string ends early: what follows is garbage */
    assert_int_equal(parse(doc), -1);
    snprintf(doc, sizeof doc, "[\"%.*s\\n%s\"]", pos, plain, plain + pos); /* an escape at pos */
    assert_int_equal(parse(doc), 0);
    snprintf(doc, sizeof doc, "[\"%.*s\\q%s\"]", pos, plain, plain + pos); /* a bad escape at pos */
    assert_int_equal(parse(doc), -1);
    snprintf(doc, sizeof doc, "[\"%.*s\xc3\xa9%s\"]", pos, plain, plain + pos); /* valid UTF-8 at pos */
    assert_int_equal(parse(doc), 0);
  }
  /* nesting: 64 levels are fine, deeper is refused at once (no hang) */
  size_t n = 200000;
  char *deep = malloc(2 * n + 1);
  memset(deep, '[', n);
  memset(deep + n, ']', n);
  deep[2 * n] = 0;
  assert_int_equal(parse(deep), -1);
  free(deep);
  char ok64[129], bad65[131];
  memset(ok64, '[', 64);
  memset(ok64 + 64, ']', 64);
  ok64[128] = 0;
  assert_int_equal(parse(ok64), 0);
  memset(bad65, '[', 65);
  memset(bad65 + 65, ']', 65);
  bad65[130] = 0;
  assert_int_equal(parse(bad65), -1);
  /* brackets inside strings do not count */
  assert_int_equal(parse("{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}"), 0);
  /* a wide array is linear */
  size_t w = 1000000;
  char *wide = malloc(2 * w + 3);
  wide[0] = '[';
  for (size_t i = 0; i < w; i++) {
    wide[1 + 2 * i] = '0';
    wide[2 + 2 * i] = ',';
  }
  wide[2 * w] = ']';
  wide[2 * w + 1] = 0;
  assert_int_equal(parse(wide), 0);
  free(wide);
}

static void test_json_values(void **s) {
  (void)s;
  arena *a = arena_create(4096);
  json_doc d;
  char msg[256];
  const char *t = "[1e999, -0, \"a\\n\\u00e9\\ud83d\\ude00\", 12.5]";
  assert_int_equal(json_parse(a, t, strlen(t), &d, msg, sizeof msg), 0);
  double v;
  assert_false(json_number(&d, 1, &v)); /* not finite */
  assert_true(json_number(&d, 2, &v));
  assert_true(v == 0);
  size_t len;
  char *str = json_string(a, &d, 3, &len);
  assert_string_equal(str, "a\n\xc3\xa9\xf0\x9f\x98\x80");
  assert_int_equal(json_next(&d, 0), d.ntok);
  const char *bad = "{\n  \"a\": [1,\n  2,]\n}";
  assert_int_equal(json_parse(a, bad, strlen(bad), &d, msg, sizeof msg), -1);
  assert_non_null(strstr(msg, "line 3"));
  arena_destroy(a);
}

static void test_template(void **s) {
  (void)s;
  arena *a = arena_create(4096);
  tmpl_var v[] = {{"value", "-2.8"}, {"site", "lumbar spine"}};
  assert_string_equal(tmpl_fill(a, "T {value} ({site})", v, 2), "T -2.8 (lumbar spine)");
  assert_string_equal(tmpl_fill(a, "missing {date}", v, 2), "missing {date}");
  assert_string_equal(tmpl_fill(a, "end {other}", (tmpl_var[]){{"other", ""}}, 1), "end");
  assert_string_equal(tmpl_fill(a, "plain", v, 2), "plain");
  arena_destroy(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_date_parse), cmocka_unit_test(test_date_arith), cmocka_unit_test(test_json_strict),
      cmocka_unit_test(test_json_values), cmocka_unit_test(test_template),
  };
  return cmocka_run_group_tests_name("basics", tests, NULL, NULL);
}
