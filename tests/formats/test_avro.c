/* SPDX-License-Identifier: Apache-2.0 */
/* Avro codec: varints, every type round trip through containers of every codec, schema attributes,
 * schema resolution (Iceberg v1/v2 manifests), corrupt and hostile inputs with exact errors. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/binary.h"
#include "formats/avro/datum.h"
#include "harness.h"
#include "io/faulty.h"
#include "qberg/avro.h"
#include "qberg/fileio.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

/* ---- helpers ------------------------------------------------------------------------------------ */

static qb_arena A; /* values built by the tests; released at exit */

__attribute__((constructor)) static void init_arena(void) { qb_arena_init(&A, 1 << 16); }
__attribute__((destructor)) static void free_arena(void) { qb_arena_release(&A); }

static qb_value vnull(void) { return qb_value_null(); }
static qb_value vbool(bool b) { return (qb_value){QB_V_BOOL, {.b = b}}; }
static qb_value vi32(int32_t x) { return (qb_value){QB_V_INT32, {.i32 = x}}; }
static qb_value vi64(int64_t x) { return (qb_value){QB_V_INT64, {.i64 = x}}; }
static qb_value vf32(float x) { return (qb_value){QB_V_FLOAT, {.f32 = x}}; }
static qb_value vf64(double x) { return (qb_value){QB_V_DOUBLE, {.f64 = x}}; }
static qb_value vstr(const char *s)
{
  qb_value v = {QB_V_STRING, {0}};
  v.u.bytes.p = (const uint8_t *)s;
  v.u.bytes.n = strlen(s);
  return v;
}
static qb_value vbytes(const void *p, size_t n)
{
  qb_value v = {QB_V_BYTES, {0}};
  v.u.bytes.p = qb_arena_memdup(&A, p, n);
  v.u.bytes.n = n;
  return v;
}
/* kind QB_V_STRUCT / QB_V_LIST: n items; QB_V_MAP: n pairs (2n items) */
static qb_value vseq(qb_vkind kind, size_t n, ...)
{
  size_t total = kind == QB_V_MAP ? 2 * n : n;
  qb_value v = {kind, {0}};
  qb_value *items = qb_arena_calloc(&A, total + 1, sizeof *items);
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < total; i++) items[i] = va_arg(ap, qb_value);
  va_end(ap);
  v.u.seq.items = items;
  v.u.seq.n = n;
  return v;
}

static int parse(qb_avro_schema **out, const char *json, qb_err *err)
{
  return qb_avro_schema_parse(out, json, strlen(json), err);
}

static int hexval(char c) { return c >= '0' && c <= '9' ? c - '0' : c - 'a' + 10; }
static size_t unhex(uint8_t *out, const char *hex)
{
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
  return n;
}

/* Write records as an OCF under the test's tmpdir and return the file's bytes (malloc'd). */
static int write_ocf(uint8_t **out, size_t *out_n, const qb_avro_schema *s, const qb_avro_write_options *o,
                     const char *const *meta, const qb_value *recs, size_t n, qb_err *err)
{
  qb_fileio *io;
  qb_writer *w;
  qb_avro_writer *aw;
  char *path = qb_str_printf("%s/t.avro", qb_test_tmpdir());
  int rc = qb_fileio_local_new(&io, err);
  if (rc) return rc;
  if (!(rc = qb_fileio_create(&w, io, path, QB_CREATE_OVERWRITE, err))) {
    if (!(rc = qb_avro_writer_open(&aw, w, s, o, err))) {
      for (size_t i = 0; !rc && meta && meta[i]; i += 2) rc = qb_avro_writer_set_meta_str(aw, meta[i], meta[i + 1], err);
      for (size_t i = 0; !rc && i < n; i++) rc = qb_avro_writer_append(aw, &recs[i], err);
      if (rc) qb_avro_writer_abort(aw);
      else rc = qb_avro_writer_close(aw, err);
    }
    if (rc) qb_writer_abort(w);
    else rc = qb_writer_close(w, err);
  }
  if (!rc) rc = qb_fileio_read_all(out, out_n, io, path, 1 << 30, err);
  qb_fileio_free(io);
  free(path);
  return rc;
}

/* Read every record of an OCF held in memory; checks each against want[] when given. */
static int read_ocf(const uint8_t *p, size_t n, const qb_avro_read_options *o, const qb_value *want, size_t *count,
                    uint64_t *blocks, qb_err *err)
{
  qb_file *f;
  qb_avro_reader *r;
  *count = 0;
  int rc = qb_file_from_memory(&f, p, n, "m1.avro", err);
  if (rc) return rc;
  if (!(rc = qb_avro_reader_open(&r, f, o, err))) {
    const qb_value *v;
    while (!(rc = qb_avro_reader_next(&v, r, err)) && v) {
      if (want && !qb_value_equal(v, &want[*count])) {
        rc = QB_FAIL(err, QB_EINTERNAL, "record %zu differs", *count);
        break;
      }
      (*count)++;
    }
    if (blocks) *blocks = qb_avro_reader_blocks(r);
    qb_avro_reader_close(r);
  }
  qb_file_close(f);
  return rc;
}

/* A hand-made container: header with the given schema and codec (NULL = no avro.codec key). */
static void ocf_header(qb_buf *b, const char *schema, const char *codec, const uint8_t sync[16])
{
  qb_buf_init(b, QB_BUF_NOLIMIT);
  qb_buf_append(b, "Obj\x01", 4, NULL);
  qb_avro__put_long(b, codec ? 2 : 1, NULL);
  qb_avro__put_bytes(b, "avro.schema", 11, NULL);
  qb_avro__put_bytes(b, schema, strlen(schema), NULL);
  if (codec) {
    qb_avro__put_bytes(b, "avro.codec", 10, NULL);
    qb_avro__put_bytes(b, codec, strlen(codec), NULL);
  }
  qb_avro__put_long(b, 0, NULL);
  qb_buf_append(b, sync, 16, NULL);
}

static void ocf_block(qb_buf *b, int64_t count, const char *hex, const uint8_t sync[16])
{
  uint8_t data[512];
  size_t n = unhex(data, hex);
  qb_avro__put_long(b, count, NULL);
  qb_avro__put_long(b, (int64_t)n, NULL);
  qb_buf_append(b, data, n, NULL);
  qb_buf_append(b, sync, 16, NULL);
}

static const uint8_t SYNC[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* ---- binary encoding ---------------------------------------------------------------------------- */

QB_TEST(zigzag_varint_vectors)
{
  /* Avro spec table ("Binary Encoding": 0->00, -1->01, 1->02, -2->03, 2->04, …, -64->7f, 64->80 01) */
  static const struct {
    int64_t v;
    const char *hex;
  } tab[] = {
      {0, "00"},
      {-1, "01"},
      {1, "02"},
      {-2, "03"},
      {2, "04"},
      {63, "7e"},
      {-64, "7f"},
      {64, "8001"},
      {-65, "8101"},
      {8191, "fe7f"},
      {-8192, "ff7f"},
      {8192, "808001"},
      {INT32_MAX, "feffffff0f"},
      {INT32_MIN, "ffffffff0f"},
      {(int64_t)1 << 32, "8080808020"},
      {INT64_MAX, "feffffffffffffffff01"},
      {INT64_MIN, "ffffffffffffffffff01"},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    uint8_t enc[10], want[10];
    size_t n = qb_avro__encode_long(enc, tab[i].v), wn = unhex(want, tab[i].hex);
    EXPECT(n == wn && !memcmp(enc, want, n));
    qb_avro_cur c = {want, want + wn};
    int64_t back = 0;
    qb_err err = QB_ERR_INIT;
    EXPECT(qb_avro__read_long(&c, &back, &err) == QB_OK && back == tab[i].v && c.p == c.end);
  }
}

QB_TEST(binary_decode_errors)
{
  static const struct {
    int what; /* 0 long, 1 int, 2 bool, 3 bytes length, 4 float, 5 double */
    const char *hex, *msg;
  } tab[] = {
      {0, "", "truncated varint"},
      {0, "80", "truncated varint"},
      {0, "ffffffffffffffffff80", "varint longer than 10 bytes"},
      {0, "ffffffffffffffffffff01", "varint longer than 10 bytes"},
      {1, "8080808010", "int value 2147483648 out of range"},
      {1, "8180808010", "int value -2147483649 out of range"},
      {2, "02", "boolean byte 0x02 is neither 0 nor 1"},
      {2, "", "truncated boolean"},
      {3, "01", "negative length -1"},
      {3, "0a61", "length 5 exceeds the 1 bytes left"},
      {4, "000000", "truncated float"},
      {5, "00000000000000", "truncated double"},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    uint8_t buf[16];
    size_t n = unhex(buf, tab[i].hex);
    qb_avro_cur c = {buf, buf + n};
    qb_err err = QB_ERR_INIT;
    int64_t l;
    int32_t k;
    bool b;
    size_t len;
    float f;
    double d;
    int rc = tab[i].what == 0   ? qb_avro__read_long(&c, &l, &err)
             : tab[i].what == 1 ? qb_avro__read_int(&c, &k, &err)
             : tab[i].what == 2 ? qb_avro__read_bool(&c, &b, &err)
             : tab[i].what == 3 ? qb_avro__read_len(&c, &len, &err)
             : tab[i].what == 4 ? qb_avro__read_float(&c, &f, &err)
                                : qb_avro__read_double(&c, &d, &err);
    if (rc != QB_ECORRUPT || !strstr(err.msg, tab[i].msg))
      fprintf(stderr, "  case %zu (%s): got %s '%s'\n", i, tab[i].hex, qb_code_name(rc), err.msg);
    EXPECT(rc == QB_ECORRUPT && strstr(err.msg, tab[i].msg));
  }
  /* Java's BinaryDecoder keeps only bit 63 from a 10th byte (a PyIceberg list stores such a long) */
  uint8_t buf[10];
  size_t n = unhex(buf, "abc4a38396eec3909202");
  qb_avro_cur c = {buf, buf + n};
  int64_t l;
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_avro__read_long(&c, &l, &err), &err);
  CHECK(l == -653171173268680982LL);
}

