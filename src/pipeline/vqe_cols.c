/* SPDX-License-Identifier: Apache-2.0 */
/* Column buffers of one feature table (see vqe_cols.h): the physical layout qb_pq_writer_write_batch
 * takes, for the scalar column types of the feature tables (pipeline-spec §4). */
#include "pipeline/vqe_cols.h"

#include <stdint.h>

static bool scalar(qb_vqe_type t, qb_pq_type *pt, size_t *width)
{
  switch (t) {
  case QB_VQE_T_STRING: *pt = QB_PQ_BYTE_ARRAY, *width = 0; return true;
  case QB_VQE_T_LONG:
  case QB_VQE_T_TIMESTAMPTZ: *pt = QB_PQ_INT64, *width = 8; return true;
  case QB_VQE_T_INT:
  case QB_VQE_T_DATE: *pt = QB_PQ_INT32, *width = 4; return true;
  case QB_VQE_T_DOUBLE: *pt = QB_PQ_DOUBLE, *width = 8; return true;
  case QB_VQE_T_BOOLEAN: *pt = QB_PQ_BOOLEAN, *width = 1; return true;
  default: return false;
  }
}

bool qb_vqe_table_is_flat(qb_vqe_table t)
{
  const qb_vqe_table_desc *d = qb_vqe_table_describe(t);
  if (!d || d->n_columns > QB_VQE_MAX_COLUMNS) return false;
  for (size_t i = 0; i < d->n_columns; i++) {
    qb_pq_type pt;
    size_t w;
    if (!scalar(d->columns[i].type, &pt, &w)) return false;
  }
  return true;
}

int qb_vqe_cols_init(qb_vqe_cols *c, qb_vqe_table t, qb_err *err)
{
  memset(c, 0, sizeof *c);
  const qb_vqe_table_desc *d = qb_vqe_table_describe(t);
  if ((unsigned)t >= QB_VQE_FEATURE_TABLES || !qb_vqe_table_is_flat(t))
    return QB_FAIL(err, QB_EINVAL, "table %s has list columns: it has no columnar path", d ? d->name : "?");
  c->table = t;
  c->n_cols = d->n_columns;
  qb_buf_init(&c->id_hash, QB_BUF_NOLIMIT);
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_vqe_col *col = &c->cols[i];
    (void)scalar(d->columns[i].type, &col->type, &col->width);
    qb_buf_init(&col->values, QB_BUF_NOLIMIT);
    qb_buf_init(&col->offsets, QB_BUF_NOLIMIT);
    qb_buf_init(&col->valid, QB_BUF_NOLIMIT);
    qb_buf_init(&col->repeats, QB_BUF_NOLIMIT);
  }
  return QB_OK;
}

void qb_vqe_cols_free(qb_vqe_cols *c)
{
  if (!c) return;
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_buf_free(&c->cols[i].values);
    qb_buf_free(&c->cols[i].offsets);
    qb_buf_free(&c->cols[i].valid);
    qb_buf_free(&c->cols[i].repeats);
  }
  qb_buf_free(&c->id_hash);
  c->n_cols = c->n_rows = 0;
}

/* The row holding row `row`'s value: a declared repeat holds none, its run's first row does. */
static size_t value_row(const qb_vqe_col *col, size_t row)
{
  while (row > 0 && row < col->repeats.n && col->repeats.p[row]) row--;
  return row;
}

static size_t bytes_len(const qb_vqe_col *col, size_t row)
{
  int64_t a, b;
  memcpy(&a, col->offsets.p + row * 8, 8);
  memcpy(&b, col->offsets.p + row * 8 + 8, 8);
  return (size_t)(b - a);
}

