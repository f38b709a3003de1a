/* SPDX-License-Identifier: Apache-2.0 */
/* Rows of the nine feature tables for the spec's 8 samples processed as one batch: row counts, ids and
 * derived values as tests/data/vqe/EXPECTED.md lists them, column order and value kinds as the table
 * descriptions say, plus the processing_metadata row. */
#include "harness.h"
#include "pipeline/vqe_ids.h"
#include "support/vqe_support.h"

typedef struct row_info {
  int file;
  char eid[65];
  char id[160];  /* the table's last column: parameter_id, iteration_id, term_id (or empty) */
  int64_t step;  /* iteration_step where the table has one */
  int32_t index; /* parameter_index / term_index */
  double value;  /* the exploded value, computed_total_time for performance_metrics */
  char *json;    /* the whole row, for the one-row tables */
} row_info;

typedef struct collected {
  row_info *rows[QB_VQE_FEATURE_TABLES];
  size_t n[QB_VQE_FEATURE_TABLES], cap[QB_VQE_FEATURE_TABLES];
  qb_vqe_table current;
  int file;
  const qb_vqe_meta *meta;
  int bad_kinds, bad_meta;
} collected;

static bool kind_ok(qb_vqe_type t, const qb_value *v)
{
  if (v->kind == QB_V_NULL) return true;
  switch (t) {
  case QB_VQE_T_STRING: return v->kind == QB_V_STRING;
  case QB_VQE_T_LONG:
  case QB_VQE_T_TIMESTAMPTZ: return v->kind == QB_V_INT64;
  case QB_VQE_T_INT:
  case QB_VQE_T_DATE: return v->kind == QB_V_INT32;
  case QB_VQE_T_DOUBLE: return v->kind == QB_V_DOUBLE;
  case QB_VQE_T_BOOLEAN: return v->kind == QB_V_BOOL;
  case QB_VQE_T_LIST_STRING:
  case QB_VQE_T_LIST_LONG:
  case QB_VQE_T_LIST_DOUBLE:
  case QB_VQE_T_LIST_LIST_DOUBLE:
    if (v->kind != QB_V_LIST) return false;
    for (size_t i = 0; i < v->u.seq.n; i++) {
      qb_vqe_type e = t == QB_VQE_T_LIST_STRING  ? QB_VQE_T_STRING
                      : t == QB_VQE_T_LIST_LONG  ? QB_VQE_T_LONG
                      : t == QB_VQE_T_LIST_DOUBLE ? QB_VQE_T_DOUBLE
                                                  : QB_VQE_T_LIST_DOUBLE;
      if (!kind_ok(e, &v->u.seq.items[i])) return false;
    }
    return true;
  }
  return false;
}

static const qb_value *col(const qb_vqe_table_desc *d, const qb_value *row, const char *name)
{
  for (size_t i = 0; i < d->n_columns; i++)
    if (!strcmp(d->columns[i].name, name)) return &row->u.seq.items[i];
  return NULL;
}

static void copy_str(char *out, size_t cap, const qb_value *v)
{
  size_t n = v && v->kind == QB_V_STRING ? v->u.bytes.n : 0;
  if (n >= cap) n = cap - 1;
  if (n) memcpy(out, v->u.bytes.p, n);
  out[n] = '\0';
}

static int collect(void *ctx, const qb_value *row, qb_err *err)
{
  collected *c = ctx;
  qb_vqe_table t = c->current;
  const qb_vqe_table_desc *d = qb_vqe_table_describe(t);
  if (row->kind != QB_V_STRUCT || row->u.seq.n != d->n_columns) return QB_FAIL(err, QB_EINTERNAL, "shape");
  for (size_t i = 0; i < d->n_columns; i++)
    if (!kind_ok(d->columns[i].type, &row->u.seq.items[i])) {
      fprintf(stderr, "  %s.%s has kind %d\n", d->name, d->columns[i].name, row->u.seq.items[i].kind);
      c->bad_kinds++;
    }
  const qb_value *ts = col(d, row, "processing_timestamp"), *date = col(d, row, "processing_date");
  const qb_value *batch = col(d, row, "processing_batch_id"), *name = col(d, row, "processing_name");
  if (ts->u.i64 != c->meta->processing_timestamp_us || date->u.i32 != c->meta->processing_date ||
      batch->u.bytes.n != strlen(c->meta->processing_batch_id) ||
      memcmp(batch->u.bytes.p, c->meta->processing_batch_id, batch->u.bytes.n) || name->u.bytes.n != 23 ||
      memcmp(name->u.bytes.p, "quantum_base_processing", 23))
    c->bad_meta++;
  if (c->n[t] == c->cap[t]) {
    c->cap[t] = c->cap[t] ? 2 * c->cap[t] : 64;
    c->rows[t] = realloc(c->rows[t], c->cap[t] * sizeof *c->rows[t]);
  }
  row_info *ri = &c->rows[t][c->n[t]++];
  memset(ri, 0, sizeof *ri);
  ri->file = c->file;
  copy_str(ri->eid, sizeof ri->eid, &row->u.seq.items[0]);
  const qb_value *last = &row->u.seq.items[d->n_columns - 1];
  if (last->kind == QB_V_STRING && strstr(d->columns[d->n_columns - 1].name, "_id")) copy_str(ri->id, sizeof ri->id, last);
  const qb_value *v;
  if ((v = col(d, row, "iteration_step")) && v->kind == QB_V_INT64) ri->step = v->u.i64;
  if ((v = col(d, row, "parameter_index")) || (v = col(d, row, "term_index"))) ri->index = v->u.i32;
  if ((v = col(d, row, "initial_parameter_value")) || (v = col(d, row, "optimal_parameter_value")) ||
      (v = col(d, row, "parameter_value")) || (v = col(d, row, "computed_total_time")) ||
      (v = col(d, row, "coeff_imag")))
    ri->value = v->u.f64;
  if (t <= QB_VQE_VQE_RESULTS) {
    size_t n;
    int rc = qb_vqe_row_to_json(&ri->json, &n, t, row, err);
    if (rc) return rc;
  }
  return QB_OK;
}

