/* SPDX-License-Identifier: Apache-2.0 */
/* experiment_id and the hashed id columns (pipeline-spec §6.4 and §4.5–4.9), and the part of Spark's
 * batch schema inference that changes them (§2.2): for six double fields, bigint when every number token
 * of the batch is an integer. Nested fields print in the inferred order (alphabetical) for JSON input and
 * in Avro schema order for .avro input; null fields are omitted (ignoreNullFields). */
#include "pipeline/vqe_ids.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/java_double.h"
#include "pipeline/spark_json.h"

void qb_vqe_types_init(qb_vqe_types *t) { memset(t, 0, sizeof *t); }

void qb_vqe_types_add(qb_vqe_types *t, const qb_vqe_record *rec)
{
  t->float_fields |= rec->float_fields;
  if (rec->source == QB_VQE_SRC_AVRO) t->flags |= QB_VQE_TYPES_AVRO;
  t->n_records++;
}

bool qb_vqe_types_equivalent(const qb_vqe_types *a, const qb_vqe_types *b, const qb_vqe_record *rec)
{
  uint32_t differ = (a->float_fields ^ b->float_fields) & qb_vqe_types_deps(rec);
  /* the Avro flag orders the nested fields of JSON records; Avro records are always in Avro order */
  return differ == 0 &&
         (rec->source == QB_VQE_SRC_AVRO || (a->flags & QB_VQE_TYPES_AVRO) == (b->flags & QB_VQE_TYPES_AVRO));
}

size_t qb_vqe_number_string(char out[32], double v, bool as_long)
{
  if (as_long) return (size_t)snprintf(out, 32, "%" PRId64, (int64_t)v);
  return qb_java_double_to_string(out, v);
}

/* ---- to_json of struct(molecule_data, basis_set, initial_data) ---- */

typedef struct jw {
  qb_buf *b;
  qb_err *err;
  const qb_vqe_record *r;
  const qb_vqe_types *t;
  bool avro_order;
} jw;

static int j_str(jw *w, qb_vqe_str s) { return qb_spark_json_string(w->b, s.p, s.n, w->err); }
static int j_key(jw *w, bool *first, const char *k) { return qb_spark_json_key(w->b, first, k, w->err); }

static int j_num(jw *w, double v, bool as_long)
{
  return as_long ? qb_spark_json_long(w->b, (int64_t)v, w->err) : qb_spark_json_double(w->b, v, w->err);
}

static int j_doubles(jw *w, const qb_vqe_doubles *d, unsigned bit)
{
  bool as_long = qb_vqe_types_as_long(w->t, w->r, bit);
  int rc = qb_buf_putc(w->b, '[', w->err);
  for (size_t i = 0; !rc && i < d->n; i++) {
    if (i && (rc = qb_buf_putc(w->b, ',', w->err))) break;
    rc = j_num(w, d->v[i], as_long);
  }
  return rc ? rc : qb_buf_putc(w->b, ']', w->err);
}

enum { MD_CHARGE, MD_COORDS, MD_MASSES, MD_MULTIPLICITY, MD_SYMBOLS, MD_UNITS, MD_N };
static const char *const md_names[MD_N] = {"charge", "coords", "masses", "multiplicity", "symbols", "units"};
static const uint8_t md_json_order[MD_N] = {MD_CHARGE,       MD_COORDS,  MD_MASSES,
                                            MD_MULTIPLICITY, MD_SYMBOLS, MD_UNITS};
static const uint8_t md_avro_order[MD_N] = {MD_SYMBOLS, MD_COORDS, MD_MULTIPLICITY,
                                            MD_CHARGE,  MD_UNITS,  MD_MASSES};

static int j_molecule_data(jw *w)
{
  const qb_vqe_record *r = w->r;
  const uint8_t *order = w->avro_order ? md_avro_order : md_json_order;
  bool first = true;
  int rc = qb_buf_putc(w->b, '{', w->err);
  for (int k = 0; !rc && k < MD_N; k++) {
    int f = order[k];
    if (f == MD_MASSES && !r->has_masses) continue; /* null: omitted */
    if ((rc = j_key(w, &first, md_names[f]))) break;
    switch (f) {
    case MD_CHARGE: rc = qb_spark_json_long(w->b, r->charge, w->err); break;
    case MD_COORDS:
      rc = qb_buf_putc(w->b, '[', w->err);
      for (size_t i = 0; !rc && i < r->n_coords; i++) {
        if (i && (rc = qb_buf_putc(w->b, ',', w->err))) break;
        rc = j_doubles(w, &r->coords[i], QB_VQE_F_COORDS);
      }
      if (!rc) rc = qb_buf_putc(w->b, ']', w->err);
      break;
    case MD_MASSES: rc = j_doubles(w, &r->masses, QB_VQE_F_MASSES); break;
    case MD_MULTIPLICITY: rc = qb_spark_json_long(w->b, r->multiplicity, w->err); break;
    case MD_SYMBOLS:
      rc = qb_buf_putc(w->b, '[', w->err);
      for (size_t i = 0; !rc && i < r->n_symbols; i++) {
        if (i && (rc = qb_buf_putc(w->b, ',', w->err))) break;
        rc = j_str(w, r->symbols[i]);
      }
      if (!rc) rc = qb_buf_putc(w->b, ']', w->err);
      break;
    default: rc = j_str(w, r->units);
    }
  }
  return rc ? rc : qb_buf_putc(w->b, '}', w->err);
}

