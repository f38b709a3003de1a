/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet metadata structs (FileMetaData, RowGroup, ColumnChunk, PageHeader, …) and their Thrift compact
 * decoding/encoding (parquet-format parquet.thrift; formats.md §2.1–§2.3). Unknown fields are skipped. */
#ifndef QB_FORMATS_PARQUET_META_H
#define QB_FORMATS_PARQUET_META_H

#include "formats/thrift/compact.h"
#include "qberg/parquet.h"
#include "util/arena.h"
#include "util/buf.h"

/* ---- Conventions ----------------------------------------------------------------------------------------
 * - Optional thrift fields have a `has_<field>` flag; required fields missing on decode are QB_ECORRUPT
 *   ("ColumnMetaData: missing required field 9 (data_page_offset)").
 * - Enum-valued fields hold the wire number as decoded, even when outside the C enum (a reader reports
 *   "unsupported codec 9" itself); decode only checks that it fits the int32.
 * - Decode copies strings and binaries into the caller's arena, except where a function says that a NULL
 *   arena makes them borrow the input (page headers: no allocation per page).
 * - Every list is allocated only after its size was checked against the remaining input, so a footer of
 *   N bytes cannot make decode allocate more than a small multiple of N.
 * - Encode writes the fields that are set, in field-id order, to a qb_tc_writer (sticky errors).
 * ------------------------------------------------------------------------------------------------------- */

/** Page types (parquet.thrift `PageType`). */
typedef enum {
  QB_PQ_PAGE_DATA = 0,
  QB_PQ_PAGE_INDEX = 1,
  QB_PQ_PAGE_DICTIONARY = 2,
  QB_PQ_PAGE_DATA_V2 = 3
} qb_pq_page_type;

/** ColumnOrder union member (thrift field id); QB_PQ_ORDER_UNKNOWN for an id this library does not know. */
typedef enum {
  QB_PQ_ORDER_UNKNOWN = 0,
  QB_PQ_ORDER_TYPE_DEFINED = 1,
  QB_PQ_ORDER_IEEE754_TOTAL = 2,
  QB_PQ_ORDER_INT96_TIMESTAMP = 3
} qb_pq_column_order;

/** "PAR1" magic at both ends of a plaintext file; "PARE" ends a file with an encrypted footer. */
#define QB_PQ_MAGIC "PAR1"
#define QB_PQ_MAGIC_ENCRYPTED "PARE"
/** A file is at least "PAR1" + footer length + "PAR1" (+ a footer of ≥ 1 byte). */
#define QB_PQ_TAIL_BYTES 8

typedef struct qb_pq_statistics {
  bool has_max, has_min, has_null_count, has_distinct_count, has_max_value, has_min_value;
  bool has_is_max_value_exact, has_is_min_value_exact, has_nan_count;
  qb_slice max, min;             /* 1, 2: deprecated, signed order */
  int64_t null_count;            /* 3 */
  int64_t distinct_count;        /* 4 */
  qb_slice max_value, min_value; /* 5, 6: order per ColumnOrder; BYTE_ARRAY without the length prefix */
  bool is_max_value_exact;       /* 7 */
  bool is_min_value_exact;       /* 8 */
  int64_t nan_count;             /* 9 */
} qb_pq_statistics;

typedef struct qb_pq_key_value {
  const char *key;      /* 1 req */
  bool has_value;
  const char *value;    /* 2 opt (absent in column_chunk_key_value_metadata.parquet) */
  size_t value_len;     /* the value may hold NULs */
} qb_pq_key_value;

typedef struct qb_pq_schema_element {
  bool has_type, has_type_length, has_repetition, has_num_children, has_converted_type;
  bool has_scale, has_precision, has_field_id, has_logical_type;
  qb_pq_type type;               /* 1 */
  int32_t type_length;           /* 2 */
  qb_pq_repetition repetition;   /* 3 (absent on the root) */
  const char *name;              /* 4 req */
  int32_t num_children;          /* 5 */
  qb_pq_converted_type converted_type; /* 6 */
  int32_t scale;                 /* 7 */
  int32_t precision;             /* 8 */
  int32_t field_id;              /* 9 */
  qb_pq_logical_type logical_type; /* 10; an unknown union member decodes as kind NONE + unrecognized_id */
} qb_pq_schema_element;

