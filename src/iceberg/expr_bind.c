/* SPDX-License-Identifier: Apache-2.0 */
/* Binding filter expressions to a schema (Java Binder + RewriteNot): names become field ids, literals
 * become values of the column's type, and NOT is pushed down to the predicates so that the pruning
 * evaluators only see monotone operators. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/expr_int.h"

const qb_bexpr qb_bexpr__true = {QB_EXPR_TRUE, NULL, NULL, 0, NULL, 0, NULL};
const qb_bexpr qb_bexpr__false = {QB_EXPR_FALSE, NULL, NULL, 0, NULL, 0, NULL};

static qb_bexpr *bnode(qb_arena *a, qb_expr_op op)
{
  qb_bexpr *b = qb_arena_calloc(a, 1, sizeof *b);
  if (b) b->op = op;
  return b;
}

const qb_bexpr *qb_bexpr__and(qb_arena *a, const qb_bexpr *l, const qb_bexpr *r)
{
  if (!l || !r) return NULL;
  if (l->op == QB_EXPR_FALSE || r->op == QB_EXPR_FALSE) return &qb_bexpr__false;
  if (l->op == QB_EXPR_TRUE) return r;
  if (r->op == QB_EXPR_TRUE) return l;
  qb_bexpr *b = bnode(a, QB_EXPR_AND);
  if (b) {
    b->left = l;
    b->right = r;
  }
  return b;
}

const qb_bexpr *qb_bexpr__or(qb_arena *a, const qb_bexpr *l, const qb_bexpr *r)
{
  if (!l || !r) return NULL;
  if (l->op == QB_EXPR_TRUE || r->op == QB_EXPR_TRUE) return &qb_bexpr__true;
  if (l->op == QB_EXPR_FALSE) return r;
  if (r->op == QB_EXPR_FALSE) return l;
  qb_bexpr *b = bnode(a, QB_EXPR_OR);
  if (b) {
    b->left = l;
    b->right = r;
  }
  return b;
}

qb_bexpr *qb_bexpr__pred(qb_arena *a, qb_expr_op op, int32_t field_id, const qb_type *type, const qb_value *values,
                         size_t n)
{
  qb_bexpr *b = bnode(a, op);
  if (b) {
    b->field_id = field_id;
    b->type = type;
    b->values = values;
    b->n_values = n;
  }
  return b;
}

size_t qb_bexpr__field_ids(const qb_bexpr *e, int32_t *ids, size_t cap)
{
  if (e->op == QB_EXPR_AND || e->op == QB_EXPR_OR) {
    size_t n = qb_bexpr__field_ids(e->left, ids, cap);
    return n + qb_bexpr__field_ids(e->right, n < cap ? ids + n : NULL, n < cap ? cap - n : 0);
  }
  if (e->op == QB_EXPR_TRUE || e->op == QB_EXPR_FALSE) return 0;
  if (cap) ids[0] = e->field_id;
  return 1;
}

static qb_expr_op negate_op(qb_expr_op op)
{
  switch (op) {
  case QB_EXPR_IS_NULL: return QB_EXPR_NOT_NULL;
  case QB_EXPR_NOT_NULL: return QB_EXPR_IS_NULL;
  case QB_EXPR_IS_NAN: return QB_EXPR_NOT_NAN;
  case QB_EXPR_NOT_NAN: return QB_EXPR_IS_NAN;
  case QB_EXPR_EQ: return QB_EXPR_NE;
  case QB_EXPR_NE: return QB_EXPR_EQ;
  case QB_EXPR_LT: return QB_EXPR_GE;
  case QB_EXPR_LE: return QB_EXPR_GT;
  case QB_EXPR_GT: return QB_EXPR_LE;
  case QB_EXPR_GE: return QB_EXPR_LT;
  case QB_EXPR_IN: return QB_EXPR_NOT_IN;
  case QB_EXPR_NOT_IN: return QB_EXPR_IN;
  default: return op;
  }
}

static bool is_floating(const qb_type *t) { return t->id == QB_T_FLOAT || t->id == QB_T_DOUBLE; }

/* The literal as a value of `t` (canonical kind). */
static int convert_lit(qb_value *out, const qb_lit *l, const qb_type *t, qb_arena *a, qb_err *err)
{
  const qb_value *v = &l->v;
  qb_value tmp;
  if (l->number_text) {
    if (t->id == QB_T_INT || t->id == QB_T_LONG)
      return QB_FAIL(err, QB_EINVAL, "%.*s is not an integer", (int)v->u.bytes.n, (const char *)v->u.bytes.p);
    if (!is_floating(t) && t->id != QB_T_DECIMAL) goto mismatch;
    return qb_ice__value_parse(out, t, (const char *)v->u.bytes.p, v->u.bytes.n, a, err);
  }
  switch (v->kind) {
  case QB_V_STRING:
    if (t->id == QB_T_STRING) return qb_ice__value_canon(out, t, v, a, err);
    return qb_ice__value_parse(out, t, (const char *)v->u.bytes.p, v->u.bytes.n, a, err);
  case QB_V_BYTES:
    if (t->id != QB_T_BINARY && t->id != QB_T_FIXED && t->id != QB_T_UUID) goto mismatch;
    return qb_ice__value_canon(out, t, v, a, err);
  case QB_V_BOOL:
    if (t->id != QB_T_BOOLEAN) goto mismatch;
    *out = *v;
    return QB_OK;
  case QB_V_INT32:
  case QB_V_INT64: {
    int64_t x = v->kind == QB_V_INT32 ? v->u.i32 : v->u.i64;
    if (is_floating(t)) {
      tmp = (qb_value){.kind = QB_V_DOUBLE, .u.f64 = (double)x};
      return qb_ice__value_canon(out, t, &tmp, a, err);
    }
    if (t->id == QB_T_DECIMAL) { /* an integer literal means x.000 */
      qb_i128 u = x;
      for (int k = 0; k < t->scale; k++) u *= 10;
      uint8_t b[16];
      size_t n = qb_ice__decimal_bytes(u, b);
      tmp = (qb_value){.kind = QB_V_BYTES, .u.bytes = {b, n}};
      return qb_ice__value_canon(out, t, &tmp, a, err);
    }
    if (t->id != QB_T_INT && t->id != QB_T_LONG && t->id != QB_T_DATE && t->id != QB_T_TIME &&
        t->id != QB_T_TIMESTAMP && t->id != QB_T_TIMESTAMPTZ)
      goto mismatch;
    tmp = (qb_value){.kind = QB_V_INT64, .u.i64 = x};
    return qb_ice__value_canon(out, t, &tmp, a, err);
  }
  case QB_V_FLOAT:
  case QB_V_DOUBLE:
    if (!is_floating(t)) goto mismatch;
    return qb_ice__value_canon(out, t, v, a, err);
  default: break;
  }
mismatch:;
  char tn[48];
  qb_type_to_string(tn, sizeof tn, t);
  return QB_FAIL(err, QB_EINVAL, "the literal does not fit type %s", tn);
}

