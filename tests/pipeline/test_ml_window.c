/* SPDX-License-Identifier: Apache-2.0 */
/* The per-experiment ML computation (pipeline-spec §7.2, §7.3) on hand-made experiments whose expected
 * values are worked out here from the spec's rules: ordering (nulls first, ties), null cumulative minima,
 * rolling frames, sample deviation for n < 2, regr_slope, division by zero, Spark's NaN order. The sample
 * and generated data are checked against DuckDB in tests/pipeline/ml_features.sh. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "pipeline/ml_features_int.h"

/* column indexes (spec order) */
enum { I_STEP = 1, I_ENERGY = 14, I_REL = 19, I_RATE, I_NORM, I_NEWMIN, I_SINCE, I_AVG5, I_STD5, I_MPC,
       I_CONV = 30, I_DATE = 33 };
enum { S_MEAN_DELTA = 19, S_STD_DELTA, S_MIN, S_MAX, S_RANGE, S_MEAN_PDN, S_STD_PDN, S_SUM_PDN, S_NEWMIN,
       S_PLATEAU, S_RATIO, S_DATE, S_HEAD_MEAN, S_SLOPE, S_TAIL_MEAN, S_TPI };

typedef struct sink {
  qb_value iter[32][QB_ML_ITER_COLUMNS];
  size_t n_iter;
  qb_value sum[QB_ML_SUMMARY_COLUMNS];
  size_t n_sum;
} sink;

static int on_iter(void *ctx, const qb_value *row, qb_err *err)
{
  sink *s = ctx;
  if (s->n_iter >= 32 || row->u.seq.n != QB_ML_ITER_COLUMNS) return QB_FAIL(err, QB_EINTERNAL, "bad row");
  memcpy(s->iter[s->n_iter++], row->u.seq.items, sizeof s->iter[0]);
  return QB_OK;
}

static int on_sum(void *ctx, const qb_value *row, qb_err *err)
{
  sink *s = ctx;
  if (row->u.seq.n != QB_ML_SUMMARY_COLUMNS) return QB_FAIL(err, QB_EINTERNAL, "bad row");
  memcpy(s->sum, row->u.seq.items, sizeof s->sum);
  s->n_sum++;
  return QB_OK;
}

static qb_value ctx_vals[QB_ML_CTX_N];

static void make_ctx(int32_t total_iterations, double vqe_time)
{
  for (int i = 0; i < QB_ML_CTX_N; i++) ctx_vals[i] = qb_value_null();
  ctx_vals[QB_ML_CTX_TOTAL_ITERATIONS].kind = QB_V_INT32;
  ctx_vals[QB_ML_CTX_TOTAL_ITERATIONS].u.i32 = total_iterations;
  ctx_vals[QB_ML_CTX_VQE_TIME].kind = QB_V_DOUBLE;
  ctx_vals[QB_ML_CTX_VQE_TIME].u.f64 = vqe_time;
}

static qb_ml_iter it(int64_t step, double e, double c, double pdn, uint8_t nulls)
{
  static uint64_t seq;
  qb_ml_iter r;
  memset(&r, 0, sizeof r);
  r.step = step;
  r.energy = e;
  r.cmin = c;
  r.pdn = pdn;
  r.energy_delta = pdn;
  r.nulls = nulls;
  r.seq = seq++;
  return r;
}

static bool is_null(const qb_value *v) { return v->kind == QB_V_NULL; }
static bool dbl(const qb_value *v, double want)
{
  return v->kind == QB_V_DOUBLE && fabs(v->u.f64 - want) <= 1e-14 * fmax(1.0, fabs(want));
}
static bool i64(const qb_value *v, int64_t want) { return v->kind == QB_V_INT64 && v->u.i64 == want; }
static bool i32(const qb_value *v, int32_t want) { return v->kind == QB_V_INT32 && v->u.i32 == want; }
static bool bl(const qb_value *v, bool want) { return v->kind == QB_V_BOOL && v->u.b == want; }

static sink s;

