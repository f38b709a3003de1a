/* SPDX-License-Identifier: Apache-2.0 */
/* qberg rename TABLE NEW: move a table's directory. */
#include "cli_catalog.h"

int qb_cmd_rename(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] rename TABLE NEW [--json]\n\n"
           "Move the table's directory to NEW (an identifier such as db.other, or a path), never over an\n"
           "existing one. Local warehouses only: object stores cannot rename. The metadata keeps the paths it\n"
           "recorded (Iceberg stores absolute paths): qberg resolves them against the table's directory, but\n"
           "Spark/Java will not find the old files of a renamed table (docs/CATALOG.md). Prints nothing, or\n"
           "with --json {\"table\": TABLE, \"renamed_to\": NEW}.\n");
    return QB_EXIT_OK;
  }
  const char *args[2];
  int n = qb_cli_positional(cli, args, 2);
  if (n < 0) return qb_cli_usage_error("rename", "unexpected argument '%s'", cli->argv[-1 - n]);
  if (n < 2) return qb_cli_usage_error("rename", "needs TABLE and NEW");
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "rename", args[0]);
  if (st) return st;
  qb_catalog *cat = cc.cat;
  qb_err err = QB_ERR_INIT;
  int rc = qb_catalog_rename_table(cat, args[0], args[1], &err);
  qb_cli_catalog_close(&cc);
  if (rc) return qb_cli_fail(&err);
  if (cli->json) { /* text: silent on success */
    printf("{\"table\":");
    qb_cli_json_str(stdout, args[0]);
    printf(",\"renamed_to\":");
    qb_cli_json_str(stdout, args[1]);
    printf("}\n");
  }
  return QB_EXIT_OK;
}
