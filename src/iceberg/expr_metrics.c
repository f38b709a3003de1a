/* SPDX-License-Identifier: Apache-2.0 */
/* Pruning by statistics: Java InclusiveMetricsEvaluator on a data file's value/null/NaN counts and
 * lower/upper bounds, and ManifestEvaluator on a manifest's partition field summaries. Both answer "might
 * match" unless the statistics prove that no row can match; missing statistics never prune. Truncated
 * string bounds stay valid inclusive bounds (the writer rounds the upper bound up). */
#include <math.h>
#include <string.h>

#include "iceberg/expr_int.h"

/* Java compares at most this many IN values against bounds (InclusiveMetricsEvaluator.IN_PREDICATE_LIMIT). */
#define IN_LIMIT 200

static bool value_is_nan(const qb_value *v)
{
  return (v->kind == QB_V_FLOAT && isnan(v->u.f32)) || (v->kind == QB_V_DOUBLE && isnan(v->u.f64));
}

static const qb_value *nan_lookup(const void *ctx, int32_t field_id)
{
  (void)field_id;
  return ctx;
}

/* Would a NaN satisfy e in the row filter? It orders above every number there (Java's Double.compare), so
 * "d > 5" holds for it, while lower and upper bounds leave NaN out: a file or manifest that may hold NaN
 * must not be pruned by its bounds for such an e, or a NaN row comes back or not depending on its
 * neighbours. */
static bool nan_satisfies(const qb_bexpr *e)
{
  qb_value nan;
  if (e->type->id == QB_T_DOUBLE) nan = (qb_value){.kind = QB_V_DOUBLE, .u.f64 = (double)NAN};
  else if (e->type->id == QB_T_FLOAT) nan = (qb_value){.kind = QB_V_FLOAT, .u.f32 = NAN};
  else return false;
  return qb_bexpr__eval(e, nan_lookup, &nan);
}

/* `v`, or when it is a float or double zero, *w: that zero as -0.0 (`lower`) or +0.0. */
static const qb_value *zero_signed(qb_value *w, const qb_value *v, bool lower)
{
  if (!v || !((v->kind == QB_V_DOUBLE && v->u.f64 == 0) || (v->kind == QB_V_FLOAT && v->u.f32 == 0))) return v;
  *w = *v;
  if (w->kind == QB_V_DOUBLE) w->u.f64 = lower ? -0.0 : 0.0;
  else w->u.f32 = lower ? -0.0f : 0.0f;
  return w;
}

/* Range test shared by both evaluators: can a value in [lo, hi] (either may be absent) satisfy e? */
static bool range_might_match(const qb_bexpr *e, const qb_value *lo_in, const qb_value *hi_in)
{
  const qb_type *t = e->type;
  /* Java: a NaN bound (old writers) says nothing */
  if ((lo_in && value_is_nan(lo_in)) || (hi_in && value_is_nan(hi_in))) return true;
  /* Values compare in Java's order (-0.0 < 0.0), but a writer may record a zero bound without the sign of
   * the zeros it holds (Parquet tells readers to assume so): a zero lower bound is taken as -0.0 and a zero
   * upper bound as +0.0, so that "d < 0" keeps a file whose -0.0 rows the row filter keeps */
  qb_value lo_w, hi_w;
  const qb_value *lo = zero_signed(&lo_w, lo_in, true), *hi = zero_signed(&hi_w, hi_in, false);
  /* uuids: values compare as Java's UUID.compareTo (signed halves), but Parquet statistics, and so the
   * column bounds of every writer, order them by unsigned bytes, while partition summaries follow the
   * signed order. The two orders agree within each half (first byte below or from 0x80); bounds in
   * different halves, or a single bound, say nothing in the signed order (under the unsigned one they
   * span the signed extremes), so only two bounds in the same half prune. */
  if (t->id == QB_T_UUID &&
      (!lo || !hi || !lo->u.bytes.n || !hi->u.bytes.n || ((lo->u.bytes.p[0] ^ hi->u.bytes.p[0]) & 0x80)))
    return true;
  switch (e->op) {
  case QB_EXPR_LT: return !lo || qb_ice__value_cmp(t, lo, &e->values[0]) < 0;
  case QB_EXPR_LE: return !lo || qb_ice__value_cmp(t, lo, &e->values[0]) <= 0;
  case QB_EXPR_GT: return !hi || qb_ice__value_cmp(t, hi, &e->values[0]) > 0;
  case QB_EXPR_GE: return !hi || qb_ice__value_cmp(t, hi, &e->values[0]) >= 0;
  case QB_EXPR_EQ:
    return (!lo || qb_ice__value_cmp(t, lo, &e->values[0]) <= 0) && (!hi || qb_ice__value_cmp(t, hi, &e->values[0]) >= 0);
  case QB_EXPR_IN:
    if (e->n_values > IN_LIMIT) return true;
    for (size_t i = 0; i < e->n_values; i++)
      if ((!lo || qb_ice__value_cmp(t, lo, &e->values[i]) <= 0) && (!hi || qb_ice__value_cmp(t, hi, &e->values[i]) >= 0))
        return true;
    return false;
  default: return true;
  }
}

