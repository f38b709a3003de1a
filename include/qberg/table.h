/* SPDX-License-Identifier: Apache-2.0 */
/* Writing Iceberg tables (spec "Snapshots", "Manifests", "Commit Conflict Resolution and Retry", "Schema
 * Evolution", "Partition Evolution", "Snapshot References"): partitioned data writers, transactions that
 * commit one snapshot (append, overwrite, delete, replace partitions, rewrite, row delta) with Java's
 * conflict rules, schema and partition spec evolution, tags and branches. Tables are the catalog's handles
 * (qberg/catalog.h); reading them is qberg/scan.h. See docs/TABLES.md.
 *
 * Everything here commits through qb_table_commit_update: on QB_OK the handle is at the new version.
 * QB_ECONFLICT: a concurrent commit made the change impossible (or retries ran out): nothing is visible.
 * QB_ECOMMIT_UNKNOWN: the outcome is unknown: do not delete the files the change wrote.
 * Thread-safety: one handle, writer or transaction per thread. */
#ifndef QBERG_TABLE_H
#define QBERG_TABLE_H

#include "qberg/catalog.h"
#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/manifest.h"
#include "qberg/parquet.h"
#include "qberg/scan.h"
#include "qberg/schema.h"
#include "qberg/table_metadata.h"
#include "qberg/value.h"

/* ---- data writers ----------------------------------------------------------------------------------- */

/**
 * Routes rows to one Parquet file per partition (the spec's transforms on each row), under
 * data/<partition path>/<uuid>.parquet, rolling to a new file at write.target-file-size-bytes, with the
 * table's write.parquet.* properties (compression-codec, compression-level, row-group-size-bytes,
 * page-size-bytes, page-row-limit, dict-size-bytes) and data_file metrics per write.metadata.metrics.*.
 * Memory: one open file per partition being written (at most max_open_files; the least recently written
 * one is finished beyond that), each bounded by one row group.
 */
typedef struct qb_data_writer qb_data_writer;

typedef struct qb_data_writer_options {
  unsigned version;                /* QB_DATA_WRITER_OPTIONS_VERSION */
  int32_t spec_id;                 /* -1: the table's default spec */
  uint64_t target_file_size_bytes; /* 0: write.target-file-size-bytes (536870912) */
  size_t max_open_files;           /* 0: 64 */
} qb_data_writer_options;

#define QB_DATA_WRITER_OPTIONS_VERSION 1
#define QB_DATA_WRITER_OPTIONS_INIT {QB_DATA_WRITER_OPTIONS_VERSION, -1, 0, 0}

/** A writer for rows of `t`'s current schema. `t` is borrowed until the writer is freed. */
QB_API int qb_data_writer_open(qb_data_writer **out, qb_table *t, const qb_data_writer_options *opts,
                               qb_err *err) QB_WUR;
/**
 * Write one row: a QB_V_STRUCT of the schema's top-level columns in order (kinds as in qberg/value.h;
 * int and long, float and double, and decimals as INT32/INT64/BYTES are converted to the column's type).
 * A row that does not fit the schema is QB_EINVAL naming the column and leaves the writer usable; I/O and
 * memory errors poison it.
 */
QB_API int qb_data_writer_write(qb_data_writer *w, const qb_value *row, qb_err *err) QB_WUR;
/**
 * Write `n_rows` rows given column by column (the columnar path: no qb_value per cell). cols[i] feeds the
 * schema's top-level column i; every top-level column must be primitive (else QB_EINVAL naming it). Values
 * are laid out as qb_pq_writer_write_batch takes them, in the column's Parquet physical type: int and date
 * int32_t; long, time and timestamps int64_t; float, double; boolean uint8_t; string and binary bytes with
 * n_rows + 1 offsets; uuid and fixed their bytes; decimals int32_t (precision ≤ 9), int64_t (≤ 18) or 16
 * big-endian bytes. Rows may belong to different partitions: each run of rows whose partition source values
 * are equal goes to its partition's file in one call, so a batch of one partition (or of a few long runs) is
 * the fast case. Files roll at the target size as with qb_data_writer_write, and the files, rows, column
 * statistics and data_file metrics equal what writing the same rows one by one gives (row groups and pages
 * may be cut at other rows). Rows declared repeats (qb_pq_column_batch.repeats) hold no value of their own,
 * also where a partition run or a file starts on one. A batch that fails the checks (nulls in a required
 * column, bad offsets) is QB_EINVAL and nothing of it is written; I/O and memory errors poison the writer.
 */