/* ---- schemas ------------------------------------------------------------------------------------ */

static char *meta_of(const char *rel, const char *key, size_t *n_out)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  qb_avro_reader *r;
  char *path = qb_str_printf("%s/avro/%s", qb_test_data_dir(), rel), *out = NULL;
  if (qb_fileio_local_new(&io, &err)) return NULL;
  if (!qb_avro_reader_open_path(&r, io, path, NULL, &err)) {
    qb_slice v;
    if (qb_avro_reader_meta(r, key, &v)) {
      out = qb_arena_strndup(&A, (const char *)v.p, v.n);
      *n_out = v.n;
    }
    qb_avro_reader_close(r);
  } else {
    fprintf(stderr, "  %s\n", err.msg);
  }
  qb_fileio_free(io);
  free(path);
  return out;
}

QB_TEST(schema_java_manifest_roundtrips_byte_for_byte)
{
  static const char *const files[] = {
      "icebird-java-bunnies/a01399a1-e864-4562-b921-c8cb56e6e4a9-m1.avro",
      "icebird-java-bunnies/snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro",
      "icebird-spark-rename-column/abf62b15-903b-40b6-9e6b-26bcdceac9b3-m0.avro",
      "duckdb-partition-decimal/bad4520d-32bc-4c8e-841c-5c9ccc3aab3c-m0.avro",
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    size_t n = 0;
    const char *text = meta_of(files[i], "avro.schema", &n);
    CHECK(text != NULL);
    qb_err err = QB_ERR_INIT;
    qb_avro_schema *s;
    CHECK_OK(qb_avro_schema_parse(&s, text, n, &err), &err);
    char *json;
    size_t jn;
    CHECK_OK(qb_avro_schema_to_json(&json, &jn, s, &err), &err);
    EXPECT(jn == n && !memcmp(json, text, n));
    free(json);
    qb_avro_schema_free(s);
  }
}

QB_TEST(schema_iceberg_attributes)
{
  size_t n = 0;
  const char *text = meta_of("icebird-java-bunnies/a01399a1-e864-4562-b921-c8cb56e6e4a9-m1.avro", "avro.schema", &n);
  CHECK(text != NULL);
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(qb_avro_schema_parse(&s, text, n, &err), &err);
  const qb_avro_node *root = qb_avro_schema_root(s);
  CHECK_EQ_STR(qb_avro_node_name(root), "manifest_entry");
  int32_t id = -1;
  int di = qb_avro_node_field_index(root, "data_file");
  CHECK(di == 4 && qb_avro_node_field_id(root, (size_t)di, &id) && id == 2);
  CHECK_EQ_INT(qb_avro_node_field_index_by_id(root, 4), 3); /* file_sequence_number */
  CHECK_EQ_STR(qb_avro_node_field_prop_json(root, 1, "default"), "null");
  const qb_avro_node *df = qb_avro_node_child(root, (size_t)di);
  CHECK_EQ_STR(qb_avro_node_name(df), "r2");
  int cs = qb_avro_node_field_index(df, "column_sizes");
  CHECK(cs >= 0 && qb_avro_node_field_id(df, (size_t)cs, &id) && id == 108);
  CHECK_EQ_STR(qb_avro_node_field_prop_json(df, (size_t)cs, "doc"), "\"Map of column id to total size on disk\"");
  const qb_avro_node *arr = qb_avro_node_non_null(qb_avro_node_child(df, (size_t)cs));
  CHECK_EQ_INT(qb_avro_node_type(arr), QB_AVRO_ARRAY);
  CHECK_EQ_STR(qb_avro_node_logical_type(arr), "map");
  const qb_avro_node *kv = qb_avro_node_child(arr, 0);
  CHECK_EQ_STR(qb_avro_node_name(kv), "k117_v118");
  CHECK(qb_avro_node_field_id(kv, 0, &id) && id == 117);
  CHECK(qb_avro_node_field_id(kv, 1, &id) && id == 118);
  int so = qb_avro_node_field_index(df, "split_offsets");
  const qb_avro_node *sa = qb_avro_node_non_null(qb_avro_node_child(df, (size_t)so));
  int64_t eid = 0;
  CHECK(qb_avro_node_int_prop(sa, "element-id", &eid) && eid == 133);
  CHECK_EQ_INT(qb_avro_node_type(qb_avro_node_child(sa, 0)), QB_AVRO_LONG);
  qb_avro_schema_free(s);
}

QB_TEST(schema_to_json_java_order_and_every_attribute)
{
  /* Input in an unusual key order (PyIceberg writes field-id first); output in Java's order with the
   * extra attributes after the reserved ones, in their original order. */
  static const char *in =
      "{\"fields\":[{\"field-id\":1,\"default\":null,\"name\":\"a\",\"type\":[\"null\",{\"logicalType\":"
      "\"timestamp-micros\",\"type\":\"long\",\"adjust-to-utc\":false}],\"doc\":\"the a\"},"
      "{\"name\":\"m\",\"type\":{\"values\":\"int\",\"type\":\"map\",\"key-id\":7,\"value-id\":8},\"order\":"
      "\"descending\",\"aliases\":[\"mm\"],\"field-id\":2},"
      "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"other\",\"symbols\":[\"X\","
      "\"Y\"],\"default\":\"Y\",\"doc\":\"an enum\"}},"
      "{\"name\":\"d\",\"type\":{\"type\":\"fixed\",\"size\":4,\"name\":\"decimal_9_2\",\"logicalType\":\"decimal\","
      "\"precision\":9,\"scale\":2},\"order\":\"ascending\"},"
      "{\"name\":\"again\",\"type\":\"decimal_9_2\"},{\"name\":\"e2\",\"type\":\"other.E\"},"
      "{\"name\":\"u\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}}],"
      "\"type\":\"record\",\"name\":\"rec\",\"namespace\":\"ns.a\",\"x-custom\":{\"k\":[1,2.5,\"s/t\"]}}";
  static const char *want =
      "{\"type\":\"record\",\"name\":\"rec\",\"namespace\":\"ns.a\",\"fields\":["
      "{\"name\":\"a\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\",\"adjust-to-utc\":"
      "false}],\"doc\":\"the a\",\"default\":null,\"field-id\":1},"
      "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"int\",\"key-id\":7,\"value-id\":8},\"order\":"
      "\"descending\",\"aliases\":[\"mm\"],\"field-id\":2},"
      "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"other\",\"doc\":\"an enum\","
      "\"symbols\":[\"X\",\"Y\"],\"default\":\"Y\"}},"
      "{\"name\":\"d\",\"type\":{\"type\":\"fixed\",\"name\":\"decimal_9_2\",\"size\":4,\"logicalType\":\"decimal\","
      "\"precision\":9,\"scale\":2}},"
      "{\"name\":\"again\",\"type\":\"decimal_9_2\"},{\"name\":\"e2\",\"type\":\"other.E\"},"
      "{\"name\":\"u\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}}],"
      "\"x-custom\":{\"k\":[1,2.5,\"s/t\"]}}";
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s, *s2;
  CHECK_OK(parse(&s, in, &err), &err);
  char *json;
  size_t n;
  CHECK_OK(qb_avro_schema_to_json(&json, &n, s, &err), &err);
  CHECK_EQ_STR(json, want);
  /* the output parses to the same thing again */
  CHECK_OK(parse(&s2, json, &err), &err);
  char *json2;
  CHECK_OK(qb_avro_schema_to_json(&json2, &n, s2, &err), &err);
  CHECK_EQ_STR(json2, want);
  const qb_avro_node *root = qb_avro_schema_root(s);
  CHECK_EQ_STR(qb_avro_node_name(root), "ns.a.rec");
  CHECK_EQ_STR(qb_avro_node_name(qb_avro_node_child(root, 3)), "ns.a.decimal_9_2");
  CHECK(qb_avro_node_child(root, 3) == qb_avro_node_child(root, 4)); /* a reference is the same node */
  int64_t p = 0;
  CHECK(qb_avro_node_int_prop(qb_avro_node_child(root, 3), "precision", &p) && p == 9);
  CHECK_EQ_STR(qb_avro_node_prop_json(qb_avro_node_non_null(qb_avro_node_child(root, 0)), "adjust-to-utc"), "false");
  CHECK_EQ_STR(qb_avro_node_prop_json(root, "x-custom"), "{\"k\":[1,2.5,\"s/t\"]}");
  free(json);
  free(json2);
  qb_avro_schema_free(s);
  qb_avro_schema_free(s2);
}

