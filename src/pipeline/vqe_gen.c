/* SPDX-License-Identifier: Apache-2.0 */
/* Realistic raw VQEDecoratedResult files for demos, benchmarks and oracle tests, written as Redpanda
 * Connect writes them (pipeline-spec §1): one compact line in Avro field order, nullable unions bare,
 * doubles as Go's strconv.FormatFloat(f, 'g', -1, 64) (integral doubles become integer tokens).
 * Record i depends only on (seed, i): files can be generated in any order or in parallel. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/ocf_writer.h"
#include "io/buf_writer.h"
#include "pipeline/raw_vqe.h"
#include "qberg/avro.h"
#include "qberg/vqe.h"
#include "util/buf.h"
#include "util/hash.h"

/* ---- deterministic randomness: splitmix64 seeded from (seed, index) ---- */

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t next_u64(rng *r)
{
  uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
static double uniform(rng *r) { return (double)(next_u64(r) >> 11) * 0x1.0p-53; }
static double uniform_in(rng *r, double lo, double hi) { return lo + (hi - lo) * uniform(r); }
static int int_in(rng *r, int lo, int hi) { return lo + (int)(next_u64(r) % (uint64_t)(hi - lo + 1)); }
static bool chance(rng *r, double p) { return uniform(r) < p; }
static double normal(rng *r)
{
  double u = uniform(r), v = uniform(r);
  return sqrt(-2.0 * log(u > 0 ? u : 0x1.0p-53)) * cos(2 * 3.141592653589793 * v);
}

/* ---- the chemistry: molecule_id is the index in this list, as in the producer's molecules file ---- */

typedef struct molecule {
  const char *symbols[4];
  int n_atoms;
  double coords[4][3];
  double masses[4];
  int multiplicity;
  int orbitals[3]; /* spatial orbitals in sto3g, 6-31g, cc-pvdz: qubits = 2 * orbitals */
  double energy;   /* reference total ground-state energy (Hartree) */
  double nuclear_repulsion;
} molecule;

static const molecule molecules[] = {
    {{"H", "H"}, 2, {{0, 0, 0}, {0, 0, 0.74}}, {1.008, 1.008}, 1, {2, 4, 10}, -1.137, 0.7151043390810812},
    {{"O", "H", "H"}, 3, {{0, 0, 0.1173}, {0, 0.7572, -0.4692}, {0, -0.7572, -0.4692}}, {15.999, 1.008, 1.008}, 1,
     {7, 13, 24}, -75.01, 9.1949},
    {{"He", "He"}, 2, {{0, 0, 0}, {0, 0, 1.2}}, {4.0026, 4.0026}, 1, {2, 4, 10}, -5.72, 1.7639},
    {{"Li", "H"}, 2, {{0, 0, 0}, {0, 0, 1.595}}, {6.94, 1.008}, 1, {6, 11, 19}, -7.882, 0.9953},
    {{"Be", "H", "H"}, 3, {{0, 0, 0}, {0, 0, 1.326}, {0, 0, -1.326}}, {9.0122, 1.008, 1.008}, 1, {7, 13, 24},
     -15.56, 5.6021},
    {{"N", "N"}, 2, {{0, 0, 0}, {0, 0, 1.098}}, {14.007, 14.007}, 1, {10, 18, 28}, -107.5, 23.6248},
    {{"He"}, 1, {{0, 0, 0}}, {4.0026}, 1, {1, 2, 5}, -2.8552, 0},
    {{"N", "H", "H", "H"}, 4, {{0, 0, 0.1}, {0, 0.94, -0.27}, {0.81, -0.47, -0.27}, {-0.81, -0.47, -0.27}},
     {14.007, 1.008, 1.008, 1.008}, 1, {8, 15, 29}, -55.45, 11.9621},
};
#define N_MOLECULES (sizeof molecules / sizeof molecules[0])
#define MAX_QUBITS 16

static const char *const basis_sets[3] = {"sto3g", "6-31g", "cc-pvdz"};
static const char *const optimizers[] = {"COBYLA", "L-BFGS-B", "SLSQP", "Powell", "Nelder-Mead"};
static const char *const backends[] = {"aer_simulator", "aer_simulator_statevector",
                                       "aer_simulator_statevector_gpu"};

/* ---- text output in goavro's style ---- */

typedef struct out {
  qb_buf *b;
  qb_err *err;
  int rc;
} out;

static void raw(out *o, const char *s)
{
  if (!o->rc) o->rc = qb_buf_puts(o->b, s, o->err);
}

/* strconv.AppendFloat(v, 'g', -1, 64): shortest round-trip digits; %e form when the decimal exponent is
 * < -4 or >= 6 (mantissa, 'e', sign, at least two exponent digits), else plain without a trailing ".0". */
static void go_double(out *o, double v)
{
  char e[40], digits[24];
  /* round-tripping is monotone in the digit count: binary search the shortest in 1..17 */
  int lo = 1, hi = 17;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    snprintf(e, sizeof e, "%.*e", mid - 1, v);
    if (strtod(e, NULL) == v)
      hi = mid;
    else
      lo = mid + 1;
  }
  snprintf(e, sizeof e, "%.*e", lo - 1, v);
  const char *s = e;
  bool neg = *s == '-';
  if (neg) s++;
  size_t nd = 0;
  for (; *s && *s != 'e'; s++)
    if (*s != '.') digits[nd++] = *s;
  int exp10 = atoi(s + 1);
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  digits[nd] = '\0';
  char t[48];
  size_t n = 0;
  if (neg) t[n++] = '-';
  if (exp10 < -4 || exp10 >= 6) {
    t[n++] = digits[0];
    if (nd > 1) {
      t[n++] = '.';
      memcpy(t + n, digits + 1, nd - 1);
      n += nd - 1;
    }
    n += (size_t)snprintf(t + n, sizeof t - n, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
  } else if (exp10 < 0) {
    t[n++] = '0';
    t[n++] = '.';
    for (int k = -1; k > exp10; k--) t[n++] = '0';
    memcpy(t + n, digits, nd);
    n += nd;
  } else {
    for (int k = 0; k <= exp10; k++) t[n++] = (size_t)k < nd ? digits[k] : '0';
    if ((size_t)exp10 + 1 < nd) {
      t[n++] = '.';
      memcpy(t + n, digits + exp10 + 1, nd - (size_t)exp10 - 1);
      n += nd - (size_t)exp10 - 1;
    }
  }
  t[n] = '\0';
  raw(o, t);
}

static void go_int(out *o, int64_t v)
{
  char t[24];
  snprintf(t, sizeof t, "%" PRId64, v);
  raw(o, t);
}

static void go_string(out *o, const char *s)
{
  if (o->rc) return;
  char esc[8];
  raw(o, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p && !o->rc; p++) {
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*p;
      esc[2] = 0;
      raw(o, esc);
    } else if (*p == '\n') {
      raw(o, "\\n");
    } else if (*p == '\t') {
      raw(o, "\\t");
    } else if (*p < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", *p);
      raw(o, esc);
    } else {
      o->rc = qb_buf_putc(o->b, *p, o->err);
    }
  }
  raw(o, "\"");
}

