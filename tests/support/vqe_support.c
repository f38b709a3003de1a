/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for the VQE pipeline tests (see vqe_support.h). */
#include "support/vqe_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "qberg/fileio.h"
#include "qberg/vqe.h"

const char vqe_e1_record[] =
    "{\"vqe_result\":{\"initial_data\":{\"backend\":\"aer_simulator\",\"num_qubits\":2,\"hamiltonian\":["
    "{\"label\":\"II\",\"coefficients\":{\"real\":-1.0523732,\"imaginary\":0}},"
    "{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.0112801,\"imaginary\":0}}],"
    "\"num_parameters\":4,\"initial_parameters\":[0.1,1e-05,2,0],\"optimizer\":\"COBYLA\","
    "\"ansatz\":\"OPENQASM 3.0;\\n\",\"noise_backend\":\"undef\",\"default_shots\":1024,\"ansatz_reps\":1,"
    "\"init_strategy\":\"random\",\"seed\":null,\"ansatz_name\":\"EfficientSU2\",\"exact_estimator\":false},"
    "\"iteration_list\":[{\"iteration\":1,\"parameters\":[0.1,0.2,0.3,0.4],\"result\":-1.1,\"std\":0,"
    "\"energy_delta\":null,\"parameter_delta_norm\":null,\"cumulative_min_energy\":-1.1},"
    "{\"iteration\":2,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":-1.2,\"std\":0,"
    "\"energy_delta\":-0.1,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}],"
    "\"minimum\":-1.2,\"optimal_parameters\":[0.15,0.25,0.35,0.45],\"maxcv\":null,\"minimization_time\":0.5,"
    "\"nuclear_repulsion_energy\":0.7151043390810812,\"success\":true,\"nfev\":2,\"nit\":2},"
    "\"molecule\":{\"molecule_data\":{\"symbols\":[\"H\",\"H\"],\"coords\":[[0,0,0],[0,0,0.74]],"
    "\"multiplicity\":1,\"charge\":0,\"units\":\"angstrom\",\"masses\":[1.008,1.008]}},"
    "\"basis_set\":\"sto3g\",\"hamiltonian_time\":0.1,\"mapping_time\":0.01,\"vqe_time\":1,\"total_time\":1.2,"
    "\"molecule_id\":0,\"performance_start\":null,\"performance_end\":null}";

const char *const vqe_good_samples[8] = {
    "experiments/experiment.vqe/1-1764161042873512960.json", "experiments/experiment.vqe/2-1764161104108080851.json",
    "experiments/experiment.vqe/3-1764161165342648742.json", "experiments/experiment.vqe/4-1764161226577216633.json",
    "experiments/experiment.vqe/5-1764161287811784524.json", "experiments/experiment.vqe/6-1764161349046352415.json",
    "experiments/experiment.vqe/7-1764161410280920306.json", "experiments/experiment.vqe/8-1764161471515488197.json",
};

int vqe_parse_one(qb_vqe_record *out, qb_arena *a, const char *name, const char *text, qb_err *err)
{
  qb_vqe_json_cursor c;
  bool got;
  qb_vqe_json_cursor_init(&c, name, text, strlen(text));
  int rc = qb_vqe_json_next(out, &got, &c, a, err);
  if (rc) return rc;
  if (!got) return QB_FAIL(err, QB_ENOTFOUND, "%s: no record", name);
  qb_vqe_record extra;
  rc = qb_vqe_json_next(&extra, &got, &c, a, err);
  if (rc) return rc;
  return got ? QB_FAIL(err, QB_ECORRUPT, "%s: more than one record", name) : QB_OK;
}

char *vqe_read_data(const char *rel, size_t *n)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/vqe/%s", qb_test_data_dir(), rel);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, len = 0;
  for (;;) {
    if (len + 65536 + 1 > cap) {
      cap = (len + 65536 + 1) * 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t got = fread(buf + len, 1, 65536, f);
    len += got;
    if (got < 65536) break;
  }
  fclose(f);
  buf[len] = '\0';
  if (n) *n = len;
  return buf;
}

int vqe_generate_raw(char *dir, size_t dir_n, const char *name, uint64_t seed, uint64_t count, uint32_t min_it,
                     uint32_t max_it, qb_err *err)
{
  snprintf(dir, dir_n, "%s/%s", qb_test_tmpdir(), name);
  qb_fileio *local = NULL;
  int rc = qb_fileio_local_new(&local, err);
  if (rc) return rc;
  qb_vqe_gen_options g = QB_VQE_GEN_OPTIONS_INIT;
  g.seed = seed;
  g.count = count;
  g.min_iterations = min_it;
  g.max_iterations = max_it;
  rc = qb_vqe_generate(local, dir, &g, err);
  qb_fileio_free(local);
  return rc;
}
