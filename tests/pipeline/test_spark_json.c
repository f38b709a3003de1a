/* SPDX-License-Identifier: Apache-2.0 */
/* Java 17 Double.toString and Spark's to_json text of the experiment struct (pipeline-spec §6.3, §6.4).
 * The Double.toString column was produced by JDK 17.0.15 (tests/data/vqe/tools/SparkRef.java, mode dtoa);
 * the to_json texts and hashes E1–E3 are the spec's worked examples. */
#include <math.h>

#include "harness.h"
#include "pipeline/java_double.h"
#include "pipeline/spark_json.h"
#include "pipeline/vqe_ids.h"
#include "support/vqe_support.h"

static double from_bits(uint64_t b)
{
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

static const struct {
  uint64_t bits;
  const char *java;
} dtoa_table[] = {
    {UINT64_C(0x0000000000000000), "0.0"},
    {UINT64_C(0x8000000000000000), "-0.0"},
    {UINT64_C(0x3ff0000000000000), "1.0"},
    {UINT64_C(0xbff0000000000000), "-1.0"},
    {UINT64_C(0x416312d000000000), "1.0E7"}, /* 1e7: the first E-form value above */
    {UINT64_C(0x416312cfe0000000), "9999999.0"},
    {UINT64_C(0x416312cfffffffff), "9999999.999999998"},
    {UINT64_C(0x3f50624dd2f1a9fc), "0.001"}, /* 1e-3: the smallest plain value */
    {UINT64_C(0x3f50624dd2f1a9fb), "9.999999999999998E-4"},
    {UINT64_C(0x3f1a36e2eb1c432d), "1.0E-4"},
    {UINT64_C(0x3f589374bc6a7efa), "0.0015"},
    {UINT64_C(0x7ff8000000000000), "NaN"},
    {UINT64_C(0x7ff0000000000000), "Infinity"},
    {UINT64_C(0xfff0000000000000), "-Infinity"},
    {UINT64_C(0x0000000000000001), "4.9E-324"}, /* smallest subnormal */
    {UINT64_C(0x8000000000000001), "-4.9E-324"},
    {UINT64_C(0x0000000000000003), "1.5E-323"},
    {UINT64_C(0x0000000000003039), "6.099E-320"},
    {UINT64_C(0x000fffffffffffff), "2.225073858507201E-308"}, /* largest subnormal */
    {UINT64_C(0x0010000000000000), "2.2250738585072014E-308"},
    {UINT64_C(0x7fefffffffffffff), "1.7976931348623157E308"},
    {UINT64_C(0x44c52d02c7e14af6), "1.9999999999999998E23"}, /* 2e23: JDK 17 is not shortest */
    {UINT64_C(0x44b52d02c7e14af6), "9.999999999999999E22"},  /* 1e23 */
    {UINT64_C(0x43a16769309944e2), "6.2704333934837376E17"},
    {UINT64_C(0x438f67ea69ed3795), "2.82879384806159008E17"}, /* 18 digits */
    {UINT64_C(0x4059000000000000), "100.0"},
    {UINT64_C(0x3fb999999999999a), "0.1"},
    {UINT64_C(0x3fd5555555555555), "0.3333333333333333"},
    {UINT64_C(0x444b1ae4d6e2ef50), "1.0E21"},
    {UINT64_C(0x4480f0cf064dd592), "1.0E22"},
    {UINT64_C(0x419d6f3454000000), "1.23456789E8"},
    {UINT64_C(0x412e848000000000), "1000000.0"},
    {UINT64_C(0x3fe7ae147ae147ae), "0.74"},
    {UINT64_C(0x4007dc2bbfa74084), "2.982505318919779"},
    {UINT64_C(0xbff0d68547d2fd68), "-1.0523732"},
    {UINT64_C(0x3f871a0564c3cef7), "0.0112801"},
    {UINT64_C(0x3ee4f8b588e368f1), "1.0E-5"},
    {UINT64_C(0x3e7ad7f29abcaf48), "1.0E-7"},
    {UINT64_C(0x437b69b4ba630f35), "1.2345678901234568E17"},
    {UINT64_C(0x4340000000000000), "9.007199254740992E15"},
    {UINT64_C(0x3e9d313e3b79fe9f), "4.35E-7"},
    {UINT64_C(0x3f689374bc6a7efa), "0.003"},
    {UINT64_C(0x41678c29dccccccd), "1.23456789E7"},
    {UINT64_C(0x3fe0000000000000), "0.5"},
    {UINT64_C(0x3ff999999999999a), "1.6"},
    {UINT64_C(0x40787e6a7ef9db22), "391.90099999999995"},
    {UINT64_C(0x4014b9db22d0e560), "5.1815"},
    {UINT64_C(0x43e0000000000000), "9.223372036854776E18"},
    {UINT64_C(0x43f0000000000000), "1.8446744073709552E19"},
    {UINT64_C(0x7e37e43c8800759c), "1.0E300"},
    {UINT64_C(0x01a792bc89ab7215), "1.1E-300"},
};

QB_TEST(double_to_string_matches_jdk17)
{
  for (size_t i = 0; i < sizeof dtoa_table / sizeof dtoa_table[0]; i++) {
    char s[QB_JAVA_DOUBLE_MAX];
    size_t n = qb_java_double_to_string(s, from_bits(dtoa_table[i].bits));
    if (strcmp(s, dtoa_table[i].java))
      fprintf(stderr, "  %016llx: got %s, want %s\n", (unsigned long long)dtoa_table[i].bits, s, dtoa_table[i].java);
    EXPECT(!strcmp(s, dtoa_table[i].java));
    EXPECT(n == strlen(dtoa_table[i].java));
  }
}

QB_TEST(double_to_string_round_trips)
{
  /* Java's text always parses back to the same double (it is sometimes longer than needed, never wrong) */
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double d = from_bits(x);
    if (!isfinite(d)) continue;
    char s[QB_JAVA_DOUBLE_MAX];
    qb_java_double_to_string(s, d);
    double back = strtod(s, NULL);
    if (memcmp(&back, &d, sizeof d)) fprintf(stderr, "  %016llx -> %s\n", (unsigned long long)x, s);
    CHECK(!memcmp(&back, &d, sizeof d));
    CHECK(strlen(s) < QB_JAVA_DOUBLE_MAX);
  }
}

