/* SPDX-License-Identifier: Apache-2.0 */
/* Decimal text to double, exactly as strtod rounds it (nearest, ties to even) in the C locale, without
 * strtod's cost in the common case: Clinger's fast path, then the Eisel-Lemire algorithm, then strtod for
 * the rare inputs neither decides (halfway cases, subnormals, more than 19 digits that matter). */
#ifndef QB_UTIL_DECIMAL_H
#define QB_UTIL_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>

/* Longest token qb_decimal_to_double accepts (the strtod fallback copies it to the stack). */
#define QB_DECIMAL_MAX_CHARS 767

/**
 * *out = the double nearest the number p[0..n) in JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
 * bit for bit what strtod gives: ±HUGE_VAL beyond the range, ±0 or a subnormal below it, -0.0 for "-0.0".
 * Returns false (and leaves *out alone) when p is not such a number or is longer than QB_DECIMAL_MAX_CHARS.
 */
bool qb_decimal_to_double(double *out, const char *p, size_t n);

#endif
