/* SPDX-License-Identifier: Apache-2.0 */
/* Raw records from .avro Object Container Files (the Kafka Connect path): files written with the producer's
 * schema (spec §1.3) by qberg's Avro writer read back into the same records and rows as their JSON, files
 * from an older writer schema read with nulls, and bad containers or values are rejected precisely. */
#include "harness.h"
#include "pipeline/vqe_ids.h"
#include "qberg/avro.h"
#include "support/vqe_support.h"

/* The producer's schema as quantum_pipeline defines it: Avro ints, defaults on the fields added later. */
static const char producer_schema[] =
    "{\"type\":\"record\",\"name\":\"VQEDecoratedResult\",\"fields\":["
    "{\"name\":\"vqe_result\",\"type\":{\"type\":\"record\",\"name\":\"VQEResult\",\"fields\":["
    "{\"name\":\"initial_data\",\"type\":{\"type\":\"record\",\"name\":\"VQEInitialData\",\"fields\":["
    "{\"name\":\"backend\",\"type\":\"string\"},{\"name\":\"num_qubits\",\"type\":\"int\"},"
    "{\"name\":\"hamiltonian\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"HamiltonianTerm\","
    "\"fields\":[{\"name\":\"label\",\"type\":\"string\"},{\"name\":\"coefficients\",\"type\":{\"type\":\"record\","
    "\"name\":\"ComplexNumber\",\"fields\":[{\"name\":\"real\",\"type\":\"double\"},{\"name\":\"imaginary\",\"type\":"
    "\"double\"}]}}]}}},{\"name\":\"num_parameters\",\"type\":\"int\"},"
    "{\"name\":\"initial_parameters\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
    "{\"name\":\"optimizer\",\"type\":\"string\"},{\"name\":\"ansatz\",\"type\":\"string\"},"
    "{\"name\":\"noise_backend\",\"type\":\"string\"},{\"name\":\"default_shots\",\"type\":[\"int\",\"null\"]},"
    "{\"name\":\"ansatz_reps\",\"type\":\"int\"},"
    "{\"name\":\"init_strategy\",\"type\":[\"string\",\"null\"],\"default\":\"random\"},"
    "{\"name\":\"seed\",\"type\":[\"null\",\"int\"],\"default\":null},"
    "{\"name\":\"ansatz_name\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"exact_estimator\",\"type\":\"boolean\",\"default\":false}]}},"
    "{\"name\":\"iteration_list\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"VQEProcess\","
    "\"fields\":[{\"name\":\"iteration\",\"type\":\"int\"},{\"name\":\"parameters\",\"type\":{\"type\":\"array\","
    "\"items\":\"double\"}},{\"name\":\"result\",\"type\":\"double\"},{\"name\":\"std\",\"type\":\"double\"},"
    "{\"name\":\"energy_delta\",\"type\":[\"null\",\"double\"],\"default\":null},"
    "{\"name\":\"parameter_delta_norm\",\"type\":[\"null\",\"double\"],\"default\":null},"
    "{\"name\":\"cumulative_min_energy\",\"type\":[\"null\",\"double\"],\"default\":null}]}}},"
    "{\"name\":\"minimum\",\"type\":\"double\"},"
    "{\"name\":\"optimal_parameters\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
    "{\"name\":\"maxcv\",\"type\":[\"null\",\"double\"],\"default\":null},"
    "{\"name\":\"minimization_time\",\"type\":\"double\"},"
    "{\"name\":\"nuclear_repulsion_energy\",\"type\":[\"null\",\"double\"],\"default\":null},"
    "{\"name\":\"success\",\"type\":[\"null\",\"boolean\"],\"default\":null},"
    "{\"name\":\"nfev\",\"type\":[\"null\",\"int\"],\"default\":null},"
    "{\"name\":\"nit\",\"type\":[\"null\",\"int\"],\"default\":null}]}},"
    "{\"name\":\"molecule\",\"type\":{\"type\":\"record\",\"name\":\"MoleculeInfo\",\"namespace\":\"quantum_pipeline\","
    "\"fields\":[{\"name\":\"molecule_data\",\"type\":{\"type\":\"record\",\"name\":\"MoleculeData\",\"fields\":["
    "{\"name\":\"symbols\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"coords\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"double\"}}},"
    "{\"name\":\"multiplicity\",\"type\":\"int\"},{\"name\":\"charge\",\"type\":\"int\"},"
    "{\"name\":\"units\",\"type\":\"string\"},"
    "{\"name\":\"masses\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"double\"}],\"default\":null}]}}]}},"
    "{\"name\":\"basis_set\",\"type\":\"string\"},{\"name\":\"hamiltonian_time\",\"type\":\"double\"},"
    "{\"name\":\"mapping_time\",\"type\":\"double\"},{\"name\":\"vqe_time\",\"type\":\"double\"},"
    "{\"name\":\"total_time\",\"type\":\"double\"},{\"name\":\"molecule_id\",\"type\":\"int\"},"
    "{\"name\":\"performance_start\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"performance_end\",\"type\":[\"null\",\"string\"],\"default\":null}]}";