static void jstr(char *out, size_t cap, const char *p, size_t n)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  if (qb_spark_json_string(&b, p, n, &err) || qb_buf_cstr(&b, &err)) {
    snprintf(out, cap, "error: %.100s", err.msg);
  } else {
    snprintf(out, cap, "%s", (const char *)b.p);
  }
  qb_buf_free(&b);
}

QB_TEST(jackson_string_escapes)
{
  char s[256];
  jstr(s, sizeof s, "a\"b\\c\td\x01\xc3\xa9\xce\xb8", 12);
  CHECK_EQ_STR(s, "\"a\\\"b\\\\c\\td\\u0001\xc3\xa9\xce\xb8\"");
  jstr(s, sizeof s, "\b\f\n\r/\x1f\x7f", 7); /* '/' and DEL raw; hex upper case */
  CHECK_EQ_STR(s, "\"\\b\\f\\n\\r/\\u001F\x7f\"");
  jstr(s, sizeof s, "a\0b", 3);
  CHECK_EQ_STR(s, "\"a\\u0000b\"");
  jstr(s, sizeof s, "", 0);
  CHECK_EQ_STR(s, "\"\"");
}

QB_TEST(json_numbers)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  bool first = true;
  CHECK_OK(qb_buf_putc(&b, '{', &err), &err);
  CHECK_OK(qb_spark_json_key(&b, &first, "nan", &err), &err);
  CHECK_OK(qb_spark_json_double(&b, NAN, &err), &err);
  CHECK_OK(qb_spark_json_key(&b, &first, "inf", &err), &err);
  CHECK_OK(qb_spark_json_double(&b, -INFINITY, &err), &err);
  CHECK_OK(qb_spark_json_key(&b, &first, "d", &err), &err);
  CHECK_OK(qb_spark_json_double(&b, 1e-5, &err), &err);
  CHECK_OK(qb_spark_json_key(&b, &first, "l", &err), &err);
  CHECK_OK(qb_spark_json_long(&b, INT64_MIN, &err), &err);
  CHECK_OK(qb_spark_json_key(&b, &first, "b", &err), &err);
  CHECK_OK(qb_spark_json_bool(&b, false, &err), &err);
  CHECK_OK(qb_buf_putc(&b, '}', &err), &err);
  CHECK_OK(qb_buf_cstr(&b, &err), &err);
  CHECK_EQ_STR((const char *)b.p,
               "{\"nan\":\"NaN\",\"inf\":\"-Infinity\",\"d\":1.0E-5,\"l\":-9223372036854775808,\"b\":false}");
  qb_buf_free(&b);
}

static const char e1_text[] =
    "{\"molecule_data\":{\"charge\":0,\"coords\":[[0.0,0.0,0.0],[0.0,0.0,0.74]],\"masses\":[1.008,1.008],"
    "\"multiplicity\":1,\"symbols\":[\"H\",\"H\"],\"units\":\"angstrom\"},\"basis_set\":\"sto3g\",\"initial_data\":"
    "{\"ansatz\":\"OPENQASM 3.0;\\n\",\"ansatz_name\":\"EfficientSU2\",\"ansatz_reps\":1,\"backend\":"
    "\"aer_simulator\",\"default_shots\":1024,\"exact_estimator\":false,\"hamiltonian\":[{\"coefficients\":"
    "{\"imaginary\":0,\"real\":-1.0523732},\"label\":\"II\"},{\"coefficients\":{\"imaginary\":0,\"real\":"
    "0.0112801},\"label\":\"ZZ\"}],\"init_strategy\":\"random\",\"initial_parameters\":[0.1,1.0E-5,2.0,0.0],"
    "\"noise_backend\":\"undef\",\"num_parameters\":4,\"num_qubits\":2,\"optimizer\":\"COBYLA\"}}";

static int text_of(char **out, const qb_vqe_record *r, const qb_vqe_types *t, qb_err *err)
{
  size_t n;
  return qb_vqe_experiment_text(out, &n, r, t, err);
}