/* ---- data files ----------------------------------------------------------------------------------------- */

typedef struct mctx {
  const qb_data_file *f;
  const qb_schema *schema;
} mctx;

static bool decode_bound(qb_value *out, const qb_bounds *b, int32_t id, const qb_type *t)
{
  qb_slice s;
  if (!qb_bounds_get(b, id, &s) || !s.p) return false;
  return qb_bound_decode(out, t, s, NULL) == QB_OK;
}

static bool metrics_pred(const qb_bexpr *e, const mctx *c)
{
  const qb_data_file *f = c->f;
  int32_t id = e->field_id;
  int64_t values = -1, nulls = -1, nans = -1;
  bool has_values = qb_counts_get(&f->value_counts, id, &values);
  bool has_nulls = qb_counts_get(&f->null_value_counts, id, &nulls);
  bool has_nans = qb_counts_get(&f->nan_value_counts, id, &nans);
  bool nulls_only = has_values && has_nulls && values == nulls;
  bool nans_only = has_values && has_nans && values == nans;
  switch (e->op) {
  case QB_EXPR_IS_NULL: return !(has_nulls && nulls == 0);
  case QB_EXPR_NOT_NULL: return !nulls_only;
  case QB_EXPR_IS_NAN: return !(has_nans && nans == 0) && !nulls_only;
  case QB_EXPR_NOT_NAN: return !nans_only;
  case QB_EXPR_NE:
  case QB_EXPR_NOT_IN: return true;
  default: break;
  }
  if (!nulls_only && !(has_nans && nans == 0) && nan_satisfies(e)) return true;
  if (nulls_only || nans_only) return false; /* no non-null, non-NaN value to compare */
  qb_value lo, hi;
  bool has_lo = decode_bound(&lo, &f->lower_bounds, id, e->type);
  bool has_hi = decode_bound(&hi, &f->upper_bounds, id, e->type);
  return range_might_match(e, has_lo ? &lo : NULL, has_hi ? &hi : NULL);
}

static bool metrics_eval(const qb_bexpr *e, const mctx *c)
{
  switch (e->op) {
  case QB_EXPR_TRUE: return true;
  case QB_EXPR_FALSE: return false;
  case QB_EXPR_AND: return metrics_eval(e->left, c) && metrics_eval(e->right, c);
  case QB_EXPR_OR: return metrics_eval(e->left, c) || metrics_eval(e->right, c);
  default: return metrics_pred(e, c);
  }
}

bool qb_bexpr__metrics_might_match(const qb_bexpr *e, const qb_data_file *f, const qb_schema *schema)
{
  if (f->record_count == 0) return false; /* Java: an empty file matches nothing */
  mctx c = {f, schema};
  return metrics_eval(e, &c);
}

/* ---- manifest partition summaries ---------------------------------------------------------------------- */

typedef struct sctx {
  const qb_manifest_file *m;
  const qb_partition_spec *spec;
} sctx;

static bool summary_pred(const qb_bexpr *e, const sctx *c)
{
  size_t pos = 0;
  while (pos < c->spec->n_fields && c->spec->fields[pos].field_id != e->field_id) pos++;
  if (pos == c->spec->n_fields || !c->m->partitions || pos >= c->m->n_partitions) return true;
  const qb_partition_field_summary *s = &c->m->partitions[pos];
  bool all_null = s->contains_null && !s->lower_bound.p && s->contains_nan != 1;
  switch (e->op) {
  case QB_EXPR_IS_NULL: return s->contains_null;
  case QB_EXPR_NOT_NULL: return !all_null;
  case QB_EXPR_IS_NAN: return s->contains_nan != 0; /* absent (v1): may contain NaN */
  case QB_EXPR_NOT_NAN: return true;
  case QB_EXPR_NE:
  case QB_EXPR_NOT_IN: return true;
  default: break;
  }
  if (s->contains_nan != 0 && nan_satisfies(e)) return true;
  if (!s->lower_bound.p) return s->contains_nan == 1 ? false : !s->contains_null ? true : false;
  qb_value lo, hi;
  bool has_lo = qb_bound_decode(&lo, e->type, s->lower_bound, NULL) == QB_OK;
  bool has_hi = s->upper_bound.p && qb_bound_decode(&hi, e->type, s->upper_bound, NULL) == QB_OK;
  return range_might_match(e, has_lo ? &lo : NULL, has_hi ? &hi : NULL);
}

static bool summary_eval(const qb_bexpr *e, const sctx *c)
{
  switch (e->op) {
  case QB_EXPR_TRUE: return true;
  case QB_EXPR_FALSE: return false;
  case QB_EXPR_AND: return summary_eval(e->left, c) && summary_eval(e->right, c);
  case QB_EXPR_OR: return summary_eval(e->left, c) || summary_eval(e->right, c);
  default: return summary_pred(e, c);
  }
}

bool qb_bexpr__summary_might_match(const qb_bexpr *e, const qb_manifest_file *m, const qb_partition_spec *spec)
{
  sctx c = {m, spec};
  return summary_eval(e, &c);
}
