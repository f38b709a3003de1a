/* SPDX-License-Identifier: Apache-2.0 */
/* Avro (1.11 spec): schemas with every attribute kept (Iceberg's field-id, element-id, logicalType map …),
 * Object Container Files read and written block by block, and schema resolution by field id.
 *
 * Values are qb_value (qberg/value.h), shaped by the schema the caller reads with:
 *   null -> QB_V_NULL, boolean -> QB_V_BOOL, int -> QB_V_INT32, long -> QB_V_INT64, float -> QB_V_FLOAT,
 *   double -> QB_V_DOUBLE, bytes/fixed -> QB_V_BYTES, string -> QB_V_STRING,
 *   enum -> QB_V_STRING holding the symbol (writing also accepts QB_V_INT32 = symbol index),
 *   record -> QB_V_STRUCT (items in schema field order), array -> QB_V_LIST,
 *   map -> QB_V_MAP (string keys), array with "logicalType":"map" of records {key, value} -> QB_V_MAP
 *   (writing accepts QB_V_MAP or a QB_V_LIST of 2-field structs),
 *   union -> the value of the chosen branch (QB_V_NULL for the null branch). With the `wrap_unions` option a
 *   union with two or more non-null branches is instead QB_V_STRUCT {QB_V_INT32 branch index, value}.
 * Logical types (date, timestamp-micros, decimal, uuid …) do not change the value kind; read them from the
 * schema with qb_avro_node_logical_type / qb_avro_node_prop_json.
 * Threads: a parsed schema may be shared by readers and writers in several threads, except for the
 * *_to_json and *_prop_json calls, which format into the schema (use them from one thread at a time). */
#ifndef QBERG_AVRO_H
#define QBERG_AVRO_H

#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/fileio.h"
#include "qberg/value.h"

typedef struct qb_avro_schema qb_avro_schema; /* a parsed schema; owns all of its nodes */
typedef struct qb_avro_node qb_avro_node;     /* one type inside a schema; borrowed from the schema */
typedef struct qb_avro_reader qb_avro_reader; /* an Object Container File open for reading */
typedef struct qb_avro_writer qb_avro_writer; /* an Object Container File being written */

typedef enum {
  QB_AVRO_NULL = 0,
  QB_AVRO_BOOLEAN,
  QB_AVRO_INT,
  QB_AVRO_LONG,
  QB_AVRO_FLOAT,
  QB_AVRO_DOUBLE,
  QB_AVRO_BYTES,
  QB_AVRO_STRING,
  QB_AVRO_RECORD,
  QB_AVRO_ENUM,
  QB_AVRO_ARRAY,
  QB_AVRO_MAP,
  QB_AVRO_UNION,
  QB_AVRO_FIXED
} qb_avro_type;

/** Block codecs by their `avro.codec` names: "null", "deflate", "snappy", "zstandard". */
typedef enum { QB_AVRO_CODEC_NULL = 0, QB_AVRO_CODEC_DEFLATE, QB_AVRO_CODEC_SNAPPY, QB_AVRO_CODEC_ZSTD } qb_avro_codec;

/** Schemas nested deeper than this (and data nested deeper, through recursive types) are refused. */
#define QB_AVRO_MAX_DEPTH 64

/* ---- schemas ------------------------------------------------------------------------------------ */

/**
 * Parse a schema from its JSON text (`n` bytes; need not be NUL-terminated). Every attribute is kept:
 * doc, default, aliases, order, logicalType and any other key ("field-id", "element-id", "key-id", …).
 * Records without a name (written by some Iceberg writers) are accepted.
 * @return QB_OK, QB_EINVAL (message names the JSON path of the problem), QB_ENOMEM
 */