QB_TEST(to_json_e1_e2)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  CHECK_OK(vqe_parse_one(&r, &a, "e1.json", vqe_e1_record, &err), &err);
  qb_vqe_types t;
  qb_vqe_types_init(&t);
  qb_vqe_types_add(&t, &r);
  char *text = NULL, eid[65];
  CHECK_OK(text_of(&text, &r, &t, &err), &err);
  EXPECT(!strcmp(text, e1_text));
  if (strcmp(text, e1_text)) fprintf(stderr, "  got  %s\n  want %s\n", text, e1_text);
  free(text);
  CHECK_OK(qb_vqe_experiment_id(eid, &r, &t, &err), &err);
  CHECK_EQ_STR(eid, "17b06fb336a7f3b3db608e83b1edde550e9090d0044e17ea6a5f767ac1f43548");

  /* E2: another file of the batch has a non-integral imaginary part: "imaginary":0.0 everywhere */
  qb_vqe_record other;
  char *other_text = strdup(vqe_e1_record);
  char *im = strstr(other_text, "\"imaginary\":0}");
  CHECK(im != NULL);
  memcpy(im, "\"imaginary\":5}", 14);
  CHECK_OK(vqe_parse_one(&other, &a, "other.json", other_text, &err), &err);
  CHECK(!(other.float_fields & QB_VQE_F_COEFF_IMAG)); /* 5 is an integer token: still bigint */
  free(other_text);
  const char *half = "\"imaginary\":0.5}";
  size_t base = strlen(vqe_e1_record);
  other_text = calloc(1, base + 8);
  const char *at = strstr(vqe_e1_record, "\"imaginary\":0}");
  memcpy(other_text, vqe_e1_record, (size_t)(at - vqe_e1_record));
  strcat(other_text, half);
  strcat(other_text, at + strlen("\"imaginary\":0}"));
  CHECK_OK(vqe_parse_one(&other, &a, "other.json", other_text, &err), &err);
  CHECK(other.float_fields & QB_VQE_F_COEFF_IMAG);
  free(other_text);
  qb_vqe_types_add(&t, &other);
  CHECK_OK(text_of(&text, &r, &t, &err), &err);
  CHECK(strstr(text, "{\"imaginary\":0.0,\"real\":-1.0523732}") != NULL);
  free(text);
  CHECK_OK(qb_vqe_experiment_id(eid, &r, &t, &err), &err);
  CHECK_EQ_STR(eid, "703e9d7449b8480d09d339b7ed16698dc271fca1a66f524a6fbb4ee6590f92c9");
  /* e1's ids depend on the imaginary bit (it has only integer imaginary parts) but not on the coords bit */
  qb_vqe_types alone;
  qb_vqe_types_init(&alone);
  qb_vqe_types_add(&alone, &r);
  CHECK(!qb_vqe_types_equivalent(&alone, &t, &r));
  CHECK(qb_vqe_types_equivalent(&t, &t, &r));
  qb_vqe_types more_coords = alone;
  more_coords.float_fields |= QB_VQE_F_COORDS; /* e1 already has a fractional coordinate */
  CHECK(qb_vqe_types_equivalent(&alone, &more_coords, &r));
  qb_arena_release(&a);
}

static const char e3_record[] =
    "{\"vqe_result\":{\"initial_data\":{\"backend\":\"aer_simulator\",\"num_qubits\":2,\"hamiltonian\":[],"
    "\"num_parameters\":4,\"initial_parameters\":[],\"optimizer\":\"COBYLA\","
    "\"ansatz\":\"a\\\"b\\\\c\\td\\u0001\\u00e9\xce\xb8\",\"noise_backend\":\"undef\",\"default_shots\":null,"
    "\"ansatz_reps\":1,\"init_strategy\":null,\"seed\":7,\"ansatz_name\":null,\"exact_estimator\":true},"
    "\"iteration_list\":[{\"iteration\":1,\"parameters\":[],\"result\":-1,\"std\":0}],\"minimum\":-1,"
    "\"optimal_parameters\":[],\"minimization_time\":0},"
    "\"molecule\":{\"molecule_data\":{\"symbols\":[\"Li\",\"H\"],"
    "\"coords\":[[1e-07,0,-0],[1.23456789e+08,2e+23,1.6]],\"multiplicity\":1,\"charge\":-1,\"units\":\"bohr\","
    "\"masses\":null}},\"basis_set\":\"6-31g\",\"hamiltonian_time\":0,\"mapping_time\":0,\"vqe_time\":0,"
    "\"total_time\":0,\"molecule_id\":3}";

static const char e3_text[] =
    "{\"molecule_data\":{\"charge\":-1,\"coords\":[[1.0E-7,0.0,0.0],[1.23456789E8,1.9999999999999998E23,1.6]],"
    "\"multiplicity\":1,\"symbols\":[\"Li\",\"H\"],\"units\":\"bohr\"},\"basis_set\":\"6-31g\",\"initial_data\":"
    "{\"ansatz\":\"a\\\"b\\\\c\\td\\u0001\xc3\xa9\xce\xb8\",\"ansatz_reps\":1,\"backend\":\"aer_simulator\","
    "\"exact_estimator\":true,\"hamiltonian\":[],\"initial_parameters\":[],\"noise_backend\":\"undef\","
    "\"num_parameters\":4,\"num_qubits\":2,\"optimizer\":\"COBYLA\",\"seed\":7}}";

