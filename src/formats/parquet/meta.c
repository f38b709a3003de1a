/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet metadata ↔ Thrift compact (parquet-format parquet.thrift; formats.md §2.3). Decoding skips unknown
 * fields (parquet-java 1.15 size_statistics, DuckDB bloom fields, extension field 32767) and bounds every
 * list by the bytes that remain; encoding writes set fields in id order. */
#include "formats/parquet/meta.h"

#include <string.h>

/* Keep the original code even when err is NULL (qb_err_wrap would turn it into QB_EINTERNAL). */
#define WRAP(rc, ...) ((err) ? (void)qb_err_wrap((err), __VA_ARGS__) : (void)0, (rc))

static const char *type_name(uint8_t t)
{
  static const char *const names[] = {"stop", "bool", "bool", "i8", "i16", "i32", "i64",
                                      "double", "binary", "list", "set", "map", "struct", "uuid"};
  return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static int rd_str(const char **out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  char *str;
  int rc = qb_tc_read_string(&str, NULL, r, a, err);
  if (!rc) *out = str;
  return rc;
}

/* Binary into the arena, or borrowed from the input when a is NULL (page headers). */
static int rd_bin(qb_slice *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  int rc = qb_tc_read_binary(out, r, err);
  if (!rc && a) {
    void *copy = qb_arena_memdup(a, out->p, out->n);
    if (!copy) return QB_FAIL(err, QB_ENOMEM, "out of memory copying %zu bytes", out->n);
    out->p = copy;
  }
  return rc;
}

/* A list header whose elements must be `want`; *out allocated with n zeroed elements of `size` bytes. */
static int rd_list(void **out, uint32_t *out_n, uint8_t want, size_t size, int16_t id, qb_tc_reader *r, qb_arena *a,
                   qb_err *err)
{
  uint8_t et;
  uint32_t n;
  int rc = qb_tc_read_list_begin(&et, &n, r, err);
  if (rc) return rc;
  if (!(et == want || (want == QB_TC_TRUE && et == QB_TC_FALSE)))
    return QB_FAIL(err, QB_ECORRUPT, "field %d: list of %s, expected list of %s (byte %zu)", id, type_name(et),
                   type_name(want), qb_tc_reader_offset(r));
  *out = NULL;
  *out_n = n;
  if (n == 0) return QB_OK;
  /* n ≤ remaining bytes (checked by the header read): the allocation is bounded by the input size. */
  *out = qb_arena_calloc(a, n, size);
  if (!*out) return QB_FAIL(err, QB_ENOMEM, "field %d: out of memory for %u list elements", id, n);
  return QB_OK;
}

static int missing(const char *strct, int id, const char *name, qb_err *err)
{
  return QB_FAIL(err, QB_ECORRUPT, "%s: missing required field %d (%s)", strct, id, name);
}

#define SEEN(id) (seen & (UINT64_C(1) << (id)))

/* Expected wire type per field id of each struct (parquet.thrift). As in Thrift's generated code, a known
 * field id arriving with another type is skipped like an unknown field: a pre-release parquet-mr 1.12.0 wrote
 * a list as ColumnMetaData field 15 (released format: bloom_filter_length i32; dict-page-offset-zero.parquet).
 * Required-field checks then catch real damage. */
#define B QB_TC_TRUE
#define I8 QB_TC_I8
#define I16 QB_TC_I16
#define I32 QB_TC_I32
#define I64 QB_TC_I64
#define S QB_TC_BINARY
#define L QB_TC_LIST
#define T QB_TC_STRUCT
static const uint8_t statistics_types[] = {[1] = S, [2] = S, [3] = I64, [4] = I64, [5] = S, [6] = S, [7] = B, [8] = B,
    [9] = I64};
static const uint8_t key_value_types[] = {[1] = S, [2] = S};
static const uint8_t time_unit_types[] = {[1] = T, [2] = T, [3] = T};
static const uint8_t time_types[] = {[1] = B, [2] = T};
static const uint8_t decimal_types[] = {[1] = I32, [2] = I32};
static const uint8_t integer_types[] = {[1] = I8, [2] = B};
static const uint8_t logical_types[] = {[1] = T, [2] = T, [3] = T, [4] = T, [5] = T, [6] = T, [7] = T, [8] = T,
    [10] = T, [11] = T, [12] = T, [13] = T, [14] = T, [15] = T};
static const uint8_t schema_element_types[] = {[1] = I32, [2] = I32, [3] = I32, [4] = S, [5] = I32, [6] = I32,
    [7] = I32, [8] = I32, [9] = I32, [10] = T};
static const uint8_t column_order_types[] = {[1] = T, [2] = T, [3] = T};
static const uint8_t page_encoding_stats_types[] = {[1] = I32, [2] = I32, [3] = I32};
static const uint8_t column_meta_types[] = {[1] = I32, [2] = L, [3] = L, [4] = I32, [5] = I64, [6] = I64, [7] = I64,
    [8] = L, [9] = I64, [10] = I64, [11] = I64, [12] = T, [13] = L, [14] = I64, [15] = I32};
static const uint8_t column_chunk_types[] = {[1] = S, [2] = I64, [3] = T, [4] = I64, [5] = I32, [6] = I64, [7] = I32,
    [8] = T, [9] = S};
static const uint8_t sorting_column_types[] = {[1] = I32, [2] = B, [3] = B};
static const uint8_t row_group_types[] = {[1] = L, [2] = I64, [3] = I64, [4] = L, [5] = I64, [6] = I64, [7] = I16};
static const uint8_t file_meta_types[] = {[1] = I32, [2] = L, [3] = I64, [4] = L, [5] = L, [6] = S, [7] = L, [8] = T,
    [9] = S};
static const uint8_t data_page_header_types[] = {[1] = I32, [2] = I32, [3] = I32, [4] = I32, [5] = T};
static const uint8_t dictionary_page_header_types[] = {[1] = I32, [2] = I32, [3] = B};
static const uint8_t data_page_header_v2_types[] = {[1] = I32, [2] = I32, [3] = I32, [4] = I32, [5] = I32, [6] = I32,
    [7] = B, [8] = T};
static const uint8_t page_header_types[] = {[1] = I32, [2] = I32, [3] = I32, [4] = I32, [5] = T, [6] = T, [7] = T,
    [8] = T};
#undef B
#undef I8
#undef I16
#undef I32
#undef I64
#undef S
#undef L
#undef T

static bool known_type_ok(const uint8_t *types, size_t n, int16_t id, uint8_t t)
{
  if ((size_t)id >= n || types[id] == 0) return true; /* unknown field: the default case skips it */
  uint8_t want = types[id];
  return t == want || (want == QB_TC_TRUE && t == QB_TC_FALSE) || (want == QB_TC_LIST && t == QB_TC_SET);
}

/* The skeleton of every struct reader: begin, loop over fields until stop, end. */
#define FIELDS_BEGIN(types)                                                          \
  int rc = qb_tc_read_struct_begin(r, err);                                          \
  uint64_t seen = 0;                                                                 \
  while (!rc) {                                                                      \
    int16_t id;                                                                      \
    uint8_t t;                                                                       \
    if ((rc = qb_tc_read_field(&id, &t, r, err)) || t == QB_TC_STOP) break;          \
    if (!known_type_ok(types, sizeof types, id, t)) {                                \
      rc = qb_tc_skip(r, t, err);                                                    \
      continue;                                                                      \
    }                                                                                \
    if (id < 64) seen |= UINT64_C(1) << id;                                          \
    switch (id) {
#define FIELDS_END                  \
  default:                          \
    rc = qb_tc_skip(r, t, err);     \
    break;                          \
    }                               \
    }                               \
    if (!rc) rc = qb_tc_read_struct_end(r, err); \
    (void)seen;

/* ---- Statistics, KeyValue, LogicalType, SchemaElement, ColumnOrder, PageEncodingStats ------------------- */

int qb_pq_statistics_read(qb_pq_statistics *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(statistics_types)
  case 1: rc = rd_bin(&out->max, r, a, err); out->has_max = true; break;
  case 2: rc = rd_bin(&out->min, r, a, err); out->has_min = true; break;
  case 3: rc = qb_tc_read_i64(&out->null_count, r, err); out->has_null_count = true; break;
  case 4: rc = qb_tc_read_i64(&out->distinct_count, r, err); out->has_distinct_count = true; break;
  case 5: rc = rd_bin(&out->max_value, r, a, err); out->has_max_value = true; break;
  case 6: rc = rd_bin(&out->min_value, r, a, err); out->has_min_value = true; break;
  case 7: rc = qb_tc_read_bool(&out->is_max_value_exact, r, err); out->has_is_max_value_exact = true; break;
  case 8: rc = qb_tc_read_bool(&out->is_min_value_exact, r, err); out->has_is_min_value_exact = true; break;
  case 9: rc = qb_tc_read_i64(&out->nan_count, r, err); out->has_nan_count = true; break;
  FIELDS_END
  return rc;
}

int qb_pq_key_value_read(qb_pq_key_value *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(key_value_types)
  case 1: rc = rd_str(&out->key, r, a, err); break;
  case 2: {
    char *s;
    rc = qb_tc_read_string(&s, &out->value_len, r, a, err);
    if (!rc) {
      out->value = s;
      out->has_value = true;
    }
    break;
  }
  FIELDS_END
  if (!rc && !SEEN(1)) rc = missing("KeyValue", 1, "key", err);
  return rc;
}


static int time_unit_read(qb_pq_time_unit *out, qb_tc_reader *r, qb_err *err)
{
  *out = QB_PQ_UNIT_NONE;
  FIELDS_BEGIN(time_unit_types)
  case QB_PQ_MILLIS:
  case QB_PQ_MICROS:
  case QB_PQ_NANOS:
    rc = qb_tc_skip(r, QB_TC_STRUCT, err);
    *out = (qb_pq_time_unit)id;
    break;
  FIELDS_END
  return rc;
}

/* TIME / TIMESTAMP: {1 isAdjustedToUTC bool, 2 unit TimeUnit}. */
static int time_read(qb_pq_logical_type *out, qb_tc_reader *r, qb_err *err)
{
  FIELDS_BEGIN(time_types)
  case 1: rc = qb_tc_read_bool(&out->utc_adjusted, r, err); break;
  case 2:
    rc = time_unit_read(&out->unit, r, err);
    break;
  FIELDS_END
  if (!rc && !(SEEN(1) && SEEN(2))) rc = missing("TimeType/TimestampType", SEEN(1) ? 2 : 1,
                                                  SEEN(1) ? "unit" : "isAdjustedToUTC", err);
  return rc;
}

static int decimal_read(qb_pq_logical_type *out, qb_tc_reader *r, qb_err *err)
{
  FIELDS_BEGIN(decimal_types)
  case 1: rc = qb_tc_read_i32(&out->scale, r, err); break;
  case 2: rc = qb_tc_read_i32(&out->precision, r, err); break;
  FIELDS_END
  if (!rc && !(SEEN(1) && SEEN(2)))
    rc = missing("DecimalType", SEEN(1) ? 2 : 1, SEEN(1) ? "precision" : "scale", err);
  return rc;
}

static int integer_read(qb_pq_logical_type *out, qb_tc_reader *r, qb_err *err)
{
  FIELDS_BEGIN(integer_types)
  case 1:
    rc = qb_tc_read_i8(&out->bit_width, r, err);
    break;
  case 2: rc = qb_tc_read_bool(&out->is_signed, r, err); break;
  FIELDS_END
  if (!rc && !(SEEN(1) && SEEN(2))) rc = missing("IntType", SEEN(1) ? 2 : 1, SEEN(1) ? "isSigned" : "bitWidth", err);
  return rc;
}

int qb_pq_logical_type_read(qb_pq_logical_type *out, qb_tc_reader *r, qb_err *err)
{
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(logical_types)
  case QB_PQ_LT_STRING:
  case QB_PQ_LT_MAP:
  case QB_PQ_LT_LIST:
  case QB_PQ_LT_ENUM:
  case QB_PQ_LT_DATE:
  case QB_PQ_LT_UNKNOWN:
  case QB_PQ_LT_JSON:
  case QB_PQ_LT_BSON:
  case QB_PQ_LT_UUID:
  case QB_PQ_LT_FLOAT16:
    rc = qb_tc_skip(r, QB_TC_STRUCT, err);
    out->kind = (qb_pq_logical_kind)id;
    break;
  case QB_PQ_LT_DECIMAL:
    rc = decimal_read(out, r, err);
    out->kind = QB_PQ_LT_DECIMAL;
    break;
  case QB_PQ_LT_TIME:
  case QB_PQ_LT_TIMESTAMP:
    rc = time_read(out, r, err);
    out->kind = (qb_pq_logical_kind)id;
    break;
  case QB_PQ_LT_INTEGER:
    rc = integer_read(out, r, err);
    out->kind = QB_PQ_LT_INTEGER;
    break;
  default:
    /* VARIANT, GEOMETRY, … or anything newer: readers treat the column as its physical type
     * (unknown-logical-type.parquet). Remember the id for diagnostics. */
    rc = qb_tc_skip(r, t, err);
    out->kind = QB_PQ_LT_NONE;
    out->unrecognized_id = id;
    break;
    }
  }
  if (!rc) rc = qb_tc_read_struct_end(r, err);
  (void)seen;
  return rc;
}