static void collected_free(collected *c)
{
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    for (size_t i = 0; i < c->n[t]; i++) free(c->rows[t][i].json);
    free(c->rows[t]);
  }
}

static const char *const expected_eids[8] = {
    "682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f",
    "670b514c0d8dd3c048040afcfce1ade5e3509e6232cc92d60363a713501ba632",
    "3768f87ac1d732d7fe58253e5605857686de2e908a95803e6072106176d5680c",
    "5a5e515f90ddb22da60bdaa8b4ec1b81dfb95706322b435d5c24c030ceae3899",
    "99d26a9c0116029024290539df0c477ce4a8b332a27ff9c277d56d9599e04cf9",
    "1525409b2a8e879cf66da50d9c54173d598328634a619b3e90fa7ba2afa23c85",
    "bd529ad3994c5c57466af3a15edde57d1631c2862c27a8869327f7dce5304c3f",
    "dbd5c447a98464f6e69a8001801d22bb7ee5e01560469c8584285daa6a5eb10b",
};

/* The batch: all 8 good files, parsed into one arena, types inferred over all of them first. */
typedef struct batch {
  qb_arena arena;
  char *data[8];
  qb_vqe_record rec[8];
  qb_vqe_types types;
  char eid[8][65];
  collected c;
  qb_vqe_meta meta;
} batch;

static int batch_run(batch *b, qb_err *err)
{
  memset(b, 0, sizeof *b);
  qb_arena_init(&b->arena, 0);
  qb_vqe_types_init(&b->types);
  for (int i = 0; i < 8; i++) {
    size_t n;
    b->data[i] = vqe_read_data(vqe_good_samples[i], &n);
    if (!b->data[i]) return QB_FAIL(err, QB_EIO, "cannot read %s", vqe_good_samples[i]);
    int rc = vqe_parse_one(&b->rec[i], &b->arena, vqe_good_samples[i], b->data[i], err);
    if (rc) return rc;
    qb_vqe_types_add(&b->types, &b->rec[i]);
  }
  qb_vqe_meta_init(&b->meta, INT64_C(1764161500123456), "3f1c2d4e-0000-4000-8000-1234567890ab");
  b->c.meta = &b->meta;
  for (int i = 0; i < 8; i++) {
    int rc = qb_vqe_experiment_id(b->eid[i], &b->rec[i], &b->types, err);
    b->c.file = i;
    for (int t = 0; !rc && t < QB_VQE_FEATURE_TABLES; t++) {
      b->c.current = (qb_vqe_table)t;
      rc = qb_vqe_rows((qb_vqe_table)t, &b->rec[i], b->eid[i], &b->types, &b->meta, collect, &b->c, err);
    }
    if (rc) return rc;
  }
  return QB_OK;
}

static void batch_free(batch *b)
{
  collected_free(&b->c);
  for (int i = 0; i < 8; i++) free(b->data[i]);
  qb_arena_release(&b->arena);
}

static size_t count_file(const collected *c, qb_vqe_table t, int file)
{
  size_t n = 0;
  for (size_t i = 0; i < c->n[t]; i++) n += c->rows[t][i].file == file;
  return n;
}

/* the k-th row of `file` in table t */
static const row_info *nth(const collected *c, qb_vqe_table t, int file, size_t k)
{
  for (size_t i = 0; i < c->n[t]; i++)
    if (c->rows[t][i].file == file && k-- == 0) return &c->rows[t][i];
  return NULL;
}