/* `schema` with the first occurrence of each `from` replaced by `to` (malloc'd). */
static char *edit(const char *schema, const char *from, const char *to)
{
  const char *at = strstr(schema, from);
  if (!at) return NULL;
  size_t pre = (size_t)(at - schema);
  char *s = malloc(strlen(schema) - strlen(from) + strlen(to) + 1);
  memcpy(s, schema, pre);
  strcpy(s + pre, to);
  strcat(s, at + strlen(from));
  return s;
}

/* An OCF with the given JSON records (qb_avro_writer_append_json layout = goavro's bare unions). */
static int write_ocf(uint8_t **out, size_t *out_n, const char *schema_json, const char *const *records, size_t n,
                     qb_err *err)
{
  qb_avro_schema *s = NULL;
  qb_fileio *io = NULL;
  qb_writer *w = NULL;
  qb_avro_writer *aw = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/x.avro", qb_test_tmpdir());
  int rc = qb_avro_schema_parse(&s, schema_json, strlen(schema_json), err);
  if (!rc) rc = qb_fileio_local_new(&io, err);
  if (!rc) rc = qb_fileio_create(&w, io, path, QB_CREATE_OVERWRITE, err);
  qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
  o.codec = QB_AVRO_CODEC_DEFLATE;
  if (!rc) rc = qb_avro_writer_open(&aw, w, s, &o, err);
  for (size_t i = 0; !rc && i < n; i++) rc = qb_avro_writer_append_json(aw, records[i], strlen(records[i]), err);
  if (aw) {
    int rc2 = qb_avro_writer_close(aw, err);
    if (!rc) rc = rc2;
  }
  if (w) {
    int rc2 = rc ? (qb_writer_abort(w), rc) : qb_writer_close(w, err);
    if (!rc) rc = rc2;
  }
  if (!rc) rc = qb_fileio_read_all(out, out_n, io, path, 64 << 20, err);
  qb_fileio_free(io);
  qb_avro_schema_free(s);
  return rc;
}

typedef struct rows_text {
  qb_vqe_table t;
  qb_buf b;
} rows_text;

static int append_row(void *ctx, const qb_value *row, qb_err *err)
{
  rows_text *c = ctx;
  char *json;
  size_t n;
  int rc = qb_vqe_row_to_json(&json, &n, c->t, row, err);
  if (!rc) rc = qb_buf_append(&c->b, json, n + 1, err);
  free(json);
  return rc;
}

/* Every row of every table, with a fixed experiment_id so that only the record's contents count. */
static char *all_rows(const qb_vqe_record *r, const qb_vqe_types *t, size_t *n, qb_err *err)
{
  qb_vqe_meta m;
  qb_vqe_meta_init(&m, 0, "b");
  rows_text c;
  qb_buf_init(&c.b, QB_BUF_NOLIMIT);
  int rc = QB_OK;
  for (int k = 0; !rc && k < QB_VQE_FEATURE_TABLES; k++) {
    c.t = (qb_vqe_table)k;
    rc = qb_vqe_rows(c.t, r, "eid", t, &m, append_row, &c, err);
  }
  if (rc) {
    qb_buf_free(&c.b);
    return NULL;
  }
  return (char *)qb_buf_detach(&c.b, n);
}

