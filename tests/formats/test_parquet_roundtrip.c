/* SPDX-License-Identifier: Apache-2.0 */
/* qberg write -> qberg read round trips: generated rows of every type and nested shape, written under
 * every page version, codec and dictionary setting with small pages and row groups, read back with
 * qb_pq_scan_next must be identical (qb_value_equal); flat batches read with qb_pq_scan_next_batch. */
#include <math.h>

#include "harness.h"
#include "qberg/parquet.h"
#include "util/arena.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static bool is_kind(const qb_pq_node *n, qb_pq_logical_kind k) { return qb_pq_node_logical(n).kind == k; }

/* A random value for schema node `n` in the representation the reader returns. */
static qb_value gen(const qb_pq_node *n, qb_arena *a, int depth)
{
  qb_value v;
  memset(&v, 0, sizeof v);
  if (qb_pq_node_repetition(n) == QB_PQ_OPTIONAL && rnd() % 6 == 0) return qb_value_null();
  uint64_t r = rnd();
  if (!qb_pq_node_is_leaf(n)) {
    if (is_kind(n, QB_PQ_LT_LIST) || is_kind(n, QB_PQ_LT_MAP)) {
      bool map = is_kind(n, QB_PQ_LT_MAP);
      const qb_pq_node *mid = qb_pq_node_child(n, 0);
      size_t count = depth > 3 ? 0 : r % 4;
      v.kind = map ? QB_V_MAP : QB_V_LIST;
      v.u.seq.n = count;
      v.u.seq.items = qb_arena_calloc(a, 2 * count + 1, sizeof(qb_value));
      for (size_t i = 0; i < count; i++) {
        if (map) {
          v.u.seq.items[2 * i] = gen(qb_pq_node_child(mid, 0), a, depth + 1);
          if (v.u.seq.items[2 * i].kind == QB_V_INT32) v.u.seq.items[2 * i].u.i32 = (int32_t)i; /* distinct keys */
          v.u.seq.items[2 * i + 1] = gen(qb_pq_node_child(mid, 1), a, depth + 1);
        } else {
          v.u.seq.items[i] = gen(qb_pq_node_child(mid, 0), a, depth + 1);
        }
      }
      return v;
    }
    size_t k = qb_pq_node_n_children(n);
    v.kind = QB_V_STRUCT;
    v.u.seq.n = k;
    v.u.seq.items = qb_arena_calloc(a, k, sizeof(qb_value));
    for (size_t i = 0; i < k; i++) v.u.seq.items[i] = gen(qb_pq_node_child(n, i), a, depth + 1);
    return v;
  }
  switch (qb_pq_node_type(n)) {
  case QB_PQ_BOOLEAN: v.kind = QB_V_BOOL; v.u.b = r & 1; break;
  case QB_PQ_INT32:
    v.kind = QB_V_INT32;
    v.u.i32 = r % 3 ? (int32_t)(r % 50) : (int32_t)r;
    if (is_kind(n, QB_PQ_LT_INTEGER)) v.u.i32 = (int8_t)r;
    if (is_kind(n, QB_PQ_LT_DECIMAL)) v.u.i32 = (int32_t)(r % 1000000000);
    break;
  case QB_PQ_INT64: v.kind = QB_V_INT64; v.u.i64 = r % 3 ? (int64_t)(r % 1000) : (int64_t)r; break;
  case QB_PQ_FLOAT: {
    static const float edge[] = {NAN, -0.0f, 0.0f, INFINITY};
    v.kind = QB_V_FLOAT;
    v.u.f32 = r % 9 == 0 ? edge[(r >> 8) % 4] : (float)(int32_t)(r % 2000) / 8.0f;
    break;
  }
  case QB_PQ_DOUBLE: {
    static const double edge[] = {NAN, -0.0, 0.0, -INFINITY};
    v.kind = QB_V_DOUBLE;
    v.u.f64 = r % 9 == 0 ? edge[(r >> 8) % 4] : ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 1e9;
    break;
  }
  case QB_PQ_BYTE_ARRAY: {
    size_t len = r % 5 == 0 ? (size_t)(r >> 40) % 200 : (size_t)(r >> 40) % 6;
    uint8_t *p = qb_arena_alloc(a, len + 1);
    for (size_t i = 0; i < len; i++) p[i] = (uint8_t)('a' + (rnd() % 26));
    v.kind = is_kind(n, QB_PQ_LT_STRING) ? QB_V_STRING : QB_V_BYTES;
    v.u.bytes.p = p;
    v.u.bytes.n = len;
    break;
  }
  default: { /* FLBA */
    size_t len = (size_t)qb_pq_node_type_length(n);
    uint8_t *p = qb_arena_alloc(a, len);
    for (size_t i = 0; i < len; i++) p[i] = (uint8_t)rnd();
    if (r % 4 == 0) memset(p, 0, len / 2); /* repeats */
    v.kind = QB_V_BYTES;
    v.u.bytes.p = p;
    v.u.bytes.n = len;
  }
  }
  return v;
}

