/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet footer and page header decoding against real files (parquet-testing) and the DuckDB oracle output
 * stored beside them; encode/decode round trips; tail checks; hostile footers. */
#include <json-c/json.h>

#include "formats/parquet/codec.h"
#include "formats/parquet/meta.h"
#include "formats/parquet/schema.h"
#include "harness.h"

static uint8_t *slurp(const char *name, size_t *n)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/parquet/%s", qb_test_data_dir(), name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc((size_t)len + 1);
  if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
    free(p);
    p = NULL;
  }
  if (p) p[len] = '\0'; /* JSON text is parsed as a C string */
  fclose(f);
  *n = (size_t)len;
  return p;
}

/* The footer of a whole file in memory. */
static int footer(qb_pq_file_meta *m, const uint8_t **fp, size_t *fn, const uint8_t *file, size_t n, qb_arena *a,
                  qb_err *err)
{
  uint32_t len;
  int rc = qb_pq_tail_parse(&len, file + n - 8, n, err);
  if (rc) return rc;
  *fp = file + n - 8 - len;
  *fn = len;
  return qb_pq_file_meta_decode(m, *fp, len, n - 8 - len, a, err);
}

static const char *jstr(json_object *o, const char *key)
{
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) return NULL;
  return json_object_get_string(v);
}

/* Oracle numbers are strings ("5") or ints; NULL means absent. */
static bool jnum(json_object *o, const char *key, long long *out)
{
  const char *s = jstr(o, key);
  if (!s) return false;
  *out = strtoll(s, NULL, 10);
  return true;
}

static const char *const converted_names[] = {
    "UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME_MILLIS", "TIME_MICROS",
    "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64", "INT_8", "INT_16",
    "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"};

/* DuckDB prints logical types as thrift's printTo: "StringType()", "DecimalType(scale=2, precision=25)"... */
static const struct {
  qb_pq_logical_kind kind;
  const char *prefix;
} logical_names[] = {{QB_PQ_LT_STRING, "StringType("}, {QB_PQ_LT_MAP, "MapType("},   {QB_PQ_LT_LIST, "ListType("},
                     {QB_PQ_LT_ENUM, "EnumType("},     {QB_PQ_LT_DECIMAL, "DecimalType("},
                     {QB_PQ_LT_DATE, "DateType("},     {QB_PQ_LT_TIME, "TimeType("},
                     {QB_PQ_LT_TIMESTAMP, "TimestampType("}, {QB_PQ_LT_INTEGER, "IntType("},
                     {QB_PQ_LT_UNKNOWN, "NullType("},  {QB_PQ_LT_JSON, "JsonType("}, {QB_PQ_LT_BSON, "BsonType("},
                     {QB_PQ_LT_UUID, "UUIDType("},     {QB_PQ_LT_FLOAT16, "Float16Type("}};

static bool schema_matches(const qb_pq_schema_element *e, json_object *j, size_t i)
{
  long long v;
  const char *s;
#define MISMATCH(what)                                                 \
  do {                                                                 \
    fprintf(stderr, "  schema[%zu] (%s): %s differs\n", i, e->name, what); \
    return false;                                                      \
  } while (0)
  if (strcmp(e->name, jstr(j, "name"))) MISMATCH("name");
  s = jstr(j, "type");
  if (!s != !e->has_type || (s && strcmp(s, qb_pq_type_name(e->type)))) MISMATCH("type");
  if (jnum(j, "type_length", &v) != e->has_type_length || (e->has_type_length && v != e->type_length))
    MISMATCH("type_length");
  s = jstr(j, "repetition_type");
  if (!s != !e->has_repetition || (s && strcmp(s, qb_pq_repetition_name(e->repetition)))) MISMATCH("repetition");
  if (jnum(j, "num_children", &v) != e->has_num_children || (e->has_num_children && v != e->num_children))
    MISMATCH("num_children");
  s = jstr(j, "converted_type");
  if (!s != !e->has_converted_type ||
      (s && ((unsigned)e->converted_type >= sizeof converted_names / sizeof converted_names[0] ||
             strcmp(s, converted_names[e->converted_type]))))
    MISMATCH("converted_type");
  if (jnum(j, "scale", &v) != e->has_scale || (e->has_scale && v != e->scale)) MISMATCH("scale");
  if (jnum(j, "precision", &v) != e->has_precision || (e->has_precision && v != e->precision)) MISMATCH("precision");
  if (jnum(j, "field_id", &v) != e->has_field_id || (e->has_field_id && v != e->field_id)) MISMATCH("field_id");
  s = jstr(j, "logical_type");
  if (!s) {
    if (e->has_logical_type && e->logical_type.kind != QB_PQ_LT_NONE) MISMATCH("logical_type (oracle: none)");
  } else {
    bool found = false;
    for (size_t k = 0; k < sizeof logical_names / sizeof logical_names[0]; k++)
      if (strncmp(s, logical_names[k].prefix, strlen(logical_names[k].prefix)) == 0)
        found = e->has_logical_type && e->logical_type.kind == logical_names[k].kind;
    if (!found) MISMATCH("logical_type");
  }
  return true;
#undef MISMATCH
}

