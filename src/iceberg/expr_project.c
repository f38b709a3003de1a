/* SPDX-License-Identifier: Apache-2.0 */
/* Inclusive projection of a row filter onto a partition spec (Java Projections.inclusive and each
 * transform's project(), ProjectionUtil): for every partition that may contain a matching row the
 * projected predicate is true. A filter on a timestamp prunes day/month/year/hour partitions, a filter on
 * an id prunes its bucket, a string range prunes truncate partitions. */
#include <string.h>

#include "iceberg/expr_int.h"

/* The transform of one literal, as a canonical value of the result type in `a`. */
static int apply(qb_value *out, const qb_partition_field *pf, const qb_type *src, const qb_type *rt, const qb_value *v,
                 qb_arena *a, qb_err *err)
{
  uint8_t scratch[16];
  qb_value r;
  int rc = qb_transform_apply(&r, scratch, &pf->transform, src, v, err);
  if (rc) return rc;
  return qb_ice__value_canon(out, rt, &r, a, err);
}

/* v + delta for the integer-like kinds (ints, longs, dates, times, timestamps, small decimals); false
 * when it would overflow or the value is not an integer (the caller then projects less tightly). */
static bool shift(qb_value *out, const qb_type *t, const qb_value *v, int delta)
{
  if (t->id == QB_T_FLOAT || t->id == QB_T_DOUBLE || t->id == QB_T_STRING || t->id == QB_T_BINARY ||
      t->id == QB_T_FIXED || t->id == QB_T_UUID || t->id == QB_T_BOOLEAN)
    return false;
  *out = *v;
  if (v->kind == QB_V_INT32) {
    int64_t x = (int64_t)v->u.i32 + delta;
    if (x < INT32_MIN || x > INT32_MAX) return false;
    out->u.i32 = (int32_t)x;
    return true;
  }
  if (v->kind == QB_V_INT64) {
    if ((delta > 0 && v->u.i64 == INT64_MAX) || (delta < 0 && v->u.i64 == INT64_MIN)) return false;
    out->u.i64 = v->u.i64 + delta;
    return true;
  }
  return false;
}

/* truncate[W] of an int or long whose bucket starts below the type's minimum: the bucket of INT32_MIN (W not a
 * power of two) goes down to INT32_MIN - floor_mod(INT32_MIN, W), which Java's int arithmetic wraps to a value
 * near INT32_MAX (-2147483650 → 2147483646 for W = 10; qberg's writer gives the same, so the tables agree), and
 * likewise for longs (qberg refuses to write those, other engines wrap). The partition holding the rows near
 * the minimum is then at the top of the order: a projection must not prune it for x <= v, nor compute a
 * bound from a literal in that bucket. `bits` 32 or 64; *wrapped the partition value Java gives x. */
static bool trunc_wraps(int64_t x, int64_t w, int bits, int64_t *wrapped)
{
  int64_t r = x % w;
  if (r < 0) r += w;
  int64_t min = bits == 32 ? INT32_MIN : INT64_MIN;
  if (x >= min + r) return false;
  if (bits == 32) *wrapped = (int32_t)(uint32_t)((uint64_t)x - (uint64_t)r);
  else *wrapped = (int64_t)((uint64_t)x - (uint64_t)r);
  return true;
}

static const qb_bexpr *int_pred(qb_arena *a, qb_expr_op op, const qb_partition_field *pf, const qb_type *rt, int64_t v)
{
  qb_value *val = qb_arena_calloc(a, 1, sizeof *val);
  if (!val) return NULL;
  *val = rt->id == QB_T_INT ? (qb_value){.kind = QB_V_INT32, .u.i32 = (int32_t)v} : (qb_value){.kind = QB_V_INT64, .u.i64 = v};
  return qb_bexpr__pred(a, op, pf->field_id, rt, val, 1);
}

/* The projection of e (=, IN, or a range already turned into <= / >= of `lit`) through truncate[W] of an int
 * or long, wrapping as Java does (trunc_wraps). A long column may have been an int when older files were
 * written (int→long): their INT32_MIN bucket holds the int's wrapped value, kept too. */
static int project_int_truncate(const qb_bexpr **out, const qb_bexpr *e, qb_expr_op op, const qb_value *lit,
                                const qb_partition_field *pf, const qb_type *src, const qb_type *rt, qb_arena *a,
                                qb_err *err)
{
  int64_t w = pf->transform.param, wv;
  int bits = src->id == QB_T_INT ? 32 : 64;
  *out = &qb_bexpr__true;
  const qb_bexpr *acc = &qb_bexpr__false, *p;
  if (op == QB_EXPR_EQ || op == QB_EXPR_IN) {
    for (size_t i = 0; i < e->n_values; i++) {
      const qb_value *v = &e->values[i];
      int64_t x = v->kind == QB_V_INT32 ? v->u.i32 : v->u.i64, r = x % w;
      if (r < 0) r += w;
      int64_t t = trunc_wraps(x, w, bits, &wv) ? wv : x - r;
      if (!(p = int_pred(a, QB_EXPR_EQ, pf, rt, t)) || !(acc = qb_bexpr__or(a, acc, p))) goto oom;
      if (bits == 64 && x >= INT32_MIN && trunc_wraps(x, w, 32, &wv) &&
          (!(p = int_pred(a, QB_EXPR_EQ, pf, rt, wv)) || !(acc = qb_bexpr__or(a, acc, p))))
        goto oom;
    }
    *out = acc;
    return QB_OK;
  }
  int64_t x = lit->kind == QB_V_INT32 ? lit->u.i32 : lit->u.i64, r = x % w;
  if (r < 0) r += w;
  if (trunc_wraps(x, w, bits, &wv)) return QB_OK; /* the bound's bucket wrapped: no pruning */
  if (!(acc = int_pred(a, op, pf, rt, x - r))) goto oom;
  if (op == QB_EXPR_LE) { /* the buckets of the minimum, wrapped to the top, hold rows <= x */
    if (trunc_wraps(bits == 32 ? INT32_MIN : INT64_MIN, w, bits, &wv) && (!(p = int_pred(a, QB_EXPR_EQ, pf, rt, wv)) || !(acc = qb_bexpr__or(a, acc, p))))
      goto oom;
    if (bits == 64 && x >= INT32_MIN && trunc_wraps(INT32_MIN, w, 32, &wv) &&
        (!(p = int_pred(a, QB_EXPR_EQ, pf, rt, wv)) || !(acc = qb_bexpr__or(a, acc, p))))
      goto oom;
  }
  *out = acc;
  return QB_OK;
oom:
  return QB_FAIL(err, QB_ENOMEM, "out of memory");
}

