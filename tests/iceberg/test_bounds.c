/* SPDX-License-Identifier: Apache-2.0 */
/* Single-value binary serialisation (spec Appendix D) and Java's bound truncation, table-driven. */
#include <stdlib.h>

#include "harness.h"
#include "qberg/qberg.h"
#include "util/str.h"

static qb_value v_i32(int32_t x) { qb_value v = {.kind = QB_V_INT32}; v.u.i32 = x; return v; }
static qb_value v_i64(int64_t x) { qb_value v = {.kind = QB_V_INT64}; v.u.i64 = x; return v; }
static qb_value v_f32(float x) { qb_value v = {.kind = QB_V_FLOAT}; v.u.f32 = x; return v; }
static qb_value v_f64(double x) { qb_value v = {.kind = QB_V_DOUBLE}; v.u.f64 = x; return v; }
static qb_value v_bool(bool x) { qb_value v = {.kind = QB_V_BOOL}; v.u.b = x; return v; }
static qb_value v_bytes(const char *p, size_t n) { qb_value v = {.kind = QB_V_BYTES}; v.u.bytes.p = (const uint8_t *)p; v.u.bytes.n = n; return v; }
static qb_value v_str(const char *s) { qb_value v = {.kind = QB_V_STRING}; v.u.bytes.p = (const uint8_t *)s; v.u.bytes.n = strlen(s); return v; }

