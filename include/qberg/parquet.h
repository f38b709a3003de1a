/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet types users choose (physical types, repetition, logical types, codecs, encodings) and the
 * Parquet schema tree with its builder (parquet-format parquet.thrift, LogicalTypes.md, Iceberg 3-level lists). */
#ifndef QBERG_PARQUET_H
#define QBERG_PARQUET_H

#include "qberg/common.h"
#include "qberg/err.h"

/* ---- enums: values are the parquet.thrift wire numbers ---------------------------------------------- */

/** Physical type (parquet.thrift `Type`). */
typedef enum {
  QB_PQ_BOOLEAN = 0,
  QB_PQ_INT32 = 1,
  QB_PQ_INT64 = 2,
  QB_PQ_INT96 = 3, /* legacy timestamps: 8 bytes nanos-of-day LE + 4 bytes Julian day LE */
  QB_PQ_FLOAT = 4,
  QB_PQ_DOUBLE = 5,
  QB_PQ_BYTE_ARRAY = 6,
  QB_PQ_FIXED_LEN_BYTE_ARRAY = 7
} qb_pq_type;

/** Field repetition (parquet.thrift `FieldRepetitionType`). */
typedef enum { QB_PQ_REQUIRED = 0, QB_PQ_OPTIONAL = 1, QB_PQ_REPEATED = 2 } qb_pq_repetition;

/** Compression codec of a column chunk (parquet.thrift `CompressionCodec`). */
typedef enum {
  QB_PQ_UNCOMPRESSED = 0,
  QB_PQ_SNAPPY = 1,
  QB_PQ_GZIP = 2,
  QB_PQ_LZO = 3,    /* not supported */
  QB_PQ_BROTLI = 4,
  QB_PQ_LZ4 = 5,    /* deprecated Hadoop-framed LZ4: read only */
  QB_PQ_ZSTD = 6,
  QB_PQ_LZ4_RAW = 7
} qb_pq_codec;

/** Page value/level encodings (parquet.thrift `Encoding`). */
typedef enum {
  QB_PQ_PLAIN = 0,
  QB_PQ_PLAIN_DICTIONARY = 2, /* deprecated alias of RLE_DICTIONARY in data pages, PLAIN in dict pages */
  QB_PQ_RLE = 3,
  QB_PQ_BIT_PACKED = 4, /* deprecated, levels only */
  QB_PQ_DELTA_BINARY_PACKED = 5,
  QB_PQ_DELTA_LENGTH_BYTE_ARRAY = 6,
  QB_PQ_DELTA_BYTE_ARRAY = 7,
  QB_PQ_RLE_DICTIONARY = 8,
  QB_PQ_BYTE_STREAM_SPLIT = 9
} qb_pq_encoding;

/** Legacy annotation (parquet.thrift `ConvertedType`); QB_PQ_CT_NONE means absent. */
typedef enum {
  QB_PQ_CT_NONE = -1,
  QB_PQ_CT_UTF8 = 0,
  QB_PQ_CT_MAP = 1,
  QB_PQ_CT_MAP_KEY_VALUE = 2,
  QB_PQ_CT_LIST = 3,
  QB_PQ_CT_ENUM = 4,
  QB_PQ_CT_DECIMAL = 5,
  QB_PQ_CT_DATE = 6,
  QB_PQ_CT_TIME_MILLIS = 7,
  QB_PQ_CT_TIME_MICROS = 8,
  QB_PQ_CT_TIMESTAMP_MILLIS = 9,
  QB_PQ_CT_TIMESTAMP_MICROS = 10,
  QB_PQ_CT_UINT_8 = 11,
  QB_PQ_CT_UINT_16 = 12,
  QB_PQ_CT_UINT_32 = 13,
  QB_PQ_CT_UINT_64 = 14,
  QB_PQ_CT_INT_8 = 15,
  QB_PQ_CT_INT_16 = 16,
  QB_PQ_CT_INT_32 = 17,
  QB_PQ_CT_INT_64 = 18,
  QB_PQ_CT_JSON = 19,
  QB_PQ_CT_BSON = 20,
  QB_PQ_CT_INTERVAL = 21
} qb_pq_converted_type;