QB_TEST(schema_namespaces_round_trip)
{
  static const struct {
    const char *in, *out;
  } tab[] = {
      /* ".a" and "" are the null namespace (Java's Name); the JSON is stable after one pass (fuzz finding) */
      {"{\"type\":\"record\",\"name\":\".a\",\"fields\":[{\"name\":\"b\",\"type\":{\"type\":\"record\",\"name\":"
       "\"c\",\"namespace\":\"\",\"fields\":[]}}]}",
       "{\"type\":\"record\",\"name\":\"a\",\"fields\":[{\"name\":\"b\",\"type\":{\"type\":\"record\",\"name\":"
       "\"c\",\"fields\":[]}}]}"},
      /* a null-namespace type used inside a namespace that has a type of the same short name */
      {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":"
       "\"f\",\"size\":1}},{\"name\":\"y\",\"type\":{\"type\":\"record\",\"name\":\"s\",\"namespace\":\"n\","
       "\"fields\":[{\"name\":\"z\",\"type\":{\"type\":\"fixed\",\"name\":\"f\",\"size\":2}},{\"name\":\"w\","
       "\"type\":\".f\"},{\"name\":\"v\",\"type\":\"f\"}]}}]}",
       "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":"
       "\"f\",\"size\":1}},{\"name\":\"y\",\"type\":{\"type\":\"record\",\"name\":\"s\",\"namespace\":\"n\","
       "\"fields\":[{\"name\":\"z\",\"type\":{\"type\":\"fixed\",\"name\":\"f\",\"size\":2}},{\"name\":\"w\","
       "\"type\":\".f\"},{\"name\":\"v\",\"type\":\"f\"}]}}]}"},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_avro_schema *s;
    char *json;
    size_t n;
    CHECK_OK(parse(&s, tab[i].in, &err), &err);
    CHECK_OK(qb_avro_schema_to_json(&json, &n, s, &err), &err);
    CHECK_EQ_STR(json, tab[i].out);
    free(json);
    if (i == 1) { /* w is the 1-byte fixed f, v the 2-byte n.f */
      const qb_avro_node *rec = qb_avro_node_child(qb_avro_schema_root(s), 1);
      CHECK_EQ_INT(qb_avro_node_size(qb_avro_node_child(rec, 1)), 1);
      CHECK_EQ_INT(qb_avro_node_size(qb_avro_node_child(rec, 2)), 2);
    }
    qb_avro_schema_free(s);
  }
}

QB_TEST(schema_errors)
{
  static const struct {
    const char *json, *msg;
  } tab[] = {
      {"{\"type\":", "schema: invalid JSON"},
      {"\"long\" x", "schema: invalid JSON at byte 7"},
      {"\"long\"\n\t ", NULL},
      {"\"lng\"", "schema: unknown type 'lng'"},
      {"42", "a schema must be a type name, a union array or an object, not 42"},
      {"{\"name\":\"r\"}", "object without a string \"type\""},
      {"{\"type\":\"record\",\"name\":\"r\"}", "record r needs a \"fields\" array"},
      {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"a\",\"type\":"
       "\"int\"}]}",
       "duplicate field name 'a'"},
      {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\"}]}", "field 'a' has no type"},
      {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":"
       "\"r\",\"fields\":[]}}]}",
       "schema: at a: type 'r' is defined twice"},
      {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"x\",\"type\":{\"type\":\"record\",\"name\":\"s\","
       "\"fields\":[{\"name\":\"y\",\"type\":\"nope\"}]}}]}",
       "schema: at x.y: unknown type 'nope'"},
      {"[\"null\",[\"int\"]]", "a union directly inside a union"},
      {"[\"null\",\"int\",\"null\"]", "union has two branches of type null"},
      {"[]", "empty union"},
      {"{\"type\":\"fixed\",\"name\":\"f\"}", "fixed f needs an integer \"size\""},
      {"{\"type\":\"fixed\",\"name\":\"f\",\"size\":-1}", "fixed f: bad size -1"},
      {"{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"A\",\"A\"]}", "enum e: duplicate symbol 'A'"},
      {"{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"A\"],\"default\":\"B\"}", "enum e: default 'B' is not a symbol"},
      {"{\"type\":\"enum\",\"symbols\":[\"A\"]}", "enum without a name"},
      {"{\"type\":\"array\"}", "array without \"items\""},
      {"{\"type\":\"fixed\",\"name\":\"int\",\"size\":1}", "a named type cannot be called 'int'"},
      {"{\"type\":\"fixed\",\"name\":\"ns.\",\"size\":1}", "empty name in 'ns.'"}, /* fuzz finding */
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_avro_schema *s = NULL;
    int rc = parse(&s, tab[i].json, &err);
    if (!tab[i].msg) { /* valid */
      EXPECT(rc == QB_OK);
      qb_avro_schema_free(s);
      continue;
    }
    if (rc != QB_EINVAL || !strstr(err.msg, tab[i].msg))
      fprintf(stderr, "  case %zu: got %s '%s'\n", i, qb_code_name(rc), err.msg);
    EXPECT(rc == QB_EINVAL && strstr(err.msg, tab[i].msg) && s == NULL);
  }
  /* nesting limit: arrays of arrays … */
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  for (int i = 0; i < 100; i++) qb_buf_puts(&b, "{\"type\":\"array\",\"items\":", NULL);
  qb_buf_puts(&b, "\"int\"", NULL);
  for (int i = 0; i < 100; i++) qb_buf_putc(&b, '}', NULL);
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_FAIL(qb_avro_schema_parse(&s, (const char *)b.p, b.n, &err), QB_EINVAL, &err, "nested deeper than 64 levels");
  qb_buf_free(&b);
}

QB_TEST(schema_recursive_and_anonymous)
{
  static const char *list = "{\"type\":\"record\",\"name\":\"node\",\"namespace\":\"q\",\"fields\":[{\"name\":\"v\","
                            "\"type\":\"int\"},{\"name\":\"next\",\"type\":[\"null\",\"node\"]}]}";
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(parse(&s, list, &err), &err);
  const qb_avro_node *root = qb_avro_schema_root(s);
  CHECK(qb_avro_node_non_null(qb_avro_node_child(root, 1)) == root);
  char *json;
  size_t n;
  CHECK_OK(qb_avro_schema_to_json(&json, &n, s, &err), &err);
  CHECK_EQ_STR(json, list);
  free(json);
  /* a 3-deep list round trips */
  qb_value l3 = vseq(QB_V_STRUCT, 2, vi32(3), vnull());
  qb_value l2 = vseq(QB_V_STRUCT, 2, vi32(2), l3);
  qb_value l1 = vseq(QB_V_STRUCT, 2, vi32(1), l2);
  uint8_t *file;
  size_t fn, count;
  CHECK_OK(write_ocf(&file, &fn, s, NULL, NULL, &l1, 1, &err), &err);
  CHECK_OK(read_ocf(file, fn, NULL, &l1, &count, NULL, &err), &err);
  CHECK_EQ_INT(count, 1);
  free(file);
  qb_avro_schema_free(s);

  /* PyIceberg/DuckDB write records without names: readable, but we refuse to write them */
  CHECK_OK(parse(&s, "{\"type\":\"record\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}", &err), &err);
  CHECK(qb_avro_node_name(qb_avro_schema_root(s)) == NULL);
  qb_value rec = vseq(QB_V_STRUCT, 1, vi32(1));
  CHECK_FAIL(write_ocf(&file, &fn, s, NULL, NULL, &rec, 1, &err), QB_EINVAL, &err,
             "a record without a name cannot be written");
  qb_avro_schema_free(s);
  CHECK_OK(parse(&s, "{\"type\":\"record\",\"name\":\"a-b\",\"fields\":[]}", &err), &err);
  CHECK_FAIL(write_ocf(&file, &fn, s, NULL, NULL, &rec, 0, &err), QB_EINVAL, &err, "invalid Avro name 'a-b'");
  qb_avro_schema_free(s);
}

/* ---- every type, every codec -------------------------------------------------------------------- */

