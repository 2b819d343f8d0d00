/*
** test_basics.c: dates, the strict JSON layer, the template filler, and the
** record's 2026.12 fields (dated labs, adherence) as the reader fills them.
*/
#include <math.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json/json.h"
#include "json/json_write.h"
#include "kb/kb.h"
#include "kb/template.h"
#include "record/record.h"
#include "util/arena.h"
#include "util/date.h"
#include "util/numfmt.h"
#include "util/strbuf.h"

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
  /* calendar spans (spec README, 2026.12): 24 months before 2026-11-01 is
  ** 2024-11-01, inside; the day before is outside */
  assert_true(date_within_months_before(b, o, 24));
  date_parse("2024-10-31", 10, &b);
  assert_false(date_within_months_before(b, o, 24));
  date_parse("2026-11-02", 10, &b);
  assert_false(date_within_months_before(b, o, 24)); /* after ref */
  date_parse("2024-11-01", 10, &b);
  assert_int_equal(date_whole_months_between(b, o), 24); /* start + 24 months <= end */
  date_parse("2024-11-02", 10, &b);
  assert_int_equal(date_whole_months_between(b, o), 23);
  date_parse("2026-08-31", 10, &b);
  date_parse("2027-02-28", 10, &o);
  assert_int_equal(date_whole_months_between(b, o), 6); /* clamped: 08-31 + 6 = 02-28 */
  assert_true(date_months_elapsed(b, o, 6));
  date_parse("2027-02-27", 10, &o);
  assert_int_equal(date_whole_months_between(b, o), 5);
  assert_false(date_months_elapsed(b, o, 6));
  assert_int_equal(date_whole_months_between(o, b), 0); /* a negative span is none */
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

/* date_format writes its digits by hand: days from 0001 to 9999 read back
** as themselves and print as snprintf would. */
static void test_date_format_sweep(void **s) {
  (void)s;
  op_date lo, hi;
  assert_true(date_parse("0001-01-01", 10, &lo));
  assert_true(date_parse("9999-12-31", 10, &hi));
  op_date dense_lo, dense_hi; /* every day of the years patients have; every 97th elsewhere */
  assert_true(date_parse("1850-01-01", 10, &dense_lo));
  assert_true(date_parse("2150-12-31", 10, &dense_hi));
  for (op_date d = lo; d <= hi; d += (d >= dense_lo && d <= dense_hi) || d > hi - 400 ? 1 : 97) {
    char buf[11], want[16];
    date_format(d, buf);
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, dd);
    if (strcmp(buf, want)) fail_msg("day %ld: %s, want %s", (long)d, buf, want);
    op_date back;
    assert_true(date_parse(buf, 10, &back));
    assert_int_equal(back, d);
  }
}

static const char *num_text(arena *a, double v) {
  strbuf b;
  sb_init(&b, a);
  jwriter w;
  jw_init(&w, &b, false);
  jw_num(&w, v);
  return sb_str(&b);
}

/* jw_num's fast path for numbers with at most two decimals must print what
** "%.10g" prints, at, above and below every boundary it has. */
static void test_json_numbers(void **s) {
  (void)s;
  arena *a = arena_create(4096);
  const double edge[] = {0, -0.0, 0.01, -0.01, 0.05, 0.1, 0.29, 0.3, 1, -1, 2.5, -2.5, -2.75, 9.3, 9.99, 12.5,
                         58, 100, 0.1 + 0.2, 1.0 / 3, 2.675, 1e-5, 123456.78, 9999999.99, 10000000, 1e9, 1e10,
                         -1e10, 1e15, 1e16, 1e300, 5e-324, 0.125, 0.005, -0.005, 4.1, 22.5, 1234567890.12};
  char want[64];
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    double v = edge[i] == 0 ? 0 : edge[i];
    snprintf(want, sizeof want, "%.10g", v);
    assert_string_equal(num_text(a, edge[i]), want);
  }
  /* every value with two decimals between -1000 and 1000, and random ones */
  for (long k = -100000; k <= 100000; k++) {
    double v = (double)k / 100;
    snprintf(want, sizeof want, "%.10g", v == 0 ? 0 : v);
    if (strcmp(num_text(a, v), want)) fail_msg("%ld/100: %s, want %s", k, num_text(a, v), want);
    arena_reset(a);
  }
  unsigned long long x = 88172645463325252ull;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double v = (double)(long long)(x % 2000000001ull - 1000000000ull) / (i % 3 ? 100 : 1000);
    snprintf(want, sizeof want, "%.10g", v == 0 ? 0 : v);
    if (strcmp(num_text(a, v), want)) fail_msg("%.17g: %s, want %s", v, num_text(a, v), want);
    arena_reset(a);
  }
  assert_string_equal(num_text(a, 1.0 / 0.0), "null");
  char buf[NUM_G10_MAX];
  num_g10(-1.0 / 0.0, buf);
  assert_string_equal(buf, "-inf"); /* as printf, for the engine's words */
  const long ints[] = {0, 7, -7, 10, -10, 1234567890L, LONG_MAX, LONG_MIN};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    snprintf(want, sizeof want, "%ld", ints[i]);
    assert_int_equal(num_long(ints[i], buf), (int)strlen(want));
    assert_string_equal(buf, want);
  }
  arena_destroy(a);
}