QB_TEST(plateaus_and_rolling_frames)
{
  /* e = c = 10, 9, 9.5(c 9), 8, 8.5(c 8), 8.25(c 8): new minima at steps 1, 2, 4 */
  qb_ml_iter rows[6] = {it(1, 10, 10, 0, QB_ML_NULL_PDN), it(2, 9, 9, 1, 0),   it(3, 9.5, 9, 2, 0),
                        it(4, 8, 8, 3, 0),                 it(5, 8.5, 8, 4, 0), it(6, 8.25, 8, 5, 0)};
  qb_err err = QB_ERR_INIT;
  memset(&s, 0, sizeof s);
  make_ctx(6, 3.0);
  CHECK_OK(qb_ml__experiment(rows, 6, "x", ctx_vals, 20000, on_iter, on_sum, &s, &err), &err);
  CHECK_EQ_INT(s.n_iter, 6);
  const bool newmin[6] = {true, true, false, true, false, false};
  const int since[6] = {0, 0, 1, 0, 1, 2};
  for (int i = 0; i < 6; i++) {
    EXPECT(bl(&s.iter[i][I_NEWMIN], newmin[i]));
    EXPECT(i32(&s.iter[i][I_SINCE], since[i]));
    EXPECT(i64(&s.iter[i][I_CONV], 4));
    EXPECT(dbl(&s.iter[i][I_REL], (i + 1) / 6.0));
    EXPECT(i32(&s.iter[i][I_DATE], 20000));
  }
  CHECK(is_null(&s.iter[0][I_STD5])); /* stddev_samp of one value: null, not NaN */
  CHECK(dbl(&s.iter[1][I_STD5], sqrt(0.5)));
  CHECK(dbl(&s.iter[0][I_AVG5], 10));
  /* row 6: frame = steps 2..6 = 9, 9.5, 8, 8.5, 8.25 */
  double m = (9 + 9.5 + 8 + 8.5 + 8.25) / 5;
  double ss = (9 - m) * (9 - m) + (9.5 - m) * (9.5 - m) + (8 - m) * (8 - m) + (8.5 - m) * (8.5 - m) +
              (8.25 - m) * (8.25 - m);
  CHECK(dbl(&s.iter[5][I_AVG5], m));
  CHECK(dbl(&s.iter[5][I_STD5], sqrt(ss / 4)));
  /* mean_param_change: null at step 1 (only null so far), then (1+2+3)/4 at step 4 */
  CHECK(is_null(&s.iter[0][I_MPC]));
  CHECK(dbl(&s.iter[3][I_MPC], 6.0 / 4));
  /* energy_improvement_rate = (10 − c)/s; normalized_energy = (e − c)/|c| */
  CHECK(dbl(&s.iter[2][I_RATE], (10 - 9) / 3.0));
  CHECK(dbl(&s.iter[2][I_NORM], 0.5 / 9));
  CHECK_EQ_INT(s.n_sum, 1);
  CHECK(i64(&s.sum[S_NEWMIN], 3));
  CHECK(i32(&s.sum[S_PLATEAU], 2));
  CHECK(dbl(&s.sum[S_RATIO], 0.5));
  CHECK(dbl(&s.sum[S_MIN], 8) && dbl(&s.sum[S_MAX], 10) && dbl(&s.sum[S_RANGE], 2));
  CHECK(dbl(&s.sum[S_SUM_PDN], 15) && dbl(&s.sum[S_MEAN_PDN], 3));
  CHECK(dbl(&s.sum[S_STD_PDN], sqrt(2.5)));
  CHECK(dbl(&s.sum[S_TPI], 0.5));
  CHECK(dbl(&s.sum[S_HEAD_MEAN], (10 + 9 + 9.5 + 8 + 8.5 + 8.25) / 6));
  CHECK(dbl(&s.sum[S_TAIL_MEAN], (10 + 9 + 9.5 + 8 + 8.5 + 8.25) / 6));
}