/** LogicalType union member; the value is the union's thrift field id. QB_PQ_LT_NONE means absent
 * (also used when a file carries a logical type id this library does not know: treat as physical). */
typedef enum {
  QB_PQ_LT_NONE = 0,
  QB_PQ_LT_STRING = 1,
  QB_PQ_LT_MAP = 2,
  QB_PQ_LT_LIST = 3,
  QB_PQ_LT_ENUM = 4,
  QB_PQ_LT_DECIMAL = 5,
  QB_PQ_LT_DATE = 6,
  QB_PQ_LT_TIME = 7,
  QB_PQ_LT_TIMESTAMP = 8,
  QB_PQ_LT_INTEGER = 10,
  QB_PQ_LT_UNKNOWN = 11, /* the "always null" type */
  QB_PQ_LT_JSON = 12,
  QB_PQ_LT_BSON = 13,
  QB_PQ_LT_UUID = 14,
  QB_PQ_LT_FLOAT16 = 15
} qb_pq_logical_kind;

/** TimeUnit union member (thrift field id). */
typedef enum { QB_PQ_UNIT_NONE = 0, QB_PQ_MILLIS = 1, QB_PQ_MICROS = 2, QB_PQ_NANOS = 3 } qb_pq_time_unit;

/** A logical type annotation: a plain value; only the members of `kind` are meaningful. */
typedef struct qb_pq_logical_type {
  qb_pq_logical_kind kind;
  int32_t scale, precision;  /* DECIMAL */
  bool utc_adjusted;         /* TIME, TIMESTAMP: isAdjustedToUTC */
  qb_pq_time_unit unit;      /* TIME, TIMESTAMP */
  int8_t bit_width;          /* INTEGER: 8, 16, 32 or 64 */
  bool is_signed;            /* INTEGER */
  int16_t unrecognized_id;   /* decode only: the union id of an unknown logical type (kind is NONE), else 0 */
} qb_pq_logical_type;

/* Convenience initialisers for qb_pq_logical_type. */
#define QB_PQ_LOGICAL_NONE ((qb_pq_logical_type){QB_PQ_LT_NONE, 0, 0, false, QB_PQ_UNIT_NONE, 0, false, 0})
#define QB_PQ_LOGICAL(k) ((qb_pq_logical_type){(k), 0, 0, false, QB_PQ_UNIT_NONE, 0, false, 0})
#define QB_PQ_LOGICAL_DECIMAL(p, s) ((qb_pq_logical_type){QB_PQ_LT_DECIMAL, (s), (p), false, QB_PQ_UNIT_NONE, 0, false, 0})
#define QB_PQ_LOGICAL_TIMESTAMP(utc, u) ((qb_pq_logical_type){QB_PQ_LT_TIMESTAMP, 0, 0, (utc), (u), 0, false, 0})
#define QB_PQ_LOGICAL_TIME(utc, u) ((qb_pq_logical_type){QB_PQ_LT_TIME, 0, 0, (utc), (u), 0, false, 0})
#define QB_PQ_LOGICAL_INTEGER(bits, sig) ((qb_pq_logical_type){QB_PQ_LT_INTEGER, 0, 0, false, QB_PQ_UNIT_NONE, (bits), (sig), 0})

/** Short names for messages and CLI output ("INT64", "OPTIONAL", "ZSTD", "RLE_DICTIONARY");
 * static strings, "?" for values outside the enum. */
QB_API const char *qb_pq_type_name(qb_pq_type t);
QB_API const char *qb_pq_repetition_name(qb_pq_repetition r);
QB_API const char *qb_pq_codec_name(qb_pq_codec c);
QB_API const char *qb_pq_encoding_name(qb_pq_encoding e);

/**
 * Parse a codec name as users write it ("snappy", "ZSTD", "gzip", "lz4_raw", "brotli", "uncompressed"/"none").
 * @return QB_OK or QB_EINVAL (unknown name).
 */
