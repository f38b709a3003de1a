/* SPDX-License-Identifier: Apache-2.0 */
/* Single-value binary serialisation (spec Appendix D) used for manifest lower/upper bounds and partition
 * summaries, and Java's bound truncation for metrics mode truncate(N) (UnicodeUtil, BinaryUtil). */
#include <string.h>

#include "iceberg/iceberg_int.h"
#include "util/buf.h"

bool qb_ice__decimal_of(const qb_value *v, qb_i128 *out)
{
  if (v->kind == QB_V_INT32) {
    *out = v->u.i32;
    return true;
  }
  if (v->kind == QB_V_INT64) {
    *out = v->u.i64;
    return true;
  }
  if (v->kind != QB_V_BYTES || v->u.bytes.n == 0 || v->u.bytes.n > 16) return false;
  qb_i128 r = (v->u.bytes.p[0] & 0x80) ? -1 : 0;
  for (size_t i = 0; i < v->u.bytes.n; i++) r = (qb_i128)(((unsigned __int128)r << 8) | v->u.bytes.p[i]);
  *out = r;
  return true;
}

size_t qb_ice__decimal_bytes(qb_i128 x, uint8_t out[16])
{
  uint8_t full[16];
  for (int i = 15; i >= 0; i--) {
    full[i] = (uint8_t)(x & 0xff);
    x >>= 8; /* arithmetic shift keeps the sign */
  }
  size_t start = 0;
  while (start < 15 && ((full[start] == 0x00 && !(full[start + 1] & 0x80)) ||
                        (full[start] == 0xff && (full[start + 1] & 0x80))))
    start++;
  memcpy(out, full + start, 16 - start);
  return 16 - start;
}

static int mismatch(const qb_type *t, const qb_value *v, qb_err *err)
{
  char tn[40];
  qb_type_to_string(tn, sizeof tn, t);
  return QB_FAIL(err, QB_EINVAL, "cannot serialise a value of kind %d as %s", (int)v->kind, tn);
}

int qb_bound_encode(qb_slice *out, uint8_t scratch[16], const qb_type *t, const qb_value *v, qb_err *err)
{
  int64_t x;
  qb_i128 d;
  out->p = scratch;
  switch (t->id) {
  case QB_T_BOOLEAN:
    if (v->kind != QB_V_BOOL) return mismatch(t, v, err);
    scratch[0] = v->u.b ? 1 : 0;
    out->n = 1;
    return QB_OK;
  case QB_T_INT:
  case QB_T_DATE:
    if (v->kind != QB_V_INT32) return mismatch(t, v, err);
    qb_put_le32(scratch, (uint32_t)v->u.i32);
    out->n = 4;
    return QB_OK;
  case QB_T_LONG:
  case QB_T_TIME:
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    if (v->kind == QB_V_INT64) x = v->u.i64;
    else if (v->kind == QB_V_INT32) x = v->u.i32;
    else return mismatch(t, v, err);
    qb_put_le64(scratch, (uint64_t)x);
    out->n = 8;
    return QB_OK;
  case QB_T_FLOAT: {
    uint32_t bits;
    if (v->kind != QB_V_FLOAT) return mismatch(t, v, err);
    memcpy(&bits, &v->u.f32, 4);
    qb_put_le32(scratch, bits);
    out->n = 4;
    return QB_OK;
  }
  case QB_T_DOUBLE: {
    uint64_t bits;
    if (v->kind != QB_V_DOUBLE) return mismatch(t, v, err);
    memcpy(&bits, &v->u.f64, 8);
    qb_put_le64(scratch, bits);
    out->n = 8;
    return QB_OK;
  }
  case QB_T_DECIMAL:
    if (!qb_ice__decimal_of(v, &d)) return mismatch(t, v, err);
    out->n = qb_ice__decimal_bytes(d, scratch);
    return QB_OK;
  case QB_T_STRING:
  case QB_T_BINARY:
  case QB_T_UUID:
  case QB_T_FIXED:
    if (v->kind != QB_V_BYTES && v->kind != QB_V_STRING) return mismatch(t, v, err);
    if ((t->id == QB_T_UUID && v->u.bytes.n != 16) || (t->id == QB_T_FIXED && v->u.bytes.n != (size_t)t->length))
      return QB_FAIL(err, QB_EINVAL, "value of %zu bytes does not fit %s", v->u.bytes.n,
                     t->id == QB_T_UUID ? "uuid" : "the fixed length");
    out->p = v->u.bytes.p;
    out->n = v->u.bytes.n;
    return QB_OK;
  default: return mismatch(t, v, err);
  }
}

