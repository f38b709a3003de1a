/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet file writer internals shared with the Iceberg data writer (the writer itself: qberg/parquet.h). */
#ifndef QB_FORMATS_PARQUET_WRITER_H
#define QB_FORMATS_PARQUET_WRITER_H

#include "qberg/parquet.h"

/**
 * qb_pq_writer_write_batch of rows [row0, row0 + n_rows) of `cols` without the per-column checks, for
 * columns the caller already passed through qb_pq_column_batch_validate (a range holding these rows): the
 * Iceberg data writer validates a whole batch before routing its rows to partition files and would
 * otherwise check every slice again. The schema must still be flat (QB_EINVAL naming the column, as
 * qb_pq_writer_write_batch).
 * A row declared a repeat holds no value of its own (qb_pq_column_batch.repeats), and the slice's first
 * row may repeat a row another file took: src[c] (one per column) is on entry the row of cols[c] holding
 * the value of row row0 - 1 (read only when row0 repeats), on return the row holding the value of the
 * slice's last row; a caller passing a batch's rows in order, slice after slice to whichever files, keeps
 * one such array for the batch.
 */
int qb_pq__writer_write_batch_valid(qb_pq_writer *w, const qb_pq_column_batch *cols, size_t row0, size_t n_rows,
                                    size_t *src, qb_err *err);

#endif
