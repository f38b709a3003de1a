/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration every verb sees: --config FILE, then the environment, qberg.conf and spark-defaults.conf,
 * with -w/--warehouse and the verb's own -o KEY=VALUE as explicit options (they win). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int qb_cli_config(qb_config **out, const qb_cli *cli, qb_err *err)
{
  qb_config_options o = QB_CONFIG_OPTIONS_INIT;
  o.config_file = cli->config;
  int rc = qb_config_load(out, &o, err);
  if (rc) return rc;
  /* main.c falls back to $QBERG_WAREHOUSE itself: only a flag counts as explicit here */
  const char *env = getenv("QBERG_WAREHOUSE");
  if (cli->warehouse && !(env && !strcmp(env, cli->warehouse)))
    rc = qb_config_set(*out, "warehouse", cli->warehouse, err);
  if (rc) {
    qb_config_free(*out);
    *out = NULL;
  }
  return rc;
}

int qb_cli_config_option(qb_config *cfg, const char *verb, const char *kv, qb_err *err)
{
  const char *eq = strchr(kv, '=');
  (void)verb; /* the callers' usage error names the verb ("qberg s3: qberg s3: -o expects" said it twice) */
  if (!eq || eq == kv) return QB_FAIL(err, QB_EINVAL, "-o expects KEY=VALUE, got '%s'", kv);
  char key[128];
  snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
  return qb_config_set(cfg, key, eq + 1, err);
}
