/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet types users choose (physical types, repetition, logical types, codecs, encodings) and the
 * Parquet schema tree with its builder (parquet-format parquet.thrift, LogicalTypes.md, Iceberg 3-level lists). */
#ifndef QBERG_PARQUET_H
#define QBERG_PARQUET_H

#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/fileio.h"
#include "qberg/value.h"

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

/** Whether files can be written with codec `c` at `level` (0: the codec's default): QB_OK, or QB_EINVAL
 * saying why (a codec this build cannot write, a level outside the codec's range). The writer's own check. */
QB_API int qb_pq_codec_check_write(qb_pq_codec c, int level, qb_err *err) QB_WUR;

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
/* Bytes per value of this leaf's physical type as staged in a qb_pq_column_batch (1 BOOLEAN, 4 INT32/FLOAT,
 * 8 INT64/DOUBLE, 12 INT96, type_length FIXED_LEN_BYTE_ARRAY); 0 for BYTE_ARRAY (values + offsets). */
QB_API size_t qb_pq_node_value_width(const qb_pq_node *n);
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

/* ---- writer ---------------------------------------------------------------------------------------- */

/**
 * Streams a Parquet file to a qb_writer (any FileIO): "PAR1", row groups as they fill, footer on close.
 * Memory is bounded by one row group's buffers: pages are encoded and compressed as they fill and a row
 * group is written out when its buffered (compressed) size reaches row_group_size_bytes.
 * Output: data page v1 (v2 on request), PLAIN or dictionary values (PLAIN dictionary page; v1 pages say
 * PLAIN_DICTIONARY and v2 pages RLE_DICTIONARY, as parquet-java does), RLE levels, CRC-32 in page headers,
 * column statistics with TypeDefinedOrder, field ids and logical + converted types from the schema.
 * Not thread-safe; one writer per thread.
 */
typedef struct qb_pq_writer qb_pq_writer;

/** One key/value pair of the footer's key_value_metadata (Iceberg puts "iceberg.schema" there). */
typedef struct qb_pq_kv {
  const char *key;
  const char *value; /* NUL-terminated; NULL writes a key without value */
} qb_pq_kv;

#define QB_PQ_WRITE_OPTIONS_VERSION 1

typedef struct qb_pq_write_options {
  unsigned version;                  /* QB_PQ_WRITE_OPTIONS_VERSION */
  qb_pq_codec codec;                 /* ZSTD (default), SNAPPY, GZIP, UNCOMPRESSED (also LZ4_RAW, BROTLI) */
  int compression_level;             /* 0 = the codec's default (zstd 1, gzip 6); gzip 1..9, zstd ≤ 22 */
  uint64_t row_group_size_bytes;     /* buffered bytes that close a row group; default 128 MiB */
  uint32_t page_size_bytes;          /* encoded bytes that close a data page; default 1 MiB */
  uint32_t page_row_limit;           /* rows that close a data page; default 20000 (parquet-java); 0 = none */
  bool dictionary;                   /* dictionary-encode columns (not BOOLEAN); default true */
  uint32_t dictionary_page_size_bytes; /* PLAIN dictionary size that makes a chunk fall back to PLAIN; 1 MiB */
  int data_page_version;             /* 1 (default) or 2 */
  bool page_crc;                     /* CRC-32 in every page header; default true */
  const qb_pq_kv *key_value;         /* footer key_value_metadata, copied at open */
  size_t n_key_value;
  const char *created_by;            /* NULL = "qberg version <QB_VERSION>" */
  /* NULL, or one byte per leaf column shared by the writers of one data set (the files of one table
   * write, open together or one after another; single-threaded): a writer sets byte i when column i's
   * dictionary is dropped as losing on a chunk's first page, and a column whose byte is set judges its
   * own dictionary early (at once, from 256 first-page values) instead of after 8,192. Borrowed: it must
   * outlive the writer. */
  uint8_t *dict_lost;
  /* NULL: every column chunk is written in `codec`. Else one byte per leaf column, zero at first, shared
   * like dict_lost: chunks compression does not pay for are written UNCOMPRESSED (ColumnMetaData.codec is
   * per chunk; every reader honours it): a chunk whose only data page and dictionary hold < 256 bytes,
   * and the next 15 chunks of a column whose last compressed chunk (≥ 4 KiB) saved < 1/16 of its bytes;
   * then the column is compressed again as a new probe. Compressed chunks use `codec` at
   * `compression_level`. Borrowed: it must outlive the writer. */
  uint8_t *codec_skip;
  /* NULL, or one byte per leaf column: nonzero writes the column PLAIN from its first value, never
   * trying a dictionary (parquet-java ParquetProperties withDictionaryEncoding(path, false); Iceberg's
   * write.parquet.dict-encoding-enabled.column.<path>). For a column whose values are distinct on every
   * row the pages are byte for byte what the dictionary attempt leaves (its dictionary always loses the
   * first-page rule), without hashing every value first; a row group may close at another row (the
   * attempt counts its dictionary in the buffered size). Borrowed: it must outlive the writer. */
  const uint8_t *no_dictionary;
  /* BYTE_ARRAY pages written without a dictionary (none tried, or dropped) use DELTA_BYTE_ARRAY (front
   * coding: prefix lengths shared with the previous value, suffix lengths, suffixes) instead of PLAIN
   * when it pays: decided once per column chunk, on its first such page holding values, when the values'
   * shared prefixes make up at least half of their bytes (ids built as <experiment id>_term_<n>). Default
   * false (PLAIN): icebird and Iceberg-Java's vectorized reader before apache/iceberg PR #15362 cannot
   * read DELTA_BYTE_ARRAY in v1 pages (docs/COMPATIBILITY.md "Parquet encodings"). */
  bool delta_byte_array;
} qb_pq_write_options;

