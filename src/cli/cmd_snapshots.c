/* SPDX-License-Identifier: Apache-2.0 */
/* qberg snapshots TABLE: every snapshot of the table's current metadata (Spark's "snapshots" table). */
#include <inttypes.h>
#include <string.h>

#include "cli_catalog.h"

/* the summary entries worth a column in text mode */
static const char *const wanted[] = {"added-records", "deleted-records", "total-records", "added-data-files",
                                     "deleted-data-files", "total-data-files", "added-delete-files",
                                     "total-delete-files"};

int qb_cmd_snapshots(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] snapshots TABLE [--json]\n\n"
           "List the snapshots in the table's current metadata, oldest first: id, parent, sequence number,\n"
           "commit time, operation and record/file counts (--json: every summary entry and the manifest list).\n");
    return QB_EXIT_OK;
  }
  const char *args[1];
  int n = qb_cli_positional(cli, args, 1);
  if (n < 0) return qb_cli_usage_error("snapshots", "unexpected argument '%s'", cli->argv[-1 - n]);
  if (n == 0) return qb_cli_usage_error("snapshots", "missing TABLE");
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "snapshots", args[0]);
  if (st) return st;
  qb_catalog *cat = cc.cat;
  qb_table *t;
  const qb_table_metadata *md;
  qb_err err = QB_ERR_INIT;
  if ((st = qb_cli_load_table(cat, args[0], &t)) != QB_EXIT_OK) {
    qb_cli_catalog_close(&cc);
    return st;
  }
  if (qb_table_get_metadata(&md, t, &err)) {
    st = qb_cli_fail(&err);
  } else if (cli->json) {
    printf("[");
    for (size_t i = 0; i < qb_table_metadata_n_snapshots(md); i++) {
      const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
      printf("%s{\"snapshot-id\":%" PRId64 ",\"parent-snapshot-id\":", i ? "," : "", s->snapshot_id);
      if (s->has_parent)
        printf("%" PRId64, s->parent_id);
      else
        printf("null");
      printf(",\"sequence-number\":%" PRId64 ",\"timestamp-ms\":%" PRId64 ",\"operation\":", s->sequence_number,
             s->timestamp_ms);
      if (s->operation)
        qb_cli_json_str(stdout, s->operation);
      else
        printf("null");
      printf(",\"manifest-list\":");
      if (s->manifest_list)
        qb_cli_json_str(stdout, s->manifest_list);
      else
        printf("null");
      printf(",\"summary\":{");
      for (size_t k = 0; k < s->n_summary; k++) {
        printf("%s", k ? "," : "");
        qb_cli_json_str(stdout, s->summary[k].key);
        printf(":");
        qb_cli_json_str(stdout, s->summary[k].value);
      }
      printf("}}");
    }
    printf("]\n");
  } else {
    printf("%-20s %-20s %5s %-24s %-10s %s\n", "snapshot-id", "parent-id", "seq", "committed-at", "operation",
           "summary");
    for (size_t i = 0; i < qb_table_metadata_n_snapshots(md); i++) {
      const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
      char parent[24] = "-";
      if (s->has_parent) snprintf(parent, sizeof parent, "%" PRId64, s->parent_id);
      printf("%-20" PRId64 " %-20s %5" PRId64 " ", s->snapshot_id, parent, s->sequence_number);
      qb_cli_print_ms(stdout, s->timestamp_ms);
      printf(" %-10s", s->operation ? s->operation : "-");
      int shown = 0;
      for (size_t k = 0; k < sizeof wanted / sizeof wanted[0]; k++) {
        const char *v = qb_snapshot_summary_get(s, wanted[k]);
        if (v) printf("%s%s=%s", shown++ ? ", " : " ", wanted[k], v);
      }
      printf("\n");
    }
  }
  qb_table_free(t);
  qb_cli_catalog_close(&cc);
  return st;
}