static int j_coefficients(jw *w, const qb_vqe_term *t)
{
  bool re_long = qb_vqe_types_as_long(w->t, w->r, QB_VQE_F_COEFF_REAL);
  bool im_long = qb_vqe_types_as_long(w->t, w->r, QB_VQE_F_COEFF_IMAG);
  bool first = true;
  int rc = qb_buf_putc(w->b, '{', w->err);
  for (int k = 0; !rc && k < 2; k++) {
    bool real = (k == 0) == w->avro_order; /* imaginary < real; Avro declares real first */
    if (!(rc = j_key(w, &first, real ? "real" : "imaginary")))
      rc = real ? j_num(w, t->real, re_long) : j_num(w, t->imaginary, im_long);
  }
  return rc ? rc : qb_buf_putc(w->b, '}', w->err);
}

static int j_term(jw *w, const qb_vqe_term *t)
{
  bool first = true;
  int rc = qb_buf_putc(w->b, '{', w->err);
  for (int k = 0; !rc && k < 2; k++) {
    bool label = (k == 0) == w->avro_order; /* coefficients < label; Avro declares label first */
    if (!(rc = j_key(w, &first, label ? "label" : "coefficients")))
      rc = label ? j_str(w, t->label) : j_coefficients(w, t);
  }
  return rc ? rc : qb_buf_putc(w->b, '}', w->err);
}

enum {
  ID_ANSATZ,
  ID_ANSATZ_NAME,
  ID_ANSATZ_REPS,
  ID_BACKEND,
  ID_DEFAULT_SHOTS,
  ID_EXACT_ESTIMATOR,
  ID_HAMILTONIAN,
  ID_INIT_STRATEGY,
  ID_INITIAL_PARAMETERS,
  ID_NOISE_BACKEND,
  ID_NUM_PARAMETERS,
  ID_NUM_QUBITS,
  ID_OPTIMIZER,
  ID_SEED,
  ID_N
};
static const char *const id_names[ID_N] = {
    "ansatz",        "ansatz_name",        "ansatz_reps",   "backend",        "default_shots",
    "exact_estimator", "hamiltonian",      "init_strategy", "initial_parameters", "noise_backend",
    "num_parameters", "num_qubits",        "optimizer",     "seed"};
/* Java's String.compareTo order of the names: "init_strategy" < "initial_parameters" ('_' < 'i') */
static const uint8_t id_json_order[ID_N] = {ID_ANSATZ,         ID_ANSATZ_NAME,  ID_ANSATZ_REPS,     ID_BACKEND,
                                            ID_DEFAULT_SHOTS,  ID_EXACT_ESTIMATOR, ID_HAMILTONIAN, ID_INIT_STRATEGY,
                                            ID_INITIAL_PARAMETERS, ID_NOISE_BACKEND, ID_NUM_PARAMETERS,
                                            ID_NUM_QUBITS,     ID_OPTIMIZER,    ID_SEED};
static const uint8_t id_avro_order[ID_N] = {ID_BACKEND,       ID_NUM_QUBITS,    ID_HAMILTONIAN,  ID_NUM_PARAMETERS,
                                            ID_INITIAL_PARAMETERS, ID_OPTIMIZER, ID_ANSATZ,      ID_NOISE_BACKEND,
                                            ID_DEFAULT_SHOTS, ID_ANSATZ_REPS,   ID_INIT_STRATEGY, ID_SEED,
                                            ID_ANSATZ_NAME,   ID_EXACT_ESTIMATOR};