QB_TEST(null_cumulative_minimum)
{
  /* old writer schema: every c null -> all new minima, rate null, normalized 0.0 */
  qb_ml_iter rows[3] = {it(1, -1, 0, 0, QB_ML_NULL_CMIN | QB_ML_NULL_PDN | QB_ML_NULL_DELTA),
                        it(2, -2, 0, 0, QB_ML_NULL_CMIN | QB_ML_NULL_PDN | QB_ML_NULL_DELTA),
                        it(3, -3, 0, 0, QB_ML_NULL_CMIN | QB_ML_NULL_PDN | QB_ML_NULL_DELTA)};
  qb_err err = QB_ERR_INIT;
  memset(&s, 0, sizeof s);
  make_ctx(3, 1.0);
  CHECK_OK(qb_ml__experiment(rows, 3, "x", ctx_vals, 0, on_iter, on_sum, &s, &err), &err);
  for (int i = 0; i < 3; i++) {
    EXPECT(bl(&s.iter[i][I_NEWMIN], true));
    EXPECT(i32(&s.iter[i][I_SINCE], 0));
    EXPECT(is_null(&s.iter[i][I_RATE]));
    EXPECT(dbl(&s.iter[i][I_NORM], 0.0));
    EXPECT(is_null(&s.iter[i][I_MPC]));
    EXPECT(i64(&s.iter[i][I_CONV], 3));
  }
  CHECK(is_null(&s.sum[S_MEAN_DELTA]) && is_null(&s.sum[S_STD_DELTA]) && is_null(&s.sum[S_SUM_PDN]));
  CHECK(dbl(&s.sum[S_SLOPE], -1.0)); /* e = −s exactly */

  /* a null c after a non-null one is not a new minimum; the row after it is */
  qb_ml_iter r2[4] = {it(1, 5, 5, 0, 0), it(2, 6, 0, 0, QB_ML_NULL_CMIN), it(3, 7, 7, 0, 0), it(4, 4, 4, 0, 0)};
  memset(&s, 0, sizeof s);
  CHECK_OK(qb_ml__experiment(r2, 4, "x", ctx_vals, 0, on_iter, NULL, &s, &err), &err);
  CHECK(bl(&s.iter[0][I_NEWMIN], true) && bl(&s.iter[1][I_NEWMIN], false) && bl(&s.iter[2][I_NEWMIN], true) &&
        bl(&s.iter[3][I_NEWMIN], true));
  CHECK(i32(&s.iter[1][I_SINCE], 1) && i32(&s.iter[2][I_SINCE], 0));
}

QB_TEST(ordering_nulls_first_and_ties)
{
  /* steps 2, null, 1, 2 -> null, 1, 2 (first seen), 2 */
  qb_ml_iter rows[4] = {it(2, 20, 20, 0, 0), it(0, 99, 99, 0, QB_ML_NULL_STEP), it(1, 10, 10, 0, 0),
                        it(2, 21, 10, 0, 0)};
  qb_err err = QB_ERR_INIT;
  memset(&s, 0, sizeof s);
  make_ctx(4, 1.0);
  CHECK_OK(qb_ml__experiment(rows, 4, "x", ctx_vals, 0, on_iter, on_sum, &s, &err), &err);
  CHECK(is_null(&s.iter[0][I_STEP]) && dbl(&s.iter[0][I_ENERGY], 99));
  CHECK(i64(&s.iter[1][I_STEP], 1) && dbl(&s.iter[2][I_ENERGY], 20) && dbl(&s.iter[3][I_ENERGY], 21));
  /* first(e) is the null-step row's energy; a null step makes every division null */
  CHECK(is_null(&s.iter[0][I_REL]) && is_null(&s.iter[0][I_RATE]));
  CHECK(dbl(&s.iter[1][I_RATE], 99 - 10));
  CHECK(i64(&s.iter[0][I_CONV], 2)); /* max step of the new minima (null step ignored) */
  /* regr_slope skips the null-step row: x = 1, 2, 2 ; y = 10, 20, 21 */
  double mx = 5.0 / 3, my = 17;
  double cov = ((1 - mx) * (10 - my) + (2 - mx) * (20 - my) + (2 - mx) * (21 - my)) / 3;
  double var = ((1 - mx) * (1 - mx) + 2 * (2 - mx) * (2 - mx)) / 3;
  CHECK(dbl(&s.sum[S_SLOPE], cov / var));
}

