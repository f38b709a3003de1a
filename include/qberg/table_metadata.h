/* SPDX-License-Identifier: Apache-2.0 */
/* Iceberg table metadata (spec "Table Metadata", "Snapshots", "Snapshot References"): read v1 and v2
 * metadata JSON, write v2 exactly as Java's TableMetadataParser, and derive new metadata with a builder.
 *
 * A qb_table_metadata is immutable. Every pointer a getter returns is borrowed and stays valid until
 * qb_table_metadata_free. Thread-safety: a metadata object may be read from several threads at once. */
#ifndef QBERG_TABLE_METADATA_H
#define QBERG_TABLE_METADATA_H

#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/fileio.h"
#include "qberg/schema.h"

/** A key/value string pair (properties, snapshot summaries), in file order. */
typedef struct qb_kv {
  const char *key;
  const char *value;
} qb_kv;

typedef struct qb_snapshot {
  int64_t snapshot_id;
  bool has_parent;
  int64_t parent_id;
  int64_t sequence_number; /* 0 for v1 */
  int64_t timestamp_ms;
  const char *manifest_list;       /* NULL for a v1 snapshot with inline manifests */
  size_t n_manifests;              /* v1 inline "manifests" */
  const char *const *manifests;
  const char *operation;           /* "append", "overwrite", "delete", "replace"; NULL without summary */
  size_t n_summary;                /* the other summary entries, in file order */
  const qb_kv *summary;
  bool has_schema_id;
  int32_t schema_id;
} qb_snapshot;

typedef enum { QB_REF_BRANCH = 1, QB_REF_TAG } qb_ref_type;

typedef struct qb_ref {
  const char *name;
  int64_t snapshot_id;
  qb_ref_type type;
  int32_t min_snapshots_to_keep; /* branches only; -1 when unset */
  int64_t max_snapshot_age_ms;   /* branches only; -1 when unset */
  int64_t max_ref_age_ms;        /* -1 when unset */
} qb_ref;

#define QB_REF_INIT(name_, id_, type_) {(name_), (id_), (type_), -1, -1, -1}

typedef struct qb_snapshot_log_entry {
  int64_t timestamp_ms;
  int64_t snapshot_id;
} qb_snapshot_log_entry;

typedef struct qb_metadata_log_entry {
  int64_t timestamp_ms;
  const char *metadata_file;
} qb_metadata_log_entry;

/** A statistics or partition-statistics entry: kept verbatim (compact JSON text) for round trips. */
typedef struct qb_statistics_file {
  int64_t snapshot_id;
  const char *json;
} qb_statistics_file;

typedef struct qb_table_metadata qb_table_metadata;

/* ---- reading and writing --------------------------------------------------------------------- */

/** Upper bound on a metadata file we accept (after decompression). */
#define QB_MAX_METADATA_BYTES ((size_t)256 << 20)

/**
 * Parse metadata JSON of format v1 or v2. gzip (1f 8b) and zstd (28 b5 2f fd) compressed input is
 * recognised by its magic. Format v3 and above fail with QB_EUNSUPPORTED ("format-version 3 is not
 * supported"); malformed input fails with QB_ECORRUPT naming the field, e.g.
 * "schemas[0]: fields[1]: missing required field 'name'".
 */
QB_API int qb_table_metadata_parse(qb_table_metadata **out, const void *data, size_t n, qb_err *err) QB_WUR;
/** Read and parse `path` through `io`; errors are prefixed with the path. */
QB_API int qb_table_metadata_read(qb_table_metadata **out, qb_fileio *io, const char *path, qb_err *err) QB_WUR;

enum {
  QB_METADATA_JSON_PRETTY = 1 /* Java <= 1.9 layout (Jackson pretty printer); default is compact as Java >= 1.10 */
};
/** Serialise as Java's TableMetadataParser.toJson. *out is malloc'd, NUL-terminated, *out_n bytes. */
QB_API int qb_table_metadata_to_json(char **out, size_t *out_n, const qb_table_metadata *md, unsigned flags,
                                     qb_err *err) QB_WUR;
