/* SPDX-License-Identifier: Apache-2.0 */
/* Java 17's Double.toString(double), digit for digit: what Spark's cast(double as string) and Jackson's
 * writeNumber(double) print (pipeline-spec §6.3). JDK 17 is not always the shortest round-trip string
 * (2e23 prints 1.9999999999999998E23), so this is a port of its algorithm, not a shortest-digits search. */
#ifndef QB_PIPELINE_JAVA_DOUBLE_H
#define QB_PIPELINE_JAVA_DOUBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest output: "-2.2250738585072014E-308" is 24 chars; digits never exceed 19. */
#define QB_JAVA_DOUBLE_MAX 32

/** Write Double.toString(d) into out (NUL-terminated); returns its length. NaN, "Infinity", "-Infinity".
 *  Any of the QB_JAVA_DOUBLE_MAX bytes of out may be written (those past the NUL are unspecified). */
size_t qb_java_double_to_string(char out[QB_JAVA_DOUBLE_MAX], double d);

/** Whether Double.toString(d) is the plain decimal digits * 10^e10 written as a JSON writer writes it:
 *  an optional '-', the integer part without leading zeros ("0" below 1), '.', then exactly -e10 digits
 *  (e10 < 0), the significant digits being those of `digits` (no exponent). True only when that text
 *  is byte for byte what qb_java_double_to_string(d) writes, so a reader may keep a number's source text
 *  instead of printing the parsed double; false says nothing (print it). Decided for most doubles
 *  2^-8 <= |d| < 16 (not powers of two) with at least two significant digits; cheaper than printing. */
bool qb_java_double_text_is(double d, uint64_t digits, int e10);

#endif