/* num_g_hundredths (the Markdown detail's months and doses) must write
** what "%g" writes whenever it writes anything: every k/100, k/10 and
** k/1000 about the range it takes, the next double after each k/100, and
** odd values (it must decline those, and 0, -0, NaN, the infinities). */
static void test_g_hundredths(void **s) {
  (void)s;
  char got[NUM_G10_MAX], want[64];
  long taken = 0;
  const double edge[] = {0, -0.0, 0.005, 0.01, -0.01, 9999.99, 10000, -9999.99, 10000.01, 123456, 1e6,
                         0.1 + 0.2, 1.0 / 3, 12.5, -2.7, 60, 1.0 / 0.0, -1.0 / 0.0, NAN, 5e-324};
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    snprintf(want, sizeof want, "%g", edge[i]);
    if (num_g_hundredths(edge[i], got) && strcmp(got, want)) fail_msg("%.17g: %s, want %s", edge[i], got, want);
  }
  for (long k = -1100000; k <= 1100000; k++) {
    const double vs[] = {(double)k / 100, (double)k / 10, (double)k / 1000, nextafter((double)k / 100, 1e9)};
    for (int j = 0; j < 4; j++) {
      if (!num_g_hundredths(vs[j], got)) continue;
      taken++;
      snprintf(want, sizeof want, "%g", vs[j]);
      if (strcmp(got, want)) fail_msg("%.17g: %s, want %s", vs[j], got, want);
    }
  }
  assert_false(num_g_hundredths(0, got));
  assert_false(num_g_hundredths(-0.0, got));
  assert_false(num_g_hundredths(NAN, got));
  assert_false(num_g_hundredths(1e4, got)); /* k = 10^6: outside */
  assert_int_equal(num_g_hundredths(9999.99, got), 7);
  assert_true(taken > 2000000); /* the fast path is taken: it is no use otherwise */
}

/* num_fixed1 (T-scores and their changes in the engine's words) must
** print what "%.1f" / "%+.1f" print: at the fast path's edges, at every
** tenth between -100 and 100, at the half-way points printf rounds to even,
** and at random values, with -0.0 and the infinities. */
static void test_fixed1(void **s) {
  (void)s;
  char got[NUM_G10_MAX], want[64];
  const double edge[] = {0, -0.0, 0.05, -0.05, 0.15, 0.25, -2.25, 2.35, -2.65, 0.1 + 0.2, 1.0 / 3, -2.7, -2.0, 2.0,
                         99999999.9, 100000000.0, -100000000.1, 1e15, 1e16, 5e-324, 1.0 / 0.0, -1.0 / 0.0, 0.95, 9.95};
  for (int plus = 0; plus < 2; plus++) {
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
      snprintf(want, sizeof want, plus ? "%+.1f" : "%.1f", edge[i]);
      num_fixed1(edge[i], plus, got);
      if (strcmp(got, want)) fail_msg("%.17g: %s, want %s", edge[i], got, want);
    }
    for (long k = -1000; k <= 1000; k++) {
      double v = (double)k / 10;
      snprintf(want, sizeof want, plus ? "%+.1f" : "%.1f", v);
      num_fixed1(v, plus, got);
      if (strcmp(got, want)) fail_msg("%ld/10: %s, want %s", k, got, want);
    }
    unsigned long long x = 88172645463325252ull;
    for (int i = 0; i < 200000; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      double v = (double)(long long)(x % 2000001ull - 1000000ull) / (i % 2 ? 10 : 1000);
      snprintf(want, sizeof want, plus ? "%+.1f" : "%.1f", v);
      num_fixed1(v, plus, got);
      if (strcmp(got, want)) fail_msg("%.17g: %s, want %s", v, got, want);
    }
  }
}

