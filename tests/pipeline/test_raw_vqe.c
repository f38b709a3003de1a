/* SPDX-License-Identifier: Apache-2.0 */
/* The raw VQEDecoratedResult parser: the spec's 8 good samples parse (values checked against the files),
 * each bad sample is rejected with its precise reason, and one table row per malformed variant. */
#include <math.h>

#include "harness.h"
#include "support/vqe_support.h"

/* e1 with the first occurrence of `from` replaced by `to` (malloc'd), NULL if `from` is absent. */
static char *subst(const char *from, const char *to)
{
  const char *at = strstr(vqe_e1_record, from);
  if (!at) return NULL;
  size_t pre = (size_t)(at - vqe_e1_record), fl = strlen(from), tl = strlen(to);
  char *s = malloc(strlen(vqe_e1_record) - fl + tl + 1);
  memcpy(s, vqe_e1_record, pre);
  memcpy(s + pre, to, tl);
  strcpy(s + pre + tl, at + fl);
  return s;
}

static const struct {
  const char *from, *to;
  const char *error; /* NULL: accepted */
} variants[] = {
    {"\"num_qubits\":2", "\"num_qubits\":\"2\"", "line 1: vqe_result.initial_data.num_qubits: expected integer, got string"},
    {"\"num_qubits\":2", "\"num_qubits\":2.0", "num_qubits: expected integer, got number 2.0"},
    {"\"num_qubits\":2", "\"num_qubits\":2147483648", "num_qubits: integer 2147483648 is out of range for an Avro int"},
    {"\"num_qubits\":2", "\"num_qubits\":-2147483648", NULL},
    {"\"minimum\":-1.2", "\"minimum\":NaN", "vqe_result.minimum: non-finite number NaN is not accepted"},
    {"\"minimum\":-1.2", "\"minimum\":-Infinity", "vqe_result.minimum: non-finite number -Infinity is not accepted"},
    {"\"minimum\":-1.2", "\"minimum\":+INF", "non-finite number +INF"},
    {"\"minimum\":-1.2", "\"minimum\":null", "vqe_result.minimum: expected number, got null"},
    {"\"minimum\":-1.2", "\"minimum\":true", "vqe_result.minimum: expected number, got boolean"},
    {"\"minimum\":-1.2", "\"minimum\":\"-1.2\"", "vqe_result.minimum: expected number, got string"},
    {"\"vqe_time\":1,", "\"vqe_time\":1e400,", "vqe_time: number 1e400 is out of the range of a double"},
    {"\"vqe_time\":1,", "\"vqe_time\":9007199254740993,", "vqe_time: integer 9007199254740993 has no exact double"},
    {"\"vqe_time\":1,", "\"vqe_time\":99999999999999999999,", "has no exact double value"},
    {"\"vqe_time\":1,", "\"vqe_time\":1e-400,", NULL}, /* underflows to 0.0, as Java parses it */
    {"\"vqe_time\":1,", "\"vqe_time\":01,", "vqe_time: invalid number: leading zero"},
    {"\"vqe_time\":1,", "\"vqe_time\":1.,", "vqe_time: invalid number: no digit after '.'"},
    {"\"vqe_time\":1,", "\"vqe_time\":1e,", "invalid number: no digit in the exponent"},
    {"\"vqe_time\":1,", "\"vqe_time\":1x,", "vqe_time: invalid number"},
    {"\"vqe_time\":1,", "\"vqe_time\":+1,", "vqe_time: invalid JSON: expected a value"},
    {"\"seed\":null", "\"seed\":{\"int\":7}", NULL},
    {"\"seed\":null", "\"seed\":{\"long\":7}", "seed: union branch \"long\" is not in the schema (expected \"int\" or null)"},
    {"\"seed\":null", "\"seed\":7.5", "seed: expected integer, got number 7.5"},
    {"\"maxcv\":null", "\"maxcv\":{\"double\":1.5}", NULL},
    {"\"masses\":[1.008,1.008]", "\"masses\":{\"array\":[1.008,1.008]}", NULL},
    {"\"masses\":[1.008,1.008]", "\"masses\":[1.008,null]", "molecule.molecule_data.masses[1]: expected number, got null"},
    {"\"backend\":\"aer_simulator\",", "\"backend\":\"aer_simulator\",\"foo\":1,",
     "vqe_result.initial_data.foo: unknown field"},
    {"\"multiplicity\":1,", "\"multiplicity\":1,\"spin\":0,", "molecule.molecule_data.spin: unknown field"},
    {"\"molecule_id\":0,", "\"molecule_id\":0,\"extra\":{\"a\":[1,{\"b\":null,\"c\":NaN}],\"d\":\"x\"},", NULL},
    {"\"nit\":2}", "\"nit\":2,\"status\":\"ok\"}", NULL}, /* unknown outside the id's structs: ignored */
    {"\"basis_set\":\"sto3g\",", "\"basis_set\":\"sto3g\",\"basis_set\":\"x\",", "line 1: basis_set: duplicate field"},
    {"\"units\":\"angstrom\"", "\"units\":\"ang\xffstrom\"", "molecule.molecule_data.units: invalid UTF-8"},
    {"\"units\":\"angstrom\"", "\"units\":\"ang\xc0\xafstrom\"", "invalid UTF-8"}, /* overlong '/' */
    {"\"units\":\"angstrom\"", "\"units\":\"\xed\xa0\x80\"", "invalid UTF-8"},     /* encoded surrogate */
    {"\"units\":\"angstrom\"", "\"units\":\"ang\\ud800strom\"", "units: invalid \\u escape in string: unpaired surrogate"},
    {"\"units\":\"angstrom\"", "\"units\":\"ang\\udc00\"", "unpaired surrogate"},
    {"\"units\":\"angstrom\"", "\"units\":\"ang\tstrom\"", "units: control character U+0009 must be escaped"},
    {"\"units\":\"angstrom\"", "\"units\":\"a\\qb\"", "units: invalid escape '\\q' in string"},
    {"\"units\":\"angstrom\"", "\"units\":\"a\\u00zz\"", "units: invalid \\u escape in string"},
    {"\"units\":\"angstrom\"", "\"units\":\"\\u00e5\\ud83d\\ude00\\/\\u0000\"", NULL},
    {"\"parameters\":[0.1,0.2,0.3,0.4]", "\"parameters\":\"x\"",
     "line 1: vqe_result.iteration_list[0].parameters: expected array of numbers, got string"},
    {"\"parameters\":[0.1,0.2,0.3,0.4]", "\"parameters\":[0.1,0.2,0.3,0.4,]",
     "vqe_result.iteration_list[0].parameters[4]: expected number"},
    {"\"parameters\":[0.1,0.2,0.3,0.4]", "\"parameters\":[0.1 0.2]",
     "vqe_result.iteration_list[0].parameters: invalid JSON: expected ',' or ']', got '0'"},
    {"\"exact_estimator\":false", "\"exact_estimator\":null", "initial_data.exact_estimator: expected boolean, got null"},
    {"\"exact_estimator\":false", "\"exact_estimator\":fals", "exact_estimator: invalid JSON literal"},
    {"\"symbols\":[\"H\",\"H\"]", "\"symbols\":[\"H\",1]", "molecule.molecule_data.symbols[1]: expected string, got number"},
    {"\"coords\":[[0,0,0],[0,0,0.74]]", "\"coords\":[[0,0,0],[0,0,\"x\"]]",
     "molecule.molecule_data.coords[1][2]: expected number, got string"},
    {"\"coords\":[[0,0,0],[0,0,0.74]]", "\"coords\":[0,0]", "coords[0]: expected array of numbers, got number"},
    {"\"real\":-1.0523732,\"imaginary\":0}", "\"real\":-1.0523732}",
     "vqe_result.initial_data.hamiltonian[0].coefficients.imaginary: missing required field"},
    {"{\"label\":\"ZZ\",", "{\"label\":\"ZZ\",\"weight\":1,", "vqe_result.initial_data.hamiltonian[1].weight: unknown field"},
    {"\"iteration\":2,", "", "vqe_result.iteration_list[1].iteration: missing required field"},
    {"\"molecule_id\":0,", "\"molecule_id\" 0,", "invalid JSON: expected ':', got '0'"},
    {"\"molecule_id\":0,", "\"molecule_id\":0,,", "invalid JSON: expected a field name, got ','"},
    {"\"molecule_id\":0,", "\"molecule_id\":0 ", "invalid JSON: expected ',' or '}', got '\"'"},
    {"\"molecule_id\":0,", "molecule_id:0,", "invalid JSON: expected a field name, got 'm'"},
    {"\"hamiltonian_time\":0.1", "\"hamiltonian_time\" : 0.1 \n", NULL}, /* whitespace anywhere */
    {"\"molecule\":{", "\"molecule\":[", "molecule: expected object (MoleculeInfo), got array"},
    {"\"iteration_list\":[", "\"iteration_list\":{", "vqe_result.iteration_list: expected array of iterations, got object"},
};