static bool column_matches(const qb_pq_column_chunk *c, json_object *j, size_t r, size_t i)
{
  const qb_pq_column_meta *m = &c->meta_data;
  long long v;
  char buf[1024];
#define MISMATCH(what)                                                          \
  do {                                                                          \
    fprintf(stderr, "  row group %zu column %zu: %s differs\n", r, i, what);   \
    return false;                                                               \
  } while (0)
  if (!c->has_meta_data) MISMATCH("meta_data presence");
  buf[0] = '\0';
  for (uint32_t k = 0; k < m->n_path; k++) {
    if (k) strcat(buf, ", ");
    strcat(buf, m->path_in_schema[k]);
  }
  if (strcmp(buf, jstr(j, "path_in_schema"))) MISMATCH("path_in_schema");
  if (strcmp(qb_pq_type_name(m->type), jstr(j, "type"))) MISMATCH("type");
  if (strcmp(qb_pq_codec_name(m->codec), jstr(j, "codec"))) MISMATCH("codec");
  buf[0] = '\0';
  for (uint32_t k = 0; k < m->n_encodings; k++) {
    if (k) strcat(buf, ", ");
    strcat(buf, qb_pq_encoding_name(m->encodings[k]));
  }
  if (strcmp(buf, jstr(j, "encodings"))) MISMATCH("encodings");
  if (!jnum(j, "num_values", &v) || v != m->num_values) MISMATCH("num_values");
  if (!jnum(j, "data_page_offset", &v) || v != m->data_page_offset) MISMATCH("data_page_offset");
  if (jnum(j, "dictionary_page_offset", &v) != m->has_dictionary_page_offset ||
      (m->has_dictionary_page_offset && v != m->dictionary_page_offset))
    MISMATCH("dictionary_page_offset");
  if (!jnum(j, "total_compressed_size", &v) || v != m->total_compressed_size) MISMATCH("total_compressed_size");
  if (!jnum(j, "total_uncompressed_size", &v) || v != m->total_uncompressed_size) MISMATCH("total_uncompressed_size");
  if (jnum(j, "file_offset", &v) && v != c->file_offset) MISMATCH("file_offset"); /* DuckDB may print null */
  if (jnum(j, "bloom_filter_offset", &v) != m->has_bloom_filter_offset ||
      (m->has_bloom_filter_offset && v != m->bloom_filter_offset))
    MISMATCH("bloom_filter_offset");
  bool has_nc = m->has_statistics && m->statistics.has_null_count;
  if (jnum(j, "stats_null_count", &v) != has_nc || (has_nc && v != m->statistics.null_count))
    MISMATCH("stats_null_count");
  if (m->type == QB_PQ_BYTE_ARRAY) { /* DuckDB prints string statistics verbatim */
    const char *s = jstr(j, "stats_min_value");
    const qb_pq_statistics *st = &m->statistics;
    bool has = m->has_statistics && st->has_min_value;
    if (!s != !has || (s && (strlen(s) != st->min_value.n || memcmp(s, st->min_value.p, st->min_value.n))))
      MISMATCH("stats_min_value");
    s = jstr(j, "stats_max_value");
    has = m->has_statistics && st->has_max_value;
    if (!s != !has || (s && (strlen(s) != st->max_value.n || memcmp(s, st->max_value.p, st->max_value.n))))
      MISMATCH("stats_max_value");
  }
  json_object *kv;
  if (json_object_object_get_ex(j, "key_value_metadata", &kv)) {
    if (json_object_array_length(kv) != m->n_key_value_metadata) MISMATCH("key_value_metadata count");
    for (uint32_t k = 0; k < m->n_key_value_metadata; k++) {
      json_object *e = json_object_array_get_idx(kv, k);
      const qb_pq_key_value *ours = &m->key_value_metadata[k];
      if (strcmp(jstr(e, "key"), ours->key)) MISMATCH("key_value_metadata key");
      if (strcmp(jstr(e, "value"), ours->has_value ? ours->value : "")) MISMATCH("key_value_metadata value");
    }
  }
  return true;
#undef MISMATCH
}