static size_t distinct_ids(const collected *c, qb_vqe_table t, int file)
{
  size_t d = 0;
  for (size_t i = 0; i < c->n[t]; i++) {
    if (c->rows[t][i].file != file) continue;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++) seen = c->rows[t][j].file == file && !strcmp(c->rows[t][j].id, c->rows[t][i].id);
    d += !seen;
  }
  return d;
}

static bool id_is(const row_info *r, const char *want)
{
  if (r && !strcmp(r->id, want)) return true;
  fprintf(stderr, "  id %s, want %s\n", r ? r->id : "(no row)", want);
  return false;
}

#define ID_IS(row, want_index, suffix)                                                \
  do {                                                                                \
    const row_info *r_ = (row);                                                       \
    CHECK(r_ != NULL);                                                                \
    EXPECT(r_->index == (want_index));                                                \
    char want_[160];                                                                  \
    snprintf(want_, sizeof want_, "%s%s", r_->eid, suffix);                           \
    if (strcmp(r_->id, want_)) fprintf(stderr, "  id %s, want %s\n", r_->id, want_); \
    EXPECT(!strcmp(r_->id, want_));                                                   \
  } while (0)

QB_TEST(batch_row_counts_and_ids)
{
  qb_err err = QB_ERR_INIT;
  batch *b = calloc(1, sizeof *b);
  int rc = batch_run(b, &err);
  if (rc) {
    batch_free(b);
    free(b);
  }
  CHECK_OK(rc, &err);
  static const size_t want[QB_VQE_FEATURE_TABLES] = {8, 8, 8, 8, 408, 408, 171, 9768, 360};
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    if (b->c.n[t] != want[t]) fprintf(stderr, "  %s: %zu rows\n", qb_vqe_table_describe(t)->name, b->c.n[t]);
    EXPECT(b->c.n[t] == want[t]);
  }
  EXPECT(b->c.bad_kinds == 0 && b->c.bad_meta == 0);
  for (int i = 0; i < 8; i++) EXPECT(!strcmp(b->eid[i], expected_eids[i]));
  /* per-file counts: A (file 1), B (file 7), C (file 6) */
  static const struct {
    int file;
    size_t n[QB_VQE_FEATURE_TABLES];
  } per_file[] = {{0, {1, 1, 1, 1, 24, 24, 12, 288, 15}},
                  {6, {1, 1, 1, 1, 16, 16, 6, 96, 9}},
                  {5, {1, 1, 1, 1, 72, 72, 60, 4320, 50}}};
  for (size_t k = 0; k < 3; k++)
    for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) EXPECT(count_file(&b->c, t, per_file[k].file) == per_file[k].n[t]);

  const collected *c = &b->c;
  /* Sample A */
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 0, 0), -428461, "_init_-428461");
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 0, 1), -308957, "_init_-308957");
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 0, 2), 905775, "_init_905775");
  EXPECT(nth(c, QB_VQE_INITIAL_PARAMETERS, 0, 0)->value == 2.982505318919779);
  ID_IS(nth(c, QB_VQE_OPTIMAL_PARAMETERS, 0, 0), 65395, "_opt_65395");
  ID_IS(nth(c, QB_VQE_OPTIMAL_PARAMETERS, 0, 1), -793392, "_opt_-793392");
  EXPECT(id_is(nth(c, QB_VQE_VQE_ITERATIONS, 0, 0), "682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f_iter_-689772"));
  EXPECT(id_is(nth(c, QB_VQE_VQE_ITERATIONS, 0, 1), "682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f_iter_368441"));
  EXPECT(id_is(nth(c, QB_VQE_VQE_ITERATIONS, 0, 2), "682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f_iter_184957"));
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 0, 0), -837469, "_term_-837469");
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 0, 1), -918376, "_term_-918376");
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 0, 2), 294282, "_term_294282");
  EXPECT(nth(c, QB_VQE_HAMILTONIAN_TERMS, 0, 2)->value == 0.0); /* coeff_imag */
  for (size_t k = 0; k < 24; k++) {
    const row_info *r = nth(c, QB_VQE_ITERATION_PARAMETERS, 0, k);
    char want_id[160];
    snprintf(want_id, sizeof want_id, "%s_iter_-689772_param_%zu", expected_eids[0], k);
    EXPECT(r && r->step == 1 && r->index == (int32_t)k && id_is(r, want_id));
  }
  EXPECT(nth(c, QB_VQE_ITERATION_PARAMETERS, 0, 24)->step == 2);
  EXPECT(distinct_ids(c, QB_VQE_INITIAL_PARAMETERS, 0) == 24);
  EXPECT(nth(c, QB_VQE_PERFORMANCE_METRICS, 0, 0)->value == strtod("5.1815", NULL));

  /* Sample B */
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 6, 0), -378298, "_init_-378298");
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 6, 1), -100866, "_init_-100866");
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 6, 2), 444872, "_init_444872");
  ID_IS(nth(c, QB_VQE_OPTIMAL_PARAMETERS, 6, 0), -672975, "_opt_-672975");
  ID_IS(nth(c, QB_VQE_OPTIMAL_PARAMETERS, 6, 1), 561806, "_opt_561806");
  EXPECT(id_is(nth(c, QB_VQE_VQE_ITERATIONS, 6, 0), "bd529ad3994c5c57466af3a15edde57d1631c2862c27a8869327f7dce5304c3f_iter_-984441"));
  EXPECT(id_is(nth(c, QB_VQE_VQE_ITERATIONS, 6, 1), "bd529ad3994c5c57466af3a15edde57d1631c2862c27a8869327f7dce5304c3f_iter_-372331"));
  EXPECT(id_is(nth(c, QB_VQE_VQE_ITERATIONS, 6, 2), "bd529ad3994c5c57466af3a15edde57d1631c2862c27a8869327f7dce5304c3f_iter_903804"));
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 6, 0), 466445, "_term_466445");
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 6, 1), 267295, "_term_267295");
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 6, 2), -495798, "_term_-495798");
  EXPECT(distinct_ids(c, QB_VQE_INITIAL_PARAMETERS, 6) == 16);
  EXPECT(nth(c, QB_VQE_PERFORMANCE_METRICS, 6, 0)->value == strtod("2.205", NULL));

  /* Sample C */
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 5, 0), -538410, "_init_-538410");
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 5, 1), -247194, "_init_-247194");
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 5, 2), -775358, "_init_-775358");
  ID_IS(nth(c, QB_VQE_OPTIMAL_PARAMETERS, 5, 0), -821294, "_opt_-821294");
  ID_IS(nth(c, QB_VQE_OPTIMAL_PARAMETERS, 5, 1), 955724, "_opt_955724");
  EXPECT(id_is(nth(c, QB_VQE_VQE_ITERATIONS, 5, 0), "1525409b2a8e879cf66da50d9c54173d598328634a619b3e90fa7ba2afa23c85_iter_-103701"));
  EXPECT(id_is(nth(c, QB_VQE_VQE_ITERATIONS, 5, 2), "1525409b2a8e879cf66da50d9c54173d598328634a619b3e90fa7ba2afa23c85_iter_-500138"));
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 5, 0), -250088, "_term_-250088");
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 5, 1), -226352, "_term_-226352");
  ID_IS(nth(c, QB_VQE_HAMILTONIAN_TERMS, 5, 2), -334835, "_term_-334835");
  EXPECT(distinct_ids(c, QB_VQE_INITIAL_PARAMETERS, 5) == 72);
  EXPECT(nth(c, QB_VQE_PERFORMANCE_METRICS, 5, 0)->value == strtod("391.90099999999995", NULL));

  /* HF initial parameters (file 4): 48 rows, one key (hash of "<eid>0.0": the batch types it double) */
  EXPECT(count_file(c, QB_VQE_INITIAL_PARAMETERS, 3) == 48);
  EXPECT(distinct_ids(c, QB_VQE_INITIAL_PARAMETERS, 3) == 1);
  ID_IS(nth(c, QB_VQE_INITIAL_PARAMETERS, 3, 47), -580501, "_init_-580501");
  batch_free(b);
  free(b);
}

