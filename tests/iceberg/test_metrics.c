/* SPDX-License-Identifier: Apache-2.0 */
/* data_file metrics from the Parquet writer's result (Java MetricsConfig / ParquetMetrics): modes parsed and
 * resolved per column, counts, NaN counts, bounds per type with truncate(16), list/map leaves with sizes
 * only; column sizes cross-checked with the file's footer. Expected bounds are the spec's serialisation of
 * the values written (Appendix D), worked out by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "qberg/qberg.h"
#include "iceberg/manifest_int.h"
#include "qberg/manifest.h"
#include "util/str.h"

QB_TEST(metrics_mode_parse_table)
{
  static const struct {
    const char *in;
    int ok;
    qb_metrics_kind kind;
    int32_t len;
  } cases[] = {
      {"none", 1, QB_METRICS_NONE, 0},        {"Counts", 1, QB_METRICS_COUNTS, 0},
      {" full ", 1, QB_METRICS_FULL, 0},      {"truncate(16)", 1, QB_METRICS_TRUNCATE, 16},
      {"TRUNCATE(1)", 1, QB_METRICS_TRUNCATE, 1}, {"truncate(0)", 0, 0, 0},
      {"truncate(-2)", 0, 0, 0},              {"truncate(x)", 0, 0, 0},
      {"truncate(16", 0, 0, 0},               {"truncate()", 0, 0, 0},
      {"bogus", 0, 0, 0},                     {"", 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_metrics_mode m;
    int rc = qb_metrics_mode_parse(&m, cases[i].in, &err);
    EXPECT((rc == QB_OK) == cases[i].ok);
    if (cases[i].ok) EXPECT(m.kind == cases[i].kind && m.length == cases[i].len);
    else EXPECT(rc == QB_EINVAL && strstr(err.msg, "invalid metrics mode"));
  }
}

static const char table_schema[] =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"score\",\"required\":false,\"type\":\"double\"},"
    "{\"id\":4,\"name\":\"day\",\"required\":false,\"type\":\"date\"},"
    "{\"id\":5,\"name\":\"amount\",\"required\":false,\"type\":\"decimal(9, 2)\"},"
    "{\"id\":6,\"name\":\"big\",\"required\":false,\"type\":\"decimal(20, 2)\"},"
    "{\"id\":7,\"name\":\"u\",\"required\":false,\"type\":\"uuid\"},"
    "{\"id\":8,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\",\"element-id\":9,\"element\":\"string\","
    "\"element-required\":false}},"
    "{\"id\":10,\"name\":\"loc\",\"required\":false,\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":11,\"name\":\"lat\",\"required\":false,\"type\":\"float\"}]}},"
    "{\"id\":12,\"name\":\"blob\",\"required\":false,\"type\":\"binary\"},"
    "{\"id\":13,\"name\":\"flag\",\"required\":false,\"type\":\"boolean\"},"
    "{\"id\":14,\"name\":\"ts\",\"required\":false,\"type\":\"timestamptz\"}]}";

/* The same table as a Parquet schema, as Iceberg maps it (spec Appendix A, Parquet). */
static int pq_schema(qb_pq_schema **out, qb_err *err)
{
  qb_pq_schema *s;
  qb_pq_node *root, *lg, *loc;
  int rc = qb_pq_schema_new(&s, "table", err);
  if (rc) return rc;
  root = qb_pq_schema_root(s);
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING), date = QB_PQ_LOGICAL(QB_PQ_LT_DATE),
                     d9 = QB_PQ_LOGICAL_DECIMAL(9, 2), d20 = QB_PQ_LOGICAL_DECIMAL(20, 2),
                     uuid = QB_PQ_LOGICAL(QB_PQ_LT_UUID), ts = QB_PQ_LOGICAL_TIMESTAMP(true, QB_PQ_MICROS);
  if ((rc = qb_pq_schema_add_primitive(NULL, s, root, "id", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "name", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 2, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "score", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 3, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "day", QB_PQ_OPTIONAL, QB_PQ_INT32, 0, &date, 4, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "amount", QB_PQ_OPTIONAL, QB_PQ_INT32, 0, &d9, 5, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "big", QB_PQ_OPTIONAL, QB_PQ_FIXED_LEN_BYTE_ARRAY, 9, &d20, 6,
                                       err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "u", QB_PQ_OPTIONAL, QB_PQ_FIXED_LEN_BYTE_ARRAY, 16, &uuid, 7,
                                       err)) ||
      (rc = qb_pq_schema_add_list(&lg, NULL, s, root, "tags", QB_PQ_OPTIONAL, 8, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, lg, "element", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 9, err)) ||
      (rc = qb_pq_schema_add_group(&loc, s, root, "loc", QB_PQ_OPTIONAL, 10, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, loc, "lat", QB_PQ_OPTIONAL, QB_PQ_FLOAT, 0, NULL, 11, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "blob", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, NULL, 12, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "flag", QB_PQ_OPTIONAL, QB_PQ_BOOLEAN, 0, NULL, 13, err)) ||
      (rc = qb_pq_schema_add_primitive(NULL, s, root, "ts", QB_PQ_OPTIONAL, QB_PQ_INT64, 0, &ts, 14, err)) ||
      (rc = qb_pq_schema_finish(s, err))) {
    qb_pq_schema_free(s);
    return rc;
  }
  *out = s;
  return QB_OK;
}

