/* SPDX-License-Identifier: Apache-2.0 */
/* Spark to_json primitives (pipeline-spec §6.4): Jackson's string escaping and number text. */
#include "pipeline/spark_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/java_double.h"

int qb_spark_json_string(qb_buf *b, const char *p, size_t n, qb_err *err)
{
  static const char hex[] = "0123456789ABCDEF"; /* Jackson writes \u001F, not \u001f */
  int rc;
  if ((rc = qb_buf_putc(b, '"', err))) return rc;
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    if ((rc = qb_buf_append(b, p + run, i - run, err))) return rc;
    run = i + 1;
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    size_t len = 2;
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\t': esc[1] = 't'; break;
    case '\n': esc[1] = 'n'; break;
    case '\f': esc[1] = 'f'; break;
    case '\r': esc[1] = 'r'; break;
    default:
      esc[1] = 'u';
      esc[2] = '0';
      esc[3] = '0';
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      len = 6;
    }
    if ((rc = qb_buf_append(b, esc, len, err))) return rc;
  }
  if ((rc = qb_buf_append(b, p + run, n - run, err))) return rc;
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
  char s[24];
  int n = snprintf(s, sizeof s, "%" PRId64, v);
  return qb_buf_append(b, s, (size_t)n, err);
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