QB_TEST(to_json_e3_formatting_escapes_nulls)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  CHECK_OK(vqe_parse_one(&r, &a, "e3.json", e3_record, &err), &err);
  qb_vqe_types t;
  qb_vqe_types_init(&t);
  qb_vqe_types_add(&t, &r);
  char *text = NULL, eid[65];
  CHECK_OK(text_of(&text, &r, &t, &err), &err);
  EXPECT(!strcmp(text, e3_text));
  if (strcmp(text, e3_text)) fprintf(stderr, "  got  %s\n  want %s\n", text, e3_text);
  free(text);
  CHECK_OK(qb_vqe_experiment_id(eid, &r, &t, &err), &err);
  CHECK_EQ_STR(eid, "be81f148e74efba084377e422252e9cbc92ed3549e8b8f62f9ecb5bbc675ddb9");
  qb_arena_release(&a);
}

QB_TEST(to_json_integral_batch_prints_longs)
{
  /* the HF sample alone: every initial parameter is the token 0, so the column is bigint (EXPECTED.md) */
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  size_t n;
  char *data = vqe_read_data(vqe_good_samples[3], &n);
  CHECK(data != NULL);
  qb_vqe_record r;
  int rc = vqe_parse_one(&r, &a, "4.json", data, &err);
  if (rc) free(data);
  CHECK_OK(rc, &err);
  qb_vqe_types alone;
  qb_vqe_types_init(&alone);
  qb_vqe_types_add(&alone, &r);
  char *text = NULL, eid[65];
  rc = text_of(&text, &r, &alone, &err);
  if (!rc) rc = qb_vqe_experiment_id(eid, &r, &alone, &err);
  free(data);
  CHECK_OK(rc, &err);
  EXPECT(strstr(text, "\"initial_parameters\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,") != NULL);
  free(text);
  CHECK_EQ_STR(eid, "8463c70b416746e9d449fd0e557cfe91494e170efd3fb8e74d2dcb467f6a5bd3");
  qb_arena_release(&a);
}

QB_TEST(to_json_avro_source_order)
{
  /* .avro input: Spark keeps the Avro schema's field order and the writer's double type */
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  CHECK_OK(vqe_parse_one(&r, &a, "e1.json", vqe_e1_record, &err), &err);
  r.source = QB_VQE_SRC_AVRO;
  r.float_fields = QB_VQE_F_ALL;
  qb_vqe_types t;
  qb_vqe_types_init(&t);
  qb_vqe_types_add(&t, &r);
  char *text = NULL;
  CHECK_OK(text_of(&text, &r, &t, &err), &err);
  CHECK_EQ_STR(text,
               "{\"molecule_data\":{\"symbols\":[\"H\",\"H\"],\"coords\":[[0.0,0.0,0.0],[0.0,0.0,0.74]],"
               "\"multiplicity\":1,\"charge\":0,\"units\":\"angstrom\",\"masses\":[1.008,1.008]},\"basis_set\":"
               "\"sto3g\",\"initial_data\":{\"backend\":\"aer_simulator\",\"num_qubits\":2,\"hamiltonian\":["
               "{\"label\":\"II\",\"coefficients\":{\"real\":-1.0523732,\"imaginary\":0.0}},{\"label\":\"ZZ\","
               "\"coefficients\":{\"real\":0.0112801,\"imaginary\":0.0}}],\"num_parameters\":4,"
               "\"initial_parameters\":[0.1,1.0E-5,2.0,0.0],\"optimizer\":\"COBYLA\",\"ansatz\":\"OPENQASM 3.0;\\n\","
               "\"noise_backend\":\"undef\",\"default_shots\":1024,\"ansatz_reps\":1,\"init_strategy\":\"random\","
               "\"ansatz_name\":\"EfficientSU2\",\"exact_estimator\":false}}");
  free(text);
  qb_arena_release(&a);
}

QB_TEST(number_strings_follow_the_batch_type)
{
  char s[32];
  CHECK_EQ_INT(qb_vqe_number_string(s, 0.0, false), 3);
  CHECK_EQ_STR(s, "0.0");
  qb_vqe_number_string(s, 0.0, true);
  CHECK_EQ_STR(s, "0");
  qb_vqe_number_string(s, -3.0, true);
  CHECK_EQ_STR(s, "-3");
  qb_vqe_number_string(s, 2.982505318919779, false);
  CHECK_EQ_STR(s, "2.982505318919779");
}

