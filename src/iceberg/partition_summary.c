/* SPDX-License-Identifier: Apache-2.0 */
/* Partition field summaries of a manifest (spec "Manifest Lists", field_summary 508-511, 518), computed as
 * Java's PartitionSummary: over every entry, nulls and NaNs flagged, min and max of the other values by
 * Java's Comparators, bounds in the single-value binary serialisation of the field's result type. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/manifest_int.h"
#include "util/buf.h"

/* A partition value is small (a transform result); this only stops a runaway identity(string) value. */
#define MAX_BOUND_BYTES ((size_t)16 << 20)

typedef struct field_stats {
  const qb_type *type;
  bool contains_null, contains_nan, has_bounds;
  qb_buf min, max; /* serialised */
} field_stats;

struct qb_partition_summary {
  size_t n;
  field_stats *f;
};

int qb_partition_summary__new(qb_partition_summary **out, const qb_type *ptype, qb_err *err)
{
  *out = NULL;
  size_t n = ptype ? ptype->n_fields : 0;
  qb_partition_summary *s = calloc(1, sizeof *s);
  field_stats *f = calloc(n ? n : 1, sizeof *f);
  if (!s || !f) {
    free(s);
    free(f);
    return QB_FAIL(err, QB_ENOMEM, "out of memory for partition summaries");
  }
  for (size_t i = 0; i < n; i++) {
    f[i].type = ptype->fields[i].type;
    qb_buf_init(&f[i].min, MAX_BOUND_BYTES);
    qb_buf_init(&f[i].max, MAX_BOUND_BYTES);
  }
  s->n = n;
  s->f = f;
  *out = s;
  return QB_OK;
}

void qb_partition_summary__free(qb_partition_summary *s)
{
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) {
    qb_buf_free(&s->f[i].min);
    qb_buf_free(&s->f[i].max);
  }
  free(s->f);
  free(s);
}

static int sign(int64_t d) { return d < 0 ? -1 : d > 0; }

/* Java's Float.compare / Double.compare: -0.0 before 0.0, NaN after everything. */
static int cmp_double(double a, double b)
{
  if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
  if (a < b) return -1;
  if (a > b) return 1;
  return (int)(signbit(b) != 0) - (int)(signbit(a) != 0);
}

static int cmp_unsigned(qb_slice a, qb_slice b)
{
  size_t n = a.n < b.n ? a.n : b.n;
  int c = n ? memcmp(a.p, b.p, n) : 0;
  return c ? (c < 0 ? -1 : 1) : sign((int64_t)a.n - (int64_t)b.n);
}

int qb_manifest__compare_bound(const qb_type *t, qb_slice a, qb_slice b)
{
  qb_value x, y;
  qb_err ignored = QB_ERR_INIT;
  if (qb_bound_decode(&x, t, a, &ignored) || qb_bound_decode(&y, t, b, &ignored)) return cmp_unsigned(a, b);
  switch (t->id) {
  case QB_T_BOOLEAN: return (int)x.u.b - (int)y.u.b;
  case QB_T_INT:
  case QB_T_DATE: return sign((int64_t)x.u.i32 - (int64_t)y.u.i32);
  case QB_T_LONG:
  case QB_T_TIME:
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ: return x.u.i64 < y.u.i64 ? -1 : x.u.i64 > y.u.i64;
  case QB_T_FLOAT: return cmp_double(x.u.f32, y.u.f32);
  case QB_T_DOUBLE: return cmp_double(x.u.f64, y.u.f64);
  case QB_T_DECIMAL: {
    qb_i128 dx, dy;
    if (!qb_ice__decimal_of(&x, &dx) || !qb_ice__decimal_of(&y, &dy)) return cmp_unsigned(a, b);
    return dx < dy ? -1 : dx > dy;
  }
  case QB_T_UUID: {
    /* java.util.UUID.compareTo: the two halves as signed longs */
    int64_t xh = (int64_t)((uint64_t)qb_be32(a.p) << 32 | qb_be32(a.p + 4));
    int64_t yh = (int64_t)((uint64_t)qb_be32(b.p) << 32 | qb_be32(b.p + 4));
    int64_t xl = (int64_t)((uint64_t)qb_be32(a.p + 8) << 32 | qb_be32(a.p + 12));
    int64_t yl = (int64_t)((uint64_t)qb_be32(b.p + 8) << 32 | qb_be32(b.p + 12));
    if (xh != yh) return xh < yh ? -1 : 1;
    return xl < yl ? -1 : xl > yl;
  }
  default: return cmp_unsigned(a, b); /* string (UTF-8 order = code point order), binary, fixed */
  }
}

static bool is_nan(const qb_value *v)
{
  return (v->kind == QB_V_FLOAT && isnan(v->u.f32)) || (v->kind == QB_V_DOUBLE && isnan(v->u.f64));
}

static int keep(qb_buf *b, qb_slice s, qb_err *err)
{
  qb_buf_reset(b);
  return qb_buf_append(b, s.n ? s.p : (const uint8_t *)"", s.n, err);
}

static qb_slice as_slice(const qb_buf *b)
{
  qb_slice s = {b->p, b->n};
  return s;
}

int qb_partition_summary__update(qb_partition_summary *s, const qb_value *partition, qb_err *err)
{
  size_t have = partition->kind == QB_V_STRUCT ? partition->u.seq.n : 0;
  if (have != s->n) return QB_FAIL(err, QB_EINVAL, "the partition tuple has %zu values, the spec %zu fields", have, s->n);
  for (size_t i = 0; i < s->n; i++) {
    field_stats *f = &s->f[i];
    const qb_value *v = &partition->u.seq.items[i];
    qb_value canon;
    uint8_t scratch[16], enc[16];
    qb_slice b;
    if (v->kind == QB_V_NULL) {
      f->contains_null = true;
      continue;
    }
    if (is_nan(v)) {
      f->contains_nan = true;
      continue;
    }
    int rc = qb_manifest__partition_value(&canon, scratch, f->type, v, err);
    if (!rc) rc = qb_bound_encode(&b, enc, f->type, &canon, err);
    if (rc) return rc;
    if (!f->has_bounds) {
      if ((rc = keep(&f->min, b, err)) || (rc = keep(&f->max, b, err))) return rc;
      f->has_bounds = true;
      continue;
    }
    if (qb_manifest__compare_bound(f->type, b, as_slice(&f->min)) < 0 && (rc = keep(&f->min, b, err))) return rc;
    if (qb_manifest__compare_bound(f->type, as_slice(&f->max), b) < 0 && (rc = keep(&f->max, b, err))) return rc;
  }
  return QB_OK;
}

size_t qb_partition_summary__get(const qb_partition_summary *s, qb_partition_field_summary *out, size_t n)
{
  static const uint8_t empty[1];
  for (size_t i = 0; i < s->n && i < n; i++) {
    const field_stats *f = &s->f[i];
    memset(&out[i], 0, sizeof out[i]);
    out[i].contains_null = f->contains_null;
    out[i].contains_nan = f->contains_nan ? 1 : 0;
    if (f->has_bounds) {
      out[i].lower_bound.p = f->min.n ? f->min.p : empty;
      out[i].lower_bound.n = f->min.n;
      out[i].upper_bound.p = f->max.n ? f->max.p : empty;
      out[i].upper_bound.n = f->max.n;
    }
  }
  return s->n;
}
