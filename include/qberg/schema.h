/* SPDX-License-Identifier: Apache-2.0 */
/* Iceberg types, schemas, partition specs, transforms and sort orders (Iceberg table spec:
 * "Schemas and Data Types", "Partitioning", "Sorting", Appendix B and C).
 *
 * Types, fields, partition specs and sort orders are plain read-only structs: a qb_schema or a
 * qb_table_metadata owns them, and every pointer inside stays valid until its owner is freed.
 * Callers may also build them on the stack to describe a new schema or spec (qb_schema_new copies). */
#ifndef QBERG_SCHEMA_H
#define QBERG_SCHEMA_H

#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/value.h"

/* ---- types ----------------------------------------------------------------------------------- */

typedef enum qb_type_id {
  QB_T_BOOLEAN = 1,
  QB_T_INT,         /* 32-bit signed */
  QB_T_LONG,        /* 64-bit signed */
  QB_T_FLOAT,
  QB_T_DOUBLE,
  QB_T_DECIMAL,     /* precision <= 38, scale */
  QB_T_DATE,        /* days since 1970-01-01 */
  QB_T_TIME,        /* microseconds since midnight */
  QB_T_TIMESTAMP,   /* microseconds since the epoch, no zone */
  QB_T_TIMESTAMPTZ, /* microseconds since the epoch, UTC */
  QB_T_STRING,
  QB_T_UUID,
  QB_T_FIXED,       /* length bytes */
  QB_T_BINARY,
  QB_T_STRUCT,
  QB_T_LIST,
  QB_T_MAP
} qb_type_id;

typedef struct qb_type qb_type;

/** A struct field (also used for the top-level columns of a schema). */
typedef struct qb_field {
  int32_t id;
  const char *name;
  bool required;
  const qb_type *type;
  const char *doc;             /* NULL when absent */
  const char *initial_default; /* JSON single-value serialisation as compact text, NULL when absent */
  const char *write_default;   /* same */
} qb_field;

struct qb_type {
  qb_type_id id;
  int32_t precision, scale; /* QB_T_DECIMAL */
  int32_t length;           /* QB_T_FIXED */
  size_t n_fields;          /* QB_T_STRUCT */
  const qb_field *fields;
  int32_t element_id;       /* QB_T_LIST */
  bool element_required;
  const qb_type *element;
  int32_t key_id, value_id; /* QB_T_MAP; keys are always required */
  bool value_required;
  const qb_type *key, *value;
};

/** The shared instance of a parameterless primitive type (NULL for decimal, fixed and nested ids). */
QB_API const qb_type *qb_type_primitive(qb_type_id id);
QB_API bool qb_type_is_primitive(const qb_type *t);
/** Structural equality (field ids, names, requiredness, docs and defaults included). */
QB_API bool qb_type_equal(const qb_type *a, const qb_type *b);
/**
 * Parse a primitive type string as the spec writes it: "long", "decimal(9,2)", "fixed[16]"
 * (case-insensitive, spaces allowed inside the brackets). v3-only types fail with QB_EUNSUPPORTED.
 */
QB_API int qb_type_parse_primitive(qb_type *out, const char *s, qb_err *err) QB_WUR;
/** Java's spelling: "decimal(9, 2)", "fixed[16]", "timestamptz"; "struct"/"list"/"map" for nested. */
QB_API void qb_type_to_string(char *buf, size_t n, const qb_type *t);

/* ---- schemas --------------------------------------------------------------------------------- */

typedef struct qb_schema qb_schema;

/**
 * A new schema: deep copy of `fields` (ids must be unique and > 0 across all nesting levels;
 * identifier fields must be required primitives, not float/double, not inside a list, map or
 * optional struct). QB_EINVAL names the offending field.
 */
QB_API int qb_schema_new(qb_schema **out, int32_t schema_id, const qb_field *fields, size_t n_fields,
                         const int32_t *identifier_field_ids, size_t n_identifier_field_ids, qb_err *err) QB_WUR;
/** Parse a schema object (spec Appendix C). */
QB_API int qb_schema_parse_json(qb_schema **out, const char *json, size_t n, qb_err *err) QB_WUR;
/** Compact JSON as Java writes it; *out is malloc'd and NUL-terminated (free()). */
QB_API int qb_schema_to_json(char **out, const qb_schema *s, qb_err *err) QB_WUR;
/** NULL-safe. Only for schemas from qb_schema_new/qb_schema_parse_json, never for borrowed ones. */
QB_API void qb_schema_free(qb_schema *s);