static const char *const oracle_files[] = {
    "datapage_v2.snappy",           "nested_maps.snappy",   "unknown-logical-type",
    "column_chunk_key_value_metadata", "data_index_bloom_encoding_stats", "fixed_length_decimal",
    "ARROW-RS-GH-6229-DICTHEADER",  "dict-page-offset-zero",
};

/* Footers carrying fields we skip (an unknown logical type; a list where ColumnMetaData 15 is an i32). */
static bool has_skipped_fields(const char *name)
{
  return strstr(name, "unknown-logical-type") || strstr(name, "dict-page-offset-zero");
}

QB_TEST(footers_match_duckdb)
{
  for (size_t f = 0; f < sizeof oracle_files / sizeof oracle_files[0]; f++) {
    qb_err err = QB_ERR_INIT;
    char name[256];
    size_t n, jn;
    snprintf(name, sizeof name, "%s.parquet", oracle_files[f]);
    uint8_t *file = slurp(name, &n);
    snprintf(name, sizeof name, "%s.meta.json", oracle_files[f]);
    uint8_t *jtext = slurp(name, &jn);
    CHECK(file && jtext);
    json_object *j = json_tokener_parse((const char *)jtext);
    CHECK(j);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_pq_file_meta m;
    const uint8_t *fp = NULL;
    size_t fn = 0;
    int rc = footer(&m, &fp, &fn, file, n, &a, &err);
    if (rc) fprintf(stderr, "  %s: %s\n", oracle_files[f], err.msg);
    EXPECT(rc == QB_OK);
    long long v;
    EXPECT(jnum(j, "num_rows", &v) && v == m.num_rows);
    EXPECT(jnum(j, "num_row_groups", &v) && v == m.n_row_groups);
    EXPECT(jnum(j, "format_version", &v) && v == m.version);
    EXPECT(jnum(j, "footer_size", &v) && (size_t)v == fn);
    const char *cb = jstr(j, "created_by");
    EXPECT(!cb == !m.has_created_by && (!cb || strcmp(cb, m.created_by) == 0));
    json_object *arr;
    EXPECT(json_object_object_get_ex(j, "key_value_metadata", &arr) &&
           json_object_array_length(arr) == m.n_key_value_metadata);
    for (uint32_t k = 0; k < m.n_key_value_metadata; k++) {
      json_object *e = json_object_array_get_idx(arr, k);
      EXPECT(strcmp(jstr(e, "key"), m.key_value_metadata[k].key) == 0);
      EXPECT(strcmp(jstr(e, "value"), m.key_value_metadata[k].value) == 0);
    }
    EXPECT(json_object_object_get_ex(j, "schema", &arr) && json_object_array_length(arr) == m.n_schema);
    for (uint32_t k = 0; k < m.n_schema; k++) EXPECT(schema_matches(&m.schema[k], json_object_array_get_idx(arr, k), k));
    EXPECT(json_object_object_get_ex(j, "row_groups", &arr) && json_object_array_length(arr) == m.n_row_groups);
    for (uint32_t r = 0; r < m.n_row_groups; r++) {
      json_object *rg = json_object_array_get_idx(arr, r), *cols;
      EXPECT(jnum(rg, "num_rows", &v) && v == m.row_groups[r].num_rows);
      EXPECT(json_object_object_get_ex(rg, "columns", &cols) &&
             json_object_array_length(cols) == m.row_groups[r].n_columns);
      for (uint32_t c = 0; c < m.row_groups[r].n_columns; c++)
        EXPECT(column_matches(&m.row_groups[r].columns[c], json_object_array_get_idx(cols, c), r, c));
    }
    /* and the schema tree builds with one column per column chunk */
    qb_pq_schema *s = NULL;
    rc = qb_pq_schema_from_elements(&s, m.schema, m.n_schema, &err);
    EXPECT(rc == QB_OK);
    if (s && m.n_row_groups) EXPECT(qb_pq_schema_n_columns(s) == m.row_groups[0].n_columns);
    qb_pq_schema_free(s);
    json_object_put(j);
    qb_arena_release(&a);
    free(file);
    free(jtext);
  }
}

