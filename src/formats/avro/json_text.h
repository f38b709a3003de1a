/* SPDX-License-Identifier: Apache-2.0 */
/* JSON text output helpers (RFC 8259) for schemas and values: escaped strings and exact numbers. */
#ifndef QB_FORMATS_AVRO_JSON_TEXT_H
#define QB_FORMATS_AVRO_JSON_TEXT_H

#include "util/buf.h"

/** A quoted JSON string of n bytes of UTF-8; invalid UTF-8 sequences become U+FFFD. */
int qb_avro__json_str(qb_buf *b, const char *s, size_t n, qb_err *err);
/** Length of the well-formed UTF-8 sequence at p[0..n) (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
 * or 0 when the bytes there are not one. n >= 1. */
size_t qb_avro__utf8_len(const uint8_t *p, size_t n);
/** True when the n bytes are valid UTF-8 (RFC 3629). */
bool qb_avro__utf8_valid(const uint8_t *p, size_t n);
/** The shortest decimal that reads back as exactly `d`; NaN and infinities as "NaN", "Infinity", "-Infinity". */
int qb_avro__json_double(qb_buf *b, double d, qb_err *err);

#endif