int qb_pq_schema_element_read(qb_pq_schema_element *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  int32_t v = 0;
  memset(out, 0, sizeof *out);
  out->converted_type = QB_PQ_CT_NONE;
  FIELDS_BEGIN(schema_element_types)
  case 1: rc = qb_tc_read_i32(&v, r, err); out->type = (qb_pq_type)v; out->has_type = true; break;
  case 2: rc = qb_tc_read_i32(&out->type_length, r, err); out->has_type_length = true; break;
  case 3: rc = qb_tc_read_i32(&v, r, err); out->repetition = (qb_pq_repetition)v; out->has_repetition = true; break;
  case 4: rc = rd_str(&out->name, r, a, err); break;
  case 5: rc = qb_tc_read_i32(&out->num_children, r, err); out->has_num_children = true; break;
  case 6:
    rc = qb_tc_read_i32(&v, r, err);
    out->converted_type = (qb_pq_converted_type)v;
    out->has_converted_type = true;
    break;
  case 7: rc = qb_tc_read_i32(&out->scale, r, err); out->has_scale = true; break;
  case 8: rc = qb_tc_read_i32(&out->precision, r, err); out->has_precision = true; break;
  case 9: rc = qb_tc_read_i32(&out->field_id, r, err); out->has_field_id = true; break;
  case 10:
    rc = qb_pq_logical_type_read(&out->logical_type, r, err);
    out->has_logical_type = true;
    break;
  FIELDS_END
  if (!rc && !SEEN(4)) rc = missing("SchemaElement", 4, "name", err);
  return rc;
}