/**
 * The same compact document as qb_table_metadata_to_json(…, 0), as consecutive byte ranges to be written one
 * after the other, without copying the text of the snapshots: metadata made by a builder keeps that text
 * cached (it is most of a long history's document), and the ranges point into it. For a store writer that
 * takes the pieces (qb_writer_write per range). The ranges stay valid until qb_metadata_json_free, even
 * after `md` is freed.
 */
typedef struct qb_metadata_json qb_metadata_json;
QB_API int qb_table_metadata_to_json_parts(qb_metadata_json **out, const qb_table_metadata *md, qb_err *err) QB_WUR;
/** The ranges, in order (*n of them, at most 3); their concatenation is the document. */
QB_API const qb_slice *qb_metadata_json_parts(const qb_metadata_json *j, size_t *n);
/** The document's length in bytes (the sum of the ranges). */
QB_API size_t qb_metadata_json_size(const qb_metadata_json *j);
/** NULL-safe. */
QB_API void qb_metadata_json_free(qb_metadata_json *j);
/** Field-by-field equality of two metadata objects (used by round-trip tests and commits). */
QB_API bool qb_table_metadata_equal(const qb_table_metadata *a, const qb_table_metadata *b);
QB_API void qb_table_metadata_free(qb_table_metadata *md);

/* ---- getters --------------------------------------------------------------------------------- */

QB_API int qb_table_metadata_format_version(const qb_table_metadata *md);
QB_API const char *qb_table_metadata_uuid(const qb_table_metadata *md); /* NULL for a v1 table without one */
QB_API const char *qb_table_metadata_location(const qb_table_metadata *md);
QB_API int64_t qb_table_metadata_last_sequence_number(const qb_table_metadata *md);
QB_API int64_t qb_table_metadata_last_updated_ms(const qb_table_metadata *md);
QB_API int32_t qb_table_metadata_last_column_id(const qb_table_metadata *md);
QB_API int32_t qb_table_metadata_last_partition_id(const qb_table_metadata *md);

QB_API size_t qb_table_metadata_n_schemas(const qb_table_metadata *md);
QB_API const qb_schema *qb_table_metadata_schema_at(const qb_table_metadata *md, size_t i);
QB_API const qb_schema *qb_table_metadata_schema_by_id(const qb_table_metadata *md, int32_t schema_id);
QB_API const qb_schema *qb_table_metadata_current_schema(const qb_table_metadata *md);

QB_API size_t qb_table_metadata_n_specs(const qb_table_metadata *md);
QB_API const qb_partition_spec *qb_table_metadata_spec_at(const qb_table_metadata *md, size_t i);
QB_API const qb_partition_spec *qb_table_metadata_spec_by_id(const qb_table_metadata *md, int32_t spec_id);
QB_API const qb_partition_spec *qb_table_metadata_default_spec(const qb_table_metadata *md);

QB_API size_t qb_table_metadata_n_sort_orders(const qb_table_metadata *md);
QB_API const qb_sort_order *qb_table_metadata_sort_order_at(const qb_table_metadata *md, size_t i);
QB_API const qb_sort_order *qb_table_metadata_default_sort_order(const qb_table_metadata *md);

QB_API size_t qb_table_metadata_n_properties(const qb_table_metadata *md);
QB_API const qb_kv *qb_table_metadata_properties(const qb_table_metadata *md);
/** The value of property `key`, or NULL. */
QB_API const char *qb_table_metadata_property(const qb_table_metadata *md, const char *key);

/** -1 when the table has no current snapshot. */
QB_API int64_t qb_table_metadata_current_snapshot_id(const qb_table_metadata *md);
QB_API const qb_snapshot *qb_table_metadata_current_snapshot(const qb_table_metadata *md);
QB_API size_t qb_table_metadata_n_snapshots(const qb_table_metadata *md);
QB_API const qb_snapshot *qb_table_metadata_snapshot_at(const qb_table_metadata *md, size_t i);
QB_API const qb_snapshot *qb_table_metadata_snapshot_by_id(const qb_table_metadata *md, int64_t snapshot_id);

