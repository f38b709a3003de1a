/* SPDX-License-Identifier: Apache-2.0 */
/* Test tool: run qb_compact (qberg/compact.h) on one table, for the compaction script tests and the bench
 * (the CLI verb lives in `qberg maintain compact`).
 *
 *   compact_run TABLE [--target BYTES] [--min-input N] [--where FILTER] [--dry-run]
 * TABLE: a table directory or metadata file path. Prints the report as one JSON object; exits 1 on error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qberg/qberg.h"

int main(int argc, char **argv)
{
  qb_compact_options o = {0, 0, NULL, false};
  const char *table = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--target") && i + 1 < argc) o.target_size_bytes = strtoll(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--min-input") && i + 1 < argc) o.min_input_files = (int32_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--where") && i + 1 < argc) o.partition_filter = argv[++i];
    else if (!strcmp(argv[i], "--dry-run")) o.dry_run = true;
    else if (!table && argv[i][0] != '-') table = argv[i];
    else {
      fprintf(stderr, "usage: compact_run TABLE [--target BYTES] [--min-input N] [--where FILTER] [--dry-run]\n");
      return 2;
    }
  }
  if (!table) {
    fprintf(stderr, "usage: compact_run TABLE [--target BYTES] [--min-input N] [--where FILTER] [--dry-run]\n");
    return 2;
  }
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat = NULL;
  qb_table *t = NULL;
  qb_compact_report r;
  int st = 1;
  if (qb_catalog_open(&cat, NULL, NULL, &err) || qb_table_load(&t, cat, table, &err) || qb_compact(t, &o, &r, &err)) {
    fprintf(stderr, "compact_run: %s: %s\n", qb_code_name(err.code), err.msg);
  } else {
    printf("{\"partitions\":%" PRId64 ",\"files_in\":%" PRId64 ",\"files_out\":%" PRId64 ",\"bytes_in\":%" PRId64
           ",\"bytes_out\":%" PRId64 ",\"delete_files_removed\":%" PRId64 ",\"snapshot_id\":%" PRId64
           ",\"retries\":%d}\n",
           r.partitions, r.files_in, r.files_out, r.bytes_in, r.bytes_out, r.delete_files_removed, r.snapshot_id,
           (int)r.retries);
    st = 0;
  }
  qb_table_free(t);
  qb_catalog_free(cat);
  return st;
}
