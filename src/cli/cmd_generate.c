/* SPDX-License-Identifier: Apache-2.0 */
/* qberg generate: realistic raw VQE result files, seeded and reproducible. */
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "qberg/s3.h"
#include "qberg/vqe.h"

int qb_cmd_generate(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg generate --experiments N --out DIR|URI [--seed S] [--first-counter N]\n"
           "\n"
           "Write N raw VQE result files as DIR/experiment.vqe/{counter}-{unix_nano}.json, as Redpanda Connect\n"
           "writes them (molecules H2, LiH, H2O, BeH2, N2, ...; several basis sets, backends, optimizers).\n"
           "Same seed, same files.\n");
    return QB_EXIT_OK;
  }
  qb_vqe_gen_options o = QB_VQE_GEN_OPTIONS_INIT;
  const char *out = NULL;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (i + 1 >= cli->argc) return qb_cli_usage_error("generate", "unexpected argument '%s'", a);
    char *end;
    if (!strcmp(a, "--out")) {
      out = cli->argv[++i];
      continue;
    }
    unsigned long long v = strtoull(cli->argv[i + 1], &end, 10);
    if (*end || end == cli->argv[i + 1]) return qb_cli_usage_error("generate", "%s needs a number", a);
    i++;
    if (!strcmp(a, "--experiments"))
      o.count = v;
    else if (!strcmp(a, "--seed"))
      o.seed = v;
    else if (!strcmp(a, "--first-counter"))
      o.first_counter = v;
    else
      return qb_cli_usage_error("generate", "unexpected argument '%s'", a);
  }
  if (!out) return qb_cli_usage_error("generate", "--out DIR|URI is required");
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
  printf("wrote %llu raw files to %s/experiment.vqe (seed %llu)\n", (unsigned long long)o.count, out,
         (unsigned long long)o.seed);
  return QB_EXIT_OK;
}