/** Refs in file order; "main" is synthesised from current-snapshot-id when a file has no "refs". */
QB_API size_t qb_table_metadata_n_refs(const qb_table_metadata *md);
QB_API const qb_ref *qb_table_metadata_ref_at(const qb_table_metadata *md, size_t i);
QB_API const qb_ref *qb_table_metadata_ref(const qb_table_metadata *md, const char *name);

QB_API const qb_snapshot_log_entry *qb_table_metadata_snapshot_log(const qb_table_metadata *md, size_t *n);
QB_API const qb_metadata_log_entry *qb_table_metadata_metadata_log(const qb_table_metadata *md, size_t *n);
QB_API const qb_statistics_file *qb_table_metadata_statistics(const qb_table_metadata *md, size_t *n);
QB_API const qb_statistics_file *qb_table_metadata_partition_statistics(const qb_table_metadata *md, size_t *n);

/* ---- snapshot summaries (Java SnapshotSummary + SnapshotProducer totals) ---------------------- */

/** What one commit changed; counts feed the summary. All fields default to 0. */
typedef struct qb_summary_delta {
  int64_t added_data_files, deleted_data_files;
  int64_t added_eq_delete_files, removed_eq_delete_files;
  int64_t added_pos_delete_files, removed_pos_delete_files;
  int64_t added_delete_files, removed_delete_files; /* all kinds of delete files */
  int64_t added_records, deleted_records;
  int64_t added_files_size, removed_files_size;
  int64_t added_pos_deletes, removed_pos_deletes;
  int64_t added_eq_deletes, removed_eq_deletes;
  int64_t changed_partition_count; /* -1: omit */
} qb_summary_delta;

/**
 * Build a snapshot summary as Java does: `extra` entries first (in order), then the non-zero
 * counters in Java's order, changed-partition-count, and the totals computed from `previous`
 * (the branch head; NULL for a table without one, whose totals start at 0): new total = previous
 * total + added − removed, omitted when the previous snapshot lacks that total or it is unparsable
 * or the result is negative. The operation is not part of the list. *out is malloc'd as one block
 * (free(*out) frees the strings too).
 */
QB_API int qb_snapshot_summary_build(qb_kv **out, size_t *n_out, const qb_summary_delta *delta,
                                     const qb_kv *extra, size_t n_extra, const qb_snapshot *previous,
                                     qb_err *err) QB_WUR;
/** A summary value of `s` (not "operation"), or NULL. */
QB_API const char *qb_snapshot_summary_get(const qb_snapshot *s, const char *key);

/* A `replace` snapshot qberg commits (compaction, manifest rewrite: the same rows) carries its parent's
 * `qberg.*` summary entries (state an application such as qberg ingest recorded with those rows; not
 * `qberg.batch-id`, which names the commit's writer) and records whose they are: QB_SUMMARY_CARRIED_FROM =
 * the snapshot that wrote them (through a chain of replace snapshots), QB_SUMMARY_CARRIED_PARENT = that
 * snapshot's parent (-1: none). So they outlive the expiry of the snapshot that wrote them. */
#define QB_SUMMARY_CARRIED_FROM "qberg.carried-from"
#define QB_SUMMARY_CARRIED_PARENT "qberg.carried-from-parent"
/* QB_SUMMARY_CARRIED_OPERATION = the `operation` of that snapshot (whether it removed rows: `delete`,
 * `overwrite`), known once it expired. */
#define QB_SUMMARY_CARRIED_OPERATION "qberg.carried-from-operation"

/**
 * The snapshot whose `qberg.*` summary entries and rows `s` holds (*id) and that snapshot's parent
 * (*parent, -1: none): for a `replace` snapshot that carries them, the snapshot it carries them from (which
 * may have expired); else `s` itself and its parent.
 */
QB_API void qb_snapshot_origin(const qb_snapshot *s, int64_t *id, int64_t *parent);

/* ---- builder --------------------------------------------------------------------------------- */

/**
 * Derive new metadata (Java TableMetadata.Builder). A builder that hit an error is poisoned: every
 * later call returns the first error. Ids passed in specs/orders are reassigned as Java does.
 */
typedef struct qb_metadata_builder qb_metadata_builder;