typedef struct qb_pq_page_encoding_stats {
  qb_pq_page_type page_type; /* 1 */
  qb_pq_encoding encoding;   /* 2 */
  int32_t count;             /* 3 */
} qb_pq_page_encoding_stats;

typedef struct qb_pq_column_meta {
  qb_pq_type type;                    /* 1 */
  qb_pq_encoding *encodings;          /* 2: n_encodings entries; do not trust (DuckDB lists only values) */
  uint32_t n_encodings;
  const char **path_in_schema;        /* 3: n_path entries */
  uint32_t n_path;
  qb_pq_codec codec;                  /* 4 */
  int64_t num_values;                 /* 5: level entries, not rows */
  int64_t total_uncompressed_size;    /* 6: includes page headers */
  int64_t total_compressed_size;      /* 7: includes page headers */
  qb_pq_key_value *key_value_metadata; /* 8 */
  uint32_t n_key_value_metadata;
  int64_t data_page_offset;           /* 9 */
  bool has_index_page_offset;
  int64_t index_page_offset;          /* 10 */
  bool has_dictionary_page_offset;
  int64_t dictionary_page_offset;     /* 11: may be 0 (parquet-mr 1.12.0 bug) — see qb_pq_column_meta_start */
  bool has_statistics;
  qb_pq_statistics statistics;        /* 12 */
  qb_pq_page_encoding_stats *encoding_stats; /* 13 */
  uint32_t n_encoding_stats;
  bool has_bloom_filter_offset, has_bloom_filter_length;
  int64_t bloom_filter_offset;        /* 14 */
  int32_t bloom_filter_length;        /* 15 */
} qb_pq_column_meta;

typedef struct qb_pq_column_chunk {
  bool has_file_path, has_meta_data;
  bool has_offset_index_offset, has_offset_index_length, has_column_index_offset, has_column_index_length;
  const char *file_path;           /* 1: chunk in another file (rejected by readers) */
  int64_t file_offset;             /* 2 req (deprecated; 0 from DuckDB) */
  qb_pq_column_meta meta_data;     /* 3 */
  int64_t offset_index_offset;     /* 4 */
  int32_t offset_index_length;     /* 5 */
  int64_t column_index_offset;     /* 6 */
  int32_t column_index_length;     /* 7 */
} qb_pq_column_chunk;

typedef struct qb_pq_sorting_column {
  int32_t column_idx; /* 1 */
  bool descending;    /* 2 */
  bool nulls_first;   /* 3 */
} qb_pq_sorting_column;

typedef struct qb_pq_row_group {
  qb_pq_column_chunk *columns;      /* 1 req */
  uint32_t n_columns;
  int64_t total_byte_size;          /* 2 req */
  int64_t num_rows;                 /* 3 req */
  qb_pq_sorting_column *sorting_columns; /* 4 */
  uint32_t n_sorting_columns;       /* has = n > 0 or has_sorting_columns */
  bool has_sorting_columns, has_file_offset, has_total_compressed_size, has_ordinal;
  int64_t file_offset;              /* 5: Iceberg split offset */
  int64_t total_compressed_size;    /* 6 */
  int16_t ordinal;                  /* 7 */
} qb_pq_row_group;

typedef struct qb_pq_file_meta {
  int32_t version;                  /* 1 req */
  qb_pq_schema_element *schema;     /* 2 req: depth-first, root first */
  uint32_t n_schema;
  int64_t num_rows;                 /* 3 req */
  qb_pq_row_group *row_groups;      /* 4 req */
  uint32_t n_row_groups;
  /* writing only: when set, the n_row_groups row groups already encoded (qb_pq_row_group_write, back to
   * back) instead of `row_groups` — a writer keeps each finished row group's metadata as these bytes */
  const uint8_t *row_groups_encoded;
  size_t row_groups_encoded_len;
  qb_pq_key_value *key_value_metadata; /* 5 */
  uint32_t n_key_value_metadata;
  bool has_key_value_metadata, has_created_by, has_column_orders;
  const char *created_by;           /* 6 */
  qb_pq_column_order *column_orders; /* 7: one per leaf */
  uint32_t n_column_orders;
} qb_pq_file_meta;