static void test_json_escape(void **s) {
  (void)s;
  arena *a = arena_create(4096);
  strbuf b;
  sb_init(&b, a);
  /* runs longer than one vector, UTF-8 inside and at the edges, every escape */
  json_escape(&b, "\xc3\xa9" "abcdefghijklmnopqrstuvwxyz \"quoted\" back\\slash\ttab\nline\r\x01\x1f end \xe2\x80\x94");
  assert_string_equal(sb_str(&b), "\"\xc3\xa9" "abcdefghijklmnopqrstuvwxyz \\\"quoted\\\" back\\\\slash\\ttab\\nline\\r\\u0001"
                                  "\\u001f end \xe2\x80\x94\"");
  sb_init(&b, a);
  json_escape(&b, "");
  assert_string_equal(sb_str(&b), "\"\"");
  /* every single byte after 16 plain ones (the vector path's stop) */
  for (int c = 1; c < 256; c++) {
    char in[18];
    memset(in, 'x', 16);
    in[16] = (char)c;
    in[17] = 0;
    sb_init(&b, a);
    json_escape(&b, in);
    const char *out = sb_str(&b);
    if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
      assert_int_equal(out[17], '\\'); /* escaped: a backslash, then 1 or 5 more */
      assert_true(strlen(out) == 20 || strlen(out) == 24);
    } else {
      assert_int_equal((unsigned char)out[17], c);
      assert_int_equal(strlen(out), 19);
    }
  }
  /* DEL and the C1 controls (valid JSON, but commands to a terminal) are
  ** escaped, in the vector path and in the tail; other 0xC2 pairs are not */
  const char *const c1[][2] = {
      {"\x7f", "\"\\u007f\""},
      {"\xc2\x80", "\"\\u0080\""},
      {"0123456789abcdef\xc2\x9b[2J", "\"0123456789abcdef\\u009b[2J\""},
      {"0123456789abcdefghij\x7f", "\"0123456789abcdefghij\\u007f\""},
      {"\xc2\xa0\xc2\xb0 0123456789abcdef", "\"\xc2\xa0\xc2\xb0 0123456789abcdef\""},
  };
  for (size_t i = 0; i < sizeof c1 / sizeof *c1; i++) {
    sb_init(&b, a);
    json_escape(&b, c1[i][0]);
    assert_string_equal(sb_str(&b), c1[i][1]);
  }
  arena_destroy(a);
}

/* The writer's set of bytes to look at (json.h): the word test and the
** vector test agree with the byte-by-byte definition for every byte value
** at every place of a word, the other places plain or a second such byte. */
static bool writer_special(unsigned c) { return c < 0x20 || c >= 0x7f || c == '"' || c == '\\'; }

static void test_json_writer_set(void **s) {
  (void)s;
  for (int fill = 0; fill < 2; fill++)
    for (int pos = 0; pos < 16; pos++)
      for (unsigned c = 0; c < 256; c++) {
        unsigned char w[16];
        memset(w, 'a', sizeof w);
        if (fill) w[(pos + 5) % 16] = 0x7e; /* the last plain byte beside it */
        w[pos] = (unsigned char)c;
        uint64_t lo, hi;
        memcpy(&lo, w, 8);
        memcpy(&hi, w + 8, 8);
        bool want = writer_special(c);
        assert_int_equal(!json_plain8(pos < 8 ? lo : hi), want);
        assert_int_equal(json_plain8(pos < 8 ? hi : lo), true);
#ifdef __SSE2__
        assert_int_equal(json_write_special16(w), want ? 1 << pos : 0);
#endif
      }
}

