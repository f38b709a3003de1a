/* SPDX-License-Identifier: Apache-2.0 */
/* Column statistics on the read side: which min/max a reader may trust (parquet.thrift Statistics and
 * ColumnOrder; formats.md §2.3 "Reader:" rules), value comparison in each type's sort order, and row-group
 * skipping for simple predicates. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "formats/parquet/read_int.h"
#include "util/buf.h"

/* INT96: Julian day 2440588 is 1970-01-01; nanos-of-day then day, little-endian. */
#define JULIAN_EPOCH 2440588
#define US_PER_DAY 86400000000LL

void qb_pq__int96_to_micros(int64_t *out, const uint8_t *p)
{
  int64_t nanos = (int64_t)qb_le64(p);
  int64_t day = (int64_t)(int32_t)qb_le32(p + 8) - JULIAN_EPOCH;
  int64_t nus = nanos / 1000 - (nanos % 1000 < 0);
  /* Spark computes days * 86400e6 + nanos / 1000 in wrapping int64 arithmetic when it writes timestamps
   * beyond the nanosecond range (int96_from_spark.parquet: year 290000 is stored as day -105862232):
   * the same wrapping arithmetic gives back its microseconds */
  *out = (int64_t)((uint64_t)day * (uint64_t)US_PER_DAY + (uint64_t)nus);
}