QB_TEST(encode_decode_every_primitive)
{
  qb_type dec9 = {.id = QB_T_DECIMAL, .precision = 9, .scale = 2}, dec38 = {.id = QB_T_DECIMAL, .precision = 38, .scale = 0};
  qb_type fixed3 = {.id = QB_T_FIXED, .length = 3};
  struct {
    qb_type t;
    qb_value v;
    const char *hex; /* expected bytes, per the spec table */
  } cases[] = {
      {{.id = QB_T_BOOLEAN}, v_bool(false), "00"},
      {{.id = QB_T_BOOLEAN}, v_bool(true), "01"},
      {{.id = QB_T_INT}, v_i32(1), "01000000"},
      {{.id = QB_T_INT}, v_i32(-2), "feffffff"},
      {{.id = QB_T_DATE}, v_i32(17486), "4e440000"},
      {{.id = QB_T_LONG}, v_i64(34), "2200000000000000"},
      {{.id = QB_T_LONG}, v_i64(INT64_MIN), "0000000000000080"},
      {{.id = QB_T_TIME}, v_i64(81068000000), "008307e012000000"},
      {{.id = QB_T_TIMESTAMP}, v_i64(1510871468000000), "00c3262d215e0500"},
      {{.id = QB_T_TIMESTAMPTZ}, v_i64(-1), "ffffffffffffffff"},
      {{.id = QB_T_FLOAT}, v_f32(1.0f), "0000803f"},
      {{.id = QB_T_FLOAT}, v_f32(-0.0f), "00000080"},
      {{.id = QB_T_DOUBLE}, v_f64(1.0), "000000000000f03f"},
      {{.id = QB_T_STRING}, v_str("iceberg"), "69636562657267"},
      {{.id = QB_T_STRING}, v_str(""), ""},
      {{.id = QB_T_UUID}, v_bytes("\xf7\x9c\x3e\x09\x67\x7c\x4b\xbd\xa4\x79\x3f\x34\x9c\xb7\x85\xe7", 16),
       "f79c3e09677c4bbda4793f349cb785e7"},
      {fixed3, v_bytes("\x01\x02\x03", 3), "010203"},
      {{.id = QB_T_BINARY}, v_bytes("\x00\xff", 2), "00ff"},
      /* decimals: minimal two's complement, big-endian (BigInteger.toByteArray) */
      {dec9, v_i32(0), "00"},
      {dec9, v_i32(-1), "ff"},
      {dec9, v_i32(127), "7f"},
      {dec9, v_i32(128), "0080"},
      {dec9, v_i32(-128), "80"},
      {dec9, v_i32(-129), "ff7f"},
      {dec9, v_i32(1420), "058c"},
      {dec38, v_bytes("\x00\x00\x00\x05\x8c", 5), "058c"},
      {dec38, v_bytes("\xff\xff\x80", 3), "80"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_slice s;
    uint8_t scratch[16];
    char hex[64];
    CHECK_OK(qb_bound_encode(&s, scratch, &cases[i].t, &cases[i].v, &err), &err);
    qb_hex_encode(hex, s.p, s.n);
    if (strcmp(hex, cases[i].hex)) fprintf(stderr, "  case %zu: %s want %s\n", i, hex, cases[i].hex);
    EXPECT(!strcmp(hex, cases[i].hex));
    qb_value back;
    CHECK_OK(qb_bound_decode(&back, &cases[i].t, s, &err), &err);
    /* decoding normalises decimals to the narrowest physical kind: compare re-encoded bytes */
    qb_slice s2;
    uint8_t scratch2[16];
    CHECK_OK(qb_bound_encode(&s2, scratch2, &cases[i].t, &back, &err), &err);
    EXPECT(s2.n == s.n && (s.n == 0 || !memcmp(s2.p, s.p, s.n)));
    if (cases[i].t.id != QB_T_DECIMAL) EXPECT(qb_value_equal(&back, &cases[i].v) || back.kind == QB_V_STRING);
  }
}

QB_TEST(decode_promoted_and_bad_lengths)
{
  qb_err err = QB_ERR_INIT;
  qb_value v;
  qb_type lt = {.id = QB_T_LONG}, dt = {.id = QB_T_DOUBLE}, it = {.id = QB_T_INT}, ut = {.id = QB_T_UUID};
  /* a long column promoted from int keeps 4-byte bounds; a double promoted from float keeps 4-byte bounds */
  qb_slice four = {(const uint8_t *)"\xfe\xff\xff\xff", 4};
  CHECK_OK(qb_bound_decode(&v, &lt, four, &err), &err);
  CHECK(v.kind == QB_V_INT64 && v.u.i64 == -2);
  qb_slice f1 = {(const uint8_t *)"\x00\x00\x80\x3f", 4};
  CHECK_OK(qb_bound_decode(&v, &dt, f1, &err), &err);
  CHECK(v.kind == QB_V_DOUBLE && v.u.f64 == 1.0);
  qb_slice three = {(const uint8_t *)"abc", 3};
  CHECK_FAIL(qb_bound_decode(&v, &it, three, &err), QB_ECORRUPT, &err, "a int bound cannot be 3 bytes long");
  CHECK_FAIL(qb_bound_decode(&v, &ut, three, &err), QB_ECORRUPT, &err, "a uuid bound cannot be 3 bytes long");
  qb_type st = {.id = QB_T_STRUCT};
  CHECK_FAIL(qb_bound_decode(&v, &st, three, &err), QB_EINVAL, &err, "has no single-value binary form");
}

QB_TEST(string_truncation)
{
  /* {input, lower, upper (NULL: no upper bound)} with width 16 unless noted; Java UnicodeUtil vectors */
  static const struct {
    const char *in;
    int32_t w;
    const char *lower, *upper;
  } cases[] = {
      {"short", 16, "short", "short"},
      {"abcdefghijklmnop", 16, "abcdefghijklmnop", "abcdefghijklmnop"},
      {"abcdefghijklmnopq", 16, "abcdefghijklmnop", "abcdefghijklmnoq"},
      {"iceberg", 3, "ice", "icf"},
      /* multi-byte: width counts code points */
      {"\xc3\xa9\xc3\xa9\xc3\xa9", 2, "\xc3\xa9\xc3\xa9", "\xc3\xa9\xc3\xaa"},
      {"a\xf0\x9f\x98\x80z", 2, "a\xf0\x9f\x98\x80", "a\xf0\x9f\x98\x81"},
      /* U+007F -> U+0080 grows by a byte */
      {"\x7f\x7f" "x", 2, "\x7f\x7f", "\x7f\xc2\x80"},
      /* U+D7FF increments past the surrogates to U+E000 */
      {"\xed\x9f\xbf\xed\x9f\xbf" "x", 2, "\xed\x9f\xbf\xed\x9f\xbf", "\xed\x9f\xbf\xee\x80\x80"},
      /* U+10FFFF cannot be incremented: move left */
      {"a\xf4\x8f\xbf\xbf" "b", 2, "a\xf4\x8f\xbf\xbf", "b"},
      /* nothing can be incremented: no upper bound */
      {"\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf" "b", 2, "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf", NULL},
  };
  qb_type st = {.id = QB_T_STRING};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_slice in = {(const uint8_t *)cases[i].in, strlen(cases[i].in)}, lo, up;
    uint8_t scratch[QB_BOUND_UPPER_SCRATCH(16)];
    bool present;
    CHECK_OK(qb_bound_truncate_lower(&lo, &st, in, cases[i].w, &err), &err);
    EXPECT(lo.n == strlen(cases[i].lower) && !memcmp(lo.p, cases[i].lower, lo.n));
    CHECK_OK(qb_bound_truncate_upper(&up, &present, scratch, sizeof scratch, &st, in, cases[i].w, &err), &err);
    if (!cases[i].upper) {
      EXPECT(!present);
    } else {
      EXPECT(present && up.n == strlen(cases[i].upper) && !memcmp(up.p, cases[i].upper, up.n));
      if (!(present && up.n == strlen(cases[i].upper))) fprintf(stderr, "  case %zu\n", i);
    }
  }
  qb_err err = QB_ERR_INIT;
  qb_slice lo, bad = {(const uint8_t *)"a\xff" "bc", 4};
  CHECK_FAIL(qb_bound_truncate_lower(&lo, &st, bad, 2, &err), QB_EINVAL, &err, "not valid UTF-8 at byte 1");
}