/** Start from `base` (copied; base stays owned by the caller). */
QB_API int qb_metadata_builder_from(qb_metadata_builder **out, const qb_table_metadata *base, qb_err *err) QB_WUR;
/**
 * Start a new v2 table: `schema` gets schema id 0 (its field ids are kept), `spec` and `order` may be
 * NULL (unpartitioned / unsorted). `uuid` NULL generates one.
 */
QB_API int qb_metadata_builder_new_table(qb_metadata_builder **out, const qb_schema *schema,
                                         const qb_partition_spec *spec, const qb_sort_order *order,
                                         const char *location, const char *uuid, qb_err *err) QB_WUR;
/** Add a schema (an identical one is reused); *out_id (optional) gets its id. */
QB_API int qb_metadata_builder_add_schema(qb_metadata_builder *b, const qb_schema *schema, int32_t *out_id,
                                          qb_err *err) QB_WUR;
/** -1 selects the schema added last in this builder. */
QB_API int qb_metadata_builder_set_current_schema(qb_metadata_builder *b, int32_t schema_id, qb_err *err) QB_WUR;
/** Add a partition spec: a compatible existing spec is reused; field ids are reassigned above last-partition-id. */
QB_API int qb_metadata_builder_add_spec(qb_metadata_builder *b, const qb_partition_spec *spec, int32_t *out_id,
                                        qb_err *err) QB_WUR;
QB_API int qb_metadata_builder_set_default_spec(qb_metadata_builder *b, int32_t spec_id, qb_err *err) QB_WUR;
QB_API int qb_metadata_builder_add_sort_order(qb_metadata_builder *b, const qb_sort_order *order, int32_t *out_id,
                                              qb_err *err) QB_WUR;
QB_API int qb_metadata_builder_set_default_sort_order(qb_metadata_builder *b, int32_t order_id,
                                                      qb_err *err) QB_WUR;
/** Add a snapshot (copied). v2: sequence number must exceed last-sequence-number unless it has no parent. */
QB_API int qb_metadata_builder_add_snapshot(qb_metadata_builder *b, const qb_snapshot *snapshot, qb_err *err) QB_WUR;
/** Point ref `ref->name` at an existing snapshot; for "main" this moves the current snapshot and logs it. */
QB_API int qb_metadata_builder_set_ref(qb_metadata_builder *b, const qb_ref *ref, qb_err *err) QB_WUR;
/** Point branch `branch` at `snapshot_id`, creating it or keeping its retention settings. */
QB_API int qb_metadata_builder_set_branch_snapshot(qb_metadata_builder *b, const char *branch, int64_t snapshot_id,
                                                   qb_err *err) QB_WUR;
QB_API int qb_metadata_builder_remove_ref(qb_metadata_builder *b, const char *name, qb_err *err) QB_WUR;
/** Remove snapshots, their statistics and refs pointing at them; the snapshot log loses history before a gap. */
QB_API int qb_metadata_builder_remove_snapshots(qb_metadata_builder *b, const int64_t *ids, size_t n,
                                                qb_err *err) QB_WUR;
QB_API int qb_metadata_builder_set_properties(qb_metadata_builder *b, const qb_kv *props, size_t n,
                                              qb_err *err) QB_WUR;
QB_API int qb_metadata_builder_remove_properties(qb_metadata_builder *b, const char *const *keys, size_t n,
                                                 qb_err *err) QB_WUR;
QB_API int qb_metadata_builder_set_location(qb_metadata_builder *b, const char *location, qb_err *err) QB_WUR;
/**
 * Finish. `previous_metadata_file` (the location the base was read from, or NULL) is appended to the
 * metadata-log with the base's last-updated-ms, keeping at most max(1, write.metadata.previous-
 * versions-max (default 100)) entries. last-updated-ms = `now_ms`. The builder is freed in every case.
 */
QB_API int qb_metadata_builder_build(qb_table_metadata **out, qb_metadata_builder *b,
                                     const char *previous_metadata_file, int64_t now_ms, qb_err *err) QB_WUR;
QB_API void qb_metadata_builder_free(qb_metadata_builder *b);

#endif
