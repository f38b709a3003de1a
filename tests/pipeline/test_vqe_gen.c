/* SPDX-License-Identifier: Apache-2.0 */
/* The raw-record generator: reproducible, Redpanda-shaped text (read back with json-c as an independent
 * parser), internally consistent VQE runs, and accepted by our own parser. */
#include <dirent.h>
#include <json-c/json.h>
#include <math.h>

#include "harness.h"
#include "support/vqe_support.h"

static json_object *get(json_object *o, const char *path)
{
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *k = strtok(buf, "."); k && o; k = strtok(NULL, "."))
    if (!json_object_object_get_ex(o, k, &o)) return NULL;
  return o;
}

QB_TEST(reproducible_and_named_like_redpanda)
{
  qb_err err = QB_ERR_INIT;
  qb_vqe_gen_options o = QB_VQE_GEN_OPTIONS_INIT;
  o.seed = 11;
  char *a, *b, name_a[64], name_b[64];
  size_t na, nb;
  CHECK_OK(qb_vqe_gen_record(&a, &na, name_a, &o, 5, &err), &err);
  CHECK_OK(qb_vqe_gen_record(&b, &nb, name_b, &o, 5, &err), &err);
  CHECK(na == nb && !memcmp(a, b, na) && !strcmp(name_a, name_b));
  CHECK(na == strlen(a) && a[na - 1] == '}' && !strchr(a, '\n')); /* one line, no newline */
  free(b);
  o.seed = 12;
  CHECK_OK(qb_vqe_gen_record(&b, &nb, name_b, &o, 5, &err), &err);
  CHECK(na != nb || memcmp(a, b, na));
  free(a);
  free(b);
  /* {counter}-{unix_nano}.json, counters from first_counter, nanoseconds increasing */
  o.min_iterations = 1;
  o.max_iterations = 2;
  int64_t prev = 0;
  for (uint64_t i = 0; i < 40; i++) {
    char name[64];
    CHECK_OK(qb_vqe_gen_record(&a, &na, name, &o, i, &err), &err);
    free(a);
    unsigned long long counter;
    long long ns;
    char tail[8];
    CHECK(sscanf(name, "%llu-%lld.%5s", &counter, &ns, tail) == 3 && !strcmp(tail, "json"));
    CHECK(counter == 1 + i && ns > prev);
    prev = ns;
  }
  o.min_iterations = 10;
  o.max_iterations = 5; /* invalid */
  CHECK_FAIL(qb_vqe_gen_record(&a, &na, name_a, &o, 0, &err), QB_EINVAL, &err, "iterations 10-5");
}