#define QB_PQ_WRITE_OPTIONS_INIT                                                                          \
  {QB_PQ_WRITE_OPTIONS_VERSION, QB_PQ_ZSTD, 0, (uint64_t)128 << 20, (uint32_t)1 << 20, 20000, true,      \
   (uint32_t)1 << 20, 1, true, NULL, 0, NULL, NULL, NULL, NULL, false}

/**
 * Start a Parquet file on `sink` (writes "PAR1" now). Offsets in the file are relative to the sink's
 * offset at this call.
 * @param sink    borrowed; stays the caller's: after qb_pq_writer_close succeeds, publish it with
 *                qb_writer_close; after any failure, qb_writer_abort it
 * @param schema  a finished schema, borrowed: it must outlive the writer
 * @param opts    NULL for the defaults
 * @return QB_OK, QB_EINVAL (unfinished schema, bad options: unknown version, codec not writable, page
 *         version not 1/2), QB_EIO (from the sink), QB_ENOMEM
 */
QB_API int qb_pq_writer_open(qb_pq_writer **out, qb_writer *sink, const qb_pq_schema *schema,
                             const qb_pq_write_options *opts, qb_err *err) QB_WUR;

/**
 * Append one row: `row` is a QB_V_STRUCT with one item per child of the schema root, in schema order
 * (see qberg/value.h for the kinds per type; BYTE_ARRAY takes QB_V_STRING or QB_V_BYTES, FLBA needs
 * exactly type_length bytes except DECIMAL, which is sign-extended; LIST groups take QB_V_LIST, MAP
 * groups QB_V_MAP, other groups QB_V_STRUCT; QB_V_NULL for an absent optional value).
 * The row is checked against the schema before anything is written: a mismatch is QB_EINVAL naming the
 * column ("column tags.list.element: expected STRING or BYTES, got INT64") and leaves the writer usable.
 * Any other failure (QB_EIO, QB_ENOMEM) poisons the writer: later calls return the same error.
 */
QB_API int qb_pq_writer_write_row(qb_pq_writer *w, const qb_value *row, qb_err *err) QB_WUR;

/**
 * One column of a columnar batch (Arrow-like: null rows still have a slot in `values`).
 *   BOOLEAN: uint8_t per row (0 false, else true); INT32/INT64/FLOAT/DOUBLE: the C type per row;
 *   FIXED_LEN_BYTE_ARRAY / INT96: type_length (12) bytes per row; BYTE_ARRAY: the bytes of row i are
 *   values[offsets[i] .. offsets[i+1]).
 * A row declared a repeat (repeats[i] != 0) holds no value of its own: its cell is row i - 1's (and so,
 * through a run of repeats, the last row before it that is not one). Fixed width: its slot still exists
 * (row i is at values + i * width) but is never read, so it may be left unset; BYTE_ARRAY: its bytes are
 * never read, so it may store none (offsets[i + 1] == offsets[i]: a record-constant column stores each
 * value once, not once per row). Whatever such a row stores is ignored.
 */
