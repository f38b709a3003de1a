/* SPDX-License-Identifier: Apache-2.0 */
/* qberg delete TABLE --where EXPR [--branch B]: delete the rows matching EXPR in one snapshot, copy-on-write
 * (Java DeleteFiles.deleteFromRowFilter, OverwriteFiles for the files that are rewritten). */
#include <inttypes.h>
#include <string.h>

#include "cli_catalog.h"
#include "qberg/table.h"

int qb_cmd_delete(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] delete TABLE --where EXPR [--branch NAME] [--json]\n\n"
           "Delete the rows matching EXPR in one snapshot, copy-on-write: a data file whose live rows all match\n"
           "is removed (decided from the partition values when EXPR reads only identity-partitioned columns,\n"
           "else by reading the file with its delete files applied), a file where only some rows match is\n"
           "rewritten without them in the same partition (the snapshot is then an \"overwrite\"), other files\n"
           "stay. Rows where EXPR is null are kept (SQL). A concurrent commit that removed a file being\n"
           "rewritten, added deletes for it, or added files that may match fails the delete (QB_ECONFLICT).\n"
           "Prints the new snapshot id (--json: an object with the counts).\n");
    return QB_EXIT_OK;
  }
  const char *table = NULL, *where = NULL, *branch = NULL;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if ((!strcmp(a, "--where") || !strcmp(a, "--branch")) && i + 1 < cli->argc) {
      if (a[2] == 'w') where = cli->argv[++i];
      else branch = cli->argv[++i];
    } else if (a[0] == '-' || table) {
      return qb_cli_usage_error("delete", "unexpected argument '%s'", a);
    } else {
      table = a;
    }
  }
  if (!table || !where) return qb_cli_usage_error("delete", "needs TABLE and --where EXPR");
  qb_err err = QB_ERR_INIT;
  qb_expr *filter;
  if (qb_expr_parse(&filter, where, &err)) return qb_cli_usage_error("delete", "%s", err.msg);
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "delete", table);
  if (st) {
    qb_expr_free(filter);
    return st;
  }
  qb_table *t = NULL;
  qb_txn *txn = NULL;
  qb_txn_options o = QB_TXN_OPTIONS_INIT;
  o.branch = branch;
  qb_txn_result res;
  if ((st = qb_cli_load_table(cc.cat, table, &t))) goto out;
  if (qb_txn_begin(&txn, t, QB_TXN_DELETE, &o, &err) || qb_txn_remove_where(txn, filter, &err)) {
    qb_txn_abort(txn);
    st = qb_cli_fail(&err);
    goto out;
  }
  if (qb_txn_commit(txn, &res, &err)) {
    st = qb_cli_fail(&err);
    goto out;
  }
  if (cli->json)
    printf("{\"snapshot-id\":%" PRId64 ",\"version\":%" PRId64 ",\"attempts\":%d,\"removed-files\":%" PRIu64
           ",\"removed-records\":%" PRIu64 ",\"added-files\":%" PRIu64 ",\"added-records\":%" PRIu64 "}\n",
           res.snapshot_id, res.version, res.attempts, res.removed_files, res.removed_records, res.added_files,
           res.added_records);
  else
    printf("%" PRId64 "\n", res.snapshot_id);
out:
  qb_table_free(t);
  qb_cli_catalog_close(&cc);
  qb_expr_free(filter);
  return st;
}
