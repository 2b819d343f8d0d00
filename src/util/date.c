/*
** date.c: civil-from-days and days-from-civil, exact for the whole
** proleptic Gregorian calendar: C. Neri and L. Schneider's algorithms
** ("Euclidean affine functions and their application to calendar
** algorithms", 2022: multiplications and shifts, no division left to the
** compiler) for every date of years -30000 to 30000, H. Hinnant's for the
** rest (never met in a plan; kept so that every int still gives what it
** gave). tests/unit/test_dates.c checks both against each other.
*/
#include "date.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Neri and Schneider shift the calendar by NS_S 400-year cycles so that
** every date of their range is a positive day count (uint32_t). */
#define NS_S 82u
#define NS_K (719468u + 146097u * NS_S)
#define NS_L (400u * NS_S)
#define NS_YEAR_MIN (-30000)
#define NS_YEAR_MAX 30000
/* days of NS_YEAR_MIN-01-01 and NS_YEAR_MAX-12-31 (z, since 1970-01-01) */
#define NS_DAY_MIN (-11676803)
#define NS_DAY_MAX 10238112

static op_date hinnant_from_ymd(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int)doe - 719468;
}

op_date date_from_ymd(int y, int m, int d) {
  if (y < NS_YEAR_MIN || y > NS_YEAR_MAX || m < 1 || m > 12 || d < 1 || d > 31) return hinnant_from_ymd(y, m, d);
  const uint32_t j = m <= 2;
  const uint32_t yy = (uint32_t)(y + (int)NS_L) - j, mm = j ? (uint32_t)m + 12 : (uint32_t)m;
  const uint32_t c = yy / 100;
  const uint32_t ys = 1461 * yy / 4 - c + c / 4, ms = (979 * mm - 2919) / 32;
  return (op_date)(ys + ms + (uint32_t)d - 1) - (op_date)NS_K; /* the sum is below 2^31: no wrap */
}

static void hinnant_to_ymd(op_date z, int *y, int *m, int *d) {
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

void date_to_ymd(op_date z, int *y, int *m, int *d) {
  if (z < NS_DAY_MIN || z > NS_DAY_MAX) {
    hinnant_to_ymd(z, y, m, d);
    return;
  }
  const uint32_t n = (uint32_t)z + NS_K;
  const uint32_t n1 = 4 * n + 3, c = n1 / 146097, nc = n1 % 146097 / 4;
  const uint64_t p2 = (uint64_t)2939745 * (4 * nc + 3);
  const uint32_t zz = (uint32_t)(p2 >> 32), ny = (uint32_t)p2 / 2939745 / 4;
  const uint32_t n3 = 2141 * ny + 197913;
  const uint32_t mm = n3 >> 16, dd = (n3 & 0xffff) / 2141;
  const uint32_t j = ny >= 306;
  *y = (int)(100 * c + zz + j) - (int)NS_L;
  *m = (int)(j ? mm - 12 : mm);
  *d = (int)dd + 1;
}

static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool date_parse(const char *s, size_t n, op_date *out) {
  if (n != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  if (d > days_in_month(y, m)) return false;
  *out = date_from_ymd(y, m, d);
  return true;
}

void date_format(op_date d, char buf[11]) {
  int y, m, dd;
  date_to_ymd(d, &y, &m, &dd);
  /* by hand, not snprintf: every plan formats dozens of dates, and y is
  ** 1..9999, m 1..12, dd 1..31 by construction (kept in range regardless) */
  y = (y % 10000 + 10000) % 10000;
  m = (m & 15) % 13;
  dd = (dd & 31) % 32;
  buf[0] = (char)('0' + y / 1000);
  buf[1] = (char)('0' + y / 100 % 10);
  buf[2] = (char)('0' + y / 10 % 10);
  buf[3] = (char)('0' + y % 10);
  buf[4] = '-';
  buf[5] = (char)('0' + m / 10);
  buf[6] = (char)('0' + m % 10);
  buf[7] = '-';
  buf[8] = (char)('0' + dd / 10);
  buf[9] = (char)('0' + dd % 10);
  buf[10] = 0;
}

op_date date_add_months_ymd(int y, int m, int d, int n) {
  int total = y * 12 + (m - 1) + n;
  if (total < 0) return date_from_ymd(y, m, d); /* before year 0: not a real case, keep the date */
  int ny = total / 12, nm = total % 12 + 1;
  int dim = days_in_month(ny, nm);
  return date_from_ymd(ny, nm, d > dim ? dim : d);
}

op_date date_add_months(op_date d, int n) {
  int y, m, dd;
  date_to_ymd(d, &y, &m, &dd);
  int total = y * 12 + (m - 1) + n;
  if (total < 0) return d; /* before year 0: not a real case, keep d */
  return date_add_months_ymd(y, m, dd, n);
}

int date_years_between(op_date birth, op_date on) {
  int by, bm, bd, y, m, d;
  date_to_ymd(birth, &by, &bm, &bd);
  date_to_ymd(on, &y, &m, &d);
  int age = y - by;
  if (m < bm || (m == bm && d < bd)) age--;
  return age;
}

double date_months_between(op_date from, op_date to) {
  return (double)(to - from) / OP_DAYS_PER_MONTH;
}

/* Largest n with from + n months <= to (calendar months; 0 when to is
** before from + 1 month, negative spans give 0). With k the months from
** from's month to to's: from + k months lies in to's month, on from's day
** clamped to that month's end, and from + (k - 1) months lies in the month
** before, so before to; so n is k when that day is not after to's, else
** k - 1. (k >= 1 in that case: in one month, to > from means a later day.) */
int date_whole_months_between(op_date from, op_date to) {
  if (to <= from) return 0;
  int fy, fm, fd, ty, tm, td;
  date_to_ymd(from, &fy, &fm, &fd);
  date_to_ymd(to, &ty, &tm, &td);
  int k = (ty - fy) * 12 + (tm - fm);
  int dim = days_in_month(ty, tm);
  int day = fd > dim ? dim : fd;
  return day <= td ? k : k - 1;
}

bool date_months_elapsed(op_date from, op_date to, double months) {
  return date_add_months(from, (int)months) <= to;
}

bool date_within_months_before(op_date date, op_date ref, double months) {
  return date <= ref && date >= date_add_months(ref, -(int)months);
}