typedef struct qb_pq_column_batch {
  const void *values;
  const int64_t *offsets;   /* BYTE_ARRAY only: n_rows + 1 non-decreasing offsets */
  const uint8_t *valid;     /* NULL: every row has a value; else valid[i] == 0 means row i is null */
  /* Optional (NULL: no row is a repeat; the writer compares neighbours itself). repeats[i] != 0 makes
   * row i a repeat of row i - 1 (both null, or the same value, see above): the writer takes it without
   * comparing, looking it up or reading its slot (a producer that fills record-constant columns knows
   * this). repeats[0] must be 0 (a batch does not repeat a row before it) and a repeated row must agree
   * with its predecessor on validity, else QB_EINVAL. */
  const uint8_t *repeats;
} qb_pq_column_batch;

/**
 * Check rows [0, n_rows) of one batch column against leaf column `leaf`: values present, no null in a
 * REQUIRED column, BYTE_ARRAY offsets present, non-negative, non-decreasing and each value ≤ 4 GiB,
 * `repeats` (when given) consistent as its comment says.
 * Reads nothing beyond what the batch layout promises (n_rows validity bytes, n_rows + 1 offsets).
 * Writers call it before writing anything, so a rejected batch leaves no trace.
 * @return QB_OK, or QB_EINVAL "column <path>: [row N: ]<reason>"
 */
QB_API int qb_pq_column_batch_validate(const qb_pq_node *leaf, const qb_pq_column_batch *b, size_t n_rows,
                                       qb_err *err) QB_WUR;

/**
 * Append `n_rows` rows given column by column: cols[i] feeds leaf column i (qb_pq_schema_column order).
 * Only for flat schemas: no REPEATED node and no OPTIONAL group on any column's path (required groups
 * are fine), else QB_EINVAL naming the column. Nulls in a REQUIRED column, decreasing or negative
 * offsets are QB_EINVAL naming the column and row, detected before anything is written.
 * Other failures poison the writer as in qb_pq_writer_write_row.
 */
QB_API int qb_pq_writer_write_batch(qb_pq_writer *w, const qb_pq_column_batch *cols, size_t n_rows,
                                    qb_err *err) QB_WUR;

/** What Iceberg's data_file needs to know about one leaf column of a written file. */
typedef struct qb_pq_column_metrics {
  int32_t field_id;        /* QB_PQ_NO_FIELD_ID when the leaf has none */
  const char *path;        /* dotted path_in_schema ("tags.list.element"), owned by the result */
  qb_pq_type type;
  int max_rep;             /* > 0: the column is inside a list or map */
  uint64_t size_bytes;     /* sum of the chunks' total_compressed_size (pages with their headers) */
  uint64_t value_count;    /* level entries, nulls and empty lists included (sum of num_values) */
  uint64_t null_count;
  uint64_t nan_count;      /* FLOAT/DOUBLE; 0 for other types */
  bool has_bounds;         /* false: no non-null non-NaN value, or a type without order (INT96) */
  qb_slice lower_bound;    /* Parquet statistics form: PLAIN little-endian numbers, BYTE_ARRAY/FLBA raw */
  qb_slice upper_bound;    /*   bytes (never truncated here, even where the footer drops them) */
} qb_pq_column_metrics;

typedef struct qb_pq_write_result {
  uint64_t record_count;
  uint64_t file_size_bytes;
  size_t n_columns;
  qb_pq_column_metrics *columns; /* one per leaf column, in column order */
  size_t n_split_offsets;
  uint64_t *split_offsets;       /* start offset of each row group (Iceberg split_offsets), ascending */
} qb_pq_write_result;

/**
 * Finish the file: flush the last row group, write the footer, free `w` in every case.
 * @param out  OUT (may be NULL): the file's metrics; free with qb_pq_write_result_free
 * @return QB_OK, or the writer's poisoning error, QB_EIO, QB_ENOMEM (the sink is then the caller's to abort)
 */
QB_API int qb_pq_writer_close(qb_pq_writer *w, qb_pq_write_result **out, qb_err *err) QB_WUR;

/** Drop the writer without writing a footer (the caller aborts the sink). NULL-safe. */
QB_API void qb_pq_writer_abort(qb_pq_writer *w);

