/* SPDX-License-Identifier: Apache-2.0 */
/* Spark to_json primitives (pipeline-spec §6.4): Jackson's string escaping and number text. */
#include "pipeline/spark_json.h"

#include <math.h>
#include <string.h>

#include "pipeline/java_double.h"

size_t qb_spark_json_escape(char out[6], unsigned char c)
{
  static const char hex[] = "0123456789ABCDEF"; /* Jackson writes \u001F, not \u001f */
  if (c >= 0x20 && c != '"' && c != '\\') return 0;
  out[0] = '\\';
  switch (c) {
  case '"': out[1] = '"'; return 2;
  case '\\': out[1] = '\\'; return 2;
  case '\b': out[1] = 'b'; return 2;
  case '\t': out[1] = 't'; return 2;
  case '\n': out[1] = 'n'; return 2;
  case '\f': out[1] = 'f'; return 2;
  case '\r': out[1] = 'r'; return 2;
  default:
    out[1] = 'u';
    out[2] = '0';
    out[3] = '0';
    out[4] = hex[c >> 4];
    out[5] = hex[c & 15];
    return 6;
  }
}

size_t qb_spark_json_plain_run(const char *p, size_t n)
{
  size_t i = 0;
#ifdef __SSE2__
  for (; i + 16 <= n; i += 16) { /* 16 bytes per step */
    unsigned m = qb_spark_json__hits16(_mm_loadu_si128((const __m128i *)(const void *)(p + i)));
    if (m) return i + (size_t)__builtin_ctz(m);
  }
#endif
  for (; i + 8 <= n; i += 8) { /* 8 bytes per step; the word of the first alarm is re-checked byte by byte */
    uint64_t x;
    memcpy(&x, p + i, 8);
    if (qb_spark_json__alarm8(x)) break;
  }
  for (; i < n; i++) { /* the bytes qb_spark_json_escape escapes, tested inline (short strings end here) */
    unsigned char c = (unsigned char)p[i];
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return n;
}

size_t qb_spark_long_text(char out[20], int64_t v)
{
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v; /* INT64_MIN's magnitude fits a uint64 */
  size_t k = v < 0, nd = 1;
  if (k) out[0] = '-';
  for (uint64_t t = u; t >= 10; t /= 10) nd++; /* the length first: digits written in place from the end */
  char *e = out + k + nd;
  do {
    *--e = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  return k + nd;
}

int qb_spark_json_string(qb_buf *b, const char *p, size_t n, qb_err *err)
{
  int rc;
  if ((rc = qb_buf_putc(b, '"', err))) return rc;
  for (size_t i = 0; i < n;) {
    size_t run = qb_spark_json_plain_run(p + i, n - i);
    if ((rc = qb_buf_append(b, p + i, run, err))) return rc;
    i += run;
    if (i == n) break;
    char esc[6];
    if ((rc = qb_buf_append(b, esc, qb_spark_json_escape(esc, (unsigned char)p[i++]), err))) return rc;
  }
  return qb_buf_putc(b, '"', err);
}

int qb_spark_json_double(qb_buf *b, double v, qb_err *err)
{
  char s[QB_JAVA_DOUBLE_MAX];
  size_t n = qb_java_double_to_string(s, v);
  if (!isfinite(v)) return qb_spark_json_string(b, s, n, err);
  return qb_buf_append(b, s, n, err);
}

int qb_spark_json_long(qb_buf *b, int64_t v, qb_err *err)
{
  char s[20];
  return qb_buf_append(b, s, qb_spark_long_text(s, v), err);
}

int qb_spark_json_bool(qb_buf *b, bool v, qb_err *err) { return qb_buf_puts(b, v ? "true" : "false", err); }

int qb_spark_json_key(qb_buf *b, bool *first, const char *key, qb_err *err)
{
  int rc;
  if (!*first && (rc = qb_buf_putc(b, ',', err))) return rc;
  *first = false;
  if ((rc = qb_spark_json_string(b, key, strlen(key), err))) return rc;
  return qb_buf_putc(b, ':', err);
}
