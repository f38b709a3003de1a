/* SPDX-License-Identifier: Apache-2.0 */
/* Column buffers of one feature table (the columnar path of the ingest, docs/PIPELINE.md "Writing"): a
 * record's rows are derived straight into per-column vectors (qb_vqe__rows_to_cols) and handed to
 * qb_txn_write_batch in slices, instead of one qb_value row per row through qb_txn_write. */
#ifndef QB_PIPELINE_VQE_COLS_H
#define QB_PIPELINE_VQE_COLS_H

#include <string.h>

#include "pipeline/vqe_ids.h"
#include "qberg/parquet.h"
#include "qberg/vqe.h"
#include "util/buf.h"

#define QB_VQE_MAX_COLUMNS 24

typedef struct qb_vqe_col {
  qb_pq_type type; /* BOOLEAN (uint8_t), INT32, INT64, DOUBLE or BYTE_ARRAY (bytes + offsets) */
  size_t width;    /* bytes per value; 0 for BYTE_ARRAY */
  qb_buf values;
  qb_buf offsets;  /* BYTE_ARRAY: int64_t, n_rows + 1 of them */
  qb_buf valid;    /* uint8_t per row */
  qb_buf repeats;  /* columns filled by qb_vqe_cols_fill: uint8_t per row, 1 = same cell as the row before
                    * (qb_pq_column_batch.repeats); rows put one by one get their 0s in qb_vqe_cols_batch.
                    * A repeated row stores no value: no bytes (BYTE_ARRAY), an unset slot (fixed width) */
  size_t fill_src; /* the row holding the value of the last qb_vqe_cols_fill run */
  size_t shared;   /* bytes the repeated BYTE_ARRAY rows would store (see qb_vqe_cols_bytes) */
  bool has_null;
} qb_vqe_col;

typedef struct qb_vqe_cols {
  qb_vqe_table table;
  size_t n_cols, n_rows;
  size_t cur;                 /* column of the next value of the row being appended */
  int rc;                     /* first allocation failure while appending (then only free) */
  /* For tables whose rows end in a derived id (parameter_id, term_id): per row, the
   * qb_hash_bytes_update(QB_HASH_BYTES_INIT, …) state of column id_col's cell, which the derivation has
   * at hand (the id's prefix hashed once per record or iteration, then the row's digits), so that the
   * ingest's key digest need not read the bytes again. See qb_vqe_cols_id_hashes. */
  qb_buf id_hash;
  size_t id_col;
  qb_vqe_col cols[QB_VQE_MAX_COLUMNS];
  qb_pq_column_batch batch[QB_VQE_MAX_COLUMNS];
} qb_vqe_cols;

/** Whether table `t` has only scalar columns (the columnar path; molecules has lists). */
bool qb_vqe_table_is_flat(qb_vqe_table t);
/** Empty buffers for flat feature table `t` (QB_EINVAL otherwise). Allocates on first append. */
int qb_vqe_cols_init(qb_vqe_cols *c, qb_vqe_table t, qb_err *err);
/** NULL-safe on a zeroed struct. */
void qb_vqe_cols_free(qb_vqe_cols *c);
/** Keep the first `n_rows` rows (0: empty; capacity stays). */
void qb_vqe_cols_truncate(qb_vqe_cols *c, size_t n_rows);
/** Bytes the buffered rows take (values, offsets, validity), counting a repeated string as if it stored
 * its bytes: the ingest slices its batches by this, which thus does not depend on the layout. */
size_t qb_vqe_cols_bytes(const qb_vqe_cols *c);
/** The rows as qb_txn_write_batch takes them; valid until the next append or truncate. */
const qb_pq_column_batch *qb_vqe_cols_batch(qb_vqe_cols *c);
/** Cell (col, row) as a qb_value (strings point into the buffers). A repeated row's value is found by
 * stepping back over its run (O(run length)). */
qb_value qb_vqe_cols_value(const qb_vqe_cols *c, size_t col, size_t row);

/* Room for `extra` more bytes in `b` (the capacity test inline: this runs for every cell). */
static inline int qb_vqe__room(qb_buf *b, size_t extra, qb_err *err)
{
  return b->cap - b->n > extra ? QB_OK : qb_buf_reserve(b, extra, err);
}

/* Records the end of the BYTE_ARRAY cell just appended to col->values (offsets[0] = 0 written first);
 * the caller reserved 16 bytes of col->offsets. */
static inline void qb_vqe__close_bytes(qb_vqe_col *col)
{
  if (col->offsets.n == 0) {
    memset(col->offsets.p, 0, 8);
    col->offsets.n = 8;
  }
  int64_t end = (int64_t)col->values.n;
  memcpy(col->offsets.p + col->offsets.n, &end, 8);
  col->offsets.n += 8;
}

/** Append value `v` (of the kind qb_vqe_rows gives for that column) as the next cell of the row being
 * built; qb_vqe_cols_end_row closes the row. Failures are kept in c->rc. */
static inline void qb_vqe_cols_put(qb_vqe_cols *c, const qb_value *v, qb_err *err)
{
  qb_vqe_col *col = &c->cols[c->cur++];
  uint8_t ok = v->kind != QB_V_NULL;
  if (c->rc || (c->rc = qb_vqe__room(&col->valid, 1, err))) return;
  col->valid.p[col->valid.n++] = ok;
  col->has_null |= !ok;
  if (col->width) {
    if ((c->rc = qb_vqe__room(&col->values, col->width, err))) return;
    uint8_t *dst = col->values.p + col->values.n;
    col->values.n += col->width;
    if (!ok) memset(dst, 0, col->width);
    else if (col->type == QB_PQ_BOOLEAN) *dst = v->u.b ? 1 : 0;
    else if (col->type == QB_PQ_INT32) memcpy(dst, &v->u.i32, 4);
    else if (col->type == QB_PQ_INT64) memcpy(dst, &v->u.i64, 8);
    else memcpy(dst, &v->u.f64, 8);
    return;
  }
  size_t n = ok ? v->u.bytes.n : 0;
  if ((c->rc = qb_vqe__room(&col->values, n, err)) || (c->rc = qb_vqe__room(&col->offsets, 16, err))) return;
  if (n) memcpy(col->values.p + col->values.n, v->u.bytes.p, n);
  col->values.n += n;
  qb_vqe__close_bytes(col);
}

