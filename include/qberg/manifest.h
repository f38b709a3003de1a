/* SPDX-License-Identifier: Apache-2.0 */
/* Iceberg manifests and manifest lists (spec "Manifests", "Manifest Lists", Appendix A/B): data files with
 * their metrics, manifest entries with snapshot id / sequence number inheritance, partition summaries.
 * Reads v1 and v2 files written by any engine (fields resolved by field id), writes v2 with Java's exact
 * Avro schemas and metadata. Reading and writing stream one entry at a time (bounded memory).
 *
 * Absent values: an optional long or int that is null in the file is QB_UNASSIGNED (-1, never a valid
 * snapshot id, sequence number, count or sort order id); an optional array is a NULL pointer (a present but
 * empty array has a non-NULL pointer and n == 0); optional bytes are a qb_slice with p == NULL.
 * Thread-safety: readers and writers are used by one thread at a time; distinct ones run concurrently. */
#ifndef QBERG_MANIFEST_H
#define QBERG_MANIFEST_H

#include "qberg/avro.h"
#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/fileio.h"
#include "qberg/parquet.h"
#include "qberg/schema.h"
#include "qberg/table_metadata.h"
#include "qberg/value.h"

/** Null / not yet assigned (Java's ManifestWriter.UNASSIGNED_SEQ and null Long fields). */
#define QB_UNASSIGNED (-1)

/** data_file.content */
typedef enum { QB_CONTENT_DATA = 0, QB_CONTENT_POSITION_DELETES = 1, QB_CONTENT_EQUALITY_DELETES = 2 } qb_file_content;
/** manifest_file.content and the manifest's "content" metadata ("data" / "deletes"). */
typedef enum { QB_MANIFEST_DATA = 0, QB_MANIFEST_DELETES = 1 } qb_manifest_content;
/** manifest_entry.status */
typedef enum { QB_ENTRY_EXISTING = 0, QB_ENTRY_ADDED = 1, QB_ENTRY_DELETED = 2 } qb_entry_status;

/* ---- data files ------------------------------------------------------------------------------------ */

/** One entry of a metrics map keyed by field id (column_sizes, value_counts, …). */
typedef struct qb_column_count {
  int32_t field_id;
  int64_t value;
} qb_column_count;

/** One entry of lower_bounds / upper_bounds: the single-value binary serialisation (qb_bound_decode). */
typedef struct qb_column_bound {
  int32_t field_id;
  qb_slice value;
} qb_column_bound;

typedef struct qb_counts {
  size_t n;
  const qb_column_count *items; /* NULL: the map is absent */
} qb_counts;

typedef struct qb_bounds {
  size_t n;
  const qb_column_bound *items; /* NULL: the map is absent */
} qb_bounds;

/** The data_file struct (spec "Manifests", field ids 100-143). All pointers are borrowed from the owner. */
typedef struct qb_data_file {
  qb_file_content content;
  const char *file_path;
  const char *file_format; /* as written: Java writes "PARQUET", Rust/DuckDB "parquet"; compare ignoring case */
  /**
   * The partition tuple: QB_V_STRUCT with one item per partition field, in spec order (QB_V_NULL for null).
   * Kinds follow the field's result type as in qberg/value.h; decimals are QB_V_BYTES (big-endian
   * unscaled), uuid and fixed QB_V_BYTES. Writers also accept QB_V_INT32/INT64 decimals.
   */
  qb_value partition;
  int64_t record_count;
  int64_t file_size_in_bytes;
  qb_counts column_sizes;      /* bytes on disk per column (field id of a leaf) */
  qb_counts value_counts;      /* values including nulls and NaN */
  qb_counts null_value_counts;
  qb_counts nan_value_counts;
  qb_bounds lower_bounds;
  qb_bounds upper_bounds;
  qb_slice key_metadata;       /* p == NULL: absent */
  size_t n_split_offsets;
  const int64_t *split_offsets; /* NULL: absent */
  size_t n_equality_ids;
  const int32_t *equality_ids;  /* NULL: absent; required for equality deletes */
  int32_t sort_order_id;        /* QB_UNASSIGNED: absent */
  const char *referenced_data_file; /* NULL: absent (position deletes of one data file name it) */
} qb_data_file;

