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

int qb_ml__cols_reserve(qb_ml_cols *c, size_t rows, qb_err *err)
{
  if (c->room_rows < rows) { /* room made ROOM_ROWS rows at a time, as for qb_ml__cols_append */
    size_t want = rows > ROOM_ROWS ? rows : ROOM_ROWS;
    c->room_rows = 0;
    for (size_t i = 0; i < c->n_cols; i++) {
      qb_ml_col *col = &c->cols[i];
      int rc = room(&col->valid, want, err);
      if (!rc) rc = col->width ? room(&col->values, want * col->width, err) : room(&col->offsets, (want + 1) * 8, err);
      if (rc) return rc;
    }
    c->room_rows = want;
  }
  c->room_rows -= rows; /* the caller fills them */
  return QB_OK;
}

int qb_ml__cols_fill(qb_ml_cols *c, size_t k, const qb_value *v, size_t count, qb_err *err)
{
  qb_ml_col *col = &c->cols[k];
  bool ok = v->kind != QB_V_NULL;
  if (ok && v->kind != col->kind)
    return QB_FAIL(err, QB_EINTERNAL, "ML column %zu: a value of kind %d where kind %d belongs", k, (int)v->kind,
                   (int)col->kind);
  memset(col->valid.p + col->valid.n, ok, count);
  col->valid.n += count;
  uint8_t *dst = col->values.p + col->values.n;
  /* constant-size stores per width (a copy of col->width bytes would be a memcpy call per cell) */
  switch (col->width) {
  case 1: memset(dst, ok && v->u.b ? 1 : 0, count); break;
  case 4: {
    int32_t x = ok ? v->u.i32 : 0;
    for (size_t r = 0; r < count; r++) memcpy(dst + r * 4, &x, 4);
    break;
  }
  case 8: {
    uint64_t x = 0;
    if (ok && col->kind == QB_V_INT64) memcpy(&x, &v->u.i64, 8);
    else if (ok) memcpy(&x, &v->u.f64, 8);
    for (size_t r = 0; r < count; r++) memcpy(dst + r * 8, &x, 8);
    break;
  }
  default: break;
  }
  if (col->width) {
    col->values.n += count * col->width;
    return QB_OK;
  }
  size_t n = ok ? v->u.bytes.n : 0;
  int rc = room(&col->values, n ? n * count : 1, err); /* a values pointer even when all are null or empty */
  if (rc) return rc;
  if (col->offsets.n == 0) { /* offsets[0] */
    memset(col->offsets.p, 0, 8);
    col->offsets.n = 8;
  }
  uint8_t *base = col->values.p + col->values.n;
  if (n) { /* the string once, then the copies doubled: log2(count) memcpy calls instead of count */
    memcpy(base, v->u.bytes.p, n);
    for (size_t done = n, total = n * count; done < total;) {
      size_t step = done < total - done ? done : total - done;
      memcpy(base + done, base, step);
      done += step;
    }
  }
  uint8_t *off = col->offsets.p + col->offsets.n;
  int64_t end = (int64_t)col->values.n;
  for (size_t r = 0; r < count; r++) {
    end += (int64_t)n;
    memcpy(off + r * 8, &end, 8);
  }
  col->values.n += n * count;
  col->offsets.n += count * 8;
  return QB_OK;
}

void qb_ml__cols_add_rows(qb_ml_cols *c, size_t count) { c->n_rows += count; }

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
