/* SPDX-License-Identifier: Apache-2.0 */
/* qberg ns create|drop|list NAMESPACE: manage namespaces (directories under the warehouse). */
#include <string.h>

#include "cli_catalog.h"

static void usage(FILE *f)
{
  fprintf(f, "usage: qberg [-w WAREHOUSE] ns create NAMESPACE [--json]\n"
             "       qberg [-w WAREHOUSE] ns drop NAMESPACE [--json]\n"
             "       qberg [-w WAREHOUSE] ns list [PARENT] [--json]\n\n"
             "create: make the namespace directory (and its parents); an existing one is an error.\n"
             "drop:   remove an empty namespace; one holding anything is an error.\n"
             "list:   as 'qberg namespaces'.\n"
             "Names are dotted (a.b = <warehouse>/a/b). create and drop print nothing, or with --json\n"
             "{\"namespace\": NAME, \"created\"|\"dropped\": true}.\n");
}

int qb_cmd_ns(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage(stdout);
    return QB_EXIT_OK;
  }
  const char *args[2];
  int n = qb_cli_positional(cli, args, 2);
  if (n < 0) return qb_cli_usage_error("ns", "unexpected argument '%s'", cli->argv[-1 - n]);
  if (n == 0) return qb_cli_usage_error("ns", "missing subcommand (create, drop or list)");
  if (!strcmp(args[0], "list")) return qb_cli_list_namespaces(cli, "ns", n > 1 ? args[1] : NULL);
  bool create = !strcmp(args[0], "create");
  if (!create && strcmp(args[0], "drop")) return qb_cli_usage_error("ns", "unknown subcommand '%s'", args[0]);
  if (n < 2) return qb_cli_usage_error("ns", "%s needs a NAMESPACE", args[0]);
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "ns", NULL);
  if (st) return st;
  qb_catalog *cat = cc.cat;
  qb_err err = QB_ERR_INIT;
  int rc = create ? qb_catalog_create_namespace(cat, args[1], &err) : qb_catalog_drop_namespace(cat, args[1], &err);
  qb_cli_catalog_close(&cc);
  if (rc) return qb_cli_fail(&err);
  if (cli->json) { /* text: silent on success; --json: what was done, as the other verbs answer */
    printf("{\"namespace\":");
    qb_cli_json_str(stdout, args[1]);
    printf(",\"%s\":true}\n", create ? "created" : "dropped");
  }
  return QB_EXIT_OK;
}