QB_API int qb_avro_schema_parse(qb_avro_schema **out, const char *json, size_t n, qb_err *err) QB_WUR;
/** NULL-safe. Invalidates every node and string borrowed from the schema. */
QB_API void qb_avro_schema_free(qb_avro_schema *s);
QB_API const qb_avro_node *qb_avro_schema_root(const qb_avro_schema *s);
/**
 * The schema as compact JSON in the key order Java's Avro writes (type, name, namespace, doc, fields /
 * items / values / symbols / size, then the other attributes in their original order). A named type is
 * defined at its first use and referenced by name after. *out is malloc'd and NUL-terminated; free() it.
 */
QB_API int qb_avro_schema_to_json(char **out, size_t *out_n, const qb_avro_schema *s, qb_err *err) QB_WUR;

QB_API qb_avro_type qb_avro_node_type(const qb_avro_node *n);
/** "record", "long", … */
QB_API const char *qb_avro_type_name(qb_avro_type t);
/** Full name of a record, enum or fixed ("ns.name"); NULL for an anonymous record and other types. */
QB_API const char *qb_avro_node_name(const qb_avro_node *n);
/** The "logicalType" attribute or NULL. */
QB_API const char *qb_avro_node_logical_type(const qb_avro_node *n);
/** Fields of a record, branches of a union, symbols of an enum, bytes of a fixed; 0 otherwise. */
QB_API size_t qb_avro_node_size(const qb_avro_node *n);
/** Type of record field i, union branch i, array items / map values (i = 0); NULL when out of range. */
QB_API const qb_avro_node *qb_avro_node_child(const qb_avro_node *n, size_t i);
/** For a union of null and one other type, that type; otherwise `n` itself. */
QB_API const qb_avro_node *qb_avro_node_non_null(const qb_avro_node *n);
/** Record field i's name; NULL when out of range. */
QB_API const char *qb_avro_node_field_name(const qb_avro_node *n, size_t i);
/** Enum symbol i; NULL when out of range. */
QB_API const char *qb_avro_node_symbol(const qb_avro_node *n, size_t i);
/** Index of the record field named `name`, or -1. */
QB_API int qb_avro_node_field_index(const qb_avro_node *n, const char *name);
/** Index of the record field whose "field-id" is `id`, or -1. */
QB_API int qb_avro_node_field_index_by_id(const qb_avro_node *n, int32_t id);
/** Record field i's "field-id" (an int attribute); false if it has none. */
QB_API bool qb_avro_node_field_id(const qb_avro_node *n, size_t i, int32_t *out);
/** An integer attribute of a type ("element-id", "key-id", "value-id", "precision", "scale", "size"). */
QB_API bool qb_avro_node_int_prop(const qb_avro_node *n, const char *key, int64_t *out);
/** Any attribute of a type as compact JSON text ("\"map\"", "false", …); NULL when absent. */
QB_API const char *qb_avro_node_prop_json(const qb_avro_node *n, const char *key);
/** Any attribute of record field i as compact JSON text ("default", "doc", "field-id", …); NULL when absent. */
QB_API const char *qb_avro_node_field_prop_json(const qb_avro_node *n, size_t i, const char *key);

/* ---- reading ------------------------------------------------------------------------------------ */

typedef struct qb_avro_read_options {
  unsigned version; /* QB_AVRO_READ_OPTIONS_VERSION */
  /**
   * The schema the caller expects (borrowed; must outlive the reader), or NULL to get values shaped by the
   * writer schema. Resolution (Avro spec "Schema Resolution", with Iceberg's rule first): record fields match
   * by "field-id" when both sides have one, else by name or the reader field's aliases; writer fields the
   * reader lacks are skipped; reader fields the writer lacks get the reader field's default, or QB_V_NULL
   * when it has none; int -> long/float/double, long -> float/double, float -> double and string <-> bytes
   * are promoted; a non-union writer matches the first fitting reader branch; a writer union is resolved
   * per branch (a null written where the reader has no null branch reads as QB_V_NULL). Record and fixed
   * names are not compared (Iceberg writers name the same records differently); fixed sizes are.
   */
  const qb_avro_schema *reader_schema;
  bool wrap_unions;           /* see the top of this header */
  size_t max_block_bytes;     /* cap on a block, compressed and decompressed; 0 = 64 MiB */
  uint64_t max_block_records; /* cap on the record count of one block; 0 = 16 Mi */
  size_t max_header_bytes;    /* cap on the header (magic + metadata + sync); 0 = 16 MiB */
  size_t max_record_bytes;    /* cap on the memory one decoded record may take; 0 = 256 MiB */
  size_t read_ahead_bytes;    /* size of each range read; 0 = 64 KiB */
  /**
   * Parsed writer schemas reused across files whose "avro.schema" text is identical (NULL: none): reading
   * thousands of small files of one writer (manifests, manifest lists) parses and resolves the schema once.
   * Borrowed; it must outlive every reader opened with it.
   */
  struct qb_avro_schema_cache *schema_cache;
} qb_avro_read_options;

