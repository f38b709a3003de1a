/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the manifest files of src/iceberg/: the Avro schemas of manifest_entry and
 * manifest_file (record layouts by position), data_file / manifest_file <-> qb_value, partition summaries. */
#ifndef QB_ICEBERG_MANIFEST_INT_H
#define QB_ICEBERG_MANIFEST_INT_H

#include "iceberg/iceberg_int.h"
#include "qberg/manifest.h"

/* Field positions in the records of the schemas qb_manifest__*_schema build (write and read layouts are
 * the same: Java's V2Metadata order). */
enum { QB_ME_STATUS, QB_ME_SNAPSHOT_ID, QB_ME_SEQ, QB_ME_FILE_SEQ, QB_ME_DATA_FILE, QB_ME_N };
enum {
  QB_DF_CONTENT,
  QB_DF_FILE_PATH,
  QB_DF_FILE_FORMAT,
  QB_DF_PARTITION,
  QB_DF_RECORD_COUNT,
  QB_DF_FILE_SIZE,
  QB_DF_COLUMN_SIZES,
  QB_DF_VALUE_COUNTS,
  QB_DF_NULL_VALUE_COUNTS,
  QB_DF_NAN_VALUE_COUNTS,
  QB_DF_LOWER_BOUNDS,
  QB_DF_UPPER_BOUNDS,
  QB_DF_KEY_METADATA,
  QB_DF_SPLIT_OFFSETS,
  QB_DF_EQUALITY_IDS,
  QB_DF_SORT_ORDER_ID,
  QB_DF_REFERENCED_DATA_FILE,
  QB_DF_N
};
enum {
  QB_MF_PATH,
  QB_MF_LENGTH,
  QB_MF_SPEC_ID,
  QB_MF_CONTENT,
  QB_MF_SEQ,
  QB_MF_MIN_SEQ,
  QB_MF_SNAPSHOT_ID,
  QB_MF_ADDED_FILES,
  QB_MF_EXISTING_FILES,
  QB_MF_DELETED_FILES,
  QB_MF_ADDED_ROWS,
  QB_MF_EXISTING_ROWS,
  QB_MF_DELETED_ROWS,
  QB_MF_PARTITIONS,
  QB_MF_KEY_METADATA,
  QB_MF_N
};
enum { QB_PS_CONTAINS_NULL, QB_PS_CONTAINS_NAN, QB_PS_LOWER, QB_PS_UPPER, QB_PS_N };

/* ---- manifest_schema.c -------------------------------------------------------------------------------- */

/* The partition tuple type of `spec` over `schema` (Java PartitionSpec.partitionType): a struct whose
 * optional fields carry the partition field ids, names and transform result types. Built in `a`. */
int qb_manifest__partition_type(qb_type *out, qb_arena *a, const qb_partition_spec *spec, const qb_schema *schema,
                                qb_err *err);
/* The partition tuple type a writer declared: the Avro record `rec` (data_file.partition) read back as
 * Iceberg types (int+date -> date, long+timestamp-micros+adjust-to-utc -> timestamptz, fixed+decimal ->
 * decimal, fixed+uuid -> uuid, …). */
int qb_manifest__partition_type_from_avro(qb_type *out, qb_arena *a, const qb_avro_node *rec, qb_err *err);

typedef enum {
  QB_MANIFEST_SCHEMA_WRITE, /* Java's exact v2 schema: docs, required fields bare, names r2/r102/k117_v118… */
  QB_MANIFEST_SCHEMA_READ   /* every field optional, ints widened to long, v1 aliases: reads any writer */
} qb_manifest_schema_mode;

/* The schema in *out is shared (kept for the process) unless *owned is set: then *owned == *out and the
 * caller frees it with qb_avro_schema_free (NULL-safe, so callers free *owned unconditionally). */
int qb_manifest__entry_schema(const qb_avro_schema **out, qb_avro_schema **owned, const qb_type *partition,
                              qb_manifest_schema_mode mode, qb_err *err);
int qb_manifest__list_schema(const qb_avro_schema **out, qb_avro_schema **owned, qb_manifest_schema_mode mode,
                             qb_err *err);
/* qb_avro_reader_open through a process-wide cache of parsed writer schemas. o->reader_schema must be NULL
 * or a shared schema from the two functions above (never an owned one: the cache keys on its address). */
int qb_manifest__avro_open(qb_avro_reader **out, qb_file *f, qb_avro_read_options *o, qb_err *err);
/* Java's "iceberg.schema" metadata: the Iceberg JSON of the manifest_entry / manifest_file struct. *out
 * is malloc'd and NUL-terminated. */
int qb_manifest__entry_iceberg_json(char **out, const qb_type *partition, qb_err *err);
int qb_manifest__list_iceberg_json(char **out, qb_err *err);

/* Java's TypeUtil.decimalRequiredBytes: bytes of the fixed type holding decimal(precision, _). */
int32_t qb_manifest__decimal_width(int32_t precision);

/* ---- data_file.c ------------------------------------------------------------------------------------------ */

/* Decode a data_file read with the READ schema (positions QB_DF_*). Strings and bytes point into `v`;
 * arrays are allocated in `a`. Errors name the field; the caller prefixes the file and entry. */