QB_TEST(batch_one_row_tables)
{
  qb_err err = QB_ERR_INIT;
  batch *b = calloc(1, sizeof *b);
  int rc = batch_run(b, &err);
  if (rc) {
    batch_free(b);
    free(b);
  }
  CHECK_OK(rc, &err);
  const collected *c = &b->c;
  const char *meta_json = "\"processing_timestamp\":\"2025-11-26T12:51:40.123456Z\",\"processing_date\":"
                          "\"2025-11-26\",\"processing_batch_id\":\"3f1c2d4e-0000-4000-8000-1234567890ab\","
                          "\"processing_name\":\"quantum_base_processing\"}";
  char want[2048];
  snprintf(want, sizeof want,
           "{\"experiment_id\":\"%s\",\"molecule_id\":0,\"atom_symbols\":[\"H\",\"H\"],\"molecule_name\":\"HH\","
           "\"coordinates\":[[0.0,0.0,0.0],[0.0,0.0,0.74]],\"multiplicity\":1,\"charge\":0,\"coordinate_units\":"
           "\"angstrom\",\"atomic_masses\":[1.008,1.008],%s",
           expected_eids[0], meta_json);
  const char *got = nth(c, QB_VQE_MOLECULES, 0, 0)->json;
  if (strcmp(got, want)) fprintf(stderr, "  got  %s\n  want %s\n", got, want);
  EXPECT(!strcmp(got, want));
  /* molecule names concatenate the symbols; the old-schema file gets the coalesce defaults */
  EXPECT(strstr(nth(c, QB_VQE_MOLECULES, 6, 0)->json, "\"molecule_id\":2,\"atom_symbols\":[\"He\",\"He\"],\"molecule_name\":\"HeHe\""));
  EXPECT(strstr(nth(c, QB_VQE_MOLECULES, 5, 0)->json, "\"molecule_id\":4,") && strstr(nth(c, QB_VQE_MOLECULES, 5, 0)->json, "\"molecule_name\":\"BeH\""));
  EXPECT(strstr(nth(c, QB_VQE_MOLECULES, 6, 0)->json, "\"atomic_masses\":null,"));
  EXPECT(strstr(nth(c, QB_VQE_ANSATZ_INFO, 6, 0)->json, "\"ansatz_reps\":1,\"ansatz_name\":\"EfficientSU2\",\"init_strategy\":\"random\","));
  EXPECT(strstr(nth(c, QB_VQE_ANSATZ_INFO, 3, 0)->json, "\"ansatz_name\":\"RealAmplitudes\",\"init_strategy\":\"hf\","));
  snprintf(want, sizeof want,
           "{\"experiment_id\":\"%s\",\"molecule_id\":2,\"basis_set\":\"sto3g\",\"backend\":\"aer_simulator\","
           "\"num_qubits\":4,\"optimizer\":\"COBYLA\",\"noise_backend\":\"undef\",\"default_shots\":null,"
           "\"ansatz_reps\":1,\"ansatz_name\":\"EfficientSU2\",\"init_strategy\":\"random\",\"seed\":null,"
           "\"minimum_energy\":-7.259146035153014,\"maxcv\":null,\"nuclear_repulsion_energy\":null,\"success\":null,"
           "\"nfev\":null,\"nit\":null,\"total_iterations\":6,%s",
           expected_eids[6], meta_json);
  got = nth(c, QB_VQE_VQE_RESULTS, 6, 0)->json;
  if (strcmp(got, want)) fprintf(stderr, "  got  %s\n  want %s\n", got, want);
  EXPECT(!strcmp(got, want));
  got = nth(c, QB_VQE_VQE_RESULTS, 0, 0)->json;
  EXPECT(strstr(got, "\"seed\":42,\"minimum_energy\":-1.8346455952186378,\"maxcv\":0.0,\"nuclear_repulsion_energy\":"
                     "0.7151043390810812,\"success\":true,\"nfev\":12,\"nit\":12,\"total_iterations\":12,"));
  EXPECT(strstr(nth(c, QB_VQE_VQE_RESULTS, 5, 0)->json, "\"maxcv\":2.5E-6,"));
  got = nth(c, QB_VQE_PERFORMANCE_METRICS, 0, 0)->json;
  EXPECT(strstr(got, "\"hamiltonian_time\":0.8731,\"mapping_time\":0.0213,\"vqe_time\":4.2871,\"total_time\":5.1966,"
                     "\"minimization_time\":4.158486999999999,\"computed_total_time\":5.1815,"));
  batch_free(b);
  free(b);
}

