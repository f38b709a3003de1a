/* SPDX-License-Identifier: Apache-2.0 */
/* TEST-ONLY REFERENCE of Double.toString (Java 17): the pre-session-17 src/pipeline/java_double.c, kept
 * unoptimised as the differential oracle for qb_java_double_to_string. */
#ifndef QB_TEST_JAVA_DOUBLE_REF_H
#define QB_TEST_JAVA_DOUBLE_REF_H

#include <stddef.h>

#define JAVA_DOUBLE_REF_MAX 32

/** Double.toString(d) into out (NUL-terminated), exactly as the reference port; returns its length. */
size_t java_double_ref_to_string(char out[JAVA_DOUBLE_REF_MAX], double d);

#endif