QB_API int32_t qb_schema_id(const qb_schema *s);
/** The root struct type: its fields are the top-level columns. */
QB_API const qb_type *qb_schema_struct(const qb_schema *s);
QB_API size_t qb_schema_n_fields(const qb_schema *s);
QB_API const qb_field *qb_schema_fields(const qb_schema *s);
/** Any field by id at any depth (list elements and map keys/values included), or NULL. */
QB_API const qb_field *qb_schema_find_field(const qb_schema *s, int32_t id);
/**
 * A field by its full dotted name ("location.lat", "tags.element", "attrs.key", "attrs.value"),
 * matched exactly (a name that itself contains '.' is matched as a whole). NULL if none.
 */
QB_API const qb_field *qb_schema_find_field_by_name(const qb_schema *s, const char *name);
/** The full dotted name of field `id`, or NULL. Borrowed. */
QB_API const char *qb_schema_field_name(const qb_schema *s, int32_t id);
/** Highest field id at any depth (0 for an empty schema). */
QB_API int32_t qb_schema_highest_field_id(const qb_schema *s);
QB_API const int32_t *qb_schema_identifier_field_ids(const qb_schema *s, size_t *n);
/** Same columns and identifier fields (schema ids ignored), as Java's Schema.sameSchema. */
QB_API bool qb_schema_same(const qb_schema *a, const qb_schema *b);

/* ---- transforms ------------------------------------------------------------------------------ */

typedef enum qb_transform_kind {
  QB_TR_IDENTITY = 1,
  QB_TR_BUCKET,   /* param = N */
  QB_TR_TRUNCATE, /* param = W */
  QB_TR_YEAR,
  QB_TR_MONTH,
  QB_TR_DAY,
  QB_TR_HOUR,
  QB_TR_VOID,
  QB_TR_UNKNOWN   /* read from metadata and kept; never applied */
} qb_transform_kind;

typedef struct qb_transform {
  qb_transform_kind kind;
  int32_t param;
  const char *unknown; /* QB_TR_UNKNOWN: the original text (owned like the struct holding it) */
} qb_transform;

/** Parse "identity", "bucket[16]", "truncate[4]", "year", …, "void". Unknown names: QB_EUNSUPPORTED. */
QB_API int qb_transform_parse(qb_transform *out, const char *s, qb_err *err) QB_WUR;
QB_API void qb_transform_to_string(char *buf, size_t n, const qb_transform *t);
/** Whether `t` can be applied to values of `source` (spec "Partition Transforms" table). */
QB_API bool qb_transform_can_apply(const qb_transform *t, const qb_type *source);
/** The result type: identity/truncate/void → source; bucket/year/month/hour → int; day → date. */
QB_API int qb_transform_result_type(const qb_type **out, const qb_transform *t, const qb_type *source,
                                    qb_err *err) QB_WUR;
/**
 * Apply `t` to `in` (a value of `source`, physical kinds as in qberg/value.h). Null in → null out.
 * The result may point into `in` (string/binary truncate) or into `scratch` (decimal truncate).
 */
QB_API int qb_transform_apply(qb_value *out, uint8_t scratch[16], const qb_transform *t, const qb_type *source,
                              const qb_value *in, qb_err *err) QB_WUR;
/** The raw bucket hash: murmur3_x86_32 of the spec's canonical bytes for `v` (Appendix B). */
QB_API int qb_bucket_hash(int32_t *out, const qb_type *source, const qb_value *v, qb_err *err) QB_WUR;
/**
 * Java's Transform.toHumanString of a transform result `v` of type `result`: "2024-01-02" for day,
 * "2024-01-02-10" for hour, "2024-01" month, "2024" year, ISO timestamps, base64 for binary, "null".
 * *out is malloc'd (free()).
 */
QB_API int qb_transform_human_string(char **out, const qb_transform *t, const qb_type *result, const qb_value *v,
                                     qb_err *err) QB_WUR;

/* ---- single-value binary serialisation (spec Appendix D; manifest bounds) -------------------- */

/**
 * Serialise `v` of primitive type `t`: little-endian ints/dates/times/timestamps/floats, 1 byte boolean,
 * UTF-8 strings, raw binary/fixed, 16 big-endian uuid bytes, decimals as minimal big-endian two's
 * complement. `out` points into `v` (string, binary, fixed, uuid) or into `scratch`.
 */