static void key(out *o, const char *k, bool first)
{
  if (!first) raw(o, ",");
  go_string(o, k);
  raw(o, ":");
}

static void doubles(out *o, const double *v, size_t n)
{
  raw(o, "[");
  for (size_t i = 0; i < n; i++) {
    if (i) raw(o, ",");
    go_double(o, v[i]);
  }
  raw(o, "]");
}

/* ---- one experiment ---- */

typedef struct exp_plan {
  const molecule *mol;
  int mol_id, basis, qubits, reps, n_params, n_iter, n_terms;
  bool real_amplitudes, statevector, exact, hf, old_schema, nulls;
  const char *backend, *optimizer, *noise;
} exp_plan;

/* An "awkward but valid" double for edge-case records: values whose text or type is easy to get wrong. */
static double edge_double(rng *r)
{
  static const double pool[] = {0.0, -0.0, 1.0, 2.0, 1e-07, 0.001, 1e-3 * 0.999, 1e7, 9999999.0, 1.23456789e8,
                                2e23, 1e21, 1e-5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                                0.1, 1.0 / 3.0, 100.0, 1e22};
  if (chance(r, 0.5)) return pool[next_u64(r) % (sizeof pool / sizeof pool[0])];
  for (;;) { /* a random finite bit pattern: exercises every branch of Java's Double.toString */
    uint64_t bits = next_u64(r);
    double d;
    memcpy(&d, &bits, sizeof d);
    if (isfinite(d)) return d;
  }
}