static const char *ALL_TYPES =
    "{\"type\":\"record\",\"name\":\"all_types\",\"namespace\":\"qb.test\",\"fields\":["
    "{\"name\":\"n\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\",\"field-id\":1},{\"name\":\"l\",\"type\":\"long\",\"field-id\":2},"
    "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"by\",\"type\":\"bytes\"},{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"color\",\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"uuid_fixed\",\"size\":16,\"logicalType\":\"uuid\"}},"
    "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"items\":\"long\",\"element-id\":133}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"int\"}},"
    "{\"name\":\"lm\",\"type\":[\"null\",{\"type\":\"array\",\"logicalType\":\"map\",\"items\":{\"type\":\"record\","
    "\"name\":\"k1_v2\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":1},{\"name\":\"value\",\"type\":"
    "\"bytes\",\"field-id\":2}]}}],\"default\":null},"
    "{\"name\":\"opt\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"multi\",\"type\":[\"int\",\"string\",{\"type\":\"record\",\"name\":\"pt\",\"fields\":[{\"name\":\"x\","
    "\"type\":\"double\"}]}]},"
    "{\"name\":\"recs\",\"type\":{\"type\":\"array\",\"items\":\"pt\"}}]}";

static size_t all_type_values(qb_value *out)
{
  static const uint8_t uuid[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  size_t n = 0;
  for (int k = 0; k < 40; k++) {
    out[n++] = vseq(QB_V_STRUCT, 16, vnull(), vbool(k & 1), vi32(k ? INT32_MIN + k : INT32_MAX),
                    vi64(k % 3 ? INT64_MIN + k : INT64_MAX - k), vf32(k == 5 ? NAN : 1.5f * (float)k),
                    vf64(k == 6 ? -INFINITY : -0.1 * k), vbytes("\0\xff\x10", (size_t)(k % 4)),
                    vstr(k % 2 ? "h\xc3\xa9llo \"q\"\n" : ""), vstr(k % 3 == 0 ? "RED" : k % 3 == 1 ? "GREEN" : "BLUE"),
                    vbytes(uuid, 16), k % 5 ? vseq(QB_V_LIST, 3, vi64(1), vi64(-1), vi64(k)) : vseq(QB_V_LIST, 0),
                    k % 2 ? vseq(QB_V_MAP, 2, vstr("a"), vi32(k), vstr("b"), vi32(-k)) : vseq(QB_V_MAP, 0),
                    k % 3 ? vseq(QB_V_MAP, 2, vi32(1), vbytes("x", 1), vi32(k), vbytes("", 0)) : vnull(),
                    k % 2 ? vstr("x") : vnull(),
                    k % 3 == 0 ? vi32(k) : k % 3 == 1 ? vstr("str") : vseq(QB_V_STRUCT, 1, vf64(0.5 * k)),
                    vseq(QB_V_LIST, 2, vseq(QB_V_STRUCT, 1, vf64(1.25)), vseq(QB_V_STRUCT, 1, vf64(-2))));
  }
  return n;
}

QB_TEST(every_type_every_codec_round_trip)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(parse(&s, ALL_TYPES, &err), &err);
  qb_value recs[64];
  size_t n = all_type_values(recs);
  static const char *const meta[] = {"format-version", "2", "partition-spec", "[]", "snapshot-id",
                                     "9158179788527662767", NULL};
  for (int codec = QB_AVRO_CODEC_NULL; codec <= QB_AVRO_CODEC_ZSTD; codec++) {
    qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
    o.codec = (qb_avro_codec)codec;
    o.block_bytes = 500; /* several blocks */
    uint8_t *file;
    size_t fn, count;
    uint64_t blocks;
    CHECK_OK(write_ocf(&file, &fn, s, &o, meta, recs, n, &err), &err);
    CHECK_OK(read_ocf(file, fn, NULL, recs, &count, &blocks, &err), &err);
    CHECK_EQ_INT(count, n);
    CHECK(blocks > 2);
    /* metadata is all there, in order */
    qb_file *f;
    qb_avro_reader *r;
    CHECK_OK(qb_file_from_memory(&f, file, fn, "x.avro", &err), &err);
    CHECK_OK(qb_avro_reader_open(&r, f, NULL, &err), &err);
    CHECK_EQ_INT(qb_avro_reader_codec(r), codec);
    CHECK_EQ_INT(qb_avro_reader_meta_count(r), 5);
    const char *key;
    qb_slice v;
    CHECK(qb_avro_reader_meta_at(r, 0, &key, &v) && !strcmp(key, "avro.schema"));
    CHECK(qb_avro_reader_meta_at(r, 4, &key, &v) && !strcmp(key, "snapshot-id") && v.n == 19 && !memcmp(v.p, "9158179788527662767", 19));
    CHECK(qb_avro_reader_meta(r, "avro.codec", &v));
    CHECK(!qb_avro_reader_meta(r, "nope", &v));
    qb_avro_reader_close(r);
    qb_file_close(f);
    free(file);
  }
  qb_avro_schema_free(s);
}

/* Whole blocks: counts add up, the null codec's data is the stored bytes, and decoding a block's data with
 * the record reader's own per-record path gives the same records (read again through qb_avro_reader_next). */
QB_TEST(raw_blocks_every_codec)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(parse(&s, ALL_TYPES, &err), &err);
  qb_value recs[64];
  size_t n = all_type_values(recs);
  for (int codec = QB_AVRO_CODEC_NULL; codec <= QB_AVRO_CODEC_ZSTD; codec++) {
    qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
    o.codec = (qb_avro_codec)codec;
    o.block_bytes = 500;
    uint8_t *file;
    size_t fn;
    CHECK_OK(write_ocf(&file, &fn, s, &o, NULL, recs, n, &err), &err);
    for (int decompress = 0; decompress <= 1; decompress++) {
      qb_file *f;
      qb_avro_reader *r;
      CHECK_OK(qb_file_from_memory(&f, file, fn, "b.avro", &err), &err);
      CHECK_OK(qb_avro_reader_open(&r, f, NULL, &err), &err);
      uint64_t total = 0, nblocks = 0;
      qb_avro_block b;
      for (;;) {
        CHECK_OK(qb_avro_reader_next_block(&b, r, decompress, &err), &err);
        if (!b.stored.p) break;
        nblocks++;
        total += b.records;
        /* the stored bytes are followed by the sync marker, as in the file */
        CHECK(!memcmp(b.stored.p + b.stored.n, qb_avro_reader_sync(r), 16));
        if (!decompress) CHECK(b.data.p == NULL && b.data.n == 0);
        else if (codec == QB_AVRO_CODEC_NULL) CHECK(b.data.p == b.stored.p && b.data.n == b.stored.n);
        else CHECK(b.data.n > 0);
      }
      CHECK_EQ_INT(total, n);
      CHECK(nblocks > 2 && nblocks == qb_avro_reader_blocks(r));
      qb_avro_reader_close(r);
      qb_file_close(f);
    }
    /* Mixed: one whole block, then records from the next; asking for a block mid-block is refused. */
    qb_file *f;
    qb_avro_reader *r;
    CHECK_OK(qb_file_from_memory(&f, file, fn, "b.avro", &err), &err);
    CHECK_OK(qb_avro_reader_open(&r, f, NULL, &err), &err);
    qb_avro_block b;
    CHECK_OK(qb_avro_reader_next_block(&b, r, false, &err), &err);
    size_t first = (size_t)b.records;
    const qb_value *v;
    CHECK_OK(qb_avro_reader_next(&v, r, &err), &err);
    CHECK(v && qb_value_equal(v, &recs[first]));
    CHECK_EQ_INT(qb_avro_reader_next_block(&b, r, true, &err), QB_EINVAL);
    CHECK(strstr(err.msg, "read whole") != NULL);
    qb_avro_reader_close(r);
    qb_file_close(f);
    free(file);
  }
  qb_avro_schema_free(s);
}

/* Verbatim block copies: a file made of one appended record then every block of another file (same schema and
 * codec) reads back as exactly those records, each copied block intact; a codec mismatch is refused. */
QB_TEST(append_block_copies_verbatim)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(parse(&s, ALL_TYPES, &err), &err);
  qb_value recs[64], want[130];
  size_t n = all_type_values(recs);
  for (int codec = QB_AVRO_CODEC_NULL; codec <= QB_AVRO_CODEC_ZSTD; codec++) {
    qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
    o.codec = (qb_avro_codec)codec;
    o.block_bytes = 500;
    uint8_t *src;
    size_t sn;
    CHECK_OK(write_ocf(&src, &sn, s, &o, NULL, recs, n, &err), &err);
    for (int join = 0; join <= 1; join++) {
      /* join: blocks this small join the block being built (a quarter of the default 64000 bytes) */
      qb_avro_write_options wo = o;
      wo.block_bytes = join ? 0 : 500;
      char *path = qb_str_printf("%s/copy%d.avro", qb_test_tmpdir(), join);
      qb_fileio *io;
      qb_writer *w;
      qb_avro_writer *aw;
      qb_file *f;
      qb_avro_reader *r;
      CHECK_OK(qb_fileio_local_new(&io, &err), &err);
      CHECK_OK(qb_fileio_create(&w, io, path, QB_CREATE_OVERWRITE, &err), &err);
      CHECK_OK(qb_avro_writer_open(&aw, w, s, &wo, &err), &err);
      CHECK_OK(qb_avro_writer_set_meta_str(aw, "format-version", "2", &err), &err);
      CHECK_OK(qb_avro_writer_append(aw, &recs[n - 1], &err), &err);
      want[0] = recs[n - 1];
      CHECK_OK(qb_file_from_memory(&f, src, sn, "src.avro", &err), &err);
      CHECK_OK(qb_avro_reader_open(&r, f, NULL, &err), &err);
      qb_avro_block b;
      uint64_t copied = 0;
      qb_slice last = {NULL, 0};
      for (;;) {
        CHECK_OK(qb_avro_reader_next_block(&b, r, false, &err), &err);
        if (!b.stored.p) break;
        qb_avro_codec other = codec == QB_AVRO_CODEC_NULL ? QB_AVRO_CODEC_DEFLATE : QB_AVRO_CODEC_NULL;
        CHECK_FAIL(qb_avro_writer_append_block(aw, b.records, b.stored, other, &err), QB_EINVAL, &err, "cannot be copied");
        CHECK_OK(qb_avro_writer_append_block(aw, b.records, b.stored, qb_avro_reader_codec(r), &err), &err);
        copied += b.records;
        last = b.stored;
      }
      CHECK_EQ_INT(copied, n);
      CHECK_EQ_INT(qb_avro_writer_records(aw), n + 1);
      CHECK_FAIL(qb_avro_writer_append_block(aw, 0, last, (qb_avro_codec)codec, &err), QB_EINVAL, &err, "0 records");
      uint64_t src_blocks = qb_avro_reader_blocks(r);
      qb_avro_reader_close(r);
      qb_file_close(f);
      CHECK_OK(qb_avro_writer_close(aw, &err), &err);
      CHECK_OK(qb_writer_close(w, &err), &err);
      for (size_t i = 0; i < n; i++) want[i + 1] = recs[i];
      uint8_t *out;
      size_t on, count = 0;
      uint64_t blocks = 0;
      CHECK_OK(qb_fileio_read_all(&out, &on, io, path, 1 << 30, &err), &err);
      CHECK_OK(read_ocf(out, on, NULL, want, &count, &blocks, &err), &err);
      CHECK_EQ_INT(count, n + 1);
      CHECK_EQ_INT(blocks, join ? 1 : src_blocks + 1);
      free(out);
      qb_fileio_free(io);
      free(path);
    }
    free(src);
  }
  qb_avro_schema_free(s);
}