float qb_pq__half_to_float(uint16_t h)
{
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { /* subnormal: renormalise */
      int e = -1;
      do {
        e++;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | (uint32_t)(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

void qb_pq__leaf_storage(qb_vkind *kind, qb_pq_conv *conv, size_t *size, const qb_pq_field *leaf)
{
  const qb_pq_node *n = leaf->node;
  const qb_pq_logical_type *lt = &n->logical;
  *conv = QB_PQ_CONV_NONE;
  switch (n->type) {
  case QB_PQ_BOOLEAN: *kind = QB_V_BOOL, *size = 1; return;
  case QB_PQ_INT32:
    if (leaf->vtype == QB_PQ_V_TIME) {
      *kind = QB_V_INT64, *size = 8, *conv = QB_PQ_CONV_TIME_MILLIS;
      return;
    }
    *kind = QB_V_INT32, *size = 4;
    return;
  case QB_PQ_INT64:
    *kind = QB_V_INT64, *size = 8;
    if (leaf->vtype == QB_PQ_V_TIME || leaf->vtype == QB_PQ_V_TIMESTAMP) {
      qb_pq_time_unit u = lt->kind == QB_PQ_LT_TIME || lt->kind == QB_PQ_LT_TIMESTAMP ? lt->unit
                          : n->converted == QB_PQ_CT_TIMESTAMP_MILLIS           ? QB_PQ_MILLIS
                                                                                 : QB_PQ_MICROS;
      if (u == QB_PQ_MILLIS) *conv = QB_PQ_CONV_MILLIS;
      if (u == QB_PQ_NANOS) *conv = QB_PQ_CONV_NANOS;
    }
    return;
  case QB_PQ_INT96: *kind = QB_V_INT64, *size = 8, *conv = QB_PQ_CONV_INT96; return;
  case QB_PQ_FLOAT: *kind = QB_V_FLOAT, *size = 4; return;
  case QB_PQ_DOUBLE: *kind = QB_V_DOUBLE, *size = 8; return;
  case QB_PQ_FIXED_LEN_BYTE_ARRAY:
    if (leaf->vtype == QB_PQ_V_FLOAT) {
      *kind = QB_V_FLOAT, *size = 4, *conv = QB_PQ_CONV_FLOAT16;
      return;
    }
    /* fall through */
  default: *kind = leaf->vtype == QB_PQ_V_STRING ? QB_V_STRING : QB_V_BYTES, *size = sizeof(qb_slice); return;
  }
}

static bool convert_i64(int64_t *v, qb_pq_conv conv)
{
  if (conv == QB_PQ_CONV_MILLIS || conv == QB_PQ_CONV_TIME_MILLIS) return !__builtin_mul_overflow(*v, 1000, v);
  if (conv == QB_PQ_CONV_NANOS) *v = *v / 1000 - (*v % 1000 < 0);
  return true;
}

bool qb_pq__plain_to_value(qb_value *out, const qb_pq_field *leaf, qb_slice raw)
{
  qb_vkind kind;
  qb_pq_conv conv;
  size_t size;
  qb_pq__leaf_storage(&kind, &conv, &size, leaf);
  const qb_pq_node *n = leaf->node;
  out->kind = kind;
  switch (n->type) {
  case QB_PQ_BOOLEAN:
    if (raw.n != 1) return false;
    out->u.b = raw.p[0] & 1;
    return true;
  case QB_PQ_INT32:
    if (raw.n != 4) return false;
    if (kind == QB_V_INT64) {
      out->u.i64 = (int32_t)qb_le32(raw.p);
      return convert_i64(&out->u.i64, conv);
    }
    out->u.i32 = (int32_t)qb_le32(raw.p);
    return true;
  case QB_PQ_INT64:
    if (raw.n != 8) return false;
    out->u.i64 = (int64_t)qb_le64(raw.p);
    return convert_i64(&out->u.i64, conv);
  case QB_PQ_INT96:
    if (raw.n != 12) return false;
    qb_pq__int96_to_micros(&out->u.i64, raw.p);
    return true;
  case QB_PQ_FLOAT: {
    if (raw.n != 4) return false;
    uint32_t b = qb_le32(raw.p);
    memcpy(&out->u.f32, &b, 4);
    return true;
  }
  case QB_PQ_DOUBLE: {
    if (raw.n != 8) return false;
    uint64_t b = qb_le64(raw.p);
    memcpy(&out->u.f64, &b, 8);
    return true;
  }
  case QB_PQ_FIXED_LEN_BYTE_ARRAY:
    if (raw.n != (size_t)n->type_length) return false;
    if (conv == QB_PQ_CONV_FLOAT16) {
      out->u.f32 = qb_pq__half_to_float((uint16_t)(raw.p[0] | raw.p[1] << 8));
      return true;
    }
    /* fall through */
  default:
    out->u.bytes.p = raw.p;
    out->u.bytes.n = raw.n;
    return true;
  }
}

/* Types whose deprecated min/max (signed comparison) equal their type-defined order. */
static bool signed_order(const qb_pq_field *f)
{
  switch (f->node->type) {
  case QB_PQ_BOOLEAN:
  case QB_PQ_FLOAT:
  case QB_PQ_DOUBLE: return true;
  case QB_PQ_INT32:
  case QB_PQ_INT64: return f->vtype != QB_PQ_V_UINT;
  default: return false;
  }
}

static bool is_nan(const qb_value *v)
{
  return (v->kind == QB_V_FLOAT && isnan(v->u.f32)) || (v->kind == QB_V_DOUBLE && isnan(v->u.f64));
}

void qb_pq__stats_decode(qb_pq_stats *out, const qb_pq_reader *r, size_t rg, size_t col)
{
  const qb_pq_statistics *st = &r->meta.row_groups[rg].columns[col].meta_data.statistics;
  const qb_pq_field *f = &r->leaf[col]->pub;
  memset(out, 0, sizeof *out);
  out->has_null_count = st->has_null_count;
  out->null_count = st->null_count;
  out->has_distinct_count = st->has_distinct_count;
  out->distinct_count = st->distinct_count;
  out->has_nan_count = st->has_nan_count;
  out->nan_count = st->nan_count;
  out->raw_min = st->has_min_value ? st->min_value : st->min;
  out->raw_max = st->has_max_value ? st->max_value : st->max;
  /* no usable order: INT96 (order undefined) and FLOAT16 (stats are raw bytes in its own order) */
  if (f->node->type == QB_PQ_INT96 || (f->node->type == QB_PQ_FIXED_LEN_BYTE_ARRAY && f->vtype == QB_PQ_V_FLOAT))
    return;
  qb_pq_column_order order = QB_PQ_ORDER_TYPE_DEFINED; /* absent column_orders: min_value is type-ordered */
  if (r->meta.has_column_orders && r->meta.n_column_orders == r->n_leaves) order = r->meta.column_orders[col];
  bool order_ok = order == QB_PQ_ORDER_TYPE_DEFINED ||
                  (order == QB_PQ_ORDER_IEEE754_TOTAL && (f->vtype == QB_PQ_V_FLOAT || f->vtype == QB_PQ_V_DOUBLE));
  if (st->has_min_value || st->has_max_value) {
    if (order_ok) {
      out->has_min = st->has_min_value && qb_pq__plain_to_value(&out->min, f, st->min_value);
      out->has_max = st->has_max_value && qb_pq__plain_to_value(&out->max, f, st->max_value);
    }
  } else if (signed_order(f)) {
    out->has_min = st->has_min && qb_pq__plain_to_value(&out->min, f, st->min);
    out->has_max = st->has_max && qb_pq__plain_to_value(&out->max, f, st->max);
    out->from_deprecated = out->has_min || out->has_max;
  }
  /* nan_in_stats.parquet: a NaN bound says nothing about the other values */
  if ((out->has_min && is_nan(&out->min)) || (out->has_max && is_nan(&out->max))) out->has_min = out->has_max = false;
  out->min_exact = !st->has_is_min_value_exact || st->is_min_value_exact;
  out->max_exact = !st->has_is_max_value_exact || st->is_max_value_exact;
}

static int cmp_bytes(const qb_value *a, const qb_value *b)
{
  size_t n = a->u.bytes.n < b->u.bytes.n ? a->u.bytes.n : b->u.bytes.n;
  int c = n ? memcmp(a->u.bytes.p, b->u.bytes.p, n) : 0;
  if (c) return c;
  return (a->u.bytes.n > b->u.bytes.n) - (a->u.bytes.n < b->u.bytes.n);
}

/* Big-endian two's complement integers of any length (decimal unscaled values). */
static int cmp_twos(const qb_value *a, const qb_value *b)
{
  const uint8_t *p = a->u.bytes.p, *q = b->u.bytes.p;
  size_t n = a->u.bytes.n, m = b->u.bytes.n;
  bool na = n && (p[0] & 0x80), nb = m && (q[0] & 0x80);
  if (na != nb) return na ? -1 : 1;
  uint8_t pad = na ? 0xff : 0;
  size_t w = n > m ? n : m;
  for (size_t i = 0; i < w; i++) {
    uint8_t x = i < w - n ? pad : p[i - (w - n)], y = i < w - m ? pad : q[i - (w - m)];
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

static bool as_i64(int64_t *out, const qb_value *v)
{
  if (v->kind == QB_V_INT32) *out = v->u.i32;
  else if (v->kind == QB_V_INT64) *out = v->u.i64;
  else return false;
  return true;
}

static bool as_double(double *out, const qb_value *v)
{
  switch (v->kind) {
  case QB_V_FLOAT: *out = v->u.f32; return true;
  case QB_V_DOUBLE: *out = v->u.f64; return true;
  case QB_V_INT32: *out = v->u.i32; return true;
  case QB_V_INT64: *out = (double)v->u.i64; return true;
  default: return false;
  }
}

bool qb_pq__value_cmp(int *out, const qb_value *a, const qb_value *b, const qb_pq_field *f)
{
  int64_t x, y;
  double dx, dy;
  bool bytes_a = a->kind == QB_V_BYTES || a->kind == QB_V_STRING, bytes_b = b->kind == QB_V_BYTES || b->kind == QB_V_STRING;
  switch (f->vtype) {
  case QB_PQ_V_BOOL:
    if (a->kind != QB_V_BOOL || b->kind != QB_V_BOOL) return false;
    *out = (int)a->u.b - (int)b->u.b;
    return true;
  case QB_PQ_V_FLOAT:
  case QB_PQ_V_DOUBLE:
    if (!as_double(&dx, a) || !as_double(&dy, b) || isnan(dx) || isnan(dy)) return false;
    /* Java's Double.compare order, the row filter's (iceberg/value_text.c): -0.0 < 0.0. With IEEE's
     * -0.0 == 0.0 a row group whose min is -0.0 was skipped for "d < 0", whose rows the filter keeps */
    *out = (dx > dy) - (dx < dy);
    if (!*out && dx == 0) *out = (int)!signbit(dx) - (int)!signbit(dy);
    return true;
  case QB_PQ_V_UINT:
    if (!as_i64(&x, a) || !as_i64(&y, b)) return false;
    /* an INT32 column's unsigned values are its 32 bits */
    if (f->node->type == QB_PQ_INT32) x = (uint32_t)x, y = (uint32_t)y;
    *out = ((uint64_t)x > (uint64_t)y) - ((uint64_t)x < (uint64_t)y);
    return true;
  case QB_PQ_V_STRING:
  case QB_PQ_V_BINARY:
  case QB_PQ_V_UUID:
    if (!bytes_a || !bytes_b) return false;
    *out = cmp_bytes(a, b);
    return true;
  case QB_PQ_V_DECIMAL:
    if (bytes_a && bytes_b) {
      *out = cmp_twos(a, b);
      return true;
    }
    /* fall through */
  default:
    if (!as_i64(&x, a) || !as_i64(&y, b)) return false;
    *out = (x > y) - (x < y);
    return true;
  }
}

int qb_pq__pred_resolve(qb_pq_pred *out, const qb_pq_reader *r, const qb_pq_predicate *p, qb_err *err)
{
  const qb_pq_rfield *f = p->column ? qb_pq__fields_find_path(r->top, r->n_top, p->column)
                                    : qb_pq__fields_find_id(r->top, r->n_top, p->field_id);
  char name[64];
  if (p->column) snprintf(name, sizeof name, "'%s'", p->column);
  else snprintf(name, sizeof name, "field id %d", (int)p->field_id);
  if (!f) return QB_FAIL(err, QB_ENOTFOUND, "predicate: no column %s", name);
  if (f->pub.kind != QB_PQ_F_PRIMITIVE || f->max_rep > 0)
    return QB_FAIL(err, QB_EINVAL, "predicate: column %s is not a non-repeated primitive column", name);
  if ((unsigned)p->op > QB_PQ_OP_NOT_NULL) return QB_FAIL(err, QB_EINVAL, "predicate on %s: bad operator %d", name, (int)p->op);
  out->leaf = f;
  out->op = p->op;
  out->value = p->value;
  if (p->op == QB_PQ_OP_IS_NULL || p->op == QB_PQ_OP_NOT_NULL) return QB_OK;
  /* the value must be comparable with the column's values: check against itself */
  int c;
  if (p->value.kind == QB_V_NULL || !qb_pq__value_cmp(&c, &p->value, &p->value, &f->pub))
    return QB_FAIL(err, QB_EINVAL, "predicate on %s: a value of kind %d does not fit the column", name,
                   (int)p->value.kind);
  return QB_OK;
}

static bool pred_may_match(const qb_pq_scan *s, size_t rg, const qb_pq_pred *p)
{
  const qb_pq_reader *r = s->r;
  int64_t rows = r->meta.row_groups[rg].num_rows;
  size_t col = (size_t)p->leaf->pub.column;
  if (!r->meta.row_groups[rg].columns[col].meta_data.has_statistics) return true;
  qb_pq_stats st;
  qb_pq__stats_decode(&st, r, rg, col);
  bool all_null = st.has_null_count && st.null_count >= rows && rows > 0;
  int c;
  switch (p->op) {
  case QB_PQ_OP_IS_NULL: return !(st.has_null_count && st.null_count == 0);
  case QB_PQ_OP_NOT_NULL: return !all_null;
  default: break;
  }
  if (all_null) return false; /* a comparison with null is never true */
  const qb_pq_field *f = &p->leaf->pub;
  /* Parquet's rule for readers: a zero min may stand for -0.0 and a zero max for +0.0 (writers may have
   * dropped the sign; qberg writes -0.0 and +0.0 there) */
  if (f->vtype == QB_PQ_V_FLOAT || f->vtype == QB_PQ_V_DOUBLE) {
    if (st.has_min && st.min.kind == QB_V_DOUBLE && st.min.u.f64 == 0) st.min.u.f64 = -0.0;
    if (st.has_min && st.min.kind == QB_V_FLOAT && st.min.u.f32 == 0) st.min.u.f32 = -0.0f;
    if (st.has_max && st.max.kind == QB_V_DOUBLE && st.max.u.f64 == 0) st.max.u.f64 = 0.0;
    if (st.has_max && st.max.kind == QB_V_FLOAT && st.max.u.f32 == 0) st.max.u.f32 = 0.0f;
    /* NaN orders above every number there too (the row filter keeps it for "d > 5"), but min and max leave
     * it out: a row group that may hold NaN (no nan_count, as most writers give, or one above 0) is kept
     * for > and >=, else a NaN row would be returned or not depending on its neighbours */
    if ((p->op == QB_PQ_OP_GT || p->op == QB_PQ_OP_GE) && (!st.has_nan_count || st.nan_count > 0)) return true;
  }
  switch (p->op) {
  case QB_PQ_OP_EQ:
    if (st.has_min && qb_pq__value_cmp(&c, &p->value, &st.min, f) && c < 0) return false;
    if (st.has_max && qb_pq__value_cmp(&c, &p->value, &st.max, f) && c > 0) return false;
    return true;
  case QB_PQ_OP_LT: return !(st.has_min && qb_pq__value_cmp(&c, &st.min, &p->value, f) && c >= 0);
  case QB_PQ_OP_LE: return !(st.has_min && qb_pq__value_cmp(&c, &st.min, &p->value, f) && c > 0);
  case QB_PQ_OP_GT: return !(st.has_max && qb_pq__value_cmp(&c, &st.max, &p->value, f) && c <= 0);
  case QB_PQ_OP_GE: return !(st.has_max && qb_pq__value_cmp(&c, &st.max, &p->value, f) && c < 0);
  default: return true;
  }
}

bool qb_pq__rg_may_match(const qb_pq_scan *s, size_t rg)
{
  for (size_t i = 0; i < s->n_preds; i++)
    if (!pred_may_match(s, rg, &s->preds[i])) return false;
  return true;
}