QB_TEST(samples_through_avro_equal_their_json)
{
  qb_err err = QB_ERR_INIT;
  char *texts[8];
  for (int i = 0; i < 8; i++) CHECK((texts[i] = vqe_read_data(vqe_good_samples[i], NULL)) != NULL);
  uint8_t *ocf = NULL;
  size_t ocf_n = 0;
  int rc = write_ocf(&ocf, &ocf_n, producer_schema, (const char *const *)texts, 8, &err);
  if (rc) fprintf(stderr, "  %s\n", err.msg);
  EXPECT(rc == QB_OK);
  qb_vqe_reader *rd = NULL;
  if (!rc) rc = qb_vqe_reader_open(&rd, "x.avro", ocf, ocf_n, &err);
  qb_vqe_types json_types, avro_types;
  qb_vqe_types_init(&json_types);
  qb_vqe_types_init(&avro_types);
  qb_vqe_record avro_like = {.source = QB_VQE_SRC_AVRO, .float_fields = QB_VQE_F_ALL};
  qb_vqe_types_add(&avro_types, &avro_like);
  /* rows depend on the types only through the parameters' fields, which the 8-file batch types double */
  json_types.float_fields = QB_VQE_F_ALL;
  int got = 0;
  const qb_vqe_record *ar;
  while (!rc && !(rc = qb_vqe_reader_next(&ar, rd, &err)) && ar) {
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record jr;
    rc = vqe_parse_one(&jr, &a, vqe_good_samples[got], texts[got], &err);
    if (!rc) {
      EXPECT(ar->source == QB_VQE_SRC_AVRO && ar->float_fields == QB_VQE_F_ALL);
      EXPECT(ar->n_iterations == jr.n_iterations && ar->n_hamiltonian == jr.n_hamiltonian);
      EXPECT(ar->molecule_id == jr.molecule_id && ar->minimum == jr.minimum);
      EXPECT(ar->ansatz.n == jr.ansatz.n && !memcmp(ar->ansatz.p, jr.ansatz.p, jr.ansatz.n));
      size_t an, jn;
      char *arows = all_rows(ar, &avro_types, &an, &err), *jrows = all_rows(&jr, &json_types, &jn, &err);
      EXPECT(arows && jrows && an == jn && !memcmp(arows, jrows, an));
      free(arows);
      free(jrows);
      if (got == 0) { /* Avro field order, doubles printed as doubles (pipeline-spec §2.1, §6.4) */
        char *text;
        size_t n;
        rc = qb_vqe_experiment_text(&text, &n, ar, &avro_types, &err);
        if (!rc) {
          const char *want = "{\"molecule_data\":{\"symbols\":[\"H\",\"H\"],\"coords\":[[0.0,0.0,0.0],[0.0,0.0,0.74]],"
                                "\"multiplicity\":1,\"charge\":0,\"units\":\"angstrom\",\"masses\":[1.008,1.008]},"
                                "\"basis_set\":\"sto3g\",\"initial_data\":{\"backend\":\"aer_simulator\",\"num_qubits\":4,"
                                "\"hamiltonian\":[{\"label\":\"IIII\",\"coefficients\":{\"real\":";
          EXPECT(!strncmp(text, want, strlen(want)));
          EXPECT(strstr(text, ",\"imaginary\":0.0}}") && strstr(text, "\"ansatz_name\":\"EfficientSU2\",\"exact_estimator\":false}}"));
          free(text);
        }
      }
    }
    qb_arena_release(&a);
    got++;
  }
  qb_vqe_reader_close(rd);
  free(ocf);
  for (int i = 0; i < 8; i++) free(texts[i]);
  CHECK_OK(rc, &err);
  CHECK_EQ_INT(got, 8);
}

QB_TEST(old_writer_schema_reads_nulls)
{
  /* the first producer schema: none of the optional fields added later */
  static const char *const cut[][2] = {
      {",{\"name\":\"init_strategy\",\"type\":[\"string\",\"null\"],\"default\":\"random\"},"
       "{\"name\":\"seed\",\"type\":[\"null\",\"int\"],\"default\":null},"
       "{\"name\":\"ansatz_name\",\"type\":[\"null\",\"string\"],\"default\":null},"
       "{\"name\":\"exact_estimator\",\"type\":\"boolean\",\"default\":false}",
       ""},
      {",{\"name\":\"performance_start\",\"type\":[\"null\",\"string\"],\"default\":null},"
       "{\"name\":\"performance_end\",\"type\":[\"null\",\"string\"],\"default\":null}",
       ""},
      {",{\"name\":\"masses\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"double\"}],\"default\":null}", ""},
  };
  char *schema = strdup(producer_schema);
  for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
    char *next = edit(schema, cut[i][0], cut[i][1]);
    free(schema);
    schema = next;
    CHECK(schema != NULL);
  }
  qb_err err = QB_ERR_INIT;
  char *text = vqe_read_data(vqe_good_samples[6], NULL); /* the sample written with the old schema */
  uint8_t *ocf = NULL;
  size_t n = 0;
  const char *recs[1] = {text};
  int rc = write_ocf(&ocf, &n, schema, recs, 1, &err);
  free(schema);
  free(text);
  CHECK_OK(rc, &err);
  qb_vqe_reader *rd = NULL;
  const qb_vqe_record *r = NULL;
  rc = qb_vqe_reader_open(&rd, "old.avro", ocf, n, &err);
  if (!rc) rc = qb_vqe_reader_next(&r, rd, &err);
  if (!rc) {
    EXPECT(r && !r->has_init_strategy && !r->has_seed && !r->has_ansatz_name && !r->has_exact_estimator);
    EXPECT(r && !r->has_masses && !r->has_performance_start && !r->has_nuclear_repulsion_energy);
    EXPECT(r && r->n_iterations == 6 && !r->iterations[0].has_cumulative_min_energy);
  }
  qb_vqe_reader_close(rd);
  free(ocf);
  CHECK_OK(rc, &err);
}

