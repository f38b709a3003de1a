/* SPDX-License-Identifier: Apache-2.0 */
/* Java 17's Double.toString(double), digit for digit: what Spark's cast(double as string) and Jackson's
 * writeNumber(double) print (pipeline-spec §6.3). JDK 17 is not always the shortest round-trip string
 * (2e23 prints 1.9999999999999998E23), so this is a port of its algorithm, not a shortest-digits search. */
#ifndef QB_PIPELINE_JAVA_DOUBLE_H
#define QB_PIPELINE_JAVA_DOUBLE_H

#include <stddef.h>

/* Longest output: "-2.2250738585072014E-308" is 24 chars; digits never exceed 19. */
#define QB_JAVA_DOUBLE_MAX 32

/** Write Double.toString(d) into out (NUL-terminated); returns its length. NaN, "Infinity", "-Infinity".
 *  Any of the QB_JAVA_DOUBLE_MAX bytes of out may be written (those past the NUL are unspecified). */
size_t qb_java_double_to_string(char out[QB_JAVA_DOUBLE_MAX], double d);

#endif
