/*
** numfmt.c: see numfmt.h.
*/
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The digits of v right-aligned before end; returns where they start. */
static char *digits(char *end, unsigned long long v) {
  do *--end = (char)('0' + v % 10);
  while (v /= 10);
  return end;
}

int num_long(long v, char out[NUM_G10_MAX]) {
  char buf[NUM_G10_MAX], *end = buf + sizeof buf;
  char *p = digits(end, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
  if (v < 0) *--p = '-';
  int n = (int)(end - p);
  memcpy(out, p, (size_t)n);
  out[n] = 0;
  return n;
}

int num_g10(double v, char out[NUM_G10_MAX]) {
  // cppcheck-suppress duplicateConditionalAssign ; -0 == 0 holds, and the assignment makes it +0
  if (v == 0) v = 0;
  /* Most numbers in a record or a plan have at most two decimals. When v is
  ** exactly the double nearest to k/100 (|k| < 10^9), "%.10g" prints k/100's
  ** decimal digits with the trailing zeros dropped: k/100 has at most 9
  ** significant digits, v is within half an ulp of it, far below the tenth
  ** digit, and %g uses no exponent below 10^10. Anything else goes to printf. */
  double h = v * 100;
  if (fabs(h) < 1e15) {
    long long k = llround(h);
    if ((double)k / 100 == v && llabs(k) < 1000000000LL) {
      int n = num_long((long)(k / 100), out);
      if (k < 0 && k / 100 == 0) { /* -0.xx: the integer part lost its sign */
        memmove(out + 1, out, (size_t)n + 1);
        out[0] = '-';
        n++;
      }
      int frac = (int)(llabs(k) % 100);
      if (frac) {
        out[n++] = '.';
        out[n++] = (char)('0' + frac / 10);
        if (frac % 10) out[n++] = (char)('0' + frac % 10);
        out[n] = 0;
      }
      return n;
    }
  }
  return snprintf(out, NUM_G10_MAX, "%.10g", v);
}

/* (numfmt.h) 10^6 itself has one significant digit and k/100 < 10^4, so
** "%g" never turns to an exponent here; num_g10 takes its own exact path
** for such a v. test_basics checks every k against printf. */
int num_g_hundredths(double v, char out[NUM_G10_MAX]) {
  double h = v * 100;
  if (!(fabs(h) < 1e6)) return 0; /* NaN too */
  long long k = llround(h);
  if (k == 0 || (double)k / 100 != v) return 0;
  return num_g10(v, out);
}

int num_fixed1(double v, bool plus, char out[NUM_G10_MAX]) {
  /* As num_g10: when v is exactly the double nearest to k/10 (|k| < 10^9),
  ** printf's one decimal is k/10's, as v is within half an ulp of it, far
  ** from a half-way point between tenths. Anything else goes to printf. */
  double t = v * 10;
  if (fabs(t) < 1e15) {
    long long k = llround(t);
    if ((double)k / 10 == v && llabs(k) < 1000000000LL) {
      int n = 0;
      if (signbit(v)) out[n++] = '-'; /* -0.0 too, as printf writes it */
      else if (plus) out[n++] = '+';
      n += num_long((long)(llabs(k) / 10), out + n);
      out[n++] = '.';
      out[n++] = (char)('0' + llabs(k) % 10);
      out[n] = 0;
      return n;
    }
  }
  return snprintf(out, NUM_G10_MAX, plus ? "%+.1f" : "%.1f", v);
}
