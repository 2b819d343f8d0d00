/*
** date.h: calendar dates as day numbers, and the spec's time arithmetic.
**
** A date is an int: days since 1970-01-01 (proleptic Gregorian). The spec
** (spec/README.md, 2026.12) fixes how spans are measured: calendar spans.
** "N months after" a date is the same day N calendar months later, clamped
** to the month's end; N years are 12 N months. 365.25 days a year remains
** only for a rate per year (bone loss per year). These are unit definitions of
** the contract, not clinical numbers, so they live here.
*/
#ifndef OSTEO_DATE_H
#define OSTEO_DATE_H

#include <stdbool.h>
#include <stddef.h>

#define OP_DAYS_PER_MONTH 30.4375
#define OP_DAYS_PER_YEAR 365.25
#define OP_NO_DATE (-2147483647 - 1)

typedef int op_date;

/* The calendar is four-digit years: 9999-12-31 is the last date read or
** written (date_format never wraps a later one into it; callers keep dates
** in range). A plan's dates lie at most a few years after its as_of (the
** knowledge base's intervals are months), so as_of may be no later than
** OP_AS_OF_LAST_YEAR: a century of room keeps every derived date in range. */
#define OP_YEAR_LAST 9999
#define OP_AS_OF_LAST_YEAR 9899

/* Strict YYYY-MM-DD (exactly 10 bytes, a real calendar day, year 1..9999). */
bool date_parse(const char *s, size_t n, op_date *out);
op_date date_from_ymd(int y, int m, int d);
void date_to_ymd(op_date z, int *y, int *m, int *d);
/* Writes "YYYY-MM-DD" and a NUL into buf (11 bytes). */
void date_format(op_date d, char buf[11]);
/* The same day of the month n calendar months later (n may be negative),
** clamped to the last day of the target month. */
op_date date_add_months(op_date d, int n);
/* The same from a date given as year, month, day (already split: a date
** many spans start from is split once). */
op_date date_add_months_ymd(int y, int m, int d, int n);
/* Whole years from birth to on (age at a date). */
int date_years_between(op_date birth, op_date on);
/* Span in days / 30.4375: only for showing an approximate span; every rule
** counts calendar months (below). */
double date_months_between(op_date from, op_date to);
/* Whole calendar months: the largest n with from + n months <= to (spec
** README, 2026.12: the length of exposure in whole months). */
int date_whole_months_between(op_date from, op_date to);
/* "At least N months after from" holds on to: from + N months <= to
** (months is a whole number of the knowledge base; a fraction is dropped). */
bool date_months_elapsed(op_date from, op_date to, double months);
/* "date within N months before ref": ref - N months <= date <= ref. */
bool date_within_months_before(op_date date, op_date ref, double months);

#endif
