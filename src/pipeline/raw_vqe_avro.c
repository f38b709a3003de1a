/* SPDX-License-Identifier: Apache-2.0 */
/* Raw VQEDecoratedResult records from .avro Object Container Files (the Kafka Connect path of pipeline-spec
 * §1.1, §2.1): each file's writer schema is resolved against the schema below (by field name; names of
 * records are not compared), then every record is checked with the JSON path's acceptance rules. Spark's
 * Avro reader types doubles as double and keeps the Avro field order, so such records carry
 * source = QB_VQE_SRC_AVRO and every float bit set (vqe_ids.c prints them accordingly). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/java_double.h"
#include "pipeline/raw_vqe.h"

const char qb_vqe_avro_schema_json[] =
    "{\"type\":\"record\",\"name\":\"VQEDecoratedResult\",\"fields\":["
    "{\"name\":\"vqe_result\",\"type\":{\"type\":\"record\",\"name\":\"VQEResult\",\"fields\":["
    "{\"name\":\"initial_data\",\"type\":{\"type\":\"record\",\"name\":\"VQEInitialData\",\"fields\":["
    "{\"name\":\"backend\",\"type\":\"string\"},"
    "{\"name\":\"num_qubits\",\"type\":\"long\"},"
    "{\"name\":\"hamiltonian\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":"
    "\"HamiltonianTerm\",\"fields\":[{\"name\":\"label\",\"type\":\"string\"},{\"name\":\"coefficients\",\"type\":"
    "{\"type\":\"record\",\"name\":\"ComplexNumber\",\"fields\":[{\"name\":\"real\",\"type\":\"double\"},"
    "{\"name\":\"imaginary\",\"type\":\"double\"}]}}]}}},"
    "{\"name\":\"num_parameters\",\"type\":\"long\"},"
    "{\"name\":\"initial_parameters\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
    "{\"name\":\"optimizer\",\"type\":\"string\"},"
    "{\"name\":\"ansatz\",\"type\":\"string\"},"
    "{\"name\":\"noise_backend\",\"type\":\"string\"},"
    "{\"name\":\"default_shots\",\"type\":[\"long\",\"null\"]},"
    "{\"name\":\"ansatz_reps\",\"type\":\"long\"},"
    "{\"name\":\"init_strategy\",\"type\":[\"string\",\"null\"]},"
    "{\"name\":\"seed\",\"type\":[\"null\",\"long\"]},"
    "{\"name\":\"ansatz_name\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"exact_estimator\",\"type\":[\"null\",\"boolean\"]}]}},"
    "{\"name\":\"iteration_list\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":"
    "\"VQEProcess\",\"fields\":[{\"name\":\"iteration\",\"type\":\"long\"},"
    "{\"name\":\"parameters\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
    "{\"name\":\"result\",\"type\":\"double\"},{\"name\":\"std\",\"type\":\"double\"},"
    "{\"name\":\"energy_delta\",\"type\":[\"null\",\"double\"]},"
    "{\"name\":\"parameter_delta_norm\",\"type\":[\"null\",\"double\"]},"
    "{\"name\":\"cumulative_min_energy\",\"type\":[\"null\",\"double\"]}]}}},"
    "{\"name\":\"minimum\",\"type\":\"double\"},"
    "{\"name\":\"optimal_parameters\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
    "{\"name\":\"maxcv\",\"type\":[\"null\",\"double\"]},"
    "{\"name\":\"minimization_time\",\"type\":\"double\"},"
    "{\"name\":\"nuclear_repulsion_energy\",\"type\":[\"null\",\"double\"]},"
    "{\"name\":\"success\",\"type\":[\"null\",\"boolean\"]},"
    "{\"name\":\"nfev\",\"type\":[\"null\",\"long\"]},"
    "{\"name\":\"nit\",\"type\":[\"null\",\"long\"]}]}},"
    "{\"name\":\"molecule\",\"type\":{\"type\":\"record\",\"name\":\"MoleculeInfo\",\"namespace\":"
    "\"quantum_pipeline\",\"fields\":[{\"name\":\"molecule_data\",\"type\":{\"type\":\"record\",\"name\":"
    "\"MoleculeData\",\"fields\":[{\"name\":\"symbols\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"coords\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"double\"}}},"
    "{\"name\":\"multiplicity\",\"type\":\"long\"},{\"name\":\"charge\",\"type\":\"long\"},"
    "{\"name\":\"units\",\"type\":\"string\"},"
    "{\"name\":\"masses\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"double\"}]}]}}]}},"
    "{\"name\":\"basis_set\",\"type\":\"string\"},"
    "{\"name\":\"hamiltonian_time\",\"type\":\"double\"},{\"name\":\"mapping_time\",\"type\":\"double\"},"
    "{\"name\":\"vqe_time\",\"type\":\"double\"},{\"name\":\"total_time\",\"type\":\"double\"},"
    "{\"name\":\"molecule_id\",\"type\":\"long\"},"
    "{\"name\":\"performance_start\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"performance_end\",\"type\":[\"null\",\"string\"]}]}";

typedef struct cv {
  const char *where;
  qb_arena *a;
  qb_err *err;
  char path[320];
  size_t len[24];
  int depth;
} cv;

static void push(cv *c, const char *key, size_t idx)
{
  size_t n = strlen(c->path);
  if (c->depth < 24) c->len[c->depth] = n;
  c->depth++;
  if (key)
    snprintf(c->path + n, sizeof c->path - n, "%s%s", n ? "." : "", key);
  else
    snprintf(c->path + n, sizeof c->path - n, "[%zu]", idx);
}

static void pop(cv *c)
{
  c->depth--;
  if (c->depth >= 0 && c->depth < 24) c->path[c->len[c->depth]] = '\0';
}

static int fail(cv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(cv *c, const char *fmt, ...)
{
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return QB_FAIL(c->err, QB_ECORRUPT, "%s: %s%s%s", c->where, c->path, c->path[0] ? ": " : "", what);
}

static const qb_value *field(const qb_value *rec, size_t i) { return &rec->u.seq.items[i]; }

/* Each reader runs with its field pushed on the path; `required` turns a null into an error. */
static int get_double(cv *c, double *out, bool *has, const qb_value *v)
{
  if (v->kind == QB_V_NULL) {
    if (has) return *has = false, QB_OK;
    return fail(c, "missing required field");
  }
  if (!isfinite(v->u.f64)) {
    char text[QB_JAVA_DOUBLE_MAX];
    qb_java_double_to_string(text, v->u.f64);
    return fail(c, "non-finite number %s is not accepted", text);
  }
  *out = v->u.f64;
  if (has) *has = true;
  return QB_OK;
}

