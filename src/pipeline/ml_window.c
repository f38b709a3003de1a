/* SPDX-License-Identifier: Apache-2.0 */
/* The ML features of one experiment (pipeline-spec §7.2 ml_iteration_features, §7.3 ml_run_summary) with
 * the semantics of the seed's Spark 4.0 job: window W = partition by experiment_id order by iteration_step
 * (ascending, nulls first), ROWS frames, Spark's aggregate update formulas (§7.4), null propagation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/ml_features_int.h"

#define ROLLING_WINDOW 5   /* ML_ROLLING_WINDOW: rowsBetween(-4, 0) */
#define TRAJECTORY_HEAD 10 /* ML_TRAJECTORY_HEAD: first/last 10 iterations */

/* ---- Spark's double semantics ------------------------------------------------------------------------ */

/* Spark compares doubles with SQLOrderingUtil.compareDoubles: NaN is larger than every number and equal to
 * itself (so `c < lag(c)` with lag NaN is true, and max() of a group holding NaN is NaN). */
static bool spark_lt(double a, double b)
{
  if (isnan(a)) return false;
  if (isnan(b)) return true;
  return a < b;
}

/* Spark's Average: sum starts at 0.0 and adds each non-null value in row order; null when none. */
typedef struct avg_acc {
  double sum;
  int64_t n;
} avg_acc;

static void avg_add(avg_acc *a, double x)
{
  a->sum += x;
  a->n++;
}

/* Spark's CentralMomentAgg update (stddev_samp, var_pop): n += 1; δ = x − μ; δn = δ/n; μ += δn;
 * M2 += δ·(δ − δn). */
typedef struct moment_acc {
  double n, mean, m2;
} moment_acc;

static void moment_add(moment_acc *m, double x)
{
  m->n += 1.0;
  double delta = x - m->mean;
  double delta_n = delta / m->n;
  m->mean += delta_n;
  m->m2 += delta * (delta - delta_n);
}

/* Spark's Covariance update (covar_pop): δx = x − μx; μx += δx/n; δy = y − μy; μy += δy/n;
 * Ck += δx·(y − μy_new). */
typedef struct cov_acc {
  double n, xavg, yavg, ck;
} cov_acc;

static void cov_add(cov_acc *c, double x, double y)
{
  c->n += 1.0;
  double dx = x - c->xavg;
  c->xavg += dx / c->n;
  double dy = y - c->yavg;
  c->yavg += dy / c->n;
  c->ck += dx * (y - c->yavg);
}

static qb_value v_null(void) { return qb_value_null(); }

static qb_value v_opt(bool is_null, double x) { return is_null ? v_null() : qb_value_f64(x); }

/* avg: null when no value was added. */
static qb_value avg_value(const avg_acc *a) { return a->n ? qb_value_f64(a->sum / (double)a->n) : v_null(); }

/* stddev_samp: null for n < 2 (Spark >= 3.0 without spark.sql.legacy.statisticalAggregate). */
static qb_value stddev_samp_value(const moment_acc *m)
{
  return m->n < 2.0 ? v_null() : qb_value_f64(sqrt(m->m2 / (m->n - 1.0)));
}

/* Spark's double division: a null operand gives null. A zero divisor raises DIVIDE_BY_ZERO under ANSI;
 * qberg gives null instead (docs/COMPATIBILITY.md), which is also Spark's non-ANSI result. */
static qb_value div_value(bool a_null, double a, bool b_null, double b)
{
  if (a_null || b_null || b == 0.0) return v_null();
  return qb_value_f64(a / b);
}

/* A context value read as double / long (the tables store them as DOUBLE / INT64 / INT32). */
static bool ctx_double(const qb_value *v, double *out)
{
  switch (v->kind) {
  case QB_V_DOUBLE: *out = v->u.f64; return true;
  case QB_V_FLOAT: *out = v->u.f32; return true;
  case QB_V_INT64: *out = (double)v->u.i64; return true;
  case QB_V_INT32: *out = v->u.i32; return true;
  default: return false;
  }
}

/* ---- ordering ------------------------------------------------------------------------------------------ */