QB_TEST(long_text)
{
  char s[20];
  static const struct {
    int64_t v;
    const char *want;
  } cases[] = {{0, "0"},        {7, "7"},  {-1, "-1"}, {10, "10"}, {-1024, "-1024"},
               {INT64_MAX, "9223372036854775807"}, {INT64_MIN, "-9223372036854775808"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n = qb_spark_long_text(s, cases[i].v);
    EXPECT(n == strlen(cases[i].want) && !memcmp(s, cases[i].want, n));
  }
}

/* experiment_id streams its text into SHA-256 through a 4 KB stage: it must equal sha2 of the whole text,
 * also for texts many stages long and for one string longer than a stage (escapes straddling flushes). */
static void id_is_sha_of_text(const qb_vqe_record *r, const qb_vqe_types *t, size_t min_len)
{
  qb_err err = QB_ERR_INIT;
  char *text = NULL, eid[65], want[65];
  size_t n = 0;
  CHECK_OK(qb_vqe_experiment_text(&text, &n, r, t, &err), &err);
  /* the ansatz as qb_spark_json_string writes it (through a qb_buf, not the staged writer) */
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  int rc = qb_buf_puts(&b, "\"ansatz\":", &err);
  if (!rc) rc = qb_spark_json_string(&b, r->ansatz.p, r->ansatz.n, &err);
  if (!rc) rc = qb_buf_cstr(&b, &err);
  bool has = !rc && strstr(text, (const char *)b.p) != NULL;
  qb_buf_free(&b);
  if (!rc) rc = qb_spark_sha2_256(want, text, n, &err);
  free(text);
  CHECK_OK(rc, &err);
  CHECK(has);
  CHECK_OK(qb_vqe_experiment_id(eid, r, t, &err), &err);
  CHECK_EQ_STR(eid, want);
  CHECK(n >= min_len);
}

QB_TEST(experiment_id_streams_its_text)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_types batch;
  qb_vqe_types_init(&batch);
  qb_vqe_record recs[8];
  char *data[8] = {0};
  for (int i = 0; i < 8; i++) {
    size_t n;
    data[i] = vqe_read_data(vqe_good_samples[i], &n);
    CHECK(data[i] != NULL);
    CHECK_OK(vqe_parse_one(&recs[i], &a, vqe_good_samples[i], data[i], &err), &err);
    qb_vqe_types_add(&batch, &recs[i]);
  }
  for (int i = 0; i < 8; i++) id_is_sha_of_text(&recs[i], &batch, 100);
  /* a 20,000-byte ansatz: a 9,000-byte run without escapes (longer than a stage), then escapes (\n, \",
   * \u0001) every few bytes, so some straddle a flush */
  size_t big_n = 20000;
  char *big = qb_arena_alloc(&a, big_n);
  CHECK(big != NULL);
  for (size_t i = 0; i < big_n; i++) big[i] = i < 9000 ? 'q' : "ry(x) q[0];\n\"\x01"[i % 14];
  qb_vqe_record r = recs[0];
  r.ansatz.p = big;
  r.ansatz.n = big_n;
  id_is_sha_of_text(&r, &batch, big_n + 2000);
  for (int i = 0; i < 8; i++) free(data[i]);
  qb_arena_release(&a);
}

/* Hamiltonian labels in the experiment_id text: a short one with escapes (the term composed in one piece)
 * and one longer than the writer's stage (piece by piece), each as qb_spark_json_string writes it after
 * "label": (JSON order) or before "coefficients" (Avro order), and the id the SHA-256 of that text. */
QB_TEST(experiment_id_term_labels)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  size_t n;
  char *data = vqe_read_data(vqe_good_samples[0], &n);
  CHECK(data != NULL);
  qb_vqe_record r;
  CHECK_OK(vqe_parse_one(&r, &a, vqe_good_samples[0], data, &err), &err);
  CHECK(r.n_hamiltonian >= 2);
  size_t long_n = 9000;
  char *long_label = qb_arena_alloc(&a, long_n);
  CHECK(long_label != NULL);
  for (size_t i = 0; i < long_n; i++) long_label[i] = "XYZI\"\\\n"[i % 7];
  qb_vqe_term terms[2] = {r.hamiltonian[0], r.hamiltonian[1]};
  terms[0].label.p = "X\"Y\\Z\x01I";
  terms[0].label.n = 7;
  terms[1].label.p = long_label;
  terms[1].label.n = long_n;
  r.hamiltonian = terms;
  r.n_hamiltonian = 2;
  for (int avro = 0; avro < 2; avro++) {
    qb_vqe_types t;
    qb_vqe_types_init(&t);
    qb_vqe_types_add(&t, &r);
    if (avro) t.flags |= QB_VQE_TYPES_AVRO;
    for (int k = 0; k < 2; k++) {
      char *text = NULL;
      size_t text_n = 0;
      CHECK_OK(qb_vqe_experiment_text(&text, &text_n, &r, &t, &err), &err);
      qb_buf b;
      qb_buf_init(&b, QB_BUF_NOLIMIT);
      CHECK_OK(qb_buf_puts(&b, avro ? "{\"label\":" : "\"label\":", &err), &err);
      CHECK_OK(qb_spark_json_string(&b, terms[k].label.p, terms[k].label.n, &err), &err);
      CHECK_OK(qb_buf_puts(&b, avro ? ",\"coefficients\":{\"real\":" : "}", &err), &err);
      CHECK_OK(qb_buf_cstr(&b, &err), &err);
      CHECK(strstr(text, (const char *)b.p) != NULL);
      qb_buf_free(&b);
      char eid[65], want[65];
      CHECK_OK(qb_spark_sha2_256(want, text, text_n, &err), &err);
      CHECK_OK(qb_vqe_experiment_id(eid, &r, &t, &err), &err);
      CHECK_EQ_STR(eid, want);
      free(text);
    }
  }
  free(data);
  qb_arena_release(&a);
}

/* Good sample 0 with its Hamiltonian's terms replaced by `terms` (the JSON text between the brackets), into
 * `out` (initialised here, NUL-terminated; the caller frees it). */