QB_TEST(table_descriptions)
{
  static const struct {
    qb_vqe_table t;
    const char *name, *keys, *parts;
    size_t n_columns;
  } want[] = {
      {QB_VQE_MOLECULES, "molecules", "experiment_id,molecule_id", "processing_date", 13},
      {QB_VQE_ANSATZ_INFO, "ansatz_info", "experiment_id,molecule_id", "processing_date,basis_set", 11},
      {QB_VQE_PERFORMANCE_METRICS, "performance_metrics", "experiment_id,molecule_id,basis_set",
       "processing_date,basis_set", 13},
      {QB_VQE_VQE_RESULTS, "vqe_results", "experiment_id,molecule_id,basis_set", "processing_date,basis_set,backend", 23},
      {QB_VQE_INITIAL_PARAMETERS, "initial_parameters", "parameter_id", "processing_date,basis_set", 12},
      {QB_VQE_OPTIMAL_PARAMETERS, "optimal_parameters", "parameter_id", "processing_date,basis_set", 12},
      {QB_VQE_VQE_ITERATIONS, "vqe_iterations", "iteration_id", "processing_date,basis_set,backend", 16},
      {QB_VQE_ITERATION_PARAMETERS, "iteration_parameters", "parameter_id", "processing_date,basis_set", 14},
      {QB_VQE_HAMILTONIAN_TERMS, "hamiltonian_terms", "term_id", "processing_date,basis_set,backend", 13},
      {QB_VQE_PROCESSING_METADATA, "processing_metadata", "", "", 8},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const qb_vqe_table_desc *d = qb_vqe_table_describe(want[i].t);
    CHECK(d && !strcmp(d->name, want[i].name));
    EXPECT(d->n_columns == want[i].n_columns);
    char keys[256] = "", parts[256] = "";
    for (size_t k = 0; k < d->n_key_columns; k++)
      snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", k ? "," : "", d->columns[d->key_columns[k]].name);
    for (size_t k = 0; k < d->n_partition_columns; k++)
      snprintf(parts + strlen(parts), sizeof parts - strlen(parts), "%s%s", k ? "," : "",
               d->columns[d->partition_columns[k]].name);
    if (strcmp(keys, want[i].keys) || strcmp(parts, want[i].parts)) fprintf(stderr, "  %s: %s / %s\n", d->name, keys, parts);
    EXPECT(!strcmp(keys, want[i].keys) && !strcmp(parts, want[i].parts));
    for (size_t k = 0; k < d->n_columns; k++) EXPECT(!d->columns[k].required && d->columns[k].doc);
    qb_vqe_table back;
    qb_err err = QB_ERR_INIT;
    CHECK_OK(qb_vqe_table_lookup(&back, want[i].name, &err), &err);
    EXPECT(back == want[i].t);
  }
  /* the seed's exact column orders where they are unusual: meta columns before the hashed ids */
  const qb_vqe_table_desc *d = qb_vqe_table_describe(QB_VQE_INITIAL_PARAMETERS);
  static const char *const init_cols[] = {"experiment_id",       "molecule_id",     "basis_set",
                                          "backend",             "num_qubits",      "initial_parameter_value",
                                          "processing_timestamp", "processing_date", "processing_batch_id",
                                          "processing_name",     "parameter_index", "parameter_id"};
  for (size_t k = 0; k < 12; k++) EXPECT(!strcmp(d->columns[k].name, init_cols[k]));
  EXPECT(d->columns[6].type == QB_VQE_T_TIMESTAMPTZ && d->columns[7].type == QB_VQE_T_DATE &&
         d->columns[10].type == QB_VQE_T_INT);
  d = qb_vqe_table_describe(QB_VQE_HAMILTONIAN_TERMS);
  EXPECT(!strcmp(d->columns[4].name, "term_label") && d->columns[6].type == QB_VQE_T_DOUBLE);
  EXPECT(!strcmp(qb_vqe_table_describe(QB_VQE_VQE_RESULTS)->comment, "VQE optimization results for quantum simulations"));
  EXPECT(qb_vqe_table_describe(QB_VQE_PROCESSING_METADATA)->comment == NULL);
  EXPECT(qb_vqe_table_describe(QB_VQE_TABLE_COUNT) == NULL);
  EXPECT(!strcmp(qb_vqe_type_name(QB_VQE_T_LIST_LIST_DOUBLE), "list<list<double>>"));
  qb_err err = QB_ERR_INIT;
  qb_vqe_table t;
  CHECK_FAIL(qb_vqe_table_lookup(&t, "ml_run_summary", &err), QB_ENOTFOUND, &err, "no table named 'ml_run_summary'");
}

