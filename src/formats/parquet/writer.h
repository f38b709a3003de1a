/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet file writer internals shared with the Iceberg data writer (the writer itself: qberg/parquet.h). */
#ifndef QB_FORMATS_PARQUET_WRITER_H
#define QB_FORMATS_PARQUET_WRITER_H

#include "qberg/parquet.h"

/**
 * qb_pq_writer_write_batch without the per-column checks, for columns the caller already passed through
 * qb_pq_column_batch_validate (these rows or a range holding them): the Iceberg data writer validates a
 * whole batch before routing its rows to partition files and would otherwise check every slice again.
 * The schema must still be flat (QB_EINVAL naming the column, as qb_pq_writer_write_batch).
 */
int qb_pq__writer_write_batch_valid(qb_pq_writer *w, const qb_pq_column_batch *cols, size_t n_rows, qb_err *err);

#endif
