/* SPDX-License-Identifier: Apache-2.0 */
/* qberg garage init: buckets raw-results, features, mlflow-artifacts and a key on a Garage cluster, through its
 * admin API v2; prints the key as environment lines. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
  fprintf(f, "usage: qberg garage init [--admin URL] [--s3-endpoint URL] [--key-name NAME] [--bucket NAME]...\n"
             "                         [-o KEY=VALUE]... [--json]\n"
             "\n"
             "Create (or reuse) the key NAME (default qberg) and the buckets (default raw-results, features,\n"
             "mlflow-artifacts) on a Garage cluster, allow the key read, write and owner on each, and print\n"
             "the key as shell lines for the environment (eval \"$(qberg garage init)\"). Idempotent.\n"
             "\n"
             "  --admin URL         admin API (default: garage.admin-endpoint, $GARAGE_ADMIN_ENDPOINT,\n"
             "                      else http://127.0.0.1:3903)\n"
             "  --s3-endpoint URL   the S3 endpoint to print (default: s3.endpoint, else the admin host, port 3900)\n"
             "The admin token comes from $GARAGE_ADMIN_TOKEN or garage.admin-token in qberg.conf, never from\n"
             "the command line. Progress goes to stderr; only the key lines go to stdout.\n");
}

static void log_line(void *ctx, const char *line) { fprintf(stderr, "garage: %s\n", line); }

/* http://host:3903 -> http://host:3900 */
static char *s3_from_admin(const char *admin)
{
  char *s = malloc(strlen(admin) + 8);
  if (!s) return NULL;
  strcpy(s, admin);
  size_t n = strlen(s);
  while (n && s[n - 1] == '/') s[--n] = '\0';
  char *colon = strrchr(s, ':');
  if (colon && colon > s + 6 && strspn(colon + 1, "0123456789") == strlen(colon + 1))
    strcpy(colon, ":3900");
  else
    strcat(s, ":3900");
  return s;
}

int qb_cmd_garage(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage(stdout);
    return QB_EXIT_OK;
  }
  if (cli->argc < 2 || strcmp(cli->argv[1], "init")) return qb_cli_usage_error("garage", "expected 'init'");
  qb_err err = QB_ERR_INIT;
  qb_config *cfg;
  if (qb_cli_config(&cfg, cli, &err)) return qb_cli_fail(&err);
  const char *admin = NULL, *s3 = NULL, *key_name = NULL;
  const char *buckets[16];
  size_t nb = 0;
  int rc = QB_EXIT_OK;
  for (int i = 2; i < cli->argc && rc == QB_EXIT_OK; i++) {
    const char *a = cli->argv[i];
    bool has = i + 1 < cli->argc;
    if (!strcmp(a, "--json")) continue;
    if (!has && (!strcmp(a, "--admin") || !strcmp(a, "--s3-endpoint") || !strcmp(a, "--key-name") ||
                 !strcmp(a, "--bucket") || !strcmp(a, "-o"))) {
      rc = qb_cli_usage_error("garage", "%s needs a value", a);
    } else if (!strcmp(a, "--admin")) {
      admin = cli->argv[++i];
    } else if (!strcmp(a, "--s3-endpoint")) {
      s3 = cli->argv[++i];
    } else if (!strcmp(a, "--key-name")) {
      key_name = cli->argv[++i];
    } else if (!strcmp(a, "--bucket")) {
      if (nb == sizeof buckets / sizeof buckets[0]) rc = qb_cli_usage_error("garage", "too many --bucket");
      else buckets[nb++] = cli->argv[++i];
    } else if (!strcmp(a, "-o")) {
      if (qb_cli_config_option(cfg, "garage", cli->argv[++i], &err)) rc = qb_cli_usage_error("garage", "%s", err.msg);
    } else {
      rc = qb_cli_usage_error("garage", "unexpected argument '%s'", a);
    }
  }
  if (rc != QB_EXIT_OK) {
    qb_config_free(cfg);
    return rc;
  }
  qb_garage_init_options o = QB_GARAGE_INIT_OPTIONS_INIT;
  o.admin_endpoint = admin ? admin : qb_config_get(cfg, "garage.admin-endpoint");
  if (!o.admin_endpoint) o.admin_endpoint = "http://127.0.0.1:3903";
  o.admin_token = qb_config_get(cfg, "garage.admin-token");
  o.key_name = key_name;
  if (nb) {
    o.buckets = buckets;
    o.n_buckets = nb;
  }
  qb_garage_key key;
  if (qb_garage_init(&key, &o, log_line, NULL, &err)) {
    qb_config_free(cfg);
    return qb_cli_fail(&err);
  }
  char *derived = NULL;
  if (!s3) s3 = qb_config_get(cfg, "s3.endpoint");
  if (!s3) s3 = derived = s3_from_admin(o.admin_endpoint);
  const char *region = qb_config_get(cfg, "s3.region");
  if (!region) region = "garage";
  /* the one place qberg prints a secret: the user asked for the key, to put it into their environment */
  if (cli->json)
    printf("{\"endpoint\":\"%s\",\"region\":\"%s\",\"access_key_id\":\"%s\",\"secret_access_key\":\"%s\","
           "\"created\":%s}\n",
           s3, region, key.access_key_id, key.secret_access_key, key.created ? "true" : "false");
  else
    printf("export S3_ENDPOINT=%s\nexport S3_REGION=%s\nexport S3_ACCESS_KEY=%s\nexport S3_SECRET_KEY=%s\n", s3, region,
           key.access_key_id, key.secret_access_key);
  memset(&key, 0, sizeof key);
  free(derived);
  qb_config_free(cfg);
  return QB_EXIT_OK;
}
