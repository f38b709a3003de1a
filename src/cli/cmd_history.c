/* SPDX-License-Identifier: Apache-2.0 */
/* qberg history TABLE: when each snapshot became current on main (the snapshot-log; Spark's "history"
 * table: made_current_at, snapshot_id, parent_id, is_current_ancestor). */
#include <inttypes.h>
#include <string.h>

#include "cli_catalog.h"

/* Is `id` the current snapshot or one of its ancestors? (bounded walk: a parent cycle ends it) */
static bool is_current_ancestor(const qb_table_metadata *md, int64_t id)
{
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  for (size_t steps = 0; s && steps <= qb_table_metadata_n_snapshots(md); steps++) {
    if (s->snapshot_id == id) return true;
    s = s->has_parent ? qb_table_metadata_snapshot_by_id(md, s->parent_id) : NULL;
  }
  return false;
}

int qb_cmd_history(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] history TABLE [--json]\n\n"
           "The snapshot log of the main branch, oldest first: when each snapshot was made current, its\n"
           "parent, and whether it is an ancestor of the current snapshot (false after a rollback).\n");
    return QB_EXIT_OK;
  }
  const char *args[1];
  int n = qb_cli_positional(cli, args, 1);
  if (n < 0) return qb_cli_usage_error("history", "unexpected argument '%s'", cli->argv[-1 - n]);
  if (n == 0) return qb_cli_usage_error("history", "missing TABLE");
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "history", args[0]);
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
    size_t nl;
    const qb_snapshot_log_entry *log = qb_table_metadata_snapshot_log(md, &nl);
    if (cli->json)
      printf("[");
    else
      printf("%-24s %-20s %-20s %s\n", "made-current-at", "snapshot-id", "parent-id", "is-current-ancestor");
    for (size_t i = 0; i < nl; i++) {
      const qb_snapshot *s = qb_table_metadata_snapshot_by_id(md, log[i].snapshot_id);
      bool anc = is_current_ancestor(md, log[i].snapshot_id);
      if (cli->json) {
        printf("%s{\"made-current-at-ms\":%" PRId64 ",\"snapshot-id\":%" PRId64 ",\"parent-id\":", i ? "," : "",
               log[i].timestamp_ms, log[i].snapshot_id);
        if (s && s->has_parent)
          printf("%" PRId64, s->parent_id);
        else
          printf("null");
        printf(",\"is-current-ancestor\":%s}", anc ? "true" : "false");
      } else {
        char parent[24] = "-";
        if (s && s->has_parent) snprintf(parent, sizeof parent, "%" PRId64, s->parent_id);
        qb_cli_print_ms(stdout, log[i].timestamp_ms);
        printf(" %-20" PRId64 " %-20s %s\n", log[i].snapshot_id, parent, anc ? "true" : "false");
      }
    }
    if (cli->json) printf("]\n");
  }
  qb_table_free(t);
  qb_cli_catalog_close(&cc);
  return st;
}