#define QB_AVRO_READ_OPTIONS_VERSION 1
#define QB_AVRO_READ_OPTIONS_INIT {QB_AVRO_READ_OPTIONS_VERSION, NULL, false, 0, 0, 0, 0, 0, NULL}

/** A cache of parsed writer schemas and their resolution (see qb_avro_read_options.schema_cache): the last 16
 * distinct (schema text, reader schema, wrap_unions) combinations. One thread at a time. */
typedef struct qb_avro_schema_cache qb_avro_schema_cache;
QB_API int qb_avro_schema_cache_new(qb_avro_schema_cache **out, qb_err *err) QB_WUR;
/** NULL-safe. Readers opened with the cache must be closed first. */
QB_API void qb_avro_schema_cache_free(qb_avro_schema_cache *c);

/**
 * Open an Object Container File: reads and checks the header (magic, metadata, writer schema, codec, sync
 * marker) and resolves the reader schema against the writer schema. Blocks are then read one at a time.
 * @param f     borrowed; must stay open until qb_avro_reader_close
 * @param opts  NULL = defaults
 * @return QB_OK; QB_ECORRUPT (not an OCF, bad header); QB_EUNSUPPORTED (codec such as "xz" or "bzip2");
 *         QB_EINVAL (reader schema cannot read the writer schema: message names the field); QB_ELIMIT; QB_EIO
 */
QB_API int qb_avro_reader_open(qb_avro_reader **out, qb_file *f, const qb_avro_read_options *opts,
                               qb_err *err) QB_WUR;
