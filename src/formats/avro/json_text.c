/* SPDX-License-Identifier: Apache-2.0 */
/* JSON text output helpers (RFC 8259 section 7 strings, section 6 numbers). */
#include "formats/avro/json_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

size_t qb_avro__utf8_len(const uint8_t *p, size_t n)
{
  uint8_t c = p[0];
  size_t len;
  uint32_t min, cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) len = 2, min = 0x80, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) len = 3, min = 0x800, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, min = 0x10000, cp = c & 0x07;
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

bool qb_avro__utf8_valid(const uint8_t *p, size_t n)
{
  for (size_t i = 0, len; i < n; i += len)
    if (!(len = qb_avro__utf8_len(p + i, n - i))) return false;
  return true;
}

int qb_avro__json_str(qb_buf *b, const char *s, size_t n, qb_err *err)
{
  const uint8_t *p = (const uint8_t *)s;
  int rc = qb_buf_putc(b, '"', err);
  size_t run = 0; /* bytes at p[i - run .. i) that need no escaping, appended in one go */
  for (size_t i = 0; rc == QB_OK && i < n;) {
    uint8_t c = p[i];
    const char *esc = NULL;
    char tmp[8];
    size_t len = 1;
    if (c == '"') esc = "\\\"";
    else if (c == '\\') esc = "\\\\";
    else if (c == '\n') esc = "\\n";
    else if (c == '\r') esc = "\\r";
    else if (c == '\t') esc = "\\t";
    else if (c == '\b') esc = "\\b";
    else if (c == '\f') esc = "\\f";
    else if (c < 0x20 || c == 0x7f) snprintf(tmp, sizeof tmp, "\\u%04x", c), esc = tmp;
    else if (c >= 0x80 && !(len = qb_avro__utf8_len(p + i, n - i))) esc = "\xef\xbf\xbd", len = 1; /* U+FFFD */
    if (!esc) {
      run += len;
      i += len;
      continue;
    }
    if (run) rc = qb_buf_append(b, p + i - run, run, err);
    if (rc == QB_OK) rc = qb_buf_puts(b, esc, err);
    run = 0;
    i += len;
  }
  if (rc == QB_OK && run) rc = qb_buf_append(b, p + n - run, run, err);
  return rc ? rc : qb_buf_putc(b, '"', err);
}

int qb_avro__json_double(qb_buf *b, double d, qb_err *err)
{
  if (isnan(d)) return qb_buf_puts(b, "\"NaN\"", err);
  if (isinf(d)) return qb_buf_puts(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"", err);
  char tmp[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (strtod(tmp, NULL) == d) break;
  }
  return qb_buf_puts(b, tmp, err);
}