static int bad_len(const qb_type *t, size_t n, qb_err *err)
{
  char tn[40];
  qb_type_to_string(tn, sizeof tn, t);
  return QB_FAIL(err, QB_ECORRUPT, "a %s bound cannot be %zu bytes long", tn, n);
}

int qb_bound_decode(qb_value *out, const qb_type *t, qb_slice in, qb_err *err)
{
  switch (t->id) {
  case QB_T_BOOLEAN:
    if (in.n != 1) return bad_len(t, in.n, err);
    out->kind = QB_V_BOOL;
    out->u.b = in.p[0] != 0;
    return QB_OK;
  case QB_T_INT:
  case QB_T_DATE:
    if (in.n != 4) return bad_len(t, in.n, err);
    out->kind = QB_V_INT32;
    out->u.i32 = (int32_t)qb_le32(in.p);
    return QB_OK;
  case QB_T_LONG:
  case QB_T_TIME:
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    out->kind = QB_V_INT64;
    if (in.n == 8)
      out->u.i64 = (int64_t)qb_le64(in.p);
    else if (in.n == 4 && t->id == QB_T_LONG) /* written before int -> long promotion */
      out->u.i64 = (int32_t)qb_le32(in.p);
    else
      return bad_len(t, in.n, err);
    return QB_OK;
  case QB_T_FLOAT: {
    if (in.n != 4) return bad_len(t, in.n, err);
    uint32_t bits = qb_le32(in.p);
    out->kind = QB_V_FLOAT;
    memcpy(&out->u.f32, &bits, 4);
    return QB_OK;
  }
  case QB_T_DOUBLE: {
    out->kind = QB_V_DOUBLE;
    if (in.n == 8) {
      uint64_t bits = qb_le64(in.p);
      memcpy(&out->u.f64, &bits, 8);
    } else if (in.n == 4) { /* written before float -> double promotion */
      uint32_t bits = qb_le32(in.p);
      float f;
      memcpy(&f, &bits, 4);
      out->u.f64 = f;
    } else {
      return bad_len(t, in.n, err);
    }
    return QB_OK;
  }
  case QB_T_DECIMAL: {
    if (in.n == 0 || in.n > 16) return bad_len(t, in.n, err);
    qb_value raw = {.kind = QB_V_BYTES};
    raw.u.bytes.p = in.p;
    raw.u.bytes.n = in.n;
    qb_i128 d;
    qb_ice__decimal_of(&raw, &d);
    if (t->precision <= 9 && d >= INT32_MIN && d <= INT32_MAX) {
      out->kind = QB_V_INT32;
      out->u.i32 = (int32_t)d;
    } else if (t->precision <= 18 && d >= INT64_MIN && d <= INT64_MAX) {
      out->kind = QB_V_INT64;
      out->u.i64 = (int64_t)d;
    } else {
      *out = raw;
    }
    return QB_OK;
  }
  case QB_T_UUID:
  case QB_T_FIXED:
    if (in.n != (t->id == QB_T_UUID ? 16 : (size_t)t->length)) return bad_len(t, in.n, err);
    /* fall through */
  case QB_T_STRING:
  case QB_T_BINARY:
    out->kind = t->id == QB_T_STRING ? QB_V_STRING : QB_V_BYTES;
    out->u.bytes.p = in.p;
    out->u.bytes.n = in.n;
    return QB_OK;
  default: {
    char tn[40];
    qb_type_to_string(tn, sizeof tn, t);
    return QB_FAIL(err, QB_EINVAL, "type %s has no single-value binary form", tn);
  }
  }
}