int qb_data_file__from_value(qb_data_file *out, const qb_value *v, qb_arena *a, qb_err *err);
/* Encode `f` as a value of the WRITE schema's r2 record with partition type `ptype`; allocated in `a`. */
int qb_data_file__to_value(qb_value *out, const qb_data_file *f, const qb_type *ptype, qb_arena *a, qb_err *err);
/* A partition value of result type `t` as the Avro writer wants it (decimal -> fixed bytes of Java's
 * width, int -> long widening, …). `scratch` holds converted bytes. */
int qb_manifest__partition_value(qb_value *out, uint8_t scratch[16], const qb_type *t, const qb_value *in,
                                 qb_err *err);
/* A zeroed data file that owns an arena (*arena, for its contents, in chunks of chunk_size bytes; 0: 4 KiB);
 * freed with qb_data_file_free. */
int qb_data_file__new_owned(qb_data_file **out, qb_arena **arena, size_t chunk_size, qb_err *err);
/* The bytes qb_data_file__copy_into takes from an arena for f: qb_data_file_copy's arena is one chunk of it. */
size_t qb_data_file__copy_size(const qb_data_file *f);
/* The arena bytes an owned data file (qb_data_file_copy, qb_data_file_from_parquet) holds. */
size_t qb_data_file__held_bytes(const qb_data_file *f);
/* Deep copy of a data file's contents into `a` (out may then outlive src). */
int qb_data_file__copy_into(qb_data_file *out, const qb_data_file *src, qb_arena *a, qb_err *err);

/* ---- manifest_list.c: the manifest_file struct and helpers shared with the manifest reader/writer ----- */

/* An integer header value ("format-version", "snapshot-id", …); QB_UNASSIGNED when absent or "null". */
int qb_manifest__meta_i64(int64_t *out, const qb_avro_reader *r, const char *key, qb_err *err);
/* "format-version" (absent: 2 if the writer schema has sequence numbers, else 1); 3+ is QB_EUNSUPPORTED. */
int qb_manifest__format_version(int *out, const qb_avro_reader *r, bool has_seq_field, qb_err *err);
/* "manifest", "manifest list", or what else the file's top-level record is (for error messages). */
const char *qb_manifest__file_kind(const qb_avro_reader *r);
/* Create `path` exclusively and start an Avro writer on it with the options' codec. */
int qb_manifest__open_avro(qb_writer **dst, qb_avro_writer **avro, qb_fileio *io, const char *path,
                           const qb_avro_schema *schema, const qb_manifest_write_options *opts, qb_err *err);

/* A manifest_file record of the READ list schema (v1 defaults applied: sequence numbers 0, content data) and
 * the WRITE list schema's record for `m` (every v2 field present); allocations in `a`. */
int qb_manifest_file__from_value(qb_manifest_file *out, const qb_value *v, qb_arena *a, qb_err *err);
int qb_manifest_file__to_value(qb_value *out, const qb_manifest_file *m, qb_arena *a, qb_err *err);

/* Append every entry `r` has left to `w`: the parent's manifests of a commit that changes none of them. When
 * the list is a v2 list with this writer's schema and codec, its blocks are copied verbatim (no entry is
 * decoded or re-encoded; *verbatim = true when not NULL); otherwise entry by entry, upgraded as
 * qb_manifest_list_writer_append does. */
int qb_manifest_list_writer__append_rest(qb_manifest_list_writer *w, qb_manifest_list_reader *r, bool *verbatim,
                                         qb_err *err);

/* Readers over an open file, which they take over (closed on failure too): for fuzzing and memory files. */
int qb_manifest_list_reader__open_file(qb_manifest_list_reader **out, qb_file *file, qb_err *err);
int qb_manifest_reader__open_file(qb_manifest_reader **out, qb_file *file, const qb_manifest_read_options *opts,
                                  qb_err *err);

/* ---- partition_summary.c ---------------------------------------------------------------------------------- */

/* Java's PartitionSummary: per partition field, whether a null / NaN was seen and the min and max of the
 * other values (compared as Java's Comparators do), kept as their single-value serialisation. */
typedef struct qb_partition_summary qb_partition_summary;

int qb_partition_summary__new(qb_partition_summary **out, const qb_type *ptype, qb_err *err);
/* `partition` is a QB_V_STRUCT with ptype's fields (or QB_V_NULL / an empty struct when unpartitioned). */
int qb_partition_summary__update(qb_partition_summary *s, const qb_value *partition, qb_err *err);
/* The summaries (one per field); the bounds point into `s` until it is freed or updated. */
size_t qb_partition_summary__get(const qb_partition_summary *s, qb_partition_field_summary *out, size_t n);
void qb_partition_summary__free(qb_partition_summary *s);
/* Java's ordering of two serialised values of primitive type t: <0, 0, >0. Both must decode as t. */
int qb_manifest__compare_bound(const qb_type *t, qb_slice a, qb_slice b);

/* ---- small helpers ---------------------------------------------------------------------------------------- */

/* Optional long / int of a decoded value: QB_UNASSIGNED for null. */
static inline int64_t qb_manifest__opt_i64(const qb_value *v)
{
  return v->kind == QB_V_INT64 ? v->u.i64 : v->kind == QB_V_INT32 ? v->u.i32 : QB_UNASSIGNED;
}

#endif