/* A buffer doubled while it is the arena's newest allocation grows in place;
** one that is not is copied; either way the contents and zeroed tail hold. */
static void test_arena_grow(void **s) {
  (void)s;
  arena *a = arena_create(4096);
  char *p = arena_alloc(a, 100);
  memset(p, 'a', 100);
  char *q = arena_grow(a, p, 100, 200);
  assert_ptr_equal(p, q);
  for (int i = 0; i < 100; i++) assert_int_equal(q[i], 'a');
  for (int i = 100; i < 200; i++) assert_int_equal(q[i], 0);
  char *other = arena_alloc(a, 16);
  assert_non_null(other);
  char *r = arena_grow(a, q, 200, 400);
  assert_ptr_not_equal(r, q);
  for (int i = 0; i < 100; i++) assert_int_equal(r[i], 'a');
  for (int i = 100; i < 400; i++) assert_int_equal(r[i], 0);
  char *big = arena_grow(a, r, 400, 1 << 20); /* beyond the block: a new one */
  for (int i = 0; i < 100; i++) assert_int_equal(big[i], 'a');
  assert_int_equal(big[(1 << 20) - 1], 0);
  strbuf b;
  sb_init(&b, a);
  for (int i = 0; i < 10000; i++) sb_putc(&b, (char)('a' + i % 26));
  assert_int_equal(b.len, 10000);
  assert_int_equal(sb_str(&b)[9999], 'a' + 9999 % 26);
  arena_destroy(a);
}

/* ---- the record's 2026.12 fields --------------------------------------- */

#define REC_HEAD "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":70"

/* Reads REC_HEAD + tail + "}"; returns the status, *rec and *err filled. */
static op_status read_rec(arena *a, const op_kb *kb, const char *tail, op_record *rec, op_error *err) {
  char buf[1024];
  int n = snprintf(buf, sizeof buf, "%s%s}", REC_HEAD, tail);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  return record_read(a, kb, buf, (size_t)n, NULL, "2026-11-01", rec, err);
}

static op_date ymd(const char *s) {
  op_date d;
  assert_true(date_parse(s, strlen(s), &d));
  return d;
}