static void check_record(const char *text, const qb_vqe_gen_options *o, uint64_t index, int *hf_seen)
{
  /* json-c, an independent parser, reads it and the run is consistent */
  json_object *root = json_tokener_parse(text);
  CHECK(root != NULL);
  json_object *iters = get(root, "vqe_result.iteration_list");
  json_object *init = get(root, "vqe_result.initial_data.initial_parameters");
  int nq = json_object_get_int(get(root, "vqe_result.initial_data.num_qubits"));
  int np = json_object_get_int(get(root, "vqe_result.initial_data.num_parameters"));
  size_t ni = json_object_array_length(iters);
  EXPECT(ni >= o->min_iterations && ni <= o->max_iterations);
  EXPECT(nq >= 2 && nq <= 16 && (size_t)np == json_object_array_length(init));
  json_object *ham = get(root, "vqe_result.initial_data.hamiltonian");
  for (size_t t = 0; t < json_object_array_length(ham); t++)
    EXPECT(strlen(json_object_get_string(get(json_object_array_get_idx(ham, t), "label"))) == (size_t)nq);
  double min_e = INFINITY, prev_e = 0;
  size_t best = 0;
  bool have_cme = get(json_object_array_get_idx(iters, 0), "cumulative_min_energy") != NULL;
  for (size_t i = 0; i < ni; i++) {
    json_object *it = json_object_array_get_idx(iters, i);
    EXPECT(json_object_get_int(get(it, "iteration")) == (int)i + 1);
    EXPECT(json_object_array_length(get(it, "parameters")) == (size_t)np);
    double e = json_object_get_double(get(it, "result"));
    if (e < min_e) min_e = e, best = i;
    if (have_cme) {
      EXPECT(json_object_get_double(get(it, "cumulative_min_energy")) == min_e);
      if (i) EXPECT(json_object_get_double(get(it, "energy_delta")) == e - prev_e);
    }
    prev_e = e;
  }
  EXPECT(json_object_get_double(get(root, "vqe_result.minimum")) == min_e);
  json_object *opt = get(root, "vqe_result.optimal_parameters");
  json_object *bestp = get(json_object_array_get_idx(iters, best), "parameters");
  for (int k = 0; k < np; k++)
    EXPECT(json_object_get_double(json_object_array_get_idx(opt, k)) ==
           json_object_get_double(json_object_array_get_idx(bestp, k)));
  json_object *strategy = get(root, "vqe_result.initial_data.init_strategy");
  if (strategy && json_object_get_string(strategy) && !strcmp(json_object_get_string(strategy), "hf")) {
    (*hf_seen)++;
    if (!o->edge_cases) /* integral doubles are integer tokens */
      EXPECT(strstr(text, "\"initial_parameters\":[0,0,0,") != NULL);
  }
  json_object_put(root);
  /* goavro never writes a number with a trailing ".0" (strings aside) */
  char *numbers = strdup(text);
  bool in_str = false;
  for (char *p = numbers; *p; p++) {
    if (in_str && *p == '\\' && p[1]) {
      *p++ = 'x';
      *p = 'x';
      continue;
    }
    if (*p == '"') in_str = !in_str;
    if (in_str) *p = 'x';
  }
  EXPECT(!strstr(numbers, ".0,") && !strstr(numbers, ".0]") && !strstr(numbers, ".0}"));
  free(numbers);
  /* and our parser accepts it */
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  char name[64];
  snprintf(name, sizeof name, "gen-%llu.json", (unsigned long long)index);
  int rc = vqe_parse_one(&r, &a, name, text, &err);
  if (rc) fprintf(stderr, "  %s\n", err.msg);
  EXPECT(rc == QB_OK && r.n_iterations == ni && r.num_qubits == nq);
  qb_arena_release(&a);
}

QB_TEST(records_are_consistent_runs)
{
  qb_err err = QB_ERR_INIT;
  for (int edge = 0; edge < 2; edge++) {
    qb_vqe_gen_options o = QB_VQE_GEN_OPTIONS_INIT;
    o.seed = 1234;
    o.edge_cases = edge;
    o.min_iterations = 3;
    o.max_iterations = 40;
    int hf = 0;
    size_t edge_markers = 0;
    for (uint64_t i = 0; i < 120; i++) {
      char *text, name[64];
      size_t n;
      CHECK_OK(qb_vqe_gen_record(&text, &n, name, &o, i, &err), &err);
      check_record(text, &o, i, &hf);
      edge_markers += strstr(text, "\\u0001") || strstr(text, "e-07") || strstr(text, "e+23");
      free(text);
    }
    EXPECT(hf > 0);
    EXPECT(edge ? edge_markers > 0 : edge_markers == 0);
  }
  /* defaults: 50–500 iterations */
  qb_vqe_gen_options o = QB_VQE_GEN_OPTIONS_INIT;
  int hf = 0;
  for (uint64_t i = 0; i < 3; i++) {
    char *text, name[64];
    size_t n;
    CHECK_OK(qb_vqe_gen_record(&text, &n, name, &o, i, &err), &err);
    check_record(text, &o, i, &hf);
    free(text);
  }
}

QB_TEST(generate_writes_the_seed_layout)
{
  const char *dir = qb_test_tmpdir();
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  qb_vqe_gen_options o = QB_VQE_GEN_OPTIONS_INIT;
  o.count = 7;
  o.first_counter = 100;
  o.max_iterations = 60;
  int rc = qb_vqe_generate(io, dir, &o, &err);
  qb_fileio_free(io);
  CHECK_OK(rc, &err);
  char sub[4096];
  snprintf(sub, sizeof sub, "%s/experiment.vqe", dir);
  DIR *d = opendir(sub);
  CHECK(d != NULL);
  int files = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') {
      files++;
      EXPECT(!strncmp(e->d_name, "10", 2) && strstr(e->d_name, ".json"));
    }
  closedir(d);
  CHECK_EQ_INT(files, 7);
}