QB_API int qb_data_writer_write_batch(qb_data_writer *w, const qb_pq_column_batch *cols, size_t n_rows,
                                      qb_err *err) QB_WUR;
/**
 * Take rows and batches laid out in `input`'s top-level columns from now on, instead of the table's current
 * schema's: columns are matched by field id, so a writer whose rows follow an older schema of the table
 * (a column added, renamed, moved or dropped since) writes each value into the column it belongs to.
 * - A column of the table that `input` lacks (added since) is written as null; QB_EINVAL if it is required.
 * - A column of `input` that the table lacks (dropped since) is not written.
 * - A column both have must have the same type, else QB_EINVAL naming it and both types. Nested types need
 *   the same shape only: their inner field ids, names and requiredness may differ (another engine numbers
 *   them its own way); each value is checked against the table's type as it is written.
 * The files are still written in the table's current schema (its names, order and field ids). Batches for
 * a table that has gained a nested column (which the batch path cannot write) are written row by row, that
 * column null. `input` is not kept; NULL returns to the table's schema. Before the first write (QB_EINVAL
 * after).
 */
QB_API int qb_data_writer_set_input_schema(qb_data_writer *w, const qb_schema *input, qb_err *err) QB_WUR;
/** Finish every open file. After QB_OK the files are listed by qb_data_writer_file. */
QB_API int qb_data_writer_close(qb_data_writer *w, qb_err *err) QB_WUR;
/** Files finished so far (all of them after close), in the order they were finished. Borrowed. */
QB_API size_t qb_data_writer_n_files(const qb_data_writer *w);
QB_API const qb_data_file *qb_data_writer_file(const qb_data_writer *w, size_t i);
/** Rows written so far. */
QB_API uint64_t qb_data_writer_rows(const qb_data_writer *w);
/** Free the writer; files it finished stay (they are the caller's to commit). NULL-safe. */
QB_API void qb_data_writer_free(qb_data_writer *w);
/** Free the writer and delete every file it wrote (best effort). NULL-safe. */
QB_API void qb_data_writer_abort(qb_data_writer *w);

/* ---- transactions: one snapshot each ------------------------------------------------------------------ */

typedef enum qb_txn_op {
  QB_TXN_APPEND = 1,         /* add data files; merges small manifests once commit.manifest.min-count-to-merge
                                (100) of a spec accumulate, if commit.manifest-merge.enabled (Java MergeAppend) */
  QB_TXN_FAST_APPEND,        /* add data files: one new manifest, the parent's manifests kept (Java FastAppend) */
  QB_TXN_OVERWRITE,          /* remove files (listed, or whose rows all match a filter) and add files */
  QB_TXN_DELETE,             /* remove files (listed, or whose rows all match a filter) */
  QB_TXN_REPLACE_PARTITIONS, /* add files and remove every live file in their partitions (dynamic overwrite) */
  QB_TXN_REWRITE,            /* replace files by files holding the same rows (compaction) */
  QB_TXN_ROW_DELTA           /* add data files and position/equality delete files */
} qb_txn_op;

/** A pending snapshot. A transaction that hit an error is poisoned: later calls return the first error. */
typedef struct qb_txn qb_txn;

typedef struct qb_txn_options {
  unsigned version;   /* QB_TXN_OPTIONS_VERSION */
  const char *branch; /* commit to this branch (NULL: main); it is created at the new snapshot if absent */
  /**
   * Overwrite and replace-partitions: fail with QB_ECONFLICT when a concurrent commit (since the snapshot
   * this transaction started from) added data files that the filter or the replaced partitions may cover
   * (Java validateNoConflictingData, serializable isolation). Default true.
   */
  bool check_concurrent_adds;
} qb_txn_options;

#define QB_TXN_OPTIONS_VERSION 1
#define QB_TXN_OPTIONS_INIT {QB_TXN_OPTIONS_VERSION, NULL, true}

/** What a commit did. */
typedef struct qb_txn_result {
  int64_t snapshot_id;
  int64_t sequence_number;
  int64_t version;        /* the metadata version published */
  int attempts;           /* commit attempts (1 = no concurrent commit intervened) */
  uint64_t added_files, removed_files, added_records, removed_records;
  uint64_t manifests_written; /* manifests written by the last attempt (the list not counted) */
} qb_txn_result;