static void ansatz_text(out *o, const exp_plan *pl, bool edge, rng *r)
{
  qb_buf t;
  qb_buf_init(&t, QB_BUF_NOLIMIT);
  int rc = qb_buf_puts(&t, "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n", o->err);
  for (int i = 0; !rc && i < pl->n_params; i++) rc = qb_buf_printf(&t, o->err, "input float[64] _\xce\xb8_%d_;\n", i);
  if (!rc) rc = qb_buf_printf(&t, o->err, "qubit[%d] q;\n", pl->qubits);
  int p = 0, per_layer = pl->real_amplitudes ? 1 : 2;
  for (int layer = 0; !rc && layer <= pl->reps; layer++) {
    for (int g = 0; !rc && g < per_layer; g++)
      for (int q = 0; !rc && q < pl->qubits; q++)
        rc = qb_buf_printf(&t, o->err, "%s(_\xce\xb8_%d_) q[%d];\n", g ? "rz" : "ry", p++, q);
    for (int q = 0; !rc && layer < pl->reps && q + 1 < pl->qubits; q++)
      rc = qb_buf_printf(&t, o->err, "cx q[%d], q[%d];\n", q, q + 1);
  }
  if (!rc && edge && chance(r, 0.5)) /* Jackson's escapes: quote, backslash, tab, C0 controls, non-ASCII */
    rc = qb_buf_puts(&t, "// a\"b\\c\td\x01\x1f\x7f \xc3\xa9\xce\xb8 \xf0\x9f\x98\x80 /\n", o->err);
  if (!rc) rc = qb_buf_cstr(&t, o->err);
  if (rc)
    o->rc = rc;
  else
    go_string(o, (const char *)t.p);
  qb_buf_free(&t);
}

/* Pauli terms: the identity first with the largest weight, then distinct random strings. H2/sto3g uses
 * the 15 terms of the Jordan-Wigner form. */
static int hamiltonian(out *o, const exp_plan *pl, bool edge, rng *r)
{
  static const char *const h2[15] = {"IIII", "IIIZ", "IIZI", "IZII", "ZIII", "IIZZ", "IZIZ", "ZIIZ",
                                     "IZZI", "ZIZI", "ZZII", "XXYY", "YYXX", "XYYX", "YXXY"};
  static const double h2c[15] = {-0.8105479805373279, 0.17218393261915543, -0.22575349222402372,
                                 0.17218393261915543, -0.22575349222402372, 0.12091263261776627,
                                 0.16892753870087907, 0.16614543256382414,  0.16614543256382414,
                                 0.16892753870087907, 0.17464343068300453, -0.04523279994605788,
                                 -0.04523279994605788, 0.04523279994605788, 0.04523279994605788};
  bool use_h2 = pl->mol_id == 0 && pl->basis == 0;
  qb_map seen;
  qb_map_init(&seen);
  char label[MAX_QUBITS + 1];
  raw(o, "[");
  int rc = QB_OK;
  for (int i = 0; !rc && !o->rc && i < pl->n_terms; i++) {
    double re;
    if (use_h2) {
      memcpy(label, h2[i], 5);
      re = h2c[i];
    } else {
      bool existed = true;
      while (existed && !rc) {
        for (int q = 0; q < pl->qubits; q++) label[q] = i == 0 ? 'I' : "IXYZ"[next_u64(r) % 4];
        label[pl->qubits] = '\0';
        rc = qb_map_put_str(&seen, label, NULL, o->err);
        existed = seen.count != (size_t)i + 1;
      }
      re = i == 0 ? pl->mol->energy * uniform_in(r, 0.4, 0.9) : normal(r) * 0.1;
    }
    if (i) raw(o, ",");
    raw(o, "{\"label\":");
    go_string(o, label);
    raw(o, ",\"coefficients\":{\"real\":");
    go_double(o, re);
    raw(o, ",\"imaginary\":");
    go_double(o, edge && chance(r, 0.05) ? uniform_in(r, -1e-3, 1e-3) : 0.0); /* JW terms are real */
    raw(o, "}}");
  }
  raw(o, "]");
  qb_map_free(&seen);
  return rc;
}