/** The value for `field_id` in a metrics map; false when the map is absent or lacks it. */
QB_API bool qb_counts_get(const qb_counts *c, int32_t field_id, int64_t *out);
QB_API bool qb_bounds_get(const qb_bounds *b, int32_t field_id, qb_slice *out);

/** A deep copy owning all of its memory; free with qb_data_file_free. */
QB_API int qb_data_file_copy(qb_data_file **out, const qb_data_file *src, qb_err *err) QB_WUR;
/** Only for data files from qb_data_file_copy / qb_data_file_from_parquet. NULL-safe. */
QB_API void qb_data_file_free(qb_data_file *f);
/** Field-by-field equality (absent and empty maps differ). */
QB_API bool qb_data_file_equal(const qb_data_file *a, const qb_data_file *b);

/* ---- metrics from a Parquet file (Java MetricsConfig, ParquetMetrics) ------------------------------- */

typedef enum { QB_METRICS_NONE = 0, QB_METRICS_COUNTS, QB_METRICS_TRUNCATE, QB_METRICS_FULL } qb_metrics_kind;

typedef struct qb_metrics_mode {
  qb_metrics_kind kind;
  int32_t length; /* QB_METRICS_TRUNCATE: code points (strings) / bytes (binary) kept in bounds */
} qb_metrics_mode;

/** Parse "none", "counts", "full", "truncate(N)" (case-insensitive, N > 0) as Java's MetricsModes. */
QB_API int qb_metrics_mode_parse(qb_metrics_mode *out, const char *s, qb_err *err) QB_WUR;

/** Per-column metrics modes of a table (Java MetricsConfig.forTable). */
typedef struct qb_metrics_config qb_metrics_config;

/**
 * Resolve the modes for `schema` from table properties: write.metadata.metrics.default (default
 * truncate(16); unparsable values fall back to it, as Java does), write.metadata.metrics.column.<name>,
 * write.metadata.metrics.max-inferred-column-defaults (100: without an explicit default, only the first
 * 100 primitive columns in Java's order get truncate(16), the others none), and columns of `order` sorted
 * by an order-preserving transform get at least truncate(16). `order` may be NULL.
 */
QB_API int qb_metrics_config_new(qb_metrics_config **out, const qb_schema *schema, const qb_kv *properties,
                                 size_t n_properties, const qb_sort_order *order, qb_err *err) QB_WUR;
QB_API qb_metrics_mode qb_metrics_config_mode(const qb_metrics_config *c, int32_t field_id);
/** NULL-safe. */
QB_API void qb_metrics_config_free(qb_metrics_config *c);

/**
 * A data file (content data, format "PARQUET") for a Parquet file written with qberg's writer:
 * record_count, file size, split offsets, and per leaf column (by field id) column_sizes, value_counts,
 * null_value_counts, nan_value_counts (float/double) and bounds converted to Iceberg's single-value
 * serialisation and truncated per the column's mode. Leaves inside a list or map get a column size only
 * (Java: repeated fields have no counts or bounds); columns without field id or unknown to `schema`
 * (and INT96 bounds) are skipped. The result owns copies of `path` and `partition` (a QB_V_STRUCT, one
 * item per spec field, or NULL for an unpartitioned table) and may be edited (content, equality_ids,
 * sort_order_id) before it is added to a manifest.
 * @param cfg  NULL: truncate(16) for every column
 */
QB_API int qb_data_file_from_parquet(qb_data_file **out, const qb_pq_write_result *res, const char *path,
                                     const qb_value *partition, const qb_schema *schema,
                                     const qb_metrics_config *cfg, qb_err *err) QB_WUR;

/* ---- manifest entries and manifest list entries -------------------------------------------------------- */

typedef struct qb_manifest_entry {
  qb_entry_status status;
  int64_t snapshot_id;          /* after inheritance; QB_UNASSIGNED when null and nothing to inherit */
  int64_t sequence_number;      /* data sequence number, after inheritance */
  int64_t file_sequence_number; /* after inheritance */
  qb_data_file data_file;
} qb_manifest_entry;

/** One partition field's summary over every entry of a manifest (deleted ones included, as Java). */
typedef struct qb_partition_field_summary {
  bool contains_null;
  int8_t contains_nan; /* 1, 0, or QB_UNASSIGNED when absent (v1 writers) */
  qb_slice lower_bound; /* p == NULL: absent; binary serialisation of the field's result type */
  qb_slice upper_bound;
} qb_partition_field_summary;