static int project_pred(const qb_bexpr **out, const qb_bexpr *e, const qb_partition_field *pf, const qb_type *src,
                        qb_arena *a, qb_err *err)
{
  *out = &qb_bexpr__true;
  qb_transform_kind k = pf->transform.kind;
  if (k == QB_TR_VOID || k == QB_TR_UNKNOWN) return QB_OK;
  const qb_type *rt;
  int rc = qb_transform_result_type(&rt, &pf->transform, src, err);
  if (rc) return rc;
  if (e->op == QB_EXPR_IS_NULL || e->op == QB_EXPR_NOT_NULL) { /* every transform keeps null as null */
    *out = qb_bexpr__pred(a, e->op, pf->field_id, rt, NULL, 0);
    return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (k == QB_TR_IDENTITY) {
    *out = qb_bexpr__pred(a, e->op, pf->field_id, rt, e->values, e->n_values);
    return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  qb_expr_op op = e->op;
  const qb_value *lit = e->n_values ? &e->values[0] : NULL;
  qb_value shifted;
  switch (op) {
  case QB_EXPR_EQ:
  case QB_EXPR_IN: break;
  case QB_EXPR_LT:
  case QB_EXPR_LE:
  case QB_EXPR_GT:
  case QB_EXPR_GE:
    if (k == QB_TR_BUCKET) return QB_OK; /* hashing does not keep order */
    /* x < v ⇒ t(x) <= t(v - 1) on integers; elsewhere t(x) <= t(v) (still inclusive, a bit looser) */
    if (op == QB_EXPR_LT || op == QB_EXPR_GT) {
      if (shift(&shifted, src, lit, op == QB_EXPR_LT ? -1 : 1)) lit = &shifted;
    }
    op = op == QB_EXPR_LT || op == QB_EXPR_LE ? QB_EXPR_LE : QB_EXPR_GE;
    break;
  default: return QB_OK; /* !=, NOT IN, NaN tests: any partition may hold such rows */
  }
  if (k == QB_TR_TRUNCATE && (src->id == QB_T_INT || src->id == QB_T_LONG))
    return project_int_truncate(out, e, op, lit, pf, src, rt, a, err);
  size_t n = op == QB_EXPR_IN ? e->n_values : 1;
  qb_value *vals = qb_arena_calloc(a, n, sizeof *vals);
  if (!vals) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    if ((rc = apply(&vals[i], pf, src, rt, op == QB_EXPR_IN ? &e->values[i] : lit, a, err))) return rc;
  *out = qb_bexpr__pred(a, op, pf->field_id, rt, vals, n);
  return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

int qb_bexpr__project(const qb_bexpr **out, const qb_bexpr *e, const qb_partition_spec *spec, const qb_schema *schema,
                      qb_arena *a, qb_err *err)
{
  const qb_bexpr *l, *r;
  int rc;
  switch (e->op) {
  case QB_EXPR_TRUE:
  case QB_EXPR_FALSE: *out = e; return QB_OK;
  case QB_EXPR_AND:
  case QB_EXPR_OR:
    if ((rc = qb_bexpr__project(&l, e->left, spec, schema, a, err)) ||
        (rc = qb_bexpr__project(&r, e->right, spec, schema, a, err)))
      return rc;
    *out = e->op == QB_EXPR_AND ? qb_bexpr__and(a, l, r) : qb_bexpr__or(a, l, r);
    return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  default: break;
  }
  /* every partition field fed by the column constrains the partition: AND of their projections */
  const qb_bexpr *acc = &qb_bexpr__true;
  for (size_t i = 0; i < spec->n_fields; i++) {
    const qb_partition_field *pf = &spec->fields[i];
    if (pf->source_id != e->field_id) continue;
    const qb_field *src = qb_schema_find_field(schema, pf->source_id);
    if (!src || !qb_transform_can_apply(&pf->transform, src->type)) continue;
    const qb_bexpr *p;
    if ((rc = project_pred(&p, e, pf, e->type, a, err))) return rc;
    if (!(acc = qb_bexpr__and(a, acc, p))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  *out = acc;
  return QB_OK;
}