static void expect_rejected(const char *schema, const char *from, const char *to, int code, const char *want)
{
  qb_err err = QB_ERR_INIT;
  char *rec = edit(vqe_e1_record, from, to);
  CHECK(rec != NULL);
  const char *recs[1] = {rec};
  uint8_t *ocf = NULL;
  size_t n = 0;
  int rc = write_ocf(&ocf, &n, schema, recs, 1, &err);
  free(rec);
  CHECK_OK(rc, &err);
  qb_vqe_reader *rd = NULL;
  const qb_vqe_record *r = NULL;
  rc = qb_vqe_reader_open(&rd, "bad.avro", ocf, n, &err);
  if (!rc) rc = qb_vqe_reader_next(&r, rd, &err);
  qb_vqe_reader_close(rd);
  free(ocf);
  if (rc != code || !strstr(err.msg, want)) fprintf(stderr, "  want %s, got %s: %s\n", want, qb_code_name(rc), err.msg);
  EXPECT(rc == code && strstr(err.msg, want));
}

/* `s` with every occurrence of `from` replaced by `to` (malloc'd). */
static char *edit_all(const char *s, const char *from, const char *to)
{
  char *out = strdup(s);
  for (char *next; out && strstr(out, from); out = next) {
    next = edit(out, from, to);
    free(out);
    if (next && strstr(to, from)) break; /* would never end */
  }
  return out;
}

/* A writer schema with a field the reader schema lacks inside the structs of the experiment_id text is
 * rejected, as the JSON path rejects such a member: Spark's to_json would print the field, so qberg's id could
 * not be Spark's. Before, the field was skipped and the id was that of the record without it. Elsewhere
 * (a top-level field) such a field is still skipped. */
QB_TEST(unknown_writer_fields_in_the_id_structs_reject_the_file)
{
  char *s1 = edit(producer_schema, "{\"name\":\"exact_estimator\",\"type\":\"boolean\",\"default\":false}",
                  "{\"name\":\"exact_estimator\",\"type\":\"boolean\",\"default\":false},{\"name\":\"foo\",\"type\":\"long\"}");
  expect_rejected(s1, "\"exact_estimator\":false}", "\"exact_estimator\":false,\"foo\":5}", QB_ECORRUPT,
                  "bad.avro: writer schema field vqe_result.initial_data.foo: unknown field (not in the "
                  "VQEDecoratedResult schema; it would change experiment_id)");
  free(s1);
  char *s2 = edit(producer_schema, "{\"name\":\"units\",\"type\":\"string\"},",
                  "{\"name\":\"units\",\"type\":\"string\"},{\"name\":\"unit_system\",\"type\":\"string\"},");
  expect_rejected(s2, "\"units\":\"angstrom\",", "\"units\":\"angstrom\",\"unit_system\":\"si\",", QB_ECORRUPT,
                  "bad.avro: writer schema field molecule.molecule_data.unit_system: unknown field");
  free(s2);
  /* inside the terms' coefficients: every term of the record carries the field */
  qb_err err = QB_ERR_INIT;
  char *s3 = edit(producer_schema, "{\"name\":\"imaginary\",\"type\":\"double\"}",
                  "{\"name\":\"imaginary\",\"type\":\"double\"},{\"name\":\"phase\",\"type\":\"double\"}");
  char *rec = edit_all(vqe_e1_record, "\"imaginary\":0}}", "\"imaginary\":0,\"phase\":1.5} }");
  CHECK(s3 && rec);
  const char *recs[1] = {rec};
  uint8_t *ocf = NULL;
  size_t n = 0;
  CHECK_OK(write_ocf(&ocf, &n, s3, recs, 1, &err), &err);
  qb_vqe_reader *rd = NULL;
  int rc = qb_vqe_reader_open(&rd, "phase.avro", ocf, n, &err);
  qb_vqe_reader_close(rd);
  free(ocf);
  EXPECT(rc == QB_ECORRUPT &&
         strstr(err.msg, "phase.avro: writer schema field vqe_result.initial_data.hamiltonian[].coefficients.phase"));
  free(s3);
  free(rec);
  /* a field outside them is skipped, and the record reads as before */
  char *s4 = edit(producer_schema, "{\"name\":\"performance_end\",\"type\":[\"null\",\"string\"],\"default\":null}",
                  "{\"name\":\"performance_end\",\"type\":[\"null\",\"string\"],\"default\":null},"
                  "{\"name\":\"extra_top\",\"type\":\"long\"}");
  rec = edit(vqe_e1_record, "\"performance_end\":null}", "\"performance_end\":null,\"extra_top\":1}");
  CHECK(s4 && rec);
  recs[0] = rec;
  CHECK_OK(write_ocf(&ocf, &n, s4, recs, 1, &err), &err);
  const qb_vqe_record *r = NULL;
  rc = qb_vqe_reader_open(&rd, "top.avro", ocf, n, &err);
  if (!rc) rc = qb_vqe_reader_next(&r, rd, &err);
  EXPECT(rc == QB_OK && r && r->n_hamiltonian == 2 && r->n_iterations == 2);
  qb_vqe_reader_close(rd);
  free(ocf);
  free(s4);
  free(rec);
}