QB_TEST(value_to_json_layout)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(parse(&s, ALL_TYPES, &err), &err);
  qb_value recs[64];
  all_type_values(recs);
  char *json;
  size_t n;
  CHECK_OK(qb_avro_value_to_json(&json, &n, qb_avro_schema_root(s), &recs[5], false, &err), &err);
  CHECK_EQ_STR(json, "{\"n\":null,\"b\":true,\"i\":-2147483643,\"l\":-9223372036854775803,\"f\":\"NaN\",\"d\":-0.5,"
                     "\"by\":{\"$hex\":\"00\"},\"s\":\"h\xc3\xa9llo \\\"q\\\"\\n\",\"e\":\"BLUE\",\"fx\":{\"$hex\":"
                     "\"000102030405060708090a0b0c0d0e0f\"},\"arr\":[],\"m\":{\"a\":5,\"b\":-5},\"lm\":[{\"key\":1,"
                     "\"value\":{\"$hex\":\"78\"}},{\"key\":5,\"value\":{\"$hex\":\"\"}}],\"opt\":\"x\",\"multi\":{\"x\":"
                     "2.5},\"recs\":[{\"x\":1.25},{\"x\":-2}]}");
  free(json);
  /* invalid UTF-8 in a string becomes U+FFFD, control characters are escaped */
  qb_avro_schema *str;
  CHECK_OK(parse(&str, "\"string\"", &err), &err);
  qb_value bad = vstr("a\xff\x01z\xe2\x82");
  CHECK_OK(qb_avro_value_to_json(&json, &n, qb_avro_schema_root(str), &bad, false, &err), &err);
  CHECK_EQ_STR(json, "\"a\xef\xbf\xbd\\u0001z\xef\xbf\xbd\xef\xbf\xbd\"");
  free(json);
  qb_avro_schema_free(str);
  qb_avro_schema_free(s);
}

/* ---- schema resolution -------------------------------------------------------------------------- */

/* Write `recs` with writer schema `wjson`, read them back through reader schema `rjson`, compare. */
static int resolve_case(const char *wjson, const char *rjson, const qb_value *recs, size_t n, const qb_value *want,
                        bool wrap, qb_err *err)
{
  qb_avro_schema *ws = NULL, *rs = NULL;
  uint8_t *file = NULL;
  size_t fn, count;
  int rc = parse(&ws, wjson, err);
  if (!rc) rc = parse(&rs, rjson, err);
  qb_avro_write_options wo = QB_AVRO_WRITE_OPTIONS_INIT;
  wo.wrap_unions = wrap;
  if (!rc) rc = write_ocf(&file, &fn, ws, &wo, NULL, recs, n, err);
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.reader_schema = rs;
  o.wrap_unions = wrap;
  if (!rc) rc = read_ocf(file, fn, &o, want, &count, NULL, err);
  if (!rc && count != n) rc = QB_FAIL(err, QB_EINTERNAL, "%zu records read, %zu written", count, n);
  free(file);
  qb_avro_schema_free(ws);
  qb_avro_schema_free(rs);
  return rc;
}

QB_TEST(resolve_added_removed_promoted_renamed)
{
  qb_err err = QB_ERR_INIT;
  static const char *w =
      "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
      "{\"name\":\"old_name\",\"type\":\"int\",\"field-id\":5},"
      "{\"name\":\"gone\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"g\",\"fields\":["
      "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"string\"]}}]}},\"field-id\":6},"
      "{\"name\":\"f\",\"type\":\"float\",\"field-id\":7},"
      "{\"name\":\"s\",\"type\":\"string\",\"field-id\":8},"
      "{\"name\":\"same_name\",\"type\":\"long\",\"field-id\":9},"
      "{\"name\":\"plain\",\"type\":\"int\"}]}";
  /* reader: renamed by id, reordered, promoted, a field added with a default, one without, and a field
   * with the writer's name but another id (a different column) */
  static const char *r =
      "{\"type\":\"record\",\"name\":\"other_name\",\"fields\":["
      "{\"name\":\"f\",\"type\":\"double\",\"field-id\":7},"
      "{\"name\":\"new_name\",\"type\":\"long\",\"field-id\":5},"
      "{\"name\":\"s\",\"type\":\"bytes\",\"field-id\":8},"
      "{\"name\":\"added\",\"type\":\"long\",\"default\":42,\"field-id\":10},"
      "{\"name\":\"added_rec\",\"type\":{\"type\":\"record\",\"name\":\"ar\",\"fields\":[{\"name\":\"x\",\"type\":"
      "\"string\",\"default\":\"dflt\"},{\"name\":\"y\",\"type\":{\"type\":\"array\",\"items\":\"int\"},\"default\":"
      "[1,2]}]},\"default\":{\"y\":[3]},\"field-id\":11},"
      "{\"name\":\"added_opt\",\"type\":[\"null\",\"string\"],\"default\":null,\"field-id\":12},"
      "{\"name\":\"no_default\",\"type\":\"int\",\"field-id\":13},"
      "{\"name\":\"same_name\",\"type\":\"long\",\"field-id\":99},"
      "{\"name\":\"plain_alias\",\"type\":\"double\",\"aliases\":[\"plain\"]}]}";
  qb_value gone = vseq(QB_V_LIST, 2, vseq(QB_V_STRUCT, 1, vseq(QB_V_MAP, 2, vstr("k"), vstr("v"), vstr("z"), vnull())),
                       vseq(QB_V_STRUCT, 1, vseq(QB_V_MAP, 0)));
  qb_value recs[2] = {vseq(QB_V_STRUCT, 6, vi32(-7), gone, vf32(0.5f), vstr("txt"), vi64(1), vi32(3)),
                      vseq(QB_V_STRUCT, 6, vi32(INT32_MAX), vseq(QB_V_LIST, 0), vf32(-1.25f), vstr(""), vi64(2), vi32(-3))};
  qb_value ar = vseq(QB_V_STRUCT, 2, vstr("dflt"), vseq(QB_V_LIST, 1, vi32(3)));
  qb_value want[2] = {
      vseq(QB_V_STRUCT, 9, vf64(0.5), vi64(-7), vbytes("txt", 3), vi64(42), ar, vnull(), vnull(), vnull(), vf64(3)),
      vseq(QB_V_STRUCT, 9, vf64(-1.25), vi64(INT32_MAX), vbytes("", 0), vi64(42), ar, vnull(), vnull(), vnull(),
           vf64(-3))};
  CHECK_OK(resolve_case(w, r, recs, 2, want, false, &err), &err);
}

QB_TEST(resolve_unions)
{
  qb_err err = QB_ERR_INIT;
  /* writer non-union -> reader optional; writer optional -> reader required (null stays null) */
  static const char *w = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
                         "{\"name\":\"b\",\"type\":[\"null\",\"long\"]},{\"name\":\"c\",\"type\":[\"string\",\"null\"]}]}";
  static const char *r = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":[\"null\",\"long\"]},"
                         "{\"name\":\"b\",\"type\":\"long\"},{\"name\":\"c\",\"type\":[\"null\",\"bytes\"]}]}";
  qb_value recs[2] = {vseq(QB_V_STRUCT, 3, vi32(1), vi64(2), vstr("s")), vseq(QB_V_STRUCT, 3, vi32(3), vnull(), vnull())};
  qb_value want[2] = {vseq(QB_V_STRUCT, 3, vi64(1), vi64(2), vbytes("s", 1)),
                      vseq(QB_V_STRUCT, 3, vi64(3), vnull(), vnull())};
  CHECK_OK(resolve_case(w, r, recs, 2, want, false, &err), &err);

  /* wrap_unions: a union with two non-null branches reads as {branch, value}, in the reader's numbering */
  static const char *w2 = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"u\",\"type\":[\"null\",\"int\","
                          "\"string\"]}]}";
  static const char *r2 = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"u\",\"type\":[\"string\",\"null\","
                          "\"long\"]}]}";
  qb_value recs2[3] = {vseq(QB_V_STRUCT, 1, vseq(QB_V_STRUCT, 2, vi32(1), vi32(7))),
                       vseq(QB_V_STRUCT, 1, vseq(QB_V_STRUCT, 2, vi32(2), vstr("x"))),
                       vseq(QB_V_STRUCT, 1, vseq(QB_V_STRUCT, 2, vi32(0), vnull()))};
  qb_value want2[3] = {vseq(QB_V_STRUCT, 1, vseq(QB_V_STRUCT, 2, vi32(2), vi64(7))),
                       vseq(QB_V_STRUCT, 1, vseq(QB_V_STRUCT, 2, vi32(0), vstr("x"))),
                       vseq(QB_V_STRUCT, 1, vseq(QB_V_STRUCT, 2, vi32(1), vnull()))};
  CHECK_OK(resolve_case(w2, r2, recs2, 3, want2, true, &err), &err);

  /* a writer branch the reader cannot take fails only when a value uses it */
  static const char *r3 = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"u\",\"type\":[\"null\",\"long\"]}]}";
  qb_value ok[1] = {vseq(QB_V_STRUCT, 1, vseq(QB_V_STRUCT, 2, vi32(1), vi32(7)))};
  qb_value okw[1] = {vseq(QB_V_STRUCT, 1, vi64(7))};
  CHECK_OK(resolve_case(w2, r3, ok, 1, okw, true, &err), &err);
  qb_err e2 = QB_ERR_INIT;
  CHECK_FAIL(resolve_case(w2, r3, recs2, 3, NULL, true, &e2), QB_ECORRUPT, &e2,
             "m1.avro: block 0: record 1: u: union branch 2 (string) cannot be read: reader schema: u: writer type "
             "string matches no branch of the reader union");
}

