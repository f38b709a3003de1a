/* SPDX-License-Identifier: Apache-2.0 */
/* qberg tables [NAMESPACE]: the tables of the warehouse (or of one namespace). */
#include "cli_catalog.h"

typedef struct lister {
  bool json;
  int n;
} lister;

static int print_name(void *ctx, const char *name, qb_err *err)
{
  lister *l = ctx;
  if (l->json) {
    printf("%s", l->n ? "," : "[");
    qb_cli_json_str(stdout, name);
  } else {
    printf("%s\n", name);
  }
  l->n++;
  return QB_OK;
}

int qb_cmd_tables(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] tables [NAMESPACE] [--json]\n\n"
           "List the tables of the warehouse as identifiers (db.table), sorted: every table at any depth (tables\n"
           "nested in another table's directory by old versions included, as db.t.u), or only those directly\n"
           "in NAMESPACE. A table is a directory whose metadata/ holds metadata files.\n");
    return QB_EXIT_OK;
  }
  const char *args[1];
  int n = qb_cli_positional(cli, args, 1);
  if (n < 0) return qb_cli_usage_error("tables", "unexpected argument '%s'", cli->argv[-1 - n]);
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "tables", NULL);
  if (st) return st;
  qb_catalog *cat = cc.cat;
  lister l = {cli->json, 0};
  qb_err err = QB_ERR_INIT;
  int rc = qb_catalog_list_tables(cat, n ? args[0] : NULL, print_name, &l, &err);
  if (cli->json && rc == QB_OK) printf("%s\n", l.n ? "]" : "[]");
  qb_cli_catalog_close(&cc);
  return rc ? qb_cli_fail(&err) : QB_EXIT_OK;
}
