/* SPDX-License-Identifier: Apache-2.0 */
/* Thrift compact protocol: byte vectors from thrift-compact-protocol.md, round trips, truncation, skipping. */
#include <math.h>

#include "formats/thrift/compact.h"
#include "harness.h"

static size_t unhex(uint8_t *out, const char *hex)
{
  size_t n = 0;
  for (const char *p = hex; *p;) {
    if (*p == ' ') {
      p++;
      continue;
    }
    unsigned v;
    sscanf(p, "%2x", &v);
    out[n++] = (uint8_t)v;
    p += 2;
  }
  return n;
}

static void tohex(char *out, const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
  out[2 * n] = '\0';
}

static const struct {
  uint64_t v;
  const char *hex;
} varints[] = {
    {0, "00"},         {1, "01"},       {127, "7f"},         {128, "8001"},
    {300, "ac02"},     {16384, "808001"}, {UINT32_MAX, "ffffffff0f"},
    {UINT64_MAX, "ffffffffffffffffff01"},
};

QB_TEST(varint_vectors)
{
  for (size_t i = 0; i < sizeof varints / sizeof varints[0]; i++) {
    qb_err err = QB_ERR_INIT;
    uint8_t bytes[16];
    size_t n = unhex(bytes, varints[i].hex);
    qb_tc_reader r;
    qb_tc_reader_init(&r, bytes, n, 0);
    uint64_t v = 0;
    CHECK_OK(qb_tc_read_varint(&v, &r, &err), &err);
    EXPECT(v == varints[i].v);
    EXPECT(r.pos == n);
    qb_buf b;
    qb_buf_init(&b, 64);
    qb_tc_writer w;
    qb_tc_writer_init(&w, &b);
    CHECK_OK(qb_tc_write_varint(&w, varints[i].v, &err), &err);
    char hex[64];
    tohex(hex, b.p, b.n);
    EXPECT(strcmp(hex, varints[i].hex) == 0);
    qb_buf_free(&b);
  }
}

static const struct {
  int64_t v;
  const char *hex;
} zigzag64[] = {
    {0, "00"}, {-1, "01"}, {1, "02"}, {-2, "03"}, {2, "04"}, {-64, "7f"}, {64, "8001"},
    {INT32_MAX, "feffffff0f"}, {INT32_MIN, "ffffffff0f"},
    {INT64_MAX, "feffffffffffffffff01"}, {INT64_MIN, "ffffffffffffffffff01"},
};

QB_TEST(zigzag_vectors)
{
  for (size_t i = 0; i < sizeof zigzag64 / sizeof zigzag64[0]; i++) {
    qb_err err = QB_ERR_INIT;
    uint8_t bytes[16];
    size_t n = unhex(bytes, zigzag64[i].hex);
    qb_tc_reader r;
    qb_tc_reader_init(&r, bytes, n, 0);
    int64_t v = 0;
    CHECK_OK(qb_tc_read_i64(&v, &r, &err), &err);
    EXPECT(v == zigzag64[i].v);
    if (zigzag64[i].v >= INT32_MIN && zigzag64[i].v <= INT32_MAX) {
      int32_t v32 = 0;
      qb_tc_reader_init(&r, bytes, n, 0);
      CHECK_OK(qb_tc_read_i32(&v32, &r, &err), &err);
      EXPECT(v32 == zigzag64[i].v);
    } else {
      int32_t v32 = 0;
      qb_tc_reader_init(&r, bytes, n, 0);
      CHECK_FAIL(qb_tc_read_i32(&v32, &r, &err), QB_ECORRUPT, &err, "i32 value out of range at byte 0");
    }
    qb_buf b;
    qb_buf_init(&b, 64);
    qb_tc_writer w;
    qb_tc_writer_init(&w, &b);
    CHECK_OK(qb_tc_write_i64(&w, zigzag64[i].v, &err), &err);
    char hex[64];
    tohex(hex, b.p, b.n);
    EXPECT(strcmp(hex, zigzag64[i].hex) == 0);
    qb_buf_free(&b);
  }
}

