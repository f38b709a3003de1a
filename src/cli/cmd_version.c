/* SPDX-License-Identifier: Apache-2.0 */
/* qberg version */
#include <string.h>

#include "cli.h"

int qb_cmd_version(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg version [--json]\n\nPrint the version of qberg.\n");
    return QB_EXIT_OK;
  }
  for (int i = 1; i < cli->argc; i++)
    if (strcmp(cli->argv[i], "--json")) return qb_cli_usage_error("version", "unexpected argument '%s'", cli->argv[i]);
  if (cli->json)
    printf("{\"qberg\":\"%s\"}\n", qb_version());
  else
    printf("qberg %s\n", qb_version());
  return QB_EXIT_OK;
}
