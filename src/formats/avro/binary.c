/* SPDX-License-Identifier: Apache-2.0 */
/* Avro binary encoding of primitives (Avro 1.11 spec, "Binary Encoding" / "Primitive Types"). */
#include "formats/avro/binary.h"

#include <string.h>

int qb_avro__read_long(qb_avro_cur *c, int64_t *out, qb_err *err)
{
  uint64_t u = 0;
  for (unsigned i = 0; i < 10; i++) {
    if (c->p >= c->end) return QB_FAIL(err, QB_ECORRUPT, "truncated varint");
    uint8_t b = *c->p++;
    /* The 10th byte holds bit 63 only. Like Java's BinaryDecoder (and avsc) its other bits are dropped, not
     * refused: a PyIceberg-written manifest list in the corpus stores snapshot id 9876543210123456789,
     * which is beyond a long, and the reference readers still read it. */
    u |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *out = qb_avro__unzigzag(u);
      return QB_OK;
    }
  }
  return QB_FAIL(err, QB_ECORRUPT, "varint longer than 10 bytes");
}

int qb_avro__read_int(qb_avro_cur *c, int32_t *out, qb_err *err)
{
  int64_t v;
  int rc = qb_avro__read_long(c, &v, err);
  if (rc) return rc;
  if (v < INT32_MIN || v > INT32_MAX) return QB_FAIL(err, QB_ECORRUPT, "int value %lld out of range", (long long)v);
  *out = (int32_t)v;
  return QB_OK;
}

int qb_avro__read_bool(qb_avro_cur *c, bool *out, qb_err *err)
{
  if (c->p >= c->end) return QB_FAIL(err, QB_ECORRUPT, "truncated boolean");
  uint8_t b = *c->p++;
  /* "a boolean is written as a single byte whose value is either 0 (false) or 1 (true)" */
  if (b > 1) return QB_FAIL(err, QB_ECORRUPT, "boolean byte 0x%02x is neither 0 nor 1", b);
  *out = b == 1;
  return QB_OK;
}

int qb_avro__read_float(qb_avro_cur *c, float *out, qb_err *err)
{
  if (qb_avro__left(c) < 4) return QB_FAIL(err, QB_ECORRUPT, "truncated float");
  uint32_t u = qb_le32(c->p);
  c->p += 4;
  memcpy(out, &u, 4);
  return QB_OK;
}

int qb_avro__read_double(qb_avro_cur *c, double *out, qb_err *err)
{
  if (qb_avro__left(c) < 8) return QB_FAIL(err, QB_ECORRUPT, "truncated double");
  uint64_t u = qb_le64(c->p);
  c->p += 8;
  memcpy(out, &u, 8);
  return QB_OK;
}

int qb_avro__read_len(qb_avro_cur *c, size_t *out, qb_err *err)
{
  int64_t n;
  int rc = qb_avro__read_long(c, &n, err);
  if (rc) return rc;
  if (n < 0) return QB_FAIL(err, QB_ECORRUPT, "negative length %lld", (long long)n);
  if ((uint64_t)n > qb_avro__left(c))
    return QB_FAIL(err, QB_ECORRUPT, "length %lld exceeds the %zu bytes left", (long long)n, qb_avro__left(c));
  *out = (size_t)n;
  return QB_OK;
}

int qb_avro__read_fixed(qb_avro_cur *c, size_t n, const uint8_t **out, qb_err *err)
{
  if (n > qb_avro__left(c))
    return QB_FAIL(err, QB_ECORRUPT, "%zu bytes needed, %zu left", n, qb_avro__left(c));
  *out = c->p;
  c->p += n;
  return QB_OK;
}

size_t qb_avro__encode_long(uint8_t out[10], int64_t v)
{
  uint64_t u = qb_avro__zigzag(v);
  size_t n = 0;
  while (u >= 0x80) {
    out[n++] = (uint8_t)(u | 0x80);
    u >>= 7;
  }
  out[n++] = (uint8_t)u;
  return n;
}

int qb_avro__put_long(qb_buf *b, int64_t v, qb_err *err)
{
  uint8_t tmp[10];
  return qb_buf_append(b, tmp, qb_avro__encode_long(tmp, v), err);
}

int qb_avro__put_float(qb_buf *b, float v, qb_err *err)
{
  uint32_t u;
  uint8_t tmp[4];
  memcpy(&u, &v, 4);
  qb_put_le32(tmp, u);
  return qb_buf_append(b, tmp, 4, err);
}

int qb_avro__put_double(qb_buf *b, double v, qb_err *err)
{
  uint64_t u;
  uint8_t tmp[8];
  memcpy(&u, &v, 8);
  qb_put_le64(tmp, u);
  return qb_buf_append(b, tmp, 8, err);
}

int qb_avro__put_bytes(qb_buf *b, const void *p, size_t n, qb_err *err)
{
  int rc = qb_avro__put_long(b, (int64_t)n, err);
  return rc ? rc : qb_buf_append(b, p, n, err);
}