QB_TEST(malformed_variants)
{
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
    char *text = subst(variants[i].from, variants[i].to);
    if (!text) fprintf(stderr, "  variant %zu: '%s' not in the template\n", i, variants[i].from);
    CHECK(text != NULL);
    qb_err err = QB_ERR_INIT;
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    int rc = vqe_parse_one(&r, &a, "x.json", text, &err);
    bool ok = variants[i].error ? (rc == QB_ECORRUPT && strstr(err.msg, variants[i].error) &&
                                   !strncmp(err.msg, "x.json: line ", 13))
                                : rc == QB_OK;
    if (!ok)
      fprintf(stderr, "  variant %zu (%s -> %s): want %s, got %s: %s\n", i, variants[i].from, variants[i].to,
              variants[i].error ? variants[i].error : "OK", qb_code_name(rc), err.msg);
    EXPECT(ok);
    qb_arena_release(&a);
    free(text);
  }
}

QB_TEST(accepted_variants_carry_their_values)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  char *t = subst("\"seed\":null", "\"seed\":{\"int\":7}");
  int rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  CHECK_OK(rc, &err);
  CHECK(r.has_seed && r.seed == 7);
  t = subst("\"units\":\"angstrom\"", "\"units\":\"\\u00e5\\ud83d\\ude00\\/\\u0000\"");
  rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  CHECK_OK(rc, &err);
  CHECK(r.units.n == 8 && !memcmp(r.units.p, "\xc3\xa5\xf0\x9f\x98\x80/\0", 8));
  /* the integer token -0 is the long 0 and becomes +0.0; the float token -0.0 keeps its sign (§2.2) */
  t = subst("\"vqe_time\":1,", "\"vqe_time\":-0,\"mapping_time\":-0.0,");
  char *t2 = t ? strstr(t, "\"mapping_time\":0.01,") : NULL;
  if (t2) memcpy(t2, "\"mapping_timX\"", 14); /* drop the original mapping_time: now an ignored field */
  rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  CHECK_OK(rc, &err);
  CHECK(r.vqe_time == 0.0 && !signbit(r.vqe_time));
  CHECK(r.mapping_time == 0.0 && signbit(r.mapping_time));
  t = subst("\"masses\":[1.008,1.008]", "\"masses\":{\"array\":[1.5,2]}");
  rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  CHECK_OK(rc, &err);
  CHECK(r.has_masses && r.masses.n == 2 && r.masses.v[0] == 1.5 && r.masses.v[1] == 2.0);
  CHECK(r.float_fields & QB_VQE_F_MASSES);
  qb_arena_release(&a);
}

