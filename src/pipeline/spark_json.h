/* SPDX-License-Identifier: Apache-2.0 */
/* The pieces of Spark's to_json text (JacksonGenerator, ignoreNullFields=true, no spaces), pipeline-spec §6.4:
 * strings with Jackson's escapes, doubles as Java's Double.toString (NaN/Infinity as quoted strings),
 * bigints in decimal, objects and arrays without whitespace. Callers omit null fields themselves. */
#ifndef QB_PIPELINE_SPARK_JSON_H
#define QB_PIPELINE_SPARK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/buf.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The bytes Jackson escapes (<= 0x1f, '"', '\\') found many at a time, for qb_spark_json_plain_run and
 * qb_spark_json_escaped_into. */
#ifdef __SSE2__
/* Bit k set when byte k of x is escaped (unsigned: max(x, 0x1f) == 0x1f flags the bytes <= 0x1f). */
static inline unsigned qb_spark_json__hits16(__m128i x)
{
  const __m128i ctl = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
  return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl),
                                                  _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash))));
}
#endif
/* Nonzero when a byte of the word x may be escaped: < 0x20 sets the high bit of (x - 0x20) & ~x; '"' and
 * '\\' zero a byte of x ^ 0x22.. or x ^ 0x5c.. (has-zero-byte). Borrows only raise false alarms above a true
 * one, so a word without an escaped byte raises none. */
static inline uint64_t qb_spark_json__alarm8(uint64_t x)
{
  const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
  return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
}

/* The escape Jackson writes for byte c into out (2 or 6 bytes), or 0 when c is copied as it is. */
size_t qb_spark_json_escape(char out[6], unsigned char c);
/* How many bytes from p on (at most n) qb_spark_json_escape copies as they are (8 bytes at a time). */
size_t qb_spark_json_plain_run(const char *p, size_t n);
/* The room qb_spark_json_escaped_into needs at `o` for n input bytes: 6 per byte (\u00XX) and 16 for its
 * whole-vector stores, which may write past the bytes it returns. */
#define QB_SPARK_JSON_ESCAPED_ROOM(n) (6 * (n) + 16)

/* p[0, n) with Jackson's escapes (as qb_spark_json_escape, no quotes) at o, which has
 * QB_SPARK_JSON_ESCAPED_ROOM(n) bytes of room (any of them may be written); returns the bytes that belong to
 * the text. Inline for the experiment-id text's many short strings (Hamiltonian labels, 2-16 bytes in the
 * generated data, and the ansatz's lines): the bytes are copied 16 (or 8) at a time as they are tested, a
 * tail shorter than a vector is tested and copied as the last 16 (or 8) bytes of the string while no
 * escape has shifted the output against the input, and no call is made per run or per '\n'. */
static inline size_t qb_spark_json_escaped_into(char *o, const char *p, size_t n)
{
  char *start = o;
  size_t i = 0;
#ifdef __SSE2__
  while (i + 16 <= n) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
    _mm_storeu_si128((__m128i *)(void *)o, x); /* room: o - start <= 6 * i + 1 and i + 16 <= n */
    unsigned m = qb_spark_json__hits16(x);
    if (!m) {
      o += 16, i += 16;
      continue;
    }
    unsigned k = (unsigned)__builtin_ctz(m);
    o += k, i += k;
    unsigned char c = (unsigned char)p[i++];
    if (c == '\n') o[0] = '\\', o[1] = 'n', o += 2;
    else o += qb_spark_json_escape(o, c);
  }
  if (i < n && n >= 16 && (size_t)(o - start) == i) { /* no escape yet: the output is the input so far */
    size_t r = n - i;                                   /* 1..15 bytes left: test the last 16 */
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
    if (!(qb_spark_json__hits16(x) >> (16 - r))) {
      _mm_storeu_si128((__m128i *)(void *)(start + n - 16), x); /* rewrites 16 - r equal bytes */
      return n;
    }
  }
#endif
  if (n - i >= 8 && (size_t)(o - start) == i) { /* 8..15 bytes left (or no SSE2), no escape yet */
    uint64_t a, b;
    memcpy(&a, p + i, 8);
    memcpy(&b, p + n - 8, 8);
    if (!(qb_spark_json__alarm8(a) | qb_spark_json__alarm8(b)) && n - i <= 16) {
      memcpy(start + i, &a, 8);
      memcpy(start + n - 8, &b, 8);
      return n;
    }
  }
  for (; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x20 && c != '"' && c != '\\') *o++ = (char)c;
    else o += qb_spark_json_escape(o, c);
  }
  return (size_t)(o - start);
}

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