static int get_int(cv *c, int32_t *out, bool *has, const qb_value *v)
{
  if (v->kind == QB_V_NULL) {
    if (has) return *has = false, QB_OK;
    return fail(c, "missing required field");
  }
  if (v->u.i64 < INT32_MIN || v->u.i64 > INT32_MAX)
    return fail(c, "integer %lld is out of range for an Avro int (32 bits)", (long long)v->u.i64);
  *out = (int32_t)v->u.i64;
  if (has) *has = true;
  return QB_OK;
}

static int get_string(cv *c, qb_vqe_str *out, bool *has, const qb_value *v)
{
  if (v->kind == QB_V_NULL) {
    if (has) return *has = false, QB_OK;
    return fail(c, "missing required field");
  }
  if (!qb_vqe_utf8_valid((const char *)v->u.bytes.p, v->u.bytes.n)) return fail(c, "invalid UTF-8 in string");
  out->p = (const char *)v->u.bytes.p;
  out->n = v->u.bytes.n;
  if (has) *has = true;
  return QB_OK;
}

static int get_bool(cv *c, bool *out, bool *has, const qb_value *v)
{
  if (v->kind == QB_V_NULL) return *has = false, QB_OK;
  *out = v->u.b;
  *has = true;
  return QB_OK;
}

static int get_doubles(cv *c, qb_vqe_doubles *out, bool *has, const qb_value *v)
{
  if (v->kind == QB_V_NULL) {
    if (has) return *has = false, QB_OK;
    return fail(c, "missing required field");
  }
  double *d = qb_arena_alloc(c->a, (v->u.seq.n ? v->u.seq.n : 1) * sizeof *d);
  if (!d) return QB_FAIL(c->err, QB_ENOMEM, "%s: out of memory", c->where);
  for (size_t i = 0; i < v->u.seq.n; i++) {
    push(c, NULL, i);
    int rc = get_double(c, &d[i], NULL, &v->u.seq.items[i]);
    pop(c);
    if (rc) return rc;
  }
  out->v = d;
  out->n = v->u.seq.n;
  if (has) *has = true;
  return QB_OK;
}

static void *alloc_array(cv *c, size_t n, size_t elem)
{
  void *p = qb_arena_calloc(c->a, n ? n : 1, elem);
  if (!p) QB_FAIL(c->err, QB_ENOMEM, "%s: out of memory", c->where);
  return p;
}

#define FIELD(c, name, expr)     \
  do {                           \
    push(c, name, 0);            \
    int rc_ = (expr);            \
    pop(c);                      \
    if (rc_) return rc_;         \
  } while (0)

