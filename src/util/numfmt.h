/*
** numfmt.h: numbers as text without printf's cost on the hot paths (the
** JSON writer, the engine's words), byte for byte what printf would write.
*/
#ifndef OSTEO_NUMFMT_H
#define OSTEO_NUMFMT_H

#include <stdbool.h>

#define NUM_G10_MAX 32

/* v as "%.10g" writes it, but 0 for -0; returns the length. */
int num_g10(double v, char out[NUM_G10_MAX]);
/* v as "%.1f" writes it ("%+.1f" when plus), -0.0 included; returns the
** length. */
int num_fixed1(double v, bool plus, char out[NUM_G10_MAX]);
/* v as "%g" writes it, when v is exactly the double nearest to k/100 for
** some 0 < |k| < 10^6 (months, doses, thresholds of a rendering): such a v
** has at most six significant digits and lies in [0.01, 10^4), where "%g"
** writes the digits "%.10g" does. Returns the length, or 0 for any other v
** (-0 and 0 included): the caller uses printf then. */
int num_g_hundredths(double v, char out[NUM_G10_MAX]);
/* v as "%ld" writes it; returns the length. */
int num_long(long v, char out[NUM_G10_MAX]);

#endif