QB_TEST(e1_fields_and_token_types)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  CHECK_OK(vqe_parse_one(&r, &a, "e1.json", vqe_e1_record, &err), &err);
  CHECK(r.source == QB_VQE_SRC_JSON);
  /* coords has 0.74, initial_parameters 0.1, real parts are fractions; every imaginary is the token 0 */
  CHECK_EQ_INT(r.float_fields, QB_VQE_F_COORDS | QB_VQE_F_MASSES | QB_VQE_F_COEFF_REAL |
                                   QB_VQE_F_INITIAL_PARAMETERS | QB_VQE_F_OPTIMAL_PARAMETERS);
  CHECK(r.ansatz.n == 14 && !memcmp(r.ansatz.p, "OPENQASM 3.0;\n", 14));
  CHECK(r.n_hamiltonian == 2 && r.hamiltonian[1].label.n == 2 && r.hamiltonian[1].real == 0.0112801);
  CHECK(r.n_iterations == 2 && r.iterations[1].iteration == 2 && r.iterations[1].has_energy_delta);
  CHECK(!r.iterations[0].has_energy_delta && r.iterations[0].has_cumulative_min_energy);
  CHECK(!r.has_seed && r.has_init_strategy && r.has_ansatz_name && r.has_exact_estimator && !r.exact_estimator);
  CHECK(!r.has_maxcv && r.has_success && r.success && r.nfev == 2 && !r.has_performance_start);
  CHECK(r.n_coords == 2 && r.coords[1].n == 3 && r.coords[1].v[2] == 0.74);
  qb_arena_release(&a);
}