QB_TEST(division_by_zero_and_single_row)
{
  qb_ml_iter rows[1] = {it(0, -1, -1, 0.5, 0)};
  qb_err err = QB_ERR_INIT;
  memset(&s, 0, sizeof s);
  make_ctx(0, 2.0);
  CHECK_OK(qb_ml__experiment(rows, 1, "x", ctx_vals, 0, on_iter, on_sum, &s, &err), &err);
  CHECK(is_null(&s.iter[0][I_REL]) && is_null(&s.iter[0][I_RATE]) && is_null(&s.iter[0][I_MPC]));
  CHECK(is_null(&s.sum[S_RATIO]) && is_null(&s.sum[S_TPI]));
  CHECK(is_null(&s.sum[S_SLOPE])); /* var_pop of one x is 0 */
  CHECK(is_null(&s.sum[S_STD_DELTA]));
  CHECK(dbl(&s.sum[S_MEAN_DELTA], 0.5));

  ctx_vals[QB_ML_CTX_TOTAL_ITERATIONS] = qb_value_null(); /* no vqe_results row */
  memset(&s, 0, sizeof s);
  CHECK_OK(qb_ml__experiment(rows, 1, "x", ctx_vals, 0, on_iter, on_sum, &s, &err), &err);
  CHECK(is_null(&s.iter[0][I_REL]) && is_null(&s.sum[S_RATIO]) && is_null(&s.sum[S_TPI]));
  CHECK_FAIL(qb_ml__experiment(rows, 0, "x", ctx_vals, 0, on_iter, on_sum, &s, &err), QB_EINTERNAL, &err,
             "no iterations");
}

QB_TEST(nan_orders_above_numbers)
{
  /* Spark: 1.0 < NaN is true, so a finite c after a NaN one is a new minimum; max() is NaN */
  qb_ml_iter rows[2] = {it(1, NAN, NAN, 0, 0), it(2, 1, 1, 0, 0)};
  qb_err err = QB_ERR_INIT;
  memset(&s, 0, sizeof s);
  make_ctx(2, 1.0);
  CHECK_OK(qb_ml__experiment(rows, 2, "x", ctx_vals, 0, on_iter, on_sum, &s, &err), &err);
  CHECK(bl(&s.iter[1][I_NEWMIN], true));
  CHECK(s.sum[S_MAX].kind == QB_V_DOUBLE && isnan(s.sum[S_MAX].u.f64));
  CHECK(dbl(&s.sum[S_MIN], 1));
}

/* The ML tables' column buffers (ml_cols.c): room is made 256 rows at a time, so rows across several such
 * steps, a clear and appends after it must come out as appended: values, offsets, validity. */
