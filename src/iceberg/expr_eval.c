/* SPDX-License-Identifier: Apache-2.0 */
/* Evaluating a bound expression on one row or one partition tuple (Java Evaluator). Nulls follow SQL:
 * a comparison, IN or NOT IN with a null value is not true (so NOT (x = 1), rewritten to x != 1, does
 * not select rows where x is null), only IS NULL and IS NOT NAN hold for null. */
#include <math.h>

#include "iceberg/expr_int.h"

static bool is_nan(const qb_value *v)
{
  return (v->kind == QB_V_FLOAT && isnan(v->u.f32)) || (v->kind == QB_V_DOUBLE && isnan(v->u.f64));
}

static bool pred(const qb_bexpr *e, const qb_value *v)
{
  bool null = !v || v->kind == QB_V_NULL;
  switch (e->op) {
  case QB_EXPR_IS_NULL: return null;
  case QB_EXPR_NOT_NULL: return !null;
  case QB_EXPR_IS_NAN: return !null && is_nan(v);
  case QB_EXPR_NOT_NAN: return null || !is_nan(v);
  default: break;
  }
  if (null) return false;
  if (e->op == QB_EXPR_IN || e->op == QB_EXPR_NOT_IN) {
    bool found = false;
    for (size_t i = 0; i < e->n_values && !found; i++) found = qb_ice__value_cmp(e->type, v, &e->values[i]) == 0;
    return found == (e->op == QB_EXPR_IN);
  }
  int c = qb_ice__value_cmp(e->type, v, &e->values[0]);
  switch (e->op) {
  case QB_EXPR_EQ: return c == 0;
  case QB_EXPR_NE: return c != 0;
  case QB_EXPR_LT: return c < 0;
  case QB_EXPR_LE: return c <= 0;
  case QB_EXPR_GT: return c > 0;
  case QB_EXPR_GE: return c >= 0;
  default: return false;
  }
}

bool qb_bexpr__eval(const qb_bexpr *e, qb_bexpr_lookup lookup, const void *ctx)
{
  switch (e->op) {
  case QB_EXPR_TRUE: return true;
  case QB_EXPR_FALSE: return false;
  case QB_EXPR_AND: return qb_bexpr__eval(e->left, lookup, ctx) && qb_bexpr__eval(e->right, lookup, ctx);
  case QB_EXPR_OR: return qb_bexpr__eval(e->left, lookup, ctx) || qb_bexpr__eval(e->right, lookup, ctx);
  default: return pred(e, lookup(ctx, e->field_id));
  }
}
