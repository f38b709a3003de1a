/* SPDX-License-Identifier: Apache-2.0 */
/* Spark's hash() (Murmur3 x86_32, seed 42, byte-wise tail), Java's % and pmod, sha2-256.
 * Vectors: pipeline-spec §6.1 and tests/data/vqe/EXPECTED.md (reference emulator); ints, longs and doubles
 * from tests/data/vqe/tools/SparkRef.java run on JDK 17 (its hashLong is Spark's Murmur3_x86_32.hashLong). */
#include <math.h>

#include "harness.h"
#include "pipeline/spark_hash.h"

static const struct {
  const char *in;
  int32_t hash, mod;
} strings[] = {
    {"", 142593372, 593372},
    {"a", 1485273170, 273170},
    {"ab", -97053317, -53317},
    {"abc", 1322437556, 437556},
    {"abcd", -396302900, -302900},
    {"abcde", 814637928, 637928},
    {"Spark", 228093765, 93765},
    {"\xce\xb8", -1056224356, -224356}, /* θ: two bytes, both sign-extended in the tail */
    {"_\xce\xb8_0_", 323160158, 160158},
    {"\xc3\xa9t\xc3\xa9", -149728428, -728428}, /* été */
    {"hello world", -1528836094, -836094},
    {"IIII", -2052638433, -638433},
    {"0.0", -1919295949, -295949},
    {"1.0E-5", -1756338566, -338566},
    {"-0.0", -1306038144, -38144},
    {"NaN", 1487369137, 369137},
    {"682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f1", -814689772, -689772},
    {"682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330fIIII", -1710837469, -837469},
    {"682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f2.982505318919779", -1476428461, -428461},
    /* EXPECTED.md sample A: iteration steps 2, 3 and terms IIIZ, IIZI */
    {"682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f2", 1630368441, 368441},
    {"682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f3", 88184957, 184957},
    {"682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330fIIIZ", -1918376, -918376},
    {"682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330fIIZI", 1106294282, 294282},
};

QB_TEST(strings_match_spark)
{
  for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
    int32_t h = qb_spark_hash_bytes(strings[i].in, strlen(strings[i].in), QB_SPARK_HASH_SEED);
    if (h != strings[i].hash) fprintf(stderr, "  hash(\"%s\") = %d, want %d\n", strings[i].in, h, strings[i].hash);
    EXPECT(h == strings[i].hash);
    EXPECT(qb_java_rem(h, 1000000) == strings[i].mod);
  }
}

QB_TEST(spark_tail_differs_from_standard_murmur3)
{
  /* standard murmur3_32("a", 42) packs the tail without mixH1; Spark's value is different */
  CHECK(qb_spark_hash_bytes("a", 1, 42) == 1485273170);
  /* a high tail byte is sign-extended: 0xff hashes as -1, not 255 */
  CHECK(qb_spark_hash_bytes("\xff", 1, 42) != qb_spark_hash_bytes("\x7f", 1, 42));
}

QB_TEST(ints_longs_doubles)
{
  static const struct {
    int32_t v, h;
  } ints[] = {{0, 933211791}, {1, -559580957}, {-1, -1604776387}, {123, 85273170},
              {INT32_MAX, 133916647}, {INT32_MIN, 723455942}};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) EXPECT(qb_spark_hash_int(ints[i].v, 42) == ints[i].h);
  static const struct {
    int64_t v;
    int32_t h;
  } longs[] = {{0, -1670924195},
               {1, -1712319331},
               {-1, -939490007},
               {INT64_MAX, -1604625029},
               {INT64_MIN, -853646085},
               {INT64_C(1764161042873512960), 1042554411}};
  for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
    EXPECT(qb_spark_hash_long(longs[i].v, 42) == longs[i].h);
  static const struct {
    double v;
    int32_t h;
  } doubles[] = {{0.0, -1670924195},   {-0.0, -1670924195},  {1.0, -460888942},
                 {-1.0, 332927831},    {1.5, 1290763749},    {-2.982505318919779, -1476736974}};
  for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++)
    EXPECT(qb_spark_hash_double(doubles[i].v, 42) == doubles[i].h);
  /* every NaN is the canonical one (doubleToLongBits) */
  uint64_t other_nan_bits = UINT64_C(0x7ff8000000000123);
  double other_nan;
  memcpy(&other_nan, &other_nan_bits, sizeof other_nan);
  CHECK(qb_spark_hash_double(other_nan, 42) == -1281358385);
  CHECK(qb_spark_hash_double(-other_nan, 42) == -1281358385);
  CHECK(qb_spark_hash_double(NAN, 42) == -1281358385);
  CHECK(qb_spark_hash_bool(true, 42) == qb_spark_hash_int(1, 42));
}