/** Like qb_avro_reader_open on `path` opened through `io`; the reader owns and closes that file. */
QB_API int qb_avro_reader_open_path(qb_avro_reader **out, qb_fileio *io, const char *path,
                                    const qb_avro_read_options *opts, qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_avro_reader_close(qb_avro_reader *r);

/**
 * The next record. *out is NULL at the end of the file. The value and everything it points to are
 * borrowed: valid until the next call to qb_avro_reader_next or qb_avro_reader_close.
 * Errors name the file, block (0-based), record within the block (0-based) and field path, e.g.
 * "m1.avro: block 3: record 17: data_file.partition.x: union index 5 out of range (2 branches)".
 * After an error every later call returns the same error.
 * @return QB_OK, QB_ECORRUPT, QB_ELIMIT, QB_EIO, QB_ENOMEM
 */
QB_API int qb_avro_reader_next(const qb_value **out, qb_avro_reader *r, qb_err *err) QB_WUR;

/** One block of an Object Container File, borrowed from the reader until its next call. */
typedef struct qb_avro_block {
  uint64_t records; /* records in the block */
  qb_slice stored;  /* the block's bytes as stored in the file (compressed with the file's codec) */
  qb_slice data;    /* the records' binary encoding (decompressed); {NULL, 0} unless asked for */
} qb_avro_block;

/**
 * The next block whole, for readers that decode records themselves (lean scanners that skip fields) or copy
 * blocks verbatim into another file with the same schema and codec (see qb_avro_writer_append_block).
 * out->stored.p is NULL at the end of the file. The block header, size limits and sync marker are checked;
 * the records themselves are not decoded. Must not be called while records of a block read with
 * qb_avro_reader_next are still pending. After an error every later call returns the same error.
 * @param decompress  also decompress into out->data (costs the codec's time; not needed to copy)
 * @return QB_OK, QB_ECORRUPT, QB_ELIMIT, QB_EIO, QB_ENOMEM, QB_EINVAL (records of the current block pending)
 */
QB_API int qb_avro_reader_next_block(qb_avro_block *out, qb_avro_reader *r, bool decompress, qb_err *err) QB_WUR;
/** The file's 16-byte sync marker. */
QB_API const uint8_t *qb_avro_reader_sync(const qb_avro_reader *r);

/** The writer schema from the file header. */
QB_API const qb_avro_schema *qb_avro_reader_writer_schema(const qb_avro_reader *r);
/** The schema values are shaped by: the reader schema if one was given, else the writer schema. */
QB_API const qb_avro_schema *qb_avro_reader_schema(const qb_avro_reader *r);
QB_API qb_avro_codec qb_avro_reader_codec(const qb_avro_reader *r);
/** Number of header metadata entries, including avro.schema and avro.codec, in file order. */
QB_API size_t qb_avro_reader_meta_count(const qb_avro_reader *r);
/** Entry i: key (NUL-terminated) and value bytes; false when out of range. Borrowed from the reader. */
QB_API bool qb_avro_reader_meta_at(const qb_avro_reader *r, size_t i, const char **key, qb_slice *value);
/** The value of metadata `key`; false when absent. Values are bytes: Iceberg's keys hold UTF-8 text. */
QB_API bool qb_avro_reader_meta(const qb_avro_reader *r, const char *key, qb_slice *value);
/** Blocks read so far (the block of the last record returned is number blocks - 1). */
QB_API uint64_t qb_avro_reader_blocks(const qb_avro_reader *r);

/* ---- writing ------------------------------------------------------------------------------------ */

typedef struct qb_avro_write_options {
  unsigned version;    /* QB_AVRO_WRITE_OPTIONS_VERSION */
  qb_avro_codec codec; /* default QB_AVRO_CODEC_NULL; Iceberg (Java) writes deflate */
  int level;           /* deflate 1..9, zstd 1..22; 0 = 6 for deflate, 3 for zstd */
  size_t block_bytes;  /* a block is closed once its encoded records reach this size; 0 = 64000 (Java's) */
  bool wrap_unions;    /* values of unions with >= 2 non-null branches are {branch, value} structs */
} qb_avro_write_options;

#define QB_AVRO_WRITE_OPTIONS_VERSION 1
#define QB_AVRO_WRITE_OPTIONS_INIT {QB_AVRO_WRITE_OPTIONS_VERSION, QB_AVRO_CODEC_NULL, 0, 0, false}

/**
 * Start an Object Container File on `dst`. Nothing is written until the first append, flush or close, so
 * metadata can be set first. The schema is checked for what other Avro readers insist on (valid names).
 * @param dst     borrowed; the caller publishes it with qb_writer_close after qb_avro_writer_close
 * @param schema  borrowed; must outlive the writer. Written as qb_avro_schema_to_json into "avro.schema".
 * @param opts    NULL = defaults
 */
QB_API int qb_avro_writer_open(qb_avro_writer **out, qb_writer *dst, const qb_avro_schema *schema,
                               const qb_avro_write_options *opts, qb_err *err) QB_WUR;
/**
 * Set header metadata `key` (replacing an earlier value) before the first record: Iceberg's "schema",
 * "partition-spec", "format-version", … "avro.schema" and "avro.codec" come from the schema and options
 * and are refused here (QB_EINVAL), as is any call after the first record (or flush).
 */
QB_API int qb_avro_writer_set_meta(qb_avro_writer *w, const char *key, const void *value, size_t n,
                                   qb_err *err) QB_WUR;
QB_API int qb_avro_writer_set_meta_str(qb_avro_writer *w, const char *key, const char *value, qb_err *err) QB_WUR;
/**
 * Append one record, encoded by the writer schema. A value that does not fit the schema fails with
 * QB_EINVAL naming the field path and leaves the file as it was (the writer stays usable). An I/O error
 * poisons the writer: every later call returns that first error.
 */
QB_API int qb_avro_writer_append(qb_avro_writer *w, const qb_value *v, qb_err *err) QB_WUR;
/**
 * Append one record given as JSON text in the layout qb_avro_value_to_json prints (records as objects;
 * a missing field takes its schema default; unions unwrapped and routed by JSON type, or
 * {"<branch type>": value} with wrap_unions; bytes/fixed as {"$hex": "…"}; "NaN"/"Infinity" for
 * floats). QB_EINVAL names the record and field path of JSON that does not fit; the file is unchanged.
 */
QB_API int qb_avro_writer_append_json(qb_avro_writer *w, const char *json, size_t n, qb_err *err) QB_WUR;
/**
 * Append one block copied verbatim from another file (qb_avro_reader_next_block's `stored` bytes and record
 * count): no record is decoded or re-encoded. The block must hold `records` records encoded by this writer's
 * schema (the source file's writer schema must be the same) and compressed with `codec`, which must be this
 * writer's codec (else QB_EINVAL, nothing written). A block whose data fits in a quarter of block_bytes
 * together with the block being built joins that block (decompressed and appended: records stay undecoded), so
 * that a file copied forward many times keeps few blocks; a larger one is written as it is, after the block
 * being built, with this file's sync marker. An I/O error poisons the writer as in qb_avro_writer_append.
 * @return QB_OK, QB_EINVAL (codec differs, empty or oversized block), QB_ECORRUPT (a small block does not
 *         decompress), QB_EIO, QB_ENOMEM
 */
QB_API int qb_avro_writer_append_block(qb_avro_writer *w, uint64_t records, qb_slice stored, qb_avro_codec codec,
                                       qb_err *err) QB_WUR;
/** End the current block now (none is written when it is empty); writes the header if not yet written. */
QB_API int qb_avro_writer_flush(qb_avro_writer *w, qb_err *err) QB_WUR;
/** Write the last block (and the header if nothing was written yet) and free `w` in every case. */
QB_API int qb_avro_writer_close(qb_avro_writer *w, qb_err *err) QB_WUR;
/** Free `w` without writing anything more. NULL-safe. The caller then aborts its qb_writer. */
QB_API void qb_avro_writer_abort(qb_avro_writer *w);
/** Records appended so far. */
QB_API uint64_t qb_avro_writer_records(const qb_avro_writer *w);

/* ---- JSON --------------------------------------------------------------------------------------- */

/**
 * A value as one line of JSON, shaped by `schema` (the schema it was read with): records and Avro maps as
 * objects, arrays (also logicalType map) as arrays, longs as exact integers, bytes/fixed as
 * {"$hex":"0a1b"}, NaN/Infinity as the strings "NaN"/"Infinity"/"-Infinity", invalid UTF-8 replaced by
 * U+FFFD. `wrap_unions` says the value was read with that option (wrapped unions print as
 * {"<branch type>": value}). *out is malloc'd and NUL-terminated; free() it.
 */
QB_API int qb_avro_value_to_json(char **out, size_t *out_n, const qb_avro_node *schema, const qb_value *v,
                                 bool wrap_unions, qb_err *err) QB_WUR;
/**
 * The header metadata as one JSON object in file order: values that are UTF-8 text (Iceberg's keys,
 * avro.schema, avro.codec) as strings, others as {"$hex":"…"}. *out is malloc'd; free() it.
 */
QB_API int qb_avro_reader_meta_to_json(char **out, size_t *out_n, const qb_avro_reader *r, qb_err *err) QB_WUR;

#endif