static qb_value n_(void) { return qb_value_null(); }
static qb_value i32(int32_t x) { qb_value v = {.kind = QB_V_INT32}; v.u.i32 = x; return v; }
static qb_value i64(int64_t x) { qb_value v = {.kind = QB_V_INT64}; v.u.i64 = x; return v; }
static qb_value f32(float x) { qb_value v = {.kind = QB_V_FLOAT}; v.u.f32 = x; return v; }
static qb_value f64(double x) { qb_value v = {.kind = QB_V_DOUBLE}; v.u.f64 = x; return v; }
static qb_value b_(bool x) { qb_value v = {.kind = QB_V_BOOL}; v.u.b = x; return v; }
static qb_value str(const char *s) { qb_value v = {.kind = QB_V_STRING}; v.u.bytes.p = (const uint8_t *)s; v.u.bytes.n = strlen(s); return v; }
static qb_value bin(const char *s, size_t n) { qb_value v = {.kind = QB_V_BYTES}; v.u.bytes.p = (const uint8_t *)s; v.u.bytes.n = n; return v; }

static const char FF17[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
/* 17 x U+00E9 */
static const char E17[] = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";

/* Writes three rows (the values the expectations below are worked out from); *res gets the writer result. */
static int write_file(qb_pq_write_result **res, qb_fileio *io, const char *path, qb_err *err)
{
  qb_pq_schema *s = NULL;
  qb_writer *dst = NULL;
  qb_pq_writer *w = NULL;
  double nan = strtod("nan", NULL);
  qb_value tags0[2] = {str("x"), str("yy")}, tags2[1] = {str("a")};
  qb_value loc0[1] = {f32((float)nan)}, loc2[1] = {f32(2.5f)};
  qb_value l0 = {.kind = QB_V_LIST}, l2 = {.kind = QB_V_LIST}, s0 = {.kind = QB_V_STRUCT}, s2 = {.kind = QB_V_STRUCT};
  l0.u.seq.items = tags0, l0.u.seq.n = 2;
  l2.u.seq.items = tags2, l2.u.seq.n = 1;
  s0.u.seq.items = loc0, s0.u.seq.n = 1;
  s2.u.seq.items = loc2, s2.u.seq.n = 1;
  qb_value rows[3][12] = {
      {i64(1), str("alpha"), f64(1.5), i32(19000), i32(1420), bin("\xff\xff\xff\xff\xff\xff\xff\xff\xfb", 9),
       bin("\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11", 16), l0, s0, bin("\xff\xff", 2), b_(true),
       i64(1000)},
      {i64(7), str(E17), f64(nan), n_(), i32(-1), n_(),
       bin("\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22", 16), n_(), n_(), bin(FF17, 17), b_(false),
       i64(-5)},
      {i64(-3), n_(), f64(-0.5), i32(19001), i32(99999), bin("\x00\x00\x00\x00\x00\x00\x00\x30\x39", 9), n_(), l2, s2,
       bin("\x00\x01", 2), n_(), n_()},
  };
  int rc = pq_schema(&s, err);
  if (!rc) rc = qb_fileio_create(&dst, io, path, QB_CREATE_EXCLUSIVE, err);
  if (!rc) rc = qb_pq_writer_open(&w, dst, s, NULL, err);
  for (int i = 0; !rc && i < 3; i++) {
    qb_value row = {.kind = QB_V_STRUCT};
    row.u.seq.items = rows[i];
    row.u.seq.n = 12;
    rc = qb_pq_writer_write_row(w, &row, err);
  }
  if (!rc) {
    rc = qb_pq_writer_close(w, res, err);
    w = NULL;
  }
  if (!rc) {
    rc = qb_writer_close(dst, err);
    dst = NULL;
  }
  qb_pq_writer_abort(w);
  qb_writer_abort(dst);
  qb_pq_schema_free(s);
  return rc;
}

static const char *hex_of(char *buf, qb_slice s)
{
  qb_hex_encode(buf, s.p, s.n);
  return buf;
}

/* "id=value id=value" of a counts map, ascending ids */
static void counts_text(char *out, size_t cap, const qb_counts *c)
{
  size_t o = 0;
  out[0] = 0;
  for (size_t i = 0; i < c->n && o < cap; i++)
    o += (size_t)snprintf(out + o, cap - o, "%s%d=%lld", i ? " " : "", (int)c->items[i].field_id,
                          (long long)c->items[i].value);
}

static void bounds_text(char *out, size_t cap, const qb_bounds *b)
{
  size_t o = 0;
  char hex[256];
  out[0] = 0;
  for (size_t i = 0; i < b->n && o < cap; i++)
    o += (size_t)snprintf(out + o, cap - o, "%s%d=%s", i ? " " : "", (int)b->items[i].field_id,
                          hex_of(hex, b->items[i].value));
}

QB_TEST(data_file_from_parquet_truncate16)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char path[1024];
  snprintf(path, sizeof path, "%s/d.parquet", qb_test_tmpdir());
  qb_pq_write_result *res;
  CHECK_OK(write_file(&res, io, path, &err), &err);
  qb_schema *schema;
  CHECK_OK(qb_schema_parse_json(&schema, table_schema, strlen(table_schema), &err), &err);
  qb_data_file *f;
  CHECK_OK(qb_data_file_from_parquet(&f, res, "s3://b/t/data/d.parquet", NULL, schema, NULL, &err), &err);
  CHECK_EQ_STR(f->file_path, "s3://b/t/data/d.parquet");
  CHECK_EQ_STR(f->file_format, "PARQUET");
  CHECK(f->content == QB_CONTENT_DATA && f->partition.kind == QB_V_STRUCT && f->partition.u.seq.n == 0);
  CHECK_EQ_INT(f->record_count, 3);
  qb_stat st;
  CHECK_OK(qb_fileio_stat(io, path, &st, &err), &err);
  CHECK_EQ_INT(f->file_size_in_bytes, (int64_t)st.size_bytes);
  CHECK(f->n_split_offsets == 1 && f->split_offsets[0] == 4); /* one row group, right after "PAR1" */
  /* a data file is held until the commit (every file of a write, a compaction's candidates, a scan's delete
   * files): it holds its contents in one chunk of their size, not a 4 KiB arena chunk (and a slot per column
   * in each metrics array); 20,000 files written in one append took 180 MB, 44 MB now */
  size_t need = qb_data_file__copy_size(f);
  CHECK(need > 0 && need <= 1536); /* 14 columns: counts, 20 bounds, the path */
  CHECK_EQ_INT((int64_t)qb_data_file__held_bytes(f), (int64_t)need);
  qb_data_file *g;
  CHECK_OK(qb_data_file_copy(&g, f, &err), &err);
  CHECK_EQ_INT((int64_t)qb_data_file__held_bytes(g), (int64_t)need);
  qb_data_file_free(g);
  char got[2048];
  /* every leaf has a value count (level entries: nulls included) except the list element (Java: none for
   * repeated fields); loc.lat counts the row whose loc is null */
  counts_text(got, sizeof got, &f->value_counts);
  CHECK_EQ_STR(got, "1=3 2=3 3=3 4=3 5=3 6=3 7=3 11=3 12=3 13=3 14=3");
  counts_text(got, sizeof got, &f->null_value_counts);
  CHECK_EQ_STR(got, "1=0 2=1 3=0 4=1 5=0 6=1 7=1 11=1 12=0 13=1 14=1");
  counts_text(got, sizeof got, &f->nan_value_counts); /* float and double columns only */
  CHECK_EQ_STR(got, "3=1 11=1");
  bounds_text(got, sizeof got, &f->lower_bounds);
  CHECK_EQ_STR(got, "1=fdffffffffffffff 2=616c706861 3=000000000000e0bf 4=384a0000 5=ff 6=fb "
                    "7=11111111111111111111111111111111 11=00002040 12=0001 13=00 14=fbffffffffffffff");
  /* upper: 16 x U+00E9 with the last one incremented (UnicodeUtil.truncateStringMax); no bound for blob
   * (17 x 0xff: nothing to increment within 16 bytes, BinaryUtil.truncateBinaryMax) */
  bounds_text(got, sizeof got, &f->upper_bounds);
  CHECK_EQ_STR(got, "1=0700000000000000 2=c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3aa "
                    "3=000000000000f83f 4=394a0000 5=01869f 6=3039 7=22222222222222222222222222222222 11=00002040 "
                    "13=01 14=e803000000000000");
  /* column sizes: every leaf, the list element too, equal to the footer's total_compressed_size */
  counts_text(got, sizeof got, &f->column_sizes);
  qb_pq_reader *r;
  CHECK_OK(qb_pq_reader_open_path(&r, io, path, NULL, &err), &err);
  CHECK_EQ_INT(f->column_sizes.n, 12);
  for (size_t c = 0; c < 12; c++) {
    qb_pq_chunk_info ci;
    int32_t id;
    CHECK_OK(qb_pq_reader_chunk(&ci, r, 0, c, &err), &err);
    CHECK(qb_pq_node_field_id(qb_pq_schema_column(qb_pq_reader_schema(r), c), &id));
    int64_t size;
    CHECK(qb_counts_get(&f->column_sizes, id, &size));
    CHECK_EQ_INT(size, ci.total_compressed_size);
  }
  qb_pq_reader_close(r);

  /* into a manifest and back: equal */
  qb_partition_spec spec = {0, 0, NULL};
  char mpath[1024];
  snprintf(mpath, sizeof mpath, "%s/m.avro", qb_test_tmpdir());
  qb_manifest_writer *w;
  CHECK_OK(qb_manifest_writer_open(&w, io, mpath, schema, &spec, QB_MANIFEST_DATA, 5, NULL, &err), &err);
  CHECK_OK(qb_manifest_writer_add(w, f, &err), &err);
  CHECK_OK(qb_manifest_writer_close(NULL, w, &err), &err);
  qb_manifest_reader *mr;
  const qb_manifest_entry *e;
  CHECK_OK(qb_manifest_reader_open(&mr, io, mpath, NULL, &err), &err);
  CHECK_OK(qb_manifest_reader_next(&e, mr, &err), &err);
  CHECK(e && qb_data_file_equal(&e->data_file, f));
  /* bounds decode as their column types */
  qb_slice s;
  qb_value v;
  CHECK(qb_bounds_get(&e->data_file.lower_bounds, 4, &s));
  CHECK_OK(qb_bound_decode(&v, qb_schema_find_field(schema, 4)->type, s, &err), &err);
  CHECK(v.kind == QB_V_INT32 && v.u.i32 == 19000);
  CHECK(qb_bounds_get(&e->data_file.upper_bounds, 5, &s));
  CHECK_OK(qb_bound_decode(&v, qb_schema_find_field(schema, 5)->type, s, &err), &err);
  CHECK(v.kind == QB_V_INT32 && v.u.i32 == 99999);
  CHECK(qb_bounds_get(&e->data_file.lower_bounds, 6, &s));
  CHECK_OK(qb_bound_decode(&v, qb_schema_find_field(schema, 6)->type, s, &err), &err);
  CHECK(v.kind == QB_V_BYTES && v.u.bytes.n == 1 && v.u.bytes.p[0] == 0xfb); /* decimal(20, 2) -0.05 */
  qb_manifest_reader_close(mr);
  qb_data_file_free(f);
  qb_pq_write_result_free(res);
  qb_schema_free(schema);
  qb_fileio_free(io);
}