QB_TEST(footer_details)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  size_t n;
  uint8_t *file = slurp("unknown-logical-type.parquet", &n);
  CHECK(file);
  qb_pq_file_meta m;
  const uint8_t *fp = NULL;
  size_t fn = 0;
  CHECK_OK(footer(&m, &fp, &fn, file, n, &a, &err), &err);
  CHECK_EQ_INT(m.n_schema, 3);
  CHECK_EQ_INT(m.schema[2].has_logical_type, 1);
  CHECK_EQ_INT(m.schema[2].logical_type.kind, QB_PQ_LT_NONE);
  CHECK(m.schema[2].logical_type.unrecognized_id > 15);
  free(file);

  file = slurp("data_index_bloom_encoding_stats.parquet", &n);
  CHECK(file);
  CHECK_OK(footer(&m, &fp, &fn, file, n, &a, &err), &err);
  const qb_pq_column_meta *cm = &m.row_groups[0].columns[0].meta_data;
  CHECK(cm->n_encoding_stats > 0);
  CHECK_EQ_INT(cm->encoding_stats[0].page_type, QB_PQ_PAGE_DATA);
  CHECK(m.row_groups[0].columns[0].has_column_index_offset && m.row_groups[0].columns[0].has_offset_index_offset);
  free(file);

  file = slurp("column_chunk_key_value_metadata.parquet", &n);
  CHECK(file);
  CHECK_OK(footer(&m, &fp, &fn, file, n, &a, &err), &err);
  cm = &m.row_groups[0].columns[0].meta_data;
  CHECK_EQ_INT(cm->n_key_value_metadata, 2);
  CHECK_EQ_INT(cm->key_value_metadata[1].has_value, 0); /* "thisiskeywithoutvalue" */
  /* dictionary_page_offset 4 > data_page_offset 0: the quirk rule keeps data_page_offset */
  CHECK_EQ_INT(qb_pq_column_meta_start(cm), cm->data_page_offset);
  free(file);
  qb_arena_release(&a);
}

/* Decode → encode → decode → encode: the two encodings are equal, and equal to the original footer bytes
 * (these writers emit fields in id order with the compact protocol's short forms, as we do). */
QB_TEST(footer_round_trip)
{
  for (size_t f = 0; f < sizeof oracle_files / sizeof oracle_files[0]; f++) {
    qb_err err = QB_ERR_INIT;
    char name[256];
    size_t n;
    snprintf(name, sizeof name, "%s.parquet", oracle_files[f]);
    uint8_t *file = slurp(name, &n);
    CHECK(file);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_pq_file_meta m, m2;
    const uint8_t *fp = NULL;
    size_t fn = 0;
    CHECK_OK(footer(&m, &fp, &fn, file, n, &a, &err), &err);
    qb_buf b1, b2;
    qb_buf_init(&b1, 1 << 20);
    qb_buf_init(&b2, 1 << 20);
    CHECK_OK(qb_pq_file_meta_encode(&b1, &m, &err), &err);
    CHECK_OK(qb_pq_file_meta_decode(&m2, b1.p, b1.n, 0, &a, &err), &err);
    CHECK_OK(qb_pq_file_meta_encode(&b2, &m2, &err), &err);
    EXPECT(b1.n == b2.n && memcmp(b1.p, b2.p, b1.n) == 0);
    /* Skipped fields are dropped on re-encode: only those footers change. */
    bool same = b1.n == fn && memcmp(b1.p, fp, fn) == 0;
    if (same == has_skipped_fields(name)) fprintf(stderr, "  %s: re-encoding same=%d\n", name, same);
    EXPECT(same == !has_skipped_fields(name));
    qb_buf_free(&b1);
    qb_buf_free(&b2);
    qb_arena_release(&a);
    free(file);
  }
}

/* Walk every page of every chunk: headers decode, sizes add up to total_compressed_size, CRCs verify,
 * pages decompress to uncompressed_page_size. */