/** The manifest_file struct of manifest lists (spec "Manifest Lists", field ids 500-519). */
typedef struct qb_manifest_file {
  const char *manifest_path;
  int64_t manifest_length;     /* QB_UNASSIGNED for v1 inline manifests (unknown) */
  int32_t partition_spec_id;
  qb_manifest_content content;
  int64_t sequence_number;     /* 0 in v1; QB_UNASSIGNED until a list writer assigns the commit's */
  int64_t min_sequence_number;
  int64_t added_snapshot_id;
  int32_t added_files_count, existing_files_count, deleted_files_count; /* QB_UNASSIGNED: absent (v1) */
  int64_t added_rows_count, existing_rows_count, deleted_rows_count;
  size_t n_partitions;
  const qb_partition_field_summary *partitions; /* NULL: absent */
  qb_slice key_metadata;
} qb_manifest_file;

/** A deep copy in one allocation; free with qb_manifest_file_free. */
QB_API int qb_manifest_file_copy(qb_manifest_file **out, const qb_manifest_file *src, qb_err *err) QB_WUR;
/** Only for manifest files from qb_manifest_file_copy / qb_manifest_writer_close. NULL-safe. */
QB_API void qb_manifest_file_free(qb_manifest_file *m);

/* ---- reading manifests ------------------------------------------------------------------------------- */

typedef struct qb_manifest_reader qb_manifest_reader;

typedef struct qb_manifest_read_options {
  unsigned version; /* QB_MANIFEST_READ_OPTIONS_VERSION */
  /**
   * The manifest list entry the manifest came from (borrowed, read at open). Null snapshot ids inherit
   * its added_snapshot_id; null sequence numbers of ADDED entries inherit its sequence_number, and of every
   * entry when that is 0 (v1 lists). NULL: nothing is inherited, except that v1 manifests (no sequence
   * number fields) read as sequence number 0.
   */
  const qb_manifest_file *manifest;
  /**
   * The partition spec and the table schema holding its source columns (both borrowed, must outlive the
   * reader): partition values are read as the spec's result types. NULL (either): the spec is taken from
   * the file's "partition-spec" metadata and the value types from the file's own partition record.
   */
  const qb_partition_spec *spec;
  const qb_schema *schema;
} qb_manifest_read_options;

#define QB_MANIFEST_READ_OPTIONS_VERSION 1
#define QB_MANIFEST_READ_OPTIONS_INIT {QB_MANIFEST_READ_OPTIONS_VERSION, NULL, NULL, NULL}

/**
 * Open a manifest (v1 or v2, any codec) and check its header. Fields are matched by field id (else by
 * name), so the layouts of Java, Spark, PyIceberg, Rust, Go and DuckDB all read.
 * @return QB_OK; QB_ENOTFOUND; QB_ECORRUPT (not an Avro file, not a manifest: the message says what the
 *         file holds, e.g. a manifest list; bad partition-spec metadata); QB_EUNSUPPORTED (format-version 3+);
 *         QB_EINVAL (the given spec is not the one the file names, or does not fit its partition record); QB_EIO
 */
QB_API int qb_manifest_reader_open(qb_manifest_reader **out, qb_fileio *io, const char *path,
                                   const qb_manifest_read_options *opts, qb_err *err) QB_WUR;
/**
 * The next entry (DELETED ones included: check status), after inheritance; *out is NULL at the end.
 * Borrowed: valid until the next call or close. Errors name the file, block and record.
 * @return QB_OK, QB_ECORRUPT (e.g. a status outside 0..2, a negative record count), QB_EIO, QB_ENOMEM
 */