typedef struct qb_pq_data_page_header {
  int32_t num_values;               /* 1: level entries incl. nulls */
  qb_pq_encoding encoding;          /* 2 */
  qb_pq_encoding def_level_encoding; /* 3 */
  qb_pq_encoding rep_level_encoding; /* 4 */
  bool has_statistics;
  qb_pq_statistics statistics;      /* 5 */
} qb_pq_data_page_header;

typedef struct qb_pq_dictionary_page_header {
  int32_t num_values;               /* 1 */
  qb_pq_encoding encoding;          /* 2: PLAIN or PLAIN_DICTIONARY (same bytes) */
  bool has_is_sorted;
  bool is_sorted;                   /* 3 */
} qb_pq_dictionary_page_header;

typedef struct qb_pq_data_page_header_v2 {
  int32_t num_values;               /* 1 */
  int32_t num_nulls;                /* 2 */
  int32_t num_rows;                 /* 3 */
  qb_pq_encoding encoding;          /* 4 */
  int32_t def_levels_byte_length;   /* 5: levels are never compressed */
  int32_t rep_levels_byte_length;   /* 6 */
  bool is_compressed;               /* 7: default true when absent */
  bool has_statistics;
  qb_pq_statistics statistics;      /* 8 */
} qb_pq_data_page_header_v2;

typedef struct qb_pq_page_header {
  qb_pq_page_type type;             /* 1 */
  int32_t uncompressed_page_size;   /* 2: excludes the header */
  int32_t compressed_page_size;     /* 3: excludes the header */
  bool has_crc;
  uint32_t crc;                     /* 4: CRC-32 (zlib) of the compressed page bytes */
  bool has_data_page_header, has_index_page_header, has_dictionary_page_header, has_data_page_header_v2;
  qb_pq_data_page_header data_page_header;        /* 5 */
  qb_pq_dictionary_page_header dictionary_page_header; /* 7 (6 IndexPageHeader is empty and skipped) */
  qb_pq_data_page_header_v2 data_page_header_v2;  /* 8 */
} qb_pq_page_header;

/* ---- file tail ---------------------------------------------------------------------------------------- */

/**
 * Check the last 8 bytes of a file of `file_size` bytes and return the footer length.
 * @param out_footer_len  OUT: length of the FileMetaData that ends 8 bytes before the end of the file
 * @return QB_OK; QB_EUNSUPPORTED for "PARE" (encrypted footer); QB_ECORRUPT for a bad magic, a file shorter
 *         than 12 bytes, or a footer length that does not fit between the leading "PAR1" and the tail.
 */
int qb_pq_tail_parse(uint32_t *out_footer_len, const uint8_t tail[QB_PQ_TAIL_BYTES], uint64_t file_size,
                     qb_err *err);

/* ---- whole-buffer entry points ------------------------------------------------------------------------ */

/**
 * Decode a FileMetaData occupying exactly [p, p+n) (trailing bytes are QB_ECORRUPT). Strings, lists and
 * binaries are allocated in `a`. Rejects encryption (fields 8/9 of FileMetaData, 8/9 of ColumnChunk) with
 * QB_EUNSUPPORTED. Checks list sizes against the input and that num_rows, row-group counts and sizes are
 * ≥ 0 (semantic checks against the schema are the reader's).
 * @param base_offset  file offset of p[0], used in messages ("footer: ... at byte 1234")
 * @return QB_OK, QB_ECORRUPT, QB_EUNSUPPORTED, QB_ENOMEM
 */
int qb_pq_file_meta_decode(qb_pq_file_meta *out, const uint8_t *p, size_t n, uint64_t base_offset, qb_arena *a,
                           qb_err *err);
/** Append the thrift encoding of `m` to `out` (no length, no magic). QB_OK, QB_ENOMEM, QB_ELIMIT. */
int qb_pq_file_meta_encode(qb_buf *out, const qb_pq_file_meta *m, qb_err *err);