static qb_pq_schema *big_schema(void)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = NULL;
  if (qb_pq_schema_new(&s, "schema", &e)) return NULL;
  qb_pq_node *r = qb_pq_schema_root(s), *n, *l, *l2, *m, *st;
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING), date = QB_PQ_LOGICAL(QB_PQ_LT_DATE),
                     ts = QB_PQ_LOGICAL_TIMESTAMP(true, QB_PQ_MICROS), d9 = QB_PQ_LOGICAL_DECIMAL(9, 2),
                     d38 = QB_PQ_LOGICAL_DECIMAL(38, 5), uuid = QB_PQ_LOGICAL(QB_PQ_LT_UUID),
                     i8 = QB_PQ_LOGICAL_INTEGER(8, true);
  int id = 1, rc = 0;
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "b", QB_PQ_OPTIONAL, QB_PQ_BOOLEAN, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "i32", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "i64", QB_PQ_OPTIONAL, QB_PQ_INT64, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "f", QB_PQ_OPTIONAL, QB_PQ_FLOAT, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "d", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "s", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "bin", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "fx", QB_PQ_OPTIONAL, QB_PQ_FIXED_LEN_BYTE_ARRAY, 3, NULL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "date", QB_PQ_OPTIONAL, QB_PQ_INT32, 0, &date, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "ts", QB_PQ_OPTIONAL, QB_PQ_INT64, 0, &ts, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "dec9", QB_PQ_OPTIONAL, QB_PQ_INT32, 0, &d9, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "dec38", QB_PQ_OPTIONAL, QB_PQ_FIXED_LEN_BYTE_ARRAY, 16, &d38, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "uuid", QB_PQ_OPTIONAL, QB_PQ_FIXED_LEN_BYTE_ARRAY, 16, &uuid, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, r, "i8", QB_PQ_OPTIONAL, QB_PQ_INT32, 0, &i8, id++, &e);
  rc |= qb_pq_schema_add_group(&st, s, r, "st", QB_PQ_OPTIONAL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, st, "x", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_group(&n, s, st, "inner", QB_PQ_OPTIONAL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, n, "y", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, id++, &e);
  rc |= qb_pq_schema_add_list(&l, NULL, s, r, "ll", QB_PQ_OPTIONAL, id++, &e);
  rc |= qb_pq_schema_add_list(&l2, NULL, s, l, "element", QB_PQ_OPTIONAL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, l2, "element", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_map(&m, NULL, s, r, "m", QB_PQ_OPTIONAL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, m, "key", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_group(&n, s, m, "value", QB_PQ_OPTIONAL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, n, "p", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, id++, &e);
  rc |= qb_pq_schema_add_list(&l, NULL, s, n, "q", QB_PQ_OPTIONAL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, l, "element", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_list(&l, NULL, s, r, "req_list", QB_PQ_REQUIRED, id++, &e);
  rc |= qb_pq_schema_add_group(&n, s, l, "element", QB_PQ_REQUIRED, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, n, "a", QB_PQ_OPTIONAL, QB_PQ_BOOLEAN, 0, NULL, id++, &e);
  rc |= qb_pq_schema_add_primitive(NULL, s, n, "b", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY, 0, &str, id++, &e);
  rc |= qb_pq_schema_finish(s, &e);
  if (rc) {
    fprintf(stderr, "  schema: %s\n", e.msg);
    qb_pq_schema_free(s);
    return NULL;
  }
  return s;
}

/* Write `n` generated rows with `o`, read them back, compare; returns the number of row groups. */
static int roundtrip(const qb_pq_write_options *o, size_t n, const char *name)
{
  qb_err e = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 1 << 16);
  qb_pq_schema *s = big_schema();
  qb_value *rows = qb_arena_calloc(&a, n + 1, sizeof *rows);
  const qb_pq_node *root = qb_pq_schema_root_const(s);
  for (size_t i = 0; i < n; i++) rows[i] = gen(root, &a, 0);
  char path[512];
  snprintf(path, sizeof path, "%s/%s.parquet", qb_test_tmpdir(), name);
  qb_fileio *io = NULL;
  qb_writer *sink = NULL;
  qb_pq_writer *w = NULL;
  qb_pq_reader *r = NULL;
  qb_pq_scan *sc = NULL;
  int groups = -1, rc;
  if ((rc = qb_fileio_local_new(&io, &e)) || (rc = qb_fileio_create(&sink, io, path, QB_CREATE_OVERWRITE, &e)) ||
      (rc = qb_pq_writer_open(&w, sink, s, o, &e)))
    goto done;
  for (size_t i = 0; i < n && !rc; i++) rc = qb_pq_writer_write_row(w, &rows[i], &e);
  if (rc) goto done;
  rc = qb_pq_writer_close(w, NULL, &e);
  w = NULL;
  if (rc || (rc = qb_writer_close(sink, &e))) goto done;
  sink = NULL;
  if ((rc = qb_pq_reader_open_path(&r, io, path, NULL, &e)) || (rc = qb_pq_scan_new(&sc, r, NULL, &e))) goto done;
  size_t got = 0;
  for (;;) {
    const qb_value *row;
    if ((rc = qb_pq_scan_next(&row, sc, &e))) goto done;
    if (!row) break;
    if (got >= n || !qb_value_equal(row, &rows[got])) {
      fprintf(stderr, "  %s: row %zu differs\n", name, got);
      for (size_t k = 0; got < n && k < row->u.seq.n; k++)
        if (!qb_value_equal(&row->u.seq.items[k], &rows[got].u.seq.items[k]))
          fprintf(stderr, "    field %s\n", qb_pq_scan_field(sc, k)->name);
      rc = QB_EINTERNAL;
      goto done;
    }
    got++;
  }
  if (got != n) {
    fprintf(stderr, "  %s: read %zu rows of %zu\n", name, got, n);
    rc = QB_EINTERNAL;
    goto done;
  }
  groups = (int)qb_pq_reader_num_row_groups(r);
done:
  if (rc && rc != QB_EINTERNAL) fprintf(stderr, "  %s: %s\n", name, e.msg);
  qb_pq_scan_free(sc);
  qb_pq_reader_close(r);
  qb_pq_writer_abort(w);
  qb_writer_abort(sink);
  qb_fileio_free(io);
  qb_pq_schema_free(s);
  qb_arena_release(&a);
  return rc ? -1 : groups;
}

QB_TEST(rows_every_setting)
{
  static const struct {
    const char *name;
    qb_pq_codec codec;
    int page_version;
    bool dict;
    uint32_t page_bytes, page_rows, dict_bytes;
    uint64_t rg_bytes;
    size_t rows;
    int min_groups;
  } cases[] = {
      {"defaults", QB_PQ_ZSTD, 1, true, 1 << 20, 20000, 1 << 20, 128 << 20, 1500, 1},
      {"v2_snappy", QB_PQ_SNAPPY, 2, true, 1 << 20, 20000, 1 << 20, 128 << 20, 1500, 1},
      {"v1_gzip_plain_small_pages", QB_PQ_GZIP, 1, false, 300, 20000, 1 << 20, 128 << 20, 1500, 1},
      {"v2_none_rowgroups", QB_PQ_UNCOMPRESSED, 2, true, 1000, 50, 1 << 20, 20000, 1500, 5},
      {"v1_dict_fallback", QB_PQ_ZSTD, 1, true, 4096, 30, 300, 30000, 1500, 3},
      {"v2_dict_fallback_lz4", QB_PQ_LZ4_RAW, 2, true, 2048, 0, 200, 128 << 20, 1500, 1},
      {"one_row", QB_PQ_ZSTD, 1, true, 1 << 20, 20000, 1 << 20, 128 << 20, 1, 1},
      {"zero_rows", QB_PQ_ZSTD, 2, true, 1 << 20, 20000, 1 << 20, 128 << 20, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
    o.codec = cases[i].codec;
    o.data_page_version = cases[i].page_version;
    o.dictionary = cases[i].dict;
    o.page_size_bytes = cases[i].page_bytes;
    o.page_row_limit = cases[i].page_rows;
    o.dictionary_page_size_bytes = cases[i].dict_bytes;
    o.row_group_size_bytes = cases[i].rg_bytes;
    int groups = roundtrip(&o, cases[i].rows, cases[i].name);
    EXPECT(groups >= cases[i].min_groups);
    if (groups < cases[i].min_groups) fprintf(stderr, "  %s: %d row groups\n", cases[i].name, groups);
  }
}

QB_TEST(batches_read_back_as_batches)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = NULL;
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  CHECK_OK(qb_pq_schema_new(&s, "schema", &e), &e);
  qb_pq_node *r = qb_pq_schema_root(s), *g;
  CHECK_OK(qb_pq_schema_add_primitive(NULL, s, r, "i", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1, &e), &e);
  CHECK_OK(qb_pq_schema_add_group(&g, s, r, "g", QB_PQ_REQUIRED, 2, &e), &e); /* required group: still flat */
  CHECK_OK(qb_pq_schema_add_primitive(NULL, s, g, "f", QB_PQ_OPTIONAL, QB_PQ_FLOAT, 0, NULL, 3, &e), &e);
  CHECK_OK(qb_pq_schema_add_primitive(NULL, s, g, "s", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 4, &e), &e);
  CHECK_OK(qb_pq_schema_add_primitive(NULL, s, r, "x", QB_PQ_OPTIONAL, QB_PQ_FIXED_LEN_BYTE_ARRAY, 2, NULL, 5, &e), &e);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  enum { N = 50000 };
  static int64_t iv[N], off[N + 1];
  static float fv[N];
  static uint8_t valid[N], fx[2 * N];
  static char data[N * 4];
  off[0] = 0;
  for (int i = 0; i < N; i++) {
    iv[i] = (int64_t)rnd();
    fv[i] = (float)(i % 1000) / 3.0f;
    valid[i] = rnd() % 7 != 0;
    fx[2 * i] = (uint8_t)i, fx[2 * i + 1] = (uint8_t)(i >> 8);
    off[i + 1] = off[i] + snprintf(data + off[i], 4, "%d", i % 321);
  }
  qb_pq_column_batch cols[4] = {{iv, NULL, NULL, NULL}, {fv, NULL, valid, NULL}, {data, off, valid, NULL}, {fx, NULL, valid, NULL}};
  char path[512];
  snprintf(path, sizeof path, "%s/batch.parquet", qb_test_tmpdir());
  qb_fileio *io = NULL;
  qb_writer *sink = NULL;
  qb_pq_writer *w = NULL;
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.row_group_size_bytes = 100000;
  CHECK_OK(qb_fileio_local_new(&io, &e), &e);
  CHECK_OK(qb_fileio_create(&sink, io, path, QB_CREATE_OVERWRITE, &e), &e);
  CHECK_OK(qb_pq_writer_open(&w, sink, s, &o, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(w, cols, N, &e), &e);
  CHECK_OK(qb_pq_writer_close(w, NULL, &e), &e);
  CHECK_OK(qb_writer_close(sink, &e), &e);
  qb_pq_reader *rd = NULL;
  qb_pq_scan *sc = NULL;
  CHECK_OK(qb_pq_reader_open_path(&rd, io, path, NULL, &e), &e);
  CHECK(qb_pq_reader_num_row_groups(rd) >= 3);
  CHECK_OK(qb_pq_scan_new(&sc, rd, NULL, &e), &e);
  size_t row = 0;
  for (;;) {
    qb_pq_batch b;
    CHECK_OK(qb_pq_scan_next_batch(&b, sc, 4096, &e), &e);
    if (!b.n_rows) break;
    CHECK_EQ_INT(b.n_columns, 4);
    for (size_t k = 0; k < b.n_rows; k++, row++) {
      CHECK(((const int64_t *)b.columns[0].values)[k] == iv[row]);
      bool null = !valid[row];
      for (int c = 1; c < 4; c++) CHECK((b.columns[c].nulls && b.columns[c].nulls[k]) == null);
      if (null) continue;
      CHECK(((const float *)b.columns[1].values)[k] == fv[row]);
      qb_slice sv = ((const qb_slice *)b.columns[2].values)[k];
      CHECK(sv.n == (size_t)(off[row + 1] - off[row]) && !memcmp(sv.p, data + off[row], sv.n));
      qb_slice xv = ((const qb_slice *)b.columns[3].values)[k];
      CHECK(xv.n == 2 && !memcmp(xv.p, fx + 2 * row, 2));
    }
  }
  CHECK_EQ_INT(row, N);
  qb_pq_scan_free(sc);
  qb_pq_reader_close(rd);
  qb_fileio_free(io);
  qb_pq_schema_free(s);
}