/** Rows accepted so far. */
QB_API uint64_t qb_pq_writer_rows(const qb_pq_writer *w);
/** Estimated file size so far (for callers that roll files by size; the footer is not counted): bytes
 * already given to the sink plus the open row group's buffered pages, dictionaries and open-page
 * estimates, which are mostly uncompressed: they are scaled by the ratio of written to buffered bytes of
 * this file's row groups written so far, or before the first by qb_pq_writer_size_hint's (none: taken as
 * written, so a file rolled before its first row group is written would come out several times smaller
 * than its target). */
QB_API uint64_t qb_pq_writer_bytes(const qb_pq_writer *w);
/** A ratio of written to buffered bytes (`out_bytes` / `in_bytes`, in_bytes > 0; 0 is ignored) for
 * qb_pq_writer_bytes to use until this file's first row group is written: an earlier file's, of the same
 * columns (qb_pq_writer_size_ratio). */
QB_API void qb_pq_writer_size_hint(qb_pq_writer *w, uint64_t out_bytes, uint64_t in_bytes);
/** The bytes this file's written row groups took (out) and had buffered (in); both 0 before the first. */
QB_API void qb_pq_writer_size_ratio(const qb_pq_writer *w, uint64_t *out_bytes, uint64_t *in_bytes);
/** Write the open row group out now (nothing if it is empty); errors poison the writer as a write's do. */
QB_API int qb_pq_writer_flush_row_group(qb_pq_writer *w, qb_err *err) QB_WUR;
/** Change the row group size limit of an open writer (bytes, > 0; 0 is ignored): callers that keep many
 * writers open share one memory budget this way. The open row group is written out at the next row that
 * finds it at or over the new limit. */
QB_API void qb_pq_writer_set_row_group_size(qb_pq_writer *w, uint64_t bytes);

/** NULL-safe. */
QB_API void qb_pq_write_result_free(qb_pq_write_result *r);

/* ---- reader ---------------------------------------------------------------------------------------- */
/* Reading is footer first, then one column chunk at a time, one row group at a time (memory is bounded by
 * the projected column chunks of one row group plus one decoded batch per column). Every offset and size
 * from the file is checked against the file size before anything is allocated. Errors name the file, the
 * row group, the column path and the page: "x.parquet: row group 0: column a.b: page 3: snappy: ...". */

typedef struct qb_pq_reader qb_pq_reader;
typedef struct qb_pq_scan qb_pq_scan;

#define QB_PQ_READ_OPTIONS_VERSION 1
/** Reader limits and switches; start from QB_PQ_READ_OPTIONS_INIT. */
typedef struct qb_pq_read_options {
  unsigned version;          /* QB_PQ_READ_OPTIONS_VERSION */
  uint64_t max_footer_bytes; /* larger FileMetaData is QB_ELIMIT (default 64 MiB) */
  uint64_t max_chunk_bytes;  /* larger compressed column chunk is QB_ELIMIT (default 2 GiB) */
  uint64_t max_page_bytes;   /* larger uncompressed page (or DELTA/BSS expansion) is QB_ELIMIT (default 1 GiB) */
  bool verify_crc;           /* check page CRC-32 where the writer stored one (default true) */
} qb_pq_read_options;
#define QB_PQ_READ_OPTIONS_INIT \
  {QB_PQ_READ_OPTIONS_VERSION, (uint64_t)64 << 20, (uint64_t)2 << 30, (uint64_t)1 << 30, true}

/** How a value read from a primitive column is to be understood; the qb_value kind is in brackets. */
typedef enum {
  QB_PQ_V_BOOL = 0,  /* [BOOL] */
  QB_PQ_V_INT,       /* [INT32 | INT64] signed integer (INT32/INT64, INTEGER(signed), INT_n) */
  QB_PQ_V_UINT,      /* [INT32 | INT64] unsigned integer in the same bits (INTEGER(unsigned), UINT_n) */
  QB_PQ_V_FLOAT,     /* [FLOAT] FLOAT, and FLOAT16 widened */
  QB_PQ_V_DOUBLE,    /* [DOUBLE] */
  QB_PQ_V_STRING,    /* [STRING] STRING, ENUM, JSON (UTF-8 not validated) */
  QB_PQ_V_BINARY,    /* [BYTES] BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY without annotation, BSON, INTERVAL */
  QB_PQ_V_DECIMAL,   /* [INT32 | INT64] unscaled, or [BYTES] big-endian two's complement; see scale/precision */
  QB_PQ_V_DATE,      /* [INT32] days since 1970-01-01 */
  QB_PQ_V_TIME,      /* [INT64] microseconds since midnight (MILLIS widened, NANOS floored) */
  QB_PQ_V_TIMESTAMP, /* [INT64] microseconds since the epoch (MILLIS widened, NANOS floored, INT96 converted) */
  QB_PQ_V_UUID       /* [BYTES] 16 bytes */
} qb_pq_vtype;