/* struct { 1: i32 1, 3: i64 -1, 20: bool true, 21: binary "hi", 22: list<i32> [1,2,3],
 *          23: double 1.0, 24: struct { 1: bool false }, 40: list<i16> of 15 zeros } */
static const char *const sample_hex =
    "1502"                 /* delta 1, i32, zigzag(1) */
    "2601"                 /* delta 2, i64, zigzag(-1) */
    "0128"                 /* long form: bool-true type, zigzag i16 20 = 40 */
    "18026869"             /* delta 1, binary, "hi" */
    "1935020406"           /* delta 1, list, 3 x i32 */
    "17000000000000f03f"   /* delta 1, double 1.0 LE */
    "1c" "12" "00"         /* delta 1, struct { delta 1 bool false } stop */
    "0950" "f40f" "000000000000000000000000000000"
    "00";

static int write_sample(qb_buf *b, qb_err *err)
{
  qb_tc_writer w;
  qb_tc_writer_init(&w, b);
  qb_tc_write_struct_begin(&w, err);
  qb_tc_write_field_i32(&w, 1, 1, err);
  qb_tc_write_field_i64(&w, 3, -1, err);
  qb_tc_write_field_bool(&w, 20, true, err);
  qb_tc_write_field_string(&w, 21, "hi", err);
  qb_tc_write_field_list(&w, 22, QB_TC_I32, 3, err);
  for (int i = 1; i <= 3; i++) qb_tc_write_i32(&w, i, err);
  qb_tc_write_field_double(&w, 23, 1.0, err);
  qb_tc_write_field_begin(&w, QB_TC_STRUCT, 24, err);
  qb_tc_write_struct_begin(&w, err);
  qb_tc_write_field_bool(&w, 1, false, err);
  qb_tc_write_struct_end(&w, err);
  qb_tc_write_field_list(&w, 40, QB_TC_I16, 15, err);
  for (int i = 0; i < 15; i++) qb_tc_write_i16(&w, 0, err);
  qb_tc_write_struct_end(&w, err);
  return qb_tc_writer_status(&w);
}

QB_TEST(struct_encoding_matches_spec_bytes)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 1024);
  CHECK_OK(write_sample(&b, &err), &err);
  char hex[512];
  tohex(hex, b.p, b.n);
  uint8_t want[256];
  size_t wn = unhex(want, sample_hex);
  char whex[512];
  tohex(whex, want, wn);
  CHECK_EQ_STR(hex, whex);
  qb_buf_free(&b);
}

/* Read the sample back field by field. */
static int read_sample(const uint8_t *p, size_t n, qb_err *err, int *fields_seen)
{
  qb_tc_reader r;
  qb_tc_reader_init(&r, p, n, 100);
  int rc = qb_tc_read_struct_begin(&r, err);
  *fields_seen = 0;
  while (!rc) {
    int16_t id;
    uint8_t t;
    if ((rc = qb_tc_read_field(&id, &t, &r, err)) || t == QB_TC_STOP) break;
    (*fields_seen)++;
    switch (id) {
      case 1: {
        int32_t v;
        if (!(rc = qb_tc_read_i32(&v, &r, err)) && v != 1) return -1;
        break;
      }
      case 3: {
        int64_t v;
        if (!(rc = qb_tc_read_i64(&v, &r, err)) && v != -1) return -1;
        break;
      }
      case 20: {
        bool v = false;
        if (t != QB_TC_TRUE) return -1;
        if (!(rc = qb_tc_read_bool(&v, &r, err)) && !v) return -1;
        break;
      }
      case 21: {
        qb_slice s;
        if (!(rc = qb_tc_read_binary(&s, &r, err)) && (s.n != 2 || memcmp(s.p, "hi", 2))) return -1;
        break;
      }
      case 22: {
        uint8_t et;
        uint32_t sz;
        if ((rc = qb_tc_read_list_begin(&et, &sz, &r, err))) break;
        if (et != QB_TC_I32 || sz != 3) return -1;
        for (uint32_t i = 0; i < sz && !rc; i++) {
          int32_t v;
          if (!(rc = qb_tc_read_i32(&v, &r, err)) && v != (int32_t)i + 1) return -1;
        }
        break;
      }
      case 23: {
        double d;
        if (!(rc = qb_tc_read_double(&d, &r, err)) && d != 1.0) return -1;
        break;
      }
      default: rc = qb_tc_skip(&r, t, err); break;
    }
  }
  if (!rc) rc = qb_tc_read_struct_end(&r, err);
  if (!rc && r.pos != n) return -1;
  return rc;
}