QB_TEST(page_headers_of_real_files)
{
  static const char *const files[] = {"datapage_v2.snappy.parquet", "nested_maps.snappy.parquet", "dict-page-offset-zero.parquet",
                                      "data_index_bloom_encoding_stats.parquet", "fixed_length_decimal.parquet",
                                      "unknown-logical-type.parquet"};
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    qb_err err = QB_ERR_INIT;
    size_t n;
    uint8_t *file = slurp(files[f], &n);
    CHECK(file);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_pq_file_meta m;
    const uint8_t *fp = NULL;
    size_t fn = 0;
    CHECK_OK(footer(&m, &fp, &fn, file, n, &a, &err), &err);
    int pages = 0, v2 = 0, crcs = 0;
    for (uint32_t r = 0; r < m.n_row_groups; r++) {
      for (uint32_t c = 0; c < m.row_groups[r].n_columns; c++) {
        const qb_pq_column_meta *cm = &m.row_groups[r].columns[c].meta_data;
        size_t pos = (size_t)qb_pq_column_meta_start(cm), end = pos + (size_t)cm->total_compressed_size;
        CHECK(end <= n);
        int64_t values = 0;
        while (pos < end) {
          qb_pq_page_header h;
          size_t hl;
          CHECK_OK(qb_pq_page_header_decode(&h, &hl, file + pos, end - pos, pos, &err), &err);
          pos += hl;
          CHECK(pos + (size_t)h.compressed_page_size <= end);
          const uint8_t *payload = file + pos;
          if (h.has_crc) {
            CHECK_EQ_INT(qb_pq_crc32(0, payload, (size_t)h.compressed_page_size), h.crc);
            crcs++;
          }
          uint8_t *raw = malloc((size_t)h.uncompressed_page_size + 1);
          if (h.type == QB_PQ_PAGE_DATA_V2) {
            /* levels are stored uncompressed in front of the values */
            const qb_pq_data_page_header_v2 *d = &h.data_page_header_v2;
            size_t lv = (size_t)d->rep_levels_byte_length + (size_t)d->def_levels_byte_length;
            memcpy(raw, payload, lv);
            if (d->is_compressed && (size_t)h.compressed_page_size > lv)
              CHECK_OK(qb_pq_decompress(cm->codec, raw + lv, (size_t)h.uncompressed_page_size - lv, payload + lv,
                                        (size_t)h.compressed_page_size - lv, &err),
                       &err);
            values += d->num_values;
            v2++;
          } else {
            CHECK_OK(qb_pq_decompress(cm->codec, raw, (size_t)h.uncompressed_page_size, payload,
                                      (size_t)h.compressed_page_size, &err),
                     &err);
            if (h.type == QB_PQ_PAGE_DATA) values += h.data_page_header.num_values;
          }
          free(raw);
          pos += (size_t)h.compressed_page_size;
          pages++;
        }
        CHECK_EQ_INT(pos, end);
        CHECK_EQ_INT(values, cm->num_values);
      }
    }
    CHECK(pages > 0);
    if (strstr(files[f], "datapage_v2")) CHECK(v2 > 0);
    (void)crcs;
    qb_arena_release(&a);
    free(file);
  }
}

QB_TEST(bad_files_fail_cleanly)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  size_t n;
  uint8_t *file = slurp("PARQUET-1481.parquet", &n);
  CHECK(file);
  qb_pq_file_meta m;
  const uint8_t *fp = NULL;
  size_t fn = 0;
  int rc = footer(&m, &fp, &fn, file, n, &a, &err);
  if (rc == QB_OK) {
    qb_pq_schema *s = NULL;
    CHECK_FAIL(qb_pq_schema_from_elements(&s, m.schema, m.n_schema, &err), QB_ECORRUPT, &err, "invalid physical type");
  } else {
    CHECK_EQ_INT(rc, QB_ECORRUPT);
  }
  free(file);

  file = slurp("ARROW-RS-GH-6229-DICTHEADER.parquet", &n);
  CHECK(file);
  CHECK_OK(footer(&m, &fp, &fn, file, n, &a, &err), &err);
  const qb_pq_column_meta *cm = &m.row_groups[0].columns[0].meta_data;
  size_t pos = (size_t)qb_pq_column_meta_start(cm);
  qb_pq_page_header h;
  size_t hl;
  /* the corrupted header stores DataPageHeader.num_values as an i16: skipped as thrift does, so it is missing */
  CHECK_FAIL(qb_pq_page_header_decode(&h, &hl, file + pos, n - pos, pos, &err), QB_ECORRUPT, &err,
             "page header at offset 4: DataPageHeader: missing required field 1 (num_values)");
  free(file);
  qb_arena_release(&a);
}

