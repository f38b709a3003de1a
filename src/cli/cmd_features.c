/* SPDX-License-Identifier: Apache-2.0 */
/* qberg features: compute the ML feature tables for the experiments they lack (docs/PIPELINE.md). */
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "cli_features.h"
#include "qberg/features.h"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: qberg [-w WAREHOUSE] features [--batch-id UUID] [--threads N] [--json]\n"
          "\n"
          "Compute quantum_features.ml_iteration_features and ml_run_summary for the experiments of\n"
          "vqe_iterations that are not in them yet (qberg ingest does this after each batch unless\n"
          "--no-features), tag each append v_<batch> / v_incr_<batch> and record the run in\n"
          "processing_metadata. Iterations whose molecule_name, optimizer, basis_set or num_qubits is null\n"
          "are dropped and counted; a context table with two rows for one experiment stops the run.\n"
          "Only the data appended to the source tables since the last run is read, unless the report says why\n"
          "the whole tables were (first run, a delete or overwrite since, experiments pending).\n"
          "--threads N: 1 runs on one thread; 2 encodes and writes the ML tables' Parquet files on a second\n"
          "thread while the first reads and computes (the same files); default 2 on two or more CPUs.\n");
}

void qb_cli_features_print(const qb_features_report *r, bool json)
{
  if (json) {
    printf("{\"batch_id\":\"%s\",\"experiments_seen\":%llu,\"experiments_new\":%llu,\"experiments_dropped\":%llu,"
           "\"rows_dropped\":%llu,\"iterations_read\":%llu,\"max_buffered_rows\":%llu,\"seconds\":%.3f,\"threads\":%u,"
           "\"tables\":[",
           r->batch_id, (unsigned long long)r->experiments_seen, (unsigned long long)r->experiments_new,
           (unsigned long long)r->experiments_dropped, (unsigned long long)r->rows_dropped,
           (unsigned long long)r->iterations_read, (unsigned long long)r->max_buffered_rows, r->seconds, r->threads);
    for (int t = 0; t < QB_ML_TABLE_COUNT; t++)
      printf("%s{\"table\":\"%s\",\"rows\":%lld,\"version\":\"%s\",\"snapshot_id\":%lld}", t ? "," : "",
             qb_ml_table_name((qb_ml_table)t), (long long)r->rows[t], r->versions[t], (long long)r->snapshot_ids[t]);
    printf("],\"incremental\":%s,\"full_scan_reason\":", r->incremental ? "true" : "false");
    qb_cli_json_str(stdout, r->full_scan_reason);
    printf(",\"source_files_read\":%llu,\"source_rows_read\":%llu,\"stored_ids_read\":%llu,\"stored_ids_reason\":",
           (unsigned long long)r->source_files_read, (unsigned long long)r->source_rows_read,
           (unsigned long long)r->stored_ids_read);
    qb_cli_json_str(stdout, r->stored_ids_reason);
    printf("}");
    return;
  }
  printf("features %s: %llu experiments, %llu new, %llu dropped (%llu rows with a null join key), %.2f s\n",
         r->batch_id, (unsigned long long)r->experiments_seen, (unsigned long long)r->experiments_new,
         (unsigned long long)r->experiments_dropped, (unsigned long long)r->rows_dropped, r->seconds);
  printf("read %llu source rows in %llu files (%s%s%s), %llu stored ids\n", (unsigned long long)r->source_rows_read,
         (unsigned long long)r->source_files_read, r->incremental ? "appended data only" : "whole tables",
         r->incremental ? "" : ": ", r->full_scan_reason, (unsigned long long)r->stored_ids_read);
  for (int t = 0; t < QB_ML_TABLE_COUNT; t++) {
    printf("%-22s %10lld  %-40s ", qb_ml_table_name((qb_ml_table)t), (long long)r->rows[t], r->versions[t]);
    if (r->snapshot_ids[t] >= 0)
      printf("%lld\n", (long long)r->snapshot_ids[t]);
    else
      printf("-\n");
  }
}

int qb_cmd_features(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage(stdout);
    return QB_EXIT_OK;
  }
  qb_features_options o = QB_FEATURES_OPTIONS_INIT;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--batch-id") && i + 1 < cli->argc) {
      int st = qb_cli_batch_id_arg(&o.batch_id, "features", cli->argv[++i]);
      if (st) return st;
    } else if (!strcmp(a, "--threads") && i + 1 < cli->argc) {
      int st = qb_cli_threads_arg(&o.threads, "features", cli->argv[++i]);
      if (st) return st;
    } else
      return qb_cli_usage_error("features", "unexpected argument '%s'", a);
  }
  qb_cli_catalog c;
  int st = qb_cli_catalog_open(&c, cli, "features", NULL);
  if (st) return st;
  qb_err err = QB_ERR_INIT;
  qb_features_report r;
  int rc = qb_features_run(&r, c.cat, &o, &err);
  qb_cli_catalog_close(&c);
  if (rc) return qb_cli_fail(&err);
  qb_cli_features_print(&r, cli->json);
  if (cli->json) printf("\n");
  return QB_EXIT_OK;
}