QB_TEST(documented_multi_column_example)
{
  /* Spark docs: SELECT hash('Spark', array(123), 2) = -1321691492; array elements fold like columns */
  qb_spark_row_hash r;
  qb_spark_row_hash_init(&r);
  qb_spark_row_hash_str(&r, "Spark", 5);
  qb_spark_row_hash_int(&r, 123);
  qb_spark_row_hash_int(&r, 2);
  CHECK_EQ_INT(r.h, -1321691492);
  /* nulls are skipped: hash(NULL) = 42, hash('Spark', NULL) = hash('Spark') */
  qb_spark_row_hash_init(&r);
  qb_spark_row_hash_str(&r, NULL, 0);
  CHECK_EQ_INT(r.h, 42);
  qb_spark_row_hash_str(&r, "Spark", 5);
  qb_spark_row_hash_str(&r, NULL, 0);
  CHECK_EQ_INT(r.h, 228093765);
  qb_spark_row_hash_init(&r);
  qb_spark_row_hash_long(&r, 0);
  qb_spark_row_hash_double(&r, -0.0);
  CHECK_EQ_INT(r.h, qb_spark_hash_long(0, qb_spark_hash_long(0, 42)));
}

QB_TEST(incremental_equals_one_shot)
{
  const char *s = "682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f_\xce\xb8_0.19906483963903207";
  size_t n = strlen(s);
  int32_t want = qb_spark_hash_bytes(s, n, 42);
  for (size_t a = 0; a <= n; a++)
    for (size_t b = a; b <= n; b += 3) {
      qb_spark_murmur m;
      qb_spark_murmur_init(&m, 42);
      qb_spark_murmur_update(&m, s, a);
      qb_spark_murmur_update(&m, s + a, b - a);
      qb_spark_murmur_update(&m, s + b, n - b);
      if (qb_spark_murmur_final(&m) != want) fprintf(stderr, "  split %zu/%zu\n", a, b);
      EXPECT(qb_spark_murmur_final(&m) == want);
    }
}

QB_TEST(java_remainder_and_pmod)
{
  CHECK_EQ_INT(qb_java_rem(-1476428461, 1000000), -428461);
  CHECK_EQ_INT(qb_java_rem(1476428461, 1000000), 428461);
  CHECK_EQ_INT(qb_java_rem(INT32_MIN, 1000000), -483648);
  CHECK_EQ_INT(qb_java_rem(INT32_MIN, -1), 0); /* Java: 0; C: undefined */
  CHECK_EQ_INT(qb_spark_pmod(-1476428461, 1000000), 571539);
  CHECK_EQ_INT(qb_spark_pmod(7, 3), 1);
  CHECK_EQ_INT(qb_spark_pmod(-7, 3), 2);
}

QB_TEST(sha2_256)
{
  qb_err err = QB_ERR_INIT;
  char hex[65];
  CHECK_OK(qb_spark_sha2_256(hex, "", 0, &err), &err);
  CHECK_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  /* the corrupt-record experiment_id of the spec (E4): sha2('{}') */
  CHECK_OK(qb_spark_sha2_256(hex, "{}", 2, &err), &err);
  CHECK_EQ_STR(hex, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}