int qb_pq_column_order_read(qb_pq_column_order *out, qb_tc_reader *r, qb_err *err)
{
  *out = QB_PQ_ORDER_UNKNOWN;
  FIELDS_BEGIN(column_order_types)
  case QB_PQ_ORDER_TYPE_DEFINED:
  case QB_PQ_ORDER_IEEE754_TOTAL:
  case QB_PQ_ORDER_INT96_TIMESTAMP:
    rc = qb_tc_skip(r, QB_TC_STRUCT, err);
    *out = (qb_pq_column_order)id;
    break;
  FIELDS_END
  return rc;
}

int qb_pq_page_encoding_stats_read(qb_pq_page_encoding_stats *out, qb_tc_reader *r, qb_err *err)
{
  int32_t v = 0;
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(page_encoding_stats_types)
  case 1: rc = qb_tc_read_i32(&v, r, err); out->page_type = (qb_pq_page_type)v; break;
  case 2: rc = qb_tc_read_i32(&v, r, err); out->encoding = (qb_pq_encoding)v; break;
  case 3: rc = qb_tc_read_i32(&out->count, r, err); break;
  FIELDS_END
  if (!rc && !(SEEN(1) && SEEN(2) && SEEN(3)))
    rc = missing("PageEncodingStats", !SEEN(1) ? 1 : !SEEN(2) ? 2 : 3,
                 !SEEN(1) ? "page_type" : !SEEN(2) ? "encoding" : "count", err);
  return rc;
}

/* ---- ColumnMetaData, ColumnChunk, RowGroup, FileMetaData ------------------------------------------------- */

static int key_values_read(qb_pq_key_value **out, uint32_t *out_n, int16_t id, qb_tc_reader *r, qb_arena *a,
                           qb_err *err)
{
  void *arr;
  int rc = rd_list(&arr, out_n, QB_TC_STRUCT, sizeof **out, id, r, a, err);
  *out = arr;
  for (uint32_t i = 0; !rc && i < *out_n; i++)
    if ((rc = qb_pq_key_value_read(&(*out)[i], r, a, err))) rc = WRAP(rc, "key_value_metadata[%u]", i);
  return rc;
}

int qb_pq_column_meta_read(qb_pq_column_meta *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  int32_t v = 0;
  void *arr;
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(column_meta_types)
  case 1: rc = qb_tc_read_i32(&v, r, err); out->type = (qb_pq_type)v; break;
  case 2:
    rc = rd_list(&arr, &out->n_encodings, QB_TC_I32, sizeof *out->encodings, id, r, a, err);
    out->encodings = arr;
    for (uint32_t i = 0; !rc && i < out->n_encodings; i++) {
      rc = qb_tc_read_i32(&v, r, err);
      out->encodings[i] = (qb_pq_encoding)v;
    }
    break;
  case 3:
    rc = rd_list(&arr, &out->n_path, QB_TC_BINARY, sizeof *out->path_in_schema, id, r, a, err);
    out->path_in_schema = arr;
    for (uint32_t i = 0; !rc && i < out->n_path; i++) {
      char *s;
      rc = qb_tc_read_string(&s, NULL, r, a, err);
      if (!rc) out->path_in_schema[i] = s;
    }
    break;
  case 4: rc = qb_tc_read_i32(&v, r, err); out->codec = (qb_pq_codec)v; break;
  case 5: rc = qb_tc_read_i64(&out->num_values, r, err); break;
  case 6: rc = qb_tc_read_i64(&out->total_uncompressed_size, r, err); break;
  case 7: rc = qb_tc_read_i64(&out->total_compressed_size, r, err); break;
  case 8: rc = key_values_read(&out->key_value_metadata, &out->n_key_value_metadata, id, r, a, err); break;
  case 9: rc = qb_tc_read_i64(&out->data_page_offset, r, err); break;
  case 10: rc = qb_tc_read_i64(&out->index_page_offset, r, err); out->has_index_page_offset = true; break;
  case 11:
    rc = qb_tc_read_i64(&out->dictionary_page_offset, r, err);
    out->has_dictionary_page_offset = true;
    break;
  case 12:
    rc = qb_pq_statistics_read(&out->statistics, r, a, err);
    if (rc) rc = WRAP(rc, "statistics");
    out->has_statistics = true;
    break;
  case 13:
    rc = rd_list(&arr, &out->n_encoding_stats, QB_TC_STRUCT, sizeof *out->encoding_stats, id, r, a, err);
    out->encoding_stats = arr;
    for (uint32_t i = 0; !rc && i < out->n_encoding_stats; i++)
      rc = qb_pq_page_encoding_stats_read(&out->encoding_stats[i], r, err);
    break;
  case 14: rc = qb_tc_read_i64(&out->bloom_filter_offset, r, err); out->has_bloom_filter_offset = true; break;
  case 15: rc = qb_tc_read_i32(&out->bloom_filter_length, r, err); out->has_bloom_filter_length = true; break;
  FIELDS_END
  static const struct {
    int id;
    const char *name;
  } req[] = {{1, "type"}, {2, "encodings"}, {3, "path_in_schema"}, {4, "codec"}, {5, "num_values"},
             {6, "total_uncompressed_size"}, {7, "total_compressed_size"}, {9, "data_page_offset"}};
  for (size_t i = 0; !rc && i < sizeof req / sizeof req[0]; i++)
    if (!SEEN(req[i].id)) rc = missing("ColumnMetaData", req[i].id, req[i].name, err);
  if (!rc && (out->num_values < 0 || out->total_uncompressed_size < 0 || out->total_compressed_size < 0 ||
              out->data_page_offset < 0))
    rc = QB_FAIL(err, QB_ECORRUPT, "ColumnMetaData: negative count, size or offset");
  return rc;
}

