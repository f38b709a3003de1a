/* SPDX-License-Identifier: Apache-2.0 */
/* Record shredding: one qb_value row into repetition/definition levels and values per leaf column
 * (Dremel; parquet-format README "Nested Encoding", LogicalTypes.md LIST/MAP; formats.md §2.5). */
#ifndef QB_FORMATS_PARQUET_SHRED_H
#define QB_FORMATS_PARQUET_SHRED_H

#include "formats/parquet/column_writer.h"
#include "formats/parquet/schema.h"
#include "qberg/value.h"

/**
 * Check that `row` fits `s` without side effects: a QB_V_STRUCT with one item per root child, kinds as
 * qb_pq_writer_write_row documents. QB_EINVAL names the offending node ("column a.b: expected INT64,
 * got STRING"; "field tags: null in a REQUIRED field").
 */
int qb_pq_shred_check(const qb_pq_schema *s, const qb_value *row, qb_err *err);

/**
 * Append the level entries and values of a checked row to `cols` (one writer per leaf column, in column
 * order). Fails only with QB_ENOMEM / QB_ELIMIT.
 */
int qb_pq_shred_row(qb_pq_colw *cols, const qb_pq_schema *s, const qb_value *row, qb_err *err);

/** True when every field of the root is a leaf that is not REPEATED: qb_pq_shred_flat applies. */
bool qb_pq_shred_is_flat(const qb_pq_schema *s);

/** qb_pq_shred_check + qb_pq_shred_row for a flat schema (qb_pq_shred_is_flat) in one pass over the
 * fields: the row is checked whole before any column sees a value. */
int qb_pq_shred_flat(qb_pq_colw *cols, const qb_pq_schema *s, const qb_value *row, qb_err *err);

#endif
