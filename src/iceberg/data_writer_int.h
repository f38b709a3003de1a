/* SPDX-License-Identifier: Apache-2.0 */
/* Writing data files inside the table layer: the Parquet schema of an Iceberg schema (parquet_schema.c),
 * the data_file metrics of a written file (file_metrics.c) and the partitioned writer (data_writer.c). */
#ifndef QB_ICEBERG_DATA_WRITER_INT_H
#define QB_ICEBERG_DATA_WRITER_INT_H

#include "iceberg/table_int.h"
#include "qberg/table.h"

/* parquet_schema.c: the Parquet schema of `schema`, finished. */
int qb_data_writer__parquet_schema(qb_pq_schema **out, const qb_schema *schema, qb_err *err);

/* file_metrics.c: Java MetricsConfig + ParquetMetrics for one written file. The counts and bounds of
 * `r` become f's column_sizes, value/null/NaN counts and lower/upper bounds (Iceberg single-value
 * serialisation, truncated as the column's metrics mode says), allocated in `a`. */
typedef struct qb_file_metrics_config qb_file_metrics_config;
int qb_file_metrics__config(qb_file_metrics_config **out, const qb_schema *schema, const qb_table_metadata *md,
                            qb_err *err);
void qb_file_metrics__config_free(qb_file_metrics_config *c);
int qb_file_metrics__fill(qb_data_file *f, const qb_pq_write_result *r, const qb_schema *schema,
                          const qb_file_metrics_config *c, qb_arena *a, qb_err *err);

/* data_writer.c: open a writer on a table view (the catalog-facing entry point passes its handle). */
int qb_data_writer__open(qb_data_writer **out, const qb_tbl *t, const qb_schema *schema, const qb_partition_spec *spec,
                         const qb_data_writer_options *o, qb_err *err);

#endif
