/* SPDX-License-Identifier: Apache-2.0 */
/* Writing data files inside the table layer: the Parquet schema of an Iceberg schema (parquet_schema.c)
 * and the partitioned writer (data_writer.c). */
#ifndef QB_ICEBERG_DATA_WRITER_INT_H
#define QB_ICEBERG_DATA_WRITER_INT_H

#include "iceberg/table_int.h"
#include "qberg/table.h"

/* parquet_schema.c: the Parquet schema of `schema`, finished. */
int qb_data_writer__parquet_schema(qb_pq_schema **out, const qb_schema *schema, qb_err *err);

/* data_writer.c: open a writer on a table view (the catalog-facing entry point passes its handle). */
int qb_data_writer__open(qb_data_writer **out, const qb_tbl *t, const qb_schema *schema, const qb_partition_spec *spec,
                         const qb_data_writer_options *o, qb_err *err);

/* data_writer.c: whether values of type `a` can be written as `b` (qb_data_writer_set_input_schema): the
 * same type, nested types by shape (their inner ids, names and requiredness may differ). */
bool qb_data_writer__same_shape(const qb_type *a, const qb_type *b);

#endif