int qb_pq_column_chunk_read(qb_pq_column_chunk *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(column_chunk_types)
  case 1: rc = rd_str(&out->file_path, r, a, err); out->has_file_path = true; break;
  case 2: rc = qb_tc_read_i64(&out->file_offset, r, err); break;
  case 3:
    rc = qb_pq_column_meta_read(&out->meta_data, r, a, err);
    if (rc) rc = WRAP(rc, "meta_data");
    out->has_meta_data = true;
    break;
  case 4: rc = qb_tc_read_i64(&out->offset_index_offset, r, err); out->has_offset_index_offset = true; break;
  case 5: rc = qb_tc_read_i32(&out->offset_index_length, r, err); out->has_offset_index_length = true; break;
  case 6: rc = qb_tc_read_i64(&out->column_index_offset, r, err); out->has_column_index_offset = true; break;
  case 7: rc = qb_tc_read_i32(&out->column_index_length, r, err); out->has_column_index_length = true; break;
  case 8:
  case 9:
    rc = QB_FAIL(err, QB_EUNSUPPORTED, "encrypted column chunks are not supported");
    break;
  FIELDS_END
  /* file_offset is required by the spec but some writers drop deprecated fields; nobody reads it. */
  return rc;
}

static int sorting_column_read(qb_pq_sorting_column *sc, qb_tc_reader *r, qb_err *err)
{
  FIELDS_BEGIN(sorting_column_types)
  case 1: rc = qb_tc_read_i32(&sc->column_idx, r, err); break;
  case 2: rc = qb_tc_read_bool(&sc->descending, r, err); break;
  case 3: rc = qb_tc_read_bool(&sc->nulls_first, r, err); break;
  FIELDS_END
  if (!rc && !(SEEN(1) && SEEN(2) && SEEN(3)))
    rc = missing("SortingColumn", !SEEN(1) ? 1 : !SEEN(2) ? 2 : 3,
                 !SEEN(1) ? "column_idx" : !SEEN(2) ? "descending" : "nulls_first", err);
  return rc;
}

int qb_pq_row_group_read(qb_pq_row_group *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  void *arr;
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(row_group_types)
  case 1:
    rc = rd_list(&arr, &out->n_columns, QB_TC_STRUCT, sizeof *out->columns, id, r, a, err);
    out->columns = arr;
    for (uint32_t i = 0; !rc && i < out->n_columns; i++)
      if ((rc = qb_pq_column_chunk_read(&out->columns[i], r, a, err))) rc = WRAP(rc, "columns[%u]", i);
    break;
  case 2: rc = qb_tc_read_i64(&out->total_byte_size, r, err); break;
  case 3: rc = qb_tc_read_i64(&out->num_rows, r, err); break;
  case 4:
    rc = rd_list(&arr, &out->n_sorting_columns, QB_TC_STRUCT, sizeof *out->sorting_columns, id, r, a, err);
    out->sorting_columns = arr;
    out->has_sorting_columns = true;
    for (uint32_t i = 0; !rc && i < out->n_sorting_columns; i++)
      rc = sorting_column_read(&out->sorting_columns[i], r, err);
    break;
  case 5: rc = qb_tc_read_i64(&out->file_offset, r, err); out->has_file_offset = true; break;
  case 6: rc = qb_tc_read_i64(&out->total_compressed_size, r, err); out->has_total_compressed_size = true; break;
  case 7:
    rc = qb_tc_read_i16(&out->ordinal, r, err);
    out->has_ordinal = true;
    break;
  FIELDS_END
  if (!rc && !SEEN(1)) rc = missing("RowGroup", 1, "columns", err);
  if (!rc && !SEEN(2)) rc = missing("RowGroup", 2, "total_byte_size", err);
  if (!rc && !SEEN(3)) rc = missing("RowGroup", 3, "num_rows", err);
  if (!rc && (out->num_rows < 0 || out->total_byte_size < 0))
    rc = QB_FAIL(err, QB_ECORRUPT, "RowGroup: negative num_rows or total_byte_size");
  return rc;
}