QB_TEST(ml_cols_keep_every_row_across_room_steps_and_clears)
{
  static const char *const types[5] = {"string", "long", "int", "double", "boolean"};
  qb_ml_cols c;
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_ml__cols_init(&c, types, 5, &err), &err);
  for (int round = 0; round < 2; round++) {
    size_t n = round ? 300 : 700; /* 700: three room steps; 300 after the clear */
    char text[32];
    for (size_t i = 0; i < n; i++) {
      qb_value cells[5];
      bool null = i % 7 == 3;
      int len = snprintf(text, sizeof text, "e%zu", i * (size_t)(round + 1));
      cells[0] = null ? qb_value_null() : (qb_value){.kind = QB_V_STRING, .u.bytes = {(uint8_t *)text, (size_t)len}};
      cells[1] = null ? qb_value_null() : qb_value_i64((int64_t)i * 1000003);
      cells[2] = qb_value_i32((int32_t)i - 5);
      cells[3] = qb_value_f64((double)i / 4);
      cells[4] = qb_value_bool(i % 2 == 0);
      qb_value row = {.kind = QB_V_STRUCT, .u.seq = {cells, 5}};
      CHECK_OK(qb_ml__cols_append(&c, &row, &err), &err);
    }
    CHECK(c.n_rows == n);
    const qb_pq_column_batch *b = qb_ml__cols_batch(&c);
    for (size_t i = 0; i < n; i++) {
      bool null = i % 7 == 3;
      int len = snprintf(text, sizeof text, "e%zu", i * (size_t)(round + 1));
      CHECK(b[0].valid[i] == !null && b[1].valid[i] == !null && b[2].valid[i] && b[3].valid[i] && b[4].valid[i]);
      int64_t from = b[0].offsets[i], to = b[0].offsets[i + 1];
      CHECK(to - from == (null ? 0 : len));
      CHECK(null || !memcmp((const uint8_t *)b[0].values + from, text, (size_t)len));
      int64_t l;
      int32_t k;
      double d;
      memcpy(&l, (const uint8_t *)b[1].values + 8 * i, 8);
      memcpy(&k, (const uint8_t *)b[2].values + 4 * i, 4);
      memcpy(&d, (const uint8_t *)b[3].values + 8 * i, 8);
      CHECK(l == (null ? 0 : (int64_t)i * 1000003));
      CHECK(k == (int32_t)i - 5 && d == (double)i / 4);
      CHECK(((const uint8_t *)b[4].values)[i] == (i % 2 == 0));
    }
    CHECK(b[0].offsets[0] == 0);
    qb_ml__cols_clear(&c);
    CHECK(c.n_rows == 0);
  }
  /* a cell of the wrong kind fails the row; the caller abandons the buffers */
  qb_value bad[5] = {qb_value_null(), qb_value_f64(1), qb_value_null(), qb_value_null(), qb_value_null()};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {bad, 5}};
  CHECK_FAIL(qb_ml__cols_append(&c, &row, &err), QB_EINTERNAL, &err, "kind");
  qb_ml__cols_free(&c);
}

/* qb_ml__experiment_cols (the ingest's and qberg features' path) must stage exactly what iter_fn rows
 * appended with qb_ml__cols_append and flushed at the same bound would: every batch's valid, values and
 * offsets bytes, for experiments that start, span and end batches, with null and non-null context. */
static const char *const iter_types[QB_ML_ITER_COLUMNS] = {
    "string", "long",   "string", "int",    "long",   "long",   "long",    "string", "string",
    "string", "long",   "string", "long",   "long",   "double", "double",  "double", "double",
    "double", "double", "double", "double", "boolean", "int",   "double",  "double", "double",
    "int",    "double", "boolean", "long",  "double", "double", "date"};

typedef struct staged {
  qb_ml_cols cols;
  qb_buf log; /* every flushed batch: per column its valid, values and offsets bytes */
  size_t batch_rows, flushes;
} staged;

static int log_batch(void *ctx, qb_err *err)
{
  staged *st = ctx;
  int rc = QB_OK;
  for (size_t k = 0; rc == QB_OK && k < st->cols.n_cols; k++) {
    qb_ml_col *col = &st->cols.cols[k];
    size_t lens[3] = {col->valid.n, col->values.n, col->offsets.n};
    rc = qb_buf_append(&st->log, lens, sizeof lens, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->log, col->valid.p, col->valid.n, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->log, col->values.p, col->values.n, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->log, col->offsets.p, col->offsets.n, err);
  }
  st->flushes++;
  qb_ml__cols_clear(&st->cols);
  return rc;
}

static int append_logged(void *ctx, const qb_value *row, qb_err *err)
{
  staged *st = ctx;
  int rc = qb_ml__cols_append(&st->cols, row, err);
  if (rc == QB_OK && st->cols.n_rows >= st->batch_rows) rc = log_batch(st, err);
  return rc;
}

