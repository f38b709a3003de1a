/* SPDX-License-Identifier: Apache-2.0 */
/* qberg ingest: one incremental batch of the VQE pipeline (docs/PIPELINE.md). */
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "cli_features.h"
#include "qberg/pipeline.h"
#include "qberg/s3.h"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: qberg [-w WAREHOUSE] ingest --raw DIR|URI [--batch-id UUID] [--no-features] [--json]\n"
          "\n"
          "Process the raw VQE result files under --raw that earlier runs have not seen: derive the rows of\n"
          "the nine quantum_features tables, append the rows whose key columns are new (tag v_<batch> on a\n"
          "table's first batch, v_incr_<batch> later), and record the run in processing_metadata, the files in\n"
          "ingested_files and the rejected files (with the reason) in rejected_inputs. --raw is a folder whose\n"
          "subfolders are topics (s3://raw-results/experiments/) or one topic folder. Exit 1 if any file was\n"
          "rejected (the good ones are ingested all the same). Then the ML feature tables are computed for the\n"
          "new experiments (qberg features) unless --no-features.\n");
}

int qb_cmd_ingest(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage(stdout);
    return QB_EXIT_OK;
  }
  qb_ingest_options o = QB_INGEST_OPTIONS_INIT;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--no-features")) {
      o.no_features = true;
      continue;
    }
    if ((!strcmp(a, "--raw") || !strcmp(a, "--batch-id")) && i + 1 < cli->argc) {
      if (!strcmp(a, "--raw"))
        o.raw = cli->argv[++i];
      else
        o.batch_id = cli->argv[++i];
    } else {
      return qb_cli_usage_error("ingest", "unexpected argument '%s'", a);
    }
  }
  if (!o.raw) return qb_cli_usage_error("ingest", "--raw DIR|URI is required");
  qb_cli_catalog c;
  int st = qb_cli_catalog_open(&c, cli, "ingest", NULL);
  if (st) return st;
  qb_err err = QB_ERR_INIT;
  qb_fileio *raw_io = NULL;
  if (strstr(o.raw, "://") && strncmp(o.raw, "file:", 5) && qb_fileio_for_uri(&raw_io, o.raw, c.cfg, &err)) {
    qb_cli_catalog_close(&c);
    return qb_cli_fail(&err);
  }
  o.raw_io = raw_io;
  qb_ingest_report *r = calloc(1, sizeof *r);
  if (!r) {
    qb_fileio_free(raw_io);
    qb_cli_catalog_close(&c);
    return QB_EXIT_ERROR;
  }
  int rc = qb_ingest_run(r, c.cat, &o, &err);
  qb_fileio_free(raw_io);
  qb_cli_catalog_close(&c);
  if (rc) {
    free(r);
    return qb_cli_fail(&err);
  }
  if (cli->json) {
    printf("{\"batch_id\":\"%s\",\"files_seen\":%llu,\"files_new\":%llu,\"files_rejected\":%llu,\"records\":%llu,"
           "\"tables\":[",
           r->batch_id, (unsigned long long)r->files_seen, (unsigned long long)r->files_new,
           (unsigned long long)r->files_rejected, (unsigned long long)r->records);
    for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++)
      printf("%s{\"table\":\"%s\",\"rows\":%lld,\"duplicates\":%lld,\"version\":\"%s\",\"snapshot_id\":%lld}",
             t ? "," : "", qb_vqe_table_describe((qb_vqe_table)t)->name, (long long)r->rows[t],
             (long long)r->duplicates[t], r->versions[t], (long long)r->snapshot_ids[t]);
    printf("],\"rejected\":[");
    for (size_t i = 0; i < r->n_rejects; i++) {
      printf("%s{\"file\":", i ? "," : "");
      qb_cli_json_str(stdout, r->rejects[i].file);
      printf(",\"reason\":");
      qb_cli_json_str(stdout, r->rejects[i].reason);
      printf("}");
    }
    printf("]");
    if (r->features.batch_id[0]) { /* the ML phase ran */
      printf(",\"features\":");
      qb_cli_features_print(&r->features, true);
    }
    printf("}\n");
  } else {
    printf("batch %s: %llu raw files, %llu new, %llu rejected, %llu records, %.1f MB\n", r->batch_id,
           (unsigned long long)r->files_seen, (unsigned long long)r->files_new,
           (unsigned long long)r->files_rejected, (unsigned long long)r->records, r->bytes / 1e6);
    printf("%-22s %10s %10s  %-40s %s\n", "table", "rows", "duplicate", "version", "snapshot");
    for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
      printf("%-22s %10lld %10lld  %-40s ", qb_vqe_table_describe((qb_vqe_table)t)->name, (long long)r->rows[t],
             (long long)r->duplicates[t], r->versions[t]);
      if (r->snapshot_ids[t] >= 0)
        printf("%lld\n", (long long)r->snapshot_ids[t]);
      else
        printf("-\n");
    }
    if (r->features.batch_id[0]) qb_cli_features_print(&r->features, false);
    for (size_t i = 0; i < r->n_rejects; i++) fprintf(stderr, "rejected %s\n", r->rejects[i].reason);
  }
  int status = r->files_rejected ? QB_EXIT_ERROR : QB_EXIT_OK;
  free(r);
  return status;
}