QB_TEST(struct_round_trip_and_skip)
{
  qb_err err = QB_ERR_INIT;
  uint8_t bytes[256];
  size_t n = unhex(bytes, sample_hex);
  int seen = 0;
  CHECK_OK(read_sample(bytes, n, &err, &seen), &err);
  CHECK_EQ_INT(seen, 8);
}

QB_TEST(truncated_input_fails_with_offset)
{
  uint8_t bytes[256];
  size_t n = unhex(bytes, sample_hex);
  for (size_t cut = 0; cut < n; cut++) {
    qb_err err = QB_ERR_INIT;
    int seen;
    int rc = read_sample(bytes, cut, &err, &seen);
    EXPECT(rc == QB_ECORRUPT);
    EXPECT(strstr(err.msg, "thrift: ") != NULL);
    EXPECT(strstr(err.msg, "at byte 1") != NULL); /* base 100: every offset is 1xx */
  }
  qb_err err = QB_ERR_INIT;
  int seen;
  CHECK_FAIL(read_sample(bytes, 3, &err, &seen), QB_ECORRUPT, &err, "thrift: truncated varint at byte 103");
}

QB_TEST(skip_unknown_fields_of_every_type)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 4096);
  qb_tc_writer w;
  qb_tc_writer_init(&w, &b);
  qb_tc_write_struct_begin(&w, &err);
  qb_tc_write_field_bool(&w, 2, true, &err);
  qb_tc_write_field_i8(&w, 3, -5, &err);
  qb_tc_write_field_i16(&w, 4, -300, &err);
  qb_tc_write_field_i64(&w, 5, INT64_MIN, &err);
  qb_tc_write_field_double(&w, 6, -0.5, &err);
  uint8_t uuid[16] = {1, 2, 3};
  qb_tc_write_field_begin(&w, QB_TC_UUID, 7, &err);
  qb_tc_write_uuid(&w, uuid, &err);
  /* nested struct holding a list of structs holding bools and a map */
  qb_tc_write_field_begin(&w, QB_TC_STRUCT, 8, &err);
  qb_tc_write_struct_begin(&w, &err);
  qb_tc_write_field_list(&w, 1, QB_TC_STRUCT, 2, &err);
  for (int i = 0; i < 2; i++) {
    qb_tc_write_struct_begin(&w, &err);
    qb_tc_write_field_bool(&w, 1, i == 0, &err);
    qb_tc_write_field_list(&w, 2, QB_TC_TRUE, 3, &err);
    qb_tc_write_bool(&w, true, &err);
    qb_tc_write_bool(&w, false, &err);
    qb_tc_write_bool(&w, true, &err);
    qb_tc_write_field_begin(&w, QB_TC_MAP, 3, &err);
    qb_tc_write_map_begin(&w, QB_TC_BINARY, QB_TC_I32, 2, &err);
    qb_tc_write_binary(&w, "k", 1, &err);
    qb_tc_write_i32(&w, 7, &err);
    qb_tc_write_binary(&w, "kk", 2, &err);
    qb_tc_write_i32(&w, 8, &err);
    qb_tc_write_field_begin(&w, QB_TC_MAP, 4, &err);
    qb_tc_write_map_begin(&w, QB_TC_I32, QB_TC_I32, 0, &err);
    qb_tc_write_struct_end(&w, &err);
  }
  qb_tc_write_field_list(&w, 2, QB_TC_LIST, 1, &err); /* list<list<binary>> */
  qb_tc_write_list_begin(&w, QB_TC_BINARY, 20, &err);
  for (int i = 0; i < 20; i++) qb_tc_write_binary(&w, "x", 1, &err);
  qb_tc_write_struct_end(&w, &err);
  qb_tc_write_field_begin(&w, QB_TC_SET, 9, &err);
  qb_tc_write_list_begin(&w, QB_TC_DOUBLE, 1, &err);
  qb_tc_write_double(&w, 2.0, &err);
  qb_tc_write_field_i32(&w, 32767, 42, &err); /* the extension field id, long form */
  qb_tc_write_field_i32(&w, 1, 7, &err);      /* a known field after the unknown ones (backwards delta) */
  qb_tc_write_struct_end(&w, &err);
  CHECK_OK(qb_tc_writer_status(&w), &err);

  qb_tc_reader r;
  qb_tc_reader_init(&r, b.p, b.n, 0);
  CHECK_OK(qb_tc_read_struct_begin(&r, &err), &err);
  int32_t f1 = 0, f32767 = 0;
  for (;;) {
    int16_t id;
    uint8_t t;
    CHECK_OK(qb_tc_read_field(&id, &t, &r, &err), &err);
    if (t == QB_TC_STOP) break;
    if (id == 1) CHECK_OK(qb_tc_read_i32(&f1, &r, &err), &err);
    else if (id == 32767) CHECK_OK(qb_tc_read_i32(&f32767, &r, &err), &err);
    else CHECK_OK(qb_tc_skip(&r, t, &err), &err);
  }
  CHECK_OK(qb_tc_read_struct_end(&r, &err), &err);
  CHECK_EQ_INT(f1, 7);
  CHECK_EQ_INT(f32767, 42);
  CHECK_EQ_INT(r.pos, b.n);
  CHECK_EQ_INT(r.depth, 0);
  qb_buf_free(&b);
}