typedef enum { QB_PQ_F_PRIMITIVE = 0, QB_PQ_F_STRUCT, QB_PQ_F_LIST, QB_PQ_F_MAP } qb_pq_field_kind;

/**
 * A field of the rows a reader produces: the file schema with lists and maps recognised (3-level lists,
 * legacy 2-level lists and bare repeated fields per LogicalTypes.md backward-compatibility rules, MAP and
 * MAP_KEY_VALUE). Plain data owned by the reader or scan that returned it.
 *   STRUCT   children = fields (row values: QB_V_STRUCT, items in this order)
 *   LIST     children[0] = element (QB_V_LIST)
 *   MAP      children[0] = key, children[1] = value (QB_V_MAP); a MAP whose key_value group has only a
 *            key is read as a LIST of keys
 */
typedef struct qb_pq_field qb_pq_field;
struct qb_pq_field {
  const char *name;
  const char *path;          /* dotted names from the top-level field ("a.list.element.x"); projection key */
  qb_pq_field_kind kind;
  bool nullable;
  bool has_field_id;
  int32_t field_id;
  const qb_pq_node *node;    /* schema node it was built from (for a bare repeated field: that node) */
  /* PRIMITIVE only */
  qb_pq_vtype vtype;
  int32_t scale, precision;  /* DECIMAL */
  bool utc_adjusted;         /* TIME, TIMESTAMP (INT96: true) */
  int column;                /* leaf column index in the file; -1 for groups */
  /* STRUCT, LIST, MAP */
  size_t n_children;
  const qb_pq_field *const *children;
};

/**
 * Open a Parquet file for reading: reads and validates the tail and the footer (schema, row groups,
 * chunk offsets against the file size). `file` is borrowed and must outlive the reader.
 * @param opts  NULL for QB_PQ_READ_OPTIONS_INIT
 * @return QB_OK, QB_ECORRUPT (not Parquet, truncated, inconsistent footer), QB_EUNSUPPORTED (encrypted
 *         footer, columns in other files), QB_ELIMIT, QB_EIO, QB_ENOMEM. Messages start with the file path.
 */
QB_API int qb_pq_reader_open(qb_pq_reader **out, qb_file *file, const qb_pq_read_options *opts,
                             qb_err *err) QB_WUR;
/** Same, opening `path` through `io`; the reader owns that file. */
QB_API int qb_pq_reader_open_path(qb_pq_reader **out, qb_fileio *io, const char *path,
                                  const qb_pq_read_options *opts, qb_err *err) QB_WUR;
/** NULL-safe. Scans of this reader must be freed first. */
QB_API void qb_pq_reader_close(qb_pq_reader *r);

/* File-level getters: borrowed data valid until close. */
QB_API const char *qb_pq_reader_path(const qb_pq_reader *r);
QB_API uint64_t qb_pq_reader_file_size(const qb_pq_reader *r);
QB_API const qb_pq_schema *qb_pq_reader_schema(const qb_pq_reader *r);
/** FileMetaData.num_rows as written. */
QB_API int64_t qb_pq_reader_num_rows(const qb_pq_reader *r);
QB_API size_t qb_pq_reader_num_row_groups(const qb_pq_reader *r);
QB_API int32_t qb_pq_reader_format_version(const qb_pq_reader *r);
/** NULL when absent. */
QB_API const char *qb_pq_reader_created_by(const qb_pq_reader *r);
/** Footer length in bytes (FileMetaData without the 8-byte tail). */
QB_API uint32_t qb_pq_reader_footer_size(const qb_pq_reader *r);
QB_API size_t qb_pq_reader_num_kv(const qb_pq_reader *r);
/** Key/value metadata entry i: *value NULL when the entry has no value. */
QB_API void qb_pq_reader_kv(const qb_pq_reader *r, size_t i, const char **key, const char **value,
                            size_t *value_len);