QB_TEST(tail_checks)
{
  qb_err err = QB_ERR_INIT;
  uint32_t len;
  uint8_t t[8] = {10, 0, 0, 0, 'P', 'A', 'R', '1'};
  CHECK_OK(qb_pq_tail_parse(&len, t, 22, &err), &err);
  CHECK_EQ_INT(len, 10);
  CHECK_FAIL(qb_pq_tail_parse(&len, t, 21, &err), QB_ECORRUPT, &err, "footer length 10 does not fit in a file of 21 bytes");
  CHECK_FAIL(qb_pq_tail_parse(&len, t, 11, &err), QB_ECORRUPT, &err, "11 bytes is too short");
  memcpy(t + 4, "PARE", 4);
  CHECK_FAIL(qb_pq_tail_parse(&len, t, 100, &err), QB_EUNSUPPORTED, &err, "encrypted parquet footer");
  memcpy(t + 4, "PAR2", 4);
  CHECK_FAIL(qb_pq_tail_parse(&len, t, 100, &err), QB_ECORRUPT, &err, "no PAR1 magic");
  memcpy(t, "\0\0\0\0PAR1", 8);
  CHECK_FAIL(qb_pq_tail_parse(&len, t, 100, &err), QB_ECORRUPT, &err, "footer length 0");
}

QB_TEST(hostile_footers)
{
  size_t n;
  uint8_t *file = slurp("nested_maps.snappy.parquet", &n);
  CHECK(file);
  uint32_t len = qb_le32(file + n - 8);
  const uint8_t *fp = file + n - 8 - len;
  /* every truncation fails with QB_ECORRUPT */
  for (uint32_t cut = 0; cut < len; cut++) {
    qb_err err = QB_ERR_INIT;
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_pq_file_meta m;
    int rc = qb_pq_file_meta_decode(&m, fp, cut, 1000, &a, &err);
    EXPECT(rc == QB_ECORRUPT);
    EXPECT(strstr(err.msg, "parquet footer") != NULL);
    qb_arena_release(&a);
  }
  /* every single-byte corruption: decode may fail or succeed, but allocates at most a few x the footer */
  uint8_t *copy = malloc(len);
  for (uint32_t i = 0; i < len; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      memcpy(copy, fp, len);
      copy[i] ^= (uint8_t)(1u << bit);
      qb_err err = QB_ERR_INIT;
      qb_arena a;
      qb_arena_init(&a, 0);
      qb_pq_file_meta m;
      int rc = qb_pq_file_meta_decode(&m, copy, len, 0, &a, &err);
      EXPECT(rc == QB_OK || rc == QB_ECORRUPT || rc == QB_EUNSUPPORTED);
      EXPECT(a.total_bytes <= 64 * (size_t)len + 4096);
      if (rc == QB_OK) {
        qb_pq_schema *s = NULL;
        if (qb_pq_schema_from_elements(&s, m.schema, m.n_schema, &err) == QB_OK) qb_pq_schema_free(s);
      }
      qb_arena_release(&a);
    }
  }
  free(copy);
  /* a known field with the wrong wire type is skipped (created_by as i32), as Thrift's generated code does */
  {
    qb_err e2 = QB_ERR_INIT;
    uint8_t odd[] = {0x15, 0x02, 0x19, 0x1c, 0x48, 0x01, 'r', 0x00, 0x16, 0x00, 0x19, 0x0c, 0x25, 0x02, 0x00};
    qb_arena a2;
    qb_arena_init(&a2, 0);
    qb_pq_file_meta m2;
    CHECK_OK(qb_pq_file_meta_decode(&m2, odd, sizeof odd, 0, &a2, &e2), &e2);
    CHECK_EQ_INT(m2.has_created_by, 0);
    CHECK_EQ_INT(m2.n_schema, 1);
    CHECK_EQ_STR(m2.schema[0].name, "r");
    odd[4] = 0x45; /* SchemaElement.name as i32: skipped, so the required name is missing */
    CHECK_FAIL(qb_pq_file_meta_decode(&m2, odd, sizeof odd, 0, &a2, &e2), QB_ECORRUPT, &e2,
               "schema[0]: SchemaElement: missing required field 4 (name)");
    qb_arena_release(&a2);
  }
  /* an encrypted-footer field (FileMetaData 8) is refused */
  qb_err err = QB_ERR_INIT;
  uint8_t enc[] = {0x15, 0x02, 0x7c, 0x00, 0x00}; /* 1: i32 1, 8: struct {} */
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_pq_file_meta m;
  CHECK_FAIL(qb_pq_file_meta_decode(&m, enc, sizeof enc, 0, &a, &err), QB_EUNSUPPORTED, &err, "encrypted parquet files");
  uint8_t missing[] = {0x15, 0x02, 0x00};
  CHECK_FAIL(qb_pq_file_meta_decode(&m, missing, sizeof missing, 0, &a, &err), QB_ECORRUPT, &err,
             "FileMetaData: missing required field 2 (schema)");
  qb_arena_release(&a);
  free(file);
}