/* ORDER BY iteration_step ASC (Spark: nulls first); ties keep scan order (Spark leaves them unspecified). */
static int cmp_iter(const void *pa, const void *pb)
{
  const qb_ml_iter *a = pa, *b = pb;
  bool an = a->nulls & QB_ML_NULL_STEP, bn = b->nulls & QB_ML_NULL_STEP;
  if (an != bn) return an ? -1 : 1;
  if (!an && a->step != b->step) return a->step < b->step ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ---- the experiment ------------------------------------------------------------------------------------ */

/* The ml_iteration_features columns that change from row to row of an experiment (iteration_step, energy
 * .. mean_param_change), with their kinds; the other 20 hold the experiment's id, context,
 * convergence_iteration and date. */
static const uint8_t varying_cols[] = {1, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26};
static const qb_vkind varying_kind[] = {QB_V_INT64,  QB_V_DOUBLE, QB_V_DOUBLE, QB_V_DOUBLE, QB_V_DOUBLE,
                                        QB_V_DOUBLE, QB_V_DOUBLE, QB_V_DOUBLE, QB_V_DOUBLE, QB_V_BOOL,
                                        QB_V_INT32,  QB_V_DOUBLE, QB_V_DOUBLE, QB_V_DOUBLE};
#define N_VARYING (sizeof varying_cols / sizeof *varying_cols)

/* Where the varying cells of a chunk's rows go: the valid and values bytes of its first row per column. */
typedef struct chunk_out {
  uint8_t *valid[N_VARYING], *values[N_VARYING];
} chunk_out;

/* Rows of the experiment start in sink->cols, `count` of them: room made, the constant columns filled and
 * the varying ones' bytes claimed (written row by row through `out`; qb_value kinds are fixed by the code
 * below, the columns' checked here once). */
static int sink_start(const qb_ml_iter_sink *sink, const qb_value *it, size_t count, chunk_out *out, qb_err *err)
{
  qb_ml_cols *c = sink->cols;
  int rc = qb_ml__cols_reserve(c, count, err);
  for (size_t k = 0, v = 0; rc == QB_OK && k < QB_ML_ITER_COLUMNS; k++) {
    qb_ml_col *col = &c->cols[k];
    if (v < N_VARYING && varying_cols[v] == k) {
      if (col->kind != varying_kind[v])
        return QB_FAIL(err, QB_EINTERNAL, "ML column %zu: kind %d where kind %d belongs", k, (int)varying_kind[v],
                       (int)col->kind);
      out->valid[v] = col->valid.p + col->valid.n;
      out->values[v] = col->values.p + col->values.n;
      col->valid.n += count;
      col->values.n += count * col->width;
      v++;
      continue;
    }
    rc = qb_ml__cols_fill(c, k, &it[k], count, err);
  }
  return rc;
}

/* Row r of the chunk: its varying cells (NULL or of varying_kind) as Parquet PLAIN bytes and validity. */
static inline void sink_row(const chunk_out *out, size_t r, const qb_value *it)
{
  for (size_t v = 0; v < N_VARYING; v++) {
    const qb_value *x = &it[varying_cols[v]];
    bool ok = x->kind != QB_V_NULL;
    out->valid[v][r] = ok;
    if (varying_kind[v] == QB_V_BOOL) {
      out->values[v][r] = ok && x->u.b ? 1 : 0;
    } else if (varying_kind[v] == QB_V_INT32) {
      int32_t y = ok ? x->u.i32 : 0;
      memcpy(out->values[v] + r * 4, &y, 4);
    } else {
      uint64_t y = 0;
      if (ok && varying_kind[v] == QB_V_INT64) memcpy(&y, &x->u.i64, 8);
      else if (ok) memcpy(&y, &x->u.f64, 8);
      memcpy(out->values[v] + r * 8, &y, 8);
    }
  }
}

static int experiment(qb_ml_iter *rows, size_t n, const char *experiment_id, const qb_value *ctx, int32_t date,
                      qb_ml_row_fn iter_fn, const qb_ml_iter_sink *sink, qb_ml_row_fn summary_fn, void *fn_ctx,
                      qb_err *err)
{
  if (!n) return QB_FAIL(err, QB_EINTERNAL, "experiment %s: no iterations", experiment_id);
  /* the scan order is almost always iteration order already: a check instead of a sort (the order is total,
   * seq breaking ties, so either way the rows end the same) */
  size_t i_unsorted = 1;
  while (i_unsorted < n && cmp_iter(&rows[i_unsorted - 1], &rows[i_unsorted]) < 0) i_unsorted++;
  if (i_unsorted < n) qsort(rows, n, sizeof *rows, cmp_iter);
  qb_value eid;
  eid.kind = QB_V_STRING;
  eid.u.bytes.p = (const uint8_t *)experiment_id;
  eid.u.bytes.n = strlen(experiment_id);

  /* is_new_minimum = lag(c) IS NULL OR c < lag(c): a null c after a non-null one is false (the CASE
   * falls through to ELSE). convergence_iteration = max(step) over those rows (W_all). */
  bool have_conv = false;
  int64_t conv = 0;
  for (size_t i = 0; i < n; i++) {
    qb_ml_iter *r = &rows[i];
    if (i == 0 || (rows[i - 1].nulls & QB_ML_NULL_CMIN))
      r->new_min = 1;
    else
      r->new_min = !(r->nulls & QB_ML_NULL_CMIN) && spark_lt(r->cmin, rows[i - 1].cmin);
    if (r->new_min && !(r->nulls & QB_ML_NULL_STEP) && (!have_conv || r->step > conv)) {
      conv = r->step;
      have_conv = true;
    }
  }

  double total_iter = 0, vqe_time = 0;
  bool total_null = !ctx_double(&ctx[QB_ML_CTX_TOTAL_ITERATIONS], &total_iter);
  bool vqe_time_null = !ctx_double(&ctx[QB_ML_CTX_VQE_TIME], &vqe_time);
  /* first(e) over W with the default frame: the energy of the first row in order, null or not */
  bool first_null = rows[0].nulls & QB_ML_NULL_ENERGY;
  double first_e = rows[0].energy;

  /* summary accumulators, in row order */
  avg_acc delta_avg = {0, 0}, pdn_avg = {0, 0}, head_avg = {0, 0}, tail_avg = {0, 0};
  moment_acc delta_m = {0, 0, 0}, pdn_m = {0, 0, 0}, head_var = {0, 0, 0};
  cov_acc head_cov = {0, 0, 0, 0};
  bool have_min = false, have_max = false;
  double min_e = 0, max_e = 0;
  int64_t num_new_minima = 0;
  int32_t longest_plateau = 0;

  double pdn_sum = 0; /* Spark's Sum: null until the first non-null value, then 0.0 + x + … */
  bool pdn_any = false;
  int32_t since = 0;
  size_t tail_from = n > TRAJECTORY_HEAD ? n - TRAJECTORY_HEAD : 0;
  /* the iteration row: the constant columns set once, the varying ones per row */
  qb_value it[QB_ML_ITER_COLUMNS];
  it[0] = eid;
  for (size_t k = 0; k < 12; k++) it[2 + k] = ctx[QB_ML_CTX_MOLECULE_NAME + k]; /* molecule_name .. default_shots */
  it[27] = ctx[QB_ML_CTX_TOTAL_ITERATIONS];
  it[28] = ctx[QB_ML_CTX_FINAL_ENERGY];
  it[29] = ctx[QB_ML_CTX_CONVERGED];
  it[30] = have_conv ? qb_value_i64(conv) : v_null();
  it[31] = ctx[QB_ML_CTX_VQE_TIME];
  it[32] = ctx[QB_ML_CTX_TOTAL_TIME];
  it[33] = qb_value_i32(date);
  size_t chunk_rows = 0, chunk_left = 0; /* sink: rows of the started chunk, of them not yet put */
  chunk_out out;

  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    const qb_ml_iter *r = &rows[i];
    bool s_null = r->nulls & QB_ML_NULL_STEP, e_null = r->nulls & QB_ML_NULL_ENERGY,
         c_null = r->nulls & QB_ML_NULL_CMIN, pdn_null = r->nulls & QB_ML_NULL_PDN;
    double s = (double)r->step;

    /* rolling frame: ROWS BETWEEN 4 PRECEDING AND CURRENT ROW, re-aggregated per row in row order */
    avg_acc roll_avg = {0, 0};
    moment_acc roll_m = {0, 0, 0};
    for (size_t j = i + 1 > ROLLING_WINDOW ? i + 1 - ROLLING_WINDOW : 0; j <= i; j++)
      if (!(rows[j].nulls & QB_ML_NULL_ENERGY)) {
        avg_add(&roll_avg, rows[j].energy);
        moment_add(&roll_m, rows[j].energy);
      }
    /* steps_since_improvement: row_number() − 1 within the run of rows sharing the running count of new
     * minima (the first row is always a new minimum, so every run starts at one). */
    since = r->new_min ? 0 : since + 1;
    if (!pdn_null) {
      pdn_sum += r->pdn;
      pdn_any = true;
    }

    if (iter_fn || sink) {
      size_t k = 1;
      it[k++] = s_null ? v_null() : qb_value_i64(r->step);
      k = 14;
      it[k++] = v_opt(e_null, r->energy);
      it[k++] = v_opt(r->nulls & QB_ML_NULL_STD, r->energy_std);
      it[k++] = v_opt(r->nulls & QB_ML_NULL_DELTA, r->energy_delta);
      it[k++] = v_opt(pdn_null, r->pdn);
      it[k++] = v_opt(c_null, r->cmin);
      it[k++] = div_value(s_null, s, total_null, total_iter); /* relative_iteration */
      /* energy_improvement_rate = (first(e) − c) / double(s) */
      it[k++] = div_value(first_null || c_null, first_e - r->cmin, s_null, s);
      /* normalized_energy: CASE WHEN c != 0 THEN (e − c)/abs(c) ELSE 0.0 END; a null c takes ELSE */
      if (!c_null && r->cmin != 0.0)
        it[k++] = e_null ? v_null() : qb_value_f64((r->energy - r->cmin) / fabs(r->cmin));
      else
        it[k++] = qb_value_f64(0.0);
      it[k++] = qb_value_bool(r->new_min);
      it[k++] = qb_value_i32(since);
      it[k++] = avg_value(&roll_avg);
      it[k++] = stddev_samp_value(&roll_m);
      it[k++] = div_value(!pdn_any, pdn_sum, s_null, s); /* mean_param_change */
    }
    if (iter_fn) {
      qb_value row;
      row.kind = QB_V_STRUCT;
      row.u.seq.items = it;
      row.u.seq.n = QB_ML_ITER_COLUMNS;
      rc = iter_fn(fn_ctx, &row, err);
    } else if (sink) {
      /* a chunk ends where a row-by-row append would flush: the same batches */
      if (!chunk_left) {
        size_t have = sink->cols->n_rows, cap = have < sink->batch_rows ? sink->batch_rows - have : 1;
        chunk_rows = chunk_left = n - i < cap ? n - i : cap;
        rc = sink_start(sink, it, chunk_rows, &out, err);
      }
      if (rc == QB_OK) sink_row(&out, chunk_rows - chunk_left, it);
      if (rc == QB_OK && --chunk_left == 0) {
        qb_ml__cols_add_rows(sink->cols, chunk_rows);
        if (sink->cols->n_rows >= sink->batch_rows) rc = sink->flush(fn_ctx, err);
      }
    }

    /* group aggregates (§7.3) */
    if (!(r->nulls & QB_ML_NULL_DELTA)) {
      avg_add(&delta_avg, r->energy_delta);
      moment_add(&delta_m, r->energy_delta);
    }
    if (!pdn_null) {
      avg_add(&pdn_avg, r->pdn);
      moment_add(&pdn_m, r->pdn);
    }
    if (!e_null) {
      if (!have_min || spark_lt(r->energy, min_e)) min_e = r->energy;
      if (!have_max || spark_lt(max_e, r->energy)) max_e = r->energy;
      have_min = have_max = true;
    }
    num_new_minima += r->new_min;
    if (since > longest_plateau) longest_plateau = since;
    /* first 10 by row_number() over (order by step asc), last 10 by row_number() over (order by step desc) */
    if (i < TRAJECTORY_HEAD) {
      if (!e_null) avg_add(&head_avg, r->energy);
      if (!e_null && !s_null) { /* regr_slope: only rows where both y and x are non-null */
        cov_add(&head_cov, s, r->energy);
        moment_add(&head_var, s);
      }
    }
    if (i >= tail_from && !e_null) avg_add(&tail_avg, r->energy);
  }
  if (rc || !summary_fn) return rc;

  qb_value sm[QB_ML_SUMMARY_COLUMNS];
  size_t k = 0;
  sm[k++] = eid;
  sm[k++] = ctx[QB_ML_CTX_MOLECULE_NAME];
  sm[k++] = ctx[QB_ML_CTX_NUM_ATOMS];
  sm[k++] = ctx[QB_ML_CTX_NUM_QUBITS];
  sm[k++] = ctx[QB_ML_CTX_CHARGE];
  sm[k++] = ctx[QB_ML_CTX_MULTIPLICITY];
  sm[k++] = ctx[QB_ML_CTX_BASIS_SET];
  sm[k++] = ctx[QB_ML_CTX_OPTIMIZER];
  sm[k++] = ctx[QB_ML_CTX_ANSATZ_TYPE];
  sm[k++] = ctx[QB_ML_CTX_ANSATZ_REPS];
  sm[k++] = ctx[QB_ML_CTX_INIT_STRATEGY];
  sm[k++] = ctx[QB_ML_CTX_SEED];
  sm[k++] = ctx[QB_ML_CTX_DEFAULT_SHOTS];
  sm[k++] = ctx[QB_ML_CTX_TOTAL_ITERATIONS];
  sm[k++] = ctx[QB_ML_CTX_FINAL_ENERGY];
  sm[k++] = ctx[QB_ML_CTX_CONVERGED];
  sm[k++] = have_conv ? qb_value_i64(conv) : v_null();
  sm[k++] = ctx[QB_ML_CTX_VQE_TIME];
  sm[k++] = ctx[QB_ML_CTX_TOTAL_TIME];
  sm[k++] = avg_value(&delta_avg);
  sm[k++] = stddev_samp_value(&delta_m);
  sm[k++] = have_min ? qb_value_f64(min_e) : v_null();
  sm[k++] = have_max ? qb_value_f64(max_e) : v_null();
  sm[k++] = have_min ? qb_value_f64(max_e - min_e) : v_null();
  sm[k++] = avg_value(&pdn_avg);
  sm[k++] = stddev_samp_value(&pdn_m);
  sm[k++] = pdn_any ? qb_value_f64(pdn_sum) : v_null(); /* total_param_distance: same row order as the running sum */
  sm[k++] = qb_value_i64(num_new_minima);
  sm[k++] = qb_value_i32(longest_plateau);
  sm[k++] = div_value(false, (double)num_new_minima, total_null, total_iter); /* improvement_ratio */
  sm[k++] = qb_value_i32(date);
  sm[k++] = avg_value(&head_avg);
  /* regr_slope = covar_pop / var_pop, null when var_pop is 0 (one row) or there are no rows */
  if (head_var.n == 0.0 || head_var.m2 / head_var.n == 0.0)
    sm[k++] = v_null();
  else
    sm[k++] = qb_value_f64((head_cov.ck / head_cov.n) / (head_var.m2 / head_var.n));
  sm[k++] = avg_value(&tail_avg);
  sm[k++] = div_value(vqe_time_null, vqe_time, total_null, total_iter); /* time_per_iteration */
  qb_value row;
  row.kind = QB_V_STRUCT;
  row.u.seq.items = sm;
  row.u.seq.n = k;
  return summary_fn(fn_ctx, &row, err);
}

int qb_ml__experiment(qb_ml_iter *rows, size_t n, const char *experiment_id, const qb_value *ctx, int32_t date,
                      qb_ml_row_fn iter_fn, qb_ml_row_fn summary_fn, void *fn_ctx, qb_err *err)
{
  return experiment(rows, n, experiment_id, ctx, date, iter_fn, NULL, summary_fn, fn_ctx, err);
}

int qb_ml__experiment_cols(qb_ml_iter *rows, size_t n, const char *experiment_id, const qb_value *ctx, int32_t date,
                           const qb_ml_iter_sink *sink, qb_ml_row_fn summary_fn, void *fn_ctx, qb_err *err)
{
  return experiment(rows, n, experiment_id, ctx, date, NULL, sink, summary_fn, fn_ctx, err);
}