QB_TEST(data_file_from_parquet_modes)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char path[1024];
  snprintf(path, sizeof path, "%s/d.parquet", qb_test_tmpdir());
  qb_pq_write_result *res;
  CHECK_OK(write_file(&res, io, path, &err), &err);
  qb_schema *schema;
  CHECK_OK(qb_schema_parse_json(&schema, table_schema, strlen(table_schema), &err), &err);
  static const struct {
    qb_kv props[3];
    const char *sizes, *values, *lower, *upper;
  } cases[] = {
      /* counts: no bounds anywhere */
      {{{"write.metadata.metrics.default", "counts"}},
       "1 2 3 4 5 6 7 9 11 12 13 14",
       "1=3 2=3 3=3 4=3 5=3 6=3 7=3 11=3 12=3 13=3 14=3",
       "",
       ""},
      /* per column: truncate(2) for name, none for loc.lat (not even its size), full for blob */
      {{{"write.metadata.metrics.column.name", "truncate(2)"},
        {"write.metadata.metrics.column.loc.lat", "none"},
        {"write.metadata.metrics.column.blob", "full"}},
       "1 2 3 4 5 6 7 9 12 13 14",
       "1=3 2=3 3=3 4=3 5=3 6=3 7=3 12=3 13=3 14=3",
       "1=fdffffffffffffff 2=616c 3=000000000000e0bf 4=384a0000 5=ff 6=fb 7=11111111111111111111111111111111 12=0001 "
       "13=00 14=fbffffffffffffff",
       "1=0700000000000000 2=c3a9c3aa 3=000000000000f83f 4=394a0000 5=01869f 6=3039 7=22222222222222222222222222222222 "
       "12=ffffffffffffffffffffffffffffffffff 13=01 14=e803000000000000"},
      /* none by default, a column brought back; an unparsable mode falls back to the default */
      {{{"write.metadata.metrics.default", "none"},
        {"write.metadata.metrics.column.id", "counts"},
        {"write.metadata.metrics.column.day", "truncate(zz)"}},
       "1",
       "1=3",
       "",
       ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t np = 0;
    while (np < 3 && cases[i].props[np].key) np++;
    qb_metrics_config *cfg;
    qb_data_file *f;
    char got[2048], ids[256];
    CHECK_OK(qb_metrics_config_new(&cfg, schema, cases[i].props, np, NULL, &err), &err);
    CHECK_OK(qb_data_file_from_parquet(&f, res, "d.parquet", NULL, schema, cfg, &err), &err);
    size_t o = 0;
    ids[0] = 0;
    for (size_t k = 0; k < f->column_sizes.n; k++)
      o += (size_t)snprintf(ids + o, sizeof ids - o, "%s%d", k ? " " : "", (int)f->column_sizes.items[k].field_id);
    EXPECT(!strcmp(ids, cases[i].sizes));
    counts_text(got, sizeof got, &f->value_counts);
    EXPECT(!strcmp(got, cases[i].values));
    bounds_text(got, sizeof got, &f->lower_bounds);
    if (strcmp(got, cases[i].lower)) fprintf(stderr, "  case %zu lower: %s\n", i, got);
    EXPECT(!strcmp(got, cases[i].lower));
    bounds_text(got, sizeof got, &f->upper_bounds);
    if (strcmp(got, cases[i].upper)) fprintf(stderr, "  case %zu upper: %s\n", i, got);
    EXPECT(!strcmp(got, cases[i].upper));
    qb_data_file_free(f);
    qb_metrics_config_free(cfg);
  }
  qb_pq_write_result_free(res);
  qb_schema_free(schema);
  qb_fileio_free(io);
}

