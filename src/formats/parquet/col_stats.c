/* SPDX-License-Identifier: Apache-2.0 */
/* Column-chunk statistics as the writer accumulates them (see col_stats.h): sort orders per LogicalTypes.md,
 * bounds in Statistics form. */
#include "formats/parquet/col_stats.h"

#include <string.h>

#include "formats/parquet/schema.h"

void qb_pq_col_stats_init(qb_pq_col_stats *s, const qb_pq_node *leaf)
{
  memset(s, 0, sizeof *s);
  s->type = leaf->type;
  qb_buf_init(&s->min_b, QB_BUF_NOLIMIT);
  qb_buf_init(&s->max_b, QB_BUF_NOLIMIT);
  bool is_unsigned = (leaf->logical.kind == QB_PQ_LT_INTEGER && !leaf->logical.is_signed) ||
                     (leaf->converted >= QB_PQ_CT_UINT_8 && leaf->converted <= QB_PQ_CT_UINT_64);
  bool is_decimal = leaf->logical.kind == QB_PQ_LT_DECIMAL || leaf->converted == QB_PQ_CT_DECIMAL;
  switch (leaf->type) {
  case QB_PQ_BOOLEAN: s->order = QB_PQ_ORD_SIGNED; break;
  case QB_PQ_INT32:
    s->order = QB_PQ_ORD_SIGNED;
    s->uint32 = is_unsigned;
    break;
  case QB_PQ_INT64: s->order = is_unsigned ? QB_PQ_ORD_UNSIGNED64 : QB_PQ_ORD_SIGNED; break;
  case QB_PQ_FLOAT:
  case QB_PQ_DOUBLE: s->order = QB_PQ_ORD_FLOAT; break;
  case QB_PQ_BYTE_ARRAY:
  case QB_PQ_FIXED_LEN_BYTE_ARRAY:
    /* INTERVAL has no defined order; DECIMAL compares as a signed big-endian integer */
    if (leaf->converted == QB_PQ_CT_INTERVAL) s->order = QB_PQ_ORD_NONE;
    else s->order = is_decimal ? QB_PQ_ORD_BYTES_SIGNED : QB_PQ_ORD_BYTES;
    break;
  default: s->order = QB_PQ_ORD_NONE; break; /* INT96: order undefined, parquet-java writes no min/max */
  }
}

void qb_pq_col_stats_reset(qb_pq_col_stats *s)
{
  s->has_minmax = false;
  s->null_count = s->nan_count = 0;
  qb_buf_reset(&s->min_b);
  qb_buf_reset(&s->max_b);
}

void qb_pq_col_stats_free(qb_pq_col_stats *s)
{
  if (!s) return;
  qb_buf_free(&s->min_b);
  qb_buf_free(&s->max_b);
}

