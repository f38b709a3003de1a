/* SPDX-License-Identifier: Apache-2.0 */
/* Column buffers of one feature table (see vqe_cols.h): the physical layout qb_pq_writer_write_batch
 * takes, for the scalar column types of the feature tables (pipeline-spec §4). */
#include "pipeline/vqe_cols.h"

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
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_vqe_col *col = &c->cols[i];
    (void)scalar(d->columns[i].type, &col->type, &col->width);
    qb_buf_init(&col->values, QB_BUF_NOLIMIT);
    qb_buf_init(&col->offsets, QB_BUF_NOLIMIT);
    qb_buf_init(&col->valid, QB_BUF_NOLIMIT);
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
  }
  c->n_cols = c->n_rows = 0;
}

void qb_vqe_cols_truncate(qb_vqe_cols *c, size_t n_rows)
{
  if (n_rows >= c->n_rows) return;
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_vqe_col *col = &c->cols[i];
    col->valid.n = n_rows;
    col->has_null = memchr(col->valid.p, 0, n_rows) != NULL;
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
  for (size_t i = 0; i < c->n_cols; i++) n += c->cols[i].values.n + c->cols[i].offsets.n + c->cols[i].valid.n;
  return n;
}

const qb_pq_column_batch *qb_vqe_cols_batch(qb_vqe_cols *c)
{
  /* an empty string column of a non-empty batch still needs a non-NULL values pointer */
  static const uint8_t none[1];
  for (size_t i = 0; i < c->n_cols; i++) {
    const qb_vqe_col *col = &c->cols[i];
    c->batch[i].values = col->values.p ? col->values.p : none;
    c->batch[i].offsets = col->width ? NULL : (const int64_t *)(const void *)col->offsets.p;
    c->batch[i].valid = col->has_null ? col->valid.p : NULL;
  }
  return c->batch;
}

qb_value qb_vqe_cols_value(const qb_vqe_cols *c, size_t col_i, size_t row)
{
  const qb_vqe_col *col = &c->cols[col_i];
  qb_value v = qb_value_null();
  if (!col->valid.p[row]) return v;
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