/** Start a transaction on the version `t` is at. `t` is borrowed until commit or abort. `opts` may be NULL. */
QB_API int qb_txn_begin(qb_txn **out, qb_table *t, qb_txn_op op, const qb_txn_options *opts, qb_err *err) QB_WUR;
/** Write a row through the transaction's own data writer (opened on first use with default options); its
 * files are added at commit. Appends, overwrites, replace-partitions, rewrites and row deltas. */
QB_API int qb_txn_write(qb_txn *txn, const qb_value *row, qb_err *err) QB_WUR;
/** qb_data_writer_write_batch through the transaction's data writer (see qb_txn_write). */
QB_API int qb_txn_write_batch(qb_txn *txn, const qb_pq_column_batch *cols, size_t n_rows, qb_err *err) QB_WUR;
/**
 * Rows and batches written through the transaction follow `schema`, matched to the table's current schema
 * by field id (qb_data_writer_set_input_schema: added columns written as null, dropped ones not written, a
 * changed type QB_EINVAL). For a writer built against a fixed schema (a pipeline) while users may evolve
 * the table. Checked at once; before the transaction's first write. `schema` is copied.
 */
QB_API int qb_txn_set_write_schema(qb_txn *txn, const qb_schema *schema, qb_err *err) QB_WUR;
/** Add a data file (or, for QB_TXN_ROW_DELTA, a delete file) written elsewhere, partitioned by spec
 * `spec_id` (-1: the table's default spec); copied. */
QB_API int qb_txn_add_file(qb_txn *txn, const qb_data_file *f, int32_t spec_id, qb_err *err) QB_WUR;
/** Remove the live file recorded as `path` (overwrite, delete, rewrite). If it is no longer live when
 * the commit applies, the commit fails with QB_ECONFLICT. */
QB_API int qb_txn_remove_file(qb_txn *txn, const char *path, qb_err *err) QB_WUR;
/**
 * Delete the rows matching `filter` (overwrite, delete; Java overwriteByRowFilter / deleteFromRowFilter,
 * copy-on-write): files whose rows all match are removed (decided from partition values when the filter
 * only reads identity-partitioned columns, else by reading the candidate files with their deletes), files
 * where only some match are rewritten without them in the same partition and spec (the commit then adds
 * files), rows where the filter is null are kept. Concurrent commits that removed a rewritten file, added
 * deletes for it, or added files the filter may match fail the commit with QB_ECONFLICT. `filter` is copied.
 */
QB_API int qb_txn_remove_where(qb_txn *txn, const qb_expr *filter, qb_err *err) QB_WUR;
/** An extra snapshot summary entry (e.g. "batch-id"). */
QB_API int qb_txn_set_summary(qb_txn *txn, const char *key, const char *value, qb_err *err) QB_WUR;
/** Also point tag `name` at the new snapshot in the same commit (replacing an existing tag of that name,
 * which keeps its max-ref-age-ms unless one is given). max_ref_age_ms: -1 for none (or the existing tag's). */
QB_API int qb_txn_tag(qb_txn *txn, const char *name, int64_t max_ref_age_ms, qb_err *err) QB_WUR;
/**
 * Write the manifests and the manifest list, and commit the snapshot with optimistic concurrency: after a
 * lost race the change is re-validated on the new version (appends never conflict; removed files must
 * still be live; rewrites fail if delete files were added for the rewritten files) and re-applied, reusing
 * the manifests of added files. Frees `txn` in every case; on failures other than QB_ECOMMIT_UNKNOWN the
 * files the transaction wrote are deleted. `out` may be NULL.
 */
QB_API int qb_txn_commit(qb_txn *txn, qb_txn_result *out, qb_err *err) QB_WUR;
/** Drop the transaction and delete the files it wrote. NULL-safe. */
QB_API void qb_txn_abort(qb_txn *txn);

/**
 * The pipeline's path: append `n` rows (QB_V_STRUCTs of the current schema) to `t` through the
 * partitioned writer and commit them as one snapshot, tagged `tag` (NULL: no tag) in the same commit.
 */
QB_API int qb_table_append_rows(qb_table *t, const qb_value *rows, size_t n, const char *tag, qb_txn_result *out,
                                qb_err *err) QB_WUR;

/** A source of rows: sets *row to the next one (valid until the next call), or NULL at the end. */
typedef int (*qb_row_source_fn)(void *ctx, const qb_value **row, qb_err *err);

/**
 * Append every row `next` produces (streamed: memory stays bounded by the open files' row groups, plus an
 * entry of about 1 KB per file written until the commit) as one
 * snapshot, tagged `tag` (NULL: no tag) in the same commit. An error from `next` aborts the transaction
 * and deletes the files written so far.
 */