QB_API int qb_pq_codec_parse(qb_pq_codec *out, const char *name, qb_err *err) QB_WUR;

/** True when this build can compress (`for_write`) or decompress with `c`. LZ4 (Hadoop) and LZO cannot be
 * written; LZO cannot be read. */
QB_API bool qb_pq_codec_available(qb_pq_codec c, bool for_write);

/* ---- schema tree ----------------------------------------------------------------------------------- */

/**
 * A Parquet schema: a tree of named nodes under an unnamed-in-practice root group (message). Groups have
 * children; leaves (primitives) have a physical type and become the file's columns, numbered depth-first.
 * Build one with qb_pq_schema_new + qb_pq_schema_add_* + qb_pq_schema_finish, or get one from a file reader.
 * Nodes are owned by their schema and valid until qb_pq_schema_free.
 */
typedef struct qb_pq_schema qb_pq_schema;
typedef struct qb_pq_node qb_pq_node;

/** Pass as field_id when a node has no field id. (Negative ids cannot be set through the builder.) */
#define QB_PQ_NO_FIELD_ID (-1)

/** Maximum nesting depth of a schema (root = depth 0); deeper schemas are rejected (QB_ELIMIT). */
#define QB_PQ_MAX_SCHEMA_DEPTH 64

/**
 * Create an empty schema whose root group is named `root_name` ("schema" if NULL; Spark writes
 * "spark_schema", pyarrow "schema").
 * @return QB_OK or QB_ENOMEM.
 */
QB_API int qb_pq_schema_new(qb_pq_schema **out, const char *root_name, qb_err *err) QB_WUR;

/** NULL-safe. Frees every node. */
QB_API void qb_pq_schema_free(qb_pq_schema *s);

/** The root group (repetition is meaningless on it and never written). Borrowed. */
QB_API qb_pq_node *qb_pq_schema_root(qb_pq_schema *s);
QB_API const qb_pq_node *qb_pq_schema_root_const(const qb_pq_schema *s);

/**
 * Append a group child to `parent` (a group of this schema).
 * @param out       OUT: the new node (borrowed; may be NULL if unused)
 * @param s         a schema not yet finished
 * @param parent    a group node of `s`
 * @param name      child name, copied; must be non-empty and unique among the siblings
 * @param rep       REQUIRED, OPTIONAL or REPEATED
 * @param field_id  Iceberg field id or QB_PQ_NO_FIELD_ID
 * @return QB_OK, QB_EINVAL (finished schema, parent not a group, bad/duplicate name), QB_ELIMIT (depth),
 *         QB_ENOMEM
 */
QB_API int qb_pq_schema_add_group(qb_pq_node **out, qb_pq_schema *s, qb_pq_node *parent, const char *name,
                                  qb_pq_repetition rep, int32_t field_id, qb_err *err) QB_WUR;

/**
 * Append a primitive (leaf) child to `parent`. The legacy converted type is derived from `logical` as the
 * parquet writer rules demand (STRING→UTF8, DATE, DECIMAL, TIME/TIMESTAMP MILLIS|MICROS, INTEGER→INT_n/UINT_n,
 * JSON, BSON, ENUM; UUID/FLOAT16/NANOS have none). The type/annotation pairing is validated
 * (e.g. DECIMAL on INT32 needs precision ≤ 9, UUID needs FIXED_LEN_BYTE_ARRAY(16)).
 * @param type_length  byte length for FIXED_LEN_BYTE_ARRAY (> 0), else ignored (pass 0)
 * @param logical      annotation, or NULL for none (same as QB_PQ_LOGICAL_NONE)
 * @return QB_OK, QB_EINVAL (as for add_group, or a type/annotation mismatch), QB_ELIMIT, QB_ENOMEM
 */
QB_API int qb_pq_schema_add_primitive(qb_pq_node **out, qb_pq_schema *s, qb_pq_node *parent, const char *name,
                                      qb_pq_repetition rep, qb_pq_type type, int32_t type_length,
                                      const qb_pq_logical_type *logical, int32_t field_id, qb_err *err) QB_WUR;

