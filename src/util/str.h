/* SPDX-License-Identifier: Apache-2.0 */
/* Small string helpers that the C library lacks. */
#ifndef QB_UTIL_STR_H
#define QB_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool qb_str_has_prefix(const char *s, const char *prefix);
bool qb_str_has_suffix(const char *s, const char *suffix);
/** malloc'd copy of printf output, NULL on ENOMEM. */
char *qb_str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Parse a whole decimal int64; false on junk, overflow or empty. */
bool qb_str_to_i64(const char *s, int64_t *out);
/** Lowercase hex of n bytes into out (2n+1 bytes). */
void qb_hex_encode(char *out, const uint8_t *p, size_t n);

#endif