int qb_pq_file_meta_read(qb_pq_file_meta *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  void *arr;
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(file_meta_types)
  case 1: rc = qb_tc_read_i32(&out->version, r, err); break;
  case 2:
    rc = rd_list(&arr, &out->n_schema, QB_TC_STRUCT, sizeof *out->schema, id, r, a, err);
    out->schema = arr;
    for (uint32_t i = 0; !rc && i < out->n_schema; i++)
      if ((rc = qb_pq_schema_element_read(&out->schema[i], r, a, err))) rc = WRAP(rc, "schema[%u]", i);
    break;
  case 3: rc = qb_tc_read_i64(&out->num_rows, r, err); break;
  case 4:
    rc = rd_list(&arr, &out->n_row_groups, QB_TC_STRUCT, sizeof *out->row_groups, id, r, a, err);
    out->row_groups = arr;
    for (uint32_t i = 0; !rc && i < out->n_row_groups; i++)
      if ((rc = qb_pq_row_group_read(&out->row_groups[i], r, a, err))) rc = WRAP(rc, "row_groups[%u]", i);
    break;
  case 5:
    rc = key_values_read(&out->key_value_metadata, &out->n_key_value_metadata, id, r, a, err);
    out->has_key_value_metadata = true;
    break;
  case 6: rc = rd_str(&out->created_by, r, a, err); out->has_created_by = true; break;
  case 7:
    rc = rd_list(&arr, &out->n_column_orders, QB_TC_STRUCT, sizeof *out->column_orders, id, r, a, err);
    out->column_orders = arr;
    out->has_column_orders = true;
    for (uint32_t i = 0; !rc && i < out->n_column_orders; i++)
      rc = qb_pq_column_order_read(&out->column_orders[i], r, err);
    break;
  case 8:
  case 9:
    rc = QB_FAIL(err, QB_EUNSUPPORTED, "encrypted parquet files are not supported (encryption_algorithm set)");
    break;
  FIELDS_END
  static const struct {
    int id;
    const char *name;
  } req[] = {{1, "version"}, {2, "schema"}, {3, "num_rows"}, {4, "row_groups"}};
  for (size_t i = 0; !rc && i < sizeof req / sizeof req[0]; i++)
    if (!SEEN(req[i].id)) rc = missing("FileMetaData", req[i].id, req[i].name, err);
  if (!rc && out->num_rows < 0) rc = QB_FAIL(err, QB_ECORRUPT, "FileMetaData: negative num_rows %lld",
                                            (long long)out->num_rows);
  return rc;
}

/* ---- PageHeader -------------------------------------------------------------------------------------------- */

static int data_page_header_read(qb_pq_data_page_header *out, qb_tc_reader *r, qb_err *err)
{
  int32_t v = 0;
  FIELDS_BEGIN(data_page_header_types)
  case 1: rc = qb_tc_read_i32(&out->num_values, r, err); break;
  case 2: rc = qb_tc_read_i32(&v, r, err); out->encoding = (qb_pq_encoding)v; break;
  case 3: rc = qb_tc_read_i32(&v, r, err); out->def_level_encoding = (qb_pq_encoding)v; break;
  case 4: rc = qb_tc_read_i32(&v, r, err); out->rep_level_encoding = (qb_pq_encoding)v; break;
  case 5:
    rc = qb_pq_statistics_read(&out->statistics, r, NULL, err);
    out->has_statistics = true;
    break;
  FIELDS_END
  static const char *const names[] = {"", "num_values", "encoding", "definition_level_encoding",
                                      "repetition_level_encoding"};
  for (int i = 1; !rc && i <= 4; i++)
    if (!SEEN(i)) rc = missing("DataPageHeader", i, names[i], err);
  if (!rc && out->num_values < 0) rc = QB_FAIL(err, QB_ECORRUPT, "DataPageHeader: negative num_values");
  return rc;
}

static int dictionary_page_header_read(qb_pq_dictionary_page_header *out, qb_tc_reader *r, qb_err *err)
{
  int32_t v = 0;
  FIELDS_BEGIN(dictionary_page_header_types)
  case 1: rc = qb_tc_read_i32(&out->num_values, r, err); break;
  case 2: rc = qb_tc_read_i32(&v, r, err); out->encoding = (qb_pq_encoding)v; break;
  case 3: rc = qb_tc_read_bool(&out->is_sorted, r, err); out->has_is_sorted = true; break;
  FIELDS_END
  if (!rc && !SEEN(1)) rc = missing("DictionaryPageHeader", 1, "num_values", err);
  if (!rc && !SEEN(2)) rc = missing("DictionaryPageHeader", 2, "encoding", err);
  if (!rc && out->num_values < 0) rc = QB_FAIL(err, QB_ECORRUPT, "DictionaryPageHeader: negative num_values");
  return rc;
}

static int data_page_header_v2_read(qb_pq_data_page_header_v2 *out, qb_tc_reader *r, qb_err *err)
{
  int32_t v = 0;
  out->is_compressed = true; /* the thrift default */
  FIELDS_BEGIN(data_page_header_v2_types)
  case 1: rc = qb_tc_read_i32(&out->num_values, r, err); break;
  case 2: rc = qb_tc_read_i32(&out->num_nulls, r, err); break;
  case 3: rc = qb_tc_read_i32(&out->num_rows, r, err); break;
  case 4: rc = qb_tc_read_i32(&v, r, err); out->encoding = (qb_pq_encoding)v; break;
  case 5: rc = qb_tc_read_i32(&out->def_levels_byte_length, r, err); break;
  case 6: rc = qb_tc_read_i32(&out->rep_levels_byte_length, r, err); break;
  case 7: rc = qb_tc_read_bool(&out->is_compressed, r, err); break;
  case 8:
    rc = qb_pq_statistics_read(&out->statistics, r, NULL, err);
    out->has_statistics = true;
    break;
  FIELDS_END
  static const char *const names[] = {"", "num_values", "num_nulls", "num_rows", "encoding",
                                      "definition_levels_byte_length", "repetition_levels_byte_length"};
  for (int i = 1; !rc && i <= 6; i++)
    if (!SEEN(i)) rc = missing("DataPageHeaderV2", i, names[i], err);
  if (!rc && (out->num_values < 0 || out->num_nulls < 0 || out->num_rows < 0 || out->def_levels_byte_length < 0 ||
              out->rep_levels_byte_length < 0))
    rc = QB_FAIL(err, QB_ECORRUPT, "DataPageHeaderV2: negative count or length");
  return rc;
}

