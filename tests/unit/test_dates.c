/*
** test_dates.c: the calendar arithmetic of util/date.c against the
** algorithms it replaced (kept here as the reference), exhaustively over
** the dates a plan meets: every day of 1900 to 2200 with every month offset
** from -1200 to 1200 (month ends, leap days and the century years
** included), whole months between every pair of days up to four years
** apart around today and a sample beyond; the split date through the whole
** calendar; and the strict reading of YYYY-MM-DD.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util/date.h"

/* ---- the reference: date.c as it was before issue 19 ---------------------- */

static bool ref_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int ref_dim(int y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && ref_leap(y) ? 29 : dm[m - 1];
}

static op_date ref_from_ymd(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int)doe - 719468;
}

static void ref_to_ymd(op_date z, int *y, int *m, int *d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int yy = (int)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yy + (*m <= 2);
}

static op_date ref_add_months(op_date d, int n) {
  int y, m, dd;
  ref_to_ymd(d, &y, &m, &dd);
  int total = y * 12 + (m - 1) + n;
  int ny = total / 12, nm = total % 12 + 1;
  if (total < 0) return d;
  int dim = ref_dim(ny, nm);
  return ref_from_ymd(ny, nm, dd > dim ? dim : dd);
}

static int ref_whole_months(op_date from, op_date to) {
  if (to <= from) return 0;
  int n = (int)((double)(to - from) / OP_DAYS_PER_MONTH);
  while (n > 0 && ref_add_months(from, n) > to) n--;
  while (ref_add_months(from, n + 1) <= to) n++;
  return n;
}