/** Top-level fields of the rows (all columns). */
QB_API size_t qb_pq_reader_num_fields(const qb_pq_reader *r);
QB_API const qb_pq_field *qb_pq_reader_field(const qb_pq_reader *r, size_t i);
/** The primitive field of leaf column i (NULL if out of range). */
QB_API const qb_pq_field *qb_pq_reader_column_field(const qb_pq_reader *r, size_t i);
/** The field (any depth) with this field id, or NULL. */
QB_API const qb_pq_field *qb_pq_reader_field_by_id(const qb_pq_reader *r, int32_t field_id);

/** Column statistics of a chunk, decoded. min/max only when usable per the reader rules: min_value/max_value
 * under a type-defined (or absent) column order; deprecated min/max only for signed-order types; never for
 * INT96, FLOAT16 or a NaN bound. Byte values are borrowed from the reader. */
typedef struct qb_pq_stats {
  bool has_null_count, has_distinct_count, has_nan_count;
  int64_t null_count, distinct_count, nan_count;
  bool has_min, has_max;
  qb_value min, max;         /* in the column's value representation (see qb_pq_vtype) */
  bool min_exact, max_exact; /* false when the writer said the bound was truncated */
  bool from_deprecated;      /* taken from the deprecated min/max fields */
  qb_slice raw_min, raw_max; /* the stored bytes (min_value/max_value, else min/max), even if unusable */
} qb_pq_stats;

typedef struct qb_pq_chunk_info {
  size_t column;                 /* leaf column index */
  const char *path;              /* dotted path_in_schema */
  qb_pq_type type;
  qb_pq_codec codec;
  const qb_pq_encoding *encodings; /* as listed by the writer (not always complete) */
  size_t n_encodings;
  int64_t num_values;            /* level entries, not rows */
  int64_t total_compressed_size, total_uncompressed_size; /* including page headers */
  int64_t data_page_offset;
  bool has_dictionary_page_offset;
  int64_t dictionary_page_offset;
  int64_t file_offset;           /* ColumnChunk.file_offset as written */
  bool has_bloom_filter;
  int64_t bloom_filter_offset;
  int32_t bloom_filter_length;   /* -1 when not written */
  bool has_column_index, has_offset_index;
  bool has_stats;
  qb_pq_stats stats;
} qb_pq_chunk_info;

typedef struct qb_pq_row_group_info {
  int64_t num_rows;
  int64_t total_byte_size;       /* uncompressed, as written */
  int64_t total_compressed_size; /* -1 when not written */
  int64_t file_offset;           /* -1 when not written */
  int32_t ordinal;               /* -1 when not written */
  size_t n_sorting_columns;
} qb_pq_row_group_info;

/** Row group i; QB_EINVAL when out of range. */
QB_API int qb_pq_reader_row_group(qb_pq_row_group_info *out, const qb_pq_reader *r, size_t i,
                                  qb_err *err) QB_WUR;
/** Column chunk `column` of row group `rg`; QB_EINVAL when out of range. */
QB_API int qb_pq_reader_chunk(qb_pq_chunk_info *out, const qb_pq_reader *r, size_t rg, size_t column,
                              qb_err *err) QB_WUR;

/** Comparison of a predicate; IS_NULL / NOT_NULL ignore the value. */
typedef enum {
  QB_PQ_OP_EQ = 0,
  QB_PQ_OP_LT,
  QB_PQ_OP_LE,
  QB_PQ_OP_GT,
  QB_PQ_OP_GE,
  QB_PQ_OP_IS_NULL,
  QB_PQ_OP_NOT_NULL
} qb_pq_op;

/** `column op value` on a non-repeated primitive column, used only to skip whole row groups by their
 * statistics (rows of a row group that may match are all returned). The value is in the column's value
 * representation (qb_pq_vtype): e.g. a TIMESTAMP as QB_V_INT64 micros, a STRING as QB_V_STRING; integers
 * may be given as INT32 or INT64, floating point as FLOAT or DOUBLE (not NaN). Floating point orders as Java's
 * Double.compare does: -0.0 < 0.0 and NaN above every number; a zero min counts as -0.0 and a zero max as
 * +0.0 (writers may drop the sign), and a row group that may hold NaN (nan_count absent or not 0) is kept
 * for GT and GE. */