static int initial_data(cv *c, qb_vqe_record *r, const qb_value *v)
{
  FIELD(c, "backend", get_string(c, &r->backend, NULL, field(v, 0)));
  FIELD(c, "num_qubits", get_int(c, &r->num_qubits, NULL, field(v, 1)));
  const qb_value *h = field(v, 2);
  if (h->kind == QB_V_NULL) FIELD(c, "hamiltonian", fail(c, "missing required field"));
  r->n_hamiltonian = h->u.seq.n;
  if (!(r->hamiltonian = alloc_array(c, r->n_hamiltonian, sizeof *r->hamiltonian))) return c->err->code;
  push(c, "hamiltonian", 0);
  for (size_t i = 0; i < r->n_hamiltonian; i++) {
    const qb_value *t = &h->u.seq.items[i], *co = field(t, 1);
    push(c, NULL, i);
    FIELD(c, "label", get_string(c, &r->hamiltonian[i].label, NULL, field(t, 0)));
    if (co->kind == QB_V_NULL) FIELD(c, "coefficients", fail(c, "missing required field"));
    push(c, "coefficients", 0);
    FIELD(c, "real", get_double(c, &r->hamiltonian[i].real, NULL, field(co, 0)));
    FIELD(c, "imaginary", get_double(c, &r->hamiltonian[i].imaginary, NULL, field(co, 1)));
    pop(c);
    pop(c);
  }
  pop(c);
  FIELD(c, "num_parameters", get_int(c, &r->num_parameters, NULL, field(v, 3)));
  FIELD(c, "initial_parameters", get_doubles(c, &r->initial_parameters, NULL, field(v, 4)));
  FIELD(c, "optimizer", get_string(c, &r->optimizer, NULL, field(v, 5)));
  FIELD(c, "ansatz", get_string(c, &r->ansatz, NULL, field(v, 6)));
  FIELD(c, "noise_backend", get_string(c, &r->noise_backend, NULL, field(v, 7)));
  FIELD(c, "default_shots", get_int(c, &r->default_shots, &r->has_default_shots, field(v, 8)));
  FIELD(c, "ansatz_reps", get_int(c, &r->ansatz_reps, NULL, field(v, 9)));
  FIELD(c, "init_strategy", get_string(c, &r->init_strategy, &r->has_init_strategy, field(v, 10)));
  FIELD(c, "seed", get_int(c, &r->seed, &r->has_seed, field(v, 11)));
  FIELD(c, "ansatz_name", get_string(c, &r->ansatz_name, &r->has_ansatz_name, field(v, 12)));
  FIELD(c, "exact_estimator", get_bool(c, &r->exact_estimator, &r->has_exact_estimator, field(v, 13)));
  return QB_OK;
}

static int iterations(cv *c, qb_vqe_record *r, const qb_value *v)
{
  if (v->kind == QB_V_NULL) return fail(c, "missing required field");
  if (v->u.seq.n == 0) return fail(c, "empty iteration list: a VQE run without iterations is not accepted");
  r->n_iterations = v->u.seq.n;
  if (!(r->iterations = alloc_array(c, r->n_iterations, sizeof *r->iterations))) return c->err->code;
  for (size_t i = 0; i < r->n_iterations; i++) {
    const qb_value *p = &v->u.seq.items[i];
    qb_vqe_iteration *it = &r->iterations[i];
    push(c, NULL, i);
    FIELD(c, "iteration", get_int(c, &it->iteration, NULL, field(p, 0)));
    FIELD(c, "parameters", get_doubles(c, &it->parameters, NULL, field(p, 1)));
    FIELD(c, "result", get_double(c, &it->result, NULL, field(p, 2)));
    FIELD(c, "std", get_double(c, &it->std, NULL, field(p, 3)));
    FIELD(c, "energy_delta", get_double(c, &it->energy_delta, &it->has_energy_delta, field(p, 4)));
    FIELD(c, "parameter_delta_norm",
          get_double(c, &it->parameter_delta_norm, &it->has_parameter_delta_norm, field(p, 5)));
    FIELD(c, "cumulative_min_energy",
          get_double(c, &it->cumulative_min_energy, &it->has_cumulative_min_energy, field(p, 6)));
    pop(c);
  }
  return QB_OK;
}