static int ref_digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static bool ref_parse(const char *s, size_t n, op_date *out) {
  if (n != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = ref_digits(s, 4), m = ref_digits(s + 5, 2), d = ref_digits(s + 8, 2);
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  if (d > ref_dim(y, m)) return false;
  *out = ref_from_ymd(y, m, d);
  return true;
}

/* ---- the checks ------------------------------------------------------------ */

static long failures;

static void fail_once(const char *what, op_date d, long x, long got, long want) {
  if (failures++ < 10) printf("%s: date %d, %ld: %ld, expected %ld\n", what, d, x, got, want);
}

static void test_add_months(void **s) {
  (void)s;
  failures = 0;
  op_date first = ref_from_ymd(1900, 1, 1), last = ref_from_ymd(2200, 12, 31);
  long n = 0;
  for (op_date d = first; d <= last; d++) {
    int y, m, dd;
    ref_to_ymd(d, &y, &m, &dd);
    for (int k = -1200; k <= 1200; k++, n++) {
      op_date want = ref_add_months(d, k);
      op_date got = date_add_months(d, k);
      if (got != want) fail_once("date_add_months", d, k, got, want);
      got = date_add_months_ymd(y, m, dd, k);
      if (got != want) fail_once("date_add_months_ymd", d, k, got, want);
    }
  }
  printf("date_add_months: %ld (date, offset) pairs, %ld differ\n", n, failures);
  assert_int_equal(failures, 0);
}

static void test_whole_months(void **s) {
  (void)s;
  failures = 0;
  long n = 0;
  /* every pair up to four years apart (and a little before) around today */
  for (op_date from = ref_from_ymd(1996, 1, 1); from <= ref_from_ymd(2036, 12, 31); from++)
    for (op_date to = from - 3; to <= from + 1500; to++, n++) {
      int want = ref_whole_months(from, to), got = date_whole_months_between(from, to);
      if (got != want) fail_once("date_whole_months_between", from, to, got, want);
    }
  /* every day of 1900 to 2200 with longer spans, up to a century */
  for (op_date from = ref_from_ymd(1900, 1, 1); from <= ref_from_ymd(2200, 12, 31); from++)
    for (op_date to = from + 1501; to <= from + 36600; to += 97, n++) {
      int want = ref_whole_months(from, to), got = date_whole_months_between(from, to);
      if (got != want) fail_once("date_whole_months_between", from, to, got, want);
    }
  printf("date_whole_months_between: %ld pairs, %ld differ\n", n, failures);
  assert_int_equal(failures, 0);
}

/* Every day from year 0 to 10000 both ways, and the dates an unset field
** or a far past may hold. */
static void test_split(void **s) {
  (void)s;
  failures = 0;
  long n = 0;
  for (op_date d = ref_from_ymd(0, 1, 1) - 10; d <= ref_from_ymd(10000, 12, 31) + 10; d++, n++) {
    int y, m, dd, ry, rm, rd;
    date_to_ymd(d, &y, &m, &dd);
    ref_to_ymd(d, &ry, &rm, &rd);
    if (y != ry || m != rm || dd != rd) fail_once("date_to_ymd", d, 0, y * 10000 + m * 100 + dd, ry * 10000 + rm * 100 + rd);
    if (date_from_ymd(ry, rm, rd) != d) fail_once("date_from_ymd", d, 0, date_from_ymd(ry, rm, rd), d);
  }
  /* both algorithms' seams: years -30000 and 30000 (days -11676803 and
  ** 10238112), and beyond */
  for (op_date d = -11676803 - 1000; d <= -11676803 + 1000; d++, n++) {
    int y, m, dd, ry, rm, rd;
    date_to_ymd(d, &y, &m, &dd);
    ref_to_ymd(d, &ry, &rm, &rd);
    if (y != ry || m != rm || dd != rd) fail_once("date_to_ymd", d, 0, y * 10000 + m * 100 + dd, ry * 10000 + rm * 100 + rd);
  }
  for (op_date d = 10238112 - 1000; d <= 10238112 + 1000; d++, n++) {
    int y, m, dd, ry, rm, rd;
    date_to_ymd(d, &y, &m, &dd);
    ref_to_ymd(d, &ry, &rm, &rd);
    if (y != ry || m != rm || dd != rd) fail_once("date_to_ymd", d, 0, y * 10000 + m * 100 + dd, ry * 10000 + rm * 100 + rd);
  }
  /* days from year, month, day for any day number 0 to 40 of any month
  ** 0 to 13 (the formula is linear in the day; out of range: the fallback) */
  for (int y = -30010; y <= 30010; y += (y > -29990 && y < 29990 && (y < -600 || y > 10600)) ? 7 : 1)
    for (int m = 0; m <= 13; m++)
      for (int d = 0; d <= 40; d++, n++)
        if (date_from_ymd(y, m, d) != ref_from_ymd(y, m, d))
          fail_once("date_from_ymd", ref_from_ymd(y, m, d), y * 10000 + m * 100 + d, date_from_ymd(y, m, d), ref_from_ymd(y, m, d));
  static const op_date odd[] = {OP_NO_DATE, OP_NO_DATE + 1, -1000000000, -800000, 800000, 2000000000};
  for (size_t i = 0; i < sizeof odd / sizeof *odd; i++, n++) {
    int y, m, dd, ry, rm, rd;
    date_to_ymd(odd[i], &y, &m, &dd);
    ref_to_ymd(odd[i], &ry, &rm, &rd);
    if (y != ry || m != rm || dd != rd) fail_once("date_to_ymd", odd[i], 0, y, ry);
    if (date_add_months(odd[i], 12) != ref_add_months(odd[i], 12)) fail_once("date_add_months", odd[i], 12, 0, 1);
  }
  printf("date_to_ymd / date_from_ymd: %ld dates, %ld differ\n", n, failures);
  assert_int_equal(failures, 0);
}

/* One string both ways: the same answer, and the same date when read. */
static void parse_both(const char *s, size_t n) {
  op_date a = 12345, b = 12345;
  bool ok = date_parse(s, n, &a), want = ref_parse(s, n, &b);
  if (ok != want || a != b) {
    if (failures < 10) printf("date_parse(\"%.*s\"): ", (int)n, s);
    fail_once("date_parse", 0, (long)n, ok ? a : -1, want ? b : -1);
  }
}

/* Every YYYY-MM-DD with any year, month 00 to 19 and day 00 to 39 (real
** days, day 0, the 29th to 31st of every month, month 13...), and each of
** their ten bytes replaced by every byte value, and other lengths. */
static void test_parse(void **s) {
  (void)s;
  failures = 0;
  long n = 0;
  char buf[16];
  for (int y = 0; y <= 9999; y++)
    for (int m = 0; m <= 19; m++)
      for (int d = 0; d <= 39; d++, n++) {
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        parse_both(buf, 10);
        if (y % 97 == 0 && d % 7 == 0)
          for (int i = 0; i < 10; i++) {
            char keep = buf[i];
            for (int c = 0; c < 256; c++, n++) {
              buf[i] = (char)c;
              parse_both(buf, 10);
            }
            buf[i] = keep;
          }
      }
  static const char *const odd[] = {"", "2026-1-01", "2026-01-1", "02026-01-01", "2026-01-011", "2026/01/01"};
  for (size_t i = 0; i < sizeof odd / sizeof *odd; i++, n++) parse_both(odd[i], strlen(odd[i]));
  printf("date_parse: %ld strings, %ld differ\n", n, failures);
  assert_int_equal(failures, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_add_months),
      cmocka_unit_test(test_whole_months),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