/* A DECIMAL whose scale and precision are impossible (LogicalTypes.md: precision >= 1, 0 <= scale <=
 * precision) is not a decimal: the column reads as its physical type. A damaged footer with scale INT32_MIN
 * made qberg parquet cat negate INT32_MIN (UBSan) and INT32_MAX print 2^31 digits per value. Checked on
 * dec12 (INT64 DECIMAL(12,2)) of duckdb_v2_brotli.parquet, through logicalType and the legacy fields. */
QB_TEST(impossible_decimal_scale_reads_as_physical)
{
  size_t n;
  uint8_t *file = slurp("qberg/duckdb_v2_brotli.parquet", &n);
  CHECK(file);
  static const struct {
    bool legacy;
    int32_t scale, precision;
    bool decimal;
  } cases[] = {{false, 2, 12, true},          {false, INT32_MIN, 12, false}, {false, INT32_MAX, 12, false},
               {false, -1, 12, false},        {false, 13, 12, false},        {false, 0, 0, false},
               {true, 2, 12, true},           {true, INT32_MIN, 12, false},  {true, 5, 3, false}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    qb_err err = QB_ERR_INIT;
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_pq_file_meta m;
    const uint8_t *fp;
    size_t fn;
    CHECK_OK(footer(&m, &fp, &fn, file, n, &a, &err), &err);
    qb_pq_schema_element *e = NULL;
    for (uint32_t i = 0; i < m.n_schema; i++)
      if (!strcmp(m.schema[i].name, "dec12")) e = &m.schema[i];
    CHECK(e && e->has_logical_type && e->logical_type.kind == QB_PQ_LT_DECIMAL && e->logical_type.scale == 2);
    if (cases[k].legacy) {
      e->has_logical_type = false;
      e->has_converted_type = e->has_scale = e->has_precision = true;
      e->converted_type = QB_PQ_CT_DECIMAL;
      e->scale = cases[k].scale;
      e->precision = cases[k].precision;
    } else {
      e->logical_type.scale = cases[k].scale;
      e->logical_type.precision = cases[k].precision;
    }
    /* the file with the new footer: the same bytes before it */
    qb_buf b;
    qb_buf_init(&b, QB_BUF_NOLIMIT);
    size_t body = (size_t)(fp - file);
    CHECK_OK(qb_buf_append(&b, file, body, &err), &err);
    CHECK_OK(qb_pq_file_meta_encode(&b, &m, &err), &err);
    uint8_t tail[8] = {0, 0, 0, 0, 'P', 'A', 'R', '1'};
    qb_put_le32(tail, (uint32_t)(b.n - body));
    CHECK_OK(qb_buf_append(&b, tail, sizeof tail, &err), &err);
    qb_file *f;
    qb_pq_reader *r;
    CHECK_OK(qb_file_from_memory(&f, b.p, b.n, "dec.parquet", &err), &err);
    CHECK_OK(qb_pq_reader_open(&r, f, NULL, &err), &err);
    const qb_pq_field *fd = qb_pq_reader_column_field(r, 8);
    CHECK(fd && !strcmp(fd->name, "dec12"));
    if (cases[k].decimal) {
      CHECK(fd->vtype == QB_PQ_V_DECIMAL && fd->scale == cases[k].scale && fd->precision == cases[k].precision);
    } else {
      CHECK_EQ_INT(fd->vtype, QB_PQ_V_INT);
    }
    /* row 1: the unscaled 125 either way */
    qb_pq_scan_options so = QB_PQ_SCAN_OPTIONS_INIT;
    const char *cols[] = {"dec12"};
    so.columns = cols;
    so.n_columns = 1;
    qb_pq_scan *s;
    const qb_value *row;
    CHECK_OK(qb_pq_scan_new(&s, r, &so, &err), &err);
    CHECK_OK(qb_pq_scan_next(&row, s, &err), &err);
    CHECK_OK(qb_pq_scan_next(&row, s, &err), &err);
    CHECK(row && row->u.seq.items[0].kind == QB_V_INT64 && row->u.seq.items[0].u.i64 == 125);
    qb_pq_scan_free(s);
    qb_pq_reader_close(r);
    qb_file_close(f);
    qb_buf_free(&b);
    qb_arena_release(&a);
  }
  free(file);
}

