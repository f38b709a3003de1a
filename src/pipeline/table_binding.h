/* SPDX-License-Identifier: Apache-2.0 */
/* The pipeline's tables as users may have evolved them: the pipeline writes and reads its columns by field
 * id, not by position or name, so a column added, renamed, moved or dropped with `qberg alter` (or Spark,
 * Trino) neither shifts values into another column nor breaks a batch (docs/PIPELINE.md "Schema changes"). */
#ifndef QB_PIPELINE_TABLE_BINDING_H
#define QB_PIPELINE_TABLE_BINDING_H

#include "qberg/catalog.h"
#include "qberg/table.h"
#include "qberg/vqe.h"

/**
 * Begin a transaction `op` (an append) on `table`, whose rows the pipeline lays out in `schema` (its own schema of the
 * table): qb_txn_set_write_schema, so columns the table gained are written as null and columns it dropped
 * are not written. A column whose type changed, or a required column the pipeline does not write, is
 * QB_EINVAL naming the table and the column; nothing is begun then.
 */
int qb_vqe__txn_begin(qb_txn **out, qb_table *table, qb_txn_op op, const qb_schema *schema, qb_err *err);

/** qb_vqe__txn_begin of a fast append with the pipeline's schema of VQE table `t` (qb_vqe_table_schema). */
int qb_vqe__txn_begin_vqe(qb_txn **out, qb_table *table, qb_vqe_table t, qb_err *err);

/**
 * The pipeline's schema `schema` of `table` as bound to the table's current schema, into *out (free with
 * qb_schema_free): each top-level column keeps its field id, except one the table no longer has by id but
 * has by name with the same type (a user dropped it and added it back, which gives it a new id): that one
 * takes the table's id, so the pipeline fills and reads the column the user re-added. `writes`: the
 * pipeline writes the table, and whether it can (as qb_vqe__txn_begin checks it) is checked too, before a
 * batch writes anything: QB_EINVAL naming the table and the column otherwise (*out NULL then).
 */
int qb_vqe__bind_schema(qb_schema **out, qb_table *table, const qb_schema *schema, bool writes, qb_err *err);

/**
 * The current names in `table` of the columns the pipeline calls names[0..n) in `schema`, matched by field
 * id, into out[0..n) (borrowed from the table's metadata, valid while `table` is not reloaded). A column
 * the table no longer has is QB_EINVAL naming the table, the column and its field id.
 */
int qb_vqe__column_names(const char **out, qb_table *table, const qb_schema *schema, const char *const *names,
                         size_t n, qb_err *err);

/**
 * Whether processing_metadata (`meta`, read as the pipeline's `schema`) holds a row of `batch`
 * (processing_batch_id) and, unless `processing_name` is NULL, of that processing_name: *out. One filtered
 * scan; the --batch-id checks of ingest and features (a completed run's id is refused).
 */
int qb_vqe__audit_row_exists(bool *out, qb_table *meta, const qb_schema *schema, const char *batch,
                             const char *processing_name, qb_err *err);

#endif