/**
 * Append an Iceberg-style 3-level LIST: `<rep> group <name> (LIST) [field_id] { repeated group list { } }`.
 * The caller then adds exactly one child named "element" (with the element's field id) to *out_list_group.
 * @param out_list_group  OUT: the middle `repeated group list` node (it has no field id)
 * @param out_list        OUT: the LIST-annotated node (may be NULL)
 */
QB_API int qb_pq_schema_add_list(qb_pq_node **out_list_group, qb_pq_node **out_list, qb_pq_schema *s,
                                 qb_pq_node *parent, const char *name, qb_pq_repetition rep, int32_t field_id,
                                 qb_err *err) QB_WUR;

/**
 * Append an Iceberg-style MAP: `<rep> group <name> (MAP) [field_id] { repeated group key_value { } }`.
 * The caller then adds a REQUIRED child "key" and a child "value" (with their field ids) to *out_key_value.
 * @param out_key_value  OUT: the middle `repeated group key_value` node (it has no field id)
 * @param out_map        OUT: the MAP-annotated node (may be NULL)
 */
QB_API int qb_pq_schema_add_map(qb_pq_node **out_key_value, qb_pq_node **out_map, qb_pq_schema *s,
                                qb_pq_node *parent, const char *name, qb_pq_repetition rep, int32_t field_id,
                                qb_err *err) QB_WUR;

/**
 * Validate the tree and compute the columns and levels; after this the schema is read-only.
 * Checks: every group (the root included) has at least one child, LIST/MAP groups have the
 * one-repeated-child shape, at least one column exists.
 * @return QB_OK, QB_EINVAL (message names the offending node path), QB_ENOMEM
 */
QB_API int qb_pq_schema_finish(qb_pq_schema *s, qb_err *err) QB_WUR;

/** Number of leaf columns (0 before qb_pq_schema_finish). */
QB_API size_t qb_pq_schema_n_columns(const qb_pq_schema *s);
/** Leaf column `i` in file order (depth-first), or NULL if out of range. Borrowed. */
QB_API const qb_pq_node *qb_pq_schema_column(const qb_pq_schema *s, size_t i);
/** Number of nodes including the root. */
QB_API size_t qb_pq_schema_n_nodes(const qb_pq_schema *s);

/* Node getters: borrowed data valid until the schema is freed; cannot fail. */
QB_API const char *qb_pq_node_name(const qb_pq_node *n);
QB_API bool qb_pq_node_is_leaf(const qb_pq_node *n);
QB_API qb_pq_repetition qb_pq_node_repetition(const qb_pq_node *n);
/** Physical type of a leaf (meaningless on groups). */
QB_API qb_pq_type qb_pq_node_type(const qb_pq_node *n);
/** FIXED_LEN_BYTE_ARRAY length, else 0. */
QB_API int32_t qb_pq_node_type_length(const qb_pq_node *n);
QB_API qb_pq_logical_type qb_pq_node_logical(const qb_pq_node *n);
QB_API qb_pq_converted_type qb_pq_node_converted(const qb_pq_node *n);
/** True and *out set when the node has a field id. */
QB_API bool qb_pq_node_field_id(const qb_pq_node *n, int32_t *out);
QB_API size_t qb_pq_node_n_children(const qb_pq_node *n);
QB_API const qb_pq_node *qb_pq_node_child(const qb_pq_node *n, size_t i);
/** NULL for the root. */
QB_API const qb_pq_node *qb_pq_node_parent(const qb_pq_node *n);
/** Definition level reached when this node is present (count of OPTIONAL/REPEATED nodes root→here). */
QB_API int qb_pq_node_max_def(const qb_pq_node *n);
/** Repetition level of this node (count of REPEATED nodes root→here). */
QB_API int qb_pq_node_max_rep(const qb_pq_node *n);
/** Column index of a leaf, or -1 for a group. */
QB_API int qb_pq_node_column_index(const qb_pq_node *n);
/** Dotted path from the root's child ("coords.list.element"); "" for the root. */
QB_API const char *qb_pq_node_path(const qb_pq_node *n);

#endif