void qb_vqe_cols_truncate(qb_vqe_cols *c, size_t n_rows)
{
  if (n_rows >= c->n_rows) return;
  if (c->id_hash.n > n_rows * 8) c->id_hash.n = n_rows * 8;
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_vqe_col *col = &c->cols[i];
    col->valid.n = n_rows;
    if (col->repeats.n > n_rows) col->repeats.n = n_rows;
    col->has_null = memchr(col->valid.p, 0, n_rows) != NULL;
    /* what the kept rows' repeats refer to (the ingest only empties the buffers: no scan then) */
    col->fill_src = n_rows ? value_row(col, n_rows - 1) : 0;
    col->shared = 0;
    for (size_t r = 1; !col->width && r < col->repeats.n; r++)
      if (col->repeats.p[r] && col->valid.p[r]) col->shared += bytes_len(col, value_row(col, r));
    if (col->width) {
      col->values.n = n_rows * col->width;
    } else if (n_rows == 0) {
      col->values.n = col->offsets.n = 0;
    } else {
      int64_t end;
      memcpy(&end, col->offsets.p + n_rows * 8, 8);
      col->values.n = (size_t)end;
      col->offsets.n = (n_rows + 1) * 8;
    }
  }
  c->n_rows = n_rows;
}

size_t qb_vqe_cols_bytes(const qb_vqe_cols *c)
{
  size_t n = 0;
  for (size_t i = 0; i < c->n_cols; i++)
    n += c->cols[i].values.n + c->cols[i].offsets.n + c->cols[i].valid.n + c->cols[i].shared;
  return n;
}

/* Rows [repeats.n, valid.n) were put one by one: no repeat is known for them. The buffer has room for
 * them (fill reserves it for every row). */
static void repeats_pad(qb_vqe_col *col)
{
  size_t n = col->valid.n - col->repeats.n;
  memset(col->repeats.p + col->repeats.n, 0, n);
  col->repeats.n += n;
}

const qb_pq_column_batch *qb_vqe_cols_batch(qb_vqe_cols *c)
{
  /* an empty string column of a non-empty batch still needs a non-NULL values pointer */
  static const uint8_t none[1];
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_vqe_col *col = &c->cols[i];
    c->batch[i].values = col->values.p ? col->values.p : none;
    c->batch[i].offsets = col->width ? NULL : (const int64_t *)(const void *)col->offsets.p;
    c->batch[i].valid = col->has_null ? col->valid.p : NULL;
    c->batch[i].repeats = NULL;
    if (col->repeats.n && col->repeats.cap > col->valid.n) {
      repeats_pad(col);
      c->batch[i].repeats = col->repeats.p;
    }
  }
  return c->batch;
}

/* Whether the cell of row `row` (< the column's rows; its value at row `at`) equals `v` (validity and
 * value bytes). */
static bool cell_is(const qb_vqe_col *col, size_t row, size_t at, const qb_value *v, uint8_t ok)
{
  if ((col->valid.p[row] != 0) != (ok != 0)) return false;
  if (!ok) return true;
  row = at;
  if (col->width) {
    uint8_t x[8] = {0};
    if (col->type == QB_PQ_BOOLEAN) x[0] = v->u.b ? 1 : 0;
    else if (col->type == QB_PQ_INT32) memcpy(x, &v->u.i32, 4);
    else if (col->type == QB_PQ_INT64) memcpy(x, &v->u.i64, 8);
    else memcpy(x, &v->u.f64, 8);
    return !memcmp(col->values.p + row * col->width, x, col->width);
  }
  int64_t a, b;
  memcpy(&a, col->offsets.p + row * 8, 8);
  memcpy(&b, col->offsets.p + row * 8 + 8, 8);
  size_t n = v->u.bytes.n;
  return (size_t)(b - a) == n && (n == 0 || !memcmp(col->values.p + a, v->u.bytes.p, n));
}

/* The repeats of rows [from, from + k), which fill sets to one value: the first repeats row from - 1 when
 * that holds the same cell (the processing_* metadata are constant over a whole batch, an experiment's
 * ids over its records), the others repeat the first. One comparison per fill, none per row. Row from - 1
 * is a repeat only if the column's last fill ended there (rows put later do not repeat): its value is
 * then at fill_src, without a scan. */
static int fill_repeats(qb_vqe_col *col, size_t from, size_t k, const qb_value *v, uint8_t ok, qb_err *err)
{
  int rc;
  size_t prev = from ? from - 1 : 0;
  size_t at = prev < col->repeats.n && col->repeats.p[prev] ? col->fill_src : prev;
  if (col->repeats.n > from) col->repeats.n = from;
  /* room for every row of the column, so that qb_vqe_cols_batch can pad without failing */
  if ((rc = qb_vqe__room(&col->repeats, from + k - col->repeats.n, err)) != QB_OK) return rc;
  repeats_pad(col);
  col->repeats.p[from] = from && cell_is(col, prev, at, v, ok);
  memset(col->repeats.p + from + 1, 1, k - 1);
  col->repeats.n = from + k;
  return QB_OK;
}