/**
 * Decode the PageHeader at the start of [p, p+n) (the page bytes may follow) without allocating: statistics
 * binaries borrow `p`. Checks sizes ≥ 0 and num_values ≥ 0; the caller checks them against the chunk.
 * @param out_len      OUT: bytes taken by the header
 * @param base_offset  file offset of p[0], for messages
 * @return QB_OK, QB_ECORRUPT (incl. a header longer than n: the caller may retry with more bytes when
 *         n was a guess — *out_len is then 0)
 */
int qb_pq_page_header_decode(qb_pq_page_header *out, size_t *out_len, const uint8_t *p, size_t n,
                             uint64_t base_offset, qb_err *err);
/** Append the thrift encoding of `h`. QB_OK, QB_ENOMEM, QB_ELIMIT. */
int qb_pq_page_header_encode(qb_buf *out, const qb_pq_page_header *h, qb_err *err);

/**
 * Where a column chunk's pages start: dictionary_page_offset when present and 0 < it < data_page_offset,
 * else data_page_offset (parquet-mr 1.12.0 wrote dictionary_page_offset = 0).
 */
int64_t qb_pq_column_meta_start(const qb_pq_column_meta *m);

/* ---- per-struct read/write: each call consumes/produces one whole struct (its fields and stop byte), as
 *      found after a QB_TC_STRUCT field header or as a list element. `a` may be NULL only where noted. ---- */

int qb_pq_statistics_read(qb_pq_statistics *out, qb_tc_reader *r, qb_arena *a /* NULL: borrow */, qb_err *err);
int qb_pq_statistics_write(qb_tc_writer *w, const qb_pq_statistics *s, qb_err *err);
int qb_pq_key_value_read(qb_pq_key_value *out, qb_tc_reader *r, qb_arena *a, qb_err *err);
int qb_pq_key_value_write(qb_tc_writer *w, const qb_pq_key_value *kv, qb_err *err);
int qb_pq_logical_type_read(qb_pq_logical_type *out, qb_tc_reader *r, qb_err *err);
int qb_pq_logical_type_write(qb_tc_writer *w, const qb_pq_logical_type *lt, qb_err *err);
int qb_pq_schema_element_read(qb_pq_schema_element *out, qb_tc_reader *r, qb_arena *a, qb_err *err);
int qb_pq_schema_element_write(qb_tc_writer *w, const qb_pq_schema_element *e, qb_err *err);
int qb_pq_column_order_read(qb_pq_column_order *out, qb_tc_reader *r, qb_err *err);
int qb_pq_column_order_write(qb_tc_writer *w, qb_pq_column_order o, qb_err *err);
int qb_pq_page_encoding_stats_read(qb_pq_page_encoding_stats *out, qb_tc_reader *r, qb_err *err);
int qb_pq_page_encoding_stats_write(qb_tc_writer *w, const qb_pq_page_encoding_stats *s, qb_err *err);
int qb_pq_column_meta_read(qb_pq_column_meta *out, qb_tc_reader *r, qb_arena *a, qb_err *err);
int qb_pq_column_meta_write(qb_tc_writer *w, const qb_pq_column_meta *m, qb_err *err);
int qb_pq_column_chunk_read(qb_pq_column_chunk *out, qb_tc_reader *r, qb_arena *a, qb_err *err);
int qb_pq_column_chunk_write(qb_tc_writer *w, const qb_pq_column_chunk *c, qb_err *err);
int qb_pq_row_group_read(qb_pq_row_group *out, qb_tc_reader *r, qb_arena *a, qb_err *err);
int qb_pq_row_group_write(qb_tc_writer *w, const qb_pq_row_group *g, qb_err *err);
int qb_pq_file_meta_read(qb_pq_file_meta *out, qb_tc_reader *r, qb_arena *a, qb_err *err);
int qb_pq_file_meta_write(qb_tc_writer *w, const qb_pq_file_meta *m, qb_err *err);
int qb_pq_page_header_read(qb_pq_page_header *out, qb_tc_reader *r, qb_err *err);
int qb_pq_page_header_write(qb_tc_writer *w, const qb_pq_page_header *h, qb_err *err);

#endif