static void plan(exp_plan *pl, rng *r, const qb_vqe_gen_options *opt)
{
  static const double weights[N_MOLECULES] = {0.3, 0.1, 0.1, 0.2, 0.1, 0.05, 0.05, 0.1};
  memset(pl, 0, sizeof *pl);
  double u = uniform(r), acc = 0;
  pl->mol_id = N_MOLECULES - 1;
  for (size_t i = 0; i < N_MOLECULES; i++)
    if (u < (acc += weights[i])) {
      pl->mol_id = (int)i;
      break;
    }
  u = uniform(r);
  pl->basis = u < 0.6 ? 0 : u < 0.85 ? 1 : 2;
  pl->mol = &molecules[pl->mol_id];
  /* VQE runs on an active space: at most MAX_QUBITS/2 spatial orbitals of the basis */
  pl->qubits = 2 * pl->mol->orbitals[pl->basis];
  if (pl->qubits > MAX_QUBITS) pl->qubits = MAX_QUBITS;
  pl->real_amplitudes = chance(r, 0.2);
  u = uniform(r);
  pl->reps = u < 0.5 ? 1 : u < 0.85 ? 2 : 3;
  pl->n_params = pl->qubits * (pl->reps + 1) * (pl->real_amplitudes ? 1 : 2);
  /* min..max, most runs short: min + (max-min) * u^3 */
  u = uniform(r);
  pl->n_iter = (int)opt->min_iterations + (int)((opt->max_iterations - opt->min_iterations) * u * u * u);
  if (pl->mol_id == 0 && pl->basis == 0)
    pl->n_terms = 15;
  else {
    int n = pl->qubits;
    pl->n_terms = n * n * n / 8;
    if (pl->n_terms < 20) pl->n_terms = 20;
    if (pl->n_terms > 600) pl->n_terms = 600;
    if (n < 5 && pl->n_terms > (1 << (2 * n))) pl->n_terms = 1 << (2 * n); /* 4^n distinct Pauli strings */
  }
  pl->backend = backends[next_u64(r) % 3];
  pl->statevector = strstr(pl->backend, "statevector") != NULL;
  pl->exact = pl->statevector && chance(r, 0.7);
  pl->optimizer = optimizers[next_u64(r) % (sizeof optimizers / sizeof optimizers[0])];
  pl->noise = chance(r, 0.15) ? (chance(r, 0.5) ? "ibm_brisbane" : "ibm_kyoto") : "undef";
  pl->hf = chance(r, 0.15);
  bool edge = opt->edge_cases;
  pl->old_schema = edge && chance(r, 0.25); /* written with the first schema: optional fields absent */
  pl->nulls = edge && !pl->old_schema && chance(r, 0.3);
}