/* Decode one UTF-8 code point at p (n bytes left); 0 length on invalid input. */
static size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
  size_t len;
  uint32_t c = p[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    c &= 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    c &= 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    c &= 0x07;
  } else {
    return 0;
  }
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    c = c << 6 | (p[i] & 0x3F);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return len;
}

static size_t utf8_encode(uint32_t c, uint8_t *out)
{
  if (c < 0x80) {
    out[0] = (uint8_t)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (uint8_t)(0xC0 | c >> 6);
    out[1] = (uint8_t)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (uint8_t)(0xE0 | c >> 12);
    out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (uint8_t)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (uint8_t)(0xF0 | c >> 18);
  out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
  out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
  out[3] = (uint8_t)(0x80 | (c & 0x3F));
  return 4;
}

/* *end = byte length of the first `max` code points of p (all of p if it has fewer); validates UTF-8. */
static int utf8_prefix(const uint8_t *p, size_t n, int32_t max, size_t *end, qb_err *err)
{
  size_t i = 0;
  int32_t k = 0;
  while (i < n && k < max) {
    uint32_t cp;
    size_t len = utf8_decode(p + i, n - i, &cp);
    if (!len) return QB_FAIL(err, QB_EINVAL, "string bound is not valid UTF-8 at byte %zu", i);
    i += len;
    k++;
  }
  *end = i;
  return QB_OK;
}

int qb_bound_truncate_lower(qb_slice *out, const qb_type *t, qb_slice in, int32_t width, qb_err *err)
{
  *out = in;
  if (width <= 0) return QB_FAIL(err, QB_EINVAL, "truncate length should be positive");
  if (t->id == QB_T_BINARY) {
    if (in.n > (size_t)width) out->n = (size_t)width;
  } else if (t->id == QB_T_STRING) {
    size_t end;
    int rc = utf8_prefix(in.p, in.n, width, &end, err);
    if (rc) return rc;
    out->n = end;
  }
  return QB_OK;
}

int qb_bound_truncate_upper(qb_slice *out, bool *present, uint8_t *scratch, size_t scratch_n, const qb_type *t,
                            qb_slice in, int32_t width, qb_err *err)
{
  *out = in;
  *present = true;
  if (width <= 0) return QB_FAIL(err, QB_EINVAL, "truncate length should be positive");
  if (t->id != QB_T_STRING && t->id != QB_T_BINARY) return QB_OK;
  if (scratch_n < QB_BOUND_UPPER_SCRATCH(width))
    return QB_FAIL(err, QB_EINVAL, "upper bound scratch of %zu bytes is smaller than %zu", scratch_n,
                   QB_BOUND_UPPER_SCRATCH(width));
  if (t->id == QB_T_BINARY) {
    if (in.n <= (size_t)width) return QB_OK;
    memcpy(scratch, in.p, (size_t)width);
    for (size_t i = (size_t)width; i-- > 0;) {
      if (scratch[i] != 0xFF) {
        scratch[i]++;
        out->p = scratch;
        out->n = i + 1;
        return QB_OK;
      }
    }
    *present = false;
    out->p = NULL;
    out->n = 0;
    return QB_OK;
  }
  size_t end;
  int rc = utf8_prefix(in.p, in.n, width, &end, err);
  if (rc) return rc;
  if (end == in.n) return QB_OK; /* fits: unchanged */
  /* Walk code points of the prefix backwards and increment the last one that can be. */
  size_t pos = end;
  while (pos > 0) {
    size_t start = pos - 1;
    while (start > 0 && (in.p[start] & 0xC0) == 0x80) start--;
    uint32_t cp;
    utf8_decode(in.p + start, pos - start, &cp);
    uint32_t next = cp == 0xD7FF ? 0xE000 : cp + 1; /* skip the surrogate range (not scalar values) */
    if (cp != 0x10FFFF) {
      memcpy(scratch, in.p, start);
      size_t k = utf8_encode(next, scratch + start);
      out->p = scratch;
      out->n = start + k;
      return QB_OK;
    }
    pos = start;
  }
  *present = false;
  out->p = NULL;
  out->n = 0;
  return QB_OK;
}