QB_TEST(bool_list_elements_accept_both_conventions)
{
  static const struct {
    const char *hex;
    bool want[3];
  } cases[] = {
      {"31 01 02 01", {true, false, true}}, /* parquet-java / parquet-rs: type 1, values 1/2 */
      {"32 01 00 01", {true, false, true}}, /* spec text: type 2, values 1/0 */
      {"32 00 00 00", {false, false, false}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    qb_err err = QB_ERR_INIT;
    uint8_t bytes[16];
    size_t n = unhex(bytes, cases[c].hex);
    qb_tc_reader r;
    qb_tc_reader_init(&r, bytes, n, 0);
    uint8_t et;
    uint32_t sz;
    CHECK_OK(qb_tc_read_list_begin(&et, &sz, &r, &err), &err);
    CHECK_EQ_INT(sz, 3);
    for (int i = 0; i < 3; i++) {
      bool v;
      CHECK_OK(qb_tc_read_bool(&v, &r, &err), &err);
      EXPECT(v == cases[c].want[i]);
    }
    /* and skipping the same list consumes the same bytes */
    qb_tc_reader_init(&r, bytes, n, 0);
    CHECK_OK(qb_tc_skip(&r, QB_TC_LIST, &err), &err);
    CHECK_EQ_INT(r.pos, n);
  }
}

QB_TEST(hostile_inputs)
{
  static const struct {
    const char *hex;
    const char *msg;
  } cases[] = {
      {"1c1c1c1c", "truncated struct (no stop byte) at byte 4"},
      {"19f5ffffffff0f", "list of 4294967295 elements at byte 1 exceeds the 0 bytes left"},
      {"19f6ffffffffffffffffff02", "varint overflows 64 bits at byte 2"},
      {"19f6ff7f", "list of 16383 elements at byte 1 exceeds the 0 bytes left"},
      {"18ff01", "binary of 255 bytes at byte 1 exceeds the 0 bytes left"},
      {"1e00", "invalid field type 14 at byte 0"},
      {"050100", "negative field id -1 at byte 0"},
      {"1b05ab", "map of 5 entries at byte 1 exceeds the 0 bytes left"},
      {"19", "truncated list header at byte 1"},
      {"1770", "truncated double at byte 1"},
      {"ff", "invalid field type 15 at byte 0"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    qb_err err = QB_ERR_INIT;
    uint8_t bytes[64];
    size_t n = unhex(bytes, cases[c].hex);
    qb_tc_reader r;
    qb_tc_reader_init(&r, bytes, n, 0);
    int rc = qb_tc_skip(&r, QB_TC_STRUCT, &err);
    if (rc != QB_ECORRUPT || !strstr(err.msg, cases[c].msg))
      fprintf(stderr, "  case %zu (%s): got %s: %s\n", c, cases[c].hex, qb_code_name(rc), err.msg);
    EXPECT(rc == QB_ECORRUPT && strstr(err.msg, cases[c].msg));
  }
}

QB_TEST(nesting_depth_is_bounded)
{
  qb_err err = QB_ERR_INIT;
  uint8_t bytes[400];
  for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = 0x1c; /* struct field delta 1, forever */
  qb_tc_reader r;
  qb_tc_reader_init(&r, bytes, sizeof bytes, 0);
  CHECK_FAIL(qb_tc_skip(&r, QB_TC_STRUCT, &err), QB_ECORRUPT, &err, "nesting deeper than 64");
  /* lists of lists as well */
  for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = 0x19; /* list of 1 list */
  qb_tc_reader_init(&r, bytes, sizeof bytes, 0);
  CHECK_FAIL(qb_tc_skip(&r, QB_TC_LIST, &err), QB_ECORRUPT, &err, "nesting deeper than 64");
}

QB_TEST(writer_errors_are_sticky)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 8);
  qb_tc_writer w;
  qb_tc_writer_init(&w, &b);
  qb_tc_write_struct_begin(&w, &err);
  qb_tc_write_field_string(&w, 1, "0123456789", &err);
  CHECK_EQ_INT(qb_tc_writer_status(&w), QB_ELIMIT);
  CHECK_EQ_INT(qb_tc_write_field_i32(&w, 2, 1, &err), QB_ELIMIT);
  qb_buf_free(&b);

  qb_buf_init(&b, 64);
  qb_tc_writer_init(&w, &b);
  CHECK_FAIL(qb_tc_write_struct_end(&w, &err), QB_EINVAL, &err, "struct end without begin");
  qb_buf_free(&b);
}

