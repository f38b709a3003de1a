/* SPDX-License-Identifier: Apache-2.0 */
/* Reading Iceberg tables (spec "Scan Planning", "Snapshot Reference", "Sequence numbers"): filter
 * expressions, snapshot selection (id, branch, tag, timestamp), pruning of manifests and data files,
 * v2 position and equality deletes, projection by field id, rows streamed one row group at a time;
 * and the text forms of values and rows (CLI, tests). See docs/TABLES.md. */
#ifndef QBERG_SCAN_H
#define QBERG_SCAN_H

#include "qberg/catalog.h"
#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/manifest.h"
#include "qberg/schema.h"
#include "qberg/table_metadata.h"
#include "qberg/value.h"

/* ---- filter expressions -------------------------------------------------------------------------- */

typedef enum qb_expr_op {
  QB_EXPR_TRUE = 1,
  QB_EXPR_FALSE,
  QB_EXPR_AND,
  QB_EXPR_OR,
  QB_EXPR_NOT,
  QB_EXPR_IS_NULL,
  QB_EXPR_NOT_NULL,
  QB_EXPR_IS_NAN,
  QB_EXPR_NOT_NAN,
  QB_EXPR_EQ,
  QB_EXPR_NE,
  QB_EXPR_LT,
  QB_EXPR_LE,
  QB_EXPR_GT,
  QB_EXPR_GE,
  QB_EXPR_IN,
  QB_EXPR_NOT_IN
} qb_expr_op;

/** An unbound filter: column names and literals, bound to a schema when a scan starts. Owned by whoever
 * created it (qb_expr_free); qb_expr_and/or/not take ownership of their operands. */
typedef struct qb_expr qb_expr;

/**
 * Parse the filter language of `qberg scan --where`:
 *   expr  := or ;  or := and ('OR' and)* ;  and := unary ('AND' unary)* ;  unary := 'NOT' unary | primary
 *   primary := '(' expr ')' | 'TRUE' | 'FALSE' | column op literal | column ['NOT'] 'IN' '(' literal, ... ')'
 *            | column 'IS' ['NOT'] 'NULL' | column 'IS' ['NOT'] 'NAN'
 *   op := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
 *   column := name ('.' name)* | "quoted name" ;  literal := number | 'string' | TRUE | FALSE
 * Keywords are case-insensitive. Strings bind to dates, times, timestamps, uuids and decimals by the
 * column's type ('2024-01-31', '2024-01-31T10:00:00', '2024-01-31 10:00:00+00:00').
 * QB_EINVAL names the offending position ("at offset 7: expected a literal").
 */
QB_API int qb_expr_parse(qb_expr **out, const char *text, qb_err *err) QB_WUR;
/**
 * A predicate on `column` (dotted name). Literal kinds: QB_V_BOOL, QB_V_INT32/INT64, QB_V_FLOAT/DOUBLE,
 * QB_V_STRING (also the text form of dates, timestamps, uuids, decimals), QB_V_BYTES (binary, fixed, uuid).
 * IS_NULL/NOT_NULL/IS_NAN/NOT_NAN take no values, IN/NOT_IN one or more, the comparisons exactly one.
 * The values are copied.
 */
QB_API int qb_expr_predicate(qb_expr **out, qb_expr_op op, const char *column, const qb_value *values,
                             size_t n_values, qb_err *err) QB_WUR;