/* Whether a number literal lies beyond the range of an int, long or float column: 1 above its largest value, -1
 * below its smallest, 0 inside (or not a number: convert_lit judges it). Java's Literal.to gives these
 * literals aboveMax()/belowMin() and the binder turns their predicates into constants; bind_pred does the
 * same, with SQL's answer for null rows. */
static int lit_side(const qb_lit *l, const qb_type *t)
{
  const qb_value *v = &l->v;
  double x;
  if (t->id == QB_T_INT || t->id == QB_T_LONG) {
    if (l->number_text) { /* only digits: an integer the parser could not hold in 64 bits */
      const uint8_t *p = v->u.bytes.p, *end = p + v->u.bytes.n;
      int sign = p < end && *p == '-' ? -1 : 1;
      if (p < end && (*p == '-' || *p == '+')) p++;
      if (p == end) return 0;
      while (p < end && *p >= '0' && *p <= '9') p++;
      return p == end ? sign : 0;
    }
    if (t->id == QB_T_LONG || v->kind != QB_V_INT64) return 0;
    return v->u.i64 > INT32_MAX ? 1 : v->u.i64 < INT32_MIN ? -1 : 0;
  }
  if (t->id != QB_T_FLOAT) return 0;
  if (l->number_text) {
    char buf[64];
    if (v->u.bytes.n >= sizeof buf) return 0;
    memcpy(buf, v->u.bytes.p, v->u.bytes.n);
    buf[v->u.bytes.n] = 0;
    x = strtod(buf, NULL);
  } else if (v->kind == QB_V_INT32 || v->kind == QB_V_INT64) {
    x = v->kind == QB_V_INT32 ? v->u.i32 : (double)v->u.i64;
  } else if (v->kind == QB_V_DOUBLE) {
    x = v->u.f64;
  } else {
    return 0;
  }
  if (!isfinite(x)) return 0; /* infinities and NaN are float values */
  /* beyond only when it rounds past the largest float: an in-range literal is rounded to float (convert_lit),
   * so 3.4028235e38, the text of the largest float, is that float (Java's aboveMax compares unrounded) */
  float f = (float)x;
  return isinf(f) ? (f > 0 ? 1 : -1) : 0;
}