QB_API int qb_bound_encode(qb_slice *out, uint8_t scratch[16], const qb_type *t, const qb_value *v, qb_err *err) QB_WUR;
/**
 * Decode a bound of type `t`. Promoted columns are tolerated as the spec asks: a 4-byte bound of a long
 * column decodes as int, of a double column as float (both widened). Decimals come back as INT32 (P <= 9),
 * INT64 (P <= 18) or big-endian BYTES. String/binary values point into `in`. QB_ECORRUPT on bad lengths.
 */
QB_API int qb_bound_decode(qb_value *out, const qb_type *t, qb_slice in, qb_err *err) QB_WUR;
/** Lower bound under metrics mode truncate(width): strings to `width` code points, binary to `width` bytes. */
QB_API int qb_bound_truncate_lower(qb_slice *out, const qb_type *t, qb_slice in, int32_t width, qb_err *err) QB_WUR;
/** Bytes of scratch qb_bound_truncate_upper needs for `width`. */
#define QB_BOUND_UPPER_SCRATCH(width) ((size_t)(width) * 4 + 4)
/**
 * Upper bound under truncate(width) (Java UnicodeUtil.truncateStringMax / BinaryUtil.truncateBinaryMax):
 * unchanged when it fits, else the prefix with its last incrementable code point (byte) incremented,
 * skipping the surrogate range. *present = false when no upper bound exists (all U+10FFFF / 0xFF).
 */
QB_API int qb_bound_truncate_upper(qb_slice *out, bool *present, uint8_t *scratch, size_t scratch_n, const qb_type *t,
                                   qb_slice in, int32_t width, qb_err *err) QB_WUR;

/* ---- partition specs ------------------------------------------------------------------------- */

#define QB_PARTITION_FIELD_ID_START 1000

typedef struct qb_partition_field {
  int32_t source_id;
  int32_t field_id; /* >= 1000; 0 in a spec handed to the metadata builder means "assign" */
  const char *name;
  qb_transform transform;
} qb_partition_field;

typedef struct qb_partition_spec {
  int32_t spec_id;
  size_t n_fields;
  const qb_partition_field *fields;
} qb_partition_spec;

/** Check every field against `schema`: source exists, is primitive, transform applies; names unique. */
QB_API int qb_partition_spec_validate(const qb_partition_spec *spec, const qb_schema *schema, qb_err *err) QB_WUR;
/**
 * Partition tuple of `row` (a QB_V_STRUCT of the schema's top-level columns in order; nested sources
 * are reached through struct values). out[i] and scratch[i] for each of spec->n_fields.
 */
QB_API int qb_partition_spec_eval(qb_value *out, uint8_t (*scratch)[16], const qb_partition_spec *spec,
                                  const qb_schema *schema, const qb_value *row, qb_err *err) QB_WUR;
/**
 * Java's PartitionSpec.partitionToPath: "name=value/name2=value2", names and human values escaped as
 * URLEncoder (UTF-8) does. `partition` holds spec->n_fields transformed values. *out malloc'd.
 */
QB_API int qb_partition_spec_path(char **out, const qb_partition_spec *spec, const qb_schema *schema,
                                  const qb_value *partition, qb_err *err) QB_WUR;
/** The bytes `n` bytes of `s` take once escaped into a partition path as qb_partition_spec_path escapes them
 * (a directory name is limited by the file system: callers check values before writing). */
QB_API size_t qb_partition_escaped_len(const char *s, size_t n);

/* ---- sort orders ----------------------------------------------------------------------------- */

typedef enum { QB_SORT_ASC = 1, QB_SORT_DESC } qb_sort_direction;
typedef enum { QB_NULLS_FIRST = 1, QB_NULLS_LAST } qb_null_order;

typedef struct qb_sort_field {
  qb_transform transform;
  int32_t source_id;
  qb_sort_direction direction;
  qb_null_order null_order;
} qb_sort_field;

typedef struct qb_sort_order {
  int32_t order_id; /* 0 is reserved for the unsorted order */
  size_t n_fields;
  const qb_sort_field *fields;
} qb_sort_order;

QB_API int qb_sort_order_validate(const qb_sort_order *order, const qb_schema *schema, qb_err *err) QB_WUR;

#endif