static int one_json(void *ctx, const qb_value *row, qb_err *err)
{
  size_t n;
  return qb_vqe_row_to_json((char **)ctx, &n, QB_VQE_PROCESSING_METADATA, row, err);
}

QB_TEST(processing_metadata_row)
{
  qb_vqe_meta m;
  qb_vqe_meta_init(&m, 0, "3f1c2d4e-0000-4000-8000-1234567890ab");
  const char *versions[QB_VQE_FEATURE_TABLES] = {"v_3f1c2d4e0000400080001234567890ab", "no_changes", "no_changes",
                                                 "no_changes", "no_changes", "no_changes", "no_changes",
                                                 "no_changes", "no_changes"};
  int64_t counts[QB_VQE_FEATURE_TABLES] = {8, 0, 0, 0, 0, 0, 0, 0, 0};
  char *json = NULL;
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_vqe_metadata_row(&m, versions, counts, "experiment.vqe", one_json, &json, &err), &err);
  CHECK_EQ_STR(json,
               "{\"processing_batch_id\":\"3f1c2d4e-0000-4000-8000-1234567890ab\",\"processing_name\":"
               "\"quantum_base_processing\",\"processing_timestamp\":\"1970-01-01T00:00:00.000000Z\","
               "\"processing_date\":\"1970-01-01\",\"table_names\":[\"molecules\",\"ansatz_info\","
               "\"performance_metrics\",\"vqe_results\",\"initial_parameters\",\"optimal_parameters\","
               "\"vqe_iterations\",\"iteration_parameters\",\"hamiltonian_terms\"],\"table_versions\":["
               "\"v_3f1c2d4e0000400080001234567890ab\",\"no_changes\",\"no_changes\",\"no_changes\",\"no_changes\","
               "\"no_changes\",\"no_changes\",\"no_changes\",\"no_changes\"],\"record_counts\":[8,0,0,0,0,0,0,0,0],"
               "\"source_data_info\":\"Incremental VQE simulation data processing from topic experiment.vqe\"}");
  free(json);
  json = NULL;
  CHECK_OK(qb_vqe_metadata_row(&m, versions, counts, NULL, one_json, &json, &err), &err);
  CHECK(strstr(json, "\"source_data_info\":\"Incremental VQE simulation data processing\"}") != NULL);
  free(json);
}