static int sample0_with_terms(qb_buf *out, const qb_buf *terms, qb_err *err)
{
  size_t n;
  char *base = vqe_read_data(vqe_good_samples[0], &n);
  const char *h = base ? strstr(base, "\"hamiltonian\":[") : NULL, *h_end = h ? strchr(h, ']') : NULL;
  qb_buf_init(out, QB_BUF_NOLIMIT);
  int rc = h_end ? QB_OK : QB_FAIL(err, QB_EINVAL, "good sample 0: no Hamiltonian array");
  if (!rc) rc = qb_buf_append(out, base, (size_t)(h - base) + 15, err);
  if (!rc) rc = qb_buf_append(out, terms->p, terms->n, err);
  if (!rc) rc = qb_buf_puts(out, h_end, err);
  if (!rc) rc = qb_buf_cstr(out, err);
  free(base);
  return rc;
}

/* The Hamiltonian coefficients' kept source texts (real_text_n, qb_java_double_text_is): the experiment-id
 * text of every good sample, and of a generated record, is the same with the texts kept and with every
 * real printed by Double.toString, and the generated record keeps most of them (the path is taken). */
QB_TEST(experiment_text_same_with_kept_coefficient_texts)
{
  qb_err err = QB_ERR_INIT;
  size_t kept = 0, terms = 0;
  for (size_t i = 0; i < sizeof vqe_good_samples / sizeof vqe_good_samples[0] + 1; i++) {
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    char *data = NULL;
    if (i < sizeof vqe_good_samples / sizeof vqe_good_samples[0]) {
      size_t n;
      data = vqe_read_data(vqe_good_samples[i], &n);
      CHECK(data != NULL);
      CHECK_OK(vqe_parse_one(&r, &a, vqe_good_samples[i], data, &err), &err);
    } else { /* the writers' layout with generator-like coefficients, negative and positive */
      static const double re[] = {-3.380864145282007, 0.08570723518187925, 0.0328133040837576,
                                  -0.018390618365841934, 0.10603686080787385, 1.5, 0.25, 12.125,
                                  0.001953125, 7.0, 0.30000000000000004, -0.1};
      qb_buf b, tb;
      qb_buf_init(&tb, QB_BUF_NOLIMIT);
      for (size_t k = 0; k < sizeof re / sizeof re[0]; k++) {
        char num[32], t[128];
        for (int p = 1; p <= 17; p++) { /* the shortest round trip, as the writers print */
          snprintf(num, sizeof num, "%.*g", p, re[k]);
          if (strtod(num, NULL) == re[k]) break;
        }
        snprintf(t, sizeof t, "%s{\"label\":\"XZ%zu\",\"coefficients\":{\"real\":%s,\"imaginary\":0}}",
                 k ? "," : "", k, num);
        CHECK_OK(qb_buf_puts(&tb, t, &err), &err);
      }
      CHECK_OK(sample0_with_terms(&b, &tb, &err), &err);
      qb_buf_free(&tb);
      data = (char *)b.p; /* owned: freed below */
      CHECK_OK(vqe_parse_one(&r, &a, "generated", data, &err), &err);
    }
    qb_vqe_types t;
    qb_vqe_types_init(&t);
    qb_vqe_types_add(&t, &r);
    char *with = NULL, *without = NULL;
    size_t with_n = 0, without_n = 0;
    CHECK_OK(qb_vqe_experiment_text(&with, &with_n, &r, &t, &err), &err);
    qb_vqe_term *v = (qb_vqe_term *)r.hamiltonian;
    for (size_t k = 0; k < r.n_hamiltonian; k++) {
      terms += i == sizeof vqe_good_samples / sizeof vqe_good_samples[0];
      if (i == sizeof vqe_good_samples / sizeof vqe_good_samples[0]) kept += v[k].real_text_n > 0;
      v[k].real_text_n = 0;
    }
    CHECK_OK(qb_vqe_experiment_text(&without, &without_n, &r, &t, &err), &err);
    CHECK(with_n == without_n && memcmp(with, without, with_n) == 0);
    free(with);
    free(without);
    free(data);
    qb_arena_release(&a);
  }
  /* kept: the five generator-like values, 1.5 and 0.30000000000000004 (two or more digits, 2^-8 <= |x| <
   * 16, not a power of two); printed: 0.25 and 0.001953125 (powers of two), 12.125 (Java's estimate 1:
   * dtoa), 7 (an integer token), -0.1 (one digit) */
  CHECK(terms == 12);
  CHECK_EQ_INT(kept, 7);
}

/* Hamiltonian labels copied without a per-byte test (qb_vqe_term.label_plain): set exactly for the labels the
 * term template read (no escape, nothing Jackson escapes), and the experiment-id text is the same with them
 * copied as with every label escaped; labels of every length 1..20 (the word copies at 4, 8 and 16 bytes,
 * the escaping path above 16), with DEL and punctuation, and escaped ones read by the member reader. */