QB_API int qb_table_append_stream(qb_table *t, qb_row_source_fn next, void *ctx, const char *tag, qb_txn_result *out,
                                  qb_err *err) QB_WUR;

/* ---- schema evolution (Java UpdateSchema) --------------------------------------------------------------- */

typedef struct qb_schema_change qb_schema_change;

/** Start changing the current schema of `t` (borrowed until commit or abort). Columns are named by their
 * full dotted names. The changes apply in order; an invalid one is QB_EINVAL and poisons the change. */
QB_API int qb_schema_change_begin(qb_schema_change **out, qb_table *t, qb_err *err) QB_WUR;
/**
 * Add an optional column `name` to struct `parent` (NULL: top level). `type` may be nested: its field
 * ids are ignored and fresh ids assigned from last-column-id. Existing data reads as null.
 */
QB_API int qb_schema_add_column(qb_schema_change *c, const char *parent, const char *name, const qb_type *type,
                                const char *doc, qb_err *err) QB_WUR;
QB_API int qb_schema_rename_column(qb_schema_change *c, const char *name, const char *new_name, qb_err *err) QB_WUR;
/** Drop a column (not an identifier field, not a source of the default partition spec). */
QB_API int qb_schema_drop_column(qb_schema_change *c, const char *name, qb_err *err) QB_WUR;
/** Widen a primitive column: int→long, float→double, decimal(P,S)→decimal(P',S) with P' > P. */
QB_API int qb_schema_widen_column(qb_schema_change *c, const char *name, const qb_type *type, qb_err *err) QB_WUR;
QB_API int qb_schema_make_optional(qb_schema_change *c, const char *name, qb_err *err) QB_WUR;
/** Move `name` within its struct: first (after == NULL) or right after sibling `after`. */
QB_API int qb_schema_move_column(qb_schema_change *c, const char *name, const char *after, qb_err *err) QB_WUR;
/** Commit the new schema as current. QB_ECONFLICT if another writer changed the schema meanwhile.
 * Frees `c` in every case. */
QB_API int qb_schema_change_commit(qb_schema_change *c, qb_commit_info *info, qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_schema_change_abort(qb_schema_change *c);

/* ---- partition spec evolution (Java UpdatePartitionSpec) ----------------------------------------------- */

typedef struct qb_spec_change qb_spec_change;

/** Start from the default spec of `t` (borrowed until commit or abort). */
QB_API int qb_spec_change_begin(qb_spec_change **out, qb_table *t, qb_err *err) QB_WUR;
/**
 * Add a partition field: `transform` of column `source` (dotted name); `name` NULL takes Java's default
 * (source for identity, source_bucket, source_trunc, source_year/month/day/hour).
 */
QB_API int qb_spec_add_field(qb_spec_change *c, const char *source, const qb_transform *transform, const char *name,
                             qb_err *err) QB_WUR;
QB_API int qb_spec_remove_field(qb_spec_change *c, const char *name, qb_err *err) QB_WUR;
/** Commit the new spec as the default (a new spec id; an equal existing spec is reused). QB_ECONFLICT if
 * the default spec changed meanwhile. Frees `c`. */
QB_API int qb_spec_change_commit(qb_spec_change *c, qb_commit_info *info, qb_err *err) QB_WUR;
QB_API void qb_spec_change_abort(qb_spec_change *c);
/** Parse "day(ts)", "bucket(16, id)", "truncate(4,name)", "identity(x)" or a bare column name (identity):
 * *source points into `text` (it is `text` modified in place: the ')' is replaced by NUL). */
QB_API int qb_spec_parse_field(qb_transform *tr, char **source, char *text, qb_err *err) QB_WUR;

/* ---- refs: tags and branches --------------------------------------------------------------------------- */

/**
 * Create or move a tag or branch (Java ManageSnapshots). `ref->snapshot_id` -1 means the current snapshot;
 * retention fields -1 are unset (tags take only max_ref_age_ms). An existing ref of that name is an error
 * (QB_EEXISTS) unless `replace`, which moves it keeping the retention fields left -1 (as Java's
 * replaceBranch/replaceTag); "main" can only be a branch.
 */
QB_API int qb_table_set_ref(qb_table *t, const qb_ref *ref, bool replace, qb_commit_info *info, qb_err *err) QB_WUR;
/** Remove a tag or branch other than main. QB_ENOTFOUND if absent. */
QB_API int qb_table_remove_ref(qb_table *t, const char *name, qb_commit_info *info, qb_err *err) QB_WUR;

#endif