QB_TEST(resolve_incompatible_and_enums)
{
  qb_err err = QB_ERR_INIT;
  static const char *w = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"o\",\"type\":{\"type\":\"record\","
                         "\"name\":\"o\",\"fields\":[{\"name\":\"x\",\"type\":\"string\"}]}}]}";
  static const char *r = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"o\",\"type\":{\"type\":\"record\","
                         "\"name\":\"o\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}}]}";
  qb_value rec = vseq(QB_V_STRUCT, 1, vseq(QB_V_STRUCT, 1, vstr("a")));
  CHECK_FAIL(resolve_case(w, r, &rec, 1, NULL, false, &err), QB_EINVAL, &err,
             "m1.avro: reader schema: o.x: writer type string cannot be read as int");
  static const char *rbad = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"z\",\"type\":\"int\",\"default\":"
                            "\"no\"}]}";
  CHECK_FAIL(resolve_case(w, rbad, &rec, 1, NULL, false, &err), QB_EINVAL, &err,
             "reader schema: z: default \"no\" does not fit type int");

  static const char *we = "{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"A\",\"B\",\"C\"]}";
  static const char *re = "{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"C\",\"A\",\"Z\"],\"default\":\"Z\"}";
  qb_value syms[3] = {vstr("A"), vstr("B"), vstr("C")};
  qb_value want[3] = {vstr("A"), vstr("Z"), vstr("C")};
  CHECK_OK(resolve_case(we, re, syms, 3, want, false, &err), &err);
  static const char *re2 = "{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"C\",\"A\"]}";
  CHECK_FAIL(resolve_case(we, re2, syms, 3, want, false, &err), QB_ECORRUPT, &err,
             "record 1: enum symbol 'B' is not in the reader's enum e");
}

/* The reader schema the Iceberg layer will use for v2 manifest entries (trimmed to what matters here). */
static const char *MANIFEST_READER =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
    "{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
    "{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":1},"
    "{\"name\":\"sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":3},"
    "{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
    "{\"name\":\"content\",\"type\":\"int\",\"default\":0,\"field-id\":134},"
    "{\"name\":\"file_path\",\"type\":\"string\",\"field-id\":100},"
    "{\"name\":\"record_count\",\"type\":\"long\",\"field-id\":103},"
    "{\"name\":\"value_counts\",\"type\":[\"null\",{\"type\":\"array\",\"logicalType\":\"map\",\"items\":{\"type\":"
    "\"record\",\"name\":\"k119_v120\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":119},{\"name\":"
    "\"value\",\"type\":\"long\",\"field-id\":120}]}}],\"default\":null,\"field-id\":109},"
    "{\"name\":\"split_offsets\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"long\",\"element-id\":133}],"
    "\"default\":null,\"field-id\":132}]},\"field-id\":2}]}";

static int read_manifest(const char *rel, const qb_avro_schema *rs, qb_value *first, size_t *count, qb_err *err)
{
  qb_fileio *io;
  qb_avro_reader *r;
  char *path = qb_str_printf("%s/avro/%s", qb_test_data_dir(), rel);
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.reader_schema = rs;
  *count = 0;
  int rc = qb_fileio_local_new(&io, err);
  if (!rc && !(rc = qb_avro_reader_open_path(&r, io, path, &o, err))) {
    const qb_value *v;
    while (!(rc = qb_avro_reader_next(&v, r, err)) && v) {
      if ((*count)++ == 0) { /* keep a copy of the first entry's scalars */
        *first = *v;
        qb_value *items = qb_arena_memdup(&A, v->u.seq.items, v->u.seq.n * sizeof *items);
        qb_value *df = qb_arena_memdup(&A, v->u.seq.items[3].u.seq.items, 5 * sizeof *df);
        df[1].u.bytes.p = qb_arena_memdup(&A, df[1].u.bytes.p, df[1].u.bytes.n);
        items[3].u.seq.items = df;
        first->u.seq.items = items;
        df[3] = df[3].kind == QB_V_MAP ? vi64((int64_t)df[3].u.seq.n) : vnull(); /* number of pairs */
        df[4] = df[4].kind == QB_V_LIST ? vi64((int64_t)df[4].u.seq.n) : vnull();
      }
    }
    qb_avro_reader_close(r);
  }
  qb_fileio_free(io);
  free(path);
  return rc;
}

QB_TEST(one_reader_schema_reads_v1_and_v2_manifests)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *rs;
  CHECK_OK(parse(&rs, MANIFEST_READER, &err), &err);
  qb_value e;
  size_t n;
  /* Java v2 (equality delete manifest: content 2) */
  CHECK_OK(read_manifest("icebird-java-bunnies/a01399a1-e864-4562-b921-c8cb56e6e4a9-m1.avro", rs, &e, &n, &err), &err);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(e.u.seq.n, 4);
  CHECK_EQ_INT(e.u.seq.items[0].u.i32, 1);
  CHECK(e.u.seq.items[1].kind == QB_V_INT64 && e.u.seq.items[1].u.i64 == 9158179788527662767LL);
  CHECK(e.u.seq.items[2].kind == QB_V_NULL); /* ADDED: inherited */
  const qb_value *df = e.u.seq.items[3].u.seq.items;
  CHECK_EQ_INT(df[0].u.i32, 2);
  CHECK(df[1].kind == QB_V_STRING && df[1].u.bytes.n == 80 &&
        !memcmp(df[1].u.bytes.p, "s3a://hyperparam-iceberg/java/bunnies/data/bunnies-eq-delete-new-zealand.parquet", 80));
  CHECK_EQ_INT(df[2].u.i64, 1);
  /* PyIceberg v1: no content (default 0), no sequence_number (null), snapshot_id a required long */
  CHECK_OK(read_manifest("duckdb-v1-existing-entries/2dbef94d-9ff1-478e-b122-905cbcacdee3-m0.avro", rs, &e, &n, &err),
           &err);
  CHECK(n >= 1);
  CHECK(e.u.seq.items[1].kind == QB_V_INT64);
  CHECK(e.u.seq.items[2].kind == QB_V_NULL);
  df = e.u.seq.items[3].u.seq.items;
  CHECK(df[0].kind == QB_V_INT32 && df[0].u.i32 == 0);
  CHECK(df[2].kind == QB_V_INT64 && df[2].u.i64 > 0);
  CHECK(df[3].kind == QB_V_INT64 && df[3].u.i64 > 0); /* value_counts pairs, via logicalType map */
  /* Spark v2, partitioned */
  CHECK_OK(read_manifest("icebird-spark-rename-column/abf62b15-903b-40b6-9e6b-26bcdceac9b3-m0.avro", rs, &e, &n, &err),
           &err);
  CHECK_EQ_INT(n, 3);
  df = e.u.seq.items[3].u.seq.items;
  CHECK(df[4].kind == QB_V_INT64 && df[4].u.i64 == 1); /* one split offset */
  qb_avro_schema_free(rs);
}

/* ---- corrupt and hostile input ------------------------------------------------------------------ */

QB_TEST(truncation_at_every_offset)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(parse(&s, ALL_TYPES, &err), &err);
  qb_value recs[64];
  size_t n = all_type_values(recs);
  for (int codec = QB_AVRO_CODEC_NULL; codec <= QB_AVRO_CODEC_DEFLATE; codec++) {
    qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
    o.codec = (qb_avro_codec)codec;
    o.block_bytes = 150;
    uint8_t *file;
    size_t fn;
    CHECK_OK(write_ocf(&file, &fn, s, &o, NULL, recs, 8, &err), &err);
    size_t ends = 0; /* prefixes that are valid files: header end and block ends */
    for (size_t cut = 0; cut < fn; cut++) {
      uint8_t *p = malloc(cut ? cut : 1); /* exact-size copy so ASan sees any overread */
      memcpy(p, file, cut);
      size_t count = 99;
      qb_err e = QB_ERR_INIT;
      int rc = read_ocf(p, cut, NULL, recs, &count, NULL, &e);
      free(p);
      if (rc == QB_OK) {
        ends++;
        EXPECT(count < 8);
        continue;
      }
      if (rc != QB_ECORRUPT || strncmp(e.msg, "m1.avro: ", 9))
        fprintf(stderr, "  cut %zu: %s %s\n", cut, qb_code_name(rc), e.msg);
      EXPECT(rc == QB_ECORRUPT && !strncmp(e.msg, "m1.avro: ", 9));
    }
    if (!(ends >= 2 && ends < 8)) fprintf(stderr, "  codec %d: %zu valid prefixes of %zu bytes\n", codec, ends, fn);
    EXPECT(ends >= 2 && ends < 8);
    free(file);
  }
  (void)n;
  qb_avro_schema_free(s);
}