QB_TEST(experiment_text_same_with_plain_labels)
{
  static const char *labels[] = {"X", "XY", "XYZ", "XYZI", "XYZIX", "XYZIXY", "IIIIIII", "ZZZZZZZZ", "XYZIXYZIX",
                                 "XYZIXYZIXY", "XYZIXYZIXYZ", "XYZIXYZIXYZI", "X\x7fZ ~!#$%&'()", "XYZIXYZIXYZIXY",
                                 "XYZIXYZIXYZIXYZ", "XYZIXYZIXYZIXYZI", "XYZIXYZIXYZIXYZIX", "XYZIXYZIXYZIXYZIXYZI",
                                 "A\\\"B", "new\\nline", "\\u0041BC"};
  enum { N_LABELS = sizeof labels / sizeof labels[0], N_ESCAPED = 3 };
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_buf b, tb;
  qb_buf_init(&tb, QB_BUF_NOLIMIT);
  for (size_t k = 0; k < N_LABELS; k++) {
    char t[128];
    snprintf(t, sizeof t, "%s{\"label\":\"%s\",\"coefficients\":{\"real\":0.%zu25,\"imaginary\":0}}", k ? "," : "",
             labels[k], k + 1);
    CHECK_OK(qb_buf_puts(&tb, t, &err), &err);
  }
  CHECK_OK(sample0_with_terms(&b, &tb, &err), &err);
  qb_buf_free(&tb);
  qb_vqe_record r;
  CHECK_OK(vqe_parse_one(&r, &a, "labels", (const char *)b.p, &err), &err);
  CHECK(r.n_hamiltonian == N_LABELS);
  qb_vqe_term *v = (qb_vqe_term *)r.hamiltonian;
  for (size_t k = 0; k < N_LABELS; k++) {
    bool plain = k < N_LABELS - N_ESCAPED;
    EXPECT(plain == (v[k].label_plain != NULL));
    if (plain) EXPECT(v[k].label_plain == v[k].label.p && v[k].label.n == strlen(labels[k]));
  }
  for (int avro = 0; avro < 2; avro++) {
    qb_vqe_types t;
    qb_vqe_types_init(&t);
    qb_vqe_types_add(&t, &r);
    if (avro) t.flags |= QB_VQE_TYPES_AVRO;
    char *with = NULL, *without = NULL;
    size_t with_n = 0, without_n = 0;
    const char *kept[N_LABELS];
    CHECK_OK(qb_vqe_experiment_text(&with, &with_n, &r, &t, &err), &err);
    for (size_t k = 0; k < N_LABELS; k++) kept[k] = v[k].label_plain, v[k].label_plain = NULL;
    CHECK_OK(qb_vqe_experiment_text(&without, &without_n, &r, &t, &err), &err);
    for (size_t k = 0; k < N_LABELS; k++) v[k].label_plain = kept[k];
    EXPECT(with_n == without_n && memcmp(with, without, with_n) == 0);
    EXPECT(strstr(with, "\"label\":\"X\x7fZ ~!#$%&'()\"") != NULL);
    free(with);
    free(without);
  }
  qb_buf_free(&b);
  qb_arena_release(&a);
}

/* The ansatz's kept source text (qb_vqe_record.ansatz_json): kept exactly when its escapes are all Jackson's
 * two-byte ones, equal to the bytes between its quotes, and the experiment-id text is the same with it kept
 * as with the decoded ansatz escaped again; every good sample, and sample 0 with other ansatz texts. */
QB_TEST(experiment_text_same_with_kept_ansatz_text)
{
  static const struct {
    const char *raw; /* the JSON text between the ansatz's quotes */
    bool kept;
  } cases[] = {
      {"", true},
      {"OPENQASM 3.0;", true},
      {"OPENQASM 3.0;\\ninclude \\\"stdgates.inc\\\";\\ninput float[64] _\xce\xb8_0_;\\n", true},
      {"a\\tb\\bc\\fd\\re\\\\f\\\"", true},
      {"\\n\\n\\n", true},
      {"x\x7f\xc3\xa9/y", true},       /* DEL, non-ASCII and a bare '/' are copied by Jackson too */
      {"a\\/b", false},                /* Jackson writes '/' bare */
      {"a\\u0001b", false},            /* \u escapes are not matched, even Jackson's own */
      {"a\\u00e9b", false},            /* a non-ASCII character escaped */
      {"line\\nq\\u0041", false},      /* one \u among kept escapes */
  };
  qb_err err = QB_ERR_INIT;
  size_t n_good = sizeof vqe_good_samples / sizeof vqe_good_samples[0];
  size_t n_cases = sizeof cases / sizeof cases[0];
  size_t kept = 0;
  for (size_t i = 0; i < n_good + n_cases; i++) {
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    size_t n;
    char *data = vqe_read_data(vqe_good_samples[i < n_good ? i : 0], &n);
    CHECK(data != NULL);
    const char *raw = NULL;
    if (i >= n_good) { /* sample 0 with its ansatz string replaced by cases[i - n_good].raw */
      raw = cases[i - n_good].raw;
      char *at = strstr(data, "\"ansatz\":\"");
      CHECK(at != NULL);
      char *from = at + 10, *to = from;
      while (*to != '"') to += *to == '\\' ? 2 : 1;
      qb_buf b;
      qb_buf_init(&b, QB_BUF_NOLIMIT);
      CHECK_OK(qb_buf_append(&b, data, (size_t)(from - data), &err), &err);
      CHECK_OK(qb_buf_puts(&b, raw, &err), &err);
      CHECK_OK(qb_buf_puts(&b, to, &err), &err);
      CHECK_OK(qb_buf_cstr(&b, &err), &err);
      free(data);
      data = (char *)b.p; /* owned: freed below */
    }
    CHECK_OK(vqe_parse_one(&r, &a, "ansatz", data, &err), &err);
    if (raw) {
      EXPECT(cases[i - n_good].kept == (r.ansatz_json.p != NULL));
      if (r.ansatz_json.p) EXPECT(r.ansatz_json.n == strlen(raw) && !memcmp(r.ansatz_json.p, raw, r.ansatz_json.n));
    }
    if (r.ansatz_json.p) {
      kept++;
      EXPECT(r.ansatz_json_of.p == r.ansatz.p && r.ansatz_json_of.n == r.ansatz.n);
    }
    qb_vqe_types t;
    qb_vqe_types_init(&t);
    qb_vqe_types_add(&t, &r);
    char *with = NULL, *without = NULL;
    size_t with_n = 0, without_n = 0;
    CHECK_OK(qb_vqe_experiment_text(&with, &with_n, &r, &t, &err), &err);
    r.ansatz_json.p = NULL; /* the decoded ansatz escaped again */
    r.ansatz_json.n = 0;
    CHECK_OK(qb_vqe_experiment_text(&without, &without_n, &r, &t, &err), &err);
    EXPECT(with_n == without_n && memcmp(with, without, with_n) == 0);
    free(with);
    free(without);
    free(data);
    qb_arena_release(&a);
  }
  EXPECT(kept >= n_good + 6); /* every good sample's ansatz (Jackson-escaped OpenQASM) and six cases */
}