static int vqe_result(cv *c, qb_vqe_record *r, const qb_value *v)
{
  if (v->kind == QB_V_NULL) return fail(c, "missing required field");
  const qb_value *id = field(v, 0);
  if (id->kind == QB_V_NULL) FIELD(c, "initial_data", fail(c, "missing required field"));
  push(c, "initial_data", 0);
  int rc = initial_data(c, r, id);
  pop(c);
  if (rc) return rc;
  FIELD(c, "iteration_list", iterations(c, r, field(v, 1)));
  FIELD(c, "minimum", get_double(c, &r->minimum, NULL, field(v, 2)));
  FIELD(c, "optimal_parameters", get_doubles(c, &r->optimal_parameters, NULL, field(v, 3)));
  FIELD(c, "maxcv", get_double(c, &r->maxcv, &r->has_maxcv, field(v, 4)));
  FIELD(c, "minimization_time", get_double(c, &r->minimization_time, NULL, field(v, 5)));
  FIELD(c, "nuclear_repulsion_energy",
        get_double(c, &r->nuclear_repulsion_energy, &r->has_nuclear_repulsion_energy, field(v, 6)));
  FIELD(c, "success", get_bool(c, &r->success, &r->has_success, field(v, 7)));
  FIELD(c, "nfev", get_int(c, &r->nfev, &r->has_nfev, field(v, 8)));
  FIELD(c, "nit", get_int(c, &r->nit, &r->has_nit, field(v, 9)));
  return QB_OK;
}

static int molecule_data(cv *c, qb_vqe_record *r, const qb_value *v)
{
  if (v->kind == QB_V_NULL) return fail(c, "missing required field");
  const qb_value *sym = field(v, 0), *co = field(v, 1);
  if (sym->kind == QB_V_NULL) FIELD(c, "symbols", fail(c, "missing required field"));
  r->n_symbols = sym->u.seq.n;
  if (!(r->symbols = alloc_array(c, r->n_symbols, sizeof *r->symbols))) return c->err->code;
  push(c, "symbols", 0);
  for (size_t i = 0; i < r->n_symbols; i++) {
    push(c, NULL, i);
    int rc = get_string(c, &r->symbols[i], NULL, &sym->u.seq.items[i]);
    pop(c);
    if (rc) return rc;
  }
  pop(c);
  if (co->kind == QB_V_NULL) FIELD(c, "coords", fail(c, "missing required field"));
  r->n_coords = co->u.seq.n;
  if (!(r->coords = alloc_array(c, r->n_coords, sizeof *r->coords))) return c->err->code;
  push(c, "coords", 0);
  for (size_t i = 0; i < r->n_coords; i++) {
    push(c, NULL, i);
    int rc = get_doubles(c, &r->coords[i], NULL, &co->u.seq.items[i]);
    pop(c);
    if (rc) return rc;
  }
  pop(c);
  FIELD(c, "multiplicity", get_int(c, &r->multiplicity, NULL, field(v, 2)));
  FIELD(c, "charge", get_int(c, &r->charge, NULL, field(v, 3)));
  FIELD(c, "units", get_string(c, &r->units, NULL, field(v, 4)));
  FIELD(c, "masses", get_doubles(c, &r->masses, &r->has_masses, field(v, 5)));
  return QB_OK;
}

int qb_vqe_record_from_avro(qb_vqe_record *out, const qb_value *v, const char *where, qb_arena *a, qb_err *err)
{
  memset(out, 0, sizeof *out);
  cv c = {.where = where, .a = a, .err = err};
  if (v->kind != QB_V_STRUCT || v->u.seq.n != 10)
    return QB_FAIL(err, QB_EINTERNAL, "%s: not a VQEDecoratedResult value", where);
  out->source = QB_VQE_SRC_AVRO;
  out->float_fields = QB_VQE_F_ALL; /* the writer schema types them double, whatever their values */
  FIELD(&c, "vqe_result", vqe_result(&c, out, field(v, 0)));
  const qb_value *mol = field(v, 1);
  if (mol->kind == QB_V_NULL) FIELD(&c, "molecule", fail(&c, "missing required field"));
  push(&c, "molecule", 0);
  FIELD(&c, "molecule_data", molecule_data(&c, out, field(mol, 0)));
  pop(&c);
  FIELD(&c, "basis_set", get_string(&c, &out->basis_set, NULL, field(v, 2)));
  FIELD(&c, "hamiltonian_time", get_double(&c, &out->hamiltonian_time, NULL, field(v, 3)));
  FIELD(&c, "mapping_time", get_double(&c, &out->mapping_time, NULL, field(v, 4)));
  FIELD(&c, "vqe_time", get_double(&c, &out->vqe_time, NULL, field(v, 5)));
  FIELD(&c, "total_time", get_double(&c, &out->total_time, NULL, field(v, 6)));
  FIELD(&c, "molecule_id", get_int(&c, &out->molecule_id, NULL, field(v, 7)));
  FIELD(&c, "performance_start", get_string(&c, &out->performance_start, &out->has_performance_start, field(v, 8)));
  FIELD(&c, "performance_end", get_string(&c, &out->performance_end, &out->has_performance_end, field(v, 9)));
  return QB_OK;
}