QB_TEST(good_samples_parse)
{
  for (int i = 0; i < 8; i++) {
    size_t n;
    char *data = vqe_read_data(vqe_good_samples[i], &n);
    CHECK(data != NULL);
    qb_err err = QB_ERR_INIT;
    qb_vqe_reader *rd = NULL;
    const qb_vqe_record *r = NULL;
    int rc = qb_vqe_reader_open(&rd, vqe_good_samples[i], data, n, &err);
    if (!rc) rc = qb_vqe_reader_next(&r, rd, &err);
    if (rc || !r) {
      fprintf(stderr, "  %s: %s\n", vqe_good_samples[i], err.msg);
      qb_vqe_reader_close(rd);
      free(data);
      CHECK(0);
    }
    if (i == 0) { /* values as the file has them */
      EXPECT(r->n_iterations == 12 && r->n_hamiltonian == 15 && r->initial_parameters.n == 24);
      EXPECT(r->optimal_parameters.n == 24 && r->minimum == -1.8346455952186378);
      EXPECT(r->has_maxcv && r->maxcv == 0.0 && r->nfev == 12 && r->nit == 12 && r->success);
      EXPECT(r->nuclear_repulsion_energy == 0.7151043390810812 && r->minimization_time == 4.158486999999999);
      EXPECT(r->num_qubits == 4 && r->num_parameters == 24 && r->default_shots == 1024 && r->ansatz_reps == 2);
      EXPECT(r->seed == 42 && r->has_exact_estimator && !r->exact_estimator);
      EXPECT(r->ansatz.n == 1152); /* bytes: the 48 θ are two bytes each */
      EXPECT(r->iterations[11].iteration == 12 && r->iterations[0].std == 0.004729380539962468);
      EXPECT(r->hamiltonian[1].label.n == 4 && !memcmp(r->hamiltonian[1].label.p, "IIIZ", 4));
      EXPECT(r->hamiltonian[1].real == 0.17218393261915543 && r->hamiltonian[1].imaginary == 0.0);
      EXPECT(r->has_performance_start && r->has_performance_end && r->has_masses);
      EXPECT(!(r->float_fields & QB_VQE_F_COEFF_IMAG) && (r->float_fields & QB_VQE_F_COORDS));
    }
    if (i == 6) { /* old writer schema: the optional fields are absent */
      EXPECT(!r->has_masses && !r->has_maxcv && !r->has_nuclear_repulsion_energy && !r->has_success);
      EXPECT(!r->has_nfev && !r->has_nit && !r->has_init_strategy && !r->has_seed && !r->has_ansatz_name);
      EXPECT(!r->has_exact_estimator && !r->has_performance_start && !r->has_default_shots);
      EXPECT(!r->iterations[0].has_energy_delta && !r->iterations[5].has_cumulative_min_energy);
    }
    if (i == 7) { /* optional fields present but null */
      EXPECT(!r->has_masses && !r->has_seed && !r->has_ansatz_name && !r->has_nuclear_repulsion_energy);
      EXPECT(!r->has_success && !r->has_nfev && !r->has_nit && !r->has_performance_end && !r->has_default_shots);
      EXPECT(r->has_init_strategy && r->has_exact_estimator);
    }
    rc = qb_vqe_reader_next(&r, rd, &err);
    EXPECT(rc == QB_OK && r == NULL); /* one record per file */
    qb_vqe_reader_close(rd);
    free(data);
  }
}