QB_API int qb_manifest_reader_next(const qb_manifest_entry **out, qb_manifest_reader *r, qb_err *err) QB_WUR;
/** 1 or 2: the "format-version" metadata, else 1 for files without sequence number fields, else 2. */
QB_API int qb_manifest_reader_format_version(const qb_manifest_reader *r);
QB_API qb_manifest_content qb_manifest_reader_content(const qb_manifest_reader *r);
/** The partition spec entries are decoded with (given, or from the metadata with the file's spec id). */
QB_API const qb_partition_spec *qb_manifest_reader_spec(const qb_manifest_reader *r);
/** The partition tuple's struct type: partition field ids, names and result types. */
QB_API const qb_type *qb_manifest_reader_partition_type(const qb_manifest_reader *r);
/** The given schema, else the file's "schema" metadata, else NULL. */
QB_API const qb_schema *qb_manifest_reader_schema(const qb_manifest_reader *r);
/** NULL-safe. */
QB_API void qb_manifest_reader_close(qb_manifest_reader *r);

/* ---- reading manifest lists ------------------------------------------------------------------------------ */

typedef struct qb_manifest_list_reader qb_manifest_list_reader;

/**
 * Open a manifest list (v1 or v2). v1 entries read with sequence numbers 0, content data, and absent
 * counts as QB_UNASSIGNED.
 * @return QB_OK; QB_ENOTFOUND; QB_ECORRUPT (not a manifest list); QB_EUNSUPPORTED (format-version 3+); QB_EIO
 */
QB_API int qb_manifest_list_reader_open(qb_manifest_list_reader **out, qb_fileio *io, const char *path,
                                        qb_err *err) QB_WUR;
/**
 * The manifests of `snapshot`: its manifest list, or for a v1 snapshot with inline "manifests" those paths
 * as Java reads them (spec id 0, added by the snapshot, sequence numbers 0, length and counts unknown).
 * `snapshot` is borrowed until close.
 */
QB_API int qb_manifest_list_reader_open_snapshot(qb_manifest_list_reader **out, qb_fileio *io,
                                                 const qb_snapshot *snapshot, qb_err *err) QB_WUR;
/** The next manifest_file; *out NULL at the end. Borrowed until the next call or close. */
QB_API int qb_manifest_list_reader_next(const qb_manifest_file **out, qb_manifest_list_reader *r,
                                        qb_err *err) QB_WUR;
/** 1 or 2 (inline manifests: 1). */
QB_API int qb_manifest_list_reader_format_version(const qb_manifest_list_reader *r);
/** The "snapshot-id", "parent-snapshot-id", "sequence-number" metadata; QB_UNASSIGNED when absent or "null". */
QB_API int64_t qb_manifest_list_reader_snapshot_id(const qb_manifest_list_reader *r);
QB_API int64_t qb_manifest_list_reader_parent_snapshot_id(const qb_manifest_list_reader *r);
QB_API int64_t qb_manifest_list_reader_sequence_number(const qb_manifest_list_reader *r);
/** NULL-safe. */
QB_API void qb_manifest_list_reader_close(qb_manifest_list_reader *r);

/* ---- writing ---------------------------------------------------------------------------------------------- */

typedef struct qb_manifest_write_options {
  unsigned version;    /* QB_MANIFEST_WRITE_OPTIONS_VERSION */
  qb_avro_codec codec; /* default deflate, as Java (write.avro.compression-codec gzip) */
  int level;           /* 0: the codec's default */
  /* version 2: publish with QB_CREATE_EXCLUSIVE_BATCHED (locally no directory fsync): the caller publishes
   * a file durably through the same FileIO before anything refers to this one (a commit's version file after
   * its manifests and manifest list); false: QB_CREATE_EXCLUSIVE */
  bool batched;
} qb_manifest_write_options;

#define QB_MANIFEST_WRITE_OPTIONS_VERSION 2
#define QB_MANIFEST_WRITE_OPTIONS_INIT {QB_MANIFEST_WRITE_OPTIONS_VERSION, QB_AVRO_CODEC_DEFLATE, 0, false}

typedef struct qb_manifest_writer qb_manifest_writer;

/**
 * Start a v2 manifest at `path` (created exclusively: QB_EEXISTS if it exists). The Avro schema is Java's
 * V2Metadata schema with the partition record r102 built from `spec` over `schema`; the metadata keys are
 * "schema", "partition-spec", "partition-spec-id", "format-version" ("2"), "content" and "iceberg.schema".
 * @param schema       the table schema (borrowed for the writer's life)
 * @param spec         borrowed for the writer's life; every transform must apply to its source column
 * @param snapshot_id  the committing snapshot, written into ADDED and DELETED entries (QB_UNASSIGNED: null,
 *                     inherited from the list entry on read)
 * @param opts         NULL: defaults
 */