void qb_vqe_cols_fill(qb_vqe_cols *c, size_t col_i, size_t from, const qb_value *v, qb_err *err)
{
  if (c->rc || from >= c->n_rows) return;
  qb_vqe_col *col = &c->cols[col_i];
  size_t k = c->n_rows - from;
  if (col->valid.n != from) {
    c->rc = QB_FAIL(err, QB_EINTERNAL, "column %zu holds %zu cells, not %zu", col_i, col->valid.n, from);
    return;
  }
  uint8_t ok = v->kind != QB_V_NULL;
  if ((c->rc = fill_repeats(col, from, k, v, ok, err))) return;
  if ((c->rc = qb_vqe__room(&col->valid, k, err))) return;
  memset(col->valid.p + col->valid.n, ok, k);
  col->valid.n += k;
  col->has_null |= !ok;
  /* only a row that does not repeat the one before stores the value */
  bool store = !col->repeats.p[from];
  if (store) col->fill_src = from;
  if (col->width) {
    if (k > SIZE_MAX / col->width) {
      c->rc = QB_FAIL(err, QB_ENOMEM, "column %zu: %zu rows overflow", col_i, k);
      return;
    }
    if ((c->rc = qb_vqe__room(&col->values, k * col->width, err))) return;
    uint8_t *dst = col->values.p + col->values.n;
    if (store && !ok) memset(dst, 0, col->width);
    else if (store && col->type == QB_PQ_BOOLEAN) *dst = v->u.b ? 1 : 0;
    else if (store && col->type == QB_PQ_INT32) memcpy(dst, &v->u.i32, 4);
    else if (store) memcpy(dst, col->type == QB_PQ_INT64 ? (const void *)&v->u.i64 : (const void *)&v->u.f64, 8);
    col->values.n += k * col->width;
    return;
  }
  size_t n = ok ? v->u.bytes.n : 0, stored = store ? n : 0;
  if ((c->rc = qb_vqe__room(&col->values, stored, err)) || (c->rc = qb_vqe__room(&col->offsets, 8 * k + 8, err)))
    return;
  if (stored) memcpy(col->values.p + col->values.n, v->u.bytes.p, stored);
  col->values.n += stored;
  col->shared += (k - store) * n;
  if (col->offsets.n == 0) { /* offsets[0] */
    memset(col->offsets.p, 0, 8);
    col->offsets.n = 8;
  }
  /* every row ends where the stored value (if any) ends: the repeats hold no bytes */
  int64_t end = (int64_t)col->values.n;
  int64_t *o = (int64_t *)(void *)(col->offsets.p + col->offsets.n); /* offsets.n is a multiple of 8 */
  size_t i = 0;
  for (; i + 4 <= k; i += 4) o[i] = o[i + 1] = o[i + 2] = o[i + 3] = end;
  for (; i < k; i++) o[i] = end;
  col->offsets.n += 8 * k;
}

qb_value qb_vqe_cols_value(const qb_vqe_cols *c, size_t col_i, size_t row)
{
  const qb_vqe_col *col = &c->cols[col_i];
  qb_value v = qb_value_null();
  if (!col->valid.p[row]) return v;
  row = value_row(col, row);
  const uint8_t *p = col->values.p + row * col->width;
  switch (col->type) {
  case QB_PQ_BOOLEAN: return qb_value_bool(*p != 0);
  case QB_PQ_INT32: v.kind = QB_V_INT32, memcpy(&v.u.i32, p, 4); return v;
  case QB_PQ_INT64: v.kind = QB_V_INT64, memcpy(&v.u.i64, p, 8); return v;
  case QB_PQ_DOUBLE: v.kind = QB_V_DOUBLE, memcpy(&v.u.f64, p, 8); return v;
  default: {
    int64_t a, b;
    memcpy(&a, col->offsets.p + row * 8, 8);
    memcpy(&b, col->offsets.p + row * 8 + 8, 8);
    v.kind = QB_V_STRING;
    v.u.bytes.p = col->values.p + a;
    v.u.bytes.n = (size_t)(b - a);
    return v;
  }
  }
}