/** left AND right / left OR right / NOT child: the operands are owned by the result (freed on failure). */
QB_API int qb_expr_and(qb_expr **out, qb_expr *left, qb_expr *right, qb_err *err) QB_WUR;
QB_API int qb_expr_or(qb_expr **out, qb_expr *left, qb_expr *right, qb_err *err) QB_WUR;
QB_API int qb_expr_not(qb_expr **out, qb_expr *child, qb_err *err) QB_WUR;
/** The expression in the parser's language (parses back to the same tree). *out is malloc'd. */
QB_API int qb_expr_to_string(char **out, const qb_expr *e, qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_expr_free(qb_expr *e);

/* ---- scans ----------------------------------------------------------------------------------------- */

typedef struct qb_scan qb_scan;

typedef struct qb_scan_options {
  unsigned version;           /* QB_SCAN_OPTIONS_VERSION */
  /**
   * Which snapshot (at most one of the three; none: the current snapshot of main):
   * `snapshot_id` (QB_UNASSIGNED: unset) reads with that snapshot's schema; `ref` a branch (current schema)
   * or tag (its snapshot's schema); `as_of_ms` (-1: unset) the snapshot that was current on main at that
   * time, from the snapshot log (Java SnapshotUtil.snapshotIdAsOfTime), with its schema.
   */
  int64_t snapshot_id;
  const char *ref;
  int64_t as_of_ms;
  /** Columns to return, by dotted name in the scan's schema (NULL: all top-level columns). */
  const char *const *columns;
  size_t n_columns;
  /** Row filter (borrowed until qb_scan_new returns; NULL: all rows). Rows that do not match are not returned. */
  const qb_expr *filter;
  /** Stop after this many rows (0: no limit). */
  uint64_t limit;
  /**
   * Since version 2. Incremental scan (Java IncrementalAppendScan): only the data files appended by the
   * snapshots after this one (exclusive) up to the scan's snapshot (inclusive), which must descend from it.
   * QB_UNASSIGNED: unset. QB_ENOTFOUND when it is not an ancestor of the scan's snapshot (expired, another
   * branch); QB_EUNSUPPORTED when a snapshot in between is an overwrite or a delete; `replace` snapshots
   * (compaction: no new rows) are passed over. Delete files are not applied: none can apply to files
   * appended in the range. Equal to the scan's snapshot: no rows.
   */
  int64_t after_snapshot_id;
} qb_scan_options;

/* Version 1 (without after_snapshot_id) is still accepted. */
#define QB_SCAN_OPTIONS_VERSION 2
#define QB_SCAN_OPTIONS_INIT {QB_SCAN_OPTIONS_VERSION, QB_UNASSIGNED, NULL, -1, NULL, 0, NULL, 0, QB_UNASSIGNED}

/**
 * Resolve `text` as `qberg scan --as-of` does: a snapshot id of the table, else a ref name, else a
 * timestamp ("2024-01-31T10:00:00[.fff][Z|+hh:mm]", "2024-01-31", or epoch milliseconds up to the end of
 * year 9999) into `opts`. QB_ENOTFOUND when it names nothing of the table, and for a larger number that is
 * no snapshot id of the table (an expired snapshot: never taken for a time, which would read the current one).
 */
QB_API int qb_scan_options_as_of(qb_scan_options *opts, const qb_table_metadata *md, const char *text,
                                 qb_err *err) QB_WUR;

/**
 * Plan a scan of `t` at the version it is loaded at. Nothing is read beyond the manifest list and the
 * delete manifests until rows are asked for. `t` is borrowed: keep it, and do not commit or refresh it,
 * until the scan is freed.
 * @return QB_OK; QB_ENOTFOUND (snapshot, ref, column, or no snapshot at that time); QB_EINVAL (filter does
 *         not bind: unknown column, literal of the wrong type); QB_EUNSUPPORTED; QB_ECORRUPT; QB_EIO
 */
QB_API int qb_scan_new(qb_scan **out, qb_table *t, const qb_scan_options *opts, qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_scan_free(qb_scan *s);
/** The schema rows are read with (snapshot's or current). Borrowed. */
QB_API const qb_schema *qb_scan_table_schema(const qb_scan *s);
/** The struct type of the returned rows: the projected columns, in projection order. Borrowed. */
QB_API const qb_type *qb_scan_row_type(const qb_scan *s);
/** The snapshot read, or -1 for a table without snapshots (no rows). */
QB_API int64_t qb_scan_snapshot_id(const qb_scan *s);

/**
 * The next row (QB_V_STRUCT of qb_scan_row_type's fields; values in qberg/value.h kinds, decimals as their
 * unscaled INT32/INT64 or big-endian BYTES), after deletes and the filter. *row is NULL at the end. The row
 * stays valid until the next call. Data files are read one at a time, one row group at a time.
 * After an error the scan only returns that error.
 */
QB_API int qb_scan_next(const qb_value **row, qb_scan *s, qb_err *err) QB_WUR;

/**
 * The next rows at once, row-major: (*rows)[r * n + i] is field i of row r, n = qb_scan_row_type's field
 * count; *n_rows (at most max_rows, 0: a default of 1024) is 0 at the end. The same rows, values and order
 * as qb_scan_next returns, but a data file whose read columns are all top-level, non-repeated primitives,
 * without deletes, read by a scan without a filter, is read column by column (no row assembly); other
 * files return one row per call. Valid until the next call. Do not mix with qb_scan_next or
 * qb_scan_next_file on one scan.
 */
QB_API int qb_scan_next_rows(const qb_value **rows, size_t *n_rows, qb_scan *s, size_t max_rows, qb_err *err) QB_WUR;

/** One data file the scan will read, with the deletes that apply to it (qb_scan_next_file). */
typedef struct qb_scan_task {
  const qb_manifest_entry *entry;        /* the data file's entry (sequence numbers inherited) */
  int32_t spec_id;
  size_t n_deletes;
  const qb_data_file *const *deletes;    /* position and equality delete files that apply */
} qb_scan_task;

/**
 * Planning without reading data: the next data file that survives pruning. *task is NULL at the end;
 * it stays valid until the next call. Do not mix with qb_scan_next on one scan.
 */
QB_API int qb_scan_next_file(const qb_scan_task **task, qb_scan *s, qb_err *err) QB_WUR;

/** What a scan did so far (EXPLAIN, tests): counts, never timings. */
typedef struct qb_scan_metrics {
  uint64_t manifests_total;         /* data manifests in the snapshot's list */
  uint64_t manifests_skipped;       /* pruned by partition summaries, or holding no live files */
  uint64_t delete_manifests;        /* delete manifests read */
  uint64_t data_files_total;        /* live data files in the manifests that were read */
  uint64_t data_files_pruned_partition; /* by partition values */
  uint64_t data_files_pruned_metrics;   /* by column bounds and counts */
  uint64_t data_files_scanned;      /* returned by planning (read, or to be read) */
  uint64_t delete_files;            /* live delete files of the snapshot */
  uint64_t delete_files_applied;    /* (data file, delete file) pairs applied */
  uint64_t row_groups_read;
  uint64_t row_groups_skipped;      /* by Parquet statistics */
  uint64_t rows_read;               /* rows read from data files */
  uint64_t rows_deleted;            /* removed by position or equality deletes */
  uint64_t rows_filtered;           /* removed by the filter */
  uint64_t rows_returned;
} qb_scan_metrics;

QB_API void qb_scan_get_metrics(const qb_scan *s, qb_scan_metrics *out);

/* ---- values and rows as text ----------------------------------------------------------------------- */

/**
 * A value of type `t` as text: numbers in C locale (longs exact, floats shortest round-trip), dates
 * "2024-01-31", times "10:00:00.123456", timestamps "2024-01-31T10:00:00" (+"+00:00" for timestamptz,
 * fractions only when non-zero), decimals "12.30", uuids lowercase, binary/fixed lowercase hex, strings
 * as they are, null as "null"; structs, lists and maps as JSON. *out is malloc'd.
 */
QB_API int qb_value_to_text(char **out, const qb_type *t, const qb_value *v, qb_err *err) QB_WUR;
/**
 * A row (QB_V_STRUCT of `row_type`'s fields) as one JSON object keyed by field name: booleans and numbers
 * bare (longs exact; NaN and infinities as the strings "NaN", "Infinity", "-Infinity"), everything else as
 * a JSON string of qb_value_to_text, nested values as objects / arrays / {"key":…} objects, null as null.
 * *out is malloc'd (NUL-terminated, *out_n bytes without it).
 */
QB_API int qb_row_to_json(char **out, size_t *out_n, const qb_type *row_type, const qb_value *row,
                          qb_err *err) QB_WUR;

/** Turns JSON objects into rows of a schema (qberg append): one decoder, one row at a time. */
typedef struct qb_row_decoder qb_row_decoder;

/** `schema` is borrowed and must outlive the decoder. */
QB_API int qb_row_decoder_new(qb_row_decoder **out, const qb_schema *schema, qb_err *err) QB_WUR;
/**
 * Parse one JSON object into a row of the schema: members matched to columns by name (nested structs as
 * objects, lists as arrays, maps as objects with string keys or arrays of {"key":…,"value":…}); a missing
 * member is null; numbers and strings convert as the column type wants (strings for dates, timestamps,
 * uuids, decimals; hex for binary and fixed). Unknown members, a null or a missing value in a required
 * column, and values of the wrong type are QB_EINVAL naming the column. *row is valid until the next call.
 */
QB_API int qb_row_decoder_parse(const qb_value **row, qb_row_decoder *d, const char *json, size_t n,
                                qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_row_decoder_free(qb_row_decoder *d);

#endif
