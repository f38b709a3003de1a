/* SPDX-License-Identifier: Apache-2.0 */
/* qberg generate: realistic raw VQE result files, seeded and reproducible. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "qberg/s3.h"
#include "qberg/vqe.h"

static void usage(void)
{
  printf("usage: qberg generate [--experiments N] --out DIR|URI [--seed S] [--first-counter N]\n"
         "                      [--iterations MIN-MAX] [--format json|avro]\n"
         "\n"
         "Write N raw VQE result files (default 1) as DIR/experiment.vqe/{counter}-{unix_nano}.json, as\n"
         "Redpanda Connect writes them (or .avro Object Container Files, as Kafka Connect's S3 sink writes\n"
         "them): molecules H2, LiH, H2O, He2, BeH2, N2, NH3, He; basis sets sto3g, 6-31g, cc-pvdz with the\n"
         "matching qubit counts and Pauli Hamiltonians; several backends and optimizers; decreasing noisy\n"
         "energies. Iterations per run MIN-MAX (default 50-500, most runs near MIN). Same seed (default 1),\n"
         "same files. A file of the same name already in DIR is never replaced: the same bytes are left,\n"
         "other contents are an error (an ingest may have recorded that name).\n");
}

/* A count, seed or counter: decimal digits only. strtoull takes "-1" (as 2^64-1: --experiments -1 wrote files
 * until the disk was full), leading blanks and out-of-range values (ERANGE, as 2^64-1). */
static bool parse_u64(const char *v, unsigned long long *out)
{
  if (*v < '0' || *v > '9') return false;
  char *end;
  errno = 0;
  *out = strtoull(v, &end, 10);
  return !*end && errno != ERANGE;
}

int qb_cmd_generate(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage();
    return QB_EXIT_OK;
  }
  qb_vqe_gen_options o = QB_VQE_GEN_OPTIONS_INIT;
  const char *out = NULL;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (i + 1 >= cli->argc) return qb_cli_usage_error("generate", "unexpected argument '%s'", a);
    const char *v = cli->argv[++i];
    char *end;
    if (!strcmp(a, "--out")) {
      out = v;
    } else if (!strcmp(a, "--format")) {
      if (strcmp(v, "json") && strcmp(v, "avro"))
        return qb_cli_usage_error("generate", "--format is json or avro, not '%s'", v);
      o.avro = !strcmp(v, "avro");
    } else if (!strcmp(a, "--iterations")) {
      unsigned long lo = 0, hi = 0;
      bool ok = *v >= '0' && *v <= '9';
      if (ok) hi = lo = strtoul(v, &end, 10);
      if (ok && *end == '-') {
        ok = end[1] >= '0' && end[1] <= '9';
        if (ok) hi = strtoul(end + 1, &end, 10);
      }
      if (!ok || *end || lo < 1 || hi < lo || hi > 100000)
        return qb_cli_usage_error("generate", "--iterations MIN-MAX with 1 <= MIN <= MAX <= 100000");
      o.min_iterations = (uint32_t)lo;
      o.max_iterations = (uint32_t)hi;
    } else {
      unsigned long long n;
      if (!parse_u64(v, &n))
        return qb_cli_usage_error("generate", "%s takes a whole number from 0 to 18446744073709551615, not '%s'", a, v);
      if (!strcmp(a, "--experiments"))
        o.count = n;
      else if (!strcmp(a, "--seed"))
        o.seed = n;
      else if (!strcmp(a, "--first-counter"))
        o.first_counter = n;
      else
        return qb_cli_usage_error("generate", "unexpected argument '%s'", a);
    }
  }
  if (!out) return qb_cli_usage_error("generate", "--out DIR|URI is required");
  if (o.count && o.first_counter > UINT64_MAX - (o.count - 1))
    return qb_cli_usage_error("generate", "--first-counter + --experiments goes past 18446744073709551615");
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  qb_config *cfg = NULL;
  qb_config_options co = QB_CONFIG_OPTIONS_INIT;
  co.config_file = cli->config;
  int rc = qb_config_load(&cfg, &co, &err);
  if (rc == QB_OK) rc = qb_fileio_for_uri(&io, out, cfg, &err);
  if (rc == QB_OK) rc = qb_vqe_generate(io, out, &o, &err);
  qb_fileio_free(io);
  qb_config_free(cfg);
  if (rc) return qb_cli_fail(&err);
  if (cli->json) {
    size_t n = strlen(out) + sizeof "/experiment.vqe";
    char *dir = malloc(n);
    if (dir) snprintf(dir, n, "%s/experiment.vqe", out);
    printf("{\"files\":%llu,\"out\":", (unsigned long long)o.count);
    qb_cli_json_str(stdout, dir ? dir : out); /* a path may hold quotes, backslashes, control bytes */
    printf(",\"seed\":%llu,\"format\":\"%s\"}\n", (unsigned long long)o.seed, o.avro ? "avro" : "json");
    free(dir);
  } else {
    printf("wrote %llu raw files to %s/experiment.vqe (seed %llu)\n", (unsigned long long)o.count, out,
           (unsigned long long)o.seed);
  }
  return QB_EXIT_OK;
}