static const struct {
  const char *file, *error;
} bad[] = {
    {"bad/01-truncated.json", "bad/01-truncated.json: line 1: vqe_result.iteration_list[3].parameters: unexpected "
                              "end of input (truncated record?), expected ',' or ']'"},
    {"bad/02-wrong-type.json", "bad/02-wrong-type.json: line 1: vqe_result.initial_data.num_qubits: expected "
                               "integer, got string"},
    {"bad/03-missing-required.json", "bad/03-missing-required.json: line 1: vqe_result.minimum: missing required "
                                     "field"},
    {"bad/04-nan-energy.json", "bad/04-nan-energy.json: line 1: vqe_result.iteration_list[2].result: non-finite "
                               "number NaN is not accepted"},
    {"bad/05-empty-iteration-list.json", "bad/05-empty-iteration-list.json: line 1: vqe_result.iteration_list: "
                                         "empty iteration list: a VQE run without iterations is not accepted"},
    {"bad/06-huge-numbers.json", "bad/06-huge-numbers.json: line 1: vqe_result.initial_data.num_qubits: integer "
                                 "3000000000 is out of range for an Avro int (32 bits)"},
};

QB_TEST(bad_samples_rejected_precisely)
{
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t n;
    char *data = vqe_read_data(bad[i].file, &n);
    CHECK(data != NULL);
    qb_err err = QB_ERR_INIT;
    qb_vqe_reader *rd = NULL;
    const qb_vqe_record *r = NULL;
    int rc = qb_vqe_reader_open(&rd, bad[i].file, data, n, &err);
    if (!rc) rc = qb_vqe_reader_next(&r, rd, &err);
    EXPECT(rc == QB_ECORRUPT && r == NULL);
    if (strcmp(err.msg, bad[i].error)) fprintf(stderr, "  got  %s\n  want %s\n", err.msg, bad[i].error);
    EXPECT(!strcmp(err.msg, bad[i].error));
    /* the reader is finished after an error */
    EXPECT(qb_vqe_reader_next(&r, rd, &err) == QB_OK && r == NULL);
    qb_vqe_reader_close(rd);
    free(data);
  }
}

QB_TEST(bad_samples_other_faults_are_also_caught)
{
  /* 03 also lacks basis_set and symbols; 06 also has nfev > int64 and total_time 1e400: each alone fails */
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  char *t = subst("\"basis_set\":\"sto3g\",", "");
  int rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  CHECK_FAIL(rc, QB_ECORRUPT, &err, "x.json: line 1: basis_set: missing required field");
  t = subst("\"symbols\":[\"H\",\"H\"],", "");
  rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  CHECK_FAIL(rc, QB_ECORRUPT, &err, "molecule.molecule_data.symbols: missing required field");
  t = subst("\"nfev\":2", "\"nfev\":99999999999999999999");
  rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  CHECK_FAIL(rc, QB_ECORRUPT, &err, "vqe_result.nfev: integer 99999999999999999999 is out of range for an Avro int");
  t = subst("\"total_time\":1.2", "\"total_time\":1e400");
  rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  CHECK_FAIL(rc, QB_ECORRUPT, &err, "total_time: number 1e400 is out of the range of a double");
  qb_arena_release(&a);
}

QB_TEST(several_records_and_line_numbers)
{
  char *broken = subst("\"num_qubits\":2", "\"num_qubits\":\"two\"");
  size_t n = 2 * strlen(vqe_e1_record) + strlen(broken) + 16;
  char *text = malloc(n);
  snprintf(text, n, "\xef\xbb\xbf%s\n\n  %s\r\n%s\n", vqe_e1_record, vqe_e1_record, broken);
  free(broken);
  qb_err err = QB_ERR_INIT;
  qb_vqe_reader *rd = NULL;
  const qb_vqe_record *r;
  CHECK_OK(qb_vqe_reader_open(&rd, "multi.jsonl", text, strlen(text), &err), &err);
  int got = 0, rc;
  while (!(rc = qb_vqe_reader_next(&r, rd, &err)) && r) got++;
  qb_vqe_reader_close(rd);
  free(text);
  CHECK_EQ_INT(got, 2);
  CHECK_FAIL(rc, QB_ECORRUPT, &err, "multi.jsonl: line 4: vqe_result.initial_data.num_qubits: expected integer");
}