QB_TEST(metrics_config_wide_tables_and_sort_orders)
{
  qb_err err = QB_ERR_INIT;
  /* 150 long columns: without an explicit default only the first 100 get truncate(16) */
  qb_field *fields = calloc(150, sizeof *fields);
  char names[150][16];
  for (int i = 0; i < 150; i++) {
    snprintf(names[i], sizeof names[i], "c%d", i + 1);
    fields[i] = (qb_field){i + 1, names[i], false, qb_type_primitive(QB_T_LONG), NULL, NULL, NULL};
  }
  qb_schema *s;
  CHECK_OK(qb_schema_new(&s, 0, fields, 150, NULL, 0, &err), &err);
  free(fields);
  static const struct {
    qb_kv prop;
    int32_t id;
    qb_metrics_kind want;
    bool sorted_on_120;
  } cases[] = {
      {{NULL, NULL}, 1, QB_METRICS_TRUNCATE, false},
      {{NULL, NULL}, 100, QB_METRICS_TRUNCATE, false},
      {{NULL, NULL}, 101, QB_METRICS_NONE, false},
      {{"write.metadata.metrics.max-inferred-column-defaults", "2"}, 3, QB_METRICS_NONE, false},
      {{"write.metadata.metrics.max-inferred-column-defaults", "2"}, 2, QB_METRICS_TRUNCATE, false},
      {{"write.metadata.metrics.default", "full"}, 150, QB_METRICS_FULL, false},
      /* a sorted column keeps bounds: none/counts defaults become truncate(16) for it */
      {{NULL, NULL}, 120, QB_METRICS_TRUNCATE, true},
      {{"write.metadata.metrics.default", "counts"}, 120, QB_METRICS_TRUNCATE, true},
      {{"write.metadata.metrics.default", "counts"}, 121, QB_METRICS_COUNTS, true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_sort_field sf = {{QB_TR_IDENTITY, 0, NULL}, 120, QB_SORT_ASC, QB_NULLS_FIRST};
    qb_sort_order order = {1, 1, &sf};
    qb_metrics_config *c;
    CHECK_OK(qb_metrics_config_new(&c, s, &cases[i].prop, cases[i].prop.key ? 1 : 0,
                                   cases[i].sorted_on_120 ? &order : NULL, &err),
             &err);
    qb_metrics_mode m = qb_metrics_config_mode(c, cases[i].id);
    if (m.kind != cases[i].want) fprintf(stderr, "  case %zu: mode %d\n", i, (int)m.kind);
    EXPECT(m.kind == cases[i].want);
    EXPECT(m.kind != QB_METRICS_TRUNCATE || m.length == 16);
    qb_metrics_config_free(c);
  }
  /* a bucketed sort does not preserve order: no promotion */
  qb_sort_field sf = {{QB_TR_BUCKET, 4, NULL}, 121, QB_SORT_ASC, QB_NULLS_FIRST};
  qb_sort_order order = {1, 1, &sf};
  qb_kv p = {"write.metadata.metrics.default", "counts"};
  qb_metrics_config *c;
  CHECK_OK(qb_metrics_config_new(&c, s, &p, 1, &order, &err), &err);
  CHECK(qb_metrics_config_mode(c, 121).kind == QB_METRICS_COUNTS);
  qb_metrics_config_free(c);
  qb_schema_free(s);
}