QB_TEST(meta_dates)
{
  qb_vqe_meta m;
  qb_vqe_meta_init(&m, 0, "b");
  CHECK_EQ_INT(m.processing_date, 0);
  qb_vqe_meta_init(&m, -1, "b");
  CHECK_EQ_INT(m.processing_date, -1);
  qb_vqe_meta_init(&m, INT64_C(86400000000), "b");
  CHECK_EQ_INT(m.processing_date, 1);
  qb_vqe_meta_init(&m, INT64_C(1764161500123456), "b");
  CHECK_EQ_INT(m.processing_date, 20418); /* 2025-11-26 */
  CHECK_EQ_STR(m.processing_name, "quantum_base_processing");
}

typedef struct counter {
  int n, fail_at;
} counter;

static int count_rows(void *ctx, const qb_value *row, qb_err *err)
{
  counter *c = ctx;
  if (++c->n == c->fail_at) return QB_FAIL(err, QB_EIO, "sink failed");
  return QB_OK;
}

QB_TEST(duplicate_iterations_and_callback_errors)
{
  /* iterations 2 and 2: vqe_iterations keeps the first (dropDuplicates), iteration_parameters keeps both */
  const char *at = strstr(vqe_e1_record, "\"iteration\":1,");
  CHECK(at != NULL);
  char *text = strdup(vqe_e1_record);
  text[at - vqe_e1_record + 12] = '2';
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  int rc = vqe_parse_one(&r, &a, "dup.json", text, &err); /* r borrows strings from text */
  if (rc) free(text);
  CHECK_OK(rc, &err);
  qb_vqe_types t;
  qb_vqe_types_init(&t);
  qb_vqe_types_add(&t, &r);
  qb_vqe_meta m;
  qb_vqe_meta_init(&m, 0, "b");
  char eid[65];
  CHECK_OK(qb_vqe_experiment_id(eid, &r, &t, &err), &err);
  counter c = {0, 0};
  CHECK_OK(qb_vqe_rows(QB_VQE_VQE_ITERATIONS, &r, eid, &t, &m, count_rows, &c, &err), &err);
  CHECK_EQ_INT(c.n, 1);
  c.n = 0;
  CHECK_OK(qb_vqe_rows(QB_VQE_ITERATION_PARAMETERS, &r, eid, &t, &m, count_rows, &c, &err), &err);
  CHECK_EQ_INT(c.n, 8);
  c = (counter){0, 3};
  CHECK_FAIL(qb_vqe_rows(QB_VQE_ITERATION_PARAMETERS, &r, eid, &t, &m, count_rows, &c, &err), QB_EIO, &err,
             "sink failed");
  CHECK_EQ_INT(c.n, 3); /* stopped at the failing row */
  CHECK_FAIL(qb_vqe_rows(QB_VQE_PROCESSING_METADATA, &r, eid, &t, &m, count_rows, &c, &err), QB_EINVAL, &err,
             "not a feature table");
  qb_arena_release(&a);
  free(text);
}

