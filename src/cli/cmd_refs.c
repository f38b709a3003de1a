/* SPDX-License-Identifier: Apache-2.0 */
/* qberg refs TABLE: branches and tags (Spark's "refs" table). */
#include <inttypes.h>
#include <string.h>

#include "cli_catalog.h"

/* a retention setting, or `none` when unset (-1) */
static const char *opt_num(char buf[24], int64_t v, const char *none)
{
  if (v < 0) return none;
  snprintf(buf, 24, "%" PRId64, v);
  return buf;
}

int qb_cmd_refs(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] refs TABLE [--json]\n\n"
           "List the table's branches and tags: name, type, snapshot id and retention settings\n"
           "(max-ref-age-ms, min-snapshots-to-keep and max-snapshot-age-ms for branches).\n");
    return QB_EXIT_OK;
  }
  const char *args[1];
  int n = qb_cli_positional(cli, args, 1);
  if (n < 0) return qb_cli_usage_error("refs", "unexpected argument '%s'", cli->argv[-1 - n]);
  if (n == 0) return qb_cli_usage_error("refs", "missing TABLE");
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "refs", args[0]);
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
  } else {
    if (cli->json)
      printf("[");
    else
      printf("%-20s %-7s %-20s %-15s %-22s %s\n", "name", "type", "snapshot-id", "max-ref-age-ms",
             "min-snapshots-to-keep", "max-snapshot-age-ms");
    for (size_t i = 0; i < qb_table_metadata_n_refs(md); i++) {
      const qb_ref *r = qb_table_metadata_ref_at(md, i);
      const char *type = r->type == QB_REF_TAG ? "tag" : "branch";
      char a[24], b[24], c[24];
      if (cli->json) {
        printf("%s{\"name\":", i ? "," : "");
        qb_cli_json_str(stdout, r->name);
        printf(",\"type\":\"%s\",\"snapshot-id\":%" PRId64 ",\"max-ref-age-ms\":%s,\"min-snapshots-to-keep\":%s,"
               "\"max-snapshot-age-ms\":%s}",
               type, r->snapshot_id, opt_num(a, r->max_ref_age_ms, "null"),
               opt_num(b, r->min_snapshots_to_keep, "null"), opt_num(c, r->max_snapshot_age_ms, "null"));
      } else {
        qb_cli_put_text(r->name, 20);
        printf(" %-7s %-20" PRId64 " %-15s %-22s %s\n", type, r->snapshot_id,
               opt_num(a, r->max_ref_age_ms, "-"), opt_num(b, r->min_snapshots_to_keep, "-"),
               opt_num(c, r->max_snapshot_age_ms, "-"));
      }
    }
    if (cli->json) printf("]\n");
  }
  qb_table_free(t);
  qb_cli_catalog_close(&cc);
  return st;
}