QB_TEST(empty_and_odd_inputs)
{
  static const struct {
    const char *text, *error;
  } cases[] = {
      {"", NULL},
      {"  \n\t\r\n", NULL},
      {"\xef\xbb\xbf", NULL},
      {"[1]", "x.json: line 1: expected object (a VQEDecoratedResult record), got array"},
      {"\n\nnull", "x.json: line 3: expected object (a VQEDecoratedResult record), got null"},
      {"{", "x.json: line 1: unexpected end of input (truncated record?), expected a field name"},
      {"{\"vqe_result\":", "x.json: line 1: vqe_result: expected object (VQEResult), got end of input"},
      {"{\"vqe_result\"", "unexpected end of input (truncated record?), expected ':'"},
      {"{\"vqe_r", "x.json: line 1: unexpected end of input inside a string (truncated record?)"},
      {"{}", "x.json: line 1: vqe_result: missing required field"},
      {"{} x", "vqe_result: missing required field"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_vqe_reader *rd = NULL;
    const qb_vqe_record *r = NULL;
    int rc = qb_vqe_reader_open(&rd, "x.json", cases[i].text, strlen(cases[i].text), &err);
    if (!rc) rc = qb_vqe_reader_next(&r, rd, &err);
    bool ok = cases[i].error ? rc == QB_ECORRUPT && strstr(err.msg, cases[i].error) : rc == QB_OK && !r;
    if (!ok) fprintf(stderr, "  case %zu: got %s: %s\n", i, qb_code_name(rc), err.msg);
    EXPECT(ok);
    qb_vqe_reader_close(rd);
  }
  qb_err err = QB_ERR_INIT;
  qb_vqe_reader *rd = NULL;
  CHECK_FAIL(qb_vqe_reader_open(&rd, "huge.json", "x", QB_VQE_MAX_FILE_BYTES + 1, &err), QB_ELIMIT, &err,
             "huge.json: 268435457 bytes is more than a raw file may have");
  CHECK(rd == NULL);
}

QB_TEST(deep_nesting_in_ignored_field_is_bounded)
{
  char deep[400], *p = deep;
  p += sprintf(p, "\"molecule_id\":0,\"x\":");
  for (int i = 0; i < 70; i++) *p++ = '[';
  for (int i = 0; i < 70; i++) *p++ = ']';
  strcpy(p, ",");
  char *t = subst("\"molecule_id\":0,", deep);
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  int rc = vqe_parse_one(&r, &a, "x.json", t, &err);
  free(t);
  qb_arena_release(&a);
  CHECK_FAIL(rc, QB_ECORRUPT, &err, "x: JSON nested deeper than 64 levels");
}

QB_TEST(truncations_and_mutations_never_crash)
{
  size_t n;
  char *data = vqe_read_data(vqe_good_samples[0], &n);
  CHECK(data != NULL);
  for (size_t len = 0; len < n; len += 37) { /* every prefix is an incomplete record */
    qb_err err = QB_ERR_INIT;
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_json_cursor c;
    qb_vqe_record r;
    bool got;
    qb_vqe_json_cursor_init(&c, "t.json", data, len);
    int rc = qb_vqe_json_next(&r, &got, &c, &a, &err);
    qb_arena_release(&a);
    EXPECT(len == 0 ? rc == QB_OK && !got : rc == QB_ECORRUPT);
  }
  uint64_t x = 0x2545F4914F6CDD1DULL;
  char *copy = malloc(n);
  int accepted = 0;
  for (int i = 0; i < 1500; i++) {
    memcpy(copy, data, n);
    for (int k = 0; k < 1 + i % 3; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      copy[x % n] = (char)(x >> 32);
    }
    qb_err err = QB_ERR_INIT;
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_json_cursor c;
    qb_vqe_record r;
    bool got;
    qb_vqe_json_cursor_init(&c, "m.json", copy, n);
    int rc = qb_vqe_json_next(&r, &got, &c, &a, &err);
    qb_arena_release(&a);
    EXPECT(rc == QB_OK || rc == QB_ECORRUPT);
    accepted += rc == QB_OK;
  }
  free(copy);
  free(data);
  CHECK(accepted > 0 && accepted < 1500); /* digits may mutate into digits; structure may not */
}