QB_TEST(iceberg_schemas_and_specs)
{
  qb_err err = QB_ERR_INIT;
  for (int t = 0; t < QB_VQE_TABLE_COUNT; t++) {
    const qb_vqe_table_desc *d = qb_vqe_table_describe((qb_vqe_table)t);
    qb_schema *s = NULL;
    CHECK_OK(qb_vqe_table_schema(&s, (qb_vqe_table)t, &err), &err);
    EXPECT(qb_schema_n_fields(s) == d->n_columns && qb_schema_id(s) == 0);
    for (size_t i = 0; i < d->n_columns; i++) {
      const qb_field *f = &qb_schema_fields(s)[i];
      EXPECT(f->id == (int32_t)i + 1 && !strcmp(f->name, d->columns[i].name) && !f->required && !f->doc);
    }
    qb_partition_field pf[QB_VQE_MAX_PARTITION_FIELDS];
    qb_partition_spec spec;
    CHECK_OK(qb_vqe_table_partition_spec(&spec, pf, (qb_vqe_table)t, &err), &err);
    int rc = qb_partition_spec_validate(&spec, s, &err);
    if (rc) qb_schema_free(s);
    CHECK_OK(rc, &err);
    EXPECT(spec.n_fields == d->n_partition_columns);
    for (size_t i = 0; i < spec.n_fields; i++)
      EXPECT(spec.fields[i].field_id == 1000 + (int32_t)i && spec.fields[i].transform.kind == QB_TR_IDENTITY);
    qb_schema_free(s);
  }
  /* nested ids after the 13 columns, outer list before inner, in column order (AssignFreshIds) */
  qb_schema *s = NULL;
  CHECK_OK(qb_vqe_table_schema(&s, QB_VQE_MOLECULES, &err), &err);
  const qb_field *f = qb_schema_find_field_by_name(s, "atom_symbols.element");
  EXPECT(f && f->id == 14 && f->type->id == QB_T_STRING && !f->required);
  f = qb_schema_find_field_by_name(s, "coordinates.element");
  EXPECT(f && f->id == 15 && f->type->id == QB_T_LIST);
  f = qb_schema_find_field_by_name(s, "coordinates.element.element");
  EXPECT(f && f->id == 16 && f->type->id == QB_T_DOUBLE);
  f = qb_schema_find_field_by_name(s, "atomic_masses.element");
  EXPECT(f && f->id == 17);
  EXPECT(qb_schema_highest_field_id(s) == 17);
  EXPECT(qb_schema_find_field_by_name(s, "processing_timestamp")->type->id == QB_T_TIMESTAMPTZ);
  qb_schema_free(s);
}

typedef struct path_ctx {
  const qb_schema *schema;
  const qb_partition_spec *spec;
  char *path;
} path_ctx;

static int partition_path(void *ctx, const qb_value *row, qb_err *err)
{
  path_ctx *c = ctx;
  qb_value part[QB_VQE_MAX_PARTITION_FIELDS];
  uint8_t scratch[QB_VQE_MAX_PARTITION_FIELDS][16];
  int rc = qb_partition_spec_eval(part, scratch, c->spec, c->schema, row, err);
  if (!rc && !c->path) rc = qb_partition_spec_path(&c->path, c->spec, c->schema, part, err);
  return rc;
}

QB_TEST(rows_fit_their_partition_spec)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  CHECK_OK(vqe_parse_one(&r, &a, "e1.json", vqe_e1_record, &err), &err);
  qb_vqe_types t;
  qb_vqe_types_init(&t);
  qb_vqe_types_add(&t, &r);
  qb_vqe_meta m;
  qb_vqe_meta_init(&m, INT64_C(1764161500123456), "3f1c2d4e-0000-4000-8000-1234567890ab");
  char eid[65];
  CHECK_OK(qb_vqe_experiment_id(eid, &r, &t, &err), &err);
  static const char *const want[QB_VQE_FEATURE_TABLES] = {
      "processing_date=2025-11-26",
      "processing_date=2025-11-26/basis_set=sto3g",
      "processing_date=2025-11-26/basis_set=sto3g",
      "processing_date=2025-11-26/basis_set=sto3g/backend=aer_simulator",
      "processing_date=2025-11-26/basis_set=sto3g",
      "processing_date=2025-11-26/basis_set=sto3g",
      "processing_date=2025-11-26/basis_set=sto3g/backend=aer_simulator",
      "processing_date=2025-11-26/basis_set=sto3g",
      "processing_date=2025-11-26/basis_set=sto3g/backend=aer_simulator"};
  for (int k = 0; k < QB_VQE_FEATURE_TABLES; k++) {
    qb_schema *s = NULL;
    qb_partition_field pf[QB_VQE_MAX_PARTITION_FIELDS];
    qb_partition_spec spec;
    CHECK_OK(qb_vqe_table_schema(&s, (qb_vqe_table)k, &err), &err);
    path_ctx c = {s, &spec, NULL};
    int rc = qb_vqe_table_partition_spec(&spec, pf, (qb_vqe_table)k, &err);
    if (!rc) rc = qb_vqe_rows((qb_vqe_table)k, &r, eid, &t, &m, partition_path, &c, &err);
    qb_schema_free(s);
    if (rc) free(c.path);
    CHECK_OK(rc, &err);
    if (!c.path || strcmp(c.path, want[k])) fprintf(stderr, "  table %d: %s\n", k, c.path ? c.path : "(none)");
    EXPECT(c.path && !strcmp(c.path, want[k]));
    free(c.path);
  }
  qb_arena_release(&a);
}