/* A predicate against a literal beyond the column's range (lit_side): = is false and != holds for every
 * non-null row; on int and long columns every value lies on one side of the literal, so an ordering is
 * NOT NULL or false; on a float column it compares with the largest finite float c instead: x < big and
 * x <= big become x <= c (not +inf, nor NaN, which orders above every number), x > big becomes x > c (+inf
 * and NaN), and so on. */
static const qb_bexpr *beyond_range(qb_arena *a, qb_expr_op op, int side, const qb_field *f)
{
  bool below_lit = op == QB_EXPR_LT || op == QB_EXPR_LE; /* rows under the literal */
  if (op == QB_EXPR_EQ) return &qb_bexpr__false;
  /* integers: every row lies on one side, so the predicate is NOT NULL or false outright (a comparison with
   * the extreme would reach transforms that overflow there: truncate(10, INT32_MIN) wraps) */
  if (op == QB_EXPR_NE || (f->type->id != QB_T_FLOAT && below_lit == (side > 0)))
    return qb_bexpr__pred(a, QB_EXPR_NOT_NULL, f->id, f->type, NULL, 0);
  if (f->type->id != QB_T_FLOAT) return &qb_bexpr__false;
  qb_value *c = qb_arena_calloc(a, 1, sizeof *c);
  if (!c) return NULL;
  *c = (qb_value){.kind = QB_V_FLOAT, .u.f32 = side > 0 ? FLT_MAX : -FLT_MAX};
  if (side > 0) op = below_lit ? QB_EXPR_LE : QB_EXPR_GT;
  else op = below_lit ? QB_EXPR_LT : QB_EXPR_GE;
  return qb_bexpr__pred(a, op, f->id, f->type, c, 1);
}