static int write_record(out *o, const qb_vqe_gen_options *opt, uint64_t index)
{
  uint64_t seed = opt->seed;
  bool edge = opt->edge_cases;
  rng r = {seed * UINT64_C(0x9e3779b97f4a7c15) ^ (index + 1) * UINT64_C(0xc2b2ae3d27d4eb4f)};
  next_u64(&r);
  exp_plan pl;
  plan(&pl, &r, opt);
  bool edge_rec = edge && chance(&r, 0.5);
  int np = pl.n_params, ni = pl.n_iter;
  double *init = calloc((size_t)np, sizeof *init), *cur = calloc((size_t)np, sizeof *cur),
         *prev = calloc((size_t)np, sizeof *prev), *best = calloc((size_t)np, sizeof *best);
  if (!init || !cur || !prev || !best) {
    free(init), free(cur), free(prev), free(best);
    return QB_FAIL(o->err, QB_ENOMEM, "out of memory generating record %" PRIu64, index);
  }
  for (int k = 0; k < np; k++) init[k] = pl.hf ? 0.0 : uniform_in(&r, 0, 2 * 3.141592653589793);
  if (edge_rec)
    for (int k = 0; k < np; k++)
      if (chance(&r, 0.1)) init[k] = edge_double(&r);

  const double nuc = pl.mol->nuclear_repulsion;
  const double final_e = pl.mol->energy - nuc + normal(&r) * 0.01 * fabs(pl.mol->energy);
  const double start_e = final_e + fabs(final_e) * uniform_in(&r, 0.05, 0.4);
  const double tau = ni * uniform_in(&r, 0.1, 0.4);
  const double noise = pl.exact ? 0.0 : uniform_in(&r, 0.002, 0.008);
  const double step0 = uniform_in(&r, 0.05, 0.2);

  raw(o, "{\"vqe_result\":{\"initial_data\":{");
  key(o, "backend", true), go_string(o, pl.backend);
  key(o, "num_qubits", false), go_int(o, pl.qubits);
  key(o, "hamiltonian", false);
  int rc = hamiltonian(o, &pl, edge_rec, &r);
  key(o, "num_parameters", false), go_int(o, np);
  key(o, "initial_parameters", false), doubles(o, init, (size_t)np);
  key(o, "optimizer", false), go_string(o, pl.optimizer);
  key(o, "ansatz", false), ansatz_text(o, &pl, edge_rec, &r);
  key(o, "noise_backend", false), go_string(o, pl.noise);
  key(o, "default_shots", false);
  if (pl.exact || pl.nulls)
    raw(o, "null");
  else
    go_int(o, chance(&r, 0.5) ? 1024 : 8192);
  key(o, "ansatz_reps", false), go_int(o, pl.reps);
  if (!pl.old_schema) {
    key(o, "init_strategy", false), pl.nulls ? raw(o, "null") : go_string(o, pl.hf ? "hf" : "random");
    key(o, "seed", false), pl.nulls ? raw(o, "null") : go_int(o, int_in(&r, 0, 100000));
    key(o, "ansatz_name", false);
    pl.nulls ? raw(o, "null") : go_string(o, pl.real_amplitudes ? "RealAmplitudes" : "EfficientSU2");
    key(o, "exact_estimator", false), raw(o, pl.exact ? "true" : "false");
  }
  raw(o, "},");
  key(o, "iteration_list", true), raw(o, "[");
  memcpy(cur, init, (size_t)np * sizeof *cur);
  double min_e = INFINITY, prev_e = 0;
  for (int it = 1; it <= ni && !o->rc; it++) {
    memcpy(prev, cur, (size_t)np * sizeof *cur);
    double step = step0 * exp(-it / tau) + 0.002, norm2 = 0;
    if (it > 1)
      for (int k = 0; k < np; k++) {
        cur[k] += step * normal(&r);
        norm2 += (cur[k] - prev[k]) * (cur[k] - prev[k]);
      }
    double e = final_e + (start_e - final_e) * exp(-(it - 1) / tau) + noise * normal(&r) * 3;
    if (e < min_e) {
      min_e = e;
      memcpy(best, cur, (size_t)np * sizeof *best);
    }
    if (it > 1) raw(o, ",");
    raw(o, "{");
    key(o, "iteration", true), go_int(o, it);
    key(o, "parameters", false), doubles(o, cur, (size_t)np);
    key(o, "result", false), go_double(o, e);
    key(o, "std", false), go_double(o, pl.exact ? 0.0 : noise * uniform_in(&r, 0.8, 1.2));
    if (!pl.old_schema) {
      key(o, "energy_delta", false), it == 1 ? raw(o, "null") : go_double(o, e - prev_e);
      key(o, "parameter_delta_norm", false), it == 1 ? raw(o, "null") : go_double(o, sqrt(norm2));
      key(o, "cumulative_min_energy", false), go_double(o, min_e);
    }
    raw(o, "}");
    prev_e = e;
  }
  raw(o, "],");
  key(o, "minimum", true), go_double(o, min_e);
  key(o, "optimal_parameters", false), doubles(o, best, (size_t)np);
  bool cobyla = !strcmp(pl.optimizer, "COBYLA");
  key(o, "maxcv", false);
  if (cobyla && !pl.nulls)
    go_double(o, chance(&r, 0.8) ? 0.0 : 2.5e-06);
  else
    raw(o, "null");
  double vqe_time = ni * uniform_in(&r, 0.01, 0.05) * (1 + pl.qubits / 4.0);
  key(o, "minimization_time", false), go_double(o, vqe_time * uniform_in(&r, 0.95, 0.99));
  if (!pl.old_schema) {
    key(o, "nuclear_repulsion_energy", false), pl.nulls ? raw(o, "null") : go_double(o, nuc);
    key(o, "success", false), pl.nulls ? raw(o, "null") : raw(o, chance(&r, 0.9) ? "true" : "false");
    int nfev = cobyla ? ni : ni * int_in(&r, 2, 4);
    key(o, "nfev", false), pl.nulls ? raw(o, "null") : go_int(o, nfev);
    key(o, "nit", false), pl.nulls ? raw(o, "null") : go_int(o, ni);
  }
  raw(o, "},");
  const molecule *m = pl.mol;
  bool int_coords = edge_rec && chance(&r, 0.3);
  raw(o, "\"molecule\":{\"molecule_data\":{\"symbols\":[");
  for (int a = 0; a < m->n_atoms; a++) {
    if (a) raw(o, ",");
    go_string(o, m->symbols[a]);
  }
  raw(o, "],\"coords\":[");
  for (int a = 0; a < m->n_atoms; a++) {
    double c[3];
    for (int k = 0; k < 3; k++) c[k] = int_coords ? round(m->coords[a][k] * 2) : m->coords[a][k];
    if (a) raw(o, ",");
    doubles(o, c, 3);
  }
  raw(o, "],");
  key(o, "multiplicity", true), go_int(o, m->multiplicity);
  key(o, "charge", false), go_int(o, 0);
  key(o, "units", false), go_string(o, "angstrom");
  if (!pl.old_schema) {
    key(o, "masses", false);
    if (pl.nulls)
      raw(o, "null");
    else
      doubles(o, m->masses, (size_t)m->n_atoms);
  }
  raw(o, "}},");
  double ht = uniform_in(&r, 0.05, 0.5) * pl.qubits, mt = uniform_in(&r, 0.005, 0.05) * pl.qubits;
  key(o, "basis_set", true), go_string(o, basis_sets[pl.basis]);
  key(o, "hamiltonian_time", false), go_double(o, ht);
  key(o, "mapping_time", false), go_double(o, mt);
  key(o, "vqe_time", false), go_double(o, vqe_time);
  key(o, "total_time", false), go_double(o, ht + mt + vqe_time + uniform_in(&r, 0.001, 0.05));
  key(o, "molecule_id", false), go_int(o, pl.mol_id);
  if (!pl.old_schema) {
    char perf[256];
    for (int k = 0; k < 2; k++) {
      key(o, k ? "performance_end" : "performance_start", false);
      if (pl.nulls) {
        raw(o, "null");
        continue;
      }
      snprintf(perf, sizeof perf,
               "{\"timestamp\": %.2f, \"system\": {\"cpu\": {\"percent\": %.1f, \"count\": 16}, "
               "\"memory\": {\"used\": %d, \"percent\": %.1f}}, \"gpu\": []}",
               1764161000.0 + (double)index * 60 + k * vqe_time, uniform_in(&r, 5, 99), int_in(&r, 1 << 29, 1 << 30),
               uniform_in(&r, 20, 80));
      go_string(o, perf);
    }
  }
  raw(o, "}");
  free(init), free(cur), free(prev), free(best);
  return rc ? rc : o->rc;
}