QB_TEST(binary_truncation)
{
  static const struct {
    const char *in;
    size_t n;
    int32_t w;
    const char *lower;
    size_t ln;
    const char *upper; /* NULL: none */
    size_t un;
  } cases[] = {
      {"\x01\x02", 2, 16, "\x01\x02", 2, "\x01\x02", 2},
      {"\x01\x02\x03\x04", 4, 2, "\x01\x02", 2, "\x01\x03", 2},
      {"\x01\xff\x03", 3, 2, "\x01\xff", 2, "\x02", 1},
      {"\xff\xff\x03", 3, 2, "\xff\xff", 2, NULL, 0},
  };
  qb_type bt = {.id = QB_T_BINARY};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_slice in = {(const uint8_t *)cases[i].in, cases[i].n}, lo, up;
    uint8_t scratch[QB_BOUND_UPPER_SCRATCH(16)];
    bool present;
    CHECK_OK(qb_bound_truncate_lower(&lo, &bt, in, cases[i].w, &err), &err);
    EXPECT(lo.n == cases[i].ln && !memcmp(lo.p, cases[i].lower, lo.n));
    CHECK_OK(qb_bound_truncate_upper(&up, &present, scratch, sizeof scratch, &bt, in, cases[i].w, &err), &err);
    EXPECT(present == (cases[i].upper != NULL));
    if (cases[i].upper) EXPECT(up.n == cases[i].un && !memcmp(up.p, cases[i].upper, up.n));
  }
  qb_err err = QB_ERR_INIT;
  qb_slice up, in = {(const uint8_t *)"abc", 3};
  bool present;
  uint8_t small[4];
  CHECK_FAIL(qb_bound_truncate_upper(&up, &present, small, sizeof small, &bt, in, 2, &err), QB_EINVAL, &err,
             "upper bound scratch of 4 bytes is smaller than 12");
}