typedef struct qb_pq_predicate {
  const char *column; /* dotted path of the column (field path or path_in_schema), or NULL: use field_id */
  int32_t field_id;
  qb_pq_op op;
  qb_value value;
} qb_pq_predicate;

#define QB_PQ_SCAN_OPTIONS_VERSION 1
typedef struct qb_pq_scan_options {
  unsigned version;                     /* QB_PQ_SCAN_OPTIONS_VERSION */
  const char *const *columns;           /* projection by field path ("a", "a.b") or path_in_schema */
  size_t n_columns;
  const int32_t *field_ids;             /* projection by field id (any depth) */
  size_t n_field_ids;                   /* no columns and no field ids: all fields */
  const qb_pq_predicate *predicates;    /* AND of predicates: row groups that cannot match are skipped */
  size_t n_predicates;
} qb_pq_scan_options;
#define QB_PQ_SCAN_OPTIONS_INIT {QB_PQ_SCAN_OPTIONS_VERSION, NULL, 0, NULL, 0, NULL, 0}

/**
 * Start reading rows. The projection keeps each selected field with its whole subtree, and the struct
 * ancestors of nested selections with only the selected children; top-level fields come in the order of
 * their first selection (all fields: schema order). Names or ids that match nothing are QB_ENOTFOUND.
 * @param opts  NULL for all columns, no predicates
 * @return QB_OK, QB_ENOTFOUND, QB_EINVAL (bad predicate: repeated/group column, value kind), QB_ENOMEM
 */
QB_API int qb_pq_scan_new(qb_pq_scan **out, qb_pq_reader *r, const qb_pq_scan_options *opts,
                          qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_pq_scan_free(qb_pq_scan *s);
/** The projected top-level fields: a row is a QB_V_STRUCT with one item per field. */
QB_API size_t qb_pq_scan_num_fields(const qb_pq_scan *s);
QB_API const qb_pq_field *qb_pq_scan_field(const qb_pq_scan *s, size_t i);

/**
 * Next row, one row group at a time. *row is NULL at the end. The row and everything it points to stay
 * valid until the next call on the scan (or its free).
 * @return QB_OK, QB_ECORRUPT (message: file: row group: column: page: cause), QB_EUNSUPPORTED (codec or
 *         encoding), QB_ELIMIT, QB_EIO, QB_ENOMEM. After an error the scan only returns that error again.
 */
QB_API int qb_pq_scan_next(const qb_value **row, qb_pq_scan *s, qb_err *err) QB_WUR;

/** One column of a batch: row-aligned values of a non-repeated primitive column. */
typedef struct qb_pq_batch_column {
  const qb_pq_field *field; /* the primitive field */
  qb_vkind kind;            /* BOOL (uint8_t 0/1), INT32, INT64, FLOAT, DOUBLE, BYTES or STRING (qb_slice) */
  const void *values;       /* n_rows entries; the entry of a null row is unspecified */
  const uint8_t *nulls;     /* NULL when no row of the batch is null, else nulls[i] != 0 for a null row */
} qb_pq_batch_column;

typedef struct qb_pq_batch {
  size_t n_rows;                       /* 0 at the end */
  size_t n_columns;                    /* one per projected leaf column, in file order */
  const qb_pq_batch_column *columns;
} qb_pq_batch;

/**
 * Columnar alternative to qb_pq_scan_next for scans whose projected columns are all non-repeated
 * (nested structs are fine; a value is null when the column or any struct above it is null). Returns up to
 * `max_rows` rows (fewer at page and row-group ends); n_rows 0 at the end. Valid until the next call.
 * Do not mix with qb_pq_scan_next on one scan.
 * @return as qb_pq_scan_next; QB_EUNSUPPORTED when a projected column is repeated
 */
QB_API int qb_pq_scan_next_batch(qb_pq_batch *out, qb_pq_scan *s, size_t max_rows, qb_err *err) QB_WUR;

/** Row groups skipped by predicates so far, and row groups read (for tests and EXPLAIN-like output). */
QB_API size_t qb_pq_scan_row_groups_skipped(const qb_pq_scan *s);
QB_API size_t qb_pq_scan_row_groups_read(const qb_pq_scan *s);

#endif