int qb_vqe_gen_record(char **out_text, size_t *out_n, char name[64], const qb_vqe_gen_options *opt, uint64_t index,
                      qb_err *err)
{
  if (!opt || opt->version != QB_VQE_GEN_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "qb_vqe_gen_options: wrong version");
  if (opt->min_iterations < 1 || opt->max_iterations < opt->min_iterations || opt->max_iterations > 100000)
    return QB_FAIL(err, QB_EINVAL, "iterations %u-%u: need 1 <= min <= max <= 100000", opt->min_iterations,
                   opt->max_iterations);
  qb_buf b;
  qb_buf_init(&b, QB_VQE_MAX_FILE_BYTES);
  out o = {&b, err, QB_OK};
  int rc = write_record(&o, opt, index);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return qb_err_wrap(err, "generating record %" PRIu64, index);
  }
  /* about a minute apart, jittered, always increasing */
  rng r = {opt->seed ^ index * UINT64_C(0xff51afd7ed558ccd)};
  int64_t ns = opt->start_unix_ns + (int64_t)index * INT64_C(60000000000) +
               (int64_t)(next_u64(&r) % UINT64_C(38000000000)) - INT64_C(19000000000);
  snprintf(name, 64, "%" PRIu64 "-%" PRId64 ".json", opt->first_counter + index, ns);
  *out_text = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}

/* One record as an Object Container File, as Kafka Connect's S3 sink with the AvroConverter writes it:
 * the producer's schema (raw_vqe_avro.c), deflate blocks. */