int qb_pq_page_header_read(qb_pq_page_header *out, qb_tc_reader *r, qb_err *err)
{
  int32_t v = 0;
  memset(out, 0, sizeof *out);
  FIELDS_BEGIN(page_header_types)
  case 1: rc = qb_tc_read_i32(&v, r, err); out->type = (qb_pq_page_type)v; break;
  case 2: rc = qb_tc_read_i32(&out->uncompressed_page_size, r, err); break;
  case 3: rc = qb_tc_read_i32(&out->compressed_page_size, r, err); break;
  case 4: rc = qb_tc_read_i32(&v, r, err); out->crc = (uint32_t)v; out->has_crc = true; break;
  case 5:
    rc = data_page_header_read(&out->data_page_header, r, err);
    out->has_data_page_header = true;
    break;
  case 6: rc = qb_tc_skip(r, QB_TC_STRUCT, err); out->has_index_page_header = true; break;
  case 7:
    rc = dictionary_page_header_read(&out->dictionary_page_header, r, err);
    out->has_dictionary_page_header = true;
    break;
  case 8:
    rc = data_page_header_v2_read(&out->data_page_header_v2, r, err);
    out->has_data_page_header_v2 = true;
    break;
  FIELDS_END
  static const char *const names[] = {"", "type", "uncompressed_page_size", "compressed_page_size"};
  for (int i = 1; !rc && i <= 3; i++)
    if (!SEEN(i)) rc = missing("PageHeader", i, names[i], err);
  if (!rc && (out->uncompressed_page_size < 0 || out->compressed_page_size < 0))
    rc = QB_FAIL(err, QB_ECORRUPT, "PageHeader: negative page size (%d compressed, %d uncompressed)",
                 out->compressed_page_size, out->uncompressed_page_size);
  return rc;
}

/* ---- whole-buffer entry points and the tail ------------------------------------------------------------ */

int qb_pq_tail_parse(uint32_t *out_footer_len, const uint8_t tail[QB_PQ_TAIL_BYTES], uint64_t file_size,
                     qb_err *err)
{
  if (file_size < 12)
    return QB_FAIL(err, QB_ECORRUPT, "not a parquet file: %llu bytes is too short", (unsigned long long)file_size);
  if (memcmp(tail + 4, QB_PQ_MAGIC_ENCRYPTED, 4) == 0)
    return QB_FAIL(err, QB_EUNSUPPORTED, "encrypted parquet footer (PARE) is not supported");
  if (memcmp(tail + 4, QB_PQ_MAGIC, 4) != 0)
    return QB_FAIL(err, QB_ECORRUPT, "not a parquet file: no PAR1 magic at the end");
  uint32_t len = qb_le32(tail);
  if (len == 0 || (uint64_t)len > file_size - 12)
    return QB_FAIL(err, QB_ECORRUPT, "footer length %u does not fit in a file of %llu bytes", len,
                   (unsigned long long)file_size);
  *out_footer_len = len;
  return QB_OK;
}

int qb_pq_file_meta_decode(qb_pq_file_meta *out, const uint8_t *p, size_t n, uint64_t base_offset, qb_arena *a,
                           qb_err *err)
{
  qb_tc_reader r;
  qb_tc_reader_init(&r, p, n, (size_t)base_offset);
  int rc = qb_pq_file_meta_read(out, &r, a, err);
  if (!rc && r.pos != n)
    rc = QB_FAIL(err, QB_ECORRUPT, "%zu trailing bytes after FileMetaData at byte %zu", n - r.pos,
                 qb_tc_reader_offset(&r));
  if (rc) {
    memset(out, 0, sizeof *out);
    return WRAP(rc, "parquet footer (%zu bytes at offset %llu)", n, (unsigned long long)base_offset);
  }
  return QB_OK;
}

int qb_pq_page_header_decode(qb_pq_page_header *out, size_t *out_len, const uint8_t *p, size_t n,
                             uint64_t base_offset, qb_err *err)
{
  qb_tc_reader r;
  qb_tc_reader_init(&r, p, n, (size_t)base_offset);
  *out_len = 0;
  int rc = qb_pq_page_header_read(out, &r, err);
  if (rc) return WRAP(rc, "page header at offset %llu", (unsigned long long)base_offset);
  *out_len = r.pos;
  return QB_OK;
}

int64_t qb_pq_column_meta_start(const qb_pq_column_meta *m)
{
  if (m->has_dictionary_page_offset && m->dictionary_page_offset > 0 &&
      m->dictionary_page_offset < m->data_page_offset)
    return m->dictionary_page_offset;
  return m->data_page_offset;
}

/* ---- writers --------------------------------------------------------------------------------------------- */