/* qb_spark_json_plain_run (16, then 8 bytes at a time) against the byte loop it replaces, and the escaped string
 * against escaping byte by byte, on random bytes where escapes sit at every offset of a word. */
QB_TEST(plain_runs_match_the_byte_loop)
{
  static const unsigned char pool[] = {'a', 'Z', ' ', '~', '"', '\\', 0x00, 0x01, 0x08, 0x09, 0x0a, 0x1f,
                                       0x7f, 0x80, 0xc3, 0xe9, 0xff, '0', '/', 0x21};
  uint64_t x = 88172645463325252ULL;
  int bad = 0;
  qb_err err = QB_ERR_INIT;
  for (int iter = 0; iter < 20000; iter++) {
    char s[64];
    size_t n = (size_t)(iter % 41);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      /* mostly plain bytes, so that long runs occur */
      s[i] = x % 4 ? (char)('a' + x % 26) : (char)pool[(x >> 8) % sizeof pool];
    }
    for (size_t from = 0; from <= n; from++) {
      size_t want = from;
      char esc[6];
      while (want < n && !qb_spark_json_escape(esc, (unsigned char)s[want])) want++;
      if (qb_spark_json_plain_run(s + from, n - from) != want - from) bad++;
    }
    qb_buf got, ref;
    qb_buf_init(&got, QB_BUF_NOLIMIT);
    qb_buf_init(&ref, QB_BUF_NOLIMIT);
    CHECK_OK(qb_spark_json_string(&got, s, n, &err), &err);
    CHECK_OK(qb_buf_putc(&ref, '"', &err), &err);
    for (size_t i = 0; i < n; i++) {
      char esc[6];
      size_t len = qb_spark_json_escape(esc, (unsigned char)s[i]);
      CHECK_OK(len ? qb_buf_append(&ref, esc, len, &err) : qb_buf_putc(&ref, s[i], &err), &err);
    }
    CHECK_OK(qb_buf_putc(&ref, '"', &err), &err);
    if (got.n != ref.n || memcmp(got.p, ref.p, got.n)) bad++;
    qb_buf_free(&got);
    qb_buf_free(&ref);
  }
  EXPECT(bad == 0);
}

/* qb_spark_json_escaped_into (16 or 8 bytes at a time, a tail tested as the string's last vector) against
 * escaping byte by byte: every length 0..80 (a vector, two, a tail of every size), escapes at every offset
 * (none, one, several: the output then lags the input), the input and the room allocated to their exact
 * sizes so that ASan sees any read past the string or write past QB_SPARK_JSON_ESCAPED_ROOM. */
QB_TEST(escaped_into_matches_the_byte_loop)
{
  static const unsigned char pool[] = {'"', '\\', 0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f,
                                       0x20, 0x7f, 0x80, 0xc3, 0xe9, 0xff, '/', 0x21, 'I', 'Z'};
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  int bad = 0;
  for (int iter = 0; iter < 40000; iter++) {
    size_t n = (size_t)(iter % 81);
    char *s = malloc(n ? n : 1), *o = malloc(QB_SPARK_JSON_ESCAPED_ROOM(n));
    if (!s || !o) {
      free(s), free(o);
      EXPECT(0);
      return;
    }
    int mode = (iter / 81) % 4; /* 0: plain, 1: one escape, 2: a few, 3: many */
    size_t one = n ? (size_t)(x % n) : 0;
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      bool esc = mode == 1 ? i == one : mode == 2 ? x % 16 == 0 : mode == 3 ? x % 2 == 0 : false;
      s[i] = esc ? (char)pool[(x >> 8) % sizeof pool] : (char)(0x20 + (x >> 16) % 95); /* printable ASCII */
      if (!esc && (s[i] == '"' || s[i] == '\\')) s[i] = 'q';
    }
    char ref[6 * 81];
    size_t ref_n = 0;
    for (size_t i = 0; i < n; i++) {
      size_t len = qb_spark_json_escape(ref + ref_n, (unsigned char)s[i]);
      if (!len) ref[ref_n] = s[i], len = 1;
      ref_n += len;
    }
    size_t got = qb_spark_json_escaped_into(o, s, n);
    if (got != ref_n || memcmp(o, ref, ref_n)) bad++;
    free(s);
    free(o);
  }
  EXPECT(bad == 0);
}