static int j_initial_data(jw *w)
{
  const qb_vqe_record *r = w->r;
  const uint8_t *order = w->avro_order ? id_avro_order : id_json_order;
  bool first = true;
  int rc = qb_buf_putc(w->b, '{', w->err);
  for (int k = 0; !rc && k < ID_N; k++) {
    int f = order[k];
    if ((f == ID_ANSATZ_NAME && !r->has_ansatz_name) || (f == ID_DEFAULT_SHOTS && !r->has_default_shots) ||
        (f == ID_EXACT_ESTIMATOR && !r->has_exact_estimator) || (f == ID_INIT_STRATEGY && !r->has_init_strategy) ||
        (f == ID_SEED && !r->has_seed))
      continue; /* null or absent: omitted */
    if ((rc = j_key(w, &first, id_names[f]))) break;
    switch (f) {
    case ID_ANSATZ: rc = j_str(w, r->ansatz); break;
    case ID_ANSATZ_NAME: rc = j_str(w, r->ansatz_name); break;
    case ID_ANSATZ_REPS: rc = qb_spark_json_long(w->b, r->ansatz_reps, w->err); break;
    case ID_BACKEND: rc = j_str(w, r->backend); break;
    case ID_DEFAULT_SHOTS: rc = qb_spark_json_long(w->b, r->default_shots, w->err); break;
    case ID_EXACT_ESTIMATOR: rc = qb_spark_json_bool(w->b, r->exact_estimator, w->err); break;
    case ID_HAMILTONIAN:
      rc = qb_buf_putc(w->b, '[', w->err);
      for (size_t i = 0; !rc && i < r->n_hamiltonian; i++) {
        if (i && (rc = qb_buf_putc(w->b, ',', w->err))) break;
        rc = j_term(w, &r->hamiltonian[i]);
      }
      if (!rc) rc = qb_buf_putc(w->b, ']', w->err);
      break;
    case ID_INIT_STRATEGY: rc = j_str(w, r->init_strategy); break;
    case ID_INITIAL_PARAMETERS: rc = j_doubles(w, &r->initial_parameters, QB_VQE_F_INITIAL_PARAMETERS); break;
    case ID_NOISE_BACKEND: rc = j_str(w, r->noise_backend); break;
    case ID_NUM_PARAMETERS: rc = qb_spark_json_long(w->b, r->num_parameters, w->err); break;
    case ID_NUM_QUBITS: rc = qb_spark_json_long(w->b, r->num_qubits, w->err); break;
    case ID_OPTIMIZER: rc = j_str(w, r->optimizer); break;
    default: rc = qb_spark_json_long(w->b, r->seed, w->err);
    }
  }
  return rc ? rc : qb_buf_putc(w->b, '}', w->err);
}

int qb_vqe_experiment_text_buf(qb_buf *b, const qb_vqe_record *r, const qb_vqe_types *t, qb_err *err)
{
  jw w = {b, err, r, t, (t->flags & QB_VQE_TYPES_AVRO) || r->source == QB_VQE_SRC_AVRO};
  bool first = true;
  /* the outer struct keeps the call's order: molecule_data, basis_set, initial_data (not sorted) */
  int rc = qb_buf_putc(b, '{', err);
  if (!rc) rc = j_key(&w, &first, "molecule_data");
  if (!rc) rc = j_molecule_data(&w);
  if (!rc) rc = j_key(&w, &first, "basis_set");
  if (!rc) rc = j_str(&w, r->basis_set);
  if (!rc) rc = j_key(&w, &first, "initial_data");
  if (!rc) rc = j_initial_data(&w);
  if (!rc) rc = qb_buf_putc(b, '}', err);
  return rc ? qb_err_wrap(err, "experiment_id text") : QB_OK;
}

int qb_vqe_experiment_text(char **out, size_t *out_n, const qb_vqe_record *rec, const qb_vqe_types *t,
                           qb_err *err)
{
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  int rc = qb_vqe_experiment_text_buf(&b, rec, t, err);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  *out = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}

int qb_vqe_experiment_id(char out[65], const qb_vqe_record *rec, const qb_vqe_types *t, qb_err *err)
{
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  int rc = qb_vqe_experiment_text_buf(&b, rec, t, err);
  if (!rc) rc = qb_spark_sha2_256(out, b.p ? (const void *)b.p : "", b.n, err);
  qb_buf_free(&b);
  return rc;
}

void qb_vqe_idhash_init(qb_vqe_idhash *h, const char *experiment_id, size_t n)
{
  qb_spark_murmur_init(&h->after_id, QB_SPARK_HASH_SEED);
  qb_spark_murmur_update(&h->after_id, experiment_id, n);
}

int32_t qb_vqe_idhash_str(const qb_vqe_idhash *h, const char *p, size_t n)
{
  qb_spark_murmur m = h->after_id;
  qb_spark_murmur_update(&m, p, n);
  return qb_spark_murmur_final(&m);
}