int qb_pq_statistics_write(qb_tc_writer *w, const qb_pq_statistics *s, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  if (s->has_max) qb_tc_write_field_binary(w, 1, s->max.p, s->max.n, err);
  if (s->has_min) qb_tc_write_field_binary(w, 2, s->min.p, s->min.n, err);
  if (s->has_null_count) qb_tc_write_field_i64(w, 3, s->null_count, err);
  if (s->has_distinct_count) qb_tc_write_field_i64(w, 4, s->distinct_count, err);
  if (s->has_max_value) qb_tc_write_field_binary(w, 5, s->max_value.p, s->max_value.n, err);
  if (s->has_min_value) qb_tc_write_field_binary(w, 6, s->min_value.p, s->min_value.n, err);
  if (s->has_is_max_value_exact) qb_tc_write_field_bool(w, 7, s->is_max_value_exact, err);
  if (s->has_is_min_value_exact) qb_tc_write_field_bool(w, 8, s->is_min_value_exact, err);
  if (s->has_nan_count) qb_tc_write_field_i64(w, 9, s->nan_count, err);
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_key_value_write(qb_tc_writer *w, const qb_pq_key_value *kv, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  qb_tc_write_field_string(w, 1, kv->key, err);
  if (kv->has_value) qb_tc_write_field_binary(w, 2, kv->value, kv->value ? kv->value_len : 0, err);
  return qb_tc_write_struct_end(w, err);
}

/* An empty struct as a union member / marker. */
static void empty_struct_field(qb_tc_writer *w, int16_t id, qb_err *err)
{
  qb_tc_write_field_begin(w, QB_TC_STRUCT, id, err);
  qb_tc_write_struct_begin(w, err);
  qb_tc_write_struct_end(w, err);
}

int qb_pq_logical_type_write(qb_tc_writer *w, const qb_pq_logical_type *lt, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  switch (lt->kind) {
    case QB_PQ_LT_NONE: break;
    case QB_PQ_LT_DECIMAL:
      qb_tc_write_field_begin(w, QB_TC_STRUCT, QB_PQ_LT_DECIMAL, err);
      qb_tc_write_struct_begin(w, err);
      qb_tc_write_field_i32(w, 1, lt->scale, err);
      qb_tc_write_field_i32(w, 2, lt->precision, err);
      qb_tc_write_struct_end(w, err);
      break;
    case QB_PQ_LT_TIME:
    case QB_PQ_LT_TIMESTAMP:
      qb_tc_write_field_begin(w, QB_TC_STRUCT, (int16_t)lt->kind, err);
      qb_tc_write_struct_begin(w, err);
      qb_tc_write_field_bool(w, 1, lt->utc_adjusted, err);
      qb_tc_write_field_begin(w, QB_TC_STRUCT, 2, err);
      qb_tc_write_struct_begin(w, err);
      if (lt->unit >= QB_PQ_MILLIS && lt->unit <= QB_PQ_NANOS) empty_struct_field(w, (int16_t)lt->unit, err);
      qb_tc_write_struct_end(w, err);
      qb_tc_write_struct_end(w, err);
      break;
    case QB_PQ_LT_INTEGER:
      qb_tc_write_field_begin(w, QB_TC_STRUCT, QB_PQ_LT_INTEGER, err);
      qb_tc_write_struct_begin(w, err);
      qb_tc_write_field_i8(w, 1, lt->bit_width, err);
      qb_tc_write_field_bool(w, 2, lt->is_signed, err);
      qb_tc_write_struct_end(w, err);
      break;
    default: empty_struct_field(w, (int16_t)lt->kind, err); break;
  }
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_schema_element_write(qb_tc_writer *w, const qb_pq_schema_element *e, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  if (e->has_type) qb_tc_write_field_i32(w, 1, (int32_t)e->type, err);
  if (e->has_type_length) qb_tc_write_field_i32(w, 2, e->type_length, err);
  if (e->has_repetition) qb_tc_write_field_i32(w, 3, (int32_t)e->repetition, err);
  qb_tc_write_field_string(w, 4, e->name, err);
  if (e->has_num_children) qb_tc_write_field_i32(w, 5, e->num_children, err);
  if (e->has_converted_type) qb_tc_write_field_i32(w, 6, (int32_t)e->converted_type, err);
  if (e->has_scale) qb_tc_write_field_i32(w, 7, e->scale, err);
  if (e->has_precision) qb_tc_write_field_i32(w, 8, e->precision, err);
  if (e->has_field_id) qb_tc_write_field_i32(w, 9, e->field_id, err);
  if (e->has_logical_type) {
    qb_tc_write_field_begin(w, QB_TC_STRUCT, 10, err);
    qb_pq_logical_type_write(w, &e->logical_type, err);
  }
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_column_order_write(qb_tc_writer *w, qb_pq_column_order o, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  if (o != QB_PQ_ORDER_UNKNOWN) empty_struct_field(w, (int16_t)o, err);
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_page_encoding_stats_write(qb_tc_writer *w, const qb_pq_page_encoding_stats *s, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  qb_tc_write_field_i32(w, 1, (int32_t)s->page_type, err);
  qb_tc_write_field_i32(w, 2, (int32_t)s->encoding, err);
  qb_tc_write_field_i32(w, 3, s->count, err);
  return qb_tc_write_struct_end(w, err);
}

static void key_values_write(qb_tc_writer *w, int16_t id, const qb_pq_key_value *kv, uint32_t n, qb_err *err)
{
  qb_tc_write_field_list(w, id, QB_TC_STRUCT, n, err);
  for (uint32_t i = 0; i < n; i++) qb_pq_key_value_write(w, &kv[i], err);
}

int qb_pq_column_meta_write(qb_tc_writer *w, const qb_pq_column_meta *m, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  qb_tc_write_field_i32(w, 1, (int32_t)m->type, err);
  qb_tc_write_field_list(w, 2, QB_TC_I32, m->n_encodings, err);
  for (uint32_t i = 0; i < m->n_encodings; i++) qb_tc_write_i32(w, (int32_t)m->encodings[i], err);
  qb_tc_write_field_list(w, 3, QB_TC_BINARY, m->n_path, err);
  for (uint32_t i = 0; i < m->n_path; i++)
    qb_tc_write_binary(w, m->path_in_schema[i], strlen(m->path_in_schema[i]), err);
  qb_tc_write_field_i32(w, 4, (int32_t)m->codec, err);
  qb_tc_write_field_i64(w, 5, m->num_values, err);
  qb_tc_write_field_i64(w, 6, m->total_uncompressed_size, err);
  qb_tc_write_field_i64(w, 7, m->total_compressed_size, err);
  if (m->n_key_value_metadata) key_values_write(w, 8, m->key_value_metadata, m->n_key_value_metadata, err);
  qb_tc_write_field_i64(w, 9, m->data_page_offset, err);
  if (m->has_index_page_offset) qb_tc_write_field_i64(w, 10, m->index_page_offset, err);
  if (m->has_dictionary_page_offset) qb_tc_write_field_i64(w, 11, m->dictionary_page_offset, err);
  if (m->has_statistics) {
    qb_tc_write_field_begin(w, QB_TC_STRUCT, 12, err);
    qb_pq_statistics_write(w, &m->statistics, err);
  }
  if (m->n_encoding_stats) {
    qb_tc_write_field_list(w, 13, QB_TC_STRUCT, m->n_encoding_stats, err);
    for (uint32_t i = 0; i < m->n_encoding_stats; i++) qb_pq_page_encoding_stats_write(w, &m->encoding_stats[i], err);
  }
  if (m->has_bloom_filter_offset) qb_tc_write_field_i64(w, 14, m->bloom_filter_offset, err);
  if (m->has_bloom_filter_length) qb_tc_write_field_i32(w, 15, m->bloom_filter_length, err);
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_column_chunk_write(qb_tc_writer *w, const qb_pq_column_chunk *c, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  if (c->has_file_path) qb_tc_write_field_string(w, 1, c->file_path, err);
  qb_tc_write_field_i64(w, 2, c->file_offset, err);
  if (c->has_meta_data) {
    qb_tc_write_field_begin(w, QB_TC_STRUCT, 3, err);
    qb_pq_column_meta_write(w, &c->meta_data, err);
  }
  if (c->has_offset_index_offset) qb_tc_write_field_i64(w, 4, c->offset_index_offset, err);
  if (c->has_offset_index_length) qb_tc_write_field_i32(w, 5, c->offset_index_length, err);
  if (c->has_column_index_offset) qb_tc_write_field_i64(w, 6, c->column_index_offset, err);
  if (c->has_column_index_length) qb_tc_write_field_i32(w, 7, c->column_index_length, err);
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_row_group_write(qb_tc_writer *w, const qb_pq_row_group *g, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  qb_tc_write_field_list(w, 1, QB_TC_STRUCT, g->n_columns, err);
  for (uint32_t i = 0; i < g->n_columns; i++) qb_pq_column_chunk_write(w, &g->columns[i], err);
  qb_tc_write_field_i64(w, 2, g->total_byte_size, err);
  qb_tc_write_field_i64(w, 3, g->num_rows, err);
  if (g->has_sorting_columns || g->n_sorting_columns) {
    qb_tc_write_field_list(w, 4, QB_TC_STRUCT, g->n_sorting_columns, err);
    for (uint32_t i = 0; i < g->n_sorting_columns; i++) {
      const qb_pq_sorting_column *sc = &g->sorting_columns[i];
      qb_tc_write_struct_begin(w, err);
      qb_tc_write_field_i32(w, 1, sc->column_idx, err);
      qb_tc_write_field_bool(w, 2, sc->descending, err);
      qb_tc_write_field_bool(w, 3, sc->nulls_first, err);
      qb_tc_write_struct_end(w, err);
    }
  }
  if (g->has_file_offset) qb_tc_write_field_i64(w, 5, g->file_offset, err);
  if (g->has_total_compressed_size) qb_tc_write_field_i64(w, 6, g->total_compressed_size, err);
  if (g->has_ordinal) qb_tc_write_field_i16(w, 7, g->ordinal, err);
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_file_meta_write(qb_tc_writer *w, const qb_pq_file_meta *m, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  qb_tc_write_field_i32(w, 1, m->version, err);
  qb_tc_write_field_list(w, 2, QB_TC_STRUCT, m->n_schema, err);
  for (uint32_t i = 0; i < m->n_schema; i++) qb_pq_schema_element_write(w, &m->schema[i], err);
  qb_tc_write_field_i64(w, 3, m->num_rows, err);
  qb_tc_write_field_list(w, 4, QB_TC_STRUCT, m->n_row_groups, err);
  if (m->row_groups_encoded)
    qb_tc_write_encoded(w, m->row_groups_encoded, m->row_groups_encoded_len, err);
  else
    for (uint32_t i = 0; i < m->n_row_groups; i++) qb_pq_row_group_write(w, &m->row_groups[i], err);
  if (m->has_key_value_metadata || m->n_key_value_metadata)
    key_values_write(w, 5, m->key_value_metadata, m->n_key_value_metadata, err);
  if (m->has_created_by) qb_tc_write_field_string(w, 6, m->created_by, err);
  if (m->has_column_orders || m->n_column_orders) {
    qb_tc_write_field_list(w, 7, QB_TC_STRUCT, m->n_column_orders, err);
    for (uint32_t i = 0; i < m->n_column_orders; i++) qb_pq_column_order_write(w, m->column_orders[i], err);
  }
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_page_header_write(qb_tc_writer *w, const qb_pq_page_header *h, qb_err *err)
{
  qb_tc_write_struct_begin(w, err);
  qb_tc_write_field_i32(w, 1, (int32_t)h->type, err);
  qb_tc_write_field_i32(w, 2, h->uncompressed_page_size, err);
  qb_tc_write_field_i32(w, 3, h->compressed_page_size, err);
  if (h->has_crc) qb_tc_write_field_i32(w, 4, (int32_t)h->crc, err);
  if (h->has_data_page_header) {
    const qb_pq_data_page_header *d = &h->data_page_header;
    qb_tc_write_field_begin(w, QB_TC_STRUCT, 5, err);
    qb_tc_write_struct_begin(w, err);
    qb_tc_write_field_i32(w, 1, d->num_values, err);
    qb_tc_write_field_i32(w, 2, (int32_t)d->encoding, err);
    qb_tc_write_field_i32(w, 3, (int32_t)d->def_level_encoding, err);
    qb_tc_write_field_i32(w, 4, (int32_t)d->rep_level_encoding, err);
    if (d->has_statistics) {
      qb_tc_write_field_begin(w, QB_TC_STRUCT, 5, err);
      qb_pq_statistics_write(w, &d->statistics, err);
    }
    qb_tc_write_struct_end(w, err);
  }
  if (h->has_index_page_header) empty_struct_field(w, 6, err);
  if (h->has_dictionary_page_header) {
    const qb_pq_dictionary_page_header *d = &h->dictionary_page_header;
    qb_tc_write_field_begin(w, QB_TC_STRUCT, 7, err);
    qb_tc_write_struct_begin(w, err);
    qb_tc_write_field_i32(w, 1, d->num_values, err);
    qb_tc_write_field_i32(w, 2, (int32_t)d->encoding, err);
    if (d->has_is_sorted) qb_tc_write_field_bool(w, 3, d->is_sorted, err);
    qb_tc_write_struct_end(w, err);
  }
  if (h->has_data_page_header_v2) {
    const qb_pq_data_page_header_v2 *d = &h->data_page_header_v2;
    qb_tc_write_field_begin(w, QB_TC_STRUCT, 8, err);
    qb_tc_write_struct_begin(w, err);
    qb_tc_write_field_i32(w, 1, d->num_values, err);
    qb_tc_write_field_i32(w, 2, d->num_nulls, err);
    qb_tc_write_field_i32(w, 3, d->num_rows, err);
    qb_tc_write_field_i32(w, 4, (int32_t)d->encoding, err);
    qb_tc_write_field_i32(w, 5, d->def_levels_byte_length, err);
    qb_tc_write_field_i32(w, 6, d->rep_levels_byte_length, err);
    /* Always explicit, so no reader has to get the thrift default (true) right. */
    qb_tc_write_field_bool(w, 7, d->is_compressed, err);
    if (d->has_statistics) {
      qb_tc_write_field_begin(w, QB_TC_STRUCT, 8, err);
      qb_pq_statistics_write(w, &d->statistics, err);
    }
    qb_tc_write_struct_end(w, err);
  }
  return qb_tc_write_struct_end(w, err);
}

int qb_pq_file_meta_encode(qb_buf *out, const qb_pq_file_meta *m, qb_err *err)
{
  qb_tc_writer w;
  qb_tc_writer_init(&w, out);
  qb_pq_file_meta_write(&w, m, err);
  return qb_tc_writer_status(&w);
}

int qb_pq_page_header_encode(qb_buf *out, const qb_pq_page_header *h, qb_err *err)
{
  qb_tc_writer w;
  qb_tc_writer_init(&w, out);
  qb_pq_page_header_write(&w, h, err);
  return qb_tc_writer_status(&w);
}