static const char *PART_SCHEMA =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":[{\"name\":\"status\",\"type\":\"int\"},"
    "{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":[{\"name\":\"file_path\","
    "\"type\":\"string\"},{\"name\":\"partition\",\"type\":{\"type\":\"record\",\"name\":\"r102\",\"fields\":["
    "{\"name\":\"x\",\"type\":[\"null\",\"int\"]}]}},{\"name\":\"offs\",\"type\":{\"type\":\"array\",\"items\":"
    "\"long\"}}]}}]}";

QB_TEST(corrupt_inputs_exact_errors)
{
  /* records of PART_SCHEMA: status 1, "a", x = 5, offs [] -> 02 02 61 02 0a 00 */
  static const struct {
    const char *name, *codec;
    int64_t count;         /* records per block */
    const char *blocks[3]; /* hex of each block's records */
    int code;
    const char *msg;
  } tab[] = {
      {"good", NULL, 2, {"0202610 20a00 0202610 20a00"}, QB_OK, ""},
      {"union index", NULL, 2, {"020261020a00020261020a00", "020261020a00020261 0a0a00"}, QB_ECORRUPT,
       "m1.avro: block 1: record 1: data_file.partition.x: union index 5 out of range (2 branches)"},
      {"string length", NULL, 1, {"0280808080808001"}, QB_ECORRUPT,
       "m1.avro: block 0: record 0: data_file.file_path: length 2199023255552 exceeds the 0 bytes left"},
      {"array count", NULL, 1, {"02026100fe ffffff0f"}, QB_ECORRUPT,
       "m1.avro: block 0: record 0: data_file.offs: block count 2147483647 exceeds what the 0 bytes left can hold"},
      {"array negative block size", NULL, 1, {"0202610001 7f02 00"}, QB_ECORRUPT,
       "block 0: record 0: data_file.offs: block size -64 exceeds the 2 bytes left"},
      {"array truncated item", NULL, 1, {"0202610002ff"}, QB_ECORRUPT, "record 0: data_file.offs[0]: truncated varint"},
      {"records cannot fit", NULL, 2, {"0202610002"}, QB_ECORRUPT, "m1.avro: block 0: 2 records cannot fit in 5 bytes"},
      {"trailing bytes", NULL, 2, {"020261020a00020261020a00ff"}, QB_ECORRUPT,
       "m1.avro: block 0: 1 bytes left over after its 2 records"},
      {"int range", NULL, 1, {"8080808010"}, QB_ECORRUPT, "record 0: status: int value 2147483648 out of range"},
      {"bad codec", "xz", 2, {""}, QB_EUNSUPPORTED, "m1.avro: unsupported codec 'xz'"},
      {"bad deflate", "deflate", 2, {"ffffffff"}, QB_ECORRUPT, "m1.avro: block 0: deflate: "},
      {"bad snappy", "snappy", 2, {"02"}, QB_ECORRUPT, "m1.avro: block 0: snappy: block of 1 bytes is shorter"},
      {"bad zstd", "zstandard", 2, {"00112233"}, QB_ECORRUPT, "m1.avro: block 0: zstandard: "},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    qb_buf b;
    ocf_header(&b, PART_SCHEMA, tab[i].codec, SYNC);
    for (int k = 0; k < 3 && tab[i].blocks[k]; k++) {
      char hex[256];
      size_t h = 0;
      for (const char *c = tab[i].blocks[k]; *c; c++)
        if (*c != ' ') hex[h++] = *c;
      hex[h] = '\0';
      ocf_block(&b, tab[i].count, hex, SYNC);
    }
    qb_err err = QB_ERR_INIT;
    size_t count;
    int rc = read_ocf(b.p, b.n, NULL, NULL, &count, NULL, &err);
    if (rc != tab[i].code || !strstr(err.msg, tab[i].msg))
      fprintf(stderr, "  %s: got %s '%s'\n", tab[i].name, qb_code_name(rc), err.msg);
    EXPECT(rc == tab[i].code && strstr(err.msg, tab[i].msg));
    qb_buf_free(&b);
  }
}

/* A read that fails is that failure (QB_EIO with its message), wherever it happens: the magic, the header,
 * a block. (The magic's read once reported an I/O error as "bad magic", QB_ECORRUPT.) */
QB_TEST(read_failures_stay_io_errors)
{
  qb_buf b;
  ocf_header(&b, PART_SCHEMA, NULL, SYNC);
  ocf_block(&b, 2, "020261020a00020261020a00", SYNC);
  qb_err err = QB_ERR_INIT;
  qb_fileio *local;
  CHECK_OK(qb_fileio_local_new(&local, &err), &err);
  char *path = qb_str_printf("%s/m1.avro", qb_test_tmpdir());
  CHECK_OK(qb_fileio_write_all(local, path, b.p, b.n, QB_CREATE_OVERWRITE, &err), &err);
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.read_ahead_bytes = 8; /* several reads: the magic, the header, the block */
  int fired = 0;
  for (unsigned at = 2; at < 40; at++) { /* call 1 opens the file */
    qb_fileio *io;
    qb_fault_plan plan = {at, QB_FAULT_FAIL, QB_EIO, 0, false, NULL, NULL, false};
    CHECK_OK(qb_fileio_faulty_new(&io, local, false, &plan, &err), &err);
    qb_avro_reader *r = NULL;
    int rc = qb_avro_reader_open_path(&r, io, path, &o, &err);
    const qb_value *v = NULL;
    size_t n = 0;
    while (rc == QB_OK && (rc = qb_avro_reader_next(&v, r, &err)) == QB_OK && v) n++;
    qb_avro_reader_close(r);
    bool hit = qb_fileio_faulty_fired(io);
    qb_fileio_free(io);
    if (!hit) {
      CHECK_EQ_INT(rc, QB_OK);
      CHECK_EQ_INT(n, 2);
      break;
    }
    fired++;
    if (rc != QB_EIO || !strstr(err.msg, "injected fault")) fprintf(stderr, "  call %u: %s\n", at, err.msg);
    CHECK_EQ_INT(rc, QB_EIO);
    CHECK(strstr(err.msg, "injected fault") != NULL);
    qb_err_clear(&err);
  }
  CHECK(fired >= 3);
  free(path);
  qb_fileio_free(local);
  qb_buf_free(&b);
}

QB_TEST(corrupt_framing)
{
  qb_err err = QB_ERR_INIT;
  size_t count;
  qb_buf b;
  uint8_t other[16];
  memset(other, 7, 16);
  /* bad magic, empty file, header without avro.schema, bad schema */
  CHECK_FAIL(read_ocf((const uint8_t *)"Obj\x02", 4, NULL, NULL, &count, NULL, &err), QB_ECORRUPT, &err,
             "m1.avro: not an Avro object container file (bad magic)");
  CHECK_FAIL(read_ocf((const uint8_t *)"", 0, NULL, NULL, &count, NULL, &err), QB_ECORRUPT, &err, "bad magic");
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  qb_buf_append(&b, "Obj\x01\x00", 5, NULL);
  qb_buf_append(&b, SYNC, 16, NULL);
  CHECK_FAIL(read_ocf(b.p, b.n, NULL, NULL, &count, NULL, &err), QB_ECORRUPT, &err, "m1.avro: header has no avro.schema");
  qb_buf_free(&b);
  ocf_header(&b, "{\"type\":\"recrd\"}", NULL, SYNC);
  CHECK_FAIL(read_ocf(b.p, b.n, NULL, NULL, &count, NULL, &err), QB_ECORRUPT, &err,
             "m1.avro: avro.schema: schema: unknown type 'recrd'");
  qb_buf_free(&b);
  /* metadata: huge entry count, huge key length */
  uint8_t hdr[64] = "Obj\x01";
  size_t hn = 4 + qb_avro__encode_long(hdr + 4, (int64_t)1 << 40);
  CHECK_FAIL(read_ocf(hdr, hn, NULL, NULL, &count, NULL, &err), QB_ECORRUPT, &err,
             "m1.avro: metadata: 1099511627776 entries cannot fit in 0 bytes");
  hn = 4 + qb_avro__encode_long(hdr + 4, 1);
  hn += qb_avro__encode_long(hdr + hn, (int64_t)1 << 50);
  CHECK_FAIL(read_ocf(hdr, hn, NULL, NULL, &count, NULL, &err), QB_ECORRUPT, &err,
             "metadata entry 0: length 1125899906842624 exceeds the 0 bytes left");
  /* sync mismatch in the second block */
  ocf_header(&b, "\"int\"", NULL, SYNC);
  ocf_block(&b, 1, "02", SYNC);
  ocf_block(&b, 1, "04", other);
  CHECK_FAIL(read_ocf(b.p, b.n, NULL, NULL, &count, NULL, &err), QB_ECORRUPT, &err, "m1.avro: block 1: sync marker mismatch");
  CHECK_EQ_INT(count, 1);
  qb_buf_free(&b);
  /* block size and count beyond the file, negative, over the limits */
  static const struct {
    int64_t count, size;
    int code;
    const char *msg;
  } frames[] = {
      {1, (int64_t)1 << 62, QB_ECORRUPT,
       "block 0: 4611686018427387904 bytes of records and the 16-byte sync marker exceed the 17 bytes left"},
      {-1, 1, QB_ECORRUPT, "block 0: negative record count -1 or size 1"},
      {(int64_t)1 << 40, 1, QB_ELIMIT, "block 0: 1099511627776 records exceed the block limit of 16777216"},
      {3, 1, QB_ECORRUPT, "block 0: 3 records cannot fit in 1 bytes"},
  };
  for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
    ocf_header(&b, "\"int\"", NULL, SYNC);
    qb_avro__put_long(&b, frames[i].count, NULL);
    qb_avro__put_long(&b, frames[i].size, NULL);
    qb_buf_putc(&b, 2, NULL);
    qb_buf_append(&b, SYNC, 16, NULL);
    qb_err e = QB_ERR_INIT;
    int rc = read_ocf(b.p, b.n, NULL, NULL, &count, NULL, &e);
    if (rc != frames[i].code || !strstr(e.msg, frames[i].msg)) fprintf(stderr, "  frame %zu: %s\n", i, e.msg);
    EXPECT(rc == frames[i].code && strstr(e.msg, frames[i].msg));
    qb_buf_free(&b);
  }
  /* a block over max_block_bytes */
  ocf_header(&b, "\"int\"", NULL, SYNC);
  ocf_block(&b, 4, "02040608", SYNC);
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.max_block_bytes = 3;
  CHECK_FAIL(read_ocf(b.p, b.n, &o, NULL, &count, NULL, &err), QB_ELIMIT, &err, "block 0: 4 bytes exceed the block limit of 3");
  qb_buf_free(&b);
}

QB_TEST(checksums_and_compressed_limits)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(parse(&s, "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"}]}", &err), &err);
  char big[5000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  qb_value recs[4] = {vseq(QB_V_STRUCT, 1, vstr(big)), vseq(QB_V_STRUCT, 1, vstr("b")), vseq(QB_V_STRUCT, 1, vstr(big)),
                      vseq(QB_V_STRUCT, 1, vstr("d"))};
  qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
  o.codec = QB_AVRO_CODEC_SNAPPY;
  uint8_t *file;
  size_t fn, count;
  CHECK_OK(write_ocf(&file, &fn, s, &o, NULL, recs, 4, &err), &err);
  CHECK_OK(read_ocf(file, fn, NULL, recs, &count, NULL, &err), &err);
  file[fn - 17] ^= 1; /* the last byte of the CRC, just before the sync marker */
  CHECK_FAIL(read_ocf(file, fn, NULL, recs, &count, NULL, &err), QB_ECORRUPT, &err, "block 0: snappy: CRC32 mismatch");
  free(file);
  /* a block that inflates beyond max_block_bytes */
  for (int codec = QB_AVRO_CODEC_DEFLATE; codec <= QB_AVRO_CODEC_ZSTD; codec++) {
    o.codec = (qb_avro_codec)codec;
    CHECK_OK(write_ocf(&file, &fn, s, &o, NULL, recs, 4, &err), &err);
    qb_avro_read_options ro = QB_AVRO_READ_OPTIONS_INIT;
    ro.max_block_bytes = 4096;
    CHECK_FAIL(read_ocf(file, fn, &ro, recs, &count, NULL, &err), QB_ELIMIT, &err,
               "block 0: decompressed block exceeds the limit of 4096 bytes");
    free(file);
  }
  qb_avro_schema_free(s);
}