/* A lab is a plain number (no date: taken as current) or {value, date}. */
static void test_record_labs(void **s) {
  (void)s;
  char msg[256];
  op_kb *kb = kb_load_default(msg, sizeof msg);
  assert_non_null(kb);
  arena *a = arena_create(16 * 1024);
  op_record rec;
  op_error err;
  /* nothing given: no value, no date (memset's day 0 would be 1970-01-01) */
  assert_int_equal(read_rec(a, kb, "", &rec, &err), OP_OK);
  assert_false(rec.has_egfr || rec.has_crcl || rec.has_calcium || rec.has_vitd);
  assert_int_equal(rec.egfr_date, OP_NO_DATE);
  assert_int_equal(rec.crcl_date, OP_NO_DATE);
  assert_int_equal(rec.calcium_date, OP_NO_DATE);
  assert_int_equal(rec.vitd_date, OP_NO_DATE);
  assert_int_equal(read_rec(a, kb,
                            ",\"labs\":{\"egfr_ml_min\":{\"value\":41.5,\"date\":\"2025-02-03\"},"
                            "\"creatinine_clearance_ml_min\":38,\"calcium_mg_dl\":{\"date\":\"2026-11-01\",\"value\":8.4},"
                            "\"vitamin_d_ng_ml\":null}",
                            &rec, &err),
                   OP_OK);
  assert_true(rec.has_egfr && rec.egfr == 41.5 && rec.egfr_date == ymd("2025-02-03"));
  assert_true(rec.has_crcl && rec.crcl == 38 && rec.crcl_date == OP_NO_DATE);
  assert_true(rec.has_calcium && rec.calcium == 8.4 && rec.calcium_date == ymd("2026-11-01"));
  assert_true(!rec.has_vitd && rec.vitd_date == OP_NO_DATE);
  assert_int_equal(read_rec(a, kb, ",\"labs\":{\"vitamin_d_ng_ml\":{\"value\":0,\"date\":\"1970-01-01\"}}", &rec, &err),
                   OP_OK);
  assert_true(rec.has_vitd && rec.vitd == 0 && rec.vitd_date == 0 && rec.egfr_date == OP_NO_DATE);
  /* each faulty form named by its path */
  static const char *const bad[][2] = {
      {"{\"value\":41}", "labs.egfr_ml_min.date"},
      {"{\"date\":\"2026-01-01\"}", "labs.egfr_ml_min.value"},
      {"{}", "labs.egfr_ml_min.value"},
      {"{\"value\":41,\"date\":\"2026-01-01\",\"unit\":\"mL/min\"}", "labs.egfr_ml_min.unit"},
      {"{\"value\":41,\"date\":\"2026-11-02\"}", "labs.egfr_ml_min.date"},
      {"{\"value\":41,\"date\":\"2026-02-30\"}", "labs.egfr_ml_min.date"},
      {"{\"value\":41,\"date\":null}", "labs.egfr_ml_min.date"},
      {"{\"value\":-1,\"date\":\"2026-01-01\"}", "labs.egfr_ml_min.value"},
      {"{\"value\":\"41\",\"date\":\"2026-01-01\"}", "labs.egfr_ml_min.value"},
      {"\"41\"", "labs.egfr_ml_min"},
      {"[41,\"2026-01-01\"]", "labs.egfr_ml_min"},
      {"true", "labs.egfr_ml_min"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char tail[256];
    snprintf(tail, sizeof tail, ",\"labs\":{\"egfr_ml_min\":%s}", bad[i][0]);
    assert_int_equal(read_rec(a, kb, tail, &rec, &err), OP_ERR_INPUT);
    if (strcmp(err.path, bad[i][1])) fail_msg("%s: path %s, expected %s (%s)", bad[i][0], err.path, bad[i][1], err.message);
  }
  arena_destroy(a);
  kb_free(kb);
}

static void test_record_adherence(void **s) {
  (void)s;
  char msg[256];
  op_kb *kb = kb_load_default(msg, sizeof msg);
  assert_non_null(kb);
  arena *a = arena_create(16 * 1024);
  op_record rec;
  op_error err;
  assert_int_equal(read_rec(a, kb,
                            ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-01-01\",\"adherence\":\"poor\"},"
                            "{\"agent\":\"denosumab\",\"start\":\"2020-01-01\",\"end\":\"2023-01-01\",\"adherence\":\"good\"},"
                            "{\"agent\":\"raloxifene\",\"start\":\"2018-01-01\",\"end\":\"2019-01-01\",\"adherence\":null},"
                            "{\"agent\":\"risedronate\",\"start\":\"2016-01-01\",\"end\":\"2017-01-01\"}]",
                            &rec, &err),
                   OP_OK);
  assert_int_equal(rec.n_therapies, 4);
  assert_true(rec.therapies[0].adherence_poor);
  assert_false(rec.therapies[1].adherence_poor || rec.therapies[2].adherence_poor || rec.therapies[3].adherence_poor);
  static const char *const bad[] = {"\"bad\"", "\"Poor\"", "1", "true", "{}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char tail[256];
    snprintf(tail, sizeof tail,
             ",\"therapies\":[{\"agent\":\"alendronate\",\"start\":\"2024-01-01\"},"
             "{\"agent\":\"alendronate\",\"start\":\"2024-01-01\",\"adherence\":%s}]",
             bad[i]);
    assert_int_equal(read_rec(a, kb, tail, &rec, &err), OP_ERR_INPUT);
    assert_string_equal(err.path, "therapies[1].adherence");
    assert_non_null(strstr(err.message, "one of good, poor"));
  }
  arena_destroy(a);
  kb_free(kb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_date_parse), cmocka_unit_test(test_date_arith), cmocka_unit_test(test_json_strict),
      cmocka_unit_test(test_json_values), cmocka_unit_test(test_template), cmocka_unit_test(test_date_format_sweep),
      cmocka_unit_test(test_json_numbers),
      cmocka_unit_test(test_fixed1), cmocka_unit_test(test_g_hundredths), cmocka_unit_test(test_json_escape), cmocka_unit_test(test_json_writer_set),
      cmocka_unit_test(test_arena_grow),
      cmocka_unit_test(test_record_labs), cmocka_unit_test(test_record_adherence),
  };
  return cmocka_run_group_tests_name("basics", tests, NULL, NULL);
}