static qb_value str_v(const char *p) { return (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)p, strlen(p)}}; }

QB_TEST(experiment_cols_stage_the_batches_rows_append)
{
  qb_err err = QB_ERR_INIT;
  /* 300 rows: more than the 256 rows of room made at once */
  static const size_t sizes[] = {3, 1, 9, 5, 4, 2, 11, 300, 7};
  static const size_t bounds[] = {1, 2, 3, 5, 6, 250, 4096};
  static qb_ml_iter a[300], b[300];
  for (size_t bi = 0; bi < sizeof bounds / sizeof *bounds; bi++) {
    size_t bound = bounds[bi];
    staged ref, got;
    memset(&ref, 0, sizeof ref);
    memset(&got, 0, sizeof got);
    CHECK_OK(qb_ml__cols_init(&ref.cols, iter_types, QB_ML_ITER_COLUMNS, &err), &err);
    CHECK_OK(qb_ml__cols_init(&got.cols, iter_types, QB_ML_ITER_COLUMNS, &err), &err);
    qb_buf_init(&ref.log, QB_BUF_NOLIMIT);
    qb_buf_init(&got.log, QB_BUF_NOLIMIT);
    ref.batch_rows = got.batch_rows = bound;
    qb_ml_iter_sink to = {&got.cols, bound, log_batch};
    for (size_t x = 0; x < sizeof sizes / sizeof *sizes; x++) {
      qb_value ctx[QB_ML_CTX_N];
      for (int i = 0; i < QB_ML_CTX_N; i++) ctx[i] = qb_value_null();
      if (x % 2 == 0) { /* odd experiments keep a null context */
        ctx[QB_ML_CTX_MOLECULE_NAME] = str_v(x ? "LiH" : "");
        ctx[QB_ML_CTX_NUM_ATOMS] = qb_value_i32(2);
        ctx[QB_ML_CTX_NUM_QUBITS] = qb_value_i64(4 + (int64_t)x);
        ctx[QB_ML_CTX_BASIS_SET] = str_v("sto-3g");
        ctx[QB_ML_CTX_OPTIMIZER] = str_v("COBYLA");
        ctx[QB_ML_CTX_SEED] = qb_value_i64(-7);
        ctx[QB_ML_CTX_TOTAL_ITERATIONS] = qb_value_i32((int32_t)sizes[x]);
        ctx[QB_ML_CTX_FINAL_ENERGY] = qb_value_f64(-1.5);
        ctx[QB_ML_CTX_CONVERGED] = qb_value_bool(x == 2);
        ctx[QB_ML_CTX_VQE_TIME] = qb_value_f64(0.25);
      }
      for (size_t i = 0; i < sizes[x]; i++)
        a[i] = it((int64_t)((i * 7) % sizes[x]), -1.0 - (double)i / 3, -1.0 - (double)i / 2, 0.5 * (double)i,
                  i == 1 ? QB_ML_NULL_STD : i == 4 ? QB_ML_NULL_STEP : 0);
      memcpy(b, a, sizeof a);
      char id[16];
      snprintf(id, sizeof id, "exp-%zu", x);
      CHECK_OK(qb_ml__experiment(a, sizes[x], id, ctx, 20001, append_logged, NULL, &ref, &err), &err);
      CHECK_OK(qb_ml__experiment_cols(b, sizes[x], id, ctx, 20001, &to, NULL, &got, &err), &err);
      CHECK(ref.cols.n_rows == got.cols.n_rows);
    }
    CHECK_OK(log_batch(&ref, &err), &err); /* the rows left, as the commit's flush */
    CHECK_OK(log_batch(&got, &err), &err);
    CHECK(ref.flushes == got.flushes && ref.flushes >= 342 / bound);
    CHECK(ref.log.n == got.log.n && !memcmp(ref.log.p, got.log.p, ref.log.n));
    qb_buf_free(&ref.log);
    qb_buf_free(&got.log);
    qb_ml__cols_free(&ref.cols);
    qb_ml__cols_free(&got.cols);
  }
}