QB_TEST(strings_and_doubles)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 1 << 20);
  qb_tc_writer w;
  qb_tc_writer_init(&w, &b);
  static const double ds[] = {0.0, -0.0, 1.5, -1e308, 5e-324, INFINITY};
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) qb_tc_write_double(&w, ds[i], &err);
  char big[300];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  qb_tc_write_binary(&w, big, strlen(big), &err);
  qb_tc_write_binary(&w, "a\0b", 3, &err);
  CHECK_OK(qb_tc_writer_status(&w), &err);
  qb_tc_reader r;
  qb_tc_reader_init(&r, b.p, b.n, 0);
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
    double d;
    CHECK_OK(qb_tc_read_double(&d, &r, &err), &err);
    CHECK(memcmp(&d, &ds[i], sizeof d) == 0);
  }
  qb_arena a;
  qb_arena_init(&a, 0);
  char *s;
  size_t len;
  CHECK_OK(qb_tc_read_string(&s, &len, &r, &a, &err), &err);
  CHECK_EQ_INT(len, 299);
  CHECK_EQ_STR(s, big);
  CHECK_OK(qb_tc_read_string(&s, &len, &r, &a, &err), &err);
  CHECK_EQ_INT(len, 3);
  CHECK(memcmp(s, "a\0b", 4) == 0);
  CHECK_EQ_INT(qb_tc_reader_remaining(&r), 0);
  qb_arena_release(&a);
  qb_buf_free(&b);
}
