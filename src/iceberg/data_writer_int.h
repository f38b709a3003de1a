/* SPDX-License-Identifier: Apache-2.0 */
/* Writing data files inside the table layer: the Parquet schema of an Iceberg schema (parquet_schema.c)
 * and the partitioned writer (data_writer.c). */
#ifndef QB_ICEBERG_DATA_WRITER_INT_H
#define QB_ICEBERG_DATA_WRITER_INT_H

#include "iceberg/table_int.h"
#include "qberg/table.h"

/* A file is rolled at the target size only once it holds this many rows (Java's RollingFileWriter checks
 * the size only every 1,000 rows): a target smaller than a few rows' bytes plus a footer would otherwise
 * make a file per row. Compaction takes a file over its size limit as splittable only with twice as many
 * (else such files would be rewritten into themselves on every run). The table property
 * QB_ROLL_MIN_ROWS_PROP (an integer >= 1) sets another minimum (1: a file per row at a tiny target, as
 * bench/compact.sh makes its 10,000 small files). */
#define QB_DATA_WRITER_ROLL_MIN_ROWS 100
#define QB_ROLL_MIN_ROWS_PROP "qberg.write.roll-min-rows"
/* The table's minimum rows per rolled file (QB_ROLL_MIN_ROWS_PROP or the default); QB_EINVAL naming the
 * property for a value that is not an integer >= 1. */
int qb_data_writer__roll_min_rows(uint64_t *out, const qb_table_metadata *md, qb_err *err);

/* parquet_schema.c: the Parquet schema of `schema`, finished. */
int qb_data_writer__parquet_schema(qb_pq_schema **out, const qb_schema *schema, qb_err *err);

/* data_writer.c: open a writer on a table view (the catalog-facing entry point passes its handle). */
int qb_data_writer__open(qb_data_writer **out, const qb_tbl *t, const qb_schema *schema, const qb_partition_spec *spec,
                         const qb_data_writer_options *o, qb_err *err);

/* data_writer.c: whether values of type `a` can be written as `b` (qb_data_writer_set_input_schema): the
 * same type, nested types by shape (their inner ids, names and requiredness may differ). */
bool qb_data_writer__same_shape(const qb_type *a, const qb_type *b);

/* data_writer.c: the partition a row (of the writer's input schema) would be written under, as the bytes the
 * writer keys its open files by (valid until the next call on `w`); nothing is written. The number of files
 * the writer keeps open at once (beyond it, the least recently written is finished). For callers that
 * route a row stream through the writer in passes of at most that many partitions (compaction into a new
 * spec: without it, every row of a partition beyond the limit started a new file). */
int qb_data_writer__partition_of(qb_data_writer *w, const qb_value *row, const uint8_t **key, size_t *n,
                                 qb_err *err);
size_t qb_data_writer__max_open(const qb_data_writer *w);

#endif