QB_API int qb_manifest_writer_open(qb_manifest_writer **out, qb_fileio *io, const char *path, const qb_schema *schema,
                                   const qb_partition_spec *spec, qb_manifest_content content, int64_t snapshot_id,
                                   const qb_manifest_write_options *opts, qb_err *err) QB_WUR;
/** Add `f` as an ADDED entry whose sequence numbers are inherited from the commit. */
QB_API int qb_manifest_writer_add(qb_manifest_writer *w, const qb_data_file *f, qb_err *err) QB_WUR;
/**
 * Append an entry as Java's ManifestWriter: ADDED takes the writer's snapshot id and keeps e's data sequence
 * number if assigned (file sequence number null); EXISTING keeps e's snapshot id and both sequence numbers
 * (which must be assigned); DELETED takes the writer's snapshot id and keeps e's sequence numbers.
 * An entry that does not fit (a content that does not match the manifest's, a partition value of the wrong
 * kind) is QB_EINVAL and leaves the manifest as it was; I/O errors poison the writer.
 */
QB_API int qb_manifest_writer_append(qb_manifest_writer *w, const qb_manifest_entry *e, qb_err *err) QB_WUR;
/**
 * Finish and publish the manifest; frees `w` in every case. *out (may be NULL) gets its manifest_file for
 * the list: path, length, spec id, content, sequence_number QB_UNASSIGNED, min_sequence_number (lowest
 * assigned data sequence number of live entries, else QB_UNASSIGNED), added_snapshot_id, counts and
 * partition summaries. Free it with qb_manifest_file_free.
 */
QB_API int qb_manifest_writer_close(qb_manifest_file **out, qb_manifest_writer *w, qb_err *err) QB_WUR;
/** Discard: nothing is published. NULL-safe. */
QB_API void qb_manifest_writer_abort(qb_manifest_writer *w);

typedef struct qb_manifest_list_writer qb_manifest_list_writer;

/**
 * Start a v2 manifest list at `path` (created exclusively) with Java's schema and metadata "snapshot-id",
 * "parent-snapshot-id" (the string "null" when `parent_snapshot_id` is QB_UNASSIGNED), "sequence-number",
 * "format-version" ("2") and "iceberg.schema".
 */
QB_API int qb_manifest_list_writer_open(qb_manifest_list_writer **out, qb_fileio *io, const char *path,
                                        int64_t snapshot_id, int64_t parent_snapshot_id, int64_t sequence_number,
                                        const qb_manifest_write_options *opts, qb_err *err) QB_WUR;
/**
 * Append a manifest. Unassigned sequence_number / min_sequence_number take the list's sequence number, which
 * is only allowed for manifests added by this snapshot (else QB_EINVAL, as Java's precondition). v1 entries
 * with absent counts are refused (QB_EINVAL): v2 requires them.
 */
QB_API int qb_manifest_list_writer_append(qb_manifest_list_writer *w, const qb_manifest_file *m, qb_err *err) QB_WUR;
/** Finish and publish; frees `w` in every case. */
QB_API int qb_manifest_list_writer_close(qb_manifest_list_writer *w, qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_manifest_list_writer_abort(qb_manifest_list_writer *w);

/* ---- JSON (CLI, tests) -------------------------------------------------------------------------------------- */

/**
 * An entry as one JSON object with the Avro field names of the v2 schema: {"status":1,"snapshot_id":…,
 * "sequence_number":…,"file_sequence_number":…,"data_file":{"content":0,"file_path":…,"partition":{"name":v},
 * …}}. Absent values are null, metrics maps are arrays of {"key","value"}, bytes are {"$hex":"…"}, longs exact.
 * `partition_type` (qb_manifest_reader_partition_type) names the partition fields. *out is malloc'd.
 */
QB_API int qb_manifest_entry_to_json(char **out, size_t *out_n, const qb_manifest_entry *e,
                                     const qb_type *partition_type, qb_err *err) QB_WUR;
/** A manifest_file as one JSON object with the v2 Avro field names. *out is malloc'd. */
QB_API int qb_manifest_file_to_json(char **out, size_t *out_n, const qb_manifest_file *m, qb_err *err) QB_WUR;

#endif