QB_TEST(page_header_round_trip)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_page_header h, g;
  memset(&h, 0, sizeof h);
  h.type = QB_PQ_PAGE_DATA_V2;
  h.uncompressed_page_size = 1000;
  h.compressed_page_size = 600;
  h.has_crc = true;
  h.crc = 0xdeadbeef;
  h.has_data_page_header_v2 = true;
  h.data_page_header_v2 = (qb_pq_data_page_header_v2){10, 2, 5, QB_PQ_RLE_DICTIONARY, 7, 3, false, true, {0}};
  h.data_page_header_v2.statistics.has_null_count = true;
  h.data_page_header_v2.statistics.null_count = 2;
  h.data_page_header_v2.statistics.has_min_value = true;
  h.data_page_header_v2.statistics.min_value = (qb_slice){(const uint8_t *)"abc", 3};
  qb_buf b;
  qb_buf_init(&b, 4096);
  CHECK_OK(qb_pq_page_header_encode(&b, &h, &err), &err);
  CHECK_OK(qb_buf_append(&b, "PAYLOAD", 7, &err), &err);
  size_t hl;
  CHECK_OK(qb_pq_page_header_decode(&g, &hl, b.p, b.n, 0, &err), &err);
  CHECK_EQ_INT(hl, b.n - 7);
  CHECK_EQ_INT(g.crc, 0xdeadbeef);
  CHECK_EQ_INT(g.data_page_header_v2.is_compressed, 0);
  CHECK_EQ_INT(g.data_page_header_v2.num_rows, 5);
  CHECK_EQ_INT(g.data_page_header_v2.encoding, QB_PQ_RLE_DICTIONARY);
  CHECK(g.data_page_header_v2.statistics.min_value.p == b.p + (g.data_page_header_v2.statistics.min_value.p - b.p));
  CHECK(g.data_page_header_v2.statistics.min_value.n == 3 &&
        memcmp(g.data_page_header_v2.statistics.min_value.p, "abc", 3) == 0);
  CHECK(g.data_page_header_v2.statistics.min_value.p >= b.p && g.data_page_header_v2.statistics.min_value.p < b.p + b.n);
  /* a truncated header says so and reports no length */
  CHECK_FAIL(qb_pq_page_header_decode(&g, &hl, b.p, 5, 4096, &err), QB_ECORRUPT, &err, "page header at offset 4096");
  CHECK_EQ_INT(hl, 0);

  /* the thrift default of is_compressed is true */
  memset(&h, 0, sizeof h);
  h.type = QB_PQ_PAGE_DICTIONARY;
  h.has_dictionary_page_header = true;
  h.dictionary_page_header.num_values = 3;
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_page_header_encode(&b, &h, &err), &err);
  CHECK_OK(qb_pq_page_header_decode(&g, &hl, b.p, b.n, 0, &err), &err);
  CHECK_EQ_INT(g.dictionary_page_header.num_values, 3);
  CHECK_EQ_INT(g.dictionary_page_header.has_is_sorted, 0);
  uint8_t v2_no_flag[] = {0x15, 0x06, 0x15, 0x00, 0x15, 0x00, 0x5c, 0x15, 0x00, 0x15, 0x00, 0x15, 0x00,
                          0x15, 0x00, 0x15, 0x00, 0x15, 0x00, 0x00, 0x00};
  CHECK_OK(qb_pq_page_header_decode(&g, &hl, v2_no_flag, sizeof v2_no_flag, 0, &err), &err);
  CHECK(g.has_data_page_header_v2 && g.data_page_header_v2.is_compressed);
  qb_buf_free(&b);
}
