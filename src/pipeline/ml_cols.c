/* SPDX-License-Identifier: Apache-2.0 */
/* Column buffers of one ML feature table: the rows qb_ml__experiment gives are staged column by column and
 * reach the table through qb_txn_write_batch, which costs a third of writing each row through
 * qb_txn_write (34 or 35 scalar columns per row). */
#include <string.h>

#include "pipeline/ml_features_int.h"

int qb_ml__cols_init(qb_ml_cols *c, const char *const *types, size_t n_cols, qb_err *err)
{
  memset(c, 0, sizeof *c);
  if (n_cols > QB_ML_MAX_COLUMNS) return QB_FAIL(err, QB_EINTERNAL, "ML table with %zu columns", n_cols);
  for (size_t i = 0; i < n_cols; i++) {
    qb_ml_col *col = &c->cols[i];
    const char *t = types[i];
    if (!strcmp(t, "string")) col->kind = QB_V_STRING, col->type = QB_PQ_BYTE_ARRAY, col->width = 0;
    else if (!strcmp(t, "long")) col->kind = QB_V_INT64, col->type = QB_PQ_INT64, col->width = 8;
    else if (!strcmp(t, "int") || !strcmp(t, "date")) col->kind = QB_V_INT32, col->type = QB_PQ_INT32, col->width = 4;
    else if (!strcmp(t, "double")) col->kind = QB_V_DOUBLE, col->type = QB_PQ_DOUBLE, col->width = 8;
    else if (!strcmp(t, "boolean")) col->kind = QB_V_BOOL, col->type = QB_PQ_BOOLEAN, col->width = 1;
    else return QB_FAIL(err, QB_EINTERNAL, "ML column %zu: type %s has no columnar layout", i, t);
    qb_buf_init(&col->values, QB_BUF_NOLIMIT);
    qb_buf_init(&col->offsets, QB_BUF_NOLIMIT);
    qb_buf_init(&col->valid, QB_BUF_NOLIMIT);
  }
  c->n_cols = n_cols;
  return QB_OK;
}

void qb_ml__cols_free(qb_ml_cols *c)
{
  if (!c) return;
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_buf_free(&c->cols[i].values);
    qb_buf_free(&c->cols[i].offsets);
    qb_buf_free(&c->cols[i].valid);
  }
  c->n_cols = c->n_rows = c->room_rows = 0;
}

void qb_ml__cols_clear(qb_ml_cols *c)
{
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_buf_reset(&c->cols[i].values);
    qb_buf_reset(&c->cols[i].offsets);
    qb_buf_reset(&c->cols[i].valid);
  }
  c->n_rows = 0;
  c->room_rows = 0; /* the capacities stay, but counting again costs one make_room per clear */
}

/* Room for `extra` more bytes (the capacity test inline: this runs for every string cell). */
static inline int room(qb_buf *b, size_t extra, qb_err *err)
{
  return b->cap - b->n >= extra ? QB_OK : qb_buf_reserve(b, extra, err);
}

/* Rows made room for at once: the per-cell capacity tests of the valid, fixed-width and offsets buffers
 * become one test per row (string bytes, of unknown length, keep theirs). */
#define ROOM_ROWS 256

static int make_room(qb_ml_cols *c, qb_err *err)
{
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_ml_col *col = &c->cols[i];
    int rc = room(&col->valid, ROOM_ROWS, err);
    if (!rc) rc = col->width ? room(&col->values, ROOM_ROWS * col->width, err)
                             : room(&col->offsets, (ROOM_ROWS + 1) * 8, err); /* + offsets[0] */
    if (rc) return rc;
  }
  c->room_rows = ROOM_ROWS;
  return QB_OK;
}

/* One cell; the valid, fixed-width values and offsets buffers have room (make_room). */
static int put(qb_ml_col *col, size_t i, const qb_value *v, qb_err *err)
{
  bool ok = v->kind != QB_V_NULL;
  if (ok && v->kind != col->kind)
    return QB_FAIL(err, QB_EINTERNAL, "ML column %zu: a value of kind %d where kind %d belongs", i, (int)v->kind,
                   (int)col->kind);
  col->valid.p[col->valid.n++] = ok;
  if (col->width) {
    uint8_t *dst = col->values.p + col->values.n;
    col->values.n += col->width;
    if (!ok) memset(dst, 0, col->width);
    else if (col->kind == QB_V_BOOL) *dst = v->u.b ? 1 : 0;
    else if (col->kind == QB_V_INT32) memcpy(dst, &v->u.i32, 4);
    else if (col->kind == QB_V_INT64) memcpy(dst, &v->u.i64, 8);
    else memcpy(dst, &v->u.f64, 8);
    return QB_OK;
  }
  size_t n = ok ? v->u.bytes.n : 0;
  /* values reserved even when every value is null or empty: the batch needs a values pointer */
  int rc = room(&col->values, n ? n : 1, err);
  if (rc) return rc;
  if (col->offsets.n == 0) { /* offsets[0] */
    memset(col->offsets.p, 0, 8);
    col->offsets.n = 8;
  }
  if (n) memcpy(col->values.p + col->values.n, v->u.bytes.p, n);
  col->values.n += n;
  int64_t end = (int64_t)col->values.n;
  memcpy(col->offsets.p + col->offsets.n, &end, 8);
  col->offsets.n += 8;
  return QB_OK;
}

int qb_ml__cols_append(qb_ml_cols *c, const qb_value *row, qb_err *err)
{
  if (row->kind != QB_V_STRUCT || row->u.seq.n != c->n_cols)
    return QB_FAIL(err, QB_EINTERNAL, "ML row: %zu values for %zu columns", row->u.seq.n, c->n_cols);
  int rc = c->room_rows ? QB_OK : make_room(c, err);
  for (size_t i = 0; rc == QB_OK && i < c->n_cols; i++) rc = put(&c->cols[i], i, &row->u.seq.items[i], err);
  /* on failure the caller abandons the whole transaction: a partial row is never written; the room is
   * counted again from scratch should it append after all */
  if (rc) {
    c->room_rows = 0;
    return rc;
  }
  c->room_rows--;
  c->n_rows++;
  return QB_OK;
}

const qb_pq_column_batch *qb_ml__cols_batch(qb_ml_cols *c)
{
  for (size_t i = 0; i < c->n_cols; i++) {
    qb_ml_col *col = &c->cols[i];
    c->batch[i].values = col->values.p;
    c->batch[i].offsets = col->width ? NULL : (const int64_t *)(const void *)col->offsets.p;
    c->batch[i].valid = col->valid.p;
  }
  return c->batch;
}
