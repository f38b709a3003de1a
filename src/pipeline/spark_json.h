/* SPDX-License-Identifier: Apache-2.0 */
/* The pieces of Spark's to_json text (JacksonGenerator, ignoreNullFields=true, no spaces), pipeline-spec §6.4:
 * strings with Jackson's escapes, doubles as Java's Double.toString (NaN/Infinity as quoted strings),
 * bigints in decimal, objects and arrays without whitespace. Callers omit null fields themselves. */
#ifndef QB_PIPELINE_SPARK_JSON_H
#define QB_PIPELINE_SPARK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* The escape Jackson writes for byte c into out (2 or 6 bytes), or 0 when c is copied as it is. */
size_t qb_spark_json_escape(char out[6], unsigned char c);
/* How many bytes from p on (at most n) qb_spark_json_escape copies as they are (8 bytes at a time). */
size_t qb_spark_json_plain_run(const char *p, size_t n);
/* Long.toString(v): decimal digits with a leading '-' (at most 20 chars, no NUL). */
size_t qb_spark_long_text(char out[20], int64_t v);

/* "…": `"` and `\` escaped, U+0008/9/A/C/D as \b \t \n \f \r, other C0 controls as \u00XX (uppercase
 * hex); `/`, U+007F and non-ASCII bytes are copied as they are (the text is hashed as UTF-8). */
int qb_spark_json_string(qb_buf *b, const char *p, size_t n, qb_err *err);
/* Double.toString(v); NaN, Infinity and -Infinity are written as JSON strings ("NaN"). */
int qb_spark_json_double(qb_buf *b, double v, qb_err *err);
int qb_spark_json_long(qb_buf *b, int64_t v, qb_err *err);
int qb_spark_json_bool(qb_buf *b, bool v, qb_err *err);
/* `"key":` preceded by `,` unless *first (which it clears): one object member at a time. */
int qb_spark_json_key(qb_buf *b, bool *first, const char *key, qb_err *err);

#endif