QB_TEST(bad_values_and_containers)
{
  expect_rejected(producer_schema, "\"minimum\":-1.2", "\"minimum\":\"NaN\"", QB_ECORRUPT,
                  "bad.avro: record 0: vqe_result.minimum: non-finite number NaN is not accepted");
  expect_rejected(producer_schema, "\"vqe_time\":1,", "\"vqe_time\":\"-Infinity\",", QB_ECORRUPT,
                  "bad.avro: record 0: vqe_time: non-finite number -Infinity");
  /* the whole iteration list replaced by [] */
  const char *from = strstr(vqe_e1_record, "\"iteration_list\":[");
  const char *to = strstr(vqe_e1_record, "],\"minimum\"");
  CHECK(from && to);
  char list[1024];
  snprintf(list, sizeof list, "%.*s]", (int)(to - from), from);
  expect_rejected(producer_schema, list, "\"iteration_list\":[]", QB_ECORRUPT,
                  "bad.avro: record 0: vqe_result.iteration_list: empty iteration list");
  /* a writer whose record lacks a required field: the reader sees null */
  char *no_basis = edit(producer_schema, "{\"name\":\"basis_set\",\"type\":\"string\"},", "");
  expect_rejected(no_basis, "\"basis_set\":\"sto3g\",", "", QB_ECORRUPT, "bad.avro: record 0: basis_set: missing required field");
  free(no_basis);
  /* a long writer beyond the Avro int range */
  char *long_qubits = edit(producer_schema, "{\"name\":\"num_qubits\",\"type\":\"int\"}", "{\"name\":\"num_qubits\",\"type\":\"long\"}");
  expect_rejected(long_qubits, "\"num_qubits\":2", "\"num_qubits\":3000000000", QB_ECORRUPT,
                  "record 0: vqe_result.initial_data.num_qubits: integer 3000000000 is out of range for an Avro int");
  free(long_qubits);
  /* a writer type that cannot become the reader's */
  char *str_qubits = edit(producer_schema, "{\"name\":\"num_qubits\",\"type\":\"int\"}", "{\"name\":\"num_qubits\",\"type\":\"string\"}");
  expect_rejected(str_qubits, "\"num_qubits\":2", "\"num_qubits\":\"two\"", QB_ECORRUPT,
                  "bad.avro: not a VQEDecoratedResult container");
  free(str_qubits);
  /* a truncated container */
  qb_err err = QB_ERR_INIT;
  const char *recs[1] = {vqe_e1_record};
  uint8_t *ocf = NULL;
  size_t n = 0;
  CHECK_OK(write_ocf(&ocf, &n, producer_schema, recs, 1, &err), &err);
  qb_vqe_reader *rd = NULL;
  const qb_vqe_record *r = NULL;
  int rc = qb_vqe_reader_open(&rd, "cut.avro", ocf, n - 40, &err);
  if (!rc) rc = qb_vqe_reader_next(&r, rd, &err);
  qb_vqe_reader_close(rd);
  free(ocf);
  CHECK(rc == QB_ECORRUPT && r == NULL && strstr(err.msg, "cut.avro"));
}