/* Min/max of a run in one pass the compiler can vectorise, folded in with two updates. */
void qb_pq_col_stats_i64_array(qb_pq_col_stats *s, const int64_t *v, size_t n)
{
  if (!n) return;
  if (s->order == QB_PQ_ORD_UNSIGNED64) {
    uint64_t lo = (uint64_t)v[0], hi = lo;
    for (size_t i = 1; i < n; i++) {
      uint64_t x = (uint64_t)v[i];
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    qb_pq_col_stats_int(s, (int64_t)lo);
    qb_pq_col_stats_int(s, (int64_t)hi);
    return;
  }
  int64_t lo = v[0], hi = lo;
  for (size_t i = 1; i < n; i++) {
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
  qb_pq_col_stats_int(s, lo);
  qb_pq_col_stats_int(s, hi);
}

void qb_pq_col_stats_i32_array(qb_pq_col_stats *s, const int32_t *v, size_t n)
{
  if (!n) return;
  if (s->uint32) {
    uint32_t lo = (uint32_t)v[0], hi = lo;
    for (size_t i = 1; i < n; i++) {
      uint32_t x = (uint32_t)v[i];
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    qb_pq_col_stats_int(s, (int64_t)lo);
    qb_pq_col_stats_int(s, (int64_t)hi);
    return;
  }
  int32_t lo = v[0], hi = lo;
  for (size_t i = 1; i < n; i++) {
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
  qb_pq_col_stats_int(s, lo);
  qb_pq_col_stats_int(s, hi);
}

/* NaN compares false both ways, so it never wins below; it is counted separately. */
void qb_pq_col_stats_double_array(qb_pq_col_stats *s, const double *v, size_t n)
{
  size_t nans = 0, i = 0;
  while (i < n && isnan(v[i])) nans++, i++;
  if (i == n) {
    s->nan_count += nans;
    return;
  }
  double lo = v[i], hi = v[i];
  for (i++; i < n; i++) {
    double x = v[i];
    nans += isnan(x);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  s->nan_count += nans;
  qb_pq_col_stats_double(s, lo);
  qb_pq_col_stats_double(s, hi);
}

void qb_pq_col_stats_float_array(qb_pq_col_stats *s, const float *v, size_t n)
{
  size_t nans = 0, i = 0;
  while (i < n && isnan(v[i])) nans++, i++;
  if (i == n) {
    s->nan_count += nans;
    return;
  }
  float lo = v[i], hi = v[i];
  for (i++; i < n; i++) {
    float x = v[i];
    nans += isnan(x);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  s->nan_count += nans;
  qb_pq_col_stats_double(s, lo);
  qb_pq_col_stats_double(s, hi);
}

static int cmp_unsigned(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
  size_t n = an < bn ? an : bn;
  int c = n ? memcmp(a, b, n) : 0;
  if (c) return c;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Two's complement big-endian integers of any lengths: compare the sign, then the sign-extended bytes. */
static int cmp_signed_be(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
  bool aneg = an && (a[0] & 0x80), bneg = bn && (b[0] & 0x80);
  if (aneg != bneg) return aneg ? -1 : 1;
  uint8_t pad = aneg ? 0xFF : 0x00;
  while (an > bn) {
    if (*a != pad) return aneg ? (*a < pad ? -1 : 1) : 1;
    a++;
    an--;
  }
  while (bn > an) {
    if (*b != pad) return bneg ? (pad < *b ? -1 : 1) : -1;
    b++;
    bn--;
  }
  return an ? memcmp(a, b, an) : 0;
}

static int cmp_bytes(const qb_pq_col_stats *s, const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
  return s->order == QB_PQ_ORD_BYTES_SIGNED ? cmp_signed_be(a, an, b, bn) : cmp_unsigned(a, an, b, bn);
}

static int set_buf(qb_buf *b, const uint8_t *p, size_t n, qb_err *err)
{
  qb_buf_reset(b);
  return qb_buf_append(b, p, n, err);
}

int qb_pq_col_stats_bytes(qb_pq_col_stats *s, const uint8_t *p, size_t n, qb_err *err)
{
  int rc;
  if (s->order == QB_PQ_ORD_NONE) return QB_OK;
  if (!s->has_minmax) {
    if ((rc = set_buf(&s->min_b, p, n, err)) != QB_OK) return rc;
    if ((rc = set_buf(&s->max_b, p, n, err)) != QB_OK) return rc;
    s->has_minmax = true;
    return QB_OK;
  }
  /* unsigned order: heads strictly between min's and max's decide without a full comparison (most values
   * of a column), and a head below min's or above max's makes a new bound at once */
  if (s->order == QB_PQ_ORD_BYTES) {
    uint64_t h = qb_pq_bytes_head8(p, n), lo = qb_pq_bytes_head8(s->min_b.p, s->min_b.n);
    uint64_t hi = qb_pq_bytes_head8(s->max_b.p, s->max_b.n);
    if (h > lo && h < hi) return QB_OK;
    if (h < lo) return set_buf(&s->min_b, p, n, err);
    if (h > hi) return set_buf(&s->max_b, p, n, err);
  }
  if (cmp_bytes(s, p, n, s->min_b.p, s->min_b.n) < 0) return set_buf(&s->min_b, p, n, err);
  if (cmp_bytes(s, p, n, s->max_b.p, s->max_b.n) > 0) return set_buf(&s->max_b, p, n, err);
  return QB_OK;
}

int qb_pq_col_stats_merge(qb_pq_col_stats *dst, const qb_pq_col_stats *src, qb_err *err)
{
  int rc;
  dst->null_count += src->null_count;
  dst->nan_count += src->nan_count;
  if (!src->has_minmax) return QB_OK;
  switch (dst->order) {
  case QB_PQ_ORD_SIGNED:
  case QB_PQ_ORD_UNSIGNED64:
    qb_pq_col_stats_int(dst, src->min_i);
    qb_pq_col_stats_int(dst, src->max_i);
    return QB_OK;
  case QB_PQ_ORD_FLOAT:
    qb_pq_col_stats_double(dst, src->min_d);
    qb_pq_col_stats_double(dst, src->max_d);
    return QB_OK;
  case QB_PQ_ORD_BYTES:
  case QB_PQ_ORD_BYTES_SIGNED:
    if ((rc = qb_pq_col_stats_bytes(dst, src->min_b.p, src->min_b.n, err)) != QB_OK) return rc;
    return qb_pq_col_stats_bytes(dst, src->max_b.p, src->max_b.n, err);
  default: return QB_OK;
  }
}

int qb_pq_col_stats_bound(qb_buf *out, const qb_pq_col_stats *s, bool max, qb_err *err)
{
  qb_buf_reset(out);
  if (!s->has_minmax || s->order == QB_PQ_ORD_NONE) return QB_OK;
  uint8_t b[8];
  int64_t i = max ? s->max_i : s->min_i;
  double d = max ? s->max_d : s->min_d;
  switch (s->type) {
  case QB_PQ_BOOLEAN: b[0] = (uint8_t)(i != 0); return qb_buf_append(out, b, 1, err);
  case QB_PQ_INT32: qb_put_le32(b, (uint32_t)i); return qb_buf_append(out, b, 4, err);
  case QB_PQ_INT64: qb_put_le64(b, (uint64_t)i); return qb_buf_append(out, b, 8, err);
  case QB_PQ_FLOAT: {
    if (d == 0) d = max ? 0.0 : -0.0;
    float f = (float)d;
    uint32_t u;
    memcpy(&u, &f, 4);
    qb_put_le32(b, u);
    return qb_buf_append(out, b, 4, err);
  }
  case QB_PQ_DOUBLE: {
    if (d == 0) d = max ? 0.0 : -0.0;
    uint64_t u;
    memcpy(&u, &d, 8);
    qb_put_le64(b, u);
    return qb_buf_append(out, b, 8, err);
  }
  default: {
    const qb_buf *src = max ? &s->max_b : &s->min_b;
    return qb_buf_append(out, src->p, src->n, err);
  }
  }
}

static int arena_bound(qb_slice *out, const qb_pq_col_stats *s, bool max, qb_buf *tmp, qb_arena *a, qb_err *err)
{
  int rc = qb_pq_col_stats_bound(tmp, s, max, err);
  if (rc) return rc;
  uint8_t *p = qb_arena_memdup(a, tmp->n ? tmp->p : (const uint8_t *)"", tmp->n);
  if (!p) return QB_FAIL(err, QB_ENOMEM, "statistics: out of memory");
  out->p = p;
  out->n = tmp->n;
  return QB_OK;
}

int qb_pq_col_stats_to_thrift(qb_pq_statistics *out, const qb_pq_col_stats *s, qb_arena *a, qb_err *err)
{
  int rc = QB_OK;
  memset(out, 0, sizeof *out);
  out->has_null_count = true;
  out->null_count = (int64_t)s->null_count;
  if (s->type == QB_PQ_FLOAT || s->type == QB_PQ_DOUBLE) {
    out->has_nan_count = true;
    out->nan_count = (int64_t)s->nan_count;
  }
  if (!s->has_minmax || s->order == QB_PQ_ORD_NONE) return QB_OK;
  bool is_bytes = s->order == QB_PQ_ORD_BYTES || s->order == QB_PQ_ORD_BYTES_SIGNED;
  if (is_bytes && (s->min_b.n > QB_PQ_MAX_STATS_BYTES || s->max_b.n > QB_PQ_MAX_STATS_BYTES)) return QB_OK;
  qb_buf tmp;
  qb_buf_init(&tmp, QB_BUF_NOLIMIT);
  if ((rc = arena_bound(&out->min_value, s, false, &tmp, a, err)) != QB_OK) goto done;
  if ((rc = arena_bound(&out->max_value, s, true, &tmp, a, err)) != QB_OK) goto done;
  out->has_min_value = out->has_max_value = true;
  /* The deprecated fields are compared as signed by old readers: only where that is the type order. */
  bool legacy = (s->type == QB_PQ_INT32 && !s->uint32) || (s->type == QB_PQ_INT64 && s->order == QB_PQ_ORD_SIGNED) ||
                s->type == QB_PQ_FLOAT || s->type == QB_PQ_DOUBLE;
  if (legacy) {
    out->min = out->min_value;
    out->max = out->max_value;
    out->has_min = out->has_max = true;
  }
done:
  qb_buf_free(&tmp);
  return rc;
}
