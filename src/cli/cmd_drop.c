/* SPDX-License-Identifier: Apache-2.0 */
/* qberg drop TABLE [--purge]: remove a table. */
#include <string.h>

#include "cli_catalog.h"

int qb_cmd_drop(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] drop TABLE [--purge] [--json]\n\n"
           "Remove the table's directory (as Java's HadoopCatalog does: the directory is the table), metadata\n"
           "files first and oldest first, so an interrupted drop never makes an older version current.\n"
           "--purge also deletes the files the table references outside its directory (data and delete\n"
           "files, manifests, manifest lists, statistics), read from its manifests; with gc.enabled=false\n"
           "data and delete files outside the directory are kept. A table nested in the directory (made\n"
           "before create refused nesting) is another table: it stays. Prints nothing, or with --json\n"
           "{\"table\": TABLE, \"dropped\": true, \"purge\": BOOL}.\n");
    return QB_EXIT_OK;
  }
  const char *table = NULL;
  bool purge = false;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--purge"))
      purge = true;
    else if (!strcmp(a, "--json"))
      continue;
    else if (a[0] == '-' || table)
      return qb_cli_usage_error("drop", "unexpected argument '%s'", a);
    else
      table = a;
  }
  if (!table) return qb_cli_usage_error("drop", "missing TABLE");
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "drop", table);
  if (st) return st;
  qb_catalog *cat = cc.cat;
  qb_err err = QB_ERR_INIT;
  int rc = qb_catalog_drop_table(cat, table, purge, &err);
  qb_cli_catalog_close(&cc);
  if (rc) return qb_cli_fail(&err);
  if (cli->json) { /* text: silent on success */
    printf("{\"table\":");
    qb_cli_json_str(stdout, table);
    printf(",\"dropped\":true,\"purge\":%s}\n", purge ? "true" : "false");
  }
  return QB_EXIT_OK;
}