/* One record as a one-record Object Container File, built in `out` (reset first). */
static int avro_bytes(qb_buf *dst, const char *name, const qb_avro_schema *schema, const char *text, size_t n,
                      qb_err *err)
{
  qb_buf_reset(dst);
  qb_writer *w = NULL;
  qb_avro_writer *aw = NULL;
  qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
  o.codec = QB_AVRO_CODEC_DEFLATE;
  int rc = qb_fileio__buf_writer(&w, dst, err);
  if (!rc) rc = qb_avro_writer_open(&aw, w, schema, &o, err);
  if (!rc) {
    /* the sync marker from the record (its file name and text), not random: same seed, same bytes, as for
     * .json files, whichever folder they are written to */
    uint64_t h0 = qb_hash_bytes_final(
        qb_hash_bytes_update(qb_hash_bytes_update(QB_HASH_BYTES_INIT, name, strlen(name)), text, n));
    uint64_t h1 = qb_hash_u64(h0 ^ 0x9e3779b97f4a7c15ull);
    uint8_t sync[16];
    memcpy(sync, &h0, 8);
    memcpy(sync + 8, &h1, 8);
    qb_avro__writer_set_sync(aw, sync);
    rc = qb_avro_writer_append_json(aw, text, n, err);
  }
  if (aw) {
    int rc2 = qb_avro_writer_close(aw, err);
    if (!rc) rc = rc2;
  }
  if (w) {
    if (rc)
      qb_writer_abort(w);
    else
      rc = qb_writer_close(w, err);
  }
  return rc;
}

/* Write a raw file unless it is there: generate never replaces one (an ingest keys its ledger by name, so a
 * file replaced with other contents would never be read again). The same bytes already there are left as
 * they are (the same command run twice); other bytes are QB_EEXISTS. */
static int write_new(qb_fileio *io, const char *path, const void *p, size_t n, qb_err *err)
{
  qb_stat st;
  qb_err probe = QB_ERR_INIT;
  int rc = qb_fileio_stat(io, path, &st, &probe);
  if (rc == QB_ENOTFOUND) return qb_fileio_write_all(io, path, p, n, QB_CREATE_OVERWRITE, err);
  if (rc) {
    *err = probe;
    return rc;
  }
  bool same = st.size_bytes == n;
  if (same) {
    uint8_t *old = NULL;
    size_t on = 0;
    if ((rc = qb_fileio_read_all(&old, &on, io, path, n + 1, err)) != QB_OK) return rc;
    same = on == n && (n == 0 || memcmp(old, p, n) == 0);
    free(old);
  }
  if (same) return QB_OK;
  return QB_FAIL(err, QB_EEXISTS,
                 "a file of that name is there with other contents (written with other options?): generate does not "
                 "replace a raw file, which an ingest may have recorded by name; write to an empty --out, or choose "
                 "--first-counter past it");
}

int qb_vqe_generate(qb_fileio *io, const char *dir, const qb_vqe_gen_options *o, qb_err *err)
{
  if (!io || !dir || !o) return QB_FAIL(err, QB_EINVAL, "qb_vqe_generate: missing argument");
  qb_avro_schema *schema = NULL;
  if (o->avro) {
    int rc = qb_avro_schema_parse(&schema, qb_vqe_avro_schema_json, strlen(qb_vqe_avro_schema_json), err);
    if (rc) return rc;
  }
  int rc = QB_OK;
  qb_buf bytes;
  qb_buf_init(&bytes, QB_BUF_NOLIMIT);
  size_t dn = strlen(dir);
  while (dn > 1 && dir[dn - 1] == '/') dn--;
  for (uint64_t i = 0; rc == QB_OK && i < o->count; i++) {
    char *text, name[64], path[4200];
    size_t n;
    if ((rc = qb_vqe_gen_record(&text, &n, name, o, i, err)) != QB_OK) break;
    if (o->avro) memcpy(name + strlen(name) - 5, ".avro", 6); /* "{counter}-{unix_nano}.json" */
    if (dn > 4096) {
      free(text);
      rc = QB_FAIL(err, QB_EINVAL, "output path too long");
      break;
    }
    snprintf(path, sizeof path, "%.*s/experiment.vqe/%s", (int)dn, dir, name);
    if (o->avro) {
      rc = avro_bytes(&bytes, name, schema, text, n, err);
      if (!rc) rc = write_new(io, path, bytes.p, bytes.n, err);
    } else {
      rc = write_new(io, path, text, n, err);
    }
    free(text);
    if (rc) qb_err_wrap(err, "writing %s", path);
  }
  qb_buf_free(&bytes);
  qb_avro_schema_free(schema);
  return rc;
}