static int bind_pred(const qb_bexpr **out, const qb_expr *e, bool negate, const qb_schema *s, qb_arena *a,
                     qb_err *err)
{
  const qb_field *f = qb_schema_find_field_by_name(s, e->column);
  if (!f) return QB_FAIL(err, QB_EINVAL, "no column '%s' in the schema", e->column);
  const qb_schema_entry *en = qb_schema__entry(s, f->id);
  if (!qb_type_is_primitive(f->type) || !en || en->in_collection)
    return QB_FAIL(err, QB_EINVAL, "column '%s' cannot be filtered: only primitive columns outside lists and maps",
                   e->column);
  qb_expr_op op = negate ? negate_op(e->op) : e->op;
  if ((op == QB_EXPR_IS_NAN || op == QB_EXPR_NOT_NAN) && !is_floating(f->type))
    return QB_FAIL(err, QB_EINVAL, "IS NAN applies to float and double columns, not '%s'", e->column);
  qb_value *vals = NULL;
  if (e->n_lits && !(vals = qb_arena_calloc(a, e->n_lits, sizeof *vals)))
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < e->n_lits; i++) {
    int side = lit_side(&e->lits[i], f->type);
    if (side && (op == QB_EXPR_IN || op == QB_EXPR_NOT_IN)) continue; /* no row holds it */
    if (side) {
      *out = beyond_range(a, op, side, f);
      return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
    int rc = convert_lit(&vals[n], &e->lits[i], f->type, a, err);
    if (rc) return qb_err_wrap(err, "column '%s'", e->column);
    bool dup = false; /* IN lists: drop repeats */
    for (size_t k = 0; k < n && !dup; k++) dup = qb_ice__value_cmp(f->type, &vals[k], &vals[n]) == 0;
    if (!dup) n++;
  }
  if (n == 0 && e->n_lits) { /* IN / NOT IN of values beyond the column's range only */
    *out = op == QB_EXPR_IN ? &qb_bexpr__false : qb_bexpr__pred(a, QB_EXPR_NOT_NULL, f->id, f->type, NULL, 0);
    return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  /* NaN never compares equal: Java rewrites x = NaN to isNaN(x) and refuses orderings with NaN. x != NaN is
   * notNaN(x) AND notNull(x): a comparison with null is not true (SQL), while notNaN(null) is */
  if (n == 1 && is_floating(f->type)) {
    double d = vals[0].kind == QB_V_FLOAT ? vals[0].u.f32 : vals[0].u.f64;
    if (isnan(d)) {
      if (op == QB_EXPR_EQ || op == QB_EXPR_IN) op = QB_EXPR_IS_NAN, n = 0;
      else if (op == QB_EXPR_NE || op == QB_EXPR_NOT_IN) {
        const qb_bexpr *nn = qb_bexpr__pred(a, QB_EXPR_NOT_NULL, f->id, f->type, NULL, 0);
        const qb_bexpr *nan = qb_bexpr__pred(a, QB_EXPR_NOT_NAN, f->id, f->type, NULL, 0);
        *out = nn && nan ? qb_bexpr__and(a, nan, nn) : NULL;
        return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
      } else return QB_FAIL(err, QB_EINVAL, "column '%s': NaN cannot be ordered; use IS NAN", e->column);
    }
  }
  *out = qb_bexpr__pred(a, op, f->id, f->type, vals, n);
  return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

static int bind(const qb_bexpr **out, const qb_expr *e, bool negate, const qb_schema *s, qb_arena *a, qb_err *err)
{
  const qb_bexpr *l, *r;
  int rc;
  switch (e->op) {
  case QB_EXPR_TRUE:
  case QB_EXPR_FALSE:
    *out = (e->op == QB_EXPR_TRUE) != negate ? &qb_bexpr__true : &qb_bexpr__false;
    return QB_OK;
  case QB_EXPR_NOT: return bind(out, e->left, !negate, s, a, err);
  case QB_EXPR_AND:
  case QB_EXPR_OR:
    if ((rc = bind(&l, e->left, negate, s, a, err)) || (rc = bind(&r, e->right, negate, s, a, err))) return rc;
    /* De Morgan when negated */
    *out = (e->op == QB_EXPR_AND) != negate ? qb_bexpr__and(a, l, r) : qb_bexpr__or(a, l, r);
    return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  default: return bind_pred(out, e, negate, s, a, err);
  }
}

int qb_expr__bind(const qb_bexpr **out, const qb_expr *e, const qb_schema *schema, qb_arena *a, qb_err *err)
{
  if (!e) {
    *out = &qb_bexpr__true;
    return QB_OK;
  }
  int rc = bind(out, e, false, schema, a, err);
  return rc ? qb_err_wrap(err, "filter") : QB_OK;
}