/* Typed appends of a present cell (the columnar derivation knows each column's type from the table
 * description, so no qb_value is built and no type is switched on: these run for every cell). */
static inline uint8_t *qb_vqe__cell(qb_vqe_cols *c, size_t width, qb_err *err)
{
  qb_vqe_col *col = &c->cols[c->cur++];
  if (c->rc || (c->rc = qb_vqe__room(&col->valid, 1, err)) || (c->rc = qb_vqe__room(&col->values, width, err)))
    return NULL;
  col->valid.p[col->valid.n++] = 1;
  uint8_t *dst = col->values.p + col->values.n;
  col->values.n += width;
  return dst;
}
static inline void qb_vqe_cols_put_i32(qb_vqe_cols *c, int32_t v, qb_err *err)
{
  uint8_t *dst = qb_vqe__cell(c, 4, err);
  if (dst) memcpy(dst, &v, 4);
}
static inline void qb_vqe_cols_put_i64(qb_vqe_cols *c, int64_t v, qb_err *err)
{
  uint8_t *dst = qb_vqe__cell(c, 8, err);
  if (dst) memcpy(dst, &v, 8);
}
static inline void qb_vqe_cols_put_f64(qb_vqe_cols *c, double v, qb_err *err)
{
  uint8_t *dst = qb_vqe__cell(c, 8, err);
  if (dst) memcpy(dst, &v, 8);
}

/* `k` present cells of `width` bytes at the end of column `col`, appended at once (the many-row tables'
 * derivation writes a run of rows column by column): where to write their values (NULL on failure, in
 * c->rc). The caller adds the rows to n_rows once every column holds them. */
static inline uint8_t *qb_vqe__cells(qb_vqe_cols *c, size_t col_i, size_t k, size_t width, qb_err *err)
{
  qb_vqe_col *col = &c->cols[col_i];
  if (c->rc || (c->rc = qb_vqe__room(&col->valid, k, err)) || (c->rc = qb_vqe__room(&col->values, k * width, err)))
    return NULL;
  memset(col->valid.p + col->valid.n, 1, k);
  col->valid.n += k;
  uint8_t *dst = col->values.p + col->values.n;
  col->values.n += k * width;
  return dst;
}

/* A present BYTE_ARRAY cell of up to `max` bytes: returns where to write them (NULL on failure, in
 * c->rc); qb_vqe__bytes_end then closes it with its actual length. */
static inline uint8_t *qb_vqe__bytes_begin(qb_vqe_cols *c, size_t max, qb_err *err)
{
  qb_vqe_col *col = &c->cols[c->cur];
  if (c->rc || (c->rc = qb_vqe__room(&col->valid, 1, err)) || (c->rc = qb_vqe__room(&col->values, max, err)) ||
      (c->rc = qb_vqe__room(&col->offsets, 16, err)))
    return NULL;
  return col->values.p + col->values.n;
}
static inline void qb_vqe__bytes_end(qb_vqe_cols *c, size_t n)
{
  qb_vqe_col *col = &c->cols[c->cur++];
  col->valid.p[col->valid.n++] = 1;
  col->values.n += n;
  qb_vqe__close_bytes(col);
}

/** The id hashes of rows [0, n_rows) when every row has one and they are of column `col`, else NULL. */
static inline const uint64_t *qb_vqe_cols_id_hashes(const qb_vqe_cols *c, size_t col)
{
  return c->n_rows && col == c->id_col && c->id_hash.n == c->n_rows * 8 ? (const uint64_t *)(const void *)c->id_hash.p
                                                                          : NULL;
}

/** Leave the next `n` cells of the row being built to qb_vqe_cols_fill: a column whose value is the same
 * for all the rows of a record (experiment_id, the processing_* metadata) is written once per record. */
static inline void qb_vqe_cols_skip(qb_vqe_cols *c, size_t n) { c->cur += n; }

/** Set the skipped cells of column `col` in rows [from, c->n_rows) to `v`: the first row stores it (unless
 * it repeats row from - 1), the others are declared repeats and store nothing (qb_pq_column_batch).
 * The column must hold exactly `from` cells. Failures in c->rc. */
void qb_vqe_cols_fill(qb_vqe_cols *c, size_t col, size_t from, const qb_value *v, qb_err *err);

/** Close the row being built: QB_OK, or the first failure of its puts. */
static inline int qb_vqe_cols_end_row(qb_vqe_cols *c)
{
  c->cur = 0;
  if (c->rc) return c->rc;
  c->n_rows++;
  return QB_OK;
}

/* vqe_rows.c: append the rows qb_vqe_rows derives for c->table from `rec` (same arguments) to `c`.
 * `nums` (may be NULL): what qb_vqe__experiment_id_nums kept for rec under the same types. */
int qb_vqe__rows_to_cols(qb_vqe_cols *c, const qb_vqe_record *rec, const char *experiment_id,
                         const qb_vqe_types *types, const qb_vqe_meta *meta, const qb_vqe_nums *nums, qb_err *err);

#endif
