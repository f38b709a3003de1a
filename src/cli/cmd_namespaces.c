/* SPDX-License-Identifier: Apache-2.0 */
/* qberg namespaces [PARENT]: the namespaces of the warehouse (directories that are not tables). */
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

int qb_cli_list_namespaces(qb_cli *cli, const char *verb, const char *parent)
{
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, verb, NULL);
  if (st) return st;
  qb_catalog *cat = cc.cat;
  lister l = {cli->json, 0};
  qb_err err = QB_ERR_INIT;
  int rc = qb_catalog_list_namespaces(cat, parent, print_name, &l, &err);
  if (cli->json && rc == QB_OK) printf("%s\n", l.n ? "]" : "[]");
  qb_cli_catalog_close(&cc);
  return rc ? qb_cli_fail(&err) : QB_EXIT_OK;
}

int qb_cmd_namespaces(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] namespaces [PARENT] [--json]\n\n"
           "List the namespaces directly under the warehouse (or under PARENT, e.g. a.b), sorted. A namespace\n"
           "is a directory that is not a table; hidden directories (.x, _x) are skipped. On object stores a\n"
           "namespace exists while it holds a table.\n");
    return QB_EXIT_OK;
  }
  const char *args[1];
  int n = qb_cli_positional(cli, args, 1);
  if (n < 0) return qb_cli_usage_error("namespaces", "unexpected argument '%s'", cli->argv[-1 - n]);
  return qb_cli_list_namespaces(cli, "namespaces", n ? args[0] : NULL);
}