QB_TEST(hostile_counts_of_empty_items)
{
  /* an array of nulls announcing 2^40 items takes 0 bytes each: decoding stops at the memory cap, skipping
   * (the reader drops the field) is immediate */
  static const char *w = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"array\","
                         "\"items\":\"null\"}},{\"name\":\"b\",\"type\":\"int\"}]}";
  qb_buf b;
  ocf_header(&b, w, NULL, SYNC);
  char hex[64];
  uint8_t tmp[10];
  size_t n = qb_avro__encode_long(tmp, (int64_t)1 << 40), h = 0;
  for (size_t i = 0; i < n; i++) h += (size_t)snprintf(hex + h, sizeof hex - h, "%02x", tmp[i]);
  snprintf(hex + h, sizeof hex - h, "0008");
  ocf_block(&b, 1, hex, SYNC);
  qb_err err = QB_ERR_INIT;
  size_t count;
  CHECK_FAIL(read_ocf(b.p, b.n, NULL, NULL, &count, NULL, &err), QB_ELIMIT, &err,
             "record 0: a: 1099511627776 values exceed the decoded-record limit of 268435456 bytes");
  qb_avro_schema *rs;
  CHECK_OK(parse(&rs, "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}", &err), &err);
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.reader_schema = rs;
  qb_value want = vseq(QB_V_STRUCT, 1, vi32(4));
  CHECK_OK(read_ocf(b.p, b.n, &o, &want, &count, NULL, &err), &err);
  CHECK_EQ_INT(count, 1);
  qb_avro_schema_free(rs);
  qb_buf_free(&b);

  /* data nested deeper than the path limit through a recursive type */
  static const char *list = "{\"type\":\"record\",\"name\":\"node\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\","
                            "\"node\"]}]}";
  ocf_header(&b, list, NULL, SYNC);
  char deep[1024];
  for (int i = 0; i < 300; i++) memcpy(deep + 2 * i, "02", 2);
  memcpy(deep + 600, "00", 3);
  ocf_block(&b, 1, deep, SYNC);
  CHECK_FAIL(read_ocf(b.p, b.n, NULL, NULL, &count, NULL, &err), QB_ELIMIT, &err, "data nested deeper than 128 levels");
  qb_buf_free(&b);
}

/* ---- writer ------------------------------------------------------------------------------------- */

QB_TEST(writer_contract)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_schema *s;
  CHECK_OK(parse(&s, PART_SCHEMA, &err), &err);
  qb_fileio *io;
  qb_writer *w;
  qb_avro_writer *aw;
  char *path = qb_str_printf("%s/w.avro", qb_test_tmpdir());
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  CHECK_OK(qb_fileio_create(&w, io, path, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_avro_writer_open(&aw, w, s, NULL, &err), &err);
  CHECK_FAIL(qb_avro_writer_set_meta_str(aw, "avro.codec", "xz", &err), QB_EINVAL, &err, "'avro.codec' is reserved");
  CHECK_OK(qb_avro_writer_set_meta_str(aw, "k", "first", &err), &err);
  CHECK_OK(qb_avro_writer_set_meta(aw, "k", "\0\1", 2, &err), &err); /* replaces, binary is fine */
  qb_value good = vseq(QB_V_STRUCT, 2, vi32(1),
                       vseq(QB_V_STRUCT, 3, vstr("f"), vseq(QB_V_STRUCT, 1, vi32(5)), vseq(QB_V_LIST, 1, vi64(9))));
  qb_value bad = vseq(QB_V_STRUCT, 2, vi32(1),
                      vseq(QB_V_STRUCT, 3, vstr("f"), vseq(QB_V_STRUCT, 1, vi32(5)), vseq(QB_V_LIST, 2, vi64(9), vstr("x"))));
  CHECK_OK(qb_avro_writer_append(aw, &good, &err), &err);
  CHECK_FAIL(qb_avro_writer_append(aw, &bad, &err), QB_EINVAL, &err,
             "avro writer: record 1: data_file.offs[1]: a string value does not fit schema type long");
  CHECK_FAIL(qb_avro_writer_set_meta_str(aw, "late", "x", &err), QB_EINVAL, &err, "metadata 'late' set after the first record");
  const char *jbad = "{\"status\":1,\"data_file\":{\"file_path\":\"p\",\"partition\":{\"x\":\"no\"},\"offs\":[]}}";
  CHECK_FAIL(qb_avro_writer_append_json(aw, jbad, strlen(jbad), &err),
             QB_EINVAL, &err, "record 1: data_file.partition.x: JSON \"no\" does not fit schema type union");
  const char *j = "{\"status\":2,\"data_file\":{\"file_path\":\"q\",\"partition\":{\"x\":null},\"offs\":[1,2]}}";
  CHECK_OK(qb_avro_writer_append_json(aw, j, strlen(j), &err), &err);
  CHECK_EQ_INT(qb_avro_writer_records(aw), 2);
  CHECK_OK(qb_avro_writer_close(aw, &err), &err);
  CHECK_OK(qb_writer_close(w, &err), &err);
  uint8_t *file;
  size_t fn, count;
  CHECK_OK(qb_fileio_read_all(&file, &fn, io, path, 1 << 20, &err), &err);
  qb_value want[2] = {good, vseq(QB_V_STRUCT, 2, vi32(2), vseq(QB_V_STRUCT, 3, vstr("q"), vseq(QB_V_STRUCT, 1, vnull()),
                                                                  vseq(QB_V_LIST, 2, vi64(1), vi64(2))))};
  CHECK_OK(read_ocf(file, fn, NULL, want, &count, NULL, &err), &err);
  CHECK_EQ_INT(count, 2);
  qb_file *f;
  qb_avro_reader *r;
  char *mj;
  size_t mn;
  CHECK_OK(qb_file_from_memory(&f, file, fn, NULL, &err), &err);
  CHECK_OK(qb_avro_reader_open(&r, f, NULL, &err), &err);
  CHECK_OK(qb_avro_reader_meta_to_json(&mj, &mn, r, &err), &err);
  CHECK(!strncmp(mj, "{\"avro.schema\":\"{\\\"type\\\":\\\"record\\\",", 33));
  CHECK(strstr(mj, "\",\"avro.codec\":\"null\",\"k\":{\"$hex\":\"0001\"}}") && mj[mn - 1] == '}');
  free(mj);
  qb_avro_reader_close(r);
  qb_file_close(f);
  free(file);
  /* a file with no records is a header only, and valid */
  CHECK_OK(qb_fileio_create(&w, io, path, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_avro_writer_open(&aw, w, s, NULL, &err), &err);
  CHECK_OK(qb_avro_writer_close(aw, &err), &err);
  CHECK_OK(qb_writer_close(w, &err), &err);
  CHECK_OK(qb_fileio_read_all(&file, &fn, io, path, 1 << 20, &err), &err);
  CHECK_OK(read_ocf(file, fn, NULL, NULL, &count, NULL, &err), &err);
  CHECK_EQ_INT(count, 0);
  free(file);
  qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
  o.codec = QB_AVRO_CODEC_DEFLATE;
  o.level = 11;
  CHECK_FAIL(qb_avro_writer_open(&aw, w, s, &o, &err), QB_EINVAL, &err, "deflate level 11 is not 1..9");
  qb_fileio_free(io);
  free(path);
  qb_avro_schema_free(s);
}

QB_TEST(memory_file)
{
  qb_err err = QB_ERR_INIT;
  qb_file *f;
  CHECK_OK(qb_file_from_memory(&f, "hello", 5, NULL, &err), &err);
  CHECK_EQ_STR(qb_file_path(f), "<memory>");
  CHECK_EQ_INT(qb_file_size(f), 5);
  char buf[4] = {0};
  CHECK_OK(qb_file_pread(f, buf, 3, 2, &err), &err);
  CHECK_EQ_STR(buf, "llo");
  CHECK_FAIL(qb_file_pread(f, buf, 3, 3, &err), QB_ECORRUPT, &err, "<memory>: truncated");
  qb_file_close(f);
}
